/*
 * shard: which SLOs a replica evaluates when N replicas split the work
 * without talking to each other (--shard=I/N, global.shard). An SLO belongs
 * to shard FNV-1a-64(name) mod N: the same on every platform and build (no
 * seed, no locale, no pointers), so every replica agrees on the split from
 * the config alone. All groups of a grouped SLO go with its name. Pure.
 * Depends on util.
 */
#ifndef SLO_SHARD_H
#define SLO_SHARD_H

#include <stdint.h>
#include "util.h"

/* The most replicas a config may be split over. */
#define SHARD_MAX 1024
/* index of "auto/N": taken from the host name's trailing "-<n>" (shard_resolve). */
#define SHARD_AUTO (-1)

struct shard {
    int index; /* 0..count-1, or SHARD_AUTO */
    int count; /* 1..SHARD_MAX; 1 (index 0) evaluates everything */
};

/*
 * Parses "I/N" (0 <= I < N <= SHARD_MAX, decimal digits only) or "auto/N".
 * Returns 0 with *out set, or -1 with a message in e (*out untouched).
 */
int shard_parse(const char *s, struct shard *out, struct err *e);

/*
 * Resolves "auto/N": the index is the number after the last '-' of hostname
 * (a StatefulSet pod is named NAME-ORDINAL, and Kubernetes sets HOSTNAME to
 * it). A shard with a fixed index is left as it is. Returns 0, or -1 with a
 * message in e when hostname is NULL, has no such suffix or the ordinal is
 * not below N.
 */
int shard_resolve(struct shard *s, const char *hostname, struct err *e);

/* FNV-1a, 64 bits, of the bytes of name (offset basis 0xcbf29ce484222325,
 * prime 0x100000001b3). */
uint64_t shard_hash(const char *name);

/* The shard (0..count-1) that owns the SLO called name; 0 when count <= 1. */
int shard_of(const char *name, int count);

/* 1 when the resolved shard s owns the SLO called name. */
int shard_owns(const struct shard *s, const char *name);

#endif
