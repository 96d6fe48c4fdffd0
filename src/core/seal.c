/* Sealed personal data: XChaCha20-Poly1305 under a key ring (see core.h "sealed personal data"). */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KID_LEN 8

typedef struct seal_key {
    unsigned char key[KEY_BYTES];
    unsigned char lookup[crypto_generichash_KEYBYTES];
    char kid[KID_LEN + 1];
} seal_key;

static pthread_rwlock_t ring_lock = PTHREAD_RWLOCK_INITIALIZER;
static seal_key ring[BC_SEAL_MAX_KEYS]; /* ring[0] is current */
static size_t nkeys;

/* Parses 64 hex digits or base64 (standard or URL-safe, padded or not) of 32 bytes. */
static int parse_key(const char *text, size_t len, unsigned char out[KEY_BYTES])
{
    size_t bin_len = 0;
    if (len == 2 * KEY_BYTES && sodium_hex2bin(out, KEY_BYTES, text, len, NULL, &bin_len, NULL) == 0 &&
        bin_len == KEY_BYTES)
        return BC_OK;
    static const int variants[] = {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                                   sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
        if (sodium_base642bin(out, KEY_BYTES, text, len, NULL, &bin_len, NULL, variants[i]) == 0 &&
            bin_len == KEY_BYTES)
            return BC_OK;
    return BC_EINVAL;
}

/* Fills the derived fields of k from k->key. */
static void derive(seal_key *k)
{
    unsigned char h[16];
    static const unsigned char label[] = "broadcart key id";
    crypto_generichash(h, sizeof h, label, sizeof label - 1, k->key, KEY_BYTES);
    sodium_bin2hex(k->kid, sizeof k->kid, h, KID_LEN / 2);
    crypto_kdf_derive_from_key(k->lookup, sizeof k->lookup, 1, "bclookup", k->key);
}

/* Adds the comma/newline-separated keys of text to r (at most BC_SEAL_MAX_KEYS). */
static int add_keys(seal_key *r, size_t *n, const char *text, const char *source)
{
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, ",\r\n");
        const char *q = p;
        while (len && (*q == ' ' || *q == '\t'))
            q++, len--;
        while (len && (q[len - 1] == ' ' || q[len - 1] == '\t'))
            len--;
        if (len) {
            if (*n == BC_SEAL_MAX_KEYS) {
                bc_log_error("seal", "%s: more than %d keys", source, BC_SEAL_MAX_KEYS);
                return BC_EINVAL;
            }
            if (parse_key(q, len, r[*n].key) != BC_OK) {
                bc_log_error("seal", "%s: a key is neither 64 hex digits nor base64 of 32 bytes", source);
                return BC_EINVAL;
            }
            derive(&r[(*n)++]);
        }
        p += strcspn(p, ",\r\n");
        while (*p == ',' || *p == '\r' || *p == '\n')
            p++;
    }
    return BC_OK;
}

/* Writes the keys (hex, one per line) to path atomically (path.tmp, fsync, rename). */
static int write_ring_file(const char *path, const seal_key *r, size_t n)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = BC_ERR, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        bc_log_error("seal", "cannot write %s: %s", tmp, strerror(errno));
        return BC_ERR;
    }
    for (size_t i = 0; i < n; i++) {
        char hex[2 * KEY_BYTES + 2];
        sodium_bin2hex(hex, sizeof hex, r[i].key, KEY_BYTES);
        hex[2 * KEY_BYTES] = '\n';
        ssize_t w = write(fd, hex, 2 * KEY_BYTES + 1);
        sodium_memzero(hex, sizeof hex);
        if (w != 2 * KEY_BYTES + 1)
            goto out;
    }
    if (fsync(fd) != 0)
        goto out;
    rc = BC_OK;
out:
    close(fd);
    if (rc == BC_OK && rename(tmp, path) != 0)
        rc = BC_ERR;
    if (rc != BC_OK) {
        bc_log_error("seal", "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

static void ring_path(const char *data_dir, char *out, size_t len) { snprintf(out, len, "%s/data.key", data_dir); }

/* Reads the file ring into r; generates it when missing. */
static int load_file(const char *data_dir, seal_key *r, size_t *n)
{
    char path[1024], buf[BC_SEAL_MAX_KEYS * 80 + 1];
    ring_path(data_dir, path, sizeof path);
    int fd = open(path, O_RDONLY);
    if (fd < 0 && errno == ENOENT) {
        randombytes_buf(r[0].key, KEY_BYTES);
        derive(&r[0]);
        *n = 1;
        if (write_ring_file(path, r, 1) != BC_OK)
            return BC_ERR;
        bc_log_info("seal", "generated a data key in %s", path);
        return BC_OK;
    }
    if (fd < 0) {
        bc_log_error("seal", "cannot read %s: %s", path, strerror(errno));
        return BC_ERR;
    }
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (got < 0) {
        bc_log_error("seal", "cannot read %s: %s", path, strerror(errno));
        return BC_ERR;
    }
    buf[got] = 0;
    int rc = add_keys(r, n, buf, path);
    sodium_memzero(buf, sizeof buf);
    if (rc == BC_OK && *n == 0) {
        bc_log_error("seal", "%s holds no key", path);
        rc = BC_EINVAL;
    }
    return rc;
}

int bc_seal_init(const char *data_dir)
{
    if (sodium_init() < 0)
        return BC_ERR;
    seal_key r[BC_SEAL_MAX_KEYS];
    size_t n = 0;
    int rc, env = bc_cfg.data_key[0] != 0;
    if (env) {
        rc = add_keys(r, &n, bc_cfg.data_key, "BROADCART_DATA_KEY");
        if (rc == BC_OK && n != 1) {
            bc_log_error("seal",
                         "BROADCART_DATA_KEY must hold exactly one key (older ones go in BROADCART_DATA_KEY_OLD)");
            rc = BC_EINVAL;
        }
        if (rc == BC_OK)
            rc = add_keys(r, &n, bc_cfg.data_key_old, "BROADCART_DATA_KEY_OLD");
    } else {
        rc = load_file(data_dir, r, &n);
    }
    if (rc == BC_OK) {
        pthread_rwlock_wrlock(&ring_lock);
        memcpy(ring, r, n * sizeof *r);
        nkeys = n;
        pthread_rwlock_unlock(&ring_lock);
    }
    sodium_memzero(r, sizeof r);
    return rc;
}

const char *bc_seal_key_id(void) { return nkeys ? ring[0].kid : ""; }

int bc_seal(const char *ad, const char *plain, char **out)
{
    *out = NULL;
    size_t plen = strlen(plain), clen = NONCE_BYTES + plen + TAG_BYTES;
    unsigned char *bin = malloc(clen);
    size_t b64len = sodium_base64_ENCODED_LEN(clen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *txt = malloc(sizeof BC_SEAL_PREFIX + KID_LEN + 1 + b64len);
    int rc = BC_ENOMEM;
    if (!bin || !txt)
        goto out;
    pthread_rwlock_rdlock(&ring_lock);
    if (!nkeys) {
        pthread_rwlock_unlock(&ring_lock);
        rc = BC_ERR;
        goto out;
    }
    randombytes_buf(bin, NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(bin + NONCE_BYTES, NULL, (const unsigned char *)plain, plen,
                                               (const unsigned char *)ad, strlen(ad), NULL, bin, ring[0].key);
    int n = snprintf(txt, sizeof BC_SEAL_PREFIX + KID_LEN + 1, BC_SEAL_PREFIX "%s.", ring[0].kid);
    pthread_rwlock_unlock(&ring_lock);
    sodium_bin2base64(txt + n, b64len, bin, clen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    *out = txt;
    txt = NULL;
    rc = BC_OK;
out:
    free(bin);
    free(txt);
    return rc;
}

int bc_seal_is_sealed(const char *s)
{
    size_t pl = sizeof BC_SEAL_PREFIX - 1;
    return s && strncmp(s, BC_SEAL_PREFIX, pl) == 0 && strlen(s) > pl + KID_LEN && s[pl + KID_LEN] == '.';
}

int bc_seal_is_current(const char *s)
{
    if (!bc_seal_is_sealed(s))
        return 0;
    pthread_rwlock_rdlock(&ring_lock);
    int cur = nkeys && memcmp(s + sizeof BC_SEAL_PREFIX - 1, ring[0].kid, KID_LEN) == 0;
    pthread_rwlock_unlock(&ring_lock);
    return cur;
}

int bc_seal_open(const char *ad, const char *sealed, char **out)
{
    *out = NULL;
    if (!bc_seal_is_sealed(sealed))
        return BC_EINVAL;
    const char *kid = sealed + sizeof BC_SEAL_PREFIX - 1, *b64 = kid + KID_LEN + 1;
    size_t b64len = strlen(b64), cap = b64len / 4 * 3 + 3, clen = 0;
    unsigned char *bin = malloc(cap);
    char *plain = NULL;
    int rc = BC_ENOMEM;
    if (!bin)
        goto out;
    rc = BC_EINVAL;
    if (sodium_base642bin(bin, cap, b64, b64len, NULL, &clen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        clen < NONCE_BYTES + TAG_BYTES)
        goto out;
    size_t plen = clen - NONCE_BYTES - TAG_BYTES;
    rc = BC_ENOMEM;
    if (!(plain = malloc(plen + 1)))
        goto out;
    pthread_rwlock_rdlock(&ring_lock);
    rc = BC_ENOTFOUND;
    for (size_t i = 0; i < nkeys; i++) {
        if (memcmp(kid, ring[i].kid, KID_LEN) != 0)
            continue;
        unsigned long long got = 0;
        rc = crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)plain, &got, NULL, bin + NONCE_BYTES,
                                                        clen - NONCE_BYTES, (const unsigned char *)ad, strlen(ad), bin,
                                                        ring[i].key) == 0
                 ? BC_OK
                 : BC_EINVAL;
        break;
    }
    pthread_rwlock_unlock(&ring_lock);
    if (rc != BC_OK)
        goto out;
    plain[plen] = 0;
    if (memchr(plain, 0, plen)) { /* a sealed text never holds a NUL: refuse rather than truncate */
        rc = BC_EINVAL;
        goto out;
    }
    *out = plain;
    plain = NULL;
out:
    free(bin);
    free(plain);
    return rc;
}

int bc_seal_lookup(const char *domain, const char *value, char out[BC_SEAL_LOOKUP_LEN + 1])
{
    unsigned char h[BC_SEAL_LOOKUP_LEN / 2];
    crypto_generichash_state st;
    pthread_rwlock_rdlock(&ring_lock);
    if (!nkeys) {
        pthread_rwlock_unlock(&ring_lock);
        out[0] = 0;
        return BC_ERR;
    }
    crypto_generichash_init(&st, ring[0].lookup, sizeof ring[0].lookup, sizeof h);
    pthread_rwlock_unlock(&ring_lock);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1); /* NUL separates */
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, BC_SEAL_LOOKUP_LEN + 1, h, sizeof h);
    return BC_OK;
}

int bc_seal_rotate_file(const char *data_dir, int retire)
{
    if (bc_cfg.data_key[0])
        return BC_EINVAL;
    seal_key r[BC_SEAL_MAX_KEYS];
    size_t n = 0;
    char path[1024];
    ring_path(data_dir, path, sizeof path);
    int rc = load_file(data_dir, r + 1, &n);
    if (rc != BC_OK)
        goto out;
    if (retire) {
        rc = write_ring_file(path, r + 1, 1);
    } else {
        if (n == BC_SEAL_MAX_KEYS) { /* unfinished rotations: values may still be sealed under any of them */
            rc = BC_ECONFLICT;
            goto out;
        }
        randombytes_buf(r[0].key, KEY_BYTES);
        derive(&r[0]);
        rc = write_ring_file(path, r, n + 1);
    }
    if (rc == BC_OK)
        rc = bc_seal_init(data_dir);
out:
    sodium_memzero(r, sizeof r);
    return rc;
}

void bc_seal_free_plain(char *plain)
{
    if (plain) {
        sodium_memzero(plain, strlen(plain));
        free(plain);
    }
}

int bc_seal_reseal(const char *ad, const char *old, char **out, char **plain_out)
{
    char *plain = NULL;
    *out = NULL;
    if (plain_out)
        *plain_out = NULL;
    int rc = bc_seal_is_sealed(old) ? bc_seal_open(ad, old, &plain) : (plain = strdup(old)) ? BC_OK : BC_ENOMEM;
    if (rc == BC_OK)
        rc = bc_seal(ad, plain, out);
    if (rc == BC_OK && plain_out)
        *plain_out = plain;
    else
        bc_seal_free_plain(plain);
    return rc;
}
