/*
 * pqsyntax: PromQL syntax checker. See pqsyntax.h.
 *
 * A lexer that hands out one token at a time, and a recursive-descent
 * parser with precedence climbing for the binary operators. The parser
 * keeps no tree: each rule returns what its callers need to know about the
 * expression it read (type, whether it is a bare selector, its modifiers),
 * which is all Prometheus' cheap checks look at. The first error stops the
 * check; its message says what was found and, where it helps, what was
 * expected, in Prometheus' words where they are clear.
 */
#include "pqsyntax.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tk {
    TK_EOF,
    TK_NUM,
    TK_DUR,
    TK_STR,
    TK_IDENT,  /* a name without a colon: a metric, label, function or keyword */
    TK_MIDENT, /* a metric name with a colon */
    TK_LPAREN,
    TK_RPAREN,
    TK_LBRACE,
    TK_RBRACE,
    TK_LBRACK,
    TK_RBRACK,
    TK_COMMA,
    TK_COLON,
    TK_AT,
    TK_ASSIGN,
    TK_EQLC,
    TK_NEQ,
    TK_EQLRE,
    TK_NEQRE,
    TK_LSS,
    TK_LTE,
    TK_GTR,
    TK_GTE,
    TK_ADD,
    TK_SUB,
    TK_MUL,
    TK_DIV,
    TK_MOD,
    TK_POW
};

struct tok {
    enum tk t;
    size_t start;
    size_t len;
};

struct parser {
    const char *s;
    size_t len;
    size_t pos;     /* the lexer's position: just past cur */
    int in_bracket; /* inside [...]: ':' is a token of its own */
    int depth;
    struct tok cur;
    struct pqsyntax_error *err;
};

/* What a rule found out about the expression it read. */
enum ex_kind {
    EX_OTHER,
    EX_VSEL, /* instant vector selector */
    EX_MSEL, /* range vector selector */
    EX_SUBQ, /* subquery */
    EX_NUM,  /* number literal (also negated) */
    EX_STR,  /* string literal */
    EX_PAREN
};

struct ex {
    enum pqsyntax_type type;
    enum ex_kind kind;
    int has_offset;
    int has_at;
    size_t pos; /* 0-based start */
};

/* ---- messages ---- */

static int fail(struct parser *p, enum pqsyntax_kind kind, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct parser *p, enum pqsyntax_kind kind, size_t pos, const char *fmt, ...)
{
    va_list ap;

    p->err->kind = kind;
    p->err->pos = pos + 1;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

/* At most this many bytes of a token are quoted in a message. */
#define SHOW 40

/* "end of input", "\")\"", "identifier \"foo\"": the token for messages. */
static void describe(const struct parser *p, const struct tok *t, char *buf, size_t len)
{
    const char *what = "";
    int n = t->len > SHOW ? SHOW : (int)t->len;
    const char *more = t->len > SHOW ? "..." : "";

    switch (t->t) {
    case TK_EOF:
        snprintf(buf, len, "end of input");
        return;
    case TK_NUM:
        what = "number ";
        break;
    case TK_DUR:
        what = "duration ";
        break;
    case TK_STR:
        snprintf(buf, len, "string %.*s%s", n, p->s + t->start, more);
        return;
    case TK_IDENT:
    case TK_MIDENT:
        what = "identifier ";
        break;
    default:
        break;
    }
    snprintf(buf, len, "%s\"%.*s%s\"", what, n, p->s + t->start, more);
}

static int unexpected(struct parser *p, const char *where)
{
    char d[SHOW + 32];

    describe(p, &p->cur, d, sizeof(d));
    return fail(p, PQSYNTAX_ERR_SYNTAX, p->cur.start, "unexpected %s%s", d, where);
}

const char *pqsyntax_type_name(enum pqsyntax_type t)
{
    switch (t) {
    case PQSYNTAX_SCALAR:
        return "scalar";
    case PQSYNTAX_VECTOR:
        return "instant vector";
    case PQSYNTAX_MATRIX:
        return "range vector";
    case PQSYNTAX_STRING:
        return "string";
    }
    return "?";
}

/* ---- lexer ---- */

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_alnum(int c)
{
    return is_alpha(c) || is_digit(c);
}

static int at(const struct parser *p, size_t i)
{
    return i < p->len ? (unsigned char)p->s[i] : -1;
}

/* 1 when the token's text is word, ignoring case (keywords are case-insensitive). */
static int tok_is(const struct parser *p, const struct tok *t, const char *word)
{
    size_t n = strlen(word);

    if (t->t != TK_IDENT || t->len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p->s[t->start + i];

        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* The length of the valid UTF-8 sequence at s[i] (no overlongs, surrogates), or 0. */
static size_t utf8_len(const struct parser *p, size_t i)
{
    int c = at(p, i), c1 = at(p, i + 1);
    size_t n;
    int lo = 0x80, hi = 0xbf;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (c1 < lo || c1 > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if (at(p, i + k) < 0x80 || at(p, i + k) > 0xbf)
            return 0;
    return n;
}

/* n hex digits at s[i] into *v; 0 or -1. */
static int hex_run(const struct parser *p, size_t i, int n, unsigned long *v)
{
    *v = 0;
    for (int k = 0; k < n; k++) {
        int c = at(p, i + (size_t)k);

        if (!is_hex(c))
            return -1;
        *v = *v * 16 + (unsigned long)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return 0;
}

/* The escape at s[i] (just past the backslash) of a string quoted with q: its length. */
static int lex_escape(struct parser *p, size_t i, int q, size_t *n)
{
    int c = at(p, i);
    unsigned long v = 0;

    if (c < 0)
        return fail(p, PQSYNTAX_ERR_SYNTAX, i, "unterminated quoted string");
    if (strchr("abfnrtv\\", c) != NULL || c == q) {
        *n = 1;
        return 0;
    }
    if (c >= '0' && c <= '7') {
        for (int k = 0; k < 3; k++) {
            int d = at(p, i + (size_t)k);

            if (d < '0' || d > '7')
                return fail(p, PQSYNTAX_ERR_SYNTAX, i - 1,
                            "invalid escape sequence: an octal escape has three digits");
            v = v * 8 + (unsigned long)(d - '0');
        }
        if (v > 255)
            return fail(p, PQSYNTAX_ERR_SYNTAX, i - 1, "octal escape value > 255");
        *n = 3;
        return 0;
    }
    if (c == 'x' || c == 'u' || c == 'U') {
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;

        if (hex_run(p, i + 1, digits, &v) != 0)
            return fail(p, PQSYNTAX_ERR_SYNTAX, i - 1,
                        "invalid escape sequence: \\%c takes %d hex digits", c, digits);
        if (c != 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)))
            return fail(p, PQSYNTAX_ERR_SYNTAX, i - 1,
                        "invalid escape sequence: not a valid Unicode code point");
        *n = (size_t)digits + 1;
        return 0;
    }
    if (c < 0x80 && c > 0x20)
        return fail(p, PQSYNTAX_ERR_SYNTAX, i - 1, "unknown escape sequence \"\\%c\"", c);
    return fail(p, PQSYNTAX_ERR_SYNTAX, i - 1, "unknown escape sequence");
}

/* A string starting at s[i] with its quote: sets *end past the closing quote. */
static int lex_string(struct parser *p, size_t i, size_t *end)
{
    int q = at(p, i);
    size_t j = i + 1;

    for (;;) {
        int c = at(p, j);
        size_t n = 0;

        if (c < 0 || (c == '\n' && q != '`'))
            return fail(p, PQSYNTAX_ERR_SYNTAX, i,
                        q == '`' ? "unterminated raw string" : "unterminated quoted string");
        if (c == q) {
            *end = j + 1;
            return 0;
        }
        if (c == '\\' && q != '`') {
            if (lex_escape(p, j + 1, q, &n) != 0)
                return -1;
            j += 1 + n;
            continue;
        }
        n = utf8_len(p, j);
        if (n == 0)
            return fail(p, PQSYNTAX_ERR_SYNTAX, j, "invalid UTF-8 in a string");
        j += n;
    }
}

/*
 * A duration at s[i..]: ([0-9]+ unit)+ with units y w d h m s ms each at
 * most once, largest first, and not all zero. Sets *end, or returns -1.
 */
static int scan_duration(const struct parser *p, size_t i, size_t *end, int *zero)
{
    static const char *const units[] = {"y", "w", "d", "h", "m", "s", "ms"};
    int last = -1;
    size_t j = i;

    *zero = 1;
    while (is_digit(at(p, j))) {
        int u = -1;

        while (is_digit(at(p, j))) {
            if (at(p, j) != '0')
                *zero = 0;
            j++;
        }
        if (at(p, j) == 'm' && at(p, j + 1) == 's')
            u = 6;
        else
            for (int k = 0; k < 6; k++)
                if (at(p, j) == units[k][0])
                    u = k;
        if (u < 0 || u <= last)
            return -1;
        last = u;
        j += strlen(units[u]);
    }
    if (last < 0 || is_alnum(at(p, j)))
        return -1;
    *end = j;
    return 0;
}

/*
 * 1 when the number s[i..j) is one Prometheus cannot parse: a hex integer
 * past int64 (it tries ParseInt, then ParseFloat, which wants a p exponent
 * in hex), or a decimal past the largest double (an underflow is 0, no
 * error, as in Go). Numbers longer than the buffer are let through.
 */
static int out_of_range(const struct parser *p, size_t i, size_t j)
{
    char buf[512];
    size_t k = i;

    if (at(p, i) == '0' && (at(p, i + 1) == 'x' || at(p, i + 1) == 'X')) {
        for (k = i + 2; k < j && p->s[k] == '0'; k++)
            ;
        return j - k > 16 || (j - k == 16 && p->s[k] > '7');
    }
    if (j - i >= sizeof(buf))
        return 0;
    memcpy(buf, p->s + i, j - i);
    buf[j - i] = '\0';
    return isinf(strtod(buf, NULL));
}

/* A number (Go's float syntax as Prometheus lexes it) or a duration at s[i]. */
static int lex_number(struct parser *p, size_t i)
{
    size_t j = i, mant = 0;
    int ok = 1, zero;

    if (at(p, j) == '0' && (at(p, j + 1) == 'x' || at(p, j + 1) == 'X')) {
        j += 2;
        while (is_hex(at(p, j))) {
            j++;
            mant++;
        }
    } else {
        while (is_digit(at(p, j))) {
            j++;
            mant++;
        }
        if (at(p, j) == '.') {
            j++;
            while (is_digit(at(p, j))) {
                j++;
                mant++;
            }
        }
        if (at(p, j) == 'e' || at(p, j) == 'E') {
            size_t d = 0;

            j++;
            if (at(p, j) == '+' || at(p, j) == '-')
                j++;
            while (is_digit(at(p, j))) {
                j++;
                d++;
            }
            if (d == 0)
                ok = 0;
        }
    }
    if (!is_alnum(at(p, j))) {
        if (mant == 0 || !ok) {
            return fail(p, PQSYNTAX_ERR_SYNTAX, i, "bad number syntax: \"%.*s\"", (int)(j - i),
                        p->s + i);
        }
        if (out_of_range(p, i, j))
            return fail(p, PQSYNTAX_ERR_SYNTAX, i, "number out of range: \"%.*s\"",
                        j - i > SHOW ? SHOW : (int)(j - i), p->s + i);
        p->cur = (struct tok){TK_NUM, i, j - i};
        p->pos = j;
        return 0;
    }
    if (scan_duration(p, i, &j, &zero) != 0) {
        while (is_alnum(at(p, j)) || at(p, j) == '.')
            j++;
        if (j - i > SHOW)
            j = i + SHOW;
        return fail(p, PQSYNTAX_ERR_SYNTAX, i, "bad number or duration syntax: \"%.*s\"",
                    (int)(j - i), p->s + i);
    }
    if (zero)
        return fail(p, PQSYNTAX_ERR_SYNTAX, i, "duration must be greater than 0");
    p->cur = (struct tok){TK_DUR, i, j - i};
    p->pos = j;
    return 0;
}

/* The operators, longest first. */
static const struct {
    const char *text;
    enum tk t;
} ops[] = {
    {"==", TK_EQLC},  {"!=", TK_NEQ},   {"=~", TK_EQLRE}, {"!~", TK_NEQRE}, {"<=", TK_LTE},
    {">=", TK_GTE},   {"=", TK_ASSIGN}, {"<", TK_LSS},    {">", TK_GTR},    {"+", TK_ADD},
    {"-", TK_SUB},    {"*", TK_MUL},    {"/", TK_DIV},    {"%", TK_MOD},    {"^", TK_POW},
    {"(", TK_LPAREN}, {")", TK_RPAREN}, {"{", TK_LBRACE}, {"}", TK_RBRACE}, {"[", TK_LBRACK},
    {"]", TK_RBRACK}, {",", TK_COMMA},  {"@", TK_AT},
};

/* Reads the next token into p->cur. 0, or -1 with the error set. */
static int next(struct parser *p)
{
    size_t i = p->pos;
    int c;

    for (;;) {
        c = at(p, i);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
        } else if (c == '#') {
            while (at(p, i) >= 0 && at(p, i) != '\n')
                i++;
        } else {
            break;
        }
    }
    if (c < 0) {
        p->cur = (struct tok){TK_EOF, p->len, 0};
        p->pos = p->len;
        return 0;
    }
    if (is_digit(c) || (c == '.' && is_digit(at(p, i + 1))))
        return lex_number(p, i);
    if (is_alpha(c) || (c == ':' && !p->in_bracket)) {
        size_t j = i;
        int colon = 0;

        while (is_alnum(at(p, j)) || (at(p, j) == ':' && !p->in_bracket)) {
            colon |= at(p, j) == ':';
            j++;
        }
        p->cur = (struct tok){colon ? TK_MIDENT : TK_IDENT, i, j - i};
        p->pos = j;
        if (tok_is(p, &p->cur, "inf") || tok_is(p, &p->cur, "nan"))
            p->cur.t = TK_NUM;
        return 0;
    }
    if (c == '"' || c == '\'' || c == '`') {
        size_t end = i;

        if (lex_string(p, i, &end) != 0)
            return -1;
        p->cur = (struct tok){TK_STR, i, end - i};
        p->pos = end;
        return 0;
    }
    if (c == ':') {
        p->cur = (struct tok){TK_COLON, i, 1};
        p->pos = i + 1;
        return 0;
    }
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        size_t n = strlen(ops[k].text);

        if (i + n <= p->len && memcmp(p->s + i, ops[k].text, n) == 0) {
            p->cur = (struct tok){ops[k].t, i, n};
            p->pos = i + n;
            return 0;
        }
    }
    if (c >= 0x80) {
        size_t n = utf8_len(p, i);

        if (n == 0)
            return fail(p, PQSYNTAX_ERR_SYNTAX, i, "invalid UTF-8");
        return fail(p, PQSYNTAX_ERR_SYNTAX, i, "unexpected character \"%.*s\"", (int)n, p->s + i);
    }
    if (c < 0x20 || c == 0x7f)
        return fail(p, PQSYNTAX_ERR_SYNTAX, i, "unexpected control character 0x%02x", c);
    return fail(p, PQSYNTAX_ERR_SYNTAX, i, "unexpected character \"%c\"", c);
}

/* ---- functions and aggregations ---- */

/*
 * Prometheus' functions: argument types (S scalar, V instant vector, M range
 * vector, T string), variadic as in promql/parser/functions.go (0: exactly
 * these; n > 0: the last may be left out, or repeated up to n times; -1:
 * the last may be left out or repeated without limit), and the result type.
 * Experimental ones (behind --enable-feature=promql-experimental-functions)
 * are in: the store decides whether it has them on.
 */
static const struct fn {
    const char *name;
    const char *args;
    int variadic;
    char ret;
} fns[] = {
    {"abs", "V", 0, 'V'},
    {"absent", "V", 0, 'V'},
    {"absent_over_time", "M", 0, 'V'},
    {"acos", "V", 0, 'V'},
    {"acosh", "V", 0, 'V'},
    {"asin", "V", 0, 'V'},
    {"asinh", "V", 0, 'V'},
    {"atan", "V", 0, 'V'},
    {"atanh", "V", 0, 'V'},
    {"avg_over_time", "M", 0, 'V'},
    {"ceil", "V", 0, 'V'},
    {"changes", "M", 0, 'V'},
    {"clamp", "VSS", 0, 'V'},
    {"clamp_max", "VS", 0, 'V'},
    {"clamp_min", "VS", 0, 'V'},
    {"cos", "V", 0, 'V'},
    {"cosh", "V", 0, 'V'},
    {"count_over_time", "M", 0, 'V'},
    {"day_of_month", "V", 1, 'V'},
    {"day_of_week", "V", 1, 'V'},
    {"day_of_year", "V", 1, 'V'},
    {"days_in_month", "V", 1, 'V'},
    {"deg", "V", 0, 'V'},
    {"delta", "M", 0, 'V'},
    {"deriv", "M", 0, 'V'},
    {"double_exponential_smoothing", "MSS", 0, 'V'},
    {"exp", "V", 0, 'V'},
    {"floor", "V", 0, 'V'},
    {"histogram_avg", "V", 0, 'V'},
    {"histogram_count", "V", 0, 'V'},
    {"histogram_fraction", "SSV", 0, 'V'},
    {"histogram_quantile", "SV", 0, 'V'},
    {"histogram_stddev", "V", 0, 'V'},
    {"histogram_stdvar", "V", 0, 'V'},
    {"histogram_sum", "V", 0, 'V'},
    {"holt_winters", "MSS", 0, 'V'},
    {"hour", "V", 1, 'V'},
    {"idelta", "M", 0, 'V'},
    {"increase", "M", 0, 'V'},
    {"irate", "M", 0, 'V'},
    {"label_join", "VTTT", -1, 'V'},
    {"label_replace", "VTTTT", 0, 'V'},
    {"last_over_time", "M", 0, 'V'},
    {"ln", "V", 0, 'V'},
    {"log10", "V", 0, 'V'},
    {"log2", "V", 0, 'V'},
    {"mad_over_time", "M", 0, 'V'},
    {"max_over_time", "M", 0, 'V'},
    {"min_over_time", "M", 0, 'V'},
    {"minute", "V", 1, 'V'},
    {"month", "V", 1, 'V'},
    {"pi", "", 0, 'S'},
    {"predict_linear", "MS", 0, 'V'},
    {"present_over_time", "M", 0, 'V'},
    {"quantile_over_time", "SM", 0, 'V'},
    {"rad", "V", 0, 'V'},
    {"rate", "M", 0, 'V'},
    {"resets", "M", 0, 'V'},
    {"round", "VS", 1, 'V'},
    {"scalar", "V", 0, 'S'},
    {"sgn", "V", 0, 'V'},
    {"sin", "V", 0, 'V'},
    {"sinh", "V", 0, 'V'},
    {"sort", "V", 0, 'V'},
    {"sort_by_label", "VT", -1, 'V'},
    {"sort_by_label_desc", "VT", -1, 'V'},
    {"sort_desc", "V", 0, 'V'},
    {"sqrt", "V", 0, 'V'},
    {"stddev_over_time", "M", 0, 'V'},
    {"stdvar_over_time", "M", 0, 'V'},
    {"sum_over_time", "M", 0, 'V'},
    {"tan", "V", 0, 'V'},
    {"tanh", "V", 0, 'V'},
    {"time", "", 0, 'S'},
    {"timestamp", "V", 0, 'V'},
    {"vector", "S", 0, 'V'},
    {"year", "V", 1, 'V'},
};

/* The aggregation operators; those with a parameter before the vector say its type. */
static const struct agg {
    const char *name;
    char param; /* 0: none; 'S' scalar, 'T' string */
} aggs[] = {
    {"sum", 0},    {"avg", 0},       {"min", 0},        {"max", 0},
    {"count", 0},  {"stddev", 0},    {"stdvar", 0},     {"group", 0},
    {"topk", 'S'}, {"bottomk", 'S'}, {"quantile", 'S'}, {"count_values", 'T'},
};

static enum pqsyntax_type type_of(char c)
{
    switch (c) {
    case 'S':
        return PQSYNTAX_SCALAR;
    case 'M':
        return PQSYNTAX_MATRIX;
    case 'T':
        return PQSYNTAX_STRING;
    default:
        return PQSYNTAX_VECTOR;
    }
}

static const struct fn *find_fn(const struct parser *p, const struct tok *t)
{
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
        if (strlen(fns[i].name) == t->len && memcmp(fns[i].name, p->s + t->start, t->len) == 0)
            return &fns[i];
    return NULL;
}

static const struct agg *find_agg(const struct parser *p, const struct tok *t)
{
    for (size_t i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
        if (tok_is(p, t, aggs[i].name))
            return &aggs[i];
    return NULL;
}

/* ---- parser ---- */

static int expr(struct parser *p, int minprec, struct ex *out);

static int expect(struct parser *p, enum tk t, const char *where)
{
    if (p->cur.t != t)
        return unexpected(p, where);
    return next(p);
}

/* A label name: any identifier without a colon (keywords too). */
static int label_name(struct parser *p, const char *where)
{
    if (p->cur.t == TK_IDENT ||
        (p->cur.t == TK_NUM && is_alpha((unsigned char)p->s[p->cur.start])))
        return next(p);
    if (p->cur.t == TK_MIDENT)
        return fail(p, PQSYNTAX_ERR_SYNTAX, p->cur.start,
                    "label name \"%.*s\" must not contain a colon", (int)p->cur.len,
                    p->s + p->cur.start);
    return unexpected(p, where);
}

/* ( [label {, label} [,]] ) of by, without, on, ignoring, group_left/right. */
static int label_list(struct parser *p, const char *what, size_t *count)
{
    char where[64];
    size_t n = 0;

    snprintf(where, sizeof(where), " in %s, expected a label name", what);
    if (p->cur.t != TK_LPAREN) {
        snprintf(where, sizeof(where), " after %s, expected \"(\"", what);
        return unexpected(p, where);
    }
    if (next(p) != 0)
        return -1;
    while (p->cur.t != TK_RPAREN) {
        if (label_name(p, where) != 0)
            return -1;
        n++;
        if (p->cur.t == TK_COMMA) {
            if (next(p) != 0)
                return -1;
        } else if (p->cur.t != TK_RPAREN) {
            snprintf(where, sizeof(where), " in %s, expected \",\" or \")\"", what);
            return unexpected(p, where);
        }
    }
    if (count != NULL)
        *count = n;
    return next(p);
}

/* 1 when the raw text of string token t (quotes included) is one of the regexes of "". */
static int regex_matches_empty(const struct parser *p, const struct tok *t)
{
    static const char *const empty[] = {"", ".*", "^.*$", "(.*)", ".?", "^$", "(|.+)", "(.+|)"};
    size_t n = t->len - 2;

    for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
        if (strlen(empty[i]) == n && memcmp(empty[i], p->s + t->start + 1, n) == 0)
            return 1;
    return 0;
}

/*
 * The matchers {...} of a selector (cur is "{"). *nonempty is set when one
 * of them cannot match the empty string; *name when __name__ is matched.
 */
static int matchers(struct parser *p, int *nonempty, size_t *name)
{
    static const char where_name[] = " in label matching, expected a label name or \"}\"";

    if (next(p) != 0)
        return -1;
    while (p->cur.t != TK_RBRACE) {
        struct tok label = p->cur;
        enum tk op;

        if (p->cur.t == TK_EOF)
            return fail(p, PQSYNTAX_ERR_SYNTAX, p->cur.start,
                        "unexpected end of input inside braces");
        if (label_name(p, where_name) != 0)
            return -1;
        op = p->cur.t;
        if (op != TK_ASSIGN && op != TK_NEQ && op != TK_EQLRE && op != TK_NEQRE)
            return unexpected(p, " in label matching, expected =, !=, =~ or !~");
        if (next(p) != 0)
            return -1;
        if (p->cur.t != TK_STR)
            return unexpected(p, " in label matching, expected a string");
        if (label.len == 8 && memcmp(p->s + label.start, "__name__", 8) == 0 && *name == 0)
            *name = label.start + 1;
        switch (op) {
        case TK_ASSIGN:
            *nonempty |= p->cur.len > 2;
            break;
        case TK_NEQ:
            *nonempty |= p->cur.len == 2;
            break;
        case TK_EQLRE:
            *nonempty |= !regex_matches_empty(p, &p->cur);
            break;
        default: /* !~: matches "" unless the regex does */
            *nonempty |= regex_matches_empty(p, &p->cur);
            break;
        }
        if (next(p) != 0)
            return -1;
        if (p->cur.t == TK_COMMA) {
            if (next(p) != 0)
                return -1;
        } else if (p->cur.t != TK_RBRACE) {
            if (p->cur.t == TK_EOF)
                return fail(p, PQSYNTAX_ERR_SYNTAX, p->cur.start,
                            "unexpected end of input inside braces");
            return unexpected(p, " in label matching, expected \",\" or \"}\"");
        }
    }
    return next(p);
}

/* A vector selector; cur is the "{" or the token after the metric name (name may be NULL). */
static int selector(struct parser *p, const struct tok *name, size_t start, struct ex *out)
{
    int nonempty = name != NULL;
    size_t name_label = 0;

    if (p->cur.t == TK_LBRACE && matchers(p, &nonempty, &name_label) != 0)
        return -1;
    if (name != NULL && name_label != 0)
        return fail(p, PQSYNTAX_ERR_SYNTAX, name_label - 1,
                    "metric name must not be set twice: as \"%.*s\" and by a __name__ matcher",
                    (int)name->len, p->s + name->start);
    if (!nonempty)
        return fail(p, PQSYNTAX_ERR_SYNTAX, start,
                    "vector selector must contain at least one non-empty matcher");
    *out = (struct ex){PQSYNTAX_VECTOR, EX_VSEL, 0, 0, start};
    return 0;
}

/* Arguments of a call or an aggregation, up to ")": types and positions of the first 16. */
#define MAX_ARGS 16

struct args {
    size_t n;
    enum pqsyntax_type type[MAX_ARGS];
    size_t pos[MAX_ARGS];
};

static int arg_list(struct parser *p, struct args *a)
{
    a->n = 0;
    if (expect(p, TK_LPAREN, ", expected \"(\"") != 0)
        return -1;
    while (p->cur.t != TK_RPAREN) {
        struct ex x;

        if (expr(p, 0, &x) != 0)
            return -1;
        if (a->n < MAX_ARGS) {
            a->type[a->n] = x.type;
            a->pos[a->n] = x.pos;
        }
        a->n++;
        if (p->cur.t == TK_COMMA) {
            if (next(p) != 0)
                return -1;
        } else if (p->cur.t == TK_EOF) {
            return fail(p, PQSYNTAX_ERR_SYNTAX, p->cur.start, "unclosed left parenthesis");
        } else if (p->cur.t != TK_RPAREN) {
            return unexpected(p, " in argument list, expected \",\" or \")\"");
        }
    }
    return next(p);
}

static int call(struct parser *p, const struct tok *name, struct ex *out)
{
    const struct fn *f = find_fn(p, name);
    size_t nargs, min, max;
    struct args a;

    if (f == NULL)
        return fail(p, PQSYNTAX_ERR_FUNCTION, name->start, "unknown function \"%.*s\"",
                    (int)name->len, p->s + name->start);
    if (arg_list(p, &a) != 0)
        return -1;
    nargs = strlen(f->args);
    min = f->variadic != 0 ? nargs - 1 : nargs;
    max = f->variadic < 0 ? (size_t)-1 : nargs - 1 + (size_t)f->variadic;
    if (f->variadic == 0)
        max = nargs;
    if (a.n < min || a.n > max) {
        if (f->variadic == 0)
            return fail(p, PQSYNTAX_ERR_TYPE, name->start,
                        "expected %zu argument%s in call to \"%s\", got %zu", nargs,
                        nargs == 1 ? "" : "s", f->name, a.n);
        if (a.n < min)
            return fail(p, PQSYNTAX_ERR_TYPE, name->start,
                        "expected at least %zu argument%s in call to \"%s\", got %zu", min,
                        min == 1 ? "" : "s", f->name, a.n);
        return fail(p, PQSYNTAX_ERR_TYPE, name->start,
                    "expected at most %zu argument%s in call to \"%s\", got %zu", max,
                    max == 1 ? "" : "s", f->name, a.n);
    }
    for (size_t i = 0; i < a.n && i < MAX_ARGS; i++) {
        enum pqsyntax_type want = type_of(f->args[i < nargs ? i : nargs - 1]);

        if (a.type[i] != want)
            return fail(p, PQSYNTAX_ERR_TYPE, a.pos[i],
                        "expected type %s in call to function \"%s\", got %s",
                        pqsyntax_type_name(want), f->name, pqsyntax_type_name(a.type[i]));
    }
    *out = (struct ex){type_of(f->ret), EX_OTHER, 0, 0, name->start};
    return 0;
}

static int is_grouping(const struct parser *p)
{
    return tok_is(p, &p->cur, "by") || tok_is(p, &p->cur, "without");
}

/* An aggregation; cur is the token after its name: "(", by or without. */
static int aggregation(struct parser *p, const struct agg *g, const struct tok *name,
                       struct ex *out)
{
    int grouped = 0;
    size_t want = g->param ? 2 : 1;
    struct args a;

    if (is_grouping(p)) {
        grouped = 1;
        if (next(p) != 0 || label_list(p, "grouping", NULL) != 0)
            return -1;
    }
    if (arg_list(p, &a) != 0)
        return -1;
    if (!grouped && is_grouping(p) && (next(p) != 0 || label_list(p, "grouping", NULL) != 0))
        return -1;
    if (a.n != want)
        return fail(p, PQSYNTAX_ERR_TYPE, name->start,
                    "wrong number of arguments for aggregate expression provided, expected %zu, "
                    "got %zu",
                    want, a.n);
    if (g->param && a.type[0] != type_of(g->param))
        return fail(p, PQSYNTAX_ERR_TYPE, a.pos[0],
                    "expected type %s in aggregation parameter, got %s",
                    pqsyntax_type_name(type_of(g->param)), pqsyntax_type_name(a.type[0]));
    if (a.type[want - 1] != PQSYNTAX_VECTOR)
        return fail(p, PQSYNTAX_ERR_TYPE, a.pos[want - 1],
                    "expected type instant vector in aggregation expression, got %s",
                    pqsyntax_type_name(a.type[want - 1]));
    *out = (struct ex){PQSYNTAX_VECTOR, EX_OTHER, 0, 0, name->start};
    return 0;
}

/* Keywords that cannot stand for a metric name where an operand is expected. */
static int operand_keyword(const struct parser *p)
{
    static const char *const kw[] = {"bool",       "on",          "ignoring",
                                     "group_left", "group_right", "atan2"};

    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
        if (tok_is(p, &p->cur, kw[i]))
            return 1;
    return 0;
}

static int primary(struct parser *p, struct ex *out)
{
    struct tok t = p->cur;

    memset(out, 0, sizeof(*out));

    switch (t.t) {
    case TK_NUM:
        *out = (struct ex){PQSYNTAX_SCALAR, EX_NUM, 0, 0, t.start};
        return next(p);
    case TK_STR:
        *out = (struct ex){PQSYNTAX_STRING, EX_STR, 0, 0, t.start};
        return next(p);
    case TK_LPAREN:
        if (next(p) != 0 || expr(p, 0, out) != 0)
            return -1;
        if (p->cur.t == TK_EOF)
            return fail(p, PQSYNTAX_ERR_SYNTAX, p->cur.start, "unclosed left parenthesis");
        if (p->cur.t != TK_RPAREN)
            return unexpected(p, ", expected \")\" or an operator");
        out->kind = EX_PAREN;
        out->has_offset = out->has_at = 0;
        out->pos = t.start;
        return next(p);
    case TK_LBRACE:
        return selector(p, NULL, t.start, out);
    case TK_IDENT:
    case TK_MIDENT: {
        const struct agg *g = t.t == TK_IDENT ? find_agg(p, &t) : NULL;

        if (operand_keyword(p))
            return unexpected(p, ", expected an expression");
        if (next(p) != 0)
            return -1;
        if (g != NULL && (p->cur.t == TK_LPAREN || is_grouping(p)))
            return aggregation(p, g, &t, out);
        if (p->cur.t == TK_LPAREN && t.t == TK_IDENT)
            return call(p, &t, out);
        return selector(p, &t, t.start, out);
    }
    case TK_EOF:
        return fail(p, PQSYNTAX_ERR_SYNTAX, t.start, "unexpected end of input");
    default:
        return unexpected(p, ", expected an expression");
    }
}

/* [D] after a selector, or [D:] / [D:STEP] after an instant vector; cur is "[". */
static int bracket(struct parser *p, struct ex *x)
{
    size_t open = p->cur.start;
    int sub = 0;

    p->in_bracket = 1;
    if (next(p) != 0)
        return -1;
    if (p->cur.t != TK_DUR)
        return unexpected(p, " in brackets, expected a duration");
    if (next(p) != 0)
        return -1;
    if (p->cur.t == TK_COLON) {
        sub = 1;
        if (next(p) != 0)
            return -1;
        if (p->cur.t == TK_DUR && next(p) != 0)
            return -1;
    }
    if (p->cur.t != TK_RBRACK) {
        if (p->cur.t == TK_EOF)
            return fail(p, PQSYNTAX_ERR_SYNTAX, p->cur.start, "unclosed left bracket");
        return unexpected(p, sub ? " in subquery, expected a duration or \"]\""
                                 : " in brackets, expected \":\" or \"]\"");
    }
    p->in_bracket = 0;
    if (next(p) != 0)
        return -1;
    if (!sub) {
        if (x->kind != EX_VSEL)
            return fail(p, PQSYNTAX_ERR_TYPE, open,
                        "ranges only allowed for vector selectors (a subquery is [RANGE:STEP] "
                        "or [RANGE:])");
        if (x->has_offset)
            return fail(p, PQSYNTAX_ERR_TYPE, open, "no offset modifiers allowed before range");
        if (x->has_at)
            return fail(p, PQSYNTAX_ERR_TYPE, open, "no @ modifiers allowed before range");
        x->kind = EX_MSEL;
    } else {
        if (x->type != PQSYNTAX_VECTOR)
            return fail(p, PQSYNTAX_ERR_TYPE, open,
                        "subquery is only allowed on instant vector, got %s",
                        pqsyntax_type_name(x->type));
        x->kind = EX_SUBQ;
        x->has_offset = x->has_at = 0;
    }
    x->type = PQSYNTAX_MATRIX;
    return 0;
}

static int modifiable(struct parser *p, const struct ex *x, size_t pos, const char *what)
{
    if (x->kind != EX_VSEL && x->kind != EX_MSEL && x->kind != EX_SUBQ)
        return fail(p, PQSYNTAX_ERR_TYPE, pos,
                    "%s modifier must be preceded by an instant vector selector or range vector "
                    "selector or a subquery",
                    what);
    return 0;
}

/* offset [-]D; cur is offset. */
static int offset(struct parser *p, struct ex *x)
{
    size_t pos = p->cur.start;

    if (modifiable(p, x, pos, "offset") != 0)
        return -1;
    if (x->has_offset)
        return fail(p, PQSYNTAX_ERR_TYPE, pos, "offset may not be set multiple times");
    x->has_offset = 1;
    if (next(p) != 0)
        return -1;
    if (p->cur.t == TK_SUB && next(p) != 0)
        return -1;
    if (p->cur.t != TK_DUR)
        return unexpected(p, " after offset, expected a duration");
    return next(p);
}

/* @ T, @ start(), @ end(); cur is @. */
static int at_modifier(struct parser *p, struct ex *x)
{
    size_t pos = p->cur.start;

    if (modifiable(p, x, pos, "@") != 0)
        return -1;
    if (x->has_at)
        return fail(p, PQSYNTAX_ERR_TYPE, pos, "@ <timestamp> may not be set multiple times");
    x->has_at = 1;
    if (next(p) != 0)
        return -1;
    if (tok_is(p, &p->cur, "start") || tok_is(p, &p->cur, "end")) {
        if (next(p) != 0 || expect(p, TK_LPAREN, ", expected \"(\"") != 0)
            return -1;
        return expect(p, TK_RPAREN, ", expected \")\"");
    }
    if ((p->cur.t == TK_ADD || p->cur.t == TK_SUB) && next(p) != 0)
        return -1;
    if (p->cur.t != TK_NUM)
        return unexpected(p, " after @, expected a timestamp, start() or end()");
    return next(p);
}

static int postfix(struct parser *p, struct ex *x)
{
    if (primary(p, x) != 0)
        return -1;
    for (;;) {
        int rc;

        if (p->cur.t == TK_LBRACK)
            rc = bracket(p, x);
        else if (tok_is(p, &p->cur, "offset"))
            rc = offset(p, x);
        else if (p->cur.t == TK_AT)
            rc = at_modifier(p, x);
        else
            return 0;
        if (rc != 0)
            return -1;
    }
}

/* Binary operators: precedence (1 lowest) and kind. */
enum {
    OP_ARITH,
    OP_CMP,
    OP_SET
};

struct binop {
    int prec;
    int kind;
    const char *name;
};

static int binop_of(const struct parser *p, struct binop *b)
{
    static const struct {
        enum tk t;
        int prec, kind;
        const char *name;
    } sym[] = {
        {TK_EQLC, 3, OP_CMP, "=="}, {TK_NEQ, 3, OP_CMP, "!="},  {TK_GTR, 3, OP_CMP, ">"},
        {TK_LSS, 3, OP_CMP, "<"},   {TK_GTE, 3, OP_CMP, ">="},  {TK_LTE, 3, OP_CMP, "<="},
        {TK_ADD, 4, OP_ARITH, "+"}, {TK_SUB, 4, OP_ARITH, "-"}, {TK_MUL, 5, OP_ARITH, "*"},
        {TK_DIV, 5, OP_ARITH, "/"}, {TK_MOD, 5, OP_ARITH, "%"}, {TK_POW, 6, OP_ARITH, "^"},
    };
    static const struct {
        const char *word;
        int prec, kind;
    } kw[] = {
        {"or", 1, OP_SET}, {"and", 2, OP_SET}, {"unless", 2, OP_SET}, {"atan2", 5, OP_ARITH}};

    for (size_t i = 0; i < sizeof(sym) / sizeof(sym[0]); i++)
        if (p->cur.t == sym[i].t) {
            *b = (struct binop){sym[i].prec, sym[i].kind, sym[i].name};
            return 1;
        }
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
        if (tok_is(p, &p->cur, kw[i].word)) {
            *b = (struct binop){kw[i].prec, kw[i].kind, kw[i].word};
            return 1;
        }
    return 0;
}

/* What came between a binary operator and its right operand. */
struct binmod {
    int ret_bool;
    int matching; /* on or ignoring given */
    int labels;   /* on/ignoring named at least one label */
    int group;    /* group_left or group_right */
};

static int bin_modifiers(struct parser *p, struct binmod *m)
{
    memset(m, 0, sizeof(*m));
    if (tok_is(p, &p->cur, "bool")) {
        m->ret_bool = 1;
        if (next(p) != 0)
            return -1;
    }
    if (tok_is(p, &p->cur, "on") || tok_is(p, &p->cur, "ignoring")) {
        const char *what = tok_is(p, &p->cur, "on") ? "on" : "ignoring";
        size_t n = 0;

        m->matching = 1;
        if (next(p) != 0)
            return -1;
        if (label_list(p, what, &n) != 0)
            return -1;
        m->labels = n > 0;
        if (tok_is(p, &p->cur, "group_left") || tok_is(p, &p->cur, "group_right")) {
            m->group = 1;
            if (next(p) != 0)
                return -1;
            if (p->cur.t == TK_LPAREN && label_list(p, "group modifier", NULL) != 0)
                return -1;
        }
    }
    return 0;
}

/* Prometheus' checks of a binary expression; sets the result type into *lhs. */
static int check_binary(struct parser *p, const struct binop *b, const struct binmod *m,
                        size_t oppos, struct ex *lhs, const struct ex *rhs)
{
    int lt = lhs->type, rt = rhs->type;

    if (m->ret_bool && b->kind != OP_CMP)
        return fail(p, PQSYNTAX_ERR_TYPE, oppos,
                    "bool modifier can only be used on comparison operators");
    if (lt != PQSYNTAX_SCALAR && lt != PQSYNTAX_VECTOR)
        return fail(p, PQSYNTAX_ERR_TYPE, lhs->pos,
                    "binary expression must contain only scalar and instant vector types, got %s",
                    pqsyntax_type_name(lhs->type));
    if (rt != PQSYNTAX_SCALAR && rt != PQSYNTAX_VECTOR)
        return fail(p, PQSYNTAX_ERR_TYPE, rhs->pos,
                    "binary expression must contain only scalar and instant vector types, got %s",
                    pqsyntax_type_name(rhs->type));
    if (b->kind == OP_CMP && !m->ret_bool && lt == PQSYNTAX_SCALAR && rt == PQSYNTAX_SCALAR)
        return fail(p, PQSYNTAX_ERR_TYPE, oppos,
                    "comparisons between scalars must use BOOL modifier");
    if (b->kind == OP_SET && (lt == PQSYNTAX_SCALAR || rt == PQSYNTAX_SCALAR))
        return fail(p, PQSYNTAX_ERR_TYPE, oppos,
                    "set operator \"%s\" not allowed in binary scalar expression", b->name);
    if ((lt != PQSYNTAX_VECTOR || rt != PQSYNTAX_VECTOR) && m->labels)
        return fail(p, PQSYNTAX_ERR_TYPE, oppos,
                    "vector matching only allowed between instant vectors");
    if (b->kind == OP_SET && m->group)
        return fail(p, PQSYNTAX_ERR_TYPE, oppos, "no grouping allowed for \"%s\" operation",
                    b->name);
    lhs->type = lt == PQSYNTAX_VECTOR || rt == PQSYNTAX_VECTOR ? PQSYNTAX_VECTOR : PQSYNTAX_SCALAR;
    lhs->kind = EX_OTHER;
    lhs->has_offset = lhs->has_at = 0;
    return 0;
}

/* A unary +/- binds tighter than + - * / but looser than ^, as in Prometheus' grammar. */
static int unary(struct parser *p, struct ex *out)
{
    size_t pos = p->cur.start;

    if (p->cur.t != TK_ADD && p->cur.t != TK_SUB)
        return postfix(p, out);
    if (next(p) != 0 || expr(p, 6, out) != 0)
        return -1;
    if (out->type != PQSYNTAX_SCALAR && out->type != PQSYNTAX_VECTOR)
        return fail(p, PQSYNTAX_ERR_TYPE, pos,
                    "unary expression only allowed on expressions of type scalar or instant "
                    "vector, got %s",
                    pqsyntax_type_name(out->type));
    if (out->kind != EX_NUM)
        out->kind = EX_OTHER;
    out->has_offset = out->has_at = 0;
    out->pos = pos;
    return 0;
}

static int expr(struct parser *p, int minprec, struct ex *out)
{
    int rc = -1;

    if (++p->depth > PQSYNTAX_MAX_DEPTH) {
        fail(p, PQSYNTAX_ERR_SYNTAX, p->cur.start, "expression nested too deeply (more than %d)",
             PQSYNTAX_MAX_DEPTH);
        goto out;
    }
    if (unary(p, out) != 0)
        goto out;
    for (;;) {
        struct binop b;
        struct binmod m;
        struct ex rhs;
        size_t oppos = p->cur.start;

        if (!binop_of(p, &b) || b.prec < minprec)
            break;
        if (next(p) != 0 || bin_modifiers(p, &m) != 0)
            goto out;
        /* ^ is right-associative, the others left. */
        if (expr(p, b.prec == 6 ? 6 : b.prec + 1, &rhs) != 0)
            goto out;
        if (check_binary(p, &b, &m, oppos, out, &rhs) != 0)
            goto out;
    }
    rc = 0;
out:
    p->depth--;
    return rc;
}

int pqsyntax_check(const char *q, size_t len, enum pqsyntax_type *type, struct pqsyntax_error *err)
{
    struct pqsyntax_error scratch;
    struct parser p;
    struct ex x;

    memset(&p, 0, sizeof(p));
    memset(&scratch, 0, sizeof(scratch));
    p.s = q;
    p.len = q != NULL ? len : 0;
    p.err = err != NULL ? err : &scratch;
    if (next(&p) != 0)
        return -1;
    if (p.cur.t == TK_EOF)
        return fail(&p, PQSYNTAX_ERR_SYNTAX, 0, "empty query");
    if (expr(&p, 0, &x) != 0)
        return -1;
    if (p.cur.t == TK_RPAREN)
        return fail(&p, PQSYNTAX_ERR_SYNTAX, p.cur.start, "unexpected \")\": no \"(\" to close");
    if (p.cur.t != TK_EOF)
        return unexpected(&p, ", expected an operator or the end of the query");
    if (type != NULL)
        *type = x.type;
    return 0;
}
