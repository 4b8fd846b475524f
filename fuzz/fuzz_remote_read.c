/*
 * libFuzzer target for the remote-read response decoders: snappy, protobuf
 * (ReadResponse and ChunkedReadResponse), frames and XOR chunks, through
 * remote_read_decode_body, the same path a real answer takes after the
 * transfer. The first input byte picks the form: bit 0 streamed or SAMPLES,
 * bits 1-2 the Content-Encoding (none, snappy, identity, gzip). Every series
 * delivered must be sorted, free of duplicates and stale markers, and
 * inside its query's range, whatever the bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "remote_read.h"
#include "selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct remote_read_client *client;
static struct selector *sel;
static struct rawsrc_query q[2];

static int check(void *arg, const struct rawsrc_series *s, struct err *e)
{
    const struct rawsrc_query *qs = arg;
    uint64_t stale = 0x7ff0000000000002ull;

    (void)e;
    if (s->query >= 2)
        abort();
    for (size_t i = 0; i < s->n; i++) {
        if (memcmp(&s->s[i].v, &stale, 8) == 0)
            abort();
        if (s->s[i].t_ms < qs[s->query].start_ms || s->s[i].t_ms > qs[s->query].end_ms)
            abort();
        if (i > 0 && s->s[i].t_ms <= s->s[i - 1].t_ms)
            abort();
    }
    return 0;
}

static void setup(void)
{
    static struct config_prometheus cfg;
    struct err e;

    cfg.url = "http://127.0.0.1:1";
    cfg.mode = CONFIG_MODE_REMOTE_READ;
    cfg.timeout_ms = 1000;
    cfg.read_path = "/api/v1/read";
    if (selector_parse("x_total{job=\"a\"}", &sel, &e) != 0)
        abort();
    client = remote_read_client_new(&cfg, REMOTE_READ_ACCEPT_CHUNKS, &e);
    if (client == NULL)
        abort();
    for (int i = 0; i < 2; i++) {
        q[i].sel = sel;
        q[i].start_ms = -1000000;
        q[i].end_ms = 1000000000000;
    }
    q[1].suffix = "_count";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const enc[] = {"", "snappy", "identity", "gzip"};
    struct err e;

    if (client == NULL)
        setup();
    if (size < 1)
        return 0;
    remote_read_decode_body(client, q, 2, data[0] & 1, enc[(data[0] >> 1) & 3], data + 1, size - 1,
                            check, q, &e);
    return 0;
}
