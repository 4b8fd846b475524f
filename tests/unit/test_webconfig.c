/*
 * Unit tests for webconfig: a full file, defaults and relative paths, every
 * error with its exact message and position (and no password hash in any
 * message), bcrypt checks with $2a$, $2b$ and $2y$ hashes, the cost limits,
 * and a failing allocator that fails every allocation of a load in turn.
 */
/* RTLD_NEXT, for the failing allocator below. */
#define _GNU_SOURCE
#include "testutil.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "webconfig.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* bcrypt hashes (cost 4 and 5) made with Python's crypt module. */
#define HASH_S3CRET "$2b$04$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2"
#define HASH_S3CRET_2Y "$2y$04$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2"
#define HASH_S3CRET_2A "$2a$04$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2"
#define HASH_OTHER_PW "$2b$05$pbnu2EtGWCkFIX/2V1QeHO5.06.hjo6aU1mL0LbKOukLD9EbSRr56"

#include "failalloc.h"

static void print_errors(const struct config_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        print_message("  got: %s\n", errs->msg[i]);
}

/* Parses yaml as name, which must be valid. The caller frees. */
static struct webconfig *parse_ok_as(const char *name, const char *yaml)
{
    struct webconfig *cfg = NULL;
    struct config_errors errs;

    config_errors_init(&errs);
    if (webconfig_parse(name, yaml, strlen(yaml), &cfg, &errs) != 0) {
        print_errors(&errs);
        config_errors_free(&errs);
        fail_msg("the web config did not load");
    }
    assert_int_equal(errs.n, 0);
    assert_non_null(cfg);
    return cfg;
}

static struct webconfig *parse_ok(const char *yaml)
{
    return parse_ok_as("w.yml", yaml);
}

/*
 * Parses yaml as "w.yml", which must fail with exactly the messages want,
 * none of which may contain secret (when given).
 */
static void check_errors(const char *yaml, const char *secret, const char *const *want,
                         size_t nwant)
{
    struct webconfig *cfg = (struct webconfig *)&cfg; /* must be reset to NULL */
    struct config_errors errs;
    int same;

    config_errors_init(&errs);
    assert_int_equal(webconfig_parse("w.yml", yaml, strlen(yaml), &cfg, &errs), -1);
    assert_null(cfg);
    same = errs.n == nwant;
    for (size_t i = 0; same && i < nwant; i++)
        same = strcmp(errs.msg[i], want[i]) == 0;
    for (size_t i = 0; secret != NULL && i < errs.n; i++)
        same = same && strstr(errs.msg[i], secret) == NULL;
    if (!same) {
        for (size_t i = 0; i < nwant; i++)
            print_message("  want: %s\n", want[i]);
        print_errors(&errs);
    }
    config_errors_free(&errs);
    if (!same)
        fail_msg("the messages differ (or show a secret)");
}

#define assert_errors(yaml, ...)                                                                  \
    do {                                                                                          \
        static const char *const want_[] = {__VA_ARGS__};                                         \
        check_errors((yaml), NULL, want_, NELEMS(want_));                                         \
    } while (0)

#define assert_errors_hiding(yaml, secret, ...)                                                   \
    do {                                                                                          \
        static const char *const want_[] = {__VA_ARGS__};                                         \
        check_errors((yaml), (secret), want_, NELEMS(want_));                                     \
    } while (0)

static const char full_yaml[] = "tls_server_config:\n"
                                "  cert_file: server.crt\n"
                                "  key_file: /etc/tls/server.key\n"
                                "  client_auth_type: RequireAndVerifyClientCert\n"
                                "  client_ca_file: ca/clients.pem\n"
                                "  min_version: TLS13\n"
                                "  max_version: TLS13\n"
                                "http_server_config:\n"
                                "  http2: false\n"
                                "  headers:\n"
                                "    X-Frame-Options: deny\n"
                                "    X-Content-Type-Options: nosniff\n"
                                "    Strict-Transport-Security: max-age=31536000\n"
                                "basic_auth_users:\n"
                                "  prometheus: " HASH_S3CRET "\n"
                                "  alice: '" HASH_OTHER_PW "'\n";

static void test_full_file(void **state)
{
    struct webconfig *cfg = parse_ok_as("/etc/slo/web.yml", full_yaml);

    (void)state;
    assert_string_equal(cfg->path, "/etc/slo/web.yml");
    assert_true(cfg->has_tls);
    /* Relative paths are taken from the web config's directory. */
    assert_string_equal(cfg->tls.cert_file, "/etc/slo/server.crt");
    assert_string_equal(cfg->tls.key_file, "/etc/tls/server.key");
    assert_string_equal(cfg->tls.client_ca_file, "/etc/slo/ca/clients.pem");
    assert_int_equal(cfg->tls.cert_pos.line, 2);
    assert_int_equal(cfg->tls.cert_pos.col, 14);
    assert_int_equal(cfg->tls.key_pos.line, 3);
    assert_int_equal(cfg->tls.client_ca_pos.line, 5);
    assert_int_equal(cfg->tls.client_ca_pos.col, 19);
    assert_int_equal(cfg->tls.client_auth, WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT);
    assert_int_equal(cfg->tls.min_version, WEBCONFIG_TLS13);
    assert_int_equal(cfg->tls.max_version, WEBCONFIG_TLS13);
    assert_int_equal(cfg->headers.n, 3);
    assert_string_equal(labels_get(&cfg->headers, "X-Frame-Options"), "deny");
    assert_string_equal(labels_get(&cfg->headers, "Strict-Transport-Security"),
                        "max-age=31536000");
    /* Users are kept sorted by name. */
    assert_int_equal(cfg->nusers, 2);
    assert_string_equal(cfg->users[0].name, "alice");
    assert_string_equal(cfg->users[1].name, "prometheus");
    assert_string_equal(webconfig_user_hash(cfg, "prometheus"), HASH_S3CRET);
    assert_string_equal(webconfig_user_hash(cfg, "alice"), HASH_OTHER_PW);
    assert_null(webconfig_user_hash(cfg, "bob"));
    assert_null(webconfig_user_hash(cfg, "Alice"));
    webconfig_free(cfg);
}

static void test_defaults_and_empty_files(void **state)
{
    static const char *const empty[] = {"",
                                        "\n",
                                        "# nothing\n",
                                        "~\n",
                                        "---\n",
                                        "{}\n",
                                        "tls_server_config:\nbasic_auth_users:\n",
                                        "tls_server_config: {}\n"};
    struct webconfig *cfg;

    (void)state;
    for (size_t i = 0; i < NELEMS(empty); i++) {
        cfg = parse_ok(empty[i]);
        assert_false(cfg->has_tls);
        assert_int_equal(cfg->nusers, 0);
        assert_int_equal(cfg->headers.n, 0);
        webconfig_free(cfg);
    }
    cfg = parse_ok("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n");
    assert_true(cfg->has_tls);
    /* No directory in the name: the path stays as written. */
    assert_string_equal(cfg->tls.cert_file, "a.crt");
    assert_int_equal(cfg->tls.client_auth, WEBCONFIG_NO_CLIENT_CERT);
    assert_null(cfg->tls.client_ca_file);
    assert_int_equal(cfg->tls.min_version, WEBCONFIG_TLS12);
    assert_int_equal(cfg->tls.max_version, WEBCONFIG_TLS13);
    webconfig_free(cfg);
    /* Users without TLS are allowed (behind a TLS proxy, say). */
    cfg = parse_ok("basic_auth_users: {u: '" HASH_S3CRET "'}\n");
    assert_false(cfg->has_tls);
    assert_int_equal(cfg->nusers, 1);
    webconfig_free(cfg);
}

static void test_client_auth_types(void **state)
{
    static const struct {
        const char *name;
        enum webconfig_client_auth want;
        int needs_ca;
    } cases[] = {
        {"NoClientCert", WEBCONFIG_NO_CLIENT_CERT, 0},
        {"RequestClientCert", WEBCONFIG_REQUEST_CLIENT_CERT, 0},
        {"RequireAnyClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT, 0},
        {"RequireClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT, 0},
        {"VerifyClientCertIfGiven", WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN, 1},
        {"RequireAndVerifyClientCert", WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT, 1},
    };

    (void)state;
    for (size_t i = 0; i < NELEMS(cases); i++) {
        char yaml[256];
        struct webconfig *cfg;

        snprintf(yaml, sizeof(yaml),
                 "tls_server_config:\n  cert_file: c\n  key_file: k\n"
                 "  client_auth_type: %s\n%s",
                 cases[i].name, cases[i].needs_ca ? "  client_ca_file: ca.pem\n" : "");
        cfg = parse_ok(yaml);
        assert_int_equal(cfg->tls.client_auth, cases[i].want);
        webconfig_free(cfg);
    }
    assert_string_equal(webconfig_client_auth_str(WEBCONFIG_REQUIRE_ANY_CLIENT_CERT),
                        "RequireAnyClientCert");
    assert_string_equal(webconfig_client_auth_str(WEBCONFIG_NO_CLIENT_CERT), "NoClientCert");
}

static void test_errors_structure(void **state)
{
    (void)state;
    assert_errors("- a\n", "w.yml:1:1: expected a mapping, got a sequence");
    assert_errors("tls_server_config: {}\nbasic_auth: {}\n",
                  "w.yml:2:1: unknown field \"basic_auth\"");
    assert_errors("basic_auth_users: {}\nbasic_auth_users: {}\n",
                  "w.yml:2:1: duplicate field \"basic_auth_users\" (first at line 1)");
    assert_errors("tls_server_config: yes\n",
                  "w.yml:1:20: tls_server_config: expected a mapping, got \"yes\"");
    assert_errors("a: 1\n---\nb: 2\n", "w.yml:1:1: unknown field \"a\"",
                  "w.yml:3:1: more than one YAML document; put everything in one");
    assert_errors("tls_server_config: !!binary abc\n",
                  "w.yml:1:20: tls_server_config: expected a mapping, got \"abc\"");
    assert_errors("tls_server_config: !custom {}\n",
                  "w.yml:1:20: tls_server_config: unsupported YAML tag \"!custom\"");
}

static void test_errors_yaml_syntax(void **state)
{
    (void)state;
    assert_errors("basic_auth_users:\n  a: [\n",
                  "w.yml:3:1: yaml: did not find expected node content while parsing a flow node");
    assert_errors("tls_server_config:\n\tcert_file: x\n",
                  "w.yml:2:1: yaml: found character that cannot start any token while scanning "
                  "for the next token (a tab: YAML indents with spaces only)");
    assert_errors("tls_server_config: {cert_file: \"a\\0b\", key_file: k}\n",
                  "w.yml:1:32: tls_server_config.cert_file: must not contain a NUL character");
    assert_errors("basic_auth_users: {\"a\\0b\": x}\n",
                  "w.yml:1:20: basic_auth_users: must not contain a NUL character");
}

static void test_errors_tls(void **state)
{
    (void)state;
    assert_errors("tls_server_config:\n  key_file: k\n",
                  "w.yml:2:3: tls_server_config: missing required field \"cert_file\"");
    assert_errors("tls_server_config:\n  cert_file: ''\n  key_file: [k]\n",
                  "w.yml:2:14: tls_server_config.cert_file: must not be empty",
                  "w.yml:3:13: tls_server_config.key_file: expected a string, got a sequence");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n  certfile: x\n",
                  "w.yml:4:3: tls_server_config: unknown field \"certfile\"");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                  "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
                  "w.yml:4:3: tls_server_config: \"cipher_suites\" is not supported by "
                  "slo-sidecar: GnuTLS chooses the cipher suites; min_version and max_version "
                  "work");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                  "  client_allowed_sans: [a]\n",
                  "w.yml:4:3: tls_server_config: \"client_allowed_sans\" is not supported by "
                  "slo-sidecar: any client certificate that client_ca_file verifies is accepted");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                  "  client_auth_type: RequireAndVerify\n",
                  "w.yml:4:21: tls_server_config.client_auth_type: must be NoClientCert, "
                  "RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
                  "RequireAndVerifyClientCert, got \"RequireAndVerify\"");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                  "  client_auth_type: RequireAndVerifyClientCert\n",
                  "w.yml:4:21: tls_server_config.client_auth_type: RequireAndVerifyClientCert "
                  "checks client certificates against client_ca_file, which is not set");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                  "  client_auth_type: VerifyClientCertIfGiven\n",
                  "w.yml:4:21: tls_server_config.client_auth_type: VerifyClientCertIfGiven "
                  "checks client certificates against client_ca_file, which is not set");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n",
                  "w.yml:4:19: tls_server_config.client_ca_file: is set but client_auth_type is "
                  "NoClientCert; set client_auth_type to RequireAndVerifyClientCert (or "
                  "VerifyClientCertIfGiven) to check client certificates");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS11\n",
                  "w.yml:4:16: tls_server_config.min_version: TLS11 is not supported (TLS 1.0 "
                  "and 1.1 are obsolete); use TLS12 or TLS13");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: 1.2\n",
                  "w.yml:4:16: tls_server_config.min_version: must be TLS12 or TLS13, got "
                  "\"1.2\"");
    assert_errors("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS13\n"
                  "  max_version: TLS12\n",
                  "w.yml:5:16: tls_server_config.max_version: TLS12 is below min_version TLS13");
}

static void test_errors_http_server_config(void **state)
{
    (void)state;
    assert_errors("http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
                  "w.yml:3:22: http_server_config.headers.X-Frame-Options: must be \"deny\" or "
                  "\"sameorigin\", got \"allow\"");
    assert_errors("http_server_config:\n  headers:\n    X-Content-Type-Options: none\n",
                  "w.yml:3:29: http_server_config.headers.X-Content-Type-Options: must be "
                  "\"nosniff\", got \"none\"");
    assert_errors("http_server_config:\n  headers:\n    Server: x\n",
                  "w.yml:3:5: http_server_config.headers: header \"Server\" cannot be set "
                  "(allowed: Strict-Transport-Security, X-Content-Type-Options, "
                  "X-Frame-Options, X-XSS-Protection, Content-Security-Policy)");
    assert_errors("http_server_config:\n  headers:\n    X-XSS-Protection: \"1\\r\\nSet-Cookie: "
                  "a=b\"\n",
                  "w.yml:3:23: http_server_config.headers.X-XSS-Protection: header values "
                  "cannot contain control characters");
    assert_errors("http_server_config:\n  headers:\n    X-XSS-Protection: '0'\n"
                  "    X-XSS-Protection: '1'\n",
                  "w.yml:4:5: http_server_config.headers: duplicate header \"X-XSS-Protection\"");
    assert_errors("http_server_config:\n  http2: true\n",
                  "w.yml:2:10: http_server_config.http2: HTTP/2 is not supported: "
                  "libmicrohttpd serves HTTP/1.1 (set false or leave it out)");
    assert_errors("http_server_config:\n  http2: 'false'\n",
                  "w.yml:2:10: http_server_config.http2: expected true or false");
    assert_errors("http_server_config:\n  headrs: {}\n",
                  "w.yml:2:3: http_server_config: unknown field \"headrs\"");
}

static void test_errors_users_never_show_hashes(void **state)
{
    (void)state;
    assert_errors("basic_auth_users: [a]\n",
                  "w.yml:1:19: basic_auth_users: expected a mapping, got a sequence");
    assert_errors_hiding("basic_auth_users:\n  a: $apr1$salt$Gn9mbVqcw5Oi3cTyDV3sZ0\n", "apr1",
                         "w.yml:2:6: basic_auth_users.a: not a bcrypt hash: only bcrypt ($2a$, "
                         "$2b$ or $2y$) is supported, as in exporter-toolkit; make one with "
                         "`htpasswd -nBC 10 USER`");
    assert_errors_hiding("basic_auth_users:\n  a: plain-password\n", "plain-password",
                         "w.yml:2:6: basic_auth_users.a: not a bcrypt hash: only bcrypt ($2a$, "
                         "$2b$ or $2y$) is supported, as in exporter-toolkit; make one with "
                         "`htpasswd -nBC 10 USER`");
    assert_errors_hiding("basic_auth_users:\n  a: $2b$04$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mG\n",
                         "YXYjWXUFc41Dt",
                         "w.yml:2:6: basic_auth_users.a: not a well-formed bcrypt hash: expected "
                         "$2?$, a two-digit cost, '$' and 53 characters (60 in all), got 40 "
                         "characters");
    assert_errors_hiding("basic_auth_users:\n"
                         "  a: $2b$04$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP!\n",
                         "YXYjWXUFc41Dt",
                         "w.yml:2:6: basic_auth_users.a: not a well-formed bcrypt hash: character "
                         "60 is not one of ./A-Za-z0-9");
    assert_errors_hiding("basic_auth_users:\n  a: [" HASH_S3CRET "]\n", "YXYjWXUFc41Dt",
                         "w.yml:2:6: basic_auth_users.a: expected a bcrypt hash, got a sequence");
    assert_errors("basic_auth_users:\n  a:\n",
                  "w.yml:2:5: basic_auth_users.a: expected a bcrypt hash, got null");
    assert_errors("basic_auth_users:\n  'a:b': " HASH_S3CRET "\n  '': " HASH_S3CRET "\n",
                  "w.yml:2:3: basic_auth_users: user name \"a:b\" contains ':', which basic "
                  "auth cannot carry",
                  "w.yml:3:3: basic_auth_users: a user name must not be empty");
    assert_errors("basic_auth_users:\n  \"a\\tb\": " HASH_S3CRET "\n",
                  "w.yml:2:3: basic_auth_users: a user name must not contain control "
                  "characters");
    assert_errors("basic_auth_users:\n  b: " HASH_S3CRET "\n  a: " HASH_OTHER_PW "\n"
                  "  b: " HASH_OTHER_PW "\n  b: " HASH_S3CRET "\n",
                  "w.yml:4:3: basic_auth_users: duplicate user \"b\" (first at line 2)",
                  "w.yml:5:3: basic_auth_users: duplicate user \"b\" (first at line 2)");
}

static void test_bcrypt_cost_limits(void **state)
{
    struct webconfig *cfg;

    (void)state;
    /* 4 and 14 are the bounds (cost 14 is not computed here, only read). */
    cfg = parse_ok("basic_auth_users:\n"
                   "  a: $2b$04$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2\n"
                   "  b: $2b$14$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2\n");
    assert_int_equal(cfg->nusers, 2);
    webconfig_free(cfg);
    assert_errors_hiding("basic_auth_users:\n"
                         "  a: $2b$03$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2\n"
                         "  b: $2b$15$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2\n"
                         "  c: $2b$31$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2\n",
                         "YXYjWXUFc41Dt",
                         "w.yml:2:6: basic_auth_users.a: bcrypt cost 3 is below bcrypt's minimum "
                         "of 4",
                         "w.yml:3:6: basic_auth_users.b: bcrypt cost 15 is above the limit of 14 "
                         "(each check would take seconds of CPU); hash the password again with a "
                         "lower cost",
                         "w.yml:4:6: basic_auth_users.c: bcrypt cost 31 is above the limit of 14 "
                         "(each check would take seconds of CPU); hash the password again with a "
                         "lower cost");
}

static void test_errors_limits(void **state)
{
    struct webconfig *cfg = (struct webconfig *)&cfg;
    struct config_errors errs;
    static char big[WEBCONFIG_MAX_BYTES + 2];
    struct buf b;

    (void)state;
    config_errors_init(&errs);
    memset(big, '#', sizeof(big) - 1);
    assert_int_equal(webconfig_parse("w.yml", big, sizeof(big) - 1, &cfg, &errs), -1);
    assert_null(cfg);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.msg[0], "w.yml: file is larger than the limit of 1048576 bytes");
    config_errors_free(&errs);
    /* An alias bomb is refused before libyaml expands it. */
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_puts(&b, "x: &a [1]\nbasic_auth_users: ["), 0);
    for (int i = 0; i < 1001; i++)
        assert_int_equal(buf_puts(&b, "*a,"), 0);
    assert_int_equal(buf_puts(&b, "]\n"), 0);
    assert_errors(b.data, "w.yml:2:3020: yaml: more than 1000 aliases (*name)");
    buf_free(&b);
    /* libyaml is quadratic in %TAG directives: they are bounded as in the config. */
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 65; i++)
        assert_int_equal(buf_printf(&b, "%%TAG !t%d! tag:example.com,2026:\n", i), 0);
    assert_int_equal(buf_puts(&b, "---\n{}\n"), 0);
    assert_errors(b.data, "w.yml:65:1: yaml: more than 64 directives (%TAG, %YAML)");
    buf_free(&b);
    /* Errors past 100 are counted, not listed. */
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_puts(&b, "basic_auth_users:\n"), 0);
    for (int i = 0; i < 105; i++)
        assert_int_equal(buf_printf(&b, "  u%d: x\n", i), 0);
    config_errors_init(&errs);
    assert_int_equal(webconfig_parse("w.yml", b.data, b.len, &cfg, &errs), -1);
    assert_int_equal(errs.n, 101);
    assert_string_equal(errs.msg[100], "w.yml: 5 more errors not shown (only the first 100 are)");
    config_errors_free(&errs);
    buf_free(&b);
}

static void test_load_reads_files(void **state)
{
    char path[] = "/tmp/test_webconfig.XXXXXX";
    struct webconfig *cfg = NULL;
    struct config_errors errs;
    int fd;

    (void)state;
    config_errors_init(&errs);
    assert_int_equal(webconfig_load("/nonexistent/web.yml", &cfg, &errs), -1);
    assert_null(cfg);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.msg[0],
                        "/nonexistent/web.yml: cannot read: No such file or directory");
    config_errors_free(&errs);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, full_yaml, strlen(full_yaml)), (ssize_t)strlen(full_yaml));
    close(fd);
    assert_int_equal(webconfig_load(path, &cfg, &errs), 0);
    assert_string_equal(cfg->tls.cert_file, "/tmp/server.crt");
    assert_int_equal(cfg->nusers, 2);
    webconfig_free(cfg);
    unlink(path);
    webconfig_free(NULL);
}

static void test_check_user_bcrypt_variants(void **state)
{
    struct webconfig *cfg = parse_ok("basic_auth_users:\n"
                                     "  b: " HASH_S3CRET "\n"
                                     "  y: " HASH_S3CRET_2Y "\n"
                                     "  a: " HASH_S3CRET_2A "\n"
                                     "  o: " HASH_OTHER_PW "\n");

    (void)state;
    assert_int_equal(webconfig_check_user(cfg, "b", "s3cret"), 1);
    assert_int_equal(webconfig_check_user(cfg, "y", "s3cret"), 1);
    assert_int_equal(webconfig_check_user(cfg, "a", "s3cret"), 1);
    assert_int_equal(webconfig_check_user(cfg, "o", "other pw"), 1);
    /* Wrong password, another user's password, a prefix, an extension, empty. */
    assert_int_equal(webconfig_check_user(cfg, "b", "s3creT"), 0);
    assert_int_equal(webconfig_check_user(cfg, "o", "s3cret"), 0);
    assert_int_equal(webconfig_check_user(cfg, "b", "s3cre"), 0);
    assert_int_equal(webconfig_check_user(cfg, "b", "s3cret "), 0);
    assert_int_equal(webconfig_check_user(cfg, "b", ""), 0);
    assert_int_equal(webconfig_check_user(cfg, "b", NULL), 0);
    /* Unknown users never pass, whatever the password. */
    assert_int_equal(webconfig_check_user(cfg, "B", "s3cret"), 0);
    assert_int_equal(webconfig_check_user(cfg, "", "s3cret"), 0);
    assert_int_equal(webconfig_check_user(cfg, NULL, "s3cret"), 0);
    assert_int_equal(webconfig_check_user(NULL, "b", "s3cret"), 0);
    webconfig_free(cfg);
}

static void check_every_allocation_failure(const char *yaml)
{
    size_t len = strlen(yaml);
    long total;

    {
        struct webconfig *cfg = NULL;
        struct config_errors errs;

        config_errors_init(&errs);
        failalloc_count = 0;
        failalloc_at = LONG_MAX;
        assert_int_equal(webconfig_parse("/etc/w.yml", yaml, len, &cfg, &errs), 0);
        failalloc_at = -1;
        total = failalloc_count;
        webconfig_free(cfg);
    }
    if (total == 0)
        skip();
    print_message("  failing each of %ld allocations in turn\n", total);
    for (long i = 0; i < total; i++) {
        struct webconfig *cfg = (struct webconfig *)&cfg;
        struct config_errors errs;
        int rc;

        config_errors_init(&errs);
        failalloc_count = 0;
        failalloc_at = i;
        rc = webconfig_parse("/etc/w.yml", yaml, len, &cfg, &errs);
        failalloc_at = -1;
        if (rc != -1 || cfg != NULL)
            fail_msg("allocation %ld of %ld failed but the load succeeded", i, total);
        config_errors_free(&errs);
    }
}

/*
 * The full file again, in another order. libyaml 0.2.5 leaks the new
 * mapping's pair stack when growing its node stack fails at a mapping
 * (nodes 17, 33, 65, ...); in this order those nodes are scalars, so what
 * is checked here is our own cleanup.
 */
static const char full_yaml_reordered[] = "basic_auth_users:\n"
                                          "  prometheus: " HASH_S3CRET "\n"
                                          "  alice: '" HASH_OTHER_PW "'\n"
                                          "tls_server_config:\n"
                                          "  cert_file: server.crt\n"
                                          "  key_file: /etc/tls/server.key\n"
                                          "  client_auth_type: RequireAndVerifyClientCert\n"
                                          "  client_ca_file: ca/clients.pem\n"
                                          "  min_version: TLS13\n"
                                          "  max_version: TLS13\n"
                                          "http_server_config:\n"
                                          "  http2: false\n"
                                          "  headers:\n"
                                          "    X-Frame-Options: deny\n"
                                          "    X-Content-Type-Options: nosniff\n"
                                          "    Strict-Transport-Security: max-age=31536000\n";

static void test_every_allocation_failure_is_reported_without_leaks(void **state)
{
    (void)state;
    check_every_allocation_failure(full_yaml_reordered);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_defaults_and_empty_files),
        cmocka_unit_test(test_client_auth_types),
        cmocka_unit_test(test_errors_structure),
        cmocka_unit_test(test_errors_yaml_syntax),
        cmocka_unit_test(test_errors_tls),
        cmocka_unit_test(test_errors_http_server_config),
        cmocka_unit_test(test_errors_users_never_show_hashes),
        cmocka_unit_test(test_bcrypt_cost_limits),
        cmocka_unit_test(test_errors_limits),
        cmocka_unit_test(test_load_reads_files),
        cmocka_unit_test(test_check_user_bcrypt_variants),
        cmocka_unit_test(test_every_allocation_failure_is_reported_without_leaks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
