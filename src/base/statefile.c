/*
 * statefile: atomic checkpoint files with a checksum.
 */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binio.h"

static const char magic[8] = {'S', 'L', 'O', 'S', 'T', 'A', 'T', 'E'};

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = write(fd, c, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync of the directory holding path, so the rename itself is durable. */
static int sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd, rc;

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int statefile_write(const char *path, const void *payload, size_t len, struct err *e)
{
    struct buf head;
    char *tmp = util_asprintf("%s.tmp", path);
    uint8_t crc[4];
    uint32_t c = binio_crc32c(0, payload, len);
    int fd = -1, rc = -1;

    buf_init(&head, 64);
    if (tmp == NULL || buf_append(&head, magic, sizeof(magic)) != 0 ||
        binio_put_u32(&head, STATEFILE_VERSION) != 0 || binio_put_u64(&head, len) != 0) {
        util_err(e, "out of memory");
        goto out;
    }
    for (int i = 0; i < 4; i++)
        crc[i] = (uint8_t)(c >> (8 * i));
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        util_err(e, "state file %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, head.data, head.len) != 0 || write_all(fd, payload, len) != 0 ||
        write_all(fd, crc, 4) != 0 || fsync(fd) != 0) {
        util_err(e, "state file %s: writing: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        util_err(e, "state file %s: closing: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        util_err(e, "state file %s: renaming to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    if (sync_dir(path) != 0) {
        util_err(e, "state file %s: syncing its directory: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0 && tmp != NULL)
        unlink(tmp);
    free(tmp);
    buf_free(&head);
    return rc;
}

int statefile_read(const char *path, uint8_t **payload, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    uint8_t head[20];
    struct binio_reader r;
    uint64_t n;
    uint32_t version;
    uint8_t *data = NULL;
    uint8_t crc[4];
    uint32_t want;
    int rc = -1;

    *payload = NULL;
    *len = 0;
    if (f == NULL) {
        if (errno == ENOENT)
            return 1;
        return util_err(e, "state file %s: %s", path, strerror(errno));
    }
    if (fread(head, 1, sizeof(head), f) != sizeof(head) || memcmp(head, magic, 8) != 0) {
        util_err(e, "state file %s: not a slo-sidecar state file", path);
        goto out;
    }
    binio_reader_init(&r, head + 8, 12);
    version = binio_u32(&r);
    if (version != STATEFILE_VERSION) {
        util_err(e, "state file %s: version %u, this build reads %u", path, (unsigned)version,
                 STATEFILE_VERSION);
        goto out;
    }
    n = binio_u64(&r);
    if (n > STATEFILE_MAX) {
        util_err(e, "state file %s: payload of %llu bytes is over the limit", path,
                 (unsigned long long)n);
        goto out;
    }
    data = malloc(n ? (size_t)n : 1);
    if (data == NULL) {
        util_err(e, "out of memory");
        goto out;
    }
    if (fread(data, 1, (size_t)n, f) != (size_t)n || fread(crc, 1, 4, f) != 4) {
        util_err(e, "state file %s: truncated", path);
        goto out;
    }
    if (fgetc(f) != EOF) {
        util_err(e, "state file %s: trailing bytes after the checksum", path);
        goto out;
    }
    want = (uint32_t)crc[0] | (uint32_t)crc[1] << 8 | (uint32_t)crc[2] << 16 |
           (uint32_t)crc[3] << 24;
    if (binio_crc32c(0, data, (size_t)n) != want) {
        util_err(e, "state file %s: checksum mismatch (corrupt)", path);
        goto out;
    }
    *payload = data;
    *len = (size_t)n;
    data = NULL;
    rc = 0;
out:
    free(data);
    fclose(f);
    return rc;
}
