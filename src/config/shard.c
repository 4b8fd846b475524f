/*
 * shard: the stable split of SLOs over replicas. See shard.h.
 */
#include "shard.h"

#include <string.h>

/*
 * Parses the decimal digits s[0..len) into *out (at most SHARD_MAX * 10, so
 * no overflow). Returns 0, or -1 when empty, not all digits, or too long.
 */
static int parse_num(const char *s, size_t len, int *out)
{
    int v = 0;

    if (len == 0 || len > 5)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int shard_parse(const char *s, struct shard *out, struct err *e)
{
    const char *slash;
    struct shard r;

    if (s == NULL || *s == '\0')
        return util_err(e, "must be I/N (this replica's index I from 0 to N-1, N replicas) "
                           "or auto/N, got an empty value");
    slash = strchr(s, '/');
    if (slash == NULL || strchr(slash + 1, '/') != NULL)
        return util_err(e, "must be I/N or auto/N, got \"%s\"", s);
    if (parse_num(slash + 1, strlen(slash + 1), &r.count) != 0 || r.count < 1 ||
        r.count > SHARD_MAX)
        return util_err(e, "the number of shards in \"%s\" must be a whole number from 1 to %d", s,
                        SHARD_MAX);
    if ((size_t)(slash - s) == 4 && strncmp(s, "auto", 4) == 0) {
        r.index = SHARD_AUTO;
    } else if (parse_num(s, (size_t)(slash - s), &r.index) != 0) {
        return util_err(e,
                        "the shard index in \"%s\" must be a whole number from 0 to N-1 "
                        "or auto",
                        s);
    } else if (r.index >= r.count) {
        return util_err(e,
                        "the shard index in \"%s\" must be below the number of shards "
                        "(indexes count from 0)",
                        s);
    }
    *out = r;
    return 0;
}

int shard_resolve(struct shard *s, const char *hostname, struct err *e)
{
    const char *dash;
    int idx;

    if (s->index != SHARD_AUTO)
        return 0;
    if (hostname == NULL || *hostname == '\0')
        return util_err(e,
                        "shard auto/%d: HOSTNAME is not set; it must end in -ORDINAL "
                        "(a StatefulSet pod's name)",
                        s->count);
    dash = strrchr(hostname, '-');
    if (dash == NULL || parse_num(dash + 1, strlen(dash + 1), &idx) != 0)
        return util_err(e,
                        "shard auto/%d: host name \"%s\" does not end in -ORDINAL "
                        "(a StatefulSet pod's name)",
                        s->count, hostname);
    if (idx >= s->count)
        return util_err(e,
                        "shard auto/%d: host name \"%s\" gives ordinal %d, not below %d "
                        "(more replicas than shards?)",
                        s->count, hostname, idx, s->count);
    s->index = idx;
    return 0;
}

uint64_t shard_hash(const char *name)
{
    return util_fnv1a64(UTIL_FNV1A64_BASIS, name, strlen(name));
}

int shard_of(const char *name, int count)
{
    if (count <= 1)
        return 0;
    return (int)(shard_hash(name) % (uint64_t)count);
}

int shard_owns(const struct shard *s, const char *name)
{
    return shard_of(name, s->count) == s->index;
}
