/*
 * Unit tests for the PromQL syntax checker (src/promql/pqsyntax.c): valid
 * queries of every shape (and every query the sidecar builds for the test
 * configs), and invalid ones with the position and words of the error.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "pqsyntax.h"
#include "slo.h"
#include "sliquery.h"

static int check(const char *q, enum pqsyntax_type *t, struct pqsyntax_error *e)
{
    return pqsyntax_check(q, strlen(q), t, e);
}

static void assert_valid(const char *q, enum pqsyntax_type want)
{
    struct pqsyntax_error e;
    enum pqsyntax_type t;

    if (check(q, &t, &e) != 0)
        fail_msg("%s: expected valid, got \"%s\" at char %zu", q, e.msg, e.pos);
    if (t != want)
        fail_msg("%s: expected type %s, got %s", q, pqsyntax_type_name(want),
                 pqsyntax_type_name(t));
}

static void assert_invalid(const char *q, size_t pos, enum pqsyntax_kind kind, const char *words)
{
    struct pqsyntax_error e;

    if (check(q, NULL, &e) == 0)
        fail_msg("%s: expected an error, got valid", q);
    if (e.pos != pos || e.kind != kind || strstr(e.msg, words) == NULL)
        fail_msg("%s: expected \"%s\" (kind %d) at char %zu, got \"%s\" (kind %d) at char %zu", q,
                 words, (int)kind, pos, e.msg, (int)e.kind, e.pos);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void all_valid(const char *const *qs, size_t n, enum pqsyntax_type want)
{
    for (size_t i = 0; i < n; i++)
        assert_valid(qs[i], want);
}

/* An invalid query, and where and how the checker must refuse it. */
struct invalid_case {
    const char *q;
    size_t pos; /* 1-based char of the error */
    enum pqsyntax_kind kind;
    const char *words; /* part of the message */
};

static void all_invalid(const struct invalid_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_invalid(c[i].q, c[i].pos, c[i].kind, c[i].words);
}

/* An invalid_case whose kind is PQSYNTAX_ERR_SYNTAX: a whole table of them leaves it out. */
struct syntax_case {
    const char *q;
    size_t pos;
    const char *words;
};

static void all_syntax_errors(const struct syntax_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_invalid(c[i].q, c[i].pos, PQSYNTAX_ERR_SYNTAX, c[i].words);
}

/* The queries of the tests below; the valid ones grouped by the type they must have. */
static const char *const selector_vectors[] = {
    "up",
    "http_requests_total{job=\"api\",code=~\"5..\"}",
    "job:http_requests:rate5m",
    ":colon_first",
    "{__name__=\"up\"}",
    "{job=\"api\"}",
    "up{}",
    "up{job=\"a\",}",
    "up{job!=\"\"}",
    "up{job!~\"x|y\", instance=~'.+'}",
    "up{job=`raw\\string`}",
    "up{job=\"esc \\\" \\\\ \\n \\x41 \\u00e9 \\U0001F600 \\101\"}",
    "up{job='it\\'s'}",
    "up{job=\"caf\xc3\xa9\"}",
    "sum", /* an aggregator's name alone is a metric name */
    "by{a=\"b\"}",
    "offset",
    "up{on=\"x\", by=\"y\", bool=\"z\"}",
    "up # a comment\n",
    "up offset 5m",
    "up offset -1h30m",
    "up @ 1609746000",
    "up @ -1.5",
    "up @ start()",
    "up @ end() offset 1m",
    "up OFFSET 5m",
};

static const char *const literal_scalars[] = {
    "1", "1.5", ".5", "5.", "1e3", "1E-3", "0x1F", "Inf", "-inf", "NaN", "+1", "- - 1",
};

static const char *const selector_matrices[] = {
    "up[5m]",
    "up{job=\"a\"}[1h30m]",
    "up[300000ms]",
    "up[1y2w3d4h5m6s7ms]",
    "up[5m] offset 1h",
    "up[5m] @ 100",
    "up[30m:1m]",
    "up[30m:]",
    "rate(up[5m])[1h:5m]",
    "(up)[5m:]",
    "up[5m:] offset 1m",
};

static const char *const function_vectors[] = {
    "rate(http_requests_total[5m])",
    "sum(rate(x[5m])) by (job)",
    "sum by (job) (rate(x[5m]))",
    "sum without (instance, pod) (x)",
    "sum by () (x)",
    "sum by (job,) (x)",
    "SUM BY (job) (x)",
    "sum(x) without (a)",
    "topk(5, x)",
    "bottomk(3, sum by (a) (x))",
    "quantile(0.99, x)",
    "count_values(\"version\", build_info)",
    "group(x) by (a)",
    "stddev(x)",
    "stdvar(x)",
    "avg(x)",
    "min(x)",
    "max(x)",
    "count(x)",
    "histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))",
    "label_replace(x, \"dst\", \"$1\", \"src\", \"(.*)\")",
    "label_join(x, \"dst\", \",\", \"a\", \"b\", \"c\")",
    "label_join(x, \"dst\", \",\")",
    "round(x)",
    "round(x, 0.5)",
    "clamp(x, 0, 1)",
    "clamp_max(x, 1)",
    "hour()",
    "day_of_week(timestamp(x))",
    "vector(1)",
    "vector(time())",
    "absent(up{job=\"x\"})",
    "absent_over_time(up[5m])",
    "predict_linear(x[1h], 3600)",
    "quantile_over_time(0.9, x[5m])",
    "holt_winters(x[1h], 0.5, 0.5)",
    "increase(x[5m] offset 1h)",
    "sum_over_time(rate(x[5m])[1h:1m])",
    "rate(x[5m],)",
    "sort_desc(sum by (a) (rate(x[5m])))",
};

static const char *const binary_vectors[] = {
    "a + b",
    "a - b * c / d % e ^ f ^ g",
    "a atan2 b",
    "a == b",
    "a != bool b",
    "a > 0",
    "1 < a",
    "a >= bool 1",
    "a <= b",
    "a and b",
    "a or b unless c",
    "a AND b",
    "a * on (job) b",
    "a * on () b",
    "a * ignoring (instance) group_left b",
    "a * on (job) group_left (team) b",
    "a / on (job) group_right () b",
    "a + on() 1", /* no labels: allowed, the matching is dropped */
    "-a",
    "-a ^ 2",
    "2 ^ -a",
    "a * -1",
    "(a + b) / c",
    "sum(rate(e[5m])) / sum(rate(t[5m]))",
    "1 - sum(rate(e[5m])) / sum(rate(t[5m]))",
    "a > bool on (job) b",
    "a\n  +\n  b",
};

static const char *const binary_scalars[] = {
    "1 + 2", "1 == bool 2", "2 ^ 3 ^ 2", "-(1)", "(1)", "time() - 1",
};

static const struct syntax_case syntax_errors[] = {
    {"sum(rate(x[5m]) +", 18, "unexpected end of input"},
    {"sum(rate(x[5m])", 16, "unclosed left parenthesis"},
    {"(a + b", 7, "unclosed left parenthesis"},
    {"a + b)", 6, "no \"(\" to close"},
    {"", 1, "empty query"},
    {"   # only a comment", 1, "empty query"},
    {"up{job=\"a\"", 11, "end of input inside braces"},
    {"up{job=a}", 8, "expected a string"},
    {"up{job==\"a\"}", 7, "expected =, !=, =~ or !~"},
    {"up{job}", 7, "expected =, !=, =~ or !~"},
    {"up{a:b=\"x\"}", 4, "must not contain a colon"},
    {"up{job=\"a\" x=\"b\"}", 12, "expected \",\" or \"}\""},
    {"up{job=\"a}", 8, "unterminated quoted string"},
    {"up{job=\"a\nb\"}", 8, "unterminated quoted string"},
    {"up{job=`a}", 8, "unterminated raw string"},
    {"up{job=\"\\q\"}", 9, "unknown escape sequence"},
    {"up{job=\"\\x4\"}", 9, "hex digits"},
    {"up{job=\"\\uD800\"}", 9, "code point"},
    {"up{job=\"\\400\"}", 9, "> 255"},
    {"up{job='\\\"'}", 9, "unknown escape sequence"},
    {"up{job=\"\xff\"}", 9, "invalid UTF-8"},
    {"up[5]", 4, "expected a duration"},
    {"up[5m", 6, "unclosed left bracket"},
    {"up[5m:1m:1m]", 9, "expected a duration or \"]\""},
    {"up[1h1d]", 4, "bad number or duration syntax"},
    {"up[5x]", 4, "bad number or duration syntax"},
    {"up[0s]", 4, "greater than 0"},
    {"5m", 1, "unexpected duration \"5m\""},
    {"1e", 1, "bad number syntax"},
    {"0x", 1, "bad number syntax"},
    {"1 + 1e400", 5, "number out of range"},
    {"0x8000000000000000", 1, "number out of range"},
    {"a +* b", 4, "unexpected \"*\""},
    {"a b", 3, "unexpected identifier \"b\""},
    {"sum(x) by job", 11, "expected \"(\""},
    {"sum by (job) x", 14, "expected \"(\""},
    {"sum(x) by (a) without (b)", 15, "identifier \"without\""},
    {"sum by (a:b) (x)", 9, "must not contain a colon"},
    {"rate(x[5m]", 11, "unclosed left parenthesis"},
    {"rate(x[5m] y)", 12, "expected \",\" or \")\""},
    {"a * on job b", 8, "expected \"(\""},
    {"a * group_left b", 5, "identifier \"group_left\""},
    {"up @ now", 6, "expected a timestamp"},
    {"up @ start", 11, "expected \"(\""},
    {"up offset", 10, "expected a duration"},
    {"up offset 5", 11, "expected a duration"},
    {"a $ b", 3, "unexpected character \"$\""},
    {"a\x01", 2, "control character"},
    {"bool", 1, "identifier \"bool\""},
    {"a:b(x)", 4, "unexpected \"(\""},
};

static const struct invalid_case metricsql_errors[] = {
    {"range_median(x[5m])", 1, PQSYNTAX_ERR_FUNCTION, "unknown function \"range_median\""},
    {"sum(rate(x[5m])) + rollup_rate(y)", 20, PQSYNTAX_ERR_FUNCTION,
     "unknown function \"rollup_rate\""},
    {"RATE(x[5m])", 1, PQSYNTAX_ERR_FUNCTION, "unknown function \"RATE\""},
    {"WITH (a = b) a", 1, PQSYNTAX_ERR_FUNCTION, "unknown function \"WITH\""},
    {"x default 0", 3, PQSYNTAX_ERR_SYNTAX, "identifier \"default\""},
    {"rate(x[5m]) keep_metric_names", 13, PQSYNTAX_ERR_SYNTAX, "identifier \"keep_metric_names\""},
    {"rate(x)", 6, PQSYNTAX_ERR_TYPE, "expected type range vector"},
    {"x[1i]", 3, PQSYNTAX_ERR_SYNTAX, "bad number or duration syntax"},
    {"limitk(2, x)", 1, PQSYNTAX_ERR_FUNCTION, "unknown function \"limitk\""},
};

static const struct invalid_case type_errors[] = {
    {"abs(x[5m])", 5, PQSYNTAX_ERR_TYPE, "expected type instant vector"},
    {"abs(1)", 5, PQSYNTAX_ERR_TYPE, "got scalar"},
    {"vector(x)", 8, PQSYNTAX_ERR_TYPE, "expected type scalar"},
    {"label_replace(x, \"a\", \"b\", \"c\", d)", 33, PQSYNTAX_ERR_TYPE, "expected type string"},
    {"rate(x[5m], 1)", 1, PQSYNTAX_ERR_TYPE, "expected 1 argument in call"},
    {"clamp(x, 1)", 1, PQSYNTAX_ERR_TYPE, "expected 3 arguments"},
    {"round()", 1, PQSYNTAX_ERR_TYPE, "at least 1 argument"},
    {"round(x, 1, 2)", 1, PQSYNTAX_ERR_TYPE, "at most 2 arguments"},
    {"hour(x, y)", 1, PQSYNTAX_ERR_TYPE, "at most 1 argument"},
    {"label_join(x, \"a\")", 1, PQSYNTAX_ERR_TYPE, "at least 3 arguments"},
    {"time(x)", 1, PQSYNTAX_ERR_TYPE, "expected 0 arguments"},
    {"sum(x, y)", 1, PQSYNTAX_ERR_TYPE, "expected 1, got 2"},
    {"sum()", 1, PQSYNTAX_ERR_TYPE, "expected 1, got 0"},
    {"topk(x)", 1, PQSYNTAX_ERR_TYPE, "expected 2, got 1"},
    {"topk(x, y)", 6, PQSYNTAX_ERR_TYPE, "aggregation parameter, got instant vector"},
    {"count_values(1, x)", 14, PQSYNTAX_ERR_TYPE, "expected type string"},
    {"sum(x[5m])", 5, PQSYNTAX_ERR_TYPE, "aggregation expression, got range vector"},
    {"sum(rate(x[5m])[5m])", 16, PQSYNTAX_ERR_TYPE, "ranges only allowed for vector selectors"},
    {"(up)[5m]", 5, PQSYNTAX_ERR_TYPE, "ranges only allowed for vector selectors"},
    {"up[5m][5m]", 7, PQSYNTAX_ERR_TYPE, "ranges only allowed"},
    {"up[5m][10m:1m]", 7, PQSYNTAX_ERR_TYPE, "only allowed on instant vector"},
    {"1[5m:]", 2, PQSYNTAX_ERR_TYPE, "got scalar"},
    {"up offset 5m [5m]", 14, PQSYNTAX_ERR_TYPE, "no offset modifiers allowed"},
    {"up @ 1 [5m]", 8, PQSYNTAX_ERR_TYPE, "no @ modifiers allowed"},
    {"up offset 1m offset 2m", 14, PQSYNTAX_ERR_TYPE, "multiple times"},
    {"up @ 1 @ 2", 8, PQSYNTAX_ERR_TYPE, "multiple times"},
    {"sum(x) offset 5m", 8, PQSYNTAX_ERR_TYPE, "offset modifier must be preceded"},
    {"(up) @ 5", 6, PQSYNTAX_ERR_TYPE, "@ modifier must be preceded"},
    {"1 == 2", 3, PQSYNTAX_ERR_TYPE, "must use BOOL modifier"},
    {"a + bool b", 3, PQSYNTAX_ERR_TYPE, "only be used on comparison"},
    {"a and 1", 3, PQSYNTAX_ERR_TYPE, "set operator \"and\" not allowed"},
    {"a and on (x) group_left b", 3, PQSYNTAX_ERR_TYPE, "no grouping allowed"},
    {"1 + on (x) a", 3, PQSYNTAX_ERR_TYPE, "only allowed between instant vectors"},
    {"x[5m] + 1", 1, PQSYNTAX_ERR_TYPE, "got range vector"},
    {"1 + \"a\"", 5, PQSYNTAX_ERR_TYPE, "got string"},
    {"-x[5m]", 1, PQSYNTAX_ERR_TYPE, "unary expression only allowed"},
    {"-\"a\"", 1, PQSYNTAX_ERR_TYPE, "unary expression only allowed"},
    {"{}", 1, PQSYNTAX_ERR_SYNTAX, "at least one non-empty matcher"},
    {"{job=\"\"}", 1, PQSYNTAX_ERR_SYNTAX, "at least one non-empty matcher"},
    {"{job=~\".*\"}", 1, PQSYNTAX_ERR_SYNTAX, "at least one non-empty matcher"},
    {"up{__name__=\"x\"}", 4, PQSYNTAX_ERR_SYNTAX, "must not be set twice"},
};

static void test_selectors_and_literals(void **state)
{
    (void)state;
    all_valid(selector_vectors, N(selector_vectors), PQSYNTAX_VECTOR);
    all_valid(literal_scalars, N(literal_scalars), PQSYNTAX_SCALAR);
    all_valid(selector_matrices, N(selector_matrices), PQSYNTAX_MATRIX);
    assert_valid("\"a string\"", PQSYNTAX_STRING);
    assert_valid("`raw\nstring`", PQSYNTAX_STRING);
}

static void test_functions_and_aggregations(void **state)
{
    (void)state;
    all_valid(function_vectors, N(function_vectors), PQSYNTAX_VECTOR);
    assert_valid("scalar(sum(x))", PQSYNTAX_SCALAR);
    assert_valid("time()", PQSYNTAX_SCALAR);
    assert_valid("pi() * 2", PQSYNTAX_SCALAR);
}

static void test_binary_operators(void **state)
{
    (void)state;
    all_valid(binary_vectors, N(binary_vectors), PQSYNTAX_VECTOR);
    all_valid(binary_scalars, N(binary_scalars), PQSYNTAX_SCALAR);
}

static void test_syntax_errors_have_positions(void **state)
{
    (void)state;
    all_syntax_errors(syntax_errors, N(syntax_errors));
    /* Just inside the limits that the "number out of range" rows cross. */
    assert_valid("0x7fffffffffffffff + 0x00000000000000001 + 1e-400", PQSYNTAX_SCALAR);
}

static void test_metricsql_is_not_promql(void **state)
{
    (void)state;
    all_invalid(metricsql_errors, N(metricsql_errors));
}

static void test_type_errors(void **state)
{
    (void)state;
    /* One message in full; the table matches only the telling part of the others. */
    assert_invalid("rate(x)", 6, PQSYNTAX_ERR_TYPE,
                   "expected type range vector in call to function \"rate\", got instant vector");
    all_invalid(type_errors, N(type_errors));
}

static void test_nesting_is_bounded(void **state)
{
    char q[4 * PQSYNTAX_MAX_DEPTH + 16];
    size_t n = 0;
    struct pqsyntax_error e;

    (void)state;
    for (int i = 0; i < PQSYNTAX_MAX_DEPTH + 5; i++)
        q[n++] = '(';
    q[n++] = '1';
    for (int i = 0; i < PQSYNTAX_MAX_DEPTH + 5; i++)
        q[n++] = ')';
    assert_int_equal(pqsyntax_check(q, n, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "nested too deeply"));
    /* Under the bound it is fine; the bytes after len are never read. */
    assert_int_equal(pqsyntax_check("((1))xyz", 5, NULL, NULL), 0);
    assert_int_equal(pqsyntax_check(NULL, 0, NULL, &e), -1);
}

/* Every query sliquery builds for cfg's SLOs parses, as an instant vector or scalar. */
static size_t check_config_queries(const char *name, const char *data)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    size_t checked = 0;

    config_errors_init(&errs);
    if (config_parse(name, data, strlen(data), &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            print_message("%s\n", errs.msg[i]);
        fail_msg("%s does not load", name);
    }
    for (size_t i = 0; i < cfg->nslos; i++) {
        struct slo_window w[SLO_MAX_WINDOWS];
        size_t nw = slo_windows(&cfg->slos[i], 1700000000000LL, w, SLO_MAX_WINDOWS);
        struct sliquery *q = NULL;
        size_t n = 0;
        struct err e;

        assert_int_equal(sliquery_build(&cfg->slos[i], w, nw, &q, &n, &e), 0);
        for (size_t k = 0; k < n; k++) {
            struct pqsyntax_error pe;
            enum pqsyntax_type t;

            if (pqsyntax_check(q[k].text, strlen(q[k].text), &t, &pe) != 0)
                fail_msg("%s: SLO %s: %s at char %zu: %s", name, cfg->slos[i].name, pe.msg, pe.pos,
                         q[k].text);
            assert_true(t == PQSYNTAX_VECTOR || t == PQSYNTAX_SCALAR);
            checked++;
        }
        sliquery_free(q, n);
    }
    config_free(cfg);
    config_errors_free(&errs);
    return checked;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* A file of the source tree (NAME relative to it), found from this file's path so any cwd works.
 */
static char *tree_path(const char *name)
{
    const char *f = __FILE__;
    const char *unit = strstr(f, "tests/unit/test_pqsyntax.c");
    char *p;

    assert_non_null(unit);
    p = malloc((size_t)(unit - f) + strlen(name) + 1);
    assert_non_null(p);
    memcpy(p, f, (size_t)(unit - f));
    memcpy(p + (unit - f), name, strlen(name) + 1);
    return p;
}

/* A test config, with the integration templates' @URL@ and @RESPONSE@ filled in. */
static char *fill_template(const char *name)
{
    char *path = tree_path(name);
    char *t = read_all(path), *out, *o;
    const char *p;

    free(path);
    assert_non_null(t);
    out = malloc(strlen(t) * 2 + 64);
    assert_non_null(out);
    for (p = t, o = out; *p != '\0';) {
        if (strncmp(p, "@URL@", 5) == 0) {
            memcpy(o, "http://127.0.0.1:9090", 21);
            o += 21;
            p += 5;
        } else if (strncmp(p, "@RESPONSE@", 10) == 0) {
            memcpy(o, "chunks", 6);
            o += 6;
            p += 10;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    free(t);
    return out;
}

static void test_sidecar_queries_parse(void **state)
{
    static const char *const files[] = {
        "tests/data/config/unit_full.yaml",
        "tests/integration/slos.yaml.tmpl",
        "tests/integration/slos-rr.yaml.tmpl",
    };
    size_t total = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *data = fill_template(files[i]);

        if (data == NULL)
            fail_msg("cannot read %s (run from the source tree)", files[i]);
        total += check_config_queries(files[i], data);
        free(data);
    }
    print_message("%zu queries of the test configs parse\n", total);
    assert_true(total > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selectors_and_literals),
        cmocka_unit_test(test_functions_and_aggregations),
        cmocka_unit_test(test_binary_operators),
        cmocka_unit_test(test_syntax_errors_have_positions),
        cmocka_unit_test(test_metricsql_is_not_promql),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_nesting_is_bounded),
        cmocka_unit_test(test_sidecar_queries_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
