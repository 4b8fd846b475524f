/*
 * remote_read: the remote-read protocol client. See remote_read.h.
 *
 * One request per run: the queries packed into a ReadRequest (protobuf-c,
 * code generated from proto/), snappy-compressed and POSTed through httpc
 * (headers, auth, TLS, secrets, error wording shared with promql). The answer
 * is sorted out on its first body byte, from the status and Content-Type:
 *   - streamed chunks: bytes go from libcurl's write callback straight into
 *     an rrframe reader; each frame is a ChunkedReadResponse whose XOR chunks
 *     are decoded (xorchunk) into the series being gathered;
 *   - SAMPLES: the body is buffered (capped), snappy-decoded (capped) and
 *     unpacked as one ReadResponse;
 *   - anything else (error statuses, HTML pages): only the first bytes are
 *     kept, for the error message, and the transfer is stopped.
 *
 * Content-Encoding of SAMPLES bodies: Prometheus sends "snappy". Cortex
 * writes the snappy block with no Content-Encoding (and no Content-Type, so
 * Go labels it application/octet-stream). So: "snappy" means the body must be
 * a valid snappy block; with no Content-Encoding (or "identity") a body that
 * is a valid snappy block is decoded as one, and only a body that is not is
 * read as an uncompressed ReadResponse. The guess is safe: validation checks
 * the whole block, and a plain ReadResponse starts with byte 0x0a, which as a
 * snappy header announces 10 bytes of output, so only a plain body of at most
 * 51 bytes could pass; should its decoded bytes not unpack, the body itself is
 * tried. Any other encoding is an error naming it.
 *
 * One series is gathered at a time, in buffers reused across series and runs
 * (labels as "name\0value\0" in wire order, samples, sort scratch), so memory
 * follows the largest series, not the whole answer. Every buffer fed by the
 * server has a hard cap (remote_read_limits), and protobuf-c decodes through
 * an allocator that enforces max_decoded.
 */
#include "remote_read.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <protobuf-c/protobuf-c.h>
#include <snappy-c.h>

#include "httpc.h"
#include "log.h"
#include "remote.pb-c.h"
#include "rrframe.h"
#include "xorchunk.h"

#define DEFAULT_READ_PATH "/api/v1/read"

/* The media types a remote-read endpoint answers with. */
#define TYPE_STREAMED "application/x-streamed-protobuf"
#define TYPE_STREAMED_PROTO "prometheus.ChunkedReadResponse"
#define TYPE_SAMPLES "application/x-protobuf"
#define TYPE_OCTETS "application/octet-stream"

/* Bytes of an unexpected body kept for the error message. */
#define EXCERPT_KEEP 1024
#define EXCERPT_BYTES 200

/* Buffers grown past these by one big answer are released after the run. */
#define BODY_KEEP_BYTES (4u * 1024u * 1024u)
#define SAMPLES_KEEP ((size_t)1 << 18)
#define LABELS_KEEP (1u * 1024u * 1024u)

/* The bit pattern Prometheus uses to mark a series stale (a NaN). */
#define STALE_NAN_BITS 0x7ff0000000000002ull

/* What the body turned out to be, decided when its first byte arrives. */
enum body_kind {
    BODY_UNKNOWN,
    BODY_STREAMED,
    BODY_SAMPLES,
    BODY_OTHER /* error status or unexpected type: first bytes only */
};

/* Why the write callback stopped the transfer. */
enum stop {
    STOP_NONE,
    STOP_EXCERPT,  /* enough of an unexpected body: not an error by itself */
    STOP_DECODE,   /* a frame, chunk or limit error, in c->werr */
    STOP_CALLBACK, /* the caller's callback failed, message in c->cb_err */
    STOP_TOO_BIG,  /* SAMPLES body over max_body */
    STOP_NOMEM
};

/* protobuf-c allocations counted against a limit. */
struct capalloc {
    size_t used;
    size_t limit;
    int hit;
};

/* The series being gathered. */
struct series {
    int active;
    size_t query;
    size_t nlabels;
    struct buf names; /* nlabels "name\0value\0" pairs, wire order */
    struct label *lv; /* sorted view into names, for the callback */
    size_t lvcap;
    struct rawsrc_sample *s;
    size_t n;
    size_t cap;
    size_t total;              /* samples of the series in this read, delivered or not */
    int cut;                   /* 1: a piece was delivered; samples must come after cut_t */
    int64_t cut_t;             /* the delivered pieces' end (a span boundary when aligned) */
    struct rawsrc_sample *tmp; /* merge sort scratch */
    size_t tmpcap;
};

struct remote_read_client {
    struct rawsrc src; /* first: the client is its own transport */
    struct httpc http;
    enum remote_read_accept accept;
    struct remote_read_limits lim;
    /* one run */
    const struct rawsrc_query *q;
    size_t nq;
    rawsrc_cb cb;
    void *arg;
    struct remote_read_stats st;
    enum body_kind kind;
    long status;
    char encoding[32]; /* Content-Encoding, "" when absent */
    struct rrframe_reader *frames;
    struct buf body; /* SAMPLES body, or the excerpt of another */
    enum stop stop;
    struct err werr;   /* decode error found in the write callback */
    struct err cb_err; /* the caller's callback error */
    struct capalloc ca;
    ProtobufCAllocator alloc;
    char *unz; /* snappy output, reused */
    size_t unzcap;
    struct series cur;
};

/*
 * snprintf for error messages that may be cut: the parts come from servers
 * and configs, and a cut message is better than none.
 */
static void say(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out, len, fmt, ap);
    va_end(ap);
}

/* A limit in words: "256 MiB", or "1000 bytes" when it is no whole number of MiB. */
static const char *size_words(size_t n, char *out, size_t len)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(out, len, "%zu MiB", n >> 20);
    else
        snprintf(out, len, "%zu bytes", n);
    return out;
}

/* ---- memory ---- */

/* Keeps the block size in front of the block, 16 bytes so alignment holds. */
#define CAP_HDR 16

static void *cap_alloc(void *data, size_t size)
{
    struct capalloc *a = data;
    unsigned char *p;

    if (size > a->limit - a->used || size > SIZE_MAX - CAP_HDR) {
        a->hit = 1;
        return NULL;
    }
    p = malloc(size + CAP_HDR);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof(size));
    a->used += size;
    return p + CAP_HDR;
}

static void cap_free(void *data, void *ptr)
{
    struct capalloc *a = data;
    unsigned char *p;
    size_t size;

    if (ptr == NULL)
        return;
    p = (unsigned char *)ptr - CAP_HDR;
    memcpy(&size, p, sizeof(size));
    a->used -= size;
    free(p);
}

/* Grows *v (elements of size sz) to hold need, at most max; 0 or -1. */
static int grow(void **v, size_t *cap, size_t need, size_t max, size_t sz)
{
    size_t ncap = *cap > 0 ? *cap : 1024;
    void *nv;

    if (need <= *cap)
        return 0;
    if (need > max)
        return -1;
    if (ncap > max)
        ncap = max;
    while (ncap < need)
        ncap = ncap > max / 2 ? max : ncap * 2;
    nv = realloc(*v, ncap * sz);
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

/* ---- series: labels ---- */

/* "{__name__="x", job="y", ...}" of the current series, cut to fit, for messages. */
static void describe(const struct series *s, char *out, size_t len)
{
    const char *p = s->names.data;
    size_t o = 0;

    o += (size_t)snprintf(out, len, "{");
    for (size_t i = 0; i < s->nlabels && o < len; i++) {
        const char *name = p;
        const char *value = p + strlen(p) + 1;

        o += (size_t)snprintf(out + o, len - o, "%s%s=\"%.40s%s\"", i > 0 ? ", " : "", name, value,
                              strlen(value) > 40 ? "..." : "");
        p = value + strlen(value) + 1;
    }
    if (o < len)
        snprintf(out + o, len - o, "}");
    if (o >= len && len > 4)
        memcpy(out + len - 5, "...}", 5);
}

/* 1 when labels l[0..n) of query qi are those of the series being gathered. */
static int same_series(const struct series *s, size_t qi, Prometheus__Label *const *l, size_t n)
{
    const char *p = s->names.data;

    if (!s->active || s->query != qi || s->nlabels != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p, l[i]->name) != 0)
            return 0;
        p += strlen(p) + 1;
        if (strcmp(p, l[i]->value) != 0)
            return 0;
        p += strlen(p) + 1;
    }
    return 1;
}

/* Starts gathering a new series of query qi with labels l[0..n). */
static int start_series(struct remote_read_client *c, size_t qi, Prometheus__Label *const *l,
                        size_t n, struct err *e)
{
    struct series *s = &c->cur;

    s->active = 0;
    s->nlabels = 0;
    s->n = 0;
    s->total = 0;
    s->cut = 0;
    buf_reset(&s->names);
    if (n > REMOTE_READ_MAX_LABELS)
        return util_err(e, "query %zu: a series has %zu labels, more than %d", qi, n,
                        REMOTE_READ_MAX_LABELS);
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(l[i]->name);
        size_t vl = strlen(l[i]->value);

        if (nl > REMOTE_READ_MAX_LABEL_BYTES || vl > REMOTE_READ_MAX_LABEL_BYTES)
            return util_err(e,
                            "query %zu: label %.40s%s has a %s of %zu bytes, more than "
                            "%u",
                            qi, l[i]->name, nl > 40 ? "..." : "",
                            nl > REMOTE_READ_MAX_LABEL_BYTES ? "name" : "value",
                            nl > REMOTE_READ_MAX_LABEL_BYTES ? nl : vl,
                            REMOTE_READ_MAX_LABEL_BYTES);
        if (nl == 0)
            return util_err(e, "query %zu: a series has a label with an empty name", qi);
        if (buf_append(&s->names, l[i]->name, nl + 1) != 0 ||
            buf_append(&s->names, l[i]->value, vl + 1) != 0)
            return util_err(e, "out of memory");
    }
    s->nlabels = n;
    s->query = qi;
    s->active = 1;
    return 0;
}

static int label_cmp(const void *a, const void *b)
{
    return strcmp(((const struct label *)a)->name, ((const struct label *)b)->name);
}

/* Fills the sorted view of the current series' labels; -1 on a duplicate name. */
static int sorted_labels(struct series *s, struct labels *out, struct err *e)
{
    char *p = s->names.data;
    int sorted = 1;

    if (grow((void **)&s->lv, &s->lvcap, s->nlabels > 0 ? s->nlabels : 1, REMOTE_READ_MAX_LABELS,
             sizeof(*s->lv)) != 0)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < s->nlabels; i++) {
        s->lv[i].name = p;
        p += strlen(p) + 1;
        s->lv[i].value = p;
        p += strlen(p) + 1;
        if (i > 0 && strcmp(s->lv[i - 1].name, s->lv[i].name) >= 0)
            sorted = 0;
    }
    if (!sorted) {
        qsort(s->lv, s->nlabels, sizeof(*s->lv), label_cmp);
        for (size_t i = 1; i < s->nlabels; i++)
            if (strcmp(s->lv[i - 1].name, s->lv[i].name) == 0) {
                char d[160];

                describe(s, d, sizeof(d));
                return util_err(e, "query %zu: series %s has label %.40s twice", s->query, d,
                                s->lv[i].name);
            }
    }
    out->n = s->nlabels;
    out->v = s->lv;
    return 0;
}

/* ---- series: samples ---- */

static int deliver_piece(struct remote_read_client *c, struct err *e);

static int add_sample(struct remote_read_client *c, int64_t t, double v, struct err *e)
{
    struct series *s = &c->cur;
    char d[160];

    if (s->total >= c->lim.max_samples) {
        describe(s, d, sizeof(d));
        return util_err(e,
                        "query %zu: series %s has more than %zu samples in one read; "
                        "narrow the selector or shorten the range",
                        s->query, d, c->lim.max_samples);
    }
    if (s->cut && t <= s->cut_t) {
        describe(s, d, sizeof(d));
        return util_err(e,
                        "query %zu: series %s: a sample at %" PRId64 " ms came after "
                        "samples up to %" PRId64 " ms were counted; a series of more than "
                        "%zu samples must come in time order, as Prometheus sends it",
                        s->query, d, t, s->cut_t, c->lim.piece_samples);
    }
    if (s->n >= c->lim.piece_samples && deliver_piece(c, e) != 0)
        return -1;
    if (s->n >= s->cap &&
        grow((void **)&s->s, &s->cap, s->n + 1, c->lim.max_samples, sizeof(*s->s)) != 0)
        return util_err(e, "out of memory");
    s->s[s->n].t_ms = t;
    s->s[s->n].v = v;
    s->n++;
    s->total++;
    return 0;
}

static int is_stale(double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    return bits == STALE_NAN_BITS;
}

/*
 * Stable bottom-up merge sort of a[0..n) by time, using tmp[0..n): of equal
 * timestamps the one that arrived first stays first.
 */
static void sort_samples(struct rawsrc_sample *a, struct rawsrc_sample *tmp, size_t n)
{
    struct rawsrc_sample *src = a;
    struct rawsrc_sample *dst = tmp;

    for (size_t w = 1; w < n; w *= 2) {
        struct rawsrc_sample *t;

        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = mid + w < n ? mid + w : n;
            size_t i = lo;
            size_t j = mid;
            size_t k = lo;

            while (i < mid && j < hi)
                dst[k++] = src[j].t_ms < src[i].t_ms ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(*a));
}

/*
 * Puts the gathered samples in the delivered form: stale markers dropped,
 * sorted by time, one sample per timestamp (the first that arrived: chunks
 * may overlap), clipped to [start, end]. Returns 0 with the new count in
 * *out, or -1 when the sort scratch cannot be allocated.
 */
static int tidy(struct remote_read_client *c, int64_t start, int64_t end, size_t *out)
{
    struct series *s = &c->cur;
    size_t n = 0;
    int sorted = 1;

    for (size_t i = 0; i < s->n; i++) {
        if (is_stale(s->s[i].v))
            continue;
        if (n > 0 && s->s[i].t_ms < s->s[n - 1].t_ms)
            sorted = 0;
        s->s[n++] = s->s[i];
    }
    if (!sorted) {
        if (grow((void **)&s->tmp, &s->tmpcap, n, c->lim.max_samples, sizeof(*s->tmp)) != 0)
            return -1;
        sort_samples(s->s, s->tmp, n);
    }
    s->n = n;
    n = 0;
    for (size_t i = 0; i < s->n; i++) {
        int64_t t = s->s[i].t_ms;

        if (t < start || t > end || (n > 0 && s->s[n - 1].t_ms == t))
            continue;
        s->s[n++] = s->s[i];
    }
    s->n = n;
    *out = n;
    return 0;
}

/* Hands s->s[0..n) of the current series to the caller's callback. */
static int deliver(struct remote_read_client *c, size_t n, struct err *e)
{
    struct series *s = &c->cur;
    struct rawsrc_series rs;
    struct labels l;

    if (sorted_labels(s, &l, e) != 0)
        return -1;
    rs.query = s->query;
    rs.labels = &l;
    rs.s = s->s;
    rs.n = n;
    c->st.samples += n;
    util_err(&c->cb_err, "the remote_read callback failed without a message");
    if (c->cb(c->arg, &rs, &c->cb_err) != 0) {
        c->stop = STOP_CALLBACK;
        memcpy(e, &c->cb_err, sizeof(*e));
        return -1;
    }
    return 0;
}

/*
 * A long series is delivered in pieces so that its samples never all sit in
 * memory at once (2^25 of them would be 512 MiB): when piece_samples are
 * gathered, the tidied samples up to the last span boundary (rawsrc's
 * align_ms; the last sample when 0) go to the callback, the rest stay. A
 * later sample at or before that point would be out of time order across
 * pieces, which tidy cannot mend any more: add_sample refuses it. Prometheus
 * sends each series' chunks in time order, overlaps merged.
 */
static int deliver_piece(struct remote_read_client *c, struct err *e)
{
    struct series *s = &c->cur;
    const struct rawsrc_query *q = &c->q[s->query];
    int64_t cut;
    size_t n;
    size_t k;

    if (tidy(c, q->start_ms, q->end_ms, &n) != 0)
        return util_err(e, "out of memory sorting %zu samples", s->n);
    if (n == 0)
        return 0;
    cut = s->s[n - 1].t_ms;
    /* The end of the span before the one holding the last sample: (cut - a, cut]. */
    if (q->align_ms > 0)
        cut = (-util_floor_div(-cut, q->align_ms) - 1) * q->align_ms;
    for (k = n; k > 0 && s->s[k - 1].t_ms > cut; k--)
        ;
    if (k == 0)
        return 0;
    if (deliver(c, k, e) != 0)
        return -1;
    memmove(s->s, s->s + k, (n - k) * sizeof(*s->s));
    s->n = n - k;
    s->cut = 1;
    s->cut_t = cut;
    return 0;
}

/* Delivers the gathered series (or its last piece), if any, to the caller's callback. */
static int flush(struct remote_read_client *c, struct err *e)
{
    struct series *s = &c->cur;
    const struct rawsrc_query *q;
    size_t n;

    if (!s->active)
        return 0;
    s->active = 0;
    q = &c->q[s->query];
    if (tidy(c, q->start_ms, q->end_ms, &n) != 0)
        return util_err(e, "out of memory sorting %zu samples", s->n);
    c->st.series++;
    if (deliver(c, n, e) != 0)
        return -1;
    s->n = 0;
    return 0;
}

/* ---- streamed responses ---- */

static const char *encoding_name(int t)
{
    switch (t) {
    case PROMETHEUS__CHUNK__ENCODING__UNKNOWN:
        return "UNKNOWN";
    case PROMETHEUS__CHUNK__ENCODING__XOR:
        return "XOR";
    case PROMETHEUS__CHUNK__ENCODING__HISTOGRAM:
        return "HISTOGRAM";
    case PROMETHEUS__CHUNK__ENCODING__FLOAT_HISTOGRAM:
        return "FLOAT_HISTOGRAM";
    default:
        return NULL;
    }
}

/* Decodes one chunk into the current series. */
static int add_chunk(struct remote_read_client *c, const Prometheus__Chunk *ch, size_t idx,
                     struct err *e)
{
    struct xorchunk_iter it;
    struct err sub;
    char d[160];
    int64_t t;
    double v;
    int r;

    if (ch->type != PROMETHEUS__CHUNK__ENCODING__XOR) {
        const char *name = encoding_name((int)ch->type);

        describe(&c->cur, d, sizeof(d));
        if (name == NULL)
            return util_err(e,
                            "query %zu: series %s: chunk %zu has unknown encoding %d; only "
                            "XOR (float) chunks can be read",
                            c->cur.query, d, idx, (int)ch->type);
        return util_err(e,
                        "query %zu: series %s: chunk %zu has encoding %s%s; only XOR "
                        "(float) chunks can be read",
                        c->cur.query, d, idx, name,
                        ch->type == PROMETHEUS__CHUNK__ENCODING__UNKNOWN ? ""
                                                                         : " (native histogram)");
    }
    if (xorchunk_iter_init(&it, ch->data.data, ch->data.len, &sub) != 0)
        goto bad;
    while ((r = xorchunk_next(&it, &t, &v, &sub)) == 1)
        if (add_sample(c, t, v, e) != 0)
            return -1;
    if (r == 0)
        return 0;
bad:
    describe(&c->cur, d, sizeof(d));
    return util_err(e, "query %zu: series %s: chunk %zu: %s", c->cur.query, d, idx, sub.msg);
}

/* rrframe callback: one verified ChunkedReadResponse. */
static int on_frame(void *arg, const uint8_t *msg, size_t len, struct err *e)
{
    struct remote_read_client *c = arg;
    Prometheus__ChunkedReadResponse *r;
    uint64_t frame = ++c->st.frames;
    int rc = -1;

    c->ca.hit = 0;
    c->ca.limit = c->lim.max_decoded;
    r = prometheus__chunked_read_response__unpack(&c->alloc, len, msg);
    if (r == NULL) {
        char lim[32];

        if (c->ca.hit)
            return util_err(e, "frame %" PRIu64 ": decoding its %zu bytes needs more than %s",
                            frame, len, size_words(c->lim.max_decoded, lim, sizeof(lim)));
        return util_err(e, "frame %" PRIu64 ": not a valid ChunkedReadResponse message", frame);
    }
    if (r->query_index < 0 || (uint64_t)r->query_index >= c->nq) {
        util_err(e,
                 "frame %" PRIu64 ": query_index %" PRId64 " is out of range (%zu %s "
                 "asked)",
                 frame, r->query_index, c->nq, c->nq == 1 ? "query" : "queries");
        goto out;
    }
    for (size_t i = 0; i < r->n_chunked_series; i++) {
        const Prometheus__ChunkedSeries *cs = r->chunked_series[i];
        size_t qi = (size_t)r->query_index;

        /* A series continues in the next frame with the same labels. */
        if (!same_series(&c->cur, qi, cs->labels, cs->n_labels) &&
            (flush(c, e) != 0 || start_series(c, qi, cs->labels, cs->n_labels, e) != 0))
            goto out;
        for (size_t k = 0; k < cs->n_chunks; k++)
            if (add_chunk(c, cs->chunks[k], k, e) != 0)
                goto out;
    }
    rc = 0;
out:
    prometheus__chunked_read_response__free_unpacked(r, &c->alloc);
    return rc;
}

/* ---- SAMPLES responses ---- */

/* The snappy framing format's stream identifier chunk. */
static const char snappy_framed_magic[] = "\xff\x06\x00\x00sNaPpY";

static int decode_samples(struct remote_read_client *c, struct err *e)
{
    const char *body = c->body.data != NULL ? c->body.data : "";
    size_t n = c->body.len;
    int must_snappy = strcasecmp(c->encoding, "snappy") == 0;
    const char *msg = body;
    size_t mlen = n;
    size_t ulen = 0;
    int snappy_ok;
    Prometheus__ReadResponse *r;
    char lim[32];
    char ex[HTTPC_EXCERPT_SIZE];
    int rc = -1;

    if (!must_snappy && c->encoding[0] != '\0' && strcasecmp(c->encoding, "identity") != 0)
        return util_err(e, "unsupported Content-Encoding \"%s\" (remote read uses snappy)",
                        c->encoding);
    if (n >= sizeof(snappy_framed_magic) - 1 &&
        memcmp(body, snappy_framed_magic, sizeof(snappy_framed_magic) - 1) == 0)
        return util_err(e, "response uses the snappy framing format; remote read answers "
                           "are one snappy block");
    snappy_ok = snappy_uncompressed_length(body, n, &ulen) == SNAPPY_OK &&
                snappy_validate_compressed_buffer(body, n) == SNAPPY_OK;
    if (snappy_ok) {
        if (ulen > c->lim.max_body)
            return util_err(e, "response body is %zu bytes uncompressed, more than %s", ulen,
                            size_words(c->lim.max_body, lim, sizeof(lim)));
        if (ulen > c->unzcap) {
            char *p = realloc(c->unz, ulen);

            if (p == NULL)
                return util_err(e, "out of memory for %zu bytes of snappy output", ulen);
            c->unz = p;
            c->unzcap = ulen;
        }
        if (snappy_uncompress(body, n, c->unz, &ulen) != SNAPPY_OK)
            return util_err(e, "response body is not valid snappy");
        msg = c->unz;
        mlen = ulen;
    } else if (must_snappy) {
        return util_err(e, "response body is not valid snappy (Content-Encoding: snappy)");
    }
    c->ca.hit = 0;
    c->ca.limit = c->lim.max_decoded;
    r = prometheus__read_response__unpack(&c->alloc, mlen, (const uint8_t *)msg);
    if (r == NULL && snappy_ok && !must_snappy && !c->ca.hit) {
        /* A tiny plain message that happens to be valid snappy too. */
        r = prometheus__read_response__unpack(&c->alloc, n, (const uint8_t *)body);
    }
    if (r == NULL) {
        if (c->ca.hit)
            return util_err(e, "decoding the %zu-byte ReadResponse needs more than %s", mlen,
                            size_words(c->lim.max_decoded, lim, sizeof(lim)));
        if (snappy_ok)
            return util_err(e, "response is not a valid ReadResponse message (after snappy "
                               "decoding)");
        httpc_excerpt(body, n, 60, ex, sizeof(ex));
        return util_err(e,
                        "response is neither snappy-compressed nor a valid ReadResponse "
                        "message (starts with %s)",
                        ex);
    }
    if (r->n_results != c->nq) {
        util_err(e, "response has %zu results for %zu %s", r->n_results, c->nq,
                 c->nq == 1 ? "query" : "queries");
        goto out;
    }
    for (size_t qi = 0; qi < r->n_results; qi++) {
        const Prometheus__QueryResult *res = r->results[qi];

        for (size_t i = 0; i < res->n_timeseries; i++) {
            const Prometheus__TimeSeries *ts = res->timeseries[i];

            if (start_series(c, qi, ts->labels, ts->n_labels, e) != 0)
                goto out;
            for (size_t k = 0; k < ts->n_samples; k++)
                if (add_sample(c, ts->samples[k]->timestamp, ts->samples[k]->value, e) != 0)
                    goto out;
            if (flush(c, e) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    prometheus__read_response__free_unpacked(r, &c->alloc);
    return rc;
}

/* ---- the response as it arrives ---- */

/* Parses "type/subtype; k=v; ..." enough to tell the answers apart. */
static int media_is(const char *ct, const char *type)
{
    size_t n = strcspn(ct, ";");

    while (n > 0 && isspace((unsigned char)ct[n - 1]))
        n--;
    while (n > 0 && isspace((unsigned char)*ct)) {
        ct++;
        n--;
    }
    return n == strlen(type) && strncasecmp(ct, type, n) == 0;
}

/* The value of parameter name in a Content-Type into out ("" when absent). */
static void media_param(const char *ct, const char *name, char *out, size_t len)
{
    const char *p = strchr(ct, ';');
    size_t nl = strlen(name);

    out[0] = '\0';
    while (p != NULL) {
        p++;
        while (isspace((unsigned char)*p))
            p++;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl;

            if (*v == '"') {
                v++;
                vl = strcspn(v, "\"");
            } else {
                vl = strcspn(v, "; \t");
            }
            snprintf(out, len, "%.*s", (int)vl, v);
            return;
        }
        p = strchr(p, ';');
    }
}

static int is_streamed(const char *ct)
{
    char proto[64];

    if (ct == NULL || !media_is(ct, TYPE_STREAMED))
        return 0;
    media_param(ct, "proto", proto, sizeof(proto));
    return strcmp(proto, TYPE_STREAMED_PROTO) == 0;
}

static int is_samples(const char *ct)
{
    /* No type at all, or octet-stream: Cortex sets none and Go sniffs one. */
    return ct == NULL || media_is(ct, TYPE_SAMPLES) || media_is(ct, TYPE_OCTETS);
}

/* Decides what the body is from the status and headers (the first time only). */
static void classify(struct remote_read_client *c)
{
    char *ct = NULL;
    int ok;

    if (c->kind != BODY_UNKNOWN)
        return;
    curl_easy_getinfo(c->http.curl, CURLINFO_RESPONSE_CODE, &c->status);
    curl_easy_getinfo(c->http.curl, CURLINFO_CONTENT_TYPE, &ct);
    ok = c->status >= 200 && c->status <= 299;
    if (ok && is_streamed(ct)) {
        c->kind = BODY_STREAMED;
        c->st.streamed = 1;
    } else if (ok && is_samples(ct)) {
        curl_off_t announced = -1;

        c->kind = BODY_SAMPLES;
        curl_easy_getinfo(c->http.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
        if (announced > 0 && (uint64_t)announced > c->lim.max_body)
            c->stop = STOP_TOO_BIG;
    } else {
        c->kind = BODY_OTHER;
    }
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *userdata)
{
    struct remote_read_client *c = userdata;
    size_t n = size * nmemb;

    classify(c);
    c->st.bytes += n;
    if (c->stop != STOP_NONE)
        return 0;
    switch (c->kind) {
    case BODY_STREAMED:
        if (rrframe_feed(c->frames, p, n, &c->werr) != 0) {
            if (c->stop == STOP_NONE)
                c->stop = STOP_DECODE;
            return 0;
        }
        return n;
    case BODY_SAMPLES:
        if (n > c->body.cap || c->body.len > c->body.cap - n) {
            c->stop = STOP_TOO_BIG;
            return 0;
        }
        if (buf_append(&c->body, p, n) != 0) {
            c->stop = STOP_NOMEM;
            return 0;
        }
        return n;
    default:
        if (c->body.len < EXCERPT_KEEP) {
            size_t take = n < EXCERPT_KEEP - c->body.len ? n : EXCERPT_KEEP - c->body.len;

            if (buf_append(&c->body, p, take) != 0) {
                c->stop = STOP_NOMEM;
                return 0;
            }
        }
        if (c->body.len < EXCERPT_KEEP)
            return n;
        c->stop = STOP_EXCERPT;
        return 0;
    }
}

/* Remembers Content-Encoding; a new status line (after 100 Continue) resets it. */
static size_t on_header(char *p, size_t size, size_t nmemb, void *userdata)
{
    struct remote_read_client *c = userdata;
    size_t n = size * nmemb;
    static const char name[] = "Content-Encoding:";

    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        c->encoding[0] = '\0';
    } else if (n >= sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        size_t i = sizeof(name) - 1;
        size_t end = n;

        while (i < end && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (end > i && isspace((unsigned char)p[end - 1]))
            end--;
        /* Longer than any real coding: keep it cut, it is unsupported anyway. */
        if (end - i >= sizeof(c->encoding))
            end = i + sizeof(c->encoding) - 1;
        memcpy(c->encoding, p + i, end - i);
        c->encoding[end - i] = '\0';
    }
    return n;
}

/* ---- the request ---- */

static Prometheus__LabelMatcher__Type matcher_type(enum selector_op op)
{
    switch (op) {
    case SELECTOR_NE:
        return PROMETHEUS__LABEL_MATCHER__TYPE__NEQ;
    case SELECTOR_RE:
        return PROMETHEUS__LABEL_MATCHER__TYPE__RE;
    case SELECTOR_NRE:
        return PROMETHEUS__LABEL_MATCHER__TYPE__NRE;
    case SELECTOR_EQ:
    default:
        return PROMETHEUS__LABEL_MATCHER__TYPE__EQ;
    }
}

/* What one packed request needs, freed together. */
struct request {
    Prometheus__Query *qv;
    Prometheus__Query **qp;
    Prometheus__ReadHints *hints;
    Prometheus__LabelMatcher *mv;
    Prometheus__LabelMatcher **mp;
    char **names; /* metric name + suffix, per query */
    size_t nq;
    uint8_t *packed;
    char *body; /* snappy-compressed, what is sent */
    size_t body_len;
};

static void request_free(struct request *r)
{
    if (r->names != NULL)
        for (size_t i = 0; i < r->nq; i++)
            free(r->names[i]);
    free(r->names);
    free(r->qv);
    free(r->qp);
    free(r->hints);
    free(r->mv);
    free(r->mp);
    free(r->packed);
    free(r->body);
}

/* Builds the snappy-compressed ReadRequest for q[0..nq) into r->body. */
static int request_build(struct remote_read_client *c, const struct rawsrc_query *q, size_t nq,
                         struct request *r, struct err *e)
{
    static Prometheus__ReadRequest__ResponseType chunks_first[] = {
        PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__STREAMED_XOR_CHUNKS,
        PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__SAMPLES,
    };
    static Prometheus__ReadRequest__ResponseType samples_only[] = {
        PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__SAMPLES,
    };
    Prometheus__ReadRequest req = PROMETHEUS__READ_REQUEST__INIT;
    size_t nm = 0;
    size_t m = 0;
    size_t plen;
    size_t clen;

    r->nq = nq;
    for (size_t i = 0; i < nq; i++) {
        if (q[i].sel == NULL || q[i].sel->metric == NULL)
            return util_err(e, "query %zu has no selector", i);
        if (q[i].start_ms > q[i].end_ms)
            return util_err(e, "query %zu: start %" PRId64 " is after end %" PRId64, i,
                            q[i].start_ms, q[i].end_ms);
        if (q[i].sel->n > SIZE_MAX / 4 - nm - 2)
            return util_err(e, "query %zu has too many matchers", i);
        nm += 1 + q[i].sel->n + (q[i].extra_name != NULL ? 1 : 0);
    }
    r->qv = calloc(nq, sizeof(*r->qv));
    r->qp = calloc(nq, sizeof(Prometheus__Query *));
    r->hints = calloc(nq, sizeof(*r->hints));
    r->names = calloc(nq, sizeof(*r->names));
    r->mv = calloc(nm, sizeof(*r->mv));
    r->mp = calloc(nm, sizeof(Prometheus__LabelMatcher *));
    if (r->qv == NULL || r->qp == NULL || r->hints == NULL || r->names == NULL || r->mv == NULL ||
        r->mp == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < nq; i++) {
        const struct selector *sel = q[i].sel;
        Prometheus__Query *pq = &r->qv[i];
        Prometheus__ReadHints *h = &r->hints[i];
        Prometheus__LabelMatcher *mm;

        prometheus__query__init(pq);
        prometheus__read_hints__init(h);
        r->names[i] = util_asprintf("%s%s", sel->metric, q[i].suffix != NULL ? q[i].suffix : "");
        if (r->names[i] == NULL)
            return util_err(e, "out of memory");
        pq->start_timestamp_ms = q[i].start_ms;
        pq->end_timestamp_ms = q[i].end_ms;
        /* Hints as Prometheus's own client sends them: the range, no function. */
        h->start_ms = q[i].start_ms;
        h->end_ms = q[i].end_ms;
        pq->hints = h;
        pq->matchers = &r->mp[m];
        mm = &r->mv[m];
        prometheus__label_matcher__init(mm);
        mm->type = PROMETHEUS__LABEL_MATCHER__TYPE__EQ;
        mm->name = (char *)"__name__";
        mm->value = r->names[i];
        r->mp[m++] = mm;
        for (size_t k = 0; k < sel->n; k++) {
            mm = &r->mv[m];
            prometheus__label_matcher__init(mm);
            mm->type = matcher_type(sel->m[k].op);
            mm->name = sel->m[k].name;
            mm->value = sel->m[k].value;
            r->mp[m++] = mm;
        }
        if (q[i].extra_name != NULL) {
            mm = &r->mv[m];
            prometheus__label_matcher__init(mm);
            mm->type = matcher_type(q[i].extra_op);
            mm->name = (char *)q[i].extra_name;
            mm->value = (char *)(q[i].extra_value != NULL ? q[i].extra_value : "");
            r->mp[m++] = mm;
        }
        pq->n_matchers = (size_t)(&r->mp[m] - pq->matchers);
        r->qp[i] = pq;
    }
    req.n_queries = nq;
    req.queries = r->qp;
    if (c->accept == REMOTE_READ_ACCEPT_SAMPLES) {
        req.n_accepted_response_types = 1;
        req.accepted_response_types = samples_only;
    } else {
        req.n_accepted_response_types = 2;
        req.accepted_response_types = chunks_first;
    }
    plen = prometheus__read_request__get_packed_size(&req);
    r->packed = malloc(plen > 0 ? plen : 1);
    if (r->packed == NULL)
        return util_err(e, "out of memory");
    prometheus__read_request__pack(&req, r->packed);
    clen = snappy_max_compressed_length(plen);
    r->body = malloc(clen);
    if (r->body == NULL)
        return util_err(e, "out of memory");
    if (snappy_compress((const char *)r->packed, plen, r->body, &clen) != SNAPPY_OK)
        return util_err(e, "snappy: cannot compress the request");
    r->body_len = clen;
    return 0;
}

/* ---- client ---- */

struct remote_read_client *remote_read_client_new(const struct config_prometheus *cfg,
                                                  enum remote_read_accept accept, struct err *e)
{
    struct remote_read_client *c = calloc(1, sizeof(*c));
    const char *path = cfg->read_path != NULL ? cfg->read_path : DEFAULT_READ_PATH;

    if (c == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    c->accept = accept;
    c->lim.max_body = REMOTE_READ_MAX_BODY;
    c->lim.max_frame = REMOTE_READ_MAX_FRAME;
    c->lim.max_samples = REMOTE_READ_MAX_SAMPLES;
    c->lim.max_decoded = REMOTE_READ_MAX_DECODED;
    c->lim.piece_samples = REMOTE_READ_PIECE_SAMPLES;
    c->alloc.alloc = cap_alloc;
    c->alloc.free = cap_free;
    c->alloc.allocator_data = &c->ca;
    buf_init(&c->body, c->lim.max_body);
    /* Every name and value at its longest, with their NULs. */
    buf_init(&c->cur.names,
             (size_t)REMOTE_READ_MAX_LABELS * 2 * (REMOTE_READ_MAX_LABEL_BYTES + 1));
    if (httpc_init(&c->http, cfg, path, e) != 0)
        goto fail;
    HTTPC_SETOPT(c->http.curl, CURLOPT_WRITEFUNCTION, on_body);
    HTTPC_SETOPT(c->http.curl, CURLOPT_WRITEDATA, c);
    HTTPC_SETOPT(c->http.curl, CURLOPT_HEADERFUNCTION, on_header);
    HTTPC_SETOPT(c->http.curl, CURLOPT_HEADERDATA, c);
    /* No CURLOPT_ACCEPT_ENCODING: curl would then fail on "Content-Encoding:
     * snappy", which it does not know; snappy is decoded here. */
    return c;
fail:
    remote_read_client_free(c);
    return NULL;
}

void remote_read_client_free(struct remote_read_client *c)
{
    if (c == NULL)
        return;
    httpc_cleanup(&c->http);
    rrframe_reader_free(c->frames);
    buf_free(&c->body);
    buf_free(&c->cur.names);
    free(c->cur.lv);
    free(c->cur.s);
    free(c->cur.tmp);
    free(c->unz);
    free(c);
}

void remote_read_client_set_limits(struct remote_read_client *c,
                                   const struct remote_read_limits *l)
{
    if (l->max_body > 0) {
        c->lim.max_body = l->max_body;
        buf_free(&c->body);
        buf_init(&c->body, l->max_body);
    }
    if (l->max_frame > 0)
        c->lim.max_frame = l->max_frame;
    if (l->max_samples > 0)
        c->lim.max_samples = l->max_samples;
    if (l->max_decoded > 0)
        c->lim.max_decoded = l->max_decoded;
    if (l->piece_samples > 0)
        c->lim.piece_samples = l->piece_samples;
}

int remote_read_client_unreachable(const struct remote_read_client *c)
{
    return c->http.unreachable;
}

uint64_t remote_read_client_retries(const struct remote_read_client *c)
{
    return httpc_retries(&c->http);
}

void remote_read_client_new_round(struct remote_read_client *c)
{
    httpc_new_round(&c->http);
}

/* VictoriaMetrics' words for a path it does not serve (with HTTP 400). */
#define UNSUPPORTED_PATH "unsupported path requested"

/* Whether the n bytes at p (not NUL-terminated) contain the string s. */
static int contains(const char *p, size_t n, const char *s)
{
    size_t k = strlen(s);

    for (size_t i = 0; k <= n && i <= n - k; i++) {
        if (memcmp(p + i, s, k) == 0)
            return 1;
    }
    return 0;
}

/*
 * The message for a status other than 2xx, with the server's words, and
 * what to check for the statuses that have a usual cause (httpc_status_hint).
 */
static void status_error(struct remote_read_client *c, char *msg, size_t len)
{
    char ex[HTTPC_EXCERPT_SIZE];
    size_t n = c->body.len;
    char *ct = NULL;
    const char *hint = httpc_status_hint(c->status);

    while (n > 0 && isspace((unsigned char)c->body.data[n - 1]))
        n--;
    /*
     * Stores without a remote-read endpoint: Thanos answers 404, servers that
     * route by method 405, VictoriaMetrics 1.79 400 "unsupported path requested".
     */
    if (c->status == 404 || c->status == 405 ||
        (c->status == 400 && contains(c->body.data, n, UNSUPPORTED_PATH))) {
        say(msg, len, "remote_read is not supported by %s (HTTP %ld); use mode: api_read",
            c->http.shown_url, c->status);
        return;
    }
    if (n == 0) {
        say(msg, len, "POST %s: HTTP %ld with an empty body", c->http.shown_url, c->status);
    } else {
        httpc_excerpt(c->body.data, n, EXCERPT_BYTES, ex, sizeof(ex));
        curl_easy_getinfo(c->http.curl, CURLINFO_CONTENT_TYPE, &ct);
        if (ct != NULL && !media_is(ct, "text/plain")) {
            char q[HTTPC_EXCERPT_SIZE];

            httpc_excerpt(ct, strlen(ct), 60, q, sizeof(q));
            say(msg, len, "POST %s: HTTP %ld (Content-Type %s): %s", c->http.shown_url, c->status,
                q, ex);
        } else {
            say(msg, len, "POST %s: HTTP %ld: %s", c->http.shown_url, c->status, ex);
        }
    }
    if (hint != NULL) {
        char tail[160];

        snprintf(tail, sizeof(tail), " (%s)", hint);
        httpc_append(msg, len, tail);
    }
}

/* A 2xx answer that is no remote-read response (a login page, a JSON API). */
static void type_error(struct remote_read_client *c, char *msg, size_t len)
{
    char ex[HTTPC_EXCERPT_SIZE];
    char q[HTTPC_EXCERPT_SIZE];
    char *ct = NULL;

    curl_easy_getinfo(c->http.curl, CURLINFO_CONTENT_TYPE, &ct);
    httpc_excerpt(ct != NULL ? ct : "", ct != NULL ? strlen(ct) : 0, 80, q, sizeof(q));
    httpc_excerpt(c->body.data, c->body.len, 80, ex, sizeof(ex));
    say(msg, len,
        "POST %s: response is not a remote-read answer (Content-Type %s, "
        "body starts with %s); check prometheus.url and read_path",
        c->http.shown_url, q, ex);
}

/* What the run's buffers hold back for the next run, within reason. */
static void trim_buffers(struct remote_read_client *c)
{
    struct series *s = &c->cur;

    if (c->body.alloc > BODY_KEEP_BYTES) {
        size_t cap = c->body.cap;

        buf_free(&c->body);
        buf_init(&c->body, cap);
    }
    if (c->unzcap > BODY_KEEP_BYTES) {
        free(c->unz);
        c->unz = NULL;
        c->unzcap = 0;
    }
    if (s->cap > SAMPLES_KEEP) {
        free(s->s);
        s->s = NULL;
        s->cap = 0;
    }
    if (s->tmpcap > SAMPLES_KEEP) {
        free(s->tmp);
        s->tmp = NULL;
        s->tmpcap = 0;
    }
    if (s->names.alloc > LABELS_KEEP) {
        size_t cap = s->names.cap;

        buf_free(&s->names);
        buf_init(&s->names, cap);
    }
}

/*
 * Makes sense of the finished transfer: the write callback's verdict, curl's,
 * the status, then the body. Returns 0, or -1 with the whole message in msg
 * (for a failed caller callback, c->stop is STOP_CALLBACK and its message is
 * in c->cb_err instead).
 */
static int read_answer(struct remote_read_client *c, CURLcode cc, char *msg, size_t len)
{
    const char *url = c->http.shown_url;
    char lim[32];
    struct err sub;

    switch (c->stop) {
    case STOP_CALLBACK:
        return -1;
    case STOP_DECODE:
        say(msg, len, "POST %s: %s", url, c->werr.msg);
        return -1;
    case STOP_TOO_BIG:
        say(msg, len, "POST %s: response body larger than %s", url,
            size_words(c->lim.max_body, lim, sizeof(lim)));
        return -1;
    case STOP_NOMEM:
        say(msg, len, "POST %s: out of memory while reading the response", url);
        return -1;
    case STOP_NONE:
    case STOP_EXCERPT:
        break;
    }
    if (cc != CURLE_OK && c->stop != STOP_EXCERPT) {
        httpc_transfer_error(&c->http, cc, sub.msg, sizeof(sub.msg));
        if (c->st.bytes > 0)
            say(msg, len, "POST %s: %s (after %" PRIu64 " body bytes)", url, sub.msg, c->st.bytes);
        else
            say(msg, len, "POST %s: %s", url, sub.msg);
        return -1;
    }
    if (c->status >= 300 && c->status <= 399) {
        httpc_redirect_error(&c->http, c->status, sub.msg, sizeof(sub.msg));
        say(msg, len, "POST %s: %s", url, sub.msg);
        return -1;
    }
    if (c->status < 200 || c->status > 299) {
        status_error(c, msg, len);
        return -1;
    }
    switch (c->kind) {
    case BODY_STREAMED:
        if (rrframe_finish(c->frames, &sub) == 0 && flush(c, &sub) == 0)
            return 0;
        break;
    case BODY_SAMPLES:
        if (decode_samples(c, &sub) == 0)
            return 0;
        break;
    default:
        type_error(c, msg, len);
        return -1;
    }
    say(msg, len, "POST %s: %s", url, sub.msg);
    return -1;
}

/* Clears what one attempt leaves behind, before the next. */
static void reset_attempt(struct remote_read_client *c)
{
    memset(&c->st, 0, sizeof(c->st));
    c->kind = BODY_UNKNOWN;
    c->status = 0;
    c->encoding[0] = '\0';
    c->stop = STOP_NONE;
    c->cur.active = 0;
    c->cur.n = 0;
    buf_reset(&c->body);
}

/* Clears what one run leaves behind, before the next. */
static void reset_run(struct remote_read_client *c, const struct rawsrc_query *q, size_t nq,
                      rawsrc_cb cb, void *arg)
{
    reset_attempt(c);
    c->q = q;
    c->nq = nq;
    c->cb = cb;
    c->arg = arg;
    c->http.unreachable = 0;
    c->http.attempts = 0;
}

int remote_read_decode_body(struct remote_read_client *c, const struct rawsrc_query *q, size_t nq,
                            int streamed, const char *encoding, const void *body, size_t len,
                            rawsrc_cb cb, void *arg, struct err *e)
{
    char msg[UTIL_ERRLEN] = "";
    int rc = -1;

    reset_run(c, q, nq, cb, arg);
    c->status = 200;
    c->kind = streamed ? BODY_STREAMED : BODY_SAMPLES;
    c->st.streamed = streamed != 0;
    snprintf(c->encoding, sizeof(c->encoding), "%s", encoding != NULL ? encoding : "");
    c->frames = rrframe_reader_new(c->lim.max_frame, on_frame, c);
    if (c->frames == NULL) {
        util_err(e, "out of memory");
        goto out;
    }
    /* As libcurl would hand it over; a refused piece stops the transfer. */
    if (len > 0 && on_body((char *)body, 1, len, c) != len && c->stop == STOP_NONE)
        c->stop = STOP_DECODE;
    if (read_answer(c, CURLE_OK, msg, sizeof(msg)) == 0)
        rc = 0;
    else if (c->stop == STOP_CALLBACK)
        snprintf(msg, sizeof(msg), "%s", c->cb_err.msg);
    if (rc != 0)
        util_err(e, "%s", msg);
out:
    rrframe_reader_free(c->frames);
    c->frames = NULL;
    c->cur.active = 0;
    c->cur.n = 0;
    return rc;
}

/*
 * After a failed attempt: 1 when it may be made again (httpc_retry waited
 * for it). Never once a series has reached the callback: the caller would
 * see it twice. So only failures before the first series: no answer at all,
 * or an error status (whose body was only excerpted, STOP_EXCERPT), never a
 * body that failed to decode or hit a limit.
 */
static int may_retry(struct remote_read_client *c, CURLcode cc)
{
    if (c->st.series > 0)
        return 0;
    if (c->stop != STOP_NONE && c->stop != STOP_EXCERPT)
        return 0;
    /* Stopping after the excerpt was our choice: the answer was the status. */
    return httpc_retry(&c->http, c->stop == STOP_EXCERPT ? CURLE_OK : cc, c->status);
}

int remote_read_run(struct remote_read_client *c, const struct rawsrc_query *q, size_t nq,
                    rawsrc_cb cb, void *arg, struct remote_read_stats *st, struct err *e)
{
    static const char *const fixed[] = {
        "Content-Type: application/x-protobuf",
        "Content-Encoding: snappy",
        "X-Prometheus-Remote-Read-Version: 0.1.0",
    };
    struct request req = {0};
    struct httpc_req hr = {0};
    int begun = 0;
    char msg[UTIL_ERRLEN];
    struct err sub;
    CURLcode cc;
    int64_t started = util_mono_ms();
    int rc = -1;

    reset_run(c, q, nq, cb, arg);
    msg[0] = '\0';
    if (nq == 0) {
        rc = 0;
        goto done;
    }
    if (request_build(c, q, nq, &req, &sub) != 0) {
        say(msg, sizeof(msg), "POST %s: %s", c->http.shown_url, sub.msg);
        goto out;
    }
    c->frames = rrframe_reader_new(c->lim.max_frame, on_frame, c);
    if (c->frames == NULL) {
        say(msg, sizeof(msg), "POST %s: out of memory", c->http.shown_url);
        goto out;
    }
    begun = 1;
    if (httpc_begin(&c->http, &hr, NULL, 0, fixed, 3, sub.msg, sizeof(sub.msg)) != 0) {
        say(msg, sizeof(msg), "POST %s: %s", c->http.shown_url, sub.msg);
        goto out;
    }
    if (curl_easy_setopt(c->http.curl, CURLOPT_POSTFIELDS, req.body) != CURLE_OK ||
        curl_easy_setopt(c->http.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req.body_len) !=
            CURLE_OK) {
        say(msg, sizeof(msg), "POST %s: libcurl: cannot set the request body", c->http.shown_url);
        goto out;
    }
    for (;;) {
        cc = httpc_perform(&c->http);
        classify(c);
        if (read_answer(c, cc, msg, sizeof(msg)) == 0) {
            rc = 0;
            break;
        }
        if (c->stop == STOP_CALLBACK) {
            say(msg, sizeof(msg), "%s", c->cb_err.msg); /* the caller's words, as written */
            break;
        }
        if (!may_retry(c, cc))
            break;
        log_debug("remote read retried", "url", c->http.shown_url, "err", msg);
        reset_attempt(c);
        rrframe_reader_free(c->frames);
        c->frames = rrframe_reader_new(c->lim.max_frame, on_frame, c);
        if (c->frames == NULL) {
            say(msg, sizeof(msg), "POST %s: out of memory", c->http.shown_url);
            break;
        }
    }
    if (rc != 0 && c->stop != STOP_CALLBACK)
        httpc_note_attempts(&c->http, msg, sizeof(msg));
out:
    if (begun) {
        httpc_end(&c->http, &hr);
        curl_easy_setopt(c->http.curl, CURLOPT_POSTFIELDS, (char *)NULL);
    }
    request_free(&req);
    rrframe_reader_free(c->frames);
    c->frames = NULL;
    if (rc != 0)
        util_err(e, "%s", msg);
done:
    /* One debug line with the outcome, whichever it was. */
    {
        char took[32];
        char ns[32];
        char nsamp[32];
        char tries[16];

        snprintf(took, sizeof(took), "%" PRId64 "ms", util_mono_ms() - started);
        snprintf(ns, sizeof(ns), "%" PRIu64, c->st.series);
        snprintf(nsamp, sizeof(nsamp), "%" PRIu64, c->st.samples);
        snprintf(tries, sizeof(tries), "%d", c->http.attempts);
        if (rc == 0)
            log_debug("remote read", "url", c->http.shown_url, "took", took, "series", ns,
                      "samples", nsamp, "streamed", c->st.streamed ? "true" : "false", "attempts",
                      tries);
        else
            log_debug("remote read failed", "url", c->http.shown_url, "took", took, "attempts",
                      tries, "err", msg);
    }
    c->cur.active = 0;
    c->cur.n = 0;
    trim_buffers(c);
    if (st != NULL)
        *st = c->st;
    return rc;
}

/* ---- the client as a rawsrc transport ---- */

static int src_run(struct rawsrc *src, const struct rawsrc_query *q, size_t nq, rawsrc_cb cb,
                   void *arg, struct err *e)
{
    return remote_read_run((struct remote_read_client *)src, q, nq, cb, arg, NULL, e);
}

static int src_unreachable(const struct rawsrc *src)
{
    return remote_read_client_unreachable((const struct remote_read_client *)src);
}

static uint64_t src_retries(const struct rawsrc *src)
{
    return remote_read_client_retries((const struct remote_read_client *)src);
}

static void src_new_round(struct rawsrc *src)
{
    remote_read_client_new_round((struct remote_read_client *)src);
}

int remote_read_client_set_cancel(struct remote_read_client *c, const atomic_int *flag)
{
    return httpc_set_cancel(&c->http, flag);
}

static int src_set_cancel(struct rawsrc *src, const atomic_int *flag)
{
    return remote_read_client_set_cancel((struct remote_read_client *)src, flag);
}

static void src_free(struct rawsrc *src)
{
    remote_read_client_free((struct remote_read_client *)src);
}

static const struct rawsrc_ops src_ops = {
    "remote_read", src_run, src_unreachable, src_retries, src_new_round, src_set_cancel, src_free,
};

struct rawsrc *remote_read_source(struct remote_read_client *c)
{
    c->src.ops = &src_ops;
    return &c->src;
}
