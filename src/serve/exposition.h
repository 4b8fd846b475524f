/*
 * exposition: writes the Prometheus text format 0.0.4 (HELP, TYPE, samples)
 * into a capped buffer, with the format's escaping rules. Pure.
 * Depends on util.
 */
#ifndef SLO_EXPOSITION_H
#define SLO_EXPOSITION_H

#include <stddef.h>
#include "util.h"

struct exposition_label {
    const char *name;
    const char *value;
};

/* Writes "# HELP name help" (help escaped: \\ and \n) and "# TYPE name type". */
int exposition_family(struct buf *b, const char *name, const char *type, const char *help);

/*
 * Writes one sample line: name{common...,extra...} value. Label values are
 * escaped (\\, \", \n); the value is printed like Go's strconv 'g' -1
 * (+Inf, -Inf, NaN). common may be NULL. Returns 0 or -1 (buffer cap reached).
 */
int exposition_sample(struct buf *b, const char *name, const struct labels *common,
                      const struct exposition_label *extra, size_t nextra, double value);

/* Escapes a label value into b (no quotes). Returns 0 or -1. */
int exposition_escape_value(struct buf *b, const char *s);

#endif
