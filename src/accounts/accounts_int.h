/* Private to src/accounts: the store functions behind the public ones in accounts.h. */
#ifndef BC_ACCOUNTS_INT_H
#define BC_ACCOUNTS_INT_H

#include "accounts.h"

/* Inserts a user (email lowercased, hash encoded). BC_OK (*id set), BC_ECONFLICT (e-mail taken) or BC_ERR. */
int accounts_store_insert(bc_db *db, const char *email, const char *name, const char *role, const char *hash,
                          int64_t *id);
/* Applies role (NULL = keep) and blocked (-1 = keep) in one transaction, revoking the refresh tokens
 * when blocking; *new_role / *new_blocked get the resulting state. BC_OK, BC_ENOTFOUND or an error. */
int accounts_store_update(bc_db *db, int64_t id, const char *role, int blocked, int *new_role, int *new_blocked);

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

#endif
