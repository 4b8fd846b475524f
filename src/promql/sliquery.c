/*
 * sliquery: PromQL for each SLI kind. See sliquery.h.
 *
 * Time slices have no query here: a subquery [30d:1m] costs the store one
 * evaluation per slice (43,200 steps, tens of seconds, and more points than
 * VictoriaMetrics allows), so every mode judges them from raw samples in
 * the exact engine instead.
 */
#include "sliquery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"
#include "util.h"

static char *by_clause(const struct config_slo *slo)
{
    struct buf b;

    buf_init(&b, 64 * 1024);
    if (slo->ngroup_by == 0)
        return util_strdup("");
    buf_puts(&b, " by (");
    for (size_t i = 0; i < slo->ngroup_by; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", slo->group_by[i]);
    if (buf_puts(&b, ")") != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

static void range_str(int64_t ms, char *buf, size_t len)
{
    if (util_duration_format(ms, buf, len) != 0)
        snprintf(buf, len, "%lldms", (long long)ms);
}

/* sum by (...) (increase(SEL[W])) for every window, batched. */
static char *batched_increase(const struct config_slo *slo, const char *sel,
                              const struct slo_window *w, size_t nw)
{
    struct buf b;
    char *by = by_clause(slo);
    int rc = 0;

    if (by == NULL)
        return NULL;
    buf_init(&b, 4 * 1024 * 1024);
    for (size_t i = 0; i < nw; i++) {
        char r[64];

        range_str(w[i].ms, r, sizeof(r));
        rc |= buf_printf(&b,
                         "%slabel_replace(sum%s (increase(%s[%s])), \"%s\", \"%s\", \"\", \"\")",
                         i ? " or " : "", by, sel, r, SLIQUERY_WINDOW_LABEL, w[i].name);
    }
    free(by);
    if (rc != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

static char *replace_window(const char *tmpl, const char *win)
{
    static const char key[] = "{{.window}}";
    struct buf b;
    const char *p = tmpl, *q;

    buf_init(&b, 4 * 1024 * 1024);
    while ((q = strstr(p, key)) != NULL) {
        if (buf_append(&b, p, (size_t)(q - p)) != 0 || buf_puts(&b, win) != 0)
            goto fail;
        p = q + sizeof(key) - 1;
    }
    if (buf_puts(&b, p) != 0)
        goto fail;
    return buf_steal(&b);
fail:
    buf_free(&b);
    return NULL;
}

static int push(struct sliquery **v, size_t *n, char *text, enum answer_part part, int window)
{
    struct sliquery *nv;

    if (text == NULL)
        return -1;
    nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (nv == NULL) {
        free(text);
        return -1;
    }
    *v = nv;
    nv[*n].text = text;
    nv[*n].part = part;
    nv[*n].window = window;
    (*n)++;
    return 0;
}

int sliquery_build(const struct config_slo *slo, const struct slo_window *w, size_t nw,
                   struct sliquery **out, size_t *n, struct err *e)
{
    struct sliquery *v = NULL;
    size_t cnt = 0;
    char *sel = NULL;
    char le[128];

    switch (slo->kind) {
    case CONFIG_SLI_EVENTS: {
        const struct config_sli_events *ev = &slo->events;
        int bad = ev->error_sel != NULL;

        sel = selector_format(bad ? ev->error_sel : ev->good_sel, NULL, NULL, SELECTOR_EQ, NULL);
        if (sel == NULL || push(&v, &cnt, batched_increase(slo, sel, w, nw),
                                bad ? ANSWER_BAD : ANSWER_GOOD, -1) != 0)
            goto fail;
        free(sel);
        sel = selector_format(ev->total_sel, NULL, NULL, SELECTOR_EQ, NULL);
        if (sel == NULL || push(&v, &cnt, batched_increase(slo, sel, w, nw), ANSWER_TOTAL, -1))
            goto fail;
        break;
    }
    case CONFIG_SLI_LATENCY:
        selector_le_regex(slo->latency.threshold, le, sizeof(le));
        sel = selector_format(slo->latency.histogram_sel, "_bucket", "le", SELECTOR_RE, le);
        if (sel == NULL || push(&v, &cnt, batched_increase(slo, sel, w, nw), ANSWER_GOOD, -1))
            goto fail;
        free(sel);
        sel = selector_format(slo->latency.histogram_sel, "_count", NULL, SELECTOR_EQ, NULL);
        if (sel == NULL || push(&v, &cnt, batched_increase(slo, sel, w, nw), ANSWER_TOTAL, -1))
            goto fail;
        break;
    case CONFIG_SLI_TIMESLICE:
        /* Judged by the exact engine from raw samples, in every mode. */
        break;
    case CONFIG_SLI_PROMQL: {
        const struct config_sli_promql *pq = &slo->promql;
        int bad = pq->error_query != NULL;

        for (size_t i = 0; i < nw; i++) {
            char r[64];

            range_str(w[i].ms, r, sizeof(r));
            if (push(&v, &cnt, replace_window(bad ? pq->error_query : pq->good_query, r),
                     bad ? ANSWER_BAD : ANSWER_GOOD, (int)i) != 0 ||
                push(&v, &cnt, replace_window(pq->total_query, r), ANSWER_TOTAL, (int)i) != 0)
                goto fail;
        }
        break;
    }
    }
    free(sel);
    *out = v;
    *n = cnt;
    return 0;
fail:
    free(sel);
    sliquery_free(v, cnt);
    return util_err(e, "out of memory building the queries of SLO %s", slo->name);
}

void sliquery_free(struct sliquery *q, size_t n)
{
    if (q == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(q[i].text);
    free(q);
}
