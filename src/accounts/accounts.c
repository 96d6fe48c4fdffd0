/* Passwords (Argon2id), access tokens (JWT HS256) and user creation. */
#include "accounts.h"
#include "accounts_int.h"

#include "../bus/bus.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char jwt_key[256];
static size_t jwt_key_len;

int bc_accounts_init(const char *data_dir)
{
    int rc = BC_ERR;
    FILE *f = NULL;
    if (sodium_init() < 0)
        return BC_ERR;
    bc_http_set_account_check(bc_accounts_check);
    bc_http_set_account_forget(bc_accounts_cache_invalidate);
    if (bc_cfg.jwt_secret[0]) {
        jwt_key_len = strlen(bc_cfg.jwt_secret);
        memcpy(jwt_key, bc_cfg.jwt_secret, jwt_key_len);
        return BC_OK;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/jwt.secret", data_dir);
    f = fopen(path, "r");
    if (f) {
        char buf[256];
        if (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\r\n")] = 0;
            jwt_key_len = strlen(buf);
            memcpy(jwt_key, buf, jwt_key_len);
        }
        if (jwt_key_len >= 32)
            rc = BC_OK;
        else
            bc_log_error("accounts", "%s is too short (need >= 32 chars)", path);
        goto out;
    }
    char secret[65];
    bc_rand_token(secret, 64);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, secret, 64) != 64) {
        bc_log_error("accounts", "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    close(fd);
    memcpy(jwt_key, secret, 64);
    jwt_key_len = 64;
    bc_log_info("accounts", "generated a JWT secret in %s", path);
    rc = BC_OK;
out:
    if (f)
        fclose(f);
    return rc;
}

int bc_password_hash(const char *password, char out[128])
{
    if (crypto_pwhash_str(out, password, strlen(password), (unsigned long long)bc_cfg.pwhash_ops,
                          (size_t)bc_cfg.pwhash_mem_kib * 1024) != 0)
        return BC_ENOMEM;
    return BC_OK;
}

int bc_password_verify(const char *hash, const char *password)
{
    char buf[crypto_pwhash_STRBYTES] = {0}; /* libsodium's signature reads a full-size buffer */
    if (strlen(hash) >= sizeof buf)
        return BC_EINVAL;
    memcpy(buf, hash, strlen(hash));
    return crypto_pwhash_str_verify(buf, password, strlen(password)) == 0 ? BC_OK : BC_EINVAL;
}

int bc_password_check_strength(const char *pw)
{
    size_t n = 0;
    int letter = 0, digit = 0;
    for (const char *p = pw; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80)
            n++;
        if (isalpha((unsigned char)*p) || ((unsigned char)*p & 0x80))
            letter = 1;
        if (isdigit((unsigned char)*p))
            digit = 1;
    }
    return n >= 8 && n <= 128 && letter && digit ? BC_OK : BC_EINVAL;
}

int bc_email_check(const char *email)
{
    size_t len = strlen(email);
    const char *at = strchr(email, '@');
    if (len < 3 || len > 254 || !at || at == email || strchr(at + 1, '@'))
        return BC_EINVAL;
    for (const char *p = email; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',')
            return BC_EINVAL;
    const char *dot = strrchr(at, '.');
    if (!dot || dot == at + 1 || dot[1] == 0)
        return BC_EINVAL;
    return BC_OK;
}

void bc_email_normalize(const char *email, char *out, size_t outlen)
{
    size_t n = 0;
    for (; email[n] && n + 1 < outlen; n++)
        out[n] = (char)tolower((unsigned char)email[n]);
    out[n] = 0;
}

int bc_role_from_name(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, "buyer") == 0)
        return BC_ROLE_BUYER;
    if (strcmp(name, "seller") == 0)
        return BC_ROLE_SELLER;
    if (strcmp(name, "admin") == 0)
        return BC_ROLE_ADMIN;
    return 0;
}

const char *bc_role_name(int role)
{
    return role == BC_ROLE_SELLER ? "seller" : role == BC_ROLE_ADMIN ? "admin" : "buyer";
}

char *bc_token_issue(int64_t user_id, const char *role, const char *name)
{
    jwt_t *jwt = NULL;
    char *out = NULL, sub[32];
    int64_t now = bc_now_ms() / 1000;
    if (jwt_new(&jwt) != 0)
        return NULL;
    snprintf(sub, sizeof sub, "%lld", (long long)user_id);
    if (jwt_add_grant(jwt, "sub", sub) || jwt_add_grant(jwt, "role", role) || jwt_add_grant(jwt, "name", name) ||
        jwt_add_grant_int(jwt, "iat", (long)now) ||
        jwt_add_grant_int(jwt, "exp", (long)(now + bc_cfg.access_token_ttl_s)) ||
        jwt_set_alg(jwt, JWT_ALG_HS256, jwt_key, (int)jwt_key_len))
        goto out;
    out = jwt_encode_str(jwt);
out:
    jwt_free(jwt);
    return out;
}

int bc_token_verify(const char *token, bc_auth *out)
{
    jwt_t *jwt = NULL;
    int rc = BC_EINVAL;
    if (!token || strlen(token) > 4096 || jwt_decode(&jwt, token, jwt_key, (int)jwt_key_len) != 0)
        return BC_EINVAL;
    if (jwt_get_alg(jwt) != JWT_ALG_HS256)
        goto out;
    errno = 0;
    long exp = jwt_get_grant_int(jwt, "exp");
    if (errno == ENOENT || exp <= bc_now_ms() / 1000)
        goto out;
    const char *sub = jwt_get_grant(jwt, "sub"), *role = jwt_get_grant(jwt, "role"), *name = jwt_get_grant(jwt, "name");
    int64_t id;
    if (!sub || bc_parse_i64(sub, 1, INT64_MAX, &id) != BC_OK || !bc_role_from_name(role))
        goto out;
    out->user_id = id;
    out->role = bc_role_from_name(role);
    snprintf(out->name, sizeof out->name, "%s", name ? name : "");
    rc = BC_OK;
out:
    jwt_free(jwt);
    return rc;
}

int bc_accounts_create_user(bc_db *db, const char *email, const char *password, const char *name, const char *role,
                            int64_t *id)
{
    char hash[128];
    if (bc_email_check(email) != BC_OK || bc_password_check_strength(password) != BC_OK || !bc_role_from_name(role) ||
        !name || !*name)
        return BC_EINVAL;
    if (bc_password_hash(password, hash) != BC_OK)
        return BC_ENOMEM;
    char lower[256];
    bc_email_normalize(email, lower, sizeof lower);
    int rc = accounts_store_insert(db, lower, name, role, hash, id);
    sodium_memzero(hash, sizeof hash);
    if (rc == BC_OK) /* made by the operator (CLI) or the demo seed: the address counts as verified */
        rc = recovery_store_signup_extra(db, *id, NULL, 1);
    if (rc == BC_OK) /* a forged token may have cached this id as missing */
        bc_accounts_cache_invalidate(*id);
    return rc;
}

/* ---- attempt limits ---- */
#ifndef BC_LIMIT_SLOTS
#define BC_LIMIT_SLOTS 65536 /* x 48 bytes */
#endif
#ifndef BC_LIMIT_PROBE
#define BC_LIMIT_PROBE 32
#endif

/* What a slot counts. KIND_ADDR + cls for the per-address classes. */
enum { KIND_FREE = 0, KIND_ACCOUNT = 1, KIND_PAIR = 2, KIND_KNOWN = 3, KIND_ADDR = 4 };

typedef struct limit_slot {
    unsigned char key[16]; /* keyed BLAKE2b of kind + subject */
    int64_t start_ms;      /* window start: first counted attempt */
    int64_t expires_ms;    /* the slot is free from this time on */
    int32_t count;
    int32_t kind; /* KIND_*; KIND_FREE = empty */
} limit_slot;

static limit_slot limits[BC_LIMIT_SLOTS];
static pthread_mutex_t limits_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char limits_key[crypto_generichash_KEYBYTES];
static pthread_once_t limits_once = PTHREAD_ONCE_INIT;

static void limits_key_init(void) { randombytes_buf(limits_key, sizeof limits_key); }

/* Logs that the table is full, at most once a minute (an attacker must not flood the log). */
static void warn_full(const char *what)
{
    static _Atomic int64_t last_ms;
    int64_t now = bc_now_ms(), prev = atomic_load(&last_ms);
    if (now - prev >= 60000 && atomic_compare_exchange_strong(&last_ms, &prev, now))
        bc_log_warn("accounts", "attempt-limit table full: refusing %s that need a new entry", what);
}

/* key = BLAKE2b-128(kind || a || '\n' || b) under the per-process key. */
static void limit_key(int kind, const char *a, const char *b, unsigned char key[16])
{
    crypto_generichash_state st;
    unsigned char k = (unsigned char)kind;
    pthread_once(&limits_once, limits_key_init);
    crypto_generichash_init(&st, limits_key, sizeof limits_key, 16);
    crypto_generichash_update(&st, &k, 1);
    crypto_generichash_update(&st, (const unsigned char *)a, strlen(a));
    if (b) {
        crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
        crypto_generichash_update(&st, (const unsigned char *)b, strlen(b));
    }
    crypto_generichash_final(&st, key, 16);
}

static size_t limit_home(const unsigned char key[16])
{
    uint64_t h;
    memcpy(&h, key, sizeof h);
    return (size_t)(h % BC_LIMIT_SLOTS);
}

/* Window length (ms) and budget of a kind. */
static int64_t kind_window(int kind)
{
    switch (kind) {
    case KIND_ADDR + BC_LIMIT_LOGIN:
        return (int64_t)bc_cfg.login_window_s * 1000;
    case KIND_ADDR + BC_LIMIT_SIGNUP:
        return (int64_t)bc_cfg.signup_window_s * 1000;
    case KIND_ADDR + BC_LIMIT_PASSWORD_RESET:
        return (int64_t)bc_cfg.pwreset_window_s * 1000;
    case KIND_KNOWN:
        return BC_LOGIN_KNOWN_MS;
    default:
        return BC_LOGIN_WINDOW_MS;
    }
}

static int kind_max(int kind)
{
    switch (kind) {
    case KIND_ADDR + BC_LIMIT_LOGIN:
        return bc_cfg.login_rate_addr;
    case KIND_ADDR + BC_LIMIT_SIGNUP:
        return bc_cfg.signup_rate_addr;
    case KIND_ADDR + BC_LIMIT_PASSWORD_RESET:
        return bc_cfg.pwreset_rate_addr;
    default:
        return BC_LOGIN_MAX_FAILURES;
    }
}

static int slot_free(const limit_slot *s, int64_t now_ms) { return s->kind == KIND_FREE || now_ms >= s->expires_ms; }

/* Finds the slot of key, or (create) takes a free one in its neighbourhood, else displaces the
 * oldest known-address marker (never a counter). A found slot whose window ended (or that counts
 * nothing) is restarted when create is set and treated as absent otherwise. NULL when absent
 * (!create) or when every probed slot holds a live counter. Lock held. */
static limit_slot *limit_find(int kind, const unsigned char key[16], int64_t now_ms, int create)
{
    size_t h = limit_home(key);
    limit_slot *spare = NULL, *known = NULL;
    for (size_t i = 0; i < BC_LIMIT_PROBE; i++) {
        limit_slot *s = &limits[(h + i) % BC_LIMIT_SLOTS];
        if (s->kind == kind && memcmp(s->key, key, 16) == 0) {
            if (now_ms >= s->expires_ms || s->count == 0) { /* window over (or never used) */
                if (!create)
                    return NULL; /* a lookup never revives it */
                s->count = 0;
                s->start_ms = now_ms;
                s->expires_ms = now_ms + kind_window(kind);
            }
            return s;
        }
        if (!spare && slot_free(s, now_ms))
            spare = s;
        if (s->kind == KIND_KNOWN && (!known || s->start_ms < known->start_ms))
            known = s;
    }
    if (!create)
        return NULL;
    if (!spare && kind != KIND_KNOWN)
        spare = known;
    if (!spare)
        return NULL;
    memcpy(spare->key, key, 16);
    spare->kind = kind;
    spare->count = 0;
    spare->start_ms = now_ms;
    spare->expires_ms = now_ms + kind_window(kind);
    return spare;
}

/* Gives one count back to the slot of key if its window began at or before taken_ms. Lock held. */
static void limit_release(int kind, const unsigned char key[16], int64_t taken_ms)
{
    limit_slot *s = limit_find(kind, key, taken_ms, 0);
    if (s && s->count > 0 && s->start_ms <= taken_ms && taken_ms < s->expires_ms && --s->count == 0)
        s->kind = KIND_FREE;
}

static int64_t retry_s(const limit_slot *s, int64_t now_ms)
{
    int64_t r = (s->expires_ms - now_ms + 999) / 1000;
    return r < 1 ? 1 : r;
}

/* ---- the same limits cluster-wide (BROADCART_REDIS_URL) ----
 * Each counter is a Redis hash {c: count, s: window start (UTC ms)} that expires at the window's
 * end, under "broadcart:lim:KIND:HEX", HEX being a BLAKE2b-128 MAC of kind and subject keyed with a
 * secret derived from the token signing key (shared by the instances, so they agree on keys; Redis
 * never sees an e-mail or an address). Every check-and-count, give-back and login outcome is one
 * Lua script, so concurrent attempts on several instances cannot overshoot (a script runs with no
 * other command in between). Same windows, budgets and known-address rule as the table above.
 * Redis unreachable: the in-process table counts (bc_bus_eval returns at once), which makes the
 * limits per instance until Redis answers again. */
#define LUA_LIB                                                                                                        \
    "local function get(k, now, w)\n"                                                                                  \
    "  local v = redis.call('HMGET', k, 'c', 's')\n"                                                                   \
    "  local c, s = tonumber(v[1] or '0'), tonumber(v[2] or '0')\n"                                                    \
    "  if c <= 0 or now >= s + w then return 0, now end\n"                                                             \
    "  return c, s\n"                                                                                                  \
    "end\n"                                                                                                            \
    "local function put(k, c, s, w)\n"                                                                                 \
    "  redis.call('HSET', k, 'c', c, 's', s)\n"                                                                        \
    "  redis.call('PEXPIREAT', k, s + w)\n"                                                                            \
    "end\n"                                                                                                            \
    "local function back(k, taken, w)\n"                                                                               \
    "  local v = redis.call('HMGET', k, 'c', 's')\n"                                                                   \
    "  local c, s = tonumber(v[1] or '0'), tonumber(v[2] or '0')\n"                                                    \
    "  if c > 0 and s <= taken and taken < s + w then\n"                                                               \
    "    if c == 1 then redis.call('DEL', k) else redis.call('HINCRBY', k, 'c', -1) end\n"                             \
    "  end\n"                                                                                                          \
    "end\n"

/* KEYS[1] counter; ARGV now, window, max -> {1, 0} taken, {0, retry_ms} over budget. */
static bc_bus_script take_script = {.lua = LUA_LIB "local now, w, max = tonumber(ARGV[1]), tonumber(ARGV[2]), "
                                                   "tonumber(ARGV[3])\n"
                                                   "local c, s = get(KEYS[1], now, w)\n"
                                                   "if c >= max then return {0, s + w - now} end\n"
                                                   "put(KEYS[1], c + 1, s, w)\n"
                                                   "return {1, 0}\n"};
/* KEYS[1] counter; ARGV taken_ms, window. */
static bc_bus_script back_script = {.lua = LUA_LIB "back(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))\n"
                                                   "return 1\n"};
/* KEYS address, account, pair, known; ARGV now, address window, address max, account window, max
 * failures -> {0, 0, account_counted} counted, {BC_LOGIN_ACCOUNT_LOCKED | BC_LOGIN_ADDRESS_LIMIT,
 * retry_ms, 0} refused. */
static bc_bus_script login_begin_script = {
    .lua = LUA_LIB "local now, aw, amax = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
                   "local lw, maxf = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
                   "local known = redis.call('EXISTS', KEYS[4]) == 1\n"
                   "local ac, as = get(KEYS[1], now, aw)\n"
                   "if ac >= amax then return {2, as + aw - now, 0} end\n"
                   "local pc, ps = get(KEYS[3], now, lw)\n"
                   "if pc >= maxf then return {1, ps + lw - now, 0} end\n"
                   "local cc, cs = get(KEYS[2], now, lw)\n"
                   "if cc >= maxf and not known then return {1, cs + lw - now, 0} end\n"
                   "put(KEYS[1], ac + 1, as, aw)\n"
                   "put(KEYS[3], pc + 1, ps, lw)\n"
                   "if cc < maxf then put(KEYS[2], cc + 1, cs, lw) return {0, 0, 1} end\n"
                   "return {0, 0, 0}\n"};
/* A successful login. KEYS as above; ARGV taken_ms, address window, account window,
 * account_counted, known lifetime. */
static bc_bus_script login_ok_script = {
    .lua = LUA_LIB "local taken, aw, lw = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
                   "back(KEYS[1], taken, aw)\n"
                   "redis.call('DEL', KEYS[3])\n"
                   "if tonumber(ARGV[4]) == 1 then back(KEYS[2], taken, lw) end\n"
                   "redis.call('SET', KEYS[4], '1', 'PX', ARGV[5])\n"
                   "return 1\n"};

static unsigned char rkey[32];
static pthread_once_t rkey_once = PTHREAD_ONCE_INIT;

static void rkey_init(void)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof rkey);
    crypto_generichash_update(&st, (const unsigned char *)"broadcart attempt limits\n", 25);
    crypto_generichash_update(&st, jwt_key, jwt_key_len);
    crypto_generichash_final(&st, rkey, sizeof rkey);
}

/* "broadcart:lim:KIND:" + 32 hex digits of the MAC of (kind, a, b). */
static void redis_key(int kind, const char *a, const char *b, char out[64])
{
    crypto_generichash_state st;
    unsigned char k = (unsigned char)kind, mac[16];
    pthread_once(&rkey_once, rkey_init);
    crypto_generichash_init(&st, rkey, sizeof rkey, sizeof mac);
    crypto_generichash_update(&st, &k, 1);
    crypto_generichash_update(&st, (const unsigned char *)a, strlen(a));
    if (b) {
        crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
        crypto_generichash_update(&st, (const unsigned char *)b, strlen(b));
    }
    crypto_generichash_final(&st, mac, sizeof mac);
    int n = snprintf(out, 64, "broadcart:lim:%d:", kind);
    sodium_bin2hex(out + n, (size_t)(64 - n), mac, sizeof mac);
}

/* The four login keys of ticket t. */
static void login_keys(const bc_login_ticket *t, char keys[4][64])
{
    redis_key(KIND_ADDR + BC_LIMIT_LOGIN, t->ip, NULL, keys[0]);
    redis_key(KIND_ACCOUNT, t->email, NULL, keys[1]);
    redis_key(KIND_PAIR, t->email, t->ip, keys[2]);
    redis_key(KIND_KNOWN, t->email, t->ip, keys[3]);
}

static int64_t retry_ms_to_s(int64_t ms)
{
    int64_t r = (ms + 999) / 1000;
    return r < 1 ? 1 : r;
}

int bc_limit_take(enum bc_limit_class cls, const char *ip, int64_t now_ms, int64_t *retry_after_s)
{
    unsigned char key[16];
    int rc = BC_OK, kind = KIND_ADDR + (int)cls;
    if (bc_bus_configured()) {
        char rk[64];
        redis_key(kind, ip, NULL, rk);
        const char *keys[] = {rk};
        int64_t args[] = {now_ms, kind_window(kind), kind_max(kind)}, out[2];
        if (bc_bus_eval(&take_script, 1, keys, 3, args, out, 2) == BC_OK) {
            if (out[0] == 1)
                return BC_OK;
            *retry_after_s = retry_ms_to_s(out[1]);
            return BC_EBUSY;
        }
    }
    limit_key(kind, ip, NULL, key);
    pthread_mutex_lock(&limits_lock);
    limit_slot *s = limit_find(kind, key, now_ms, 1);
    if (!s) {
        *retry_after_s = 60;
        rc = BC_ENOMEM;
    } else if (s->count >= kind_max(kind)) {
        *retry_after_s = retry_s(s, now_ms);
        rc = BC_EBUSY;
    } else {
        s->count++;
    }
    pthread_mutex_unlock(&limits_lock);
    if (rc == BC_ENOMEM)
        warn_full(cls == BC_LIMIT_LOGIN ? "logins" : cls == BC_LIMIT_SIGNUP ? "sign-ups" : "password resets");
    return rc;
}

void bc_limit_give_back(enum bc_limit_class cls, const char *ip, int64_t taken_ms)
{
    unsigned char key[16];
    if (bc_bus_configured()) {
        char rk[64];
        redis_key(KIND_ADDR + (int)cls, ip, NULL, rk);
        const char *keys[] = {rk};
        int64_t args[] = {taken_ms, kind_window(KIND_ADDR + (int)cls)}, out;
        if (bc_bus_eval(&back_script, 1, keys, 2, args, &out, 1) == BC_OK)
            return;
    }
    limit_key(KIND_ADDR + (int)cls, ip, NULL, key);
    pthread_mutex_lock(&limits_lock);
    limit_release(KIND_ADDR + (int)cls, key, taken_ms);
    pthread_mutex_unlock(&limits_lock);
}

int bc_login_begin(const char *email, const char *ip, int64_t now_ms, bc_login_ticket *t, int64_t *retry_after_s,
                   int *why)
{
    unsigned char kaddr[16], kacct[16], kpair[16], kknown[16];
    memset(t, 0, sizeof *t);
    bc_email_normalize(email, t->email, sizeof t->email);
    snprintf(t->ip, sizeof t->ip, "%s", ip);
    t->at_ms = now_ms;
    if (bc_bus_configured()) {
        char rk[4][64];
        login_keys(t, rk);
        const char *keys[] = {rk[0], rk[1], rk[2], rk[3]};
        int64_t args[] = {now_ms, kind_window(KIND_ADDR + BC_LIMIT_LOGIN), kind_max(KIND_ADDR + BC_LIMIT_LOGIN),
                          BC_LOGIN_WINDOW_MS, BC_LOGIN_MAX_FAILURES},
                out[3];
        if (bc_bus_eval(&login_begin_script, 4, keys, 5, args, out, 3) == BC_OK) {
            t->cluster = 1;
            if (out[0] == 0) {
                t->account_counted = (int)out[2];
                return BC_OK;
            }
            *why = out[0] == BC_LOGIN_ADDRESS_LIMIT ? BC_LOGIN_ADDRESS_LIMIT : BC_LOGIN_ACCOUNT_LOCKED;
            *retry_after_s = retry_ms_to_s(out[1]);
            return BC_EBUSY;
        }
    }
    limit_key(KIND_ADDR + BC_LIMIT_LOGIN, t->ip, NULL, kaddr);
    limit_key(KIND_ACCOUNT, t->email, NULL, kacct);
    limit_key(KIND_PAIR, t->email, t->ip, kpair);
    limit_key(KIND_KNOWN, t->email, t->ip, kknown);
    int rc = BC_EBUSY;
    pthread_mutex_lock(&limits_lock);
    limit_slot *addr = limit_find(KIND_ADDR + BC_LIMIT_LOGIN, kaddr, now_ms, 1), *acct = NULL, *pair = NULL;
    limit_slot *known = limit_find(KIND_KNOWN, kknown, now_ms, 0);
    int is_known = known != NULL;
    if (addr && addr->count >= kind_max(addr->kind)) {
        *why = BC_LOGIN_ADDRESS_LIMIT;
        *retry_after_s = retry_s(addr, now_ms);
    } else if (!addr || !(acct = limit_find(KIND_ACCOUNT, kacct, now_ms, 1)) ||
               !(pair = limit_find(KIND_PAIR, kpair, now_ms, 1))) {
        *why = BC_LOGIN_TABLE_FULL;
        *retry_after_s = 60;
    } else if (pair->count >= BC_LOGIN_MAX_FAILURES) {
        *why = BC_LOGIN_ACCOUNT_LOCKED;
        *retry_after_s = retry_s(pair, now_ms);
    } else if (acct->count >= BC_LOGIN_MAX_FAILURES && !is_known) {
        *why = BC_LOGIN_ACCOUNT_LOCKED;
        *retry_after_s = retry_s(acct, now_ms);
    } else {
        addr->count++;
        pair->count++;
        if (acct->count < BC_LOGIN_MAX_FAILURES) {
            acct->count++;
            t->account_counted = 1;
        }
        rc = BC_OK;
    }
    if (rc != BC_OK) { /* a refused attempt occupies nothing: free the entries it just created */
        limit_slot *made[] = {addr, acct, pair};
        for (size_t i = 0; i < 3; i++)
            if (made[i] && made[i]->count == 0)
                made[i]->kind = KIND_FREE;
    }
    pthread_mutex_unlock(&limits_lock);
    if (rc != BC_OK && *why == BC_LOGIN_TABLE_FULL)
        warn_full("logins");
    return rc;
}

void bc_login_finish(const bc_login_ticket *t, int ok)
{
    if (!ok)
        return;       /* the failure was counted by bc_login_begin */
    if (t->cluster) { /* counted in Redis: given back there (if Redis is gone, the count expires) */
        char rk[4][64];
        login_keys(t, rk);
        const char *keys[] = {rk[0], rk[1], rk[2], rk[3]};
        int64_t args[] = {t->at_ms, kind_window(KIND_ADDR + BC_LIMIT_LOGIN), BC_LOGIN_WINDOW_MS, t->account_counted,
                          BC_LOGIN_KNOWN_MS},
                out;
        bc_bus_eval(&login_ok_script, 4, keys, 5, args, &out, 1);
        return;
    }
    unsigned char kaddr[16], kacct[16], kpair[16], kknown[16];
    limit_key(KIND_ADDR + BC_LIMIT_LOGIN, t->ip, NULL, kaddr);
    limit_key(KIND_ACCOUNT, t->email, NULL, kacct);
    limit_key(KIND_PAIR, t->email, t->ip, kpair);
    limit_key(KIND_KNOWN, t->email, t->ip, kknown);
    int64_t now = t->at_ms;
    pthread_mutex_lock(&limits_lock);
    limit_release(KIND_ADDR + BC_LIMIT_LOGIN, kaddr, t->at_ms);
    limit_slot *pair = limit_find(KIND_PAIR, kpair, now, 0);
    if (pair) /* the owner is at this address: forget its typos for this account */
        pair->kind = KIND_FREE;
    if (t->account_counted)
        limit_release(KIND_ACCOUNT, kacct, t->at_ms);
    limit_slot *k = limit_find(KIND_KNOWN, kknown, now, 1);
    if (k) { /* (re)start the known-address lifetime */
        k->count = 1;
        k->start_ms = now;
        k->expires_ms = now + BC_LOGIN_KNOWN_MS;
    }
    pthread_mutex_unlock(&limits_lock);
}

/* ---- account status cache ---- */
#define CACHE_SLOTS 16384 /* direct-mapped by user id; a collision just evicts */

typedef struct cache_slot {
    int64_t user_id; /* 0 = empty */
    int exists, role, blocked;
    int64_t loaded_ms;
    int verified; /* e-mail verified */
} cache_slot;

static cache_slot cache[CACHE_SLOTS];
static uint64_t cache_version; /* bumped by every change: a load that raced one is not stored */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static cache_slot *cache_slot_of(int64_t id) { return &cache[(uint64_t)id % CACHE_SLOTS]; }

/* Stores a status read while cache_version was `version`; dropped if a change happened since. */
static void cache_store(uint64_t version, int64_t id, int exists, int role, int blocked, int verified)
{
    pthread_mutex_lock(&cache_lock);
    if (cache_version == version)
        *cache_slot_of(id) = (cache_slot){id, exists, role, blocked, bc_now_ms(), verified};
    pthread_mutex_unlock(&cache_lock);
}

void bc_accounts_cache_invalidate(int64_t user_id)
{
    pthread_mutex_lock(&cache_lock);
    cache_version++;
    cache_slot *s = cache_slot_of(user_id);
    if (s->user_id == user_id)
        s->user_id = 0;
    pthread_mutex_unlock(&cache_lock);
}

/* Reads user id's status from db into the cache. Returns the status code for bc_accounts_check. */
static int cache_load(bc_db *db, int64_t id, int *role, int *verified)
{
    pthread_mutex_lock(&cache_lock);
    uint64_t version = cache_version;
    pthread_mutex_unlock(&cache_lock);
    int blocked = 0, rc = recovery_store_status(db, id, role, &blocked, verified);
    if (rc == BC_OK || rc == BC_ENOTFOUND)
        cache_store(version, id, rc == BC_OK, *role, blocked, *verified);
    if (rc == BC_OK && blocked)
        rc = BC_EFORBIDDEN;
    return rc;
}

/* Background loads asked for by loop threads, at most MAX_PENDING_LOADS queued at once (they share
 * the workers' bounded queue with requests). */
#define MAX_PENDING_LOADS 64
static atomic_int pending_loads;

static void deferred_load(bc_db *db, void *arg)
{
    int role = 0, verified = 0;
    cache_load(db, *(int64_t *)arg, &role, &verified);
    free(arg);
    atomic_fetch_sub(&pending_loads, 1);
}

static void load_later(int64_t user_id)
{
    if (atomic_fetch_add(&pending_loads, 1) >= MAX_PENDING_LOADS) {
        atomic_fetch_sub(&pending_loads, 1);
        return;
    }
    int64_t *arg = malloc(sizeof *arg);
    if (arg) {
        *arg = user_id;
        if (bc_http_defer(deferred_load, arg) == BC_OK)
            return;
        free(arg);
    }
    atomic_fetch_sub(&pending_loads, 1);
}

int bc_accounts_cache_refresh(bc_db *db, int64_t user_id)
{
    int role = 0, verified = 0;
    return cache_load(db, user_id, &role, &verified);
}

int bc_accounts_check(bc_db *db, bc_auth *auth)
{
    int64_t now = bc_now_ms();
    pthread_mutex_lock(&cache_lock);
    cache_slot c = *cache_slot_of(auth->user_id);
    pthread_mutex_unlock(&cache_lock);
    int hit = c.user_id == auth->user_id, fresh = hit && now - c.loaded_ms < BC_ACCOUNT_CACHE_MAX_AGE_MS;
    int role = 0, verified = 0, rc;
    if (!fresh && db) {
        rc = cache_load(db, auth->user_id, &role, &verified);
        if (rc == BC_OK) {
            auth->role = role;
            auth->email_verified = verified;
        }
        return rc;
    }
    if (!fresh) /* loop thread: (re)load in the background, answer from what we have */
        load_later(auth->user_id);
    if (!hit)
        return BC_EBUSY;
    if (!c.exists)
        return BC_ENOTFOUND;
    if (c.blocked)
        return BC_EFORBIDDEN;
    auth->role = c.role;
    auth->email_verified = c.verified;
    return BC_OK;
}

int bc_accounts_update(bc_db *db, int64_t id, const char *role, int blocked)
{
    return bc_accounts_update_reason(db, id, role, blocked, NULL);
}

int bc_accounts_update_reason(bc_db *db, int64_t id, const char *role, int blocked, const char *reason)
{
    if (role && !bc_role_from_name(role))
        return BC_EINVAL;
    if (reason && bc_utf8_len(reason) > BC_BLOCK_REASON_MAX)
        return BC_EINVAL;
    int new_role = 0, new_blocked = 0, new_verified = 0, r2 = 0, b2 = 0;
    int rc = accounts_store_update(db, id, role, blocked, blocked == 1 ? reason : NULL, &new_role, &new_blocked);
    if (rc != BC_OK)
        return rc;
    if (recovery_store_status(db, id, &r2, &b2, &new_verified) != BC_OK) {
        bc_accounts_cache_invalidate(id);
        return BC_OK;
    }
    /* exact invalidation: bump the version (so racing loads are dropped), then store the new state */
    pthread_mutex_lock(&cache_lock);
    cache_version++;
    *cache_slot_of(id) = (cache_slot){id, 1, new_role, new_blocked, bc_now_ms(), new_verified};
    pthread_mutex_unlock(&cache_lock);
    if (blocked == 1) /* their open sockets (chat, events) close now, here and through the bus elsewhere */
        bc_hub_close_user(id, 1008, "account blocked");
    return BC_OK;
}

static char dummy_hash[128];
static void dummy_hash_init(void)
{
    char secret[33];
    bc_rand_token(secret, 32);
    if (bc_password_hash(secret, dummy_hash) != BC_OK)
        dummy_hash[0] = 0;
}

const char *bc_password_dummy_hash(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, dummy_hash_init);
    return dummy_hash;
}
