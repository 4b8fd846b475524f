/*
 * libFuzzer target for webconfig: the input is a --web.config.file given to
 * webconfig_parse. Whatever the bytes, it must return 0 with a config and no
 * message, or -1 with no config and at least one message naming the file,
 * within bounded time and memory, and free all. Files it names (certificate,
 * key, CA) are only checked later, when the server starts, so the fuzzer
 * never touches the disk. bcrypt is not run: hashes are only checked for
 * their form here.
 * Build: make build/fuzz/fuzz_webconfig (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webconfig.h"

#define NAME "web.yml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_errors errs;
    struct webconfig *cfg = (struct webconfig *)1;
    int rc;

    config_errors_init(&errs);
    rc = webconfig_parse(NAME, (const char *)data, size, &cfg, &errs);
    if (rc == 0) {
        if (cfg == NULL || errs.n != 0)
            abort();
    } else {
        if (rc != -1 || cfg != NULL || errs.n == 0)
            abort();
        for (size_t i = 0; i < errs.n; i++)
            if (strncmp(errs.msg[i], NAME, strlen(NAME)) != 0)
                abort();
    }
    webconfig_free(cfg);
    config_errors_free(&errs);
    return 0;
}
