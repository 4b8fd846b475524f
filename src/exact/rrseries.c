/*
 * rrseries: one remote-read series at a time, from wire labels and samples
 * to the caller's callback. See rrseries.h.
 *
 * Samples are gathered as they arrive, then tidied (stale markers dropped,
 * a stable sort only when they came out of order, the first of equal
 * timestamps kept, clipped) just before they are handed on, so the common
 * case, one sorted run of chunks, costs one pass. Labels are kept in wire
 * order as "name\0value\0" and sorted into a view only for the callback.
 */
#include "rrseries.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xorchunk.h"

/* Buffers grown past these by one big answer are released after the run. */
#define SAMPLES_KEEP ((size_t)1 << 18)
#define LABELS_KEEP (1u * 1024u * 1024u)

/* The bit pattern Prometheus uses to mark a series stale (a NaN). */
#define STALE_NAN_BITS 0x7ff0000000000002ull

/* Grows *v (elements of size sz) to hold need, at most max; 0 or -1. */
static int grow(void **v, size_t *cap, size_t need, size_t max, size_t sz)
{
    size_t ncap = *cap > 0 ? *cap : 1024;
    void *nv;

    if (need <= *cap)
        return 0;
    if (need > max)
        return -1;
    if (ncap > max)
        ncap = max;
    while (ncap < need)
        ncap = ncap > max / 2 ? max : ncap * 2;
    nv = realloc(*v, ncap * sz);
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

/* ---- the run ---- */

void rrseries_init(struct rrseries *s, size_t max_labels, size_t max_label_bytes)
{
    memset(s, 0, sizeof(*s));
    s->max_labels = max_labels;
    s->max_label_bytes = max_label_bytes;
    /* Every name and value at its longest, with their NULs. */
    buf_init(&s->names, max_labels * 2 * (max_label_bytes + 1));
}

void rrseries_free(struct rrseries *s)
{
    buf_free(&s->names);
    free(s->lv);
    free(s->s);
    free(s->tmp);
    s->lv = NULL;
    s->lvcap = 0;
    s->s = NULL;
    s->cap = 0;
    s->tmp = NULL;
    s->tmpcap = 0;
}

void rrseries_begin(struct rrseries *s, const struct rawsrc_query *q, size_t nq, rawsrc_cb cb,
                    void *arg, size_t max_samples, size_t piece_samples)
{
    rrseries_reset(s);
    s->q = q;
    s->nq = nq;
    s->cb = cb;
    s->arg = arg;
    s->max_samples = max_samples;
    s->piece_samples = piece_samples;
}

void rrseries_reset(struct rrseries *s)
{
    s->series = 0;
    s->samples = 0;
    s->cb_failed = 0;
    s->active = 0;
    s->n = 0;
}

void rrseries_trim(struct rrseries *s)
{
    if (s->cap > SAMPLES_KEEP) {
        free(s->s);
        s->s = NULL;
        s->cap = 0;
    }
    if (s->tmpcap > SAMPLES_KEEP) {
        free(s->tmp);
        s->tmp = NULL;
        s->tmpcap = 0;
    }
    if (s->names.alloc > LABELS_KEEP) {
        size_t cap = s->names.cap;

        buf_free(&s->names);
        buf_init(&s->names, cap);
    }
}

/* ---- labels ---- */

/* "{__name__="x", job="y", ...}" of the current series, cut to fit, for messages. */
static void describe(const struct rrseries *s, char *out, size_t len)
{
    const char *p = s->names.data;
    size_t o = 0;

    o += (size_t)snprintf(out, len, "{");
    for (size_t i = 0; i < s->nlabels && o < len; i++) {
        const char *name = p;
        const char *value = p + strlen(p) + 1;

        o += (size_t)snprintf(out + o, len - o, "%s%s=\"%.40s%s\"", i > 0 ? ", " : "", name, value,
                              strlen(value) > 40 ? "..." : "");
        p = value + strlen(value) + 1;
    }
    if (o < len)
        snprintf(out + o, len - o, "}");
    if (o >= len && len > 4)
        memcpy(out + len - 5, "...}", 5);
}

int rrseries_same(const struct rrseries *s, size_t qi, Prometheus__Label *const *l, size_t n)
{
    const char *p = s->names.data;

    if (!s->active || s->query != qi || s->nlabels != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p, l[i]->name) != 0)
            return 0;
        p += strlen(p) + 1;
        if (strcmp(p, l[i]->value) != 0)
            return 0;
        p += strlen(p) + 1;
    }
    return 1;
}

int rrseries_start(struct rrseries *s, size_t qi, Prometheus__Label *const *l, size_t n,
                   struct err *e)
{
    s->active = 0;
    s->nlabels = 0;
    s->n = 0;
    s->total = 0;
    s->cut = 0;
    buf_reset(&s->names);
    if (n > s->max_labels)
        return util_err(e, "query %zu: a series has %zu labels, more than %zu", qi, n,
                        s->max_labels);
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(l[i]->name);
        size_t vl = strlen(l[i]->value);

        if (nl > s->max_label_bytes || vl > s->max_label_bytes)
            return util_err(e,
                            "query %zu: label %.40s%s has a %s of %zu bytes, more than "
                            "%zu",
                            qi, l[i]->name, nl > 40 ? "..." : "",
                            nl > s->max_label_bytes ? "name" : "value",
                            nl > s->max_label_bytes ? nl : vl, s->max_label_bytes);
        if (nl == 0)
            return util_err(e, "query %zu: a series has a label with an empty name", qi);
        if (buf_append(&s->names, l[i]->name, nl + 1) != 0 ||
            buf_append(&s->names, l[i]->value, vl + 1) != 0)
            return util_err(e, "out of memory");
    }
    s->nlabels = n;
    s->query = qi;
    s->active = 1;
    return 0;
}

static int label_cmp(const void *a, const void *b)
{
    return strcmp(((const struct label *)a)->name, ((const struct label *)b)->name);
}

/* Fills the sorted view of the current series' labels; -1 on a duplicate name. */
static int sorted_labels(struct rrseries *s, struct labels *out, struct err *e)
{
    char *p = s->names.data;
    int sorted = 1;

    if (grow((void **)&s->lv, &s->lvcap, s->nlabels > 0 ? s->nlabels : 1, s->max_labels,
             sizeof(*s->lv)) != 0)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < s->nlabels; i++) {
        s->lv[i].name = p;
        p += strlen(p) + 1;
        s->lv[i].value = p;
        p += strlen(p) + 1;
        if (i > 0 && strcmp(s->lv[i - 1].name, s->lv[i].name) >= 0)
            sorted = 0;
    }
    if (!sorted) {
        qsort(s->lv, s->nlabels, sizeof(*s->lv), label_cmp);
        for (size_t i = 1; i < s->nlabels; i++)
            if (strcmp(s->lv[i - 1].name, s->lv[i].name) == 0) {
                char d[160];

                describe(s, d, sizeof(d));
                return util_err(e, "query %zu: series %s has label %.40s twice", s->query, d,
                                s->lv[i].name);
            }
    }
    out->n = s->nlabels;
    out->v = s->lv;
    return 0;
}

/* ---- samples ---- */

static int deliver_piece(struct rrseries *s, struct err *e);

int rrseries_add_sample(struct rrseries *s, int64_t t, double v, struct err *e)
{
    char d[160];

    if (s->total >= s->max_samples) {
        describe(s, d, sizeof(d));
        return util_err(e,
                        "query %zu: series %s has more than %zu samples in one read; "
                        "narrow the selector or shorten the range",
                        s->query, d, s->max_samples);
    }
    if (s->cut && t <= s->cut_t) {
        describe(s, d, sizeof(d));
        return util_err(e,
                        "query %zu: series %s: a sample at %" PRId64 " ms came after "
                        "samples up to %" PRId64 " ms were counted; a series of more than "
                        "%zu samples must come in time order, as Prometheus sends it",
                        s->query, d, t, s->cut_t, s->piece_samples);
    }
    if (s->n >= s->piece_samples && deliver_piece(s, e) != 0)
        return -1;
    if (s->n >= s->cap &&
        grow((void **)&s->s, &s->cap, s->n + 1, s->max_samples, sizeof(*s->s)) != 0)
        return util_err(e, "out of memory");
    s->s[s->n].t_ms = t;
    s->s[s->n].v = v;
    s->n++;
    s->total++;
    return 0;
}

static int is_stale(double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    return bits == STALE_NAN_BITS;
}

/*
 * Stable bottom-up merge sort of a[0..n) by time, using tmp[0..n): of equal
 * timestamps the one that arrived first stays first.
 */
static void sort_samples(struct rawsrc_sample *a, struct rawsrc_sample *tmp, size_t n)
{
    struct rawsrc_sample *src = a;
    struct rawsrc_sample *dst = tmp;

    for (size_t w = 1; w < n; w *= 2) {
        struct rawsrc_sample *t;

        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = mid + w < n ? mid + w : n;
            size_t i = lo;
            size_t j = mid;
            size_t k = lo;

            while (i < mid && j < hi)
                dst[k++] = src[j].t_ms < src[i].t_ms ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(*a));
}

/*
 * Puts the gathered samples in the delivered form: stale markers dropped,
 * sorted by time, one sample per timestamp (the first that arrived: chunks
 * may overlap), clipped to [start, end]. Returns 0 with the new count in
 * *out, or -1 when the sort scratch cannot be allocated.
 */
static int tidy(struct rrseries *s, int64_t start, int64_t end, size_t *out)
{
    size_t n = 0;
    int sorted = 1;

    for (size_t i = 0; i < s->n; i++) {
        if (is_stale(s->s[i].v))
            continue;
        if (n > 0 && s->s[i].t_ms < s->s[n - 1].t_ms)
            sorted = 0;
        s->s[n++] = s->s[i];
    }
    if (!sorted) {
        if (grow((void **)&s->tmp, &s->tmpcap, n, s->max_samples, sizeof(*s->tmp)) != 0)
            return -1;
        sort_samples(s->s, s->tmp, n);
    }
    s->n = n;
    n = 0;
    for (size_t i = 0; i < s->n; i++) {
        int64_t t = s->s[i].t_ms;

        if (t < start || t > end || (n > 0 && s->s[n - 1].t_ms == t))
            continue;
        s->s[n++] = s->s[i];
    }
    s->n = n;
    *out = n;
    return 0;
}

/* Hands s->s[0..n) of the current series to the caller's callback. */
static int deliver(struct rrseries *s, size_t n, struct err *e)
{
    struct rawsrc_series rs;
    struct labels l;

    if (sorted_labels(s, &l, e) != 0)
        return -1;
    rs.query = s->query;
    rs.labels = &l;
    rs.s = s->s;
    rs.n = n;
    s->samples += n;
    util_err(&s->cb_err, "the remote_read callback failed without a message");
    if (s->cb(s->arg, &rs, &s->cb_err) != 0) {
        s->cb_failed = 1;
        memcpy(e, &s->cb_err, sizeof(*e));
        return -1;
    }
    return 0;
}

/*
 * A long series is delivered in pieces so that its samples never all sit in
 * memory at once (2^25 of them would be 512 MiB): when piece_samples are
 * gathered, the tidied samples up to the last span boundary (rawsrc's
 * align_ms; the last sample when 0) go to the callback, the rest stay. A
 * later sample at or before that point would be out of time order across
 * pieces, which tidy cannot mend any more: rrseries_add_sample refuses it.
 * Prometheus sends each series' chunks in time order, overlaps merged.
 */
static int deliver_piece(struct rrseries *s, struct err *e)
{
    const struct rawsrc_query *q = &s->q[s->query];
    int64_t cut;
    size_t n;
    size_t k;

    if (tidy(s, q->start_ms, q->end_ms, &n) != 0)
        return util_err(e, "out of memory sorting %zu samples", s->n);
    if (n == 0)
        return 0;
    cut = s->s[n - 1].t_ms;
    /* The end of the span before the one holding the last sample: (cut - a, cut]. */
    if (q->align_ms > 0)
        cut = (-util_floor_div(-cut, q->align_ms) - 1) * q->align_ms;
    for (k = n; k > 0 && s->s[k - 1].t_ms > cut; k--)
        ;
    if (k == 0)
        return 0;
    if (deliver(s, k, e) != 0)
        return -1;
    memmove(s->s, s->s + k, (n - k) * sizeof(*s->s));
    s->n = n - k;
    s->cut = 1;
    s->cut_t = cut;
    return 0;
}

int rrseries_flush(struct rrseries *s, struct err *e)
{
    const struct rawsrc_query *q;
    size_t n;

    if (!s->active)
        return 0;
    s->active = 0;
    q = &s->q[s->query];
    if (tidy(s, q->start_ms, q->end_ms, &n) != 0)
        return util_err(e, "out of memory sorting %zu samples", s->n);
    s->series++;
    if (deliver(s, n, e) != 0)
        return -1;
    s->n = 0;
    return 0;
}

/* ---- streamed chunks ---- */

static const char *encoding_name(int t)
{
    switch (t) {
    case PROMETHEUS__CHUNK__ENCODING__UNKNOWN:
        return "UNKNOWN";
    case PROMETHEUS__CHUNK__ENCODING__XOR:
        return "XOR";
    case PROMETHEUS__CHUNK__ENCODING__HISTOGRAM:
        return "HISTOGRAM";
    case PROMETHEUS__CHUNK__ENCODING__FLOAT_HISTOGRAM:
        return "FLOAT_HISTOGRAM";
    default:
        return NULL;
    }
}

int rrseries_add_chunk(struct rrseries *s, const Prometheus__Chunk *ch, size_t idx, struct err *e)
{
    struct xorchunk_iter it;
    struct err sub;
    char d[160];
    int64_t t;
    double v;
    int r;

    if (ch->type != PROMETHEUS__CHUNK__ENCODING__XOR) {
        const char *name = encoding_name((int)ch->type);

        describe(s, d, sizeof(d));
        if (name == NULL)
            return util_err(e,
                            "query %zu: series %s: chunk %zu has unknown encoding %d; only "
                            "XOR (float) chunks can be read",
                            s->query, d, idx, (int)ch->type);
        return util_err(e,
                        "query %zu: series %s: chunk %zu has encoding %s%s; only XOR "
                        "(float) chunks can be read",
                        s->query, d, idx, name,
                        ch->type == PROMETHEUS__CHUNK__ENCODING__UNKNOWN ? ""
                                                                         : " (native histogram)");
    }
    if (xorchunk_iter_init(&it, ch->data.data, ch->data.len, &sub) != 0)
        goto bad;
    while ((r = xorchunk_next(&it, &t, &v, &sub)) == 1)
        if (rrseries_add_sample(s, t, v, e) != 0)
            return -1;
    if (r == 0)
        return 0;
bad:
    describe(s, d, sizeof(d));
    return util_err(e, "query %zu: series %s: chunk %zu: %s", s->query, d, idx, sub.msg);
}
