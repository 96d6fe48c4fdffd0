/* Points of orders: spending them at checkout, giving them back on a refund or when an unpaid
 * order ends, and earning on purchase confirmation. The ledger itself is the points module's
 * (bc_points_* in src/points/points.h); this file changes only orders (points_used, amount) and
 * reads order lines and shipments. Store code of commerce (SQL allowed here), every function inside
 * the caller's open transaction. */
#include "commerce.h"

#include "../points/points.h"

#include <string.h>

int64_t bc_order_points_gateway_part(int64_t amount, int64_t refunded_before, int64_t refund)
{
    if (refund <= 0 || amount <= 0)
        return 0;
    int64_t before = refunded_before < amount ? refunded_before : amount;
    int64_t after = refunded_before + refund < amount ? refunded_before + refund : amount;
    return after > before ? after - before : 0;
}

static void points_problem(bc_order_problem *why, const char *code)
{
    if (!why)
        return;
    why->code = code;
    why->product_id = 0;
    why->product_name[0] = 0;
}

int bc_order_points_apply(bc_db *db, int64_t buyer_id, int64_t order_row, int64_t points, bc_order_problem *why)
{
    bc_order_head h;
    char ref[96], key[96];
    if (points <= 0)
        return BC_OK;
    int rc = bc_order_head_get(db, order_row, &h);
    if (rc != BC_OK)
        return rc == BC_ENOTFOUND ? BC_ERR : rc;
    if (points > h.amount) {
        points_problem(why, "POINTS_EXCEED_AMOUNT");
        return BC_EINVAL;
    }
    rc = bc_db_exec(db,
                    "UPDATE orders SET points_used = points_used + ?, amount = amount - ?"
                    " WHERE id = ? AND amount >= ? AND status = 'PENDING_PAYMENT'",
                    "iiii", points, points, order_row, points);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    snprintf(ref, sizeof ref, "order:%s", h.order_id);
    rc = bc_points_spend(db, buyer_id, points, "주문 결제 / order payment", ref, NULL);
    if (rc == BC_ECONFLICT) {
        points_problem(why, "INSUFFICIENT_POINTS");
        return BC_ECONFLICT;
    }
    if (rc != BC_OK)
        return rc;
    if (h.amount - points > 0)
        return BC_OK;
    /* nothing left for the gateway: paid now, with the points */
    snprintf(key, sizeof key, "POINTS-%s", h.order_id);
    return bc_order_mark_paid(db, order_row, key, 0, "POINTS", bc_now_ms(), NULL);
}

int bc_order_points_refund(bc_db *db, int64_t buyer_id, int64_t order_row, const char *scope, int64_t points)
{
    bc_order_head h;
    char ref[96], idem[128];
    if (points <= 0)
        return BC_OK;
    int rc = bc_order_head_get(db, order_row, &h);
    if (rc != BC_OK)
        return rc == BC_ENOTFOUND ? BC_ERR : rc;
    snprintf(ref, sizeof ref, "order:%s", h.order_id);
    snprintf(idem, sizeof idem, "order-refund:%lld:%s", (long long)order_row, scope ? scope : "order");
    rc = bc_points_credit(db, buyer_id, "REFUND", points, "주문 환불 / order refund", ref, idem, NULL);
    return rc == BC_ECONFLICT ? BC_OK : rc;
}

int bc_order_points_release(bc_db *db, int64_t order_row)
{
    json_t *o = NULL;
    char ref[96], idem[64];
    int rc = bc_db_row(db, &o, "SELECT buyer_id, order_id, points_used FROM orders WHERE id = ?", "i", order_row);
    if (rc <= 0)
        return rc < 0 ? rc : BC_OK;
    int64_t buyer = json_integer_value(json_object_get(o, "buyer_id"));
    int64_t used = json_integer_value(json_object_get(o, "points_used"));
    snprintf(ref, sizeof ref, "order:%s", json_string_value(json_object_get(o, "order_id")));
    json_decref(o);
    if (used <= 0)
        return BC_OK;
    snprintf(idem, sizeof idem, "order-unpaid:%lld", (long long)order_row);
    rc = bc_points_credit(db, buyer, "REFUND", used, "주문 미결제 종료 / order not paid", ref, idem, NULL);
    return rc == BC_ECONFLICT ? BC_OK : rc;
}

int bc_order_points_confirmed(bc_db *db, int64_t order_row, int64_t shipment_id)
{
    bc_points_rates rates;
    json_t *o = NULL, *lines = NULL, *l;
    size_t i;
    char ref[96], idem[64];
    int rc = bc_points_rates_get(db, &rates);
    if (rc != BC_OK || rates.purchase_bp <= 0)
        return rc;
    if ((rc = bc_db_row(db, &o, "SELECT buyer_id, order_id, amount, points_used, refunded FROM orders WHERE id = ?",
                        "i", order_row)) <= 0)
        return rc < 0 ? rc : BC_OK;
    int64_t buyer = json_integer_value(json_object_get(o, "buyer_id"));
    int64_t amount = json_integer_value(json_object_get(o, "amount"));
    int64_t used = json_integer_value(json_object_get(o, "points_used"));
    int64_t refunded = json_integer_value(json_object_get(o, "refunded"));
    snprintf(ref, sizeof ref, "order:%s", json_string_value(json_object_get(o, "order_id")));
    json_decref(o);
    /* what the gateway still keeps of what the order still keeps (gateway refunded first) */
    int64_t gw_kept = amount - (refunded < amount ? refunded : amount), gross_kept = amount + used - refunded;
    if (gw_kept <= 0 || gross_kept <= 0)
        return BC_OK;
    if (bc_db_rows(db, &lines,
                   "SELECT l.id, l.line_total FROM order_lines l JOIN shipments s ON s.order_id = l.order_id"
                   " AND s.seller_id = l.seller_id WHERE s.id = ? AND l.order_id = ? AND l.canceled_at IS NULL"
                   " ORDER BY l.id",
                   "ii", shipment_id, order_row) < 0)
        return BC_ERR;
    rc = BC_OK;
    json_array_foreach (lines, i, l) {
        int64_t total = json_integer_value(json_object_get(l, "line_total")); /* <= 1e9, as is gw_kept */
        int64_t share = total * gw_kept / gross_kept;
        int64_t earn = bc_points_for_paid(share, rates.purchase_bp);
        if (earn <= 0)
            continue;
        snprintf(idem, sizeof idem, "earn-line:%lld", (long long)json_integer_value(json_object_get(l, "id")));
        rc = bc_points_earn(db, buyer, earn, "구매 확정 적립 / purchase confirmed", ref, idem, NULL);
        if (rc == BC_ECONFLICT)
            rc = BC_OK;
        if (rc != BC_OK)
            break;
    }
    json_decref(lines);
    return rc;
}
