/* The accounts module's SQL: users and refresh tokens. Nothing else in src/accounts runs SQL. */
#include <sodium.h>
#include <string.h>

#include "../notices/notices.h"
#include "accounts.h"
#include "accounts_int.h"

void accounts_token_hash(const char *token, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
}

int accounts_store_insert(bc_db *db, const char *email, const char *name, const char *role, const char *hash,
                          int64_t *id)
{
    int rc = bc_db_int(
        db, id, "INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        "tttti", email, name, role, hash, bc_now_ms());
    if (rc == 1)
        return BC_OK;
    return rc == BC_ECONFLICT ? BC_ECONFLICT : BC_ERR;
}

int bc_accounts_user_get(bc_db *db, int64_t id, int with_blocked, json_t **out)
{
    *out = NULL;
    int rc = accounts_row_rc(bc_db_row(db, out,
                                       "SELECT id, email, name, role, created_at, blocked, blocked_reason, blocked_at,"
                                       " deleted_at FROM users WHERE id = ?",
                                       "i", id));
    if (rc != BC_OK)
        return rc;
    if (with_blocked) {
        json_object_set_new(*out, "blocked", json_boolean(json_integer_value(json_object_get(*out, "blocked"))));
    } else {
        json_object_del(*out, "blocked");
        json_object_del(*out, "blocked_reason");
        json_object_del(*out, "blocked_at");
        json_object_del(*out, "deleted_at");
    }
    return BC_OK;
}

#define NAMES_BATCH 50
#define Q5 "?, ?, ?, ?, ?, "
static const char names_sql[] =
    "SELECT id, name, role FROM users WHERE id IN (" Q5 Q5 Q5 Q5 Q5 Q5 Q5 Q5 Q5 " ?, ?, ?, ?, ?)";

int bc_accounts_user_names(bc_db *db, const int64_t *ids, size_t n, json_t **out)
{
    json_t *map = json_object();
    int rc = map ? BC_OK : BC_ENOMEM;
    for (size_t at = 0; rc == BC_OK && at < n; at += NAMES_BATCH) {
        bc_stmt *st = bc_db_prepare(db, names_sql);
        if (!st) {
            rc = BC_ERR;
            break;
        }
        for (int k = 0; k < NAMES_BATCH; k++) /* unused places get 0, which is never an id */
            bc_stmt_bind_int(st, k + 1, at + (size_t)k < n ? ids[at + (size_t)k] : 0);
        int step;
        while ((step = bc_stmt_step(st)) == 1) {
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)bc_stmt_int(st, 0));
            const char *name = bc_stmt_text(st, 1), *role = bc_stmt_text(st, 2);
            json_object_set_new(map, key, json_pack("{s:s,s:s}", "name", name ? name : "", "role", role ? role : ""));
        }
        bc_stmt_reset(st);
        if (step < 0)
            rc = step == BC_EBUSY ? BC_EBUSY : BC_ERR;
    }
    if (rc != BC_OK) {
        json_decref(map);
        map = NULL;
    }
    *out = map;
    return rc;
}

int bc_accounts_find_login(bc_db *db, const char *email, int64_t *id, char hash[128], int *blocked)
{
    bc_stmt *st = bc_db_prepare(db, "SELECT id, password_hash, blocked FROM users WHERE email = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_text(st, 1, email);
    int rc = accounts_row_rc(bc_stmt_step(st));
    if (rc == BC_OK) {
        *id = bc_stmt_int(st, 0);
        const char *h = bc_stmt_text(st, 1);
        snprintf(hash, 128, "%s", h ? h : "");
        *blocked = (int)bc_stmt_int(st, 2);
    }
    bc_stmt_reset(st);
    return rc;
}

int bc_accounts_status(bc_db *db, int64_t id, int *role, int *blocked)
{
    int verified = 0;
    return recovery_store_status(db, id, role, blocked, &verified);
}

int bc_accounts_find_id(bc_db *db, const char *email, int64_t *id)
{
    char lower[256];
    bc_email_normalize(email, lower, sizeof lower);
    return accounts_row_rc(bc_db_int(db, id, "SELECT id FROM users WHERE email = ?", "t", lower));
}

typedef struct update_args {
    int64_t id;
    const char *role;
    int blocked;
    const char *reason;        /* with blocked == 1: the reason kept and told to the user (NULL = none) */
    int new_role, new_blocked; /* out */
} update_args;

/* The notice telling a blocked user why: "이용이 제한된 계정입니다 / ...: <reason>", the reason cut
 * (at a character boundary) so that the text stays within BC_NOTICE_TEXT_MAX characters. */
static int notify_blocked(bc_db *db, int64_t id, const char *reason)
{
    static const char prefix[] = "이용이 제한된 계정입니다 / Your account is blocked. 사유 / Reason: ";
    char text[BC_NOTICE_TEXT_MAX * 4 + 1];
    size_t room = BC_NOTICE_TEXT_MAX - bc_utf8_len(prefix), n = 0, chars = 0;
    snprintf(text, sizeof text, "%s", prefix);
    size_t at = strlen(text);
    for (const unsigned char *p = (const unsigned char *)reason; *p && at + n + 4 < sizeof text; p++) {
        if ((*p & 0xC0) != 0x80 && ++chars > room)
            break;
        text[at + n++] = (char)(*p == '\n' || *p == '\r' ? ' ' : *p);
    }
    text[at + n] = 0;
    return bc_notice_add(db, id, "account.BLOCKED", 0, NULL, text);
}

/* The unit of work of accounts_store_update, run by bc_db_tx: the user's row is read first (FOR
 * UPDATE on PostgreSQL, so two admins' changes apply one after the other), then plain UPDATEs by
 * id; the final read sees this unit's own writes. A deleted account (users.deleted_at) is
 * BC_ENOTFOUND. */
static int update_tx(bc_db *db, void *arg)
{
    update_args *a = arg;
    json_t *row = NULL;
    int rc = accounts_row_rc(
        bc_db_row(db, &row,
                  bc_db_dialect_sql(db, "SELECT blocked, blocked_reason, deleted_at FROM users WHERE id = ?",
                                    "SELECT blocked, blocked_reason, deleted_at FROM users WHERE id = ? FOR UPDATE"),
                  "i", a->id));
    if (rc != BC_OK)
        goto out;
    if (!json_is_null(json_object_get(row, "deleted_at"))) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    int was_blocked = json_integer_value(json_object_get(row, "blocked")) != 0;
    const char *was_reason = json_string_value(json_object_get(row, "blocked_reason"));
    if (a->role && (rc = bc_db_exec(db, "UPDATE users SET role = ? WHERE id = ?", "ti", a->role, a->id)) < 0)
        goto out;
    if (a->blocked == 1) {
        /* blocked_at stays the time of the first block while the account stays blocked */
        if ((rc = bc_db_exec(db,
                             "UPDATE users SET blocked = 1, blocked_reason = ?,"
                             " blocked_at = CASE WHEN blocked = 1 AND blocked_at IS NOT NULL THEN blocked_at ELSE ? END"
                             " WHERE id = ?",
                             "tii", a->reason, bc_now_ms(), a->id)) < 0 ||
            (rc = bc_db_exec(db, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0", "i",
                             a->id)) < 0)
            goto out;
        if (a->reason && (!was_blocked || !was_reason || strcmp(was_reason, a->reason) != 0) &&
            (rc = notify_blocked(db, a->id, a->reason)) != BC_OK)
            goto out;
    } else if (a->blocked == 0 &&
               (rc = bc_db_exec(db,
                                "UPDATE users SET blocked = 0, blocked_reason = NULL, blocked_at = NULL WHERE id = ?",
                                "i", a->id)) < 0) {
        goto out;
    }
    rc = bc_accounts_status(db, a->id, &a->new_role, &a->new_blocked);
out:
    json_decref(row);
    return rc;
}

int accounts_store_update(bc_db *db, int64_t id, const char *role, int blocked, const char *reason, int *new_role,
                          int *new_blocked)
{
    update_args a = {id, role, blocked, reason, 0, 0};
    int rc = bc_db_tx(db, update_tx, &a);
    if (rc == BC_OK) {
        *new_role = a.new_role;
        *new_blocked = a.new_blocked;
    }
    return rc;
}

/* Inserts a refresh token row: persistent ("keep me signed in") lives bc_cfg.refresh_token_ttl_s,
 * else bc_cfg.session_refresh_ttl_s. Returns BC_OK or an error. */
static int insert_refresh(bc_db *db, int64_t user_id, const char *family, int persistent, char out[49])
{
    char rhash[65];
    bc_rand_token(out, 48);
    accounts_token_hash(out, rhash);
    int64_t now = bc_now_ms();
    int rc =
        bc_db_exec(db,
                   "INSERT INTO refresh_tokens (token_hash, user_id, expires_at, created_at, family_id, persistent) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   "tiiiti", rhash, user_id,
                   now + (int64_t)(persistent ? bc_cfg.refresh_token_ttl_s : bc_cfg.session_refresh_ttl_s) * 1000, now,
                   family ? family : rhash, (int64_t)(persistent != 0));
    return rc < 0 ? rc : BC_OK;
}

int bc_accounts_refresh_issue(bc_db *db, int64_t user_id, const char *family, int persistent, char out[49])
{
    return insert_refresh(db, user_id, family, persistent, out);
}

typedef struct rotate_args {
    const char *rhash;
    int64_t user_id; /* out */
    char out[49];    /* out: the new token */
    int reused;      /* out: 1 when this unit found a revoked token and revoked its family */
} rotate_args;

/* The unit of work of bc_accounts_refresh_rotate, run by bc_db_tx. The token's row is read FOR
 * UPDATE on PostgreSQL (SQLite holds its one write lock), so two concurrent uses of one token run
 * one after the other: the second sees it revoked, as a reuse, and ends the family (the token was
 * copied or replayed); it never mints a second successor. A reuse commits its revocation and
 * returns BC_OK with reused set. */
static int rotate_tx(bc_db *db, void *arg)
{
    rotate_args *a = arg;
    json_t *row = NULL;
    a->user_id = 0;
    a->reused = 0;
    int rc = accounts_row_rc(
        bc_db_row(db, &row,
                  bc_db_dialect_sql(db,
                                    "SELECT t.user_id, t.revoked, t.expires_at > ? AS live, t.family_id,"
                                    " t.persistent, u.blocked FROM refresh_tokens t JOIN users u ON u.id = t.user_id"
                                    " WHERE t.token_hash = ?",
                                    "SELECT t.user_id, t.revoked, t.expires_at > ? AS live, t.family_id,"
                                    " t.persistent, u.blocked FROM refresh_tokens t JOIN users u ON u.id = t.user_id"
                                    " WHERE t.token_hash = ? FOR UPDATE OF t"),
                  "it", bc_now_ms(), a->rhash));
    if (rc != BC_OK)
        goto out;
    a->user_id = json_integer_value(json_object_get(row, "user_id"));
    const char *family = json_string_value(json_object_get(row, "family_id"));
    if (json_integer_value(json_object_get(row, "revoked"))) {
        /* reuse of a rotated (or logged-out) token: someone holds a copy; end the whole family */
        rc = bc_db_exec(db, "UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ? AND revoked = 0", "t", family);
        if (rc > 0)
            bc_log_warn("accounts", "refresh token reuse for user %lld: token family revoked", (long long)a->user_id);
        if (rc >= 0) {
            a->reused = 1;
            rc = BC_OK;
        }
        goto out;
    }
    if (!json_integer_value(json_object_get(row, "live"))) {
        rc = BC_ENOTFOUND; /* expired */
        goto out;
    }
    if (json_integer_value(json_object_get(row, "blocked"))) {
        rc = BC_EFORBIDDEN;
        goto out;
    }
    if ((rc = bc_db_exec(db, "UPDATE refresh_tokens SET revoked = 1 WHERE token_hash = ? AND revoked = 0", "t",
                         a->rhash)) != 1) {
        rc = rc < 0 ? rc : BC_ECONFLICT;
        goto out;
    }
    rc = insert_refresh(db, a->user_id, family, (int)json_integer_value(json_object_get(row, "persistent")), a->out);
out:
    json_decref(row);
    return rc;
}

int bc_accounts_refresh_rotate(bc_db *db, const char *token, int64_t *user_id, char out[49])
{
    char rhash[65];
    accounts_token_hash(token, rhash);
    rotate_args a = {rhash, 0, "", 0};
    int rc = bc_db_tx(db, rotate_tx, &a);
    *user_id = a.user_id;
    if (rc == BC_OK && a.reused)
        rc = BC_ECONFLICT;
    else if (rc == BC_OK)
        memcpy(out, a.out, sizeof a.out);
    sodium_memzero(a.out, sizeof a.out);
    return rc;
}

int bc_accounts_logout(bc_db *db, int64_t user_id, const char *token)
{
    int rc;
    if (token) {
        char rhash[65];
        accounts_token_hash(token, rhash);
        rc = bc_db_exec(db, "UPDATE refresh_tokens SET revoked = 1 WHERE token_hash = ? AND user_id = ?", "ti", rhash,
                        user_id);
    } else {
        rc = bc_db_exec(db, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?", "i", user_id);
    }
    return rc < 0 ? rc : BC_OK;
}

/* ---- seller follows (migration 19) ---- */

int bc_accounts_follow(bc_db *db, int64_t user_id, int64_t seller_id, int follow, int64_t *followers)
{
    int role = 0, blocked = 0;
    int rc = bc_accounts_status(db, seller_id, &role, &blocked);
    if (rc != BC_OK)
        return rc;
    if (role != BC_ROLE_SELLER || blocked)
        return BC_ENOTFOUND;
    if (user_id == seller_id)
        return BC_EINVAL;
    int n = follow ? bc_db_exec(db,
                                "INSERT INTO seller_follows (seller_id, user_id, created_at) VALUES (?, ?, ?)"
                                " ON CONFLICT (seller_id, user_id) DO NOTHING",
                                "iii", seller_id, user_id, bc_now_ms())
                   : bc_db_exec(db, "DELETE FROM seller_follows WHERE seller_id = ? AND user_id = ?", "ii", seller_id,
                                user_id);
    if (n < 0)
        return n;
    return accounts_row_rc(
        bc_db_int(db, followers, "SELECT COUNT(*) FROM seller_follows WHERE seller_id = ?", "i", seller_id));
}

int bc_accounts_follows(bc_db *db, int64_t user_id, int64_t seller_id, int *out)
{
    int64_t one = 0;
    int r = bc_db_int(db, &one, "SELECT 1 FROM seller_follows WHERE seller_id = ? AND user_id = ?", "ii", seller_id,
                      user_id);
    *out = r == 1;
    return r < 0 ? r : BC_OK;
}
