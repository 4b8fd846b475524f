/*
 * xorchunk: decoder of Prometheus XOR (Gorilla) chunks, the encoding of
 * STREAMED_XOR_CHUNKS remote-read responses. Written here rather than taken
 * from a library: the contract asks for our own decoder. Pure: bytes in,
 * samples out, no allocation, no I/O. Safe on hostile input: every read is
 * bounds-checked and a malformed chunk is an error, never a crash.
 *
 * Chunk layout: a big-endian uint16 sample count; the first timestamp as a
 * zig-zag varint and the first value as 64 raw bits; the second timestamp as a
 * uvarint delta and its value XOR-encoded; then per sample a delta-of-delta
 * timestamp ('0', or '10'+14, '110'+17, '1110'+20 signed bits, or '1111'+64
 * bits) and an XOR-encoded value ('0' same, '10' reuse the previous
 * leading/trailing zero counts, '11' + 5 bits leading + 6 bits significant
 * bits (0 meaning 64) + the bits).
 * Depends on util (struct err).
 */
#ifndef SLO_XORCHUNK_H
#define SLO_XORCHUNK_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct xorchunk_iter {
    const uint8_t *data;
    size_t len;     /* bytes */
    size_t pos;     /* next bit */
    uint16_t total; /* samples in the chunk (header) */
    uint16_t done;  /* samples returned so far */
    int64_t t;
    int64_t tdelta;
    uint64_t vbits;
    uint8_t leading;
    uint8_t trailing;
    uint8_t failed; /* set by the first error: later calls return -1 */
};

/*
 * Starts decoding the chunk data[0..len). data must outlive the iterator.
 * Returns 0, or -1 with e set when the header is missing.
 */
int xorchunk_iter_init(struct xorchunk_iter *it, const uint8_t *data, size_t len, struct err *e);

/*
 * The next sample: returns 1 with *t_ms and *v set, 0 after the last one, or
 * -1 with e set when the chunk is truncated or malformed (the iterator then
 * keeps returning -1). Values are returned bit for bit, stale markers
 * included; timestamps come back in the order encoded.
 */
int xorchunk_next(struct xorchunk_iter *it, int64_t *t_ms, double *v, struct err *e);

#endif
