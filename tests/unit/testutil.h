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

/* Randomized and long tests walk a shorter way under valgrind (about 50
 * times slower). */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* Relative comparison for doubles computed in different orders. */
#define assert_close(a, b)                                                                        \
    do {                                                                                          \
        double a_ = (a), b_ = (b);                                                                \
        double d_ = fabs(a_ - b_), m_ = fmax(fabs(a_), fabs(b_));                                 \
        if (!(d_ <= 1e-12 || d_ <= 1e-9 * m_))                                                    \
            fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);                                   \
    } while (0)

/* A small seeded generator (xorshift64*) for randomized tests that must
 * replay the same way every run; s must not be 0. */
struct rng {
    uint64_t s;
};

static inline uint64_t rnd(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

static inline int64_t rnd_below(struct rng *r, int64_t n)
{
    return (int64_t)(rnd(r) % (uint64_t)n);
}

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
