/* Routes of 1:1 inquiries (/api/v1/inquiries, the seller's and the admin's inboxes) and of product
 * Q&A (/api/v1/products/{id}/questions, /api/v1/questions/{id}). No SQL here: checks in
 * inquiries.c, storage in inquiries_store.c. */
#include <string.h>

#include "../catalog/catalog.h"
#include "inquiries.h"

static void send_inquiry(bc_req *req, int status, int64_t id)
{
    json_t *o = NULL;
    int rc = bc_inquiry_get(bc_req_db(req), id, &o);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "INQUIRY_NOT_FOUND", "no such inquiry");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, status, o);
}

static int64_t opt_id(json_t *body, const char *key)
{
    json_t *v = json_object_get(body, key);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

static int blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
            return 0;
    return 1;
}

/* POST /api/v1/inquiries */
static void h_create(bc_req *req)
{
    json_t *b = bc_req_json(req);
    const char *to = json_string_value(json_object_get(b, "to"));
    bc_inquiry_new n = {.subject = {.buyer_id = bc_req_auth(req)->user_id,
                                    .to_seller = to && strcmp(to, "seller") == 0,
                                    .seller_id = opt_id(b, "seller_id"),
                                    .product_id = opt_id(b, "product_id"),
                                    .order_row_id = opt_id(b, "order_id")},
                        .category = json_string_value(json_object_get(b, "category")),
                        .title = json_string_value(json_object_get(b, "title")),
                        .body = json_string_value(json_object_get(b, "body"))};
    if (blank(n.title) || blank(n.body)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'title' and 'body' must not be blank");
        return;
    }
    const char *code = NULL;
    char msg[160];
    int64_t id = 0;
    int rc = bc_inquiry_subject_check(bc_req_db(req), &n.subject, &code, msg, sizeof msg);
    if (code && strcmp(code, "PRODUCT_NOT_FOUND") == 0)
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "%s", msg);
    else if (code && strcmp(code, "ORDER_NOT_FOUND") == 0)
        bc_res_error(req, 404, "ORDER_NOT_FOUND", "%s", msg);
    else if (code)
        bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
    else if (rc != BC_OK || (rc = bc_inquiry_create(bc_req_db(req), &n, &id)) != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_inquiry(req, 201, id);
}

static void send_list(bc_req *req, bc_inquiry_query *q)
{
    json_t *out = NULL;
    q->status = bc_req_query_str(req, "status");
    q->page = bc_req_query_int(req, "page", 1);
    q->per_page = bc_req_query_int(req, "per_page", 20);
    int rc = bc_inquiry_list(bc_req_db(req), q, &out);
    if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, out);
}

/* GET /api/v1/inquiries: the caller's own */
static void h_mine(bc_req *req)
{
    bc_inquiry_query q = {.buyer_id = bc_req_auth(req)->user_id};
    send_list(req, &q);
}

/* GET /api/v1/seller/inquiries */
static void h_seller_inbox(bc_req *req)
{
    bc_inquiry_query q = {.seller_id = bc_req_auth(req)->user_id};
    send_list(req, &q);
}

/* GET /api/v1/admin/inquiries?to=operator|seller|all */
static void h_admin_inbox(bc_req *req)
{
    const char *to = bc_req_query_str(req, "to");
    bc_inquiry_query q = {.scope = !to || strcmp(to, "operator") == 0 ? 2 : strcmp(to, "seller") == 0 ? 1 : 0};
    send_list(req, &q);
}

/* The inquiry of the route's {id} and how the caller takes part in it; sends 404 and returns
 * NULL when the caller does not (or there is no such inquiry). */
static const char *participant(bc_req *req, bc_inquiry_head *head)
{
    int64_t id = 0;
    int rc = bc_req_param_id(req, "id", &id) == BC_OK ? bc_inquiry_head_get(bc_req_db(req), id, head) : BC_ENOTFOUND;
    const bc_auth *a = bc_req_auth(req);
    const char *role =
        rc == BC_OK ? bc_inquiry_participant(head->buyer_id, head->seller_id, a->user_id, a->role) : NULL;
    if (rc != BC_OK && rc != BC_ENOTFOUND)
        bc_res_from_err(req, rc);
    else if (!role)
        bc_res_error(req, 404, "INQUIRY_NOT_FOUND", "no such inquiry");
    return role;
}

static void h_get(bc_req *req)
{
    bc_inquiry_head head;
    if (participant(req, &head))
        send_inquiry(req, 200, head.id);
}

static void h_message(bc_req *req)
{
    bc_inquiry_head head;
    const char *role = participant(req, &head);
    const char *body = json_string_value(json_object_get(bc_req_json(req), "body"));
    if (!role)
        return;
    if (blank(body)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'body' must not be blank");
        return;
    }
    int rc = bc_inquiry_reply(bc_req_db(req), head.id, bc_req_auth(req)->user_id, role, body);
    if (rc == BC_ECONFLICT)
        bc_res_error(req, 409, "INQUIRY_CLOSED", "this inquiry is closed");
    else if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "INQUIRY_NOT_FOUND", "no such inquiry");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_inquiry(req, 201, head.id);
}

static void h_close(bc_req *req)
{
    bc_inquiry_head head;
    if (!participant(req, &head))
        return;
    int rc = bc_inquiry_close(bc_req_db(req), head.id);
    if (rc == BC_ECONFLICT)
        bc_res_error(req, 409, "INQUIRY_CLOSED", "this inquiry is closed already");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_inquiry(req, 200, head.id);
}

/* ---- product Q&A ---- */

static int64_t viewer_id(bc_req *req) { return bc_req_auth(req) ? bc_req_auth(req)->user_id : 0; }
static int viewer_role(bc_req *req) { return bc_req_auth(req) ? bc_req_auth(req)->role : 0; }

/* The product of the route's {id} when the caller may see it (visible, or the caller is its
 * seller or an admin): *seller_id set, BC_OK; else sends 404 PRODUCT_NOT_FOUND (or the error). */
static int visible_product(bc_req *req, int64_t *id, int64_t *seller_id)
{
    int deleted = 0, visible = 0;
    int rc = bc_req_param_id(req, "id", id) == BC_OK
                 ? bc_catalog_product_owner(bc_req_db(req), *id, seller_id, &deleted, &visible)
                 : BC_ENOTFOUND;
    if (rc == BC_OK && !deleted &&
        (visible || viewer_role(req) == BC_ROLE_ADMIN || (viewer_id(req) && viewer_id(req) == *seller_id)))
        return BC_OK;
    if (rc == BC_OK || rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "PRODUCT_NOT_FOUND", "no such product");
        return BC_ENOTFOUND;
    }
    bc_res_from_err(req, rc);
    return rc;
}

static void send_questions(bc_req *req, bc_question_query *q)
{
    json_t *out = NULL;
    q->viewer_id = viewer_id(req);
    q->viewer_role = viewer_role(req);
    q->page = bc_req_query_int(req, "page", 1);
    q->per_page = bc_req_query_int(req, "per_page", 20);
    int rc = bc_inquiry_questions(bc_req_db(req), q, &out);
    if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, out);
}

static void send_question(bc_req *req, int status, int64_t id)
{
    json_t *o = NULL;
    int rc = bc_inquiry_question_get(bc_req_db(req), id, viewer_id(req), viewer_role(req), &o);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "QUESTION_NOT_FOUND", "no such question");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, status, o);
}

/* GET /api/v1/products/{id}/questions */
static void h_questions(bc_req *req)
{
    bc_question_query q = {.answered = -1};
    if (visible_product(req, &q.product_id, &q.seller_id) == BC_OK) {
        q.seller_id = 0;
        send_questions(req, &q);
    }
}

/* POST /api/v1/products/{id}/questions {body, secret} */
static void h_ask(bc_req *req)
{
    json_t *b = bc_req_json(req);
    const char *body = json_string_value(json_object_get(b, "body"));
    int64_t pid = 0, seller = 0, id = 0;
    if (visible_product(req, &pid, &seller) != BC_OK)
        return;
    if (blank(body)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'body' must not be blank");
        return;
    }
    bc_catalog_sale sale;
    int rc = bc_catalog_product_sale(bc_req_db(req), pid, &sale);
    if (rc == BC_OK)
        rc = bc_inquiry_question_add(bc_req_db(req), pid, seller, sale.name, viewer_id(req), body,
                                     json_is_true(json_object_get(b, "secret")), &id);
    if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_question(req, 201, id);
}

/* GET /api/v1/questions/{id} */
static void h_question(bc_req *req)
{
    int64_t id = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "QUESTION_NOT_FOUND", "no such question");
        return;
    }
    send_question(req, 200, id);
}

/* POST /api/v1/questions/{id}/answer {answer}: the product's seller only */
static void h_answer(bc_req *req)
{
    const char *answer = json_string_value(json_object_get(bc_req_json(req), "answer"));
    int64_t id = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "QUESTION_NOT_FOUND", "no such question");
        return;
    }
    if (blank(answer)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'answer' must not be blank");
        return;
    }
    int rc = bc_inquiry_question_answer(bc_req_db(req), id, viewer_id(req), answer);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "QUESTION_NOT_FOUND", "no such question");
    else if (rc == BC_EFORBIDDEN)
        bc_res_error(req, 403, "NOT_YOUR_PRODUCT", "only the product's seller answers its questions");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_question(req, 200, id);
}

/* GET /api/v1/seller/questions?answered= */
static void h_seller_questions(bc_req *req)
{
    bc_question_query q = {.seller_id = viewer_id(req), .answered = (int)bc_req_query_int(req, "answered", -1)};
    send_questions(req, &q);
}

/* ---- the route table ---- */

#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define INT "{\"type\":\"integer\"}"
#define INT_OR_NULL "{\"type\":[\"integer\",\"null\"]}"
#define STR "{\"type\":\"string\"}"
#define STR_OR_NULL "{\"type\":[\"string\",\"null\"]}"
#define BOOL "{\"type\":\"boolean\"}"
#define TIME_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define REF(n) "{\"$ref\":\"#/components/schemas/" n "\"}"
#define PAGE_OF(item)                                                                                                  \
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{"        \
    "\"type\":\"array\",\"items\":" REF(item) "},\"page\":" INT ",\"per_page\":" INT ",\"total\":" INT "}}"
#define INQ_STATUS "{\"type\":\"string\",\"enum\":[\"OPEN\",\"ANSWERED\",\"CLOSED\"]}"
#define INQ_CATEGORY                                                                                                    \
    "{\"type\":\"string\",\"enum\":[\"DELIVERY\",\"EXCHANGE_RETURN\",\"PRODUCT\",\"OTHER\"],\"description\":\"배송, " \
    "교환·반품, 상품, 기타\"}"
#define INQ_PROPS                                                                                                      \
    "\"id\":" INT ",\"to\":{\"type\":\"string\",\"enum\":[\"seller\",\"operator\"]},\"buyer_id\":" INT                 \
    ",\"buyer_name\":" STR_OR_NULL ",\"seller_id\":" INT_OR_NULL ",\"seller_name\":" STR_OR_NULL                       \
    ",\"product_id\":" INT_OR_NULL ",\"product_name\":" STR_OR_NULL ",\"order_id\":{\"type\":[\"integer\",\"null\"],"  \
    "\"description\":\"the order's id (as in /api/v1/orders/{id})\"},\"category\":" INQ_CATEGORY ",\"title\":" STR     \
    ",\"status\":" INQ_STATUS ",\"message_count\":" INT ",\"created_at\":" TIME ",\"updated_at\":" TIME
#define INQ_REQ                                                                                                        \
    "\"id\",\"to\",\"buyer_id\",\"seller_id\",\"product_id\",\"order_id\",\"category\",\"title\",\"status\","          \
    "\"message_count\",\"created_at\",\"updated_at\""

static const bc_schema sc_inquiry_item = {
    "InquiryItem", "{\"type\":\"object\",\"required\":[" INQ_REQ "],\"properties\":{" INQ_PROPS "}}", NULL};
static const bc_schema sc_inquiry_message = {
    "InquiryMessage",
    "{\"type\":\"object\",\"required\":[\"id\",\"author_id\",\"author_role\",\"body\",\"created_at\"],\"properties\":{"
    "\"id\":" INT ",\"author_id\":" INT ",\"author_name\":" STR_OR_NULL
    ",\"author_role\":{\"type\":\"string\",\"enum\":[\"buyer\",\"seller\",\"admin\"]},\"body\":" STR
    ",\"created_at\":" TIME "}}",
    NULL};
static const bc_schema sc_inquiry = {
    "Inquiry",
    "{\"type\":\"object\",\"required\":[" INQ_REQ ",\"body\",\"messages\"],\"properties\":{" INQ_PROPS
    ",\"order_number\":{\"type\":[\"string\",\"null\"],\"description\":\"the order's public orderId\"},\"body\":" STR
    ",\"messages\":{\"type\":\"array\",\"items\":" REF("InquiryMessage") "}}}",
    (const bc_schema *const[]){&sc_inquiry_message, NULL}};
static const bc_schema sc_inquiry_page = {"InquiryPage", PAGE_OF("InquiryItem"),
                                          (const bc_schema *const[]){&sc_inquiry_item, NULL}};
static const bc_schema sc_question = {
    "ProductQuestion",
    "{\"type\":\"object\",\"required\":[\"id\",\"product_id\",\"author_name\",\"secret\",\"readable\",\"mine\","
    "\"body\",\"answered\",\"answer\",\"answered_at\",\"created_at\"],\"properties\":{\"id\":" INT
    ",\"product_id\":" INT ",\"product_name\":" STR_OR_NULL ",\"author_name\":{\"type\":\"string\",\"description\":"
    "\"masked, e.g. 김**\"},\"secret\":" BOOL ",\"readable\":{\"type\":\"boolean\",\"description\":\"false: a "
    "secret question the caller may not read; body is " BC_QUESTION_SECRET_TEXT " and answer null\"},\"mine\":" BOOL
    ",\"body\":" STR ",\"answered\":" BOOL ",\"answer\":" STR_OR_NULL ",\"answered_at\":" TIME_OR_NULL
    ",\"created_at\":" TIME "}}",
    NULL};
static const bc_schema sc_question_page = {"ProductQuestionPage", PAGE_OF("ProductQuestion"),
                                           (const bc_schema *const[]){&sc_question, NULL}};

static const char *const to_values[] = {"seller", "operator", NULL};
static const char *const categories[] = {"DELIVERY", "EXCHANGE_RETURN", "PRODUCT", "OTHER", NULL};
static const char *const statuses[] = {"OPEN", "ANSWERED", "CLOSED", NULL};
static const char *const admin_to[] = {"operator", "seller", "all", NULL};

static const bc_field create_body[] = {
    {"to", BC_F_STR, 1, 0, 0, "seller: the seller of the product or the order; operator: the shop's operator",
     .enums = to_values},
    {"seller_id", BC_F_INT, 0, 1, INT64_MAX, "the seller, for an order with several sellers"},
    {"product_id", BC_F_INT, 0, 1, INT64_MAX, "the product it is about"},
    {"order_id", BC_F_INT, 0, 1, INT64_MAX, "the caller's order it is about (its id)"},
    {"category", BC_F_STR, 1, 0, 0, "배송 / 교환·반품 / 상품 / 기타", .enums = categories},
    {"title", BC_F_STR, 1, 1, BC_INQUIRY_TITLE_MAX, "the title"},
    {"body", BC_F_STR, 1, 1, BC_INQUIRY_BODY_MAX, "the question", .text = BC_TEXT_MULTI},
    {NULL},
};
static const bc_field message_body[] = {
    {"body", BC_F_STR, 1, 1, BC_INQUIRY_BODY_MAX, "the message", .text = BC_TEXT_MULTI},
    {NULL},
};
static const bc_field list_query[] = {
    {"status", BC_F_STR, 0, 0, 0, "only the inquiries in this state", .enums = statuses},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};
static const bc_field admin_query[] = {
    {"status", BC_F_STR, 0, 0, 0, "only the inquiries in this state", .enums = statuses},
    {"to", BC_F_STR, 0, 0, 0, "operator: the ones to the operator; seller: to sellers; all", .enums = admin_to,
     .def = "operator"},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};
static const bc_field page_query[] = {
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};
static const bc_field seller_q_query[] = {
    {"answered", BC_F_BOOL, 0, 0, 0, "true: answered only; false: waiting for an answer; absent: all"},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};
static const bc_field ask_body[] = {
    {"body", BC_F_STR, 1, 1, BC_QUESTION_BODY_MAX, "the question", .text = BC_TEXT_MULTI},
    {"secret", BC_F_BOOL, 0, 0, 0, "비밀글: only the asker, the product's seller and admins read it"},
    {NULL},
};
static const bc_field answer_body[] = {
    {"answer", BC_F_STR, 1, 1, BC_QUESTION_BODY_MAX, "the answer (replaces an earlier one)", .text = BC_TEXT_MULTI},
    {NULL},
};

const bc_route bc_inquiry_routes[] = {
    {"POST", "/api/v1/inquiries", BC_ROLE_BUYER | BC_ROLE_SELLER, 0, create_body, h_create, "inquiries",
     "Send a 1:1 inquiry to a seller (about a product, or an order of the caller's) or to the operator", 201,
     .response = &sc_inquiry, .location = "/api/v1/inquiries/{id}",
     .errors = (const char *const[]){"PRODUCT_NOT_FOUND", "ORDER_NOT_FOUND", NULL}},
    {"GET", "/api/v1/inquiries", BC_ROLE_ANY, 0, NULL, h_mine, "inquiries", "The caller's own inquiries, newest first",
     200, .query = list_query, .response = &sc_inquiry_page},
    {"GET", "/api/v1/inquiries/{id}", BC_ROLE_ANY, 0, NULL, h_get, "inquiries",
     "One inquiry with its messages (its author, its seller and admins only)", 200, .response = &sc_inquiry,
     .errors = (const char *const[]){"INQUIRY_NOT_FOUND", NULL}},
    {"POST", "/api/v1/inquiries/{id}/messages", BC_ROLE_ANY, 0, message_body, h_message, "inquiries",
     "Write in an inquiry's thread: the seller's or an admin's message answers it (ANSWERED), the author's opens it "
     "again (OPEN); the other side is notified",
     201, .response = &sc_inquiry, .location = "/api/v1/inquiries/{id}",
     .errors = (const char *const[]){"INQUIRY_NOT_FOUND", "INQUIRY_CLOSED", NULL}},
    {"POST", "/api/v1/inquiries/{id}/close", BC_ROLE_ANY, 0, NULL, h_close, "inquiries",
     "Close an inquiry (no more messages)", 200, .response = &sc_inquiry,
     .errors = (const char *const[]){"INQUIRY_NOT_FOUND", "INQUIRY_CLOSED", NULL}},
    {"GET", "/api/v1/seller/inquiries", BC_ROLE_SELLER, 0, NULL, h_seller_inbox, "inquiries",
     "The seller's inbox: inquiries to the caller, newest first", 200, .query = list_query,
     .response = &sc_inquiry_page},
    {"GET", "/api/v1/admin/inquiries", BC_ROLE_ADMIN, 0, NULL, h_admin_inbox, "admin",
     "The operator's inbox: inquiries to the operator (or to sellers, or all), newest first", 200, .query = admin_query,
     .response = &sc_inquiry_page},
    {"GET", "/api/v1/products/{id}/questions", 0, BC_RT_OPTIONAL_AUTH, NULL, h_questions, "inquiries",
     "A product's Q&A, newest first (a secret question's text only for its author, the seller and admins)", 200,
     .query = page_query, .response = &sc_question_page, .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {"POST", "/api/v1/products/{id}/questions", BC_ROLE_ANY, 0, ask_body, h_ask, "inquiries",
     "Ask a question on a product's page (public or secret); its seller is notified", 201, .response = &sc_question,
     .location = "/api/v1/questions/{id}", .errors = (const char *const[]){"PRODUCT_NOT_FOUND", NULL}},
    {"GET", "/api/v1/questions/{id}", 0, BC_RT_OPTIONAL_AUTH, NULL, h_question, "inquiries", "One product question",
     200, .response = &sc_question, .errors = (const char *const[]){"QUESTION_NOT_FOUND", NULL}},
    {"POST", "/api/v1/questions/{id}/answer", BC_ROLE_SELLER, 0, answer_body, h_answer, "inquiries",
     "Answer a question on one of the caller's products (again: replaces the answer); the asker is notified", 200,
     .response = &sc_question, .errors = (const char *const[]){"QUESTION_NOT_FOUND", "NOT_YOUR_PRODUCT", NULL}},
    {"GET", "/api/v1/seller/questions", BC_ROLE_SELLER, 0, NULL, h_seller_questions, "inquiries",
     "The questions on the caller's products, newest first", 200, .query = seller_q_query,
     .response = &sc_question_page},
    {NULL},
};
