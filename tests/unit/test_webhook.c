/* Unit tests for webhook's pure policy and payload (delivery: test_history.sh). */
#include "testutil.h"

#include <jansson.h>
#include <stdlib.h>

#include "history.h"
#include "slojson.h"
#include "webhook.h"

static void test_retryable_statuses(void **state)
{
    (void)state;
    assert_true(webhook_retryable(0));
    assert_true(webhook_retryable(408));
    assert_true(webhook_retryable(429));
    assert_true(webhook_retryable(500));
    assert_true(webhook_retryable(503));
    assert_true(webhook_retryable(599));
    assert_false(webhook_retryable(400));
    assert_false(webhook_retryable(401));
    assert_false(webhook_retryable(404));
    assert_false(webhook_retryable(413));
    assert_false(webhook_retryable(301));
}

static void test_backoff_doubles_within_bounds(void **state)
{
    (void)state;
    /* Retry k waits within [cap/2, cap], cap = 1s * 2^(k-1), at most 60s. */
    for (uint64_t r = 0; r < 5000; r += 7) {
        int64_t b1 = webhook_backoff_ms(1, r * 2654435761u);
        int64_t b3 = webhook_backoff_ms(3, r * 2654435761u);
        int64_t b20 = webhook_backoff_ms(20, r * 2654435761u);

        assert_true(b1 >= 500 && b1 <= 1000);
        assert_true(b3 >= 2000 && b3 <= 4000);
        assert_true(b20 >= 30000 && b20 <= 60000);
    }
    assert_int_equal(webhook_backoff_ms(1, 0), 500);
    assert_int_equal(webhook_backoff_ms(1, 500), 1000);
}

static void event(struct history_event *e, uint64_t id, enum history_event_kind k)
{
    memset(e, 0, sizeof(*e));
    labels_init(&e->group);
    e->id = id;
    e->t_ms = 1793491200500LL;
    e->kind = k;
    e->slo = (char *)"checkout";
    if (k == HISTORY_EVENT_STATUS) {
        e->has_from = 1;
        e->from = SLO_STATUS_HEALTHY;
        e->to = SLO_STATUS_CRITICAL;
    } else {
        e->severity = CONFIG_SEVERITY_PAGE;
        e->firing = 1;
    }
    e->flags = HISTORY_HAS_SLI | HISTORY_HAS_BURN;
    e->sli = 0.99;
    e->burn = 14.5;
}

static void test_body_selects_kinds(void **state)
{
    struct history_event ev[3];
    int none;
    char *body;

    (void)state;
    event(&ev[0], 7, HISTORY_EVENT_STATUS);
    event(&ev[1], 8, HISTORY_EVENT_ALERT);
    event(&ev[2], 9, HISTORY_EVENT_STATUS);
    body = webhook_body(ev, 3, CONFIG_WEBHOOK_STATUS | CONFIG_WEBHOOK_ALERT, &none);
    assert_false(none);
    assert_string_equal(
        body, "{\"version\":\"1\",\"events\":["
              "{\"id\":7,\"time\":1793491200.5,\"type\":\"status\",\"slo\":\"checkout\","
              "\"from\":\"healthy\",\"to\":\"critical\",\"sli\":0.99,\"budget_remaining\":null,"
              "\"burn_rate_1h\":14.5},"
              "{\"id\":8,\"time\":1793491200.5,\"type\":\"alert\",\"slo\":\"checkout\","
              "\"severity\":\"page\",\"firing\":true,\"sli\":0.99,\"budget_remaining\":null,"
              "\"burn_rate_1h\":14.5},"
              "{\"id\":9,\"time\":1793491200.5,\"type\":\"status\",\"slo\":\"checkout\","
              "\"from\":\"healthy\",\"to\":\"critical\",\"sli\":0.99,\"budget_remaining\":null,"
              "\"burn_rate_1h\":14.5}]}");
    free(body);
    body = webhook_body(ev, 3, CONFIG_WEBHOOK_ALERT, &none);
    assert_false(none);
    assert_non_null(strstr(body, "\"id\":8"));
    assert_null(strstr(body, "\"id\":7"));
    free(body);
    /* Nothing selected: no body, and none says why. */
    assert_null(webhook_body(ev, 1, CONFIG_WEBHOOK_ALERT, &none));
    assert_true(none);
    assert_null(webhook_body(ev, 0, CONFIG_WEBHOOK_STATUS, &none));
    assert_true(none);
}

static void test_event_json_group_and_unknown_from(void **state)
{
    struct history_event e;
    json_t *j;
    char *s;

    (void)state;
    event(&e, 1, HISTORY_EVENT_STATUS);
    e.has_from = 0;
    e.to = SLO_STATUS_NONE;
    assert_int_equal(labels_set(&e.group, "namespace", "shop"), 0);
    j = slojson_event(&e);
    s = slojson_dump(j, 0);
    assert_string_equal(s, "{\"id\":1,\"time\":1793491200.5,\"type\":\"status\",\"slo\":"
                           "\"checkout\",\"group\":{\"namespace\":\"shop\"},\"from\":null,"
                           "\"to\":null,\"sli\":0.99,\"budget_remaining\":null,"
                           "\"burn_rate_1h\":14.5}");
    free(s);
    json_decref(j);
    labels_free(&e.group);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retryable_statuses),
        cmocka_unit_test(test_backoff_doubles_within_bounds),
        cmocka_unit_test(test_body_selects_kinds),
        cmocka_unit_test(test_event_json_group_and_unknown_from),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
