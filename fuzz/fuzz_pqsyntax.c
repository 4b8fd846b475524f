/*
 * libFuzzer target for pqsyntax: the input is checked as a PromQL query.
 * An error must carry a message and a position inside the input or just
 * past it; a success must be stable: the same query followed by a comment,
 * or wrapped in parentheses (a line break before the closing one), is valid with the same type
 * (or, wrapped, nested one level too deep), and the checker gives the same answer twice. Build:
 * make build/fuzz/fuzz_pqsyntax (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pqsyntax.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *q = (const char *)data;
    struct pqsyntax_error e, e2;
    enum pqsyntax_type t, t2;
    char *w;

    memset(&e, 0, sizeof(e));
    if (pqsyntax_check(q, size, &t, &e) != 0) {
        if (e.msg[0] == '\0' || e.pos < 1 || e.pos > size + 1)
            abort();
        if (pqsyntax_check(q, size, &t2, &e2) == 0 || e2.pos != e.pos || e2.kind != e.kind ||
            strcmp(e.msg, e2.msg) != 0)
            abort();
        return 0;
    }
    if (t != PQSYNTAX_SCALAR && t != PQSYNTAX_VECTOR && t != PQSYNTAX_MATRIX &&
        t != PQSYNTAX_STRING)
        abort();
    w = malloc(size + 16);
    if (w == NULL)
        return 0;
    /* QUERY\n# comment */
    memcpy(w, data, size);
    memcpy(w + size, "\n# end", 6);
    if (pqsyntax_check(w, size + 6, &t2, &e2) != 0 || t2 != t)
        abort();
    /* (QUERY\n): the line break ends a comment the query may end with */
    w[0] = '(';
    memcpy(w + 1, data, size);
    w[size + 1] = '\n';
    w[size + 2] = ')';
    if (pqsyntax_check(w, size + 3, &t2, &e2) == 0) {
        if (t2 != t)
            abort();
    } else if (strstr(e2.msg, "nested too deeply") == NULL) {
        abort();
    }
    free(w);
    return 0;
}
