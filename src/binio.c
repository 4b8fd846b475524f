/*
 * binio: fixed-width little-endian fields, independent of the host's order.
 */
#include "binio.h"

#include <stdlib.h>
#include <string.h>

int binio_put_u64(struct buf *b, uint64_t v)
{
    uint8_t x[8];

    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    return buf_append(b, x, 8);
}

int binio_put_u32(struct buf *b, uint32_t v)
{
    uint8_t x[4];

    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    return buf_append(b, x, 4);
}

int binio_put_i64(struct buf *b, int64_t v)
{
    return binio_put_u64(b, (uint64_t)v);
}

int binio_put_f64(struct buf *b, double v)
{
    uint64_t bits;

    memcpy(&bits, &v, 8);
    return binio_put_u64(b, bits);
}

int binio_put_str(struct buf *b, const char *s)
{
    size_t n = strlen(s);

    if (n > UINT32_MAX || binio_put_u32(b, (uint32_t)n) != 0)
        return -1;
    return buf_append(b, s, n);
}

void binio_reader_init(struct binio_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->failed = 0;
}

const uint8_t *binio_skip(struct binio_reader *r, size_t n)
{
    const uint8_t *at;

    if (r->failed || n > r->len - r->pos) {
        r->failed = 1;
        return NULL;
    }
    at = r->p + r->pos;
    r->pos += n;
    return at;
}

uint64_t binio_u64(struct binio_reader *r)
{
    const uint8_t *x = binio_skip(r, 8);
    uint64_t v = 0;

    if (x == NULL)
        return 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | x[i];
    return v;
}

uint32_t binio_u32(struct binio_reader *r)
{
    const uint8_t *x = binio_skip(r, 4);

    if (x == NULL)
        return 0;
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

int64_t binio_i64(struct binio_reader *r)
{
    return (int64_t)binio_u64(r);
}

double binio_f64(struct binio_reader *r)
{
    uint64_t bits = binio_u64(r);
    double v;

    memcpy(&v, &bits, 8);
    return v;
}

char *binio_str(struct binio_reader *r, size_t max)
{
    uint32_t n = binio_u32(r);
    const uint8_t *x;
    char *s;

    if (r->failed || n > max) {
        r->failed = 1;
        return NULL;
    }
    x = binio_skip(r, n);
    if (x == NULL || memchr(x, '\0', n) != NULL) {
        r->failed = 1;
        return NULL;
    }
    s = malloc((size_t)n + 1);
    if (s == NULL) {
        r->failed = 1;
        return NULL;
    }
    memcpy(s, x, n);
    s[n] = '\0';
    return s;
}
