/*
 * Unit tests for the TZif and POSIX TZ string reader (src/base/tzinfo.c). Expected
 * instants were computed by hand and checked with Python's zoneinfo; the
 * zone-wide tests compare with glibc's localtime_r (this test is single
 * threaded, so it may set TZ; the sidecar never does).
 */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "tzinfo.h"

static struct tzinfo *load(const char *name)
{
    struct err e = {{0}};
    struct tzinfo *tz = tzinfo_load(name, &e);

    if (tz == NULL)
        fail_msg("%s: %s", name, e.msg);
    return tz;
}

static void test_null_zone_is_utc(void **state)
{
    (void)state;
    assert_int_equal(tzinfo_offset(NULL, 1790000000), 0);
    assert_int_equal(tzinfo_local_to_utc(NULL, 1790000000), 1790000000);
}

static void test_posix_string_forms(void **state)
{
    struct tzinfo_posix r;
    struct err e = {{0}};

    (void)state;
    assert_int_equal(tzinfo_posix_parse("CET-1CEST,M3.5.0,M10.5.0/3", &r, &e), 0);
    assert_int_equal(r.std_off, 3600);
    assert_int_equal(r.dst_off, 7200);
    assert_int_equal(r.start.kind, 'M');
    assert_int_equal(r.start.month, 3);
    assert_int_equal(r.start.week, 5);
    assert_int_equal(r.start.time, 7200);
    assert_int_equal(r.end.time, 3 * 3600);
    assert_int_equal(tzinfo_posix_parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", &r, &e), 0);
    assert_int_equal(r.std_off, 37800);
    assert_int_equal(r.dst_off, 39600);
    assert_int_equal(tzinfo_posix_parse("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", &r, &e), 0);
    assert_int_equal(r.start.time, -7200);
    assert_int_equal(tzinfo_posix_parse("EST5EDT,0/0,J365/25", &r, &e), 0);
    assert_int_equal(r.start.kind, 'D');
    assert_int_equal(r.end.kind, 'J');
    assert_int_equal(r.end.time, 25 * 3600);
    assert_int_equal(tzinfo_posix_parse("JST-9", &r, &e), 0);
    assert_false(r.has_dst);
    assert_int_equal(r.std_off, 9 * 3600);
    assert_int_equal(tzinfo_posix_parse("CET-1CEST", &r, &e), -1);
    assert_string_equal(e.msg, "TZ string \"CET-1CEST\": daylight saving time without a rule "
                               "is not supported");
    assert_int_equal(tzinfo_posix_parse("CET-1CEST,M13.5.0,M10.5.0", &r, &e), -1);
    assert_string_equal(e.msg, "invalid TZ string \"CET-1CEST,M13.5.0,M10.5.0\"");
    assert_int_equal(tzinfo_posix_parse("X-1", &r, &e), -1);
    assert_int_equal(tzinfo_posix_parse("CET", &r, &e), -1);
    assert_int_equal(tzinfo_posix_parse("CET-1,", &r, &e), -1);
}

/* Europe/Berlin 2026: CET -> CEST at 2026-03-29 01:00Z, back at 2026-10-25 01:00Z. */
static void test_berlin_transitions_2026(void **state)
{
    struct tzinfo *tz = load("Europe/Berlin");

    (void)state;
    assert_int_equal(tzinfo_offset(tz, 1774745999), 3600);
    assert_int_equal(tzinfo_offset(tz, 1774746000), 7200);
    assert_int_equal(tzinfo_offset(tz, 1792889999), 7200);
    assert_int_equal(tzinfo_offset(tz, 1792890000), 3600);
    /* Far future: only the footer rule knows (2100-03-28 is the last Sunday). */
    assert_int_equal(tzinfo_offset(tz, 4109878799), 3600);
    assert_int_equal(tzinfo_offset(tz, 4109878800), 7200);
    /* Ordinary local times. */
    assert_int_equal(tzinfo_local_to_utc(tz, 1772323200), 1772319600); /* 03-01 00:00 */
    /* 02:30 on 03-29 never happened: the jump at 01:00Z. */
    assert_int_equal(tzinfo_local_to_utc(tz, 1774751400), 1774746000);
    /* 02:30 on 10-25 happened twice: the first, 00:30Z. */
    assert_int_equal(tzinfo_local_to_utc(tz, 1792895400), 1792888200);
    tzinfo_free(tz);
}

/* Cuba turns its clocks forward at midnight: 2026-03-08 00:00 never exists. */
static void test_skipped_midnight(void **state)
{
    struct tzinfo *tz = load("America/Havana");

    (void)state;
    /* 2026-03-08 00:00 local as "local seconds" is 1772928000. */
    assert_int_equal(tzinfo_local_to_utc(tz, 1772928000), 1772946000);
    assert_int_equal(tzinfo_offset(tz, 1772946000), -4 * 3600);
    assert_int_equal(tzinfo_offset(tz, 1772945999), -5 * 3600);
    tzinfo_free(tz);
}

static void test_load_errors(void **state)
{
    struct err e = {{0}};

    (void)state;
    assert_null(tzinfo_load("Mars/Olympus_Mons", &e));
    assert_string_equal(e.msg, "unknown time zone \"Mars/Olympus_Mons\" (no file "
                               "/usr/share/zoneinfo/Mars/Olympus_Mons; is tzdata installed?)");
    assert_null(tzinfo_load("../../etc/passwd", &e));
    assert_string_equal(e.msg, "invalid time zone name \"../../etc/passwd\": expected an IANA "
                               "name like Europe/Berlin");
    assert_null(tzinfo_load("/etc/localtime", &e));
    assert_null(tzinfo_load("", &e));
    assert_null(tzinfo_load("Europe", &e));
    assert_string_equal(e.msg, "unknown time zone \"Europe\" (/usr/share/zoneinfo/Europe is not "
                               "a zone file)");
    assert_null(tzinfo_load("right/UTC", &e));
    assert_string_equal(e.msg, "time zone \"right/UTC\": /usr/share/zoneinfo/right/UTC: "
                               "leap-second time zones (right/...) are not supported");
    assert_null(tzinfo_load("leapseconds", &e));
    assert_string_equal(e.msg, "time zone \"leapseconds\": /usr/share/zoneinfo/leapseconds: "
                               "not a TZif file");
}

/* A minimal v2 file: one transition, two types, footer given. */
static size_t build(unsigned char *b, uint32_t timecnt, const char *footer)
{
    static const unsigned char magic[5] = {'T', 'Z', 'i', 'f', '2'};
    /* type 0: +0, type 1: +3600 (DST), then the designation "UTC" */
    static const unsigned char types[16] = {0,    0,    0, 0, 0,   0,   0,   0,
                                            0x0e, 0x10, 1, 0, 'U', 'T', 'C', 0};
    size_t n = 0;

    for (int v = 0; v < 2; v++) {
        size_t tsize = v == 0 ? 4 : 8;

        memcpy(b + n, magic, sizeof(magic));
        memset(b + n + 5, 0, 39);
        b[n + 35] = (unsigned char)timecnt; /* timecnt */
        b[n + 39] = 2;                      /* typecnt */
        b[n + 43] = 4;                      /* charcnt */
        n += 44;
        for (uint32_t i = 0; i < timecnt; i++) {
            memset(b + n, 0, tsize);
            b[n + tsize - 1] = (unsigned char)(100 + i); /* at = 100, 101, ... */
            n += tsize;
        }
        for (uint32_t i = 0; i < timecnt; i++)
            b[n++] = (unsigned char)((i + 1) % 2);
        memcpy(b + n, types, sizeof(types));
        n += sizeof(types);
    }
    b[n++] = '\n';
    for (const char *f = footer; *f != '\0'; f++)
        b[n++] = (unsigned char)*f;
    b[n++] = '\n';
    return n;
}

static void test_parse_hand_built_and_damaged(void **state)
{
    unsigned char b[512];
    struct err e = {{0}};
    struct tzinfo *tz;
    size_t n;

    (void)state;
    n = build(b, 1, "");
    tz = tzinfo_parse("T", b, n, &e);
    assert_non_null(tz);
    assert_int_equal(tz->n, 1);
    assert_int_equal(tzinfo_offset(tz, 99), 0);
    assert_int_equal(tzinfo_offset(tz, 100), 3600);
    assert_int_equal(tzinfo_offset(tz, 1790000000), 3600);
    tzinfo_free(tz);
    /* The footer rules after the last transition. */
    n = build(b, 1, "JST-9");
    tz = tzinfo_parse("T", b, n, &e);
    assert_non_null(tz);
    assert_int_equal(tzinfo_offset(tz, 99), 0);
    assert_int_equal(tzinfo_offset(tz, 1790000000), 9 * 3600);
    tzinfo_free(tz);
    /* Every truncation fails cleanly. */
    n = build(b, 2, "JST-9");
    for (size_t k = 0; k < n; k++) {
        tz = tzinfo_parse("T", b, k, &e);
        assert_null(tz);
    }
    /* Transitions out of order. */
    n = build(b, 2, "");
    b[44 + 3] = 200;
    b[44 + 7] = 100;
    {
        size_t v2 = 44 + 2 * 5 + 12 + 4;

        b[v2 + 44 + 7] = 200;
        b[v2 + 44 + 15] = 100;
    }
    assert_null(tzinfo_parse("T", b, n, &e));
    assert_string_equal(e.msg, "invalid TZif transition 1");
    assert_null(tzinfo_parse("T", (const unsigned char *)"TZif", 4, &e));
    assert_string_equal(e.msg, "not a TZif file");
    n = build(b, 1, "CET-1CEST");
    assert_null(tzinfo_parse("T", b, n, &e));
    assert_string_equal(e.msg, "TZ string \"CET-1CEST\": daylight saving time without a rule "
                               "is not supported");
}

/* tzinfo against glibc for one zone, every step seconds over [from, to). */
static void compare_with_libc(const char *name, int64_t from, int64_t to, int64_t step)
{
    struct err e = {{0}};
    struct tzinfo *tz = tzinfo_load(name, &e);

    if (tz == NULL)
        fail_msg("%s: %s", name, e.msg);
    setenv("TZ", name, 1);
    tzset();
    for (int64_t t = from; t < to; t += step) {
        time_t tt = (time_t)t;
        struct tm tm;

        assert_non_null(localtime_r(&tt, &tm));
        if (tm.tm_gmtoff != tzinfo_offset(tz, t))
            fail_msg("%s at %lld: libc %ld, tzinfo %ld", name, (long long)t, (long)tm.tm_gmtoff,
                     (long)tzinfo_offset(tz, t));
    }
    tzinfo_free(tz);
}

static void test_offsets_match_libc(void **state)
{
    static const char *const zones[] = {
        "Europe/Berlin",     "America/New_York", "Australia/Lord_Howe", "Asia/Tokyo",
        "America/Sao_Paulo", "America/Santiago", "Africa/Casablanca",   "Pacific/Chatham",
        "Australia/Sydney",  "Asia/Kolkata",     "America/Havana",      "UTC",
    };

    /* Under valgrind a sample: every 5.5 hours (see walk below). */
    int64_t step = getenv("SLO_UNIT_VALGRIND") == NULL ? 1800 : 5 * 3600 + 1800;

    (void)state;
    /* 2020..2036 every 30 minutes (every transition of those years). */
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
        compare_with_libc(zones[i], 1577836800, 2082758400LL, step);
    unsetenv("TZ");
    tzset();
}

/* Every zone of the system database loads and agrees with libc, weekly. */
static void walk(const char *dir, const char *rel, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        char path[1024], name[512];
        struct stat st;

        if (de->d_name[0] == '.' || strcmp(de->d_name, "right") == 0 ||
            strcmp(de->d_name, "posix") == 0 || strchr(de->d_name, '.') != NULL)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        snprintf(name, sizeof(name), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            walk(path, name, count);
        } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
            FILE *f = fopen(path, "rb");
            char magic[4] = {0};
            int tzif = f != NULL && fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;

            if (f != NULL)
                fclose(f);
            if (!tzif)
                continue;
            /*
             * 1971..2060, about twice a month at a shifting hour. Under
             * valgrind (scripts/run-unit.sh sets SLO_UNIT_VALGRIND) one zone
             * in eight: the time goes to glibc's localtime, and the loader's
             * memory is as well checked on fewer files.
             */
            if (getenv("SLO_UNIT_VALGRIND") == NULL || *count % 8 == 0)
                compare_with_libc(name, 31536000, 2840140800LL, 15 * 86400 + 3600);
            else
                tzinfo_free(load(name));
            (*count)++;
        }
    }
    closedir(d);
}

static void test_every_system_zone(void **state)
{
    size_t count = 0;

    (void)state;
    walk("/usr/share/zoneinfo", "", &count);
    unsetenv("TZ");
    tzset();
    print_message("checked %zu zones\n", count);
    assert_true(count > 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_zone_is_utc),
        cmocka_unit_test(test_posix_string_forms),
        cmocka_unit_test(test_berlin_transitions_2026),
        cmocka_unit_test(test_skipped_midnight),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_parse_hand_built_and_damaged),
        cmocka_unit_test(test_offsets_match_libc),
        cmocka_unit_test(test_every_system_zone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
