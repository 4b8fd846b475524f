/*
 * xorchunk: decoder of Prometheus XOR (Gorilla) chunks. See xorchunk.h
 * for the layout. Written from the format description, not from Prometheus
 * code; where Prometheus's decoder has a quirk (the sign rule of the
 * delta-of-delta fields, '10' before any '11' meaning "64 significant bits")
 * this decoder follows it so both read the same bytes the same way.
 *
 * Timestamps are computed in uint64_t and converted back: Go's int64 wraps,
 * C's overflows are undefined, and hostile deltas must not be either.
 */
#include "xorchunk.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* Both varint kinds are at most 10 bytes, like Go's binary.MaxVarintLen64. */
#define VARINT_MAX 10

/* Bits left to read; init made sure len * 8 does not overflow. */
static size_t bits_left(const struct xorchunk_iter *it)
{
    return it->len * 8 - it->pos;
}

/*
 * Reads n (1..64) bits, most significant first, into *out. Returns 0, or -1
 * without moving when fewer than n bits are left.
 */
static int read_bits(struct xorchunk_iter *it, unsigned n, uint64_t *out)
{
    uint64_t v = 0;

    if (n > bits_left(it))
        return -1;
    while (n > 0) {
        unsigned avail = 8 - (unsigned)(it->pos & 7);
        unsigned take = n < avail ? n : avail;
        unsigned byte = it->data[it->pos >> 3];

        /* take <= 8, so neither shift can reach the width of its type. */
        assert(take >= 1 && take <= 8);
        v = (v << take) | ((byte >> (avail - take)) & ((1u << take) - 1));
        it->pos += take;
        n -= take;
    }
    *out = v;
    return 0;
}

/* Fails the iterator for good with "sample i of n: <what>". */
static void failf(struct xorchunk_iter *it, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void failf(struct xorchunk_iter *it, struct err *e, const char *fmt, ...)
{
    char msg[UTIL_ERRLEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    it->failed = 1;
    util_errf(e, "xor chunk: sample %u of %u: %s", (unsigned)it->done + 1, (unsigned)it->total,
              msg);
}

/* failf, then -1 (a macro for the analysers, as util_err). */
#define fail(...) (failf(__VA_ARGS__), util_minus_one())

static int truncated(struct xorchunk_iter *it, struct err *e, const char *what)
{
    return fail(it, e, "truncated in the %s (%zu-byte chunk, at bit %zu)", what, it->len, it->pos);
}

/*
 * Reads an unsigned varint through the bit reader (after sample 1 it is not
 * byte aligned in general, and reading it bit-wise costs nothing when it is).
 * Same rules as Go's binary.ReadUvarint: at most 10 bytes, and the 10th may
 * only hold the 64th bit.
 */
static int read_uvarint(struct xorchunk_iter *it, struct err *e, const char *what, uint64_t *out)
{
    uint64_t x = 0;
    unsigned shift = 0;

    for (int i = 0; i < VARINT_MAX; i++) {
        uint64_t b;

        if (read_bits(it, 8, &b) < 0)
            return truncated(it, e, what);
        if (b < 0x80) {
            if (i == VARINT_MAX - 1 && b > 1)
                return fail(it, e, "%s: varint overflows 64 bits", what);
            *out = x | b << shift;
            return 0;
        }
        x |= (b & 0x7f) << shift;
        shift += 7;
    }
    return fail(it, e, "%s: varint longer than %d bytes", what, VARINT_MAX);
}

/* A zig-zag varint, as Go's binary.PutVarint writes it. */
static int read_varint(struct xorchunk_iter *it, struct err *e, const char *what, int64_t *out)
{
    uint64_t ux;

    if (read_uvarint(it, e, what, &ux) < 0)
        return -1;
    /* (ux >> 1) ^ -(ux & 1) without a signed shift or negation. */
    *out = (int64_t)((ux >> 1) ^ (0 - (ux & 1)));
    return 0;
}

/*
 * The delta-of-delta of samples 2 and later: a prefix of up to four bits
 * picks the width. The 14/17/20-bit fields are two's complement with
 * Prometheus's rule that 1 << (n-1) itself is positive (its encoder writes
 * -(2^(n-1)-1) .. 2^(n-1) in n bits).
 */
static int read_dod(struct xorchunk_iter *it, struct err *e, int64_t *dod)
{
    static const unsigned widths[4] = {14, 17, 20, 64};
    unsigned ones = 0;
    uint64_t bit, bits;
    unsigned n;

    while (ones < 4) {
        if (read_bits(it, 1, &bit) < 0)
            return truncated(it, e, "timestamp delta-of-delta");
        if (bit == 0)
            break;
        ones++;
    }
    if (ones == 0) {
        *dod = 0;
        return 0;
    }
    n = widths[ones - 1];
    if (read_bits(it, n, &bits) < 0)
        return truncated(it, e, "timestamp delta-of-delta");
    if (n < 64 && bits > (UINT64_C(1) << (n - 1)))
        bits -= UINT64_C(1) << n; /* wraps to the negative value's pattern */
    *dod = (int64_t)bits;
    return 0;
}

/*
 * An XOR-encoded value: '0' repeats the previous value; '10' reuses the
 * previous leading/trailing zero counts; '11' brings 5 bits of leading zeros
 * and 6 bits of significant bits (0 meaning 64). The significant bits are
 * XORed into the previous value at their place.
 */
static int read_xor(struct xorchunk_iter *it, struct err *e)
{
    uint64_t bit, bits;
    unsigned sig;

    if (read_bits(it, 1, &bit) < 0)
        return truncated(it, e, "XOR value");
    if (bit == 0)
        return 0;
    if (read_bits(it, 1, &bit) < 0)
        return truncated(it, e, "XOR value");
    if (bit == 1) {
        uint64_t lead, nsig;

        if (read_bits(it, 5, &lead) < 0 || read_bits(it, 6, &nsig) < 0)
            return truncated(it, e, "XOR value");
        if (nsig == 0)
            nsig = 64;
        if (lead + nsig > 64)
            return fail(it, e,
                        "XOR value: %u leading zeros and %u significant bits "
                        "exceed 64 bits",
                        (unsigned)lead, (unsigned)nsig);
        it->leading = (uint8_t)lead;
        it->trailing = (uint8_t)(64 - lead - nsig);
    }
    /* Reused counts always come from a '11' above or are the initial 0/0,
     * which Prometheus reads as 64 significant bits; so 1 <= sig <= 64. */
    sig = 64u - it->leading - it->trailing;
    if (read_bits(it, sig, &bits) < 0)
        return truncated(it, e, "XOR value");
    it->vbits ^= bits << it->trailing;
    return 0;
}

int xorchunk_iter_init(struct xorchunk_iter *it, const uint8_t *data, size_t len, struct err *e)
{
    memset(it, 0, sizeof(*it));
    if (len < 2 || data == NULL) {
        it->failed = 1;
        return util_err(e, "xor chunk: %zu bytes, too short for the 2-byte sample count", len);
    }
    /* bits_left() computes len * 8; no real chunk comes close to this. */
    if (len > SIZE_MAX / 8) {
        it->failed = 1;
        return util_err(e, "xor chunk: %zu bytes is too large", len);
    }
    it->data = data;
    it->len = len;
    it->total = (uint16_t)(data[0] << 8 | data[1]);
    it->pos = 16;
    return 0;
}

int xorchunk_next(struct xorchunk_iter *it, int64_t *t_ms, double *v, struct err *e)
{
    if (it->failed)
        return util_err(e, "xor chunk: decoding already failed before sample %u of %u",
                        (unsigned)it->done + 1, (unsigned)it->total);
    if (it->done >= it->total)
        return 0;
    if (it->done == 0) {
        if (read_varint(it, e, "first timestamp", &it->t) < 0)
            return -1;
        if (read_bits(it, 64, &it->vbits) < 0)
            return truncated(it, e, "first value");
    } else {
        if (it->done == 1) {
            uint64_t d = 0;

            if (read_uvarint(it, e, "timestamp delta", &d) < 0)
                return -1;
            it->tdelta = (int64_t)d;
        } else {
            int64_t dod = 0;

            if (read_dod(it, e, &dod) < 0)
                return -1;
            it->tdelta = (int64_t)((uint64_t)it->tdelta + (uint64_t)dod);
        }
        if (read_xor(it, e) < 0)
            return -1;
        it->t = (int64_t)((uint64_t)it->t + (uint64_t)it->tdelta);
    }
    it->done++;
    *t_ms = it->t;
    memcpy(v, &it->vbits, sizeof(*v));
    return 1;
}
