/* Routes of points: my balance and history, the daily attendance check, charges (their confirm
 * and prepare handlers live in points_charge.c) and the admin's rates and adjustments. No SQL here. */
#include <string.h>

#include "../accounts/accounts.h"
#include "../audit/audit.h"
#include "points.h"
#include "points_int.h"

/* GET /api/v1/me/points → {balance, expiring_soon, checked_in_today, rates}. */
static void h_me_points(bc_req *req)
{
    int64_t uid = bc_req_auth(req)->user_id, now = bc_now_ms(), bal = 0, soon = 0;
    bc_points_rates r;
    json_t *days = NULL;
    char today[11];
    bc_points_kst_date(now, today);
    if (bc_points_balance(bc_req_db(req), uid, now, &bal, &soon) != BC_OK ||
        bc_points_rates_get(bc_req_db(req), &r) != BC_OK ||
        bc_points_attendance_days(bc_req_db(req), uid, today, today, &days) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    bc_res_json(req, 200,
                json_pack("{s:I,s:I,s:b,s:s,s:{s:I,s:I,s:I,s:I}}", "balance", (json_int_t)bal, "expiring_soon",
                          (json_int_t)soon, "checked_in_today", json_array_size(days) > 0, "today", today, "rates",
                          "purchase_bp", (json_int_t)r.purchase_bp, "review_text", (json_int_t)r.review_text,
                          "review_photo", (json_int_t)r.review_photo, "attendance", (json_int_t)r.attendance));
    json_decref(days);
}

/* A from/to query value: an ISO-8601 time, or a date YYYY-MM-DD meaning the start of that
 * Asia/Seoul day (to: the end of it). Returns BC_OK (0 when absent) or BC_EINVAL. */
static int time_param(const char *v, int end_of_day, int64_t *out, char date[11])
{
    *out = 0;
    date[0] = 0;
    if (!v)
        return BC_OK;
    if (strlen(v) == 10 && bc_points_kst_day_start(v, out) == BC_OK) {
        snprintf(date, 11, "%s", v);
        if (end_of_day)
            *out += 86400000LL;
        return BC_OK;
    }
    if (bc_time_parse(v, out) != BC_OK)
        return BC_EINVAL;
    bc_points_kst_date(end_of_day ? *out - 1 : *out, date);
    return BC_OK;
}

/* GET /api/v1/me/points/history?from=&to=&page=&per_page= → a page of ledger rows, newest first;
 * with both from and to also attendance (the Asia/Seoul dates checked in within them). */
static void h_history(bc_req *req)
{
    int64_t uid = bc_req_auth(req)->user_id, from = 0, to = 0;
    char fd[11], td[11];
    json_t *out = NULL, *days = NULL;
    if (time_param(bc_req_query_str(req, "from"), 0, &from, fd) != BC_OK ||
        time_param(bc_req_query_str(req, "to"), 1, &to, td) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'from' and 'to' take a date YYYY-MM-DD or an ISO-8601 time");
        return;
    }
    if (from && to && to <= from) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'to' must be after 'from'");
        return;
    }
    int rc = bc_points_history(bc_req_db(req), uid, from, to, bc_req_query_int(req, "page", 1),
                               bc_req_query_int(req, "per_page", 100), &out);
    if (rc == BC_OK && from && to)
        rc = bc_points_attendance_days(bc_req_db(req), uid, fd, td, &days);
    if (rc != BC_OK) {
        json_decref(out);
        bc_res_from_err(req, rc);
        return;
    }
    json_object_set_new(out, "attendance", days ? days : json_array());
    bc_res_json(req, 200, out);
}

/* POST /api/v1/me/attendance → 201 {kst_date, points, balance}; 409 ALREADY_CHECKED_IN. */
static void h_attend(bc_req *req)
{
    int64_t now = bc_now_ms(), points = 0, bal = 0;
    char today[11];
    bc_points_kst_date(now, today);
    int rc = bc_points_attend(bc_req_db(req), bc_req_auth(req)->user_id, now, &points, &bal);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "ALREADY_CHECKED_IN", "you already checked in today (%s, Asia/Seoul)", today);
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(
        req, 201,
        json_pack("{s:s,s:I,s:I}", "kst_date", today, "points", (json_int_t)points, "balance", (json_int_t)bal));
}

/* POST /api/v1/me/points/charges {amount} → 201 the PENDING charge (order_id = its charge id). */
static void h_charge_create(bc_req *req)
{
    json_t *c = NULL;
    int64_t amount = json_integer_value(json_object_get(bc_req_json(req), "amount"));
    int rc = points_store_charge_create(bc_req_db(req), bc_req_auth(req)->user_id, amount, &c);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 201, points_charge_json(c));
}

/* GET /api/v1/me/points/charges → {items}: my 20 newest charges. */
static void h_charges(bc_req *req)
{
    json_t *rows = NULL, *r;
    size_t i;
    if (points_store_charge_list(bc_req_db(req), bc_req_auth(req)->user_id, &rows) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    json_array_foreach (rows, i, r)
        points_charge_json(json_incref(r)), json_decref(r);
    bc_res_json(req, 200, json_pack("{s:o}", "items", rows));
}

static json_t *rates_json(const bc_points_rates *r)
{
    json_t *o = json_pack("{s:I,s:I,s:I,s:I}", "purchase_bp", (json_int_t)r->purchase_bp, "review_text",
                          (json_int_t)r->review_text, "review_photo", (json_int_t)r->review_photo, "attendance",
                          (json_int_t)r->attendance);
    json_object_set_new(o, "updated_at", r->updated_at ? json_integer(r->updated_at) : json_null());
    return o;
}

/* GET /api/v1/admin/points/rates */
static void h_rates_get(bc_req *req)
{
    bc_points_rates r;
    if (bc_points_rates_get(bc_req_db(req), &r) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    bc_res_json(req, 200, rates_json(&r));
}

/* PUT /api/v1/admin/points/rates {purchase_bp, review_text, review_photo, attendance}: fields left
 * out keep their value. */
static void h_rates_put(bc_req *req)
{
    json_t *b = bc_req_json(req), *v;
    bc_points_rates r;
    if (bc_points_rates_get(bc_req_db(req), &r) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    json_t *before = rates_json(&r), *after = NULL;
    if ((v = json_object_get(b, "purchase_bp")) && json_is_integer(v))
        r.purchase_bp = json_integer_value(v);
    if ((v = json_object_get(b, "review_text")) && json_is_integer(v))
        r.review_text = json_integer_value(v);
    if ((v = json_object_get(b, "review_photo")) && json_is_integer(v))
        r.review_photo = json_integer_value(v);
    if ((v = json_object_get(b, "attendance")) && json_is_integer(v))
        r.attendance = json_integer_value(v);
    int rc = bc_points_rates_set(bc_req_db(req), &r, bc_req_auth(req)->user_id);
    if (rc == BC_OK)
        rc = bc_points_rates_get(bc_req_db(req), &r);
    if (rc == BC_OK) /* audit: right after the write */
        rc = bc_audit_record(bc_req_db(req), bc_req_auth(req), "points.rates", "points_rates", 0, before,
                             after = rates_json(&r), NULL);
    json_decref(before);
    if (rc != BC_OK) {
        json_decref(after);
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, after);
}

/* PATCH /api/v1/admin/users/{id}/points {amount, reason}: an ADJUST row (amount > 0 credits a lot,
 * < 0 debits, refused with 409 INSUFFICIENT_POINTS beyond the balance). */
static void h_adjust(bc_req *req)
{
    json_t *b = bc_req_json(req);
    int64_t uid = 0, amount = json_integer_value(json_object_get(b, "amount")), entry = 0, bal = 0, soon = 0;
    const char *reason = json_string_value(json_object_get(b, "reason"));
    int role = 0, blocked = 0;
    char ref[40];
    if (bc_req_param_id(req, "id", &uid) != BC_OK ||
        bc_accounts_status(bc_req_db(req), uid, &role, &blocked) == BC_ENOTFOUND) {
        bc_res_error(req, 404, "NOT_FOUND", "no such user");
        return;
    }
    if (amount == 0) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'amount' must not be 0");
        return;
    }
    snprintf(ref, sizeof ref, "admin:%lld", (long long)bc_req_auth(req)->user_id);
    int64_t bal0 = 0;
    int rc = bc_points_balance(bc_req_db(req), uid, bc_now_ms(), &bal0, &soon);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    rc = amount > 0 ? bc_points_credit(bc_req_db(req), uid, "ADJUST", amount, reason, ref, NULL, &entry)
                    : bc_points_debit(bc_req_db(req), uid, "ADJUST", -amount, reason, ref, &entry);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "INSUFFICIENT_POINTS", "the user has fewer than %lld points", (long long)-amount);
        return;
    }
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'reason' must be 1 to 200 characters of text");
        return;
    }
    if (rc == BC_OK)
        rc = bc_points_balance(bc_req_db(req), uid, bc_now_ms(), &bal, &soon);
    if (rc == BC_OK) { /* audit: right after the write */
        json_t *before = json_pack("{s:I}", "balance", (json_int_t)bal0),
               *after = json_pack("{s:I,s:I,s:I}", "balance", (json_int_t)bal, "amount", (json_int_t)amount,
                                  "ledger_id", (json_int_t)entry);
        rc = bc_audit_record(bc_req_db(req), bc_req_auth(req), "points.adjust", "user", uid, before, after, reason);
        json_decref(before);
        json_decref(after);
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200,
                json_pack("{s:I,s:I,s:I,s:I}", "user_id", (json_int_t)uid, "balance", (json_int_t)bal, "ledger_id",
                          (json_int_t)entry, "expiring_soon", (json_int_t)soon));
}

#define DT "{\"type\":\"string\",\"format\":\"date-time\"}"
#define DT_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"

static const bc_schema sc_rates = {
    "PointsRates",
    "{\"type\":\"object\",\"required\":[\"purchase_bp\",\"review_text\",\"review_photo\",\"attendance\"],"
    "\"properties\":{\"purchase_bp\":{\"type\":\"integer\",\"description\":\"purchase earn rate, basis points of the "
    "paid KRW (100 = 1 %)\"},\"review_text\":{\"type\":\"integer\",\"description\":\"points of a text review\"},"
    "\"review_photo\":{\"type\":\"integer\",\"description\":\"points of a photo review\"},\"attendance\":{\"type\":"
    "\"integer\",\"description\":\"points of a daily attendance check\"},\"updated_at\":" DT_OR_NULL "}}",
    NULL};
static const bc_schema sc_me = {
    "MyPoints",
    "{\"type\":\"object\",\"required\":[\"balance\",\"expiring_soon\",\"checked_in_today\",\"today\",\"rates\"],"
    "\"properties\":{\"balance\":{\"type\":\"integer\",\"description\":\"points (1 point = 1 KRW)\"},"
    "\"expiring_soon\":{\"type\":\"integer\",\"description\":\"points of the balance expiring within 30 days\"},"
    "\"checked_in_today\":{\"type\":\"boolean\"},\"today\":{\"type\":\"string\",\"description\":\"today in "
    "Asia/Seoul, YYYY-MM-DD\"},\"rates\":{\"$ref\":\"#/components/schemas/PointsRates\"}}}",
    (const bc_schema *const[]){&sc_rates, NULL}};
static const bc_schema sc_history = {
    "PointsHistory",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\",\"attendance\"],\"properties\":{"
    "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\",\"kind\",\"amount\",\"reason\","
    "\"ref\",\"balance_after\",\"created_at\",\"expires_at\",\"kst_date\"],\"properties\":{\"id\":" INT
    ",\"kind\":{\"type\":\"string\",\"enum\":[\"EARN\",\"SPEND\",\"EXPIRE\",\"CHARGE\",\"ADJUST\",\"REFUND\"]},"
    "\"amount\":{\"type\":\"integer\",\"description\":\"signed points\"},\"reason\":" STR
    ",\"ref\":{\"type\":[\"string\",\"null\"],\"description\":\"what it is for: order:<orderId>, charge:<id>, "
    "attendance:<date>, review:<id>...\"},\"balance_after\":" INT ",\"created_at\":" DT ",\"expires_at\":" DT_OR_NULL
    ",\"kst_date\":{\"type\":\"string\",\"description\":\"the Asia/Seoul date of created_at\"}}}},\"page\":" INT
    ",\"per_page\":" INT ",\"total\":" INT ",\"attendance\":{\"type\":\"array\",\"items\":" STR
    ",\"description\":\"Asia/Seoul dates checked in between from and to (empty without both)\"}}}",
    NULL};
static const bc_schema sc_attend = {
    "Attendance",
    "{\"type\":\"object\",\"required\":[\"kst_date\",\"points\",\"balance\"],\"properties\":{\"kst_date\":" STR
    ",\"points\":" INT ",\"balance\":" INT "}}",
    NULL};
#define CHARGE_PROPS                                                                                                   \
    "\"id\":" INT ",\"charge_id\":" STR ",\"order_id\":{\"type\":\"string\",\"description\":\"the orderId for the "    \
    "payment window (= charge_id)\"},\"order_name\":" STR ",\"amount\":{\"type\":\"integer\",\"description\":\"KRW "   \
    "to pay = points credited\"},\"status\":{\"type\":\"string\",\"enum\":[\"PENDING\",\"PAID\"]},\"payment_key\":{"   \
    "\"type\":[\"string\",\"null\"]},\"method\":{\"type\":[\"string\",\"null\"]},\"created_at\":" DT                   \
    ",\"paid_at\":" DT_OR_NULL
static const bc_schema sc_charge = {
    "PointsCharge",
    "{\"type\":\"object\",\"required\":[\"id\",\"charge_id\",\"order_id\",\"order_name\",\"amount\",\"status\"],"
    "\"properties\":{" CHARGE_PROPS ",\"balance\":{\"type\":\"integer\",\"description\":\"my balance after the "
    "confirm\"}}}",
    NULL};
static const bc_schema sc_charges = {
    "PointsCharges",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":"
    "\"array\",\"items\":{\"$ref\":\"#/components/schemas/PointsCharge\"}}}}",
    (const bc_schema *const[]){&sc_charge, NULL}};
static const bc_schema sc_adjusted = {
    "PointsAdjusted",
    "{\"type\":\"object\",\"required\":[\"user_id\",\"balance\",\"ledger_id\",\"expiring_soon\"],\"properties\":{"
    "\"user_id\":" INT ",\"balance\":" INT ",\"ledger_id\":" INT ",\"expiring_soon\":" INT "}}",
    NULL};

static const bc_field history_query[] = {
    {"from", BC_F_STR, 0, 1, 40, "from this Asia/Seoul date YYYY-MM-DD or ISO-8601 time (inclusive)",
     .text = BC_TEXT_OPAQUE, .example = "\"2025-05-01\""},
    {"to", BC_F_STR, 0, 1, 40, "to this Asia/Seoul date YYYY-MM-DD (inclusive) or ISO-8601 time (exclusive)",
     .text = BC_TEXT_OPAQUE, .example = "\"2025-05-31\""},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 500, "page size", .def = "100"},
    {NULL},
};
static const bc_field charge_body[] = {
    {"amount", BC_F_INT, 1, 1000, 1000000, "KRW to pay, the points to credit (1,000..1,000,000)"}, {NULL}};
static const bc_field confirm_body[] = {
    {"payment_key", BC_F_STR, 1, 1, 200, "paymentKey from the success redirect", .text = BC_TEXT_OPAQUE},
    {"order_id", BC_F_STR, 1, 6, 64, "orderId from the success redirect (the charge id)", .text = BC_TEXT_OPAQUE},
    {"amount", BC_F_INT, 1, 0, 0, "amount from the success redirect, KRW (must equal the charge amount)"},
    {NULL},
};
static const bc_field rates_body[] = {
    {"purchase_bp", BC_F_INT, 0, 0, 10000, "purchase earn rate, basis points of the paid KRW (100 = 1 %)"},
    {"review_text", BC_F_INT, 0, 0, 100000, "points of a text review"},
    {"review_photo", BC_F_INT, 0, 0, 100000, "points of a photo review"},
    {"attendance", BC_F_INT, 0, 0, 100000, "points of a daily attendance check"},
    {NULL},
};
static const bc_field adjust_body[] = {
    {"amount", BC_F_INT, 1, -BC_POINTS_MAX, BC_POINTS_MAX, "points to add (> 0) or take (< 0); not 0"},
    {"reason", BC_F_STR, 1, 1, 200, "why (shown to the user in their history)"},
    {NULL},
};

#define GATEWAY_ERRORS "PAYMENT_DECLINED", "PAYMENT_GATEWAY_ERROR", "PAYMENT_GATEWAY_UNAVAILABLE"

const bc_route bc_points_routes[] = {
    {"GET", "/api/v1/me/points", BC_ROLE_ANY, 0, NULL, h_me_points, "points",
     "My points: balance, what expires within 30 days, today's attendance and the rates", 200, .response = &sc_me},
    {"GET", "/api/v1/me/points/history", BC_ROLE_ANY, 0, NULL, h_history, "points",
     "My points history (ledger rows, newest first) between from and to; with both, the attendance dates too", 200,
     .query = history_query, .response = &sc_history},
    {"POST", "/api/v1/me/attendance", BC_ROLE_ANY, 0, NULL, h_attend, "points",
     "Daily attendance check: once per Asia/Seoul day, earns the attendance points", 201, .response = &sc_attend,
     .errors = (const char *const[]){"ALREADY_CHECKED_IN", NULL}},
    {"POST", "/api/v1/me/points/charges", BC_ROLE_ANY, 0, charge_body, h_charge_create, "points",
     "Start charging points: a PENDING charge whose order_id the payment window takes, like an order's", 201,
     .response = &sc_charge, .location = "/api/v1/me/points/charges"},
    {"GET", "/api/v1/me/points/charges", BC_ROLE_ANY, 0, NULL, h_charges, "points", "My 20 newest charges", 200,
     .response = &sc_charges},
    {"POST", "/api/v1/me/points/charges/confirm", BC_ROLE_ANY, 0, confirm_body, points_h_charge_confirm, "points",
     "Confirm a charge's payment after the success redirect; the points are credited once (a retry answers the same)",
     200, .response = &sc_charge,
     .errors =
         (const char *const[]){"CHARGE_NOT_FOUND", "CHARGE_NOT_PAYABLE", "AMOUNT_MISMATCH", GATEWAY_ERRORS, NULL}},
    {"POST", "/api/v1/me/points/charges/{charge}/prepare", BC_ROLE_ANY, 0, NULL, points_h_charge_prepare, "points",
     "Register the charge's amount at the gateway before paying (PortOne prepare; nothing for Toss)", 200,
     .response = &bc_sc_pay_prepare,
     .errors = (const char *const[]){"CHARGE_NOT_FOUND", "CHARGE_NOT_PAYABLE", "PAYMENT_GATEWAY_ERROR",
                                     "PAYMENT_GATEWAY_UNAVAILABLE", NULL}},
    {"GET", "/api/v1/admin/points/rates", BC_ROLE_ADMIN, 0, NULL, h_rates_get, "admin",
     "The points rates: purchase earn rate, review and attendance points", 200, .response = &sc_rates},
    {"PUT", "/api/v1/admin/points/rates", BC_ROLE_ADMIN, 0, rates_body, h_rates_put, "admin",
     "Set the points rates (fields left out keep their value)", 200, .response = &sc_rates},
    {"PATCH", "/api/v1/admin/users/{id}/points", BC_ROLE_ADMIN, 0, adjust_body, h_adjust, "admin",
     "Adjust a user's points (ADJUST row in their history)", 200, .response = &sc_adjusted,
     .errors = (const char *const[]){"INSUFFICIENT_POINTS", NULL}},
    {NULL},
};
