/* coupons: the pure rules, which lines a coupon covers (bc_coupon_line_in_scope) and its discount
 * (bc_coupon_discount: fixed, percent floored, the cap, never more than the in-scope total). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/coupons/coupons.h"

static bc_coupon_terms terms(const char *kind, int64_t value, int64_t cap, const char *scope)
{
    bc_coupon_terms t = {.value = value, .max_discount = cap};
    snprintf(t.kind, sizeof t.kind, "%s", kind);
    snprintf(t.scope, sizeof t.scope, "%s", scope);
    return t;
}

static void discount(void **state)
{
    (void)state;
    bc_coupon_terms f = terms("fixed", 5000, 0, "shop");
    assert_int_equal(bc_coupon_discount(&f, 20000), 5000);
    assert_int_equal(bc_coupon_discount(&f, 3000), 3000); /* never more than the lines */
    assert_int_equal(bc_coupon_discount(&f, 0), 0);
    bc_coupon_terms p = terms("percent", 10, 0, "shop");
    assert_int_equal(bc_coupon_discount(&p, 12345), 1234); /* floored */
    assert_int_equal(bc_coupon_discount(&p, 99), 9);
    p.max_discount = 1000;
    assert_int_equal(bc_coupon_discount(&p, 50000), 1000);
    assert_int_equal(bc_coupon_discount(&p, 5000), 500);
    bc_coupon_terms all = terms("percent", 100, 0, "shop");
    assert_int_equal(bc_coupon_discount(&all, 777), 777);
    /* large totals do not overflow */
    assert_int_equal(bc_coupon_discount(&all, 5000000000000LL), 5000000000000LL);
    bc_coupon_terms q = terms("percent", 33, 0, "shop");
    assert_int_equal(bc_coupon_discount(&q, 5000000000001LL), 1650000000000LL);
}

static void scope(void **state)
{
    (void)state;
    bc_coupon_line a = {1, 10, 1000}, b = {2, 20, 1000};
    bc_coupon_terms t = terms("fixed", 1, 0, "shop");
    assert_true(bc_coupon_line_in_scope(&t, &a, NULL, 0) && bc_coupon_line_in_scope(&t, &b, NULL, 0));
    t = terms("fixed", 1, 0, "seller");
    t.seller_id = 20;
    assert_false(bc_coupon_line_in_scope(&t, &a, NULL, 0));
    assert_true(bc_coupon_line_in_scope(&t, &b, NULL, 0));
    t = terms("fixed", 1, 0, "product");
    t.product_id = 1;
    assert_true(bc_coupon_line_in_scope(&t, &a, NULL, 0));
    assert_false(bc_coupon_line_in_scope(&t, &b, NULL, 0));
    t = terms("fixed", 1, 0, "live");
    int64_t live[] = {5, 2};
    assert_false(bc_coupon_line_in_scope(&t, &a, live, 2));
    assert_true(bc_coupon_line_in_scope(&t, &b, live, 2));
    assert_false(bc_coupon_line_in_scope(&t, &b, live, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(discount),
        cmocka_unit_test(scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
