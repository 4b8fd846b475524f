/*
 * libFuzzer target for the PromQL answer parser: the first input byte picks
 * an HTTP status (200 mostly, also unknown, 4xx and 5xx) and, with its bit
 * 3, the parser: promql_parse_response (vectors and scalars) or
 * promql_parse_matrix (api_read's range vectors of raw samples); the rest
 * is the body. A success must give a consistent result (a scalar is one
 * sample without labels; counts match their arrays; labels are sorted and
 * unique); a failure must leave the result empty and say why.
 * Build: make build/fuzz/fuzz_promql (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "promql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[8] = {200, 200, 200, 200, 0, 400, 422, 503};
    struct promql_result r;
    struct err e;
    int rc;

    if (size < 1)
        return 0;
    e.msg[0] = '\0';
    /* Garbage in r must not matter: the parser initializes it. */
    memset(&r, 0xa5, sizeof(r));
    if (data[0] & 8)
        rc = promql_parse_matrix((const char *)data + 1, size - 1, statuses[data[0] & 7], &r, &e);
    else
        rc = promql_parse_response((const char *)data + 1, size - 1, statuses[data[0] & 7], &r,
                                   &e);
    if (rc == 0) {
        if ((data[0] & 8) && (r.n != 0 || (r.nseries > 0) != (r.series != NULL)))
            abort();
        if (!(data[0] & 8) && (r.nseries != 0 || r.series != NULL))
            abort();
        for (size_t i = 0; i < r.nseries; i++) {
            const struct labels *l = &r.series[i].labels;

            if ((r.series[i].n > 0) != (r.series[i].p != NULL))
                abort();
            for (size_t k = 1; k < l->n; k++)
                if (strcmp(l->v[k - 1].name, l->v[k].name) >= 0)
                    abort();
        }
        if (r.is_scalar && (r.n != 1 || r.v[0].labels.n != 0))
            abort();
        if ((r.n > 0) != (r.v != NULL) || (r.nwarnings > 0) != (r.warnings != NULL))
            abort();
        for (size_t i = 0; i < r.nwarnings; i++)
            if (r.warnings[i] == NULL)
                abort();
        /* Labels sorted by name without duplicates, as labels_set keeps them. */
        for (size_t i = 0; i < r.n; i++)
            for (size_t k = 0; k < r.v[i].labels.n; k++)
                if (r.v[i].labels.v[k].name == NULL || r.v[i].labels.v[k].value == NULL ||
                    (k > 0 && strcmp(r.v[i].labels.v[k - 1].name, r.v[i].labels.v[k].name) >= 0))
                    abort();
    } else {
        if (rc != -1 || e.msg[0] == '\0' || r.n != 0 || r.v != NULL || r.nwarnings != 0 ||
            r.warnings != NULL || r.nseries != 0 || r.series != NULL)
            abort();
    }
    promql_result_free(&r);
    return 0;
}
