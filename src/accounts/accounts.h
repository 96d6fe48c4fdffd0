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

/* Creates a user whose e-mail counts as verified (operator CLI, demo seed; the sign-up route uses
 * bc_accounts_signup). Returns BC_OK (*id set), BC_ECONFLICT (email taken) or BC_EINVAL (bad email,
 * weak password, unknown role, empty name). */
int bc_accounts_create_user(bc_db *db, const char *email, const char *password, const char *name, const char *role,
                            int64_t *id);

/* ---- attempt limits (brute-force and abuse protection) ----
 * One in-memory table shared by all threads, keyed by a BLAKE2b-128 MAC (crypto_generichash with a
 * random per-process key) of the class and subject, so nobody can choose colliding subjects. Open
 * addressing over BC_LIMIT_SLOTS slots, BC_LIMIT_PROBE probes: an entry whose window is running is
 * never evicted; when every probed slot is live the attempt is refused (fail closed, 503 BUSY),
 * because forgetting a count would hand the attacker fresh guesses. Only "known address" markers
 * (below) may be displaced. Counts are taken BEFORE the expensive work (Argon2id) in the same
 * locked step as the check, and given back on success, so concurrent requests cannot overshoot.
 * With BROADCART_REDIS_URL the same counters live in Redis, shared by every instance (one atomic
 * script per check-and-count, on the worker that runs the request); while Redis does not answer
 * this table counts instead (limits per instance until it is back). */

/* Per-client-address limit classes; figures come from bc_cfg:
 *   BC_LIMIT_LOGIN           failed logins over all e-mails, BROADCART_LOGIN_RATE_PER_ADDR (30) per
 *                            BROADCART_LOGIN_WINDOW_PER_ADDR (600 s)
 *   BC_LIMIT_SIGNUP          sign-up attempts, BROADCART_SIGNUP_RATE_PER_ADDR (20) per
 *                            BROADCART_SIGNUP_WINDOW_PER_ADDR (3600 s)
 *   BC_LIMIT_PASSWORD_RESET  password-reset requests (for the password routes to come),
 *                            BROADCART_PWRESET_RATE_PER_ADDR (10) per BROADCART_PWRESET_WINDOW_PER_ADDR (3600 s)
 * A window starts at the address's first counted attempt and the count resets when it ends. */
enum bc_limit_class { BC_LIMIT_LOGIN, BC_LIMIT_SIGNUP, BC_LIMIT_PASSWORD_RESET, BC_LIMIT_NCLASSES };

/* Takes one attempt of class cls for client address ip (bc_req_client_ip) at now_ms (UTC ms).
 * Returns BC_OK, or BC_EBUSY with *retry_after_s (seconds, >= 1) when the address has used its
 * budget, or BC_ENOMEM with *retry_after_s when the table has no free slot (fail closed). */
int bc_limit_take(enum bc_limit_class cls, const char *ip, int64_t now_ms, int64_t *retry_after_s);
/* Gives back one attempt taken at taken_ms (no-op if that window has ended). */
void bc_limit_give_back(enum bc_limit_class cls, const char *ip, int64_t taken_ms);

/* Login: per-account lock plus per-address limit.
 * - An e-mail (case-insensitive) with BC_LOGIN_MAX_FAILURES failures within BC_LOGIN_WINDOW_MS,
 *   from anywhere, is locked for the rest of that window ...
 * - ... except for a "known address": one that logged in successfully to this same account
 *   within BC_LOGIN_KNOWN_MS. It keeps its own budget of BC_LOGIN_MAX_FAILURES per window for the
 *   account, so an attacker hammering from elsewhere cannot lock the owner out, while addresses
 *   that never proved themselves for the account (a botnet's) get nothing once it is locked.
 * - Every address may fail at most BROADCART_LOGIN_RATE_PER_ADDR times (any e-mails) per window. */
#define BC_LOGIN_MAX_FAILURES 5
#define BC_LOGIN_WINDOW_MS (10 * 60 * 1000)
#define BC_LOGIN_KNOWN_MS (30LL * 24 * 3600 * 1000) /* in memory: a restart forgets known addresses */

/* Why bc_login_begin refused. */
enum bc_login_refusal { BC_LOGIN_ACCOUNT_LOCKED = 1, BC_LOGIN_ADDRESS_LIMIT, BC_LOGIN_TABLE_FULL };

/* One login attempt between bc_login_begin and bc_login_finish (caller's storage). */
typedef struct bc_login_ticket {
    char email[256]; /* lowercased */
    char ip[64];
    int64_t at_ms;
    int account_counted;
    int cluster; /* counted in Redis (BROADCART_REDIS_URL), not in this process's table */
} bc_login_ticket;

/* Checks and counts a login attempt for email from ip at now_ms in one atomic step: on BC_OK the
 * attempt already counts as a failure (call bc_login_finish with the outcome). Returns BC_OK or
 * BC_EBUSY with *retry_after_s (seconds) and *why (enum bc_login_refusal). */
int bc_login_begin(const char *email, const char *ip, int64_t now_ms, bc_login_ticket *t, int64_t *retry_after_s,
                   int *why);
/* Ends an attempt: ok gives the counted failure back (address and account), forgets the failures
 * of this address for this account, and marks ip as known for the account. */
void bc_login_finish(const bc_login_ticket *t, int ok);
/* An Argon2id hash (current cost settings) of a random secret, computed once: verified against
 * when the e-mail is unknown, so a login takes as long whether or not the account exists. */
const char *bc_password_dummy_hash(void);

/* ---- account status cache ----
 * user id -> (exists, role, blocked), consulted for every authenticated request (bc_account_fn:
 * bc_http_set_account_check(bc_accounts_check)). Changes made through Broadcart's code
 * (bc_accounts_update: admin API) replace the entry at once; entries older than
 * BC_ACCOUNT_CACHE_MAX_AGE_MS are re-read on a worker, which bounds how long a change made by
 * another process (the CLI) takes to apply. */
#define BC_ACCOUNT_CACHE_MAX_AGE_MS 30000

/* bc_account_fn: see http.h. With db NULL (loop thread) answers from the cache; an entry older than
 * the maximum age is still used but re-read in the background; a missing entry is loaded in the
 * background and BC_EBUSY returned. */
int bc_accounts_check(bc_db *db, bc_auth *auth);
/* Reads user_id's status from db into the cache now (e.g. at login). Returns the code
 * bc_accounts_check would (BC_OK, BC_ENOTFOUND, BC_EFORBIDDEN or an error). */
int bc_accounts_cache_refresh(bc_db *db, int64_t user_id);
/* Drops the cached status of user_id (after a change made outside bc_accounts_update). */
void bc_accounts_cache_invalidate(int64_t user_id);

/* ---- store (accounts_store.c: the only SQL of this module) ---- */
/* The public view {id, email, name, role, created_at} (+ when with_blocked, the admin's view:
 * blocked as a boolean, blocked_reason, blocked_at, deleted_at, times UTC ms or null) of user id
 * into *out (caller owns). BC_OK, BC_ENOTFOUND or BC_ERR/BC_EBUSY. */
int bc_accounts_user_get(bc_db *db, int64_t id, int with_blocked, json_t **out);
/* Display facts of users for other modules (chat authors, live sellers), in one query per 50 ids:
 * *out (caller owns) is an object keyed by the decimal id, each {"name": ..., "role": ...}; ids
 * that name no user are absent, repeated ids are fine. n 0 gives an empty object.
 * BC_OK, BC_ENOMEM or BC_ERR/BC_EBUSY. */
int bc_accounts_user_names(bc_db *db, const int64_t *ids, size_t n, json_t **out);
/* Login lookup by lowercased e-mail: id, encoded hash (out, 128 bytes) and blocked flag.
 * BC_OK, BC_ENOTFOUND or an error. */
int bc_accounts_find_login(bc_db *db, const char *email, int64_t *id, char hash[128], int *blocked);
/* Status for the cache: *role (enum bc_role) and *blocked. BC_OK, BC_ENOTFOUND or an error. */
int bc_accounts_status(bc_db *db, int64_t id, int *role, int *blocked);
/* Id of the user with this e-mail (case-insensitive). BC_OK, BC_ENOTFOUND or an error. */
int bc_accounts_find_id(bc_db *db, const char *email, int64_t *id);
/* Changes a user's role (NULL = keep; "buyer"/"seller"/"admin") and/or blocked flag (-1 = keep)
 * in one transaction; blocking also revokes every refresh token of the user and closes their
 * sockets. The status cache is updated at once. No block reason: see bc_accounts_update_reason.
 * BC_OK, BC_ENOTFOUND (also a deleted account), BC_EINVAL (unknown role) or an error. */
int bc_accounts_update(bc_db *db, int64_t id, const char *role, int blocked);
/* Stores a new refresh token (48 chars into out, 49 bytes) for user_id, starting a new family
 * when family is NULL. persistent ("keep me signed in") makes it live bc_cfg.refresh_token_ttl_s
 * (14 days by default), else bc_cfg.session_refresh_ttl_s; its successors (rotation) keep the
 * choice. BC_OK or an error. */
int bc_accounts_refresh_issue(bc_db *db, int64_t user_id, const char *family, int persistent, char out[49]);
/* Rotates refresh token `token` in one transaction: revokes it and issues its successor in the same
 * family (out, 49 bytes), *user_id set. Presenting a token that was already revoked revokes its whole
 * family (reuse detection, RFC 6819 §5.2.2.3) and returns BC_ECONFLICT. BC_ENOTFOUND for an unknown
 * or expired token, BC_EFORBIDDEN for a blocked user (nothing changes), or an error. One unit of
 * work (bc_db_tx) with the token's row locked: a token presented twice at once (two instances, two
 * workers) rotates once; the other use is a reuse. */
int bc_accounts_refresh_rotate(bc_db *db, const char *token, int64_t *user_id, char out[49]);
/* Revokes the refresh token `token` of user_id, or all of them when token is NULL. BC_OK or an error. */
int bc_accounts_logout(bc_db *db, int64_t user_id, const char *token);

/* Seller follows (seller_follows): user_id follows (follow = 1) or stops following (0) seller_id,
 * idempotent; *followers gets the seller's follower count afterwards. BC_OK, BC_ENOTFOUND (no such
 * active seller), BC_EINVAL (a seller following themselves) or an error. */
int bc_accounts_follow(bc_db *db, int64_t user_id, int64_t seller_id, int follow, int64_t *followers);
/* *out = 1 when user_id follows seller_id (the chat's followers-only mode). BC_OK or an error. */
int bc_accounts_follows(bc_db *db, int64_t user_id, int64_t seller_id, int *out);
/* One batch of seller_id's followers for a fan-out (followers.c): the user ids above after_id,
 * ascending, of accounts that are neither blocked nor deleted, at most max (1..1000), into
 * ids[0..*n). Page on by passing the last id as after_id; fewer than max means the end. One
 * range scan of the follows' primary key per call. BC_OK, BC_EINVAL (max out of range) or a
 * store error. */
#define BC_FOLLOWERS_BATCH_MAX 1000
int bc_accounts_followers_after(bc_db *db, int64_t seller_id, int64_t after_id, int max, int64_t *ids, int *n);

/* ---- social sign-in: Kakao, Naver, Google (oauth.c, oauth_store.c, idp_sandbox.c) ---- */
/* Routes: /api/v1/auth/providers, /api/v1/auth/oauth/{provider}/start|callback, /auth/oauth/exchange,
 * /auth/oauth/link, /api/v1/me/identities (see oauth.c). */
extern const bc_route bc_oauth_routes[];
/* Settles the providers' settings before serving: in the demo (demo = 1) a provider whose base URL
 * is the built-in sandbox and that has no client id gets "sandbox-<provider>" (and a sandbox
 * secret), so the login page shows it. Refuses (BC_EINVAL, logged) a real client id whose base URL
 * is still the sandbox: the sandbox lets anyone claim any e-mail. Returns BC_OK or BC_EINVAL. */
int bc_oauth_configure(int demo);
/* The PKCE S256 code challenge of verifier, base64url(SHA-256(verifier)) without padding
 * (RFC 7636 §4.2), into out (43 chars + NUL). */
void bc_oauth_pkce_challenge(const char *verifier, char out[44]);
/* The sandbox identity provider under /sandbox-idp/ (demo and tests). */
extern const bc_route bc_idp_sandbox_routes[];

/* ---- e-mail verification, find my ID, password reset and change (recovery.c) ---- */
/* Sign-up: creates an unverified buyer with phone (digits only, 9..11, or NULL) sealed per
 * "users.phone:<id>" with its bc_seal_lookup hash, and queues the verification mail (single use,
 * 24 h, {public_url}/#/verify?token=...). BC_OK (*id set), BC_ECONFLICT (e-mail taken), BC_EINVAL
 * or a store error. */
int bc_accounts_signup(bc_db *db, const char *email, const char *password, const char *name, const char *phone,
                       int64_t *id);
/* Normalises a phone number to its digits into out (12 bytes): '-', ' ' and '+82' dropped; a Korean
 * number of 9..11 digits starting with 0. BC_OK or BC_EINVAL. */
int bc_phone_normalize(const char *phone, char out[16]);
/* Masks an e-mail for find-my-ID: first character of the local part, "***", "@domain"
 * ("kim@gmail.com" -> "k***@gmail.com") into out. */
void bc_email_mask(const char *email, char *out, size_t cap);
/* Routes: /api/v1/auth/verify, /verify/send, /find-id, /password/reset-request, /password/reset,
 * /api/v1/me/password (see recovery.c). */
extern const bc_route bc_recovery_routes[];

/* ---- seller applications, shop profiles, store pages (sellers.c) ---- */
/* Checks a Korean business registration number (사업자등록번호): 10 digits, hyphens allowed, whose
 * last digit is the check digit over weights 1,3,7,1,3,7,1,3,5 plus the carry of the 9th digit × 5
 * (National Tax Service rule). On BC_OK writes the 10 digits into out; BC_EINVAL otherwise. */
int bc_seller_business_number_check(const char *in, char out[11]);
/* The latest application of user_id, its sealed facts opened (business_number, contact_phone,
 * contact_email, bank_name, bank_account, account_holder), in *out (caller owns): {id, user_id,
 * status PENDING|APPROVED|REJECTED|WITHDRAWN, shop_name, representative, ..., reason, created_at,
 * decided_at (UTC ms)}. BC_OK, BC_ENOTFOUND or a store error. */
int bc_seller_application_latest(bc_db *db, int64_t user_id, json_t **out);
/* Applications with status (NULL = all), at most 200, in *out (caller owns) {items: [...]} as in
 * bc_seller_application_latest. BC_OK or a store error. */
int bc_seller_application_list(bc_db *db, const char *status, json_t **out);
/* Decides PENDING application id as admin_id in one transaction: reason NULL approves (role seller,
 * a seller_profiles row, notice seller.APPROVED), else rejects with the reason (notice
 * seller.REJECTED). *user_id gets the applicant. BC_OK, BC_ENOTFOUND, BC_ECONFLICT (not PENDING:
 * decided once even when two admins decide at once) or a store error. */
int bc_seller_application_decide(bc_db *db, int64_t id, int64_t admin_id, const char *reason, int64_t *user_id);
/* A seller's public store facts in *out (caller owns): {id, name, shop_name, intro, logo_url,
 * shipping_policy, followers, created_at}. BC_OK, BC_ENOTFOUND (no active seller) or a store error. */
int bc_seller_store_get(bc_db *db, int64_t seller_id, json_t **out);
/* Applies the present fields of body (shop_name, intro, logo_url (null removes), shipping_policy;
 * validated by the route) to seller_id's shop profile, creating it when missing. BC_OK or a store error. */
int bc_seller_shop_update(bc_db *db, int64_t seller_id, json_t *body);
extern const bc_route bc_seller_routes[];

/* ---- blocking with a reason, account deletion (lifecycle.c, lifecycle_store.c) ----
 * Blocking (PATCH /api/v1/admin/users/{id} {blocked: true, blocked_reason}) keeps the reason and
 * the time in users.blocked_reason / blocked_at, tells the user by a notice (account.BLOCKED) and
 * shows the reason to the account's owner at login (403 ACCOUNT_BLOCKED with error.reason).
 * Deletion (DELETE /api/v1/me, 회원 탈퇴) anonymises the users row in place (the orders kept by
 * commerce still name a buyer), erases what accounts holds about the person, and keeps the row
 * blocked so that nothing signs in again; the orders' shipping addresses are erased later by
 * bc_accounts_retention_due. */
#define BC_BLOCK_REASON_MAX 500                    /* characters of users.blocked_reason */
#define BC_DELETED_NAME "탈퇴회원"                 /* users.name of a deleted account */
#define BC_RETENTION_EVERY_MS (24LL * 3600 * 1000) /* how often bc_accounts_retention_due runs its purge */

/* bc_accounts_update with the block's reason (blocked == 1 only; NULL = none, as the CLI blocks;
 * at most BC_BLOCK_REASON_MAX characters): stored with blocked_at and told to the user in an
 * account.BLOCKED notice when new. Unblocking clears reason and time. BC_OK, BC_ENOTFOUND (no such
 * user, or a deleted one), BC_EINVAL (unknown role, reason too long) or an error. */
int bc_accounts_update_reason(bc_db *db, int64_t id, const char *role, int blocked, const char *reason);
/* The block reason of user id into *reason (malloc'd, caller frees; NULL when the account is not
 * blocked or was blocked without one). BC_OK, BC_ENOTFOUND or a store error. */
int bc_accounts_block_reason(bc_db *db, int64_t id, char **reason);
/* The admin's user list, newest first: q (NULL = all) a substring of the e-mail or the name
 * (case-insensitive for ASCII; '%' and '_' match themselves), role (NULL = all) "buyer"/"seller"/
 * "admin", blocked -1 all, 0 active only, 1 blocked only; page >= 1, per_page 1..100. *out (caller
 * owns) is {items: [{id, email, name, role, created_at, blocked (bool), blocked_reason, blocked_at,
 * deleted_at}], page, per_page, total} with times UTC ms (null when unset). BC_OK or a store error. */
int bc_accounts_admin_list(bc_db *db, const char *q, const char *role, int blocked, int64_t page, int64_t per_page,
                           json_t **out);
/* Deletes (anonymises) account id in one transaction of accounts' own tables: users row e-mail
 * "deleted-<id>@invalid", name BC_DELETED_NAME, phone and its hash NULL, password_hash '', e-mail
 * verification NULL, deleted_at = now, blocked = 1 (block reason cleared); every refresh token
 * revoked; its user_identities, oauth_links, OAuth states, account_tokens, addresses, seller
 * applications (sealed facts), seller profile and follows (both ways) deleted. The caller checked
 * the password and the open orders, closes the sockets and drops the cache entry (lifecycle.c does
 * all of it). BC_OK, BC_ENOTFOUND (no such user or already deleted) or a store error. */
int bc_accounts_delete(bc_db *db, int64_t id);
/* Ids of deleted accounts above after_id, ascending, at most max (<= 100), into ids; *n their
 * count. For the retention purge. BC_OK or a store error. */
int bc_accounts_deleted_ids(bc_db *db, int64_t after_id, int64_t *ids, int max, int *n);
/* The daily retention job, for the lease holder's sweep (once a second): at most once per
 * BC_RETENTION_EVERY_MS in this process (the first call after start runs it), erases the shipping
 * addresses of orders older than bc_cfg.order_retention_days placed by deleted accounts
 * (bc_orders_retention_erase, per 100 accounts). Returns the number of orders erased, 0 when not
 * due, or an error (tried again at the next call). */
int bc_accounts_retention_due(bc_db *db, int64_t now_ms);
extern const bc_route bc_lifecycle_routes[];

/* ---- address book and resealing personal data (addresses.c, addresses_store.c) ----
 * Every user (buyer, seller, admin) may keep up to BC_ADDRESS_BOOK_MAX shipping addresses, exactly
 * one of them the default while the book is not empty. The personal fields (recipient, phone,
 * postcode, address1, address2: the rules of an order's shipping_address, bc_order_check_address)
 * are stored only sealed (bc_seal, associated data "addresses.sealed:<id>"); the label is clear. */
#define BC_ADDRESS_BOOK_MAX 10
/* Routes: GET/POST /api/v1/me/addresses, PATCH/DELETE /api/v1/me/addresses/{id},
 * POST /api/v1/me/addresses/{id}/default. */
extern const bc_route bc_address_routes[];
/* Address id of user_id opened for an order: *out (caller owns) is {recipient, phone, postcode,
 * address1, address2} (address2 "" when none), valid for bc_order_check_address. BC_OK,
 * BC_ENOTFOUND (no such address, or another user's), BC_ERR (the stored value does not open) or a
 * store error. */
int bc_address_get(bc_db *db, int64_t user_id, int64_t id, json_t **out);
/* Adds addr ({recipient, phone, postcode, address1, address2?}, borrowed; checked with
 * bc_order_check_address) to user_id's book under label, unless an address with the same fields
 * is there already (*id then names it); the first address becomes the default. BC_OK (*id set),
 * BC_EINVAL (not a valid address), BC_ECONFLICT (the book is full) or a store error. */
int bc_address_add(bc_db *db, int64_t user_id, const char *label, json_t *addr, int64_t *id);
/* Reseals under the current data key every value of this module sealed under an older key (or
 * still clear): users.phone (phone_hash recomputed with bc_seal_lookup), seller_applications.sealed
 * (business_hash recomputed), addresses.sealed; in batches of 100 rows, each batch one
 * transaction, each row updated only if unchanged since read. *count gets the values resealed.
 * Returns BC_OK, BC_EINVAL when some value could not be opened (its key is not in the ring, or it
 * was tampered with: logged and left as it is, the others resealed), BC_ERR (no key loaded) or a
 * store error. */
int bc_accounts_reseal(bc_db *db, int64_t *count);

extern const bc_route bc_accounts_routes[];

#endif
