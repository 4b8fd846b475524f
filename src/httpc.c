/*
 * httpc: libcurl set-up, request headers, secrets and transfer error messages
 * shared by the promql and remote_read clients. See include/httpc.h.
 *
 * Secrets (bearer token, basic auth password) are read from their files on
 * every request, never copied into error messages, and overwritten before
 * their memory is released.
 * Depends on util, config, libcurl.
 */
#include "httpc.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef SLO_VERSION
#define SLO_VERSION "dev"
#endif

/* Token and password files hold one short secret; anything bigger is a mistake. */
#define SECRET_MAX (64 * 1024)

void httpc_excerpt(const char *body, size_t len, size_t max, char *out, size_t outlen)
{
    size_t o = 0;
    size_t i;

    if (max > HTTPC_EXCERPT_MAX)
        max = HTTPC_EXCERPT_MAX;
    out[o++] = '"';
    for (i = 0; i < len && i < max && o < 2 * max; i++) {
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

/* curl_easy_setopt with its result checked; the option's name goes into the message. */
#define SETOPT(h, opt, val)                                                                 \
    do {                                                                                    \
        CURLcode cc_ = curl_easy_setopt((h), (opt), (val));                                 \
        if (cc_ != CURLE_OK) {                                                              \
            util_err(e, "libcurl: setting %s: %s", #opt, curl_easy_strerror(cc_));         \
            return -1;                                                                      \
        }                                                                                   \
    } while (0)

int httpc_init(struct httpc *h, const struct config_prometheus *cfg, const char *path,
               struct err *e)
{
    long timeout = 0;
    long connect_timeout = 0;

    h->cfg = cfg;
    if (cfg->url == NULL || cfg->url[0] == '\0')
        return util_err(e, "prometheus.url is not set");
    for (size_t i = 0; i < cfg->headers.n; i++) {
        if (!header_name_ok(cfg->headers.v[i].name))
            return util_err(e, "prometheus.headers: \"%s\" is not a valid header name",
                            cfg->headers.v[i].name);
        if (!header_value_ok(cfg->headers.v[i].value))
            return util_err(e, "prometheus.headers: the value of %s contains control "
                               "characters", cfg->headers.v[i].name);
    }
    h->url = util_asprintf("%s%s", cfg->url, path);
    h->shown_url = h->url != NULL ? redact_url(h->url) : NULL;
    if (h->url == NULL || h->shown_url == NULL)
        return util_err(e, "out of memory");
    h->curl = curl_easy_init();
    if (h->curl == NULL)
        return util_err(e, "libcurl: cannot create a handle (was curl_global_init called?)");
    if (cfg->timeout_ms > 0)
        timeout = cfg->timeout_ms > LONG_MAX ? LONG_MAX : (long)cfg->timeout_ms;
    connect_timeout = HTTPC_CONNECT_TIMEOUT_MS;
    if (timeout > 0 && timeout < connect_timeout)
        connect_timeout = timeout;

    SETOPT(h->curl, CURLOPT_URL, h->url);
    SETOPT(h->curl, CURLOPT_POST, 1L);
    SETOPT(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
    /* No signals: the daemon has threads, and SIGALRM-based DNS timeouts are unsafe. */
    SETOPT(h->curl, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h->curl, CURLOPT_TIMEOUT_MS, timeout);
    SETOPT(h->curl, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
    SETOPT(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    /* A redirect is reported, never followed: following would re-send the
     * request and credentials to wherever the Location points. */
    SETOPT(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SETOPT(h->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(h->curl, CURLOPT_USERAGENT, "slo-sidecar/" SLO_VERSION);
    if (cfg->ca_file != NULL)
        SETOPT(h->curl, CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->cert_file != NULL)
        SETOPT(h->curl, CURLOPT_SSLCERT, cfg->cert_file);
    if (cfg->key_file != NULL)
        SETOPT(h->curl, CURLOPT_SSLKEY, cfg->key_file);
    if (cfg->insecure_skip_verify) {
        SETOPT(h->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        SETOPT(h->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->basic_username != NULL) {
        SETOPT(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SETOPT(h->curl, CURLOPT_USERNAME, cfg->basic_username);
    }
    return 0;
}

void httpc_cleanup(struct httpc *h)
{
    if (h == NULL)
        return;
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
    free(h->shown_url);
    free(h->url);
    h->shown_url = NULL;
    h->url = NULL;
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

/* 1 when the "Name: value" line names header name (case-insensitive). */
static int line_names(const char *line, const char *name)
{
    size_t n = strcspn(line, ":;");

    return strlen(name) == n && strncasecmp(line, name, n) == 0;
}

static int in_lines(const char *const *lines, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (line_names(lines[i], name))
            return 1;
    return 0;
}

static int configured(const struct config_prometheus *cfg, const char *line)
{
    for (size_t i = 0; i < cfg->headers.n; i++)
        if (line_names(line, cfg->headers.v[i].name))
            return 1;
    return 0;
}

/* The request headers: configured ones, defaults, fixed ones, then the bearer token. */
static int build_headers(const struct config_prometheus *cfg, const char *token,
                         const char *const *defaults, size_t ndefaults,
                         const char *const *fixed, size_t nfixed, struct curl_slist **out,
                         struct err *e)
{
    struct curl_slist *l = NULL;
    char *line = NULL;

    *out = NULL;
    for (size_t i = 0; i < cfg->headers.n; i++) {
        const struct label *h = &cfg->headers.v[i];

        if (in_lines(fixed, nfixed, h->name))
            continue;
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
    }
    for (size_t i = 0; i < ndefaults; i++)
        if (!configured(cfg, defaults[i]) && add_header(&l, defaults[i]) != 0)
            goto fail;
    for (size_t i = 0; i < nfixed; i++)
        if (add_header(&l, fixed[i]) != 0)
            goto fail;
    /* Without this curl waits for "100 Continue" before sending a long body. */
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

int httpc_begin(struct httpc *h, struct httpc_req *r, const char *const *defaults,
                size_t ndefaults, const char *const *fixed, size_t nfixed, char *msg,
                size_t len)
{
    const struct config_prometheus *cfg = h->cfg;
    struct err sub;
    CURLcode cc;

    if (cfg->bearer_token_file != NULL &&
        read_secret("bearer token file", cfg->bearer_token_file, &r->token, &sub) != 0)
        goto fail;
    if (cfg->basic_username != NULL && cfg->basic_password_file != NULL &&
        read_secret("basic auth password file", cfg->basic_password_file, &r->password,
                    &sub) != 0)
        goto fail;
    if (build_headers(cfg, r->token, defaults, ndefaults, fixed, nfixed, &r->headers,
                      &sub) != 0)
        goto fail;
    cc = curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, r->headers);
    if (cc == CURLE_OK && cfg->basic_username != NULL)
        cc = curl_easy_setopt(h->curl, CURLOPT_PASSWORD,
                              r->password != NULL ? r->password : "");
    if (cc != CURLE_OK) {
        snprintf(msg, len, "libcurl: setting request options: %s", curl_easy_strerror(cc));
        return -1;
    }
    return 0;
fail:
    snprintf(msg, len, "%s", sub.msg);
    return -1;
}

CURLcode httpc_perform(struct httpc *h)
{
    CURLcode cc;

    h->errbuf[0] = '\0';
    cc = curl_easy_perform(h->curl);
    h->unreachable = cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
                     cc == CURLE_OPERATION_TIMEDOUT;
    return cc;
}

void httpc_end(struct httpc *h, struct httpc_req *r)
{
    /* Drop the pointers into memory freed below (the next request sets new
     * ones) and curl's copy of the password. */
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    if (h->cfg->basic_username != NULL)
        curl_easy_setopt(h->curl, CURLOPT_PASSWORD, "");
    curl_slist_free_all(r->headers);
    wipe_free(r->password);
    wipe_free(r->token);
    r->headers = NULL;
    r->password = NULL;
    r->token = NULL;
}

void httpc_transfer_error(struct httpc *h, CURLcode cc, char *msg, size_t len)
{
    const char *detail = h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(cc);
    char dur[32];

    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t pre = 0;
        int64_t limit = h->cfg->timeout_ms;

        /* No pre-transfer time means the connection (TCP or TLS) was never
         * set up, so the shorter connect timeout is the one that fired. */
        curl_easy_getinfo(h->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
        if (pre == 0 && (limit <= 0 || limit > HTTPC_CONNECT_TIMEOUT_MS)) {
            util_duration_format(HTTPC_CONNECT_TIMEOUT_MS, dur, sizeof(dur));
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

        curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED)
            snprintf(msg, len, "connection refused");
        else
            snprintf(msg, len, "%s", detail);
        return;
    }
    case CURLE_UNSUPPORTED_PROTOCOL:
        snprintf(msg, len, "%s (prometheus.url must start with http:// or https://)", detail);
        return;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(msg, len, "%s (check tls.ca_file, or the server's certificate)", detail);
        return;
    case CURLE_SSL_CERTPROBLEM:
        snprintf(msg, len, "%s (check tls.cert_file and tls.key_file)", detail);
        return;
    case CURLE_SSL_CONNECT_ERROR:
        /* OpenSSL's words ("wrong version number" for https:// to a plain
         * HTTP port) do not say what to change. */
        snprintf(msg, len, "%s (TLS handshake failed: does the server speak TLS there? "
                 "use http:// for plain HTTP; else check the tls settings)", detail);
        return;
    default:
        snprintf(msg, len, "%s", detail);
        return;
    }
}

void httpc_redirect_error(struct httpc *h, long code, char *msg, size_t len)
{
    char *loc = NULL;

    curl_easy_getinfo(h->curl, CURLINFO_REDIRECT_URL, &loc);
    if (loc != NULL)
        snprintf(msg, len, "HTTP %ld redirect to %s (redirects are not followed; "
                 "set prometheus.url to the final address)", code, loc);
    else
        snprintf(msg, len, "HTTP %ld redirect without a Location header", code);
}
