/* Routes under /api/v1/cart, /api/v1/orders and /api/v1/seller/orders. No SQL here: handlers
 * validate, authorise and call cart.c / orders.c (and the Toss client for cancels). */
#include "commerce.h"

#include <string.h>

#include "../catalog/catalog.h"
#include "../payments/payments.h"

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
    int rc = bc_cart_set(bc_req_db(req), bc_req_auth(req)->user_id, pid, qty);
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
    int rc = bc_cart_remove(bc_req_db(req), bc_req_auth(req)->user_id, pid);
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

static void h_order_create(bc_req *req)
{
    json_t *body = bc_req_json(req);
    json_t *items = json_object_get(body, "items"), *addr = json_object_get(body, "shipping_address");
    json_t *fc = json_object_get(body, "from_cart"), *live = json_object_get(body, "live_id");
    int from_cart = json_is_true(fc);
    int has_items = items && !json_is_null(items);
    bc_order_item list[50];
    size_t n = 0;
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
            list[n].quantity = json_integer_value(json_object_get(it, "quantity"));
            n++;
        }
    }
    if (bc_order_check_address(addr, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
        return;
    }
    int64_t live_id = json_is_integer(live) ? json_integer_value(live) : 0;
    bc_order_problem why;
    int64_t id = 0;
    json_t *hold = json_object_get(body, "hold_id"); /* stock: a hold becomes the reservation */
    int rc = bc_order_create_held(bc_req_db(req), bc_req_auth(req)->user_id, has_items ? list : NULL, n, addr, live_id,
                                  json_is_integer(hold) ? json_integer_value(hold) : 0, &why, &id);
    if (rc == BC_OK) {
        send_order(req, 201, id, 0);
        return;
    }
    if (why.code && bc_stock_send_order_problem(req, why.code, why.product_id)) /* stock's refusals */
        return;
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

static void h_order_cancel(bc_req *req)
{
    bc_order_head h;
    const bc_auth *a = bc_req_auth(req);
    bc_pg_result res = {0};
    const char *reason = json_string_value(json_object_get(bc_req_json(req), "reason"));
    if (!reason || !*reason)
        reason = "구매자 요청";
    if (load_head(req, &h) != BC_OK)
        goto out;
    if (h.buyer_id != a->user_id) {
        bc_res_error(req, 404, "ORDER_NOT_FOUND", "no such order");
        goto out;
    }
    if (!bc_order_can_cancel(h.status)) {
        bc_res_error(req, 409, "ORDER_NOT_CANCELABLE", "an order in status %s cannot be canceled", h.status);
        goto out;
    }
    if (strcmp(h.status, "PAID") == 0) {
        /* refund at the gateway first; an already-canceled payment counts as done (a retry after a
         * failed local commit) — Toss answers ALREADY_CANCELED_PAYMENT for those */
        char idem[96];
        snprintf(idem, sizeof idem, "cancel-%s", h.order_id);
        int crc = bc_order_claim_cancel(bc_req_db(req), h.id);
        if (crc != BC_OK) {
            if (crc == BC_ECONFLICT)
                bc_res_error(req, 409, "ORDER_NOT_CANCELABLE",
                             "the order changed or is already being canceled; reload it");
            else
                bc_res_from_err(req, crc);
            goto out;
        }
        int rc = bc_toss_cancel(h.payment_key, reason, 0, idem, &res);
        const char *gcode = json_string_value(json_object_get(res.body, "code"));
        int ok = rc == BC_OK && ((res.http_status >= 200 && res.http_status < 300) ||
                                 (gcode && strcmp(gcode, "ALREADY_CANCELED_PAYMENT") == 0));
        if (!ok) {
            bc_order_release_cancel_claim(bc_req_db(req), h.id);
            const char *gmsg = json_string_value(json_object_get(res.body, "message"));
            char msg[300];
            snprintf(msg, sizeof msg, "the payment gateway did not cancel the payment%s%s", gmsg ? ": " : "",
                     gmsg ? gmsg : "");
            send_error_extra(req, 502, "PAYMENT_GATEWAY_ERROR", msg, "gateway_code", gcode ? json_string(gcode) : NULL);
            goto out;
        }
    }
    int rc = bc_order_cancel(bc_req_db(req), h.id, h.status);
    if (rc == BC_ECONFLICT) {
        if (strcmp(h.status, "PAID") == 0)
            bc_log_error("commerce", "order %s: payment canceled at the gateway but the order changed meanwhile",
                         h.order_id);
        bc_res_error(req, 409, "ORDER_NOT_CANCELABLE", "the order changed meanwhile; reload it");
        goto out;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    send_order(req, 200, h.id, 0);
out:
    json_decref(res.body);
}

/* ---- fulfilment (seller) ---- */

/* Loads the order named by {id} for a fulfilment change by the caller: a seller with at least
 * one line in it, or an admin. Sends 404 ORDER_NOT_FOUND otherwise (other sellers do not learn
 * that the order exists) and returns an error. *only_seller is the seller whose lines the reply
 * shows (0 for an admin: all lines). */
static int load_fulfilment(bc_req *req, bc_order_head *h, int64_t *only_seller)
{
    const bc_auth *a = bc_req_auth(req);
    if (load_head(req, h) != BC_OK)
        return BC_ENOTFOUND;
    *only_seller = 0;
    if (a->role == BC_ROLE_ADMIN)
        return BC_OK;
    if (a->role == BC_ROLE_SELLER && bc_order_has_seller(bc_req_db(req), h->id, a->user_id)) {
        *only_seller = a->user_id;
        return BC_OK;
    }
    bc_res_error(req, 404, "ORDER_NOT_FOUND", "no such order");
    return BC_ENOTFOUND;
}

static void h_order_ship(bc_req *req)
{
    bc_order_head h;
    int64_t only_seller;
    char msg[160];
    json_t *body = bc_req_json(req);
    const char *carrier = json_string_value(json_object_get(body, "carrier"));
    const char *tracking = json_string_value(json_object_get(body, "tracking_number"));
    if (load_fulfilment(req, &h, &only_seller) != BC_OK)
        return;
    if (bc_order_check_shipment(carrier, tracking, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
        return;
    }
    if (!bc_order_can_ship(h.status)) {
        bc_res_error(req, 409, "ORDER_NOT_SHIPPABLE", "only a PAID order can be shipped (this one is %s)", h.status);
        return;
    }
    int rc = bc_order_ship(bc_req_db(req), h.id, carrier, tracking);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "ORDER_NOT_SHIPPABLE", "the order changed meanwhile; reload it");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_order(req, 200, h.id, only_seller);
}

static void h_order_deliver(bc_req *req)
{
    bc_order_head h;
    int64_t only_seller;
    if (load_fulfilment(req, &h, &only_seller) != BC_OK)
        return;
    if (!bc_order_can_deliver(h.status)) {
        bc_res_error(req, 409, "ORDER_NOT_DELIVERABLE",
                     "only a SHIPPING order can be marked delivered (this one is %s)", h.status);
        return;
    }
    int rc = bc_order_deliver(bc_req_db(req), h.id);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "ORDER_NOT_DELIVERABLE", "the order changed meanwhile; reload it");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_order(req, 200, h.id, only_seller);
}

static const bc_field ship_body[] = {
    {"carrier", BC_F_STR, 1, 1, 40, "delivery company, e.g. CJ대한통운"},
    {"tracking_number", BC_F_STR, 1, 1, 40, "the carrier's tracking number"},
    {NULL},
};

static const bc_field cart_put_body[] = {{"quantity", BC_F_INT, 1, 1, 99, "units of the product in the cart"}, {NULL}};

static const bc_field order_line[] = {
    {"product_id", BC_F_INT, 1, 1, INT64_MAX, "a product on sale"},
    {"quantity", BC_F_INT, 1, 1, BC_ORDER_MAX_QTY, "units", .code = "INVALID_QUANTITY"},
    {NULL},
};
static const bc_field order_item = {"items[]", BC_F_OBJ, 1, 0, 0, "one order line", .fields = order_line};
static const bc_field address_fields[] = {
    {"recipient", BC_F_STR, 1, 1, 40, "who receives the parcel"},
    {"phone", BC_F_STR, 1, 9, 20, "digits and '-'", .example = "\"010-1234-5678\""},
    {"postcode", BC_F_STR, 1, 5, 5, "5 digits", .example = "\"06236\""},
    {"address1", BC_F_STR, 1, 1, 200, "street address"},
    {"address2", BC_F_STR, 0, 0, 200, "apartment, floor…"},
    {NULL},
};

static const bc_field order_body[] = {
    {"items", BC_F_ARR, 0, 1, 50, "order lines (duplicates merged); or use from_cart", .items = &order_item},
    {"from_cart", BC_F_BOOL, 0, 0, 0, "order the whole cart (emptied on success)"},
    {"shipping_address", BC_F_OBJ, 1, 0, 0, "where to ship", .fields = address_fields},
    {"live_id", BC_F_INT, 0, 1, INT64_MAX, "the live the order came from"},
    {"hold_id", BC_F_INT, 0, 1, INT64_MAX, "my hold (POST /api/v1/holds) that becomes this order's reservation"},
    {NULL},
};

static const bc_field cancel_body[] = {{"reason", BC_F_STR, 0, 0, 200, "cancel reason sent to the gateway"}, {NULL}};

static const bc_field paging_query[] = {
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};

const bc_route bc_commerce_routes[] = {
    {"GET", "/api/v1/cart", BC_ROLE_BUYER, 0, NULL, h_cart, "cart", "The buyer's cart", 200, .response = &bc_sc_cart},
    {"PUT", "/api/v1/cart/items/{product_id}", BC_ROLE_BUYER, 0, cart_put_body, h_cart_put, "cart",
     "Set a product's quantity in the cart (409 OUT_OF_STOCK)", 200, .response = &bc_sc_cart,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", "OUT_OF_STOCK", "CART_FULL", NULL}},
    {"DELETE", "/api/v1/cart/items/{product_id}", BC_ROLE_BUYER, 0, NULL, h_cart_delete_item, "cart",
     "Remove a product from the cart; returns the cart", 200, .response = &bc_sc_cart,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/cart", BC_ROLE_BUYER, 0, NULL, h_cart_clear, "cart", "Empty the cart; returns the cart", 200,
     .response = &bc_sc_cart},
    {"POST", "/api/v1/orders", BC_ROLE_BUYER, 0, order_body, h_order_create, "orders",
     "Place an order: stock reserved until expires_at (409 OUT_OF_STOCK)", 201, .response = &bc_sc_order,
     .location = "/api/v1/orders/{id}",
     .errors = (const char *const[]){"OUT_OF_STOCK", "PRODUCT_NOT_FOUND", "CART_EMPTY", "TOO_MANY_LINES",
                                     "TOTAL_TOO_LARGE", "LIVE_NOT_FOUND", "INVALID_QUANTITY",
                                     /* stock */
                                     "LIMIT_PER_ORDER", "LIMIT_PER_BUYER", "LIMIT_PER_BUYER_LIVE", "LIVE_STOCK_CAP",
                                     "UNPAID_ORDERS_LIMIT", "HOLD_NOT_FOUND", "HOLD_EXPIRED", "HOLD_MISMATCH", NULL}},
    {"GET", "/api/v1/orders", BC_ROLE_ANY, 0, NULL, h_orders, "orders", "My orders, newest first, one page at a time",
     200, .query = paging_query, .response = &bc_sc_order_page},
    {"GET", "/api/v1/orders/{id}", BC_ROLE_ANY, 0, NULL, h_order, "orders",
     "One order by id or orderId (its buyer, a seller of a line: only their lines, or admin)", 200,
     .response = &bc_sc_order, .errors = (const char *const[]){"ORDER_NOT_FOUND", NULL}},
    {"POST", "/api/v1/orders/{id}/cancel", BC_ROLE_BUYER, 0, cancel_body, h_order_cancel, "orders",
     "Cancel a pending or paid order (refunds at the gateway, restocks)", 200, .response = &bc_sc_order,
     .errors = (const char *const[]){"ORDER_NOT_FOUND", "ORDER_NOT_CANCELABLE", "PAYMENT_GATEWAY_ERROR", NULL}},
    {"GET", "/api/v1/seller/orders", BC_ROLE_SELLER, 0, NULL, h_seller_orders, "orders",
     "Orders with the seller's lines (only those lines), newest first, one page at a time", 200, .query = paging_query,
     .response = &bc_sc_order_page},
    {"POST", "/api/v1/seller/orders/{id}/ship", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, ship_body, h_order_ship, "orders",
     "Ship a PAID order (a seller with lines in it, or admin): SHIPPING + carrier/tracking (409 ORDER_NOT_SHIPPABLE)",
     200, .response = &bc_sc_order, .errors = (const char *const[]){"ORDER_NOT_FOUND", "ORDER_NOT_SHIPPABLE", NULL}},
    {"POST", "/api/v1/seller/orders/{id}/deliver", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_order_deliver, "orders",
     "Mark a SHIPPING order DELIVERED (a seller with lines in it, or admin; 409 ORDER_NOT_DELIVERABLE)", 200,
     .response = &bc_sc_order, .errors = (const char *const[]){"ORDER_NOT_FOUND", "ORDER_NOT_DELIVERABLE", NULL}},
    {NULL},
};
