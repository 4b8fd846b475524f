/*
 * rrdecode: the protobuf messages of a remote-read answer, decoded into
 * series (rrseries): a SAMPLES body (one ReadResponse, snappy-compressed or
 * not) or one streamed frame (a ChunkedReadResponse whose XOR chunks the
 * series decode). protobuf-c decodes through an allocator that enforces
 * max_decoded, as a hostile message could ask for far more memory than its
 * size; snappy output is capped at max_body.
 *
 * Content-Encoding of SAMPLES bodies: Prometheus sends "snappy", Cortex none
 * (and no Content-Type). "snappy" means the body must be a valid snappy
 * block; with no Content-Encoding (or "identity") a body that is a valid
 * snappy block is decoded as one, and only a body that is not is read as an
 * uncompressed ReadResponse. Any other encoding is an error naming it.
 *
 * No I/O: bytes in, series to the callback out (httpc only words the
 * excerpt of a body that is no message).
 * Depends on util, rrseries, httpc, protobuf-c, snappy.
 */
#ifndef SLO_RRDECODE_H
#define SLO_RRDECODE_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "rrseries.h"
#include "util.h"

/* protobuf-c allocations counted against a limit. */
struct rrdecode_cap {
    size_t used;
    size_t limit;
    int hit;
};

/* A decoder's limits and reused buffers; owned by its user (the remote_read client). */
struct rrdecode {
    size_t max_body;    /* SAMPLES body uncompressed (set by rrdecode_begin) */
    size_t max_decoded; /* memory of one decoded message (set by rrdecode_begin) */
    struct rrdecode_cap ca;
    ProtobufCAllocator alloc; /* counts into ca */
    char *unz;                /* snappy output, reused */
    size_t unzcap;
};

/* Sets d up empty. Allocates nothing; rrdecode_free frees what later calls grow. */
void rrdecode_init(struct rrdecode *d);

/* Starts a run with these limits. */
void rrdecode_begin(struct rrdecode *d, size_t max_body, size_t max_decoded);

/* Frees the buffers of d (not d itself). */
void rrdecode_free(struct rrdecode *d);

/* Frees the buffers one big answer grew past what is worth keeping for the next. */
void rrdecode_trim(struct rrdecode *d);

/*
 * Decodes frame number frame (counted from 1, for messages), a verified
 * ChunkedReadResponse of len bytes, into s: its series continue the one
 * being gathered when their labels match, else the gathered one is flushed
 * and a new one started. 0, or -1 with e set (an invalid message, one over
 * max_decoded, a query_index out of range, or an error of s).
 */
int rrdecode_frame(struct rrdecode *d, struct rrseries *s, uint64_t frame, const uint8_t *msg,
                   size_t len, struct err *e);

/*
 * Decodes a whole SAMPLES body, data[0..n) (data may be NULL when n is 0),
 * sent with Content-Encoding encoding ("" when absent), into s, each series
 * flushed in turn. 0, or -1 with e set (the encoding, snappy, the message,
 * its limits, the number of results, or an error of s).
 */
int rrdecode_samples(struct rrdecode *d, struct rrseries *s, const char *encoding,
                     const void *data, size_t n, struct err *e);

/* A limit in words into out: "256 MiB", or "1000 bytes" when it is no whole number of MiB. */
const char *rrdecode_size_words(size_t n, char *out, size_t len);

#endif
