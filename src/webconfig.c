/*
 * webconfig: the exporter-toolkit web config file. See include/webconfig.h.
 *
 * Strict like the config loader (and like exporter-toolkit, whose Go YAML
 * decoder refuses unknown keys): unknown and duplicate keys are errors, and
 * the exporter-toolkit fields that slo-sidecar cannot honour (cipher suites,
 * curves, allowed SANs, HTTP/2) are refused with a message that says so
 * rather than being ignored. Problems are recorded with their positions and
 * reading goes on, so `check` shows them all, sorted by position.
 *
 * The schema is three levels deep, every collection read is bounded
 * (WEBCONFIG_MAX_USERS users, five headers) and every string is measured
 * before it is copied, so YAML aliases cannot make the walk expensive; a
 * first pass over the tokens bounds what makes libyaml itself slow.
 *
 * A password hash never appears in a message: a bad one is described by its
 * shape only.
 *
 * Depends on util, config (struct config_errors), libyaml, libcrypt.
 */
#include "webconfig.h"

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Field paths are short ("tls_server_config.client_ca_file"); cut if not. */
#define PATHLEN 160
/* Messages with a position kept for one load; more are only counted. */
#define MAX_ERRORS 100
/* Token pass limits: a file of 10000 users has some 50000 tokens. */
#define MAX_TOKENS 200000
#define MAX_DEPTH 16
#define MAX_ANCHORS 100
#define MAX_ALIASES 1000
/* A user name longer than this is a mistake, not a name. */
#define MAX_USER_LEN 256
/* A header value (Content-Security-Policy can be long). */
#define MAX_HEADER_VALUE 4096

/* A bcrypt hash: "$2b$10$" then 22 characters of salt and 31 of checksum. */
#define BCRYPT_LEN 60
#define BCRYPT_CHECKSUM_LEN 31

/*
 * A bcrypt hash of a random password nobody knows (cost 10, as
 * exporter-toolkit's), checked for unknown users when there are no users.
 */
static const char dummy_hash[] = "$2b$10$XgbKHnkFd5sP7PvbivWzTe5wmcAQhWRBpc2SEXOsJo4aJV0B.oeR2";

/* exporter-toolkit fields slo-sidecar does not support, and why. */
struct unsupported {
    const char *name;
    const char *why;
};

struct pending {
    size_t line; /* 1-based; 0 for file-level messages */
    size_t col;
    size_t seq;
    char *msg;
};

struct ctx {
    const char *file;
    yaml_document_t *doc;
    struct pending *errs;
    size_t nerrs;
    size_t aerrs;
    size_t dropped;
    int oom;
    char *dir; /* the file's directory with a trailing '/', "" for none */
};

static void add(struct ctx *c, size_t line, size_t col, const char *msg)
{
    char *m;

    if (line > 0 && c->nerrs >= MAX_ERRORS) {
        c->dropped++;
        return;
    }
    if (c->nerrs == c->aerrs) {
        size_t na = c->aerrs ? c->aerrs * 2 : 8;
        struct pending *n = realloc(c->errs, na * sizeof(*n));

        if (n == NULL) {
            c->oom = 1;
            return;
        }
        c->errs = n;
        c->aerrs = na;
    }
    if (line > 0)
        m = util_asprintf("%s:%zu:%zu: %s", c->file, line, col, msg);
    else
        m = util_asprintf("%s: %s", c->file, msg);
    if (m == NULL) {
        c->oom = 1;
        return;
    }
    c->errs[c->nerrs].line = line;
    c->errs[c->nerrs].col = col;
    c->errs[c->nerrs].seq = c->nerrs;
    c->errs[c->nerrs].msg = m;
    c->nerrs++;
}

static void err(struct ctx *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records "FILE:LINE:COL: PATH: message" at node n (file-level when n is NULL). */
static void err(struct ctx *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
    char msg[512];
    char full[700];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (path != NULL && *path)
        snprintf(full, sizeof(full), "%s: %s", path, msg);
    else
        snprintf(full, sizeof(full), "%s", msg);
    /* libyaml counts from 0, editors from 1. */
    add(c, n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, full);
}

static yaml_node_t *node(struct ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static const char *sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static int is_null(const yaml_node_t *n)
{
    const char *v;

    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    v = sval(n);
    return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

/* Only the core schema's tags (!!str, ...) mean something. 1 when n's tag is fine. */
static int tag_ok(struct ctx *c, const yaml_node_t *n, const char *path)
{
    const char *t = (const char *)n->tag;

    if (t == NULL || strncmp(t, "tag:yaml.org,2002:", 18) == 0)
        return 1;
    err(c, n, path, "unsupported YAML tag \"%.60s\"", t);
    return 0;
}

/* "a mapping", "null", "TEXT" or "string \"TEXT\"", for "expected X, got Y". */
static const char *describe(const yaml_node_t *n, char *buf, size_t len)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_SCALAR_NODE:
        break;
    default:
        return "nothing";
    }
    if (is_null(n))
        return "null";
    snprintf(buf, len, "%s\"%.40s%s\"",
             n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" : "string ", sval(n),
             n->data.scalar.length > 40 ? "..." : "");
    return buf;
}

/*
 * n's text when it is a non-null scalar without NUL characters, else
 * reports "expected what" and returns NULL. With secret set, the value is
 * never quoted in a message.
 */
static const char *want_scalar(struct ctx *c, yaml_node_t *n, const char *path, const char *what,
                               int secret)
{
    char d[64];

    if (!tag_ok(c, n, path))
        return NULL;
    if (n->type != YAML_SCALAR_NODE || is_null(n)) {
        err(c, n, path, "expected %s, got %s", what,
            secret && n->type == YAML_SCALAR_NODE && !is_null(n) ? "a string"
                                                                 : describe(n, d, sizeof(d)));
        return NULL;
    }
    if (strlen(sval(n)) != n->data.scalar.length) {
        err(c, n, path, "must not contain a NUL character");
        return NULL;
    }
    return sval(n);
}

static int want_map(struct ctx *c, yaml_node_t *n, const char *path)
{
    char d[64];

    if (!tag_ok(c, n, path))
        return -1;
    if (n->type == YAML_MAPPING_NODE)
        return 0;
    err(c, n, path, "expected a mapping, got %s", describe(n, d, sizeof(d)));
    return -1;
}

static void join(char *out, size_t len, const char *path, const char *key)
{
    int n;

    if (path == NULL || *path == '\0')
        n = snprintf(out, len, "%s", key);
    else
        n = snprintf(out, len, "%s.%s", path, key);
    if (n < 0 || (size_t)n >= len)
        out[len - 1] = '\0';
}

/*
 * Checks mapping n's keys: names are allowed, unsup are known but refused
 * (with their reason), anything else is unknown; duplicates are errors.
 * Returns 0 when n is a mapping (even with bad keys), -1 (reported) if not.
 */
static int check_keys(struct ctx *c, yaml_node_t *n, const char *path, const char *const *names,
                      size_t nnames, const struct unsupported *unsup, size_t nunsup)
{
    yaml_node_t *seen[8] = {NULL};

    if (want_map(c, n, path) != 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key);
        const char *name = want_scalar(c, k, path, "a field name", 0);
        size_t i, u;

        if (name == NULL)
            continue;
        for (i = 0; i < nnames; i++)
            if (strcmp(name, names[i]) == 0)
                break;
        if (i == nnames) {
            for (u = 0; u < nunsup; u++)
                if (strcmp(name, unsup[u].name) == 0)
                    break;
            if (u < nunsup)
                err(c, k, path, "\"%s\" is not supported by slo-sidecar: %s", name, unsup[u].why);
            else
                err(c, k, path, "unknown field \"%.60s\"", name);
            continue;
        }
        if (seen[i] != NULL) {
            err(c, k, path, "duplicate field \"%s\" (first at line %zu)", name,
                (size_t)seen[i]->start_mark.line + 1);
            continue;
        }
        seen[i] = k;
    }
    return 0;
}

/* The value of key in mapping n (the first when duplicated), or NULL. */
static yaml_node_t *get(struct ctx *c, yaml_node_t *n, const char *key)
{
    if (n == NULL || n->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key);

        if (k->type == YAML_SCALAR_NODE && strcmp(sval(k), key) == 0)
            return node(c, p->value);
    }
    return NULL;
}

/* Like get(), but an explicit null counts as absent. */
static yaml_node_t *get_opt(struct ctx *c, yaml_node_t *n, const char *key)
{
    yaml_node_t *v = get(c, n, key);

    return v != NULL && is_null(v) ? NULL : v;
}

/*
 * A non-empty string field: returns its text (owned by the document), or
 * NULL when absent (reported when required) or bad (reported). *at gets
 * the value's node.
 */
static const char *get_str(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                           int required, yaml_node_t **at)
{
    yaml_node_t *n = get_opt(c, m, key);
    char p[PATHLEN];
    const char *v;

    *at = n;
    if (n == NULL) {
        if (required)
            err(c, m, path, "missing required field \"%s\"", key);
        return NULL;
    }
    join(p, sizeof(p), path, key);
    v = want_scalar(c, n, p, "a string", 0);
    if (v != NULL && *v == '\0') {
        err(c, n, p, "must not be empty");
        return NULL;
    }
    return v;
}

/*
 * A file path field into *out, resolved against the web config's directory
 * when relative (as exporter-toolkit does), with its position in *pos.
 * Returns 0 when set, 1 when absent, -1 on a reported error.
 */
static int get_path(struct ctx *c, yaml_node_t *m, const char *path, const char *key, int required,
                    char **out, struct webconfig_pos *pos)
{
    yaml_node_t *n;
    const char *v = get_str(c, m, path, key, required, &n);

    if (v == NULL)
        return n == NULL ? 1 : -1;
    *out = util_asprintf("%s%s", v[0] == '/' ? "" : c->dir, v);
    if (*out == NULL) {
        c->oom = 1;
        return -1;
    }
    pos->line = n->start_mark.line + 1;
    pos->col = n->start_mark.column + 1;
    return 0;
}

static const struct {
    const char *name;
    enum webconfig_client_auth value;
} client_auths[] = {
    {"NoClientCert", WEBCONFIG_NO_CLIENT_CERT},
    {"RequestClientCert", WEBCONFIG_REQUEST_CLIENT_CERT},
    {"RequireAnyClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT},
    {"VerifyClientCertIfGiven", WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN},
    {"RequireAndVerifyClientCert", WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT},
    /* exporter-toolkit's old name for RequireAnyClientCert */
    {"RequireClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT},
};

const char *webconfig_client_auth_str(enum webconfig_client_auth a)
{
    for (size_t i = 0; i < NELEMS(client_auths); i++)
        if (client_auths[i].value == a)
            return client_auths[i].name;
    return "?";
}

static int parse_client_auth(struct ctx *c, yaml_node_t *m, const char *path,
                             enum webconfig_client_auth *out, yaml_node_t **at)
{
    const char *v = get_str(c, m, path, "client_auth_type", 0, at);
    char p[PATHLEN];

    if (v == NULL)
        return *at == NULL ? 1 : -1;
    for (size_t i = 0; i < NELEMS(client_auths); i++) {
        if (strcmp(v, client_auths[i].name) == 0) {
            *out = client_auths[i].value;
            return 0;
        }
    }
    join(p, sizeof(p), path, "client_auth_type");
    err(c, *at, p,
        "must be NoClientCert, RequestClientCert, RequireAnyClientCert, "
        "VerifyClientCertIfGiven or RequireAndVerifyClientCert, got \"%.60s\"",
        v);
    return -1;
}

static int parse_version(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                         enum webconfig_tls_version *out)
{
    yaml_node_t *n;
    const char *v = get_str(c, m, path, key, 0, &n);
    char p[PATHLEN];

    if (v == NULL)
        return n == NULL ? 1 : -1;
    join(p, sizeof(p), path, key);
    if (strcmp(v, "TLS12") == 0) {
        *out = WEBCONFIG_TLS12;
        return 0;
    }
    if (strcmp(v, "TLS13") == 0) {
        *out = WEBCONFIG_TLS13;
        return 0;
    }
    if (strcmp(v, "TLS10") == 0 || strcmp(v, "TLS11") == 0)
        err(c, n, p, "%s is not supported (TLS 1.0 and 1.1 are obsolete); use TLS12 or TLS13", v);
    else
        err(c, n, p, "must be TLS12 or TLS13, got \"%.60s\"", v);
    return -1;
}

static void parse_tls(struct ctx *c, yaml_node_t *n, struct webconfig *cfg)
{
    static const char *const keys[] = {"cert_file",      "key_file",    "client_auth_type",
                                       "client_ca_file", "min_version", "max_version"};
    static const struct unsupported unsup[] = {
        {"cert", "inline certificates are not; use cert_file"},
        {"key", "inline keys are not; use key_file"},
        {"cipher_suites", "GnuTLS chooses the cipher suites; min_version and max_version work"},
        {"curve_preferences", "GnuTLS chooses the curves"},
        {"prefer_server_cipher_suites", "GnuTLS chooses the cipher suites"},
        {"client_allowed_sans", "any client certificate that client_ca_file verifies is accepted"},
    };
    const char *path = "tls_server_config";
    struct webconfig_tls *t = &cfg->tls;
    yaml_node_t *auth_at = NULL;
    int rc_cert, rc_key, rc_auth, rc_ca, rc_min, rc_max;

    if (check_keys(c, n, path, keys, NELEMS(keys), unsup, NELEMS(unsup)) != 0)
        return;
    /* An empty mapping configures nothing, like leaving it out. */
    if (n->data.mapping.pairs.top == n->data.mapping.pairs.start)
        return;
    rc_cert = get_path(c, n, path, "cert_file", 1, &t->cert_file, &t->cert_pos);
    rc_key = get_path(c, n, path, "key_file", 1, &t->key_file, &t->key_pos);
    rc_auth = parse_client_auth(c, n, path, &t->client_auth, &auth_at);
    rc_ca = get_path(c, n, path, "client_ca_file", 0, &t->client_ca_file, &t->client_ca_pos);
    rc_min = parse_version(c, n, path, "min_version", &t->min_version);
    rc_max = parse_version(c, n, path, "max_version", &t->max_version);
    if (rc_auth == 0 && rc_ca == 1 &&
        (t->client_auth == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ||
         t->client_auth == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT))
        err(c, auth_at, "tls_server_config.client_auth_type",
            "%s checks client certificates against client_ca_file, which is not set",
            webconfig_client_auth_str(t->client_auth));
    if (rc_ca == 0 && rc_auth != -1 && t->client_auth == WEBCONFIG_NO_CLIENT_CERT)
        err(c, get(c, n, "client_ca_file"), "tls_server_config.client_ca_file",
            "is set but client_auth_type is NoClientCert; set client_auth_type to "
            "RequireAndVerifyClientCert (or VerifyClientCertIfGiven) to check client "
            "certificates");
    if (rc_min >= 0 && rc_max >= 0 && t->max_version < t->min_version)
        err(c, get(c, n, "max_version"), "tls_server_config.max_version",
            "TLS%d is below min_version TLS%d", (int)t->max_version, (int)t->min_version);
    cfg->has_tls = rc_cert == 0 && rc_key == 0;
}

/*
 * exporter-toolkit's list: only these headers may be set, and two of them
 * only to these values (NULL: any value).
 */
static const struct {
    const char *name;
    const char *values[3];
} allowed_headers[] = {
    {"Strict-Transport-Security", {NULL}},
    {"X-Content-Type-Options", {"nosniff", NULL}},
    {"X-Frame-Options", {"deny", "sameorigin", NULL}},
    {"X-XSS-Protection", {NULL}},
    {"Content-Security-Policy", {NULL}},
};

/* Returns 0 when name: value may be sent, else reports at k or v and returns -1. */
static int header_ok(struct ctx *c, yaml_node_t *k, yaml_node_t *v, const char *path,
                     const char *name, const char *value)
{
    char vp[PATHLEN];
    size_t i;

    for (i = 0; i < NELEMS(allowed_headers); i++)
        if (strcmp(name, allowed_headers[i].name) == 0)
            break;
    if (i == NELEMS(allowed_headers)) {
        err(c, k, path,
            "header \"%.60s\" cannot be set (allowed: Strict-Transport-Security, "
            "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
            "Content-Security-Policy)",
            name);
        return -1;
    }
    join(vp, sizeof(vp), path, name);
    if (strlen(value) > MAX_HEADER_VALUE) {
        err(c, v, vp, "is longer than %d bytes", MAX_HEADER_VALUE);
        return -1;
    }
    /* CR or LF would let a value smuggle in more headers. */
    for (const char *s = value; *s; s++) {
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f) {
            err(c, v, vp, "header values cannot contain control characters");
            return -1;
        }
    }
    if (allowed_headers[i].values[0] == NULL)
        return 0;
    for (size_t j = 0; allowed_headers[i].values[j] != NULL; j++)
        if (strcmp(value, allowed_headers[i].values[j]) == 0)
            return 0;
    if (allowed_headers[i].values[1] == NULL)
        err(c, v, vp, "must be \"%s\", got \"%.60s\"", allowed_headers[i].values[0], value);
    else
        err(c, v, vp, "must be \"%s\" or \"%s\", got \"%.60s\"", allowed_headers[i].values[0],
            allowed_headers[i].values[1], value);
    return -1;
}

static void parse_headers(struct ctx *c, yaml_node_t *n, struct webconfig *cfg)
{
    const char *path = "http_server_config.headers";

    if (want_map(c, n, path) != 0)
        return;
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(c, q->key);
        yaml_node_t *v = node(c, q->value);
        const char *name = want_scalar(c, k, path, "a header name", 0);
        const char *value;
        char vp[PATHLEN];

        if (name == NULL)
            continue;
        if (labels_get(&cfg->headers, name) != NULL) {
            err(c, k, path, "duplicate header \"%.60s\"", name);
            continue;
        }
        join(vp, sizeof(vp), path, name);
        value = want_scalar(c, v, vp, "a string", 0);
        if (value == NULL || header_ok(c, k, v, path, name, value) != 0)
            continue;
        if (labels_set(&cfg->headers, name, value) != 0)
            c->oom = 1;
    }
}

static void parse_http(struct ctx *c, yaml_node_t *n, struct webconfig *cfg)
{
    static const char *const keys[] = {"headers", "http2"};
    yaml_node_t *v;

    if (check_keys(c, n, "http_server_config", keys, NELEMS(keys), NULL, 0) != 0)
        return;
    v = get_opt(c, n, "headers");
    if (v != NULL)
        parse_headers(c, v, cfg);
    v = get_opt(c, n, "http2");
    if (v != NULL && tag_ok(c, v, "http_server_config.http2")) {
        const char *s = v->type == YAML_SCALAR_NODE ? sval(v) : "";

        if (v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0))
            return;
        if (v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0))
            err(c, v, "http_server_config.http2",
                "HTTP/2 is not supported: libmicrohttpd serves HTTP/1.1 (set false or leave "
                "it out)");
        else
            err(c, v, "http_server_config.http2", "expected true or false");
    }
}

static int bcrypt_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '/';
}

/*
 * Checks that h (the hash of a user at node v) is a bcrypt hash libcrypt can
 * check, with a cost within the limits. Returns 0, or -1 (reported, without
 * the hash).
 */
static int hash_ok(struct ctx *c, yaml_node_t *v, const char *path, const char *h)
{
    size_t len = strlen(h);
    int cost;

    if (len < 4 || h[0] != '$' || h[1] != '2' || strchr("aby", h[2]) == NULL || h[3] != '$') {
        err(c, v, path,
            "not a bcrypt hash: only bcrypt ($2a$, $2b$ or $2y$) is supported, as in "
            "exporter-toolkit; make one with `htpasswd -nBC 10 USER`");
        return -1;
    }
    if (len != BCRYPT_LEN || h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$') {
        err(c, v, path,
            "not a well-formed bcrypt hash: expected $2?$, a two-digit cost, '$' and 53 "
            "characters (%d in all), got %zu characters",
            BCRYPT_LEN, len);
        return -1;
    }
    for (size_t i = 7; i < len; i++) {
        if (!bcrypt_char(h[i])) {
            err(c, v, path,
                "not a well-formed bcrypt hash: character %zu is not one of "
                "./A-Za-z0-9",
                i + 1);
            return -1;
        }
    }
    cost = (h[4] - '0') * 10 + (h[5] - '0');
    if (cost < WEBCONFIG_BCRYPT_MIN_COST) {
        err(c, v, path, "bcrypt cost %d is below bcrypt's minimum of %d", cost,
            WEBCONFIG_BCRYPT_MIN_COST);
        return -1;
    }
    if (cost > WEBCONFIG_BCRYPT_MAX_COST) {
        err(c, v, path,
            "bcrypt cost %d is above the limit of %d (each check would take seconds of CPU); "
            "hash the password again with a lower cost",
            cost, WEBCONFIG_BCRYPT_MAX_COST);
        return -1;
    }
    if (crypt_checksalt(h) != CRYPT_SALT_OK) {
        err(c, v, path, "this libcrypt cannot check this bcrypt hash");
        return -1;
    }
    return 0;
}

/* 0 when s is a usable basic-auth user name, else reports at k and returns -1. */
static int user_name_ok(struct ctx *c, yaml_node_t *k, const char *path, const char *s)
{
    if (*s == '\0') {
        err(c, k, path, "a user name must not be empty");
        return -1;
    }
    if (strlen(s) > MAX_USER_LEN) {
        err(c, k, path, "a user name must not be longer than %d bytes", MAX_USER_LEN);
        return -1;
    }
    /* RFC 7617: the user-id cannot contain a colon. */
    if (strchr(s, ':') != NULL) {
        err(c, k, path, "user name \"%.60s\" contains ':', which basic auth cannot carry", s);
        return -1;
    }
    for (const char *q = s; *q; q++) {
        if ((unsigned char)*q < 0x20 || *q == 0x7f) {
            err(c, k, path, "a user name must not contain control characters");
            return -1;
        }
    }
    return 0;
}

/* A user being read, with where its name stands (for duplicate messages). */
struct user_at {
    struct webconfig_user u;
    const yaml_node_t *k;
};

static int cmp_user_at(const void *a, const void *b)
{
    const struct user_at *x = a, *y = b;
    int r = strcmp(x->u.name, y->u.name);

    if (r != 0)
        return r;
    /* Equal names: the one earlier in the file first. */
    return (x->k->start_mark.index > y->k->start_mark.index) -
           (x->k->start_mark.index < y->k->start_mark.index);
}

static void parse_users(struct ctx *c, yaml_node_t *n, struct webconfig *cfg)
{
    const char *path = "basic_auth_users";
    struct user_at *v;
    size_t cnt, nv = 0, nu = 0;

    if (want_map(c, n, path) != 0)
        return;
    cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (cnt > WEBCONFIG_MAX_USERS) {
        err(c, n, path, "has %zu users; at most %d are allowed", cnt, WEBCONFIG_MAX_USERS);
        return;
    }
    if (cnt == 0)
        return;
    v = calloc(cnt, sizeof(*v));
    if (v == NULL) {
        c->oom = 1;
        return;
    }
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(c, q->key);
        yaml_node_t *h = node(c, q->value);
        const char *name = want_scalar(c, k, path, "a user name", 0);
        const char *hash;
        char p[PATHLEN];

        if (name == NULL || user_name_ok(c, k, path, name) != 0)
            continue;
        join(p, sizeof(p), path, name);
        hash = want_scalar(c, h, p, "a bcrypt hash", 1);
        if (hash == NULL || hash_ok(c, h, p, hash) != 0)
            continue;
        v[nv].u.name = util_strdup(name);
        v[nv].u.hash = util_strdup(hash);
        v[nv].k = k;
        if (v[nv].u.name == NULL || v[nv].u.hash == NULL) {
            free(v[nv].u.name);
            free(v[nv].u.hash);
            c->oom = 1;
            break;
        }
        nv++;
    }
    qsort(v, nv, sizeof(*v), cmp_user_at);
    cfg->users = calloc(nv > 0 ? nv : 1, sizeof(*cfg->users));
    if (cfg->users == NULL)
        c->oom = 1;
    /* Sorted, so a duplicate follows the first of its name; report it there. */
    for (size_t i = 1, first = 0; i < nv; i++) {
        if (strcmp(v[i].u.name, v[first].u.name) != 0) {
            first = i;
            continue;
        }
        err(c, v[i].k, path, "duplicate user \"%.60s\" (first at line %zu)", v[i].u.name,
            (size_t)v[first].k->start_mark.line + 1);
        v[i].k = NULL;
    }
    for (size_t i = 0; i < nv; i++) {
        if (v[i].k != NULL && cfg->users != NULL) {
            cfg->users[nu++] = v[i].u;
            continue;
        }
        free(v[i].u.name);
        free(v[i].u.hash);
    }
    cfg->nusers = nu;
    free(v);
}

static void parse_root(struct ctx *c, yaml_node_t *root, struct webconfig *cfg)
{
    static const char *const keys[] = {"tls_server_config", "http_server_config",
                                       "basic_auth_users"};
    yaml_node_t *v;

    if (check_keys(c, root, "", keys, NELEMS(keys), NULL, 0) != 0)
        return;
    v = get_opt(c, root, "tls_server_config");
    if (v != NULL)
        parse_tls(c, v, cfg);
    v = get_opt(c, root, "http_server_config");
    if (v != NULL)
        parse_http(c, v, cfg);
    v = get_opt(c, root, "basic_auth_users");
    if (v != NULL)
        parse_users(c, v, cfg);
}

/* Where a byte offset lies (1-based line and column). */
static void offset_to_mark(const char *data, size_t len, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (data[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)data[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

/* Records libyaml's error from a failed load. */
static void yaml_error(struct ctx *c, const yaml_parser_t *parser, const char *data, size_t len)
{
    char msg[512];
    size_t line, col;

    if (parser->error == YAML_MEMORY_ERROR) {
        c->oom = 1;
        return;
    }
    if (parser->error == YAML_READER_ERROR) {
        offset_to_mark(data, len, parser->problem_offset, &line, &col);
        snprintf(msg, sizeof(msg), "yaml: %s",
                 parser->problem ? parser->problem : "cannot read the input");
        add(c, line, col, msg);
        return;
    }
    if (parser->context != NULL)
        snprintf(msg, sizeof(msg), "yaml: %s %s",
                 parser->problem ? parser->problem : "syntax error", parser->context);
    else
        snprintf(msg, sizeof(msg), "yaml: %s", parser->problem ? parser->problem : "syntax error");
    if (parser->problem_mark.index < len && data[parser->problem_mark.index] == '\t') {
        size_t l = strlen(msg);

        snprintf(msg + l, sizeof(msg) - l, " (a tab: YAML indents with spaces only)");
    }
    add(c, parser->problem_mark.line + 1, parser->problem_mark.column + 1, msg);
}

/*
 * Bounds tokens, nesting, anchors and aliases before libyaml loads the
 * document (its loader is quadratic in some of them). Returns 0 within the
 * limits or when the scanner fails (the load reports that), else -1
 * (reported).
 */
static int check_tokens(struct ctx *c, const char *data, size_t len)
{
    yaml_parser_t parser;
    yaml_token_t tok;
    size_t tokens = 0, depth = 0, anchors = 0, aliases = 0;
    int rc = 0;

    if (!yaml_parser_initialize(&parser)) {
        c->oom = 1;
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    for (;;) {
        const char *what = NULL;
        int end;

        if (!yaml_parser_scan(&parser, &tok)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                c->oom = 1;
                rc = -1;
            }
            break;
        }
        if (++tokens > MAX_TOKENS)
            what = "yaml: too many tokens";
        switch (tok.type) {
        case YAML_BLOCK_SEQUENCE_START_TOKEN:
        case YAML_BLOCK_MAPPING_START_TOKEN:
        case YAML_FLOW_SEQUENCE_START_TOKEN:
        case YAML_FLOW_MAPPING_START_TOKEN:
            if (++depth > MAX_DEPTH)
                what = "yaml: collections nested too deep";
            break;
        case YAML_BLOCK_END_TOKEN:
        case YAML_FLOW_SEQUENCE_END_TOKEN:
        case YAML_FLOW_MAPPING_END_TOKEN:
            if (depth > 0)
                depth--;
            break;
        case YAML_ANCHOR_TOKEN:
            if (++anchors > MAX_ANCHORS)
                what = "yaml: too many anchors (&name)";
            break;
        case YAML_ALIAS_TOKEN:
            if (++aliases > MAX_ALIASES)
                what = "yaml: too many aliases (*name)";
            break;
        default:
            break;
        }
        if (what != NULL) {
            add(c, tok.start_mark.line + 1, tok.start_mark.column + 1, what);
            rc = -1;
        }
        end = tok.type == YAML_STREAM_END_TOKEN;
        yaml_token_delete(&tok);
        if (end || rc != 0)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

static int cmp_pending(const void *a, const void *b)
{
    const struct pending *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Appends msg (owned) to errs; frees it when errs is NULL or on ENOMEM. */
static void errs_push(struct config_errors *errs, char *msg)
{
    char **v;

    if (errs == NULL || msg == NULL) {
        free(msg);
        return;
    }
    v = realloc(errs->msg, (errs->n + 1) * sizeof(char *));
    if (v == NULL) {
        free(msg);
        return;
    }
    errs->msg = v;
    errs->msg[errs->n++] = msg;
}

/* Hands the messages to errs in file order, and frees them in c. */
static void move_errors(struct ctx *c, struct config_errors *errs)
{
    if (c->nerrs > 1)
        qsort(c->errs, c->nerrs, sizeof(*c->errs), cmp_pending);
    for (size_t i = 0; i < c->nerrs; i++)
        errs_push(errs, c->errs[i].msg);
    if (c->dropped > 0)
        errs_push(errs, util_asprintf("%s: %zu more errors not shown (only the first %d are)",
                                      c->file, c->dropped, MAX_ERRORS));
    free(c->errs);
    c->errs = NULL;
    c->nerrs = 0;
}

/* "dir/" of name ("" when name has no slash); NULL when out of memory. */
static char *dir_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    char *d;

    if (slash == NULL)
        return util_strdup("");
    d = malloc((size_t)(slash - name) + 2);
    if (d == NULL)
        return NULL;
    memcpy(d, name, (size_t)(slash - name) + 1);
    d[slash - name + 1] = '\0';
    return d;
}

int webconfig_parse(const char *name, const char *data, size_t len, struct webconfig **out,
                    struct config_errors *errs)
{
    struct ctx c;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    struct webconfig *cfg = NULL;
    int have_parser = 0, have_doc = 0;
    yaml_node_t *root;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.file = name;
    if (data == NULL) {
        data = "";
        len = 0;
    }
    cfg = calloc(1, sizeof(*cfg));
    c.dir = dir_of(name);
    if (cfg == NULL || c.dir == NULL || (cfg->path = util_strdup(name)) == NULL) {
        c.oom = 1;
        goto done;
    }
    labels_init(&cfg->headers);
    cfg->tls.min_version = WEBCONFIG_TLS12;
    cfg->tls.max_version = WEBCONFIG_TLS13;
    if (len > WEBCONFIG_MAX_BYTES) {
        err(&c, NULL, NULL, "file is larger than the limit of %u bytes", WEBCONFIG_MAX_BYTES);
        goto done;
    }
    if (check_tokens(&c, data, len) != 0)
        goto done;
    if (!yaml_parser_initialize(&parser)) {
        c.oom = 1;
        goto done;
    }
    have_parser = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_error(&c, &parser, data, len);
        goto done;
    }
    have_doc = 1;
    c.doc = &doc;
    root = yaml_document_get_root_node(&doc);
    /* An empty file configures nothing, as with exporter-toolkit. */
    if (root == NULL || is_null(root))
        goto done;
    for (;;) {
        yaml_node_t *r2;
        int end, content;

        if (!yaml_parser_load(&parser, &extra)) {
            yaml_error(&c, &parser, data, len);
            break;
        }
        r2 = yaml_document_get_root_node(&extra);
        end = r2 == NULL;
        content = r2 != NULL && !is_null(r2);
        if (content)
            err(&c, r2, NULL, "more than one YAML document; put everything in one");
        yaml_document_delete(&extra);
        if (end || content)
            break;
    }
    parse_root(&c, root, cfg);
done:
    if (c.oom)
        add(&c, 0, 0, "out of memory while loading the web config");
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    free(c.dir);
    if (c.nerrs > 0 || c.oom) {
        move_errors(&c, errs);
        if (c.oom && c.nerrs == 0)
            errs_push(errs, util_asprintf("%s: out of memory", name));
        webconfig_free(cfg);
        return -1;
    }
    free(c.errs);
    *out = cfg;
    return 0;
}

int webconfig_load(const char *path, struct webconfig **out, struct config_errors *errs)
{
    FILE *f;
    struct buf b;
    char chunk[16384];
    size_t n;
    int rc = 0, saved = 0;

    *out = NULL;
    f = fopen(path, "rb");
    if (f == NULL) {
        errs_push(errs, util_asprintf("%s: cannot read: %s", path, strerror(errno)));
        return -1;
    }
    buf_init(&b, WEBCONFIG_MAX_BYTES);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(&b, chunk, n) != 0) {
            rc = b.len + n > WEBCONFIG_MAX_BYTES ? -1 : -3;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        saved = errno;
        rc = -2;
    }
    fclose(f);
    if (rc == -1)
        errs_push(errs, util_asprintf("%s: file is larger than the limit of %u bytes", path,
                                      WEBCONFIG_MAX_BYTES));
    else if (rc == -2)
        errs_push(errs, util_asprintf("%s: cannot read: %s", path,
                                      saved ? strerror(saved) : "read error"));
    else if (rc == -3)
        errs_push(errs, util_asprintf("%s: out of memory while reading the file", path));
    if (rc == 0)
        rc = webconfig_parse(path, b.data ? b.data : "", b.len, out, errs);
    else
        rc = -1;
    buf_free(&b);
    return rc;
}

void webconfig_free(struct webconfig *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->path);
    free(cfg->tls.cert_file);
    free(cfg->tls.key_file);
    free(cfg->tls.client_ca_file);
    for (size_t i = 0; i < cfg->nusers; i++) {
        free(cfg->users[i].name);
        free(cfg->users[i].hash);
    }
    free(cfg->users);
    labels_free(&cfg->headers);
    free(cfg);
}

static int cmp_user_key(const void *key, const void *elem)
{
    const struct webconfig_user *u = elem;

    return strcmp(key, u->name);
}

const char *webconfig_user_hash(const struct webconfig *cfg, const char *user)
{
    const struct webconfig_user *u;

    if (cfg == NULL || cfg->nusers == 0 || user == NULL)
        return NULL;
    u = bsearch(user, cfg->users, cfg->nusers, sizeof(*cfg->users), cmp_user_key);
    return u != NULL ? u->hash : NULL;
}

/* 1 when the n bytes at a and b are equal; the time taken does not depend on where they differ. */
static int ct_equal(const char *a, const char *b, size_t n)
{
    volatile unsigned char d = 0;

    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

int webconfig_check_user(const struct webconfig *cfg, const char *user, const char *password)
{
    const char *hash = webconfig_user_hash(cfg, user);
    int known = hash != NULL;
    struct crypt_data *data;
    const char *got;
    int ok;

    /*
     * An unknown user costs a bcrypt at the first user's cost (users made
     * together share one), so timing does not tell which users exist; the
     * result is thrown away.
     */
    if (!known)
        hash = cfg != NULL && cfg->nusers > 0 ? cfg->users[0].hash : dummy_hash;
    /* struct crypt_data is 32 KiB: too big for an HTTP thread's stack. */
    data = calloc(1, sizeof(*data));
    if (data == NULL)
        return 0;
    got = crypt_rn(password != NULL ? password : "", hash, data, (int)sizeof(*data));
    /*
     * Like Go's bcrypt, compare the checksum (the last 31 characters): the
     * salt in crypt's answer is written back in canonical form, which a
     * hash made elsewhere need not use.
     */
    ok = got != NULL && strlen(got) == BCRYPT_LEN && strlen(hash) == BCRYPT_LEN &&
         ct_equal(got + BCRYPT_LEN - BCRYPT_CHECKSUM_LEN, hash + BCRYPT_LEN - BCRYPT_CHECKSUM_LEN,
                  BCRYPT_CHECKSUM_LEN);
    explicit_bzero(data, sizeof(*data));
    free(data);
    return ok && known;
}
