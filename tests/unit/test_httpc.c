/*
 * Unit tests for httpc's retry policy, which is pure: what is retried
 * (httpc_retryable), the jittered backoff, the wait before the next attempt
 * within the deadline and the server's Retry-After, the parsing of
 * Retry-After, and the pieces of error messages (status hints, notes
 * appended to a message that may be full). The transfers themselves are
 * tested through their clients (test_promql.c, test_remote_read.c).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>

#include "httpc.h"

static void test_retryable_transport_failures_without_an_answer(void **state)
{
    (void)state;
    assert_true(httpc_retryable(CURLE_COULDNT_CONNECT, 0));
    assert_true(httpc_retryable(CURLE_RECV_ERROR, 0));
    assert_true(httpc_retryable(CURLE_SEND_ERROR, 0));
    assert_true(httpc_retryable(CURLE_GOT_NOTHING, 0));
    /* Settings, or the deadline spent: no. */
    assert_false(httpc_retryable(CURLE_COULDNT_RESOLVE_HOST, 0));
    assert_false(httpc_retryable(CURLE_OPERATION_TIMEDOUT, 0));
    assert_false(httpc_retryable(CURLE_SSL_CONNECT_ERROR, 0));
    assert_false(httpc_retryable(CURLE_PEER_FAILED_VERIFICATION, 0));
    assert_false(httpc_retryable(CURLE_UNSUPPORTED_PROTOCOL, 0));
    /* Once a status arrived, a broken body is not retried (a stream may
     * have been delivered in part). */
    assert_false(httpc_retryable(CURLE_RECV_ERROR, 200));
    assert_false(httpc_retryable(CURLE_PARTIAL_FILE, 200));
    assert_false(httpc_retryable(CURLE_WRITE_ERROR, 200));
    assert_false(httpc_retryable(CURLE_WRITE_ERROR, 503));
}

static void test_retryable_statuses(void **state)
{
    static const long yes[] = {429, 502, 503, 504};
    static const long no[] = {200, 204, 302, 400, 401, 403, 404, 405,
                              413, 422, 499, 500, 501, 505, 0};

    (void)state;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!httpc_retryable(CURLE_OK, yes[i]))
            fail_msg("HTTP %ld should be retried", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (httpc_retryable(CURLE_OK, no[i]))
            fail_msg("HTTP %ld should not be retried", no[i]);
}

static void test_backoff_is_full_jitter_doubling_to_a_cap(void **state)
{
    static const int64_t caps[] = {200, 400, 800, 1600, 3200, 5000, 5000, 5000};

    (void)state;
    for (int k = 1; k <= 8; k++) {
        int64_t cap = caps[k - 1];

        assert_int_equal(httpc_backoff_ms(k, 0), 0);
        assert_int_equal(httpc_backoff_ms(k, (uint64_t)cap), cap);
        assert_int_equal(httpc_backoff_ms(k, (uint64_t)cap + 1), 0);
        assert_true(httpc_backoff_ms(k, UINT64_MAX) <= cap);
    }
    /* Huge retry numbers do not overflow. */
    assert_true(httpc_backoff_ms(1000, UINT64_MAX - 5) <= HTTPC_BACKOFF_MAX_MS);
    /* Uniform enough: over many draws the mean is about half the cap. */
    {
        uint64_t x = 88172645463325252ull;
        double sum = 0;

        for (int i = 0; i < 10000; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            sum += (double)httpc_backoff_ms(2, x);
        }
        assert_true(sum / 10000 > 180 && sum / 10000 < 220);
    }
}

static void test_retry_wait_counts_attempts(void **state)
{
    (void)state;
    assert_int_equal(httpc_retry_wait(1, 3, 5000, 150, -1), 150);
    assert_int_equal(httpc_retry_wait(2, 3, 5000, 0, -1), 0);
    assert_int_equal(httpc_retry_wait(3, 3, 5000, 150, -1), -1);
    assert_int_equal(httpc_retry_wait(1, 1, 5000, 150, -1), -1);
    /* No deadline (timeout 0): only the attempts bound it. */
    assert_int_equal(httpc_retry_wait(1, 3, -1, 150, -1), 150);
}

static void test_retry_wait_stays_inside_the_deadline(void **state)
{
    (void)state;
    /* A backoff longer than what is left is cut, leaving room for the attempt. */
    assert_int_equal(httpc_retry_wait(1, 3, 300, 350, -1), 300 - HTTPC_RETRY_MIN_LEFT_MS);
    assert_int_equal(httpc_retry_wait(1, 3, 301, 100, -1), 100);
    /* Too little left to be worth an attempt. */
    assert_int_equal(httpc_retry_wait(1, 3, HTTPC_RETRY_MIN_LEFT_MS, 0, -1), -1);
    assert_int_equal(httpc_retry_wait(1, 3, 0, 0, -1), -1);
}

static void test_retry_wait_honours_retry_after(void **state)
{
    (void)state;
    /* The longer of the two. */
    assert_int_equal(httpc_retry_wait(1, 3, 5000, 150, 1000), 1000);
    assert_int_equal(httpc_retry_wait(1, 3, 5000, 150, 0), 150);
    /* Past the deadline: give up rather than call before the server wants. */
    assert_int_equal(httpc_retry_wait(1, 3, 5000, 150, 7000), -1);
    assert_int_equal(httpc_retry_wait(1, 3, 1000, 0, 900 + 1), -1);
    assert_int_equal(httpc_retry_wait(1, 3, 1000, 0, 900), 900);
    /* Without a deadline, the cap. */
    assert_int_equal(httpc_retry_wait(1, 3, -1, 0, HTTPC_RETRY_AFTER_MAX_MS),
                     HTTPC_RETRY_AFTER_MAX_MS);
    assert_int_equal(httpc_retry_wait(1, 3, -1, 0, HTTPC_RETRY_AFTER_MAX_MS + 1), -1);
    /* Out of attempts whatever the server says. */
    assert_int_equal(httpc_retry_wait(3, 3, 5000, 0, 0), -1);
}

static void test_retry_after_delay_seconds(void **state)
{
    int64_t ms = -5;

    (void)state;
    assert_int_equal(httpc_retry_after_parse("7", 0, &ms), 0);
    assert_int_equal(ms, 7000);
    assert_int_equal(httpc_retry_after_parse(" 0\r\n", 0, &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(httpc_retry_after_parse("120", 123456, &ms), 0);
    assert_int_equal(ms, 120000);
    /* Far too long is as good as a day, without overflowing. */
    assert_int_equal(httpc_retry_after_parse("99999999999999999999999999", 0, &ms), 0);
    assert_int_equal(ms, 86400 * 1000LL);
    ms = -5;
    assert_int_equal(httpc_retry_after_parse("", 0, &ms), -1);
    assert_int_equal(httpc_retry_after_parse("  ", 0, &ms), -1);
    assert_int_equal(httpc_retry_after_parse("-1", 0, &ms), -1);
    assert_int_equal(httpc_retry_after_parse("1.5", 0, &ms), -1);
    assert_int_equal(httpc_retry_after_parse("10 s", 0, &ms), -1);
    assert_int_equal(httpc_retry_after_parse("0x10", 0, &ms), -1);
    assert_int_equal(ms, -5);
}

static void test_retry_after_http_dates(void **state)
{
    /* 1999-12-31T23:59:50Z, ten seconds before the dates below. */
    const int64_t now = 946684790000LL;
    int64_t ms = -5;

    (void)state;
    /* IMF-fixdate, RFC 850 and asctime, as RFC 9110 asks recipients to accept. */
    assert_int_equal(httpc_retry_after_parse("Fri, 31 Dec 1999 23:59:59 GMT", now, &ms), 0);
    assert_int_equal(ms, 9000);
    assert_int_equal(httpc_retry_after_parse("Friday, 31-Dec-99 23:59:59 GMT", now, &ms), 0);
    assert_int_equal(ms, 9000);
    assert_int_equal(httpc_retry_after_parse("Fri Dec 31 23:59:59 1999", now, &ms), 0);
    assert_int_equal(ms, 9000);
    /* A date in the past means now. */
    assert_int_equal(httpc_retry_after_parse("Thu, 01 Jan 1970 00:00:00 GMT", now, &ms), 0);
    assert_int_equal(ms, 0);
    /* Years ahead: capped at a day. */
    assert_int_equal(httpc_retry_after_parse("Sat, 01 Jan 2050 00:00:00 GMT", now, &ms), 0);
    assert_int_equal(ms, 86400 * 1000LL);
    ms = -5;
    assert_int_equal(httpc_retry_after_parse("soon", now, &ms), -1);
    assert_int_equal(httpc_retry_after_parse("Foo, 99 Bar 1999 25:61:61 GMT", now, &ms), -1);
    assert_int_equal(httpc_retry_after_parse("Fri, 99 Foo 1999 25:61:61 GMT garbage garbage "
                                             "garbage garbage garbage",
                                             now, &ms),
                     -1);
    assert_int_equal(ms, -5);
}

static void test_status_hints(void **state)
{
    (void)state;
    assert_string_equal(httpc_status_hint(401),
                        "authentication failed: check bearer_token_file / basic_auth");
    assert_non_null(strstr(httpc_status_hint(403), "permissions"));
    assert_non_null(strstr(httpc_status_hint(407), "proxy"));
    assert_non_null(strstr(httpc_status_hint(429), "rate limited"));
    assert_null(httpc_status_hint(200));
    assert_null(httpc_status_hint(404));
    assert_null(httpc_status_hint(500));
    assert_null(httpc_status_hint(503));
}

static void test_append_keeps_the_tail_whole(void **state)
{
    char msg[32];

    (void)state;
    snprintf(msg, sizeof(msg), "connection refused");
    httpc_append(msg, sizeof(msg), " (after 3)");
    assert_string_equal(msg, "connection refused (after 3)");
    /* A full message is cut before the tail, and says so. */
    snprintf(msg, sizeof(msg), "0123456789012345678901234567890");
    httpc_append(msg, sizeof(msg), " (after 3)");
    assert_string_equal(msg, "012345678901234567... (after 3)");
    assert_int_equal(strlen(msg), sizeof(msg) - 1);
    /* Exactly full still fits. */
    snprintf(msg, sizeof(msg), "012345678901234567890");
    httpc_append(msg, sizeof(msg), " (after 3)");
    assert_string_equal(msg, "012345678901234567890 (after 3)");
    /* A tail longer than the buffer: what fits of it. */
    snprintf(msg, sizeof(msg), "x");
    httpc_append(msg, sizeof(msg), " (a tail that is longer than the whole buffer)");
    assert_int_equal(strlen(msg), sizeof(msg) - 1);
    snprintf(msg, sizeof(msg), "same");
    httpc_append(msg, sizeof(msg), "");
    assert_string_equal(msg, "same");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retryable_transport_failures_without_an_answer),
        cmocka_unit_test(test_retryable_statuses),
        cmocka_unit_test(test_backoff_is_full_jitter_doubling_to_a_cap),
        cmocka_unit_test(test_retry_wait_counts_attempts),
        cmocka_unit_test(test_retry_wait_stays_inside_the_deadline),
        cmocka_unit_test(test_retry_wait_honours_retry_after),
        cmocka_unit_test(test_retry_after_delay_seconds),
        cmocka_unit_test(test_retry_after_http_dates),
        cmocka_unit_test(test_status_hints),
        cmocka_unit_test(test_append_keeps_the_tail_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
