/*
 * configdefs: the two tables of config's words that are data, the default
 * alert table and the label names the sidecar sets itself, kept below
 * config's parts that read them. See configdefs.h.
 */
#include "configdefs.h"

#include <string.h>

#define MIN_MS (60 * 1000LL)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

const struct config_alert_window config_default_windows[4] = {
    {CONFIG_SEVERITY_PAGE, HOUR_MS, 5 * MIN_MS, 14.4},
    {CONFIG_SEVERITY_PAGE, 6 * HOUR_MS, 30 * MIN_MS, 6},
    {CONFIG_SEVERITY_TICKET, DAY_MS, 2 * HOUR_MS, 3},
    {CONFIG_SEVERITY_TICKET, 3 * DAY_MS, 6 * HOUR_MS, 1},
};

/* Labels the sidecar sets itself on its series; users may not set them. */
static const char *const reserved_labels[] = {
    "slo",    "service",  "window",  "kind",     "status", "severity", "description",
    "period", "sli_kind", "version", "revision", "result", "le",
};

int config_label_reserved(const char *name)
{
    for (size_t i = 0; i < NELEMS(reserved_labels); i++)
        if (strcmp(name, reserved_labels[i]) == 0)
            return 1;
    return 0;
}
