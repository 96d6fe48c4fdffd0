/* subscriptions: plan periods, period ends (calendar months in Asia/Seoul with the day clamped,
 * always from the anchor), order prefixes and orderIds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "../../src/subscriptions/subscriptions.h"

static int64_t at(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(bc_time_parse(iso, &t), BC_OK);
    return t;
}

static void periods(void **state)
{
    (void)state;
    assert_true(bc_subscription_period_ok("MONTH", 0));
    assert_true(bc_subscription_period_ok("WEEK", 0));
    assert_true(bc_subscription_period_ok("DAYS", 1));
    assert_true(bc_subscription_period_ok("DAYS", BC_SUBSCRIPTION_MAX_DAYS));
    assert_false(bc_subscription_period_ok("DAYS", 0));
    assert_false(bc_subscription_period_ok("DAYS", BC_SUBSCRIPTION_MAX_DAYS + 1));
    assert_false(bc_subscription_period_ok("MONTH", 3));
    assert_false(bc_subscription_period_ok("YEAR", 0));
    assert_false(bc_subscription_period_ok(NULL, 0));
}

static void period_ends(void **state)
{
    (void)state;
    int64_t end = 0;
    /* 2025-01-31 10:00 in Seoul (01:00Z): Feb 28, Mar 31, then Feb 29 in a leap year */
    int64_t a = at("2025-01-31T01:00:00Z");
    assert_int_equal(bc_subscription_period_end("MONTH", 0, a, 1, &end), BC_OK);
    assert_int_equal(end, at("2025-02-28T01:00:00Z"));
    assert_int_equal(bc_subscription_period_end("MONTH", 0, a, 2, &end), BC_OK);
    assert_int_equal(end, at("2025-03-31T01:00:00Z"));
    assert_int_equal(bc_subscription_period_end("MONTH", 0, a, 12, &end), BC_OK);
    assert_int_equal(end, at("2026-01-31T01:00:00Z"));
    assert_int_equal(bc_subscription_period_end("MONTH", 0, at("2023-12-31T01:00:00Z"), 2, &end), BC_OK);
    assert_int_equal(end, at("2024-02-29T01:00:00Z"));
    /* the Seoul date counts: 2025-01-31T20:00Z is already Feb 1 in Seoul → Mar 1 */
    assert_int_equal(bc_subscription_period_end("MONTH", 0, at("2025-01-31T20:00:00Z"), 1, &end), BC_OK);
    assert_int_equal(end, at("2025-02-28T20:00:00Z"));
    assert_int_equal(bc_subscription_period_end("WEEK", 0, a, 2, &end), BC_OK);
    assert_int_equal(end, a + 14 * 86400000LL);
    assert_int_equal(bc_subscription_period_end("DAYS", 3, a, 2, &end), BC_OK);
    assert_int_equal(end, a + 6 * 86400000LL);
    assert_int_equal(bc_subscription_period_end("DAYS", 3, a, 0, &end), BC_EINVAL);
    assert_int_equal(bc_subscription_period_end("MONTH", 1, a, 1, &end), BC_EINVAL);
}

static void order_ids(void **state)
{
    (void)state;
    char prefix[40], id[80];
    bc_subscription_make_prefix(prefix, sizeof prefix, at("2026-03-05T00:00:00Z"));
    assert_int_equal(strlen(prefix), 19);
    assert_memory_equal(prefix, "SB20260305-", 11);
    assert_int_equal(bc_subscription_order_id(prefix, 12, id, sizeof id), BC_OK);
    assert_int_equal(strlen(id), 22);
    assert_memory_equal(id + 19, "-12", 3);
    for (const char *p = id; *p; p++)
        assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
    assert_int_equal(bc_subscription_order_id(prefix, 0, id, sizeof id), BC_EINVAL);
    assert_int_equal(bc_subscription_order_id("S", 1, id, sizeof id), BC_EINVAL); /* shorter than 6 */
    assert_int_equal(bc_subscription_order_id(prefix, 1, id, 10), BC_EINVAL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(periods),
        cmocka_unit_test(period_ends),
        cmocka_unit_test(order_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
