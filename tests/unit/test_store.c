/* Unit tests of the store front: the ? -> $n placeholder rewriting for PostgreSQL, the bounded
 * retry loop of bc_db_tx (driven on an SQLite connection, with units of work that report a lost
 * conflict the way a backend does) and a unit inside a unit joining it, typed rows (times stay
 * integers), and the API layer's schema-driven conversion of those integers to ISO-8601. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/http/http.h"
#include "../../src/store/store.c"

static void placeholders_numbered_in_order(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(
        bc_store_pg_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ? OFFSET ?", out, sizeof out), 5);
    assert_string_equal(out, "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4 OFFSET $5");
    assert_int_equal(bc_store_pg_placeholders("SELECT 1", out, sizeof out), 0);
    assert_string_equal(out, "SELECT 1");
}

static void placeholders_skip_literals_and_comments(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(
        bc_store_pg_placeholders("SELECT '?', \"a?\" FROM t -- why?\nWHERE x = ? AND y = 'it''s?'", out, sizeof out),
        1);
    assert_string_equal(out, "SELECT '?', \"a?\" FROM t -- why?\nWHERE x = $1 AND y = 'it''s?'");
}

static void placeholders_two_digits_and_overflow(void **state)
{
    (void)state;
    char sql[64], out[128];
    strcpy(sql, "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    assert_int_equal(bc_store_pg_placeholders(sql, out, sizeof out), 12);
    assert_string_equal(out, "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)");
    assert_int_equal(bc_store_pg_placeholders(sql, out, 20), -1); /* too small: refused, not cut */
    assert_int_equal(bc_store_pg_placeholders("ab", out, 2), -1); /* no room for the terminator */
}

typedef struct fixture {
    char dir[64];
    bc_db *db;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char url[128];
    strcpy(f->dir, "/tmp/bc_store_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(url, sizeof url, "sqlite:%s/t.db", f->dir);
    if (bc_db_open(url, &f->db) != BC_OK || bc_db_migrate(f->db) != BC_OK)
        return -1;
    if (bc_db_exec(f->db, "CREATE TABLE tx_probe (n INTEGER NOT NULL)", "") < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char path[128];
    bc_db_close(f->db);
    const char *names[] = {"t.db", "t.db-wal", "t.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

typedef struct unit {
    int calls;
    int lose; /* how many first calls lose a conflict */
    int how;  /* 0: return BC_EBUSY; 1: return BC_ERR after the backend flagged the conflict */
    int fail; /* return this error (not a conflict) instead */
} unit;

static int work(bc_db *db, void *arg)
{
    unit *u = arg;
    u->calls++;
    if (bc_db_exec(db, "INSERT INTO tx_probe (n) VALUES (?)", "i", (int64_t)u->calls) != 1)
        return BC_ERR;
    if (u->fail)
        return u->fail;
    if (u->calls <= u->lose) {
        if (u->how == 0)
            return BC_EBUSY;
        db->retryable = 1; /* what a backend sets on SQLITE_BUSY, 40001 or 40P01 */
        return BC_ERR;
    }
    return BC_OK;
}

static int64_t rows(bc_db *db)
{
    int64_t n = -1;
    bc_db_int(db, &n, "SELECT COUNT(*) FROM tx_probe", "");
    return n;
}

static void tx_commits_first_try(void **state)
{
    fixture *f = *state;
    unit u = {0};
    assert_int_equal(bc_db_tx(f->db, work, &u), BC_OK);
    assert_int_equal(u.calls, 1);
    assert_int_equal(rows(f->db), 1);
}

static void tx_retries_lost_conflicts_and_keeps_only_the_winner(void **state)
{
    fixture *f = *state;
    unit u = {.lose = 3};
    assert_int_equal(bc_db_tx(f->db, work, &u), BC_OK);
    assert_int_equal(u.calls, 4);
    int64_t n = 0;
    assert_int_equal(bc_db_int(f->db, &n, "SELECT n FROM tx_probe", ""), 1);
    assert_int_equal(n, 4); /* the three lost attempts were rolled back */
    assert_int_equal(rows(f->db), 1);
    unit v = {.lose = 2, .how = 1}; /* a unit that turned the conflict into BC_ERR is retried too */
    assert_int_equal(bc_db_tx(f->db, work, &v), BC_OK);
    assert_int_equal(v.calls, 3);
    assert_int_equal(rows(f->db), 2);
}

static void tx_gives_up_after_the_bound(void **state)
{
    fixture *f = *state;
    unit u = {.lose = 100};
    assert_int_equal(bc_db_tx(f->db, work, &u), BC_EBUSY);
    assert_int_equal(u.calls, BC_DB_TX_TRIES);
    assert_int_equal(rows(f->db), 0);
}

static void tx_other_errors_are_not_retried(void **state)
{
    fixture *f = *state;
    unit u = {.fail = BC_EINVAL};
    assert_int_equal(bc_db_tx(f->db, work, &u), BC_EINVAL);
    assert_int_equal(u.calls, 1);
    assert_int_equal(rows(f->db), 0);
    unit c = {.fail = BC_ECONFLICT};
    assert_int_equal(bc_db_tx(f->db, work, &c), BC_ECONFLICT);
    assert_int_equal(c.calls, 1);
}

static int outer_work(bc_db *db, void *arg)
{
    unit *inner = arg;
    if (bc_db_exec(db, "INSERT INTO tx_probe (n) VALUES (100)", "") != 1)
        return BC_ERR;
    return bc_db_tx(db, work, inner); /* joins this transaction */
}

static void tx_inside_a_unit_joins_it(void **state)
{
    fixture *f = *state;
    unit inner = {.fail = BC_EINVAL};
    assert_int_equal(bc_db_tx(f->db, outer_work, &inner), BC_EINVAL);
    assert_int_equal(inner.calls, 1);
    assert_int_equal(rows(f->db), 0); /* the inner failure rolled back the outer unit's row too */
    unit ok = {0};
    assert_int_equal(bc_db_tx(f->db, outer_work, &ok), BC_OK);
    assert_int_equal(rows(f->db), 2);
    unit lose = {.lose = 2}; /* the inner unit's lost conflict runs the outer unit again */
    assert_int_equal(bc_db_tx(f->db, outer_work, &lose), BC_OK);
    assert_int_equal(lose.calls, 3);
    assert_int_equal(rows(f->db), 4);
}

static void rows_are_typed_times_stay_integers(void **state)
{
    fixture *f = *state;
    json_t *o = NULL;
    assert_int_equal(bc_db_row(f->db, &o, "SELECT 1764547200123 AS created_at, 'x' AS name, NULL AS paid_at", ""), 1);
    assert_true(json_is_integer(json_object_get(o, "created_at")));
    assert_int_equal(json_integer_value(json_object_get(o, "created_at")), 1764547200123LL);
    assert_string_equal(json_string_value(json_object_get(o, "name")), "x");
    assert_true(json_is_null(json_object_get(o, "paid_at")));
    json_decref(o);
}

static const bc_schema sc_inner = {
    "TInner", "{\"type\":\"object\",\"properties\":{\"made_at\":{\"type\":\"string\",\"format\":\"date-time\"}}}",
    NULL};
static const bc_schema sc_outer = {
    "TOuter",
    "{\"type\":\"object\",\"properties\":{\"at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"},"
    "\"count\":{\"type\":\"integer\"},\"list\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/"
    "TInner\"}},"
    "\"maybe\":{\"oneOf\":[{\"$ref\":\"#/components/schemas/TInner\"},{\"type\":\"null\"}]}}}",
    (const bc_schema *const[]){&sc_inner, NULL}};

/* The WAL hook's checkpoint (1000 pages) runs on the checkpointer thread, off the committing
 * thread: a commit of ~1,300 pages returns, and then the pages reach the database file itself
 * (its size grows past them) without another write from this connection. */
static void wal_pages_reach_the_database_file(void **state)
{
    fixture *f = *state;
    char path[128];
    struct stat sb;
    snprintf(path, sizeof path, "%s/t.db", f->dir);
    assert_true(bc_db_exec(f->db, "CREATE TABLE big (b BLOB NOT NULL)", "") >= 0);
    assert_int_equal(bc_db_begin(f->db), BC_OK);
    for (int i = 0; i < 1300; i++)
        assert_int_equal(bc_db_exec(f->db, "INSERT INTO big (b) VALUES (zeroblob(4000))", ""), 1);
    assert_int_equal(bc_db_commit(f->db), BC_OK);
    int grown = 0;
    for (int i = 0; i < 300 && !grown; i++) { /* bounded: 3 s */
        assert_int_equal(stat(path, &sb), 0);
        grown = sb.st_size >= (off_t)1300 * 4000;
        if (!grown)
            usleep(10000);
    }
    assert_true(grown);
}

static void json_times_follow_the_schema(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:I,s:I,s:[{s:I},{s:s}],s:{s:I},s:I}", "at", (json_int_t)1764547200123LL, "count",
                          (json_int_t)7, "list", "made_at", (json_int_t)0, "made_at", "2026-01-01T00:00:00.000Z",
                          "maybe", "made_at", (json_int_t)1764547200000LL, "other_at", (json_int_t)5);
    bc_http_json_times(v, &sc_outer);
    assert_string_equal(json_string_value(json_object_get(v, "at")), "2025-12-01T00:00:00.123Z");
    assert_int_equal(json_integer_value(json_object_get(v, "count")), 7); /* not a time */
    json_t *list = json_object_get(v, "list");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "made_at")),
                        "1970-01-01T00:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "made_at")),
                        "2026-01-01T00:00:00.000Z"); /* already a string: left alone */
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "maybe"), "made_at")),
                        "2025-12-01T00:00:00.000Z");
    assert_true(json_is_integer(json_object_get(v, "other_at"))); /* the schema, not the name, decides */
    json_object_set_new(v, "at", json_null());
    bc_http_json_times(v, &sc_outer);
    assert_true(json_is_null(json_object_get(v, "at")));
    json_decref(v);
}

static void open_rejects_unknown_scheme(void **state)
{
    (void)state;
    bc_db *db = (bc_db *)1;
    assert_int_equal(bc_db_open("mysql://localhost/x", &db), BC_EINVAL);
    assert_null(db);
    assert_int_equal(bc_db_open("", &db), BC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(placeholders_numbered_in_order),
        cmocka_unit_test(placeholders_skip_literals_and_comments),
        cmocka_unit_test(placeholders_two_digits_and_overflow),
        cmocka_unit_test_setup_teardown(tx_commits_first_try, setup, teardown),
        cmocka_unit_test_setup_teardown(tx_retries_lost_conflicts_and_keeps_only_the_winner, setup, teardown),
        cmocka_unit_test_setup_teardown(tx_gives_up_after_the_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(tx_other_errors_are_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(tx_inside_a_unit_joins_it, setup, teardown),
        cmocka_unit_test_setup_teardown(rows_are_typed_times_stay_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(wal_pages_reach_the_database_file, setup, teardown),
        cmocka_unit_test(json_times_follow_the_schema),
        cmocka_unit_test(open_rejects_unknown_scheme),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
