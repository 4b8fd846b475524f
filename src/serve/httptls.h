/*
 * httptls: TLS for the sidecar's own endpoints, from a web config's
 * tls_server_config. Reads the certificate, key and client CA files, checks
 * them, and holds them as GnuTLS credentials and priorities; http sets each
 * new connection's GnuTLS session up from the current httptls, so a reload
 * can swap certificate, key, client CA, client_auth_type and TLS versions
 * without closing the listener.
 * An httptls is immutable once made, so any thread may use it; http keeps it
 * alive for as long as a connection that uses it is open.
 * Depends on webconfig, util, log, GnuTLS.
 */
#ifndef SLO_HTTPTLS_H
#define SLO_HTTPTLS_H

#include "util.h"
#include "webconfig.h"

/* Upper bound on each of the certificate, key and CA files. */
#define HTTPTLS_MAX_PEM_BYTES (1024u * 1024u)

struct httptls;

/*
 * Reads and checks wc's tls_server_config (wc->has_tls must be set): the
 * certificate chain and key must be PEM, the key unencrypted and matching the
 * certificate, client_ca_file PEM with at least one certificate. Returns a
 * new httptls (free with httptls_free), or NULL with e set to
 * "FILE:LINE:COL: tls_server_config.FIELD: message" naming the field.
 */
struct httptls *httptls_new(const struct webconfig *wc, struct err *e);

/* Frees t (the key's copy is wiped first); accepts NULL. */
void httptls_free(struct httptls *t);

/*
 * The PEM texts and GnuTLS priority string t was made from, for
 * libmicrohttpd's start options. Owned by t. ca is NULL without client_ca_file.
 */
const char *httptls_cert_pem(const struct httptls *t);
const char *httptls_key_pem(const struct httptls *t);
const char *httptls_ca_pem(const struct httptls *t);
const char *httptls_priorities(const struct httptls *t);

/*
 * Sets up a new server session (a gnutls_session_t, before its handshake)
 * from t: credentials, priorities, whether a client certificate is asked
 * for or needed, and its verification against client_ca_file during the
 * handshake. On failure returns -1 and leaves the session without
 * credentials, so its handshake fails rather than falling back to weaker
 * settings. t must outlive the session.
 */
int httptls_setup_session(const struct httptls *t, void *session);

#endif
