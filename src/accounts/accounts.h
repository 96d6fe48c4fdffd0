/* accounts: users, roles, Argon2id password hashes (libsodium), JWT HS256 access tokens (libjwt),
 * rotating refresh tokens stored hashed. Prefix: bc_accounts_, bc_password_, bc_token_. */
#ifndef BC_ACCOUNTS_H
#define BC_ACCOUNTS_H

#include "../http/http.h"

/* Loads the JWT secret from bc_cfg or {data_dir}/jwt.secret (generated, mode 0600, when missing).
 * Returns BC_OK or BC_ERR. Call once before serving. */
int bc_accounts_init(const char *data_dir);

/* Argon2id hash of password in libsodium's encoded form (crypto_pwhash_str), cost from bc_cfg.
 * out must hold crypto_pwhash_STRBYTES (128). Returns BC_OK or BC_ENOMEM. */
int bc_password_hash(const char *password, char out[128]);
/* Returns BC_OK when password matches the encoded hash, BC_EINVAL otherwise. */
int bc_password_verify(const char *hash, const char *password);
/* Password policy: 8..128 chars with at least one letter and one digit. BC_OK or BC_EINVAL. */
int bc_password_check_strength(const char *password);
/* Minimal address check: one '@', a dot in the domain, no spaces, <= 254 chars. BC_OK or BC_EINVAL. */
int bc_email_check(const char *email);

/* Issues an HS256 JWT {sub, role, name, iat, exp} valid bc_cfg.access_token_ttl_s seconds.
 * Returns a malloc'd string (caller frees) or NULL. */
char *bc_token_issue(int64_t user_id, const char *role, const char *name);
/* Verifies signature, algorithm (HS256 only) and expiry; fills out. BC_OK or BC_EINVAL.
 * Usable as the http authenticator (no database access). */
int bc_token_verify(const char *token, bc_auth *out);
/* Writes email lowercased (ASCII letters; the form stored and looked up) into out, truncated to
 * outlen - 1 bytes. */
void bc_email_normalize(const char *email, char *out, size_t outlen);

/* Maps "buyer"/"seller"/"admin" to enum bc_role (0 if unknown) and back. */
int bc_role_from_name(const char *name);
const char *bc_role_name(int role);

/* Creates a user. Returns BC_OK (*id set), BC_ECONFLICT (email taken) or BC_EINVAL (bad email,
 * weak password, unknown role, empty name). */
int bc_accounts_create_user(bc_db *db, const char *email, const char *password, const char *name, const char *role,
                            int64_t *id);

/* Login throttling (brute-force protection), in memory and shared by all threads: an e-mail
 * address (case-insensitive) with BC_LOGIN_MAX_FAILURES failed logins within BC_LOGIN_WINDOW_MS
 * is refused until that window has passed since its first failure. */
#define BC_LOGIN_MAX_FAILURES 5
#define BC_LOGIN_WINDOW_MS (10 * 60 * 1000)
/* Returns BC_OK when email may try to log in at now_ms (UTC ms), else BC_EBUSY with
 * *retry_after_s set to the seconds left. */
int bc_login_allowed(const char *email, int64_t now_ms, int64_t *retry_after_s);
/* Records the outcome of a login attempt: a failure counts, a success forgets the address. */
void bc_login_record(const char *email, int ok, int64_t now_ms);
/* An Argon2id hash (current cost settings) of a random secret, computed once: verified against
 * when the e-mail is unknown, so a login takes as long whether or not the account exists. */
const char *bc_password_dummy_hash(void);

extern const bc_route bc_accounts_routes[];

#endif
