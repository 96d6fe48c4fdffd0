/* Unit tests for src/payments/toss.c: reading a gateway answer without the network
 * (bc_toss_parse_response, bc_toss_read_confirm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/payments/payments.h"

#define KEY "tsbx_key1"

/* The verdict on an answer; a's strings stay valid until the next call (the body is kept). */
static enum bc_toss_verdict verdict(int status, const char *body, int64_t amount, bc_toss_answer *a)
{
    static bc_pg_result res;
    json_decref(res.body);
    assert_int_equal(bc_toss_parse_response(status, body, body ? strlen(body) : 0, &res), BC_OK);
    assert_int_equal(res.http_status, status);
    bc_toss_read_confirm(&res, KEY, amount, a);
    return a->verdict;
}

static void parse(void **state)
{
    (void)state;
    bc_pg_result res;
    assert_int_equal(bc_toss_parse_response(200, "{\"a\":1}garbage", 7, &res), BC_OK); /* only len bytes */
    assert_true(json_is_object(res.body));
    json_decref(res.body);
    assert_int_equal(bc_toss_parse_response(502, "<html>bad gateway</html>", 24, &res), BC_OK);
    assert_null(res.body);
    assert_int_equal(res.http_status, 502);
    assert_int_equal(bc_toss_parse_response(200, NULL, 0, &res), BC_OK);
    assert_null(res.body);
    assert_int_equal(bc_toss_parse_response(200, "{}", 2, NULL), BC_EINVAL);
}

static void confirm_verdicts(void **state)
{
    (void)state;
    bc_toss_answer a;
    const char *done = "{\"paymentKey\":\"" KEY "\",\"status\":\"DONE\",\"totalAmount\":12900,\"method\":\"카드\","
                       "\"approvedAt\":\"2026-11-23T19:00:05+09:00\"}";
    assert_int_equal(verdict(200, done, 12900, &a), BC_TOSS_APPROVED);
    assert_int_equal(a.approved_at, 1795428005000LL);                    /* 2026-11-23T10:00:05Z */
    assert_int_equal(verdict(200, done, 12901, &a), BC_TOSS_UNEXPECTED); /* another amount */
    assert_int_equal(verdict(200, "{\"paymentKey\":\"other\",\"status\":\"DONE\",\"totalAmount\":1}", 1, &a),
                     BC_TOSS_UNEXPECTED);
    assert_int_equal(verdict(200, "{\"status\":\"DONE\",\"totalAmount\":\"1\"}", 1, &a), BC_TOSS_UNEXPECTED);
    assert_int_equal(verdict(200, "{\"status\":\"DONE\",\"totalAmount\":1,\"approvedAt\":\"yesterday\"}", 1, &a),
                     BC_TOSS_APPROVED); /* paymentKey may be absent; a malformed approvedAt reads as 0 */
    assert_int_equal(a.approved_at, 0);
    assert_int_equal(verdict(200, "[]", 1, &a), BC_TOSS_UNEXPECTED);
    assert_int_equal(verdict(403, "{\"code\":\"REJECT_CARD_COMPANY\",\"message\":\"거절\"}", 1, &a), BC_TOSS_DECLINED);
    assert_string_equal(a.code, "REJECT_CARD_COMPANY");
    assert_int_equal(verdict(302, NULL, 1, &a), BC_TOSS_DECLINED);
    assert_int_equal(verdict(503, "{\"code\":\"FAILED_INTERNAL_SYSTEM_PROCESSING\"}", 1, &a), BC_TOSS_GATEWAY_ERROR);
    assert_int_equal(verdict(0, NULL, 1, &a), BC_TOSS_GATEWAY_ERROR);
    assert_null(a.code);
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(parse), cmocka_unit_test(confirm_verdicts)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
