/*
 * remote_read: the remote-read protocol client. See remote_read.h.
 *
 * One request per run: the queries packed into a ReadRequest (protobuf-c,
 * code generated from proto/), snappy-compressed and POSTed through httpc
 * (headers, auth, TLS, secrets, error wording shared with promql). The answer
 * is sorted out on its first body byte, from the status and Content-Type:
 *   - streamed chunks: bytes go from libcurl's write callback straight into
 *     an rrframe reader; each frame is a ChunkedReadResponse, decoded
 *     (rrdecode) into the series being gathered (rrseries, which decodes the
 *     XOR chunks);
 *   - SAMPLES: the body is buffered (capped), then snappy-decoded (capped)
 *     and unpacked as one ReadResponse (rrdecode, which also guesses the
 *     encoding of a body sent without Content-Encoding);
 *   - anything else (error statuses, HTML pages): only the first bytes are
 *     kept, for the error message, and the transfer is stopped.
 *
 * The client owns the decoder (struct rrdecode) and the series being
 * gathered (struct rrseries), and hands each run's limits, queries and
 * callback to them; this file keeps the transport, the request and the
 * verdict on a finished transfer. Every buffer fed by the server has a hard
 * cap (remote_read_limits). A failed caller callback is told apart from a
 * decode error by rrseries' cb_failed, so its message reaches the caller as
 * it was written.
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
#include <snappy-c.h>

#include "httpc.h"
#include "log.h"
#include "remote.pb-c.h"
#include "rrdecode.h"
#include "rrframe.h"
#include "rrseries.h"

#define DEFAULT_READ_PATH "/api/v1/read"

/* The media types a remote-read endpoint answers with. */
#define TYPE_STREAMED "application/x-streamed-protobuf"
#define TYPE_STREAMED_PROTO "prometheus.ChunkedReadResponse"
#define TYPE_SAMPLES "application/x-protobuf"
#define TYPE_OCTETS "application/octet-stream"

/* Bytes of an unexpected body kept for the error message. */
#define EXCERPT_KEEP 1024
#define EXCERPT_BYTES 200

/* A body buffer grown past this by one big answer is released after the run. */
#define BODY_KEEP_BYTES (4u * 1024u * 1024u)

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
    STOP_CALLBACK, /* the caller's callback failed, message in c->ser.cb_err */
    STOP_TOO_BIG,  /* SAMPLES body over max_body */
    STOP_NOMEM
};

struct remote_read_client {
    struct rawsrc src; /* first: the client is its own transport */
    struct httpc http;
    enum remote_read_accept accept;
    struct remote_read_limits lim;
    /* one run */
    struct remote_read_stats st; /* series and samples: from ser, at the end */
    enum body_kind kind;
    long status;
    char encoding[32]; /* Content-Encoding, "" when absent */
    struct rrframe_reader *frames;
    struct buf body; /* SAMPLES body, or the excerpt of another */
    enum stop stop;
    struct err werr; /* decode error found in the write callback */
    struct rrdecode dec;
    struct rrseries ser;
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

/* rrframe callback: one verified ChunkedReadResponse. */
static int on_frame(void *arg, const uint8_t *msg, size_t len, struct err *e)
{
    struct remote_read_client *c = arg;

    return rrdecode_frame(&c->dec, &c->ser, ++c->st.frames, msg, len, e);
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
            c->stop = c->ser.cb_failed ? STOP_CALLBACK : STOP_DECODE;
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
    buf_init(&c->body, c->lim.max_body);
    rrdecode_init(&c->dec);
    rrseries_init(&c->ser, REMOTE_READ_MAX_LABELS, REMOTE_READ_MAX_LABEL_BYTES);
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
    rrdecode_free(&c->dec);
    rrseries_free(&c->ser);
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
    if (c->body.alloc > BODY_KEEP_BYTES) {
        size_t cap = c->body.cap;

        buf_free(&c->body);
        buf_init(&c->body, cap);
    }
    rrdecode_trim(&c->dec);
    rrseries_trim(&c->ser);
}

/*
 * Makes sense of the finished transfer: the write callback's verdict, curl's,
 * the status, then the body. Returns 0, or -1 with the whole message in msg
 * (for a failed caller callback, c->stop is STOP_CALLBACK and its message is
 * in c->ser.cb_err instead).
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
            rrdecode_size_words(c->lim.max_body, lim, sizeof(lim)));
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
        if (rrframe_finish(c->frames, &sub) == 0 && rrseries_flush(&c->ser, &sub) == 0)
            return 0;
        break;
    case BODY_SAMPLES:
        if (rrdecode_samples(&c->dec, &c->ser, c->encoding, c->body.data, c->body.len, &sub) == 0)
            return 0;
        break;
    default:
        type_error(c, msg, len);
        return -1;
    }
    if (c->ser.cb_failed)
        c->stop = STOP_CALLBACK;
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
    rrseries_reset(&c->ser);
    buf_reset(&c->body);
}

/* Clears what one run leaves behind, before the next. */
static void reset_run(struct remote_read_client *c, const struct rawsrc_query *q, size_t nq,
                      rawsrc_cb cb, void *arg)
{
    reset_attempt(c);
    rrseries_begin(&c->ser, q, nq, cb, arg, c->lim.max_samples, c->lim.piece_samples);
    rrdecode_begin(&c->dec, c->lim.max_body, c->lim.max_decoded);
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
        snprintf(msg, sizeof(msg), "%s", c->ser.cb_err.msg);
    if (rc != 0)
        util_err(e, "%s", msg);
out:
    rrframe_reader_free(c->frames);
    c->frames = NULL;
    rrseries_reset(&c->ser);
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
    if (c->ser.series > 0)
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
            say(msg, sizeof(msg), "%s", c->ser.cb_err.msg); /* the caller's words, as written */
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
    c->st.series = c->ser.series;
    c->st.samples = c->ser.samples;
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
    rrseries_reset(&c->ser);
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
