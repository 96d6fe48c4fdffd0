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

const char *bc_toss_billing_page(void) { return use_sandbox_page() ? "/sandbox-pg/billing" : NULL; }

/* GET /api/v1/payments/config → {provider, client_key, checkout_url|null, sdk_url, mode, shipping_fee,
 * free_shipping_over}. mode "sandbox": go to checkout_url; mode "toss": load sdk_url and call
 * TossPayments(client_key).payment(...).requestPayment(...). */
static void h_config(bc_req *req)
{
    int sandbox = use_sandbox_page();
    if (strcmp(bc_cfg.payment_provider, "portone") == 0) {
        /* PortOne v1: load sdk_url, IMP.init(client_key), POST /api/v1/payments/prepare, then
         * IMP.request_pay; the sandbox serves its own iamport.js */
        const char *base = bc_cfg.portone_api_base;
        int local = base[0] == 0 || strstr(base, "/sandbox-portone") != NULL;
        bc_res_json(req, 200,
                    json_pack("{s:s,s:s,s:n,s:s,s:s,s:i,s:i}", "provider", "portone", "client_key",
                              bc_cfg.portone_merchant_code, "checkout_url", "sdk_url",
                              local ? "/sandbox-portone/iamport.js" : "https://cdn.iamport.kr/v1/iamport.js", "mode",
                              "portone", "shipping_fee", bc_cfg.shipping_fee, "free_shipping_over",
                              bc_cfg.free_shipping_over));
        return;
    }
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

/* Toss codes that mean the buyer's card or account refused this payment (provider notes §1.8,
 * confirm 400/403): the order fails (PAYMENT_FAILED, stock released). Other 4xx answers (unknown
 * paymentKey, bad request, auth) say nothing about the buyer's means of payment and leave the order
 * payable. */
static int is_card_decline(const char *code)
{
    static const char *const codes[] = {"REJECT_CARD_PAYMENT",
                                        "REJECT_CARD_COMPANY",
                                        "REJECT_ACCOUNT_PAYMENT",
                                        "REJECT_TOSSPAY_INVALID_ACCOUNT",
                                        "EXCEED_MAX_AUTH_COUNT",
                                        "EXCEED_MAX_ONE_DAY_AMOUNT",
                                        "INVALID_PASSWORD",
                                        "FDS_ERROR",
                                        "INVALID_CARD_EXPIRATION",
                                        "INVALID_STOPPED_CARD",
                                        "INVALID_CARD_LOST_OR_STOLEN",
                                        "INVALID_CARD_NUMBER",
                                        "INVALID_REJECT_CARD",
                                        "EXCEED_MAX_DAILY_PAYMENT_COUNT",
                                        "EXCEED_MAX_PAYMENT_AMOUNT",
                                        "EXCEED_MAX_AMOUNT",
                                        "EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT",
                                        "CARD_PROCESSING_ERROR",
                                        "RESTRICTED_TRANSFER_ACCOUNT",
                                        "EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT",
                                        "EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT",
                                        "NOT_AVAILABLE_PAYMENT",
                                        "INVALID_CARD_INSTALLMENT_PLAN",
                                        "BELOW_MINIMUM_AMOUNT"};
    for (size_t i = 0; code && i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

/* 503 PAYMENT_GATEWAY_UNAVAILABLE with Retry-After (RFC 9110 §10.2.3): the circuit breaker is open. */
static void send_unavailable(bc_req *req, int retry_after_s)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry_after_s > 0 ? retry_after_s : 1);
    bc_res_error(req, 503, "PAYMENT_GATEWAY_UNAVAILABLE", "the payment gateway is unavailable; retry in %s s", ra);
    bc_res_header(req, "Retry-After", ra);
}

/* The gateway approved payment (a Payment object): converge the order to it and answer. */
static void settle_approved(bc_req *req, bc_order_head *h, const char *payment_key, json_t *payment)
{
    json_t *total = json_object_get(payment, "totalAmount");
    char what[256];
    bc_db *db = bc_req_db(req);
    int fix = bc_payments_converge(db, payment, what, sizeof what);
    bc_order_head now;
    if (fix < 0) {
        bc_res_from_err(req, fix);
        return;
    }
    int rc = bc_order_head_get(db, h->id, &now);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    if (fix == BC_PAY_REFUNDED || fix == BC_PAY_UNREACHED || fix == BC_PAY_REPORTED)
        bc_log_warn("payments", "order %s: approved payment not taken: %s", h->order_id, what);
    if (bc_order_can_pay(now.status) && json_is_integer(total) && json_integer_value(total) != now.amount) {
        /* post-verification: the gateway approved another amount (refunded above) */
        bc_res_error(req, 400, "AMOUNT_MISMATCH", "the gateway approved %lld, not the order amount %lld (%s)",
                     (long long)json_integer_value(total), (long long)now.amount, what);
        return;
    }
    send_settled(req, &now, payment_key);
}

/* PortOne v1: the buyer already paid in IMP.request_pay; the server post-verifies (provider notes §2.1):
 * GET /payments/{imp_uid}, its merchant_uid must be this order's and its amount the order amount (else
 * it is cancelled at PortOne), then the order is marked PAID. The attempt is recorded first, as for Toss. */
static void confirm_portone(bc_req *req, bc_order_head *h, const char *imp_uid)
{
    bc_db *db = bc_req_db(req);
    bc_pg_result res = {0};
    int64_t attempt = 0;
    int rc = bc_payments_attempt_begin(db, h->id, "portone", imp_uid, h->amount, &attempt);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    rc = bc_pg_get(imp_uid, &res);
    const char *oid = json_string_value(json_object_get(res.body, "orderId"));
    const char *st = json_string_value(json_object_get(res.body, "status"));
    if (rc == BC_EINVAL) {
        bc_payments_attempt_set(db, attempt, "RESOLVED", "INVALID_KEY");
        bc_res_error(req, 422, "VALIDATION_FAILED", "'payment_key' is not a valid imp_uid");
    } else if (rc == BC_EBUSY) {
        bc_payments_attempt_set(db, attempt, "UNKNOWN", NULL);
        send_unavailable(req, res.retry_after_s);
    } else if (rc != BC_OK || (res.http_status != 200 && res.http_status != 404)) {
        bc_payments_attempt_set(db, attempt, "UNKNOWN", NULL);
        send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR", "the payment gateway could not be reached", NULL);
    } else if (res.http_status == 404 || !oid || strcmp(oid, h->order_id) != 0) {
        bc_payments_attempt_set(db, attempt, "DECLINED", "NOT_FOUND_PAYMENT");
        send_gateway_error(req, 402, "PAYMENT_DECLINED", "NOT_FOUND_PAYMENT: no such payment for this order",
                           "NOT_FOUND_PAYMENT");
    } else if (st && strcmp(st, "DONE") == 0) {
        settle_approved(req, h, imp_uid, res.body);
    } else if (st && strcmp(st, "ABORTED") == 0) {
        json_t *f = json_object_get(res.body, "failure");
        const char *code = json_string_value(json_object_get(f, "code"));
        const char *msg = json_string_value(json_object_get(f, "message"));
        char text[400];
        bc_payments_attempt_set(db, attempt, "DECLINED", code);
        if (is_card_decline(code)) {
            rc = bc_order_fail_payment(db, h->id, code);
            if (rc != BC_OK && rc != BC_ECONFLICT)
                bc_log_error("payments", "order %s: could not mark PAYMENT_FAILED (%d)", h->order_id, rc);
        }
        snprintf(text, sizeof text, "%s", msg ? msg : "the payment failed");
        send_gateway_error(req, 402, "PAYMENT_DECLINED", text, code ? code : "PG_FAILED");
    } else {
        char what[256];
        bc_payments_converge(db, res.body, what, sizeof what);
        send_gateway_error(req, 402, "PAYMENT_DECLINED", "the payment is not paid", st ? st : "NOT_PAID");
    }
    json_decref(res.body);
}

static void h_confirm(bc_req *req)
{
    const char *payment_key = NULL, *order_id = NULL;
    json_int_t amount = 0;
    json_error_t err;
    bc_order_head h;
    bc_pg_result res = {0}, check = {0};
    bc_db *db = bc_req_db(req);
    int64_t attempt = 0;
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
    int retry_after = bc_toss_breaker_retry_after();
    if (retry_after > 0) {
        send_unavailable(req, retry_after);
        goto out;
    }
    if (strcmp(bc_pg_provider_of(payment_key), "portone") == 0) {
        confirm_portone(req, &h, payment_key);
        goto out;
    }
    /* recorded BEFORE the gateway call: if this process dies between the gateway's approval and
     * bc_order_mark_paid, reconciliation finds the attempt and settles it */
    rc = bc_payments_attempt_begin(db, h.id, "toss", payment_key, h.amount, &attempt);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
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
        bc_payments_attempt_set(db, attempt, "RESOLVED", "INVALID_KEY");
        bc_res_error(req, 422, "VALIDATION_FAILED", "'payment_key' is not a valid payment key");
        goto out;
    }
    if (rc == BC_EBUSY) { /* the breaker opened meanwhile: nothing was sent */
        bc_payments_attempt_set(db, attempt, "RESOLVED", "NOT_SENT");
        send_unavailable(req, res.retry_after_s);
        goto out;
    }
    bc_toss_answer ans;
    bc_toss_read_confirm(&res, payment_key, h.amount, &ans);
    if (rc == BC_OK && ans.verdict == BC_TOSS_APPROVED) {
        settle_approved(req, &h, payment_key, res.body);
        goto out;
    }
    if (rc == BC_OK && ans.verdict == BC_TOSS_DECLINED &&
        !(ans.code && strcmp(ans.code, "ALREADY_PROCESSED_PAYMENT") == 0)) {
        char msg[400];
        const char *gcode = ans.code ? ans.code : "DECLINED";
        bc_payments_attempt_set(db, attempt, "DECLINED", gcode);
        if (is_card_decline(ans.code)) {
            rc = bc_order_fail_payment(db, h.id, ans.code);
            if (rc != BC_OK && rc != BC_ECONFLICT)
                bc_log_error("payments", "order %s: could not mark PAYMENT_FAILED (%d)", h.order_id, rc);
        }
        snprintf(msg, sizeof msg, "%s: %s", gcode, ans.message ? ans.message : "the payment was declined");
        send_gateway_error(req, 402, "PAYMENT_DECLINED", msg, gcode);
        goto out;
    }
    /* no answer, a 5xx, ALREADY_PROCESSED_PAYMENT or an unexpected payment: the outcome is unknown,
     * so ask the gateway what it holds for this paymentKey before saying anything */
    rc = bc_toss_get(payment_key, &check);
    const char *coid = json_string_value(json_object_get(check.body, "orderId"));
    if (rc == BC_OK && check.http_status == 200 && coid && strcmp(coid, h.order_id) == 0) {
        const char *st = json_string_value(json_object_get(check.body, "status"));
        if (st && strcmp(st, "DONE") == 0) {
            settle_approved(req, &h, payment_key, check.body);
            goto out;
        }
        char what[256];
        /* not charged: ABORTED/EXPIRED close the attempt; IN_PROGRESS leaves it open (the confirm
         * may still be executing at the gateway), for reconciliation */
        bc_payments_attempt_set(db, attempt, "UNKNOWN", ans.code);
        bc_payments_converge(db, check.body, what, sizeof what);
    } else if (rc == BC_OK && check.http_status == 404) {
        bc_payments_attempt_set(db, attempt, "RESOLVED", "NOT_FOUND_PAYMENT");
    } else {
        bc_payments_attempt_set(db, attempt, "UNKNOWN", ans.code);
    }
    if (ans.verdict == BC_TOSS_UNEXPECTED)
        bc_log_error("payments", "order %s: unexpected confirm answer (status %s)", h.order_id,
                     ans.status ? ans.status : "?");
    if (rc == BC_EBUSY) {
        send_unavailable(req, check.retry_after_s);
        goto out;
    }
    send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR",
                       ans.message ? ans.message : "the payment gateway could not be reached", ans.code);
out:
    json_decref(check.body);
    json_decref(res.body);
}

/* The common end of a webhook, from the gateway's answer (rc, res: a Toss-shaped Payment) to the
 * re-fetch of the payment the body named: 200 "ignored" when the gateway knows no such payment, 503
 * while the breaker is open, 502 when it could not be asked; otherwise the delivery is deduplicated by
 * the fetched state (provider, payment id, status, lastTransactionKey; pay_id NULL = the fetched
 * paymentKey): a replay is 200 "duplicate"; else the order is converged (bc_payments_converge) and the
 * fix named in the 200 answer. A convergence that could not finish forgets the delivery, so the
 * gateway's retry gets in. event is the recorded event type. */
static void webhook_settle(bc_req *req, int rc, const bc_pg_result *res, const char *provider, const char *event,
                           const char *pay_id)
{
    bc_db *db = bc_req_db(req);
    char dedupe[400], what[256] = "";
    if (rc == BC_EINVAL || (rc == BC_OK && res->http_status == 404)) {
        bc_res_json(req, 200, json_pack("{s:s,s:s}", "result", "ignored", "detail", "no such payment at the gateway"));
        return;
    }
    if (rc == BC_EBUSY) {
        send_unavailable(req, res->retry_after_s);
        return;
    }
    if (rc != BC_OK || res->http_status != 200 || !json_is_object(res->body)) {
        bc_res_error(req, 502, "PAYMENT_GATEWAY_ERROR", "could not re-fetch the payment from the gateway");
        return;
    }
    if (!pay_id)
        pay_id = json_string_value(json_object_get(res->body, "paymentKey"));
    const char *status = json_string_value(json_object_get(res->body, "status"));
    const char *tx = json_string_value(json_object_get(res->body, "lastTransactionKey"));
    snprintf(dedupe, sizeof dedupe, "%s:%s:%s:%s", provider, pay_id ? pay_id : "?", status ? status : "?",
             tx ? tx : "-");
    rc = bc_payments_webhook_first(db, dedupe, event, pay_id);
    if (rc == 0) {
        bc_res_json(req, 200, json_pack("{s:s,s:s}", "result", "duplicate", "detail", "already handled"));
        return;
    }
    if (rc < 0) {
        bc_res_from_err(req, rc);
        return;
    }
    int fix = bc_payments_converge(db, res->body, what, sizeof what);
    if (fix < 0 || fix == BC_PAY_UNREACHED) {
        bc_payments_webhook_forget(db, dedupe); /* let the gateway's retry in */
        if (fix < 0)
            bc_res_from_err(req, fix);
        else
            bc_res_error(req, 502, "PAYMENT_GATEWAY_ERROR", "%s", what);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:s,s:s}", "result", bc_payments_fix_name(fix), "detail", what));
}

/* POST /api/v1/payments/webhooks/toss: a Toss webhook (PAYMENT_STATUS_CHANGED {eventType, createdAt,
 * data: Payment}, CANCEL_STATUS_CHANGED, DEPOSIT_CALLBACK {orderId, status, …}). Not signed, so the body
 * only names the payment: it is re-fetched from the gateway with the secret key and the order is
 * converged to that answer (bc_payments_converge). Deliveries are deduplicated by the fetched state
 * (paymentKey, status, lastTransactionKey): a replay is answered 200 without doing anything again; an
 * old event arriving after a newer one converges to the current state, the same as the newer one did.
 * 200 when handled or nothing to do (so Toss stops retrying); 503/502 when the gateway could not be
 * asked (Toss retries later); 400 for a body that names no payment. */
static void h_webhook(bc_req *req)
{
    size_t len;
    const char *text = bc_req_body(req, &len);
    json_error_t jerr;
    json_t *body = len ? json_loadb(text, len, 0, &jerr) : NULL;
    bc_pg_result res = {0};
    const char *event = json_string_value(json_object_get(body, "eventType"));
    json_t *data = json_object_get(body, "data");
    const char *key = json_string_value(json_object_get(data, "paymentKey"));
    const char *order_id = json_string_value(json_object_get(json_is_object(data) ? data : body, "orderId"));
    int rc;
    if (!json_is_object(body) || (!key && !order_id)) {
        bc_res_error(req, 400, "INVALID_WEBHOOK", "the body names no payment (data.paymentKey or orderId)");
        goto out;
    }
    if (!event)
        event = "DEPOSIT_CALLBACK";
    rc = key ? bc_toss_get(key, &res) : bc_order_id_valid(order_id) ? bc_toss_get_by_order(order_id, &res) : BC_EINVAL;
    webhook_settle(req, rc, &res, "toss", event, NULL);
out:
    json_decref(res.body);
    json_decref(body);
}

/* POST /api/v1/payments/prepare {order_id}: registers the order's amount at the gateway before the
 * browser pays (PortOne POST /payments/prepare, so a payment of another amount fails there); Toss
 * needs nothing (its confirm carries the amount). 200 {provider, order_id, amount}. */
static void h_prepare(bc_req *req)
{
    const char *order_id = json_string_value(json_object_get(bc_req_json(req), "order_id"));
    bc_db *db = bc_req_db(req);
    bc_order_head h;
    bc_pg_result res = {0};
    int rc = bc_order_id_valid(order_id) ? bc_order_head_by_order_id(db, order_id, &h) : BC_ENOTFOUND;
    if (rc == BC_OK && h.buyer_id != bc_req_auth(req)->user_id)
        rc = BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "ORDER_NOT_FOUND", "no such order");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    if (!bc_order_can_pay(h.status)) {
        bc_res_error(req, 409, "ORDER_NOT_PAYABLE", "an order in status %s cannot be paid", h.status);
        return;
    }
    int portone = strcmp(bc_cfg.payment_provider, "portone") == 0;
    if (portone) {
        rc = bc_portone_prepare(h.order_id, h.amount, &res);
        json_t *code = json_object_get(res.body, "code");
        if (rc == BC_EBUSY) {
            send_unavailable(req, res.retry_after_s);
            goto out;
        }
        if (rc != BC_OK || res.http_status != 200 || json_integer_value(code) != 0) {
            const char *m = json_string_value(json_object_get(res.body, "message"));
            send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR", m ? m : "the gateway refused the prepare", NULL);
            goto out;
        }
    }
    bc_res_json(req, 200,
                json_pack("{s:s,s:s,s:I}", "provider", portone ? "portone" : "toss", "order_id", h.order_id, "amount",
                          (json_int_t)h.amount));
out:
    json_decref(res.body);
}

/* POST /api/v1/payments/webhooks/portone {imp_uid, merchant_uid, status} (PortOne v1 webhook, JSON or
 * form; not signed): the payment is re-fetched by imp_uid and converged, deduplicated like Toss's. */
static void h_webhook_portone(bc_req *req)
{
    size_t len;
    const char *text = bc_req_body(req, &len);
    json_error_t jerr;
    json_t *body = len ? json_loadb(text, len, 0, &jerr) : NULL;
    const char *imp = json_string_value(json_object_get(body, "imp_uid"));
    bc_pg_result res = {0};
    if (!imp)
        imp = bc_req_form(req, "imp_uid");
    if (!imp || strncmp(imp, "imp_", 4) != 0) {
        bc_res_error(req, 400, "INVALID_WEBHOOK", "the body names no payment (imp_uid)");
        goto out;
    }
    webhook_settle(req, bc_pg_get(imp, &res), &res, "portone", "portone", imp);
out:
    json_decref(res.body);
    json_decref(body);
}

static const bc_field prepare_body[] = {
    {"order_id", BC_F_STR, 1, 6, 64, "the order's orderId (merchant_uid at PortOne)", .text = BC_TEXT_OPAQUE},
    {NULL},
};

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
                                     "PAYMENT_DECLINED", "PAYMENT_GATEWAY_ERROR", "PAYMENT_GATEWAY_UNAVAILABLE", NULL}},
    {"POST", "/api/v1/payments/webhooks/toss", 0, 0, NULL, h_webhook, "payments",
     "Toss webhook (register this URL at Toss): the payment is re-fetched from the gateway, deliveries are "
     "deduplicated and the order converged to the gateway's state",
     200, .response = &bc_sc_pay_webhook, .req_type = "application/json",
     .errors = (const char *const[]){"INVALID_WEBHOOK", "PAYMENT_GATEWAY_ERROR", "PAYMENT_GATEWAY_UNAVAILABLE", NULL}},
    {"POST", "/api/v1/payments/webhooks/portone", 0, 0, NULL, h_webhook_portone, "payments",
     "PortOne v1 webhook {imp_uid, merchant_uid, status}: re-fetched, deduplicated and converged like Toss's", 200,
     .response = &bc_sc_pay_webhook, .req_type = "application/json application/x-www-form-urlencoded",
     .errors = (const char *const[]){"INVALID_WEBHOOK", "PAYMENT_GATEWAY_ERROR", "PAYMENT_GATEWAY_UNAVAILABLE", NULL}},
    {"POST", "/api/v1/payments/prepare", BC_ROLE_BUYER, 0, prepare_body, h_prepare, "payments",
     "Register the order's amount at the gateway before paying (PortOne prepare; nothing for Toss)", 200,
     .response = &bc_sc_pay_prepare,
     .errors = (const char *const[]){"ORDER_NOT_FOUND", "ORDER_NOT_PAYABLE", "PAYMENT_GATEWAY_ERROR",
                                     "PAYMENT_GATEWAY_UNAVAILABLE", NULL}},
    {NULL},
};
