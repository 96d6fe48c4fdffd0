/* Orders store code and the pure order rules (fees, ids, names, state transitions). Every state
 * change is a conditional UPDATE on the status the caller saw, so the sweeper, payment confirm
 * and cancel never overwrite each other. */
#include "commerce.h"

#include "../catalog/catalog.h"

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

int bc_order_can_ship(const char *status) { return status && strcmp(status, "PAID") == 0; }

int bc_order_can_deliver(const char *status) { return status && strcmp(status, "SHIPPING") == 0; }

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

int bc_order_json(bc_db *db, int64_t id, int64_t only_seller, json_t **out)
{
    json_t *o = NULL, *lines = NULL, *addr = NULL;
    int rc = bc_db_row(db, &o,
                       "SELECT id, order_id, buyer_id, status, order_name, subtotal, shipping_fee, amount, live_id,"
                       " shipping_address, payment_key, carrier, tracking_number, created_at, expires_at, paid_at,"
                       " canceled_at, shipped_at, delivered_at, updated_at FROM orders WHERE id = ?",
                       "i", id);
    *out = NULL;
    if (rc <= 0) {
        rc = rc < 0 ? BC_ERR : BC_ENOTFOUND;
        goto out;
    }
    if (only_seller > 0)
        rc = bc_db_rows(db, &lines,
                        "SELECT product_id, product_name, seller_id, unit_price, quantity, line_total FROM order_lines"
                        " WHERE order_id = ? AND seller_id = ? ORDER BY id",
                        "ii", id, only_seller);
    else
        rc = bc_db_rows(db, &lines,
                        "SELECT product_id, product_name, seller_id, unit_price, quantity, line_total FROM order_lines"
                        " WHERE order_id = ? ORDER BY id",
                        "i", id);
    if (rc < 0) {
        rc = BC_ERR;
        goto out;
    }
    const char *text = json_string_value(json_object_get(o, "shipping_address"));
    json_error_t err;
    addr = text ? json_loads(text, 0, &err) : NULL;
    json_object_set_new(o, "shipping_address", addr ? addr : json_object());
    addr = NULL;
    json_object_set_new(o, "lines", lines);
    lines = NULL;
    *out = o;
    o = NULL;
    rc = BC_OK;
out:
    json_decref(o);
    json_decref(lines);
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
                    " created_at) VALUES (?, ?, 'toss', 'DONE', ?, ?, ?, ?, ?)",
                    "itititi", id, payment_key, amount, method, approved_at, raw, now);
    if (rc < 0) {
        rc = rc == BC_ECONFLICT ? BC_ECONFLICT : BC_ERR;
        goto out;
    }
    rc = BC_OK;
out:
    return rc;
}

int bc_order_mark_paid(bc_db *db, int64_t id, const char *payment_key, int64_t amount, const char *method,
                       int64_t approved_at, const char *raw)
{
    paid_args a = {id, amount, approved_at, payment_key, method, raw};
    return bc_db_tx(db, mark_paid_tx, &a);
}

int bc_order_ship(bc_db *db, int64_t id, const char *carrier, const char *tracking_number)
{
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(db,
                        "UPDATE orders SET status = 'SHIPPING', carrier = ?, tracking_number = ?, shipped_at = ?,"
                        " updated_at = ? WHERE id = ? AND status = 'PAID' AND cancel_claimed_at IS NULL",
                        "ttiii", carrier, tracking_number, now, now, id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return rc == 0 ? BC_ECONFLICT : BC_OK;
}

int bc_order_claim_cancel(bc_db *db, int64_t id)
{
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(db,
                        "UPDATE orders SET cancel_claimed_at = ?, updated_at = ? WHERE id = ? AND status = 'PAID'"
                        " AND (cancel_claimed_at IS NULL OR cancel_claimed_at < ?)",
                        "iiii", now, now, id, now - 60000);
    if (rc < 0)
        return BC_ERR;
    return rc == 0 ? BC_ECONFLICT : BC_OK;
}

int bc_order_release_cancel_claim(bc_db *db, int64_t id)
{
    return bc_db_exec(db, "UPDATE orders SET cancel_claimed_at = NULL WHERE id = ? AND status = 'PAID'", "i", id) < 0
               ? BC_ERR
               : BC_OK;
}

int bc_order_deliver(bc_db *db, int64_t id)
{
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(db,
                        "UPDATE orders SET status = 'DELIVERED', delivered_at = ?, updated_at = ?"
                        " WHERE id = ? AND status = 'SHIPPING'",
                        "iii", now, now, id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return rc == 0 ? BC_ECONFLICT : BC_OK;
}

/* Gives back the stock of every line of order id (inside the open transaction), in product id
 * order as bc_order_create takes it, so a release and a reservation never deadlock. */
static int release_lines(bc_db *db, int64_t id, const char *reason)
{
    json_t *rows = NULL;
    int rc = BC_OK;
    if (bc_db_rows(db, &rows, "SELECT product_id, quantity FROM order_lines WHERE order_id = ? ORDER BY product_id",
                   "i", id) < 0)
        return BC_ERR;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        rc = bc_stock_release(db, json_integer_value(json_object_get(r, "product_id")),
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
    (void)a->code;
    int rc = bc_db_exec(db,
                        "UPDATE orders SET status = 'PAYMENT_FAILED', updated_at = ?"
                        " WHERE id = ? AND status = 'PENDING_PAYMENT'",
                        "ii", now, a->id);
    if (rc <= 0)
        return rc < 0 ? BC_ERR : BC_ECONFLICT;
    return release_lines(db, a->id, "payment_failed");
}

int bc_order_fail_payment(bc_db *db, int64_t id, const char *code)
{
    fail_args a = {id, code};
    return bc_db_tx(db, fail_tx, &a);
}

typedef struct cancel_args {
    int64_t id;
    const char *prev_status;
} cancel_args;

/* The unit of work of bc_order_cancel, run by bc_db_tx. */
static int cancel_tx(bc_db *db, void *arg)
{
    cancel_args *a = arg;
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(
        db, "UPDATE orders SET status = 'CANCELED', canceled_at = ?, updated_at = ? WHERE id = ? AND status = ?",
        "iiit", now, now, a->id, a->prev_status);
    if (rc <= 0)
        return rc < 0 ? BC_ERR : BC_ECONFLICT;
    if (bc_db_exec(db, "UPDATE payments SET status = 'CANCELED', canceled_at = ? WHERE order_id = ?", "ii", now,
                   a->id) < 0)
        return BC_ERR;
    return release_lines(db, a->id, "cancel");
}

int bc_order_cancel(bc_db *db, int64_t id, const char *prev_status)
{
    if (!bc_order_can_cancel(prev_status))
        return BC_EINVAL;
    cancel_args a = {id, prev_status};
    return bc_db_tx(db, cancel_tx, &a);
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
    if ((rc = release_lines(db, a->id, "expire")) != BC_OK)
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
