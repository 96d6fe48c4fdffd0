/* Unit tests for src/accounts: Argon2id hashing, password/e-mail policy, JWT issue/verify, the
 * attempt limits (accounts.c is included, with a small table so that neighbourhoods fill up), the
 * account status cache and refresh-token families. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <unistd.h>

/* a tiny table: 64 slots, neighbourhoods of 8 */
#define BC_LIMIT_SLOTS 64
#define BC_LIMIT_PROBE 8
#include "../../src/accounts/accounts.c"
#include "../../src/http/http_int.h"

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

static void limits_reset(void)
{
    pthread_mutex_lock(&limits_lock);
    memset(limits, 0, sizeof limits);
    pthread_mutex_unlock(&limits_lock);
    bc_cfg.login_rate_addr = 1000;
}

/* Fails one login (begin + finish(0)); returns begin's code. */
static int fail_login(const char *email, const char *ip, int64_t now, int *why)
{
    bc_login_ticket t;
    int64_t retry = 0;
    *why = 0;
    int rc = bc_login_begin(email, ip, now, &t, &retry, why);
    if (rc == BC_OK)
        bc_login_finish(&t, 0);
    else
        assert_true(retry >= 1);
    return rc;
}

static void login_throttle(void **state)
{
    (void)state;
    limits_reset();
    int64_t t0 = 1000000;
    int why;
    for (int i = 0; i < BC_LOGIN_MAX_FAILURES; i++)
        assert_int_equal(fail_login("Kim@Example.com", "198.51.100.1", t0 + i, &why), BC_OK);
    assert_int_equal(fail_login("KIM@example.com", "198.51.100.1", t0 + 10, &why), BC_EBUSY);
    assert_int_equal(why, BC_LOGIN_ACCOUNT_LOCKED);
    /* another address that never logged in to this account is refused too */
    assert_int_equal(fail_login("kim@example.com", "198.51.100.2", t0 + 10, &why), BC_EBUSY);
    assert_int_equal(fail_login("lee@example.com", "198.51.100.1", t0 + 10, &why), BC_OK); /* others unaffected */
    /* the window passes */
    assert_int_equal(fail_login("kim@example.com", "198.51.100.1", t0 + BC_LOGIN_WINDOW_MS, &why), BC_OK);
    /* the dummy hash is a real Argon2id hash that no password matches */
    const char *d = bc_password_dummy_hash();
    assert_true(strncmp(d, "$argon2id$", 10) == 0);
    assert_int_equal(bc_password_verify(d, ""), BC_EINVAL);
}

/* The slot hash is a MAC under the per-process key, not a plain hash of the e-mail. */
static void limit_hash_is_keyed(void **state)
{
    (void)state;
    unsigned char a[16], b[16], plain[16];
    limit_key(KIND_ACCOUNT, "victim@example.com", NULL, a);
    unsigned char saved[sizeof limits_key];
    memcpy(saved, limits_key, sizeof saved);
    randombytes_buf(limits_key, sizeof limits_key); /* another process */
    limit_key(KIND_ACCOUNT, "victim@example.com", NULL, b);
    memcpy(limits_key, saved, sizeof saved);
    assert_memory_not_equal(a, b, 16);
    unsigned char in[64] = {KIND_ACCOUNT};
    memcpy(in + 1, "victim@example.com", 18);
    crypto_generichash(plain, 16, in, 19, NULL, 0);
    assert_memory_not_equal(a, plain, 16);
    limit_key(KIND_ACCOUNT, "victim@example.com", NULL, b);
    assert_memory_equal(a, b, 16); /* stable within the process */
}

/* Colliding e-mails (forced here, where the key is known) cannot evict a locked account. */
static void locked_entry_never_evicted(void **state)
{
    (void)state;
    limits_reset();
    int64_t t0 = 5000000;
    int why;
    unsigned char vk[16];
    limit_key(KIND_ACCOUNT, "victim@example.com", NULL, vk);
    size_t home = limit_home(vk);
    for (int i = 0; i < BC_LOGIN_MAX_FAILURES; i++)
        assert_int_equal(fail_login("victim@example.com", "198.51.100.7", t0, &why), BC_OK);
    /* e-mails whose account entry has the victim's home slot */
    char coll[4 * BC_LIMIT_PROBE][64];
    int n = 0;
    for (int i = 0; n < 4 * BC_LIMIT_PROBE && i < 100000; i++) {
        unsigned char k[16];
        snprintf(coll[n], sizeof coll[n], "c%d@example.com", i);
        limit_key(KIND_ACCOUNT, coll[n], NULL, k);
        if (limit_home(k) == home)
            n++;
    }
    assert_int_equal(n, 4 * BC_LIMIT_PROBE);
    int full = 0;
    for (int i = 0; i < n; i++) {
        int rc = fail_login(coll[i], "203.0.113.9", t0 + 1000, &why);
        if (rc != BC_OK) {
            assert_int_equal(why, BC_LOGIN_TABLE_FULL); /* refused, not given a slot */
            full++;
        }
    }
    assert_true(full > 0);
    /* the victim is still locked for an address that never logged in */
    assert_int_equal(fail_login("victim@example.com", "198.51.100.7", t0 + 2000, &why), BC_EBUSY);
    assert_int_equal(why, BC_LOGIN_ACCOUNT_LOCKED);
    assert_int_not_equal(fail_login("victim@example.com", "203.0.113.10", t0 + 2000, &why), BC_OK);
    pthread_mutex_lock(&limits_lock);
    limit_slot *s = limit_find(KIND_ACCOUNT, vk, t0 + 2000, 0);
    assert_non_null(s);
    assert_int_equal(s->count, BC_LOGIN_MAX_FAILURES);
    pthread_mutex_unlock(&limits_lock);
}

struct race {
    pthread_barrier_t *go;
    int ok;
};

static void *race_login(void *arg)
{
    struct race *r = arg;
    bc_login_ticket t;
    int64_t retry;
    int why;
    pthread_barrier_wait(r->go);
    r->ok = bc_login_begin("race@example.com", "198.51.100.20", 9000000, &t, &retry, &why) == BC_OK;
    if (r->ok) {
        usleep(2000); /* "verifying" */
        bc_login_finish(&t, 0);
    }
    return NULL;
}

/* 40 concurrent wrong logins: the check and the count are one step, so exactly 5 get through. */
static void concurrent_logins_counted_first(void **state)
{
    (void)state;
    limits_reset();
    pthread_t th[40];
    struct race r[40];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 40);
    for (int i = 0; i < 40; i++) {
        r[i] = (struct race){&go, 0};
        pthread_create(&th[i], NULL, race_login, &r[i]);
    }
    int ok = 0;
    for (int i = 0; i < 40; i++) {
        pthread_join(th[i], NULL);
        ok += r[i].ok;
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(ok, BC_LOGIN_MAX_FAILURES);
}

/* A locked account still lets its owner in from an address that logged in to it before. */
static void owner_known_address(void **state)
{
    (void)state;
    limits_reset();
    int64_t t0 = 20000000, retry;
    int why;
    bc_login_ticket t;
    assert_int_equal(bc_login_begin("owner@example.com", "192.0.2.1", t0, &t, &retry, &why), BC_OK);
    bc_login_finish(&t, 1);
    for (int i = 0; i < 20; i++)
        fail_login("owner@example.com", "203.0.113.66", t0 + 10 + i, &why);
    assert_int_equal(why, BC_LOGIN_ACCOUNT_LOCKED);
    assert_int_equal(fail_login("owner@example.com", "203.0.113.67", t0 + 100, &why), BC_EBUSY); /* a new address */
    assert_int_equal(bc_login_begin("owner@example.com", "192.0.2.1", t0 + 100, &t, &retry, &why), BC_OK);
    bc_login_finish(&t, 1);
    /* the known address has its own budget of failures */
    for (int i = 0; i < BC_LOGIN_MAX_FAILURES; i++)
        assert_int_equal(fail_login("owner@example.com", "192.0.2.1", t0 + 200, &why), BC_OK);
    assert_int_equal(fail_login("owner@example.com", "192.0.2.1", t0 + 200, &why), BC_EBUSY);
    /* the marker ends: after BC_LOGIN_KNOWN_MS a locked account refuses that address too */
    int64_t later = t0 + 100 + BC_LOGIN_KNOWN_MS;
    for (int i = 0; i < BC_LOGIN_MAX_FAILURES; i++)
        assert_int_equal(fail_login("owner@example.com", "203.0.113.70", later, &why), BC_OK);
    assert_int_equal(fail_login("owner@example.com", "192.0.2.1", later + 1, &why), BC_EBUSY);
    assert_int_equal(why, BC_LOGIN_ACCOUNT_LOCKED);
}

/* Per-address limits: failed logins over many e-mails, and the generic classes. */
static void per_address_limits(void **state)
{
    (void)state;
    limits_reset();
    bc_cfg.login_rate_addr = 3;
    int64_t t0 = 30000000, retry = 0;
    int why;
    bc_login_ticket t;
    /* a success gives its count back */
    assert_int_equal(bc_login_begin("ok@example.com", "198.51.100.50", t0, &t, &retry, &why), BC_OK);
    bc_login_finish(&t, 1);
    for (int i = 0; i < 3; i++) {
        char e[64];
        snprintf(e, sizeof e, "u%d@example.com", i);
        assert_int_equal(fail_login(e, "198.51.100.50", t0, &why), BC_OK);
    }
    assert_int_equal(fail_login("u9@example.com", "198.51.100.50", t0, &why), BC_EBUSY);
    assert_int_equal(why, BC_LOGIN_ADDRESS_LIMIT);
    /* refused attempts occupy no slots (an address at its limit cannot fill the table) */
    int used = 0, used_after = 0;
    for (size_t i = 0; i < BC_LIMIT_SLOTS; i++)
        used += limits[i].kind != KIND_FREE;
    for (int i = 0; i < 100; i++) {
        char e[64];
        snprintf(e, sizeof e, "fill%d@example.com", i);
        assert_int_equal(fail_login(e, "198.51.100.50", t0 + 1, &why), BC_EBUSY);
    }
    for (size_t i = 0; i < BC_LIMIT_SLOTS; i++)
        used_after += limits[i].kind != KIND_FREE;
    assert_int_equal(used_after, used);
    assert_int_equal(fail_login("u9@example.com", "198.51.100.51", t0, &why), BC_OK);
    bc_cfg.login_rate_addr = 1000;

    bc_cfg.signup_rate_addr = 2;
    bc_cfg.signup_window_s = 60;
    assert_int_equal(bc_limit_take(BC_LIMIT_SIGNUP, "198.51.100.60", t0, &retry), BC_OK);
    assert_int_equal(bc_limit_take(BC_LIMIT_SIGNUP, "198.51.100.60", t0 + 1, &retry), BC_OK);
    assert_int_equal(bc_limit_take(BC_LIMIT_SIGNUP, "198.51.100.60", t0 + 2, &retry), BC_EBUSY);
    assert_true(retry >= 59 && retry <= 60);
    /* classes are separate */
    assert_int_equal(bc_limit_take(BC_LIMIT_PASSWORD_RESET, "198.51.100.60", t0 + 2, &retry), BC_OK);
    bc_limit_give_back(BC_LIMIT_SIGNUP, "198.51.100.60", t0 + 1);
    assert_int_equal(bc_limit_take(BC_LIMIT_SIGNUP, "198.51.100.60", t0 + 3, &retry), BC_OK);
    assert_int_equal(bc_limit_take(BC_LIMIT_SIGNUP, "198.51.100.60", t0 + 60000, &retry), BC_OK); /* new window */
    bc_cfg.signup_rate_addr = 20;
    bc_cfg.signup_window_s = 3600;
}

/* bc_req_client_ip's rule: X-Forwarded-For only from a trusted peer, right-most untrusted entry. */
static const char *ip_of(const char *peer, const char *xff, char *out)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (strchr(peer, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        inet_pton(AF_INET6, peer, &a->sin6_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        inet_pton(AF_INET, peer, &a->sin_addr);
        len = sizeof *a;
    }
    return bc_http_client_ip((struct sockaddr *)&ss, len, xff, out, 64);
}

static void client_ip_and_trusted_proxies(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(bc_http_set_trusted_proxies("10.0.0.0/8, ::1,192.168.1.7"), BC_OK);
    assert_string_equal(ip_of("10.1.2.3", "203.0.113.5, 10.9.9.9", out), "203.0.113.5");
    assert_string_equal(ip_of("10.1.2.3", "1.1.1.1, 203.0.113.5", out), "203.0.113.5"); /* spoofed left entry */
    assert_string_equal(ip_of("8.8.8.8", "203.0.113.5", out), "8.8.8.8");               /* untrusted peer */
    assert_string_equal(ip_of("::1", "[2001:db8::1]:443", out), "2001:db8::1");
    assert_string_equal(ip_of("192.168.1.7", "198.51.100.1:5555", out), "198.51.100.1");
    assert_string_equal(ip_of("192.168.1.8", "198.51.100.1", out), "192.168.1.8"); /* /32 */
    assert_string_equal(ip_of("10.1.2.3", "10.0.0.1", out), "10.0.0.1");           /* only proxies: the farthest */
    assert_string_equal(ip_of("10.1.2.3", "garbage", out), "10.1.2.3");
    assert_string_equal(ip_of("10.1.2.3", NULL, out), "10.1.2.3");
    assert_string_equal(ip_of("::ffff:10.1.2.3", "203.0.113.9", out), "203.0.113.9"); /* v4-mapped peer */
    assert_int_equal(bc_http_set_trusted_proxies("10.0.0.0/33"), BC_EINVAL);
    assert_int_equal(bc_http_set_trusted_proxies("not-an-ip"), BC_EINVAL);
    assert_int_equal(bc_http_set_trusted_proxies(""), BC_OK);
    assert_string_equal(ip_of("10.1.2.3", "203.0.113.5", out), "10.1.2.3"); /* none trusted */
}

/* ---- store + cache against a temporary database ---- */
static void cache_and_refresh_family(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/bc-test-accounts-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    bc_db *db = NULL;
    assert_int_equal(bc_db_open(path, &db), BC_OK);
    assert_int_equal(bc_db_migrate(db), BC_OK);
    int64_t id = 0;
    assert_int_equal(bc_accounts_create_user(db, "Cache@Example.com", "secret123", "C", "seller", &id), BC_OK);

    bc_auth a = {.user_id = id, .role = BC_ROLE_ADMIN}; /* the token claims admin */
    assert_int_equal(bc_accounts_check(db, &a), BC_OK);
    assert_int_equal(a.role, BC_ROLE_SELLER); /* the account decides */
    a.role = BC_ROLE_ADMIN;
    assert_int_equal(bc_accounts_check(NULL, &a), BC_OK); /* warm: no DB needed */
    assert_int_equal(a.role, BC_ROLE_SELLER);

    /* changes apply at once, also to the loop-thread (cache-only) check */
    assert_int_equal(bc_accounts_update(db, id, "buyer", -1), BC_OK);
    assert_int_equal(bc_accounts_check(NULL, &a), BC_OK);
    assert_int_equal(a.role, BC_ROLE_BUYER);
    char refresh[49], next[49], other[49];
    assert_int_equal(bc_accounts_refresh_issue(db, id, NULL, 1, refresh), BC_OK);
    assert_int_equal(bc_accounts_update(db, id, NULL, 1), BC_OK);
    assert_int_equal(bc_accounts_check(NULL, &a), BC_EFORBIDDEN);
    assert_int_equal(bc_accounts_check(db, &a), BC_EFORBIDDEN);
    int64_t uid = 0;
    assert_int_equal(bc_accounts_refresh_rotate(db, refresh, &uid, next), BC_ECONFLICT); /* revoked by blocking */
    assert_int_equal(bc_accounts_update(db, id, NULL, 0), BC_OK);
    assert_int_equal(bc_accounts_check(db, &a), BC_OK);
    assert_int_equal(bc_accounts_update(db, id, "root", -1), BC_EINVAL);
    assert_int_equal(bc_accounts_update(db, id + 100, "buyer", -1), BC_ENOTFOUND);

    /* a user that does not exist: cold on the loop thread (BC_EBUSY), then known missing */
    bc_auth ghost = {.user_id = id + 1000, .role = BC_ROLE_BUYER};
    assert_int_equal(bc_accounts_check(NULL, &ghost), BC_EBUSY);
    assert_int_equal(bc_accounts_check(db, &ghost), BC_ENOTFOUND);
    assert_int_equal(bc_accounts_check(NULL, &ghost), BC_ENOTFOUND);
    /* a user created with an id cached as missing is seen at once */
    int64_t next_id = 0;
    assert_int_equal(bc_db_int(db, &next_id, "SELECT MAX(id) + 1 FROM users", ""), 1);
    bc_auth soon = {.user_id = next_id, .role = BC_ROLE_BUYER};
    assert_int_equal(bc_accounts_check(db, &soon), BC_ENOTFOUND);
    int64_t created = 0;
    assert_int_equal(bc_accounts_create_user(db, "soon@example.com", "secret123", "S", "buyer", &created), BC_OK);
    assert_int_equal(created, next_id);
    assert_int_equal(bc_accounts_check(db, &soon), BC_OK);

    /* refresh family: reuse of a rotated token ends the family, other logins survive */
    assert_int_equal(bc_accounts_refresh_issue(db, id, NULL, 1, refresh), BC_OK);
    assert_int_equal(bc_accounts_refresh_issue(db, id, NULL, 1, other), BC_OK);
    assert_int_equal(bc_accounts_refresh_rotate(db, refresh, &uid, next), BC_OK);
    assert_int_equal(uid, id);
    assert_int_equal(bc_accounts_refresh_rotate(db, refresh, &uid, next), BC_ECONFLICT);
    char after[49];
    assert_int_equal(bc_accounts_refresh_rotate(db, next, &uid, after), BC_ECONFLICT);
    assert_int_equal(bc_accounts_refresh_rotate(db, other, &uid, after), BC_OK);
    assert_int_equal(bc_accounts_refresh_rotate(db, "nonexistent-token", &uid, after), BC_ENOTFOUND);
    bc_db_close(db);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_hashing),
        cmocka_unit_test(policies),
        cmocka_unit_test(tokens),
        cmocka_unit_test(login_throttle),
        cmocka_unit_test(limit_hash_is_keyed),
        cmocka_unit_test(locked_entry_never_evicted),
        cmocka_unit_test(concurrent_logins_counted_first),
        cmocka_unit_test(owner_known_address),
        cmocka_unit_test(per_address_limits),
        cmocka_unit_test(client_ip_and_trusted_proxies),
        cmocka_unit_test(cache_and_refresh_family),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
