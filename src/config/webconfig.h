/*
 * webconfig: the web config file (--web.config.file) for the sidecar's own
 * endpoints, in the format of the Prometheus exporter-toolkit: TLS
 * (tls_server_config), basic auth users with bcrypt hashes
 * (basic_auth_users) and extra response headers (http_server_config).
 * Parsing and validation only, plus the bcrypt check of one user's
 * password; reading the certificates is httptls's job. Errors are
 * "FILE:LINE:COL: FIELD: message" like the config loader's, and never
 * contain a password hash.
 * Depends on util, config (for struct config_errors), yamlread, libyaml,
 * libcrypt.
 */
#ifndef SLO_WEBCONFIG_H
#define SLO_WEBCONFIG_H

#include <stddef.h>

#include "config.h"
#include "util.h"

/* Upper bound on the web config file's size. */
#define WEBCONFIG_MAX_BYTES (1024u * 1024u)
/* At most this many basic_auth_users. */
#define WEBCONFIG_MAX_USERS 10000
/*
 * bcrypt costs accepted in basic_auth_users. 4 is bcrypt's minimum; above
 * 14 one check takes more than a second, and an uncached check holds one of
 * the four HTTP threads that long.
 */
#define WEBCONFIG_BCRYPT_MIN_COST 4
#define WEBCONFIG_BCRYPT_MAX_COST 14

/* tls_server_config.client_auth_type, as Go's crypto/tls names them. */
enum webconfig_client_auth {
    WEBCONFIG_NO_CLIENT_CERT,                /* NoClientCert (default) */
    WEBCONFIG_REQUEST_CLIENT_CERT,           /* asked for, not needed, not checked */
    WEBCONFIG_REQUIRE_ANY_CLIENT_CERT,       /* needed, not checked */
    WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN,   /* not needed; checked when sent */
    WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT /* needed and checked */
};

enum webconfig_tls_version {
    WEBCONFIG_TLS12 = 12,
    WEBCONFIG_TLS13 = 13
};

/* Where a field's value starts in the file (1-based), for messages. */
struct webconfig_pos {
    size_t line;
    size_t col;
};

struct webconfig_tls {
    /* Paths as resolved: relative ones are taken from the web config's directory. */
    char *cert_file;
    char *key_file;
    char *client_ca_file; /* NULL when not set */
    struct webconfig_pos cert_pos;
    struct webconfig_pos key_pos;
    struct webconfig_pos client_ca_pos;
    enum webconfig_client_auth client_auth;
    enum webconfig_tls_version min_version; /* default TLS12 */
    enum webconfig_tls_version max_version; /* default TLS13 */
};

struct webconfig_user {
    char *name;
    char *hash; /* a bcrypt hash: never log it */
};

struct webconfig {
    char *path;
    int has_tls; /* tls_server_config has cert_file and key_file */
    struct webconfig_tls tls;
    size_t nusers;
    struct webconfig_user *users; /* sorted by name */
    struct labels headers;        /* http_server_config.headers */
};

/*
 * Reads (at most WEBCONFIG_MAX_BYTES) and validates the web config at path.
 * On success returns 0 and *out (caller frees with webconfig_free). On error
 * returns -1, *out is NULL, and every message is appended to errs (may be
 * NULL): "path:LINE:COL: FIELD: message", or "path: message" for file-level
 * problems. An empty file is valid and configures nothing.
 */
int webconfig_load(const char *path, struct webconfig **out, struct config_errors *errs);

/* Like webconfig_load on data (len bytes) read from a file called name. */
int webconfig_parse(const char *name, const char *data, size_t len, struct webconfig **out,
                    struct config_errors *errs);

/* Frees cfg; accepts NULL. */
void webconfig_free(struct webconfig *cfg);

/* The bcrypt hash of user, or NULL when cfg has no such user. Owned by cfg. */
const char *webconfig_user_hash(const struct webconfig *cfg, const char *user);

/*
 * Returns 1 when user is one of cfg's basic_auth_users and password matches
 * its bcrypt hash, else 0 (also when out of memory). An unknown user costs
 * one bcrypt all the same (at the first user's cost), so timing does not
 * tell which users exist. The result is compared in constant time. Slow by
 * design (see the cost limits): callers cache successes. Thread-safe.
 */
int webconfig_check_user(const struct webconfig *cfg, const char *user, const char *password);

/* "NoClientCert", ... for logs. */
const char *webconfig_client_auth_str(enum webconfig_client_auth a);

#endif
