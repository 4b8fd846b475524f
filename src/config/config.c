/*
 * config: YAML (and JSON) configuration loading and validation with libyaml's
 * document API, which keeps a start mark on every node. Every problem is
 * recorded with its position and loading goes on, so `check` shows them all;
 * messages are sorted by position at the end. The struct is filled as far as
 * possible but only handed out when there was no error at all.
 *
 * Strictness follows Go's YAML decoders, which Prometheus users know: unknown
 * and duplicate keys are errors, a quoted scalar is a string (so "99.9" is no
 * number), custom tags are refused.
 *
 * This file loads one file or a directory's files and reads the global
 * section; it also frees a config, collects messages and splits shards. The
 * SLOs are configslo's, the field readers configfield's. Reading and
 * bounding the YAML, positions and the node checks are yamlread's, shared
 * with the web config and the importer.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "configfield.h"
#include "configfiles.h"
#include "configslo.h"
#include "yamlread.h"

/*
 * Checked on the tokens, before libyaml builds the document: two million
 * tokens are some 30000 SLOs; libyaml takes about a second and 300 MiB to
 * load that many (a 16 MiB file of tiny values took 10 s and 1.3 GB). The
 * walk reads no deeper than level 7 (the root is 1; the deepest field is
 * slos[i].alerting.page.labels.NAME), so aliases are expanded to level 8
 * when the document is measured; expanded, it must stay within about what a
 * file without aliases can hold (escapes like \L make a scalar longer than
 * its source, hence twice the bytes).
 */
const struct yr_limits config_yaml_limits = {
    .max_bytes = CONFIG_MAX_BYTES,
    .max_tokens = 2000000,
    .max_depth = 64,
    .max_anchors = 1000,
    .max_aliases = 10000,
    .max_directives = 64,
    .walk_depth = 8,
    .max_nodes = 1000000,
    .max_text = 2 * (size_t)CONFIG_MAX_BYTES,
    .max_docs = 1,
    .max_msgs = 1000,
};

/* What one file of a config holds. */
enum part {
    PART_WHOLE,  /* the one file: global and slos */
    PART_GLOBAL, /* the file of a directory that holds global; slos optional */
    PART_SLOS    /* another file of the directory: slos only */
};

static void parse_url(struct cf_ctx *c, yaml_node_t *m, struct config_prometheus *p)
{
    size_t len;

    if (cf_get_str(c, m, "global.prometheus", "url", CF_REQUIRED | CF_NONEMPTY, &p->url) != 0 ||
        cf_http_url_ok(c, m, "global.prometheus.url", "url", p->url) != 0)
        return;
    /* The API paths are appended with their own leading slash. */
    len = strlen(p->url);
    while (len > 0 && p->url[len - 1] == '/')
        p->url[--len] = '\0';
}

/* retries: {max_attempts: N}, a whole number of attempts per request (httpc). */
static void parse_retries(struct cf_ctx *c, yaml_node_t *v, struct config_prometheus *p)
{
    static const char *const keys[] = {"max_attempts"};
    const char *path = "global.prometheus.retries";
    const char *text = NULL;
    double x;

    if (v == NULL || yr_check_keys(&c->y, v, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (cf_get_num(c, v, path, "max_attempts", 0, &x, &text) != 0)
        return;
    if (x < 1 || x > CONFIG_MAX_ATTEMPTS || x != floor(x))
        yr_err(&c->y, yr_get(&c->y, v, "max_attempts"), "global.prometheus.retries.max_attempts",
               "must be a whole number from 1 (no retries) to %d, got %s", CONFIG_MAX_ATTEMPTS,
               text);
    else
        p->max_attempts = (int)x;
}

/* concurrency and read_max_samples: whole numbers within their bounds. */
static void parse_counts(struct cf_ctx *c, yaml_node_t *n, struct config_prometheus *p)
{
    const char *path = "global.prometheus";
    const char *text = NULL;
    double x;

    if (cf_get_num(c, n, path, "concurrency", 0, &x, &text) == 0) {
        if (x < 1 || x > CONFIG_MAX_CONCURRENCY || x != floor(x))
            yr_err(&c->y, yr_get(&c->y, n, "concurrency"), "global.prometheus.concurrency",
                   "must be a whole number from 1 to %d, got %s", CONFIG_MAX_CONCURRENCY, text);
        else
            p->concurrency = (int)x;
    }
    if (cf_get_num(c, n, path, "read_max_samples", 0, &x, &text) == 0) {
        if (x < CONFIG_MIN_READ_MAX_SAMPLES || x > CONFIG_MAX_READ_MAX_SAMPLES || x != floor(x))
            yr_err(&c->y, yr_get(&c->y, n, "read_max_samples"),
                   "global.prometheus.read_max_samples",
                   "must be a whole number from %d to %d, got %s", CONFIG_MIN_READ_MAX_SAMPLES,
                   CONFIG_MAX_READ_MAX_SAMPLES, text);
        else
            p->read_max_samples = (size_t)x;
    }
}

static void parse_prometheus(struct cf_ctx *c, yaml_node_t *n, struct config_prometheus *p)
{
    static const char *const keys[] = {
        "url",        "mode", "timeout",       "read_path", "headers",     "bearer_token_file",
        "basic_auth", "tls",  "read_response", "retries",   "concurrency", "read_max_samples"};
    static const char *const ba_keys[] = {"username", "password_file"};
    static const char *const tls_keys[] = {"ca_file", "cert_file", "key_file",
                                           "insecure_skip_verify"};
    const char *path = "global.prometheus";
    char *mode = NULL;
    yaml_node_t *v;

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    parse_url(c, n, p);
    if (cf_get_str(c, n, path, "mode", 0, &mode) == 0) {
        if (strcmp(mode, "promql") == 0)
            p->mode = CONFIG_MODE_PROMQL;
        else if (strcmp(mode, "remote_read") == 0)
            p->mode = CONFIG_MODE_REMOTE_READ;
        else if (strcmp(mode, "api_read") == 0)
            p->mode = CONFIG_MODE_API_READ;
        else
            yr_err(&c->y, yr_get(&c->y, n, "mode"), "global.prometheus.mode",
                   "must be promql, remote_read or api_read, got \"%s\"", mode);
    }
    free(mode);
    mode = NULL;
    if (cf_get_str(c, n, path, "read_response", 0, &mode) == 0) {
        if (strcmp(mode, "samples") == 0)
            p->read_samples = 1;
        else if (strcmp(mode, "chunks") != 0)
            yr_err(&c->y, yr_get(&c->y, n, "read_response"), "global.prometheus.read_response",
                   "must be chunks or samples, got \"%s\"", mode);
    }
    free(mode);
    cf_get_duration(c, n, path, "timeout", 0, &p->timeout_ms);
    parse_retries(c, yr_get_opt(&c->y, n, "retries"), p);
    parse_counts(c, n, p);
    if (cf_get_str(c, n, path, "read_path", 0, &p->read_path) == 0 && p->read_path[0] != '/')
        yr_err(&c->y, yr_get(&c->y, n, "read_path"), "global.prometheus.read_path",
               "must start with \"/\", got \"%s\"", p->read_path);
    cf_get_map(c, n, path, "headers", CF_MAP_HEADERS, &p->headers);
    cf_get_str(c, n, path, "bearer_token_file", CF_NONEMPTY, &p->bearer_token_file);
    v = yr_get(&c->y, n, "basic_auth");
    if (v != NULL &&
        yr_check_keys(&c->y, v, "global.prometheus.basic_auth", ba_keys, 2, NULL, 0) == 0) {
        cf_get_str(c, v, "global.prometheus.basic_auth", "username", CF_REQUIRED | CF_NONEMPTY,
                   &p->basic_username);
        cf_get_str(c, v, "global.prometheus.basic_auth", "password_file",
                   CF_REQUIRED | CF_NONEMPTY, &p->basic_password_file);
        if (yr_get(&c->y, n, "bearer_token_file") != NULL)
            yr_err(&c->y, v, "global.prometheus.basic_auth",
                   "basic_auth and bearer_token_file cannot both be set");
    }
    v = yr_get_opt(&c->y, n, "tls");
    if (v != NULL && yr_check_keys(&c->y, v, "global.prometheus.tls", tls_keys, 4, NULL, 0) == 0) {
        const char *tp = "global.prometheus.tls";

        cf_get_str(c, v, tp, "ca_file", CF_NONEMPTY, &p->ca_file);
        cf_get_str(c, v, tp, "cert_file", CF_NONEMPTY, &p->cert_file);
        cf_get_str(c, v, tp, "key_file", CF_NONEMPTY, &p->key_file);
        cf_get_bool(c, v, tp, "insecure_skip_verify", &p->insecure_skip_verify);
        if ((yr_get(&c->y, v, "cert_file") == NULL) != (yr_get(&c->y, v, "key_file") == NULL))
            yr_err(&c->y, v, tp, "cert_file and key_file must be set together");
    }
}

static void parse_status(struct cf_ctx *c, yaml_node_t *v, struct config *cfg)
{
    static const char *const keys[] = {"warning", "critical"};
    const char *path = "global.status";
    int bad = 0;
    int rc;

    if (yr_check_keys(&c->y, v, path, keys, 2, NULL, 0) != 0)
        return;
    rc = cf_get_num(c, v, path, "warning", 0, &cfg->status_warning, NULL);
    if (rc < 0 || (rc == 0 && !(cfg->status_warning > 0 && cfg->status_warning <= 1))) {
        if (rc == 0)
            yr_err(&c->y, yr_get(&c->y, v, "warning"), "global.status.warning",
                   "must be greater than 0 and at most 1, got %g", cfg->status_warning);
        bad = 1;
    }
    rc = cf_get_num(c, v, path, "critical", 0, &cfg->status_critical, NULL);
    if (rc < 0 || (rc == 0 && !(cfg->status_critical > 0 && cfg->status_critical <= 1))) {
        if (rc == 0)
            yr_err(&c->y, yr_get(&c->y, v, "critical"), "global.status.critical",
                   "must be greater than 0 and at most 1, got %g", cfg->status_critical);
        bad = 1;
    }
    if (!bad && cfg->status_warning >= cfg->status_critical)
        yr_err(&c->y, v, path, "warning (%g) must be below critical (%g)", cfg->status_warning,
               cfg->status_critical);
}

/* One entry of global.webhooks. */
static void parse_webhook(struct cf_ctx *c, yaml_node_t *n, const char *path,
                          struct config_webhook *w)
{
    static const char *const keys[] = {"url", "events", "timeout", "max_attempts", "headers"};
    yaml_node_t *ev;
    char p[PATHLEN];
    const char *text = NULL;
    double x;

    w->events = CONFIG_WEBHOOK_STATUS | CONFIG_WEBHOOK_ALERT;
    w->timeout_ms = 10 * SEC_MS;
    w->max_attempts = 5;
    if (yr_want_map(&c->y, n, path) != 0 ||
        yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    yr_join(p, sizeof(p), path, "url");
    if (cf_get_str(c, n, path, "url", CF_REQUIRED | CF_NONEMPTY, &w->url) == 0)
        cf_http_url_ok(c, n, p, "url", w->url);
    if (cf_get_duration(c, n, path, "timeout", 0, &w->timeout_ms) == 0 && w->timeout_ms < 100) {
        yr_join(p, sizeof(p), path, "timeout");
        yr_err(&c->y, yr_get(&c->y, n, "timeout"), p, "must be at least 100ms");
    }
    if (cf_get_num(c, n, path, "max_attempts", 0, &x, &text) == 0) {
        yr_join(p, sizeof(p), path, "max_attempts");
        if (x < 1 || x > CONFIG_WEBHOOK_MAX_ATTEMPTS || x != floor(x))
            yr_err(&c->y, yr_get(&c->y, n, "max_attempts"), p,
                   "must be a whole number from 1 (no retries) to %d, got %s",
                   CONFIG_WEBHOOK_MAX_ATTEMPTS, text);
        else
            w->max_attempts = (int)x;
    }
    cf_get_map(c, n, path, "headers", CF_MAP_HEADERS, &w->headers);
    ev = yr_get_opt(&c->y, n, "events");
    if (ev == NULL)
        return;
    yr_join(p, sizeof(p), path, "events");
    if (yr_want_seq(&c->y, ev, p) != 0)
        return;
    w->events = 0;
    for (yaml_node_item_t *it = ev->data.sequence.items.start; it < ev->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yr_node(&c->y, *it);
        char ip[PATHLEN];
        const char *v;

        yr_join_index(ip, sizeof(ip), p, (size_t)(it - ev->data.sequence.items.start));
        v = yr_want_scalar(&c->y, item, ip, "an event kind", 0);
        if (v == NULL)
            continue;
        if (strcmp(v, "status") == 0)
            w->events |= CONFIG_WEBHOOK_STATUS;
        else if (strcmp(v, "alert") == 0)
            w->events |= CONFIG_WEBHOOK_ALERT;
        else
            yr_err(&c->y, item, ip, "unknown event kind \"%s\"; expected status or alert", v);
    }
    if (w->events == 0 && ev->data.sequence.items.top == ev->data.sequence.items.start)
        yr_err(&c->y, ev, p, "must list at least one of status and alert");
}

static void parse_webhooks(struct cf_ctx *c, yaml_node_t *v, struct config *cfg)
{
    const char *path = "global.webhooks";
    size_t cnt;

    if (v == NULL || yr_want_seq(&c->y, v, path) != 0)
        return;
    cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (cnt > CONFIG_MAX_WEBHOOKS) {
        yr_err(&c->y, v, path, "has %zu webhooks; at most %d are allowed", cnt,
               CONFIG_MAX_WEBHOOKS);
        return;
    }
    if (cnt == 0)
        return;
    cfg->webhooks = calloc(cnt, sizeof(*cfg->webhooks));
    if (cfg->webhooks == NULL) {
        c->y.oom = 1;
        return;
    }
    cfg->nwebhooks = cnt;
    for (size_t i = 0; i < cnt; i++) {
        char ip[PATHLEN];

        labels_init(&cfg->webhooks[i].headers);
        yr_join_index(ip, sizeof(ip), path, i);
        parse_webhook(c, yr_node(&c->y, v->data.sequence.items.start[i]), ip, &cfg->webhooks[i]);
    }
}

static void parse_global(struct cf_ctx *c, yaml_node_t *n, struct config *cfg)
{
    static const char *const keys[] = {"interval", "prometheus", "labels",
                                       "status",   "state_file", "dashboard_url",
                                       "webhooks", "shard",      "state_checkpoint_interval",
                                       "alerting"};
    yaml_node_t *v;
    char *shard = NULL;

    if (yr_check_keys(&c->y, n, "global", keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (cf_get_duration(c, n, "global", "interval", 0, &cfg->interval_ms) == 0 &&
        cfg->interval_ms < SEC_MS)
        yr_err(&c->y, yr_get(&c->y, n, "interval"), "global.interval", "must be at least 1s");
    /* Without it, check and rules still work; config_needs_store() stops the rest. */
    v = yr_get(&c->y, n, "prometheus");
    if (v != NULL)
        parse_prometheus(c, v, &cfg->prometheus);
    cf_get_map(c, n, "global", "labels", CF_MAP_SERIES_LABELS, &cfg->labels);
    v = yr_get_opt(&c->y, n, "status");
    if (v != NULL)
        parse_status(c, v, cfg);
    cf_get_str(c, n, "global", "state_file", CF_NONEMPTY, &cfg->state_file);
    if (cf_get_duration(c, n, "global", "state_checkpoint_interval", 0, &cfg->checkpoint_ms) ==
            0 &&
        cfg->checkpoint_ms < SEC_MS)
        yr_err(&c->y, yr_get(&c->y, n, "state_checkpoint_interval"),
               "global.state_checkpoint_interval", "must be at least 1s");
    if (cf_get_str(c, n, "global", "dashboard_url", CF_NONEMPTY, &cfg->dashboard_url) == 0)
        cf_http_url_ok(c, n, "global.dashboard_url", "dashboard_url", cfg->dashboard_url);
    parse_webhooks(c, yr_get_opt(&c->y, n, "webhooks"), cfg);
    v = yr_get_opt(&c->y, n, "alerting");
    if (v != NULL) {
        static const char *const akeys[] = {"page", "ticket"};

        if (yr_check_keys(&c->y, v, "global.alerting", akeys, NELEMS(akeys), NULL, 0) == 0) {
            cf_parse_route(c, yr_get_opt(&c->y, v, "page"), "global.alerting.page",
                           &cfg->alert_page);
            cf_parse_route(c, yr_get_opt(&c->y, v, "ticket"), "global.alerting.ticket",
                           &cfg->alert_ticket);
        }
    }
    if (cf_get_str(c, n, "global", "shard", 0, &shard) == 0) {
        struct err e = {{0}};

        if (shard_parse(shard, &cfg->shard, &e) != 0)
            yr_err(&c->y, yr_get(&c->y, n, "shard"), "global.shard", "%s", e.msg);
    }
    free(shard);
}

static void parse_root(struct cf_ctx *c, yaml_node_t *root, struct config *cfg, enum part part)
{
    static const char *const keys[] = {"global", "slos"};
    yaml_node_t *g, *s;

    if (yr_check_keys(&c->y, root, "", keys, NELEMS(keys), NULL, 0) != 0)
        return;
    /* global first: SLO checks depend on its mode and labels. */
    g = yr_get(&c->y, root, "global");
    if (g != NULL && part == PART_SLOS)
        yr_err(&c->y, g, NULL, "global is in %s already; one file of the directory holds it",
               c->global_file);
    else if (g == NULL && part == PART_WHOLE)
        yr_err(&c->y, root, "", "missing required field \"global\"");
    else if (g != NULL)
        parse_global(c, g, cfg);
    s = yr_get(&c->y, root, "slos");
    if (s == NULL && part != PART_GLOBAL)
        cf_missing(c, root, "", "slos");
    else if (s != NULL)
        configslo_parse_slos(c, s, cfg);
}

/* A config with every default set; NULL when out of memory. */
static struct config *config_new(const char *name)
{
    struct config *cfg = calloc(1, sizeof(*cfg));

    if (cfg == NULL)
        return NULL;
    cfg->path = util_strdup(name);
    cfg->interval_ms = 30 * SEC_MS;
    cfg->checkpoint_ms = 5 * 60 * SEC_MS;
    cfg->prometheus.mode = CONFIG_MODE_PROMQL;
    cfg->prometheus.timeout_ms = 10 * SEC_MS;
    cfg->prometheus.max_attempts = CONFIG_DEFAULT_ATTEMPTS;
    cfg->prometheus.read_max_samples = CONFIG_DEFAULT_READ_MAX_SAMPLES;
    cfg->prometheus.concurrency = CONFIG_DEFAULT_CONCURRENCY;
    cfg->prometheus.read_path = util_strdup("/api/v1/read");
    cfg->status_warning = 0.5;
    cfg->status_critical = 0.8;
    cfg->shard.index = 0;
    cfg->shard.count = 1;
    if (cfg->path == NULL || cfg->prometheus.read_path == NULL)
        goto fail;
    return cfg;
fail:
    config_free(cfg);
    return NULL;
}

void config_errors_add(struct config_errors *errs, char *msg)
{
    char **v;

    if (errs == NULL || msg == NULL) {
        free(msg);
        return;
    }
    v = realloc(errs->msg, (errs->n + 1) * sizeof(char *));
    if (v == NULL) {
        free(msg);
        return;
    }
    errs->msg = v;
    errs->msg[errs->n++] = msg;
}

void config_errors_take(struct config_errors *errs, struct yr *y)
{
    yr_move(y, errs ? &errs->msg : NULL, errs ? &errs->n : NULL, "errors");
}

int config_parse(const char *name, const char *data, size_t len, struct config **out,
                 struct config_errors *errs)
{
    struct cf_ctx c;
    yaml_document_t *docs = NULL;
    size_t ndocs = 0;
    struct config *cfg = NULL;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    yr_init(&c.y, name, &config_yaml_limits);
    if (yr_load(&c.y, data, len, &docs, &ndocs) != 0)
        goto done;
    if (ndocs == 0) {
        yr_err(&c.y, NULL, NULL, "empty document: expected a mapping with global and slos");
        goto done;
    }
    cfg = config_new(name);
    if (cfg == NULL) {
        c.y.oom = 1;
        goto done;
    }
    c.cfg = cfg;
    c.y.doc = &docs[0];
    parse_root(&c, yaml_document_get_root_node(&docs[0]), cfg, PART_WHOLE);
done:
    if (c.y.oom)
        yr_add(&c.y, 0, 0, 0, "out of memory while loading the config");
    yr_docs_free(docs, ndocs);
    if (c.y.nmsgs > 0 || c.y.oom || cfg == NULL) {
        config_errors_take(errs, &c.y);
        config_free(cfg);
        return -1;
    }
    yr_free(&c.y);
    cfg->nslos_all = cfg->nslos;
    *out = cfg;
    return 0;
}

/* Reads and loads one file of several: its documents into p (errors in p->c.y). */
struct part_file {
    struct cf_ctx c;
    yaml_document_t *docs;
    size_t ndocs;
};

static int load_one(const char *path, struct config **out, struct config_errors *errs)
{
    struct buf b;
    char *msg;
    int rc;

    if (yr_read_file(path, CONFIG_MAX_BYTES, &b, &msg) != 0) {
        config_errors_add(errs, msg ? msg : util_asprintf("%s: out of memory", path));
        return -1;
    }
    rc = config_parse(path, b.data, b.len, out, errs);
    buf_free(&b);
    return rc;
}

/*
 * Loads the files f of a directory (or pattern) called label as one config:
 * the first file holding global first, as SLO checks depend on it, then
 * the others in name order, each adding its SLOs. Messages name each file.
 */
static int load_many(const char *label, const struct configfiles *f, struct config **out,
                     struct config_errors *errs)
{
    struct part_file *p = calloc(f->n ? f->n : 1, sizeof(*p));
    struct config *cfg = config_new(label);
    size_t gi = f->n, nerr = errs ? errs->n : 0;
    int bad = 0, unread = 0; /* unread: a file whose content is unknown */

    if (p == NULL || cfg == NULL) {
        config_errors_add(errs,
                          util_asprintf("%s: out of memory while loading the config", label));
        bad = 1;
        goto done;
    }
    if (f->n == 0) {
        config_errors_add(errs,
                          util_asprintf("%s: no *.yaml, *.yml or *.json file to load", label));
        bad = 1;
        goto done;
    }
    for (size_t i = 0; i < f->n; i++) {
        struct buf b;
        char *msg;

        yr_init(&p[i].c.y, f->files[i], &config_yaml_limits);
        p[i].c.cfg = cfg;
        if (yr_read_file(f->files[i], CONFIG_MAX_BYTES, &b, &msg) != 0) {
            config_errors_add(errs, msg ? msg : util_asprintf("%s: out of memory", f->files[i]));
            bad = 1;
            unread = 1;
            continue;
        }
        yr_load(&p[i].c.y, b.data, b.len, &p[i].docs, &p[i].ndocs);
        buf_free(&b);
        if (p[i].ndocs == 0 && p[i].c.y.nmsgs == 0)
            yr_err(&p[i].c.y, NULL, NULL, "empty document: expected slos (or global)");
        else if (p[i].ndocs == 0)
            unread = 1;
        if (p[i].ndocs > 0) {
            p[i].c.y.doc = &p[i].docs[0];
            if (gi == f->n &&
                yr_get(&p[i].c.y, yaml_document_get_root_node(p[i].c.y.doc), "global") != NULL)
                gi = i;
        }
    }
    if (gi == f->n) {
        /* A file that could not be read may be the one: its errors say enough. */
        if (!unread)
            config_errors_add(errs, util_asprintf("%s: no file holds global (one of the %zu "
                                                  "files must)",
                                                  label, f->n));
        bad = 1;
    } else {
        parse_root(&p[gi].c, yaml_document_get_root_node(p[gi].c.y.doc), cfg, PART_GLOBAL);
        for (size_t i = 0; i < f->n; i++) {
            if (i == gi || p[i].ndocs == 0)
                continue;
            p[i].c.global_file = f->files[gi];
            parse_root(&p[i].c, yaml_document_get_root_node(p[i].c.y.doc), cfg, PART_SLOS);
        }
    }
    for (size_t i = 0; i < f->n; i++) {
        if (p[i].c.y.oom)
            yr_add(&p[i].c.y, 0, 0, 0, "out of memory while loading the config");
        bad |= p[i].c.y.nmsgs > 0 || p[i].c.y.oom;
        config_errors_take(errs, &p[i].c.y);
        yr_docs_free(p[i].docs, p[i].ndocs);
    }
    if (!bad && cfg->nslos == 0) {
        config_errors_add(errs, util_asprintf("%s: no SLO in any file", label));
        bad = 1;
    }
done:
    free(p);
    /* errs may be NULL: bad says whether anything was found. */
    if (bad || (errs != NULL && errs->n > nerr)) {
        config_free(cfg);
        return -1;
    }
    cfg->nslos_all = cfg->nslos;
    *out = cfg;
    return 0;
}

int config_load(const char *path, struct config **out, struct config_errors *errs)
{
    struct configfiles f;
    struct err e = {{0}};
    int rc;

    *out = NULL;
    if (configfiles_list(path, &f, &e) != 0) {
        config_errors_add(errs, util_strdup(e.msg));
        return -1;
    }
    rc = f.many ? load_many(path, &f, out, errs) : load_one(f.files[0], out, errs);
    configfiles_free(&f);
    return rc;
}

void config_errors_init(struct config_errors *errs)
{
    errs->n = 0;
    errs->msg = NULL;
}

void config_errors_free(struct config_errors *errs)
{
    if (errs == NULL)
        return;
    for (size_t i = 0; i < errs->n; i++)
        free(errs->msg[i]);
    free(errs->msg);
    errs->n = 0;
    errs->msg = NULL;
}

static void slo_free(struct config_slo *s)
{
    free(s->file);
    free(s->name);
    free(s->service);
    free(s->description);
    free(s->period_name);
    free(s->timezone);
    tzinfo_free(s->tz);
    labels_free(&s->labels);
    for (size_t i = 0; i < s->ngroup_by; i++)
        free(s->group_by[i]);
    free(s->group_by);
    free(s->events.error);
    free(s->events.good);
    free(s->events.total);
    selector_free(s->events.error_sel);
    selector_free(s->events.good_sel);
    selector_free(s->events.total_sel);
    free(s->latency.histogram);
    selector_free(s->latency.histogram_sel);
    free(s->timeslice.gauge);
    selector_free(s->timeslice.gauge_sel);
    free(s->promql.error_query);
    free(s->promql.good_query);
    free(s->promql.total_query);
    labels_free(&s->page.labels);
    labels_free(&s->page.annotations);
    labels_free(&s->ticket.labels);
    labels_free(&s->ticket.annotations);
    free(s->runbook_url);
    free(s->windows);
}

void config_free(struct config *cfg)
{
    struct config_prometheus *p;

    if (cfg == NULL)
        return;
    p = &cfg->prometheus;
    free(p->url);
    free(p->read_path);
    labels_free(&p->headers);
    free(p->bearer_token_file);
    free(p->basic_username);
    free(p->basic_password_file);
    free(p->ca_file);
    free(p->cert_file);
    free(p->key_file);
    for (size_t i = 0; i < cfg->nslos; i++)
        slo_free(&cfg->slos[i]);
    free(cfg->slos);
    labels_free(&cfg->labels);
    labels_free(&cfg->alert_page.labels);
    labels_free(&cfg->alert_page.annotations);
    labels_free(&cfg->alert_ticket.labels);
    labels_free(&cfg->alert_ticket.annotations);
    free(cfg->state_file);
    free(cfg->dashboard_url);
    for (size_t i = 0; i < cfg->nwebhooks; i++) {
        free(cfg->webhooks[i].url);
        labels_free(&cfg->webhooks[i].headers);
    }
    free(cfg->webhooks);
    free(cfg->path);
    free(cfg);
}

int config_shard(struct config *cfg, const struct shard *over, const char *hostname, struct err *e)
{
    struct shard s = over != NULL ? *over : cfg->shard;
    size_t keep = 0;

    if (shard_resolve(&s, hostname, e) != 0)
        return -1;
    for (size_t i = 0; i < cfg->nslos; i++) {
        if (!shard_owns(&s, cfg->slos[i].name)) {
            slo_free(&cfg->slos[i]);
            continue;
        }
        if (keep != i)
            cfg->slos[keep] = cfg->slos[i];
        keep++;
    }
    /* The array keeps its size; config_free frees only the first nslos. */
    cfg->nslos = keep;
    cfg->shard = s;
    return 0;
}

int config_needs_store(const struct config *cfg, const char *what, struct err *e)
{
    if (cfg->prometheus.url != NULL)
        return 0;
    return util_err(e,
                    "%s: global.prometheus is not set, and %s reads from the store (check and "
                    "rules do without it)",
                    cfg->path, what);
}

const char *config_severity_str(enum config_severity s)
{
    return s == CONFIG_SEVERITY_PAGE ? "page" : "ticket";
}

const char *config_severity_label(enum config_severity s)
{
    return s == CONFIG_SEVERITY_PAGE ? "critical" : "warning";
}

int config_alert_enabled(const struct config_slo *slo, enum config_severity s)
{
    const struct config_alert_route *r = s == CONFIG_SEVERITY_PAGE ? &slo->page : &slo->ticket;

    return r->sw != CONFIG_ALERT_OFF;
}

const char *config_sli_kind_str(enum config_sli_kind k)
{
    switch (k) {
    case CONFIG_SLI_LATENCY:
        return "latency";
    case CONFIG_SLI_TIMESLICE:
        return "timeslice";
    case CONFIG_SLI_PROMQL:
        return "promql";
    case CONFIG_SLI_EVENTS:
    default:
        return "events";
    }
}

const char *config_cmp_str(enum config_cmp c)
{
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};

    return (unsigned)c < NELEMS(ops) ? ops[c] : "?";
}
