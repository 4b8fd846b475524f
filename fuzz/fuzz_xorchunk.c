/*
 * libFuzzer target for xorchunk: any bytes must decode to samples or to a
 * clean error, never crash or read out of bounds. Checks the contract too:
 * at most the declared count, an error is sticky and has a message, and a
 * prefix of the chunk decodes to a prefix of the samples (the decoder never
 * looks ahead of what it returns).
 * Build: make build/fuzz/fuzz_xorchunk (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xorchunk.h"

#define MAXS 65536

static int64_t ts[MAXS];
static uint64_t vs[MAXS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes data[0..size); returns the samples read and the final rc. */
static size_t decode(const uint8_t *data, size_t size, int check_prefix, int *rc)
{
    struct xorchunk_iter it;
    struct err e;
    size_t n = 0;
    int64_t t;
    double v;

    e.msg[0] = '\0';
    if (xorchunk_iter_init(&it, data, size, &e) < 0) {
        if (e.msg[0] == '\0')
            __builtin_trap();
        *rc = -1;
        return 0;
    }
    while ((*rc = xorchunk_next(&it, &t, &v, &e)) == 1) {
        uint64_t bits;

        memcpy(&bits, &v, sizeof(bits));
        if (n >= it.total)
            __builtin_trap();
        if (check_prefix) {
            if (ts[n] != t || vs[n] != bits)
                __builtin_trap();
        } else {
            ts[n] = t;
            vs[n] = bits;
        }
        n++;
    }
    if (*rc == 0 && n != it.total)
        __builtin_trap();
    if (*rc == -1) {
        if (e.msg[0] == '\0')
            __builtin_trap();
        if (xorchunk_next(&it, &t, &v, &e) != -1)
            __builtin_trap();
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rc;
    size_t n = decode(data, size, 0, &rc);

    /* One byte less: the same samples, maybe fewer. */
    if (size > 2 && decode(data, size - 1, 1, &rc) > n)
        __builtin_trap();
    return 0;
}
