/*
 * exposition: writes the Prometheus text format 0.0.4 into a capped buffer.
 * See exposition.h.
 *
 * Every function either appends whole lines or leaves the buffer as it found
 * it, so a scrape that hits the cap fails cleanly instead of publishing a
 * half-written line that `promtool check metrics` (and Prometheus) reject.
 * Names are written as given: callers pass constants or validated config
 * names.
 */
#include "exposition.h"

#include <string.h>

/* Drops whatever was appended after mark (the buffer's length on entry). */
static void truncate_to(struct buf *b, size_t mark)
{
    b->len = mark;
    if (b->data != NULL)
        b->data[mark] = '\0';
}

/*
 * Appends s with backslash and newline escaped, and the double quote too when
 * quote is set. Plain runs are copied in one append rather than byte by byte.
 * May leave a partial copy behind on failure; callers truncate.
 */
static int append_escaped(struct buf *b, const char *s, int quote)
{
    const char *run = s;

    for (const char *p = s; *p; p++) {
        const char *rep;

        if (*p == '\\')
            rep = "\\\\";
        else if (*p == '\n')
            rep = "\\n";
        else if (*p == '"' && quote)
            rep = "\\\"";
        else
            continue;
        if (buf_append(b, run, (size_t)(p - run)) != 0 || buf_puts(b, rep) != 0)
            return -1;
        run = p + 1;
    }
    return buf_puts(b, run);
}

int exposition_escape_value(struct buf *b, const char *s)
{
    size_t mark = b->len;

    /* Label values escape the quote that delimits them; HELP text does not. */
    if (append_escaped(b, s, 1) != 0) {
        truncate_to(b, mark);
        return -1;
    }
    return 0;
}

int exposition_family(struct buf *b, const char *name, const char *type, const char *help)
{
    size_t mark = b->len;

    if (buf_printf(b, "# HELP %s ", name) != 0 || append_escaped(b, help, 0) != 0 ||
        buf_printf(b, "\n# TYPE %s %s\n", name, type) != 0) {
        truncate_to(b, mark);
        return -1;
    }
    return 0;
}

/* Appends one name="value" pair, opening the braces before the first one. */
static int put_label(struct buf *b, int *first, const char *name, const char *value)
{
    if (buf_puts(b, *first ? "{" : ",") != 0 || buf_puts(b, name) != 0 ||
        buf_puts(b, "=\"") != 0 || append_escaped(b, value, 1) != 0 || buf_puts(b, "\"") != 0)
        return -1;
    *first = 0;
    return 0;
}

int exposition_sample(struct buf *b, const char *name, const struct labels *common,
                      const struct exposition_label *extra, size_t nextra, double value)
{
    size_t mark = b->len;
    int first = 1;
    char num[40];

    if (buf_puts(b, name) != 0)
        goto fail;
    for (size_t i = 0; common != NULL && i < common->n; i++)
        if (put_label(b, &first, common->v[i].name, common->v[i].value) != 0)
            goto fail;
    for (size_t i = 0; i < nextra; i++)
        if (put_label(b, &first, extra[i].name, extra[i].value) != 0)
            goto fail;
    util_fmt_double(value, num, sizeof(num));
    /* No labels means no braces at all: "name value", as the format allows. */
    if ((!first && buf_puts(b, "}") != 0) || buf_printf(b, " %s\n", num) != 0)
        goto fail;
    return 0;
fail:
    truncate_to(b, mark);
    return -1;
}
