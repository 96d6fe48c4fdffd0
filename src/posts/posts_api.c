/* Routes of sale posts: the public list and page (/api/v1/sale-posts) and the seller's CRUD
 * (/api/v1/seller/sale-posts). No SQL here. */
#include "posts.h"

#include <string.h>

static void not_found(bc_req *req) { bc_res_error(req, 404, "SALE_POST_NOT_FOUND", "no such sale post"); }

static int path_id(bc_req *req, int64_t *id)
{
    if (bc_req_param_id(req, "id", id) == BC_OK)
        return BC_OK;
    not_found(req);
    return BC_ENOTFOUND;
}

/* Sends post id as its viewer (the caller) may see it. */
static void send_post(bc_req *req, int status, int64_t id)
{
    const bc_auth *a = bc_req_auth(req);
    json_t *p = NULL;
    int rc = bc_post_get(bc_req_db(req), id, a ? a->user_id : 0, a && a->role == BC_ROLE_ADMIN, &p);
    if (rc == BC_ENOTFOUND)
        not_found(req);
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, status, p);
}

/* Reads ?region_sido= (any form bc_regions_sido_canon accepts) and ?region_sigungu= (alone: that
 * 시/군/구 in any 시/도) into *r; on a bad value sends 422 INVALID_REGION and returns BC_EINVAL. */
static int region_query(bc_req *req, bc_region *r)
{
    const char *sido = bc_req_query_str(req, "region_sido"), *sg = bc_req_query_str(req, "region_sigungu");
    memset(r, 0, sizeof *r);
    if (sido && *sido && !(r->sido = bc_regions_sido_canon(sido, strlen(sido)))) {
        bc_res_error(req, 422, "INVALID_REGION", "'region_sido' must be one of the 17 시/도 (GET /api/v1/regions)");
        return BC_EINVAL;
    }
    if (sg && *sg) {
        if (!bc_regions_sigungu_ok(sg)) {
            r->sido = NULL;
            bc_res_error(req, 422, "INVALID_REGION", "'region_sigungu' may have at most %d characters",
                         BC_REGIONS_SIGUNGU_MAX);
            return BC_EINVAL;
        }
        strcpy(r->sigungu, sg);
    }
    return BC_OK;
}

static void send_list(bc_req *req, bc_post_query *q)
{
    json_t *out = NULL;
    q->page = bc_req_query_int(req, "page", 1);
    q->per_page = bc_req_query_int(req, "per_page", 20);
    int rc = bc_post_list(bc_req_db(req), q, &out);
    if (rc == BC_EINVAL)
        bc_res_error(req, 422, "VALIDATION_FAILED", "'page' and 'per_page' are out of range");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, out);
}

static void h_public_list(bc_req *req)
{
    bc_post_query q = {0};
    if (region_query(req, &q.region) != BC_OK)
        return;
    q.seller_id = bc_req_query_int(req, "seller_id", 0);
    q.status = "PUBLISHED";
    send_list(req, &q);
}

static void h_get(bc_req *req)
{
    int64_t id;
    if (path_id(req, &id) == BC_OK)
        send_post(req, 200, id);
}

static void h_own_list(bc_req *req)
{
    bc_post_query q = {0};
    q.seller_id = bc_req_auth(req)->user_id;
    q.status = bc_req_query_str(req, "status");
    send_list(req, &q);
}

static void h_own_get(bc_req *req)
{
    int64_t id;
    json_t *p = NULL;
    if (path_id(req, &id) != BC_OK)
        return;
    int rc = bc_post_get(bc_req_db(req), id, bc_req_auth(req)->user_id, 0, &p);
    if (rc == BC_OK && json_integer_value(json_object_get(p, "seller_id")) != bc_req_auth(req)->user_id)
        rc = BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND)
        not_found(req);
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else {
        bc_res_json(req, 200, p);
        p = NULL;
    }
    json_decref(p);
}

/* Reads and checks the body into *f (sending 422 on failure): BC_OK or BC_EINVAL. */
static int read_fields(bc_req *req, int create, bc_post_fields *f)
{
    char msg[160];
    const char *code = NULL;
    if (bc_post_fields_read(bc_req_json(req), create, f, &code, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, code, "%s", msg);
        return BC_EINVAL;
    }
    if (f->images && !bc_post_images_owned(bc_req_db(req), bc_req_auth(req)->user_id, f->images)) {
        bc_res_error(req, 422, "VALIDATION_FAILED",
                     "every image must be one of your uploads (POST /api/v1/media/images)");
        return BC_EINVAL;
    }
    return BC_OK;
}

/* Maps a store result of a write to the answer (the post on success). */
static void after_write(bc_req *req, int rc, int64_t id, int status)
{
    if (rc == BC_EFORBIDDEN)
        bc_res_error(req, 422, "INVALID_PRODUCT", "every product must be one of your own products");
    else if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "SALE_POST_NOT_FOUND", "no such sale post of yours");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_post(req, status, id);
}

static void h_create(bc_req *req)
{
    bc_post_fields f;
    int64_t id = 0;
    if (read_fields(req, 1, &f) != BC_OK)
        return;
    int rc = bc_post_create(bc_req_db(req), bc_req_auth(req)->user_id, &f, &id); /* before id is read */
    after_write(req, rc, id, 201);
}

static void h_update(bc_req *req)
{
    bc_post_fields f;
    int64_t id;
    if (path_id(req, &id) != BC_OK || read_fields(req, 0, &f) != BC_OK)
        return;
    after_write(req, bc_post_update(bc_req_db(req), id, bc_req_auth(req)->user_id, &f), id, 200);
}

static void h_delete(bc_req *req)
{
    int64_t id;
    if (path_id(req, &id) != BC_OK)
        return;
    int rc = bc_post_delete(bc_req_db(req), id, bc_req_auth(req)->user_id);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "SALE_POST_NOT_FOUND", "no such sale post of yours");
    else if (rc == BC_ECONFLICT)
        bc_res_error(req, 409, "SALE_POST_IN_USE", "a live was scheduled with this sale post: close it instead");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_send(req, 204, "application/json", "", 0);
}

#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define TIME_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"
#define POST_PROPS                                                                                                     \
    "\"id\":" INT ",\"seller_id\":" INT ",\"seller_name\":" STR ",\"title\":" STR ",\"body\":" STR                     \
    ",\"images\":{\"type\":\"array\",\"items\":" STR ",\"description\":\"/media/uploads/... paths\"},\"image_url\":"   \
    "{\"type\":[\"string\",\"null\"],\"description\":\"the first image\"},\"region\":" BC_REGIONS_SCHEMA               \
    ",\"status\":{\"type\":\"string\",\"enum\":[\"DRAFT\",\"PUBLISHED\",\"CLOSED\"]},\"product_ids\":{\"type\":"       \
    "\"array\",\"items\":" INT "},\"created_at\":" TIME ",\"updated_at\":" TIME ",\"published_at\":" TIME_OR_NULL
#define POST_REQUIRED                                                                                                  \
    "\"id\",\"seller_id\",\"seller_name\",\"title\",\"body\",\"images\",\"image_url\",\"region\",\"status\","          \
    "\"product_ids\",\"created_at\",\"updated_at\",\"published_at\""

static const bc_schema sc_post = {
    "SalePost", "{\"type\":\"object\",\"required\":[" POST_REQUIRED "],\"properties\":{" POST_PROPS "}}", NULL};
static const bc_schema sc_post_page = {
    "SalePostPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{"
    "\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/SalePost\"}},\"page\":" INT ",\"per_page\":" INT
    ",\"total\":" INT "}}",
    (const bc_schema *const[]){&sc_post, NULL}};
static const bc_schema sc_post_detail = {
    "SalePostDetail",
    "{\"type\":\"object\",\"required\":[" POST_REQUIRED ",\"products\",\"lives\"],\"properties\":{" POST_PROPS
    ",\"products\":{\"type\":\"array\",\"description\":\"its products still on sale or sold out, in order\","
    "\"items\":{\"$ref\":\"#/components/schemas/Product\"}},\"lives\":{\"type\":\"array\",\"description\":\"the "
    "lives scheduled with it, newest first\",\"items\":{\"type\":\"object\",\"required\":[\"id\",\"title\","
    "\"status\",\"scheduled_at\",\"started_at\",\"ended_at\"],\"properties\":{\"id\":" INT ",\"title\":" STR
    ",\"status\":" STR ",\"scheduled_at\":" TIME ",\"started_at\":" TIME_OR_NULL ",\"ended_at\":" TIME_OR_NULL "}}}}}",
    (const bc_schema *const[]){&bc_sc_product, NULL}};

static const bc_field image_item = {
    "images[]", BC_F_STR, 1, 8, 200, "a /media/uploads/... path of your own upload", .text = BC_TEXT_OPAQUE};
static const bc_field product_item = {"product_ids[]", BC_F_INT, 1, 1, INT64_MAX, "one of your product ids"};
static const char *const statuses[] = {"DRAFT", "PUBLISHED", "CLOSED", NULL};
#define POST_FIELDS(req)                                                                                               \
    {"title", BC_F_STR, req, 1, BC_POST_TITLE_MAX, "1..100 characters"},                                               \
        {"body", BC_F_STR, 0, 0, BC_POST_BODY_MAX, "the text (up to 5,000 characters)", .text = BC_TEXT_MULTI},        \
        {"images",                                                                                                     \
         BC_F_ARR,                                                                                                     \
         0,                                                                                                            \
         0,                                                                                                            \
         BC_POST_IMAGES_MAX,                                                                                           \
         "up to 10 of your uploads; the first is image_url",                                                           \
         .items = &image_item},                                                                                        \
        {"product_ids",         BC_F_ARR, req, 1, BC_POST_PRODUCTS_MAX, "1..20 of your products, in display order",    \
         .items = &product_item},                                                                                      \
        {"region",                                                                                                     \
         BC_F_OBJ,                                                                                                     \
         0,                                                                                                            \
         0,                                                                                                            \
         0,                                                                                                            \
         "시/도 and 시/군/구 of the sale; null clears it",                                                             \
         .fields = bc_regions_fields,                                                                                  \
         .nullable = 1,                                                                                                \
         .code = "INVALID_REGION"},                                                                                    \
        {"status", BC_F_STR, 0, 0, 0, "DRAFT (default), PUBLISHED (listed) or CLOSED", .enums = statuses},             \
    {                                                                                                                  \
        NULL                                                                                                           \
    }
static const bc_field create_body[] = {POST_FIELDS(1)};
static const bc_field patch_body[] = {POST_FIELDS(0)};

static const bc_field public_query[] = {
    {"seller_id", BC_F_INT, 0, 1, INT64_MAX, "only this seller's posts"},
    {"region_sido", BC_F_STR, 0, 1, 20, "only posts of this 시/도 (official or short name)", .code = "INVALID_REGION",
     .example = "\"서울특별시\""},
    {"region_sigungu", BC_F_STR, 0, 1, BC_REGIONS_SIGUNGU_MAX, "only posts of this 시/군/구 (of region_sido, if given)",
     .code = "INVALID_REGION", .example = "\"강남구\""},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, BC_POST_PAGE_MAX, "page size", .def = "20"},
    {NULL},
};
static const bc_field own_query[] = {
    {"status", BC_F_STR, 0, 0, 0, "only posts in this status", .enums = statuses},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, BC_POST_PAGE_MAX, "page size", .def = "20"},
    {NULL},
};

#define NF                                                                                                             \
    (const char *const[]) { "SALE_POST_NOT_FOUND", NULL }
#define WRITE_ERRORS                                                                                                   \
    (const char *const[]) { "SALE_POST_NOT_FOUND", "INVALID_PRODUCT", "INVALID_REGION", NULL }
const bc_route bc_post_routes[] = {
    {"GET", "/api/v1/sale-posts", 0, 0, NULL, h_public_list, "catalog",
     "Published sale posts, newest first, by seller and region", 200, .query = public_query, .response = &sc_post_page,
     .errors = (const char *const[]){"INVALID_REGION", NULL}},
    {"GET", "/api/v1/sale-posts/{id}", 0, BC_RT_OPTIONAL_AUTH, NULL, h_get, "catalog",
     "One sale post with its products and the lives that used it (a DRAFT only for its seller)", 200,
     .response = &sc_post_detail, .errors = NF},
    {"GET", "/api/v1/seller/sale-posts", BC_ROLE_SELLER, 0, NULL, h_own_list, "catalog",
     "The caller's sale posts, drafts included", 200, .query = own_query, .response = &sc_post_page},
    {"POST", "/api/v1/seller/sale-posts", BC_ROLE_SELLER, 0, create_body, h_create, "catalog",
     "Write a sale post bundling your products", 201, .response = &sc_post_detail,
     .location = "/api/v1/seller/sale-posts/{id}", .errors = WRITE_ERRORS},
    {"GET", "/api/v1/seller/sale-posts/{id}", BC_ROLE_SELLER, 0, NULL, h_own_get, "catalog",
     "One of the caller's sale posts", 200, .response = &sc_post_detail, .errors = NF},
    {"PATCH", "/api/v1/seller/sale-posts/{id}", BC_ROLE_SELLER, 0, patch_body, h_update, "catalog",
     "Edit one of the caller's sale posts (any subset of the fields; product_ids replaces the list)", 200,
     .response = &sc_post_detail, .errors = WRITE_ERRORS},
    {"DELETE", "/api/v1/seller/sale-posts/{id}", BC_ROLE_SELLER, 0, NULL, h_delete, "catalog",
     "Delete one of the caller's sale posts (not one a live was scheduled with)", 204,
     .errors = (const char *const[]){"SALE_POST_NOT_FOUND", "SALE_POST_IN_USE", NULL}},
    {NULL},
};
