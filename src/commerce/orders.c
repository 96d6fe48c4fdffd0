/* Orders store code and the pure order rules (fees, ids, names, state transitions). Every state
 * change is a conditional UPDATE on the status the caller saw, so the sweeper, payment confirm
 * and cancel never overwrite each other. */
#include "commerce.h"

#include "../catalog/catalog.h"
#include "../metrics/metrics.h"
#include "../notices/notices.h"
#include "../payments/payments.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- pure rules ---- */

static int not_blank(const char *s);

int64_t bc_order_shipping_fee(int64_t subtotal)
{
    if (subtotal <= 0 || subtotal >= (int64_t)bc_cfg.free_shipping_over)
        return 0;
    return bc_cfg.shipping_fee;
}

void bc_order_make_id(char *out, size_t len, int64_t now_ms)
{
    char rnd[11];
    time_t s = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    bc_rand_token(rnd, 10);
    snprintf(out, len, "BC%04d%02d%02d-%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, rnd);
}

int bc_order_id_valid(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n >= 6 && n <= 64;
}

void bc_order_make_name(const char *first_name, size_t nlines, char *out, size_t len)
{
    char suffix[48] = "";
    size_t suffix_chars = 0, chars = 0, w = 0;
    if (len == 0)
        return;
    if (nlines > 1) {
        snprintf(suffix, sizeof suffix, " 외 %zu건", nlines - 1);
        for (const char *p = suffix; *p; p++)
            if (((unsigned char)*p & 0xC0) != 0x80)
                suffix_chars++;
    }
    size_t max_chars = 100 - suffix_chars, max_bytes = len - 1 - strlen(suffix);
    if (strlen(suffix) >= len)
        max_bytes = 0;
    const char *p = first_name ? first_name : "";
    while (*p) {
        size_t clen = 1;
        unsigned char c = (unsigned char)*p;
        if (c >= 0xF0)
            clen = 4;
        else if (c >= 0xE0)
            clen = 3;
        else if (c >= 0xC0)
            clen = 2;
        size_t have = strnlen(p, clen);
        if (have < clen || chars + 1 > max_chars || w + clen > max_bytes)
            break;
        memcpy(out + w, p, clen);
        w += clen;
        p += clen;
        chars++;
    }
    out[w] = 0;
    if (strlen(suffix) < len - w)
        strcat(out, suffix);
}

int bc_order_can_cancel(const char *status)
{
    return status && (strcmp(status, "PENDING_PAYMENT") == 0 || strcmp(status, "PAID") == 0);
}

int bc_order_can_pay(const char *status) { return status && strcmp(status, "PENDING_PAYMENT") == 0; }

int bc_order_check_shipment(const char *carrier, const char *tracking_number, char *msg, size_t msglen)
{
    const struct {
        const char *name, *value;
    } f[] = {{"carrier", carrier}, {"tracking_number", tracking_number}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        const char *s = f[i].value;
        size_t n = s ? bc_utf8_len(s) : 0;
        if (!s || n < 1 || n > 40 || !not_blank(s)) {
            snprintf(msg, msglen, "'%s' must be 1 to 40 characters and not blank", f[i].name);
            return BC_EINVAL;
        }
        if (bc_utf8_check(s, strlen(s), BC_TEXT_LINE, NULL, NULL) != BC_OK) {
            snprintf(msg, msglen, "'%s' may not contain control or bidirectional-override characters", f[i].name);
            return BC_EINVAL;
        }
    }
    return BC_OK;
}

int bc_order_status_known(const char *status)
{
    static const char *all[] = {
        "PENDING_PAYMENT",  "PAID",     "PREPARING", "SHIPPING", "DELIVERED",      "PURCHASE_CONFIRMED",
        "CANCEL_REQUESTED", "CANCELED", "REFUNDED",  "EXPIRED",  "PAYMENT_FAILED", "RETURN_REQUESTED",
        "RETURNED"};
    for (size_t i = 0; status && i < sizeof all / sizeof *all; i++)
        if (strcmp(status, all[i]) == 0)
            return 1;
    return 0;
}

/* 1 when s has at least one character that is not a space/tab/newline. */
static int not_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 1;
    return 0;
}

int bc_order_check_address(json_t *addr, char *msg, size_t msglen)
{
    static const struct {
        const char *key;
        int required;
        size_t min, max;
    } f[] = {{"recipient", 1, 1, 40},
             {"phone", 1, 9, 20},
             {"postcode", 1, 5, 5},
             {"address1", 1, 1, 200},
             {"address2", 0, 0, 200}};
    const char *key;
    json_t *v;
    if (!json_is_object(addr)) {
        snprintf(msg, msglen, "'shipping_address' must be an object");
        return BC_EINVAL;
    }
    json_object_foreach (addr, key, v) {
        size_t i = 0;
        while (i < sizeof f / sizeof *f && strcmp(f[i].key, key) != 0)
            i++;
        if (i == sizeof f / sizeof *f) {
            snprintf(msg, msglen, "shipping_address: unknown field '%.40s'", key);
            return BC_EINVAL;
        }
    }
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        v = json_object_get(addr, f[i].key);
        if (!v || (json_is_null(v) && !f[i].required)) {
            if (f[i].required) {
                snprintf(msg, msglen, "shipping_address.%s is required", f[i].key);
                return BC_EINVAL;
            }
            continue;
        }
        const char *s = json_string_value(v);
        size_t n = s ? bc_utf8_len(s) : 0;
        if (!s || n < f[i].min || n > f[i].max || (f[i].min > 0 && !not_blank(s))) {
            snprintf(msg, msglen, "shipping_address.%s must be a string of %zu to %zu characters", f[i].key, f[i].min,
                     f[i].max);
            return BC_EINVAL;
        }
        if (bc_utf8_check(s, strlen(s), BC_TEXT_LINE, NULL, NULL) != BC_OK) {
            snprintf(msg, msglen, "shipping_address.%s may not contain control or bidirectional-override characters",
                     f[i].key);
            return BC_EINVAL;
        }
    }
    const char *phone = json_string_value(json_object_get(addr, "phone"));
    for (const char *p = phone; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-')) {
            snprintf(msg, msglen, "shipping_address.phone may contain only digits and '-'");
            return BC_EINVAL;
        }
    const char *pc = json_string_value(json_object_get(addr, "postcode"));
    for (const char *p = pc; *p; p++)
        if (*p < '0' || *p > '9') {
            snprintf(msg, msglen, "shipping_address.postcode must be 5 digits");
            return BC_EINVAL;
        }
    return BC_OK;
}

/* ---- store ---- */

/* The shipping address of order row o (its columns order_id and shipping_address) as an object
 * (new reference): opened when sealed (ad "orders.shipping_address:<order_id>"), parsed as it is
 * when clear (orders written before addresses were sealed); {} when it does not open (logged). */
static json_t *order_address_open(json_t *o)
{
    const char *text = json_string_value(json_object_get(o, "shipping_address"));
    const char *order_id = json_string_value(json_object_get(o, "order_id"));
    char ad[96], *plain = NULL;
    json_t *addr = NULL;
    if (text && bc_seal_is_sealed(text)) {
        snprintf(ad, sizeof ad, "orders.shipping_address:%s", order_id ? order_id : "");
        int rc = bc_seal_open(ad, text, &plain);
        if (rc == BC_OK)
            addr = json_loads(plain, 0, NULL);
        else
            bc_log_warn("orders", "the shipping address of order %s does not open (%d)", order_id ? order_id : "?", rc);
        bc_seal_free_plain(plain);
    } else if (text) {
        addr = json_loads(text, 0, NULL);
    }
    if (!json_is_object(addr)) {
        json_decref(addr);
        addr = json_object();
    }
    return addr;
}

typedef struct reseal_args {
    const char *pattern; /* LIKE pattern of a value sealed under the current key */
    int64_t after;
    int64_t last, done, failed, rows; /* out */
} reseal_args;

/* One batch of at most 100 orders after row id a->after whose address is not under the current key. */
static int reseal_tx(bc_db *db, void *arg)
{
    reseal_args *a = arg;
    json_t *rows = NULL, *row;
    size_t i;
    a->last = a->after;
    a->done = a->failed = a->rows = 0;
    int rc = bc_db_rows(db, &rows,
                        "SELECT id, order_id, shipping_address AS v FROM orders WHERE id > ? AND"
                        " shipping_address NOT LIKE ? ORDER BY id LIMIT 100",
                        "it", a->after, a->pattern);
    if (rc < 0)
        return rc;
    rc = BC_OK;
    json_array_foreach (rows, i, row) {
        int64_t id = json_integer_value(json_object_get(row, "id"));
        const char *old = json_string_value(json_object_get(row, "v"));
        const char *order_id = json_string_value(json_object_get(row, "order_id"));
        char ad[96], *sealed = NULL;
        a->last = id;
        a->rows++;
        if (!old || !order_id || bc_seal_is_current(old))
            continue;
        snprintf(ad, sizeof ad, "orders.shipping_address:%s", order_id);
        int orc = bc_seal_reseal(ad, old, &sealed, NULL);
        if (orc == BC_ENOMEM || orc == BC_ERR) { /* out of memory, or no key loaded */
            rc = orc;
            break;
        }
        if (orc != BC_OK) {
            bc_log_warn("orders", "the shipping address of order %s does not open (%s): left as it is", order_id,
                        orc == BC_ENOTFOUND ? "its key is not in the ring" : "tampered or not a sealed value");
            a->failed++;
            continue;
        }
        rc = bc_db_exec(db, "UPDATE orders SET shipping_address = ? WHERE id = ? AND shipping_address = ?", "tit",
                        sealed, id, old);
        free(sealed);
        if (rc < 0)
            break;
        a->done += rc;
        rc = BC_OK;
    }
    json_decref(rows);
    return rc;
}

int bc_orders_reseal(bc_db *db, int64_t *count)
{
    char pattern[64];
    int64_t failed = 0;
    int rc;
    *count = 0;
    if (!bc_seal_key_id()[0])
        return BC_ERR;
    snprintf(pattern, sizeof pattern, BC_SEAL_PREFIX "%s.%%", bc_seal_key_id());
    reseal_args a = {.pattern = pattern};
    do {
        if ((rc = bc_db_tx(db, reseal_tx, &a)) != BC_OK)
            return rc;
        *count += a.done;
        failed += a.failed;
        a.after = a.last;
    } while (a.rows == 100);
    return failed ? BC_EINVAL : BC_OK;
}

int bc_order_json(bc_db *db, int64_t id, int64_t only_seller, json_t **out)
{
    json_t *o = NULL, *lines = NULL, *ships = NULL, *hist = NULL;
    int rc = bc_db_row(
        db, &o,
        "SELECT id, order_id, buyer_id, status, order_name, subtotal, shipping_fee, amount, refunded,"
        " coupon_discount, points_used, live_id, from_replay, shipping_address, payment_key, carrier, tracking_number,"
        " created_at,"
        " expires_at, paid_at, canceled_at, shipped_at, delivered_at, updated_at FROM orders WHERE id = ?",
        "i", id);
    *out = NULL;
    if (rc <= 0) {
        rc = rc < 0 ? BC_ERR : BC_ENOTFOUND;
        goto out;
    }
    rc =
        bc_db_rows(db, &lines,
                   "SELECT id AS line_id, product_id, sku_id, product_name, option_label, seller_id, unit_price,"
                   " quantity, line_total, canceled_at FROM order_lines WHERE order_id = ? AND (? = 0 OR seller_id = ?)"
                   " ORDER BY id",
                   "iii", id, only_seller, only_seller);
    if (rc < 0 || bc_shipments_json(db, id, only_seller, &ships) != BC_OK ||
        bc_order_history(db, id, only_seller, &hist) != BC_OK) {
        rc = BC_ERR;
        goto out;
    }
    size_t i;
    json_t *l, *sh;
    json_object_set_new(o, "from_replay", json_boolean(json_integer_value(json_object_get(o, "from_replay")) != 0));
    json_array_foreach (lines, i, l) {
        json_object_set_new(l, "canceled", json_boolean(!json_is_null(json_object_get(l, "canceled_at"))));
        json_object_del(l, "canceled_at");
        if (json_is_null(json_object_get(l, "sku_id"))) { /* SKUs: only a SKU's line has them */
            json_object_del(l, "sku_id");
            json_object_del(l, "option_label");
        }
    }
    json_object_set_new(o, "shipping_address", order_address_open(o));
    /* the tracking fields of the first shipment that has them (orders shipped before shipments
     * existed keep the order's own) */
    static const char *const track[] = {"carrier", "tracking_number", "shipped_at", "delivered_at"};
    json_array_foreach (ships, i, sh) {
        if (json_is_null(json_object_get(sh, "carrier")) && json_is_null(json_object_get(sh, "delivered_at")))
            continue;
        for (size_t k = 0; k < 4; k++)
            json_object_set(o, track[k], json_object_get(sh, track[k]));
        break;
    }
    if (only_seller > 0) { /* that seller's part only: no other seller's names, lines or amounts */
        json_t *mine = json_array_get(ships, 0);
        int64_t sub = json_integer_value(json_object_get(mine, "subtotal"));
        int64_t fee = json_integer_value(json_object_get(mine, "shipping_fee"));
        char name[160] = "";
        const char *first = json_string_value(json_object_get(json_array_get(lines, 0), "product_name"));
        if (first)
            bc_order_make_name(first, json_array_size(lines), name, sizeof name);
        json_object_set_new(o, "order_name", json_string(name));
        json_object_set_new(o, "subtotal", json_integer(sub));
        json_object_set_new(o, "shipping_fee", json_integer(fee));
        json_object_set_new(o, "amount", json_integer(sub + fee));
        json_object_set(o, "refunded", json_object_get(mine, "refunded"));
        json_object_set_new(o, "payment_key", json_null());
        for (size_t k = 0; k < 4; k++)
            json_object_set(o, track[k], mine ? json_object_get(mine, track[k]) : json_null());
    }
    json_object_set_new(o, "lines", lines);
    lines = NULL;
    json_object_set_new(o, "shipments", ships);
    ships = NULL;
    json_object_set_new(o, "history", hist);
    hist = NULL;
    *out = o;
    o = NULL;
    rc = BC_OK;
out:
    json_decref(o);
    json_decref(lines);
    json_decref(ships);
    json_decref(hist);
    return rc;
}

static const char head_by_id_sql[] =
    "SELECT id, buyer_id, amount, expires_at, order_id, status, payment_key FROM orders WHERE id = ?";
static const char head_by_key_sql[] =
    "SELECT id, buyer_id, amount, expires_at, order_id, status, payment_key FROM orders WHERE order_id = ?";

/* Runs a head query (already bound) into out. */
static int read_head(bc_stmt *st, bc_order_head *out)
{
    int rc = bc_stmt_step(st);
    if (rc == 1) {
        const char *t;
        memset(out, 0, sizeof *out);
        out->id = bc_stmt_int(st, 0);
        out->buyer_id = bc_stmt_int(st, 1);
        out->amount = bc_stmt_int(st, 2);
        out->expires_at = bc_stmt_int(st, 3);
        snprintf(out->order_id, sizeof out->order_id, "%s", (t = bc_stmt_text(st, 4)) ? t : "");
        snprintf(out->status, sizeof out->status, "%s", (t = bc_stmt_text(st, 5)) ? t : "");
        snprintf(out->payment_key, sizeof out->payment_key, "%s", (t = bc_stmt_text(st, 6)) ? t : "");
        rc = BC_OK;
    } else {
        rc = rc == 0 ? BC_ENOTFOUND : BC_ERR;
    }
    bc_stmt_reset(st);
    return rc;
}

int bc_order_head_get(bc_db *db, int64_t id, bc_order_head *out)
{
    bc_stmt *st = bc_db_prepare(db, head_by_id_sql);
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, id);
    return read_head(st, out);
}

int bc_order_head_by_order_id(bc_db *db, const char *order_id, bc_order_head *out)
{
    bc_stmt *st = bc_db_prepare(db, head_by_key_sql);
    if (!st)
        return BC_ERR;
    bc_stmt_bind_text(st, 1, order_id);
    return read_head(st, out);
}

int bc_order_has_seller(bc_db *db, int64_t id, int64_t user_id)
{
    int64_t one = 0;
    return bc_db_int(db, &one, "SELECT 1 FROM order_lines WHERE order_id = ? AND seller_id = ? LIMIT 1", "ii", id,
                     user_id) == 1;
}

int bc_order_list(bc_db *db, int64_t buyer_id, int64_t seller_id, int64_t page, int64_t per_page, json_t **out)
{
    int rc = BC_ERR;
    json_t *ids = NULL, *items = NULL;
    int64_t total = 0, offset = (page - 1) * per_page;
    *out = NULL;
    if (seller_id > 0) {
        if (bc_db_int(db, &total, "SELECT COUNT(DISTINCT order_id) FROM order_lines WHERE seller_id = ?", "i",
                      seller_id) < 0 ||
            bc_db_rows(db, &ids,
                       "SELECT DISTINCT order_id AS id FROM order_lines WHERE seller_id = ? ORDER BY order_id DESC"
                       " LIMIT ? OFFSET ?",
                       "iii", seller_id, per_page, offset) < 0)
            goto out;
    } else {
        if (bc_db_int(db, &total, "SELECT COUNT(*) FROM orders WHERE buyer_id = ?", "i", buyer_id) < 0 ||
            bc_db_rows(db, &ids, "SELECT id FROM orders WHERE buyer_id = ? ORDER BY id DESC LIMIT ? OFFSET ?", "iii",
                       buyer_id, per_page, offset) < 0)
            goto out;
    }
    items = json_array();
    size_t i;
    json_t *row;
    json_array_foreach (ids, i, row) {
        json_t *o = NULL;
        int r = bc_order_json(db, json_integer_value(json_object_get(row, "id")), seller_id, &o);
        if (r == BC_ERR)
            goto out;
        if (o)
            json_array_append_new(items, o);
    }
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", items, "page", (json_int_t)page, "per_page", (json_int_t)per_page,
                     "total", (json_int_t)total);
    items = NULL;
    rc = *out ? BC_OK : BC_ERR;
out:
    json_decref(ids);
    json_decref(items);
    return rc;
}

/* ---- the state machine ---- */

enum { LVL_ORDER = 'o', LVL_SHIPMENT = 's', LVL_LINE = 'l' };
#define WHO_STAFF (BC_ACTOR_SELLER | BC_ACTOR_ADMIN)

/* Every transition: action, from, to, who may do it, whether it refunds the part (when paid),
 * and what it acts on. commerce.h says how the order's own status follows its shipments. */
static const struct rule {
    const char *action, *from, *to;
    int who, refund, level;
} rules[] = {
    {"pay", "PENDING_PAYMENT", "PAID", BC_ACTOR_SYSTEM, 0, LVL_ORDER},
    {"fail_payment", "PENDING_PAYMENT", "PAYMENT_FAILED", BC_ACTOR_SYSTEM, 0, LVL_ORDER},
    {"expire", "PENDING_PAYMENT", "EXPIRED", BC_ACTOR_SYSTEM, 0, LVL_ORDER},
    {"cancel", "PENDING_PAYMENT", "CANCELED", BC_ACTOR_BUYER | BC_ACTOR_ADMIN | BC_ACTOR_SYSTEM, 0, LVL_ORDER},
    {"cancel", "PAID", "CANCELED", BC_ACTOR_BUYER | BC_ACTOR_ADMIN | BC_ACTOR_SYSTEM, 1, LVL_ORDER},
    {"cancel_line", "PAID", "PAID", BC_ACTOR_BUYER | BC_ACTOR_ADMIN, 1, LVL_LINE},
    {"cancel_part", "PAID", "CANCELED", BC_ACTOR_BUYER | BC_ACTOR_ADMIN, 1, LVL_SHIPMENT},
    {"cancel_part", "PREPARING", "CANCEL_REQUESTED", BC_ACTOR_BUYER, 0, LVL_SHIPMENT},
    {"approve_cancel", "CANCEL_REQUESTED", "CANCELED", WHO_STAFF, 1, LVL_SHIPMENT},
    {"reject_cancel", "CANCEL_REQUESTED", "PREPARING", WHO_STAFF, 0, LVL_SHIPMENT},
    {"prepare", "PAID", "PREPARING", WHO_STAFF, 0, LVL_SHIPMENT},
    {"ship", "PAID", "SHIPPING", WHO_STAFF, 0, LVL_SHIPMENT},
    {"ship", "PREPARING", "SHIPPING", WHO_STAFF, 0, LVL_SHIPMENT},
    {"deliver", "SHIPPING", "DELIVERED", WHO_STAFF, 0, LVL_SHIPMENT},
    {"confirm", "DELIVERED", "PURCHASE_CONFIRMED", BC_ACTOR_BUYER | BC_ACTOR_SYSTEM, 0, LVL_SHIPMENT},
    {"return", "DELIVERED", "RETURN_REQUESTED", BC_ACTOR_BUYER, 0, LVL_SHIPMENT},
    {"receive_return", "RETURN_REQUESTED", "RETURNED", WHO_STAFF, 0, LVL_SHIPMENT},
    {"reject_return", "RETURN_REQUESTED", "DELIVERED", WHO_STAFF, 0, LVL_SHIPMENT},
    {"refund", "RETURNED", "REFUNDED", WHO_STAFF, 1, LVL_SHIPMENT},
};
#define NRULES (sizeof rules / sizeof *rules)

/* The rule for (action, from, who), or NULL. */
static const struct rule *rule_find(const char *action, const char *from, int who)
{
    for (size_t i = 0; action && from && i < NRULES; i++)
        if (strcmp(rules[i].action, action) == 0 && strcmp(rules[i].from, from) == 0 && (rules[i].who & who))
            return &rules[i];
    return NULL;
}

/* The level of an action name (LVL_*), or 0 when no rule has it. */
static int action_level(const char *action)
{
    for (size_t i = 0; action && i < NRULES; i++)
        if (strcmp(rules[i].action, action) == 0)
            return rules[i].level;
    return 0;
}

const char *bc_order_rule(const char *action, const char *from, int who)
{
    const struct rule *r = rule_find(action, from, who);
    return r ? r->to : NULL;
}

static const char *actor_role(int kind)
{
    return kind == BC_ACTOR_BUYER    ? "buyer"
           : kind == BC_ACTOR_SELLER ? "seller"
           : kind == BC_ACTOR_ADMIN  ? "admin"
                                     : "system";
}

/* A short Korean label of a status for notification texts. */
static const char *status_label(const char *st)
{
    static const char *const map[][2] = {
        {"PENDING_PAYMENT", "결제 대기"},  {"PAID", "결제 완료"},           {"PREPARING", "상품 준비 중"},
        {"SHIPPING", "배송 중"},           {"DELIVERED", "배송 완료"},      {"PURCHASE_CONFIRMED", "구매 확정"},
        {"CANCEL_REQUESTED", "취소 요청"}, {"CANCELED", "취소 완료"},       {"REFUNDED", "환불 완료"},
        {"EXPIRED", "결제 기한 만료"},     {"PAYMENT_FAILED", "결제 실패"}, {"RETURN_REQUESTED", "반품 요청"},
        {"RETURNED", "반품 회수 완료"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(map[i][0], st) == 0)
            return map[i][1];
    return st;
}

static const bc_actor system_actor = {0, BC_ACTOR_SYSTEM};

/* One history row (inside the open transaction). shipment_id 0 = the whole order; from NULL = created. */
static int add_event(bc_db *db, int64_t order_id, int64_t shipment_id, const char *from, const char *to,
                     const bc_actor *who, const char *reason, int64_t now)
{
    int rc = bc_db_exec(db,
                        "INSERT INTO order_events (order_id, shipment_id, from_status, to_status, actor_id, actor_role,"
                        " reason, created_at) VALUES (?, NULLIF(?, 0), ?, ?, NULLIF(?, 0), ?, ?, ?)",
                        "iittitti", order_id, shipment_id, from, to, who->user_id, actor_role(who->kind), reason, now);
    return rc < 0 ? rc : BC_OK;
}

/* Notifies the buyer and the sellers of an order (seller_id > 0: only that one) of a status change. */
static int notify(bc_db *db, int64_t order_row, const char *order_id, int64_t buyer_id, int64_t seller_id,
                  const char *kind_prefix, const char *to)
{
    char kind[48], text[200];
    json_t *sellers = NULL;
    int rc = BC_OK;
    snprintf(kind, sizeof kind, "%s.%s", kind_prefix, to);
    snprintf(text, sizeof text, "주문 %s: %s%s", order_id, strcmp(kind_prefix, "shipment") == 0 ? "판매자 배송 " : "",
             status_label(to));
    if ((rc = bc_notice_add(db, buyer_id, kind, order_row, order_id, text)) != BC_OK)
        goto out;
    if (seller_id > 0) {
        rc = bc_notice_add(db, seller_id, kind, order_row, order_id, text);
        goto out;
    }
    if (bc_db_rows(db, &sellers, "SELECT seller_id FROM shipments WHERE order_id = ? ORDER BY seller_id", "i",
                   order_row) < 0) {
        rc = BC_ERR;
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach (sellers, i, r) {
        if ((rc = bc_notice_add(db, json_integer_value(json_object_get(r, "seller_id")), kind, order_row, order_id,
                                text)) != BC_OK)
            break;
    }
out:
    json_decref(sellers);
    return rc;
}

/* A whole-order system transition of an order whose status is from (the caller's conditional
 * UPDATE of orders already matched): its shipments in from follow, history row, notices. */
static int order_moved(bc_db *db, int64_t id, const char *from, const char *to, const bc_actor *who, const char *reason,
                       int64_t now)
{
    bc_order_head h;
    int rc = bc_order_head_get(db, id, &h);
    if (rc != BC_OK)
        return rc;
    if (bc_db_exec(db,
                   "UPDATE shipments SET status = ?, updated_at = ?,"
                   " closed_at = CASE WHEN ? = 1 THEN ? ELSE closed_at END WHERE order_id = ? AND status = ?",
                   "tiiiit", to, now, (int64_t)(strcmp(to, "PAID") != 0), now, id, from) < 0)
        return BC_ERR;
    if ((rc = add_event(db, id, 0, from, to, who, reason, now)) != BC_OK)
        return rc;
    return notify(db, id, h.order_id, h.buyer_id, 0, "order", to);
}

typedef struct paid_args {
    int64_t id, amount, approved_at;
    const char *payment_key, *method, *raw;
} paid_args;

/* The unit of work of bc_order_mark_paid, run by bc_db_tx. */
static int mark_paid_tx(bc_db *db, void *arg)
{
    paid_args *a = arg;
    int64_t id = a->id, amount = a->amount, approved_at = a->approved_at;
    const char *payment_key = a->payment_key, *method = a->method, *raw = a->raw;
    int64_t now = bc_now_ms();
    int rc;
    if (approved_at <= 0)
        approved_at = now;
    rc = bc_db_exec(db,
                    "UPDATE orders SET status = 'PAID', payment_key = ?, paid_at = ?, updated_at = ?"
                    " WHERE id = ? AND status = 'PENDING_PAYMENT'",
                    "tiii", payment_key, approved_at, now, id);
    if (rc <= 0) {
        rc = rc < 0 ? BC_ERR : BC_ECONFLICT;
        goto out;
    }
    rc = bc_db_exec(db,
                    "INSERT INTO payments (order_id, payment_key, provider, status, amount, method, approved_at, raw,"
                    " created_at) VALUES (?, ?, ?, 'DONE', ?, ?, ?, ?, ?)",
                    "ittititi", id, payment_key,
                    method && strcmp(method, "POINTS") == 0 ? "points" : bc_pg_provider_of(payment_key), /* points */
                    amount, method, approved_at, raw, now);
    if (rc < 0) {
        rc = rc == BC_ECONFLICT ? BC_ECONFLICT : BC_ERR;
        goto out;
    }
    bc_metrics_order_paid(amount); /* metrics: counted when the transaction commits */
    rc = order_moved(db, id, "PENDING_PAYMENT", "PAID", &system_actor, "payment approved", now);
out:
    return rc;
}

int bc_order_mark_paid(bc_db *db, int64_t id, const char *payment_key, int64_t amount, const char *method,
                       int64_t approved_at, const char *raw)
{
    paid_args a = {id, amount, approved_at, payment_key, method, raw};
    return bc_db_tx(db, mark_paid_tx, &a);
}

/* Gives back the stock of every open line of order id (inside the open transaction), in product
 * id order as bc_order_create takes it, so a release and a reservation never deadlock;
 * seller_id > 0: only that seller's lines; mark: also set their canceled_at. */
static int release_lines(bc_db *db, int64_t id, int64_t seller_id, int mark, const char *reason)
{
    json_t *rows = NULL;
    int rc = BC_OK;
    int64_t now = bc_now_ms();
    if (bc_db_rows(db, &rows,
                   "SELECT id, product_id, sku_id, quantity FROM order_lines WHERE order_id = ? AND canceled_at IS NULL"
                   " AND (? = 0 OR seller_id = ?) ORDER BY product_id, sku_id, id",
                   "iii", id, seller_id, seller_id) < 0)
        return BC_ERR;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        if (mark && bc_db_exec(db, "UPDATE order_lines SET canceled_at = ? WHERE id = ?", "ii", now,
                               (int64_t)json_integer_value(json_object_get(r, "id"))) < 0) {
            rc = BC_ERR;
            break;
        }
        rc = bc_stock_release_sku(db, json_integer_value(json_object_get(r, "product_id")),
                                  json_integer_value(json_object_get(r, "sku_id")),
                                  json_integer_value(json_object_get(r, "quantity")), id, reason);
        if (rc != BC_OK)
            break;
    }
    json_decref(rows);
    return rc;
}

typedef struct fail_args {
    int64_t id;
    const char *code;
} fail_args;

/* The unit of work of bc_order_fail_payment, run by bc_db_tx. */
static int fail_tx(bc_db *db, void *arg)
{
    fail_args *a = arg;
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(db,
                        "UPDATE orders SET status = 'PAYMENT_FAILED', updated_at = ?"
                        " WHERE id = ? AND status = 'PENDING_PAYMENT'",
                        "ii", now, a->id);
    if (rc <= 0)
        return rc < 0 ? BC_ERR : BC_ECONFLICT;
    if ((rc = release_lines(db, a->id, 0, 0, "payment_failed")) != BC_OK ||
        (rc = bc_order_coupon_release(db, a->id, now)) != BC_OK || /* coupons: given back */
        (rc = bc_order_points_release(db, a->id)) != BC_OK)        /* points: the order's points come back */
        return rc;
    return order_moved(db, a->id, "PENDING_PAYMENT", "PAYMENT_FAILED", &system_actor,
                       a->code ? a->code : "payment declined", now);
}

int bc_order_fail_payment(bc_db *db, int64_t id, const char *code)
{
    fail_args a = {id, code};
    return bc_db_tx(db, fail_tx, &a);
}

typedef struct expire_args {
    int64_t id, now_ms;
    int expired; /* out: 1 when this unit expired the order */
} expire_args;

/* The unit of work of bc_order_expire_one, run by bc_db_tx: nothing to do is BC_OK with expired 0. */
static int expire_tx(bc_db *db, void *arg)
{
    expire_args *a = arg;
    a->expired = 0;
    int rc = bc_db_exec(db,
                        "UPDATE orders SET status = 'EXPIRED', updated_at = ?"
                        " WHERE id = ? AND status = 'PENDING_PAYMENT' AND expires_at < ?",
                        "iii", a->now_ms, a->id, a->now_ms);
    if (rc <= 0)
        return rc;
    if ((rc = release_lines(db, a->id, 0, 0, "expire")) != BC_OK ||
        (rc = bc_order_coupon_release(db, a->id, a->now_ms)) != BC_OK || /* coupons: given back */
        (rc = bc_order_points_release(db, a->id)) != BC_OK)              /* points: the order's points come back */
        return rc;
    if ((rc = order_moved(db, a->id, "PENDING_PAYMENT", "EXPIRED", &system_actor, "not paid in time", a->now_ms)) !=
        BC_OK)
        return rc;
    a->expired = 1;
    return BC_OK;
}

int bc_order_expire_one(bc_db *db, int64_t id, int64_t now_ms)
{
    expire_args a = {id, now_ms, 0};
    int rc = bc_db_tx(db, expire_tx, &a);
    return rc == BC_OK ? a.expired : rc;
}

/* ---- actions (bc_order_act) ---- */

#define MAX_SHIPS 50

typedef struct ship_row {
    int64_t id, seller_id, subtotal, fee, refunded;
    char status[24];
} ship_row;

typedef struct target {
    int ship; /* index into act_ctx.ships */
    const struct rule *rule;
    const char *to;
} target;

typedef struct act_ctx {
    /* in */
    int64_t id;
    const bc_actor *who;
    const bc_order_act_args *a;
    int no_gateway;            /* bc_order_cancel: the caller refunded */
    const char *expect_status; /* bc_order_cancel: the status the caller saw (NULL = any) */
    bc_order_act_result *res;
    /* loaded */
    int64_t buyer_id, amount, refunded, cancel_claimed_at;
    int64_t points_used; /* points: the points the order spent (amount + points_used = its gross total) */
    char order_id[72], status[24], payment_key[208];
    ship_row ships[MAX_SHIPS];
    size_t nships;
    /* plan */
    int level;
    const struct rule *order_rule;
    target targets[MAX_SHIPS];
    size_t ntargets;
    int64_t line_id, line_product, line_qty, line_seller;
    int64_t line_sku; /* product options as SKUs: the line's SKU, 0 = none */
    int64_t refund, gateway_amount;
    char scope[64], idem[160];
    int need_gateway;
} act_ctx;

/* Fails the plan with code (and the status that refused, for conflicts). */
static int refuse(act_ctx *x, int rc, const char *code, const char *status)
{
    x->res->code = code;
    snprintf(x->res->status, sizeof x->res->status, "%s", status ? status : "");
    return rc;
}

/* Locks the order row (every action on one order runs one after the other) and loads it with its
 * shipments. BC_OK, BC_ENOTFOUND or an error. */
static int load_locked(bc_db *db, act_ctx *x)
{
    json_t *o = NULL, *ships = NULL;
    int rc = bc_db_exec(db, "UPDATE orders SET updated_at = updated_at WHERE id = ?", "i", x->id);
    if (rc <= 0)
        return rc < 0 ? rc : BC_ENOTFOUND;
    if (bc_db_row(db, &o,
                  "SELECT buyer_id, amount, refunded, cancel_claimed_at, order_id, status, payment_key, points_used"
                  " FROM orders WHERE id = ?",
                  "i", x->id) <= 0) {
        rc = BC_ERR;
        goto out;
    }
    x->buyer_id = json_integer_value(json_object_get(o, "buyer_id"));
    x->amount = json_integer_value(json_object_get(o, "amount"));
    x->refunded = json_integer_value(json_object_get(o, "refunded"));
    x->cancel_claimed_at = json_integer_value(json_object_get(o, "cancel_claimed_at"));
    x->points_used = json_integer_value(json_object_get(o, "points_used"));
    const char *t;
    snprintf(x->order_id, sizeof x->order_id, "%s", (t = json_string_value(json_object_get(o, "order_id"))) ? t : "");
    snprintf(x->status, sizeof x->status, "%s", (t = json_string_value(json_object_get(o, "status"))) ? t : "");
    snprintf(x->payment_key, sizeof x->payment_key, "%s",
             (t = json_string_value(json_object_get(o, "payment_key"))) ? t : "");
    if (bc_db_rows(db, &ships,
                   "SELECT id, seller_id, subtotal, shipping_fee, refunded, status FROM shipments WHERE order_id = ?"
                   " ORDER BY id",
                   "i", x->id) < 0) {
        rc = BC_ERR;
        goto out;
    }
    x->nships = 0;
    size_t i;
    json_t *r;
    json_array_foreach (ships, i, r) {
        if (x->nships == MAX_SHIPS)
            break;
        ship_row *s = &x->ships[x->nships++];
        s->id = json_integer_value(json_object_get(r, "id"));
        s->seller_id = json_integer_value(json_object_get(r, "seller_id"));
        s->subtotal = json_integer_value(json_object_get(r, "subtotal"));
        s->fee = json_integer_value(json_object_get(r, "shipping_fee"));
        s->refunded = json_integer_value(json_object_get(r, "refunded"));
        snprintf(s->status, sizeof s->status, "%s", (t = json_string_value(json_object_get(r, "status"))) ? t : "");
    }
    rc = BC_OK;
out:
    json_decref(o);
    json_decref(ships);
    return rc;
}

static int closed(const char *st) { return strcmp(st, "CANCELED") == 0 || strcmp(st, "REFUNDED") == 0; }

/* The order's status as its shipments say (commerce.h), or NULL to keep it. */
static const char *derive_status(const act_ctx *x)
{
    static const char *const ladder[] = {"PAID", "PREPARING", "SHIPPING", "DELIVERED", "PURCHASE_CONFIRMED"};
    int open = 0, refunded = 0, rr = 0, rd = 0, cr = 0, min = 99;
    for (size_t i = 0; i < x->nships; i++) {
        const char *st = x->ships[i].status;
        if (strcmp(st, "CANCELED") == 0)
            continue;
        if (strcmp(st, "REFUNDED") == 0) {
            refunded = 1;
            continue;
        }
        open++;
        if (strcmp(st, "RETURN_REQUESTED") == 0)
            rr = 1;
        else if (strcmp(st, "RETURNED") == 0)
            rd = 1;
        else if (strcmp(st, "CANCEL_REQUESTED") == 0)
            cr = 1;
        else {
            int k = 0;
            while (k < 5 && strcmp(ladder[k], st) != 0)
                k++;
            if (k == 5)
                return NULL; /* not paid yet or ended before payment: whole-order actions only */
            if (k < min)
                min = k;
        }
    }
    if (!open)
        return refunded ? "REFUNDED" : "CANCELED";
    if (rr)
        return "RETURN_REQUESTED";
    if (rd)
        return "RETURNED";
    if (cr)
        return "CANCEL_REQUESTED";
    return min < 5 ? ladder[min] : NULL;
}

/* Decides what the action does on the loaded order: targets, line, refund amount. */
static int plan(bc_db *db, act_ctx *x)
{
    const bc_order_act_args *a = x->a;
    int kind = x->who->kind;
    x->ntargets = 0;
    x->refund = 0;
    x->line_id = 0;
    x->order_rule = NULL;
    x->level = action_level(a->action);
    if (!x->level || strcmp(a->action, "pay") == 0 || strcmp(a->action, "fail_payment") == 0 ||
        strcmp(a->action, "expire") == 0)
        return refuse(x, BC_EINVAL, "VALIDATION_FAILED", NULL);
    /* who may see the order at all */
    int64_t own = 0; /* the seller's shipment index + 1 */
    if (kind == BC_ACTOR_BUYER && x->buyer_id != x->who->user_id)
        return refuse(x, BC_ENOTFOUND, "ORDER_NOT_FOUND", NULL);
    if (kind == BC_ACTOR_SELLER) {
        for (size_t i = 0; i < x->nships; i++)
            if (x->ships[i].seller_id == x->who->user_id)
                own = (int64_t)i + 1;
        if (!own)
            return refuse(x, BC_ENOTFOUND, "ORDER_NOT_FOUND", NULL);
    }
    if (x->expect_status && strcmp(x->expect_status, x->status) != 0)
        return refuse(x, BC_ECONFLICT, "ORDER_STATE_CONFLICT", x->status);
    if (x->level == LVL_ORDER) {
        const struct rule *r = rule_find(a->action, x->status, kind);
        if (!r)
            return refuse(x, BC_ECONFLICT, "ORDER_STATE_CONFLICT", x->status);
        for (size_t i = 0; i < x->nships; i++) {
            if (closed(x->ships[i].status))
                continue;
            if (strcmp(x->ships[i].status, x->status) != 0) /* a part already moved on */
                return refuse(x, BC_ECONFLICT, "ORDER_STATE_CONFLICT", x->ships[i].status);
            x->targets[x->ntargets++] = (target){(int)i, r, r->to};
        }
        x->order_rule = r;
        if (r->refund) {
            x->refund = x->amount + x->points_used - x->refunded; /* points: the gross rest */
            x->gateway_amount = x->refunded == 0 ? 0 : x->refund;
        }
        snprintf(x->scope, sizeof x->scope, "order");
        return BC_OK;
    }
    if (x->level == LVL_LINE) {
        json_t *l = NULL;
        int rc =
            bc_db_row(db, &l,
                      "SELECT id, seller_id, product_id, sku_id, quantity, line_total, canceled_at FROM order_lines"
                      " WHERE id = ? AND order_id = ?",
                      "ii", a->line_id, x->id);
        if (rc < 0)
            return BC_ERR;
        int64_t seller = rc ? json_integer_value(json_object_get(l, "seller_id")) : 0;
        int canceled = rc && !json_is_null(json_object_get(l, "canceled_at"));
        int64_t total = rc ? json_integer_value(json_object_get(l, "line_total")) : 0;
        x->line_product = rc ? json_integer_value(json_object_get(l, "product_id")) : 0;
        x->line_qty = rc ? json_integer_value(json_object_get(l, "quantity")) : 0;
        x->line_sku = rc ? json_integer_value(json_object_get(l, "sku_id")) : 0;
        json_decref(l);
        if (!rc || (kind == BC_ACTOR_SELLER && seller != x->who->user_id))
            return refuse(x, BC_ENOTFOUND, "LINE_NOT_FOUND", NULL);
        if (canceled)
            return refuse(x, BC_ECONFLICT, "ORDER_STATE_CONFLICT", "CANCELED");
        size_t si = 0;
        while (si < x->nships && x->ships[si].seller_id != seller)
            si++;
        if (si == x->nships)
            return BC_ERR;
        const struct rule *r = rule_find(a->action, x->ships[si].status, kind);
        if (!r)
            return refuse(x, BC_ECONFLICT, "ORDER_STATE_CONFLICT", x->ships[si].status);
        int64_t others = 0;
        if (bc_db_int(db, &others,
                      "SELECT COUNT(*) FROM order_lines WHERE order_id = ? AND seller_id = ? AND canceled_at IS NULL"
                      " AND id <> ?",
                      "iii", x->id, seller, a->line_id) < 0)
            return BC_ERR;
        x->line_id = a->line_id;
        x->line_seller = seller;
        const ship_row *s = &x->ships[si];
        if (others == 0) { /* the last open line: the shipment and its fee go with it */
            x->targets[x->ntargets++] = (target){(int)si, r, "CANCELED"};
            x->refund = s->subtotal + s->fee - s->refunded;
        } else {
            x->targets[x->ntargets++] = (target){(int)si, r, r->to};
            x->refund = total;
        }
        /* coupons: the discount stays off the last part refunded; the cap is what the buyer paid in
         * money and points (refunded counts points given back too) */
        if (x->refund > x->amount + x->points_used - x->refunded)
            x->refund = x->amount + x->points_used - x->refunded;
        x->gateway_amount = x->refund;
        snprintf(x->scope, sizeof x->scope, "line-%lld", (long long)a->line_id);
        return BC_OK;
    }
    /* a shipment action */
    for (size_t i = 0; i < x->nships; i++) {
        const ship_row *s = &x->ships[i];
        int named = a->shipment_id > 0 ? s->id == a->shipment_id : kind == BC_ACTOR_SELLER ? (int64_t)i + 1 == own : 1;
        if (!named)
            continue;
        if (kind == BC_ACTOR_SELLER && (int64_t)i + 1 != own)
            return refuse(x, BC_ENOTFOUND, "SHIPMENT_NOT_FOUND", NULL);
        const struct rule *r = rule_find(a->action, s->status, kind);
        if (!r) {
            if (a->shipment_id > 0 || kind == BC_ACTOR_SELLER)
                return refuse(x, BC_ECONFLICT, "ORDER_STATE_CONFLICT", s->status);
            continue; /* "every shipment it applies to" */
        }
        x->targets[x->ntargets++] = (target){(int)i, r, r->to};
        if (r->refund)
            x->refund += s->subtotal + s->fee - s->refunded;
    }
    if (a->shipment_id > 0 && x->ntargets == 0 && !x->res->code)
        return refuse(x, BC_ENOTFOUND, "SHIPMENT_NOT_FOUND", NULL);
    if (x->ntargets == 0)
        return refuse(x, BC_ECONFLICT, "ORDER_STATE_CONFLICT", x->status);
    if (strcmp(a->action, "ship") == 0 && (!a->carrier || !a->tracking_number))
        return refuse(x, BC_EINVAL, "VALIDATION_FAILED", NULL);
    /* coupons: the discount stays off the last part refunded; the cap is what the buyer paid in
     * money and points (refunded counts points given back too) */
    if (x->refund > x->amount + x->points_used - x->refunded)
        x->refund = x->amount + x->points_used - x->refunded;
    x->gateway_amount = x->refund;
    int n = snprintf(x->scope, sizeof x->scope, "ship");
    for (size_t k = 0; k < x->ntargets && n < (int)sizeof x->scope - 24; k++)
        n += snprintf(x->scope + n, sizeof x->scope - (size_t)n, "-%lld", (long long)x->ships[x->targets[k].ship].id);
    return BC_OK;
}

/* Applies the planned action (inside the transaction holding the order's lock). */
static int apply(bc_db *db, act_ctx *x)
{
    const bc_order_act_args *a = x->a;
    int64_t now = bc_now_ms();
    int rc = BC_OK;
    const char *reason = a->reason && *a->reason ? a->reason : NULL;
    char line_reason[220];
    if (x->level == LVL_LINE) {
        snprintf(line_reason, sizeof line_reason, "line %lld canceled%s%.180s", (long long)x->line_id,
                 reason ? ": " : "", reason ? reason : "");
        reason = line_reason;
        if (bc_db_exec(db, "UPDATE order_lines SET canceled_at = ? WHERE id = ? AND canceled_at IS NULL", "ii", now,
                       x->line_id) != 1)
            return BC_ECONFLICT;
        if ((rc = bc_stock_release_sku(db, x->line_product, x->line_sku, x->line_qty, x->id, "cancel")) != BC_OK)
            return rc;
    }
    for (size_t k = 0; k < x->ntargets; k++) {
        ship_row *s = &x->ships[x->targets[k].ship];
        const char *to = x->targets[k].to;
        int shipping = strcmp(to, "SHIPPING") == 0,
            delivered = strcmp(to, "DELIVERED") == 0 && strcmp(s->status, "SHIPPING") == 0;
        int64_t part = x->level == LVL_LINE         ? x->refund
                       : x->targets[k].rule->refund ? s->subtotal + s->fee - s->refunded
                                                    : 0;
        if (x->level == LVL_ORDER && x->order_rule->refund)
            part = s->subtotal + s->fee - s->refunded;
        rc = bc_db_exec(db,
                        "UPDATE shipments SET status = ?, updated_at = ?, refunded = refunded + ?,"
                        " carrier = CASE WHEN ? = 1 THEN ? ELSE carrier END,"
                        " tracking_number = CASE WHEN ? = 1 THEN ? ELSE tracking_number END,"
                        " shipped_at = CASE WHEN ? = 1 THEN ? ELSE shipped_at END,"
                        " delivered_at = CASE WHEN ? = 1 THEN ? ELSE delivered_at END,"
                        " closed_at = CASE WHEN ? = 1 THEN ? ELSE closed_at END WHERE id = ? AND status = ?",
                        "tiiititiiiiiiit", to, now, part, (int64_t)shipping, a->carrier, (int64_t)shipping,
                        a->tracking_number, (int64_t)shipping, now, (int64_t)delivered, now, (int64_t)closed(to), now,
                        s->id, s->status);
        if (rc != 1)
            return rc < 0 ? rc : BC_ECONFLICT;
        /* a canceled part gives its stock back (a refund after a return does not: the goods came back
         * to the seller, who restocks them by editing the product) */
        if (strcmp(to, "CANCELED") == 0 && x->level != LVL_ORDER &&
            (rc = release_lines(db, x->id, s->seller_id, 1, "cancel")) != BC_OK)
            return rc;
        if (x->level != LVL_ORDER || x->order_rule->refund) {
            if ((rc = add_event(db, x->id, s->id, s->status, to, x->who, reason, now)) != BC_OK)
                return rc;
            if ((rc = notify(db, x->id, x->order_id, x->buyer_id, s->seller_id, "shipment", to)) != BC_OK)
                return rc;
        }
        /* points: the buyer earns on the confirmed lines, once per line */
        if (strcmp(to, "PURCHASE_CONFIRMED") == 0 && (rc = bc_order_points_confirmed(db, x->id, s->id)) != BC_OK)
            return rc;
        snprintf(s->status, sizeof s->status, "%s", to);
        s->refunded += part;
    }
    if (x->level == LVL_ORDER && strcmp(x->order_rule->to, "CANCELED") == 0 &&
        (rc = release_lines(db, x->id, 0, 1, "cancel")) != BC_OK)
        return rc;
    const char *to = x->level == LVL_ORDER ? x->order_rule->to : derive_status(x);
    if (to && strcmp(to, x->status) != 0) {
        rc = bc_db_exec(db,
                        "UPDATE orders SET status = ?, refunded = refunded + ?, updated_at = ?,"
                        " canceled_at = CASE WHEN ? = 1 THEN ? ELSE canceled_at END WHERE id = ? AND status = ?",
                        "tiiiiit", to, x->refund, now, (int64_t)(strcmp(to, "CANCELED") == 0), now, x->id, x->status);
        if (rc != 1)
            return rc < 0 ? rc : BC_ECONFLICT;
        if ((rc = add_event(db, x->id, 0, x->status, to, x->who,
                            x->level == LVL_ORDER ? reason : "follows its shipments", now)) != BC_OK ||
            (rc = notify(db, x->id, x->order_id, x->buyer_id, 0, "order", to)) != BC_OK)
            return rc;
    } else if (x->refund > 0 && bc_db_exec(db, "UPDATE orders SET refunded = refunded + ?, updated_at = ? WHERE id = ?",
                                           "iii", x->refund, now, x->id) < 0)
        return BC_ERR;
    /* coupons: a canceled order (whole, or its last open part) gives its coupon back */
    if (to && strcmp(to, "CANCELED") == 0 && (rc = bc_order_coupon_release(db, x->id, now)) != BC_OK)
        return rc;
    if (x->refund > 0 || (x->level == LVL_ORDER && strcmp(x->order_rule->to, "CANCELED") == 0)) {
        int full = x->refunded + x->refund >= x->amount;
        if (bc_db_exec(db,
                       "UPDATE payments SET status = ?, canceled_at = ? WHERE order_id = ? AND status <> 'CANCELED'",
                       "tii", full ? "CANCELED" : "PARTIAL_CANCELED", now, x->id) < 0)
            return BC_ERR;
    }
    /* points: a refund gives back the part the gateway did not pay (gateway first, points last);
     * an unpaid order canceled gives back all it spent */
    int64_t back = x->refund - bc_order_points_gateway_part(x->amount, x->refunded, x->refund);
    if (back > 0 && (rc = bc_order_points_refund(db, x->buyer_id, x->id, x->scope, back)) != BC_OK)
        return rc;
    if (x->level == LVL_ORDER && strcmp(x->order_rule->from, "PENDING_PAYMENT") == 0 &&
        strcmp(x->order_rule->to, "CANCELED") == 0 && (rc = bc_order_points_release(db, x->id)) != BC_OK)
        return rc;
    return BC_OK;
}

/* Phase one, one transaction: load under the lock, check the claim, plan; then either apply at
 * once (no refund) or write the refund claim (applied after the gateway call). */
static int plan_tx(bc_db *db, void *arg)
{
    act_ctx *x = arg;
    json_t *claim = NULL;
    int64_t now = bc_now_ms();
    x->need_gateway = 0;
    x->res->code = NULL;
    x->res->status[0] = 0;
    int rc = load_locked(db, x);
    if (rc == BC_ENOTFOUND)
        return refuse(x, rc, "ORDER_NOT_FOUND", NULL);
    if (rc != BC_OK)
        goto out;
    if ((rc = plan(db, x)) != BC_OK)
        goto out;
    /* points: the gateway refunds its part only (all of the refund when no points were spent) */
    int64_t gateway_part = bc_order_points_gateway_part(x->amount, x->refunded, x->refund);
    if (x->points_used > 0)
        x->gateway_amount = gateway_part;
    int gateway = gateway_part > 0 && x->payment_key[0] && !x->no_gateway;
    rc = bc_db_row(db, &claim,
                   "SELECT scope, idem_key, claimed_at, amount FROM order_refunds WHERE order_id = ? AND"
                   " status = 'CLAIMED' ORDER BY id LIMIT 1",
                   "i", x->id);
    if (rc < 0)
        goto out;
    if (rc == 1 || (x->cancel_claimed_at > 0 && x->cancel_claimed_at > now - 60000)) {
        const char *scope = json_string_value(json_object_get(claim, "scope"));
        int64_t at = json_integer_value(json_object_get(claim, "claimed_at"));
        if (!gateway || !scope || strcmp(scope, x->scope) != 0 || at > now - 60000 ||
            json_integer_value(json_object_get(claim, "amount")) != x->refund) {
            rc = refuse(x, BC_ECONFLICT, "REFUND_IN_PROGRESS", x->status);
            goto out;
        }
        /* a stale claim of this very refund (its gateway outcome unknown): retry with the same key */
        snprintf(x->idem, sizeof x->idem, "%s", json_string_value(json_object_get(claim, "idem_key")));
        rc = bc_db_exec(db, "UPDATE order_refunds SET claimed_at = ? WHERE idem_key = ? AND status = 'CLAIMED'", "it",
                        now, x->idem) == 1
                 ? BC_OK
                 : BC_ERR;
        x->need_gateway = 1;
        goto out;
    }
    if (gateway) {
        snprintf(x->idem, sizeof x->idem, "rf-%s-%s-%lld", x->order_id, x->scope, (long long)now);
        rc = bc_db_exec(db,
                        "INSERT INTO order_refunds (order_id, scope, amount, idem_key, status, claimed_at)"
                        " VALUES (?, ?, ?, ?, 'CLAIMED', ?)",
                        "ititi", x->id, x->scope, x->refund, x->idem, now);
        rc = rc < 0 ? rc : BC_OK;
        x->need_gateway = rc == BC_OK;
        goto out;
    }
    rc = apply(db, x);
out:
    json_decref(claim);
    return rc;
}

/* Phase two after the gateway refunded: the same plan under the lock, applied, the claim DONE. */
static int apply_tx(bc_db *db, void *arg)
{
    act_ctx *x = arg;
    int64_t refund = x->refund;
    int rc = load_locked(db, x);
    if (rc != BC_OK)
        return rc;
    if ((rc = plan(db, x)) != BC_OK)
        return rc;
    if (x->refund != refund) {
        bc_log_error("commerce", "order %s: refund of %lld KRW planned as %lld after the gateway call", x->order_id,
                     (long long)refund, (long long)x->refund);
        return BC_ECONFLICT;
    }
    if ((rc = apply(db, x)) != BC_OK)
        return rc;
    rc = bc_db_exec(db,
                    "UPDATE order_refunds SET status = 'DONE', done_at = ? WHERE idem_key = ? AND status = 'CLAIMED'",
                    "it", bc_now_ms(), x->idem);
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ECONFLICT;
}

/* Drops a claim whose refund the gateway refused or never tried. */
static int unclaim_tx(bc_db *db, void *arg)
{
    act_ctx *x = arg;
    return bc_db_exec(db, "DELETE FROM order_refunds WHERE idem_key = ? AND status = 'CLAIMED'", "t", x->idem) < 0
               ? BC_ERR
               : BC_OK;
}

static int act(bc_db *db, act_ctx *x)
{
    int rc = bc_db_tx(db, plan_tx, x);
    if (rc != BC_OK || !x->need_gateway)
        return rc;
    bc_pg_cancel_result g;
    const char *reason = x->a->reason && *x->a->reason ? x->a->reason : "구매자 요청";
    if (bc_pg_cancel(x->payment_key, reason, x->gateway_amount, x->idem, &g) != BC_OK) {
        bc_db_tx(db, unclaim_tx, x);
        return refuse(x, BC_ERR, NULL, NULL);
    }
    snprintf(x->res->gateway_code, sizeof x->res->gateway_code, "%s", g.code);
    snprintf(x->res->gateway_message, sizeof x->res->gateway_message, "%s", g.message);
    switch (g.outcome) {
    case BC_PG_DONE:
        rc = bc_db_tx(db, apply_tx, x);
        if (rc != BC_OK)
            bc_log_error("commerce", "order %s: refunded %lld KRW at the gateway (key %s) but recording it failed (%d)",
                         x->order_id, (long long)x->refund, x->idem, rc);
        else
            x->res->refunded = x->refund;
        return rc;
    case BC_PG_REFUSED:
        bc_db_tx(db, unclaim_tx, x);
        return refuse(x, BC_EGATEWAY, "PAYMENT_GATEWAY_ERROR", NULL);
    case BC_PG_UNAVAILABLE:
        bc_db_tx(db, unclaim_tx, x);
        x->res->retry_after_s = g.retry_after_s;
        return refuse(x, BC_EGATEWAY, "PAYMENT_GATEWAY_UNAVAILABLE", NULL);
    default: /* unknown: the claim stays; the same action retakes it after 60 s with the same key */
        return refuse(x, BC_EGATEWAY, "PAYMENT_GATEWAY_ERROR", NULL);
    }
}

int bc_order_act(bc_db *db, int64_t order_row_id, const bc_actor *who, const bc_order_act_args *a,
                 bc_order_act_result *res)
{
    memset(res, 0, sizeof *res);
    if (!who || !a || !a->action)
        return BC_EINVAL;
    act_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return BC_ENOMEM;
    x->id = order_row_id;
    x->who = who;
    x->a = a;
    x->res = res;
    int rc = act(db, x);
    free(x);
    return rc;
}

int bc_order_cancel(bc_db *db, int64_t id, const char *prev_status)
{
    if (!bc_order_can_cancel(prev_status))
        return BC_EINVAL;
    bc_order_act_args a = {.action = "cancel", .reason = "canceled at the gateway"};
    bc_order_act_result res;
    memset(&res, 0, sizeof res);
    act_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return BC_ENOMEM;
    x->id = id;
    x->who = &system_actor;
    x->a = &a;
    x->res = &res;
    x->no_gateway = 1;
    x->expect_status = prev_status;
    int rc = bc_db_tx(db, plan_tx, x);
    free(x);
    return rc;
}

int bc_order_confirm_due(bc_db *db, int64_t now_ms)
{
    json_t *rows = NULL;
    int n = 0;
    int64_t before = now_ms - (int64_t)bc_cfg.auto_confirm_days * 86400000LL;
    if (bc_db_rows(db, &rows,
                   "SELECT id, order_id FROM shipments WHERE status = 'DELIVERED' AND delivered_at < ?"
                   " ORDER BY delivered_at LIMIT 200",
                   "i", before) < 0)
        return BC_ERR;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        bc_order_act_args a = {.action = "confirm",
                               .shipment_id = json_integer_value(json_object_get(r, "id")),
                               .reason = "confirmed automatically after delivery"};
        bc_order_act_result res;
        int rc = bc_order_act(db, json_integer_value(json_object_get(r, "order_id")), &system_actor, &a, &res);
        if (rc == BC_OK)
            n++;
        else if (rc != BC_ECONFLICT)
            bc_log_warn("commerce", "confirming shipment %lld failed (%d)",
                        (long long)json_integer_value(json_object_get(r, "id")), rc);
    }
    json_decref(rows);
    return n;
}

int bc_order_history(bc_db *db, int64_t order_row_id, int64_t only_seller, json_t **out)
{
    json_t *rows = NULL;
    *out = NULL;
    if (bc_db_rows(db, &rows,
                   "SELECT e.from_status AS \"from\", e.to_status AS \"to\", e.shipment_id, s.seller_id, e.actor_role,"
                   " e.actor_id, e.reason, e.created_at AS at FROM order_events e"
                   " LEFT JOIN shipments s ON s.id = e.shipment_id WHERE e.order_id = ?"
                   " AND (? = 0 OR e.shipment_id IS NULL OR s.seller_id = ?) ORDER BY e.id",
                   "iii", order_row_id, only_seller, only_seller) < 0)
        return BC_ERR;
    *out = rows;
    return BC_OK;
}

int bc_order_expire_due(bc_db *db, int64_t now_ms)
{
    json_t *ids = NULL;
    int n = 0;
    if (bc_db_rows(
            db, &ids,
            "SELECT id FROM orders WHERE status = 'PENDING_PAYMENT' AND expires_at < ? ORDER BY expires_at LIMIT 200",
            "i", now_ms) < 0)
        return BC_ERR;
    size_t i;
    json_t *r;
    json_array_foreach (ids, i, r) {
        int rc = bc_order_expire_one(db, json_integer_value(json_object_get(r, "id")), now_ms);
        if (rc == 1)
            n++;
        else if (rc < 0)
            bc_log_warn("commerce", "expiring order %lld failed (%d)",
                        (long long)json_integer_value(json_object_get(r, "id")), rc);
    }
    json_decref(ids);
    return n;
}

int bc_commerce_bought_from(bc_db *db, int64_t buyer_id, int64_t seller_id, int *out)
{
    int64_t one = 0;
    int r = bc_db_int(db, &one,
                      "SELECT 1 FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.buyer_id = ?"
                      " AND s.seller_id = ? AND s.status IN ('PAID','PREPARING','SHIPPING','DELIVERED',"
                      "'PURCHASE_CONFIRMED') LIMIT 1",
                      "ii", buyer_id, seller_id);
    *out = r == 1;
    return r < 0 ? r : BC_OK;
}
