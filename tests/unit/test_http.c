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

static void reasons(void **state)
{
    (void)state;
    assert_string_equal(bc_http_reason(404), "Not Found");
    assert_string_equal(bc_http_reason(409), "Conflict");
    assert_string_equal(bc_http_reason(422), "Unprocessable Entity");
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
        cmocka_unit_test(patterns),
        cmocka_unit_test(validation),
        cmocka_unit_test(reasons),
        cmocka_unit_test(malformed_json_with_korean_is_400),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
