/*
 * libFuzzer target for history_load: the input is a history image (the
 * <state_file>.history payload). A refused image must leave the history
 * as it was; an accepted one must save to exactly the bytes it was loaded
 * from (every field is checked on load, so there is one way to write it),
 * and its points and events must be readable.
 * Build: make build/fuzz/fuzz_history (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct history *h = history_new();
    struct err e = {{0}};
    struct buf out;
    int n;

    if (h == NULL)
        return 0;
    buf_init(&out, 1u << 26);
    n = history_load(h, data, size, &e);
    if (n < 0) {
        size_t inst, pts;

        history_sizes(h, &inst, &pts);
        if (inst != 0 || pts != 0 || e.msg[0] == '\0')
            abort();
    } else {
        struct history_event *ev = NULL;
        size_t nev = 0;

        if (history_save(h, &out) != 0 || out.len != size || memcmp(out.data, data, size) != 0)
            abort();
        if (history_events(h, 0, NULL, 0, &ev, &nev) != 0)
            abort();
        for (size_t i = 0; i < nev; i++) {
            struct history_point *p = NULL;
            size_t np = 0;

            if (history_points(h, ev[i].slo, &ev[i].group, 0, &p, &np) != 0)
                abort();
            free(p);
        }
        history_events_free(ev, nev);
    }
    buf_free(&out);
    history_free(h);
    return 0;
}
