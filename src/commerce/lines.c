/* Order lines as other modules see them (bc_order_line_get, bc_order_lines_delivered): store code
 * of commerce, reading order_lines with their order and shipment. */
#include "commerce.h"

#include <string.h>

#define LINE_COLUMNS                                                                                                   \
    "SELECT l.id, l.order_id, o.order_id, o.buyer_id, l.product_id, l.seller_id, l.product_name, l.canceled_at,"       \
    " COALESCE(s.status, o.status), COALESCE(s.delivered_at, 0) FROM order_lines l JOIN orders o ON o.id = l.order_id" \
    " LEFT JOIN shipments s ON s.order_id = l.order_id AND s.seller_id = l.seller_id"

/* Fills out from a row of LINE_COLUMNS. */
static void line_row(bc_stmt *st, bc_order_line_facts *out)
{
    memset(out, 0, sizeof *out);
    out->line_id = bc_stmt_int(st, 0);
    out->order_row_id = bc_stmt_int(st, 1);
    bc_str_copy(out->order_id, sizeof out->order_id, bc_stmt_text(st, 2));
    out->buyer_id = bc_stmt_int(st, 3);
    out->product_id = bc_stmt_int(st, 4);
    out->seller_id = bc_stmt_int(st, 5);
    bc_str_copy(out->product_name, sizeof out->product_name, bc_stmt_text(st, 6));
    bc_str_copy(out->status, sizeof out->status, bc_stmt_is_null(st, 7) ? bc_stmt_text(st, 8) : "CANCELED");
    out->delivered_at = bc_stmt_int(st, 9);
}

int bc_order_line_get(bc_db *db, int64_t line_id, bc_order_line_facts *out)
{
    memset(out, 0, sizeof *out);
    bc_stmt *st = bc_db_prepare(db, LINE_COLUMNS " WHERE l.id = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, line_id);
    int rc = bc_stmt_step(st);
    if (rc == 1) {
        line_row(st, out);
        rc = BC_OK;
    } else if (rc == 0) {
        rc = BC_ENOTFOUND;
    }
    bc_stmt_reset(st);
    return rc;
}

int bc_order_lines_delivered(bc_db *db, int64_t buyer_id, int max, bc_order_line_facts *out, int *n)
{
    *n = 0;
    if (max < 1 || max > 200)
        return BC_EINVAL;
    bc_stmt *st = bc_db_prepare(db, LINE_COLUMNS " WHERE o.buyer_id = ? AND l.canceled_at IS NULL"
                                                 " AND s.status IN ('DELIVERED', 'PURCHASE_CONFIRMED')"
                                                 " ORDER BY l.id DESC LIMIT ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, buyer_id);
    bc_stmt_bind_int(st, 2, max);
    int rc;
    while ((rc = bc_stmt_step(st)) == 1 && *n < max)
        line_row(st, &out[(*n)++]);
    bc_stmt_reset(st);
    return rc < 0 ? rc : BC_OK;
}
