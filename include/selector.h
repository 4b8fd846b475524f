/*
 * selector: parses a Prometheus series selector ("name{a=\"b\",c=~\"x.*\"}")
 * and prints it back as PromQL, optionally with a suffix on the metric name and
 * extra matchers. Pure: no I/O. Depends on util.
 */
#ifndef SLO_SELECTOR_H
#define SLO_SELECTOR_H

#include <stddef.h>
#include "util.h"

enum selector_op {
    SELECTOR_EQ,      /* =  */
    SELECTOR_NE,      /* != */
    SELECTOR_RE,      /* =~ */
    SELECTOR_NRE      /* !~ */
};

struct selector_matcher {
    char *name;
    enum selector_op op;
    char *value;      /* unescaped value */
};

struct selector {
    char *metric;     /* always set: a selector needs a metric name */
    size_t n;
    struct selector_matcher *m;
};

/*
 * Parses s. The metric name is required ([a-zA-Z_:][a-zA-Z0-9_:]*); matchers are
 * optional; label values are double-, single- or back-quoted strings with Go
 * escapes. Regexes are checked with POSIX ERE so an invalid one is an error here
 * rather than at the backend. On error returns -1 and e says what and at which
 * character (1-based column inside s). The caller frees the result with
 * selector_free().
 */
int selector_parse(const char *s, struct selector **out, struct err *e);

void selector_free(struct selector *sel);

/*
 * Returns a newly allocated PromQL selector string (caller frees) for sel with
 * suffix appended to the metric name (NULL for none) and, when extra_name is
 * not NULL, one more matcher extra_name OP extra_value appended. Values are
 * quoted and escaped. NULL on allocation failure.
 */
char *selector_format(const struct selector *sel, const char *suffix,
                      const char *extra_name, enum selector_op extra_op,
                      const char *extra_value);

/* Returns "=", "!=", "=~" or "!~". */
const char *selector_op_str(enum selector_op op);

#endif
