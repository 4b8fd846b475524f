/*
 * configfiles: which files `--config.file` names, and a fingerprint of them
 * for noticing a change. The path is one file; or a directory, whose
 * regular *.yaml, *.yml and *.json files are meant (names starting with "."
 * are not: a mounted ConfigMap keeps its versions in ..data and ..2026_*
 * beside symlinks to the current one); or a glob pattern. Files are listed
 * in byte order of their paths, so merging them is the same on every host.
 *
 * Depends on util.
 */
#ifndef SLO_CONFIGFILES_H
#define SLO_CONFIGFILES_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* What path names; files owned by the list (configfiles_free). */
struct configfiles {
    char **files;
    size_t n;
    int many; /* a directory or a pattern: the files are merged */
};

/*
 * Lists the files path names. Returns 0 (a directory or pattern may name
 * none: n is 0), or -1 with e saying why (a missing file, an unreadable
 * directory, out of memory).
 */
int configfiles_list(const char *path, struct configfiles *out, struct err *e);

void configfiles_free(struct configfiles *f);

/*
 * A fingerprint of what path names now: the names listed and, for each
 * file (symlinks followed), its device, inode, size and modification and
 * change times. The kubelet's swap of ..data changes the inodes behind the
 * symlinks, an editor's save the times, a new or removed file the list.
 * A path that cannot be listed has a fingerprint too, so that it coming
 * back is a change.
 */
uint64_t configfiles_fingerprint(const char *path);

#endif
