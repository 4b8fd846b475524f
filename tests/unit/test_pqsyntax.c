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

static void test_selectors_and_literals(void **state)
{
    static const char *const vectors[] = {
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
    static const char *const scalars[] = {
        "1", "1.5", ".5", "5.", "1e3", "1E-3", "0x1F", "Inf", "-inf", "NaN", "+1", "- - 1",
    };
    static const char *const matrices[] = {
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

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        assert_valid(vectors[i], PQSYNTAX_VECTOR);
    for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
        assert_valid(scalars[i], PQSYNTAX_SCALAR);
    for (size_t i = 0; i < sizeof(matrices) / sizeof(matrices[0]); i++)
        assert_valid(matrices[i], PQSYNTAX_MATRIX);
    assert_valid("\"a string\"", PQSYNTAX_STRING);
    assert_valid("`raw\nstring`", PQSYNTAX_STRING);
}

static void test_functions_and_aggregations(void **state)
{
    static const char *const vectors[] = {
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

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        assert_valid(vectors[i], PQSYNTAX_VECTOR);
    assert_valid("scalar(sum(x))", PQSYNTAX_SCALAR);
    assert_valid("time()", PQSYNTAX_SCALAR);
    assert_valid("pi() * 2", PQSYNTAX_SCALAR);
}

static void test_binary_operators(void **state)
{
    static const char *const vectors[] = {
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
    static const char *const scalars[] = {
        "1 + 2", "1 == bool 2", "2 ^ 3 ^ 2", "-(1)", "(1)", "time() - 1",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        assert_valid(vectors[i], PQSYNTAX_VECTOR);
    for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
        assert_valid(scalars[i], PQSYNTAX_SCALAR);
}

static void test_syntax_errors_have_positions(void **state)
{
    (void)state;
    assert_invalid("sum(rate(x[5m]) +", 18, PQSYNTAX_ERR_SYNTAX, "unexpected end of input");
    assert_invalid("sum(rate(x[5m])", 16, PQSYNTAX_ERR_SYNTAX, "unclosed left parenthesis");
    assert_invalid("(a + b", 7, PQSYNTAX_ERR_SYNTAX, "unclosed left parenthesis");
    assert_invalid("a + b)", 6, PQSYNTAX_ERR_SYNTAX, "no \"(\" to close");
    assert_invalid("", 1, PQSYNTAX_ERR_SYNTAX, "empty query");
    assert_invalid("   # only a comment", 1, PQSYNTAX_ERR_SYNTAX, "empty query");
    assert_invalid("up{job=\"a\"", 11, PQSYNTAX_ERR_SYNTAX, "end of input inside braces");
    assert_invalid("up{job=a}", 8, PQSYNTAX_ERR_SYNTAX, "expected a string");
    assert_invalid("up{job==\"a\"}", 7, PQSYNTAX_ERR_SYNTAX, "expected =, !=, =~ or !~");
    assert_invalid("up{job}", 7, PQSYNTAX_ERR_SYNTAX, "expected =, !=, =~ or !~");
    assert_invalid("up{a:b=\"x\"}", 4, PQSYNTAX_ERR_SYNTAX, "must not contain a colon");
    assert_invalid("up{job=\"a\" x=\"b\"}", 12, PQSYNTAX_ERR_SYNTAX, "expected \",\" or \"}\"");
    assert_invalid("up{job=\"a}", 8, PQSYNTAX_ERR_SYNTAX, "unterminated quoted string");
    assert_invalid("up{job=\"a\nb\"}", 8, PQSYNTAX_ERR_SYNTAX, "unterminated quoted string");
    assert_invalid("up{job=`a}", 8, PQSYNTAX_ERR_SYNTAX, "unterminated raw string");
    assert_invalid("up{job=\"\\q\"}", 9, PQSYNTAX_ERR_SYNTAX, "unknown escape sequence");
    assert_invalid("up{job=\"\\x4\"}", 9, PQSYNTAX_ERR_SYNTAX, "hex digits");
    assert_invalid("up{job=\"\\uD800\"}", 9, PQSYNTAX_ERR_SYNTAX, "code point");
    assert_invalid("up{job=\"\\400\"}", 9, PQSYNTAX_ERR_SYNTAX, "> 255");
    assert_invalid("up{job='\\\"'}", 9, PQSYNTAX_ERR_SYNTAX, "unknown escape sequence");
    assert_invalid("up{job=\"\xff\"}", 9, PQSYNTAX_ERR_SYNTAX, "invalid UTF-8");
    assert_invalid("up[5]", 4, PQSYNTAX_ERR_SYNTAX, "expected a duration");
    assert_invalid("up[5m", 6, PQSYNTAX_ERR_SYNTAX, "unclosed left bracket");
    assert_invalid("up[5m:1m:1m]", 9, PQSYNTAX_ERR_SYNTAX, "expected a duration or \"]\"");
    assert_invalid("up[1h1d]", 4, PQSYNTAX_ERR_SYNTAX, "bad number or duration syntax");
    assert_invalid("up[5x]", 4, PQSYNTAX_ERR_SYNTAX, "bad number or duration syntax");
    assert_invalid("up[0s]", 4, PQSYNTAX_ERR_SYNTAX, "greater than 0");
    assert_invalid("5m", 1, PQSYNTAX_ERR_SYNTAX, "unexpected duration \"5m\"");
    assert_invalid("1e", 1, PQSYNTAX_ERR_SYNTAX, "bad number syntax");
    assert_invalid("0x", 1, PQSYNTAX_ERR_SYNTAX, "bad number syntax");
    assert_invalid("1 + 1e400", 5, PQSYNTAX_ERR_SYNTAX, "number out of range");
    assert_invalid("0x8000000000000000", 1, PQSYNTAX_ERR_SYNTAX, "number out of range");
    assert_valid("0x7fffffffffffffff + 0x00000000000000001 + 1e-400", PQSYNTAX_SCALAR);
    assert_invalid("a +* b", 4, PQSYNTAX_ERR_SYNTAX, "unexpected \"*\"");
    assert_invalid("a b", 3, PQSYNTAX_ERR_SYNTAX, "unexpected identifier \"b\"");
    assert_invalid("sum(x) by job", 11, PQSYNTAX_ERR_SYNTAX, "expected \"(\"");
    assert_invalid("sum by (job) x", 14, PQSYNTAX_ERR_SYNTAX, "expected \"(\"");
    assert_invalid("sum(x) by (a) without (b)", 15, PQSYNTAX_ERR_SYNTAX, "identifier \"without\"");
    assert_invalid("sum by (a:b) (x)", 9, PQSYNTAX_ERR_SYNTAX, "must not contain a colon");
    assert_invalid("rate(x[5m]", 11, PQSYNTAX_ERR_SYNTAX, "unclosed left parenthesis");
    assert_invalid("rate(x[5m] y)", 12, PQSYNTAX_ERR_SYNTAX, "expected \",\" or \")\"");
    assert_invalid("a * on job b", 8, PQSYNTAX_ERR_SYNTAX, "expected \"(\"");
    assert_invalid("a * group_left b", 5, PQSYNTAX_ERR_SYNTAX, "identifier \"group_left\"");
    assert_invalid("up @ now", 6, PQSYNTAX_ERR_SYNTAX, "expected a timestamp");
    assert_invalid("up @ start", 11, PQSYNTAX_ERR_SYNTAX, "expected \"(\"");
    assert_invalid("up offset", 10, PQSYNTAX_ERR_SYNTAX, "expected a duration");
    assert_invalid("up offset 5", 11, PQSYNTAX_ERR_SYNTAX, "expected a duration");
    assert_invalid("a $ b", 3, PQSYNTAX_ERR_SYNTAX, "unexpected character \"$\"");
    assert_invalid("a\x01", 2, PQSYNTAX_ERR_SYNTAX, "control character");
    assert_invalid("bool", 1, PQSYNTAX_ERR_SYNTAX, "identifier \"bool\"");
    assert_invalid("a:b(x)", 4, PQSYNTAX_ERR_SYNTAX, "unexpected \"(\"");
}

static void test_metricsql_is_not_promql(void **state)
{
    (void)state;
    assert_invalid("range_median(x[5m])", 1, PQSYNTAX_ERR_FUNCTION,
                   "unknown function \"range_median\"");
    assert_invalid("sum(rate(x[5m])) + rollup_rate(y)", 20, PQSYNTAX_ERR_FUNCTION,
                   "unknown function \"rollup_rate\"");
    assert_invalid("RATE(x[5m])", 1, PQSYNTAX_ERR_FUNCTION, "unknown function \"RATE\"");
    assert_invalid("WITH (a = b) a", 1, PQSYNTAX_ERR_FUNCTION, "unknown function \"WITH\"");
    assert_invalid("x default 0", 3, PQSYNTAX_ERR_SYNTAX, "identifier \"default\"");
    assert_invalid("rate(x[5m]) keep_metric_names", 13, PQSYNTAX_ERR_SYNTAX,
                   "identifier \"keep_metric_names\"");
    assert_invalid("rate(x)", 6, PQSYNTAX_ERR_TYPE, "expected type range vector");
    assert_invalid("x[1i]", 3, PQSYNTAX_ERR_SYNTAX, "bad number or duration syntax");
    assert_invalid("limitk(2, x)", 1, PQSYNTAX_ERR_FUNCTION, "unknown function \"limitk\"");
}

static void test_type_errors(void **state)
{
    (void)state;
    assert_invalid("rate(x)", 6, PQSYNTAX_ERR_TYPE,
                   "expected type range vector in call to function \"rate\", got instant vector");
    assert_invalid("abs(x[5m])", 5, PQSYNTAX_ERR_TYPE, "expected type instant vector");
    assert_invalid("abs(1)", 5, PQSYNTAX_ERR_TYPE, "got scalar");
    assert_invalid("vector(x)", 8, PQSYNTAX_ERR_TYPE, "expected type scalar");
    assert_invalid("label_replace(x, \"a\", \"b\", \"c\", d)", 33, PQSYNTAX_ERR_TYPE,
                   "expected type string");
    assert_invalid("rate(x[5m], 1)", 1, PQSYNTAX_ERR_TYPE, "expected 1 argument in call");
    assert_invalid("clamp(x, 1)", 1, PQSYNTAX_ERR_TYPE, "expected 3 arguments");
    assert_invalid("round()", 1, PQSYNTAX_ERR_TYPE, "at least 1 argument");
    assert_invalid("round(x, 1, 2)", 1, PQSYNTAX_ERR_TYPE, "at most 2 arguments");
    assert_invalid("hour(x, y)", 1, PQSYNTAX_ERR_TYPE, "at most 1 argument");
    assert_invalid("label_join(x, \"a\")", 1, PQSYNTAX_ERR_TYPE, "at least 3 arguments");
    assert_invalid("time(x)", 1, PQSYNTAX_ERR_TYPE, "expected 0 arguments");
    assert_invalid("sum(x, y)", 1, PQSYNTAX_ERR_TYPE, "expected 1, got 2");
    assert_invalid("sum()", 1, PQSYNTAX_ERR_TYPE, "expected 1, got 0");
    assert_invalid("topk(x)", 1, PQSYNTAX_ERR_TYPE, "expected 2, got 1");
    assert_invalid("topk(x, y)", 6, PQSYNTAX_ERR_TYPE,
                   "aggregation parameter, got instant vector");
    assert_invalid("count_values(1, x)", 14, PQSYNTAX_ERR_TYPE, "expected type string");
    assert_invalid("sum(x[5m])", 5, PQSYNTAX_ERR_TYPE, "aggregation expression, got range vector");
    assert_invalid("sum(rate(x[5m])[5m])", 16, PQSYNTAX_ERR_TYPE,
                   "ranges only allowed for vector selectors");
    assert_invalid("(up)[5m]", 5, PQSYNTAX_ERR_TYPE, "ranges only allowed for vector selectors");
    assert_invalid("up[5m][5m]", 7, PQSYNTAX_ERR_TYPE, "ranges only allowed");
    assert_invalid("up[5m][10m:1m]", 7, PQSYNTAX_ERR_TYPE, "only allowed on instant vector");
    assert_invalid("1[5m:]", 2, PQSYNTAX_ERR_TYPE, "got scalar");
    assert_invalid("up offset 5m [5m]", 14, PQSYNTAX_ERR_TYPE, "no offset modifiers allowed");
    assert_invalid("up @ 1 [5m]", 8, PQSYNTAX_ERR_TYPE, "no @ modifiers allowed");
    assert_invalid("up offset 1m offset 2m", 14, PQSYNTAX_ERR_TYPE, "multiple times");
    assert_invalid("up @ 1 @ 2", 8, PQSYNTAX_ERR_TYPE, "multiple times");
    assert_invalid("sum(x) offset 5m", 8, PQSYNTAX_ERR_TYPE, "offset modifier must be preceded");
    assert_invalid("(up) @ 5", 6, PQSYNTAX_ERR_TYPE, "@ modifier must be preceded");
    assert_invalid("1 == 2", 3, PQSYNTAX_ERR_TYPE, "must use BOOL modifier");
    assert_invalid("a + bool b", 3, PQSYNTAX_ERR_TYPE, "only be used on comparison");
    assert_invalid("a and 1", 3, PQSYNTAX_ERR_TYPE, "set operator \"and\" not allowed");
    assert_invalid("a and on (x) group_left b", 3, PQSYNTAX_ERR_TYPE, "no grouping allowed");
    assert_invalid("1 + on (x) a", 3, PQSYNTAX_ERR_TYPE, "only allowed between instant vectors");
    assert_invalid("x[5m] + 1", 1, PQSYNTAX_ERR_TYPE, "got range vector");
    assert_invalid("1 + \"a\"", 5, PQSYNTAX_ERR_TYPE, "got string");
    assert_invalid("-x[5m]", 1, PQSYNTAX_ERR_TYPE, "unary expression only allowed");
    assert_invalid("-\"a\"", 1, PQSYNTAX_ERR_TYPE, "unary expression only allowed");
    assert_invalid("{}", 1, PQSYNTAX_ERR_SYNTAX, "at least one non-empty matcher");
    assert_invalid("{job=\"\"}", 1, PQSYNTAX_ERR_SYNTAX, "at least one non-empty matcher");
    assert_invalid("{job=~\".*\"}", 1, PQSYNTAX_ERR_SYNTAX, "at least one non-empty matcher");
    assert_invalid("up{__name__=\"x\"}", 4, PQSYNTAX_ERR_SYNTAX, "must not be set twice");
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
