/*
 * A failing allocator for unit tests (include it in one test file only, after
 * defining _GNU_SOURCE): malloc, calloc and realloc defined here take the
 * place of libc's for the whole process (libyaml included) and pass on to the
 * next definition, which is ASan's under gcc's ASan and libc's otherwise, so
 * leak checking still sees everything. When armed, the allocation numbered
 * failalloc_at fails; failalloc_count counts the allocations seen while armed.
 *
 * clang links its ASan runtime into the executable, where these definitions
 * would replace ASan's own; valgrind replaces them with its own. In both
 * cases nothing is counted (failalloc_count stays 0) and a test that needs
 * the injection skips itself. The same technique as test_config.c's.
 */
#ifndef SLO_FAILALLOC_H
#define SLO_FAILALLOC_H

#include <dlfcn.h>
#include <stddef.h>

static long failalloc_at = -1; /* -1: not armed */
static long failalloc_count;

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define FAILALLOC_DISABLED 1
#endif
#endif

#ifndef FAILALLOC_DISABLED

static void *(*failalloc_next_malloc)(size_t);
static void *(*failalloc_next_calloc)(size_t, size_t);
static void *(*failalloc_next_realloc)(void *, size_t);

static int failalloc_fails(void)
{
    if (failalloc_at < 0)
        return 0;
    return failalloc_count++ == failalloc_at;
}

/* dlsym() may allocate while it looks up calloc; serve it from here. */
static unsigned char failalloc_arena[4096];
static size_t failalloc_used;
static int failalloc_resolving;

static void failalloc_resolve(void)
{
    if (failalloc_next_malloc != NULL || failalloc_resolving)
        return;
    failalloc_resolving = 1;
    failalloc_next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    failalloc_next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    failalloc_next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    failalloc_resolving = 0;
}

void *malloc(size_t n)
{
    failalloc_resolve();
    if (failalloc_fails())
        return NULL;
    return failalloc_next_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    failalloc_resolve();
    if (failalloc_next_calloc == NULL) {
        size_t want = n * size; /* tiny requests from dlsym only */

        if (size != 0 && want / size != n)
            return NULL;
        want = (want + 15) & ~(size_t)15;
        if (want > sizeof(failalloc_arena) - failalloc_used)
            return NULL;
        failalloc_used += want;
        return failalloc_arena + failalloc_used - want; /* zeroed: static storage */
    }
    if (failalloc_fails())
        return NULL;
    return failalloc_next_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    failalloc_resolve();
    if (failalloc_fails())
        return NULL;
    return failalloc_next_realloc(p, n);
}
#endif /* FAILALLOC_DISABLED */

#endif
