/*
 * selector: parses a Prometheus series selector ("name{a=\"b\",c=~\"x.*\"}")
 * and prints it back as PromQL, optionally with a suffix on the metric name and
 * extra matchers. Pure: no I/O. Depends on util (struct buf, struct err) and libc.
 */
#ifndef SLO_SELECTOR_H
#define SLO_SELECTOR_H

#include <stddef.h>
#include "util.h"

enum selector_op {
    SELECTOR_EQ, /* =  */
    SELECTOR_NE, /* != */
    SELECTOR_RE, /* =~ */
    SELECTOR_NRE /* !~ */
};

struct selector_matcher {
    char *name;
    enum selector_op op;
    char *value; /* unescaped value */
};

struct selector {
    char *metric; /* always set: a selector needs a metric name */
    size_t n;
    struct selector_matcher *m;
};

/*
 * Parses s. The metric name is required ([a-zA-Z_:][a-zA-Z0-9_:]*); matchers are
 * optional ("name{}" and a trailing comma are fine); label names are
 * [a-zA-Z_][a-zA-Z0-9_]*; label values are double- or single-quoted strings with
 * Go escapes (\n \t \\ \" \' \xHH \uHHHH \NNN ...; a NUL is refused) or
 * back-quoted raw strings. Whitespace may surround every token. Regexes are RE2
 * in Prometheus, which POSIX regcomp does not accept (\d, (?i)), so only what is
 * broken in any dialect is refused here: unbalanced ( ) or [ ] and a trailing
 * backslash; the backend reports the rest. On error returns -1, *out is NULL and
 * e says what and at which character ("column N: ...", N 1-based inside s).
 * On success the caller frees *out with selector_free().
 */
int selector_parse(const char *s, struct selector **out, struct err *e);

/*
 * 1 when s is a Prometheus label name, [a-zA-Z_][a-zA-Z0-9_]* (ASCII), or
 * with colon a metric name, which may also hold ':'; else 0. The one check
 * of names for the config, the importer and the rules writer.
 */
int selector_name_ok(const char *s, int colon);

/* Frees sel and everything it owns; accepts NULL. */
void selector_free(struct selector *sel);

/*
 * Returns a newly allocated PromQL selector string (caller frees) for sel with
 * suffix appended to the metric name (NULL for none) and, when extra_name is
 * not NULL, one more matcher extra_name OP extra_value appended last. Values
 * are printed in double quotes with \\, \" and newline escaped; there are no
 * braces when there is no matcher: name_suffix{a="b",c=~"x"}. NULL on
 * allocation failure.
 */
char *selector_format(const struct selector *sel, const char *suffix, const char *extra_name,
                      enum selector_op extra_op, const char *extra_value);

/*
 * The regex that matches the usual spellings of a histogram le bound equal
 * to threshold ("1" and "1.0": Go clients write the first, Python and
 * OpenMetrics ones the second), for an le=~ matcher. Cut to fit buf.
 */
void selector_le_regex(double threshold, char *buf, size_t len);

/* Returns "=", "!=", "=~" or "!~". */
const char *selector_op_str(enum selector_op op);

#endif
