/* E-mail verification, find my ID, password reset and change. Routes and checks here; the SQL in
 * recovery_store.c; mails through the notices outbox (bc_notice_add_mail). */
#include <ctype.h>
#include <sodium.h>
#include <string.h>

#include "accounts.h"
#include "accounts_int.h"

int bc_phone_normalize(const char *phone, char out[16])
{
    size_t n = 0;
    out[0] = 0;
    if (!phone)
        return BC_EINVAL;
    const char *p = phone;
    if (strncmp(p, "+82", 3) == 0) {
        p += 3;
        out[n++] = '0';
    }
    for (; *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        if (!isdigit((unsigned char)*p) || n >= 11)
            return BC_EINVAL;
        out[n++] = *p;
    }
    out[n] = 0;
    if (n > 1 && out[0] == '0' && out[1] == '0') /* "+82 010..." */
        memmove(out, out + 1, n--);
    return n >= 9 && n <= 11 && out[0] == '0' ? BC_OK : BC_EINVAL;
}

void bc_email_mask(const char *email, char *out, size_t cap)
{
    const char *at = strchr(email, '@');
    if (!at || at == email) {
        snprintf(out, cap, "***");
        return;
    }
    snprintf(out, cap, "%c***%s", email[0], at);
}

int bc_accounts_signup(bc_db *db, const char *email, const char *password, const char *name, const char *phone,
                       int64_t *id)
{
    char hash[128], lower[256];
    int rc = BC_EINVAL, limited = 0;
    if (bc_email_check(email) != BC_OK || bc_password_check_strength(password) != BC_OK || !name || !*name)
        goto out;
    rc = BC_ENOMEM;
    if (bc_password_hash(password, hash) != BC_OK)
        goto out;
    bc_email_normalize(email, lower, sizeof lower);
    rc = accounts_store_insert(db, lower, name, "buyer", hash, id);
    sodium_memzero(hash, sizeof hash);
    if (rc != BC_OK)
        goto out;
    bc_accounts_cache_invalidate(*id);
    if ((rc = recovery_store_signup_extra(db, *id, phone, 0)) != BC_OK)
        goto out;
    rc = recovery_store_issue(db, *id, 0, &limited);
out:
    return rc;
}

static void send_limited_hour(bc_req *req, const char *what)
{
    accounts_send_retry(req, 429, "RATE_LIMITED", what, 3600);
}

/* POST /api/v1/auth/verify/send: a new verification link for the signed-in user. */
static void h_verify_send(bc_req *req)
{
    const bc_auth *a = bc_req_auth(req);
    int role = 0, blocked = 0, verified = 0, limited = 0;
    int rc = recovery_store_status(bc_req_db(req), a->user_id, &role, &blocked, &verified);
    if (rc == BC_OK && verified) {
        bc_res_error(req, 409, "EMAIL_ALREADY_VERIFIED", "the e-mail address is already verified");
        return;
    }
    if (rc == BC_OK)
        rc = recovery_store_issue(bc_req_db(req), a->user_id, 0, &limited);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    if (limited) {
        send_limited_hour(req, "too many verification mails for this account");
        return;
    }
    bc_res_json(req, 202, json_pack("{s:b}", "sent", 1));
}

/* Answers a refused recovery_store_consume (rc, why) and returns 1; 0 when the link was taken. */
static int link_refused(bc_req *req, int rc, int why)
{
    if (rc != BC_OK && rc != BC_ECONFLICT)
        bc_res_from_err(req, rc);
    else if (rc == BC_ECONFLICT || why == 1)
        bc_res_error(req, 400, "LINK_INVALID", "the link is unknown or was already used");
    else if (why == 2)
        bc_res_error(req, 400, "LINK_EXPIRED", "the link expired; ask for a new one");
    else
        return 0;
    return 1;
}

/* POST /api/v1/auth/verify {token} */
static void h_verify(bc_req *req)
{
    const char *token = json_string_value(json_object_get(bc_req_json(req), "token"));
    int64_t uid = 0;
    int why = 0, rc = recovery_store_consume(bc_req_db(req), token, 0, NULL, &uid, &why);
    if (link_refused(req, rc, why))
        return;
    bc_accounts_cache_refresh(bc_req_db(req), uid);
    bc_res_json(req, 200, json_pack("{s:b}", "verified", 1));
}

/* POST /api/v1/auth/find-id {name, phone}: always 200 with the masked e-mails (maybe none). */
static void h_find_id(bc_req *req)
{
    json_t *body = bc_req_json(req), *rows = NULL, *items = json_array();
    const char *name = json_string_value(json_object_get(body, "name"));
    char phone[16];
    int64_t retry_s = 0;
    int rc = bc_limit_take(BC_LIMIT_PASSWORD_RESET, bc_req_client_ip(req), bc_now_ms(), &retry_s);
    if (rc != BC_OK) {
        accounts_send_limited(req, rc, retry_s, "too many account recovery requests from this address");
        goto out;
    }
    if (bc_phone_normalize(json_string_value(json_object_get(body, "phone")), phone) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'phone' must be a phone number such as 010-1234-5678");
        goto out;
    }
    if ((rc = recovery_store_find_id(bc_req_db(req), name, phone, &rows)) != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        char masked[300];
        bc_email_mask(json_string_value(json_object_get(r, "email")), masked, sizeof masked);
        json_array_append_new(items,
                              json_pack("{s:s,s:O}", "email", masked, "created_at", json_object_get(r, "created_at")));
    }
    bc_res_json(req, 200, json_pack("{s:O}", "items", items));
out:
    json_decref(rows);
    json_decref(items);
}

/* POST /api/v1/auth/password/reset-request {email}: 202 whether or not the account exists. */
static void h_reset_request(bc_req *req)
{
    const char *email = json_string_value(json_object_get(bc_req_json(req), "email"));
    int64_t retry_s = 0, id = 0;
    int rc = bc_limit_take(BC_LIMIT_PASSWORD_RESET, bc_req_client_ip(req), bc_now_ms(), &retry_s);
    if (rc != BC_OK) {
        accounts_send_limited(req, rc, retry_s, "too many password-reset requests from this address");
        return;
    }
    rc = bc_accounts_find_id(bc_req_db(req), email, &id);
    if (rc == BC_OK) {
        int limited = 0; /* the account's hourly budget: beyond it nothing is sent, and nothing said */
        rc = recovery_store_issue(bc_req_db(req), id, 1, &limited);
    }
    if (rc != BC_OK && rc != BC_ENOTFOUND) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 202, json_pack("{s:b}", "accepted", 1));
}

/* POST /api/v1/auth/password/reset {token, password} */
static void h_reset(bc_req *req)
{
    json_t *body = bc_req_json(req);
    const char *token = json_string_value(json_object_get(body, "token"));
    const char *password = json_string_value(json_object_get(body, "password"));
    char hash[128];
    if (bc_password_check_strength(password) != BC_OK) {
        bc_res_error(req, 422, "WEAK_PASSWORD", "the password needs 8 to 128 characters with a letter and a digit");
        return;
    }
    if (bc_password_hash(password, hash) != BC_OK) {
        bc_res_from_err(req, BC_ENOMEM);
        return;
    }
    int64_t uid = 0;
    int why = 0, rc = recovery_store_consume(bc_req_db(req), token, 1, hash, &uid, &why);
    sodium_memzero(hash, sizeof hash);
    if (link_refused(req, rc, why))
        return;
    bc_accounts_cache_refresh(bc_req_db(req), uid);
    bc_res_send(req, 204, "application/json", "", 0);
}

/* POST /api/v1/me/password {current_password, new_password, refresh_token?} */
static void h_me_password(bc_req *req)
{
    json_t *body = bc_req_json(req);
    const char *cur = json_string_value(json_object_get(body, "current_password"));
    const char *next = json_string_value(json_object_get(body, "new_password"));
    const char *keep = json_string_value(json_object_get(body, "refresh_token"));
    char hash[128] = "", email[256] = "";
    bc_login_ticket t;
    int64_t retry_s = 0, uid = bc_req_auth(req)->user_id;
    int why = 0, rc = recovery_store_password_get(bc_req_db(req), uid, hash, email);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    if (bc_password_check_strength(next) != BC_OK) {
        bc_res_error(req, 422, "WEAK_PASSWORD", "the password needs 8 to 128 characters with a letter and a digit");
        goto out;
    }
    /* guesses at the current password count as failed logins of the account */
    if (bc_login_begin(email, bc_req_client_ip(req), bc_now_ms(), &t, &retry_s, &why) != BC_OK) {
        accounts_send_retry(req, 429, "TOO_MANY_ATTEMPTS", "too many wrong passwords", retry_s);
        goto out;
    }
    int ok = hash[0] && bc_password_verify(hash, cur) == BC_OK;
    bc_login_finish(&t, ok);
    if (!ok) {
        bc_res_error(req, 403, "WRONG_PASSWORD", "the current password is wrong");
        goto out;
    }
    if (bc_password_hash(next, hash) != BC_OK) {
        bc_res_from_err(req, BC_ENOMEM);
        goto out;
    }
    if ((rc = recovery_store_password_set(bc_req_db(req), uid, hash, keep)) != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    bc_res_send(req, 204, "application/json", "", 0);
out:
    sodium_memzero(hash, sizeof hash);
}

static const bc_schema sc_flag = {"AccountFlag",
                                  "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"boolean\"}}", NULL};
static const bc_schema sc_find_id = {
    "FoundIds",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\",\"required\":[\"email\",\"created_at\"],\"properties\":{\"email\":{\"type\":\"string\"},"
    "\"created_at\":{\"type\":\"integer\"}}}}}}",
    NULL};

static const bc_field token_body[] = {
    {"token", BC_F_STR, 1, 1, 128, "the token of the mailed link", .text = BC_TEXT_OPAQUE}, {NULL}};
static const bc_field find_id_body[] = {{"name", BC_F_STR, 1, 1, 60, "the account's name"},
                                        {"phone", BC_F_STR, 1, 9, 20, "phone number given at sign-up",
                                         .text = BC_TEXT_OPAQUE, .example = "\"010-1234-5678\""},
                                        {NULL}};
static const bc_field reset_req_body[] = {{"email", BC_F_STR, 1, 1, 254, NULL, .text = BC_TEXT_OPAQUE}, {NULL}};
static const bc_field reset_body[] = {
    {"token", BC_F_STR, 1, 1, 128, "the token of the mailed link", .text = BC_TEXT_OPAQUE},
    {"password", BC_F_STR, 1, 1, 128, "the new password", .text = BC_TEXT_OPAQUE},
    {NULL}};
static const bc_field me_password_body[] = {
    {"current_password", BC_F_STR, 1, 1, 128, NULL, .text = BC_TEXT_OPAQUE},
    {"new_password", BC_F_STR, 1, 1, 128, "8..128 chars with a letter and a digit", .text = BC_TEXT_OPAQUE},
    {"refresh_token", BC_F_STR, 0, 1, 128, "this session's refresh token: it stays valid, every other is revoked",
     .text = BC_TEXT_OPAQUE},
    {NULL}};

const bc_route bc_recovery_routes[] = {
    {"POST", "/api/v1/auth/verify/send", BC_ROLE_ANY, 0, NULL, h_verify_send, "auth",
     "Mail a new e-mail verification link (single use, 24 h)", 202, .response = &sc_flag,
     .errors = (const char *const[]){"EMAIL_ALREADY_VERIFIED", "RATE_LIMITED", NULL}},
    {"POST", "/api/v1/auth/verify", 0, 0, token_body, h_verify, "auth",
     "Verify the e-mail address with the mailed token", 200, .response = &sc_flag,
     .errors = (const char *const[]){"LINK_INVALID", "LINK_EXPIRED", NULL}},
    {"POST", "/api/v1/auth/find-id", 0, 0, find_id_body, h_find_id, "auth",
     "Find my ID: the masked e-mails of the accounts with this name and phone", 200, .response = &sc_find_id,
     .errors = (const char *const[]){"RATE_LIMITED", NULL}},
    {"POST", "/api/v1/auth/password/reset-request", 0, 0, reset_req_body, h_reset_request, "auth",
     "Mail a password reset link (single use, 30 min); 202 whether or not the account exists", 202,
     .response = &sc_flag, .errors = (const char *const[]){"RATE_LIMITED", NULL}},
    {"POST", "/api/v1/auth/password/reset", 0, BC_RT_PWHASH, reset_body, h_reset, "auth",
     "Set a new password with the mailed token (every refresh token is revoked)", 204,
     .errors = (const char *const[]){"LINK_INVALID", "LINK_EXPIRED", "WEAK_PASSWORD", NULL}},
    {"POST", "/api/v1/me/password", BC_ROLE_ANY, BC_RT_PWHASH, me_password_body, h_me_password, "auth",
     "Change the password (the current one needed; other sessions' refresh tokens are revoked)", 204,
     .errors = (const char *const[]){"WRONG_PASSWORD", "WEAK_PASSWORD", "TOO_MANY_ATTEMPTS", NULL}},
    {NULL},
};
