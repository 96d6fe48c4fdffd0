/* Product options as SKUs: a product's option groups (product_options) and one SKU per combination
 * of their values (product_skus) with its own stock, price difference, code and active flag. The
 * SKUs' stock changes only in stock.c (bc_stock_apply with sku_id: a conditional UPDATE and a ledger
 * row); here the grid is built and rebuilt, SKUs edited, resolved for a line and rendered into the
 * product JSON. Every write locks the product row first (bc_stock_product_lock) and ends with
 * bc_stock_sku_sync, which keeps products.stock the sum of the active SKUs and drops the product's
 * cached rendering. Store code of commerce (SQL allowed here). */
#include "commerce.h"

#include "../catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DELTA 100000000LL

/* ---- pure rules ---- */

/* 1 when s is 1..BC_SKU_TEXT_MAX characters of one line, not blank. */
static int text_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, len = n ? bc_utf8_len(s) : 0;
    if (n == 0 || len > BC_SKU_TEXT_MAX || bc_utf8_check(s, n, BC_TEXT_LINE, NULL, NULL) != BC_OK)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p != ' ' && *p != '\t')
            return 1;
    return 0;
}

int bc_sku_check_groups(json_t *groups, char *msg, size_t msglen)
{
    size_t i, j, k;
    json_t *g, *v;
    if (!json_is_array(groups) || json_array_size(groups) > BC_SKU_MAX_GROUPS) {
        snprintf(msg, msglen, "'groups' must be an array of at most %d option groups", BC_SKU_MAX_GROUPS);
        return BC_EINVAL;
    }
    json_array_foreach (groups, i, g) {
        json_t *values = json_object_get(g, "values");
        if (!json_is_object(g) || !text_ok(json_string_value(json_object_get(g, "name")))) {
            snprintf(msg, msglen, "groups[%zu].name must be 1 to %d characters, not blank", i, BC_SKU_TEXT_MAX);
            return BC_EINVAL;
        }
        for (k = 0; k < i; k++)
            if (strcmp(json_string_value(json_object_get(json_array_get(groups, k), "name")),
                       json_string_value(json_object_get(g, "name"))) == 0) {
                snprintf(msg, msglen, "groups[%zu].name repeats groups[%zu].name", i, k);
                return BC_EINVAL;
            }
        if (!json_is_array(values) || json_array_size(values) < 1 || json_array_size(values) > BC_SKU_MAX_VALUES) {
            snprintf(msg, msglen, "groups[%zu].values must hold 1 to %d values", i, BC_SKU_MAX_VALUES);
            return BC_EINVAL;
        }
        json_array_foreach (values, j, v) {
            const char *s = json_string_value(v);
            if (!text_ok(s) || strstr(s, " / ")) {
                snprintf(msg, msglen, "groups[%zu].values[%zu] must be 1 to %d characters, not blank, without ' / '", i,
                         j, BC_SKU_TEXT_MAX);
                return BC_EINVAL;
            }
            for (k = 0; k < j; k++)
                if (strcmp(json_string_value(json_array_get(values, k)), s) == 0) {
                    snprintf(msg, msglen, "groups[%zu].values[%zu] repeats values[%zu]", i, j, k);
                    return BC_EINVAL;
                }
        }
    }
    return BC_OK;
}

void bc_sku_label(const char *opt1, const char *opt2, char *out, size_t len)
{
    if (opt2 && *opt2)
        snprintf(out, len, "%s / %s", opt1 ? opt1 : "", opt2);
    else
        snprintf(out, len, "%s", opt1 ? opt1 : "");
}

/* ---- reads ---- */

int bc_sku_has_options(bc_db *db, int64_t product_id, int *has)
{
    int64_t one = 0;
    *has = 0;
    int rc = bc_db_int(db, &one, "SELECT 1 FROM product_options WHERE product_id = ?", "i", product_id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    *has = rc == 1;
    return BC_OK;
}

int bc_sku_resolve(bc_db *db, int64_t product_id, int64_t sku_id, bc_sku *out, const char **code)
{
    int has = 0, rc;
    json_t *k = NULL;
    *out = (bc_sku){0};
    *code = NULL;
    if ((rc = bc_sku_has_options(db, product_id, &has)) != BC_OK)
        return rc;
    if (!has) {
        if (sku_id > 0) {
            *code = "SKU_INVALID";
            return BC_EINVAL;
        }
        return BC_OK;
    }
    if (sku_id <= 0) {
        *code = "SKU_REQUIRED";
        return BC_EINVAL;
    }
    rc = bc_db_row(db, &k,
                   "SELECT opt1, opt2, price_delta, stock, active, retired FROM product_skus WHERE id = ?"
                   " AND product_id = ?",
                   "ii", sku_id, product_id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (rc == 0 || !json_integer_value(json_object_get(k, "active")) ||
        json_integer_value(json_object_get(k, "retired"))) {
        json_decref(k);
        *code = "SKU_INVALID";
        return BC_EINVAL;
    }
    out->id = sku_id;
    out->price_delta = json_integer_value(json_object_get(k, "price_delta"));
    out->stock = json_integer_value(json_object_get(k, "stock"));
    bc_sku_label(json_string_value(json_object_get(k, "opt1")), json_string_value(json_object_get(k, "opt2")),
                 out->label, sizeof out->label);
    json_decref(k);
    return BC_OK;
}

#define Q10 "?,?,?,?,?,?,?,?,?,?,"
#define Q100 Q10 Q10 Q10 Q10 Q10 Q10 Q10 Q10 Q10 "?,?,?,?,?,?,?,?,?,?"
static const char options_in_sql[] =
    "SELECT product_id, option_groups FROM product_options WHERE product_id IN (" Q100 ")";
static const char skus_in_sql[] =
    "SELECT id, product_id, opt1, opt2, price_delta, stock, code, active FROM product_skus WHERE retired = 0"
    " AND product_id IN (" Q100 ") ORDER BY product_id, position, id";
#undef Q10
#undef Q100

/* Runs sql (one of the two above) for ids[0..n) (n <= 100) into *rows. BC_OK or BC_ERR. */
static int rows_in(bc_db *db, const char *sql, const int64_t *ids, int n, json_t **rows)
{
    int step;
    *rows = json_array();
    bc_stmt *st = *rows ? bc_db_prepare(db, sql) : NULL;
    if (!st)
        return BC_ERR;
    for (int i = 0; i < n; i++)
        bc_stmt_bind_int(st, i + 1, ids[i]);
    while ((step = bc_stmt_step(st)) == 1)
        json_array_append_new(*rows, bc_stmt_row_json(st));
    bc_stmt_reset(st);
    return step < 0 ? BC_ERR : BC_OK;
}

/* The JSON of one SKU row for a product priced price. */
static json_t *sku_json(json_t *r, int64_t price)
{
    const char *o1 = json_string_value(json_object_get(r, "opt1")), *o2 = json_string_value(json_object_get(r, "opt2"));
    char label[BC_SKU_LABEL_MAX];
    int64_t delta = json_integer_value(json_object_get(r, "price_delta")),
            stock = json_integer_value(json_object_get(r, "stock"));
    int active = json_integer_value(json_object_get(r, "active")) != 0;
    bc_sku_label(o1, o2, label, sizeof label);
    json_t *opts = o2 && *o2 ? json_pack("[s,s]", o1 ? o1 : "", o2) : json_pack("[s]", o1 ? o1 : "");
    json_t *code = json_object_get(r, "code");
    return json_pack("{s:I,s:o,s:s,s:I,s:I,s:I,s:b,s:b,s:O}", "id",
                     (json_int_t)json_integer_value(json_object_get(r, "id")), "options", opts, "label", label, "price",
                     (json_int_t)(price + delta), "price_delta", (json_int_t)delta, "stock", (json_int_t)stock,
                     "sold_out", stock == 0 || !active, "active", active, "code", code ? code : json_null());
}

int bc_sku_attach(bc_db *db, json_t *products)
{
    int64_t ids[100];
    int n = 0, rc = BC_ERR;
    json_t *opts = NULL, *skus = NULL, *p;
    size_t i, j;
    json_array_foreach (products, i, p) {
        if (!json_is_object(p))
            continue;
        json_object_set_new(p, "options", json_array());
        json_object_set_new(p, "skus", json_array());
        if (n < 100)
            ids[n++] = json_integer_value(json_object_get(p, "id"));
    }
    if (n == 0)
        return BC_OK;
    if (rows_in(db, options_in_sql, ids, n, &opts) != BC_OK)
        goto out;
    if (json_array_size(opts) == 0) { /* no product here has options: no second statement */
        rc = BC_OK;
        goto out;
    }
    if (rows_in(db, skus_in_sql, ids, n, &skus) != BC_OK)
        goto out;
    json_t *o, *k;
    json_array_foreach (products, i, p) {
        if (!json_is_object(p))
            continue;
        int64_t id = json_integer_value(json_object_get(p, "id")),
                price = json_integer_value(json_object_get(p, "price"));
        json_array_foreach (opts, j, o) {
            if (json_integer_value(json_object_get(o, "product_id")) != id)
                continue;
            json_t *groups = json_loads(json_string_value(json_object_get(o, "option_groups")), 0, NULL);
            if (json_is_array(groups))
                json_object_set_new(p, "options", groups);
            else
                json_decref(groups);
        }
        json_t *list = json_object_get(p, "skus");
        json_array_foreach (skus, j, k)
            if (json_integer_value(json_object_get(k, "product_id")) == id)
                json_array_append_new(list, sku_json(k, price));
    }
    rc = BC_OK;
out:
    json_decref(opts);
    json_decref(skus);
    return rc;
}

/* ---- the grid ---- */

typedef struct options_args {
    int64_t product_id, actor_id;
    json_t *groups;
} options_args;

/* Retires SKU id of the product: its stock to 0 (a ledger row "options") and retired = 1. */
static int retire(bc_db *db, int64_t product_id, int64_t id, int64_t actor_id)
{
    int rc = bc_stock_sku_set_by(db, product_id, id, 0, actor_id, "options");
    if (rc != BC_OK)
        return rc;
    rc = bc_db_exec(db, "UPDATE product_skus SET retired = 1, updated_at = ? WHERE id = ?", "ii", bc_now_ms(), id);
    return rc < 0 ? (rc == BC_EBUSY ? BC_EBUSY : BC_ERR) : BC_OK;
}

/* The unit of work of bc_sku_set_options (bc_db_tx). */
static int options_tx(bc_db *db, void *arg)
{
    options_args *a = arg;
    int64_t pid = a->product_id, now = bc_now_ms();
    json_t *old = NULL, *g1 = json_array_get(a->groups, 0), *g2 = json_array_get(a->groups, 1);
    char *text = NULL;
    int has = 0, rc;
    size_t i, j;
    json_t *r;
    if ((rc = bc_stock_product_lock(db, pid, 0)) != BC_OK)
        return rc;
    if ((rc = bc_sku_has_options(db, pid, &has)) != BC_OK)
        return rc;
    if (bc_db_rows(db, &old, "SELECT id, opt1, opt2, retired FROM product_skus WHERE product_id = ? ORDER BY id", "i",
                   pid) < 0)
        return BC_ERR;
    /* SKUs whose combination leaves the grid are retired (stock 0 with a ledger row) */
    json_array_foreach (old, i, r) {
        const char *o1 = json_string_value(json_object_get(r, "opt1")),
                   *o2 = json_string_value(json_object_get(r, "opt2"));
        int keep = 0;
        if (g1) {
            json_t *v1, *v2;
            size_t x, y;
            json_array_foreach (json_object_get(g1, "values"), x, v1) {
                if (strcmp(json_string_value(v1), o1) != 0)
                    continue;
                if (!g2)
                    keep = !*o2;
                else
                    json_array_foreach (json_object_get(g2, "values"), y, v2)
                        keep |= strcmp(json_string_value(v2), o2) == 0;
            }
        }
        if (!keep && !json_integer_value(json_object_get(r, "retired")) &&
            (rc = retire(db, pid, json_integer_value(json_object_get(r, "id")), a->actor_id)) != BC_OK)
            goto out;
    }
    if (!g1) { /* no groups: the product is a plain product again, at stock 0 */
        if (has && (rc = bc_stock_sku_sync(db, pid)) != BC_OK)
            goto out;
        rc = bc_db_exec(db, "DELETE FROM product_options WHERE product_id = ?", "i", pid) < 0 ? BC_ERR : BC_OK;
        goto out;
    }
    /* a plain product getting options: its own stock goes to 0 (a ledger row), the SKUs' takes over */
    if (!has && (rc = bc_stock_set_by(db, pid, 0, a->actor_id, "options")) != BC_OK)
        goto out;
    if (!(text = json_dumps(a->groups, JSON_COMPACT))) {
        rc = BC_ENOMEM;
        goto out;
    }
    if (bc_db_exec(db,
                   "INSERT INTO product_options (product_id, option_groups, updated_at) VALUES (?, ?, ?)"
                   " ON CONFLICT (product_id) DO UPDATE SET option_groups = excluded.option_groups,"
                   " updated_at = excluded.updated_at",
                   "iti", pid, text, now) < 0) {
        rc = BC_ERR;
        goto out;
    }
    /* one SKU per combination: a surviving one keeps its id, stock, price and flags (a retired one
     * comes back at stock 0), a new one starts at stock 0 */
    size_t n2 = g2 ? json_array_size(json_object_get(g2, "values")) : 1;
    int64_t pos = 0;
    json_t *v1;
    json_array_foreach (json_object_get(g1, "values"), i, v1) {
        for (j = 0; j < n2; j++, pos++) {
            const char *o1 = json_string_value(v1),
                       *o2 = g2 ? json_string_value(json_array_get(json_object_get(g2, "values"), j)) : "";
            rc = bc_db_exec(db,
                            "INSERT INTO product_skus (product_id, opt1, opt2, price_delta, stock, code, active,"
                            " retired, position, created_at, updated_at) VALUES (?, ?, ?, 0, 0, NULL, 1, 0, ?, ?, ?)"
                            " ON CONFLICT (product_id, opt1, opt2) DO UPDATE SET retired = 0,"
                            " position = excluded.position, updated_at = excluded.updated_at",
                            "ittiii", pid, o1, o2, pos, now, now);
            if (rc < 0) {
                rc = rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
                goto out;
            }
        }
    }
    rc = bc_stock_sku_sync(db, pid);
out:
    free(text);
    json_decref(old);
    return rc;
}

int bc_sku_set_options(bc_db *db, int64_t product_id, int64_t actor_id, json_t *groups)
{
    char msg[160];
    if (bc_sku_check_groups(groups, msg, sizeof msg) != BC_OK)
        return BC_EINVAL;
    options_args a = {product_id, actor_id, groups};
    return bc_db_tx(db, options_tx, &a);
}

typedef struct sku_args {
    int64_t product_id, sku_id, actor_id;
    const bc_sku_patch *p;
    const char **code;
} sku_args;

/* The unit of work of bc_sku_update (bc_db_tx). */
static int sku_tx(bc_db *db, void *arg)
{
    sku_args *a = arg;
    const bc_sku_patch *p = a->p;
    int64_t now = bc_now_ms();
    json_t *k = NULL;
    bc_catalog_sale prod;
    int rc;
    *a->code = NULL;
    if ((rc = bc_stock_product_lock(db, a->product_id, 0)) != BC_OK)
        return rc;
    rc = bc_db_row(db, &k, "SELECT id FROM product_skus WHERE id = ? AND product_id = ? AND retired = 0", "ii",
                   a->sku_id, a->product_id);
    json_decref(k);
    if (rc <= 0)
        return rc == 0 ? BC_ENOTFOUND : BC_ERR;
    if (p->has_delta) {
        if ((rc = bc_catalog_product_sale(db, a->product_id, &prod)) != BC_OK)
            return rc;
        if (prod.price + p->price_delta < BC_CATALOG_MIN_PRICE) {
            *a->code = "PRICE_TOO_LOW";
            return BC_EINVAL;
        }
        if (bc_db_exec(db, "UPDATE product_skus SET price_delta = ?, updated_at = ? WHERE id = ?", "iii",
                       p->price_delta, now, a->sku_id) < 0)
            return BC_ERR;
    }
    if (p->has_code && bc_db_exec(db, "UPDATE product_skus SET code = ?, updated_at = ? WHERE id = ?", "tii",
                                  p->code && *p->code ? p->code : NULL, now, a->sku_id) < 0)
        return BC_ERR;
    if (p->active >= 0 && bc_db_exec(db, "UPDATE product_skus SET active = ?, updated_at = ? WHERE id = ?", "iii",
                                     (int64_t)(p->active != 0), now, a->sku_id) < 0)
        return BC_ERR;
    if (p->stock >= 0 &&
        (rc = bc_stock_sku_set_by(db, a->product_id, a->sku_id, p->stock, a->actor_id, "adjust")) != BC_OK)
        return rc;
    rc = bc_stock_sku_sync(db, a->product_id);
    if (rc == BC_OK && p->active > 0)
        bc_stock_note_restock(a->product_id); /* an activated SKU may be bought again at once */
    return rc;
}

int bc_sku_update(bc_db *db, int64_t product_id, int64_t sku_id, int64_t actor_id, const bc_sku_patch *p,
                  const char **code)
{
    const char *none = NULL;
    if (!code)
        code = &none;
    *code = NULL;
    if ((p->has_delta && (p->price_delta < -MAX_DELTA || p->price_delta > MAX_DELTA)) || p->stock > 1000000 ||
        (p->has_code && p->code && bc_utf8_len(p->code) > 40))
        return BC_EINVAL;
    sku_args a = {product_id, sku_id, actor_id, p, code};
    return bc_db_tx(db, sku_tx, &a);
}
