/* Routes under /api/v1/lives and /api/v1/seller/lives, and the nginx-rtmp callbacks under
 * /internal/rtmp (loopback only, hidden from the OpenAPI document). State changes that viewers
 * must see at once (pin, status) are broadcast to the live's chat room (bc_chat_publish_event). */
#include <sodium.h>
#include <string.h>

#include "../chat/chat.h"
#include "live.h"

/* Removes the fields only the live's seller (and admins) may see. */
static void strip_secrets(json_t *live)
{
    json_object_del(live, "stream_key");
    json_object_del(live, "rtmp_url");
    json_object_del(live, "obs_stream_key");
    json_object_del(live, "publish_url");
}

/* Sends live id as JSON with status; secrets included (the caller has been checked). */
static void send_live(bc_req *req, int status, int64_t id)
{
    json_t *l = NULL;
    int rc = bc_live_get(bc_req_db(req), id, 1, &l);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, status, l);
}

static void publish_status(int64_t id, const char *status)
{
    json_t *d = json_pack("{s:s}", "status", status);
    bc_chat_publish_event(id, "status", d);
    json_decref(d);
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static void h_create(bc_req *req)
{
    const char *title, *when;
    json_t *ids;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s:s,s:s,s:o}", "title", &title, "scheduled_at", &when, "product_ids",
                   &ids);
    int64_t scheduled_at, product_ids[20];
    size_t n = json_array_size(ids);
    if (is_blank(title)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'title' must not be blank");
        return;
    }
    if (bc_time_parse(when, &scheduled_at) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED",
                     "'scheduled_at' must be an ISO-8601 time like 2026-11-23T10:00:00Z");
        return;
    }
    for (size_t i = 0; i < n && i < 20; i++) {
        json_t *v = json_array_get(ids, i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'product_ids' must hold positive integers");
            return;
        }
        product_ids[i] = json_integer_value(v);
    }
    int64_t id = 0;
    int rc = bc_live_create(bc_req_db(req), bc_req_auth(req)->user_id, title, scheduled_at, product_ids, n, &id);
    if (rc == BC_ENOTFOUND || rc == BC_EFORBIDDEN) {
        bc_res_error(req, 422, "INVALID_PRODUCT", "every product must be one of your own products");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_chat_note_live(id);
    send_live(req, 201, id);
}

static void h_list(bc_req *req)
{
    json_t *items = NULL;
    int rc = bc_live_list(bc_req_db(req), bc_req_query_str(req, "status"), 0, &items);
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'status' must be LIVE, SCHEDULED or ENDED");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:o}", "items", items));
}

static void h_seller_list(bc_req *req)
{
    json_t *items = NULL;
    int rc = bc_live_list(bc_req_db(req), NULL, bc_req_auth(req)->user_id, &items);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:o}", "items", items));
}

static void h_get(bc_req *req)
{
    int64_t id;
    json_t *l = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    int rc = bc_live_get(bc_req_db(req), id, 1, &l);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    const bc_auth *a = bc_req_auth(req);
    int owner = a && (a->role == BC_ROLE_ADMIN || a->user_id == json_integer_value(json_object_get(l, "seller_id")));
    if (!owner)
        strip_secrets(l);
    bc_res_json(req, 200, l);
}

static void h_pin(bc_req *req)
{
    int64_t id, product_id = 0;
    json_t *v = json_object_get(bc_req_json(req), "product_id"), *product = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    if (!v) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'product_id' is required (an id, or null to unpin)");
        return;
    }
    if (!json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'product_id' must be a positive integer or null");
            return;
        }
        product_id = json_integer_value(v);
    }
    int rc = bc_live_pin(bc_req_db(req), id, bc_req_auth(req)->user_id, product_id, &product);
    switch (rc) {
    case BC_OK:
        break;
    case BC_EFORBIDDEN:
        bc_res_error(req, 403, "FORBIDDEN", "only the live's seller may pin products");
        return;
    case BC_EINVAL:
        bc_res_error(req, 422, "INVALID_PRODUCT", "the product must be one of your own products");
        return;
    case BC_ECONFLICT:
        bc_res_error(req, 409, "LIVE_ENDED", "the live has ended");
        return;
    default:
        bc_res_from_err(req, rc);
        return;
    }
    bc_http_json_times(product, &bc_sc_product); /* the frame carries the API's product shape */
    json_t *d = json_pack("{s:o}", "product", product ? product : json_null());
    bc_chat_publish_event(id, "pin", d);
    json_decref(d);
    send_live(req, 200, id);
}

/* PUT /api/v1/lives/{id}/products/{product_id}/offer: replaces the live-only terms of one product
 * (absent or null = none). When the product is pinned, viewers get a new pin frame carrying them. */
static void h_offer(bc_req *req)
{
    int64_t id, product_id;
    json_t *body = bc_req_json(req), *l = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK || bc_req_param_id(req, "product_id", &product_id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live or product");
        return;
    }
    bc_live_offer o = {json_integer_value(json_object_get(body, "live_price")),
                       json_integer_value(json_object_get(body, "stock_cap")),
                       json_is_true(json_object_get(body, "replay")), 0};
    bc_db *db = bc_req_db(req);
    int rc = bc_live_offer_set(db, id, bc_req_auth(req)->user_id, product_id, &o);
    switch (rc) {
    case BC_OK:
        break;
    case BC_EFORBIDDEN:
        bc_res_error(req, 403, "FORBIDDEN", "only the live's seller may set its offers");
        return;
    case BC_ECONFLICT:
        bc_res_error(req, 404, "NOT_FOUND", "the live does not carry this product");
        return;
    default:
        bc_res_from_err(req, rc);
        return;
    }
    if ((rc = bc_live_get(db, id, 1, &l)) != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    json_t *pinned = json_object_get(l, "pinned_product");
    if (json_is_object(pinned) && json_integer_value(json_object_get(pinned, "id")) == product_id) {
        json_t *p = json_deep_copy(pinned);
        bc_http_json_times(p, &bc_sc_product); /* the frame carries the API's product shape */
        json_t *d = json_pack("{s:o}", "product", p);
        bc_chat_publish_event(id, "pin", d);
        json_decref(d);
    }
    bc_res_json(req, 200, l);
}

static void h_end(bc_req *req)
{
    int64_t id;
    int changed = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    int rc = bc_live_end(bc_req_db(req), id, bc_req_auth(req)->user_id, &changed);
    if (rc == BC_EFORBIDDEN) {
        bc_res_error(req, 403, "FORBIDDEN", "only the live's seller may end it");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    /* the publisher, if any, is dropped by the next on_update callback (notify_update_timeout) */
    if (changed)
        publish_status(id, "ENDED");
    send_live(req, 200, id);
}

/* ---- nginx-rtmp notify callbacks (form bodies; see docs/CONTRACT.md "RTMP": name = public live
 * id, key = stream key from the args, clientid = nginx's connection id). Any non-2xx answer
 * refuses a publish / drops a stream. */

static void answer(bc_req *req, int status)
{
    if (status == 200)
        bc_res_send(req, 200, "text/plain", "", 0);
    else
        bc_res_error(req, status, "FORBIDDEN", "refused");
}

/* 1 for a URL-safe character (RFC 3986 §2.3 unreserved): the token is written into nginx's URLs. */
static int token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

int bc_live_callbacks_init(int with_rtmp)
{
    const char *t = bc_cfg.rtmp_callback_token;
    size_t n = strlen(t);
    if (n == 0 && with_rtmp) {
        bc_rand_token(bc_cfg.rtmp_callback_token, 32);
        bc_log_info("live", "rtmp callbacks: token generated for the nginx-rtmp child");
        return BC_OK;
    }
    if (n == 0) {
        bc_log_warn("live", "rtmp callbacks disabled: BROADCART_RTMP_CALLBACK_TOKEN is not set, every "
                            "/internal/rtmp call is refused (set it when nginx-rtmp runs as its own service)");
        return BC_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (!token_char(t[i])) {
            bc_log_error("live", "BROADCART_RTMP_CALLBACK_TOKEN may hold only A-Z a-z 0-9 . _ ~ - (it goes into "
                                 "nginx's callback URLs); e.g. openssl rand -hex 32");
            return BC_EINVAL;
        }
    }
    if (n < 16) {
        bc_log_error("live",
                     "BROADCART_RTMP_CALLBACK_TOKEN is %zu characters; use at least 16 (e.g. openssl rand -hex "
                     "32)",
                     n);
        return BC_EINVAL;
    }
    bc_log_info("live", "rtmp callbacks: checking the configured callback token");
    return BC_OK;
}

/* nginx-rtmp callbacks come from loopback (route flag) and carry the callback token as ?token= (a
 * proxy on the same host cannot forge it); with no token set, every callback is refused. The
 * comparison takes the same time whatever the token's content (sodium_memcmp). */
static int callback_allowed(bc_req *req)
{
    const char *want = bc_cfg.rtmp_callback_token, *got = bc_req_query(req, "token");
    size_t n = strlen(want);
    if (n == 0) {
        bc_log_warn("live", "rtmp callback refused: no callback token is configured (BROADCART_RTMP_CALLBACK_TOKEN)");
        return 0;
    }
    if (!got || strlen(got) != n || sodium_memcmp(got, want, n) != 0) {
        bc_log_warn("live", "rtmp callback refused: missing or wrong callback token");
        return 0;
    }
    return 1;
}

static void h_on_publish(bc_req *req)
{
    int64_t id = 0;
    const char *clientid = bc_req_form(req, "clientid");
    if (!callback_allowed(req)) {
        answer(req, 403);
        return;
    }
    if (bc_parse_i64(bc_req_form(req, "name"), 1, INT64_MAX, &id) != BC_OK) {
        bc_log_info("live", "rtmp publish refused: stream name is not a live id");
        answer(req, 403);
        return;
    }
    int rc = bc_live_on_publish(bc_req_db(req), id, bc_req_form(req, "key"), clientid);
    if (rc != BC_OK) {
        bc_log_info("live", "rtmp publish refused for live %lld (client %s): %s", (long long)id,
                    clientid ? clientid : "?", rc == BC_EFORBIDDEN ? "bad key or state" : "error");
        answer(req, rc == BC_EFORBIDDEN ? 403 : 500);
        return;
    }
    bc_log_info("live", "live %lld is on air (rtmp client %s)", (long long)id, clientid ? clientid : "?");
    publish_status(id, "LIVE");
    answer(req, 200);
}

static void h_on_publish_done(bc_req *req)
{
    int64_t id = 0;
    int was_pinned = 0;
    const char *clientid = bc_req_form(req, "clientid");
    if (callback_allowed(req) && bc_parse_i64(bc_req_form(req, "name"), 1, INT64_MAX, &id) == BC_OK &&
        bc_live_on_publish_done(bc_req_db(req), id, clientid, &was_pinned) == BC_OK) {
        bc_log_info("live", "live %lld ended (rtmp client %s left)", (long long)id, clientid);
        if (was_pinned) {
            json_t *d = json_pack("{s:n}", "product");
            bc_chat_publish_event(id, "pin", d);
            json_decref(d);
        }
        publish_status(id, "ENDED");
    }
    answer(req, 200); /* nginx ignores the answer; a refused duplicate lands here too */
}

static void h_on_update(bc_req *req)
{
    int64_t id = 0;
    const char *call = bc_req_form(req, "call");
    if (!callback_allowed(req)) {
        answer(req, 403);
        return;
    }
    if (!call || strcmp(call, "update_publish") != 0 ||
        bc_parse_i64(bc_req_form(req, "name"), 1, INT64_MAX, &id) != BC_OK) {
        answer(req, 200);
        return;
    }
    int rc = bc_live_on_update(bc_req_db(req), id, bc_req_form(req, "clientid"));
    if (rc == BC_EFORBIDDEN)
        bc_log_info("live", "dropping rtmp publisher of live %lld: the live is over", (long long)id);
    answer(req, rc == BC_EFORBIDDEN ? 403 : 200);
}

static const bc_field product_id_item = {"product_ids[]", BC_F_INT, 1, 1, INT64_MAX, "a product id"};
static const bc_field create_body[] = {
    {"title", BC_F_STR, 1, 1, 100, "1..100 characters"},
    {"scheduled_at", BC_F_STR, 1, 1, 40, "ISO-8601 time, e.g. 2026-11-23T10:00:00Z",
     .example = "\"2026-11-23T10:00:00Z\""},
    {"product_ids", BC_F_ARR, 1, 1, 20, "1..20 ids of your own products, shown in this order",
     .items = &product_id_item},
    {NULL},
};
static const bc_field pin_body[] = {
    {"product_id", BC_F_INT, 1, 1, INT64_MAX,
     "product id to pin (a live product or your own product, which is added), or null to unpin", .nullable = 1},
    {NULL},
};

static const bc_field offer_body[] = {
    {"live_price", BC_F_INT, 0, 1, 100000000,
     "KRW charged for orders carrying this live_id while the offer is active; null or absent = the catalog price"},
    {"stock_cap", BC_F_INT, 0, 1, 1000000000,
     "most units sold through this live while the offer is active; null or absent = no cap beyond the stock"},
    {"replay", BC_F_BOOL, 0, 0, 0, "the terms also apply during the replay, once the live has ended (default false)"},
    {NULL},
};

static const char *const live_statuses[] = {"LIVE", "SCHEDULED", "ENDED", NULL};
static const bc_field list_query[] = {
    {"status", BC_F_STR, 0, 0, 0,
     "only lives in this status (default: LIVE, then SCHEDULED by time, then recent ENDED)", .enums = live_statuses},
    {NULL},
};

/* What nginx-rtmp sends with its notify directives (on_publish, on_publish_done, on_update): the
 * callback URL's own ?token= and, depending on the version and the publisher, the connection's
 * fields; all are accepted, only token is read from the query (the rest comes in the form body). */
#define RTMP_Q(n, d)                                                                                                   \
    {                                                                                                                  \
        n, BC_F_STR, 0, 0, 2048, d, .text = BC_TEXT_OPAQUE                                                             \
    }
static const bc_field rtmp_query[] = {
    RTMP_Q("token", "the callback token (BROADCART_RTMP_CALLBACK_TOKEN or the generated one)"),
    RTMP_Q("app", "RTMP application"),
    RTMP_Q("name", "stream name: the live id"),
    RTMP_Q("addr", "publisher address"),
    RTMP_Q("clientid", "nginx connection id"),
    RTMP_Q("call", "publish | publish_done | update_publish"),
    RTMP_Q("tcurl", "RTMP tcUrl"),
    RTMP_Q("tcUrl", "RTMP tcUrl"),
    RTMP_Q("swfurl", "RTMP swfUrl"),
    RTMP_Q("swfUrl", "RTMP swfUrl"),
    RTMP_Q("pageurl", "RTMP pageUrl"),
    RTMP_Q("pageUrl", "RTMP pageUrl"),
    RTMP_Q("flashver", "client version"),
    RTMP_Q("flashVer", "client version"),
    RTMP_Q("type", "live | record"),
    RTMP_Q("key", "stream key from the publish URL"),
    RTMP_Q("time", "seconds since publish (update)"),
    RTMP_Q("timestamp", "stream timestamp (update)"),
    {NULL},
};

const bc_route bc_live_routes[] = {
    {"POST", "/api/v1/lives", BC_ROLE_SELLER, 0, create_body, h_create, "lives",
     "Schedule a live with products; returns the stream key", 201, .response = &bc_sc_live,
     .location = "/api/v1/lives/{id}", .errors = (const char *const[]){"INVALID_PRODUCT", NULL}},
    {"GET", "/api/v1/lives", 0, BC_RT_OPTIONAL_AUTH, NULL, h_list, "lives",
     "Lives: LIVE, then SCHEDULED by time, then recent ENDED (or one status)", 200, .query = list_query,
     .response = &bc_sc_live_list},
    {"GET", "/api/v1/lives/{id}", 0, BC_RT_OPTIONAL_AUTH, NULL, h_get, "lives",
     "One live with products, pinned product and viewer count (stream key for its seller)", 200,
     .response = &bc_sc_live},
    {"GET", "/api/v1/seller/lives", BC_ROLE_SELLER, 0, NULL, h_seller_list, "lives", "Your lives, with stream keys",
     200, .response = &bc_sc_live_list},
    {"POST", "/api/v1/lives/{id}/pin", BC_ROLE_SELLER, 0, pin_body, h_pin, "lives",
     "Pin a product (null unpins); every viewer receives a pin frame", 200, .response = &bc_sc_live,
     .errors = (const char *const[]){"INVALID_PRODUCT", "LIVE_ENDED", NULL}},
    {"PUT", "/api/v1/lives/{id}/products/{product_id}/offer", BC_ROLE_SELLER, 0, offer_body, h_offer, "lives",
     "Set the live-only price / stock cap of one product of the live (replaces the previous terms); viewers see "
     "them as live_offer",
     200, .response = &bc_sc_live},
    {"POST", "/api/v1/lives/{id}/end", BC_ROLE_SELLER, 0, NULL, h_end, "lives",
     "End the live; viewers receive status ENDED and the publisher is dropped", 200, .response = &bc_sc_live},
    {"POST", "/internal/rtmp/on_publish", 0, BC_RT_LOOPBACK | BC_RT_INTERNAL, NULL, h_on_publish, "internal",
     "nginx-rtmp on_publish", 200, .query = rtmp_query, .res_type = "text/plain",
     .req_type = "application/x-www-form-urlencoded"},
    {"POST", "/internal/rtmp/on_publish_done", 0, BC_RT_LOOPBACK | BC_RT_INTERNAL, NULL, h_on_publish_done, "internal",
     "nginx-rtmp on_publish_done", 200, .query = rtmp_query, .res_type = "text/plain",
     .req_type = "application/x-www-form-urlencoded"},
    {"POST", "/internal/rtmp/on_update", 0, BC_RT_LOOPBACK | BC_RT_INTERNAL, NULL, h_on_update, "internal",
     "nginx-rtmp on_update", 200, .query = rtmp_query, .res_type = "text/plain",
     .req_type = "application/x-www-form-urlencoded"},
    {NULL},
};
