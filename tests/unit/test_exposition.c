/*
 * Unit tests for exposition: the text format 0.0.4 lines, their escaping,
 * number formatting and the all-or-nothing behaviour at the buffer cap.
 */
#include "testutil.h"

#include "exposition.h"
#include "util.h"

static void test_sample_without_labels_has_no_braces(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(exposition_sample(&b, "slo_sidecar_backend_up", NULL, NULL, 0, 1), 0);
    assert_string_equal(b.data, "slo_sidecar_backend_up 1\n");
    buf_reset(&b);
    {
        struct labels none;

        labels_init(&none);
        assert_int_equal(exposition_sample(&b, "x", &none, NULL, 0, 0), 0);
        assert_string_equal(b.data, "x 0\n");
    }
    buf_free(&b);
}

static void test_sample_puts_common_labels_before_extra(void **state)
{
    struct buf b;
    struct labels common;
    struct exposition_label extra[2] = {{"window", "5m"}, {"kind", "good"}};

    (void)state;
    buf_init(&b, 1024);
    labels_init(&common);
    assert_int_equal(labels_set(&common, "slo", "checkout-availability"), 0);
    assert_int_equal(labels_set(&common, "service", "checkout"), 0);
    assert_int_equal(exposition_sample(&b, "slo_events", &common, extra, 2, 118), 0);
    assert_string_equal(b.data, "slo_events{service=\"checkout\",slo=\"checkout-availability\","
                                "window=\"5m\",kind=\"good\"} 118\n");
    buf_reset(&b);
    assert_int_equal(exposition_sample(&b, "slo_events", NULL, extra, 1, 2), 0);
    assert_string_equal(b.data, "slo_events{window=\"5m\"} 2\n");
    labels_free(&common);
    buf_free(&b);
}

static void test_label_values_are_escaped(void **state)
{
    struct buf b;
    struct exposition_label l = {"description", "C:\\path \"quoted\"\nnext line"};

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(exposition_sample(&b, "slo_info", NULL, &l, 1, 1), 0);
    assert_string_equal(b.data,
                        "slo_info{description=\"C:\\\\path \\\"quoted\\\"\\nnext line\"} 1\n");
    buf_reset(&b);
    assert_int_equal(exposition_escape_value(&b, "a\\\"\n"), 0);
    assert_string_equal(b.data, "a\\\\\\\"\\n");
    buf_reset(&b);
    assert_int_equal(exposition_escape_value(&b, ""), 0);
    assert_string_equal(b.data, "");
    buf_free(&b);
}

static void test_family_escapes_help_but_not_quotes(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(exposition_family(&b, "slo_burn_rate", "gauge",
                                       "Error ratio / (1 - objective), \"burn\"\n"
                                       "see C:\\docs"),
                     0);
    assert_string_equal(b.data, "# HELP slo_burn_rate Error ratio / (1 - objective), \"burn\""
                                "\\nsee C:\\\\docs\n"
                                "# TYPE slo_burn_rate gauge\n");
    buf_free(&b);
}

/* Formats v as a sample value and returns the text after "m ". */
static const char *value_text(struct buf *b, double v)
{
    buf_reset(b);
    assert_int_equal(exposition_sample(b, "m", NULL, NULL, 0, v), 0);
    assert_int_equal(b->data[b->len - 1], '\n');
    b->data[b->len - 1] = '\0';
    return b->data + 2;
}

static void test_values_use_shortest_go_style_format(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 1024);
    assert_string_equal(value_text(&b, 1), "1");
    assert_string_equal(value_text(&b, 0), "0");
    assert_string_equal(value_text(&b, -3), "-3");
    assert_string_equal(value_text(&b, 0.999), "0.999");
    assert_string_equal(value_text(&b, 0.1 + 0.2), "0.30000000000000004");
    assert_string_equal(value_text(&b, 1e-05), "1e-05");
    assert_string_equal(value_text(&b, 0.0001), "0.0001");
    assert_string_equal(value_text(&b, 2.5e-10), "2.5e-10");
    assert_string_equal(value_text(&b, 1e21), "1e+21");
    assert_string_equal(value_text(&b, 1793491200), "1.7934912e+09");
    assert_string_equal(value_text(&b, INFINITY), "+Inf");
    assert_string_equal(value_text(&b, -INFINITY), "-Inf");
    assert_string_equal(value_text(&b, NAN), "NaN");
    buf_free(&b);
}

static void test_cap_reached_fails_and_leaves_buffer_unchanged(void **state)
{
    struct buf b;
    struct exposition_label l = {"window", "5m"};
    const char *first = "slo_sidecar_backend_up 1\n";

    (void)state;
    /* Room for the first line and part of the second, not all of it. */
    buf_init(&b, strlen(first) + 12);
    assert_int_equal(exposition_sample(&b, "slo_sidecar_backend_up", NULL, NULL, 0, 1), 0);
    assert_int_equal(exposition_sample(&b, "slo_burn_rate", NULL, &l, 1, 16.67), -1);
    assert_string_equal(b.data, first);
    assert_int_equal(b.len, strlen(first));
    assert_int_equal(exposition_family(&b, "slo_burn_rate", "gauge", "help"), -1);
    assert_string_equal(b.data, first);
    assert_int_equal(exposition_escape_value(&b, "a value longer than what is left"), -1);
    assert_string_equal(b.data, first);
    assert_int_equal(b.len, strlen(first));
    /* What still fits is written. */
    assert_int_equal(exposition_sample(&b, "u", NULL, NULL, 0, 0), 0);
    assert_string_equal(b.data, "slo_sidecar_backend_up 1\nu 0\n");
    buf_free(&b);
}

static void test_cap_on_empty_buffer_fails_cleanly(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 4);
    assert_int_equal(exposition_sample(&b, "slo_objective_ratio", NULL, NULL, 0, 0.999), -1);
    assert_int_equal(b.len, 0);
    assert_int_equal(exposition_family(&b, "slo_objective_ratio", "gauge", "x"), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_without_labels_has_no_braces),
        cmocka_unit_test(test_sample_puts_common_labels_before_extra),
        cmocka_unit_test(test_label_values_are_escaped),
        cmocka_unit_test(test_family_escapes_help_but_not_quotes),
        cmocka_unit_test(test_values_use_shortest_go_style_format),
        cmocka_unit_test(test_cap_reached_fails_and_leaves_buffer_unchanged),
        cmocka_unit_test(test_cap_on_empty_buffer_fails_cleanly),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
