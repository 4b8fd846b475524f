/*
 * rules: renders Prometheus alerting rules for the SLOs of a config, built on
 * the sidecar's own metrics (slo_alert_firing, slo_status, self health), so
 * Prometheus evaluates nothing expensive: the burn-rate math already ran in
 * the sidecar. Pure: config in, YAML text out.
 * Depends on config, util, jansson (for string quoting).
 */
#ifndef SLO_RULES_H
#define SLO_RULES_H

#include "config.h"
#include "util.h"

/* Appends the rule file for cfg to out. Returns 0 or -1 (out of memory). */
int rules_render(const struct config *cfg, struct buf *out);

#endif
