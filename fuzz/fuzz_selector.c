/*
 * libFuzzer target for selector: the input (cut at its first NUL, as a C
 * string would be) goes to selector_parse. A failure must carry a message
 * "column N: ..." with N inside the input or just past it. A success must
 * survive the round trip: selector_format's output parses again to the
 * same metric and matchers, and so does the output with a suffix and an
 * extra matcher (whose value is a parsed value, to exercise the escaping).
 * Build: make build/fuzz/fuzz_selector (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_matcher(const struct selector_matcher *a, const struct selector_matcher *b)
{
    if (strcmp(a->name, b->name) != 0 || a->op != b->op || strcmp(a->value, b->value) != 0)
        abort();
}

/* Parses text, which must work, and returns the selector (caller frees). */
static struct selector *reparse(const char *text)
{
    struct selector *sel;
    struct err e;

    if (text == NULL || selector_parse(text, &sel, &e) != 0 || sel == NULL)
        abort();
    return sel;
}

static void round_trip(const struct selector *sel)
{
    const char *extra = sel->n > 0 ? sel->m[sel->n - 1].value : "a\\b\"c\nd";
    struct selector *again;
    char *text;
    size_t mlen = strlen(sel->metric);

    text = selector_format(sel, NULL, NULL, SELECTOR_EQ, NULL);
    again = reparse(text);
    if (strcmp(again->metric, sel->metric) != 0 || again->n != sel->n)
        abort();
    for (size_t i = 0; i < sel->n; i++)
        same_matcher(&sel->m[i], &again->m[i]);
    free(text);
    selector_free(again);

    /* The client's form: suffix on the name, one more matcher last. */
    text = selector_format(sel, "_bucket", "le", SELECTOR_NE, extra);
    again = reparse(text);
    if (strncmp(again->metric, sel->metric, mlen) != 0 ||
        strcmp(again->metric + mlen, "_bucket") != 0 || again->n != sel->n + 1)
        abort();
    for (size_t i = 0; i < sel->n; i++)
        same_matcher(&sel->m[i], &again->m[i]);
    if (strcmp(again->m[sel->n].name, "le") != 0 || again->m[sel->n].op != SELECTOR_NE ||
        strcmp(again->m[sel->n].value, extra) != 0)
        abort();
    free(text);
    selector_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct selector *sel = (struct selector *)1;
    struct err e;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    e.msg[0] = '\0';
    if (selector_parse(s, &sel, &e) == 0) {
        if (sel == NULL || sel->metric == NULL || (sel->n > 0 && sel->m == NULL))
            abort();
        round_trip(sel);
        selector_free(sel);
    } else {
        char *end;
        unsigned long col;

        if (sel != NULL || strncmp(e.msg, "column ", 7) != 0)
            abort();
        col = strtoul(e.msg + 7, &end, 10);
        if (end == e.msg + 7 || col < 1 || col > strlen(s) + 1 || strncmp(end, ": ", 2) != 0)
            abort();
    }
    free(s);
    return 0;
}
