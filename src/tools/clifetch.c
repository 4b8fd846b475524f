/*
 * clifetch: fetches /api/v1/slos from a running sidecar. See clifetch.h.
 */
#include "clifetch.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"

struct sink {
    struct buf *b;
    int too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;

    if (buf_append(s->b, p, size * n) != 0) {
        s->too_big = 1;
        return 0;
    }
    return size * n;
}

int clifetch_slos(const char *base_url, int64_t timeout_ms, struct buf *body, struct err *e)
{
    size_t blen = strlen(base_url);
    char *url = util_asprintf("%.*s/api/v1/slos",
                              (int)(blen > 0 && base_url[blen - 1] == '/' ? blen - 1 : blen),
                              base_url);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct sink sink = {body, 0};
    CURL *h = NULL;
    CURLcode cc;
    long status = 0;
    int rc = -1;

    if (url == NULL)
        return util_err(e, "out of memory");
    if ((h = curl_easy_init()) == NULL) {
        util_errf(e, "GET %s: cannot create a libcurl handle", url);
        goto out;
    }
    if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink) != CURLE_OK) {
        util_errf(e,
                  "GET %s: cannot set up the request (bad URL scheme? http and https "
                  "only)",
                  url);
        goto out;
    }
    cc = curl_easy_perform(h);
    if (sink.too_big) {
        util_errf(e, "GET %s: answer larger than %zu bytes", url, body->cap);
        goto out;
    }
    if (cc != CURLE_OK) {
        util_errf(e, "GET %s: %s (is the sidecar running there? see --url)", url,
                  errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        char ex[HTTPC_EXCERPT_SIZE];

        httpc_excerpt(body->data ? body->data : "", body->len, HTTPC_EXCERPT_MAX, ex, sizeof(ex));
        util_errf(e, "GET %s: HTTP %ld: %s", url, status, ex);
        goto out;
    }
    rc = 0;
out:
    curl_easy_cleanup(h);
    free(url);
    return rc;
}
