/*
 * bench_decode: how fast the same raw samples come out of Prometheus three
 * ways, measured in the same run, rounds interleaved:
 *  (a) remote_read, STREAMED_XOR_CHUNKS, through remote_read_run (what
 *      remote_read mode uses by default: Prometheus sends its chunks as
 *      they are, the sidecar decodes the XOR chunks);
 *  (b) remote_read, SAMPLES (read_response: samples): Prometheus decodes
 *      and sends one snappy-compressed protobuf;
 *  (c) the baseline: the JSON of /api/v1/query for the range selector
 *      SEL[Ns] at END (libcurl with gzip accepted, POSTed as promql mode
 *      does, jansson, every value parsed with strtod).
 * All three read [START, END] (both ends inclusive in both APIs), so they
 * must see the same samples: the run fails loudly unless the sample counts,
 * series counts and value sums agree. Prints, per method, the median
 * samples/s over the rounds (wall time, request to last value), the client
 * CPU (this process: transfer and decoding) and the Prometheus CPU (from
 * /proc/PID/stat, tick-quantised, so totals over all rounds), each with its
 * ratio against (c).
 *
 * usage: bench_decode CONFIG SELECTOR START END ROUNDS PROMETHEUS_PID
 *        (CONFIG: for global.prometheus only; START, END: unix seconds)
 */
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "remote_read.h"
#include "selector.h"
#include "util.h"

#define NMETHODS 3
#define MAX_ROUNDS 64
#define JSON_MAX_BODY (2048u * 1024u * 1024u)

/* What one read saw: counts, a compensated sum of every value, bytes. */
struct tally {
    uint64_t samples;
    uint64_t series;
    double sum, comp;           /* Neumaier summation */
    uint64_t wire_bytes;        /* body bytes as received (compressed when it was) */
};

struct ctx {
    const struct config *cfg;
    const struct selector *sel;
    const char *sel_text;
    int64_t start, end;         /* seconds */
    struct remote_read_client *rr[2];
    CURL *curl;
    char *body;
    size_t len, cap;
};

static void tally_add(struct tally *t, double v)
{
    double s = t->sum + v;

    if (fabs(t->sum) >= fabs(v))
        t->comp += (t->sum - s) + v;
    else
        t->comp += (v - s) + t->sum;
    t->sum = s;
    t->samples++;
}

static double tally_sum(const struct tally *t)
{
    return t->sum + t->comp;
}

static double now_s(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) used so far by process pid, from /proc; -1 on error. */
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
    p = strrchr(line, ')');
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                            &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int rr_series(void *arg, const struct rawsrc_series *s, struct err *e)
{
    struct tally *t = arg;

    (void)e;
    t->series++;
    for (size_t i = 0; i < s->n; i++)
        tally_add(t, s->s[i].v);
    return 0;
}

/* (a) and (b): one remote-read request for the selector over [start, end]. */
static int run_remote_read(struct ctx *c, int samples, struct tally *t)
{
    struct rawsrc_query q = {.sel = c->sel, .start_ms = c->start * 1000,
                                  .end_ms = c->end * 1000};
    struct remote_read_stats st;
    struct err e;

    if (remote_read_run(c->rr[samples], &q, 1, rr_series, t, &st, &e) != 0) {
        fprintf(stderr, "bench_decode: remote_read: %s\n", e.msg);
        return -1;
    }
    if (st.samples != t->samples) {
        fprintf(stderr, "bench_decode: remote_read stats say %llu samples, callback saw %llu\n",
                (unsigned long long)st.samples, (unsigned long long)t->samples);
        return -1;
    }
    if (st.streamed != !samples) {
        fprintf(stderr, "bench_decode: asked for %s, the server answered %s\n",
                samples ? "SAMPLES" : "STREAMED_XOR_CHUNKS",
                st.streamed ? "STREAMED_XOR_CHUNKS" : "SAMPLES");
        return -1;
    }
    t->wire_bytes = st.bytes;
    return 0;
}

static size_t json_write(char *p, size_t size, size_t n, void *arg)
{
    struct ctx *c = arg;
    size_t len = size * n;

    if (c->len + len + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 1u << 20;
        char *b;

        while (cap < c->len + len + 1)
            cap *= 2;
        if (cap > JSON_MAX_BODY)
            return 0;
        b = realloc(c->body, cap);
        if (b == NULL)
            return 0;
        c->body = b;
        c->cap = cap;
    }
    memcpy(c->body + c->len, p, len);
    c->len += len;
    return len;
}

/* (c): POST /api/v1/query query=SEL[Ns]&time=END, every value of the matrix parsed. */
static int run_json(struct ctx *c, struct tally *t)
{
    char q[4096], *enc = NULL, *form = NULL, url[2048];
    json_t *root = NULL, *res;
    json_error_t jerr;
    curl_off_t dl = 0;
    long code = 0;
    CURLcode cc;
    int rc = -1;
    size_t i, j;
    json_t *series;

    snprintf(q, sizeof(q), "%s[%llds]", c->sel_text, (long long)(c->end - c->start));
    snprintf(url, sizeof(url), "%s/api/v1/query", c->cfg->prometheus.url);
    enc = curl_easy_escape(c->curl, q, 0);
    if (enc == NULL || (form = malloc(strlen(enc) + 64)) == NULL)
        goto out;
    snprintf(form, strlen(enc) + 64, "query=%s&time=%lld", enc, (long long)c->end);
    c->len = 0;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, form);
    cc = curl_easy_perform(c->curl);
    if (cc != CURLE_OK) {
        fprintf(stderr, "bench_decode: POST %s: %s\n", url, curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(c->curl, CURLINFO_SIZE_DOWNLOAD_T, &dl);
    if (code != 200) {
        fprintf(stderr, "bench_decode: POST %s: HTTP %ld: %.300s\n", url, code,
                c->len ? c->body : "");
        goto out;
    }
    root = json_loadb(c->body, c->len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        fprintf(stderr, "bench_decode: %s: bad JSON: %s\n", url, jerr.text);
        goto out;
    }
    res = json_object_get(json_object_get(root, "data"), "result");
    if (!json_is_array(res)) {
        fprintf(stderr, "bench_decode: %s: no data.result array\n", url);
        goto out;
    }
    json_array_foreach(res, i, series) {
        json_t *values = json_object_get(series, "values");
        json_t *pair;

        if (!json_is_array(values)) {
            fprintf(stderr, "bench_decode: %s: a series without values\n", url);
            goto out;
        }
        t->series++;
        json_array_foreach(values, j, pair) {
            const char *s = json_string_value(json_array_get(pair, 1));
            char *end;
            double v;

            if (s == NULL || !json_is_number(json_array_get(pair, 0))) {
                fprintf(stderr, "bench_decode: %s: a value is not [time, \"string\"]\n", url);
                goto out;
            }
            v = strtod(s, &end);
            if (*end != '\0') {
                fprintf(stderr, "bench_decode: %s: bad value \"%s\"\n", url, s);
                goto out;
            }
            tally_add(t, v);
        }
    }
    t->wire_bytes = (uint64_t)dl;
    rc = 0;
out:
    json_decref(root);
    free(form);
    curl_free(enc);
    return rc;
}

static int run_method(struct ctx *c, int m, struct tally *t)
{
    memset(t, 0, sizeof(*t));
    switch (m) {
    case 0:
        return run_remote_read(c, 0, t);
    case 1:
        return run_remote_read(c, 1, t);
    default:
        return run_json(c, t);
    }
}

static const char *const names[NMETHODS] = {"remote_read chunks", "remote_read samples",
                                            "JSON /api/v1/query (base)"};

/* Fails unless a and b saw the same samples. */
static int same(const struct tally *a, const struct tally *b, int ma, int mb)
{
    double sa = tally_sum(a), sb = tally_sum(b);

    if (a->samples == b->samples && a->series == b->series &&
        fabs(sa - sb) <= 1e-12 * fmax(fabs(sa), fabs(sb)))
        return 0;
    fprintf(stderr,
            "bench_decode: MISMATCH between %s and %s:\n"
            "  %s: %llu samples in %llu series, sum %.17g\n"
            "  %s: %llu samples in %llu series, sum %.17g\n",
            names[ma], names[mb], names[ma], (unsigned long long)a->samples,
            (unsigned long long)a->series, sa, names[mb], (unsigned long long)b->samples,
            (unsigned long long)b->series, sb);
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAX_ROUNDS];

    memcpy(s, v, (size_t)n * sizeof(double));
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct selector *sel = NULL;
    struct ctx c;
    struct err e;
    struct tally ref[NMETHODS], t;
    double rate[NMETHODS][MAX_ROUNDS], wall[NMETHODS][MAX_ROUNDS];
    double ccpu[NMETHODS] = {0}, pcpu[NMETHODS] = {0};
    int rounds, rc = 1;
    long pid;

    if (argc != 7) {
        fprintf(stderr, "usage: %s CONFIG SELECTOR START END ROUNDS PROMETHEUS_PID\n", argv[0]);
        return 2;
    }
    memset(&c, 0, sizeof(c));
    c.sel_text = argv[2];
    c.start = strtoll(argv[3], NULL, 10);
    c.end = strtoll(argv[4], NULL, 10);
    rounds = (int)strtol(argv[5], NULL, 10);
    pid = strtol(argv[6], NULL, 10);
    if (rounds < 1 || rounds > MAX_ROUNDS || c.end <= c.start) {
        fprintf(stderr, "bench_decode: need 1..%d rounds and START < END\n", MAX_ROUNDS);
        return 2;
    }
    config_errors_init(&errs);
    if (config_load(argv[1], &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.msg[i]);
        goto out;
    }
    c.cfg = cfg;
    if (selector_parse(argv[2], &sel, &e) != 0) {
        fprintf(stderr, "bench_decode: selector: %s\n", e.msg);
        goto out;
    }
    c.sel = sel;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    c.rr[0] = remote_read_client_new(&cfg->prometheus, REMOTE_READ_ACCEPT_CHUNKS, &e);
    c.rr[1] = c.rr[0] ? remote_read_client_new(&cfg->prometheus, REMOTE_READ_ACCEPT_SAMPLES, &e)
                      : NULL;
    c.curl = curl_easy_init();
    if (c.rr[0] == NULL || c.rr[1] == NULL || c.curl == NULL) {
        fprintf(stderr, "bench_decode: client: %s\n", c.curl ? e.msg : "curl_easy_init");
        goto out;
    }
    curl_easy_setopt(c.curl, CURLOPT_ACCEPT_ENCODING, "");   /* as promql mode: gzip */
    curl_easy_setopt(c.curl, CURLOPT_WRITEFUNCTION, json_write);
    curl_easy_setopt(c.curl, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(c.curl, CURLOPT_TIMEOUT, 300L);

    /* Warm-up round: fills the caches and fixes the reference tallies. */
    for (int m = 0; m < NMETHODS; m++)
        if (run_method(&c, m, &ref[m]) != 0)
            goto out;
    if (ref[2].samples == 0) {
        fprintf(stderr, "bench_decode: no samples for %s\n", argv[2]);
        goto out;
    }
    if (same(&ref[0], &ref[2], 0, 2) != 0 || same(&ref[1], &ref[2], 1, 2) != 0)
        goto out;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < NMETHODS; k++) {
            int m = (k + r) % NMETHODS;    /* rotate the order from round to round */
            double w0, c0, p0;

            w0 = now_s(CLOCK_MONOTONIC);
            c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
            p0 = proc_cpu(pid);
            if (run_method(&c, m, &t) != 0)
                goto out;
            pcpu[m] += proc_cpu(pid) - p0;
            ccpu[m] += now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
            wall[m][r] = now_s(CLOCK_MONOTONIC) - w0;
            rate[m][r] = (double)t.samples / wall[m][r];
            if (same(&t, &ref[2], m, 2) != 0)
                goto out;
        }
    }
    {
        double n = (double)ref[2].samples;
        double base_rate = median(rate[2], rounds);
        double base_c = ccpu[2] / rounds / n, base_p = pcpu[2] / rounds / n;

        printf("%llu samples in %llu series (%s, [%lld, %lld]), %d rounds; every method "
               "saw the same samples (sum %.17g)\n",
               (unsigned long long)ref[2].samples, (unsigned long long)ref[2].series, argv[2],
               (long long)c.start, (long long)c.end, rounds, tally_sum(&ref[2]));
        printf("  %-27s %10s %8s %12s %7s %12s %7s %12s %7s\n", "", "wire B/smp", "wall ms",
               "samples/s", "x base", "client ns/smp", "x base", "Prom ns/smp", "x base");
        for (int m = 0; m < NMETHODS; m++) {
            double cc = ccpu[m] / rounds / n, pc = pcpu[m] / rounds / n;

            printf("  %-27s %10.2f %8.1f %12.0f %7.2f %12.1f %7.3f %12.1f %7.3f\n", names[m],
                   (double)ref[m].wire_bytes / n, 1000 * median(wall[m], rounds),
                   median(rate[m], rounds), median(rate[m], rounds) / base_rate, cc * 1e9,
                   base_c > 0 ? cc / base_c : 0, pc * 1e9, base_p > 0 ? pc / base_p : 0);
        }
        printf("  samples/s and wall: medians over the rounds; CPU per sample: totals over the "
               "rounds (client = this process, transfer and decoding; Prom = the Prometheus "
               "process, 10 ms ticks)\n");
    }
    rc = 0;
out:
    if (c.curl != NULL)
        curl_easy_cleanup(c.curl);
    free(c.body);
    remote_read_client_free(c.rr[1]);
    remote_read_client_free(c.rr[0]);
    selector_free(sel);
    config_free(cfg);
    config_errors_free(&errs);
    curl_global_cleanup();
    return rc;
}
