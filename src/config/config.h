/*
 * config: loads the YAML configuration (libyaml) into plain structs and
 * validates it. Every problem found is reported as "FILE:LINE:COL: message",
 * and loading goes on after an error so `check` can print them all.
 * A loaded config is immutable; the daemon swaps it whole on reload.
 * The structs, their limits, the default alert table and the reserved
 * label names are in configdefs.h, included here.
 * Depends on configdefs, util, selector, shard, tzinfo, configfiles,
 * configfield, configslo (the SLOs, which reads the zone files a config
 * names), yamlread and libyaml.
 */
#ifndef SLO_CONFIG_H
#define SLO_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "configdefs.h"
#include "util.h"
#include "selector.h"
#include "shard.h"
#include "tzinfo.h"

/* Upper bound on the config file size, against mistakes and hostile input. */
#define CONFIG_MAX_BYTES (16u * 1024u * 1024u)

/*
 * All the messages of one load, in file order. A load appends to it, so one
 * struct can collect several loads; config_errors_free() empties it again
 * (and accepts NULL).
 */
struct config_errors {
    size_t n;
    char **msg;
};

void config_errors_init(struct config_errors *errs);
void config_errors_free(struct config_errors *errs);

/* Appends msg (owned; NULL is ignored) to errs, which may be NULL to drop it. */
void config_errors_add(struct config_errors *errs, char *msg);

struct yr;

/*
 * The bounds on a config file's YAML (see yamlread.h), which the importer
 * applies to its input too.
 */
extern const struct yr_limits config_yaml_limits;

/* Moves a YAML reader's messages into errs in file order (see yamlread.h). */
void config_errors_take(struct config_errors *errs, struct yr *y);

/*
 * Reads (at most CONFIG_MAX_BYTES a file) and validates what path names
 * (configfiles.h): one file, or a directory's or a glob's files merged, of
 * which exactly one holds global and the others slos lists. On success
 * returns 0 and *out (caller frees with config_free). On any error returns -1,
 * *out is NULL, and every message found is appended to errs (which may be NULL
 * to discard them): "path:LINE:COL: FIELD: message" with 1-based positions and
 * FIELD like slos[1].sli.events.total; file-level problems such as a missing
 * file, an empty document or running out of memory use "path: message".
 */
int config_load(const char *path, struct config **out, struct config_errors *errs);

/*
 * Same as config_load on a buffer of len bytes (no NUL needed); name is used
 * in messages and as cfg->path.
 */
int config_parse(const char *name, const char *data, size_t len, struct config **out,
                 struct config_errors *errs);

/*
 * 0 when cfg names a store (global.prometheus.url), else -1 with e saying
 * that what (a command: "eval", "run") needs one. check and rules do without.
 */
int config_needs_store(const struct config *cfg, const char *what, struct err *e);

/* Frees cfg and everything it owns; accepts NULL. */
void config_free(struct config *cfg);

/*
 * Keeps only the SLOs of one shard (see shard.h), in place, for a freshly
 * loaded cfg before anything else sees it: the shard is *over when not NULL
 * (--shard), else cfg->shard (global.shard); "auto/N" is resolved from
 * hostname (may be NULL). The other SLOs are freed; cfg->shard becomes the
 * resolved shard; nslos may become 0. Returns 0, or -1 with a message in e
 * (cfg unchanged).
 */
int config_shard(struct config *cfg, const struct shard *over, const char *hostname,
                 struct err *e);

/* "page" / "ticket" */
const char *config_severity_str(enum config_severity s);

/*
 * The severity label an alert rule of s carries unless global.alerting or
 * the SLO's alerting says otherwise: "critical" for page, "warning" for
 * ticket, the values kube-prometheus' Alertmanager routes and inhibits on.
 */
const char *config_severity_label(enum config_severity s);

/*
 * 1 when slo's alert of severity s is on, 0 when alerting.page or
 * alerting.ticket (the SLO's own, else global.alerting's) is false. An SLO
 * built by hand, with no switch set, has both on.
 */
int config_alert_enabled(const struct config_slo *slo, enum config_severity s);
/* "events", "latency", "timeslice", "promql" */
const char *config_sli_kind_str(enum config_sli_kind k);
/* "<", "<=", ... */
const char *config_cmp_str(enum config_cmp c);

#endif
