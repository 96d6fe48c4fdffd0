/* Shipments: one per seller of an order (carrier, tracking number, its own status and fee), and
 * the per-seller shipping fee rules. Store code of commerce (SQL allowed here). The state
 * changes of shipments are actions of the order state machine (orders.c). */
#include "commerce.h"

int bc_shipping_get(bc_db *db, int64_t seller_id, int64_t *fee, int64_t *free_over, int *is_default)
{
    json_t *row = NULL;
    int rc = bc_db_row(db, &row, "SELECT shipping_fee, free_shipping_over FROM seller_shipping WHERE seller_id = ?",
                       "i", seller_id);
    if (rc < 0)
        return BC_ERR;
    *is_default = rc == 0;
    *fee = rc ? json_integer_value(json_object_get(row, "shipping_fee")) : bc_cfg.shipping_fee;
    *free_over = rc ? json_integer_value(json_object_get(row, "free_shipping_over")) : bc_cfg.free_shipping_over;
    json_decref(row);
    return BC_OK;
}

int bc_shipping_set(bc_db *db, int64_t seller_id, int64_t fee, int64_t free_over)
{
    if (fee < 0 || fee > 1000000 || free_over < 0 || free_over > 100000000)
        return BC_EINVAL;
    int rc =
        bc_db_exec(db,
                   "INSERT INTO seller_shipping (seller_id, shipping_fee, free_shipping_over, updated_at)"
                   " VALUES (?, ?, ?, ?) ON CONFLICT (seller_id) DO UPDATE SET shipping_fee = excluded.shipping_fee,"
                   " free_shipping_over = excluded.free_shipping_over, updated_at = excluded.updated_at",
                   "iiii", seller_id, fee, free_over, bc_now_ms());
    return rc < 0 ? BC_ERR : BC_OK;
}

int bc_shipping_fee_for(bc_db *db, int64_t seller_id, int64_t seller_subtotal, int64_t *fee)
{
    int64_t base, over;
    int dflt;
    *fee = 0;
    if (seller_subtotal <= 0)
        return BC_OK;
    if (bc_shipping_get(db, seller_id, &base, &over, &dflt) != BC_OK)
        return BC_ERR;
    *fee = seller_subtotal >= over ? 0 : base;
    return BC_OK;
}

int bc_shipments_create(bc_db *db, int64_t order_row_id)
{
    json_t *parts = NULL;
    int rc = BC_ERR;
    int64_t now = bc_now_ms();
    if (bc_db_rows(db, &parts,
                   "SELECT seller_id, SUM(line_total) AS subtotal FROM order_lines WHERE order_id = ?"
                   " GROUP BY seller_id ORDER BY seller_id",
                   "i", order_row_id) < 0)
        goto out;
    size_t i;
    json_t *p;
    json_array_foreach (parts, i, p) {
        int64_t seller = json_integer_value(json_object_get(p, "seller_id"));
        int64_t sub = json_integer_value(json_object_get(p, "subtotal")), fee;
        if (bc_shipping_fee_for(db, seller, sub, &fee) != BC_OK)
            goto out;
        if (bc_db_exec(db,
                       "INSERT INTO shipments (order_id, seller_id, status, subtotal, shipping_fee, created_at,"
                       " updated_at) VALUES (?, ?, 'PENDING_PAYMENT', ?, ?, ?, ?)",
                       "iiiiii", order_row_id, seller, sub, fee, now, now) < 0)
            goto out;
    }
    if (bc_db_exec(db,
                   "INSERT INTO order_events (order_id, shipment_id, from_status, to_status, actor_id, actor_role,"
                   " reason, created_at) SELECT id, NULL, NULL, 'PENDING_PAYMENT', buyer_id, 'buyer', 'order placed', ?"
                   " FROM orders WHERE id = ?",
                   "ii", now, order_row_id) < 0)
        goto out;
    /* no notice yet: an unpaid order is not news to its seller, and a flash sale's unpaid orders
     * that expire would flood both sides; the first notices come with the payment (order.PAID) */
    rc = BC_OK;
out:
    json_decref(parts);
    return rc;
}

int bc_shipments_json(bc_db *db, int64_t order_row_id, int64_t only_seller, json_t **out)
{
    json_t *ships = NULL, *lines = NULL;
    int rc = BC_ERR;
    *out = NULL;
    if (bc_db_rows(db, &ships,
                   "SELECT id, seller_id, status, subtotal, shipping_fee, refunded, carrier, tracking_number,"
                   " shipped_at, delivered_at FROM shipments WHERE order_id = ? AND (? = 0 OR seller_id = ?)"
                   " ORDER BY id",
                   "iii", order_row_id, only_seller, only_seller) < 0 ||
        bc_db_rows(
            db, &lines,
            "SELECT id AS line_id, seller_id, product_id, sku_id, product_name, option_label, unit_price, quantity,"
            " line_total, canceled_at FROM order_lines WHERE order_id = ? AND (? = 0 OR seller_id = ?) ORDER BY id",
            "iii", order_row_id, only_seller, only_seller) < 0)
        goto out;
    size_t i, j;
    json_t *s, *l;
    json_array_foreach (ships, i, s) {
        json_t *mine = json_array();
        json_int_t seller = json_integer_value(json_object_get(s, "seller_id"));
        json_array_foreach (lines, j, l) {
            if (json_integer_value(json_object_get(l, "seller_id")) != seller)
                continue;
            json_t *c = json_deep_copy(l);
            json_object_set_new(c, "canceled", json_boolean(!json_is_null(json_object_get(c, "canceled_at"))));
            json_object_del(c, "canceled_at");
            json_object_del(c, "seller_id");
            if (json_is_null(json_object_get(c, "sku_id"))) { /* SKUs: only a SKU's line has them */
                json_object_del(c, "sku_id");
                json_object_del(c, "option_label");
            }
            json_array_append_new(mine, c);
        }
        json_object_set_new(s, "lines", mine);
    }
    *out = ships;
    ships = NULL;
    rc = BC_OK;
out:
    json_decref(ships);
    json_decref(lines);
    return rc;
}
