/* Routes of reviews: writing one for a delivered order line, editing and deleting it, a product's
 * list with its summary, likes, the seller's reply, an admin's hiding, my reviews and my lines
 * still to review. No SQL here: handlers read the request and call reviews_store.c. */
#include "reviews.h"
#include "../audit/audit.h"

#include <string.h>

#include "../catalog/catalog.h"

/* Answers a refusal of the store: why->code with its table status (src/http/errors.c), else rc. */
static void send_problem(bc_req *req, int rc, const bc_review_problem *why)
{
    const bc_error_code *e = why->code ? bc_http_error_find(why->code) : NULL;
    if (!e) {
        bc_res_from_err(req, rc);
        return;
    }
    if (strcmp(e->code, "REVIEW_PHOTO_INVALID") == 0 && why->detail[0])
        bc_res_error(req, e->status, e->code, "'%s' is not an image you uploaded (POST /api/v1/media/images)",
                     why->detail);
    else if (strcmp(e->code, "REVIEW_NOT_ALLOWED") == 0 && why->detail[0])
        bc_res_error(req, e->status, e->code, "only a delivered line can be reviewed (this one is %s)", why->detail);
    else
        bc_res_error(req, e->status, e->code, "%s", e->doc);
}

static int64_t viewer_of(bc_req *req, int *role)
{
    const bc_auth *a = bc_req_auth(req);
    *role = a ? a->role : 0;
    return a ? a->user_id : 0;
}

/* Sends review id as the caller sees it with status. */
static void send_review(bc_req *req, int64_t id, int status)
{
    json_t *r = NULL;
    int role = 0;
    int64_t viewer = viewer_of(req, &role);
    int rc = bc_review_get(bc_req_db(req), id, viewer, role, &r);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "REVIEW_NOT_FOUND", "no such review");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, status, r);
}

/* Reads {rating, text, photos} of the body into *in (borrowed). */
static void input_of(bc_req *req, bc_review_input *in)
{
    json_t *body = bc_req_json(req);
    in->rating = json_integer_value(json_object_get(body, "rating"));
    in->text = json_string_value(json_object_get(body, "text"));
    in->photos = json_object_get(body, "photos");
    if (json_is_null(in->photos))
        in->photos = NULL;
}

/* POST /api/v1/order-lines/{id}/review */
static void h_create(bc_req *req)
{
    int64_t line = 0, id = 0;
    bc_review_input in;
    bc_review_problem why = {0};
    if (bc_req_param_id(req, "id", &line) != BC_OK) {
        bc_res_error(req, 404, "LINE_NOT_FOUND", "no such order line");
        return;
    }
    input_of(req, &in);
    int rc = bc_review_create(bc_req_db(req), bc_req_auth(req)->user_id, line, &in, &why, &id);
    if (rc != BC_OK) {
        send_problem(req, rc, &why);
        return;
    }
    send_review(req, id, 201);
}

/* The route's {id} as a review id, or 404 sent (0 returned). */
static int64_t review_id(bc_req *req)
{
    int64_t id = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "REVIEW_NOT_FOUND", "no such review");
        return 0;
    }
    return id;
}

static void h_get(bc_req *req)
{
    int64_t id = review_id(req);
    if (id)
        send_review(req, id, 200);
}

static void h_update(bc_req *req)
{
    int64_t id = review_id(req);
    bc_review_input in;
    bc_review_problem why = {0};
    if (!id)
        return;
    input_of(req, &in);
    int rc = bc_review_update(bc_req_db(req), bc_req_auth(req)->user_id, id, &in, &why);
    if (rc != BC_OK) {
        send_problem(req, rc, &why);
        return;
    }
    send_review(req, id, 200);
}

static void h_delete(bc_req *req)
{
    int64_t id = review_id(req);
    bc_review_problem why = {0};
    if (!id)
        return;
    int rc = bc_review_delete(bc_req_db(req), bc_req_auth(req)->user_id, id, &why);
    if (rc != BC_OK) {
        send_problem(req, rc, &why);
        return;
    }
    bc_res_send(req, 204, "application/json", "", 0);
}

/* POST (like) / DELETE (take back) /api/v1/reviews/{id}/like */
static void h_like(bc_req *req)
{
    int64_t id = review_id(req), likes = 0;
    bc_review_problem why = {0};
    if (!id)
        return;
    int on = strcmp(bc_req_method(req), "POST") == 0;
    int rc = bc_review_like(bc_req_db(req), bc_req_auth(req)->user_id, id, on, &likes, &why);
    if (rc != BC_OK) {
        send_problem(req, rc, &why);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:I,s:I,s:b}", "id", (json_int_t)id, "likes", (json_int_t)likes, "liked", on));
}

/* POST (add) / PATCH (edit) /api/v1/reviews/{id}/reply {text} */
static void h_reply(bc_req *req)
{
    int64_t id = review_id(req);
    bc_review_problem why = {0};
    if (!id)
        return;
    int edit = strcmp(bc_req_method(req), "PATCH") == 0;
    const char *text = json_string_value(json_object_get(bc_req_json(req), "text"));
    int rc = bc_review_reply(bc_req_db(req), bc_req_auth(req)->user_id, id, text, edit, &why);
    if (rc != BC_OK) {
        send_problem(req, rc, &why);
        return;
    }
    send_review(req, id, edit ? 200 : 201);
}

/* PATCH /api/v1/admin/reviews/{id} {hidden} */
static void h_admin(bc_req *req)
{
    int64_t id = review_id(req);
    if (!id)
        return;
    int hidden = json_is_true(json_object_get(bc_req_json(req), "hidden")), role = 0;
    json_t *before = NULL, *after = NULL;
    int64_t viewer = viewer_of(req, &role);
    int rc = bc_review_get(bc_req_db(req), id, viewer, role, &before);
    if (rc == BC_OK)
        rc = bc_review_hide(bc_req_db(req), bc_req_auth(req)->user_id, id, hidden);
    if (rc == BC_OK && (rc = bc_review_get(bc_req_db(req), id, viewer, role, &after)) == BC_OK) /* audit: after */
        rc = bc_audit_record(bc_req_db(req), bc_req_auth(req), hidden ? "review.hide" : "review.show", "review", id,
                             before, after, NULL);
    json_decref(before);
    json_decref(after);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "REVIEW_NOT_FOUND", "no such review");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_review(req, id, 200);
}

/* GET /api/v1/products/{id}/reviews?sort=&page=&per_page= */
static void h_list(bc_req *req)
{
    int64_t pid = 0, page = bc_req_query_int(req, "page", 1), per_page = bc_req_query_int(req, "per_page", 10);
    int visible = 0, role = 0;
    json_t *out = NULL;
    if (bc_req_param_id(req, "id", &pid) != BC_OK) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    int rc = bc_catalog_product_owner(bc_req_db(req), pid, NULL, NULL, &visible);
    if (rc == BC_ENOTFOUND || (rc == BC_OK && !visible)) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return;
    }
    int sort = bc_review_sort_from_name(bc_req_query_str(req, "sort"));
    if (rc == BC_OK)
        rc = bc_review_list(bc_req_db(req), pid, sort, page, per_page, viewer_of(req, &role), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

static void h_mine(bc_req *req)
{
    json_t *out = NULL;
    int rc = bc_review_mine(bc_req_db(req), bc_req_auth(req)->user_id, bc_req_query_int(req, "page", 1),
                            bc_req_query_int(req, "per_page", 20), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

static void h_reviewable(bc_req *req)
{
    json_t *out = NULL;
    int rc = bc_review_reviewable(bc_req_db(req), bc_req_auth(req)->user_id, &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

/* ---- schemas and the route table ---- */
#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define TIME_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define STR "{\"type\":\"string\"}"
#define STR_OR_NULL "{\"type\":[\"string\",\"null\"]}"
#define INT "{\"type\":\"integer\"}"
#define BOOL "{\"type\":\"boolean\"}"
#define REF(n) "{\"$ref\":\"#/components/schemas/" n "\"}"

#define REVIEW_PROPS                                                                                                   \
    "\"id\":" INT ",\"line_id\":" INT ",\"product_id\":" INT ",\"seller_id\":" INT                                     \
    ",\"author\":{\"type\":\"object\",\"required\":[\"id\",\"name\"],\"properties\":{\"id\":" INT ",\"name\":" STR     \
    "}},\"rating\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":5},\"text\":" STR                                   \
    ",\"photos\":{\"type\":\"array\",\"items\":" STR ",\"description\":\"/media/uploads/... paths\"},"                 \
    "\"likes\":" INT                                                                                                   \
    ",\"liked\":{\"type\":\"boolean\",\"description\":\"the caller liked it (false when anonymous)\"},"                \
    "\"hidden\":{\"type\":\"boolean\",\"description\":\"hidden by an admin: seen only by its author and admins\"},"    \
    "\"points_paid\":{\"type\":\"integer\",\"description\":\"points paid for this review; above 0 it cannot be "       \
    "deleted\"},\"reply\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\",\"required\":[\"text\",\"created_at\"," \
    "\"updated_at\"],\"properties\":{\"text\":" STR ",\"created_at\":" TIME ",\"updated_at\":" TIME "}}],"             \
    "\"description\":\"the seller's reply\"},\"created_at\":" TIME ",\"updated_at\":" TIME
#define REVIEW_REQUIRED                                                                                                \
    "\"id\",\"line_id\",\"product_id\",\"seller_id\",\"author\",\"rating\",\"text\",\"photos\",\"likes\",\"liked\","   \
    "\"hidden\",\"points_paid\",\"reply\",\"created_at\",\"updated_at\""

static const bc_schema sc_review = {
    "Review", "{\"type\":\"object\",\"required\":[" REVIEW_REQUIRED "],\"properties\":{" REVIEW_PROPS "}}", NULL};
static const bc_schema sc_summary = {
    "ReviewSummary",
    "{\"type\":\"object\",\"required\":[\"average\",\"count\",\"distribution\"],\"properties\":{\"average\":{\"type\":"
    "\"number\",\"description\":\"mean rating of the visible reviews, two decimals (0 when none)\"},\"count\":" INT
    ",\"distribution\":{\"type\":\"object\",\"required\":[\"1\",\"2\",\"3\",\"4\",\"5\"],\"properties\":{\"1\":" INT
    ",\"2\":" INT ",\"3\":" INT ",\"4\":" INT ",\"5\":" INT "}}}}",
    NULL};
static const bc_schema sc_review_page = {
    "ReviewPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\",\"summary\"],\"properties\":{"
    "\"items\":{\"type\":\"array\",\"items\":" REF("Review") "},\"page\":" INT ",\"per_page\":" INT ",\"total\":" INT
                                                             ",\"summary\":" REF("ReviewSummary") "}}",
    (const bc_schema *const[]){&sc_review, &sc_summary, NULL}};
static const bc_schema sc_my_reviews = {
    "MyReviewPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{\"type\":"
    "\"array\",\"items\":{\"type\":\"object\",\"required\":[" REVIEW_REQUIRED
    ",\"product_name\"],\"properties\":{" REVIEW_PROPS ",\"product_name\":" STR ",\"product_image_url\":" STR_OR_NULL
    "}}},\"page\":" INT ",\"per_page\":" INT ",\"total\":" INT "}}",
    NULL};
static const bc_schema sc_reviewable = {
    "ReviewableLines",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\",\"required\":[\"line_id\",\"order_row_id\",\"order_id\",\"product_id\",\"product_name\",\"seller_id\","
    "\"status\",\"delivered_at\"],\"properties\":{\"line_id\":" INT ",\"order_row_id\":" INT ",\"order_id\":" STR
    ",\"product_id\":" INT ",\"product_name\":" STR ",\"seller_id\":" INT ",\"status\":{\"type\":\"string\",\"enum\":["
    "\"DELIVERED\",\"PURCHASE_CONFIRMED\"]},\"delivered_at\":" TIME "}}}}}",
    NULL};
static const bc_schema sc_like = {"ReviewLike",
                                  "{\"type\":\"object\",\"required\":[\"id\",\"likes\",\"liked\"],\"properties\":{"
                                  "\"id\":" INT ",\"likes\":" INT ",\"liked\":" BOOL "}}",
                                  NULL};

static const bc_field photo_item = {
    "photos[]", BC_F_STR, 1, 8, 200, "a /media/uploads/... path of your own upload", .text = BC_TEXT_OPAQUE};
static const bc_field create_body[] = {
    {"rating", BC_F_INT, 1, 1, 5, "stars, 1..5"},
    {"text", BC_F_STR, 0, 0, BC_REVIEW_TEXT_MAX, "what you thought (several lines allowed)", .text = BC_TEXT_MULTI},
    {"photos", BC_F_ARR, 0, 0, BC_REVIEW_PHOTOS_MAX,
     "up to 5 images uploaded by you with POST /api/v1/media/images (their url)", .items = &photo_item},
    {NULL},
};
static const bc_field patch_body[] = {
    {"rating", BC_F_INT, 0, 1, 5, "stars, 1..5"},
    {"text", BC_F_STR, 0, 0, BC_REVIEW_TEXT_MAX, "replaces the text", .text = BC_TEXT_MULTI},
    {"photos", BC_F_ARR, 0, 0, BC_REVIEW_PHOTOS_MAX, "replaces the photos", .items = &photo_item},
    {NULL},
};
static const bc_field reply_body[] = {
    {"text", BC_F_STR, 1, 1, BC_REVIEW_REPLY_MAX, "the seller's answer", .text = BC_TEXT_MULTI},
    {NULL},
};
static const bc_field admin_body[] = {
    {"hidden", BC_F_BOOL, 1, 0, 0, "true hides the review from the product page and its summary"},
    {NULL},
};
static const char *const sorts[] = {"newest", "likes", "rating", "rating_low", NULL};
static const bc_field list_query[] = {
    {"sort", BC_F_STR, 0, 0, 0, "newest first, most liked, highest or lowest rating", .enums = sorts, .def = "newest"},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, BC_REVIEW_PER_PAGE_MAX, "page size", .def = "10"},
    {NULL},
};
static const bc_field mine_query[] = {
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, BC_REVIEW_PER_PAGE_MAX, "page size", .def = "20"},
    {NULL},
};

const bc_route bc_review_routes[] = {
    {"POST", "/api/v1/order-lines/{id}/review", BC_ROLE_ANY, 0, create_body, h_create, "reviews",
     "Review a delivered order line of yours (once per line; photos must be your own uploads)", 201,
     .response = &sc_review, .location = "/api/v1/reviews/{id}",
     .errors =
         (const char *const[]){"LINE_NOT_FOUND", "REVIEW_NOT_ALLOWED", "REVIEW_EXISTS", "REVIEW_PHOTO_INVALID", NULL}},
    {"GET", "/api/v1/reviews/{id}", 0, BC_RT_OPTIONAL_AUTH, NULL, h_get, "reviews",
     "One review (a hidden one only for its author or an admin)", 200, .response = &sc_review,
     .errors = (const char *const[]){"REVIEW_NOT_FOUND", NULL}},
    {"PATCH", "/api/v1/reviews/{id}", BC_ROLE_ANY, 0, patch_body, h_update, "reviews",
     "Edit your review (rating, text, photos)", 200, .response = &sc_review,
     .errors = (const char *const[]){"REVIEW_NOT_FOUND", "NOT_YOUR_REVIEW", "REVIEW_PHOTO_INVALID", NULL}},
    {"DELETE", "/api/v1/reviews/{id}", BC_ROLE_ANY, 0, NULL, h_delete, "reviews",
     "Delete your review (refused once points were paid for it)", 204,
     .errors = (const char *const[]){"REVIEW_NOT_FOUND", "NOT_YOUR_REVIEW", "REVIEW_LOCKED", NULL}},
    {"GET", "/api/v1/products/{id}/reviews", 0, BC_RT_OPTIONAL_AUTH, NULL, h_list, "reviews",
     "A product's visible reviews, sorted and paged, with its average, count and rating distribution", 200,
     .query = list_query, .response = &sc_review_page, .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {"POST", "/api/v1/reviews/{id}/like", BC_ROLE_ANY, 0, NULL, h_like, "reviews",
     "Like a review (once per user; liking again changes nothing)", 200, .response = &sc_like,
     .errors = (const char *const[]){"REVIEW_NOT_FOUND", "OWN_REVIEW_LIKE", NULL}},
    {"DELETE", "/api/v1/reviews/{id}/like", BC_ROLE_ANY, 0, NULL, h_like, "reviews", "Take back your like", 200,
     .response = &sc_like, .errors = (const char *const[]){"REVIEW_NOT_FOUND", NULL}},
    {"POST", "/api/v1/reviews/{id}/reply", BC_ROLE_SELLER, 0, reply_body, h_reply, "reviews",
     "The product's seller answers a review (once; PATCH edits it)", 201, .response = &sc_review,
     .location = "/api/v1/reviews/{id}",
     .errors = (const char *const[]){"REVIEW_NOT_FOUND", "NOT_YOUR_PRODUCT", "REPLY_EXISTS", NULL}},
    {"PATCH", "/api/v1/reviews/{id}/reply", BC_ROLE_SELLER, 0, reply_body, h_reply, "reviews",
     "The product's seller edits their answer", 200, .response = &sc_review,
     .errors = (const char *const[]){"REVIEW_NOT_FOUND", "NOT_YOUR_PRODUCT", "REPLY_NOT_FOUND", NULL}},
    {"PATCH", "/api/v1/admin/reviews/{id}", BC_ROLE_ADMIN, 0, admin_body, h_admin, "reviews",
     "Hide a review (or show it again): hidden reviews are not listed publicly and not counted", 200,
     .response = &sc_review, .errors = (const char *const[]){"REVIEW_NOT_FOUND", NULL}},
    {"GET", "/api/v1/me/reviews", BC_ROLE_ANY, 0, NULL, h_mine, "reviews", "My reviews, hidden ones included", 200,
     .query = mine_query, .response = &sc_my_reviews},
    {"GET", "/api/v1/me/reviewable", BC_ROLE_ANY, 0, NULL, h_reviewable, "reviews",
     "My delivered order lines without a review yet (newest first, at most 100)", 200, .response = &sc_reviewable},
    {NULL},
};
