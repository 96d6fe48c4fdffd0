/* commerce: cart, orders and their state machine, per-seller shipments, stock. Stock changes only
 * in stock.c, inside the caller's transaction, by conditional updates, each recorded in
 * stock_ledger. Prefixes: bc_cart_, bc_order_, bc_shipment(s)_, bc_shipping_, bc_stock_.
 *
 * Files: stock.c (the only writer of products.stock), cart.c, checkout.c (order creation),
 * orders.c (the state machine) and shipments.c (shipments, shipping settings) — the store code,
 * the only SQL of this module — and commerce_api.c (routes; no SQL). Amounts are integer KRW,
 * times UTC ms. */
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
/* State rules. can_cancel (the whole order): PENDING_PAYMENT or PAID. can_pay: PENDING_PAYMENT.
 * known: one of the thirteen statuses below. Each returns 1 or 0 (0 for NULL). */
int bc_order_can_cancel(const char *status);
int bc_order_can_pay(const char *status);
int bc_order_status_known(const char *status);
/* Fulfilment rules of one shipment: can_ship: PAID or PREPARING (-> SHIPPING); can_deliver:
 * SHIPPING (-> DELIVERED). 1 or 0 (0 for NULL). */
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
 * seller's line totals) under the seller's shipping settings (bc_shipping_get); 0 for
 * seller_subtotal <= 0, 0 from free_shipping_over on. Writes *fee (KRW). Returns BC_OK or BC_ERR. */
int bc_shipping_fee_for(bc_db *db, int64_t seller_id, int64_t seller_subtotal, int64_t *fee);
/* A seller's shipping settings (KRW): their row, or the defaults bc_cfg.shipping_fee and
 * bc_cfg.free_shipping_over (*is_default 1). BC_OK or BC_ERR. */
int bc_shipping_get(bc_db *db, int64_t seller_id, int64_t *fee, int64_t *free_over, int *is_default);
/* Sets a seller's shipping fee (0..1000000 KRW) and free-shipping threshold (0..100000000 KRW;
 * 0 = always free) with one upsert; orders placed afterwards use them. BC_OK, BC_EINVAL or BC_ERR. */
int bc_shipping_set(bc_db *db, int64_t seller_id, int64_t fee, int64_t free_over);
/* Creates one shipment per seller of order order_row_id from its order_lines, inside the open
 * transaction (checkout calls it right after inserting the lines): status PENDING_PAYMENT,
 * subtotal = the seller's line totals, shipping_fee by bc_shipping_fee_for (the same rule
 * checkout charged), plus the order's first history row (from null to PENDING_PAYMENT) and its
 * first notices (order.PENDING_PAYMENT for the buyer and each seller).
 * Returns BC_OK or BC_ERR. */
int bc_shipments_create(bc_db *db, int64_t order_row_id);
/* The shipments of an order, by id: [{id, seller_id, status, subtotal, shipping_fee,
 * refunded, carrier, tracking_number, shipped_at, delivered_at, lines:[…]}] (only_seller > 0:
 * that seller's only). Lines carry their row id (line_id) and canceled (bool). *out owned by the
 * caller. BC_OK or BC_ERR. */
int bc_shipments_json(bc_db *db, int64_t order_row_id, int64_t only_seller, json_t **out);

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
 * carrier, tracking_number, shipped_at and delivered_at (of the first shipment that has them;
 * null until shipped/delivered), refunded (KRW), shipments (bc_shipments_json) and history
 * (bc_order_history). When only_seller > 0 the order is shown as that seller's part: their lines,
 * shipment and history only; subtotal, shipping_fee, amount, refunded, order_name and the
 * tracking fields are their shipment's; payment_key null. *out owned by the caller.
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
 * buyer's orders; seller_id > 0: orders with that seller's lines, each as that seller's part
 * (bc_order_json with only_seller).
 * page >= 1, per_page 1..100. *out owned by the caller. BC_OK or BC_ERR. */
int bc_order_list(bc_db *db, int64_t buyer_id, int64_t seller_id, int64_t page, int64_t per_page, json_t **out);

/* Marks a PENDING_PAYMENT order PAID after the gateway approved it, in one transaction (bc_db_tx):
 * conditional UPDATE (status must still be PENDING_PAYMENT) + a payments row (provider "toss",
 * status "DONE", amount, method (may be NULL), approved_at ms (0 = now), raw = gateway JSON text);
 * its shipments follow; a history row and notices (system action pay).
 * Returns BC_OK, BC_ECONFLICT (the order is no longer PENDING_PAYMENT: nothing changed) or BC_ERR. */
int bc_order_mark_paid(bc_db *db, int64_t id, const char *payment_key, int64_t amount, const char *method,
                       int64_t approved_at, const char *raw);

/* Marks a PENDING_PAYMENT order PAYMENT_FAILED after the gateway declined its payment, in one
 * transaction (bc_db_tx): conditional UPDATE on the status, every line restocked (bc_stock_release,
 * reason "payment_failed"); shipments follow; history row (reason = code) and notices. code is
 * the gateway's error code (may be NULL).
 * Returns BC_OK, BC_ECONFLICT (no longer PENDING_PAYMENT: nothing changed) or BC_ERR. */
int bc_order_fail_payment(bc_db *db, int64_t id, const char *code);

/* Cancels order id locally (system action cancel, no gateway call: a caller that refunded the
 * payment itself, e.g. a webhook converging on a gateway-side cancel) when its status is still
 * prev_status (which must satisfy bc_order_can_cancel): order and open shipments CANCELED +
 * canceled_at, the payments row (if any) CANCELED, every open line restocked (reason "cancel"),
 * a history row and notices. Returns BC_OK, BC_ECONFLICT (status changed meanwhile or a refund is
 * in flight: nothing changed), BC_EINVAL or BC_ERR. */
int bc_order_cancel(bc_db *db, int64_t id, const char *prev_status);

/* Expires order id when it is PENDING_PAYMENT and expires_at < now_ms: status EXPIRED and its
 * stock released, in one transaction (bc_db_tx). Returns 1 (expired), 0 (not due / not pending) or an error. */
int bc_order_expire_one(bc_db *db, int64_t id, int64_t now_ms);

/* Expires unpaid orders whose expires_at has passed and releases their stock, one transaction
 * per order (bc_order_expire_one; at most 200 per call). Returns the number expired or an error. */
int bc_order_expire_due(bc_db *db, int64_t now_ms);

/* ---- the order state machine (orders.c) ----------------------------------------------------
 *
 * Statuses (orders.status and shipments.status): PENDING_PAYMENT PAID PREPARING SHIPPING DELIVERED
 * PURCHASE_CONFIRMED CANCEL_REQUESTED CANCELED REFUNDED EXPIRED PAYMENT_FAILED RETURN_REQUESTED
 * RETURNED. An order has one shipment per seller (shipments.c). Every change is an *action*
 * looked up in one table (orders.c `rules[]`: action, from, to, who may do it, whether it refunds)
 * and applied in one bc_db_tx as conditional UPDATEs plus one order_events row per status change
 * (from, to, actor, reason, at) and bc_notice_add calls for the buyer and each seller concerned
 * (kinds "order.<STATUS>" and "shipment.<STATUS>").
 *
 * Whole-order actions (the shipments follow): pay, fail_payment, expire (system), cancel
 * (PENDING_PAYMENT or PAID with every open shipment PAID; buyer, admin; refunds the rest of a
 * paid order). Shipment actions: prepare, ship, deliver (seller of the shipment, admin),
 * cancel_part (buyer, admin: PAID -> CANCELED with a refund; PREPARING -> CANCEL_REQUESTED, buyer),
 * approve_cancel / reject_cancel (CANCEL_REQUESTED -> CANCELED with a refund / -> PREPARING),
 * return (buyer: DELIVERED -> RETURN_REQUESTED), receive_return / reject_return (-> RETURNED /
 * -> DELIVERED), refund (RETURNED -> REFUNDED with a refund), confirm (buyer, system after
 * bc_cfg.auto_confirm_days: DELIVERED -> PURCHASE_CONFIRMED). Line action: cancel_line (buyer,
 * admin; the line's shipment PAID): the line is canceled, restocked and refunded; the last open
 * line of a shipment takes the shipment (and its fee) with it.
 *
 * How the order's status follows its shipments once paid (closed = CANCELED or REFUNDED):
 * every shipment closed -> REFUNDED when one was refunded after a return, else CANCELED; else
 * RETURN_REQUESTED, RETURNED or CANCEL_REQUESTED when an open shipment is in it (in that order);
 * else the least advanced open shipment's status in PAID < PREPARING < SHIPPING < DELIVERED <
 * PURCHASE_CONFIRMED.
 *
 * Refunds happen exactly once: under the order's row lock a claim row (order_refunds, one
 * Idempotency-Key per refund) is written and committed BEFORE the gateway call (bc_pg_cancel);
 * while it is open every other action on the order is refused (REFUND_IN_PROGRESS), so a second
 * or concurrent ask finds the part already canceled (409) or the claim. The transition and the
 * claim's DONE mark are one transaction after the gateway said yes; a refusal deletes the claim;
 * an unknown outcome keeps it, and the same action may retake it after 60 s with the same key. */

/* Who acts. */
enum bc_actor_kind { BC_ACTOR_BUYER = 1, BC_ACTOR_SELLER = 2, BC_ACTOR_ADMIN = 4, BC_ACTOR_SYSTEM = 8 };
typedef struct bc_actor {
    int64_t user_id; /* 0 for the system */
    int kind;        /* one bc_actor_kind */
} bc_actor;

/* The rule for action from status from by an actor of kind who: returns the target status
 * (static) or NULL when the table has no such transition (or who may not do it). Pure. */
const char *bc_order_rule(const char *action, const char *from, int who);

/* One action on an order. */
typedef struct bc_order_act_args {
    const char *action;  /* a rules[] action name */
    int64_t shipment_id; /* shipment actions: 0 = the seller's own (seller) / every shipment the
                          * action applies to (buyer, admin) */
    int64_t line_id;     /* cancel_line: the order_lines row id */
    const char *carrier; /* ship: already checked with bc_order_check_shipment */
    const char *tracking_number;
    const char *reason; /* free text <= 200 chars for the history and the gateway (NULL = none) */
} bc_order_act_args;

/* Why an action was refused, and what a refund did. */
typedef struct bc_order_act_result {
    const char *code;          /* static API error code on failure: ORDER_NOT_FOUND, SHIPMENT_NOT_FOUND,
                                * LINE_NOT_FOUND, ORDER_STATE_CONFLICT, REFUND_IN_PROGRESS,
                                * PAYMENT_GATEWAY_ERROR, PAYMENT_GATEWAY_UNAVAILABLE */
    char status[24];           /* with ORDER_STATE_CONFLICT: the current status of what refused */
    int64_t refunded;          /* KRW refunded at the gateway by this action (0 when none) */
    int retry_after_s;         /* with PAYMENT_GATEWAY_UNAVAILABLE */
    char gateway_code[64];     /* the gateway's error code ("" when none) */
    char gateway_message[256]; /* the gateway's message ("" when none) */
} bc_order_act_result;

/* Runs action a on order order_row_id for who (see the block comment above). Blocking when it
 * refunds (bc_pg_cancel): worker threads only. Orders, shipments and lines who may not see are
 * BC_ENOTFOUND (a buyer sees their own orders, a seller orders with a shipment of theirs and only
 * that shipment, an admin every order). Returns BC_OK; BC_ENOTFOUND, BC_ECONFLICT (the table has
 * no such transition from the current status, or a refund is in flight: nothing changed),
 * BC_EINVAL (unknown action, missing carrier), BC_EGATEWAY (the gateway refused or its outcome is
 * unknown: nothing changed here), BC_EBUSY or BC_ERR, with res->code saying which. */
int bc_order_act(bc_db *db, int64_t order_row_id, const bc_actor *who, const bc_order_act_args *a,
                 bc_order_act_result *res);

/* Confirms the purchase of shipments DELIVERED before now_ms - bc_cfg.auto_confirm_days days
 * (system action confirm; at most 200 per call; the sweeper calls it). Returns the number
 * confirmed or an error. */
int bc_order_confirm_due(bc_db *db, int64_t now_ms);

/* The order's history, oldest first: [{from, to, shipment_id, seller_id, actor_role, actor_id,
 * reason, at}] (from null for the order's creation; shipment_id/seller_id null for whole-order
 * changes); only_seller > 0 keeps whole-order rows and that seller's shipment rows. *out owned by
 * the caller. BC_OK or BC_ERR. */
int bc_order_history(bc_db *db, int64_t order_row_id, int64_t only_seller, json_t **out);

extern const bc_route bc_commerce_routes[];

#endif
