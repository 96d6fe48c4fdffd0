/* notices: bc_notice_add inside the caller's transaction (a rollback leaves nothing), its
 * argument checks, list / mark read / mark all read, and the mail message (RFC 5322 header,
 * RFC 2047 subject, RFC 2045 base64 body). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "../../src/notices/notices.h"
#include "db_fixture.h"

typedef struct fx {
    char path[64];
    bc_db *db;
    int64_t user, other;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/bc-test-notices-XXXXXX");
    if (!f || bc_test_db_open(f->path, &f->db) != 0 || bc_test_user(f->db, "n1@example.com", "N1", "buyer", &f->user) ||
        bc_test_user(f->db, "n2@example.com", "N2", "seller", &f->other))
        return -1;
    bc_cfg.smtp_url[0] = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    bc_test_db_remove(f->db, f->path);
    free(f);
    return 0;
}

static int64_t count(bc_db *db, const char *sql)
{
    int64_t n = -1;
    assert_int_equal(bc_db_int(db, &n, sql, ""), 1);
    return n;
}

typedef struct add_args {
    int64_t user;
    int fail; /* the unit fails after adding: its notice must go with it */
} add_args;

static int add_unit(bc_db *db, void *arg)
{
    add_args *a = arg;
    int rc = bc_notice_add(db, a->user, "order.PAID", 7, "BC20261202-abcdefghij", "결제가 완료되었습니다");
    return rc != BC_OK ? rc : a->fail ? BC_ECONFLICT : BC_OK;
}

static void add_follows_the_transaction(void **state)
{
    fx *f = *state;
    add_args a = {f->user, 1};
    assert_int_equal(bc_db_tx(f->db, add_unit, &a), BC_ECONFLICT);
    assert_int_equal(count(f->db, "SELECT count(*) FROM notices"), 0);
    assert_int_equal(count(f->db, "SELECT count(*) FROM notice_mails"), 0);
    a.fail = 0;
    assert_int_equal(bc_db_tx(f->db, add_unit, &a), BC_OK);
    assert_int_equal(count(f->db, "SELECT count(*) FROM notices"), 1);
    json_t *m = NULL;
    assert_int_equal(bc_db_row(f->db, &m, "SELECT to_addr, subject, body, status, attempts FROM notice_mails", ""), 1);
    assert_string_equal(json_string_value(json_object_get(m, "to_addr")), "n1@example.com");
    assert_string_equal(json_string_value(json_object_get(m, "status")), "KEPT"); /* no SMTP server set */
    assert_non_null(strstr(json_string_value(json_object_get(m, "subject")), "BC20261202-abcdefghij"));
    assert_non_null(strstr(json_string_value(json_object_get(m, "body")), "Order number: BC20261202-abcdefghij"));
    json_decref(m);
}

static void add_refuses_bad_arguments(void **state)
{
    fx *f = *state;
    char longtext[BC_NOTICE_TEXT_MAX + 2];
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = 0;
    assert_int_equal(bc_notice_add(f->db, 0, "order.PAID", 0, NULL, "t"), BC_EINVAL);
    assert_int_equal(bc_notice_add(f->db, f->user, "", 0, NULL, "t"), BC_EINVAL);
    assert_int_equal(bc_notice_add(f->db, f->user, NULL, 0, NULL, "t"), BC_EINVAL);
    assert_int_equal(bc_notice_add(f->db, f->user, "order.PAID", 0, NULL, ""), BC_EINVAL);
    assert_int_equal(bc_notice_add(f->db, f->user, "order.PAID", 0, NULL, longtext), BC_EINVAL);
    assert_int_equal(bc_notice_add(f->db, f->user, "order.PAID", -1, NULL, "t"), BC_EINVAL);
    assert_int_equal(bc_notice_add(f->db, 999999, "order.PAID", 0, NULL, "t"), BC_ENOTFOUND);
    assert_int_equal(count(f->db, "SELECT count(*) FROM notices"), 0);
}

static void list_and_mark(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(bc_notice_add(f->db, f->user, "shipment.SHIPPING", 0, NULL, "발송되었습니다"), BC_OK);
    assert_int_equal(bc_notice_add(f->db, f->other, "order.PAID", 0, NULL, "new order"), BC_OK);
    json_t *page = NULL;
    assert_int_equal(bc_notice_list(f->db, f->user, 1, 2, 0, &page), BC_OK);
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 3);
    assert_int_equal(json_integer_value(json_object_get(page, "unread_count")), 3);
    json_t *items = json_object_get(page, "items");
    assert_int_equal(json_array_size(items), 2);
    int64_t newest = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
    assert_true(newest > json_integer_value(json_object_get(json_array_get(items, 1), "id")));
    assert_true(json_is_null(json_object_get(json_array_get(items, 0), "order_row_id")));
    assert_true(json_is_false(json_object_get(json_array_get(items, 0), "read")));
    json_decref(page);

    json_t *one = NULL;
    assert_int_equal(bc_notice_mark_read(f->db, f->other, newest, &one), BC_ENOTFOUND); /* not theirs */
    assert_null(one);
    assert_int_equal(bc_notice_mark_read(f->db, f->user, newest, &one), BC_OK);
    assert_true(json_is_true(json_object_get(one, "read")));
    assert_int_equal(json_integer_value(json_object_get(one, "unread_count")), 2);
    json_decref(one);
    int64_t n = -1;
    assert_int_equal(bc_notice_mark_all_read(f->db, f->user, &n), BC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(bc_notice_list(f->db, f->user, 1, 20, 1, &page), BC_OK);
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 0);
    json_decref(page);
    assert_int_equal(bc_notice_list(f->db, f->other, 1, 20, 1, &page), BC_OK);
    assert_int_equal(json_integer_value(json_object_get(page, "unread_count")), 1); /* the other user's untouched */
    json_decref(page);
}

/* The decoded value of the header name in msg (the first encoded-word only), into out. */
static void header(const char *msg, const char *name, char *out, size_t cap)
{
    const char *p = strstr(msg, name);
    assert_non_null(p);
    p += strlen(name);
    const char *e = strstr(p, "\r\n");
    assert_non_null(e);
    snprintf(out, cap, "%.*s", (int)(e - p), p);
}

static void mail_message(void **state)
{
    (void)state;
    /* 2026-12-02T01:20:42Z */
    char *m = bc_notice_mail_message("shop@example.com", "buyer@example.com",
                                     "[Broadcart] 결제가 완료되었습니다\r\nBcc: evil@example.com - BC1",
                                     "본문 body\n주문번호 / Order number: BC1\n", 42, 1796174442000LL);
    assert_non_null(m);
    assert_null(strstr(m, "\r\nBcc:")); /* a line break in the subject cannot add a header */
    char v[512];
    header(m, "Date: ", v, sizeof v);
    assert_string_equal(v, "Wed, 02 Dec 2026 01:20:42 +0000");
    header(m, "From: ", v, sizeof v);
    assert_string_equal(v, "<shop@example.com>");
    header(m, "Subject: =?UTF-8?B?", v, sizeof v);
    assert_true(strlen(v) + strlen("=?UTF-8?B?") <= 75); /* RFC 2047 §2 */
    assert_non_null(strstr(m, "Message-ID: <notice-42."));
    assert_non_null(strstr(m, "@example.com>\r\n"));
    const char *body = strstr(m, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    char b64[1024] = "", dec[1024];
    for (const char *line = body; *line;) {
        const char *e = strstr(line, "\r\n");
        assert_non_null(e);
        assert_true(e - line <= 76); /* RFC 2045 §6.8 */
        strncat(b64, line, (size_t)(e - line));
        line = e + 2;
    }
    size_t n = 0;
    assert_int_equal(sodium_base642bin((unsigned char *)dec, sizeof dec - 1, b64, strlen(b64), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    dec[n] = 0;
    assert_string_equal(dec, "본문 body\n주문번호 / Order number: BC1\n");
    free(m);
    /* an ASCII subject stays as it is */
    m = bc_notice_mail_message("a@b.c", "d@e.f", "[Broadcart] paid - BC2", "x", 1, 0);
    assert_non_null(strstr(m, "\r\nSubject: [Broadcart] paid - BC2\r\n"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(add_follows_the_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(add_refuses_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(list_and_mark, setup, teardown),
        cmocka_unit_test(mail_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
