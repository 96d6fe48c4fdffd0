/* Routes of stock: holds (/api/v1/holds), a product's stock ledger and purchase limits. No SQL
 * here: handlers validate, authorise and call stock.c / holds.c. */
#include "commerce.h"

#include <string.h>

#include "../catalog/catalog.h"

/* The message of each refusal code of stock.c / holds.c / checkout.c. */
static const struct {
    const char *code;
    int status;
    const char *message;
} problems[] = {
    {"LIMIT_PER_ORDER", 422, "the quantity exceeds the most units of this product one order may hold"},
    {"LIMIT_PER_BUYER", 409, "you would exceed the most units of this product one buyer may buy"},
    {"LIMIT_PER_BUYER_LIVE", 409, "you would exceed the most units of this product one buyer may buy in this live"},
    {"LIVE_STOCK_CAP", 409, "the live-only stock of this product is sold out"},
    {"UNPAID_ORDERS_LIMIT", 409, "you already have the most unpaid orders and holds allowed; pay or cancel one first"},
    {"HOLD_NOT_FOUND", 404, "no such hold"},
    {"HOLD_EXPIRED", 409, "the hold expired, was released or already became an order"},
    {"HOLD_MISMATCH", 422, "an order with hold_id must be exactly the hold's product, quantity and live"},
    {"OUT_OF_STOCK", 409, "the product is out of stock or not on sale"},
    {"PRODUCT_NOT_FOUND", 404, "no such product"},
    {"LIVE_NOT_FOUND", 422, "'live_id' is not an existing live"},
    {"LIVE_PRODUCT_MISMATCH", 422, "the live does not carry this product"},
    {"BANNED_FROM_LIVE", 403, "you are banned from this live and cannot buy from it"},
    {"SKU_REQUIRED", 422, "this product has options: choose one of its SKUs (sku_id)"},
    {"SKU_INVALID", 422, "'sku_id' is not an active SKU of this product"},
    {NULL, 0, NULL},
};

/* Sends the refusal code (with product_id, and for a limit the limit in units). 1 when sent. */
static int send_problem(bc_req *req, const char *code, int64_t product_id, int only_stock_codes)
{
    for (size_t i = 0; code && problems[i].code; i++) {
        if (strcmp(problems[i].code, code) != 0)
            continue;
        if (only_stock_codes && i >= 8) /* the order handler answers the codes it always had */
            return 0;
        json_t *e = json_pack("{s:s,s:s}", "code", code, "message", problems[i].message);
        if (product_id > 0)
            json_object_set_new(e, "product_id", json_integer(product_id));
        bc_stock_limits lim;
        if (strncmp(code, "LIMIT_", 6) == 0 && bc_stock_limits_get(bc_req_db(req), product_id, &lim) == BC_OK) {
            int64_t v = strcmp(code, "LIMIT_PER_ORDER") == 0   ? lim.max_per_order
                        : strcmp(code, "LIMIT_PER_BUYER") == 0 ? lim.max_per_buyer
                                                               : lim.max_per_buyer_live;
            json_object_set_new(e, "limit", json_integer(v));
        }
        bc_res_json(req, problems[i].status, json_pack("{s:o}", "error", e));
        return 1;
    }
    return 0;
}

int bc_stock_send_order_problem(bc_req *req, const char *code, int64_t product_id)
{
    return send_problem(req, code, product_id, 1);
}

/* ---- the sold-out refusals on the event loop (try_inline, BC_RT_INLINE_AUTHED) ---- */

/* POST /api/v1/holds: the product's flag stands, so bc_hold_create would refuse from memory too. */
static int hold_try_inline(bc_req *req)
{
    int64_t pid = json_integer_value(json_object_get(bc_req_json(req), "product_id"));
    int64_t sku = json_integer_value(json_object_get(bc_req_json(req), "sku_id"));
    if (!bc_stock_known_sold_out_sku(pid, sku, NULL, 0))
        return 0;
    return send_problem(req, "OUT_OF_STOCK", pid, 0);
}

int bc_stock_order_try_inline(bc_req *req)
{
    json_t *body = bc_req_json(req), *items = json_object_get(body, "items"), *it;
    char msg[200], name[BC_STOCK_NAME_MAX];
    size_t i;
    /* only what the handler would refuse from the flag: items (not the cart), no hold (a hold's
     * stock is taken already), and every check it makes first passed */
    if (!json_is_array(items) || json_is_true(json_object_get(body, "from_cart")) ||
        json_is_integer(json_object_get(body, "hold_id")) ||
        bc_order_check_address(json_object_get(body, "shipping_address"), msg, sizeof msg) != BC_OK)
        return 0;
    json_array_foreach (items, i, it) {
        int64_t pid = json_integer_value(json_object_get(it, "product_id"));
        int64_t sku = json_integer_value(json_object_get(it, "sku_id"));
        if (!bc_stock_known_sold_out_sku(pid, sku, name, sizeof name))
            continue;
        snprintf(msg, sizeof msg, "'%s' is out of stock or not on sale", name);
        bc_res_json(req, 409,
                    json_pack("{s:{s:s,s:s,s:I}}", "error", "code", "OUT_OF_STOCK", "message", msg, "product_id",
                              (json_int_t)pid));
        return 1;
    }
    return 0;
}

/* The gates (bc_route.gate) of the two routes: the product a hold or a one-line order without a
 * hold contends for, so a burst on one product waits on the loop, not in the worker queue. */
static int64_t hold_gate(bc_req *req) { return json_integer_value(json_object_get(bc_req_json(req), "product_id")); }

int64_t bc_stock_order_gate(bc_req *req)
{
    json_t *body = bc_req_json(req), *items = json_object_get(body, "items");
    if (!json_is_array(items) || json_array_size(items) != 1 || json_is_integer(json_object_get(body, "hold_id")))
        return 0;
    return json_integer_value(json_object_get(json_array_get(items, 0), "product_id"));
}

/* ---- holds ---- */

static void h_hold_create(bc_req *req)
{
    json_t *body = bc_req_json(req), *live = json_object_get(body, "live_id");
    int64_t pid = json_integer_value(json_object_get(body, "product_id"));
    int64_t qty = json_integer_value(json_object_get(body, "quantity"));
    bc_hold_problem why = {0};
    json_t *hold = NULL;
    if (bc_cfg.require_verified_email && !bc_req_auth(req)->email_verified) {
        bc_res_error(req, 403, "EMAIL_NOT_VERIFIED", "verify your e-mail address before holding stock");
        return;
    }
    json_t *sku = json_object_get(body, "sku_id");
    int rc = bc_hold_create_sku(bc_req_db(req), bc_req_auth(req)->user_id, pid,
                                json_is_integer(sku) ? json_integer_value(sku) : 0, qty,
                                json_is_integer(live) ? json_integer_value(live) : 0, &why, &hold);
    if (rc == BC_OK) {
        bc_res_json(req, 201, hold);
        return;
    }
    if (why.code && send_problem(req, why.code, why.product_id, 0))
        return;
    bc_res_from_err(req, rc == BC_ENOMEM ? BC_ERR : rc);
}

static void h_hold_get(bc_req *req)
{
    int64_t id;
    json_t *hold = NULL;
    int rc = bc_req_param_id(req, "id", &id) == BC_OK
                 ? bc_hold_get(bc_req_db(req), bc_req_auth(req)->user_id, id, &hold)
                 : BC_ENOTFOUND;
    if (rc == BC_OK)
        bc_res_json(req, 200, hold);
    else if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "HOLD_NOT_FOUND", "no such hold");
    else
        bc_res_from_err(req, rc);
}

static void h_hold_delete(bc_req *req)
{
    int64_t id;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "HOLD_NOT_FOUND", "no such hold");
        return;
    }
    int rc = bc_hold_release(bc_req_db(req), bc_req_auth(req)->user_id, id);
    if (rc == BC_OK)
        bc_res_send(req, 204, "application/json", "", 0);
    else if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "HOLD_NOT_FOUND", "no such hold");
    else if (rc == BC_ECONFLICT)
        bc_res_error(req, 409, "HOLD_EXPIRED", "the hold expired, was released or already became an order");
    else
        bc_res_from_err(req, rc);
}

/* ---- a product's ledger and limits ---- */

static void h_ledger(bc_req *req)
{
    int64_t id, page, per_page;
    json_t *out = NULL;
    if (bc_catalog_authorize(req, 1, &id) != BC_OK || bc_catalog_paging(req, 50, 100, &page, &per_page) != BC_OK)
        return;
    int rc = bc_stock_ledger_page(bc_req_db(req), id, page, per_page, &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc == BC_ENOMEM ? BC_ERR : rc);
        return;
    }
    bc_res_json(req, 200, out);
}

static void send_limits(bc_req *req, int64_t id)
{
    bc_stock_limits l;
    int rc = bc_stock_limits_get(bc_req_db(req), id, &l);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200,
                json_pack("{s:I,s:I,s:I,s:I}", "product_id", (json_int_t)id, "max_per_order",
                          (json_int_t)l.max_per_order, "max_per_buyer", (json_int_t)l.max_per_buyer,
                          "max_per_buyer_live", (json_int_t)l.max_per_buyer_live));
}

static void h_limits_put(bc_req *req)
{
    int64_t id;
    json_t *body = bc_req_json(req);
    if (bc_catalog_authorize(req, 0, &id) != BC_OK)
        return;
    bc_stock_limits l = {json_integer_value(json_object_get(body, "max_per_order")),
                         json_integer_value(json_object_get(body, "max_per_buyer")),
                         json_integer_value(json_object_get(body, "max_per_buyer_live"))};
    int rc = bc_stock_limits_set(bc_req_db(req), id, &l);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_limits(req, id);
}

static void h_limits_get(bc_req *req)
{
    int64_t id, seller = 0;
    int deleted = 0, visible = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK ||
        bc_catalog_product_owner(bc_req_db(req), id, &seller, &deleted, &visible) != BC_OK || !visible) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    send_limits(req, id);
}

static const bc_field hold_body[] = {
    {"product_id", BC_F_INT, 1, 1, INT64_MAX, "the product to hold"},
    {"quantity", BC_F_INT, 1, 1, BC_ORDER_MAX_QTY, "units", .code = "INVALID_QUANTITY"},
    {"live_id", BC_F_INT, 0, 1, INT64_MAX, "the live whose buy sheet is open (its offer and caps apply)"},
    {"sku_id", BC_F_INT, 0, 1, INT64_MAX, "the chosen SKU (required when the product has options)"},
    {NULL},
};

static const bc_field limits_body[] = {
    {"max_per_order", BC_F_INT, 1, 0, BC_ORDER_MAX_QTY, "most units in one order or hold, 0 = no limit"},
    {"max_per_buyer", BC_F_INT, 1, 0, 1000000, "most units one buyer may hold, reserve or buy, 0 = no limit"},
    {"max_per_buyer_live", BC_F_INT, 1, 0, 1000000, "the same per live, 0 = no limit"},
    {NULL},
};

static const bc_field ledger_query[] = {
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "50"},
    {NULL},
};

const bc_route bc_stock_routes[] = {
    {"POST", "/api/v1/holds", BC_ROLE_BUYER, BC_RT_INLINE_AUTHED, hold_body, h_hold_create, "stock",
     "Hold units of a product for BROADCART_HOLD_TTL seconds (the buy sheet); an order with hold_id takes them over",
     201, .response = &bc_sc_hold, .location = "/api/v1/holds/{id}", .try_inline = hold_try_inline, .gate = hold_gate,
     .errors = (const char *const[]){"OUT_OF_STOCK", "PRODUCT_NOT_FOUND", "LIVE_NOT_FOUND", "LIVE_PRODUCT_MISMATCH",
                                     "BANNED_FROM_LIVE", "EMAIL_NOT_VERIFIED", "LIMIT_PER_ORDER", "LIMIT_PER_BUYER",
                                     "LIMIT_PER_BUYER_LIVE", "LIVE_STOCK_CAP", "UNPAID_ORDERS_LIMIT",
                                     "INVALID_QUANTITY", "SKU_REQUIRED", "SKU_INVALID", NULL}},
    {"GET", "/api/v1/holds/{id}", BC_ROLE_BUYER, 0, NULL, h_hold_get, "stock",
     "One of my holds (HELD, ORDERED with its order_id, or RELEASED)", 200, .response = &bc_sc_hold,
     .errors = (const char *const[]){"HOLD_NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/holds/{id}", BC_ROLE_BUYER, 0, NULL, h_hold_delete, "stock",
     "Release one of my holds (its stock goes back)", 204,
     .errors = (const char *const[]){"HOLD_NOT_FOUND", "HOLD_EXPIRED", NULL}},
    {"GET", "/api/v1/seller/products/{id}/stock-ledger", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_ledger, "stock",
     "A product's stock ledger, newest first (its seller or an admin): who, why, delta, balance after", 200,
     .query = ledger_query, .response = &bc_sc_stock_ledger,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", "NOT_YOUR_PRODUCT", NULL}},
    {"PUT", "/api/v1/seller/products/{id}/limits", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, limits_body, h_limits_put,
     "stock", "Set a product's purchase limits (its seller or an admin; 0 = no limit)", 200,
     .response = &bc_sc_product_limits, .errors = (const char *const[]){"PRODUCT_NOT_FOUND", "NOT_YOUR_PRODUCT", NULL}},
    {"GET", "/api/v1/products/{id}/limits", 0, 0, NULL, h_limits_get, "stock",
     "A product's purchase limits, for the buy sheet (0 = no limit)", 200, .response = &bc_sc_product_limits,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {NULL},
};
