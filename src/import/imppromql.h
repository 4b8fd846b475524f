/*
 * imppromql: text surgery on the sources' PromQL. The sidecar counts the
 * events of a selector itself (the events kind, which remote_read answers
 * exactly) or runs whole queries per window (the promql kind), so each
 * query is recognised for the shapes that mean a selector's count, its
 * Go template window is rewritten into the sidecar's {{.window}}, and a
 * query that gives a ratio is turned into the ratio form. Selectors are
 * parsed and printed by the selector module, as the config loader reads
 * them.
 * Depends on impint, config, selector and util.
 */
#ifndef SLO_IMPPROMQL_H
#define SLO_IMPPROMQL_H

#include <stddef.h>

#include "impint.h"

/* The note that goes with imp_ratio_queries(), "note: " first. */
extern const char imp_ratio_note[];

/* p past white space (space, tab, line breaks). */
const char *imp_skip_ws(const char *p);

/* Moves *p past word w when w stands there as a whole identifier. */
int imp_eat_word(const char **p, const char *w);

/* Moves *p past character c and the white space after it, when c stands there. */
int imp_eat(const char **p, char c);

/*
 * Parses the n bytes at s as a selector. Returns it printed the sidecar's way
 * (caller frees), or NULL when it is not one; sets m->y.oom when out of memory.
 */
char *imp_selector_text(struct imp *m, const char *s, size_t n);

/* The end of s without trailing white space. */
const char *imp_trim_end(const char *s);

/*
 * If q is exactly sum(rate(SEL[{{.window}}])) or sum(increase(SEL[{{.window}}]))
 * (any white space between the tokens), returns SEL printed the sidecar's
 * way (caller frees): the events kind counts the same thing, in either mode.
 * NULL otherwise.
 */
char *imp_windowed_selector(struct imp *m, const char *q);

/*
 * If q is a selector or sum(SELECTOR), returns the selector printed the
 * sidecar's way (caller frees), else NULL.
 */
char *imp_plain_selector(struct imp *m, const char *q);

/*
 * Rewrites every {{ .window }} (Sloth accepts spaces inside) of q as
 * {{.window}}, the form the sidecar replaces, into *out (caller frees).
 * Returns 0 with *has set when q uses the window, 1 when q holds other
 * template actions, which have no equivalent, -1 when out of memory.
 */
int imp_window_template(const char *q, char **out, int *has);

/*
 * The queries of a promql SLI for a query q that gives a ratio per window:
 * the ratio as the error (or good) query and 1 as the total, so that
 * good/total and bad/total are the ratio. A window without traffic makes a
 * ratio NaN (0/0), which the sidecar refuses as a count: ">= 0" drops it,
 * so such a window has no data, as it would with counts. A '#' may start a
 * PromQL comment, so then the closing parenthesis goes on its own line.
 */
void imp_ratio_queries(struct imp *m, const char *q, char **num, char **total);

/* Frees the queries d holds and empties it. */
void imp_ind_free(struct ind *d);

#endif
