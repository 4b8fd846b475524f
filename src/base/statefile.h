/*
 * statefile: the checkpoint file (global.state_file). Written atomically:
 * a temporary file next to it, fsync, rename over the old one, fsync of
 * the directory, so a crash leaves either the old file or the new one.
 * Layout: "SLOSTATE", u32 version, u64 payload length, the payload, u32
 * CRC32C of the payload (little-endian). Reading checks all of it; a file
 * that is short, foreign, of another version or corrupt is an error, never
 * trusted.
 * Depends on util, binio (CRC32C).
 */
#ifndef SLO_STATEFILE_H
#define SLO_STATEFILE_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

#define STATEFILE_VERSION 1u
/* Largest payload read back. */
#define STATEFILE_MAX (1024u * 1024u * 1024u)

/* Writes payload[0..len) to path atomically. 0, or -1 with e set. */
int statefile_write(const char *path, const void *payload, size_t len, struct err *e);

/*
 * Reads path. 0 with *payload (caller frees) and *len; 1 when the file does
 * not exist; -1 with e set when it cannot be read or is not a valid state
 * file.
 */
int statefile_read(const char *path, uint8_t **payload, size_t *len, struct err *e);

#endif
