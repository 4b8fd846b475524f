/*
 * libFuzzer target for buckets_load: the input is one byte choosing the
 * store parameters (a rolling store with an extra edge window, or a
 * calendar one), then a bucket store image (a part of the checkpoint). A
 * refused image leaves nothing; an accepted one must answer its windows
 * with finite counts >= 0, move on, and save to an image that loads again
 * and saves to the same bytes (a value written in a longer form than
 * needed loads, but saves in the short one).
 * Build: make build/fuzz/fuzz_buckets (linked with build/fuzz/libslo.a).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"

#define MIN 60000LL
#define HOUR (60 * MIN)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buckets_params p[2] = {
        {.grid_ms = MIN,
         .fine_ms = HOUR,
         .long_ms = 3 * HOUR,
         .coarse_ms = 10 * MIN,
         .nedge = 1,
         .edge_ms = {2 * HOUR}},
        {.grid_ms = MIN,
         .fine_ms = HOUR,
         .coarse_ms = 10 * MIN,
         .keep_ms = 6 * HOUR,
         .nedge = 1,
         .edge_ms = {2 * HOUR}},
    };
    struct buckets *b = NULL, *c = NULL;
    struct buf one, two;
    struct err e = {{0}};
    size_t used = 0, used2 = 0;
    const struct buckets_params *q;

    if (size < 1)
        return 0;
    q = &p[data[0] & 1];
    if (buckets_load(q, data + 1, size - 1, &used, &b, &e) != 0) {
        if (b != NULL || e.msg[0] == '\0')
            abort();
        return 0;
    }
    if (b == NULL || used > size - 1)
        abort();
    for (int64_t w = 0; w <= 6 * HOUR; w += 10 * MIN) {
        double v = -1;

        if (buckets_sum(b, w, &v, &e) == 0 && !(isfinite(v) && v >= 0))
            abort();
    }
    buf_init(&one, 1u << 24);
    buf_init(&two, 1u << 24);
    if (buckets_save(b, &one) != 0 ||
        buckets_load(q, (const uint8_t *)one.data, one.len, &used2, &c, &e) != 0 ||
        used2 != one.len || buckets_save(c, &two) != 0 || two.len != one.len ||
        memcmp(one.data, two.data, one.len) != 0)
        abort();
    if (buckets_at(b) < (1LL << 52) && buckets_advance(b, buckets_at(b) + HOUR, &e) != 0)
        abort();
    buf_free(&one);
    buf_free(&two);
    buckets_free(c);
    buckets_free(b);
    return 0;
}
