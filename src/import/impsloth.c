/*
 * impsloth: Sloth prometheus/v1 specs and PrometheusServiceLevel resources
 * into SLOs, field by field. See
 * impsloth.h.
 */
#include "impsloth.h"

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
#include "util.h"
#include "yamlread.h"

/*
 * The field names of the two forms of a Sloth spec: the prometheus/v1 file
 * (snake_case) and the sloth.slok.dev/v1 PrometheusServiceLevel resource
 * (camelCase, under spec). Everything else is spelt the same.
 */
struct names {
    const char *error_query;
    const char *total_query;
    const char *error_ratio_query;
    const char *page_alert;
    const char *ticket_alert;
    const char *slo_plugins;
    const char *what; /* for comments: "Sloth service" or "Sloth PrometheusServiceLevel" */
};

static const struct names file_names = {"error_query",  "total_query",  "error_ratio_query",
                                        "page_alert",   "ticket_alert", "slo_plugins",
                                        "Sloth service"};
static const struct names kube_names = {"errorQuery",
                                        "totalQuery",
                                        "errorRatioQuery",
                                        "pageAlert",
                                        "ticketAlert",
                                        "sloPlugins",
                                        "Sloth PrometheusServiceLevel service"};

/* Copies every entry of src into dst, replacing names dst has. */
static void merge(struct imp *m, struct labels *dst, const struct labels *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (labels_set(dst, src->v[i].name, src->v[i].value) != 0)
            m->y.oom = 1;
}

/*
 * sli.events: both queries exactly sum(rate(SELECTOR[{{.window}}])) become
 * the events kind; any other pair is kept as PromQL (the promql kind). Both
 * must use {{.window}}, as Sloth requires.
 */
static void sloth_events(struct imp *m, const struct names *k, const yaml_node_t *ev,
                         const char *path, const char *slo, struct ind *d)
{
    const char *const keys[] = {k->error_query, k->total_query};
    const char *err_q = imp_get_str(m, ev, path, k->error_query, slo, 1, IMPORTER_SKIPPED);
    const char *tot_q = imp_get_str(m, ev, path, k->total_query, slo, 1, IMPORTER_SKIPPED);
    char *en = NULL, *tn = NULL;
    int he = 0, ht = 0, re = 0, rt = 0;
    char p[PATHLEN];

    imp_check_keys(m, ev, path, slo, keys, NELEMS(keys));
    if (err_q == NULL || tot_q == NULL)
        return;
    re = imp_window_template(err_q, &en, &he);
    rt = imp_window_template(tot_q, &tn, &ht);
    if (re < 0 || rt < 0) {
        m->y.oom = 1;
        goto out;
    }
    if (re > 0 || rt > 0 || !he || !ht) {
        yr_join(p, sizeof(p), path, re > 0 || !he ? k->error_query : k->total_query);
        imp_report(m, yr_get(&m->y, ev, re > 0 || !he ? k->error_query : k->total_query),
                   IMPORTER_SKIPPED, slo, p, "%s",
                   re > 0 || rt > 0 ? "a Go template action other than {{.window}}"
                                    : "does not use {{.window}} (Sloth requires it)");
        goto out;
    }
    d->num = imp_windowed_selector(m, en);
    d->total = imp_windowed_selector(m, tn);
    if (d->num != NULL && d->total != NULL) {
        d->kind = CONFIG_SLI_EVENTS;
    } else {
        free(d->num);
        free(d->total);
        d->kind = CONFIG_SLI_PROMQL;
        d->num = en;
        d->total = tn;
        en = tn = NULL;
    }
    d->ok = !m->y.oom;
out:
    free(en);
    free(tn);
}

static void sloth_sli(struct imp *m, const struct names *k, const yaml_node_t *slo_node,
                      const char *path, const char *slo, struct ind *d)
{
    static const char *const keys[] = {"events", "raw", "plugin"};
    yaml_node_t *sli = yr_get_opt(&m->y, slo_node, "sli");
    yaml_node_t *ev, *raw, *plugin;
    char p[PATHLEN];
    char q[PATHLEN];
    char s[80];

    yr_join(p, sizeof(p), path, "sli");
    if (sli == NULL || !yr_is_map(sli)) {
        imp_report(m, sli ? sli : slo_node, IMPORTER_SKIPPED, slo, sli ? p : path,
                   sli ? "expected a mapping with events, raw or plugin"
                       : "missing field \"sli\"");
        return;
    }
    imp_check_keys(m, sli, p, slo, keys, NELEMS(keys));
    ev = yr_get_opt(&m->y, sli, "events");
    raw = yr_get_opt(&m->y, sli, "raw");
    plugin = yr_get_opt(&m->y, sli, "plugin");
    if ((ev != NULL) + (raw != NULL) + (plugin != NULL) != 1) {
        imp_report(m, sli, IMPORTER_SKIPPED, slo, p,
                   "needs exactly one of events, raw and plugin");
        return;
    }
    if (plugin != NULL) {
        const char *id = yr_scalar(yr_get(&m->y, plugin, "id"));

        yr_join(q, sizeof(q), p, "plugin");
        imp_report(m, plugin, IMPORTER_SKIPPED, slo, q,
                   "SLI plugin \"%s\" is Go code that only Sloth runs; write the query it "
                   "generates (`sloth generate` prints it) as sli.raw.%s and import again",
                   id ? imp_shorten(id, s, sizeof(s)) : "?", k->error_ratio_query);
        return;
    }
    if (ev != NULL) {
        yr_join(q, sizeof(q), p, "events");
        if (!yr_is_map(ev))
            imp_report(m, ev, IMPORTER_SKIPPED, slo, q, "expected a mapping");
        else
            sloth_events(m, k, ev, q, slo, d);
        return;
    }
    yr_join(q, sizeof(q), p, "raw");
    if (!yr_is_map(raw)) {
        imp_report(m, raw, IMPORTER_SKIPPED, slo, q, "expected a mapping");
        return;
    }
    {
        const char *const rkeys[] = {k->error_ratio_query};
        const char *rq = imp_get_str(m, raw, q, k->error_ratio_query, slo, 1, IMPORTER_SKIPPED);
        char *rn = NULL;
        int has = 0, r;

        imp_check_keys(m, raw, q, slo, rkeys, NELEMS(rkeys));
        if (rq == NULL)
            return;
        r = imp_window_template(rq, &rn, &has);
        if (r < 0) {
            m->y.oom = 1;
            return;
        }
        if (r > 0 || !has) {
            yr_join(p, sizeof(p), q, k->error_ratio_query);
            imp_report(m, yr_get(&m->y, raw, k->error_ratio_query), IMPORTER_SKIPPED, slo, p, "%s",
                       r > 0 ? "a Go template action other than {{.window}}"
                             : "does not use {{.window}} (Sloth requires it)");
            free(rn);
            return;
        }
        imp_ratio_queries(m, rn, &d->num, &d->total);
        free(rn);
        d->kind = CONFIG_SLI_PROMQL;
        d->note = imp_ratio_note;
        d->ok = !m->y.oom;
    }
}

/* One of alerting.page_alert / ticket_alert (pageAlert / ticketAlert): disable, labels,
 * annotations. */
static void sloth_alert(struct imp *m, const yaml_node_t *al, const char *path, const char *key,
                        const char *slo, int *off, struct labels *lab, struct labels *ann)
{
    static const char *const keys[] = {"disable", "labels", "annotations"};
    yaml_node_t *a = yr_get_opt(&m->y, al, key);
    char p[PATHLEN];

    if (a == NULL)
        return;
    yr_join(p, sizeof(p), path, key);
    if (!yr_is_map(a)) {
        imp_report(m, a, IMPORTER_DROPPED, slo, p, "expected a mapping");
        return;
    }
    imp_check_keys(m, a, p, slo, keys, NELEMS(keys));
    imp_get_bool(m, a, p, "disable", slo, IMPORTER_DROPPED, off);
    imp_read_map(m, a, p, "labels", slo, IMP_MAP_ALERT, 0, lab);
    imp_read_map(m, a, p, "annotations", slo, IMP_MAP_ANY, 0, ann);
}

/*
 * alerting: Sloth's page and ticket alerts are the SRE workbook's table for
 * 30 days, the sidecar's default; labels and annotations of alerting apply
 * to both, those of page_alert/ticket_alert on top (as Sloth merges them).
 */
static void sloth_alerting(struct imp *m, const struct names *k, const yaml_node_t *slo_node,
                           const char *path, const char *slo, struct out_slo *o)
{
    const char *const keys[] = {"name", "labels", "annotations", k->page_alert, k->ticket_alert};
    yaml_node_t *al = yr_get_opt(&m->y, slo_node, "alerting");
    struct labels bl, ba, pl, pa, tl, ta;
    char p[PATHLEN];

    if (al == NULL)
        return;
    yr_join(p, sizeof(p), path, "alerting");
    if (!yr_is_map(al)) {
        imp_report(m, al, IMPORTER_DROPPED, slo, p, "expected a mapping");
        return;
    }
    imp_check_keys(m, al, p, slo, keys, NELEMS(keys));
    imp_alert_name_note(m, al, p, slo, o->name);
    labels_init(&bl);
    labels_init(&ba);
    labels_init(&pl);
    labels_init(&pa);
    labels_init(&tl);
    labels_init(&ta);
    imp_read_map(m, al, p, "labels", slo, IMP_MAP_ALERT, 0, &bl);
    imp_read_map(m, al, p, "annotations", slo, IMP_MAP_ANY, 0, &ba);
    sloth_alert(m, al, p, k->page_alert, slo, &o->page_off, &pl, &pa);
    sloth_alert(m, al, p, k->ticket_alert, slo, &o->ticket_off, &tl, &ta);
    merge(m, &o->page_labels, &bl);
    merge(m, &o->page_labels, &pl);
    merge(m, &o->page_ann, &ba);
    merge(m, &o->page_ann, &pa);
    merge(m, &o->ticket_labels, &bl);
    merge(m, &o->ticket_labels, &tl);
    merge(m, &o->ticket_ann, &ba);
    merge(m, &o->ticket_ann, &ta);
    imp_alerts_off(m, al, slo, p, o);
    labels_free(&bl);
    labels_free(&ba);
    labels_free(&pl);
    labels_free(&pa);
    labels_free(&tl);
    labels_free(&ta);
}

/*
 * One SLO of service, written when it converts and emit is set (else only
 * checked: the spec's own problems were reported, and the SLO's are too).
 */
static void sloth_slo(struct imp *m, const struct names *k, const yaml_node_t *n, const char *path,
                      const char *service, const struct labels *svc_labels, int emit)
{
    static const char *const keys[] = {"name",   "description", "objective", "plugins",
                                       "labels", "sli",         "alerting"};
    struct out_slo o;
    struct ind d;
    const char *name;
    const char *desc;
    const char *obj;
    char label[PATHLEN];
    const char *slo;
    double x = 0;
    size_t before = m->nskipped;
    size_t mark = m->y.nmsgs;

    imp_out_init(&o);
    memset(&d, 0, sizeof(d));
    if (!yr_is_map(n)) {
        imp_report(m, n, IMPORTER_SKIPPED, NULL, path, "expected a mapping (an SLO)");
        return;
    }
    imp_check_keys(m, n, path, NULL, keys, NELEMS(keys));
    name = imp_get_str(m, n, path, "name", NULL, 1, IMPORTER_SKIPPED);
    if (name == NULL)
        return;
    snprintf(label, sizeof(label), "%s-%s", service, name);
    slo = label;
    if (!imp_slo_name_ok(name)) {
        char p[PATHLEN];
        char s[80];

        yr_join(p, sizeof(p), path, "name");
        imp_report(m, yr_get(&m->y, n, "name"), IMPORTER_SKIPPED, NULL, p,
                   "invalid name \"%s\" (Sloth and the sidecar want [a-zA-Z0-9_.-]+)",
                   imp_shorten(name, s, sizeof(s)));
        return;
    }
    imp_set(m, &o.name, slo);
    imp_set(m, &o.service, service);
    o.comment = util_asprintf("%s %s, SLO %s (%s:%zu)", k->what, service, name, m->y.file,
                              (size_t)n->start_mark.line + 1);
    if (o.comment == NULL)
        m->y.oom = 1;
    desc = imp_get_str(m, n, path, "description", slo, 0, IMPORTER_DROPPED);
    if (desc != NULL)
        imp_set(m, &o.description, desc);
    obj = imp_get_num(m, n, path, "objective", slo, 1, IMPORTER_SKIPPED, &x);
    if (obj != NULL) {
        if (!(x > 0 && x < 100)) {
            char p[PATHLEN];

            yr_join(p, sizeof(p), path, "objective");
            imp_report(m, yr_get(&m->y, n, "objective"), IMPORTER_SKIPPED, slo, p,
                       "%s: the sidecar's objective is above 0 and below 100", obj);
        } else {
            imp_set(m, &o.objective, obj);
        }
    }
    imp_set(m, &o.period, "30d");
    o.period_note = "Sloth's default period; use the one you run `sloth generate` with";
    merge(m, &o.labels, svc_labels);
    imp_read_map(m, n, path, "labels", slo, IMP_MAP_SERIES, 0, &o.labels);
    if (yr_get_opt(&m->y, n, "plugins") != NULL) {
        char p[PATHLEN];

        yr_join(p, sizeof(p), path, "plugins");
        imp_report(m, yr_get(&m->y, n, "plugins"), IMPORTER_DROPPED, slo, p,
                   "Sloth SLO plugins change the rules Sloth generates; the sidecar has none");
    }
    sloth_sli(m, k, n, path, slo, &d);
    sloth_alerting(m, k, n, path, slo, &o);
    if (emit && d.ok && o.objective != NULL && m->nskipped == before && !m->y.oom) {
        o.kind = d.kind;
        o.num = d.num;
        o.total = d.total;
        d.num = d.total = NULL;
        if (d.note != NULL)
            imp_report(m, yr_get(&m->y, n, "sli"), IMPORTER_NOTE, slo, NULL, "%s", d.note + 6);
        if (o.kind == CONFIG_SLI_PROMQL && d.note == NULL)
            o.sli_note = "Sloth's queries as written: promql mode only";
        else if (d.note != NULL)
            o.sli_note = "Sloth's ratio per window; see the note on stderr";
        imp_emit(m, &o, n);
    }
    if (m->nskipped != before)
        imp_forget_since(m, mark);
    imp_ind_free(&d);
    imp_out_free(&o);
}

/*
 * The service, labels, plugins and SLOs of a spec (a prometheus/v1 file's
 * root, or a resource's spec at path "spec"), field names k.
 */
static void sloth_spec(struct imp *m, const struct names *k, const yaml_node_t *spec,
                       const char *path)
{
    const char *const keys[] = {"version", "service", "labels", k->slo_plugins, "slos"};
    yaml_node_t *slos = yr_get_opt(&m->y, spec, "slos");
    const char *service;
    struct labels svc;
    char p[PATHLEN];
    char s[80];

    /* version is the file's; a resource's spec has none. */
    imp_check_keys(m, spec, path, NULL, *path ? keys + 1 : keys, NELEMS(keys) - (*path != 0));
    service = imp_get_str(m, spec, path, "service", NULL, 1, IMPORTER_SKIPPED);
    yr_join(p, sizeof(p), path, "service");
    if (service != NULL && !imp_slo_name_ok(service)) {
        imp_report(m, yr_get(&m->y, spec, "service"), IMPORTER_SKIPPED, NULL, p,
                   "invalid service \"%s\" (Sloth wants [a-zA-Z0-9_.-]+); document skipped",
                   imp_shorten(service, s, sizeof(s)));
        service = NULL;
    }
    yr_join(p, sizeof(p), path, "slos");
    if (!yr_is_seq(slos) || yr_seq_len(slos) == 0) {
        imp_report(m, slos ? slos : spec, IMPORTER_SKIPPED, NULL, p,
                   "expected a list of SLOs; document skipped");
        return;
    }
    labels_init(&svc);
    imp_read_map(m, spec, path, "labels", NULL, IMP_MAP_SERIES, 0, &svc);
    if (yr_get_opt(&m->y, spec, k->slo_plugins) != NULL) {
        yr_join(p, sizeof(p), path, k->slo_plugins);
        imp_report(m, yr_get(&m->y, spec, k->slo_plugins), IMPORTER_DROPPED, NULL, p,
                   "Sloth SLO plugins change the rules Sloth generates; the sidecar has none");
    }
    /* Without a service the SLOs are still read, so that all reasons show at once. */
    for (size_t i = 0; i < yr_seq_len(slos) && !m->y.oom && !m->too_big; i++) {
        char q[PATHLEN];

        yr_join(p, sizeof(p), path, "slos");
        yr_join_index(q, sizeof(q), p, i);
        sloth_slo(m, k, yr_seq_item(&m->y, slos, i), q, service ? service : "?", &svc,
                  service != NULL);
    }
    labels_free(&svc);
}

/*
 * A sloth.slok.dev/v1 PrometheusServiceLevel: its spec is a prometheus/v1
 * spec in camelCase; metadata names the Kubernetes object only.
 */
static void sloth_kube(struct imp *m, const yaml_node_t *root, const char *api, const char *dpath)
{
    static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", "status"};
    const char *kind = yr_scalar(yr_get(&m->y, root, "kind"));
    yaml_node_t *spec = yr_get_opt(&m->y, root, "spec");
    yaml_node_t *meta = yr_get_opt(&m->y, root, "metadata");
    char s[80];

    if (strcmp(api, "sloth.slok.dev/v1") != 0 || kind == NULL ||
        strcmp(kind, "PrometheusServiceLevel") != 0) {
        imp_report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                   "%s %s is not a PrometheusServiceLevel of sloth.slok.dev/v1; document skipped",
                   imp_shorten(api, s, sizeof(s)), kind ? kind : "(no kind)");
        return;
    }
    m->kube = 1;
    imp_check_keys(m, root, dpath, NULL, keys, NELEMS(keys));
    if (yr_is_map(meta) && yr_get_opt(&m->y, meta, "labels") != NULL)
        imp_report(m, yr_get(&m->y, meta, "labels"), IMPORTER_NOTE, NULL, "metadata.labels",
                   "the Kubernetes object's labels (which select it for the operator) are not "
                   "the SLOs' labels; not converted (spec.labels are)");
    if (!yr_is_map(spec)) {
        imp_report(m, spec ? spec : root, IMPORTER_SKIPPED, NULL, "spec",
                   spec ? "expected a mapping" : "missing field \"spec\"; document skipped");
        return;
    }
    sloth_spec(m, &kube_names, spec, "spec");
}

void imp_sloth_doc(struct imp *m, const yaml_node_t *root, size_t di, size_t ndocs)
{
    const char *version = yr_scalar(yr_get(&m->y, root, "version"));
    const char *api = yr_scalar(yr_get(&m->y, root, "apiVersion"));
    yaml_node_t *slos;
    char dpath[32];
    char s[80];
    int kube;

    snprintf(dpath, sizeof(dpath), "document %zu", di + 1);
    if (ndocs == 1)
        dpath[0] = '\0';
    /* Counted where they will be read: a resource's spec, else the spec itself. */
    kube = api != NULL && strncmp(api, "sloth.slok.dev/", 15) == 0;
    slos = yr_get_opt(&m->y, kube ? yr_get_opt(&m->y, root, "spec") : root, "slos");
    if (yr_is_seq(slos))
        m->nin += yr_seq_len(slos);
    if (!yr_is_map(root)) {
        imp_report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                   "expected a mapping with version, service and slos; document skipped");
        return;
    }
    if (kube) {
        sloth_kube(m, root, api, dpath);
        return;
    }
    if (version == NULL || strcmp(version, "prometheus/v1") != 0) {
        if (api != NULL && strncmp(api, "openslo/", 8) == 0)
            imp_report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                       "this is OpenSLO (apiVersion %s); use --from=openslo",
                       imp_shorten(api, s, sizeof(s)));
        else if (api != NULL && strncmp(api, "pyrra.dev/", 10) == 0)
            imp_report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                       "this is a Pyrra resource (apiVersion %s); use --from=pyrra",
                       imp_shorten(api, s, sizeof(s)));
        else
            imp_report(m, version ? yr_get(&m->y, root, "version") : root, IMPORTER_SKIPPED, NULL,
                       dpath, "version is %s%s%s, not prometheus/v1; document skipped",
                       version ? "\"" : "",
                       version ? imp_shorten(version, s, sizeof(s)) : "missing",
                       version ? "\"" : "");
        return;
    }
    sloth_spec(m, &file_names, root, "");
}
