/*
 * Unit tests for exactstate: the incremental exact state of one SLO, read
 * through remote_read, driven evaluation by evaluation against fakerr.h's
 * store, which answers each ReadRequest from the series it holds (matchers,
 * range, streamed XOR chunks or SAMPLES) while the test adds samples
 * between evaluations, some
 * of them late. At every step each window of each group is compared exactly
 * (==, counts are integers) with a brute-force reference that applies the
 * contract's rules to the raw samples the store holds at that step:
 *  - events: per series, each pair of consecutive samples whose later one
 *    lies in (T-W, T] adds later - earlier, or later when the value dropped;
 *    a series' first sample adds nothing; stale markers are skipped; a
 *    repeated timestamp keeps its first sample;
 *  - time slices: the slices (k*s, (k+1)*s] wholly inside the window; one is
 *    good when the newest sample in it satisfies the condition for every
 *    series of the group that has a sample there, bad when none has.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>

#include "fakerr.h"
#include "answer.h"
#include "config.h"
#include "exactread.h"
#include "apiread.h"
#include "exact.h"
#include "exactstate.h"
#include "exacttally.h"
#include "remote_read.h"
#include "statefile.h"
#include "binio.h"
#include "slo.h"
#include "util.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-01-05T00:00:00Z: a Monday, a day boundary. Evaluations start near it. */
#define T0 1767571200000LL

/* ---- the data: series fed by generators ------------------------------- */

enum role {
    ROLE_OTHER, /* matches no selector of the SLOs */
    ROLE_ERR,   /* the error selector */
    ROLE_GOOD,  /* the good selector (latency: the bucket at the threshold) */
    ROLE_TOTAL, /* the total selector */
    ROLE_GAUGE  /* the time-slice gauge */
};

/*
 * One series of the store and how its samples come: every `every` ms from
 * `next` on, each reaching the store `delay` ms after its timestamp (a
 * delay of up to EXACTSTATE_OVERLAP_MS is a late sample the state must still
 * count). From `stop` on it writes one stale marker and falls silent.
 * With quirks a counter also resets, writes stale markers and repeats
 * timestamps (at once, or the previous one a scrape later); a gauge misses
 * scrapes and writes stale markers.
 */
struct gen {
    size_t series;
    enum role role;
    char group[16]; /* its ns label, "" when none */
    int64_t every, next, delay, stop;
    int quirks;
    double v;
    int64_t prev_t; /* last non-stale sample, 0 after a stale marker */
    struct rng rng;
};

#define MAX_GENS 80

/* A sample the reference must not see (a state is right not to have read it). */
struct hidden {
    size_t series;
    int64_t t;
};

/* One SLO's state and its last answer. */
struct ev {
    const struct config_slo *slo;
    struct exactstate *st;
    struct answer_partials ps;
    int64_t seen_from; /* the state's backfill read from here: a pair whose
                          earlier sample is older is not seen (0: all are) */
};

#define MAX_EVS 8

struct fx {
    struct fakerr_db db;
    struct config *cfg;
    int api;                      /* read through api_read (else remote_read) */
    struct remote_read_client *c; /* remote_read */
    struct rawsrc *src;           /* the transport the states read through */
    struct gen g[MAX_GENS];
    size_t ng;
    struct hidden hide[4];
    size_t nhide;
    struct ev ev[MAX_EVS]; /* states (slo NULL: free slot), freed by teardown */
    struct buf img;        /* a checkpoint image, freed by teardown */
};

static uint64_t gen_rnd(struct gen *g)
{
    return rnd(&g->rng) >> 11;
}

/*
 * A generator for a new series of role with labels "name", "value", ...,
 * NULL, whose first sample is at first.
 */
static struct gen *gen_new(struct fx *f, enum role role, int64_t first, int64_t every,
                           int64_t delay, int quirks, ...)
{
    const char *kv[20];
    struct gen *g;
    const char *ns;
    size_t n = 0;
    va_list ap;

    assert_true(f->ng < MAX_GENS);
    va_start(ap, quirks);
    while ((kv[n] = va_arg(ap, const char *)) != NULL) {
        n++;
        assert_true(n < 19);
    }
    va_end(ap);
    g = &f->g[f->ng];
    memset(g, 0, sizeof(*g));
    g->series = fakerr_db_series(&f->db, kv);
    g->role = role;
    ns = labels_get(&f->db.s[g->series].labels, "ns");
    snprintf(g->group, sizeof(g->group), "%s", ns != NULL ? ns : "");
    g->next = first;
    g->every = every;
    g->delay = delay;
    g->quirks = quirks;
    g->rng.s = 0x9e3779b97f4a7c15ull * (f->ng + 1);
    g->v = (double)(10 * (f->ng + 1));
    f->ng++;
    return g;
}

/* Writes the sample of g due at t (if any) into the store. */
static void emit(struct fx *f, struct gen *g, int64_t t)
{
    unsigned r = (unsigned)(gen_rnd(g) % 100);

    if (g->role == ROLE_GAUGE) {
        if (g->quirks && r < 8)
            return; /* a missed scrape */
        if (g->quirks && r < 10) {
            fakerr_db_add(&f->db, g->series, t, fakerr_stale());
            return;
        }
        fakerr_db_add(&f->db, g->series, t, r < 25 ? 0 : 1);
        return;
    }
    if (g->quirks && r < 3) {
        g->v = (double)(gen_rnd(g) % 4); /* a counter reset (or no change) */
    } else if (g->quirks && r < 6) {
        fakerr_db_add(&f->db, g->series, t, fakerr_stale());
        g->prev_t = 0;
        return;
    } else {
        g->v += (double)(gen_rnd(g) % 6);
    }
    fakerr_db_add(&f->db, g->series, t, g->v);
    /* Repeated timestamps: the first sample of a timestamp is the one that counts. */
    if (g->quirks && r >= 6 && r < 9)
        fakerr_db_add(&f->db, g->series, t, g->v + 50);
    if (g->quirks && r >= 9 && r < 12 && g->prev_t != 0)
        fakerr_db_add(&f->db, g->series, g->prev_t, g->v + 7);
    g->prev_t = t;
}

/* Puts into the store every sample that has reached it by now. */
static void feed(struct fx *f, int64_t now)
{
    for (size_t i = 0; i < f->ng; i++) {
        struct gen *g = &f->g[i];

        while (g->next <= now - g->delay) {
            if (g->stop != 0 && g->next >= g->stop) {
                fakerr_db_add(&f->db, g->series, g->next, fakerr_stale());
                g->next = INT64_MAX;
                break;
            }
            emit(f, g, g->next);
            g->next += g->every;
        }
    }
}

/* ---- the reference ------------------------------------------------------ */

static int hidden(const struct fx *f, size_t series, int64_t t)
{
    for (size_t i = 0; i < f->nhide; i++)
        if (f->hide[i].series == series && f->hide[i].t == t)
            return 1;
    return 0;
}

static int is_stale(double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    return bits == STALE_BITS;
}

/* A sample the reference counts: not stale, not hidden (duplicates are kept apart). */
static int counts(const struct fx *f, size_t si, size_t k)
{
    return !is_stale(f->db.s[si].v[k]) && !hidden(f, si, f->db.s[si].t[k]);
}

/*
 * The events of store series si in (from, to], straight from the contract.
 * restart > 0: a pair more than restart ms apart does not count (the
 * series was forgotten in between and came back). since != 0: a pair whose
 * earlier sample is at or before since does not count (the state's read
 * began after it: a series silent for longer than the lookback before a
 * backfill's read starts there, as the contract's one-shot read does).
 */
static double ref_events(const struct fx *f, size_t si, int64_t from, int64_t to, int64_t restart,
                         int64_t since)
{
    const struct fakerr_series *s = &f->db.s[si];
    size_t k = fakerr_lower(s, from + 1), j = k;
    int has = 0;
    int64_t pt = 0;
    double pv = 0, sum = 0;

    while (j > 0) {
        j--;
        if (counts(f, si, j)) {
            has = 1;
            pt = s->t[j];
            pv = s->v[j];
            break;
        }
    }
    for (; k < s->n && s->t[k] <= to; k++) {
        if (!counts(f, si, k))
            continue;
        if (has && (restart == 0 || s->t[k] - pt <= restart) && (since == 0 || pt > since))
            sum += s->v[k] >= pv ? s->v[k] - pv : s->v[k];
        has = 1;
        pt = s->t[k];
        pv = s->v[k];
    }
    return sum;
}

static int cond(enum config_cmp op, double x, double value)
{
    switch (op) {
    case CONFIG_CMP_LT:
        return x < value;
    case CONFIG_CMP_LE:
        return x <= value;
    case CONFIG_CMP_GT:
        return x > value;
    case CONFIG_CMP_GE:
        return x >= value;
    case CONFIG_CMP_EQ:
        return x == value;
    case CONFIG_CMP_NE:
        return x != value;
    }
    return 0;
}

static int in_group(const struct config_slo *slo, const struct gen *g, const char *group)
{
    return slo->ngroup_by == 0 || strcmp(g->group, group) == 0;
}

/* 1 when slice k (k*s, (k+1)*s] of group is good. */
static int ref_slice(const struct fx *f, const struct config_slo *slo, const char *group,
                     int64_t k)
{
    const struct config_sli_timeslice *ts = &slo->timeslice;
    int any = 0, bad = 0;

    for (size_t i = 0; i < f->ng; i++) {
        const struct gen *g = &f->g[i];
        const struct fakerr_series *s = &f->db.s[g->series];
        size_t j;

        if (g->role != ROLE_GAUGE || !in_group(slo, g, group))
            continue;
        /* The newest sample in the slice. */
        j = fakerr_lower(s, (k + 1) * ts->slice_ms + 1);
        while (j > 0 && s->t[j - 1] > k * ts->slice_ms && !counts(f, g->series, j - 1))
            j--;
        if (j == 0 || s->t[j - 1] <= k * ts->slice_ms)
            continue;
        any = 1;
        if (!cond(ts->op, ts->age ? (double)s->t[j - 1] / 1000.0 - s->v[j - 1] : s->v[j - 1],
                  ts->value))
            bad = 1;
    }
    return any && !bad;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return -util_floor_div(-a, b);
}

/* ---- evaluations -------------------------------------------------------- */

/* Loads the config: a global section pointing at the store, then slos. */
static void configure(struct fx *f, const char *interval, int samples, const char *slos)
{
    struct config_errors errs;
    struct err e;
    char *yaml = util_asprintf("global:\n"
                               "  interval: %s\n"
                               "  prometheus:\n"
                               "    url: http://127.0.0.1:%u\n"
                               "    mode: %s\n"
                               "%s"
                               "slos:\n%s",
                               interval, (unsigned)f->db.srv.port,
                               f->api ? "api_read" : "remote_read",
                               samples && !f->api ? "    read_response: samples\n" : "", slos);

    assert_non_null(yaml);
    config_errors_init(&errs);
    if (config_parse("t.yaml", yaml, strlen(yaml), &f->cfg, &errs) != 0)
        fail_msg("config: %s", errs.n > 0 ? errs.msg[0] : "?");
    config_errors_free(&errs);
    free(yaml);
    if (f->api) {
        f->src = apiread_new(&f->cfg->prometheus, &e);
        if (f->src == NULL)
            fail_msg("apiread_new: %s", e.msg);
        return;
    }
    f->c = remote_read_client_new(&f->cfg->prometheus,
                                  samples ? REMOTE_READ_ACCEPT_SAMPLES : REMOTE_READ_ACCEPT_CHUNKS,
                                  &e);
    if (f->c == NULL)
        fail_msg("remote_read_client_new: %s", e.msg);
    f->src = remote_read_source(f->c);
}

/*
 * A new state for SLO name. The fixture owns it, so a failing test (cmocka
 * jumps out of it) leaks nothing under valgrind.
 */
static struct ev *ev_new(struct fx *f, const char *name)
{
    struct ev *v = NULL;

    for (size_t i = 0; i < MAX_EVS && v == NULL; i++)
        if (f->ev[i].slo == NULL)
            v = &f->ev[i];
    assert_non_null(v);
    for (size_t i = 0; i < f->cfg->nslos; i++)
        if (strcmp(f->cfg->slos[i].name, name) == 0)
            v->slo = &f->cfg->slos[i];
    assert_non_null(v->slo);
    v->st = exactstate_new(f->cfg, v->slo);
    assert_non_null(v->st);
    return v;
}

static void ev_free(struct ev *v)
{
    if (v == NULL)
        return;
    answer_partials_free(&v->ps);
    exactstate_free(v->st);
    memset(v, 0, sizeof(*v));
}

static int ev_run(struct fx *f, struct ev *v, int64_t at, struct err *e)
{
    struct slo_window w[SLO_MAX_WINDOWS];
    size_t nw = slo_windows(v->slo, at, w, SLO_MAX_WINDOWS);

    answer_partials_free(&v->ps);
    e->msg[0] = '\0';
    return exactstate_eval(v->st, f->src, at, w, nw, &v->ps, e);
}

/* The partial of group (NULL when absent). */
static const struct answer_partial *part_of(const struct ev *v, const char *group)
{
    for (size_t i = 0; i < v->ps.n; i++) {
        const char *ns = labels_get(&v->ps.p[i].group, "ns");

        if (strcmp(ns != NULL ? ns : "", group) == 0)
            return &v->ps.p[i];
    }
    return NULL;
}

/*
 * Checks the last answer of v at at against the reference: the groups (the
 * one group of an ungrouped SLO; for group_by, each group with a total or
 * gauge series in the store), then every window of each.
 */
static void check(const struct fx *f, const struct ev *v, int64_t at, int64_t restart)
{
    const struct config_slo *slo = v->slo;
    int slices = slo->kind == CONFIG_SLI_TIMESLICE;
    struct slo_window w[SLO_MAX_WINDOWS];
    size_t nw = slo_windows(slo, at, w, SLO_MAX_WINDOWS);
    const char *groups[MAX_GENS];
    size_t ngroups = 0;
    long long rel = (long long)(at - T0) / 1000;

    int64_t newest[MAX_GENS], reach = 0;
    size_t nmust = 0;

    /* A counter group whose series were all silent for longer than the
     * longest window and the lookback may have been forgotten by the hourly
     * compaction: from then on it may be absent, and after one more hour it
     * must be. */
    for (size_t k = 0; k < nw; k++)
        reach = w[k].ms > reach ? w[k].ms : reach;
    reach += EXACTREAD_LOOKBACK_MS;
    if (slo->ngroup_by == 0) {
        newest[ngroups] = at;
        groups[ngroups++] = "";
    } else {
        for (size_t i = 0; i < f->ng; i++) {
            const struct gen *g = &f->g[i];
            const struct fakerr_series *fs = &f->db.s[g->series];
            size_t k = 0, last = fakerr_lower(fs, at + 1);
            int64_t t = last > 0 ? fs->t[last - 1] : INT64_MIN;

            if (g->role != (slices ? ROLE_GAUGE : ROLE_TOTAL) || fs->n == 0)
                continue;
            while (k < ngroups && strcmp(groups[k], g->group) != 0)
                k++;
            if (k == ngroups) {
                newest[ngroups] = t;
                groups[ngroups++] = g->group;
            } else if (t > newest[k]) {
                newest[k] = t;
            }
        }
    }
    for (size_t gi = 0; gi < ngroups; gi++) {
        int gone = !slices && newest[gi] < at - reach - HOUR;
        int may = !slices && newest[gi] < at - reach;

        if (gone && part_of(v, groups[gi]) != NULL)
            fail_msg("T0%+llds: SLO %s: group ns=\"%s\", silent since T0%+llds, is still there",
                     rel, slo->name, groups[gi], (long long)(newest[gi] - T0) / 1000);
        if (may && part_of(v, groups[gi]) == NULL)
            groups[gi] = NULL;
        nmust += groups[gi] != NULL;
    }
    if (v->ps.n != nmust)
        fail_msg("T0%+llds: SLO %s: %zu groups, expected %zu", rel, slo->name, v->ps.n, nmust);
    for (size_t gi = 0; gi < ngroups; gi++) {
        const struct answer_partial *p;
        int64_t longest = 0, k0 = 0, nk = 0;
        /* Verdicts of the slices of the longest window (a month of minutes fits). */
        static unsigned char good[1 << 16];

        if (groups[gi] == NULL)
            continue;
        p = part_of(v, groups[gi]);
        if (p == NULL)
            fail_msg("T0%+llds: SLO %s: group ns=\"%s\" is missing", rel, slo->name, groups[gi]);
        if (slo->ngroup_by == 0 && p->group.n != 0)
            fail_msg("SLO %s: an ungrouped SLO has group labels", slo->name);
        for (size_t k = 0; k < nw; k++)
            if (w[k].ms > longest)
                longest = w[k].ms;
        if (slices) {
            int64_t sl = slo->timeslice.slice_ms;

            k0 = ceil_div(at - longest, sl);
            nk = util_floor_div(at, sl) - k0;
            assert_true(nk < (int64_t)sizeof(good));
            for (int64_t k = 0; k < nk; k++)
                good[k] = (unsigned char)ref_slice(f, slo, groups[gi], k0 + k);
        }
        for (size_t k = 0; k < nw; k++) {
            if (slices) {
                int64_t sl = slo->timeslice.slice_ms;
                double want = 0;

                for (int64_t j = ceil_div(at - w[k].ms, sl) - k0; j < nk; j++)
                    want += good[j];
                if (p->v[ANSWER_GOOD][k] != want || !p->seen[ANSWER_GOOD][k])
                    fail_msg("T0%+llds: SLO %s, window %s: %g good slices, expected %g "
                             "(of %lld)",
                             rel, slo->name, w[k].name, p->v[ANSWER_GOOD][k], want,
                             (long long)slo_slices(at, w[k].ms, sl));
            } else {
                /* The numerator: bad events, or good ones (latency, good selector). */
                int good_based = slo->kind == CONFIG_SLI_LATENCY || slo->events.good != NULL;
                enum answer_part num = good_based ? ANSWER_GOOD : ANSWER_BAD;
                double part = 0, total = 0;

                for (size_t i = 0; i < f->ng; i++) {
                    const struct gen *g = &f->g[i];

                    if (!in_group(slo, g, groups[gi]))
                        continue;
                    if (g->role == (good_based ? ROLE_GOOD : ROLE_ERR))
                        part += ref_events(f, g->series, at - w[k].ms, at, restart, v->seen_from);
                    else if (g->role == ROLE_TOTAL)
                        total += ref_events(f, g->series, at - w[k].ms, at, restart, v->seen_from);
                }
                if (p->v[num][k] != part || p->v[ANSWER_TOTAL][k] != total)
                    fail_msg("T0%+llds: SLO %s, group ns=\"%s\", window %s: %s %.17g total "
                             "%.17g, expected %.17g and %.17g",
                             rel, slo->name, groups[gi], w[k].name, good_based ? "good" : "bad",
                             p->v[num][k], p->v[ANSWER_TOTAL][k], part, total);
                if (!p->seen[num][k] || !p->seen[ANSWER_TOTAL][k])
                    fail_msg("T0%+llds: SLO %s, window %s: no data", rel, slo->name, w[k].name);
            }
        }
    }
}

/* Evaluates v at at, which must succeed, and checks it against the reference. */
static void ev_check(struct fx *f, struct ev *v, int64_t at, int64_t restart)
{
    struct err e;

    if (ev_run(f, v, at, &e) != 0)
        fail_msg("T0%+llds: SLO %s: %s", (long long)(at - T0) / 1000, v->slo->name, e.msg);
    check(f, v, at, restart);
}

/* 1 when a and b hold the same groups and figures. */
static void assert_same(const struct ev *a, const struct ev *b)
{
    assert_int_equal(a->ps.n, b->ps.n);
    for (size_t i = 0; i < a->ps.n; i++) {
        const struct answer_partial *p = &a->ps.p[i], *q = NULL;

        for (size_t j = 0; j < b->ps.n; j++)
            if (labels_cmp(&p->group, &b->ps.p[j].group) == 0)
                q = &b->ps.p[j];
        assert_non_null(q);
        assert_memory_equal(p->v, q->v, sizeof(p->v));
        assert_memory_equal(p->seen, q->seen, sizeof(p->seen));
    }
}

/* ---- fixture ---------------------------------------------------------- */

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    *state = f;
    return fakerr_db_start(&f->db);
}

/* The same store answering /api/v1/query: the states read through api_read. */
static int setup_api(void **state)
{
    int rc = setup(state);
    struct fx *f = *state;

    if (f != NULL)
        f->api = 1;
    return rc;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    for (size_t i = 0; i < MAX_EVS; i++)
        ev_free(&f->ev[i]);
    buf_free(&f->img);
    /* The remote_read client is its own transport: free it once. */
    rawsrc_free(f->src);
    config_free(f->cfg);
    fakerr_db_stop(&f->db);
    free(f);
    return 0;
}

/* ---- events, step by step ----------------------------------------------- */

#define EVENTS_SLOS                                                                               \
    "  - name: all\n"                                                                             \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 1d\n"                                                                            \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\",code=~\"5..\"}'\n"                                  \
    "        total: 'requests_total{job=\"api\"}'\n"                                              \
    "  - name: by-ns\n"                                                                           \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 1d\n"                                                                            \
    "    group_by: [ns]\n"                                                                        \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\",code=~\"5..\"}'\n"                                  \
    "        total: 'requests_total{job=\"api\"}'\n"

/*
 * The events data: pods a1 and a2 (namespace a) from 3d+2h before T0, with
 * resets, stale markers and repeated timestamps; samples that reach the
 * store up to 2 minutes late (the overlap, exactly, for one series);
 * series the selectors must not match; pod b1 (a new namespace, so a new
 * group) appearing at T0+8m, pod a2 leaving at T0+15m and a3 arriving at
 * T0+20m.
 */
static void events_data(struct fx *f)
{
    int64_t h = T0 - 3 * DAY - 2 * HOUR;
    struct gen *g;

    gen_new(f, ROLE_ERR, h + 7 * SEC, MIN, 0, 1, "__name__", "errors_total", "job", "api", "ns",
            "a", "pod", "a1", "code", "500", NULL);
    gen_new(f, ROLE_TOTAL, h + 7 * SEC, MIN, 45 * SEC, 1, "__name__", "requests_total", "job",
            "api", "ns", "a", "pod", "a1", NULL);
    g = gen_new(f, ROLE_ERR, h, 30 * SEC, EXACTSTATE_OVERLAP_MS, 1, "__name__", "errors_total",
                "job", "api", "ns", "a", "pod", "a2", "code", "503", NULL);
    g->stop = T0 + 15 * MIN;
    g = gen_new(f, ROLE_TOTAL, h, 30 * SEC, 0, 1, "__name__", "requests_total", "job", "api", "ns",
                "a", "pod", "a2", NULL);
    g->stop = T0 + 15 * MIN;
    gen_new(f, ROLE_OTHER, h + 11 * SEC, MIN, 0, 1, "__name__", "errors_total", "job", "api", "ns",
            "a", "pod", "a1", "code", "404", NULL);
    gen_new(f, ROLE_OTHER, h + 3 * SEC, MIN, 0, 1, "__name__", "requests_total", "job", "web",
            "ns", "a", "pod", "w1", NULL);
    gen_new(f, ROLE_ERR, T0 + 8 * MIN + 13 * SEC, MIN, 100 * SEC, 1, "__name__", "errors_total",
            "job", "api", "ns", "b", "pod", "b1", "code", "502", NULL);
    gen_new(f, ROLE_TOTAL, T0 + 8 * MIN + 1 * SEC, 20 * SEC, 100 * SEC, 1, "__name__",
            "requests_total", "job", "api", "ns", "b", "pod", "b1", NULL);
    gen_new(f, ROLE_ERR, T0 + 20 * MIN + 29 * SEC, MIN, 30 * SEC, 1, "__name__", "errors_total",
            "job", "api", "ns", "a", "pod", "a3", "code", "500", NULL);
    gen_new(f, ROLE_TOTAL, T0 + 20 * MIN + 29 * SEC, MIN, 0, 1, "__name__", "requests_total",
            "job", "api", "ns", "a", "pod", "a3", NULL);
}

/* Evaluation i's time: mostly one interval after the last, sometimes a few skipped. */
static int64_t next_at(int64_t at, int i)
{
    return at + (i % 13 == 5 ? 150 * SEC : 30 * SEC);
}

static void events_step_by_step(struct fx *f, int samples)
{
    int steps = RUNNING_ON_VALGRIND ? 60 : 300;
    struct ev *all, *byns;
    int64_t at = T0;

    configure(f, "30s", samples, EVENTS_SLOS);
    events_data(f);
    all = ev_new(f, "all");
    byns = ev_new(f, "by-ns");
    for (int i = 0; i < steps; i++) {
        if (i > 0)
            at = next_at(at, i);
        feed(f, at);
        ev_check(f, all, at, 0);
        ev_check(f, byns, at, 0);
    }
    /* Group b appeared on the way; a2 left and a3 came. */
    assert_int_equal(byns->ps.n, 2);
    assert_int_equal(f->db.bad_requests, 0);
    if (f->api) {
        struct apiread_stats st;

        apiread_get_stats(f->src, &st);
        print_message("api_read: %llu queries, %llu pieces, %llu split, %llu samples\n",
                      (unsigned long long)st.queries, (unsigned long long)st.pieces,
                      (unsigned long long)st.splits, (unsigned long long)st.samples);
        assert_true(st.queries >= (uint64_t)steps * 2 * 2);
    }
    ev_free(all);
    ev_free(byns);
}

static void test_events_every_step_equals_reference_chunks(void **state)
{
    events_step_by_step(*state, 0);
}

static void test_events_every_step_equals_reference_samples(void **state)
{
    events_step_by_step(*state, 1);
}

/*
 * History reconstruction's one read (exacttally) gives, at every step of
 * its span, every window the exact counts of the reference: the same
 * groups, figures and seen parts as a state would (5-minute steps, so
 * every window of a 1d SLO is whole steps).
 */
static void tally_equals_reference(struct fx *f)
{
    int64_t step = 5 * MIN, to = T0 + 25 * MIN;
    int64_t from = to - 3 * DAY - 12 * step;
    const char *names[2] = {"all", "by-ns"};

    configure(f, "30s", 0, EVENTS_SLOS);
    events_data(f);
    feed(f, to + 10 * MIN);
    for (int n = 0; n < 2; n++) {
        struct ev *v = ev_new(f, names[n]);
        struct tally t;
        struct err e = {{0}};
        size_t checked = 0;

        assert_int_equal(tally_init(&t, from, step, (size_t)((to - from) / step)), 0);
        if (exacttally_read(f->src, v->slo, &t, &e) != 0)
            fail_msg("exacttally_read: %s", e.msg);
        for (int64_t at = from + 3 * DAY; at <= to; at += step) {
            struct slo_window w[SLO_MAX_WINDOWS];
            size_t nw = slo_windows(v->slo, at, w, SLO_MAX_WINDOWS);

            answer_partials_free(&v->ps);
            if (tally_partials(&t, at, w, nw, &v->ps, &e) != 0)
                fail_msg("tally_partials at T0%+llds: %s", (long long)(at - T0) / 1000, e.msg);
            /* Groups with no total series in the read are left out, as the state does. */
            for (size_t i = 0; i < v->ps.n; i++)
                if (!v->ps.p[i].seen[ANSWER_TOTAL][0] && v->slo->ngroup_by > 0) {
                    labels_free(&v->ps.p[i].group);
                    v->ps.p[i] = v->ps.p[--v->ps.n];
                    i--;
                }
            check(f, v, at, 0);
            checked++;
        }
        assert_true(checked >= 7);
        tally_free(&t);
        ev_free(v);
    }
    assert_int_equal(f->db.bad_requests, 0);
}

static void test_tally_equals_reference(void **state)
{
    tally_equals_reference(*state);
}

/*
 * api_read against a store that refuses answers of more than 2,000 samples
 * (as Prometheus' --query.max-samples does, with 422): the backfill of 3
 * days of events goes in pieces, each refused piece split and asked again,
 * and every step still equals the reference. With Prometheus 2's closed
 * ranges ([T-D, T]) the sample at T-D comes too and must not count twice.
 */
static void test_api_backfill_in_pieces_under_store_limit(void **state)
{
    struct fx *f = *state;
    struct apiread_stats st;

    f->db.api_max_samples = 2000;
    f->db.api_closed = 1;
    events_step_by_step(f, 0);
    apiread_get_stats(f->src, &st);
    assert_true(f->db.api_limited > 0);
    assert_true(st.splits > 0);
    assert_true(st.pieces > 10);
}

/*
 * api_read: answers that cannot be trusted fail the evaluation with a
 * message saying why, hand back nothing and leave the state as it was (the
 * same time evaluated again equals the reference): samples out of order, a
 * series twice, a warning (Thanos' partial data); and a store that refuses
 * even the smallest piece.
 */
static void test_api_untrusted_answers_fail_whole(void **state)
{
    struct fx *f = *state;
    static const struct {
        enum fakerr_fail kind;
        const char *msg;
    } cases[] = {
        {FAKERR_FAIL_DISORDER, "samples out of order or duplicated"},
        {FAKERR_FAIL_DUPSERIES, "the same series twice"},
        {FAKERR_FAIL_WARNING, "data may be partial; not used"},
        {FAKERR_FAIL_500, "HTTP 500"},
        {FAKERR_FAIL_TRUNCATED, "response is not JSON"},
    };
    struct ev *ev;
    int64_t at = T0;
    struct err e;

    configure(f, "30s", 0, EVENTS_SLOS);
    events_data(f);
    ev = ev_new(f, "by-ns");
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        /* The first case hits the backfill, the others steps. */
        at = c == 0 ? at : next_at(at, (int)c);
        feed(f, at);
        fakerr_db_fail(&f->db, 1, cases[c].kind);
        if (ev_run(f, ev, at, &e) == 0)
            fail_msg("case %zu: an untrusted answer was used", c);
        if (strstr(e.msg, cases[c].msg) == NULL)
            fail_msg("case %zu: unexpected error: %s", c, e.msg);
        assert_int_equal(ev->ps.n, 0);
        ev_check(f, ev, at, 0);
    }
    /* A store that refuses every answer of more than one sample. */
    f->db.api_max_samples = 1;
    at = next_at(at, 1);
    feed(f, at);
    if (ev_run(f, ev, at, &e) == 0)
        fail_msg("a store refusing every piece gave figures");
    if (strstr(e.msg, "the store refuses even") == NULL || strstr(e.msg, "422") == NULL)
        fail_msg("unexpected error: %s", e.msg);
    f->db.api_max_samples = 0;
    ev_check(f, ev, at, 0);
}

/* ---- failed reads ----------------------------------------------------------- */

/*
 * Every third evaluation one read fails (HTTP 500, a stream cut inside a
 * frame, a dropped connection) for one SLO or both: the evaluation fails
 * with the server's error and hands back nothing. Then either the same
 * time is evaluated again or the next one comes; both must equal the
 * reference: nothing lost, nothing counted twice. The failures also hit
 * the first evaluation (the backfill) and the reads where new series arrive.
 */
static void test_failed_read_leaves_state_unchanged(void **state)
{
    struct fx *f = *state;
    int steps = RUNNING_ON_VALGRIND ? 45 : 150;
    static const enum fakerr_fail kinds[] = {FAKERR_FAIL_500, FAKERR_FAIL_TRUNCATED,
                                             FAKERR_FAIL_DROPPED};
    struct ev *ev[2];
    int64_t at = T0;
    int failures = 0;

    configure(f, "30s", 0, EVENTS_SLOS);
    events_data(f);
    ev[0] = ev_new(f, "all");
    ev[1] = ev_new(f, "by-ns");
    for (int i = 0; i < steps; i++) {
        if (i > 0)
            at = next_at(at, i);
        feed(f, at);
        if (i % 3 == 0) {
            enum fakerr_fail kind = kinds[(i / 3) % 3];
            int which = (i / 9) % 3; /* 0: all, 1: by-ns, 2: both */
            int retry = (i / 3) % 2 == 0;

            for (int k = 0; k < 2; k++) {
                struct err e;

                if (which != 2 && which != k)
                    continue;
                fakerr_db_fail(&f->db, 1, kind);
                if (ev_run(f, ev[k], at, &e) != -1)
                    fail_msg("T0%+llds: SLO %s: the failed read was not reported",
                             (long long)(at - T0) / 1000, ev[k]->slo->name);
                if (kind == FAKERR_FAIL_500 && strstr(e.msg, "HTTP 500") == NULL)
                    fail_msg("unexpected error: %s", e.msg);
                if (kind == FAKERR_FAIL_TRUNCATED &&
                    strstr(e.msg, f->api ? "response is not JSON" : "inside a frame") == NULL)
                    fail_msg("unexpected error: %s", e.msg);
                assert_true(strncmp(e.msg, "POST http://127.0.0.1:", 22) == 0);
                assert_int_equal(ev[k]->ps.n, 0);
                failures++;
                if (retry)
                    ev_check(f, ev[k], at, 0);
            }
            continue;
        }
        ev_check(f, ev[0], at, 0);
        ev_check(f, ev[1], at, 0);
    }
    ev_check(f, ev[0], next_at(at, 1), 0);
    ev_check(f, ev[1], next_at(at, 1), 0);
    assert_true(failures >= steps / 3);
    ev_free(ev[0]);
    ev_free(ev[1]);
}

/* ---- time slices ---------------------------------------------------------- */

#define SLICE_SLO                                                                                 \
    "  - name: fresh\n"                                                                           \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 1d\n"                                                                            \
    "    sli:\n"                                                                                  \
    "      timeslice:\n"                                                                          \
    "        gauge: 'pipeline_ok{job=\"etl\"}'\n"                                                 \
    "        op: '>='\n"                                                                          \
    "        value: 1\n"                                                                          \
    "        slice: 1m\n"

/*
 * Two gauges decide each 1m slice (the worse one), one of them reaching the
 * store 2 minutes late and missing scrapes, so the newest sample of a
 * recent slice often arrives after the slice was first judged: at every
 * step the figures equal the reference over what the store holds. Halfway,
 * a sample lands in a slice older than 2 minutes and would turn it bad:
 * that slice was decided and is not judged again.
 */
static void test_timeslice_late_samples_and_settled_slices(void **state)
{
    struct fx *f = *state;
    int steps = RUNNING_ON_VALGRIND ? 50 : 300;
    int64_t h = T0 - 3 * DAY - HOUR, at = T0;
    struct ev *ev;
    struct gen *g1;

    configure(f, "30s", 0, SLICE_SLO);
    g1 = gen_new(f, ROLE_GAUGE, h + 5 * SEC, 20 * SEC, 0, 1, "__name__", "pipeline_ok", "job",
                 "etl", "instance", "1", NULL);
    gen_new(f, ROLE_GAUGE, h + 13 * SEC, 45 * SEC, EXACTSTATE_SETTLE_MS, 1, "__name__",
            "pipeline_ok", "job", "etl", "instance", "2", NULL);
    gen_new(f, ROLE_OTHER, h, 30 * SEC, 0, 1, "__name__", "pipeline_ok", "job", "other", NULL);
    ev = ev_new(f, "fresh");
    for (int i = 0; i < steps; i++) {
        if (i > 0)
            at = next_at(at, i);
        feed(f, at);
        ev_check(f, ev, at, 0);
        if (i == steps / 2) {
            /*
             * The newest good slice that ended 2 minutes ago or more and lies
             * in the 30m window for a while yet: decided now.
             */
            int64_t k = util_floor_div(at - EXACTSTATE_SETTLE_MS, MIN) - 1, t;

            while (!ref_slice(f, ev->slo, "", k) && k * MIN > at - 20 * MIN)
                k--;
            assert_true(ref_slice(f, ev->slo, "", k));
            assert_true((k + 1) * MIN <= at - EXACTSTATE_SETTLE_MS);
            /* A bad sample at its end, the newest of it, would turn it bad... */
            t = (k + 1) * MIN;
            fakerr_db_add(&f->db, g1->series, t, 0);
            assert_false(ref_slice(f, ev->slo, "", k));
            /* ...but it is not judged again: the reference must not see it. */
            assert_true(f->nhide < sizeof(f->hide) / sizeof(f->hide[0]));
            f->hide[f->nhide++] = (struct hidden){g1->series, t};
        }
    }
    ev_free(ev);
}

/* ---- the long window's edge ------------------------------------------------ */

#define EDGE_SLO                                                                                  \
    "  - name: edge\n"                                                                            \
    "    service: s\n"                                                                            \
    "    objective: 99.5\n"                                                                       \
    "    period: 84h\n"                                                                           \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\"}'\n"                                                \
    "        total: 'requests_total{job=\"api\"}'\n"

#define EDGE_SLICE_SLO                                                                            \
    "  - name: edge-slices\n"                                                                     \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 84h\n"                                                                           \
    "    sli:\n"                                                                                  \
    "      timeslice:\n"                                                                          \
    "        gauge: 'pipeline_ok{job=\"etl\"}'\n"                                                 \
    "        op: '>='\n"                                                                          \
    "        value: 1\n"                                                                          \
    "        slice: 1m\n"

/* Data from 90h before T0 for the 84h SLOs; returns pod a2's total series. */
static struct gen *edge_data(struct fx *f)
{
    int64_t h = T0 - 90 * HOUR;

    gen_new(f, ROLE_ERR, h + 7 * SEC, MIN, 0, 1, "__name__", "errors_total", "job", "api", "pod",
            "a1", NULL);
    gen_new(f, ROLE_TOTAL, h + 7 * SEC, MIN, 45 * SEC, 1, "__name__", "requests_total", "job",
            "api", "pod", "a1", NULL);
    gen_new(f, ROLE_ERR, h + 23 * SEC, 2 * MIN, EXACTSTATE_OVERLAP_MS, 1, "__name__",
            "errors_total", "job", "api", "pod", "a2", NULL);
    return gen_new(f, ROLE_TOTAL, h, 30 * SEC, 0, 1, "__name__", "requests_total", "job", "api",
                   "pod", "a2", NULL);
}

/*
 * Rolling 84h periods, events and time slices: longer than the fine span
 * (3d), so the old edge of the period window lies in coarse (1h) buckets
 * and is re-read once per hour to stay exact. Stepping across several hour
 * boundaries, the 84h window equals the reference at every step, and the
 * store sees, per SLO, one read per step plus about one edge re-read per
 * hour the edge moves through (for events with the hour before the span,
 * for each series' previous sample). The first two edge re-reads of each
 * SLO fail once (HTTP 500) and the evaluation is repeated.
 */
static void test_edge_windows_are_reread_once_per_hour_each(void **state)
{
    struct fx *f = *state;
    int64_t step = RUNNING_ON_VALGRIND ? 5 * MIN : 30 * SEC;
    int64_t first = T0 + 17 * MIN + 30 * SEC, last = first + 3 * HOUR, at;
    /* Windows past the 2h fine span: 6h, 1d, 3d and the 84h period. */
    static const int64_t ew[4] = {6 * HOUR, DAY, 3 * DAY, 84 * HOUR};
    int steps = 0, edges[2][4] = {{0}}, nedges[2] = {0, 0}, failed[2] = {0, 0};
    int injected[2] = {0, 0}, reads[2] = {0, 0};
    int64_t h = T0 - 90 * HOUR, crossed;
    struct ev *ev[2];

    configure(f, "30s", 0, EDGE_SLO EDGE_SLICE_SLO);
    edge_data(f);
    /*
     * A sparse series: a pair 2.5h apart ends early in a span the edge
     * passes, so its re-read must start before the usual hour of lookback
     * (the state remembers where). It starts inside the first 84h window,
     * so the first read sees all of it.
     */
    gen_new(f, ROLE_ERR, first - 84 * HOUR + MIN, 150 * MIN, 0, 0, "__name__", "errors_total",
            "job", "api", "pod", "sparse", NULL);
    gen_new(f, ROLE_GAUGE, h + 5 * SEC, 20 * SEC, 0, 1, "__name__", "pipeline_ok", "job", "etl",
            "instance", "1", NULL);
    gen_new(f, ROLE_GAUGE, h + 13 * SEC, 45 * SEC, EXACTSTATE_SETTLE_MS, 1, "__name__",
            "pipeline_ok", "job", "etl", "instance", "2", NULL);
    ev[0] = ev_new(f, "edge");
    ev[1] = ev_new(f, "edge-slices");
    for (at = first; at <= last; at += step) {
        feed(f, at);
        for (int k = 0; k < 2; k++) {
            struct err e;

            if (injected[k] < 2)
                fakerr_db_fail(&f->db, 2, FAKERR_FAIL_500);
            if (ev_run(f, ev[k], at, &e) != 0) {
                assert_non_null(strstr(e.msg, "HTTP 500"));
                injected[k]++;
                ev_check(f, ev[k], at, 0);
            } else {
                check(f, ev[k], at, 0);
            }
            fakerr_db_fail(&f->db, 0, FAKERR_FAIL_500);
        }
        steps++;
    }
    at -= step;
    for (size_t i = 0; i < f->db.nlog; i++) {
        const struct fakerr_req *r = &f->db.log[i];
        int k = r->nqueries == 2 ? 0 : 1; /* events ask 2 selectors, slices 1 */

        reads[k]++;
        if (r->end_ms > T0)
            continue;
        /* An edge re-read: one coarse span (and the hour before it for events),
         * where the old edge of one of the windows was between the first
         * evaluation and two hours past the last. */
        assert_int_equal(r->end_ms % HOUR, 0);
        if (k == 0)
            assert_true(r->end_ms - r->start_ms >= HOUR + EXACTREAD_LOOKBACK_MS);
        else
            assert_int_equal(r->end_ms - r->start_ms, HOUR - 1);
        if (r->failed) {
            failed[k]++;
            continue;
        }
        for (int w = 0; w <= 4; w++) {
            if (w == 4)
                fail_msg("edge re-read ending at T0%+llds is no window's edge",
                         (long long)(r->end_ms - T0) / 1000);
            if (r->end_ms > first - ew[w] && r->end_ms <= at - ew[w] + 2 * HOUR) {
                edges[k][w]++;
                nedges[k]++;
                break;
            }
        }
    }
    /* Hour boundaries each old edge crossed after the first evaluation. */
    crossed = util_floor_div(at - 84 * HOUR, HOUR) - util_floor_div(first - 84 * HOUR, HOUR);
    for (int k = 0; k < 2; k++) {
        print_message("SLO %s: %d steps, %d/%d/%d/%d edge re-reads for 6h/1d/3d/84h (%d failed) "
                      "for %lld hours crossed\n",
                      ev[k]->slo->name, steps, edges[k][0], edges[k][1], edges[k][2], edges[k][3],
                      failed[k], (long long)crossed);
        assert_int_equal(injected[k], 2);
        assert_int_equal(failed[k], 2);
        for (int w = 0; w < 4; w++)
            assert_true(edges[k][w] >= crossed && edges[k][w] <= crossed + 2);
        /* The backfill, one read per step, the edges, the retries. */
        assert_int_equal(reads[k], 1 + (steps - 1) + nedges[k] + failed[k]);
    }
    ev_free(ev[0]);
    ev_free(ev[1]);
}

/*
 * Regression (edges() used to leave the state as it was when
 * buckets_edge_commit failed): a sample that reaches the store after the
 * 2-minute overlap is never read by the steps, but the edge re-read of its
 * coarse span sees it when the long window's old edge gets there (84h
 * later here, 30 days later for a 30d period). The commit then finds a
 * mismatch, and since nothing changes, every evaluation of the SLO fails
 * the same way until the edge leaves that span: about an hour without any
 * figure. Here the late sample (a reset of a counter) is put straight into
 * the span the edge reaches in about an hour. Expected: at most one failed
 * evaluation, then (after a backfill) the reference again.
 */
static void test_sample_later_than_overlap_fails_one_evaluation_at_most(void **state)
{
    struct fx *f = *state;
    int64_t step = RUNNING_ON_VALGRIND ? 3 * MIN : MIN;
    int64_t first = T0 + 17 * MIN + 30 * SEC, at, late = 0;
    int failures = 0, checked = 0;
    struct ev *ev;
    struct gen *a2;

    configure(f, "30s", 0, EDGE_SLO);
    a2 = edge_data(f);
    ev = ev_new(f, "edge");
    for (at = first; at <= first + 2 * HOUR; at += step) {
        struct err e;

        feed(f, at);
        if (at == first + 9 * MIN) {
            late = util_floor_div(at - 84 * HOUR, HOUR) * HOUR + HOUR + 20 * MIN + 15 * SEC;
            /* Between two samples (every 30s on the grid): a reset to 0. */
            fakerr_db_add(&f->db, a2->series, late, 0);
        }
        if (ev_run(f, ev, at, &e) != 0) {
            if (failures++ == 0)
                print_message("T0%+llds: %s\n", (long long)(at - T0) / 1000, e.msg);
            continue;
        }
        /* Once the state has seen the late sample it must equal the reference. */
        if (failures > 0) {
            check(f, ev, at, 0);
            checked++;
        }
    }
    print_message("%d failed evaluations, %d checked after\n", failures, checked);
    assert_true(late != 0);
    assert_true(failures <= 1);
    assert_true(checked > 0);
    ev_free(ev);
}

/* ---- compaction -------------------------------------------------------------- */

#define COMPACT_SLO                                                                               \
    "  - name: all\n"                                                                             \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 1d\n"                                                                            \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\"}'\n"                                                \
    "        total: 'requests_total{job=\"api\"}'\n"                                              \
    "  - name: by-pod\n"                                                                          \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 1d\n"                                                                            \
    "    group_by: [ns]\n"                                                                        \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\"}'\n"                                                \
    "        total: 'requests_total{job=\"api\"}'\n"

/*
 * 40 short-lived pods stop at T0+10m; so does pod "back", which returns 3
 * days and 5 hours later with a much higher counter. Evaluated every hour
 * (a few steps first), the state forgets the silent series once they are
 * silent for longer than the longest window (3d) + 1h: its memory shrinks.
 * When "back" returns, its first sample adds nothing, as in the reference
 * (where pairs further apart than 3d+2h count nothing) and as in a new state
 * backfilled then.
 */
/* The scenario above for SLO name ("all", or "by-pod": one group per pod). */
static void compaction_case(struct fx *f, const char *name)
{
    int64_t h = T0 - 3 * DAY - 2 * HOUR, at = T0, back_at = T0 + 3 * DAY + 5 * HOUR;
    int64_t restart = 3 * DAY + 2 * HOUR;
    size_t mem_before = 0, mem_after = 0;
    struct gen *back[2];
    struct ev *ev, *fresh;
    char pod[40][8];

    configure(f, "30s", 0, COMPACT_SLO);
    /* Like Cortex: SAMPLES answers to a client that asks for chunks first. */
    f->db.samples = 1;
    gen_new(f, ROLE_ERR, h + 5 * SEC, MIN, 0, 1, "__name__", "errors_total", "job", "api", "pod",
            "keep", "ns", "keep", NULL);
    gen_new(f, ROLE_TOTAL, h + 5 * SEC, MIN, 0, 1, "__name__", "requests_total", "job", "api",
            "pod", "keep", NULL);
    for (int i = 0; i < 40; i++) {
        struct gen *g;

        snprintf(pod[i], sizeof(pod[i]), "p%02d", i);
        g = gen_new(f, i % 2 ? ROLE_ERR : ROLE_TOTAL, T0 - 2 * HOUR + i * SEC, MIN, 0, 0,
                    "__name__", i % 2 ? "errors_total" : "requests_total", "job", "api", "pod",
                    pod[i], "ns", pod[i - i % 2], NULL);
        g->stop = T0 + 10 * MIN;
    }
    back[0] = gen_new(f, ROLE_ERR, T0 - 2 * HOUR + 17 * SEC, MIN, 0, 0, "__name__", "errors_total",
                      "job", "api", "pod", "back", "ns", "back", NULL);
    back[1] = gen_new(f, ROLE_TOTAL, T0 - 2 * HOUR + 17 * SEC, MIN, 0, 0, "__name__",
                      "requests_total", "job", "api", "pod", "back", "ns", "back", NULL);
    back[0]->stop = back[1]->stop = T0 + 10 * MIN;
    ev = ev_new(f, name);
    fresh = NULL;
    for (int i = 0; at < back_at + 2 * HOUR; i++) {
        /* 30 steps of 30s, then one evaluation per hour. */
        if (i > 0)
            at = i < 30 ? at + 30 * SEC : (util_floor_div(at, HOUR) + 1) * HOUR;
        if (at == back_at - HOUR) {
            /* "back" returns: 90s before back_at, 1000 higher. */
            for (int k = 0; k < 2; k++) {
                back[k]->next = back_at - 90 * SEC;
                back[k]->stop = 0;
                back[k]->v += 1000;
            }
        }
        feed(f, at);
        ev_check(f, ev, at, restart);
        if (at == T0 + HOUR)
            mem_before = exactstate_memory(ev->st);
        if (at == T0 + 3 * DAY + 2 * HOUR)
            mem_after = exactstate_memory(ev->st);
        if (at == back_at) {
            struct err e;

            /* What a new state backfilled now says. */
            fresh = ev_new(f, name);
            if (ev_run(f, fresh, at, &e) != 0)
                fail_msg("backfill: %s", e.msg);
            check(f, fresh, at, restart);
            assert_same(ev, fresh);
            /* The pair across the gap would have added 1000 and more. */
            assert_true(ref_events(f, back[1]->series, at - 5 * MIN, at, 0, 0) >= 1000);
            assert_true(ref_events(f, back[1]->series, at - 5 * MIN, at, restart, 0) < 1000);
        }
        if (at > back_at) {
            ev_check(f, fresh, at, restart);
            assert_same(ev, fresh);
        }
    }
    print_message("SLO %s: memory %zu bytes before compaction, %zu after\n", name, mem_before,
                  mem_after);
    /* 42 series forgotten: their labels (40 bytes and more each) at least. */
    assert_true(mem_before > 0 && mem_after > 0);
    assert_true(mem_after + 42 * 40 < mem_before);
    /* Grouped: the 41 idle groups (40 pods and "back") gave their stores
     * back; "keep" has its own, and "back" got new ones when it returned. */
    if (strcmp(name, "by-pod") == 0) {
        assert_true(mem_after * 10 < mem_before);
        assert_int_equal(ev->ps.n, 2);
    }
    ev_free(fresh);
    ev_free(ev);
}

static void test_compaction_forgets_silent_series(void **state)
{
    compaction_case(*state, "all");
}

/* Groups whose series were all forgotten free their stores, and get new
 * ones when a series comes back. */
static void test_compaction_frees_idle_groups(void **state)
{
    compaction_case(*state, "by-pod");
}

/* ---- latency ------------------------------------------------------------- */

#define LATENCY_SLO                                                                               \
    "  - name: fast\n"                                                                            \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 1d\n"                                                                            \
    "    group_by: [ns]\n"                                                                        \
    "    sli:\n"                                                                                  \
    "      latency:\n"                                                                            \
    "        histogram: 'http_request_duration_seconds{job=\"api\"}'\n"                           \
    "        threshold: 1\n"

/*
 * A latency SLI reads two selectors built from the histogram: the bucket at
 * the threshold (written "1" by Go clients, "1.0" by others) and _count.
 * Other buckets, and the same metric of another job, must not count. A
 * second namespace appears later.
 */
static void test_latency_every_step_equals_reference(void **state)
{
    struct fx *f = *state;
    int64_t at = T0, h = T0 - 3 * DAY - 2 * HOUR;
    int steps = RUNNING_ON_VALGRIND ? 30 : 120;
    struct ev *ev;

    configure(f, "30s", 0, LATENCY_SLO);
    gen_new(f, ROLE_GOOD, h + 3 * SEC, MIN, 0, 1, "__name__",
            "http_request_duration_seconds_bucket", "job", "api", "ns", "a", "le", "1", NULL);
    gen_new(f, ROLE_OTHER, h + 3 * SEC, MIN, 0, 1, "__name__",
            "http_request_duration_seconds_bucket", "job", "api", "ns", "a", "le", "10", NULL);
    gen_new(f, ROLE_OTHER, h + 3 * SEC, MIN, 0, 1, "__name__",
            "http_request_duration_seconds_bucket", "job", "api", "ns", "a", "le", "+Inf", NULL);
    gen_new(f, ROLE_TOTAL, h + 3 * SEC, MIN, 60 * SEC, 1, "__name__",
            "http_request_duration_seconds_count", "job", "api", "ns", "a", NULL);
    gen_new(f, ROLE_OTHER, h + 9 * SEC, MIN, 0, 1, "__name__",
            "http_request_duration_seconds_count", "job", "web", "ns", "a", NULL);
    gen_new(f, ROLE_GOOD, T0 + 10 * MIN, 30 * SEC, EXACTSTATE_OVERLAP_MS, 1, "__name__",
            "http_request_duration_seconds_bucket", "job", "api", "ns", "b", "le", "1.0", NULL);
    gen_new(f, ROLE_OTHER, T0 + 10 * MIN, 30 * SEC, 0, 1, "__name__",
            "http_request_duration_seconds_bucket", "job", "api", "ns", "b", "le", "0.5", NULL);
    gen_new(f, ROLE_TOTAL, T0 + 10 * MIN, 30 * SEC, 0, 1, "__name__",
            "http_request_duration_seconds_count", "job", "api", "ns", "b", NULL);
    ev = ev_new(f, "fast");
    for (int i = 0; i < steps; i++) {
        if (i > 0)
            at = next_at(at, i);
        feed(f, at);
        ev_check(f, ev, at, 0);
    }
    assert_int_equal(ev->ps.n, 2);
    assert_int_equal(f->db.bad_requests, 0);
    ev_free(ev);
}

/* ---- calendar periods ---------------------------------------------------- */

#define WEEK_SLOS                                                                                 \
    "  - name: week\n"                                                                            \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: calendar_week\n"                                                                 \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\",code=~\"5..\"}'\n"                                  \
    "        total: 'requests_total{job=\"api\"}'\n"                                              \
    "  - name: week-slices\n"                                                                     \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: calendar_week\n"                                                                 \
    "    sli:\n"                                                                                  \
    "      timeslice:\n"                                                                          \
    "        gauge: 'pipeline_ok{job=\"etl\"}'\n"                                                 \
    "        op: '>='\n"                                                                          \
    "        value: 1\n"                                                                          \
    "        slice: 1m\n"

/*
 * A calendar week starts anew on Monday 00:00 UTC (T0): its period window
 * grows from the start, is empty at the start itself, and the other
 * windows go on across it. Every step equals the reference, across the
 * start and then a few hours into the week.
 */
static void test_calendar_week_starts_anew(void **state)
{
    struct fx *f = *state;
    int64_t at = T0 - 20 * MIN, h = T0 - 3 * DAY - 2 * HOUR;
    int steps = RUNNING_ON_VALGRIND ? 50 : 200;
    struct ev *ev[2];

    configure(f, "30s", 0, WEEK_SLOS);
    events_data(f);
    gen_new(f, ROLE_GAUGE, h + 5 * SEC, 20 * SEC, 0, 1, "__name__", "pipeline_ok", "job", "etl",
            "instance", "1", NULL);
    gen_new(f, ROLE_GAUGE, h + 13 * SEC, 45 * SEC, EXACTSTATE_SETTLE_MS, 1, "__name__",
            "pipeline_ok", "job", "etl", "instance", "2", NULL);
    ev[0] = ev_new(f, "week");
    ev[1] = ev_new(f, "week-slices");
    for (int i = 0; i < steps; i++) {
        /* 30s steps around the start, then 5 minutes. */
        if (i > 0)
            at += at < T0 + 30 * MIN ? 30 * SEC : 5 * MIN;
        feed(f, at);
        ev_check(f, ev[0], at, 0);
        ev_check(f, ev[1], at, 0);
    }
    ev_free(ev[0]);
    ev_free(ev[1]);
}

#define KOLKATA_SLOS                                                                              \
    "  - name: week-ist\n"                                                                        \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: calendar_week\n"                                                                 \
    "    timezone: Asia/Kolkata\n"                                                                \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\",code=~\"5..\"}'\n"                                  \
    "        total: 'requests_total{job=\"api\"}'\n"

/*
 * A week that starts at a half-hour local midnight (UTC+5:30, so 18:30
 * UTC): once the start is older than the fine span (2h), the period window
 * still starts on a coarse boundary because the stores count in time
 * shifted by the start's offset within the hour. Exact at every step for
 * over 8 hours from just before the start.
 */
static void test_calendar_week_half_hour_zone(void **state)
{
    struct fx *f = *state;
    int64_t start = T0 - 5 * HOUR - 30 * MIN, at = start - 20 * MIN;
    /* valgrind: fewer, longer steps, still past the fine span and beyond. */
    int steps = RUNNING_ON_VALGRIND ? 50 : 200;
    int64_t later = RUNNING_ON_VALGRIND ? 15 * MIN : 5 * MIN;
    struct ev *ev;

    configure(f, "30s", 0, KOLKATA_SLOS);
    events_data(f);
    ev = ev_new(f, "week-ist");
    for (int i = 0; i < steps; i++) {
        if (i > 0)
            at += at < start + 10 * MIN && !RUNNING_ON_VALGRIND ? 30 * SEC : later;
        feed(f, at);
        ev_check(f, ev, at, 0);
    }
    assert_true(at > start + 2 * HOUR + 6 * HOUR);
    ev_free(ev);
}

/* ---- checkpoint ----------------------------------------------------------- */

#define CKPT_SLOS                                                                                 \
    "  - name: edge\n"                                                                            \
    "    service: s\n"                                                                            \
    "    objective: 99.5\n"                                                                       \
    "    period: 84h\n"                                                                           \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\"}'\n"                                                \
    "        total: 'requests_total{job=\"api\"}'\n"                                              \
    "  - name: by-ns\n"                                                                           \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 1d\n"                                                                            \
    "    group_by: [ns]\n"                                                                        \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\"}'\n"                                                \
    "        total: 'requests_total{job=\"api\"}'\n"                                              \
    "  - name: fresh\n"                                                                           \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 1d\n"                                                                            \
    "    sli:\n"                                                                                  \
    "      timeslice:\n"                                                                          \
    "        gauge: 'pipeline_ok{job=\"etl\"}'\n"                                                 \
    "        op: '>='\n"                                                                          \
    "        value: 1\n"                                                                          \
    "        slice: 5m\n"

/* The checkpoint tests' data; their first evaluation is at T0+10m. */
static void ckpt_data(struct fx *f)
{
    int64_t h = T0 - 90 * HOUR;

    edge_data(f);
    /*
     * Sparse, as in the edge test: the re-reads must start where the state
     * says. Its namespace has no total series: the grouped SLO has no group
     * for it.
     */
    gen_new(f, ROLE_ERR, T0 + 10 * MIN - 84 * HOUR + MIN, 150 * MIN, 0, 0, "__name__",
            "errors_total", "job", "api", "ns", "s", "pod", "sparse", NULL);
    gen_new(f, ROLE_ERR, h + 31 * SEC, MIN, 0, 1, "__name__", "errors_total", "job", "api", "ns",
            "b", "pod", "b1", NULL);
    gen_new(f, ROLE_TOTAL, h + 31 * SEC, MIN, 0, 1, "__name__", "requests_total", "job", "api",
            "ns", "b", "pod", "b1", NULL);
    gen_new(f, ROLE_GAUGE, h + 5 * SEC, MIN, 0, 1, "__name__", "pipeline_ok", "job", "etl", NULL);
}

/* The image of v's state, in f->img (replacing the last one). */
static struct buf *image_of(struct fx *f, const struct ev *v)
{
    buf_free(&f->img);
    buf_init(&f->img, 64u * 1024u * 1024u);
    assert_int_equal(exactstate_save(v->st, exactstate_fingerprint(f->cfg, v->slo), &f->img), 0);
    assert_true(f->img.len > 0);
    return &f->img;
}

#define MONTH_SLO                                                                                 \
    "  - name: month\n"                                                                           \
    "    service: s\n"                                                                            \
    "    objective: 99.9\n"                                                                       \
    "    period: 30d\n"                                                                           \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total{job=\"api\",code=~\"5..\"}'\n"                                  \
    "        total: 'requests_total{job=\"api\"}'\n"

/*
 * The memory budget of the exact state: a 30d events SLO at a 30s interval
 * (4 series, the default windows) holds at most 64 KiB, counted by
 * exactstate_memory (buckets, series, the re-read ring), at its first
 * evaluation and after every later one, edge re-reads included.
 */
static void test_month_slo_state_fits_64k(void **state)
{
    struct fx *f = *state;
    int64_t at = T0;
    size_t most = 0;
    struct ev *ev;

    configure(f, "30s", 0, MONTH_SLO);
    events_data(f);
    ev = ev_new(f, "month");
    for (int i = 0; i < (RUNNING_ON_VALGRIND ? 20 : 150); i++, at += 30 * SEC) {
        size_t m;

        feed(f, at);
        ev_check(f, ev, at, 0);
        m = exactstate_memory(ev->st);
        most = m > most ? m : most;
        if (m > 64 * 1024)
            fail_msg("T0%+llds: the state of a 30d SLO holds %zu bytes",
                     (long long)(at - T0) / 1000, m);
    }
    print_message("30d events SLO at 30s: exact state at most %zu bytes, image %zu bytes\n", most,
                  image_of(f, ev)->len);
    ev_free(ev);
}

/*
 * Three SLOs (84h with edges, grouped, time slices) at a 5m interval run
 * for an hour; each state is saved and loaded into a new one, then both go
 * on for another hour (crossing edge re-reads) with the same figures as
 * each other and as the reference at every step. A new state saves nothing.
 */
static void test_checkpoint_restores_same_figures(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {"edge", "by-ns", "fresh"};
    struct ev *a[3], *b[3];
    int64_t at = T0 + 10 * MIN;
    struct buf empty;

    configure(f, "5m", 0, CKPT_SLOS);
    ckpt_data(f);
    buf_init(&empty, 1024);
    for (int k = 0; k < 3; k++) {
        a[k] = ev_new(f, names[k]);
        b[k] = ev_new(f, names[k]);
        assert_int_equal(exactstate_save(a[k]->st, exactstate_fingerprint(f->cfg, a[k]->slo),
                                         &empty),
                         1);
    }
    assert_int_equal(empty.len, 0);
    buf_free(&empty);
    for (int i = 0; i < 12; i++, at += 5 * MIN) {
        feed(f, at);
        for (int k = 0; k < 3; k++)
            ev_check(f, a[k], at, 0);
    }
    for (int k = 0; k < 3; k++) {
        struct buf *img = image_of(f, a[k]);
        struct err e;

        if (exactstate_load(b[k]->st, exactstate_fingerprint(f->cfg, b[k]->slo),
                            (const uint8_t *)img->data, img->len, &e) != 0)
            fail_msg("SLO %s: load: %s", names[k], e.msg);
        print_message("SLO %s: image of %zu bytes\n", names[k], img->len);
    }
    for (int i = 0; i < 14; i++, at += 5 * MIN) {
        feed(f, at);
        for (int k = 0; k < 3; k++) {
            ev_check(f, a[k], at, 0);
            ev_check(f, b[k], at, 0);
            assert_same(a[k], b[k]);
        }
    }
    for (int k = 0; k < 3; k++) {
        ev_free(a[k]);
        ev_free(b[k]);
    }
}

/*
 * Restarts from checkpoints of every age, at random: the three SLOs above
 * (84h events with edge re-reads, a grouped 1d one, 5m time slices) walk
 * days at a 5m interval, and now and then one of them is thrown away and a
 * new state loads a checkpoint: the one written at this very evaluation
 * (and evaluates the same time again), one interval old, an hour old, or
 * the first one, once it is older than the SLO's period (the state then
 * backfills). Every evaluation, before and after, equals the reference.
 */
#define RING 13 /* one image per step: the oldest is an hour old at 5m */

static void test_restarts_from_checkpoints_of_every_age(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {"edge", "by-ns", "fresh"};
    static const char *const ages[] = {"just written", "one interval", "an hour",
                                       "older than the period"};
    struct rng g = {0x5eed5eedULL};
    int64_t first = T0 + 10 * MIN, at = first;
    int64_t end = first + (RUNNING_ON_VALGRIND ? 30 * HOUR : 4 * DAY);
    struct buf ring[3][RING], oldest[3];
    struct ev *ev[3];
    int restarts[3][4] = {{0}};
    int64_t seen_from[3] = {0, 0, 0};
    long step = 0;

    configure(f, "5m", 0, CKPT_SLOS);
    ckpt_data(f);
    for (int k = 0; k < 3; k++) {
        ev[k] = ev_new(f, names[k]);
        buf_init(&oldest[k], 64u << 20);
        for (int i = 0; i < RING; i++)
            buf_init(&ring[k][i], 64u << 20);
    }
    for (; at <= end; at += 5 * MIN, step++) {
        feed(f, at);
        for (int k = 0; k < 3; k++) {
            uint64_t fp = exactstate_fingerprint(f->cfg, ev[k]->slo);
            int64_t period = ev[k]->slo->period_ms;
            struct buf *img = NULL;
            int age = -1;
            struct err e;

            ev_check(f, ev[k], at, 0);
            buf_reset(&ring[k][step % RING]);
            assert_int_equal(exactstate_save(ev[k]->st, fp, &ring[k][step % RING]), 0);
            if (step == 0)
                assert_int_equal(exactstate_save(ev[k]->st, fp, &oldest[k]), 0);
            if (step == 0 || rnd_below(&g, 20) != 0)
                continue;
            age = (int)rnd_below(&g, 4);
            if (age == 3 && at - first <= period)
                age = 2;
            if (age == 2 && step < RING - 1)
                age = 1;
            switch (age) {
            case 0:
                img = &ring[k][step % RING];
                break;
            case 1:
                img = &ring[k][(step - 1) % RING];
                break;
            case 2:
                img = &ring[k][(step - (RING - 1)) % RING];
                break;
            default:
                img = &oldest[k];
                break;
            }
            ev_free(ev[k]);
            ev[k] = ev_new(f, names[k]);
            /* What a backfill did not see stays unseen in later checkpoints. */
            ev[k]->seen_from = seen_from[k];
            if (exactstate_load(ev[k]->st, fp, (const uint8_t *)img->data, img->len, &e) != 0)
                fail_msg("T0%+llds: SLO %s: load of a checkpoint %s old: %s",
                         (long long)(at - T0) / 1000, names[k], ages[age], e.msg);
            if (age == 3) {
                /* A backfill: it reads from the coarse span of the longest
                 * window's start, less the lookback. */
                struct slo_window w[SLO_MAX_WINDOWS];
                size_t nw = slo_windows(ev[k]->slo, at, w, SLO_MAX_WINDOWS);
                int64_t longest = 0;

                for (size_t i = 0; i < nw; i++)
                    longest = w[i].ms > longest ? w[i].ms : longest;
                seen_from[k] = ev[k]->seen_from = util_floor_div(at - longest, HOUR) * HOUR -
                                                  EXACTREAD_LOOKBACK_MS;
            }
            ev_check(f, ev[k], at, 0);
            restarts[k][age]++;
            /* The next checkpoint is this state's. */
            buf_reset(&ring[k][step % RING]);
            assert_int_equal(exactstate_save(ev[k]->st, fp, &ring[k][step % RING]), 0);
        }
    }
    for (int k = 0; k < 3; k++) {
        print_message("SLO %s: %ld steps, restarts from a checkpoint just written %d, one "
                      "interval old %d, an hour old %d, older than the period %d\n",
                      names[k], step, restarts[k][0], restarts[k][1], restarts[k][2],
                      restarts[k][3]);
        for (int a = 0; a < 4; a++)
            if (restarts[k][a] == 0 && (a < 3 || end - first > ev[k]->slo->period_ms + DAY))
                fail_msg("SLO %s: no restart from a checkpoint %s old", names[k], ages[a]);
        ev_free(ev[k]);
        buf_free(&oldest[k]);
        for (int i = 0; i < RING; i++)
            buf_free(&ring[k][i]);
    }
}

/* A record as exact_state_record writes it: name, u64 length, image. */
static void fake_record(struct buf *b, const char *name, const char *image)
{
    buf_init(b, 1u << 20);
    assert_int_equal(binio_put_str(b, name), 0);
    assert_int_equal(binio_put_u64(b, strlen(image)), 0);
    assert_int_equal(buf_append(b, image, strlen(image)), 0);
}

/* The image of name's record in the state file at path, or NULL. */
static char *file_record(const char *path, const char *name)
{
    uint8_t *p = NULL;
    size_t n = 0;
    struct err e;
    struct binio_reader r;
    char *out = NULL;
    uint32_t count;

    assert_int_equal(statefile_read(path, &p, &n, &e), 0);
    binio_reader_init(&r, p, n);
    count = binio_u32(&r);
    for (uint32_t i = 0; i < count && !r.failed; i++) {
        char *got = binio_str(&r, 1024);
        uint64_t len = binio_u64(&r);
        const uint8_t *img = binio_skip(&r, (size_t)len);

        if (got != NULL && img != NULL && strcmp(got, name) == 0) {
            out = calloc(1, (size_t)len + 1);
            memcpy(out, img, (size_t)len);
        }
        free(got);
    }
    assert_false(r.failed);
    free(p);
    return out;
}

/*
 * The daemon keeps no records between checkpoints: an SLO without a fresh
 * one at a checkpoint (its evaluation failed or still runs) keeps the one
 * in the file being replaced; one that never had any has none.
 */
static void test_checkpoint_keeps_old_record_of_slo_without_new_one(void **state)
{
    struct fx *f = *state;
    char path[] = "/tmp/slo-records-XXXXXX";
    int fd = mkstemp(path);
    struct buf rec[3];
    struct err e;
    char *got;

    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    configure(f, "5m", 0, CKPT_SLOS);
    fake_record(&rec[0], "edge", "edge-1");
    fake_record(&rec[1], "by-ns", "by-ns-1");
    buf_init(&rec[2], 1u << 20); /* "fresh" has nothing yet */
    if (exact_save_records(f->cfg, rec, 3, path, &e) != 0)
        fail_msg("save: %s", e.msg);
    for (int i = 0; i < 3; i++)
        buf_free(&rec[i]);
    /* Next checkpoint: by-ns brings nothing new. */
    fake_record(&rec[0], "edge", "edge-2");
    buf_init(&rec[1], 1u << 20);
    fake_record(&rec[2], "fresh", "fresh-2");
    if (exact_save_records(f->cfg, rec, 3, path, &e) != 0)
        fail_msg("save: %s", e.msg);
    for (int i = 0; i < 3; i++)
        buf_free(&rec[i]);
    got = file_record(path, "edge");
    assert_string_equal(got, "edge-2");
    free(got);
    got = file_record(path, "by-ns");
    assert_string_equal(got, "by-ns-1");
    free(got);
    got = file_record(path, "fresh");
    assert_string_equal(got, "fresh-2");
    free(got);
    /* None at all for edge this time, and no file to carry from: left out. */
    unlink(path);
    buf_init(&rec[0], 1u << 20);
    fake_record(&rec[1], "by-ns", "by-ns-3");
    buf_init(&rec[2], 1u << 20);
    assert_int_equal(exact_save_records(f->cfg, rec, 3, path, &e), 0);
    for (int i = 0; i < 3; i++)
        buf_free(&rec[i]);
    assert_null(file_record(path, "edge"));
    got = file_record(path, "by-ns");
    assert_string_equal(got, "by-ns-3");
    free(got);
    unlink(path);
}

/*
 * Regression (exactstate_load drops the provisional slices, and exactstate_eval
 * used to read nothing when at_ms == s->at): a daemon restarted within the
 * interval it last evaluated and saved evaluates that same time again, and
 * the restored time-slice state counted the recent, still provisional
 * slices as bad.
 */
static void test_checkpoint_then_same_time_counts_recent_slices(void **state)
{
    struct fx *f = *state;
    int64_t at = T0 + 10 * MIN;
    struct ev *a, *b;
    struct buf *img;
    struct err e;

    configure(f, "5m", 0, CKPT_SLOS);
    ckpt_data(f);
    a = ev_new(f, "fresh");
    b = ev_new(f, "fresh");
    for (int i = 0; i < 12; i++, at += 5 * MIN) {
        feed(f, at);
        ev_check(f, a, at, 0);
    }
    at -= 5 * MIN;
    img = image_of(f, a);
    assert_int_equal(exactstate_load(b->st, exactstate_fingerprint(f->cfg, b->slo),
                                     (const uint8_t *)img->data, img->len, &e),
                     0);
    /* The saved time again: the same figures as before the save. */
    ev_check(f, b, at, 0);
    assert_same(a, b);
    ev_free(a);
    ev_free(b);
}

/* Loads data[0..len) (a copy of exactly that size) into v; the result of exactstate_load. */
static int load_copy(const struct fx *f, struct ev *v, const char *data, size_t len, struct err *e)
{
    uint8_t *x = malloc(len ? len : 1);
    int rc;

    assert_non_null(x);
    if (len > 0)
        memcpy(x, data, len);
    rc = exactstate_load(v->st, exactstate_fingerprint(f->cfg, v->slo), x, len, e);
    free(x);
    return rc;
}

/* 1 when v holds nothing (it saves no image). */
static int is_empty(const struct fx *f, const struct ev *v)
{
    struct buf out;
    int rc;

    buf_init(&out, 64u * 1024u * 1024u);
    rc = exactstate_save(v->st, exactstate_fingerprint(f->cfg, v->slo), &out);
    buf_free(&out);
    return rc == 1;
}

/* Replaces v's state with a new, empty one. */
static void renew(struct fx *f, struct ev *v)
{
    exactstate_free(v->st);
    v->st = exactstate_new(f->cfg, v->slo);
    assert_non_null(v->st);
}

/*
 * Loads data[0..len) into a new state: it must be refused with a message
 * and leave the state empty.
 */
static void assert_refused(struct fx *f, struct ev *v, const char *data, size_t len,
                           const char *what, size_t where)
{
    struct err e = {{0}};

    renew(f, v);
    if (load_copy(f, v, data, len, &e) != -1)
        fail_msg("SLO %s: image with %s %zu was not refused", v->slo->name, what, where);
    if (e.msg[0] == '\0' || !is_empty(f, v))
        fail_msg("SLO %s: image with %s %zu: no message or state not empty", v->slo->name, what,
                 where);
}

/*
 * 1 when a cut at n lies within 256 bytes of a structure boundary of img:
 * its start, the series table and checkpoint of minprev at its end (the last
 * 4 KiB), each bucket store image's start.
 */
static int near_boundary(const struct buf *img, size_t n)
{
    if (n < 256 || n + 4096 > img->len)
        return 1;
    for (size_t i = n - 256; i + 4 <= img->len && i <= n + 256; i++)
        if (memcmp(img->data + i, "SLBK", 4) == 0)
            return 1;
    return 0;
}

/*
 * Images that must be refused, each leaving the (new) state empty: another
 * fingerprint, every truncation, trailing bytes, flips of fields that are
 * checked. Flips elsewhere may load (a checkpoint file carries its own
 * CRC) but must neither crash nor leak, and the state still evaluates.
 * Copies of the exact length let ASan and valgrind see any read past the
 * end. Then a state that refused an image backfills and is right again.
 */
static void test_checkpoint_refuses_bad_images(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {"by-ns", "edge", "fresh"};
    int64_t at = T0 + 10 * MIN;

    configure(f, "5m", 0, CKPT_SLOS);
    ckpt_data(f);
    for (int k = 0; k < 3; k++) {
        struct ev *a, *b;
        struct buf *img;
        struct err e;
        size_t stride = 1, pos, checked[6];
        const char *magic;

        a = ev_new(f, names[k]);
        b = ev_new(f, names[k]);
        for (int i = 0; i < 6; i++, at += 5 * MIN) {
            feed(f, at);
            ev_check(f, a, at, 0);
        }
        at -= 5 * MIN;
        img = image_of(f, a);
        /* Another fingerprint. */
        renew(f, b);
        assert_int_equal(exactstate_load(b->st, exactstate_fingerprint(f->cfg, b->slo) ^ 1,
                                         (const uint8_t *)img->data, img->len, &e),
                         -1);
        assert_non_null(strstr(e.msg, "changed since the state was saved"));
        assert_true(is_empty(f, b));
        /*
         * Every truncation, except that inside the long runs of bucket values
         * of the grouped image (and of all of them under valgrind) one length
         * in `stride` is enough: they all end in the same check.
         */
        if (RUNNING_ON_VALGRIND)
            stride = 61;
        else if (k == 0)
            stride = 13;
        for (size_t n = 0; n < img->len; n += near_boundary(img, n) ? 1 : stride)
            assert_refused(f, b, img->data, n, "length", n);
        /* One byte too many. */
        assert_int_equal(buf_append(img, "", 1), 0);
        assert_refused(f, b, img->data, img->len, "length", img->len);
        img->len--;
        /* Checked fields: fingerprint, at, grid, group count, its labels, a store's magic. */
        for (magic = img->data; memcmp(magic, "SLBK", 4) != 0; magic++)
            assert_true(magic + 4 < img->data + img->len);
        checked[0] = 0;
        checked[1] = 8;
        checked[2] = 32;
        checked[3] = 64;
        checked[4] = 68;
        checked[5] = (size_t)(magic - img->data);
        for (int i = 0; i < 6; i++) {
            img->data[checked[i]] ^= 1;
            assert_refused(f, b, img->data, img->len, "a flip at byte", checked[i]);
            img->data[checked[i]] ^= 1;
        }
        /* Flips anywhere: refused (and empty) or loaded, and then it evaluates. */
        for (pos = 3; pos < img->len; pos += RUNNING_ON_VALGRIND ? 211 : 37) {
            img->data[pos] ^= (char)(1u << (pos % 8));
            renew(f, b);
            e.msg[0] = '\0';
            if (load_copy(f, b, img->data, img->len, &e) == 0) {
                if (ev_run(f, b, at + 5 * MIN, &e) != 0)
                    assert_true(e.msg[0] != '\0');
            } else {
                assert_true(e.msg[0] != '\0');
                assert_true(is_empty(f, b));
            }
            img->data[pos] ^= (char)(1u << (pos % 8));
        }
        /* The image itself loads; after a refused one the state backfills. */
        renew(f, b);
        assert_int_equal(load_copy(f, b, img->data, img->len, &e), 0);
        assert_int_equal(load_copy(f, b, img->data, img->len - 1, &e), -1);
        ev_check(f, b, at, 0);
        assert_same(a, b);
        at += 5 * MIN;
        feed(f, at);
        ev_check(f, a, at, 0);
        ev_check(f, b, at, 0);
        assert_same(a, b);
        at += 5 * MIN;
        ev_free(a);
        ev_free(b);
    }
}

/*
 * Regression (exactstate_load returned early without emptying s on a
 * fingerprint mismatch or a malformed header): "-1 with e set and s left
 * empty" held only for damage found later in the image; a state that held
 * something and was then given another SLO's image, or a short one, kept
 * its old content.
 */
static void test_checkpoint_refused_image_empties_loaded_state(void **state)
{
    struct fx *f = *state;
    int64_t at = T0 + 10 * MIN;
    struct ev *a, *b;
    struct buf *img;
    struct err e;
    uint64_t fp;

    configure(f, "5m", 0, CKPT_SLOS);
    ckpt_data(f);
    a = ev_new(f, "edge");
    b = ev_new(f, "edge");
    feed(f, at);
    ev_check(f, a, at, 0);
    img = image_of(f, a);
    fp = exactstate_fingerprint(f->cfg, b->slo);
    /* Damage after the header: emptied. */
    assert_int_equal(load_copy(f, b, img->data, img->len, &e), 0);
    assert_int_equal(load_copy(f, b, img->data, img->len - 1, &e), -1);
    assert_true(is_empty(f, b));
    /* Another fingerprint. */
    assert_int_equal(load_copy(f, b, img->data, img->len, &e), 0);
    assert_int_equal(exactstate_load(b->st, fp ^ 1, (const uint8_t *)img->data, img->len, &e), -1);
    if (!is_empty(f, b))
        fail_msg("a state given another SLO's image keeps its old content");
    /* A short header. */
    assert_int_equal(load_copy(f, b, img->data, img->len, &e), 0);
    assert_int_equal(load_copy(f, b, img->data, 20, &e), -1);
    if (!is_empty(f, b))
        fail_msg("a state given a 20-byte image keeps its old content");
    ev_free(a);
    ev_free(b);
}

#define STORE_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
#define API_TEST(t) cmocka_unit_test_setup_teardown(t, setup_api, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        STORE_TEST(test_events_every_step_equals_reference_chunks),
        STORE_TEST(test_tally_equals_reference),
        STORE_TEST(test_events_every_step_equals_reference_samples),
        STORE_TEST(test_failed_read_leaves_state_unchanged),
        STORE_TEST(test_timeslice_late_samples_and_settled_slices),
        STORE_TEST(test_edge_windows_are_reread_once_per_hour_each),
        STORE_TEST(test_sample_later_than_overlap_fails_one_evaluation_at_most),
        STORE_TEST(test_compaction_forgets_silent_series),
        STORE_TEST(test_compaction_frees_idle_groups),
        STORE_TEST(test_calendar_week_starts_anew),
        STORE_TEST(test_calendar_week_half_hour_zone),
        STORE_TEST(test_latency_every_step_equals_reference),
        STORE_TEST(test_checkpoint_restores_same_figures),
        STORE_TEST(test_restarts_from_checkpoints_of_every_age),
        STORE_TEST(test_month_slo_state_fits_64k),
        STORE_TEST(test_checkpoint_keeps_old_record_of_slo_without_new_one),
        STORE_TEST(test_checkpoint_then_same_time_counts_recent_slices),
        STORE_TEST(test_checkpoint_refuses_bad_images),
        STORE_TEST(test_checkpoint_refused_image_empties_loaded_state),
        /* The same engine through api_read: only the transport differs. */
        API_TEST(test_events_every_step_equals_reference_chunks),
        API_TEST(test_tally_equals_reference),
        API_TEST(test_failed_read_leaves_state_unchanged),
        API_TEST(test_timeslice_late_samples_and_settled_slices),
        API_TEST(test_sample_later_than_overlap_fails_one_evaluation_at_most),
        API_TEST(test_compaction_forgets_silent_series),
        API_TEST(test_compaction_frees_idle_groups),
        API_TEST(test_calendar_week_starts_anew),
        API_TEST(test_calendar_week_half_hour_zone),
        API_TEST(test_latency_every_step_equals_reference),
        API_TEST(test_checkpoint_restores_same_figures),
        API_TEST(test_restarts_from_checkpoints_of_every_age),
        API_TEST(test_checkpoint_then_same_time_counts_recent_slices),
        API_TEST(test_api_backfill_in_pieces_under_store_limit),
        API_TEST(test_api_untrusted_answers_fail_whole),
    };

    return cmocka_run_group_tests(tests, testutil_curl_setup, testutil_curl_teardown);
}
