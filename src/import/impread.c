/*
 * impread: the importer's lenient field readers, which report what is wrong
 * and go on. See impread.h.
 */
#include "impread.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "impmsg.h"
#include "selector.h"
#include "yamlread.h"

#define MAX_ENTRIES 256 /* entries of one labels or annotations map (as in config) */
#define MAX_KEYLEN 1000 /* YAML implicit keys must stay under 1024 characters */

void imp_check_keys(struct imp *m, const yaml_node_t *n, const char *path, const char *slo,
                    const char *const *keys, size_t nkeys)
{
    if (!yr_is_map(n))
        return;
    m->y.keep = 1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yr_node(&m->y, p->key);
        const char *name = yr_scalar(k);
        char s[80];
        size_t i;

        if (name == NULL) {
            imp_report(m, k, IMPORTER_NOTE, slo, path, "a key that is not a string; ignored");
            continue;
        }
        for (i = 0; i < nkeys; i++)
            if (strcmp(name, keys[i]) == 0)
                break;
        if (i == nkeys) {
            imp_report(m, k, IMPORTER_NOTE, slo, path, "unknown field \"%s\"; ignored",
                       imp_shorten(name, s, sizeof(s)));
            continue;
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const char *k2 = yr_scalar(yr_node(&m->y, q->key));

            if (k2 != NULL && strcmp(k2, name) == 0) {
                imp_report(m, k, IMPORTER_DROPPED, slo, path,
                           "field \"%s\" repeats the one at line %zu; this one is ignored", name,
                           (size_t)yr_node(&m->y, q->key)->start_mark.line + 1);
                break;
            }
        }
    }
    m->y.keep = 0;
}

const char *imp_get_str(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                        const char *slo, int required, enum importer_level lv)
{
    yaml_node_t *v = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];
    const char *s;

    yr_join(p, sizeof(p), path, key);
    if (v == NULL) {
        if (required)
            imp_report(m, n, lv, slo, path, "missing required field \"%s\"", key);
        return NULL;
    }
    s = yr_scalar(v);
    if (s == NULL)
        imp_report(m, v, lv, slo, p, "expected a string");
    else if (required && *s == '\0') {
        imp_report(m, v, lv, slo, p, "must not be empty");
        return NULL;
    }
    return s;
}

int imp_get_bool(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                 const char *slo, enum importer_level lv, int *out)
{
    yaml_node_t *v = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];

    if (v == NULL)
        return 1;
    if (yr_plain_bool(v, out) == 0)
        return 0;
    yr_join(p, sizeof(p), path, key);
    imp_report(m, v, lv, slo, p, "expected true or false");
    return -1;
}

const char *imp_get_num(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                        const char *slo, int required, enum importer_level lv, double *out)
{
    yaml_node_t *v = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];
    char s[80];
    const char *t;

    if (v == NULL) {
        if (required)
            imp_report(m, n, lv, slo, path, "missing required field \"%s\"", key);
        return NULL;
    }
    yr_join(p, sizeof(p), path, key);
    t = yr_scalar(v);
    if (yr_plain_number(v, out) != 0) {
        imp_report(m, v, lv, slo, p, "expected a number, got %s%s%s",
                   t && v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ? "the string \"" : "",
                   t ? imp_shorten(t, s, sizeof(s)) : "no scalar",
                   t && v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ? "\"" : "");
        return NULL;
    }
    return t;
}

void imp_set(struct imp *m, char **dst, const char *s)
{
    char *d = util_strdup(s);

    if (d == NULL) {
        m->y.oom = 1;
        return;
    }
    free(*dst);
    *dst = d;
}

static int name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

int imp_slo_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if (!name_char_ok(*p))
            return 0;
    return 1;
}

char *imp_slug(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *d = malloc(n + 1);
    int dash = 0;

    if (d == NULL)
        return NULL;
    for (const char *p = s; *p; p++) {
        if (name_char_ok(*p)) {
            if (dash && o > 0)
                d[o++] = '-';
            dash = 0;
            d[o++] = *p;
        } else {
            dash = 1;
        }
    }
    while (o > 0 && d[o - 1] == '-')
        o--;
    d[o] = '\0';
    return d;
}

void imp_read_map(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                  const char *slo, enum imp_map_kind kind, int openslo, struct labels *out)
{
    yaml_node_t *v = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];
    size_t cnt;

    if (v == NULL)
        return;
    yr_join(p, sizeof(p), path, key);
    if (!yr_is_map(v)) {
        imp_report(m, v, IMPORTER_DROPPED, slo, p, "expected a mapping of names to strings");
        return;
    }
    cnt = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    if (cnt > MAX_ENTRIES) {
        imp_report(m, v, IMPORTER_DROPPED, slo, p, "has %zu entries; at most %d are allowed", cnt,
                   MAX_ENTRIES);
        return;
    }
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *k = yr_node(&m->y, q->key);
        yaml_node_t *val = yr_node(&m->y, q->value);
        const char *name = yr_scalar(k);
        const char *value = yr_scalar(val);
        char s[80];
        char *fixed = NULL;

        if (name == NULL) {
            imp_report(m, k, IMPORTER_DROPPED, slo, p, "a name that is not a string");
            continue;
        }
        /* OpenSLO allows a list of values; one value is a label's value. */
        if (openslo && yr_seq_len(val) == 1 && yr_scalar(yr_seq_item(&m->y, val, 0)) != NULL)
            value = yr_scalar(yr_seq_item(&m->y, val, 0));
        if (value == NULL && !yr_is_null(val)) {
            imp_report(m, val, IMPORTER_DROPPED, slo, p, "\"%s\": %s",
                       imp_shorten(name, s, sizeof(s)),
                       openslo && yr_is_seq(val) ? "a label has one value, not a list of several"
                                                 : "expected a string value");
            continue;
        }
        if (value == NULL)
            value = "";
        if (kind == IMP_MAP_ANY) {
            if (strlen(name) > MAX_KEYLEN) {
                imp_report(m, k, IMPORTER_DROPPED, slo, p, "a name longer than %d bytes",
                           MAX_KEYLEN);
                continue;
            }
        } else {
            if (openslo && !selector_name_ok(name, 0) && *name != '\0') {
                fixed = util_strdup(name);
                if (fixed == NULL) {
                    m->y.oom = 1;
                    return;
                }
                for (char *c = fixed; *c; c++)
                    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
                          (*c >= '0' && *c <= '9' && c > fixed)))
                        *c = '_';
                imp_report(m, k, IMPORTER_NOTE, slo, p, "label \"%s\" written as \"%s\"",
                           imp_shorten(name, s, sizeof(s)), fixed);
                name = fixed;
            }
            if (!selector_name_ok(name, 0)) {
                imp_report(m, k, IMPORTER_DROPPED, slo, p,
                           "\"%s\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                           imp_shorten(name, s, sizeof(s)));
                free(fixed);
                continue;
            }
            if (strncmp(name, "__", 2) == 0) {
                imp_report(m, k, IMPORTER_DROPPED, slo, p,
                           "label names starting with \"__\" are reserved (\"%s\")", name);
                free(fixed);
                continue;
            }
            if (kind == IMP_MAP_SERIES) {
                if (config_label_reserved(name)) {
                    imp_report(m, k, IMPORTER_DROPPED, slo, p,
                               "label \"%s\" is one the sidecar sets on its series itself", name);
                    free(fixed);
                    continue;
                }
            }
        }
        if (labels_set(out, name, value) != 0)
            m->y.oom = 1;
        free(fixed);
    }
}

void imp_alerts_off(struct imp *m, const yaml_node_t *at, const char *slo, const char *path,
                    struct out_slo *o)
{
    if (o->page_off && o->ticket_off)
        imp_report(m, at, IMPORTER_NOTE, slo, path,
                   "both alerts are disabled: written as alerting.page: false and ticket: false "
                   "(the SLO's figures are still exported, without slo_alert_firing)");
    if (o->page_off) {
        labels_free(&o->page_labels);
        labels_free(&o->page_ann);
    }
    if (o->ticket_off) {
        labels_free(&o->ticket_labels);
        labels_free(&o->ticket_ann);
    }
}

void imp_alert_name_note(struct imp *m, const yaml_node_t *al, const char *path, const char *slo,
                         const char *out_name)
{
    const char *name = imp_get_str(m, al, path, "name", slo, 0, IMPORTER_NOTE);
    char q[PATHLEN];

    if (name == NULL)
        return;
    yr_join(q, sizeof(q), path, "name");
    imp_report(m, yr_get(&m->y, al, "name"), IMPORTER_NOTE, slo, q,
               "the sidecar's alerts are named SLOErrorBudgetBurnPage and "
               "SLOErrorBudgetBurnTicket (slo=\"%s\"), not %s",
               out_name, name);
}

yaml_node_t *imp_one_window(struct imp *m, const yaml_node_t *spec, yaml_node_t *tw,
                            const char *field, const char *slo, const char *path)
{
    char f[64];
    yaml_node_t *w;

    if (!yr_is_seq(tw) || yr_seq_len(tw) != 1) {
        snprintf(f, sizeof(f), "spec.%s", field);
        imp_report(m, tw ? tw : spec, IMPORTER_SKIPPED, slo, tw ? f : "spec",
                   tw ? "expected a list with exactly one time window"
                      : "no %s: the sidecar needs a period",
                   field);
        return NULL;
    }
    w = yr_seq_item(&m->y, tw, 0);
    if (!yr_is_map(w)) {
        imp_report(m, w, IMPORTER_SKIPPED, slo, path, "expected a mapping");
        return NULL;
    }
    return w;
}
