/*
 * promql: instant queries against the Prometheus HTTP API and the parser of
 * their JSON answers. See promql.h.
 *
 * The parser is pure (bytes in, samples out) so it can be tested and fuzzed
 * without a server. The client keeps one libcurl easy handle (httpc) for its
 * whole life so the connection to Prometheus is reused (keep-alive); it is
 * owned by one thread. Secrets are httpc's business: read per request, never
 * copied into error messages.
 */
#include "promql.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "httpc.h"
#include "log.h"

/* How much of an unexpected body goes into an error message. */
#define EXCERPT_BYTES 80

/* A body buffer grown past this by one big answer is released after the query. */
#define BODY_KEEP_BYTES (4u * 1024u * 1024u)

struct promql_client {
    struct httpc http; /* handle, URL <cfg->url>/api/v1/query, shown URL */
    struct buf body;   /* response body, reused between queries */
    int body_too_big;  /* set by the write callback when the cap stops it */
    long last_status;  /* of the last query, 0 when none arrived */
    int last_too_big;
    uint64_t requests;
    uint64_t failures;
};

void promql_result_init(struct promql_result *r)
{
    r->is_scalar = 0;
    r->n = 0;
    r->v = NULL;
    r->warnings = NULL;
    r->nwarnings = 0;
    r->nseries = 0;
    r->series = NULL;
}

void promql_result_free(struct promql_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        labels_free(&r->v[i].labels);
    free(r->v);
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    for (size_t i = 0; i < r->nseries; i++) {
        labels_free(&r->series[i].labels);
        free(r->series[i].p);
    }
    free(r->series);
    promql_result_init(r);
}

/* The first EXCERPT_BYTES bytes of a body, quoted and escaped (httpc_excerpt). */
static void excerpt(const char *body, size_t len, char *out, size_t outlen)
{
    httpc_excerpt(body, len, EXCERPT_BYTES, out, outlen);
}

/* application/json, or any type with a +json suffix (RFC 6839). */
static int is_json_type(const char *ct)
{
    const char *semi = strchr(ct, ';');
    size_t n = semi != NULL ? (size_t)(semi - ct) : strlen(ct);

    while (n > 0 && isspace((unsigned char)ct[n - 1]))
        n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return 1;
    return n >= 5 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* "HTTP 503: " for statuses worth naming; "" for 200 and unknown (0). */
static void status_prefix(long http_status, char *out, size_t len)
{
    if (http_status != 0 && http_status != 200)
        snprintf(out, len, "HTTP %ld: ", http_status);
    else if (len > 0)
        out[0] = '\0';
}

static int not_json(const char *body, size_t len, const char *pfx, const char *content_type,
                    const json_error_t *jerr, struct err *e)
{
    char ex[HTTPC_EXCERPT_SIZE];
    char ct[HTTPC_EXCERPT_SIZE + 16] = "";
    size_t lead = 0;

    /* Name the type only when it explains the failure: a JSON type with a
     * broken body is a truncation, not a misrouted request. */
    if (content_type != NULL && !is_json_type(content_type)) {
        char q[HTTPC_EXCERPT_SIZE];

        excerpt(content_type, strlen(content_type), q, sizeof(q));
        snprintf(ct, sizeof(ct), "Content-Type %s, ", q);
    }
    if (len == 0)
        return util_err(e, "%sresponse is not JSON (%sempty body)", pfx, ct);
    excerpt(body, len, ex, sizeof(ex));
    while (lead < len && isspace((unsigned char)body[lead]))
        lead++;
    /* For something that looks like JSON, say where and why it broke. */
    if (lead < len && (body[lead] == '{' || body[lead] == '['))
        return util_err(e, "%sresponse is not JSON (%sstarts with %s): %s at byte %zu", pfx, ct,
                        ex, jerr->text, (size_t)jerr->position);
    return util_err(e, "%sresponse is not JSON (%sstarts with %s)", pfx, ct, ex);
}

/* Turns {"status":"error","errorType":...,"error":...} into a message. */
static int api_error(json_t *root, const char *pfx, struct err *e)
{
    const char *type = json_string_value(json_object_get(root, "errorType"));
    const char *msg = json_string_value(json_object_get(root, "error"));

    /* An empty field says nothing; without this the message could be "".
     * VictoriaMetrics puts the HTTP status there ("422"), which pfx says. */
    if (type != NULL && (*type == '\0' || strspn(type, "0123456789") == strlen(type)))
        type = NULL;
    if (msg != NULL && *msg == '\0')
        msg = NULL;
    if (type != NULL && msg != NULL)
        return util_err(e, "%s%s: %s", pfx, type, msg);
    if (msg != NULL)
        return util_err(e, "%s%s", pfx, msg);
    if (type != NULL)
        return util_err(e, "%s%s", pfx, type);
    return util_err(e, "%sPrometheus answered \"status\":\"error\" without a message", pfx);
}

/*
 * A store that finds an error while it streams an answer already sent with
 * status 200 (VictoriaMetrics past -search.maxSamplesPerSeries) appends the
 * error as a second JSON document. When body is one document followed by an
 * {"status":"error"} one, returns 0 with e set to that error; else -1.
 */
static int trailing_error(const char *body, size_t len, const char *pfx, struct err *e)
{
    json_error_t jerr;
    json_t *first, *rest = NULL;
    char sub[48];
    const char *status;
    int rc = -1;

    first = json_loadb(body, len, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &jerr);
    if (first == NULL || jerr.position <= 0 || (size_t)jerr.position >= len)
        goto out;
    rest = json_loadb(body + jerr.position, len - (size_t)jerr.position, JSON_DECODE_ANY, &jerr);
    status = json_string_value(json_object_get(rest, "status"));
    if (status == NULL || strcmp(status, "error") != 0)
        goto out;
    snprintf(sub, sizeof(sub), "%safter a partial answer: ", pfx);
    api_error(rest, sub, e);
    rc = 0;
out:
    json_decref(rest);
    json_decref(first);
    return rc;
}

/* What is wrong with a [<unix seconds>, "<value>"] pair. */
enum point_err {
    POINT_OK,
    POINT_SHAPE,
    POINT_TIME,
    POINT_VALUE
};

/* Reads a pair into *t_ms and *value without a message (a backfill reads millions). */
static enum point_err read_point(json_t *pair, int64_t *t_ms, double *value)
{
    json_t *t = json_array_get(pair, 0);
    json_t *v = json_array_get(pair, 1);
    double secs;

    if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_number(t) ||
        !json_is_string(v))
        return POINT_SHAPE;
    secs = json_number_value(t);
    /* About ±300000 years; keeps the conversion to int64 ms defined. */
    if (!isfinite(secs) || fabs(secs) > 1e13)
        return POINT_TIME;
    *t_ms = (int64_t)llround(secs * 1000.0);
    return util_parse_double(json_string_value(v), value) == 0 ? POINT_OK : POINT_VALUE;
}

/* The message for what read_point found wrong with pair at where. Returns -1. */
static int point_error(enum point_err pe, json_t *pair, const char *where, struct err *e)
{
    const char *str = json_string_value(json_array_get(pair, 1));
    char ex[HTTPC_EXCERPT_SIZE];

    if (pe == POINT_TIME)
        return util_err(e, "malformed response: %s has an out of range time", where);
    if (pe == POINT_VALUE && str != NULL) {
        excerpt(str, strlen(str), ex, sizeof(ex));
        return util_err(e, "malformed response: %s holds %s, which is not a number", where, ex);
    }
    return util_err(e, "malformed response: %s must be [<unix time>, \"<number>\"]", where);
}

/* Parses [<unix seconds>, "<value>"] into *t_ms and *value. */
static int parse_point(json_t *pair, const char *where, int64_t *t_ms, double *value,
                       struct err *e)
{
    enum point_err pe = read_point(pair, t_ms, value);

    return pe == POINT_OK ? 0 : point_error(pe, pair, where, e);
}

static int parse_pair(json_t *pair, const char *where, struct promql_sample *s, struct err *e)
{
    return parse_point(pair, where, &s->t_ms, &s->value, e);
}

static int cmp_label_name(const void *a, const void *b)
{
    return strcmp(((const struct label *)a)->name, ((const struct label *)b)->name);
}

/*
 * Fills l (empty) with the labels in metric. They are copied in one go and
 * sorted at the end, which is the order labels_set keeps: adding them one by
 * one would cost the square of their number, which a broken or hostile
 * backend may make large. The decoder refused duplicate keys
 * (JSON_REJECT_DUPLICATES) and keys with a NUL, so the names are unique.
 */
static int parse_metric(json_t *metric, const char *where, struct labels *l, struct err *e)
{
    size_t n = json_object_size(metric);
    const char *name;
    json_t *val;

    if (!json_is_object(metric))
        return util_err(e, "malformed response: %s.metric must be an object of labels", where);
    if (n == 0)
        return 0;
    l->v = calloc(n, sizeof(*l->v));
    if (l->v == NULL)
        return util_err(e, "out of memory");
    json_object_foreach(metric, name, val) {
        struct label *lb = &l->v[l->n];

        if (!json_is_string(val))
            return util_err(e, "malformed response: label %s of %s is not a string", name, where);
        /* Counted first so that labels_free frees what was copied. */
        l->n++;
        lb->name = util_strdup(name);
        lb->value = util_strdup(json_string_value(val));
        if (lb->name == NULL || lb->value == NULL)
            return util_err(e, "out of memory");
    }
    qsort(l->v, l->n, sizeof(*l->v), cmp_label_name);
    return 0;
}

static int parse_vector(json_t *result, struct promql_result *r, struct err *e)
{
    size_t n = json_array_size(result);

    if (!json_is_array(result))
        return util_err(e, "malformed response: data.result of a vector must be an array");
    if (n == 0)
        return 0;
    r->v = calloc(n, sizeof(*r->v));
    if (r->v == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(result, i);
        struct promql_sample *s = &r->v[i];
        char where[48];

        /* Count the sample first so promql_result_free frees its labels. */
        labels_init(&s->labels);
        r->n = i + 1;
        snprintf(where, sizeof(where), "data.result[%zu]", i);
        if (!json_is_object(el))
            return util_err(e, "malformed response: %s must be an object", where);
        if (parse_metric(json_object_get(el, "metric"), where, &s->labels, e) != 0)
            return -1;
        if (json_object_get(el, "value") == NULL && json_object_get(el, "histogram") != NULL)
            return util_err(e,
                            "%s is a native histogram sample, which is not supported "
                            "(use classic histogram buckets or a float expression)",
                            where);
        snprintf(where, sizeof(where), "data.result[%zu].value", i);
        if (json_object_get(el, "value") == NULL)
            return util_err(e, "malformed response: %s is missing", where);
        if (parse_pair(json_object_get(el, "value"), where, s, e) != 0)
            return -1;
    }
    return 0;
}

static int parse_matrix(json_t *result, struct promql_result *r, struct err *e)
{
    size_t n = json_array_size(result);

    if (!json_is_array(result))
        return util_err(e, "malformed response: data.result of a matrix must be an array");
    if (n == 0)
        return 0;
    r->series = calloc(n, sizeof(*r->series));
    if (r->series == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(result, i);
        struct promql_series *s = &r->series[i];
        json_t *values;
        size_t nv;
        char where[64];

        /* Count the series first so promql_result_free frees what it holds. */
        labels_init(&s->labels);
        r->nseries = i + 1;
        snprintf(where, sizeof(where), "data.result[%zu]", i);
        if (!json_is_object(el))
            return util_err(e, "malformed response: %s must be an object", where);
        if (parse_metric(json_object_get(el, "metric"), where, &s->labels, e) != 0)
            return -1;
        values = json_object_get(el, "values");
        if (json_object_get(el, "histograms") != NULL)
            return util_err(e,
                            "%s holds native histogram samples, which are not supported "
                            "(use classic histogram buckets)",
                            where);
        if (values == NULL)
            return util_err(e, "malformed response: %s.values is missing", where);
        if (!json_is_array(values))
            return util_err(e, "malformed response: %s.values must be an array", where);
        nv = json_array_size(values);
        if (nv == 0)
            continue;
        s->p = malloc(nv * sizeof(*s->p));
        if (s->p == NULL)
            return util_err(e, "out of memory");
        for (size_t k = 0; k < nv; k++) {
            /* A backfill parses millions of points: their name for a message
             * is written only when one is wrong. */
            json_t *pair = json_array_get(values, k);
            enum point_err pe = read_point(pair, &s->p[k].t_ms, &s->p[k].v);

            if (pe != POINT_OK) {
                snprintf(where, sizeof(where), "data.result[%zu].values[%zu]", i, k);
                return point_error(pe, pair, where, e);
            }
            s->n = k + 1;
        }
    }
    return 0;
}

static int parse_warnings(json_t *w, struct promql_result *r, struct err *e)
{
    size_t n = json_array_size(w);

    if (w == NULL)
        return 0;
    if (!json_is_array(w))
        return util_err(e, "malformed response: \"warnings\" must be an array of strings");
    if (n == 0)
        return 0;
    r->warnings = calloc(n, sizeof(*r->warnings));
    if (r->warnings == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(w, i));

        if (s == NULL)
            return util_err(e, "malformed response: warnings[%zu] is not a string", i);
        r->warnings[i] = util_strdup(s);
        if (r->warnings[i] == NULL)
            return util_err(e, "out of memory");
        r->nwarnings = i + 1;
    }
    return 0;
}

/*
 * The "status":"success" part: data.resultType and data.result, then
 * warnings. A matrix is what matrix asks for, and only then.
 */
static int parse_success(json_t *root, const char *pfx, int matrix, struct promql_result *r,
                         struct err *e)
{
    json_t *data = json_object_get(root, "data");
    const char *type;
    json_t *result;

    if (!json_is_object(data))
        return util_err(e,
                        "%smalformed response: \"status\" is \"success\" but \"data\" is "
                        "missing or not an object",
                        pfx);
    type = json_string_value(json_object_get(data, "resultType"));
    result = json_object_get(data, "result");
    if (type == NULL)
        return util_err(e, "%smalformed response: data.resultType is missing", pfx);
    if (result == NULL)
        return util_err(e, "%smalformed response: data.result is missing", pfx);
    if (matrix) {
        if (strcmp(type, "matrix") != 0) {
            char ex[HTTPC_EXCERPT_SIZE];

            excerpt(type, strlen(type), ex, sizeof(ex));
            return util_err(e,
                            "%sunexpected resultType %s for a range selector (a matrix "
                            "of raw samples was expected)",
                            pfx, ex);
        }
        if (parse_matrix(result, r, e) != 0)
            return -1;
    } else if (strcmp(type, "vector") == 0) {
        if (parse_vector(result, r, e) != 0)
            return -1;
    } else if (strcmp(type, "scalar") == 0) {
        r->is_scalar = 1;
        r->v = calloc(1, sizeof(*r->v));
        if (r->v == NULL)
            return util_err(e, "out of memory");
        labels_init(&r->v[0].labels);
        r->n = 1;
        if (parse_pair(result, "data.result", &r->v[0], e) != 0)
            return -1;
    } else {
        char ex[HTTPC_EXCERPT_SIZE];

        excerpt(type, strlen(type), ex, sizeof(ex));
        return util_err(e,
                        "%sunsupported resultType %s (the query must return an instant "
                        "vector or a scalar)",
                        pfx, ex);
    }
    return parse_warnings(json_object_get(root, "warnings"), r, e);
}

/*
 * promql_parse_response with the response's Content-Type (may be NULL), which
 * the client knows and names when a body turns out not to be JSON.
 */
static int parse_body(const char *body, size_t len, long http_status, const char *content_type,
                      int matrix, struct promql_result *r, struct err *e)
{
    json_error_t jerr;
    json_t *root = NULL;
    const char *status;
    char pfx[32];
    struct promql_result tmp;
    int rc = -1;

    promql_result_init(r);
    promql_result_init(&tmp);
    jerr.text[0] = '\0';
    jerr.position = 0;
    status_prefix(http_status, pfx, sizeof(pfx));
    if (body == NULL)
        len = 0;
    if (len > 0)
        root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL && trailing_error(body, len, pfx, e) == 0)
        goto out;
    if (root == NULL) {
        not_json(body, len, pfx, content_type, &jerr, e);
        goto out;
    }
    if (!json_is_object(root)) {
        char ex[HTTPC_EXCERPT_SIZE];

        excerpt(body, len, ex, sizeof(ex));
        util_err(e, "%sresponse is JSON but not an object (starts with %s)", pfx, ex);
        goto out;
    }
    status = json_string_value(json_object_get(root, "status"));
    if (status != NULL && strcmp(status, "error") == 0) {
        api_error(root, pfx, e);
        goto out;
    }
    /* A proxy or another API may answer an error status with its own JSON. */
    if (http_status != 0 && (http_status < 200 || http_status > 299)) {
        char ex[HTTPC_EXCERPT_SIZE];

        excerpt(body, len, ex, sizeof(ex));
        util_err(e, "%sunexpected response (starts with %s)", pfx, ex);
        goto out;
    }
    if (status == NULL || strcmp(status, "success") != 0) {
        util_err(e, "%smalformed response: \"status\" must be \"success\" or \"error\"", pfx);
        goto out;
    }
    if (parse_success(root, pfx, matrix, &tmp, e) != 0)
        goto out;
    /* A VictoriaMetrics cluster with a storage node down says so here. */
    if (json_is_true(json_object_get(root, "isPartial"))) {
        util_err(e,
                 "%sthe store marked its answer as partial (\"isPartial\": true), so its "
                 "data may be incomplete; not used",
                 pfx);
        goto out;
    }
    *r = tmp;
    promql_result_init(&tmp);
    rc = 0;
out:
    if (rc != 0 && httpc_status_hint(http_status) != NULL) {
        char hint[160];

        snprintf(hint, sizeof(hint), " (%s)", httpc_status_hint(http_status));
        httpc_append(e->msg, sizeof(e->msg), hint);
    }
    promql_result_free(&tmp);
    json_decref(root);
    return rc;
}

int promql_parse_response(const char *body, size_t len, long http_status, struct promql_result *r,
                          struct err *e)
{
    return parse_body(body, len, http_status, NULL, 0, r, e);
}

int promql_parse_matrix(const char *body, size_t len, long http_status, struct promql_result *r,
                        struct err *e)
{
    return parse_body(body, len, http_status, NULL, 1, r, e);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *userdata)
{
    struct promql_client *c = userdata;
    size_t n = size * nmemb;

    if (buf_append(&c->body, p, n) != 0) {
        /* buf_append fails for the cap or for memory; only the cap is ours to name. */
        if (n > c->body.cap || c->body.len > c->body.cap - n)
            c->body_too_big = 1;
        return 0;
    }
    return n;
}

struct promql_client *promql_client_new(const struct config_prometheus *cfg, struct err *e)
{
    struct promql_client *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    buf_init(&c->body, PROMQL_MAX_BODY);
    if (httpc_init(&c->http, cfg, "/api/v1/query", e) != 0)
        goto fail;
    HTTPC_SETOPT(c->http.curl, CURLOPT_WRITEFUNCTION, on_body);
    HTTPC_SETOPT(c->http.curl, CURLOPT_WRITEDATA, c);
    /* Big vectors compress well; the body cap applies to the decoded bytes. */
    HTTPC_SETOPT(c->http.curl, CURLOPT_ACCEPT_ENCODING, "");
    /* Refuse an announced oversize body before reading it. */
    HTTPC_SETOPT(c->http.curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PROMQL_MAX_BODY);
    return c;
fail:
    promql_client_free(c);
    return NULL;
}

void promql_client_free(struct promql_client *c)
{
    if (c == NULL)
        return;
    httpc_cleanup(&c->http);
    buf_free(&c->body);
    free(c);
}

uint64_t promql_client_requests(const struct promql_client *c)
{
    return c->requests;
}

int promql_client_unreachable(const struct promql_client *c)
{
    return c->http.unreachable;
}

uint64_t promql_client_failures(const struct promql_client *c)
{
    return c->failures;
}

uint64_t promql_client_retries(const struct promql_client *c)
{
    return httpc_retries(&c->http);
}

void promql_client_new_round(struct promql_client *c)
{
    httpc_new_round(&c->http);
}

/*
 * "query=<escaped>&time=<seconds>.<millis>&partial_response=false&
 * deny_partial_response=1"; caller frees. With the last two a Thanos
 * querier and a VictoriaMetrics cluster (vmselect) answer an error instead
 * of a result from part of their stores; Prometheus and the other stores
 * ignore them.
 */
static char *form_body(CURL *curl, const char *query, int64_t at_ms, const char *extra)
{
    char *q = curl_easy_escape(curl, query, 0);
    uint64_t mag = at_ms < 0 ? (uint64_t)0 - (uint64_t)at_ms : (uint64_t)at_ms;
    char *s;

    if (q == NULL)
        return NULL;
    s = util_asprintf("query=%s&time=%s%" PRIu64 ".%03" PRIu64
                      "&partial_response=false&deny_partial_response=1%s%s",
                      q, at_ms < 0 ? "-" : "", mag / 1000, mag % 1000, extra ? "&" : "",
                      extra ? extra : "");
    curl_free(q);
    return s;
}

/* Describes a failed transfer: our own write callback's stops first, then httpc's. */
static void transfer_error(struct promql_client *c, CURLcode cc, char *msg, size_t len)
{
    if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED) {
        if (c->body_too_big || cc == CURLE_FILESIZE_EXCEEDED)
            snprintf(msg, len, "response body larger than %u MiB",
                     PROMQL_MAX_BODY / (1024u * 1024u));
        else
            snprintf(msg, len, "out of memory while reading the response");
        return;
    }
    httpc_transfer_error(&c->http, cc, msg, len);
}

/*
 * One attempt of the prepared request: 0 with r filled, or -1 with the
 * failure in msg and, for httpc_retry, curl's result in *cc and the HTTP
 * status in *code (0 when none arrived).
 */
static int attempt(struct promql_client *c, int matrix, struct promql_result *r, char *msg,
                   size_t len, CURLcode *cc, long *code)
{
    char *ct = NULL;
    struct err sub;

    buf_reset(&c->body);
    c->body_too_big = 0;
    *code = 0;
    *cc = httpc_perform(&c->http);
    curl_easy_getinfo(c->http.curl, CURLINFO_RESPONSE_CODE, code);
    if (*cc != CURLE_OK) {
        transfer_error(c, *cc, msg, len);
        return -1;
    }
    if (*code >= 300 && *code <= 399) {
        httpc_redirect_error(&c->http, *code, msg, len);
        return -1;
    }
    curl_easy_getinfo(c->http.curl, CURLINFO_CONTENT_TYPE, &ct);
    if (parse_body(c->body.data, c->body.len, *code, ct, matrix, r, &sub) != 0) {
        snprintf(msg, len, "%s", sub.msg);
        return -1;
    }
    /*
     * Warnings mean the store may have answered from part of its data (a
     * Thanos store or a Prometheus remote-read source that failed): counts
     * from it could be too low, so they are not used.
     */
    if (r->nwarnings > 0) {
        snprintf(msg, len,
                 "the store answered with a warning, so its data may be partial; not used: "
                 "\"%.200s\"%s",
                 r->warnings[0], r->nwarnings > 1 ? " (and more)" : "");
        promql_result_free(r);
        promql_result_init(r);
        return -1;
    }
    return 0;
}

/* Sets a per-request option; the value must live until the transfer ends. */
#define REQOPT(h, opt, val)                                                                       \
    do {                                                                                          \
        CURLcode cc_ = curl_easy_setopt((h), (opt), (val));                                       \
        if (cc_ != CURLE_OK) {                                                                    \
            snprintf(msg, sizeof(msg), "libcurl: setting %s: %s", #opt, curl_easy_strerror(cc_)); \
            goto fail;                                                                            \
        }                                                                                         \
    } while (0)

/* promql_query and promql_query_matrix. */
static int run_query(struct promql_client *c, const char *query, int64_t at_ms, const char *extra,
                     int matrix, struct promql_result *r, struct err *e)
{
    static const char *const defaults[] = {"Accept: application/json"};
    struct httpc_req req = {0};
    char *form = NULL;
    char msg[UTIL_ERRLEN];
    CURLcode cc = CURLE_OK;
    long code = 0;
    int64_t started = util_mono_ms();
    int rc = -1;

    promql_result_init(r);
    msg[0] = '\0';
    c->requests++;
    c->last_status = 0;
    c->last_too_big = 0;
    if (httpc_begin(&c->http, &req, defaults, 1, NULL, 0, msg, sizeof(msg)) != 0)
        goto fail;
    form = form_body(c->http.curl, query, at_ms, extra);
    if (form == NULL) {
        snprintf(msg, sizeof(msg), "out of memory");
        goto fail;
    }
    REQOPT(c->http.curl, CURLOPT_POSTFIELDS, form);
    REQOPT(c->http.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(form));

    /* Attempts until one succeeds or httpc_retry says the failure is final. */
    for (;;) {
        if (attempt(c, matrix, r, msg, sizeof(msg), &cc, &code) == 0) {
            rc = 0;
            goto out;
        }
        if (!httpc_retry(&c->http, cc, code))
            break;
        log_debug("promql query retried", "query", query, "err", msg);
    }
fail:
    c->failures++;
    c->last_status = code;
    c->last_too_big = c->body_too_big || cc == CURLE_FILESIZE_EXCEEDED;
    util_err(e, "POST %s: %s", c->http.shown_url, msg);
    httpc_note_attempts(&c->http, e->msg, sizeof(e->msg));
out:
    /* One debug line with the outcome, whichever it was. */
    {
        char took[32];
        char n[32];
        char tries[16];

        snprintf(took, sizeof(took), "%" PRId64 "ms", util_mono_ms() - started);
        snprintf(tries, sizeof(tries), "%d", c->http.attempts);
        snprintf(n, sizeof(n), "%zu", matrix ? r->nseries : r->n);
        if (rc == 0)
            log_debug("promql query", "query", query, "took", took, matrix ? "series" : "samples",
                      n, "attempts", tries);
        else
            log_debug("promql query failed", "query", query, "took", took, "attempts", tries,
                      "err", msg);
    }
    httpc_end(&c->http, &req);
    curl_easy_setopt(c->http.curl, CURLOPT_POSTFIELDS, (char *)NULL);
    free(form);
    if (c->body.alloc > BODY_KEEP_BYTES) {
        buf_free(&c->body);
        buf_init(&c->body, PROMQL_MAX_BODY);
    }
    return rc;
}

int promql_query(struct promql_client *c, const char *q, int64_t at_ms, struct promql_result *r,
                 struct err *e)
{
    return run_query(c, q, at_ms, NULL, 0, r, e);
}

int promql_query_matrix(struct promql_client *c, const char *q, int64_t at_ms,
                        const char *extra_form, struct promql_result *r, struct err *e)
{
    return run_query(c, q, at_ms, extra_form, 1, r, e);
}

long promql_client_last_status(const struct promql_client *c)
{
    return c->last_status;
}

int promql_client_last_too_big(const struct promql_client *c)
{
    return c->last_too_big;
}

int promql_client_set_compression(struct promql_client *c, int on)
{
    return curl_easy_setopt(c->http.curl, CURLOPT_ACCEPT_ENCODING, on ? "" : (char *)NULL) ==
                   CURLE_OK
               ? 0
               : -1;
}

int promql_client_set_cancel(struct promql_client *c, const atomic_int *flag)
{
    return httpc_set_cancel(&c->http, flag);
}
