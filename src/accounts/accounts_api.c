/* Routes under /api/v1/auth and /api/v1/me. */
#include "accounts.h"

#include <sodium.h>
#include <string.h>

/* Refresh tokens are 48 random chars; only their SHA-256 (hex) is stored. */
static void token_hash(const char *token, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
}

static json_t *user_json(bc_db *db, int64_t id)
{
    json_t *u = NULL;
    bc_db_row(db, &u, "SELECT id, email, name, role, created_at FROM users WHERE id = ?", "i", id);
    return u;
}

/* Issues an access token and a new refresh token for user u (borrowed) and sends them. */
static void send_tokens(bc_req *req, json_t *u, int status)
{
    bc_db *db = bc_req_db(req);
    int64_t id = json_integer_value(json_object_get(u, "id"));
    char refresh[49], rhash[65];
    bc_rand_token(refresh, 48);
    token_hash(refresh, rhash);
    int64_t now = bc_now_ms();
    char *access = bc_token_issue(id, json_string_value(json_object_get(u, "role")),
                                  json_string_value(json_object_get(u, "name")));
    if (!access ||
        bc_db_exec(db, "INSERT INTO refresh_tokens (token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
                   "tiii", rhash, id, now + (int64_t)bc_cfg.refresh_token_ttl_s * 1000, now) < 0) {
        free(access);
        bc_res_from_err(req, BC_ERR);
        return;
    }
    bc_res_json(req, status,
                json_pack("{s:s,s:s,s:s,s:i,s:O}", "access_token", access, "refresh_token", refresh, "token_type",
                          "Bearer", "expires_in", bc_cfg.access_token_ttl_s, "user", u));
    free(access);
}

static void h_signup(bc_req *req)
{
    const char *email, *password, *name;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s:s,s:s,s:s}", "email", &email, "password", &password, "name", &name);
    if (bc_email_check(email) != BC_OK) {
        bc_res_error(req, 422, "INVALID_EMAIL", "'email' is not a valid e-mail address");
        return;
    }
    if (bc_password_check_strength(password) != BC_OK) {
        bc_res_error(req, 422, "WEAK_PASSWORD", "the password needs 8 to 128 characters with a letter and a digit");
        return;
    }
    int64_t id;
    int rc = bc_accounts_create_user(bc_req_db(req), email, password, name, "buyer", &id);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "EMAIL_TAKEN", "an account with this e-mail already exists");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    json_t *u = user_json(bc_req_db(req), id);
    send_tokens(req, u, 201);
    json_decref(u);
}

static void h_login(bc_req *req)
{
    const char *email, *password;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s:s,s:s}", "email", &email, "password", &password);
    char lower[256];
    bc_email_normalize(email, lower, sizeof lower);
    bc_db *db = bc_req_db(req);
    json_t *row = NULL;
    int64_t retry_s = 0, now = bc_now_ms();
    if (bc_login_allowed(lower, now, &retry_s) != BC_OK) {
        char retry[24];
        snprintf(retry, sizeof retry, "%lld", (long long)retry_s);
        bc_res_error(req, 429, "TOO_MANY_ATTEMPTS", "too many failed logins for this e-mail; retry in %lld s",
                     (long long)retry_s);
        bc_res_header(req, "Retry-After", retry);
        return;
    }
    bc_db_row(db, &row, "SELECT id, password_hash FROM users WHERE email = ?", "t", lower);
    /* verify against a dummy hash when the user is unknown, so timing does not reveal accounts */
    const char *hash = row ? json_string_value(json_object_get(row, "password_hash")) : bc_password_dummy_hash();
    int ok = bc_password_verify(hash, password) == BC_OK && row;
    bc_login_record(lower, ok, now);
    if (!ok) {
        json_decref(row);
        bc_res_error(req, 401, "INVALID_CREDENTIALS", "wrong e-mail or password");
        return;
    }
    json_t *u = user_json(db, json_integer_value(json_object_get(row, "id")));
    json_decref(row);
    send_tokens(req, u, 200);
    json_decref(u);
}

static void h_refresh(bc_req *req)
{
    const char *refresh;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s:s}", "refresh_token", &refresh);
    char rhash[65];
    token_hash(refresh, rhash);
    bc_db *db = bc_req_db(req);
    int64_t user_id = 0;
    int rc = bc_db_begin(db);
    if (rc != BC_OK)
        goto fail;
    /* rotation: the presented token is revoked in the same statement that validates it */
    rc = bc_db_int(db, &user_id,
                   "UPDATE refresh_tokens SET revoked = 1 WHERE token_hash = ? AND revoked = 0 AND expires_at > ? "
                   "RETURNING user_id",
                   "ti", rhash, bc_now_ms());
    if (rc != 1) {
        bc_db_rollback(db);
        bc_res_error(req, 401, "INVALID_REFRESH_TOKEN", "the refresh token is invalid, expired or already used");
        return;
    }
    json_t *u = user_json(db, user_id);
    send_tokens(req, u, 200);
    json_decref(u);
    if (bc_db_commit(db) != BC_OK)
        bc_res_from_err(req, BC_ERR);
    return;
fail:
    bc_res_from_err(req, rc);
}

static void h_logout(bc_req *req)
{
    const char *refresh = NULL;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s?:s}", "refresh_token", &refresh);
    const bc_auth *a = bc_req_auth(req);
    if (refresh) {
        char rhash[65];
        token_hash(refresh, rhash);
        bc_db_exec(bc_req_db(req), "UPDATE refresh_tokens SET revoked = 1 WHERE token_hash = ? AND user_id = ?", "ti",
                   rhash, a->user_id);
    } else {
        bc_db_exec(bc_req_db(req), "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?", "i", a->user_id);
    }
    bc_res_send(req, 204, "application/json", "", 0);
}

static void h_me(bc_req *req)
{
    json_t *u = user_json(bc_req_db(req), bc_req_auth(req)->user_id);
    if (!u) {
        bc_res_error(req, 404, "NOT_FOUND", "user no longer exists");
        return;
    }
    bc_res_json(req, 200, u);
}

static const bc_field signup_body[] = {
    {"email", BC_F_STR, 1, 3, 254, "e-mail address, unique",

     .example = "\"buyer@example.com\""},
    {"password", BC_F_STR, 1, 1, 128, "8..128 chars with a letter and a digit", .text = BC_TEXT_OPAQUE},
    {"name", BC_F_STR, 1, 1, 60, "display name"},
    {NULL},
};
static const bc_field login_body[] = {
    {"email", BC_F_STR, 1, 1, 254, NULL, .text = BC_TEXT_OPAQUE},
    {"password", BC_F_STR, 1, 1, 128, NULL, .text = BC_TEXT_OPAQUE},
    {NULL},
};
static const bc_field refresh_body[] = {{"refresh_token", BC_F_STR, 1, 1, 128, NULL, .text = BC_TEXT_OPAQUE}, {NULL}};
static const bc_field logout_body[] = {
    {"refresh_token", BC_F_STR, 0, 1, 128, "revoke this token only; all when absent", .text = BC_TEXT_OPAQUE}, {NULL}};

const bc_route bc_accounts_routes[] = {
    {"POST", "/api/v1/auth/signup", 0, 0, signup_body, h_signup, "auth", "Create a buyer account and sign in", 201,
     .response = &bc_sc_tokens, .location = "/api/v1/me",
     .errors = (const char *const[]){"EMAIL_TAKEN", "INVALID_EMAIL", "WEAK_PASSWORD", NULL}},
    {"POST", "/api/v1/auth/login", 0, 0, login_body, h_login, "auth", "Sign in with e-mail and password", 200,
     .response = &bc_sc_tokens, .errors = (const char *const[]){"INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS", NULL}},
    {"POST", "/api/v1/auth/refresh", 0, 0, refresh_body, h_refresh, "auth", "Rotate a refresh token for new tokens",
     200, .response = &bc_sc_tokens, .errors = (const char *const[]){"INVALID_REFRESH_TOKEN", NULL}},
    {"POST", "/api/v1/auth/logout", BC_ROLE_ANY, 0, logout_body, h_logout, "auth", "Revoke refresh tokens", 204},
    {"GET", "/api/v1/me", BC_ROLE_ANY, 0, NULL, h_me, "auth", "The signed-in user", 200, .response = &bc_sc_user,
     .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {NULL},
};
