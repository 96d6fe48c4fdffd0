/* Unit tests of the catalog's search against a temporary SQLite database: the FTS5 trigram table
 * of migration 7 follows every insert, update and delete of products, and a q of 3+ characters is
 * answered from that index while 1-2 characters use LIKE over the rows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_fixture.h"
#include "../../src/catalog/catalog.h"

typedef struct fixture {
    char path[64];
    bc_db *db;
    int64_t seller, product;
} fixture;

static int setup_db(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/bc-test-catalog-XXXXXX");
    if (bc_test_db_open(f->path, &f->db) != 0)
        return -1;
    int64_t now = bc_now_ms();
    if (bc_db_int(
            f->db, &f->seller,
            "INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('s@x.io', 'S', 'seller', 'x', ?)"
            " RETURNING id",
            "i", now) != 1 ||
        bc_db_int(f->db, &f->product,
                  "INSERT INTO products (seller_id, name, description, price, stock, status, created_at, updated_at)"
                  " VALUES (?, '라운드넥니트', '울 혼방', 1000, 3, 'ON_SALE', ?, ?) RETURNING id",
                  "iii", f->seller, now, now) != 1)
        return -1;
    *state = f;
    return 0;
}

static int teardown_db(void **state)
{
    fixture *f = *state;
    bc_test_db_remove(f->db, f->path);
    free(f);
    return 0;
}

/* rows of product_fts matching the FTS5 query text */
static int64_t fts_count(bc_db *db, const char *match)
{
    int64_t n = -1;
    assert_int_equal(bc_db_int(db, &n, "SELECT COUNT(*) FROM product_fts WHERE product_fts MATCH ?", "t", match), 1);
    return n;
}

/* total of a public listing for q */
static int64_t list_total(bc_db *db, const char *q)
{
    bc_product_query pq = {.q = q, .sort = BC_SORT_NEWEST, .page = 1, .per_page = 20};
    json_t *out = NULL;
    assert_int_equal(bc_catalog_list(db, &pq, &out), BC_OK);
    int64_t n = json_integer_value(json_object_get(out, "total"));
    assert_int_equal(json_array_size(json_object_get(out, "items")), (size_t)n);
    json_decref(out);
    return n;
}

static void fts_follows_products(void **state)
{
    fixture *f = *state;
    assert_int_equal(fts_count(f->db, "\"넥니트\""), 1);
    assert_int_equal(fts_count(f->db, "\"울 혼방\""), 1);
    assert_int_equal(fts_count(f->db, "\"니트\""), 0); /* a trigram index cannot answer 2 characters */
    assert_int_equal(bc_db_exec(f->db, "UPDATE products SET name = '브이넥가디건', description = '면' WHERE id = ?",
                                "i", f->product),
                     1);
    assert_int_equal(fts_count(f->db, "\"넥니트\""), 0);
    assert_int_equal(fts_count(f->db, "\"울 혼방\""), 0);
    assert_int_equal(fts_count(f->db, "\"넥가디\""), 1);
    assert_int_equal(bc_db_exec(f->db, "UPDATE products SET price = 2000 WHERE id = ?", "i", f->product), 1);
    assert_int_equal(fts_count(f->db, "\"넥가디\""), 1);
    assert_int_equal(bc_db_exec(f->db, "DELETE FROM products WHERE id = ?", "i", f->product), 1);
    assert_int_equal(fts_count(f->db, "\"넥가디\""), 0);
    assert_int_equal(fts_count(f->db, "\"가디건\""), 0);
}

static void long_queries_read_the_index(void **state)
{
    fixture *f = *state;
    assert_int_equal(list_total(f->db, "넥니트"), 1);
    assert_int_equal(list_total(f->db, "니트"), 1);
    /* take the row out of the index only: 3+ characters no longer find it, 1-2 still do (LIKE) */
    assert_true(bc_db_exec(f->db,
                           "INSERT INTO product_fts(product_fts, rowid, name, description)"
                           " SELECT 'delete', id, name, description FROM products WHERE id = ?",
                           "i", f->product) >= 0);
    assert_int_equal(list_total(f->db, "넥니트"), 0);
    assert_int_equal(list_total(f->db, "라운드넥니트"), 0);
    assert_int_equal(list_total(f->db, "니트"), 1);
    assert_int_equal(list_total(f->db, "넥"), 1);
    assert_true(bc_db_exec(f->db, "INSERT INTO product_fts(product_fts) VALUES ('rebuild')", "") >= 0);
    assert_int_equal(list_total(f->db, "넥니트"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fts_follows_products, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(long_queries_read_the_index, setup_db, teardown_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
