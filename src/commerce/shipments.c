/* Shipments: one per seller of an order (carrier, tracking number, its own status), and the
 * per-seller shipping fee rules. Store code of commerce (SQL allowed here). */
#include "commerce.h"

int bc_shipping_fee_for(bc_db *db, int64_t seller_id, int64_t seller_subtotal, int64_t *fee)
{
    (void)db;
    (void)seller_id;
    *fee = bc_order_shipping_fee(seller_subtotal);
    return BC_OK;
}

int bc_shipments_create(bc_db *db, int64_t order_row_id)
{
    (void)db;
    (void)order_row_id;
    return BC_OK;
}
