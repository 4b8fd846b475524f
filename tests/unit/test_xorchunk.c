/*
 * Unit tests for xorchunk. Chunks are built by a small encoder below that
 * follows the format as Prometheus's appender writes it (widest-fit
 * delta-of-delta, '10' only when the new XOR fits the previous window,
 * leading zeros capped at 31), or bit by bit when a test needs one exact
 * encoding. A few chunks are literal bytes computed by hand.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "xorchunk.h"

/* ---- a bit writer and an encoder for the tests ---- */

#define BW_MAX 8192

struct bw {
    uint8_t b[BW_MAX];
    size_t nbits;
};

static void bw_bits(struct bw *w, uint64_t v, unsigned n)
{
    while (n-- > 0) {
        size_t i = w->nbits >> 3;

        assert_true(i < BW_MAX);
        if ((v >> n) & 1)
            w->b[i] |= (uint8_t)(0x80 >> (w->nbits & 7));
        w->nbits++;
    }
}

/* A bit string like "110" (spaces ignored), for hand-written streams. */
static void bw_str(struct bw *w, const char *s)
{
    for (; *s; s++)
        if (*s != ' ')
            bw_bits(w, *s == '1', 1);
}

static void bw_uvarint(struct bw *w, uint64_t v)
{
    while (v >= 0x80) {
        bw_bits(w, (v & 0x7f) | 0x80, 8);
        v >>= 7;
    }
    bw_bits(w, v, 8);
}

static void bw_varint(struct bw *w, int64_t v)
{
    uint64_t u = (uint64_t)v << 1;

    bw_uvarint(w, v < 0 ? ~u : u);
}

static size_t bw_len(const struct bw *w)
{
    return (w->nbits + 7) / 8;
}

/* Starts a chunk: room for the 2-byte count, set by enc_done / set_count. */
static void bw_start(struct bw *w)
{
    memset(w, 0, sizeof(*w));
    w->nbits = 16;
}

static void set_count(struct bw *w, uint16_t n)
{
    w->b[0] = (uint8_t)(n >> 8);
    w->b[1] = (uint8_t)n;
}

struct enc {
    struct bw w;
    uint16_t n;
    int64_t t;
    int64_t tdelta;
    uint64_t vbits;
    uint8_t leading; /* 0xff: no '11' written yet */
    uint8_t trailing;
};

static void enc_init(struct enc *c)
{
    memset(c, 0, sizeof(*c));
    bw_start(&c->w);
    c->leading = 0xff;
}

static uint64_t dbits(double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof(u));
    return u;
}

static int fits(int64_t x, unsigned n)
{
    return -((INT64_C(1) << (n - 1)) - 1) <= x && x <= (INT64_C(1) << (n - 1));
}

static void enc_xor(struct enc *c, uint64_t vb)
{
    uint64_t d = vb ^ c->vbits;
    unsigned lead, trail, sig;

    c->vbits = vb;
    if (d == 0) {
        bw_bits(&c->w, 0, 1);
        return;
    }
    bw_bits(&c->w, 1, 1);
    lead = (unsigned)__builtin_clzll(d);
    trail = (unsigned)__builtin_ctzll(d);
    if (lead >= 32)
        lead = 31;
    if (c->leading != 0xff && lead >= c->leading && trail >= c->trailing) {
        bw_bits(&c->w, 0, 1);
        sig = 64u - c->leading - c->trailing;
        bw_bits(&c->w, d >> c->trailing, sig);
        return;
    }
    c->leading = (uint8_t)lead;
    c->trailing = (uint8_t)trail;
    sig = 64 - lead - trail;
    bw_bits(&c->w, 1, 1);
    bw_bits(&c->w, lead, 5);
    bw_bits(&c->w, sig & 0x3f, 6); /* 64 is written as 0 */
    bw_bits(&c->w, d >> trail, sig);
}

/* Appends a sample; the arithmetic wraps like Go's int64. */
static void enc_add(struct enc *c, int64_t t, uint64_t vb)
{
    if (c->n == 0) {
        bw_varint(&c->w, t);
        bw_bits(&c->w, vb, 64);
        c->vbits = vb;
    } else if (c->n == 1) {
        c->tdelta = (int64_t)((uint64_t)t - (uint64_t)c->t);
        bw_uvarint(&c->w, (uint64_t)c->tdelta);
        enc_xor(c, vb);
    } else {
        int64_t d = (int64_t)((uint64_t)t - (uint64_t)c->t);
        int64_t dod = (int64_t)((uint64_t)d - (uint64_t)c->tdelta);

        if (dod == 0) {
            bw_bits(&c->w, 0, 1);
        } else if (fits(dod, 14)) {
            bw_bits(&c->w, 0x2, 2);
            bw_bits(&c->w, (uint64_t)dod, 14);
        } else if (fits(dod, 17)) {
            bw_bits(&c->w, 0x6, 3);
            bw_bits(&c->w, (uint64_t)dod, 17);
        } else if (fits(dod, 20)) {
            bw_bits(&c->w, 0xe, 4);
            bw_bits(&c->w, (uint64_t)dod, 20);
        } else {
            bw_bits(&c->w, 0xf, 4);
            bw_bits(&c->w, (uint64_t)dod, 64);
        }
        c->tdelta = d;
        enc_xor(c, vb);
    }
    c->t = t;
    c->n++;
    set_count(&c->w, c->n);
}

/* Decodes data[0..len) and checks it yields exactly n samples t[], vb[]. */
static void expect_samples(const uint8_t *data, size_t len, const int64_t *t, const uint64_t *vb,
                           size_t n)
{
    struct xorchunk_iter it;
    struct err e = {{0}};
    int64_t gt;
    double gv;

    assert_int_equal(xorchunk_iter_init(&it, data, len, &e), 0);
    for (size_t i = 0; i < n; i++) {
        int rc = xorchunk_next(&it, &gt, &gv, &e);

        if (rc != 1)
            fail_msg("sample %zu: rc %d: %s", i, rc, e.msg);
        if (gt != t[i] || dbits(gv) != vb[i])
            fail_msg("sample %zu: got t=%lld v=%016llx, want t=%lld v=%016llx", i, (long long)gt,
                     (unsigned long long)dbits(gv), (long long)t[i], (unsigned long long)vb[i]);
    }
    assert_int_equal(xorchunk_next(&it, &gt, &gv, &e), 0);
    assert_int_equal(xorchunk_next(&it, &gt, &gv, &e), 0);
}

/* Encodes n samples with enc, then checks the decoder gives them back. */
static void round_trip(struct enc *c, const int64_t *t, const uint64_t *vb, size_t n)
{
    enc_init(c);
    for (size_t i = 0; i < n; i++)
        enc_add(c, t[i], vb[i]);
    expect_samples(c->w.b, bw_len(&c->w), t, vb, n);
}

/* Decodes until the end or an error; returns the error rc and the samples read. */
static int decode_all(const uint8_t *data, size_t len, size_t *nread, struct err *e)
{
    struct xorchunk_iter it;
    int64_t t;
    double v;
    int rc;

    *nread = 0;
    if (xorchunk_iter_init(&it, data, len, e) < 0)
        return -1;
    while ((rc = xorchunk_next(&it, &t, &v, e)) == 1)
        (*nread)++;
    return rc;
}

/* ---- header and smallest chunks, from bytes computed by hand ---- */

static void test_header_shorter_than_two_bytes_fails(void **state)
{
    static const uint8_t one[1] = {0};
    struct xorchunk_iter it;
    struct err e;
    int64_t t;
    double v;

    (void)state;
    assert_int_equal(xorchunk_iter_init(&it, one, 0, &e), -1);
    assert_string_equal(e.msg, "xor chunk: 0 bytes, too short for the 2-byte sample count");
    assert_int_equal(xorchunk_iter_init(&it, one, 1, &e), -1);
    assert_string_equal(e.msg, "xor chunk: 1 bytes, too short for the 2-byte sample count");
    /* A failed init leaves an iterator that only fails. */
    assert_int_equal(xorchunk_next(&it, &t, &v, &e), -1);
    assert_int_equal(xorchunk_iter_init(&it, NULL, 0, NULL), -1);
    /* A length whose bit count would not fit in size_t; nothing is read. */
    assert_int_equal(xorchunk_iter_init(&it, one, SIZE_MAX, &e), -1);
    assert_non_null(strstr(e.msg, "is too large"));
}

static void test_count_zero_yields_no_sample(void **state)
{
    static const uint8_t empty[2] = {0, 0};
    static const uint8_t trailing[5] = {0, 0, 0xff, 0xff, 0xff};
    struct xorchunk_iter it;
    struct err e;
    int64_t t;
    double v;

    (void)state;
    assert_int_equal(xorchunk_iter_init(&it, empty, sizeof(empty), &e), 0);
    assert_int_equal(xorchunk_next(&it, &t, &v, &e), 0);
    assert_int_equal(xorchunk_next(&it, &t, &v, &e), 0);
    /* Bytes after the last sample are not looked at. */
    assert_int_equal(xorchunk_iter_init(&it, trailing, sizeof(trailing), &e), 0);
    assert_int_equal(xorchunk_next(&it, &t, &v, &e), 0);
}

static void test_one_sample_literal_bytes(void **state)
{
    /* count 1; zig-zag varint of 1 is 2; value 0.0. */
    static const uint8_t c1[] = {0x00, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0};
    /* count 1; t = -1 is zig-zag 1; value 1.0 = 0x3ff0000000000000. */
    static const uint8_t c2[] = {0x00, 0x01, 0x01, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0};
    static const int64_t t1[] = {1}, t2[] = {-1};
    static const uint64_t v1[] = {0}, v2[] = {0x3ff0000000000000};

    (void)state;
    expect_samples(c1, sizeof(c1), t1, v1, 1);
    expect_samples(c2, sizeof(c2), t2, v2, 1);
}

static void test_two_samples_literal_bytes(void **state)
{
    /*
     * t 1000 -> zig-zag 2000 = varint d0 0f; value 1.0; delta 15 = uvarint
     * 0f; the same value again is one '0' bit, padded to a byte.
     */
    static const uint8_t c[] = {0x00, 0x02, 0xd0, 0x0f, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x0f, 0x00};
    static const int64_t t[] = {1000, 1015};
    static const uint64_t v[] = {0x3ff0000000000000, 0x3ff0000000000000};

    (void)state;
    expect_samples(c, sizeof(c), t, v, 2);
}

static void test_first_timestamp_extremes(void **state)
{
    static const int64_t ts[][2] = {
        {INT64_MIN, INT64_MAX},
        {INT64_MAX, INT64_MIN},
        {0, 0},
        {-5, 1700000000000},
    };
    struct enc c;

    (void)state;
    for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
        static const uint64_t v[2] = {1, 2};

        round_trip(&c, ts[i], v, 2);
    }
}

/* ---- timestamps ---- */

/*
 * Four samples, the third dod away from a 15 s delta (the fourth dod back):
 * checks the decoded timestamps, and that the encoder used the width
 * expected for dod by counting the bits sample 2 took (the value repeats, so
 * it is one '0' bit).
 */
static void check_dod(int64_t dod, unsigned want_bits)
{
    const int64_t t0 = 1700000000000, d = 15000;
    const int64_t t[4] = {t0, t0 + d, t0 + 2 * d + dod, t0 + 3 * d + dod};
    const uint64_t v[4] = {0x4059000000000000, 0x4059000000000000, 0x4059000000000000,
                           0x4059000000000000};
    struct enc c;
    size_t before;

    enc_init(&c);
    enc_add(&c, t[0], v[0]);
    enc_add(&c, t[1], v[1]);
    before = c.w.nbits;
    enc_add(&c, t[2], v[2]);
    if (c.w.nbits - before != want_bits + 1)
        fail_msg("dod %lld: used %zu bits, expected %u", (long long)dod, c.w.nbits - before - 1,
                 want_bits);
    round_trip(&c, t, v, 4);
}

static void test_dod_every_width_and_boundary(void **state)
{
    (void)state;
    check_dod(0, 1);
    check_dod(1, 16);
    check_dod(-1, 16);
    check_dod(8191, 16);
    check_dod(8192, 16); /* 1 << 13 is positive in 14 bits */
    check_dod(-8191, 16);
    check_dod(8193, 20);
    check_dod(-8192, 20);
    check_dod(65536, 20); /* 1 << 16 */
    check_dod(-65535, 20);
    check_dod(65537, 24);
    check_dod(-65536, 24);
    check_dod(524288, 24); /* 1 << 19 */
    check_dod(-524287, 24);
    check_dod(524289, 68);
    check_dod(-524288, 68);
    check_dod(INT64_C(1) << 40, 68);
    check_dod(-(INT64_C(1) << 40), 68);
    check_dod(INT64_C(1) << 62, 68);
}

/* The sign rule read from bit patterns written by hand, not by the encoder. */
static void test_dod_sign_rule_from_raw_bits(void **state)
{
    static const struct {
        const char *prefix;
        unsigned width;
        uint64_t field;
        int64_t dod;
    } cases[] = {
        {"10", 14, 0x2000, 8192},
        {"10", 14, 0x2001, -8191},
        {"10", 14, 0x3fff, -1},
        {"10", 14, 0x1fff, 8191},
        {"10", 14, 0x0000, 0},
        {"110", 17, 0x10000, 65536},
        {"110", 17, 0x10001, -65535},
        {"110", 17, 0x1ffff, -1},
        {"1110", 20, 0x80000, 524288},
        {"1110", 20, 0x80001, -524287},
        {"1110", 20, 0xfffff, -1},
        {"1111", 64, UINT64_MAX, -1},
        {"1111", 64, UINT64_C(1) << 63, INT64_MIN},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bw w;
        int64_t t[3];
        uint64_t v[3] = {7, 7, 7};

        bw_start(&w);
        set_count(&w, 3);
        bw_varint(&w, 100);
        bw_bits(&w, 7, 64);
        bw_uvarint(&w, 10);
        bw_str(&w, "0");
        bw_str(&w, cases[i].prefix);
        bw_bits(&w, cases[i].field, cases[i].width);
        bw_str(&w, "0");
        t[0] = 100;
        t[1] = 110;
        t[2] = (int64_t)((uint64_t)110 + 10 + (uint64_t)cases[i].dod);
        expect_samples(w.b, bw_len(&w), t, v, 3);
    }
}

static void test_timestamps_going_backwards_decode_as_written(void **state)
{
    /* Sample 1's negative delta is a 10-byte uvarint of the wrapped value. */
    static const int64_t t[] = {1000, 500, 400, 400, 100000, -3, -3, 7, INT64_MIN, INT64_MAX, 0};
    uint64_t v[sizeof(t) / sizeof(t[0])];
    struct enc c;

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        v[i] = i;
    round_trip(&c, t, v, sizeof(t) / sizeof(t[0]));
}

static void test_constant_interval_costs_one_bit(void **state)
{
    int64_t t[50];
    uint64_t v[50];
    struct enc c;

    (void)state;
    for (size_t i = 0; i < 50; i++) {
        t[i] = 1700000000000 + 15000 * (int64_t)i;
        v[i] = dbits(42.0);
    }
    round_trip(&c, t, v, 50);
    /* 16 + 6-byte varint + 64 + 2-byte uvarint + '0' + 48 * ('0' + '0') */
    assert_int_equal(c.w.nbits, 16 + 48 + 64 + 16 + 1 + 48 * 2);
}

/* ---- values ---- */

static void test_value_repeat_is_one_zero_bit(void **state)
{
    /* Hand-written: t 0, value 2.5, then dod 0 / same value twice. */
    struct bw w;
    static const int64_t t[] = {0, 1, 2, 3};
    static const uint64_t v[] = {0x4004000000000000, 0x4004000000000000, 0x4004000000000000,
                                 0x4004000000000000};

    (void)state;
    bw_start(&w);
    set_count(&w, 4);
    bw_varint(&w, 0);
    bw_bits(&w, v[0], 64);
    bw_uvarint(&w, 1);
    bw_str(&w, "0 0 0 0 0");
    expect_samples(w.b, bw_len(&w), t, v, 4);
}

static void test_value_new_then_reused_control_bits(void **state)
{
    /*
     * Sample 1: '11', 12 leading zeros, 4 significant bits 1011, so the XOR
     * is 0xb << 48. Sample 2: '10' reuses the window: 4 bits 0001 XOR the
     * bit 48. Sample 3: '11' with a new window for bit 0: 5 bits cap the
     * leading zeros at 31, so 33 significant bits.
     */
    struct bw w;
    static const int64_t t[] = {10, 20, 30, 40};
    uint64_t v[4];

    (void)state;
    v[0] = 0x4000000000000000;
    v[1] = v[0] ^ (UINT64_C(0xb) << 48);
    v[2] = v[1] ^ (UINT64_C(0x1) << 48);
    v[3] = v[2] ^ 1;
    bw_start(&w);
    set_count(&w, 4);
    bw_varint(&w, 10);
    bw_bits(&w, v[0], 64);
    bw_uvarint(&w, 10);
    bw_str(&w, "11 01100 000100 1011");
    bw_str(&w, "0 10 0001");
    bw_str(&w, "0 11 11111 100001");
    bw_bits(&w, 1, 33);
    expect_samples(w.b, bw_len(&w), t, v, 4);
}

static void test_value_sigbits_64_is_written_as_zero(void **state)
{
    struct bw w;
    static const int64_t t[] = {0, 5, 10};
    static const uint64_t v[] = {0, 0x8000000000000001, 0};

    (void)state;
    bw_start(&w);
    set_count(&w, 3);
    bw_varint(&w, 0);
    bw_bits(&w, 0, 64);
    bw_uvarint(&w, 5);
    bw_str(&w, "11 00000 000000");
    bw_bits(&w, 0x8000000000000001, 64);
    /* '10' reuses 0 leading / 0 trailing: 64 bits again. */
    bw_str(&w, "0 10");
    bw_bits(&w, 0x8000000000000001, 64);
    expect_samples(w.b, bw_len(&w), t, v, 3);
}

static void test_value_reuse_before_any_window_reads_64_bits(void **state)
{
    /* Prometheus's encoder never writes this, but its decoder reads '10'
     * with the initial 0/0 counts as 64 bits; so do we. */
    struct bw w;
    static const int64_t t[] = {0, 1};
    static const uint64_t v[] = {0x1111111111111111, 0x1111111111111111 ^ 0xdeadbeefcafef00d};

    (void)state;
    bw_start(&w);
    set_count(&w, 2);
    bw_varint(&w, 0);
    bw_bits(&w, v[0], 64);
    bw_uvarint(&w, 1);
    bw_str(&w, "10");
    bw_bits(&w, 0xdeadbeefcafef00d, 64);
    expect_samples(w.b, bw_len(&w), t, v, 2);
}

static void test_value_window_over_64_bits_fails(void **state)
{
    struct bw w;
    size_t n;
    struct err e;

    (void)state;
    bw_start(&w);
    set_count(&w, 2);
    bw_varint(&w, 0);
    bw_bits(&w, 0, 64);
    bw_uvarint(&w, 1);
    bw_str(&w, "11 11111 101000"); /* 31 leading + 40 significant */
    bw_bits(&w, 0, 64);
    assert_int_equal(decode_all(w.b, bw_len(&w), &n, &e), -1);
    assert_int_equal(n, 1);
    assert_string_equal(e.msg, "xor chunk: sample 2 of 2: XOR value: 31 leading zeros and "
                               "40 significant bits exceed 64 bits");
    /* One bit over. */
    bw_start(&w);
    set_count(&w, 2);
    bw_varint(&w, 0);
    bw_bits(&w, 0, 64);
    bw_uvarint(&w, 1);
    bw_str(&w, "11 11111 100010"); /* 31 + 34 */
    bw_bits(&w, 0, 64);
    assert_int_equal(decode_all(w.b, bw_len(&w), &n, &e), -1);
    assert_non_null(strstr(e.msg, "31 leading zeros and 34 significant bits"));
    /* 31 + 33 = 64 is the widest legal window. */
    bw_start(&w);
    set_count(&w, 2);
    bw_varint(&w, 0);
    bw_bits(&w, 0, 64);
    bw_uvarint(&w, 1);
    bw_str(&w, "11 11111 100001");
    bw_bits(&w, 1, 33);
    assert_int_equal(decode_all(w.b, bw_len(&w), &n, &e), 0);
    assert_int_equal(n, 2);
}

static void test_nan_and_stale_marker_bit_for_bit(void **state)
{
    static const uint64_t v[] = {
        0x3ff0000000000000, 0x7ff0000000000002, /* stale marker */
        0x7ff8000000000001, 0x7ff0000000000002, 0x7ff8000000000001, 0x8000000000000000, /* -0.0 */
        0x7ff0000000000000, 0xfff0000000000000, 0xfff8000000000000, 0x0000000000000001,
        0x7ff0000000000002, 0x7ff0000000000002,
    };
    int64_t t[sizeof(v) / sizeof(v[0])];
    struct enc c;

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        t[i] = 1000 * (int64_t)i;
    round_trip(&c, t, v, sizeof(v) / sizeof(v[0]));
}

/* ---- malformed chunks ---- */

static void test_varint_errors(void **state)
{
    /* Eleven continuation bytes: no varint ends within 10 bytes. */
    static const uint8_t longv[] = {0,    1,    0x80, 0x80, 0x80, 0x80, 0x80,
                                    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0,
                                    0,    0,    0,    0,    0,    0,    0};
    /* The 10th byte may only carry the 64th bit. */
    static const uint8_t over[] = {0,    1,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0x02, 0,    0,    0,    0,    0,    0,    0,    0};
    static const uint8_t max[] = {0,    1,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0x01, 0,    0,    0,    0,    0,    0,    0,    0};
    struct xorchunk_iter it;
    struct err e;
    int64_t t;
    double v;
    size_t n;

    (void)state;
    assert_int_equal(decode_all(longv, sizeof(longv), &n, &e), -1);
    assert_string_equal(e.msg, "xor chunk: sample 1 of 1: first timestamp: varint longer "
                               "than 10 bytes");
    assert_int_equal(decode_all(over, sizeof(over), &n, &e), -1);
    assert_string_equal(e.msg, "xor chunk: sample 1 of 1: first timestamp: varint overflows "
                               "64 bits");
    /* 2^64-1 zig-zag decodes to INT64_MIN. */
    assert_int_equal(xorchunk_iter_init(&it, max, sizeof(max), &e), 0);
    assert_int_equal(xorchunk_next(&it, &t, &v, &e), 1);
    assert_true(t == INT64_MIN);
}

static void test_truncated_messages_name_the_field(void **state)
{
    struct enc c;
    size_t n;
    struct err e;

    (void)state;
    enc_init(&c);
    enc_add(&c, 1000, 1);
    enc_add(&c, 2000, 2);
    enc_add(&c, 3001, 3);
    /* Cut inside the first value. */
    assert_int_equal(decode_all(c.w.b, 6, &n, &e), -1);
    assert_string_equal(e.msg, "xor chunk: sample 1 of 3: truncated in the first value (6-byte "
                               "chunk, at bit 32)");
    /* Cut right after the first value: the delta is missing. */
    assert_int_equal(decode_all(c.w.b, 12, &n, &e), -1);
    assert_int_equal(n, 1);
    assert_string_equal(e.msg, "xor chunk: sample 2 of 3: truncated in the timestamp delta "
                               "(12-byte chunk, at bit 96)");
    assert_int_equal(decode_all(c.w.b, 2, &n, &e), -1);
    assert_string_equal(e.msg, "xor chunk: sample 1 of 3: truncated in the first timestamp "
                               "(2-byte chunk, at bit 16)");
}

static void test_truncation_at_every_length_fails_cleanly(void **state)
{
    struct enc c;
    int64_t t[40];
    uint64_t v[40];
    struct rng s = {7};
    size_t full;

    (void)state;
    /* Every encoding in one chunk: all dod widths, all value kinds. */
    t[0] = 1700000000000;
    v[0] = dbits(1.0);
    for (size_t i = 1; i < 40; i++) {
        static const int64_t jumps[] = {0, 1, -1, 8192, -8191, 65536, 524288, 1 << 30};

        t[i] = t[i - 1] + 15000 + jumps[i % 8];
        v[i] = i % 5 == 0 ? v[i - 1] : dbits((double)(rnd(&s) % 1000000) / 8);
    }
    round_trip(&c, t, v, 40);
    full = bw_len(&c.w);
    for (size_t len = 0; len < full; len++) {
        /* A copy of exactly len bytes, so ASan sees any read past it. */
        uint8_t *cut = malloc(len > 0 ? len : 1);
        struct xorchunk_iter it;
        struct err e = {{0}};
        int64_t gt;
        double gv;

        assert_non_null(cut);
        memcpy(cut, c.w.b, len);
        if (xorchunk_iter_init(&it, cut, len, &e) == 0) {
            size_t k = 0;
            int rc;

            while ((rc = xorchunk_next(&it, &gt, &gv, &e)) == 1) {
                assert_true(k < 40);
                assert_true(gt == t[k] && dbits(gv) == v[k]);
                k++;
            }
            if (rc != -1)
                fail_msg("length %zu of %zu: rc %d after %zu samples", len, full, rc, k);
            assert_non_null(strstr(e.msg, "truncated"));
            /* Sticky. */
            assert_int_equal(xorchunk_next(&it, &gt, &gv, &e), -1);
            assert_non_null(strstr(e.msg, "already failed"));
        } else {
            assert_true(len < 2);
        }
        free(cut);
    }
}

static void test_garbage_never_crashes(void **state)
{
    struct rng s = {0x9e3779b97f4a7c15};
    uint8_t ff[64];
    size_t n;
    struct err e;

    (void)state;
    memset(ff, 0xff, sizeof(ff));
    assert_int_equal(decode_all(ff, sizeof(ff), &n, &e), -1);
    assert_string_equal(e.msg, "xor chunk: sample 1 of 65535: first timestamp: varint "
                               "longer than 10 bytes");
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rnd(&s) % 80);
        uint8_t *g = malloc(len > 0 ? len : 1);
        int rc;

        assert_non_null(g);
        for (size_t i = 0; i < len; i++)
            g[i] = (uint8_t)rnd(&s);
        rc = decode_all(g, len, &n, &e);
        assert_true(rc == 0 || rc == -1);
        if (len >= 2)
            assert_true(n <= (size_t)(g[0] << 8 | g[1]));
        free(g);
    }
}

/* ---- whole series ---- */

static void test_round_trip_counter_series(void **state)
{
    enum {
        N = 120
    };
    int64_t t[N];
    uint64_t v[N];
    struct enc c;

    (void)state;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        struct rng s = {seed};
        double counter = (double)(rnd(&s) % 100000);

        int64_t next = 1700000000000 + (int64_t)(seed * 7);

        for (size_t i = 0; i < N; i++) {
            /* 15 s scrapes jittered by up to +-250 ms, a rare missed scrape. */
            int64_t jitter = (int64_t)(rnd(&s) % 501) - 250;
            int64_t step = rnd(&s) % 40 == 0 ? 30000 : 15000;

            t[i] = next;
            next += step + jitter;
            if (rnd(&s) % 60 == 0)
                counter = 0; /* a restart */
            else if (rnd(&s) % 3 != 0)
                counter += (double)(rnd(&s) % 50); /* often unchanged */
            v[i] = dbits(counter);
        }
        round_trip(&c, t, v, N);
    }
}

static void test_round_trip_gauge_and_float_values(void **state)
{
    enum {
        N = 1000
    };
    static int64_t t[N];
    static uint64_t v[N];
    struct rng s = {42};
    struct enc c;

    (void)state;
    for (size_t i = 0; i < N; i++) {
        t[i] = 1700000000000 + 1000 * (int64_t)i + (int64_t)(rnd(&s) % 3);
        switch (rnd(&s) % 4) {
        case 0:
            v[i] = dbits((double)(rnd(&s) % 1000) / 7.0); /* long mantissas */
            break;
        case 1:
            v[i] = rnd(&s); /* any bit pattern */
            break;
        case 2:
            v[i] = i > 0 ? v[i - 1] : 0;
            break;
        default:
            v[i] = i > 0 ? v[i - 1] ^ (rnd(&s) & 0xff0000) : 0; /* fits the window */
            break;
        }
    }
    round_trip(&c, t, v, N);
}

/*
 * A real chunk: go_memstats_alloc_bytes scraped every second by Prometheus
 * 2.42.0 and fetched with a STREAMED_XOR_CHUNKS remote read; the expected
 * samples come from the same server's query API (a range selector), so this
 * checks the decoder against Prometheus's own encoder.
 */
/* 234 bytes, 68 samples, go_memstats_alloc_bytes */
static const uint8_t real_chunk[] = {
    0x00, 0x44, 0xfe, 0xa9, 0xab, 0xff, 0xc0, 0x68, 0x41, 0x5e, 0x90, 0x52, 0x00, 0x00, 0x00, 0x00,
    0xe8, 0x07, 0xd4, 0xaf, 0xb5, 0xec, 0x50, 0x10, 0xf5, 0xd0, 0x08, 0xd4, 0x9c, 0x10, 0xb7, 0x99,
    0x6d, 0x4f, 0x39, 0x8c, 0xa1, 0x61, 0xfc, 0x82, 0x2e, 0x02, 0x78, 0xf4, 0xc8, 0x2a, 0xc5, 0xa1,
    0xf6, 0xec, 0x8d, 0x33, 0x8a, 0x09, 0x8d, 0xc8, 0x7c, 0xa2, 0x36, 0x27, 0xf7, 0x76, 0x50, 0x2a,
    0x8c, 0x70, 0x42, 0x1e, 0x35, 0xbd, 0x1f, 0x9a, 0xfa, 0x5f, 0x4c, 0x23, 0x24, 0x53, 0x72, 0x3c,
    0xe3, 0xb7, 0x04, 0x20, 0x80, 0xdb, 0xd0, 0xd4, 0x2d, 0x4e, 0x59, 0x08, 0xb8, 0xf1, 0xb5, 0x0f,
    0x78, 0x57, 0x03, 0xfe, 0xce, 0xb7, 0x9d, 0xb8, 0x8b, 0x82, 0x11, 0x96, 0x69, 0xaa, 0xe9, 0xb8,
    0xfe, 0xcc, 0x6e, 0x07, 0xcb, 0x73, 0x6f, 0x43, 0xb6, 0x9d, 0xb1, 0x4c, 0xce, 0xdd, 0x4f, 0xbf,
    0x04, 0x81, 0x5c, 0x59, 0x07, 0xff, 0x82, 0x1a, 0x2b, 0xd4, 0x0b, 0x2f, 0xe8, 0x3d, 0x40, 0x50,
    0x28, 0xa8, 0x23, 0x99, 0x16, 0x41, 0x98, 0xaa, 0x86, 0x97, 0x71, 0x04, 0x4f, 0x02, 0x04, 0x80,
    0x85, 0xf0, 0xc7, 0xc8, 0x23, 0xd1, 0xd0, 0xeb, 0x49, 0x20, 0x90, 0xe0, 0x40, 0xf0, 0x52, 0x8e,
    0xaa, 0xd9, 0x07, 0xde, 0x8a, 0x1a, 0x7a, 0xc4, 0x0d, 0x35, 0x48, 0x20, 0x6d, 0x53, 0xe8, 0x68,
    0x20, 0x93, 0xcc, 0x40, 0xbb, 0x00, 0x86, 0x88, 0x51, 0x07, 0xc3, 0xa2, 0x3f, 0xbf, 0x68, 0x00,
    0x38, 0x27, 0x33, 0x2f, 0xff, 0x61, 0xea, 0x57, 0xbf, 0xfd, 0x82, 0xde, 0x1a, 0x00, 0x0e, 0x06,
    0xc4, 0x46, 0xb5, 0xbf, 0xae, 0xc7, 0x40, 0x74, 0xe4, 0x80,
};
static const struct {
    int64_t t;
    uint64_t v;
} real_samples[] = {
    {1795429853823, 0x415e905200000000}, {1795429854823, 0x41633f3000000000},
    {1795429855823, 0x4163b89e00000000}, {1795429856823, 0x4163fe3a00000000},
    {1795429857823, 0x416349a300000000}, {1795429858823, 0x41653aba00000000},
    {1795429859823, 0x41658a4400000000}, {1795429860823, 0x4165cf8400000000},
    {1795429861823, 0x4166082200000000}, {1795429862823, 0x41665da900000000},
    {1795429863823, 0x4166a6df00000000}, {1795429864823, 0x416700ae00000000},
    {1795429865823, 0x41674cc000000000}, {1795429866823, 0x4167b58400000000},
    {1795429867823, 0x41680e3600000000}, {1795429868823, 0x41685b2e00000000},
    {1795429869823, 0x4168dca300000000}, {1795429870823, 0x41692ffc00000000},
    {1795429871823, 0x4169916400000000}, {1795429872823, 0x4169f5ee00000000},
    {1795429873823, 0x416a699800000000}, {1795429874823, 0x416aeb9b00000000},
    {1795429875823, 0x416b43c100000000}, {1795429876823, 0x416ba65100000000},
    {1795429877823, 0x416bfa2900000000}, {1795429878823, 0x416c460100000000},
    {1795429879823, 0x416cbd3b00000000}, {1795429880823, 0x416d05b300000000},
    {1795429881823, 0x416d890000000000}, {1795429882823, 0x416de3ba00000000},
    {1795429883823, 0x416e50a200000000}, {1795429884823, 0x416ec64400000000},
    {1795429885823, 0x416f1d0a00000000}, {1795429886823, 0x4163d3d700000000},
    {1795429887823, 0x41640c5500000000}, {1795429888823, 0x41645b4300000000},
    {1795429889823, 0x4164a4b300000000}, {1795429890823, 0x4165060e00000000},
    {1795429891823, 0x41655f7100000000}, {1795429892823, 0x4165aa7000000000},
    {1795429893823, 0x4165fb2000000000}, {1795429894823, 0x4166623600000000},
    {1795429895823, 0x4166ae6300000000}, {1795429896823, 0x41670bbf00000000},
    {1795429897823, 0x4167825f00000000}, {1795429898823, 0x4167ca5700000000},
    {1795429899823, 0x41684c6900000000}, {1795429900823, 0x4168c32e00000000},
    {1795429901823, 0x416915bc00000000}, {1795429902823, 0x4169855c00000000},
    {1795429903823, 0x4169fd7500000000}, {1795429904823, 0x416a57c300000000},
    {1795429905823, 0x416aac1200000000}, {1795429906823, 0x416b0bbe00000000},
    {1795429907823, 0x416b621400000000}, {1795429908823, 0x416be3a100000000},
    {1795429909823, 0x416c337100000000}, {1795429910823, 0x416ca0bd00000000},
    {1795429911823, 0x416cfd3d00000000}, {1795429912823, 0x416d5f2900000000},
    {1795429913823, 0x416da75d00000000}, {1795429914823, 0x416e5cab00000000},
    {1795429915826, 0x416ec06700000000}, {1795429916826, 0x416f2a3000000000},
    {1795429917823, 0x416f9db600000000}, {1795429918823, 0x416ff1f200000000},
    {1795429919823, 0x4170269180000000}, {1795429920823, 0x4170527500000000},
};

static void test_real_prometheus_chunk(void **state)
{
    enum {
        N = sizeof(real_samples) / sizeof(real_samples[0])
    };
    int64_t t[N];
    uint64_t v[N];

    (void)state;
    assert_int_equal(N, real_chunk[0] << 8 | real_chunk[1]);
    for (size_t i = 0; i < N; i++) {
        t[i] = real_samples[i].t;
        v[i] = real_samples[i].v;
    }
    expect_samples(real_chunk, sizeof(real_chunk), t, v, N);
}

/* The test encoder writes the very bytes Prometheus wrote, so the chunks it
 * builds for the other tests are what a real server would send. */
static void test_encoder_matches_prometheus_bytes(void **state)
{
    struct enc c;

    (void)state;
    enc_init(&c);
    for (size_t i = 0; i < sizeof(real_samples) / sizeof(real_samples[0]); i++)
        enc_add(&c, real_samples[i].t, real_samples[i].v);
    assert_int_equal(bw_len(&c.w), sizeof(real_chunk));
    assert_memory_equal(c.w.b, real_chunk, sizeof(real_chunk));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_shorter_than_two_bytes_fails),
        cmocka_unit_test(test_count_zero_yields_no_sample),
        cmocka_unit_test(test_one_sample_literal_bytes),
        cmocka_unit_test(test_two_samples_literal_bytes),
        cmocka_unit_test(test_first_timestamp_extremes),
        cmocka_unit_test(test_dod_every_width_and_boundary),
        cmocka_unit_test(test_dod_sign_rule_from_raw_bits),
        cmocka_unit_test(test_timestamps_going_backwards_decode_as_written),
        cmocka_unit_test(test_constant_interval_costs_one_bit),
        cmocka_unit_test(test_value_repeat_is_one_zero_bit),
        cmocka_unit_test(test_value_new_then_reused_control_bits),
        cmocka_unit_test(test_value_sigbits_64_is_written_as_zero),
        cmocka_unit_test(test_value_reuse_before_any_window_reads_64_bits),
        cmocka_unit_test(test_value_window_over_64_bits_fails),
        cmocka_unit_test(test_nan_and_stale_marker_bit_for_bit),
        cmocka_unit_test(test_varint_errors),
        cmocka_unit_test(test_truncated_messages_name_the_field),
        cmocka_unit_test(test_truncation_at_every_length_fails_cleanly),
        cmocka_unit_test(test_garbage_never_crashes),
        cmocka_unit_test(test_round_trip_counter_series),
        cmocka_unit_test(test_round_trip_gauge_and_float_values),
        cmocka_unit_test(test_real_prometheus_chunk),
        cmocka_unit_test(test_encoder_matches_prometheus_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
