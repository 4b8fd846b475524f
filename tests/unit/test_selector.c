/* Unit tests for selector: parsing, escapes, every kind of error, printing. */
#include "testutil.h"

#include <stdlib.h>
#include <time.h>

#include "selector.h"

/* Parses s, which must succeed, and returns it printed without extras. */
static char *roundtrip(const char *s)
{
    struct selector *sel = NULL;
    struct err e = {{0}};
    char *out;

    if (selector_parse(s, &sel, &e) != 0)
        fail_msg("selector_parse(%s) failed: %s", s, e.msg);
    out = selector_format(sel, NULL, NULL, SELECTOR_EQ, NULL);
    assert_non_null(out);
    selector_free(sel);
    return out;
}

/* Asserts that s is rejected with exactly msg, and that *out stays NULL. */
static void assert_parse_error(const char *s, const char *msg)
{
    struct selector *sel = (struct selector *)&sel; /* must be reset to NULL */
    struct err e = {{0}};

    if (selector_parse(s, &sel, &e) != -1)
        fail_msg("selector_parse(%s) succeeded, expected: %s", s, msg);
    assert_null(sel);
    assert_string_equal(e.msg, msg);
}

static void assert_roundtrip(const char *in, const char *want)
{
    char *got = roundtrip(in);

    assert_string_equal(got, want);
    free(got);
}

static void test_bare_metric_name_has_no_braces(void **state)
{
    (void)state;
    assert_roundtrip("up", "up");
    assert_roundtrip("job:http_requests:rate5m", "job:http_requests:rate5m");
    assert_roundtrip("_x9", "_x9");
    assert_roundtrip(":colon_first", ":colon_first");
}

static void test_all_four_operators_parse_in_order(void **state)
{
    struct selector *sel = NULL;
    struct err e;

    (void)state;
    assert_int_equal(selector_parse("http_requests_total{job=\"api\", code=~\"5..\", "
                                    "path!=\"/health\", method!~'GET|HEAD'}",
                                    &sel, &e),
                     0);
    assert_string_equal(sel->metric, "http_requests_total");
    assert_int_equal(sel->n, 4);
    assert_string_equal(sel->m[0].name, "job");
    assert_int_equal(sel->m[0].op, SELECTOR_EQ);
    assert_string_equal(sel->m[0].value, "api");
    assert_string_equal(sel->m[1].name, "code");
    assert_int_equal(sel->m[1].op, SELECTOR_RE);
    assert_string_equal(sel->m[1].value, "5..");
    assert_string_equal(sel->m[2].name, "path");
    assert_int_equal(sel->m[2].op, SELECTOR_NE);
    assert_string_equal(sel->m[2].value, "/health");
    assert_string_equal(sel->m[3].name, "method");
    assert_int_equal(sel->m[3].op, SELECTOR_NRE);
    assert_string_equal(sel->m[3].value, "GET|HEAD");
    selector_free(sel);
}

static void test_good_selectors_round_trip(void **state)
{
    (void)state;
    assert_roundtrip("http_requests_total{job=\"checkout\",code=~\"5..\"}",
                     "http_requests_total{job=\"checkout\",code=~\"5..\"}");
    assert_roundtrip("  m { a = \"1\" ,\tb != '2' , c=~`x.*`, d !~ \"y\" }  ",
                     "m{a=\"1\",b!=\"2\",c=~\"x.*\",d!~\"y\"}");
    /* Printing the printed form gives it back unchanged. */
    assert_roundtrip("m{a=\"1\",b!=\"2\",c=~\"x.*\",d!~\"y\"}",
                     "m{a=\"1\",b!=\"2\",c=~\"x.*\",d!~\"y\"}");
    assert_roundtrip("m{a=\"\"}", "m{a=\"\"}");
}

static void test_empty_braces_and_trailing_comma_are_accepted(void **state)
{
    (void)state;
    assert_roundtrip("m{}", "m");
    assert_roundtrip("m{ }", "m");
    assert_roundtrip("m{a=\"b\",}", "m{a=\"b\"}");
    assert_roundtrip("m{a=\"b\" , }", "m{a=\"b\"}");
}

static void test_double_quoted_escapes_are_decoded(void **state)
{
    struct selector *sel = NULL;
    struct err e;

    (void)state;
    assert_int_equal(selector_parse("m{a=\"q\\\"b\\\\s\\n\\t\\r\\a\\b\\f\\v\\'\"}", &sel, &e), 0);
    assert_string_equal(sel->m[0].value, "q\"b\\s\n\t\r\a\b\f\v'");
    selector_free(sel);
}

static void test_single_quoted_escapes_are_decoded(void **state)
{
    struct selector *sel = NULL;
    struct err e;

    (void)state;
    assert_int_equal(selector_parse("m{a='it\\'s', b='say \"hi\\\"'}", &sel, &e), 0);
    assert_string_equal(sel->m[0].value, "it's");
    assert_string_equal(sel->m[1].value, "say \"hi\"");
    selector_free(sel);
}

static void test_numeric_escapes_are_decoded(void **state)
{
    struct selector *sel = NULL;
    struct err e;

    (void)state;
    /* \x41 = A, \101 = A (octal), \u00e9 = é (2 bytes), \U0001F600 (4 bytes) */
    assert_int_equal(selector_parse("m{a=\"\\x41\\101\\u00e9\\U0001F600\\xff\"}", &sel, &e), 0);
    assert_string_equal(sel->m[0].value, "AA\xc3\xa9\xf0\x9f\x98\x80\xff");
    selector_free(sel);
}

static void test_backquoted_values_are_raw(void **state)
{
    struct selector *sel = NULL;
    struct err e;

    (void)state;
    assert_int_equal(selector_parse("m{a=~`\\d+\\.\"x\"`, b=`two\nlines`}", &sel, &e), 0);
    assert_string_equal(sel->m[0].value, "\\d+\\.\"x\"");
    assert_string_equal(sel->m[1].value, "two\nlines");
    selector_free(sel);
}

static void test_format_reescapes_backslash_quote_and_newline(void **state)
{
    (void)state;
    assert_roundtrip("m{a=`\\d+ \"q\"`, b='x\\ny'}", "m{a=\"\\\\d+ \\\"q\\\"\",b=\"x\\ny\"}");
    /* The printed form parses back to the same values. */
    assert_roundtrip("m{a=\"\\\\d+ \\\"q\\\"\",b=\"x\\ny\"}",
                     "m{a=\"\\\\d+ \\\"q\\\"\",b=\"x\\ny\"}");
}

static void test_format_appends_suffix_and_extra_matcher_last(void **state)
{
    struct selector *sel = NULL;
    struct err e;
    char *s;

    (void)state;
    assert_int_equal(selector_parse("lat{job=\"search\"}", &sel, &e), 0);
    s = selector_format(sel, "_bucket", "le", SELECTOR_EQ, "0.25");
    assert_string_equal(s, "lat_bucket{job=\"search\",le=\"0.25\"}");
    free(s);
    s = selector_format(sel, "_count", NULL, SELECTOR_EQ, NULL);
    assert_string_equal(s, "lat_count{job=\"search\"}");
    free(s);
    selector_free(sel);

    assert_int_equal(selector_parse("lat", &sel, &e), 0);
    s = selector_format(sel, "_bucket", "le", SELECTOR_RE, "0\\.25|\"x\"");
    assert_string_equal(s, "lat_bucket{le=~\"0\\\\.25|\\\"x\\\"\"}");
    free(s);
    s = selector_format(sel, NULL, NULL, SELECTOR_EQ, NULL);
    assert_string_equal(s, "lat");
    free(s);
    selector_free(sel);
}

static void test_op_strings(void **state)
{
    (void)state;
    assert_string_equal(selector_op_str(SELECTOR_EQ), "=");
    assert_string_equal(selector_op_str(SELECTOR_NE), "!=");
    assert_string_equal(selector_op_str(SELECTOR_RE), "=~");
    assert_string_equal(selector_op_str(SELECTOR_NRE), "!~");
}

static void test_re2_only_regexes_are_not_rejected(void **state)
{
    (void)state;
    /* POSIX ERE would refuse all of these; RE2 (Prometheus) accepts them. */
    assert_roundtrip("m{a=~\"\\\\d+\"}", "m{a=~\"\\\\d+\"}");
    assert_roundtrip("m{a=~\"(?i)get|post\"}", "m{a=~\"(?i)get|post\"}");
    assert_roundtrip("m{a=~\"(?P<x>a)\\\\pL\"}", "m{a=~\"(?P<x>a)\\\\pL\"}");
    assert_roundtrip("m{a=~\"[]a]\", b=~\"[^]]\", c=~\"[[:alpha:]]+\", d=~\"[(]\"}",
                     "m{a=~\"[]a]\",b=~\"[^]]\",c=~\"[[:alpha:]]+\",d=~\"[(]\"}");
    assert_roundtrip("m{a=~`\\Q(\\E`, b=~`\\(`}", "m{a=~\"\\\\Q(\\\\E\",b=~\"\\\\(\"}");
    /* = and != take the value literally: brackets do not matter there. */
    assert_roundtrip("m{a=\"(\", b!=\"[\"}", "m{a=\"(\",b!=\"[\"}");
}

static void test_missing_metric_name_is_an_error(void **state)
{
    (void)state;
    assert_parse_error("", "column 1: expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    assert_parse_error("  9lives", "column 3: expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    assert_parse_error("{job=\"x\"}", "column 1: expected a metric name before \"{\" (the "
                                      "sidecar needs the name to build its queries)");
}

static void test_bad_label_name_is_an_error(void **state)
{
    (void)state;
    assert_parse_error("m{9a=\"x\"}", "column 3: expected a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    assert_parse_error("m{a:b=\"x\"}", "column 4: expected \"=\", \"!=\", \"=~\" or \"!~\" "
                                       "after label name \"a\"");
    assert_parse_error("m{,}", "column 3: expected a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
}

static void test_bad_operator_reports_its_column(void **state)
{
    (void)state;
    assert_parse_error("http_requests{code ~ \"5..\"}",
                       "column 20: expected \"=\", \"!=\", \"=~\" or \"!~\" after label name "
                       "\"code\"");
    assert_parse_error("m{a==\"x\"}", "column 4: use \"=\", not \"==\", after label name \"a\"");
    assert_parse_error("m{a}", "column 4: expected \"=\", \"!=\", \"=~\" or \"!~\" after label "
                               "name \"a\"");
}

static void test_unquoted_value_is_an_error(void **state)
{
    (void)state;
    assert_parse_error("m{a=x}", "column 5: expected a quoted label value (\"...\", '...' or "
                                 "`...`)");
    assert_parse_error("m{a=", "column 5: expected a quoted label value, got the end");
}

static void test_unterminated_strings_are_errors(void **state)
{
    (void)state;
    assert_parse_error("m{a=\"x}", "column 5: unterminated string (no closing \")");
    assert_parse_error("m{a='x}", "column 5: unterminated string (no closing ')");
    assert_parse_error("m{a=`x}", "column 5: unterminated string (no closing `)");
    assert_parse_error("m{a=\"x\\", "column 5: unterminated string");
    assert_parse_error("m{a=\"x\ny\"}",
                       "column 7: newline in a quoted string (use \\n or backquotes)");
}

static void test_bad_escapes_are_errors(void **state)
{
    (void)state;
    assert_parse_error("m{a=\"x\\qy\"}", "column 7: unknown escape sequence \"\\q\"");
    assert_parse_error("m{a=\"\\x4\"}", "column 6: escape \"\\x\" needs 2 hexadecimal digits");
    assert_parse_error("m{a=\"\\u12G4\"}", "column 6: escape \"\\u\" needs 4 hexadecimal digits");
    assert_parse_error("m{a=\"\\U0011000\"}",
                       "column 6: escape \"\\U\" needs 8 hexadecimal digits");
    assert_parse_error("m{a=\"\\U00110000\"}",
                       "column 6: escape is not a valid Unicode code point");
    assert_parse_error("m{a=\"\\ud800\"}", "column 6: escape is not a valid Unicode code point");
    assert_parse_error("m{a=\"\\12\"}", "column 6: octal escape needs three digits 0-7");
    assert_parse_error("m{a=\"\\400\"}", "column 6: octal escape \"\\400\" is above \\377");
}

static void test_nul_escapes_are_refused(void **state)
{
    (void)state;
    /* A NUL would cut the C string: "a\x00b" would silently match "a". */
    assert_parse_error("m{a=\"a\\x00b\"}",
                       "column 7: label values cannot contain a NUL character");
    assert_parse_error("m{a=\"\\000\"}", "column 6: label values cannot contain a NUL character");
    assert_parse_error("m{a=\"\\u0000\"}",
                       "column 6: label values cannot contain a NUL character");
}

static void test_unbalanced_regexes_are_errors(void **state)
{
    (void)state;
    assert_parse_error("m{code=~\"(5..\"}",
                       "column 9: invalid regular expression for label \"code\": missing "
                       "closing \")\"");
    assert_parse_error("m{code!~\"5..)\"}",
                       "column 9: invalid regular expression for label \"code\": unexpected "
                       "\")\"");
    assert_parse_error("m{a=~\"[a-z\"}",
                       "column 6: invalid regular expression for label \"a\": missing closing "
                       "\"]\"");
    assert_parse_error("m{a=~`x\\`}",
                       "column 6: invalid regular expression for label \"a\": it ends with a "
                       "lone backslash");
}

static void test_missing_separator_or_brace_is_an_error(void **state)
{
    (void)state;
    assert_parse_error("m{a=\"1\" b=\"2\"}", "column 9: expected \",\" or \"}\" after a matcher");
    assert_parse_error("m{a=\"1\"", "column 8: missing \"}\" at the end of the selector");
}

static void test_trailing_text_is_an_error(void **state)
{
    (void)state;
    assert_parse_error("m{a=\"1\"}[5m]",
                       "column 9: a selector takes no range; the sidecar adds the windows itself");
    assert_parse_error("sum(rate(m[5m]))",
                       "column 4: a selector is a metric name with optional {matchers}, not an "
                       "expression (use an sli.promql for full queries)");
    assert_parse_error("m{} x", "column 5: unexpected \"x\" after the selector");
    assert_parse_error("m offset 5m", "column 3: unexpected \"o\" after the selector");
}

static void test_null_input_is_an_error(void **state)
{
    struct selector *sel = NULL;
    struct err e;

    (void)state;
    assert_int_equal(selector_parse(NULL, &sel, &e), -1);
    assert_null(sel);
    assert_string_equal(e.msg, "no selector");
    selector_free(NULL);
    assert_null(selector_format(NULL, NULL, NULL, SELECTOR_EQ, NULL));
}

static void test_very_long_value_is_refused(void **state)
{
    size_t n = (1u << 20) + 16;
    char *s = malloc(n + 16);
    struct selector *sel = NULL;
    struct err e;

    (void)state;
    assert_non_null(s);
    memcpy(s, "m{a=\"", 5);
    memset(s + 5, 'x', n);
    memcpy(s + 5 + n, "\"}", 3);
    assert_int_equal(selector_parse(s, &sel, &e), -1);
    assert_null(sel);
    assert_string_equal(e.msg, "column 5: label value is longer than 1048576 bytes");
    free(s);
}

/* The selector x{a=~"[" then n times "[:"}, which has no ":]" (caller frees). */
static char *open_classes(size_t n)
{
    char *s = malloc(2 * n + 16);

    assert_non_null(s);
    memcpy(s, "x{a=~\"[", 7);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 7 + 2 * i, "[:", 2);
    memcpy(s + 7 + 2 * n, "\"}", 3);
    return s;
}

/* CPU seconds to parse s (which fails), the least of runs runs. */
static double parse_seconds(const char *s, int runs)
{
    double best = 1e9;

    for (int i = 0; i < runs; i++) {
        struct selector *sel;
        struct err e;
        clock_t t0 = clock();
        double t;

        assert_int_equal(selector_parse(s, &sel, &e), -1);
        t = (double)(clock() - t0) / CLOCKS_PER_SEC;
        if (t < best)
            best = t;
    }
    return best;
}

/*
 * Found while writing fuzz/fuzz_selector.c: the regex check searched for
 * ":]" again from every "[:" in a class, quadratic in the value's length
 * (1 MiB of "[:" took 6 s; a config may hold many). Eight times the input
 * must take about eight times as long, not sixty-four.
 */
static void test_regex_class_check_takes_linear_time(void **state)
{
    char *small = open_classes(62500), *big = open_classes(500000);
    struct err e;
    struct selector *sel;
    double ts, tb;

    (void)state;
    assert_int_equal(selector_parse(big, &sel, &e), -1);
    assert_string_equal(e.msg, "column 6: invalid regular expression for label \"a\": missing "
                               "closing \"]\"");
    ts = parse_seconds(small, 3);
    tb = parse_seconds(big, 1);
    print_message("  62500 \"[:\": %.4f s, 500000: %.4f s\n", ts, tb);
    if (tb > 24 * ts + 0.01)
        fail_msg("8 times the input took %.1f times as long", tb / ts);
    free(small);
    free(big);
}

static void test_le_regex_spellings(void **state)
{
    char b[64];

    (void)state;
    selector_le_regex(1, b, sizeof(b));
    assert_string_equal(b, "1|1\\.0");
    selector_le_regex(0.25, b, sizeof(b));
    assert_string_equal(b, "0\\.25");
    selector_le_regex(2.5e-05, b, sizeof(b));
    assert_string_equal(b, "2\\.5e-05");
}

/* The one name check the config, the importer and the rules writer share. */
static void test_name_ok(void **state)
{
    static const char *const good[] = {"a", "_", "__name__", "job", "Code_2", "x9"};
    static const char *const bad[] = {"", "9a", "a-b", "a.b", "a:b", "é", " a", "a "};

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(selector_name_ok(good[i], 0), 1);
        assert_int_equal(selector_name_ok(good[i], 1), 1);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (selector_name_ok(bad[i], 0) != 0)
            fail_msg("\"%s\" was taken for a label name", bad[i]);
    /* Metric names may hold colons (recording rules), label names not. */
    assert_int_equal(selector_name_ok("job:rate5m", 1), 1);
    assert_int_equal(selector_name_ok(":a", 1), 1);
    assert_int_equal(selector_name_ok("a-b", 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_le_regex_spellings),
        cmocka_unit_test(test_bare_metric_name_has_no_braces),
        cmocka_unit_test(test_all_four_operators_parse_in_order),
        cmocka_unit_test(test_good_selectors_round_trip),
        cmocka_unit_test(test_empty_braces_and_trailing_comma_are_accepted),
        cmocka_unit_test(test_double_quoted_escapes_are_decoded),
        cmocka_unit_test(test_single_quoted_escapes_are_decoded),
        cmocka_unit_test(test_numeric_escapes_are_decoded),
        cmocka_unit_test(test_backquoted_values_are_raw),
        cmocka_unit_test(test_format_reescapes_backslash_quote_and_newline),
        cmocka_unit_test(test_format_appends_suffix_and_extra_matcher_last),
        cmocka_unit_test(test_op_strings),
        cmocka_unit_test(test_re2_only_regexes_are_not_rejected),
        cmocka_unit_test(test_missing_metric_name_is_an_error),
        cmocka_unit_test(test_bad_label_name_is_an_error),
        cmocka_unit_test(test_bad_operator_reports_its_column),
        cmocka_unit_test(test_unquoted_value_is_an_error),
        cmocka_unit_test(test_unterminated_strings_are_errors),
        cmocka_unit_test(test_bad_escapes_are_errors),
        cmocka_unit_test(test_nul_escapes_are_refused),
        cmocka_unit_test(test_unbalanced_regexes_are_errors),
        cmocka_unit_test(test_missing_separator_or_brace_is_an_error),
        cmocka_unit_test(test_trailing_text_is_an_error),
        cmocka_unit_test(test_null_input_is_an_error),
        cmocka_unit_test(test_very_long_value_is_refused),
        cmocka_unit_test(test_regex_class_check_takes_linear_time),
        cmocka_unit_test(test_name_ok),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
