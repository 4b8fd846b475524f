/*
 * daemon: poller loop, scheduling, signals, reload. See daemon.h.
 *
 * Scheduling: at each tick T (a multiple of the interval) the poller hands
 * every SLO to the worker pool as one job (at most prometheus.concurrency
 * run at once, each on its worker's own connections). An SLO whose
 * previous job still runs is skipped for that tick (counted), so a slow
 * SLO delays only itself. Results come back through the wake pipe; the
 * poller merges them into the published snapshot as they arrive, at most
 * every PUBLISH_MS (and always at a tick or when the tick's jobs are all
 * done). Within one tick, once a request could not connect, the jobs of
 * that tick that have not started fail at once instead of each waiting for
 * the same timeout.
 *
 * Failure rules (contract): an SLO whose evaluation fails, or has not
 * finished, keeps its last published figures for at most 5 intervals,
 * then its series disappear; no value is ever made up. Each failure cause
 * is logged when it changes, not on every evaluation.
 *
 * Checkpoints: the exact state of an SLO belongs to the worker evaluating
 * it, so the worker also writes its record (exact_state_record) when the
 * tick asks for one: after the first evaluations, then every
 * state_checkpoint_interval. The poller writes the newest record of each
 * SLO as the state file once that tick's jobs are done, and writes the
 * whole state itself at shutdown, when no job runs.
 *
 * Reloads (POST /-/reload, SIGHUP, a change of the config's files) run on
 * the poller. HTTP requests only take a ticket and are parked by http (no
 * thread waits); requests made while a reload is pending share it, and one
 * reload answers every ticket taken before it read the files. A reload cuts
 * the running evaluations short (backend_cancel: their requests stop within
 * about a second, queued jobs fail at once), so it never waits for a slow
 * store.
 *
 * Shutdown (SIGTERM, SIGINT): parked reloads are answered 503, every
 * in-flight request (evaluations, the history reconstruction, webhook
 * deliveries) is cancelled at once, the state and history files are written
 * from what is complete, and the process exits 0, normally within about a
 * second; a watchdog exits after SHUTDOWN_MAX_MS whatever is left. A second
 * signal exits at once (128 + the signal).
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "configfiles.h"
#include "engine.h"
#include "pool.h"
#include "histfile.h"
#include "histfill.h"
#include "history.h"
#include "http.h"
#include "log.h"
#include "snapshot.h"
#include "statefile.h"
#include "util.h"
#include "webconfig.h"
#include "webhook.h"

#define KEEP_INTERVALS 5
/* The history file is written at most this often (and at shutdown). */
#define HISTORY_SAVE_MS (5 * 60 * 1000)
/* Results arriving one after another are published at most this often. */
#define PUBLISH_MS 200
/*
 * How often the config's files are looked at (a stat of each): a kubelet
 * updates a mounted ConfigMap about a minute after the edit, so a few
 * seconds more are nothing, and an editor's half-written save is usually
 * whole by the next look.
 */
#define WATCH_MS 3000
/*
 * The shutdown's bound: past it the watchdog exits without waiting for the
 * rest (Kubernetes' grace period is 30 s, but a fast restart is worth more).
 */
#define SHUTDOWN_MAX_MS 4500

struct lasterr {
    char *slo;
    char *msg;
};

struct daemon;

/* One SLO's evaluation at one tick, run on a worker. */
struct djob {
    struct pool_job link; /* first: the pool's */
    struct daemon *d;
    const struct config *cfg;
    struct backend *be;
    size_t slo;
    int64_t at;
    int want_record; /* append the state's checkpoint record */
    struct buf record;
    struct engine_result res;
    int oom;
};

/* The poller's view of one SLO of the current config. */
struct sched {
    int inflight;      /* a job of it runs */
    int attempted;     /* an evaluation finished since (re)load */
    struct buf record; /* newest checkpoint record; len 0: none */
};

/* While SLOs keep overrunning, the summary is logged at most this often. */
#define SKIP_LOG_MS (60 * 1000)

struct daemon {
    const struct daemon_opts *opts;
    struct config *cfg;
    struct backend *be;
    struct snapshot_holder holder;
    struct snapshot_stats stats; /* poller-owned; copied into each snapshot */
    struct lasterr *errs;
    size_t nerrs;
    int wake[2]; /* signals and reload requests */
    int jobs[2]; /* one byte per finished job (the pool writes) */
    /* Reload requests from HTTP threads, answered by the poller (http_reload_done). */
    pthread_mutex_t mu;
    unsigned long reload_req; /* tickets handed out */
    int reload_queued;        /* a wake-up for a reload is in the pipe */
    int state_failing;        /* the last state file write failed */
    struct history *hist;
    struct histfill *fill;         /* reconstructing the history of this config's SLOs */
    int fill_due;                  /* start it once an evaluation of this config succeeded */
    struct histfill_counts fill_n; /* over the sidecar's life */
    struct webhooks *wh;
    int64_t hist_saved_ms; /* monotonic time of the last history file write */
    int hist_failing;      /* the last history file write failed */
    char **over;           /* SLOs over their max_groups at the last evaluation */
    size_t nover;
    struct http_server *srv; /* set once listening; http_update on reload */
    /* scheduling */
    struct pool *pool;
    size_t nworkers;
    int64_t *round_at;       /* per worker: tick of its round (that worker only) */
    pthread_mutex_t down_mu; /* guards down_at and down_msg (workers and poller) */
    int64_t down_at;         /* tick at which a request could not connect */
    char down_msg[UTIL_ERRLEN + 64];
    struct sched *sched;       /* per SLO of cfg */
    size_t inflight;           /* jobs running or queued */
    int64_t tick;              /* the newest tick */
    struct engine_run pending; /* results since the last publication */
    int dirty;                 /* pending holds something to publish */
    int trim_due;              /* a tick's jobs ran: trim once they are done */
    int64_t published_mono;
    int ever_ok; /* some SLO evaluation succeeded */
    /* checkpoints */
    int64_t record_tick;      /* tick whose jobs write records; 0: none */
    size_t records_due;       /* of those, jobs still running */
    int64_t checkpoint_mono;  /* when the last checkpoint tick began; 0: never */
    int64_t skip_logged_mono; /* last overrun summary; 0: SLOs on schedule */
    int64_t skip_last_mono;   /* last tick that skipped an SLO */
    /* the config's files, watched by polling their fingerprint */
    uint64_t config_fp; /* as of the last load or reload attempt */
    int64_t watch_mono; /* next look at the files */
};

static int wake_fd = -1;
static volatile sig_atomic_t quit_signals;

/*
 * Signals only write to the wake pipe; the poller does the work. The one
 * exception: a second SIGTERM or SIGINT exits at once (as Prometheus does),
 * whatever the poller is doing, without writing the state. _exit is
 * async-signal-safe.
 */
static void on_signal(int sig)
{
    char c = sig == SIGHUP ? 'h' : 'q';
    int saved = errno;
    ssize_t w;

    if (c == 'q' && quit_signals++ > 0)
        _exit(128 + sig);
    w = write(wake_fd, &c, 1);
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
    d->stats.history_fill_ok = atomic_load(&d->fill_n.slos_ok);
    d->stats.history_fill_failed = atomic_load(&d->fill_n.slos_failed);
    d->stats.history_fill_points = atomic_load(&d->fill_n.points);
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

/* The size of the file just written at path, for the bytes-written counter
 * (0 when it cannot be read: the counter then undercounts, never invents). */
static uint64_t written_size(const char *path)
{
    struct stat st;

    return path != NULL && stat(path, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

/* Logs a state file write's failure when it starts and its success when it
 * ends, and counts the bytes of a successful one. */
static void note_state_write(struct daemon *d, int rc, const struct err *e)
{
    if (rc == 0)
        d->stats.state_bytes += written_size(d->cfg->state_file);
    if (rc != 0) {
        d->stats.state_write_failures++;
        if (!d->state_failing)
            log_warn("cannot write the state file", "err", e->msg);
        d->state_failing = 1;
    } else {
        if (d->state_failing)
            log_info("state file written again", "file", d->cfg->state_file);
        d->state_failing = 0;
    }
}

/* Writes the whole state from the states themselves: no job may be running. */
static void save_state(struct daemon *d)
{
    struct err e = {{0}};

    if (d->cfg->state_file == NULL)
        return;
    note_state_write(d, backend_save_state(d->be, d->cfg->state_file, &e), &e);
}

/* Writes the newest record of each SLO, once the checkpoint tick's jobs are done. */
static void save_records(struct daemon *d)
{
    struct err e = {{0}};
    struct buf *rec;
    int rc;

    if (d->cfg->state_file == NULL)
        return;
    rec = calloc(d->cfg->nslos ? d->cfg->nslos : 1, sizeof(*rec));
    if (rec == NULL)
        return;
    /* Shallow views: the records stay the scheduler's. */
    for (size_t i = 0; i < d->cfg->nslos; i++)
        rec[i] = d->sched[i].record;
    rc = backend_save_records(d->be, rec, d->cfg->nslos, d->cfg->state_file, &e);
    free(rec);
    note_state_write(d, rc, &e);
    if (rc == 0) {
        log_debug("state file written", "file", d->cfg->state_file);
        /* The file holds them now: an SLO without a fresh record at the
         * next checkpoint keeps the one written here (exact_save_records). */
        for (size_t i = 0; i < d->cfg->nslos; i++) {
            buf_free(&d->sched[i].record);
            buf_init(&d->sched[i].record, STATEFILE_MAX);
        }
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
        d->stats.history_write_failures++;
        if (!d->hist_failing)
            log_warn("cannot write the history file", "err", e.msg);
        d->hist_failing = 1;
    } else {
        char *path = histfile_path(d->cfg->state_file);

        d->stats.history_bytes += written_size(path);
        free(path);
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
        int w = snprintf(grp + at, sizeof(grp) - at, "%s%s=%s", i ? "," : "", ev->group.v[i].name,
                         ev->group.v[i].value);

        if (w < 0)
            break;
        at += (size_t)w;
    }
    /* "group" only for grouped SLOs: a NULL key ends log_kv's list. */
    if (ev->kind == HISTORY_EVENT_STATUS)
        log_info("SLO status changed", "slo", ev->slo, "from",
                 ev->has_from ? slo_status_str(ev->from) : "unknown", "to", slo_status_str(ev->to),
                 grp[0] ? "group" : NULL, grp);
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

/* max_groups of one result: counts what was left out; logs going over and back under. */
static void note_over(struct daemon *d, const char *slo, const struct engine_result *r)
{
    int over = r->ok && r->groups > r->kept;
    int was = was_over(d, slo);

    if (!r->ok)
        return;
    if (over) {
        d->stats.groups_dropped += r->groups - r->kept;
        if (!was) {
            char **n = realloc(d->over, (d->nover + 1) * sizeof(*n));
            char g[32], k[32];

            snprintf(g, sizeof(g), "%zu", r->groups);
            snprintf(k, sizeof(k), "%zu", r->kept);
            log_error("SLO has more groups than max_groups; only the first in label order are "
                      "evaluated",
                      "slo", slo, "groups", g, "max_groups", k);
            if (n != NULL) {
                d->over = n;
                if ((n[d->nover] = util_strdup(slo)) != NULL)
                    d->nover++;
            }
        }
    } else if (was) {
        log_info("SLO back within max_groups", "slo", slo);
        for (size_t i = 0; i < d->nover; i++)
            if (strcmp(d->over[i], slo) == 0) {
                free(d->over[i]);
                d->over[i] = d->over[--d->nover];
                break;
            }
    }
    d->stats.slos_over_groups = d->nover;
}

/* The tick's short cut: once a request could not connect, later jobs of the tick fail at once. */
static int down_check(struct daemon *d, int64_t at, char *msg, size_t len)
{
    int down;

    pthread_mutex_lock(&d->down_mu);
    down = d->down_at == at && d->down_msg[0] != '\0';
    if (down)
        snprintf(msg, len, "%s", d->down_msg);
    pthread_mutex_unlock(&d->down_mu);
    return down;
}

static void down_note(struct daemon *d, int64_t at, const char *msg)
{
    pthread_mutex_lock(&d->down_mu);
    if (d->down_at != at || d->down_msg[0] == '\0') {
        d->down_at = at;
        snprintf(d->down_msg, sizeof(d->down_msg), "not evaluated: %s", msg);
    }
    pthread_mutex_unlock(&d->down_mu);
}

/* A worker's job: one SLO's evaluation, and its checkpoint record when asked. */
static void run_job(void *ctx, size_t worker, struct pool_job *pj)
{
    struct daemon *d = ctx;
    struct djob *j = (struct djob *)pj;
    char down[sizeof(d->down_msg)];

    /* Queued before a reload or shutdown cut the round short: not started. */
    if (backend_cancelled(j->be)) {
        j->res.slo = j->slo;
        j->res.at_ms = j->at;
        j->res.msg = util_strdup("cancelled (the sidecar is stopping or reloading)");
        j->oom = j->res.msg == NULL;
        return;
    }
    if (down_check(d, j->at, down, sizeof(down))) {
        j->res.slo = j->slo;
        j->res.at_ms = j->at;
        j->res.msg = util_strdup(down);
        j->oom = j->res.msg == NULL;
        return;
    }
    if (d->round_at[worker] != j->at) {
        backend_new_round(j->be, worker);
        d->round_at[worker] = j->at;
    }
    if (engine_eval_slo(j->cfg, j->be, worker, j->slo, j->at, &j->res) != 0) {
        j->oom = 1;
        return;
    }
    if (!j->res.ok && j->res.unreachable && !backend_cancelled(j->be))
        down_note(d, j->at, j->res.msg);
    if (j->want_record && j->res.ok && backend_state_record(j->be, j->slo, &j->record) < 0)
        buf_reset(&j->record);
}

static void job_free(struct djob *j)
{
    engine_result_clear(&j->res);
    buf_free(&j->record);
    free(j);
}

/* Folds a finished job into the scheduler, the stats and the figures to publish. */
static void finish(struct daemon *d, struct djob *j)
{
    const char *name;
    struct sched *s;

    d->inflight--;
    if (j->cfg != d->cfg || backend_cancelled(j->be)) {
        /* A job of a config just replaced, or cut short by a reload: nothing to say. */
        job_free(j);
        return;
    }
    name = d->cfg->slos[j->slo].name;
    s = &d->sched[j->slo];
    s->inflight = 0;
    if (j->want_record) {
        if (j->record.len > 0) {
            buf_free(&s->record);
            s->record = j->record;
            /* Kept until this checkpoint is written (about 8 KiB for a 30d
             * SLO), in a block that doubling made up to twice that. */
            buf_trim(&s->record);
            buf_init(&j->record, 0);
        }
        /* A straggler of an earlier checkpoint tick brings a newer record, but
         * the current checkpoint does not wait for it. */
        if (j->at == d->record_tick && d->records_due > 0 && --d->records_due == 0)
            save_records(d);
    }
    if (j->oom) {
        log_error("SLO evaluation failed", "slo", name, "err", "out of memory");
        d->stats.eval_failure++;
        job_free(j);
        return;
    }
    s->attempted = 1;
    d->stats.backend_retries += j->res.retries;
    snapshot_stats_observe(&d->stats, j->res.seconds);
    note_result(d, name, j->res.ok ? NULL : j->res.msg);
    note_over(d, name, &j->res);
    if (j->res.ok) {
        d->stats.eval_success++;
        d->ever_ok = 1;
    } else {
        d->stats.eval_failure++;
    }
    {
        char ts[40], took[32];

        util_time_format(j->at, ts, sizeof(ts));
        snprintf(took, sizeof(took), "%.3fs", j->res.seconds);
        log_debug("evaluation done", "slo", name, "at", ts, "result",
                  j->res.ok ? "success" : "failure", "took", took);
    }
    if (engine_run_add(&d->pending, d->cfg, &j->res) != 0)
        log_error("SLO evaluation failed", "slo", name, "err", "out of memory");
    d->dirty = 1;
    job_free(j);
}

/*
 * Once every SLO of the config was evaluated and one succeeded (so the
 * history knows the instances), reconstructs what the history lacks in
 * the background.
 */
static void start_fill(struct daemon *d)
{
    struct err e = {{0}};

    if (!d->fill_due || !d->ever_ok || d->hist == NULL)
        return;
    for (size_t i = 0; i < d->cfg->nslos; i++)
        if (!d->sched[i].attempted)
            return;
    d->fill_due = 0;
    d->fill = histfill_start(d->cfg, d->hist, &d->fill_n, &e);
    if (d->fill == NULL)
        log_warn("history not reconstructed", "err", e.msg);
}

/* The shutdown's watchdog: exits once SHUTDOWN_MAX_MS have passed unless the shutdown ended. */
struct watchdog {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    int done;          /* the shutdown ended: return */
    pthread_t th;
    int running;
};

static void *watchdog_run(void *arg)
{
    struct watchdog *w = arg;
    struct timespec until;
    int late;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += SHUTDOWN_MAX_MS / 1000;
    until.tv_nsec += (SHUTDOWN_MAX_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->done && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0)
        ;
    late = !w->done;
    pthread_mutex_unlock(&w->mu);
    if (late) {
        char ms[32];

        snprintf(ms, sizeof(ms), "%dms", SHUTDOWN_MAX_MS);
        log_error("shutdown not finished in time; exiting without waiting for the rest", "limit",
                  ms);
        _exit(0);
    }
    return NULL;
}

/* Starts the watchdog; without a thread, the shutdown goes on unwatched. */
static void watchdog_start(struct watchdog *w)
{
    pthread_condattr_t ca;

    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    w->done = 0;
    w->running = pthread_create(&w->th, NULL, watchdog_run, w) == 0;
    if (!w->running)
        log_warn("shutdown watchdog not started", "err", "cannot start a thread");
}

/* The shutdown ended: stops the watchdog. Accepts one never started (running 0). */
static void watchdog_stop(struct watchdog *w)
{
    if (!w->running)
        return;
    pthread_mutex_lock(&w->mu);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->running = 0;
}

/* Publishes the figures gathered since the last publication, with the kept ones. */
static void publish_figures(struct daemon *d)
{
    struct snapshot *prev = snapshot_holder_acquire(&d->holder);
    struct snapshot *snap;
    int all = 1;

    /* Figures of T are kept while T > now - 5 intervals: at the tick T + 5
     * intervals they are gone (the contract's "at most 5 intervals"). */
    snap = engine_merge(d->cfg, &d->pending, prev,
                        d->tick - KEEP_INTERVALS * d->cfg->interval_ms + 1);
    snapshot_release(&d->holder, prev);
    engine_run_free(&d->pending);
    if (engine_run_init(&d->pending, d->cfg, d->tick) != 0)
        log_error("evaluation failed", "err", "out of memory");
    d->dirty = 0;
    d->published_mono = util_mono_ms();
    if (snap == NULL) {
        log_error("evaluation failed", "err", "out of memory building the snapshot");
        return;
    }
    for (size_t i = 0; i < d->cfg->nslos; i++)
        all &= d->sched[i].attempted;
    /* Ready once every SLO has figures or a recorded failure, and one has
     * succeeded; a shard may own no SLO at all. */
    if ((all && d->ever_ok) || d->cfg->nslos == 0)
        d->stats.ready = 1;
    d->stats.backend_up = backend_up(d->be);
    snap->at_ms = d->tick;
    publish(d, snap);
    /* The holder keeps snap alive: only this thread publishes. */
    record_history(d, snap);
    /* After the record: the history must know the instances to fill. */
    start_fill(d);
}

/* Takes every finished job; with block, waits until none is running. */
static void drain(struct daemon *d, int block)
{
    struct pool_job *pj;

    while ((pj = pool_take(d->pool, block)) != NULL)
        finish(d, (struct djob *)pj);
}

/* Cancels what runs and waits for every job to come back (before a reload or exit). */
static void stop_jobs(struct daemon *d)
{
    if (d->pool == NULL)
        return;
    backend_cancel(d->be, 1);
    drain(d, 1);
    backend_cancel(d->be, 0);
    d->records_due = 0;
}

/*
 * SLOs still running at a tick: one summary when it starts and at most every
 * SKIP_LOG_MS while it goes on (1,000 slow SLOs make one line, not 1,000; a
 * steadily slow SLO, skipped every other tick, one line a minute), and "back
 * on schedule" once SKIP_LOG_MS has passed without a skip.
 */
static void note_skipped(struct daemon *d, size_t skipped, const char *first)
{
    int64_t now = util_mono_ms();
    char n[32];

    if (skipped == 0) {
        if (d->skip_logged_mono != 0 && now - d->skip_last_mono >= SKIP_LOG_MS) {
            log_info("SLO evaluations back on schedule");
            d->skip_logged_mono = 0;
        }
        return;
    }
    d->skip_last_mono = now;
    if (d->skip_logged_mono != 0 && now - d->skip_logged_mono < SKIP_LOG_MS)
        return;
    d->skip_logged_mono = now;
    snprintf(n, sizeof(n), "%zu", skipped);
    log_warn("SLO evaluations still running at the next tick are skipped for it; the other "
             "SLOs keep their schedule",
             "skipped", n, "first", first);
}

/* Starts the jobs of tick at: one per SLO whose previous job has finished. */
static void tick(struct daemon *d, int64_t at)
{
    size_t skipped = 0;

    d->trim_due = 1;
    const char *first = NULL;
    int records = d->cfg->state_file != NULL &&
                  (d->checkpoint_mono == 0 ||
                   util_mono_ms() - d->checkpoint_mono >= d->cfg->checkpoint_ms);

    /* Each publication holds at most one result per SLO. */
    if (d->dirty)
        publish_figures(d);
    d->tick = at;
    if (records) {
        d->checkpoint_mono = util_mono_ms();
        d->record_tick = at;
        d->records_due = 0;
    }
    for (size_t i = 0; i < d->cfg->nslos; i++) {
        struct sched *s = &d->sched[i];
        struct djob *j;

        if (s->inflight) {
            d->stats.eval_skipped++;
            /* A first evaluation is a backfill, expected to outlast a tick:
             * counted, but not worth a warning. */
            if (s->attempted && skipped++ == 0)
                first = d->cfg->slos[i].name;
            continue;
        }
        j = calloc(1, sizeof(*j));
        if (j == NULL) {
            log_error("SLO evaluation failed", "slo", d->cfg->slos[i].name, "err",
                      "out of memory");
            continue;
        }
        j->d = d;
        j->cfg = d->cfg;
        j->be = d->be;
        j->slo = i;
        j->at = at;
        j->want_record = records;
        buf_init(&j->record, STATEFILE_MAX);
        s->inflight = 1;
        d->inflight++;
        d->records_due += records;
        pool_submit(d->pool, &j->link);
    }
    note_skipped(d, skipped, first);
    /* Stale figures must vanish even when no result comes in. */
    d->dirty = 1;
}

/* A pool and per-SLO schedule for the current config. 0, or -1 logged. */
static int sched_start(struct daemon *d)
{
    struct err e = {{0}};

    d->nworkers = backend_nworkers(d->be);
    d->round_at = calloc(d->nworkers, sizeof(*d->round_at));
    d->sched = calloc(d->cfg->nslos ? d->cfg->nslos : 1, sizeof(*d->sched));
    if (d->round_at == NULL || d->sched == NULL ||
        engine_run_init(&d->pending, d->cfg, d->tick) != 0) {
        log_error("cannot start", "err", "out of memory");
        return -1;
    }
    for (size_t i = 0; i < d->cfg->nslos; i++)
        buf_init(&d->sched[i].record, STATEFILE_MAX);
    d->pool = pool_new(d->nworkers, run_job, d, d->jobs[1], &e);
    if (d->pool == NULL) {
        log_error("cannot start", "err", e.msg);
        return -1;
    }
    return 0;
}

/* Frees the pool and schedule; no job may be running. */
static void sched_stop(struct daemon *d, size_t nslos)
{
    pool_free(d->pool);
    d->pool = NULL;
    for (size_t i = 0; d->sched != NULL && i < nslos; i++)
        buf_free(&d->sched[i].record);
    free(d->sched);
    d->sched = NULL;
    free(d->round_at);
    d->round_at = NULL;
    engine_run_free(&d->pending);
    d->inflight = 0;
    d->records_due = 0;
    d->record_tick = 0;
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
    /* Taken before reading: a change while reading is seen at the next look. */
    d->config_fp = configfiles_fingerprint(d->opts->config_path);
    if (config_load(d->opts->config_path, &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            log_error("invalid config", "err", errs.msg[i]);
        util_err(e, "%s%s", errs.n ? errs.msg[0] : "invalid config",
                 errs.n > 1 ? " (and more errors, see the log)" : "");
        config_errors_free(&errs);
        d->stats.config_reload_ok = 0;
        return -1;
    }
    if (config_needs_store(cfg, "the daemon", e) != 0) {
        log_error("invalid config", "err", e->msg);
        config_free(cfg);
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
    be = backend_new(cfg, (size_t)cfg->prometheus.concurrency, e);
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
    /* Nothing can fail from here: the old config's figures go out, its jobs
     * stop, and its states (quiet now) pass to the new backend. */
    if (d->dirty)
        publish_figures(d);
    stop_jobs(d);
    sched_stop(d, d->cfg->nslos);
    {
        struct err te = {{0}};
        int n = backend_take_state(be, d->be, &te);

        if (n < 0) {
            log_warn("state not carried over the reload; SLOs will be backfilled", "err", te.msg);
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
    histfill_stop(d->fill);
    d->fill = NULL;
    d->fill_due = 1;
    backend_free(d->be);
    config_free(d->cfg);
    d->be = be;
    d->cfg = cfg;
    if (sched_start(d) != 0)
        log_error("evaluations stopped", "err", "cannot restart the workers");
    d->stats.config_reload_ok = 1;
    d->stats.config_reload_ts = (double)util_now_ms() / 1000.0;
    log_info("config reloaded", "file", d->opts->config_path);
    warn_insecure(cfg);
    return 0;
}

/*
 * The HTTP threads' reload hook: a ticket, never a wait. Only the first
 * request of a pending reload wakes the poller; the others share its reload.
 */
static unsigned long http_reload(void *ctx, struct err *e)
{
    struct daemon *d = ctx;
    unsigned long ticket;
    int wake;
    char c = 'r';

    pthread_mutex_lock(&d->mu);
    ticket = ++d->reload_req;
    wake = !d->reload_queued;
    d->reload_queued = 1;
    if (wake && write(d->wake[1], &c, 1) != 1) {
        d->reload_queued = 0;
        pthread_mutex_unlock(&d->mu);
        util_err(e, "cannot signal the poller");
        return 0;
    }
    pthread_mutex_unlock(&d->mu);
    return ticket;
}

/* Reloads, answers the HTTP requests it serves, and republishes. */
static void do_reload(struct daemon *d)
{
    struct err e = {{0}};
    unsigned long upto;
    int rc;
    struct snapshot *snap;

    /* Only the requests made before this reload read the file are answered
     * by it; one that arrives meanwhile queues a wake-up of its own and gets
     * the next reload (else it could get "ok" for a file it never saw). */
    pthread_mutex_lock(&d->mu);
    upto = d->reload_req;
    d->reload_queued = 0;
    pthread_mutex_unlock(&d->mu);
    rc = reload(d, &e);
    http_reload_done(d->srv, upto, rc, &e);
    if (rc == 0) {
        /* New SLO set: evaluate at once on the current grid point. */
        tick(d, floor_to(util_now_ms(), d->cfg->interval_ms));
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

/* Reads a non-blocking pipe empty; what it held, as flags of the bytes seen. */
static void read_pipe(int fd, int *stop, int *hup)
{
    char cmd[256];
    ssize_t n;

    while ((n = read(fd, cmd, sizeof(cmd))) > 0)
        for (ssize_t i = 0; i < n; i++) {
            *stop |= cmd[i] == 'q';
            *hup |= cmd[i] == 'h' || cmd[i] == 'r';
        }
}

static void loop(struct daemon *d)
{
    int64_t next = floor_to(util_now_ms(), d->cfg->interval_ms);

    for (;;) {
        int64_t now = util_now_ms();
        int64_t wait = next > now ? next - now : 0;
        struct pollfd pfd[2] = {{.fd = d->wake[0], .events = POLLIN},
                                {.fd = d->jobs[0], .events = POLLIN}};
        int stop = 0, hup = 0;

        if (d->dirty) {
            int64_t left = d->published_mono + PUBLISH_MS - util_mono_ms();

            if (left < wait)
                wait = left > 0 ? left : 0;
        }
        if (d->watch_mono - util_mono_ms() < wait)
            wait = d->watch_mono > util_mono_ms() ? d->watch_mono - util_mono_ms() : 0;
        if (poll(pfd, 2, (int)(wait > 60000 ? 60000 : wait)) > 0) {
            int ignore = 0;

            if (pfd[0].revents & POLLIN)
                read_pipe(d->wake[0], &stop, &hup);
            if (pfd[1].revents & POLLIN)
                read_pipe(d->jobs[0], &ignore, &ignore);
        }
        drain(d, 0);
        if (stop)
            return;
        if (!hup && util_mono_ms() >= d->watch_mono) {
            d->watch_mono = util_mono_ms() + WATCH_MS;
            if (configfiles_fingerprint(d->opts->config_path) != d->config_fp) {
                log_info("config files changed; reloading", "file", d->opts->config_path);
                hup = 1;
            }
        }
        if (hup)
            do_reload(d);
        now = util_now_ms();
        if (now >= next) {
            tick(d, next);
            next += d->cfg->interval_ms;
            /* The poller itself fell behind (a slow reload): go on from now. */
            if (util_now_ms() >= next) {
                log_warn("the poller fell behind by more than an interval; skipping ticks");
                next = floor_to(util_now_ms(), d->cfg->interval_ms) + d->cfg->interval_ms;
            }
        }
        /* Coalesced: at most every PUBLISH_MS, at once when the tick's jobs are done. */
        if (d->dirty && (d->inflight == 0 || util_mono_ms() - d->published_mono >= PUBLISH_MS))
            publish_figures(d);
        /* Reads, decoding and pages run on several threads, each with its
         * own malloc arena: without a trim the RSS would carry the
         * backfill's and the busiest read's peak for good. A few ms for a
         * 100 MB heap, once an interval, when nothing runs. */
        if (d->trim_due && d->inflight == 0 && !d->dirty) {
            d->trim_due = 0;
            util_trim_heap();
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
    struct webconfig *web = NULL; /* until http_start takes it */
    struct snapshot *snap;
    struct watchdog wd = {.running = 0};
    int rc = 1;

    memset(&d, 0, sizeof(d));
    d.opts = opts;
    d.wake[0] = d.wake[1] = -1;
    d.jobs[0] = d.jobs[1] = -1;
    pthread_mutex_init(&d.mu, NULL);
    pthread_mutex_init(&d.down_mu, NULL);
    snapshot_holder_init(&d.holder);
    config_errors_init(&errs);
    d.config_fp = configfiles_fingerprint(opts->config_path);
    d.watch_mono = util_mono_ms() + WATCH_MS;
    if (config_load(opts->config_path, &d.cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            log_error("invalid config", "err", errs.msg[i]);
        goto out;
    }
    if (config_needs_store(d.cfg, "the daemon", &e) != 0) {
        log_error("cannot start", "err", e.msg);
        goto out;
    }
    /* Both log what is wrong themselves. */
    if (apply_shard(&d, d.cfg, &e) != 0 || load_web(&d, &web, &e) != 0)
        goto out;
    d.be = backend_new(d.cfg, (size_t)d.cfg->prometheus.concurrency, &e);
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
    if (pipe(d.wake) != 0 || pipe(d.jobs) != 0) {
        log_error("cannot start", "err", "pipe failed");
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(d.wake[i], F_SETFL, O_NONBLOCK);
        fcntl(d.jobs[i], F_SETFL, O_NONBLOCK);
    }
    wake_fd = d.wake[1];
    d.tick = floor_to(util_now_ms(), d.cfg->interval_ms);
    if (sched_start(&d) != 0)
        goto out;
    if (setup_signals() != 0) {
        log_error("cannot start", "err", "sigaction failed");
        goto out;
    }
    snap = snapshot_new(0);
    if (snap == NULL)
        goto out;
    publish(&d, snap);
    memset(&hooks, 0, sizeof(hooks));
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
        log_info("slo-sidecar started", "listen", opts->listen_addr, "config", opts->config_path,
                 "slos", n, "interval", iv, "backend", d.cfg->prometheus.url);
    }
    warn_insecure(d.cfg);
    d.fill_due = 1;
    loop(&d);
    log_info("shutting down");
    watchdog_start(&wd);
    /* Everything in flight is cancelled first, then waited for: the waits
     * overlap (about a second at worst, libcurl's progress callback). */
    http_reload_close(srv, "the sidecar is stopping");
    backend_cancel(d.be, 1);
    histfill_cancel(d.fill);
    webhook_stop(d.wh);
    d.wh = NULL;
    histfill_stop(d.fill);
    d.fill = NULL;
    stop_jobs(&d);
    save_state(&d);
    save_history(&d, 1);
    log_info("stopped");
    rc = 0;
out:
    http_stop(srv);
    histfill_stop(d.fill);
    stop_jobs(&d);
    sched_stop(&d, d.cfg != NULL ? d.cfg->nslos : 0);
    webhook_stop(d.wh);
    history_free(d.hist);
    webconfig_free(web);
    wake_fd = -1;
    if (d.wake[0] >= 0)
        close(d.wake[0]);
    if (d.wake[1] >= 0)
        close(d.wake[1]);
    for (int i = 0; i < 2; i++)
        if (d.jobs[i] >= 0)
            close(d.jobs[i]);
    backend_free(d.be);
    config_free(d.cfg);
    config_errors_free(&errs);
    free_lasterrs(&d);
    free_over(&d);
    snapshot_holder_destroy(&d.holder);
    pthread_mutex_destroy(&d.down_mu);
    pthread_mutex_destroy(&d.mu);
    watchdog_stop(&wd);
    return rc;
}
