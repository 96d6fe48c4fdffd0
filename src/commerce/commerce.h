/* commerce: cart, orders (state machine PENDING_PAYMENT -> PAID -> SHIPPED -> DELIVERED, or
 * CANCELED / EXPIRED) and stock. Stock changes only in stock.c, inside the caller's transaction,
 * by conditional updates, each recorded in stock_ledger. Prefixes: bc_cart_, bc_order_, bc_stock_. */
#ifndef BC_COMMERCE_H
#define BC_COMMERCE_H

#include "../http/http.h"

/* Takes qty units of product_id for order (row id) inside the open transaction:
 * UPDATE products SET stock = stock - qty WHERE id = ? AND stock >= qty AND status = 'ON_SALE'.
 * Returns BC_OK, BC_ECONFLICT (not enough stock / not on sale) or BC_ERR. */
int bc_stock_reserve(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason);
/* Gives qty back (order expired/canceled) inside the open transaction. BC_OK or BC_ERR. */
int bc_stock_release(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason);

/* Expires unpaid orders whose expires_at has passed and releases their stock, one transaction
 * per order. Returns the number expired or an error. */
int bc_order_expire_due(bc_db *db, int64_t now_ms);

extern const bc_route bc_commerce_routes[];

#endif
