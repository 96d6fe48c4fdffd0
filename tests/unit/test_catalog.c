/* Unit tests of the catalog's search against a temporary SQLite database: the FTS5 trigram table
 * of migration 7 follows every insert, update and delete of products, and a q of 3+ characters is
 * answered from that index while 1-2 characters use LIKE over the rows. And the change feed the
 * catalog cache relies on (store.h "change notification", SQLite side): what is published after a
 * commit of this process, nothing after a rollback, and "everything" after another process's write. */
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
    if (bc_test_user(f->db, "s@x.io", "S", "seller", &f->seller) != 0 ||
        bc_test_product(f->db, f->seller, "라운드넥니트", "울 혼방", 1000, 3, &f->product) != 0)
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

/* ---- the change feed ---- */

#define SEEN_MAX 64
static int64_t seen_id[SEEN_MAX];
static int seen_kind[SEEN_MAX], nseen;

static void record(int64_t id, int kind)
{
    if (nseen < SEEN_MAX) {
        seen_id[nseen] = id;
        seen_kind[nseen] = kind;
    }
    nseen++;
}

/* every publication since the last reset was (id, kind), and there was at least one */
static void assert_only(int64_t id, int kind)
{
    assert_true(nseen >= 1);
    for (int i = 0; i < nseen && i < SEEN_MAX; i++) {
        assert_int_equal(seen_id[i], id);
        assert_int_equal(seen_kind[i], kind);
    }
    nseen = 0;
}

static void changes_are_published_after_commit(void **state)
{
    fixture *f = *state;
    bc_db *w = NULL, *r = NULL; /* opened after the migration: tracked connections, as the workers' */
    char cmd[160];
    assert_int_equal(bc_db_open(f->path, &w), BC_OK);
    assert_int_equal(bc_db_open(f->path, &r), BC_OK);
    bc_db_on_change(record);
    assert_int_equal(bc_db_sync(r), BC_OK); /* the first check drops everything once */
    nseen = 0;

    /* a price moves the product in price order: a listing change */
    assert_int_equal(bc_db_exec(w, "UPDATE products SET price = 2000 WHERE id = ?", "i", f->product), 1);
    assert_only(f->product, BC_DB_CHANGE_LISTING);
    /* stock (and ON_SALE -> SOLD_OUT) changes what a list shows, not what it holds */
    assert_int_equal(bc_db_exec(w, "UPDATE products SET stock = 0, status = 'SOLD_OUT' WHERE id = ?", "i", f->product),
                     1);
    assert_only(f->product, BC_DB_CHANGE_ROW);
    /* hiding takes it out of the public lists */
    assert_int_equal(bc_db_exec(w, "UPDATE products SET status = 'HIDDEN' WHERE id = ?", "i", f->product), 1);
    assert_only(f->product, BC_DB_CHANGE_LISTING);
    /* a rolled-back transaction publishes nothing */
    assert_int_equal(bc_db_begin(w), BC_OK);
    assert_int_equal(bc_db_exec(w, "UPDATE products SET price = 5 WHERE id = ?", "i", f->product), 1);
    bc_db_rollback(w);
    assert_int_equal(nseen, 0);
    /* inside a transaction: published at the commit, not before */
    assert_int_equal(bc_db_begin(w), BC_OK);
    assert_int_equal(bc_db_exec(w, "UPDATE products SET name = 'x' WHERE id = ?", "i", f->product), 1);
    assert_int_equal(nseen, 0);
    assert_int_equal(bc_db_commit(w), BC_OK);
    assert_only(f->product, BC_DB_CHANGE_LISTING);
    /* a category change is everyone's */
    assert_int_equal(bc_db_exec(w, "INSERT INTO categories (name, slug, position) VALUES ('c', 'c', 0)", ""), 1);
    assert_only(BC_DB_CHANGED_ALL, BC_DB_CHANGE_LISTING);

    /* another connection of this process reads: its commits were explained, nothing more */
    assert_int_equal(bc_db_sync(r), BC_OK);
    assert_int_equal(nseen, 0);
    /* another process writes (the sqlite3 shell): the next check drops everything, once */
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"UPDATE products SET price = 7 WHERE id = %lld\"", f->path,
             (long long)f->product);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(nseen, 0);
    assert_int_equal(bc_db_sync(r), BC_OK);
    assert_only(BC_DB_CHANGED_ALL, BC_DB_CHANGE_LISTING);
    assert_int_equal(bc_db_sync(r), BC_OK);
    assert_int_equal(nseen, 0);
    /* the drop is process-wide: another connection's next check has nothing left to do */
    assert_int_equal(bc_db_sync(w), BC_OK);
    assert_int_equal(nseen, 0);

    bc_db_on_change(NULL);
    bc_db_close(w);
    bc_db_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fts_follows_products, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(long_queries_read_the_index, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(changes_are_published_after_commit, setup_db, teardown_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
