/*
 * history: per-instance figures thinned with age, and the event log. See
 * history.h.
 *
 * Instances sit in an array of pointers sorted by (SLO name, group labels),
 * so a lookup is a binary search and the groups of one SLO are contiguous.
 * Events sit in a ring of HISTORY_MAX_EVENTS.
 */
#include "history.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "binio.h"

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

/* Thinning tiers: every point up to FULL_MS old, then one per MID_RES up to MID_MS. */
#define FULL_MS (6 * HOUR_MS)
#define MID_MS (2 * DAY_MS)
#define MID_RES (10 * MIN_MS)
#define OLD_RES HOUR_MS
/* Retention: the period, at least MIN_KEEP, at most MAX_KEEP. */
#define MIN_KEEP (7 * DAY_MS)
#define MAX_KEEP (93 * DAY_MS)
/* Points appended between two thinning passes of an instance. */
#define THIN_EVERY 32

#define IMAGE_MAGIC 0x54534948u /* "HIST" */
#define IMAGE_VERSION 1u
#define MAX_LABELS 64
#define MAX_STR 4096
#define NSEV 2

struct inst {
    char *slo;
    struct labels group;
    int64_t keep_ms; /* retention */
    struct history_point *p;
    size_t n, cap;
    size_t since_thin;
    int has_status;
    enum slo_status status;
    unsigned char alert_known[NSEV];
    unsigned char alert_firing[NSEV];
};

struct history {
    pthread_mutex_t mu;
    struct inst **in; /* sorted by inst_cmp */
    size_t nin, capin;
    struct history_event ev[HISTORY_MAX_EVENTS];
    size_t ev_first, ev_n; /* ring: oldest at ev_first */
    uint64_t next_id;
    int check_cfg; /* the next record forgets SLOs its config lacks */
};

static int key_cmp(const char *slo, const struct labels *g, const struct inst *b)
{
    static const struct labels none = {0, NULL};
    int c = strcmp(slo, b->slo);

    return c != 0 ? c : labels_cmp(g != NULL ? g : &none, &b->group);
}

/* Index of the key, or where it would go (*found 0). */
static size_t find(const struct history *h, const char *slo, const struct labels *g, int *found)
{
    size_t lo = 0, hi = h->nin;

    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(slo, g, h->in[mid]);

        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void inst_free(struct inst *in)
{
    if (in == NULL)
        return;
    free(in->slo);
    labels_free(&in->group);
    free(in->p);
    free(in);
}

static struct inst *inst_new(const char *slo, const struct labels *g)
{
    struct inst *in = calloc(1, sizeof(*in));

    if (in == NULL)
        return NULL;
    labels_init(&in->group);
    in->slo = util_strdup(slo);
    if (in->slo == NULL || (g != NULL && labels_copy(&in->group, g) != 0)) {
        inst_free(in);
        return NULL;
    }
    in->keep_ms = MIN_KEEP;
    return in;
}

/* Inserts in at index at. 0 or -1 (memory; in not taken). */
static int insert_at(struct history *h, size_t at, struct inst *in)
{
    if (h->nin == h->capin) {
        size_t cap = h->capin ? h->capin * 2 : 16;
        struct inst **v = realloc(h->in, cap * sizeof(struct inst *));

        if (v == NULL)
            return -1;
        h->in = v;
        h->capin = cap;
    }
    memmove(&h->in[at + 1], &h->in[at], (h->nin - at) * sizeof(struct inst *));
    h->in[at] = in;
    h->nin++;
    return 0;
}

static struct inst *get_inst(struct history *h, const char *slo, const struct labels *g)
{
    int found;
    size_t at = find(h, slo, g, &found);
    struct inst *in;

    if (found)
        return h->in[at];
    in = inst_new(slo, g);
    if (in == NULL || insert_at(h, at, in) != 0) {
        inst_free(in);
        return NULL;
    }
    return in;
}

struct history *history_new(void)
{
    struct history *h = calloc(1, sizeof(*h));

    if (h == NULL)
        return NULL;
    if (pthread_mutex_init(&h->mu, NULL) != 0) {
        free(h);
        return NULL;
    }
    h->next_id = 1;
    h->check_cfg = 1;
    return h;
}

void history_event_clear(struct history_event *ev)
{
    free(ev->slo);
    labels_free(&ev->group);
    memset(ev, 0, sizeof(*ev));
}

int history_event_copy(struct history_event *dst, const struct history_event *src)
{
    *dst = *src;
    dst->slo = NULL;
    labels_init(&dst->group);
    dst->slo = util_strdup(src->slo);
    if (dst->slo == NULL || labels_copy(&dst->group, &src->group) != 0) {
        history_event_clear(dst);
        return -1;
    }
    return 0;
}

void history_events_free(struct history_event *ev, size_t n)
{
    for (size_t i = 0; ev != NULL && i < n; i++)
        history_event_clear(&ev[i]);
    free(ev);
}

/* Empties the instances and events (not the id counter). */
static void clear_all(struct history *h)
{
    for (size_t i = 0; i < h->nin; i++)
        inst_free(h->in[i]);
    free(h->in);
    h->in = NULL;
    h->nin = h->capin = 0;
    for (size_t i = 0; i < h->ev_n; i++)
        history_event_clear(&h->ev[(h->ev_first + i) % HISTORY_MAX_EVENTS]);
    h->ev_first = h->ev_n = 0;
}

void history_free(struct history *h)
{
    if (h == NULL)
        return;
    clear_all(h);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

/* The resolution points of age `age` are thinned to; 0 keeps them all. */
static int64_t resolution(int64_t age)
{
    if (age <= FULL_MS)
        return 0;
    return age <= MID_MS ? MID_RES : OLD_RES;
}

/*
 * Drops points older than the retention and keeps, among older points, the
 * last one of each slot of their tier's resolution. Points are in time order.
 */
static void thin(struct inst *in)
{
    int64_t newest;
    size_t w = 0;

    in->since_thin = 0;
    if (in->n == 0)
        return;
    newest = in->p[in->n - 1].t_ms;
    for (size_t i = 0; i < in->n; i++) {
        int64_t t = in->p[i].t_ms;
        int64_t res = resolution(newest - t);

        if (newest - t > in->keep_ms)
            continue;
        if (i + 1 < in->n && res > 0 &&
            util_floor_div(t, res) == util_floor_div(in->p[i + 1].t_ms, res))
            continue;
        in->p[w++] = in->p[i];
    }
    in->n = w;
}

static int append_point(struct inst *in, const struct history_point *pt)
{
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 64;
        struct history_point *v = realloc(in->p, cap * sizeof(*v));

        if (v == NULL)
            return -1;
        in->p = v;
        in->cap = cap;
    }
    in->p[in->n++] = *pt;
    if (++in->since_thin >= THIN_EVERY)
        thin(in);
    return 0;
}

void history_point_of(const struct snapshot_slo *s, struct history_point *pt)
{
    int pi = slo_period_index(s->win, s->nwin);
    int hi = slo_window_index(s->win, s->nwin, HOUR_MS);

    memset(pt, 0, sizeof(*pt));
    pt->t_ms = s->evaluated_ms;
    pt->status = (int8_t)s->status;
    if (pi >= 0 && s->win[pi].has_ratio) {
        pt->sli = (float)s->win[pi].sli;
        pt->flags |= HISTORY_HAS_SLI;
    }
    if (s->budget.has) {
        pt->remaining = (float)s->budget.remaining;
        pt->flags |= HISTORY_HAS_BUDGET;
    }
    if (hi >= 0 && s->win[hi].has_ratio) {
        pt->burn = (float)s->win[hi].burn_rate;
        pt->flags |= HISTORY_HAS_BURN;
    }
}

/* Appends ev (moved) to the ring, dropping the oldest when full. */
static void ring_push(struct history *h, struct history_event *ev)
{
    if (h->ev_n == HISTORY_MAX_EVENTS) {
        history_event_clear(&h->ev[h->ev_first]);
        h->ev_first = (h->ev_first + 1) % HISTORY_MAX_EVENTS;
        h->ev_n--;
    }
    h->ev[(h->ev_first + h->ev_n) % HISTORY_MAX_EVENTS] = *ev;
    h->ev_n++;
    memset(ev, 0, sizeof(*ev));
}

/* Sets up ev for instance in and entry s, figures from pt. 0 or -1. */
static int event_of(struct history *h, const struct inst *in, const struct history_point *pt,
                    enum history_event_kind kind, struct history_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    labels_init(&ev->group);
    ev->kind = kind;
    ev->t_ms = pt->t_ms;
    ev->flags = pt->flags;
    ev->sli = pt->sli;
    ev->remaining = pt->remaining;
    ev->burn = pt->burn;
    ev->slo = util_strdup(in->slo);
    if (ev->slo == NULL || labels_copy(&ev->group, &in->group) != 0) {
        history_event_clear(ev);
        return -1;
    }
    ev->id = h->next_id;
    return 0;
}

/* Adds ev to the ring and, when out is not NULL, a copy to *out. 0 or -1. */
static int emit(struct history *h, struct history_event *ev, struct history_event **out,
                size_t *nout)
{
    if (out != NULL) {
        struct history_event *v = realloc(*out, (*nout + 1) * sizeof(*v));

        if (v == NULL)
            return -1;
        *out = v;
        if (history_event_copy(&v[*nout], ev) != 0)
            return -1;
        (*nout)++;
    }
    h->next_id++;
    ring_push(h, ev);
    return 0;
}

/* Events of entry s against what instance in knew; updates what it knows. */
static int derive_events(struct history *h, struct inst *in, const struct snapshot_slo *s,
                         const struct history_point *pt, struct history_event **out, size_t *nout)
{
    struct history_event ev;

    if (in->has_status ? in->status != s->status
                       : s->status != SLO_STATUS_HEALTHY && s->status != SLO_STATUS_NONE) {
        if (event_of(h, in, pt, HISTORY_EVENT_STATUS, &ev) != 0)
            return -1;
        ev.has_from = in->has_status;
        ev.from = in->status;
        ev.to = s->status;
        if (emit(h, &ev, out, nout) != 0) {
            history_event_clear(&ev);
            return -1;
        }
    }
    in->has_status = 1;
    in->status = s->status;
    for (unsigned sev = 0; sev < NSEV; sev++) {
        int present = 0, firing = 0;

        for (size_t a = 0; a < s->nalerts; a++)
            if ((unsigned)s->alerts[a].severity == sev) {
                present = 1;
                firing = s->alerts[a].firing != 0;
            }
        /* An alert the entry does not have (alerting.page: false) gives no
         * event; one that fired before a reload turned it off stops, so
         * receivers are not left with it, and is forgotten. */
        if (!present && !in->alert_known[sev])
            continue;
        if (in->alert_known[sev] ? in->alert_firing[sev] != firing : firing) {
            if (event_of(h, in, pt, HISTORY_EVENT_ALERT, &ev) != 0)
                return -1;
            ev.severity = (enum config_severity)sev;
            ev.firing = firing;
            if (emit(h, &ev, out, nout) != 0) {
                history_event_clear(&ev);
                return -1;
            }
        }
        in->alert_known[sev] = (unsigned char)present;
        in->alert_firing[sev] = (unsigned char)firing;
    }
    return 0;
}

static int slo_in_config(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nslos; i++)
        if (strcmp(cfg->slos[i].name, name) == 0)
            return 1;
    return 0;
}

/* Forgets instances of SLOs no longer configured, once per config (check_cfg). */
static void forget_removed(struct history *h, const struct config *cfg)
{
    size_t w = 0;

    if (cfg == NULL || !h->check_cfg)
        return;
    for (size_t i = 0; i < h->nin; i++) {
        if (slo_in_config(cfg, h->in[i]->slo))
            h->in[w++] = h->in[i];
        else
            inst_free(h->in[i]);
    }
    h->nin = w;
    h->check_cfg = 0;
}

/* Forgets instances (vanished groups) with no point within their retention. */
static void forget_stale(struct history *h, int64_t now_ms)
{
    size_t w = 0;

    for (size_t i = 0; i < h->nin; i++) {
        struct inst *in = h->in[i];

        if (in->n > 0 && now_ms - in->p[in->n - 1].t_ms > in->keep_ms)
            inst_free(in);
        else
            h->in[w++] = in;
    }
    h->nin = w;
}

int history_record(struct history *h, const struct config *cfg, const struct snapshot *snap,
                   struct history_event **ev, size_t *nev)
{
    int rc = 0;

    if (ev != NULL) {
        *ev = NULL;
        *nev = 0;
    }
    pthread_mutex_lock(&h->mu);
    forget_removed(h, cfg);
    for (size_t i = 0; i < snap->n; i++) {
        const struct snapshot_slo *s = &snap->slos[i];
        struct inst *in = get_inst(h, s->name, &s->group);
        struct history_point pt;

        if (in == NULL) {
            rc = -1;
            continue;
        }
        if (in->n > 0 && s->evaluated_ms <= in->p[in->n - 1].t_ms)
            continue;
        in->keep_ms = history_keep_ms(s->period_ms);
        history_point_of(s, &pt);
        if (append_point(in, &pt) != 0 || derive_events(h, in, s, &pt, ev, nev) != 0)
            rc = -1;
    }
    forget_stale(h, snap->at_ms);
    pthread_mutex_unlock(&h->mu);
    return rc;
}

int64_t history_keep_ms(int64_t period_ms)
{
    int64_t keep = period_ms < MIN_KEEP ? MIN_KEEP : period_ms;

    return keep > MAX_KEEP ? MAX_KEEP : keep;
}

/* Whether in has a point less than step_ms away from t (points in time order). */
static int has_near(const struct inst *in, int64_t t, int64_t step_ms)
{
    size_t lo = 0, hi = in->n;

    /* The first point at or after t. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (in->p[mid].t_ms < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < in->n && in->p[lo].t_ms - t < step_ms) ||
           (lo > 0 && t - in->p[lo - 1].t_ms < step_ms);
}

int history_fill(struct history *h, const char *name, const struct labels *group,
                 int64_t period_ms, const struct history_point *p, size_t n, int64_t step_ms,
                 size_t *added)
{
    struct history_point *v = NULL;
    unsigned char *take = NULL;
    size_t nadd = 0, i = 0, j = 0, w = 0;
    struct inst *in;
    int rc = -1;

    if (added != NULL)
        *added = 0;
    pthread_mutex_lock(&h->mu);
    in = get_inst(h, name, group);
    if (in == NULL || (take = calloc(n ? n : 1, 1)) == NULL)
        goto out;
    for (size_t k = 0; k < n; k++)
        if ((k == 0 || p[k].t_ms > p[k - 1].t_ms) && !has_near(in, p[k].t_ms, step_ms)) {
            take[k] = 1;
            nadd++;
        }
    if (nadd == 0) {
        rc = 0;
        goto out;
    }
    v = malloc((in->n + nadd) * sizeof(*v));
    if (v == NULL)
        goto out;
    /* Merge in time order; no time is in both (has_near). */
    while (i < in->n || j < n) {
        if (j < n && !take[j]) {
            j++;
        } else if (j < n && (i == in->n || p[j].t_ms < in->p[i].t_ms)) {
            v[w] = p[j++];
            v[w++].flags |= HISTORY_RECONSTRUCTED;
        } else {
            v[w++] = in->p[i++];
        }
    }
    free(in->p);
    in->p = v;
    in->n = in->cap = w;
    in->keep_ms = history_keep_ms(period_ms);
    thin(in);
    if (added != NULL)
        *added = nadd;
    rc = 0;
out:
    free(take);
    pthread_mutex_unlock(&h->mu);
    return rc;
}

int history_has_gap(struct history *h, const char *name, int64_t since_ms, int64_t until_ms,
                    int64_t gap_ms)
{
    static const struct labels none = {0, NULL};
    int found, gap = 0;
    size_t at, end;

    pthread_mutex_lock(&h->mu);
    at = find(h, name, &none, &found);
    for (end = at; end < h->nin && strcmp(h->in[end]->slo, name) == 0; end++) {
        const struct inst *in = h->in[end];
        int64_t last = since_ms;

        for (size_t k = 0; k < in->n && !gap; k++) {
            if (in->p[k].t_ms <= since_ms || in->p[k].t_ms > until_ms)
                continue;
            gap = in->p[k].t_ms - last > gap_ms;
            last = in->p[k].t_ms;
        }
        if (!gap && until_ms - last > gap_ms)
            gap = 1;
    }
    pthread_mutex_unlock(&h->mu);
    return gap || end == at;
}

void history_config_changed(struct history *h)
{
    pthread_mutex_lock(&h->mu);
    h->check_cfg = 1;
    pthread_mutex_unlock(&h->mu);
}

int history_points(struct history *h, const char *name, const struct labels *group,
                   int64_t since_ms, struct history_point **out, size_t *n)
{
    int found, rc = 0;
    size_t at, first;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&h->mu);
    at = find(h, name, group, &found);
    if (found) {
        const struct inst *in = h->in[at];

        for (first = 0; first < in->n && in->p[first].t_ms < since_ms; first++)
            ;
        if (first < in->n) {
            *out = malloc((in->n - first) * sizeof(**out));
            if (*out == NULL) {
                rc = -1;
            } else {
                memcpy(*out, &in->p[first], (in->n - first) * sizeof(**out));
                *n = in->n - first;
            }
        }
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

void history_groups_free(struct labels *g, size_t n)
{
    for (size_t i = 0; g != NULL && i < n; i++)
        labels_free(&g[i]);
    free(g);
}

int history_groups(struct history *h, const char *name, struct labels **out, size_t *n)
{
    static const struct labels none = {0, NULL};
    int found, rc = 0;
    size_t at, end;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&h->mu);
    /* The empty label set sorts first, so this is where name's groups begin. */
    at = find(h, name, &none, &found);
    for (end = at; end < h->nin && strcmp(h->in[end]->slo, name) == 0; end++)
        ;
    if (end > at) {
        *out = calloc(end - at, sizeof(**out));
        if (*out == NULL)
            rc = -1;
        for (size_t i = at; rc == 0 && i < end; i++) {
            if (labels_copy(&(*out)[i - at], &h->in[i]->group) != 0)
                rc = -1;
            else
                (*n)++;
        }
    }
    pthread_mutex_unlock(&h->mu);
    if (rc != 0) {
        history_groups_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int history_events(struct history *h, uint64_t after_id, const char *slo, size_t limit,
                   struct history_event **out, size_t *n)
{
    size_t take = 0, skip, k = 0;
    int rc = 0;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->ev_n; i++) {
        const struct history_event *e = &h->ev[(h->ev_first + i) % HISTORY_MAX_EVENTS];

        if (e->id > after_id && (slo == NULL || strcmp(e->slo, slo) == 0))
            take++;
    }
    skip = limit > 0 && take > limit ? take - limit : 0;
    take -= skip;
    if (take > 0) {
        *out = calloc(take, sizeof(**out));
        if (*out == NULL)
            rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < h->ev_n && *n < take; i++) {
        const struct history_event *e = &h->ev[(h->ev_first + i) % HISTORY_MAX_EVENTS];

        if (e->id <= after_id || (slo != NULL && strcmp(e->slo, slo) != 0))
            continue;
        if (k++ < skip)
            continue;
        if (history_event_copy(&(*out)[*n], e) != 0)
            rc = -1;
        else
            (*n)++;
    }
    pthread_mutex_unlock(&h->mu);
    if (rc != 0) {
        history_events_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void history_sizes(struct history *h, size_t *instances, size_t *points)
{
    size_t p = 0;

    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->nin; i++)
        p += h->in[i]->n;
    *instances = h->nin;
    *points = p;
    pthread_mutex_unlock(&h->mu);
}

/* ---- image ---- */

static uint32_t f32_bits(float f)
{
    uint32_t u;

    memcpy(&u, &f, sizeof(u));
    return u;
}

static float bits_f32(uint32_t u)
{
    float f;

    memcpy(&f, &u, sizeof(f));
    return f;
}

static int put_labels(struct buf *b, const struct labels *l)
{
    if (binio_put_u32(b, (uint32_t)l->n) != 0)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (binio_put_str(b, l->v[i].name) != 0 || binio_put_str(b, l->v[i].value) != 0)
            return -1;
    return 0;
}

static int put_inst(struct buf *b, const struct inst *in)
{
    uint32_t alerts = 0;

    for (unsigned s = 0; s < NSEV; s++)
        alerts |= (uint32_t)in->alert_known[s] << (2 * s) | (uint32_t)in->alert_firing[s]
                                                                << (2 * s + 1);
    if (binio_put_str(b, in->slo) != 0 || put_labels(b, &in->group) != 0 ||
        binio_put_i64(b, in->keep_ms) != 0 || binio_put_u32(b, (uint32_t)in->has_status) != 0 ||
        binio_put_u32(b, (uint32_t)(in->status + 1)) != 0 || binio_put_u32(b, alerts) != 0 ||
        binio_put_u32(b, (uint32_t)in->n) != 0)
        return -1;
    for (size_t i = 0; i < in->n; i++) {
        const struct history_point *p = &in->p[i];

        if (binio_put_i64(b, p->t_ms) != 0 || binio_put_u32(b, f32_bits(p->sli)) != 0 ||
            binio_put_u32(b, f32_bits(p->remaining)) != 0 ||
            binio_put_u32(b, f32_bits(p->burn)) != 0 ||
            binio_put_u32(b, (uint32_t)p->flags | (uint32_t)(uint8_t)(p->status + 1) << 8) != 0)
            return -1;
    }
    return 0;
}

static int put_event(struct buf *b, const struct history_event *e)
{
    uint32_t bits = (uint32_t)e->kind | (uint32_t)e->has_from << 2 | (uint32_t)(e->from + 1) << 4 |
                    (uint32_t)(e->to + 1) << 8 | (uint32_t)e->severity << 12 |
                    (uint32_t)e->firing << 14 | (uint32_t)e->flags << 16;

    return binio_put_u64(b, e->id) != 0 || binio_put_i64(b, e->t_ms) != 0 ||
                   binio_put_str(b, e->slo) != 0 || put_labels(b, &e->group) != 0 ||
                   binio_put_u32(b, bits) != 0 || binio_put_f64(b, e->sli) != 0 ||
                   binio_put_f64(b, e->remaining) != 0 || binio_put_f64(b, e->burn) != 0
               ? -1
               : 0;
}

int history_save(struct history *h, struct buf *out)
{
    int rc = 0;

    pthread_mutex_lock(&h->mu);
    if (binio_put_u32(out, IMAGE_MAGIC) != 0 || binio_put_u32(out, IMAGE_VERSION) != 0 ||
        binio_put_u64(out, h->next_id) != 0 || binio_put_u32(out, (uint32_t)h->nin) != 0)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < h->nin; i++)
        rc = put_inst(out, h->in[i]);
    if (rc == 0 && binio_put_u32(out, (uint32_t)h->ev_n) != 0)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < h->ev_n; i++)
        rc = put_event(out, &h->ev[(h->ev_first + i) % HISTORY_MAX_EVENTS]);
    pthread_mutex_unlock(&h->mu);
    return rc;
}

static int valid_status(uint32_t v)
{
    return v <= (uint32_t)SLO_STATUS_EXHAUSTED + 1;
}

/* Reads a label set; 0, or -1 with the reader failed. */
static int get_labels(struct binio_reader *rd, struct labels *l)
{
    uint32_t n = binio_u32(rd);

    if (n > MAX_LABELS)
        rd->failed = 1;
    for (uint32_t i = 0; i < n && !rd->failed; i++) {
        char *k = binio_str(rd, MAX_STR);
        char *v = k != NULL ? binio_str(rd, MAX_STR) : NULL;

        /* Written sorted and unique: anything else is not an image of ours. */
        if (v == NULL || (l->n > 0 && strcmp(l->v[l->n - 1].name, k) >= 0) ||
            labels_set(l, k, v) != 0)
            rd->failed = 1;
        free(k);
        free(v);
    }
    return rd->failed ? -1 : 0;
}

static struct inst *get_inst_image(struct binio_reader *rd)
{
    struct inst *in = calloc(1, sizeof(*in));
    uint32_t hs, st, alerts, n;

    if (in == NULL) {
        rd->failed = 1;
        return NULL;
    }
    labels_init(&in->group);
    in->slo = binio_str(rd, MAX_STR);
    if (in->slo == NULL || get_labels(rd, &in->group) != 0)
        goto fail;
    in->keep_ms = binio_i64(rd);
    hs = binio_u32(rd);
    in->has_status = hs == 1;
    st = binio_u32(rd);
    alerts = binio_u32(rd);
    n = binio_u32(rd);
    if (rd->failed || hs > 1 || !valid_status(st) || alerts >> (2 * NSEV) != 0 ||
        in->keep_ms <= 0 || in->keep_ms > MAX_KEEP || n > (rd->len - rd->pos) / 24)
        goto fail;
    in->status = (enum slo_status)((int)st - 1);
    for (unsigned s = 0; s < NSEV; s++) {
        in->alert_known[s] = (unsigned char)(alerts >> (2 * s) & 1u);
        in->alert_firing[s] = (unsigned char)(alerts >> (2 * s + 1) & 1u);
    }
    if (n > 0) {
        in->p = calloc(n, sizeof(*in->p));
        if (in->p == NULL)
            goto fail;
        in->cap = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct history_point *p = &in->p[i];
        uint32_t bits;

        p->t_ms = binio_i64(rd);
        p->sli = bits_f32(binio_u32(rd));
        p->remaining = bits_f32(binio_u32(rd));
        p->burn = bits_f32(binio_u32(rd));
        bits = binio_u32(rd);
        if (rd->failed || (bits & 0xf0u) != 0 || bits >> 16 != 0 || !valid_status(bits >> 8) ||
            (i > 0 && p->t_ms <= in->p[i - 1].t_ms))
            goto fail;
        p->flags = (uint8_t)(bits & 0xffu);
        p->status = (int8_t)((int)(bits >> 8) - 1);
    }
    in->n = n;
    return in;
fail:
    rd->failed = 1;
    inst_free(in);
    return NULL;
}

static int get_event(struct binio_reader *rd, struct history_event *e)
{
    uint32_t bits;

    memset(e, 0, sizeof(*e));
    labels_init(&e->group);
    e->id = binio_u64(rd);
    e->t_ms = binio_i64(rd);
    e->slo = binio_str(rd, MAX_STR);
    if (e->slo == NULL || get_labels(rd, &e->group) != 0)
        goto fail;
    bits = binio_u32(rd);
    e->sli = binio_f64(rd);
    e->remaining = binio_f64(rd);
    e->burn = binio_f64(rd);
    if (rd->failed || (bits & 3u) > HISTORY_EVENT_ALERT || !valid_status(bits >> 4 & 15u) ||
        !valid_status(bits >> 8 & 15u) || (bits >> 12 & 3u) >= NSEV || (bits & 0x8008u) != 0 ||
        (bits >> 16 & 0xf8u) != 0 || bits >> 24 != 0)
        goto fail;
    e->kind = (enum history_event_kind)(bits & 3u);
    e->has_from = (int)(bits >> 2 & 1u);
    e->from = (enum slo_status)((int)(bits >> 4 & 15u) - 1);
    e->to = (enum slo_status)((int)(bits >> 8 & 15u) - 1);
    e->severity = (enum config_severity)(bits >> 12 & 3u);
    e->firing = (int)(bits >> 14 & 1u);
    e->flags = (uint8_t)(bits >> 16 & 0xffu);
    return 0;
fail:
    rd->failed = 1;
    history_event_clear(e);
    return -1;
}

int history_load(struct history *h, const uint8_t *data, size_t len, struct err *e)
{
    struct history *tmp = history_new();
    struct binio_reader rd;
    uint32_t nin, nev;
    uint64_t next_id;
    int restored;

    if (tmp == NULL)
        return util_err(e, "out of memory");
    binio_reader_init(&rd, data, len);
    if (binio_u32(&rd) != IMAGE_MAGIC || binio_u32(&rd) != IMAGE_VERSION) {
        history_free(tmp);
        return util_err(e, "not a history image of version %u", IMAGE_VERSION);
    }
    next_id = binio_u64(&rd);
    nin = binio_u32(&rd);
    for (uint32_t i = 0; i < nin && !rd.failed; i++) {
        struct inst *in = get_inst_image(&rd);
        int found;
        size_t at;

        if (in == NULL)
            break;
        at = find(tmp, in->slo, &in->group, &found);
        /* Sorted and unique, as written. */
        if (found || at != tmp->nin || insert_at(tmp, at, in) != 0) {
            inst_free(in);
            rd.failed = 1;
        }
    }
    nev = rd.failed ? 0 : binio_u32(&rd);
    if (nev > HISTORY_MAX_EVENTS)
        rd.failed = 1;
    for (uint32_t i = 0; i < nev && !rd.failed; i++) {
        struct history_event ev;

        if (get_event(&rd, &ev) != 0)
            break;
        if (ev.id >= next_id || (tmp->ev_n > 0 && ev.id <= tmp->ev[tmp->ev_n - 1].id)) {
            history_event_clear(&ev);
            rd.failed = 1;
            break;
        }
        ring_push(tmp, &ev);
    }
    if (rd.failed || rd.pos != rd.len || next_id == 0) {
        history_free(tmp);
        return util_err(e, "malformed history image");
    }
    pthread_mutex_lock(&h->mu);
    clear_all(h);
    h->in = tmp->in;
    h->nin = tmp->nin;
    h->capin = tmp->capin;
    memcpy(h->ev, tmp->ev, sizeof(h->ev));
    h->ev_first = tmp->ev_first;
    h->ev_n = tmp->ev_n;
    h->next_id = next_id;
    h->check_cfg = 1;
    restored = (int)h->nin;
    pthread_mutex_unlock(&h->mu);
    tmp->in = NULL;
    tmp->nin = tmp->capin = 0;
    tmp->ev_n = 0;
    history_free(tmp);
    return restored;
}
