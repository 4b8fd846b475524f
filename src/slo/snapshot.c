/*
 * snapshot: immutable evaluation results and their publication. The holder's
 * mutex guards only the pointer swap and the reference counts, so a scrape
 * never waits for the backend and never sees half an evaluation.
 */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

const double snapshot_duration_buckets[SNAPSHOT_NBUCKETS] = {
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

struct snapshot *snapshot_new(int64_t at_ms)
{
    struct snapshot *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    if (pthread_mutex_init(&s->page_mu, NULL) != 0) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->at_ms = at_ms;
    return s;
}

int snapshot_page(struct snapshot *snap, enum snapshot_page which, snapshot_render_fn render,
                  size_t cap, const char **text, size_t *len)
{
    int rc = 0;

    pthread_mutex_lock(&snap->page_mu);
    if (snap->page[which] == NULL) {
        struct buf b;

        buf_init(&b, cap);
        /* An empty page still needs a non-NULL pointer to be kept. */
        if (buf_append(&b, "", 0) != 0 || render(snap, &b) != 0) {
            buf_free(&b);
            rc = -1;
        } else {
            /* Kept as long as the snapshot: without the doubling slack. */
            buf_trim(&b);
            snap->page_len[which] = b.len;
            snap->page[which] = buf_steal(&b);
        }
    }
    if (rc == 0) {
        *text = snap->page[which];
        *len = snap->page_len[which];
    }
    pthread_mutex_unlock(&snap->page_mu);
    return rc;
}

void snapshot_slo_clear(struct snapshot_slo *s)
{
    if (s == NULL)
        return;
    free(s->name);
    free(s->service);
    free(s->description);
    free(s->period_name);
    labels_free(&s->labels);
    labels_free(&s->group);
    free(s->win);
    free(s->conds);
    memset(s, 0, sizeof(*s));
}

int snapshot_slo_copy(struct snapshot_slo *dst, const struct snapshot_slo *src)
{
    *dst = *src;
    dst->name = dst->service = dst->description = dst->period_name = NULL;
    labels_init(&dst->labels);
    labels_init(&dst->group);
    dst->win = NULL;
    dst->conds = NULL;
    dst->name = util_strdup(src->name);
    dst->service = util_strdup(src->service);
    dst->description = util_strdup(src->description);
    dst->period_name = util_strdup(src->period_name);
    if (dst->name == NULL || dst->service == NULL || dst->description == NULL ||
        dst->period_name == NULL)
        goto fail;
    if (labels_copy(&dst->labels, &src->labels) != 0 || labels_copy(&dst->group, &src->group) != 0)
        goto fail;
    if (src->nwin > 0) {
        dst->win = malloc(src->nwin * sizeof(*dst->win));
        if (dst->win == NULL)
            goto fail;
        memcpy(dst->win, src->win, src->nwin * sizeof(*dst->win));
    }
    if (src->nconds > 0) {
        dst->conds = malloc(src->nconds * sizeof(*dst->conds));
        if (dst->conds == NULL)
            goto fail;
        memcpy(dst->conds, src->conds, src->nconds * sizeof(*dst->conds));
    }
    return 0;
fail:
    snapshot_slo_clear(dst);
    return -1;
}

static struct snapshot_slo *grow(struct snapshot *snap)
{
    struct snapshot_slo *v = realloc(snap->slos, (snap->n + 1) * sizeof(*v));

    if (v == NULL)
        return NULL;
    snap->slos = v;
    return &v[snap->n];
}

int snapshot_take(struct snapshot *snap, struct snapshot_slo *s)
{
    struct snapshot_slo *slot = grow(snap);

    if (slot == NULL)
        return -1;
    *slot = *s;
    memset(s, 0, sizeof(*s));
    snap->n++;
    return 0;
}

int snapshot_add_copy(struct snapshot *snap, const struct snapshot_slo *s)
{
    struct snapshot_slo *slot = grow(snap);

    if (slot == NULL || snapshot_slo_copy(slot, s) != 0)
        return -1;
    snap->n++;
    return 0;
}

const struct snapshot_slo *snapshot_find(const struct snapshot *snap, const char *name)
{
    for (size_t i = 0; i < snap->n; i++)
        if (strcmp(snap->slos[i].name, name) == 0)
            return &snap->slos[i];
    return NULL;
}

void snapshot_stats_observe(struct snapshot_stats *st, double seconds)
{
    st->duration_count++;
    st->duration_sum += seconds;
    for (int i = 0; i < SNAPSHOT_NBUCKETS; i++)
        if (seconds <= snapshot_duration_buckets[i])
            st->duration_buckets[i]++;
}

void snapshot_free(struct snapshot *snap)
{
    if (snap == NULL)
        return;
    for (size_t i = 0; i < snap->n; i++)
        snapshot_slo_clear(&snap->slos[i]);
    free(snap->slos);
    for (int i = 0; i < SNAPSHOT_NPAGES; i++)
        free(snap->page[i]);
    pthread_mutex_destroy(&snap->page_mu);
    free(snap);
}

int snapshot_holder_init(struct snapshot_holder *h)
{
    h->cur = NULL;
    return pthread_mutex_init(&h->mu, NULL) == 0 ? 0 : -1;
}

void snapshot_holder_destroy(struct snapshot_holder *h)
{
    snapshot_free(h->cur);
    h->cur = NULL;
    pthread_mutex_destroy(&h->mu);
}

void snapshot_holder_publish(struct snapshot_holder *h, struct snapshot *snap)
{
    struct snapshot *old;
    int last = 0;

    pthread_mutex_lock(&h->mu);
    old = h->cur;
    h->cur = snap;
    if (old != NULL)
        last = --old->refs == 0;
    pthread_mutex_unlock(&h->mu);
    if (last)
        snapshot_free(old);
}

struct snapshot *snapshot_holder_acquire(struct snapshot_holder *h)
{
    struct snapshot *s;

    pthread_mutex_lock(&h->mu);
    s = h->cur;
    if (s != NULL)
        s->refs++;
    pthread_mutex_unlock(&h->mu);
    return s;
}

void snapshot_release(struct snapshot_holder *h, struct snapshot *snap)
{
    int last;

    if (snap == NULL)
        return;
    pthread_mutex_lock(&h->mu);
    last = --snap->refs == 0;
    pthread_mutex_unlock(&h->mu);
    if (last)
        snapshot_free(snap);
}
