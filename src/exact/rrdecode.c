/*
 * rrdecode: remote-read response messages into series. See rrdecode.h.
 *
 * Why a body without Content-Encoding may be guessed to be snappy: Cortex
 * writes the snappy block with no Content-Encoding (and no Content-Type, so
 * Go labels it application/octet-stream). The guess is safe: validation
 * checks the whole block, and a plain ReadResponse starts with byte 0x0a,
 * which as a snappy header announces 10 bytes of output, so only a plain
 * body of at most 51 bytes could pass; should its decoded bytes not unpack,
 * the body itself is tried.
 */
#include "rrdecode.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <snappy-c.h>

#include "httpc.h"
#include "remote.pb-c.h"
#include "rrseries.h"

/* snappy output grown past this by one big answer is released after the run. */
#define UNZ_KEEP_BYTES (4u * 1024u * 1024u)

const char *rrdecode_size_words(size_t n, char *out, size_t len)
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
    struct rrdecode_cap *a = data;
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
    struct rrdecode_cap *a = data;
    unsigned char *p;
    size_t size;

    if (ptr == NULL)
        return;
    p = (unsigned char *)ptr - CAP_HDR;
    memcpy(&size, p, sizeof(size));
    a->used -= size;
    free(p);
}

/* Arms the allocator for one message: up to max_decoded, the hit flag down. */
static ProtobufCAllocator *arm(struct rrdecode *d)
{
    d->ca.hit = 0;
    d->ca.limit = d->max_decoded;
    return &d->alloc;
}

void rrdecode_init(struct rrdecode *d)
{
    memset(d, 0, sizeof(*d));
    d->alloc.alloc = cap_alloc;
    d->alloc.free = cap_free;
    d->alloc.allocator_data = &d->ca;
}

void rrdecode_begin(struct rrdecode *d, size_t max_body, size_t max_decoded)
{
    d->max_body = max_body;
    d->max_decoded = max_decoded;
}

void rrdecode_free(struct rrdecode *d)
{
    free(d->unz);
    d->unz = NULL;
    d->unzcap = 0;
}

void rrdecode_trim(struct rrdecode *d)
{
    if (d->unzcap > UNZ_KEEP_BYTES)
        rrdecode_free(d);
}

/* ---- streamed responses ---- */

int rrdecode_frame(struct rrdecode *d, struct rrseries *s, uint64_t frame, const uint8_t *msg,
                   size_t len, struct err *e)
{
    Prometheus__ChunkedReadResponse *r;
    int rc = -1;

    r = prometheus__chunked_read_response__unpack(arm(d), len, msg);
    if (r == NULL) {
        char lim[32];

        if (d->ca.hit)
            return util_err(e, "frame %" PRIu64 ": decoding its %zu bytes needs more than %s",
                            frame, len, rrdecode_size_words(d->max_decoded, lim, sizeof(lim)));
        return util_err(e, "frame %" PRIu64 ": not a valid ChunkedReadResponse message", frame);
    }
    if (r->query_index < 0 || (uint64_t)r->query_index >= s->nq) {
        util_err(e,
                 "frame %" PRIu64 ": query_index %" PRId64 " is out of range (%zu %s "
                 "asked)",
                 frame, r->query_index, s->nq, s->nq == 1 ? "query" : "queries");
        goto out;
    }
    for (size_t i = 0; i < r->n_chunked_series; i++) {
        const Prometheus__ChunkedSeries *cs = r->chunked_series[i];
        size_t qi = (size_t)r->query_index;

        /* A series continues in the next frame with the same labels. */
        if (!rrseries_same(s, qi, cs->labels, cs->n_labels) &&
            (rrseries_flush(s, e) != 0 || rrseries_start(s, qi, cs->labels, cs->n_labels, e) != 0))
            goto out;
        for (size_t k = 0; k < cs->n_chunks; k++)
            if (rrseries_add_chunk(s, cs->chunks[k], k, e) != 0)
                goto out;
    }
    rc = 0;
out:
    prometheus__chunked_read_response__free_unpacked(r, &d->alloc);
    return rc;
}

/* ---- SAMPLES responses ---- */

/* The snappy framing format's stream identifier chunk. */
static const char snappy_framed_magic[] = "\xff\x06\x00\x00sNaPpY";

int rrdecode_samples(struct rrdecode *d, struct rrseries *s, const char *encoding,
                     const void *data, size_t n, struct err *e)
{
    const char *body = data != NULL ? data : "";
    int must_snappy = strcasecmp(encoding, "snappy") == 0;
    const char *msg = body;
    size_t mlen = n;
    size_t ulen = 0;
    int snappy_ok;
    Prometheus__ReadResponse *r;
    char lim[32];
    char ex[HTTPC_EXCERPT_SIZE];
    int rc = -1;

    if (!must_snappy && encoding[0] != '\0' && strcasecmp(encoding, "identity") != 0)
        return util_err(e, "unsupported Content-Encoding \"%s\" (remote read uses snappy)",
                        encoding);
    if (n >= sizeof(snappy_framed_magic) - 1 &&
        memcmp(body, snappy_framed_magic, sizeof(snappy_framed_magic) - 1) == 0)
        return util_err(e, "response uses the snappy framing format; remote read answers "
                           "are one snappy block");
    snappy_ok = snappy_uncompressed_length(body, n, &ulen) == SNAPPY_OK &&
                snappy_validate_compressed_buffer(body, n) == SNAPPY_OK;
    if (snappy_ok) {
        if (ulen > d->max_body)
            return util_err(e, "response body is %zu bytes uncompressed, more than %s", ulen,
                            rrdecode_size_words(d->max_body, lim, sizeof(lim)));
        if (ulen > d->unzcap) {
            char *p = realloc(d->unz, ulen);

            if (p == NULL)
                return util_err(e, "out of memory for %zu bytes of snappy output", ulen);
            d->unz = p;
            d->unzcap = ulen;
        }
        if (snappy_uncompress(body, n, d->unz, &ulen) != SNAPPY_OK)
            return util_err(e, "response body is not valid snappy");
        msg = d->unz;
        mlen = ulen;
    } else if (must_snappy) {
        return util_err(e, "response body is not valid snappy (Content-Encoding: snappy)");
    }
    r = prometheus__read_response__unpack(arm(d), mlen, (const uint8_t *)msg);
    if (r == NULL && snappy_ok && !must_snappy && !d->ca.hit) {
        /* A tiny plain message that happens to be valid snappy too. */
        r = prometheus__read_response__unpack(&d->alloc, n, (const uint8_t *)body);
    }
    if (r == NULL) {
        if (d->ca.hit)
            return util_err(e, "decoding the %zu-byte ReadResponse needs more than %s", mlen,
                            rrdecode_size_words(d->max_decoded, lim, sizeof(lim)));
        if (snappy_ok)
            return util_err(e, "response is not a valid ReadResponse message (after snappy "
                               "decoding)");
        httpc_excerpt(body, n, 60, ex, sizeof(ex));
        return util_err(e,
                        "response is neither snappy-compressed nor a valid ReadResponse "
                        "message (starts with %s)",
                        ex);
    }
    if (r->n_results != s->nq) {
        util_err(e, "response has %zu results for %zu %s", r->n_results, s->nq,
                 s->nq == 1 ? "query" : "queries");
        goto out;
    }
    for (size_t qi = 0; qi < r->n_results; qi++) {
        const Prometheus__QueryResult *res = r->results[qi];

        for (size_t i = 0; i < res->n_timeseries; i++) {
            const Prometheus__TimeSeries *ts = res->timeseries[i];

            if (rrseries_start(s, qi, ts->labels, ts->n_labels, e) != 0)
                goto out;
            for (size_t k = 0; k < ts->n_samples; k++)
                if (rrseries_add_sample(s, ts->samples[k]->timestamp, ts->samples[k]->value, e) !=
                    0)
                    goto out;
            if (rrseries_flush(s, e) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    prometheus__read_response__free_unpacked(r, &d->alloc);
    return rc;
}
