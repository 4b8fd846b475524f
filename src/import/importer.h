/*
 * importer: converts other tools' SLO specs into this project's config YAML
 * (`slo-sidecar import`): Sloth `prometheus/v1` files and
 * `PrometheusServiceLevel` resources, OpenSLO v1 and v1alpha documents and
 * Pyrra `ServiceLevelObjective` resources, each also as one YAML list of
 * objects. Every SLO that can be expressed faithfully is written; every
 * part that cannot is reported as "FILE:LINE:COL: SLO NAME: FIELD: ..."
 * with the position in the input, like the config loader's messages. Each
 * converted SLO is loaded with config_parse() before it is written, so the
 * output always passes `slo-sidecar check` once the placeholder Prometheus
 * URL of its global skeleton is filled in.
 * Pure: bytes in, text and messages out; no I/O, no globals.
 * Depends on impdefs, config, util, yamlread, impint, impmsg, impwrite,
 * impsloth, impopenslo, imppyrra and libyaml.
 */
#ifndef SLO_IMPORTER_H
#define SLO_IMPORTER_H

#include <stddef.h>

/* enum importer_format, enum importer_level and IMPORTER_MAX_OUTPUT */
#include "impdefs.h"

/* The placeholder for global.prometheus.url; `check` refuses it on purpose. */
#define IMPORTER_URL_PLACEHOLDER "FILL_IN_PROMETHEUS_URL"

struct importer_msg {
    enum importer_level level;
    char *text; /* "FILE:LINE:COL: ..." or "FILE: ..." */
};

struct importer_result {
    char *output;     /* the config, NUL-terminated; NULL when nothing was converted */
    size_t nslos_in;  /* SLOs in the input (OpenSLO: one per objective) */
    size_t nslos_out; /* SLOs written */
    size_t n;         /* messages, in input order */
    struct importer_msg *msg;
    size_t ndropped; /* messages of level IMPORTER_DROPPED */
    size_t nskipped; /* messages of level IMPORTER_SKIPPED */
};

/* "sloth", "openslo" or "pyrra" into *out. Returns 0, or -1 for anything else. */
int importer_format_parse(const char *s, enum importer_format *out);

/* "sloth" / "openslo" / "pyrra" */
const char *importer_format_str(enum importer_format f);

/* An empty result (what importer_result_free leaves, too). */
void importer_result_init(struct importer_result *r);

/*
 * Converts the len bytes at data (no NUL needed), read from the file called
 * name (used in messages and in the output's header comment), from format f.
 * r must be initialised; it is filled anew. Returns 0 when at least one SLO
 * was converted: r->output holds the config, and r->ndropped/r->nskipped
 * count what was left out. Returns -1 when nothing could be converted (not
 * YAML, not the format, no convertible SLO, out of memory): r->output is
 * NULL and the messages say why. Either way the caller frees r with
 * importer_result_free().
 */
int importer_convert(enum importer_format f, const char *name, const char *data, size_t len,
                     struct importer_result *r);

/* Frees everything r holds and makes it empty again; accepts NULL. */
void importer_result_free(struct importer_result *r);

#endif
