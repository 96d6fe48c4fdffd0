/* Holds: a short reservation a viewer takes when opening the buy sheet (stock_holds). A hold takes
 * its stock through stock.c (bc_stock_claim_take) and either becomes an order's reservation
 * (bc_hold_consume) or is given back on DELETE or expiry. Store code of commerce (SQL allowed). */
#include "commerce.h"
#include "../chat/chat.h"

#include "../catalog/catalog.h"
#include "../live/live.h"

#include <string.h>

static void hold_problem(bc_hold_problem *why, const char *code, int64_t product_id)
{
    if (why) {
        why->code = code;
        why->product_id = product_id;
    }
}

typedef struct hold_args {
    int64_t buyer_id, product_id, quantity, live_id, sku_id;
    bc_hold_problem *why;
    int64_t id;
} hold_args;

/* The unit of work of bc_hold_create (run from scratch on each try). */
static int hold_tx(bc_db *db, void *arg)
{
    hold_args *a = arg;
    int64_t now = bc_now_ms();
    bc_catalog_sale prod;
    bc_live_offer offer = {0};
    const char *code = NULL;
    int rc;
    a->id = 0;
    hold_problem(a->why, NULL, 0);
    rc = bc_catalog_product_sale(db, a->product_id, &prod);
    if (rc != BC_OK && rc != BC_ENOTFOUND)
        goto out;
    if (rc == BC_ENOTFOUND || !prod.visible) {
        hold_problem(a->why, "PRODUCT_NOT_FOUND", a->product_id);
        rc = BC_ENOTFOUND;
        goto out;
    }
    /* product options as SKUs: a product with options is held per SKU */
    bc_sku sku;
    if ((rc = bc_sku_resolve(db, a->product_id, a->sku_id, &sku, &code)) != BC_OK) {
        if (rc == BC_EINVAL)
            hold_problem(a->why, code, a->product_id);
        goto out;
    }
    if (a->live_id > 0 && (rc = bc_live_offer_get(db, a->live_id, a->product_id, &offer)) != BC_OK) {
        if (rc == BC_ENOTFOUND || rc == BC_ECONFLICT) {
            hold_problem(a->why, rc == BC_ENOTFOUND ? "LIVE_NOT_FOUND" : "LIVE_PRODUCT_MISMATCH", a->product_id);
            rc = BC_EINVAL;
        }
        goto out;
    }
    /* chat moderation: a user banned from the live's room cannot buy from that live (checkout refuses
     * the order too; refusing the hold keeps a banned user from tying up its stock) */
    if (a->live_id > 0 && (rc = bc_chat_banned(db, a->live_id, a->buyer_id)) != BC_OK) {
        if (rc == BC_EFORBIDDEN)
            hold_problem(a->why, "BANNED_FROM_LIVE", a->product_id);
        goto out;
    }
    if ((rc = bc_stock_unpaid_check(db, a->buyer_id, now)) != BC_OK) {
        if (rc == BC_ECONFLICT)
            hold_problem(a->why, "UNPAID_ORDERS_LIMIT", a->product_id);
        goto out;
    }
    bc_stmt *st =
        bc_db_prepare(db, "INSERT INTO stock_holds (product_id, buyer_id, quantity, live_id, status, created_at,"
                          " expires_at, sku_id) VALUES (?, ?, ?, ?, 'HELD', ?, ?, ?) RETURNING id");
    if (!st) {
        rc = BC_ERR;
        goto out;
    }
    bc_stmt_bind_int(st, 1, a->product_id);
    bc_stmt_bind_int(st, 2, a->buyer_id);
    bc_stmt_bind_int(st, 3, a->quantity);
    if (a->live_id > 0)
        bc_stmt_bind_int(st, 4, a->live_id);
    else
        bc_stmt_bind_null(st, 4);
    bc_stmt_bind_int(st, 5, now);
    bc_stmt_bind_int(st, 6, now + (int64_t)bc_cfg.hold_ttl_s * 1000);
    if (sku.id > 0)
        bc_stmt_bind_int(st, 7, sku.id);
    else
        bc_stmt_bind_null(st, 7);
    rc = bc_stmt_step(st);
    if (rc == 1)
        a->id = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    if (rc != 1) {
        rc = rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
        goto out;
    }
    bc_stock_claim c = {.buyer_id = a->buyer_id,
                        .product_id = a->product_id,
                        .sku_id = sku.id,
                        .quantity = a->quantity,
                        .live_id = a->live_id,
                        .live_cap = offer.active ? offer.stock_cap : 0,
                        .hold_id = a->id,
                        .reason = "hold"};
    rc = bc_stock_claim_take(db, &c, &code);
    if (rc == BC_ECONFLICT)
        hold_problem(a->why, code, a->product_id);
out:
    return rc;
}

static int hold_json(bc_db *db, int64_t id, json_t **out)
{
    int rc = bc_db_row(db, out,
                       "SELECT id, product_id, sku_id, quantity, live_id, status, order_id, expires_at, created_at"
                       " FROM stock_holds WHERE id = ?",
                       "i", id);
    return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : BC_ERR;
}

int bc_hold_create(bc_db *db, int64_t buyer_id, int64_t product_id, int64_t quantity, int64_t live_id,
                   bc_hold_problem *why, json_t **out)
{
    return bc_hold_create_sku(db, buyer_id, product_id, 0, quantity, live_id, why, out);
}

int bc_hold_create_sku(bc_db *db, int64_t buyer_id, int64_t product_id, int64_t sku_id, int64_t quantity,
                       int64_t live_id, bc_hold_problem *why, json_t **out)
{
    *out = NULL;
    hold_problem(why, NULL, 0);
    if (quantity <= 0 || quantity > BC_ORDER_MAX_QTY)
        return BC_EINVAL;
    if (bc_stock_known_sold_out_sku(product_id, sku_id, NULL, 0)) {
        hold_problem(why, "OUT_OF_STOCK", product_id);
        return BC_ECONFLICT;
    }
    hold_args a = {buyer_id, product_id, quantity, live_id, sku_id, why, 0};
    uint64_t epoch = bc_stock_epoch(product_id);
    int rc = bc_db_tx(db, hold_tx, &a);
    if (rc == BC_ECONFLICT && why && why->code && strcmp(why->code, "OUT_OF_STOCK") == 0)
        bc_stock_note_if_sold_out_sku(db, product_id, sku_id, epoch);
    if (rc != BC_OK)
        return rc;
    /* the hold that took the last unit flags the product (or its SKU) at once (the next buyers are
     * refused from memory without one more transaction finding it empty) */
    bc_stock_note_if_sold_out_sku(db, product_id, sku_id, bc_stock_epoch(product_id));
    return hold_json(db, a.id, out);
}

typedef struct release_args {
    int64_t buyer_id, id, now;
    const char *reason;
    int released;
} release_args;

/* Releases one HELD hold (buyer_id 0: any buyer's, and only when expired at now). */
static int release_tx(bc_db *db, void *arg)
{
    release_args *a = arg;
    json_t *h = NULL;
    int rc;
    a->released = 0;
    rc = bc_db_row(db, &h,
                   "SELECT buyer_id, product_id, sku_id, quantity, live_id, status FROM stock_holds WHERE id = ?", "i",
                   a->id);
    if (rc <= 0) {
        rc = rc == 0 ? BC_ENOTFOUND : BC_ERR;
        goto out;
    }
    int64_t buyer = json_integer_value(json_object_get(h, "buyer_id"));
    if (a->buyer_id > 0 && buyer != a->buyer_id) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    if (a->buyer_id > 0)
        rc = bc_db_exec(db,
                        "UPDATE stock_holds SET status = 'RELEASED', released_at = ? WHERE id = ? AND status = 'HELD'",
                        "ii", a->now, a->id);
    else
        rc = bc_db_exec(db,
                        "UPDATE stock_holds SET status = 'RELEASED', released_at = ? WHERE id = ? AND status = 'HELD'"
                        " AND expires_at < ?",
                        "iii", a->now, a->id, a->now);
    if (rc <= 0) {
        rc = rc == 0 ? BC_ECONFLICT : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
        goto out;
    }
    bc_stock_claim c = {.buyer_id = buyer,
                        .product_id = json_integer_value(json_object_get(h, "product_id")),
                        .sku_id = json_integer_value(json_object_get(h, "sku_id")),
                        .quantity = json_integer_value(json_object_get(h, "quantity")),
                        .live_id = json_integer_value(json_object_get(h, "live_id")),
                        .hold_id = a->id,
                        .reason = a->reason};
    rc = bc_stock_claim_give(db, &c, a->buyer_id);
    if (rc == BC_OK)
        a->released = 1;
out:
    json_decref(h);
    return rc;
}

int bc_hold_release(bc_db *db, int64_t buyer_id, int64_t id)
{
    if (buyer_id <= 0)
        return BC_ENOTFOUND;
    release_args a = {buyer_id, id, bc_now_ms(), "hold_release", 0};
    return bc_db_tx(db, release_tx, &a);
}

/* One batch of bc_hold_expire_due: up to 200 due holds. Returns the number released or an error;
 * *seen gets the number of due holds found. */
static int expire_batch(bc_db *db, int64_t now_ms, int *seen)
{
    json_t *rows = NULL;
    int n = 0;
    *seen = 0;
    if (bc_db_rows(db, &rows,
                   "SELECT id FROM stock_holds WHERE status = 'HELD' AND expires_at < ? ORDER BY id LIMIT 200", "i",
                   now_ms) < 0)
        return BC_ERR;
    *seen = (int)json_array_size(rows);
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        release_args a = {0, json_integer_value(json_object_get(r, "id")), now_ms, "hold_expire", 0};
        int rc = bc_db_tx(db, release_tx, &a);
        if (rc == BC_OK && a.released)
            n++;
        else if (rc != BC_OK && rc != BC_ECONFLICT && rc != BC_ENOTFOUND)
            bc_log_warn("holds", "cannot expire hold %lld (%d)", (long long)a.id, rc);
    }
    json_decref(rows);
    return n;
}

int bc_hold_expire_due(bc_db *db, int64_t now_ms)
{
    int total = 0, seen = 0;
    /* a flash sale leaves thousands of holds due at about the same time: up to 5 batches a call */
    for (int b = 0; b < 5; b++) {
        int n = expire_batch(db, now_ms, &seen);
        if (n < 0)
            return total > 0 ? total : n;
        total += n;
        if (seen < 200 || n == 0)
            break;
    }
    return total;
}

int bc_hold_peek(bc_db *db, int64_t buyer_id, int64_t id, int64_t now_ms, int64_t *product_id, int64_t *quantity,
                 int64_t *live_id, int *usable)
{
    int64_t sku_id = 0;
    return bc_hold_peek_sku(db, buyer_id, id, now_ms, product_id, &sku_id, quantity, live_id, usable);
}

int bc_hold_peek_sku(bc_db *db, int64_t buyer_id, int64_t id, int64_t now_ms, int64_t *product_id, int64_t *sku_id,
                     int64_t *quantity, int64_t *live_id, int *usable)
{
    json_t *h = NULL;
    int rc = bc_db_row(db, &h,
                       "SELECT product_id, sku_id, quantity, live_id, status, expires_at FROM stock_holds"
                       " WHERE id = ? AND buyer_id = ?",
                       "ii", id, buyer_id);
    if (rc <= 0)
        return rc == 0 ? BC_ENOTFOUND : BC_ERR;
    *product_id = json_integer_value(json_object_get(h, "product_id"));
    *sku_id = json_integer_value(json_object_get(h, "sku_id"));
    *quantity = json_integer_value(json_object_get(h, "quantity"));
    *live_id = json_integer_value(json_object_get(h, "live_id"));
    const char *status = json_string_value(json_object_get(h, "status"));
    *usable = status && status[0] == 'H' && json_integer_value(json_object_get(h, "expires_at")) > now_ms;
    json_decref(h);
    return BC_OK;
}

int bc_hold_consume(bc_db *db, int64_t buyer_id, int64_t id, int64_t order_row_id, int64_t *product_id,
                    int64_t *quantity, int64_t *live_id)
{
    int usable = 0;
    int64_t now = bc_now_ms();
    int rc = bc_hold_peek(db, buyer_id, id, now, product_id, quantity, live_id, &usable);
    if (rc != BC_OK)
        return rc;
    if (!usable)
        return BC_ECONFLICT;
    rc = bc_db_exec(db,
                    "UPDATE stock_holds SET status = 'ORDERED', order_id = ? WHERE id = ? AND buyer_id = ?"
                    " AND status = 'HELD' AND expires_at > ?",
                    "iiii", order_row_id, id, buyer_id, now);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return rc == 0 ? BC_ECONFLICT : BC_OK;
}

int bc_hold_get(bc_db *db, int64_t buyer_id, int64_t id, json_t **out)
{
    *out = NULL;
    int rc = bc_db_row(db, out,
                       "SELECT id, product_id, sku_id, quantity, live_id, status, order_id, expires_at, created_at"
                       " FROM stock_holds WHERE id = ? AND buyer_id = ?",
                       "ii", id, buyer_id);
    return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : BC_ERR;
}
