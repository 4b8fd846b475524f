/*
 * table: one row per SLO instance with the figures people look at first:
 * objective, SLI over the period, budget left, burn rates, status, alerts,
 * time to exhaustion. Absent figures print as "-".
 */
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slo.h"

#define NCOLS 11

static const char *headers[NCOLS] = {
    "SLO",     "SERVICE", "OBJECTIVE", "PERIOD", "SLI",          "BUDGET LEFT",
    "BURN 1h", "BURN 6h", "STATUS",    "ALERTS", "EXHAUSTED IN",
};

static void pct(char *b, size_t n, int has, double v, int decimals)
{
    if (!has)
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.*f%%", decimals, v * 100.0);
}

static void human_duration(char *b, size_t n, double s)
{
    if (s >= 86400)
        snprintf(b, n, "%.1fd", s / 86400);
    else if (s >= 3600)
        snprintf(b, n, "%.1fh", s / 3600);
    else if (s >= 60)
        snprintf(b, n, "%.0fm", s / 60);
    else
        snprintf(b, n, "%.0fs", s);
}

static void burn(char *b, size_t n, const struct snapshot_slo *s, int64_t ms)
{
    int i = slo_window_index(s->win, s->nwin, ms);

    /* i >= 0 means s->win has i; the analyser cannot see into slo.c. */
    if (i < 0 || !s->win[i].has_ratio) /* NOLINT(clang-analyzer-core.NullDereference) */
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.2fx", s->win[i].burn_rate);
}

static void row(const struct snapshot_slo *s, char cells[NCOLS][128])
{
    int pi = slo_period_index(s->win, s->nwin);
    const struct slo_window_result *p = pi >= 0 ? &s->win[pi] : NULL;
    struct buf name;
    size_t off = 0;

    buf_init(&name, 127);
    buf_puts(&name, s->name);
    for (size_t i = 0; i < s->group.n; i++)
        buf_printf(&name, "%s%s=%s", i ? "," : "{", s->group.v[i].name, s->group.v[i].value);
    if (s->group.n > 0)
        buf_puts(&name, "}");
    snprintf(cells[0], 128, "%s", name.data ? name.data : s->name);
    buf_free(&name);
    snprintf(cells[1], 128, "%s", s->service);
    snprintf(cells[2], 128, "%.10g%%", s->objective * 100.0);
    snprintf(cells[3], 128, "%s", s->period_name);
    pct(cells[4], 128, p && p->has_ratio, p ? p->sli : 0, 3);
    pct(cells[5], 128, s->budget.has, s->budget.remaining, 1);
    burn(cells[6], 128, s, 3600 * 1000);
    burn(cells[7], 128, s, 6 * 3600 * 1000);
    snprintf(cells[8], 128, "%s",
             s->status == SLO_STATUS_NONE ? "no data" : slo_status_str(s->status));
    cells[9][0] = '\0';
    for (size_t i = 0; i < s->nalerts; i++) {
        if (!s->alerts[i].firing)
            continue;
        off += (size_t)snprintf(cells[9] + off, 128 - off, "%s%s", off ? "," : "",
                                config_severity_str(s->alerts[i].severity));
    }
    if (off == 0)
        snprintf(cells[9], 128, "-");
    if (!s->budget.has_tte)
        snprintf(cells[10], 128, "-");
    else
        human_duration(cells[10], 128, s->budget.tte_seconds);
}

int table_render(const struct snapshot *snap, struct buf *out)
{
    size_t width[NCOLS];
    /* clang-format off */
    char (*cells)[NCOLS][128] = NULL;
    /* clang-format on */
    int rc = 0;

    cells = calloc(snap->n ? snap->n : 1, sizeof(*cells));
    if (cells == NULL)
        return -1;
    for (int c = 0; c < NCOLS; c++)
        width[c] = strlen(headers[c]);
    for (size_t i = 0; i < snap->n; i++) {
        row(&snap->slos[i], cells[i]);
        for (int c = 0; c < NCOLS; c++)
            if (strlen(cells[i][c]) > width[c])
                width[c] = strlen(cells[i][c]);
    }
    for (int c = 0; c < NCOLS; c++)
        rc |= buf_printf(out, "%-*s%s", (int)width[c], headers[c], c + 1 < NCOLS ? "  " : "\n");
    for (size_t i = 0; i < snap->n; i++)
        for (int c = 0; c < NCOLS; c++)
            rc |= buf_printf(out, "%-*s%s", (int)width[c], cells[i][c],
                             c + 1 < NCOLS ? "  " : "\n");
    free(cells);
    return rc ? -1 : 0;
}
