/*
 * histfile: see histfile.h.
 */
#include "histfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statefile.h"

char *histfile_path(const char *state_file)
{
    size_t len = strlen(state_file) + sizeof(".history");
    char *p = malloc(len);

    if (p != NULL)
        snprintf(p, len, "%s.history", state_file);
    return p;
}

int histfile_save(struct history *h, const char *path, struct err *e)
{
    struct buf b;
    int rc;

    buf_init(&b, STATEFILE_MAX);
    if (history_save(h, &b) != 0)
        rc = util_err(e, "history file %s: out of memory or over %u bytes", path, STATEFILE_MAX);
    else
        rc = statefile_write(path, b.data, b.len, e);
    buf_free(&b);
    return rc;
}

int histfile_write(struct history *h, const char *state_file, struct err *e)
{
    char *path = histfile_path(state_file);
    int rc;

    if (path == NULL)
        return util_err(e, "out of memory");
    rc = histfile_save(h, path, e);
    free(path);
    return rc;
}

int histfile_read(struct history *h, const char *state_file, struct err *e)
{
    char *path = histfile_path(state_file);
    uint8_t *data = NULL;
    size_t len = 0;
    int rc;

    if (path == NULL)
        return util_err(e, "out of memory");
    rc = statefile_read(path, &data, &len, e);
    if (rc != 0) {
        rc = rc > 0 ? 0 : -1;
        goto out;
    }
    rc = history_load(h, data, len, e);
    if (rc < 0) {
        char why[UTIL_ERRLEN];

        snprintf(why, sizeof(why), "%s", e->msg);
        util_err(e, "history file %s: %s", path, why);
    }
out:
    free(data);
    free(path);
    return rc;
}
