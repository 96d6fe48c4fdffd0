/* Stock: the only code that changes products.stock. Every change goes through one writer,
 * bc_stock_apply: a conditional UPDATE inside the caller's transaction plus a stock_ledger row
 * (who, why, delta, balance after, order, hold), so the ledger sums to the current stock.
 * Also: per-product purchase limits and the per-buyer / per-live unit counters they are checked
 * against (conditional upserts), the in-memory sold-out flags of the flash-sale fast path, and
 * the audit. Store code of commerce (SQL allowed here). */
#include "commerce.h"

#include "../catalog/catalog.h"

#include <pthread.h>
#include <string.h>

#define MAX_STOCK 1000000

/* ---- the one writer ---- */

/* Writes the ledger row of a change of m (delta, the balance after bal). */
static int ledger_row(bc_db *db, const bc_stock_move *m, int64_t delta, int64_t bal, int64_t now)
{
    bc_stmt *st = bc_db_prepare(db, "INSERT INTO stock_ledger (product_id, sku_id, delta, reason, order_id, hold_id,"
                                    " actor_id, balance_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, m->product_id);
    if (m->sku_id > 0)
        bc_stmt_bind_int(st, 2, m->sku_id);
    else
        bc_stmt_bind_null(st, 2);
    bc_stmt_bind_int(st, 3, delta);
    bc_stmt_bind_text(st, 4, m->reason);
    if (m->order_row_id > 0)
        bc_stmt_bind_int(st, 5, m->order_row_id);
    else
        bc_stmt_bind_null(st, 5);
    if (m->hold_id > 0)
        bc_stmt_bind_int(st, 6, m->hold_id);
    else
        bc_stmt_bind_null(st, 6);
    if (m->actor_id > 0)
        bc_stmt_bind_int(st, 7, m->actor_id);
    else
        bc_stmt_bind_null(st, 7);
    bc_stmt_bind_int(st, 8, bal);
    bc_stmt_bind_int(st, 9, now);
    int rc = bc_stmt_step(st);
    bc_stmt_reset(st);
    return rc < 0 ? (rc == BC_EBUSY ? BC_EBUSY : BC_ERR) : BC_OK;
}

int bc_stock_product_lock(bc_db *db, int64_t product_id, int take)
{
    int64_t one = 0;
    int rc = bc_db_int(db, &one,
                       "UPDATE products SET updated_at = ? WHERE id = ? AND (? = 0 OR (status = 'ON_SALE'"
                       " AND deleted = 0)) RETURNING id",
                       "iii", bc_now_ms(), product_id, (int64_t)(take != 0));
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (rc == 1)
        return BC_OK;
    if (!take)
        return BC_ENOTFOUND;
    rc = bc_db_int(db, &one, "SELECT 1 FROM products WHERE id = ?", "i", product_id);
    return rc < 0 ? BC_ERR : rc == 0 ? BC_ENOTFOUND : BC_ECONFLICT;
}

int bc_stock_sku_sync(bc_db *db, int64_t product_id)
{
    int64_t total = 0, one = 0;
    int rc = bc_db_int(db, &one, "SELECT 1 FROM product_options WHERE product_id = ?", "i", product_id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (rc == 0) /* no options: the product's own stock stands */
        return BC_OK;
    if (bc_db_int(db, &total,
                  "SELECT COALESCE(SUM(stock), 0) FROM product_skus WHERE product_id = ? AND active = 1"
                  " AND retired = 0",
                  "i", product_id) < 0)
        return BC_ERR;
    rc = bc_db_exec(db,
                    "UPDATE products SET stock = ?, status = CASE WHEN status = 'HIDDEN' THEN 'HIDDEN'"
                    " WHEN ? > 0 THEN 'ON_SALE' ELSE 'SOLD_OUT' END, updated_at = ? WHERE id = ?",
                    "iiii", total, total, bc_now_ms(), product_id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return rc == 0 ? BC_ENOTFOUND : BC_OK;
}

/* bc_stock_apply of one SKU's stock (m->sku_id > 0): the product row first (every writer of a
 * product's SKUs locks it first, so two changes of SKUs of one product never wait for each other in
 * a cycle), then the SKU's conditional UPDATE, its ledger row, and the product's total. */
static int apply_sku(bc_db *db, bc_stock_move *m, int64_t now)
{
    int64_t delta = m->delta, expect = -1, bal = 0;
    int take = m->set < 0 && m->delta < 0, rc;
    if (m->set < 0 && (delta == 0 || delta > MAX_STOCK || delta < -MAX_STOCK))
        return BC_EINVAL;
    if ((rc = bc_stock_product_lock(db, m->product_id, take)) != BC_OK)
        return rc;
    if (m->set >= 0) {
        rc = bc_db_int(db, &expect, "SELECT stock FROM product_skus WHERE id = ? AND product_id = ?", "ii", m->sku_id,
                       m->product_id);
        if (rc <= 0)
            return rc == 0 ? BC_ENOTFOUND : BC_ERR;
        delta = m->set - expect;
        if (delta == 0) {
            m->balance = expect;
            return BC_OK;
        }
    }
    rc = bc_db_int(db, &bal,
                   "UPDATE product_skus SET stock = stock + ?, updated_at = ? WHERE id = ? AND product_id = ?"
                   " AND stock + ? >= 0 AND stock + ? <= ? AND (? = 0 OR (active = 1 AND retired = 0))"
                   " AND (? < 0 OR stock = ?) RETURNING stock",
                   "iiiiiiiiii", delta, now, m->sku_id, m->product_id, delta, delta, (int64_t)MAX_STOCK, (int64_t)take,
                   expect, expect);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (rc == 0) {
        int64_t one = 0;
        if (take || m->set >= 0)
            return BC_ECONFLICT;
        rc = bc_db_int(db, &one, "SELECT 1 FROM product_skus WHERE id = ? AND product_id = ?", "ii", m->sku_id,
                       m->product_id);
        return rc < 0 ? BC_ERR : rc == 0 ? BC_ENOTFOUND : BC_ECONFLICT;
    }
    if ((rc = ledger_row(db, m, delta, bal, now)) != BC_OK)
        return rc;
    if ((rc = bc_stock_sku_sync(db, m->product_id)) != BC_OK)
        return rc;
    if (delta > 0)
        bc_stock_note_restock(m->product_id);
    m->balance = bal;
    return BC_OK;
}

int bc_stock_apply(bc_db *db, bc_stock_move *m)
{
    int rc;
    int64_t now = bc_now_ms(), delta = m->delta, expect = -1, bal = 0;
    m->balance = 0;
    if (m->product_id <= 0 || !m->reason)
        return BC_EINVAL;
    if (m->set > MAX_STOCK)
        return BC_EINVAL;
    if (m->sku_id > 0)
        return apply_sku(db, m, now);
    if (m->set >= 0) {
        if (m->set > MAX_STOCK)
            return BC_EINVAL;
        rc = bc_db_int(db, &expect, "SELECT stock FROM products WHERE id = ?", "i", m->product_id);
        if (rc <= 0)
            return rc == 0 ? BC_ENOTFOUND : BC_ERR;
        delta = m->set - expect;
        if (delta == 0) {
            m->balance = expect;
            return BC_OK;
        }
    } else if (delta == 0 || delta > MAX_STOCK || delta < -MAX_STOCK) {
        return BC_EINVAL;
    }
    /* status follows the stock: HIDDEN stays HIDDEN, else ON_SALE above 0 and SOLD_OUT at 0; a
     * take (delta < 0 outside a seller's set) needs the product on sale; a set needs the stock
     * it read (nobody changed it meanwhile) */
    int take = m->set < 0 && delta < 0;
    rc = bc_db_int(
        db, &bal,
        "UPDATE products SET stock = stock + ?,"
        " status = CASE WHEN status = 'HIDDEN' THEN 'HIDDEN' WHEN stock + ? > 0 THEN 'ON_SALE'"
        " ELSE 'SOLD_OUT' END, updated_at = ?"
        " WHERE id = ? AND stock + ? >= 0 AND stock + ? <= ? AND (? = 0 OR (status = 'ON_SALE' AND deleted = 0))"
        " AND (? < 0 OR stock = ?) AND NOT EXISTS (SELECT 1 FROM product_options o WHERE o.product_id = products.id)"
        " RETURNING stock",
        "iiiiiiiiii", delta, delta, now, m->product_id, delta, delta, (int64_t)MAX_STOCK, (int64_t)take, expect,
        expect);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (rc == 0 && !take && m->set < 0) { /* a give: no such product, past the most stock, or options */
        int64_t one = 0;
        rc = bc_db_int(db, &one, "SELECT 1 FROM products WHERE id = ?", "i", m->product_id);
        if (rc <= 0)
            return rc < 0 ? BC_ERR : BC_ENOTFOUND;
        /* a line or hold without SKU of a product that got options since: its stock is the SKUs'
         * now, so the units given back are not restocked (the seller sets each SKU's stock) */
        rc = bc_db_int(db, &one, "SELECT 1 FROM product_options WHERE product_id = ?", "i", m->product_id);
        if (rc < 0)
            return BC_ERR;
        if (rc == 1) {
            bc_log_info("stock", "%lld unit(s) of product %lld without SKU given back after it got options: dropped",
                        (long long)delta, (long long)m->product_id);
            return BC_OK;
        }
        return BC_ECONFLICT;
    }
    if (rc == 0)
        return BC_ECONFLICT;
    if ((rc = ledger_row(db, m, delta, bal, now)) != BC_OK)
        return rc;
    if (delta > 0)
        bc_stock_note_restock(m->product_id);
    m->balance = bal;
    return BC_OK;
}

int bc_stock_reserve(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason)
{
    if (qty <= 0 || qty > MAX_STOCK)
        return BC_EINVAL;
    bc_stock_move m = {.product_id = product_id,
                       .delta = -qty,
                       .set = -1,
                       .order_row_id = order_row_id,
                       .reason = reason ? reason : "order"};
    int rc = bc_stock_apply(db, &m);
    return rc == BC_ENOTFOUND ? BC_ECONFLICT : rc;
}

/* Takes back the buyer's unit counters of a claim (inside the open transaction): each counter is
 * lowered by at most what it holds (rows from before the counters existed have none). */
static int counters_down(bc_db *db, int64_t buyer_id, int64_t product_id, int64_t live_id, int64_t qty)
{
    if (live_id > 0 && bc_db_exec(db,
                                  "UPDATE live_product_units SET units = units - ? WHERE live_id = ? AND product_id = ?"
                                  " AND units >= ?",
                                  "iiii", qty, live_id, product_id, qty) < 0)
        return BC_ERR;
    if (bc_db_exec(db,
                   "UPDATE buyer_product_units SET units = units - ? WHERE buyer_id = ? AND product_id = ?"
                   " AND live_id = 0 AND units >= ?",
                   "iiii", qty, buyer_id, product_id, qty) < 0)
        return BC_ERR;
    if (live_id > 0 &&
        bc_db_exec(db,
                   "UPDATE buyer_product_units SET units = units - ? WHERE buyer_id = ? AND product_id = ?"
                   " AND live_id = ? AND units >= ?",
                   "iiiii", qty, buyer_id, product_id, live_id, qty) < 0)
        return BC_ERR;
    return BC_OK;
}

int bc_stock_release(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason)
{
    return bc_stock_release_sku(db, product_id, 0, qty, order_row_id, reason);
}

int bc_stock_release_sku(bc_db *db, int64_t product_id, int64_t sku_id, int64_t qty, int64_t order_row_id,
                         const char *reason)
{
    json_t *o = NULL;
    int rc;
    if (qty <= 0 || qty > MAX_STOCK)
        return BC_EINVAL;
    if (order_row_id > 0) {
        /* the order's buyer and live: their unit counters go down with the stock coming back */
        rc = bc_db_row(db, &o, "SELECT buyer_id, live_id FROM orders WHERE id = ?", "i", order_row_id);
        if (rc < 0) {
            rc = BC_ERR;
            goto out;
        }
        if (rc == 1 && (rc = counters_down(db, json_integer_value(json_object_get(o, "buyer_id")), product_id,
                                           json_integer_value(json_object_get(o, "live_id")), qty)) != BC_OK)
            goto out;
    }
    bc_stock_move m = {.product_id = product_id,
                       .sku_id = sku_id,
                       .delta = qty,
                       .set = -1,
                       .order_row_id = order_row_id,
                       .reason = reason ? reason : "release"};
    rc = bc_stock_apply(db, &m);
out:
    json_decref(o);
    return rc;
}

int bc_stock_set(bc_db *db, int64_t product_id, int64_t new_stock, const char *reason)
{
    return bc_stock_set_by(db, product_id, new_stock, 0, reason);
}

int bc_stock_set_by(bc_db *db, int64_t product_id, int64_t new_stock, int64_t actor_id, const char *reason)
{
    if (new_stock < 0 || new_stock > MAX_STOCK)
        return BC_EINVAL;
    bc_stock_move m = {
        .product_id = product_id, .set = new_stock, .actor_id = actor_id, .reason = reason ? reason : "adjust"};
    return bc_stock_apply(db, &m);
}

int bc_stock_sku_set_by(bc_db *db, int64_t product_id, int64_t sku_id, int64_t new_stock, int64_t actor_id,
                        const char *reason)
{
    if (new_stock < 0 || new_stock > MAX_STOCK || sku_id <= 0)
        return BC_EINVAL;
    bc_stock_move m = {.product_id = product_id,
                       .sku_id = sku_id,
                       .set = new_stock,
                       .actor_id = actor_id,
                       .reason = reason ? reason : "adjust"};
    return bc_stock_apply(db, &m);
}

/* ---- purchase limits and counters ---- */

int bc_stock_limits_get(bc_db *db, int64_t product_id, bc_stock_limits *out)
{
    json_t *r = NULL;
    *out = (bc_stock_limits){0};
    int rc = bc_db_row(
        db, &r, "SELECT max_per_order, max_per_buyer, max_per_buyer_live FROM product_limits WHERE product_id = ?", "i",
        product_id);
    if (rc < 0)
        return BC_ERR;
    if (rc == 1) {
        out->max_per_order = json_integer_value(json_object_get(r, "max_per_order"));
        out->max_per_buyer = json_integer_value(json_object_get(r, "max_per_buyer"));
        out->max_per_buyer_live = json_integer_value(json_object_get(r, "max_per_buyer_live"));
    }
    json_decref(r);
    return BC_OK;
}

int bc_stock_limits_set(bc_db *db, int64_t product_id, const bc_stock_limits *l)
{
    if (l->max_per_order < 0 || l->max_per_order > BC_ORDER_MAX_QTY || l->max_per_buyer < 0 ||
        l->max_per_buyer > MAX_STOCK || l->max_per_buyer_live < 0 || l->max_per_buyer_live > MAX_STOCK)
        return BC_EINVAL;
    int rc = bc_db_exec(db,
                        "INSERT INTO product_limits (product_id, max_per_order, max_per_buyer, max_per_buyer_live,"
                        " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (product_id) DO UPDATE SET"
                        " max_per_order = excluded.max_per_order, max_per_buyer = excluded.max_per_buyer,"
                        " max_per_buyer_live = excluded.max_per_buyer_live, updated_at = excluded.updated_at",
                        "iiiii", product_id, l->max_per_order, l->max_per_buyer, l->max_per_buyer_live, bc_now_ms());
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : rc == BC_ECONFLICT ? BC_ENOTFOUND : BC_ERR;
    return BC_OK;
}

/* Adds qty to the buyer's counter (product, live_id; 0 = over everything) when the result stays
 * within cap (0 = no cap): one conditional upsert. BC_OK, BC_ECONFLICT (over the cap) or BC_ERR. */
static int buyer_up(bc_db *db, int64_t buyer_id, int64_t product_id, int64_t live_id, int64_t qty, int64_t cap)
{
    if (cap > 0 && qty > cap)
        return BC_ECONFLICT;
    int rc = bc_db_exec(db,
                        "INSERT INTO buyer_product_units (buyer_id, product_id, live_id, units) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (buyer_id, product_id, live_id) DO UPDATE SET"
                        " units = buyer_product_units.units + excluded.units"
                        " WHERE ? = 0 OR buyer_product_units.units + excluded.units <= ?",
                        "iiiiii", buyer_id, product_id, live_id, qty, cap, cap);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return rc == 0 ? BC_ECONFLICT : BC_OK;
}

int bc_stock_claim_take(bc_db *db, const bc_stock_claim *c, const char **code)
{
    bc_stock_limits lim;
    int rc;
    *code = NULL;
    if (c->quantity <= 0 || c->quantity > BC_ORDER_MAX_QTY)
        return BC_EINVAL;
    if ((rc = bc_stock_limits_get(db, c->product_id, &lim)) != BC_OK)
        return rc;
    if (lim.max_per_order > 0 && c->quantity > lim.max_per_order) {
        *code = "LIMIT_PER_ORDER";
        return BC_ECONFLICT;
    }
    /* rows locked in one order by every claim and release: live counter, buyer counters, product */
    if (c->live_id > 0) {
        int64_t cap = c->live_cap > 0 ? c->live_cap : 0;
        if (cap > 0 && c->quantity > cap)
            rc = 0;
        else
            rc = bc_db_exec(db,
                            "INSERT INTO live_product_units (live_id, product_id, units) VALUES (?, ?, ?)"
                            " ON CONFLICT (live_id, product_id) DO UPDATE SET"
                            " units = live_product_units.units + excluded.units"
                            " WHERE ? = 0 OR live_product_units.units + excluded.units <= ?",
                            "iiiii", c->live_id, c->product_id, c->quantity, cap, cap);
        if (rc < 0)
            return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
        if (rc == 0) {
            *code = "LIVE_STOCK_CAP";
            return BC_ECONFLICT;
        }
    }
    rc = buyer_up(db, c->buyer_id, c->product_id, 0, c->quantity, lim.max_per_buyer);
    if (rc == BC_ECONFLICT)
        *code = "LIMIT_PER_BUYER";
    if (rc != BC_OK)
        return rc;
    if (c->live_id > 0) {
        rc = buyer_up(db, c->buyer_id, c->product_id, c->live_id, c->quantity, lim.max_per_buyer_live);
        if (rc == BC_ECONFLICT)
            *code = "LIMIT_PER_BUYER_LIVE";
        if (rc != BC_OK)
            return rc;
    }
    bc_stock_move m = {.product_id = c->product_id,
                       .sku_id = c->sku_id,
                       .delta = -c->quantity,
                       .set = -1,
                       .actor_id = c->buyer_id,
                       .order_row_id = c->order_row_id,
                       .hold_id = c->hold_id,
                       .reason = c->reason ? c->reason : "order"};
    rc = bc_stock_apply(db, &m);
    if (rc == BC_ECONFLICT || rc == BC_ENOTFOUND) {
        *code = "OUT_OF_STOCK";
        rc = BC_ECONFLICT;
    }
    return rc;
}

int bc_stock_claim_give(bc_db *db, const bc_stock_claim *c, int64_t actor_id)
{
    int rc;
    if (c->quantity <= 0 || c->quantity > MAX_STOCK)
        return BC_EINVAL;
    if ((rc = counters_down(db, c->buyer_id, c->product_id, c->live_id, c->quantity)) != BC_OK)
        return rc;
    bc_stock_move m = {.product_id = c->product_id,
                       .sku_id = c->sku_id,
                       .delta = c->quantity,
                       .set = -1,
                       .actor_id = actor_id,
                       .order_row_id = c->order_row_id,
                       .hold_id = c->hold_id,
                       .reason = c->reason ? c->reason : "release"};
    return bc_stock_apply(db, &m);
}

int bc_stock_unpaid_count(bc_db *db, int64_t buyer_id, int64_t now_ms, int64_t *count)
{
    int rc =
        bc_db_int(db, count,
                  "SELECT (SELECT COUNT(*) FROM orders WHERE buyer_id = ? AND status = 'PENDING_PAYMENT')"
                  " + (SELECT COUNT(*) FROM stock_holds WHERE buyer_id = ? AND status = 'HELD' AND expires_at > ?)",
                  "iii", buyer_id, buyer_id, now_ms);
    return rc < 0 ? (rc == BC_EBUSY ? BC_EBUSY : BC_ERR) : BC_OK;
}

int bc_stock_unpaid_check(bc_db *db, int64_t buyer_id, int64_t now_ms)
{
    int64_t n = 0;
    if (bc_cfg.max_unpaid_orders <= 0) /* not configured (a library user): no cap */
        return BC_OK;
    int rc = bc_db_lock(db, BC_DB_LOCK_BUYER, buyer_id);
    if (rc != BC_OK)
        return rc;
    if ((rc = bc_stock_unpaid_count(db, buyer_id, now_ms, &n)) != BC_OK)
        return rc;
    return n >= bc_cfg.max_unpaid_orders ? BC_ECONFLICT : BC_OK;
}

/* ---- the sold-out flags of the fast path ---- */

#define FLAG_SLOTS 4096
#define FLAG_TTL_MS 1000

typedef struct flag_slot {
    int64_t product_id;           /* 0 = empty */
    int64_t sku_id;               /* 0: the whole product; else only that SKU of it */
    int64_t set_at;               /* ms, when the flag was set */
    uint64_t epoch;               /* the slot's epoch when the refused transaction started */
    char name[BC_STOCK_NAME_MAX]; /* the product's name, for the refusal's message */
} flag_slot;

static pthread_mutex_t flags_mu = PTHREAD_MUTEX_INITIALIZER;
static flag_slot flags[FLAG_SLOTS];
static uint64_t epochs[FLAG_SLOTS]; /* bumped by every stock increase of a product of the slot */

static size_t slot_of(int64_t product_id) { return (size_t)((uint64_t)product_id % FLAG_SLOTS); }

/* The change feed (store.h): any committed change of a product row, by this process or another
 * instance (PostgreSQL NOTIFY; SQLite, a foreign write seen by bc_db_sync as "everything"), clears
 * that product's flag and bumps its epoch, so a restock elsewhere is honoured at once instead of
 * after FLAG_TTL_MS. Over-clearing (e.g. the sale's own stock decrements) only costs the next
 * refusal a transaction. Called on a committing or the listener thread: quick, no bc_db. */
static void on_product_change(int64_t product_id, int kind)
{
    (void)kind;
    if (product_id > 0) {
        bc_stock_note_restock(product_id);
        return;
    }
    pthread_mutex_lock(&flags_mu);
    for (size_t s = 0; s < FLAG_SLOTS; s++) {
        epochs[s]++;
        flags[s].product_id = 0;
    }
    pthread_mutex_unlock(&flags_mu);
}

static pthread_once_t feed_once = PTHREAD_ONCE_INIT;
static int feed_ok; /* subscribed: without it no flag is trusted (another instance's restock would be missed) */

static void feed_init(void)
{
    feed_ok = bc_db_on_change_add(on_product_change) == BC_OK;
    if (!feed_ok)
        bc_log_warn("stock", "no change-feed slot for the sold-out flags: the fast path is off");
}

uint64_t bc_stock_epoch(int64_t product_id)
{
    pthread_once(&feed_once, feed_init);
    pthread_mutex_lock(&flags_mu);
    uint64_t e = epochs[slot_of(product_id)];
    pthread_mutex_unlock(&flags_mu);
    return e;
}

void bc_stock_note_sold_out(int64_t product_id, uint64_t epoch, const char *name)
{
    bc_stock_note_sold_out_sku(product_id, 0, epoch, name);
}

void bc_stock_note_sold_out_sku(int64_t product_id, int64_t sku_id, uint64_t epoch, const char *name)
{
    size_t s = slot_of(product_id);
    pthread_once(&feed_once, feed_init);
    pthread_mutex_lock(&flags_mu);
    flags[s].product_id = product_id;
    flags[s].sku_id = sku_id > 0 ? sku_id : 0;
    flags[s].set_at = bc_now_ms();
    flags[s].epoch = epoch;
    snprintf(flags[s].name, sizeof flags[s].name, "%s", name ? name : "");
    pthread_mutex_unlock(&flags_mu);
}

void bc_stock_note_if_sold_out(bc_db *db, int64_t product_id, uint64_t epoch)
{
    bc_stock_note_if_sold_out_sku(db, product_id, 0, epoch);
}

void bc_stock_note_if_sold_out_sku(bc_db *db, int64_t product_id, int64_t sku_id, uint64_t epoch)
{
    bc_catalog_sale prod;
    json_t *k = NULL;
    if (bc_catalog_product_sale(db, product_id, &prod) != BC_OK)
        return;
    if (prod.stock == 0 || strcmp(prod.status, "ON_SALE") != 0 || !prod.visible) {
        bc_stock_note_sold_out(product_id, epoch, prod.name);
        return;
    }
    if (sku_id > 0 &&
        bc_db_row(db, &k, "SELECT stock, active, retired FROM product_skus WHERE id = ? AND product_id = ?", "ii",
                  sku_id, product_id) == 1 &&
        (json_integer_value(json_object_get(k, "stock")) == 0 ||
         json_integer_value(json_object_get(k, "active")) == 0 || json_integer_value(json_object_get(k, "retired"))))
        bc_stock_note_sold_out_sku(product_id, sku_id, epoch, prod.name);
    json_decref(k);
}

void bc_stock_note_restock(int64_t product_id)
{
    size_t s = slot_of(product_id);
    pthread_mutex_lock(&flags_mu);
    epochs[s]++;
    if (flags[s].product_id == product_id)
        flags[s].product_id = 0;
    pthread_mutex_unlock(&flags_mu);
}

int bc_stock_known_sold_out(int64_t product_id, char *name, size_t len)
{
    return bc_stock_known_sold_out_sku(product_id, 0, name, len);
}

int bc_stock_known_sold_out_sku(int64_t product_id, int64_t sku_id, char *name, size_t len)
{
    size_t s = slot_of(product_id);
    pthread_once(&feed_once, feed_init);
    /* catch up with the change feed first: SQLite, another process's commit (a data_version
     * check, microseconds); PostgreSQL, nothing unless the listener is down (BC_EBUSY), when no
     * flag is trusted. BC_ERR (no database file, e.g. in memory, or the check failed) leaves the
     * flag to its 1 s lifetime. */
    if (!feed_ok || bc_db_sync_here() == BC_EBUSY)
        return 0;
    int64_t now = bc_now_ms();
    pthread_mutex_lock(&flags_mu);
    int r = flags[s].product_id == product_id && product_id > 0 &&
            (flags[s].sku_id == 0 || flags[s].sku_id == sku_id) && flags[s].epoch == epochs[s] &&
            now - flags[s].set_at < FLAG_TTL_MS && now >= flags[s].set_at;
    if (r && name && len > 0)
        snprintf(name, len, "%s", flags[s].name);
    pthread_mutex_unlock(&flags_mu);
    return r;
}

/* ---- ledger and audit ---- */

int bc_stock_ledger_page(bc_db *db, int64_t product_id, int64_t page, int64_t per_page, json_t **out)
{
    json_t *items = NULL;
    int64_t total = 0;
    int rc;
    *out = NULL;
    if (bc_db_int(db, &total, "SELECT COUNT(*) FROM stock_ledger WHERE product_id = ?", "i", product_id) < 0) {
        rc = BC_ERR;
        goto out;
    }
    if (bc_db_rows(
            db, &items,
            "SELECT id, sku_id, delta, reason, actor_id, order_id, hold_id, balance_after, created_at FROM stock_ledger"
            " WHERE product_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            "iii", product_id, per_page, (page - 1) * per_page) < 0) {
        rc = BC_ERR;
        goto out;
    }
    *out = json_pack("{s:I,s:o,s:I,s:I,s:I}", "product_id", (json_int_t)product_id, "items", items, "page",
                     (json_int_t)page, "per_page", (json_int_t)per_page, "total", (json_int_t)total);
    items = NULL;
    rc = *out ? BC_OK : BC_ENOMEM;
out:
    json_decref(items);
    return rc;
}

int bc_stock_audit(bc_db *db, FILE *report)
{
    json_t *rows = NULL;
    int bad = 0;
    int n = bc_db_rows(db, &rows,
                       "SELECT p.id, p.stock,"
                       " COALESCE((SELECT SUM(l.delta) FROM stock_ledger l WHERE l.product_id = p.id"
                       "  AND l.sku_id IS NULL), 0) AS ledger_sum,"
                       " (SELECT l.balance_after FROM stock_ledger l WHERE l.product_id = p.id AND l.sku_id IS NULL"
                       "  ORDER BY l.id DESC LIMIT 1) AS last_balance,"
                       " (SELECT COUNT(*) FROM product_options o WHERE o.product_id = p.id) AS has_options,"
                       " COALESCE((SELECT SUM(k.stock) FROM product_skus k WHERE k.product_id = p.id AND k.active = 1"
                       "  AND k.retired = 0), 0) AS sku_total,"
                       " COALESCE((SELECT SUM(h.quantity) FROM stock_holds h WHERE h.product_id = p.id"
                       "  AND h.status = 'HELD'), 0) AS held"
                       " FROM products p ORDER BY p.id",
                       "");
    if (n < 0) {
        bad = BC_ERR;
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        int64_t id = json_integer_value(json_object_get(r, "id")),
                stock = json_integer_value(json_object_get(r, "stock"));
        int64_t sum = json_integer_value(json_object_get(r, "ledger_sum"));
        json_t *last = json_object_get(r, "last_balance");
        int ok = stock == sum && (json_is_null(last) || json_integer_value(last) == stock);
        if (json_integer_value(json_object_get(r, "has_options")) > 0) {
            /* options: the product's stock is its active SKUs' (each SKU checked below); its own
             * ledger rows are from before it had options */
            int64_t skus = json_integer_value(json_object_get(r, "sku_total"));
            if (stock != skus) {
                bad++;
                fprintf(report, "product %lld: stock %lld, its SKUs' %lld\n", (long long)id, (long long)stock,
                        (long long)skus);
            }
            continue;
        }
        if (!ok) {
            bad++;
            fprintf(report, "product %lld: stock %lld, ledger sum %lld, last balance %s%lld\n", (long long)id,
                    (long long)stock, (long long)sum, json_is_null(last) ? "none " : "",
                    (long long)json_integer_value(last));
        }
    }
    /* every SKU: its stock = the sum of its ledger rows = the balance after its last one */
    json_decref(rows);
    rows = NULL;
    int nk = bc_db_rows(db, &rows,
                        "SELECT k.id, k.product_id, k.stock,"
                        " COALESCE((SELECT SUM(l.delta) FROM stock_ledger l WHERE l.sku_id = k.id), 0) AS ledger_sum,"
                        " (SELECT l.balance_after FROM stock_ledger l WHERE l.sku_id = k.id ORDER BY l.id DESC"
                        "  LIMIT 1) AS last_balance FROM product_skus k ORDER BY k.id",
                        "");
    if (nk < 0) {
        bad = BC_ERR;
        goto out;
    }
    json_array_foreach (rows, i, r) {
        int64_t stock = json_integer_value(json_object_get(r, "stock")),
                sum = json_integer_value(json_object_get(r, "ledger_sum"));
        json_t *last = json_object_get(r, "last_balance");
        if (stock != sum || (!json_is_null(last) && json_integer_value(last) != stock)) {
            bad++;
            fprintf(report, "product %lld sku %lld: stock %lld, ledger sum %lld\n",
                    (long long)json_integer_value(json_object_get(r, "product_id")),
                    (long long)json_integer_value(json_object_get(r, "id")), (long long)stock, (long long)sum);
        }
    }
    fprintf(report, "%d product(s) and %d SKU(s) checked, %d unbalanced\n", n, nk, bad);
out:
    json_decref(rows);
    return bad;
}
