/*
 * impcheck: the round trip behind the importer's promise that its output
 * passes `slo-sidecar check`. Each converted SLO is rendered, loaded with
 * config_parse() under a stand-in global section and compared field by
 * field with what was meant before it joins the output, so that whatever
 * the converters' own checks missed is reported in the loader's words and
 * the writer's quoting is proven on every string.
 * Depends on impint, config, impdefs, impmsg, impwrite, util and libyaml.
 */
#ifndef SLO_IMPCHECK_H
#define SLO_IMPCHECK_H

#include <yaml.h>

#include "impint.h"

/*
 * Writes o to the output when its name is new and it loads; reports why not
 * otherwise. at is where the SLO is in the input.
 */
void imp_emit(struct imp *m, const struct out_slo *o, const yaml_node_t *at);

#endif
