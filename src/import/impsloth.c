/*
 * impsloth: Sloth prometheus/v1 specs into SLOs, field by field. See
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
static void sloth_events(struct imp *m, const yaml_node_t *ev, const char *path, const char *slo,
                         struct ind *d)
{
    static const char *const keys[] = {"error_query", "total_query"};
    const char *err_q = imp_get_str(m, ev, path, "error_query", slo, 1, IMPORTER_SKIPPED);
    const char *tot_q = imp_get_str(m, ev, path, "total_query", slo, 1, IMPORTER_SKIPPED);
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
        yr_join(p, sizeof(p), path, re > 0 || !he ? "error_query" : "total_query");
        imp_report(m, yr_get(&m->y, ev, re > 0 || !he ? "error_query" : "total_query"),
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

static void sloth_sli(struct imp *m, const yaml_node_t *slo_node, const char *path,
                      const char *slo, struct ind *d)
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
        imp_report(
            m, plugin, IMPORTER_SKIPPED, slo, q,
            "SLI plugin \"%s\" is Go code that only Sloth runs; write the query it "
            "generates (`sloth generate` prints it) as sli.raw.error_ratio_query and import "
            "again",
            id ? imp_shorten(id, s, sizeof(s)) : "?");
        return;
    }
    if (ev != NULL) {
        yr_join(q, sizeof(q), p, "events");
        if (!yr_is_map(ev))
            imp_report(m, ev, IMPORTER_SKIPPED, slo, q, "expected a mapping");
        else
            sloth_events(m, ev, q, slo, d);
        return;
    }
    yr_join(q, sizeof(q), p, "raw");
    if (!yr_is_map(raw)) {
        imp_report(m, raw, IMPORTER_SKIPPED, slo, q, "expected a mapping");
        return;
    }
    {
        static const char *const rkeys[] = {"error_ratio_query"};
        const char *rq = imp_get_str(m, raw, q, "error_ratio_query", slo, 1, IMPORTER_SKIPPED);
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
            yr_join(p, sizeof(p), q, "error_ratio_query");
            imp_report(m, yr_get(&m->y, raw, "error_ratio_query"), IMPORTER_SKIPPED, slo, p, "%s",
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

/* One of alerting.page_alert / ticket_alert: disable, labels, annotations. */
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
static void sloth_alerting(struct imp *m, const yaml_node_t *slo_node, const char *path,
                           const char *slo, struct out_slo *o)
{
    static const char *const keys[] = {"name", "labels", "annotations", "page_alert",
                                       "ticket_alert"};
    yaml_node_t *al = yr_get_opt(&m->y, slo_node, "alerting");
    struct labels bl, ba, pl, pa, tl, ta;
    const char *name;
    char p[PATHLEN];
    char q[PATHLEN];

    if (al == NULL)
        return;
    yr_join(p, sizeof(p), path, "alerting");
    if (!yr_is_map(al)) {
        imp_report(m, al, IMPORTER_DROPPED, slo, p, "expected a mapping");
        return;
    }
    imp_check_keys(m, al, p, slo, keys, NELEMS(keys));
    name = imp_get_str(m, al, p, "name", slo, 0, IMPORTER_NOTE);
    if (name != NULL) {
        yr_join(q, sizeof(q), p, "name");
        imp_report(m, yr_get(&m->y, al, "name"), IMPORTER_NOTE, slo, q,
                   "the sidecar's alerts are named SLOErrorBudgetBurnPage and "
                   "SLOErrorBudgetBurnTicket (slo=\"%s\"), not %s",
                   o->name, name);
    }
    labels_init(&bl);
    labels_init(&ba);
    labels_init(&pl);
    labels_init(&pa);
    labels_init(&tl);
    labels_init(&ta);
    imp_read_map(m, al, p, "labels", slo, IMP_MAP_ALERT, 0, &bl);
    imp_read_map(m, al, p, "annotations", slo, IMP_MAP_ANY, 0, &ba);
    sloth_alert(m, al, p, "page_alert", slo, &o->page_off, &pl, &pa);
    sloth_alert(m, al, p, "ticket_alert", slo, &o->ticket_off, &tl, &ta);
    merge(m, &o->page_labels, &bl);
    merge(m, &o->page_labels, &pl);
    merge(m, &o->page_ann, &ba);
    merge(m, &o->page_ann, &pa);
    merge(m, &o->ticket_labels, &bl);
    merge(m, &o->ticket_labels, &tl);
    merge(m, &o->ticket_ann, &ba);
    merge(m, &o->ticket_ann, &ta);
    if (o->page_off && o->ticket_off) {
        imp_report(m, al, IMPORTER_DROPPED, slo, p,
                   "both alerts are disabled, and the sidecar cannot turn off all its alerts "
                   "(alerting.windows needs a row): the default page and ticket alerts apply");
        o->page_off = o->ticket_off = 0;
    }
    /* A disabled alert's routing is not written. */
    if (o->page_off) {
        labels_free(&o->page_labels);
        labels_free(&o->page_ann);
    }
    if (o->ticket_off) {
        labels_free(&o->ticket_labels);
        labels_free(&o->ticket_ann);
    }
    labels_free(&bl);
    labels_free(&ba);
    labels_free(&pl);
    labels_free(&pa);
    labels_free(&tl);
    labels_free(&ta);
}

static void sloth_slo(struct imp *m, const yaml_node_t *n, const char *path, const char *service,
                      const struct labels *svc_labels)
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
    o.comment = util_asprintf("Sloth service %s, SLO %s (%s:%zu)", service, name, m->y.file,
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
    sloth_sli(m, n, path, slo, &d);
    sloth_alerting(m, n, path, slo, &o);
    if (d.ok && o.objective != NULL && m->nskipped == before && !m->y.oom) {
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

void imp_sloth_doc(struct imp *m, const yaml_node_t *root, size_t di, size_t ndocs)
{
    static const char *const keys[] = {"version", "service", "labels", "slo_plugins", "slos"};
    const char *version = yr_scalar(yr_get(&m->y, root, "version"));
    const char *service;
    yaml_node_t *slos;
    struct labels svc;
    char dpath[32];
    char s[80];

    snprintf(dpath, sizeof(dpath), "document %zu", di + 1);
    if (ndocs == 1)
        dpath[0] = '\0';
    slos = yr_get_opt(&m->y, root, "slos");
    if (yr_is_seq(slos))
        m->nin += yr_seq_len(slos);
    if (!yr_is_map(root)) {
        imp_report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                   "expected a mapping with version, service and slos; document skipped");
        return;
    }
    if (version == NULL || strcmp(version, "prometheus/v1") != 0) {
        const char *api = yr_scalar(yr_get(&m->y, root, "apiVersion"));

        if (api != NULL && strncmp(api, "openslo/", 8) == 0)
            imp_report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                       "this is OpenSLO (apiVersion %s); use --from=openslo",
                       imp_shorten(api, s, sizeof(s)));
        else if (api != NULL && strncmp(api, "sloth.slok.dev/", 15) == 0)
            imp_report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                       "a Sloth Kubernetes resource (%s); only the prometheus/v1 file format is "
                       "supported: save its spec as a file with version: prometheus/v1",
                       imp_shorten(api, s, sizeof(s)));
        else
            imp_report(m, version ? yr_get(&m->y, root, "version") : root, IMPORTER_SKIPPED, NULL,
                       dpath, "version is %s%s%s, not prometheus/v1; document skipped",
                       version ? "\"" : "",
                       version ? imp_shorten(version, s, sizeof(s)) : "missing",
                       version ? "\"" : "");
        return;
    }
    imp_check_keys(m, root, "", NULL, keys, NELEMS(keys));
    service = imp_get_str(m, root, "", "service", NULL, 1, IMPORTER_SKIPPED);
    if (service == NULL)
        return;
    if (!imp_slo_name_ok(service)) {
        imp_report(m, yr_get(&m->y, root, "service"), IMPORTER_SKIPPED, NULL, "service",
                   "invalid service \"%s\" (Sloth wants [a-zA-Z0-9_.-]+); document skipped",
                   imp_shorten(service, s, sizeof(s)));
        return;
    }
    if (!yr_is_seq(slos) || yr_seq_len(slos) == 0) {
        imp_report(m, slos ? slos : root, IMPORTER_SKIPPED, NULL, "slos",
                   "expected a list of SLOs; document skipped");
        return;
    }
    labels_init(&svc);
    imp_read_map(m, root, "", "labels", NULL, IMP_MAP_SERIES, 0, &svc);
    if (yr_get_opt(&m->y, root, "slo_plugins") != NULL)
        imp_report(m, yr_get(&m->y, root, "slo_plugins"), IMPORTER_DROPPED, NULL, "slo_plugins",
                   "Sloth SLO plugins change the rules Sloth generates; the sidecar has none");
    for (size_t i = 0; i < yr_seq_len(slos) && !m->y.oom && !m->too_big; i++) {
        char p[PATHLEN];

        yr_join_index(p, sizeof(p), "slos", i);
        sloth_slo(m, yr_seq_item(&m->y, slos, i), p, service, &svc);
    }
    labels_free(&svc);
}
