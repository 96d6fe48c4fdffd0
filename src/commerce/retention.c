/* commerce: what account deletion asks of orders (issue 9): whether an account still has orders
 * in progress, and the retention purge of deleted accounts' shipping addresses. Store code: the
 * SQL of these two functions only (orders, shipments). */
#include "commerce.h"

/* Shipment statuses of an order part still in progress: paid and not yet delivered, or a cancel
 * or return under way (money or goods still to move). */
#define OPEN_PARTS "('PAID','PREPARING','SHIPPING','CANCEL_REQUESTED','RETURN_REQUESTED','RETURNED')"

int bc_orders_open_count(bc_db *db, int64_t user_id, int as_seller, int64_t *n)
{
    *n = 0;
    int rc =
        as_seller
            ? bc_db_int(db, n,
                        "SELECT COUNT(DISTINCT order_id) FROM shipments WHERE seller_id = ? AND status IN " OPEN_PARTS,
                        "i", user_id)
            : bc_db_int(db, n,
                        "SELECT COUNT(DISTINCT o.id) FROM orders o JOIN shipments s ON s.order_id = o.id"
                        " WHERE o.buyer_id = ? AND s.status IN " OPEN_PARTS,
                        "i", user_id);
    return rc < 0 ? rc : BC_OK;
}

int bc_orders_retention_erase(bc_db *db, const int64_t *buyer_ids, size_t n, int64_t before_ms, int64_t *erased)
{
    *erased = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = bc_db_exec(db,
                            "UPDATE orders SET shipping_address = '{}' WHERE buyer_id = ? AND created_at < ?"
                            " AND shipping_address <> '{}'",
                            "ii", buyer_ids[i], before_ms);
        if (rc < 0)
            return rc;
        *erased += rc;
    }
    return BC_OK;
}
