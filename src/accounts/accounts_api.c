/* Routes under /api/v1/auth, /api/v1/me and /api/v1/admin/users. No SQL here: see accounts_store.c. */
#include "../audit/audit.h"
#include "accounts.h"
#include "accounts_int.h"

#include <sodium.h>
#include <string.h>

void accounts_send_retry(bc_req *req, int status, const char *code, const char *msg, int64_t retry_s)
{
    char retry[24];
    snprintf(retry, sizeof retry, "%lld", (long long)retry_s);
    bc_res_error(req, status, code, "%s; retry in %lld s", msg, (long long)retry_s);
    bc_res_header(req, "Retry-After", retry);
}

void accounts_send_limited(bc_req *req, int rc, int64_t retry_s, const char *what)
{
    if (rc == BC_ENOMEM)
        accounts_send_retry(req, 503, "BUSY", "too many clients are being rate-limited", retry_s);
    else
        accounts_send_retry(req, 429, "RATE_LIMITED", what, retry_s);
}

/* Sends {"error":{code, message: msg + detail, key: value}} with status (value stolen; a NULL value
 * is left out). */
static void send_error_extra(bc_req *req, int status, const char *code, const char *msg, const char *detail,
                             const char *key, json_t *value)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", msg, detail);
    bc_utf8_scrub(text);
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", text);
    if (value)
        json_object_set_new(e, key, value);
    bc_res_json(req, status, json_pack("{s:o}", "error", e));
}

/* Issues an access token and a new refresh token (new family) for user u (borrowed) and sends them. */
static void send_tokens(bc_req *req, json_t *u, const char *refresh, int status)
{
    accounts_send_tokens(req, u, refresh, status, 1);
}

void accounts_send_tokens(bc_req *req, json_t *u, const char *refresh, int status, int persistent)
{
    int64_t id = json_integer_value(json_object_get(u, "id"));
    char fresh[49];
    if (!refresh) {
        if (bc_accounts_refresh_issue(bc_req_db(req), id, NULL, persistent, fresh) != BC_OK) {
            bc_res_from_err(req, BC_ERR);
            return;
        }
        refresh = fresh;
    }
    char *access = bc_token_issue(id, json_string_value(json_object_get(u, "role")),
                                  json_string_value(json_object_get(u, "name")));
    if (!access) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    /* warm the account cache for the requests this token will make */
    bc_accounts_cache_refresh(bc_req_db(req), id);
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
    json_t *jphone = json_object_get(bc_req_json(req), "phone"), *jrem = json_object_get(bc_req_json(req), "remember");
    char phone[16] = "";
    if (json_is_string(jphone) && json_string_length(jphone) &&
        bc_phone_normalize(json_string_value(jphone), phone) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'phone' must be a phone number such as 010-1234-5678");
        return;
    }
    if (bc_email_check(email) != BC_OK) {
        bc_res_error(req, 422, "INVALID_EMAIL", "'email' is not a valid e-mail address");
        return;
    }
    if (bc_password_check_strength(password) != BC_OK) {
        bc_res_error(req, 422, "WEAK_PASSWORD", "the password needs 8 to 128 characters with a letter and a digit");
        return;
    }
    /* every attempt that reaches the (expensive) hash counts, taken or not */
    int64_t retry_s = 0;
    int rc = bc_limit_take(BC_LIMIT_SIGNUP, bc_req_client_ip(req), bc_now_ms(), &retry_s);
    if (rc != BC_OK) {
        accounts_send_limited(req, rc, retry_s, "too many sign-ups from this address");
        return;
    }
    int64_t id;
    rc = bc_accounts_signup(bc_req_db(req), email, password, name, phone[0] ? phone : NULL, &id);
    if (rc == BC_ECONFLICT) {
        bc_res_error(req, 409, "EMAIL_TAKEN", "an account with this e-mail already exists");
        return;
    }
    json_t *u = NULL;
    if (rc == BC_OK)
        rc = bc_accounts_user_get(bc_req_db(req), id, 0, &u);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    accounts_send_tokens(req, u, NULL, 201, !json_is_false(jrem));
    json_decref(u);
}

static void h_login(bc_req *req)
{
    const char *email, *password;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s:s,s:s}", "email", &email, "password", &password);
    bc_login_ticket t;
    int64_t retry_s = 0;
    int why = 0;
    if (bc_login_begin(email, bc_req_client_ip(req), bc_now_ms(), &t, &retry_s, &why) != BC_OK) {
        if (why == BC_LOGIN_ACCOUNT_LOCKED)
            accounts_send_retry(req, 429, "TOO_MANY_ATTEMPTS", "too many failed logins for this e-mail", retry_s);
        else if (why == BC_LOGIN_ADDRESS_LIMIT)
            accounts_send_retry(req, 429, "RATE_LIMITED", "too many failed logins from this address", retry_s);
        else
            accounts_send_retry(req, 503, "BUSY", "too many clients are being rate-limited", retry_s);
        return;
    }
    /* the attempt already counts as a failure; verify against a dummy hash when the user is unknown,
     * so timing does not reveal accounts */
    char hash[128];
    int64_t id = 0;
    int blocked = 0, rc = bc_accounts_find_login(bc_req_db(req), t.email, &id, hash, &blocked);
    if (rc != BC_OK && rc != BC_ENOTFOUND) {
        bc_res_from_err(req, rc);
        return;
    }
    int ok = bc_password_verify(rc == BC_OK ? hash : bc_password_dummy_hash(), password) == BC_OK && rc == BC_OK;
    sodium_memzero(hash, sizeof hash);
    bc_login_finish(&t, ok);
    if (!ok) {
        bc_res_error(req, 401, "INVALID_CREDENTIALS", "wrong e-mail or password");
        return;
    }
    if (blocked) { /* told only to whoever knows the password: the owner, who may read why */
        char *reason = NULL;
        bc_accounts_block_reason(bc_req_db(req), id, &reason);
        send_error_extra(req, 403, "ACCOUNT_BLOCKED", reason ? "this account is blocked: " : "this account is blocked",
                         reason ? reason : "", "reason", reason ? json_string(reason) : json_null());
        free(reason);
        return;
    }
    json_t *u = NULL;
    rc = bc_accounts_user_get(bc_req_db(req), id, 0, &u);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    accounts_send_tokens(req, u, NULL, 200, !json_is_false(json_object_get(bc_req_json(req), "remember")));
    json_decref(u);
}

static void h_refresh(bc_req *req)
{
    const char *refresh;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s:s}", "refresh_token", &refresh);
    int64_t user_id = 0;
    char next[49];
    int rc = bc_accounts_refresh_rotate(bc_req_db(req), refresh, &user_id, next);
    if (rc == BC_ENOTFOUND || rc == BC_ECONFLICT) {
        bc_res_error(req, 401, "INVALID_REFRESH_TOKEN", "the refresh token is invalid, expired or already used");
        return;
    }
    if (rc == BC_EFORBIDDEN) {
        bc_res_error(req, 403, "ACCOUNT_BLOCKED", "this account is blocked");
        return;
    }
    json_t *u = NULL;
    if (rc == BC_OK)
        rc = bc_accounts_user_get(bc_req_db(req), user_id, 0, &u);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_tokens(req, u, next, 200);
    json_decref(u);
}

static void h_logout(bc_req *req)
{
    const char *refresh = NULL;
    json_error_t err;
    json_unpack_ex(bc_req_json(req), &err, 0, "{s?:s}", "refresh_token", &refresh);
    int rc = bc_accounts_logout(bc_req_db(req), bc_req_auth(req)->user_id, refresh);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_send(req, 204, "application/json", "", 0);
}

static void h_me(bc_req *req)
{
    json_t *u = NULL;
    int rc = bc_accounts_user_get(bc_req_db(req), bc_req_auth(req)->user_id, 0, &u);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "NOT_FOUND", "user no longer exists");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    json_object_set_new(u, "email_verified", json_boolean(bc_req_auth(req)->email_verified));
    bc_res_json(req, 200, u);
}

/* PATCH /api/v1/admin/users/{id} {role?, blocked?, blocked_reason?}: applies at once (the account
 * cache is updated); blocking needs a reason, which the user is told. */
static void h_admin_user_patch(bc_req *req)
{
    int64_t id;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such user");
        return;
    }
    json_t *body = bc_req_json(req), *jrole = json_object_get(body, "role"),
           *jblocked = json_object_get(body, "blocked"), *jreason = json_object_get(body, "blocked_reason");
    const char *role = json_is_string(jrole) ? json_string_value(jrole) : NULL;
    const char *reason = json_is_string(jreason) ? json_string_value(jreason) : NULL;
    int blocked = json_is_boolean(jblocked) ? json_is_true(jblocked) : -1;
    if (role && !bc_role_from_name(role)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'role' must be buyer, seller or admin");
        return;
    }
    if (!role && blocked < 0) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "give 'role' and/or 'blocked'");
        return;
    }
    size_t blank = reason ? strspn(reason, " \t\r\n") : 0;
    if (blocked == 1 && (!reason || !reason[blank])) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'blocked_reason' is required when blocking (the user is told it)");
        return;
    }
    if (reason && blocked != 1) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'blocked_reason' goes with 'blocked': true only");
        return;
    }
    if (id == bc_req_auth(req)->user_id && (blocked == 1 || (role && bc_role_from_name(role) != BC_ROLE_ADMIN))) {
        bc_res_error(req, 403, "FORBIDDEN", "an admin cannot block or demote their own account");
        return;
    }
    json_t *u = NULL, *before = NULL;
    int rc = bc_accounts_user_get(bc_req_db(req), id, 1, &before);
    if (rc == BC_OK)
        rc = bc_accounts_update_reason(bc_req_db(req), id, role, blocked, reason ? reason + blank : NULL);
    if (rc == BC_OK)
        rc = bc_accounts_user_get(bc_req_db(req), id, 1, &u);
    if (rc == BC_OK) /* audit: right after the write */
        rc = bc_audit_record(bc_req_db(req), bc_req_auth(req),
                             blocked == 1   ? "user.block"
                             : blocked == 0 ? "user.unblock"
                                            : "user.role",
                             "user", id, before, u, reason ? reason + blank : NULL);
    json_decref(before);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "NOT_FOUND", "no such user");
        return;
    }
    if (rc != BC_OK) {
        json_decref(u);
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, u);
}

/* POST/DELETE /api/v1/sellers/{id}/follow */
static void follow(bc_req *req, int on)
{
    int64_t id, followers = 0;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such seller");
        return;
    }
    int rc = bc_accounts_follow(bc_req_db(req), bc_req_auth(req)->user_id, id, on, &followers);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "NOT_FOUND", "no such seller");
    else if (rc == BC_EINVAL)
        bc_res_error(req, 422, "VALIDATION_FAILED", "a seller cannot follow themselves");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200,
                    json_pack("{s:I,s:b,s:I}", "seller_id", (json_int_t)id, "following", on, "followers",
                              (json_int_t)followers));
}
static void h_follow(bc_req *req) { follow(req, 1); }
static void h_unfollow(bc_req *req) { follow(req, 0); }

static const bc_schema sc_follow = {"SellerFollow",
                                    "{\"type\":\"object\",\"required\":[\"seller_id\",\"following\",\"followers\"],"
                                    "\"properties\":{\"seller_id\":{\"type\":\"integer\"},\"following\":{\"type\":"
                                    "\"boolean\"},\"followers\":{\"type\":\"integer\"}}}",
                                    NULL};

static const bc_schema sc_me = {
    "Me",
    "{\"type\":\"object\",\"required\":[\"id\",\"email\",\"name\",\"role\",\"created_at\",\"email_verified\"],"
    "\"properties\":{\"id\":{\"type\":\"integer\"},\"email\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
    "\"role\":{\"type\":\"string\",\"enum\":[\"buyer\",\"seller\",\"admin\"]},\"created_at\":{\"type\":\"string\","
    "\"format\":\"date-time\"},\"email_verified\":{\"type\":\"boolean\"}}}",
    NULL};

static const bc_field signup_body[] = {
    {"email", BC_F_STR, 1, 3, 254, "e-mail address, unique",

     .example = "\"buyer@example.com\""},
    {"password", BC_F_STR, 1, 1, 128, "8..128 chars with a letter and a digit", .text = BC_TEXT_OPAQUE},
    {"name", BC_F_STR, 1, 1, 60, "display name"},
    {"phone", BC_F_STR, 0, 0, 20, "optional phone number (find my ID), stored sealed", .text = BC_TEXT_OPAQUE},
    {"remember", BC_F_BOOL, 0, 0, 0, "keep me signed in (default true): false makes a session refresh token"},
    {NULL},
};
static const bc_field login_body[] = {
    {"email", BC_F_STR, 1, 1, 254, NULL, .text = BC_TEXT_OPAQUE},
    {"password", BC_F_STR, 1, 1, 128, NULL, .text = BC_TEXT_OPAQUE},
    {"remember", BC_F_BOOL, 0, 0, 0, "keep me signed in (default true): false makes a session refresh token"},
    {NULL},
};
static const bc_field refresh_body[] = {{"refresh_token", BC_F_STR, 1, 1, 128, NULL, .text = BC_TEXT_OPAQUE}, {NULL}};
static const bc_field logout_body[] = {
    {"refresh_token", BC_F_STR, 0, 1, 128, "revoke this token only; all when absent", .text = BC_TEXT_OPAQUE}, {NULL}};
static const bc_field admin_user_body[] = {
    {"role", BC_F_STR, 0, 1, 16, "buyer, seller or admin",
     .enums = (const char *const[]){"buyer", "seller", "admin", NULL}},
    {"blocked", BC_F_BOOL, 0, 0, 0,
     "true blocks the account (revokes its refresh tokens, closes its sockets), false unblocks (the reason is "
     "cleared)"},
    {"blocked_reason", BC_F_STR, 0, 0, BC_BLOCK_REASON_MAX,
     "why (required with blocked: true): kept, sent to the user in a notice and shown to them at login",
     .text = BC_TEXT_MULTI},
    {NULL},
};

const bc_route bc_accounts_routes[] = {
    {"POST", "/api/v1/auth/signup", 0, BC_RT_PWHASH, signup_body, h_signup, "auth",
     "Create a buyer account and sign in", 201, .response = &bc_sc_tokens, .location = "/api/v1/me",
     .errors = (const char *const[]){"EMAIL_TAKEN", "INVALID_EMAIL", "WEAK_PASSWORD", "RATE_LIMITED", NULL}},
    {"POST", "/api/v1/auth/login", 0, BC_RT_PWHASH, login_body, h_login, "auth", "Sign in with e-mail and password",
     200, .response = &bc_sc_tokens,
     .errors =
         (const char *const[]){"INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS", "RATE_LIMITED", "ACCOUNT_BLOCKED", NULL}},
    {"POST", "/api/v1/auth/refresh", 0, 0, refresh_body, h_refresh, "auth", "Rotate a refresh token for new tokens",
     200, .response = &bc_sc_tokens, .errors = (const char *const[]){"INVALID_REFRESH_TOKEN", NULL}},
    {"POST", "/api/v1/auth/logout", BC_ROLE_ANY, 0, logout_body, h_logout, "auth", "Revoke refresh tokens", 204},
    {"GET", "/api/v1/me", BC_ROLE_ANY, 0, NULL, h_me, "auth", "The signed-in user (with email_verified)", 200,
     .response = &sc_me, .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"PATCH", "/api/v1/admin/users/{id}", BC_ROLE_ADMIN, 0, admin_user_body, h_admin_user_patch, "admin",
     "Change a user's role or block (with a reason) / unblock them (applies at once)", 200,
     .response = &bc_sc_admin_user, .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"POST", "/api/v1/sellers/{id}/follow", BC_ROLE_ANY, 0, NULL, h_follow, "sellers",
     "Follow a seller (their followers-only chats accept you)", 200, .response = &sc_follow,
     .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/sellers/{id}/follow", BC_ROLE_ANY, 0, NULL, h_unfollow, "sellers", "Stop following a seller",
     200, .response = &sc_follow, .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {NULL},
};
