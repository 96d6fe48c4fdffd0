/* points: Asia/Seoul dates, signs of ledger kinds, the earn rate, charge ids, the refund split of
 * an order paid partly with points (gateway first), and the ledger on a database: credits and
 * debits FIFO by expiry, the balance never below 0, idem keys, expiry exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "../../src/commerce/commerce.h"
#include "../../src/points/points.h"
#include "db_fixture.h"

static void kst_dates(void **state)
{
    (void)state;
    char d[11];
    int64_t t = 0;
    /* 2025-01-01T14:59:59.999Z is 23:59:59.999 in Seoul; a millisecond later it is the 2nd */
    assert_int_equal(bc_time_parse("2025-01-01T14:59:59.999Z", &t), BC_OK);
    bc_points_kst_date(t, d);
    assert_string_equal(d, "2025-01-01");
    bc_points_kst_date(t + 1, d);
    assert_string_equal(d, "2025-01-02");
    assert_int_equal(bc_points_kst_day_start("2025-01-02", &t), BC_OK);
    int64_t want = 0;
    assert_int_equal(bc_time_parse("2025-01-01T15:00:00Z", &want), BC_OK);
    assert_int_equal(t, want);
    assert_int_equal(bc_points_kst_day_start("2024-02-29", &t), BC_OK);
    assert_int_equal(bc_points_kst_day_start("2025-02-29", &t), BC_EINVAL);
    assert_int_equal(bc_points_kst_day_start("2025-13-01", &t), BC_EINVAL);
    assert_int_equal(bc_points_kst_day_start("2025-1-01", &t), BC_EINVAL);
    assert_int_equal(bc_points_kst_day_start(NULL, &t), BC_EINVAL);
}

static void kinds_rates_ids(void **state)
{
    (void)state;
    assert_true(bc_points_amount_ok("EARN", 10));
    assert_false(bc_points_amount_ok("EARN", -10));
    assert_true(bc_points_amount_ok("SPEND", -10));
    assert_false(bc_points_amount_ok("SPEND", 10));
    assert_true(bc_points_amount_ok("ADJUST", -1));
    assert_false(bc_points_amount_ok("ADJUST", 0));
    assert_false(bc_points_amount_ok("BONUS", 1));
    assert_false(bc_points_amount_ok("CHARGE", BC_POINTS_MAX + 1));
    assert_int_equal(bc_points_for_paid(12345, 100), 123);
    assert_int_equal(bc_points_for_paid(99, 100), 0);
    assert_int_equal(bc_points_for_paid(-5, 100), 0);
    char id[32];
    bc_points_make_charge_id(id, sizeof id, 0);
    assert_int_equal(strlen(id), 21);
    assert_true(bc_points_is_charge_id(id));
    assert_true(bc_order_id_valid(id));
    assert_false(bc_points_is_charge_id("BC20250101-abcdefghij"));
    assert_false(bc_points_is_charge_id("PT2025 01"));
}

static void refund_split(void **state)
{
    (void)state;
    /* gross 10000 = 7000 through the gateway + 3000 points */
    assert_int_equal(bc_order_points_gateway_part(7000, 0, 10000), 7000);
    assert_int_equal(bc_order_points_gateway_part(7000, 0, 4000), 4000);
    assert_int_equal(bc_order_points_gateway_part(7000, 4000, 4000), 3000); /* then 1000 points */
    assert_int_equal(bc_order_points_gateway_part(7000, 8000, 2000), 0);    /* all points */
    assert_int_equal(bc_order_points_gateway_part(0, 0, 5000), 0);          /* paid with points only */
}

typedef struct fx {
    char path[64];
    bc_db *db;
    int64_t user;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/bc-test-points-XXXXXX");
    if (!f || bc_test_db_open(f->path, &f->db) != 0 || bc_test_user(f->db, "p1@example.com", "P1", "buyer", &f->user))
        return -1;
    bc_cfg.points_ttl_days = 365;
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

static int64_t balance(fx *f)
{
    int64_t b = -1, soon = -1;
    assert_int_equal(bc_points_balance(f->db, f->user, bc_now_ms(), &b, &soon), BC_OK);
    return b;
}

static void ledger_fifo_and_expiry(void **state)
{
    fx *f = *state;
    int64_t a = 0, b = 0, lid = 0;
    assert_int_equal(bc_points_credit(f->db, f->user, "EARN", 100, "first", NULL, "k1", &a), BC_OK);
    assert_int_equal(bc_points_credit(f->db, f->user, "EARN", 100, "again", NULL, "k1", NULL), BC_ECONFLICT);
    assert_int_equal(bc_points_credit(f->db, f->user, "CHARGE", 50, "second", NULL, NULL, &b), BC_OK);
    assert_int_equal(balance(f), 150);
    assert_int_equal(bc_points_spend(f->db, f->user, 151, "too much", NULL, NULL), BC_ECONFLICT);
    assert_int_equal(balance(f), 150);
    /* the first lot expires sooner: make it the one due, then spend 30 of it */
    assert_int_equal(bc_db_exec(f->db, "UPDATE points_ledger SET expires_at = 1000 WHERE id = ?", "i", a), 1);
    assert_int_equal(bc_points_spend(f->db, f->user, 30, "order", "order:x", &lid), BC_OK);
    int64_t rem = 0;
    assert_int_equal(bc_db_int(f->db, &rem, "SELECT remaining FROM points_ledger WHERE id = ?", "i", a), 1);
    assert_int_equal(rem, 70);
    assert_int_equal(bc_points_expire_due(f->db, bc_now_ms()), 1);
    assert_int_equal(bc_points_expire_due(f->db, bc_now_ms()), 0); /* once */
    assert_int_equal(balance(f), 50);
    int64_t sum = 0;
    assert_int_equal(bc_db_int(f->db, &sum, "SELECT SUM(amount) FROM points_ledger WHERE user_id = ?", "i", f->user),
                     1);
    assert_int_equal(sum, 50);
    assert_int_equal(bc_points_debit(f->db, f->user, "EARN", 1, "bad kind", NULL, NULL), BC_EINVAL);
    assert_int_equal(bc_points_credit(f->db, f->user, "SPEND", 1, "bad kind", NULL, NULL, NULL), BC_EINVAL);
    assert_int_equal(bc_points_credit(f->db, f->user, "EARN", 1, "", NULL, NULL, NULL), BC_EINVAL);
}

static void attendance_once(void **state)
{
    fx *f = *state;
    int64_t pts = 0, bal = 0, now = bc_now_ms();
    assert_int_equal(bc_points_attend(f->db, f->user, now, &pts, &bal), BC_OK);
    assert_int_equal(pts, 10);
    assert_int_equal(bal, 10);
    assert_int_equal(bc_points_attend(f->db, f->user, now, &pts, &bal), BC_ECONFLICT);
    assert_int_equal(bc_points_attend(f->db, f->user, now + 86400000LL, &pts, &bal), BC_OK);
    assert_int_equal(balance(f), 20);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kst_dates),
        cmocka_unit_test(kinds_rates_ids),
        cmocka_unit_test(refund_split),
        cmocka_unit_test_setup_teardown(ledger_fifo_and_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(attendance_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
