/* core: logging, configuration table, per-request arena, time and id helpers.
 * Prefix: bc_ (log, cfg, arena, time, rand). Every other module may include this. */
#ifndef BC_CORE_H
#define BC_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Error codes shared by every module. 0 is success; negative values are errors. */
enum bc_err {
    BC_OK = 0,
    BC_ERR = -1,        /* unexpected internal failure (logged) */
    BC_ENOTFOUND = -2,  /* the row/object does not exist */
    BC_ECONFLICT = -3,  /* a conditional update matched nothing (state changed) */
    BC_EINVAL = -4,     /* bad input */
    BC_ENOMEM = -5,     /* allocation failed */
    BC_EBUSY = -6,      /* queue full / database busy past the timeout */
    BC_EGATEWAY = -7,   /* the payment gateway refused or could not be reached */
    BC_EFORBIDDEN = -8, /* the caller may not do this */
};

/* ---- logging ---------------------------------------------------------- */
enum bc_log_level { BC_LOG_DEBUG, BC_LOG_INFO, BC_LOG_WARN, BC_LOG_ERROR };

/* Sets the lowest level that is printed (default BC_LOG_INFO). */
void bc_log_set_level(enum bc_log_level level);
/* Sets the line format (default 0, text): 1 makes bc_log print one JSON object per line,
 * {"ts":ISO-8601 UTC with ms,"level":"info","module":…,"msg":…[,"request_id":…]}, strings escaped
 * per RFC 8259 (control, C1 and bidi characters as \uNNNN, invalid UTF-8 as U+FFFD).
 * Call before threads start (BROADCART_LOG_FORMAT). */
void bc_log_set_json(int json);
/* 1 when a line of this level would be printed. */
int bc_log_enabled(enum bc_log_level level);
/* Prints one line "ISO-8601 LEVEL module: message[ rid=REQUEST-ID]" to stderr; thread-safe. The
 * formatted message (at most 1023 bytes) is escaped with bc_log_escape, so text from users cannot
 * start a forged line or hide itself; " rid=" is appended when this thread has a request id set.
 * Never pass passwords, tokens or card data. */
void bc_log(enum bc_log_level level, const char *module, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets this thread's request id for the lines bc_log prints (NULL clears it). The string is
 * borrowed: keep it alive until cleared. The http module sets it while it handles a request. */
void bc_log_set_request_id(const char *id);
/* The request id this thread's log lines carry now (NULL outside a request; not copied). */
const char *bc_log_request_id(void);
/* Copies the NUL-terminated in to out (outlen bytes, always NUL-terminated, truncated at a
 * character boundary) with C0 control bytes and DEL as \xNN, a backslash as \\, C1 controls
 * (U+0080..U+009F) and the bidi controls of Unicode UAX #9 (U+061C, U+200E, U+200F,
 * U+202A..U+202E, U+2066..U+2069) as \uNNNN. Returns the length written. */
size_t bc_log_escape(const char *in, char *out, size_t outlen);
#define bc_log_info(mod, ...) bc_log(BC_LOG_INFO, mod, __VA_ARGS__)
#define bc_log_warn(mod, ...) bc_log(BC_LOG_WARN, mod, __VA_ARGS__)
#define bc_log_error(mod, ...) bc_log(BC_LOG_ERROR, mod, __VA_ARGS__)
#define bc_log_debug(mod, ...) bc_log(BC_LOG_DEBUG, mod, __VA_ARGS__)

/* ---- configuration ---------------------------------------------------- */
/* The settings, read once at start from the environment (and an optional KEY=VALUE file).
 * Every field is documented in the table in config.c, which `broadcart config` prints. */
typedef struct bc_config {
    int http_port;                 /* BROADCART_HTTP_PORT, TCP port, default 8080 */
    char http_host[64];            /* BROADCART_HTTP_HOST, bind address, default 0.0.0.0 */
    int rtmp_port;                 /* BROADCART_RTMP_PORT, TCP port, default 1935 */
    char data_dir[512];            /* BROADCART_DATA_DIR, path, default ./var */
    char database_url[1024];       /* BROADCART_DATABASE_URL, sqlite:PATH or postgresql://...; default derived */
    char web_dir[512];             /* BROADCART_WEB_DIR, path of the web client, default ./web */
    char public_url[256];          /* BROADCART_PUBLIC_URL, base URL viewers use, default http://127.0.0.1:{port} */
    char rtmp_public_host[128];    /* BROADCART_RTMP_PUBLIC_HOST, host in RTMP URLs, default 127.0.0.1 */
    char toss_api_base[256];       /* BROADCART_TOSS_API_BASE, default http://127.0.0.1:{port}/sandbox-pg */
    char toss_secret_key[256];     /* BROADCART_TOSS_SECRET_KEY; generated into {data_dir}/toss.secret when unset */
    char toss_client_key[256];     /* BROADCART_TOSS_CLIENT_KEY, default test_ck_broadcart_sandbox */
    char toss_checkout[16];        /* BROADCART_TOSS_CHECKOUT, auto|sandbox|sdk, default auto */
    char jwt_secret[256];          /* BROADCART_JWT_SECRET; generated into {data_dir}/jwt.secret when unset */
    int access_token_ttl_s;        /* BROADCART_ACCESS_TOKEN_TTL, seconds, default 900 */
    int refresh_token_ttl_s;       /* BROADCART_REFRESH_TOKEN_TTL, seconds, default 1209600 (14 days) */
    int order_ttl_s;               /* BROADCART_ORDER_TTL, seconds an unpaid order holds stock, default 600 */
    int shipping_fee;              /* BROADCART_SHIPPING_FEE, KRW, default 3000 */
    int free_shipping_over;        /* BROADCART_FREE_SHIPPING_OVER, KRW subtotal for free shipping, default 50000 */
    int auto_confirm_days;         /* BROADCART_AUTO_CONFIRM_DAYS, days after delivery, default 7 (orders) */
    int loops;                     /* BROADCART_LOOPS, event-loop threads, default = CPU cores */
    int workers;                   /* BROADCART_WORKERS, worker threads for DB/gateway calls, default 8 */
    int max_body_bytes;            /* BROADCART_MAX_BODY, bytes, default 65536 */
    int max_upload_bytes;          /* BROADCART_MAX_UPLOAD, bytes of one image upload, default 5242880 */
    int pwhash_ops;                /* BROADCART_PWHASH_OPSLIMIT, Argon2id passes, default 2 */
    int pwhash_mem_kib;            /* BROADCART_PWHASH_MEMLIMIT_KIB, KiB, default 65536 */
    int pwhash_workers;            /* BROADCART_PWHASH_WORKERS, password-hashing threads, default 2 */
    int login_rate_addr;           /* BROADCART_LOGIN_RATE_PER_ADDR, failed logins per window, default 30 */
    int login_window_s;            /* BROADCART_LOGIN_WINDOW_PER_ADDR, seconds, default 600 */
    int signup_rate_addr;          /* BROADCART_SIGNUP_RATE_PER_ADDR, sign-ups per window, default 20 */
    int signup_window_s;           /* BROADCART_SIGNUP_WINDOW_PER_ADDR, seconds, default 3600 */
    int pwreset_rate_addr;         /* BROADCART_PWRESET_RATE_PER_ADDR, resets per window, default 10 */
    int pwreset_window_s;          /* BROADCART_PWRESET_WINDOW_PER_ADDR, seconds, default 3600 */
    char trusted_proxies[1024];    /* BROADCART_TRUSTED_PROXIES, comma-separated IPs/CIDRs, default none */
    int chat_rate_per_10s;         /* BROADCART_CHAT_RATE, messages per user per 10 s, default 5 */
    int ws_max_queued_bytes;       /* BROADCART_WS_MAX_QUEUED, bytes queued per WebSocket, default 1048576 */
    int ws_flush_ms;               /* BROADCART_WS_FLUSH_MS, ms a room's frames may wait to share a write, default 0 */
    int room_flush_s;              /* BROADCART_ROOM_FLUSH, seconds between room-figure writes, default 10 */
    int ws_ping_rate_per_10s;      /* BROADCART_WS_PING_RATE, pings per WebSocket per 10 s (0 = any), default 50 */
    int live_grace_s;              /* BROADCART_LIVE_GRACE, seconds to publish / republish, default 1800 */
    int live_stall_s;              /* BROADCART_LIVE_STALL, seconds without a new HLS segment, default 15 */
    char rtmp_control_url[512];    /* BROADCART_RTMP_CONTROL_URL, nginx-rtmp control (http:// or unix:) */
    char rtmp_callback_token[128]; /* BROADCART_RTMP_CALLBACK_TOKEN; nginx-rtmp callbacks must carry it (generated per
                                      start with --with-rtmp when unset) */
    char nginx_bin[256];           /* BROADCART_NGINX, path, default /usr/sbin/nginx */
    char log_level[16];            /* BROADCART_LOG_LEVEL, debug|info|warn|error, default info */
    char log_format[8];            /* BROADCART_LOG_FORMAT, text|json, default text (metrics: structured logs) */
    char metrics_token[256];       /* BROADCART_METRICS_TOKEN, bearer token for GET /metrics off loopback, default "" */
    char cors_origins[1024];       /* BROADCART_CORS_ORIGINS, comma-separated origins or *, default none */
    char redis_url[512];           /* BROADCART_REDIS_URL, redis://..., default "" (rooms in this process only) */
    /* media: S3-compatible object storage (src/media/s3.c); empty endpoint = files under {data_dir}/media */
    char s3_endpoint[256];   /* BROADCART_S3_ENDPOINT, http(s)://host[:port], default "" (local files) */
    char s3_bucket[64];      /* BROADCART_S3_BUCKET, a bucket name (3..63 of a-z 0-9 . -) */
    char s3_access_key[128]; /* BROADCART_S3_ACCESS_KEY, the access key id */
    char s3_secret_key[256]; /* BROADCART_S3_SECRET_KEY, the secret access key */
    char s3_region[64];      /* BROADCART_S3_REGION, the SigV4 region, default us-east-1 */
    char s3_public_url[256]; /* BROADCART_S3_PUBLIC_URL, base URL browsers fetch objects from, default
                                {endpoint}/{bucket} */
    /* notices */
    char smtp_url[512];  /* BROADCART_SMTP_URL, smtp://[user:pass@]host[:port] or smtps://..., default "" (no mail) */
    char smtp_from[256]; /* BROADCART_SMTP_FROM, an e-mail address, default broadcart@localhost */
    char smtp_ca_file[512]; /* BROADCART_SMTP_CA_FILE, path of a PEM CA bundle, default "" (system roots) */
    /* payments */
    int pg_timeout_ms;              /* BROADCART_PG_TIMEOUT_MS, ms per gateway call, default 10000 */
    int pg_breaker_failures;        /* BROADCART_PG_BREAKER_FAILURES, consecutive failures opening the breaker, 5 */
    int pg_breaker_open_s;          /* BROADCART_PG_BREAKER_OPEN, seconds the breaker stays open, default 30 */
    int reconcile_interval_s;       /* BROADCART_RECONCILE_INTERVAL, seconds between reconciliations (0 = off), 60 */
    char payment_provider[16];      /* BROADCART_PAYMENT_PROVIDER, toss|portone, default toss */
    char portone_api_base[256];     /* BROADCART_PORTONE_API_BASE, default http://127.0.0.1:{port}/sandbox-portone */
    char portone_imp_key[128];      /* BROADCART_PORTONE_IMP_KEY, default sandbox_imp_key */
    char portone_imp_secret[256];   /* BROADCART_PORTONE_IMP_SECRET; generated into {data_dir}/portone.secret */
    char portone_merchant_code[64]; /* BROADCART_PORTONE_MERCHANT_CODE, IMP.init code, default imp00000000 */
    /* stock */
    int hold_ttl_s;        /* BROADCART_HOLD_TTL, seconds a hold keeps its stock, default 300 */
    int max_unpaid_orders; /* BROADCART_MAX_UNPAID_ORDERS, a buyer's unpaid orders + holds at once, default 3 */
    /* replays */
    char ffmpeg_bin[256];  /* BROADCART_FFMPEG, path, default /usr/bin/ffmpeg (replay remux, poster) */
    char ffprobe_bin[256]; /* BROADCART_FFPROBE, path, default /usr/bin/ffprobe (recording durations) */
    int replay_settle_s;   /* BROADCART_REPLAY_SETTLE, seconds, default 10 */
    /* accounts (issue 9) */
    char data_key[128];     /* BROADCART_DATA_KEY, the current key sealing personal data; default generated into
                               {data_dir}/data.key */
    char data_key_old[600]; /* BROADCART_DATA_KEY_OLD, comma-separated older keys (read only), default "" */
    char kakao_client_id[128], kakao_client_secret[256], kakao_redirect_uri[512];    /* BROADCART_KAKAO_* */
    char naver_client_id[128], naver_client_secret[256], naver_redirect_uri[512];    /* BROADCART_NAVER_* */
    char google_client_id[256], google_client_secret[256], google_redirect_uri[512]; /* BROADCART_GOOGLE_* */
    char kakao_auth_base[256];  /* BROADCART_KAKAO_AUTH_BASE, default the sandbox (https://kauth.kakao.com) */
    char kakao_api_base[256];   /* BROADCART_KAKAO_API_BASE, default the sandbox (https://kapi.kakao.com) */
    char naver_auth_base[256];  /* BROADCART_NAVER_AUTH_BASE, default the sandbox (https://nid.naver.com) */
    char naver_api_base[256];   /* BROADCART_NAVER_API_BASE, default the sandbox (https://openapi.naver.com) */
    char google_issuer[256];    /* BROADCART_GOOGLE_ISSUER, default the sandbox (https://accounts.google.com) */
    int oauth_timeout_ms;       /* BROADCART_OAUTH_TIMEOUT_MS, ms per identity-provider call, default 10000 */
    int require_verified_email; /* BROADCART_REQUIRE_VERIFIED_EMAIL, 1 = unverified accounts cannot check out */
    int session_refresh_ttl_s;  /* BROADCART_SESSION_REFRESH_TTL, seconds a refresh token lives without "keep me
                                   signed in", default 86400 */
    int verify_mail_rate;       /* BROADCART_VERIFY_MAIL_RATE, verification mails per account per hour, default 5 */
    int order_retention_days;   /* BROADCART_ORDER_RETENTION_DAYS, days a deleted account's orders are kept, 1825 */
    /* points */
    int points_ttl_days; /* BROADCART_POINTS_TTL_DAYS, days credited points stay valid, default 365 */
    /* subscriptions */
    int subscription_retry_s;     /* BROADCART_SUBSCRIPTION_RETRY_S, wait before a declined renewal is retried, 86400 */
    int subscription_max_retries; /* BROADCART_SUBSCRIPTION_MAX_RETRIES, retries before the subscription ENDS, 3 */
} bc_config;

/* One row of the settings table: name, default (as text), unit, description, and for a choice
 * setting its accepted values (NULL-terminated; NULL for other settings). */
typedef struct bc_config_doc {
    const char *env, *def, *unit, *doc;
    const char *const *choices;
} bc_config_doc;

/* Loads defaults, then the file named by BROADCART_CONFIG (KEY=VALUE lines, if set), then the
 * environment. Returns BC_OK or BC_EINVAL (message printed to stderr) on a value out of range. */
int bc_config_load(bc_config *cfg);
/* Parses one setting into cfg. Returns BC_OK, BC_ENOTFOUND (unknown name) or BC_EINVAL (out of range,
 * too long, or not one of the accepted values of an enum setting such as BROADCART_TOSS_CHECKOUT). */
int bc_config_set(bc_config *cfg, const char *name, const char *value);
/* The documentation table, terminated by a row with env == NULL. Static storage. */
const bc_config_doc *bc_config_docs(void);
/* Writes every setting as an environment file (deploy/broadcart.env.example is this output): per
 * setting a comment (meaning, unit and bounds or accepted values, default) and a KEY=VALUE line,
 * commented out with the default unless the deploy/ units expect a value. Independent of the
 * current environment. Returns BC_OK, or BC_ERR when writing failed. */
int bc_config_print_env(FILE *out);
/* Makes cfg->web_dir an absolute directory holding index.html: BROADCART_WEB_DIR when set, else the
 * first of the installed layout ({prefix}/share/broadcart/web), the source tree's web/ (both fixed
 * at build time) and ./web. Returns BC_OK, or BC_ENOTFOUND after printing the paths tried. */
int bc_config_resolve_web_dir(bc_config *cfg);
/* The process-wide configuration, set once by main before threads start. */
extern bc_config bc_cfg;

/* ---- arena: per-request bump allocator -------------------------------- */
typedef struct bc_arena bc_arena;
/* Creates an arena; returns NULL on OOM. Free everything with bc_arena_destroy. */
bc_arena *bc_arena_create(void);
void bc_arena_destroy(bc_arena *a);
/* Returns n bytes aligned to 16, owned by the arena; aborts on OOM. */
void *bc_arena_alloc(bc_arena *a, size_t n);
char *bc_arena_strndup(bc_arena *a, const char *s, size_t n);
char *bc_arena_strdup(bc_arena *a, const char *s);
char *bc_arena_printf(bc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- capped dynamic buffer (like curl's dynbuf) -------------------------- */
/* Bytes appended up to a fixed cap, always NUL-terminated after len (data may be NULL while
 * len is 0). Grows by doubling; the memory is the buffer's (bc_buf_free). */
typedef struct bc_buf {
    char *data;
    size_t len, alloc, cap;
} bc_buf;
/* An empty buffer that will hold at most cap bytes. */
void bc_buf_init(bc_buf *b, size_t cap);
/* Appends n bytes of p. BC_OK, or BC_ENOMEM when len + n would pass the cap (nothing is
 * appended); running out of memory aborts (the process's out-of-memory policy, as the arena). */
int bc_buf_add(bc_buf *b, const void *p, size_t n);
/* Frees the memory; the buffer is empty again (same cap). */
void bc_buf_free(bc_buf *b);
/* Appends the NUL-terminated s. BC_OK or BC_ENOMEM (past the cap, nothing appended). */
int bc_buf_add_str(bc_buf *b, const char *s);
/* Appends s escaped for HTML text and attribute values (& < > " ' as character references, HTML
 * Living Standard §13.1.4). BC_OK or BC_ENOMEM (past the cap: a prefix may have been appended). */
int bc_buf_add_html(bc_buf *b, const char *s);
/* libcurl CURLOPT_WRITEFUNCTION appending to the bc_buf in CURLOPT_WRITEDATA: a body past the
 * buffer's cap returns 0, which aborts the transfer with CURLE_WRITE_ERROR (libcurl
 * CURLOPT_WRITEFUNCTION docs). */
size_t bc_buf_curl_write(char *ptr, size_t size, size_t nmemb, void *userdata);

/* ---- time --------------------------------------------------------------- */
/* Current UTC time in milliseconds since the epoch. */
int64_t bc_now_ms(void);
/* Formats UTC ms as ISO-8601 "2026-11-23T10:00:00.000Z" into buf (>= 32 bytes). Returns buf. */
char *bc_time_iso(int64_t ms, char *buf, size_t len);
/* Parses ISO-8601 "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)" into UTC ms. Returns BC_OK or BC_EINVAL. */
int bc_time_parse(const char *s, int64_t *out_ms);

/* ---- random ------------------------------------------------------------- */
/* Writes n random chars from [a-zA-Z0-9] plus NUL into out (size n+1), from libsodium's CSPRNG. */
void bc_rand_token(char *out, size_t n);

/* mkdir -p: creates path and its missing parents with mode 0755 (path < 4096 bytes).
 * Returns BC_OK (also when it exists) or BC_ERR with errno set. */
int bc_mkdirs(const char *path);

/* Number of characters (code points) in a NUL-terminated UTF-8 string; s must not be NULL. */
size_t bc_utf8_len(const char *s);
/* What a text may hold (bc_utf8_check). BC_TEXT_LINE, for every user-visible text (names,
 * titles, addresses, chat): no C0 controls (tab and newlines included), DEL, C1 controls
 * (U+0080..U+009F), bidi embeddings/overrides U+202A..U+202E or isolates U+2066..U+2069 (they
 * reorder the text shown around them, Unicode UAX #9), nor the line/paragraph separators
 * U+2028/U+2029 (UAX #14). Emoji, ZWJ (U+200D), variation selectors and the marks U+200E/U+200F
 * pass. BC_TEXT_MULTI allows \n and \t as well. BC_TEXT_OPAQUE (passwords, tokens, URLs echoed to
 * external software) refuses only NUL. */
enum bc_text { BC_TEXT_LINE = 0, BC_TEXT_MULTI = 1, BC_TEXT_OPAQUE = 2 };
/* Checks the n bytes of s: valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points
 * past U+10FFFF, no sequence cut short) holding only what kind allows. Returns BC_OK, or
 * BC_EINVAL with *bad (when not NULL) set to the refused code point, or UINT32_MAX for invalid
 * UTF-8, and *at (when not NULL) to its 1-based character position. */
int bc_utf8_check(const char *s, size_t n, enum bc_text kind, uint32_t *bad, size_t *at);
/* Replaces, in place, each byte of the NUL-terminated s that does not belong to a well-formed
 * UTF-8 sequence (RFC 3629 §4, as bc_utf8_check decodes it) with '?'. */
void bc_utf8_scrub(char *s);

/* Copies the NUL-terminated text (NULL = "") into dst of cap bytes, cut at a UTF-8 character
 * boundary when it does not fit; dst is always NUL-terminated (cap > 0). */
void bc_str_copy(char *dst, size_t cap, const char *text);
/* Parses a decimal int64 in [min,max]; rejects trailing garbage. Returns BC_OK or BC_EINVAL. */
int bc_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* ---- sealed personal data (seal.c) ---------------------------------------
 * Personal data at rest (shipping addresses, phone numbers, business numbers, bank accounts) is
 * stored as a sealed text: "bcs1.<key id>.<base64url(nonce || ciphertext)>", XChaCha20-Poly1305
 * IETF (libsodium crypto_aead_xchacha20poly1305_ietf_*, RFC 8439 with a 192-bit nonce) with the
 * caller's associated data, which names the row ("users.phone:42"): a sealed value copied to
 * another row or column does not open. The key ring: BROADCART_DATA_KEY (64 hex digits or base64
 * of 32 bytes) plus BROADCART_DATA_KEY_OLD (comma-separated, read only) when set, else
 * {data_dir}/data.key (generated, mode 0600: one hex key per line, the first is current). A key id
 * is 8 hex digits of a BLAKE2b hash of the key. Lookups of a sealed value (find my ID by phone) use
 * bc_seal_lookup, a keyed BLAKE2b-256 under a subkey of the current key (crypto_kdf), never the
 * clear value. Prefix bc_seal_. Thread-safe after bc_seal_init. */
#define BC_SEAL_PREFIX "bcs1."
#define BC_SEAL_LOOKUP_LEN 64 /* hex characters of a lookup hash */
#define BC_SEAL_MAX_KEYS 8
/* Loads the key ring as described above (generating {data_dir}/data.key when no key is set and
 * the file is missing). Call once before serving; again after bc_seal_rotate_file. Returns BC_OK,
 * BC_EINVAL (a malformed key: message logged) or BC_ERR (cannot read or write the file). */
int bc_seal_init(const char *data_dir);
/* Seals the NUL-terminated plain under the current key with associated data ad (NUL-terminated,
 * e.g. "addresses.data:7"). *out is a malloc'd NUL-terminated sealed text (caller frees).
 * Returns BC_OK, BC_ENOMEM, or BC_ERR (no key loaded). */
int bc_seal(const char *ad, const char *plain, char **out);
/* Opens sealed (as written by bc_seal) with associated data ad: *out is the malloc'd plain text
 * (caller frees, and should sodium_memzero it when done). Returns BC_OK, BC_EINVAL (not a sealed
 * text, tampered, or sealed for another ad), BC_ENOTFOUND (its key is not in the ring) or BC_ENOMEM. */
int bc_seal_open(const char *ad, const char *sealed, char **out);
/* 1 when s is a sealed text (BC_SEAL_PREFIX) under the current key, 0 otherwise (clear text, or an
 * older key: the value needs resealing). */
int bc_seal_is_current(const char *s);
/* 1 when s looks like a sealed text (any key), 0 for clear text. */
int bc_seal_is_sealed(const char *s);
/* Keyed hash for lookups: hex BLAKE2b-256 of domain ("users.phone") and value under the current
 * key's lookup subkey into out (BC_SEAL_LOOKUP_LEN + 1 bytes). Returns BC_OK or BC_ERR (no key). */
int bc_seal_lookup(const char *domain, const char *value, char out[BC_SEAL_LOOKUP_LEN + 1]);
/* Key rotation of a file ring ({data_dir}/data.key; BROADCART_DATA_KEY unset): step 1 (retire = 0)
 * writes a new random key first, keeping the others after it (read only); step 2 (retire = 1),
 * after every sealed value was resealed, leaves the current key alone in the file. Both replace
 * the file atomically (rename) and reload the ring. Returns BC_OK, BC_EINVAL (the ring comes from
 * BROADCART_DATA_KEY: rotate by setting the new key there and the old in BROADCART_DATA_KEY_OLD),
 * BC_ECONFLICT (adding: the ring already holds BC_SEAL_MAX_KEYS keys, left by rotations that never
 * retired their old key; finish one first, since no key may go while values are sealed under it)
 * or BC_ERR. */
int bc_seal_rotate_file(const char *data_dir, int retire);
/* Reseals one stored value under the current key (broadcart rotate-data-key): old is a sealed text
 * (opened with ad) or, for a row written before sealing, the clear value. *out is the new sealed
 * text (malloc'd); with plain_out, *plain_out is the clear value (malloc'd; release it with
 * bc_seal_free_plain), e.g. to recompute a lookup hash. Returns BC_OK, what bc_seal_open refuses
 * with (BC_ENOTFOUND: its key is not in the ring; BC_EINVAL: tampered or not a sealed value),
 * BC_ENOMEM, or BC_ERR (no key loaded). */
int bc_seal_reseal(const char *ad, const char *old, char **out, char **plain_out);
/* Wipes (sodium_memzero) and frees a clear value from bc_seal_open/bc_seal_reseal; NULL is fine. */
void bc_seal_free_plain(char *plain);
/* Current key id (8 hex + NUL) for messages, "" before init. */
const char *bc_seal_key_id(void);

#endif
