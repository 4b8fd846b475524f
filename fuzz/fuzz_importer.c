/*
 * libFuzzer target for importer: the input is converted as Sloth specs (both
 * forms), as OpenSLO documents (v1, v1alpha, lists of objects) and as Pyrra
 * resources. Whatever the bytes, each conversion must end within
 * bounded time and memory (YAML aliases included) and free everything, and:
 *  - return 0 with a config that, its placeholder URL filled in, loads with
 *    config_parse and holds as many SLOs as it claims, at least one; or -1
 *    with no output and at least one message;
 *  - name the file at the start of every message;
 *  - never report that a converted SLO does not read back as written (the
 *    YAML writer's quoting must give back every string exactly).
 * Build: make build/fuzz/fuzz_importer (linked with build/fuzz/libslo.a).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "importer.h"

#define NAME "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Whether t is the importer's own "does not read back" report, told apart
 * from user text quoted in other messages by its whole shape: an SLO name
 * in messages is always [a-zA-Z0-9_.-]+.
 */
static int readback_failure(const char *t)
{
    static const char tail[] = ": SLO not converted: the converted SLO does not read back";
    const char *p = t + strlen(NAME);

    if (*p++ != ':')
        return 0;
    p += strspn(p, "0123456789");
    if (*p++ != ':')
        return 0;
    p += strspn(p, "0123456789");
    if (strncmp(p, ": SLO ", 6) != 0)
        return 0;
    p += 6;
    p += strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
    return strncmp(p, tail, strlen(tail)) == 0;
}

static void check_output(const struct importer_result *r)
{
    const char *ph = strstr(r->output, IMPORTER_URL_PLACEHOLDER);
    struct config *cfg = NULL;
    struct config_errors errs;
    char *text;

    if (ph == NULL)
        abort();
    text = util_asprintf("%.*shttp://prom:9090%s", (int)(ph - r->output), r->output,
                         ph + strlen(IMPORTER_URL_PLACEHOLDER));
    if (text == NULL)
        abort();
    config_errors_init(&errs);
    if (config_parse("out.yaml", text, strlen(text), &cfg, &errs) != 0 || cfg->nslos == 0 ||
        cfg->nslos != r->nslos_out || r->nslos_out > r->nslos_in)
        abort();
    config_free(cfg);
    config_errors_free(&errs);
    free(text);
}

static void one(enum importer_format f, const uint8_t *data, size_t size)
{
    struct importer_result r;
    int rc;

    importer_result_init(&r);
    rc = importer_convert(f, NAME, (const char *)data, size, &r);
    if (rc == 0) {
        if (r.output == NULL)
            abort();
        check_output(&r);
    } else if (rc != -1 || r.output != NULL || r.n == 0) {
        abort();
    }
    for (size_t i = 0; i < r.n; i++)
        if (strncmp(r.msg[i].text, NAME, strlen(NAME)) != 0 || readback_failure(r.msg[i].text))
            abort();
    importer_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(IMPORTER_SLOTH, data, size);
    one(IMPORTER_OPENSLO, data, size);
    one(IMPORTER_PYRRA, data, size);
    return 0;
}
