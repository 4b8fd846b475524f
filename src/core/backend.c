/*
 * backend: the mode dispatcher. See backend.h.
 *
 * Each worker owns a promql client (promql mode) and a raw-sample transport
 * (remote_read or api_read mode, or api_read for the time slices of promql
 * mode). All are made up front, so a config whose URL or headers the
 * clients refuse fails at load or reload, not at the first evaluation.
 */
#include "backend.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "apiread.h"
#include "exact.h"
#include "pqeval.h"
#include "promql.h"
#include "rawsrc.h"
#include "remote_read.h"
#include "util.h"

struct worker {
    struct promql_client *promql; /* aggregate queries (promql mode) */
    struct rawsrc *src;           /* raw samples, when the exact engine serves an SLO */
};

struct backend {
    const struct config *cfg;
    struct exact *exact;
    struct worker *w;
    size_t nworkers;
    atomic_int up;
    atomic_int cancel; /* every client's transfers stop while set */
};

/* The transport of cfg's mode (api_read in promql mode), or NULL with e set. */
static struct rawsrc *source_new(const struct config *cfg, struct err *e)
{
    struct remote_read_client *c;

    if (cfg->prometheus.mode != CONFIG_MODE_REMOTE_READ)
        return apiread_new(&cfg->prometheus, e);
    c = remote_read_client_new(&cfg->prometheus,
                               cfg->prometheus.read_samples ? REMOTE_READ_ACCEPT_SAMPLES
                                                            : REMOTE_READ_ACCEPT_CHUNKS,
                               e);
    return c != NULL ? remote_read_source(c) : NULL;
}

struct backend *backend_new(const struct config *cfg, size_t nworkers, struct err *e)
{
    struct backend *b = calloc(1, sizeof(*b));
    int need_src = exact_needed(cfg);
    int need_promql = cfg->prometheus.mode == CONFIG_MODE_PROMQL;

    if (b == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    b->cfg = cfg;
    atomic_init(&b->up, 1);
    atomic_init(&b->cancel, 0);
    b->nworkers = nworkers ? nworkers : 1;
    b->w = calloc(b->nworkers, sizeof(*b->w));
    b->exact = exact_new(cfg, e);
    if (b->w == NULL || b->exact == NULL) {
        util_err(e, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < b->nworkers; i++) {
        if (need_promql && (b->w[i].promql = promql_client_new(&cfg->prometheus, e)) == NULL)
            goto fail;
        if (need_src && (b->w[i].src = source_new(cfg, e)) == NULL)
            goto fail;
        if ((b->w[i].promql != NULL && promql_client_set_cancel(b->w[i].promql, &b->cancel)) ||
            (b->w[i].src != NULL && rawsrc_set_cancel(b->w[i].src, &b->cancel))) {
            util_err(e, "libcurl: cannot set a progress callback");
            goto fail;
        }
    }
    return b;
fail:
    backend_free(b);
    return NULL;
}

void backend_free(struct backend *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; b->w != NULL && i < b->nworkers; i++) {
        promql_client_free(b->w[i].promql);
        rawsrc_free(b->w[i].src);
    }
    free(b->w);
    exact_free(b->exact);
    free(b);
}

void backend_cancel(struct backend *b, int on)
{
    atomic_store(&b->cancel, on != 0);
}

int backend_cancelled(const struct backend *b)
{
    return atomic_load(&((struct backend *)b)->cancel) != 0;
}

size_t backend_nworkers(const struct backend *b)
{
    return b->nworkers;
}

int backend_keep_state(struct backend *b, struct err *e)
{
    if (exact_keep_state(b->exact) != 0)
        return util_err(e, "out of memory");
    return 0;
}

int backend_save_state(struct backend *b, const char *path, struct err *e)
{
    return exact_needed(b->cfg) ? exact_save_state(b->exact, path, e) : 0;
}

int backend_load_state(struct backend *b, const char *path, struct err *e)
{
    return exact_needed(b->cfg) ? exact_load_state(b->exact, path, e) : 0;
}

int backend_state_record(struct backend *b, size_t i, struct buf *out)
{
    return exact_state_record(b->exact, i, out);
}

int backend_save_records(struct backend *b, const struct buf *rec, size_t n, const char *path,
                         struct err *e)
{
    return exact_needed(b->cfg) ? exact_save_records(b->cfg, rec, n, path, e) : 0;
}

int backend_take_state(struct backend *b, struct backend *from, struct err *e)
{
    if (from == NULL)
        return 0;
    return exact_take_state(b->exact, from->exact, e);
}

struct promql_client *backend_promql(struct backend *b, size_t worker)
{
    return b->w[worker].promql;
}

struct rawsrc *backend_source(struct backend *b, size_t worker)
{
    return b->w[worker].src;
}

size_t backend_state_memory(const struct backend *b)
{
    return exact_memory(b->exact);
}

int backend_unreachable(const struct backend *b, size_t worker, const struct config_slo *slo)
{
    const struct worker *w = &b->w[worker];

    /* Ask the client that served slo: the other may remember an older request. */
    if (exact_serves(b->cfg, slo))
        return w->src != NULL && rawsrc_unreachable(w->src);
    return w->promql != NULL && promql_client_unreachable(w->promql);
}

int backend_up(const struct backend *b)
{
    return atomic_load(&((struct backend *)b)->up);
}

void backend_new_round(struct backend *b, size_t worker)
{
    struct worker *w = &b->w[worker];

    if (w->src != NULL)
        rawsrc_new_round(w->src);
    if (w->promql != NULL)
        promql_client_new_round(w->promql);
}

uint64_t backend_retries(const struct backend *b, size_t worker)
{
    const struct worker *w = &b->w[worker];

    return (w->src != NULL ? rawsrc_retries(w->src) : 0) +
           (w->promql != NULL ? promql_client_retries(w->promql) : 0);
}

int backend_eval_slo(struct backend *b, size_t worker, const struct config_slo *slo, int64_t at_ms,
                     const struct slo_window *w, size_t nw, struct answer *out, struct err *e)
{
    struct worker *wk = &b->w[worker];
    struct answer_partials ps;
    int rc = -1;

    out->n = 0;
    out->g = NULL;
    answer_partials_init(&ps);
    if (slo->ngroup_by == 0) {
        struct labels none;

        labels_init(&none);
        if (answer_partial_get(&ps, &none) < 0) {
            util_err(e, "out of memory");
            goto out;
        }
    }
    if (exact_serves(b->cfg, slo))
        rc = exact_eval_slo(b->exact, wk->src, slo, at_ms, w, nw, &ps, e);
    else
        rc = pqeval_slo(wk->promql, slo, at_ms, w, nw, &ps, e);
    atomic_store(&b->up, rc == 0);
    if (rc == 0)
        rc = answer_fold(slo, at_ms, w, nw, &ps, out, e);
out:
    answer_partials_free(&ps);
    return rc;
}
