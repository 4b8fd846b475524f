/*
 * libFuzzer target for config: the input is a config file given to
 * config_parse. Whatever the bytes, it must return 0 with a config and no
 * message, or -1 with no config and at least one message naming the file,
 * within bounded time and memory (YAML aliases included), and free all.
 * A loaded config must hold what the rest of the sidecar relies on: at
 * least one SLO, each with a name, an objective in (0, 1), an alert table
 * and the parsed selectors of its SLI kind.
 * Build: make build/fuzz/fuzz_config (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define NAME "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Traps unless the SLI kind's selectors or queries are all there. */
static void check_sli(const struct config_slo *s)
{
    switch (s->kind) {
    case CONFIG_SLI_EVENTS:
        if (s->events.total_sel == NULL ||
            (s->events.error_sel == NULL) == (s->events.good_sel == NULL))
            abort();
        break;
    case CONFIG_SLI_LATENCY:
        if (s->latency.histogram_sel == NULL || !(s->latency.threshold > 0))
            abort();
        break;
    case CONFIG_SLI_TIMESLICE:
        if (s->timeslice.gauge_sel == NULL || s->timeslice.slice_ms < 1000)
            abort();
        break;
    case CONFIG_SLI_PROMQL:
    default:
        if (s->promql.total_query == NULL ||
            (s->promql.error_query == NULL) == (s->promql.good_query == NULL))
            abort();
        break;
    }
}

static void check_config(const struct config *cfg)
{
    if (cfg->prometheus.url == NULL || cfg->nslos == 0 || cfg->interval_ms < 1000)
        abort();
    for (size_t i = 0; i < cfg->nslos; i++) {
        const struct config_slo *s = &cfg->slos[i];

        if (s->name == NULL || s->service == NULL || s->description == NULL ||
            !(s->objective > 0 && s->objective < 1) || s->nwindows == 0 || s->windows == NULL)
            abort();
        if (s->period_kind == CONFIG_PERIOD_ROLLING && s->period_ms <= 0)
            abort();
        check_sli(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_errors errs;
    struct config *cfg = (struct config *)1;
    int rc;

    config_errors_init(&errs);
    rc = config_parse(NAME, (const char *)data, size, &cfg, &errs);
    if (rc == 0) {
        if (cfg == NULL || errs.n != 0)
            abort();
        check_config(cfg);
    } else {
        if (rc != -1 || cfg != NULL || errs.n == 0)
            abort();
        for (size_t i = 0; i < errs.n; i++)
            if (strncmp(errs.msg[i], NAME, strlen(NAME)) != 0)
                abort();
    }
    config_free(cfg);
    config_errors_free(&errs);
    return 0;
}
