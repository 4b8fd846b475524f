/*
 * impint: the importer's internals that its parts share: the state of one
 * conversion (struct imp), what one converted SLO is made of before it is
 * written (struct out_slo) and what an indicator converts to (struct ind).
 * Every part takes the one struct imp, so that each message, count and
 * out-of-memory of a conversion lands in one place. Only the importer's
 * own files include this header.
 * Depends on impdefs, config, util and yamlread.
 */
#ifndef SLO_IMPINT_H
#define SLO_IMPINT_H

#include <stddef.h>

#include "config.h"
#include "impdefs.h"
#include "util.h"
#include "yamlread.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define PATHLEN 256 /* field paths in messages; cut if longer */

/*
 * One object of the input: a YAML document's root, or an item of a root
 * that is a list of objects (OpenSLO tools accept `- apiVersion: ...` lists;
 * kubectl writes `kind: List` with `items`).
 */
struct imp_root {
    yaml_document_t *doc;
    yaml_node_t *root;
};

/* An OpenSLO document; only impopenslo.c looks inside. */
struct odoc;

/* One conversion. */
struct imp {
    struct yr y; /* y.keep: the messages being recorded are kept by imp_forget_since() */
    enum importer_format fmt;
    int too_big;     /* the output passed IMPORTER_MAX_OUTPUT */
    struct buf body; /* the slos: entries */
    char **names;    /* the SLO names written, for duplicates */
    size_t nnames;
    size_t nin;
    size_t nout;
    size_t ndropped;
    size_t nskipped;
    int any_promql; /* an SLO needs mode: promql */
    int kube;       /* a Sloth Kubernetes resource was read */
    int oalpha;     /* an OpenSLO v1alpha SLO is being read: metrics are {source, query} */
    int alpha_seen; /* the input holds OpenSLO v1alpha documents */
    struct odoc *odocs;
    size_t nodocs;
};

/* What one converted SLO is made of, before it is written. */
struct out_slo {
    char *comment; /* the comment line above the entry */
    char *name;
    char *service;
    char *description; /* NULL: none */
    char *objective;   /* percent, as number text */
    char *period;
    const char *period_note; /* a comment after period, or NULL */
    char *timezone;          /* calendar periods: the IANA zone, NULL for UTC */
    struct labels labels;
    char **group_by; /* label names; ngroup_by of them */
    size_t ngroup_by;
    enum config_sli_kind kind;
    int good_based;
    char *num;   /* events: the error or good selector; promql: that query */
    char *total; /* events: the total selector; promql: total_query */
    char *gauge; /* timeslice */
    int age;
    const char *op;
    char *value;
    char *slice;
    const char *sli_note; /* a comment after "sli:", or NULL */
    struct labels page_labels;
    struct labels page_ann;
    struct labels ticket_labels;
    struct labels ticket_ann;
    int page_off;
    int ticket_off;
};

/* What an indicator converts to, before the objectives are known. */
struct ind {
    int ok;
    enum config_sli_kind kind; /* EVENTS, PROMQL or TIMESLICE */
    int good_based;
    char *num;
    char *total;
    char *gauge; /* thresholdMetric */
    int age;
    const char *note;
};

#endif
