/* Unit tests of the reviews module's pure rules: which photo URLs are uploads of this server, the
 * sort names, and the summary (average rounded to two decimals, the distribution). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../src/reviews/reviews.h"

static void photo_names(void **state)
{
    (void)state;
    char name[64];
    assert_int_equal(bc_review_photo_name("/media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.jpg", name, sizeof name), 1);
    assert_string_equal(name, "AbCdEfGhIjKlMnOpQrStUvWxYz012345.jpg");
    assert_int_equal(bc_review_photo_name("/media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.webp", name, sizeof name),
                     1);
    static const char *const bad[] = {
        "https://evil.example.com/media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.jpg",
        "/media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.jpg?x=1",
        "/media/uploads/../uploads/AbCdEfGhIjKlMnOpQrStUvWxYz01.jpg",
        "/media/uploads/short.jpg",
        "/media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.svg",
        "/media/products/1.svg",
        "//media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.jpg",
        "",
        NULL,
    };
    for (size_t i = 0; i + 1 < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(bc_review_photo_name(bad[i], name, sizeof name), 0);
    assert_int_equal(bc_review_photo_name(NULL, name, sizeof name), 0);
    assert_int_equal(bc_review_photo_name("/media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.jpg", name, 20), 0);
}

static void sorts(void **state)
{
    (void)state;
    assert_int_equal(bc_review_sort_from_name(NULL), BC_REVIEW_NEWEST);
    assert_int_equal(bc_review_sort_from_name("newest"), BC_REVIEW_NEWEST);
    assert_int_equal(bc_review_sort_from_name("likes"), BC_REVIEW_LIKES);
    assert_int_equal(bc_review_sort_from_name("rating"), BC_REVIEW_RATING);
    assert_int_equal(bc_review_sort_from_name("rating_low"), BC_REVIEW_RATING_LOW);
    assert_int_equal(bc_review_sort_from_name("best"), -1);
}

static void summary(void **state)
{
    (void)state;
    const int64_t none[5] = {0}, some[5] = {0, 1, 1, 0, 1}, third[5] = {2, 0, 0, 0, 1};
    json_t *s = bc_review_summary_json(0, 0, none);
    assert_true(json_real_value(json_object_get(s, "average")) == 0.0);
    assert_int_equal(json_integer_value(json_object_get(s, "count")), 0);
    assert_int_equal(json_object_size(json_object_get(s, "distribution")), 5);
    json_decref(s);
    s = bc_review_summary_json(3, 10, some); /* 3.333... -> 3.33 */
    assert_true(json_real_value(json_object_get(s, "average")) == 3.33);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "distribution"), "2")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "distribution"), "4")), 0);
    json_decref(s);
    s = bc_review_summary_json(3, 7, third); /* 2.333... -> 2.33 */
    assert_true(json_real_value(json_object_get(s, "average")) == 2.33);
    json_decref(s);
    const int64_t two[5] = {0, 0, 0, 1, 2};
    s = bc_review_summary_json(3, 14, two); /* 4.666... -> 4.67 (half up) */
    assert_true(json_real_value(json_object_get(s, "average")) == 4.67);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(photo_names), cmocka_unit_test(sorts), cmocka_unit_test(summary)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
