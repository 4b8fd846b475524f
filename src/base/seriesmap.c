/*
 * seriesmap: label sets to dense indexes. Slots hold index+1 (0 = empty) so
 * the table is a flat array of size_t; it doubles at 50% load.
 */
#include "seriesmap.h"

#include <stdlib.h>
#include <string.h>

struct seriesmap {
    size_t n;
    size_t cap; /* entries in keys/hashes */
    struct labels *keys;
    uint64_t *hashes;
    size_t nslots; /* power of two */
    size_t *slots;
    size_t bytes; /* label strings */
};

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    /* A separator byte that cannot occur in a C string. */
    h ^= 0xff;
    h *= 1099511628211ull;
    return h;
}

static uint64_t hash_labels(const struct labels *l)
{
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < l->n; i++) {
        h = fnv(h, l->v[i].name);
        h = fnv(h, l->v[i].value);
    }
    return h;
}

struct seriesmap *seriesmap_new(void)
{
    struct seriesmap *m = calloc(1, sizeof(*m));

    if (m == NULL)
        return NULL;
    m->nslots = 16;
    m->slots = calloc(m->nslots, sizeof(*m->slots));
    if (m->slots == NULL) {
        free(m);
        return NULL;
    }
    return m;
}

void seriesmap_free(struct seriesmap *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        labels_free(&m->keys[i]);
    free(m->keys);
    free(m->hashes);
    free(m->slots);
    free(m);
}

/* The slot holding l, or the empty slot where it would go. */
static size_t probe(const struct seriesmap *m, const struct labels *l, uint64_t h)
{
    size_t mask = m->nslots - 1;
    size_t i = (size_t)h & mask;

    while (m->slots[i] != 0) {
        size_t k = m->slots[i] - 1;

        if (m->hashes[k] == h && labels_cmp(&m->keys[k], l) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static int grow_slots(struct seriesmap *m)
{
    size_t nslots = m->nslots * 2;
    size_t *slots = calloc(nslots, sizeof(*slots));

    if (slots == NULL)
        return -1;
    for (size_t k = 0; k < m->n; k++) {
        size_t i = (size_t)m->hashes[k] & (nslots - 1);

        while (slots[i] != 0)
            i = (i + 1) & (nslots - 1);
        slots[i] = k + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return 0;
}

static int grow_keys(struct seriesmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    struct labels *keys = realloc(m->keys, cap * sizeof(*keys));
    uint64_t *hashes;

    if (keys == NULL)
        return -1;
    m->keys = keys;
    hashes = realloc(m->hashes, cap * sizeof(*hashes));
    if (hashes == NULL)
        return -1;
    m->hashes = hashes;
    m->cap = cap;
    return 0;
}

int seriesmap_get(struct seriesmap *m, const struct labels *l, size_t max_entries, size_t *idx)
{
    uint64_t h = hash_labels(l);
    size_t i = probe(m, l, h);

    if (m->slots[i] != 0) {
        *idx = m->slots[i] - 1;
        return 0;
    }
    if (max_entries != 0 && m->n >= max_entries)
        return -1;
    if ((m->n + 1) * 2 > m->nslots) {
        if (grow_slots(m) != 0)
            return -1;
        i = probe(m, l, h);
    }
    if (m->n == m->cap && grow_keys(m) != 0)
        return -1;
    if (labels_copy(&m->keys[m->n], l) != 0)
        return -1;
    m->hashes[m->n] = h;
    m->slots[i] = m->n + 1;
    for (size_t k = 0; k < l->n; k++)
        m->bytes += strlen(l->v[k].name) + strlen(l->v[k].value) + 2;
    *idx = m->n++;
    return 1;
}

long seriesmap_find(const struct seriesmap *m, const struct labels *l)
{
    size_t i = probe(m, l, hash_labels(l));

    return m->slots[i] == 0 ? -1 : (long)(m->slots[i] - 1);
}

size_t seriesmap_count(const struct seriesmap *m)
{
    return m->n;
}

const struct labels *seriesmap_labels(const struct seriesmap *m, size_t idx)
{
    return &m->keys[idx];
}

size_t seriesmap_memory(const struct seriesmap *m)
{
    return sizeof(*m) + m->cap * (sizeof(*m->keys) + sizeof(*m->hashes)) +
           m->nslots * sizeof(*m->slots) + m->bytes + m->n * 2 * sizeof(struct label);
}
