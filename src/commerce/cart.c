/* Cart store code: one row per (buyer, product, SKU) in cart_items (sku_id 0: a product without
 * options). */
#include "commerce.h"

#include "../catalog/catalog.h"

#include <string.h>

#define CART_MAX_LINES 50

int bc_cart_json(bc_db *db, int64_t user_id, json_t **out)
{
    json_t *rows = NULL, *lines = NULL;
    bc_catalog_sale prods[CART_MAX_LINES];
    int64_t ids[CART_MAX_LINES], subtotal = 0;
    int n = 0, rc = BC_ERR;
    *out = NULL;
    /* the cart's own rows, then its products in one catalog lookup (commerce reads no catalog table) */
    if (bc_db_rows(db, &rows,
                   "SELECT c.product_id, c.sku_id, c.quantity, k.opt1, k.opt2, k.price_delta, k.stock AS sku_stock,"
                   " k.active, k.retired FROM cart_items c LEFT JOIN product_skus k ON k.id = c.sku_id"
                   " AND k.product_id = c.product_id WHERE c.user_id = ? ORDER BY c.product_id, c.sku_id",
                   "i", user_id) < 0)
        goto out;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r)
        if (n < CART_MAX_LINES) /* bc_cart_set keeps a cart at CART_MAX_LINES lines */
            ids[n++] = json_integer_value(json_object_get(r, "product_id"));
    if (bc_catalog_product_sales(db, ids, n, prods) != BC_OK)
        goto out;
    if (!(lines = json_array()))
        goto out;
    for (int k = 0; k < n; k++) {
        const bc_catalog_sale *p = &prods[k];
        if (p->id == 0 || p->deleted)
            continue;
        json_t *row = json_array_get(rows, (size_t)k);
        int64_t qty = json_integer_value(json_object_get(row, "quantity"));
        int64_t sku = json_integer_value(json_object_get(row, "sku_id"));
        /* product options as SKUs: the SKU's price difference, stock and label */
        int64_t price = p->price, stock = p->stock;
        const char *status = p->status;
        char label[BC_SKU_LABEL_MAX] = "";
        if (sku > 0) {
            if (json_is_null(json_object_get(row, "opt1")))
                continue; /* not a SKU of the product (any more) */
            price += json_integer_value(json_object_get(row, "price_delta"));
            stock = json_integer_value(json_object_get(row, "sku_stock"));
            if (strcmp(status, "HIDDEN") != 0 && (stock == 0 || !json_integer_value(json_object_get(row, "active")) ||
                                                  json_integer_value(json_object_get(row, "retired"))))
                status = "SOLD_OUT";
            bc_sku_label(json_string_value(json_object_get(row, "opt1")),
                         json_string_value(json_object_get(row, "opt2")), label, sizeof label);
        }
        json_t *l = json_pack("{s:I,s:s,s:o,s:I,s:I,s:I,s:I,s:s}", "product_id", (json_int_t)ids[k], "name", p->name,
                              "image_url", p->image_url[0] ? json_string(p->image_url) : json_null(), "unit_price",
                              (json_int_t)price, "quantity", (json_int_t)qty, "line_total", (json_int_t)(price * qty),
                              "stock", (json_int_t)stock, "status", status);
        if (l && sku > 0) { /* only a SKU's line has them */
            json_object_set_new(l, "sku_id", json_integer(sku));
            json_object_set_new(l, "option_label", json_string(label));
        }
        if (!l || json_array_append_new(lines, l) != 0)
            goto out;
        subtotal += price * qty;
    }
    int64_t fee = bc_order_shipping_fee(subtotal);
    *out = json_pack("{s:O,s:I,s:I,s:I}", "lines", lines, "subtotal", (json_int_t)subtotal, "shipping_fee",
                     (json_int_t)fee, "total", (json_int_t)(subtotal + fee));
    rc = *out ? BC_OK : BC_ERR;
out:
    json_decref(rows);
    json_decref(lines);
    return rc;
}

typedef struct set_args {
    int64_t user_id, product_id, sku_id, quantity;
    const char **code;
} set_args;

/* The unit of work of bc_cart_set (run by bc_db_tx): the line count and the upsert see the same
 * cart, so two concurrent PUTs cannot both pass the CART_MAX_LINES check: the buyer's cart lock
 * (bc_db_lock; SQLite's one write lock) orders the PUTs of one buyer, other buyers run in parallel. */
static int cart_set_tx(bc_db *db, void *arg)
{
    set_args *a = arg;
    int64_t user_id = a->user_id, product_id = a->product_id, quantity = a->quantity;
    bc_catalog_sale p;
    int64_t others = 0;
    int rc = bc_db_lock(db, BC_DB_LOCK_CART, user_id);
    if (rc != BC_OK)
        goto out;
    if ((rc = bc_catalog_product_sale(db, product_id, &p)) != BC_OK)
        goto out;
    if (!p.visible) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    /* product options as SKUs: a product with options goes into the cart per SKU */
    bc_sku sku;
    if ((rc = bc_sku_resolve(db, product_id, a->sku_id, &sku, a->code)) != BC_OK)
        goto out;
    if (strcmp(p.status, "ON_SALE") != 0 || quantity > (sku.id > 0 ? sku.stock : p.stock)) {
        rc = BC_ECONFLICT;
        goto out;
    }
    if (bc_db_int(db, &others,
                  "SELECT COUNT(*) FROM cart_items WHERE user_id = ? AND NOT (product_id = ? AND sku_id = ?)", "iii",
                  user_id, product_id, sku.id) < 0) {
        rc = BC_ERR;
        goto out;
    }
    if (others >= CART_MAX_LINES) {
        rc = BC_EINVAL;
        goto out;
    }
    rc = bc_db_exec(db,
                    "INSERT INTO cart_items (user_id, product_id, sku_id, quantity, updated_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (user_id, product_id, sku_id) DO UPDATE SET quantity = excluded.quantity,"
                    " updated_at = excluded.updated_at",
                    "iiiii", user_id, product_id, sku.id, quantity, bc_now_ms());
    rc = rc == BC_EBUSY ? BC_EBUSY : rc < 0 ? BC_ERR : BC_OK;
out:
    return rc;
}

int bc_cart_set(bc_db *db, int64_t user_id, int64_t product_id, int64_t sku_id, int64_t quantity, const char **code)
{
    const char *none = NULL;
    if (!code)
        code = &none;
    *code = NULL;
    if (quantity < 1 || quantity > 99)
        return BC_EINVAL;
    set_args a = {user_id, product_id, sku_id, quantity, code};
    return bc_db_tx(db, cart_set_tx, &a);
}

int bc_cart_remove(bc_db *db, int64_t user_id, int64_t product_id, int64_t sku_id)
{
    return bc_db_exec(db, "DELETE FROM cart_items WHERE user_id = ? AND product_id = ? AND (? < 0 OR sku_id = ?)",
                      "iiii", user_id, product_id, sku_id, sku_id) < 0
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
