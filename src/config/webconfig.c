/*
 * webconfig: the exporter-toolkit web config file. See webconfig.h.
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
 * before it is copied; yamlread bounds the input itself (tokens, aliases,
 * their expansion) with the limits below.
 *
 * A password hash never appears in a message: a bad one is described by its
 * shape only.
 */
#include "webconfig.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamlread.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Field paths are short ("tls_server_config.client_ca_file"); cut if not. */
#define PATHLEN 160
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

/*
 * A file of 10000 users has some 50000 tokens. The walk reads no deeper
 * than level 4 (http_server_config.headers.NAME, the root being 1).
 */
static const struct yr_limits limits = {
    .max_bytes = WEBCONFIG_MAX_BYTES,
    .max_tokens = 200000,
    .max_depth = 16,
    .max_anchors = 100,
    .max_aliases = 1000,
    .max_directives = 64,
    .walk_depth = 4,
    .max_nodes = 1000000,
    .max_text = 2 * (size_t)WEBCONFIG_MAX_BYTES,
    .max_docs = 1,
    .max_msgs = 100,
};

struct ctx {
    struct yr y;
    char *dir; /* the file's directory with a trailing '/', "" for none */
};

/*
 * A non-empty string field: returns its text (owned by the document), or
 * NULL when absent (reported when required) or bad (reported). *at gets
 * the value's node.
 */
static const char *get_str(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                           int required, yaml_node_t **at)
{
    yaml_node_t *n = yr_get_opt(&c->y, m, key);
    char p[PATHLEN];
    const char *v;

    *at = n;
    if (n == NULL) {
        if (required)
            yr_err(&c->y, m, path, "missing required field \"%s\"", key);
        return NULL;
    }
    yr_join(p, sizeof(p), path, key);
    v = yr_want_scalar(&c->y, n, p, "a string", 0);
    if (v != NULL && *v == '\0') {
        yr_err(&c->y, n, p, "must not be empty");
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
        c->y.oom = 1;
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
    yr_join(p, sizeof(p), path, "client_auth_type");
    yr_err(&c->y, *at, p,
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
    yr_join(p, sizeof(p), path, key);
    if (strcmp(v, "TLS12") == 0) {
        *out = WEBCONFIG_TLS12;
        return 0;
    }
    if (strcmp(v, "TLS13") == 0) {
        *out = WEBCONFIG_TLS13;
        return 0;
    }
    if (strcmp(v, "TLS10") == 0 || strcmp(v, "TLS11") == 0)
        yr_err(&c->y, n, p,
               "%s is not supported (TLS 1.0 and 1.1 are obsolete); use TLS12 or TLS13", v);
    else
        yr_err(&c->y, n, p, "must be TLS12 or TLS13, got \"%.60s\"", v);
    return -1;
}

static void parse_tls(struct ctx *c, yaml_node_t *n, struct webconfig *cfg)
{
    static const char *const keys[] = {"cert_file",      "key_file",    "client_auth_type",
                                       "client_ca_file", "min_version", "max_version"};
    static const struct yr_refused unsup[] = {
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

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), unsup, NELEMS(unsup)) != 0)
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
        yr_err(&c->y, auth_at, "tls_server_config.client_auth_type",
               "%s checks client certificates against client_ca_file, which is not set",
               webconfig_client_auth_str(t->client_auth));
    if (rc_ca == 0 && rc_auth != -1 && t->client_auth == WEBCONFIG_NO_CLIENT_CERT)
        yr_err(&c->y, yr_get(&c->y, n, "client_ca_file"), "tls_server_config.client_ca_file",
               "is set but client_auth_type is NoClientCert; set client_auth_type to "
               "RequireAndVerifyClientCert (or VerifyClientCertIfGiven) to check client "
               "certificates");
    if (rc_min >= 0 && rc_max >= 0 && t->max_version < t->min_version)
        yr_err(&c->y, yr_get(&c->y, n, "max_version"), "tls_server_config.max_version",
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
        yr_err(&c->y, k, path,
               "header \"%.60s\" cannot be set (allowed: Strict-Transport-Security, "
               "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
               "Content-Security-Policy)",
               name);
        return -1;
    }
    yr_join(vp, sizeof(vp), path, name);
    if (strlen(value) > MAX_HEADER_VALUE) {
        yr_err(&c->y, v, vp, "is longer than %d bytes", MAX_HEADER_VALUE);
        return -1;
    }
    /* CR or LF would let a value smuggle in more headers. */
    for (const char *s = value; *s; s++) {
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f) {
            yr_err(&c->y, v, vp, "header values cannot contain control characters");
            return -1;
        }
    }
    if (allowed_headers[i].values[0] == NULL)
        return 0;
    for (size_t j = 0; allowed_headers[i].values[j] != NULL; j++)
        if (strcmp(value, allowed_headers[i].values[j]) == 0)
            return 0;
    if (allowed_headers[i].values[1] == NULL)
        yr_err(&c->y, v, vp, "must be \"%s\", got \"%.60s\"", allowed_headers[i].values[0], value);
    else
        yr_err(&c->y, v, vp, "must be \"%s\" or \"%s\", got \"%.60s\"",
               allowed_headers[i].values[0], allowed_headers[i].values[1], value);
    return -1;
}

static void parse_headers(struct ctx *c, yaml_node_t *n, struct webconfig *cfg)
{
    const char *path = "http_server_config.headers";

    if (yr_want_map(&c->y, n, path) != 0)
        return;
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
        yaml_node_t *k = yr_node(&c->y, q->key);
        yaml_node_t *v = yr_node(&c->y, q->value);
        const char *name = yr_want_scalar(&c->y, k, path, "a header name", 0);
        const char *value;
        char vp[PATHLEN];

        if (name == NULL)
            continue;
        if (labels_get(&cfg->headers, name) != NULL) {
            yr_err(&c->y, k, path, "duplicate header \"%.60s\"", name);
            continue;
        }
        yr_join(vp, sizeof(vp), path, name);
        value = yr_want_scalar(&c->y, v, vp, "a string", 0);
        if (value == NULL || header_ok(c, k, v, path, name, value) != 0)
            continue;
        if (labels_set(&cfg->headers, name, value) != 0)
            c->y.oom = 1;
    }
}

static void parse_http(struct ctx *c, yaml_node_t *n, struct webconfig *cfg)
{
    static const char *const keys[] = {"headers", "http2"};
    yaml_node_t *v;

    if (yr_check_keys(&c->y, n, "http_server_config", keys, NELEMS(keys), NULL, 0) != 0)
        return;
    v = yr_get_opt(&c->y, n, "headers");
    if (v != NULL)
        parse_headers(c, v, cfg);
    v = yr_get_opt(&c->y, n, "http2");
    if (v != NULL && yr_tag_ok(&c->y, v, "http_server_config.http2")) {
        const char *s = v->type == YAML_SCALAR_NODE ? yr_text(v) : "";

        if (v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0))
            return;
        if (v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0))
            yr_err(&c->y, v, "http_server_config.http2",
                   "HTTP/2 is not supported: libmicrohttpd serves HTTP/1.1 (set false or leave "
                   "it out)");
        else
            yr_err(&c->y, v, "http_server_config.http2", "expected true or false");
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
        yr_err(&c->y, v, path,
               "not a bcrypt hash: only bcrypt ($2a$, $2b$ or $2y$) is supported, as in "
               "exporter-toolkit; make one with `htpasswd -nBC 10 USER`");
        return -1;
    }
    if (len != BCRYPT_LEN || h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$') {
        yr_err(&c->y, v, path,
               "not a well-formed bcrypt hash: expected $2?$, a two-digit cost, '$' and 53 "
               "characters (%d in all), got %zu characters",
               BCRYPT_LEN, len);
        return -1;
    }
    for (size_t i = 7; i < len; i++) {
        if (!bcrypt_char(h[i])) {
            yr_err(&c->y, v, path,
                   "not a well-formed bcrypt hash: character %zu is not one of "
                   "./A-Za-z0-9",
                   i + 1);
            return -1;
        }
    }
    cost = (h[4] - '0') * 10 + (h[5] - '0');
    if (cost < WEBCONFIG_BCRYPT_MIN_COST) {
        yr_err(&c->y, v, path, "bcrypt cost %d is below bcrypt's minimum of %d", cost,
               WEBCONFIG_BCRYPT_MIN_COST);
        return -1;
    }
    if (cost > WEBCONFIG_BCRYPT_MAX_COST) {
        yr_err(&c->y, v, path,
               "bcrypt cost %d is above the limit of %d (each check would take seconds of CPU); "
               "hash the password again with a lower cost",
               cost, WEBCONFIG_BCRYPT_MAX_COST);
        return -1;
    }
    if (crypt_checksalt(h) != CRYPT_SALT_OK) {
        yr_err(&c->y, v, path, "this libcrypt cannot check this bcrypt hash");
        return -1;
    }
    return 0;
}

/* 0 when s is a usable basic-auth user name, else reports at k and returns -1. */
static int user_name_ok(struct ctx *c, yaml_node_t *k, const char *path, const char *s)
{
    if (*s == '\0') {
        yr_err(&c->y, k, path, "a user name must not be empty");
        return -1;
    }
    if (strlen(s) > MAX_USER_LEN) {
        yr_err(&c->y, k, path, "a user name must not be longer than %d bytes", MAX_USER_LEN);
        return -1;
    }
    /* RFC 7617: the user-id cannot contain a colon. */
    if (strchr(s, ':') != NULL) {
        yr_err(&c->y, k, path, "user name \"%.60s\" contains ':', which basic auth cannot carry",
               s);
        return -1;
    }
    for (const char *q = s; *q; q++) {
        if ((unsigned char)*q < 0x20 || *q == 0x7f) {
            yr_err(&c->y, k, path, "a user name must not contain control characters");
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

    if (yr_want_map(&c->y, n, path) != 0)
        return;
    cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (cnt > WEBCONFIG_MAX_USERS) {
        yr_err(&c->y, n, path, "has %zu users; at most %d are allowed", cnt, WEBCONFIG_MAX_USERS);
        return;
    }
    if (cnt == 0)
        return;
    v = calloc(cnt, sizeof(*v));
    if (v == NULL) {
        c->y.oom = 1;
        return;
    }
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
        yaml_node_t *k = yr_node(&c->y, q->key);
        yaml_node_t *h = yr_node(&c->y, q->value);
        const char *name = yr_want_scalar(&c->y, k, path, "a user name", 0);
        const char *hash;
        char p[PATHLEN];

        if (name == NULL || user_name_ok(c, k, path, name) != 0)
            continue;
        yr_join(p, sizeof(p), path, name);
        hash = yr_want_scalar(&c->y, h, p, "a bcrypt hash", 1);
        if (hash == NULL || hash_ok(c, h, p, hash) != 0)
            continue;
        v[nv].u.name = util_strdup(name);
        v[nv].u.hash = util_strdup(hash);
        v[nv].k = k;
        if (v[nv].u.name == NULL || v[nv].u.hash == NULL) {
            free(v[nv].u.name);
            free(v[nv].u.hash);
            c->y.oom = 1;
            break;
        }
        nv++;
    }
    qsort(v, nv, sizeof(*v), cmp_user_at);
    cfg->users = calloc(nv > 0 ? nv : 1, sizeof(*cfg->users));
    if (cfg->users == NULL)
        c->y.oom = 1;
    /* Sorted, so a duplicate follows the first of its name; report it there. */
    for (size_t i = 1, first = 0; i < nv; i++) {
        if (strcmp(v[i].u.name, v[first].u.name) != 0) {
            first = i;
            continue;
        }
        yr_err(&c->y, v[i].k, path, "duplicate user \"%.60s\" (first at line %zu)", v[i].u.name,
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

    if (yr_check_keys(&c->y, root, "", keys, NELEMS(keys), NULL, 0) != 0)
        return;
    v = yr_get_opt(&c->y, root, "tls_server_config");
    if (v != NULL)
        parse_tls(c, v, cfg);
    v = yr_get_opt(&c->y, root, "http_server_config");
    if (v != NULL)
        parse_http(c, v, cfg);
    v = yr_get_opt(&c->y, root, "basic_auth_users");
    if (v != NULL)
        parse_users(c, v, cfg);
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
    yaml_document_t *docs = NULL;
    size_t ndocs = 0;
    struct webconfig *cfg = NULL;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    yr_init(&c.y, name, &limits);
    cfg = calloc(1, sizeof(*cfg));
    c.dir = dir_of(name);
    if (cfg == NULL || c.dir == NULL || (cfg->path = util_strdup(name)) == NULL) {
        c.y.oom = 1;
        goto done;
    }
    labels_init(&cfg->headers);
    cfg->tls.min_version = WEBCONFIG_TLS12;
    cfg->tls.max_version = WEBCONFIG_TLS13;
    if (yr_load(&c.y, data, len, &docs, &ndocs) != 0)
        goto done;
    /* An empty file configures nothing, as with exporter-toolkit. */
    if (ndocs == 0)
        goto done;
    c.y.doc = &docs[0];
    parse_root(&c, yaml_document_get_root_node(&docs[0]), cfg);
done:
    if (c.y.oom)
        yr_add(&c.y, 0, 0, 0, "out of memory while loading the web config");
    yr_docs_free(docs, ndocs);
    free(c.dir);
    if (c.y.nmsgs > 0 || c.y.oom) {
        config_errors_take(errs, &c.y);
        webconfig_free(cfg);
        return -1;
    }
    yr_free(&c.y);
    *out = cfg;
    return 0;
}

int webconfig_load(const char *path, struct webconfig **out, struct config_errors *errs)
{
    struct buf b;
    char *msg;
    int rc;

    *out = NULL;
    if (yr_read_file(path, WEBCONFIG_MAX_BYTES, &b, &msg) != 0) {
        config_errors_add(errs, msg ? msg : util_asprintf("%s: out of memory", path));
        return -1;
    }
    rc = webconfig_parse(path, b.data, b.len, out, errs);
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
