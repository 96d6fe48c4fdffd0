/* catalog: categories (tree), products (price in KRW, stock, status, images), search and paging.
 * Prefix: bc_catalog_. Stock is changed only through commerce/stock (bc_stock_*).
 * Files: catalog.c (store code, the only SQL of this module), catalog_api.c (routes). */
#ifndef BC_CATALOG_H
#define BC_CATALOG_H

#include "../http/http.h"

/* Loads one product as the public JSON shape (id, seller_id, seller_name, category_id,
 * category_name, name, description, price, stock, status, image_url, wish_count, images[],
 * options[], skus[] (commerce's bc_sku_attach: product options as SKUs; stock is then the sum of
 * the active SKUs'), created_at, updated_at). *out is owned by the caller.
 * Hidden or deleted products are returned only when include_hidden is set.
 * Returns BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_catalog_product_json(bc_db *db, int64_t id, int include_hidden, json_t **out);

/* Owner facts of a product: *seller_id, *deleted (0/1) and *visible (1 when ON_SALE/SOLD_OUT
 * and not deleted). Any out pointer may be NULL. BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_catalog_product_owner(bc_db *db, int64_t id, int64_t *seller_id, int *deleted, int *visible);

/* What an order or a cart needs of one product (commerce reads products only through this and
 * bc_catalog_products_load). name is copied into the struct, truncated to BC_CATALOG_NAME_MAX - 1
 * bytes at a UTF-8 boundary (names are at most 100 characters, so never in practice). price in
 * KRW; stock as now (changed only by commerce/stock); status "ON_SALE" | "SOLD_OUT" | "HIDDEN";
 * visible = not deleted and not HIDDEN. */
#define BC_CATALOG_NAME_MAX 512
typedef struct bc_catalog_sale {
    int64_t id;
    char name[BC_CATALOG_NAME_MAX];
    char image_url[BC_CATALOG_NAME_MAX]; /* "" when none (image URLs are at most 500 bytes) */
    char status[16];
    int64_t price, stock, seller_id;
    int deleted, visible;
} bc_catalog_sale;
/* Fills *out for product id, read on db (inside the caller's transaction when one is open).
 * BC_OK, BC_ENOTFOUND (no such row; deleted ones are found, with deleted set), BC_EBUSY (lost a
 * conflict: the caller's bc_db_tx unit retries) or BC_ERR. */
int bc_catalog_product_sale(bc_db *db, int64_t id, bc_catalog_sale *out);
/* The same for ids[0..n) (n <= 50, a cart's lines) in one statement: out[i] for ids[i], with
 * out[i].id 0 when there is no such product. BC_OK, BC_EINVAL (n > 50), BC_EBUSY or BC_ERR. */
int bc_catalog_product_sales(bc_db *db, const int64_t *ids, int n, bc_catalog_sale *out);

/* The category tree [{id, name, slug, children:[…]}] ordered by position then id; *out owned
 * by the caller. BC_OK or BC_ERR. */
int bc_catalog_categories(bc_db *db, json_t **out);
/* Creates a category (parent_id 0 = top level). name 1..60 chars, slug 1..60 of [a-z0-9-].
 * Returns BC_OK (*id set), BC_EINVAL (bad slug / unknown parent), BC_ECONFLICT (slug taken)
 * or BC_ERR. */
int bc_catalog_category_create(bc_db *db, const char *name, const char *slug, int64_t parent_id, int64_t position,
                               int64_t *id);

/* Sort orders of the product list. */
enum bc_catalog_sort { BC_SORT_NEWEST = 0, BC_SORT_NAME = 1, BC_SORT_PRICE_ASC = 2, BC_SORT_PRICE_DESC = 3 };
/* Maps "newest"|"name"|"price_asc"|"price_desc" to enum bc_catalog_sort; -1 when unknown. */
int bc_catalog_sort_from_name(const char *name);

/* A product list query. category_id 0 = any (else that category and its descendants); q NULL
 * or "" = any, else a case-insensitive (ASCII) literal substring of the name or the description
 * (name matches listed first, then the sort); seller_id 0 = any seller;
 * include_hidden 0 lists only ON_SALE/SOLD_OUT (deleted products are never listed);
 * min_price / max_price bound the price in KRW (0 = no bound); hide_sold_out 1 leaves out what is
 * not ON_SALE (SOLD_OUT follows the stock, so a stock change moves a product in or out);
 * page >= 1, per_page >= 1. */
typedef struct bc_product_query {
    int64_t category_id;
    const char *q;
    int sort;
    int64_t page, per_page;
    int64_t seller_id;
    int include_hidden;
    int64_t min_price, max_price;
    int hide_sold_out;
} bc_product_query;

/* Runs q and builds {items:[product], page, per_page, total}; *out owned by the caller.
 * BC_OK or BC_ERR. */
int bc_catalog_list(bc_db *db, const bc_product_query *q, json_t **out);

/* 1 when url is acceptable as a product image: a path on this server under "/media/" (uploads
 * from POST /api/v1/media/images, the demo images /media/products/{id}.svg), 8..500 bytes of
 * [A-Za-z0-9/._-], no "..", no "//", not ending in '/'. External URLs (http:, https:, //host)
 * are refused: they would cause mixed content and let a seller track buyers. */
int bc_catalog_image_url_ok(const char *url);
/* Lowest product price, KRW. A price of 0 would make orders of 0 KRW, which no payment gateway
 * accepts (Toss refuses amount 0), so nothing could ever pay them; a free gift goes with a paid
 * product instead. */
#define BC_CATALOG_MIN_PRICE 1

/* Checks a product body beyond its route schema (both POST and PATCH): name not blank, price
 * (when present) >= BC_CATALOG_MIN_PRICE, status one of ON_SALE|SOLD_OUT|HIDDEN, images an
 * array (<= 10) of acceptable URLs, no null except for description, category_id and images.
 * On failure writes the API error code into *code (static: "PRICE_TOO_LOW" for the price, else
 * "VALIDATION_FAILED") and a message into msg. BC_OK or BC_EINVAL. */
int bc_catalog_check_product(json_t *body, const char **code, char *msg, size_t msglen);

/* Creates a product of seller_id from a checked body {name, description?, price, stock,
 * category_id?, status?, images?} in one bc_db_tx unit (run again on a lost conflict); the
 * initial stock goes through bc_stock_set (ledger reason "create"). Status: HIDDEN when asked,
 * else ON_SALE with stock and SOLD_OUT without. Returns BC_OK (*id set), BC_EINVAL (unknown
 * category), BC_EBUSY (every try lost a conflict) or BC_ERR. */
int bc_catalog_product_create(bc_db *db, int64_t seller_id, json_t *body, int64_t *id);
/* Applies any subset of those fields to product id (not deleted) in one bc_db_tx unit, on behalf
 * of user actor_id (the seller or an admin; recorded in the stock ledger); stock through
 * bc_stock_set_by (reason "adjust"); status "HIDDEN" hides, "ON_SALE"/"SOLD_OUT" shows it
 * again (ON_SALE with stock, SOLD_OUT without); images replace the list; category_id null
 * clears it. Returns BC_OK, BC_ENOTFOUND, BC_EINVAL (unknown category), BC_EBUSY or BC_ERR. */
int bc_catalog_product_update(bc_db *db, int64_t id, int64_t actor_id, json_t *body);
/* Soft-deletes product id (deleted = 1) and removes it from every cart, in one bc_db_tx unit.
 * BC_OK, BC_ENOTFOUND (missing or already deleted), BC_EBUSY or BC_ERR. */
int bc_catalog_product_delete(bc_db *db, int64_t id);

/* Loads the product named by the route's {id} for the caller to manage: its seller, or an admin.
 * with_deleted 1 also accepts a deleted product (reading its history), 0 does not. On success
 * writes *id and returns BC_OK; otherwise sends 404 PRODUCT_NOT_FOUND, 403 NOT_YOUR_PRODUCT or the
 * store error and returns BC_ENOTFOUND / BC_EFORBIDDEN / the error. */
int bc_catalog_authorize(bc_req *req, int with_deleted, int64_t *id);

/* Parses ?page= and ?per_page= of req: page 1..100000 (default 1), per_page 1..max_per_page
 * (default def_per_page). On a bad value sends 422 VALIDATION_FAILED and returns BC_EINVAL. */
int bc_catalog_paging(bc_req *req, int64_t def_per_page, int64_t max_per_page, int64_t *page, int64_t *per_page);

/* Lists without search text, page ids first (the cache fills the rows): the ids of page q->page
 * of q (q->q ignored; per_page 1..100) in list order into ids (room for per_page), *n set. Each
 * sort is answered by its own index (migration 9). BC_OK, BC_EINVAL (per_page) or BC_ERR. */
int bc_catalog_page_ids(bc_db *db, const bc_product_query *q, int64_t *ids, int *n);
/* The number of products q (q->q ignored) lists, in *total. BC_OK or BC_ERR. */
int bc_catalog_count(bc_db *db, const bc_product_query *q, int64_t *total);
/* Products ids[0..n) (n <= 100, hidden and deleted included) in one statement plus one for their
 * images: out[i] is the bc_catalog_product_json object of ids[i] with one more key, "deleted"
 * (0/1), or NULL when there is no such product; each out[i] is owned by the caller.
 * BC_OK or BC_ERR (then every out[i] is NULL). */
int bc_catalog_products_load(bc_db *db, const int64_t *ids, int n, json_t **out);

/* ---- cache (catalog_cache.c) ----
 * Each product's rendered JSON (by id) and each list page's skeleton, i.e. its product ids and
 * total (by query, search pages included; totals per filter too), are kept in memory, shared by
 * the workers and the event loops, bounded (16384 products direct-mapped by id, 2048 skeletons in
 * 4-way sets by key hash; a full set replaces one way). A page is joined from the renderings per
 * request. Exact invalidation, driven by the store's change notification (store.h): a committed
 * change to a product (catalog's writers, commerce's stock changes, anyone's SQL) drops that
 * product's rendering; a BC_DB_CHANGE_LISTING one (hide/show, category, name, description,
 * price, create, delete) also drops every skeleton, and any product change at all drops the
 * skeletons of hide_sold_out lists (a stock change moves a product between ON_SALE and SOLD_OUT,
 * i.e. into or out of such a list); a category or user change, a write by
 * another process (SQLite) or a lost listener (PostgreSQL) drops everything. Each call first
 * catches up (bc_db_sync) and bypasses the cache when that fails. What is read from the database
 * is kept only if no change was published since before the read began. */

/* Product id as the JSON of bc_catalog_product_json with include_hidden set, in *json (malloc'd,
 * caller frees, *len bytes), with its *seller_id and *visible (ON_SALE/SOLD_OUT and not deleted)
 * for the caller's access check. BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_catalog_product_body(bc_db *db, int64_t id, char **json, size_t *len, int64_t *seller_id, int *visible);
/* The JSON of bc_catalog_list for q in *json (malloc'd, caller frees, *len bytes). BC_OK or BC_ERR. */
int bc_catalog_list_body(bc_db *db, const bc_product_query *q, char **json, size_t *len);
/* The same from memory only, for an event loop (no bc_db; catches up with bc_db_sync_here): 1 and
 * *json (malloc'd, caller frees) when cached, else 0 (nothing set: ask a worker). */
int bc_catalog_product_cached(int64_t id, char **json, size_t *len, int64_t *seller_id, int *visible);
int bc_catalog_list_cached(const bc_product_query *q, char **json, size_t *len);

/* ---- wishlist, 찜 (wishlist_store.c: its SQL; wishlist.c: its routes) ----
 * A user wishes a product at most once (product_wishes); the product's count is kept in
 * products.wish_count by the same transaction (never counted per listing), so it is part of the
 * product JSON (wish_count) and of the catalog's cached renderings, which the change feed drops
 * at each change. */
#define BC_WISHLIST_IDS_MAX 1000
/* Wishes (on = 1) or unwishes (on = 0) product_id for user_id, idempotently, in one transaction:
 * the row and products.wish_count change together (a repeated wish changes nothing). A wish needs
 * a visible product (not deleted, not HIDDEN); an unwish works on any. *count gets the product's
 * wish count after. BC_OK, BC_ENOTFOUND (no such product, or not visible for a wish) or a store
 * error. */
int bc_catalog_wish(bc_db *db, int64_t user_id, int64_t product_id, int on, int64_t *count);
/* Takes back every wish of user_id (account deletion), each through bc_catalog_wish so the counts
 * follow; *dropped = how many. BC_OK or a store error. */
int bc_catalog_wishes_drop_user(bc_db *db, int64_t user_id, int64_t *dropped);
/* *out = 1 when user_id wished product_id. BC_OK or a store error. */
int bc_catalog_wished(bc_db *db, int64_t user_id, int64_t product_id, int *out);
/* One page of user_id's wishlist, newest wish first, visible products only: *out (caller owns)
 * {items: [product JSON + wished: true, wished_at (UTC ms)], page, per_page, total}; page >= 1,
 * per_page 1..100. BC_OK, BC_EINVAL or a store error. */
int bc_catalog_wishlist(bc_db *db, int64_t user_id, int64_t page, int64_t per_page, json_t **out);
/* The ids of user_id's wished products (newest first, at most BC_WISHLIST_IDS_MAX) in *out (caller
 * owns) {ids: [...]}: the web client marks product cards with it. BC_OK or a store error. */
int bc_catalog_wished_ids(bc_db *db, int64_t user_id, json_t **out);
extern const bc_route bc_wishlist_routes[];

extern const bc_route bc_catalog_routes[];

#endif
