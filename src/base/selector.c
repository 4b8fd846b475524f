/*
 * selector: a small recursive-descent parser for PromQL series selectors and
 * their printer. See selector.h.
 *
 * Regexes are RE2 in Prometheus, which POSIX regcomp does not understand
 * (\d, (?i), \pL, ...), so only what is certainly broken in any dialect is
 * refused here: unbalanced ( ) or [ ] and a trailing backslash. The store
 * reports anything subtler when the query runs.
 */
#include "selector.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A label value longer than this is a mistake, not a label. */
#define VALUE_MAX (1u << 20)

struct parser {
    const char *s;
    size_t pos;
    struct err *e;
};

static void fail_atf(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills p->e with "column N: message" (N is 1-based). */
static void fail_atf(struct parser *p, size_t pos, const char *fmt, ...)
{
    char msg[UTIL_ERRLEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    util_errf(p->e, "column %zu: %s", pos + 1, msg);
}

/* fail_atf, then -1 (a macro for the analysers, as util_err). */
#define fail_at(...) (fail_atf(__VA_ARGS__), util_minus_one())

static void skip_ws(struct parser *p)
{
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
           p->s[p->pos] == '\r')
        p->pos++;
}

/* ASCII only on purpose: isalpha() depends on the locale. */
static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int ident_start(char c, int colon)
{
    return is_alpha(c) || c == '_' || (colon && c == ':');
}

static int ident_char(char c, int colon)
{
    return ident_start(c, colon) || is_digit(c);
}

int selector_name_ok(const char *s, int colon)
{
    if (!ident_start(*s, colon))
        return 0;
    for (s++; *s != '\0'; s++)
        if (!ident_char(*s, colon))
            return 0;
    return 1;
}

/*
 * Reads [a-zA-Z_(:)][a-zA-Z0-9_(:)]* into *out (caller frees). Returns 0, 1
 * when there is no identifier at the cursor (nothing reported), or -1 when out
 * of memory (reported).
 */
static int ident(struct parser *p, int colon, char **out)
{
    size_t start = p->pos;

    *out = NULL;
    if (!ident_start(p->s[p->pos], colon))
        return 1;
    while (ident_char(p->s[p->pos], colon))
        p->pos++;
    *out = malloc(p->pos - start + 1);
    if (*out == NULL)
        return util_err(p->e, "out of memory");
    memcpy(*out, p->s + start, p->pos - start);
    (*out)[p->pos - start] = '\0';
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends code point cp (already checked to be a valid scalar value) as UTF-8. */
static int put_utf8(struct buf *b, unsigned long cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return buf_append(b, u, n);
}

/* buf_append cannot say why it failed; the cap is the likely reason. */
static int append_fail(struct parser *p, const struct buf *b, size_t start)
{
    if (b->len + 4 >= b->cap)
        return fail_at(p, start, "label value is longer than %u bytes", VALUE_MAX);
    return util_err(p->e, "out of memory");
}

/*
 * Reads one escape sequence; the cursor is on the backslash. Go's escapes:
 * \a \b \f \n \r \t \v \\ \' \", three octal digits, \xHH, \uHHHH,
 * \UHHHHHHHH. Both quote characters may be escaped in either kind of string
 * (Go allows only the enclosing one; accepting both costs nothing because
 * the value is re-quoted when printed). Octal and \x give one byte, \u and
 * \U a code point written as UTF-8.
 */
static int escape(struct parser *p, struct buf *b, size_t start)
{
    static const char simple_in[] = "abfnrtv\\'\"";
    static const char simple_out[] = "\a\b\f\n\r\t\v\\'\"";
    size_t at = p->pos; /* the backslash, for messages */
    char c = p->s[at + 1];
    const char *hit = c != '\0' ? strchr(simple_in, c) : NULL;
    unsigned long cp = 0;
    int digits = 0;
    int is_byte = 1;
    char ch;

    if (hit != NULL) {
        p->pos += 2;
        if (buf_append(b, &simple_out[hit - simple_in], 1) != 0)
            return append_fail(p, b, start);
        return 0;
    }
    if (c >= '0' && c <= '7') {
        for (size_t i = 1; i <= 3; i++) {
            char d = p->s[at + i];

            if (d < '0' || d > '7')
                return fail_at(p, at, "octal escape needs three digits 0-7");
            cp = cp * 8 + (unsigned long)(d - '0');
        }
        if (cp > 255)
            return fail_at(p, at, "octal escape \"\\%.3s\" is above \\377", p->s + at + 1);
        p->pos += 4;
    } else if (c == 'x' || c == 'u' || c == 'U') {
        digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        is_byte = c == 'x';
        for (int i = 0; i < digits; i++) {
            int h = hexval(p->s[at + 2 + (size_t)i]);

            if (h < 0)
                return fail_at(p, at, "escape \"\\%c\" needs %d hexadecimal digits", c, digits);
            cp = cp * 16 + (unsigned long)h;
        }
        p->pos += 2 + (size_t)digits;
    } else if (c == '\0') {
        return fail_at(p, start, "unterminated string");
    } else {
        return fail_at(p, at, "unknown escape sequence \"\\%c\"", c);
    }
    /* A NUL would silently cut the C string that carries the value. */
    if (cp == 0)
        return fail_at(p, at, "label values cannot contain a NUL character");
    if (!is_byte) {
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return fail_at(p, at, "escape is not a valid Unicode code point");
        if (put_utf8(b, cp) != 0)
            return append_fail(p, b, start);
        return 0;
    }
    ch = (char)cp;
    if (buf_append(b, &ch, 1) != 0)
        return append_fail(p, b, start);
    return 0;
}

/*
 * Reads a quoted label value at the cursor into *out (caller frees).
 * Backquoted strings are raw: no escapes, newlines allowed, as in PromQL.
 */
static int string_lit(struct parser *p, char **out)
{
    size_t start = p->pos;
    char quote = p->s[p->pos];
    struct buf b;

    *out = NULL;
    if (quote != '"' && quote != '\'' && quote != '`') {
        if (p->s[p->pos] == '\0')
            return fail_at(p, p->pos, "expected a quoted label value, got the end");
        return fail_at(p, p->pos, "expected a quoted label value (\"...\", '...' or `...`)");
    }
    p->pos++;
    buf_init(&b, VALUE_MAX);
    /* Allocate up front so an empty value is "" and not NULL. */
    if (buf_append(&b, "", 0) != 0) {
        util_err(p->e, "out of memory");
        goto fail;
    }
    for (;;) {
        char c = p->s[p->pos];

        if (c == '\0') {
            fail_at(p, start, "unterminated string (no closing %c)", quote);
            goto fail;
        }
        if (c == quote) {
            p->pos++;
            break;
        }
        if (c == '\\' && quote != '`') {
            if (escape(p, &b, start) != 0)
                goto fail;
            continue;
        }
        if (c == '\n' && quote != '`') {
            fail_at(p, p->pos, "newline in a quoted string (use \\n or backquotes)");
            goto fail;
        }
        if (buf_append(&b, &c, 1) != 0) {
            append_fail(p, &b, start);
            goto fail;
        }
        p->pos++;
    }
    *out = buf_steal(&b);
    return 0;
fail:
    buf_free(&b);
    return -1;
}

/*
 * Returns NULL when re has balanced ( ) and [ ] and no trailing backslash,
 * else what is wrong. Knows RE2's escapes, \Q...\E quoting, "]" as the
 * first character of a class and [:name:] inside classes.
 */
static const char *regex_problem(const char *re)
{
    long paren = 0;
    int inclass = 0;
    int no_close = 0; /* no ":]" after here: later "[:" need not look again */

    for (const char *c = re; *c; c++) {
        if (*c == '\\') {
            if (c[1] == '\0')
                return "it ends with a lone backslash";
            if (c[1] == 'Q') {
                const char *end = strstr(c + 2, "\\E");

                if (end == NULL)
                    return NULL; /* \Q quotes to the end */
                c = end + 1;
                continue;
            }
            c++;
            continue;
        }
        if (inclass) {
            if (c[0] == '[' && c[1] == ':' && !no_close) {
                const char *end = strstr(c + 2, ":]");

                /* Searching again from each "[:" would take quadratic time. */
                if (end != NULL)
                    c = end + 1;
                else
                    no_close = 1;
            } else if (*c == ']') {
                inclass = 0;
            }
            continue;
        }
        if (*c == '[') {
            inclass = 1;
            if (c[1] == '^')
                c++;
            if (c[1] == ']')
                c++;
        } else if (*c == '(') {
            paren++;
        } else if (*c == ')') {
            if (--paren < 0)
                return "unexpected \")\"";
        }
    }
    if (inclass)
        return "missing closing \"]\"";
    if (paren > 0)
        return "missing closing \")\"";
    return NULL;
}

static int matcher(struct parser *p, struct selector *sel)
{
    struct selector_matcher m = {NULL, SELECTOR_EQ, NULL};
    struct selector_matcher *nm;
    size_t op_pos, value_pos;
    int rc;

    rc = ident(p, 0, &m.name);
    if (rc != 0) {
        if (rc > 0)
            fail_at(p, p->pos, "expected a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
        return -1;
    }
    skip_ws(p);
    op_pos = p->pos;
    if (p->s[p->pos] == '=' && p->s[p->pos + 1] == '~') {
        m.op = SELECTOR_RE;
        p->pos += 2;
    } else if (p->s[p->pos] == '!' && p->s[p->pos + 1] == '~') {
        m.op = SELECTOR_NRE;
        p->pos += 2;
    } else if (p->s[p->pos] == '!' && p->s[p->pos + 1] == '=') {
        m.op = SELECTOR_NE;
        p->pos += 2;
    } else if (p->s[p->pos] == '=' && p->s[p->pos + 1] == '=') {
        /* A common slip from other languages; say so rather than
         * complaining about a missing quote. */
        fail_at(p, op_pos, "use \"=\", not \"==\", after label name \"%s\"", m.name);
        goto fail;
    } else if (p->s[p->pos] == '=') {
        m.op = SELECTOR_EQ;
        p->pos++;
    } else {
        fail_at(p, op_pos, "expected \"=\", \"!=\", \"=~\" or \"!~\" after label name \"%s\"",
                m.name);
        goto fail;
    }
    skip_ws(p);
    value_pos = p->pos;
    if (string_lit(p, &m.value) != 0)
        goto fail;
    if (m.op == SELECTOR_RE || m.op == SELECTOR_NRE) {
        const char *why = regex_problem(m.value);

        if (why != NULL) {
            fail_at(p, value_pos, "invalid regular expression for label \"%s\": %s", m.name, why);
            goto fail;
        }
    }
    nm = realloc(sel->m, (sel->n + 1) * sizeof(*nm));
    if (nm == NULL) {
        util_err(p->e, "out of memory");
        goto fail;
    }
    sel->m = nm;
    nm[sel->n++] = m;
    return 0;
fail:
    free(m.name);
    free(m.value);
    return -1;
}

int selector_parse(const char *s, struct selector **out, struct err *e)
{
    struct parser p = {s, 0, e};
    struct selector *sel;
    int rc;

    *out = NULL;
    if (s == NULL)
        return util_err(e, "no selector");
    sel = calloc(1, sizeof(*sel));
    if (sel == NULL)
        return util_err(e, "out of memory");
    skip_ws(&p);
    rc = ident(&p, 1, &sel->metric);
    if (rc != 0) {
        if (rc > 0 && s[p.pos] == '{')
            fail_at(&p, p.pos,
                    "expected a metric name before \"{\" (the sidecar needs "
                    "the name to build its queries)");
        else if (rc > 0)
            fail_at(&p, p.pos, "expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
        goto fail;
    }
    skip_ws(&p);
    if (s[p.pos] == '{') {
        p.pos++;
        for (;;) {
            skip_ws(&p);
            if (s[p.pos] == '}') {
                p.pos++;
                break;
            }
            if (matcher(&p, sel) != 0)
                goto fail;
            skip_ws(&p);
            if (s[p.pos] == ',') {
                p.pos++;
                continue;
            }
            if (s[p.pos] == '}') {
                p.pos++;
                break;
            }
            if (s[p.pos] == '\0')
                fail_at(&p, p.pos, "missing \"}\" at the end of the selector");
            else
                fail_at(&p, p.pos, "expected \",\" or \"}\" after a matcher");
            goto fail;
        }
        skip_ws(&p);
    }
    if (s[p.pos] != '\0') {
        if (s[p.pos] == '[')
            fail_at(&p, p.pos, "a selector takes no range; the sidecar adds the windows itself");
        else if (s[p.pos] == '(')
            fail_at(&p, p.pos,
                    "a selector is a metric name with optional {matchers}, not an "
                    "expression (use an sli.promql for full queries)");
        else
            fail_at(&p, p.pos, "unexpected \"%c\" after the selector", s[p.pos]);
        goto fail;
    }
    *out = sel;
    return 0;
fail:
    selector_free(sel);
    return -1;
}

void selector_free(struct selector *sel)
{
    if (sel == NULL)
        return;
    for (size_t i = 0; i < sel->n; i++) {
        free(sel->m[i].name);
        free(sel->m[i].value);
    }
    free(sel->m);
    free(sel->metric);
    free(sel);
}

const char *selector_op_str(enum selector_op op)
{
    switch (op) {
    case SELECTOR_NE:
        return "!=";
    case SELECTOR_RE:
        return "=~";
    case SELECTOR_NRE:
        return "!~";
    case SELECTOR_EQ:
    default:
        return "=";
    }
}

/* Appends `{name OP "value"` (or `,` first when not the first matcher). */
static int put_matcher(struct buf *b, int first, const char *name, enum selector_op op,
                       const char *value)
{
    if (buf_puts(b, first ? "{" : ",") != 0 || buf_puts(b, name) != 0 ||
        buf_puts(b, selector_op_str(op)) != 0 || buf_puts(b, "\"") != 0)
        return -1;
    for (const char *c = value; *c; c++) {
        int rc;

        if (*c == '\\')
            rc = buf_puts(b, "\\\\");
        else if (*c == '"')
            rc = buf_puts(b, "\\\"");
        else if (*c == '\n')
            rc = buf_puts(b, "\\n");
        else
            rc = buf_append(b, c, 1);
        if (rc != 0)
            return -1;
    }
    return buf_puts(b, "\"");
}

char *selector_format(const struct selector *sel, const char *suffix, const char *extra_name,
                      enum selector_op extra_op, const char *extra_value)
{
    struct buf b;

    if (sel == NULL)
        return NULL;
    /* Generous: a config file is capped at 16 MiB, values at 1 MiB each. */
    buf_init(&b, 64u << 20);
    if (buf_puts(&b, sel->metric) != 0)
        goto fail;
    if (suffix != NULL && buf_puts(&b, suffix) != 0)
        goto fail;
    for (size_t i = 0; i < sel->n; i++)
        if (put_matcher(&b, i == 0, sel->m[i].name, sel->m[i].op, sel->m[i].value) != 0)
            goto fail;
    if (extra_name != NULL &&
        put_matcher(&b, sel->n == 0, extra_name, extra_op, extra_value ? extra_value : "") != 0)
        goto fail;
    if ((sel->n > 0 || extra_name != NULL) && buf_puts(&b, "}") != 0)
        goto fail;
    return buf_steal(&b);
fail:
    buf_free(&b);
    return NULL;
}

void selector_le_regex(double threshold, char *buf, size_t len)
{
    char num[40];
    struct buf b;
    int plain;

    util_fmt_double(threshold, num, sizeof(num));
    plain = strpbrk(num, ".eE") == NULL;
    buf_init(&b, len > 0 ? len - 1 : 0);
    for (const char *p = num; *p; p++) {
        if (*p == '.' || *p == '+')
            buf_puts(&b, "\\");
        buf_append(&b, p, 1);
    }
    /* Go clients write "1", Python and OpenMetrics ones "1.0". */
    if (plain)
        buf_printf(&b, "|%s\\.0", num);
    snprintf(buf, len, "%s", b.data ? b.data : "");
    buf_free(&b);
}
