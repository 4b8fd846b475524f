/*
 * remote_read: a client for the Prometheus remote-read protocol
 * (POST <url><read_path>, snappy-compressed protobuf ReadRequest). It asks for
 * STREAMED_XOR_CHUNKS first and accepts SAMPLES when the server answers that
 * way (Cortex does, sometimes without Content-Encoding). Streamed bodies are
 * decoded frame by frame from libcurl's write callback (rrframe, rrdecode),
 * never buffered whole; a SAMPLES body is one snappy block, buffered up to a
 * hard cap. A SAMPLES body without Content-Encoding (Cortex sends none, and
 * no Content-Type, which Go turns into application/octet-stream) is decoded
 * as snappy when it is a valid snappy block, else read as plain protobuf.
 *
 * Each series reaches the caller's callback once per run of frames, with its
 * samples sorted by time, duplicates (overlapping chunks) removed, stale
 * markers dropped and clipped to the query's [start, end] (the protocol's
 * range is inclusive at both ends). A series split over several consecutive
 * frames is joined first; should a server repeat a series later, the callback
 * sees it again and must merge by labels.
 *
 * A read succeeds as a whole or fails: transport errors, HTTP errors (with
 * the server's message), snappy, protobuf, frame, CRC and chunk errors, other
 * chunk encodings and size limits all return -1 with a message. Callbacks may
 * already have run when a read fails, so callers stage what they get and
 * commit only on success.
 *
 * Transient failures (no answer at all, HTTP 429, 502, 503, 504; see
 * httpc.h) are retried within the configured timeout, but only while no
 * series has reached the callback: once one has, a failure is final for the
 * run, so retries never deliver a series twice.
 * The client is also a struct rawsrc (remote_read_source), the transport the
 * exact engine reads through in remote_read mode.
 * Depends on util, config, rawsrc, selector, httpc, log, rrdecode, rrframe, rrseries,
 * libcurl, snappy, protobuf-c (code generated from proto/ at build time).
 */
#ifndef SLO_REMOTE_READ_H
#define SLO_REMOTE_READ_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "rawsrc.h"
#include "selector.h"
#include "util.h"

/* Largest SAMPLES body accepted, compressed and uncompressed. */
#define REMOTE_READ_MAX_BODY (256u * 1024u * 1024u)

/*
 * Largest message of a streamed response. Prometheus fills frames up to
 * --storage.remote.read-max-bytes-in-frame (1 MiB by default) and may pass it
 * by one chunk; this leaves room for servers configured with more.
 */
#define REMOTE_READ_MAX_FRAME (16u * 1024u * 1024u)

/*
 * Most samples one series may bring in one read (2^25: a year at one sample
 * per second); the read fails past it. They are not held at once: a series
 * is handed on in pieces of REMOTE_READ_PIECE_SAMPLES (16 MiB of samples,
 * twice that while a piece that came out of order is sorted), so one long
 * series costs at most about 32 MiB.
 */
#define REMOTE_READ_MAX_SAMPLES ((size_t)1 << 25)
#define REMOTE_READ_PIECE_SAMPLES ((size_t)1 << 20)

/*
 * Most memory protobuf-c may allocate to decode one message (a SAMPLES
 * ReadResponse or one frame): decoded messages are several times their
 * encoded size, and a hostile one could be far more.
 */
#define REMOTE_READ_MAX_DECODED ((size_t)1 << 30)

/* Most labels of one series, and most bytes of one label name or value. */
#define REMOTE_READ_MAX_LABELS 1024
#define REMOTE_READ_MAX_LABEL_BYTES (64u * 1024u)

/* Which response types to ask for. */
enum remote_read_accept {
    REMOTE_READ_ACCEPT_CHUNKS, /* STREAMED_XOR_CHUNKS, then SAMPLES */
    REMOTE_READ_ACCEPT_SAMPLES /* SAMPLES only */
};

struct remote_read_stats {
    int streamed;   /* 1: the server sent XOR chunks */
    uint64_t bytes; /* body bytes received */
    uint64_t frames;
    uint64_t series;
    uint64_t samples; /* delivered, after clipping and dedup */
};

struct remote_read_client;

/*
 * A client for cfg (URL + read_path, timeout, headers, bearer token file,
 * basic auth, TLS; secrets re-read per request). cfg must outlive it. Caller
 * frees with remote_read_client_free. NULL with e set on failure.
 */
struct remote_read_client *remote_read_client_new(const struct config_prometheus *cfg,
                                                  enum remote_read_accept accept, struct err *e);
void remote_read_client_free(struct remote_read_client *c);

/*
 * Runs the queries q[0..nq) in one request and calls cb for each series.
 * Returns 0, or -1 with e set (see the top of this file); st (may be NULL)
 * is filled in both cases. A 404 says the store has no remote-read endpoint:
 * "remote_read is not supported by URL (HTTP 404); use mode: api_read".
 * Other errors read "POST URL: what went wrong", except that an error set by
 * cb is returned as cb wrote it. nq == 0 sends nothing and returns 0.
 * Not thread-safe: one client per thread. Needs curl_global_init.
 */
int remote_read_run(struct remote_read_client *c, const struct rawsrc_query *q, size_t nq,
                    rawsrc_cb cb, void *arg, struct remote_read_stats *st, struct err *e);

/*
 * Decodes a 200 response body as remote_read_run does, without a transfer:
 * for tests and fuzzing. streamed picks the framed form (else SAMPLES);
 * encoding is the Content-Encoding header ("" or NULL when absent). Same
 * callbacks, checks and errors as a run.
 */
int remote_read_decode_body(struct remote_read_client *c, const struct rawsrc_query *q, size_t nq,
                            int streamed, const char *encoding, const void *body, size_t len,
                            rawsrc_cb cb, void *arg, struct err *e);

/* The client as the exact engine's transport (rawsrc.h); freeing it frees the client. */
struct rawsrc *remote_read_source(struct remote_read_client *c);

/* 1 when the last run could not connect to the server (see promql_client_unreachable). */
int remote_read_client_unreachable(const struct remote_read_client *c);

/* Retries made by this client since it was created (attempts after each run's first). */
uint64_t remote_read_client_retries(const struct remote_read_client *c);

/* Runs stop soon after *flag turns non-zero: see httpc_set_cancel. 0 or -1. */
int remote_read_client_set_cancel(struct remote_read_client *c, const atomic_int *flag);

/* Starts a round of runs (one evaluation): see httpc_new_round. */
void remote_read_client_new_round(struct remote_read_client *c);

/* The hard limits of a client; remote_read_client_new sets the defaults above. */
struct remote_read_limits {
    size_t max_body;      /* SAMPLES body, compressed and uncompressed */
    size_t max_frame;     /* one streamed message */
    size_t max_samples;   /* samples of one series in one read */
    size_t max_decoded;   /* memory of one decoded protobuf message */
    size_t piece_samples; /* samples gathered before a long series is handed on */
};

/*
 * Replaces the limits of c (zero fields keep their current value). For tests,
 * which lower them to reach the error paths cheaply.
 */
void remote_read_client_set_limits(struct remote_read_client *c,
                                   const struct remote_read_limits *l);

#endif
