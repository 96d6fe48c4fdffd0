/* fuzz_toss_response: what the Toss client makes of a gateway's answer: bc_toss_parse_response
 * (status + body bytes → JSON, as toss_call does after libcurl) and bc_toss_read_confirm (the
 * answer → approved / declined / gateway error / unexpected, with approvedAt parsed by
 * bc_time_parse), which h_confirm in payments_api.c acts on. Input: two bytes of HTTP status
 * (big-endian, modulo 600), then the body. The answer is read for a fixed payment and, when the
 * body names an integer totalAmount and a paymentKey, for that payment too (the approved path).
 * (There is no PortOne client yet; its answers get a target when it exists.) */
#include <stdlib.h>
#include <string.h>

#include "../src/payments/payments.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const bc_pg_result *res, const char *key, int64_t amount)
{
    bc_toss_answer a;
    bc_toss_read_confirm(res, key, amount, &a);
    int s = res->http_status;
    if (a.verdict == BC_TOSS_APPROVED && (s < 200 || s >= 300 || !a.status || strcmp(a.status, "DONE") != 0))
        abort(); /* only a 2xx DONE payment is approved */
    if ((s == 0 || s >= 500) && a.verdict != BC_TOSS_GATEWAY_ERROR)
        abort();
    if (a.approved_at != 0 && a.verdict != BC_TOSS_APPROVED)
        abort();
    volatile size_t sink =
        (a.code ? strlen(a.code) : 0) + (a.message ? strlen(a.message) : 0) + (a.method ? strlen(a.method) : 0);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int status = ((int)data[0] << 8 | data[1]) % 600;
    size_t len = size - 2;
    char *body = malloc(len ? len : 1); /* exactly the bytes libcurl delivered: no NUL after them */
    if (!body)
        return 0;
    memcpy(body, data + 2, len);
    bc_pg_result res = {0};
    if (bc_toss_parse_response(status, body, len, &res) != BC_OK || res.http_status != status)
        abort();
    check(&res, "tsbx_fuzzpaymentkey0000000000000000", 12900);
    json_t *total = json_object_get(res.body, "totalAmount");
    const char *key = json_string_value(json_object_get(res.body, "paymentKey"));
    if (json_is_integer(total))
        check(&res, key ? key : "tsbx_fuzzpaymentkey0000000000000000", json_integer_value(total));
    json_decref(res.body);
    free(body);
    return 0;
}
