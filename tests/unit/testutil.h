/* Shared includes for the cmocka unit tests. */
#ifndef SLO_TESTUTIL_H
#define SLO_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include <curl/curl.h>

/* Relative comparison for doubles computed in different orders. */
#define assert_close(a, b)                                                                  \
    do {                                                                                    \
        double a_ = (a), b_ = (b);                                                          \
        double d_ = fabs(a_ - b_), m_ = fmax(fabs(a_), fabs(b_));                           \
        if (!(d_ <= 1e-12 || d_ <= 1e-9 * m_))                                              \
            fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);                             \
    } while (0)

/* cmocka group set-up and tear-down of the tests that send HTTP through libcurl. */
static inline int testutil_curl_setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static inline int testutil_curl_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

#endif
