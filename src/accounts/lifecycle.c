/* Blocking with a reason (the admin's user list) and account deletion (회원 탈퇴), with the daily
 * retention purge of deleted accounts' shipping addresses. Routes and checks here; the SQL in
 * lifecycle_store.c; open orders and the purge asked of commerce, lives on air of live. */
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../commerce/commerce.h"
#include "../catalog/catalog.h"
#include "../live/live.h"
#include "../reviews/reviews.h"
#include "accounts.h"
#include "accounts_int.h"

/* GET /api/v1/admin/users?q=&role=&blocked=&page=&per_page= */
static void h_admin_users(bc_req *req)
{
    const char *blocked = bc_req_query_str(req, "blocked");
    json_t *out = NULL;
    int rc = bc_accounts_admin_list(bc_req_db(req), bc_req_query_str(req, "q"), bc_req_query_str(req, "role"),
                                    !blocked ? -1 : strcmp(blocked, "true") == 0, bc_req_query_int(req, "page", 1),
                                    bc_req_query_int(req, "per_page", 20), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

/* GET /api/v1/admin/users/{id} */
static void h_admin_user(bc_req *req)
{
    int64_t id;
    json_t *u = NULL;
    int rc = bc_req_param_id(req, "id", &id) == BC_OK ? bc_accounts_user_get(bc_req_db(req), id, 1, &u) : BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "NOT_FOUND", "no such user");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, u);
}

/* Whether seller_id has a live on air (status LIVE). BC_OK or an error. */
static int live_on_air(bc_db *db, int64_t seller_id, int *on_air)
{
    json_t *lives = NULL, *l;
    size_t i;
    *on_air = 0;
    int rc = bc_live_list(db, NULL, seller_id, 0, &lives);
    if (rc != BC_OK)
        return rc;
    json_array_foreach (lives, i, l) {
        const char *st = json_string_value(json_object_get(l, "status"));
        if (st && strcmp(st, "LIVE") == 0)
            *on_air = 1;
    }
    json_decref(lives);
    return BC_OK;
}

/* Answers 409 when user id (role) still has something under way and returns 1; 0 when free to go
 * (or, having answered an error, 1). */
static int still_busy(bc_req *req, int64_t id, int role)
{
    bc_db *db = bc_req_db(req);
    int64_t n = 0;
    int on_air = 0, rc = BC_OK;
    if (role == BC_ROLE_SELLER) {
        if ((rc = bc_orders_open_count(db, id, 1, &n)) == BC_OK && n == 0)
            rc = live_on_air(db, id, &on_air);
        if (rc == BC_OK && (n > 0 || on_air)) {
            if (n > 0)
                bc_res_error(req, 409, "ACCOUNT_HAS_OPEN_SALES",
                             "%lld orders of yours are not finished yet (paid, not delivered, or a cancel/return under "
                             "way): fulfil them first",
                             (long long)n);
            else
                bc_res_error(req, 409, "ACCOUNT_HAS_OPEN_SALES", "one of your lives is on air: end it first");
            return 1;
        }
    }
    if (rc == BC_OK && (rc = bc_orders_open_count(db, id, 0, &n)) == BC_OK && n > 0) {
        bc_res_error(req, 409, "ACCOUNT_HAS_OPEN_ORDERS",
                     "%lld of your orders are in progress (paid, not delivered, or a cancel/return under way): wait "
                     "for them or cancel them first",
                     (long long)n);
        return 1;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return 1;
    }
    return 0;
}

/* DELETE /api/v1/me {password} or, for an account without a password (social sign-in only),
 * {confirm: "DELETE"}: deletes (anonymises) the caller's account. */
static void h_delete_me(bc_req *req)
{
    json_t *body = bc_req_json(req);
    const char *password = json_string_value(json_object_get(body, "password"));
    const char *confirm = json_string_value(json_object_get(body, "confirm"));
    const bc_auth *a = bc_req_auth(req);
    char hash[128] = "", email[256] = "";
    int rc = recovery_store_password_get(bc_req_db(req), a->user_id, hash, email);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    if (a->role == BC_ROLE_ADMIN) {
        bc_res_error(req, 403, "ADMIN_SELF_DELETE", "an admin account is closed by another admin (demote it first)");
        goto out;
    }
    if (!hash[0]) { /* social sign-in only: no password to ask for */
        if (!confirm || strcmp(confirm, "DELETE") != 0) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "this account has no password: send {\"confirm\": \"DELETE\"}");
            goto out;
        }
    } else {
        if (!password) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'password' is required");
            goto out;
        }
        /* guesses at the password count as failed logins of the account */
        bc_login_ticket t;
        int64_t retry_s = 0;
        int why = 0;
        if (bc_login_begin(email, bc_req_client_ip(req), bc_now_ms(), &t, &retry_s, &why) != BC_OK) {
            accounts_send_retry(req, 429, "TOO_MANY_ATTEMPTS", "too many wrong passwords", retry_s);
            goto out;
        }
        int ok = bc_password_verify(hash, password) == BC_OK;
        bc_login_finish(&t, ok);
        if (!ok) {
            bc_res_error(req, 403, "WRONG_PASSWORD", "the password is wrong");
            goto out;
        }
    }
    if (still_busy(req, a->user_id, a->role))
        goto out;
    rc = bc_accounts_delete(bc_req_db(req), a->user_id);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    bc_accounts_cache_invalidate(a->user_id);
    bc_accounts_cache_refresh(bc_req_db(req), a->user_id); /* now blocked: every token of theirs is refused */
    /* the other modules' traces that count in public figures: wishes and review likes */
    int64_t wishes = 0, likes = 0;
    if (bc_catalog_wishes_drop_user(bc_req_db(req), a->user_id, &wishes) != BC_OK ||
        bc_review_likes_drop_user(bc_req_db(req), a->user_id, &likes) != BC_OK)
        bc_log_warn("accounts", "account %lld deleted; its wishes or likes were not all taken back",
                    (long long)a->user_id);
    bc_hub_close_user(a->user_id, 1008, "account deleted");
    bc_log_info("accounts", "account %lld deleted by its owner", (long long)a->user_id);
    bc_res_send(req, 204, "application/json", "", 0);
out:
    sodium_memzero(hash, sizeof hash);
}

/* ---- the retention purge ---- */

static _Atomic int64_t retention_last_ms; /* 0: not run yet in this process */

int bc_accounts_retention_due(bc_db *db, int64_t now_ms)
{
    int64_t last = atomic_load(&retention_last_ms);
    if ((last && now_ms - last < BC_RETENTION_EVERY_MS) ||
        !atomic_compare_exchange_strong(&retention_last_ms, &last, now_ms))
        return 0;
    int64_t before = now_ms - (int64_t)bc_cfg.order_retention_days * 24 * 3600 * 1000, after = 0, total = 0;
    int64_t ids[100];
    int n = 0, rc;
    do {
        int64_t erased = 0;
        if ((rc = bc_accounts_deleted_ids(db, after, ids, 100, &n)) != BC_OK ||
            (rc = bc_orders_retention_erase(db, ids, (size_t)n, before, &erased)) != BC_OK) {
            bc_log_warn("accounts", "retention purge failed (%d); trying again in a minute", rc);
            /* due again one minute from now */
            atomic_store(&retention_last_ms, now_ms - BC_RETENTION_EVERY_MS + 60000);
            return rc;
        }
        total += erased;
        if (n > 0)
            after = ids[n - 1];
    } while (n == 100);
    if (total > 0)
        bc_log_info("accounts", "retention: erased the shipping address of %lld orders of deleted accounts",
                    (long long)total);
    return (int)(total > INT32_MAX ? INT32_MAX : total);
}

/* ---- route table ---- */

static const bc_schema sc_admin_user_page = {
    "AdminUserPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{"
    "\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/AdminUser\"}},\"page\":{\"type\":\"integer\"},"
    "\"per_page\":{\"type\":\"integer\"},\"total\":{\"type\":\"integer\"}}}",
    (const bc_schema *const[]){&bc_sc_admin_user, NULL}};

static const char *const roles[] = {"buyer", "seller", "admin", NULL};
static const char *const bools[] = {"true", "false", NULL};
static const bc_field admin_users_query[] = {
    {"q", BC_F_STR, 0, 1, 100, "a part of the e-mail or the name (case-insensitive)"},
    {"role", BC_F_STR, 0, 0, 0, "only this role", .enums = roles},
    {"blocked", BC_F_STR, 0, 0, 0, "true: blocked (and deleted) accounts only; false: active ones only",
     .enums = bools},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};
static const bc_field delete_me_body[] = {
    {"password", BC_F_STR, 0, 1, 128, "the account's password (required when it has one)", .text = BC_TEXT_OPAQUE},
    {"confirm", BC_F_STR, 0, 1, 16, "\"DELETE\": the confirmation of an account without a password (social sign-in)",
     .text = BC_TEXT_OPAQUE},
    {NULL},
};

const bc_route bc_lifecycle_routes[] = {
    {"GET", "/api/v1/admin/users", BC_ROLE_ADMIN, 0, NULL, h_admin_users, "admin",
     "Users, newest first: search by e-mail or name, filter by role and blocked, one page at a time", 200,
     .query = admin_users_query, .response = &sc_admin_user_page},
    {"GET", "/api/v1/admin/users/{id}", BC_ROLE_ADMIN, 0, NULL, h_admin_user, "admin",
     "One user with the block reason and the deletion time", 200, .response = &bc_sc_admin_user,
     .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/me", BC_ROLE_ANY, BC_RT_PWHASH, delete_me_body, h_delete_me, "auth",
     "Delete my account (회원 탈퇴): anonymised at once, every session signed out; orders are kept", 204,
     .errors = (const char *const[]){"WRONG_PASSWORD", "TOO_MANY_ATTEMPTS", "ACCOUNT_HAS_OPEN_ORDERS",
                                     "ACCOUNT_HAS_OPEN_SALES", "ADMIN_SELF_DELETE", NULL}},
    {NULL},
};
