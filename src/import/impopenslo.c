/*
 * impopenslo: OpenSLO v1 (and v1alpha) documents into SLOs, one per objective, with the
 * documents they name looked up in the same file. See impopenslo.h.
 */
#include "impopenslo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "impcheck.h"
#include "impdefs.h"
#include "impmsg.h"
#include "impperiod.h"
#include "impread.h"
#include "imppromql.h"
#include "impwrite.h"
#include "util.h"
#include "yamlread.h"

/* An OpenSLO document, indexed before the SLOs are converted. */
struct odoc {
    yaml_document_t *doc;
    yaml_node_t *root;
    yaml_node_t *spec;
    const char *kind; /* NULL when missing */
    const char *name; /* metadata.name; NULL when missing */
    int v1;           /* apiVersion is openslo/v1 */
    int alpha;        /* apiVersion is openslo/v1alpha */
    int used;         /* an SLO refers to it (SLI) */
};

static struct odoc *find_doc(struct imp *m, const char *kind, const char *name)
{
    for (size_t i = 0; i < m->nodocs; i++) {
        struct odoc *d = &m->odocs[i];

        if (d->v1 && d->kind != NULL && d->name != NULL && strcmp(d->kind, kind) == 0 &&
            strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

/* "an" before a vowel, else "a": messages quote the source's type names. */
static const char *article(const char *w)
{
    return *w != '\0' && strchr("AEIOUaeiou", *w) != NULL ? "an" : "a";
}

/*
 * The Prometheus query of an OpenSLO v1alpha metric: n holds {source,
 * queryType, query, metadata}. NULL (reported) when it is not PromQL.
 */
static const char *alpha_query(struct imp *m, const yaml_node_t *n, const char *path,
                               const char *slo)
{
    static const char *const keys[] = {"source", "queryType", "query", "metadata"};
    const char *src, *qt, *q;
    char p[PATHLEN];
    char s[80];

    if (!yr_is_map(n)) {
        imp_report(m, n, IMPORTER_SKIPPED, slo, path,
                   "expected a mapping with source, queryType and query");
        return NULL;
    }
    imp_check_keys(m, n, path, slo, keys, NELEMS(keys));
    src = imp_get_str(m, n, path, "source", slo, 1, IMPORTER_SKIPPED);
    qt = imp_get_str(m, n, path, "queryType", slo, 0, IMPORTER_SKIPPED);
    q = imp_get_str(m, n, path, "query", slo, 1, IMPORTER_SKIPPED);
    if (src != NULL && strcasecmp(src, "prometheus") != 0) {
        yr_join(p, sizeof(p), path, "source");
        imp_report(m, yr_get(&m->y, n, "source"), IMPORTER_SKIPPED, slo, p,
                   "%s %s source; only Prometheus queries can be converted", article(src),
                   imp_shorten(src, s, sizeof(s)));
        return NULL;
    }
    if (qt != NULL && strcasecmp(qt, "promql") != 0) {
        yr_join(p, sizeof(p), path, "queryType");
        imp_report(m, yr_get(&m->y, n, "queryType"), IMPORTER_SKIPPED, slo, p,
                   "\"%s\": only PromQL queries can be converted", imp_shorten(qt, s, sizeof(s)));
        return NULL;
    }
    return src != NULL ? q : NULL;
}

/*
 * The Prometheus query of a metric (good, bad, total, raw, or a
 * thresholdMetric): n holds metricSource {metricSourceRef, type, spec:
 * {query}}. The type may come from the DataSource named by
 * metricSourceRef. NULL (reported) when it is not a Prometheus query.
 */
static const char *metric_query(struct imp *m, const yaml_node_t *n, const char *path,
                                const char *slo)
{
    static const char *const keys[] = {"metricSourceRef", "type", "spec"};
    yaml_node_t *ms = yr_get_opt(&m->y, n, "metricSource");
    const char *type, *ref, *q;
    char p[PATHLEN];
    char sp[PATHLEN];
    char s[80];

    if (m->oalpha)
        return alpha_query(m, n, path, slo);
    yr_join(p, sizeof(p), path, "metricSource");
    if (!yr_is_map(n) || !yr_is_map(ms)) {
        imp_report(m, ms ? ms : n, IMPORTER_SKIPPED, slo, ms ? p : path,
                   ms ? "expected a mapping" : "missing field \"metricSource\"");
        return NULL;
    }
    imp_check_keys(m, ms, p, slo, keys, NELEMS(keys));
    type = imp_get_str(m, ms, p, "type", slo, 0, IMPORTER_SKIPPED);
    ref = imp_get_str(m, ms, p, "metricSourceRef", slo, 0, IMPORTER_SKIPPED);
    if (type == NULL && ref != NULL) {
        struct odoc *ds = find_doc(m, "DataSource", ref);

        if (ds == NULL) {
            imp_report(m, yr_get(&m->y, ms, "metricSourceRef"), IMPORTER_SKIPPED, slo, p,
                       "no type, and no DataSource \"%s\" in the file to take it from",
                       imp_shorten(ref, s, sizeof(s)));
            return NULL;
        }
        {
            yaml_document_t *saved = m->y.doc;

            m->y.doc = ds->doc;
            type = yr_scalar(yr_get(&m->y, ds->spec, "type"));
            m->y.doc = saved;
        }
        if (type == NULL) {
            imp_report(m, yr_get(&m->y, ms, "metricSourceRef"), IMPORTER_SKIPPED, slo, p,
                       "DataSource \"%s\" has no spec.type", imp_shorten(ref, s, sizeof(s)));
            return NULL;
        }
    }
    if (type == NULL) {
        imp_report(m, ms, IMPORTER_SKIPPED, slo, p, "no type and no metricSourceRef");
        return NULL;
    }
    if (strcasecmp(type, "Prometheus") != 0) {
        imp_report(m, yr_get(&m->y, ms, "type") ? yr_get(&m->y, ms, "type") : ms, IMPORTER_SKIPPED,
                   slo, p, "%s %s metric source; only Prometheus queries can be converted",
                   article(type), imp_shorten(type, s, sizeof(s)));
        return NULL;
    }
    if (!yr_is_map(yr_get_opt(&m->y, ms, "spec"))) {
        imp_report(m, ms, IMPORTER_SKIPPED, slo, p, "missing spec with the query");
        return NULL;
    }
    /* yr_join() into the buffer it reads would overlap in snprintf. */
    yr_join(sp, sizeof(sp), p, "spec");
    q = imp_get_str(m, yr_get(&m->y, ms, "spec"), sp, "query", slo, 1, IMPORTER_SKIPPED);
    return q;
}

/* Whether every metric name in the selectors looks like a counter's. */
static int counter_names(const char *a, const char *b)
{
    static const char *const suffixes[] = {"_total", "_count", "_bucket"};
    const char *v[2] = {a, b};

    for (int i = 0; i < 2; i++) {
        const char *e = v[i];
        size_t n;
        int ok = 0;

        while (*e && *e != '{')
            e++;
        n = (size_t)(e - v[i]);
        for (size_t k = 0; k < NELEMS(suffixes); k++) {
            size_t sl = strlen(suffixes[k]);

            ok |= n > sl && strncmp(v[i] + n - sl, suffixes[k], sl) == 0;
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/*
 * ratioMetric under Occurrences: counter selectors (or sum(SELECTOR)) become
 * the events kind; queries with {{.window}} the promql kind; a raw ratio
 * with {{.window}} the ratio form of the promql kind. OpenSLO queries carry
 * no window otherwise, and no other query can be counted per window
 * faithfully.
 */
static void openslo_ratio(struct imp *m, const yaml_node_t *rm, const char *path, const char *slo,
                          struct ind *d)
{
    static const char *const keys[] = {"counter", "good", "bad", "total", "rawType", "raw"};
    /* v1alpha's ratioMetrics: incremental was counter's earlier name. */
    static const char *const akeys[] = {"counter", "incremental", "good", "bad", "total"};
    const char *ckey = m->oalpha && yr_get(&m->y, rm, "counter") == NULL ? "incremental"
                                                                         : "counter";
    yaml_node_t *good = yr_get_opt(&m->y, rm, "good");
    yaml_node_t *bad = yr_get_opt(&m->y, rm, "bad");
    yaml_node_t *raw = yr_get_opt(&m->y, rm, "raw");
    const char *qn, *qt;
    char *nn = NULL, *tn = NULL;
    int hn = 0, ht = 0, rn, rt, counter = -1;
    char p[PATHLEN];
    char q[PATHLEN];

    if (m->oalpha)
        imp_check_keys(m, rm, path, slo, akeys, NELEMS(akeys));
    else
        imp_check_keys(m, rm, path, slo, keys, NELEMS(keys));
    if (raw != NULL) {
        const char *rtype = imp_get_str(m, rm, path, "rawType", slo, 1, IMPORTER_SKIPPED);
        const char *rq;

        yr_join(p, sizeof(p), path, "raw");
        rq = metric_query(m, raw, p, slo);
        if (rtype == NULL || rq == NULL)
            return;
        if (strcmp(rtype, "success") != 0 && strcmp(rtype, "failure") != 0) {
            yr_join(q, sizeof(q), path, "rawType");
            imp_report(m, yr_get(&m->y, rm, "rawType"), IMPORTER_SKIPPED, slo, q,
                       "must be success or failure");
            return;
        }
        rn = imp_window_template(rq, &nn, &hn);
        if (rn < 0) {
            m->y.oom = 1;
            return;
        }
        if (rn > 0 || !hn) {
            imp_report(m, raw, IMPORTER_SKIPPED, slo, p,
                       "a stored ratio without {{.window}}: an average of ratios is not the "
                       "ratio of the events; write the query with [{{.window}}] ranges to "
                       "convert it");
            free(nn);
            return;
        }
        imp_ratio_queries(m, nn, &d->num, &d->total);
        free(nn);
        d->kind = CONFIG_SLI_PROMQL;
        d->good_based = strcmp(rtype, "success") == 0;
        d->note = imp_ratio_note;
        d->ok = !m->y.oom;
        return;
    }
    if ((good != NULL) == (bad != NULL)) {
        imp_report(m, rm, IMPORTER_SKIPPED, slo, path,
                   "needs exactly one of good and bad, or raw");
        return;
    }
    yr_join(p, sizeof(p), path, good ? "good" : "bad");
    qn = metric_query(m, good ? good : bad, p, slo);
    yr_join(q, sizeof(q), path, "total");
    if (yr_get_opt(&m->y, rm, "total") == NULL) {
        imp_report(m, rm, IMPORTER_SKIPPED, slo, path, "missing field \"total\"");
        return;
    }
    qt = metric_query(m, yr_get(&m->y, rm, "total"), q, slo);
    if (qn == NULL || qt == NULL)
        return;
    d->good_based = good != NULL;
    rn = imp_window_template(qn, &nn, &hn);
    rt = imp_window_template(qt, &tn, &ht);
    if (rn < 0 || rt < 0) {
        m->y.oom = 1;
        goto out;
    }
    if (rn == 0 && rt == 0 && hn && ht) {
        d->kind = CONFIG_SLI_PROMQL;
        d->num = nn;
        d->total = tn;
        nn = tn = NULL;
        d->ok = 1;
        goto out;
    }
    if (rn > 0 || rt > 0 || hn || ht) {
        imp_report(m, rm, IMPORTER_SKIPPED, slo, path,
                   "{{.window}} in only one of the queries, or other template actions");
        goto out;
    }
    d->num = imp_plain_selector(m, qn);
    d->total = imp_plain_selector(m, qt);
    if (d->num == NULL || d->total == NULL) {
        imp_report(m, d->num == NULL ? good ? good : bad : yr_get(&m->y, rm, "total"),
                   IMPORTER_SKIPPED, slo, d->num == NULL ? p : q,
                   "not a selector: an OpenSLO query has no window, so only counters given as "
                   "selectors (or sum(selector)) can be counted per window; or write the query "
                   "with [{{.window}}] ranges");
        goto out;
    }
    imp_get_bool(m, rm, path, ckey, slo, IMPORTER_SKIPPED, &counter);
    if (counter == 0) {
        yr_join(q, sizeof(q), path, ckey);
        imp_report(m, yr_get(&m->y, rm, ckey), IMPORTER_SKIPPED, slo, q,
                   "%s: false (a value that goes up and down) has no windowed count; the "
                   "events kind needs counters",
                   ckey);
        goto out;
    }
    if (counter < 0) {
        if (!counter_names(d->num, d->total)) {
            imp_report(m, rm, IMPORTER_SKIPPED, slo, path,
                       "%s is not set and the metric names do not end in _total, _count or "
                       "_bucket; set %s: true if they are counters",
                       ckey, ckey);
            goto out;
        }
        imp_report(m, rm, IMPORTER_NOTE, slo, path,
                   "%s is not set; the selectors are read as counters, as their names say", ckey);
    }
    d->kind = CONFIG_SLI_EVENTS;
    d->ok = !m->y.oom;
out:
    free(nn);
    free(tn);
}

/* thresholdMetric under Timeslices: a gauge selector, or time() - gauge (its age). */
static void openslo_threshold(struct imp *m, const yaml_node_t *tm, const char *path,
                              const char *slo, struct ind *d)
{
    const char *q = metric_query(m, tm, path, slo);
    const char *p;

    if (q == NULL)
        return;
    d->gauge = imp_plain_selector(m, q);
    if (d->gauge != NULL && strncmp(imp_skip_ws(q), "sum", 3) == 0) {
        /* sum() of gauges is not the worst series the sidecar judges. */
        free(d->gauge);
        d->gauge = NULL;
    }
    if (d->gauge == NULL && !m->y.oom) {
        p = imp_skip_ws(q);
        if (imp_eat_word(&p, "time") && imp_eat(&p, '(') && imp_eat(&p, ')') && imp_eat(&p, '-')) {
            d->gauge = imp_selector_text(m, p, (size_t)(imp_trim_end(p) - p));
            d->age = d->gauge != NULL;
            d->note = "time() - gauge: the sidecar takes each sample's time minus its value";
        }
    }
    if (d->gauge == NULL) {
        imp_report(m, tm, IMPORTER_SKIPPED, slo, path,
                   "not a selector (or time() - selector): the timeslice kind judges each "
                   "series of a gauge selector");
        return;
    }
    d->kind = CONFIG_SLI_TIMESLICE;
    d->ok = !m->y.oom;
}

/*
 * The indicator given by ratio metric rm (at rpath) or threshold metric tm
 * (at tpath), exactly one of them, under budgeting method bm. Reports why
 * not and leaves d->ok 0 when it cannot be converted.
 */
static void indicator_of(struct imp *m, const yaml_node_t *rm, const char *rpath,
                         const yaml_node_t *tm, const char *tpath, const char *slo, const char *bm,
                         const yaml_node_t *bm_node, struct ind *d)
{
    if (bm == NULL)
        return;
    if (rm != NULL) {
        if (strcmp(bm, "Occurrences") != 0) {
            imp_report(m, bm_node, IMPORTER_SKIPPED, slo, "spec.budgetingMethod",
                       "%s over a ratioMetric: a slice is good when its own ratio meets "
                       "timeSliceTarget, which the sidecar cannot compute (its time slices judge "
                       "a gauge); Occurrences converts",
                       bm);
            return;
        }
        if (!yr_is_map(rm))
            imp_report(m, rm, IMPORTER_SKIPPED, slo, rpath, "expected a mapping");
        else
            openslo_ratio(m, rm, rpath, slo, d);
        return;
    }
    if (strcmp(bm, "Timeslices") != 0) {
        imp_report(m, bm_node, IMPORTER_SKIPPED, slo, "spec.budgetingMethod",
                   "%s over a thresholdMetric has no equivalent (a histogram's latency SLO is "
                   "written with sli.latency: {histogram, threshold}); Timeslices converts",
                   bm);
        return;
    }
    openslo_threshold(m, tm, tpath, slo, d);
}

/* The indicator spec (inline or an SLI document's) under budgeting method bm. */
static void openslo_indicator(struct imp *m, const yaml_node_t *spec, const char *path,
                              const char *slo, const char *bm, const yaml_node_t *bm_node,
                              struct ind *d)
{
    static const char *const keys[] = {"description", "thresholdMetric", "ratioMetric"};
    yaml_node_t *rm = yr_get_opt(&m->y, spec, "ratioMetric");
    yaml_node_t *tm = yr_get_opt(&m->y, spec, "thresholdMetric");
    char rp[PATHLEN];
    char tp[PATHLEN];

    if (!yr_is_map(spec)) {
        imp_report(m, spec, IMPORTER_SKIPPED, slo, path, "expected a mapping");
        return;
    }
    imp_check_keys(m, spec, path, slo, keys, NELEMS(keys));
    if ((rm != NULL) == (tm != NULL)) {
        imp_report(m, spec, IMPORTER_SKIPPED, slo, path,
                   "needs exactly one of ratioMetric and thresholdMetric");
        return;
    }
    yr_join(rp, sizeof(rp), path, "ratioMetric");
    yr_join(tp, sizeof(tp), path, "thresholdMetric");
    indicator_of(m, rm, rp, tm, tp, slo, bm, bm_node, d);
}

/*
 * The indicator of v1alpha objective obj (number i): its own ratioMetrics,
 * or the SLO's spec.indicator.thresholdMetric. d is emptied first.
 */
static void alpha_indicator(struct imp *m, const yaml_node_t *spec, const yaml_node_t *obj,
                            size_t i, const char *slo, const char *bm, const yaml_node_t *bm_node,
                            struct ind *d)
{
    static const char *const keys[] = {"thresholdMetric"};
    yaml_node_t *ind = yr_get_opt(&m->y, spec, "indicator");
    yaml_node_t *tm = yr_is_map(ind) ? yr_get_opt(&m->y, ind, "thresholdMetric") : NULL;
    yaml_node_t *rm = yr_is_map(obj) ? yr_get_opt(&m->y, obj, "ratioMetrics") : NULL;
    char p[PATHLEN];
    char rp[PATHLEN];

    imp_ind_free(d);
    memset(d, 0, sizeof(*d));
    if (i == 0 && ind != NULL) {
        if (!yr_is_map(ind))
            imp_report(m, ind, IMPORTER_SKIPPED, slo, "spec.indicator", "expected a mapping");
        imp_check_keys(m, ind, "spec.indicator", slo, keys, NELEMS(keys));
    }
    if (!yr_is_map(obj))
        return; /* openslo_objective reports it */
    yr_join_index(p, sizeof(p), "spec.objectives", i);
    yr_join(rp, sizeof(rp), p, "ratioMetrics");
    if ((rm != NULL) == (tm != NULL)) {
        imp_report(m, obj, IMPORTER_SKIPPED, slo, p,
                   rm ? "has ratioMetrics while spec.indicator has a thresholdMetric; one of "
                        "them"
                      : "needs ratioMetrics (or spec.indicator.thresholdMetric)");
        return;
    }
    indicator_of(m, rm, rp, tm, "spec.indicator.thresholdMetric", slo, bm, bm_node, d);
}

/* "0.9995" -> "99.95": the ratio's digits moved two places (caller frees). */
static char *ratio_to_percent(const char *t, double x)
{
    const char *dot = strchr(t, '.');
    const char *ip = t, *fp;
    size_t il, fl;
    struct buf b;
    char frac2[3] = "00";
    const char *rest;
    int rc = 0;

    if (*ip == '+')
        ip++;
    if (strspn(ip, "0123456789.") != strlen(ip) || (dot && strchr(dot + 1, '.')) ||
        strlen(ip) == 0)
        return util_asprintf("%.15g", x * 100);
    il = dot ? (size_t)(dot - ip) : strlen(ip);
    fp = dot ? dot + 1 : "";
    fl = strlen(fp);
    for (size_t i = 0; i < 2 && i < fl; i++)
        frac2[i] = fp[i];
    rest = fl > 2 ? fp + 2 : "";
    buf_init(&b, 1024);
    while (il > 0 && *ip == '0') {
        ip++;
        il--;
    }
    rc |= buf_append(&b, ip, il);
    if (il == 0 && frac2[0] == '0')
        rc |= buf_append(&b, frac2[1] == '0' ? "0" : frac2 + 1, 1);
    else
        rc |= buf_append(&b, frac2, 2);
    {
        size_t rl = strlen(rest);

        while (rl > 0 && rest[rl - 1] == '0')
            rl--;
        if (rl > 0)
            rc |= buf_puts(&b, ".") | buf_append(&b, rest, rl);
    }
    if (rc != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/*
 * One objective of an OpenSLO SLO into o (whose common parts are set), then
 * written when emit is set; else only checked, so that one run reports every
 * reason an SLO is not converted. i is its index, nobj how many there are.
 */
static void openslo_objective(struct imp *m, const yaml_node_t *obj, size_t i, size_t nobj,
                              const char *base, const struct ind *d, struct out_slo *o, int emit)
{
    static const char *const keys[] = {"displayName",     "op",
                                       "value",           "target",
                                       "targetPercent",   "timeSliceTarget",
                                       "timeSliceWindow", "indicator",
                                       "indicatorRef",    "compositeWeight"};
    static const char *const akeys[] = {
        "displayName",     "op",          "value", "target", "targetPercent", "timeSliceTarget",
        "timeSliceWindow", "ratioMetrics"};
    static const char *const ops[][2] = {{"lt", "<"}, {"lte", "<="}, {"gt", ">"}, {"gte", ">="}};
    char p[PATHLEN];
    char q[PATHLEN];
    char *name = NULL;
    const char *dn, *t, *tp, *op;
    double x = 0;
    size_t before = m->nskipped;
    size_t mark = m->y.nmsgs;

    yr_join_index(p, sizeof(p), "spec.objectives", i);
    if (!yr_is_map(obj)) {
        imp_report(m, obj, IMPORTER_SKIPPED, base, p, "expected a mapping");
        return;
    }
    dn = imp_get_str(m, obj, p, "displayName", base, 0, IMPORTER_NOTE);
    if (nobj == 1) {
        name = util_strdup(base);
    } else {
        char *sl = dn ? imp_slug(dn) : util_strdup("");

        /* OpenSLO names are lower case; "Relaxed" joins them as "relaxed". */
        for (char *c = sl; c != NULL && *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        if (sl != NULL)
            name = *sl ? util_asprintf("%s-%s", base, sl) : util_asprintf("%s-%zu", base, i);
        free(sl);
    }
    if (name == NULL) {
        m->y.oom = 1;
        return;
    }
    free(o->name);
    o->name = name;
    if (m->oalpha)
        imp_check_keys(m, obj, p, name, akeys, NELEMS(akeys));
    else
        imp_check_keys(m, obj, p, name, keys, NELEMS(keys));
    if (yr_get(&m->y, obj, "indicator") || yr_get(&m->y, obj, "indicatorRef") ||
        yr_get(&m->y, obj, "compositeWeight")) {
        imp_report(m, obj, IMPORTER_SKIPPED, name, p,
                   "a composite SLO objective (indicator, indicatorRef or compositeWeight); the "
                   "sidecar has no composite SLOs: write one SLO per indicator");
        return;
    }
    if (nobj > 1) {
        char s[80];

        free(o->comment);
        o->comment = util_asprintf("OpenSLO SLO %s, objective %zu%s%s%s (%s:%zu)", base, i,
                                   dn ? " \"" : "", dn ? imp_shorten(dn, s, sizeof(s)) : "",
                                   dn ? "\"" : "", m->y.file, (size_t)obj->start_mark.line + 1);
        if (o->comment == NULL)
            m->y.oom = 1;
    }
    if ((yr_get_opt(&m->y, obj, "target") != NULL) ==
        (yr_get_opt(&m->y, obj, "targetPercent") != NULL)) {
        imp_report(m, obj, IMPORTER_SKIPPED, name, p,
                   "needs exactly one of target and targetPercent");
    } else if ((t = imp_get_num(m, obj, p, "target", name, 0, IMPORTER_SKIPPED, &x)) != NULL) {
        yr_join(q, sizeof(q), p, "target");
        if (!(x > 0 && x < 1))
            imp_report(m, yr_get(&m->y, obj, "target"), IMPORTER_SKIPPED, name, q,
                       "%s: the sidecar's objective is above 0 and below 1 (100%%)", t);
        else if ((o->objective = ratio_to_percent(t, x)) == NULL)
            m->y.oom = 1;
    } else if ((tp = imp_get_num(m, obj, p, "targetPercent", name, 0, IMPORTER_SKIPPED, &x)) !=
               NULL) {
        yr_join(q, sizeof(q), p, "targetPercent");
        if (!(x > 0 && x < 100))
            imp_report(m, yr_get(&m->y, obj, "targetPercent"), IMPORTER_SKIPPED, name, q,
                       "%s: the sidecar's objective is above 0 and below 100", tp);
        else
            imp_set(m, &o->objective, tp);
    }
    if (d->kind == CONFIG_SLI_TIMESLICE) {
        const char *v, *tst;
        yaml_node_t *sw = yr_get_opt(&m->y, obj, "timeSliceWindow");
        char s[80];

        op = imp_get_str(m, obj, p, "op", name, 1, IMPORTER_SKIPPED);
        o->op = NULL;
        for (size_t k = 0; op != NULL && k < NELEMS(ops); k++)
            if (strcmp(op, ops[k][0]) == 0)
                o->op = ops[k][1];
        if (op != NULL && o->op == NULL) {
            yr_join(q, sizeof(q), p, "op");
            imp_report(m, yr_get(&m->y, obj, "op"), IMPORTER_SKIPPED, name, q,
                       "\"%s\" is not one of lt, lte, gt, gte", imp_shorten(op, s, sizeof(s)));
        }
        v = imp_get_num(m, obj, p, "value", name, 1, IMPORTER_SKIPPED, &x);
        if (v != NULL)
            imp_set(m, &o->value, v);
        yr_join(q, sizeof(q), p, "timeSliceWindow");
        if (sw == NULL) {
            imp_report(m, obj, IMPORTER_SKIPPED, name, p,
                       "missing field \"timeSliceWindow\" (Timeslices needs it)");
        } else {
            const char *sv = yr_scalar(sw);
            int64_t ms = 0;
            struct err e = {{0}};
            char *txt = NULL;

            /* A bare number is minutes. */
            if (sv != NULL && sv[0] != '\0' && strspn(sv, "0123456789") == strlen(sv))
                txt = util_asprintf("%sm", sv);
            else if (sv != NULL)
                txt = util_strdup(sv);
            if (sv != NULL && txt == NULL) {
                m->y.oom = 1;
            } else if (txt == NULL || strpbrk(txt, "MQYs") != NULL ||
                       util_duration_parse(txt, &ms, 0, &e) != 0) {
                imp_report(m, sw, IMPORTER_SKIPPED, name, q, "not a duration like 1m");
            } else if (ms > 5 * 60 * 1000 || (5 * 60 * 1000) % ms != 0) {
                imp_report(m, sw, IMPORTER_SKIPPED, name, q,
                           "%s: the sidecar's time slices must divide 5m (1m or 5m)", txt);
            } else {
                imp_set(m, &o->slice, txt);
            }
            free(txt);
        }
        tst = imp_get_num(m, obj, p, "timeSliceTarget", name, 0, IMPORTER_DROPPED, &x);
        if (tst != NULL) {
            yr_join(q, sizeof(q), p, "timeSliceTarget");
            if (x == 1)
                imp_report(m, yr_get(&m->y, obj, "timeSliceTarget"), IMPORTER_NOTE, name, q,
                           "1: the sidecar judges a slice by its newest sample (of the worst "
                           "series), where OpenSLO wants every sample to meet the threshold");
            else
                imp_report(m, yr_get(&m->y, obj, "timeSliceTarget"), IMPORTER_DROPPED, name, q,
                           "%s: the sidecar judges a slice by its newest sample (of the worst "
                           "series), not by the share of its samples that meet the threshold",
                           tst);
        }
        o->sli_note = "a slice is good when its newest sample meets the condition";
    } else {
        static const char *const unused[] = {"op", "value", "timeSliceTarget", "timeSliceWindow"};

        for (size_t k = 0; k < NELEMS(unused); k++) {
            if (yr_get_opt(&m->y, obj, unused[k]) != NULL) {
                yr_join(q, sizeof(q), p, unused[k]);
                imp_report(m, yr_get(&m->y, obj, unused[k]), IMPORTER_NOTE, name, q,
                           "has no meaning for this indicator and budgeting method; ignored");
            }
        }
    }
    if (emit && m->nskipped == before && !m->y.oom && o->objective != NULL &&
        (d->kind != CONFIG_SLI_TIMESLICE || (o->op && o->value && o->slice)))
        imp_emit(m, o, obj);
    if (m->nskipped != before)
        imp_forget_since(m, mark);
    free(o->objective);
    o->objective = NULL;
    free(o->value);
    o->value = NULL;
    free(o->slice);
    o->slice = NULL;
}

/*
 * Moves the converted indicator d into o, with its note (reported at at when
 * ok, the SLO converts so far). When d did not convert, only the kind that
 * budgeting method bm implies is set, for the objectives' checks.
 */
static void use_indicator(struct imp *m, struct ind *d, struct out_slo *o, int ok,
                          const yaml_node_t *at, const char *base, const char *bm)
{
    if (!d->ok) {
        d->kind = bm != NULL && strcmp(bm, "Timeslices") == 0 ? CONFIG_SLI_TIMESLICE
                                                              : CONFIG_SLI_EVENTS;
        return;
    }
    free(o->num);
    free(o->total);
    free(o->gauge);
    o->num = o->total = o->gauge = NULL;
    o->kind = d->kind;
    o->good_based = d->good_based;
    o->sli_note = NULL;
    if (d->kind == CONFIG_SLI_TIMESLICE) {
        o->gauge = d->gauge;
        o->age = d->age;
        d->gauge = NULL;
    } else {
        o->num = d->num;
        o->total = d->total;
        d->num = d->total = NULL;
    }
    if (d->note != NULL && ok)
        imp_report(m, at, IMPORTER_NOTE, base, NULL, "%s",
                   strncmp(d->note, "note: ", 6) == 0 ? d->note + 6 : d->note);
    if (d->kind == CONFIG_SLI_PROMQL && d->note == NULL)
        o->sli_note = "the queries as written: promql mode only";
    else if (d->kind == CONFIG_SLI_PROMQL)
        o->sli_note = "a ratio per window; see the note on stderr";
}

static void openslo_slo(struct imp *m, struct odoc *od)
{
    static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec"};
    static const char *const mkeys[] = {"name", "displayName", "labels", "annotations"};
    static const char *const skeys[] = {"description",  "service",      "indicator",
                                        "indicatorRef", "timeWindow",   "budgetingMethod",
                                        "objectives",   "alertPolicies"};
    static const char *const akeys[] = {"description", "service",         "indicator",
                                        "timeWindows", "budgetingMethod", "objectives"};
    yaml_node_t *meta = yr_get_opt(&m->y, od->root, "metadata");
    yaml_node_t *spec = od->spec;
    yaml_node_t *objs, *indicator, *bm_node;
    const char *service, *desc, *ref, *bm, *dn;
    char *base = NULL;
    struct out_slo o;
    struct ind d;
    size_t before = m->nskipped;
    size_t mark = m->y.nmsgs;
    size_t written = m->nout;
    size_t nobj;
    char s[80];
    int ok;

    imp_out_init(&o);
    memset(&d, 0, sizeof(d));
    objs = yr_get_opt(&m->y, spec, "objectives");
    nobj = yr_seq_len(objs);
    m->nin += nobj > 0 ? nobj : 1;
    if (od->name == NULL) {
        imp_report(m, meta ? meta : od->root, IMPORTER_SKIPPED, NULL, "metadata",
                   "an SLO without metadata.name; document skipped");
        return;
    }
    base = imp_slug(od->name);
    if (base == NULL) {
        m->y.oom = 1;
        return;
    }
    if (*base == '\0' || strcmp(base, od->name) != 0) {
        if (*base == '\0') {
            imp_report(m, yr_get(&m->y, meta, "name"), IMPORTER_SKIPPED, od->name, "metadata.name",
                       "has none of the characters of an SLO name ([a-zA-Z0-9_.-])");
            goto out;
        }
        imp_report(m, yr_get(&m->y, meta, "name"), IMPORTER_NOTE, od->name, "metadata.name",
                   "written as \"%s\" ([a-zA-Z0-9_.-]+)", base);
    }
    imp_check_keys(m, od->root, "", base, keys, NELEMS(keys));
    imp_check_keys(m, meta, "metadata", base, mkeys, NELEMS(mkeys));
    if (!yr_is_map(spec)) {
        imp_report(m, spec ? spec : od->root, IMPORTER_SKIPPED, base, "spec",
                   spec ? "expected a mapping" : "missing field \"spec\"");
        goto out;
    }
    if (od->alpha)
        imp_check_keys(m, spec, "spec", base, akeys, NELEMS(akeys));
    else
        imp_check_keys(m, spec, "spec", base, skeys, NELEMS(skeys));
    dn = yr_scalar(yr_get(&m->y, meta, "displayName"));
    o.comment = util_asprintf("OpenSLO %sSLO %s%s%s%s (%s:%zu)", od->alpha ? "v1alpha " : "",
                              od->name, dn ? " \"" : "", dn ? imp_shorten(dn, s, sizeof(s)) : "",
                              dn ? "\"" : "", m->y.file, (size_t)od->root->start_mark.line + 1);
    if (o.comment == NULL)
        m->y.oom = 1;
    service = imp_get_str(m, spec, "spec", "service", base, 1, IMPORTER_SKIPPED);
    if (service != NULL)
        imp_set(m, &o.service, service);
    desc = imp_get_str(m, spec, "spec", "description", base, 0, IMPORTER_DROPPED);
    if (desc != NULL)
        imp_set(m, &o.description, desc);
    imp_read_map(m, meta, "metadata", "labels", base, IMP_MAP_SERIES, 1, &o.labels);
    if (yr_get_opt(&m->y, meta, "annotations") != NULL)
        imp_report(m, yr_get(&m->y, meta, "annotations"), IMPORTER_NOTE, base,
                   "metadata.annotations",
                   "not converted: the sidecar's SLOs have no annotations");
    if (yr_get_opt(&m->y, spec, "alertPolicies") != NULL)
        imp_report(m, yr_get(&m->y, spec, "alertPolicies"), IMPORTER_DROPPED, base,
                   "spec.alertPolicies",
                   "the sidecar's burn-rate alerts (the SRE workbook's page and ticket table) "
                   "apply instead; set alerting.windows to change them");
    if (od->alpha)
        imp_openslo_alpha_period(m, spec, base, &o);
    else
        imp_openslo_period(m, spec, base, &o);
    bm_node = yr_get_opt(&m->y, spec, "budgetingMethod");
    bm = imp_get_str(m, spec, "spec", "budgetingMethod", base, 1, IMPORTER_SKIPPED);
    if (bm != NULL && strcmp(bm, "Occurrences") != 0 && strcmp(bm, "Timeslices") != 0 &&
        strcmp(bm, "RatioTimeslices") != 0) {
        imp_report(m, bm_node, IMPORTER_SKIPPED, base, "spec.budgetingMethod",
                   "\"%s\" is not Occurrences, Timeslices or RatioTimeslices",
                   imp_shorten(bm, s, sizeof(s)));
        bm = NULL;
    }
    if (bm != NULL && strcmp(bm, "RatioTimeslices") == 0) {
        imp_report(m, bm_node, IMPORTER_SKIPPED, base, "spec.budgetingMethod",
                   "RatioTimeslices (the average of the slices' ratios) has no equivalent; the "
                   "sidecar's ratios are over all events of a window");
        bm = NULL;
    }
    indicator = yr_get_opt(&m->y, spec, "indicator");
    ref = od->alpha ? NULL
                    : imp_get_str(m, spec, "spec", "indicatorRef", base, 0, IMPORTER_SKIPPED);
    if (od->alpha) {
        /* v1alpha: each objective has its own indicator (below). */
    } else if ((indicator != NULL) == (yr_get_opt(&m->y, spec, "indicatorRef") != NULL)) {
        imp_report(m, spec, IMPORTER_SKIPPED, base, "spec",
                   "needs exactly one of indicator and indicatorRef");
    } else if (indicator != NULL) {
        if (!yr_is_map(indicator))
            imp_report(m, indicator, IMPORTER_SKIPPED, base, "spec.indicator",
                       "expected a mapping");
        else
            openslo_indicator(m, yr_get_opt(&m->y, indicator, "spec"), "spec.indicator.spec", base,
                              bm, bm_node, &d);
    } else if (ref != NULL) {
        struct odoc *sli = find_doc(m, "SLI", ref);

        if (sli == NULL) {
            imp_report(m, yr_get(&m->y, spec, "indicatorRef"), IMPORTER_SKIPPED, base,
                       "spec.indicatorRef", "no SLI document \"%s\" in the file",
                       imp_shorten(ref, s, sizeof(s)));
        } else {
            yaml_document_t *saved = m->y.doc;

            sli->used = 1;
            m->y.doc = sli->doc;
            /* Messages about the SLI document point into it. */
            if (sli->spec == NULL)
                imp_report(m, sli->root, IMPORTER_SKIPPED, base, "SLI spec",
                           "missing field \"spec\"");
            else
                openslo_indicator(m, sli->spec, "SLI spec", base, bm, bm_node, &d);
            m->y.doc = saved;
        }
    }
    if (nobj == 0) {
        imp_report(m, objs ? objs : spec, IMPORTER_SKIPPED, base, "spec.objectives",
                   "needs a list of at least one objective");
        goto out;
    }
    /*
     * The objectives are read even when the SLO cannot be converted, so that
     * their problems are reported in the same run.
     */
    ok = m->nskipped == before && !m->y.oom && o.service != NULL && o.period != NULL;
    if (!od->alpha)
        use_indicator(m, &d, &o, ok, indicator ? indicator : yr_get(&m->y, spec, "indicatorRef"),
                      base, bm);
    for (size_t i = 0; i < nobj && !m->y.oom && !m->too_big; i++) {
        yaml_node_t *obj = yr_seq_item(&m->y, objs, i);

        if (od->alpha) {
            alpha_indicator(m, spec, obj, i, base, bm, bm_node, &d);
            use_indicator(m, &d, &o, ok, obj, base, bm);
        }
        openslo_objective(m, obj, i, nobj, base, &d, &o, ok && d.ok);
    }
out:
    if (m->nout == written && m->nskipped != before)
        imp_forget_since(m, mark);
    free(base);
    imp_ind_free(&d);
    imp_out_free(&o);
}

void imp_openslo_all(struct imp *m, const struct imp_root *docs, size_t ndocs)
{
    static const char *const other[] = {"AlertPolicy", "AlertCondition",
                                        "AlertNotificationTarget"};
    size_t nslo = 0;
    char s[80];

    m->odocs = calloc(ndocs ? ndocs : 1, sizeof(*m->odocs));
    if (m->odocs == NULL) {
        m->y.oom = 1;
        return;
    }
    m->nodocs = ndocs;
    for (size_t i = 0; i < ndocs; i++) {
        struct odoc *d = &m->odocs[i];
        const char *api;

        d->doc = docs[i].doc;
        m->y.doc = d->doc;
        d->root = docs[i].root;
        api = yr_scalar(yr_get(&m->y, d->root, "apiVersion"));
        d->kind = yr_scalar(yr_get(&m->y, d->root, "kind"));
        d->name = yr_scalar(yr_get(&m->y, yr_get_opt(&m->y, d->root, "metadata"), "name"));
        d->spec = yr_get_opt(&m->y, d->root, "spec");
        if (!yr_is_map(d->root)) {
            imp_report(m, d->root, IMPORTER_SKIPPED, NULL, NULL,
                       "expected a mapping with apiVersion, kind, metadata and spec; document "
                       "skipped");
            continue;
        }
        if (api != NULL && strcmp(api, "openslo/v1alpha") == 0) {
            d->alpha = 1;
            m->alpha_seen = 1;
            if (d->kind != NULL && strcmp(d->kind, "SLO") == 0)
                nslo++;
            continue;
        }
        if (api == NULL || strcmp(api, "openslo/v1") != 0) {
            const char *version = yr_scalar(yr_get(&m->y, d->root, "version"));
            int slo = d->kind != NULL && strcmp(d->kind, "SLO") == 0;

            if (version != NULL && strcmp(version, "prometheus/v1") == 0)
                imp_report(m, d->root, IMPORTER_SKIPPED, NULL, NULL,
                           "this is a Sloth prometheus/v1 spec; use --from=sloth");
            else if (api != NULL && (strncmp(api, "sloth.slok.dev/", 15) == 0 ||
                                     strncmp(api, "pyrra.dev/", 10) == 0))
                imp_report(m, d->root, IMPORTER_SKIPPED, NULL, NULL,
                           "this is a %s resource (apiVersion %s); use --from=%s",
                           *api == 's' ? "Sloth" : "Pyrra", imp_shorten(api, s, sizeof(s)),
                           *api == 's' ? "sloth" : "pyrra");
            else
                imp_report(m, api ? yr_get(&m->y, d->root, "apiVersion") : d->root,
                           slo ? IMPORTER_SKIPPED : IMPORTER_NOTE, NULL, "apiVersion",
                           "%s%s%s, not openslo/v1 or openslo/v1alpha (the versions converted); "
                           "document skipped",
                           api ? "\"" : "", api ? imp_shorten(api, s, sizeof(s)) : "missing",
                           api ? "\"" : "");
            if (slo)
                m->nin++;
            continue;
        }
        d->v1 = 1;
        if (d->kind != NULL && strcmp(d->kind, "SLO") == 0)
            nslo++;
    }
    for (size_t i = 0; i < ndocs && !m->y.oom && !m->too_big; i++) {
        struct odoc *d = &m->odocs[i];

        m->y.doc = d->doc;
        if (d->alpha && d->kind != NULL && strcmp(d->kind, "SLO") == 0) {
            m->oalpha = 1;
            openslo_slo(m, d);
            m->oalpha = 0;
            continue;
        }
        if (d->alpha && (d->kind == NULL || strcmp(d->kind, "Service") != 0))
            imp_report(m, d->kind ? yr_get(&m->y, d->root, "kind") : d->root, IMPORTER_NOTE, NULL,
                       NULL, "openslo/v1alpha %s: only SLO documents are converted; ignored",
                       d->kind ? imp_shorten(d->kind, s, sizeof(s)) : "without kind");
        if (!d->v1)
            continue;
        if (d->kind == NULL) {
            imp_report(m, d->root, IMPORTER_NOTE, NULL, "kind", "missing; document ignored");
        } else if (strcmp(d->kind, "SLO") == 0) {
            openslo_slo(m, d);
        } else if (strcmp(d->kind, "DataSource") == 0) {
            imp_report(m, yr_get(&m->y, d->root, "kind"), IMPORTER_NOTE, NULL, NULL,
                       "DataSource %s: connection details are not converted; fill in "
                       "global.prometheus",
                       d->name ? imp_shorten(d->name, s, sizeof(s)) : "?");
        } else if (strcmp(d->kind, "SLI") != 0 && strcmp(d->kind, "Service") != 0) {
            size_t k;

            for (k = 0; k < NELEMS(other); k++)
                if (strcmp(d->kind, other[k]) == 0)
                    break;
            imp_report(m, yr_get(&m->y, d->root, "kind"), IMPORTER_NOTE, NULL, NULL, "%s %s: %s",
                       imp_shorten(d->kind, s, sizeof(s)), d->name ? d->name : "?",
                       k < NELEMS(other) ? "not converted; the sidecar's burn-rate alerts "
                                           "(`slo-sidecar rules`) replace alert policies"
                                         : "an unknown kind; ignored");
        }
    }
    for (size_t i = 0; i < ndocs && !m->y.oom; i++) {
        struct odoc *d = &m->odocs[i];

        m->y.doc = d->doc;
        if (d->v1 && d->kind != NULL && strcmp(d->kind, "SLI") == 0 && !d->used)
            imp_report(m, yr_get(&m->y, d->root, "kind"), IMPORTER_NOTE, NULL, NULL,
                       "SLI %s is not used by any SLO; not converted",
                       d->name ? imp_shorten(d->name, s, sizeof(s)) : "?");
    }
    if (nslo == 0 && m->nin == 0)
        imp_add_msg(m, 0, 0, IMPORTER_ERROR, "no OpenSLO v1 SLO document (kind: SLO) to convert");
}
