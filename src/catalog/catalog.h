/* catalog: categories (tree), products (price in KRW, stock, status, images), search and paging.
 * Prefix: bc_catalog_. Stock is changed only through commerce/stock (bc_stock_*). */
#ifndef BC_CATALOG_H
#define BC_CATALOG_H

#include "../http/http.h"

/* Loads one product as the public JSON shape (id, seller_id, seller_name, category_id, name,
 * description, price, stock, status, images[], created_at). *out is owned by the caller.
 * Hidden or deleted products are returned only when include_hidden is set.
 * Returns BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_catalog_product_json(bc_db *db, int64_t id, int include_hidden, json_t **out);

extern const bc_route bc_catalog_routes[];

#endif
