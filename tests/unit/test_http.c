/* Unit tests for src/http: route pattern matching and body validation against a field schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/http/http_int.h"

static int match(const char *pattern, const char *path, bc_route_match *m)
{
    return bc_router_match_pattern(pattern, path, strlen(path), m);
}

static void patterns(void **state)
{
    (void)state;
    bc_route_match m;
    assert_true(match("/api/v1/products", "/api/v1/products", &m));
    assert_int_equal(m.nparams, 0);
    assert_false(match("/api/v1/products", "/api/v1/products/", &m));
    assert_false(match("/api/v1/products", "/api/v1/product", &m));
    assert_true(match("/api/v1/products/{id}", "/api/v1/products/42", &m));
    assert_int_equal(m.nparams, 1);
    assert_int_equal(m.value_lens[0], 2);
    assert_memory_equal(m.values[0], "42", 2);
    assert_memory_equal(m.names[0], "id", 2);
    assert_false(match("/api/v1/products/{id}", "/api/v1/products/", &m));
    assert_false(match("/api/v1/products/{id}", "/api/v1/products/4/x", &m));
    assert_true(match("/api/v1/lives/{id}/chat", "/api/v1/lives/7/chat", &m));
    assert_true(match("/a/{x}/b/{y}", "/a/1/b/two", &m));
    assert_int_equal(m.nparams, 2);
    assert_memory_equal(m.values[1], "two", 3);
}

static const bc_field fields[] = {
    {"name", BC_F_STR, 1, 1, 5, NULL}, {"qty", BC_F_INT, 1, 1, 99, NULL}, {"gift", BC_F_BOOL, 0, 0, 0, NULL},
    {"tags", BC_F_ARR, 0, 0, 2, NULL}, {"addr", BC_F_OBJ, 0, 0, 0, NULL}, {NULL},
};

static int validate(const char *json, char *msg)
{
    json_t *j = json_loads(json, 0, NULL);
    int rc = bc_http_validate_fields(j, fields, msg, 256);
    json_decref(j);
    return rc;
}

static void validation(void **state)
{
    (void)state;
    char msg[256];
    assert_int_equal(validate("{\"name\":\"abc\",\"qty\":3}", msg), BC_OK);
    assert_int_equal(validate("{\"name\":\"가나다라마\",\"qty\":99,\"gift\":true,\"tags\":[1],\"addr\":{}}", msg),
                     BC_OK);
    assert_int_equal(validate("{\"qty\":3}", msg), BC_EINVAL);
    assert_string_equal(msg, "'name' is required");
    assert_int_equal(validate("{\"name\":3,\"qty\":3}", msg), BC_EINVAL);
    assert_string_equal(msg, "'name' must be a string");
    assert_int_equal(validate("{\"name\":\"abcdef\",\"qty\":3}", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"\",\"qty\":3}", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"a\",\"qty\":0}", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"a\",\"qty\":-5}", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"a\",\"qty\":1.5}", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"a\",\"qty\":\"1\"}", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"a\",\"qty\":1,\"tags\":[1,2,3]}", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"a\",\"qty\":1,\"addr\":[]}", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"a\",\"qty\":1,\"admin\":true}", msg), BC_EINVAL);
    assert_string_equal(msg, "unknown field 'admin'");
    assert_int_equal(validate("{\"name\":null,\"qty\":1}", msg), BC_EINVAL);
    assert_int_equal(validate("[1,2]", msg), BC_EINVAL);
    assert_int_equal(validate("{\"name\":\"a\",\"qty\":1,\"gift\":null}", msg), BC_OK);
}

/* Nested objects, array elements, enums, text kinds and per-field codes (bc_field's optional members). */
static const char *const colours[] = {"RED", "BLUE", NULL};
static const bc_field line_fields[] = {
    {"id", BC_F_INT, 1, 1, 100, NULL},
    {"qty", BC_F_INT, 1, 1, 9, NULL, .code = "INVALID_QUANTITY"},
    {NULL},
};
static const bc_field line_item = {"lines[]", BC_F_OBJ, 1, 0, 0, NULL, .fields = line_fields};
static const bc_field addr_fields[] = {{"city", BC_F_STR, 1, 1, 20, NULL}, {NULL}};
static const bc_field nested[] = {
    {"lines", BC_F_ARR, 1, 1, 3, NULL, .items = &line_item},
    {"addr", BC_F_OBJ, 0, 0, 0, NULL, .fields = addr_fields},
    {"colour", BC_F_STR, 0, 0, 0, NULL, .enums = colours},
    {"note", BC_F_STR, 0, 0, 100, NULL, .text = BC_TEXT_MULTI},
    {"secret", BC_F_STR, 0, 0, 100, NULL, .text = BC_TEXT_OPAQUE},
    {"pin", BC_F_INT, 1, 1, 10, NULL, .nullable = 1},
    {NULL},
};

static int validate_nested(const char *json, const char **code, char *msg)
{
    json_t *j = json_loads(json, JSON_ALLOW_NUL, NULL);
    assert_non_null(j);
    *code = "VALIDATION_FAILED";
    int rc = bc_http_validate_fields_code(j, nested, code, msg, 256);
    json_decref(j);
    return rc;
}

static void nested_fields(void **state)
{
    (void)state;
    char msg[256];
    const char *code;
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1,\"qty\":2}],\"pin\":null}", &code, msg), BC_OK);
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1,\"qty\":2}]}", &code, msg), BC_EINVAL);
    assert_string_equal(msg, "'pin' is required");
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1,\"qty\":2},7],\"pin\":1}", &code, msg), BC_EINVAL);
    assert_string_equal(msg, "'lines[1]' must be an object");
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1}],\"pin\":1}", &code, msg), BC_EINVAL);
    assert_string_equal(msg, "'lines[0].qty' is required");
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1,\"qty\":\"2\"}],\"pin\":1}", &code, msg), BC_EINVAL);
    assert_string_equal(msg, "'lines[0].qty' must be an integer");
    assert_string_equal(code, "VALIDATION_FAILED"); /* a wrong type keeps the generic code */
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1,\"qty\":10}],\"pin\":1}", &code, msg), BC_EINVAL);
    assert_string_equal(msg, "'lines[0].qty' must be between 1 and 9");
    assert_string_equal(code, "INVALID_QUANTITY");
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1,\"qty\":1,\"x\":1}],\"pin\":1}", &code, msg), BC_EINVAL);
    assert_string_equal(msg, "unknown field 'lines[0].x'");
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1,\"qty\":1}],\"pin\":1,\"addr\":{}}", &code, msg),
                     BC_EINVAL);
    assert_string_equal(msg, "'addr.city' is required");
    assert_int_equal(validate_nested("{\"lines\":[{\"id\":1,\"qty\":1}],\"pin\":1,\"colour\":\"GREEN\"}", &code, msg),
                     BC_EINVAL);
    assert_string_equal(msg, "'colour' must be one of: RED, BLUE");
    assert_int_equal(validate_nested("{\"lines\":[],\"pin\":1}", &code, msg), BC_EINVAL);
    assert_string_equal(msg, "'lines' must have 1 to 3 items");
}

static void text_kinds(void **state)
{
    (void)state;
    char why[160];
    /* single-line (default): Korean and emoji pass; C0, DEL, C1, bidi controls, separators do not */
    assert_int_equal(bc_http_text_check("라이브 🎉", strlen("라이브 🎉"), BC_TEXT_LINE, why, sizeof why), BC_OK);
    static const char *const bad[] = {
        "a\x07",        "\x1b[31m",     "a\r\nb",       "a\nb",         "a\tb",         "\x7f",         "\xc2\x85",
        "\xe2\x80\xae", "\xe2\x80\xaa", "\xe2\x81\xa6", "\xe2\x81\xa9", "\xe2\x80\xa8", "\xe2\x80\xa9", NULL};
    for (const char *const *b = bad; *b; b++)
        assert_int_equal(bc_http_text_check(*b, strlen(*b), BC_TEXT_LINE, why, sizeof why), BC_EINVAL);
    assert_int_equal(bc_http_text_check("a\0b", 3, BC_TEXT_LINE, why, sizeof why), BC_EINVAL);
    /* multi-line allows \n and \t only */
    assert_int_equal(bc_http_text_check("a\nb\tc", 5, BC_TEXT_MULTI, why, sizeof why), BC_OK);
    assert_int_equal(bc_http_text_check("a\r\nb", 4, BC_TEXT_MULTI, why, sizeof why), BC_EINVAL);
    assert_int_equal(bc_http_text_check("\xe2\x80\xae", 3, BC_TEXT_MULTI, why, sizeof why), BC_EINVAL);
    /* opaque: anything but NUL, as long as it is UTF-8 */
    assert_int_equal(bc_http_text_check("a\x07\xe2\x80\xae", 5, BC_TEXT_OPAQUE, why, sizeof why), BC_OK);
    /* invalid UTF-8 for every kind: stray continuation, overlong, surrogate, > U+10FFFF, truncated */
    static const char *const broken[] = {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x80",
                                         "\xff", NULL};
    for (const char *const *b = broken; *b; b++) {
        assert_int_equal(bc_http_text_check(*b, strlen(*b), BC_TEXT_OPAQUE, why, sizeof why), BC_EINVAL);
        assert_string_equal(why, "is not valid UTF-8");
    }
}

static void reasons(void **state)
{
    (void)state;
    assert_string_equal(bc_http_reason(404), "Not Found");
    assert_string_equal(bc_http_reason(409), "Conflict");
    assert_string_equal(bc_http_reason(422), "Unprocessable Entity");
}

/* bc_res_from_err(BC_EBUSY) is a 503 that tells the client when to retry (RFC 9110 §10.2.3). */
static void busy_has_retry_after(void **state)
{
    (void)state;
    bc_req r;
    memset(&r, 0, sizeof r);
    r.arena = bc_arena_create();
    bc_res_from_err(&r, BC_EBUSY);
    assert_int_equal(r.res_status, 503);
    int found = 0;
    for (bc_res_hdr *h = r.res_headers; h; h = h->next)
        found |= strcmp(h->name, "Retry-After") == 0 && strcmp(h->value, "1") == 0;
    assert_true(found);
    bc_req_cleanup(&r);
}

/* Found by fuzz_body_schema: jansson's error text quotes the input around the error and can cut a
 * multi-byte character; the 400 became a 500 because the message was not valid UTF-8. */
static void malformed_json_with_korean_is_400(void **state)
{
    (void)state;
    static const bc_field f[] = {{.name = "name", .type = BC_F_STR, .required = 1, .min = 1, .max = 5}, {NULL}};
    static const bc_route route = {.method = "POST", .path = "/x", .body = f, .status = 200};
    const char *body = "{\"name\":\"\353\213\210\\\355\212\270\"}"; /* "니\트": an invalid escape */
    bc_req r;
    memset(&r, 0, sizeof r);
    r.arena = bc_arena_create();
    r.body = body;
    r.body_len = strlen(body);
    assert_int_equal(bc_req_validate_body(&r, &route), BC_EINVAL);
    assert_int_equal(r.res_status, 400);
    assert_non_null(strstr(r.res_body, "\"INVALID_JSON\""));
    bc_req_cleanup(&r);

    /* a message cut by the 512-byte buffer in the middle of a character, and stray bytes */
    char long_text[700];
    for (size_t i = 0; i + 3 < sizeof long_text; i += 3)
        memcpy(long_text + i, "\352\260\200", 3); /* 가 */
    long_text[sizeof long_text - 1] = 0;
    memset(&r, 0, sizeof r);
    r.arena = bc_arena_create();
    bc_res_error(&r, 422, "VALIDATION_FAILED", "x%s", long_text);
    assert_int_equal(r.res_status, 422);
    bc_req_cleanup(&r);
    memset(&r, 0, sizeof r);
    r.arena = bc_arena_create();
    bc_res_error(&r, 422, "VALIDATION_FAILED", "'%s' \300\257 \355\240\200 \364\220\200\200 ok", "\377");
    assert_int_equal(r.res_status, 422);
    assert_non_null(strstr(r.res_body, "\"'?' ?? ??? ???? ok\""));
    bc_req_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patterns),   cmocka_unit_test(validation), cmocka_unit_test(nested_fields),
        cmocka_unit_test(text_kinds), cmocka_unit_test(reasons), cmocka_unit_test(busy_has_retry_after),
        cmocka_unit_test(malformed_json_with_korean_is_400),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
