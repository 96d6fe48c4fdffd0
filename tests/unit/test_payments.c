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

/* payments: a PortOne v1 Payment seen as the Toss-shaped object the converging code reads. */
static json_t *normalized(const char *json)
{
    json_error_t e;
    json_t *p = json_loads(json, 0, &e);
    assert_non_null(p);
    json_t *n = bc_portone_normalize(p);
    json_decref(p);
    return n;
}

static void portone_normalize(void **state)
{
    (void)state;
    json_t *n =
        normalized("{\"imp_uid\":\"imp_1\",\"merchant_uid\":\"BC1-abcdef\",\"status\":\"paid\",\"amount\":15000,"
                   "\"cancel_amount\":0,\"pay_method\":\"card\",\"paid_at\":1700000000}");
    assert_non_null(n);
    assert_string_equal(json_string_value(json_object_get(n, "paymentKey")), "imp_1");
    assert_string_equal(json_string_value(json_object_get(n, "orderId")), "BC1-abcdef");
    assert_string_equal(json_string_value(json_object_get(n, "status")), "DONE");
    assert_int_equal(json_integer_value(json_object_get(n, "totalAmount")), 15000);
    assert_int_equal(json_integer_value(json_object_get(n, "balanceAmount")), 15000);
    assert_string_equal(json_string_value(json_object_get(n, "approvedAt")), "2023-11-14T22:13:20Z");
    json_decref(n);
    n = normalized(
        "{\"imp_uid\":\"imp_2\",\"merchant_uid\":\"m\",\"status\":\"paid\",\"amount\":10000,\"cancel_amount\":4000}");
    assert_string_equal(json_string_value(json_object_get(n, "status")), "PARTIAL_CANCELED");
    assert_int_equal(json_integer_value(json_object_get(n, "balanceAmount")), 6000);
    json_decref(n);
    n = normalized("{\"imp_uid\":\"imp_3\",\"merchant_uid\":\"m\",\"status\":\"cancelled\",\"amount\":10000,\"cancel_"
                   "amount\":10000}");
    assert_string_equal(json_string_value(json_object_get(n, "status")), "CANCELED");
    assert_int_equal(json_integer_value(json_object_get(n, "balanceAmount")), 0);
    json_decref(n);
    n = normalized("{\"imp_uid\":\"imp_4\",\"merchant_uid\":\"m\",\"status\":\"failed\",\"amount\":10,"
                   "\"fail_reason\":\"REJECT_CARD_COMPANY: 거절\"}");
    assert_string_equal(json_string_value(json_object_get(n, "status")), "ABORTED");
    assert_string_equal(json_string_value(json_object_get(json_object_get(n, "failure"), "code")),
                        "REJECT_CARD_COMPANY");
    json_decref(n);
    n = normalized("{\"imp_uid\":\"imp_5\",\"merchant_uid\":\"m\",\"status\":\"failed\",\"amount\":10,"
                   "\"fail_reason\":\"카드 한도 초과\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(n, "failure"), "code")), "PG_FAILED");
    json_decref(n);
    n = normalized("{\"imp_uid\":\"imp_6\",\"merchant_uid\":\"m\",\"status\":\"ready\",\"amount\":10}");
    assert_string_equal(json_string_value(json_object_get(n, "status")), "READY");
    json_decref(n);
    assert_null(normalized("{\"imp_uid\":\"imp_7\",\"status\":\"paid\",\"amount\":10}"));
    assert_null(normalized("[]"));
    assert_string_equal(bc_pg_provider_of("imp_123"), "portone");
    assert_string_equal(bc_pg_provider_of("tsbx_abc"), "toss");
    assert_string_equal(bc_pg_provider_of(NULL), "toss");
}

int main(void)
{
    const struct CMUnitTest t[] = {cmocka_unit_test(parse), cmocka_unit_test(confirm_verdicts),
                                   cmocka_unit_test(portone_normalize)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
