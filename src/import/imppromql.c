/*
 * imppromql: the sources' queries into the sidecar's SLI queries, by their
 * text. See imppromql.h.
 */
#include "imppromql.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "selector.h"
#include "util.h"

static const char window_tmpl[] = "{{.window}}";

const char imp_ratio_note[] =
    "note: a ratio per window: error_query is the ratio and total_query 1, so ratios, burn "
    "rates, budget and alerts are the ratio's, while slo_events shows the ratio and 1, not "
    "event counts";

const char *imp_skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

int imp_eat_word(const char **p, const char *w)
{
    size_t n = strlen(w);
    char c;

    if (strncmp(*p, w, n) != 0)
        return 0;
    c = (*p)[n];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == ':')
        return 0;
    *p = imp_skip_ws(*p + n);
    return 1;
}

int imp_eat(const char **p, char c)
{
    if (**p != c)
        return 0;
    *p = imp_skip_ws(*p + 1);
    return 1;
}

char *imp_selector_text(struct imp *m, const char *s, size_t n)
{
    char *t = malloc(n + 1);
    struct selector *sel = NULL;
    struct err e = {{0}};
    char *out = NULL;

    if (t == NULL) {
        m->y.oom = 1;
        return NULL;
    }
    memcpy(t, s, n);
    t[n] = '\0';
    if (selector_parse(t, &sel, &e) == 0) {
        out = selector_format(sel, NULL, NULL, SELECTOR_EQ, NULL);
        if (out == NULL)
            m->y.oom = 1;
    } else if (strcmp(e.msg, "out of memory") == 0) {
        /* Not "no selector": the output would silently differ. */
        m->y.oom = 1;
    }
    selector_free(sel);
    free(t);
    return out;
}

const char *imp_trim_end(const char *s)
{
    const char *e = s + strlen(s);

    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    return e;
}

char *imp_windowed_selector(struct imp *m, const char *q)
{
    const char *p = imp_skip_ws(q);
    const char *e = imp_trim_end(q);
    size_t wl = strlen(window_tmpl);

    if (!imp_eat_word(&p, "sum") || !imp_eat(&p, '(') ||
        !(imp_eat_word(&p, "rate") || imp_eat_word(&p, "increase")) || !imp_eat(&p, '('))
        return NULL;
    for (int i = 0; i < 2; i++) {
        if (e <= p || e[-1] != ')')
            return NULL;
        e--;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
            e--;
    }
    if (e <= p || e[-1] != ']')
        return NULL;
    e--;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    if ((size_t)(e - p) < wl || memcmp(e - wl, window_tmpl, wl) != 0)
        return NULL;
    e -= wl;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    if (e <= p || e[-1] != '[')
        return NULL;
    e--;
    return imp_selector_text(m, p, (size_t)(e - p));
}

char *imp_plain_selector(struct imp *m, const char *q)
{
    const char *p = imp_skip_ws(q);
    const char *e = imp_trim_end(q);
    char *s = imp_selector_text(m, p, (size_t)(e > p ? e - p : 0));

    if (s != NULL || m->y.oom)
        return s;
    if (!imp_eat_word(&p, "sum") || !imp_eat(&p, '(') || e <= p || e[-1] != ')')
        return NULL;
    return imp_selector_text(m, p, (size_t)(e - 1 - p));
}

int imp_window_template(const char *q, char **out, int *has)
{
    struct buf b;
    const char *p = q;
    const char *o;

    *out = NULL;
    *has = 0;
    buf_init(&b, (size_t)CONFIG_MAX_BYTES * 2);
    while ((o = strstr(p, "{{")) != NULL) {
        const char *t = o + 2;

        while (*t == ' ')
            t++;
        if (strncmp(t, ".window", 7) != 0) {
            buf_free(&b);
            return 1;
        }
        t += 7;
        while (*t == ' ')
            t++;
        if (strncmp(t, "}}", 2) != 0) {
            buf_free(&b);
            return 1;
        }
        if (buf_append(&b, p, (size_t)(o - p)) != 0 || buf_puts(&b, window_tmpl) != 0)
            goto oom;
        *has = 1;
        p = t + 2;
    }
    if (buf_puts(&b, p) != 0)
        goto oom;
    *out = buf_steal(&b);
    if (*out == NULL)
        goto oom;
    return 0;
oom:
    buf_free(&b);
    return -1;
}

void imp_ratio_queries(struct imp *m, const char *q, char **num, char **total)
{
    const char *nl = strchr(q, '#') ? "\n" : "";
    const char *b = imp_skip_ws(q);
    int n = (int)(imp_trim_end(q) - b);

    if (n < 0)
        n = 0;
    *num = util_asprintf("(%s%.*s%s) >= 0", nl, n, b, nl);
    *total = util_asprintf("((%s%.*s%s) >= 0) * 0 + 1", nl, n, b, nl);
    if (*num == NULL || *total == NULL)
        m->y.oom = 1;
}

void imp_ind_free(struct ind *d)
{
    free(d->num);
    free(d->total);
    free(d->gauge);
    memset(d, 0, sizeof(*d));
}
