/*
 * configslo: the slos list of a config file, each SLO field by field: name,
 * objective, period and time zone, labels and group_by, the SLI (events,
 * latency, timeslice or promql) and the alerting (routes, runbook, the
 * alert table), with the checks that tie them together (time slices that
 * tile the windows, names unique across the files of a directory). It
 * reads with configfield's readers and checks against the global part
 * already loaded (mode, labels).
 * Depends on configdefs, configfield, selector, tzinfo, util, yamlread and
 * libyaml.
 */
#ifndef SLO_CONFIGSLO_H
#define SLO_CONFIGSLO_H

#include <yaml.h>

#include "configdefs.h"
#include "configfield.h"

/*
 * Reads the slos list s of one file and appends its SLOs to cfg->slos
 * (owned by cfg, freed with it), after those of the files before; every
 * problem is reported in c->y and the SLO is kept as far as it was read.
 * c->cfg is cfg with its global part already loaded.
 */
void configslo_parse_slos(struct cf_ctx *c, yaml_node_t *s, struct config *cfg);

#endif
