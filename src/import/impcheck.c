/*
 * impcheck: each converted SLO loaded with config_parse() and compared with
 * what was meant, before it joins the output. See impcheck.h.
 */
#include "impcheck.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "impdefs.h"
#include "impmsg.h"
#include "impwrite.h"
#include "util.h"

/* The name config_parse() sees for the check of one converted SLO. */
#define CHECK_NAME "converted"

/*
 * Skips past "NAME:LINE:COL: " at the start of a config message, so that the
 * loader's words can be repeated at the position in the input.
 */
static const char *strip_position(const char *msg)
{
    size_t nl = strlen(CHECK_NAME);
    const char *p = msg;

    if (strncmp(p, CHECK_NAME ":", nl + 1) != 0)
        return msg;
    p += nl + 1;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == ':')
        p++;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p[0] == ':' && p[1] == ' ')
        p += 2;
    return p;
}

static int str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/*
 * The first field of the loaded SLO c that does not hold what o meant to
 * write, or NULL when all do: the writer's quoting must give back every
 * string exactly.
 */
static const char *differs(const struct config_slo *c, const struct out_slo *o)
{
    const char *num = NULL, *total = NULL;
    double x;

    if (!str_eq(c->name, o->name))
        return "name";
    if (!str_eq(c->service, o->service))
        return "service";
    if (!str_eq(c->description, o->description ? o->description : ""))
        return "description";
    if (util_parse_double(o->objective, &x) != 0 || c->objective_percent != x)
        return "objective";
    if (!str_eq(c->period_name, o->period))
        return "period";
    if ((c->timezone != NULL || o->timezone != NULL) && !str_eq(c->timezone, o->timezone))
        return "timezone";
    if (labels_cmp(&c->labels, &o->labels) != 0)
        return "labels";
    if (c->ngroup_by != o->ngroup_by)
        return "group_by";
    for (size_t i = 0; i < o->ngroup_by; i++)
        if (!str_eq(c->group_by[i], o->group_by[i]))
            return "group_by";
    if (c->kind != o->kind)
        return "sli";
    switch (c->kind) {
    case CONFIG_SLI_EVENTS:
        num = o->good_based ? c->events.good : c->events.error;
        total = c->events.total;
        break;
    case CONFIG_SLI_PROMQL:
        num = o->good_based ? c->promql.good_query : c->promql.error_query;
        total = c->promql.total_query;
        break;
    case CONFIG_SLI_TIMESLICE:
        if (!str_eq(c->timeslice.gauge, o->gauge) || c->timeslice.age != o->age ||
            !str_eq(config_cmp_str(c->timeslice.op), o->op) ||
            util_parse_double(o->value, &x) != 0 || c->timeslice.value != x)
            return "sli.timeslice";
        return NULL;
    case CONFIG_SLI_LATENCY:
    default:
        return "sli";
    }
    if (!str_eq(num, o->num) || !str_eq(total, o->total))
        return "sli";
    if (config_alert_enabled(c, CONFIG_SEVERITY_PAGE) != !o->page_off ||
        config_alert_enabled(c, CONFIG_SEVERITY_TICKET) != !o->ticket_off)
        return "alerting";
    if (!o->page_off && (labels_cmp(&c->page.labels, &o->page_labels) != 0 ||
                         labels_cmp(&c->page.annotations, &o->page_ann) != 0))
        return "alerting.page";
    if (!o->ticket_off && (labels_cmp(&c->ticket.labels, &o->ticket_labels) != 0 ||
                           labels_cmp(&c->ticket.annotations, &o->ticket_ann) != 0))
        return "alerting.ticket";
    return NULL;
}

/*
 * Loads o, rendered in r, with a stand-in global section. Returns 0 when it
 * loads; else reports the loader's messages at at (the SLO in the input) and
 * returns -1, or sets m->y.oom and returns -1 when the load ran out of memory.
 */
static int check_loads(struct imp *m, const struct buf *r, const yaml_node_t *at,
                       const struct out_slo *o)
{
    const char *slo = o->name;
    const char *bad;
    static const char head[] = "global:\n  prometheus: {url: 'http://prometheus:9090'}\nslos:\n";
    struct config *cfg = NULL;
    struct config_errors errs;
    struct buf t;
    int rc = -1, positioned = 0;

    buf_init(&t, (size_t)CONFIG_MAX_BYTES);
    config_errors_init(&errs);
    if (buf_puts(&t, head) != 0 || buf_append(&t, r->data, r->len) != 0) {
        if (t.len + r->len + sizeof(head) > (size_t)CONFIG_MAX_BYTES)
            imp_report(m, at, IMPORTER_SKIPPED, slo, NULL,
                       "the converted SLO is larger than a config file may be");
        else
            m->y.oom = 1;
        goto out;
    }
    if (config_parse(CHECK_NAME, t.data, t.len, &cfg, &errs) == 0) {
        bad = cfg->nslos == 1 ? differs(&cfg->slos[0], o) : "slos";
        if (bad != NULL)
            imp_report(m, at, IMPORTER_SKIPPED, slo, NULL,
                       "the converted SLO does not read back as written (%s); please report this",
                       bad);
        else
            rc = 0;
        goto out;
    }
    /*
     * Messages without a position are the loader running out of memory, and
     * so is a bare "yaml: syntax error": libyaml fails without setting
     * YAML_MEMORY_ERROR when it cannot copy a tag (loader.c), and its real
     * syntax errors always say what the problem is.
     */
    for (size_t i = 0; i < errs.n; i++) {
        if (strstr(errs.msg[i], "out of memory") != NULL ||
            strcmp(strip_position(errs.msg[i]), "yaml: syntax error") == 0) {
            positioned = 0;
            break;
        }
        if (strip_position(errs.msg[i]) != errs.msg[i]) {
            positioned = 1;
            imp_report(m, at, IMPORTER_SKIPPED, slo, NULL, "the converted SLO does not load: %s",
                       strip_position(errs.msg[i]));
        }
    }
    if (!positioned)
        m->y.oom = 1;
out:
    config_free(cfg);
    config_errors_free(&errs);
    buf_free(&t);
    return rc;
}

void imp_emit(struct imp *m, const struct out_slo *o, const yaml_node_t *at)
{
    struct buf r;
    char **nn;

    for (size_t i = 0; i < m->nnames; i++) {
        if (strcmp(m->names[i], o->name) == 0) {
            imp_report(m, at, IMPORTER_SKIPPED, o->name, NULL,
                       "an SLO of that name was converted already; names must be unique");
            return;
        }
    }
    buf_init(&r, IMPORTER_MAX_OUTPUT);
    if (imp_render(o, &r) != 0) {
        if (r.len + 4096 > IMPORTER_MAX_OUTPUT)
            m->too_big = 1;
        else
            m->y.oom = 1;
        goto out;
    }
    if (check_loads(m, &r, at, o) != 0)
        goto out;
    if (m->body.len + r.len > IMPORTER_MAX_OUTPUT) {
        m->too_big = 1;
        goto out;
    }
    nn = realloc(m->names, (m->nnames + 1) * sizeof(*nn));
    if (nn == NULL) {
        m->y.oom = 1;
        goto out;
    }
    m->names = nn;
    m->names[m->nnames] = util_strdup(o->name);
    if (m->names[m->nnames] == NULL || buf_append(&m->body, r.data, r.len) != 0) {
        free(m->names[m->nnames]);
        m->y.oom = 1;
        goto out;
    }
    m->nnames++;
    m->nout++;
    if (o->kind == CONFIG_SLI_PROMQL)
        m->any_promql = 1;
out:
    buf_free(&r);
}
