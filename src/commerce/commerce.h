/* commerce: cart, orders (state machine PENDING_PAYMENT -> PAID -> SHIPPING -> DELIVERED, or
 * CANCELED / EXPIRED) and stock. Stock changes only in stock.c, inside the caller's transaction,
 * by conditional updates, each recorded in stock_ledger. Prefixes: bc_cart_, bc_order_, bc_stock_.
 *
 * Files: stock.c (the only writer of products.stock), cart.c, checkout.c (order creation),
 * orders.c and shipments.c (store code, the only SQL of this module), commerce_api.c (routes; no SQL). Amounts are
 * integer KRW, times UTC ms. */
#ifndef BC_COMMERCE_H
#define BC_COMMERCE_H

#include "../http/http.h"

/* ---- stock (stock.c) ------------------------------------------------------------------------ */

/* Takes qty units of product_id for order (row id) inside the open transaction:
 * UPDATE products SET stock = stock - qty WHERE id = ? AND stock >= qty AND status = 'ON_SALE'
 * (and not deleted); flips status to SOLD_OUT when the stock reaches 0; adds a stock_ledger row
 * (delta -qty, reason, order_row_id or NULL when 0). reason is a short tag ("order", …).
 * Returns BC_OK, BC_ECONFLICT (not enough stock / not on sale / unknown product: nothing
 * changed), BC_EINVAL (qty <= 0) or BC_ERR. */
int bc_stock_reserve(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason);
/* Gives qty back (order expired/canceled) inside the open transaction: stock += qty, status
 * SOLD_OUT -> ON_SALE (HIDDEN stays HIDDEN), plus a ledger row (delta +qty).
 * Returns BC_OK, BC_EINVAL (qty <= 0), BC_ENOTFOUND (no such product) or BC_ERR. */
int bc_stock_release(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason);
/* Sets the stock of product_id to new_stock (0..1000000) inside the open transaction (seller
 * edits, product creation): a conditional UPDATE on the stock value just read plus a ledger row
 * with the difference (none when unchanged). Status follows: ON_SALE -> SOLD_OUT at 0,
 * SOLD_OUT -> ON_SALE when > 0; HIDDEN is kept.
 * Returns BC_OK, BC_EINVAL, BC_ENOTFOUND, BC_ECONFLICT (changed underneath) or BC_ERR. */
int bc_stock_set(bc_db *db, int64_t product_id, int64_t new_stock, const char *reason);

/* ---- pure order rules (orders.c) ------------------------------------------------------------ */

/* Largest subtotal/amount of one order, KRW (1e9). */
#define BC_ORDER_MAX_AMOUNT 1000000000LL
/* Most units of one product in one order line (after merging duplicates). */
#define BC_ORDER_MAX_QTY 1000

/* Shipping fee for a subtotal in KRW: 0 for an empty order (subtotal <= 0), 0 when subtotal >=
 * bc_cfg.free_shipping_over, else bc_cfg.shipping_fee. */
int64_t bc_order_shipping_fee(int64_t subtotal);
/* Writes a new Toss orderId "BC" + yyyymmdd (UTC date of now_ms) + "-" + 10 random [A-Za-z0-9]
 * (21 chars) into out (>= 22 bytes). */
void bc_order_make_id(char *out, size_t len, int64_t now_ms);
/* 1 when s is a valid Toss orderId: 6..64 chars of [A-Za-z0-9_-]; else 0. */
int bc_order_id_valid(const char *s);
/* Order name for the gateway: first_name, or "first_name 외 N건" when nlines > 1 (N = nlines-1);
 * first_name is cut on a UTF-8 boundary so the result fits in out (len bytes, <= 100 chars). */
void bc_order_make_name(const char *first_name, size_t nlines, char *out, size_t len);
/* State rules. can_cancel: PENDING_PAYMENT or PAID. can_pay: PENDING_PAYMENT. known: one of the
 * six statuses. Each returns 1 or 0 (0 for NULL). */
int bc_order_can_cancel(const char *status);
int bc_order_can_pay(const char *status);
int bc_order_status_known(const char *status);
/* Fulfilment rules: can_ship: PAID (-> SHIPPING); can_deliver: SHIPPING (-> DELIVERED). 1 or 0 (0 for NULL). */
int bc_order_can_ship(const char *status);
int bc_order_can_deliver(const char *status);
/* Validates a shipment: carrier and tracking_number each 1..40 UTF-8 characters, not blank, no
 * control or bidi-override characters (bc_utf8_check, BC_TEXT_LINE; NULL is invalid). On failure returns
 * BC_EINVAL and writes a message into msg. */
int bc_order_check_shipment(const char *carrier, const char *tracking_number, char *msg, size_t msglen);
/* Validates a shipping_address object (CONTRACT.md): recipient 1..40 chars, phone 9..20 of
 * digits/'-', postcode 5 digits, address1 1..200, address2 optional 0..200, no other keys, no
 * control or bidi-override characters in any of them (bc_utf8_check, BC_TEXT_LINE).
 * On failure returns BC_EINVAL and writes a message into msg. */
int bc_order_check_address(json_t *addr, char *msg, size_t msglen);

/* ---- cart (cart.c) ---------------------------------------------------------------------------- */

/* The buyer's cart in the CONTRACT shape {lines:[{product_id, name, image_url, unit_price,
 * quantity, line_total, stock, status}], subtotal, shipping_fee, total}; deleted products are
 * left out. *out owned by the caller. BC_OK or BC_ERR. */
int bc_cart_json(bc_db *db, int64_t user_id, json_t **out);
/* Sets the quantity (1..99) of product_id in the cart, in one transaction (bc_db_tx: the check of
 * the line count and the upsert see the same cart). BC_OK, BC_EINVAL (quantity or too many lines),
 * BC_ENOTFOUND (no such product, deleted or hidden), BC_ECONFLICT (sold out or quantity > stock),
 * BC_EBUSY (lost every retry) or BC_ERR. */
int bc_cart_set(bc_db *db, int64_t user_id, int64_t product_id, int64_t quantity);
/* Removes one line (BC_OK even when absent) / every line. BC_OK or BC_ERR. */
int bc_cart_remove(bc_db *db, int64_t user_id, int64_t product_id);
int bc_cart_clear(bc_db *db, int64_t user_id);
/* Removes product_id from every cart (the catalog calls it when a product is deleted, inside its
 * transaction). BC_OK or BC_ERR/BC_EBUSY. */
int bc_cart_drop_product(bc_db *db, int64_t product_id);

/* ---- shipments and shipping fees (shipments.c) ------------------------------------------------ */

/* The shipping fee of one seller's part of an order: seller_subtotal KRW (the sum of that
 * seller's line totals) under the seller's shipping settings (default bc_cfg.shipping_fee, free
 * from bc_cfg.free_shipping_over); 0 for seller_subtotal <= 0. Writes *fee (KRW).
 * Returns BC_OK or BC_ERR. */
int bc_shipping_fee_for(bc_db *db, int64_t seller_id, int64_t seller_subtotal, int64_t *fee);
/* Creates one shipment per seller of order order_row_id from its order_lines, inside the open
 * transaction (checkout calls it right after inserting the lines). Returns BC_OK or BC_ERR. */
int bc_shipments_create(bc_db *db, int64_t order_row_id);

/* ---- orders (orders.c) ---------------------------------------------------------------------- */

/* One requested line. */
typedef struct bc_order_item {
    int64_t product_id;
    int64_t quantity;
} bc_order_item;

/* Why bc_order_create refused: code is a static API error code ("OUT_OF_STOCK",
 * "PRODUCT_NOT_FOUND", "TOTAL_TOO_LARGE", "CART_EMPTY", "LIVE_NOT_FOUND",
 * "LIVE_PRODUCT_MISMATCH", "ORDER_AMOUNT_ZERO", "INVALID_QUANTITY", "TOO_MANY_LINES");
 * product_id/product_name name the offending product when there is one. */
typedef struct bc_order_problem {
    const char *code;
    int64_t product_id;
    char product_name[160];
} bc_order_problem;

/* Creates an order for buyer_id in one write transaction (bc_db_tx: retried when it loses a
 * conflict; *why and *out_id reflect the last try): lines from items (n, 1..50,
 * duplicates merged; quantity 1..BC_ORDER_MAX_QTY) or, when items is NULL, from the buyer's
 * cart (emptied in the same transaction); unit prices from the database; every line reserved
 * with bc_stock_reserve; expires_at = now + bc_cfg.order_ttl_s. addr (borrowed) must already be
 * valid (bc_order_check_address); live_id 0 = none, else a live that carries every ordered
 * product (bc_live_carries: LIVE_NOT_FOUND / LIVE_PRODUCT_MISMATCH). An amount of 0 KRW (only
 * possible with products priced 0 before the catalog refused that) is refused with
 * ORDER_AMOUNT_ZERO: no gateway takes it, and nothing else could ever pay the order.
 * On success *out_id is the order row id.
 * Returns BC_OK; BC_EINVAL / BC_ENOTFOUND / BC_ECONFLICT with *why filled (nothing changed);
 * BC_EBUSY or BC_ERR. */
int bc_order_create(bc_db *db, int64_t buyer_id, const bc_order_item *items, size_t n, json_t *addr, int64_t live_id,
                    bc_order_problem *why, int64_t *out_id);

/* Loads the order (row id) as the CONTRACT order JSON (plus buyer_id, updated_at), including
 * carrier, tracking_number, shipped_at and delivered_at (null until shipped/delivered). When
 * only_seller > 0, lines are limited to that seller's. *out owned by the caller.
 * BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_order_json(bc_db *db, int64_t id, int64_t only_seller, json_t **out);

/* The facts callers decide on. status is a copy. */
typedef struct bc_order_head {
    int64_t id, buyer_id, amount, expires_at;
    char order_id[72];
    char status[24];
    char payment_key[208]; /* "" when none */
} bc_order_head;

/* Loads the head of an order by row id / by Toss orderId. BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_order_head_get(bc_db *db, int64_t id, bc_order_head *out);
int bc_order_head_by_order_id(bc_db *db, const char *order_id, bc_order_head *out);
/* 1 when user_id sold at least one line of order id, else 0 (also on errors). */
int bc_order_has_seller(bc_db *db, int64_t id, int64_t user_id);

/* Lists orders newest first as {items:[order], page, per_page, total}. buyer_id > 0: that
 * buyer's orders; seller_id > 0: orders with that seller's lines (only those lines shown).
 * page >= 1, per_page 1..100. *out owned by the caller. BC_OK or BC_ERR. */
int bc_order_list(bc_db *db, int64_t buyer_id, int64_t seller_id, int64_t page, int64_t per_page, json_t **out);

/* Marks a PENDING_PAYMENT order PAID after the gateway approved it, in one transaction (bc_db_tx):
 * conditional UPDATE (status must still be PENDING_PAYMENT) + a payments row (provider "toss",
 * status "DONE", amount, method (may be NULL), approved_at ms (0 = now), raw = gateway JSON text).
 * Returns BC_OK, BC_ECONFLICT (the order is no longer PENDING_PAYMENT: nothing changed) or BC_ERR. */
int bc_order_mark_paid(bc_db *db, int64_t id, const char *payment_key, int64_t amount, const char *method,
                       int64_t approved_at, const char *raw);

/* Marks a PENDING_PAYMENT order PAYMENT_FAILED after the gateway declined its payment, in one
 * transaction (bc_db_tx): conditional UPDATE on the status, every line restocked (bc_stock_release,
 * reason "payment_failed"). code is the gateway's error code (stored; may be NULL).
 * Returns BC_OK, BC_ECONFLICT (no longer PENDING_PAYMENT: nothing changed) or BC_ERR. */
int bc_order_fail_payment(bc_db *db, int64_t id, const char *code);

/* Cancels order id in one transaction (bc_db_tx) when its status is still prev_status (the status the
 * caller checked, which must satisfy bc_order_can_cancel): status CANCELED + canceled_at, the
 * payments row (if any) CANCELED, every line restocked with bc_stock_release (reason "cancel").
 * Returns BC_OK, BC_ECONFLICT (status changed meanwhile: nothing changed), BC_EINVAL or BC_ERR. */
int bc_order_cancel(bc_db *db, int64_t id, const char *prev_status);

/* Claims PAID order id for a cancel before the gateway refund (cancel_claimed_at = now), so that
 * bc_order_ship cannot ship it while the refund is in flight. A claim older than 60 s (a crashed
 * refund) can be taken again; the refund's Idempotency-Key keeps the retry from refunding twice.
 * Returns BC_OK, BC_ECONFLICT (not PAID, or another cancel holds the claim) or BC_ERR. */
int bc_order_claim_cancel(bc_db *db, int64_t id);
/* Drops the claim after a refund the gateway refused. BC_OK or BC_ERR. */
int bc_order_release_cancel_claim(bc_db *db, int64_t id);

/* Marks order id SHIPPING with a single conditional UPDATE (status must still be PAID), storing
 * carrier and tracking_number (copied; already checked with bc_order_check_shipment) and
 * shipped_at = now (UTC ms); never while a cancel holds the claim. Authorisation is the caller's. Returns BC_OK,
 * BC_ECONFLICT (not PAID (any more) or no such order: nothing changed), BC_EBUSY or BC_ERR. */
int bc_order_ship(bc_db *db, int64_t id, const char *carrier, const char *tracking_number);
/* Marks order id DELIVERED with a single conditional UPDATE (status must still be SHIPPING),
 * delivered_at = now (UTC ms). Returns BC_OK, BC_ECONFLICT (not SHIPPING: nothing changed),
 * BC_EBUSY or BC_ERR. */
int bc_order_deliver(bc_db *db, int64_t id);

/* Expires order id when it is PENDING_PAYMENT and expires_at < now_ms: status EXPIRED and its
 * stock released, in one transaction (bc_db_tx). Returns 1 (expired), 0 (not due / not pending) or an error. */
int bc_order_expire_one(bc_db *db, int64_t id, int64_t now_ms);

/* Expires unpaid orders whose expires_at has passed and releases their stock, one transaction
 * per order (bc_order_expire_one; at most 200 per call). Returns the number expired or an error. */
int bc_order_expire_due(bc_db *db, int64_t now_ms);

extern const bc_route bc_commerce_routes[];

#endif
