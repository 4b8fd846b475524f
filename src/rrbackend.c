/*
 * rrbackend: remote_read mode, exact counting from raw samples.
 *
 * One request per SLO evaluation carries every selector the SLO needs (the
 * error or good selector and the total one; for latency the le bucket and
 * _count; for time slices the gauge). Series come back one at a time; each
 * is counted on arrival and dropped, so memory does not grow with the
 * number of samples read. Counts are staged in partials and only handed
 * over when the whole read succeeded.
 */
#include "rrbackend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binio.h"
#include "counter.h"
#include "log.h"
#include "remote_read.h"
#include "rrstate.h"
#include "seriesmap.h"
#include "sliquery.h"
#include "statefile.h"
#include "util.h"

/* Upper bound on series per selector and SLO, against runaway cardinality. */
#define MAX_SERIES 1000000

struct rrbackend {
    const struct config *cfg;
    struct remote_read_client *client;
    struct rrstate **states;        /* per SLO of cfg, once rrbackend_keep_state ran */
    int up;
};

struct rrbackend *rrbackend_new(const struct config *cfg, struct err *e)
{
    struct rrbackend *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    r->cfg = cfg;
    r->client = remote_read_client_new(&cfg->prometheus,
                                       cfg->prometheus.read_samples
                                           ? REMOTE_READ_ACCEPT_SAMPLES
                                           : REMOTE_READ_ACCEPT_CHUNKS,
                                       e);
    if (r->client == NULL) {
        free(r);
        return NULL;
    }
    r->up = 1;
    return r;
}

int rrbackend_keep_state(struct rrbackend *r)
{
    if (r->states != NULL)
        return 0;
    r->states = calloc(r->cfg->nslos ? r->cfg->nslos : 1, sizeof(struct rrstate *));
    if (r->states == NULL)
        return -1;
    for (size_t i = 0; i < r->cfg->nslos; i++) {
        r->states[i] = rrstate_new(r->cfg, &r->cfg->slos[i]);
        if (r->states[i] == NULL)
            return -1;
    }
    return 0;
}

/* Appends the image of every SLO state to b: u32 count, then name, length, image. */
static int state_image(struct rrbackend *r, struct buf *b)
{
    uint32_t n = 0;

    if (binio_put_u32(b, 0) != 0)
        return -1;
    for (size_t i = 0; r->states != NULL && i < r->cfg->nslos; i++) {
        const struct config_slo *slo = &r->cfg->slos[i];
        size_t mark = b->len, at;
        int rc;

        if (slo->kind == CONFIG_SLI_PROMQL)
            continue;
        if (binio_put_str(b, slo->name) != 0 || binio_put_u64(b, 0) != 0)
            return -1;
        at = b->len;
        rc = rrstate_save(r->states[i], rrstate_fingerprint(r->cfg, slo), b);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            /* Nothing counted yet: drop the name and length again. */
            b->len = mark;
            continue;
        }
        for (int k = 0; k < 8; k++)
            b->data[at - 8 + k] = (char)(uint8_t)((uint64_t)(b->len - at) >> (8 * k));
        n++;
    }
    for (int k = 0; k < 4; k++)
        b->data[k] = (char)(uint8_t)(n >> (8 * k));
    return 0;
}

/* Restores the states of an image; the number restored, or -1 (e set) when malformed. */
static int state_restore(struct rrbackend *r, const uint8_t *data, size_t len, struct err *e)
{
    struct binio_reader rd;
    uint32_t n;
    int restored = 0;

    if (r->states == NULL && rrbackend_keep_state(r) != 0)
        return util_err(e, "out of memory");
    binio_reader_init(&rd, data, len);
    n = binio_u32(&rd);
    for (uint32_t k = 0; k < n && !rd.failed; k++) {
        char *name = binio_str(&rd, 4096);
        uint64_t blen = binio_u64(&rd);
        const uint8_t *block = rd.failed || blen > rd.len - rd.pos ? NULL
                                                                   : binio_skip(&rd, blen);
        struct err le = {{0}};

        if (name == NULL || block == NULL) {
            free(name);
            rd.failed = 1;
            break;
        }
        for (size_t i = 0; i < r->cfg->nslos; i++) {
            const struct config_slo *slo = &r->cfg->slos[i];

            if (strcmp(slo->name, name) != 0 || slo->kind == CONFIG_SLI_PROMQL)
                continue;
            if (rrstate_load(r->states[i], rrstate_fingerprint(r->cfg, slo), block,
                             (size_t)blen, &le) == 0)
                restored++;
            else
                log_info("state not restored; the SLO will be backfilled", "slo", name,
                         "reason", le.msg);
        }
        free(name);
    }
    if (rd.failed || rd.pos != rd.len) {
        /* Whatever was loaded before the damage is dropped too: all or nothing. */
        for (size_t i = 0; i < r->cfg->nslos; i++) {
            rrstate_free(r->states[i]);
            r->states[i] = rrstate_new(r->cfg, &r->cfg->slos[i]);
            if (r->states[i] == NULL)
                return util_err(e, "out of memory");
        }
        return util_err(e, "malformed state contents");
    }
    return restored;
}

int rrbackend_save_state(struct rrbackend *r, const char *path, struct err *e)
{
    struct buf b;
    int rc;

    buf_init(&b, STATEFILE_MAX);
    if (state_image(r, &b) != 0) {
        buf_free(&b);
        return util_err(e, "state file %s: out of memory or over %u bytes", path,
                        STATEFILE_MAX);
    }
    rc = statefile_write(path, b.data, b.len, e);
    buf_free(&b);
    return rc;
}

int rrbackend_load_state(struct rrbackend *r, const char *path, struct err *e)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = statefile_read(path, &data, &len, e);

    if (rc != 0)
        return rc > 0 ? 0 : -1;
    rc = state_restore(r, data, len, e);
    free(data);
    if (rc < 0) {
        char why[UTIL_ERRLEN];

        snprintf(why, sizeof(why), "%s", e->msg);
        util_err(e, "state file %s: %s", path, why);
    }
    return rc;
}

int rrbackend_take_state(struct rrbackend *r, struct rrbackend *from, struct err *e)
{
    struct buf b;
    int rc;

    if (from == NULL || from->states == NULL)
        return 0;
    buf_init(&b, STATEFILE_MAX);
    if (state_image(from, &b) != 0) {
        buf_free(&b);
        return util_err(e, "out of memory copying the state");
    }
    rc = state_restore(r, (const uint8_t *)b.data, b.len, e);
    buf_free(&b);
    return rc;
}

void rrbackend_free(struct rrbackend *r)
{
    if (r == NULL)
        return;
    if (r->states != NULL)
        for (size_t i = 0; i < r->cfg->nslos; i++)
            rrstate_free(r->states[i]);
    free(r->states);
    remote_read_client_free(r->client);
    free(r);
}

int rrbackend_unreachable(const struct rrbackend *r)
{
    return remote_read_client_unreachable(r->client);
}

int rrbackend_up(const struct rrbackend *r)
{
    return r->up;
}

uint64_t rrbackend_retries(const struct rrbackend *r)
{
    return remote_read_client_retries(r->client);
}

void rrbackend_new_round(struct rrbackend *r)
{
    remote_read_client_new_round(r->client);
}

/* One selector of the read: which part it counts. */
struct part_query {
    enum sliquery_part part;
    struct seriesmap *map;          /* series seen, for reads split by the server */
    struct counter_series *st;      /* indexed like map */
    size_t *group;                  /* partial index of each series */
    size_t cap;
};


struct read_ctx {
    const struct config_slo *slo;
    int64_t at_ms;
    const struct slo_window *w;
    size_t nw;
    int64_t longest_ms;
    struct part_query pq[2];
    size_t npq;
    struct backend_partial **parts;
    size_t *nparts;
    /* time slices: slices k0 .. k0+nslices-1, one verdict array per partial */
    int64_t k0;
    size_t nslices;
    unsigned char **verdict;
    size_t nverdict;
};

static void part_query_free(struct part_query *q)
{
    seriesmap_free(q->map);
    free(q->st);
    free(q->group);
}

/* The per-series slot of labels l in query q: state and group. */
static int series_slot(struct read_ctx *c, struct part_query *q, const struct labels *l,
                       size_t *slot, struct err *e)
{
    int added = seriesmap_get(q->map, l, MAX_SERIES, slot);

    if (added < 0)
        return util_err(e, "SLO %s: more than %d series for one selector (or out of memory)",
                        c->slo->name, MAX_SERIES);
    if (added == 1) {
        struct labels g;
        struct backend_partial *p;

        if (*slot >= q->cap) {
            size_t cap = q->cap ? q->cap * 2 : 64;
            struct counter_series *st = realloc(q->st, cap * sizeof(*st));
            size_t *gr;

            if (st == NULL)
                return util_err(e, "out of memory");
            q->st = st;
            gr = realloc(q->group, cap * sizeof(*gr));
            if (gr == NULL)
                return util_err(e, "out of memory");
            q->group = gr;
            q->cap = cap;
        }
        memset(&q->st[*slot], 0, sizeof(q->st[*slot]));
        if (backend_group_of(c->slo, l, &g) != 0)
            return util_err(e, "out of memory");
        p = backend_partial_get(c->parts, c->nparts, &g);
        labels_free(&g);
        if (p == NULL)
            return util_err(e, "out of memory");
        q->group[*slot] = (size_t)(p - *c->parts);
        /* A series of this part exists for the group: its counts are real
         * zeros from here on, not missing data. */
        for (size_t k = 0; k < c->nw; k++)
            p->seen[q->part][k] = 1;
    }
    return 0;
}

static int on_counter_series(struct read_ctx *c, const struct remote_read_series *s,
                             struct err *e)
{
    struct part_query *q = &c->pq[s->query];
    size_t slot;
    struct counter_series *st;
    struct backend_partial *p;

    if (series_slot(c, q, s->labels, &slot, e) != 0)
        return -1;
    st = &q->st[slot];
    p = &(*c->parts)[q->group[slot]];
    for (size_t i = 0; i < s->n; i++) {
        double inc;
        int r = counter_next(st, s->s[i].t_ms, s->s[i].v, &inc);

        if (r < 0)
            return util_err(e, "SLO %s: a counter sample is %g at %lld ms; a count must be "
                               "finite and not negative", c->slo->name, s->s[i].v,
                            (long long)s->s[i].t_ms);
        if (r == 0)
            continue;
        for (size_t k = 0; k < c->nw; k++)
            if (s->s[i].t_ms > c->at_ms - c->w[k].ms)
                p->v[q->part][k] += inc;
    }
    return 0;
}

static int verdicts_for(struct read_ctx *c, size_t group, unsigned char **out, struct err *e)
{
    if (group >= c->nverdict) {
        unsigned char **v = realloc(c->verdict, (group + 1) * sizeof(*v));

        if (v == NULL)
            return util_err(e, "out of memory");
        c->verdict = v;
        for (size_t i = c->nverdict; i <= group; i++)
            v[i] = NULL;
        c->nverdict = group + 1;
    }
    if (c->verdict[group] == NULL) {
        c->verdict[group] = calloc(c->nslices ? c->nslices : 1, 1);
        if (c->verdict[group] == NULL)
            return util_err(e, "out of memory");
    }
    *out = c->verdict[group];
    return 0;
}

static int on_gauge_series(struct read_ctx *c, const struct remote_read_series *s,
                           struct err *e)
{
    struct part_query *q = &c->pq[0];
    size_t slot;
    unsigned char *v = NULL;
    struct counter_series *st;
    struct counter_slicer sl;

    if (series_slot(c, q, s->labels, &slot, e) != 0 ||
        verdicts_for(c, q->group[slot], &v, e) != 0)
        return -1;
    st = &q->st[slot];
    counter_slicer_begin(&sl, &c->slo->timeslice, v, c->k0, c->nslices);
    for (size_t i = 0; i < s->n; i++) {
        /* A series the server sends twice is not judged twice. */
        if (counter_is_stale(s->s[i].v) || (st->has && s->s[i].t_ms <= st->last_t))
            continue;
        st->has = 1;
        st->last_t = s->s[i].t_ms;
        counter_slicer_add(&sl, s->s[i].t_ms, s->s[i].v);
    }
    counter_slicer_end(&sl);
    return 0;
}

static int on_series(void *arg, const struct remote_read_series *s, struct err *e)
{
    struct read_ctx *c = arg;

    if (s->query >= c->npq)
        return util_err(e, "series for unknown query %zu", s->query);
    return c->slo->kind == CONFIG_SLI_TIMESLICE ? on_gauge_series(c, s, e)
                                                : on_counter_series(c, s, e);
}

/* Good slices of each window from the verdicts. */
static void fold_slices(struct read_ctx *c)
{
    int64_t s = c->slo->timeslice.slice_ms;

    for (size_t g = 0; g < c->nverdict && g < *c->nparts; g++) {
        const unsigned char *v = c->verdict[g];
        struct backend_partial *p = &(*c->parts)[g];

        if (v == NULL)
            continue;
        for (size_t k = 0; k < c->nw; k++) {
            /* Slices wholly inside (at - W, at]: start >= at - W. */
            int64_t first = -util_floor_div(-(c->at_ms - c->w[k].ms), s) - c->k0;
            double good = 0;

            for (int64_t i = first < 0 ? 0 : first; i < (int64_t)c->nslices; i++)
                good += v[i] == COUNTER_SLICE_GOOD;
            p->v[SLIQUERY_GOOD][k] = good;
        }
    }
}

int rrbackend_eval_slo(struct rrbackend *r, const struct config_slo *slo, int64_t at_ms,
                       const struct slo_window *w, size_t nw, struct backend_partial **parts,
                       size_t *nparts, struct err *e)
{
    struct remote_read_query q[2];
    int part[2];
    char le[128];
    struct read_ctx c;
    int rc = -1;

    if (r->states != NULL) {
        size_t i = (size_t)(slo - r->cfg->slos);

        if (i >= r->cfg->nslos)
            return util_err(e, "SLO %s is not of this backend's config", slo->name);
        rc = rrstate_eval(r->states[i], r->client, at_ms, w, nw, parts, nparts, e);
        r->up = rc == 0;
        return rc;
    }

    memset(&c, 0, sizeof(c));
    c.slo = slo;
    c.at_ms = at_ms;
    c.w = w;
    c.nw = nw;
    c.parts = parts;
    c.nparts = nparts;
    for (size_t k = 0; k < nw; k++)
        if (w[k].ms > c.longest_ms)
            c.longest_ms = w[k].ms;
    c.npq = rrstate_queries(slo, le, sizeof(le), q, part);
    if (c.npq == 0)
        return util_err(e, "SLO %s: promql SLIs need mode: promql", slo->name);
    for (size_t i = 0; i < c.npq; i++) {
        c.pq[i].part = (enum sliquery_part)part[i];
        c.pq[i].map = seriesmap_new();
        if (c.pq[i].map == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
        q[i].end_ms = at_ms;
        q[i].start_ms = at_ms - c.longest_ms - RRBACKEND_LOOKBACK_MS;
    }
    if (slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t s = slo->timeslice.slice_ms;
        int64_t k1 = util_floor_div(at_ms, s);           /* one past the last whole slice */

        c.k0 = -util_floor_div(-(at_ms - c.longest_ms), s);
        c.nslices = k1 > c.k0 ? (size_t)(k1 - c.k0) : 0;
        /* Only samples inside the slices matter. */
        q[0].start_ms = c.k0 * s + 1;
    }
    if (slo->ngroup_by == 0) {
        struct labels none;

        labels_init(&none);
        if (backend_partial_get(parts, nparts, &none) == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
        if (slo->kind == CONFIG_SLI_TIMESLICE) {
            unsigned char *v;

            if (verdicts_for(&c, 0, &v, e) != 0)
                goto out;
        }
    }
    if (remote_read_run(r->client, q, c.npq, on_series, &c, NULL, e) != 0) {
        r->up = 0;
        goto out;
    }
    r->up = 1;
    if (slo->kind == CONFIG_SLI_TIMESLICE) {
        for (size_t i = 0; i < *nparts; i++)
            for (size_t k = 0; k < nw; k++)
                (*parts)[i].seen[SLIQUERY_GOOD][k] = 1;
        fold_slices(&c);
    }
    rc = 0;
out:
    for (size_t i = 0; i < c.npq; i++)
        part_query_free(&c.pq[i]);
    for (size_t i = 0; i < c.nverdict; i++)
        free(c.verdict[i]);
    free(c.verdict);
    return rc;
}
