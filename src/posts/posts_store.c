/* The SQL of sale posts (tables sale_posts, sale_post_products). Products are read through the
 * catalog's functions, the lives a post is on through the live module's, sellers' names through
 * accounts. */
#include "posts.h"

#include "../accounts/accounts.h"
#include "../catalog/catalog.h"
#include "../live/live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS                                                                                                           \
    "id, seller_id, '' AS seller_name, title, body, images, region_sido, region_sigungu, status, created_at,"          \
    " updated_at, published_at"

/* A store result as one of ours: BC_EBUSY is kept (the caller's unit retries), other errors BC_ERR. */
static int store_rc(int rc) { return rc == BC_EBUSY ? BC_EBUSY : rc < 0 ? BC_ERR : rc; }

/* BC_OK when every product of f exists, is not deleted and is seller_id's; else BC_EFORBIDDEN. */
static int check_products(bc_db *db, int64_t seller_id, const bc_post_fields *f)
{
    bc_catalog_sale sales[BC_POST_PRODUCTS_MAX];
    if (f->nproducts <= 0)
        return BC_OK;
    int rc = bc_catalog_product_sales(db, f->product_ids, f->nproducts, sales);
    if (rc != BC_OK)
        return store_rc(rc);
    for (int i = 0; i < f->nproducts; i++)
        if (sales[i].id == 0 || sales[i].deleted || sales[i].seller_id != seller_id)
            return BC_EFORBIDDEN;
    return BC_OK;
}

/* Replaces the product list of post id with f's. */
static int set_products(bc_db *db, int64_t id, const bc_post_fields *f)
{
    int rc = bc_db_exec(db, "DELETE FROM sale_post_products WHERE sale_post_id = ?", "i", id);
    for (int i = 0; rc >= 0 && i < f->nproducts; i++)
        rc = bc_db_exec(db, "INSERT INTO sale_post_products (sale_post_id, product_id, position) VALUES (?, ?, ?)",
                        "iii", id, f->product_ids[i], (int64_t)i);
    return rc < 0 ? store_rc(rc) : BC_OK;
}

/* images as stored: compact JSON text (malloc'd), "[]" for none; NULL when out of memory. */
static char *images_text(json_t *images) { return images ? json_dumps(images, JSON_COMPACT) : strdup("[]"); }

/* The images column of row parsed (a new array; empty when missing or malformed). */
static json_t *parse_images(json_t *row)
{
    const char *text = json_string_value(json_object_get(row, "images"));
    json_t *imgs = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_array(imgs)) {
        json_decref(imgs);
        imgs = json_array();
    }
    return imgs;
}

typedef struct unit_arg {
    int64_t id, seller_id;
    const bc_post_fields *f;
} unit_arg;

static int create_unit(bc_db *db, void *arg)
{
    unit_arg *a = arg;
    const bc_post_fields *f = a->f;
    int64_t now = bc_now_ms();
    const char *status = f->status ? f->status : "DRAFT";
    int rc = check_products(db, a->seller_id, f);
    if (rc != BC_OK)
        return rc;
    char *imgs = images_text(f->images);
    bc_stmt *st = imgs ? bc_db_prepare(db, "INSERT INTO sale_posts (seller_id, title, body, images, region_sido,"
                                           " region_sigungu, status, created_at, updated_at, published_at)"
                                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")
                       : NULL;
    if (!st) {
        free(imgs);
        return BC_ERR;
    }
    bc_stmt_bind_int(st, 1, a->seller_id);
    bc_stmt_bind_text(st, 2, f->title);
    bc_stmt_bind_text(st, 3, f->body ? f->body : "");
    bc_stmt_bind_text(st, 4, imgs);
    bc_stmt_bind_text(st, 5, f->region.sido);
    bc_stmt_bind_text(st, 6, f->region.sido && f->region.sigungu[0] ? f->region.sigungu : NULL);
    bc_stmt_bind_text(st, 7, status);
    bc_stmt_bind_int(st, 8, now);
    bc_stmt_bind_int(st, 9, now);
    if (strcmp(status, "PUBLISHED") == 0)
        bc_stmt_bind_int(st, 10, now);
    else
        bc_stmt_bind_null(st, 10);
    rc = bc_stmt_step(st);
    if (rc == 1)
        a->id = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    free(imgs);
    if (rc != 1)
        return rc < 0 ? store_rc(rc) : BC_ERR;
    return set_products(db, a->id, f);
}

int bc_post_create(bc_db *db, int64_t seller_id, const bc_post_fields *f, int64_t *id)
{
    unit_arg a = {0, seller_id, f};
    *id = 0;
    if (!f->title || f->nproducts <= 0)
        return BC_EINVAL;
    int rc = bc_db_tx(db, create_unit, &a);
    if (rc == BC_OK)
        *id = a.id;
    return rc;
}

/* BC_OK when post id exists and is seller_id's, else BC_ENOTFOUND (or a store error). */
static int own_post(bc_db *db, int64_t id, int64_t seller_id)
{
    int64_t owner = 0;
    int rc = bc_db_int(db, &owner, "SELECT seller_id FROM sale_posts WHERE id = ?", "i", id);
    if (rc < 0)
        return store_rc(rc);
    return rc == 1 && owner == seller_id ? BC_OK : BC_ENOTFOUND;
}

static int update_unit(bc_db *db, void *arg)
{
    unit_arg *a = arg;
    const bc_post_fields *f = a->f;
    int64_t now = bc_now_ms();
    int rc = own_post(db, a->id, a->seller_id);
    if (rc == BC_OK)
        rc = check_products(db, a->seller_id, f);
    if (rc != BC_OK)
        return rc;
    char *imgs = f->images ? images_text(f->images) : NULL;
    if (f->images && !imgs)
        return BC_ERR;
    rc = bc_db_exec(db,
                    "UPDATE sale_posts SET title = COALESCE(?, title), body = COALESCE(?, body),"
                    " images = COALESCE(?, images), status = COALESCE(?, status),"
                    " published_at = CASE WHEN published_at IS NULL AND COALESCE(?, status) = 'PUBLISHED' THEN ?"
                    " ELSE published_at END, updated_at = ? WHERE id = ?",
                    "tttttiii", f->title, f->body, imgs, f->status, f->status, now, now, a->id);
    free(imgs);
    if (rc < 0)
        return store_rc(rc);
    if (f->has_region &&
        (rc = bc_db_exec(db, "UPDATE sale_posts SET region_sido = ?, region_sigungu = ? WHERE id = ?", "tti",
                         f->region.sido, f->region.sido && f->region.sigungu[0] ? f->region.sigungu : NULL, a->id)) < 0)
        return store_rc(rc);
    return f->nproducts > 0 ? set_products(db, a->id, f) : BC_OK;
}

int bc_post_update(bc_db *db, int64_t id, int64_t seller_id, const bc_post_fields *f)
{
    unit_arg a = {id, seller_id, f};
    return bc_db_tx(db, update_unit, &a);
}

static int delete_unit(bc_db *db, void *arg)
{
    unit_arg *a = arg;
    int64_t uses = 0;
    int rc = own_post(db, a->id, a->seller_id);
    if (rc != BC_OK)
        return rc;
    if ((rc = bc_live_sale_post_uses(db, a->id, &uses)) != BC_OK) /* live_sale_posts is the live module's */
        return rc;
    if (uses > 0)
        return BC_ECONFLICT;
    if ((rc = bc_db_exec(db, "DELETE FROM sale_post_products WHERE sale_post_id = ?", "i", a->id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM sale_posts WHERE id = ?", "i", a->id)) < 0)
        return store_rc(rc);
    return BC_OK;
}

int bc_post_delete(bc_db *db, int64_t id, int64_t seller_id)
{
    unit_arg a = {id, seller_id, NULL};
    return bc_db_tx(db, delete_unit, &a);
}

/* Turns a row of COLS into the post shape (images parsed, image_url, region), with its product
 * ids (an array, consumed; NULL = empty) and its seller's name from names (bc_accounts_user_names). */
static void shape(json_t *row, json_t *product_ids, json_t *names)
{
    char key[24];
    json_t *imgs = parse_images(row);
    json_t *first = json_array_get(imgs, 0);
    json_object_set_new(row, "image_url", first ? json_incref(first) : json_null());
    json_object_set_new(row, "images", imgs);
    json_object_set_new(row, "region",
                        bc_regions_json(json_string_value(json_object_get(row, "region_sido")),
                                        json_string_value(json_object_get(row, "region_sigungu"))));
    json_object_del(row, "region_sido");
    json_object_del(row, "region_sigungu");
    json_object_set_new(row, "product_ids", product_ids ? product_ids : json_array());
    snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(row, "seller_id")));
    json_t *who = json_object_get(names, key);
    if (who)
        json_object_set(row, "seller_name", json_object_get(who, "name"));
}

/* The product ids of post id, in order, as a new array (NULL on a store error). */
static json_t *post_product_ids(bc_db *db, int64_t id)
{
    json_t *rows = NULL, *out, *r;
    size_t i;
    if (bc_db_rows(db, &rows,
                   "SELECT product_id FROM sale_post_products WHERE sale_post_id = ? ORDER BY position, product_id",
                   "i", id) < 0)
        return NULL;
    out = json_array();
    json_array_foreach (rows, i, r)
        json_array_append(out, json_object_get(r, "product_id"));
    json_decref(rows);
    return out;
}

/* The seller-name map of the sellers of rows (objects with seller_id) into *names. */
static int names_of(bc_db *db, json_t *rows, json_t **names)
{
    size_t i, n = json_array_size(rows);
    json_t *r;
    int64_t ids[BC_POST_PAGE_MAX];
    json_array_foreach (rows, i, r)
        if (i < BC_POST_PAGE_MAX)
            ids[i] = json_integer_value(json_object_get(r, "seller_id"));
    return bc_accounts_user_names(db, ids, n < BC_POST_PAGE_MAX ? n : BC_POST_PAGE_MAX, names);
}

int bc_post_get(bc_db *db, int64_t id, int64_t viewer_id, int admin, json_t **out)
{
    json_t *row = NULL, *names = NULL, *ids = NULL, *products = NULL, *lives = NULL, *p;
    size_t i;
    *out = NULL;
    int rc = bc_db_row(db, &row, "SELECT " COLS " FROM sale_posts WHERE id = ?", "i", id);
    if (rc <= 0)
        return rc == 0 ? BC_ENOTFOUND : store_rc(rc);
    const char *status = json_string_value(json_object_get(row, "status"));
    if (strcmp(status ? status : "", "DRAFT") == 0 && !admin &&
        json_integer_value(json_object_get(row, "seller_id")) != viewer_id) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    json_t *one = json_pack("[O]", row);
    rc = names_of(db, one, &names);
    json_decref(one);
    if (rc != BC_OK || !(ids = post_product_ids(db, id))) {
        rc = rc != BC_OK ? rc : BC_ERR;
        goto out;
    }
    products = json_array();
    json_array_foreach (ids, i, p) {
        json_t *prod = NULL;
        int r = bc_catalog_product_json(db, json_integer_value(p), 0, &prod);
        if (r == BC_OK)
            json_array_append_new(products, prod);
        else if (r != BC_ENOTFOUND) {
            rc = r;
            goto out;
        }
    }
    if ((rc = bc_live_sale_post_lives(db, id, &lives)) != BC_OK)
        goto out;
    shape(row, ids, names);
    ids = NULL;
    json_object_set_new(row, "products", products);
    json_object_set_new(row, "lives", lives);
    products = lives = NULL;
    *out = row;
    row = NULL;
out:
    json_decref(row);
    json_decref(names);
    json_decref(ids);
    json_decref(products);
    json_decref(lives);
    return rc;
}

#define LIST_WHERE                                                                                                     \
    " FROM sale_posts WHERE (? = 0 OR seller_id = ?) AND (? = '' OR status = ?) AND (? = '' OR region_sido = ?)"       \
    " AND (? = '' OR region_sigungu = ?)"
#define Q10 "?,?,?,?,?,?,?,?,?,?,"
static const char page_products_sql[] = "SELECT sale_post_id, product_id FROM sale_post_products WHERE sale_post_id"
                                        " IN (" Q10 Q10 Q10 Q10 "?,?,?,?,?,?,?,?,?,?) ORDER BY sale_post_id, position";
#undef Q10

int bc_post_list(bc_db *db, const bc_post_query *q, json_t **out)
{
    json_t *rows = NULL, *names = NULL, *by_id = NULL, *r;
    int64_t total = 0;
    const char *st = q->status ? q->status : "", *sido = q->region.sido ? q->region.sido : "";
    const char *sg = q->region.sigungu;
    char key[24];
    size_t i;
    *out = NULL;
    if (q->page < 1 || q->per_page < 1 || q->per_page > BC_POST_PAGE_MAX)
        return BC_EINVAL;
    int rc = bc_db_int(db, &total, "SELECT COUNT(*)" LIST_WHERE, "iitttttt", q->seller_id, q->seller_id, st, st, sido,
                       sido, sg, sg);
    if (rc < 0)
        return store_rc(rc);
    rc = bc_db_rows(db, &rows, "SELECT " COLS LIST_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?", "iittttttii",
                    q->seller_id, q->seller_id, st, st, sido, sido, sg, sg, q->per_page, (q->page - 1) * q->per_page);
    if (rc < 0)
        return store_rc(rc);
    if ((rc = names_of(db, rows, &names)) != BC_OK)
        goto out;
    /* the product ids of the whole page in one statement */
    bc_stmt *ps = bc_db_prepare(db, page_products_sql);
    if (!ps) {
        rc = BC_ERR;
        goto out;
    }
    by_id = json_object();
    json_array_foreach (rows, i, r) {
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
        json_object_set_new(by_id, key, json_array());
        bc_stmt_bind_int(ps, (int)i + 1, json_integer_value(json_object_get(r, "id")));
    }
    int step;
    while ((step = bc_stmt_step(ps)) == 1) {
        snprintf(key, sizeof key, "%lld", (long long)bc_stmt_int(ps, 0));
        json_t *list = json_object_get(by_id, key);
        if (list)
            json_array_append_new(list, json_integer(bc_stmt_int(ps, 1)));
    }
    bc_stmt_reset(ps);
    if (step < 0) {
        rc = store_rc(step);
        goto out;
    }
    json_array_foreach (rows, i, r) {
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
        shape(r, json_incref(json_object_get(by_id, key)), names);
    }
    *out = json_pack("{s:O,s:I,s:I,s:I}", "items", rows, "page", (json_int_t)q->page, "per_page",
                     (json_int_t)q->per_page, "total", (json_int_t)total);
    rc = *out ? BC_OK : BC_ENOMEM;
out:
    json_decref(rows);
    json_decref(names);
    json_decref(by_id);
    return rc;
}

int bc_post_product_ids(bc_db *db, int64_t id, int64_t seller_id, int64_t *ids, int max, int *n)
{
    json_t *row = NULL, *rows = NULL, *r;
    int64_t all[BC_POST_PRODUCTS_MAX];
    bc_catalog_sale sales[BC_POST_PRODUCTS_MAX];
    int na = 0;
    size_t i;
    *n = 0;
    int rc = bc_db_row(db, &row, "SELECT seller_id, status FROM sale_posts WHERE id = ?", "i", id);
    if (rc <= 0)
        return rc == 0 ? BC_ENOTFOUND : store_rc(rc);
    const char *status = json_string_value(json_object_get(row, "status"));
    if (json_integer_value(json_object_get(row, "seller_id")) != seller_id)
        rc = BC_EFORBIDDEN;
    else if (strcmp(status ? status : "", "CLOSED") == 0)
        rc = BC_ECONFLICT;
    else if ((rc = bc_db_rows(db, &rows,
                              "SELECT product_id FROM sale_post_products WHERE sale_post_id = ?"
                              " ORDER BY position, product_id",
                              "i", id)) < 0)
        rc = store_rc(rc);
    else
        rc = BC_OK;
    json_decref(row);
    if (rc != BC_OK)
        return rc;
    json_array_foreach (rows, i, r)
        if (na < BC_POST_PRODUCTS_MAX)
            all[na++] = json_integer_value(json_object_get(r, "product_id"));
    json_decref(rows);
    if ((rc = bc_catalog_product_sales(db, all, na, sales)) != BC_OK)
        return store_rc(rc);
    for (int k = 0; k < na && *n < max; k++)
        if (sales[k].id && !sales[k].deleted)
            ids[(*n)++] = all[k];
    return BC_OK;
}

int bc_post_brief(bc_db *db, int64_t id, json_t **out)
{
    json_t *row = NULL;
    *out = NULL;
    int rc = bc_db_row(db, &row,
                       "SELECT id, title, images, region_sido, region_sigungu, status FROM sale_posts WHERE id = ?",
                       "i", id);
    if (rc <= 0)
        return rc == 0 ? BC_ENOTFOUND : store_rc(rc);
    json_t *imgs = parse_images(row);
    json_t *first = json_array_get(imgs, 0);
    json_object_set_new(row, "image_url", first ? json_incref(first) : json_null());
    json_decref(imgs);
    json_object_del(row, "images");
    json_object_set_new(row, "region",
                        bc_regions_json(json_string_value(json_object_get(row, "region_sido")),
                                        json_string_value(json_object_get(row, "region_sigungu"))));
    json_object_del(row, "region_sido");
    json_object_del(row, "region_sigungu");
    *out = row;
    return BC_OK;
}
