/*
 * importer: Sloth and OpenSLO specs into slo-sidecar's config YAML (see
 * include/importer.h). libyaml's document API keeps a start mark on every
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
 */
#include "importer.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "config.h"
#include "selector.h"
#include "util.h"
#include "yamlread.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define PATHLEN 256     /* field paths in messages; cut if longer */
#define MAX_ENTRIES 256 /* entries of one labels or annotations map (as in config) */
#define MAX_KEYLEN 1000 /* YAML implicit keys must stay under 1024 characters */

/*
 * The input is bounded as a config file is (config_yaml_limits), over all
 * its documents. The walk reads no deeper than level 10 (OpenSLO's
 * spec.indicator.spec.ratioMetric.good.metricSource.spec.query is the
 * deepest), so aliases are expanded to level 12 when the input is measured.
 */
#define WALK_DEPTH 12
#define MAX_DOCS 10000

/* The name config_parse() sees for the check of one converted SLO. */
#define CHECK_NAME "converted"

static const char window_tmpl[] = "{{.window}}";

/* An OpenSLO document, indexed before the SLOs are converted. */
struct odoc {
    yaml_document_t *doc;
    yaml_node_t *root;
    yaml_node_t *spec;
    const char *kind; /* NULL when missing */
    const char *name; /* metadata.name; NULL when missing */
    int v1;           /* apiVersion is openslo/v1 */
    int used;         /* an SLO refers to it (SLI) */
};

/* One conversion. */
struct imp {
    struct yr y; /* y.keep: the messages being recorded are kept by forget_since() */
    enum importer_format fmt;
    int too_big;     /* the output passed IMPORTER_MAX_OUTPUT */
    struct buf body; /* the slos: entries */
    char **names;    /* the SLO names written, for duplicates */
    size_t nnames;
    size_t nin;
    size_t nout;
    size_t ndropped;
    size_t nskipped;
    int any_promql; /* an SLO needs mode: promql */
    struct odoc *odocs;
    size_t nodocs;
};

/* What one converted SLO is made of, before it is written. */
struct out_slo {
    char *comment; /* the comment line above the entry */
    char *name;
    char *service;
    char *description; /* NULL: none */
    char *objective;   /* percent, as number text */
    char *period;
    const char *period_note; /* a comment after period, or NULL */
    char *timezone;          /* calendar periods: the IANA zone, NULL for UTC */
    struct labels labels;
    enum config_sli_kind kind;
    int good_based;
    char *num;   /* events: the error or good selector; promql: that query */
    char *total; /* events: the total selector; promql: total_query */
    char *gauge; /* timeslice */
    int age;
    const char *op;
    char *value;
    char *slice;
    const char *sli_note; /* a comment after "sli:", or NULL */
    struct labels page_labels;
    struct labels page_ann;
    struct labels ticket_labels;
    struct labels ticket_ann;
    int page_off;
    int ticket_off;
};

/* What an indicator converts to, before the objectives are known. */
struct ind {
    int ok;
    enum config_sli_kind kind; /* EVENTS, PROMQL or TIMESLICE */
    int good_based;
    char *num;
    char *total;
    char *gauge; /* thresholdMetric */
    int age;
    const char *note;
};

/* ---- messages ---- */

static void add_msg(struct imp *m, size_t line, size_t col, enum importer_level lv,
                    const char *text)
{
    if (lv == IMPORTER_DROPPED)
        m->ndropped++;
    else if (lv == IMPORTER_SKIPPED)
        m->nskipped++;
    yr_add(&m->y, line, col, (int)lv, text);
}

static void report(struct imp *m, const yaml_node_t *n, enum importer_level lv, const char *slo,
                   const char *field, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Records "FILE:LINE:COL: SLO slo: field: <level> message" at node n
 * (file-level when n is NULL); slo and field may be NULL.
 */
static void report(struct imp *m, const yaml_node_t *n, enum importer_level lv, const char *slo,
                   const char *field, const char *fmt, ...)
{
    static const char *const what[] = {"note: ", "not converted: ", "SLO not converted: ", ""};
    char text[1024];
    char full[1600];
    const char *prefix = what[lv];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (lv == IMPORTER_SKIPPED && slo == NULL)
        prefix = what[IMPORTER_DROPPED];
    snprintf(full, sizeof(full), "%s%s%s%s%s%s%s", slo ? "SLO " : "", slo ? slo : "",
             slo ? ": " : "", field && *field ? field : "", field && *field ? ": " : "", prefix,
             text);
    /* libyaml counts lines and columns from 0; editors from 1. */
    add_msg(m, n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, lv, full);
}

/*
 * Forgets the notes and dropped parts recorded since message mark: they are
 * about an SLO that was not converted at all, which its skip reasons say.
 * Notes about unknown and repeated fields stay: a typo may be the reason.
 */
static void forget_since(struct imp *m, size_t mark)
{
    size_t k = mark;

    for (size_t i = mark; i < m->y.nmsgs; i++) {
        if (!m->y.msgs[i].keep &&
            (m->y.msgs[i].level == IMPORTER_NOTE || m->y.msgs[i].level == IMPORTER_DROPPED)) {
            if (m->y.msgs[i].level == IMPORTER_DROPPED)
                m->ndropped--;
            free(m->y.msgs[i].text);
            continue;
        }
        m->y.msgs[k] = m->y.msgs[i];
        m->y.msgs[k].seq = k;
        k++;
    }
    m->y.nmsgs = k;
}

/*
 * Decodes one UTF-8 character of s (n bytes available) into *cp. Returns
 * its length, or 0 for an invalid sequence.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c;

    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        c = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        c = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
        return 0;
    *cp = c;
    return len;
}

/*
 * A character that may stand as itself in any YAML scalar and comment: YAML's
 * printable set without the characters YAML 1.1 reads as line breaks (NEL,
 * LS, PS) and without the byte order mark. Tab counts; newline does not.
 */
static int char_safe(uint32_t c)
{
    return c == '\t' || (c >= 0x20 && c <= 0x7e) ||
           (c >= 0xa0 && c <= 0xd7ff && c != 0x2028 && c != 0x2029) ||
           (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

/*
 * A short form of s for messages and comments (at most about 60 bytes, "..."
 * when cut, line breaks and tabs as spaces, other unsafe characters as "?"),
 * in buf.
 */
static const char *shorten(const char *s, char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, o = 0;

    while (i < n && o + 8 < len) {
        uint32_t c = 0;
        size_t l = utf8_decode(p + i, n - i, &c);

        if (o >= 60) {
            break;
        }
        if (l == 0 || !char_safe(c) || c == '\t') {
            buf[o++] = c == '\t' || c == '\n' || c == '\r' ? ' ' : '?';
            i += l ? l : 1;
            continue;
        }
        memcpy(buf + o, p + i, l);
        o += l;
        i += l;
    }
    if (i < n && o + 4 <= len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* ---- reading the YAML ---- */

/*
 * Notes the keys of mapping n that are not in keys (the source tool's
 * schema: nothing here reads them), and reports repeated keys, of which
 * only the first counts, as dropped.
 */
static void check_keys(struct imp *m, const yaml_node_t *n, const char *path, const char *slo,
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
            report(m, k, IMPORTER_NOTE, slo, path, "a key that is not a string; ignored");
            continue;
        }
        for (i = 0; i < nkeys; i++)
            if (strcmp(name, keys[i]) == 0)
                break;
        if (i == nkeys) {
            report(m, k, IMPORTER_NOTE, slo, path, "unknown field \"%s\"; ignored",
                   shorten(name, s, sizeof(s)));
            continue;
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const char *k2 = yr_scalar(yr_node(&m->y, q->key));

            if (k2 != NULL && strcmp(k2, name) == 0) {
                report(m, k, IMPORTER_DROPPED, slo, path,
                       "field \"%s\" repeats the one at line %zu; this one is ignored", name,
                       (size_t)yr_node(&m->y, q->key)->start_mark.line + 1);
                break;
            }
        }
    }
    m->y.keep = 0;
}

/*
 * The string at key of mapping n: NULL when absent or null (reported at lv
 * when required), or when not a string (always reported at lv).
 */
static const char *get_str(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                           const char *slo, int required, enum importer_level lv)
{
    yaml_node_t *v = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];
    const char *s;

    yr_join(p, sizeof(p), path, key);
    if (v == NULL) {
        if (required)
            report(m, n, lv, slo, path, "missing required field \"%s\"", key);
        return NULL;
    }
    s = yr_scalar(v);
    if (s == NULL)
        report(m, v, lv, slo, p, "expected a string");
    else if (required && *s == '\0') {
        report(m, v, lv, slo, p, "must not be empty");
        return NULL;
    }
    return s;
}

/*
 * A boolean at key: 1 or 0 into *out, returning 0; 1 when absent (*out
 * untouched); -1 when not a boolean (reported at lv).
 */
static int get_bool(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                    const char *slo, enum importer_level lv, int *out)
{
    yaml_node_t *v = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];

    if (v == NULL)
        return 1;
    if (yr_plain_bool(v, out) == 0)
        return 0;
    yr_join(p, sizeof(p), path, key);
    report(m, v, lv, slo, p, "expected true or false");
    return -1;
}

/*
 * A number at key as its text: an unquoted, finite number. NULL when
 * absent (reported at lv when required) or not such a number (reported).
 */
static const char *get_num(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                           const char *slo, int required, enum importer_level lv, double *out)
{
    yaml_node_t *v = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];
    char s[80];
    const char *t;

    if (v == NULL) {
        if (required)
            report(m, n, lv, slo, path, "missing required field \"%s\"", key);
        return NULL;
    }
    yr_join(p, sizeof(p), path, key);
    t = yr_scalar(v);
    if (yr_plain_number(v, out) != 0) {
        report(m, v, lv, slo, p, "expected a number, got %s%s%s",
               t && v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ? "the string \"" : "",
               t ? shorten(t, s, sizeof(s)) : "no scalar",
               t && v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ? "\"" : "");
        return NULL;
    }
    return t;
}

/* ---- writing YAML ---- */

/* Whether s can be written as a plain scalar and read back as the same string. */
static int plain_ok(const char *s)
{
    static const char *const words[] = {"y",     "n",  "yes", "no",  "true",
                                        "false", "on", "off", "null"};

    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-' || *p == '/'))
            return 0;
    for (size_t i = 0; i < NELEMS(words); i++)
        if (strcasecmp(s, words[i]) == 0)
            return 0;
    return 1;
}

/* s double-quoted, every character YAML might not keep as itself escaped. */
static int put_dq(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    int rc = buf_puts(b, "\"");

    while (i < n && rc == 0) {
        uint32_t c;
        size_t l = utf8_decode(p + i, n - i, &c);

        if (l == 0)
            return -1; /* not UTF-8: libyaml's input never is */
        if (c == '"' || c == '\\')
            rc = buf_printf(b, "\\%c", (char)c);
        else if (c == '\n')
            rc = buf_puts(b, "\\n");
        else if (c == '\t')
            rc = buf_puts(b, "\\t");
        else if (char_safe(c))
            rc = buf_append(b, p + i, l);
        else if (c < 0x100)
            rc = buf_printf(b, "\\x%02x", (unsigned)c);
        else if (c < 0x10000)
            rc = buf_printf(b, "\\u%04x", (unsigned)c);
        else
            rc = buf_printf(b, "\\U%08x", (unsigned)c);
        i += l;
    }
    return rc != 0 ? -1 : buf_puts(b, "\"");
}

/*
 * Writes s as a YAML scalar that reads back as exactly s: plain when that is
 * unambiguous, single-quoted on one line, a literal block (its lines at
 * indent spaces) for multi-line text such as Sloth's queries, and
 * double-quoted with escapes otherwise. Returns 0 or -1 (buffer full).
 */
static int put_str(struct buf *b, const char *s, int indent)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, trailing = 0;
    int nl = 0, safe = 1;
    int rc = 0;

    while (i < n) {
        uint32_t c;
        size_t l = utf8_decode(p + i, n - i, &c);

        if (l == 0)
            return -1;
        if (c == '\n')
            nl = 1;
        else if (!char_safe(c))
            safe = 0;
        i += l;
    }
    /*
     * A block scalar takes its indentation from its first line, so that one
     * must not start with white space; later lines may (they keep it).
     */
    if (!safe || (nl && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n')))
        return put_dq(b, s);
    if (!nl) {
        if (*s != '\0' && plain_ok(s))
            return buf_puts(b, s);
        rc |= buf_puts(b, "'");
        for (const char *q = s; *q && rc == 0; q++)
            rc |= *q == '\'' ? buf_puts(b, "''") : buf_append(b, q, 1);
        return rc | buf_puts(b, "'");
    }
    while (trailing < n && s[n - 1 - trailing] == '\n')
        trailing++;
    rc |= buf_puts(b, trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+");
    for (const char *line = s; rc == 0 && line < s + n - trailing;) {
        const char *e = memchr(line, '\n', (size_t)(s + n - trailing - line));
        size_t ll = e ? (size_t)(e - line) : (size_t)(s + n - trailing - line);

        rc |= buf_puts(b, "\n");
        if (ll > 0)
            rc |= buf_printf(b, "%*s", indent, "") | buf_append(b, line, ll);
        line += ll + (e ? 1 : 0);
    }
    for (size_t k = 1; k < trailing && rc == 0; k++)
        rc |= buf_puts(b, "\n");
    return rc;
}

/* A comment line's text from s: unsafe characters and line breaks become spaces. */
static int put_comment_text(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    int rc = 0;

    while (i < n && rc == 0) {
        uint32_t c;
        size_t l = utf8_decode(p + i, n - i, &c);

        if (l == 0 || !char_safe(c)) {
            rc = buf_puts(b, " ");
            i += l ? l : 1;
            continue;
        }
        rc = buf_append(b, p + i, l);
        i += l;
    }
    return rc;
}

/* "key: value" lines of a string map at indent; "name: {}" never happens (empty maps are left out).
 */
static int put_map(struct buf *b, const char *key, const struct labels *l, int indent)
{
    int rc = buf_printf(b, "%*s%s:\n", indent, "", key);

    for (size_t i = 0; i < l->n && rc == 0; i++) {
        rc |= buf_printf(b, "%*s", indent + 2, "");
        rc |= put_str(b, l->v[i].name, indent + 4);
        rc |= buf_puts(b, ": ");
        rc |= put_str(b, l->v[i].value, indent + 4);
        rc |= buf_puts(b, "\n");
    }
    return rc;
}

static int put_field(struct buf *b, int indent, const char *key, const char *value)
{
    int rc = buf_printf(b, "%*s%s: ", indent, "", key);

    rc |= put_str(b, value, indent + 2);
    return rc | buf_puts(b, "\n");
}

static void out_init(struct out_slo *o)
{
    memset(o, 0, sizeof(*o));
    labels_init(&o->labels);
    labels_init(&o->page_labels);
    labels_init(&o->page_ann);
    labels_init(&o->ticket_labels);
    labels_init(&o->ticket_ann);
}

static void out_free(struct out_slo *o)
{
    free(o->comment);
    free(o->name);
    free(o->service);
    free(o->description);
    free(o->objective);
    free(o->period);
    free(o->timezone);
    labels_free(&o->labels);
    free(o->num);
    free(o->total);
    free(o->gauge);
    free(o->value);
    free(o->slice);
    labels_free(&o->page_labels);
    labels_free(&o->page_ann);
    labels_free(&o->ticket_labels);
    labels_free(&o->ticket_ann);
}

static int put_route(struct buf *b, const char *sev, const struct labels *l, const struct labels *a)
{
    int rc = 0;

    if (l->n == 0 && a->n == 0)
        return 0;
    rc |= buf_printf(b, "      %s:\n", sev);
    if (l->n > 0)
        rc |= put_map(b, "labels", l, 8);
    if (a->n > 0)
        rc |= put_map(b, "annotations", a, 8);
    return rc;
}

/* The SLO entry of o, as written under "slos:". Returns 0 or -1 (buffer full). */
static int render(const struct out_slo *o, struct buf *b)
{
    static const char *const kinds[] = {"events", "latency", "timeslice", "promql"};
    int rc = 0;

    if (o->comment != NULL) {
        rc |= buf_puts(b, "  # ");
        rc |= put_comment_text(b, o->comment);
        rc |= buf_puts(b, "\n");
    }
    rc |= buf_puts(b, "  - name: ");
    rc |= put_str(b, o->name, 6);
    rc |= buf_puts(b, "\n");
    rc |= put_field(b, 4, "service", o->service);
    if (o->description != NULL && *o->description != '\0')
        rc |= put_field(b, 4, "description", o->description);
    rc |= buf_printf(b, "    objective: %s\n", o->objective);
    rc |= buf_printf(b, "    period: %s%s%s\n", o->period, o->period_note ? "  # " : "",
                     o->period_note ? o->period_note : "");
    if (o->timezone != NULL)
        rc |= put_field(b, 4, "timezone", o->timezone);
    if (o->labels.n > 0)
        rc |= put_map(b, "labels", &o->labels, 4);
    rc |= buf_printf(b, "    sli:%s%s\n      %s:\n", o->sli_note ? "  # " : "",
                     o->sli_note ? o->sli_note : "", kinds[o->kind]);
    switch (o->kind) {
    case CONFIG_SLI_EVENTS:
        rc |= put_field(b, 8, o->good_based ? "good" : "error", o->num);
        rc |= put_field(b, 8, "total", o->total);
        break;
    case CONFIG_SLI_PROMQL:
        rc |= put_field(b, 8, o->good_based ? "good_query" : "error_query", o->num);
        rc |= put_field(b, 8, "total_query", o->total);
        break;
    case CONFIG_SLI_TIMESLICE:
        rc |= put_field(b, 8, "gauge", o->gauge);
        if (o->age)
            rc |= buf_puts(b, "        age: true\n");
        rc |= put_field(b, 8, "op", o->op);
        rc |= buf_printf(b, "        value: %s\n", o->value);
        rc |= buf_printf(b, "        slice: %s\n", o->slice);
        break;
    case CONFIG_SLI_LATENCY:
    default:
        return -1; /* nothing converts to latency */
    }
    if (o->page_labels.n + o->page_ann.n + o->ticket_labels.n + o->ticket_ann.n > 0 ||
        o->page_off || o->ticket_off) {
        rc |= buf_puts(b, "    alerting:\n");
        if (!o->page_off)
            rc |= put_route(b, "page", &o->page_labels, &o->page_ann);
        if (!o->ticket_off)
            rc |= put_route(b, "ticket", &o->ticket_labels, &o->ticket_ann);
    }
    if (o->page_off || o->ticket_off) {
        /* The default table without the rows of the disabled alert. */
        rc |= buf_printf(b, "      windows:  # the default table without the %s rows\n",
                         o->page_off ? "page" : "ticket");
        for (size_t i = 0; i < NELEMS(config_default_windows); i++) {
            const struct config_alert_window *w = &config_default_windows[i];
            char l[32], s[32];

            if ((w->severity == CONFIG_SEVERITY_PAGE) == (o->page_off != 0))
                continue;
            if (util_duration_format(w->long_ms, l, sizeof(l)) != 0 ||
                util_duration_format(w->short_ms, s, sizeof(s)) != 0)
                return -1;
            rc |= buf_printf(b, "        - {severity: %s, long: %s, short: %s, factor: %g}\n",
                             config_severity_str(w->severity), l, s, w->factor);
        }
    }
    return rc ? -1 : 0;
}

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
            report(m, at, IMPORTER_SKIPPED, slo, NULL,
                   "the converted SLO is larger than a config file may be");
        else
            m->y.oom = 1;
        goto out;
    }
    if (config_parse(CHECK_NAME, t.data, t.len, &cfg, &errs) == 0) {
        bad = cfg->nslos == 1 ? differs(&cfg->slos[0], o) : "slos";
        if (bad != NULL)
            report(m, at, IMPORTER_SKIPPED, slo, NULL,
                   "the converted SLO does not read back as written (%s); please report this", bad);
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
            report(m, at, IMPORTER_SKIPPED, slo, NULL, "the converted SLO does not load: %s",
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

/*
 * Writes o to the output when its name is new and it loads; reports why not
 * otherwise. at is where the SLO is in the input.
 */
static void emit(struct imp *m, const struct out_slo *o, const yaml_node_t *at)
{
    struct buf r;
    char **nn;

    for (size_t i = 0; i < m->nnames; i++) {
        if (strcmp(m->names[i], o->name) == 0) {
            report(m, at, IMPORTER_SKIPPED, o->name, NULL,
                   "an SLO of that name was converted already; names must be unique");
            return;
        }
    }
    buf_init(&r, IMPORTER_MAX_OUTPUT);
    if (render(o, &r) != 0) {
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

/* ---- shared conversion helpers ---- */

/* Sets *dst to a copy of s (freeing the old value); sets m->y.oom on failure. */
static void set(struct imp *m, char **dst, const char *s)
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
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* Whether s is a valid SLO name of this project: [a-zA-Z0-9_.-]+. */
static int slo_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if (!name_char_ok(*p))
            return 0;
    return 1;
}

/*
 * s with every run of characters outside [a-zA-Z0-9_.-] made one "-", and
 * without "-" at either end (caller frees; "" when nothing is left; NULL
 * when out of memory).
 */
static char *slug(const char *s)
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

enum map_kind {
    MAP_SERIES, /* labels on the slo_* series */
    MAP_ALERT,  /* labels on alerts */
    MAP_ANY     /* annotations */
};

/*
 * Reads the string map at key of n into out (entries override). An entry
 * that cannot be converted is dropped and reported; OpenSLO label names
 * with other characters (app.kubernetes.io/name) are turned into label
 * names (app_kubernetes_io_name) with a note. openslo: a value may also be
 * a list of strings (OpenSLO labels), which a label cannot hold.
 */
static void read_map(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                     const char *slo, enum map_kind kind, int openslo, struct labels *out)
{
    yaml_node_t *v = yr_get_opt(&m->y, n, key);
    char p[PATHLEN];
    size_t cnt;

    if (v == NULL)
        return;
    yr_join(p, sizeof(p), path, key);
    if (!yr_is_map(v)) {
        report(m, v, IMPORTER_DROPPED, slo, p, "expected a mapping of names to strings");
        return;
    }
    cnt = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    if (cnt > MAX_ENTRIES) {
        report(m, v, IMPORTER_DROPPED, slo, p, "has %zu entries; at most %d are allowed", cnt,
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
            report(m, k, IMPORTER_DROPPED, slo, p, "a name that is not a string");
            continue;
        }
        if (value == NULL && !yr_is_null(val)) {
            report(m, val, IMPORTER_DROPPED, slo, p, "\"%s\": %s", shorten(name, s, sizeof(s)),
                   openslo && yr_is_seq(val) ? "a label has one value, not a list"
                                          : "expected a string value");
            continue;
        }
        if (value == NULL)
            value = "";
        if (kind == MAP_ANY) {
            if (strlen(name) > MAX_KEYLEN) {
                report(m, k, IMPORTER_DROPPED, slo, p, "a name longer than %d bytes", MAX_KEYLEN);
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
                report(m, k, IMPORTER_NOTE, slo, p, "label \"%s\" written as \"%s\"",
                       shorten(name, s, sizeof(s)), fixed);
                name = fixed;
            }
            if (!selector_name_ok(name, 0)) {
                report(m, k, IMPORTER_DROPPED, slo, p,
                       "\"%s\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                       shorten(name, s, sizeof(s)));
                free(fixed);
                continue;
            }
            if (strncmp(name, "__", 2) == 0) {
                report(m, k, IMPORTER_DROPPED, slo, p,
                       "label names starting with \"__\" are reserved (\"%s\")", name);
                free(fixed);
                continue;
            }
            if (kind == MAP_SERIES) {
                if (config_label_reserved(name)) {
                    report(m, k, IMPORTER_DROPPED, slo, p,
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

/* Copies every entry of src into dst, replacing names dst has. */
static void merge(struct imp *m, struct labels *dst, const struct labels *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (labels_set(dst, src->v[i].name, src->v[i].value) != 0)
            m->y.oom = 1;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Moves *p past word w when w stands there as a whole identifier. */
static int eat_word(const char **p, const char *w)
{
    size_t n = strlen(w);
    char c;

    if (strncmp(*p, w, n) != 0)
        return 0;
    c = (*p)[n];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == ':')
        return 0;
    *p = skip_ws(*p + n);
    return 1;
}

static int eat(const char **p, char c)
{
    if (**p != c)
        return 0;
    *p = skip_ws(*p + 1);
    return 1;
}

/*
 * Parses the n bytes at s as a selector. Returns it printed the sidecar's way
 * (caller frees), or NULL when it is not one; sets m->y.oom when out of memory.
 */
static char *selector_text(struct imp *m, const char *s, size_t n)
{
    char *t = malloc(n + 1);
    struct selector *sel = NULL;
    struct err e = {{0}};
    char *out = NULL;

    if (t == NULL) {
        m->y.oom = 1;
        return NULL;
    }
    memcpy(t, s, n);
    t[n] = '\0';
    if (selector_parse(t, &sel, &e) == 0) {
        out = selector_format(sel, NULL, NULL, SELECTOR_EQ, NULL);
        if (out == NULL)
            m->y.oom = 1;
    } else if (strcmp(e.msg, "out of memory") == 0) {
        /* Not "no selector": the output would silently differ. */
        m->y.oom = 1;
    }
    selector_free(sel);
    free(t);
    return out;
}

/* The end of s without trailing white space. */
static const char *trim_end(const char *s)
{
    const char *e = s + strlen(s);

    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    return e;
}

/*
 * If q is exactly sum(rate(SEL[{{.window}}])) or sum(increase(SEL[{{.window}}]))
 * (any white space between the tokens), returns SEL printed the sidecar's
 * way (caller frees): the events kind counts the same thing, in either mode.
 * NULL otherwise.
 */
static char *windowed_selector(struct imp *m, const char *q)
{
    const char *p = skip_ws(q);
    const char *e = trim_end(q);
    size_t wl = strlen(window_tmpl);

    if (!eat_word(&p, "sum") || !eat(&p, '(') ||
        !(eat_word(&p, "rate") || eat_word(&p, "increase")) || !eat(&p, '('))
        return NULL;
    for (int i = 0; i < 2; i++) {
        if (e <= p || e[-1] != ')')
            return NULL;
        e--;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
            e--;
    }
    if (e <= p || e[-1] != ']')
        return NULL;
    e--;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    if ((size_t)(e - p) < wl || memcmp(e - wl, window_tmpl, wl) != 0)
        return NULL;
    e -= wl;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    if (e <= p || e[-1] != '[')
        return NULL;
    e--;
    return selector_text(m, p, (size_t)(e - p));
}

/*
 * If q is a selector or sum(SELECTOR), returns the selector printed the
 * sidecar's way (caller frees), else NULL.
 */
static char *plain_selector(struct imp *m, const char *q)
{
    const char *p = skip_ws(q);
    const char *e = trim_end(q);
    char *s = selector_text(m, p, (size_t)(e > p ? e - p : 0));

    if (s != NULL || m->y.oom)
        return s;
    if (!eat_word(&p, "sum") || !eat(&p, '(') || e <= p || e[-1] != ')')
        return NULL;
    return selector_text(m, p, (size_t)(e - 1 - p));
}

/*
 * Rewrites every {{ .window }} (Sloth accepts spaces inside) of q as
 * {{.window}}, the form the sidecar replaces, into *out (caller frees).
 * Returns 0 with *has set when q uses the window, 1 when q holds other
 * template actions, which have no equivalent, -1 when out of memory.
 */
static int window_template(const char *q, char **out, int *has)
{
    struct buf b;
    const char *p = q;
    const char *o;

    *out = NULL;
    *has = 0;
    buf_init(&b, (size_t)CONFIG_MAX_BYTES * 2);
    while ((o = strstr(p, "{{")) != NULL) {
        const char *t = o + 2;

        while (*t == ' ')
            t++;
        if (strncmp(t, ".window", 7) != 0) {
            buf_free(&b);
            return 1;
        }
        t += 7;
        while (*t == ' ')
            t++;
        if (strncmp(t, "}}", 2) != 0) {
            buf_free(&b);
            return 1;
        }
        if (buf_append(&b, p, (size_t)(o - p)) != 0 || buf_puts(&b, window_tmpl) != 0)
            goto oom;
        *has = 1;
        p = t + 2;
    }
    if (buf_puts(&b, p) != 0)
        goto oom;
    *out = buf_steal(&b);
    if (*out == NULL)
        goto oom;
    return 0;
oom:
    buf_free(&b);
    return -1;
}

/*
 * The queries of a promql SLI for a query q that gives a ratio per window:
 * the ratio as the error (or good) query and 1 as the total, so that
 * good/total and bad/total are the ratio. A window without traffic makes a
 * ratio NaN (0/0), which the sidecar refuses as a count: ">= 0" drops it,
 * so such a window has no data, as it would with counts. A '#' may start a
 * PromQL comment, so then the closing parenthesis goes on its own line.
 */
static void ratio_queries(struct imp *m, const char *q, char **num, char **total)
{
    const char *nl = strchr(q, '#') ? "\n" : "";
    const char *b = skip_ws(q);
    int n = (int)(trim_end(q) - b);

    if (n < 0)
        n = 0;
    *num = util_asprintf("(%s%.*s%s) >= 0", nl, n, b, nl);
    *total = util_asprintf("((%s%.*s%s) >= 0) * 0 + 1", nl, n, b, nl);
    if (*num == NULL || *total == NULL)
        m->y.oom = 1;
}

static void ind_free(struct ind *d)
{
    free(d->num);
    free(d->total);
    free(d->gauge);
    memset(d, 0, sizeof(*d));
}

/* ---- Sloth prometheus/v1 ---- */

static const char ratio_note[] =
    "note: a ratio per window: error_query is the ratio and total_query 1, so ratios, burn "
    "rates, budget and alerts are the ratio's, while slo_events shows the ratio and 1, not "
    "event counts";

/*
 * sli.events: both queries exactly sum(rate(SELECTOR[{{.window}}])) become
 * the events kind; any other pair is kept as PromQL (the promql kind). Both
 * must use {{.window}}, as Sloth requires.
 */
static void sloth_events(struct imp *m, const yaml_node_t *ev, const char *path, const char *slo,
                         struct ind *d)
{
    static const char *const keys[] = {"error_query", "total_query"};
    const char *err_q = get_str(m, ev, path, "error_query", slo, 1, IMPORTER_SKIPPED);
    const char *tot_q = get_str(m, ev, path, "total_query", slo, 1, IMPORTER_SKIPPED);
    char *en = NULL, *tn = NULL;
    int he = 0, ht = 0, re = 0, rt = 0;
    char p[PATHLEN];

    check_keys(m, ev, path, slo, keys, NELEMS(keys));
    if (err_q == NULL || tot_q == NULL)
        return;
    re = window_template(err_q, &en, &he);
    rt = window_template(tot_q, &tn, &ht);
    if (re < 0 || rt < 0) {
        m->y.oom = 1;
        goto out;
    }
    if (re > 0 || rt > 0 || !he || !ht) {
        yr_join(p, sizeof(p), path, re > 0 || !he ? "error_query" : "total_query");
        report(m, yr_get(&m->y, ev, re > 0 || !he ? "error_query" : "total_query"), IMPORTER_SKIPPED, slo,
               p, "%s",
               re > 0 || rt > 0 ? "a Go template action other than {{.window}}"
                                : "does not use {{.window}} (Sloth requires it)");
        goto out;
    }
    d->num = windowed_selector(m, en);
    d->total = windowed_selector(m, tn);
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

static void sloth_sli(struct imp *m, const yaml_node_t *slo_node, const char *path, const char *slo,
                      struct ind *d)
{
    static const char *const keys[] = {"events", "raw", "plugin"};
    yaml_node_t *sli = yr_get_opt(&m->y, slo_node, "sli");
    yaml_node_t *ev, *raw, *plugin;
    char p[PATHLEN];
    char q[PATHLEN];
    char s[80];

    yr_join(p, sizeof(p), path, "sli");
    if (sli == NULL || !yr_is_map(sli)) {
        report(m, sli ? sli : slo_node, IMPORTER_SKIPPED, slo, sli ? p : path,
               sli ? "expected a mapping with events, raw or plugin" : "missing field \"sli\"");
        return;
    }
    check_keys(m, sli, p, slo, keys, NELEMS(keys));
    ev = yr_get_opt(&m->y, sli, "events");
    raw = yr_get_opt(&m->y, sli, "raw");
    plugin = yr_get_opt(&m->y, sli, "plugin");
    if ((ev != NULL) + (raw != NULL) + (plugin != NULL) != 1) {
        report(m, sli, IMPORTER_SKIPPED, slo, p, "needs exactly one of events, raw and plugin");
        return;
    }
    if (plugin != NULL) {
        const char *id = yr_scalar(yr_get(&m->y, plugin, "id"));

        yr_join(q, sizeof(q), p, "plugin");
        report(m, plugin, IMPORTER_SKIPPED, slo, q,
               "SLI plugin \"%s\" is Go code that only Sloth runs; write the query it generates "
               "(`sloth generate` prints it) as sli.raw.error_ratio_query and import again",
               id ? shorten(id, s, sizeof(s)) : "?");
        return;
    }
    if (ev != NULL) {
        yr_join(q, sizeof(q), p, "events");
        if (!yr_is_map(ev))
            report(m, ev, IMPORTER_SKIPPED, slo, q, "expected a mapping");
        else
            sloth_events(m, ev, q, slo, d);
        return;
    }
    yr_join(q, sizeof(q), p, "raw");
    if (!yr_is_map(raw)) {
        report(m, raw, IMPORTER_SKIPPED, slo, q, "expected a mapping");
        return;
    }
    {
        static const char *const rkeys[] = {"error_ratio_query"};
        const char *rq = get_str(m, raw, q, "error_ratio_query", slo, 1, IMPORTER_SKIPPED);
        char *rn = NULL;
        int has = 0, r;

        check_keys(m, raw, q, slo, rkeys, NELEMS(rkeys));
        if (rq == NULL)
            return;
        r = window_template(rq, &rn, &has);
        if (r < 0) {
            m->y.oom = 1;
            return;
        }
        if (r > 0 || !has) {
            yr_join(p, sizeof(p), q, "error_ratio_query");
            report(m, yr_get(&m->y, raw, "error_ratio_query"), IMPORTER_SKIPPED, slo, p, "%s",
                   r > 0 ? "a Go template action other than {{.window}}"
                         : "does not use {{.window}} (Sloth requires it)");
            free(rn);
            return;
        }
        ratio_queries(m, rn, &d->num, &d->total);
        free(rn);
        d->kind = CONFIG_SLI_PROMQL;
        d->note = ratio_note;
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
        report(m, a, IMPORTER_DROPPED, slo, p, "expected a mapping");
        return;
    }
    check_keys(m, a, p, slo, keys, NELEMS(keys));
    get_bool(m, a, p, "disable", slo, IMPORTER_DROPPED, off);
    read_map(m, a, p, "labels", slo, MAP_ALERT, 0, lab);
    read_map(m, a, p, "annotations", slo, MAP_ANY, 0, ann);
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
        report(m, al, IMPORTER_DROPPED, slo, p, "expected a mapping");
        return;
    }
    check_keys(m, al, p, slo, keys, NELEMS(keys));
    name = get_str(m, al, p, "name", slo, 0, IMPORTER_NOTE);
    if (name != NULL) {
        yr_join(q, sizeof(q), p, "name");
        report(m, yr_get(&m->y, al, "name"), IMPORTER_NOTE, slo, q,
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
    read_map(m, al, p, "labels", slo, MAP_ALERT, 0, &bl);
    read_map(m, al, p, "annotations", slo, MAP_ANY, 0, &ba);
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
        report(m, al, IMPORTER_DROPPED, slo, p,
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

    out_init(&o);
    memset(&d, 0, sizeof(d));
    if (!yr_is_map(n)) {
        report(m, n, IMPORTER_SKIPPED, NULL, path, "expected a mapping (an SLO)");
        return;
    }
    check_keys(m, n, path, NULL, keys, NELEMS(keys));
    name = get_str(m, n, path, "name", NULL, 1, IMPORTER_SKIPPED);
    if (name == NULL)
        return;
    snprintf(label, sizeof(label), "%s-%s", service, name);
    slo = label;
    if (!slo_name_ok(name)) {
        char p[PATHLEN];
        char s[80];

        yr_join(p, sizeof(p), path, "name");
        report(m, yr_get(&m->y, n, "name"), IMPORTER_SKIPPED, NULL, p,
               "invalid name \"%s\" (Sloth and the sidecar want [a-zA-Z0-9_.-]+)",
               shorten(name, s, sizeof(s)));
        return;
    }
    set(m, &o.name, slo);
    set(m, &o.service, service);
    o.comment = util_asprintf("Sloth service %s, SLO %s (%s:%zu)", service, name, m->y.file,
                              (size_t)n->start_mark.line + 1);
    if (o.comment == NULL)
        m->y.oom = 1;
    desc = get_str(m, n, path, "description", slo, 0, IMPORTER_DROPPED);
    if (desc != NULL)
        set(m, &o.description, desc);
    obj = get_num(m, n, path, "objective", slo, 1, IMPORTER_SKIPPED, &x);
    if (obj != NULL) {
        if (!(x > 0 && x < 100)) {
            char p[PATHLEN];

            yr_join(p, sizeof(p), path, "objective");
            report(m, yr_get(&m->y, n, "objective"), IMPORTER_SKIPPED, slo, p,
                   "%s: the sidecar's objective is above 0 and below 100", obj);
        } else {
            set(m, &o.objective, obj);
        }
    }
    set(m, &o.period, "30d");
    o.period_note = "Sloth's default period; use the one you run `sloth generate` with";
    merge(m, &o.labels, svc_labels);
    read_map(m, n, path, "labels", slo, MAP_SERIES, 0, &o.labels);
    if (yr_get_opt(&m->y, n, "plugins") != NULL) {
        char p[PATHLEN];

        yr_join(p, sizeof(p), path, "plugins");
        report(m, yr_get(&m->y, n, "plugins"), IMPORTER_DROPPED, slo, p,
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
            report(m, yr_get(&m->y, n, "sli"), IMPORTER_NOTE, slo, NULL, "%s", d.note + 6);
        if (o.kind == CONFIG_SLI_PROMQL && d.note == NULL)
            o.sli_note = "Sloth's queries as written: promql mode only";
        else if (d.note != NULL)
            o.sli_note = "Sloth's ratio per window; see the note on stderr";
        emit(m, &o, n);
    }
    if (m->nskipped != before)
        forget_since(m, mark);
    ind_free(&d);
    out_free(&o);
}

static void sloth_doc(struct imp *m, const yaml_node_t *root, size_t di, size_t ndocs)
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
        report(m, root, IMPORTER_SKIPPED, NULL, dpath,
               "expected a mapping with version, service and slos; document skipped");
        return;
    }
    if (version == NULL || strcmp(version, "prometheus/v1") != 0) {
        const char *api = yr_scalar(yr_get(&m->y, root, "apiVersion"));

        if (api != NULL && strncmp(api, "openslo/", 8) == 0)
            report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                   "this is OpenSLO (apiVersion %s); use --from=openslo",
                   shorten(api, s, sizeof(s)));
        else if (api != NULL && strncmp(api, "sloth.slok.dev/", 15) == 0)
            report(m, root, IMPORTER_SKIPPED, NULL, dpath,
                   "a Sloth Kubernetes resource (%s); only the prometheus/v1 file format is "
                   "supported: save its spec as a file with version: prometheus/v1",
                   shorten(api, s, sizeof(s)));
        else
            report(m, version ? yr_get(&m->y, root, "version") : root, IMPORTER_SKIPPED, NULL, dpath,
                   "version is %s%s%s, not prometheus/v1; document skipped", version ? "\"" : "",
                   version ? shorten(version, s, sizeof(s)) : "missing", version ? "\"" : "");
        return;
    }
    check_keys(m, root, "", NULL, keys, NELEMS(keys));
    service = get_str(m, root, "", "service", NULL, 1, IMPORTER_SKIPPED);
    if (service == NULL)
        return;
    if (!slo_name_ok(service)) {
        report(m, yr_get(&m->y, root, "service"), IMPORTER_SKIPPED, NULL, "service",
               "invalid service \"%s\" (Sloth wants [a-zA-Z0-9_.-]+); document skipped",
               shorten(service, s, sizeof(s)));
        return;
    }
    if (!yr_is_seq(slos) || yr_seq_len(slos) == 0) {
        report(m, slos ? slos : root, IMPORTER_SKIPPED, NULL, "slos",
               "expected a list of SLOs; document skipped");
        return;
    }
    labels_init(&svc);
    read_map(m, root, "", "labels", NULL, MAP_SERIES, 0, &svc);
    if (yr_get_opt(&m->y, root, "slo_plugins") != NULL)
        report(m, yr_get(&m->y, root, "slo_plugins"), IMPORTER_DROPPED, NULL, "slo_plugins",
               "Sloth SLO plugins change the rules Sloth generates; the sidecar has none");
    for (size_t i = 0; i < yr_seq_len(slos) && !m->y.oom && !m->too_big; i++) {
        char p[PATHLEN];

        yr_join_index(p, sizeof(p), "slos", i);
        sloth_slo(m, yr_seq_item(&m->y, slos, i), p, service, &svc);
    }
    labels_free(&svc);
}

/* ---- OpenSLO v1 ---- */

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
    char s[80];

    yr_join(p, sizeof(p), path, "metricSource");
    if (!yr_is_map(n) || !yr_is_map(ms)) {
        report(m, ms ? ms : n, IMPORTER_SKIPPED, slo, ms ? p : path,
               ms ? "expected a mapping" : "missing field \"metricSource\"");
        return NULL;
    }
    check_keys(m, ms, p, slo, keys, NELEMS(keys));
    type = get_str(m, ms, p, "type", slo, 0, IMPORTER_SKIPPED);
    ref = get_str(m, ms, p, "metricSourceRef", slo, 0, IMPORTER_SKIPPED);
    if (type == NULL && ref != NULL) {
        struct odoc *ds = find_doc(m, "DataSource", ref);

        if (ds == NULL) {
            report(m, yr_get(&m->y, ms, "metricSourceRef"), IMPORTER_SKIPPED, slo, p,
                   "no type, and no DataSource \"%s\" in the file to take it from",
                   shorten(ref, s, sizeof(s)));
            return NULL;
        }
        {
            yaml_document_t *saved = m->y.doc;

            m->y.doc = ds->doc;
            type = yr_scalar(yr_get(&m->y, ds->spec, "type"));
            m->y.doc = saved;
        }
        if (type == NULL) {
            report(m, yr_get(&m->y, ms, "metricSourceRef"), IMPORTER_SKIPPED, slo, p,
                   "DataSource \"%s\" has no spec.type", shorten(ref, s, sizeof(s)));
            return NULL;
        }
    }
    if (type == NULL) {
        report(m, ms, IMPORTER_SKIPPED, slo, p, "no type and no metricSourceRef");
        return NULL;
    }
    if (strcasecmp(type, "Prometheus") != 0) {
        report(m, yr_get(&m->y, ms, "type") ? yr_get(&m->y, ms, "type") : ms, IMPORTER_SKIPPED, slo, p,
               "a %s metric source; only Prometheus queries can be converted",
               shorten(type, s, sizeof(s)));
        return NULL;
    }
    if (!yr_is_map(yr_get_opt(&m->y, ms, "spec"))) {
        report(m, ms, IMPORTER_SKIPPED, slo, p, "missing spec with the query");
        return NULL;
    }
    yr_join(p, sizeof(p), p, "spec");
    q = get_str(m, yr_get(&m->y, ms, "spec"), p, "query", slo, 1, IMPORTER_SKIPPED);
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
    yaml_node_t *good = yr_get_opt(&m->y, rm, "good");
    yaml_node_t *bad = yr_get_opt(&m->y, rm, "bad");
    yaml_node_t *raw = yr_get_opt(&m->y, rm, "raw");
    const char *qn, *qt;
    char *nn = NULL, *tn = NULL;
    int hn = 0, ht = 0, rn, rt, counter = -1;
    char p[PATHLEN];
    char q[PATHLEN];

    check_keys(m, rm, path, slo, keys, NELEMS(keys));
    if (raw != NULL) {
        const char *rtype = get_str(m, rm, path, "rawType", slo, 1, IMPORTER_SKIPPED);
        const char *rq;

        yr_join(p, sizeof(p), path, "raw");
        rq = metric_query(m, raw, p, slo);
        if (rtype == NULL || rq == NULL)
            return;
        if (strcmp(rtype, "success") != 0 && strcmp(rtype, "failure") != 0) {
            yr_join(q, sizeof(q), path, "rawType");
            report(m, yr_get(&m->y, rm, "rawType"), IMPORTER_SKIPPED, slo, q,
                   "must be success or failure");
            return;
        }
        rn = window_template(rq, &nn, &hn);
        if (rn < 0) {
            m->y.oom = 1;
            return;
        }
        if (rn > 0 || !hn) {
            report(m, raw, IMPORTER_SKIPPED, slo, p,
                   "a stored ratio without {{.window}}: an average of ratios is not the "
                   "ratio of the events; write the query with [{{.window}}] ranges to convert it");
            free(nn);
            return;
        }
        ratio_queries(m, nn, &d->num, &d->total);
        free(nn);
        d->kind = CONFIG_SLI_PROMQL;
        d->good_based = strcmp(rtype, "success") == 0;
        d->note = ratio_note;
        d->ok = !m->y.oom;
        return;
    }
    if ((good != NULL) == (bad != NULL)) {
        report(m, rm, IMPORTER_SKIPPED, slo, path, "needs exactly one of good and bad, or raw");
        return;
    }
    yr_join(p, sizeof(p), path, good ? "good" : "bad");
    qn = metric_query(m, good ? good : bad, p, slo);
    yr_join(q, sizeof(q), path, "total");
    if (yr_get_opt(&m->y, rm, "total") == NULL) {
        report(m, rm, IMPORTER_SKIPPED, slo, path, "missing field \"total\"");
        return;
    }
    qt = metric_query(m, yr_get(&m->y, rm, "total"), q, slo);
    if (qn == NULL || qt == NULL)
        return;
    d->good_based = good != NULL;
    rn = window_template(qn, &nn, &hn);
    rt = window_template(qt, &tn, &ht);
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
        report(m, rm, IMPORTER_SKIPPED, slo, path,
               "{{.window}} in only one of the queries, or other template actions");
        goto out;
    }
    d->num = plain_selector(m, qn);
    d->total = plain_selector(m, qt);
    if (d->num == NULL || d->total == NULL) {
        report(m, d->num == NULL ? good ? good : bad : yr_get(&m->y, rm, "total"), IMPORTER_SKIPPED, slo,
               d->num == NULL ? p : q,
               "not a selector: an OpenSLO query has no window, so only counters given as "
               "selectors (or sum(selector)) can be counted per window; or write the query "
               "with [{{.window}}] ranges");
        goto out;
    }
    get_bool(m, rm, path, "counter", slo, IMPORTER_SKIPPED, &counter);
    if (counter == 0) {
        yr_join(q, sizeof(q), path, "counter");
        report(m, yr_get(&m->y, rm, "counter"), IMPORTER_SKIPPED, slo, q,
               "counter: false (a value that goes up and down) has no windowed count; the "
               "events kind needs counters");
        goto out;
    }
    if (counter < 0) {
        if (!counter_names(d->num, d->total)) {
            report(m, rm, IMPORTER_SKIPPED, slo, path,
                   "counter is not set and the metric names do not end in _total, _count or "
                   "_bucket; set counter: true if they are counters");
            goto out;
        }
        report(m, rm, IMPORTER_NOTE, slo, path,
               "counter is not set; the selectors are read as counters, as their names say");
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
    d->gauge = plain_selector(m, q);
    if (d->gauge != NULL && strncmp(skip_ws(q), "sum", 3) == 0) {
        /* sum() of gauges is not the worst series the sidecar judges. */
        free(d->gauge);
        d->gauge = NULL;
    }
    if (d->gauge == NULL && !m->y.oom) {
        p = skip_ws(q);
        if (eat_word(&p, "time") && eat(&p, '(') && eat(&p, ')') && eat(&p, '-')) {
            d->gauge = selector_text(m, p, (size_t)(trim_end(p) - p));
            d->age = d->gauge != NULL;
            d->note = "time() - gauge: the sidecar takes each sample's time minus its value";
        }
    }
    if (d->gauge == NULL) {
        report(m, tm, IMPORTER_SKIPPED, slo, path,
               "not a selector (or time() - selector): the timeslice kind judges each "
               "series of a gauge selector");
        return;
    }
    d->kind = CONFIG_SLI_TIMESLICE;
    d->ok = !m->y.oom;
}

/*
 * The indicator spec (inline or an SLI document's) under budgeting method
 * bm. Reports why not and leaves d->ok 0 when it cannot be converted.
 */
static void openslo_indicator(struct imp *m, const yaml_node_t *spec, const char *path,
                              const char *slo, const char *bm, const yaml_node_t *bm_node,
                              struct ind *d)
{
    static const char *const keys[] = {"description", "thresholdMetric", "ratioMetric"};
    yaml_node_t *rm = yr_get_opt(&m->y, spec, "ratioMetric");
    yaml_node_t *tm = yr_get_opt(&m->y, spec, "thresholdMetric");
    char p[PATHLEN];

    if (!yr_is_map(spec)) {
        report(m, spec, IMPORTER_SKIPPED, slo, path, "expected a mapping");
        return;
    }
    check_keys(m, spec, path, slo, keys, NELEMS(keys));
    if ((rm != NULL) == (tm != NULL)) {
        report(m, spec, IMPORTER_SKIPPED, slo, path,
               "needs exactly one of ratioMetric and thresholdMetric");
        return;
    }
    if (bm == NULL)
        return;
    if (rm != NULL) {
        yr_join(p, sizeof(p), path, "ratioMetric");
        if (strcmp(bm, "Occurrences") != 0) {
            report(m, bm_node, IMPORTER_SKIPPED, slo, "spec.budgetingMethod",
                   "%s over a ratioMetric: a slice is good when its own ratio meets "
                   "timeSliceTarget, which the sidecar cannot compute (its time slices judge "
                   "a gauge); Occurrences converts",
                   bm);
            return;
        }
        if (!yr_is_map(rm))
            report(m, rm, IMPORTER_SKIPPED, slo, p, "expected a mapping");
        else
            openslo_ratio(m, rm, p, slo, d);
        return;
    }
    yr_join(p, sizeof(p), path, "thresholdMetric");
    if (strcmp(bm, "Timeslices") != 0) {
        report(m, bm_node, IMPORTER_SKIPPED, slo, "spec.budgetingMethod",
               "%s over a thresholdMetric has no equivalent (a histogram's latency SLO is "
               "written with sli.latency: {histogram, threshold}); Timeslices converts",
               bm);
        return;
    }
    openslo_threshold(m, tm, p, slo, d);
}

/* "YYYY-MM-DD HH:MM:SS" (or with T) into its parts. Returns 0 or -1. */
static int parse_start(const char *s, int64_t *y, int *mo, int *d, int *hh, int *mm, int *ss)
{
    if (strlen(s) != 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    *y = util_digits(s, 4);
    *mo = util_digits(s + 5, 2);
    *d = util_digits(s + 8, 2);
    *hh = util_digits(s + 11, 2);
    *mm = util_digits(s + 14, 2);
    *ss = util_digits(s + 17, 2);
    if (*y < 0 || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *hh < 0 || *hh > 23 || *mm < 0 ||
        *mm > 59 || *ss < 0 || *ss > 60)
        return -1;
    return 0;
}

/* Whether tz names UTC in the tz database. */
static int utc_zone(const char *tz)
{
    static const char *const z[] = {
        "UTC",     "Etc/UTC",   "GMT",           "Etc/GMT",       "Z",
        "Zulu",    "Etc/Zulu",  "Universal",     "Etc/Universal", "UCT",
        "Etc/UCT", "Etc/GMT+0", "Etc/GMT-0",     "Etc/GMT0",      "GMT0",
        "GMT+0",   "GMT-0",     "Etc/Greenwich", "Greenwich"};

    for (size_t i = 0; i < NELEMS(z); i++)
        if (strcmp(tz, z[i]) == 0)
            return 1;
    return 0;
}

/*
 * timeWindow into o->period: a rolling duration in minutes, hours, days or
 * weeks, or a calendar week, month or quarter in UTC that starts where the
 * sidecar's do. Returns 0, or -1 (reported) when it cannot be converted.
 */
static int openslo_period(struct imp *m, const yaml_node_t *spec, const char *slo,
                          struct out_slo *o)
{
    static const char *const keys[] = {"duration", "isRolling", "calendar"};
    static const char *const ckeys[] = {"startTime", "timeZone"};
    yaml_node_t *tw = yr_get_opt(&m->y, spec, "timeWindow");
    yaml_node_t *w, *cal;
    const char *dur, *unit;
    const char *p = "spec.timeWindow[0]";
    int rolling = -1;
    int64_t ms;
    struct err e = {{0}};
    char s[80];
    char q[PATHLEN];
    long cnt = 0;
    size_t n;

    if (!yr_is_seq(tw) || yr_seq_len(tw) != 1) {
        report(m, tw ? tw : spec, IMPORTER_SKIPPED, slo, tw ? "spec.timeWindow" : "spec",
               tw ? "expected a list with exactly one time window"
                  : "no timeWindow: the sidecar needs a period");
        return -1;
    }
    w = yr_seq_item(&m->y, tw, 0);
    if (!yr_is_map(w)) {
        report(m, w, IMPORTER_SKIPPED, slo, p, "expected a mapping");
        return -1;
    }
    check_keys(m, w, p, slo, keys, NELEMS(keys));
    dur = get_str(m, w, p, "duration", slo, 1, IMPORTER_SKIPPED);
    cal = yr_get_opt(&m->y, w, "calendar");
    if (get_bool(m, w, p, "isRolling", slo, IMPORTER_SKIPPED, &rolling) < 0 || dur == NULL)
        return -1;
    if (rolling < 0)
        rolling = cal == NULL;
    yr_join(q, sizeof(q), p, "duration");
    /* A number (at most 9 digits) and one unit letter. */
    n = strspn(dur, "0123456789");
    if (n >= 1 && n <= 9)
        cnt = util_digits(dur, (int)n);
    if (n == 0 || n > 9 || cnt <= 0 || dur[n] == '\0' || dur[n + 1] != '\0' ||
        strchr("mhdwMQY", dur[n]) == NULL) {
        report(m, yr_get(&m->y, w, "duration"), IMPORTER_SKIPPED, slo, q,
               "\"%s\" is not an OpenSLO duration (a number and one of m h d w M Q Y)",
               shorten(dur, s, sizeof(s)));
        return -1;
    }
    unit = dur + n;
    if (rolling) {
        if (cal != NULL) {
            report(m, cal, IMPORTER_SKIPPED, slo, p, "isRolling: true with a calendar");
            return -1;
        }
        if (strchr("MQY", *unit) != NULL) {
            report(m, yr_get(&m->y, w, "duration"), IMPORTER_SKIPPED, slo, q,
                   "a rolling %s has no fixed length; the sidecar's rolling periods are "
                   "durations (e.g. 30d, 90d, 365d)",
                   *unit == 'M'   ? "month"
                   : *unit == 'Q' ? "quarter"
                                  : "year");
            return -1;
        }
        if (util_duration_parse(dur, &ms, 0, &e) != 0 || ms < 3600 * 1000LL) {
            report(m, yr_get(&m->y, w, "duration"), IMPORTER_SKIPPED, slo, q,
                   "%s: the sidecar's periods are at least 1h", dur);
            return -1;
        }
        /* In the sidecar's words: 1w is 7d, 720h is 30d. */
        if (util_duration_format(ms, s, sizeof(s)) != 0) {
            report(m, yr_get(&m->y, w, "duration"), IMPORTER_SKIPPED, slo, q, "%s is too long", dur);
            return -1;
        }
        set(m, &o->period, s);
        return 0;
    }
    if ((cnt == 1 && *unit == 'w') || (cnt == 7 && *unit == 'd'))
        set(m, &o->period, "calendar_week");
    else if (cnt == 1 && *unit == 'M')
        set(m, &o->period, "calendar_month");
    else if ((cnt == 1 && *unit == 'Q') || (cnt == 3 && *unit == 'M'))
        set(m, &o->period, "calendar_quarter");
    else {
        report(m, yr_get(&m->y, w, "duration"), IMPORTER_SKIPPED, slo, q,
               "a calendar window of %s; the sidecar's calendar periods are a week (1w), a "
               "month (1M) and a quarter (1Q)",
               dur);
        return -1;
    }
    if (o->period == NULL)
        return -1; /* out of memory (m->y.oom is set) */
    if (cal != NULL) {
        const char *tz, *start;
        char cp[PATHLEN];

        yr_join(cp, sizeof(cp), p, "calendar");
        if (!yr_is_map(cal)) {
            report(m, cal, IMPORTER_SKIPPED, slo, cp, "expected a mapping");
            return -1;
        }
        check_keys(m, cal, cp, slo, ckeys, NELEMS(ckeys));
        tz = get_str(m, cal, cp, "timeZone", slo, 0, IMPORTER_SKIPPED);
        start = get_str(m, cal, cp, "startTime", slo, 0, IMPORTER_SKIPPED);
        /* Other zones become `timezone`; the config loader (run on every
         * converted SLO) says when the system does not know the zone. */
        if (tz != NULL && !utc_zone(tz)) {
            set(m, &o->timezone, tz);
            if (o->timezone == NULL)
                return -1; /* out of memory (m->y.oom is set) */
        }
        if (tz == NULL)
            report(m, cal, IMPORTER_NOTE, slo, cp, "no timeZone; UTC assumed");
        if (start != NULL) {
            int64_t y;
            int mo, d, hh, mm, ss;
            int aligned;

            yr_join(q, sizeof(q), cp, "startTime");
            if (parse_start(start, &y, &mo, &d, &hh, &mm, &ss) != 0) {
                report(m, yr_get(&m->y, cal, "startTime"), IMPORTER_SKIPPED, slo, q,
                       "\"%s\" is not a date and time like 2024-01-01 00:00:00",
                       shorten(start, s, sizeof(s)));
                return -1;
            }
            aligned = hh == 0 && mm == 0 && ss == 0;
            if (strcmp(o->period, "calendar_week") == 0) {
                /* 1970-01-01 was a Thursday: day 0 is weekday 3 counted from Monday. */
                int64_t days = util_days_from_civil(y, mo, d);

                aligned &= ((days % 7 + 7 + 3) % 7) == 0;
            } else {
                aligned &= d == 1;
                if (strcmp(o->period, "calendar_quarter") == 0)
                    aligned &= (mo - 1) % 3 == 0;
            }
            if (!aligned) {
                report(m, yr_get(&m->y, cal, "startTime"), IMPORTER_SKIPPED, slo, q,
                       "%s: the sidecar's %s begin on %s at 00:00", start,
                       o->period + 9, /* "week", "month", "quarter" */
                       strcmp(o->period, "calendar_week") == 0 ? "Mondays"
                       : strcmp(o->period, "calendar_month") == 0
                           ? "the 1st"
                           : "the 1st of January, April, July and October");
                return -1;
            }
        }
    } else {
        report(m, w, IMPORTER_NOTE, slo, p, "a calendar window without calendar; UTC assumed");
    }
    return 0;
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
    if (strspn(ip, "0123456789.") != strlen(ip) || (dot && strchr(dot + 1, '.')) || strlen(ip) == 0)
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
 * written. i is its index, nobj how many there are.
 */
static void openslo_objective(struct imp *m, const yaml_node_t *obj, size_t i, size_t nobj,
                              const char *base, const struct ind *d, struct out_slo *o)
{
    static const char *const keys[] = {"displayName",     "op",
                                       "value",           "target",
                                       "targetPercent",   "timeSliceTarget",
                                       "timeSliceWindow", "indicator",
                                       "indicatorRef",    "compositeWeight"};
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
        report(m, obj, IMPORTER_SKIPPED, base, p, "expected a mapping");
        return;
    }
    dn = get_str(m, obj, p, "displayName", base, 0, IMPORTER_NOTE);
    if (nobj == 1) {
        name = util_strdup(base);
    } else {
        char *sl = dn ? slug(dn) : util_strdup("");

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
    check_keys(m, obj, p, name, keys, NELEMS(keys));
    if (yr_get(&m->y, obj, "indicator") || yr_get(&m->y, obj, "indicatorRef") || yr_get(&m->y, obj, "compositeWeight")) {
        report(m, obj, IMPORTER_SKIPPED, name, p,
               "a composite SLO objective (indicator, indicatorRef or compositeWeight); the "
               "sidecar has no composite SLOs: write one SLO per indicator");
        return;
    }
    if (nobj > 1) {
        char s[80];

        free(o->comment);
        o->comment = util_asprintf("OpenSLO SLO %s, objective %zu%s%s%s (%s:%zu)", base, i,
                                   dn ? " \"" : "", dn ? shorten(dn, s, sizeof(s)) : "",
                                   dn ? "\"" : "", m->y.file, (size_t)obj->start_mark.line + 1);
        if (o->comment == NULL)
            m->y.oom = 1;
    }
    if ((yr_get_opt(&m->y, obj, "target") != NULL) == (yr_get_opt(&m->y, obj, "targetPercent") != NULL)) {
        report(m, obj, IMPORTER_SKIPPED, name, p, "needs exactly one of target and targetPercent");
    } else if ((t = get_num(m, obj, p, "target", name, 0, IMPORTER_SKIPPED, &x)) != NULL) {
        yr_join(q, sizeof(q), p, "target");
        if (!(x > 0 && x < 1))
            report(m, yr_get(&m->y, obj, "target"), IMPORTER_SKIPPED, name, q,
                   "%s: the sidecar's objective is above 0 and below 1 (100%%)", t);
        else if ((o->objective = ratio_to_percent(t, x)) == NULL)
            m->y.oom = 1;
    } else if ((tp = get_num(m, obj, p, "targetPercent", name, 0, IMPORTER_SKIPPED, &x)) != NULL) {
        yr_join(q, sizeof(q), p, "targetPercent");
        if (!(x > 0 && x < 100))
            report(m, yr_get(&m->y, obj, "targetPercent"), IMPORTER_SKIPPED, name, q,
                   "%s: the sidecar's objective is above 0 and below 100", tp);
        else
            set(m, &o->objective, tp);
    }
    if (d->kind == CONFIG_SLI_TIMESLICE) {
        const char *v, *tst;
        yaml_node_t *sw = yr_get_opt(&m->y, obj, "timeSliceWindow");
        char s[80];

        op = get_str(m, obj, p, "op", name, 1, IMPORTER_SKIPPED);
        o->op = NULL;
        for (size_t k = 0; op != NULL && k < NELEMS(ops); k++)
            if (strcmp(op, ops[k][0]) == 0)
                o->op = ops[k][1];
        if (op != NULL && o->op == NULL) {
            yr_join(q, sizeof(q), p, "op");
            report(m, yr_get(&m->y, obj, "op"), IMPORTER_SKIPPED, name, q,
                   "\"%s\" is not one of lt, lte, gt, gte", shorten(op, s, sizeof(s)));
        }
        v = get_num(m, obj, p, "value", name, 1, IMPORTER_SKIPPED, &x);
        if (v != NULL)
            set(m, &o->value, v);
        yr_join(q, sizeof(q), p, "timeSliceWindow");
        if (sw == NULL) {
            report(m, obj, IMPORTER_SKIPPED, name, p,
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
                report(m, sw, IMPORTER_SKIPPED, name, q, "not a duration like 1m");
            } else if (ms > 5 * 60 * 1000 || (5 * 60 * 1000) % ms != 0) {
                report(m, sw, IMPORTER_SKIPPED, name, q,
                       "%s: the sidecar's time slices must divide 5m (1m or 5m)", txt);
            } else {
                set(m, &o->slice, txt);
            }
            free(txt);
        }
        tst = get_num(m, obj, p, "timeSliceTarget", name, 0, IMPORTER_DROPPED, &x);
        if (tst != NULL) {
            yr_join(q, sizeof(q), p, "timeSliceTarget");
            if (x == 1)
                report(m, yr_get(&m->y, obj, "timeSliceTarget"), IMPORTER_NOTE, name, q,
                       "1: the sidecar judges a slice by its newest sample (of the worst "
                       "series), where OpenSLO wants every sample to meet the threshold");
            else
                report(m, yr_get(&m->y, obj, "timeSliceTarget"), IMPORTER_DROPPED, name, q,
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
                report(m, yr_get(&m->y, obj, unused[k]), IMPORTER_NOTE, name, q,
                       "has no meaning for this indicator and budgeting method; ignored");
            }
        }
    }
    if (m->nskipped == before && !m->y.oom && o->objective != NULL &&
        (d->kind != CONFIG_SLI_TIMESLICE || (o->op && o->value && o->slice)))
        emit(m, o, obj);
    if (m->nskipped != before)
        forget_since(m, mark);
    free(o->objective);
    o->objective = NULL;
    free(o->value);
    o->value = NULL;
    free(o->slice);
    o->slice = NULL;
}

static void openslo_slo(struct imp *m, struct odoc *od)
{
    static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec"};
    static const char *const mkeys[] = {"name", "displayName", "labels", "annotations"};
    static const char *const skeys[] = {"description",  "service",      "indicator",
                                        "indicatorRef", "timeWindow",   "budgetingMethod",
                                        "objectives",   "alertPolicies"};
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

    out_init(&o);
    memset(&d, 0, sizeof(d));
    objs = yr_get_opt(&m->y, spec, "objectives");
    nobj = yr_seq_len(objs);
    m->nin += nobj > 0 ? nobj : 1;
    if (od->name == NULL) {
        report(m, meta ? meta : od->root, IMPORTER_SKIPPED, NULL, "metadata",
               "an SLO without metadata.name; document skipped");
        return;
    }
    base = slug(od->name);
    if (base == NULL) {
        m->y.oom = 1;
        return;
    }
    if (*base == '\0' || strcmp(base, od->name) != 0) {
        if (*base == '\0') {
            report(m, yr_get(&m->y, meta, "name"), IMPORTER_SKIPPED, od->name, "metadata.name",
                   "has none of the characters of an SLO name ([a-zA-Z0-9_.-])");
            goto out;
        }
        report(m, yr_get(&m->y, meta, "name"), IMPORTER_NOTE, od->name, "metadata.name",
               "written as \"%s\" ([a-zA-Z0-9_.-]+)", base);
    }
    check_keys(m, od->root, "", base, keys, NELEMS(keys));
    check_keys(m, meta, "metadata", base, mkeys, NELEMS(mkeys));
    if (!yr_is_map(spec)) {
        report(m, spec ? spec : od->root, IMPORTER_SKIPPED, base, "spec",
               spec ? "expected a mapping" : "missing field \"spec\"");
        goto out;
    }
    check_keys(m, spec, "spec", base, skeys, NELEMS(skeys));
    dn = yr_scalar(yr_get(&m->y, meta, "displayName"));
    o.comment = util_asprintf("OpenSLO SLO %s%s%s%s (%s:%zu)", od->name, dn ? " \"" : "",
                              dn ? shorten(dn, s, sizeof(s)) : "", dn ? "\"" : "", m->y.file,
                              (size_t)od->root->start_mark.line + 1);
    if (o.comment == NULL)
        m->y.oom = 1;
    service = get_str(m, spec, "spec", "service", base, 1, IMPORTER_SKIPPED);
    if (service != NULL)
        set(m, &o.service, service);
    desc = get_str(m, spec, "spec", "description", base, 0, IMPORTER_DROPPED);
    if (desc != NULL)
        set(m, &o.description, desc);
    read_map(m, meta, "metadata", "labels", base, MAP_SERIES, 1, &o.labels);
    if (yr_get_opt(&m->y, meta, "annotations") != NULL)
        report(m, yr_get(&m->y, meta, "annotations"), IMPORTER_NOTE, base, "metadata.annotations",
               "not converted: the sidecar's SLOs have no annotations");
    if (yr_get_opt(&m->y, spec, "alertPolicies") != NULL)
        report(m, yr_get(&m->y, spec, "alertPolicies"), IMPORTER_DROPPED, base, "spec.alertPolicies",
               "the sidecar's burn-rate alerts (the SRE workbook's page and ticket table) "
               "apply instead; set alerting.windows to change them");
    openslo_period(m, spec, base, &o);
    bm_node = yr_get_opt(&m->y, spec, "budgetingMethod");
    bm = get_str(m, spec, "spec", "budgetingMethod", base, 1, IMPORTER_SKIPPED);
    if (bm != NULL && strcmp(bm, "Occurrences") != 0 && strcmp(bm, "Timeslices") != 0 &&
        strcmp(bm, "RatioTimeslices") != 0) {
        report(m, bm_node, IMPORTER_SKIPPED, base, "spec.budgetingMethod",
               "\"%s\" is not Occurrences, Timeslices or RatioTimeslices",
               shorten(bm, s, sizeof(s)));
        bm = NULL;
    }
    if (bm != NULL && strcmp(bm, "RatioTimeslices") == 0) {
        report(m, bm_node, IMPORTER_SKIPPED, base, "spec.budgetingMethod",
               "RatioTimeslices (the average of the slices' ratios) has no equivalent; the "
               "sidecar's ratios are over all events of a window");
        bm = NULL;
    }
    indicator = yr_get_opt(&m->y, spec, "indicator");
    ref = get_str(m, spec, "spec", "indicatorRef", base, 0, IMPORTER_SKIPPED);
    if ((indicator != NULL) == (yr_get_opt(&m->y, spec, "indicatorRef") != NULL)) {
        report(m, spec, IMPORTER_SKIPPED, base, "spec",
               "needs exactly one of indicator and indicatorRef");
    } else if (indicator != NULL) {
        if (!yr_is_map(indicator))
            report(m, indicator, IMPORTER_SKIPPED, base, "spec.indicator", "expected a mapping");
        else
            openslo_indicator(m, yr_get_opt(&m->y, indicator, "spec"), "spec.indicator.spec", base, bm,
                              bm_node, &d);
    } else if (ref != NULL) {
        struct odoc *sli = find_doc(m, "SLI", ref);

        if (sli == NULL) {
            report(m, yr_get(&m->y, spec, "indicatorRef"), IMPORTER_SKIPPED, base, "spec.indicatorRef",
                   "no SLI document \"%s\" in the file", shorten(ref, s, sizeof(s)));
        } else {
            yaml_document_t *saved = m->y.doc;

            sli->used = 1;
            m->y.doc = sli->doc;
            /* Messages about the SLI document point into it. */
            if (sli->spec == NULL)
                report(m, sli->root, IMPORTER_SKIPPED, base, "SLI spec", "missing field \"spec\"");
            else
                openslo_indicator(m, sli->spec, "SLI spec", base, bm, bm_node, &d);
            m->y.doc = saved;
        }
    }
    if (nobj == 0) {
        report(m, objs ? objs : spec, IMPORTER_SKIPPED, base, "spec.objectives",
               "needs a list of at least one objective");
        goto out;
    }
    if (m->nskipped != before || !d.ok || m->y.oom || o.service == NULL || o.period == NULL)
        goto out;
    o.kind = d.kind;
    o.good_based = d.good_based;
    if (d.kind == CONFIG_SLI_TIMESLICE) {
        o.gauge = d.gauge;
        o.age = d.age;
        d.gauge = NULL;
    } else {
        o.num = d.num;
        o.total = d.total;
        d.num = d.total = NULL;
    }
    if (d.note != NULL)
        report(m, indicator ? indicator : yr_get(&m->y, spec, "indicatorRef"), IMPORTER_NOTE, base, NULL,
               "%s", strncmp(d.note, "note: ", 6) == 0 ? d.note + 6 : d.note);
    if (d.kind == CONFIG_SLI_PROMQL && d.note == NULL)
        o.sli_note = "the queries as written: promql mode only";
    else if (d.kind == CONFIG_SLI_PROMQL)
        o.sli_note = "a ratio per window; see the note on stderr";
    for (size_t i = 0; i < nobj && !m->y.oom && !m->too_big; i++)
        openslo_objective(m, yr_seq_item(&m->y, objs, i), i, nobj, base, &d, &o);
out:
    if (m->nout == written && m->nskipped != before)
        forget_since(m, mark);
    free(base);
    ind_free(&d);
    out_free(&o);
}

static void openslo_all(struct imp *m, yaml_document_t *docs, size_t ndocs)
{
    static const char *const other[] = {"AlertPolicy", "AlertCondition", "AlertNotificationTarget"};
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

        d->doc = &docs[i];
        m->y.doc = d->doc;
        d->root = yaml_document_get_root_node(d->doc);
        api = yr_scalar(yr_get(&m->y, d->root, "apiVersion"));
        d->kind = yr_scalar(yr_get(&m->y, d->root, "kind"));
        d->name = yr_scalar(yr_get(&m->y, yr_get_opt(&m->y, d->root, "metadata"), "name"));
        d->spec = yr_get_opt(&m->y, d->root, "spec");
        if (!yr_is_map(d->root)) {
            report(m, d->root, IMPORTER_SKIPPED, NULL, NULL,
                   "expected a mapping with apiVersion, kind, metadata and spec; document "
                   "skipped");
            continue;
        }
        if (api == NULL || strcmp(api, "openslo/v1") != 0) {
            const char *version = yr_scalar(yr_get(&m->y, d->root, "version"));
            int slo = d->kind != NULL && strcmp(d->kind, "SLO") == 0;

            if (version != NULL && strcmp(version, "prometheus/v1") == 0)
                report(m, d->root, IMPORTER_SKIPPED, NULL, NULL,
                       "this is a Sloth prometheus/v1 spec; use --from=sloth");
            else
                report(m, api ? yr_get(&m->y, d->root, "apiVersion") : d->root,
                       slo ? IMPORTER_SKIPPED : IMPORTER_NOTE, NULL, "apiVersion",
                       "%s%s%s, not openslo/v1 (the only version converted); document skipped",
                       api ? "\"" : "", api ? shorten(api, s, sizeof(s)) : "missing",
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
        if (!d->v1)
            continue;
        if (d->kind == NULL) {
            report(m, d->root, IMPORTER_NOTE, NULL, "kind", "missing; document ignored");
        } else if (strcmp(d->kind, "SLO") == 0) {
            openslo_slo(m, d);
        } else if (strcmp(d->kind, "DataSource") == 0) {
            report(m, yr_get(&m->y, d->root, "kind"), IMPORTER_NOTE, NULL, NULL,
                   "DataSource %s: connection details are not converted; fill in "
                   "global.prometheus",
                   d->name ? shorten(d->name, s, sizeof(s)) : "?");
        } else if (strcmp(d->kind, "SLI") != 0 && strcmp(d->kind, "Service") != 0) {
            size_t k;

            for (k = 0; k < NELEMS(other); k++)
                if (strcmp(d->kind, other[k]) == 0)
                    break;
            report(m, yr_get(&m->y, d->root, "kind"), IMPORTER_NOTE, NULL, NULL, "%s %s: %s",
                   shorten(d->kind, s, sizeof(s)), d->name ? d->name : "?",
                   k < NELEMS(other) ? "not converted; the sidecar's burn-rate alerts "
                                       "(`slo-sidecar rules`) replace alert policies"
                                     : "an unknown kind; ignored");
        }
    }
    for (size_t i = 0; i < ndocs && !m->y.oom; i++) {
        struct odoc *d = &m->odocs[i];

        m->y.doc = d->doc;
        if (d->v1 && d->kind != NULL && strcmp(d->kind, "SLI") == 0 && !d->used)
            report(m, yr_get(&m->y, d->root, "kind"), IMPORTER_NOTE, NULL, NULL,
                   "SLI %s is not used by any SLO; not converted",
                   d->name ? shorten(d->name, s, sizeof(s)) : "?");
    }
    if (nslo == 0 && m->nin == 0)
        add_msg(m, 0, 0, IMPORTER_ERROR, "no OpenSLO v1 SLO document (kind: SLO) to convert");
}

/* ---- the whole conversion ---- */

/* The header comment and global skeleton, then the SLOs, into r->output. */
static int assemble(struct imp *m, struct importer_result *r)
{
    struct buf b;
    int rc = 0;

    buf_init(&b, IMPORTER_MAX_OUTPUT + 8192);
    rc |= buf_puts(&b, "# slo-sidecar configuration converted from ");
    rc |= put_comment_text(&b, m->y.file);
    rc |=
        buf_printf(&b, " (%s)\n", m->fmt == IMPORTER_SLOTH ? "Sloth prometheus/v1" : "OpenSLO v1");
    rc |= buf_printf(&b,
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
        add_msg(&m, 0, 0, IMPORTER_ERROR, "empty input: no YAML document");
        goto done;
    }
    if (f == IMPORTER_SLOTH) {
        for (size_t i = 0; i < ndocs && !m.y.oom && !m.too_big; i++) {
            m.y.doc = &docs[i];
            sloth_doc(&m, yaml_document_get_root_node(&docs[i]), i, ndocs);
        }
    } else {
        openslo_all(&m, docs, ndocs);
    }
    if (m.too_big) {
        add_msg(&m, 0, 0, IMPORTER_ERROR, "the converted config would be larger than 64 MiB");
        goto done;
    }
    if (m.y.oom)
        goto done;
    if (m.nout == 0) {
        if (m.nin > 0)
            add_msg(&m, 0, 0, IMPORTER_ERROR, "no SLO could be converted");
        else if (f == IMPORTER_SLOTH)
            add_msg(&m, 0, 0, IMPORTER_ERROR, "no Sloth prometheus/v1 SLO to convert");
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
        add_msg(&m, 0, 0, IMPORTER_ERROR, "out of memory");
        rc = -1;
    }
    if (m.y.lost > 0) {
        char t[96];

        snprintf(t, sizeof(t), "%zu more messages not shown (only the first %zu are)", m.y.lost,
                 limits.max_msgs);
        add_msg(&m, 0, 0, IMPORTER_NOTE, t);
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
