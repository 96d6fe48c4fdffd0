/* Private to src/accounts: the store functions behind the public ones in accounts.h. */
#ifndef BC_ACCOUNTS_INT_H
#define BC_ACCOUNTS_INT_H

#include "accounts.h"

/* Inserts a user (email lowercased, hash encoded). BC_OK (*id set), BC_ECONFLICT (e-mail taken) or BC_ERR. */
int accounts_store_insert(bc_db *db, const char *email, const char *name, const char *role, const char *hash,
                          int64_t *id);
/* Applies role (NULL = keep) and blocked (-1 = keep) in one transaction. Blocking stores reason
 * (NULL = none) in users.blocked_reason with blocked_at (kept while already blocked), revokes the
 * refresh tokens and, when a reason is given and new, writes the user an account.BLOCKED notice
 * with it; unblocking clears both. *new_role / *new_blocked get the resulting state. BC_OK,
 * BC_ENOTFOUND (no such user, or a deleted one) or an error. */
int accounts_store_update(bc_db *db, int64_t id, const char *role, int blocked, const char *reason, int *new_role,
                          int *new_blocked);

/* ---- recovery helper: recovery_store.c ---- */
/* Status for the cache with the e-mail-verified flag. BC_OK, BC_ENOTFOUND or an error. */
int recovery_store_status(bc_db *db, int64_t id, int *role, int *blocked, int *verified);
/* After inserting user id: marks the e-mail verified (verified = 1) and stores phone (digits, NULL =
 * none) sealed with its lookup hash. BC_OK or an error. */
int recovery_store_signup_extra(bc_db *db, int64_t id, const char *phone, int verified);
/* Issues a verify (reset = 0, 24 h) or reset (reset = 1, 30 min) link for user_id and queues its
 * mail, unless the account had bc_cfg.verify_mail_rate such links in the last hour (*limited = 1,
 * nothing written). BC_OK, BC_ENOTFOUND or an error. */
int recovery_store_issue(bc_db *db, int64_t user_id, int reset, int *limited);
/* Uses a verify/reset token once: *why 0 = used (reset: new_hash stored, refresh tokens revoked),
 * 1 = unknown/used/e-mail changed, 2 = expired. BC_OK or an error. */
int recovery_store_consume(bc_db *db, const char *token, int reset, const char *new_hash, int64_t *user_id, int *why);
/* Accounts with this exact name and phone (digits): *rows [{email, created_at}] (caller owns). */
int recovery_store_find_id(bc_db *db, const char *name, const char *phone, json_t **rows);
/* Password hash and e-mail of user id. BC_OK, BC_ENOTFOUND or an error. */
int recovery_store_password_get(bc_db *db, int64_t id, char hash[128], char email[256]);
/* Stores a new password hash and revokes every refresh token except keep_refresh's family. */
int recovery_store_password_set(bc_db *db, int64_t id, const char *hash, const char *keep_refresh);

/* ---- address book: addresses_store.c ---- */
/* user_id's addresses, the default first then newest first: *items (caller owns) [{id, label,
 * is_default (boolean), recipient, phone, postcode, address1, address2, created_at, updated_at
 * (UTC ms)}]; one whose sealed value does not open is listed without its personal fields. */
int addresses_store_list(bc_db *db, int64_t user_id, json_t **items);
/* One address of user_id in the list's shape. BC_OK, BC_ENOTFOUND (unknown or another user's) or an error. */
int addresses_store_get(bc_db *db, int64_t user_id, int64_t id, json_t **out);
/* Adds an address with fields (borrowed, already valid per bc_order_check_address); the first
 * address, or make_default, becomes the default. With dedupe an address with the same personal
 * fields already in the book is not added (*id names it). BC_OK (*id set), BC_ECONFLICT (the book
 * holds BC_ADDRESS_BOOK_MAX already: nothing written) or an error. */
int addresses_store_add(bc_db *db, int64_t user_id, const char *label, json_t *fields, int make_default, int dedupe,
                        int64_t *id);
/* Edits address id of user_id: label (NULL = keep); the personal fields present in fields (NULL
 * or empty = keep) replace the stored ones and the result must pass bc_order_check_address;
 * make_default 1 makes it the default, 0 refuses when it is the default, -1 keeps. BC_OK,
 * BC_ENOTFOUND, BC_EINVAL (the reason in msg; nothing written) or an error. */
int addresses_store_edit(bc_db *db, int64_t user_id, int64_t id, const char *label, json_t *fields, int make_default,
                         char *msg, size_t msglen);
/* Deletes address id of user_id; when it was the default the newest remaining one becomes the
 * default. BC_OK, BC_ENOTFOUND or an error. */
int addresses_store_delete(bc_db *db, int64_t user_id, int64_t id);

/* Sends error status/code with the message "msg; retry in N s" and a Retry-After of retry_s
 * seconds (RFC 9110 §10.2.3). */
void accounts_send_retry(bc_req *req, int status, const char *code, const char *msg, int64_t retry_s);
/* Answers a refused bc_limit_take (rc): 503 BUSY when the limit table is full, else 429
 * RATE_LIMITED with what as the message; both with Retry-After. */
void accounts_send_limited(bc_req *req, int rc, int64_t retry_s, const char *what);

/* A bc_db_row/bc_stmt_step result as a module error: 1 (a row) -> BC_OK, 0 -> BC_ENOTFOUND, an
 * error kept. */
static inline int accounts_row_rc(int rc) { return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : rc; }

/* The stored form of a secret token (refresh, verification, reset: 48 random chars): the hex
 * SHA-256 of it into out (65 bytes); the token itself is never stored. */
void accounts_token_hash(const char *token, char out[65]);

/* ---- social sign-in (oauth.c, oauth_store.c, idp_sandbox.c) ---- */
/* One OAuth state (RFC 6749 §4.1.1 `state`) between start and callback. */
typedef struct oauth_state {
    char verifier[130];   /* PKCE code_verifier (RFC 7636 §4.1), "" for a provider without PKCE */
    char nonce[64];       /* OpenID Connect nonce (Google) */
    int remember;         /* "keep me signed in" */
    int64_t link_user_id; /* > 0: linking to this signed-in account (my page), not signing in */
    char next[256];       /* web client path to return to, "" = home */
} oauth_state;

/* What a provider said about the user (after the token exchange and profile call). */
typedef struct oauth_profile {
    char provider[16];  /* "kakao", "naver", "google" */
    char subject[128];  /* the provider's stable user id (Kakao id, Naver response.id, Google sub) */
    char email[256];    /* lowercased, "" when not shared */
    int email_verified; /* the provider vouches for the e-mail */
    char name[128];
} oauth_profile;

/* How a profile resolved (oauth_store_resolve, oauth_store_link). */
enum oauth_outcome {
    OAUTH_SIGNED_IN = 1,         /* a linked identity's account */
    OAUTH_CREATED,               /* a new buyer account with this identity */
    OAUTH_NEEDS_LINK,            /* the e-mail has a password account: its owner confirms the password */
    OAUTH_SOCIAL_ACCOUNT_EXISTS, /* the e-mail has an account without a password: link from my page */
    OAUTH_BLOCKED,               /* the account is blocked */
    OAUTH_LINKED,                /* the identity is linked to the given account (now or before) */
    OAUTH_IDENTITY_TAKEN,        /* the identity belongs to another account */
    OAUTH_PROVIDER_TAKEN,        /* the account has another identity of this provider */
    OAUTH_LINK_USED,             /* the pending link was used already */
};

/* Stores state (keyed by the hex SHA-256 of the state value) for provider until expires_at (UTC ms).
 * BC_OK or a store error. */
int oauth_store_state_put(bc_db *db, const char *state_hash, const char *provider, const oauth_state *s,
                          int64_t expires_at);
/* Uses the state once: fills *s. BC_OK; BC_ENOTFOUND for an unknown, used or (with *expired = 1)
 * expired state; or a store error. */
int oauth_store_state_take(bc_db *db, const char *state_hash, const char *provider, oauth_state *s, int *expired);
/* Sign-in with profile p in one transaction: the identity's account, or a new buyer (no password,
 * e-mail verified when the provider vouches) with the identity, or neither when the e-mail has an
 * account (NEEDS_LINK / SOCIAL_ACCOUNT_EXISTS, *user_id that account). *outcome: enum oauth_outcome.
 * BC_OK or a store error. */
int oauth_store_resolve(bc_db *db, const oauth_profile *p, int64_t *user_id, int *outcome);
/* Links p to user_id in one transaction, using up the pending link link_hash first when not NULL.
 * *outcome LINKED, IDENTITY_TAKEN, PROVIDER_TAKEN or LINK_USED. BC_OK or a store error. */
int oauth_store_link(bc_db *db, int64_t user_id, const oauth_profile *p, const char *link_hash, int *outcome);
/* A pending link (keyed by the token's hash) of p to user_id, until expires_at. BC_OK or an error. */
int oauth_store_link_put(bc_db *db, const char *token_hash, int64_t user_id, const oauth_profile *p, int remember,
                         int64_t expires_at);
/* Reads an unused, unexpired pending link. BC_OK, BC_ENOTFOUND or an error. */
int oauth_store_link_get(bc_db *db, const char *token_hash, int64_t *user_id, oauth_profile *p, int *remember);
/* A one-time ticket (keyed by hash) that exchanges for user_id's tokens until expires_at. */
int oauth_store_ticket_put(bc_db *db, const char *token_hash, int64_t user_id, int remember, int64_t expires_at);
/* Uses a ticket once. BC_OK, BC_ENOTFOUND (unknown, used or expired) or an error. */
int oauth_store_ticket_take(bc_db *db, const char *token_hash, int64_t *user_id, int *remember);
/* user_id's identities *items [{provider, email, name, created_at, last_login_at}] (caller owns) and
 * whether the account has a password. BC_OK, BC_ENOTFOUND (no user) or an error. */
int oauth_store_identities(bc_db *db, int64_t user_id, json_t **items, int *has_password);
/* Unlinks provider from user_id. BC_OK, BC_ENOTFOUND (not linked), BC_ECONFLICT (the account's
 * last way to sign in) or an error. */
int oauth_store_identity_remove(bc_db *db, int64_t user_id, const char *provider);
/* Sandbox identity provider: stores payload (JSON text) under hash for kind ("code", "token")
 * until expires_at; takes it back (consume: once). BC_OK; BC_ENOTFOUND with *why 0 unknown,
 * 1 used, 2 expired; or an error. *payload malloc'd (caller frees). */
int oauth_store_sbx_put(bc_db *db, const char *hash, const char *kind, const char *payload, int64_t expires_at);
int oauth_store_sbx_take(bc_db *db, const char *hash, const char *kind, int consume, char **payload, int *why);

/* The set-up client of provider name ("kakao", "naver", "google"): its client id and secret (static,
 * "" = none) and the redirect URI registered for it into redirect. BC_OK or BC_ENOTFOUND (unknown
 * or not set up). */
int oauth_client(const char *name, const char **client_id, const char **client_secret, char *redirect, size_t cap);

/* Issues an access token and, when refresh is NULL, a new refresh token (new family; persistent or
 * a session one) for user u {id, role, name, ...} (borrowed) and sends the Tokens body with status. */
void accounts_send_tokens(bc_req *req, json_t *u, const char *refresh, int status, int persistent);

#endif
