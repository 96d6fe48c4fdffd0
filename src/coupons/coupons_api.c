/* Routes of coupons: the seller's (/api/v1/seller/coupons) and the admin's (/api/v1/admin/coupons)
 * coupons, the buyer's claimable list, claim, my coupons and the checkout quote. No SQL here:
 * handlers validate, authorise and call coupons_store.c and the other modules' public functions. */
#include "coupons.h"

#include <string.h>

#include "../accounts/accounts.h"
#include "../audit/audit.h"
#include "../catalog/catalog.h"
#include "../live/live.h"

static const char *reason_message(const char *reason)
{
    static const struct {
        const char *reason, *message;
    } m[] = {
        {"not_found", "no such coupon of yours"},
        {"used", "this coupon was already used"},
        {"expired", "this coupon has expired"},
        {"not_started", "this coupon cannot be used yet"},
        {"live_off_air", "this coupon works only while its live is on air"},
        {"scope", "no item of the order is covered by this coupon"},
        {"min_order", "the items this coupon covers do not reach its minimum order amount"},
    };
    for (size_t i = 0; reason && i < sizeof m / sizeof m[0]; i++)
        if (strcmp(m[i].reason, reason) == 0)
            return m[i].message;
    return "this coupon cannot be used for this order";
}

int bc_coupon_send_problem(bc_req *req, const char *code, const char *reason, int64_t min_order)
{
    static const struct {
        const char *code;
        int status;
    } codes[] = {{"COUPON_NOT_FOUND", 404},
                 {"COUPON_USED", 409},
                 {"COUPON_EXPIRED", 409},
                 {"COUPON_LIVE_OFF_AIR", 409},
                 {"COUPON_NOT_APPLICABLE", 422}};
    for (size_t i = 0; code && i < sizeof codes / sizeof codes[0]; i++) {
        if (strcmp(codes[i].code, code) != 0)
            continue;
        json_t *e =
            json_pack("{s:s,s:s,s:s}", "code", code, "message", reason_message(reason), "reason", reason ? reason : "");
        if (reason && strcmp(reason, "min_order") == 0)
            json_object_set_new(e, "min_order", json_integer(min_order));
        bc_res_json(req, codes[i].status, json_pack("{s:o}", "error", e));
        return 1;
    }
    return 0;
}

/* Sends a claim or issue refusal code (static, from the store). */
static void send_refusal(bc_req *req, int rc, const char *code)
{
    if (!code) {
        bc_res_from_err(req, rc);
        return;
    }
    if (strcmp(code, "COUPON_NOT_FOUND") == 0)
        bc_res_error(req, 404, code, "no such coupon");
    else if (strcmp(code, "COUPON_SOLD_OUT") == 0)
        bc_res_error(req, 409, code, "every coupon of this kind has been given out");
    else if (strcmp(code, "COUPON_LIMIT_REACHED") == 0)
        bc_res_error(req, 409, code, "you already hold as many of this coupon as one buyer may");
    else if (strcmp(code, "COUPON_LIVE_OFF_AIR") == 0)
        bc_res_error(req, 409, code, "this coupon can be claimed only while its live is on air");
    else
        bc_res_error(req, 409, "COUPON_NOT_CLAIMABLE", "this coupon cannot be claimed now");
}

/* ---- creation ---- */

/* Reads an ISO-8601 field into *ms (absent: *ms untouched, returns 1). 0 after answering 422. */
static int time_field(bc_req *req, json_t *body, const char *name, int64_t *ms)
{
    const char *s = json_string_value(json_object_get(body, name));
    if (!s)
        return 1;
    if (bc_time_parse(s, ms) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'%s' must be an ISO-8601 time like 2026-11-23T10:00:00Z", name);
        return 0;
    }
    return 1;
}

/* Fills c from the creation body and checks it for issuer ("seller": the caller's own products and
 * lives; "admin"). 1 when valid, 0 after answering. */
static int read_new(bc_req *req, const char *issuer, bc_coupon_new *c)
{
    json_t *b = bc_req_json(req);
    bc_db *db = bc_req_db(req);
    int64_t me = bc_req_auth(req)->user_id, now = bc_now_ms();
    int seller = strcmp(issuer, "seller") == 0;
    memset(c, 0, sizeof *c);
    c->issuer = issuer;
    c->created_by = me;
    c->name = json_string_value(json_object_get(b, "name"));
    bc_coupon_terms *t = &c->terms;
    snprintf(t->kind, sizeof t->kind, "%s", json_string_value(json_object_get(b, "kind")));
    snprintf(t->scope, sizeof t->scope, "%s", json_string_value(json_object_get(b, "scope")));
    t->value = json_integer_value(json_object_get(b, "value"));
    t->max_discount = json_integer_value(json_object_get(b, "max_discount"));
    t->min_order = json_integer_value(json_object_get(b, "min_order"));
    t->product_id = json_integer_value(json_object_get(b, "product_id"));
    t->live_id = json_integer_value(json_object_get(b, "live_id"));
    t->seller_id = json_integer_value(json_object_get(b, "seller_id"));
    c->quantity = json_integer_value(json_object_get(b, "quantity"));
    json_t *pu = json_object_get(b, "per_user"), *dl = json_object_get(b, "downloadable");
    c->per_user = json_is_integer(pu) ? json_integer_value(pu) : 1;
    c->downloadable = dl ? json_is_true(dl) : 1;
    t->starts_at = now;
    if (!time_field(req, b, "starts_at", &t->starts_at) || !time_field(req, b, "ends_at", &t->ends_at))
        return 0;
    if (strcmp(t->kind, "percent") == 0 && t->value > 100) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "a percent coupon's 'value' is 1 to 100");
        return 0;
    }
    if (strcmp(t->kind, "fixed") == 0 && t->max_discount > 0) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'max_discount' caps percent coupons only");
        return 0;
    }
    if (t->ends_at <= t->starts_at || t->ends_at <= now) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'ends_at' must be after 'starts_at' and in the future");
        return 0;
    }
    int wants_product = strcmp(t->scope, "product") == 0, wants_live = strcmp(t->scope, "live") == 0;
    int wants_seller = strcmp(t->scope, "seller") == 0 && !seller;
    if (seller && strcmp(t->scope, "shop") == 0) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "a seller's coupon covers their products, a product or a live");
        return 0;
    }
    if ((t->product_id > 0) != wants_product || (t->live_id > 0) != wants_live || (t->seller_id > 0) != wants_seller) {
        bc_res_error(req, 422, "VALIDATION_FAILED",
                     "scope 'product' takes 'product_id', 'live' takes 'live_id', and (admin) 'seller' takes "
                     "'seller_id'; no other id");
        return 0;
    }
    int rc = BC_OK;
    if (wants_product) {
        bc_catalog_sale p;
        rc = bc_catalog_product_sale(db, t->product_id, &p);
        if (rc == BC_OK && (p.deleted || (seller && p.seller_id != me)))
            rc = BC_ENOTFOUND;
        if (rc == BC_ENOTFOUND) {
            bc_res_error(req, 422, "INVALID_PRODUCT", "'product_id' is not %s product",
                         seller ? "one of your" : "an existing");
            return 0;
        }
        t->seller_id = p.seller_id;
    } else if (wants_live) {
        char status[16] = "";
        int64_t owner = 0;
        rc = bc_live_state(db, t->live_id, &owner, status);
        if (rc == BC_OK && ((seller && owner != me) || strcmp(status, "ENDED") == 0 || strcmp(status, "MISSED") == 0))
            rc = BC_ENOTFOUND;
        if (rc == BC_ENOTFOUND) {
            bc_res_error(req, 422, "LIVE_NOT_FOUND", "'live_id' is not %s live that is scheduled or on air",
                         seller ? "one of your" : "a");
            return 0;
        }
        t->seller_id = owner;
    } else if (wants_seller) {
        int role = 0, blocked = 0;
        rc = bc_accounts_status(db, t->seller_id, &role, &blocked);
        if (rc == BC_ENOTFOUND || (rc == BC_OK && role != BC_ROLE_SELLER)) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'seller_id' is not a seller");
            return 0;
        }
    } else if (seller) {
        t->seller_id = me; /* scope seller: the caller's products */
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return 0;
    }
    return 1;
}

static void send_coupon(bc_req *req, int status, int64_t id)
{
    json_t *c = NULL;
    int rc = bc_coupon_get(bc_req_db(req), id, &c);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "COUPON_NOT_FOUND", "no such coupon");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, status, c);
}

/* Audits an admin's change of coupon id right after the write (sellers' own coupons are not admin
 * actions): before as read (borrowed, may be NULL), after as it is now. */
static int audit(bc_req *req, const char *action, int64_t id, json_t *before)
{
    if (bc_req_auth(req)->role != BC_ROLE_ADMIN)
        return BC_OK;
    json_t *after = NULL;
    if (bc_coupon_get(bc_req_db(req), id, &after) != BC_OK)
        after = NULL;
    int rc = bc_audit_record(bc_req_db(req), bc_req_auth(req), action, "coupon", id, before, after, NULL);
    json_decref(after);
    return rc;
}

static void create(bc_req *req, const char *issuer)
{
    bc_coupon_new c;
    int64_t id = 0;
    if (!read_new(req, issuer, &c))
        return;
    int rc = bc_coupon_create(bc_req_db(req), &c, &id);
    rc = rc == BC_OK ? audit(req, "coupon.create", id, NULL) : rc;
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_coupon(req, 201, id);
}
static void h_seller_create(bc_req *req) { create(req, "seller"); }
static void h_admin_create(bc_req *req) { create(req, "admin"); }

static void list(bc_req *req, int64_t seller_id)
{
    json_t *out = NULL;
    int rc = bc_coupon_list(bc_req_db(req), seller_id, &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}
static void h_seller_list(bc_req *req) { list(req, bc_req_auth(req)->user_id); }
static void h_admin_list(bc_req *req) { list(req, 0); }

/* Loads the {id} coupon the caller may change (a seller: their own) into *c. 0 after answering. */
static int owned(bc_req *req, int as_seller, int64_t *id, json_t **c)
{
    *c = NULL;
    int rc = bc_req_param_id(req, "id", id) == BC_OK ? bc_coupon_get(bc_req_db(req), *id, c) : BC_ENOTFOUND;
    if (rc == BC_OK && as_seller &&
        (strcmp(json_string_value(json_object_get(*c, "issuer")), "seller") != 0 ||
         json_integer_value(json_object_get(*c, "seller_id")) != bc_req_auth(req)->user_id))
        rc = BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "COUPON_NOT_FOUND", "no such coupon");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    if (rc != BC_OK) {
        json_decref(*c);
        *c = NULL;
        return 0;
    }
    return 1;
}

static void patch(bc_req *req, int as_seller, int disable)
{
    json_t *b = bc_req_json(req), *c = NULL;
    int64_t id = 0;
    if (!owned(req, as_seller, &id, &c))
        return;
    bc_coupon_patch p = {.quantity = -1, .downloadable = -1};
    if (disable) {
        p.status = "DISABLED";
    } else {
        json_t *q = json_object_get(b, "quantity"), *dl = json_object_get(b, "downloadable");
        p.name = json_string_value(json_object_get(b, "name"));
        p.status = json_string_value(json_object_get(b, "status"));
        p.per_user = json_integer_value(json_object_get(b, "per_user"));
        if (q)
            p.quantity = json_is_null(q) ? 0 : json_integer_value(q);
        if (dl)
            p.downloadable = json_is_true(dl);
        if (!time_field(req, b, "starts_at", &p.starts_at) || !time_field(req, b, "ends_at", &p.ends_at)) {
            json_decref(c);
            return;
        }
    }
    int rc = bc_coupon_update(bc_req_db(req), id, &p);
    rc = rc == BC_OK ? audit(req, disable ? "coupon.disable" : "coupon.update", id, c) : rc;
    json_decref(c);
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED",
                     "'ends_at' must stay after 'starts_at', and 'quantity' may not go below the coupons claimed");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc == BC_ENOTFOUND ? BC_ERR : rc);
        return;
    }
    send_coupon(req, 200, id);
}
static void h_seller_patch(bc_req *req) { patch(req, 1, 0); }
static void h_admin_patch(bc_req *req) { patch(req, 0, 0); }
static void h_seller_delete(bc_req *req) { patch(req, 1, 1); }
static void h_admin_delete(bc_req *req) { patch(req, 0, 1); }

/* POST /api/v1/seller/coupons/{id}/issue-followers */
static void h_issue(bc_req *req)
{
    int64_t id = 0, issued = 0, skipped = 0;
    int sold_out = 0;
    const char *code = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "COUPON_NOT_FOUND", "no such coupon");
        return;
    }
    int rc = bc_coupon_issue_followers(bc_req_db(req), id, bc_req_auth(req)->user_id, bc_now_ms(), &issued, &skipped,
                                       &sold_out, &code);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "COUPON_NOT_FOUND", "no such coupon of yours");
        return;
    }
    if (rc != BC_OK) {
        send_refusal(req, rc, code);
        return;
    }
    bc_res_json(req, 200,
                json_pack("{s:I,s:I,s:I,s:b}", "coupon_id", (json_int_t)id, "issued", (json_int_t)issued, "skipped",
                          (json_int_t)skipped, "sold_out", sold_out));
}

/* ---- buyers ---- */

/* GET /api/v1/coupons?product_id=&live_id=&seller_id= */
static void h_claimable(bc_req *req)
{
    bc_db *db = bc_req_db(req);
    int64_t pid = bc_req_query_int(req, "product_id", 0), lid = bc_req_query_int(req, "live_id", 0);
    int64_t sid = bc_req_query_int(req, "seller_id", 0);
    const bc_auth *a = bc_req_auth(req);
    int rc = BC_OK;
    /* a product or a live names its seller: their coupons (and the shop's) are the candidates */
    if (pid > 0) {
        bc_catalog_sale p;
        if ((rc = bc_catalog_product_sale(db, pid, &p)) == BC_OK && p.visible)
            sid = sid > 0 && sid != p.seller_id ? -1 : p.seller_id;
        else if (rc == BC_OK || rc == BC_ENOTFOUND) {
            bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
            return;
        }
    }
    if (rc == BC_OK && lid > 0) {
        char status[16];
        int64_t owner = 0;
        if ((rc = bc_live_state(db, lid, &owner, status)) == BC_OK)
            sid = sid != 0 && sid != owner ? -1 : owner;
        else if (rc == BC_ENOTFOUND) {
            bc_res_error(req, 404, "NOT_FOUND", "no such live");
            return;
        }
    }
    json_t *out = NULL;
    if (rc == BC_OK)
        rc = bc_coupon_claimable(db, pid, lid, sid, a ? a->user_id : 0, bc_now_ms(), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

/* POST /api/v1/coupons/{id}/claim */
static void h_claim(bc_req *req)
{
    int64_t id = 0, uc = 0, now = bc_now_ms();
    const char *code = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "COUPON_NOT_FOUND", "no such coupon");
        return;
    }
    int rc = bc_coupon_claim(bc_req_db(req), id, bc_req_auth(req)->user_id, now, &uc, &code);
    if (rc != BC_OK) {
        send_refusal(req, rc, code);
        return;
    }
    json_t *c = NULL;
    if ((rc = bc_coupon_get(bc_req_db(req), id, &c)) != BC_OK) {
        bc_res_from_err(req, rc == BC_ENOTFOUND ? BC_ERR : rc);
        return;
    }
    bc_res_json(req, 201,
                json_pack("{s:I,s:s,s:s,s:n,s:n,s:I,s:o}", "id", (json_int_t)uc, "source", "claim", "state", "usable",
                          "used_order_id", "used_at", "claimed_at", (json_int_t)now, "coupon", c));
}

/* GET /api/v1/me/coupons?state= */
static void h_mine(bc_req *req)
{
    json_t *out = NULL;
    int rc =
        bc_coupon_mine(bc_req_db(req), bc_req_auth(req)->user_id, bc_req_query_str(req, "state"), bc_now_ms(), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

/* POST /api/v1/coupons/quote {user_coupon_id, items, live_id?}: what the coupon takes off these
 * items now (priced as checkout prices them), or why it does not apply. */
static void h_quote(bc_req *req)
{
    json_t *b = bc_req_json(req), *items = json_object_get(b, "items");
    bc_db *db = bc_req_db(req);
    int64_t ucid = json_integer_value(json_object_get(b, "user_coupon_id"));
    int64_t live_id = json_integer_value(json_object_get(b, "live_id"));
    bc_coupon_line lines[50];
    size_t n = 0, i;
    json_t *it;
    int rc;
    json_array_foreach (items, i, it) {
        if (n == 50)
            break;
        int64_t pid = json_integer_value(json_object_get(it, "product_id"));
        int64_t qty = json_integer_value(json_object_get(it, "quantity"));
        bc_catalog_sale p;
        rc = bc_catalog_product_sale(db, pid, &p);
        if (rc == BC_ENOTFOUND || (rc == BC_OK && !p.visible)) {
            bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "product %lld does not exist", (long long)pid);
            return;
        }
        if (rc != BC_OK) {
            bc_res_from_err(req, rc);
            return;
        }
        int64_t price = p.price;
        bc_live_offer offer = {0};
        if (live_id > 0 && bc_live_offer_get(db, live_id, pid, &offer) == BC_OK && offer.active && offer.live_price > 0)
            price = offer.live_price;
        lines[n++] = (bc_coupon_line){pid, p.seller_id, price * qty};
    }
    bc_coupon_problem why = {0};
    int64_t discount = 0, in_scope = 0;
    rc = bc_coupon_evaluate(db, bc_req_auth(req)->user_id, ucid, lines, n, bc_now_ms(), &discount, &in_scope, &why);
    if (rc != BC_OK && !why.code) {
        bc_res_from_err(req, rc);
        return;
    }
    json_t *out = json_pack("{s:I,s:b,s:I,s:I}", "user_coupon_id", (json_int_t)ucid, "applicable", rc == BC_OK,
                            "discount", (json_int_t)discount, "in_scope_total", (json_int_t)in_scope);
    json_object_set_new(out, "code", why.code ? json_string(why.code) : json_null());
    json_object_set_new(out, "reason", why.reason ? json_string(why.reason) : json_null());
    json_object_set_new(out, "message", why.code ? json_string(reason_message(why.reason)) : json_null());
    json_object_set_new(out, "min_order",
                        why.reason && strcmp(why.reason, "min_order") == 0 ? json_integer(why.min_order) : json_null());
    bc_res_json(req, 200, out);
}

/* ---- route table ---- */

#define INT "{\"type\":\"integer\"}"
#define INT_OR_NULL "{\"type\":[\"integer\",\"null\"]}"
#define STR "{\"type\":\"string\"}"
#define STR_OR_NULL "{\"type\":[\"string\",\"null\"]}"
#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define TIME_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define COUPON_PROPS                                                                                                   \
    "\"id\":" INT ",\"issuer\":{\"type\":\"string\",\"enum\":[\"seller\",\"admin\"]},\"name\":" STR                    \
    ",\"scope\":{\"type\":\"string\",\"enum\":[\"shop\",\"seller\",\"product\",\"live\"]},\"seller_id\":" INT_OR_NULL  \
    ",\"product_id\":" INT_OR_NULL ",\"live_id\":" INT_OR_NULL                                                         \
    ",\"kind\":{\"type\":\"string\",\"enum\":[\"fixed\",\"percent\"]},\"value\":{\"type\":\"integer\","                \
    "\"description\":\"KRW (fixed) or percent (1..100)\"},\"max_discount\":{\"type\":[\"integer\",\"null\"],"          \
    "\"description\":\"percent: the cap in KRW (null = none)\"},\"min_order\":{\"type\":\"integer\","                  \
    "\"description\":\"KRW the in-scope lines must reach\"},\"starts_at\":" TIME ",\"ends_at\":" TIME                  \
    ",\"quantity\":{\"type\":[\"integer\",\"null\"],\"description\":\"null = unlimited\"},\"claimed\":" INT            \
    ",\"remaining\":" INT_OR_NULL ",\"per_user\":" INT ",\"downloadable\":{\"type\":\"boolean\"},"                     \
    "\"status\":{\"type\":\"string\",\"enum\":[\"ACTIVE\",\"DISABLED\"]},\"created_at\":" TIME ",\"updated_at\":" TIME
#define COUPON_REQUIRED                                                                                                \
    "\"id\",\"issuer\",\"name\",\"scope\",\"kind\",\"value\",\"min_order\",\"starts_at\",\"ends_at\",\"claimed\","     \
    "\"per_user\",\"downloadable\",\"status\""

static const bc_schema sc_coupon = {
    "Coupon", "{\"type\":\"object\",\"required\":[" COUPON_REQUIRED "],\"properties\":{" COUPON_PROPS "}}", NULL};
static const bc_schema sc_coupon_list = {
    "CouponList",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"$ref\":\"#/components/schemas/Coupon\"}}}}",
    (const bc_schema *const[]){&sc_coupon, NULL}};
static const bc_schema sc_claimable = {
    "ClaimableCouponList",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"required\":[" COUPON_REQUIRED ",\"held\",\"can_claim\"],\"properties\":{" COUPON_PROPS
    ",\"held\":{\"type\":\"integer\",\"description\":\"how many of it the caller holds\"},\"can_claim\":{\"type\":"
    "\"boolean\"}}}}}}",
    NULL};
#define USER_COUPON                                                                                                    \
    "{\"type\":\"object\",\"required\":[\"id\",\"source\",\"state\",\"used_order_id\",\"claimed_at\",\"coupon\"],"     \
    "\"properties\":{\"id\":{\"type\":\"integer\",\"description\":\"the user coupon's id (coupon_id of an "            \
    "order)\"},\"source\":{\"type\":\"string\",\"enum\":[\"claim\",\"followers\"]},\"state\":{\"type\":\"string\","    \
    "\"enum\":[\"usable\",\"used\",\"expired\"]},\"used_order_id\":" INT_OR_NULL ",\"used_at\":" TIME_OR_NULL          \
    ",\"claimed_at\":" TIME ",\"coupon\":{\"$ref\":\"#/components/schemas/Coupon\"}}}"
static const bc_schema sc_user_coupon = {"UserCoupon", USER_COUPON, (const bc_schema *const[]){&sc_coupon, NULL}};
static const bc_schema sc_user_coupons = {
    "UserCouponList",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
    "{\"$ref\":\"#/components/schemas/UserCoupon\"}}}}",
    (const bc_schema *const[]){&sc_user_coupon, NULL}};
static const bc_schema sc_quote = {
    "CouponQuote",
    "{\"type\":\"object\",\"required\":[\"user_coupon_id\",\"applicable\",\"discount\",\"in_scope_total\",\"code\","
    "\"reason\",\"message\",\"min_order\"],\"properties\":{\"user_coupon_id\":" INT ",\"applicable\":{\"type\":"
    "\"boolean\"},\"discount\":{\"type\":\"integer\",\"description\":\"KRW off (0 when not applicable)\"},"
    "\"in_scope_total\":{\"type\":\"integer\",\"description\":\"KRW of the items the coupon covers\"},\"code\":"
    "{\"type\":[\"string\",\"null\"],\"description\":\"the error code checkout would answer\"},\"reason\":{\"type\":"
    "[\"string\",\"null\"],\"enum\":[\"not_found\",\"used\",\"expired\",\"not_started\",\"live_off_air\",\"scope\","
    "\"min_order\",null]},\"message\":" STR_OR_NULL ",\"min_order\":" INT_OR_NULL "}}",
    NULL};
static const bc_schema sc_issue = {
    "CouponIssue",
    "{\"type\":\"object\",\"required\":[\"coupon_id\",\"issued\",\"skipped\",\"sold_out\"],\"properties\":{"
    "\"coupon_id\":" INT ",\"issued\":{\"type\":\"integer\",\"description\":\"followers who got one\"},\"skipped\":"
    "{\"type\":\"integer\",\"description\":\"followers at the per-user limit\"},\"sold_out\":{\"type\":\"boolean\","
    "\"description\":\"the quantity ran out before every follower got one\"}}}",
    NULL};

static const char *const kinds[] = {"fixed", "percent", NULL};
static const char *const seller_scopes[] = {"seller", "product", "live", NULL};
static const char *const admin_scopes[] = {"shop", "seller", "product", "live", NULL};
static const char *const statuses[] = {"ACTIVE", "DISABLED", NULL};
static const char *const states[] = {"usable", "used", "expired", NULL};

#define COUPON_TERMS_FIELDS                                                                                            \
    {"name", BC_F_STR, 1, 1, 60, "shown to buyers", .example = "\"라이브 특가 10%\""},                                 \
        {"kind", BC_F_STR, 1, 0, 0, "fixed amount or percent", .enums = kinds},                                        \
        {"value", BC_F_INT, 1, 1, BC_COUPON_MAX_KRW, "KRW (fixed) or percent 1..100"},                                 \
        {"max_discount", BC_F_INT, 0, 1, BC_COUPON_MAX_KRW, "percent only: the most it takes off, KRW"},               \
        {"min_order", BC_F_INT, 0, 0, BC_COUPON_MAX_KRW, "KRW the lines in scope must reach (default 0)"},             \
        {"product_id", BC_F_INT, 0, 1, INT64_MAX, "scope product: the product"},                                       \
        {"live_id", BC_F_INT, 0, 1, INT64_MAX, "scope live: the live (claimable only while it is on air)"},            \
        {"starts_at", BC_F_STR, 0, 1, 40, "ISO-8601; default now", .text = BC_TEXT_OPAQUE},                            \
        {"ends_at", BC_F_STR, 1, 1, 40, "ISO-8601, after starts_at", .text = BC_TEXT_OPAQUE},                          \
        {"quantity", BC_F_INT, 0, 1, BC_COUPON_MAX_QUANTITY, "how many can be given out (default unlimited)"},         \
        {"per_user", BC_F_INT, 0, 1, BC_COUPON_MAX_PER_USER, "how many one buyer may hold (default 1)"},               \
    {                                                                                                                  \
        "downloadable", BC_F_BOOL, 0, 0, 0, "buyers claim it themselves (default true)"                                \
    }

static const bc_field seller_create_body[] = {
    {"scope", BC_F_STR, 1, 0, 0, "seller: all my products; product: one of them; live: one of my lives",
     .enums = seller_scopes},
    COUPON_TERMS_FIELDS,
    {NULL},
};
static const bc_field admin_create_body[] = {
    {"scope", BC_F_STR, 1, 0, 0, "shop: everything; seller, product or live: that one", .enums = admin_scopes},
    {"seller_id", BC_F_INT, 0, 1, INT64_MAX, "scope seller: the seller"},
    COUPON_TERMS_FIELDS,
    {NULL},
};
static const bc_field patch_body[] = {
    {"name", BC_F_STR, 0, 1, 60, NULL},
    {"starts_at", BC_F_STR, 0, 1, 40, "ISO-8601", .text = BC_TEXT_OPAQUE},
    {"ends_at", BC_F_STR, 0, 1, 40, "ISO-8601", .text = BC_TEXT_OPAQUE},
    {"quantity", BC_F_INT, 0, 1, BC_COUPON_MAX_QUANTITY, "at least the number claimed; null = unlimited",
     .nullable = 1},
    {"per_user", BC_F_INT, 0, 1, BC_COUPON_MAX_PER_USER, NULL},
    {"downloadable", BC_F_BOOL, 0, 0, 0, NULL},
    {"status", BC_F_STR, 0, 0, 0, "DISABLED stops claims and issues (coupons held stay usable)", .enums = statuses},
    {NULL},
};
static const bc_field claimable_query[] = {
    {"product_id", BC_F_INT, 0, 1, INT64_MAX, "coupons that cover this product"},
    {"live_id", BC_F_INT, 0, 1, INT64_MAX, "coupons usable on this live's products"},
    {"seller_id", BC_F_INT, 0, 1, INT64_MAX, "the shop's and this seller's coupons"},
    {NULL},
};
static const bc_field mine_query[] = {
    {"state", BC_F_STR, 0, 0, 0, "only this state (all when absent)", .enums = states},
    {NULL},
};
static const bc_field quote_item[] = {
    {"product_id", BC_F_INT, 1, 1, INT64_MAX, NULL},
    {"quantity", BC_F_INT, 1, 1, 1000, NULL},
    {NULL},
};
static const bc_field quote_item_field = {"item", BC_F_OBJ, 1, 0, 0, NULL, .fields = quote_item};
static const bc_field quote_body[] = {
    {"user_coupon_id", BC_F_INT, 1, 1, INT64_MAX, "one of my coupons (GET /api/v1/me/coupons)"},
    {"items", BC_F_ARR, 1, 1, 50, "the order's lines", .items = &quote_item_field},
    {"live_id", BC_F_INT, 0, 1, INT64_MAX, "the live the order would come from (its live prices)"},
    {NULL},
};

#define CREATE_ERRORS                                                                                                  \
    (const char *const[]) { "INVALID_PRODUCT", "LIVE_NOT_FOUND", NULL }
#define ONE_ERRORS                                                                                                     \
    (const char *const[]) { "COUPON_NOT_FOUND", NULL }

const bc_route bc_coupon_routes[] = {
    {"POST", "/api/v1/seller/coupons", BC_ROLE_SELLER, 0, seller_create_body, h_seller_create, "coupons",
     "Create a coupon for my products, one of my products or one of my lives", 201, .response = &sc_coupon,
     .errors = CREATE_ERRORS},
    {"GET", "/api/v1/seller/coupons", BC_ROLE_SELLER, 0, NULL, h_seller_list, "coupons",
     "My coupons, newest first (at most 500)", 200, .response = &sc_coupon_list},
    {"PATCH", "/api/v1/seller/coupons/{id}", BC_ROLE_SELLER, 0, patch_body, h_seller_patch, "coupons",
     "Edit my coupon's name, window, quantity, per-user limit, distribution or status", 200, .response = &sc_coupon,
     .errors = ONE_ERRORS},
    {"DELETE", "/api/v1/seller/coupons/{id}", BC_ROLE_SELLER, 0, NULL, h_seller_delete, "coupons",
     "Stop my coupon (DISABLED: no more claims; coupons held stay usable)", 200, .response = &sc_coupon,
     .errors = ONE_ERRORS},
    {"POST", "/api/v1/seller/coupons/{id}/issue-followers", BC_ROLE_SELLER, 0, NULL, h_issue, "coupons",
     "Give my coupon to every follower (within its quantity and per-user limit; each gets a notice)", 200,
     .response = &sc_issue,
     .errors = (const char *const[]){"COUPON_NOT_FOUND", "COUPON_NOT_CLAIMABLE", "COUPON_LIVE_OFF_AIR", NULL}},
    {"POST", "/api/v1/admin/coupons", BC_ROLE_ADMIN, 0, admin_create_body, h_admin_create, "admin",
     "Create a coupon for the whole shop, a seller, a product or a live", 201, .response = &sc_coupon,
     .errors = CREATE_ERRORS},
    {"GET", "/api/v1/admin/coupons", BC_ROLE_ADMIN, 0, NULL, h_admin_list, "admin",
     "Every coupon, newest first (at most 500)", 200, .response = &sc_coupon_list},
    {"PATCH", "/api/v1/admin/coupons/{id}", BC_ROLE_ADMIN, 0, patch_body, h_admin_patch, "admin",
     "Edit a coupon's name, window, quantity, per-user limit, distribution or status", 200, .response = &sc_coupon,
     .errors = ONE_ERRORS},
    {"DELETE", "/api/v1/admin/coupons/{id}", BC_ROLE_ADMIN, 0, NULL, h_admin_delete, "admin",
     "Stop a coupon (DISABLED: no more claims; coupons held stay usable)", 200, .response = &sc_coupon,
     .errors = ONE_ERRORS},
    {"GET", "/api/v1/coupons", 0, BC_RT_OPTIONAL_AUTH, NULL, h_claimable, "coupons",
     "Coupons claimable now, for a product, a live or a seller (live coupons only while on air)", 200,
     .query = claimable_query, .response = &sc_claimable,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", "NOT_FOUND", NULL}},
    {"POST", "/api/v1/coupons/{id}/claim", BC_ROLE_BUYER, 0, NULL, h_claim, "coupons",
     "Download a coupon (within its quantity and the per-user limit)", 201, .response = &sc_user_coupon,
     .errors = (const char *const[]){"COUPON_NOT_FOUND", "COUPON_NOT_CLAIMABLE", "COUPON_LIVE_OFF_AIR",
                                     "COUPON_SOLD_OUT", "COUPON_LIMIT_REACHED", NULL}},
    {"GET", "/api/v1/me/coupons", BC_ROLE_ANY, 0, NULL, h_mine, "coupons", "My coupons: usable, used and expired", 200,
     .query = mine_query, .response = &sc_user_coupons},
    {"POST", "/api/v1/coupons/quote", BC_ROLE_BUYER, 0, quote_body, h_quote, "coupons",
     "What one of my coupons takes off these items now, or why it does not apply (checkout re-checks)", 200,
     .response = &sc_quote, .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {NULL},
};
