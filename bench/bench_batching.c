/*
 * bench_batching: cost of one promql-mode evaluation with the windows of each
 * selector batched into one query (what the sidecar does) against the
 * baseline of one query per selector and window, measured in the same run
 * against the same Prometheus with the same client. Prints wall time and the
 * Prometheus process CPU (from /proc/PID/stat) per evaluation for both,
 * and their ratios.
 *
 * usage: bench_batching CONFIG AT_UNIX_SECONDS ROUNDS PROMETHEUS_PID
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "promql.h"
#include "sliquery.h"
#include "slo.h"
#include "util.h"

/* CPU seconds (user + system) used so far by process pid, from /proc. */
static double proc_cpu(long pid)
{
    char path[64], line[2048];
    FILE *f;
    char *p;
    unsigned long ut = 0, st = 0;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    if (fgets(line, sizeof(line), f) == NULL) {
        fclose(f);
        return -1;
    }
    fclose(f);
    /* Fields after the parenthesised command name: state is field 3, utime 14, stime 15. */
    p = strrchr(line, ')');
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                            &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Runs one evaluation's queries; batched or one window per query. */
static int run_once(const struct config *cfg, struct promql_client *c, int64_t at, int batched,
                    size_t *nqueries)
{
    for (size_t i = 0; i < cfg->nslos; i++) {
        struct slo_window w[SLO_MAX_WINDOWS];
        size_t nw = slo_windows(&cfg->slos[i], at, w, SLO_MAX_WINDOWS);
        size_t groups = batched ? 1 : nw;

        for (size_t g = 0; g < groups; g++) {
            struct sliquery *q;
            size_t nq;
            struct err e;

            if (sliquery_build(&cfg->slos[i], batched ? w : &w[g], batched ? nw : 1, &q, &nq,
                               &e) != 0)
                return -1;
            for (size_t k = 0; k < nq; k++) {
                struct promql_result r;

                promql_result_init(&r);
                if (promql_query(c, q[k].text, at, &r, &e) != 0) {
                    fprintf(stderr, "query failed: %s\n", e.msg);
                    sliquery_free(q, nq);
                    return -1;
                }
                promql_result_free(&r);
                (*nqueries)++;
            }
            sliquery_free(q, nq);
            /* Free promql SLIs are per window already: one pass is enough. */
            if (!batched && cfg->slos[i].kind == CONFIG_SLI_PROMQL)
                break;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct promql_client *c;
    struct err e;
    int64_t at;
    int rounds;
    double wall[2] = {0, 0}, cpu[2] = {0, 0};
    size_t nq[2] = {0, 0};

    long pid;

    if (argc != 5) {
        fprintf(stderr, "usage: %s CONFIG AT ROUNDS PROMETHEUS_PID\n", argv[0]);
        return 2;
    }
    at = (int64_t)strtoll(argv[2], NULL, 10) * 1000;
    rounds = (int)strtol(argv[3], NULL, 10);
    pid = strtol(argv[4], NULL, 10);
    config_errors_init(&errs);
    if (config_load(argv[1], &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.msg[i]);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    c = promql_client_new(&cfg->prometheus, &e);
    if (c == NULL) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    /* Warm the caches once each way, then alternate so drift hits both. */
    run_once(cfg, c, at, 1, &nq[1]);
    run_once(cfg, c, at, 0, &nq[0]);
    nq[0] = nq[1] = 0;
    for (int r = 0; r < rounds; r++) {
        for (int b = 0; b < 2; b++) {
            double c0 = proc_cpu(pid);
            int64_t t0 = util_mono_ms();

            if (run_once(cfg, c, at, b, &nq[b]) != 0)
                return 1;
            wall[b] += (double)(util_mono_ms() - t0) / 1000.0;
            cpu[b] += proc_cpu(pid) - c0;
        }
    }
    printf("per evaluation of %zu SLOs (%d rounds):\n", cfg->nslos, rounds);
    printf("  %-26s %8s %12s %18s\n", "", "queries", "wall ms", "Prometheus CPU ms");
    printf("  %-26s %8zu %12.1f %18.1f\n", "one query per window", nq[0] / (size_t)rounds,
           1000 * wall[0] / rounds, 1000 * cpu[0] / rounds);
    printf("  %-26s %8zu %12.1f %18.1f\n", "batched (slo-sidecar)", nq[1] / (size_t)rounds,
           1000 * wall[1] / rounds, 1000 * cpu[1] / rounds);
    printf("  ratio batched/per-window: queries %.3f, wall %.3f, Prometheus CPU %.3f\n",
           (double)nq[1] / (double)nq[0], wall[1] / wall[0], cpu[0] > 0 ? cpu[1] / cpu[0] : 0);
    promql_client_free(c);
    config_free(cfg);
    config_errors_free(&errs);
    curl_global_cleanup();
    return 0;
}
