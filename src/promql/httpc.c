/*
 * httpc: libcurl set-up, request headers, secrets and transfer error messages
 * shared by the promql and remote_read clients. See httpc.h.
 *
 * Secrets (bearer token, basic auth password) are read from their files on
 * every request, never copied into error messages, and overwritten before
 * their memory is released.
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
#include <time.h>
#include <unistd.h>

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

/*
 * A seed that differs between clients and between processes, so replicas
 * that failed together do not retry in step: both clocks in nanoseconds,
 * the pid and the client's address, mixed.
 */
static uint64_t random_seed(const struct httpc *h)
{
    struct timespec rt = {0, 0};
    struct timespec mt = {0, 0};
    uint64_t s;

    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mt);
    s = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
    s ^= ((uint64_t)mt.tv_sec * 1000000000ull + (uint64_t)mt.tv_nsec) << 17;
    s ^= (uint64_t)getpid() << 40;
    s ^= (uint64_t)(uintptr_t)h;
    return util_splitmix64(&s);
}

int httpc_init(struct httpc *h, const struct config_prometheus *cfg, const char *path,
               struct err *e)
{
    h->cfg = cfg;
    /* A config built by hand (tests) leaves it 0: the default. */
    h->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : CONFIG_DEFAULT_ATTEMPTS;
    if (h->max_attempts > CONFIG_MAX_ATTEMPTS)
        h->max_attempts = CONFIG_MAX_ATTEMPTS;
    h->rng = random_seed(h);
    if (cfg->url == NULL || cfg->url[0] == '\0')
        return util_err(e, "prometheus.url is not set");
    for (size_t i = 0; i < cfg->headers.n; i++) {
        if (!header_name_ok(cfg->headers.v[i].name))
            return util_err(e, "prometheus.headers: \"%s\" is not a valid header name",
                            cfg->headers.v[i].name);
        if (!header_value_ok(cfg->headers.v[i].value))
            return util_err(e,
                            "prometheus.headers: the value of %s contains control "
                            "characters",
                            cfg->headers.v[i].name);
    }
    h->url = util_asprintf("%s%s", cfg->url, path);
    h->shown_url = h->url != NULL ? redact_url(h->url) : NULL;
    if (h->url == NULL || h->shown_url == NULL)
        return util_err(e, "out of memory");
    h->curl = curl_easy_init();
    if (h->curl == NULL)
        return util_err(e, "libcurl: cannot create a handle (was curl_global_init called?)");
    /* The timeouts are set per attempt, from the request's deadline (httpc_perform). */

    HTTPC_SETOPT(h->curl, CURLOPT_URL, h->url);
    HTTPC_SETOPT(h->curl, CURLOPT_POST, 1L);
    HTTPC_SETOPT(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
    /* No signals: the daemon has threads, and SIGALRM-based DNS timeouts are unsafe. */
    HTTPC_SETOPT(h->curl, CURLOPT_NOSIGNAL, 1L);
    HTTPC_SETOPT(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    /* A redirect is reported, never followed: following would re-send the
     * request and credentials to wherever the Location points. */
    HTTPC_SETOPT(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    HTTPC_SETOPT(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    HTTPC_SETOPT(h->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    HTTPC_SETOPT(h->curl, CURLOPT_USERAGENT, "slo-sidecar/" SLO_VERSION);
    if (cfg->ca_file != NULL)
        HTTPC_SETOPT(h->curl, CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->cert_file != NULL)
        HTTPC_SETOPT(h->curl, CURLOPT_SSLCERT, cfg->cert_file);
    if (cfg->key_file != NULL)
        HTTPC_SETOPT(h->curl, CURLOPT_SSLKEY, cfg->key_file);
    if (cfg->insecure_skip_verify) {
        HTTPC_SETOPT(h->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        HTTPC_SETOPT(h->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->basic_username != NULL) {
        HTTPC_SETOPT(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        HTTPC_SETOPT(h->curl, CURLOPT_USERNAME, cfg->basic_username);
    }
    return 0;
fail:
    return -1;
}

int httpc_setopt_failed(CURLcode cc, const char *name, struct err *e)
{
    if (cc == CURLE_OK)
        return 0;
    util_err(e, "libcurl: setting %s: %s", name, curl_easy_strerror(cc));
    return 1;
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
                         const char *const *defaults, size_t ndefaults, const char *const *fixed,
                         size_t nfixed, struct curl_slist **out, struct err *e)
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
                size_t ndefaults, const char *const *fixed, size_t nfixed, char *msg, size_t len)
{
    const struct config_prometheus *cfg = h->cfg;
    struct err sub;
    CURLcode cc;

    h->attempts = 0;
    h->deadline_ms = 0;
    h->gave_up[0] = '\0';
    if (cfg->bearer_token_file != NULL &&
        read_secret("bearer token file", cfg->bearer_token_file, &r->token, &sub) != 0)
        goto fail;
    if (cfg->basic_username != NULL && cfg->basic_password_file != NULL &&
        read_secret("basic auth password file", cfg->basic_password_file, &r->password, &sub) != 0)
        goto fail;
    if (build_headers(cfg, r->token, defaults, ndefaults, fixed, nfixed, &r->headers, &sub) != 0)
        goto fail;
    cc = curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, r->headers);
    if (cc == CURLE_OK && cfg->basic_username != NULL)
        cc = curl_easy_setopt(h->curl, CURLOPT_PASSWORD, r->password != NULL ? r->password : "");
    if (cc != CURLE_OK) {
        snprintf(msg, len, "libcurl: setting request options: %s", curl_easy_strerror(cc));
        return -1;
    }
    return 0;
fail:
    snprintf(msg, len, "%s", sub.msg);
    return -1;
}

void httpc_new_round(struct httpc *h)
{
    h->paused = 0;
}

CURLcode httpc_perform(struct httpc *h)
{
    int64_t now = util_mono_ms();
    int64_t timeout = 0;
    int64_t connect = HTTPC_CONNECT_TIMEOUT_MS;
    CURLcode cc;

    /* The deadline runs from the first attempt: retries share one timeout. */
    if (h->attempts == 0)
        h->deadline_ms = h->cfg->timeout_ms > 0 ? now + h->cfg->timeout_ms : 0;
    h->attempts++;
    if (h->deadline_ms > 0) {
        timeout = h->deadline_ms - now;
        if (timeout < 1)
            timeout = 1;
        if (timeout > LONG_MAX)
            timeout = LONG_MAX;
        if (connect > timeout)
            connect = timeout;
    }
    h->attempt_timeout_ms = timeout;
    h->attempt_connect_ms = connect;
    h->errbuf[0] = '\0';
    cc = curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)timeout);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)connect);
    if (cc != CURLE_OK) {
        h->unreachable = 0;
        return cc;
    }
    cc = curl_easy_perform(h->curl);
    /* A timeout after the connection was made says nothing about the other
     * requests (one slow query); one before it, that the store is out of
     * reach. */
    h->unreachable = cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST;
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        curl_off_t pre = 0;

        curl_easy_getinfo(h->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
        h->unreachable = pre == 0;
    }
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
    case CURLE_ABORTED_BY_CALLBACK:
        if (httpc_cancelled(h)) {
            snprintf(msg, len, "cancelled (the sidecar is stopping or reloading)");
            return;
        }
        break;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t pre = 0;
        int64_t limit = h->cfg->timeout_ms;

        /* No pre-transfer time means the connection (TCP or TLS) was never
         * set up, so the connect timeout fired when it was the shorter one.
         * Else the request's deadline did: named by the configured timeout,
         * which it is from the first attempt on. */
        curl_easy_getinfo(h->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
        if (pre == 0 &&
            (h->attempt_timeout_ms <= 0 || h->attempt_connect_ms < h->attempt_timeout_ms)) {
            if (util_duration_format(h->attempt_connect_ms, dur, sizeof(dur)) != 0)
                snprintf(dur, sizeof(dur), "%" PRId64 "ms", h->attempt_connect_ms);
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
        snprintf(msg, len,
                 "%s (TLS handshake failed: does the server speak TLS there? "
                 "use http:// for plain HTTP; else check the tls settings)",
                 detail);
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
        snprintf(msg, len,
                 "HTTP %ld redirect to %s (redirects are not followed; "
                 "set prometheus.url to the final address)",
                 code, loc);
    else
        snprintf(msg, len, "HTTP %ld redirect without a Location header", code);
}

/* ---- retries ---- */

/*
 * What is retried, and why only that:
 *  - no answer at all: connection refused (a restart, a rolling update),
 *    reset or closed before the status line (a proxy or load balancer
 *    dropping a connection). Nothing was processed, the next attempt may
 *    well find a server. Not retried: a name that does not resolve (mostly
 *    a typo in the URL; resolvers retry on their own), TLS and certificate
 *    errors (settings), timeouts (they spend the whole deadline), a
 *    connection lost after the status line (a body cut short).
 *  - 429 (rate limited), 502 and 504 (a proxy that could not reach or wait
 *    for the store), 503 (Prometheus answers it while starting, for a query
 *    timeout and when too many queries queue): the server itself says "later".
 *  - not 500: Prometheus answers 500 for errorInternal, which comes from the
 *    query or the storage and does not go away within a second; retrying it
 *    would triple the load of a failing query on a server that is already
 *    in trouble. Likewise no other 4xx (the request or the credentials are
 *    wrong) and no 2xx with a bad body (a retry would read the same bytes).
 */
int httpc_retryable(CURLcode cc, long status)
{
    if (cc != CURLE_OK) {
        if (status != 0)
            return 0;
        return cc == CURLE_COULDNT_CONNECT || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
               cc == CURLE_GOT_NOTHING;
    }
    return status == 429 || status == 502 || status == 503 || status == 504;
}

int64_t httpc_backoff_ms(int retry, uint64_t rnd)
{
    int64_t cap = util_backoff_cap(retry, HTTPC_BACKOFF_BASE_MS, HTTPC_BACKOFF_MAX_MS);

    return (int64_t)(rnd % (uint64_t)(cap + 1));
}

int64_t httpc_retry_wait(int attempts, int max_attempts, int64_t left_ms, int64_t backoff_ms,
                         int64_t retry_after_ms)
{
    int64_t wait = backoff_ms > 0 ? backoff_ms : 0;
    int64_t room;

    if (attempts >= max_attempts)
        return -1;
    if (retry_after_ms > HTTPC_RETRY_AFTER_MAX_MS)
        return -1;
    if (retry_after_ms > wait)
        wait = retry_after_ms;
    if (left_ms < 0)
        return wait;
    room = left_ms - HTTPC_RETRY_MIN_LEFT_MS;
    if (room <= 0 || retry_after_ms > room)
        return -1;
    return wait < room ? wait : room;
}

int httpc_retry_after_parse(const char *value, int64_t now_ms, int64_t *ms)
{
    const char *p = value;
    size_t n;

    while (*p == ' ' || *p == '\t')
        p++;
    n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
        n--;
    if (n == 0)
        return -1;
    if (strspn(p, "0123456789") >= n) {
        int64_t secs = 0;

        /* Anything past a day is as good as forever here; stop before overflowing. */
        for (size_t i = 0; i < n; i++) {
            secs = secs * 10 + (p[i] - '0');
            if (secs > 86400) {
                secs = 86400;
                break;
            }
        }
        *ms = secs * 1000;
        return 0;
    }
    {
        char date[64];
        time_t t;

        /* A date has a weekday or month name; curl_getdate reads all three
         * HTTP forms (and more, which does no harm for a wait). */
        if (n >= sizeof(date) || strcspn(p, "abcdefghijklmnopqrstuvwxyz"
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ") >= n)
            return -1;
        memcpy(date, p, n);
        date[n] = '\0';
        t = curl_getdate(date, NULL);
        if (t == (time_t)-1)
            return -1;
        if ((int64_t)t > now_ms / 1000 + 86400)
            *ms = 86400 * (int64_t)1000;
        else
            *ms = (int64_t)t * 1000 > now_ms ? (int64_t)t * 1000 - now_ms : 0;
        return 0;
    }
}

/* The server's Retry-After of the last answer in ms, or -1 when absent or unreadable. */
static int64_t retry_after(struct httpc *h)
{
    int64_t ms = -1;
#if LIBCURL_VERSION_NUM >= 0x075400
    struct curl_header *hd = NULL;

    if (curl_easy_header(h->curl, "Retry-After", 0, CURLH_HEADER, -1, &hd) == CURLHE_OK &&
        hd != NULL && hd->value != NULL &&
        httpc_retry_after_parse(hd->value, util_now_ms(), &ms) != 0)
        ms = -1;
#elif LIBCURL_VERSION_NUM >= 0x074200
    curl_off_t secs = -1;

    if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &secs) == CURLE_OK && secs > 0)
        ms = (int64_t)secs * 1000;
#else
    (void)h;
#endif
    return ms;
}

/*
 * Sleeps ms milliseconds on the monotonic clock, through interruptions, in
 * slices short enough to notice a cancel soon.
 */
static void sleep_ms(const struct httpc *h, int64_t ms)
{
    int64_t until = util_mono_ms() + ms;

    for (int64_t left = ms; left > 0 && !httpc_cancelled(h); left = until - util_mono_ms()) {
        int64_t step = left < 50 ? left : 50;
        struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};

        nanosleep(&ts, NULL);
    }
}

int httpc_cancelled(const struct httpc *h)
{
    return h->cancel != NULL && atomic_load(h->cancel) != 0;
}

/* libcurl's progress callback: a non-zero return aborts the transfer. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return httpc_cancelled(arg);
}

int httpc_set_cancel(struct httpc *h, const atomic_int *flag)
{
    h->cancel = flag;
    if (curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK ||
        curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, h) != CURLE_OK ||
        curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, flag != NULL ? 0L : 1L) != CURLE_OK)
        return -1;
    return 0;
}

int httpc_retry(struct httpc *h, CURLcode cc, long status)
{
    int64_t ra = -1;
    int64_t left = -1;
    int64_t wait;

    h->gave_up[0] = '\0';
    if (!httpc_retryable(cc, status) || h->paused || httpc_cancelled(h))
        return 0;
    if (cc == CURLE_OK && (status == 429 || status == 503))
        ra = retry_after(h);
    if (h->deadline_ms > 0) {
        left = h->deadline_ms - util_mono_ms();
        if (left < 0)
            left = 0;
    }
    wait = httpc_retry_wait(h->attempts, h->max_attempts, left,
                            httpc_backoff_ms(h->attempts, util_splitmix64(&h->rng)), ra);
    if (wait < 0) {
        /* The backend keeps failing (or asks for a pause): the rest of the
         * round makes one attempt per request. */
        h->paused = 1;
        /* Say so when the Retry-After alone stood in the way. */
        if (ra >= 0 && httpc_retry_wait(h->attempts, h->max_attempts, left, 0, -1) >= 0) {
            int own = h->cfg->timeout_ms <= 0 || ra > HTTPC_RETRY_AFTER_MAX_MS;
            int64_t limit = own ? HTTPC_RETRY_AFTER_MAX_MS : h->cfg->timeout_ms;
            char a[32];
            char t[32];

            if (util_duration_format(ra, a, sizeof(a)) != 0)
                snprintf(a, sizeof(a), "%" PRId64 "ms", ra);
            if (util_duration_format(limit, t, sizeof(t)) != 0)
                snprintf(t, sizeof(t), "%" PRId64 "ms", limit);
            snprintf(h->gave_up, sizeof(h->gave_up), "Retry-After %s is past the %s %s", a, t,
                     own ? "limit" : "timeout");
        }
        return 0;
    }
    sleep_ms(h, wait);
    if (httpc_cancelled(h))
        return 0;
    h->retries++;
    return 1;
}

void httpc_append(char *msg, size_t len, const char *tail)
{
    size_t n = strlen(msg);
    size_t t = strlen(tail);

    if (len == 0 || t == 0)
        return;
    if (t + 4 >= len) {
        snprintf(msg, len, "%s", tail);
        return;
    }
    if (n + t >= len) {
        n = len - 1 - t - 3;
        snprintf(msg + n, len - n, "...%s", tail);
        return;
    }
    memcpy(msg + n, tail, t + 1);
}

void httpc_note_attempts(const struct httpc *h, char *msg, size_t len)
{
    char note[sizeof(h->gave_up) + 48];

    if (h->attempts > 1 && h->gave_up[0] != '\0')
        snprintf(note, sizeof(note), " (after %d attempts; %s)", h->attempts, h->gave_up);
    else if (h->attempts > 1)
        snprintf(note, sizeof(note), " (after %d attempts)", h->attempts);
    else if (h->gave_up[0] != '\0')
        snprintf(note, sizeof(note), " (not retried: %s)", h->gave_up);
    else
        return;
    httpc_append(msg, len, note);
}

uint64_t httpc_retries(const struct httpc *h)
{
    return h->retries;
}

const char *httpc_status_hint(long status)
{
    switch (status) {
    case 401:
        return "authentication failed: check bearer_token_file / basic_auth";
    case 403:
        return "access denied: check the credentials' permissions and tenant headers "
               "(e.g. X-Scope-OrgID)";
    case 407:
        return "a proxy asks for authentication: check the http(s)_proxy environment variables";
    case 429:
        return "rate limited: the server refuses more queries for now";
    default:
        return NULL;
    }
}
