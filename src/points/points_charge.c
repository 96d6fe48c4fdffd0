/* Charging points through the payment gateway: the same Toss / PortOne flow as an order (the web
 * client opens the payment window with the charge id as orderId and comes back with paymentKey),
 * then this confirm route approves it with the gateway functions of src/payments and credits the
 * points exactly once (the charge's conditional PENDING -> PAID update and the ledger row with
 * idem_key "charge:<id>" are one transaction). Payment webhooks reach bc_points_charge_converge
 * through the payments module's hook for orderIds that are no order. No SQL here. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../payments/payments.h"
#include "points.h"
#include "points_int.h"

static void charge_name(int64_t amount, char *out, size_t len)
{
    char digits[32], grouped[48];
    snprintf(digits, sizeof digits, "%lld", (long long)amount);
    size_t n = strlen(digits), w = 0;
    for (size_t i = 0; i < n && w + 2 < sizeof grouped; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[w++] = ',';
        grouped[w++] = digits[i];
    }
    grouped[w] = 0;
    snprintf(out, len, "포인트 충전 %sP", grouped);
}

json_t *points_charge_json(json_t *row)
{
    char name[80];
    if (!row)
        return NULL;
    charge_name(json_integer_value(json_object_get(row, "amount")), name, sizeof name);
    json_object_set(row, "order_id", json_object_get(row, "charge_id"));
    json_object_set_new(row, "order_name", json_string(name));
    json_object_del(row, "user_id");
    return row;
}

/* "<prefix>-<charge id>-<16 hex of BLAKE2b(paymentKey)>": one Idempotency-Key per (charge, payment). */
static void idem_key(const char *prefix, const char *charge_id, const char *payment_key, char *out, size_t len)
{
    unsigned char d[8];
    char hex[17];
    crypto_generichash(d, sizeof d, (const unsigned char *)payment_key, strlen(payment_key), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    snprintf(out, len, "%s-%s-%s", prefix, charge_id, hex);
}

int bc_points_charge_converge(bc_db *db, json_t *payment, char *what, size_t wl)
{
    const char *key = json_string_value(json_object_get(payment, "paymentKey"));
    const char *order_id = json_string_value(json_object_get(payment, "orderId"));
    const char *status = json_string_value(json_object_get(payment, "status"));
    json_t *total_v = json_object_get(payment, "totalAmount"), *c = NULL;
    int64_t total = json_is_integer(total_v) ? json_integer_value(total_v) : -1;
    int fix = BC_PAY_IN_STEP;
    snprintf(what, wl, "in step");
    if (!bc_points_is_charge_id(order_id))
        return BC_ENOTFOUND;
    if (!key || !status) {
        snprintf(what, wl, "not a payment object");
        return BC_EINVAL;
    }
    int rc = points_store_charge_get(db, order_id, &c);
    if (rc == BC_ENOTFOUND) {
        snprintf(what, wl, "payment %s names unknown charge %s", key, order_id);
        return BC_PAY_REPORTED;
    }
    if (rc != BC_OK)
        return rc;
    int64_t id = json_integer_value(json_object_get(c, "id"));
    int64_t amount = json_integer_value(json_object_get(c, "amount"));
    const char *ckey = json_string_value(json_object_get(c, "payment_key"));
    int paid = strcmp(json_string_value(json_object_get(c, "status")), "PAID") == 0;
    int with_this = paid && ckey && strcmp(ckey, key) == 0;
    if (strcmp(status, "DONE") == 0) {
        if (with_this)
            goto out;
        if (!paid && total == amount) {
            const char *method = json_string_value(json_object_get(payment, "method"));
            rc = points_store_charge_paid(db, id, key, method, NULL);
            if (rc == BC_OK) {
                snprintf(what, wl, "charge PAID: %lld points credited", (long long)amount);
                fix = BC_PAY_MARKED_PAID;
                goto out;
            }
            if (rc != BC_ECONFLICT) {
                fix = rc;
                goto out;
            }
            json_decref(c);
            c = NULL;
            if (points_store_charge_get(db, order_id, &c) != BC_OK) {
                fix = BC_ERR;
                goto out;
            }
            ckey = json_string_value(json_object_get(c, "payment_key"));
            if (ckey && strcmp(ckey, key) == 0)
                goto out; /* a concurrent confirm of the same payment won */
        }
        /* approved money the charge cannot take: another payment already paid it, or another amount */
        char idem[160];
        bc_pg_cancel_result cr;
        idem_key("refund", order_id, key, idem, sizeof idem);
        if (bc_pg_cancel(key, total != amount ? "결제 금액 불일치 (amount mismatch)" : "중복 결제 (duplicate payment)",
                         0, idem, &cr) != BC_OK) {
            snprintf(what, wl, "refund of %s refused locally (bad arguments)", key);
            fix = BC_PAY_REPORTED;
        } else if (cr.outcome == BC_PG_DONE) {
            snprintf(what, wl, "refunded (the charge cannot take this payment)");
            fix = BC_PAY_REFUNDED;
        } else if (cr.outcome == BC_PG_REFUSED) {
            snprintf(what, wl, "refund refused by the gateway: %s %s", cr.code, cr.message);
            bc_log_error("points", "charge %s: refund of an orphan payment refused: %s", order_id, cr.code);
            fix = BC_PAY_REPORTED;
        } else {
            snprintf(what, wl, "refund not done: gateway %s",
                     cr.outcome == BC_PG_UNAVAILABLE ? "unavailable" : "unreachable");
            fix = BC_PAY_UNREACHED;
        }
        goto out;
    }
    if ((strcmp(status, "CANCELED") == 0 || strcmp(status, "PARTIAL_CANCELED") == 0) && with_this) {
        snprintf(what, wl, "cancelled at the gateway after %lld points were credited: left to a person",
                 (long long)amount);
        bc_log_warn("points", "charge %s: %s", order_id, what);
        fix = BC_PAY_REPORTED;
        goto out;
    }
    snprintf(what, wl, "not charged (gateway status %s)", status);
    fix = paid ? BC_PAY_IN_STEP : BC_PAY_NOT_CHARGED;
out:
    json_decref(c);
    return fix;
}

/* Sends {"error":{code, message[, gateway_code]}}. */
static void send_gateway_error(bc_req *req, int status, const char *code, const char *message, const char *gcode)
{
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", message);
    if (gcode)
        json_object_set_new(e, "gateway_code", json_string(gcode));
    bc_res_json(req, status, json_pack("{s:o}", "error", e));
}

static void send_unavailable(bc_req *req, int retry_after_s)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry_after_s > 0 ? retry_after_s : 1);
    bc_res_error(req, 503, "PAYMENT_GATEWAY_UNAVAILABLE", "the payment gateway is unavailable; retry in %s s", ra);
    bc_res_header(req, "Retry-After", ra);
}

/* Answers with the charge (200, plus the balance) when it is PAID with payment_key; else 409. */
static void send_settled(bc_req *req, const char *charge_id, const char *payment_key)
{
    json_t *c = NULL;
    int64_t bal = 0, soon = 0;
    int rc = points_store_charge_get(bc_req_db(req), charge_id, &c);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    const char *ckey = json_string_value(json_object_get(c, "payment_key"));
    if (strcmp(json_string_value(json_object_get(c, "status")), "PAID") != 0 || !ckey ||
        strcmp(ckey, payment_key) != 0) {
        json_decref(c);
        bc_res_error(req, 409, "CHARGE_NOT_PAYABLE", "the charge is already paid with another payment");
        return;
    }
    if (bc_points_balance(bc_req_db(req), bc_req_auth(req)->user_id, bc_now_ms(), &bal, &soon) != BC_OK) {
        json_decref(c);
        bc_res_from_err(req, BC_ERR);
        return;
    }
    c = points_charge_json(c);
    json_object_set_new(c, "balance", json_integer(bal));
    bc_res_json(req, 200, c);
}

/* The charge of the caller named by charge_id into *out, or answers 404 and returns non-OK. */
static int own_charge(bc_req *req, const char *charge_id, json_t **out)
{
    *out = NULL;
    int rc = bc_points_is_charge_id(charge_id) ? points_store_charge_get(bc_req_db(req), charge_id, out) : BC_ENOTFOUND;
    if (rc == BC_OK && json_integer_value(json_object_get(*out, "user_id")) != bc_req_auth(req)->user_id)
        rc = BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "CHARGE_NOT_FOUND", "no such charge");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    if (rc != BC_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* POST /api/v1/me/points/charges/confirm {payment_key, order_id, amount}: after the payment
 * window's success redirect (order_id is the charge id). Toss: POST /v1/payments/confirm with an
 * Idempotency-Key per (charge, paymentKey); PortOne: the payment is fetched and checked. The
 * approved payment is converged (bc_points_charge_converge). A retry after success answers from
 * the database without calling the gateway. */
void points_h_charge_confirm(bc_req *req)
{
    json_t *body = bc_req_json(req), *c = NULL, *payment = NULL;
    const char *key = json_string_value(json_object_get(body, "payment_key"));
    const char *charge_id = json_string_value(json_object_get(body, "order_id"));
    int64_t amount = json_integer_value(json_object_get(body, "amount"));
    bc_pg_result res = {0}, check = {0};
    bc_db *db = bc_req_db(req);
    char what[256], idem[160];
    if (own_charge(req, charge_id, &c) != BC_OK)
        return;
    int64_t id = json_integer_value(json_object_get(c, "id"));
    int64_t want = json_integer_value(json_object_get(c, "amount"));
    if (strcmp(json_string_value(json_object_get(c, "status")), "PAID") == 0) {
        send_settled(req, charge_id, key); /* idempotent: no second gateway call */
        goto out;
    }
    if (amount != want) {
        bc_res_error(req, 400, "AMOUNT_MISMATCH", "the amount %lld does not match the charge amount %lld",
                     (long long)amount, (long long)want);
        goto out;
    }
    int retry_after = bc_toss_breaker_retry_after();
    if (retry_after > 0) {
        send_unavailable(req, retry_after);
        goto out;
    }
    /* recorded before the gateway call: if this process dies after the approval, the sweeper
     * asks the gateway and credits the charge */
    int rc = points_store_charge_begin(db, id, key, bc_now_ms());
    if (rc == BC_ECONFLICT) {
        send_settled(req, charge_id, key);
        goto out;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    if (strcmp(bc_pg_provider_of(key), "portone") == 0) {
        rc = bc_pg_get(key, &res);
        if (rc == BC_EINVAL) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'payment_key' is not a valid imp_uid");
            goto out;
        }
        if (rc == BC_OK && res.http_status == 200)
            payment = res.body;
        else if (rc == BC_OK && res.http_status == 404) {
            send_gateway_error(req, 402, "PAYMENT_DECLINED", "NOT_FOUND_PAYMENT: no such payment", "NOT_FOUND_PAYMENT");
            goto out;
        }
    } else {
        idem_key("confirm", charge_id, key, idem, sizeof idem);
        rc = bc_toss_confirm(key, charge_id, want, idem, &res);
        if (rc == BC_EINVAL) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'payment_key' is not a valid payment key");
            goto out;
        }
        bc_toss_answer ans;
        bc_toss_read_confirm(&res, key, want, &ans);
        if (rc == BC_OK && ans.verdict == BC_TOSS_APPROVED) {
            payment = res.body;
        } else if (rc == BC_OK && ans.verdict == BC_TOSS_DECLINED &&
                   !(ans.code && strcmp(ans.code, "ALREADY_PROCESSED_PAYMENT") == 0)) {
            char msg[400];
            const char *gcode = ans.code ? ans.code : "DECLINED";
            snprintf(msg, sizeof msg, "%s: %s", gcode, ans.message ? ans.message : "the payment was declined");
            points_store_charge_unbegin(db, id);
            send_gateway_error(req, 402, "PAYMENT_DECLINED", msg, gcode);
            goto out;
        } else if (rc != BC_EBUSY) {
            /* no answer, a 5xx or ALREADY_PROCESSED_PAYMENT: ask what the gateway holds */
            rc = bc_toss_get(key, &check);
            if (rc == BC_OK && check.http_status == 200)
                payment = check.body;
            else if (rc == BC_OK && check.http_status == 404) {
                points_store_charge_unbegin(db, id);
                send_gateway_error(req, 402, "PAYMENT_DECLINED", "NOT_FOUND_PAYMENT: no such payment",
                                   "NOT_FOUND_PAYMENT");
                goto out;
            }
        }
    }
    if (!payment) {
        if (rc == BC_EBUSY)
            send_unavailable(req, res.retry_after_s ? res.retry_after_s : check.retry_after_s);
        else
            send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR", "the payment gateway could not be reached", NULL);
        goto out;
    }
    const char *poid = json_string_value(json_object_get(payment, "orderId"));
    if (!poid || strcmp(poid, charge_id) != 0) {
        send_gateway_error(req, 402, "PAYMENT_DECLINED", "NOT_FOUND_PAYMENT: no such payment for this charge",
                           "NOT_FOUND_PAYMENT");
        goto out;
    }
    int fix = bc_points_charge_converge(db, payment, what, sizeof what);
    if (fix < 0) {
        bc_res_from_err(req, fix);
        goto out;
    }
    const char *st = json_string_value(json_object_get(payment, "status"));
    if (st && strcmp(st, "DONE") != 0) {
        if (strcmp(st, "IN_PROGRESS") != 0 && strcmp(st, "READY") != 0)
            points_store_charge_unbegin(db, id);
        send_gateway_error(req, 402, "PAYMENT_DECLINED", "the payment is not paid", st);
        goto out;
    }
    if (fix == BC_PAY_REFUNDED || fix == BC_PAY_UNREACHED || fix == BC_PAY_REPORTED)
        bc_log_warn("points", "charge %s: approved payment not taken: %s", charge_id, what);
    send_settled(req, charge_id, key);
out:
    json_decref(c);
    json_decref(res.body);
    json_decref(check.body);
}

/* POST /api/v1/me/points/charges/{charge}/prepare: registers the charge's amount at PortOne
 * (POST /payments/prepare) before the browser pays; nothing for Toss. 200 {provider, order_id, amount}. */
void points_h_charge_prepare(bc_req *req)
{
    json_t *c = NULL;
    bc_pg_result res = {0};
    const char *charge_id = bc_req_param(req, "charge");
    if (own_charge(req, charge_id, &c) != BC_OK)
        return;
    int64_t amount = json_integer_value(json_object_get(c, "amount"));
    if (strcmp(json_string_value(json_object_get(c, "status")), "PENDING") != 0) {
        bc_res_error(req, 409, "CHARGE_NOT_PAYABLE", "the charge is already paid");
        goto out;
    }
    int portone = strcmp(bc_cfg.payment_provider, "portone") == 0;
    if (portone) {
        int rc = bc_portone_prepare(charge_id, amount, &res);
        if (rc == BC_EBUSY) {
            send_unavailable(req, res.retry_after_s);
            goto out;
        }
        if (rc != BC_OK || res.http_status != 200 || json_integer_value(json_object_get(res.body, "code")) != 0) {
            const char *m = json_string_value(json_object_get(res.body, "message"));
            send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR", m ? m : "the gateway refused the prepare", NULL);
            goto out;
        }
    }
    bc_res_json(req, 200,
                json_pack("{s:s,s:s,s:I}", "provider", portone ? "portone" : "toss", "order_id", charge_id, "amount",
                          (json_int_t)amount));
out:
    json_decref(c);
    json_decref(res.body);
}

void points_charge_settle_stale(bc_db *db, int64_t now_ms)
{
    json_t *rows = NULL, *r;
    size_t i;
    if (points_store_charges_stale(db, now_ms - 7LL * 86400000, now_ms - 2LL * bc_cfg.pg_timeout_ms, &rows) != BC_OK)
        return;
    json_array_foreach (rows, i, r) {
        const char *key = json_string_value(json_object_get(r, "payment_key"));
        const char *charge_id = json_string_value(json_object_get(r, "charge_id"));
        int64_t id = json_integer_value(json_object_get(r, "id"));
        bc_pg_result res = {0};
        char what[256];
        if (!key) {
            points_store_charge_unbegin(db, id);
            continue;
        }
        int rc = bc_pg_get(key, &res);
        const char *oid = json_string_value(json_object_get(res.body, "orderId"));
        const char *st = json_string_value(json_object_get(res.body, "status"));
        if (rc == BC_OK && res.http_status == 200 && oid && strcmp(oid, charge_id) == 0) {
            int fix = bc_points_charge_converge(db, res.body, what, sizeof what);
            if (fix == BC_PAY_MARKED_PAID)
                bc_log_info("points", "charge %s: %s", charge_id, what);
            if (st && strcmp(st, "DONE") != 0 && strcmp(st, "IN_PROGRESS") != 0 && strcmp(st, "READY") != 0)
                points_store_charge_unbegin(db, id);
        } else if (rc == BC_EINVAL || (rc == BC_OK && (res.http_status == 404 || res.http_status == 200))) {
            points_store_charge_unbegin(db, id); /* the gateway holds no such payment of this charge */
        }
        json_decref(res.body);
    }
    json_decref(rows);
}
