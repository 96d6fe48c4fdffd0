/* Routes under /api/v1/cart, /api/v1/orders, /api/v1/seller/orders and /api/v1/seller/shipping. No
 * SQL here: handlers validate, authorise and call cart.c / orders.c / shipments.c; every order state
 * change is one bc_order_act (orders.c), which also makes refunds through bc_pg_cancel. */
#include "commerce.h"

#include <string.h>

#include "../accounts/accounts.h"
#include "../audit/audit.h"
#include "../catalog/catalog.h"

/* Sends {"error":{code, message, <extra_key>: extra}} (extra stolen; NULL for none). */
static void send_error_extra(bc_req *req, int status, const char *code, const char *message, const char *extra_key,
                             json_t *extra)
{
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", message);
    if (extra_key && extra)
        json_object_set_new(e, extra_key, extra);
    else
        json_decref(extra);
    bc_res_json(req, status, json_pack("{s:o}", "error", e));
}

/* ---- cart ---- */

static void send_cart(bc_req *req)
{
    json_t *cart = NULL;
    int rc = bc_cart_json(bc_req_db(req), bc_req_auth(req)->user_id, &cart);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, cart);
}

static void h_cart(bc_req *req) { send_cart(req); }

static void h_cart_put(bc_req *req)
{
    int64_t pid;
    json_int_t qty = 0;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s:I}", "quantity", &qty);
    if (bc_req_param_id(req, "product_id", &pid) != BC_OK) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    json_t *sku = json_object_get(bc_req_json(req), "sku_id"); /* product options as SKUs */
    const char *code = NULL;
    int rc = bc_cart_set(bc_req_db(req), bc_req_auth(req)->user_id, pid,
                         json_is_integer(sku) ? json_integer_value(sku) : 0, qty, &code);
    if (rc == BC_EINVAL && code) {
        bc_res_error(req, 422, code, "%s",
                     strcmp(code, "SKU_REQUIRED") == 0 ? "this product has options: choose one of its SKUs (sku_id)"
                                                       : "'sku_id' is not an active SKU of this product");
        return;
    }
    switch (rc) {
    case BC_OK:
        send_cart(req);
        break;
    case BC_ENOTFOUND:
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        break;
    case BC_ECONFLICT:
        bc_res_error(req, 409, "OUT_OF_STOCK", "not enough stock for %lld units (or not on sale)", (long long)qty);
        break;
    case BC_EINVAL:
        bc_res_error(req, 422, "CART_FULL", "the cart holds at most 50 different products");
        break;
    default:
        bc_res_from_err(req, rc);
    }
}

static void h_cart_delete_item(bc_req *req)
{
    int64_t pid;
    if (bc_req_param_id(req, "product_id", &pid) != BC_OK) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    int rc = bc_cart_remove(bc_req_db(req), bc_req_auth(req)->user_id, pid, bc_req_query_int(req, "sku_id", -1));
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_cart(req);
}

static void h_cart_clear(bc_req *req)
{
    int rc = bc_cart_clear(bc_req_db(req), bc_req_auth(req)->user_id);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_cart(req);
}

/* ---- orders ---- */

static void send_order(bc_req *req, int status, int64_t id, int64_t only_seller)
{
    json_t *o = NULL;
    int rc = bc_order_json(bc_req_db(req), id, only_seller, &o);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "ORDER_NOT_FOUND", "no such order");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, status, o);
}

/* save_address: the typed address of a placed order goes into the buyer's address book too,
 * unless it is there already; a full book keeps the order and only logs. */
static void save_to_book(bc_req *req, json_t *addr)
{
    int64_t uid = bc_req_auth(req)->user_id, aid = 0;
    int rc = bc_address_add(bc_req_db(req), uid, "배송지", addr, &aid);
    if (rc != BC_OK)
        bc_log_info("orders", "the address of user %lld's order was not saved to the address book (%d)", (long long)uid,
                    rc);
}

static void h_order_create(bc_req *req)
{
    json_t *body = bc_req_json(req);
    json_t *items = json_object_get(body, "items"), *addr = json_object_get(body, "shipping_address");
    json_t *fc = json_object_get(body, "from_cart"), *live = json_object_get(body, "live_id");
    int from_cart = json_is_true(fc);
    int has_items = items && !json_is_null(items);
    bc_order_item list[50];
    size_t n = 0;
    if (bc_cfg.require_verified_email && !bc_req_auth(req)->email_verified) {
        bc_res_error(req, 403, "EMAIL_NOT_VERIFIED", "verify your e-mail address before checking out");
        return;
    }
    char msg[200];
    if (from_cart == has_items) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "give either 'items' or 'from_cart': true");
        return;
    }
    if (has_items) { /* shape and bounds checked by the route table (order_body) */
        size_t i;
        json_t *it;
        json_array_foreach (items, i, it) {
            list[n].product_id = json_integer_value(json_object_get(it, "product_id"));
            list[n].sku_id = json_integer_value(json_object_get(it, "sku_id")); /* 0 when absent */
            list[n].quantity = json_integer_value(json_object_get(it, "quantity"));
            n++;
        }
    }
    /* where to ship: typed (shipping_address) or from the address book (address_id), exactly one */
    json_t *addr_id = json_object_get(body, "address_id");
    json_t *owned = NULL; /* the book's address, opened */
    int typed = addr && !json_is_null(addr);
    if (typed == json_is_integer(addr_id)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "give either 'shipping_address' or 'address_id' (one of them)");
        return;
    }
    if (!typed) {
        int rc = bc_address_get(bc_req_db(req), bc_req_auth(req)->user_id, json_integer_value(addr_id), &owned);
        if (rc == BC_ENOTFOUND) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'address_id' is not an address in your address book");
            return;
        }
        if (rc != BC_OK) {
            bc_res_from_err(req, rc);
            return;
        }
        addr = owned;
    }
    if (bc_order_check_address(addr, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
        json_decref(owned);
        return;
    }
    int64_t live_id = json_is_integer(live) ? json_integer_value(live) : 0;
    bc_order_problem why;
    int64_t id = 0;
    json_t *hold = json_object_get(body, "hold_id");     /* stock: a hold becomes the reservation */
    json_t *coupon = json_object_get(body, "coupon_id"); /* coupons: a user coupon to spend */
    json_t *points = json_object_get(body, "points");    /* points: to spend on this order */
    bc_order_spend spend = {json_is_integer(coupon) ? json_integer_value(coupon) : 0,
                            json_is_integer(points) ? json_integer_value(points) : 0};
    int rc = bc_order_create_spend(bc_req_db(req), bc_req_auth(req)->user_id, has_items ? list : NULL, n, addr, live_id,
                                   json_is_integer(hold) ? json_integer_value(hold) : 0, &spend, &why, &id);
    if (rc == BC_OK && typed && json_is_true(json_object_get(body, "save_address")))
        save_to_book(req, addr);
    json_decref(owned);
    if (rc == BC_OK) {
        send_order(req, 201, id, 0);
        return;
    }
    if (why.code && bc_coupon_send_problem(req, why.code, why.coupon_reason, why.coupon_min_order)) /* coupons */
        return;
    if (why.code && bc_stock_send_order_problem(req, why.code, why.product_id)) /* stock's refusals */
        return;
    if (why.code && (strcmp(why.code, "SKU_REQUIRED") == 0 || strcmp(why.code, "SKU_INVALID") == 0)) { /* SKUs */
        snprintf(msg, sizeof msg,
                 strcmp(why.code, "SKU_REQUIRED") == 0 ? "'%s' has options: choose one of its SKUs (sku_id)"
                                                       : "'sku_id' is not an active SKU of '%s'",
                 why.product_name);
        send_error_extra(req, 422, why.code, msg, "product_id", json_integer(why.product_id));
        return;
    }
    if (why.code && strcmp(why.code, "INSUFFICIENT_POINTS") == 0) { /* points */
        bc_res_error(req, 409, "INSUFFICIENT_POINTS", "your points balance is smaller than the points to use");
        return;
    }
    if (why.code && strcmp(why.code, "POINTS_EXCEED_AMOUNT") == 0) {
        bc_res_error(req, 422, "POINTS_EXCEED_AMOUNT", "more points than the order amount were given");
        return;
    }
    if (rc == BC_EFORBIDDEN && why.code) { /* chat moderation: BANNED_FROM_LIVE */
        bc_res_error(req, 403, "BANNED_FROM_LIVE", "you are banned from this live and cannot order from it");
        return;
    }
    if (rc == BC_ECONFLICT && why.code) {
        snprintf(msg, sizeof msg, "'%s' is out of stock or not on sale", why.product_name);
        send_error_extra(req, 409, "OUT_OF_STOCK", msg, "product_id", json_integer(why.product_id));
    } else if (rc == BC_ENOTFOUND && why.code) {
        snprintf(msg, sizeof msg, "product %lld does not exist", (long long)why.product_id);
        send_error_extra(req, 404, "PRODUCT_NOT_FOUND", msg, "product_id", json_integer(why.product_id));
    } else if (rc == BC_EINVAL && why.code && strcmp(why.code, "LIVE_PRODUCT_MISMATCH") == 0) {
        snprintf(msg, sizeof msg, "live %lld does not carry '%s'", (long long)live_id, why.product_name);
        send_error_extra(req, 422, why.code, msg, "product_id", json_integer(why.product_id));
    } else if (rc == BC_EINVAL && why.code) {
        const char *m = strcmp(why.code, "TOTAL_TOO_LARGE") == 0 ? "the order total may not exceed 1,000,000,000 KRW"
                        : strcmp(why.code, "ORDER_AMOUNT_ZERO") == 0
                            ? "the order total is 0 KRW, which cannot be paid; free items go with a paid order"
                        : strcmp(why.code, "CART_EMPTY") == 0     ? "the cart is empty"
                        : strcmp(why.code, "LIVE_NOT_FOUND") == 0 ? "'live_id' is not an existing live"
                        : strcmp(why.code, "INVALID_QUANTITY") == 0
                            ? "a product's total quantity must be from 1 to 1000"
                            : "an order has 1 to 50 lines";
        bc_res_error(req, 422, why.code, "%s", m);
    } else {
        bc_res_from_err(req, rc == BC_ENOMEM ? BC_ERR : rc);
    }
}

static void h_orders(bc_req *req)
{
    int64_t page, per_page;
    if (bc_catalog_paging(req, 20, 100, &page, &per_page) != BC_OK)
        return;
    json_t *out = NULL;
    int rc = bc_order_list(bc_req_db(req), bc_req_auth(req)->user_id, 0, page, per_page, &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

static void h_seller_orders(bc_req *req)
{
    int64_t page, per_page;
    if (bc_catalog_paging(req, 20, 100, &page, &per_page) != BC_OK)
        return;
    json_t *out = NULL;
    int rc = bc_order_list(bc_req_db(req), 0, bc_req_auth(req)->user_id, page, per_page, &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

/* Loads the order named by {id} (a row id, or a Toss orderId). Sends 404 and returns an error
 * when it does not exist. */
static int load_head(bc_req *req, bc_order_head *h)
{
    int64_t id;
    const char *raw = bc_req_param(req, "id");
    int rc;
    if (bc_req_param_id(req, "id", &id) == BC_OK)
        rc = bc_order_head_get(bc_req_db(req), id, h);
    else if (bc_order_id_valid(raw))
        rc = bc_order_head_by_order_id(bc_req_db(req), raw, h);
    else
        rc = BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "ORDER_NOT_FOUND", "no such order");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    return rc;
}

static void h_order(bc_req *req)
{
    bc_order_head h;
    const bc_auth *a = bc_req_auth(req);
    if (load_head(req, &h) != BC_OK)
        return;
    if (h.buyer_id == a->user_id || a->role == BC_ROLE_ADMIN) {
        send_order(req, 200, h.id, 0);
        return;
    }
    if (a->role == BC_ROLE_SELLER && bc_order_has_seller(bc_req_db(req), h.id, a->user_id)) {
        send_order(req, 200, h.id, a->user_id);
        return;
    }
    bc_res_error(req, 404, "ORDER_NOT_FOUND", "no such order");
}

/* ---- order actions (the state machine, orders.c) ---- */

/* Sends the error of a refused action. conflict_code replaces ORDER_STATE_CONFLICT on the older
 * routes (ORDER_NOT_CANCELABLE, ORDER_NOT_SHIPPABLE, ORDER_NOT_DELIVERABLE); every 409 carries the
 * current status of what refused ("status"). */
static void send_act_error(bc_req *req, int rc, const bc_order_act_result *res, const char *action,
                           const char *conflict_code)
{
    const char *code = res->code;
    char msg[400];
    if (!code) {
        bc_res_from_err(req, rc == BC_ENOMEM ? BC_ERR : rc);
        return;
    }
    if (strcmp(code, "ORDER_NOT_FOUND") == 0)
        bc_res_error(req, 404, code, "no such order");
    else if (strcmp(code, "SHIPMENT_NOT_FOUND") == 0)
        bc_res_error(req, 404, code, "no such shipment in this order");
    else if (strcmp(code, "LINE_NOT_FOUND") == 0)
        bc_res_error(req, 404, code, "no such line in this order");
    else if (strcmp(code, "VALIDATION_FAILED") == 0)
        bc_res_error(req, 422, code, "invalid request for '%s'", action);
    else if (strcmp(code, "REFUND_IN_PROGRESS") == 0) {
        snprintf(msg, sizeof msg, "a refund of this order is in progress; try again shortly");
        send_error_extra(req, 409, code, msg, "status", json_string(res->status));
    } else if (strcmp(code, "ORDER_STATE_CONFLICT") == 0) {
        snprintf(msg, sizeof msg, "'%s' is not allowed in status %s", action, res->status);
        send_error_extra(req, 409, conflict_code ? conflict_code : code, msg, "status", json_string(res->status));
    } else if (strcmp(code, "PAYMENT_GATEWAY_UNAVAILABLE") == 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", res->retry_after_s > 0 ? res->retry_after_s : 5);
        bc_res_header(req, "Retry-After", ra);
        bc_res_error(req, 503, code, "the payment gateway is unavailable; nothing was refunded");
    } else {
        snprintf(msg, sizeof msg, "the payment gateway did not refund the payment%s%s",
                 res->gateway_message[0] ? ": " : "", res->gateway_message);
        send_error_extra(req, 502, "PAYMENT_GATEWAY_ERROR", msg, "gateway_code",
                         res->gateway_code[0] ? json_string(res->gateway_code) : NULL);
    }
}

/* Runs one action on the order named by {id} for the caller and answers with the order as the
 * caller may see it. Path ids {shipment_id} / {line_id} name the part; body shipment_id (admin)
 * and reason are optional. */
static void run_action(bc_req *req, const char *action, const char *conflict_code)
{
    bc_order_head h;
    const bc_auth *au = bc_req_auth(req);
    json_t *body = bc_req_json(req);
    bc_order_act_args a = {.action = action};
    bc_order_act_result res;
    int64_t v;
    if (load_head(req, &h) != BC_OK)
        return;
    if (bc_req_param(req, "shipment_id")) {
        if (bc_req_param_id(req, "shipment_id", &v) != BC_OK) {
            bc_res_error(req, 404, "SHIPMENT_NOT_FOUND", "no such shipment in this order");
            return;
        }
        a.shipment_id = v;
    } else if (json_is_integer(json_object_get(body, "shipment_id")))
        a.shipment_id = json_integer_value(json_object_get(body, "shipment_id"));
    if (bc_req_param(req, "line_id")) {
        if (bc_req_param_id(req, "line_id", &v) != BC_OK) {
            bc_res_error(req, 404, "LINE_NOT_FOUND", "no such line in this order");
            return;
        }
        a.line_id = v;
    }
    a.reason = json_string_value(json_object_get(body, "reason"));
    a.carrier = json_string_value(json_object_get(body, "carrier"));
    a.tracking_number = json_string_value(json_object_get(body, "tracking_number"));
    if (strcmp(action, "ship") == 0) {
        char msg[160];
        if (bc_order_check_shipment(a.carrier, a.tracking_number, msg, sizeof msg) != BC_OK) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
            return;
        }
    }
    bc_actor who = {au->user_id, au->role == BC_ROLE_ADMIN    ? BC_ACTOR_ADMIN
                                 : au->role == BC_ROLE_SELLER ? BC_ACTOR_SELLER
                                                              : BC_ACTOR_BUYER};
    int rc = bc_order_act(bc_req_db(req), h.id, &who, &a, &res);
    if (rc != BC_OK) {
        send_act_error(req, rc, &res, action, conflict_code);
        return;
    }
    bc_order_head after_h;
    if (who.kind == BC_ACTOR_ADMIN && bc_order_head_get(bc_req_db(req), h.id, &after_h) == BC_OK) {
        char what[48]; /* audit an admin's action right after it (sellers' and buyers' are the order history) */
        snprintf(what, sizeof what, "order.%s", action);
        json_t *before = json_pack("{s:s}", "status", h.status), *after = body ? json_deep_copy(body) : json_object();
        json_object_set_new(after, "status", json_string(after_h.status));
        rc = bc_audit_record(bc_req_db(req), au, what, "order", h.id, before, after, a.reason);
        json_decref(before);
        json_decref(after);
        if (rc != BC_OK) {
            bc_res_from_err(req, rc);
            return;
        }
    }
    send_order(req, 200, h.id, who.kind == BC_ACTOR_SELLER ? au->user_id : 0);
}

static void h_order_cancel(bc_req *req) { run_action(req, "cancel", "ORDER_NOT_CANCELABLE"); }
static void h_part_cancel(bc_req *req) { run_action(req, "cancel_part", NULL); }
static void h_line_cancel(bc_req *req) { run_action(req, "cancel_line", NULL); }
static void h_part_return(bc_req *req) { run_action(req, "return", NULL); }
static void h_part_confirm(bc_req *req) { run_action(req, "confirm", NULL); }
static void h_order_prepare(bc_req *req) { run_action(req, "prepare", NULL); }
static void h_order_ship(bc_req *req) { run_action(req, "ship", "ORDER_NOT_SHIPPABLE"); }
static void h_order_deliver(bc_req *req) { run_action(req, "deliver", "ORDER_NOT_DELIVERABLE"); }
static void h_approve_cancel(bc_req *req) { run_action(req, "approve_cancel", NULL); }
static void h_reject_cancel(bc_req *req) { run_action(req, "reject_cancel", NULL); }
static void h_receive_return(bc_req *req) { run_action(req, "receive_return", NULL); }
static void h_reject_return(bc_req *req) { run_action(req, "reject_return", NULL); }
static void h_refund(bc_req *req) { run_action(req, "refund", NULL); }

/* ---- per-seller shipping settings ---- */

static void send_shipping(bc_req *req, int64_t seller)
{
    int64_t fee, over;
    int dflt;
    if (bc_shipping_get(bc_req_db(req), seller, &fee, &over, &dflt) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    bc_res_json(req, 200,
                json_pack("{s:I,s:I,s:b}", "shipping_fee", (json_int_t)fee, "free_shipping_over", (json_int_t)over,
                          "default", dflt));
}

static void h_shipping_get(bc_req *req) { send_shipping(req, bc_req_auth(req)->user_id); }

static void h_shipping_put(bc_req *req)
{
    json_t *body = bc_req_json(req);
    int rc = bc_shipping_set(bc_req_db(req), bc_req_auth(req)->user_id,
                             json_integer_value(json_object_get(body, "shipping_fee")),
                             json_integer_value(json_object_get(body, "free_shipping_over")));
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "shipping_fee 0..1000000, free_shipping_over 0..100000000 KRW");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_shipping(req, bc_req_auth(req)->user_id);
}

static const bc_field ship_body[] = {
    {"carrier", BC_F_STR, 1, 1, 40, "delivery company, e.g. CJ대한통운"},
    {"tracking_number", BC_F_STR, 1, 1, 40, "the carrier's tracking number"},
    {"shipment_id", BC_F_INT, 0, 1, INT64_MAX, "admin: the shipment (default: every shipment that can ship)"},
    {NULL},
};
static const bc_field staff_body[] = {
    {"shipment_id", BC_F_INT, 0, 1, INT64_MAX, "admin: the shipment (default: every shipment it applies to)"},
    {"reason", BC_F_STR, 0, 0, 200, "why (kept in the history; sent to the gateway with a refund)"},
    {NULL},
};

static const bc_field cart_put_body[] = {
    {"quantity", BC_F_INT, 1, 1, 99, "units of the product in the cart"},
    {"sku_id", BC_F_INT, 0, 1, INT64_MAX, "the SKU (required when the product has options; each SKU is a line)"},
    {NULL},
};
static const bc_field cart_delete_query[] = {
    {"sku_id", BC_F_INT, 0, 1, INT64_MAX, "only this SKU's line (default: every line of the product)"},
    {NULL},
};

static const bc_field order_line[] = {
    {"product_id", BC_F_INT, 1, 1, INT64_MAX, "a product on sale"},
    {"sku_id", BC_F_INT, 0, 1, INT64_MAX, "the SKU (required when the product has options)"},
    {"quantity", BC_F_INT, 1, 1, BC_ORDER_MAX_QTY, "units", .code = "INVALID_QUANTITY"},
    {NULL},
};
static const bc_field order_item = {"items[]", BC_F_OBJ, 1, 0, 0, "one order line", .fields = order_line};
static const bc_field address_fields[] = {BC_ORDER_ADDRESS_FIELDS(1), {NULL}};

static const bc_field order_body[] = {
    {"items", BC_F_ARR, 0, 1, 50, "order lines (duplicates merged); or use from_cart", .items = &order_item},
    {"from_cart", BC_F_BOOL, 0, 0, 0, "order the whole cart (emptied on success)"},
    {"shipping_address", BC_F_OBJ, 0, 0, 0, "where to ship (or address_id)", .fields = address_fields},
    {"address_id", BC_F_INT, 0, 1, INT64_MAX, "an address of my address book to ship to (or shipping_address)"},
    {"save_address", BC_F_BOOL, 0, 0, 0,
     "with shipping_address: also add it to my address book (when not there yet and the book has room)"},
    {"live_id", BC_F_INT, 0, 1, INT64_MAX, "the live the order came from"},
    {"hold_id", BC_F_INT, 0, 1, INT64_MAX, "my hold (POST /api/v1/holds) that becomes this order's reservation"},
    {"coupon_id", BC_F_INT, 0, 1, INT64_MAX,
     "one of my coupons (a user coupon id, GET /api/v1/me/coupons) to spend on this order; re-checked here"},
    {"points", BC_F_INT, 0, 0, 1000000000,
     "points to spend (1 point = 1 KRW, at most the order amount); the gateway is charged the rest, and an order "
     "paid in full with points is PAID at once"},
    {NULL},
};

static const bc_field cancel_body[] = {{"reason", BC_F_STR, 0, 0, 200, "cancel reason sent to the gateway"}, {NULL}};
static const bc_field shipping_body[] = {
    {"shipping_fee", BC_F_INT, 1, 0, 1000000, "KRW charged per order for this seller's part"},
    {"free_shipping_over", BC_F_INT, 1, 0, 100000000, "this seller's part ships free from this subtotal (KRW)"},
    {NULL},
};
#define ACT_ERRORS(...)                                                                                                \
    (const char *const[]) { "ORDER_NOT_FOUND", __VA_ARGS__, "REFUND_IN_PROGRESS", NULL }
#define REFUND_ERRORS "PAYMENT_GATEWAY_ERROR", "PAYMENT_GATEWAY_UNAVAILABLE"

static const bc_field paging_query[] = {
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};

const bc_route bc_commerce_routes[] = {
    {"GET", "/api/v1/cart", BC_ROLE_BUYER, 0, NULL, h_cart, "cart", "The buyer's cart", 200, .response = &bc_sc_cart},
    {"PUT", "/api/v1/cart/items/{product_id}", BC_ROLE_BUYER, 0, cart_put_body, h_cart_put, "cart",
     "Set a product's quantity in the cart (409 OUT_OF_STOCK)", 200, .response = &bc_sc_cart,
     .errors =
         (const char *const[]){"PRODUCT_NOT_FOUND", "OUT_OF_STOCK", "CART_FULL", "SKU_REQUIRED", "SKU_INVALID", NULL}},
    {"DELETE", "/api/v1/cart/items/{product_id}", BC_ROLE_BUYER, 0, NULL, h_cart_delete_item, "cart",
     "Remove a product (or one SKU of it) from the cart; returns the cart", 200, .query = cart_delete_query,
     .response = &bc_sc_cart, .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/cart", BC_ROLE_BUYER, 0, NULL, h_cart_clear, "cart", "Empty the cart; returns the cart", 200,
     .response = &bc_sc_cart},
    {"POST", "/api/v1/orders", BC_ROLE_BUYER, BC_RT_INLINE_AUTHED, order_body, h_order_create, "orders",
     "Place an order: stock reserved until expires_at (409 OUT_OF_STOCK)", 201, .response = &bc_sc_order,
     .location = "/api/v1/orders/{id}", .try_inline = bc_stock_order_try_inline, /* stock: sold-out refusal */
     .gate = bc_stock_order_gate,
     .errors = (const char *const[]){"OUT_OF_STOCK", "PRODUCT_NOT_FOUND", "CART_EMPTY", "TOO_MANY_LINES",
                                     "TOTAL_TOO_LARGE", "LIVE_NOT_FOUND", "INVALID_QUANTITY",
                                     /* stock */
                                     "LIMIT_PER_ORDER", "LIMIT_PER_BUYER", "LIMIT_PER_BUYER_LIVE", "LIVE_STOCK_CAP",
                                     "UNPAID_ORDERS_LIMIT", "HOLD_NOT_FOUND", "HOLD_EXPIRED", "HOLD_MISMATCH",
                                     "BANNED_FROM_LIVE", "EMAIL_NOT_VERIFIED",
                                     /* coupons */
                                     "COUPON_NOT_FOUND", "COUPON_USED", "COUPON_EXPIRED", "COUPON_LIVE_OFF_AIR",
                                     "COUPON_NOT_APPLICABLE",
                                     /* points */
                                     "INSUFFICIENT_POINTS", "POINTS_EXCEED_AMOUNT",
                                     /* product options as SKUs */
                                     "SKU_REQUIRED", "SKU_INVALID", NULL}},
    {"GET", "/api/v1/orders", BC_ROLE_ANY, 0, NULL, h_orders, "orders", "My orders, newest first, one page at a time",
     200, .query = paging_query, .response = &bc_sc_order_page},
    {"GET", "/api/v1/orders/{id}", BC_ROLE_ANY, 0, NULL, h_order, "orders",
     "One order by id or orderId (its buyer, a seller of a line: only their lines, or admin)", 200,
     .response = &bc_sc_order, .errors = (const char *const[]){"ORDER_NOT_FOUND", NULL}},
    {"POST", "/api/v1/orders/{id}/cancel", BC_ROLE_BUYER | BC_ROLE_ADMIN, 0, cancel_body, h_order_cancel, "orders",
     "Cancel the whole order while unpaid or paid and not yet prepared (refunds the rest at the gateway, restocks; "
     "409 ORDER_NOT_CANCELABLE with the current status)",
     200, .response = &bc_sc_order, .errors = ACT_ERRORS("ORDER_NOT_CANCELABLE", REFUND_ERRORS)},
    {"POST", "/api/v1/orders/{id}/shipments/{shipment_id}/cancel", BC_ROLE_BUYER | BC_ROLE_ADMIN, 0, cancel_body,
     h_part_cancel, "orders",
     "Cancel one seller's part: PAID -> CANCELED (refund of its lines and fee, restock), PREPARING -> "
     "CANCEL_REQUESTED (the seller decides)",
     200, .response = &bc_sc_order, .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT", REFUND_ERRORS)},
    {"POST", "/api/v1/orders/{id}/lines/{line_id}/cancel", BC_ROLE_BUYER | BC_ROLE_ADMIN, 0, cancel_body, h_line_cancel,
     "orders", "Cancel one line of a PAID part: refund of the line (and the part's fee with its last line), restock",
     200, .response = &bc_sc_order, .errors = ACT_ERRORS("LINE_NOT_FOUND", "ORDER_STATE_CONFLICT", REFUND_ERRORS)},
    {"POST", "/api/v1/orders/{id}/shipments/{shipment_id}/return", BC_ROLE_BUYER, 0, cancel_body, h_part_return,
     "orders", "Ask to return a DELIVERED part (RETURN_REQUESTED)", 200, .response = &bc_sc_order,
     .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT")},
    {"POST", "/api/v1/orders/{id}/shipments/{shipment_id}/confirm", BC_ROLE_BUYER, 0, NULL, h_part_confirm, "orders",
     "Confirm the purchase of a DELIVERED part (PURCHASE_CONFIRMED; automatic after BROADCART_AUTO_CONFIRM_DAYS)", 200,
     .response = &bc_sc_order, .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT")},
    {"GET", "/api/v1/seller/orders", BC_ROLE_SELLER, 0, NULL, h_seller_orders, "orders",
     "Orders with the seller's lines (only their part: lines, shipment, amounts), newest first", 200,
     .query = paging_query, .response = &bc_sc_order_page},
    {"POST", "/api/v1/seller/orders/{id}/prepare", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, staff_body, h_order_prepare,
     "orders", "Start preparing the seller's PAID part (PREPARING; the buyer's cancel then needs approval)", 200,
     .response = &bc_sc_order, .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT")},
    {"POST", "/api/v1/seller/orders/{id}/ship", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, ship_body, h_order_ship, "orders",
     "Ship the seller's part (PAID or PREPARING -> SHIPPING + carrier/tracking; admin: every part or shipment_id; "
     "409 ORDER_NOT_SHIPPABLE)",
     200, .response = &bc_sc_order, .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_NOT_SHIPPABLE")},
    {"POST", "/api/v1/seller/orders/{id}/deliver", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, staff_body, h_order_deliver,
     "orders", "Mark the seller's SHIPPING part DELIVERED (409 ORDER_NOT_DELIVERABLE)", 200, .response = &bc_sc_order,
     .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_NOT_DELIVERABLE")},
    {"POST", "/api/v1/seller/orders/{id}/approve-cancel", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, staff_body,
     h_approve_cancel, "orders", "Accept the buyer's cancel request: CANCELED, refund, restock", 200,
     .response = &bc_sc_order, .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT", REFUND_ERRORS)},
    {"POST", "/api/v1/seller/orders/{id}/reject-cancel", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, staff_body, h_reject_cancel,
     "orders", "Refuse the buyer's cancel request (back to PREPARING)", 200, .response = &bc_sc_order,
     .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT")},
    {"POST", "/api/v1/seller/orders/{id}/receive-return", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, staff_body,
     h_receive_return, "orders", "The returned parcel arrived (RETURN_REQUESTED -> RETURNED)", 200,
     .response = &bc_sc_order, .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT")},
    {"POST", "/api/v1/seller/orders/{id}/reject-return", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, staff_body, h_reject_return,
     "orders", "Refuse the return request (back to DELIVERED)", 200, .response = &bc_sc_order,
     .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT")},
    {"POST", "/api/v1/seller/orders/{id}/refund", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, staff_body, h_refund, "orders",
     "Refund a RETURNED part (REFUNDED: its lines and fee back at the gateway, exactly once)", 200,
     .response = &bc_sc_order, .errors = ACT_ERRORS("SHIPMENT_NOT_FOUND", "ORDER_STATE_CONFLICT", REFUND_ERRORS)},
    {"GET", "/api/v1/seller/shipping", BC_ROLE_SELLER, 0, NULL, h_shipping_get, "orders",
     "The seller's shipping fee and free-shipping threshold (the defaults until set)", 200,
     .response = &bc_sc_shipping},
    {"PUT", "/api/v1/seller/shipping", BC_ROLE_SELLER, 0, shipping_body, h_shipping_put, "orders",
     "Set the seller's shipping fee and free-shipping threshold (orders placed afterwards)", 200,
     .response = &bc_sc_shipping},
    {NULL},
};
