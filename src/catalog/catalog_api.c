/* Routes under /api/v1/categories, /api/v1/products and /api/v1/seller/products. No SQL here:
 * handlers validate, authorise and call catalog.c. */
#include "catalog.h"

#include <string.h>

/* A query parameter, NULL when absent or empty. */
static const char *query(bc_req *req, const char *name)
{
    const char *v = bc_req_query(req, name);
    return v && *v ? v : NULL;
}

int bc_catalog_paging(bc_req *req, int64_t def_per_page, int64_t max_per_page, int64_t *page, int64_t *per_page)
{
    const char *p = query(req, "page"), *pp = query(req, "per_page");
    *page = 1;
    *per_page = def_per_page;
    if (p && bc_parse_i64(p, 1, 100000, page) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'page' must be an integer from 1 to 100000");
        return BC_EINVAL;
    }
    if (pp && bc_parse_i64(pp, 1, max_per_page, per_page) != BC_OK) {
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
    if (q->q && bc_utf8_len(q->q) > 100) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'q' may have at most 100 characters");
        return;
    }
    if (bc_catalog_paging(req, 20, max_per_page, &q->page, &q->per_page) != BC_OK)
        return;
    json_t *out = NULL;
    int rc = bc_catalog_list(bc_req_db(req), q, &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

static void h_products(bc_req *req)
{
    bc_product_query q = {0};
    const char *cat = query(req, "category_id"), *sort = query(req, "sort");
    q.q = query(req, "q");
    if (cat && bc_parse_i64(cat, 1, INT64_MAX, &q.category_id) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'category_id' must be a positive integer");
        return;
    }
    q.sort = sort ? bc_catalog_sort_from_name(sort) : BC_SORT_NEWEST;
    if (q.sort < 0) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'sort' must be newest, name, price_asc or price_desc");
        return;
    }
    list_products(req, &q, 20);
}

static void h_seller_products(bc_req *req)
{
    bc_product_query q = {0};
    q.seller_id = bc_req_auth(req)->user_id;
    q.include_hidden = 1;
    q.q = query(req, "q");
    list_products(req, &q, 100);
}

static void h_product(bc_req *req)
{
    int64_t id, seller = 0;
    int visible = 0;
    bc_db *db = bc_req_db(req);
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    int rc = bc_catalog_product_owner(db, id, &seller, NULL, &visible);
    const bc_auth *a = bc_req_auth(req);
    int privileged = a && (a->role == BC_ROLE_ADMIN || (a->role == BC_ROLE_SELLER && a->user_id == seller));
    if (rc == BC_ENOTFOUND || (rc == BC_OK && !visible && !privileged)) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    json_t *p = NULL;
    if (rc == BC_OK)
        rc = bc_catalog_product_json(db, id, 1, &p);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, p);
}

/* Loads product id for a change by the caller: its seller or an admin. Sends 404/403 and
 * returns an error otherwise. */
static int authorize_change(bc_req *req, int64_t *id)
{
    int64_t seller = 0;
    int deleted = 0;
    if (bc_req_param_id(req, "id", id) != BC_OK) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return BC_ENOTFOUND;
    }
    int rc = bc_catalog_product_owner(bc_req_db(req), *id, &seller, &deleted, NULL);
    if (rc == BC_OK && deleted)
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
        bc_res_error(req, 403, "NOT_YOUR_PRODUCT", "only the product's seller may change it");
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

static void h_product_update(bc_req *req)
{
    char msg[160];
    int64_t id;
    json_t *body = bc_req_json(req);
    if (authorize_change(req, &id) != BC_OK)
        return;
    const char *code = NULL;
    if (bc_catalog_check_product(body, &code, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, code, "%s", msg);
        return;
    }
    send_product(req, bc_catalog_product_update(bc_req_db(req), id, body), id, 200);
}

static void h_product_delete(bc_req *req)
{
    int64_t id;
    if (authorize_change(req, &id) != BC_OK)
        return;
    int rc = bc_catalog_product_delete(bc_req_db(req), id);
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
    {"slug", BC_F_STR, 1, 1, 60, "unique, [a-z0-9-]"},
    {"parent_id", BC_F_INT, 0, 1, INT64_MAX, "parent category; top level when absent"},
    {"position", BC_F_INT, 0, -1000000, 1000000, "sort key among siblings (ascending)"},
    {NULL},
};

static const bc_field product_create_body[] = {
    {"name", BC_F_STR, 1, 1, 100, "product name"},
    {"description", BC_F_STR, 0, 0, 5000, "plain text"},
    {"price", BC_F_INT, 1, 0, 100000000, "KRW"},
    {"stock", BC_F_INT, 1, 0, 1000000, "units"},
    {"category_id", BC_F_INT, 0, 0, 0, "an existing category id"},
    {"status", BC_F_STR, 0, 1, 16, "ON_SALE (default) | HIDDEN; SOLD_OUT follows the stock"},
    {"images", BC_F_ARR, 0, 0, 10,
     "image URLs: paths under /media/ on this server (see POST /api/v1/media/images); the first is image_url"},
    {NULL},
};

static const bc_field product_patch_body[] = {
    {"name", BC_F_STR, 0, 1, 100, "product name"},
    {"description", BC_F_STR, 0, 0, 5000, "plain text"},
    {"price", BC_F_INT, 0, 0, 100000000, "KRW"},
    {"stock", BC_F_INT, 0, 0, 1000000, "units (recorded in the stock ledger)"},
    {"category_id", BC_F_INT, 0, 0, 0, "an existing category id, or null to clear"},
    {"status", BC_F_STR, 0, 1, 16, "HIDDEN hides; ON_SALE shows again (SOLD_OUT when stock is 0)"},
    {"images", BC_F_ARR, 0, 0, 10, "replaces the image list (paths under /media/ only)"},
    {NULL},
};

const bc_route bc_catalog_routes[] = {
    {"GET", "/api/v1/categories", 0, 0, NULL, h_categories, "catalog", "Category tree", 200},
    {"POST", "/api/v1/categories", BC_ROLE_ADMIN, 0, category_body, h_category_create, "catalog",
     "Create a category (admin)", 201},
    {"GET", "/api/v1/products", 0, 0, NULL, h_products, "catalog",
     "Products on sale: ?category_id=&q=&sort=newest|name|price_asc|price_desc&page=&per_page= (max 20)", 200},
    {"GET", "/api/v1/products/{id}", 0, BC_RT_OPTIONAL_AUTH, NULL, h_product, "catalog",
     "One product (hidden/deleted ones only for its seller or an admin)", 200},
    {"POST", "/api/v1/products", BC_ROLE_SELLER, 0, product_create_body, h_product_create, "catalog",
     "Create a product (seller)", 201},
    {"PATCH", "/api/v1/products/{id}", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, product_patch_body, h_product_update,
     "catalog", "Change a product (its seller or admin)", 200},
    {"DELETE", "/api/v1/products/{id}", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_product_delete, "catalog",
     "Soft-delete a product (its seller or admin)", 204},
    {"GET", "/api/v1/seller/products", BC_ROLE_SELLER, 0, NULL, h_seller_products, "catalog",
     "The seller's own products, hidden ones included: ?q=&page=&per_page= (max 100)", 200},
    {NULL},
};
