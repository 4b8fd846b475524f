/*
 * selector: a small recursive-descent parser for PromQL series selectors and
 * their printer. See include/selector.h. Regexes are RE2 in Prometheus, which
 * POSIX regcomp does not understand (\d, (?i), ...), so only bracket balance
 * is checked here; the store reports anything subtler.
 */
#include "selector.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    const char *s;
    size_t pos;
    struct err *e;
};

static int fail_at(struct parser *p, const char *what)
{
    return util_err(p->e, "column %zu: %s", p->pos + 1, what);
}

static void skip_ws(struct parser *p)
{
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
           p->s[p->pos] == '\r')
        p->pos++;
}

static int ident_start(int c, int colon)
{
    return isalpha(c) || c == '_' || (colon && c == ':');
}

static int ident_char(int c, int colon)
{
    return isalnum(c) || c == '_' || (colon && c == ':');
}

/* Reads [a-zA-Z_(:)][a-zA-Z0-9_(:)]* into a new string. */
static char *ident(struct parser *p, int colon)
{
    size_t start = p->pos;
    char *out;

    if (!ident_start((unsigned char)p->s[p->pos], colon))
        return NULL;
    while (ident_char((unsigned char)p->s[p->pos], colon))
        p->pos++;
    out = malloc(p->pos - start + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, p->s + start, p->pos - start);
    out[p->pos - start] = '\0';
    return out;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

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

/* Reads one escape after a backslash inside a quoted string (Go rules). */
static int escape(struct parser *p, char quote, struct buf *b)
{
    char c = p->s[p->pos];
    int digits = 0;
    unsigned long cp = 0;

    switch (c) {
    case 'a': p->pos++; return buf_puts(b, "\a");
    case 'b': p->pos++; return buf_puts(b, "\b");
    case 'f': p->pos++; return buf_puts(b, "\f");
    case 'n': p->pos++; return buf_puts(b, "\n");
    case 'r': p->pos++; return buf_puts(b, "\r");
    case 't': p->pos++; return buf_puts(b, "\t");
    case 'v': p->pos++; return buf_puts(b, "\v");
    case '\\': p->pos++; return buf_puts(b, "\\");
    case 'x': digits = 2; break;
    case 'u': digits = 4; break;
    case 'U': digits = 8; break;
    default:
        if (c == quote) {
            p->pos++;
            return buf_append(b, &c, 1);
        }
        if (c >= '0' && c <= '7') {
            for (int i = 0; i < 3; i++) {
                char d = p->s[p->pos + (size_t)i];

                if (d < '0' || d > '7')
                    return fail_at(p, "octal escape needs three digits");
                cp = cp * 8 + (unsigned long)(d - '0');
            }
            if (cp > 255)
                return fail_at(p, "octal escape out of range");
            p->pos += 3;
            {
                char ch = (char)cp;

                return buf_append(b, &ch, 1);
            }
        }
        return fail_at(p, "unknown escape sequence in string");
    }
    p->pos++;
    for (int i = 0; i < digits; i++) {
        int h = hexval((unsigned char)p->s[p->pos]);

        if (h < 0)
            return fail_at(p, "invalid hexadecimal escape in string");
        cp = cp * 16 + (unsigned long)h;
        p->pos++;
    }
    if (c == 'x') {
        char ch = (char)cp;

        return buf_append(b, &ch, 1);
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return fail_at(p, "escape is not a valid Unicode code point");
    return put_utf8(b, cp);
}

static char *string_lit(struct parser *p)
{
    char quote = p->s[p->pos];
    struct buf b;

    if (quote != '"' && quote != '\'' && quote != '`') {
        fail_at(p, "expected a quoted label value");
        return NULL;
    }
    p->pos++;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "");
    for (;;) {
        char c = p->s[p->pos];

        if (c == '\0') {
            fail_at(p, "unterminated string");
            goto fail;
        }
        if (c == quote) {
            p->pos++;
            break;
        }
        if (c == '\\' && quote != '`') {
            p->pos++;
            if (escape(p, quote, &b) != 0)
                goto fail;
            continue;
        }
        if (c == '\n' && quote != '`') {
            fail_at(p, "newline in string");
            goto fail;
        }
        if (buf_append(&b, &c, 1) != 0) {
            fail_at(p, "label value too long");
            goto fail;
        }
        p->pos++;
    }
    return buf_steal(&b);
fail:
    buf_free(&b);
    return NULL;
}

/* Unbalanced ( ) or [ ] outside escapes are certainly invalid in RE2. */
static int regex_balanced(const char *re)
{
    int paren = 0, inclass = 0;

    for (const char *c = re; *c; c++) {
        if (*c == '\\') {
            if (c[1] == '\0')
                return 0;
            c++;
            continue;
        }
        if (inclass) {
            if (*c == ']')
                inclass = 0;
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
                return 0;
        }
    }
    return paren == 0 && !inclass;
}

static int matcher(struct parser *p, struct selector *sel)
{
    struct selector_matcher m = {NULL, SELECTOR_EQ, NULL};
    struct selector_matcher *nm;
    size_t op_pos;

    m.name = ident(p, 0);
    if (m.name == NULL)
        return fail_at(p, "expected a label name");
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
    } else if (p->s[p->pos] == '=') {
        m.op = SELECTOR_EQ;
        p->pos++;
    } else {
        util_err(p->e, "column %zu: expected \"=\", \"!=\", \"=~\" or \"!~\" after label name "
                       "\"%s\"", op_pos + 1, m.name);
        free(m.name);
        return -1;
    }
    skip_ws(p);
    m.value = string_lit(p);
    if (m.value == NULL) {
        free(m.name);
        return -1;
    }
    if ((m.op == SELECTOR_RE || m.op == SELECTOR_NRE) && !regex_balanced(m.value)) {
        util_err(p->e, "column %zu: invalid regular expression \"%s\" (unbalanced brackets)",
                 op_pos + 1, m.value);
        goto fail;
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

    *out = NULL;
    sel = calloc(1, sizeof(*sel));
    if (sel == NULL)
        return util_err(e, "out of memory");
    skip_ws(&p);
    sel->metric = ident(&p, 1);
    if (sel->metric == NULL) {
        fail_at(&p, "expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
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
            fail_at(&p, "expected \",\" or \"}\" after a matcher");
            goto fail;
        }
        skip_ws(&p);
    }
    if (s[p.pos] != '\0') {
        fail_at(&p, s[p.pos] == '['
                        ? "a selector takes no range; the sidecar adds the windows itself"
                        : "unexpected text after the selector");
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

static int put_matcher(struct buf *b, int first, const char *name, enum selector_op op,
                       const char *value)
{
    int rc = buf_printf(b, "%s%s%s\"", first ? "{" : ",", name, selector_op_str(op));

    for (const char *c = value; *c && rc == 0; c++) {
        if (*c == '\\' || *c == '"')
            rc = buf_printf(b, "\\%c", *c);
        else if (*c == '\n')
            rc = buf_puts(b, "\\n");
        else
            rc = buf_append(b, c, 1);
    }
    return rc ? -1 : buf_puts(b, "\"");
}

char *selector_format(const struct selector *sel, const char *suffix,
                      const char *extra_name, enum selector_op extra_op,
                      const char *extra_value)
{
    struct buf b;
    int rc = 0;

    buf_init(&b, 4u << 20);
    rc |= buf_puts(&b, sel->metric);
    if (suffix != NULL)
        rc |= buf_puts(&b, suffix);
    for (size_t i = 0; i < sel->n; i++)
        rc |= put_matcher(&b, i == 0, sel->m[i].name, sel->m[i].op, sel->m[i].value);
    if (extra_name != NULL)
        rc |= put_matcher(&b, sel->n == 0, extra_name, extra_op, extra_value);
    if (sel->n > 0 || extra_name != NULL)
        rc |= buf_puts(&b, "}");
    if (rc != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}
