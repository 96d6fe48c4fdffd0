/* Social sign-in's SQL (the only SQL of oauth.c and idp_sandbox.c): OAuth states, identities,
 * pending links, one-time tickets and the sandbox identity provider's codes and tokens. Tables of
 * migrations 23 and 24 (user_identities, oauth_states, oauth_links, oauth_tickets,
 * idp_sandbox_codes) and the users row a social sign-up creates. */
#include <string.h>

#include "accounts.h"
#include "accounts_int.h"

/* States, links and sandbox codes older than this past their expiry are deleted when new ones are
 * written (they are useless once expired; kept a while for the logs of a failed sign-in). */
#define OAUTH_KEEP_EXPIRED_MS (24LL * 3600 * 1000)

int oauth_store_state_put(bc_db *db, const char *state_hash, const char *provider, const oauth_state *s,
                          int64_t expires_at)
{
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(db, "DELETE FROM oauth_states WHERE expires_at < ?", "i", now - OAUTH_KEEP_EXPIRED_MS);
    if (rc < 0)
        return rc;
    rc = bc_db_exec(db,
                    "INSERT INTO oauth_states (state_hash, provider, code_verifier, nonce, remember, link_user_id,"
                    " next_path, created_at, expires_at) VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?)",
                    "ttttiitii", state_hash, provider, s->verifier, s->nonce, (int64_t)s->remember,
                    s->link_user_id > 0 ? s->link_user_id : 0, s->next[0] ? s->next : NULL, now, expires_at);
    return rc < 0 ? rc : BC_OK;
}

int oauth_store_state_take(bc_db *db, const char *state_hash, const char *provider, oauth_state *s, int *expired)
{
    json_t *row = NULL;
    int64_t now = bc_now_ms();
    memset(s, 0, sizeof *s);
    *expired = 0;
    int rc = accounts_row_rc(bc_db_row(db, &row,
                                       "UPDATE oauth_states SET used_at = ? WHERE state_hash = ? AND provider = ? AND"
                                       " used_at IS NULL RETURNING code_verifier, nonce, remember, link_user_id,"
                                       " next_path, expires_at",
                                       "itt", now, state_hash, provider));
    if (rc != BC_OK)
        goto out;
    bc_str_copy(s->verifier, sizeof s->verifier, json_string_value(json_object_get(row, "code_verifier")));
    bc_str_copy(s->nonce, sizeof s->nonce, json_string_value(json_object_get(row, "nonce")));
    bc_str_copy(s->next, sizeof s->next, json_string_value(json_object_get(row, "next_path")));
    s->remember = json_integer_value(json_object_get(row, "remember")) != 0;
    s->link_user_id = json_integer_value(json_object_get(row, "link_user_id"));
    if (json_integer_value(json_object_get(row, "expires_at")) <= now) {
        *expired = 1;
        rc = BC_ENOTFOUND;
    }
out:
    json_decref(row);
    return rc;
}

/* ---- resolving a provider's profile to an account ---- */

typedef struct resolve_args {
    const oauth_profile *p;
    int64_t user_id;
    int outcome;
} resolve_args;

/* The account of identity (provider, subject): *user_id and *blocked. BC_OK, BC_ENOTFOUND or an error. */
static int identity_owner(bc_db *db, const char *provider, const char *subject, int64_t *user_id, int *blocked)
{
    bc_stmt *st = bc_db_prepare(db, "SELECT ui.user_id, u.blocked FROM user_identities ui JOIN users u ON u.id ="
                                    " ui.user_id WHERE ui.provider = ? AND ui.subject = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_text(st, 1, provider);
    bc_stmt_bind_text(st, 2, subject);
    int rc = accounts_row_rc(bc_stmt_step(st));
    if (rc == BC_OK) {
        *user_id = bc_stmt_int(st, 0);
        *blocked = bc_stmt_int(st, 1) != 0;
    }
    bc_stmt_reset(st);
    return rc;
}

static int identity_insert(bc_db *db, int64_t user_id, const oauth_profile *p)
{
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(db,
                        "INSERT INTO user_identities (user_id, provider, subject, email, email_verified, name,"
                        " created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        "itttitii", user_id, p->provider, p->subject, p->email[0] ? p->email : NULL,
                        (int64_t)p->email_verified, p->name[0] ? p->name : NULL, now, now);
    return rc < 0 ? rc : BC_OK;
}

static int resolve_unit(bc_db *db, void *arg)
{
    resolve_args *a = arg;
    const oauth_profile *p = a->p;
    int blocked = 0, rc;
    json_t *row = NULL;
    a->user_id = 0;
    a->outcome = 0;
    rc = identity_owner(db, p->provider, p->subject, &a->user_id, &blocked);
    if (rc == BC_OK) {
        a->outcome = blocked ? OAUTH_BLOCKED : OAUTH_SIGNED_IN;
        if (!blocked)
            rc = bc_db_exec(db,
                            "UPDATE user_identities SET last_login_at = ?, email = ?, email_verified = ?, name = ?"
                            " WHERE provider = ? AND subject = ?",
                            "itittt", bc_now_ms(), p->email[0] ? p->email : NULL, (int64_t)p->email_verified,
                            p->name[0] ? p->name : NULL, p->provider, p->subject);
        rc = rc < 0 ? rc : BC_OK;
        goto out;
    }
    if (rc != BC_ENOTFOUND)
        goto out;
    rc = accounts_row_rc(
        bc_db_row(db, &row, "SELECT id, password_hash, blocked FROM users WHERE email = ?", "t", p->email));
    if (rc == BC_OK) { /* the e-mail has an account: never linked without its owner's password */
        a->user_id = json_integer_value(json_object_get(row, "id"));
        const char *h = json_string_value(json_object_get(row, "password_hash"));
        if (json_integer_value(json_object_get(row, "blocked")))
            a->outcome = OAUTH_BLOCKED;
        else
            a->outcome = h && h[0] ? OAUTH_NEEDS_LINK : OAUTH_SOCIAL_ACCOUNT_EXISTS;
        goto out;
    }
    if (rc != BC_ENOTFOUND)
        goto out;
    /* a new buyer without a password: the provider's identity is its way to sign in */
    rc = accounts_store_insert(db, p->email, p->name[0] ? p->name : "회원", "buyer", "", &a->user_id);
    if (rc == BC_ECONFLICT) { /* the same e-mail signed up at this moment: look again */
        rc = BC_EBUSY;
        goto out;
    }
    if (rc == BC_OK)
        rc = recovery_store_signup_extra(db, a->user_id, NULL, p->email_verified);
    if (rc == BC_OK)
        rc = identity_insert(db, a->user_id, p);
    if (rc == BC_ECONFLICT) /* the same identity signed in at this moment: it exists now */
        rc = BC_EBUSY;
    if (rc == BC_OK)
        a->outcome = OAUTH_CREATED;
out:
    json_decref(row);
    return rc;
}

int oauth_store_resolve(bc_db *db, const oauth_profile *p, int64_t *user_id, int *outcome)
{
    resolve_args a = {.p = p};
    int rc = bc_db_tx(db, resolve_unit, &a);
    *user_id = a.user_id;
    *outcome = rc == BC_OK ? a.outcome : 0;
    return rc;
}

typedef struct link_args {
    int64_t user_id;
    const oauth_profile *p;
    const char *link_hash; /* a pending link to use up first, or NULL (linking from my page) */
    int outcome;
} link_args;

static int link_unit(bc_db *db, void *arg)
{
    link_args *a = arg;
    int64_t owner = 0;
    int blocked = 0, rc;
    a->outcome = 0;
    if (a->link_hash) {
        rc = bc_db_exec(db, "UPDATE oauth_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", "it",
                        bc_now_ms(), a->link_hash);
        if (rc == 0) {
            a->outcome = OAUTH_LINK_USED;
            return BC_OK;
        }
        if (rc < 0)
            return rc;
    }
    rc = identity_owner(db, a->p->provider, a->p->subject, &owner, &blocked);
    if (rc == BC_OK) {
        a->outcome = owner == a->user_id ? OAUTH_LINKED : OAUTH_IDENTITY_TAKEN;
        return BC_OK;
    }
    if (rc != BC_ENOTFOUND)
        return rc;
    rc = accounts_row_rc(bc_db_int(db, &owner, "SELECT id FROM user_identities WHERE user_id = ? AND provider = ?",
                                   "it", a->user_id, a->p->provider));
    if (rc == BC_OK) {
        a->outcome = OAUTH_PROVIDER_TAKEN;
        return BC_OK;
    }
    if (rc != BC_ENOTFOUND)
        return rc;
    rc = identity_insert(db, a->user_id, a->p);
    if (rc == BC_ECONFLICT)
        return BC_EBUSY; /* linked at this moment elsewhere: look again */
    if (rc == BC_OK)
        a->outcome = OAUTH_LINKED;
    return rc;
}

int oauth_store_link(bc_db *db, int64_t user_id, const oauth_profile *p, const char *link_hash, int *outcome)
{
    link_args a = {.user_id = user_id, .p = p, .link_hash = link_hash};
    int rc = bc_db_tx(db, link_unit, &a);
    *outcome = rc == BC_OK ? a.outcome : 0;
    return rc;
}

int oauth_store_link_put(bc_db *db, const char *token_hash, int64_t user_id, const oauth_profile *p, int remember,
                         int64_t expires_at)
{
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(db, "DELETE FROM oauth_links WHERE expires_at < ?", "i", now - OAUTH_KEEP_EXPIRED_MS);
    if (rc >= 0)
        rc = bc_db_exec(db,
                        "INSERT INTO oauth_links (token_hash, user_id, provider, subject, email, email_verified, name,"
                        " remember, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        "titttitiii", token_hash, user_id, p->provider, p->subject, p->email,
                        (int64_t)p->email_verified, p->name, (int64_t)remember, now, expires_at);
    return rc < 0 ? rc : BC_OK;
}

int oauth_store_link_get(bc_db *db, const char *token_hash, int64_t *user_id, oauth_profile *p, int *remember)
{
    json_t *row = NULL;
    memset(p, 0, sizeof *p);
    int rc = accounts_row_rc(bc_db_row(db, &row,
                                       "SELECT user_id, provider, subject, email, email_verified, name, remember FROM"
                                       " oauth_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                                       "ti", token_hash, bc_now_ms()));
    if (rc == BC_OK) {
        *user_id = json_integer_value(json_object_get(row, "user_id"));
        bc_str_copy(p->provider, sizeof p->provider, json_string_value(json_object_get(row, "provider")));
        bc_str_copy(p->subject, sizeof p->subject, json_string_value(json_object_get(row, "subject")));
        bc_str_copy(p->email, sizeof p->email, json_string_value(json_object_get(row, "email")));
        bc_str_copy(p->name, sizeof p->name, json_string_value(json_object_get(row, "name")));
        p->email_verified = json_integer_value(json_object_get(row, "email_verified")) != 0;
        *remember = json_integer_value(json_object_get(row, "remember")) != 0;
    }
    json_decref(row);
    return rc;
}

int oauth_store_ticket_put(bc_db *db, const char *token_hash, int64_t user_id, int remember, int64_t expires_at)
{
    int64_t now = bc_now_ms();
    int rc = bc_db_exec(db, "DELETE FROM oauth_tickets WHERE expires_at < ?", "i", now - OAUTH_KEEP_EXPIRED_MS);
    if (rc >= 0)
        rc = bc_db_exec(db,
                        "INSERT INTO oauth_tickets (token_hash, user_id, remember, created_at, expires_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                        "tiiii", token_hash, user_id, (int64_t)remember, now, expires_at);
    return rc < 0 ? rc : BC_OK;
}

int oauth_store_ticket_take(bc_db *db, const char *token_hash, int64_t *user_id, int *remember)
{
    json_t *row = NULL;
    int rc = accounts_row_rc(bc_db_row(db, &row,
                                       "UPDATE oauth_tickets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
                                       " AND expires_at > ? RETURNING user_id, remember",
                                       "iti", bc_now_ms(), token_hash, bc_now_ms()));
    if (rc == BC_OK) {
        *user_id = json_integer_value(json_object_get(row, "user_id"));
        *remember = json_integer_value(json_object_get(row, "remember")) != 0;
    }
    json_decref(row);
    return rc;
}

int oauth_store_identities(bc_db *db, int64_t user_id, json_t **items, int *has_password)
{
    json_t *row = NULL;
    *items = NULL;
    int rc = accounts_row_rc(bc_db_row(db, &row, "SELECT password_hash FROM users WHERE id = ?", "i", user_id));
    if (rc != BC_OK)
        goto out;
    const char *h = json_string_value(json_object_get(row, "password_hash"));
    *has_password = h && h[0];
    rc = bc_db_rows(db, items,
                    "SELECT provider, email, name, created_at, last_login_at FROM user_identities WHERE user_id = ?"
                    " ORDER BY provider",
                    "i", user_id);
    rc = rc < 0 ? rc : BC_OK;
out:
    json_decref(row);
    return rc;
}

typedef struct unlink_args {
    int64_t user_id;
    const char *provider;
} unlink_args;

static int unlink_unit(bc_db *db, void *arg)
{
    unlink_args *a = arg;
    json_t *items = NULL;
    int has_password = 0;
    /* the user's row first, locked, so that two unlinks at once see each other */
    int rc = bc_db_lock(db, BC_DB_LOCK_ACCOUNT, a->user_id);
    if (rc == BC_OK)
        rc = oauth_store_identities(db, a->user_id, &items, &has_password);
    if (rc != BC_OK)
        goto out;
    size_t i, n = json_array_size(items);
    int found = 0;
    for (i = 0; i < n; i++)
        found |= strcmp(json_string_value(json_object_get(json_array_get(items, i), "provider")), a->provider) == 0;
    if (!found) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    if (!has_password && n == 1) { /* it would leave the account without a way to sign in */
        rc = BC_ECONFLICT;
        goto out;
    }
    rc =
        bc_db_exec(db, "DELETE FROM user_identities WHERE user_id = ? AND provider = ?", "it", a->user_id, a->provider);
    rc = rc < 0 ? rc : BC_OK;
out:
    json_decref(items);
    return rc;
}

int oauth_store_identity_remove(bc_db *db, int64_t user_id, const char *provider)
{
    unlink_args a = {user_id, provider};
    return bc_db_tx(db, unlink_unit, &a);
}

/* ---- the sandbox identity provider's codes and access tokens ---- */

int oauth_store_sbx_put(bc_db *db, const char *hash, const char *kind, const char *payload, int64_t expires_at)
{
    int rc =
        bc_db_exec(db, "DELETE FROM idp_sandbox_codes WHERE expires_at < ?", "i", bc_now_ms() - OAUTH_KEEP_EXPIRED_MS);
    if (rc >= 0)
        rc = bc_db_exec(db,
                        "INSERT INTO idp_sandbox_codes (code_hash, provider, payload, expires_at) VALUES (?, ?, ?, ?)",
                        "ttti", hash, kind, payload, expires_at);
    return rc < 0 ? rc : BC_OK;
}

int oauth_store_sbx_take(bc_db *db, const char *hash, const char *kind, int consume, char **payload, int *why)
{
    json_t *row = NULL;
    int64_t now = bc_now_ms();
    *payload = NULL;
    *why = 0;
    int rc = accounts_row_rc(bc_db_row(db, &row,
                                       "SELECT payload, expires_at, used_at FROM idp_sandbox_codes WHERE code_hash = ?"
                                       " AND provider = ?",
                                       "tt", hash, kind));
    if (rc != BC_OK)
        goto out;
    if (!json_is_null(json_object_get(row, "used_at"))) {
        *why = 1;
        rc = BC_ENOTFOUND;
        goto out;
    }
    if (json_integer_value(json_object_get(row, "expires_at")) <= now) {
        *why = 2;
        rc = BC_ENOTFOUND;
        goto out;
    }
    if (consume) {
        rc = bc_db_exec(db, "UPDATE idp_sandbox_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL", "it",
                        now, hash);
        if (rc == 0) { /* used at this moment by another request */
            *why = 1;
            rc = BC_ENOTFOUND;
            goto out;
        }
        if (rc < 0)
            goto out;
    }
    *payload = strdup(json_string_value(json_object_get(row, "payload")));
    rc = *payload ? BC_OK : BC_ENOMEM;
out:
    json_decref(row);
    return rc;
}
