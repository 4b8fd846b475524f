/*
 * configfield: the field readers that config's parts share, so that every
 * field of the config is read and checked one way: strings, numbers,
 * booleans, durations, string maps (labels, annotations, headers),
 * selectors, label names, http(s) URLs and alert routes. Each reports its
 * problem with the field path at the node and lets loading go on; the
 * state of one file's load is struct cf_ctx. Only config's own files
 * (config.c, configslo.c) include this header.
 * Depends on configdefs, yamlread, selector, util and libyaml.
 */
#ifndef SLO_CONFIGFIELD_H
#define SLO_CONFIGFIELD_H

#include <stdint.h>
#include <yaml.h>

#include "configdefs.h"
#include "yamlread.h"

#define SEC_MS 1000LL
#define MIN_MS (60 * SEC_MS)
#define HOUR_MS (60 * MIN_MS)

/* Field paths are short ("slos[12].alerting.windows[3].factor"); cut if not. */
#define PATHLEN 256

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Entries of one labels, annotations or headers mapping, and names in one
 * group_by. Their checks compare every entry with every other, so the limit
 * also keeps loading fast.
 */
#define CF_MAX_ENTRIES 256

/* Flags for the field readers. */
#define CF_REQUIRED 1 /* absence is an error */
#define CF_NONEMPTY 2 /* "" is an error */

/* What a mapping of strings holds, which decides how its keys are checked. */
enum cf_map_kind {
    CF_MAP_ANY,           /* annotations: any key */
    CF_MAP_SERIES_LABELS, /* labels on slo_* series: valid, not __*, not reserved */
    CF_MAP_ALERT_LABELS,  /* labels on alerts: valid, not __* (severity may be replaced) */
    CF_MAP_HEADERS        /* HTTP header names, no Authorization */
};

/* One file's load: its reader and messages, and what the SLOs check against. */
struct cf_ctx {
    struct yr y;
    const struct config *cfg; /* the global part, for checks inside SLOs */
    const char *global_file;  /* of a config directory: the file holding global */
};

/* Reports that the required field key of mapping m at path is missing. */
void cf_missing(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key);

/*
 * A string field into *out (owned; a previous value is freed). Returns 0 when
 * set, 1 when absent, -1 on a reported error.
 */
int cf_get_str(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
               char **out);

/*
 * A number: a plain (unquoted) scalar, finite. Returns 0 when set, 1 when
 * absent, -1 on a reported error. *text gets the scalar as written.
 */
int cf_get_num(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
               double *out, const char **text);

/* true or false into *out. 0 set, 1 absent, -1 reported error. */
int cf_get_bool(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int *out);

/* A Prometheus duration, quoted or not. 0 set, 1 absent, -1 reported error. */
int cf_get_duration(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
                    int64_t *out);

/*
 * Checks a label name for the sidecar's series (global and SLO labels,
 * group_by). reserved: also refuse the names the sidecar sets itself.
 * Returns 0 or -1 (reported at n).
 */
int cf_label_ok(struct cf_ctx *c, yaml_node_t *n, const char *path, const char *name,
                int reserved);

/* A mapping of string to string (labels, annotations, headers) into out. */
void cf_get_map(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key,
                enum cf_map_kind kind, struct labels *out);

/*
 * A selector field: the text into *text and the parsed selector into *sel.
 * Returns 0 when both are set, 1 when absent, -1 on a reported error.
 */
int cf_get_selector(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
                    char **text, struct selector **sel);

/*
 * Checks that the string field key of m (already read into url) is an http or
 * https URL with a host and no spaces or control characters. Returns 0, or -1
 * (reported).
 */
int cf_http_url_ok(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key,
                   const char *url);

/*
 * An alert route at n into r: global.alerting's and each SLO's
 * alerting.page and alerting.ticket. A mapping (labels and annotations)
 * sets r->sw on, true and false set it as written; n may be NULL (absent:
 * r->sw stays unset).
 */
void cf_parse_route(struct cf_ctx *c, yaml_node_t *n, const char *path,
                    struct config_alert_route *r);

#endif
