/* Unit tests for src/bus: BROADCART_REDIS_URL parsing, the channel's message framing, the script
 * runner's refusals without a bus, unique script arguments; and the single-run lease on SQLite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/bus/bus.h"
#include "../../src/core/core.h"
#include "db_fixture.h"

static void url_accepted(void **state)
{
    (void)state;
    bc_bus_url u;
    assert_int_equal(bc_bus_parse_url("redis://127.0.0.1", &u), BC_OK);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6379);
    assert_string_equal(u.password, "");
    assert_int_equal(u.db, 0);

    assert_int_equal(bc_bus_parse_url("redis://cache.internal:6380/3", &u), BC_OK);
    assert_string_equal(u.host, "cache.internal");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 3);

    assert_int_equal(bc_bus_parse_url("redis://:s3cr@t@10.0.0.5:7000", &u), BC_OK);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "s3cr@t");
    assert_string_equal(u.host, "10.0.0.5");
    assert_int_equal(u.port, 7000);

    assert_int_equal(bc_bus_parse_url("redis://app:pw@[::1]:6379/", &u), BC_OK);
    assert_string_equal(u.user, "app");
    assert_string_equal(u.password, "pw");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 6379);
}

static void url_refused(void **state)
{
    (void)state;
    bc_bus_url u;
    const char *bad[] = {
        "",
        "127.0.0.1:6379",
        "rediss://127.0.0.1", /* TLS not supported yet */
        "http://127.0.0.1",
        "redis://",
        "redis://:6379",
        "redis://host:",
        "redis://host:0",
        "redis://host:65536",
        "redis://host:12x",
        "redis://host/abc",
        "redis://host/1?timeout=3", /* no options understood yet */
        "redis://pw@host",          /* ambiguous: user or password */
        "redis://user:@host",       /* empty password */
        "redis://[::1",
        "redis://ho st",
        NULL,
    };
    for (int i = 0; bad[i]; i++)
        assert_int_equal(bc_bus_parse_url(bad[i], &u), BC_EINVAL);
    assert_int_equal(bc_bus_parse_url(NULL, &u), BC_EINVAL);
}

/* A sequenced room event as the Redis script publishes it: the head built by bc_bus_format with an
 * empty payload, then "<seq> <frame>". */
static void framing_sequenced(void **state)
{
    (void)state;
    char buf[256];
    size_t n = bc_bus_format(buf, sizeof buf, "AbCdEf0123456789", BC_BUS_SEQ, 9, "", 0);
    assert_memory_equal(buf, "1 AbCdEf0123456789 s 9 ", n);
    const char rest[] = "17 {\"seq\":17,\"type\":\"pin\"}";
    memcpy(buf + n, rest, sizeof rest - 1);
    bc_bus_msg m;
    assert_int_equal(bc_bus_parse(buf, n + sizeof rest - 1, &m), BC_OK);
    assert_int_equal(m.kind, BC_BUS_SEQ);
    assert_int_equal(m.room, 9);
    assert_int_equal(m.len, sizeof rest - 1);
    assert_memory_equal(m.payload, rest, m.len);
    /* without the bus, a sequenced publish is refused (the caller delivers locally) */
    assert_int_equal(bc_bus_publish_seq(9, "{\"type\":\"x\"}", 12), BC_EBUSY);
    assert_int_equal(bc_bus_history(9, 0, NULL, NULL), BC_ENOTFOUND);
}

static void framing_roundtrip(void **state)
{
    (void)state;
    const char *id = "AbCdEf0123456789";
    const char text[] = "{\"type\":\"chat\",\"text\":\"a b\\n c\"}";
    char buf[256];
    size_t n = bc_bus_format(buf, sizeof buf, id, BC_BUS_EVENT, 42, text, strlen(text));
    assert_true(n <= sizeof buf);
    assert_memory_equal(buf, "1 AbCdEf0123456789 e 42 ", 24);
    bc_bus_msg m;
    assert_int_equal(bc_bus_parse(buf, n, &m), BC_OK);
    assert_string_equal(m.instance, id);
    assert_int_equal(m.kind, BC_BUS_EVENT);
    assert_int_equal(m.room, 42);
    assert_int_equal(m.len, strlen(text));
    assert_memory_equal(m.payload, text, m.len);

    /* payload may hold any bytes, including spaces and NUL */
    const char bin[] = {'x', ' ', 0, 'y'};
    n = bc_bus_format(buf, sizeof buf, id, BC_BUS_COUNT, 7, bin, sizeof bin);
    assert_int_equal(bc_bus_parse(buf, n, &m), BC_OK);
    assert_int_equal(m.len, sizeof bin);
    assert_memory_equal(m.payload, bin, sizeof bin);

    /* empty payload (heartbeat) */
    n = bc_bus_format(buf, sizeof buf, id, BC_BUS_HEARTBEAT, 0, NULL, 0);
    assert_int_equal(bc_bus_parse(buf, n, &m), BC_OK);
    assert_int_equal(m.kind, BC_BUS_HEARTBEAT);
    assert_int_equal(m.len, 0);

    /* too small a buffer: the needed length comes back */
    assert_int_equal(bc_bus_format(buf, 10, id, BC_BUS_EVENT, 42, text, strlen(text)), 24 + strlen(text));
}

static void framing_refused(void **state)
{
    (void)state;
    bc_bus_msg m;
    const char *bad[] = {
        "",
        "2 AbCdEf0123456789 e 1 x",                   /* another version */
        "1 AbCdEf012345678 e 1 x",                    /* short instance id */
        "1 AbCdEf01234567-9 e 1 x",                   /* not alphanumeric */
        "1 AbCdEf0123456789 z 1 x",                   /* unknown kind */
        "1 AbCdEf0123456789 e x",                     /* no room */
        "1 AbCdEf0123456789 e -1 x",                  /* negative room */
        "1 AbCdEf0123456789 e 12",                    /* no space after the room */
        "1 AbCdEf0123456789 e 1234567890123456789 x", /* room id beyond 10^18 */
        "1 AbCdEf0123456789e 1 x",
        NULL,
    };
    for (int i = 0; bad[i]; i++)
        assert_int_equal(bc_bus_parse(bad[i], strlen(bad[i]), &m), BC_EINVAL);
}

static void eval_without_bus(void **state)
{
    (void)state;
    static bc_bus_script script = {.lua = "return 1"};
    const char *keys[] = {"k"};
    int64_t args[] = {1}, out = 42;
    assert_int_equal(bc_bus_configured(), 0);
    /* not configured: the caller's in-process fallback applies, nothing is touched */
    assert_int_equal(bc_bus_eval(&script, 1, keys, 1, args, &out, 1), BC_ENOTFOUND);
    assert_int_equal(out, 42);
    assert_int_equal(
        bc_bus_eval_many(&script, 2, 1, (const char *const[]){"a", "b"}, 1, (const int64_t[]){1, 2}, &out, 1),
        BC_ENOTFOUND);
    assert_int_equal(out, 42);
}

static void unique_arguments(void **state)
{
    (void)state;
    int64_t first = bc_bus_unique(), prev = first;
    assert_true(first > 0);
    for (int i = 0; i < 10000; i++) {
        int64_t n = bc_bus_unique();
        assert_true(n > 0);
        assert_int_equal(n >> 32, first >> 32); /* one salt per process */
        assert_int_equal(n, prev + 1);          /* a counter below it: never repeats */
        prev = n;
    }
}

static void lease_on_sqlite(void **state)
{
    (void)state;
    char path[] = "/tmp/bc-test-lease-XXXXXX";
    bc_db *a = NULL, *b = NULL;
    assert_int_equal(bc_test_db_open(path, &a), 0);
    assert_int_equal(bc_db_open(path, &b), BC_OK);
    /* one machine: every connection holds every lease, repeatedly */
    assert_int_equal(bc_db_lease_try(a, BC_DB_LEASE_SWEEPER), 1);
    assert_int_equal(bc_db_lease_try(a, BC_DB_LEASE_SWEEPER), 1);
    assert_int_equal(bc_db_lease_try(b, BC_DB_LEASE_SWEEPER), 1);
    assert_int_equal(bc_db_lease_try(a, -1), BC_EINVAL);
    bc_db_close(b);
    bc_test_db_remove(a, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_accepted),    cmocka_unit_test(url_refused),       cmocka_unit_test(framing_roundtrip),
        cmocka_unit_test(framing_refused), cmocka_unit_test(eval_without_bus),  cmocka_unit_test(unique_arguments),
        cmocka_unit_test(lease_on_sqlite), cmocka_unit_test(framing_sequenced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
