/* Routes of product options as SKUs: the seller builds a product's option grid and edits its SKUs.
 * No SQL here: handlers validate, authorise (bc_catalog_authorize) and call skus.c; both answer
 * with the product as GET /api/v1/products/{id} shows it (options and skus included). */
#include "commerce.h"

#include "../catalog/catalog.h"

/* Sends product id as its seller sees it (hidden ones included). */
static void send_product(bc_req *req, int64_t id)
{
    json_t *p = NULL;
    int rc = bc_catalog_product_json(bc_req_db(req), id, 1, &p);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, p);
}

static void h_options_put(bc_req *req)
{
    int64_t id;
    char msg[200];
    json_t *groups = json_object_get(bc_req_json(req), "groups");
    if (bc_catalog_authorize(req, 0, &id) != BC_OK)
        return;
    if (bc_sku_check_groups(groups, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
        return;
    }
    int rc = bc_sku_set_options(bc_req_db(req), id, bc_req_auth(req)->user_id, groups);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc == BC_ENOMEM ? BC_ERR : rc);
        return;
    }
    send_product(req, id);
}

static void h_sku_patch(bc_req *req)
{
    int64_t id, sku_id;
    json_t *body = bc_req_json(req), *v;
    const char *code = NULL;
    if (bc_catalog_authorize(req, 0, &id) != BC_OK)
        return;
    if (bc_req_param_id(req, "sku_id", &sku_id) != BC_OK) {
        bc_res_error(req, 404, "SKU_NOT_FOUND", "no such SKU of this product");
        return;
    }
    bc_sku_patch p = {.stock = -1, .active = -1};
    if ((v = json_object_get(body, "price_delta")) && json_is_integer(v)) {
        p.has_delta = 1;
        p.price_delta = json_integer_value(v);
    }
    if ((v = json_object_get(body, "stock")) && json_is_integer(v))
        p.stock = json_integer_value(v);
    if ((v = json_object_get(body, "code"))) {
        p.has_code = 1;
        p.code = json_string_value(v); /* null clears */
    }
    if ((v = json_object_get(body, "active")) && json_is_boolean(v))
        p.active = json_is_true(v);
    int rc = bc_sku_update(bc_req_db(req), id, sku_id, bc_req_auth(req)->user_id, &p, &code);
    if (rc == BC_OK)
        send_product(req, id);
    else if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "SKU_NOT_FOUND", "no such SKU of this product");
    else if (rc == BC_EINVAL && code)
        bc_res_error(req, 422, "PRICE_TOO_LOW", "the product's price + 'price_delta' must be at least %d KRW",
                     BC_CATALOG_MIN_PRICE);
    else if (rc == BC_EINVAL)
        bc_res_error(req, 422, "VALIDATION_FAILED", "a field is out of range");
    else if (rc == BC_ECONFLICT)
        bc_res_error(req, 409, "CONFLICT", "the SKU's stock changed meanwhile; retry");
    else
        bc_res_from_err(req, rc);
}

static const bc_field value_item = {"values[]", BC_F_STR, 1, 1, BC_SKU_TEXT_MAX, "one value, e.g. \"M\""};
static const bc_field group_fields[] = {
    {"name", BC_F_STR, 1, 1, BC_SKU_TEXT_MAX, "the group's name, e.g. \"사이즈\""},
    {"values", BC_F_ARR, 1, 1, BC_SKU_MAX_VALUES, "its values in display order", .items = &value_item},
    {NULL},
};
static const bc_field group_item = {"groups[]", BC_F_OBJ, 1, 0, 0, "one option group", .fields = group_fields};
static const bc_field options_body[] = {
    {"groups", BC_F_ARR, 1, 0, BC_SKU_MAX_GROUPS,
     "the option groups (at most 2); one SKU per combination of their values; [] removes the options",
     .items = &group_item},
    {NULL},
};
static const bc_field sku_body[] = {
    {"price_delta", BC_F_INT, 0, -100000000, 100000000,
     "KRW added to the product's price (may be negative; the sum must stay >= 1)"},
    {"stock", BC_F_INT, 0, 0, 1000000, "units of this SKU (recorded in the stock ledger)"},
    {"code", BC_F_STR, 0, 0, 40, "the seller's own SKU code, or null to clear", .nullable = 1},
    {"active", BC_F_BOOL, 0, 0, 0, "false: not sold (its stock leaves the product's total)"},
    {NULL},
};

const bc_route bc_sku_routes[] = {
    {"PUT", "/api/v1/products/{id}/options", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, options_body, h_options_put, "catalog",
     "Set a product's option groups (its seller or admin): builds or rebuilds the SKU grid, keeping the SKUs whose "
     "combination survives; new ones start at stock 0",
     200, .response = &bc_sc_product, .errors = (const char *const[]){"PRODUCT_NOT_FOUND", "NOT_YOUR_PRODUCT", NULL}},
    {"PATCH", "/api/v1/products/{id}/skus/{sku_id}", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, sku_body, h_sku_patch,
     "catalog", "Change one SKU of a product (its seller or admin): price difference, stock (ledger), code, active",
     200, .response = &bc_sc_product,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", "NOT_YOUR_PRODUCT", "SKU_NOT_FOUND", "PRICE_TOO_LOW",
                                     "CONFLICT", NULL}},
    {NULL},
};
