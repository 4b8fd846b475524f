/*
 * fakerr: a fake Prometheus remote-read server for the unit tests, header
 * only (every function static; include it from one test file at a time).
 *
 *  - Body builders: protobuf-c ReadResponse (SAMPLES) and ChunkedReadResponse
 *    messages, XOR chunks from the test's own Gorilla encoder, frames with
 *    CRC32C, snappy.
 *  - struct fakerr_server: libmicrohttpd on 127.0.0.1 (a free port) that
 *    records each request and answers with the body, status and headers set
 *    by the test, or by a respond hook called with the request.
 *  - struct fakerr_db: a server that holds series (labels + raw samples) and
 *    answers each ReadRequest from them: matchers (=, !=, =~, !~; regexes as
 *    POSIX ERE anchored ^(...)$), the [start, end] range, SAMPLES or
 *    streamed XOR chunks. It counts and logs requests, can fail a chosen
 *    request (HTTP 500, a truncated stream, a dropped connection), and lets
 *    the test add samples between reads.
 *
 * The Makefile's test rule depends on testutil.h only: after editing this
 * file run `make clean` (or touch the test files) so the tests rebuild.
 */
#ifndef SLO_FAKERR_H
#define SLO_FAKERR_H

#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <snappy-c.h>

#include "counter.h"
#include "remote.pb-c.h"
#include "binio.h"
#include "rrframe.h"
#include "selector.h"
#include "util.h"

/* Each helper is static; a test file uses only some of them. */
#define FAKERR_FN static __attribute__((unused))

#define STREAMED_CT "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse"
#define STALE_BITS 0x7ff0000000000002ull

/* ---- a growing byte buffer for the bodies built here ---- */

struct bytes {
    uint8_t *p;
    size_t n;
    size_t cap;
};

FAKERR_FN void bytes_add(struct bytes *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;

        while (cap < b->n + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

FAKERR_FN void bytes_puts(struct bytes *b, const char *s)
{
    bytes_add(b, s, strlen(s));
}

FAKERR_FN void bytes_free(struct bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

FAKERR_FN void put_uvarint(struct bytes *b, uint64_t v)
{
    uint8_t c;

    while (v >= 0x80) {
        c = (uint8_t)(v | 0x80);
        bytes_add(b, &c, 1);
        v >>= 7;
    }
    c = (uint8_t)v;
    bytes_add(b, &c, 1);
}

/* ---- XOR chunk encoder (Gorilla, as Prometheus writes it) ---- */

struct bitw {
    uint8_t b[8192];
    size_t nbits;
};

FAKERR_FN void bitw_bits(struct bitw *w, uint64_t v, unsigned n)
{
    for (unsigned i = n; i > 0; i--) {
        unsigned bit = (unsigned)(v >> (i - 1)) & 1u;

        assert_true(w->nbits < sizeof(w->b) * 8);
        if (bit)
            w->b[w->nbits / 8] |= (uint8_t)(0x80u >> (w->nbits % 8));
        w->nbits++;
    }
}

FAKERR_FN void bitw_uvarint(struct bitw *w, uint64_t v)
{
    while (v >= 0x80) {
        bitw_bits(w, (v & 0x7f) | 0x80, 8);
        v >>= 7;
    }
    bitw_bits(w, v, 8);
}

struct xorenc {
    struct bitw w;
    uint16_t n;
    int64_t t;
    int64_t tdelta;
    uint64_t v;
    unsigned leading; /* 0xff: none yet */
    unsigned trailing;
};

FAKERR_FN void xor_value(struct xorenc *x, uint64_t vbits)
{
    uint64_t d = vbits ^ x->v;
    unsigned lead;
    unsigned trail;

    if (d == 0) {
        bitw_bits(&x->w, 0, 1);
        return;
    }
    bitw_bits(&x->w, 1, 1);
    lead = (unsigned)__builtin_clzll(d);
    trail = (unsigned)__builtin_ctzll(d);
    if (lead >= 32)
        lead = 31;
    if (x->leading != 0xff && lead >= x->leading && trail >= x->trailing) {
        bitw_bits(&x->w, 0, 1);
        bitw_bits(&x->w, d >> x->trailing, 64 - x->leading - x->trailing);
        return;
    }
    x->leading = lead;
    x->trailing = trail;
    bitw_bits(&x->w, 1, 1);
    bitw_bits(&x->w, lead, 5);
    /* 64 significant bits do not fit in 6 bits: written as 0. */
    bitw_bits(&x->w, (64 - lead - trail) & 63, 6);
    bitw_bits(&x->w, d >> trail, 64 - lead - trail);
}

FAKERR_FN int fits(int64_t x, unsigned nbits)
{
    return -((1ll << (nbits - 1)) - 1) <= x && x <= (1ll << (nbits - 1));
}

FAKERR_FN void xor_append(struct xorenc *x, int64_t t, double v)
{
    uint64_t vbits;

    memcpy(&vbits, &v, sizeof(vbits));
    if (x->n == 0) {
        uint64_t zz = (uint64_t)t << 1;

        if (t < 0)
            zz = ~zz;
        x->w.nbits = 16;
        bitw_uvarint(&x->w, zz);
        bitw_bits(&x->w, vbits, 64);
        x->leading = 0xff;
    } else if (x->n == 1) {
        x->tdelta = t - x->t;
        bitw_uvarint(&x->w, (uint64_t)x->tdelta);
        xor_value(x, vbits);
    } else {
        int64_t delta = t - x->t;
        int64_t dod = delta - x->tdelta;

        if (dod == 0) {
            bitw_bits(&x->w, 0, 1);
        } else if (fits(dod, 14)) {
            bitw_bits(&x->w, 2, 2);
            bitw_bits(&x->w, (uint64_t)dod, 14);
        } else if (fits(dod, 17)) {
            bitw_bits(&x->w, 6, 3);
            bitw_bits(&x->w, (uint64_t)dod, 17);
        } else if (fits(dod, 20)) {
            bitw_bits(&x->w, 14, 4);
            bitw_bits(&x->w, (uint64_t)dod, 20);
        } else {
            bitw_bits(&x->w, 15, 4);
            bitw_bits(&x->w, (uint64_t)dod, 64);
        }
        x->tdelta = delta;
        xor_value(x, vbits);
    }
    x->t = t;
    x->v = vbits;
    x->n++;
}

/* The chunk bytes for samples t[i], v[i]; caller frees *out. */
FAKERR_FN size_t xor_chunk(const int64_t *t, const double *v, size_t n, uint8_t **out)
{
    /* On the stack: a fresh heap block per chunk is slow under ASan and valgrind. */
    struct xorenc x;
    size_t len;

    memset(&x, 0, sizeof(x));
    for (size_t i = 0; i < n; i++)
        xor_append(&x, t[i], v[i]);
    x.w.b[0] = (uint8_t)(n >> 8);
    x.w.b[1] = (uint8_t)n;
    len = n == 0 ? 2 : (x.w.nbits + 7) / 8;
    *out = malloc(len);
    assert_non_null(*out);
    memcpy(*out, x.w.b, len);
    return len;
}

/* ---- messages ---- */

/* Test series: labels as "name", "value", ... NULL; chunks of samples. */
struct tchunk {
    int type; /* PROMETHEUS__CHUNK__ENCODING__* */
    size_t n;
    int64_t t[64];
    double v[64];
    const uint8_t *raw; /* when set: these bytes instead of encoding t, v */
    size_t raw_len;
    const int64_t *pt; /* when set: the n samples pt[i], pv[i] instead of t, v */
    const double *pv;
};

struct tseries {
    const char *labels[20];
    size_t nchunks;
    const struct tchunk *chunks;
};

FAKERR_FN size_t count_labels(const struct tseries *s)
{
    size_t n = 0;

    while (s->labels[2 * n] != NULL)
        n++;
    return n;
}

/* Packs one ChunkedReadResponse of query qi holding series s[0..n). */
FAKERR_FN void pack_chunked(int64_t qi, const struct tseries *s, size_t n, struct bytes *out)
{
    Prometheus__ChunkedReadResponse r = PROMETHEUS__CHUNKED_READ_RESPONSE__INIT;
    Prometheus__ChunkedSeries *cs = calloc(n + 1, sizeof(*cs));
    Prometheus__ChunkedSeries **csp = calloc(n + 1, sizeof(*csp));
    size_t len;
    uint8_t *buf;

    assert_non_null(cs);
    assert_non_null(csp);
    for (size_t i = 0; i < n; i++) {
        size_t nl = count_labels(&s[i]);

        prometheus__chunked_series__init(&cs[i]);
        cs[i].n_labels = nl;
        cs[i].labels = calloc(nl + 1, sizeof(*cs[i].labels));
        assert_non_null(cs[i].labels);
        for (size_t k = 0; k < nl; k++) {
            Prometheus__Label *l = malloc(sizeof(*l));

            assert_non_null(l);
            prometheus__label__init(l);
            l->name = (char *)s[i].labels[2 * k];
            l->value = (char *)s[i].labels[2 * k + 1];
            cs[i].labels[k] = l;
        }
        cs[i].n_chunks = s[i].nchunks;
        cs[i].chunks = calloc(s[i].nchunks + 1, sizeof(*cs[i].chunks));
        assert_non_null(cs[i].chunks);
        for (size_t k = 0; k < s[i].nchunks; k++) {
            const struct tchunk *tc = &s[i].chunks[k];
            const int64_t *ct = tc->pt != NULL ? tc->pt : tc->t;
            const double *cv = tc->pv != NULL ? tc->pv : tc->v;
            Prometheus__Chunk *ch = malloc(sizeof(*ch));

            assert_non_null(ch);
            prometheus__chunk__init(ch);
            ch->type = (Prometheus__Chunk__Encoding)(tc->type != 0
                                                         ? tc->type
                                                         : PROMETHEUS__CHUNK__ENCODING__XOR);
            if (tc->raw != NULL) {
                ch->data.data = malloc(tc->raw_len);
                assert_non_null(ch->data.data);
                memcpy(ch->data.data, tc->raw, tc->raw_len);
                ch->data.len = tc->raw_len;
            } else {
                ch->data.len = xor_chunk(ct, cv, tc->n, &ch->data.data);
            }
            ch->min_time_ms = tc->n > 0 ? ct[0] : 0;
            ch->max_time_ms = tc->n > 0 ? ct[tc->n - 1] : 0;
            cs[i].chunks[k] = ch;
        }
        csp[i] = &cs[i];
    }
    r.n_chunked_series = n;
    r.chunked_series = csp;
    r.query_index = qi;
    len = prometheus__chunked_read_response__get_packed_size(&r);
    buf = malloc(len + 1);
    assert_non_null(buf);
    prometheus__chunked_read_response__pack(&r, buf);
    bytes_add(out, buf, len);
    free(buf);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < cs[i].n_labels; k++)
            free(cs[i].labels[k]);
        for (size_t k = 0; k < cs[i].n_chunks; k++) {
            free(cs[i].chunks[k]->data.data);
            free(cs[i].chunks[k]);
        }
        free(cs[i].labels);
        free(cs[i].chunks);
    }
    free(cs);
    free(csp);
}

/* Appends a frame: uvarint length, big-endian CRC32C (flipped when bad_crc), message. */
FAKERR_FN void add_frame(struct bytes *body, const struct bytes *msg, int bad_crc)
{
    uint32_t crc = binio_crc32c(0, msg->p, msg->n) ^ (bad_crc ? 1u : 0u);
    uint8_t be[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8),
                     (uint8_t)crc};

    put_uvarint(body, msg->n);
    bytes_add(body, be, 4);
    bytes_add(body, msg->p, msg->n);
}

/* Appends one frame holding series s[0..n) of query qi. */
FAKERR_FN void frame(struct bytes *body, int64_t qi, const struct tseries *s, size_t n)
{
    struct bytes msg = {0};

    pack_chunked(qi, s, n, &msg);
    add_frame(body, &msg, 0);
    bytes_free(&msg);
}

/* Test TimeSeries for SAMPLES answers. */
struct tts {
    size_t query;
    const char *labels[20];
    size_t n;
    int64_t t[64];
    double v[64];
};

/*
 * One TimeSeries of a SAMPLES answer, pointing into the caller's data: its
 * result (query) index, labels as "name", "value", ... NULL, and n samples.
 */
struct samples_view {
    size_t query;
    const char *const *labels;
    size_t n;
    const int64_t *t;
    const double *v;
};

/* Packs a ReadResponse with nresults results holding ts[0..n); snappy when asked. */
FAKERR_FN void pack_sample_views(size_t nresults, const struct samples_view *ts, size_t n,
                                 int snappy, struct bytes *out)
{
    Prometheus__ReadResponse r = PROMETHEUS__READ_RESPONSE__INIT;
    Prometheus__QueryResult *qr = calloc(nresults + 1, sizeof(*qr));
    Prometheus__QueryResult **qrp = calloc(nresults + 1, sizeof(*qrp));
    size_t len;
    uint8_t *buf;

    assert_non_null(qr);
    assert_non_null(qrp);
    for (size_t i = 0; i < nresults; i++) {
        prometheus__query_result__init(&qr[i]);
        qr[i].timeseries = calloc(n + 1, sizeof(*qr[i].timeseries));
        assert_non_null(qr[i].timeseries);
        qrp[i] = &qr[i];
    }
    for (size_t i = 0; i < n; i++) {
        Prometheus__TimeSeries *s = malloc(sizeof(*s));
        size_t nl = 0;

        assert_non_null(s);
        prometheus__time_series__init(s);
        while (ts[i].labels[2 * nl] != NULL)
            nl++;
        s->n_labels = nl;
        s->labels = calloc(nl + 1, sizeof(*s->labels));
        assert_non_null(s->labels);
        for (size_t k = 0; k < nl; k++) {
            s->labels[k] = malloc(sizeof(Prometheus__Label));
            assert_non_null(s->labels[k]);
            prometheus__label__init(s->labels[k]);
            s->labels[k]->name = (char *)ts[i].labels[2 * k];
            s->labels[k]->value = (char *)ts[i].labels[2 * k + 1];
        }
        s->n_samples = ts[i].n;
        s->samples = calloc(ts[i].n + 1, sizeof(*s->samples));
        assert_non_null(s->samples);
        /* One block for all samples of the series: samples[0] owns it. */
        s->samples[0] = calloc(ts[i].n + 1, sizeof(Prometheus__Sample));
        assert_non_null(s->samples[0]);
        for (size_t k = 0; k < ts[i].n; k++) {
            s->samples[k] = s->samples[0] + k;
            prometheus__sample__init(s->samples[k]);
            s->samples[k]->timestamp = ts[i].t[k];
            s->samples[k]->value = ts[i].v[k];
        }
        assert_true(ts[i].query < nresults);
        qr[ts[i].query].timeseries[qr[ts[i].query].n_timeseries++] = s;
    }
    r.n_results = nresults;
    r.results = qrp;
    len = prometheus__read_response__get_packed_size(&r);
    buf = malloc(len + 1);
    assert_non_null(buf);
    prometheus__read_response__pack(&r, buf);
    if (snappy) {
        size_t clen = snappy_max_compressed_length(len);
        char *cbuf = malloc(clen);

        assert_non_null(cbuf);
        assert_int_equal(snappy_compress((const char *)buf, len, cbuf, &clen), SNAPPY_OK);
        bytes_add(out, cbuf, clen);
        free(cbuf);
    } else {
        bytes_add(out, buf, len);
    }
    free(buf);
    for (size_t i = 0; i < nresults; i++) {
        for (size_t j = 0; j < qr[i].n_timeseries; j++) {
            Prometheus__TimeSeries *s = qr[i].timeseries[j];

            for (size_t k = 0; k < s->n_labels; k++)
                free(s->labels[k]);
            free(s->samples[0]);
            free(s->labels);
            free(s->samples);
            free(s);
        }
        free(qr[i].timeseries);
    }
    free(qr);
    free(qrp);
}

/* Packs a ReadResponse with nresults results holding ts[0..n); snappy when asked. */
FAKERR_FN void pack_samples(size_t nresults, const struct tts *ts, size_t n, int snappy,
                            struct bytes *out)
{
    struct samples_view *sv = calloc(n + 1, sizeof(*sv));

    assert_non_null(sv);
    for (size_t i = 0; i < n; i++) {
        sv[i].query = ts[i].query;
        sv[i].labels = ts[i].labels;
        sv[i].n = ts[i].n;
        sv[i].t = ts[i].t;
        sv[i].v = ts[i].v;
    }
    pack_sample_views(nresults, sv, n, snappy, out);
    free(sv);
}

/* ---- the server ---- */

struct fakerr_server {
    struct MHD_Daemon *d;
    unsigned short port;
    pthread_mutex_t mu;
    /* answer */
    unsigned status;
    const char *content_type; /* NULL: no Content-Type header */
    const char *content_encoding;
    const char *retry_after; /* Retry-After header, when set */
    struct bytes body;
    size_t piece;  /* > 0: send the body in pieces of this size, chunked */
    size_t cut_at; /* > 0: announce the whole body, drop the connection here */
    /* seen, for the last request */
    char method[16];
    char url[128];
    char content_type_in[128];
    char content_encoding_in[64];
    char version_in[32];
    char user_agent[64];
    char authorization[256];
    char org_id[64];
    struct bytes req;
    int requests;
    int connections;
    /*
     * When set, called for each request (with mu held) once s->req holds its
     * body, to set the answer fields above; runs on a server thread, so it
     * must not use cmocka's assertions for expected failures.
     */
    void (*respond)(void *arg, struct fakerr_server *s);
    void *respond_arg;
};

struct fakerr_upload {
    struct bytes b;
};

FAKERR_FN void fakerr_copy_header(struct MHD_Connection *conn, const char *name, char *out,
                                  size_t len)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

    snprintf(out, len, "%s", v != NULL ? v : "");
}

/*
 * What one response sends: a copy of the body made when the request came in,
 * so a test may replace the server's body while MHD still sends the last one
 * (the client stops reading early when it finds an error).
 */
struct fakerr_source {
    uint8_t *p;
    size_t n;
    size_t piece;
    size_t cut_at;
};

FAKERR_FN ssize_t fakerr_body_cb(void *cls, uint64_t pos, char *out, size_t max)
{
    struct fakerr_source *s = cls;
    size_t n = max;

    if (s->cut_at > 0 && pos >= s->cut_at)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (pos >= s->n)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n > s->n - pos)
        n = (size_t)(s->n - pos);
    if (s->piece > 0 && n > s->piece)
        n = s->piece;
    if (s->cut_at > 0 && n > s->cut_at - pos)
        n = (size_t)(s->cut_at - pos);
    memcpy(out, s->p + pos, n);
    return (ssize_t)n;
}

FAKERR_FN void fakerr_source_free(void *cls)
{
    struct fakerr_source *s = cls;

    free(s->p);
    free(s);
}

/* Called with s->mu held. */
FAKERR_FN enum MHD_Result fakerr_answer(struct fakerr_server *s, struct MHD_Connection *conn)
{
    struct MHD_Response *resp;
    struct fakerr_source *src = calloc(1, sizeof(*src));
    enum MHD_Result ret;

    if (src == NULL)
        return MHD_NO;
    src->p = malloc(s->body.n + 1);
    if (src->p == NULL) {
        free(src);
        return MHD_NO;
    }
    if (s->body.n > 0)
        memcpy(src->p, s->body.p, s->body.n);
    src->n = s->body.n;
    src->piece = s->piece;
    src->cut_at = s->cut_at;
    resp = MHD_create_response_from_callback(s->piece > 0 ? MHD_SIZE_UNKNOWN : src->n, 4096,
                                             fakerr_body_cb, src, fakerr_source_free);
    if (resp == NULL) {
        fakerr_source_free(src);
        return MHD_NO;
    }
    if (s->content_type != NULL)
        MHD_add_response_header(resp, "Content-Type", s->content_type);
    if (s->content_encoding != NULL)
        MHD_add_response_header(resp, "Content-Encoding", s->content_encoding);
    if (s->retry_after != NULL)
        MHD_add_response_header(resp, "Retry-After", s->retry_after);
    if (s->status >= 300 && s->status < 400)
        MHD_add_response_header(resp, "Location", "http://elsewhere.example/api/v1/read");
    ret = MHD_queue_response(conn, s->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

FAKERR_FN enum MHD_Result fakerr_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                         const char *method, const char *version,
                                         const char *upload_data, size_t *upload_data_size,
                                         void **con_cls)
{
    struct fakerr_server *s = cls;
    struct fakerr_upload *u = *con_cls;
    enum MHD_Result ret;

    (void)version;
    if (u == NULL) {
        u = calloc(1, sizeof(*u));
        if (u == NULL)
            return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (u->b.n + *upload_data_size < (1u << 20))
            bytes_add(&u->b, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->mu);
    s->requests++;
    snprintf(s->method, sizeof(s->method), "%s", method);
    snprintf(s->url, sizeof(s->url), "%s", url);
    fakerr_copy_header(conn, "Content-Type", s->content_type_in, sizeof(s->content_type_in));
    fakerr_copy_header(conn, "Content-Encoding", s->content_encoding_in,
                       sizeof(s->content_encoding_in));
    fakerr_copy_header(conn, "X-Prometheus-Remote-Read-Version", s->version_in,
                       sizeof(s->version_in));
    fakerr_copy_header(conn, "User-Agent", s->user_agent, sizeof(s->user_agent));
    fakerr_copy_header(conn, "Authorization", s->authorization, sizeof(s->authorization));
    fakerr_copy_header(conn, "X-Scope-OrgID", s->org_id, sizeof(s->org_id));
    s->req.n = 0;
    bytes_add(&s->req, u->b.p, u->b.n);
    if (s->respond != NULL)
        s->respond(s->respond_arg, s);
    ret = fakerr_answer(s, conn);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

FAKERR_FN void fakerr_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                                enum MHD_RequestTerminationCode toe)
{
    struct fakerr_upload *u = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (u != NULL) {
        bytes_free(&u->b);
        free(u);
    }
    *con_cls = NULL;
}

FAKERR_FN void fakerr_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                                    enum MHD_ConnectionNotificationCode toe)
{
    struct fakerr_server *s = cls;

    (void)conn;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        pthread_mutex_lock(&s->mu);
        s->connections++;
        pthread_mutex_unlock(&s->mu);
    }
}

/*
 * Starts s (zeroed by the caller, respond hook set or not) on a free port of
 * 127.0.0.1, answering 200 with an empty streamed body until told otherwise.
 * 0 or -1. Stop with fakerr_server_stop, also after a failed start.
 */
FAKERR_FN int fakerr_server_start(struct fakerr_server *s)
{
    struct sockaddr_in addr;
    const union MHD_DaemonInfo *info;

    pthread_mutex_init(&s->mu, NULL);
    s->status = 200;
    s->content_type = STREAMED_CT;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, fakerr_handler, s, MHD_OPTION_SOCK_ADDR, &addr,
                            MHD_OPTION_NOTIFY_COMPLETED, fakerr_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, fakerr_on_connection, s, MHD_OPTION_END);
    if (s->d == NULL)
        return -1;
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (info == NULL || info->port == 0)
        return -1;
    s->port = info->port;
    return 0;
}

/* Stops the daemon (waiting for its threads) and frees what s holds. */
FAKERR_FN void fakerr_server_stop(struct fakerr_server *s)
{
    if (s->d != NULL)
        MHD_stop_daemon(s->d);
    s->d = NULL;
    pthread_mutex_destroy(&s->mu);
    bytes_free(&s->body);
    bytes_free(&s->req);
}

/* ---- a store of series that answers ReadRequests ---- */

/* What fakerr_db_fail makes a request do. */
enum fakerr_fail {
    FAKERR_FAIL_500,       /* HTTP 500 with a text body */
    FAKERR_FAIL_TRUNCATED, /* the body ends inside its last frame (or snappy block, or
                              JSON document) */
    FAKERR_FAIL_DROPPED,   /* the connection drops halfway through the body */
    /* /api/v1/query only: */
    FAKERR_FAIL_LIMIT,     /* 422, Prometheus' --query.max-samples error */
    FAKERR_FAIL_DISORDER,  /* two samples of a series swapped */
    FAKERR_FAIL_DUPSERIES, /* the first series twice */
    FAKERR_FAIL_WARNING    /* a success with "warnings" (Thanos, partial data) */
};

/*
 * One series: its labels and raw samples, one per timestamp, sorted by time
 * (stale markers included). A sample added at a time already present is a
 * duplicate: kept apart and sent after the others (its own chunks, or after
 * them in a SAMPLES list), so a client that keeps the first sample of a
 * timestamp ignores it, as it would a repeated sample of overlapping chunks.
 */
struct fakerr_series {
    struct labels labels;
    int64_t *t;
    double *v;
    size_t n, cap;
    int64_t *dt;
    double *dv;
    size_t ndup, dupcap;
};

/* The range of one request's first query, and whether it was made to fail. */
struct fakerr_req {
    int64_t start_ms;
    int64_t end_ms;
    size_t nqueries;
    int failed;
};

struct fakerr_db {
    struct fakerr_server srv;
    struct fakerr_series *s;
    size_t n, cap;
    int samples;             /* answer SAMPLES even when chunks are accepted */
    size_t chunk_len;        /* samples per XOR chunk, 1..64 (default 60) */
    size_t chunks_per_frame; /* default 4: long series span several frames */
    /* requests seen (failed ones included) and their ranges */
    int requests;
    struct fakerr_req *log;
    size_t nlog, logcap;
    int fail_at; /* > 0: request number fail_at fails */
    enum fakerr_fail fail_kind;
    int bad_requests; /* requests the store could not decode */
    /* /api/v1/query of a bare range selector */
    int api_closed;         /* answer [T-D, T] as Prometheus 2 does (else (T-D, T]) */
    size_t api_max_samples; /* > 0: answers with more samples get 422 (--query.max-samples) */
    int api_limited;        /* answers refused for api_max_samples */
};

/* Grows an array of n elements of size sz to hold one more; assert on failure. */
FAKERR_FN void *fakerr_grow(void *p, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 64;
    p = realloc(p, *cap * sz);
    assert_non_null(p);
    return p;
}

/* Index of the first sample of s at or after t (s->n when none). */
FAKERR_FN size_t fakerr_lower(const struct fakerr_series *s, int64_t t)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->t[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * The series with labels "name", "value", ..., NULL (at most 9 pairs; the
 * metric name is the __name__ pair), added when new. Returns its index,
 * which stays valid for the life of db.
 */
FAKERR_FN size_t fakerr_db_series(struct fakerr_db *db, const char *const *kv)
{
    struct labels l;
    size_t i;

    labels_init(&l);
    for (i = 0; kv[2 * i] != NULL; i++) {
        assert_true(i < 9);
        assert_int_equal(labels_set(&l, kv[2 * i], kv[2 * i + 1]), 0);
    }
    pthread_mutex_lock(&db->srv.mu);
    for (i = 0; i < db->n; i++)
        if (labels_cmp(&db->s[i].labels, &l) == 0)
            break;
    if (i == db->n) {
        db->s = fakerr_grow(db->s, &db->cap, db->n, sizeof(*db->s));
        memset(&db->s[db->n], 0, sizeof(db->s[db->n]));
        db->s[db->n].labels = l;
        db->n++;
    } else {
        labels_free(&l);
    }
    pthread_mutex_unlock(&db->srv.mu);
    return i;
}

/* Adds sample (t, v) to series i: in time order, or as a duplicate (see above). */
FAKERR_FN void fakerr_db_add(struct fakerr_db *db, size_t i, int64_t t, double v)
{
    struct fakerr_series *s;
    size_t k;

    pthread_mutex_lock(&db->srv.mu);
    assert_true(i < db->n);
    s = &db->s[i];
    k = fakerr_lower(s, t);
    if (k < s->n && s->t[k] == t) {
        size_t d = s->ndup;

        if (d == s->dupcap) {
            s->dupcap = s->dupcap ? s->dupcap * 2 : 16;
            s->dt = realloc(s->dt, s->dupcap * sizeof(*s->dt));
            s->dv = realloc(s->dv, s->dupcap * sizeof(*s->dv));
            assert_non_null(s->dt);
            assert_non_null(s->dv);
        }
        /* Sorted by time; a later duplicate of the same time goes last. */
        while (d > 0 && s->dt[d - 1] > t) {
            s->dt[d] = s->dt[d - 1];
            s->dv[d] = s->dv[d - 1];
            d--;
        }
        s->dt[d] = t;
        s->dv[d] = v;
        s->ndup++;
    } else {
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 256;
            s->t = realloc(s->t, s->cap * sizeof(*s->t));
            s->v = realloc(s->v, s->cap * sizeof(*s->v));
            assert_non_null(s->t);
            assert_non_null(s->v);
        }
        memmove(&s->t[k + 1], &s->t[k], (s->n - k) * sizeof(*s->t));
        memmove(&s->v[k + 1], &s->v[k], (s->n - k) * sizeof(*s->v));
        s->t[k] = t;
        s->v[k] = v;
        s->n++;
    }
    pthread_mutex_unlock(&db->srv.mu);
}

/* A stale marker: the NaN Prometheus writes when a series disappears. */
FAKERR_FN double fakerr_stale(void)
{
    uint64_t bits = STALE_BITS;
    double v;

    memcpy(&v, &bits, sizeof(v));
    return v;
}

/* Makes the nth request from now (1: the next one) fail as kind says; 0 cancels. */
FAKERR_FN void fakerr_db_fail(struct fakerr_db *db, int nth, enum fakerr_fail kind)
{
    pthread_mutex_lock(&db->srv.mu);
    db->fail_at = nth > 0 ? db->requests + nth : 0;
    db->fail_kind = kind;
    pthread_mutex_unlock(&db->srv.mu);
}

/* Requests answered so far. */
FAKERR_FN int fakerr_db_requests(struct fakerr_db *db)
{
    int n;

    pthread_mutex_lock(&db->srv.mu);
    n = db->requests;
    pthread_mutex_unlock(&db->srv.mu);
    return n;
}

/*
 * 1 when v matches regex re as PromQL anchors it (^(re)$; POSIX ERE, which
 * the tests' regexes are written in); sets *bad when re does not compile.
 */
FAKERR_FN int fakerr_regex(const char *v, const char *re, int *bad)
{
    regex_t rx;
    char *pat = util_asprintf("^(%s)$", re);
    int ok;

    if (pat == NULL || regcomp(&rx, pat, REG_EXTENDED | REG_NOSUB) != 0) {
        free(pat);
        *bad = 1;
        return 0;
    }
    ok = regexec(&rx, v, 0, NULL, 0) == 0;
    regfree(&rx);
    free(pat);
    return ok;
}

/* 1 when series s matches every matcher of q (a missing label is ""). */
FAKERR_FN int fakerr_matches(const struct fakerr_series *s, const Prometheus__Query *q, int *bad)
{
    for (size_t i = 0; i < q->n_matchers; i++) {
        const Prometheus__LabelMatcher *m = q->matchers[i];
        const char *v = labels_get(&s->labels, m->name);
        int ok;

        if (v == NULL)
            v = "";
        switch (m->type) {
        case PROMETHEUS__LABEL_MATCHER__TYPE__EQ:
            ok = strcmp(v, m->value) == 0;
            break;
        case PROMETHEUS__LABEL_MATCHER__TYPE__NEQ:
            ok = strcmp(v, m->value) != 0;
            break;
        case PROMETHEUS__LABEL_MATCHER__TYPE__RE:
        case PROMETHEUS__LABEL_MATCHER__TYPE__NRE:
            ok = fakerr_regex(v, m->value, bad);
            if (*bad)
                return 0;
            if (m->type == PROMETHEUS__LABEL_MATCHER__TYPE__NRE)
                ok = !ok;
            break;
        default:
            *bad = 1;
            return 0;
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/* Fills kv with s's labels as "name", "value", ..., NULL (at most 9 pairs). */
FAKERR_FN void fakerr_kv(const struct fakerr_series *s, const char *kv[20])
{
    size_t n = s->labels.n < 9 ? s->labels.n : 9;

    for (size_t i = 0; i < n; i++) {
        kv[2 * i] = s->labels.v[i].name;
        kv[2 * i + 1] = s->labels.v[i].value;
    }
    kv[2 * n] = NULL;
}

/* Index of the first sample of the chunk holding the first sample >= start, or s->n. */
FAKERR_FN size_t fakerr_first_chunk(const struct fakerr_db *db, const struct fakerr_series *s,
                                    int64_t start)
{
    size_t k = fakerr_lower(s, start);

    return k == s->n ? s->n : k / db->chunk_len * db->chunk_len;
}

/*
 * The chunks of s that overlap [start, end], whole (as Prometheus sends
 * them): the samples cut into runs of chunk_len, then the duplicates in the
 * range in runs of increasing time. Returns the count; *out (caller frees).
 */
FAKERR_FN size_t fakerr_chunks(const struct fakerr_db *db, const struct fakerr_series *s,
                               int64_t start, int64_t end, struct tchunk **out)
{
    size_t cl = db->chunk_len, nc = 0, first = fakerr_first_chunk(db, s, start), room = 1;
    struct tchunk *c;

    /* A tchunk is large: allocate what the range needs, not the whole series. */
    for (size_t k = first; k < s->n && s->t[k] <= end; k += cl)
        room++;
    for (size_t d = 0; d < s->ndup; d++)
        room += s->dt[d] >= start && s->dt[d] <= end;
    c = calloc(room, sizeof(*c));
    assert_non_null(c);
    for (size_t k = first; k < s->n && s->t[k] <= end; k += cl) {
        c[nc].n = s->n - k < cl ? s->n - k : cl;
        c[nc].pt = &s->t[k];
        c[nc].pv = &s->v[k];
        nc++;
    }
    for (size_t k = 0; k < s->ndup;) {
        size_t m = 1;

        if (s->dt[k] < start || s->dt[k] > end) {
            k++;
            continue;
        }
        while (k + m < s->ndup && m < cl && s->dt[k + m] > s->dt[k + m - 1] && s->dt[k + m] <= end)
            m++;
        c[nc].n = m;
        c[nc].pt = &s->dt[k];
        c[nc].pv = &s->dv[k];
        nc++;
        k += m;
    }
    *out = c;
    return nc;
}

/*
 * 1 when a read of [start, end] returns s: a chunk of it overlaps the range
 * (possibly without a sample inside), or a duplicate lies in it.
 */
FAKERR_FN int fakerr_overlaps(const struct fakerr_db *db, const struct fakerr_series *s,
                              int64_t start, int64_t end)
{
    size_t k = fakerr_first_chunk(db, s, start);

    if (k < s->n && s->t[k] <= end)
        return 1;
    for (size_t d = 0; d < s->ndup; d++)
        if (s->dt[d] >= start && s->dt[d] <= end)
            return 1;
    return 0;
}

/*
 * Appends the streamed answer of query qi over the series sel[0..nsel):
 * frames of at most chunks_per_frame chunks, so a long series is split over
 * several consecutive frames and short ones share a frame.
 */
FAKERR_FN void fakerr_stream(const struct fakerr_db *db, int64_t qi, const size_t *sel,
                             size_t nsel, int64_t start, int64_t end, struct bytes *body)
{
    struct tseries *ts = calloc(db->chunks_per_frame + 1, sizeof(*ts));
    struct tchunk **cs = calloc(nsel + 1, sizeof(*cs));
    size_t nts = 0, used = 0;

    assert_non_null(ts);
    assert_non_null(cs);
    for (size_t i = 0; i < nsel; i++) {
        const struct fakerr_series *s = &db->s[sel[i]];
        size_t nc = fakerr_chunks(db, s, start, end, &cs[i]);

        for (size_t k = 0; k < nc;) {
            size_t take = db->chunks_per_frame - used;

            if (take > nc - k)
                take = nc - k;
            fakerr_kv(s, ts[nts].labels);
            ts[nts].nchunks = take;
            ts[nts].chunks = &cs[i][k];
            nts++;
            used += take;
            k += take;
            if (used == db->chunks_per_frame) {
                frame(body, qi, ts, nts);
                nts = used = 0;
            }
        }
    }
    if (nts > 0)
        frame(body, qi, ts, nts);
    for (size_t i = 0; i < nsel; i++)
        free(cs[i]);
    free(cs);
    free(ts);
}

/* Orders series indexes by labels, as Prometheus sends them. */
static const struct fakerr_db *fakerr_sort_db;

FAKERR_FN int fakerr_cmp_index(const void *a, const void *b)
{
    const size_t *x = a, *y = b;

    return labels_cmp(&fakerr_sort_db->s[*x].labels, &fakerr_sort_db->s[*y].labels);
}

/* Decodes application/x-www-form-urlencoded field name of body into out; 0 or -1. */
FAKERR_FN int fakerr_form(const struct bytes *body, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name), i = 0;
    const char *p = (const char *)body->p;

    while (i < body->n) {
        size_t end = i;

        while (end < body->n && p[end] != '&')
            end++;
        if (end - i > nl && memcmp(p + i, name, nl) == 0 && p[i + nl] == '=') {
            size_t o = 0;

            for (size_t k = i + nl + 1; k < end && o + 1 < len; k++) {
                if (p[k] == '+') {
                    out[o++] = ' ';
                } else if (p[k] == '%' && k + 2 < end) {
                    char hex[3] = {p[k + 1], p[k + 2], 0};

                    out[o++] = (char)strtol(hex, NULL, 16);
                    k += 2;
                } else {
                    out[o++] = p[k];
                }
            }
            out[o] = '\0';
            return 0;
        }
        i = end + 1;
    }
    return -1;
}

/* 1 when series s matches selector sel (a missing label is ""). */
FAKERR_FN int fakerr_matches_sel(const struct fakerr_series *s, const struct selector *sel,
                                 int *bad)
{
    const char *name = labels_get(&s->labels, "__name__");

    if (name == NULL || strcmp(name, sel->metric) != 0)
        return 0;
    for (size_t i = 0; i < sel->n; i++) {
        const struct selector_matcher *m = &sel->m[i];
        const char *v = labels_get(&s->labels, m->name);
        int ok;

        if (v == NULL)
            v = "";
        if (m->op == SELECTOR_EQ || m->op == SELECTOR_NE) {
            ok = strcmp(v, m->value) == 0;
        } else {
            ok = fakerr_regex(v, m->value, bad);
            if (*bad)
                return 0;
        }
        if (m->op == SELECTOR_NE || m->op == SELECTOR_NRE)
            ok = !ok;
        if (!ok)
            return 0;
    }
    return 1;
}

/* Appends a JSON string of s (quotes and backslashes escaped). */
FAKERR_FN void fakerr_json_str(struct bytes *b, const char *s)
{
    bytes_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            bytes_puts(b, "\\");
        bytes_add(b, s, 1);
    }
    bytes_puts(b, "\"");
}

FAKERR_FN void fakerr_json_error(struct fakerr_server *srv, unsigned status, const char *type,
                                 const char *msg)
{
    srv->status = status;
    srv->content_type = "application/json";
    srv->content_encoding = NULL;
    srv->body.n = 0;
    bytes_puts(&srv->body, "{\"status\":\"error\",\"errorType\":");
    fakerr_json_str(&srv->body, type);
    bytes_puts(&srv->body, ",\"error\":");
    fakerr_json_str(&srv->body, msg);
    bytes_puts(&srv->body, "}");
}

/*
 * Answers POST /api/v1/query of a bare range selector SEL[Nms] at time T
 * as Prometheus does: the matching series with their samples in (T-N, T]
 * (api_closed: [T-N, T]), stale markers and duplicates left out, series in
 * label order; a series without a sample in the range is not returned.
 */
FAKERR_FN void fakerr_db_api(struct fakerr_db *db, struct fakerr_server *srv, int fail)
{
    char query[4096], tstr[64];
    char *br, *end;
    struct selector *sel = NULL;
    struct err e;
    int64_t range, at, from;
    size_t *idx = calloc(db->n + 1, sizeof(*idx)), nidx = 0, total = 0;
    int bad = 0;
    struct bytes *b = &srv->body;

    assert_non_null(idx);
    if (fakerr_form(&srv->req, "query", query, sizeof(query)) != 0 ||
        fakerr_form(&srv->req, "time", tstr, sizeof(tstr)) != 0 ||
        (br = strrchr(query, '[')) == NULL)
        goto bad_request;
    range = strtoll(br + 1, &end, 10);
    if (strcmp(end, "ms]") != 0 || range <= 0)
        goto bad_request;
    *br = '\0';
    if (selector_parse(query, &sel, &e) != 0)
        goto bad_request;
    at = (int64_t)llround(strtod(tstr, NULL) * 1000.0);
    from = db->api_closed ? at - range : at - range + 1;
    db->log = fakerr_grow(db->log, &db->logcap, db->nlog, sizeof(*db->log));
    db->log[db->nlog++] = (struct fakerr_req){from, at, 1, fail};
    if (fail && db->fail_kind == FAKERR_FAIL_500) {
        srv->status = 500;
        srv->content_type = "text/plain; charset=utf-8";
        bytes_puts(b, "fake failure\n");
        goto out;
    }
    if (fail && db->fail_kind == FAKERR_FAIL_LIMIT) {
        fakerr_json_error(srv, 422, "execution",
                          "query processing would load too many samples into memory in query "
                          "execution");
        goto out;
    }
    for (size_t i = 0; i < db->n; i++)
        if (fakerr_matches_sel(&db->s[i], sel, &bad)) {
            const struct fakerr_series *s = &db->s[i];
            size_t n = 0;

            for (size_t k = fakerr_lower(s, from); k < s->n && s->t[k] <= at; k++)
                n += !counter_is_stale(s->v[k]);
            if (n > 0) {
                idx[nidx++] = i;
                total += n;
            }
        }
    if (bad)
        goto bad_request;
    if (db->api_max_samples > 0 && total > db->api_max_samples) {
        db->api_limited++;
        fakerr_json_error(srv, 422, "execution",
                          "query processing would load too many samples into memory in query "
                          "execution");
        goto out;
    }
    fakerr_sort_db = db;
    qsort(idx, nidx, sizeof(*idx), fakerr_cmp_index);
    srv->content_type = "application/json";
    bytes_puts(b, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
    for (size_t r = 0; r < nidx + (fail && db->fail_kind == FAKERR_FAIL_DUPSERIES && nidx > 0);
         r++) {
        const struct fakerr_series *s = &db->s[idx[r < nidx ? r : 0]];
        size_t first = 1;
        int swapped = 0;

        bytes_puts(b, r ? ",{\"metric\":{" : "{\"metric\":{");
        for (size_t l = 0; l < s->labels.n; l++) {
            if (l > 0)
                bytes_puts(b, ",");
            fakerr_json_str(b, s->labels.v[l].name);
            bytes_puts(b, ":");
            fakerr_json_str(b, s->labels.v[l].value);
        }
        bytes_puts(b, "},\"values\":[");
        for (size_t k = fakerr_lower(s, from); k < s->n && s->t[k] <= at; k++) {
            char pt[96];
            size_t kk = k;
            int n;

            if (counter_is_stale(s->v[k]))
                continue;
            /* Disorder: the second sample of the first series goes first. */
            if (fail && db->fail_kind == FAKERR_FAIL_DISORDER && r == 0 && !swapped &&
                k + 1 < s->n && s->t[k + 1] <= at && !counter_is_stale(s->v[k + 1])) {
                kk = k + 1;
                swapped = 1;
            } else if (swapped == 1) {
                kk = k - 1;
                swapped = 2;
            }
            n = snprintf(pt, sizeof(pt), "%s[%lld.%03lld,\"%.17g\"]", first ? "" : ",",
                         (long long)(s->t[kk] / 1000), (long long)(s->t[kk] % 1000), s->v[kk]);
            bytes_add(b, pt, (size_t)n);
            first = 0;
        }
        bytes_puts(b, "]}");
    }
    bytes_puts(b, "]}");
    if (fail && db->fail_kind == FAKERR_FAIL_WARNING)
        bytes_puts(b, ",\"warnings\":[\"store 10.0.0.7 unreachable\"]");
    bytes_puts(b, "}");
    if (fail && db->fail_kind == FAKERR_FAIL_TRUNCATED)
        b->n = b->n > 10 ? b->n - 10 : 1;
    else if (fail && db->fail_kind == FAKERR_FAIL_DROPPED)
        srv->cut_at = b->n / 2;
    goto out;
bad_request:
    db->bad_requests++;
    fakerr_json_error(srv, 400, "bad_data", "fakerr: bad request");
out:
    selector_free(sel);
    free(idx);
}

/* The respond hook of a store (see struct fakerr_server). */
FAKERR_FN void fakerr_db_respond(void *arg, struct fakerr_server *srv)
{
    struct fakerr_db *db = arg;
    Prometheus__ReadRequest *rq = NULL;
    size_t ulen = 0;
    char *raw = NULL;
    int chunks = 0, bad = 0, fail;
    size_t *sel = NULL;
    struct samples_view *sv = NULL;
    const char *(*kv)[20] = NULL;
    size_t nsv = 0;

    db->requests++;
    fail = db->requests == db->fail_at;
    srv->status = 200;
    srv->cut_at = 0;
    srv->piece = 0;
    srv->body.n = 0;
    if (strcmp(srv->url, "/api/v1/query") == 0) {
        fakerr_db_api(db, srv, fail);
        return;
    }
    if (snappy_uncompressed_length((const char *)srv->req.p, srv->req.n, &ulen) == SNAPPY_OK &&
        (raw = malloc(ulen + 1)) != NULL &&
        snappy_uncompress((const char *)srv->req.p, srv->req.n, raw, &ulen) == SNAPPY_OK)
        rq = prometheus__read_request__unpack(NULL, ulen, (const uint8_t *)raw);
    free(raw);
    if (rq == NULL || rq->n_queries == 0)
        goto bad_request;
    db->log = fakerr_grow(db->log, &db->logcap, db->nlog, sizeof(*db->log));
    db->log[db->nlog++] = (struct fakerr_req){
        rq->queries[0]->start_timestamp_ms, rq->queries[0]->end_timestamp_ms, rq->n_queries, fail};
    for (size_t i = 0; i < rq->n_accepted_response_types; i++)
        if (rq->accepted_response_types[i] ==
            PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__STREAMED_XOR_CHUNKS)
            chunks = !db->samples;
    if (fail && db->fail_kind == FAKERR_FAIL_500) {
        srv->status = 500;
        srv->content_type = "text/plain; charset=utf-8";
        srv->content_encoding = NULL;
        bytes_add(&srv->body, "fake failure\n", 13);
        prometheus__read_request__free_unpacked(rq, NULL);
        return;
    }
    sel = calloc(db->n + 1, sizeof(*sel));
    sv = calloc(db->n * rq->n_queries + 1, sizeof(*sv));
    kv = calloc(db->n * rq->n_queries + 1, sizeof(*kv));
    assert_non_null(sel);
    assert_non_null(sv);
    assert_non_null(kv);
    for (size_t qi = 0; qi < rq->n_queries && !bad; qi++) {
        const Prometheus__Query *q = rq->queries[qi];
        size_t nsel = 0;

        /* Series come back as Prometheus selects them: by overlapping
         * chunks, in both answer types. */
        for (size_t i = 0; i < db->n; i++)
            if (fakerr_overlaps(db, &db->s[i], q->start_timestamp_ms, q->end_timestamp_ms) &&
                fakerr_matches(&db->s[i], q, &bad))
                sel[nsel++] = i;
        fakerr_sort_db = db;
        qsort(sel, nsel, sizeof(*sel), fakerr_cmp_index);
        if (chunks) {
            fakerr_stream(db, (int64_t)qi, sel, nsel, q->start_timestamp_ms, q->end_timestamp_ms,
                          &srv->body);
            continue;
        }
        /* The samples in the range, then the duplicates in it. */
        for (size_t i = 0; i < nsel; i++) {
            const struct fakerr_series *s = &db->s[sel[i]];
            size_t b = fakerr_lower(s, q->start_timestamp_ms), m = 0;
            int64_t *t = calloc(s->n + s->ndup + 1, sizeof(*t));
            double *v = calloc(s->n + s->ndup + 1, sizeof(*v));

            assert_non_null(t);
            assert_non_null(v);
            for (; b < s->n && s->t[b] <= q->end_timestamp_ms; b++, m++) {
                t[m] = s->t[b];
                v[m] = s->v[b];
            }
            for (size_t d = 0; d < s->ndup; d++)
                if (s->dt[d] >= q->start_timestamp_ms && s->dt[d] <= q->end_timestamp_ms) {
                    t[m] = s->dt[d];
                    v[m++] = s->dv[d];
                }
            fakerr_kv(s, kv[nsv]);
            sv[nsv] = (struct samples_view){qi, kv[nsv], m, t, v};
            nsv++;
        }
    }
    if (bad)
        goto bad_request;
    if (chunks) {
        srv->content_type = STREAMED_CT;
        srv->content_encoding = NULL;
    } else {
        pack_sample_views(rq->n_queries, sv, nsv, 1, &srv->body);
        srv->content_type = "application/x-protobuf";
        srv->content_encoding = "snappy";
    }
    if (fail && db->fail_kind == FAKERR_FAIL_TRUNCATED) {
        /* A frame that announces 5 bytes and ends: always incomplete. */
        if (srv->body.n > 4)
            srv->body.n -= 4;
        else
            bytes_add(&srv->body, "\x05", 1);
    } else if (fail && db->fail_kind == FAKERR_FAIL_DROPPED) {
        if (srv->body.n < 2)
            bytes_add(&srv->body, "\x05\x00\x00", 3);
        srv->cut_at = srv->body.n / 2;
    }
    goto out;
bad_request:
    db->bad_requests++;
    srv->status = 400;
    srv->content_type = "text/plain; charset=utf-8";
    srv->content_encoding = NULL;
    srv->body.n = 0;
    bytes_add(&srv->body, "fakerr: bad request\n", 20);
out:
    for (size_t i = 0; i < nsv; i++) {
        free((void *)sv[i].t);
        free((void *)sv[i].v);
    }
    free(sel);
    free(sv);
    free(kv);
    if (rq != NULL)
        prometheus__read_request__free_unpacked(rq, NULL);
}

/* Starts an empty store's server; 0 or -1. Stop with fakerr_db_stop. */
FAKERR_FN int fakerr_db_start(struct fakerr_db *db)
{
    if (db->chunk_len == 0 || db->chunk_len > 64)
        db->chunk_len = 60;
    if (db->chunks_per_frame == 0)
        db->chunks_per_frame = 4;
    db->srv.respond = fakerr_db_respond;
    db->srv.respond_arg = db;
    return fakerr_server_start(&db->srv);
}

FAKERR_FN void fakerr_db_stop(struct fakerr_db *db)
{
    fakerr_server_stop(&db->srv);
    for (size_t i = 0; i < db->n; i++) {
        labels_free(&db->s[i].labels);
        free(db->s[i].t);
        free(db->s[i].v);
        free(db->s[i].dt);
        free(db->s[i].dv);
    }
    free(db->s);
    free(db->log);
    memset(db, 0, sizeof(*db));
}

#endif
