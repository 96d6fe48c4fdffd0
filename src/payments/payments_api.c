/* Routes under /api/v1/payments: the client configuration and the confirm step of the Toss
 * payment-widget flow (https://docs.tosspayments.com/guides/v2/payment-widget/integration:
 * the browser returns with paymentKey/orderId/amount, the server checks the amount it stored
 * and confirms with POST /v1/payments/confirm). No SQL here: order state lives in commerce. */
#include "payments.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../commerce/commerce.h"

/* 1 when the browser should use the sandbox checkout page, 0 for the Toss JS SDK.
 * BROADCART_TOSS_CHECKOUT: "sandbox"/"sdk" force one; "auto" picks the page when the API base is
 * the built-in sandbox (empty or containing "/sandbox-pg"). "sdk" with the sandbox base lets the
 * SDK path run against the local gateway (the browser tests serve a fake SDK script). */
static int use_sandbox_page(void)
{
    if (strcmp(bc_cfg.toss_checkout, "sandbox") == 0)
        return 1;
    if (strcmp(bc_cfg.toss_checkout, "sdk") == 0)
        return 0;
    const char *base = bc_cfg.toss_api_base;
    return base[0] == 0 || strstr(base, "/sandbox-pg") != NULL;
}

/* GET /api/v1/payments/config → {provider, client_key, checkout_url|null, sdk_url, mode, shipping_fee,
 * free_shipping_over}. mode "sandbox": go to checkout_url; mode "toss": load sdk_url and call
 * TossPayments(client_key).payment(...).requestPayment(...). */
static void h_config(bc_req *req)
{
    int sandbox = use_sandbox_page();
    bc_res_json(req, 200,
                json_pack("{s:s,s:s,s:s?,s:s,s:s,s:i,s:i}", "provider", "toss", "client_key", bc_cfg.toss_client_key,
                          "checkout_url", sandbox ? "/sandbox-pg/checkout" : NULL, "sdk_url",
                          "https://js.tosspayments.com/v2/standard", "mode", sandbox ? "sandbox" : "toss",
                          "shipping_fee", bc_cfg.shipping_fee, "free_shipping_over", bc_cfg.free_shipping_over));
}

/* Sends {"error":{code, message[, gateway_code]}}. */
static void send_gateway_error(bc_req *req, int status, const char *code, const char *message, const char *gcode)
{
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", message);
    if (gcode)
        json_object_set_new(e, "gateway_code", json_string(gcode));
    bc_res_json(req, status, json_pack("{s:o}", "error", e));
}

/* Sends the order (200) when it is PAID with payment_key; else the 409 matching its status.
 * Used after a conditional update lost a race. */
static void send_settled(bc_req *req, const bc_order_head *h, const char *payment_key)
{
    json_t *o = NULL;
    if (strcmp(h->status, "PAID") == 0 && strcmp(h->payment_key, payment_key) == 0) {
        int rc = bc_order_json(bc_req_db(req), h->id, 0, &o);
        if (rc != BC_OK) {
            bc_res_from_err(req, rc);
            return;
        }
        bc_res_json(req, 200, o);
        return;
    }
    if (strcmp(h->status, "EXPIRED") == 0)
        bc_res_error(req, 409, "ORDER_EXPIRED", "the order expired before it was paid");
    else
        bc_res_error(req, 409, "ORDER_NOT_PAYABLE", "an order in status %s cannot be paid", h->status);
}

/* Cancels a payment the gateway approved for an order that can no longer take it. */
static void refund(const char *payment_key, const char *order_id, const char *reason)
{
    bc_pg_result res = {0};
    char idem[96];
    snprintf(idem, sizeof idem, "cancel-%s", order_id);
    int rc = bc_toss_cancel(payment_key, reason, 0, idem, &res);
    if (rc != BC_OK || res.http_status < 200 || res.http_status >= 300)
        bc_log_error("payments", "order %s: could not cancel an orphan payment (gateway status %d)", order_id,
                     res.http_status);
    json_decref(res.body);
}

static void h_confirm(bc_req *req)
{
    const char *payment_key = NULL, *order_id = NULL;
    json_int_t amount = 0;
    json_error_t err;
    bc_order_head h;
    bc_pg_result res = {0};
    bc_db *db = bc_req_db(req);
    char *raw = NULL;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s:s,s:s,s:I}", "payment_key", &payment_key, "order_id", &order_id,
                   "amount", &amount);
    int rc = bc_order_id_valid(order_id) ? bc_order_head_by_order_id(db, order_id, &h) : BC_ENOTFOUND;
    if (rc == BC_OK && h.buyer_id != bc_req_auth(req)->user_id)
        rc = BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "ORDER_NOT_FOUND", "no such order");
        goto out;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    if (strcmp(h.status, "PAID") == 0 && strcmp(h.payment_key, payment_key) == 0) {
        send_settled(req, &h, payment_key); /* idempotent: no second gateway call */
        goto out;
    }
    if (!bc_order_can_pay(h.status)) {
        send_settled(req, &h, payment_key);
        goto out;
    }
    if (amount != h.amount) {
        bc_res_error(req, 400, "AMOUNT_MISMATCH", "the amount %lld does not match the order amount %lld",
                     (long long)amount, (long long)h.amount);
        goto out;
    }
    if (h.expires_at < bc_now_ms()) {
        bc_order_expire_one(db, h.id, bc_now_ms());
        bc_res_error(req, 409, "ORDER_EXPIRED", "the order expired before it was paid");
        goto out;
    }
    /* One Idempotency-Key per (order, paymentKey): a retry of the same confirm replays the first
     * answer, but a new payment attempt after a decline (new paymentKey) is a new request —
     * gateways replay stored failures too, so "confirm-{orderId}" alone would block it forever. */
    unsigned char digest[8];
    char idem[120], hex[17];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)payment_key, strlen(payment_key), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(idem, sizeof idem, "confirm-%s-%s", h.order_id, hex);
    rc = bc_toss_confirm(payment_key, h.order_id, h.amount, idem, &res);
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'payment_key' is not a valid payment key");
        goto out;
    }
    bc_toss_answer ans;
    bc_toss_read_confirm(&res, payment_key, h.amount, &ans);
    if (rc != BC_OK || ans.verdict == BC_TOSS_GATEWAY_ERROR) { /* unreachable: status 0 */
        send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR",
                           ans.message ? ans.message : "the payment gateway could not be reached", ans.code);
        goto out;
    }
    if (ans.verdict == BC_TOSS_DECLINED) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s: %s", ans.code ? ans.code : "DECLINED",
                 ans.message ? ans.message : "the payment was declined");
        send_gateway_error(req, 402, "PAYMENT_DECLINED", msg, ans.code ? ans.code : "DECLINED");
        goto out;
    }
    if (ans.verdict != BC_TOSS_APPROVED) {
        bc_log_error("payments", "order %s: unexpected confirm answer (status %s)", h.order_id,
                     ans.status ? ans.status : "?");
        send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR", "the payment gateway answered with an unexpected payment",
                           NULL);
        goto out;
    }
    raw = json_dumps(res.body, JSON_COMPACT);
    rc = bc_order_mark_paid(db, h.id, payment_key, h.amount, ans.method, ans.approved_at, raw);
    if (rc == BC_ECONFLICT) {
        /* lost a race: a concurrent confirm already paid it (same key: fine) or it expired /
         * was canceled meanwhile (then the money goes back) */
        bc_order_head now;
        rc = bc_order_head_get(db, h.id, &now);
        if (rc != BC_OK) {
            bc_res_from_err(req, rc);
            goto out;
        }
        if (!(strcmp(now.status, "PAID") == 0 && strcmp(now.payment_key, payment_key) == 0))
            refund(payment_key, h.order_id, strcmp(now.status, "EXPIRED") == 0 ? "주문 만료" : "주문 상태 변경");
        send_settled(req, &now, payment_key);
        goto out;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    snprintf(h.status, sizeof h.status, "PAID");
    snprintf(h.payment_key, sizeof h.payment_key, "%s", payment_key);
    send_settled(req, &h, payment_key);
out:
    free(raw);
    json_decref(res.body);
}

static const bc_field confirm_body[] = {
    {"payment_key", BC_F_STR, 1, 1, 200, "paymentKey from the success redirect", .text = BC_TEXT_OPAQUE},
    {"order_id", BC_F_STR, 1, 6, 64, "orderId from the success redirect", .text = BC_TEXT_OPAQUE},
    {"amount", BC_F_INT, 1, 0, 0, "amount from the success redirect, KRW (must equal the order amount)"},
    {NULL},
};

const bc_route bc_payments_routes[] = {
    {"GET", "/api/v1/payments/config", 0, BC_RT_INLINE, NULL, h_config, "payments",
     "Payment client settings: provider, client_key, checkout_url (sandbox) or sdk_url", 200,
     .response = &bc_sc_pay_config},
    {"POST", "/api/v1/payments/confirm", BC_ROLE_BUYER, 0, confirm_body, h_confirm, "payments",
     "Confirm a payment after the success redirect (idempotent per order and paymentKey)", 200,
     .response = &bc_sc_order,
     .errors = (const char *const[]){"ORDER_NOT_FOUND", "AMOUNT_MISMATCH", "ORDER_EXPIRED", "ORDER_NOT_PAYABLE",
                                     "PAYMENT_DECLINED", "PAYMENT_GATEWAY_ERROR", NULL}},
    {NULL},
};
