/* Routes of the seller and live statistics: GET /api/v1/seller/stats and GET
 * /api/v1/lives/{id}/stats, as JSON or (?format=csv) as RFC 4180 CSV with a header row. No SQL
 * here: the figures come from stats.c (commerce), the room's per-minute rows from the chat module
 * (bc_room_figures) and the live's seller from the live module (bc_live_seller). */
#include "commerce.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../chat/room.h"
#include "../live/live.h"

/* ---- CSV (RFC 4180): fields separated by commas, CRLF line ends; a field with a comma, quote,
 * CR or LF is quoted and its quotes doubled ---- */
typedef struct csv {
    char *buf;
    size_t len, cap;
    int fields; /* fields on the current line */
    int failed;
} csv;

static void csv_put(csv *c, const char *s, size_t n)
{
    if (c->failed)
        return;
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 1024;
        while (cap < c->len + n + 1)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (!b) {
            c->failed = 1;
            return;
        }
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, s, n);
    c->len += n;
    c->buf[c->len] = 0;
}

static void csv_field(csv *c, const char *s)
{
    if (c->fields++)
        csv_put(c, ",", 1);
    if (!strpbrk(s, ",\"\r\n")) {
        csv_put(c, s, strlen(s));
        return;
    }
    csv_put(c, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            csv_put(c, "\"\"", 2);
        else
            csv_put(c, p, 1);
    }
    csv_put(c, "\"", 1);
}

static void csv_int(csv *c, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    csv_field(c, b);
}

static void csv_end(csv *c)
{
    csv_put(c, "\r\n", 2);
    c->fields = 0;
}

/* One CSV line of the members cols of object o (strings as they are, integers in decimal, other
 * values empty); o NULL: the header line of cols. */
static void csv_row(csv *c, json_t *o, const char *const *cols)
{
    for (int i = 0; cols[i]; i++) {
        json_t *v = o ? json_object_get(o, cols[i]) : NULL;
        if (!o)
            csv_field(c, cols[i]);
        else if (json_is_string(v))
            csv_field(c, json_string_value(v));
        else if (json_is_integer(v))
            csv_int(c, json_integer_value(v));
        else
            csv_field(c, "");
    }
    csv_end(c);
}

/* Sends the array rows as CSV with the columns cols, then frees c's buffer. */
static void send_csv(bc_req *req, json_t *rows, const char *const *cols, const char *filename)
{
    csv c = {0};
    csv_row(&c, NULL, cols);
    for (size_t i = 0; i < json_array_size(rows); i++)
        csv_row(&c, json_array_get(rows, i), cols);
    if (c.failed) {
        free(c.buf);
        bc_res_from_err(req, BC_ENOMEM);
        return;
    }
    char disp[128];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
    bc_res_header(req, "Content-Disposition", disp);
    bc_res_send(req, 200, "text/csv; charset=utf-8", c.buf, c.len);
    free(c.buf);
}

static int want_csv(bc_req *req)
{
    const char *f = bc_req_query_str(req, "format");
    return f && strcmp(f, "csv") == 0;
}

/* ---- GET /api/v1/seller/stats ---- */

static void h_seller_stats(bc_req *req)
{
    const bc_auth *a = bc_req_auth(req);
    int64_t seller = a->user_id, from, to;
    if (a->role == BC_ROLE_ADMIN) {
        seller = bc_req_query_int(req, "seller_id", 0);
        if (seller <= 0) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'seller_id' is required for an admin");
            return;
        }
    } else if (bc_req_query_int(req, "seller_id", seller) != seller) {
        bc_res_error(req, 403, "FORBIDDEN", "a seller reads only their own statistics");
        return;
    }
    /* default: the last 30 Asia/Seoul days up to today */
    int64_t today = (bc_now_ms() + BC_STATS_KST_MS) / BC_STATS_DAY_MS;
    const char *qf = bc_req_query_str(req, "from"), *qt = bc_req_query_str(req, "to");
    to = today;
    if (qt && bc_stats_parse_date(qt, &to) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'to' must be a date YYYY-MM-DD");
        return;
    }
    from = to - 29;
    if (qf && bc_stats_parse_date(qf, &from) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'from' must be a date YYYY-MM-DD");
        return;
    }
    if (from > to || to - from >= BC_STATS_MAX_DAYS) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'from' must not be after 'to', and the range at most %d days",
                     BC_STATS_MAX_DAYS);
        return;
    }
    const char *g = bc_req_query_str(req, "granularity");
    json_t *out = NULL;
    int rc = bc_stats_seller(bc_req_db(req), seller, from, to, g && strcmp(g, "month") == 0, &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    const char *table = bc_req_query_str(req, "table");
    if (want_csv(req) && table && strcmp(table, "products") == 0) {
        static const char *const pcols[] = {"product_id", "name", "orders", "units", "gross", "canceled", NULL};
        send_csv(req, json_object_get(out, "products"), pcols, "seller-products.csv");
        json_decref(out);
        return;
    }
    if (want_csv(req)) {
        static const char *const cols[] = {
            "period", "gross", "refunds", "revenue", "orders", "units", "average_order_value", "cumulative_revenue",
            NULL};
        send_csv(req, json_object_get(out, "buckets"), cols, "seller-stats.csv");
        json_decref(out);
        return;
    }
    bc_res_json(req, 200, out);
}

/* ---- GET /api/v1/lives/{id}/stats ---- */

static void h_live_stats(bc_req *req)
{
    int64_t id, seller = 0;
    const bc_auth *a = bc_req_auth(req);
    bc_db *db = bc_req_db(req);
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    int rc = bc_live_seller(db, id, &seller);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc == BC_ENOTFOUND ? BC_ENOTFOUND : BC_ERR);
        return;
    }
    if (a->role != BC_ROLE_ADMIN && a->user_id != seller) {
        bc_res_error(req, 403, "FORBIDDEN", "only the live's seller or an admin may read its statistics");
        return;
    }
    json_t *room = NULL, *sales = NULL, *products = NULL;
    if (bc_room_figures(db, id, &room) != BC_OK || bc_stats_live_sales(db, id, &sales, &products) != BC_OK) {
        json_decref(room);
        bc_res_from_err(req, BC_ERR);
        return;
    }
    /* merge the room's minutes and the sales' minutes (both oldest first) */
    json_t *items = json_array(), *ri = json_object_get(room, "items");
    size_t i = 0, j = 0;
    int64_t orders = 0, revenue = 0;
    while (i < json_array_size(ri) || j < json_array_size(sales)) {
        json_t *r = json_array_get(ri, i), *s = json_array_get(sales, j);
        int64_t rm = INT64_MAX, sm = INT64_MAX;
        if (r && bc_time_parse(json_string_value(json_object_get(r, "minute")), &rm) != BC_OK)
            rm = INT64_MAX - 1;
        if (s)
            sm = json_integer_value(json_object_get(s, "minute_at"));
        int64_t m = rm < sm ? rm : sm;
        int64_t o = 0, v = 0;
        json_t *row = json_pack("{s:I,s:I,s:I,s:I}", "viewers", (json_int_t)0, "unique_viewers", (json_int_t)0,
                                "messages", (json_int_t)0, "hearts", (json_int_t)0);
        if (rm == m) {
            json_object_set(row, "viewers", json_object_get(r, "viewers"));
            json_object_set(row, "unique_viewers", json_object_get(r, "unique"));
            json_object_set(row, "messages", json_object_get(r, "messages"));
            json_object_set(row, "hearts", json_object_get(r, "hearts"));
            i++;
        }
        if (sm == m) {
            o = json_integer_value(json_object_get(s, "orders"));
            v = json_integer_value(json_object_get(s, "revenue"));
            j++;
        }
        orders += o;
        revenue += v;
        char iso[32];
        bc_time_iso(m, iso, sizeof iso);
        json_object_set_new(row, "minute", json_string(iso));
        json_object_set_new(row, "orders", json_integer(o));
        json_object_set_new(row, "revenue", json_integer(v));
        json_array_append_new(items, row);
    }
    json_t *totals = json_object_get(room, "totals");
    int64_t unique = json_integer_value(json_object_get(totals, "unique"));
    for (size_t k = 0; k < json_array_size(products); k++) {
        json_t *p = json_array_get(products, k);
        int64_t buyers = json_integer_value(json_object_get(p, "buyers"));
        /* per mille, rounded down; null without viewers */
        json_object_set_new(p, "conversion_permille", unique > 0 ? json_integer(buyers * 1000 / unique) : json_null());
    }
    json_t *out =
        json_pack("{s:I,s:o,s:{s:O,s:O,s:O,s:O,s:I,s:I},s:o}", "live_id", (json_int_t)id, "minutes", items, "totals",
                  "peak_viewers", json_object_get(totals, "peak"), "unique_viewers", json_object_get(totals, "unique"),
                  "messages", json_object_get(totals, "messages"), "hearts", json_object_get(totals, "hearts"),
                  "orders", (json_int_t)orders, "revenue", (json_int_t)revenue, "products", products);
    json_decref(room);
    json_decref(sales);
    if (!out) {
        bc_res_from_err(req, BC_ENOMEM);
        return;
    }
    if (want_csv(req)) {
        static const char *const cols[] = {"minute", "viewers", "unique_viewers", "messages",
                                           "hearts", "orders",  "revenue",        NULL};
        send_csv(req, json_object_get(out, "minutes"), cols, "live-stats.csv");
        json_decref(out);
        return;
    }
    bc_res_json(req, 200, out);
}

#define INT "{\"type\":\"integer\"}"
#define KRW "{\"type\":\"integer\",\"description\":\"KRW\"}"
#define SELLER_FIGURES                                                                                                 \
    "\"gross\":" KRW ",\"refunds\":" KRW ",\"revenue\":" KRW ",\"orders\":" INT ",\"units\":" INT                      \
    ",\"average_order_value\":" KRW
static const bc_schema seller_stats_schema = {
    "SellerStats",
    "{\"type\":\"object\",\"required\":[\"seller_id\",\"from\",\"to\",\"granularity\",\"buckets\",\"totals\","
    "\"products\"],\"properties\":{\"seller_id\":" INT ",\"from\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"to\":{\"type\":\"string\",\"format\":\"date\"},\"granularity\":{\"type\":\"string\",\"enum\":[\"day\","
    "\"month\"]},\"buckets\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"period\",\"gross\","
    "\"refunds\",\"revenue\",\"orders\",\"units\",\"average_order_value\",\"cumulative_revenue\"],\"properties\":{"
    "\"period\":{\"type\":\"string\",\"description\":\"YYYY-MM-DD or YYYY-MM (Asia/Seoul)\"}," SELLER_FIGURES
    ",\"cumulative_revenue\":" KRW "}}},\"totals\":{\"type\":\"object\",\"required\":[\"gross\",\"refunds\","
    "\"revenue\",\"orders\",\"units\",\"average_order_value\"],\"properties\":{" SELLER_FIGURES "}},"
    "\"products\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"product_id\",\"name\","
    "\"orders\",\"units\",\"gross\",\"canceled\"],\"properties\":{\"product_id\":" INT ",\"name\":{\"type\":"
    "\"string\"},\"orders\":" INT ",\"units\":" INT ",\"gross\":" KRW ",\"canceled\":" KRW "}}}}}",
    NULL};
static const bc_schema live_stats_schema = {
    "LiveStats",
    "{\"type\":\"object\",\"required\":[\"live_id\",\"minutes\",\"totals\",\"products\"],\"properties\":{"
    "\"live_id\":" INT ",\"minutes\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"minute\","
    "\"viewers\",\"unique_viewers\",\"messages\",\"hearts\",\"orders\",\"revenue\"],\"properties\":{\"minute\":{"
    "\"type\":\"string\",\"format\":\"date-time\"},\"viewers\":" INT ",\"unique_viewers\":" INT ",\"messages\":" INT
    ",\"hearts\":" INT ",\"orders\":" INT ",\"revenue\":" KRW "}}},\"totals\":{\"type\":\"object\",\"required\":["
    "\"peak_viewers\",\"unique_viewers\",\"messages\",\"hearts\",\"orders\",\"revenue\"],\"properties\":{"
    "\"peak_viewers\":" INT ",\"unique_viewers\":" INT ",\"messages\":" INT ",\"hearts\":" INT ",\"orders\":" INT
    ",\"revenue\":" KRW "}},\"products\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":["
    "\"product_id\",\"name\",\"buyers\",\"units\",\"revenue\",\"conversion_permille\"],\"properties\":{"
    "\"product_id\":" INT ",\"name\":{\"type\":\"string\"},\"buyers\":" INT ",\"units\":" INT ",\"revenue\":" KRW
    ",\"conversion_permille\":{\"type\":[\"integer\",\"null\"]}}}}}}",
    NULL};

static const char *const formats[] = {"json", "csv", NULL};
static const char *const tables[] = {"buckets", "products", NULL};
static const char *const granularities[] = {"day", "month", NULL};
static const bc_field seller_stats_query[] = {
    {"from", BC_F_STR, 0, 10, 10, "first day, YYYY-MM-DD (Asia/Seoul); default: 29 days before 'to'",
     .example = "\"2026-01-01\""},
    {"to", BC_F_STR, 0, 10, 10, "last day, YYYY-MM-DD (Asia/Seoul), included; default: today",
     .example = "\"2026-01-31\""},
    {"granularity", BC_F_STR, 0, 0, 0, "one bucket per day or per calendar month", .enums = granularities,
     .def = "day"},
    {"seller_id", BC_F_INT, 0, 1, INT64_MAX, "admins: the seller to read (required for them); a seller: their own id"},
    {"format", BC_F_STR, 0, 0, 0, "json, or csv (a header row, then one row per bucket or product)", .enums = formats,
     .def = "json"},
    {"table", BC_F_STR, 0, 0, 0, "with format=csv: the buckets or the per-product totals", .enums = tables,
     .def = "buckets"},
    {NULL},
};
static const bc_field live_stats_query[] = {
    {"format", BC_F_STR, 0, 0, 0, "json, or csv (the minutes, a header row)", .enums = formats, .def = "json"},
    {NULL},
};

const bc_route bc_stats_routes[] = {
    {"GET", "/api/v1/seller/stats", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_seller_stats, "orders",
     "A seller's sales per Asia/Seoul day or month (gross, refunds, revenue, orders, units, average order value, "
     "cumulative revenue) and per product; ?format=csv gives the buckets as text/csv",
     200, .query = seller_stats_query, .response = &seller_stats_schema,
     .errors = (const char *const[]){"FORBIDDEN", NULL}},
    {"GET", "/api/v1/lives/{id}/stats", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_live_stats, "orders",
     "A live's statistics per minute (viewers, unique viewers, chat messages, hearts, orders, revenue), totals and "
     "per product buyers and conversion; its seller or an admin; ?format=csv gives the minutes as text/csv",
     200, .query = live_stats_query, .response = &live_stats_schema,
     .errors = (const char *const[]){"FORBIDDEN", NULL}},
    {NULL},
};
