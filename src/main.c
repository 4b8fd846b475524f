/*
 * main: flags, subcommands and wiring only. Flags follow Prometheus
 * (--config.file=F or --config.file F); subcommands are run (default),
 * check, eval, rules, import, status, explain and report.
 * Depends on util, log, config, webconfig, shard, daemon, engine, backend,
 * history, histfile, httptls, slojson, table, cliview, clifetch, report,
 * reportfetch, rules, importer, qcheck, promql, libcurl (curl_global_init).
 */
#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "clifetch.h"
#include "cliview.h"
#include "config.h"
#include "daemon.h"
#include "engine.h"
#include "histfile.h"
#include "history.h"
#include "httptls.h"
#include "importer.h"
#include "log.h"
#include "promql.h"
#include "qcheck.h"
#include "report.h"
#include "reportfetch.h"
#include "rules.h"
#include "shard.h"
#include "slojson.h"
#include "table.h"
#include "util.h"
#include "webconfig.h"

#define MAX_RULES_LABELS 32

struct opts {
    const char *cmd;
    const char *config_file;
    const char *listen;
    const char *web_config_file;
    const char *log_level;
    const char *log_format;
    const char *at;
    const char *until;
    const char *step;        /* eval --until: the grid step */
    const char *history_out; /* eval --until: write the history file here */
    const char *format;
    const char *from;        /* import */
    const char *output;      /* import */
    const char *import_file; /* import: the positional FILE */
    const char *url;         /* status, explain: the sidecar's base URL */
    const char *color;       /* status, explain: auto, always or never */
    const char *timeout;     /* status, explain */
    const char *slo_name;    /* explain: the positional NAME */
    const char *period;      /* report */
    const char *report_step; /* report, promql mode */
    const char *shard_text;  /* run, eval: --shard, I/N or auto/N */
    struct shard shard;      /* --shard parsed (when shard_text is set) */
    const char *query_check; /* check: syntax (default) or backend */
    const char *rules_name;
    const char *rules_namespace;
    /* --rules.label may be repeated */
    size_t nrules_labels;
    const char *rules_labels[MAX_RULES_LABELS];
};

/* The flags: name, where the value goes (repeatable ones are collected
 * apart), and their --help lines (continuation lines start with a space). */
static const struct flag {
    const char *name;
    size_t off;
    const char *arg;
    const char *help;
} flags[] = {
    {"config.file", offsetof(struct opts, config_file), "PATH",
     "configuration file (required), or a directory or glob\n"
     "whose files are merged; run reloads it when it changes"},
    {"web.listen-address", offsetof(struct opts, listen), "ADDR",
     "address for /metrics and the API (default :9099)"},
    {"web.config.file", offsetof(struct opts, web_config_file), "PATH",
     "run, check: TLS and basic auth for the sidecar's own\n"
     "endpoints, in the Prometheus exporter-toolkit format\n"
     "(tls_server_config, basic_auth_users); re-read on\nreload"},
    {"log.level", offsetof(struct opts, log_level), "LEVEL",
     "debug, info, warn or error (default info)"},
    {"log.format", offsetof(struct opts, log_format), "FORMAT", "logfmt or json (default logfmt)"},
    {"shard", offsetof(struct opts, shard_text), "I/N",
     "run, eval: evaluate only the SLOs of shard I of N\n"
     "(FNV-1a 64 of the SLO name mod N); auto/N takes I\n"
     "from HOSTNAME's trailing -ORDINAL (a StatefulSet\npod); overrides global.shard"},
    {"at", offsetof(struct opts, at), "TIME", "eval: unix seconds or RFC 3339 (default now)"},
    {"until", offsetof(struct opts, until), "TIME",
     "eval: also evaluate at every multiple of the interval\n"
     "after --at up to TIME, as the daemon would (remote_read:\n"
     "incrementally); prints one JSON document per line"},
    {"step", offsetof(struct opts, step), "DURATION",
     "eval --until: evaluate every DURATION instead of every\ninterval (a multiple of it)"},
    {"history.out", offsetof(struct opts, history_out), "PATH",
     "eval --until: also record the figures as the daemon's\n"
     "history and write it to PATH; to seed a daemon's\nhistory, PATH is <state_file>.history"},
    {"query.check", offsetof(struct opts, query_check), "HOW",
     "check: syntax (default) parses every query the\n"
     "sidecar would send; backend also sends each once to\n"
     "global.prometheus, at time 1970-01-01T00:00:01Z\n"
     "where no data is read, and reports what it refuses"},
    {"period", offsetof(struct opts, period), "PERIOD",
     "report: 2026-10 (month), 2026-Q3 (quarter) or\n"
     "2026-W44 (ISO week), in each SLO's timezone; it\nmust have ended"},
    {"report.step", offsetof(struct opts, report_step), "DURATION",
     "report, promql mode: the step whose SLI decides a\n"
     "bad minute (whole minutes dividing 1d; default 1m)"},
    {"format", offsetof(struct opts, format), "FORMAT",
     "eval: json or table (default json); report: table\n"
     "(default), markdown or json; rules: prometheus\n"
     "(a rule file, default) or prometheusrule (a\nprometheus-operator PrometheusRule object)"},
    {"rules.name", offsetof(struct opts, rules_name), "NAME",
     "rules --format=prometheusrule: metadata.name\n(default slo-sidecar)"},
    {"rules.namespace", offsetof(struct opts, rules_namespace), "NS",
     "rules --format=prometheusrule: metadata.namespace\n"
     "(default: none, kubectl's namespace applies)"},
    {"rules.label", 0, "NAME=VALUE",
     "rules --format=prometheusrule: a metadata label, e.g.\n"
     "the one the Prometheus' ruleSelector wants; repeatable"},
    {"from", offsetof(struct opts, from), "FORMAT",
     "import: sloth, openslo or pyrra (FILE \"-\" is stdin)"},
    {"output", offsetof(struct opts, output), "PATH",
     "import: write the config to PATH, not stdout"},
    {"url", offsetof(struct opts, url), "URL",
     "status, explain: the sidecar's base URL (default\nhttp://127.0.0.1:9099)"},
    {"color", offsetof(struct opts, color), "WHEN",
     "status, explain: auto (on a terminal, unless\n"
     "NO_COLOR is set), always or never (default auto)"},
    {"timeout", offsetof(struct opts, timeout), "DURATION",
     "status, explain: request timeout (default 5s)"},
};

static int cmd_run(const struct opts *o);
static int cmd_check(const struct opts *o);
static int cmd_eval(const struct opts *o);
static int cmd_rules(const struct opts *o);
static int cmd_import(const struct opts *o);
static int cmd_status(const struct opts *o);
static int cmd_explain(const struct opts *o);
static int cmd_report(const struct opts *o);

/* What a command needs before it runs. */
enum {
    CMD_CONFIG = 1, /* --config.file (check: or --web.config.file) */
    CMD_SHARD = 2,  /* takes --shard */
    CMD_CURL = 4,   /* talks HTTP: libcurl set up around it */
};

/* The commands: name, handler, needs, positional argument, --help lines. */
static const struct command {
    const char *name;
    int (*run)(const struct opts *o);
    unsigned needs;
    size_t arg_off; /* where its one positional argument goes; 0: none */
    const char *help;
} commands[] = {
    {"run", cmd_run, CMD_CONFIG | CMD_SHARD | CMD_CURL, 0, "run the daemon (default)"},
    {"check", cmd_check, CMD_CONFIG | CMD_CURL, 0,
     "validate the config (and the web config) and the PromQL of every\n"
     "query it would send; print each error as FILE:LINE:COL: message.\n"
     "Exit 0 valid, 1 invalid, 2 when --query.check=backend cannot\n"
     "reach the store"},
    {"eval", cmd_eval, CMD_CONFIG | CMD_SHARD | CMD_CURL, 0,
     "evaluate every SLO once and print the figures"},
    {"rules", cmd_rules, CMD_CONFIG | CMD_CURL, 0,
     "print Prometheus alerting rules for the SLOs (page and ticket burn\n"
     "rates, budget exhausted, figures stale), one group per SLO"},
    {"import", cmd_import, 0, offsetof(struct opts, import_file),
     "import --from=sloth|openslo|pyrra FILE: convert Sloth (prometheus/v1,\n"
     "PrometheusServiceLevel), OpenSLO (v1, v1alpha) or Pyrra SLOs into\n"
     "this config (stdout); what cannot be converted goes to stderr as\n"
     "FILE:LINE:COL: lines. Exit 0 when all was converted, 3 when some\n"
     "parts were not, 1 when nothing was"},
    {"status", cmd_status, CMD_CURL, 0,
     "print a table of every SLO from a running sidecar (--url); exit 2\n"
     "when it cannot be reached or answers an error"},
    {"explain", cmd_explain, CMD_CURL, offsetof(struct opts, slo_name),
     "explain NAME [--config.file=F]: one SLO of a running sidecar in\n"
     "words: what it measures, the queries it runs (with the config),\n"
     "its budget in time, burn rates, when it runs out, its alerts and\n"
     "why; exit 1 for an unknown NAME, 2 as status"},
    {"report", cmd_report, CMD_CONFIG | CMD_CURL, 0,
     "report --period=P: compliance of every SLO over a past calendar\n"
     "period (SLI, met or missed, budget consumed, worst day, bad\n"
     "minutes) from the backend; exit 1 for bad flags or config, 2 for a\n"
     "backend error"},
};

#define NELEMS_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Prints text with every line after the first indented to column col. */
static void print_indented(FILE *f, const char *text, int col)
{
    for (const char *p = text; *p != '\0'; p++) {
        fputc(*p, f);
        if (*p == '\n')
            fprintf(f, "%*s", col, "");
    }
    fputc('\n', f);
}

/* --help, from the two tables. */
static void usage(FILE *f)
{
    fputs("usage: slo-sidecar [COMMAND] [FLAGS]\n"
          "\n"
          "Turns Prometheus data into SLO figures: compliance, error budgets and burn\n"
          "rates, exported as slo_* metrics.\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < NELEMS_OF(commands); i++) {
        fprintf(f, "  %-8s ", commands[i].name);
        print_indented(f, commands[i].help, 11);
    }
    fputs("\nFlags:\n", f);
    for (size_t i = 0; i < NELEMS_OF(flags); i++) {
        char head[64];

        snprintf(head, sizeof(head), "--%s=%s", flags[i].name, flags[i].arg);
        fprintf(f, "  %-28s ", head);
        print_indented(f, flags[i].help, 31);
    }
    fprintf(f, "  %-28s %s\n  %-28s %s\n", "--version", "print the version and exit", "-h, --help",
            "print this help and exit");
}

/*
 * Writes text for roff: line breaks of the --help layout become spaces, and
 * what roff would read as requests or escapes is escaped.
 */
static void put_roff(FILE *f, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\n')
            fputc(' ', f);
        else if (*p == '\\')
            fputs("\\e", f);
        else if (*p == '-')
            fputs("\\-", f);
        else if ((*p == '.' || *p == '\'') && (p == text))
            fprintf(f, "\\&%c", *p);
        else
            fputc(*p, f);
    }
    fputc('\n', f);
}

/* The man page, slo-sidecar(1), from the same two tables as --help. */
static void man_page(FILE *f)
{
    fprintf(f,
            ".TH SLO\\-SIDECAR 1 \"\" \"slo\\-sidecar %s\" \"User Commands\"\n"
            ".SH NAME\n"
            "slo\\-sidecar \\- turn Prometheus data into SLO figures\n"
            ".SH SYNOPSIS\n"
            ".B slo\\-sidecar\n"
            "[\\fICOMMAND\\fR] [\\fIFLAGS\\fR]\n"
            ".SH DESCRIPTION\n"
            "Turns Prometheus data into SLO figures: compliance, error budgets and burn\n"
            "rates, exported as slo_* metrics on its own /metrics endpoint, for dashboards\n"
            "and alerting. Without a command it runs the daemon.\n"
            ".SH COMMANDS\n",
            SLO_VERSION);
    for (size_t i = 0; i < NELEMS_OF(commands); i++) {
        fputs(".TP\n.B ", f);
        put_roff(f, commands[i].name);
        put_roff(f, commands[i].help);
    }
    fputs(".SH FLAGS\n", f);
    for (size_t i = 0; i < NELEMS_OF(flags); i++) {
        fputs(".TP\n\\fB\\-\\-", f);
        for (const char *n = flags[i].name; *n != '\0'; n++) {
            if (*n == '-')
                fputs("\\-", f);
            else
                fputc(*n, f);
        }
        fprintf(f, "\\fR=\\fI%s\\fR\n", flags[i].arg);
        put_roff(f, flags[i].help);
    }
    fputs(".TP\n.B \\-\\-version\nprint the version and exit\n"
          ".TP\n.BR \\-h \", \" \\-\\-help\nprint the help and exit\n"
          ".SH EXIT STATUS\n"
          "0 on success; 1 for a bad command line, config or input; other codes as each\n"
          "command says above.\n"
          ".SH SEE ALSO\n"
          "The README and docs/ of the source tree: docs/cli.md (the commands),\n"
          "docs/configuration.md (the config file), docs/metrics\\-and\\-api.md (metrics and\n"
          "HTTP endpoints), docs/operations.md (running it).\n",
          f);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; name != NULL && i < NELEMS_OF(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Returns 0, 1 to exit successfully (help, version), -1 on a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq;
        size_t nlen;
        size_t f;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        /* Not in --help: the build writes the man page with it (make man). */
        if (strcmp(a, "--help-man") == 0) {
            man_page(stdout);
            return 1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("slo-sidecar, version %s (revision: %s)\n", SLO_VERSION, SLO_REVISION);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            const struct command *c = find_command(o->cmd);

            if (c != NULL && c->arg_off != 0 && *(const char **)((char *)o + c->arg_off) == NULL) {
                *(const char **)((char *)o + c->arg_off) = a;
                continue;
            }
            if (o->cmd != NULL) {
                fprintf(stderr, "slo-sidecar: unexpected argument \"%s\"\n", a);
                return -1;
            }
            o->cmd = a;
            continue;
        }
        a += 2;
        eq = strchr(a, '=');
        nlen = eq ? (size_t)(eq - a) : strlen(a);
        for (f = 0; f < NELEMS_OF(flags); f++)
            if (strlen(flags[f].name) == nlen && strncmp(flags[f].name, a, nlen) == 0)
                break;
        if (f == NELEMS_OF(flags)) {
            fprintf(stderr, "slo-sidecar: unknown flag --%.*s (see --help)\n", (int)nlen, a);
            return -1;
        }
        if (eq == NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "slo-sidecar: flag --%s needs a value\n", a);
                return -1;
            }
            eq = argv[++i] - 1;
        }
        if (strcmp(flags[f].name, "rules.label") == 0) {
            if (o->nrules_labels == MAX_RULES_LABELS) {
                fprintf(stderr, "slo-sidecar: at most %d --rules.label flags\n", MAX_RULES_LABELS);
                return -1;
            }
            o->rules_labels[o->nrules_labels++] = eq + 1;
            continue;
        }
        *(const char **)((char *)o + flags[f].off) = eq + 1;
    }
    return 0;
}

static void print_errors(const struct config_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        fprintf(stderr, "%s\n", errs->msg[i]);
}

/*
 * check --web.config.file: the file itself, then its certificate, key and
 * client CA, read and checked as the daemon would. Returns 0 or 1.
 */
static int check_web(const char *path)
{
    struct webconfig *web = NULL;
    struct httptls *tls = NULL;
    struct config_errors errs;
    struct err e = {{0}};
    int rc = 1;

    config_errors_init(&errs);
    if (webconfig_load(path, &web, &errs) != 0) {
        print_errors(&errs);
        fprintf(stderr, "%s: %zu error%s\n", path, errs.n, errs.n == 1 ? "" : "s");
        goto out;
    }
    if (web->has_tls && (tls = httptls_new(web, &e)) == NULL) {
        fprintf(stderr, "%s\n%s: 1 error\n", e.msg, path);
        goto out;
    }
    printf("%s: valid web config, TLS %s%s, %zu basic auth user%s\n", path,
           web->has_tls ? "on, client_auth_type " : "off",
           web->has_tls ? webconfig_client_auth_str(web->tls.client_auth) : "", web->nusers,
           web->nusers == 1 ? "" : "s");
    rc = 0;
out:
    httptls_free(tls);
    webconfig_free(web);
    config_errors_free(&errs);
    return rc;
}

/* check and rules do without the store; the commands that read from it say so. */
static void warn_no_store(const struct config *cfg)
{
    if (cfg->prometheus.url == NULL)
        fprintf(stderr,
                "%s: warning: global.prometheus is not set; check and rules do without it, "
                "run, eval and report need it\n",
                cfg->path);
}

/*
 * check's look at the queries (qcheck): their syntax, and with backend set
 * the store's verdict. Prints the messages; returns 0, 1 for errors, 2 when
 * the store could not be asked (and nothing else was wrong).
 */
static int check_queries(const struct config *cfg, const char *path, int backend)
{
    struct promql_client *pc = NULL;
    struct qcheck_report r;
    struct err e = {{0}};
    int rc = 1;

    qcheck_report_init(&r);
    if (backend && (config_needs_store(cfg, "check --query.check=backend", &e) != 0 ||
                    (pc = promql_client_new(&cfg->prometheus, &e)) == NULL)) {
        fprintf(stderr, "slo-sidecar: %s\n", e.msg);
        goto out;
    }
    if (qcheck_run(cfg, pc, &r, &e) != 0) {
        fprintf(stderr, "slo-sidecar: %s\n", e.msg);
        goto out;
    }
    for (size_t i = 0; i < r.nmsgs; i++)
        fprintf(stderr, "%s\n", r.msgs[i]);
    if (r.errors > 0) {
        fprintf(stderr, "%s: %zu error%s in queries\n", path, r.errors, r.errors == 1 ? "" : "s");
        goto out;
    }
    rc = r.unreachable ? 2 : 0;
    if (backend && !r.unreachable)
        printf("%s: the store at %s accepted %zu quer%s\n", path, cfg->prometheus.url, r.sent,
               r.sent == 1 ? "y" : "ies");
out:
    qcheck_report_free(&r);
    promql_client_free(pc);
    return rc;
}

static int cmd_check(const struct opts *o)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    int rc = 0, backend = 0;

    if (o->query_check != NULL && strcmp(o->query_check, "syntax") != 0) {
        if (strcmp(o->query_check, "backend") != 0) {
            fprintf(stderr, "slo-sidecar: --query.check must be syntax or backend\n");
            return 1;
        }
        backend = 1;
    }
    config_errors_init(&errs);
    if (o->config_file == NULL) {
        /* check --web.config.file=F alone */
    } else if (config_load(o->config_file, &cfg, &errs) != 0) {
        print_errors(&errs);
        fprintf(stderr, "%s: %zu error%s\n", o->config_file, errs.n, errs.n == 1 ? "" : "s");
        rc = 1;
    } else if ((rc = check_queries(cfg, o->config_file, backend)) == 0) {
        printf("%s: valid, %zu SLO%s\n", o->config_file, cfg->nslos, cfg->nslos == 1 ? "" : "s");
        if (!backend)
            warn_no_store(cfg);
    }
    if (o->web_config_file != NULL && check_web(o->web_config_file) != 0)
        rc = 1;
    config_free(cfg);
    config_errors_free(&errs);
    return rc;
}

/* Prints one evaluation; 0, or -1 when out of memory. */
static int print_run(const struct engine_run *run, int table, int pretty, struct buf *out)
{
    json_t *j;
    char *s;

    if (table) {
        buf_reset(out);
        if (table_render(run->snap, out) != 0)
            return -1;
        fputs(out->data, stdout);
        return 0;
    }
    j = slojson_eval(run->snap);
    s = j ? slojson_dump(j, pretty) : NULL;
    json_decref(j);
    if (s == NULL)
        return -1;
    printf("%s\n", s);
    free(s);
    return 0;
}

/*
 * Evaluates at at_ms; prints the figures only when every SLO succeeded.
 * Returns 0, 2 on a backend error, -1 when out of memory.
 */
static int eval_once(const struct config *cfg, struct backend *be, int64_t at_ms, int table,
                     int pretty, struct history *hist, struct buf *out)
{
    struct engine_run run;
    int rc = 0;

    if (engine_eval(cfg, be, at_ms, &run) != 0)
        return -1;
    if (hist != NULL && history_record(hist, cfg, run.snap, NULL, NULL) != 0)
        rc = -1;
    for (size_t i = 0; i < run.nover; i++)
        fprintf(stderr,
                "slo-sidecar: SLO %s: %zu groups, more than max_groups (%zu); only the first "
                "%zu in label order are evaluated\n",
                run.over[i].slo, run.over[i].groups, run.over[i].kept, run.over[i].kept);
    if (run.nfail > 0) {
        /* All or nothing: figures from a partly failed evaluation are not printed. */
        for (size_t i = 0; i < run.nfail; i++)
            fprintf(stderr, "slo-sidecar: SLO %s: %s\n", run.fail[i].slo, run.fail[i].msg);
        rc = 2;
    } else if (print_run(&run, table, pretty, out) != 0) {
        rc = -1;
    }
    engine_run_free(&run);
    return rc;
}

static int cmd_eval(const struct opts *o)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct backend *be = NULL;
    struct history *hist = NULL;
    struct err e = {{0}};
    int64_t at, until = 0, step = 0;
    int rc = 1;
    int table;
    struct buf out;

    buf_init(&out, 1024u * 1024u * 1024u);
    config_errors_init(&errs);
    if (o->format != NULL && strcmp(o->format, "json") != 0 && strcmp(o->format, "table") != 0) {
        fprintf(stderr, "slo-sidecar: --format must be json or table\n");
        goto out;
    }
    table = o->format != NULL && strcmp(o->format, "table") == 0;
    if (o->at != NULL) {
        if (util_time_parse(o->at, &at, &e) != 0) {
            fprintf(stderr, "slo-sidecar: --at: %s\n", e.msg);
            goto out;
        }
    } else {
        at = util_now_ms() / 1000 * 1000;
    }
    if (o->until != NULL) {
        if (util_time_parse(o->until, &until, &e) != 0) {
            fprintf(stderr, "slo-sidecar: --until: %s\n", e.msg);
            goto out;
        }
        if (until < at || table) {
            fprintf(stderr, "slo-sidecar: --until must not be before --at, and needs "
                            "--format=json\n");
            goto out;
        }
    } else if (o->step != NULL || o->history_out != NULL) {
        fprintf(stderr, "slo-sidecar: --step and --history.out need --until\n");
        goto out;
    }
    if (o->step != NULL && util_duration_parse(o->step, &step, 0, &e) != 0) {
        fprintf(stderr, "slo-sidecar: --step: %s\n", e.msg);
        goto out;
    }
    if (config_load(o->config_file, &cfg, &errs) != 0) {
        print_errors(&errs);
        goto out;
    }
    if (config_needs_store(cfg, "eval", &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        goto out;
    }
    if (config_shard(cfg, o->shard_text != NULL ? &o->shard : NULL, getenv("HOSTNAME"), &e) != 0) {
        fprintf(stderr, "slo-sidecar: %s\n", e.msg);
        goto out;
    }
    if (step != 0 && step % cfg->interval_ms != 0) {
        fprintf(stderr, "slo-sidecar: --step must be a multiple of global.interval\n");
        goto out;
    }
    if (o->history_out != NULL && (hist = history_new()) == NULL) {
        fprintf(stderr, "slo-sidecar: out of memory\n");
        goto out;
    }
    be = backend_new(cfg, (size_t)cfg->prometheus.concurrency, &e);
    if (be == NULL || (o->until != NULL && backend_keep_state(be, &e) != 0)) {
        fprintf(stderr, "slo-sidecar: %s\n", e.msg);
        goto out;
    }
    if (o->until == NULL) {
        rc = eval_once(cfg, be, at, table, 1, NULL, &out);
    } else {
        /* The daemon's grid: multiples of the interval (or of the step). */
        int64_t g = step != 0 ? step : cfg->interval_ms;

        rc = 0;
        for (int64_t t = -util_floor_div(-at, g) * g; t <= until && rc >= 0; t += g) {
            int r = eval_once(cfg, be, t, 0, 0, hist, &out);

            if (r != 0)
                rc = r;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "slo-sidecar: out of memory\n");
        rc = 2;
    }
    if (rc == 0 && hist != NULL && histfile_save(hist, o->history_out, &e) != 0) {
        fprintf(stderr, "slo-sidecar: --history.out: %s\n", e.msg);
        rc = 2;
    }
out:
    history_free(hist);
    buf_free(&out);
    backend_free(be);
    config_free(cfg);
    config_errors_free(&errs);
    return rc;
}

/*
 * report --period=P: the figures of a past period for every SLO. 0, 1 for
 * bad flags, a period not over yet or a bad config, 2 for a backend error.
 */
static int cmd_report(const struct opts *o)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct report rep;
    enum report_format fmt;
    int64_t step = 60 * 1000, now = util_now_ms();
    struct err e = {{0}};
    struct buf out;
    int rc = 1;

    memset(&rep, 0, sizeof(rep));
    config_errors_init(&errs);
    buf_init(&out, 1024u * 1024u * 1024u);
    if (report_format_parse(o->format, &fmt) != 0) {
        fprintf(stderr, "slo-sidecar: report: --format must be table, markdown or json\n");
        goto out;
    }
    if (o->period == NULL) {
        fprintf(stderr, "slo-sidecar: report needs --period (2026-10, 2026-Q3 or 2026-W44)\n");
        goto out;
    }
    if (report_period_parse(o->period, &rep.period, &e) != 0) {
        fprintf(stderr, "slo-sidecar: --period: %s\n", e.msg);
        goto out;
    }
    if (o->report_step != NULL && (util_duration_parse(o->report_step, &step, 0, &e) != 0 ||
                                   step % 60000 != 0 || 86400000 % step != 0)) {
        fprintf(stderr, "slo-sidecar: --report.step: %s\n",
                e.msg[0] ? e.msg : "must be whole minutes that divide 1d (1m, 5m, 1h)");
        goto out;
    }
    if (config_load(o->config_file, &cfg, &errs) != 0) {
        print_errors(&errs);
        goto out;
    }
    if (config_needs_store(cfg, "report", &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        goto out;
    }
    for (size_t i = 0; i < cfg->nslos; i++) {
        int64_t start, end;
        char t[40];

        report_period_bounds(&rep.period, cfg->slos[i].tz, &start, &end);
        if (end > now) {
            util_time_format(end, t, sizeof(t));
            fprintf(stderr,
                    "slo-sidecar: --period: %s has not ended yet (SLO %s: it ends at "
                    "%s); reports cover whole past periods only\n",
                    rep.period.text, cfg->slos[i].name, t);
            goto out;
        }
    }
    if (reportfetch_run(cfg, step, &rep, &e) != 0) {
        fprintf(stderr, "slo-sidecar: %s\n", e.msg);
        rc = 2;
        goto out;
    }
    if (report_render(&rep, fmt, &out) != 0) {
        fprintf(stderr, "slo-sidecar: out of memory\n");
        rc = 2;
        goto out;
    }
    fputs(out.data, stdout);
    rc = 0;
out:
    report_free(&rep);
    buf_free(&out);
    config_free(cfg);
    config_errors_free(&errs);
    return rc;
}

static int cmd_rules(const struct opts *o)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct rules_opts ro;
    struct err e = {{0}};
    struct buf out;
    int rc = 1;

    config_errors_init(&errs);
    buf_init(&out, 256u * 1024u * 1024u);
    memset(&ro, 0, sizeof(ro));
    labels_init(&ro.labels);
    if (o->format == NULL || strcmp(o->format, "prometheus") == 0) {
        ro.format = RULES_FORMAT_PROMETHEUS;
        if (o->rules_name != NULL || o->rules_namespace != NULL || o->nrules_labels > 0) {
            fprintf(stderr, "slo-sidecar: --rules.name, --rules.namespace and --rules.label "
                            "need --format=prometheusrule\n");
            goto out;
        }
    } else if (strcmp(o->format, "prometheusrule") == 0) {
        ro.format = RULES_FORMAT_PROMETHEUSRULE;
    } else {
        fprintf(stderr, "slo-sidecar: rules: --format must be prometheus or prometheusrule\n");
        goto out;
    }
    ro.name = o->rules_name;
    ro.ns = o->rules_namespace;
    if (ro.name != NULL && rules_check_object_name(ro.name, &e) != 0) {
        fprintf(stderr, "slo-sidecar: --rules.name: %s\n", e.msg);
        goto out;
    }
    if (ro.ns != NULL && rules_check_object_name(ro.ns, &e) != 0) {
        fprintf(stderr, "slo-sidecar: --rules.namespace: %s\n", e.msg);
        goto out;
    }
    for (size_t i = 0; i < o->nrules_labels; i++) {
        if (rules_add_object_label(&ro.labels, o->rules_labels[i], &e) != 0) {
            fprintf(stderr, "slo-sidecar: --rules.label: %s\n", e.msg);
            goto out;
        }
    }
    if (config_load(o->config_file, &cfg, &errs) != 0) {
        print_errors(&errs);
        goto out;
    }
    warn_no_store(cfg);
    if (rules_render(cfg, &ro, &out) != 0) {
        fprintf(stderr, "slo-sidecar: out of memory\n");
        goto out;
    }
    fputs(out.data, stdout);
    rc = 0;
out:
    labels_free(&ro.labels);
    buf_free(&out);
    config_free(cfg);
    config_errors_free(&errs);
    return rc;
}

/* Reads path ("-": stdin) into b (capped). Returns 0, or -1 (printed). */
static int read_input(const char *path, struct buf *b)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(b, chunk, n) != 0) {
            fprintf(stderr, "%s: %s\n", path,
                    b->len + n > b->cap ? "larger than the limit of 16777216 bytes"
                                        : "out of memory");
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

/*
 * import --from=F [--output=P] FILE: prints the converted config (or writes
 * P), the messages on stderr, and exits 0 when everything was converted, 3
 * when some parts were not, 1 when nothing was.
 */
static int cmd_import(const struct opts *o)
{
    enum importer_format fmt;
    struct importer_result r;
    struct buf in;
    int rc = 1;

    if (o->from == NULL || importer_format_parse(o->from, &fmt) != 0) {
        fprintf(stderr,
                "slo-sidecar: import needs --from=sloth, --from=openslo or --from=pyrra\n");
        return 1;
    }
    if (o->import_file == NULL) {
        fprintf(stderr, "slo-sidecar: import needs the FILE to convert (\"-\" for stdin)\n");
        return 1;
    }
    importer_result_init(&r);
    buf_init(&in, CONFIG_MAX_BYTES);
    if (read_input(o->import_file, &in) != 0)
        goto out;
    importer_convert(fmt, o->import_file, in.data, in.len, &r);
    for (size_t i = 0; i < r.n; i++)
        fprintf(stderr, "%s\n", r.msg[i].text);
    if (r.output == NULL)
        goto out;
    if (o->output != NULL) {
        FILE *f = fopen(o->output, "w");
        int bad = f == NULL;

        if (f != NULL) {
            bad = fputs(r.output, f) == EOF;
            bad |= fclose(f) != 0;
        }
        if (bad) {
            fprintf(stderr, "slo-sidecar: cannot write %s: %s\n", o->output, strerror(errno));
            goto out;
        }
    } else if (fputs(r.output, stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "slo-sidecar: cannot write the output: %s\n", strerror(errno));
        goto out;
    }
    fprintf(stderr, "%s: %zu of %zu SLOs converted%s\n", o->import_file, r.nslos_out, r.nslos_in,
            r.ndropped + r.nskipped > 0 ? "; what was not is listed above" : "");
    rc = r.ndropped + r.nskipped > 0 || r.nslos_out < r.nslos_in ? 3 : 0;
out:
    importer_result_free(&r);
    buf_free(&in);
    return rc;
}

/*
 * status and explain: fetch the running sidecar's /api/v1/slos into *slos.
 * Returns 0, or 2 (printed) when it cannot be reached or answers an error,
 * 1 for bad flags.
 */
static int fetch_api(const struct opts *o, json_t **slos, struct cliview_opts *v)
{
    const char *url = o->url != NULL ? o->url : "http://127.0.0.1:9099";
    const char *nc = getenv("NO_COLOR");
    int64_t timeout_ms = 5000;
    struct err e = {{0}};
    struct buf body;
    int rc = 2;

    if (o->color == NULL || strcmp(o->color, "auto") == 0) {
        v->color = isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
    } else if (strcmp(o->color, "always") == 0 || strcmp(o->color, "never") == 0) {
        v->color = strcmp(o->color, "always") == 0;
    } else {
        fprintf(stderr, "slo-sidecar: --color must be auto, always or never\n");
        return 1;
    }
    if (o->timeout != NULL && util_duration_parse(o->timeout, &timeout_ms, 0, &e) != 0) {
        fprintf(stderr, "slo-sidecar: --timeout: %s\n", e.msg);
        return 1;
    }
    v->now_ms = util_now_ms();
    buf_init(&body, CLIFETCH_MAX_BYTES);
    if (clifetch_slos(url, timeout_ms, &body, &e) != 0 ||
        cliview_parse(body.data ? body.data : "", body.len, slos, &e) != 0)
        fprintf(stderr, "slo-sidecar: %s\n", e.msg);
    else
        rc = 0;
    buf_free(&body);
    return rc;
}

static int cmd_status(const struct opts *o)
{
    struct cliview_opts v;
    json_t *slos = NULL;
    struct err e = {{0}};
    struct buf out;
    int rc = fetch_api(o, &slos, &v);

    if (rc != 0)
        return rc;
    buf_init(&out, CLIFETCH_MAX_BYTES);
    if (cliview_status(slos, &v, &out, &e) != 0) {
        fprintf(stderr, "slo-sidecar: %s\n", e.msg);
        rc = 2;
    } else {
        fputs(out.data, stdout);
    }
    buf_free(&out);
    json_decref(slos);
    return rc;
}

static int cmd_explain(const struct opts *o)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct cliview_opts v;
    json_t *slos = NULL;
    struct err e = {{0}};
    struct buf out;
    int rc;

    if (o->slo_name == NULL) {
        fprintf(stderr, "slo-sidecar: explain needs the NAME of an SLO\n");
        return 1;
    }
    config_errors_init(&errs);
    buf_init(&out, CLIFETCH_MAX_BYTES);
    if (o->config_file != NULL && config_load(o->config_file, &cfg, &errs) != 0) {
        print_errors(&errs);
        rc = 1;
        goto out;
    }
    rc = fetch_api(o, &slos, &v);
    if (rc != 0)
        goto out;
    rc = cliview_explain(slos, o->slo_name, cfg, &v, &out, &e);
    if (rc != 0) {
        fprintf(stderr, "slo-sidecar: %s\n", e.msg);
        rc = rc == CLIVIEW_NOT_FOUND ? 1 : 2;
        goto out;
    }
    fputs(out.data, stdout);
out:
    json_decref(slos);
    buf_free(&out);
    config_free(cfg);
    config_errors_free(&errs);
    return rc;
}

/* The daemon. */
static int cmd_run(const struct opts *o)
{
    struct daemon_opts d = {.config_path = o->config_file,
                            .listen_addr = o->listen,
                            .web_config_path = o->web_config_file,
                            .shard = o->shard_text != NULL ? &o->shard : NULL};

    return daemon_run(&d);
}

int main(int argc, char **argv)
{
    const struct command *cmd;
    struct opts o;
    struct err se = {{0}};
    enum log_level level = LOG_INFO;
    enum log_format format = LOG_FORMAT_LOGFMT;
    int rc;

    util_heap_init();
    memset(&o, 0, sizeof(o));
    o.listen = ":9099";
    rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 1;
    if (o.cmd == NULL)
        o.cmd = "run";
    if (o.log_level != NULL && log_parse_level(o.log_level, &level) != 0) {
        fprintf(stderr, "slo-sidecar: --log.level must be debug, info, warn or error\n");
        return 1;
    }
    if (o.log_format != NULL && log_parse_format(o.log_format, &format) != 0) {
        fprintf(stderr, "slo-sidecar: --log.format must be logfmt or json\n");
        return 1;
    }
    log_setup(level, format);
    cmd = find_command(o.cmd);
    if (cmd == NULL) {
        fprintf(stderr, "slo-sidecar: unknown command \"%s\" (see --help)\n", o.cmd);
        return 1;
    }
    /* rules, report and check always cover every SLO: alerts, reports and
     * validation are about the whole config, whichever replica runs them. */
    if (o.shard_text != NULL && !(cmd->needs & CMD_SHARD)) {
        fprintf(stderr, "slo-sidecar: --shard applies to run and eval only\n");
        return 1;
    }
    if (o.shard_text != NULL && shard_parse(o.shard_text, &o.shard, &se) != 0) {
        fprintf(stderr, "slo-sidecar: --shard: %s\n", se.msg);
        return 1;
    }
    /* check may look at a web config alone. */
    if ((cmd->needs & CMD_CONFIG) && o.config_file == NULL &&
        !(cmd->run == cmd_check && o.web_config_file != NULL)) {
        fprintf(stderr, "slo-sidecar: --config.file is required\n");
        return 1;
    }
    if (!(cmd->needs & CMD_CURL))
        return cmd->run(&o);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "slo-sidecar: cannot initialise libcurl\n");
        return 1;
    }
    rc = cmd->run(&o);
    curl_global_cleanup();
    return rc;
}
