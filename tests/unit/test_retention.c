/* Unit tests of what account deletion asks of commerce (src/commerce/retention.c): the count of
 * orders still in progress (as buyer, as seller) and the retention erase of shipping addresses,
 * against a temporary SQLite database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "db_fixture.h"
#include "../../src/commerce/commerce.h"

static char path[64];
static bc_db *db;

static int setup_db(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/bc-test-retention-XXXXXX");
    return bc_test_db_open(path, &db);
}

static int teardown_db(void **state)
{
    (void)state;
    bc_test_db_remove(db, path);
    return 0;
}

/* An order of buyer with one shipment of seller in status, created at created_at (UTC ms), with
 * the shipping address text addr. Returns its row id. */
static int64_t add_order(int64_t buyer, int64_t seller, const char *status, int64_t created_at, const char *addr)
{
    static int seq;
    char oid[32];
    int64_t id = 0;
    snprintf(oid, sizeof oid, "T%d", ++seq);
    assert_int_equal(bc_db_int(db, &id,
                               "INSERT INTO orders (order_id, buyer_id, status, order_name, subtotal, shipping_fee,"
                               " amount, shipping_address, created_at, expires_at, updated_at)"
                               " VALUES (?, ?, ?, 'x', 1000, 0, 1000, ?, ?, ?, ?) RETURNING id",
                               "tittiii", oid, buyer, status, addr, created_at, created_at, created_at),
                     1);
    assert_true(bc_db_exec(db,
                           "INSERT INTO shipments (order_id, seller_id, status, subtotal, shipping_fee, created_at,"
                           " updated_at) VALUES (?, ?, ?, 1000, 0, ?, ?)",
                           "iitii", id, seller, status, created_at, created_at) == 1);
    return id;
}

static char *address_of(int64_t id)
{
    json_t *row = NULL;
    assert_int_equal(bc_db_row(db, &row, "SELECT shipping_address FROM orders WHERE id = ?", "i", id), 1);
    char *s = strdup(json_string_value(json_object_get(row, "shipping_address")));
    json_decref(row);
    return s;
}

static void open_orders_count(void **state)
{
    (void)state;
    int64_t buyer, seller, n = -1;
    assert_int_equal(bc_test_user(db, "b@example.com", "b", "buyer", &buyer), 0);
    assert_int_equal(bc_test_user(db, "s@example.com", "s", "seller", &seller), 0);
    assert_int_equal(bc_orders_open_count(db, buyer, 0, &n), BC_OK);
    assert_int_equal(n, 0);
    int64_t now = bc_now_ms();
    /* finished or never paid: not open */
    static const char *const closed[] = {"PENDING_PAYMENT", "DELIVERED", "PURCHASE_CONFIRMED", "CANCELED",
                                         "EXPIRED",         "REFUNDED",  "PAYMENT_FAILED"};
    for (size_t i = 0; i < sizeof closed / sizeof *closed; i++)
        add_order(buyer, seller, closed[i], now, "{}");
    assert_int_equal(bc_orders_open_count(db, buyer, 0, &n), BC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(bc_orders_open_count(db, seller, 1, &n), BC_OK);
    assert_int_equal(n, 0);
    add_order(buyer, seller, "PAID", now, "{}");
    add_order(buyer, seller, "RETURN_REQUESTED", now, "{}");
    assert_int_equal(bc_orders_open_count(db, buyer, 0, &n), BC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(bc_orders_open_count(db, seller, 1, &n), BC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(bc_orders_open_count(db, seller, 0, &n), BC_OK);
    assert_int_equal(n, 0); /* the seller bought nothing */
}

static void retention_erase(void **state)
{
    (void)state;
    int64_t gone, stays, seller, erased = -1;
    assert_int_equal(bc_test_user(db, "g@example.com", "g", "buyer", &gone), 0);
    assert_int_equal(bc_test_user(db, "k@example.com", "k", "buyer", &stays), 0);
    assert_int_equal(bc_test_user(db, "s2@example.com", "s", "seller", &seller), 0);
    const char *addr = "{\"recipient\":\"홍길동\",\"address1\":\"서울\"}";
    int64_t now = bc_now_ms(), cutoff = now - 1000;
    int64_t old_gone = add_order(gone, seller, "DELIVERED", now - 5000, addr);
    int64_t new_gone = add_order(gone, seller, "DELIVERED", now, addr);
    int64_t old_stays = add_order(stays, seller, "DELIVERED", now - 5000, "bcs1.sealed-form");
    assert_int_equal(bc_orders_retention_erase(db, &gone, 1, cutoff, &erased), BC_OK);
    assert_int_equal(erased, 1);
    char *a = address_of(old_gone), *b = address_of(new_gone), *c = address_of(old_stays);
    assert_string_equal(a, "{}");
    assert_string_equal(b, addr);
    assert_string_equal(c, "bcs1.sealed-form");
    free(a);
    free(b);
    free(c);
    /* again: nothing left to erase; a sealed (non-JSON) address is overwritten the same way */
    assert_int_equal(bc_orders_retention_erase(db, &gone, 1, cutoff, &erased), BC_OK);
    assert_int_equal(erased, 0);
    int64_t both[] = {gone, stays};
    assert_int_equal(bc_orders_retention_erase(db, both, 2, cutoff, &erased), BC_OK);
    assert_int_equal(erased, 1);
    c = address_of(old_stays);
    assert_string_equal(c, "{}");
    free(c);
    assert_int_equal(bc_orders_retention_erase(db, NULL, 0, cutoff, &erased), BC_OK);
    assert_int_equal(erased, 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    bc_log_set_level(BC_LOG_ERROR);
    const struct CMUnitTest t[] = {
        cmocka_unit_test_setup_teardown(open_orders_count, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(retention_erase, setup_db, teardown_db),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
