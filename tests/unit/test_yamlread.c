/*
 * Unit tests for yamlread, the YAML reading the config, the web config and
 * the importer share: the accessors and strict checks on their own, one and
 * several documents, each limit with the message that names it, messages
 * in file order with the lost ones counted, and reading files.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "yamlread.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct yr_limits one_doc = {
    .max_bytes = 4096,
    .max_tokens = 1000,
    .max_depth = 8,
    .max_anchors = 4,
    .max_aliases = 8,
    .max_directives = 2,
    .walk_depth = 4,
    .max_nodes = 200,
    .max_text = 2000,
    .max_docs = 1,
    .max_msgs = 3,
};

/* A loaded input: its reader and documents. */
struct loaded {
    struct yr y;
    yaml_document_t *docs;
    size_t ndocs;
    int rc;
};

static void load(struct loaded *l, const struct yr_limits *lim, const char *text)
{
    yr_init(&l->y, "t.yaml", lim);
    l->rc = yr_load(&l->y, text, text ? strlen(text) : 0, &l->docs, &l->ndocs);
    if (l->ndocs > 0)
        l->y.doc = &l->docs[0];
}

static void unload(struct loaded *l)
{
    yr_docs_free(l->docs, l->ndocs);
    yr_free(&l->y);
}

static yaml_node_t *root(struct loaded *l)
{
    assert_int_equal(l->ndocs, 1);
    return yaml_document_get_root_node(l->y.doc);
}

/* Fails unless the messages, sorted, are exactly want. */
static void want_msgs(struct yr *y, const char *const *want, size_t n)
{
    int same;

    yr_sort(y);
    same = y->nmsgs == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(y->msgs[i].text, want[i]) == 0;
    if (!same) {
        for (size_t i = 0; i < y->nmsgs; i++)
            print_message("  got: %s\n", y->msgs[i].text);
        fail_msg("the messages differ");
    }
}

#define WANT_MSGS(y, ...)                                                                         \
    do {                                                                                          \
        static const char *const want_[] = {__VA_ARGS__};                                         \
        want_msgs((y), want_, NELEMS(want_));                                                     \
    } while (0)

static void test_accessors(void **state)
{
    struct loaded l;
    yaml_node_t *r, *v;
    double x = 0;
    int b = -1;

    (void)state;
    load(&l, &one_doc,
         "a: 1.5\nb: '2'\nc: true\nd: False\ne: ~\nf: [x, y]\ng: \"a\\0b\"\nh: +Inf\n"
         "i: \"true\"\nj: {k: v}\n");
    assert_int_equal(l.rc, 0);
    r = root(&l);
    assert_true(yr_is_map(r));
    assert_int_equal(yr_plain_number(yr_get(&l.y, r, "a"), &x), 0);
    assert_true(x == 1.5);
    /* Quoting makes a string, as in Go's decoders. */
    assert_int_equal(yr_plain_number(yr_get(&l.y, r, "b"), &x), -1);
    assert_int_equal(yr_plain_number(yr_get(&l.y, r, "h"), &x), -2);
    assert_int_equal(yr_plain_bool(yr_get(&l.y, r, "c"), &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(yr_plain_bool(yr_get(&l.y, r, "d"), &b), 0);
    assert_int_equal(b, 0);
    assert_int_equal(yr_plain_bool(yr_get(&l.y, r, "i"), &b), -1);
    /* An explicit null is there for yr_get and absent for yr_get_opt. */
    assert_non_null(yr_get(&l.y, r, "e"));
    assert_null(yr_get_opt(&l.y, r, "e"));
    assert_true(yr_is_null(yr_get(&l.y, r, "e")));
    assert_true(yr_is_null(NULL));
    assert_null(yr_get(&l.y, r, "missing"));
    v = yr_get(&l.y, r, "f");
    assert_true(yr_is_seq(v));
    assert_int_equal(yr_seq_len(v), 2);
    assert_string_equal(yr_scalar(yr_seq_item(&l.y, v, 1)), "y");
    assert_int_equal(yr_seq_len(r), 0);
    /* A NUL inside a scalar would cut every C string made from it. */
    assert_null(yr_scalar(yr_get(&l.y, r, "g")));
    assert_string_equal(yr_scalar(yr_get(&l.y, yr_get(&l.y, r, "j"), "k")), "v");
    unload(&l);
}

static void test_describe_and_join(void **state)
{
    struct loaded l;
    char d[64], p[16];
    yaml_node_t *r;

    (void)state;
    load(&l, &one_doc,
         "a: {}\nb: []\nc: null\nd: plain\ne: 'quoted'\n"
         "f: 0123456789012345678901234567890123456789012\n");
    r = root(&l);
    assert_string_equal(yr_describe(yr_get(&l.y, r, "a"), d, sizeof(d)), "a mapping");
    assert_string_equal(yr_describe(yr_get(&l.y, r, "b"), d, sizeof(d)), "a sequence");
    assert_string_equal(yr_describe(yr_get(&l.y, r, "c"), d, sizeof(d)), "null");
    assert_string_equal(yr_describe(yr_get(&l.y, r, "d"), d, sizeof(d)), "\"plain\"");
    assert_string_equal(yr_describe(yr_get(&l.y, r, "e"), d, sizeof(d)), "string \"quoted\"");
    assert_string_equal(yr_describe(yr_get(&l.y, r, "f"), d, sizeof(d)),
                        "\"0123456789012345678901234567890123456789...\"");
    yr_join(p, sizeof(p), "", "key");
    assert_string_equal(p, "key");
    yr_join(p, sizeof(p), "slos[1]", "sli");
    assert_string_equal(p, "slos[1].sli");
    /* Too long for the buffer: cut, never overflowed. */
    yr_join(p, sizeof(p), "a.very.long.path", "key");
    assert_string_equal(p, "a.very.long.pat");
    yr_join_index(p, sizeof(p), "slos", 12);
    assert_string_equal(p, "slos[12]");
    unload(&l);
}

static void test_strict_checks(void **state)
{
    static const char *const names[] = {"a", "b", "c"};
    static const struct yr_refused refused[] = {{"old", "it was removed in 2.0"}};
    struct yr_limits lim = one_doc;
    struct loaded l;
    yaml_node_t *r;

    (void)state;
    lim.max_msgs = 100;
    load(&l, &lim, "a: 1\nb: !custom x\nold: 2\nzz: 3\na: 4\nc: !=\nd: [1]\n");
    r = root(&l);
    assert_int_equal(yr_check_keys(&l.y, r, "top", names, 3, refused, 1), 0);
    assert_null(yr_want_scalar(&l.y, yr_get(&l.y, r, "b"), "top.b", "a string", 0));
    assert_null(yr_want_scalar(&l.y, yr_get(&l.y, r, "c"), "top.c", "an operator", 0));
    assert_int_equal(yr_want_map(&l.y, yr_get(&l.y, r, "d"), "top.d"), -1);
    assert_int_equal(yr_want_seq(&l.y, yr_get(&l.y, r, "d"), "top.d"), 0);
    /* A secret is never quoted back. */
    assert_null(yr_want_scalar(&l.y, yr_get(&l.y, r, "d"), "top.d", "a hash", 1));
    WANT_MSGS(&l.y, "t.yaml:2:4: top.b: unsupported YAML tag \"!custom\"",
              "t.yaml:3:1: top: \"old\" is not supported by slo-sidecar: it was removed in 2.0",
              "t.yaml:4:1: top: unknown field \"zz\"",
              "t.yaml:5:1: top: duplicate field \"a\" (first at line 1)",
              "t.yaml:6:4: top.c: YAML reads != as a tag, leaving no value; quote it: \"!=\"",
              "t.yaml:7:1: top: unknown field \"d\"",
              "t.yaml:7:4: top.d: expected a mapping, got a sequence",
              "t.yaml:7:4: top.d: expected a hash, got a sequence");
    unload(&l);
}

static void test_documents(void **state)
{
    struct yr_limits many = one_doc;
    struct loaded l;

    (void)state;
    /* Nothing, or only nulls: no document, no message. */
    load(&l, &one_doc, NULL);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.ndocs, 0);
    assert_int_equal(l.y.nmsgs, 0);
    unload(&l);
    load(&l, &one_doc, "---\n~\n");
    assert_int_equal(l.ndocs, 0);
    unload(&l);
    /* One document: content in a second is refused, an empty one is not. */
    load(&l, &one_doc, "a: 1\n---\n---\nb: 2\n");
    assert_int_equal(l.ndocs, 1);
    WANT_MSGS(&l.y, "t.yaml:4:1: more than one YAML document; put everything in one");
    unload(&l);
    load(&l, &one_doc, "a: 1\n---\n");
    assert_int_equal(l.ndocs, 1);
    assert_int_equal(l.y.nmsgs, 0);
    unload(&l);
    /* Several: the empty ones are skipped, and their number is bounded. */
    many.max_docs = 3;
    load(&l, &many, "a: 1\n---\n~\n---\nb: 2\n---\nc: 3\n");
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.ndocs, 3);
    unload(&l);
    load(&l, &many, "a: 1\n---\nb: 2\n---\nc: 3\n---\nd: 4\n");
    assert_int_equal(l.rc, -1);
    WANT_MSGS(&l.y, "t.yaml: more than 3 YAML documents");
    unload(&l);
}

static void test_limits_name_themselves(void **state)
{
    struct yr_limits deep = one_doc;
    struct loaded l;
    char big[4200];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    load(&l, &one_doc, big);
    assert_int_equal(l.rc, -1);
    WANT_MSGS(&l.y, "t.yaml: file is larger than the limit of 4096 bytes");
    unload(&l);
    load(&l, &one_doc, "[[[[[[[[[1]]]]]]]]]");
    WANT_MSGS(&l.y, "t.yaml:1:9: yaml: collections nested more than 8 levels deep");
    unload(&l);
    load(&l, &one_doc, "[&a 1, &b 2, &c 3, &d 4, &e 5]");
    WANT_MSGS(&l.y, "t.yaml:1:26: yaml: more than 4 anchors (&name)");
    unload(&l);
    load(&l, &one_doc, "%TAG !a! tag:a,1:\n%TAG !b! tag:b,1:\n%TAG !c! tag:c,1:\n---\nx\n");
    WANT_MSGS(&l.y, "t.yaml:3:1: yaml: more than 2 directives (%TAG, %YAML)");
    unload(&l);
    /*
     * Eight aliases pass the token pass, but a walk to level 8 would visit
     * 241 nodes: 11 for a, 45 for b, 181 for c, the root and its keys.
     */
    deep.walk_depth = 8;
    load(&l, &deep,
         "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: &b [*a, *a, *a, *a]\n"
         "c: [*b, *b, *b, *b]\n");
    assert_int_equal(l.rc, -1);
    WANT_MSGS(&l.y, "t.yaml: the input has more than 200 YAML nodes (an alias counts as a copy "
                    "of what it points to)");
    unload(&l);
    /* libyaml's own errors, with the context and the tab explained. */
    load(&l, &one_doc, "a: [1,\nb: 2\n");
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.y.nmsgs, 1);
    assert_non_null(strstr(l.y.msgs[0].text, "that started at line 1"));
    unload(&l);
    load(&l, &one_doc, "a:\n\tb: 1\n");
    assert_int_equal(l.rc, -1);
    assert_non_null(strstr(l.y.msgs[0].text, "(a tab: YAML indents with spaces only)"));
    unload(&l);
}

static void test_messages_sorted_counted_and_moved(void **state)
{
    struct yr_limits lim = one_doc;
    struct yr y;
    char **v = NULL;
    size_t n = 0;

    (void)state;
    lim.max_msgs = 4;
    yr_init(&y, "f.yaml", &lim);
    y.level = 7;
    yr_add(&y, 5, 2, 1, "third");
    yr_add(&y, 0, 0, 1, "about the file");
    yr_add(&y, 2, 9, 1, "first");
    yr_add(&y, 5, 2, 1, "fourth, same place, found later");
    /* Past max_msgs (4) positioned messages are only counted; file-level ones stay. */
    yr_add(&y, 1, 1, 1, "lost");
    yr_add(&y, 0, 0, 1, "also about the file");
    yr_err(&y, NULL, "p", "formatted %d", 42);
    assert_int_equal(y.lost, 1);
    assert_int_equal(y.msgs[y.nmsgs - 1].level, 7);
    yr_move(&y, &v, &n, "errors");
    assert_int_equal(y.nmsgs, 0);
    assert_int_equal(n, 7);
    assert_string_equal(v[0], "f.yaml: about the file");
    assert_string_equal(v[1], "f.yaml: also about the file");
    assert_string_equal(v[2], "f.yaml: p: formatted 42");
    assert_string_equal(v[3], "f.yaml:2:9: first");
    assert_string_equal(v[4], "f.yaml:5:2: third");
    assert_string_equal(v[5], "f.yaml:5:2: fourth, same place, found later");
    assert_string_equal(v[6], "f.yaml: 1 more errors not shown (only the first 4 are)");
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    yr_free(&y);
}

static void test_read_file(void **state)
{
    char path[] = "/tmp/test_yamlread.XXXXXX";
    struct buf b;
    char *msg = NULL;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a: 1\n", 5), 5);
    close(fd);
    assert_int_equal(yr_read_file(path, 100, &b, &msg), 0);
    assert_null(msg);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "a: 1\n", 5);
    buf_free(&b);
    assert_int_equal(yr_read_file(path, 4, &b, &msg), -1);
    assert_non_null(strstr(msg, "file is larger than the limit of 4 bytes"));
    free(msg);
    unlink(path);
    assert_int_equal(yr_read_file(path, 100, &b, &msg), -1);
    assert_non_null(strstr(msg, "cannot read: No such file or directory"));
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_describe_and_join),
        cmocka_unit_test(test_strict_checks),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_limits_name_themselves),
        cmocka_unit_test(test_messages_sorted_counted_and_moved),
        cmocka_unit_test(test_read_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
