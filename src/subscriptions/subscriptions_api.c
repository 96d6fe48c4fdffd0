/* Routes of subscriptions: the plans (public list, the operator's CRUD), the billing auth that
 * starts a card registration, subscribing (billing key issued, first period charged at once), my
 * subscriptions, cancel at the end of the period and resume. No SQL here. */
#include <sodium.h>
#include <string.h>

#include "../audit/audit.h"
#include "../payments/payments.h"
#include "subscriptions.h"
#include "subscriptions_int.h"

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t num(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* The API shape of a plan row (steals row). */
static json_t *plan_json(json_t *p)
{
    if (!p)
        return NULL;
    json_object_set_new(p, "active", json_boolean(num(p, "active")));
    if (strcmp(str(p, "period"), "DAYS") != 0)
        json_object_set_new(p, "period_days", json_null());
    return p;
}

/* The API shape of a subscription row (steals row): booleans, the next payment time as the user
 * sees it (ACTIVE: the end of the period unless cancelled; PAST_DUE: the retry) and, with
 * payments, its payment rows. */
static json_t *sub_json(bc_db *db, json_t *s, int with_payments)
{
    if (!s)
        return NULL;
    const char *status = str(s, "status");
    int cancel = (int)num(s, "cancel_at_period_end");
    json_t *next = json_null();
    if (strcmp(status, "ACTIVE") == 0 && !cancel)
        next = json_integer(num(s, "current_period_end"));
    else if (strcmp(status, "PAST_DUE") == 0)
        next = json_integer(num(s, "next_payment_at"));
    json_object_set_new(s, "next_payment_at", next);
    json_object_set_new(s, "cancel_at_period_end", json_boolean(cancel));
    if (strcmp(str(s, "period"), "DAYS") != 0)
        json_object_set_new(s, "period_days", json_null());
    json_object_del(s, "user_id");
    if (with_payments) {
        json_t *pays = NULL;
        if (sub_store_payments(db, num(s, "id"), &pays) != BC_OK)
            pays = json_array();
        json_object_set_new(s, "payments", pays);
    }
    return s;
}

/* ---- plans ---- */

/* GET /api/v1/subscription-plans → {items}: the active plans, cheapest first. */
static void plans_list(bc_req *req, int active_only)
{
    json_t *rows = NULL, *r;
    size_t i;
    if (sub_store_plan_list(bc_req_db(req), active_only, &rows) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    json_array_foreach (rows, i, r)
        plan_json(r);
    bc_res_json(req, 200, json_pack("{s:o}", "items", rows));
}
static void h_plans(bc_req *req) { plans_list(req, 1); }
static void h_admin_plans(bc_req *req) { plans_list(req, 0); }

/* Answers the plan id (200), or 404. */
static void send_plan(bc_req *req, int64_t id, int status)
{
    json_t *p = NULL;
    int rc = sub_store_plan_get(bc_req_db(req), id, &p);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "SUBSCRIPTION_PLAN_NOT_FOUND", "no such subscription plan");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, status, plan_json(p));
}

/* Audits a change of plan id right after the write: before as read (borrowed, may be NULL), after
 * as it is now. */
static int audit(bc_req *req, const char *action, int64_t id, json_t *before)
{
    json_t *after = NULL;
    if (sub_store_plan_get(bc_req_db(req), id, &after) != BC_OK)
        after = NULL;
    int rc = bc_audit_record(bc_req_db(req), bc_req_auth(req), action, "subscription_plan", id, before, after, NULL);
    json_decref(after);
    return rc;
}

/* POST /api/v1/admin/subscription-plans {name, price, period, period_days?, active?} → 201 plan. */
static void h_plan_create(bc_req *req)
{
    json_t *b = bc_req_json(req);
    json_t *active = json_object_get(b, "active");
    int64_t id = 0, days = json_integer_value(json_object_get(b, "period_days"));
    const char *period = str(b, "period");
    if (!bc_subscription_period_ok(period, days)) {
        bc_res_error(req, 422, "VALIDATION_FAILED",
                     "'period_days' (1..%d) goes with period DAYS only; MONTH and WEEK take none",
                     BC_SUBSCRIPTION_MAX_DAYS);
        return;
    }
    int rc = sub_store_plan_create(bc_req_db(req), bc_req_auth(req)->user_id, str(b, "name"), num(b, "price"), period,
                                   days, active ? json_is_true(active) : 1, &id);
    rc = rc == BC_OK ? audit(req, "subscription_plan.create", id, NULL) : rc;
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_plan(req, id, 201);
}

/* GET /api/v1/admin/subscription-plans/{id} */
static void h_plan_get(bc_req *req)
{
    int64_t id = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "SUBSCRIPTION_PLAN_NOT_FOUND", "no such subscription plan");
        return;
    }
    send_plan(req, id, 200);
}

/* PATCH /api/v1/admin/subscription-plans/{id} (fields left out keep their value; a new price applies
 * to new subscriptions, existing ones keep theirs) and DELETE (retire: active = false; existing
 * subscriptions keep renewing). */
static void plan_change(bc_req *req, int retire)
{
    json_t *b = retire ? NULL : bc_req_json(req), *v;
    int64_t id = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "SUBSCRIPTION_PLAN_NOT_FOUND", "no such subscription plan");
        return;
    }
    int active = retire ? 0 : (v = json_object_get(b, "active")) && json_is_boolean(v) ? json_is_true(v) : -1;
    int64_t price = (v = json_object_get(b, "price")) && json_is_integer(v) ? json_integer_value(v) : -1;
    int64_t days = (v = json_object_get(b, "period_days")) && json_is_integer(v) ? json_integer_value(v) : -1;
    json_t *before = NULL;
    int rc = sub_store_plan_get(bc_req_db(req), id, &before);
    if (rc == BC_OK)
        rc = sub_store_plan_update(bc_req_db(req), id, str(b, "name"), price, str(b, "period"), days, active);
    rc = rc == BC_OK ? audit(req, retire ? "subscription_plan.retire" : "subscription_plan.update", id, before) : rc;
    json_decref(before);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "SUBSCRIPTION_PLAN_NOT_FOUND", "no such subscription plan");
        return;
    }
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED",
                     "'period_days' (1..%d) goes with period DAYS only; MONTH and WEEK take none",
                     BC_SUBSCRIPTION_MAX_DAYS);
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_plan(req, id, 200);
}
static void h_plan_patch(bc_req *req) { plan_change(req, 0); }
static void h_plan_delete(bc_req *req) { plan_change(req, 1); }

/* ---- billing auth and subscribing ---- */

/* POST /api/v1/subscriptions/billing-auth {plan_id?} → {customer_key, client_key, success_url,
 * fail_url, auth_url, sdk_url, mode}: what the web client needs to open the card registration
 * (the sandbox page at auth_url, or Toss's requestBillingAuth). */
static void h_billing_auth(bc_req *req)
{
    char key[80], ok[300], fail[300];
    int64_t plan = json_integer_value(json_object_get(bc_req_json(req), "plan_id"));
    int rc = sub_store_customer_key(bc_req_db(req), bc_req_auth(req)->user_id, key, sizeof key);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    const char *base = bc_cfg.public_url[0] ? bc_cfg.public_url : bc_req_origin(req);
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    if (plan > 0)
        snprintf(ok, sizeof ok, "%.*s/#/subscriptions/done?plan=%lld", (int)n, base, (long long)plan);
    else
        snprintf(ok, sizeof ok, "%.*s/#/subscriptions/done", (int)n, base);
    snprintf(fail, sizeof fail, "%.*s/#/subscriptions/fail", (int)n, base);
    const char *page = bc_toss_billing_page();
    bc_res_json(req, 200,
                json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:s}", "customer_key", key, "client_key", bc_cfg.toss_client_key,
                          "success_url", ok, "fail_url", fail, "auth_url", page, "sdk_url",
                          "https://js.tosspayments.com/v2/standard", "mode", page ? "sandbox" : "toss"));
}

/* Sends {"error":{code, message[, gateway_code]}}. */
static void send_gateway_error(bc_req *req, int status, const char *code, const char *message, const char *gcode)
{
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", message);
    if (gcode && *gcode)
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

static void send_sub(bc_req *req, int64_t id, int status)
{
    json_t *s = NULL;
    int rc = sub_store_get(bc_req_db(req), id, &s);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, status, sub_json(bc_req_db(req), s, 1));
}

/* POST /api/v1/subscriptions {plan_id, authKey, customerKey}: issues the billing key (Toss
 * POST /v1/billing/authorizations/issue), records the subscription PENDING with its first period
 * claimed, charges it (POST /v1/billing/{billingKey}) and answers 201 ACTIVE; a declined first
 * charge ends it (402). No answer from the gateway: 502, and the sweeper settles it later. */
static void h_subscribe(bc_req *req)
{
    json_t *b = bc_req_json(req), *plan = NULL;
    bc_db *db = bc_req_db(req);
    int64_t uid = bc_req_auth(req)->user_id, plan_id = num(b, "plan_id");
    const char *auth_key = str(b, "authKey"), *customer_key = str(b, "customerKey");
    char mine[80], idem[80], hex[33], code[64], msg[256];
    unsigned char d[16];
    bc_pg_result res = {0};
    sub_claim c = {0};
    int rc = sub_store_plan_get(db, plan_id, &plan);
    if (rc == BC_ENOTFOUND || (rc == BC_OK && !num(plan, "active"))) {
        bc_res_error(req, 404, "SUBSCRIPTION_PLAN_NOT_FOUND", "no such subscription plan (or it is retired)");
        goto out;
    }
    if (rc == BC_OK)
        rc = sub_store_customer_key(db, uid, mine, sizeof mine);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    if (strcmp(mine, customer_key) != 0) {
        bc_res_error(req, 400, "CUSTOMER_KEY_MISMATCH",
                     "'customerKey' is not yours: use the one of POST /api/v1/subscriptions/billing-auth");
        goto out;
    }
    if ((rc = sub_store_live_exists(db, uid, plan_id)) != 0) {
        if (rc > 0)
            bc_res_error(req, 409, "ALREADY_SUBSCRIBED", "you already subscribe to this plan");
        else
            bc_res_from_err(req, rc);
        goto out;
    }
    int retry_after = bc_toss_breaker_retry_after();
    if (retry_after > 0) {
        send_unavailable(req, retry_after);
        goto out;
    }
    crypto_generichash(d, sizeof d, (const unsigned char *)auth_key, strlen(auth_key), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    snprintf(idem, sizeof idem, "bkey-%s", hex);
    rc = bc_toss_billing_issue(auth_key, customer_key, idem, &res);
    const char *billing_key = str(res.body, "billingKey");
    if (rc == BC_EBUSY) {
        send_unavailable(req, res.retry_after_s);
        goto out;
    }
    if (rc == BC_OK && res.http_status >= 400 && res.http_status < 500) {
        const char *gc = str(res.body, "code"), *gm = str(res.body, "message");
        snprintf(msg, sizeof msg, "%s: %s", gc ? gc : "DECLINED", gm ? gm : "the card registration was refused");
        send_gateway_error(req, 402, "PAYMENT_DECLINED", msg, gc);
        goto out;
    }
    if (rc != BC_OK || res.http_status != 200 || !billing_key || !*billing_key) {
        send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR", "the payment gateway could not issue a billing key",
                           NULL);
        goto out;
    }
    rc = sub_store_create(db, uid, plan, customer_key, billing_key, str(json_object_get(res.body, "card"), "number"),
                          bc_now_ms(), &c);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "ALREADY_SUBSCRIBED", "you already subscribe to this plan");
        goto out;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    rc = sub_run_claim(db, &c, billing_key, code, sizeof code, msg, sizeof msg);
    if (rc == SUB_PAID) {
        send_sub(req, c.sub_id, 201);
    } else if (rc == SUB_DECLINED) {
        char m[400];
        snprintf(m, sizeof m, "%s: %s", code, msg[0] ? msg : "the first payment was declined");
        send_gateway_error(req, 402, "PAYMENT_DECLINED", m, code);
    } else if (rc == SUB_UNKNOWN) {
        send_gateway_error(req, 502, "PAYMENT_GATEWAY_ERROR",
                           "the first payment's outcome is not known yet; the subscription is settled automatically",
                           NULL);
    } else {
        bc_res_from_err(req, rc);
    }
out:
    sub_claim_free(&c);
    json_decref(plan);
    json_decref(res.body);
}

/* ---- my subscriptions ---- */

/* GET /api/v1/me/subscriptions → {items}: mine, newest first, each with its payments. */
static void h_mine(bc_req *req)
{
    json_t *rows = NULL, *r;
    size_t i;
    if (sub_store_list_user(bc_req_db(req), bc_req_auth(req)->user_id, &rows) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    json_array_foreach (rows, i, r)
        sub_json(bc_req_db(req), r, 1);
    bc_res_json(req, 200, json_pack("{s:o}", "items", rows));
}

/* The caller's subscription {id}: its id into *id, or answers 404 and returns non-OK. */
static int own_sub(bc_req *req, int64_t *id)
{
    json_t *s = NULL;
    int rc = bc_req_param_id(req, "id", id) == BC_OK ? sub_store_get(bc_req_db(req), *id, &s) : BC_ENOTFOUND;
    if (rc == BC_OK && num(s, "user_id") != bc_req_auth(req)->user_id)
        rc = BC_ENOTFOUND;
    json_decref(s);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "SUBSCRIPTION_NOT_FOUND", "no such subscription of yours");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    return rc;
}

static void h_one(bc_req *req)
{
    int64_t id = 0;
    if (own_sub(req, &id) == BC_OK)
        send_sub(req, id, 200);
}

static void change(bc_req *req, int resume)
{
    int64_t id = 0;
    const char *why = "";
    if (own_sub(req, &id) != BC_OK)
        return;
    int rc = resume ? sub_store_resume(bc_req_db(req), bc_req_auth(req)->user_id, id, bc_now_ms(), &why)
                    : sub_store_cancel(bc_req_db(req), bc_req_auth(req)->user_id, id, bc_now_ms(), &why);
    if (rc == BC_ECONFLICT && strcmp(why, "busy") == 0) {
        bc_res_error(req, 409, "SUBSCRIPTION_BUSY", "a payment of this subscription is in progress; try again shortly");
        return;
    }
    if (rc == BC_ECONFLICT && resume) {
        bc_res_error(req, 409, "SUBSCRIPTION_NOT_RESUMABLE", "only an active subscription can be resumed");
        return;
    }
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "SUBSCRIPTION_NOT_CANCELABLE", "the subscription has ended already");
        return;
    }
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "SUBSCRIPTION_NOT_FOUND", "no such subscription of yours");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_sub(req, id, 200);
}
/* POST /api/v1/me/subscriptions/{id}/cancel: ACTIVE → stays ACTIVE until the end of the period, then
 * ENDED with no further charge; PAST_DUE → CANCELED at once (no more retries). Idempotent. */
static void h_cancel(bc_req *req) { change(req, 0); }
/* POST /api/v1/me/subscriptions/{id}/resume: undoes a pending cancel. Idempotent. */
static void h_resume(bc_req *req) { change(req, 1); }

/* ---- schemas and the route table ---- */

#define DT "{\"type\":\"string\",\"format\":\"date-time\"}"
#define DT_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"
#define STR_OR_NULL "{\"type\":[\"string\",\"null\"]}"
#define PERIOD "{\"type\":\"string\",\"enum\":[\"MONTH\",\"WEEK\",\"DAYS\"]}"
#define DAYS_OR_NULL "{\"type\":[\"integer\",\"null\"],\"description\":\"days of a DAYS period\"}"

static const bc_schema sc_plan = {
    "SubscriptionPlan",
    "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"price\",\"period\",\"period_days\",\"active\"],"
    "\"properties\":{\"id\":" INT ",\"name\":" STR ",\"price\":{\"type\":\"integer\",\"description\":\"KRW per "
    "period\"},\"period\":" PERIOD ",\"period_days\":" DAYS_OR_NULL ",\"active\":{\"type\":\"boolean\"},"
    "\"created_at\":" DT ",\"updated_at\":" DT "}}",
    NULL};
static const bc_schema sc_plans = {"SubscriptionPlans",
                                   "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":"
                                   "\"array\",\"items\":{\"$ref\":\"#/components/schemas/SubscriptionPlan\"}}}}",
                                   (const bc_schema *const[]){&sc_plan, NULL}};
static const bc_schema sc_billing_auth = {
    "SubscriptionBillingAuth",
    "{\"type\":\"object\",\"required\":[\"customer_key\",\"client_key\",\"success_url\",\"fail_url\",\"auth_url\","
    "\"sdk_url\",\"mode\"],\"properties\":{\"customer_key\":{\"type\":\"string\",\"description\":\"my Toss "
    "customerKey (random, the same every time)\"},\"client_key\":" STR ",\"success_url\":{\"type\":\"string\","
    "\"description\":\"where the card registration returns with customerKey and authKey\"},\"fail_url\":" STR
    ",\"auth_url\":{\"type\":[\"string\",\"null\"],\"description\":\"the sandbox's card registration page (mode "
    "sandbox), or null: call the SDK's requestBillingAuth\"},\"sdk_url\":" STR
    ",\"mode\":{\"type\":\"string\",\"enum\":[\"sandbox\",\"toss\"]}}}",
    NULL};
static const bc_schema sc_sub_payment = {
    "SubscriptionPayment",
    "{\"type\":\"object\",\"required\":[\"id\",\"period_no\",\"period_start\",\"period_end\",\"order_id\",\"amount\","
    "\"status\",\"attempts\"],\"properties\":{\"id\":" INT ",\"period_no\":" INT ",\"period_start\":" DT
    ",\"period_end\":" DT ",\"order_id\":{\"type\":\"string\",\"description\":\"the Toss orderId of the period\"},"
    "\"amount\":{\"type\":\"integer\",\"description\":\"KRW\"},\"status\":{\"type\":\"string\",\"enum\":[\"PENDING\","
    "\"DONE\",\"FAILED\"]},\"attempts\":" INT ",\"failure_code\":" STR_OR_NULL ",\"failure_message\":" STR_OR_NULL
    ",\"paid_at\":" DT_OR_NULL ",\"created_at\":" DT "}}",
    NULL};
static const bc_schema sc_sub = {
    "Subscription",
    "{\"type\":\"object\",\"required\":[\"id\",\"plan_id\",\"plan_name\",\"amount\",\"period\",\"status\","
    "\"current_period_start\",\"current_period_end\",\"next_payment_at\",\"cancel_at_period_end\",\"retry_count\"],"
    "\"properties\":{\"id\":" INT ",\"plan_id\":" INT ",\"plan_name\":" STR ",\"amount\":{\"type\":\"integer\","
    "\"description\":\"KRW per period\"},\"period\":" PERIOD ",\"period_days\":" DAYS_OR_NULL
    ",\"status\":{\"type\":\"string\",\"enum\":[\"PENDING\",\"ACTIVE\",\"PAST_DUE\",\"CANCELED\",\"ENDED\"]},"
    "\"current_period_start\":" DT ",\"current_period_end\":" DT
    ",\"next_payment_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"description\":\"the next "
    "charge: the end of the period (ACTIVE, not cancelled) or the retry (PAST_DUE); null otherwise\"},"
    "\"cancel_at_period_end\":{\"type\":\"boolean\"},\"canceled_at\":" DT_OR_NULL ",\"ended_at\":" DT_OR_NULL
    ",\"retry_count\":{\"type\":\"integer\",\"description\":\"declined charges of the unpaid period\"},"
    "\"last_failure_code\":" STR_OR_NULL ",\"last_failure_message\":" STR_OR_NULL
    ",\"card_number\":{\"type\":[\"string\",\"null\"],\"description\":\"masked\"},\"created_at\":" DT
    ",\"payments\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/SubscriptionPayment\"}}}}",
    (const bc_schema *const[]){&sc_sub_payment, NULL}};
static const bc_schema sc_subs = {"Subscriptions",
                                  "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":"
                                  "\"array\",\"items\":{\"$ref\":\"#/components/schemas/Subscription\"}}}}",
                                  (const bc_schema *const[]){&sc_sub, NULL}};

static const char *const periods[] = {"MONTH", "WEEK", "DAYS", NULL};
static const bc_field plan_body[] = {
    {"name", BC_F_STR, 1, 1, 60, "plan name shown to buyers", .example = "\"월간 멤버십\""},
    {"price", BC_F_INT, 1, 1, BC_SUBSCRIPTION_MAX_PRICE, "KRW per period"},
    {"period", BC_F_STR, 1, 0, 0, "MONTH (calendar month, Asia/Seoul), WEEK, or DAYS (period_days)", .enums = periods},
    {"period_days", BC_F_INT, 0, 1, BC_SUBSCRIPTION_MAX_DAYS, "days of a DAYS period"},
    {"active", BC_F_BOOL, 0, 0, 0, "offered to buyers (default true)"},
    {NULL},
};
static const bc_field plan_patch[] = {
    {"name", BC_F_STR, 0, 1, 60, "plan name shown to buyers"},
    {"price", BC_F_INT, 0, 1, BC_SUBSCRIPTION_MAX_PRICE, "KRW per period (new subscriptions; existing keep theirs)"},
    {"period", BC_F_STR, 0, 0, 0, "MONTH, WEEK or DAYS (new subscriptions)", .enums = periods},
    {"period_days", BC_F_INT, 0, 1, BC_SUBSCRIPTION_MAX_DAYS, "days of a DAYS period"},
    {"active", BC_F_BOOL, 0, 0, 0, "offered to buyers"},
    {NULL},
};
static const bc_field auth_body[] = {
    {"plan_id", BC_F_INT, 0, 1, INT64_MAX, "the plan chosen (carried in success_url)"},
    {NULL},
};
static const bc_field subscribe_body[] = {
    {"plan_id", BC_F_INT, 1, 1, INT64_MAX, "the plan to subscribe to"},
    {"authKey", BC_F_STR, 1, 1, 300, "authKey from the card registration's success redirect", .text = BC_TEXT_OPAQUE},
    {"customerKey", BC_F_STR, 1, 2, 300, "customerKey from the success redirect (mine, from billing-auth)",
     .text = BC_TEXT_OPAQUE},
    {NULL},
};

#define PLAN_ERRORS                                                                                                    \
    (const char *const[]) { "SUBSCRIPTION_PLAN_NOT_FOUND", NULL }
#define SUB_ERRORS                                                                                                     \
    (const char *const[]) { "SUBSCRIPTION_NOT_FOUND", NULL }

const bc_route bc_subscription_routes[] = {
    {"GET", "/api/v1/subscription-plans", 0, 0, NULL, h_plans, "subscriptions",
     "The subscription plans on offer, cheapest first", 200, .response = &sc_plans},
    {"GET", "/api/v1/admin/subscription-plans", BC_ROLE_ADMIN, 0, NULL, h_admin_plans, "admin",
     "Every subscription plan (retired ones too)", 200, .response = &sc_plans},
    {"POST", "/api/v1/admin/subscription-plans", BC_ROLE_ADMIN, 0, plan_body, h_plan_create, "admin",
     "Create a subscription plan: a price in KRW per period (a month, a week or period_days days)", 201,
     .response = &sc_plan, .location = "/api/v1/admin/subscription-plans/{id}"},
    {"GET", "/api/v1/admin/subscription-plans/{id}", BC_ROLE_ADMIN, 0, NULL, h_plan_get, "admin",
     "One subscription plan", 200, .response = &sc_plan, .errors = PLAN_ERRORS},
    {"PATCH", "/api/v1/admin/subscription-plans/{id}", BC_ROLE_ADMIN, 0, plan_patch, h_plan_patch, "admin",
     "Edit a subscription plan (existing subscriptions keep their price and period)", 200, .response = &sc_plan,
     .errors = PLAN_ERRORS},
    {"DELETE", "/api/v1/admin/subscription-plans/{id}", BC_ROLE_ADMIN, 0, NULL, h_plan_delete, "admin",
     "Retire a subscription plan (no new subscriptions; existing ones keep renewing)", 200, .response = &sc_plan,
     .errors = PLAN_ERRORS},
    {"POST", "/api/v1/subscriptions/billing-auth", BC_ROLE_ANY, 0, auth_body, h_billing_auth, "subscriptions",
     "Start registering a card for automatic payments: my customerKey and where the registration returns", 200,
     .response = &sc_billing_auth},
    {"POST", "/api/v1/subscriptions", BC_ROLE_ANY, 0, subscribe_body, h_subscribe, "subscriptions",
     "Subscribe with the card just registered: the billing key is issued and the first period charged at once", 201,
     .response = &sc_sub, .location = "/api/v1/me/subscriptions/{id}",
     .errors = (const char *const[]){"SUBSCRIPTION_PLAN_NOT_FOUND", "CUSTOMER_KEY_MISMATCH", "ALREADY_SUBSCRIBED",
                                     "PAYMENT_DECLINED", "PAYMENT_GATEWAY_ERROR", "PAYMENT_GATEWAY_UNAVAILABLE", NULL}},
    {"GET", "/api/v1/me/subscriptions", BC_ROLE_ANY, 0, NULL, h_mine, "subscriptions",
     "My subscriptions, newest first, with status, next payment and payments", 200, .response = &sc_subs},
    {"GET", "/api/v1/me/subscriptions/{id}", BC_ROLE_ANY, 0, NULL, h_one, "subscriptions", "One of my subscriptions",
     200, .response = &sc_sub, .errors = SUB_ERRORS},
    {"POST", "/api/v1/me/subscriptions/{id}/cancel", BC_ROLE_ANY, 0, NULL, h_cancel, "subscriptions",
     "Cancel at the end of the period (stays ACTIVE until then, then ENDED; a PAST_DUE one is CANCELED at once)", 200,
     .response = &sc_sub,
     .errors =
         (const char *const[]){"SUBSCRIPTION_NOT_FOUND", "SUBSCRIPTION_NOT_CANCELABLE", "SUBSCRIPTION_BUSY", NULL}},
    {"POST", "/api/v1/me/subscriptions/{id}/resume", BC_ROLE_ANY, 0, NULL, h_resume, "subscriptions",
     "Undo a pending cancel before the period ends", 200, .response = &sc_sub,
     .errors =
         (const char *const[]){"SUBSCRIPTION_NOT_FOUND", "SUBSCRIPTION_NOT_RESUMABLE", "SUBSCRIPTION_BUSY", NULL}},
    {NULL},
};
