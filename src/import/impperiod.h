/*
 * impperiod: OpenSLO's timeWindow into the sidecar's period. A budget
 * counted over other days than the source's would be another SLO, so a
 * rolling window is converted only when it is a duration and a calendar
 * window only when its periods begin when the sidecar's do.
 * Depends on impint, impdefs, impmsg, impread, util, yamlread and libyaml.
 */
#ifndef SLO_IMPPERIOD_H
#define SLO_IMPPERIOD_H

#include <yaml.h>

#include "impint.h"

/*
 * timeWindow into o->period: a rolling duration in minutes, hours, days or
 * weeks, or a calendar week, month or quarter in UTC that starts where the
 * sidecar's do. Returns 0, or -1 (reported) when it cannot be converted.
 */
int imp_openslo_period(struct imp *m, const yaml_node_t *spec, const char *slo, struct out_slo *o);

/*
 * OpenSLO v1alpha's timeWindows ({unit, count, isRolling, calendar}) the
 * same way: count units of Minute ... Year (Second in whole minutes) read
 * as the v1 duration of that many. Returns 0, or -1 (reported).
 */
int imp_openslo_alpha_period(struct imp *m, const yaml_node_t *spec, const char *slo,
                             struct out_slo *o);

#endif
