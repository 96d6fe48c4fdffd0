/* The SQL of e-mail verification, find my ID, password reset and change (account_tokens and the
 * users columns email_verified_at, phone, phone_hash, password_changed_at). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../notices/notices.h"
#include "accounts.h"
#include "accounts_int.h"

int recovery_store_status(bc_db *db, int64_t id, int *role, int *blocked, int *verified)
{
    bc_stmt *st = bc_db_prepare(db, "SELECT role, blocked, email_verified_at FROM users WHERE id = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, id);
    int rc = accounts_row_rc(bc_stmt_step(st));
    if (rc == BC_OK) {
        *role = bc_role_from_name(bc_stmt_text(st, 0));
        *blocked = (int)bc_stmt_int(st, 1);
        *verified = bc_stmt_int(st, 2) > 0;
    }
    bc_stmt_reset(st);
    return rc;
}

int recovery_store_signup_extra(bc_db *db, int64_t id, const char *phone, int verified)
{
    int rc = BC_OK;
    char *sealed = NULL;
    if (verified &&
        (rc = bc_db_exec(db, "UPDATE users SET email_verified_at = ? WHERE id = ?", "ii", bc_now_ms(), id)) < 0)
        goto out;
    rc = BC_OK;
    if (phone && *phone) {
        char ad[64], lookup[BC_SEAL_LOOKUP_LEN + 1];
        snprintf(ad, sizeof ad, "users.phone:%lld", (long long)id);
        if ((rc = bc_seal(ad, phone, &sealed)) != BC_OK || (rc = bc_seal_lookup("users.phone", phone, lookup)) != BC_OK)
            goto out;
        rc = bc_db_exec(db, "UPDATE users SET phone = ?, phone_hash = ? WHERE id = ?", "tti", sealed, lookup, id);
        rc = rc < 0 ? rc : BC_OK;
    }
out:
    free(sealed);
    return rc;
}

typedef struct issue_args {
    int64_t user_id;
    const char *purpose;
    int64_t ttl_ms;
    int rate; /* per hour */
    char token[49];
    int limited;
    const char *kind, *text, *subject, *link_fmt; /* link_fmt: printf with %s public_url, %s token */
    const char *body_fmt;                         /* printf with %s name, %s link */
} issue_args;

static int issue_tx(bc_db *db, void *arg)
{
    issue_args *a = arg;
    json_t *u = NULL;
    char *link = NULL, *body = NULL;
    int64_t now = bc_now_ms(), n = 0;
    a->limited = 0;
    /* the user's row locked on PostgreSQL, so concurrent requests count one after the other */
    int rc = accounts_row_rc(bc_db_row(db, &u,
                                       bc_db_dialect_sql(db, "SELECT email, name FROM users WHERE id = ?",
                                                         "SELECT email, name FROM users WHERE id = ? FOR UPDATE"),
                                       "i", a->user_id));
    if (rc != BC_OK)
        goto out;
    if ((rc = bc_db_int(db, &n,
                        "SELECT count(*) FROM account_tokens WHERE user_id = ? AND purpose = ? AND created_at > ?",
                        "iti", a->user_id, a->purpose, now - 3600000)) < 0)
        goto out;
    if (n >= a->rate) {
        a->limited = 1;
        rc = BC_OK;
        goto out;
    }
    char th[65];
    bc_rand_token(a->token, 48);
    accounts_token_hash(a->token, th);
    const char *email = json_string_value(json_object_get(u, "email"));
    const char *name = json_string_value(json_object_get(u, "name"));
    if ((rc = bc_db_exec(db,
                         "INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         "tittii", th, a->user_id, a->purpose, email ? email : "", now, now + a->ttl_ms)) < 0)
        goto out;
    if (asprintf(&link, a->link_fmt, bc_cfg.public_url, a->token) < 0)
        link = NULL;
    if (link && asprintf(&body, a->body_fmt, name ? name : "", link, link) < 0)
        body = NULL;
    if (!link || !body) {
        rc = BC_ENOMEM;
        goto out;
    }
    rc = bc_notice_add_mail(db, a->user_id, a->kind, a->text, a->subject, body);
out:
    if (body) {
        sodium_memzero(body, strlen(body));
        free(body);
    }
    if (link) {
        sodium_memzero(link, strlen(link));
        free(link);
    }
    json_decref(u);
    return rc;
}

int recovery_store_issue(bc_db *db, int64_t user_id, int reset, int *limited)
{
    issue_args a = {.user_id = user_id, .rate = bc_cfg.verify_mail_rate};
    if (reset) {
        a.purpose = "reset";
        a.ttl_ms = 30LL * 60 * 1000;
        a.kind = "account.password_reset";
        a.text = "비밀번호 재설정 메일을 보냈습니다 / We sent you a password reset e-mail";
        a.subject = "[Broadcart] 비밀번호 재설정 / Reset your password";
        a.link_fmt = "%s/#/reset/confirm?token=%s";
        a.body_fmt = "%s 님,\n\n아래 링크에서 새 비밀번호를 정하세요 (30분 동안, 한 번만 쓸 수 있습니다).\n"
                     "Choose a new password with this link (valid 30 minutes, once):\n\n%s\n\n"
                     "요청하지 않았다면 이 메일을 무시하세요. / If you did not ask for this, ignore this "
                     "mail.\n%.0s-- \nBroadcart\n";
    } else {
        a.purpose = "verify";
        a.ttl_ms = 24LL * 3600 * 1000;
        a.kind = "account.verify_email";
        a.text = "이메일 인증 메일을 보냈습니다 / We sent you a verification e-mail";
        a.subject = "[Broadcart] 이메일 인증 / Verify your e-mail address";
        a.link_fmt = "%s/#/verify?token=%s";
        a.body_fmt = "%s 님,\n\n아래 링크를 열어 이메일 주소를 인증하세요 (24시간 동안, 한 번만 쓸 수 "
                     "있습니다).\nOpen this link to verify your e-mail address (valid 24 hours, once):\n\n%s\n"
                     "%.0s\n-- \nBroadcart\n";
    }
    int rc = bc_db_tx(db, issue_tx, &a);
    sodium_memzero(a.token, sizeof a.token);
    *limited = a.limited;
    return rc;
}

typedef struct consume_args {
    char th[65];
    const char *purpose;
    const char *new_hash; /* reset: the new password's hash */
    int64_t user_id;      /* out */
    int why;              /* out: 1 invalid, 2 expired */
} consume_args;

static int consume_tx(bc_db *db, void *arg)
{
    consume_args *a = arg;
    json_t *row = NULL;
    int64_t now = bc_now_ms();
    a->why = 0;
    int rc = accounts_row_rc(bc_db_row(
        db, &row,
        bc_db_dialect_sql(db,
                          "SELECT t.user_id, t.expires_at, t.used_at, t.email = u.email AS same FROM account_tokens t"
                          " JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.purpose = ?",
                          "SELECT t.user_id, t.expires_at, t.used_at, t.email = u.email AS same FROM account_tokens t"
                          " JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.purpose = ? FOR UPDATE OF t"),
        "tt", a->th, a->purpose));
    if (rc == BC_ENOTFOUND) {
        a->why = 1;
        rc = BC_OK;
        goto out;
    }
    if (rc != BC_OK)
        goto out;
    a->user_id = json_integer_value(json_object_get(row, "user_id"));
    json_t *same = json_object_get(row, "same");
    if (!json_is_null(json_object_get(row, "used_at")) || !(json_is_true(same) || json_integer_value(same) == 1)) {
        a->why = 1;
        goto out;
    }
    if (json_integer_value(json_object_get(row, "expires_at")) <= now) {
        a->why = 2;
        goto out;
    }
    if ((rc = bc_db_exec(db, "UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", "it",
                         now, a->th)) != 1) {
        rc = rc < 0 ? rc : BC_ECONFLICT;
        goto out;
    }
    if (a->new_hash) {
        /* the link proves the mailbox too; every other reset link and every refresh token ends */
        if ((rc = bc_db_exec(db,
                             "UPDATE users SET password_hash = ?, password_changed_at = ?,"
                             " email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?",
                             "tiii", a->new_hash, now, now, a->user_id)) < 0 ||
            (rc = bc_db_exec(db,
                             "UPDATE account_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'reset'"
                             " AND used_at IS NULL",
                             "ii", now, a->user_id)) < 0 ||
            (rc = bc_db_exec(db, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0", "i",
                             a->user_id)) < 0)
            goto out;
    } else if ((rc = bc_db_exec(db, "UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?",
                                "ii", now, a->user_id)) < 0) {
        goto out;
    }
    rc = BC_OK;
out:
    json_decref(row);
    return rc;
}

int recovery_store_consume(bc_db *db, const char *token, int reset, const char *new_hash, int64_t *user_id, int *why)
{
    consume_args a = {.purpose = reset ? "reset" : "verify", .new_hash = new_hash};
    accounts_token_hash(token, a.th);
    int rc = bc_db_tx(db, consume_tx, &a);
    *user_id = a.user_id;
    *why = a.why;
    return rc;
}

int recovery_store_find_id(bc_db *db, const char *name, const char *phone, json_t **rows)
{
    char lookup[BC_SEAL_LOOKUP_LEN + 1];
    *rows = NULL;
    int rc = bc_seal_lookup("users.phone", phone, lookup);
    if (rc != BC_OK)
        return rc;
    rc = bc_db_rows(db, rows,
                    "SELECT email, created_at FROM users WHERE phone_hash = ? AND name = ? AND deleted_at IS NULL"
                    " ORDER BY id LIMIT 10",
                    "tt", lookup, name);
    return rc < 0 ? rc : BC_OK;
}

int recovery_store_password_get(bc_db *db, int64_t id, char hash[128], char email[256])
{
    json_t *row = NULL;
    int rc = accounts_row_rc(bc_db_row(db, &row, "SELECT password_hash, email FROM users WHERE id = ?", "i", id));
    if (rc == BC_OK) {
        const char *h = json_string_value(json_object_get(row, "password_hash"));
        const char *e = json_string_value(json_object_get(row, "email"));
        snprintf(hash, 128, "%s", h ? h : "");
        snprintf(email, 256, "%s", e ? e : "");
    }
    json_decref(row);
    return rc;
}

typedef struct pw_args {
    int64_t id;
    const char *hash, *keep; /* keep: hash of the caller's refresh token (its family survives), or NULL */
} pw_args;

static int pw_tx(bc_db *db, void *arg)
{
    pw_args *a = arg;
    int rc = bc_db_exec(db, "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?", "tii", a->hash,
                        bc_now_ms(), a->id);
    if (rc < 0)
        return rc;
    if (a->keep)
        rc = bc_db_exec(db,
                        "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0 AND family_id NOT IN"
                        " (SELECT family_id FROM refresh_tokens WHERE token_hash = ? AND user_id = ?)",
                        "iti", a->id, a->keep, a->id);
    else
        rc = bc_db_exec(db, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0", "i", a->id);
    return rc < 0 ? rc : BC_OK;
}

int recovery_store_password_set(bc_db *db, int64_t id, const char *hash, const char *keep_refresh)
{
    char th[65];
    if (keep_refresh)
        accounts_token_hash(keep_refresh, th);
    pw_args a = {id, hash, keep_refresh ? th : NULL};
    return bc_db_tx(db, pw_tx, &a);
}
