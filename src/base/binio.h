/*
 * binio: little-endian binary writing into a capped struct buf and bounds-
 * checked reading back, for checkpoint images. A reader that ran past its
 * end or met a bad length stays failed; callers check once at the end.
 * Pure. Depends on util.
 */
#ifndef SLO_BINIO_H
#define SLO_BINIO_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* Each returns 0, or -1 when the buffer's cap is reached. */
int binio_put_u32(struct buf *b, uint32_t v);
int binio_put_u64(struct buf *b, uint64_t v);
int binio_put_i64(struct buf *b, int64_t v);
int binio_put_f64(struct buf *b, double v);
/* u32 length, then the bytes (no NUL). */
int binio_put_str(struct buf *b, const char *s);

struct binio_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int failed;
};

void binio_reader_init(struct binio_reader *r, const uint8_t *p, size_t len);
uint32_t binio_u32(struct binio_reader *r);
uint64_t binio_u64(struct binio_reader *r);
int64_t binio_i64(struct binio_reader *r);
double binio_f64(struct binio_reader *r);
/*
 * A string of at most max bytes, newly allocated (caller frees), or NULL
 * (the reader then fails) when too long, truncated, holding a NUL, or out
 * of memory.
 */
char *binio_str(struct binio_reader *r, size_t max);
/* Skips n bytes; fails when fewer remain. Returns the start of them or NULL. */
const uint8_t *binio_skip(struct binio_reader *r, size_t n);

/*
 * CRC32C (Castagnoli) of p[0..n), continuing from crc (start with 0): the
 * checksum of remote-read frames and of checkpoint files.
 */
uint32_t binio_crc32c(uint32_t crc, const void *p, size_t n);

#endif
