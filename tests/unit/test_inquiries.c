/* Unit tests of the inquiry rules: categories, statuses, who takes part, who reads a secret
 * question, the masked author name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/inquiries/inquiries.h"

static void categories_and_statuses(void **state)
{
    (void)state;
    assert_true(bc_inquiry_category_ok("DELIVERY"));
    assert_true(bc_inquiry_category_ok("EXCHANGE_RETURN"));
    assert_true(bc_inquiry_category_ok("PRODUCT"));
    assert_true(bc_inquiry_category_ok("OTHER"));
    assert_false(bc_inquiry_category_ok("delivery"));
    assert_false(bc_inquiry_category_ok(NULL));
    assert_true(bc_inquiry_status_ok("OPEN"));
    assert_true(bc_inquiry_status_ok("CLOSED"));
    assert_false(bc_inquiry_status_ok("DONE"));
    assert_string_equal(bc_inquiry_status_after("buyer"), "OPEN");
    assert_string_equal(bc_inquiry_status_after("seller"), "ANSWERED");
    assert_string_equal(bc_inquiry_status_after("admin"), "ANSWERED");
}

static void participants(void **state)
{
    (void)state;
    assert_string_equal(bc_inquiry_participant(10, 20, 10, BC_ROLE_BUYER), "buyer");
    assert_string_equal(bc_inquiry_participant(10, 20, 20, BC_ROLE_SELLER), "seller");
    assert_string_equal(bc_inquiry_participant(10, 20, 30, BC_ROLE_ADMIN), "admin");
    assert_null(bc_inquiry_participant(10, 20, 30, BC_ROLE_SELLER)); /* another seller */
    assert_null(bc_inquiry_participant(10, 20, 31, BC_ROLE_BUYER));  /* another buyer */
    assert_null(bc_inquiry_participant(10, 0, 0, BC_ROLE_SELLER));   /* the operator's: seller 0 is nobody */
    assert_string_equal(bc_inquiry_participant(10, 0, 5, BC_ROLE_ADMIN), "admin");
    /* an admin who wrote the inquiry takes part as its author */
    assert_string_equal(bc_inquiry_participant(5, 0, 5, BC_ROLE_ADMIN), "buyer");
}

static void secret_questions(void **state)
{
    (void)state;
    assert_true(bc_inquiry_question_readable(0, 1, 2, 0, 0));              /* public: anyone */
    assert_false(bc_inquiry_question_readable(1, 1, 2, 0, 0));             /* anonymous */
    assert_true(bc_inquiry_question_readable(1, 1, 2, 1, BC_ROLE_BUYER));  /* the author */
    assert_true(bc_inquiry_question_readable(1, 1, 2, 2, BC_ROLE_SELLER)); /* the seller */
    assert_true(bc_inquiry_question_readable(1, 1, 2, 9, BC_ROLE_ADMIN));  /* an admin */
    assert_false(bc_inquiry_question_readable(1, 1, 2, 3, BC_ROLE_BUYER));
    assert_false(bc_inquiry_question_readable(1, 1, 2, 4, BC_ROLE_SELLER)); /* another seller */
}

static void masked_names(void **state)
{
    (void)state;
    char out[32];
    bc_inquiry_mask_name("김철수", out, sizeof out);
    assert_string_equal(out, "김**");
    bc_inquiry_mask_name("Alice", out, sizeof out);
    assert_string_equal(out, "A**");
    bc_inquiry_mask_name("", out, sizeof out);
    assert_string_equal(out, "***");
    bc_inquiry_mask_name(NULL, out, sizeof out);
    assert_string_equal(out, "***");
    bc_inquiry_mask_name("😀x", out, sizeof out);
    assert_string_equal(out, "😀**");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(categories_and_statuses),
        cmocka_unit_test(participants),
        cmocka_unit_test(secret_questions),
        cmocka_unit_test(masked_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
