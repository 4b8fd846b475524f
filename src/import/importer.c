/*
 * importer: Sloth and OpenSLO specs into slo-sidecar's config YAML (see
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
 * This file runs one conversion and assembles the output. The parts, one
 * job each: impsloth and impopenslo (with impperiod) convert the two
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

/* The header comment and global skeleton, then the SLOs, into r->output. */
static int assemble(struct imp *m, struct importer_result *r)
{
    struct buf b;
    int rc = 0;

    buf_init(&b, IMPORTER_MAX_OUTPUT + 8192);
    rc |= buf_puts(&b, "# slo-sidecar configuration converted from ");
    rc |= imp_put_comment_text(&b, m->y.file);
    rc |= buf_printf(&b, " (%s)\n",
                     m->fmt == IMPORTER_SLOTH ? "Sloth prometheus/v1" : "OpenSLO v1");
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
    size_t ndocs = 0;
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
    if (f == IMPORTER_SLOTH) {
        for (size_t i = 0; i < ndocs && !m.y.oom && !m.too_big; i++) {
            m.y.doc = &docs[i];
            imp_sloth_doc(&m, yaml_document_get_root_node(&docs[i]), i, ndocs);
        }
    } else {
        imp_openslo_all(&m, docs, ndocs);
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
            imp_add_msg(&m, 0, 0, IMPORTER_ERROR, "no Sloth prometheus/v1 SLO to convert");
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
    else
        return -1;
    return 0;
}

const char *importer_format_str(enum importer_format f)
{
    return f == IMPORTER_SLOTH ? "sloth" : "openslo";
}
