/*
 * impwrite: the importer's YAML writer, by hand so that the output reads
 * like a config a person wrote and reads back exactly. See
 * impwrite.h.
 */
#include "impwrite.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

size_t imp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
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

int imp_char_safe(uint32_t c)
{
    return c == '\t' || (c >= 0x20 && c <= 0x7e) ||
           (c >= 0xa0 && c <= 0xd7ff && c != 0x2028 && c != 0x2029) ||
           (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

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
        size_t l = imp_utf8_decode(p + i, n - i, &c);

        if (l == 0)
            return -1; /* not UTF-8: libyaml's input never is */
        if (c == '"' || c == '\\')
            rc = buf_printf(b, "\\%c", (char)c);
        else if (c == '\n')
            rc = buf_puts(b, "\\n");
        else if (c == '\t')
            rc = buf_puts(b, "\\t");
        else if (imp_char_safe(c))
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
        size_t l = imp_utf8_decode(p + i, n - i, &c);

        if (l == 0)
            return -1;
        if (c == '\n')
            nl = 1;
        else if (!imp_char_safe(c))
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

int imp_put_comment_text(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    int rc = 0;

    while (i < n && rc == 0) {
        uint32_t c;
        size_t l = imp_utf8_decode(p + i, n - i, &c);

        if (l == 0 || !imp_char_safe(c)) {
            rc = buf_puts(b, " ");
            i += l ? l : 1;
            continue;
        }
        rc = buf_append(b, p + i, l);
        i += l;
    }
    return rc;
}

/* "key: value" lines of a string map at indent; "name: {}" never happens (empty maps are left
 * out).
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

void imp_out_init(struct out_slo *o)
{
    memset(o, 0, sizeof(*o));
    labels_init(&o->labels);
    labels_init(&o->page_labels);
    labels_init(&o->page_ann);
    labels_init(&o->ticket_labels);
    labels_init(&o->ticket_ann);
}

void imp_out_free(struct out_slo *o)
{
    free(o->comment);
    free(o->name);
    free(o->service);
    free(o->description);
    free(o->objective);
    free(o->period);
    free(o->timezone);
    labels_free(&o->labels);
    for (size_t i = 0; i < o->ngroup_by; i++)
        free(o->group_by[i]);
    free(o->group_by);
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

static int put_route(struct buf *b, const char *sev, const struct labels *l,
                     const struct labels *a)
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

int imp_render(const struct out_slo *o, struct buf *b)
{
    static const char *const kinds[] = {"events", "latency", "timeslice", "promql"};
    int rc = 0;

    if (o->comment != NULL) {
        rc |= buf_puts(b, "  # ");
        rc |= imp_put_comment_text(b, o->comment);
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
    if (o->ngroup_by > 0) {
        rc |= buf_puts(b, "    group_by:\n");
        for (size_t i = 0; i < o->ngroup_by; i++) {
            rc |= buf_puts(b, "      - ");
            rc |= put_str(b, o->group_by[i], 8);
            rc |= buf_puts(b, "\n");
        }
    }
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
        /* A disabled alert is switched off; its routing was not kept. */
        if (o->page_off)
            rc |= buf_puts(b, "      page: false\n");
        else
            rc |= put_route(b, "page", &o->page_labels, &o->page_ann);
        if (o->ticket_off)
            rc |= buf_puts(b, "      ticket: false\n");
        else
            rc |= put_route(b, "ticket", &o->ticket_labels, &o->ticket_ann);
    }
    return rc ? -1 : 0;
}
