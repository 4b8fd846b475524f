/*
 * imppyrra: Pyrra's ServiceLevelObjective resources (pyrra.dev/v1alpha1)
 * into SLOs. Pyrra counts the same things the sidecar does, so each
 * indicator maps to the kind that counts them the same way: a ratio's
 * counters to events, a latency's bucket and count to events of good
 * requests, a bool gauge's samples to the promql kind with Pyrra's own
 * queries; its grouping becomes group_by. Native-histogram latency has no
 * equivalent and is refused.
 * Depends on impint, config, impcheck, impdefs, impmsg, impread, imppromql,
 * impwrite, selector, util, yamlread and libyaml.
 */
#ifndef SLO_IMPPYRRA_H
#define SLO_IMPPYRRA_H

#include <stddef.h>
#include <yaml.h>

#include "impint.h"

/*
 * Converts the Pyrra resource at root, object di of ndocs (m->y.doc is its
 * document), and writes its SLO when it converts.
 */
void imp_pyrra_doc(struct imp *m, const yaml_node_t *root, size_t di, size_t ndocs);

#endif
