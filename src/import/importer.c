/*
 * importer: Sloth, OpenSLO and Pyrra specs into slo-sidecar's config YAML (see
 * importer.h). libyaml's document API keeps a start mark on every
 * node, so each message points at the field it is about. The input is
 * bounded like the config loader's (tokens, nesting, anchors, aliases, and
 * nodes and text with aliases expanded) before anything is walked.
 *
 * What gets written: an SLO is converted only when what it measures (its
 * SLI, objective and period) can be expressed faithfully; otherwise it is
 * skipped and each reason reported. Parts that change no figure (a label,
 * alert routing) are dropped one by one and reported, and the SLO is kept.
 * Each converted SLO is loaded with config_parse() under a stand-in global
 * section before it is written, so the output is always a valid config
 * once the placeholder URL is filled in; anything the checks here missed
 * is reported with the loader's words and the SLO skipped.
 *
 * This file runs one conversion and assembles the output; a document that
 * is a list of objects is split into them first. The parts, one job each:
 * impsloth, impopenslo (with impperiod) and imppyrra convert the three
 * formats; impread reads the source's fields, imppromql rewrites its
 * queries, impwrite writes an SLO's YAML, impcheck loads it back before it
 * is written, impmsg records the messages; impint.h holds what they share.
 */
#include "importer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "impint.h"
#include "impmsg.h"
#include "impopenslo.h"
#include "imppyrra.h"
#include "impsloth.h"
#include "impwrite.h"
#include "util.h"
#include "yamlread.h"

/*
 * The input is bounded as a config file is (config_yaml_limits), over all
 * its documents. The walk reads no deeper than level 10 (OpenSLO's
 * spec.indicator.spec.ratioMetric.good.metricSource.spec.query is the
 * deepest), so aliases are expanded to level 12 when the input is measured.
 */
#define WALK_DEPTH 12
#define MAX_DOCS 10000

/* Whether root is a list of objects: a sequence whose items are all mappings. */
static int object_list(struct imp *m, const yaml_node_t *root)
{
    if (!yr_is_seq(root) || yr_seq_len(root) == 0)
        return 0;
    for (size_t i = 0; i < yr_seq_len(root); i++)
        if (!yr_is_map(yr_seq_item(&m->y, root, i)))
            return 0;
    return 1;
}

/*
 * The items of a Kubernetes list (kind: List or any *List, kubectl's
 * output) when root is one, else NULL.
 */
static yaml_node_t *kube_items(struct imp *m, const yaml_node_t *root)
{
    const char *kind = yr_scalar(yr_get(&m->y, root, "kind"));
    yaml_node_t *items = yr_get_opt(&m->y, root, "items");
    size_t kl = kind ? strlen(kind) : 0;

    if (kl < 4 || strcmp(kind + kl - 4, "List") != 0 || !object_list(m, items))
        return NULL;
    return items;
}

/*
 * The objects of the ndocs documents at docs into *out (caller frees): each
 * document's root, or the items of a root that is a list of objects, so that
 * a file written as one YAML list converts as its documents would. Returns
 * 0, or -1 when out of memory (m->y.oom set).
 */
static int expand_roots(struct imp *m, yaml_document_t *docs, size_t ndocs, struct imp_root **out,
                        size_t *nout)
{
    size_t n = 0, k = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ndocs; i++) {
            yaml_node_t *root = yaml_document_get_root_node(&docs[i]);
            yaml_node_t *list;

            m->y.doc = &docs[i];
            list = object_list(m, root) ? root : kube_items(m, root);
            for (size_t j = 0; j < (list ? yr_seq_len(list) : 1); j++) {
                if (pass == 1) {
                    (*out)[k].doc = &docs[i];
                    (*out)[k].root = list ? yr_seq_item(&m->y, list, j) : root;
                }
                k++;
            }
        }
        if (pass == 0) {
            n = k;
            k = 0;
            *out = calloc(n ? n : 1, sizeof(**out));
            if (*out == NULL) {
                m->y.oom = 1;
                return -1;
            }
        }
    }
    *nout = n;
    return 0;
}

/* The header comment and global skeleton, then the SLOs, into r->output. */
static int assemble(struct imp *m, struct importer_result *r)
{
    struct buf b;
    int rc = 0;

    buf_init(&b, IMPORTER_MAX_OUTPUT + 8192);
    rc |= buf_puts(&b, "# slo-sidecar configuration converted from ");
    rc |= imp_put_comment_text(&b, m->y.file);
    rc |= buf_printf(&b, " (%s)\n",
                     m->fmt == IMPORTER_SLOTH
                         ? (m->kube ? "Sloth PrometheusServiceLevel" : "Sloth prometheus/v1")
                     : m->fmt == IMPORTER_OPENSLO
                         ? (m->alpha_seen ? "OpenSLO v1 and v1alpha" : "OpenSLO v1")
                         : "Pyrra ServiceLevelObjective");
    rc |=
        buf_printf(&b,
                   "# by `slo-sidecar import --from=%s`: %zu of %zu SLOs; what was not converted "
                   "is\n# listed on stderr. Fill in global.prometheus, then run "
                   "`slo-sidecar check`.\n",
                   importer_format_str(m->fmt), m->nout, m->nin);
    rc |= buf_puts(&b, "global:\n"
                       "  interval: 30s\n"
                       "  prometheus:\n"
                       "    url: " IMPORTER_URL_PLACEHOLDER
                       "  # TODO: the Prometheus base URL, e.g. http://prometheus:9090\n");
    if (m->any_promql)
        rc |= buf_puts(&b, "    mode: promql                  # the promql SLIs below need it\n");
    else
        rc |= buf_puts(&b, "    mode: promql\n"
                           "    # mode: remote_read           # exact counts from raw samples; "
                           "every SLI below allows it\n");
    rc |= buf_puts(&b, "    # timeout: 10s\n"
                       "    # headers: {X-Scope-OrgID: team-a}\n"
                       "    # bearer_token_file: /var/run/secrets/token\n"
                       "  # labels: {cluster: prod}      # added to every slo_* series\n"
                       "slos:\n");
    rc |= buf_append(&b, m->body.data, m->body.len);
    if (rc != 0) {
        buf_free(&b);
        return -1;
    }
    r->output = buf_steal(&b);
    return r->output ? 0 : -1;
}

int importer_convert(enum importer_format f, const char *name, const char *data, size_t len,
                     struct importer_result *r)
{
    struct yr_limits limits = config_yaml_limits;
    struct imp m;
    yaml_document_t *docs = NULL;
    struct imp_root *roots = NULL;
    size_t ndocs = 0, nroots = 0;
    int rc = -1;

    importer_result_free(r);
    memset(&m, 0, sizeof(m));
    limits.walk_depth = WALK_DEPTH;
    limits.max_docs = MAX_DOCS;
    yr_init(&m.y, name, &limits);
    m.y.level = IMPORTER_ERROR;
    m.fmt = f;
    buf_init(&m.body, IMPORTER_MAX_OUTPUT);
    if (yr_load(&m.y, data, len, &docs, &ndocs) != 0)
        goto done;
    if (ndocs == 0) {
        imp_add_msg(&m, 0, 0, IMPORTER_ERROR, "empty input: no YAML document");
        goto done;
    }
    if (expand_roots(&m, docs, ndocs, &roots, &nroots) != 0)
        goto done;
    if (f == IMPORTER_OPENSLO) {
        imp_openslo_all(&m, roots, nroots);
    } else {
        for (size_t i = 0; i < nroots && !m.y.oom && !m.too_big; i++) {
            m.y.doc = roots[i].doc;
            if (f == IMPORTER_SLOTH)
                imp_sloth_doc(&m, roots[i].root, i, nroots);
            else
                imp_pyrra_doc(&m, roots[i].root, i, nroots);
        }
    }
    if (m.too_big) {
        char t[96];

        snprintf(t, sizeof(t), "the converted config would be larger than %u MiB",
                 IMPORTER_MAX_OUTPUT >> 20);
        imp_add_msg(&m, 0, 0, IMPORTER_ERROR, t);
        goto done;
    }
    if (m.y.oom)
        goto done;
    if (m.nout == 0) {
        if (m.nin > 0)
            imp_add_msg(&m, 0, 0, IMPORTER_ERROR, "no SLO could be converted");
        else if (f == IMPORTER_SLOTH)
            imp_add_msg(&m, 0, 0, IMPORTER_ERROR,
                        "no Sloth prometheus/v1 spec or PrometheusServiceLevel to convert");
        else if (f == IMPORTER_PYRRA)
            imp_add_msg(&m, 0, 0, IMPORTER_ERROR, "no Pyrra ServiceLevelObjective to convert");
        goto done;
    }
    if (assemble(&m, r) != 0) {
        m.y.oom = 1;
        goto done;
    }
    rc = 0;
done:
    if (m.y.oom) {
        free(r->output);
        r->output = NULL;
        imp_add_msg(&m, 0, 0, IMPORTER_ERROR, "out of memory");
        rc = -1;
    }
    if (m.y.lost > 0) {
        char t[96];

        snprintf(t, sizeof(t), "%zu more messages not shown (only the first %zu are)", m.y.lost,
                 limits.max_msgs);
        imp_add_msg(&m, 0, 0, IMPORTER_NOTE, t);
    }
    yr_sort(&m.y);
    /*
     * Positioned messages first, in input order, then the file-level ones
     * (which sort first by position but sum up, as "no SLO could be
     * converted" does).
     */
    r->msg = calloc(m.y.nmsgs ? m.y.nmsgs : 1, sizeof(*r->msg));
    if (r->msg == NULL) {
        for (size_t i = 0; i < m.y.nmsgs; i++)
            free(m.y.msgs[i].text);
        free(r->output);
        r->output = NULL;
        rc = -1;
    } else {
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < m.y.nmsgs; i++)
                if ((m.y.msgs[i].line == 0) == (pass == 1)) {
                    r->msg[r->n].level = m.y.msgs[i].level;
                    r->msg[r->n].text = m.y.msgs[i].text;
                    r->n++;
                }
    }
    free(m.y.msgs);
    r->ndropped = m.ndropped;
    r->nskipped = m.nskipped;
    r->nslos_in = m.nin;
    r->nslos_out = rc == 0 ? m.nout : 0;
    for (size_t i = 0; i < m.nnames; i++)
        free(m.names[i]);
    free(m.names);
    free(m.odocs);
    free(roots);
    yr_docs_free(docs, ndocs);
    buf_free(&m.body);
    return rc;
}

void importer_result_init(struct importer_result *r)
{
    memset(r, 0, sizeof(*r));
}

void importer_result_free(struct importer_result *r)
{
    if (r == NULL)
        return;
    free(r->output);
    for (size_t i = 0; i < r->n; i++)
        free(r->msg[i].text);
    free(r->msg);
    importer_result_init(r);
}

int importer_format_parse(const char *s, enum importer_format *out)
{
    if (s != NULL && strcmp(s, "sloth") == 0)
        *out = IMPORTER_SLOTH;
    else if (s != NULL && strcmp(s, "openslo") == 0)
        *out = IMPORTER_OPENSLO;
    else if (s != NULL && strcmp(s, "pyrra") == 0)
        *out = IMPORTER_PYRRA;
    else
        return -1;
    return 0;
}

const char *importer_format_str(enum importer_format f)
{
    return f == IMPORTER_SLOTH ? "sloth" : f == IMPORTER_OPENSLO ? "openslo" : "pyrra";
}
