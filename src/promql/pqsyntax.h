/*
 * pqsyntax: a strict PromQL syntax checker, pure: a query's text in, its
 * result type or the first error with its position out. No allocation, no
 * globals; recursion is bounded by PQSYNTAX_MAX_DEPTH.
 *
 * It follows Prometheus' own parser (promql/parser: lexer, grammar, and the
 * cheap type checks of checkAST): selectors with matchers, ranges,
 * subqueries, offset and @ modifiers, function calls checked against
 * Prometheus' function list with their arities and argument types,
 * aggregations with by/without before or after the arguments, binary
 * operators with their precedence, bool, on/ignoring and
 * group_left/group_right, unary operators, numbers, durations and strings.
 * It does not check regular expressions (RE2) and it knows no MetricsQL:
 * `WITH`, `default`, `keep_metric_names`, `range_median()` and the like are
 * errors here, an unknown function with its own error kind so a caller can
 * defer to the store (check --query.check=backend).
 * Depends on nothing but libc.
 */
#ifndef SLO_PQSYNTAX_H
#define SLO_PQSYNTAX_H

#include <stddef.h>

/* Nesting deeper than this (parentheses, calls, operands) is an error. */
#define PQSYNTAX_MAX_DEPTH 200

/* What an expression evaluates to (Prometheus' value types). */
enum pqsyntax_type {
    PQSYNTAX_SCALAR,
    PQSYNTAX_VECTOR, /* instant vector */
    PQSYNTAX_MATRIX, /* range vector */
    PQSYNTAX_STRING
};

enum pqsyntax_kind {
    PQSYNTAX_ERR_SYNTAX,  /* the text is no PromQL */
    PQSYNTAX_ERR_TYPE,    /* well formed, but a type or modifier rule is broken */
    PQSYNTAX_ERR_FUNCTION /* a call of a function Prometheus does not have */
};

struct pqsyntax_error {
    enum pqsyntax_kind kind;
    size_t pos;    /* 1-based byte position of the problem; len + 1 at the end */
    char msg[256]; /* "unexpected end of input", without the position */
};

/*
 * Checks the len bytes at q as one PromQL expression. Returns 0 with *type
 * (may be NULL) set, or -1 with *err (may be NULL) holding the first error.
 */
int pqsyntax_check(const char *q, size_t len, enum pqsyntax_type *type,
                   struct pqsyntax_error *err);

/* "scalar", "instant vector", "range vector" or "string", as Prometheus says. */
const char *pqsyntax_type_name(enum pqsyntax_type t);

#endif
