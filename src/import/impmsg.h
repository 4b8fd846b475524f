/*
 * impmsg: the importer's messages. A user acts on what was not converted
 * only when each message says where in the input it is, which SLO and
 * field it is about and what was lost; the counts of dropped and skipped
 * parts that the result reports are kept here too, so that they always
 * match the messages.
 * Depends on impdefs, impint, impwrite, yamlread and libyaml.
 */
#ifndef SLO_IMPMSG_H
#define SLO_IMPMSG_H

#include <stddef.h>
#include <yaml.h>

#include "impdefs.h"
#include "impint.h"

/*
 * Records text at line:col (1-based; line 0 for a message about the whole
 * file) at level lv, and counts the dropped and skipped ones.
 */
void imp_add_msg(struct imp *m, size_t line, size_t col, enum importer_level lv, const char *text);

/*
 * Records "FILE:LINE:COL: SLO slo: field: <level> message" at node n
 * (file-level when n is NULL); slo and field may be NULL.
 */
void imp_report(struct imp *m, const yaml_node_t *n, enum importer_level lv, const char *slo,
                const char *field, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Forgets the notes and dropped parts recorded since message mark: they are
 * about an SLO that was not converted at all, which its skip reasons say.
 * Notes about unknown and repeated fields stay: a typo may be the reason.
 */
void imp_forget_since(struct imp *m, size_t mark);

/*
 * A short form of s for messages and comments (at most about 60 bytes, "..."
 * when cut, line breaks and tabs as spaces, other unsafe characters as "?"),
 * in buf.
 */
const char *imp_shorten(const char *s, char *buf, size_t len);

#endif
