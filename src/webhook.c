/*
 * webhook: the queue and the sender thread. See include/webhook.h.
 *
 * A batch carries its own copy of its target, so a reload can change the
 * webhooks without touching what is already queued.
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

#ifndef SLO_VERSION
#define SLO_VERSION "dev"
#endif

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

struct webhooks {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int running;
    int stopping;                 /* guarded by mu; read by the transfer's progress callback */
    struct target **targets;
    size_t ntargets;
    struct batch q[WEBHOOK_MAX_PENDING];
    size_t qfirst, qn;
    struct webhook_stats st;
    uint64_t rng;
};

static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int webhook_retryable(long status)
{
    return status == 0 || status == 408 || status == 429 || (status >= 500 && status <= 599);
}

int64_t webhook_backoff_ms(int retry, uint64_t rnd)
{
    int64_t cap = WEBHOOK_BACKOFF_BASE_MS;

    for (int i = 1; i < retry && cap < WEBHOOK_BACKOFF_MAX_MS; i++)
        cap *= 2;
    if (cap > WEBHOOK_BACKOFF_MAX_MS)
        cap = WEBHOOK_BACKOFF_MAX_MS;
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

/* Replaces the targets by cfg's. Caller holds mu. 0 or -1. */
static int set_targets(struct webhooks *w, const struct config *cfg)
{
    struct target **v = NULL;

    if (cfg->nwebhooks > 0) {
        v = calloc(cfg->nwebhooks, sizeof(struct target *));
        if (v == NULL)
            return -1;
    }
    for (size_t i = 0; i < cfg->nwebhooks; i++) {
        v[i] = target_new(&cfg->webhooks[i]);
        if (v[i] == NULL) {
            for (size_t k = 0; k < i; k++)
                target_unref(v[k]);
            free(v);
            return -1;
        }
    }
    for (size_t i = 0; i < w->ntargets; i++)
        target_unref(w->targets[i]);
    free(w->targets);
    w->targets = v;
    w->ntargets = cfg->nwebhooks;
    return 0;
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
    struct webhooks *w = ctx;
    int stop;

    (void)a, (void)b, (void)c, (void)d;
    pthread_mutex_lock(&w->mu);
    stop = w->stopping;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

/*
 * One attempt. Returns the HTTP status (0 when none arrived) and the
 * Retry-After in ms (-1 when none) in *retry_after; msg describes a failure.
 */
static long attempt(struct webhooks *w, CURL *h, const struct batch *b, int64_t *retry_after,
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
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, w);
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

/* Waits ms unless stopping. Caller holds mu. Returns 1 when stopping. */
static int wait_ms(struct webhooks *w, int64_t ms)
{
    struct timespec until;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!w->stopping) {
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0)
            break;
    }
    return w->stopping;
}

/* Delivers one batch with its retries. Called with mu held; drops it while sending. */
static void deliver(struct webhooks *w, CURL *h, const struct batch *b)
{
    char msg[CURL_ERROR_SIZE + 64];

    for (int k = 1;; k++) {
        int64_t ra = -1;
        long status;
        int64_t wait;

        pthread_mutex_unlock(&w->mu);
        status = h != NULL ? attempt(w, h, b, &ra, msg, sizeof(msg)) : 0;
        if (h == NULL)
            snprintf(msg, sizeof(msg), "cannot create a libcurl handle");
        pthread_mutex_lock(&w->mu);
        if (msg[0] == '\0') {
            w->st.delivered++;
            return;
        }
        if (w->stopping) {
            w->st.dropped++;
            return;
        }
        if (k >= b->t->max_attempts || !webhook_retryable(status) || h == NULL) {
            char att[32];

            w->st.failed++;
            snprintf(att, sizeof(att), "%d", k);
            log_warn("webhook not delivered", "url", b->t->url, "err", msg, "attempts", att);
            return;
        }
        w->st.retries++;
        wait = webhook_backoff_ms(k, next_random(&w->rng));
        if (ra > wait)
            wait = ra;
        if (wait_ms(w, wait)) {
            w->st.dropped++;
            return;
        }
    }
}

static void *sender(void *arg)
{
    struct webhooks *w = arg;
    CURL *h = curl_easy_init();

    pthread_mutex_lock(&w->mu);
    for (;;) {
        struct batch b;

        while (w->qn == 0 && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stopping)
            break;
        b = w->q[w->qfirst];
        memset(&w->q[w->qfirst], 0, sizeof(b));
        w->qfirst = (w->qfirst + 1) % WEBHOOK_MAX_PENDING;
        w->qn--;
        deliver(w, h, &b);
        batch_clear(&b);
    }
    pthread_mutex_unlock(&w->mu);
    curl_easy_cleanup(h);
    return NULL;
}

struct webhooks *webhook_start(const struct config *cfg, struct err *e)
{
    struct webhooks *w = calloc(1, sizeof(*w));
    pthread_condattr_t ca;
    struct timespec ts = {0, 0};

    if (w == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    w->rng = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20 ^ (uint64_t)getpid() << 40;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (set_targets(w, cfg) != 0) {
        util_err(e, "out of memory");
        goto fail;
    }
    if (pthread_create(&w->thread, NULL, sender, w) != 0) {
        util_err(e, "cannot start the webhook thread");
        goto fail;
    }
    w->running = 1;
    return w;
fail:
    for (size_t i = 0; i < w->ntargets; i++)
        target_unref(w->targets[i]);
    free(w->targets);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return NULL;
}

int webhook_update(struct webhooks *w, const struct config *cfg, struct err *e)
{
    int rc;

    pthread_mutex_lock(&w->mu);
    rc = set_targets(w, cfg);
    pthread_mutex_unlock(&w->mu);
    return rc == 0 ? 0 : util_err(e, "out of memory updating the webhooks");
}

void webhook_notify(struct webhooks *w, const struct history_event *ev, size_t n)
{
    if (w == NULL || n == 0)
        return;
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->ntargets; i++) {
        struct target *t = w->targets[i];
        struct batch *slot;
        int none;
        char *body = webhook_body(ev, n, t->events, &none);

        if (body == NULL) {
            if (!none) {
                w->st.dropped++;
                log_warn("webhook batch dropped", "url", t->url, "err", "out of memory");
            }
            continue;
        }
        if (w->qn == WEBHOOK_MAX_PENDING) {
            batch_clear(&w->q[w->qfirst]);
            w->qfirst = (w->qfirst + 1) % WEBHOOK_MAX_PENDING;
            w->qn--;
            w->st.dropped++;
            log_warn("webhook queue full; oldest batch dropped", "url", t->url);
        }
        slot = &w->q[(w->qfirst + w->qn) % WEBHOOK_MAX_PENDING];
        slot->t = t;
        t->refs++;
        slot->body = body;
        slot->nevents = n;
        w->qn++;
    }
    pthread_cond_broadcast(&w->cv);
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
    uint64_t dropped;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    dropped = w->st.dropped;
    w->stopping = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->running)
        pthread_join(w->thread, NULL);
    /* The batch being sent or waiting for its retry, and the queued ones. */
    dropped = w->st.dropped - dropped + w->qn;
    if (dropped > 0) {
        char n[32];

        snprintf(n, sizeof(n), "%llu", (unsigned long long)dropped);
        log_warn("webhook batches not delivered at shutdown", "batches", n);
    }
    while (w->qn > 0) {
        batch_clear(&w->q[w->qfirst]);
        w->qfirst = (w->qfirst + 1) % WEBHOOK_MAX_PENDING;
        w->qn--;
        w->st.dropped++;
    }
    for (size_t i = 0; i < w->ntargets; i++)
        target_unref(w->targets[i]);
    free(w->targets);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
