/*
 * httptls: GnuTLS credentials for the sidecar's endpoints. See httptls.h.
 *
 * libmicrohttpd is started with the first certificate, key, client CA and
 * priorities (it needs them to start in TLS mode), but every connection is
 * then pointed at the current httptls before its handshake: its own
 * certificate credentials (certificate, key and client CA as trust list),
 * priorities, and client certificate policy. That is what lets a reload
 * change them without a new listener, and what gives the client_auth_type
 * values their Go meaning: libmicrohttpd by itself only ever asks for a
 * client certificate (GNUTLS_CERT_REQUEST) and leaves checking it to the
 * application; here GnuTLS needs it (GNUTLS_CERT_REQUIRE) and verifies it
 * against client_ca_file, for the TLS client purpose, during the handshake,
 * so a missing or foreign certificate fails the handshake itself.
 */
#include "httptls.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct httptls {
    char *cert_pem;
    char *key_pem;
    size_t key_len;
    char *ca_pem; /* NULL without client_ca_file */
    char *priorities;
    enum webconfig_client_auth client_auth;
    gnutls_certificate_credentials_t cred;
    gnutls_priority_t prio;
};

/* Sets e to "FILE:LINE:COL: tls_server_config.FIELD: message". Returns -1. */
static int field_err(struct err *e, const struct webconfig *wc, const struct webconfig_pos *pos,
                     const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int field_err(struct err *e, const struct webconfig *wc, const struct webconfig_pos *pos,
                     const char *field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return util_err(e, "%s:%zu:%zu: tls_server_config.%s: %s", wc->path, pos->line, pos->col,
                    field, msg);
}

/*
 * Reads the file at path (at most HTTPTLS_MAX_PEM_BYTES) into *out, a
 * NUL-terminated copy the caller frees, its length in *len. Returns 0, or -1
 * with a message in msg.
 */
static int read_pem(const char *path, char **out, size_t *len, char *msg, size_t msglen)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[8192];
    size_t n;
    int rc = 0;

    *out = NULL;
    if (f == NULL) {
        snprintf(msg, msglen, "cannot read \"%s\": %s", path, strerror(errno));
        return -1;
    }
    buf_init(&b, HTTPTLS_MAX_PEM_BYTES);
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(&b, chunk, n) != 0) {
            snprintf(msg, msglen, "\"%s\" is larger than %u bytes or memory ran out", path,
                     HTTPTLS_MAX_PEM_BYTES);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(msg, msglen, "cannot read \"%s\": read error", path);
        rc = -1;
    }
    fclose(f);
    explicit_bzero(chunk, sizeof(chunk));
    if (rc == 0 && b.len == 0) {
        snprintf(msg, msglen, "\"%s\" is empty", path);
        rc = -1;
    }
    if (rc != 0) {
        if (b.data != NULL)
            explicit_bzero(b.data, b.len);
        buf_free(&b);
        return -1;
    }
    *len = b.len;
    *out = buf_steal(&b);
    return 0;
}

static gnutls_datum_t datum(char *s, size_t len)
{
    gnutls_datum_t d;

    d.data = (unsigned char *)s;
    d.size = (unsigned)len;
    return d;
}

/*
 * Checks that pem holds at least one PEM certificate; *n gets how many and
 * *not_after the first one's expiry. Returns 0 or a GnuTLS error (< 0).
 */
static int count_certs(char *pem, unsigned *n, time_t *not_after)
{
    gnutls_datum_t d = datum(pem, strlen(pem));
    gnutls_x509_crt_t *list = NULL;
    unsigned cnt = 0;
    int rc = gnutls_x509_crt_list_import2(&list, &cnt, &d, GNUTLS_X509_FMT_PEM, 0);

    if (rc < 0)
        return rc;
    if (cnt > 0 && not_after != NULL)
        *not_after = gnutls_x509_crt_get_expiration_time(list[0]);
    for (unsigned i = 0; i < cnt; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    *n = cnt;
    return cnt > 0 ? 0 : GNUTLS_E_NO_CERTIFICATE_FOUND;
}

/* Checks that the key is a PEM private key GnuTLS reads without a password. */
static int check_key(char *pem, size_t len)
{
    gnutls_x509_privkey_t k;
    gnutls_datum_t d = datum(pem, len);
    int rc = gnutls_x509_privkey_init(&k);

    if (rc < 0)
        return rc;
    rc = gnutls_x509_privkey_import2(k, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
    gnutls_x509_privkey_deinit(k);
    return rc;
}

static const char *priority_string(enum webconfig_tls_version min, enum webconfig_tls_version max)
{
    if (min == WEBCONFIG_TLS13)
        return "NORMAL:-VERS-TLS-ALL:+VERS-TLS1.3";
    if (max == WEBCONFIG_TLS12)
        return "NORMAL:-VERS-TLS-ALL:+VERS-TLS1.2";
    return "NORMAL:-VERS-TLS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";
}

struct httptls *httptls_new(const struct webconfig *wc, struct err *e)
{
    const struct webconfig_tls *c = &wc->tls;
    struct httptls *t;
    char msg[300];
    size_t cert_len, ca_len = 0;
    gnutls_datum_t cd, kd, ad;
    unsigned n;
    time_t not_after = 0;
    int rc;

    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    t->client_auth = c->client_auth;
    if (read_pem(c->cert_file, &t->cert_pem, &cert_len, msg, sizeof(msg)) != 0) {
        field_err(e, wc, &c->cert_pos, "cert_file", "%s", msg);
        goto fail;
    }
    if (read_pem(c->key_file, &t->key_pem, &t->key_len, msg, sizeof(msg)) != 0) {
        field_err(e, wc, &c->key_pos, "key_file", "%s", msg);
        goto fail;
    }
    if (c->client_ca_file != NULL &&
        read_pem(c->client_ca_file, &t->ca_pem, &ca_len, msg, sizeof(msg)) != 0) {
        field_err(e, wc, &c->client_ca_pos, "client_ca_file", "%s", msg);
        goto fail;
    }
    rc = count_certs(t->cert_pem, &n, &not_after);
    if (rc < 0) {
        field_err(e, wc, &c->cert_pos, "cert_file", "no PEM certificate in \"%s\": %s",
                  c->cert_file, gnutls_strerror(rc));
        goto fail;
    }
    rc = check_key(t->key_pem, t->key_len);
    if (rc < 0) {
        field_err(e, wc, &c->key_pos, "key_file",
                  "no usable PEM private key in \"%s\": %s (encrypted keys are not supported)",
                  c->key_file, gnutls_strerror(rc));
        goto fail;
    }
    if (t->ca_pem != NULL && (rc = count_certs(t->ca_pem, &n, NULL)) < 0) {
        field_err(e, wc, &c->client_ca_pos, "client_ca_file", "no PEM certificate in \"%s\": %s",
                  c->client_ca_file, gnutls_strerror(rc));
        goto fail;
    }
    rc = gnutls_certificate_allocate_credentials(&t->cred);
    if (rc < 0) {
        util_err(e, "%s: cannot set up TLS: %s", wc->path, gnutls_strerror(rc));
        goto fail;
    }
    cd = datum(t->cert_pem, cert_len);
    kd = datum(t->key_pem, t->key_len);
    rc = gnutls_certificate_set_x509_key_mem(t->cred, &cd, &kd, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        field_err(e, wc, &c->key_pos, "key_file",
                  "cannot use \"%s\" with the certificate in \"%s\": %s", c->key_file,
                  c->cert_file, gnutls_strerror(rc));
        goto fail;
    }
    if (t->ca_pem != NULL) {
        ad = datum(t->ca_pem, ca_len);
        rc = gnutls_certificate_set_x509_trust_mem(t->cred, &ad, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            field_err(e, wc, &c->client_ca_pos, "client_ca_file",
                      "no usable CA certificate in \"%s\": %s", c->client_ca_file,
                      rc < 0 ? gnutls_strerror(rc) : "none found");
            goto fail;
        }
    }
    t->priorities = util_strdup(priority_string(c->min_version, c->max_version));
    if (t->priorities == NULL) {
        util_err(e, "out of memory");
        goto fail;
    }
    rc = gnutls_priority_init(&t->prio, t->priorities, NULL);
    if (rc < 0) {
        util_err(e, "%s: this GnuTLS refuses the priorities \"%s\": %s", wc->path, t->priorities,
                 gnutls_strerror(rc));
        goto fail;
    }
    if (not_after > 0 && not_after < time(NULL)) {
        char ts[40];

        util_time_format((int64_t)not_after * 1000, ts, sizeof(ts));
        log_warn("the certificate in cert_file has expired; clients will refuse it", "file",
                 c->cert_file, "not_after", ts);
    }
    return t;
fail:
    httptls_free(t);
    return NULL;
}

void httptls_free(struct httptls *t)
{
    if (t == NULL)
        return;
    if (t->prio != NULL)
        gnutls_priority_deinit(t->prio);
    if (t->cred != NULL)
        gnutls_certificate_free_credentials(t->cred);
    if (t->key_pem != NULL)
        explicit_bzero(t->key_pem, t->key_len);
    free(t->key_pem);
    free(t->cert_pem);
    free(t->ca_pem);
    free(t->priorities);
    free(t);
}

const char *httptls_cert_pem(const struct httptls *t)
{
    return t->cert_pem;
}

const char *httptls_key_pem(const struct httptls *t)
{
    return t->key_pem;
}

const char *httptls_ca_pem(const struct httptls *t)
{
    return t->ca_pem;
}

const char *httptls_priorities(const struct httptls *t)
{
    return t->priorities;
}

/*
 * The handshake's check of a client certificate, against the session's
 * trust list (client_ca_file) and for the TLS client purpose. Returns 0 to
 * go on, non-zero to fail the handshake. Without a certificate: fails when
 * required (GnuTLS already does for GNUTLS_CERT_REQUIRE), passes otherwise.
 * Runs on the HTTP thread doing the handshake.
 */
static int verify_client(gnutls_session_t s, int required)
{
    gnutls_typed_vdata_st purpose;
    unsigned n = 0, status = 0;
    int rc;

    if (gnutls_certificate_get_peers(s, &n) == NULL || n == 0) {
        if (required)
            log_debug("TLS handshake refused", "reason", "no client certificate");
        return required ? -1 : 0;
    }
    memset(&purpose, 0, sizeof(purpose));
    purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
    purpose.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT;
    rc = gnutls_certificate_verify_peers(s, &purpose, 1, &status);
    if (rc < 0 || status != 0) {
        gnutls_datum_t why = {NULL, 0};

        if (rc >= 0 &&
            gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) >= 0)
            log_debug("TLS handshake refused", "reason", (const char *)why.data);
        else
            log_debug("TLS handshake refused", "reason", gnutls_strerror(rc));
        gnutls_free(why.data);
        return -1;
    }
    return 0;
}

static int verify_required(gnutls_session_t s)
{
    return verify_client(s, 1);
}

static int verify_if_given(gnutls_session_t s)
{
    return verify_client(s, 0);
}

int httptls_setup_session(const struct httptls *t, void *session)
{
    gnutls_session_t s = session;

    if (gnutls_priority_set(s, t->prio) < 0 ||
        gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, t->cred) < 0) {
        /* No credentials: the handshake fails instead of using old settings. */
        gnutls_credentials_clear(s);
        return -1;
    }
    switch (t->client_auth) {
    case WEBCONFIG_REQUEST_CLIENT_CERT:
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
        break;
    case WEBCONFIG_REQUIRE_ANY_CLIENT_CERT:
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
        break;
    case WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN:
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
        gnutls_session_set_verify_function(s, verify_if_given);
        break;
    case WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT:
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_function(s, verify_required);
        break;
    case WEBCONFIG_NO_CLIENT_CERT:
    default:
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
        break;
    }
    return 0;
}
