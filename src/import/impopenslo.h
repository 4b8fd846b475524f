/*
 * impopenslo: OpenSLO v1 and v1alpha documents into SLOs (v1alpha read
 * with v1's rules: its metrics, time windows and per-objective ratio
 * metrics are v1's in other words). An OpenSLO file is a set of
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
 * Converts the ndocs OpenSLO objects at docs (documents, or the items of a
 * list) and writes each SLO objective that converts. m->odocs holds their
 * index afterwards; the caller frees it.
 */
void imp_openslo_all(struct imp *m, const struct imp_root *docs, size_t ndocs);

#endif
