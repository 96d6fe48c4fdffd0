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

#include "../coupons/coupons.h"
#include "../http/http.h"

#include <stdio.h>

/* ---- stock (stock.c) ------------------------------------------------------------------------ */

/* One stock change for bc_stock_apply. */
typedef struct bc_stock_move {
    int64_t product_id;
    int64_t sku_id;       /* > 0: that SKU of the product (product_skus.stock); 0: the product's own stock */
    int64_t delta;        /* units given back (> 0) or taken (< 0); ignored when set >= 0 */
    int64_t set;          /* >= 0: the new stock (seller edit, product creation); -1: apply delta */
    int64_t actor_id;     /* who: a user id, 0 = the system (stored NULL) */
    int64_t order_row_id; /* the order (row id) the change is for, 0 = none */
    int64_t hold_id;      /* the hold the change is for, 0 = none */
    const char *reason;   /* why: a short tag ("order", "hold", "hold_release", "cancel", "expire", "adjust", …) */
    int64_t balance;      /* out: the stock after the change */
} bc_stock_move;

/* THE stock writer: every change of products.stock and product_skus.stock goes through it, inside the caller's
 * transaction: one conditional UPDATE ... RETURNING stock (stock + delta within 0..1000000; a take
 * (delta < 0 with set -1) needs the product ON_SALE and not deleted; a set needs the stock it
 * just read, unchanged) and one stock_ledger row (product, delta, reason, order, hold, actor,
 * balance_after, created_at UTC ms). Status follows: HIDDEN stays HIDDEN, else ON_SALE above 0 and
 * SOLD_OUT at 0. A set to the current value writes nothing. An increase clears this process's
 * sold-out flag of the product (bc_stock_note_restock).
 * Returns BC_OK (m->balance set), BC_EINVAL (no reason, delta 0 or out of range), BC_ECONFLICT (a
 * take without the stock / not on sale, a give past 1000000 units, or a set that lost a race:
 * nothing changed), BC_ENOTFOUND
 * (no such product), BC_EBUSY or BC_ERR.
 * A product with options (product_options) has no stock of its own: a move without sku_id is
 * refused (BC_ECONFLICT), except a give back (a line or hold from before the options), which is
 * dropped (BC_OK, nothing written). With sku_id > 0: bc_stock_product_lock first (a take needs
 * the product ON_SALE and not deleted), then one conditional UPDATE of the SKU (a take also needs
 * it active and not retired), its ledger row (sku_id set, balance_after the SKU's) and
 * bc_stock_sku_sync; BC_ENOTFOUND when the SKU is not the product's. */
int bc_stock_apply(bc_db *db, bc_stock_move *m);
/* Locks product_id's row inside the open transaction (an UPDATE of its updated_at, which also
 * drops its cached rendering at commit): every writer of a product's SKUs calls it before touching
 * them. take 1 also needs the product ON_SALE and not deleted. BC_OK, BC_ECONFLICT (take: not on
 * sale), BC_ENOTFOUND, BC_EBUSY or BC_ERR. */
int bc_stock_product_lock(bc_db *db, int64_t product_id, int take);
/* Inside the open transaction, for a product with options: products.stock = the sum of its active,
 * not retired SKUs' stock, status following (HIDDEN stays, else ON_SALE above 0, SOLD_OUT at 0).
 * Nothing for a product without options. BC_OK, BC_ENOTFOUND, BC_EBUSY or BC_ERR. */
int bc_stock_sku_sync(bc_db *db, int64_t product_id);
/* Sets SKU sku_id of product_id to new_stock (0..1000000) for actor_id (0 = the system), as
 * bc_stock_set_by does for a product: a ledger row with the difference (none when unchanged).
 * BC_OK, BC_EINVAL, BC_ENOTFOUND (not a SKU of the product), BC_ECONFLICT, BC_EBUSY or BC_ERR. */
int bc_stock_sku_set_by(bc_db *db, int64_t product_id, int64_t sku_id, int64_t new_stock, int64_t actor_id,
                        const char *reason);

/* Takes qty units of product_id for order (row id) inside the open transaction: bc_stock_apply with
 * delta -qty, actor NULL (the system). reason is a short tag ("order", …).
 * Returns BC_OK, BC_ECONFLICT (not enough stock / not on sale / unknown product: nothing
 * changed), BC_EINVAL (qty <= 0) or BC_ERR. */
int bc_stock_reserve(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason);
/* Gives qty back (order expired/canceled/payment failed) inside the open transaction: stock += qty
 * through bc_stock_apply (status SOLD_OUT -> ON_SALE, HIDDEN stays HIDDEN), and, when
 * order_row_id > 0, the order's buyer's unit counters (and its live's) go down by qty, so the
 * purchase limits count only units still reserved or sold. A hold-born order is released the
 * same way: its hold is ORDERED and never released again.
 * Returns BC_OK, BC_EINVAL (qty <= 0), BC_ENOTFOUND (no such product) or BC_ERR. */
int bc_stock_release(bc_db *db, int64_t product_id, int64_t qty, int64_t order_row_id, const char *reason);
/* bc_stock_release of SKU sku_id of the product (0 = the product's own stock). */
int bc_stock_release_sku(bc_db *db, int64_t product_id, int64_t sku_id, int64_t qty, int64_t order_row_id,
                         const char *reason);
/* Sets the stock of product_id to new_stock (0..1000000) inside the open transaction (seller
 * edits, product creation): bc_stock_apply with set = new_stock (a ledger row with the difference,
 * none when unchanged). Status follows: ON_SALE -> SOLD_OUT at 0, SOLD_OUT -> ON_SALE when > 0;
 * HIDDEN is kept. bc_stock_set records actor NULL; bc_stock_set_by records actor_id (0 = NULL).
 * Returns BC_OK, BC_EINVAL, BC_ENOTFOUND, BC_ECONFLICT (changed underneath) or BC_ERR. */
int bc_stock_set(bc_db *db, int64_t product_id, int64_t new_stock, const char *reason);
int bc_stock_set_by(bc_db *db, int64_t product_id, int64_t new_stock, int64_t actor_id, const char *reason);

/* A product's purchase limits, units; 0 = no limit. */
typedef struct bc_stock_limits {
    int64_t max_per_order;      /* most units of the product in one order (or hold), 0..1000 */
    int64_t max_per_buyer;      /* most units one buyer may have reserved, held or bought, 0..1000000 */
    int64_t max_per_buyer_live; /* the same, counted per live (orders/holds carrying that live_id) */
} bc_stock_limits;
/* Reads product_id's limits (all 0 when the seller set none). BC_OK or BC_ERR. */
int bc_stock_limits_get(bc_db *db, int64_t product_id, bc_stock_limits *out);
/* Replaces product_id's limits (an upsert). Authorisation is the caller's.
 * BC_OK, BC_EINVAL (out of range), BC_ENOTFOUND (no such product), BC_EBUSY or BC_ERR. */
int bc_stock_limits_set(bc_db *db, int64_t product_id, const bc_stock_limits *l);

/* A buyer's take of one product (an order line or a hold). */
typedef struct bc_stock_claim {
    int64_t buyer_id, product_id, quantity;
    int64_t sku_id;   /* the SKU whose stock is taken, 0 = the product's own (limits stay per product) */
    int64_t live_id;  /* 0 = not through a live */
    int64_t live_cap; /* the live's stock cap for the product while its offer is active; 0 = none */
    int64_t order_row_id, hold_id;
    const char *reason;
} bc_stock_claim;
/* Takes a claim inside the open transaction, each step a conditional statement (exact under
 * concurrency, no count-then-insert): quantity <= max_per_order; when live_id > 0, the live's
 * counter live_product_units + quantity <= live_cap (kept for every live order, checked only with a
 * cap); the buyer's counter (product, all) + quantity <= max_per_buyer; when live_id > 0 the
 * buyer's (product, live) counter + quantity <= max_per_buyer_live; then bc_stock_apply (delta
 * -quantity, actor = buyer). Rows are locked in that order by every take and give back.
 * On a refusal *code is a static API code: "LIMIT_PER_ORDER", "LIVE_STOCK_CAP", "LIMIT_PER_BUYER",
 * "LIMIT_PER_BUYER_LIVE" or "OUT_OF_STOCK" (the caller rolls back: earlier steps stay undone).
 * Returns BC_OK, BC_ECONFLICT (*code set), BC_EINVAL (quantity 0 or > 1000), BC_EBUSY or BC_ERR. */
int bc_stock_claim_take(bc_db *db, const bc_stock_claim *c, const char **code);
/* Gives a claim back inside the open transaction: the counters of bc_stock_claim_take go down
 * (never below 0) and the stock up (bc_stock_apply, actor_id 0 = the system).
 * BC_OK, BC_EINVAL, BC_ENOTFOUND, BC_EBUSY or BC_ERR. */
int bc_stock_claim_give(bc_db *db, const bc_stock_claim *c, int64_t actor_id);

/* The buyer's unpaid orders (PENDING_PAYMENT) plus live holds (HELD, expires_at > now_ms) into
 * *count. BC_OK, BC_EBUSY or BC_ERR. */
int bc_stock_unpaid_count(bc_db *db, int64_t buyer_id, int64_t now_ms, int64_t *count);
/* Inside the open transaction: takes the buyer's lock (BC_DB_LOCK_BUYER, held to the end of the
 * transaction, so two of the buyer's checkouts count one after the other) and checks that one more
 * unpaid order or hold stays within bc_cfg.max_unpaid_orders (BROADCART_MAX_UNPAID_ORDERS; 0,
 * only when the configuration was never loaded, means no cap).
 * BC_OK, BC_ECONFLICT (at the cap), BC_EBUSY or BC_ERR. */
int bc_stock_unpaid_check(bc_db *db, int64_t buyer_id, int64_t now_ms);

/* Flash-sale fast path: per process, a product seen sold out is refused from memory, without a
 * write transaction. bc_stock_epoch is read before the transaction that may find the product sold
 * out; bc_stock_note_if_sold_out(db, product, that epoch) after it did (noting it only when a read
 * shows no stock left or not on sale). bc_stock_known_sold_out returns 1
 * while the flag stands: set less than 1 s ago and no change of the product since the epoch: a
 * stock increase of this process (bc_stock_apply calls bc_stock_note_restock) or any committed
 * change of its row seen on the store's change feed (bc_db_on_change_add; other instances'
 * restocks at their commit plus the feed's delivery; bc_stock_known_sold_out first catches up with
 * bc_db_sync_here and trusts no flag while that fails). The flag keeps the product's name (copied, cut to
 * BC_STOCK_NAME_MAX - 1 bytes; NULL = none), which bc_stock_known_sold_out copies into name (len bytes; NULL = not
 * wanted) when it returns 1. Thread-safe, never blocks on I/O (a mutex around a fixed 4096-slot table). */
uint64_t bc_stock_epoch(int64_t product_id);
#define BC_STOCK_NAME_MAX 160
void bc_stock_note_sold_out(int64_t product_id, uint64_t epoch, const char *name);
/* Reads product_id (bc_catalog_product_sale, on db) and notes it sold out with epoch when it really
 * is: no stock left, not on sale or not visible (a claim for more than the stock left is no reason to
 * refuse the next buyer). Read errors note nothing. */
void bc_stock_note_if_sold_out(bc_db *db, int64_t product_id, uint64_t epoch);
void bc_stock_note_restock(int64_t product_id);
int bc_stock_known_sold_out(int64_t product_id, char *name, size_t len);
/* The same per SKU: a product's flag is either the whole product's (sku 0: no SKU left, not on
 * sale) or one SKU's (its stock 0, inactive or retired; one flag per product slot, the latest);
 * bc_stock_known_sold_out_sku(p, k) is 1 while the whole product's flag or k's stands, so one SKU
 * sold out never refuses the product's other SKUs. bc_stock_note_if_sold_out_sku reads the product
 * and the SKU (sku_id 0: as bc_stock_note_if_sold_out). */
void bc_stock_note_sold_out_sku(int64_t product_id, int64_t sku_id, uint64_t epoch, const char *name);
void bc_stock_note_if_sold_out_sku(bc_db *db, int64_t product_id, int64_t sku_id, uint64_t epoch);
int bc_stock_known_sold_out_sku(int64_t product_id, int64_t sku_id, char *name, size_t len);

/* One page of product_id's ledger, newest first: {product_id, items:[{id, sku_id (null: the product's own), delta,
 * reason, actor_id, order_id, hold_id, balance_after, created_at}], page, per_page, total} (ids null when none;
 * balance_after null on rows from before migration 11). page >= 1, per_page 1..100. *out owned by the caller. BC_OK,
 * BC_ENOMEM or BC_ERR. */
int bc_stock_ledger_page(bc_db *db, int64_t product_id, int64_t page, int64_t per_page, json_t **out);
/* `broadcart audit stock`: for every product checks stock = the sum of its ledger deltas
 * (initial + restocks - sold - held) and = the balance_after of its last ledger row (a product
 * with options: stock = the sum of its active SKUs'; each SKU: stock = the sum of
 * its rows = its last balance_after); prints one
 * line per offending product and a summary to report. Returns the number of offending products
 * (0 = all balanced) or BC_ERR (< 0). */
int bc_stock_audit(bc_db *db, FILE *report);

/* ---- product options as SKUs (skus.c; routes in skus_api.c) ----------------------------------
 * A product may have up to BC_SKU_MAX_GROUPS option groups (e.g. 사이즈 [S, M, L] × 색상 [블랙,
 * 화이트]) of up to BC_SKU_MAX_VALUES values each, and then has one SKU per combination
 * (product_skus: opt1, opt2 ("" with one group), price_delta KRW (unit price = the product's or the
 * live's price + delta), stock, code, active). Its stock is then the SKUs': products.stock is kept
 * the sum of the active SKUs' by stock.c in the same transaction (bc_stock_sku_sync), so the
 * product is SOLD_OUT only when every active SKU is. Holds, cart lines and order lines carry the
 * SKU (sku_id, the option label "M / 블랙" on order lines); limits and live caps stay per product. A
 * product without options works as before (sku_id 0 / null everywhere). */
#define BC_SKU_MAX_GROUPS 2
#define BC_SKU_MAX_VALUES 10
#define BC_SKU_TEXT_MAX 20 /* characters of a group name or a value */
#define BC_SKU_LABEL_MAX 128

/* A SKU as a line needs it. */
typedef struct bc_sku {
    int64_t id;                   /* 0: the product has no options */
    int64_t price_delta;          /* KRW added to the unit price */
    int64_t stock;                /* as read */
    char label[BC_SKU_LABEL_MAX]; /* "M / 블랙"; "" without options */
} bc_sku;

/* Checks an option grid {groups} value: an array of at most BC_SKU_MAX_GROUPS objects {name,
 * values}, names distinct, 1..BC_SKU_MAX_VALUES distinct values each; names and values 1..20
 * characters of one line, not blank, values without " / " (the label's separator). An empty array
 * removes the options. Pure. BC_OK, or BC_EINVAL with a message in msg. */
int bc_sku_check_groups(json_t *groups, char *msg, size_t msglen);
/* The option label of a combination into out: "opt1 / opt2", or "opt1" when opt2 is "" or NULL. */
void bc_sku_label(const char *opt1, const char *opt2, char *out, size_t len);
/* *has = 1 when product_id has options. BC_OK, BC_EBUSY or BC_ERR. */
int bc_sku_has_options(bc_db *db, int64_t product_id, int *has);
/* Resolves the SKU of a line of product_id (read on db, inside the caller's transaction when one
 * is open): without options sku_id must be 0 (out zeroed); with options sku_id must name an active,
 * not retired SKU of the product. BC_OK; BC_EINVAL with *code "SKU_REQUIRED" (options and no
 * sku_id) or "SKU_INVALID" (another product's, retired, inactive or unknown SKU, or a sku_id for a
 * product without options); BC_EBUSY or BC_ERR. */
int bc_sku_resolve(bc_db *db, int64_t product_id, int64_t sku_id, bc_sku *out, const char **code);
/* Adds to every product object of the array products (as bc_catalog_product_json renders them;
 * at most 100 read) "options" ([{name, values}], [] without) and "skus" ([{id, options: [values],
 * label, price (the product's + price_delta), price_delta, stock, sold_out (stock 0 or inactive),
 * active, code (null when none)}] in grid order, retired ones left out). Two statements at most.
 * BC_OK or BC_ERR. */
int bc_sku_attach(bc_db *db, json_t *products);
/* Builds or rebuilds product_id's grid from groups (checked by bc_sku_check_groups) in one
 * transaction (bc_db_tx) on behalf of actor_id (ledger rows): a SKU whose combination survives keeps
 * its id, stock, price and flags; a new one starts at stock 0 (a retired one that comes back too);
 * one whose combination left is retired (stock to 0 with a ledger row "options"). A product without
 * options getting some has its own stock set to 0 first (ledger row "options"); [] removes the
 * options (every SKU retired, the product plain again at stock 0). BC_OK, BC_EINVAL (bad groups),
 * BC_ENOTFOUND, BC_EBUSY or BC_ERR. */
int bc_sku_set_options(bc_db *db, int64_t product_id, int64_t actor_id, json_t *groups);
/* A change of one SKU: only the fields flagged/set apply. */
typedef struct bc_sku_patch {
    int has_delta;
    int64_t price_delta; /* KRW, -1e8..1e8; the product's price + delta must stay >= 1 */
    int64_t stock;       /* -1: unchanged; else 0..1000000, through bc_stock_sku_set_by (reason "adjust") */
    int has_code;
    const char *code; /* <= 40 characters; NULL or "" clears */
    int active;       /* -1: unchanged, 0 / 1 */
} bc_sku_patch;
/* Applies p to SKU sku_id of product_id in one transaction on behalf of actor_id. BC_OK;
 * BC_EINVAL (out of range, or *code "PRICE_TOO_LOW" when price + delta < 1); BC_ENOTFOUND (no such
 * SKU of the product, or retired); BC_ECONFLICT, BC_EBUSY or BC_ERR. */
int bc_sku_update(bc_db *db, int64_t product_id, int64_t sku_id, int64_t actor_id, const bc_sku_patch *p,
                  const char **code);
extern const bc_route bc_sku_routes[];

/* ---- holds (holds.c) ------------------------------------------------------------------------ */

/* Why a hold or a hold-born order was refused: code is a static API code ("PRODUCT_NOT_FOUND",
 * "LIVE_NOT_FOUND", "LIVE_PRODUCT_MISMATCH", "OUT_OF_STOCK", "LIVE_STOCK_CAP", "LIMIT_PER_ORDER",
 * "LIMIT_PER_BUYER", "LIMIT_PER_BUYER_LIVE", "UNPAID_ORDERS_LIMIT", "HOLD_NOT_FOUND",
 * "HOLD_EXPIRED", "HOLD_MISMATCH"). */
typedef struct bc_hold_problem {
    const char *code;
    int64_t product_id;
} bc_hold_problem;

/* Holds quantity (1..1000) units of product_id for buyer_id in one transaction (bc_db_tx): the
 * product must be visible, live_id (0 = none) must carry it (bc_live_offer_get), the buyer must
 * stay within BROADCART_MAX_UNPAID_ORDERS (unpaid orders + holds), then bc_stock_claim_take
 * (reason "hold"). expires_at = now + bc_cfg.hold_ttl_s. A product this process saw sold out is
 * refused before any transaction (bc_stock_known_sold_out). *out is the hold as {id, product_id,
 * quantity, live_id (null when none), status, order_id, expires_at, created_at} (caller owns).
 * Returns BC_OK; BC_ENOTFOUND / BC_EINVAL / BC_ECONFLICT with why->code set (nothing changed);
 * BC_EBUSY or BC_ERR. */
int bc_hold_create(bc_db *db, int64_t buyer_id, int64_t product_id, int64_t quantity, int64_t live_id,
                   bc_hold_problem *why, json_t **out);
/* bc_hold_create of SKU sku_id of the product (product options as SKUs: bc_sku_resolve inside the
 * transaction, why->code "SKU_REQUIRED" / "SKU_INVALID" with BC_EINVAL; sku_id 0 for a product
 * without options); the hold's JSON has sku_id (null when none). A SKU this process saw sold out is
 * refused from memory (bc_stock_known_sold_out_sku). */
int bc_hold_create_sku(bc_db *db, int64_t buyer_id, int64_t product_id, int64_t sku_id, int64_t quantity,
                       int64_t live_id, bc_hold_problem *why, json_t **out);
/* Loads buyer_id's hold id as in bc_hold_create (*out owned by the caller). BC_OK, BC_ENOTFOUND
 * (no such hold of this buyer) or BC_ERR. */
int bc_hold_get(bc_db *db, int64_t buyer_id, int64_t id, json_t **out);
/* Releases buyer_id's HELD hold id (DELETE /holds/{id}) in one transaction: a conditional UPDATE
 * HELD -> RELEASED and bc_stock_claim_give (reason "hold_release", actor the buyer).
 * Returns BC_OK, BC_ENOTFOUND (no such hold of this buyer), BC_ECONFLICT (no longer HELD: ordered or
 * released), BC_EBUSY or BC_ERR. */
int bc_hold_release(bc_db *db, int64_t buyer_id, int64_t id);
/* Releases HELD holds whose expires_at < now_ms (reason "hold_expire", actor the system), one
 * transaction each, in batches of 200, at most 1000 per call (the sweeper in src/app.c calls it
 * every second).
 * Returns the number released or an error. */
int bc_hold_expire_due(bc_db *db, int64_t now_ms);
/* Inside the open transaction of an order: turns buyer_id's hold id into the reservation of
 * order order_row_id by a conditional UPDATE (HELD and expires_at > now -> ORDERED, order_id set):
 * no second stock take; the hold's counters stay, and are given back when the order's lines are
 * released (bc_stock_release). Fills *product_id, *quantity and *live_id (0 = none) from the hold.
 * Returns BC_OK, BC_ENOTFOUND (no such hold of this buyer), BC_ECONFLICT (expired, released or
 * already ordered), BC_EBUSY or BC_ERR. */
int bc_hold_consume(bc_db *db, int64_t buyer_id, int64_t id, int64_t order_row_id, int64_t *product_id,
                    int64_t *quantity, int64_t *live_id);
/* Reads buyer_id's hold id: product, quantity, live (0 = none) and whether it can still become an
 * order (HELD and not expired at now_ms). BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_hold_peek(bc_db *db, int64_t buyer_id, int64_t id, int64_t now_ms, int64_t *product_id, int64_t *quantity,
                 int64_t *live_id, int *usable);
/* bc_hold_peek also giving the hold's SKU (*sku_id 0 = none). */
int bc_hold_peek_sku(bc_db *db, int64_t buyer_id, int64_t id, int64_t now_ms, int64_t *product_id, int64_t *sku_id,
                     int64_t *quantity, int64_t *live_id, int *usable);

/* For the order route (commerce_api.c): when code is one of the refusals stock adds to orders
 * (LIMIT_*, LIVE_STOCK_CAP, UNPAID_ORDERS_LIMIT, HOLD_*), sends its error {code, message,
 * product_id, limit (for LIMIT_*)} with its status and returns 1; else sends nothing and returns 0. */
int bc_stock_send_order_problem(bc_req *req, const char *code, int64_t product_id);
/* try_inline of POST /api/v1/orders (commerce_api.c; BC_RT_INLINE_AUTHED): on the event loop, an
 * order of items (no hold_id, not from the cart, a valid shipping address) holding a product flagged
 * sold out (bc_stock_known_sold_out) gets the worker's answer without a worker hop: 409
 * OUT_OF_STOCK {code, message naming the product, product_id}. Returns 1 when it answered, 0
 * (nothing sent) to let the worker run the handler. Never blocks. */
int bc_stock_order_try_inline(bc_req *req);
/* gate of POST /api/v1/orders (bc_route.gate): the product of a one-line order without hold_id
 * (a flash-sale burst on it waits on the loop), else 0 (no gate: an order from a hold never waits). */
int64_t bc_stock_order_gate(bc_req *req);

extern const bc_route bc_stock_routes[];

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
/* Validates a shipment: carrier and tracking_number each 1..40 UTF-8 characters, not blank, no
 * control or bidi-override characters (bc_utf8_check, BC_TEXT_LINE; NULL is invalid). On failure returns
 * BC_EINVAL and writes a message into msg. */
int bc_order_check_shipment(const char *carrier, const char *tracking_number, char *msg, size_t msglen);
/* Validates a shipping_address object (CONTRACT.md): recipient 1..40 chars, phone 9..20 of
 * digits/'-', postcode 5 digits, address1 1..200, address2 optional 0..200, no other keys, no
 * control or bidi-override characters in any of them (bc_utf8_check, BC_TEXT_LINE).
 * On failure returns BC_EINVAL and writes a message into msg. */
int bc_order_check_address(json_t *addr, char *msg, size_t msglen);
/* The route-table declaration (bc_field initializers, comma-separated) of the five fields of a
 * shipping address, as bc_order_check_address bounds them: for an order's shipping_address and the
 * address book (accounts). req 1 makes recipient, phone, postcode and address1 required (address2
 * never is); 0 makes every field optional (a partial edit). */
#define BC_ORDER_ADDRESS_FIELDS(req)                                                                                   \
    {"recipient", BC_F_STR, req, 1, 40, "who receives the parcel"},                                                    \
        {"phone", BC_F_STR, req, 9, 20, "digits and '-'", .example = "\"010-1234-5678\""},                             \
        {"postcode", BC_F_STR, req, 5, 5, "5 digits", .example = "\"06236\""},                                         \
        {"address1", BC_F_STR, req, 1, 200, "street address"},                                                         \
    {                                                                                                                  \
        "address2", BC_F_STR, 0, 0, 200, "apartment, floor…"                                                         \
    }

/* ---- cart (cart.c) ---------------------------------------------------------------------------- */

/* The buyer's cart in the CONTRACT shape {lines:[{product_id, sku_id, name, option_label,
 * image_url, unit_price, quantity, line_total, stock, status}], subtotal, shipping_fee, total}; a
 * line of a SKU (sku_id, option_label "M / 블랙"; both null without) has the SKU's unit price
 * (product price + price_delta) and stock, status SOLD_OUT when the SKU is out or inactive; deleted
 * products and lines of SKUs no longer the product's are left out. *out owned by the caller.
 * BC_OK or BC_ERR. */
int bc_cart_json(bc_db *db, int64_t user_id, json_t **out);
/* Sets the quantity (1..99) of product_id (its SKU sku_id; 0 without options) in the cart, in one
 * transaction (bc_db_tx: the check of the line count and the upsert see the same cart); two SKUs of
 * one product are two lines. BC_OK, BC_EINVAL (quantity or too many lines; or *code "SKU_REQUIRED" /
 * "SKU_INVALID", bc_sku_resolve), BC_ENOTFOUND (no such product, deleted or hidden), BC_ECONFLICT
 * (sold out or quantity > the product's or SKU's stock), BC_EBUSY (lost every retry) or BC_ERR.
 * code may be NULL. */
int bc_cart_set(bc_db *db, int64_t user_id, int64_t product_id, int64_t sku_id, int64_t quantity, const char **code);
/* Removes one line: product_id's SKU sku_id (0: the line without SKU; < 0: every line of the
 * product) (BC_OK even when absent) / every line. BC_OK or BC_ERR. */
int bc_cart_remove(bc_db *db, int64_t user_id, int64_t product_id, int64_t sku_id);
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
    int64_t sku_id; /* the product's SKU (product options as SKUs), 0 = none */
} bc_order_item;

/* Why bc_order_create refused: code is a static API error code ("OUT_OF_STOCK",
 * "PRODUCT_NOT_FOUND", "TOTAL_TOO_LARGE", "CART_EMPTY", "LIVE_NOT_FOUND",
 * "LIVE_PRODUCT_MISMATCH", "ORDER_AMOUNT_ZERO", "INVALID_QUANTITY", "TOO_MANY_LINES");
 * product_id/product_name name the offending product when there is one. */
typedef struct bc_order_problem {
    const char *code;
    int64_t product_id;
    char product_name[160];
    const char *coupon_reason; /* coupons: bc_coupon_problem.reason with a COUPON_* code, else NULL */
    int64_t coupon_min_order;  /* coupons: the coupon's minimum (KRW) with reason "min_order" */
} bc_order_problem;

/* Creates an order for buyer_id in one write transaction (bc_db_tx: retried when it loses a
 * conflict; *why and *out_id reflect the last try): lines from items (n, 1..50,
 * duplicates merged; quantity 1..BC_ORDER_MAX_QTY) or, when items is NULL, from the buyer's
 * cart (emptied in the same transaction); unit prices from the database; every line reserved
 * with bc_stock_reserve; expires_at = now + bc_cfg.order_ttl_s. addr (borrowed) must already be
 * valid (bc_order_check_address); live_id 0 = none, else a live that carries every ordered
 * product (bc_live_offer_get: LIVE_NOT_FOUND / LIVE_PRODUCT_MISMATCH). An amount of 0 KRW (only
 * possible with products priced 0 before the catalog refused that) is refused with
 * ORDER_AMOUNT_ZERO: no gateway takes it, and nothing else could ever pay the order.
 * On success *out_id is the order row id.
 * Returns BC_OK; BC_EINVAL / BC_ENOTFOUND / BC_ECONFLICT with *why filled (nothing changed);
 * BC_EBUSY or BC_ERR. */
int bc_order_create(bc_db *db, int64_t buyer_id, const bc_order_item *items, size_t n, json_t *addr, int64_t live_id,
                    bc_order_problem *why, int64_t *out_id);
/* bc_order_create with purchase limits and holds (checkout.c): every line is taken
 * with bc_stock_claim_take (the product's limits, the live's stock cap and the live price while
 * the live's offer is active); an order without a hold must stay within
 * BROADCART_MAX_UNPAID_ORDERS (UNPAID_ORDERS_LIMIT). hold_id > 0: the buyer's HELD hold becomes
 * the reservation of its line (bc_hold_consume: no second take); items must then be exactly that
 * one line (HOLD_MISMATCH), live_id 0 or the hold's (the order takes the hold's live). why->code
 * may also be "LIMIT_PER_ORDER", "LIMIT_PER_BUYER", "LIMIT_PER_BUYER_LIVE", "LIVE_STOCK_CAP",
 * "UNPAID_ORDERS_LIMIT", "HOLD_NOT_FOUND" (BC_ENOTFOUND), "HOLD_EXPIRED" (BC_ECONFLICT),
 * "HOLD_MISMATCH" (BC_EINVAL); limits and caps are BC_ECONFLICT. A product this process saw sold
 * out is refused OUT_OF_STOCK before any transaction. bc_order_create is this with hold_id 0. */
int bc_order_create_held(bc_db *db, int64_t buyer_id, const bc_order_item *items, size_t n, json_t *addr,
                         int64_t live_id, int64_t hold_id, bc_order_problem *why, int64_t *out_id);
/* What a checkout spends besides money (0 = none): a coupon and points. */
typedef struct bc_order_spend {
    int64_t user_coupon_id; /* the buyer's user coupon (coupons.h) */
    int64_t points;         /* points to spend (points.h; 1 point = 1 KRW) */
} bc_order_spend;
/* bc_order_create_held spending a coupon and/or points (spend NULL = neither).
 * Coupon (order_coupons.c): user_coupon_id > 0 is re-validated inside the order's transaction
 * against the priced lines (bc_coupon_evaluate), its discount stored in orders.coupon_discount and
 * taken off the amount (0 KRW after the coupon alone is refused ORDER_AMOUNT_ZERO), and spent on
 * the order (bc_coupon_redeem). why->code may be a coupon refusal ("COUPON_NOT_FOUND" BC_ENOTFOUND;
 * "COUPON_USED", "COUPON_EXPIRED", "COUPON_LIVE_OFF_AIR" BC_ECONFLICT; "COUPON_NOT_APPLICABLE"
 * BC_EINVAL) with why->coupon_reason.
 * Points (order_points.c): after the lines are taken and the coupon applied, points come off the
 * buyer's balance (bc_points_spend) and off the amount (orders.points_used; amount = what the
 * gateway charges). why->code "INSUFFICIENT_POINTS" (BC_ECONFLICT) or "POINTS_EXCEED_AMOUNT"
 * (BC_EINVAL: more than the amount left). An order whose amount becomes 0 is PAID at once without
 * the gateway (payment key "POINTS-<orderId>", method "POINTS").
 * On any refusal nothing is created. */
int bc_order_create_spend(bc_db *db, int64_t buyer_id, const bc_order_item *items, size_t n, json_t *addr,
                          int64_t live_id, int64_t hold_id, const bc_order_spend *spend, bc_order_problem *why,
                          int64_t *out_id);

/* ---- coupons at checkout and on cancel (order_coupons.c) ---- */
/* Inside the order's transaction, before the order row: bc_coupon_evaluate of the buyer's user
 * coupon for the n priced lines at now_ms; *discount in KRW. A refusal fills why (code,
 * coupon_reason, coupon_min_order) and returns bc_coupon_evaluate's code. */
int bc_order_coupon_price(bc_db *db, int64_t buyer_id, int64_t user_coupon_id, const bc_coupon_line *lines, size_t n,
                          int64_t now_ms, int64_t *discount, bc_order_problem *why);
/* Inside the order's transaction, after the order row: spends the user coupon on order_row_id
 * (bc_coupon_redeem) and records the discount (orders.coupon_discount, amount - discount).
 * BC_OK, BC_ECONFLICT (spent by a racing checkout: why->code "COUPON_USED"), BC_EBUSY or BC_ERR. */
int bc_order_coupon_attach(bc_db *db, int64_t buyer_id, int64_t user_coupon_id, int64_t order_row_id, int64_t discount,
                           int64_t now_ms, bc_order_problem *why);
/* Inside the transaction that cancels, fails or expires order order_row_id: gives its user coupon
 * back while the coupon's window is open (bc_coupon_restore). BC_OK, BC_EBUSY or BC_ERR. */
int bc_order_coupon_release(bc_db *db, int64_t order_row_id, int64_t now_ms);

/* Loads the order (row id) as the CONTRACT order JSON (plus buyer_id, updated_at), including
 * carrier, tracking_number, shipped_at and delivered_at (of the first shipment that has them;
 * null until shipped/delivered), refunded (KRW), shipments (bc_shipments_json) and history
 * (bc_order_history). When only_seller > 0 the order is shown as that seller's part: their lines,
 * shipment and history only; subtotal, shipping_fee, amount, refunded, order_name and the
 * tracking fields are their shipment's; payment_key null. *out owned by the caller.
 * BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_order_json(bc_db *db, int64_t id, int64_t only_seller, json_t **out);
/* Reseals under the current data key every order's shipping_address sealed under an older key,
 * and seals the clear ones (orders written before addresses were sealed): associated data
 * "orders.shipping_address:<order_id>" (the order's public id); in batches of 100 orders, each
 * batch one transaction, each row updated only if unchanged since read. *count gets the addresses
 * written. Returns BC_OK, BC_EINVAL when some address could not be opened (its key is not in the
 * ring, or tampered: logged and left as it is, the others resealed), BC_ERR (no key loaded) or a
 * store error. */
int bc_orders_reseal(bc_db *db, int64_t *count);

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

/* ---- points of orders (order_points.c; the ledger is src/points) ----------------------------
 * Partial refunds of an order paid partly with points take the gateway-paid part first and the
 * points last: of the order's gross total (subtotal + shipping_fee = amount + points_used), the
 * first `amount` KRW refunded go back through the gateway, the rest as points (kind REFUND). */

/* Inside the order's creation transaction: spends points of buyer_id on order order_row (see
 * bc_order_create_spend) and marks the order PAID when nothing is left to pay. BC_OK, BC_ECONFLICT
 * / BC_EINVAL with why->code set, BC_EBUSY or BC_ERR. */
int bc_order_points_apply(bc_db *db, int64_t buyer_id, int64_t order_row, int64_t points, bc_order_problem *why);
/* The gateway's part of a refund of refund KRW (gross) when refunded_before KRW (gross) were
 * refunded already and the gateway was paid amount KRW: gateway first, points last. Pure. */
int64_t bc_order_points_gateway_part(int64_t amount, int64_t refunded_before, int64_t refund);
/* Inside the open transaction: gives points (> 0) back to buyer_id for a refund of order
 * order_row (kind REFUND, idem_key "order-refund:<row>:<scope>": once per refund scope). BC_OK or
 * an error (a duplicate is BC_OK). */
int bc_order_points_refund(bc_db *db, int64_t buyer_id, int64_t order_row, const char *scope, int64_t points);
/* Inside the open transaction of an unpaid order's end (expired, payment failed, canceled before
 * payment): gives its points_used back (once: idem_key "order-unpaid:<row>"). BC_OK or an error. */
int bc_order_points_release(bc_db *db, int64_t order_row);
/* Inside the open transaction of a shipment's purchase confirmation: the buyer earns the
 * purchase rate (bc_points_rates_get) of each of the shipment's open lines' paid share: the line's
 * total times the gateway's part still kept over the gross still kept, once per line (idem_key
 * "earn-line:<line id>"). BC_OK or an error. */
int bc_order_points_confirmed(bc_db *db, int64_t order_row, int64_t shipment_id);

extern const bc_route bc_commerce_routes[];

/* ---- order lines for other modules (lines.c) ---- */
/* What another module (reviews) may know of one order line. A line's status is its shipment's
 * (the part of the order sold by the line's seller; the order's own status when it has no
 * shipment), or "CANCELED" once the line itself was canceled (cancel_line). */
typedef struct bc_order_line_facts {
    int64_t line_id;
    int64_t order_row_id; /* orders.id */
    char order_id[72];    /* the order's public (Toss) orderId */
    int64_t buyer_id, product_id, seller_id;
    char product_name[512]; /* as ordered (copied, cut at a UTF-8 boundary) */
    char status[24];        /* see above */
    int64_t delivered_at;   /* UTC ms of the shipment's delivery, 0 when not delivered */
} bc_order_line_facts;
/* Fills *out for order line line_id (read on db, inside the caller's transaction when one is open).
 * BC_OK, BC_ENOTFOUND (no such line) or a store error (BC_EBUSY, BC_ERR). */
int bc_order_line_get(bc_db *db, int64_t line_id, bc_order_line_facts *out);
/* The lines buyer_id may review: not canceled, their shipment DELIVERED or PURCHASE_CONFIRMED,
 * newest line first, at most max (1..200), as bc_order_line_facts into out (room for max); *n set.
 * BC_OK, BC_EINVAL (max out of range) or a store error. */
int bc_order_lines_delivered(bc_db *db, int64_t buyer_id, int max, bc_order_line_facts *out, int *n);

/* ---- account deletion and retention (retention.c) ---- */
/* *n = the number of orders of user_id with a part still in progress: a shipment PAID, PREPARING,
 * SHIPPING, CANCEL_REQUESTED, RETURN_REQUESTED or RETURNED (unpaid, delivered, confirmed, canceled,
 * refunded and expired ones do not count); as_seller counts the orders with such a shipment of
 * that seller, else the orders that user_id bought. For account deletion (accounts' lifecycle.c).
 * BC_OK or a store error. */
int bc_orders_open_count(bc_db *db, int64_t user_id, int as_seller, int64_t *n);
/* Erases the shipping address (orders.shipping_address becomes '{}', whatever form it was stored
 * in; nothing else of the order changes) of the orders created before before_ms (UTC ms) by each
 * of the n buyers buyer_ids (deleted accounts: the retention purge); *erased = the orders
 * changed (an order already erased is not counted again). One statement per buyer, each its own
 * write. BC_OK or a store error (*erased then counts those done). */
int bc_orders_retention_erase(bc_db *db, const int64_t *buyer_ids, size_t n, int64_t before_ms, int64_t *erased);

/* *out = 1 when buyer_id has a paid part of an order from seller_id: a shipment of that seller in
 * PAID, PREPARING, SHIPPING, DELIVERED or PURCHASE_CONFIRMED (canceled, refunded, returned or
 * unpaid ones do not count). For the chat's buyers-only mode. BC_OK or an error. */
int bc_commerce_bought_from(bc_db *db, int64_t buyer_id, int64_t seller_id, int *out);

/* ---- seller and live statistics (stats.c: store code; routes in stats_api.c) ----
 * Days are Asia/Seoul calendar days (UTC+9, no daylight saving): day number d covers UTC ms
 * [d * 86400000 - 9 h, (d + 1) * 86400000 - 9 h); d = (t + 9 * 3600000) / 86400000 for t >= 0.
 * A sale counts on the day its order was paid (orders.paid_at). */
#define BC_STATS_KST_MS (9LL * 3600000LL)
#define BC_STATS_DAY_MS 86400000LL
#define BC_STATS_MAX_DAYS 731 /* the longest from..to range (two years) */

/* The civil date (proleptic Gregorian) of day number d since 1970-01-01 into y, m (1..12), dd
 * (1..31). Pure. */
void bc_stats_civil(int64_t d, int *y, int *m, int *dd);
/* The day number of y-m-d (1970-01-01 = 0). Pure; the caller checks the date is valid. */
int64_t bc_stats_days(int y, int m, int dd);
/* Parses "YYYY-MM-DD" (a valid date, year 2000..2100) into its day number. BC_OK or BC_EINVAL. */
int bc_stats_parse_date(const char *s, int64_t *day);

/* A seller's sales from day from_day to to_day (both included, to_day - from_day <
 * BC_STATS_MAX_DAYS), per day (month 0) or per calendar month (month 1; the first and last month
 * cut at the range). *out (caller owns):
 *   {"seller_id","from":"YYYY-MM-DD","to","granularity":"day"|"month",
 *    "buckets":[{"period":"YYYY-MM-DD"|"YYYY-MM","gross","refunds","revenue","orders","units",
 *                "average_order_value","cumulative_revenue"}],   every bucket of the range, oldest first
 *    "totals":{"gross","refunds","revenue","orders","units","average_order_value"},
 *    "products":[{"product_id","name","orders","units","gross","canceled"}]}   most gross first
 * gross: KRW of the seller's order lines of orders paid in the bucket (canceled lines too: they
 * were paid); refunds: KRW refunded on the seller's part of those orders (shipments.refunded, at
 * most the part's goods subtotal: a refunded shipping fee is not revenue given back), counted in the
 * bucket the order was paid in; revenue = gross -
 * refunds; orders: distinct orders with a line of the seller; units: quantities; average order
 * value = revenue / orders (rounded down, 0 without orders). A product's canceled = KRW of its
 * canceled lines (whole-part refunds and returns are not split per product). BC_OK, BC_EINVAL
 * (range) or a store error. */
int bc_stats_seller(bc_db *db, int64_t seller_id, int64_t from_day, int64_t to_day, int month, json_t **out);

/* The sales of live live_id (orders placed from the live, orders.live_id, by paid minute):
 * *minutes = [{"minute_at" (UTC ms of the minute's start),"orders","revenue"}] oldest first, revenue
 * the KRW of the orders' lines (canceled lines included, refunds not subtracted);
 * *products = [{"product_id","name","buyers","units","revenue"}] (buyers: distinct buyers of the
 * product in those orders), most revenue first. Caller owns both. BC_OK or a store error. */
int bc_stats_live_sales(bc_db *db, int64_t live_id, json_t **minutes, json_t **products);
extern const bc_route bc_stats_routes[];

#endif
