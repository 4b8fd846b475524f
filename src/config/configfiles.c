/*
 * configfiles: the files behind --config.file. See configfiles.h.
 */
#include "configfiles.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* More files than this in one config directory is a mistake, not a config. */
#define MAX_FILES 10000

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* A name a config directory's listing takes: *.yaml, *.yml or *.json, not hidden. */
static int wanted(const char *name)
{
    return name[0] != '.' &&
           (has_suffix(name, ".yaml") || has_suffix(name, ".yml") || has_suffix(name, ".json"));
}

static int is_regular(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(struct configfiles *f, char *path)
{
    char **v;

    if (path == NULL)
        return -1;
    v = realloc(f->files, (f->n + 1) * sizeof(*v));
    if (v == NULL) {
        free(path);
        return -1;
    }
    f->files = v;
    f->files[f->n++] = path;
    return 0;
}

static int list_dir(const char *path, struct configfiles *f, struct err *e)
{
    size_t len = strlen(path);
    const char *sep = len > 0 && path[len - 1] == '/' ? "" : "/";
    DIR *d = opendir(path);
    struct dirent *de;

    if (d == NULL)
        return util_err(e, "%s: cannot read the directory: %s", path, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        char *file;

        if (!wanted(de->d_name))
            continue;
        file = util_asprintf("%s%s%s", path, sep, de->d_name);
        if (file != NULL && !is_regular(file)) {
            free(file);
            continue;
        }
        if (f->n == MAX_FILES) {
            closedir(d);
            return util_err(e, "%s: more than %d config files", path, MAX_FILES);
        }
        if (push(f, file) != 0) {
            closedir(d);
            return util_err(e, "out of memory");
        }
    }
    closedir(d);
    return 0;
}

static int list_glob(const char *pattern, struct configfiles *f, struct err *e)
{
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);

    if (rc == GLOB_NOMATCH)
        return 0;
    if (rc != 0)
        return util_err(e, "%s: cannot expand the pattern", pattern);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        if (!is_regular(g.gl_pathv[i]))
            continue;
        if (f->n == MAX_FILES) {
            globfree(&g);
            return util_err(e, "%s: more than %d config files", pattern, MAX_FILES);
        }
        if (push(f, util_strdup(g.gl_pathv[i])) != 0) {
            globfree(&g);
            return util_err(e, "out of memory");
        }
    }
    globfree(&g);
    return 0;
}

int configfiles_list(const char *path, struct configfiles *out, struct err *e)
{
    struct stat st;
    int rc;

    memset(out, 0, sizeof(*out));
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        out->many = 1;
        rc = list_dir(path, out, e);
    } else if (strpbrk(path, "*?[") != NULL && stat(path, &st) != 0) {
        out->many = 1;
        rc = list_glob(path, out, e);
    } else {
        /* One file: reading it says what is wrong with it. */
        rc = push(out, util_strdup(path)) == 0 ? 0 : util_err(e, "out of memory");
    }
    if (rc != 0) {
        configfiles_free(out);
        return -1;
    }
    if (out->n > 1)
        qsort(out->files, out->n, sizeof(*out->files), cmp_str);
    return 0;
}

void configfiles_free(struct configfiles *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->files[i]);
    free(f->files);
    memset(f, 0, sizeof(*f));
}

uint64_t configfiles_fingerprint(const char *path)
{
    uint64_t h = UTIL_FNV1A64_BASIS;
    struct configfiles f;
    struct err e = {{0}};

    if (configfiles_list(path, &f, &e) != 0)
        return util_fnv1a64(h, e.msg, strlen(e.msg));
    for (size_t i = 0; i < f.n; i++) {
        struct stat st;
        int64_t v[7] = {0};

        h = util_fnv1a64(h, f.files[i], strlen(f.files[i]) + 1);
        if (stat(f.files[i], &st) == 0) {
            v[0] = (int64_t)st.st_dev;
            v[1] = (int64_t)st.st_ino;
            v[2] = (int64_t)st.st_size;
            v[3] = (int64_t)st.st_mtim.tv_sec;
            v[4] = (int64_t)st.st_mtim.tv_nsec;
            v[5] = (int64_t)st.st_ctim.tv_sec;
            v[6] = (int64_t)st.st_ctim.tv_nsec;
        }
        h = util_fnv1a64(h, v, sizeof(v));
    }
    configfiles_free(&f);
    return h;
}
