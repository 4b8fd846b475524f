/*
 * statuspage: the HTML of / and /slo/NAME. See statuspage.h.
 *
 * Layout: a table of SLOs that turns into one card per SLO on narrow
 * screens (CSS only; the table keeps its roles for screen readers), status
 * as a word in a coloured badge, the budget as a bar next to its figure.
 * Colours are dark on light with at least 4.5:1 contrast for text and 3:1
 * for the bars and lines. Charts are inline SVG drawn from history points:
 * a point without the figure breaks the line, it is never drawn as 0.
 * Every number is formatted as `slo-sidecar status` formats it.
 */
#include "statuspage.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cliview.h"
#include "slo.h"

#define DAY_MS 86400000LL

/* ---- escaping ---- */

int statuspage_escape(struct buf *out, const char *s)
{
    const char *run;
    int rc = 0;

    if (s == NULL)
        return 0;
    run = s;
    for (const char *p = s; *p != '\0'; p++) {
        const char *rep;

        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        rc |= buf_append(out, run, (size_t)(p - run));
        rc |= buf_puts(out, rep);
        run = p + 1;
    }
    rc |= buf_puts(out, run);
    return rc != 0 ? -1 : 0;
}

int statuspage_url_escape(struct buf *out, const char *s)
{
    int rc = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && rc == 0; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            rc = buf_append(out, p, 1);
        else
            rc = buf_printf(out, "%%%02X", *p);
    }
    return rc;
}

/* ---- figures for people (as cliview formats them) ---- */

#define NO_DATA "no data"

static void fmt_pct(char *b, size_t n, double ratio, int decimals)
{
    snprintf(b, n, "%.*f%%", decimals, ratio * 100.0);
}

static void fmt_rate(char *b, size_t n, double v)
{
    if (fabs(v) >= 100)
        snprintf(b, n, "%.0f", v);
    else if (fabs(v) >= 10)
        snprintf(b, n, "%.1f", v);
    else
        snprintf(b, n, "%.2f", v);
}

static void fmt_count(char *b, size_t n, double v)
{
    if ((v == floor(v) && fabs(v) < 1e15) || fabs(v) >= 1000)
        snprintf(b, n, "%.0f", v);
    else
        snprintf(b, n, "%.4g", v);
}

/* "2026-11-01 12:00:00 UTC" */
static void fmt_time(char *b, size_t n, int64_t ms)
{
    char iso[40];
    size_t len;

    util_time_format(ms, iso, sizeof(iso));
    len = strlen(iso);
    if (len > 11 && iso[10] == 'T' && iso[len - 1] == 'Z') {
        iso[10] = ' ';
        iso[len - 1] = '\0';
        snprintf(b, n, "%s UTC", iso);
    } else {
        snprintf(b, n, "%s", iso);
    }
}

static const char *status_word(enum slo_status st)
{
    return st == SLO_STATUS_NONE ? NO_DATA : slo_status_str(st);
}

static const char *status_class(enum slo_status st)
{
    return st == SLO_STATUS_NONE ? "none" : slo_status_str(st);
}

/* The window of length ms, when it has a ratio; else NULL. */
static const struct slo_window_result *ratio_win(const struct snapshot_slo *s, int64_t ms)
{
    int i = slo_window_index(s->win, s->nwin, ms);

    return i >= 0 && s->win != NULL && s->win[i].has_ratio ? &s->win[i] : NULL;
}

static const struct slo_window_result *period_win(const struct snapshot_slo *s)
{
    int i = slo_period_index(s->win, s->nwin);

    return i >= 0 && s->win != NULL ? &s->win[i] : NULL;
}

/* A calendar period's window is named "period"; a rolling one by its length. */
static int is_calendar(const struct snapshot_slo *s)
{
    const struct slo_window_result *p = period_win(s);

    return p != NULL && strcmp(p->w.name, "period") == 0;
}

/* Time to exhaustion: a duration, "now" once exhausted, "not burning", or "no data". */
static void fmt_tte(char *b, size_t n, const struct snapshot_slo *s)
{
    const struct slo_window_result *h = ratio_win(s, 3600000);

    if (s->budget.has_tte && s->budget.tte_seconds <= 0)
        snprintf(b, n, "now");
    else if (s->budget.has_tte)
        cliview_human_duration(s->budget.tte_seconds, b, n);
    else if (s->budget.has && h != NULL && h->burn_rate <= 0)
        snprintf(b, n, "not burning");
    else
        snprintf(b, n, NO_DATA);
}

/* `k="v", k2="v2"`, escaped. */
static int group_text(struct buf *b, const struct labels *g)
{
    int rc = 0;

    for (size_t i = 0; i < g->n; i++) {
        rc |= buf_printf(b, "%s", i > 0 ? ", " : "");
        rc |= statuspage_escape(b, g->v[i].name);
        rc |= buf_puts(b, "=&quot;");
        rc |= statuspage_escape(b, g->v[i].value);
        rc |= buf_puts(b, "&quot;");
    }
    return rc;
}

/* ---- page frame ---- */

static const char css[] =
    ":root{color-scheme:light}"
    "body{margin:0;font:16px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"Helvetica Neue\",Arial,sans-serif;color:#1b1b1b;background:#fff}"
    "header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}"
    "header{padding-top:8px}footer{margin-top:2rem;padding-bottom:1rem;font-size:.9rem}"
    "h1{font-size:1.5rem;margin:.4rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .4rem}"
    "h3{font-size:1.05rem;margin:1.2rem 0 .3rem}"
    "a{color:#0b4fa8}a:focus-visible{outline:3px solid #0b4fa8;outline-offset:2px}"
    ".muted{color:#4a4f57}.small{font-size:.88rem}.nowrap{white-space:nowrap}"
    "table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}"
    "caption{text-align:left;font-weight:600;padding:.3rem 0}"
    "th,td{padding:.4rem .5rem;border-bottom:1px solid #d0d4da;text-align:left;"
    "vertical-align:top}"
    "thead th{background:#eef1f5;font-size:.88rem}"
    "table.slos{font-size:.94rem}table.slos th a{white-space:nowrap}"
    "table.slos th,table.slos td{padding:.4rem .3rem}"
    ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "table.kv{width:auto}table.kv th{font-weight:600;padding-right:1.5rem}"
    ".st{display:inline-block;padding:0 .5rem;border-radius:1rem;font-weight:600;"
    "white-space:nowrap}"
    ".st-healthy{background:#dff3e4;color:#0b5323}.st-warning{background:#fff0c2;color:#5c4000}"
    ".st-critical{background:#fde0df;color:#8f1414}"
    ".st-exhausted{background:#5a1768;color:#fff}.st-none{background:#e6e6e6;color:#333}"
    ".firing{color:#8f1414;font-weight:600}"
    ".bar{display:inline-block;width:3.5rem;height:.8rem;border:1px solid #6b7280;"
    "background:#eef1f5;vertical-align:middle;margin-right:.4rem}"
    ".bar span{display:block;height:100%}"
    ".bg-healthy{background:#2e7d32}.bg-warning{background:#a86400}"
    ".bg-critical{background:#c62828}.bg-exhausted{background:#5a1768}.bg-none{background:#6b7280}"
    ".scroll{overflow-x:auto}"
    "figure{margin:.4rem 0 1rem}figcaption{font-size:.88rem;color:#4a4f57}"
    "svg.chart{display:block;width:100%;max-width:640px;height:auto}"
    "svg.chart text{font-size:12px;fill:#333}"
    ".vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap}"
    "@media (max-width:760px){"
    "table.slos thead{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0)}"
    "table.slos,table.slos tbody,table.slos tr,table.slos th,table.slos td{display:block}"
    "table.slos tr{border:1px solid #c4c9d0;border-radius:6px;margin:0 0 .8rem;"
    "padding:.3rem .6rem}"
    "table.slos td{display:flex;flex-wrap:wrap;justify-content:space-between;gap:0 1rem;"
    "border:0;padding:.15rem 0;text-align:right;white-space:normal}"
    "table.slos td::before{content:attr(data-label);font-weight:600;text-align:left}"
    "table.slos caption{display:block}"
    "table.slos th{border-bottom:1px solid #d0d4da;padding:.2rem 0 .3rem}}";

/* <!doctype> to <main>; title is escaped. */
static int page_head(struct buf *b, const char *title)
{
    int rc = buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                         "<meta name=\"viewport\" content=\"width=device-width, "
                         "initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">"
                         /* no favicon request: an empty data: icon (img-src data:) */
                         "<link rel=\"icon\" href=\"data:,\"><title>");

    rc |= statuspage_escape(b, title);
    rc |= buf_printf(b, "</title><style>%s</style></head>\n<body>", css);
    return rc;
}

/* </main>, the links to the other endpoints (relative to root) and the end. */
static int page_foot(struct buf *b, const char *root)
{
    return buf_printf(b,
                      "</main>\n<footer class=\"muted\"><nav aria-label=\"Other endpoints\">"
                      "slo-sidecar %s &middot; <a href=\"%smetrics\">metrics</a> &middot; "
                      "<a href=\"%sapi/v1/slos\">JSON API</a> &middot; "
                      "<a href=\"%s-/healthy\">healthy</a> &middot; "
                      "<a href=\"%s-/ready\">ready</a></nav></footer>\n</body></html>\n",
                      SLO_VERSION, root, root, root, root);
}

/* "<a href="ROOTslo/NAME">NAME</a>" */
static int slo_link(struct buf *b, const char *root, const char *name)
{
    int rc = buf_printf(b, "<a href=\"%sslo/", root);

    rc |= statuspage_url_escape(b, name);
    rc |= buf_puts(b, "\">");
    rc |= statuspage_escape(b, name);
    return rc | buf_puts(b, "</a>");
}

static int status_badge(struct buf *b, enum slo_status st)
{
    return buf_printf(b, "<span class=\"st st-%s\">%s</span>", status_class(st), status_word(st));
}

/* The budget bar (decorative: the figure next to it says the same) and its figure. */
static int budget_bar(struct buf *b, const struct snapshot_slo *s)
{
    char v[32];
    double w;

    if (!s->budget.has)
        return buf_puts(b, NO_DATA);
    w = s->budget.remaining <= 0 ? 0 : s->budget.remaining >= 1 ? 100 : s->budget.remaining * 100;
    fmt_pct(v, sizeof(v), s->budget.remaining, 1);
    return buf_printf(b,
                      "<span class=\"nowrap\"><span class=\"bar\" aria-hidden=\"true\">"
                      "<span class=\"bg-%s\" style=\"width:%.1f%%\"></span></span>%s</span>",
                      status_class(s->status), w, v);
}

/* The firing severities in one element (a flex item in the phone layout), or "none". */
static int alerts_text(struct buf *b, const struct snapshot_slo *s)
{
    int any = 0;
    int rc = 0;

    for (size_t i = 0; i < s->nalerts; i++) {
        if (!s->alerts[i].firing)
            continue;
        rc |= buf_printf(b, "%s%s", any ? ", " : "<span class=\"firing\">",
                         config_severity_str(s->alerts[i].severity));
        any = 1;
    }
    return any ? rc | buf_puts(b, "</span>") : buf_puts(b, "none");
}

/*
 * "<span><time>2026-11-01 12:00:00 UTC</time> (42s ago)</span>"; short: only
 * "42s ago", the time in the element's datetime and title (the index, where
 * the page's summary says the time of the evaluation).
 */
static int eval_time(struct buf *b, int64_t ms, int64_t now_ms, int short_form)
{
    char when[48], iso[40], age[32];

    if (ms <= 0)
        return buf_puts(b, NO_DATA);
    fmt_time(when, sizeof(when), ms);
    util_time_format(ms, iso, sizeof(iso));
    cliview_human_duration((double)(now_ms - ms) / 1000.0, age, sizeof(age));
    if (short_form)
        return buf_printf(b, "<time datetime=\"%s\" title=\"%s\">%s ago</time>", iso, when, age);
    return buf_printf(b,
                      "<span><time datetime=\"%s\">%s</time> <span class=\"muted\">(%s ago)"
                      "</span></span>",
                      iso, when, age);
}

static int burn_text(struct buf *b, const struct snapshot_slo *s, int64_t ms)
{
    const struct slo_window_result *w = ratio_win(s, ms);
    char v[32];

    if (w == NULL)
        return buf_puts(b, NO_DATA);
    fmt_rate(v, sizeof(v), w->burn_rate);
    return buf_puts(b, v);
}

/* ---- index ---- */

static int index_row(struct buf *b, const struct snapshot_slo *s, int64_t now_ms)
{
    const struct slo_window_result *p = period_win(s);
    char v[64];
    int rc = buf_puts(b, "<tr data-slo=\"");

    rc |= statuspage_escape(b, s->name);
    rc |= buf_puts(b, "\" data-group=\"");
    for (size_t i = 0; i < s->group.n; i++) {
        rc |= buf_puts(b, i > 0 ? "," : "");
        rc |= statuspage_escape(b, s->group.v[i].name);
        rc |= buf_puts(b, "=");
        rc |= statuspage_escape(b, s->group.v[i].value);
    }
    rc |= buf_puts(b, "\"><th scope=\"row\">");
    rc |= slo_link(b, "", s->name);
    if (s->group.n > 0) {
        rc |= buf_puts(b, " <span class=\"small\">{");
        rc |= group_text(b, &s->group);
        rc |= buf_puts(b, "}</span>");
    }
    if (s->description != NULL && s->description[0] != '\0') {
        rc |= buf_puts(b, "<div class=\"small muted\">");
        rc |= statuspage_escape(b, s->description);
        rc |= buf_puts(b, "</div>");
    }
    snprintf(v, sizeof(v), "%.10g%%", s->objective * 100.0);
    rc |= buf_printf(b, "</th><td data-label=\"Objective\" class=\"num\">%s</td>", v);
    if (p != NULL && p->has_ratio)
        fmt_pct(v, sizeof(v), p->sli, 3);
    else
        snprintf(v, sizeof(v), NO_DATA);
    rc |= buf_printf(b, "<td data-label=\"SLI\" class=\"num\">%s</td>", v);
    rc |= buf_puts(b, "<td data-label=\"Budget left\" class=\"num\">");
    rc |= budget_bar(b, s);
    rc |= buf_puts(b, "</td><td data-label=\"Status\">");
    rc |= status_badge(b, s->status);
    rc |= buf_puts(b, "</td><td data-label=\"Burn 1h\" class=\"num\">");
    rc |= burn_text(b, s, 3600000);
    rc |= buf_puts(b, "</td><td data-label=\"Burn 6h\" class=\"num\">");
    rc |= burn_text(b, s, 6 * 3600000LL);
    rc |= buf_puts(b, "</td><td data-label=\"Burn 1d\" class=\"num\">");
    rc |= burn_text(b, s, DAY_MS);
    rc |= buf_puts(b, "</td><td data-label=\"Alerts firing\">");
    rc |= alerts_text(b, s);
    fmt_tte(v, sizeof(v), s);
    rc |= buf_printf(b, "</td><td data-label=\"Exhausted in\" class=\"num\">%s</td>", v);
    rc |= buf_puts(b, "<td data-label=\"Last evaluation\">");
    rc |= eval_time(b, s->evaluated_ms, now_ms, 1);
    return rc | buf_puts(b, "</td></tr>\n");
}

/* "6 SLO instances: 4 healthy, 1 warning, 1 no data." */
static int index_summary(struct buf *b, const struct snapshot *snap, int64_t now_ms)
{
    static const enum slo_status order[] = {SLO_STATUS_EXHAUSTED, SLO_STATUS_CRITICAL,
                                            SLO_STATUS_WARNING, SLO_STATUS_HEALTHY,
                                            SLO_STATUS_NONE};
    int rc = buf_printf(b, "<p>%zu SLO%s", snap->n, snap->n == 1 ? "" : "s");
    int first = 1;

    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        size_t c = 0;

        for (size_t i = 0; i < snap->n; i++)
            c += snap->slos[i].status == order[k];
        if (c == 0)
            continue;
        rc |= buf_printf(b, "%s%zu %s", first ? ": " : ", ", c, status_word(order[k]));
        first = 0;
    }
    rc |= buf_puts(b, ". Evaluated at ");
    rc |= eval_time(b, snap->at_ms, now_ms, 0);
    return rc | buf_puts(b, ".</p>\n");
}

int statuspage_index(const struct snapshot *snap, int64_t now_ms, struct buf *out)
{
    int rc = page_head(out, "SLO status");

    rc |= buf_puts(out, "<header><h1>SLO status</h1></header>\n<main>\n");
    if (snap == NULL) {
        rc |= buf_puts(out, "<p>No evaluation yet: the figures appear after the first "
                            "evaluation. Reload the page in a moment.</p>\n");
        return (page_foot(out, "") | rc) != 0 ? -1 : 0;
    }
    rc |= index_summary(out, snap, now_ms);
    if (snap->n == 0)
        rc |= buf_puts(out, "<p>No SLOs are configured.</p>\n");
    else
        rc |= buf_puts(out, "<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
                            "aria-labelledby=\"slos-caption\"><table class=\"slos\">"
                            "<caption id=\"slos-caption\">Every SLO, one row per group of a "
                            "grouped SLO</caption>\n<thead><tr><th scope=\"col\">SLO</th>"
                            "<th scope=\"col\">Objective</th><th scope=\"col\">SLI</th>"
                            "<th scope=\"col\">Budget left</th><th scope=\"col\">Status</th>"
                            "<th scope=\"col\">Burn 1h</th><th scope=\"col\">Burn 6h</th>"
                            "<th scope=\"col\">Burn 1d</th><th scope=\"col\">Alerts firing</th>"
                            "<th scope=\"col\">Exhausted in</th>"
                            "<th scope=\"col\">Last evaluation</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < snap->n && rc == 0; i++)
        rc |= index_row(out, &snap->slos[i], now_ms);
    if (snap->n > 0)
        rc |= buf_puts(out, "</tbody></table></div>\n<p class=\"small muted\">SLI and budget "
                            "are over each SLO's period; a burn rate of 1 spends the budget "
                            "exactly over the period; a figure reads &ldquo;no data&rdquo; "
                            "when the window had no events.</p>\n");
    rc |= page_foot(out, "");
    return rc != 0 ? -1 : 0;
}

/* ---- charts ---- */

/* The drawing: a viewBox of CW x CH with the plot inside the margins. */
#define CW 600
#define CH 250
#define ML 52
#define MR 46
#define MT 14
#define MB 42

struct chart {
    int64_t t0, t1; /* x range, ms */
    double v0, v1;  /* y range: v0 at the bottom */
};

static double cx(const struct chart *c, int64_t t)
{
    double span = (double)(c->t1 - c->t0);

    return ML + (span > 0 ? (double)(t - c->t0) / span : 1.0) * (CW - ML - MR);
}

static double cy(const struct chart *c, double v)
{
    return MT + (c->v1 - v) / (c->v1 - c->v0) * (CH - MT - MB);
}

enum figure {
    FIG_BUDGET,
    FIG_BURN
};

/* The point's figure for fig, or 0 when it has none (*has says which). */
static double point_value(const struct history_point *p, enum figure fig, int *has)
{
    if (fig == FIG_BUDGET) {
        *has = (p->flags & HISTORY_HAS_BUDGET) != 0 && isfinite(p->remaining);
        return *has ? (double)p->remaining : 0;
    }
    *has = (p->flags & HISTORY_HAS_BURN) != 0 && isfinite(p->burn);
    return *has ? (double)p->burn : 0;
}

/* Points inside [t0, t1] with the figure; lowest and highest of them. */
static size_t count_points(const struct history_point *p, size_t n, enum figure fig, int64_t t0,
                           int64_t t1, double *lo, double *hi)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++) {
        int has;
        double v = point_value(&p[i], fig, &has);

        if (!has || p[i].t_ms < t0 || p[i].t_ms > t1)
            continue;
        if (c == 0 || v < *lo)
            *lo = v;
        if (c == 0 || v > *hi)
            *hi = v;
        c++;
    }
    return c;
}

static int reconstructed(const struct history_point *p)
{
    return (p->flags & HISTORY_RECONSTRUCTED) != 0;
}

/*
 * Whether point i belongs to the line of live points (recon 0) or to the
 * dotted one of reconstructed points (recon 1), which takes the live
 * points next to it too, so the two lines meet.
 */
static int on_line(const struct history_point *p, size_t n, size_t i, int recon)
{
    if (!recon)
        return !reconstructed(&p[i]);
    return reconstructed(&p[i]) || (i > 0 && reconstructed(&p[i - 1])) ||
           (i + 1 < n && reconstructed(&p[i + 1]));
}

/*
 * The d attribute of the figure's line over the points inside the chart's
 * time range (live or reconstructed ones, on_line): a point without the
 * figure, or of the other line, ends the current piece, so a gap stays a
 * gap. A piece of one point is a dot (a zero-length stroke with round caps).
 */
static int line_path(struct buf *b, const struct chart *c, const struct history_point *p, size_t n,
                     enum figure fig, int recon)
{
    size_t piece = 0;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        int has;
        double v = point_value(&p[i], fig, &has);

        if (p[i].t_ms < c->t0 || p[i].t_ms > c->t1)
            continue;
        if (!has || !on_line(p, n, i, recon)) {
            rc |= piece == 1 ? buf_puts(b, "h0") : 0;
            piece = 0;
            continue;
        }
        rc |= buf_printf(b, "%s%.1f,%.1f", piece == 0 ? "M" : "L", cx(c, p[i].t_ms), cy(c, v));
        piece++;
    }
    return rc | (piece == 1 ? buf_puts(b, "h0") : 0);
}

/* Whether a point inside the chart's range is reconstructed. */
static int any_reconstructed(const struct chart *c, const struct history_point *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (reconstructed(&p[i]) && p[i].t_ms >= c->t0 && p[i].t_ms <= c->t1)
            return 1;
    return 0;
}

/* The caption's words for the dotted line, when the chart has one. */
static const char *recon_words(const struct chart *c, const struct history_point *p, size_t n)
{
    return any_reconstructed(c, p, n) ? " Dotted: reconstructed from the store's data when the "
                                        "sidecar started (hourly, not observed live)."
                                      : "";
}

/* A horizontal grid line at v with its label on the left. */
static int y_grid(struct buf *b, const struct chart *c, double v, const char *label)
{
    double y = cy(c, v);

    return buf_printf(b,
                      "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#d0d4da\"/>"
                      "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                      ML, CW - MR, y, y, ML - 6, y + 4, label);
}

/* Times under the x axis (start, middle, end): dates, or hours when short. */
static int x_labels(struct buf *b, const struct chart *c)
{
    static const char *const anchor[3] = {"start", "middle", "end"};
    int64_t span = c->t1 - c->t0;
    int rc = 0;

    for (int i = 0; i < 3; i++) {
        int64_t t = c->t0 + span / 2 * i;
        char iso[40];

        if (i == 2)
            t = c->t1;
        util_time_format(t, iso, sizeof(iso));
        if (strlen(iso) < 16)
            continue;
        if (span > 2 * DAY_MS) {
            iso[10] = '\0';
            memmove(iso, iso + 5, 6); /* MM-DD */
        } else if (span > 2 * 3600000LL) {
            iso[16] = '\0';
            memmove(iso, iso + 11, 6); /* HH:MM */
        } else {
            iso[19] = '\0';
            memmove(iso, iso + 11, 9); /* HH:MM:SS */
        }
        rc |= buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>", cx(c, t),
                         CH - MB + 16, anchor[i], iso);
    }
    return rc | buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (UTC)</text>",
                           ML + (CW - ML - MR) / 2, CH - 6);
}

/* <svg ...><title>title</title>, the plot frame and the y axis title. */
static int svg_open(struct buf *b, const char *id, const char *title, const char *label,
                    const char *ytitle)
{
    int rc = buf_printf(b,
                        "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" "
                        "aria-label=\"%s\"><title>%s"
                        "</title>",
                        id, CW, CH, label, title);

    rc |= buf_printf(b,
                     "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" "
                     "stroke=\"#6b7280\"/>",
                     ML, MT, CW - ML - MR, CH - MT - MB);
    return rc | buf_printf(b,
                           "<text x=\"12\" y=\"%d\" text-anchor=\"middle\" "
                           "transform=\"rotate(-90 12 %d)\">%s</text>",
                           MT + (CH - MT - MB) / 2, MT + (CH - MT - MB) / 2, ytitle);
}

static int data_line(struct buf *b, const struct chart *c, const struct history_point *p, size_t n,
                     enum figure fig)
{
    int rc = buf_puts(b, "<path class=\"line\" fill=\"none\" stroke=\"#1f5fbf\" "
                         "stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\" "
                         "d=\"");

    rc |= line_path(b, c, p, n, fig, 0);
    rc |= buf_puts(b, "\"/>");
    if (!any_reconstructed(c, p, n))
        return rc;
    rc |= buf_puts(b, "<path class=\"line reconstructed\" fill=\"none\" stroke=\"#1f5fbf\" "
                      "stroke-width=\"2\" stroke-dasharray=\"1 4\" stroke-linejoin=\"round\" "
                      "stroke-linecap=\"round\" d=\"");
    rc |= line_path(b, c, p, n, fig, 1);
    return rc | buf_puts(b, "\"/>");
}

/* What the chart would have shown, in words, when there is too little to draw. */
static int no_chart(struct buf *b, int history_on, size_t npoints)
{
    if (!history_on)
        return buf_puts(b, "<p class=\"muted\">No chart: this sidecar keeps no history.</p>\n");
    return buf_printf(b,
                      "<p class=\"muted\">No chart yet: the history has %zu point%s in this "
                      "range and a line needs 2 (one is recorded at each evaluation).</p>\n",
                      npoints, npoints == 1 ? "" : "s");
}

/* The x range of the burn-down: the period (rolling: the window ending now). */
static void period_range(const struct snapshot_slo *s, int64_t now_ms, int64_t *t0, int64_t *t1)
{
    if (is_calendar(s)) {
        *t0 = s->period_start_ms;
        *t1 = s->period_start_ms + s->period_ms;
    } else {
        *t0 = now_ms - s->period_ms;
        *t1 = now_ms;
    }
}

static int burndown(struct buf *b, const struct statuspage_instance *in, size_t idx,
                    int history_on, int64_t now_ms)
{
    const struct snapshot_slo *s = in->slo;
    struct chart c;
    double lo = 0, hi = 0;
    size_t n;
    char id[32], label[256], t0s[48], t1s[48], lo_s[32];
    int rc;

    period_range(s, now_ms, &c.t0, &c.t1);
    n = count_points(in->points, in->npoints, FIG_BUDGET, c.t0, c.t1, &lo, &hi);
    rc = buf_puts(b, "<h3>Error budget burn-down over the period</h3>\n");
    if (!history_on || n < 2)
        return rc | no_chart(b, history_on, n);
    c.v0 = lo < 0 ? lo : 0;
    c.v1 = 1;
    fmt_time(t0s, sizeof(t0s), c.t0);
    fmt_time(t1s, sizeof(t1s), c.t1);
    snprintf(id, sizeof(id), "burndown-%zu", idx);
    snprintf(label, sizeof(label),
             "Error budget left from %s to %s: %zu points, lowest %.1f%%, highest %.1f%%", t0s,
             t1s, n, lo * 100, hi * 100);
    rc |= buf_puts(b, "<figure>");
    rc |= svg_open(b, id, "Error budget left over the period", label, "budget left");
    rc |= y_grid(b, &c, 1, "100%");
    rc |= y_grid(b, &c, 0.5, "50%");
    rc |= y_grid(b, &c, 0, "0%");
    if (c.v0 < -0.25) {
        fmt_pct(lo_s, sizeof(lo_s), c.v0, 0);
        rc |= y_grid(b, &c, c.v0, lo_s);
    }
    rc |= x_labels(b, &c);
    if (is_calendar(s))
        rc |= buf_printf(b,
                         "<line class=\"ideal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                         "stroke=\"#4a4f57\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>",
                         cx(&c, c.t0), cy(&c, 1), cx(&c, c.t1), cy(&c, 0));
    rc |= data_line(b, &c, in->points, in->npoints, FIG_BUDGET);
    rc |= buf_printf(b,
                     "</svg><figcaption>Solid: budget left at each evaluation%s. From %s "
                     "to %s.%s</figcaption></figure>\n",
                     is_calendar(s) ? "; dashed: spending the budget evenly over the period"
                                    : " (rolling window ending then)",
                     t0s, t1s, recon_words(&c, in->points, in->npoints));
    return rc;
}

/* The first point time with a burn rate inside [t0, now], or now. */
static int64_t first_burn_time(const struct history_point *p, size_t n, int64_t t0, int64_t now_ms)
{
    for (size_t i = 0; i < n; i++) {
        int has;

        point_value(&p[i], FIG_BURN, &has);
        if (has && p[i].t_ms >= t0 && p[i].t_ms <= now_ms)
            return p[i].t_ms;
    }
    return now_ms;
}

static int burnchart(struct buf *b, const struct statuspage_instance *in, size_t idx,
                     int history_on, int64_t now_ms)
{
    static const struct {
        double v;
        const char *label;
        const char *color;
    } refs[] = {{1, "1x", "#4a4f57"}, {6, "6x", "#a86400"}, {14.4, "14.4x", "#c62828"}};
    struct chart c;
    double lo = 0, hi = 0;
    size_t n;
    char id[32], label[256], t0s[48], top[32];
    int rc = buf_printf(b, "<h3>Burn rate over 1h, last %d days</h3>\n", STATUSPAGE_BURN_DAYS);

    c.t1 = now_ms;
    c.t0 = first_burn_time(in->points, in->npoints, now_ms - STATUSPAGE_BURN_DAYS * DAY_MS,
                           now_ms);
    n = count_points(in->points, in->npoints, FIG_BURN, c.t0, c.t1, &lo, &hi);
    if (!history_on || n < 2)
        return rc | no_chart(b, history_on, n);
    c.v0 = 0;
    c.v1 = hi * 1.1 > 16 ? hi * 1.1 : 16;
    fmt_time(t0s, sizeof(t0s), c.t0);
    snprintf(id, sizeof(id), "burn-%zu", idx);
    snprintf(label, sizeof(label),
             "Burn rate over 1h since %s: %zu points, highest %.2f; reference lines at 1, 6 "
             "and 14.4",
             t0s, n, hi);
    snprintf(top, sizeof(top), "%.0f", c.v1);
    rc |= buf_puts(b, "<figure>");
    rc |= svg_open(b, id, "Burn rate over 1h", label, "burn rate");
    rc |= y_grid(b, &c, 0, "0");
    rc |= y_grid(b, &c, c.v1, top);
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        double y = cy(&c, refs[i].v);

        rc |= buf_printf(b,
                         "<line class=\"ref\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                         "stroke=\"%s\" stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%.1f\">%s"
                         "</text>",
                         ML, CW - MR, y, y, refs[i].color, CW - MR + 4, y + 4, refs[i].label);
    }
    rc |= x_labels(b, &c);
    rc |= data_line(b, &c, in->points, in->npoints, FIG_BURN);
    rc |= buf_printf(b,
                     "</svg><figcaption>Solid: burn rate over the hour before each "
                     "evaluation, since %s. Dashed: 1 spends the budget exactly over the "
                     "period; 6 and 14.4 are the page thresholds of the default alert "
                     "table.%s</figcaption></figure>\n",
                     t0s, recon_words(&c, in->points, in->npoints));
    return rc;
}

/* ---- detail ---- */

int64_t statuspage_since(const struct snapshot_slo *s, int64_t now_ms)
{
    int64_t t0, t1;
    int64_t burn0 = now_ms - STATUSPAGE_BURN_DAYS * DAY_MS;

    period_range(s, now_ms, &t0, &t1);
    return t0 < burn0 ? t0 : burn0;
}

static int kv_row(struct buf *b, const char *key)
{
    return buf_printf(b, "<tr><th scope=\"row\">%s</th><td>", key);
}

/* What the SLO is: the same for every group. */
static int detail_about(struct buf *b, const struct snapshot_slo *s, int64_t now_ms)
{
    char v[64], t0[48], t1[48];
    int rc = buf_puts(b, "<table class=\"kv\"><caption>About this SLO</caption>\n");

    rc |= kv_row(b, "Service");
    rc |= statuspage_escape(b, s->service);
    snprintf(v, sizeof(v), "%.10g%%", s->objective * 100.0);
    rc |= buf_printf(b, "</td></tr>\n");
    rc |= kv_row(b, "Objective");
    rc |= buf_printf(b, "%s</td></tr>\n", v);
    rc |= kv_row(b, "Period");
    rc |= statuspage_escape(b, s->period_name);
    if (is_calendar(s)) {
        fmt_time(t0, sizeof(t0), s->period_start_ms);
        fmt_time(t1, sizeof(t1), s->period_start_ms + s->period_ms);
        fmt_pct(v, sizeof(v), s->period_elapsed, 0);
        rc |= buf_printf(b, " (calendar: %s to %s, %s elapsed)", t0, t1, v);
    } else {
        fmt_time(t0, sizeof(t0), now_ms - s->period_ms);
        rc |= buf_printf(b, " (rolling: since %s)", t0);
    }
    rc |= buf_printf(b, "</td></tr>\n");
    rc |= kv_row(b, "SLI kind");
    rc |= buf_printf(b, "%s</td></tr>\n", s->sli_kind != NULL ? s->sli_kind : NO_DATA);
    rc |= kv_row(b, "Labels");
    rc |= s->labels.n > 0 ? group_text(b, &s->labels) : buf_puts(b, "none");
    return rc | buf_puts(b, "</td></tr>\n</table>\n");
}

/* The budget and status figures of one instance. */
static int detail_figures(struct buf *b, const struct snapshot_slo *s, int64_t now_ms)
{
    const struct slo_window_result *p = period_win(s);
    char v[64];
    int rc = buf_puts(b, "<table class=\"kv figures\"><caption>Figures of the last "
                         "evaluation</caption>\n");

    rc |= kv_row(b, "Status");
    rc |= status_badge(b, s->status);
    rc |= buf_puts(b, "</td></tr>\n");
    if (p != NULL && p->has_ratio)
        fmt_pct(v, sizeof(v), p->sli, 3);
    else
        snprintf(v, sizeof(v), NO_DATA);
    rc |= kv_row(b, "SLI over the period");
    rc |= buf_printf(b, "%s</td></tr>\n", v);
    rc |= kv_row(b, "Error budget left");
    rc |= budget_bar(b, s);
    rc |= buf_puts(b, "</td></tr>\n");
    if (s->budget.has) {
        cliview_human_duration(fabs(s->budget.remaining_seconds), v, sizeof(v));
        rc |= kv_row(b, s->budget.remaining_seconds >= 0 ? "Budget left as full outage"
                                                         : "Budget overspent by");
        rc |= buf_printf(b, "%s</td></tr>\n", v);
    }
    fmt_tte(v, sizeof(v), s);
    rc |= kv_row(b, "Exhausted in");
    rc |= buf_printf(b, "%s</td></tr>\n", v);
    rc |= kv_row(b, "Objective met");
    rc |= buf_printf(b, "%s</td></tr>\n",
                     s->compliant < 0 ? NO_DATA
                     : s->compliant   ? "yes"
                                      : "no");
    rc |= kv_row(b, "Alerts firing");
    rc |= alerts_text(b, s);
    rc |= buf_puts(b, "</td></tr>\n");
    rc |= kv_row(b, "Last evaluation");
    rc |= eval_time(b, s->evaluated_ms, now_ms, 0);
    return rc | buf_puts(b, "</td></tr>\n</table>\n");
}

static int window_row(struct buf *b, const struct slo_window_result *w)
{
    char g[40] = NO_DATA, bad[40] = NO_DATA, t[40] = NO_DATA;
    char sli[40] = NO_DATA, er[40] = NO_DATA, br[40] = NO_DATA;

    if (w->has_counts) {
        fmt_count(g, sizeof(g), w->good);
        fmt_count(bad, sizeof(bad), w->bad);
        fmt_count(t, sizeof(t), w->total);
    }
    if (w->has_ratio) {
        fmt_pct(sli, sizeof(sli), w->sli, 3);
        fmt_pct(er, sizeof(er), w->error_ratio, 3);
        fmt_rate(br, sizeof(br), w->burn_rate);
    }
    return buf_printf(b,
                      "<tr><th scope=\"row\">%s</th><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td></tr>\n",
                      w->w.name, g, bad, t, sli, er, br);
}

static int detail_windows(struct buf *b, const struct snapshot_slo *s, size_t idx)
{
    int rc = buf_printf(b,
                        "<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
                        "aria-labelledby=\"windows-%zu\"><table class=\"windows\">"
                        "<caption id=\"windows-%zu\">Every window</caption>\n<thead><tr>"
                        "<th scope=\"col\">Window</th><th scope=\"col\">Good</th>"
                        "<th scope=\"col\">Bad</th><th scope=\"col\">Total</th>"
                        "<th scope=\"col\">SLI</th><th scope=\"col\">Error ratio</th>"
                        "<th scope=\"col\">Burn rate</th></tr></thead>\n<tbody>\n",
                        idx, idx);

    for (size_t i = 0; i < s->nwin; i++)
        rc |= window_row(b, &s->win[i]);
    return rc | buf_puts(b, "</tbody></table></div>\n");
}

static int detail_instance(struct buf *b, const struct statuspage_instance *in, size_t idx,
                           int history_on, int64_t now_ms)
{
    const struct snapshot_slo *s = in->slo;
    int rc = buf_printf(b, "<section aria-labelledby=\"inst-%zu\"><h2 id=\"inst-%zu\">", idx, idx);

    if (s->group.n > 0) {
        rc |= buf_puts(b, "Group ");
        rc |= group_text(b, &s->group);
    } else {
        rc |= buf_puts(b, "Current figures");
    }
    rc |= buf_puts(b, "</h2>\n");
    rc |= detail_figures(b, s, now_ms);
    rc |= detail_windows(b, s, idx);
    if (idx < STATUSPAGE_MAX_CHART_GROUPS) {
        rc |= burndown(b, in, idx, history_on, now_ms);
        rc |= burnchart(b, in, idx, history_on, now_ms);
    } else if (idx == STATUSPAGE_MAX_CHART_GROUPS) {
        rc |= buf_printf(b,
                         "<p class=\"muted\">Charts are drawn for the first %d groups "
                         "only.</p>\n",
                         STATUSPAGE_MAX_CHART_GROUPS);
    }
    return rc | buf_puts(b, "</section>\n");
}

/* "status warning → critical", "page alert started firing" */
static int event_text(struct buf *b, const struct history_event *e)
{
    if (e->kind == HISTORY_EVENT_ALERT)
        return buf_printf(b, "<span class=\"firing\">%s</span> alert %s firing",
                          config_severity_str(e->severity), e->firing ? "started" : "stopped");
    return buf_printf(b, "status %s &rarr; %s", e->has_from ? status_word(e->from) : "unknown",
                      status_word(e->to));
}

static int event_row(struct buf *b, const struct history_event *e, int grouped)
{
    char when[48], sli[32] = NO_DATA, rem[32] = NO_DATA, burn[32] = NO_DATA;
    int rc;

    fmt_time(when, sizeof(when), e->t_ms);
    if (e->flags & HISTORY_HAS_SLI)
        fmt_pct(sli, sizeof(sli), e->sli, 3);
    if (e->flags & HISTORY_HAS_BUDGET)
        fmt_pct(rem, sizeof(rem), e->remaining, 1);
    if (e->flags & HISTORY_HAS_BURN)
        fmt_rate(burn, sizeof(burn), e->burn);
    rc = buf_printf(b, "<tr><td class=\"nowrap\">%s</td>", when);
    if (grouped) {
        rc |= buf_puts(b, "<td>");
        rc |= group_text(b, &e->group);
        rc |= buf_puts(b, "</td>");
    }
    rc |= buf_puts(b, "<td>");
    rc |= event_text(b, e);
    return rc | buf_printf(b,
                           "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
                           "<td class=\"num\">%s</td></tr>\n",
                           sli, rem, burn);
}

static int detail_events(struct buf *b, const struct history_event *ev, size_t nev, int history_on,
                         int grouped)
{
    int rc = buf_puts(b, "<section aria-labelledby=\"events\"><h2 id=\"events\">Recent "
                         "events</h2>\n");

    if (!history_on)
        return rc | buf_puts(b, "<p class=\"muted\">No events: this sidecar keeps no "
                                "history.</p></section>\n");
    if (nev == 0)
        return rc | buf_puts(b, "<p>No status changes or alerts recorded.</p></section>\n");
    rc |= buf_printf(b,
                     "<div class=\"scroll\" role=\"region\" tabindex=\"0\" "
                     "aria-labelledby=\"events-caption\"><table class=\"events\">"
                     "<caption id=\"events-caption\">Status changes and alerts, newest first"
                     "</caption>\n<thead><tr><th scope=\"col\">Time</th>%s"
                     "<th scope=\"col\">Event</th><th scope=\"col\">SLI</th>"
                     "<th scope=\"col\">Budget left</th><th scope=\"col\">Burn 1h</th></tr>"
                     "</thead>\n<tbody>\n",
                     grouped ? "<th scope=\"col\">Group</th>" : "");
    for (size_t i = nev; i > 0; i--)
        rc |= event_row(b, &ev[i - 1], grouped);
    return rc | buf_puts(b, "</tbody></table></div></section>\n");
}

int statuspage_detail(const struct statuspage_instance *inst, size_t n, int history_on,
                      const struct history_event *ev, size_t nev, int64_t now_ms, struct buf *out)
{
    const struct snapshot_slo *s;
    struct buf title;
    int rc;

    if (n == 0)
        return -1;
    s = inst[0].slo;
    buf_init(&title, 1024);
    rc = buf_printf(&title, "%s - SLO status", s->name);
    rc |= page_head(out, title.data != NULL ? title.data : "SLO status");
    buf_free(&title);
    rc |= buf_puts(out, "<header><nav><a href=\"../\">&larr; All SLOs</a></nav><h1>");
    rc |= statuspage_escape(out, s->name);
    rc |= buf_puts(out, "</h1>");
    if (s->description != NULL && s->description[0] != '\0') {
        rc |= buf_puts(out, "<p>");
        rc |= statuspage_escape(out, s->description);
        rc |= buf_puts(out, "</p>");
    }
    rc |= buf_puts(out, "</header>\n<main>\n");
    rc |= detail_about(out, s, now_ms);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc |= detail_instance(out, &inst[i], i, history_on, now_ms);
    rc |= detail_events(out, ev, nev, history_on, s->group.n > 0);
    rc |= page_foot(out, "../");
    return rc != 0 ? -1 : 0;
}

int statuspage_not_found(const char *name, const struct snapshot *snap, struct buf *out)
{
    int rc = page_head(out, "Unknown SLO - SLO status");

    rc |= buf_puts(out, "<header><nav><a href=\"../\">&larr; All SLOs</a></nav>"
                        "<h1>Unknown SLO</h1></header>\n<main>\n<p>No SLO is named &ldquo;");
    rc |= statuspage_escape(out, name);
    rc |= buf_puts(out, "&rdquo;.");
    if (snap != NULL && snap->n > 0) {
        rc |= buf_puts(out, " Known SLOs:</p>\n<ul>\n");
        for (size_t i = 0; i < snap->n; i++) {
            if (i > 0 && strcmp(snap->slos[i].name, snap->slos[i - 1].name) == 0)
                continue;
            rc |= buf_puts(out, "<li>");
            rc |= slo_link(out, "../", snap->slos[i].name);
            rc |= buf_puts(out, "</li>\n");
        }
        rc |= buf_puts(out, "</ul>\n");
    } else {
        rc |= buf_puts(out, "</p>\n");
    }
    rc |= page_foot(out, "../");
    return rc != 0 ? -1 : 0;
}
