/* Coupons at checkout and on cancel (commerce's side of the coupons module, src/coupons/coupons.h):
 * the order's transaction re-validates the buyer's user coupon and prices its discount before the
 * order row is written, spends it and records orders.coupon_discount after, and every way an
 * order ends unpaid or canceled gives the coupon back. Store code of commerce (SQL allowed here:
 * the orders row). */
#include "commerce.h"

#include <string.h>

int bc_order_coupon_price(bc_db *db, int64_t buyer_id, int64_t user_coupon_id, const bc_coupon_line *lines, size_t n,
                          int64_t now_ms, int64_t *discount, bc_order_problem *why)
{
    bc_coupon_problem p = {0};
    int rc = bc_coupon_evaluate(db, buyer_id, user_coupon_id, lines, n, now_ms, discount, NULL, &p);
    if (rc != BC_OK && p.code && why) {
        why->code = p.code;
        why->coupon_reason = p.reason;
        why->coupon_min_order = p.min_order;
    }
    return rc;
}

int bc_order_coupon_attach(bc_db *db, int64_t buyer_id, int64_t user_coupon_id, int64_t order_row_id, int64_t discount,
                           int64_t now_ms, bc_order_problem *why)
{
    int rc = bc_coupon_redeem(db, buyer_id, user_coupon_id, order_row_id, now_ms);
    if (rc == BC_ECONFLICT && why) { /* a racing checkout spent it first */
        why->code = "COUPON_USED";
        why->coupon_reason = "used";
        return rc;
    }
    if (rc != BC_OK)
        return rc;
    rc = bc_db_exec(db, "UPDATE orders SET coupon_discount = ?, amount = amount - ? WHERE id = ?", "iii", discount,
                    discount, order_row_id);
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ERR;
}

int bc_order_coupon_release(bc_db *db, int64_t order_row_id, int64_t now_ms)
{
    return bc_coupon_restore(db, order_row_id, now_ms, NULL);
}
