/*
 * imppyrra: Pyrra ServiceLevelObjective resources into SLOs, field by
 * field. See imppyrra.h.
 */
#include "imppyrra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "impcheck.h"
#include "impdefs.h"
#include "impmsg.h"
#include "impread.h"
#include "imppromql.h"
#include "impwrite.h"
#include "selector.h"
#include "util.h"
#include "yamlread.h"

/*
 * The metric of Pyrra Query q (at path) as a selector printed the sidecar's
 * way (caller frees). NULL (reported, the SLO skipped) when it is missing or
 * not a selector, which Pyrra refuses too.
 */
static char *pyrra_metric(struct imp *m, const yaml_node_t *q, const char *path, const char *slo)
{
    const char *t = imp_get_str(m, q, path, "metric", slo, 1, IMPORTER_SKIPPED);
    const char *b, *e;
    char p[PATHLEN];
    char s[80];
    char *sel;

    if (t == NULL)
        return NULL;
    b = imp_skip_ws(t);
    e = imp_trim_end(t);
    sel = imp_selector_text(m, b, (size_t)(e > b ? e - b : 0));
    if (sel == NULL && !m->y.oom) {
        yr_join(p, sizeof(p), path, "metric");
        imp_report(m, yr_get(&m->y, q, "metric"), IMPORTER_SKIPPED, slo, p,
                   "\"%s\" is not a selector (Pyrra wants one too)", imp_shorten(t, s, sizeof(s)));
    }
    return sel;
}

/* The Query at key of indicator n: its metric, or NULL (reported). */
static char *pyrra_query(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                         const char *slo)
{
    static const char *const keys[] = {"metric"};
    yaml_node_t *q = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];

    yr_join(p, sizeof(p), path, key);
    if (!yr_is_map(q)) {
        imp_report(m, q ? q : n, IMPORTER_SKIPPED, slo, q ? p : path,
                   q ? "expected a mapping with metric" : "missing field \"%s\"", key);
        return NULL;
    }
    imp_check_keys(m, q, p, slo, keys, NELEMS(keys));
    return pyrra_metric(m, q, p, slo);
}

/* grouping: a list of label names, the SLO's group_by. */
static void pyrra_grouping(struct imp *m, const yaml_node_t *n, const char *path, const char *slo,
                           struct out_slo *o)
{
    yaml_node_t *g = yr_get_opt(&m->y, n, "grouping");
    char p[PATHLEN];
    char q[PATHLEN];
    char s[80];

    if (g == NULL)
        return;
    yr_join(p, sizeof(p), path, "grouping");
    if (!yr_is_seq(g)) {
        imp_report(m, g, IMPORTER_SKIPPED, slo, p, "expected a list of label names");
        return;
    }
    if (yr_seq_len(g) == 0)
        return;
    o->group_by = calloc(yr_seq_len(g), sizeof(*o->group_by));
    if (o->group_by == NULL) {
        m->y.oom = 1;
        return;
    }
    for (size_t i = 0; i < yr_seq_len(g); i++) {
        yaml_node_t *item = yr_seq_item(&m->y, g, i);
        const char *name = yr_scalar(item);

        yr_join_index(q, sizeof(q), p, i);
        if (name == NULL || !selector_name_ok(name, 0)) {
            imp_report(m, item, IMPORTER_SKIPPED, slo, q, "\"%s\" is not a label name",
                       name ? imp_shorten(name, s, sizeof(s)) : "?");
            continue;
        }
        o->group_by[o->ngroup_by] = util_strdup(name);
        if (o->group_by[o->ngroup_by] == NULL) {
            m->y.oom = 1;
            return;
        }
        o->ngroup_by++;
    }
}

/*
 * bool_gauge: Pyrra counts the gauge's samples, good when 1, in every
 * series; the sidecar's time slices judge one sample per slice, so the
 * honest form is Pyrra's own queries in the promql kind.
 */
static void pyrra_bool_gauge(struct imp *m, const yaml_node_t *bg, const char *path,
                             const char *slo, struct out_slo *o)
{
    struct buf by;
    char *sel = pyrra_metric(m, bg, path, slo);
    int rc = 0;

    if (sel == NULL)
        return;
    buf_init(&by, 4096);
    rc |= buf_puts(&by, "sum");
    for (size_t i = 0; i < o->ngroup_by; i++)
        rc |= buf_printf(&by, "%s%s", i == 0 ? " by (" : ", ", o->group_by[i]);
    rc |= buf_puts(&by, o->ngroup_by > 0 ? ") " : "");
    if (rc == 0) {
        o->num = util_asprintf("%s(sum_over_time(%s[{{.window}}]))", by.data, sel);
        o->total = util_asprintf("%s(count_over_time(%s[{{.window}}]))", by.data, sel);
    }
    if (rc != 0 || o->num == NULL || o->total == NULL)
        m->y.oom = 1;
    o->kind = CONFIG_SLI_PROMQL;
    o->good_based = 1;
    o->sli_note = "Pyrra's bool gauge: samples at 1 of all samples; promql mode only";
    buf_free(&by);
    free(sel);
}

/* spec.indicator: exactly one of ratio, latency, latencyNative, bool_gauge. */
static void pyrra_indicator(struct imp *m, const yaml_node_t *spec, const char *slo,
                            struct out_slo *o)
{
    static const char *const keys[] = {"ratio", "latency", "latencyNative", "bool_gauge"};
    static const char *const rkeys[] = {"errors", "total", "grouping"};
    static const char *const lkeys[] = {"success", "total", "grouping"};
    static const char *const bkeys[] = {"metric", "grouping"};
    yaml_node_t *ind = yr_get_opt(&m->y, spec, "indicator");
    yaml_node_t *v = NULL;
    const char *p = "spec.indicator";
    char q[PATHLEN];
    size_t k = 0, n = 0;

    if (!yr_is_map(ind)) {
        imp_report(m, ind ? ind : spec, IMPORTER_SKIPPED, slo, ind ? p : "spec",
                   ind ? "expected a mapping" : "missing field \"indicator\"");
        return;
    }
    imp_check_keys(m, ind, p, slo, keys, NELEMS(keys));
    for (size_t i = 0; i < NELEMS(keys); i++)
        if (yr_get_opt(&m->y, ind, keys[i]) != NULL) {
            k = i;
            n++;
        }
    if (n != 1) {
        imp_report(m, ind, IMPORTER_SKIPPED, slo, p,
                   "needs exactly one of ratio, latency, latencyNative and bool_gauge");
        return;
    }
    v = yr_get(&m->y, ind, keys[k]);
    yr_join(q, sizeof(q), p, keys[k]);
    if (!yr_is_map(v)) {
        imp_report(m, v, IMPORTER_SKIPPED, slo, q, "expected a mapping");
        return;
    }
    if (k == 2) {
        imp_report(m, v, IMPORTER_SKIPPED, slo, q,
                   "a native histogram's latency has no equivalent: the sidecar reads classic "
                   "histograms; write it as latency with success (NAME_bucket{le=\"...\"}) and "
                   "total (NAME_count) if the histogram has classic buckets too");
        return;
    }
    imp_check_keys(m, v, q, slo,
                   k == 0   ? rkeys
                   : k == 1 ? lkeys
                            : bkeys,
                   k == 3 ? NELEMS(bkeys) : NELEMS(rkeys));
    pyrra_grouping(m, v, q, slo, o);
    if (k == 3) {
        pyrra_bool_gauge(m, v, q, slo, o);
        return;
    }
    /* Pyrra's ratio is errors/total; its latency (total - success)/total. */
    o->num = pyrra_query(m, v, q, k == 0 ? "errors" : "success", slo);
    o->total = pyrra_query(m, v, q, "total", slo);
    o->kind = CONFIG_SLI_EVENTS;
    o->good_based = k == 1;
    if (k == 1)
        o->sli_note = "Pyrra's latency: requests in the success bucket are good";
}

/* spec.alerting: disabled, name, burnrates, absent. */
static void pyrra_alerting(struct imp *m, const yaml_node_t *spec, const char *slo,
                           struct out_slo *o)
{
    static const char *const keys[] = {"disabled", "name", "burnrates", "absent"};
    yaml_node_t *al = yr_get_opt(&m->y, spec, "alerting");
    const char *p = "spec.alerting";
    int disabled = 0, burnrates = 1, absent = 0;
    char q[PATHLEN];

    if (al == NULL)
        return;
    if (!yr_is_map(al)) {
        imp_report(m, al, IMPORTER_DROPPED, slo, p, "expected a mapping");
        return;
    }
    imp_check_keys(m, al, p, slo, keys, NELEMS(keys));
    imp_alert_name_note(m, al, p, slo, o->name);
    imp_get_bool(m, al, p, "disabled", slo, IMPORTER_DROPPED, &disabled);
    imp_get_bool(m, al, p, "burnrates", slo, IMPORTER_DROPPED, &burnrates);
    if (imp_get_bool(m, al, p, "absent", slo, IMPORTER_DROPPED, &absent) == 0 && absent) {
        yr_join(q, sizeof(q), p, "absent");
        imp_report(m, yr_get(&m->y, al, "absent"), IMPORTER_DROPPED, slo, q,
                   "the sidecar has no alert for an absent metric; an SLO without data shows "
                   "as absent slo_sli_ratio series");
    }
    if (disabled || !burnrates) {
        o->page_off = o->ticket_off = 1;
        imp_alerts_off(m, al, slo, p, o);
    }
}

/* metadata.labels: those with Pyrra's prefix "pyrra.dev/" label its series. */
static void pyrra_labels(struct imp *m, const yaml_node_t *meta, const char *slo,
                         struct out_slo *o)
{
    yaml_node_t *l = yr_get_opt(&m->y, meta, "labels");
    struct labels all;
    char s[80];

    if (l == NULL)
        return;
    labels_init(&all);
    imp_read_map(m, meta, "metadata", "labels", slo, IMP_MAP_ANY, 0, &all);
    for (size_t i = 0; i < all.n; i++) {
        const char *name = all.v[i].name;

        if (strncmp(name, "pyrra.dev/", 10) != 0) {
            imp_report(m, l, IMPORTER_NOTE, slo, "metadata.labels",
                       "\"%s\" labels the Kubernetes object only (Pyrra passes on those named "
                       "pyrra.dev/...); not converted",
                       imp_shorten(name, s, sizeof(s)));
            continue;
        }
        name += 10;
        if (!selector_name_ok(name, 0) || strncmp(name, "__", 2) == 0 ||
            config_label_reserved(name)) {
            imp_report(m, l, IMPORTER_DROPPED, slo, "metadata.labels",
                       "\"%s\" cannot label the sidecar's series",
                       imp_shorten(all.v[i].name, s, sizeof(s)));
            continue;
        }
        if (labels_set(&o->labels, name, all.v[i].value) != 0)
            m->y.oom = 1;
    }
    labels_free(&all);
}

/* spec.target (percent, a string in Pyrra) and spec.window. */
static void pyrra_target_window(struct imp *m, const yaml_node_t *spec, const char *slo,
                                struct out_slo *o)
{
    const char *t = imp_get_str(m, spec, "spec", "target", slo, 1, IMPORTER_SKIPPED);
    const char *w = imp_get_str(m, spec, "spec", "window", slo, 1, IMPORTER_SKIPPED);
    struct err e = {{0}};
    int64_t ms = 0;
    double x = 0;
    char s[80];

    if (t != NULL) {
        if (strspn(t, "0123456789.") != strlen(t) || util_parse_double(t, &x) != 0 ||
            !(x > 0 && x < 100))
            imp_report(m, yr_get(&m->y, spec, "target"), IMPORTER_SKIPPED, slo, "spec.target",
                       "\"%s\": the sidecar's objective is a percent above 0 and below 100",
                       imp_shorten(t, s, sizeof(s)));
        else
            imp_set(m, &o->objective, t);
    }
    if (w == NULL)
        return;
    if (util_duration_parse(w, &ms, 0, &e) != 0 || ms < 3600 * 1000LL ||
        util_duration_format(ms, s, sizeof(s)) != 0) {
        char t2[80];

        imp_report(m, yr_get(&m->y, spec, "window"), IMPORTER_SKIPPED, slo, "spec.window",
                   "\"%s\": the sidecar's period is a duration of at least 1h (like 28d)",
                   imp_shorten(w, t2, sizeof(t2)));
        return;
    }
    imp_set(m, &o->period, s);
}

void imp_pyrra_doc(struct imp *m, const yaml_node_t *root, size_t di, size_t ndocs)
{
    static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", "status"};
    static const char *const skeys[] = {"description", "target", "window", "indicator",
                                        "alerting"};
    const char *api = yr_scalar(yr_get(&m->y, root, "apiVersion"));
    const char *kind = yr_scalar(yr_get(&m->y, root, "kind"));
    yaml_node_t *meta = yr_get_opt(&m->y, root, "metadata");
    yaml_node_t *spec = yr_get_opt(&m->y, root, "spec");
    const char *name, *ns, *desc;
    size_t before = m->nskipped;
    size_t mark = m->y.nmsgs;
    struct out_slo o;
    char dpath[32];
    char s[80];

    snprintf(dpath, sizeof(dpath), "document %zu", di + 1);
    if (ndocs == 1)
        dpath[0] = '\0';
    if (!yr_is_map(root) || api == NULL || strcmp(api, "pyrra.dev/v1alpha1") != 0 ||
        kind == NULL || strcmp(kind, "ServiceLevelObjective") != 0) {
        const char *version = yr_scalar(yr_get(&m->y, root, "version"));

        imp_report(m, root, IMPORTER_SKIPPED, NULL, dpath, "%s%s%s; document skipped",
                   version != NULL || (api && strncmp(api, "sloth.slok.dev/", 15) == 0)
                       ? "a Sloth spec; use --from=sloth"
                   : api && strncmp(api, "openslo/", 8) == 0
                       ? "OpenSLO; use --from=openslo"
                       : "not a pyrra.dev/v1alpha1 ServiceLevelObjective",
                   api ? ", apiVersion " : "", api ? imp_shorten(api, s, sizeof(s)) : "");
        return;
    }
    m->nin++;
    imp_out_init(&o);
    imp_check_keys(m, root, dpath, NULL, keys, NELEMS(keys));
    name = yr_scalar(yr_get(&m->y, meta, "name"));
    if (name == NULL || !imp_slo_name_ok(name)) {
        imp_report(m,
                   name   ? yr_get(&m->y, meta, "name")
                   : meta ? meta
                          : root,
                   IMPORTER_SKIPPED, NULL, "metadata.name", "%s%s%s",
                   name ? "invalid name \"" : "missing",
                   name ? imp_shorten(name, s, sizeof(s)) : "",
                   name ? "\" ([a-zA-Z0-9_.-]+)" : "");
        /* The spec is still read, so that all reasons show at once. */
        name = "?";
    }
    if (!yr_is_map(spec)) {
        imp_report(m, spec ? spec : root, IMPORTER_SKIPPED, name, "spec",
                   spec ? "expected a mapping" : "missing field \"spec\"");
        goto out;
    }
    imp_check_keys(m, spec, "spec", name, skeys, NELEMS(skeys));
    imp_set(m, &o.name, name);
    /* Pyrra has no service; its SLOs live in a namespace, so that stands in. */
    ns = yr_scalar(yr_get(&m->y, meta, "namespace"));
    imp_set(m, &o.service, ns != NULL && imp_slo_name_ok(ns) ? ns : name);
    o.comment = util_asprintf("Pyrra ServiceLevelObjective %s%s%s (%s:%zu); service: the %s",
                              ns ? ns : "", ns ? "/" : "", name, m->y.file,
                              (size_t)root->start_mark.line + 1,
                              ns ? "namespace" : "name (no namespace)");
    if (o.comment == NULL)
        m->y.oom = 1;
    desc = imp_get_str(m, spec, "spec", "description", name, 0, IMPORTER_DROPPED);
    if (desc != NULL)
        imp_set(m, &o.description, desc);
    pyrra_labels(m, meta, name, &o);
    pyrra_target_window(m, spec, name, &o);
    pyrra_indicator(m, spec, name, &o);
    pyrra_alerting(m, spec, name, &o);
    if (m->nskipped == before && !m->y.oom && o.objective != NULL && o.period != NULL &&
        o.num != NULL && o.total != NULL)
        imp_emit(m, &o, root);
out:
    if (m->nskipped != before)
        imp_forget_since(m, mark);
    imp_out_free(&o);
}
