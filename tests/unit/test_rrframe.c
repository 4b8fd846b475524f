/*
 * Unit tests for rrframe: CRC32C against published check values and the
 * bit-by-bit definition, then bodies of frames fed whole, split at every
 * position, one byte at a time, cut short and corrupted.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "binio.h"
#include "rrframe.h"

/* ---- building bodies ---- */

#define BODY_MAX (1u << 22)

struct body {
    uint8_t *b;
    size_t len;
    size_t ends[64];   /* offset just after each frame */
    size_t lens[64];   /* message length of each frame */
    uint32_t crcs[64]; /* and its CRC32C */
    size_t nframes;
};

static void body_init(struct body *w)
{
    memset(w, 0, sizeof(*w));
    w->b = malloc(BODY_MAX);
    assert_non_null(w->b);
}

static void body_free(struct body *w)
{
    free(w->b);
}

static void put(struct body *w, const void *p, size_t n)
{
    assert_true(n <= BODY_MAX - w->len);
    memcpy(w->b + w->len, p, n);
    w->len += n;
}

static void put_uvarint(struct body *w, uint64_t v)
{
    uint8_t c;

    while (v >= 0x80) {
        c = (uint8_t)(v | 0x80);
        put(w, &c, 1);
        v >>= 7;
    }
    c = (uint8_t)v;
    put(w, &c, 1);
}

static void put_be32(struct body *w, uint32_t v)
{
    uint8_t c[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    put(w, c, 4);
}

/* Appends one well-formed frame of msg[0..n). */
static void put_frame(struct body *w, const uint8_t *msg, size_t n)
{
    put_uvarint(w, n);
    put_be32(w, binio_crc32c(0, msg, n));
    put(w, msg, n);
    assert_true(w->nframes < sizeof(w->ends) / sizeof(w->ends[0]));
    w->lens[w->nframes] = n;
    w->crcs[w->nframes] = binio_crc32c(0, msg, n);
    w->ends[w->nframes++] = w->len;
}

/* Message i of a test body: n bytes that depend on i and the position. */
static void fill_msg(uint8_t *m, size_t n, unsigned i)
{
    for (size_t k = 0; k < n; k++)
        m[k] = (uint8_t)(k * 31 + i * 7 + (k >> 8));
}

/*
 * The body most tests use: lengths chosen for 1-, 2- and 3-byte varints,
 * the 127/128 varint boundary and an empty message.
 */
static const size_t std_lens[] = {5, 0, 1, 127, 128, 300, 20000, 3};
#define STD_N (sizeof(std_lens) / sizeof(std_lens[0]))

static void std_body(struct body *w)
{
    static uint8_t m[20000];

    body_init(w);
    for (unsigned i = 0; i < STD_N; i++) {
        fill_msg(m, std_lens[i], i);
        put_frame(w, m, std_lens[i]);
    }
}

/* ---- a callback that records what it gets ---- */

struct got {
    size_t n;
    size_t lens[64];
    uint32_t crcs[64];
    size_t fail_at; /* 1-based message to fail on, 0 never */
    int set_msg;    /* whether the failing call fills e */
};

static int record(void *arg, const uint8_t *msg, size_t len, struct err *e)
{
    struct got *g = arg;

    assert_true(g->n < 64);
    assert_true(len == 0 || msg != NULL);
    g->lens[g->n] = len;
    g->crcs[g->n] = binio_crc32c(0, msg, len);
    g->n++;
    if (g->n == g->fail_at)
        return g->set_msg ? util_err(e, "message %zu is not a ReadResponse", g->n) : -1;
    return 0;
}

/* Checks that g holds exactly the first n messages of the body w. */
static void expect_msgs(const struct got *g, const struct body *w, size_t n)
{
    assert_int_equal(g->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(g->lens[i], w->lens[i]);
        assert_int_equal(g->crcs[i], w->crcs[i]);
    }
}

/*
 * Whether tests that try every position should try cut: all of them except
 * deep inside a long message, where one position in 97 is enough (the
 * reader does the same there whatever the offset) and every cut costs a
 * whole pass over the body.
 */
static int worth_cutting(const struct body *w, size_t cut)
{
    for (size_t f = 0; f < w->nframes; f++) {
        size_t start = w->ends[f] - w->lens[f];

        if (cut > start + 16 && cut + 16 < w->ends[f])
            return (cut - start) % 97 == 0;
    }
    return 1;
}

/* Feeds the pieces [0, cut1) [cut1, cut2) [cut2, len) and finishes. */
static int feed3(struct rrframe_reader *r, const struct body *w, size_t cut1, size_t cut2,
                 struct err *e)
{
    if (rrframe_feed(r, w->b, cut1, e) < 0 || rrframe_feed(r, w->b + cut1, cut2 - cut1, e) < 0 ||
        rrframe_feed(r, w->b + cut2, w->len - cut2, e) < 0)
        return -1;
    return rrframe_finish(r, e);
}

/* ---- CRC32C ---- */

/* The definition: one bit at a time, reflected polynomial, inverted ends. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffff;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78 : c >> 1;
    }
    return ~c;
}

static void test_crc32c_check_values(void **state)
{
    uint8_t b[32];

    (void)state;
    assert_int_equal(binio_crc32c(0, "123456789", 9), 0xe3069283);
    assert_int_equal(binio_crc32c(0, NULL, 0), 0);
    /* RFC 3720 (iSCSI) appendix B.4. */
    memset(b, 0, sizeof(b));
    assert_int_equal(binio_crc32c(0, b, 32), 0x8a9136aa);
    memset(b, 0xff, sizeof(b));
    assert_int_equal(binio_crc32c(0, b, 32), 0x62a8ab43);
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)i;
    assert_int_equal(binio_crc32c(0, b, 32), 0x46dd794e);
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)(31 - i);
    assert_int_equal(binio_crc32c(0, b, 32), 0x113fdb5c);
}

static void test_crc32c_table_matches_bitwise_definition(void **state)
{
    uint8_t b[1024];

    (void)state;
    for (size_t i = 0; i < sizeof(b); i++)
        b[i] = (uint8_t)(i * 167 + (i >> 3));
    /* Every single byte value exercises every table entry. */
    for (int v = 0; v < 256; v++) {
        uint8_t c = (uint8_t)v;

        assert_int_equal(binio_crc32c(0, &c, 1), crc_bitwise(&c, 1));
    }
    for (size_t n = 0; n <= sizeof(b); n += 37)
        assert_int_equal(binio_crc32c(0, b, n), crc_bitwise(b, n));
}

static void test_crc32c_chains_like_go_update(void **state)
{
    static const char s[] = "streamed remote read";
    uint32_t whole = binio_crc32c(0, s, sizeof(s) - 1);

    (void)state;
    for (size_t k = 0; k < sizeof(s); k++)
        assert_int_equal(binio_crc32c(binio_crc32c(0, s, k), s + k, sizeof(s) - 1 - k), whole);
}

/* ---- well-formed bodies ---- */

/*
 * A real body: Prometheus 2.42.0 answering a STREAMED_XOR_CHUNKS read of
 * "up": one frame of a 123-byte ChunkedReadResponse, its CRC written by Go.
 */
/* 128 bytes */
static const uint8_t real_body[] = {
    0x7b, 0x6d, 0x51, 0x8a, 0x4c, 0x0a, 0x79, 0x0a, 0x0e, 0x0a, 0x08, 0x5f, 0x5f, 0x6e, 0x61, 0x6d,
    0x65, 0x5f, 0x5f, 0x12, 0x02, 0x75, 0x70, 0x0a, 0x1b, 0x0a, 0x08, 0x69, 0x6e, 0x73, 0x74, 0x61,
    0x6e, 0x63, 0x65, 0x12, 0x0f, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31, 0x3a, 0x35,
    0x37, 0x36, 0x39, 0x35, 0x0a, 0x0b, 0x0a, 0x03, 0x6a, 0x6f, 0x62, 0x12, 0x04, 0x73, 0x65, 0x6c,
    0x66, 0x12, 0x3d, 0x08, 0xff, 0xd4, 0xd5, 0xbf, 0xa0, 0x34, 0x10, 0xb7, 0xe0, 0xd9, 0xbf, 0xa0,
    0x34, 0x18, 0x01, 0x22, 0x2b, 0x00, 0x44, 0xfe, 0xa9, 0xab, 0xff, 0xc0, 0x68, 0x3f, 0xf0, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xe8, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0xaf, 0xff, 0x57, 0xff, 0xa8, 0x00, 0x30, 0x00,
};

static void test_real_prometheus_body(void **state)
{
    struct got g = {0};
    struct rrframe_reader *r = rrframe_reader_new(0, record, &g);
    struct err e;

    (void)state;
    /* Cut inside the CRC and inside the message. */
    assert_int_equal(rrframe_feed(r, real_body, 3, &e), 0);
    assert_int_equal(rrframe_feed(r, real_body + 3, 57, &e), 0);
    assert_int_equal(rrframe_feed(r, real_body + 60, sizeof(real_body) - 60, &e), 0);
    assert_int_equal(rrframe_finish(r, &e), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.lens[0], 123);
    assert_int_equal(g.crcs[0], (uint32_t)real_body[1] << 24 | real_body[2] << 16 |
                                    real_body[3] << 8 | real_body[4]);
    rrframe_reader_free(r);
}

static void test_empty_body_is_fine(void **state)
{
    struct got g = {0};
    struct rrframe_reader *r = rrframe_reader_new(0, record, &g);
    struct err e;

    (void)state;
    assert_non_null(r);
    assert_int_equal(rrframe_feed(r, NULL, 0, &e), 0);
    assert_int_equal(rrframe_finish(r, &e), 0);
    assert_int_equal(rrframe_count(r), 0);
    assert_int_equal(g.n, 0);
    rrframe_reader_free(r);
    rrframe_reader_free(NULL);
}

static void test_zero_length_frame(void **state)
{
    /* Length 0 and the CRC of nothing, which is 0. */
    static const uint8_t z[] = {0x00, 0x00, 0x00, 0x00, 0x00};
    /* A non-minimal varint of 0 is still 0 (Go accepts it). */
    static const uint8_t nm[] = {0x80, 0x00, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t bad[] = {0x00, 0x00, 0x00, 0x00, 0x01};
    struct got g = {0};
    struct rrframe_reader *r = rrframe_reader_new(0, record, &g);
    struct err e;

    (void)state;
    assert_int_equal(rrframe_feed(r, z, sizeof(z), &e), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.lens[0], 0);
    assert_int_equal(rrframe_feed(r, nm, sizeof(nm), &e), 0);
    assert_int_equal(rrframe_finish(r, &e), 0);
    assert_int_equal(rrframe_count(r), 2);
    rrframe_reader_free(r);

    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(rrframe_feed(r, bad, sizeof(bad), &e), -1);
    assert_string_equal(e.msg, "remote-read frame 1 (body offset 0): CRC32C mismatch: header "
                               "says 0x00000001, message of 0 bytes has 0x00000000");
    rrframe_reader_free(r);
}

static void test_frames_fed_whole(void **state)
{
    struct body w;
    struct got g = {0};
    struct rrframe_reader *r;
    struct err e;

    (void)state;
    std_body(&w);
    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(rrframe_feed(r, w.b, w.len, &e), 0);
    assert_int_equal(rrframe_finish(r, &e), 0);
    assert_int_equal(rrframe_count(r), STD_N);
    expect_msgs(&g, &w, STD_N);
    rrframe_reader_free(r);
    body_free(&w);
}

/* Remembers where the last message was, to see whether it was copied. */
static int note_ptr(void *arg, const uint8_t *msg, size_t len, struct err *e)
{
    (void)len;
    (void)e;
    *(const uint8_t **)arg = msg;
    return 0;
}

static void test_whole_message_in_one_feed_is_not_copied(void **state)
{
    struct body w;
    const uint8_t *seen = NULL;
    struct rrframe_reader *r;
    struct err e;
    uint8_t m[64];

    (void)state;
    fill_msg(m, sizeof(m), 0);
    body_init(&w);
    put_frame(&w, m, sizeof(m));
    put_frame(&w, m, sizeof(m));
    r = rrframe_reader_new(0, note_ptr, &seen);
    /* Frame 1 whole, frame 2 split inside its message. */
    assert_int_equal(rrframe_feed(r, w.b, w.ends[0] + 10, &e), 0);
    assert_ptr_equal(seen, w.b + 5);
    assert_int_equal(rrframe_feed(r, w.b + w.ends[0] + 10, w.len - w.ends[0] - 10, &e), 0);
    assert_true(seen < w.b || seen >= w.b + w.len);
    /* The header alone, then the whole message: no copy either. */
    assert_int_equal(rrframe_feed(r, w.b, 5, &e), 0);
    assert_int_equal(rrframe_feed(r, w.b + 5, sizeof(m), &e), 0);
    assert_ptr_equal(seen, w.b + 5);
    assert_int_equal(rrframe_finish(r, &e), 0);
    rrframe_reader_free(r);
    body_free(&w);
}

static void test_frames_split_at_every_position(void **state)
{
    struct body w;
    struct err e;

    (void)state;
    std_body(&w);
    for (size_t cut = 0; cut <= w.len; cut++) {
        struct got g = {0};
        struct rrframe_reader *r;

        if (!worth_cutting(&w, cut))
            continue;
        r = rrframe_reader_new(0, record, &g);
        if (feed3(r, &w, cut, cut, &e) != 0)
            fail_msg("split at %zu: %s", cut, e.msg);
        expect_msgs(&g, &w, STD_N);
        rrframe_reader_free(r);
    }
    body_free(&w);
}

static void test_frames_split_twice_around_headers(void **state)
{
    /* Small frames, every pair of cut points: splits inside the varint,
     * inside the CRC and inside the message, in every combination. */
    struct body w;
    uint8_t m[200];
    struct err e;

    (void)state;
    body_init(&w);
    fill_msg(m, sizeof(m), 1);
    put_frame(&w, m, 3);
    put_frame(&w, m, 0);
    put_frame(&w, m, 200);
    put_frame(&w, m, 1);
    for (size_t c1 = 0; c1 <= w.len; c1++) {
        for (size_t c2 = c1; c2 <= w.len; c2++) {
            struct got g = {0};
            struct rrframe_reader *r = rrframe_reader_new(0, record, &g);

            if (feed3(r, &w, c1, c2, &e) != 0)
                fail_msg("cuts %zu %zu: %s", c1, c2, e.msg);
            assert_int_equal(g.n, 4);
            assert_int_equal(g.lens[2], 200);
            assert_int_equal(g.crcs[2], binio_crc32c(0, m, 200));
            rrframe_reader_free(r);
        }
    }
    body_free(&w);
}

static void test_frames_one_byte_at_a_time(void **state)
{
    struct body w;
    struct got g = {0};
    struct rrframe_reader *r;
    struct err e;

    (void)state;
    std_body(&w);
    r = rrframe_reader_new(0, record, &g);
    for (size_t i = 0; i < w.len; i++) {
        size_t before = g.n;

        assert_int_equal(rrframe_feed(r, w.b + i, 1, &e), 0);
        /* A message is delivered with its last byte, not later. */
        for (size_t f = 0; f < w.nframes; f++)
            if (w.ends[f] == i + 1)
                assert_int_equal(g.n, before + 1);
    }
    assert_int_equal(rrframe_finish(r, &e), 0);
    expect_msgs(&g, &w, STD_N);
    rrframe_reader_free(r);
    body_free(&w);
}

static void test_max_len_exactly_is_accepted(void **state)
{
    static uint8_t m[RRFRAME_DEFAULT_MAX + 1];
    struct body w;
    struct got g = {0};
    struct rrframe_reader *r;
    struct err e;

    (void)state;
    fill_msg(m, sizeof(m), 3);
    body_init(&w);
    put_frame(&w, m, 1000);
    /* Split so the message is buffered, and whole. */
    for (size_t cut = 0; cut <= w.len; cut += w.len / 2) {
        r = rrframe_reader_new(1000, record, &g);
        assert_int_equal(feed3(r, &w, cut, cut, &e), 0);
        rrframe_reader_free(r);
    }
    body_free(&w);

    /* 0 means Prometheus's default of 1 MiB. */
    body_init(&w);
    put_frame(&w, m, RRFRAME_DEFAULT_MAX);
    put_frame(&w, m, RRFRAME_DEFAULT_MAX + 1);
    g.n = 0;
    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(rrframe_feed(r, w.b, 1000, &e), 0);
    assert_int_equal(rrframe_feed(r, w.b + 1000, w.len - 1000, &e), -1);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.lens[0], RRFRAME_DEFAULT_MAX);
    assert_string_equal(e.msg, "remote-read frame 2 (body offset 1048583): message of 1048577 "
                               "bytes exceeds the limit of 1048576 bytes");
    rrframe_reader_free(r);
    body_free(&w);
}

/* ---- malformed bodies ---- */

static void test_oversize_length_rejected_before_buffering(void **state)
{
    /* Only the varint is sent: the limit is checked as soon as it ends. */
    static const uint8_t v101[] = {101};
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    struct got g = {0};
    struct rrframe_reader *r = rrframe_reader_new(100, record, &g);
    struct err e;
    char want[64];

    (void)state;
    assert_int_equal(rrframe_feed(r, v101, 1, &e), -1);
    assert_string_equal(e.msg, "remote-read frame 1 (body offset 0): message of 101 bytes "
                               "exceeds the limit of 100 bytes");
    rrframe_reader_free(r);
    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(rrframe_feed(r, huge, sizeof(huge), &e), -1);
    assert_string_equal(e.msg, "remote-read frame 1 (body offset 0): message of "
                               "18446744073709551615 bytes exceeds the limit of 1048576 bytes");
    /* Sticky, also when finish gets no struct err. */
    assert_int_equal(rrframe_finish(r, NULL), -1);
    rrframe_reader_free(r);

    /* "No limit" is capped where a buffer size can still be computed. */
    r = rrframe_reader_new(SIZE_MAX, record, &g);
    assert_int_equal(rrframe_feed(r, huge, sizeof(huge), &e), -1);
    snprintf(want, sizeof(want), "exceeds the limit of %zu bytes", SIZE_MAX / 2);
    assert_non_null(strstr(e.msg, want));
    rrframe_reader_free(r);
}

static void test_length_varint_errors(void **state)
{
    static const uint8_t eleven[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                       0x80, 0x80, 0x80, 0x80, 0x00};
    static const uint8_t over[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    struct got g = {0};
    struct rrframe_reader *r;
    struct err e;

    (void)state;
    r = rrframe_reader_new(0, record, &g);
    /* Fed one byte at a time: the error comes with the 10th byte. */
    for (int i = 0; i < 9; i++)
        assert_int_equal(rrframe_feed(r, eleven + i, 1, &e), 0);
    assert_int_equal(rrframe_feed(r, eleven + 9, 2, &e), -1);
    assert_string_equal(e.msg, "remote-read frame 1 (body offset 0): length varint does not "
                               "end within 10 bytes");
    rrframe_reader_free(r);
    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(rrframe_feed(r, over, sizeof(over), &e), -1);
    assert_string_equal(e.msg, "remote-read frame 1 (body offset 0): length varint overflows "
                               "64 bits");
    rrframe_reader_free(r);
    assert_int_equal(g.n, 0);
}

static void test_bad_crc_is_sticky(void **state)
{
    struct body w;
    struct got g = {0};
    struct rrframe_reader *r;
    struct err e, e2;
    char want[UTIL_ERRLEN];
    uint32_t crc;

    (void)state;
    std_body(&w);
    /* Frame 3 (length 1, at offset w.ends[1]): flip its message byte. */
    crc = binio_crc32c(0, w.b + w.ends[1] + 5, 1);
    w.b[w.ends[1] + 5] ^= 0x40;
    snprintf(want, sizeof(want),
             "remote-read frame 3 (body offset %zu): CRC32C mismatch: "
             "header says 0x%08x, message of 1 bytes has 0x%08x",
             w.ends[1], crc, binio_crc32c(0, w.b + w.ends[1] + 5, 1));
    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(rrframe_feed(r, w.b, w.len, &e), -1);
    assert_string_equal(e.msg, want);
    assert_int_equal(g.n, 2);
    assert_int_equal(rrframe_count(r), 2);
    /* Every later call repeats the first error, also after a NULL e. */
    assert_int_equal(rrframe_feed(r, w.b, 1, NULL), -1);
    assert_int_equal(rrframe_feed(r, w.b, 1, &e2), -1);
    assert_string_equal(e2.msg, want);
    memset(&e2, 0, sizeof(e2));
    assert_int_equal(rrframe_finish(r, &e2), -1);
    assert_string_equal(e2.msg, want);
    assert_int_equal(g.n, 2);
    rrframe_reader_free(r);

    /* A flipped CRC byte, message split so it is buffered. */
    w.b[w.ends[1] + 5] ^= 0x40;
    w.b[w.ends[5] + 4] ^= 0x01; /* frame 7: 20000 bytes, 3-byte varint */
    g.n = 0;
    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(feed3(r, &w, w.ends[5] + 100, w.ends[5] + 10000, &e), -1);
    assert_non_null(strstr(e.msg, "remote-read frame 7"));
    assert_non_null(strstr(e.msg, "CRC32C mismatch"));
    assert_int_equal(g.n, 6);
    rrframe_reader_free(r);
    body_free(&w);
}

static void test_truncation_at_every_position(void **state)
{
    struct body w;
    struct err e;

    (void)state;
    std_body(&w);
    for (size_t cut = 0; cut < w.len; cut++) {
        struct got g = {0};
        struct rrframe_reader *r;
        size_t whole = 0;
        int boundary = cut == 0;

        if (!worth_cutting(&w, cut))
            continue;
        r = rrframe_reader_new(0, record, &g);
        for (size_t f = 0; f < w.nframes; f++) {
            if (w.ends[f] <= cut)
                whole = f + 1;
            if (w.ends[f] == cut)
                boundary = 1;
        }
        assert_int_equal(rrframe_feed(r, w.b, cut, &e), 0);
        if (boundary) {
            assert_int_equal(rrframe_finish(r, &e), 0);
        } else {
            assert_int_equal(rrframe_finish(r, &e), -1);
            assert_non_null(strstr(e.msg, "stream ended inside"));
        }
        expect_msgs(&g, &w, whole);
        rrframe_reader_free(r);
    }
    body_free(&w);
}

static void test_truncation_messages(void **state)
{
    struct body w;
    uint8_t m[300];
    struct got g = {0};
    struct rrframe_reader *r;
    struct err e;

    (void)state;
    fill_msg(m, sizeof(m), 0);
    body_init(&w);
    put_frame(&w, m, 300); /* varint ac 02 */
    r = rrframe_reader_new(0, record, &g);
    rrframe_feed(r, w.b, 1, &e);
    assert_int_equal(rrframe_finish(r, &e), -1);
    assert_string_equal(e.msg, "remote-read frame 1 (body offset 0): stream ended inside the "
                               "frame header: after 1 bytes of the length varint");
    rrframe_reader_free(r);
    r = rrframe_reader_new(0, record, &g);
    rrframe_feed(r, w.b, 5, &e);
    assert_int_equal(rrframe_finish(r, &e), -1);
    assert_string_equal(e.msg, "remote-read frame 1 (body offset 0): stream ended inside the "
                               "frame header: 3 of 4 CRC bytes");
    rrframe_reader_free(r);
    r = rrframe_reader_new(0, record, &g);
    rrframe_feed(r, w.b, 106, &e);
    assert_int_equal(rrframe_finish(r, &e), -1);
    assert_string_equal(e.msg, "remote-read frame 1 (body offset 0): stream ended inside a "
                               "frame: 100 of 300 bytes");
    /* finish's error is sticky too. */
    assert_int_equal(rrframe_feed(r, w.b + 106, w.len - 106, &e), -1);
    rrframe_reader_free(r);
    body_free(&w);
}

static void test_callback_error_propagates(void **state)
{
    struct body w;
    struct got g = {0};
    struct rrframe_reader *r;
    struct err e;

    (void)state;
    std_body(&w);
    g.fail_at = 4;
    g.set_msg = 1;
    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(rrframe_feed(r, w.b, w.len, &e), -1);
    assert_string_equal(e.msg, "message 4 is not a ReadResponse");
    assert_int_equal(g.n, 4);
    assert_int_equal(rrframe_feed(r, w.b, w.len, &e), -1);
    assert_string_equal(e.msg, "message 4 is not a ReadResponse");
    assert_int_equal(rrframe_finish(r, &e), -1);
    assert_int_equal(g.n, 4);
    rrframe_reader_free(r);

    /* A callback that fails without a message still leaves one. */
    memset(&g, 0, sizeof(g));
    g.fail_at = 2;
    r = rrframe_reader_new(0, record, &g);
    assert_int_equal(rrframe_feed(r, w.b, w.len, &e), -1);
    assert_string_equal(e.msg, "remote-read frame 2: message handler failed");
    rrframe_reader_free(r);
    body_free(&w);
}

static void test_random_chunking_and_corruption(void **state)
{
    /* Random feeds of random bodies, some corrupted: never a crash, and the
     * result does not depend on how the body was split. */
    uint64_t s = 12345;
    static uint8_t m[5000];
    struct err e;

    (void)state;
    for (int round = 0; round < 300; round++) {
        struct body w;
        struct got g1 = {0}, g2 = {0};
        struct rrframe_reader *r1 = rrframe_reader_new(4096, record, &g1);
        struct rrframe_reader *r2 = rrframe_reader_new(4096, record, &g2);
        int rc1, rc2 = 0;
        char msg1[UTIL_ERRLEN];

        body_init(&w);
        for (int f = 0; f < 8; f++) {
            size_t n;

            s = s * 6364136223846793005u + 1442695040888963407u;
            n = (size_t)(s >> 33) % (f == 7 ? 5000 : 600);
            fill_msg(m, n, (unsigned)round);
            put_frame(&w, m, n);
        }
        if (round % 3 == 0) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            w.b[(s >> 33) % w.len] ^= (uint8_t)(1u << ((s >> 60) % 8));
        }
        rc1 = rrframe_feed(r1, w.b, w.len, &e);
        if (rc1 == 0)
            rc1 = rrframe_finish(r1, &e);
        snprintf(msg1, sizeof(msg1), "%s", rc1 ? e.msg : "");
        for (size_t off = 0; off < w.len && rc2 == 0;) {
            size_t n;

            s = s * 6364136223846793005u + 1442695040888963407u;
            n = (size_t)(s >> 33) % 700;
            if (n > w.len - off)
                n = w.len - off;
            rc2 = rrframe_feed(r2, w.b + off, n, &e);
            off += n;
        }
        if (rc2 == 0)
            rc2 = rrframe_finish(r2, &e);
        assert_int_equal(rc1, rc2);
        if (rc1 != 0)
            assert_string_equal(msg1, e.msg);
        assert_int_equal(g1.n, g2.n);
        assert_memory_equal(g1.crcs, g2.crcs, g1.n * sizeof(g1.crcs[0]));
        rrframe_reader_free(r1);
        rrframe_reader_free(r2);
        body_free(&w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_check_values),
        cmocka_unit_test(test_crc32c_table_matches_bitwise_definition),
        cmocka_unit_test(test_crc32c_chains_like_go_update),
        cmocka_unit_test(test_empty_body_is_fine),
        cmocka_unit_test(test_zero_length_frame),
        cmocka_unit_test(test_real_prometheus_body),
        cmocka_unit_test(test_frames_fed_whole),
        cmocka_unit_test(test_whole_message_in_one_feed_is_not_copied),
        cmocka_unit_test(test_frames_split_at_every_position),
        cmocka_unit_test(test_frames_split_twice_around_headers),
        cmocka_unit_test(test_frames_one_byte_at_a_time),
        cmocka_unit_test(test_max_len_exactly_is_accepted),
        cmocka_unit_test(test_oversize_length_rejected_before_buffering),
        cmocka_unit_test(test_length_varint_errors),
        cmocka_unit_test(test_bad_crc_is_sticky),
        cmocka_unit_test(test_truncation_at_every_position),
        cmocka_unit_test(test_truncation_messages),
        cmocka_unit_test(test_callback_error_propagates),
        cmocka_unit_test(test_random_chunking_and_corruption),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
