/* Unit tests for src/accounts: Argon2id hashing, password/e-mail policy, JWT issue/verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "../../src/accounts/accounts.h"

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0 || bc_config_load(&bc_cfg) != BC_OK)
        return -1;
    bc_cfg.pwhash_ops = 1;
    bc_cfg.pwhash_mem_kib = 64;
    snprintf(bc_cfg.jwt_secret, sizeof bc_cfg.jwt_secret, "%s", "unit-test-secret-unit-test-secret-0123456789");
    return bc_accounts_init("/nonexistent") == BC_OK ? 0 : -1;
}

static void password_hashing(void **state)
{
    (void)state;
    char h1[128], h2[128];
    assert_int_equal(bc_password_hash("correct horse 1", h1), BC_OK);
    assert_int_equal(bc_password_hash("correct horse 1", h2), BC_OK);
    assert_true(strncmp(h1, "$argon2id$", 10) == 0);
    assert_null(strstr(h1, "correct"));
    assert_string_not_equal(h1, h2); /* salted */
    assert_int_equal(bc_password_verify(h1, "correct horse 1"), BC_OK);
    assert_int_equal(bc_password_verify(h1, "correct horse 2"), BC_EINVAL);
    assert_int_equal(bc_password_verify("garbage", "x"), BC_EINVAL);
}

static void policies(void **state)
{
    (void)state;
    assert_int_equal(bc_password_check_strength("abcdefg1"), BC_OK);
    assert_int_equal(bc_password_check_strength("abcdef1"), BC_EINVAL);
    assert_int_equal(bc_password_check_strength("abcdefgh"), BC_EINVAL);
    assert_int_equal(bc_password_check_strength("12345678"), BC_EINVAL);
    assert_int_equal(bc_password_check_strength("비밀번호입니다1"), BC_OK);
    assert_int_equal(bc_email_check("kim@example.com"), BC_OK);
    assert_int_equal(bc_email_check("kim@example"), BC_EINVAL);
    assert_int_equal(bc_email_check("@example.com"), BC_EINVAL);
    assert_int_equal(bc_email_check("a b@example.com"), BC_EINVAL);
    assert_int_equal(bc_email_check("a@b@example.com"), BC_EINVAL);
    assert_int_equal(bc_email_check("kim@example."), BC_EINVAL);
    assert_int_equal(bc_role_from_name("seller"), BC_ROLE_SELLER);
    assert_int_equal(bc_role_from_name("root"), 0);
    assert_string_equal(bc_role_name(BC_ROLE_ADMIN), "admin");
}

static void tokens(void **state)
{
    (void)state;
    char *t = bc_token_issue(42, "seller", "Store");
    assert_non_null(t);
    bc_auth a;
    assert_int_equal(bc_token_verify(t, &a), BC_OK);
    assert_int_equal(a.user_id, 42);
    assert_int_equal(a.role, BC_ROLE_SELLER);
    assert_string_equal(a.name, "Store");
    /* flip one character of the signature */
    size_t n = strlen(t);
    t[n - 2] = t[n - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(bc_token_verify(t, &a), BC_EINVAL);
    free(t);
    assert_int_equal(bc_token_verify("a.b.c", &a), BC_EINVAL);
    assert_int_equal(bc_token_verify("", &a), BC_EINVAL);
    /* expired: issue with a negative lifetime */
    int ttl = bc_cfg.access_token_ttl_s;
    bc_cfg.access_token_ttl_s = -10;
    t = bc_token_issue(1, "buyer", "B");
    bc_cfg.access_token_ttl_s = ttl;
    assert_int_equal(bc_token_verify(t, &a), BC_EINVAL);
    free(t);
    /* a token signed with another secret */
    snprintf(bc_cfg.jwt_secret, sizeof bc_cfg.jwt_secret, "%s", "another-secret-another-secret-another-0000");
    assert_int_equal(bc_accounts_init("/nonexistent"), BC_OK);
    t = bc_token_issue(1, "admin", "X");
    snprintf(bc_cfg.jwt_secret, sizeof bc_cfg.jwt_secret, "%s", "unit-test-secret-unit-test-secret-0123456789");
    assert_int_equal(bc_accounts_init("/nonexistent"), BC_OK);
    assert_int_equal(bc_token_verify(t, &a), BC_EINVAL);
    free(t);
}

static void login_throttle(void **state)
{
    (void)state;
    int64_t t0 = 1000000, retry = 0;
    for (int i = 0; i < BC_LOGIN_MAX_FAILURES; i++) {
        assert_int_equal(bc_login_allowed("Kim@Example.com", t0 + i, &retry), BC_OK);
        bc_login_record("kim@example.com", 0, t0 + i);
    }
    assert_int_equal(bc_login_allowed("KIM@example.com", t0 + 10, &retry), BC_EBUSY);
    assert_true(retry > 0 && retry <= BC_LOGIN_WINDOW_MS / 1000);
    assert_int_equal(bc_login_allowed("lee@example.com", t0 + 10, &retry), BC_OK); /* others unaffected */
    /* the window passes */
    assert_int_equal(bc_login_allowed("kim@example.com", t0 + BC_LOGIN_WINDOW_MS, &retry), BC_OK);
    /* a success forgets earlier failures */
    for (int i = 0; i < BC_LOGIN_MAX_FAILURES - 1; i++)
        bc_login_record("park@example.com", 0, t0);
    bc_login_record("park@example.com", 1, t0);
    bc_login_record("park@example.com", 0, t0);
    assert_int_equal(bc_login_allowed("park@example.com", t0, &retry), BC_OK);
    /* the dummy hash is a real Argon2id hash that no password matches */
    const char *d = bc_password_dummy_hash();
    assert_true(strncmp(d, "$argon2id$", 10) == 0);
    assert_int_equal(bc_password_verify(d, ""), BC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_hashing),
        cmocka_unit_test(policies),
        cmocka_unit_test(tokens),
        cmocka_unit_test(login_throttle),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
