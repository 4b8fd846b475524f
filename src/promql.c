/*
 * promql: instant queries against the Prometheus HTTP API and the parser of
 * their JSON answers. See include/promql.h.
 *
 * The parser is pure (bytes in, samples out) so it can be tested and fuzzed
 * without a server. The client keeps one libcurl easy handle for its whole
 * life so the connection to Prometheus is reused (keep-alive); it is owned by
 * one thread. Secrets (bearer token, basic auth password) are read from their
 * files on every request and never copied into error messages.
 *
 * Depends on util, config, log, libcurl (curl_global_init is main's job),
 * jansson.
 */
#include "promql.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "log.h"

#ifndef SLO_VERSION
#define SLO_VERSION "dev"
#endif

/* Token and password files hold one short secret; anything bigger is a mistake. */
#define SECRET_MAX (64 * 1024)

/* How much of an unexpected body goes into an error message. */
#define EXCERPT_BYTES 80
#define EXCERPT_CHARS 160

/* Connecting (TCP and TLS) may take at most this long, within the query timeout. */
#define CONNECT_TIMEOUT_MS 5000

/* A body buffer grown past this by one big answer is released after the query. */
#define BODY_KEEP_BYTES (4u * 1024u * 1024u)

struct promql_client {
    const struct config_prometheus *cfg;
    CURL *curl;
    char *url;              /* <cfg->url>/api/v1/query, what curl fetches */
    char *shown_url;        /* the same with any password in it masked, for messages */
    struct buf body;        /* response body, reused between queries */
    int body_too_big;       /* set by the write callback when the cap stops it */
    char errbuf[CURL_ERROR_SIZE];
    uint64_t requests;
    uint64_t failures;
    int unreachable;        /* the last query got no HTTP answer at all */
};

void promql_result_init(struct promql_result *r)
{
    r->is_scalar = 0;
    r->n = 0;
    r->v = NULL;
    r->warnings = NULL;
    r->nwarnings = 0;
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
    promql_result_init(r);
}

/*
 * Writes the first bytes of a body as a double-quoted string for an error
 * message: at most EXCERPT_BYTES input bytes, control and non-ASCII bytes
 * escaped so a binary or HTML answer cannot garble a log line, and "..." when
 * cut. out must hold EXCERPT_CHARS + 8 bytes.
 */
static void excerpt(const char *body, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    size_t i;

    out[o++] = '"';
    for (i = 0; i < len && i < EXCERPT_BYTES && o < EXCERPT_CHARS; i++) {
        unsigned char ch = (unsigned char)body[i];
        char esc[8];

        if (ch == '"' || ch == '\\')
            snprintf(esc, sizeof(esc), "\\%c", ch);
        else if (ch == '\n')
            snprintf(esc, sizeof(esc), "\\n");
        else if (ch == '\r')
            snprintf(esc, sizeof(esc), "\\r");
        else if (ch == '\t')
            snprintf(esc, sizeof(esc), "\\t");
        else if (ch < 0x20 || ch >= 0x7f)
            snprintf(esc, sizeof(esc), "\\x%02x", ch);
        else
            snprintf(esc, sizeof(esc), "%c", ch);
        if (o + strlen(esc) + 5 > outlen)
            break;
        memcpy(out + o, esc, strlen(esc));
        o += strlen(esc);
    }
    if (i < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
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
    char ex[EXCERPT_CHARS + 8];
    char ct[EXCERPT_CHARS + 24] = "";
    size_t lead = 0;

    /* Name the type only when it explains the failure: a JSON type with a
     * broken body is a truncation, not a misrouted request. */
    if (content_type != NULL && !is_json_type(content_type)) {
        char q[EXCERPT_CHARS + 8];

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

    if (type != NULL && *type != '\0' && msg != NULL)
        return util_err(e, "%s%s: %s", pfx, type, msg);
    if (msg != NULL)
        return util_err(e, "%s%s", pfx, msg);
    if (type != NULL)
        return util_err(e, "%s%s", pfx, type);
    return util_err(e, "%sPrometheus answered \"status\":\"error\" without a message", pfx);
}

/* Parses [<unix seconds>, "<value>"] into s->t_ms and s->value. */
static int parse_pair(json_t *pair, const char *where, struct promql_sample *s, struct err *e)
{
    json_t *t = json_array_get(pair, 0);
    json_t *v = json_array_get(pair, 1);
    double secs;

    if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_number(t) ||
        !json_is_string(v))
        return util_err(e, "malformed response: %s must be [<unix time>, \"<number>\"]", where);
    secs = json_number_value(t);
    /* About ±300000 years; keeps the conversion to int64 ms defined. */
    if (!isfinite(secs) || fabs(secs) > 1e13)
        return util_err(e, "malformed response: %s has an out of range time", where);
    s->t_ms = (int64_t)llround(secs * 1000.0);
    if (util_parse_double(json_string_value(v), &s->value) != 0) {
        char ex[EXCERPT_CHARS + 8];
        const char *str = json_string_value(v);

        excerpt(str, strlen(str), ex, sizeof(ex));
        return util_err(e, "malformed response: %s holds %s, which is not a number", where, ex);
    }
    return 0;
}

static int parse_metric(json_t *metric, const char *where, struct labels *l, struct err *e)
{
    const char *name;
    json_t *val;

    if (!json_is_object(metric))
        return util_err(e, "malformed response: %s.metric must be an object of labels", where);
    json_object_foreach(metric, name, val) {
        if (!json_is_string(val))
            return util_err(e, "malformed response: label %s of %s is not a string", name,
                            where);
        if (labels_set(l, name, json_string_value(val)) != 0)
            return util_err(e, "out of memory");
    }
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
            return util_err(e, "%s is a native histogram sample, which is not supported "
                               "(use classic histogram buckets or a float expression)", where);
        snprintf(where, sizeof(where), "data.result[%zu].value", i);
        if (json_object_get(el, "value") == NULL)
            return util_err(e, "malformed response: %s is missing", where);
        if (parse_pair(json_object_get(el, "value"), where, s, e) != 0)
            return -1;
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

/* The "status":"success" part: data.resultType and data.result, then warnings. */
static int parse_success(json_t *root, const char *pfx, struct promql_result *r, struct err *e)
{
    json_t *data = json_object_get(root, "data");
    const char *type;
    json_t *result;

    if (!json_is_object(data))
        return util_err(e, "%smalformed response: \"status\" is \"success\" but \"data\" is "
                           "missing or not an object", pfx);
    type = json_string_value(json_object_get(data, "resultType"));
    result = json_object_get(data, "result");
    if (type == NULL)
        return util_err(e, "%smalformed response: data.resultType is missing", pfx);
    if (result == NULL)
        return util_err(e, "%smalformed response: data.result is missing", pfx);
    if (strcmp(type, "vector") == 0) {
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
        char ex[EXCERPT_CHARS + 8];

        excerpt(type, strlen(type), ex, sizeof(ex));
        return util_err(e, "%sunsupported resultType %s (the query must return an instant "
                           "vector or a scalar)", pfx, ex);
    }
    return parse_warnings(json_object_get(root, "warnings"), r, e);
}

/*
 * promql_parse_response with the response's Content-Type (may be NULL), which
 * the client knows and names when a body turns out not to be JSON.
 */
static int parse_body(const char *body, size_t len, long http_status, const char *content_type,
                      struct promql_result *r, struct err *e)
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
    if (root == NULL) {
        not_json(body, len, pfx, content_type, &jerr, e);
        goto out;
    }
    if (!json_is_object(root)) {
        char ex[EXCERPT_CHARS + 8];

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
        char ex[EXCERPT_CHARS + 8];

        excerpt(body, len, ex, sizeof(ex));
        util_err(e, "%sunexpected response (starts with %s)", pfx, ex);
        goto out;
    }
    if (status == NULL || strcmp(status, "success") != 0) {
        util_err(e, "%smalformed response: \"status\" must be \"success\" or \"error\"", pfx);
        goto out;
    }
    if (parse_success(root, pfx, &tmp, e) != 0)
        goto out;
    *r = tmp;
    promql_result_init(&tmp);
    rc = 0;
out:
    promql_result_free(&tmp);
    json_decref(root);
    return rc;
}

int promql_parse_response(const char *body, size_t len, long http_status,
                          struct promql_result *r, struct err *e)
{
    return parse_body(body, len, http_status, NULL, r, e);
}

/*
 * Copies url with the password of any user:password@ part replaced by
 * "xxxxx", as Go's url.Redacted does, so messages and logs can show it.
 */
static char *redact_url(const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *host;
    const char *at = NULL;
    const char *colon = NULL;
    size_t end;

    if (scheme == NULL)
        return util_strdup(url);
    host = scheme + 3;
    end = strcspn(host, "/?#");
    for (size_t i = 0; i < end; i++)
        if (host[i] == '@')
            at = host + i;
    if (at == NULL)
        return util_strdup(url);
    colon = memchr(host, ':', (size_t)(at - host));
    if (colon == NULL)
        return util_strdup(url);
    return util_asprintf("%.*sxxxxx%s", (int)(colon + 1 - url), url, at);
}

/*
 * Accepts a header name: printable ASCII without spaces, colons or line
 * breaks, and without ';', which curl would read as "send empty".
 */
static int header_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == ':' || *p == ';')
            return 0;
    return 1;
}

/* Header values and secrets must not smuggle a second header line in. */
static int header_value_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t')
            return 0;
    return 1;
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

/* curl_easy_setopt with its result checked; the option's name goes into the message. */
#define SETOPT(h, opt, val)                                                                 \
    do {                                                                                    \
        CURLcode cc_ = curl_easy_setopt((h), (opt), (val));                                 \
        if (cc_ != CURLE_OK) {                                                              \
            util_err(e, "libcurl: setting %s: %s", #opt, curl_easy_strerror(cc_));         \
            goto fail;                                                                      \
        }                                                                                   \
    } while (0)

struct promql_client *promql_client_new(const struct config_prometheus *cfg, struct err *e)
{
    struct promql_client *c = NULL;
    long timeout = 0;
    long connect_timeout = 0;

    if (cfg->url == NULL || cfg->url[0] == '\0') {
        util_err(e, "prometheus.url is not set");
        return NULL;
    }
    for (size_t i = 0; i < cfg->headers.n; i++) {
        if (!header_name_ok(cfg->headers.v[i].name)) {
            util_err(e, "prometheus.headers: \"%s\" is not a valid header name",
                     cfg->headers.v[i].name);
            return NULL;
        }
        if (!header_value_ok(cfg->headers.v[i].value)) {
            util_err(e, "prometheus.headers: the value of %s contains control characters",
                     cfg->headers.v[i].name);
            return NULL;
        }
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    c->cfg = cfg;
    buf_init(&c->body, PROMQL_MAX_BODY);
    c->url = util_asprintf("%s/api/v1/query", cfg->url);
    c->shown_url = c->url != NULL ? redact_url(c->url) : NULL;
    if (c->url == NULL || c->shown_url == NULL) {
        util_err(e, "out of memory");
        goto fail;
    }
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        util_err(e, "libcurl: cannot create a handle (was curl_global_init called?)");
        goto fail;
    }
    if (cfg->timeout_ms > 0)
        timeout = cfg->timeout_ms > LONG_MAX ? LONG_MAX : (long)cfg->timeout_ms;
    connect_timeout = CONNECT_TIMEOUT_MS;
    if (timeout > 0 && timeout < connect_timeout)
        connect_timeout = timeout;

    SETOPT(c->curl, CURLOPT_URL, c->url);
    SETOPT(c->curl, CURLOPT_POST, 1L);
    SETOPT(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
    SETOPT(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(c->curl, CURLOPT_WRITEDATA, c);
    /* No signals: the daemon has threads, and SIGALRM-based DNS timeouts are unsafe. */
    SETOPT(c->curl, CURLOPT_NOSIGNAL, 1L);
    SETOPT(c->curl, CURLOPT_TIMEOUT_MS, timeout);
    SETOPT(c->curl, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
    SETOPT(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    /* A redirect is reported, never followed: following would re-send the
     * query and credentials to wherever the Location points. */
    SETOPT(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SETOPT(c->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(c->curl, CURLOPT_USERAGENT, "slo-sidecar/" SLO_VERSION);
    /* Big vectors compress well; the body cap applies to the decoded bytes. */
    SETOPT(c->curl, CURLOPT_ACCEPT_ENCODING, "");
    /* Refuse an announced oversize body before reading it. */
    SETOPT(c->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PROMQL_MAX_BODY);
    if (cfg->ca_file != NULL)
        SETOPT(c->curl, CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->cert_file != NULL)
        SETOPT(c->curl, CURLOPT_SSLCERT, cfg->cert_file);
    if (cfg->key_file != NULL)
        SETOPT(c->curl, CURLOPT_SSLKEY, cfg->key_file);
    if (cfg->insecure_skip_verify) {
        SETOPT(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        SETOPT(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->basic_username != NULL) {
        SETOPT(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SETOPT(c->curl, CURLOPT_USERNAME, cfg->basic_username);
    }
    return c;
fail:
    promql_client_free(c);
    return NULL;
}

void promql_client_free(struct promql_client *c)
{
    if (c == NULL)
        return;
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    buf_free(&c->body);
    free(c->shown_url);
    free(c->url);
    free(c);
}

uint64_t promql_client_requests(const struct promql_client *c)
{
    return c->requests;
}

int promql_client_unreachable(const struct promql_client *c)
{
    return c->unreachable;
}

uint64_t promql_client_failures(const struct promql_client *c)
{
    return c->failures;
}

/* Overwrites a secret before its memory is released. */
static void wipe_free(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/*
 * Reads the secret in path whole, without trailing whitespace and newlines
 * (files written by editors and by `echo` end with one). *out is caller-freed
 * with wipe_free. what names the setting in messages; the content never
 * appears in one.
 */
static int read_secret(const char *what, const char *path, char **out, struct err *e)
{
    FILE *f = NULL;
    char *s = NULL;
    size_t n;
    int rc = -1;

    *out = NULL;
    s = malloc(SECRET_MAX + 1);
    if (s == NULL) {
        util_err(e, "out of memory");
        goto out;
    }
    f = fopen(path, "re");
    if (f == NULL) {
        util_err(e, "%s %s: %s", what, path, strerror(errno));
        goto out;
    }
    n = fread(s, 1, SECRET_MAX + 1, f);
    if (ferror(f)) {
        util_err(e, "%s %s: read error", what, path);
        goto out;
    }
    if (n > SECRET_MAX) {
        util_err(e, "%s %s is larger than %d KiB; it should hold one secret", what, path,
                 SECRET_MAX / 1024);
        goto out;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    s[n] = '\0';
    if (n == 0) {
        util_err(e, "%s %s is empty", what, path);
        goto out;
    }
    if (memchr(s, '\0', n) != NULL || !header_value_ok(s)) {
        util_err(e, "%s %s contains control characters or line breaks", what, path);
        goto out;
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    if (s != NULL) {
        explicit_bzero(s, SECRET_MAX + 1);
        free(s);
    }
    return rc;
}

static int add_header(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);

    if (n == NULL)
        return -1;
    *l = n;
    return 0;
}

/* The request headers: configured ones, then ours, then the bearer token. */
static int build_headers(const struct config_prometheus *cfg, const char *token,
                         struct curl_slist **out, struct err *e)
{
    struct curl_slist *l = NULL;
    int has_accept = 0;
    char *line = NULL;

    *out = NULL;
    for (size_t i = 0; i < cfg->headers.n; i++) {
        const struct label *h = &cfg->headers.v[i];

        /* "Name;" is curl's way to send a header with an empty value;
         * "Name:" would remove it instead. */
        if (h->value[0] == '\0')
            line = util_asprintf("%s;", h->name);
        else
            line = util_asprintf("%s: %s", h->name, h->value);
        if (line == NULL || add_header(&l, line) != 0)
            goto fail;
        free(line);
        line = NULL;
        if (strcasecmp(h->name, "Accept") == 0)
            has_accept = 1;
    }
    if (!has_accept && add_header(&l, "Accept: application/json") != 0)
        goto fail;
    /* Without this curl waits for "100 Continue" before sending a long query. */
    if (add_header(&l, "Expect:") != 0)
        goto fail;
    if (token != NULL) {
        line = util_asprintf("Authorization: Bearer %s", token);
        if (line == NULL || add_header(&l, line) != 0)
            goto fail;
        wipe_free(line);
        line = NULL;
    }
    *out = l;
    return 0;
fail:
    wipe_free(line);
    curl_slist_free_all(l);
    return util_err(e, "out of memory");
}

/* "query=<escaped>&time=<seconds>.<millis>"; caller frees. */
static char *form_body(CURL *curl, const char *query, int64_t at_ms)
{
    char *q = curl_easy_escape(curl, query, 0);
    uint64_t mag = at_ms < 0 ? (uint64_t)0 - (uint64_t)at_ms : (uint64_t)at_ms;
    char *s;

    if (q == NULL)
        return NULL;
    s = util_asprintf("query=%s&time=%s%" PRIu64 ".%03" PRIu64, q, at_ms < 0 ? "-" : "",
                      mag / 1000, mag % 1000);
    curl_free(q);
    return s;
}

/* Describes a failed transfer in words a user can act on. */
static void transfer_error(struct promql_client *c, CURLcode cc, char *msg, size_t len)
{
    const char *detail = c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc);
    char dur[32];

    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t pre = 0;
        int64_t limit = c->cfg->timeout_ms;

        /* No pre-transfer time means the connection (TCP or TLS) was never
         * set up, so the shorter connect timeout is the one that fired. */
        curl_easy_getinfo(c->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
        if (pre == 0 && (limit <= 0 || limit > CONNECT_TIMEOUT_MS)) {
            util_duration_format(CONNECT_TIMEOUT_MS, dur, sizeof(dur));
            snprintf(msg, len, "could not connect within %s", dur);
        } else {
            if (util_duration_format(limit, dur, sizeof(dur)) != 0)
                snprintf(dur, sizeof(dur), "%" PRId64 "ms", limit);
            snprintf(msg, len, "timed out after %s", dur);
        }
        return;
    }
    case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;

        curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED)
            snprintf(msg, len, "connection refused");
        else
            snprintf(msg, len, "%s", detail);
        return;
    }
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (c->body_too_big || cc == CURLE_FILESIZE_EXCEEDED) {
            snprintf(msg, len, "response body larger than %u MiB",
                     PROMQL_MAX_BODY / (1024u * 1024u));
            return;
        }
        snprintf(msg, len, "out of memory while reading the response");
        return;
    case CURLE_UNSUPPORTED_PROTOCOL:
        snprintf(msg, len, "%s (prometheus.url must start with http:// or https://)", detail);
        return;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(msg, len, "%s (check tls.ca_file, or the server's certificate)", detail);
        return;
    default:
        snprintf(msg, len, "%s", detail);
        return;
    }
}

/* Sets the per-request options; the strings must live until the transfer ends. */
#define REQOPT(h, opt, val)                                                                 \
    do {                                                                                    \
        CURLcode cc_ = curl_easy_setopt((h), (opt), (val));                                 \
        if (cc_ != CURLE_OK) {                                                              \
            snprintf(msg, sizeof(msg), "libcurl: setting %s: %s", #opt,                     \
                     curl_easy_strerror(cc_));                                              \
            goto fail;                                                                      \
        }                                                                                   \
    } while (0)

int promql_query(struct promql_client *c, const char *query, int64_t at_ms,
                 struct promql_result *r, struct err *e)
{
    const struct config_prometheus *cfg = c->cfg;
    char *token = NULL;
    char *password = NULL;
    char *form = NULL;
    struct curl_slist *headers = NULL;
    char msg[UTIL_ERRLEN];
    struct err sub;
    CURLcode cc;
    long code = 0;
    int64_t started = util_mono_ms();
    int rc = -1;

    promql_result_init(r);
    msg[0] = '\0';
    c->requests++;
    if (cfg->bearer_token_file != NULL &&
        read_secret("bearer token file", cfg->bearer_token_file, &token, &sub) != 0) {
        snprintf(msg, sizeof(msg), "%s", sub.msg);
        goto fail;
    }
    if (cfg->basic_username != NULL && cfg->basic_password_file != NULL &&
        read_secret("basic auth password file", cfg->basic_password_file, &password,
                    &sub) != 0) {
        snprintf(msg, sizeof(msg), "%s", sub.msg);
        goto fail;
    }
    if (build_headers(cfg, token, &headers, &sub) != 0) {
        snprintf(msg, sizeof(msg), "%s", sub.msg);
        goto fail;
    }
    form = form_body(c->curl, query, at_ms);
    if (form == NULL) {
        snprintf(msg, sizeof(msg), "out of memory");
        goto fail;
    }
    REQOPT(c->curl, CURLOPT_HTTPHEADER, headers);
    REQOPT(c->curl, CURLOPT_POSTFIELDS, form);
    REQOPT(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(form));
    if (cfg->basic_username != NULL)
        REQOPT(c->curl, CURLOPT_PASSWORD, password != NULL ? password : "");

    buf_reset(&c->body);
    c->body_too_big = 0;
    c->errbuf[0] = '\0';
    cc = curl_easy_perform(c->curl);
    c->unreachable = cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
                     cc == CURLE_OPERATION_TIMEDOUT;
    if (cc != CURLE_OK) {
        transfer_error(c, cc, msg, sizeof(msg));
        goto fail;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 300 && code <= 399) {
        char *loc = NULL;

        curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &loc);
        if (loc != NULL)
            snprintf(msg, sizeof(msg), "HTTP %ld redirect to %s (redirects are not followed; "
                     "set prometheus.url to the final address)", code, loc);
        else
            snprintf(msg, sizeof(msg), "HTTP %ld redirect without a Location header", code);
        goto fail;
    } else {
        char *ct = NULL;

        curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &ct);
        if (parse_body(c->body.data, c->body.len, code, ct, r, &sub) != 0) {
            snprintf(msg, sizeof(msg), "%s", sub.msg);
            goto fail;
        }
    }
    rc = 0;
    goto out;
fail:
    c->failures++;
    util_err(e, "POST %s: %s", c->shown_url, msg);
out:
    {
        char took[32];
        char n[32];

        snprintf(took, sizeof(took), "%" PRId64 "ms", util_mono_ms() - started);
        snprintf(n, sizeof(n), "%zu", r->n);
        if (rc == 0)
            log_debug("promql query", "query", query, "took", took, "samples", n);
        else
            log_debug("promql query failed", "query", query, "took", took, "err", msg);
    }
    /* Drop the pointers into memory freed below (the next query sets new
     * ones) and curl's copy of the password. */
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    if (cfg->basic_username != NULL)
        curl_easy_setopt(c->curl, CURLOPT_PASSWORD, "");
    curl_slist_free_all(headers);
    free(form);
    wipe_free(password);
    wipe_free(token);
    if (c->body.alloc > BODY_KEEP_BYTES) {
        buf_free(&c->body);
        buf_init(&c->body, PROMQL_MAX_BODY);
    }
    return rc;
}
