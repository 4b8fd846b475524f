/*
 * yamlread: what the three YAML readers (config, web config, importer)
 * share: reading a bounded input into libyaml documents, messages with
 * their positions, and node accessors and checks.
 *
 * libyaml's document API keeps a start mark on every node, so each message
 * can point at the field it is about. Every problem is recorded and reading
 * goes on, so one run shows them all; yr_move() sorts them into file order.
 *
 * The input is bounded before anything walks it. libyaml slows down with the
 * square of the nesting depth, of the anchors and aliases and of the %TAG
 * directives, so a first pass over the tokens bounds those before loading.
 * A reader walks its schema to a fixed depth, so aliases (even cyclic ones,
 * which libyaml can build) cannot make it recurse without bound; they can
 * still make it visit one node many times (an "alias bomb"), so each
 * document is measured with its aliases expanded to the walk's depth and
 * refused past the limits.
 *
 * Strictness follows Go's YAML decoders, which Prometheus users know: a
 * quoted scalar is a string (so "99.9" is no number), and tags other than
 * the core schema's are refused.
 *
 * Depends on util and libyaml.
 */
#ifndef SLO_YAMLREAD_H
#define SLO_YAMLREAD_H

#include <stddef.h>
#include <yaml.h>

#include "util.h"

/* What one reader accepts; messages name the limit passed. */
struct yr_limits {
    size_t max_bytes;      /* the input */
    size_t max_tokens;     /* keys, values and punctuation */
    size_t max_depth;      /* collections inside collections */
    size_t max_anchors;    /* &name */
    size_t max_aliases;    /* *name */
    size_t max_directives; /* %TAG and %YAML: libyaml is quadratic in them */
    int walk_depth;        /* the deepest level the reader visits (the root is 1) */
    size_t max_nodes;      /* nodes, aliases expanded to walk_depth */
    size_t max_text;       /* scalar bytes, aliases expanded to walk_depth */
    size_t max_docs;       /* 1: one document, content in a second is an error */
    size_t max_msgs;       /* messages kept with a position; more are counted */
};

/* One recorded message. */
struct yr_msg {
    size_t line; /* 1-based; 0 for messages about the whole file */
    size_t col;
    size_t seq; /* keeps messages at one position in the order found */
    int level;  /* the reader's own levels; 0 when it has none */
    int keep;   /* the reader's mark (the importer's imp_forget_since) */
    char *text; /* "FILE:LINE:COL: message" or "FILE: message" */
};

/* One read: the messages and the document nodes are looked up in. */
struct yr {
    const char *file;
    const struct yr_limits *lim;
    yaml_document_t *doc;
    struct yr_msg *msgs;
    size_t nmsgs;
    size_t amsgs;
    size_t lost; /* positioned messages past lim->max_msgs */
    int oom;
    int keep;  /* copied into each message recorded */
    int level; /* the level of the messages yamlread records itself */
};

void yr_init(struct yr *y, const char *file, const struct yr_limits *lim);

/* Frees the messages still held. */
void yr_free(struct yr *y);

/* ---- messages ---- */

/*
 * Records text at line:col (1-based; line 0 for "FILE: text", which is
 * always kept) with the reader's level. Out of memory sets y->oom.
 */
void yr_add(struct yr *y, size_t line, size_t col, int level, const char *text);

/*
 * Records "FILE:LINE:COL: PATH: message" at node n (file-level when n is
 * NULL) at y->level.
 */
void yr_err(struct yr *y, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sorts the messages into file order (file-level ones first). */
void yr_sort(struct yr *y);

/*
 * Sorts the messages and moves their texts to the end of the array *v of
 * *n strings, then "FILE: N more <noun> not shown" when some were lost.
 * A NULL v drops them. y holds no message afterwards.
 */
void yr_move(struct yr *y, char ***v, size_t *n, const char *noun);

/* ---- reading ---- */

/*
 * Reads the file at path whole into b (at most max bytes). Returns 0, or -1
 * with "path: why" (owned; NULL when out of memory) in *msg.
 */
int yr_read_file(const char *path, size_t max, struct buf *b, char **msg);

/*
 * Bounds, loads and measures the len bytes at data (NULL for none). With
 * lim->max_docs 1 the first document is returned and content in a later one
 * is an error; else every document that is not empty, at most max_docs. An
 * empty first (or only) document gives *ndocs 0. Returns 0, or -1 with the
 * problem recorded; *docs (caller frees with yr_docs_free) is set either way.
 */
int yr_load(struct yr *y, const char *data, size_t len, yaml_document_t **docs, size_t *ndocs);

void yr_docs_free(yaml_document_t *docs, size_t ndocs);

/* ---- nodes (y->doc) ---- */

yaml_node_t *yr_node(const struct yr *y, int id);

/* A scalar node's text (it may hold a NUL: see yr_scalar). */
const char *yr_text(const yaml_node_t *n);

/* A plain ~, null, Null, NULL or nothing; NULL counts as null too. */
int yr_is_null(const yaml_node_t *n);

/* n's text when it is a non-null scalar without a NUL in it, else NULL. */
const char *yr_scalar(const yaml_node_t *n);

int yr_is_map(const yaml_node_t *n);
int yr_is_seq(const yaml_node_t *n);

/* The length of sequence n; 0 when n is no sequence. */
size_t yr_seq_len(const yaml_node_t *n);
yaml_node_t *yr_seq_item(const struct yr *y, const yaml_node_t *n, size_t i);

/* The value of key in mapping n (the first when repeated), or NULL. */
yaml_node_t *yr_get(const struct yr *y, const yaml_node_t *n, const char *key);

/* Like yr_get(), but an explicit null counts as absent (`labels:` left empty). */
yaml_node_t *yr_get_opt(const struct yr *y, const yaml_node_t *n, const char *key);

/* A plain true/True/TRUE or false/False/FALSE into *out: 0, else -1. */
int yr_plain_bool(const yaml_node_t *n, int *out);

/*
 * A plain (unquoted) scalar that is a number into *out: 0; -1 when it is no
 * number (quoting makes a string, as in Go's decoders), -2 when not finite.
 */
int yr_plain_number(const yaml_node_t *n, double *out);

/* n for "expected X, got Y": a mapping, null, "text", string "text". */
const char *yr_describe(const yaml_node_t *n, char *buf, size_t len);

/* path.key and path[i] into out; a path too long is cut, never overflowed. */
void yr_join(char *out, size_t len, const char *path, const char *key);
void yr_join_index(char *out, size_t len, const char *path, size_t i);

/* ---- strict checks: each reports what is wrong with yr_err() ---- */

/*
 * 1 when n has no tag or one of the core schema's (!!str, !!int, ...), else
 * reports it and returns 0. The classic case is `op: !=`, which YAML reads
 * as the tag "!=" on an empty value.
 */
int yr_tag_ok(struct yr *y, const yaml_node_t *n, const char *path);

/*
 * n's text when it is a non-null scalar without a NUL, else reports
 * "expected what, got ..." and returns NULL. With secret set, the value is
 * never quoted in a message.
 */
const char *yr_want_scalar(struct yr *y, const yaml_node_t *n, const char *path, const char *what,
                           int secret);

/* 0 when n is a mapping (or a sequence), else -1, reported. */
int yr_want_map(struct yr *y, const yaml_node_t *n, const char *path);
int yr_want_seq(struct yr *y, const yaml_node_t *n, const char *path);

/* A field a reader knows but refuses, and why. */
struct yr_refused {
    const char *name;
    const char *why;
};

/*
 * Checks mapping n's keys: names are allowed (duplicates are found among the
 * first 32), refused ones are
 * reported with their reason, others as unknown; duplicates are errors.
 * Returns 0 when n is a mapping (even with bad keys), -1 (reported) if not.
 */
int yr_check_keys(struct yr *y, const yaml_node_t *n, const char *path, const char *const *names,
                  size_t nnames, const struct yr_refused *refused, size_t nrefused);

#endif
