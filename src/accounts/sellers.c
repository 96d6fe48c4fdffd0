/* Seller applications, shop profiles and public store pages (issue 9): routes and their SQL
 * (tables seller_applications, seller_profiles; the role change on users). A buyer applies with the
 * shop's facts; the business number, contact and settlement account are sealed (bc_seal, OWNERS
 * contract: ad "seller_applications.sealed:<id>", lookup hash of the number in business_hash); an
 * admin approves (role seller, a seller_profiles row, a notice) or rejects with a reason. */
#include <sodium.h>
#include <string.h>

#include "../notices/notices.h"
#include "../audit/audit.h"
#include "accounts.h"
#include "accounts_int.h"

int bc_seller_business_number_check(const char *in, char out[11])
{
    static const int w[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};
    int d[10], n = 0;
    for (const char *p = in; p && *p; p++) {
        if (*p == '-')
            continue;
        if (*p < '0' || *p > '9' || n >= 10)
            return BC_EINVAL;
        d[n++] = *p - '0';
    }
    if (n != 10)
        return BC_EINVAL;
    int sum = 0;
    for (int i = 0; i < 9; i++)
        sum += d[i] * w[i];
    sum += d[8] * 5 / 10; /* the carry of the 9th digit times 5 */
    if ((10 - sum % 10) % 10 != d[9])
        return BC_EINVAL;
    for (int i = 0; i < 10; i++)
        out[i] = (char)('0' + d[i]);
    out[10] = 0;
    return BC_OK;
}

/* Keeps the digits of in (hyphens and spaces dropped) in out (cap bytes); BC_EINVAL for any other
 * character or a count outside min..max. */
static int digits_only(const char *in, char *out, size_t cap, size_t min, size_t max)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        if (*p < '0' || *p > '9' || n + 1 >= cap)
            return BC_EINVAL;
        out[n++] = *p;
    }
    out[n] = 0;
    return n >= min && n <= max ? BC_OK : BC_EINVAL;
}

/* ---- store ---- */

typedef struct apply_args {
    int64_t user_id;
    const char *shop_name, *representative, *plain, *bhash;
    int64_t id; /* out */
} apply_args;

/* One open (PENDING) application per user; insert-then-seal (the ad names the row id). */
static int apply_tx(bc_db *db, void *arg)
{
    apply_args *a = arg;
    char *sealed = NULL, ad[64];
    int64_t open = 0;
    int rc = bc_db_int(db, &open, "SELECT COUNT(*) FROM seller_applications WHERE user_id = ? AND status = 'PENDING'",
                       "i", a->user_id);
    if (rc < 0)
        goto out;
    if (open > 0) {
        rc = BC_ECONFLICT;
        goto out;
    }
    int64_t now = bc_now_ms();
    rc = bc_db_int(db, &a->id,
                   "INSERT INTO seller_applications (user_id, status, shop_name, representative, sealed, business_hash,"
                   " created_at, updated_at) VALUES (?, 'PENDING', ?, ?, '', ?, ?, ?) RETURNING id",
                   "itttii", a->user_id, a->shop_name, a->representative, a->bhash, now, now);
    if (rc != 1) {
        rc = rc < 0 ? rc : BC_ERR;
        goto out;
    }
    snprintf(ad, sizeof ad, "seller_applications.sealed:%lld", (long long)a->id);
    if ((rc = bc_seal(ad, a->plain, &sealed)) != BC_OK)
        goto out;
    rc = bc_db_exec(db, "UPDATE seller_applications SET sealed = ? WHERE id = ?", "ti", sealed, a->id);
    rc = rc < 0 ? rc : BC_OK;
out:
    free(sealed);
    return rc;
}

/* Opens row's sealed facts into row itself (business_number, contact_phone, ...); drops the sealed
 * columns. A value that cannot be opened leaves the facts out. */
static void open_facts(json_t *row)
{
    char ad[64], *plain = NULL;
    snprintf(ad, sizeof ad, "seller_applications.sealed:%lld",
             (long long)json_integer_value(json_object_get(row, "id")));
    const char *sealed = json_string_value(json_object_get(row, "sealed"));
    if (sealed && bc_seal_open(ad, sealed, &plain) == BC_OK) {
        json_t *facts = json_loads(plain, 0, NULL);
        if (json_is_object(facts))
            json_object_update(row, facts);
        json_decref(facts);
        bc_seal_free_plain(plain);
    }
    json_object_del(row, "sealed");
    json_object_del(row, "business_hash");
}

#define APP_COLS                                                                                                       \
    "a.id, a.user_id, a.status, a.shop_name, a.representative, a.sealed, a.business_hash, a.reason, a.created_at,"     \
    " a.decided_at, a.updated_at, u.email AS user_email, u.name AS user_name"

int bc_seller_application_latest(bc_db *db, int64_t user_id, json_t **out)
{
    *out = NULL;
    int rc = accounts_row_rc(bc_db_row(db, out,
                                       "SELECT " APP_COLS " FROM seller_applications a JOIN users u ON u.id = a.user_id"
                                       " WHERE a.user_id = ? ORDER BY a.id DESC LIMIT 1",
                                       "i", user_id));
    if (rc == BC_OK)
        open_facts(*out);
    return rc;
}

static int application_get(bc_db *db, int64_t id, json_t **out)
{
    *out = NULL;
    int rc = accounts_row_rc(bc_db_row(
        db, out, "SELECT " APP_COLS " FROM seller_applications a JOIN users u ON u.id = a.user_id WHERE a.id = ?", "i",
        id));
    if (rc == BC_OK)
        open_facts(*out);
    return rc;
}

int bc_seller_application_list(bc_db *db, const char *status, json_t **out)
{
    *out = NULL;
    int rc = status ? bc_db_rows(db, out,
                                 "SELECT " APP_COLS " FROM seller_applications a JOIN users u ON u.id = a.user_id"
                                 " WHERE a.status = ? ORDER BY a.id LIMIT 200",
                                 "t", status)
                    : bc_db_rows(db, out,
                                 "SELECT " APP_COLS " FROM seller_applications a JOIN users u ON u.id = a.user_id"
                                 " ORDER BY a.id DESC LIMIT 200",
                                 "");
    if (rc < 0)
        return rc;
    size_t i;
    json_t *row;
    json_array_foreach (*out, i, row)
        open_facts(row);
    return BC_OK;
}

typedef struct decide_args {
    int64_t id, admin_id;
    const char *reason; /* NULL: approve */
    int64_t user_id;    /* out */
} decide_args;

/* Approves or rejects a PENDING application: the status change is conditional on PENDING, so two
 * admins deciding at once decide once (the other gets BC_ECONFLICT). Approval makes the user a
 * seller with a shop profile named after the application (kept when one exists). */
static int decide_tx(bc_db *db, void *arg)
{
    decide_args *a = arg;
    json_t *row = NULL;
    int64_t now = bc_now_ms();
    int rc = accounts_row_rc(
        bc_db_row(db, &row, "SELECT user_id, shop_name, status FROM seller_applications WHERE id = ?", "i", a->id));
    if (rc != BC_OK)
        goto out;
    a->user_id = json_integer_value(json_object_get(row, "user_id"));
    const char *shop = json_string_value(json_object_get(row, "shop_name"));
    rc = bc_db_exec(db,
                    "UPDATE seller_applications SET status = ?, reason = ?, decided_by = ?, decided_at = ?,"
                    " updated_at = ? WHERE id = ? AND status = 'PENDING'",
                    "ttiiii", a->reason ? "REJECTED" : "APPROVED", a->reason, a->admin_id, now, now, a->id);
    if (rc != 1) {
        rc = rc < 0 ? rc : BC_ECONFLICT;
        goto out;
    }
    char text[600];
    if (a->reason) {
        snprintf(text, sizeof text, "판매자 신청이 반려되었습니다: %s", a->reason);
        rc = bc_notice_add(db, a->user_id, "seller.REJECTED", 0, NULL, text);
        goto out;
    }
    if ((rc = bc_db_exec(db, "UPDATE users SET role = 'seller' WHERE id = ? AND role = 'buyer'", "i", a->user_id)) < 0)
        goto out;
    if ((rc = bc_db_exec(db,
                         "INSERT INTO seller_profiles (seller_id, shop_name, updated_at) VALUES (?, ?, ?)"
                         " ON CONFLICT (seller_id) DO NOTHING",
                         "iti", a->user_id, shop, now)) < 0)
        goto out;
    snprintf(text, sizeof text, "판매자 신청이 승인되었습니다. 이제 '%s' 상점을 운영할 수 있습니다.", shop);
    rc = bc_notice_add(db, a->user_id, "seller.APPROVED", 0, NULL, text);
out:
    json_decref(row);
    return rc;
}

int bc_seller_application_decide(bc_db *db, int64_t id, int64_t admin_id, const char *reason, int64_t *user_id)
{
    decide_args a = {id, admin_id, reason, 0};
    int rc = bc_db_tx(db, decide_tx, &a);
    if (rc == BC_OK && !reason)
        bc_accounts_cache_refresh(db, a.user_id); /* the new role applies to the next request */
    *user_id = a.user_id;
    return rc;
}

int bc_seller_store_get(bc_db *db, int64_t seller_id, json_t **out)
{
    *out = NULL;
    int rc = accounts_row_rc(
        bc_db_row(db, out,
                  "SELECT u.id, u.name, u.created_at, p.shop_name, p.intro, p.logo_url, p.shipping_policy,"
                  " (SELECT COUNT(*) FROM seller_follows f WHERE f.seller_id = u.id) AS followers"
                  " FROM users u LEFT JOIN seller_profiles p ON p.seller_id = u.id"
                  " WHERE u.id = ? AND u.role = 'seller' AND u.blocked = 0 AND u.deleted_at IS NULL",
                  "i", seller_id));
    if (rc != BC_OK)
        return rc;
    if (!json_is_string(json_object_get(*out, "shop_name"))) /* a seller from before shop profiles */
        json_object_set(*out, "shop_name", json_object_get(*out, "name"));
    if (!json_is_string(json_object_get(*out, "intro")))
        json_object_set_new(*out, "intro", json_string(""));
    if (!json_is_string(json_object_get(*out, "shipping_policy")))
        json_object_set_new(*out, "shipping_policy", json_string(""));
    return BC_OK;
}

typedef struct shop_args {
    int64_t seller_id;
    json_t *body;
} shop_args;

static int shop_tx(bc_db *db, void *arg)
{
    shop_args *a = arg;
    int64_t now = bc_now_ms();
    json_t *name = json_object_get(a->body, "shop_name"), *intro = json_object_get(a->body, "intro"),
           *logo = json_object_get(a->body, "logo_url"), *ship = json_object_get(a->body, "shipping_policy");
    /* the profile row exists from approval; a seller made by an admin gets one named after them */
    int rc = bc_db_exec(db,
                        "INSERT INTO seller_profiles (seller_id, shop_name, updated_at)"
                        " SELECT id, name, ? FROM users WHERE id = ? ON CONFLICT (seller_id) DO NOTHING",
                        "ii", now, a->seller_id);
    if (rc >= 0 && json_is_string(name))
        rc = bc_db_exec(db, "UPDATE seller_profiles SET shop_name = ? WHERE seller_id = ?", "ti",
                        json_string_value(name), a->seller_id);
    if (rc >= 0 && json_is_string(intro))
        rc = bc_db_exec(db, "UPDATE seller_profiles SET intro = ? WHERE seller_id = ?", "ti", json_string_value(intro),
                        a->seller_id);
    if (rc >= 0 && (json_is_string(logo) || json_is_null(logo)))
        rc = bc_db_exec(db, "UPDATE seller_profiles SET logo_url = ? WHERE seller_id = ?", "ti",
                        json_string_value(logo), a->seller_id);
    if (rc >= 0 && json_is_string(ship))
        rc = bc_db_exec(db, "UPDATE seller_profiles SET shipping_policy = ? WHERE seller_id = ?", "ti",
                        json_string_value(ship), a->seller_id);
    if (rc >= 0)
        rc = bc_db_exec(db, "UPDATE seller_profiles SET updated_at = ? WHERE seller_id = ?", "ii", now, a->seller_id);
    return rc < 0 ? rc : BC_OK;
}

int bc_seller_shop_update(bc_db *db, int64_t seller_id, json_t *body)
{
    shop_args a = {seller_id, body};
    return bc_db_tx(db, shop_tx, &a);
}

/* ---- routes ---- */

static void h_apply(bc_req *req)
{
    json_t *b = bc_req_json(req);
    const char *bn = json_string_value(json_object_get(b, "business_number"));
    const char *phone_in = json_string_value(json_object_get(b, "contact_phone"));
    const char *email = json_string_value(json_object_get(b, "contact_email"));
    const char *account_in = json_string_value(json_object_get(b, "bank_account"));
    char number[11], phone[16], account[40], bhash[BC_SEAL_LOOKUP_LEN + 1];
    char *plain = NULL;
    json_t *facts = NULL, *app = NULL;
    if (bc_seller_business_number_check(bn, number) != BC_OK) {
        bc_res_error(req, 422, "INVALID_BUSINESS_NUMBER",
                     "'business_number' is not a valid business registration number");
        goto out;
    }
    if (digits_only(phone_in, phone, sizeof phone, 9, 11) != BC_OK || phone[0] != '0') {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'contact_phone' must be a phone number of 9 to 11 digits");
        goto out;
    }
    if (bc_email_check(email) != BC_OK) {
        bc_res_error(req, 422, "INVALID_EMAIL", "'contact_email' is not a valid e-mail address");
        goto out;
    }
    if (digits_only(account_in, account, sizeof account, 6, 20) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'bank_account' must hold 6 to 20 digits (hyphens allowed)");
        goto out;
    }
    if (bc_seal_lookup("seller_applications.business_number", number, bhash) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    facts = json_pack("{s:s,s:s,s:s,s:O,s:s,s:O}", "business_number", number, "contact_phone", phone, "contact_email",
                      email, "bank_name", json_object_get(b, "bank_name"), "bank_account", account_in, "account_holder",
                      json_object_get(b, "account_holder"));
    plain = facts ? json_dumps(facts, JSON_COMPACT) : NULL;
    if (!plain) {
        bc_res_from_err(req, BC_ENOMEM);
        goto out;
    }
    apply_args a = {bc_req_auth(req)->user_id,
                    json_string_value(json_object_get(b, "shop_name")),
                    json_string_value(json_object_get(b, "representative")),
                    plain,
                    bhash,
                    0};
    int rc = bc_db_tx(bc_req_db(req), apply_tx, &a);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "APPLICATION_PENDING", "you already have an application waiting for review");
        goto out;
    }
    if (rc == BC_OK)
        rc = application_get(bc_req_db(req), a.id, &app);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    bc_res_json(req, 201, app);
    app = NULL;
out:
    bc_seal_free_plain(plain);
    json_decref(facts);
    json_decref(app);
}

static void h_my_application(bc_req *req)
{
    json_t *app = NULL;
    int rc = bc_seller_application_latest(bc_req_db(req), bc_req_auth(req)->user_id, &app);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "NOT_FOUND", "you have not applied as a seller");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, app);
}

static void h_admin_list(bc_req *req)
{
    json_t *items = NULL;
    int rc = bc_seller_application_list(bc_req_db(req), bc_req_query_str(req, "status"), &items);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:o}", "items", items));
}

static void decide(bc_req *req, const char *reason)
{
    int64_t id, user_id = 0;
    json_t *app = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such application");
        return;
    }
    int rc = bc_seller_application_decide(bc_req_db(req), id, bc_req_auth(req)->user_id, reason, &user_id);
    if (rc == BC_OK)
        rc = application_get(bc_req_db(req), id, &app);
    if (rc == BC_OK) { /* audit right after the write; the status only (the application holds personal data) */
        json_t *before = json_pack("{s:s}", "status", "PENDING"),
               *after =
                   json_pack("{s:O,s:I}", "status", json_object_get(app, "status"), "user_id", (json_int_t)user_id);
        rc = bc_audit_record(bc_req_db(req), bc_req_auth(req),
                             reason ? "seller_application.reject" : "seller_application.approve", "seller_application",
                             id, before, after, reason);
        json_decref(before);
        json_decref(after);
        if (rc != BC_OK)
            json_decref(app);
    }
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "NOT_FOUND", "no such application");
    else if (rc == BC_ECONFLICT)
        bc_res_error(req, 409, "APPLICATION_NOT_PENDING", "this application was already decided");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, app);
}
static void h_approve(bc_req *req) { decide(req, NULL); }
static void h_reject(bc_req *req) { decide(req, json_string_value(json_object_get(bc_req_json(req), "reason"))); }

static void h_store(bc_req *req)
{
    int64_t id;
    json_t *s = NULL;
    int rc = bc_req_param_id(req, "id", &id) == BC_OK ? bc_seller_store_get(bc_req_db(req), id, &s) : BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "NOT_FOUND", "no such seller");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, s);
}

static void h_shop_patch(bc_req *req)
{
    json_t *b = bc_req_json(req), *s = NULL;
    const char *logo = json_string_value(json_object_get(b, "logo_url"));
    if (logo && strncmp(logo, "https://", 8) != 0 && strncmp(logo, "http://", 7) != 0 && logo[0] != '/') {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'logo_url' must be an http(s) URL or a path on this site");
        return;
    }
    int64_t me = bc_req_auth(req)->user_id;
    int rc = bc_seller_shop_update(bc_req_db(req), me, b);
    if (rc == BC_OK)
        rc = bc_seller_store_get(bc_req_db(req), me, &s);
    if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, s);
}

#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define TIME_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define STR "{\"type\":\"string\"}"
#define STR_OR_NULL "{\"type\":[\"string\",\"null\"]}"
#define INT "{\"type\":\"integer\"}"
#define APP_SCHEMA                                                                                                     \
    "{\"type\":\"object\",\"required\":[\"id\",\"user_id\",\"status\",\"shop_name\",\"representative\",\"created_"     \
    "at\"],"                                                                                                           \
    "\"properties\":{\"id\":" INT ",\"user_id\":" INT ",\"status\":{\"type\":\"string\",\"enum\":[\"PENDING\","        \
    "\"APPROVED\",\"REJECTED\",\"WITHDRAWN\"]},\"shop_name\":" STR ",\"representative\":" STR                          \
    ",\"business_number\":" STR ",\"contact_phone\":" STR ",\"contact_email\":" STR ",\"bank_name\":" STR              \
    ",\"bank_account\":" STR ",\"account_holder\":" STR ",\"reason\":" STR_OR_NULL ",\"user_email\":" STR              \
    ",\"user_name\":" STR ",\"created_at\":" TIME ",\"decided_at\":" TIME_OR_NULL ",\"updated_at\":" TIME "}}"

static const bc_schema sc_application = {"SellerApplication", APP_SCHEMA, NULL};
static const bc_schema sc_application_list = {
    "SellerApplicationList",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"$ref\":\"#/components/schemas/SellerApplication\"}}}}",
    (const bc_schema *const[]){&sc_application, NULL}};
static const bc_schema sc_store = {
    "SellerStore",
    "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"shop_name\",\"intro\",\"shipping_policy\",\"followers\"],"
    "\"properties\":{\"id\":" INT ",\"name\":" STR ",\"shop_name\":" STR ",\"intro\":" STR ",\"logo_url\":" STR_OR_NULL
    ",\"shipping_policy\":" STR ",\"followers\":" INT ",\"created_at\":" TIME "}}",
    NULL};

static const bc_field apply_body[] = {
    {"shop_name", BC_F_STR, 1, 1, 60, "the shop's name shown on the store page", .example = "\"라이브마켓\""},
    {"business_number", BC_F_STR, 1, 10, 12, "사업자등록번호: 10 digits (hyphens allowed) with a valid check digit",
     .text = BC_TEXT_OPAQUE, .code = "INVALID_BUSINESS_NUMBER", .example = "\"220-81-62517\""},
    {"representative", BC_F_STR, 1, 1, 60, "the representative's name (대표자)"},
    {"contact_phone", BC_F_STR, 1, 9, 16, "contact phone, digits (hyphens allowed)", .text = BC_TEXT_OPAQUE},
    {"contact_email", BC_F_STR, 1, 3, 254, "contact e-mail", .text = BC_TEXT_OPAQUE},
    {"bank_name", BC_F_STR, 1, 1, 40, "settlement bank"},
    {"bank_account", BC_F_STR, 1, 6, 30, "settlement account number, digits and hyphens", .text = BC_TEXT_OPAQUE},
    {"account_holder", BC_F_STR, 1, 1, 60, "the account holder's name"},
    {NULL},
};
static const char *const app_statuses[] = {"PENDING", "APPROVED", "REJECTED", "WITHDRAWN", NULL};
static const bc_field admin_list_query[] = {
    {"status", BC_F_STR, 0, 0, 0, "only the applications in this state (all, newest first, when absent)",
     .enums = app_statuses},
    {NULL},
};
static const bc_field reject_body[] = {
    {"reason", BC_F_STR, 1, 1, 500, "why, shown to the applicant"},
    {NULL},
};
static const bc_field shop_body[] = {
    {"shop_name", BC_F_STR, 0, 1, 60, "the shop's name"},
    {"intro", BC_F_STR, 0, 0, 2000, "introduction", .text = BC_TEXT_MULTI},
    {"logo_url", BC_F_STR, 0, 1, 500, "logo image URL (an uploaded image's URL); null removes it",
     .text = BC_TEXT_OPAQUE, .nullable = 1},
    {"shipping_policy", BC_F_STR, 0, 0, 2000, "shipping and returns policy", .text = BC_TEXT_MULTI},
    {NULL},
};

const bc_route bc_seller_routes[] = {
    {"POST", "/api/v1/seller-applications", BC_ROLE_BUYER, 0, apply_body, h_apply, "sellers",
     "Apply to become a seller (one open application at a time)", 201, .response = &sc_application,
     .location = "/api/v1/me/seller-application",
     .errors = (const char *const[]){"INVALID_BUSINESS_NUMBER", "INVALID_EMAIL", "APPLICATION_PENDING", NULL}},
    {"GET", "/api/v1/me/seller-application", BC_ROLE_ANY, 0, NULL, h_my_application, "sellers",
     "The caller's latest seller application and its status", 200, .response = &sc_application,
     .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"GET", "/api/v1/admin/seller-applications", BC_ROLE_ADMIN, 0, NULL, h_admin_list, "admin",
     "Seller applications (at most 200)", 200, .query = admin_list_query, .response = &sc_application_list},
    {"POST", "/api/v1/admin/seller-applications/{id}/approve", BC_ROLE_ADMIN, 0, NULL, h_approve, "admin",
     "Approve a pending application: the applicant becomes a seller with a shop", 200, .response = &sc_application,
     .errors = (const char *const[]){"NOT_FOUND", "APPLICATION_NOT_PENDING", NULL}},
    {"POST", "/api/v1/admin/seller-applications/{id}/reject", BC_ROLE_ADMIN, 0, reject_body, h_reject, "admin",
     "Reject a pending application with a reason (sent to the applicant)", 200, .response = &sc_application,
     .errors = (const char *const[]){"NOT_FOUND", "APPLICATION_NOT_PENDING", NULL}},
    {"GET", "/api/v1/sellers/{id}", 0, 0, NULL, h_store, "sellers", "A seller's public store page", 200,
     .response = &sc_store, .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"PATCH", "/api/v1/me/shop", BC_ROLE_SELLER, 0, shop_body, h_shop_patch, "sellers",
     "Edit the caller's shop profile", 200, .response = &sc_store},
    {NULL},
};
