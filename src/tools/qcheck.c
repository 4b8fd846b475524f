/*
 * qcheck: the queries of a config, checked. See qcheck.h.
 *
 * The queries come from the same builders the daemon uses (sliquery for
 * promql mode, selector_format for the raw reads), so what is checked is
 * what would be sent. A message needs the position of the field in the
 * file, which the loaded config does not keep: the file is read again
 * (once per file, and only when there is something to report) and the
 * SLO's node found by its line and name.
 */
#include "qcheck.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pqsyntax.h"
#include "promql.h"
#include "selector.h"
#include "slo.h"
#include "sliquery.h"
#include "yamlread.h"

#define WINDOW_KEY "{{.window}}"

/* Any fixed time will do: it only decides a calendar period's window length. */
#define WINDOWS_AT_MS 1700000000000LL

/* One query of an SLO, and where it comes from. */
struct query {
    const char *field;   /* the key under sli.<kind>: "error_query", "total", "gauge" */
    const char *written; /* a template as written, whose columns map to the file; or NULL */
    char win[32];        /* the window expanded into written */
    char *text;          /* as sent */
    int range;           /* a bare range selector: its answer is a range vector */
    int send;            /* the store is asked about it (one per field and shape) */
};

struct queries {
    struct query *v;
    size_t n;
};

/* The config file last read for positions. */
struct where {
    char *file;
    struct buf b;
    yaml_document_t *docs;
    size_t ndocs;
    struct yr y;
};

void qcheck_report_init(struct qcheck_report *r)
{
    memset(r, 0, sizeof(*r));
}

void qcheck_report_free(struct qcheck_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nmsgs; i++)
        free(r->msgs[i]);
    free(r->msgs);
    qcheck_report_init(r);
}

/* What a message counts as. */
enum {
    NOTE,
    WARNING,
    ERROR
};

/* Adds msg (owned; NULL is out of memory) to r as level. 0 or -1. */
static int report_add(struct qcheck_report *r, char *msg, int level)
{
    char **nv;

    if (msg == NULL)
        return -1;
    nv = realloc(r->msgs, (r->nmsgs + 1) * sizeof(*nv));
    if (nv == NULL) {
        free(msg);
        return -1;
    }
    r->msgs = nv;
    r->msgs[r->nmsgs++] = msg;
    if (level == ERROR)
        r->errors++;
    else if (level == WARNING)
        r->warnings++;
    return 0;
}

static void queries_free(struct queries *qs)
{
    for (size_t i = 0; i < qs->n; i++)
        free(qs->v[i].text);
    free(qs->v);
    qs->v = NULL;
    qs->n = 0;
}

/* Adds a query (text owned; NULL is out of memory). 0 or -1. */
static int add(struct queries *qs, const char *field, char *text, int range, int send)
{
    struct query *nv;

    if (text == NULL)
        return -1;
    nv = realloc(qs->v, (qs->n + 1) * sizeof(*nv));
    if (nv == NULL) {
        free(text);
        return -1;
    }
    qs->v = nv;
    memset(&nv[qs->n], 0, sizeof(nv[qs->n]));
    nv[qs->n].field = field;
    nv[qs->n].text = text;
    nv[qs->n].range = range;
    nv[qs->n].send = send;
    qs->n++;
    return 0;
}

/* The bare range selector the exact engine reads sel with. */
static int add_range(struct queries *qs, const char *field, const struct selector *sel,
                     const char *suffix, const char *extra_name, enum selector_op extra_op,
                     const char *extra_value)
{
    char *s = selector_format(sel, suffix, extra_name, extra_op, extra_value);
    char *q = s != NULL ? util_asprintf("%s[5m]", s) : NULL;

    free(s);
    return add(qs, field, q, 1, 1);
}

static const char *part_field(const struct config_slo *slo, enum answer_part part)
{
    if (slo->kind == CONFIG_SLI_LATENCY)
        return "histogram";
    if (slo->kind == CONFIG_SLI_PROMQL)
        return part == ANSWER_TOTAL ? "total_query"
               : part == ANSWER_BAD ? "error_query"
                                    : "good_query";
    return part == ANSWER_TOTAL ? "total" : part == ANSWER_BAD ? "error" : "good";
}

/* The promql mode queries of slo (events, latency, free PromQL). 0 or -1. */
static int promql_queries(const struct config_slo *slo, struct queries *qs, struct err *e)
{
    struct slo_window w[SLO_MAX_WINDOWS];
    size_t nw = slo_windows(slo, WINDOWS_AT_MS, w, SLO_MAX_WINDOWS);
    struct sliquery *sq = NULL;
    size_t n = 0;

    if (sliquery_build(slo, w, nw, &sq, &n, e) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct query *q;

        /* Free PromQL is sent once per window: the store is asked about the first. */
        if (add(qs, part_field(slo, sq[i].part), sq[i].text, 0, sq[i].window <= 0) != 0) {
            sq[i].text = NULL;
            goto fail;
        }
        sq[i].text = NULL;
        q = &qs->v[qs->n - 1];
        if (slo->kind == CONFIG_SLI_PROMQL && sq[i].window >= 0) {
            const struct config_sli_promql *pq = &slo->promql;

            q->written = sq[i].part == ANSWER_TOTAL ? pq->total_query
                         : sq[i].part == ANSWER_BAD ? pq->error_query
                                                    : pq->good_query;
            if (util_duration_format(w[sq[i].window].ms, q->win, sizeof(q->win)) != 0)
                snprintf(q->win, sizeof(q->win), "%lldms", (long long)w[sq[i].window].ms);
        }
    }
    sliquery_free(sq, n);
    return 0;
fail:
    sliquery_free(sq, n);
    return util_err(e, "out of memory");
}

/* Every query the sidecar would send for slo under cfg's mode. 0 or -1 with e set. */
static int slo_queries(const struct config *cfg, const struct config_slo *slo, struct queries *qs,
                       struct err *e)
{
    int exact = cfg->prometheus.mode != CONFIG_MODE_PROMQL;
    char le[128];
    int rc = 0;

    switch (slo->kind) {
    case CONFIG_SLI_EVENTS:
        if (!exact)
            return promql_queries(slo, qs, e);
        if (slo->events.error_sel != NULL)
            rc |= add_range(qs, "error", slo->events.error_sel, NULL, NULL, SELECTOR_EQ, NULL);
        if (slo->events.good_sel != NULL)
            rc |= add_range(qs, "good", slo->events.good_sel, NULL, NULL, SELECTOR_EQ, NULL);
        rc |= add_range(qs, "total", slo->events.total_sel, NULL, NULL, SELECTOR_EQ, NULL);
        break;
    case CONFIG_SLI_LATENCY:
        if (!exact)
            return promql_queries(slo, qs, e);
        selector_le_regex(slo->latency.threshold, le, sizeof(le));
        rc |= add_range(qs, "histogram", slo->latency.histogram_sel, "_bucket", "le", SELECTOR_RE,
                        le);
        rc |= add_range(qs, "histogram", slo->latency.histogram_sel, "_count", NULL, SELECTOR_EQ,
                        NULL);
        break;
    case CONFIG_SLI_TIMESLICE:
        /* Judged from raw samples in every mode. */
        rc = add_range(qs, "gauge", slo->timeslice.gauge_sel, NULL, NULL, SELECTOR_EQ, NULL);
        break;
    case CONFIG_SLI_PROMQL:
        return promql_queries(slo, qs, e);
    }
    if (rc != 0)
        return util_err(e, "out of memory");
    return 0;
}

/* ---- positions ---- */

static void where_drop(struct where *w)
{
    yr_docs_free(w->docs, w->ndocs);
    w->docs = NULL;
    w->ndocs = 0;
    yr_free(&w->y);
    buf_free(&w->b);
    free(w->file);
    w->file = NULL;
}

/* Reads file into w unless it holds it already. 0, or -1 when it cannot be read. */
static int where_load(struct where *w, const char *file)
{
    char *msg = NULL;

    if (w->file != NULL && strcmp(w->file, file) == 0)
        return w->ndocs > 0 ? 0 : -1;
    where_drop(w);
    w->file = util_strdup(file);
    if (w->file == NULL)
        return -1;
    yr_init(&w->y, w->file, &config_yaml_limits);
    if (yr_read_file(file, CONFIG_MAX_BYTES, &w->b, &msg) != 0) {
        free(msg);
        return -1;
    }
    if (yr_load(&w->y, w->b.data, w->b.len, &w->docs, &w->ndocs) != 0 || w->ndocs == 0)
        return -1;
    w->y.doc = &w->docs[0];
    return 0;
}

/* The SLO's node in the file: by the line it starts on, else by name. */
static yaml_node_t *find_slo(struct where *w, const struct config_slo *slo)
{
    yaml_node_t *slos = yr_get(&w->y, yaml_document_get_root_node(w->y.doc), "slos");
    yaml_node_t *by_name = NULL;

    for (size_t i = 0; i < yr_seq_len(slos); i++) {
        yaml_node_t *n = yr_seq_item(&w->y, slos, i);
        const char *name = yr_scalar(yr_get(&w->y, n, "name"));

        if (name == NULL || strcmp(name, slo->name) != 0)
            continue;
        if ((int)n->start_mark.line + 1 == slo->line)
            return n;
        if (by_name == NULL)
            by_name = n;
    }
    return by_name;
}

static const char *kind_key(enum config_sli_kind k)
{
    switch (k) {
    case CONFIG_SLI_EVENTS:
        return "events";
    case CONFIG_SLI_LATENCY:
        return "latency";
    case CONFIG_SLI_TIMESLICE:
        return "timeslice";
    case CONFIG_SLI_PROMQL:
        return "promql";
    }
    return "";
}

/*
 * The byte in the file where the scalar n's value starts, when n is written
 * on one line exactly as its text (plain, or quoted without escapes), so a
 * column inside the text is a column in the file; else SIZE_MAX.
 */
static size_t verbatim_start(const struct where *w, const yaml_node_t *n)
{
    const char *text = yr_text(n);
    size_t len = strlen(text), line = 0, b = 0, quote;

    if (n->type != YAML_SCALAR_NODE || n->start_mark.line != n->end_mark.line)
        return SIZE_MAX;
    quote = n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
            n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    if (!quote && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return SIZE_MAX;
    while (line < n->start_mark.line && b < w->b.len)
        if (w->b.data[b++] == '\n')
            line++;
    /* libyaml counts columns in characters: only an ASCII prefix maps to bytes. */
    for (size_t k = 0; k < n->start_mark.column; k++)
        if (b + k >= w->b.len || (unsigned char)w->b.data[b + k] >= 0x80)
            return SIZE_MAX;
    b += n->start_mark.column + quote;
    if (b + len > w->b.len || memcmp(w->b.data + b, text, len) != 0)
        return SIZE_MAX;
    if (quote && (b + len >= w->b.len || w->b.data[b + len] != w->b.data[b - 1]))
        return SIZE_MAX;
    return (size_t)n->start_mark.column + quote;
}

/* The offset in tmpl of byte off of tmpl expanded with win (a placeholder's start inside one). */
static size_t template_offset(const char *tmpl, const char *win, size_t off)
{
    size_t ti = 0, qi = 0, wl = strlen(win), kl = strlen(WINDOW_KEY);

    while (tmpl[ti] != '\0') {
        if (strncmp(tmpl + ti, WINDOW_KEY, kl) == 0) {
            if (off < qi + wl)
                return ti;
            qi += wl;
            ti += kl;
            continue;
        }
        if (qi == off)
            return ti;
        qi++;
        ti++;
    }
    return ti;
}

/*
 * Where to point for query q of slo: *line and *col (1-based) of the field,
 * or of the character at off (0-based in q->text; SIZE_MAX: none) when the
 * field is a template written verbatim. Falls back to the SLO's line.
 */
static void locate(struct where *w, const struct config *cfg, const struct config_slo *slo,
                   const struct query *q, size_t off, size_t *line, size_t *col)
{
    const char *file = slo->file != NULL ? slo->file : cfg->path;
    yaml_node_t *n = NULL, *sli;
    size_t start;

    *line = slo->line > 0 ? (size_t)slo->line : 1;
    *col = 1;
    if (file == NULL || where_load(w, file) != 0)
        return;
    n = find_slo(w, slo);
    sli = n != NULL ? yr_get(&w->y, yr_get(&w->y, n, "sli"), kind_key(slo->kind)) : NULL;
    n = sli != NULL ? yr_get(&w->y, sli, q->field) : n;
    if (n == NULL)
        return;
    *line = n->start_mark.line + 1;
    *col = n->start_mark.column + 1;
    if (n != sli && q->written != NULL && off != SIZE_MAX && yr_scalar(n) != NULL &&
        strcmp(yr_text(n), q->written) == 0 && (start = verbatim_start(w, n)) != SIZE_MAX)
        *col = start + template_offset(q->written, q->win, off) + 1;
}

/* ---- messages ---- */

/* Room for a query in a message; longer ones are cut around the position. */
#define SHOWN 100

/* The part of text around the 0-based off that a message quotes, into buf. */
static void excerpt(const char *text, size_t off, char *buf, size_t len)
{
    size_t n = strlen(text), from = 0, to = n;

    if (n > SHOWN) {
        from = off > SHOWN * 2 / 3 ? off - SHOWN * 2 / 3 : 0;
        to = from + SHOWN < n ? from + SHOWN : n;
    }
    snprintf(buf, len, "%s%.*s%s", from > 0 ? "..." : "", (int)(to - from), text + from,
             to < n ? "..." : "");
}

static const char *file_of(const struct config *cfg, const struct config_slo *slo)
{
    return slo->file != NULL ? slo->file : cfg->path != NULL ? cfg->path : "config";
}

/* What pqsyntax says about q, as a message (owned; NULL when out of memory). */
static char *syntax_msg(struct where *w, const struct config *cfg, const struct config_slo *slo,
                        const struct query *q, const struct pqsyntax_error *pe, const char *prefix,
                        const char *suffix)
{
    char ex[SHOWN + 16];
    size_t line, col;

    locate(w, cfg, slo, q, pe->pos - 1, &line, &col);
    excerpt(q->text, pe->pos - 1, ex, sizeof(ex));
    return util_asprintf("%s:%zu:%zu: %sSLO %s: %s: %s at char %zu: %s%s", file_of(cfg, slo), line,
                         col, prefix, slo->name, q->field, pe->msg, pe->pos, ex, suffix);
}

/* The store's own words from promql's message: after "HTTP 400: " when it is there. */
static const char *store_words(const char *msg)
{
    const char *h = strstr(msg, "HTTP 4");

    if (h != NULL && strstr(h, ": ") != NULL)
        return strstr(h, ": ") + 2;
    return msg;
}

/*
 * Asks the store about q. 0 accepted, 1 refused (*refusal set), -1 when it
 * could not be asked (e says why).
 */
static int ask(struct promql_client *pc, const struct query *q, struct err *refusal, struct err *e)
{
    struct promql_result res;
    long status;
    int rc;

    promql_result_init(&res);
    if (q->range)
        rc = promql_query_matrix(pc, q->text, QCHECK_STORE_TIME_MS, NULL, &res, e);
    else
        rc = promql_query(pc, q->text, QCHECK_STORE_TIME_MS, &res, e);
    promql_result_free(&res);
    if (rc == 0)
        return 0;
    status = promql_client_last_status(pc);
    if (status == 400 || status == 422) {
        *refusal = *e;
        return 1;
    }
    return -1;
}

/* One SLO: its queries checked, and asked about when pc is set. 0 or -1 (out of memory). */
static int check_slo(struct where *w, const struct config *cfg, const struct config_slo *slo,
                     struct promql_client *pc, struct qcheck_report *r, struct err *e)
{
    struct queries qs = {NULL, 0};
    const char *done[4]; /* fields with an error reported: one per field is enough */
    size_t ndone = 0;
    int rc = -1;

    if (slo_queries(cfg, slo, &qs, e) != 0)
        goto out;
    for (size_t i = 0; i < qs.n; i++) {
        const struct query *q = &qs.v[i];
        struct pqsyntax_error pe;
        enum pqsyntax_type type;
        struct err refusal, ae;
        int bad = 0, asked;
        size_t k;

        for (k = 0; k < ndone && strcmp(done[k], q->field) != 0; k++)
            ;
        if (k < ndone || ndone == sizeof(done) / sizeof(done[0]))
            continue;
        r->queries++;
        if (pqsyntax_check(q->text, strlen(q->text), &type, &pe) != 0) {
            bad = 1;
        } else if (!q->range && type != PQSYNTAX_SCALAR && type != PQSYNTAX_VECTOR) {
            pe.kind = PQSYNTAX_ERR_TYPE;
            pe.pos = 1;
            snprintf(pe.msg, sizeof(pe.msg),
                     "the query gives a %s; the sidecar needs an instant vector or a scalar",
                     pqsyntax_type_name(type));
            bad = 1;
        }
        /* Without a store the checker decides; with one, the store does (its dialect
         * may accept more than PromQL: MetricsQL's functions, rate(x) without a range). */
        if (bad && (pc == NULL || r->unreachable)) {
            const char *hint = pe.kind == PQSYNTAX_ERR_FUNCTION && pc == NULL
                                   ? " (not PromQL; if the store speaks a dialect such as "
                                     "MetricsQL, check --query.check=backend asks it)"
                                   : "";

            if (report_add(r, syntax_msg(w, cfg, slo, q, &pe, "", hint), ERROR) != 0)
                goto oom;
            done[ndone++] = q->field;
            continue;
        }
        if (pc == NULL || r->unreachable || (!q->send && !bad))
            continue;
        r->sent++;
        asked = ask(pc, q, &refusal, &ae);
        if (asked < 0) {
            r->unreachable = 1;
            if (report_add(r,
                           util_asprintf("%s: cannot check the queries with the store: %s",
                                         file_of(cfg, slo), ae.msg),
                           NOTE) != 0)
                goto oom;
            if (bad) {
                if (report_add(r, syntax_msg(w, cfg, slo, q, &pe, "", ""), ERROR) != 0)
                    goto oom;
                done[ndone++] = q->field;
            }
            continue;
        }
        if (asked == 1) {
            size_t line, col;

            locate(w, cfg, slo, q, SIZE_MAX, &line, &col);
            if (report_add(r,
                           util_asprintf("%s:%zu:%zu: SLO %s: the store refused %s: %s",
                                         file_of(cfg, slo), line, col, slo->name, q->field,
                                         store_words(refusal.msg)),
                           ERROR) != 0)
                goto oom;
            done[ndone++] = q->field;
        } else if (bad) {
            if (report_add(r,
                           syntax_msg(w, cfg, slo, q, &pe,
                                      "warning: ", " (not PromQL, but the store accepts it)"),
                           WARNING) != 0)
                goto oom;
            done[ndone++] = q->field;
        }
    }
    rc = 0;
    goto out;
oom:
    util_err(e, "out of memory");
out:
    queries_free(&qs);
    return rc;
}

int qcheck_run(const struct config *cfg, struct promql_client *pc, struct qcheck_report *r,
               struct err *e)
{
    struct where w;
    int rc = 0;

    memset(&w, 0, sizeof(w));
    for (size_t i = 0; i < cfg->nslos && rc == 0; i++)
        rc = check_slo(&w, cfg, &cfg->slos[i], pc, r, e);
    where_drop(&w);
    return rc;
}
