/* The SQL of blocking with a reason and account deletion (users.blocked_reason, blocked_at,
 * deleted_at; the deletion's erasures in accounts' own tables). See accounts.h "blocking with a
 * reason, account deletion". */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "accounts_int.h"

int bc_accounts_block_reason(bc_db *db, int64_t id, char **reason)
{
    json_t *row = NULL;
    *reason = NULL;
    int rc = accounts_row_rc(bc_db_row(db, &row, "SELECT blocked, blocked_reason FROM users WHERE id = ?", "i", id));
    if (rc == BC_OK) {
        const char *r = json_string_value(json_object_get(row, "blocked_reason"));
        if (json_integer_value(json_object_get(row, "blocked")) && r && *r && !(*reason = strdup(r)))
            rc = BC_ENOMEM;
    }
    json_decref(row);
    return rc;
}

/* The list's filters; LIKE patterns escape '\', '%' and '_' with '\'. */
#define ADMIN_WHERE                                                                                                    \
    " WHERE (? = '' OR LOWER(email) LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\')"                             \
    " AND (? = '' OR role = ?) AND (? < 0 OR blocked = ?)"

int bc_accounts_admin_list(bc_db *db, const char *q, const char *role, int blocked, int64_t page, int64_t per_page,
                           json_t **out)
{
    char pat[420] = "";
    size_t n = 0;
    *out = NULL;
    if (q && *q) {
        pat[n++] = '%';
        for (const char *p = q; *p && n + 3 < sizeof pat; p++) {
            if (*p == '\\' || *p == '%' || *p == '_')
                pat[n++] = '\\';
            pat[n++] = (char)tolower((unsigned char)*p);
        }
        pat[n++] = '%';
        pat[n] = 0;
    }
    const char *r = role ? role : "";
    int64_t total = 0, b = blocked;
    json_t *rows = NULL;
    if (page < 1)
        page = 1;
    if (per_page < 1 || per_page > 100)
        per_page = 20;
    int rc = bc_db_int(db, &total, "SELECT COUNT(*) FROM users" ADMIN_WHERE, "ttttti", pat, pat, pat, r, r, b, b);
    if (rc < 0)
        return rc;
    rc = bc_db_rows(db, &rows,
                    "SELECT id, email, name, role, created_at, blocked, blocked_reason, blocked_at, deleted_at"
                    " FROM users" ADMIN_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?",
                    "tttttiiii", pat, pat, pat, r, r, b, b, per_page, (page - 1) * per_page);
    if (rc < 0)
        return rc;
    size_t i;
    json_t *u;
    json_array_foreach (rows, i, u)
        json_object_set_new(u, "blocked", json_boolean(json_integer_value(json_object_get(u, "blocked"))));
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", rows, "page", (json_int_t)page, "per_page", (json_int_t)per_page,
                     "total", (json_int_t)total);
    return *out ? BC_OK : BC_ENOMEM;
}

/* The unit of work of bc_accounts_delete: the user's row locked (PostgreSQL), then every write. */
static int delete_tx(bc_db *db, void *arg)
{
    int64_t id = *(int64_t *)arg, now = bc_now_ms();
    json_t *row = NULL;
    int rc = accounts_row_rc(bc_db_row(db, &row,
                                       bc_db_dialect_sql(db, "SELECT deleted_at FROM users WHERE id = ?",
                                                         "SELECT deleted_at FROM users WHERE id = ? FOR UPDATE"),
                                       "i", id));
    int deleted = rc == BC_OK && !json_is_null(json_object_get(row, "deleted_at"));
    json_decref(row);
    if (rc != BC_OK)
        return rc;
    if (deleted)
        return BC_ENOTFOUND;
    char email[64];
    snprintf(email, sizeof email, "deleted-%lld@invalid", (long long)id);
    if ((rc = bc_db_exec(db,
                         "UPDATE users SET email = ?, name = ?, phone = NULL, phone_hash = NULL, password_hash = '',"
                         " email_verified_at = NULL, deleted_at = ?, blocked = 1, blocked_reason = NULL,"
                         " blocked_at = NULL WHERE id = ?",
                         "ttii", email, BC_DELETED_NAME, now, id)) < 0 ||
        (rc = bc_db_exec(db, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM user_identities WHERE user_id = ?", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM oauth_links WHERE user_id = ?", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM oauth_tickets WHERE user_id = ?", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM oauth_states WHERE link_user_id = ?", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM account_tokens WHERE user_id = ?", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM addresses WHERE user_id = ?", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM seller_applications WHERE user_id = ?", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM seller_profiles WHERE seller_id = ?", "i", id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM seller_follows WHERE user_id = ? OR seller_id = ?", "ii", id, id)) < 0)
        return rc;
    return BC_OK;
}

int bc_accounts_delete(bc_db *db, int64_t id) { return bc_db_tx(db, delete_tx, &id); }

int bc_accounts_deleted_ids(bc_db *db, int64_t after_id, int64_t *ids, int max, int *n)
{
    *n = 0;
    if (max > 100)
        max = 100;
    bc_stmt *st = bc_db_prepare(db, "SELECT id FROM users WHERE deleted_at IS NOT NULL AND id > ? ORDER BY id LIMIT ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, after_id);
    bc_stmt_bind_int(st, 2, max);
    int step = 0;
    while (*n < max && (step = bc_stmt_step(st)) == 1)
        ids[(*n)++] = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    return step < 0 ? step : BC_OK;
}
