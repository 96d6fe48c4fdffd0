/* Passwords (Argon2id), access tokens (JWT HS256) and user creation. */
#include "accounts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <pthread.h>
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
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? BC_OK : BC_EINVAL;
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
    int rc = bc_db_int(
        db, id, "INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        "tttti", lower, name, role, hash, bc_now_ms());
    sodium_memzero(hash, sizeof hash);
    if (rc == 1)
        return BC_OK;
    return rc == BC_ECONFLICT ? BC_ECONFLICT : BC_ERR;
}

/* ---- login throttle ---- */
#define THROTTLE_SLOTS 4096

typedef struct throttle_slot {
    unsigned char key[16]; /* BLAKE2b of the lowercased address; all zero = free */
    int failures;
    int64_t first_ms;
} throttle_slot;

static throttle_slot throttle[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

static void throttle_key(const char *email, unsigned char key[16])
{
    char lower[256];
    bc_email_normalize(email, lower, sizeof lower);
    crypto_generichash(key, 16, (const unsigned char *)lower, strlen(lower), NULL, 0);
}

/* Finds the slot of key (or a free / expired one to take when create is set). Lock held. */
static throttle_slot *throttle_find(const unsigned char key[16], int64_t now_ms, int create)
{
    static const unsigned char zero[16];
    size_t h = ((size_t)key[0] | (size_t)key[1] << 8) % THROTTLE_SLOTS;
    throttle_slot *victim = NULL;
    for (size_t i = 0; i < 16; i++) { /* probe a small neighbourhood */
        throttle_slot *s = &throttle[(h + i) % THROTTLE_SLOTS];
        if (memcmp(s->key, key, 16) == 0)
            return s;
        int expired = memcmp(s->key, zero, 16) == 0 || now_ms - s->first_ms >= BC_LOGIN_WINDOW_MS;
        if (!victim && expired)
            victim = s;
    }
    if (!create)
        return NULL;
    if (!victim) /* neighbourhood full of live entries: reuse the oldest */
        for (size_t i = 0; i < 16; i++) {
            throttle_slot *s = &throttle[(h + i) % THROTTLE_SLOTS];
            if (!victim || s->first_ms < victim->first_ms)
                victim = s;
        }
    memcpy(victim->key, key, 16);
    victim->failures = 0;
    victim->first_ms = now_ms;
    return victim;
}

int bc_login_allowed(const char *email, int64_t now_ms, int64_t *retry_after_s)
{
    unsigned char key[16];
    int rc = BC_OK;
    throttle_key(email, key);
    pthread_mutex_lock(&throttle_lock);
    throttle_slot *s = throttle_find(key, now_ms, 0);
    if (s && now_ms - s->first_ms < BC_LOGIN_WINDOW_MS && s->failures >= BC_LOGIN_MAX_FAILURES) {
        *retry_after_s = (s->first_ms + BC_LOGIN_WINDOW_MS - now_ms + 999) / 1000;
        rc = BC_EBUSY;
    }
    pthread_mutex_unlock(&throttle_lock);
    return rc;
}

void bc_login_record(const char *email, int ok, int64_t now_ms)
{
    unsigned char key[16];
    throttle_key(email, key);
    pthread_mutex_lock(&throttle_lock);
    throttle_slot *s = throttle_find(key, now_ms, !ok);
    if (s && ok) {
        memset(s, 0, sizeof *s);
    } else if (s) {
        if (now_ms - s->first_ms >= BC_LOGIN_WINDOW_MS) {
            s->failures = 0;
            s->first_ms = now_ms;
        }
        s->failures++;
    }
    pthread_mutex_unlock(&throttle_lock);
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
