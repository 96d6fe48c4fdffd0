/* commerce statistics: the Asia/Seoul day numbers, civil dates both ways and the YYYY-MM-DD parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/commerce/commerce.h"

static void civil_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(bc_stats_days(1970, 1, 1), 0);
    assert_int_equal(bc_stats_days(2000, 3, 1), 11017);
    assert_int_equal(bc_stats_days(2024, 2, 29) + 1, bc_stats_days(2024, 3, 1));
    assert_int_equal(bc_stats_days(2025, 2, 28) + 1, bc_stats_days(2025, 3, 1));
    assert_int_equal(bc_stats_days(2025, 12, 31) + 1, bc_stats_days(2026, 1, 1));
    for (int64_t d = bc_stats_days(1999, 12, 1); d < bc_stats_days(2101, 1, 31); d++) {
        int y, m, dd;
        bc_stats_civil(d, &y, &m, &dd);
        assert_int_equal(bc_stats_days(y, m, dd), d);
    }
    int y, m, dd;
    bc_stats_civil(bc_stats_days(2100, 2, 28) + 1, &y, &m, &dd); /* 2100 is no leap year */
    assert_int_equal(m, 3);
    assert_int_equal(dd, 1);
}

static void seoul_days(void **state)
{
    (void)state;
    /* 2026-03-10T23:00:00Z is 2026-03-11 08:00 in Seoul */
    int64_t t = (bc_stats_days(2026, 3, 10) * BC_STATS_DAY_MS) + 23 * 3600000LL;
    assert_int_equal((t + BC_STATS_KST_MS) / BC_STATS_DAY_MS, bc_stats_days(2026, 3, 11));
    /* 2026-03-10T14:59:59.999Z is still the 10th there */
    t = bc_stats_days(2026, 3, 10) * BC_STATS_DAY_MS + 15 * 3600000LL - 1;
    assert_int_equal((t + BC_STATS_KST_MS) / BC_STATS_DAY_MS, bc_stats_days(2026, 3, 10));
}

static void parse(void **state)
{
    (void)state;
    int64_t d = -1;
    assert_int_equal(bc_stats_parse_date("2026-03-11", &d), BC_OK);
    assert_int_equal(d, bc_stats_days(2026, 3, 11));
    assert_int_equal(bc_stats_parse_date("2024-02-29", &d), BC_OK);
    const char *bad[] = {"2025-02-29", "2026-02-30", "2026-13-01", "2026-00-10",  "2026-3-1", "2026/03/01",
                         "1999-12-31", "2101-01-01", "2026-03-1a", "2026-03-011", "",         "+026-03-01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(bc_stats_parse_date(bad[i], &d), BC_EINVAL);
    assert_int_equal(bc_stats_parse_date(NULL, &d), BC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_roundtrip),
        cmocka_unit_test(seoul_days),
        cmocka_unit_test(parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
