/* Routes of the wishlist (찜): PUT/DELETE /api/v1/products/{id}/wish, GET /api/v1/me/wishlist and
 * /api/v1/me/wishlist/ids. No SQL here: wishlist_store.c has it. */
#include "catalog.h"

#include <string.h>

/* PUT (wish) / DELETE (unwish) /api/v1/products/{id}/wish: idempotent. */
static void h_wish(bc_req *req)
{
    int64_t id = 0, count = 0;
    int on = strcmp(bc_req_method(req), "PUT") == 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    int rc = bc_catalog_wish(bc_req_db(req), bc_req_auth(req)->user_id, id, on, &count);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(
        req, 200,
        json_pack("{s:I,s:b,s:I}", "product_id", (json_int_t)id, "wished", on, "wish_count", (json_int_t)count));
}

static void h_wishlist(bc_req *req)
{
    json_t *out = NULL;
    int rc = bc_catalog_wishlist(bc_req_db(req), bc_req_auth(req)->user_id, bc_req_query_int(req, "page", 1),
                                 bc_req_query_int(req, "per_page", 20), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

static void h_wished_ids(bc_req *req)
{
    json_t *out = NULL;
    int rc = bc_catalog_wished_ids(bc_req_db(req), bc_req_auth(req)->user_id, &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

#define INT "{\"type\":\"integer\"}"
#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define REF(n) "{\"$ref\":\"#/components/schemas/" n "\"}"

static const bc_schema sc_wish = {
    "Wish",
    "{\"type\":\"object\",\"required\":[\"product_id\",\"wished\",\"wish_count\"],\"properties\":{\"product_id\":" INT
    ",\"wished\":{\"type\":\"boolean\"},\"wish_count\":{\"type\":\"integer\",\"description\":\"users who wished the "
    "product\"}}}",
    NULL};
static const bc_schema sc_wishlist = {
    "Wishlist",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{\"type\":"
    "\"array\",\"items\":{\"allOf\":[" REF("Product") ",{\"type\":\"object\",\"required\":[\"wished_at\"],"
                                                      "\"properties\":{\"wished_at\":" TIME "}}]}},\"page\":" INT
                                                      ",\"per_page\":" INT ",\"total\":" INT "}}",
    (const bc_schema *const[]){&bc_sc_product, NULL}};
static const bc_schema sc_wished_ids = {
    "WishedIds",
    "{\"type\":\"object\",\"required\":[\"ids\"],\"properties\":{\"ids\":{\"type\":\"array\",\"items\":" INT
    ",\"description\":\"the products I wished, newest first (at most 1000)\"}}}",
    NULL};

static const bc_field wishlist_query[] = {
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};

const bc_route bc_wishlist_routes[] = {
    {"PUT", "/api/v1/products/{id}/wish", BC_ROLE_ANY, 0, NULL, h_wish, "catalog",
     "Wish (찜) a product: idempotent; returns the product's wish count", 200, .response = &sc_wish,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/products/{id}/wish", BC_ROLE_ANY, 0, NULL, h_wish, "catalog",
     "Take a product off my wishlist: idempotent; returns the product's wish count", 200, .response = &sc_wish,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {"GET", "/api/v1/me/wishlist", BC_ROLE_ANY, 0, NULL, h_wishlist, "catalog",
     "My wishlist (찜한 상품), newest first, products still on view only", 200, .query = wishlist_query,
     .response = &sc_wishlist},
    {"GET", "/api/v1/me/wishlist/ids", BC_ROLE_ANY, 0, NULL, h_wished_ids, "catalog",
     "The ids of the products I wished (for marking product cards)", 200, .response = &sc_wished_ids},
    {NULL},
};
