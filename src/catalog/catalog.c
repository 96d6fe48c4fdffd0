/* Catalog store code: categories, products, images, listing. The only SQL of the catalog. */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../commerce/commerce.h"

static const char product_sql[] =
    "SELECT p.id, p.seller_id, u.name AS seller_name, p.category_id, c.name AS category_name, p.name,"
    " p.description, p.price, p.stock, p.status, p.image_url, p.wish_count, p.created_at, p.updated_at, p.deleted"
    " FROM products p JOIN users u ON u.id = p.seller_id LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.id = ?";

int bc_catalog_product_json(bc_db *db, int64_t id, int include_hidden, json_t **out)
{
    json_t *p = NULL, *imgs = NULL, *urls = NULL;
    int rc = bc_db_row(db, &p, product_sql, "i", id);
    *out = NULL;
    if (rc < 0) {
        rc = BC_ERR;
        goto out;
    }
    if (rc == 0) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    const char *status = json_string_value(json_object_get(p, "status"));
    int deleted = json_integer_value(json_object_get(p, "deleted")) != 0;
    if (!include_hidden && (deleted || !status || strcmp(status, "HIDDEN") == 0)) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    json_object_del(p, "deleted");
    if (bc_db_rows(db, &imgs, "SELECT url FROM product_images WHERE product_id = ? ORDER BY position, id", "i", id) <
        0) {
        rc = BC_ERR;
        goto out;
    }
    urls = json_array();
    size_t i;
    json_t *row;
    json_array_foreach (imgs, i, row)
        json_array_append(urls, json_object_get(row, "url"));
    json_object_set_new(p, "images", urls);
    urls = NULL;
    /* product options as SKUs (commerce) */
    json_t *one = json_pack("[O]", p);
    rc = one ? bc_sku_attach(db, one) : BC_ERR;
    json_decref(one);
    if (rc != BC_OK)
        goto out;
    *out = p;
    p = NULL;
    rc = BC_OK;
out:
    json_decref(p);
    json_decref(imgs);
    json_decref(urls);
    return rc;
}

/* Fills out from a row of sale_sql / sales_sql (columns: id, name, image_url, status, price,
 * stock, seller_id, deleted). */
static void sale_row(bc_stmt *st, bc_catalog_sale *out)
{
    out->id = bc_stmt_int(st, 0);
    bc_str_copy(out->name, sizeof out->name, bc_stmt_text(st, 1));
    bc_str_copy(out->image_url, sizeof out->image_url, bc_stmt_text(st, 2));
    bc_str_copy(out->status, sizeof out->status, bc_stmt_text(st, 3));
    out->price = bc_stmt_int(st, 4);
    out->stock = bc_stmt_int(st, 5);
    out->seller_id = bc_stmt_int(st, 6);
    out->deleted = bc_stmt_int(st, 7) != 0;
    out->visible = !out->deleted && strcmp(out->status, "HIDDEN") != 0;
}

#define SALE_COLUMNS "SELECT id, name, image_url, status, price, stock, seller_id, deleted FROM products"
static const char sale_sql[] = SALE_COLUMNS " WHERE id = ?";
#define Q10 "?,?,?,?,?,?,?,?,?,?,"
static const char sales_sql[] = SALE_COLUMNS " WHERE id IN (" Q10 Q10 Q10 Q10 "?,?,?,?,?,?,?,?,?,?)";
#undef Q10
#undef SALE_COLUMNS
#define SALES_MAX 50 /* placeholders of sales_sql */

int bc_catalog_product_sale(bc_db *db, int64_t id, bc_catalog_sale *out)
{
    memset(out, 0, sizeof *out);
    bc_stmt *st = bc_db_prepare(db, sale_sql);
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, id);
    int rc = bc_stmt_step(st);
    if (rc == 1) {
        sale_row(st, out);
        rc = BC_OK;
    } else
        rc = rc == 0 ? BC_ENOTFOUND : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    bc_stmt_reset(st);
    return rc;
}

int bc_catalog_product_sales(bc_db *db, const int64_t *ids, int n, bc_catalog_sale *out)
{
    if (n < 0 || n > SALES_MAX)
        return BC_EINVAL;
    memset(out, 0, sizeof *out * (size_t)n);
    if (n == 0)
        return BC_OK;
    bc_stmt *st = bc_db_prepare(db, sales_sql);
    if (!st)
        return BC_ERR;
    for (int i = 0; i < n; i++)
        bc_stmt_bind_int(st, i + 1, ids[i]); /* the other placeholders stay NULL: match nothing */
    int rc;
    bc_catalog_sale row;
    while ((rc = bc_stmt_step(st)) == 1) {
        sale_row(st, &row);
        for (int i = 0; i < n; i++)
            if (ids[i] == row.id)
                out[i] = row;
    }
    bc_stmt_reset(st);
    return rc == 0 ? BC_OK : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
}

int bc_catalog_product_owner(bc_db *db, int64_t id, int64_t *seller_id, int *deleted, int *visible)
{
    bc_catalog_sale p;
    int rc = bc_catalog_product_sale(db, id, &p);
    if (rc != BC_OK)
        return rc == BC_ENOTFOUND ? rc : BC_ERR;
    if (seller_id)
        *seller_id = p.seller_id;
    if (deleted)
        *deleted = p.deleted;
    if (visible)
        *visible = p.visible;
    return BC_OK;
}

/* ---- categories ---- */

/* Appends to `into` every row of rows whose parent_id is parent (0 = NULL), recursively;
 * depth bounds runaway cycles. */
static void add_children(json_t *rows, json_t *into, int64_t parent, int depth)
{
    size_t i;
    json_t *row;
    if (depth > 16)
        return;
    json_array_foreach (rows, i, row) {
        json_t *pid = json_object_get(row, "parent_id");
        int64_t p = json_is_integer(pid) ? json_integer_value(pid) : 0;
        if (p != parent)
            continue;
        int64_t id = json_integer_value(json_object_get(row, "id"));
        json_t *children = json_array();
        add_children(rows, children, id, depth + 1);
        json_array_append_new(into,
                              json_pack("{s:I,s:O,s:O,s:o}", "id", (json_int_t)id, "name", json_object_get(row, "name"),
                                        "slug", json_object_get(row, "slug"), "children", children));
    }
}

int bc_catalog_categories(bc_db *db, json_t **out)
{
    json_t *rows = NULL;
    *out = NULL;
    if (bc_db_rows(db, &rows, "SELECT id, parent_id, name, slug FROM categories ORDER BY position, id", "") < 0)
        return BC_ERR;
    json_t *tree = json_array();
    add_children(rows, tree, 0, 0);
    json_decref(rows);
    *out = tree;
    return BC_OK;
}

int bc_catalog_category_create(bc_db *db, const char *name, const char *slug, int64_t parent_id, int64_t position,
                               int64_t *id)
{
    int rc = BC_EINVAL;
    size_t n = slug ? strlen(slug) : 0;
    if (!name || !*name || n == 0 || n > 60)
        goto out;
    for (const char *p = slug; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            goto out;
    if (parent_id > 0) {
        int64_t one = 0;
        rc = bc_db_int(db, &one, "SELECT 1 FROM categories WHERE id = ?", "i", parent_id);
        if (rc != 1) {
            rc = rc < 0 ? BC_ERR : BC_EINVAL;
            goto out;
        }
        rc = bc_db_int(db, id,
                       "INSERT INTO categories (parent_id, name, slug, position) VALUES (?, ?, ?, ?) RETURNING id",
                       "itti", parent_id, name, slug, position);
    } else {
        rc = bc_db_int(db, id,
                       "INSERT INTO categories (parent_id, name, slug, position) VALUES (NULL, ?, ?, ?) RETURNING id",
                       "tti", name, slug, position);
    }
    rc = rc == 1 ? BC_OK : rc == BC_ECONFLICT ? BC_ECONFLICT : BC_ERR;
out:
    return rc;
}

/* ---- listing ---- */

int bc_catalog_sort_from_name(const char *name)
{
    static const char *names[] = {"newest", "name", "price_asc", "price_desc"};
    if (!name)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* Listing SQL. Parameters in order: category, category, seller, seller, include_hidden, min price,
 * max price, max price, hide_sold_out, then the search parameters (if any), then sort, sort, sort, limit, offset for
 * the page. Search: q of 3+ characters uses the text index (SQLite: the trigram FTS5 table product_fts; PostgreSQL: the
 * pg_trgm indexes on name and description, which ILIKE uses); 1-2 characters, which a
 * trigram index cannot answer, use a plain LIKE over the rows the other filters leave. Name
 * matches rank before description-only matches, then the requested sort. */
/* four parameters: the lowest price, the highest price twice (0 = none), hide_sold_out */
#define PRICE_FILTER " AND p.price >= ? AND (? = 0 OR p.price <= ?) AND (? = 0 OR p.status = 'ON_SALE')"
#define LIST_CTE                                                                                                       \
    "WITH RECURSIVE cat(id) AS (SELECT id FROM categories WHERE id = ?"                                                \
    " UNION SELECT c.id FROM categories c JOIN cat ON c.parent_id = cat.id)"
#define LIST_FILTER                                                                                                    \
    " WHERE p.deleted = 0 AND (? = 0 OR p.category_id IN (SELECT id FROM cat))"                                        \
    " AND (? = 0 OR p.seller_id = ?) AND (? = 1 OR p.status IN ('ON_SALE', 'SOLD_OUT'))" PRICE_FILTER
#define LIST_SELECT                                                                                                    \
    LIST_CTE " SELECT p.id, p.seller_id, u.name AS seller_name, p.category_id,"                                        \
             " c.name AS category_name, p.name, p.description, p.price, p.stock, p.status,"                            \
             " p.image_url, p.wish_count, p.created_at, p.updated_at, COUNT(*) OVER () AS total_rows"                  \
             " FROM products p JOIN users u ON u.id = p.seller_id"                                                     \
             " LEFT JOIN categories c ON c.id = p.category_id" LIST_FILTER
#define COUNT_SELECT LIST_CTE " SELECT COUNT(*) FROM products p" LIST_FILTER
/* two parameters: the LIKE pattern twice. SQLite's LIKE already ignores ASCII case (and a lower()
 * per row doubles the scan's cost); PostgreSQL's ILIKE ignores case and uses the pg_trgm indexes
 * on name and description. */
#define MATCH_LIKE_SQLITE " AND (p.name LIKE ? ESCAPE '\\' OR p.description LIKE ? ESCAPE '\\')"
#define MATCH_LIKE_PG " AND (p.name ILIKE ? ESCAPE '\\' OR p.description ILIKE ? ESCAPE '\\')"
/* one parameter: the FTS5 phrase (SQLite only) */
#define MATCH_FTS " AND p.id IN (SELECT rowid FROM product_fts WHERE product_fts MATCH ?)"
/* one parameter: the LIKE pattern */
#define RANK_NAME_SQLITE " CASE WHEN p.name LIKE ? ESCAPE '\\' THEN 0 ELSE 1 END,"
#define RANK_NAME_PG " CASE WHEN p.name ILIKE ? ESCAPE '\\' THEN 0 ELSE 1 END,"
#define LIST_ORDER                                                                                                     \
    " CASE WHEN ? = 2 THEN p.price END ASC, CASE WHEN ? = 3 THEN p.price END DESC,"                                    \
    " CASE WHEN ? = 1 THEN lower(p.name) END ASC, p.created_at DESC, p.id DESC"                                        \
    " LIMIT ? OFFSET ?"

static const char list_all_sql[] = LIST_SELECT " ORDER BY" LIST_ORDER;
static const char count_all_sql[] = COUNT_SELECT;
static const char list_like_sqlite[] = LIST_SELECT MATCH_LIKE_SQLITE " ORDER BY" RANK_NAME_SQLITE LIST_ORDER;
static const char count_like_sqlite[] = COUNT_SELECT MATCH_LIKE_SQLITE;
static const char list_like_pg[] = LIST_SELECT MATCH_LIKE_PG " ORDER BY" RANK_NAME_PG LIST_ORDER;
static const char count_like_pg[] = COUNT_SELECT MATCH_LIKE_PG;
static const char list_fts_sql[] = LIST_SELECT MATCH_FTS " ORDER BY" RANK_NAME_SQLITE LIST_ORDER;
static const char count_fts_sql[] = COUNT_SELECT MATCH_FTS;

/* "%" + q lowercased (ASCII) with %, _ and \ escaped + "%"; malloc'd (caller frees) or NULL. */
static char *like_pattern(const char *q)
{
    size_t n = q ? strlen(q) : 0;
    char *out = malloc(2 * n + 3), *w = out;
    if (!out)
        return NULL;
    *w++ = '%';
    for (size_t i = 0; i < n; i++) {
        char c = q[i];
        if (c == '%' || c == '_' || c == '\\')
            *w++ = '\\';
        *w++ = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    if (n)
        *w++ = '%';
    *w = 0;
    return out;
}

/* q as one FTS5 phrase: wrapped in double quotes, each " doubled (SQLite FTS5 docs §3.1, "FTS5
 * Strings"), so no character of q is query syntax. malloc'd (caller frees) or NULL. */
static char *fts_phrase(const char *q)
{
    size_t n = strlen(q);
    char *out = malloc(2 * n + 3), *w = out;
    if (!out)
        return NULL;
    *w++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (q[i] == '"')
            *w++ = '"';
        *w++ = q[i];
    }
    *w++ = '"';
    *w = 0;
    return out;
}

/* Number of UTF-8 code points in s (continuation bytes not counted). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The images of up to CATALOG_MAX_PAGE products in one statement (unbound slots are NULL, which
 * matches nothing) instead of one query per listed product. */
#define Q10 "?,?,?,?,?,?,?,?,?,?,"
#define CATALOG_MAX_PAGE 100
static const char page_images_sql[] =
    "SELECT product_id, url FROM product_images WHERE product_id IN (" Q10 Q10 Q10 Q10 Q10 Q10 Q10 Q10 Q10
    "?,?,?,?,?,?,?,?,?,?) ORDER BY product_id, position, id";
#undef Q10

/* Sets "images" (array of URLs in position order) on every product object of items (at most
 * CATALOG_MAX_PAGE) with one query, and their "options" and "skus" (commerce's bc_sku_attach).
 * BC_OK or BC_ERR. */
static int attach_images(bc_db *db, json_t *items)
{
    size_t n = json_array_size(items), i;
    json_t *p, *by_id = json_object();
    int rc = BC_ERR, step;
    char key[24];
    bc_stmt *st = NULL;
    if (n > CATALOG_MAX_PAGE || !(st = bc_db_prepare(db, page_images_sql)))
        goto out;
    json_array_foreach (items, i, p) {
        json_t *urls = json_array();
        int64_t id = json_integer_value(json_object_get(p, "id"));
        snprintf(key, sizeof key, "%lld", (long long)id);
        json_object_set(by_id, key, urls);
        json_object_set_new(p, "images", urls);
        bc_stmt_bind_int(st, (int)i + 1, id);
    }
    while ((step = bc_stmt_step(st)) == 1) {
        snprintf(key, sizeof key, "%lld", (long long)bc_stmt_int(st, 0));
        json_t *urls = json_object_get(by_id, key);
        if (urls && bc_stmt_text(st, 1))
            json_array_append_new(urls, json_string(bc_stmt_text(st, 1)));
    }
    bc_stmt_reset(st);
    rc = step < 0 ? BC_ERR : bc_sku_attach(db, items);
out:
    json_decref(by_id);
    return rc;
}

int bc_catalog_list(bc_db *db, const bc_product_query *q, json_t **out)
{
    int rc = BC_ERR, r1, r2;
    json_t *ids = NULL, *items = NULL;
    int64_t total = 0;
    char *pat = NULL, *phrase = NULL;
    const char *fts_list = NULL; /* NULL on PostgreSQL, whose LIKE path is its index path */
    int64_t hidden = q->include_hidden ? 1 : 0, sort = q->sort, cat = q->category_id, seller = q->seller_id;
    int64_t lo = q->min_price, hi = q->max_price, avail = q->hide_sold_out ? 1 : 0;
    int64_t limit = q->per_page, offset = (q->page - 1) * q->per_page;
    *out = NULL;
    /* The page carries the total (COUNT(*) OVER ()), so one query answers; only a page past the
     * end, which has no row to carry it, runs the count query. */
    if (!q->q || !q->q[0]) {
        r2 = bc_db_rows(db, &ids, list_all_sql, "iiiiiiiiiiiiii", cat, cat, seller, seller, hidden, lo, hi, hi, avail,
                        sort, sort, sort, limit, offset);
        r1 = r2 != 0 || offset == 0 ? 0
                                    : bc_db_int(db, &total, count_all_sql, "iiiiiiiii", cat, cat, seller, seller,
                                                hidden, lo, hi, hi, avail);
    } else if (!(pat = like_pattern(q->q))) {
        goto out;
    } else if (utf8_chars(q->q) < 3 || !(fts_list = bc_db_dialect_sql(db, list_fts_sql, NULL))) {
        /* 1-2 characters (no trigram to look up) or PostgreSQL (ILIKE uses the pg_trgm indexes) */
        r2 = bc_db_rows(db, &ids, bc_db_dialect_sql(db, list_like_sqlite, list_like_pg),
                        "iiiiiiiiittt"
                        "iiiii",
                        cat, cat, seller, seller, hidden, lo, hi, hi, avail, pat, pat, pat, sort, sort, sort, limit,
                        offset);
        r1 = r2 != 0 || offset == 0
                 ? 0
                 : bc_db_int(db, &total, bc_db_dialect_sql(db, count_like_sqlite, count_like_pg), "iiiiiiiiitt", cat,
                             cat, seller, seller, hidden, lo, hi, hi, avail, pat, pat);
    } else if (!(phrase = fts_phrase(q->q))) {
        goto out;
    } else {
        r2 = bc_db_rows(db, &ids, fts_list,
                        "iiiiiiiiitt"
                        "iiiii",
                        cat, cat, seller, seller, hidden, lo, hi, hi, avail, phrase, pat, sort, sort, sort, limit,
                        offset);
        r1 = r2 != 0 || offset == 0 ? 0
                                    : bc_db_int(db, &total, bc_db_dialect_sql(db, count_fts_sql, NULL), "iiiiiiiiit",
                                                cat, cat, seller, seller, hidden, lo, hi, hi, avail, phrase);
    }
    if (r1 < 0 || r2 < 0)
        goto out;
    size_t i;
    json_t *row;
    json_array_foreach (ids, i, row) {
        if (i == 0)
            total = json_integer_value(json_object_get(row, "total_rows"));
        json_object_del(row, "total_rows");
    }
    items = ids; /* rows already have the product shape; add their images */
    ids = NULL;
    if (attach_images(db, items) != BC_OK)
        goto out;
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", items, "page", (json_int_t)q->page, "per_page",
                     (json_int_t)q->per_page, "total", (json_int_t)total);
    items = NULL;
    rc = *out ? BC_OK : BC_ERR;
out:
    free(pat);
    free(phrase);
    json_decref(ids);
    json_decref(items);
    return rc;
}

/* ---- page ids first (lists without search text) ----
 * One statement per sort, each answered by its index (migration 9) in list order, stopping after
 * the page: parameters (with a category) the category, then include_hidden, seller, seller, min
 * price, max price, max price, hide_sold_out, then limit, offset. The rows themselves come from the cache
 * (bc_catalog_products_load on a miss). */
#define IDS_FROM                                                                                                       \
    " SELECT p.id FROM products p WHERE p.deleted = 0 AND (? = 1 OR p.status IN ('ON_SALE', 'SOLD_OUT'))"              \
    " AND (? = 0 OR p.seller_id = ?)" PRICE_FILTER
#define IDS_CAT " AND p.category_id IN (SELECT id FROM cat)"
#define IDS_CTE                                                                                                        \
    "WITH RECURSIVE cat(id) AS (SELECT id FROM categories WHERE id = ?"                                                \
    " UNION SELECT c.id FROM categories c JOIN cat ON c.parent_id = cat.id)"
#define BY_NEWEST " ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?"
#define BY_NAME " ORDER BY lower(p.name), p.created_at DESC, p.id DESC LIMIT ? OFFSET ?"
#define BY_PRICE_ASC " ORDER BY p.price, p.created_at DESC, p.id DESC LIMIT ? OFFSET ?"
#define BY_PRICE_DESC " ORDER BY p.price DESC, p.created_at DESC, p.id DESC LIMIT ? OFFSET ?"
static const char *const ids_sql[2][4] = {
    {IDS_FROM BY_NEWEST, IDS_FROM BY_NAME, IDS_FROM BY_PRICE_ASC, IDS_FROM BY_PRICE_DESC},
    {IDS_CTE IDS_FROM IDS_CAT BY_NEWEST, IDS_CTE IDS_FROM IDS_CAT BY_NAME, IDS_CTE IDS_FROM IDS_CAT BY_PRICE_ASC,
     IDS_CTE IDS_FROM IDS_CAT BY_PRICE_DESC},
};
static const char count_ids_sql[] = "SELECT COUNT(*) FROM (" IDS_FROM ") x";
static const char count_ids_cat_sql[] = IDS_CTE " SELECT COUNT(*) FROM (" IDS_FROM IDS_CAT ") x";

int bc_catalog_page_ids(bc_db *db, const bc_product_query *q, int64_t *ids, int *n)
{
    int cat = q->category_id > 0, sort = q->sort >= 0 && q->sort <= 3 ? q->sort : BC_SORT_NEWEST, idx = 1, rc;
    *n = 0;
    if (q->per_page < 1 || q->per_page > CATALOG_MAX_PAGE)
        return BC_EINVAL;
    bc_stmt *st = bc_db_prepare(db, ids_sql[cat][sort]);
    if (!st)
        return BC_ERR;
    if (cat)
        bc_stmt_bind_int(st, idx++, q->category_id);
    bc_stmt_bind_int(st, idx++, q->include_hidden ? 1 : 0);
    bc_stmt_bind_int(st, idx++, q->seller_id);
    bc_stmt_bind_int(st, idx++, q->seller_id);
    bc_stmt_bind_int(st, idx++, q->min_price);
    bc_stmt_bind_int(st, idx++, q->max_price);
    bc_stmt_bind_int(st, idx++, q->max_price);
    bc_stmt_bind_int(st, idx++, q->hide_sold_out ? 1 : 0);
    bc_stmt_bind_int(st, idx++, q->per_page);
    bc_stmt_bind_int(st, idx++, (q->page - 1) * q->per_page);
    while ((rc = bc_stmt_step(st)) == 1 && *n < CATALOG_MAX_PAGE)
        ids[(*n)++] = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    return rc < 0 ? BC_ERR : BC_OK;
}

int bc_catalog_count(bc_db *db, const bc_product_query *q, int64_t *total)
{
    int64_t hidden = q->include_hidden ? 1 : 0, avail = q->hide_sold_out ? 1 : 0;
    int rc = q->category_id > 0 ? bc_db_int(db, total, count_ids_cat_sql, "iiiiiiii", q->category_id, hidden,
                                            q->seller_id, q->seller_id, q->min_price, q->max_price, q->max_price, avail)
                                : bc_db_int(db, total, count_ids_sql, "iiiiiii", hidden, q->seller_id, q->seller_id,
                                            q->min_price, q->max_price, q->max_price, avail);
    return rc == 1 ? BC_OK : BC_ERR;
}

#define Q10 "?,?,?,?,?,?,?,?,?,?,"
static const char products_in_sql[] =
    "SELECT p.id, p.seller_id, u.name AS seller_name, p.category_id, c.name AS category_name, p.name,"
    " p.description, p.price, p.stock, p.status, p.image_url, p.wish_count, p.created_at, p.updated_at, p.deleted"
    " FROM products p JOIN users u ON u.id = p.seller_id LEFT JOIN categories c ON c.id = p.category_id"
    " WHERE p.id IN (" Q10 Q10 Q10 Q10 Q10 Q10 Q10 Q10 Q10 "?,?,?,?,?,?,?,?,?,?)";
#undef Q10

static int attach_images(bc_db *db, json_t *items);

int bc_catalog_products_load(bc_db *db, const int64_t *ids, int n, json_t **out)
{
    json_t *found = NULL;
    char key[24];
    int rc = BC_ERR, step;
    for (int i = 0; i < n; i++)
        out[i] = NULL;
    bc_stmt *st = n <= CATALOG_MAX_PAGE ? bc_db_prepare(db, products_in_sql) : NULL;
    if (!st)
        goto out;
    for (int i = 0; i < n; i++)
        bc_stmt_bind_int(st, i + 1, ids[i]);
    found = json_array();
    while ((step = bc_stmt_step(st)) == 1)
        json_array_append_new(found, bc_stmt_row_json(st));
    bc_stmt_reset(st);
    if (step < 0 || attach_images(db, found) != BC_OK)
        goto out;
    size_t k;
    json_t *row, *by_id = json_object();
    json_array_foreach (found, k, row) {
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
        json_object_set(by_id, key, row);
    }
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%lld", (long long)ids[i]);
        out[i] = json_incref(json_object_get(by_id, key));
    }
    json_decref(by_id);
    rc = BC_OK;
out:
    json_decref(found);
    return rc;
}

/* ---- products ---- */

int bc_catalog_image_url_ok(const char *url)
{
    size_t n = url ? strlen(url) : 0;
    if (n <= 7 || n > 500 || strncmp(url, "/media/", 7) != 0)
        return 0; /* only this server's media: no external URLs (mixed content, tracking pixels) */
    if (strstr(url, "..") || strstr(url, "//") || url[n - 1] == '/')
        return 0;
    for (const char *p = url; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int bc_catalog_check_product(json_t *body, const char **code, char *msg, size_t msglen)
{
    const char *key;
    json_t *v;
    *code = "VALIDATION_FAILED";
    json_object_foreach (body, key, v) {
        if (json_is_null(v) && strcmp(key, "description") != 0 && strcmp(key, "category_id") != 0 &&
            strcmp(key, "images") != 0) {
            snprintf(msg, msglen, "'%s' may not be null", key);
            return BC_EINVAL;
        }
    }
    const char *name = json_string_value(json_object_get(body, "name"));
    if (name) {
        const char *p = name;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p) {
            snprintf(msg, msglen, "'name' may not be blank");
            return BC_EINVAL;
        }
    }
    json_t *price = json_object_get(body, "price");
    if (json_is_integer(price) && json_integer_value(price) < BC_CATALOG_MIN_PRICE) {
        *code = "PRICE_TOO_LOW";
        snprintf(msg, msglen, "'price' must be at least %d KRW: an order of 0 KRW cannot be paid",
                 BC_CATALOG_MIN_PRICE);
        return BC_EINVAL;
    }
    json_t *st = json_object_get(body, "status");
    if (st) {
        const char *s = json_string_value(st);
        if (!s || (strcmp(s, "ON_SALE") && strcmp(s, "SOLD_OUT") && strcmp(s, "HIDDEN"))) {
            snprintf(msg, msglen, "'status' must be ON_SALE, SOLD_OUT or HIDDEN");
            return BC_EINVAL;
        }
    }
    json_t *cat = json_object_get(body, "category_id");
    if (cat && json_is_integer(cat) && json_integer_value(cat) <= 0) {
        snprintf(msg, msglen, "'category_id' must be a positive id");
        return BC_EINVAL;
    }
    json_t *imgs = json_object_get(body, "images");
    if (imgs && !json_is_null(imgs)) {
        size_t i;
        json_t *u;
        if (json_array_size(imgs) > 10) {
            snprintf(msg, msglen, "'images' may have at most 10 items");
            return BC_EINVAL;
        }
        json_array_foreach (imgs, i, u) {
            if (!json_is_string(u) || !bc_catalog_image_url_ok(json_string_value(u))) {
                snprintf(
                    msg, msglen,
                    "images[%zu] must be a path under /media/ on this server (upload with POST /api/v1/media/images)",
                    i);
                return BC_EINVAL;
            }
        }
    }
    return BC_OK;
}

/* Sets category_id of product id from v (integer or null); BC_EINVAL for an unknown category. */
static int set_category(bc_db *db, int64_t id, json_t *v, int64_t now)
{
    if (json_is_integer(v)) {
        int64_t one = 0;
        int rc = bc_db_int(db, &one, "SELECT 1 FROM categories WHERE id = ?", "i", (int64_t)json_integer_value(v));
        if (rc != 1)
            return rc < 0 ? BC_ERR : BC_EINVAL;
        rc = bc_db_exec(db, "UPDATE products SET category_id = ?, updated_at = ? WHERE id = ?", "iii",
                        (int64_t)json_integer_value(v), now, id);
        return rc < 0 ? BC_ERR : BC_OK;
    }
    return bc_db_exec(db, "UPDATE products SET category_id = NULL, updated_at = ? WHERE id = ?", "ii", now, id) < 0
               ? BC_ERR
               : BC_OK;
}

/* Replaces the images of product id with the URL strings of arr (NULL/null = none). */
static int set_images(bc_db *db, int64_t id, json_t *arr, int64_t now)
{
    size_t i;
    json_t *u;
    if (bc_db_exec(db, "DELETE FROM product_images WHERE product_id = ?", "i", id) < 0)
        return BC_ERR;
    json_array_foreach (arr, i, u) {
        if (bc_db_exec(db, "INSERT INTO product_images (product_id, url, position) VALUES (?, ?, ?)", "iti", id,
                       json_string_value(u), (int64_t)i) < 0)
            return BC_ERR;
    }
    const char *first = json_array_size(arr) ? json_string_value(json_array_get(arr, 0)) : NULL;
    return bc_db_exec(db, "UPDATE products SET image_url = ?, updated_at = ? WHERE id = ?", "tii", first, now, id) < 0
               ? BC_ERR
               : BC_OK;
}

/* bc_catalog_product_create's unit of work (bc_db_tx). */
typedef struct create_arg {
    int64_t seller_id;
    json_t *body;
    int64_t *id;
} create_arg;

static int create_unit(bc_db *db, void *arg)
{
    create_arg *a = arg;
    json_t *body = a->body;
    int64_t now = bc_now_ms();
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *desc = json_string_value(json_object_get(body, "description"));
    const char *status = json_string_value(json_object_get(body, "status"));
    int64_t price = json_integer_value(json_object_get(body, "price"));
    int64_t stock = json_integer_value(json_object_get(body, "stock"));
    int hidden = status && strcmp(status, "HIDDEN") == 0;
    *a->id = 0;
    int rc =
        bc_db_int(db, a->id,
                  "INSERT INTO products (seller_id, category_id, name, description, price, stock, status, image_url,"
                  " created_at, updated_at) VALUES (?, NULL, ?, ?, ?, 0, ?, NULL, ?, ?) RETURNING id",
                  "ittitii", a->seller_id, name, desc ? desc : "", price, hidden ? "HIDDEN" : "SOLD_OUT", now, now);
    if (rc != 1)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    json_t *cat = json_object_get(body, "category_id");
    if (cat && (rc = set_category(db, *a->id, cat, now)) != BC_OK)
        return rc;
    json_t *imgs = json_object_get(body, "images");
    if (imgs && (rc = set_images(db, *a->id, imgs, now)) != BC_OK)
        return rc;
    return bc_stock_set_by(db, *a->id, stock, a->seller_id, "create");
}

int bc_catalog_product_create(bc_db *db, int64_t seller_id, json_t *body, int64_t *id)
{
    create_arg a = {seller_id, body, id};
    return bc_db_tx(db, create_unit, &a);
}

/* bc_catalog_product_update's unit of work (bc_db_tx). */
typedef struct update_arg {
    int64_t id, actor_id;
    json_t *body;
} update_arg;

static int update_unit(bc_db *db, void *arg)
{
    update_arg *a = arg;
    int64_t now = bc_now_ms(), one = 0, id = a->id;
    json_t *v, *body = a->body;
    int rc = bc_db_int(db, &one, "SELECT 1 FROM products WHERE id = ? AND deleted = 0", "i", id);
    if (rc != 1)
        return rc < 0 ? (rc == BC_EBUSY ? BC_EBUSY : BC_ERR) : BC_ENOTFOUND;
    rc = BC_OK;
    if ((v = json_object_get(body, "name")) &&
        bc_db_exec(db, "UPDATE products SET name = ? WHERE id = ?", "ti", json_string_value(v), id) < 0)
        rc = BC_ERR;
    if (rc == BC_OK && (v = json_object_get(body, "description")) &&
        bc_db_exec(db, "UPDATE products SET description = ? WHERE id = ?", "ti",
                   json_is_string(v) ? json_string_value(v) : "", id) < 0)
        rc = BC_ERR;
    if (rc == BC_OK && (v = json_object_get(body, "price")) &&
        bc_db_exec(db, "UPDATE products SET price = ? WHERE id = ?", "ii", (int64_t)json_integer_value(v), id) < 0)
        rc = BC_ERR;
    if (rc == BC_OK && (v = json_object_get(body, "category_id")))
        rc = set_category(db, id, v, now);
    if (rc == BC_OK && (v = json_object_get(body, "images")))
        rc = set_images(db, id, v, now);
    if (rc == BC_OK && (v = json_object_get(body, "stock")))
        rc = bc_stock_set_by(db, id, json_integer_value(v), a->actor_id, "adjust");
    if (rc == BC_OK && (v = json_object_get(body, "status")) &&
        bc_db_exec(db,
                   "UPDATE products SET status = CASE WHEN ? = 'HIDDEN' THEN 'HIDDEN' WHEN stock > 0 THEN 'ON_SALE'"
                   " ELSE 'SOLD_OUT' END WHERE id = ?",
                   "ti", json_string_value(v), id) < 0)
        rc = BC_ERR;
    if (rc == BC_OK && bc_db_exec(db, "UPDATE products SET updated_at = ? WHERE id = ?", "ii", now, id) < 0)
        rc = BC_ERR;
    return rc;
}

int bc_catalog_product_update(bc_db *db, int64_t id, int64_t actor_id, json_t *body)
{
    update_arg a = {id, actor_id, body};
    return bc_db_tx(db, update_unit, &a);
}

static int delete_unit(bc_db *db, void *arg)
{
    int64_t id = *(int64_t *)arg;
    int rc = bc_db_exec(db, "UPDATE products SET deleted = 1, updated_at = ? WHERE id = ? AND deleted = 0", "ii",
                        bc_now_ms(), id);
    if (rc <= 0)
        return rc < 0 ? (rc == BC_EBUSY ? BC_EBUSY : BC_ERR) : BC_ENOTFOUND;
    return bc_cart_drop_product(db, id); /* carts are commerce's */
}

int bc_catalog_product_delete(bc_db *db, int64_t id) { return bc_db_tx(db, delete_unit, &id); }
