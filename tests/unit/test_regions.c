/* regions: the 17 시/도 with their short and former names, the ?region= parser, the body reader
 * and the JSON shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/regions/regions.h"

static const char *canon(const char *s) { return bc_regions_sido_canon(s, strlen(s)); }

static void names(void **state)
{
    (void)state;
    int n = 0;
    while (bc_regions_sido[n])
        n++;
    assert_int_equal(n, BC_REGIONS_SIDO_N);
    assert_string_equal(canon("서울특별시"), "서울특별시");
    assert_string_equal(canon("서울"), "서울특별시");
    assert_string_equal(canon("경기"), "경기도");
    assert_string_equal(canon("강원도"), "강원특별자치도");
    assert_string_equal(canon("전라북도"), "전북특별자치도");
    assert_string_equal(canon("제주"), "제주특별자치도");
    assert_null(canon("Seoul"));
    assert_null(canon("서울특별"));
    assert_null(canon(""));
    assert_null(bc_regions_sido_canon("서울특별시", 9));                       /* "서울특": a prefix is no name */
    assert_string_equal(bc_regions_sido_canon("서울특별시", 6), "서울특별시"); /* "서울" */
    for (int i = 0; i < BC_REGIONS_SIDO_N; i++)
        assert_string_equal(canon(bc_regions_short(i)), bc_regions_sido[i]);
    assert_null(bc_regions_short(BC_REGIONS_SIDO_N));
}

static void parse(void **state)
{
    (void)state;
    bc_region r;
    assert_int_equal(bc_regions_parse("서울특별시", &r), BC_OK);
    assert_string_equal(r.sido, "서울특별시");
    assert_string_equal(r.sigungu, "");
    assert_int_equal(bc_regions_parse(" 서울 강남구 ", &r), BC_OK);
    assert_string_equal(r.sido, "서울특별시");
    assert_string_equal(r.sigungu, "강남구");
    assert_int_equal(bc_regions_parse("경기도 성남시 분당구", &r), BC_OK);
    assert_string_equal(r.sigungu, "성남시 분당구");
    assert_int_equal(bc_regions_parse("부산광역시  해운대구", &r), BC_OK); /* spaces after the 시/도 */
    assert_string_equal(r.sigungu, "해운대구");
    assert_int_equal(bc_regions_parse("Busan", &r), BC_EINVAL);
    assert_null(r.sido);
    assert_int_equal(bc_regions_parse("", &r), BC_EINVAL);
    assert_int_equal(bc_regions_parse(NULL, &r), BC_EINVAL);
    assert_int_equal(bc_regions_parse("서울 가나다라마바사아자차카타파하가나다라마바사", &r), BC_EINVAL); /* 21 */
    assert_int_equal(bc_regions_parse("서울 강남구\t", &r), BC_EINVAL);
}

static void sigungu(void **state)
{
    (void)state;
    assert_true(bc_regions_sigungu_ok("강남구"));
    assert_true(bc_regions_sigungu_ok("가나다라마바사아자차카타파하가나다라마바")); /* 20 characters */
    assert_false(bc_regions_sigungu_ok("가나다라마바사아자차카타파하가나다라마바사"));
    assert_false(bc_regions_sigungu_ok(""));
    assert_false(bc_regions_sigungu_ok(" 강남구"));
    assert_false(bc_regions_sigungu_ok("강남구 "));
    assert_false(bc_regions_sigungu_ok("성남시  분당구"));
    assert_false(bc_regions_sigungu_ok("a\nb"));
}

static void from_json(void **state)
{
    (void)state;
    bc_region r;
    json_t *v = json_pack("{s:s,s:s}", "sido", "서울특별시", "sigungu", "강남구");
    assert_int_equal(bc_regions_from_json(v, &r), BC_OK);
    assert_string_equal(r.sido, "서울특별시");
    assert_string_equal(r.sigungu, "강남구");
    json_decref(v);
    v = json_pack("{s:s}", "sido", "서울"); /* bodies take official names only */
    assert_int_equal(bc_regions_from_json(v, &r), BC_EINVAL);
    json_decref(v);
    v = json_pack("{s:s,s:n}", "sido", "제주특별자치도", "sigungu");
    assert_int_equal(bc_regions_from_json(v, &r), BC_OK);
    assert_string_equal(r.sigungu, "");
    json_decref(v);
    v = json_pack("{s:s,s:i}", "sido", "제주특별자치도", "sigungu", 3);
    assert_int_equal(bc_regions_from_json(v, &r), BC_EINVAL);
    json_decref(v);
    assert_int_equal(bc_regions_from_json(NULL, &r), BC_OK);
    assert_null(r.sido);
    v = json_null();
    assert_int_equal(bc_regions_from_json(v, &r), BC_OK);
    assert_null(r.sido);
    v = json_string("서울특별시");
    assert_int_equal(bc_regions_from_json(v, &r), BC_EINVAL);
    json_decref(v);
}

static void to_json(void **state)
{
    (void)state;
    json_t *j = bc_regions_json("서울특별시", "강남구");
    assert_string_equal(json_string_value(json_object_get(j, "sigungu")), "강남구");
    json_decref(j);
    j = bc_regions_json("서울특별시", "");
    assert_true(json_is_null(json_object_get(j, "sigungu")));
    json_decref(j);
    j = bc_regions_json(NULL, "강남구");
    assert_true(json_is_null(j));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names),     cmocka_unit_test(parse),   cmocka_unit_test(sigungu),
        cmocka_unit_test(from_json), cmocka_unit_test(to_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
