/*
 * rrframe: incremental reader of the frames of a streamed remote-read body.
 * See rrframe.h. A small state machine (length varint, CRC, message)
 * consumes bytes as they arrive, so a frame may be split anywhere across
 * feeds. A message that arrives whole in one feed goes to the callback
 * straight from the caller's bytes; otherwise it is gathered in one reused
 * buffer capped at max_len, so a hostile length cannot make us allocate more
 * than the limit.
 */
#include "rrframe.h"

#include "binio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A uvarint of a 64-bit length is at most 10 bytes (Go's MaxVarintLen64). */
#define VARINT_MAX 10
#define CRC_LEN 4

enum state {
    ST_LEN, /* reading the length varint */
    ST_CRC, /* reading the 4 CRC bytes */
    ST_MSG  /* reading the message */
};

struct rrframe_reader {
    size_t max_len;
    rrframe_cb cb;
    void *arg;
    enum state st;
    uint64_t len;       /* message length (being assembled in ST_LEN) */
    unsigned len_bytes; /* varint bytes read */
    uint8_t crc[CRC_LEN];
    unsigned crc_have;
    uint32_t want_crc;
    struct buf msg;     /* the current message when split across feeds */
    uint64_t frames;    /* messages passed to the callback */
    uint64_t offset;    /* body bytes consumed */
    uint64_t frame_off; /* body offset of the current frame */
    int failed;
    struct err err; /* the first error, repeated by every later call */
};

struct rrframe_reader *rrframe_reader_new(size_t max_len, rrframe_cb cb, void *arg)
{
    struct rrframe_reader *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    if (max_len == 0)
        max_len = RRFRAME_DEFAULT_MAX;
    /* struct buf needs max_len + 1 bytes; no allocation this large could
     * succeed anyway, so this only keeps the arithmetic from wrapping. */
    if (max_len > SIZE_MAX / 2)
        max_len = SIZE_MAX / 2;
    r->max_len = max_len;
    r->cb = cb;
    r->arg = arg;
    r->st = ST_LEN;
    buf_init(&r->msg, max_len);
    return r;
}

void rrframe_reader_free(struct rrframe_reader *r)
{
    if (r == NULL)
        return;
    buf_free(&r->msg);
    free(r);
}

uint64_t rrframe_count(const struct rrframe_reader *r)
{
    return r->frames;
}

/* Makes the error in e the reader's sticky error and returns -1. */
static int stick(struct rrframe_reader *r, const struct err *e)
{
    r->failed = 1;
    memcpy(&r->err, e, sizeof(r->err));
    return -1;
}

/* Formats "frame N (body offset O): ..." into e, makes it sticky, returns -1. */
static int fail(struct rrframe_reader *r, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct rrframe_reader *r, struct err *e, const char *fmt, ...)
{
    char msg[UTIL_ERRLEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    util_err(e, "remote-read frame %llu (body offset %llu): %s", (unsigned long long)r->frames + 1,
             (unsigned long long)r->frame_off, msg);
    return stick(r, e);
}

/* Back to reading a length varint, at body offset r->offset. */
static void next_frame(struct rrframe_reader *r)
{
    r->st = ST_LEN;
    r->len = 0;
    r->len_bytes = 0;
    r->crc_have = 0;
    r->frame_off = r->offset;
    buf_reset(&r->msg);
}

/* Verifies a whole message and hands it to the callback. */
static int deliver(struct rrframe_reader *r, const uint8_t *msg, size_t len, struct err *e)
{
    uint32_t got = binio_crc32c(0, msg, len);

    if (got != r->want_crc)
        return fail(r, e,
                    "CRC32C mismatch: header says 0x%08x, message of %zu bytes has "
                    "0x%08x",
                    r->want_crc, len, got);
    r->frames++;
    if (r->cb != NULL) {
        e->msg[0] = '\0';
        if (r->cb(r->arg, msg, len, e) < 0) {
            /* Still a message for callbacks that fail without one. */
            if (e->msg[0] == '\0')
                util_err(e, "remote-read frame %llu: message handler failed",
                         (unsigned long long)r->frames);
            return stick(r, e);
        }
    }
    next_frame(r);
    return 0;
}

/* Takes one byte of the length varint; Go's binary.ReadUvarint rules. */
static int length_byte(struct rrframe_reader *r, uint8_t b, struct err *e)
{
    unsigned shift = 7 * r->len_bytes;

    r->len_bytes++;
    if (b >= 0x80) {
        if (r->len_bytes == VARINT_MAX)
            return fail(r, e, "length varint does not end within %d bytes", VARINT_MAX);
        r->len |= (uint64_t)(b & 0x7f) << shift;
        return 0;
    }
    if (r->len_bytes == VARINT_MAX && b > 1)
        return fail(r, e, "length varint overflows 64 bits");
    r->len |= (uint64_t)b << shift;
    if (r->len > r->max_len)
        return fail(r, e, "message of %llu bytes exceeds the limit of %zu bytes",
                    (unsigned long long)r->len, r->max_len);
    r->st = ST_CRC;
    return 0;
}

/* A failed reader stays failed: every later call gets the first error again. */
static int replay_failure(const struct rrframe_reader *r, struct err *e)
{
    memcpy(e, &r->err, sizeof(*e));
    return -1;
}

int rrframe_feed(struct rrframe_reader *r, const void *data, size_t len, struct err *e)
{
    const uint8_t *p = data;
    struct err local;

    /* Errors are kept in the reader, so work on a real struct even for e == NULL. */
    if (e == NULL)
        e = &local;
    if (r->failed)
        return replay_failure(r, e);
    while (len > 0) {
        size_t take;

        switch (r->st) {
        case ST_LEN:
            r->offset++;
            len--;
            if (length_byte(r, *p++, e) < 0)
                return -1;
            break;
        case ST_CRC:
            take = CRC_LEN - r->crc_have;
            if (take > len)
                take = len;
            memcpy(r->crc + r->crc_have, p, take);
            r->crc_have += (unsigned)take;
            p += take;
            len -= take;
            r->offset += take;
            if (r->crc_have < CRC_LEN)
                break;
            r->want_crc = (uint32_t)r->crc[0] << 24 | (uint32_t)r->crc[1] << 16 |
                          (uint32_t)r->crc[2] << 8 | r->crc[3];
            r->st = ST_MSG;
            /* An empty message has no byte to wait for. */
            if (r->len == 0 && deliver(r, p, 0, e) < 0)
                return -1;
            break;
        case ST_MSG:
            /* len <= max_len <= SIZE_MAX / 2 was checked in length_byte(). */
            take = (size_t)r->len - r->msg.len;
            if (take > len)
                take = len;
            r->offset += take;
            if (r->msg.len == 0 && take == r->len) {
                /* Whole in this feed: no copy. */
                if (deliver(r, p, take, e) < 0)
                    return -1;
            } else {
                if (buf_append(&r->msg, p, take) < 0)
                    return fail(r, e, "out of memory buffering a message of %llu bytes",
                                (unsigned long long)r->len);
                if (r->msg.len == r->len &&
                    deliver(r, (const uint8_t *)r->msg.data, r->msg.len, e) < 0)
                    return -1;
            }
            p += take;
            len -= take;
            break;
        }
    }
    return 0;
}

int rrframe_finish(struct rrframe_reader *r, struct err *e)
{
    struct err local;

    if (e == NULL)
        e = &local;
    if (r->failed)
        return replay_failure(r, e);
    switch (r->st) {
    case ST_LEN:
        if (r->len_bytes == 0)
            return 0;
        return fail(r, e,
                    "stream ended inside the frame header: after %u bytes of the "
                    "length varint",
                    r->len_bytes);
    case ST_CRC:
        return fail(r, e, "stream ended inside the frame header: %u of %d CRC bytes", r->crc_have,
                    CRC_LEN);
    case ST_MSG:
        break;
    }
    return fail(r, e, "stream ended inside a frame: %zu of %llu bytes", r->msg.len,
                (unsigned long long)r->len);
}
