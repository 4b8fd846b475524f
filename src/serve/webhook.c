/*
 * webhook: one queue and one sender thread per webhook. See webhook.h.
 *
 * Each webhook has its own worker, so a receiver that is down (retrying
 * with backoff for minutes) never delays the others. A batch holds a
 * reference to the target it was queued for, so a reload changes the
 * settings of new batches without touching queued ones. One mutex guards
 * every worker's queue, flags and the counters; each worker waits on its
 * own condition variable.
 */
#include "webhook.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "slojson.h"

/* Longest Retry-After honoured; a longer one waits this long. */
#define RETRY_AFTER_MAX_MS 300000
/* Receivers' answers are read and discarded, up to this much. */
#define MAX_ANSWER 65536

struct target {
    char *url;
    int64_t timeout_ms;
    int max_attempts;
    unsigned events;
    struct curl_slist *headers;
    int refs;
};

struct batch {
    struct target *t;
    char *body;
    size_t nevents;
};

struct webhooks;

struct worker {
    struct webhooks *w;
    struct target *t; /* for new batches; a reload may replace it */
    pthread_t thread;
    pthread_cond_t cv;
    int running;
    int stopping; /* read by the transfer's progress callback */
    struct batch q[WEBHOOK_MAX_PENDING];
    size_t qfirst, qn;
    uint64_t rng;
};

struct webhooks {
    pthread_mutex_t mu; /* guards everything below and in the workers */
    struct worker **wk;
    size_t nwk;
    struct webhook_stats st;
};

int webhook_retryable(long status)
{
    return status == 0 || status == 408 || status == 429 || (status >= 500 && status <= 599);
}

int64_t webhook_backoff_ms(int retry, uint64_t rnd)
{
    int64_t cap = util_backoff_cap(retry, WEBHOOK_BACKOFF_BASE_MS, WEBHOOK_BACKOFF_MAX_MS);

    return cap / 2 + (int64_t)(rnd % (uint64_t)(cap / 2 + 1));
}

static unsigned kind_bit(const struct history_event *e)
{
    return e->kind == HISTORY_EVENT_STATUS ? CONFIG_WEBHOOK_STATUS : CONFIG_WEBHOOK_ALERT;
}

char *webhook_body(const struct history_event *ev, size_t n, unsigned kinds, int *none)
{
    json_t *arr = json_array();
    json_t *o;
    char *text;

    *none = 1;
    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!(kind_bit(&ev[i]) & kinds))
            continue;
        *none = 0;
        if (json_array_append_new(arr, slojson_event(&ev[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    if (*none) {
        json_decref(arr);
        return NULL;
    }
    o = json_pack("{s:s, s:o}", "version", "1", "events", arr);
    if (o == NULL)
        return NULL;
    text = slojson_dump(o, 0);
    json_decref(o);
    return text;
}

static void target_unref(struct target *t)
{
    if (t == NULL || --t->refs > 0)
        return;
    free(t->url);
    curl_slist_free_all(t->headers);
    free(t);
}

static struct target *target_new(const struct config_webhook *c)
{
    struct target *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->refs = 1;
    t->timeout_ms = c->timeout_ms;
    t->max_attempts = c->max_attempts;
    t->events = c->events;
    t->url = util_strdup(c->url);
    if (t->url == NULL)
        goto fail;
    for (size_t i = 0; i <= c->headers.n; i++) {
        char line[1024];
        struct curl_slist *l;

        if (i == c->headers.n)
            snprintf(line, sizeof(line), "Content-Type: application/json");
        else if (snprintf(line, sizeof(line), "%s: %s", c->headers.v[i].name,
                          c->headers.v[i].value) >= (int)sizeof(line))
            goto fail;
        l = curl_slist_append(t->headers, line);
        if (l == NULL)
            goto fail;
        t->headers = l;
    }
    return t;
fail:
    target_unref(t);
    return NULL;
}

static void batch_clear(struct batch *b)
{
    target_unref(b->t);
    free(b->body);
    memset(b, 0, sizeof(*b));
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    size_t *got = ctx;

    (void)p;
    *got += size * n;
    return *got > MAX_ANSWER ? 0 : size * n;
}

static int abort_if_stopping(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    struct worker *k = ctx;
    int stop;

    (void)a, (void)b, (void)c, (void)d;
    pthread_mutex_lock(&k->w->mu);
    stop = k->stopping;
    pthread_mutex_unlock(&k->w->mu);
    return stop;
}

/*
 * One attempt. Returns the HTTP status (0 when none arrived) and the
 * Retry-After in ms (-1 when none) in *retry_after; msg describes a failure
 * and is empty on success.
 */
static long attempt(struct worker *k, CURL *h, const struct batch *b, int64_t *retry_after,
                    char *msg, size_t len)
{
    size_t got = 0;
    long status = 0;
    curl_off_t ra = -1;
    CURLcode cc;

    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, b->t->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "slo-sidecar/" SLO_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, b->t->headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, b->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(b->body));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)b->t->timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_if_stopping);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, k);
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    *retry_after = -1;
    if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
        *retry_after = ra * 1000 > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : (int64_t)ra * 1000;
    if (cc != CURLE_OK && cc != CURLE_WRITE_ERROR)
        snprintf(msg, len, "%s", curl_easy_strerror(cc));
    else if (status < 200 || status > 299)
        snprintf(msg, len, "HTTP %ld", status);
    else
        msg[0] = '\0';
    if (cc != CURLE_OK && cc != CURLE_WRITE_ERROR && status == 0)
        return 0;
    return status;
}

/* Waits ms unless the worker is stopped. Caller holds mu. Returns 1 when stopping. */
static int wait_ms(struct worker *k, int64_t ms)
{
    struct timespec until;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!k->stopping) {
        if (pthread_cond_timedwait(&k->cv, &k->w->mu, &until) != 0)
            break;
    }
    return k->stopping;
}

/* Delivers one batch with its retries. Called with mu held; drops it while sending. */
static void deliver(struct worker *k, CURL *h, const struct batch *b)
{
    struct webhooks *w = k->w;
    char msg[CURL_ERROR_SIZE + 64];

    for (int n = 1;; n++) {
        int64_t ra = -1;
        long status = 0;
        int64_t wait;

        pthread_mutex_unlock(&w->mu);
        if (h != NULL)
            status = attempt(k, h, b, &ra, msg, sizeof(msg));
        else
            snprintf(msg, sizeof(msg), "cannot create a libcurl handle");
        pthread_mutex_lock(&w->mu);
        if (msg[0] == '\0') {
            w->st.delivered++;
            return;
        }
        if (k->stopping) {
            w->st.dropped++;
            return;
        }
        if (n >= b->t->max_attempts || !webhook_retryable(status) || h == NULL) {
            char att[32];

            w->st.failed++;
            snprintf(att, sizeof(att), "%d", n);
            log_warn("webhook not delivered", "url", b->t->url, "err", msg, "attempts", att);
            return;
        }
        w->st.retries++;
        wait = webhook_backoff_ms(n, util_splitmix64(&k->rng));
        if (ra > wait)
            wait = ra;
        if (wait_ms(k, wait)) {
            w->st.dropped++;
            return;
        }
    }
}

static void *sender(void *arg)
{
    struct worker *k = arg;
    CURL *h = curl_easy_init();

    pthread_mutex_lock(&k->w->mu);
    for (;;) {
        struct batch b;

        while (k->qn == 0 && !k->stopping)
            pthread_cond_wait(&k->cv, &k->w->mu);
        if (k->stopping)
            break;
        b = k->q[k->qfirst];
        memset(&k->q[k->qfirst], 0, sizeof(b));
        k->qfirst = (k->qfirst + 1) % WEBHOOK_MAX_PENDING;
        k->qn--;
        deliver(k, h, &b);
        batch_clear(&b);
    }
    pthread_mutex_unlock(&k->w->mu);
    curl_easy_cleanup(h);
    return NULL;
}

/* A worker for c with its thread running, or NULL. Caller holds mu. */
static struct worker *worker_start(struct webhooks *w, const struct config_webhook *c)
{
    struct worker *k = calloc(1, sizeof(*k));
    pthread_condattr_t ca;
    struct timespec ts = {0, 0};

    if (k == NULL)
        return NULL;
    k->w = w;
    k->t = target_new(c);
    if (k->t == NULL) {
        free(k);
        return NULL;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    k->rng = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20 ^ (uint64_t)getpid() << 40 ^
             (uint64_t)(uintptr_t)k;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&k->thread, NULL, sender, k) != 0) {
        pthread_cond_destroy(&k->cv);
        target_unref(k->t);
        free(k);
        return NULL;
    }
    k->running = 1;
    return k;
}

/*
 * Stops the workers ks[0..n) (already out of w's list): their transfers are
 * abandoned and their queues dropped, counted. Takes and releases mu; the
 * caller must not hold it. Frees them and ks.
 */
static void workers_stop(struct webhooks *w, struct worker **ks, size_t n)
{
    uint64_t before;

    pthread_mutex_lock(&w->mu);
    before = w->st.dropped;
    for (size_t i = 0; i < n; i++) {
        ks[i]->stopping = 1;
        pthread_cond_broadcast(&ks[i]->cv);
    }
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < n; i++)
        if (ks[i]->running)
            pthread_join(ks[i]->thread, NULL);
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < n; i++) {
        struct worker *k = ks[i];

        while (k->qn > 0) {
            batch_clear(&k->q[k->qfirst]);
            k->qfirst = (k->qfirst + 1) % WEBHOOK_MAX_PENDING;
            k->qn--;
            w->st.dropped++;
        }
        target_unref(k->t);
        pthread_cond_destroy(&k->cv);
        free(k);
    }
    /* The batches in flight or waiting for a retry, and the queued ones. */
    before = w->st.dropped - before;
    pthread_mutex_unlock(&w->mu);
    free(ks);
    if (before > 0) {
        char nb[32];

        snprintf(nb, sizeof(nb), "%llu", (unsigned long long)before);
        log_warn("webhook batches not delivered at shutdown or reload", "batches", nb);
    }
}

/*
 * Puts cfg's webhooks in force: a webhook whose URL stays keeps its worker
 * and queue (new batches use the new settings), new URLs get a worker, and
 * the workers of URLs no longer configured are returned in *gone (count
 * *ngone) for workers_stop. Caller holds mu. 0, or -1 (memory; nothing changed).
 */
static int set_workers(struct webhooks *w, const struct config *cfg, struct worker ***gone,
                       size_t *ngone)
{
    /* One more than needed, so none is a zero-size allocation. */
    struct worker **nw = calloc(cfg->nwebhooks + 1, sizeof(struct worker *));
    struct target **nt = calloc(cfg->nwebhooks + 1, sizeof(struct target *));
    struct worker **old = calloc(w->nwk + 1, sizeof(struct worker *));
    size_t nold = 0;

    *gone = NULL;
    *ngone = 0;
    if (nw == NULL || nt == NULL || old == NULL)
        goto fail;
    for (size_t i = 0; i < cfg->nwebhooks; i++)
        if ((nt[i] = target_new(&cfg->webhooks[i])) == NULL)
            goto fail;
    /* Reuse the workers of URLs that stay. */
    for (size_t i = 0; i < cfg->nwebhooks; i++)
        for (size_t j = 0; j < w->nwk; j++)
            if (w->wk[j] != NULL && strcmp(w->wk[j]->t->url, nt[i]->url) == 0) {
                nw[i] = w->wk[j];
                w->wk[j] = NULL;
                break;
            }
    for (size_t i = 0; i < cfg->nwebhooks; i++) {
        if (nw[i] != NULL) {
            target_unref(nw[i]->t);
            nw[i]->t = nt[i];
            nt[i] = NULL;
        } else if ((nw[i] = worker_start(w, &cfg->webhooks[i])) == NULL) {
            log_warn("webhook not started", "url", cfg->webhooks[i].url, "err",
                     "out of memory or no thread");
        }
    }
    for (size_t j = 0; j < w->nwk; j++)
        if (w->wk[j] != NULL)
            old[nold++] = w->wk[j];
    /* Workers that could not start leave a hole; close it. */
    {
        size_t n = 0;

        for (size_t i = 0; i < cfg->nwebhooks; i++)
            if (nw[i] != NULL)
                nw[n++] = nw[i];
        free(w->wk);
        w->wk = nw;
        w->nwk = n;
    }
    for (size_t i = 0; i < cfg->nwebhooks; i++)
        target_unref(nt[i]);
    free(nt);
    *gone = old;
    *ngone = nold;
    return 0;
fail:
    for (size_t i = 0; nt != NULL && i < cfg->nwebhooks; i++)
        target_unref(nt[i]);
    free(nt);
    free(nw);
    free(old);
    return -1;
}

struct webhooks *webhook_start(const struct config *cfg, struct err *e)
{
    struct webhooks *w = calloc(1, sizeof(*w));
    struct worker **gone;
    size_t ngone;
    int rc;

    if (w == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_lock(&w->mu);
    rc = set_workers(w, cfg, &gone, &ngone);
    pthread_mutex_unlock(&w->mu);
    if (rc != 0) {
        pthread_mutex_destroy(&w->mu);
        free(w);
        util_err(e, "out of memory starting the webhooks");
        return NULL;
    }
    free(gone);
    return w;
}

int webhook_update(struct webhooks *w, const struct config *cfg, struct err *e)
{
    struct worker **gone;
    size_t ngone;
    int rc;

    pthread_mutex_lock(&w->mu);
    rc = set_workers(w, cfg, &gone, &ngone);
    pthread_mutex_unlock(&w->mu);
    if (rc != 0)
        return util_err(e, "out of memory updating the webhooks");
    if (ngone > 0)
        workers_stop(w, gone, ngone);
    else
        free(gone);
    return 0;
}

void webhook_notify(struct webhooks *w, const struct history_event *ev, size_t n)
{
    if (w == NULL || n == 0)
        return;
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->nwk; i++) {
        struct worker *k = w->wk[i];
        struct batch *slot;
        int none;
        char *body = webhook_body(ev, n, k->t->events, &none);

        if (body == NULL) {
            if (!none) {
                w->st.dropped++;
                log_warn("webhook batch dropped", "url", k->t->url, "err", "out of memory");
            }
            continue;
        }
        if (k->qn == WEBHOOK_MAX_PENDING) {
            batch_clear(&k->q[k->qfirst]);
            k->qfirst = (k->qfirst + 1) % WEBHOOK_MAX_PENDING;
            k->qn--;
            w->st.dropped++;
            log_warn("webhook queue full; oldest batch dropped", "url", k->t->url);
        }
        slot = &k->q[(k->qfirst + k->qn) % WEBHOOK_MAX_PENDING];
        slot->t = k->t;
        k->t->refs++;
        slot->body = body;
        slot->nevents = n;
        k->qn++;
        pthread_cond_broadcast(&k->cv);
    }
    pthread_mutex_unlock(&w->mu);
}

void webhook_get_stats(struct webhooks *w, struct webhook_stats *out)
{
    if (w == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    pthread_mutex_lock(&w->mu);
    *out = w->st;
    pthread_mutex_unlock(&w->mu);
}

void webhook_stop(struct webhooks *w)
{
    struct worker **ks;
    size_t n;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    ks = w->wk;
    n = w->nwk;
    w->wk = NULL;
    w->nwk = 0;
    pthread_mutex_unlock(&w->mu);
    if (n > 0)
        workers_stop(w, ks, n);
    else
        free(ks);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
