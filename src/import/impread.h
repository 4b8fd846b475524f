/*
 * impread: the importer's lenient readers of the source's fields. A
 * converter must not stop at the first wrong field: each reader reports
 * what is wrong at the level it costs (a note, a dropped part, a skipped
 * SLO) and returns what there is, so that one run lists everything that
 * does not convert. They build on yamlread's node accessors. The rules for
 * the SLO names taken from the source are here too.
 * Depends on impdefs, impint, util, config, impmsg, selector, yamlread and
 * libyaml.
 */
#ifndef SLO_IMPREAD_H
#define SLO_IMPREAD_H

#include <stddef.h>
#include <yaml.h>

#include "impdefs.h"
#include "impint.h"
#include "util.h"

/* What the entries of a map read by imp_read_map() become. */
enum imp_map_kind {
    IMP_MAP_SERIES, /* labels on the slo_* series */
    IMP_MAP_ALERT,  /* labels on alerts */
    IMP_MAP_ANY     /* annotations */
};

/*
 * Notes the keys of mapping n that are not in keys (the source tool's
 * schema: nothing here reads them), and reports repeated keys, of which
 * only the first counts, as dropped.
 */
void imp_check_keys(struct imp *m, const yaml_node_t *n, const char *path, const char *slo,
                    const char *const *keys, size_t nkeys);

/*
 * The string at key of mapping n: NULL when absent or null (reported at lv
 * when required), or when not a string (always reported at lv).
 */
const char *imp_get_str(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                        const char *slo, int required, enum importer_level lv);

/*
 * A boolean at key: 1 or 0 into *out, returning 0; 1 when absent (*out
 * untouched); -1 when not a boolean (reported at lv).
 */
int imp_get_bool(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                 const char *slo, enum importer_level lv, int *out);

/*
 * A number at key as its text: an unquoted, finite number. NULL when
 * absent (reported at lv when required) or not such a number (reported).
 */
const char *imp_get_num(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                        const char *slo, int required, enum importer_level lv, double *out);

/* Sets *dst to a copy of s (freeing the old value); sets m->y.oom on failure. */
void imp_set(struct imp *m, char **dst, const char *s);

/* Whether s is a valid SLO name of this project: [a-zA-Z0-9_.-]+. */
int imp_slo_name_ok(const char *s);

/*
 * s with every run of characters outside [a-zA-Z0-9_.-] made one "-", and
 * without "-" at either end (caller frees; "" when nothing is left; NULL
 * when out of memory).
 */
char *imp_slug(const char *s);

/*
 * Reads the string map at key of n into out (entries override). An entry
 * that cannot be converted is dropped and reported; OpenSLO label names
 * with other characters (app.kubernetes.io/name) are turned into label
 * names (app_kubernetes_io_name) with a note. openslo: a value may also be
 * a list of strings (OpenSLO labels), which a label cannot hold.
 */
void imp_read_map(struct imp *m, const yaml_node_t *n, const char *path, const char *key,
                  const char *slo, enum imp_map_kind kind, int openslo, struct labels *out);

/*
 * Settles o->page_off / o->ticket_off as the source set them (written as
 * alerting.page / ticket: false; both off is noted at node at, path): a
 * disabled alert's routing is cleared, as it is not written.
 */
void imp_alerts_off(struct imp *m, const yaml_node_t *at, const char *slo, const char *path,
                    struct out_slo *o);

/*
 * Reads the alert name a source gives in mapping al (field "name" under
 * path) and notes that the sidecar's alerts have names of their own.
 */
void imp_alert_name_note(struct imp *m, const yaml_node_t *al, const char *path, const char *slo,
                         const char *out_name);

/*
 * The one time window of a source's list tw (field `field` of spec): NULL,
 * with the reason reported, unless tw is a list of exactly one mapping.
 */
yaml_node_t *imp_one_window(struct imp *m, const yaml_node_t *spec, yaml_node_t *tw,
                            const char *field, const char *slo, const char *path);

#endif
