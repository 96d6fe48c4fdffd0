/* Stock: the only code that changes products.stock. Every change is a conditional UPDATE inside
 * the caller's transaction plus a stock_ledger row, so the ledger sums to the current stock. */
#include "commerce.h"

#define MAX_STOCK 1000000

static int ledger(bc_db *db, int64_t product_id, int64_t delta, int64_t order_row_id, const char *reason, int64_t now)
{
    int rc;
    if (order_row_id > 0)
        rc = bc_db_exec(
            db, "INSERT INTO stock_ledger (product_id, delta, reason, order_id, created_at) VALUES (?, ?, ?, ?, ?)",
            "iitii", product_id, delta, reason ? reason : "", order_row_id, now);
    else
        rc = bc_db_exec(
            db, "INSERT INTO stock_ledger (product_id, delta, reason, order_id, created_at) VALUES (?, ?, ?, NULL, ?)",
            "iiti", product_id, delta, reason ? reason : "", now);
    return rc < 0 ? BC_ERR : BC_OK;
}

/* Finishes a conditional stock UPDATE: changed is bc_db_exec's result. An error maps to
 * BC_EBUSY/BC_ERR, no matching row to none; otherwise delta is recorded in the ledger. */
static int after_update(bc_db *db, int changed, int none, int64_t product_id, int64_t delta, int64_t order_row_id,
                        const char *reason, int64_t now)
{
    if (changed < 0)
        return changed == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (changed == 0)
        return none;
    return ledger(db, product_id, delta, order_row_id, reason, now);
}

int bc_stock_reserve(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason)
{
    int rc;
    int64_t now = bc_now_ms();
    if (qty <= 0 || qty > MAX_STOCK)
        return BC_EINVAL;
    rc = bc_db_exec(db,
                    "UPDATE products SET stock = stock - ?,"
                    " status = CASE WHEN stock - ? = 0 THEN 'SOLD_OUT' ELSE status END, updated_at = ?"
                    " WHERE id = ? AND stock >= ? AND status = 'ON_SALE' AND deleted = 0",
                    "iiiii", qty, qty, now, product_id, qty);
    return after_update(db, rc, BC_ECONFLICT, product_id, -qty, order_row_id, reason, now);
}

int bc_stock_release(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason)
{
    int rc;
    int64_t now = bc_now_ms();
    if (qty <= 0 || qty > MAX_STOCK)
        return BC_EINVAL;
    rc = bc_db_exec(db,
                    "UPDATE products SET stock = stock + ?,"
                    " status = CASE WHEN status = 'SOLD_OUT' THEN 'ON_SALE' ELSE status END, updated_at = ?"
                    " WHERE id = ?",
                    "iii", qty, now, product_id);
    return after_update(db, rc, BC_ENOTFOUND, product_id, qty, order_row_id, reason, now);
}

int bc_stock_set(bc_db *db, int64_t product_id, int64_t new_stock, const char *reason)
{
    int rc;
    int64_t cur = 0, now = bc_now_ms();
    if (new_stock < 0 || new_stock > MAX_STOCK)
        return BC_EINVAL;
    rc = bc_db_int(db, &cur, "SELECT stock FROM products WHERE id = ?", "i", product_id);
    if (rc < 0) {
        rc = BC_ERR;
        goto out;
    }
    if (rc == 0) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    if (cur == new_stock) {
        rc = BC_OK;
        goto out;
    }
    rc = bc_db_exec(db,
                    "UPDATE products SET stock = ?,"
                    " status = CASE WHEN status = 'HIDDEN' THEN 'HIDDEN' WHEN ? > 0 THEN 'ON_SALE' ELSE 'SOLD_OUT' END,"
                    " updated_at = ? WHERE id = ? AND stock = ?",
                    "iiiii", new_stock, new_stock, now, product_id, cur);
    rc = after_update(db, rc, BC_ECONFLICT, product_id, new_stock - cur, 0, reason, now);
out:
    return rc;
}
