/* audit: bc_audit_record joins the caller's transaction (the row commits or rolls back with the
 * change it describes), stores before/after as JSON text, cuts a long reason at a UTF-8 character
 * boundary, refuses missing names; bc_audit_list filters and pages newest first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/audit/audit.h"
#include "db_fixture.h"

typedef struct fx {
    char path[64];
    bc_db *db;
    bc_auth admin;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/bc-test-audit-XXXXXX");
    if (bc_test_db_open(f->path, &f->db) != 0 || bc_test_user(f->db, "a@x.kr", "관리자", "admin", &f->admin.user_id))
        return -1;
    f->admin.role = BC_ROLE_ADMIN;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    bc_test_db_remove(f->db, f->path);
    free(f);
    return 0;
}

static int64_t count(bc_db *db)
{
    int64_t n = -1;
    bc_db_int(db, &n, "SELECT count(*) FROM audit_log", "");
    return n;
}

typedef struct unit {
    fx *f;
    int fail;
} unit;

static int unit_tx(bc_db *db, void *arg)
{
    unit *u = arg;
    json_t *after = json_pack("{s:b}", "blocked", 1);
    int rc = bc_audit_record(db, &u->f->admin, "user.block", "user", 7, NULL, after, "r");
    json_decref(after);
    return rc != BC_OK ? rc : u->fail ? BC_ECONFLICT : BC_OK;
}

static void joins_the_callers_transaction(void **state)
{
    fx *f = *state;
    unit u = {f, 1};
    assert_int_equal(bc_db_tx(f->db, unit_tx, &u), BC_ECONFLICT);
    assert_int_equal(count(f->db), 0); /* rolled back with the unit */
    u.fail = 0;
    assert_int_equal(bc_db_tx(f->db, unit_tx, &u), BC_OK);
    assert_int_equal(count(f->db), 1);
}

static void stores_json_and_cuts_reasons(void **state)
{
    fx *f = *state;
    char reason[BC_AUDIT_REASON_MAX + 40];
    size_t n = 0;
    while (n + 3 < sizeof reason - 1) { /* "가" is 3 bytes: the cut falls inside one */
        memcpy(reason + n, "가", 3);
        n += 3;
    }
    reason[n] = 0;
    json_t *before = json_pack("{s:i,s:s}", "price", 9900, "name", "월간"), *after = json_pack("{s:i}", "price", 12900);
    assert_int_equal(
        bc_audit_record(f->db, &f->admin, "subscription_plan.update", "subscription_plan", 3, before, after, reason),
        BC_OK);
    json_decref(before);
    json_decref(after);
    assert_int_equal(bc_audit_record(f->db, &f->admin, "", "x", 1, NULL, NULL, NULL), BC_EINVAL);
    assert_int_equal(bc_audit_record(f->db, &f->admin, "x.y", NULL, 1, NULL, NULL, NULL), BC_EINVAL);
    assert_int_equal(bc_audit_record(f->db, NULL, "x.y", "x", 1, NULL, NULL, NULL), BC_EINVAL);

    json_t *page = NULL;
    bc_audit_filter q = {.target_type = "subscription_plan", .target_id = 3};
    assert_int_equal(bc_audit_list(f->db, &q, &page), BC_OK);
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 1);
    json_t *e = json_array_get(json_object_get(page, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "actor_role")), "admin");
    assert_string_equal(json_string_value(json_object_get(e, "actor_name")), "관리자");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "before"), "price")), 9900);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "after"), "price")), 12900);
    const char *r = json_string_value(json_object_get(e, "reason"));
    assert_true(strlen(r) <= BC_AUDIT_REASON_MAX && strlen(r) % 3 == 0); /* whole characters only */
    json_decref(page);
}

static void lists_newest_first_with_filters(void **state)
{
    fx *f = *state;
    for (int i = 1; i <= 5; i++)
        assert_int_equal(
            bc_audit_record(f->db, &f->admin, i % 2 ? "user.block" : "user.role", "user", i, NULL, NULL, NULL), BC_OK);
    json_t *page = NULL;
    bc_audit_filter q = {.action = "user.block", .per_page = 2, .page = 1};
    assert_int_equal(bc_audit_list(f->db, &q, &page), BC_OK);
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 3);
    json_t *items = json_object_get(page, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "target_id")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "target_id")), 3);
    json_decref(page);
    bc_audit_filter none = {.actor_id = f->admin.user_id + 1};
    assert_int_equal(bc_audit_list(f->db, &none, &page), BC_OK);
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 0);
    json_decref(page);
    bc_audit_filter future = {.from = bc_now_ms() + 60000};
    assert_int_equal(bc_audit_list(f->db, &future, &page), BC_OK);
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 0);
    json_decref(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(joins_the_callers_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(stores_json_and_cuts_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(lists_newest_first_with_filters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
