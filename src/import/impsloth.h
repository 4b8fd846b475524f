/*
 * impsloth: Sloth's prometheus/v1 specs and sloth.slok.dev/v1
 * PrometheusServiceLevel resources (the same spec in camelCase under
 * spec) into SLOs. Sloth generates rules
 * from a service's SLOs, so its fields are read for what they mean to the
 * sidecar: its queries by their shape, its page and ticket alerts as the
 * sidecar's default table (the same SRE workbook table), and its period,
 * which the spec does not hold, as Sloth's default.
 * Depends on impint, config, impcheck, impdefs, impmsg, impread, imppromql,
 * impwrite, util, yamlread and libyaml.
 */
#ifndef SLO_IMPSLOTH_H
#define SLO_IMPSLOTH_H

#include <stddef.h>
#include <yaml.h>

#include "impint.h"

/*
 * Converts the Sloth spec or resource at root, object di of ndocs (m->y.doc
 * is its document), and writes each SLO that converts.
 */
void imp_sloth_doc(struct imp *m, const yaml_node_t *root, size_t di, size_t ndocs);

#endif
