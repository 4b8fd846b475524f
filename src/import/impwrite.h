/*
 * impwrite: the importer's YAML writer. The output is a config a person
 * goes on to edit, so it is written by hand in the config reference's
 * layout, with comments that say where each SLO came from, and every
 * string is quoted so that it reads back as exactly that string (impcheck
 * checks each SLO). The UTF-8 decoding lives here because the quoting is
 * its main user.
 * Depends on impint, util and config.
 */
#ifndef SLO_IMPWRITE_H
#define SLO_IMPWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "impint.h"
#include "util.h"

/*
 * Decodes one UTF-8 character of s (n bytes available) into *cp. Returns
 * its length, or 0 for an invalid sequence.
 */
size_t imp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * A character that may stand as itself in any YAML scalar and comment: YAML's
 * printable set without the characters YAML 1.1 reads as line breaks (NEL,
 * LS, PS) and without the byte order mark. Tab counts; newline does not.
 */
int imp_char_safe(uint32_t c);

/* A comment line's text from s: unsafe characters and line breaks become spaces. */
int imp_put_comment_text(struct buf *b, const char *s);

/* An empty o, its label sets initialised. */
void imp_out_init(struct out_slo *o);

/* Frees what o holds (not o itself). */
void imp_out_free(struct out_slo *o);

/* The SLO entry of o, as written under "slos:". Returns 0 or -1 (buffer full). */
int imp_render(const struct out_slo *o, struct buf *b);

#endif
