/* Table-driven configuration: each row names a setting, its default, unit and bounds. */
#include "core.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bc_config bc_cfg;

enum cfg_type { CFG_INT, CFG_STR };

typedef struct cfg_row {
    const char *env;
    enum cfg_type type;
    size_t offset;
    size_t size; /* for strings: buffer size */
    long min, max;
    const char *def, *unit, *doc;
    const char *const *choices; /* for strings: NULL-terminated list of the accepted values, or NULL for any text */
} cfg_row;

#define INT_ROW(env, field, min, max, def, unit, doc)                                                                  \
    {                                                                                                                  \
        env, CFG_INT, offsetof(bc_config, field), sizeof(int), min, max, def, unit, doc, NULL                          \
    }
#define STR_ROW(env, field, def, doc)                                                                                  \
    {                                                                                                                  \
        env, CFG_STR, offsetof(bc_config, field), sizeof(((bc_config *)0)->field), 0, 0, def, "text", doc, NULL        \
    }
/* A string setting that must be one of `choices` (a NULL-terminated array). */
#define ENUM_ROW(env, field, choices, def, doc)                                                                        \
    {                                                                                                                  \
        env, CFG_STR, offsetof(bc_config, field), sizeof(((bc_config *)0)->field), 0, 0, def, "choice", doc, choices   \
    }

static const char *const toss_checkout_choices[] = {"auto", "sandbox", "sdk", NULL};
static const char *const payment_provider_choices[] = {"toss", "portone", NULL}; /* payments */
static const char *const log_level_choices[] = {"debug", "info", "warn", "error", NULL};
static const char *const log_format_choices[] = {"text", "json", NULL}; /* metrics: structured logs */

static const cfg_row rows[] = {
    INT_ROW("BROADCART_HTTP_PORT", http_port, 0, 65535, "8080", "TCP port",
            "HTTP/WebSocket listen port (0 = pick a free port and print it)"),
    STR_ROW("BROADCART_HTTP_HOST", http_host, "0.0.0.0", "HTTP listen address"),
    INT_ROW("BROADCART_RTMP_PORT", rtmp_port, 1, 65535, "1935", "TCP port",
            "RTMP ingest port of the nginx-rtmp child (serve --with-rtmp)"),
    STR_ROW("BROADCART_DATA_DIR", data_dir, "./var",
            "Directory for the SQLite database, media, HLS output and generated secrets"),
    STR_ROW("BROADCART_DATABASE_URL", database_url, "",
            "The database: sqlite:PATH (default sqlite:{data_dir}/broadcart.db, the embedded file) or a libpq URI "
            "postgresql://user:pass@host:port/db?sslmode=... (PostgreSQL 15; every worker opens one connection)"),
    STR_ROW("BROADCART_WEB_DIR", web_dir, "",
            "Directory of the web client (default: the first of {prefix}/share/broadcart/web, the source tree's web/ "
            "and ./web that holds index.html; serve refuses to start without one)"),
    STR_ROW("BROADCART_PUBLIC_URL", public_url, "",
            "Base URL viewers reach (default http://127.0.0.1:{port}); used for payment return URLs"),
    STR_ROW("BROADCART_RTMP_PUBLIC_HOST", rtmp_public_host, "127.0.0.1",
            "Host name put into RTMP publish URLs shown to sellers"),
    STR_ROW("BROADCART_TOSS_API_BASE", toss_api_base, "",
            "Toss Payments API base (default http://127.0.0.1:{port}/sandbox-pg, the built-in sandbox; "
            "https://api.tosspayments.com in production)"),
    STR_ROW("BROADCART_TOSS_SECRET_KEY", toss_secret_key, "",
            "Toss secret key (Basic auth user name); when unset, a test_sk_ key for the built-in sandbox is "
            "generated into {data_dir}/toss.secret (so no public default key can call the sandbox's API)"),
    STR_ROW("BROADCART_TOSS_CLIENT_KEY", toss_client_key, "test_ck_broadcart_sandbox",
            "Toss client key given to the browser"),
    ENUM_ROW("BROADCART_TOSS_CHECKOUT", toss_checkout, toss_checkout_choices, "auto",
             "How the browser pays: auto (the sandbox checkout page when BROADCART_TOSS_API_BASE is the built-in "
             "sandbox, else the Toss JS SDK), sandbox (always the sandbox page) or sdk (always the Toss JS SDK, even "
             "against the sandbox)"),
    STR_ROW("BROADCART_JWT_SECRET", jwt_secret, "",
            "HS256 secret for access tokens (generated into {data_dir}/jwt.secret when unset)"),
    INT_ROW("BROADCART_ACCESS_TOKEN_TTL", access_token_ttl_s, 30, 86400, "900", "seconds",
            "Lifetime of an access token"),
    INT_ROW("BROADCART_REFRESH_TOKEN_TTL", refresh_token_ttl_s, 60, 31536000, "1209600", "seconds",
            "Lifetime of a refresh token"),
    INT_ROW("BROADCART_ORDER_TTL", order_ttl_s, 5, 86400, "600", "seconds",
            "How long an unpaid order holds its stock before it expires"),
    INT_ROW("BROADCART_SHIPPING_FEE", shipping_fee, 0, 1000000, "3000", "KRW",
            "Default shipping fee per seller of an order (each seller may set their own)"),
    /* stock */
    INT_ROW("BROADCART_HOLD_TTL", hold_ttl_s, 1, 3600, "300", "seconds",
            "How long a hold (POST /api/v1/holds, the buy sheet of a live) keeps its stock before it is released"),
    INT_ROW("BROADCART_MAX_UNPAID_ORDERS", max_unpaid_orders, 1, 1000, "3", "orders",
            "Most unpaid orders plus live holds one buyer may have at once; one more is refused with 409 "
            "UNPAID_ORDERS_LIMIT"),
    /* end stock */
    INT_ROW("BROADCART_SHIPPING_FEE", shipping_fee, 0, 1000000, "3000", "KRW", "Shipping fee per order"),
    INT_ROW("BROADCART_FREE_SHIPPING_OVER", free_shipping_over, 0, 100000000, "50000", "KRW",
            "Default seller subtotal from which that seller's shipping is free (each seller may set their own)"),
    /* points */
    INT_ROW("BROADCART_POINTS_TTL_DAYS", points_ttl_days, 1, 3650, "365", "days",
            "Days credited points (earned, charged, given back) stay valid; then the rest of each credit expires "
            "(oldest first, on the sweeper's timer)"),
    /* subscriptions */
    INT_ROW("BROADCART_SUBSCRIPTION_RETRY_S", subscription_retry_s, 1, 2592000, "86400", "seconds",
            "Wait after a declined subscription renewal before it is charged again (the subscription is PAST_DUE "
            "meanwhile)"),
    INT_ROW("BROADCART_SUBSCRIPTION_MAX_RETRIES", subscription_max_retries, 0, 30, "3", "retries",
            "Retries of a declined renewal; when the last one is declined too the subscription ENDS"),
    /* orders */
    INT_ROW("BROADCART_AUTO_CONFIRM_DAYS", auto_confirm_days, 1, 365, "7", "days",
            "Days after delivery when a shipment's purchase is confirmed automatically (PURCHASE_CONFIRMED)"),
    INT_ROW("BROADCART_LOOPS", loops, 0, 64, "0", "threads", "Event-loop threads (0 = one per CPU core)"),
    INT_ROW("BROADCART_WORKERS", workers, 1, 256, "8", "threads", "Worker threads for database and gateway calls"),
    INT_ROW("BROADCART_MAX_BODY", max_body_bytes, 1024, 16777216, "65536", "bytes", "Largest accepted request body"),
    INT_ROW("BROADCART_MAX_UPLOAD", max_upload_bytes, 1024, 67108864, "5242880", "bytes",
            "Largest accepted image upload (POST /api/v1/media/images)"),
    INT_ROW("BROADCART_PWHASH_OPSLIMIT", pwhash_ops, 1, 10, "2", "passes", "Argon2id time cost"),
    INT_ROW("BROADCART_PWHASH_MEMLIMIT_KIB", pwhash_mem_kib, 8, 1048576, "65536", "KiB", "Argon2id memory cost"),
    INT_ROW("BROADCART_PWHASH_WORKERS", pwhash_workers, 1, 64, "2", "threads",
            "Threads that run password hashing (login, signup); their queue holds 256 requests, more get 503"),
    INT_ROW("BROADCART_LOGIN_RATE_PER_ADDR", login_rate_addr, 1, 100000, "30", "failures/window",
            "Failed logins one client address may make (over all e-mails) per BROADCART_LOGIN_WINDOW_PER_ADDR; "
            "then 429"),
    INT_ROW("BROADCART_LOGIN_WINDOW_PER_ADDR", login_window_s, 1, 86400, "600", "seconds",
            "Window of BROADCART_LOGIN_RATE_PER_ADDR, from the address's first failure"),
    INT_ROW("BROADCART_SIGNUP_RATE_PER_ADDR", signup_rate_addr, 1, 100000, "20", "signups/window",
            "Sign-up attempts one client address may make per BROADCART_SIGNUP_WINDOW_PER_ADDR; then 429"),
    INT_ROW("BROADCART_SIGNUP_WINDOW_PER_ADDR", signup_window_s, 1, 86400, "3600", "seconds",
            "Window of BROADCART_SIGNUP_RATE_PER_ADDR, from the address's first sign-up"),
    INT_ROW("BROADCART_PWRESET_RATE_PER_ADDR", pwreset_rate_addr, 1, 100000, "10", "requests/window",
            "Password-reset requests one client address may make per BROADCART_PWRESET_WINDOW_PER_ADDR; then 429"),
    INT_ROW("BROADCART_PWRESET_WINDOW_PER_ADDR", pwreset_window_s, 1, 86400, "3600", "seconds",
            "Window of BROADCART_PWRESET_RATE_PER_ADDR"),
    STR_ROW("BROADCART_TRUSTED_PROXIES", trusted_proxies, "",
            "Comma-separated IPs/CIDRs of reverse proxies; only when the TCP peer is one of them is X-Forwarded-For "
            "believed (its right-most address that is not a trusted proxy is the client)"),
    INT_ROW("BROADCART_CHAT_RATE", chat_rate_per_10s, 1, 1000, "5", "messages/10 s",
            "Chat messages one user may send per 10 seconds"),
    INT_ROW("BROADCART_WS_MAX_QUEUED", ws_max_queued_bytes, 16384, 268435456, "1048576", "bytes",
            "Most bytes queued for one WebSocket connection (all frame kinds); beyond it the connection is closed "
            "(1008)"),
    INT_ROW("BROADCART_WS_FLUSH_MS", ws_flush_ms, 0, 1000, "0", "ms",
            "Live-room frames arriving within this long of a room's last write are written together (one write "
            "per viewer for the batch): fewer system calls at high message rates for up to this much added delay; "
            "0 = write at once"),
    INT_ROW("BROADCART_ROOM_FLUSH", room_flush_s, 1, 60, "10", "seconds",
            "How often each instance adds its live-room counts (messages, hearts, pins, peak viewers) to the "
            "per-minute figures (live_room_minutes)"),
    INT_ROW("BROADCART_WS_PING_RATE", ws_ping_rate_per_10s, 0, 1000000, "50", "pings/10 s",
            "Pings one WebSocket connection may send per 10 seconds before it is closed (1008); 0 = no limit"),
    STR_ROW(
        "BROADCART_RTMP_CALLBACK_TOKEN", rtmp_callback_token, "",
        "Shared secret the nginx-rtmp callbacks carry as ?token=, 16..127 characters of A-Z a-z 0-9 . _ ~ - (e.g. "
        "openssl rand -hex 32). Generated at each start for serve --with-rtmp; set it when nginx-rtmp runs as its own "
        "service (deploy/broadcart-rtmp.service), else every callback is refused"),
    STR_ROW("BROADCART_NGINX", nginx_bin, "/usr/sbin/nginx", "nginx binary used by serve --with-rtmp"),
    STR_ROW("BROADCART_FFMPEG", ffmpeg_bin, "/usr/bin/ffmpeg",
            "ffmpeg binary that turns a live's recording into its replay (HLS VOD playlist) and poster"),
    STR_ROW("BROADCART_FFPROBE", ffprobe_bin, "/usr/bin/ffprobe", "ffprobe binary that reads a recording's duration"),
    INT_ROW("BROADCART_REPLAY_SETTLE", replay_settle_s, 1, 3600, "10", "seconds",
            "How long after a live's end its replay waits for a last recording before it is made without one (a "
            "recording that arrives after the end starts it at once; a later one makes it again)"),
    /* accounts: personal data sealed at rest, sign-in with Kakao / Naver / Google, verification */
    STR_ROW("BROADCART_DATA_KEY", data_key, "",
            "Key sealing personal data at rest (addresses, phone numbers, business numbers, bank accounts; "
            "XChaCha20-Poly1305): 64 hex digits or base64 of 32 bytes; empty = generated into {data_dir}/data.key. "
            "Rotate with `broadcart rotate-data-key`"),
    STR_ROW("BROADCART_DATA_KEY_OLD", data_key_old, "",
            "Older data keys, comma-separated, read only: values sealed under them still open until "
            "`broadcart rotate-data-key` reseals them under BROADCART_DATA_KEY"),
    STR_ROW("BROADCART_KAKAO_CLIENT_ID", kakao_client_id, "",
            "Kakao Login REST API key (Kakao Developers > app > App Keys); empty = no Kakao button"),
    STR_ROW("BROADCART_KAKAO_CLIENT_SECRET", kakao_client_secret, "",
            "Kakao Login client secret (Kakao Login > Security), when the app has one enabled"),
    STR_ROW("BROADCART_KAKAO_REDIRECT_URI", kakao_redirect_uri, "",
            "Redirect URI registered at Kakao (default {public_url}/api/v1/auth/oauth/kakao/callback)"),
    STR_ROW("BROADCART_NAVER_CLIENT_ID", naver_client_id, "",
            "Naver Login Client ID (Naver Developers > Application); empty = no Naver button"),
    STR_ROW("BROADCART_NAVER_CLIENT_SECRET", naver_client_secret, "", "Naver Login Client Secret"),
    STR_ROW("BROADCART_NAVER_REDIRECT_URI", naver_redirect_uri, "",
            "Callback URL registered at Naver (default {public_url}/api/v1/auth/oauth/naver/callback)"),
    STR_ROW("BROADCART_GOOGLE_CLIENT_ID", google_client_id, "",
            "Google OAuth 2.0 client ID (Google Cloud > APIs & Services > Credentials, type Web application); "
            "empty = no Google button"),
    STR_ROW("BROADCART_GOOGLE_CLIENT_SECRET", google_client_secret, "", "Google OAuth 2.0 client secret"),
    STR_ROW("BROADCART_GOOGLE_REDIRECT_URI", google_redirect_uri, "",
            "Authorized redirect URI registered at Google (default {public_url}/api/v1/auth/oauth/google/callback)"),
    STR_ROW("BROADCART_KAKAO_AUTH_BASE", kakao_auth_base, "",
            "Kakao authorization server (default http://127.0.0.1:{port}/sandbox-idp/kakao/kauth, the built-in "
            "sandbox; https://kauth.kakao.com in production)"),
    STR_ROW("BROADCART_KAKAO_API_BASE", kakao_api_base, "",
            "Kakao API server for /v2/user/me (default http://127.0.0.1:{port}/sandbox-idp/kakao/kapi; "
            "https://kapi.kakao.com in production)"),
    STR_ROW("BROADCART_NAVER_AUTH_BASE", naver_auth_base, "",
            "Naver authorization server (default http://127.0.0.1:{port}/sandbox-idp/naver/nid; "
            "https://nid.naver.com in production)"),
    STR_ROW("BROADCART_NAVER_API_BASE", naver_api_base, "",
            "Naver API server for /v1/nid/me (default http://127.0.0.1:{port}/sandbox-idp/naver/openapi; "
            "https://openapi.naver.com in production)"),
    STR_ROW("BROADCART_GOOGLE_ISSUER", google_issuer, "",
            "Google OpenID Connect issuer; its /.well-known/openid-configuration is read (default "
            "http://127.0.0.1:{port}/sandbox-idp/google; https://accounts.google.com in production)"),
    INT_ROW("BROADCART_OAUTH_TIMEOUT_MS", oauth_timeout_ms, 100, 60000, "10000", "ms",
            "Timeout of each call to an identity provider (token, user info, discovery, JWKS)"),
    INT_ROW("BROADCART_REQUIRE_VERIFIED_EMAIL", require_verified_email, 0, 1, "1", "0 or 1",
            "1 = an account whose e-mail is not verified can browse and chat but not check out or hold stock"),
    INT_ROW("BROADCART_SESSION_REFRESH_TTL", session_refresh_ttl_s, 60, 31536000, "86400", "seconds",
            "Lifetime of a refresh token when \"keep me signed in\" is off (the web client also keeps it for the "
            "browser session only); with it on, BROADCART_REFRESH_TOKEN_TTL"),
    INT_ROW("BROADCART_VERIFY_MAIL_RATE", verify_mail_rate, 1, 1000, "5", "mails per hour",
            "Verification and password-reset mails per account per hour"),
    INT_ROW("BROADCART_ORDER_RETENTION_DAYS", order_retention_days, 1, 36500, "1825", "days",
            "How long a deleted account's orders (buyer anonymised) are kept before they are purged (Korean "
            "e-commerce law keeps contract and payment records 5 years)"),
    /* live schedules */
    INT_ROW("BROADCART_LIVE_GRACE", live_grace_s, 1, 86400, "1800", "seconds",
            "A scheduled live never published this long after its start (or its creation, if later) becomes "
            "MISSED; a live whose ingest stopped may be republished with its key within this time and continues, "
            "else it ends"),
    INT_ROW("BROADCART_LIVE_STALL", live_stall_s, 1, 3600, "15", "seconds",
            "A LIVE live whose HLS playlist got no new segment for this long counts as interrupted (its ingest is "
            "gone), as when the publisher disconnects"),
    STR_ROW("BROADCART_RTMP_CONTROL_URL", rtmp_control_url, "",
            "nginx-rtmp control endpoint used to drop a publisher at once (stream key rotated): "
            "http://host:port (the server with rtmp_control) or unix:/path/to.sock; empty = the nginx child's "
            "own socket with serve --with-rtmp, else none (the next on_update drops it)"),
    ENUM_ROW("BROADCART_LOG_LEVEL", log_level, log_level_choices, "info",
             "Lowest level of the log lines written to stderr"),
    /* metrics */
    ENUM_ROW("BROADCART_LOG_FORMAT", log_format, log_format_choices, "text",
             "Format of the log lines written to stderr: text (\"TIME LEVEL module: message rid=ID\") or json (one "
             "JSON object per line: ts, level, module, msg, request_id when the line belongs to a request)"),
    STR_ROW("BROADCART_METRICS_TOKEN", metrics_token, "",
            "Bearer token with which a scraper that is not on loopback may read GET /metrics (Authorization: Bearer "
            "<token>; e.g. openssl rand -hex 32); empty = loopback callers only. Behind a trusted proxy the "
            "client is the X-Forwarded-For address, so proxied callers need the token too"),
    STR_ROW("BROADCART_CORS_ORIGINS", cors_origins, "",
            "Browser origins allowed to call the API cross-origin (CORS, Fetch standard): comma-separated "
            "scheme://host[:port] values, or * for any; empty = none (OPTIONS still answers 204 with Allow)"),
    STR_ROW("BROADCART_REDIS_URL", redis_url, "",
            "Redis that relays the live rooms between instances, redis://[[user]:password@]host[:port][/db] "
            "(chat, pin and status events, viewer counts); empty = one instance, rooms in this process only"),
    /* media */
    STR_ROW("BROADCART_S3_ENDPOINT", s3_endpoint, "",
            "S3-compatible storage for media (image uploads, replays, posters): its endpoint, http(s)://host[:port] "
            "(e.g. https://s3.ap-northeast-2.amazonaws.com or a MinIO/R2 URL); requests are path-style "
            "({endpoint}/{bucket}/{key}) and signed with AWS Signature Version 4. Empty = media are files under "
            "{data_dir}/media served at /media/"),
    STR_ROW("BROADCART_S3_BUCKET", s3_bucket, "",
            "Bucket of the media objects (needed with BROADCART_S3_ENDPOINT); browsers fetch the objects without "
            "credentials, so the bucket (or BROADCART_S3_PUBLIC_URL in front of it) must allow public GET"),
    STR_ROW("BROADCART_S3_ACCESS_KEY", s3_access_key, "",
            "Access key id that signs the media store requests (needed with BROADCART_S3_ENDPOINT)"),
    STR_ROW("BROADCART_S3_SECRET_KEY", s3_secret_key, "",
            "Secret access key that signs the media store requests (needed with BROADCART_S3_ENDPOINT)"),
    STR_ROW("BROADCART_S3_REGION", s3_region, "us-east-1",
            "Region of the bucket, part of every Signature Version 4 scope (MinIO and most others accept us-east-1)"),
    STR_ROW("BROADCART_S3_PUBLIC_URL", s3_public_url, "",
            "Base URL browsers fetch media objects from, the object key appended after a / (e.g. a CDN in front "
            "of the bucket); default {endpoint}/{bucket}. Its origin is allowed in the web client's "
            "Content-Security-Policy (images, media, connections)"),
    /* notices */
    STR_ROW("BROADCART_SMTP_URL", smtp_url, "",
            "SMTP server that mails the notifications, smtp://[user:password@]host[:port] (STARTTLS when the "
            "server offers it) or smtps://host[:port] (TLS from the start); empty = no mail is sent, the "
            "notifications stay in the admin's outbox (GET /api/v1/admin/outbox)"),
    STR_ROW("BROADCART_SMTP_FROM", smtp_from, "broadcart@localhost",
            "Sender address of the notification mails (envelope MAIL FROM and the From header)"),
    STR_ROW("BROADCART_SMTP_CA_FILE", smtp_ca_file, "",
            "PEM file of the certificate authorities that sign the SMTP server's TLS certificate (STARTTLS or "
            "smtps); empty = the system's roots"),
    /* payments */
    INT_ROW("BROADCART_PG_TIMEOUT_MS", pg_timeout_ms, 200, 120000, "10000", "ms",
            "Longest one payment-gateway call may take (connect 3 s at most); then its outcome is unknown and "
            "reconciliation settles it"),
    INT_ROW("BROADCART_PG_BREAKER_FAILURES", pg_breaker_failures, 1, 1000, "5", "failures",
            "Consecutive gateway failures (unreachable, timeout, 5xx) that open the circuit breaker: payment calls "
            "then fail fast with 503 and Retry-After"),
    INT_ROW("BROADCART_PG_BREAKER_OPEN", pg_breaker_open_s, 1, 3600, "30", "seconds",
            "How long the open circuit breaker refuses payment calls before one trial call is let through"),
    ENUM_ROW(
        "BROADCART_PAYMENT_PROVIDER", payment_provider, payment_provider_choices, "toss",
        "Payment gateway for new payments: toss (Toss Payments core API v1) or portone (PortOne/Iamport REST API v1; "
        "GET /api/v1/payments/config tells the browser which)"),
    STR_ROW("BROADCART_PORTONE_API_BASE", portone_api_base, "",
            "PortOne v1 API base (default http://127.0.0.1:{port}/sandbox-portone, the built-in sandbox; "
            "https://api.iamport.kr in production)"),
    STR_ROW("BROADCART_PORTONE_IMP_KEY", portone_imp_key, "sandbox_imp_key", "PortOne REST API key (imp_key)"),
    STR_ROW("BROADCART_PORTONE_IMP_SECRET", portone_imp_secret, "",
            "PortOne REST API secret (imp_secret); when unset, one for the built-in sandbox is generated into "
            "{data_dir}/portone.secret"),
    STR_ROW("BROADCART_PORTONE_MERCHANT_CODE", portone_merchant_code, "imp00000000",
            "PortOne merchant code given to the browser for IMP.init"),
    INT_ROW("BROADCART_RECONCILE_INTERVAL", reconcile_interval_s, 0, 86400, "60", "seconds",
            "How often the sweeper lease holder reconciles open payment attempts with the gateway (0 = never; "
            "broadcart reconcile does it on demand)"),
};

/* 1 when `value` is one of the row's choices (or the row takes any text). */
static int choice_ok(const cfg_row *r, const char *value)
{
    if (!r->choices)
        return 1;
    for (const char *const *c = r->choices; *c; c++)
        if (strcmp(*c, value) == 0)
            return 1;
    return 0;
}

/* Prints "a, b, c" (the row's choices) to out. */
static void print_choices(FILE *out, const cfg_row *r)
{
    for (const char *const *c = r->choices; *c; c++)
        fprintf(out, "%s%s", c == r->choices ? "" : ", ", *c);
}

static bc_config_doc docs[sizeof rows / sizeof rows[0] + 1];

/* The settings table for `broadcart config` (see core.h). */
const bc_config_doc *bc_config_docs(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        docs[i] = (bc_config_doc){rows[i].env, rows[i].def, rows[i].unit, rows[i].doc, rows[i].choices};
    return docs;
}

/* The values the deploy/ units expect, written uncommented into `config --env` (every other
 * setting is printed commented, with its default). {CALLBACK_TOKEN} is filled at install time. */
static const struct {
    const char *env, *value;
} deploy_values[] = {
    {"BROADCART_HTTP_PORT", "8080"},
    {"BROADCART_HTTP_HOST", "127.0.0.1"},
    {"BROADCART_RTMP_PORT", "1935"},
    {"BROADCART_DATA_DIR", "/var/lib/broadcart"},
    {"BROADCART_PUBLIC_URL", "https://shop.example.com"},
    {"BROADCART_RTMP_PUBLIC_HOST", "shop.example.com"},
    {"BROADCART_RTMP_CALLBACK_TOKEN", "{CALLBACK_TOKEN}"},
    {"BROADCART_TRUSTED_PROXIES", "127.0.0.1"}, /* deploy/nginx-proxy.conf.example on the same host */
};

/* Writes `text` as "# " comment lines of at most ~100 columns, broken at spaces. */
static void print_comment(FILE *out, const char *text)
{
    const size_t width = 98;
    while (*text) {
        size_t n = strlen(text);
        if (n > width) {
            n = width;
            while (n > 0 && text[n] != ' ')
                n--;
            if (n == 0)
                n = strcspn(text, " ");
        }
        fprintf(out, "# %.*s\n", (int)n, text);
        text += n;
        while (*text == ' ')
            text++;
    }
}

/* `broadcart config --env` (see core.h). */
int bc_config_print_env(FILE *out)
{
    fputs("# /etc/broadcart/broadcart.env: the settings of broadcart.service (systemd EnvironmentFile; the\n"
          "# same KEY=VALUE lines work as a BROADCART_CONFIG file). Mode 0640, group broadcart: it holds\n"
          "# secrets. Values are taken literally (no quotes, no $expansion).\n"
          "# Generated by `broadcart config --env` (make env-example); it lists every setting. Uncommented\n"
          "# lines are what the units in deploy/ expect (replace shop.example.com; {CALLBACK_TOKEN} is filled\n"
          "# by the install steps in deploy/broadcart.service); commented lines show the default.\n",
          out);
    char text[1024];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const cfg_row *r = &rows[i];
        const char *value = NULL;
        for (size_t j = 0; j < sizeof deploy_values / sizeof deploy_values[0]; j++)
            if (strcmp(deploy_values[j].env, r->env) == 0)
                value = deploy_values[j].value;
        size_t n = (size_t)snprintf(text, sizeof text, "%s. ", r->doc);
        if (r->choices) {
            for (const char *const *c = r->choices; *c && n < sizeof text; c++)
                n += (size_t)snprintf(text + n, sizeof text - n, "%s%s%s", c == r->choices ? "One of: " : ", ", *c,
                                      c[1] ? "" : ". ");
        } else if (r->type == CFG_INT && n < sizeof text) {
            n += (size_t)snprintf(text + n, sizeof text - n, "Unit: %s, %ld..%ld. ", r->unit, r->min, r->max);
        }
        if (n < sizeof text)
            snprintf(text + n, sizeof text - n, "Default: %s.", r->def[0] ? r->def : "unset (see above)");
        fputc('\n', out);
        print_comment(out, text);
        fprintf(out, "%s%s=%s\n", value ? "" : "#", r->env, value ? value : r->def);
    }
    return ferror(out) ? BC_ERR : BC_OK;
}

/* Parses one setting into cfg: integers within the row's bounds, strings within the buffer and,
 * for enum rows, among the row's choices (see core.h). */
int bc_config_set(bc_config *cfg, const char *name, const char *value)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const cfg_row *r = &rows[i];
        if (strcmp(r->env, name) != 0)
            continue;
        char *field = (char *)cfg + r->offset;
        if (r->type == CFG_INT) {
            int64_t v;
            if (bc_parse_i64(value, r->min, r->max, &v) != BC_OK) {
                fprintf(stderr, "config: %s=%s is not an integer in [%ld, %ld]\n", name, value, r->min, r->max);
                return BC_EINVAL;
            }
            *(int *)field = (int)v;
        } else {
            if (strlen(value) >= r->size) {
                fprintf(stderr, "config: %s is longer than %zu bytes\n", name, r->size - 1);
                return BC_EINVAL;
            }
            if (!choice_ok(r, value)) {
                fprintf(stderr, "config: %s=%s is not one of: ", name, value);
                print_choices(stderr, r);
                fputc('\n', stderr);
                return BC_EINVAL;
            }
            strcpy(field, value);
        }
        return BC_OK;
    }
    return BC_ENOTFOUND;
}

/* Applies the KEY=VALUE lines of `path` (blank lines and # comments skipped). BC_OK or BC_EINVAL. */
static int load_file(bc_config *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "config: cannot open %s\n", path);
        return BC_EINVAL;
    }
    char line[1024];
    int rc = BC_OK, lineno = 0;
    while (rc == BC_OK && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == 0 || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "config: %s:%d: expected KEY=VALUE\n", path, lineno);
            rc = BC_EINVAL;
            break;
        }
        *eq = 0;
        int r = bc_config_set(cfg, s, eq + 1);
        if (r == BC_ENOTFOUND) {
            fprintf(stderr, "config: %s:%d: unknown setting %s\n", path, lineno, s);
            rc = BC_EINVAL;
        } else if (r != BC_OK) {
            rc = r;
        }
    }
    fclose(f);
    return rc;
}

/* Defaults, then BROADCART_CONFIG's file, then the environment (see core.h). */
int bc_config_load(bc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (bc_config_set(cfg, rows[i].env, rows[i].def) != BC_OK)
            return BC_EINVAL;
    const char *file = getenv("BROADCART_CONFIG");
    if (file && *file && load_file(cfg, file) != BC_OK)
        return BC_EINVAL;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *v = getenv(rows[i].env);
        if (v && bc_config_set(cfg, rows[i].env, v) != BC_OK)
            return BC_EINVAL;
    }
    if (cfg->loops == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->loops = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
    }
    return BC_OK;
}

#ifndef BC_WEB_INSTALL_DIR
#define BC_WEB_INSTALL_DIR "/usr/local/share/broadcart/web"
#endif
#ifndef BC_WEB_SOURCE_DIR
#define BC_WEB_SOURCE_DIR "./web"
#endif

/* 1 when dir/index.html is a readable file; then abs holds dir's absolute path. */
static int web_dir_ok(const char *dir, char abs[PATH_MAX])
{
    char index[PATH_MAX + 16];
    if (!realpath(dir, abs))
        return 0;
    snprintf(index, sizeof index, "%s/index.html", abs);
    return access(index, R_OK) == 0;
}

/* The web root (see core.h). */
int bc_config_resolve_web_dir(bc_config *cfg)
{
    const char *set[] = {cfg->web_dir, NULL}, *derived[] = {BC_WEB_INSTALL_DIR, BC_WEB_SOURCE_DIR, "./web", NULL};
    const char *const *tried = cfg->web_dir[0] ? set : derived;
    char abs[PATH_MAX];
    for (const char *const *d = tried; *d; d++) {
        size_t n;
        if (web_dir_ok(*d, abs) && (n = strlen(abs)) < sizeof cfg->web_dir) {
            memcpy(cfg->web_dir, abs, n + 1);
            return BC_OK;
        }
    }
    fprintf(stderr, "config: no web client directory with an index.html; tried");
    for (const char *const *d = tried; *d; d++)
        fprintf(stderr, "%s %s", d == tried ? "" : ",", *d);
    fprintf(stderr, "%s\n",
            cfg->web_dir[0] ? " (BROADCART_WEB_DIR)" : " (set BROADCART_WEB_DIR, or install with meson install)");
    return BC_ENOTFOUND;
}
