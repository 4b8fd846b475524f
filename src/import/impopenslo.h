/*
 * impopenslo: OpenSLO v1 documents into SLOs. An OpenSLO file is a set of
 * documents that name each other (an SLO's indicatorRef, a metric's
 * DataSource), so all are indexed before any SLO is converted; each
 * objective becomes an SLO of its own, and the kinds the sidecar has no
 * place for are noted.
 * Depends on impint, config, impcheck, impdefs, impmsg, impperiod, impread,
 * imppromql, impwrite, util, yamlread and libyaml.
 */
#ifndef SLO_IMPOPENSLO_H
#define SLO_IMPOPENSLO_H

#include <stddef.h>
#include <yaml.h>

#include "impint.h"

/*
 * Converts the ndocs OpenSLO documents at docs and writes each SLO
 * objective that converts. m->odocs holds their index afterwards; the
 * caller frees it.
 */
void imp_openslo_all(struct imp *m, yaml_document_t *docs, size_t ndocs);

#endif
