/* Routes under /api/v1/categories, /api/v1/products and /api/v1/seller/products. No SQL here:
 * handlers validate, authorise and call catalog.c. */
#include "catalog.h"

#include "../audit/audit.h"
#include "../commerce/commerce.h"

#include <stdlib.h>
#include <string.h>

/* Reads page and per_page (defaults 1 and def_per_page); 1 when both are in bounds, else 0. */
static int paging_of(bc_req *req, int64_t def_per_page, int64_t max_per_page, int64_t *page, int64_t *per_page)
{
    *page = bc_req_query_int(req, "page", 1);
    *per_page = bc_req_query_int(req, "per_page", def_per_page);
    return *page >= 1 && *page <= 100000 && *per_page >= 1 && *per_page <= max_per_page;
}

int bc_catalog_paging(bc_req *req, int64_t def_per_page, int64_t max_per_page, int64_t *page, int64_t *per_page)
{
    /* the route's query fields bound both (bc_req_validate_query); this only guards a route
     * whose row forgot them */
    if (!paging_of(req, def_per_page, max_per_page, page, per_page)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'per_page' must be an integer from 1 to %lld",
                     (long long)max_per_page);
        return BC_EINVAL;
    }
    return BC_OK;
}

static void h_categories(bc_req *req)
{
    json_t *tree = NULL;
    int rc = bc_catalog_categories(bc_req_db(req), &tree);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, tree);
}

/* Finds category id in a tree (array of {id, …, children}); borrowed, or NULL. */
static json_t *find_category(json_t *tree, int64_t id, int depth)
{
    size_t i;
    json_t *c;
    if (depth > 16)
        return NULL;
    json_array_foreach (tree, i, c) {
        if (json_integer_value(json_object_get(c, "id")) == id)
            return c;
        json_t *in = find_category(json_object_get(c, "children"), id, depth + 1);
        if (in)
            return in;
    }
    return NULL;
}

static void h_category(bc_req *req)
{
    int64_t id;
    json_t *tree = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such category");
        return;
    }
    int rc = bc_catalog_categories(bc_req_db(req), &tree);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    json_t *c = find_category(tree, id, 0);
    if (c)
        bc_res_json(req, 200, json_incref(c));
    else
        bc_res_error(req, 404, "NOT_FOUND", "no such category");
    json_decref(tree);
}

static void h_category_create(bc_req *req)
{
    const char *name = NULL, *slug = NULL;
    json_error_t err;
    json_t *body = bc_req_json(req);
    json_unpack_ex(body, &err, 0, "{s:s,s:s}", "name", &name, "slug", &slug);
    /* optional integers may be null (validated as integer-or-null) */
    json_int_t parent = json_integer_value(json_object_get(body, "parent_id"));
    json_int_t position = json_integer_value(json_object_get(body, "position"));
    int64_t id = 0;
    int rc = bc_catalog_category_create(bc_req_db(req), name, slug, parent, position, &id);
    if (rc == BC_OK) /* audit: right after the write, the body as "after" */
        rc = bc_audit_record(bc_req_db(req), bc_req_auth(req), "category.create", "category", id, NULL, body, NULL);
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'slug' must be [a-z0-9-] and 'parent_id' an existing category");
        return;
    }
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "SLUG_TAKEN", "a category with this slug already exists");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 201,
                json_pack("{s:I,s:s,s:s,s:[]}", "id", (json_int_t)id, "name", name, "slug", slug, "children"));
}

/* Checks the search text and paging (per_page up to max_per_page), then answers with one page
 * of products matching q as {items, page, per_page, total}. */
static void list_products(bc_req *req, bc_product_query *q, int max_per_page)
{
    if (bc_catalog_paging(req, 20, max_per_page, &q->page, &q->per_page) != BC_OK)
        return;
    char *json = NULL;
    size_t len = 0;
    int rc = bc_catalog_list_body(bc_req_db(req), q, &json, &len);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_send(req, 200, "application/json; charset=utf-8", json, len);
    free(json);
}

/* GET /products as its worker handler reads it. */
static void products_query_of(bc_req *req, bc_product_query *q)
{
    *q = (bc_product_query){0};
    q->q = bc_req_query_str(req, "q");
    q->category_id = bc_req_query_int(req, "category_id", 0);
    q->sort = bc_catalog_sort_from_name(bc_req_query_str(req, "sort"));
    q->seller_id = bc_req_query_int(req, "seller_id", 0);
    q->min_price = bc_req_query_int(req, "min_price", 0);
    q->max_price = bc_req_query_int(req, "max_price", 0);
    q->hide_sold_out = bc_req_query_int(req, "hide_sold_out", 0) != 0;
}

static void h_products(bc_req *req)
{
    bc_product_query q;
    products_query_of(req, &q);
    list_products(req, &q, 20);
}

/* On the loop: a cached page (the route row checked the query already), else the worker. */
static int try_products(bc_req *req)
{
    bc_product_query q;
    char *json = NULL;
    size_t len = 0;
    products_query_of(req, &q);
    if (!paging_of(req, 20, 20, &q.page, &q.per_page) || !bc_catalog_list_cached(&q, &json, &len))
        return 0;
    bc_res_send(req, 200, "application/json; charset=utf-8", json, len);
    free(json);
    return 1;
}

/* On the loop, for a caller without a token: a cached product on sale, else the worker. */
static int try_product(bc_req *req)
{
    int64_t id, seller = 0;
    int visible = 0;
    char *json = NULL;
    size_t len = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK || !bc_catalog_product_cached(id, &json, &len, &seller, &visible))
        return 0;
    if (visible)
        bc_res_send(req, 200, "application/json; charset=utf-8", json, len);
    else
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
    free(json);
    return 1;
}

static void h_seller_products(bc_req *req)
{
    bc_product_query q = {0};
    q.seller_id = bc_req_auth(req)->user_id;
    q.include_hidden = 1;
    q.q = bc_req_query_str(req, "q");
    list_products(req, &q, 100);
}

static void h_product(bc_req *req)
{
    int64_t id, seller = 0;
    int visible = 0;
    char *json = NULL;
    size_t len = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    int rc = bc_catalog_product_body(bc_req_db(req), id, &json, &len, &seller, &visible);
    const bc_auth *a = bc_req_auth(req);
    int privileged = a && (a->role == BC_ROLE_ADMIN || (a->role == BC_ROLE_SELLER && a->user_id == seller));
    if (rc == BC_ENOTFOUND || (rc == BC_OK && !visible && !privileged)) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
    } else if (rc != BC_OK) {
        bc_res_from_err(req, rc);
    } else if (a) {
        /* a signed-in caller also learns whether they wished it (the rendering is shared) */
        int wished = 0;
        json_t *p = json_loadb(json, len, 0, NULL);
        rc = p ? bc_catalog_wished(bc_req_db(req), a->user_id, id, &wished) : BC_ENOMEM;
        if (rc == BC_OK) {
            json_object_set_new(p, "wished", json_boolean(wished));
            bc_res_json(req, 200, p);
            p = NULL;
        } else {
            bc_res_from_err(req, rc);
        }
        json_decref(p);
    } else {
        bc_res_send(req, 200, "application/json; charset=utf-8", json, len);
    }
    free(json);
}

int bc_catalog_authorize(bc_req *req, int with_deleted, int64_t *id)
{
    int64_t seller = 0;
    int deleted = 0;
    if (bc_req_param_id(req, "id", id) != BC_OK) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return BC_ENOTFOUND;
    }
    int rc = bc_catalog_product_owner(bc_req_db(req), *id, &seller, &deleted, NULL);
    if (rc == BC_OK && deleted && !with_deleted)
        rc = BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return rc;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return rc;
    }
    const bc_auth *a = bc_req_auth(req);
    if (a->role != BC_ROLE_ADMIN && a->user_id != seller) {
        bc_res_error(req, 403, "NOT_YOUR_PRODUCT", "only the product's seller (or an admin) may do this");
        return BC_EFORBIDDEN;
    }
    return BC_OK;
}

/* Sends the product (status) or maps rc to an error. */
static void send_product(bc_req *req, int rc, int64_t id, int status)
{
    json_t *p = NULL;
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "CATEGORY_NOT_FOUND", "'category_id' is not an existing category");
        return;
    }
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    if (rc == BC_OK)
        rc = bc_catalog_product_json(bc_req_db(req), id, 1, &p);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, status, p);
}

static void h_product_create(bc_req *req)
{
    char msg[160];
    json_t *body = bc_req_json(req);
    const char *code = NULL;
    if (bc_catalog_check_product(body, &code, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, code, "%s", msg);
        return;
    }
    int64_t id = 0;
    int rc = bc_catalog_product_create(bc_req_db(req), bc_req_auth(req)->user_id, body, &id);
    send_product(req, rc, id, 201);
}

/* Audits an admin's change of product id right after the write (a seller's own edits are not admin
 * actions): product.hide / product.restore when the status goes to / leaves HIDDEN, product.update
 * otherwise; product.delete with body NULL. before as read (borrowed, may be NULL). */
static int audit_product(bc_req *req, int64_t id, json_t *body, json_t *before)
{
    json_t *after = NULL;
    const char *st = json_string_value(json_object_get(body, "status"));
    const char *was = json_string_value(json_object_get(before, "status"));
    const char *action = !body                                     ? "product.delete"
                         : st && strcmp(st, "HIDDEN") == 0         ? "product.hide"
                         : st && was && strcmp(was, "HIDDEN") == 0 ? "product.restore"
                                                                   : "product.update";
    if (body && bc_catalog_product_json(bc_req_db(req), id, 1, &after) != BC_OK)
        after = NULL;
    int rc = bc_audit_record(bc_req_db(req), bc_req_auth(req), action, "product", id, before, after, NULL);
    json_decref(after);
    return rc;
}

static void h_product_update(bc_req *req)
{
    char msg[160];
    int64_t id;
    json_t *body = bc_req_json(req);
    if (bc_catalog_authorize(req, 0, &id) != BC_OK)
        return;
    const char *code = NULL;
    if (bc_catalog_check_product(body, &code, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, code, "%s", msg);
        return;
    }
    /* product options as SKUs: a product with options has the stock of its SKUs (commerce) */
    int has = 0;
    if (json_object_get(body, "stock") && bc_sku_has_options(bc_req_db(req), id, &has) == BC_OK && has) {
        bc_res_error(req, 422, "SKU_REQUIRED",
                     "this product has options: set the stock of each SKU (PATCH /api/v1/products/{id}/skus/{sku_id})");
        return;
    }
    json_t *before = NULL;
    int admin = bc_req_auth(req)->role == BC_ROLE_ADMIN;
    if (admin && bc_catalog_product_json(bc_req_db(req), id, 1, &before) != BC_OK)
        before = NULL;
    int rc = bc_catalog_product_update(bc_req_db(req), id, bc_req_auth(req)->user_id, body);
    if (rc == BC_OK && admin)
        rc = audit_product(req, id, body, before);
    json_decref(before);
    send_product(req, rc, id, 200);
}

static void h_product_delete(bc_req *req)
{
    int64_t id;
    if (bc_catalog_authorize(req, 0, &id) != BC_OK)
        return;
    json_t *before = NULL;
    int admin = bc_req_auth(req)->role == BC_ROLE_ADMIN;
    if (admin && bc_catalog_product_json(bc_req_db(req), id, 1, &before) != BC_OK)
        before = NULL;
    int rc = bc_catalog_product_delete(bc_req_db(req), id);
    if (rc == BC_OK && admin)
        rc = audit_product(req, id, NULL, before);
    json_decref(before);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_send(req, 204, "application/json", "", 0);
}

static const bc_field category_body[] = {
    {"name", BC_F_STR, 1, 1, 60, "display name"},
    {"slug", BC_F_STR, 1, 1, 60, "unique, [a-z0-9-]", .text = BC_TEXT_OPAQUE},
    {"parent_id", BC_F_INT, 0, 1, INT64_MAX, "parent category; top level when absent"},
    {"position", BC_F_INT, 0, -1000000, 1000000, "sort key among siblings (ascending)"},
    {NULL},
};

static const bc_field image_item = {
    "images[]", BC_F_STR, 1, 8, 500, "a /media/… path on this server", .text = BC_TEXT_OPAQUE};
static const char *const create_statuses[] = {"ON_SALE", "SOLD_OUT", "HIDDEN", NULL};

static const bc_field product_create_body[] = {
    {"name", BC_F_STR, 1, 1, 100, "product name"},
    {"description", BC_F_STR, 0, 0, 5000, "plain text (several lines allowed)", .text = BC_TEXT_MULTI},
    {"price", BC_F_INT, 1, 0, 100000000, "KRW"},
    {"stock", BC_F_INT, 1, 0, 1000000, "units"},
    {"category_id", BC_F_INT, 0, 1, INT64_MAX, "an existing category id"},
    {"status", BC_F_STR, 0, 0, 0, "ON_SALE (default) | HIDDEN; SOLD_OUT follows the stock", .enums = create_statuses},
    {"images", BC_F_ARR, 0, 0, 10,
     "image URLs: paths under /media/ on this server (see POST /api/v1/media/images); the first is image_url",
     .items = &image_item},
    {NULL},
};

static const bc_field product_patch_body[] = {
    {"name", BC_F_STR, 0, 1, 100, "product name"},
    {"description", BC_F_STR, 0, 0, 5000, "plain text (several lines allowed)", .text = BC_TEXT_MULTI},
    {"price", BC_F_INT, 0, 0, 100000000, "KRW"},
    {"stock", BC_F_INT, 0, 0, 1000000, "units (recorded in the stock ledger)"},
    {"category_id", BC_F_INT, 0, 1, INT64_MAX, "an existing category id, or null to clear"},
    {"status", BC_F_STR, 0, 0, 0, "HIDDEN hides; ON_SALE shows again (SOLD_OUT when stock is 0)",
     .enums = create_statuses},
    {"images", BC_F_ARR, 0, 0, 10, "replaces the image list (paths under /media/ only)", .items = &image_item},
    {NULL},
};

static const char *const sorts[] = {"newest", "name", "price_asc", "price_desc", NULL};

static const bc_field products_query[] = {
    {"category_id", BC_F_INT, 0, 1, INT64_MAX, "only this category and its subcategories"},
    {"q", BC_F_STR, 0, 1, 100, "search text (name and description)"},
    {"sort", BC_F_STR, 0, 0, 0, "order of the results", .enums = sorts, .def = "newest"},
    {"seller_id", BC_F_INT, 0, 1, INT64_MAX, "only this seller's products (the store page)"},
    {"min_price", BC_F_INT, 0, 0, 100000000, "only products priced at least this (KRW)"},
    {"max_price", BC_F_INT, 0, 0, 100000000, "only products priced at most this (KRW; 0 = no bound)"},
    {"hide_sold_out", BC_F_BOOL, 0, 0, 0, "leave out sold-out products", .def = "false"},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 20, "page size", .def = "20"},
    {NULL},
};

static const bc_field seller_products_query[] = {
    {"q", BC_F_STR, 0, 1, 100, "search text (name and description)"},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};

const bc_route bc_catalog_routes[] = {
    {"GET", "/api/v1/categories", 0, 0, NULL, h_categories, "catalog", "Category tree", 200,
     .response = &bc_sc_category_tree},
    {"POST", "/api/v1/categories", BC_ROLE_ADMIN, 0, category_body, h_category_create, "catalog",
     "Create a category (admin)", 201, .response = &bc_sc_category, .location = "/api/v1/categories/{id}",
     .errors = (const char *const[]){"SLUG_TAKEN", NULL}},
    {"GET", "/api/v1/products", 0, 0, NULL, h_products, "catalog",
     "Products on sale: filtered by category, seller, price range, sold out and search text, sorted, one page at a "
     "time",
     200, .query = products_query, .response = &bc_sc_product_page, .try_inline = try_products},
    {"GET", "/api/v1/products/{id}", 0, BC_RT_OPTIONAL_AUTH, NULL, h_product, "catalog",
     "One product (hidden/deleted ones only for its seller or an admin)", 200, .response = &bc_sc_product,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}, .try_inline = try_product},
    {"POST", "/api/v1/products", BC_ROLE_SELLER, 0, product_create_body, h_product_create, "catalog",
     "Create a product (seller)", 201, .response = &bc_sc_product, .location = "/api/v1/products/{id}",
     .errors = (const char *const[]){"CATEGORY_NOT_FOUND", NULL}},
    {"PATCH", "/api/v1/products/{id}", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, product_patch_body, h_product_update,
     "catalog", "Change a product (its seller or admin)", 200, .response = &bc_sc_product,
     .errors =
         (const char *const[]){"PRODUCT_NOT_FOUND", "NOT_YOUR_PRODUCT", "CATEGORY_NOT_FOUND", "SKU_REQUIRED", NULL}},
    {"DELETE", "/api/v1/products/{id}", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_product_delete, "catalog",
     "Soft-delete a product (its seller or admin)", 204,
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", "NOT_YOUR_PRODUCT", NULL}},
    {"GET", "/api/v1/seller/products", BC_ROLE_SELLER, 0, NULL, h_seller_products, "catalog",
     "The seller's own products, hidden ones included, one page at a time", 200, .query = seller_products_query,
     .response = &bc_sc_product_page},
    {"GET", "/api/v1/categories/{id}", 0, 0, NULL, h_category, "catalog", "One category with its subcategories", 200,
     .response = &bc_sc_category, .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {NULL},
};
