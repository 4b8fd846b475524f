/*
 * exact: the exact engine of one config. See exact.h.
 *
 * One-shot evaluation: one read of every selector of the SLO over the
 * longest window (plus EXACTREAD_LOOKBACK_MS before it, for each series'
 * sample preceding the window), each increment added to every window that
 * holds its time, at any instant (not only on the interval's grid). Series
 * stream through exactread one at a time, so memory does not grow with the
 * number of samples read.
 */
#include "exact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binio.h"
#include "counter.h"
#include "exactread.h"
#include "exactstate.h"
#include "log.h"
#include "statefile.h"
#include "util.h"

struct exact {
    const struct config *cfg;
    struct exactstate **states; /* per SLO of cfg once exact_keep_state ran; NULL when
                                   the SLO is not served */
};

int exact_serves(const struct config *cfg, const struct config_slo *slo)
{
    if (slo->kind == CONFIG_SLI_PROMQL)
        return 0;
    return cfg->prometheus.mode != CONFIG_MODE_PROMQL || slo->kind == CONFIG_SLI_TIMESLICE;
}

int exact_needed(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->nslos; i++)
        if (exact_serves(cfg, &cfg->slos[i]))
            return 1;
    return 0;
}

struct exact *exact_new(const struct config *cfg, struct err *e)
{
    struct exact *x = calloc(1, sizeof(*x));

    if (x == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    x->cfg = cfg;
    return x;
}

void exact_free(struct exact *x)
{
    if (x == NULL)
        return;
    if (x->states != NULL)
        for (size_t i = 0; i < x->cfg->nslos; i++)
            exactstate_free(x->states[i]);
    free(x->states);
    free(x);
}

int exact_keep_state(struct exact *x)
{
    if (x->states != NULL)
        return 0;
    x->states = calloc(x->cfg->nslos ? x->cfg->nslos : 1, sizeof(struct exactstate *));
    if (x->states == NULL)
        return -1;
    for (size_t i = 0; i < x->cfg->nslos; i++) {
        const struct config_slo *slo = &x->cfg->slos[i];

        if (!exact_serves(x->cfg, slo))
            continue;
        x->states[i] = exactstate_new(x->cfg, slo);
        if (x->states[i] == NULL)
            return -1;
    }
    return 0;
}

size_t exact_memory(const struct exact *x)
{
    size_t n = sizeof(*x);

    for (size_t i = 0; x->states != NULL && i < x->cfg->nslos; i++)
        if (x->states[i] != NULL)
            n += exactstate_memory(x->states[i]);
    return n;
}

/* ---- one read of the windows ---- */

struct oneshot {
    const struct config_slo *slo;
    int64_t at;
    const struct slo_window *w;
    size_t nw;
    struct answer_partials *ps;
    long *pos; /* partial position of each exactread group */
    size_t npos;
    struct exactread *rd;
};

static int on_group(void *arg, size_t gi, const struct labels *l, struct err *e)
{
    struct oneshot *o = arg;
    long p;

    if (gi >= o->npos) {
        size_t cap = o->npos ? o->npos * 2 : 8;
        long *n;

        while (cap <= gi)
            cap *= 2;
        n = realloc(o->pos, cap * sizeof(*n));
        if (n == NULL)
            return util_err(e, "out of memory");
        o->pos = n;
        o->npos = cap;
    }
    p = answer_partial_get(o->ps, l);
    if (p < 0)
        return util_err(e, "out of memory");
    o->pos[gi] = p;
    return 0;
}

static int on_series(void *arg, size_t qi, size_t gi, struct err *e)
{
    struct oneshot *o = arg;
    struct answer_partial *p = &o->ps->p[o->pos[gi]];
    enum answer_part part = exactread_part(o->rd, qi);

    (void)e;
    /* A series of this part exists for the group: its counts are real
     * zeros from here on, not missing data. */
    for (size_t k = 0; k < o->nw; k++)
        p->seen[part][k] = 1;
    return 0;
}

static int on_event(void *arg, size_t qi, size_t gi, int64_t t, int64_t prev_t, double inc,
                    struct err *e)
{
    struct oneshot *o = arg;
    struct answer_partial *p = &o->ps->p[o->pos[gi]];
    enum answer_part part = exactread_part(o->rd, qi);

    (void)prev_t;
    (void)e;
    for (size_t k = 0; k < o->nw; k++)
        if (t > o->at - o->w[k].ms && t <= o->at)
            p->v[part][k] += inc;
    return 0;
}

static const struct exactread_sink oneshot_sink = {on_group, on_series, on_event};

/* Good slices of each window from the verdicts; every group's windows have data. */
static void fold_slices(struct oneshot *o, const struct exactread_verdicts *v)
{
    int64_t s = o->slo->timeslice.slice_ms;

    for (size_t gi = 0; gi < exactread_ngroups(o->rd); gi++) {
        struct answer_partial *p = &o->ps->p[o->pos[gi]];
        const unsigned char *vv = gi < v->nv ? v->v[gi] : NULL;

        for (size_t k = 0; k < o->nw; k++) {
            /* Slices wholly inside (at - W, at]: start >= at - W. */
            int64_t first = -util_floor_div(-(o->at - o->w[k].ms), s) - v->k0;
            double good = 0;

            for (int64_t i = first < 0 ? 0 : first; vv != NULL && i < (int64_t)v->nk; i++)
                good += vv[i] == COUNTER_SLICE_GOOD;
            p->v[ANSWER_GOOD][k] = good;
            p->seen[ANSWER_GOOD][k] = 1;
        }
    }
}

static int oneshot(struct rawsrc *src, const struct config_slo *slo, int64_t at_ms,
                   const struct slo_window *w, size_t nw, struct answer_partials *ps,
                   struct err *e)
{
    struct oneshot o;
    int64_t longest = 0;
    int rc = -1;

    memset(&o, 0, sizeof(o));
    o.slo = slo;
    o.at = at_ms;
    o.w = w;
    o.nw = nw;
    o.ps = ps;
    for (size_t k = 0; k < nw; k++)
        if (w[k].ms > longest)
            longest = w[k].ms;
    o.rd = exactread_new(slo, NULL);
    if (o.rd == NULL)
        return util_err(e, "out of memory");
    if (slo->ngroup_by == 0) {
        struct labels none;
        size_t gi;

        labels_init(&none);
        if (exactread_group_add(o.rd, &none, &gi, &oneshot_sink, &o, e) != 0)
            goto out;
    }
    if (slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t s = slo->timeslice.slice_ms;
        int64_t k0 = -util_floor_div(-(at_ms - longest), s);
        int64_t k1 = util_floor_div(at_ms, s); /* one past the last whole slice */
        struct exactread_verdicts v;

        memset(&v, 0, sizeof(v));
        if (exactread_slices(o.rd, src, k0, k1 > k0 ? (size_t)(k1 - k0) : 0, &oneshot_sink, &o, &v,
                             e) != 0)
            goto out;
        fold_slices(&o, &v);
        exactread_verdicts_free(&v);
    } else if (exactread_counters(o.rd, src, at_ms - longest - EXACTREAD_LOOKBACK_MS, at_ms,
                                  &oneshot_sink, &o, e) != 0) {
        goto out;
    }
    rc = 0;
out:
    free(o.pos);
    exactread_free(o.rd);
    return rc;
}

int exact_eval_slo(struct exact *x, struct rawsrc *src, const struct config_slo *slo,
                   int64_t at_ms, const struct slo_window *w, size_t nw,
                   struct answer_partials *ps, struct err *e)
{
    size_t i = (size_t)(slo - x->cfg->slos);

    if (i >= x->cfg->nslos || !exact_serves(x->cfg, slo))
        return util_err(e, "SLO %s: not counted from raw samples in this mode", slo->name);
    if (x->states != NULL)
        return exactstate_eval(x->states[i], src, at_ms, w, nw, ps, e);
    return oneshot(src, slo, at_ms, w, nw, ps, e);
}

/* ---- checkpoints ---- */

int exact_state_record(struct exact *x, size_t i, struct buf *b)
{
    const struct config_slo *slo = &x->cfg->slos[i];
    size_t mark = b->len, at;
    int rc;

    if (x->states == NULL || i >= x->cfg->nslos || x->states[i] == NULL)
        return 1;
    if (binio_put_str(b, slo->name) != 0 || binio_put_u64(b, 0) != 0) {
        b->len = mark;
        return -1;
    }
    at = b->len;
    rc = exactstate_save(x->states[i], exactstate_fingerprint(x->cfg, slo), b);
    if (rc != 0) {
        /* Nothing counted yet (1), or the cap: drop the name and length again. */
        b->len = mark;
        return rc;
    }
    for (int k = 0; k < 8; k++)
        b->data[at - 8 + k] = (char)(uint8_t)((uint64_t)(b->len - at) >> (8 * k));
    return 0;
}

/*
 * The record of the SLO named name (its name, length and image, as
 * exact_state_record wrote them) in a state file's payload, or NULL.
 */
static const uint8_t *old_record(const uint8_t *p, size_t n, const char *name, size_t *len)
{
    struct binio_reader r;
    uint32_t count;

    if (p == NULL)
        return NULL;
    binio_reader_init(&r, p, n);
    count = binio_u32(&r);
    for (uint32_t i = 0; i < count && !r.failed; i++) {
        size_t start = r.pos;
        char *got = binio_str(&r, 64u * 1024u);
        uint64_t l = binio_u64(&r);
        int same = got != NULL && strcmp(got, name) == 0;

        free(got);
        if (r.failed || l > r.len - r.pos)
            return NULL;
        binio_skip(&r, (size_t)l);
        if (same) {
            *len = r.pos - start;
            return p + start;
        }
    }
    return NULL;
}

/*
 * u32 count, then the records: each SLO's in rec, or for an SLO without
 * one (its evaluation at this checkpoint failed or still runs) its record
 * in the file being replaced, old[0..nold), when it has one there.
 */
static int join_records(const struct config *cfg, const struct buf *rec, size_t n,
                        const uint8_t *old, size_t nold, struct buf *b)
{
    uint32_t count = 0;
    int rc = binio_put_u32(b, 0);

    for (size_t i = 0; i < n && rc == 0; i++) {
        const uint8_t *o;
        size_t olen = 0;

        if (rec[i].len == 0) {
            o = i < cfg->nslos ? old_record(old, nold, cfg->slos[i].name, &olen) : NULL;
            if (o == NULL)
                continue;
            rc = buf_append(b, o, olen);
        } else {
            rc = buf_append(b, rec[i].data, rec[i].len);
        }
        count++;
    }
    for (int k = 0; rc == 0 && k < 4; k++)
        b->data[k] = (char)(uint8_t)(count >> (8 * k));
    return rc;
}

/* Writes the image in b (filled: 0 when it was built whole) to path; frees b. */
static int write_image(struct buf *b, int filled, const char *path, struct err *e)
{
    int rc;

    if (filled != 0) {
        buf_free(b);
        return util_err(e, "state file %s: out of memory or over %u bytes", path, STATEFILE_MAX);
    }
    rc = statefile_write(path, b->data, b->len, e);
    buf_free(b);
    return rc;
}

int exact_save_records(const struct config *cfg, const struct buf *rec, size_t n, const char *path,
                       struct err *e)
{
    struct buf b;
    uint8_t *old = NULL;
    size_t nold = 0;
    int missing = 0, rc;
    struct err ignored;

    for (size_t i = 0; i < n && i < cfg->nslos; i++)
        missing |= rec[i].len == 0 && exact_serves(cfg, &cfg->slos[i]);
    /* A file that cannot be read gives nothing to carry over. */
    if (missing && statefile_read(path, &old, &nold, &ignored) != 0)
        old = NULL;
    buf_init(&b, STATEFILE_MAX);
    rc = write_image(&b, join_records(cfg, rec, n, old, nold, &b), path, e);
    free(old);
    return rc;
}

/* Appends the image of every SLO state to b: u32 count, then name, length, image. */
static int state_image(struct exact *x, struct buf *b)
{
    uint32_t n = 0;

    if (binio_put_u32(b, 0) != 0)
        return -1;
    for (size_t i = 0; x->states != NULL && i < x->cfg->nslos; i++) {
        int rc = exact_state_record(x, i, b);

        if (rc < 0)
            return -1;
        n += rc == 0;
    }
    for (int k = 0; k < 4; k++)
        b->data[k] = (char)(uint8_t)(n >> (8 * k));
    return 0;
}

/* Empties every state (to be backfilled). 0 or -1 (memory). */
static int reset_states(struct exact *x)
{
    for (size_t i = 0; i < x->cfg->nslos; i++) {
        if (x->states[i] == NULL)
            continue;
        exactstate_free(x->states[i]);
        x->states[i] = exactstate_new(x->cfg, &x->cfg->slos[i]);
        if (x->states[i] == NULL)
            return -1;
    }
    return 0;
}

/* Restores the states of an image; the number restored, or -1 (e set) when malformed. */
static int state_restore(struct exact *x, const uint8_t *data, size_t len, struct err *e)
{
    struct binio_reader rd;
    uint32_t n;
    int restored = 0;

    if (x->states == NULL && exact_keep_state(x) != 0)
        return util_err(e, "out of memory");
    binio_reader_init(&rd, data, len);
    n = binio_u32(&rd);
    for (uint32_t k = 0; k < n && !rd.failed; k++) {
        char *name = binio_str(&rd, 4096);
        uint64_t blen = binio_u64(&rd);
        const uint8_t *block = rd.failed || blen > rd.len - rd.pos ? NULL : binio_skip(&rd, blen);
        struct err le = {{0}};

        if (name == NULL || block == NULL) {
            free(name);
            rd.failed = 1;
            break;
        }
        for (size_t i = 0; i < x->cfg->nslos; i++) {
            const struct config_slo *slo = &x->cfg->slos[i];

            if (strcmp(slo->name, name) != 0 || x->states[i] == NULL)
                continue;
            if (exactstate_load(x->states[i], exactstate_fingerprint(x->cfg, slo), block,
                                (size_t)blen, &le) == 0)
                restored++;
            else
                log_info("state not restored; the SLO will be backfilled", "slo", name, "reason",
                         le.msg);
        }
        free(name);
    }
    if (rd.failed || rd.pos != rd.len) {
        /* Whatever was loaded before the damage is dropped too: all or nothing. */
        if (reset_states(x) != 0)
            return util_err(e, "out of memory");
        return util_err(e, "malformed state contents");
    }
    return restored;
}

int exact_save_state(struct exact *x, const char *path, struct err *e)
{
    struct buf b;

    buf_init(&b, STATEFILE_MAX);
    return write_image(&b, state_image(x, &b), path, e);
}

int exact_load_state(struct exact *x, const char *path, struct err *e)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = statefile_read(path, &data, &len, e);

    if (rc != 0)
        return rc > 0 ? 0 : -1;
    rc = state_restore(x, data, len, e);
    free(data);
    if (rc < 0) {
        char why[UTIL_ERRLEN];

        snprintf(why, sizeof(why), "%s", e->msg);
        util_err(e, "state file %s: %s", path, why);
    }
    return rc;
}

int exact_take_state(struct exact *x, struct exact *from, struct err *e)
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
    rc = state_restore(x, (const uint8_t *)b.data, b.len, e);
    buf_free(&b);
    return rc;
}
