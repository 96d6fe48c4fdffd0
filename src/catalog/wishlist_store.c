/* The SQL of the wishlist (찜): table product_wishes and the count products.wish_count, changed
 * together in one transaction. Product JSON comes from bc_catalog_products_load. */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

typedef struct wish_args {
    int64_t user_id, product_id;
    int on;
    int64_t count; /* out */
} wish_args;

static int wish_tx(bc_db *db, void *arg)
{
    wish_args *a = arg;
    bc_catalog_sale p;
    a->count = 0;
    int rc = bc_catalog_product_sale(db, a->product_id, &p);
    if (rc != BC_OK)
        return rc;
    if (a->on && !p.visible)
        return BC_ENOTFOUND;
    if (a->on) {
        rc = bc_db_exec(db,
                        "INSERT INTO product_wishes (user_id, product_id, created_at) VALUES (?, ?, ?)"
                        " ON CONFLICT DO NOTHING",
                        "iii", a->user_id, a->product_id, bc_now_ms());
        if (rc == 1)
            rc = bc_db_exec(db, "UPDATE products SET wish_count = wish_count + 1 WHERE id = ?", "i", a->product_id);
    } else {
        rc = bc_db_exec(db, "DELETE FROM product_wishes WHERE user_id = ? AND product_id = ?", "ii", a->user_id,
                        a->product_id);
        if (rc == 1)
            rc = bc_db_exec(db, "UPDATE products SET wish_count = wish_count - 1 WHERE id = ? AND wish_count > 0", "i",
                            a->product_id);
    }
    if (rc < 0)
        return rc;
    rc = bc_db_int(db, &a->count, "SELECT wish_count FROM products WHERE id = ?", "i", a->product_id);
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ENOTFOUND;
}

int bc_catalog_wish(bc_db *db, int64_t user_id, int64_t product_id, int on, int64_t *count)
{
    wish_args a = {user_id, product_id, on, 0};
    int rc = bc_db_tx(db, wish_tx, &a);
    if (rc == BC_OK)
        *count = a.count;
    return rc;
}

int bc_catalog_wishes_drop_user(bc_db *db, int64_t user_id, int64_t *dropped)
{
    int64_t after = 0, count = 0;
    int rc = BC_OK;
    *dropped = 0;
    for (;;) {
        json_t *rows = NULL, *r;
        size_t i;
        rc = bc_db_rows(db, &rows,
                        "SELECT product_id FROM product_wishes WHERE user_id = ? AND product_id > ?"
                        " ORDER BY product_id LIMIT 100",
                        "ii", user_id, after);
        if (rc < 0)
            return rc;
        size_t n = json_array_size(rows);
        rc = BC_OK;
        json_array_foreach (rows, i, r) {
            after = json_integer_value(json_object_get(r, "product_id"));
            if ((rc = bc_catalog_wish(db, user_id, after, 0, &count)) == BC_OK)
                ++*dropped;
            else if (rc != BC_ENOTFOUND)
                break;
            rc = BC_OK;
        }
        json_decref(rows);
        if (rc != BC_OK || n < 100)
            return rc;
    }
}

int bc_catalog_wished(bc_db *db, int64_t user_id, int64_t product_id, int *out)
{
    int64_t one = 0;
    int rc = bc_db_int(db, &one, "SELECT 1 FROM product_wishes WHERE user_id = ? AND product_id = ?", "ii", user_id,
                       product_id);
    *out = rc == 1;
    return rc < 0 ? rc : BC_OK;
}

int bc_catalog_wishlist(bc_db *db, int64_t user_id, int64_t page, int64_t per_page, json_t **out)
{
    json_t *rows = NULL, *items = NULL;
    json_t **loaded = NULL;
    int64_t total = 0, ids[100];
    *out = NULL;
    if (page < 1 || per_page < 1 || per_page > 100)
        return BC_EINVAL;
    int rc = bc_db_int(db, &total,
                       "SELECT count(*) FROM product_wishes w JOIN products p ON p.id = w.product_id"
                       " WHERE w.user_id = ? AND p.deleted = 0 AND p.status <> 'HIDDEN'",
                       "i", user_id);
    if (rc < 0)
        goto out;
    rc = bc_db_rows(db, &rows,
                    "SELECT w.product_id, w.created_at FROM product_wishes w JOIN products p ON p.id = w.product_id"
                    " WHERE w.user_id = ? AND p.deleted = 0 AND p.status <> 'HIDDEN'"
                    " ORDER BY w.created_at DESC, w.product_id DESC LIMIT ? OFFSET ?",
                    "iii", user_id, per_page, (page - 1) * per_page);
    if (rc < 0)
        goto out;
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r)
        ids[n++] = json_integer_value(json_object_get(r, "product_id"));
    rc = BC_ENOMEM;
    if (!(loaded = calloc((size_t)(n ? n : 1), sizeof *loaded)) || !(items = json_array()))
        goto out;
    if ((rc = bc_catalog_products_load(db, ids, n, loaded)) != BC_OK)
        goto out;
    for (int k = 0; k < n; k++) {
        if (!loaded[k])
            continue;
        json_object_del(loaded[k], "deleted");
        json_object_set_new(loaded[k], "wished", json_true());
        json_object_set(loaded[k], "wished_at", json_object_get(json_array_get(rows, (size_t)k), "created_at"));
        json_array_append(items, loaded[k]);
    }
    *out = json_pack("{s:O,s:I,s:I,s:I}", "items", items, "page", (json_int_t)page, "per_page", (json_int_t)per_page,
                     "total", (json_int_t)total);
    rc = *out ? BC_OK : BC_ENOMEM;
out:
    if (loaded)
        for (int k = 0; k < (int)json_array_size(rows); k++)
            json_decref(loaded[k]);
    free(loaded);
    json_decref(items);
    json_decref(rows);
    return rc;
}

int bc_catalog_wished_ids(bc_db *db, int64_t user_id, json_t **out)
{
    json_t *rows = NULL, *ids = json_array();
    *out = NULL;
    int rc = ids ? bc_db_rows(db, &rows,
                              "SELECT product_id FROM product_wishes WHERE user_id = ?"
                              " ORDER BY created_at DESC, product_id DESC LIMIT 1000",
                              "i", user_id)
                 : BC_ENOMEM;
    if (rc >= 0) {
        size_t i;
        json_t *r;
        json_array_foreach (rows, i, r)
            json_array_append(ids, json_object_get(r, "product_id"));
        *out = json_pack("{s:O}", "ids", ids);
        rc = *out ? BC_OK : BC_ENOMEM;
    }
    json_decref(rows);
    json_decref(ids);
    return rc;
}
