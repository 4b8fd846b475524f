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
 * error as a second JSON document. When what follows the first document (at
 * body + at) is an {"status":"error"} one, returns 0 with e set to that
 * error; else -1.
 */
static int trailing_error(const char *body, size_t len, size_t at, const char *pfx, struct err *e)
{
    json_error_t jerr;
    json_t *rest;
    char sub[48];
    const char *status;
    int rc = -1;

    rest = json_loadb(body + at, len - at, JSON_DECODE_ANY, &jerr);
    status = json_string_value(json_object_get(rest, "status"));
    if (status != NULL && strcmp(status, "error") == 0) {
        snprintf(sub, sizeof(sub), "%safter a partial answer: ", pfx);
        api_error(rest, sub, e);
        rc = 0;
    }
    json_decref(rest);
    return rc;
}

/*
 * ---- the shallow reader ----
 * A whole answer as one jansson tree costs about twenty times its bytes (a
 * 58 MB vector of 1M series took 1.1 GiB). So the parser checks the body's
 * syntax without building anything (skim_*), reads the top object and
 * data one member at a time, and turns each element of data.result into a
 * tree of its own, freed before the next: the trees never hold more than
 * one series. A body the skimmer refuses goes to jansson whole when it is
 * at most TREE_MAX_BYTES (the same messages as ever, at a bounded cost);
 * past that it gets a message of ours.
 */
#define TREE_MAX_BYTES (1u * 1024u * 1024u)
/* jansson's own limit (JSON_PARSER_MAX_DEPTH), so both refuse the same bodies. */
#define SKIM_MAX_DEPTH 2048

/* A slice of the body; p == NULL: absent. */
struct span {
    const char *p;
    size_t n;
};

static const char *skim_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* p at '"': past the closing quote, or NULL (escapes checked, UTF-8 left to jansson). */
static const char *skim_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        unsigned char c = (unsigned char)*p;

        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c != '\\')
            continue;
        if (++p >= end)
            return NULL;
        if (*p == 'u') {
            if (end - p < 5 || !is_hex(p[1]) || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]))
                return NULL;
            p += 4;
        } else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0') {
            return NULL;
        }
    }
    return NULL;
}

static const char *skim_digits(const char *p, const char *end)
{
    const char *q = p;

    while (q < end && *q >= '0' && *q <= '9')
        q++;
    return q > p ? q : NULL;
}

static const char *skim_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if ((p = skim_digits(p, end)) == NULL)
        return NULL;
    if (p < end && *p == '.' && (p = skim_digits(p + 1, end)) == NULL)
        return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if ((p = skim_digits(p, end)) == NULL)
            return NULL;
    }
    return p;
}

static const char *skim_value(const char *p, const char *end, int depth);

/* p at '[' or '{': past the matching bracket, or NULL. */
static const char *skim_container(const char *p, const char *end, int depth)
{
    char close = *p == '[' ? ']' : '}';

    if (depth >= SKIM_MAX_DEPTH)
        return NULL;
    p = skim_ws(p + 1, end);
    if (p < end && *p == close)
        return p + 1;
    for (;;) {
        if (close == '}') {
            if (p >= end || *p != '"' || (p = skim_string(p, end)) == NULL)
                return NULL;
            p = skim_ws(p, end);
            if (p >= end || *p != ':')
                return NULL;
            p++;
        }
        if ((p = skim_value(p, end, depth + 1)) == NULL)
            return NULL;
        p = skim_ws(p, end);
        if (p >= end)
            return NULL;
        if (*p == close)
            return p + 1;
        if (*p != ',')
            return NULL;
        p = skim_ws(p + 1, end);
    }
}

/* Skips whitespace and one JSON value: past it, or NULL when there is none. */
static const char *skim_value(const char *p, const char *end, int depth)
{
    p = skim_ws(p, end);
    if (p >= end)
        return NULL;
    switch (*p) {
    case '"':
        return skim_string(p, end);
    case '[':
    case '{':
        return skim_container(p, end, depth);
    case 't':
        return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return skim_number(p, end);
    }
}

/*
 * Calls fn for each element of the array at sp (already skimmed), with its
 * span; stops at fn's first nonzero return and returns it. 0 at the end.
 */
static int each_element(struct span sp, int (*fn)(void *arg, size_t i, struct span el), void *arg)
{
    const char *end = sp.p + sp.n;
    const char *p = skim_ws(sp.p + 1, end);
    size_t i = 0;

    while (p < end && *p != ']') {
        const char *q = skim_value(p, end, 1);
        int rc;

        if (q == NULL)
            return -1; /* cannot happen: the body was skimmed */
        rc = fn(arg, i++, (struct span){p, (size_t)(q - p)});
        if (rc != 0)
            return rc;
        p = skim_ws(q, end);
        if (p < end && *p == ',')
            p = skim_ws(p + 1, end);
    }
    return 0;
}

/* One of the members an object is read for. */
struct member {
    const char *name;
    struct span v;
};

/*
 * Finds the members of the object at sp (skimmed) named in m[0..n) and
 * sets their spans; other members are passed over. Returns 0, or -1 with
 * *dup set to the name found twice.
 */
static int find_members(struct span sp, struct member *m, size_t n, const char **dup)
{
    const char *end = sp.p + sp.n;
    const char *p = skim_ws(sp.p + 1, end);

    for (size_t k = 0; k < n; k++)
        m[k].v.p = NULL;
    while (p < end && *p == '"') {
        const char *kend = skim_string(p, end);
        const char *key = p + 1;
        size_t klen = (size_t)(kend - p) - 2;
        const char *v = skim_ws(skim_ws(kend, end) + 1, end);
        const char *vend = skim_value(v, end, 1);
        json_t *decoded = NULL;

        /* A key spelt with escapes is the key they spell, as for jansson. */
        if (memchr(key, '\\', klen) != NULL) {
            json_error_t jerr;

            decoded = json_loadb(p, (size_t)(kend - p), JSON_DECODE_ANY, &jerr);
            key = json_string_value(decoded);
            klen = key != NULL ? json_string_length(decoded) : 0;
        }
        for (size_t k = 0; k < n && key != NULL; k++) {
            if (strlen(m[k].name) != klen || memcmp(m[k].name, key, klen) != 0)
                continue;
            if (m[k].v.p != NULL) {
                *dup = m[k].name;
                json_decref(decoded);
                return -1;
            }
            m[k].v = (struct span){v, (size_t)(vend - v)};
        }
        json_decref(decoded);
        p = skim_ws(vend, end);
        if (p < end && *p == ',')
            p = skim_ws(p + 1, end);
    }
    return 0;
}

/* The body being read and where its messages go. */
struct rd {
    const char *body;
    size_t len;
    const char *pfx;
    const char *content_type;
    struct err *e;
};

/*
 * The tree of one value of the body (a member or an element), checked as
 * jansson checks a whole body (UTF-8, duplicate keys, number ranges); the
 * caller frees it. NULL with rd->e set on an error.
 */
static json_t *tree(const struct rd *rd, struct span sp)
{
    json_error_t jerr;
    json_t *j = json_loadb(sp.p, sp.n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);

    if (j == NULL) {
        jerr.position += (int)(sp.p - rd->body);
        not_json(rd->body, rd->len, rd->pfx, rd->content_type, &jerr, rd->e);
    }
    return j;
}

/*
 * The message for a body the shallow reader refuses (why: what it found).
 * A small one is given to jansson whole, whose message says where it broke.
 * Returns -1.
 */
static int invalid(const struct rd *rd, const char *why)
{
    char ex[HTTPC_EXCERPT_SIZE];
    json_error_t jerr;
    const char *first;
    json_t *j;

    if (rd->len > 0 && rd->len <= TREE_MAX_BYTES) {
        j = json_loadb(rd->body, rd->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
        if (j == NULL)
            return not_json(rd->body, rd->len, rd->pfx, rd->content_type, &jerr, rd->e);
        json_decref(j);
    }
    first = skim_ws(rd->body, rd->body + rd->len);
    if (first == rd->body + rd->len || (*first != '{' && *first != '[')) {
        memset(&jerr, 0, sizeof(jerr));
        return not_json(rd->body, rd->len, rd->pfx, rd->content_type, &jerr, rd->e);
    }
    excerpt(rd->body, rd->len, ex, sizeof(ex));
    return util_err(rd->e, "%sresponse is not JSON (starts with %s): %s in its %zu bytes", rd->pfx,
                    ex, why, rd->len);
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

/* Element i of a vector's data.result into r->v[i] (allocated, zeroed). */
static int vector_element(struct promql_result *r, size_t i, json_t *el, struct err *e)
{
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
    return parse_pair(json_object_get(el, "value"), where, s, e);
}

static int count_element(void *arg, size_t i, struct span el)
{
    (void)i;
    (void)el;
    (*(size_t *)arg)++;
    return 0;
}

/*
 * A [<unix seconds>, "<value>"] pair read straight from the body when it is
 * spelt the usual way (a short number, a short string without escapes):
 * 1 with *t_ms and *v set. 0 for anything else, errors included, which
 * jansson and read_point then look at: a backfill reads millions of pairs,
 * and a tree of each would cost more than the parse.
 */
static int quick_point(struct span sp, int64_t *t_ms, double *v)
{
    const char *end = sp.p + sp.n;
    const char *p;
    const char *q;
    char num[32];
    double secs;

    if (sp.n == 0 || *sp.p != '[')
        return 0;
    p = skim_ws(sp.p + 1, end);
    q = skim_number(p, end);
    /* Up to 15 characters: no integer jansson would call too big. */
    if (q == NULL || q - p > 15)
        return 0;
    memcpy(num, p, (size_t)(q - p));
    num[q - p] = '\0';
    secs = strtod(num, NULL);
    p = skim_ws(q, end);
    if (p >= end || *p != ',')
        return 0;
    p = skim_ws(p + 1, end);
    if (p >= end || *p != '"')
        return 0;
    for (q = ++p; q < end && *q != '"'; q++)
        if (*q == '\\' || (unsigned char)*q < 0x20 || (unsigned char)*q >= 0x80)
            return 0;
    if (q >= end || q - p >= (ptrdiff_t)sizeof(num))
        return 0;
    memcpy(num, p, (size_t)(q - p));
    num[q - p] = '\0';
    p = skim_ws(q + 1, end);
    if (p >= end || *p != ']' || p + 1 != end)
        return 0;
    if (!isfinite(secs) || fabs(secs) > 1e13)
        return 0;
    *t_ms = (int64_t)llround(secs * 1000.0);
    return util_parse_double(num, v) == 0;
}

/* The pairs of one series' values, read one at a time. */
struct points {
    const struct rd *rd;
    struct promql_series *s;
    size_t series;
};

static int read_values_point(void *arg, size_t k, struct span sp)
{
    struct points *x = arg;
    struct promql_point *pt = &x->s->p[k];
    enum point_err pe;
    char where[64];
    json_t *pair;

    if (!quick_point(sp, &pt->t_ms, &pt->v)) {
        if ((pair = tree(x->rd, sp)) == NULL)
            return -1;
        pe = read_point(pair, &pt->t_ms, &pt->v);
        if (pe != POINT_OK) {
            snprintf(where, sizeof(where), "data.result[%zu].values[%zu]", x->series, k);
            point_error(pe, pair, where, x->rd->e);
            json_decref(pair);
            return -1;
        }
        json_decref(pair);
    }
    x->s->n = k + 1;
    return 0;
}

/*
 * Element i of a matrix's data.result (the span sp, skimmed) into
 * r->series[i] (allocated, zeroed): metric as a tree, values pair by pair.
 */
static int matrix_element(const struct rd *rd, struct promql_result *r, size_t i, struct span sp)
{
    struct member m[] = {{"metric", {NULL, 0}}, {"values", {NULL, 0}}, {"histograms", {NULL, 0}}};
    struct promql_series *s = &r->series[i];
    struct points x = {rd, s, i};
    struct err *e = rd->e;
    const char *dup = NULL;
    json_t *metric = NULL;
    size_t nv = 0;
    char where[64];
    int rc;

    /* Count the series first so promql_result_free frees what it holds. */
    labels_init(&s->labels);
    r->nseries = i + 1;
    snprintf(where, sizeof(where), "data.result[%zu]", i);
    if (*sp.p != '{')
        return util_err(e, "malformed response: %s must be an object", where);
    if (find_members(sp, m, sizeof(m) / sizeof(m[0]), &dup) != 0) {
        char why[64];

        snprintf(why, sizeof(why), "duplicate object key \"%s\"", dup);
        return invalid(rd, why);
    }
    if (m[0].v.p != NULL && (metric = tree(rd, m[0].v)) == NULL)
        return -1;
    rc = parse_metric(metric, where, &s->labels, e);
    json_decref(metric);
    if (rc != 0)
        return -1;
    if (m[2].v.p != NULL)
        return util_err(e,
                        "%s holds native histogram samples, which are not supported "
                        "(use classic histogram buckets)",
                        where);
    if (m[1].v.p == NULL)
        return util_err(e, "malformed response: %s.values is missing", where);
    if (*m[1].v.p != '[')
        return util_err(e, "malformed response: %s.values must be an array", where);
    each_element(m[1].v, count_element, &nv);
    if (nv == 0)
        return 0;
    s->p = malloc(nv * sizeof(*s->p));
    if (s->p == NULL)
        return util_err(e, "out of memory");
    return each_element(m[1].v, read_values_point, &x) != 0 ? -1 : 0;
}

/* One element of data.result at a time: its tree lives while it is read. */
struct elements {
    const struct rd *rd;
    struct promql_result *r;
    int matrix;
};

static int read_element(void *arg, size_t i, struct span sp)
{
    struct elements *x = arg;
    json_t *el;
    int rc;

    if (x->matrix)
        return matrix_element(x->rd, x->r, i, sp);
    if ((el = tree(x->rd, sp)) == NULL)
        return -1;
    rc = vector_element(x->r, i, el, x->rd->e);
    json_decref(el);
    return rc;
}

/* data.result (a skimmed span) of a vector or a matrix into r. */
static int parse_result(const struct rd *rd, struct span result, int matrix,
                        struct promql_result *r)
{
    struct elements x = {rd, r, matrix};
    size_t n = 0;

    if (*result.p != '[')
        return util_err(rd->e, "malformed response: data.result of a %s must be an array",
                        matrix ? "matrix" : "vector");
    each_element(result, count_element, &n);
    if (n == 0)
        return 0;
    if (matrix)
        r->series = calloc(n, sizeof(*r->series));
    else
        r->v = calloc(n, sizeof(*r->v));
    if (matrix ? r->series == NULL : r->v == NULL)
        return util_err(rd->e, "out of memory");
    return each_element(result, read_element, &x) != 0 ? -1 : 0;
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
 * The "status":"success" part: data.resultType and data.result (the span
 * result, p NULL when absent), then warnings. A matrix is what matrix asks
 * for, and only then.
 */
static int parse_success(const struct rd *rd, json_t *root, struct span result, int matrix,
                         struct promql_result *r)
{
    json_t *data = json_object_get(root, "data");
    const char *pfx = rd->pfx;
    struct err *e = rd->e;
    const char *type;

    if (!json_is_object(data))
        return util_err(e,
                        "%smalformed response: \"status\" is \"success\" but \"data\" is "
                        "missing or not an object",
                        pfx);
    type = json_string_value(json_object_get(data, "resultType"));
    if (type == NULL)
        return util_err(e, "%smalformed response: data.resultType is missing", pfx);
    if (result.p == NULL)
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
        if (parse_result(rd, result, 1, r) != 0)
            return -1;
    } else if (strcmp(type, "vector") == 0) {
        if (parse_result(rd, result, 0, r) != 0)
            return -1;
    } else if (strcmp(type, "scalar") == 0) {
        json_t *pair = tree(rd, result);
        int rc;

        if (pair == NULL)
            return -1;
        r->is_scalar = 1;
        r->v = calloc(1, sizeof(*r->v));
        if (r->v == NULL) {
            json_decref(pair);
            return util_err(e, "out of memory");
        }
        labels_init(&r->v[0].labels);
        r->n = 1;
        rc = parse_pair(pair, "data.result", &r->v[0], e);
        json_decref(pair);
        if (rc != 0)
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

/* The members of the answer the parser reads, top level and in data. */
static const char *const top_names[] = {"status", "data",     "errorType",
                                        "error",  "warnings", "isPartial"};
#define TOP_DATA 1
static const char *const data_names[] = {"resultType", "result"};

/*
 * A small tree of the answer without data.result: the top members read,
 * and data with its resultType (JSON null when data is not an object). The
 * span of data.result goes to *result. NULL with rd->e set on an error.
 */
static json_t *shallow_root(const struct rd *rd, struct span top, struct span *result)
{
    struct member m[sizeof(top_names) / sizeof(top_names[0])];
    struct member d[sizeof(data_names) / sizeof(data_names[0])];
    const char *dup = NULL;
    json_t *root = json_object();
    json_t *data;
    char why[64];

    result->p = NULL;
    for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++)
        m[k].name = top_names[k];
    for (size_t k = 0; k < sizeof(d) / sizeof(d[0]); k++)
        d[k].name = data_names[k];
    if (root == NULL) {
        util_err(rd->e, "out of memory");
        return NULL;
    }
    if (find_members(top, m, sizeof(m) / sizeof(m[0]), &dup) != 0)
        goto dup;
    for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
        json_t *j;

        if (m[k].v.p == NULL || k == TOP_DATA)
            continue;
        if ((j = tree(rd, m[k].v)) == NULL)
            goto fail;
        if (json_object_set_new(root, m[k].name, j) != 0)
            goto nomem;
    }
    if (m[TOP_DATA].v.p == NULL)
        return root;
    if (*m[TOP_DATA].v.p != '{') {
        if (json_object_set_new(root, "data", json_null()) != 0)
            goto nomem;
        return root;
    }
    if (find_members(m[TOP_DATA].v, d, sizeof(d) / sizeof(d[0]), &dup) != 0)
        goto dup;
    data = json_object();
    if (data == NULL || json_object_set_new(root, "data", data) != 0)
        goto nomem;
    if (d[0].v.p != NULL) {
        json_t *j = tree(rd, d[0].v);

        if (j == NULL)
            goto fail;
        if (json_object_set_new(data, "resultType", j) != 0)
            goto nomem;
    }
    *result = d[1].v;
    return root;
dup:
    snprintf(why, sizeof(why), "duplicate object key \"%s\"", dup);
    invalid(rd, why);
    goto fail;
nomem:
    util_err(rd->e, "out of memory");
fail:
    json_decref(root);
    return NULL;
}

/*
 * promql_parse_response with the response's Content-Type (may be NULL), which
 * the client knows and names when a body turns out not to be JSON.
 */
static int parse_body(const char *body, size_t len, long http_status, const char *content_type,
                      int matrix, struct promql_result *r, struct err *e)
{
    json_t *root = NULL;
    const char *status;
    const char *end;
    const char *first;
    char pfx[32];
    struct rd rd = {body, len, pfx, content_type, e};
    struct span result = {NULL, 0};
    struct promql_result tmp;
    int rc = -1;

    promql_result_init(r);
    promql_result_init(&tmp);
    status_prefix(http_status, pfx, sizeof(pfx));
    if (body == NULL)
        rd.len = len = 0;
    end = len > 0 ? skim_value(body, body + len, 0) : NULL;
    if (end == NULL) {
        invalid(&rd, "invalid JSON");
        goto out;
    }
    if (skim_ws(end, body + len) != body + len) {
        if (trailing_error(body, len, (size_t)(end - body), pfx, e) != 0)
            invalid(&rd, "more after the JSON value");
        goto out;
    }
    first = skim_ws(body, end);
    if (*first != '{') {
        char ex[HTTPC_EXCERPT_SIZE];

        excerpt(body, len, ex, sizeof(ex));
        util_err(e, "%sresponse is JSON but not an object (starts with %s)", pfx, ex);
        goto out;
    }
    root = shallow_root(&rd, (struct span){first, (size_t)(end - first)}, &result);
    if (root == NULL)
        goto out;
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
    if (parse_success(&rd, root, result, matrix, &tmp) != 0)
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
    struct err sub = {""};

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
