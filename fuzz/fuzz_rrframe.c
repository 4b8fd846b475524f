/*
 * libFuzzer target for rrframe: the input is a stream body; it is read once
 * in one feed and once cut into pieces whose sizes come from the input's
 * first bytes. Both reads must agree (result, error message, frames and
 * their contents): how libcurl splits a body must never matter.
 * Both must also agree with a plain whole-body reference reader below.
 * A small limit (4 KiB) makes oversize frames reachable, and a message
 * starting with 0xEE makes the callback fail, to cover that path.
 * Build: make build/fuzz/fuzz_rrframe (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "binio.h"
#include "rrframe.h"

#define MAX_LEN 4096

struct seen {
    uint64_t n;
    uint32_t hash; /* CRC32C over every message, length-prefixed */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cb(void *arg, const uint8_t *msg, size_t len, struct err *e)
{
    struct seen *s = arg;
    uint8_t l[8];

    if (len > MAX_LEN)
        __builtin_trap();
    for (int i = 0; i < 8; i++)
        l[i] = (uint8_t)((uint64_t)len >> (8 * i));
    s->hash = binio_crc32c(s->hash, l, sizeof(l));
    s->hash = binio_crc32c(s->hash, msg, len);
    s->n++;
    if (len > 0 && msg[0] == 0xee)
        return util_err(e, "callback refuses message %llu", (unsigned long long)s->n);
    return 0;
}

/* Reads body[0..len) in pieces of sizes taken from cuts[] in turn (0: whole). */
static int run(const uint8_t *body, size_t len, const uint8_t *cuts, size_t ncuts, struct seen *s,
               struct err *e, uint64_t *count)
{
    struct rrframe_reader *r = rrframe_reader_new(MAX_LEN, cb, s);
    size_t off = 0, k = 0;
    int rc = 0;

    if (r == NULL)
        return -2;
    while (off < len && rc == 0) {
        size_t n = ncuts ? (size_t)cuts[k++ % ncuts] : len;

        /* An empty feed must be harmless; then move on by one byte. */
        if (n == 0) {
            rc = rrframe_feed(r, body + off, 0, e);
            n = 1;
            if (rc != 0)
                break;
        }
        if (n > len - off)
            n = len - off;
        rc = rrframe_feed(r, body + off, n, e);
        off += n;
    }
    if (rc == 0)
        rc = rrframe_finish(r, e);
    else if (rrframe_finish(r, NULL) != -1)
        __builtin_trap(); /* errors are sticky */
    *count = rrframe_count(r);
    rrframe_reader_free(r);
    return rc;
}

/*
 * A reference reader: the whole body at once, written as plainly as
 * possible. Returns 0 or -1 like run(); the incremental reader must agree.
 */
static int reference(const uint8_t *p, size_t len, struct seen *s)
{
    size_t off = 0;

    while (off < len) {
        uint64_t n = 0;
        uint32_t want;
        int i;

        for (i = 0;; i++) {
            if (i == 10 || off >= len)
                return -1;
            if (i == 9 && p[off] > 1)
                return -1;
            n |= (uint64_t)(p[off] & 0x7f) << (7 * i);
            if (p[off++] < 0x80)
                break;
        }
        if (n > MAX_LEN || len - off < 4 || len - off - 4 < n)
            return -1;
        want = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 | (uint32_t)p[off + 2] << 8 |
               p[off + 3];
        off += 4;
        if (binio_crc32c(0, p + off, (size_t)n) != want)
            return -1;
        if (cb(s, p + off, (size_t)n, NULL) != 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen a = {0, 0}, b = {0, 0};
    struct err ea, eb;
    uint64_t ca, cb_;
    size_t ncuts;
    int ra, rb;

    if (size < 1)
        return 0;
    /* First byte: how many cut sizes follow (zero-size pieces included). */
    ncuts = (size_t)(data[0] % 8);
    if (ncuts + 1 > size)
        return 0;
    ea.msg[0] = eb.msg[0] = '\0';
    ra = run(data + 1 + ncuts, size - 1 - ncuts, NULL, 0, &a, &ea, &ca);
    rb = run(data + 1 + ncuts, size - 1 - ncuts, data + 1, ncuts, &b, &eb, &cb_);
    if (ra == -2 || rb == -2)
        return 0;
    if (ra != rb || a.n != b.n || a.hash != b.hash || ca != cb_ || ca != a.n)
        __builtin_trap();
    if (ra != 0 && (ea.msg[0] == '\0' || strcmp(ea.msg, eb.msg) != 0))
        __builtin_trap();
    {
        struct seen c = {0, 0};

        if (reference(data + 1 + ncuts, size - 1 - ncuts, &c) != ra || c.n != a.n ||
            c.hash != a.hash)
            __builtin_trap();
    }
    return 0;
}
