/* Cart store code: one row per (buyer, product) in cart_items. */
#include "commerce.h"

#include <string.h>

#define CART_MAX_LINES 50

int bc_cart_json(bc_db *db, int64_t user_id, json_t **out)
{
    json_t *lines = NULL;
    int64_t subtotal = 0;
    *out = NULL;
    if (bc_db_rows(db, &lines,
                   "SELECT ci.product_id, p.name, p.image_url, p.price AS unit_price, ci.quantity,"
                   " p.price * ci.quantity AS line_total, p.stock, p.status"
                   " FROM cart_items ci JOIN products p ON p.id = ci.product_id"
                   " WHERE ci.user_id = ? AND p.deleted = 0 ORDER BY ci.product_id",
                   "i", user_id) < 0)
        return BC_ERR;
    size_t i;
    json_t *l;
    json_array_foreach (lines, i, l)
        subtotal += json_integer_value(json_object_get(l, "line_total"));
    int64_t fee = bc_order_shipping_fee(subtotal);
    *out = json_pack("{s:o,s:I,s:I,s:I}", "lines", lines, "subtotal", (json_int_t)subtotal, "shipping_fee",
                     (json_int_t)fee, "total", (json_int_t)(subtotal + fee));
    return *out ? BC_OK : BC_ERR;
}

typedef struct set_args {
    int64_t user_id, product_id, quantity;
} set_args;

/* The unit of work of bc_cart_set (run by bc_db_tx): the line count and the upsert see the same
 * cart, so two concurrent PUTs cannot both pass the CART_MAX_LINES check: the buyer's cart lock
 * (bc_db_lock; SQLite's one write lock) orders the PUTs of one buyer, other buyers run in parallel. */
static int cart_set_tx(bc_db *db, void *arg)
{
    set_args *a = arg;
    int64_t user_id = a->user_id, product_id = a->product_id, quantity = a->quantity;
    json_t *p = NULL;
    int64_t others = 0;
    int rc = bc_db_lock(db, BC_DB_LOCK_CART, user_id);
    if (rc != BC_OK)
        goto out;
    rc = bc_db_row(db, &p, "SELECT stock, status, deleted FROM products WHERE id = ?", "i", product_id);
    if (rc <= 0) {
        rc = rc < 0 ? BC_ERR : BC_ENOTFOUND;
        goto out;
    }
    const char *status = json_string_value(json_object_get(p, "status"));
    if (json_integer_value(json_object_get(p, "deleted")) || !status || strcmp(status, "HIDDEN") == 0) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    if (strcmp(status, "ON_SALE") != 0 || quantity > json_integer_value(json_object_get(p, "stock"))) {
        rc = BC_ECONFLICT;
        goto out;
    }
    if (bc_db_int(db, &others, "SELECT COUNT(*) FROM cart_items WHERE user_id = ? AND product_id <> ?", "ii", user_id,
                  product_id) < 0) {
        rc = BC_ERR;
        goto out;
    }
    if (others >= CART_MAX_LINES) {
        rc = BC_EINVAL;
        goto out;
    }
    rc = bc_db_exec(db,
                    "INSERT INTO cart_items (user_id, product_id, quantity, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = excluded.quantity,"
                    " updated_at = excluded.updated_at",
                    "iiii", user_id, product_id, quantity, bc_now_ms());
    rc = rc == BC_EBUSY ? BC_EBUSY : rc < 0 ? BC_ERR : BC_OK;
out:
    json_decref(p);
    return rc;
}

int bc_cart_set(bc_db *db, int64_t user_id, int64_t product_id, int64_t quantity)
{
    if (quantity < 1 || quantity > 99)
        return BC_EINVAL;
    set_args a = {user_id, product_id, quantity};
    return bc_db_tx(db, cart_set_tx, &a);
}

int bc_cart_remove(bc_db *db, int64_t user_id, int64_t product_id)
{
    return bc_db_exec(db, "DELETE FROM cart_items WHERE user_id = ? AND product_id = ?", "ii", user_id, product_id) < 0
               ? BC_ERR
               : BC_OK;
}

int bc_cart_clear(bc_db *db, int64_t user_id)
{
    return bc_db_exec(db, "DELETE FROM cart_items WHERE user_id = ?", "i", user_id) < 0 ? BC_ERR : BC_OK;
}

int bc_cart_drop_product(bc_db *db, int64_t product_id)
{
    int rc = bc_db_exec(db, "DELETE FROM cart_items WHERE product_id = ?", "i", product_id);
    return rc >= 0 ? BC_OK : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
}
