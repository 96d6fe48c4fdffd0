/* Unit tests for src/core: configuration table, ISO-8601 time, integer parsing, arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "../../src/core/core.h"

static void config_defaults_and_overrides(void **state)
{
    (void)state;
    bc_config c;
    unsetenv("BROADCART_HTTP_PORT");
    unsetenv("BROADCART_CONFIG");
    assert_int_equal(bc_config_load(&c), BC_OK);
    assert_int_equal(c.http_port, 8080);
    assert_int_equal(c.rtmp_port, 1935);
    assert_string_equal(c.data_dir, "./var");
    assert_int_equal(c.order_ttl_s, 600);
    assert_true(c.loops >= 1);

    setenv("BROADCART_HTTP_PORT", "9090", 1);
    assert_int_equal(bc_config_load(&c), BC_OK);
    assert_int_equal(c.http_port, 9090);
    setenv("BROADCART_HTTP_PORT", "70000", 1);
    assert_int_equal(bc_config_load(&c), BC_EINVAL);
    setenv("BROADCART_HTTP_PORT", "80x", 1);
    assert_int_equal(bc_config_load(&c), BC_EINVAL);
    unsetenv("BROADCART_HTTP_PORT");

    assert_int_equal(bc_config_set(&c, "BROADCART_NOPE", "1"), BC_ENOTFOUND);
    char longv[600];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = 0;
    assert_int_equal(bc_config_set(&c, "BROADCART_DATA_DIR", longv), BC_EINVAL);
}

static void config_file(void **state)
{
    (void)state;
    char path[] = "/tmp/bc-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# comment\n\nBROADCART_SHIPPING_FEE=2500\n  BROADCART_DATA_DIR=/srv/bc\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    setenv("BROADCART_CONFIG", path, 1);
    bc_config c;
    assert_int_equal(bc_config_load(&c), BC_OK);
    assert_int_equal(c.shipping_fee, 2500);
    assert_string_equal(c.data_dir, "/srv/bc");
    /* environment beats the file */
    setenv("BROADCART_SHIPPING_FEE", "0", 1);
    assert_int_equal(bc_config_load(&c), BC_OK);
    assert_int_equal(c.shipping_fee, 0);
    unsetenv("BROADCART_SHIPPING_FEE");
    /* unknown key in the file is an error */
    FILE *f = fopen(path, "a");
    fputs("BROADCART_TYPO=1\n", f);
    fclose(f);
    assert_int_equal(bc_config_load(&c), BC_EINVAL);
    unsetenv("BROADCART_CONFIG");
    unlink(path);
}

static void config_docs_complete(void **state)
{
    (void)state;
    int n = 0;
    for (const bc_config_doc *d = bc_config_docs(); d->env; d++, n++) {
        assert_non_null(d->doc);
        assert_non_null(d->unit);
        assert_true(strncmp(d->env, "BROADCART_", 10) == 0);
    }
    assert_true(n >= 20);
}

static void time_roundtrip(void **state)
{
    (void)state;
    int64_t ms;
    char buf[40];
    assert_int_equal(bc_time_parse("1970-01-01T00:00:00Z", &ms), BC_OK);
    assert_int_equal(ms, 0);
    assert_int_equal(bc_time_parse("2026-11-23T10:00:00.250Z", &ms), BC_OK);
    assert_string_equal(bc_time_iso(ms, buf, sizeof buf), "2026-11-23T10:00:00.250Z");
    int64_t kst;
    assert_int_equal(bc_time_parse("2026-11-23T19:00:00.250+09:00", &kst), BC_OK);
    assert_int_equal(kst, ms);
    assert_int_equal(bc_time_parse("2024-02-29T00:00Z", &ms), BC_OK);
    assert_string_equal(bc_time_iso(ms, buf, sizeof buf), "2024-02-29T00:00:00.000Z");
    assert_int_equal(bc_time_parse("2023-02-29T00:00:00Z", &ms), BC_EINVAL);
    assert_int_equal(bc_time_parse("2026-13-01T00:00:00Z", &ms), BC_EINVAL);
    assert_int_equal(bc_time_parse("2026-11-23", &ms), BC_EINVAL);
    assert_int_equal(bc_time_parse("2026-11-23T10:00:00", &ms), BC_EINVAL);
    assert_int_equal(bc_time_parse("2026-11-23T10:00:00Zjunk", &ms), BC_EINVAL);
    assert_int_equal(bc_time_parse(NULL, &ms), BC_EINVAL);
}

static void parse_i64(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(bc_parse_i64("42", 1, 100, &v), BC_OK);
    assert_int_equal(v, 42);
    assert_int_equal(bc_parse_i64("0", 1, 100, &v), BC_EINVAL);
    assert_int_equal(bc_parse_i64("101", 1, 100, &v), BC_EINVAL);
    assert_int_equal(bc_parse_i64("4x", 1, 100, &v), BC_EINVAL);
    assert_int_equal(bc_parse_i64("", 1, 100, &v), BC_EINVAL);
    assert_int_equal(bc_parse_i64("99999999999999999999", 1, INT64_MAX, &v), BC_EINVAL);
}

static void arena(void **state)
{
    (void)state;
    bc_arena *a = bc_arena_create();
    char *s = bc_arena_printf(a, "%s-%d", "order", 7);
    assert_string_equal(s, "order-7");
    for (int i = 0; i < 1000; i++) {
        char *p = bc_arena_alloc(a, 100);
        memset(p, 1, 100);
        assert_true(((uintptr_t)p & 15) == 0);
    }
    char *big = bc_arena_alloc(a, 100000);
    memset(big, 2, 100000);
    assert_string_equal(bc_arena_strndup(a, "abcdef", 3), "abc");
    bc_arena_destroy(a);
}

static void random_tokens(void **state)
{
    (void)state;
    char a[33], b[33];
    bc_rand_token(a, 32);
    bc_rand_token(b, 32);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    for (char *p = a; *p; p++)
        assert_true((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'));
}

static void log_escape(void **state)
{
    (void)state;
    char out[256];
    bc_log_escape("plain 한글 ok", out, sizeof out);
    assert_string_equal(out, "plain 한글 ok");
    bc_log_escape("a\nFAKE 2026 ERROR x\r\x1b[31m\x7f", out, sizeof out);
    assert_string_equal(out, "a\\x0aFAKE 2026 ERROR x\\x0d\\x1b[31m\\x7f");
    bc_log_escape("\xe2\x80\xae"
                  "evil\xe2\x81\xa6 \xc2\x85 back\\slash",
                  out, sizeof out);
    assert_string_equal(out, "\\u202eevil\\u2066 \\u0085 back\\\\slash");
    /* truncation never splits an escape */
    char small[6];
    assert_int_equal(bc_log_escape("ab\x1b", small, sizeof small), 2);
    assert_string_equal(small, "ab");
}

static void log_line_escaped_with_request_id(void **state)
{
    (void)state;
    char path[] = "/tmp/bc-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    bc_log_set_request_id("rid-7");
    bc_log_warn("test", "user said %s", "hi\n2026-01-01T00:00:00.000Z ERROR accounts: forged");
    bc_log_set_request_id(NULL);
    bc_log_warn("test", "no id");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[512] = {0};
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    assert_non_null(
        strstr(buf, "WARN test: user said hi\\x0a2026-01-01T00:00:00.000Z ERROR accounts: forged rid=rid-7\n"));
    assert_non_null(strstr(buf, "WARN test: no id\n"));
    int lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
}

/* The capped buffer: appends up to its cap exactly, refuses a write that would pass it without
 * changing what it holds, stays NUL-terminated, and as a curl write callback says "abort" (0). */
static void capped_buffer(void **state)
{
    (void)state;
    bc_buf b;
    bc_buf_init(&b, 10);
    assert_int_equal(b.len, 0);
    assert_int_equal(bc_buf_add(&b, "hello", 5), BC_OK);
    assert_int_equal(bc_buf_add(&b, "world", 5), BC_OK);
    assert_string_equal(b.data, "helloworld");
    assert_int_equal(bc_buf_add(&b, "!", 1), BC_ENOMEM);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "helloworld");
    assert_int_equal(bc_buf_curl_write("x", 1, 1, &b), 0);
    bc_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.cap, 10);
    char big[3000];
    memset(big, 'a', sizeof big);
    bc_buf_init(&b, 1 << 20);
    for (int i = 0; i < 100; i++)
        assert_int_equal(bc_buf_curl_write(big, 1, sizeof big, &b), sizeof big);
    assert_int_equal(b.len, 300000);
    assert_int_equal(b.data[b.len], 0);
    bc_buf_free(&b);
}

/* ---- sealed personal data ---- */
static void seal_roundtrip_and_binding(void **state)
{
    (void)state;
    char dir[] = "/tmp/bc-seal-XXXXXX";
    assert_non_null(mkdtemp(dir));
    bc_cfg.data_key[0] = 0;
    assert_int_equal(bc_seal_init(dir), BC_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/data.key", dir);
    assert_int_equal(access(path, R_OK), 0); /* generated */
    char *sealed = NULL, *plain = NULL;
    assert_int_equal(bc_seal("users.phone:7", "010-1234-5678", &sealed), BC_OK);
    assert_null(strstr(sealed, "1234"));
    assert_true(bc_seal_is_sealed(sealed));
    assert_true(bc_seal_is_current(sealed));
    assert_false(bc_seal_is_sealed("{\"recipient\":\"x\"}"));
    assert_int_equal(bc_seal_open("users.phone:7", sealed, &plain), BC_OK);
    assert_string_equal(plain, "010-1234-5678");
    free(plain);
    /* another row's associated data does not open it */
    assert_int_equal(bc_seal_open("users.phone:8", sealed, &plain), BC_EINVAL);
    assert_null(plain);
    /* one flipped character of the ciphertext is refused */
    char *bad = strdup(sealed);
    size_t n = strlen(bad);
    bad[n - 3] = bad[n - 3] == 'A' ? 'B' : 'A';
    assert_int_equal(bc_seal_open("users.phone:7", bad, &plain), BC_EINVAL);
    free(bad);
    /* two seals of one value differ (random nonce) */
    char *again = NULL;
    assert_int_equal(bc_seal("users.phone:7", "010-1234-5678", &again), BC_OK);
    assert_string_not_equal(again, sealed);
    free(again);
    /* the same ring reloaded from the file opens it */
    assert_int_equal(bc_seal_init(dir), BC_OK);
    assert_int_equal(bc_seal_open("users.phone:7", sealed, &plain), BC_OK);
    free(plain);
    /* lookups: stable, per domain */
    char l1[BC_SEAL_LOOKUP_LEN + 1], l2[BC_SEAL_LOOKUP_LEN + 1], l3[BC_SEAL_LOOKUP_LEN + 1];
    assert_int_equal(bc_seal_lookup("users.phone", "01012345678", l1), BC_OK);
    assert_int_equal(bc_seal_lookup("users.phone", "01012345678", l2), BC_OK);
    assert_int_equal(bc_seal_lookup("business", "01012345678", l3), BC_OK);
    assert_string_equal(l1, l2);
    assert_string_not_equal(l1, l3);
    assert_int_equal(strlen(l1), BC_SEAL_LOOKUP_LEN);

    /* rotation: step 1 keeps the old key readable, step 2 retires it */
    char old_kid[9];
    snprintf(old_kid, sizeof old_kid, "%s", bc_seal_key_id());
    assert_int_equal(bc_seal_rotate_file(dir, 0), BC_OK);
    assert_string_not_equal(bc_seal_key_id(), old_kid);
    assert_false(bc_seal_is_current(sealed));
    assert_int_equal(bc_seal_open("users.phone:7", sealed, &plain), BC_OK);
    free(plain);
    char *fresh = NULL;
    assert_int_equal(bc_seal("users.phone:7", "010-1234-5678", &fresh), BC_OK);
    assert_true(bc_seal_is_current(fresh));
    char l4[BC_SEAL_LOOKUP_LEN + 1];
    assert_int_equal(bc_seal_lookup("users.phone", "01012345678", l4), BC_OK);
    assert_string_not_equal(l4, l1); /* lookups follow the current key: resealing recomputes them */
    assert_int_equal(bc_seal_rotate_file(dir, 1), BC_OK);
    assert_int_equal(bc_seal_open("users.phone:7", sealed, &plain), BC_ENOTFOUND);
    assert_int_equal(bc_seal_open("users.phone:7", fresh, &plain), BC_OK);
    free(plain);
    /* rotations never finished fill the ring: adding one more is refused rather than dropping the
     * oldest key, under which `fresh` is still sealed */
    for (int i = 1; i < BC_SEAL_MAX_KEYS; i++)
        assert_int_equal(bc_seal_rotate_file(dir, 0), BC_OK);
    assert_int_equal(bc_seal_rotate_file(dir, 0), BC_ECONFLICT);
    assert_int_equal(bc_seal_open("users.phone:7", fresh, &plain), BC_OK);
    free(plain);
    free(fresh);
    free(sealed);
    unlink(path);
    rmdir(dir);
}

static void seal_key_from_settings(void **state)
{
    (void)state;
    /* hex current key, base64 old key */
    snprintf(bc_cfg.data_key, sizeof bc_cfg.data_key, "%s",
             "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    bc_cfg.data_key_old[0] = 0;
    assert_int_equal(bc_seal_init("/nonexistent"), BC_OK);
    char *sealed = NULL, *plain = NULL;
    assert_int_equal(bc_seal("addresses.data:1", "서울특별시", &sealed), BC_OK);
    /* the same key as the old one under a new current key still opens */
    snprintf(bc_cfg.data_key_old, sizeof bc_cfg.data_key_old, "%s", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    snprintf(bc_cfg.data_key, sizeof bc_cfg.data_key, "%s",
             "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    assert_int_equal(bc_seal_init("/nonexistent"), BC_OK);
    assert_false(bc_seal_is_current(sealed));
    assert_int_equal(bc_seal_open("addresses.data:1", sealed, &plain), BC_OK);
    assert_string_equal(plain, "서울특별시");
    free(plain);
    /* a file rotation is refused while the key comes from the settings */
    assert_int_equal(bc_seal_rotate_file("/nonexistent", 0), BC_EINVAL);
    /* malformed keys are refused */
    snprintf(bc_cfg.data_key, sizeof bc_cfg.data_key, "%s", "not-a-key");
    assert_int_equal(bc_seal_init("/nonexistent"), BC_EINVAL);
    snprintf(bc_cfg.data_key, sizeof bc_cfg.data_key, "%s", "00,01");
    assert_int_equal(bc_seal_init("/nonexistent"), BC_EINVAL);
    bc_cfg.data_key[0] = bc_cfg.data_key_old[0] = 0;
    free(sealed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_defaults_and_overrides),
        cmocka_unit_test(seal_roundtrip_and_binding),
        cmocka_unit_test(seal_key_from_settings),
        cmocka_unit_test(config_file),
        cmocka_unit_test(config_docs_complete),
        cmocka_unit_test(time_roundtrip),
        cmocka_unit_test(parse_i64),
        cmocka_unit_test(arena),
        cmocka_unit_test(random_tokens),
        cmocka_unit_test(capped_buffer),
        cmocka_unit_test(log_escape),
        cmocka_unit_test(log_line_escaped_with_request_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
