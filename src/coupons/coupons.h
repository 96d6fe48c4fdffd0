/* coupons: seller and admin coupons, the coupons buyers hold, and their use at checkout.
 * Prefix bc_coupon_.
 *
 * A coupon is a seller's (its scope: all their products, one product of theirs, or one of their
 * lives) or the admin's (the whole shop, a seller, a product or a live). It takes a fixed amount
 * (KRW) or a percent (1..100) with an optional cap (max_discount, KRW) off the order lines in its
 * scope, when those lines reach min_order (KRW); it can be claimed and used inside its validity
 * window [starts_at, ends_at) (UTC ms); quantity (NULL = unlimited) bounds how many users' coupons
 * it gives out (claimed, counted by one conditional UPDATE, never over), per_user how many one user
 * may hold. A downloadable coupon is claimed by buyers (POST /api/v1/coupons/{id}/claim); the
 * seller also issues a coupon to all their followers. A live coupon is claimable (and usable) only
 * while its live is on air (status LIVE, asked of the live module).
 *
 * A user coupon (user_coupons) is usable while unused and its coupon's window is open. Checkout
 * (commerce, inside the order's transaction) re-validates it (bc_coupon_evaluate), computes the
 * discount and spends it (bc_coupon_redeem: a conditional UPDATE, so one user coupon pays for one
 * order however many checkouts race); a cancel, a failed payment or the expiry of an unpaid
 * order gives it back (bc_coupon_restore) while its window is still open.
 *
 * Files: coupons.c (the pure rules: scope, discount), coupons_store.c (the only SQL: coupons,
 * user_coupons), coupons_api.c (routes). Amounts are integer KRW, times UTC ms. */
#ifndef BC_COUPONS_H
#define BC_COUPONS_H

#include "../http/http.h"

/* Largest fixed value, cap and minimum order of a coupon, KRW. */
#define BC_COUPON_MAX_KRW 100000000LL
/* Largest quantity and per-user limit. */
#define BC_COUPON_MAX_QUANTITY 10000000LL
#define BC_COUPON_MAX_PER_USER 100
/* Most products a live coupon's live may carry that the scope check looks at. */
#define BC_COUPON_LIVE_PRODUCTS 64

/* ---- pure rules (coupons.c) ---- */

/* The terms of a coupon, as stored. kind and scope are static strings of the enums below. */
typedef struct bc_coupon_terms {
    int64_t id;
    char kind[8];                           /* "fixed" | "percent" */
    int64_t value;                          /* KRW (fixed) or percent 1..100 */
    int64_t max_discount;                   /* percent: the cap in KRW, 0 = none */
    int64_t min_order;                      /* KRW over the in-scope lines, 0 = none */
    char scope[8];                          /* "shop" | "seller" | "product" | "live" */
    int64_t seller_id, product_id, live_id; /* 0 when the scope does not name one */
    int64_t starts_at, ends_at;             /* UTC ms, [starts_at, ends_at) */
} bc_coupon_terms;

/* One priced order line, as the coupon sees it. */
typedef struct bc_coupon_line {
    int64_t product_id, seller_id, line_total; /* line_total KRW */
} bc_coupon_line;

/* 1 when line l is in t's scope, else 0: shop: every line; seller: the seller's lines; product:
 * that product's; live: the lines of the n products in live_products (the live's, from
 * bc_live_product_ids). Pure. */
int bc_coupon_line_in_scope(const bc_coupon_terms *t, const bc_coupon_line *l, const int64_t *live_products, int n);
/* The discount (KRW) of t on an in-scope total of in_scope KRW: fixed: value; percent: floor of
 * in_scope * value / 100, at most max_discount when set; never more than in_scope, never below 0.
 * The minimum order is not checked here. Pure. */
int64_t bc_coupon_discount(const bc_coupon_terms *t, int64_t in_scope);

/* ---- store (coupons_store.c: the only SQL of this module) ----
 * The coupon JSON: {id, issuer ("seller"|"admin"), name, scope, seller_id, product_id, live_id
 * (null when the scope names none), kind, value, max_discount (null = no cap), min_order,
 * starts_at, ends_at, quantity (null = unlimited), claimed, remaining (null = unlimited),
 * per_user, downloadable (boolean), status ("ACTIVE"|"DISABLED"), created_at, updated_at};
 * times UTC ms. */

/* A new coupon. terms.id is ignored; ids of 0 are stored NULL. The caller checked everything
 * (the route: scope against the issuer, ownership, bounds). */
typedef struct bc_coupon_new {
    const char *issuer; /* "seller" | "admin" */
    int64_t created_by;
    const char *name;
    bc_coupon_terms terms;
    int64_t quantity; /* 0 = unlimited */
    int64_t per_user; /* 1..BC_COUPON_MAX_PER_USER */
    int downloadable;
} bc_coupon_new;
/* Inserts c; *id = the new coupon's id. BC_OK, BC_EBUSY or BC_ERR. */
int bc_coupon_create(bc_db *db, const bc_coupon_new *c, int64_t *id);
/* The coupon JSON of id into *out (caller owns). BC_OK, BC_ENOTFOUND or a store error. */
int bc_coupon_get(bc_db *db, int64_t id, json_t **out);
/* {items:[coupon]} newest first, at most 500, into *out (caller owns): seller_id > 0 the coupons
 * that seller issued; 0 every coupon (the admin's view). BC_OK, BC_ENOMEM or a store error. */
int bc_coupon_list(bc_db *db, int64_t seller_id, json_t **out);

/* What an edit changes (the discount terms and the scope never change once created). */
typedef struct bc_coupon_patch {
    const char *name;           /* NULL = keep */
    int64_t starts_at, ends_at; /* 0 = keep */
    int64_t quantity;           /* -1 = keep, 0 = unlimited, else at least the claimed count */
    int64_t per_user;           /* 0 = keep */
    int downloadable;           /* -1 = keep */
    const char *status;         /* NULL = keep, "ACTIVE" | "DISABLED" */
} bc_coupon_patch;
/* Applies p to coupon id in one transaction (row locked on PostgreSQL). Authorisation is the
 * caller's. BC_OK, BC_ENOTFOUND, BC_EINVAL (ends_at <= starts_at, or quantity below claimed:
 * nothing changed), BC_EBUSY or BC_ERR. */
int bc_coupon_update(bc_db *db, int64_t id, const bc_coupon_patch *p);

/* Claims one coupon_id for user_id at now_ms in one transaction (bc_db_tx): the coupon must be
 * ACTIVE, downloadable, within its window, its live on air (live coupons); then ONE conditional
 * UPDATE takes a unit of its quantity (claimed + 1 while under quantity) and, the coupon's row
 * being locked by it, the per-user limit is checked before the user coupon is inserted. On
 * BC_OK *user_coupon_id is the new user coupon. Refusals are BC_ENOTFOUND / BC_ECONFLICT with
 * *code a static API code: "COUPON_NOT_FOUND", "COUPON_NOT_CLAIMABLE", "COUPON_LIVE_OFF_AIR",
 * "COUPON_SOLD_OUT", "COUPON_LIMIT_REACHED" (nothing changed). BC_EBUSY or BC_ERR otherwise. */
int bc_coupon_claim(bc_db *db, int64_t coupon_id, int64_t user_id, int64_t now_ms, int64_t *user_coupon_id,
                    const char **code);
/* Issues seller_id's coupon coupon_id to every follower of the seller (bc_accounts_followers_after,
 * pages of 100, one transaction per page; a notice "coupon.issued" to each): the coupon must be
 * the seller's, ACTIVE, not ended and (live coupons) on air; downloadable does not matter. Each
 * follower gets one while the quantity lasts (*sold_out = 1 when it ran out) and per_user allows
 * (else counted in *skipped). *issued = user coupons made. Returns BC_OK, BC_ENOTFOUND (no such
 * coupon of this seller), BC_ECONFLICT with *code ("COUPON_NOT_CLAIMABLE", "COUPON_LIVE_OFF_AIR"),
 * BC_EBUSY or BC_ERR (pages already done stay issued). */
int bc_coupon_issue_followers(bc_db *db, int64_t coupon_id, int64_t seller_id, int64_t now_ms, int64_t *issued,
                              int64_t *skipped, int *sold_out, const char **code);
/* The coupons claimable now (ACTIVE, downloadable, in their window, not sold out; live coupons
 * only while their live is on air) that apply to product_id (0 = any), to live_id (0 = any: the
 * shop's, the live's seller's, the live's and its products' coupons) and to seller_id (0 = any;
 * the product's or live's seller when those are given), newest first, at most 200, as
 * {items:[coupon + held (viewer's count of it), can_claim (boolean)]} into *out (caller owns).
 * viewer_id 0 = anonymous. BC_OK, BC_ENOMEM or a store error. */
int bc_coupon_claimable(bc_db *db, int64_t product_id, int64_t live_id, int64_t seller_id, int64_t viewer_id,
                        int64_t now_ms, json_t **out);
/* user_id's coupons, newest first, at most 500, as {items:[{id (the user coupon), source
 * ("claim"|"followers"), state ("usable"|"used"|"expired"), used_order_id, used_at, claimed_at,
 * coupon}]} into *out (caller owns); state (NULL or "" = all) keeps one state. A coupon whose
 * window has not started yet counts as usable. BC_OK, BC_ENOMEM or a store error. */
int bc_coupon_mine(bc_db *db, int64_t user_id, const char *state, int64_t now_ms, json_t **out);

/* ---- checkout (coupons_store.c); called inside the order's open transaction ---- */

/* Why a user coupon cannot pay for an order: code a static API error code ("COUPON_NOT_FOUND",
 * "COUPON_USED", "COUPON_EXPIRED", "COUPON_LIVE_OFF_AIR", "COUPON_NOT_APPLICABLE"), reason a static
 * word the client may show or branch on ("not_found", "used", "expired", "not_started",
 * "live_off_air", "scope", "min_order"), min_order the coupon's minimum (KRW) with "min_order". */
typedef struct bc_coupon_problem {
    const char *code;
    const char *reason;
    int64_t min_order;
} bc_coupon_problem;

/* Re-validates user_id's user coupon user_coupon_id for the n priced lines at now_ms and computes
 * its discount into *discount (KRW, 0..the in-scope lines' total): it must be user_id's, unused,
 * within its window, its live on air (live coupons, bc_live_state), its scope must match at least
 * one line and the in-scope lines reach min_order. Reads only (the row is spent by
 * bc_coupon_redeem). *in_scope (may be NULL) gets the in-scope lines' total.
 * Returns BC_OK; BC_ENOTFOUND, BC_ECONFLICT (used, expired, live off air) or BC_EINVAL (not
 * started, scope, minimum) with *why set; BC_EBUSY or BC_ERR. */
int bc_coupon_evaluate(bc_db *db, int64_t user_id, int64_t user_coupon_id, const bc_coupon_line *lines, size_t n,
                       int64_t now_ms, int64_t *discount, int64_t *in_scope, bc_coupon_problem *why);
/* Spends user_id's user coupon user_coupon_id on order order_row_id inside the caller's open
 * transaction: one conditional UPDATE (used_order_id still NULL), so of racing checkouts one wins
 * and the others get BC_ECONFLICT (roll back). Call after bc_coupon_evaluate in the same unit.
 * Returns BC_OK, BC_ECONFLICT (already used, or not user_id's), BC_EBUSY or BC_ERR. */
int bc_coupon_redeem(bc_db *db, int64_t user_id, int64_t user_coupon_id, int64_t order_row_id, int64_t now_ms);
/* Gives back the user coupon spent on order order_row_id (used_order_id cleared) when its coupon's
 * window is still open at now_ms; inside the caller's transaction (an order's cancel, failed
 * payment or expiry). *restored (may be NULL) = 1 when one was given back. BC_OK (also when the
 * order spent none, or its window has closed), BC_EBUSY or BC_ERR. */
int bc_coupon_restore(bc_db *db, int64_t order_row_id, int64_t now_ms, int *restored);

/* For the order route: when code is one of bc_coupon_problem's codes, sends its error
 * {code, message, reason, min_order (with "min_order")} with its status and returns 1; else sends
 * nothing and returns 0. */
int bc_coupon_send_problem(bc_req *req, const char *code, const char *reason, int64_t min_order);

extern const bc_route bc_coupon_routes[];

#endif
