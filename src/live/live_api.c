/* Routes under /api/v1/lives and /api/v1/seller/lives, and the nginx-rtmp callbacks under
 * /internal/rtmp (loopback only, hidden from the OpenAPI document). State changes that viewers
 * must see at once (pin, status) are broadcast to the live's chat room (bc_chat_publish_event). */
#include <sodium.h>
#include <string.h>

#include "../chat/chat.h"
#include "../media/media.h"
#include "live.h"

/* Removes the fields only the live's seller (and admins) may see. */
static void strip_secrets(json_t *live)
{
    json_object_del(live, "stream_key");
    json_object_del(live, "rtmp_url");
    json_object_del(live, "obs_stream_key");
    json_object_del(live, "publish_url");
}

/* The caller's user id, 0 when anonymous. */
static int64_t caller_id(bc_req *req)
{
    const bc_auth *a = bc_req_auth(req);
    return a ? a->user_id : 0;
}

/* Sends live id as JSON with status; secrets included (the caller has been checked). */
static void send_live(bc_req *req, int status, int64_t id)
{
    json_t *l = NULL;
    int rc = bc_live_get_as(bc_req_db(req), id, 1, caller_id(req), &l);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, status, l);
}

/* The room's status frame {"type":"status","status","interrupted"} (live.h: a LIVE live whose
 * ingest stopped is interrupted until it is republished or the grace ends it). */
static void publish_status(int64_t id, const char *status, int interrupted)
{
    json_t *d = json_pack("{s:s,s:b}", "status", status, "interrupted", interrupted);
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

/* 1 when url is the path of a recorded upload (/media/uploads/{name}, media module). */
static int cover_ok(bc_db *db, const char *url)
{
    static const char prefix[] = "/media/uploads/";
    char type[64];
    if (strncmp(url, prefix, sizeof prefix - 1) != 0)
        return 0;
    return bc_media_lookup(db, url + sizeof prefix - 1, type, sizeof type) == BC_OK;
}

/* Reads the positive ids of the array ids (borrowed, may be NULL) into out (room for max): their
 * count, or -1 when one is not a positive integer. */
static int read_ids(json_t *ids, int64_t *out, size_t max)
{
    size_t i, n = 0;
    json_t *v;
    json_array_foreach (ids, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return -1;
        if (n < max)
            out[n++] = json_integer_value(v);
    }
    return (int)n;
}

static void h_create(bc_req *req)
{
    const char *title, *when;
    json_t *body = bc_req_json(req);
    json_error_t err;
    json_unpack_ex(body, &err, 0, "{s:s,s:s}", "title", &title, "scheduled_at", &when);
    const char *cover = json_string_value(json_object_get(body, "cover_url"));
    json_t *dur = json_object_get(body, "duration_min");
    int64_t scheduled_at, product_ids[20], post_ids[BC_LIVE_SALE_POSTS_MAX];
    bc_live_schedule sched = {0};
    if (is_blank(title)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'title' must not be blank");
        return;
    }
    if (bc_time_parse(when, &scheduled_at) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED",
                     "'scheduled_at' must be an ISO-8601 time like 2026-11-23T10:00:00Z");
        return;
    }
    int n = read_ids(json_object_get(body, "product_ids"), product_ids, 20);
    int nposts = read_ids(json_object_get(body, "sale_post_ids"), post_ids, BC_LIVE_SALE_POSTS_MAX);
    if (n < 0 || nposts < 0) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'product_ids' and 'sale_post_ids' must hold positive integers");
        return;
    }
    if (n == 0 && nposts == 0) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "a live needs 'product_ids' or 'sale_post_ids' (or both)");
        return;
    }
    if (bc_regions_from_json(json_object_get(body, "region"), &sched.region) != BC_OK) {
        bc_res_error(req, 422, "INVALID_REGION", "'region' must be {sido: one of the 17 시/도, sigungu?}");
        return;
    }
    if (cover && !cover_ok(bc_req_db(req), cover)) {
        bc_res_error(req, 422, "VALIDATION_FAILED",
                     "'cover_url' must be an uploaded image /media/uploads/... (POST /api/v1/media/images)");
        return;
    }
    sched.scheduled_at = scheduled_at;
    sched.duration_min = json_is_integer(dur) ? (int)json_integer_value(dur) : BC_LIVE_DURATION_DEFAULT;
    sched.cover_url = cover;
    sched.sale_post_ids = post_ids;
    sched.nsale_posts = (size_t)nposts;
    int64_t id = 0;
    int rc =
        bc_live_create_scheduled(bc_req_db(req), bc_req_auth(req)->user_id, title, &sched, product_ids, (size_t)n, &id);
    if (rc == BC_ENOTFOUND || rc == BC_EFORBIDDEN) {
        bc_res_error(req, 422, "INVALID_PRODUCT", "every product must be one of your own products");
        return;
    }
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 422, "INVALID_SALE_POST", "every sale post must be one of yours and not CLOSED");
        return;
    }
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "a live carries 1 to %d products (its posts' and the given ones)",
                     BC_LIVE_MAX_PRODUCTS);
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_chat_note_live(id);
    send_live(req, 201, id);
}

/* Reads ?region= ("<시/도>" or "<시/도> <시/군/구>") into *r; on a bad value sends 422
 * INVALID_REGION and returns BC_EINVAL. */
static int region_query(bc_req *req, bc_region *r)
{
    const char *q = bc_req_query_str(req, "region");
    memset(r, 0, sizeof *r);
    if (!q || !*q || bc_regions_parse(q, r) == BC_OK)
        return BC_OK;
    bc_res_error(req, 422, "INVALID_REGION",
                 "'region' must be a 시/도 (e.g. 서울특별시 or 서울), optionally followed by a space and a 시/군/구");
    return BC_EINVAL;
}

static void h_list(bc_req *req)
{
    json_t *items = NULL;
    bc_region region;
    if (region_query(req, &region) != BC_OK)
        return;
    int rc = bc_live_list_public(bc_req_db(req), bc_req_query_str(req, "status"), bc_req_query_int(req, "seller_id", 0),
                                 &region, caller_id(req), &items);
    if (rc == BC_EINVAL) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'status' must be LIVE, SCHEDULED, ENDED or MISSED");
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
    int rc = bc_live_list(bc_req_db(req), NULL, bc_req_auth(req)->user_id, bc_req_auth(req)->user_id, &items);
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
    int rc = bc_live_get_as(bc_req_db(req), id, 1, caller_id(req), &l);
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
        bc_res_error(req, 409, "LIVE_ENDED", "the live is over (ENDED or MISSED)");
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
    if ((rc = bc_live_get_as(db, id, 1, caller_id(req), &l)) != BC_OK) {
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
    if (changed) {
        publish_status(id, "ENDED", 0);
        /* the publisher, if any, is dropped at once through the control module, else by the next
         * on_update callback (notify_update_timeout) */
        bc_rtmp_drop_publisher(id, NULL);
    }
    send_live(req, 200, id);
}

/* GET /api/v1/lives/{id}/health: the ingest's health for the studio's control room (health.c);
 * the live's seller or an admin. */
static void h_health(bc_req *req)
{
    int64_t id, seller = 0;
    json_t *out = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    int rc = bc_live_seller(bc_req_db(req), id, &seller);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    if (rc == BC_OK && seller != bc_req_auth(req)->user_id && !(bc_req_auth(req)->role & BC_ROLE_ADMIN)) {
        bc_res_error(req, 403, "FORBIDDEN", "only the live's seller may read its stream health");
        return;
    }
    if (rc == BC_OK)
        rc = bc_live_health_get(bc_req_db(req), id, bc_now_ms(), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

/* POST /api/v1/lives/{id}/stream-key: a new stream key; a publisher on the old one is dropped at
 * once (control module) and the live waits for a republish with the new key (interrupted). */
static void h_rotate_key(bc_req *req)
{
    int64_t id;
    int drop = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    int rc = bc_live_rotate_key(bc_req_db(req), id, bc_req_auth(req)->user_id, &drop);
    switch (rc) {
    case BC_OK:
        break;
    case BC_EFORBIDDEN:
        bc_res_error(req, 403, "FORBIDDEN", "only the live's seller may rotate its stream key");
        return;
    case BC_ECONFLICT:
        bc_res_error(req, 409, "LIVE_ENDED", "the live is over (ENDED or MISSED)");
        return;
    default:
        bc_res_from_err(req, rc);
        return;
    }
    bc_log_info("live", "live %lld: stream key rotated%s", (long long)id, drop ? ", dropping its publisher" : "");
    if (drop) {
        int dropped = 0;
        int drc = bc_rtmp_drop_publisher(id, &dropped);
        if (drc == BC_ENOTFOUND)
            bc_log_info("live", "live %lld: no rtmp control endpoint; the next on_update drops the old publisher",
                        (long long)id);
        else if (drc == BC_OK)
            bc_log_info("live", "live %lld: %d publisher(s) dropped through the rtmp control module", (long long)id,
                        dropped);
        publish_status(id, "LIVE", 1);
    }
    send_live(req, 200, id);
}

/* POST / DELETE /api/v1/lives/{id}/subscription: "notify me" for the caller. */
static void subscription(bc_req *req, int on)
{
    int64_t id, count = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    int rc = bc_live_subscribe(bc_req_db(req), id, bc_req_auth(req)->user_id, on, &count);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "LIVE_ENDED", "the live is over (ENDED or MISSED)");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(
        req, 200,
        json_pack("{s:I,s:b,s:I}", "live_id", (json_int_t)id, "subscribed", on, "subscribers", (json_int_t)count));
}

static void h_subscribe(bc_req *req) { subscription(req, 1); }
static void h_unsubscribe(bc_req *req) { subscription(req, 0); }

/* GET /api/v1/lives/calendar?from=&to=&region=: upcoming and running lives in a range. */
static void h_calendar(bc_req *req)
{
    int64_t from, to;
    const char *f = bc_req_query_str(req, "from"), *t = bc_req_query_str(req, "to");
    if (bc_time_parse(f, &from) != BC_OK || bc_time_parse(t, &to) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'from' and 'to' must be ISO-8601 times like 2026-11-23T10:00:00Z");
        return;
    }
    if (to <= from || to - from > BC_LIVE_CALENDAR_MAX_MS) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'to' must be after 'from', at most 31 days later");
        return;
    }
    json_t *items = NULL;
    bc_region region;
    if (region_query(req, &region) != BC_OK)
        return;
    int rc = bc_live_calendar(bc_req_db(req), from, to, &region, caller_id(req), &items);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:o,s:I,s:I}", "items", items, "from", (json_int_t)from, "to", (json_int_t)to));
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
    int resumed = 0;
    int rc = bc_live_on_publish(bc_req_db(req), id, bc_req_form(req, "key"), clientid, &resumed);
    if (rc != BC_OK) {
        bc_log_info("live", "rtmp publish refused for live %lld (client %s): %s", (long long)id,
                    clientid ? clientid : "?", rc == BC_EFORBIDDEN ? "bad key or state" : "error");
        answer(req, rc == BC_EFORBIDDEN ? 403 : 500);
        return;
    }
    bc_log_info("live", "live %lld is on air%s (rtmp client %s)", (long long)id, resumed ? " again" : "",
                clientid ? clientid : "?");
    publish_status(id, "LIVE", 0);
    answer(req, 200);
}

static void h_on_publish_done(bc_req *req)
{
    int64_t id = 0;
    const char *clientid = bc_req_form(req, "clientid");
    if (callback_allowed(req) && bc_parse_i64(bc_req_form(req, "name"), 1, INT64_MAX, &id) == BC_OK &&
        bc_live_on_publish_done(bc_req_db(req), id, clientid) == BC_OK) {
        bc_log_info("live", "live %lld interrupted (rtmp client %s left): it ends unless republished within %d s",
                    (long long)id, clientid, bc_cfg.live_grace_s);
        publish_status(id, "LIVE", 1);
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
        bc_log_info("live", "dropping rtmp publisher of live %lld: the live is over or its publisher changed",
                    (long long)id);
    answer(req, rc == BC_EFORBIDDEN ? 403 : 200);
}

static const bc_field product_id_item = {"product_ids[]", BC_F_INT, 1, 1, INT64_MAX, "a product id"};
static const bc_field sale_post_id_item = {"sale_post_ids[]", BC_F_INT, 1, 1, INT64_MAX, "a sale post id"};
static const bc_field create_body[] = {
    {"title", BC_F_STR, 1, 1, 100, "1..100 characters"},
    {"scheduled_at", BC_F_STR, 1, 1, 40, "ISO-8601 time, e.g. 2026-11-23T10:00:00Z",
     .example = "\"2026-11-23T10:00:00Z\""},
    {"product_ids", BC_F_ARR, 0, 0, 20,
     "up to 20 ids of your own products, shown in this order after the sale posts' products",
     .items = &product_id_item},
    {"sale_post_ids", BC_F_ARR, 0, 0, BC_LIVE_SALE_POSTS_MAX,
     "up to 10 of your sale posts (not CLOSED): their products become the live's (a live needs at least one product "
     "from these or product_ids)",
     .items = &sale_post_id_item},
    {"duration_min", BC_F_INT, 0, 1, BC_LIVE_DURATION_MAX, "expected length in minutes (default 60)"},
    {"cover_url", BC_F_STR, 0, 1, 200, "cover image: the url of an upload (POST /api/v1/media/images)",
     .text = BC_TEXT_OPAQUE, .example = "\"/media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.jpg\""},
    {"region", BC_F_OBJ, 0, 0, 0,
     "region of the broadcast: {sido, sigungu?}, e.g. {\"sido\":\"서울특별시\",\"sigungu\":\"강남구\"}",
     .fields = bc_regions_fields, .code = "INVALID_REGION"},
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

static const char *const live_statuses[] = {"LIVE", "SCHEDULED", "ENDED", "MISSED", NULL};
#define REGION_QUERY                                                                                                        \
    {                                                                                                                       \
        "region", BC_F_STR, 0, 1, 41,                                                                                       \
            "only lives of this region: a 시/도 (official or short name), or a 시/도, a space and a 시/군/구, e.g. " \
            "서울특별시 강남구",                                                                                            \
            .code = "INVALID_REGION", .example = "\"서울특별시 강남구\""                                            \
    }
static const bc_field list_query[] = {
    {"status", BC_F_STR, 0, 0, 0,
     "only lives in this status (default: LIVE, then SCHEDULED by time, then recent ENDED)", .enums = live_statuses},
    {"seller_id", BC_F_INT, 0, 1, INT64_MAX, "only this seller's lives"},
    REGION_QUERY,
    {NULL},
};
static const bc_field calendar_query[] = {
    {"from", BC_F_STR, 1, 1, 40, "start of the range, ISO-8601", .example = "\"2026-12-01T00:00:00Z\""},
    {"to", BC_F_STR, 1, 1, 40, "end of the range (exclusive), ISO-8601, at most 31 days after from",
     .example = "\"2026-12-31T00:00:00Z\""},
    REGION_QUERY,
    {NULL},
};

static const bc_schema sc_subscription = {
    "LiveSubscription",
    "{\"type\":\"object\",\"required\":[\"live_id\",\"subscribed\",\"subscribers\"],\"properties\":{"
    "\"live_id\":{\"type\":\"integer\"},\"subscribed\":{\"type\":\"boolean\",\"description\":\"the caller "
    "is notified 10 minutes before the start and when it goes live\"},\"subscribers\":{\"type\":\"integer\"}}}",
    NULL};
static const bc_schema sc_calendar = {
    "LiveCalendar",
    "{\"type\":\"object\",\"required\":[\"items\",\"from\",\"to\"],\"properties\":{\"items\":{\"type\":"
    "\"array\",\"description\":\"SCHEDULED lives starting in the range and LIVE lives running into it, by "
    "start\",\"items\":{\"$ref\":\"#/components/schemas/Live\"}},\"from\":{\"type\":\"string\",\"format\":"
    "\"date-time\"},\"to\":{\"type\":\"string\",\"format\":\"date-time\"}}}",
    (const bc_schema *const[]){&bc_sc_live, NULL}};

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
     .location = "/api/v1/lives/{id}",
     .errors = (const char *const[]){"INVALID_PRODUCT", "INVALID_SALE_POST", "INVALID_REGION", NULL}},
    {"GET", "/api/v1/lives", 0, BC_RT_OPTIONAL_AUTH, NULL, h_list, "lives",
     "Lives: LIVE, then SCHEDULED by time, then recent ENDED (or one status), by seller and region", 200,
     .query = list_query, .response = &bc_sc_live_list, .errors = (const char *const[]){"INVALID_REGION", NULL}},
    /* before /api/v1/lives/{id}: the first matching pattern wins */
    {"GET", "/api/v1/lives/calendar", 0, BC_RT_OPTIONAL_AUTH, NULL, h_calendar, "lives",
     "Calendar: SCHEDULED lives starting in [from, to) and LIVE lives running into it (at most 31 days)", 200,
     .query = calendar_query, .response = &sc_calendar, .errors = (const char *const[]){"INVALID_REGION", NULL}},
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
    {"GET", "/api/v1/lives/{id}/health", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_health, "lives",
     "Stream health of the live's ingest (nginx-rtmp statistics sampled every 2 s): bitrate, frame rate, "
     "resolution, codecs, dropped frames",
     200, .response = &bc_sc_live_health},
    {"POST", "/api/v1/lives/{id}/stream-key", BC_ROLE_SELLER, 0, NULL, h_rotate_key, "lives",
     "Rotate the stream key: the old key stops at once (a publisher on it is dropped; republish with the new key "
     "within the grace to continue)",
     200, .response = &bc_sc_live, .errors = (const char *const[]){"LIVE_ENDED", NULL}},
    {"POST", "/api/v1/lives/{id}/subscription", BC_ROLE_ANY, 0, NULL, h_subscribe, "lives",
     "Notify me: a notice 10 minutes before the start and when the live goes on air", 200, .response = &sc_subscription,
     .errors = (const char *const[]){"LIVE_ENDED", NULL}},
    {"DELETE", "/api/v1/lives/{id}/subscription", BC_ROLE_ANY, 0, NULL, h_unsubscribe, "lives",
     "Stop notifying me about this live", 200, .response = &sc_subscription},
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
