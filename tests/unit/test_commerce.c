/* Unit tests of commerce: the pure order rules (shipping fee, orderId, order name, state
 * transitions, address checks) and stock/order store code against a temporary SQLite database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_fixture.h"
#include "../../src/commerce/commerce.h"

/* ---- pure rules ---- */

static void shipping_fee_rule(void **state)
{
    (void)state;
    bc_cfg.shipping_fee = 3000;
    bc_cfg.free_shipping_over = 50000;
    assert_int_equal(bc_order_shipping_fee(0), 0);
    assert_int_equal(bc_order_shipping_fee(-5), 0);
    assert_int_equal(bc_order_shipping_fee(1), 3000);
    assert_int_equal(bc_order_shipping_fee(49999), 3000);
    assert_int_equal(bc_order_shipping_fee(50000), 0);
    assert_int_equal(bc_order_shipping_fee(BC_ORDER_MAX_AMOUNT), 0);
    bc_cfg.shipping_fee = 2500;
    bc_cfg.free_shipping_over = 30000;
    assert_int_equal(bc_order_shipping_fee(29999), 2500);
    assert_int_equal(bc_order_shipping_fee(30000), 0);
}

static void order_id_format(void **state)
{
    (void)state;
    char a[32], b[32];
    /* 2026-11-23T10:00:00Z */
    bc_order_make_id(a, sizeof a, 1795428000000LL);
    bc_order_make_id(b, sizeof b, 1795428000000LL);
    assert_int_equal(strlen(a), 21);
    assert_memory_equal(a, "BC20261123-", 11);
    for (size_t i = 11; i < 21; i++)
        assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'z') || (a[i] >= 'A' && a[i] <= 'Z'));
    assert_string_not_equal(a, b);
    assert_true(bc_order_id_valid(a));
    /* day boundary is UTC: 2026-11-23T23:59:59.999Z vs +1 ms */
    bc_order_make_id(a, sizeof a, 1795478399999LL);
    assert_memory_equal(a, "BC20261123-", 11);
    bc_order_make_id(a, sizeof a, 1795478400000LL);
    assert_memory_equal(a, "BC20261124-", 11);

    assert_true(bc_order_id_valid("abc_-1"));
    assert_false(bc_order_id_valid("abc12")); /* 5 chars */
    assert_false(bc_order_id_valid("BC2026 1123"));
    assert_false(bc_order_id_valid("BC20261123-한글"));
    assert_false(bc_order_id_valid("BC/../x"));
    assert_false(bc_order_id_valid(""));
    assert_false(bc_order_id_valid(NULL));
    char long_id[70];
    memset(long_id, 'a', 64);
    long_id[64] = 0;
    assert_true(bc_order_id_valid(long_id));
    long_id[64] = 'a';
    long_id[65] = 0;
    assert_false(bc_order_id_valid(long_id));
}

static void order_name_rule(void **state)
{
    (void)state;
    char out[420];
    bc_order_make_name("감귤", 1, out, sizeof out);
    assert_string_equal(out, "감귤");
    bc_order_make_name("감귤", 3, out, sizeof out);
    assert_string_equal(out, "감귤 외 2건");
    /* long names are cut on a character boundary so the whole name has <= 100 characters */
    char name[400] = "";
    for (int i = 0; i < 120; i++)
        strcat(name, "가");
    bc_order_make_name(name, 12, out, sizeof out);
    size_t chars = 0;
    for (const char *p = out; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            chars++;
    assert_int_equal(chars, 100);
    assert_non_null(strstr(out, " 외 11건"));
    assert_int_equal(strlen(out) - strlen(" 외 11건"), 3 * (100 - 6));
    /* a small buffer never overflows and never splits a character */
    char small[8];
    bc_order_make_name("가나다라", 1, small, sizeof small);
    assert_string_equal(small, "가나");
}

static void state_rules(void **state)
{
    (void)state;
    assert_true(bc_order_can_cancel("PENDING_PAYMENT"));
    assert_true(bc_order_can_cancel("PAID"));
    assert_false(bc_order_can_cancel("SHIPPING"));
    assert_false(bc_order_can_cancel("DELIVERED"));
    assert_false(bc_order_can_cancel("CANCELED"));
    assert_false(bc_order_can_cancel("EXPIRED"));
    assert_false(bc_order_can_cancel(NULL));
    assert_true(bc_order_can_pay("PENDING_PAYMENT"));
    assert_false(bc_order_can_pay("PAID"));
    assert_false(bc_order_can_pay("EXPIRED"));
    assert_false(bc_order_can_pay("CANCELED"));
    assert_true(bc_order_status_known("DELIVERED"));
    assert_false(bc_order_status_known("paid"));
    assert_false(bc_order_status_known(NULL));
}

static int addr_ok(const char *text)
{
    char msg[200];
    json_error_t err;
    json_t *a = json_loads(text, 0, &err);
    int rc = bc_order_check_address(a, msg, sizeof msg);
    json_decref(a);
    return rc == BC_OK;
}

static void address_rules(void **state)
{
    (void)state;
    assert_true(
        addr_ok("{\"recipient\":\"홍길동\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":\"서울\"}"));
    assert_true(addr_ok(
        "{\"recipient\":\"a\",\"phone\":\"01012345678\",\"postcode\":\"06236\",\"address1\":\"x\",\"address2\":null}"));
    assert_false(addr_ok("{\"recipient\":\"\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":\"x\"}"));
    assert_false(
        addr_ok("{\"recipient\":\"  \",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":\"x\"}"));
    assert_false(addr_ok("{\"recipient\":\"a\",\"phone\":\"010-12\",\"postcode\":\"06236\",\"address1\":\"x\"}"));
    assert_false(
        addr_ok("{\"recipient\":\"a\",\"phone\":\"010-1234-567a\",\"postcode\":\"06236\",\"address1\":\"x\"}"));
    assert_false(addr_ok("{\"recipient\":\"a\",\"phone\":\"010-1234-5678\",\"postcode\":\"0623\",\"address1\":\"x\"}"));
    assert_false(
        addr_ok("{\"recipient\":\"a\",\"phone\":\"010-1234-5678\",\"postcode\":\"0623x\",\"address1\":\"x\"}"));
    assert_false(addr_ok("{\"recipient\":\"a\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\"}"));
    assert_false(addr_ok(
        "{\"recipient\":\"a\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":\"x\",\"zip\":1}"));
    assert_false(addr_ok("{\"recipient\":\"a\",\"phone\":1012345678,\"postcode\":\"06236\",\"address1\":\"x\"}"));
    assert_false(addr_ok("[]"));
    char msg[64];
    assert_int_equal(bc_order_check_address(NULL, msg, sizeof msg), BC_EINVAL);
    /* control and bidi-override characters in any text field */
    assert_false(
        addr_ok("{\"recipient\":\"a\\u202e\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":\"x\"}"));
    assert_false(
        addr_ok("{\"recipient\":\"a\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":\"x\\r\\ny\"}"));
    assert_false(addr_ok("{\"recipient\":\"a\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":\"x\","
                         "\"address2\":\"\\u001b[31m\"}"));
    assert_true(addr_ok("{\"recipient\":\"김 🙂\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":"
                        "\"서울 중구 세종대로 110\",\"address2\":\"3층 (우측 문)\"}"));
}

static void unsafe_text_rule(void **state)
{
    (void)state;
    const char *ok[] = {
        "plain", "안녕하세요", "👨\u200d👩\u200d👧 👍🏻", "\u200f rlm and \u200e lrm", "❤️", ""};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        assert_int_equal(bc_utf8_check(ok[i], strlen(ok[i]), BC_TEXT_LINE, NULL, NULL), BC_OK);
    const char *bad[] = {"a\tb",       "a\nb",       "\x1b[31m",   "del\x7f",    "c1 \xc2\x85", "c1 \xc2\x9f",
                         "rlo \u202e", "lre \u202a", "lri \u2066", "pdi \u2069", "ls \u2028",   "ps \u2029"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(bc_utf8_check(bad[i], strlen(bad[i]), BC_TEXT_LINE, NULL, NULL), BC_EINVAL);
    /* a sequence cut short at the end counts as unsafe */
    assert_int_equal(bc_utf8_check("\xea\xb0", 2, BC_TEXT_LINE, NULL, NULL), BC_EINVAL);
}

/* ---- store code against a temporary database ---- */

typedef struct fixture {
    char path[64];
    bc_db *db;
    int64_t seller, buyer, product;
} fixture;

static int setup_db(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/bc-test-commerce-XXXXXX");
    if (bc_test_db_open(f->path, &f->db) != 0)
        return -1;
    if (bc_test_user(f->db, "s@x.io", "S", "seller", &f->seller) != 0 ||
        bc_test_user(f->db, "b@x.io", "B", "buyer", &f->buyer) != 0 ||
        bc_test_product(f->db, f->seller, "Widget", "", 1000, 3, &f->product) != 0)
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

static int64_t stock_of(fixture *f, char *status, size_t len)
{
    json_t *row = NULL;
    bc_db_row(f->db, &row, "SELECT stock, status FROM products WHERE id = ?", "i", f->product);
    assert_non_null(row);
    int64_t s = json_integer_value(json_object_get(row, "stock"));
    snprintf(status, len, "%s", json_string_value(json_object_get(row, "status")));
    json_decref(row);
    return s;
}

static int64_t ledger_sum(fixture *f)
{
    int64_t sum = 0;
    bc_db_int(f->db, &sum, "SELECT COALESCE(SUM(delta), 0) FROM stock_ledger WHERE product_id = ?", "i", f->product);
    return sum;
}

static void stock_reserve_release(void **state)
{
    fixture *f = *state;
    char st[16];
    assert_int_equal(bc_db_begin(f->db), BC_OK);
    assert_int_equal(bc_stock_reserve(f->db, f->product, 2, 0, "test"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 1);
    assert_string_equal(st, "ON_SALE");
    /* the conditional update refuses more than the stock and changes nothing */
    assert_int_equal(bc_stock_reserve(f->db, f->product, 2, 0, "test"), BC_ECONFLICT);
    assert_int_equal(stock_of(f, st, sizeof st), 1);
    assert_int_equal(bc_stock_reserve(f->db, f->product, 0, 0, "test"), BC_EINVAL);
    assert_int_equal(bc_stock_reserve(f->db, f->product, -1, 0, "test"), BC_EINVAL);
    assert_int_equal(bc_stock_reserve(f->db, 999999, 1, 0, "test"), BC_ECONFLICT);
    /* the last unit flips the product to SOLD_OUT; then nothing more can be taken */
    assert_int_equal(bc_stock_reserve(f->db, f->product, 1, 0, "test"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 0);
    assert_string_equal(st, "SOLD_OUT");
    assert_int_equal(bc_stock_reserve(f->db, f->product, 1, 0, "test"), BC_ECONFLICT);
    /* release puts it back on sale */
    assert_int_equal(bc_stock_release(f->db, f->product, 2, 0, "test"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 2);
    assert_string_equal(st, "ON_SALE");
    assert_int_equal(bc_stock_release(f->db, 999999, 1, 0, "test"), BC_ENOTFOUND);
    assert_int_equal(bc_stock_release(f->db, f->product, 0, 0, "test"), BC_EINVAL);
    assert_int_equal(bc_db_commit(f->db), BC_OK);
    /* ledger: -2 -1 +2 */
    assert_int_equal(ledger_sum(f), -1);

    /* a rolled-back reservation leaves neither stock nor ledger changed */
    assert_int_equal(bc_db_begin(f->db), BC_OK);
    assert_int_equal(bc_stock_reserve(f->db, f->product, 2, 0, "test"), BC_OK);
    bc_db_rollback(f->db);
    assert_int_equal(stock_of(f, st, sizeof st), 2);
    assert_int_equal(ledger_sum(f), -1);
}

static void stock_set_rules(void **state)
{
    fixture *f = *state;
    char st[16];
    assert_int_equal(bc_db_begin(f->db), BC_OK);
    assert_int_equal(bc_stock_set(f->db, f->product, 0, "adjust"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 0);
    assert_string_equal(st, "SOLD_OUT");
    assert_int_equal(bc_stock_set(f->db, f->product, 5, "adjust"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 5);
    assert_string_equal(st, "ON_SALE");
    assert_int_equal(bc_stock_set(f->db, f->product, 5, "adjust"), BC_OK); /* no-op, no ledger row */
    assert_int_equal(bc_stock_set(f->db, f->product, -1, "adjust"), BC_EINVAL);
    assert_int_equal(bc_stock_set(f->db, f->product, 1000001, "adjust"), BC_EINVAL);
    assert_int_equal(bc_stock_set(f->db, 999999, 1, "adjust"), BC_ENOTFOUND);
    assert_int_equal(bc_db_exec(f->db, "UPDATE products SET status = 'HIDDEN' WHERE id = ?", "i", f->product), 1);
    assert_int_equal(bc_stock_set(f->db, f->product, 0, "adjust"), BC_OK);
    assert_int_equal(bc_stock_set(f->db, f->product, 4, "adjust"), BC_OK);
    stock_of(f, st, sizeof st);
    assert_string_equal(st, "HIDDEN");
    assert_int_equal(bc_db_commit(f->db), BC_OK);
    /* the ledger always sums to the stock change: 3 initial (not in the ledger) -> 4 */
    assert_int_equal(ledger_sum(f), 1);
    int64_t rows = 0;
    bc_db_int(f->db, &rows, "SELECT COUNT(*) FROM stock_ledger WHERE product_id = ?", "i", f->product);
    assert_int_equal(rows, 4);
}

static json_t *address(void)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "recipient", "홍길동", "phone", "010-1234-5678", "postcode", "06236",
                     "address1", "서울");
}

static int64_t orders_count(fixture *f)
{
    int64_t n = -1;
    bc_db_int(f->db, &n, "SELECT COUNT(*) FROM orders", "");
    return n;
}

/* live_id must carry every product (LIVE_PRODUCT_MISMATCH / LIVE_NOT_FOUND) and an order of 0 KRW
 * is refused (ORDER_AMOUNT_ZERO); each refusal writes nothing. */
static void order_live_and_zero_amount_rules(void **state)
{
    fixture *f = *state;
    char st[16];
    json_t *addr = address();
    bc_order_problem why;
    int64_t id = 0, live = 0, other = 0, now = bc_now_ms();
    bc_cfg.shipping_fee = 3000;
    bc_cfg.free_shipping_over = 50000;
    bc_cfg.order_ttl_s = 600;
    assert_int_equal(bc_test_product(f->db, f->seller, "Gift", "", 0, 5, &other), 0);
    assert_int_equal(bc_db_int(f->db, &live,
                               "INSERT INTO lives (seller_id, title, status, scheduled_at, stream_key, created_at)"
                               " VALUES (?, 'L', 'SCHEDULED', ?, 'k', ?) RETURNING id",
                               "iii", f->seller, now, now),
                     1);
    assert_int_equal(bc_db_exec(f->db, "INSERT INTO live_products (live_id, product_id, position) VALUES (?, ?, 0)",
                                "ii", live, f->product),
                     1);

    bc_order_item mixed[] = {{f->product, 1}, {other, 1}};
    assert_int_equal(bc_order_create(f->db, f->buyer, mixed, 2, addr, live, &why, &id), BC_EINVAL);
    assert_string_equal(why.code, "LIVE_PRODUCT_MISMATCH");
    assert_int_equal(why.product_id, other);
    assert_string_equal(why.product_name, "Gift");
    assert_int_equal(bc_order_create(f->db, f->buyer, mixed, 2, addr, live + 100, &why, &id), BC_EINVAL);
    assert_string_equal(why.code, "LIVE_NOT_FOUND");
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    assert_int_equal(orders_count(f), 0);

    /* only the 0 KRW product: nothing to pay, refused */
    bc_order_item gift[] = {{other, 2}};
    assert_int_equal(bc_order_create(f->db, f->buyer, gift, 1, addr, 0, &why, &id), BC_EINVAL);
    assert_string_equal(why.code, "ORDER_AMOUNT_ZERO");
    assert_int_equal(orders_count(f), 0);

    /* the live's own product from the live, and the gift along with a paid product: accepted */
    bc_order_item carried[] = {{f->product, 1}};
    assert_int_equal(bc_order_create(f->db, f->buyer, carried, 1, addr, live, &why, &id), BC_OK);
    assert_int_equal(bc_order_create(f->db, f->buyer, mixed, 2, addr, 0, &why, &id), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 1);
    assert_int_equal(orders_count(f), 2);
    json_decref(addr);
}

static void order_create_expire_cancel(void **state)
{
    fixture *f = *state;
    char st[16];
    json_t *addr = address(), *o = NULL;
    bc_order_problem why;
    int64_t id = 0, id2 = 0, count = 0;
    bc_cfg.shipping_fee = 3000;
    bc_cfg.free_shipping_over = 50000;
    bc_cfg.order_ttl_s = 600;

    /* more than the stock: OUT_OF_STOCK, nothing written */
    bc_order_item too_many[] = {{f->product, 2}, {f->product, 2}};
    assert_int_equal(bc_order_create(f->db, f->buyer, too_many, 2, addr, 0, &why, &id), BC_ECONFLICT);
    assert_string_equal(why.code, "OUT_OF_STOCK");
    assert_string_equal(why.product_name, "Widget");
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    bc_db_int(f->db, &count, "SELECT COUNT(*) FROM orders", "");
    assert_int_equal(count, 0);
    bc_db_int(f->db, &count, "SELECT COUNT(*) FROM order_lines", "");
    assert_int_equal(count, 0);

    bc_order_item unknown[] = {{f->product, 1}, {424242, 1}};
    assert_int_equal(bc_order_create(f->db, f->buyer, unknown, 2, addr, 0, &why, &id), BC_ENOTFOUND);
    assert_string_equal(why.code, "PRODUCT_NOT_FOUND");
    bc_order_item zero[] = {{f->product, 0}};
    assert_int_equal(bc_order_create(f->db, f->buyer, zero, 1, addr, 0, &why, &id), BC_EINVAL);
    assert_int_equal(bc_order_create(f->db, f->buyer, NULL, 0, addr, 0, &why, &id), BC_EINVAL);
    assert_string_equal(why.code, "CART_EMPTY");
    bc_order_item one[] = {{f->product, 1}};
    assert_int_equal(bc_order_create(f->db, f->buyer, one, 1, addr, 777, &why, &id), BC_EINVAL);
    assert_string_equal(why.code, "LIVE_NOT_FOUND");
    assert_int_equal(stock_of(f, st, sizeof st), 3);

    /* duplicates merge; prices from the database; fee added */
    bc_order_item dup[] = {{f->product, 1}, {f->product, 1}};
    assert_int_equal(bc_order_create(f->db, f->buyer, dup, 2, addr, 0, &why, &id), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 1);
    assert_int_equal(bc_order_json(f->db, id, 0, &o), BC_OK);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "PENDING_PAYMENT");
    assert_int_equal(json_integer_value(json_object_get(o, "subtotal")), 2000);
    assert_int_equal(json_integer_value(json_object_get(o, "shipping_fee")), 3000);
    assert_int_equal(json_integer_value(json_object_get(o, "amount")), 5000);
    assert_int_equal(json_array_size(json_object_get(o, "lines")), 1);
    assert_true(bc_order_id_valid(json_string_value(json_object_get(o, "order_id"))));
    json_decref(o);
    o = NULL;

    /* expiry: not due yet -> 0; due -> 1 and restocked; a second sweep does nothing */
    bc_order_head h;
    assert_int_equal(bc_order_head_get(f->db, id, &h), BC_OK);
    assert_int_equal(bc_order_expire_one(f->db, id, h.expires_at - 1), 0);
    assert_int_equal(bc_order_expire_due(f->db, h.expires_at + 1), 1);
    assert_int_equal(bc_order_expire_due(f->db, h.expires_at + 1), 0);
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    assert_int_equal(bc_order_head_get(f->db, id, &h), BC_OK);
    assert_string_equal(h.status, "EXPIRED");
    /* an expired order can be neither paid nor canceled: the conditional updates match nothing */
    assert_int_equal(bc_order_mark_paid(f->db, id, "pk_1", 5000, "카드", 0, "{}"), BC_ECONFLICT);
    assert_int_equal(bc_order_cancel(f->db, id, "PENDING_PAYMENT"), BC_ECONFLICT);
    assert_int_equal(bc_order_cancel(f->db, id, "EXPIRED"), BC_EINVAL);
    assert_int_equal(stock_of(f, st, sizeof st), 3);

    /* paid then canceled: restocked once; the payment row follows */
    assert_int_equal(bc_order_create(f->db, f->buyer, one, 1, addr, 0, &why, &id2), BC_OK);
    assert_int_equal(bc_order_mark_paid(f->db, id2, "pk_2", 4000, "카드", 0, "{}"), BC_OK);
    assert_int_equal(bc_order_mark_paid(f->db, id2, "pk_2", 4000, "카드", 0, "{}"), BC_ECONFLICT);
    assert_int_equal(bc_order_expire_due(f->db, INT64_MAX / 2), 0); /* paid orders never expire */
    assert_int_equal(bc_order_cancel(f->db, id2, "PENDING_PAYMENT"), BC_ECONFLICT);
    assert_int_equal(stock_of(f, st, sizeof st), 2);
    assert_int_equal(bc_order_cancel(f->db, id2, "PAID"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    assert_int_equal(bc_order_cancel(f->db, id2, "PAID"), BC_ECONFLICT);
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    json_t *pay = NULL;
    assert_int_equal(bc_db_row(f->db, &pay, "SELECT status FROM payments WHERE order_id = ?", "i", id2), 1);
    assert_string_equal(json_string_value(json_object_get(pay, "status")), "CANCELED");
    json_decref(pay);

    /* orders: an open refund claim blocks every other action on the order (here: shipping) until
     * it is gone; the state machine refuses what its table lacks, with the current status */
    int64_t id3 = 0;
    bc_actor seller = {f->seller, BC_ACTOR_SELLER}, buyer = {f->buyer, BC_ACTOR_BUYER};
    bc_order_act_args ship = {.action = "ship", .carrier = "CJ대한통운", .tracking_number = "1234"};
    bc_order_act_result res;
    assert_int_equal(bc_order_create(f->db, f->buyer, one, 1, addr, 0, &why, &id3), BC_OK);
    assert_int_equal(bc_order_act(f->db, id3, &seller, &ship, &res), BC_ECONFLICT); /* not paid yet */
    assert_string_equal(res.status, "PENDING_PAYMENT");
    assert_int_equal(bc_order_mark_paid(f->db, id3, "pk_3", 4000, "카드", 0, "{}"), BC_OK);
    assert_int_equal(bc_db_exec(f->db,
                                "INSERT INTO order_refunds (order_id, scope, amount, idem_key, status, claimed_at)"
                                " VALUES (?, 'order', 4000, 'k3', 'CLAIMED', ?)",
                                "ii", id3, bc_now_ms()),
                     1);
    assert_int_equal(bc_order_act(f->db, id3, &seller, &ship, &res), BC_ECONFLICT);
    assert_string_equal(res.code, "REFUND_IN_PROGRESS");
    assert_int_equal(bc_db_exec(f->db, "DELETE FROM order_refunds WHERE idem_key = 'k3'", ""), 1);
    assert_int_equal(bc_order_act(f->db, id3, &buyer, &ship, &res), BC_ECONFLICT); /* buyers do not ship */
    assert_int_equal(bc_order_act(f->db, id3, &seller, &ship, &res), BC_OK);
    assert_int_equal(bc_order_cancel(f->db, id3, "PAID"), BC_ECONFLICT); /* shipped: too late */
    assert_null(bc_order_rule("ship", "SHIPPING", BC_ACTOR_SELLER));
    assert_string_equal(bc_order_rule("ship", "PREPARING", BC_ACTOR_SELLER), "SHIPPING");
    assert_null(bc_order_rule("ship", "PAID", BC_ACTOR_BUYER));
    assert_string_equal(bc_order_rule("confirm", "DELIVERED", BC_ACTOR_SYSTEM), "PURCHASE_CONFIRMED");
    json_decref(addr);
}

/* ---- stock: the one writer, claims and limits, sold-out flags, audit (helper stock) ---- */

static int64_t ledger_rows(fixture *f)
{
    int64_t n = -1;
    bc_db_int(f->db, &n, "SELECT COUNT(*) FROM stock_ledger WHERE product_id = ?", "i", f->product);
    return n;
}

static void stock_apply_writes_ledger(void **state)
{
    fixture *f = *state;
    char st[16];
    json_t *row = NULL;
    bc_stock_move m = {.product_id = f->product, .delta = -2, .set = -1, .actor_id = f->buyer, .reason = "hold"};
    assert_int_equal(bc_stock_apply(f->db, &m), BC_OK);
    assert_int_equal(m.balance, 1);
    assert_int_equal(bc_db_row(f->db, &row,
                               "SELECT delta, reason, actor_id, order_id, hold_id, balance_after FROM stock_ledger"
                               " WHERE product_id = ? ORDER BY id DESC LIMIT 1",
                               "i", f->product),
                     1);
    assert_int_equal(json_integer_value(json_object_get(row, "delta")), -2);
    assert_string_equal(json_string_value(json_object_get(row, "reason")), "hold");
    assert_int_equal(json_integer_value(json_object_get(row, "actor_id")), f->buyer);
    assert_true(json_is_null(json_object_get(row, "order_id")));
    assert_int_equal(json_integer_value(json_object_get(row, "balance_after")), 1);
    json_decref(row);
    /* a take beyond the stock changes nothing and writes no row */
    int64_t rows = ledger_rows(f);
    m = (bc_stock_move){.product_id = f->product, .delta = -2, .set = -1, .reason = "order"};
    assert_int_equal(bc_stock_apply(f->db, &m), BC_ECONFLICT);
    assert_int_equal(stock_of(f, st, sizeof st), 1);
    assert_int_equal(ledger_rows(f), rows);
    /* take to 0: SOLD_OUT; give back: ON_SALE; a set of the same value writes nothing */
    m = (bc_stock_move){.product_id = f->product, .delta = -1, .set = -1, .reason = "order"};
    assert_int_equal(bc_stock_apply(f->db, &m), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 0);
    assert_string_equal(st, "SOLD_OUT");
    m = (bc_stock_move){.product_id = f->product, .delta = 4, .set = -1, .reason = "cancel"};
    assert_int_equal(bc_stock_apply(f->db, &m), BC_OK);
    assert_int_equal(m.balance, 4);
    assert_int_equal(stock_of(f, st, sizeof st), 4);
    assert_string_equal(st, "ON_SALE");
    rows = ledger_rows(f);
    assert_int_equal(bc_stock_set_by(f->db, f->product, 4, f->seller, "adjust"), BC_OK);
    assert_int_equal(ledger_rows(f), rows);
    assert_int_equal(bc_stock_set_by(f->db, f->product, 9, f->seller, "adjust"), BC_OK);
    assert_int_equal(bc_db_int(f->db, &rows,
                               "SELECT actor_id FROM stock_ledger WHERE product_id = ? ORDER BY id DESC LIMIT 1", "i",
                               f->product),
                     1);
    assert_int_equal(rows, f->seller);
    /* bad input */
    m = (bc_stock_move){.product_id = f->product, .delta = 0, .set = -1, .reason = "x"};
    assert_int_equal(bc_stock_apply(f->db, &m), BC_EINVAL);
    m = (bc_stock_move){.product_id = f->product, .delta = 1, .set = -1, .reason = NULL};
    assert_int_equal(bc_stock_apply(f->db, &m), BC_EINVAL);
    m = (bc_stock_move){.product_id = f->product + 999, .delta = 1, .set = -1, .reason = "x"};
    assert_int_equal(bc_stock_apply(f->db, &m), BC_ENOTFOUND);
    m = (bc_stock_move){.product_id = f->product, .delta = 1000000, .set = -1, .reason = "x"};
    assert_int_equal(bc_stock_apply(f->db, &m), BC_ECONFLICT); /* past the most stock */
    assert_int_equal(stock_of(f, st, sizeof st), 9);
}

typedef struct claim_run {
    const bc_stock_claim *c;
    const char *code;
} claim_run;

static int claim_tx(bc_db *db, void *arg)
{
    claim_run *r = arg;
    return bc_stock_claim_take(db, r->c, &r->code);
}

/* Takes a claim in its own transaction (a refusal rolls every step back, as in checkout). */
static int take(fixture *f, int64_t buyer, int64_t qty, int64_t live, int64_t cap, const char **code)
{
    bc_stock_claim c = {.buyer_id = buyer,
                        .product_id = f->product,
                        .quantity = qty,
                        .live_id = live,
                        .live_cap = cap,
                        .reason = "order"};
    claim_run r = {&c, NULL};
    int rc = bc_db_tx(f->db, claim_tx, &r);
    *code = r.code;
    return rc;
}

static void stock_claims_and_limits(void **state)
{
    fixture *f = *state;
    char st[16];
    const char *code = NULL;
    int64_t live = 0, buyer2 = 0, now = bc_now_ms();
    bc_stock_limits l = {2, 3, 1}, got;
    assert_int_equal(bc_test_user(f->db, "b2@x.io", "B2", "buyer", &buyer2), 0);
    assert_int_equal(bc_db_int(f->db, &live,
                               "INSERT INTO lives (seller_id, title, status, scheduled_at, stream_key, created_at)"
                               " VALUES (?, 'L', 'LIVE', ?, 'k2', ?) RETURNING id",
                               "iii", f->seller, now, now),
                     1);
    assert_int_equal(bc_stock_set(f->db, f->product, 20, "adjust"), BC_OK);
    assert_int_equal(bc_stock_limits_get(f->db, f->product, &got), BC_OK);
    assert_int_equal(got.max_per_order + got.max_per_buyer + got.max_per_buyer_live, 0);
    bc_stock_limits bad = {BC_ORDER_MAX_QTY + 1, 0, 0};
    assert_int_equal(bc_stock_limits_set(f->db, f->product, &bad), BC_EINVAL);
    assert_int_equal(bc_stock_limits_set(f->db, f->product, &l), BC_OK);
    assert_int_equal(bc_stock_limits_get(f->db, f->product, &got), BC_OK);
    assert_int_equal(got.max_per_buyer, 3);

    assert_int_equal(take(f, f->buyer, 3, 0, 0, &code), BC_ECONFLICT);
    assert_string_equal(code, "LIMIT_PER_ORDER");
    assert_int_equal(take(f, f->buyer, 2, 0, 0, &code), BC_OK);
    assert_int_equal(take(f, f->buyer, 2, 0, 0, &code), BC_ECONFLICT);
    assert_string_equal(code, "LIMIT_PER_BUYER");
    assert_int_equal(take(f, f->buyer, 1, live, 0, &code), BC_OK); /* 3 of 3, 1 of 1 in the live */
    assert_int_equal(take(f, buyer2, 1, live, 0, &code), BC_OK);
    assert_int_equal(take(f, buyer2, 1, live, 0, &code), BC_ECONFLICT);
    assert_string_equal(code, "LIMIT_PER_BUYER_LIVE");
    assert_int_equal(stock_of(f, st, sizeof st), 16);
    /* the live's cap: 2 units sold through it already */
    l = (bc_stock_limits){0, 0, 0};
    assert_int_equal(bc_stock_limits_set(f->db, f->product, &l), BC_OK);
    assert_int_equal(take(f, buyer2, 1, live, 2, &code), BC_ECONFLICT);
    assert_string_equal(code, "LIVE_STOCK_CAP");
    assert_int_equal(take(f, buyer2, 1, live, 3, &code), BC_OK);
    /* giving back lowers the counters: the cap has room again */
    bc_stock_claim c = {
        .buyer_id = buyer2, .product_id = f->product, .quantity = 1, .live_id = live, .reason = "cancel"};
    assert_int_equal(bc_stock_claim_give(f->db, &c, 0), BC_OK);
    assert_int_equal(take(f, buyer2, 1, live, 3, &code), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 15);
    /* out of stock keeps every counter as it was */
    int64_t units = -1;
    assert_int_equal(take(f, buyer2, 16, 0, 0, &code), BC_ECONFLICT);
    assert_string_equal(code, "OUT_OF_STOCK");
    assert_int_equal(
        bc_db_int(f->db, &units,
                  "SELECT units FROM buyer_product_units WHERE buyer_id = ? AND product_id = ? AND live_id = 0", "ii",
                  buyer2, f->product),
        1);
    assert_int_equal(units, 2);
}

static void stock_sold_out_flags(void **state)
{
    (void)state;
    int64_t p = 777001, q = p + 4096; /* same slot */
    assert_false(bc_stock_known_sold_out(p, NULL, 0));
    uint64_t e = bc_stock_epoch(p);
    bc_stock_note_sold_out(p, e, "Widget");
    assert_true(bc_stock_known_sold_out(p, NULL, 0));
    char name[BC_STOCK_NAME_MAX] = "";
    assert_true(bc_stock_known_sold_out(p, name, sizeof name));
    assert_string_equal(name, "Widget");
    assert_false(bc_stock_known_sold_out(q, NULL, 0));
    bc_stock_note_restock(p);
    assert_false(bc_stock_known_sold_out(p, NULL, 0));
    /* a flag from a transaction that started before a restock is not believed */
    e = bc_stock_epoch(p);
    bc_stock_note_restock(p);
    bc_stock_note_sold_out(p, e, "Widget");
    assert_false(bc_stock_known_sold_out(p, NULL, 0));
    /* a restock of another product of the slot also clears it (safe side) */
    bc_stock_note_sold_out(p, bc_stock_epoch(p), NULL);
    bc_stock_note_restock(q);
    assert_false(bc_stock_known_sold_out(p, NULL, 0));
}

/* product options as SKUs: the grid's rules (pure) */
static void sku_grid_rules(void **state)
{
    (void)state;
    char msg[200], label[BC_SKU_LABEL_MAX];
    const char *ok[] = {"[]", "[{\"name\":\"사이즈\",\"values\":[\"S\",\"M\"]}]",
                        "[{\"name\":\"a\",\"values\":[\"1\"]},{\"name\":\"b\",\"values\":[\"1\",\"2\"]}]"};
    const char *bad[] = {
        "{}",
        "[{\"name\":\"a\",\"values\":[\"1\"]},{\"name\":\"b\",\"values\":[\"1\"]},{\"name\":\"c\",\"values\":[\"1\"]}]",
        "[{\"name\":\"a\",\"values\":[\"1\"]},{\"name\":\"a\",\"values\":[\"2\"]}]", /* names repeat */
        "[{\"name\":\"a\",\"values\":[]}]",
        "[{\"name\":\"a\",\"values\":[\"1\",\"1\"]}]",               /* values repeat */
        "[{\"name\":\"  \",\"values\":[\"1\"]}]",                    /* blank name */
        "[{\"name\":\"a\",\"values\":[\"S / M\"]}]",                 /* the separator */
        "[{\"name\":\"a\",\"values\":[\"123456789012345678901\"]}]", /* 21 characters */
        "[{\"name\":\"a\",\"values\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]}]",
        "[{\"name\":\"a\",\"values\":[\"x\\u0007\"]}]", /* a control character */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_t *g = json_loads(ok[i], 0, NULL);
        assert_int_equal(bc_sku_check_groups(g, msg, sizeof msg), BC_OK);
        json_decref(g);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *g = json_loads(bad[i], 0, NULL);
        assert_non_null(g);
        assert_int_equal(bc_sku_check_groups(g, msg, sizeof msg), BC_EINVAL);
        json_decref(g);
    }
    bc_sku_label("M", "블랙", label, sizeof label);
    assert_string_equal(label, "M / 블랙");
    bc_sku_label("M", "", label, sizeof label);
    assert_string_equal(label, "M");
}

/* product options as SKUs: one SKU's flag never refuses the product's other SKUs */
static void sku_sold_out_flags(void **state)
{
    (void)state;
    int64_t p = 778001;
    bc_stock_note_sold_out_sku(p, 5, bc_stock_epoch(p), "Shirt");
    assert_true(bc_stock_known_sold_out_sku(p, 5, NULL, 0));
    assert_false(bc_stock_known_sold_out_sku(p, 6, NULL, 0));
    assert_false(bc_stock_known_sold_out(p, NULL, 0));
    bc_stock_note_sold_out(p, bc_stock_epoch(p), "Shirt"); /* the whole product: every SKU */
    assert_true(bc_stock_known_sold_out_sku(p, 6, NULL, 0));
    bc_stock_note_restock(p);
    assert_false(bc_stock_known_sold_out_sku(p, 5, NULL, 0));
}

/* product options as SKUs: the grid, per-SKU stock through the one writer, the product's total */
static void sku_stock_rules(void **state)
{
    fixture *f = *state;
    char st[16];
    json_t *g = json_loads("[{\"name\":\"size\",\"values\":[\"S\",\"M\"]}]", 0, NULL);
    assert_int_equal(bc_sku_set_options(f->db, f->product, f->seller, g), BC_OK);
    json_decref(g);
    assert_int_equal(stock_of(f, st, sizeof st), 0); /* the product's own 3 units went to 0 */
    assert_string_equal(st, "SOLD_OUT");
    int64_t s = 0, m = 0;
    assert_int_equal(
        bc_db_int(f->db, &s, "SELECT id FROM product_skus WHERE product_id = ? AND opt1 = 'S'", "i", f->product), 1);
    assert_int_equal(
        bc_db_int(f->db, &m, "SELECT id FROM product_skus WHERE product_id = ? AND opt1 = 'M'", "i", f->product), 1);
    assert_int_equal(bc_stock_sku_set_by(f->db, f->product, s, 2, f->seller, "adjust"), BC_OK);
    assert_int_equal(bc_stock_sku_set_by(f->db, f->product, m, 1, f->seller, "adjust"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    assert_string_equal(st, "ON_SALE");
    /* the product's own stock cannot move any more; a give back without SKU is dropped */
    assert_int_equal(bc_stock_reserve(f->db, f->product, 1, 0, "order"), BC_ECONFLICT);
    assert_int_equal(bc_stock_set(f->db, f->product, 9, "adjust"), BC_ECONFLICT);
    assert_int_equal(bc_stock_release(f->db, f->product, 1, 0, "cancel"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    /* a take of a SKU: exact, then refused at 0 */
    bc_stock_move mv = {.product_id = f->product, .sku_id = m, .delta = -1, .set = -1, .reason = "order"};
    assert_int_equal(bc_stock_apply(f->db, &mv), BC_OK);
    assert_int_equal(mv.balance, 0);
    assert_int_equal(bc_stock_apply(f->db, &mv), BC_ECONFLICT);
    assert_int_equal(stock_of(f, st, sizeof st), 2);
    /* a SKU of another product is not found */
    mv = (bc_stock_move){.product_id = f->product, .sku_id = 999999, .delta = 1, .set = -1, .reason = "x"};
    assert_int_equal(bc_stock_apply(f->db, &mv), BC_ENOTFOUND);
    /* resolve: required, invalid, fine */
    bc_sku k;
    const char *code = NULL;
    assert_int_equal(bc_sku_resolve(f->db, f->product, 0, &k, &code), BC_EINVAL);
    assert_string_equal(code, "SKU_REQUIRED");
    assert_int_equal(bc_sku_resolve(f->db, f->product, 999999, &k, &code), BC_EINVAL);
    assert_string_equal(code, "SKU_INVALID");
    assert_int_equal(bc_sku_resolve(f->db, f->product, s, &k, &code), BC_OK);
    assert_string_equal(k.label, "S");
    assert_int_equal(k.stock, 2);
    /* the audit balances (the product's own rows sum to 0, each SKU its own) */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int bad = bc_stock_audit(f->db, out);
    fclose(out);
    if (bad != 0)
        fprintf(stderr, "%s", buf);
    assert_int_equal(bad, 0);
    free(buf);
}

static void stock_audit_report(void **state)
{
    fixture *f = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    /* the fixture's product was inserted with stock 3 and no ledger row */
    assert_int_equal(bc_stock_audit(f->db, out), 1);
    fflush(out);
    assert_non_null(strstr(buf, "stock 3, ledger sum 0"));
    assert_int_equal(bc_db_exec(f->db,
                                "INSERT INTO stock_ledger (product_id, delta, reason, balance_after, created_at)"
                                " VALUES (?, 3, 'initial', 3, 0)",
                                "i", f->product),
                     1);
    assert_int_equal(bc_stock_reserve(f->db, f->product, 2, 0, "order"), BC_OK);
    assert_int_equal(bc_stock_audit(f->db, out), 0);
    fclose(out);
    free(buf);
}

static void hold_born_order_payment_failure(void **state)
{
    fixture *f = *state;
    char st[16];
    json_t *hold = NULL, *addr = address();
    bc_hold_problem hw;
    bc_order_problem why;
    int64_t oid = 0, units = -1, hid;
    bc_cfg.hold_ttl_s = 300;
    bc_cfg.order_ttl_s = 600;
    bc_cfg.max_unpaid_orders = 3;
    bc_stock_limits l = {0, 2, 0};
    assert_int_equal(bc_stock_limits_set(f->db, f->product, &l), BC_OK);
    assert_int_equal(bc_hold_create(f->db, f->buyer, f->product, 2, 0, &hw, &hold), BC_OK);
    hid = json_integer_value(json_object_get(hold, "id"));
    assert_int_equal(stock_of(f, st, sizeof st), 1);
    /* the hold counts against the buyer's limit */
    json_decref(hold);
    hold = NULL;
    assert_int_equal(bc_hold_create(f->db, f->buyer, f->product, 1, 0, &hw, &hold), BC_ECONFLICT);
    assert_string_equal(hw.code, "LIMIT_PER_BUYER");
    bc_order_item line[] = {{f->product, 2}};
    assert_int_equal(bc_order_create_held(f->db, f->buyer, line, 1, addr, 0, hid, &why, &oid), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 1); /* no second take */
    /* the gateway declines: the order's lines come back exactly once, the counters too */
    assert_int_equal(bc_order_fail_payment(f->db, oid, "REJECT_CARD_PAYMENT"), BC_OK);
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    assert_int_equal(
        bc_db_int(f->db, &units,
                  "SELECT units FROM buyer_product_units WHERE buyer_id = ? AND product_id = ? AND live_id = 0", "ii",
                  f->buyer, f->product),
        1);
    assert_int_equal(units, 0);
    /* the hold stays ORDERED: neither DELETE nor the sweeper gives its units back again */
    assert_int_equal(bc_hold_release(f->db, f->buyer, hid), BC_ECONFLICT);
    assert_int_equal(bc_hold_expire_due(f->db, bc_now_ms() + 3600 * 1000), 0);
    assert_int_equal(stock_of(f, st, sizeof st), 3);
    assert_int_equal(bc_order_create_held(f->db, f->buyer, line, 1, addr, 0, hid, &why, &oid), BC_ECONFLICT);
    assert_string_equal(why.code, "HOLD_EXPIRED");
    json_decref(addr);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    bc_log_set_level(BC_LOG_ERROR);
    /* orders seal their shipping address: a fixed test key (no key file) */
    snprintf(bc_cfg.data_key, sizeof bc_cfg.data_key, "%s",
             "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    if (bc_seal_init("/nonexistent") != BC_OK)
        return 1;
    const struct CMUnitTest t[] = {
        cmocka_unit_test(shipping_fee_rule),
        cmocka_unit_test(order_id_format),
        cmocka_unit_test(order_name_rule),
        cmocka_unit_test(state_rules),
        cmocka_unit_test(address_rules),
        cmocka_unit_test(unsafe_text_rule),
        cmocka_unit_test_setup_teardown(stock_reserve_release, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(stock_set_rules, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(order_create_expire_cancel, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(order_live_and_zero_amount_rules, setup_db, teardown_db),
        /* stock */
        cmocka_unit_test_setup_teardown(stock_apply_writes_ledger, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(stock_claims_and_limits, setup_db, teardown_db),
        cmocka_unit_test(stock_sold_out_flags),
        cmocka_unit_test_setup_teardown(stock_audit_report, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(hold_born_order_payment_failure, setup_db, teardown_db),
        /* product options as SKUs */
        cmocka_unit_test(sku_grid_rules),
        cmocka_unit_test(sku_sold_out_flags),
        cmocka_unit_test_setup_teardown(sku_stock_rules, setup_db, teardown_db),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
