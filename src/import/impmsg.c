/*
 * impmsg: the importer's messages and the short forms of input text they
 * quote. See impmsg.h.
 */
#include "impmsg.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impwrite.h"
#include "yamlread.h"

void imp_add_msg(struct imp *m, size_t line, size_t col, enum importer_level lv, const char *text)
{
    if (lv == IMPORTER_DROPPED)
        m->ndropped++;
    else if (lv == IMPORTER_SKIPPED)
        m->nskipped++;
    yr_add(&m->y, line, col, (int)lv, text);
}

void imp_report(struct imp *m, const yaml_node_t *n, enum importer_level lv, const char *slo,
                const char *field, const char *fmt, ...)
{
    static const char *const what[] = {"note: ", "not converted: ", "SLO not converted: ", ""};
    char text[1024];
    char full[1600];
    const char *prefix = what[lv];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (lv == IMPORTER_SKIPPED && slo == NULL)
        prefix = what[IMPORTER_DROPPED];
    snprintf(full, sizeof(full), "%s%s%s%s%s%s%s", slo ? "SLO " : "", slo ? slo : "",
             slo ? ": " : "", field && *field ? field : "", field && *field ? ": " : "", prefix,
             text);
    /* libyaml counts lines and columns from 0; editors from 1. */
    imp_add_msg(m, n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, lv, full);
}

void imp_forget_since(struct imp *m, size_t mark)
{
    size_t k = mark;

    for (size_t i = mark; i < m->y.nmsgs; i++) {
        if (!m->y.msgs[i].keep &&
            (m->y.msgs[i].level == IMPORTER_NOTE || m->y.msgs[i].level == IMPORTER_DROPPED)) {
            if (m->y.msgs[i].level == IMPORTER_DROPPED)
                m->ndropped--;
            free(m->y.msgs[i].text);
            continue;
        }
        m->y.msgs[k] = m->y.msgs[i];
        m->y.msgs[k].seq = k;
        k++;
    }
    m->y.nmsgs = k;
}

const char *imp_shorten(const char *s, char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, o = 0;

    while (i < n && o + 8 < len) {
        uint32_t c = 0;
        size_t l = imp_utf8_decode(p + i, n - i, &c);

        if (o >= 60) {
            break;
        }
        if (l == 0 || !imp_char_safe(c) || c == '\t') {
            buf[o++] = c == '\t' || c == '\n' || c == '\r' ? ' ' : '?';
            i += l ? l : 1;
            continue;
        }
        memcpy(buf + o, p + i, l);
        o += l;
        i += l;
    }
    if (i < n && o + 4 <= len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}
