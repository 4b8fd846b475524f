/*
 * impdefs: the importer's words that its callers and its parts both use:
 * the input formats, the message levels and the output cap. They stand
 * apart from importer.h because importer.c includes the parts, and a part
 * that included importer.h would close an include cycle. importer.h
 * includes this file, so what it declares is unchanged.
 * Depends on no other module.
 */
#ifndef SLO_IMPDEFS_H
#define SLO_IMPDEFS_H

/* Upper bound on the config text written, against alias bombs. */
#define IMPORTER_MAX_OUTPUT (64u * 1024u * 1024u)

enum importer_format {
    IMPORTER_SLOTH,   /* Sloth prometheus/v1 specs and sloth.slok.dev/v1 resources */
    IMPORTER_OPENSLO, /* OpenSLO v1: SLO, SLI, Service, DataSource, ... documents */
    IMPORTER_PYRRA    /* Pyrra pyrra.dev/v1alpha1 ServiceLevelObjective resources */
};

enum importer_level {
    IMPORTER_NOTE,    /* for information; nothing was lost */
    IMPORTER_DROPPED, /* one part of an SLO was not converted; the SLO was */
    IMPORTER_SKIPPED, /* an SLO (or a whole document) was not converted */
    IMPORTER_ERROR    /* the input cannot be converted at all */
};

#endif
