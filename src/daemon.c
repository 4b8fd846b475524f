/*
 * daemon: poller loop, signals, reload. See include/daemon.h.
 *
 * Failure rules (contract): an SLO whose evaluation fails keeps its last
 * published figures for at most 5 intervals, then its series disappear; no
 * value is ever made up. Each failure cause is logged when it changes, not
 * on every evaluation.
 */
#include "daemon.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "engine.h"
#include "histfile.h"
#include "history.h"
#include "http.h"
#include "log.h"
#include "snapshot.h"
#include "util.h"
#include "webconfig.h"
#include "webhook.h"

#define KEEP_INTERVALS 5
/* The history file is written at most this often (and at shutdown). */
#define HISTORY_SAVE_MS (5 * 60 * 1000)

struct lasterr {
    char *slo;
    char *msg;
};

struct daemon {
    const struct daemon_opts *opts;
    struct config *cfg;
    struct backend *be;
    struct snapshot_holder holder;
    struct snapshot_stats stats;   /* poller-owned; copied into each snapshot */
    struct lasterr *errs;
    size_t nerrs;
    int wake[2];
    /* Reload requests from HTTP threads, answered by the poller. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned long reload_req;
    unsigned long reload_done;
    int reload_rc;
    struct err reload_err;
    int state_failing;             /* the last state file write failed */
    struct history *hist;
    struct webhooks *wh;
    int64_t hist_saved_ms;         /* monotonic time of the last history file write */
    int hist_failing;              /* the last history file write failed */
    char **over;                   /* SLOs over their max_groups at the last evaluation */
    size_t nover;
    struct http_server *srv;       /* set once listening; http_update on reload */
};

static int wake_fd = -1;

static void on_signal(int sig)
{
    char c = sig == SIGHUP ? 'h' : 'q';
    int saved = errno;
    ssize_t w = write(wake_fd, &c, 1);

    (void)w;
    errno = saved;
}

static int setup_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
        sigaction(SIGHUP, &sa, NULL))
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

static int64_t floor_to(int64_t t, int64_t step)
{
    return t - ((t % step) + step) % step;
}

/* Logs an SLO's failure only when its message differs from the last one. */
/*
 * 1 when two failure messages name the same cause. Runs of digits (and hex
 * after "0x") count as equal: byte counts, offsets and checksums change from
 * one response to the next while the cause stays the same.
 */
static int same_cause(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X'))
                a += 2;
            if (b[0] == '0' && (b[1] == 'x' || b[1] == 'X'))
                b += 2;
            while (isxdigit((unsigned char)*a))
                a++;
            while (isxdigit((unsigned char)*b))
                b++;
            continue;
        }
        if (*a != *b)
            return 0;
        a++;
        b++;
    }
    return *a == *b;
}

static void note_result(struct daemon *d, const char *slo, const char *msg)
{
    size_t i;

    for (i = 0; i < d->nerrs; i++)
        if (strcmp(d->errs[i].slo, slo) == 0)
            break;
    if (i == d->nerrs) {
        struct lasterr *n;

        if (msg == NULL)
            return;
        n = realloc(d->errs, (d->nerrs + 1) * sizeof(*n));
        if (n == NULL)
            return;
        d->errs = n;
        d->errs[i].slo = util_strdup(slo);
        d->errs[i].msg = NULL;
        if (d->errs[i].slo == NULL)
            return;
        d->nerrs++;
    }
    if (msg == NULL) {
        if (d->errs[i].msg != NULL)
            log_info("SLO evaluation recovered", "slo", slo);
        free(d->errs[i].msg);
        d->errs[i].msg = NULL;
        return;
    }
    if (d->errs[i].msg == NULL || !same_cause(d->errs[i].msg, msg)) {
        log_error("SLO evaluation failed", "slo", slo, "err", msg);
        free(d->errs[i].msg);
        d->errs[i].msg = util_strdup(msg);
    }
}

static void free_lasterrs(struct daemon *d)
{
    for (size_t i = 0; i < d->nerrs; i++) {
        free(d->errs[i].slo);
        free(d->errs[i].msg);
    }
    free(d->errs);
    d->errs = NULL;
    d->nerrs = 0;
}

static void publish(struct daemon *d, struct snapshot *snap)
{
    struct webhook_stats ws;
    size_t ninst = 0, npts = 0;

    webhook_get_stats(d->wh, &ws);
    d->stats.webhook_delivered = ws.delivered;
    d->stats.webhook_failed = ws.failed;
    d->stats.webhook_dropped = ws.dropped;
    d->stats.webhook_retries = ws.retries;
    if (d->hist != NULL)
        history_sizes(d->hist, &ninst, &npts);
    d->stats.history_points = npts;
    d->stats.shard_index = d->cfg->shard.index;
    d->stats.shard_count = d->cfg->shard.count;
    d->stats.slos = d->cfg->nslos;
    snap->stats = d->stats;
    snapshot_holder_publish(&d->holder, snap);
}

/* Restores the checkpoint (global.state_file) at start; a bad file is logged and ignored. */
static void load_state(struct daemon *d)
{
    struct err e = {{0}};
    char n[32];
    int rc;

    if (d->cfg->state_file == NULL)
        return;
    rc = backend_load_state(d->be, d->cfg->state_file, &e);
    if (rc < 0) {
        log_warn("state file ignored; backfilling", "err", e.msg);
        return;
    }
    snprintf(n, sizeof(n), "%d", rc);
    log_info("state restored", "file", d->cfg->state_file, "slos", n);
}

/* Writes the checkpoint after an evaluation; failures are logged when they change. */
static void save_state(struct daemon *d)
{
    struct err e = {{0}};

    if (d->cfg->state_file == NULL)
        return;
    if (backend_save_state(d->be, d->cfg->state_file, &e) != 0) {
        if (!d->state_failing)
            log_warn("cannot write the state file", "err", e.msg);
        d->state_failing = 1;
    } else {
        if (d->state_failing)
            log_info("state file written again", "file", d->cfg->state_file);
        d->state_failing = 0;
    }
}

/* Writes the history file when due (force: now). Failures are logged when they change. */
static void save_history(struct daemon *d, int force)
{
    struct err e = {{0}};
    int64_t now = util_mono_ms();

    if (d->cfg->state_file == NULL || d->hist == NULL ||
        (!force && d->hist_saved_ms != 0 && now - d->hist_saved_ms < HISTORY_SAVE_MS))
        return;
    d->hist_saved_ms = now;
    if (histfile_write(d->hist, d->cfg->state_file, &e) != 0) {
        if (!d->hist_failing)
            log_warn("cannot write the history file", "err", e.msg);
        d->hist_failing = 1;
    } else {
        if (d->hist_failing)
            log_info("history file written again", "file", d->cfg->state_file);
        d->hist_failing = 0;
    }
}

static void load_history(struct daemon *d)
{
    struct err e = {{0}};
    char n[32];
    int rc;

    if (d->cfg->state_file == NULL)
        return;
    rc = histfile_read(d->hist, d->cfg->state_file, &e);
    if (rc < 0) {
        log_warn("history file ignored; starting a new history", "err", e.msg);
        return;
    }
    snprintf(n, sizeof(n), "%d", rc);
    if (rc > 0)
        log_info("history restored", "file", d->cfg->state_file, "instances", n);
}

/* Logs one event for people reading the log. */
static void log_event(const struct history_event *ev)
{
    char grp[256] = "";
    size_t at = 0;

    for (size_t i = 0; i < ev->group.n && at < sizeof(grp); i++) {
        int w = snprintf(grp + at, sizeof(grp) - at, "%s%s=%s", i ? "," : "",
                         ev->group.v[i].name, ev->group.v[i].value);

        if (w < 0)
            break;
        at += (size_t)w;
    }
    /* "group" only for grouped SLOs: a NULL key ends log_kv's list. */
    if (ev->kind == HISTORY_EVENT_STATUS)
        log_info("SLO status changed", "slo", ev->slo, "from",
                 ev->has_from ? slo_status_str(ev->from) : "unknown", "to",
                 slo_status_str(ev->to), grp[0] ? "group" : NULL, grp);
    else
        log_info(ev->firing ? "SLO alert firing" : "SLO alert resolved", "slo", ev->slo,
                 "severity", config_severity_str(ev->severity), grp[0] ? "group" : NULL, grp);
}

/* Adds the published snapshot to the history and passes its events on. */
static void record_history(struct daemon *d, const struct snapshot *snap)
{
    struct history_event *ev = NULL;
    size_t nev = 0;

    if (d->hist == NULL)
        return;
    if (history_record(d->hist, d->cfg, snap, &ev, &nev) != 0)
        log_warn("history incomplete", "err", "out of memory");
    for (size_t i = 0; i < nev; i++)
        log_event(&ev[i]);
    webhook_notify(d->wh, ev, nev);
    history_events_free(ev, nev);
    save_history(d, 0);
}

static int was_over(const struct daemon *d, const char *slo)
{
    for (size_t i = 0; i < d->nover; i++)
        if (strcmp(d->over[i], slo) == 0)
            return 1;
    return 0;
}

static void free_over(struct daemon *d)
{
    for (size_t i = 0; i < d->nover; i++)
        free(d->over[i]);
    free(d->over);
    d->over = NULL;
    d->nover = 0;
}

/* max_groups: counts what was left out; logs when an SLO goes over or back under. */
static void note_over(struct daemon *d, const struct engine_run *run)
{
    char **now = run->nover > 0 ? calloc(run->nover, sizeof(char *)) : NULL;
    size_t n = 0;

    for (size_t i = 0; i < run->nover; i++) {
        const struct engine_over *o = &run->over[i];

        d->stats.groups_dropped += o->groups - o->kept;
        if (!was_over(d, o->slo)) {
            char g[32], k[32];

            snprintf(g, sizeof(g), "%zu", o->groups);
            snprintf(k, sizeof(k), "%zu", o->kept);
            log_error("SLO has more groups than max_groups; only the first in label order are "
                      "evaluated", "slo", o->slo, "groups", g, "max_groups", k);
        }
        if (now != NULL && (now[n] = util_strdup(o->slo)) != NULL)
            n++;
    }
    for (size_t i = 0; i < d->nover; i++) {
        int still = 0;

        for (size_t k = 0; k < run->nover; k++)
            still |= strcmp(run->over[k].slo, d->over[i]) == 0;
        if (!still)
            log_info("SLO back within max_groups", "slo", d->over[i]);
    }
    free_over(d);
    d->over = now;
    d->nover = n;
    d->stats.slos_over_groups = run->nover;
}

static void evaluate(struct daemon *d, int64_t at_ms)
{
    struct engine_run run;
    int64_t t0 = util_mono_ms();
    uint64_t retries = backend_retries(d->be);
    struct snapshot *snap;
    int rc;

    rc = engine_eval(d->cfg, d->be, at_ms, &run);
    /* Counted per evaluation, so a reload's new backend does not reset the counter. */
    d->stats.backend_retries += backend_retries(d->be) - retries;
    if (rc != 0) {
        log_error("evaluation failed", "err", "out of memory");
        d->stats.eval_failure += d->cfg->nslos;
        return;
    }
    for (size_t i = 0; i < d->cfg->nslos; i++) {
        const char *msg = NULL;

        for (size_t f = 0; f < run.nfail; f++)
            if (strcmp(run.fail[f].slo, d->cfg->slos[i].name) == 0)
                msg = run.fail[f].msg;
        note_result(d, d->cfg->slos[i].name, msg);
    }
    note_over(d, &run);
    d->stats.eval_success += run.nok;
    d->stats.eval_failure += run.nfail;
    d->stats.backend_up = backend_up(d->be);
    /* A shard may own no SLO at all: it is ready once it has run. */
    if (run.nok > 0 || d->cfg->nslos == 0)
        d->stats.ready = 1;
    snapshot_stats_observe(&d->stats, (double)(util_mono_ms() - t0) / 1000.0);
    {
        struct snapshot *prev = snapshot_holder_acquire(&d->holder);

        snap = engine_merge(d->cfg, &run, prev, at_ms - KEEP_INTERVALS * d->cfg->interval_ms);
        snapshot_release(&d->holder, prev);
    }
    engine_run_free(&run);
    if (snap == NULL) {
        log_error("evaluation failed", "err", "out of memory building the snapshot");
        return;
    }
    publish(d, snap);
    /* The holder keeps snap alive: only this thread publishes. */
    record_history(d, snap);
    save_state(d);
    {
        char ts[40], n[32], nf[32];

        util_time_format(at_ms, ts, sizeof(ts));
        snprintf(n, sizeof(n), "%zu", d->cfg->nslos - run.nfail);
        snprintf(nf, sizeof(nf), "%zu", run.nfail);
        log_debug("evaluation done", "at", ts, "ok", n, "failed", nf);
    }
}

/*
 * Loads the web config named by --web.config.file into *out (NULL without
 * the flag). Returns 0, or -1 with every error logged and the first in e.
 * Messages never contain a password hash.
 */
static int load_web(const struct daemon *d, struct webconfig **out, struct err *e)
{
    struct config_errors errs;
    int rc = 0;

    *out = NULL;
    if (d->opts->web_config_path == NULL)
        return 0;
    config_errors_init(&errs);
    if (webconfig_load(d->opts->web_config_path, out, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            log_error("invalid web config", "err", errs.msg[i]);
        util_err(e, "%s%s", errs.n ? errs.msg[0] : "invalid web config",
                 errs.n > 1 ? " (and more errors, see the log)" : "");
        rc = -1;
    }
    config_errors_free(&errs);
    return rc;
}

/* Says what a web config (just put in force) sets up, never its hashes. */
static void log_web(const struct webconfig *w, const char *msg)
{
    char n[32];

    if (w == NULL)
        return;
    snprintf(n, sizeof(n), "%zu", w->nusers);
    log_info(msg, "file", w->path, "tls", w->has_tls ? "true" : "false", "client_auth",
             w->has_tls ? webconfig_client_auth_str(w->tls.client_auth) : "none",
             "basic_auth_users", n);
}

/*
 * Keeps only this replica's SLOs of a freshly loaded cfg (--shard, else
 * global.shard; auto/N from HOSTNAME). Returns 0, or -1 logged and in e.
 */
static int apply_shard(const struct daemon *d, struct config *cfg, struct err *e)
{
    char sh[32], n[32], all[32];

    if (config_shard(cfg, d->opts->shard, getenv("HOSTNAME"), e) != 0) {
        log_error("invalid config", "err", e->msg);
        return -1;
    }
    if (cfg->shard.count > 1) {
        snprintf(sh, sizeof(sh), "%d/%d", cfg->shard.index, cfg->shard.count);
        snprintf(n, sizeof(n), "%zu", cfg->nslos);
        snprintf(all, sizeof(all), "%zu", cfg->nslos_all);
        log_info("sharded: evaluating this shard's SLOs only", "shard", sh, "slos", n,
                 "slos_in_config", all);
    }
    return 0;
}

/* Said at every load: skipping verification should not go unnoticed. */
static void warn_insecure(const struct config *cfg)
{
    if (cfg->prometheus.insecure_skip_verify)
        log_warn("TLS certificate verification of the backend is off "
                 "(prometheus.tls.insecure_skip_verify)",
                 "url", cfg->prometheus.url);
}

/*
 * Loads the config (and the web config) again; keeps the old ones when
 * either new one is bad. The web config is put in force last, after which
 * nothing can fail, so a reload changes all or nothing.
 */
static int reload(struct daemon *d, struct err *e)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct backend *be;
    struct webconfig *web = NULL;

    config_errors_init(&errs);
    if (config_load(d->opts->config_path, &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            log_error("invalid config", "err", errs.msg[i]);
        util_err(e, "%s%s", errs.n ? errs.msg[0] : "invalid config",
                 errs.n > 1 ? " (and more errors, see the log)" : "");
        config_errors_free(&errs);
        d->stats.config_reload_ok = 0;
        return -1;
    }
    config_errors_free(&errs);
    if (apply_shard(d, cfg, e) != 0) {
        config_free(cfg);
        d->stats.config_reload_ok = 0;
        return -1;
    }
    if (load_web(d, &web, e) != 0) {
        config_free(cfg);
        d->stats.config_reload_ok = 0;
        return -1;
    }
    be = backend_new(cfg, e);
    if (be != NULL && backend_keep_state(be, e) != 0) {
        backend_free(be);
        be = NULL;
    }
    if (be == NULL) {
        log_error("invalid config", "err", e->msg);
        webconfig_free(web);
        config_free(cfg);
        d->stats.config_reload_ok = 0;
        return -1;
    }
    if (d->opts->web_config_path != NULL) {
        const struct webconfig *w = web;

        if (http_update(d->srv, web, e) != 0) {
            log_error("web config not applied", "err", e->msg);
            webconfig_free(web);
            backend_free(be);
            config_free(cfg);
            d->stats.config_reload_ok = 0;
            return -1;
        }
        /* web belongs to the server now; only the poller replaces it. */
        log_web(w, "web config reloaded");
    }
    {
        struct err te = {{0}};
        int n = backend_take_state(be, d->be, &te);

        if (n < 0) {
            log_warn("state not carried over the reload; SLOs will be backfilled", "err",
                     te.msg);
        } else if (n > 0) {
            char ns[32];

            snprintf(ns, sizeof(ns), "%d", n);
            log_info("state carried over the reload", "slos", ns);
        }
    }
    if (webhook_update(d->wh, cfg, e) != 0)
        log_warn("webhooks not updated; the old ones stay", "err", e->msg);
    if (d->hist != NULL)
        history_config_changed(d->hist);
    backend_free(d->be);
    config_free(d->cfg);
    d->be = be;
    d->cfg = cfg;
    d->stats.config_reload_ok = 1;
    d->stats.config_reload_ts = (double)util_now_ms() / 1000.0;
    log_info("config reloaded", "file", d->opts->config_path);
    warn_insecure(cfg);
    return 0;
}

static int http_reload(void *ctx, struct err *e)
{
    struct daemon *d = ctx;
    unsigned long ticket;
    char c = 'r';
    int rc;

    pthread_mutex_lock(&d->mu);
    ticket = ++d->reload_req;
    pthread_mutex_unlock(&d->mu);
    if (write(d->wake[1], &c, 1) != 1)
        return util_err(e, "cannot signal the poller");
    pthread_mutex_lock(&d->mu);
    while (d->reload_done < ticket)
        pthread_cond_wait(&d->cv, &d->mu);
    rc = d->reload_rc;
    if (rc != 0 && e != NULL)
        *e = d->reload_err;
    pthread_mutex_unlock(&d->mu);
    return rc;
}

/* Reloads, answers waiting HTTP requests, and republishes. */
static void do_reload(struct daemon *d)
{
    struct err e = {{0}};
    unsigned long upto;
    int rc;
    struct snapshot *snap;

    /* Only the requests made before this reload read the file are answered
     * by it; one that arrives meanwhile has queued its own wake-up and waits
     * for the next reload (else it could get "ok" for a file it never saw). */
    pthread_mutex_lock(&d->mu);
    upto = d->reload_req;
    pthread_mutex_unlock(&d->mu);
    rc = reload(d, &e);
    pthread_mutex_lock(&d->mu);
    d->reload_rc = rc;
    d->reload_err = e;
    d->reload_done = upto;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    if (rc == 0) {
        /* New SLO set: evaluate at once on the current grid point. */
        evaluate(d, floor_to(util_now_ms(), d->cfg->interval_ms));
        return;
    }
    /* Publish the reload failure without touching the figures. */
    snap = snapshot_holder_acquire(&d->holder);
    if (snap != NULL) {
        struct snapshot *copy = snapshot_new(snap->at_ms);

        for (size_t i = 0; copy != NULL && i < snap->n; i++) {
            if (snapshot_add_copy(copy, &snap->slos[i]) != 0) {
                snapshot_free(copy);
                copy = NULL;
            }
        }
        snapshot_release(&d->holder, snap);
        if (copy != NULL)
            publish(d, copy);
    }
}

static void loop(struct daemon *d)
{
    int64_t next = floor_to(util_now_ms(), d->cfg->interval_ms);

    for (;;) {
        int64_t now = util_now_ms();
        struct pollfd pfd = {.fd = d->wake[0], .events = POLLIN};
        int timeout = next > now ? (int)(next - now > 60000 ? 60000 : next - now) : 0;
        int stop = 0, hup = 0;

        if (poll(&pfd, 1, timeout) > 0) {
            char cmd[64];
            ssize_t n = read(d->wake[0], cmd, sizeof(cmd));

            for (ssize_t i = 0; i < n; i++) {
                stop |= cmd[i] == 'q';
                hup |= cmd[i] == 'h' || cmd[i] == 'r';
            }
        }
        if (stop)
            return;
        if (hup)
            do_reload(d);
        now = util_now_ms();
        if (now >= next) {
            int64_t t0 = util_now_ms();

            evaluate(d, next);
            next += d->cfg->interval_ms;
            now = util_now_ms();
            /* Only an evaluation longer than the interval skips ticks; one that
             * merely started late (the first one is for the tick before start)
             * is followed at once by the tick it ran into. */
            if (now >= next && now - t0 >= d->cfg->interval_ms) {
                log_warn("evaluation took longer than the interval; skipping ticks");
                next = floor_to(now, d->cfg->interval_ms) + d->cfg->interval_ms;
            }
        }
    }
}

int daemon_run(const struct daemon_opts *opts)
{
    struct daemon d;
    struct config_errors errs;
    struct err e = {{0}};
    struct http_hooks hooks;
    struct http_server *srv = NULL;
    struct webconfig *web = NULL;  /* until http_start takes it */
    struct snapshot *snap;
    int rc = 1;

    memset(&d, 0, sizeof(d));
    d.opts = opts;
    d.wake[0] = d.wake[1] = -1;
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, NULL);
    snapshot_holder_init(&d.holder);
    config_errors_init(&errs);
    if (config_load(opts->config_path, &d.cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            log_error("invalid config", "err", errs.msg[i]);
        goto out;
    }
    if (apply_shard(&d, d.cfg, &e) != 0)
        goto out;
    if (load_web(&d, &web, &e) != 0)
        goto out;
    d.be = backend_new(d.cfg, &e);
    if (d.be != NULL && backend_keep_state(d.be, &e) != 0) {
        backend_free(d.be);
        d.be = NULL;
    }
    if (d.be == NULL) {
        log_error("cannot start", "err", e.msg);
        goto out;
    }
    load_state(&d);
    d.hist = history_new();
    if (d.hist == NULL) {
        log_error("cannot start", "err", "out of memory");
        goto out;
    }
    load_history(&d);
    d.wh = webhook_start(d.cfg, &e);
    if (d.wh == NULL) {
        log_error("cannot start", "err", e.msg);
        goto out;
    }
    d.stats.config_reload_ok = 1;
    d.stats.config_reload_ts = (double)util_now_ms() / 1000.0;
    d.stats.backend_up = 1;
    if (pipe(d.wake) != 0) {
        log_error("cannot start", "err", "pipe failed");
        goto out;
    }
    fcntl(d.wake[0], F_SETFL, O_NONBLOCK);
    fcntl(d.wake[1], F_SETFL, O_NONBLOCK);
    wake_fd = d.wake[1];
    if (setup_signals() != 0) {
        log_error("cannot start", "err", "sigaction failed");
        goto out;
    }
    snap = snapshot_new(0);
    if (snap == NULL)
        goto out;
    publish(&d, snap);
    hooks.holder = &d.holder;
    hooks.history = d.hist;
    hooks.reload = http_reload;
    hooks.ctx = &d;
    srv = http_start(opts->listen_addr, &hooks, web, &e);
    if (srv == NULL) {
        log_error("cannot start", "err", e.msg);
        goto out;
    }
    d.srv = srv;
    log_web(web, "web config loaded");
    web = NULL;
    {
        char n[32];
        char iv[32];

        snprintf(n, sizeof(n), "%zu", d.cfg->nslos);
        util_duration_format(d.cfg->interval_ms, iv, sizeof(iv));
        log_info("slo-sidecar started", "listen", opts->listen_addr, "config",
                 opts->config_path, "slos", n, "interval", iv, "backend", d.cfg->prometheus.url);
    }
    warn_insecure(d.cfg);
    loop(&d);
    log_info("shutting down");
    save_history(&d, 1);
    rc = 0;
out:
    http_stop(srv);
    webhook_stop(d.wh);
    history_free(d.hist);
    webconfig_free(web);
    wake_fd = -1;
    if (d.wake[0] >= 0)
        close(d.wake[0]);
    if (d.wake[1] >= 0)
        close(d.wake[1]);
    backend_free(d.be);
    config_free(d.cfg);
    config_errors_free(&errs);
    free_lasterrs(&d);
    free_over(&d);
    snapshot_holder_destroy(&d.holder);
    pthread_cond_destroy(&d.cv);
    pthread_mutex_destroy(&d.mu);
    return rc;
}
