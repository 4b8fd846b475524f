/*
 * yamlread: the YAML reading shared by config, webconfig and importer. See
 * yamlread.h.
 */
#include "yamlread.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORE_TAG "tag:yaml.org,2002:"

void yr_init(struct yr *y, const char *file, const struct yr_limits *lim)
{
    memset(y, 0, sizeof(*y));
    y->file = file;
    y->lim = lim;
}

void yr_free(struct yr *y)
{
    for (size_t i = 0; i < y->nmsgs; i++)
        free(y->msgs[i].text);
    free(y->msgs);
    y->msgs = NULL;
    y->nmsgs = 0;
    y->amsgs = 0;
}

/* ---- messages ---- */

void yr_add(struct yr *y, size_t line, size_t col, int level, const char *text)
{
    char *t;

    if (line != 0 && y->nmsgs >= y->lim->max_msgs) {
        y->lost++;
        return;
    }
    if (y->nmsgs == y->amsgs) {
        size_t na = y->amsgs ? y->amsgs * 2 : 16;
        struct yr_msg *n = realloc(y->msgs, na * sizeof(*n));

        if (n == NULL) {
            y->oom = 1;
            return;
        }
        y->msgs = n;
        y->amsgs = na;
    }
    if (line > 0)
        t = util_asprintf("%s:%zu:%zu: %s", y->file, line, col, text);
    else
        t = util_asprintf("%s: %s", y->file, text);
    if (t == NULL) {
        y->oom = 1;
        return;
    }
    y->msgs[y->nmsgs].line = line;
    y->msgs[y->nmsgs].col = col;
    y->msgs[y->nmsgs].seq = y->nmsgs;
    y->msgs[y->nmsgs].level = level;
    y->msgs[y->nmsgs].keep = y->keep;
    y->msgs[y->nmsgs].text = t;
    y->nmsgs++;
}

void yr_err(struct yr *y, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
    char msg[1024];
    char full[1400];
    va_list ap;

    /* Formatting a message that will only be counted is wasted work. */
    if (n != NULL && y->nmsgs >= y->lim->max_msgs) {
        y->lost++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (path != NULL && *path)
        snprintf(full, sizeof(full), "%s: %s", path, msg);
    else
        snprintf(full, sizeof(full), "%s", msg);
    /* libyaml counts lines and columns from 0; editors from 1. */
    yr_add(y, n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, y->level, full);
}

static int cmp_msg(const void *a, const void *b)
{
    const struct yr_msg *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

void yr_sort(struct yr *y)
{
    if (y->nmsgs > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(y->msgs, y->nmsgs, sizeof(*y->msgs), cmp_msg);
}

/* Appends s (owned) to *v; frees it when v is NULL or on ENOMEM. */
static void push(char ***v, size_t *n, char *s)
{
    char **nv;

    if (v == NULL || s == NULL) {
        free(s);
        return;
    }
    nv = realloc(*v, (*n + 1) * sizeof(char *));
    if (nv == NULL) {
        free(s);
        return;
    }
    *v = nv;
    (*v)[(*n)++] = s;
}

void yr_move(struct yr *y, char ***v, size_t *n, const char *noun)
{
    yr_sort(y);
    for (size_t i = 0; i < y->nmsgs; i++)
        push(v, n, y->msgs[i].text);
    if (y->lost > 0)
        push(v, n,
             util_asprintf("%s: %zu more %s not shown (only the first %zu are)", y->file, y->lost,
                           noun, y->lim->max_msgs));
    free(y->msgs);
    y->msgs = NULL;
    y->nmsgs = 0;
    y->amsgs = 0;
    y->lost = 0;
}

/* ---- reading ---- */

int yr_read_file(const char *path, size_t max, struct buf *b, char **msg)
{
    char chunk[65536];
    FILE *f;
    size_t n;
    int rc = 0, saved = 0;

    *msg = NULL;
    buf_init(b, max);
    f = fopen(path, "rb");
    if (f == NULL) {
        *msg = util_asprintf("%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(b, chunk, n) != 0) {
            rc = b->len + n > max ? -1 : -3;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        saved = errno;
        rc = -2;
    }
    fclose(f);
    if (rc == 0)
        return 0;
    if (rc == -1)
        *msg = util_asprintf("%s: file is larger than the limit of %zu bytes", path, max);
    else if (rc == -2)
        *msg = util_asprintf("%s: cannot read: %s", path, saved ? strerror(saved) : "read error");
    else
        *msg = util_asprintf("%s: out of memory while reading the file", path);
    buf_free(b);
    return -1;
}

/* Where in the input a reader error's byte offset lies (1-based, in characters). */
static void offset_to_mark(const char *data, size_t len, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (data[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)data[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

/* Records libyaml's error from a failed yaml_parser_load(). */
static void load_error(struct yr *y, const yaml_parser_t *parser, const char *data, size_t len)
{
    const char *problem = parser->problem ? parser->problem : "syntax error";
    char msg[512];
    size_t line, col;

    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        y->oom = 1;
        return;
    case YAML_READER_ERROR:
        /* The reader knows only a byte offset, not a mark. */
        offset_to_mark(data, len, parser->problem_offset, &line, &col);
        problem = parser->problem ? parser->problem : "cannot read the input";
        if (parser->problem_value != -1)
            snprintf(msg, sizeof(msg), "yaml: %s (byte 0x%02x)", problem,
                     (unsigned)parser->problem_value & 0xffu);
        else
            snprintf(msg, sizeof(msg), "yaml: %s", problem);
        yr_add(y, line, col, y->level, msg);
        return;
    default:
        break;
    }
    if (parser->context != NULL && parser->context_mark.line != parser->problem_mark.line)
        snprintf(msg, sizeof(msg), "yaml: %s %s that started at line %zu", problem,
                 parser->context, (size_t)parser->context_mark.line + 1);
    else if (parser->context != NULL)
        snprintf(msg, sizeof(msg), "yaml: %s %s", problem, parser->context);
    else
        snprintf(msg, sizeof(msg), "yaml: %s", problem);
    /* libyaml's words for a tab say nothing about tabs. */
    if (parser->problem_mark.index < len && data[parser->problem_mark.index] == '\t') {
        size_t l = strlen(msg);

        snprintf(msg + l, sizeof(msg) - l, " (a tab: YAML indents with spaces only)");
    }
    yr_add(y, parser->problem_mark.line + 1, parser->problem_mark.column + 1, y->level, msg);
}

/*
 * The first pass: scans data's tokens and refuses more of them, deeper
 * nesting, or more anchors, aliases or directives than the limits allow, at
 * the first one too many. Returns 0 within the limits and when the scanner
 * fails (the load reports that), -1 past a limit or out of memory.
 */
static int check_tokens(struct yr *y, const char *data, size_t len)
{
    const struct yr_limits *l = y->lim;
    yaml_parser_t parser;
    yaml_token_t tok;
    size_t tokens = 0, depth = 0, anchors = 0, aliases = 0, directives = 0;
    int rc = 0;

    if (!yaml_parser_initialize(&parser)) {
        y->oom = 1;
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    for (;;) {
        char msg[128] = "";
        int end;

        if (!yaml_parser_scan(&parser, &tok)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                y->oom = 1;
                rc = -1;
            }
            break;
        }
        if (++tokens > l->max_tokens)
            snprintf(msg, sizeof(msg), "yaml: more than %zu tokens (keys, values and punctuation)",
                     l->max_tokens);
        switch (tok.type) {
        case YAML_BLOCK_SEQUENCE_START_TOKEN:
        case YAML_BLOCK_MAPPING_START_TOKEN:
        case YAML_FLOW_SEQUENCE_START_TOKEN:
        case YAML_FLOW_MAPPING_START_TOKEN:
            if (++depth > l->max_depth)
                snprintf(msg, sizeof(msg), "yaml: collections nested more than %zu levels deep",
                         l->max_depth);
            break;
        case YAML_BLOCK_END_TOKEN:
        case YAML_FLOW_SEQUENCE_END_TOKEN:
        case YAML_FLOW_MAPPING_END_TOKEN:
            if (depth > 0)
                depth--;
            break;
        case YAML_ANCHOR_TOKEN:
            if (++anchors > l->max_anchors)
                snprintf(msg, sizeof(msg), "yaml: more than %zu anchors (&name)", l->max_anchors);
            break;
        case YAML_ALIAS_TOKEN:
            if (++aliases > l->max_aliases)
                snprintf(msg, sizeof(msg), "yaml: more than %zu aliases (*name)", l->max_aliases);
            break;
        case YAML_VERSION_DIRECTIVE_TOKEN:
        case YAML_TAG_DIRECTIVE_TOKEN:
            if (++directives > l->max_directives)
                snprintf(msg, sizeof(msg), "yaml: more than %zu directives (%%TAG, %%YAML)",
                         l->max_directives);
            break;
        default:
            break;
        }
        if (msg[0] != '\0') {
            yr_add(y, tok.start_mark.line + 1, tok.start_mark.column + 1, y->level, msg);
            rc = -1;
        }
        end = tok.type == YAML_STREAM_END_TOKEN;
        yaml_token_delete(&tok);
        if (end || rc != 0)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

/*
 * Adds to *nodes and *bytes the nodes and scalar bytes of n and what it
 * holds down to the walk's depth (n is at level), every alias counted as a
 * copy of what it points to, which is how the walk sees them. Stops past
 * the limits and returns -1 then, else 0.
 */
static int measure(const struct yr *y, const yaml_node_t *n, int level, size_t *nodes,
                   size_t *bytes)
{
    if (++*nodes > y->lim->max_nodes)
        return -1;
    if (n->type == YAML_SCALAR_NODE) {
        *bytes += n->data.scalar.length;
        return *bytes > y->lim->max_text ? -1 : 0;
    }
    if (level >= y->lim->walk_depth)
        return 0;
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++)
            if (measure(y, yr_node(y, *i), level + 1, nodes, bytes) != 0)
                return -1;
    } else if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
            if (measure(y, yr_node(y, p->key), level + 1, nodes, bytes) != 0 ||
                measure(y, yr_node(y, p->value), level + 1, nodes, bytes) != 0)
                return -1;
    }
    return 0;
}

/*
 * Refuses (reported) an input too big once its aliases are expanded. The
 * counts run over all documents, as they all stay loaded.
 */
static int check_size(struct yr *y, yaml_document_t *d, size_t *nodes, size_t *bytes)
{
    yaml_document_t *was = y->doc;
    int rc;

    y->doc = d;
    rc = measure(y, yaml_document_get_root_node(d), 1, nodes, bytes);
    y->doc = was;
    if (rc == 0)
        return 0;
    if (*nodes > y->lim->max_nodes)
        yr_err(y, NULL, NULL,
               "the input has more than %zu YAML nodes (an alias counts as a copy of what it "
               "points to)",
               y->lim->max_nodes);
    else
        yr_err(y, NULL, NULL,
               "the input has more than %zu bytes of text (an alias counts as a copy of what it "
               "points to)",
               y->lim->max_text);
    return -1;
}

/* Appends d to *docs; deletes it on ENOMEM. */
static int keep_doc(struct yr *y, yaml_document_t *d, yaml_document_t **docs, size_t *ndocs)
{
    yaml_document_t *nd = realloc(*docs, (*ndocs + 1) * sizeof(**docs));

    if (nd == NULL) {
        yaml_document_delete(d);
        y->oom = 1;
        return -1;
    }
    *docs = nd;
    (*docs)[(*ndocs)++] = *d;
    return 0;
}

/*
 * With one document allowed, content in a later one would be ignored
 * silently. Empty ones (a trailing "---") hold nothing to lose and pass.
 */
static void refuse_more(struct yr *y, yaml_parser_t *parser, const char *data, size_t len)
{
    for (;;) {
        yaml_document_t extra;
        yaml_node_t *r2;
        int end, content;

        if (!yaml_parser_load(parser, &extra)) {
            load_error(y, parser, data, len);
            return;
        }
        r2 = yaml_document_get_root_node(&extra);
        end = r2 == NULL;
        content = r2 != NULL && !yr_is_null(r2);
        if (content)
            yr_err(y, r2, NULL, "more than one YAML document; put everything in one");
        yaml_document_delete(&extra);
        if (end || content)
            return;
    }
}

int yr_load(struct yr *y, const char *data, size_t len, yaml_document_t **docs, size_t *ndocs)
{
    yaml_parser_t parser;
    size_t nodes = 0, bytes = 0;
    int rc = -1;

    *docs = NULL;
    *ndocs = 0;
    /* libyaml asserts on a NULL input, even an empty one. */
    if (data == NULL) {
        data = "";
        len = 0;
    }
    if (len > y->lim->max_bytes) {
        yr_err(y, NULL, NULL, "file is larger than the limit of %zu bytes", y->lim->max_bytes);
        return -1;
    }
    if (check_tokens(y, data, len) != 0)
        return -1;
    if (!yaml_parser_initialize(&parser)) {
        y->oom = 1;
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    for (;;) {
        yaml_document_t d;
        yaml_node_t *root;

        if (!yaml_parser_load(&parser, &d)) {
            load_error(y, &parser, data, len);
            goto out;
        }
        root = yaml_document_get_root_node(&d);
        if (root == NULL || yr_is_null(root)) {
            yaml_document_delete(&d);
            /* The end of the input, or an empty one-document input. */
            if (root == NULL || y->lim->max_docs == 1)
                break;
            continue;
        }
        if (*ndocs == y->lim->max_docs) {
            yaml_document_delete(&d);
            yr_err(y, NULL, NULL, "more than %zu YAML documents", y->lim->max_docs);
            goto out;
        }
        if (check_size(y, &d, &nodes, &bytes) != 0) {
            yaml_document_delete(&d);
            goto out;
        }
        if (keep_doc(y, &d, docs, ndocs) != 0)
            goto out;
        if (y->lim->max_docs == 1) {
            refuse_more(y, &parser, data, len);
            break;
        }
    }
    rc = y->oom ? -1 : 0;
out:
    yaml_parser_delete(&parser);
    return rc;
}

void yr_docs_free(yaml_document_t *docs, size_t ndocs)
{
    for (size_t i = 0; i < ndocs; i++)
        yaml_document_delete(&docs[i]);
    free(docs);
}

/* ---- nodes ---- */

yaml_node_t *yr_node(const struct yr *y, int id)
{
    return yaml_document_get_node(y->doc, id);
}

const char *yr_text(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

int yr_is_null(const yaml_node_t *n)
{
    const char *v;

    if (n == NULL)
        return 1;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    v = yr_text(n);
    return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

const char *yr_scalar(const yaml_node_t *n)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE || yr_is_null(n))
        return NULL;
    /* A "\0" escape would silently cut every C string made from the value. */
    if (strlen(yr_text(n)) != n->data.scalar.length)
        return NULL;
    return yr_text(n);
}

int yr_is_map(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_MAPPING_NODE;
}

int yr_is_seq(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SEQUENCE_NODE;
}

size_t yr_seq_len(const yaml_node_t *n)
{
    if (!yr_is_seq(n))
        return 0;
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *yr_seq_item(const struct yr *y, const yaml_node_t *n, size_t i)
{
    return yr_node(y, n->data.sequence.items.start[i]);
}

yaml_node_t *yr_get(const struct yr *y, const yaml_node_t *n, const char *key)
{
    if (!yr_is_map(n))
        return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yr_node(y, p->key);

        if (k->type == YAML_SCALAR_NODE && strcmp(yr_text(k), key) == 0)
            return yr_node(y, p->value);
    }
    return NULL;
}

yaml_node_t *yr_get_opt(const struct yr *y, const yaml_node_t *n, const char *key)
{
    yaml_node_t *v = yr_get(y, n, key);

    return yr_is_null(v) ? NULL : v;
}

int yr_plain_bool(const yaml_node_t *n, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};

    if (n == NULL || n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(yr_text(n), yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(yr_text(n), no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int yr_plain_number(const yaml_node_t *n, double *out)
{
    const char *t = yr_scalar(n);
    double x;

    if (t == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        util_parse_double(t, &x) != 0)
        return -1;
    if (!isfinite(x))
        return -2;
    *out = x;
    return 0;
}

const char *yr_describe(const yaml_node_t *n, char *buf, size_t len)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_SCALAR_NODE:
        break;
    default:
        return "nothing";
    }
    if (yr_is_null(n))
        return "null";
    snprintf(buf, len, "%s\"%.40s%s\"",
             n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" : "string ", yr_text(n),
             strlen(yr_text(n)) > 40 ? "..." : "");
    return buf;
}

void yr_join(char *out, size_t len, const char *path, const char *key)
{
    int n;

    if (path == NULL || *path == '\0')
        n = snprintf(out, len, "%s", key);
    else
        n = snprintf(out, len, "%s.%s", path, key);
    if (n < 0 || (size_t)n >= len)
        out[len - 1] = '\0';
}

void yr_join_index(char *out, size_t len, const char *path, size_t i)
{
    int n = snprintf(out, len, "%s[%zu]", path, i);

    if (n < 0 || (size_t)n >= len)
        out[len - 1] = '\0';
}

/* ---- strict checks ---- */

int yr_tag_ok(struct yr *y, const yaml_node_t *n, const char *path)
{
    const char *t = (const char *)n->tag;

    if (t == NULL || strncmp(t, CORE_TAG, strlen(CORE_TAG)) == 0)
        return 1;
    if (n->type == YAML_SCALAR_NODE && *n->data.scalar.value == '\0')
        yr_err(y, n, path, "YAML reads %.60s as a tag, leaving no value; quote it: \"%.60s\"", t,
               t);
    else
        yr_err(y, n, path, "unsupported YAML tag \"%.60s\"", t);
    return 0;
}

const char *yr_want_scalar(struct yr *y, const yaml_node_t *n, const char *path, const char *what,
                           int secret)
{
    char d[64];

    if (!yr_tag_ok(y, n, path))
        return NULL;
    if (n->type != YAML_SCALAR_NODE || yr_is_null(n)) {
        yr_err(y, n, path, "expected %s, got %s", what,
               secret && n->type == YAML_SCALAR_NODE && !yr_is_null(n)
                   ? "a string"
                   : yr_describe(n, d, sizeof(d)));
        return NULL;
    }
    if (yr_scalar(n) == NULL) {
        yr_err(y, n, path, "must not contain a NUL character");
        return NULL;
    }
    return yr_text(n);
}

static int want_type(struct yr *y, const yaml_node_t *n, const char *path, yaml_node_type_t type,
                     const char *what)
{
    char d[64];

    if (!yr_tag_ok(y, n, path))
        return -1;
    if (n->type == type)
        return 0;
    yr_err(y, n, path, "expected %s, got %s", what, yr_describe(n, d, sizeof(d)));
    return -1;
}

int yr_want_map(struct yr *y, const yaml_node_t *n, const char *path)
{
    return want_type(y, n, path, YAML_MAPPING_NODE, "a mapping");
}

int yr_want_seq(struct yr *y, const yaml_node_t *n, const char *path)
{
    return want_type(y, n, path, YAML_SEQUENCE_NODE, "a sequence");
}

int yr_check_keys(struct yr *y, const yaml_node_t *n, const char *path, const char *const *names,
                  size_t nnames, const struct yr_refused *refused, size_t nrefused)
{
    const yaml_node_t *seen[32] = {NULL};

    if (yr_want_map(y, n, path) != 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yr_node(y, p->key);
        const char *name = yr_want_scalar(y, k, path, "a field name", 0);
        size_t i, r;

        if (name == NULL)
            continue;
        for (i = 0; i < nnames; i++)
            if (strcmp(name, names[i]) == 0)
                break;
        if (i == nnames) {
            for (r = 0; r < nrefused; r++)
                if (strcmp(name, refused[r].name) == 0)
                    break;
            if (r < nrefused)
                yr_err(y, k, path, "\"%s\" is not supported by slo-sidecar: %s", name,
                       refused[r].why);
            else
                yr_err(y, k, path, "unknown field \"%.60s\"", name);
            continue;
        }
        if (i >= 32)
            continue;
        if (seen[i] != NULL) {
            yr_err(y, k, path, "duplicate field \"%s\" (first at line %zu)", name,
                   (size_t)seen[i]->start_mark.line + 1);
            continue;
        }
        seen[i] = k;
    }
    return 0;
}
