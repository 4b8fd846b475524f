/*
 * rrframe: the framing of streamed remote-read responses, read incrementally.
 * The body is a sequence of frames: uvarint message length, the message's
 * CRC32C (Castagnoli) as 4 big-endian bytes, then the message. Bytes are fed
 * as libcurl hands them over, split anywhere; each complete and verified
 * message is passed to a callback. Only one frame is ever buffered.
 * Pure: no I/O. Depends on util (struct err, struct buf), binio (CRC32C).
 */
#ifndef SLO_RRFRAME_H
#define SLO_RRFRAME_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* Prometheus's default limit on one frame (remote_read_max_bytes_in_frame). */
#define RRFRAME_DEFAULT_MAX (1u << 20)

/*
 * Called once per verified message; msg is valid only during the call.
 * Returns 0 to go on or -1 with e set to stop the whole read.
 */
typedef int (*rrframe_cb)(void *arg, const uint8_t *msg, size_t len, struct err *e);

struct rrframe_reader;

/*
 * A reader that accepts messages up to max_len bytes (0: RRFRAME_DEFAULT_MAX).
 * Caller frees with rrframe_reader_free. NULL when out of memory.
 */
struct rrframe_reader *rrframe_reader_new(size_t max_len, rrframe_cb cb, void *arg);
void rrframe_reader_free(struct rrframe_reader *r);

/*
 * Feeds the next len bytes of the body. Returns 0, or -1 with e set on a bad
 * varint (more than 10 bytes, or over 64 bits), a length over the limit, a
 * CRC mismatch (both values in the message) or a callback error. After an
 * error every later call returns -1.
 */
int rrframe_feed(struct rrframe_reader *r, const void *data, size_t len, struct err *e);

/*
 * Ends the body. Returns 0 when it ended on a frame boundary, -1 with e set
 * when a frame was cut short (how many bytes were missing) or an earlier
 * error stands.
 */
int rrframe_finish(struct rrframe_reader *r, struct err *e);

/* Frames delivered so far. */
uint64_t rrframe_count(const struct rrframe_reader *r);

#endif
