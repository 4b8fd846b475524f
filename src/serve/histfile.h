/*
 * histfile: the history's own checkpoint, kept next to the state file
 * (global.state_file) as "<state_file>.history" in the state file's format
 * (statefile: atomic replace, CRC-checked). A separate file so a damaged
 * history never costs the counts, nor damaged counts the history.
 * Depends on util, history, statefile.
 */
#ifndef SLO_HISTFILE_H
#define SLO_HISTFILE_H

#include "history.h"
#include "util.h"

/* The history file of state_file, newly allocated (caller frees), or NULL (memory). */
char *histfile_path(const char *state_file);

/* Writes h to path itself (statefile format). 0, or -1 with e set. */
int histfile_save(struct history *h, const char *path, struct err *e);

/* Writes h to the history file of state_file. 0, or -1 with e set. */
int histfile_write(struct history *h, const char *state_file, struct err *e);

/*
 * Restores h from the history file of state_file: the number of instances
 * restored, 0 when there is no file, or -1 with e set (h unchanged) when it
 * cannot be read or is not a valid history.
 */
int histfile_read(struct history *h, const char *state_file, struct err *e);

#endif
