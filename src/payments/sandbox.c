/* The sandbox payment gateway: a stand-in for Toss Payments served by broadcart under /sandbox-pg/.
 *
 * It speaks the Toss core API v1 (docs/CONTRACT.md "Payments") so that
 * toss.c talks to it exactly as it would talk to https://api.tosspayments.com, plus a fake payment window:
 *   GET  /sandbox-pg/checkout?orderId=&amount=&orderName=&successUrl=&failUrl=   HTML "payment window"
 *   POST /sandbox-pg/v1/sandbox/payments {orderId, amount, orderName}            buyer's browser: authenticate
 *   POST /sandbox-pg/v1/payments/confirm {paymentKey, orderId, amount}            Basic auth, Idempotency-Key
 *   GET  /sandbox-pg/v1/payments/{paymentKey}                                     Basic auth
 *   GET  /sandbox-pg/v1/payments/orders/{orderId}                                 Basic auth
 *   POST /sandbox-pg/v1/payments/{paymentKey}/cancel {cancelReason, cancelAmount?} Basic auth, Idempotency-Key
 *   GET  /sandbox-pg/receipt/{paymentKey}                                         HTML receipt (Payment.receipt.url)
 *   GET  /sandbox-pg/billing?customerKey=&successUrl=&failUrl=                    HTML card registration (billing)
 *   POST /sandbox-pg/v1/sandbox/billing/authorizations {customerKey, testCode?…}  browser: register → {authKey}
 *   POST /sandbox-pg/v1/billing/authorizations/issue {authKey, customerKey}       Basic auth → Billing
 *   POST /sandbox-pg/v1/billing/{billingKey} {customerKey, amount, orderId, …}    Basic auth → Payment (BILLING)
 *
 * It shares nothing with the rest of Broadcart but the http layer: no database. All routes are BC_RT_INLINE
 * (they run on the event loops), so everything here is in-memory work under one mutex, never blocking.
 * State: payments in a hash table by paymentKey (plus an index by orderId), bounded to SBX_MAX_PAYMENTS and
 * SBX_PAYMENT_BYTES with the least recently used evicted; an idempotency map bounded the same way
 * (SBX_MAX_IDEM / SBX_IDEM_BYTES, entries expire after 15 days as in Toss). Chains hash with SipHash
 * (crypto_shorthash) under a random key, so chosen orderIds cannot flood one bucket.
 *
 * The gateway routes have no body schema (body = NULL): the http layer would answer schema errors in
 * Broadcart's {"error":{…}} format, while Toss answers {code, message}; bodies are validated here. */
#include "payments.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef SBX_MAX_PAYMENTS /* the bounds may be overridden at compile time (eviction tests) */
#define SBX_MAX_PAYMENTS 100000
#endif
#define SBX_PAYMENT_BYTES ((size_t)96 << 20)
#ifndef SBX_MAX_IDEM
#define SBX_MAX_IDEM 100000
#endif
#define SBX_IDEM_BYTES ((size_t)64 << 20)
#define SBX_BUCKETS (1u << 17) /* power of two */
#define SBX_MAX_CANCELS 100
#define SBX_IDEM_TTL_MS ((int64_t)15 * 24 * 3600 * 1000)
#define SBX_MAX_AMOUNT 1000000000LL
#define SBX_MAX_IDEM_KEY 300
#define SBX_KEY_PREFIX "tsbx_"
#define SBX_MID "tvivarepublica" /* the merchant id Toss's test keys report */
#define SBX_VERSION "2022-11-16"

enum sbx_status { ST_IN_PROGRESS, ST_DONE, ST_CANCELED, ST_PARTIAL_CANCELED, ST_ABORTED };
static const char *const status_names[] = {"IN_PROGRESS", "DONE", "CANCELED", "PARTIAL_CANCELED", "ABORTED"};
/* approved at some point (DONE or cancelled after approval) */
#define SETTLED(p) ((p)->status == ST_DONE || (p)->status == ST_CANCELED || (p)->status == ST_PARTIAL_CANCELED)

/* Failure injection. The buyer picks an outcome in the payment window (testCode of
 * POST /sandbox-pg/v1/sandbox/payments, or its TossPayments-Test-Code header); the confirm of that
 * payment then behaves so:
 *   any Toss error code (e.g. REJECT_CARD_COMPANY card rejected, REJECT_CARD_PAYMENT limit or balance,
 *   FAILED_INTERNAL_SYSTEM_PROCESSING gateway error): that error; a 4xx one aborts the payment (ABORTED,
 *   failure {code, message}), a 5xx one leaves it IN_PROGRESS;
 *   SANDBOX_SLOW_RESPONSE: answered normally after testDelayMs (default 2000);
 *   SANDBOX_LOST_RESPONSE: approved, but every answer to its confirm (replays too) is held for
 *   testDelayMs (default BROADCART_PG_TIMEOUT_MS + 1000), so the merchant's call times out.
 * The two delayed kinds run on a worker thread (the route's try_inline answers all others on the loop). */
#define SBX_SLOW "SANDBOX_SLOW_RESPONSE"
#define SBX_LOST "SANDBOX_LOST_RESPONSE"
#define SBX_MAX_DELAY_MS 60000

/* Intrusive doubly-linked LRU list (circular, with a sentinel head). */
typedef struct dl {
    struct dl *prev, *next;
} dl;

static void dl_unlink(dl *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = n;
}

static void dl_push_tail(dl *head, dl *n)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}

typedef struct sbx_cancel {
    int64_t amount, refundable, at_ms;
    char tx[33];
    char *reason;
} sbx_cancel;

typedef struct sbx_payment {
    dl lru; /* first member: a dl* is a sbx_payment* */
    struct sbx_payment *key_next, *order_next;
    char key[40];
    char order_id[65];
    char *order_name;
    int64_t total, balance, requested_ms, approved_ms;
    enum sbx_status status;
    char last_tx[33]; /* "" until approved */
    char card_number[17];
    char approve_no[9];
    char test_code[65]; /* failure injection: "" = none */
    int billing;        /* 1: a charge of a billing key (Payment.type "BILLING") */
    int test_delay_ms;  /* for SANDBOX_SLOW_RESPONSE / SANDBOX_LOST_RESPONSE; 0 = default */
    sbx_cancel *cancels;
    int ncancels;
    size_t bytes; /* accounted in S.pay_bytes */
} sbx_payment;

typedef struct sbx_idem {
    dl lru; /* first member */
    struct sbx_idem *next;
    unsigned char id[32]; /* keyed BLAKE2b of method, path, secret key and Idempotency-Key */
    int status;
    char *body;
    int64_t at_ms;
    size_t bytes;
} sbx_idem;

static struct {
    pthread_mutex_t lock;
    pthread_once_t once;
    unsigned char hkey[crypto_generichash_KEYBYTES];
    sbx_payment *by_key[SBX_BUCKETS];
    sbx_payment *by_order[SBX_BUCKETS];
    dl pay_lru;
    size_t npay, pay_bytes;
    sbx_idem *idem[SBX_BUCKETS];
    dl idem_lru;
    size_t nidem, idem_bytes;
} S = {.lock = PTHREAD_MUTEX_INITIALIZER, .once = PTHREAD_ONCE_INIT};

static void sbx_init(void)
{
    randombytes_buf(S.hkey, sizeof S.hkey);
    S.pay_lru.prev = S.pay_lru.next = &S.pay_lru;
    S.idem_lru.prev = S.idem_lru.next = &S.idem_lru;
}

/* Takes the sandbox lock (initialising the state on first use). */
static void sbx_lock(void)
{
    pthread_once(&S.once, sbx_init);
    pthread_mutex_lock(&S.lock);
}

static void sbx_unlock(void) { pthread_mutex_unlock(&S.lock); }

static size_t bucket_of(const char *s)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)s, strlen(s), S.hkey);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return (size_t)(v & (SBX_BUCKETS - 1));
}

/* ---- small helpers -------------------------------------------------------- */

/* Number of UTF-8 characters in s, or -1 when s is not valid UTF-8 (or contains control chars). */
static long utf8_chars(const char *s)
{
    long n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || (len == 2 && *p < 0xC2) || (len == 4 && *p > 0xF4) || (len == 1 && (*p < 0x20 || *p == 0x7f)))
            return -1;
        for (int i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                return -1;
        if ((len == 3 && *p == 0xE0 && p[1] < 0xA0) || (len == 3 && *p == 0xED && p[1] >= 0xA0) ||
            (len == 4 && *p == 0xF0 && p[1] < 0x90) || (len == 4 && *p == 0xF4 && p[1] >= 0x90))
            return -1; /* overlong, surrogate or beyond U+10FFFF */
        p += len;
        n++;
    }
    return n;
}

/* Toss orderId: 6..64 characters of [A-Za-z0-9_-]. */
static int order_id_ok(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n >= 6 && n <= 64;
}

/* orderName: 1..100 characters (Toss's limit), valid UTF-8 without control characters. */
static int order_name_ok(const char *s)
{
    long n = s ? utf8_chars(s) : -1;
    return n >= 1 && n <= 100;
}

/* A 32-character transaction key in Toss's style (upper-case hex). */
static void rand_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++)
        out[i] = hex[randombytes_uniform(16)];
    out[n] = 0;
}

static void rand_digits(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('0' + randombytes_uniform(10));
    out[n] = 0;
}

/* ISO 8601 in Korea Standard Time, as Toss writes it: "2023-12-01T00:05:07+09:00". */
static void kst_iso(int64_t ms, char out[40])
{
    time_t t = (time_t)(ms / 1000) + 9 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 40, "%Y-%m-%dT%H:%M:%S+09:00", &tm) == 0)
        out[0] = 0;
}

/* 12900 → "₩12,900". */
static void won(int64_t amount, char out[40])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)(amount < 0 ? -amount : amount));
    size_t o = (size_t)snprintf(out, 40, "%s₩", amount < 0 ? "-" : "");
    for (int i = 0; i < n && o < 38; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = 0;
}

/* {code, message} as JSON text (malloc'd), or NULL on OOM. */
static char *err_body(const char *code, const char *message)
{
    json_t *o = json_pack("{s:s,s:s}", "code", code, "message", message);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static void send_json_text(bc_req *req, int status, const char *text)
{
    if (!text) {
        static const char oom[] =
            "{\"code\":\"FAILED_INTERNAL_SYSTEM_PROCESSING\",\"message\":\"내부 시스템 처리 작업이 실패했습니다.\"}";
        bc_res_send(req, 500, "application/json; charset=utf-8", oom, sizeof oom - 1);
        return;
    }
    bc_res_send(req, status, "application/json; charset=utf-8", text, strlen(text));
}

/* Sends a Toss-format error {code, message}. */
static void toss_error(bc_req *req, int status, const char *code, const char *message)
{
    char *s = err_body(code, message);
    send_json_text(req, status, s);
    free(s);
}

/* ---- growable string (HTML pages) ------------------------------------------ */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* Appends s escaped for HTML text and attribute values. */
static void sb_html(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            sb_str(b, "&amp;");
            break;
        case '<':
            sb_str(b, "&lt;");
            break;
        case '>':
            sb_str(b, "&gt;");
            break;
        case '"':
            sb_str(b, "&quot;");
            break;
        case '\'':
            sb_str(b, "&#39;");
            break;
        default:
            sb_add(b, s, 1);
            break;
        }
    }
}

/* Appends JSON text made safe inside a <script> element: '<', '>' and '&' (which can only occur
 * inside JSON strings) become \u003c, \u003e, \u0026, so "</script>" or "<!--" cannot appear;
 * JSON_ENSURE_ASCII already escapes U+2028/U+2029. */
static void sb_script_json(sbuf *b, const char *json)
{
    for (; *json; json++) {
        switch (*json) {
        case '<':
            sb_str(b, "\\u003c");
            break;
        case '>':
            sb_str(b, "\\u003e");
            break;
        case '&':
            sb_str(b, "\\u0026");
            break;
        default:
            sb_add(b, json, 1);
            break;
        }
    }
}

static const char page_style[] =
    "*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;"
    "background:#f2f4f6;font-family:system-ui,-apple-system,'Apple SD Gothic Neo','Noto Sans KR',sans-serif;"
    "color:#191f28}.card{background:#fff;border-radius:16px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:32px;"
    "width:min(420px,92vw)}.badge{display:inline-block;margin:0 0 16px;padding:4px 10px;border-radius:999px;"
    "background:#fff4e5;color:#b35c00;font-size:12px;font-weight:700;letter-spacing:.04em}h1{font-size:18px;"
    "margin:0 0 8px;word-break:break-word}.amount{font-size:32px;font-weight:800;margin:0 0 8px}.meta{color:#6b7684;"
    "font-size:13px;margin:0 0 24px;word-break:break-all}.actions{display:flex;gap:8px}button{flex:1;border:0;"
    "border-radius:10px;padding:14px;font-size:16px;font-weight:700;cursor:pointer}#pay{background:#3182f6;"
    "color:#fff}#decline{background:#f2f4f6;color:#4e5968}button:disabled{opacity:.5;cursor:default}"
    ".err{color:#e42939;font-size:14px;margin:0 0 16px}.note{color:#8b95a1;font-size:12px;margin:20px 0 0}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:6px 16px;font-size:14px;margin:0}dt{color:#6b7684}"
    "dd{margin:0;word-break:break-all}";

/* Starts an HTML page with a strict CSP: only this page's nonce'd script and style run, fetch may only
 * reach this origin, and the page cannot be framed. */
static void page_begin(bc_req *req, sbuf *b, const char *title, char nonce[25])
{
    bc_rand_token(nonce, 24);
    char csp[300];
    snprintf(
        csp, sizeof csp,
        "default-src 'none'; script-src 'nonce-%s'; style-src 'nonce-%s'; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        nonce, nonce);
    bc_res_header(req, "Content-Security-Policy", csp);
    bc_res_header(req, "X-Content-Type-Options", "nosniff");
    bc_res_header(req, "Referrer-Policy", "no-referrer");
    sb_str(b, "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>");
    sb_html(b, title);
    sb_str(b, "</title><style nonce=\"");
    sb_str(b, nonce);
    sb_str(b, "\">");
    sb_str(b, page_style);
    sb_str(b, "</style></head><body><main class=\"card\"><p class=\"badge\">SANDBOX · 테스트 결제</p>");
}

static void page_send(bc_req *req, int status, sbuf *b)
{
    sb_str(b, "</main></body></html>\n");
    if (b->oom) {
        static const char oom[] = "<!doctype html><title>error</title><p>internal error</p>";
        bc_res_send(req, 500, "text/html; charset=utf-8", oom, sizeof oom - 1);
        return;
    }
    bc_res_send(req, status, "text/html; charset=utf-8", b->s, b->len);
}

/* Ends a page with its data (JSON in a <script type="application/json" id="data_id">, made safe by
 * sb_script_json) and its nonce'd script, and sends it with status 200. */
static void page_send_app(bc_req *req, sbuf *b, const char *data_id, const char *data_json, const char *nonce,
                          const char *script)
{
    sb_str(b, "<script type=\"application/json\" id=\"");
    sb_str(b, data_id);
    sb_str(b, "\">");
    sb_script_json(b, data_json);
    sb_str(b, "</script><script nonce=\"");
    sb_str(b, nonce);
    sb_str(b, "\">");
    sb_str(b, script);
    sb_str(b, "</script>");
    page_send(req, 200, b);
}

/* A 400 page with a fixed message (nothing from the request is echoed). */
static void bad_request_page(bc_req *req, const char *message)
{
    sbuf b = {0};
    char nonce[25];
    page_begin(req, &b, "잘못된 결제 요청", nonce);
    sb_str(&b, "<h1>잘못된 결제 요청 (Bad request)</h1><p class=\"err\">");
    sb_html(&b, message);
    sb_str(&b, "</p>");
    page_send(req, 400, &b);
    free(b.s);
}

/* ---- payment table (callers hold S.lock) ------------------------------------ */

static sbx_payment *pay_find(const char *key)
{
    for (sbx_payment *p = S.by_key[bucket_of(key)]; p; p = p->key_next)
        if (strcmp(p->key, key) == 0)
            return p;
    return NULL;
}

/* The payment for orderId: the newest one that got past IN_PROGRESS, else the newest one. */
static sbx_payment *pay_find_order(const char *order_id)
{
    sbx_payment *newest = NULL;
    for (sbx_payment *p = S.by_order[bucket_of(order_id)]; p; p = p->order_next) {
        if (strcmp(p->order_id, order_id) != 0)
            continue;
        if (SETTLED(p))
            return p;
        if (!newest)
            newest = p; /* chains are newest first */
    }
    return newest;
}

static void pay_touch(sbx_payment *p)
{
    dl_unlink(&p->lru);
    dl_push_tail(&S.pay_lru, &p->lru);
}

static void pay_free(sbx_payment *p)
{
    for (int i = 0; i < p->ncancels; i++)
        free(p->cancels[i].reason);
    free(p->cancels);
    free(p->order_name);
    free(p);
}

static void pay_evict(sbx_payment *p)
{
    sbx_payment **pp;
    for (pp = &S.by_key[bucket_of(p->key)]; *pp && *pp != p; pp = &(*pp)->key_next)
        ;
    if (*pp)
        *pp = p->key_next;
    for (pp = &S.by_order[bucket_of(p->order_id)]; *pp && *pp != p; pp = &(*pp)->order_next)
        ;
    if (*pp)
        *pp = p->order_next;
    dl_unlink(&p->lru);
    S.npay--;
    S.pay_bytes -= p->bytes;
    pay_free(p);
}

/* Evicts least recently used payments until the table is within its bounds (never `keep`). */
static void pay_trim(const sbx_payment *keep)
{
    while ((S.npay > SBX_MAX_PAYMENTS || S.pay_bytes > SBX_PAYMENT_BYTES) && S.pay_lru.next != &S.pay_lru) {
        sbx_payment *oldest = (sbx_payment *)S.pay_lru.next;
        if (oldest == keep)
            break;
        pay_evict(oldest);
    }
}

/* ---- idempotency map (callers hold S.lock) ----------------------------------- */

/* The identity Toss matches on: key + API key + URL + method. */
static void idem_id(bc_req *req, const char *secret, const char *key, unsigned char id[32])
{
    crypto_generichash_state st;
    const char *method = bc_req_method(req), *path = bc_req_path(req);
    crypto_generichash_init(&st, S.hkey, sizeof S.hkey, 32);
    crypto_generichash_update(&st, (const unsigned char *)method, strlen(method) + 1);
    crypto_generichash_update(&st, (const unsigned char *)path, strlen(path) + 1);
    crypto_generichash_update(&st, (const unsigned char *)secret, strlen(secret) + 1);
    crypto_generichash_update(&st, (const unsigned char *)key, strlen(key) + 1);
    crypto_generichash_final(&st, id, 32);
}

static size_t idem_bucket(const unsigned char id[32])
{
    uint64_t v;
    memcpy(&v, id, sizeof v);
    return (size_t)(v & (SBX_BUCKETS - 1));
}

static void idem_evict(sbx_idem *e)
{
    sbx_idem **pp;
    for (pp = &S.idem[idem_bucket(e->id)]; *pp && *pp != e; pp = &(*pp)->next)
        ;
    if (*pp)
        *pp = e->next;
    dl_unlink(&e->lru);
    S.nidem--;
    S.idem_bytes -= e->bytes;
    free(e->body);
    free(e);
}

static void idem_trim(int64_t now)
{
    while (S.idem_lru.next != &S.idem_lru) {
        sbx_idem *oldest = (sbx_idem *)S.idem_lru.next;
        if (S.nidem <= SBX_MAX_IDEM && S.idem_bytes <= SBX_IDEM_BYTES && now - oldest->at_ms < SBX_IDEM_TTL_MS)
            break;
        idem_evict(oldest);
    }
}

static sbx_idem *idem_find(const unsigned char id[32], int64_t now)
{
    idem_trim(now); /* drops expired entries first (the list is in insertion order) */
    for (sbx_idem *e = S.idem[idem_bucket(id)]; e; e = e->next)
        if (sodium_memcmp(e->id, id, 32) == 0)
            return e;
    return NULL;
}

/* Remembers the first response for id. On OOM the response is simply not remembered. */
static void idem_put(const unsigned char id[32], int status, const char *body, int64_t now)
{
    sbx_idem *e = calloc(1, sizeof *e);
    size_t len = strlen(body);
    char *copy = malloc(len + 1);
    if (!e || !copy) {
        free(e);
        free(copy);
        return;
    }
    memcpy(copy, body, len + 1);
    memcpy(e->id, id, 32);
    e->status = status;
    e->body = copy;
    e->at_ms = now;
    e->bytes = sizeof *e + len + 1;
    size_t b = idem_bucket(id);
    e->next = S.idem[b];
    S.idem[b] = e;
    dl_push_tail(&S.idem_lru, &e->lru);
    S.nidem++;
    S.idem_bytes += e->bytes;
    idem_trim(now);
}

/* Errors the TossPayments-Test-Code header can trigger, with their statuses (§1.8); any other
 * well-formed code is answered with 400. */
static const struct {
    const char *code;
    int status;
    const char *message;
} test_codes[] = {
    {"UNAUTHORIZED_KEY", 401, "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."},
    {"REJECT_CARD_PAYMENT", 403, "한도초과 혹은 잔액부족으로 결제에 실패했습니다."},
    {"REJECT_CARD_COMPANY", 403, "결제 승인이 거절되었습니다."},
    {"FORBIDDEN_REQUEST", 403, "허용되지 않은 요청입니다."},
    {"REJECT_ACCOUNT_PAYMENT", 403, "잔액부족으로 결제에 실패했습니다."},
    {"REJECT_TOSSPAY_INVALID_ACCOUNT", 403, "선택하신 출금 계좌가 출금이체 등록이 되어 있지 않아요."},
    {"EXCEED_MAX_AUTH_COUNT", 403, "최대 인증 횟수를 초과했습니다."},
    {"EXCEED_MAX_ONE_DAY_AMOUNT", 403, "일일 한도를 초과했습니다."},
    {"NOT_AVAILABLE_BANK", 403, "은행 서비스 시간이 아닙니다."},
    {"INVALID_PASSWORD", 403, "결제 비밀번호가 일치하지 않습니다."},
    {"INCORRECT_BASIC_AUTH_FORMAT", 403, "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요."},
    {"FDS_ERROR", 403, "위험거래가 감지되어 결제가 제한됩니다."},
    {"NOT_CANCELABLE_AMOUNT", 403, "취소 할 수 없는 금액 입니다."},
    {"NOT_CANCELABLE_PAYMENT", 403, "취소 할 수 없는 결제 입니다."},
    {"FORBIDDEN_CONSECUTIVE_REQUEST", 403, "반복적인 요청은 허용되지 않습니다."},
    {"EXCEED_MAX_REFUND_DUE", 403, "환불 가능한 기간이 지났습니다."},
    {"NOT_ALLOWED_PARTIAL_REFUND", 403, "부분 환불이 허용되지 않습니다."},
    {"EXCEED_CANCEL_LIMIT", 403, "취소 가능한 횟수를 초과했습니다."},
    {"NOT_FOUND_PAYMENT", 404, "존재하지 않는 결제 정보 입니다."},
    {"NOT_FOUND_PAYMENT_SESSION", 404, "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다."},
    {"NOT_FOUND", 404, "존재하지 않는 정보 입니다."},
    {"IDEMPOTENT_REQUEST_PROCESSING", 409, "이전 멱등 요청이 처리중입니다."},
    {"FAILED_INTERNAL_SYSTEM_PROCESSING", 500, "내부 시스템 처리 작업이 실패했습니다."},
    {"FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING", 500, "결제가 완료되지 않았어요. 다시 시도해주세요."},
    {"UNKNOWN_PAYMENT_ERROR", 500, "결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요."},
    {"FAILED_REFUND_PROCESS", 500, "은행 응답시간 지연이나 일시적인 오류로 환불요청에 실패했습니다."},
    {"FAILED_PARTIAL_REFUND", 500, "은행 점검, 해약 계좌 등의 사유로 부분 환불이 실패했습니다."},
    {"FAILED_METHOD_HANDLING_CANCEL", 500,
     "취소 중 결제 시 사용한 결제 수단 처리과정에서 일시적인 오류가 발생했습니다."},
    {"COMMON_ERROR", 500, "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요."},
};

/* ---- the Payment object (Toss version 2022-11-16) ---------------------------- */

static void set(json_t *o, const char *k, json_t *v) { json_object_set_new(o, k, v ? v : json_null()); }

static const char *public_base(bc_req *req) { return bc_cfg.public_url[0] ? bc_cfg.public_url : bc_req_origin(req); }

/* Builds the Payment JSON for p (caller holds the lock and owns the result; NULL on OOM).
 * suppliedAmount/vat are the split of the amount still standing (balanceAmount), as Toss reports
 * them after cancels: vat = round(balance / 11), suppliedAmount = balance - vat; taxFreeAmount is 0. */
static json_t *payment_json(bc_req *req, const sbx_payment *p)
{
    char when[40];
    json_t *o = json_object();
    if (!o)
        return NULL;
    int64_t vat = (p->balance + 5) / 11;
    set(o, "mId", json_string(SBX_MID));
    set(o, "lastTransactionKey", p->last_tx[0] ? json_string(p->last_tx) : NULL);
    set(o, "paymentKey", json_string(p->key));
    set(o, "orderId", json_string(p->order_id));
    set(o, "orderName", json_string(p->order_name));
    set(o, "taxExemptionAmount", json_integer(0));
    set(o, "status", json_string(status_names[p->status]));
    kst_iso(p->requested_ms, when);
    set(o, "requestedAt", json_string(when));
    if (p->approved_ms)
        kst_iso(p->approved_ms, when);
    set(o, "approvedAt", p->approved_ms ? json_string(when) : NULL);
    set(o, "useEscrow", json_false());
    set(o, "cultureExpense", json_false());
    if (!SETTLED(p)) {
        set(o, "card", NULL);
    } else {
        set(o, "card",
            json_pack("{s:I,s:s,s:s,s:s,s:i,s:s,s:b,s:s,s:s,s:s,s:b,s:n}", "amount", (json_int_t)p->total, "issuerCode",
                      "61", "acquirerCode", "31", "number", p->card_number, "installmentPlanMonths", 0, "approveNo",
                      p->approve_no, "useCardPoint", 0, "cardType", "신용", "ownerType", "개인", "acquireStatus",
                      p->status == ST_CANCELED ? "CANCELED" : "READY", "isInterestFree", 0, "interestPayer"));
    }
    set(o, "virtualAccount", NULL);
    set(o, "transfer", NULL);
    set(o, "mobilePhone", NULL);
    set(o, "giftCertificate", NULL);
    set(o, "cashReceipt", NULL);
    set(o, "cashReceipts", NULL);
    set(o, "discount", NULL);
    if (p->ncancels == 0) {
        set(o, "cancels", NULL);
    } else {
        json_t *arr = json_array();
        for (int i = 0; arr && i < p->ncancels; i++) {
            const sbx_cancel *c = &p->cancels[i];
            kst_iso(c->at_ms, when);
            json_array_append_new(arr, json_pack("{s:s,s:I,s:s,s:i,s:i,s:I,s:i,s:i,s:s,s:n,s:s,s:n}", "transactionKey",
                                                 c->tx, "cancelAmount", (json_int_t)c->amount, "cancelReason",
                                                 c->reason, "taxFreeAmount", 0, "taxExemptionAmount", 0,
                                                 "refundableAmount", (json_int_t)c->refundable, "easyPayDiscountAmount",
                                                 0, "transferDiscountAmount", 0, "canceledAt", when, "receiptKey",
                                                 "cancelStatus", "DONE", "cancelRequestId"));
        }
        set(o, "cancels", arr);
    }
    set(o, "secret", NULL);
    set(o, "type", json_string(p->billing ? "BILLING" : "NORMAL"));
    set(o, "easyPay", NULL);
    set(o, "country", json_string("KR"));
    if (p->status == ST_ABORTED) {
        const char *fmsg = "결제 승인이 거절되었습니다.";
        for (size_t i = 0; i < sizeof test_codes / sizeof test_codes[0]; i++)
            if (strcmp(test_codes[i].code, p->test_code) == 0)
                fmsg = test_codes[i].message;
        set(o, "failure", json_pack("{s:s,s:s}", "code", p->test_code, "message", fmsg));
    } else {
        set(o, "failure", NULL);
    }
    set(o, "isPartialCancelable", json_true());
    if (!SETTLED(p))
        set(o, "receipt", NULL);
    else
        set(o, "receipt", json_pack("{s:s++}", "url", public_base(req), "/sandbox-pg/receipt/", p->key));
    set(o, "checkout", NULL);
    set(o, "currency", json_string("KRW"));
    set(o, "totalAmount", json_integer(p->total));
    set(o, "balanceAmount", json_integer(p->balance));
    set(o, "suppliedAmount", json_integer(p->balance - vat));
    set(o, "vat", json_integer(vat));
    set(o, "taxFreeAmount", json_integer(0));
    set(o, "method", json_string("카드"));
    set(o, "version", json_string(SBX_VERSION));
    set(o, "metadata", NULL);
    return o;
}

static char *payment_text(bc_req *req, const sbx_payment *p)
{
    json_t *o = payment_json(req, p);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* ---- authentication and the gateway wrapper ------------------------------------ */

/* Checks "Authorization: Basic base64(secret:)". The secret must be a test key ("test_sk_…") equal
 * to bc_cfg.toss_secret_key. Returns 0 when accepted, else the HTTP status with *code and *msg set. */
static int check_auth(bc_req *req, const char **code, const char **msg)
{
    const char *h = bc_req_header(req, "authorization");
    unsigned char dec[400];
    size_t dlen = 0;
    const char *b64;

    *code = "UNAUTHORIZED_KEY";
    *msg = "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.";
    if (!h || strncasecmp(h, "Basic ", 6) != 0)
        return 401;
    for (b64 = h + 6; *b64 == ' '; b64++)
        ;
    if (sodium_base642bin(dec, sizeof dec - 1, b64, strlen(b64), " ", &dlen, NULL, sodium_base64_VARIANT_ORIGINAL) !=
            0 &&
        sodium_base642bin(dec, sizeof dec - 1, b64, strlen(b64), " ", &dlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
        *code = "INCORRECT_BASIC_AUTH_FORMAT";
        *msg = "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.";
        return 403;
    }
    dec[dlen] = 0;
    unsigned char *colon = memchr(dec, ':', dlen);
    if (!colon) {
        *code = "INCORRECT_BASIC_AUTH_FORMAT";
        *msg = "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.";
        return 403;
    }
    size_t klen = (size_t)(colon - dec);
    size_t want = strlen(bc_cfg.toss_secret_key);
    if (klen < 8 || memcmp(dec, "test_sk_", 8) != 0 || strncmp(bc_cfg.toss_secret_key, "test_sk_", 8) != 0 ||
        klen != want || sodium_memcmp(dec, bc_cfg.toss_secret_key, want) != 0)
        return 401;
    return 0;
}

/* A TossPayments-Test-Code header (only honoured for test keys, which are the only keys the sandbox
 * accepts). Returns 0 when absent, else the status to answer with *code and *msg set. */
static int check_test_code(bc_req *req, const char **code, const char **msg)
{
    const char *tc = bc_req_header(req, "tosspayments-test-code");
    if (!tc || !*tc)
        return 0;
    size_t n = 0;
    for (; tc[n]; n++)
        if (!((tc[n] >= 'A' && tc[n] <= 'Z') || (tc[n] >= '0' && tc[n] <= '9') || tc[n] == '_'))
            break;
    if (tc[n] || n > 64) {
        *code = "INVALID_REQUEST";
        *msg = "잘못된 요청입니다. (TossPayments-Test-Code)";
        return 400;
    }
    for (size_t i = 0; i < sizeof test_codes / sizeof test_codes[0]; i++) {
        if (strcmp(test_codes[i].code, tc) == 0) {
            *code = test_codes[i].code;
            *msg = test_codes[i].message;
            return test_codes[i].status;
        }
    }
    *code = tc;
    *msg = "테스트 코드로 발생시킨 에러입니다. (TossPayments-Test-Code)";
    return 400;
}

/* An operation of the gateway: runs with S.lock held on an authenticated request; body is the parsed
 * JSON object for POSTs (NULL for GET). Returns the HTTP status and sets *out to the JSON text to send
 * (malloc'd; NULL means out of memory). Sets *store = 0 for answers that must not be remembered under
 * the Idempotency-Key (request validation failures: nothing was executed). */
typedef int (*sbx_op)(bc_req *req, json_t *body, char **out, int *store);

/* Runs op with Toss's envelope: Basic auth, Idempotency-Key (POST only; replayed verbatim),
 * TossPayments-Test-Code (answered without touching state), JSON body parsing. */
static void gateway(bc_req *req, sbx_op op)
{
    const char *code, *msg;
    int is_post = strcmp(bc_req_method(req), "POST") == 0;
    const char *key = is_post ? bc_req_header(req, "idempotency-key") : NULL;
    json_t *body = NULL;
    char *out = NULL;
    int status, store = 1, locked = 0;
    unsigned char id[32] = {0};
    int64_t now = bc_now_ms();

    status = check_auth(req, &code, &msg);
    if (status) {
        toss_error(req, status, code, msg);
        goto done;
    }
    if (key && !*key)
        key = NULL;
    if (key && strlen(key) > SBX_MAX_IDEM_KEY) {
        toss_error(req, 400, "INVALID_IDEMPOTENCY_KEY", "멱등키는 300자 이하여야 합니다.");
        goto done;
    }
    sbx_lock();
    locked = 1;
    if (key) {
        idem_id(req, bc_cfg.toss_secret_key, key, id);
        const sbx_idem *e = idem_find(id, now);
        if (e) { /* the first response, verbatim; nothing is executed again */
            send_json_text(req, e->status, e->body);
            goto done;
        }
    }
    status = check_test_code(req, &code, &msg);
    if (status) {
        toss_error(req, status, code, msg);
        goto done;
    }
    if (is_post) {
        size_t len;
        const char *text = bc_req_body(req, &len);
        json_error_t jerr;
        body = len ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
        if (!json_is_object(body)) {
            toss_error(req, 400, "INVALID_REQUEST", "잘못된 요청입니다. 요청 본문은 JSON 객체여야 합니다.");
            goto done;
        }
    }
    status = op(req, body, &out, &store);
    if (out && key && store)
        idem_put(id, status, out, now);
    send_json_text(req, status, out);
done:
    if (locked)
        sbx_unlock();
    free(out);
    json_decref(body);
}

/* ---- gateway operations ------------------------------------------------------- */

/* POST /v1/payments/confirm {paymentKey, orderId, amount}. */
static int op_confirm(bc_req *req, json_t *body, char **out, int *store)
{
    const char *pkey, *order_id;
    json_int_t amount;
    json_error_t jerr;
    if (json_unpack_ex(body, &jerr, 0, "{s:s,s:s,s:I}", "paymentKey", &pkey, "orderId", &order_id, "amount", &amount) !=
            0 ||
        strlen(pkey) == 0 || strlen(pkey) > 200 || !order_id_ok(order_id) || amount < 1) {
        *store = 0;
        *out = err_body("INVALID_REQUEST", "잘못된 요청입니다. paymentKey(최대 200자), orderId(6~64자, 영문·숫자·-·_), "
                                           "amount(1 이상의 정수)는 필수입니다.");
        return 400;
    }
    sbx_payment *p = pay_find(pkey);
    if (!p) {
        *out = err_body("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.");
        return 404;
    }
    if (p->status == ST_ABORTED) {
        *out = err_body("NOT_FOUND_PAYMENT_SESSION", "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.");
        return 404;
    }
    if (p->status != ST_IN_PROGRESS) {
        *out = err_body("ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다.");
        return 400;
    }
    /* The amount/orderId the merchant sends must equal what the buyer authenticated in the payment
     * window. Toss does not document the code for a mismatch (UNCONFIRMED), so the sandbox answers
     * 400 INVALID_REQUEST and leaves the payment IN_PROGRESS (the merchant may retry correctly). */
    if (strcmp(order_id, p->order_id) != 0 || amount != p->total) {
        *out = err_body("INVALID_REQUEST",
                        "잘못된 요청입니다. 주문번호 또는 결제 금액이 결제 요청 정보와 일치하지 않습니다.");
        return 400;
    }
    if (p->test_code[0] && strcmp(p->test_code, SBX_SLOW) != 0 && strcmp(p->test_code, SBX_LOST) != 0) {
        int st = 400;
        const char *msg = "테스트 코드로 발생시킨 에러입니다. (TossPayments-Test-Code)";
        for (size_t i = 0; i < sizeof test_codes / sizeof test_codes[0]; i++)
            if (strcmp(test_codes[i].code, p->test_code) == 0) {
                st = test_codes[i].status;
                msg = test_codes[i].message;
            }
        if (st < 500)
            p->status = ST_ABORTED;
        else
            *store = 0; /* a 5xx executes nothing: a retry is tried again */
        *out = err_body(p->test_code, msg);
        return st;
    }
    p->status = ST_DONE;
    p->approved_ms = bc_now_ms();
    rand_hex(p->last_tx, 32);
    char mid[3], tail[4];
    rand_digits(mid, 2);
    rand_digits(tail, 3);
    snprintf(p->card_number, sizeof p->card_number, "433012%s****%s*", mid, tail);
    rand_digits(p->approve_no, 8);
    pay_touch(p);
    *out = payment_text(req, p);
    return 200;
}

/* POST /v1/payments/{paymentKey}/cancel {cancelReason, cancelAmount?}. A cancel that brings the balance
 * to 0 makes the payment CANCELED (also after earlier partial cancels); otherwise PARTIAL_CANCELED. */
static int op_cancel(bc_req *req, json_t *body, char **out, int *store)
{
    const char *reason;
    json_t *amount_v = NULL;
    json_error_t jerr;
    long rlen = -1;
    if (json_unpack_ex(body, &jerr, 0, "{s:s,s?o}", "cancelReason", &reason, "cancelAmount", &amount_v) == 0)
        rlen = utf8_chars(reason);
    if (rlen < 1 || rlen > 200 || (amount_v && !json_is_null(amount_v) && !json_is_integer(amount_v)) ||
        (json_is_integer(amount_v) && json_integer_value(amount_v) < 1)) {
        *store = 0;
        *out =
            err_body("INVALID_REQUEST",
                     "잘못된 요청입니다. cancelReason(1~200자)은 필수이고, cancelAmount는 1 이상의 정수여야 합니다.");
        return 400;
    }
    sbx_payment *p = pay_find(bc_req_param(req, "paymentKey"));
    if (!p) {
        *out = err_body("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.");
        return 404;
    }
    if (p->status == ST_CANCELED) {
        *out = err_body("ALREADY_CANCELED_PAYMENT", "이미 취소된 결제 입니다.");
        return 400;
    }
    if (p->status != ST_DONE && p->status != ST_PARTIAL_CANCELED) {
        *out = err_body("NOT_CANCELABLE_PAYMENT", "취소 할 수 없는 결제 입니다.");
        return 403;
    }
    int64_t amount = json_is_integer(amount_v) ? (int64_t)json_integer_value(amount_v) : p->balance;
    if (amount > p->balance) {
        *out = err_body("NOT_CANCELABLE_AMOUNT", "취소 할 수 없는 금액 입니다.");
        return 403;
    }
    if (p->ncancels >= SBX_MAX_CANCELS) {
        *out = err_body("EXCEED_CANCEL_LIMIT", "취소 가능한 횟수를 초과했습니다.");
        return 403;
    }
    sbx_cancel *grown = realloc(p->cancels, sizeof *grown * (size_t)(p->ncancels + 1));
    char *reason_copy = grown ? strdup(reason) : NULL;
    if (grown)
        p->cancels = grown;
    if (!reason_copy) {
        *out = NULL; /* → 500 */
        return 500;
    }
    sbx_cancel *c = &p->cancels[p->ncancels++];
    c->amount = amount;
    c->refundable = p->balance - amount;
    c->at_ms = bc_now_ms();
    c->reason = reason_copy;
    rand_hex(c->tx, 32);
    size_t added = sizeof *c + strlen(reason_copy) + 1;
    p->bytes += added;
    S.pay_bytes += added;
    p->balance -= amount;
    p->status = p->balance == 0 ? ST_CANCELED : ST_PARTIAL_CANCELED;
    memcpy(p->last_tx, c->tx, sizeof p->last_tx);
    pay_touch(p);
    pay_trim(p);
    *out = payment_text(req, p);
    return 200;
}

/* GET /v1/payments/{paymentKey}. */
static int op_get(bc_req *req, json_t *body, char **out, int *store)
{
    (void)body;
    (void)store;
    sbx_payment *p = pay_find(bc_req_param(req, "paymentKey"));
    if (!p) {
        *out = err_body("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.");
        return 404;
    }
    *out = payment_text(req, p);
    return 200;
}

/* GET /v1/payments/orders/{orderId}. */
static int op_get_by_order(bc_req *req, json_t *body, char **out, int *store)
{
    (void)body;
    (void)store;
    const char *order_id = bc_req_param(req, "orderId");
    sbx_payment *p = order_id_ok(order_id) ? pay_find_order(order_id) : NULL;
    if (!p) {
        *out = err_body("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.");
        return 404;
    }
    *out = payment_text(req, p);
    return 200;
}

/* The injected delay of the payment a confirm body names: 0 none, > 0 sleep before (slow) or,
 * with *lost set, after (lost response) handling it. */
static int confirm_delay(bc_req *req, int *lost)
{
    size_t len;
    const char *text = bc_req_body(req, &len);
    json_error_t jerr;
    json_t *body = len ? json_loadb(text, len, 0, &jerr) : NULL;
    const char *pkey = json_string_value(json_object_get(body, "paymentKey"));
    int delay = 0;
    *lost = 0;
    if (pkey) {
        sbx_lock();
        const sbx_payment *p = pay_find(pkey);
        if (p && strcmp(p->test_code, SBX_SLOW) == 0)
            delay = p->test_delay_ms ? p->test_delay_ms : 2000;
        else if (p && strcmp(p->test_code, SBX_LOST) == 0) {
            delay = p->test_delay_ms ? p->test_delay_ms : bc_cfg.pg_timeout_ms + 1000;
            *lost = 1;
        }
        sbx_unlock();
    }
    json_decref(body);
    return delay;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* On the loop: every confirm but those of a delayed payment. */
static int try_confirm_inline(bc_req *req)
{
    int lost;
    if (confirm_delay(req, &lost) > 0)
        return 0;
    gateway(req, op_confirm);
    return 1;
}

/* On a worker: a delayed payment's confirm (slow: wait, then answer; lost: do it, then hold the answer). */
static void h_confirm(bc_req *req)
{
    int lost, delay = confirm_delay(req, &lost);
    if (delay > 0 && !lost)
        sleep_ms(delay);
    gateway(req, op_confirm);
    if (delay > 0 && lost)
        sleep_ms(delay);
}
static void h_cancel(bc_req *req) { gateway(req, op_cancel); }
static void h_get(bc_req *req) { gateway(req, op_get); }
static void h_get_by_order(bc_req *req) { gateway(req, op_get_by_order); }

/* ---- the buyer's side: payment window ------------------------------------------- */

/* testCode: empty, or 1..64 of [A-Z0-9_] (a Toss error code or SANDBOX_…). */
static int test_code_ok(const char *c)
{
    size_t n = 0;
    if (!c)
        return 1;
    for (; c[n]; n++)
        if (!((c[n] >= 'A' && c[n] <= 'Z') || (c[n] >= '0' && c[n] <= '9') || c[n] == '_'))
            return 0;
    return n <= 64;
}

/* POST /sandbox-pg/v1/sandbox/payments {orderId, amount, orderName, testCode?, testDelayMs?} (no auth: the buyer's
 * browser, standing in for card authentication in the Toss window) → 201 {paymentKey, orderId, status}. A second
 * authentication for an orderId that already has an approved payment is refused with 400 DUPLICATED_ORDER_ID; earlier
 * IN_PROGRESS ones (e.g. the buyer went back) may coexist. */
static void h_create(bc_req *req)
{
    size_t len;
    const char *text = bc_req_body(req, &len);
    json_error_t jerr;
    json_t *body = len ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    const char *order_id, *order_name, *test_code = bc_req_header(req, "tosspayments-test-code");
    json_int_t amount, delay = 0;
    sbx_payment *p = NULL;
    int locked = 0;

    if (!json_is_object(body) ||
        json_unpack_ex(body, &jerr, 0, "{s:s,s:I,s:s,s?s,s?I}", "orderId", &order_id, "amount", &amount, "orderName",
                       &order_name, "testCode", &test_code, "testDelayMs", &delay) != 0 ||
        !order_id_ok(order_id) || amount < 1 || amount > SBX_MAX_AMOUNT || !order_name_ok(order_name) ||
        !test_code_ok(test_code) || delay < 0 || delay > SBX_MAX_DELAY_MS) {
        toss_error(req, 400, "INVALID_REQUEST",
                   "잘못된 요청입니다. orderId(6~64자, 영문·숫자·-·_), amount(1~1,000,000,000), orderName(1~100자)는 "
                   "필수입니다.");
        goto done;
    }
    p = calloc(1, sizeof *p);
    if (p)
        p->order_name = strdup(order_name);
    if (!p || !p->order_name) {
        toss_error(req, 500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "내부 시스템 처리 작업이 실패했습니다.");
        goto done;
    }
    memcpy(p->key, SBX_KEY_PREFIX, sizeof SBX_KEY_PREFIX - 1);
    bc_rand_token(p->key + sizeof SBX_KEY_PREFIX - 1, 32);
    snprintf(p->order_id, sizeof p->order_id, "%s", order_id);
    p->total = p->balance = amount;
    p->requested_ms = bc_now_ms();
    p->status = ST_IN_PROGRESS;
    p->bytes = sizeof *p + strlen(p->order_name) + 1;
    snprintf(p->test_code, sizeof p->test_code, "%s", test_code && *test_code ? test_code : "");
    p->test_delay_ms = (int)delay;

    sbx_lock();
    locked = 1;
    sbx_payment *prev = pay_find_order(order_id);
    if (prev && SETTLED(prev)) {
        toss_error(req, 400, "DUPLICATED_ORDER_ID", "이미 승인 및 취소가 진행된 중복된 주문번호 입니다.");
        goto done;
    }
    size_t kb = bucket_of(p->key), ob = bucket_of(p->order_id);
    p->key_next = S.by_key[kb];
    S.by_key[kb] = p;
    p->order_next = S.by_order[ob];
    S.by_order[ob] = p;
    dl_push_tail(&S.pay_lru, &p->lru);
    S.npay++;
    S.pay_bytes += p->bytes;
    pay_trim(p);
    bc_res_json(req, 201,
                json_pack("{s:s,s:s,s:s}", "paymentKey", p->key, "orderId", p->order_id, "status",
                          status_names[ST_IN_PROGRESS]));
    p = NULL; /* owned by the table */
done:
    if (locked)
        sbx_unlock();
    if (p)
        pay_free(p);
    json_decref(body);
}

/* The authority (host[:port]) of an absolute URL's origin; *len set. NULL when not http(s) or when
 * it has userinfo. */
static const char *url_authority(const char *u, size_t *len)
{
    const char *a;
    if (strncasecmp(u, "http://", 7) == 0)
        a = u + 7;
    else if (strncasecmp(u, "https://", 8) == 0)
        a = u + 8;
    else
        return NULL;
    size_t n = strcspn(a, "/?#");
    if (n == 0 || memchr(a, '@', n))
        return NULL;
    *len = n;
    return a;
}

/* successUrl/failUrl: a path on this origin ("/…" but not "//…"), or an http(s) URL on this host
 * (the Host the browser used, or the host of BROADCART_PUBLIC_URL; either scheme, so a TLS proxy in
 * front works). Printable ASCII only, no backslashes, at most 2000 chars — so no javascript:, data:,
 * protocol-relative or userinfo tricks, and the checkout page cannot become an open redirect. */
static int return_url_ok(bc_req *req, const char *u)
{
    if (!u || !*u || strlen(u) > 2000)
        return 0;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
            return 0;
    if (u[0] == '/')
        return u[1] != '/';
    size_t alen, hlen, plen;
    const char *a = url_authority(u, &alen);
    if (!a)
        return 0;
    const char *host = url_authority(bc_req_origin(req), &hlen);
    if (host && hlen == alen && strncasecmp(a, host, alen) == 0)
        return 1;
    const char *pub = bc_cfg.public_url[0] ? url_authority(bc_cfg.public_url, &plen) : NULL;
    return pub && plen == alen && strncasecmp(a, pub, alen) == 0;
}

static const char checkout_script[] =
    "(function(){'use strict';"
    "var d=JSON.parse(document.getElementById('bc-checkout').textContent);"
    "var pay=document.getElementById('pay'),dec=document.getElementById('decline'),err=document.getElementById('err'),"
    "oc=document.getElementById('outcome');"
    "function enc(v){return encodeURIComponent(String(v));}"
    "function go(base,q){location.href=base+(base.indexOf('?')>=0?'&':'?')+q;}"
    "function busy(b){pay.disabled=b;dec.disabled=b;}"
    "pay.addEventListener('click',function(){busy(true);err.hidden=true;"
    "fetch(d.api,{method:'POST',headers:{'Content-Type':'application/json'},"
    "body:JSON.stringify({orderId:d.orderId,amount:d.amount,orderName:d.orderName,"
    "testCode:(oc&&oc.value)||undefined})})"
    ".then(function(r){return r.json().then(function(b){return{ok:r.ok,b:b};});})"
    ".then(function(x){if(!x.ok||!x.b||!x.b.paymentKey)throw new Error((x.b&&x.b.message)||'결제에 실패했습니다.');"
    "go(d.successUrl,'paymentKey='+enc(x.b.paymentKey)+'&orderId='+enc(d.orderId)+'&amount='+enc(d.amount)+'&"
    "paymentType=NORMAL');})"
    ".catch(function(e){err.textContent=e.message||String(e);err.hidden=false;busy(false);});});"
    "dec.addEventListener('click',function(){busy(true);"
    "go(d.failUrl,'code=PAY_PROCESS_CANCELED&message='+enc('사용자에 의해 결제가 "
    "취소되었습니다.')+'&orderId='+enc(d.orderId));});"
    "})();";

/* GET /sandbox-pg/checkout?orderId=&amount=&orderName=&successUrl=&failUrl= → the fake payment
 * window. Every echoed value is HTML-escaped in the page and passed to the script as JSON in a
 * data block (see sb_script_json); the CSP allows only this page's nonce'd script. */
static void h_checkout(bc_req *req)
{
    const char *order_id = bc_req_query_str(req, "orderId");
    int64_t amount = bc_req_query_int(req, "amount", 0);
    const char *order_name = bc_req_query_str(req, "orderName");
    const char *success = bc_req_query_str(req, "successUrl");
    const char *fail = bc_req_query_str(req, "failUrl");
    sbuf b = {0};
    json_t *data = NULL;
    char *data_text = NULL;
    char nonce[25], price[40];

    if (!order_id_ok(order_id)) {
        bad_request_page(req, "orderId는 6~64자의 영문, 숫자, -, _ 만 사용할 수 있습니다.");
        goto done;
    }
    if (amount < 1 || amount > SBX_MAX_AMOUNT) { /* bounded by the route's query fields too */
        bad_request_page(req, "amount는 1 이상 1,000,000,000 이하의 정수여야 합니다.");
        goto done;
    }
    if (!order_name || !*order_name)
        order_name = "Broadcart 주문";
    if (!order_name_ok(order_name)) {
        bad_request_page(req, "orderName은 1~100자여야 합니다.");
        goto done;
    }
    if (!return_url_ok(req, success) || !return_url_ok(req, fail)) {
        bad_request_page(req, "successUrl과 failUrl은 이 사이트의 경로 또는 같은 호스트의 http(s) URL이어야 합니다.");
        goto done;
    }
    data = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "orderId", order_id, "amount", (json_int_t)amount, "orderName",
                     order_name, "successUrl", success, "failUrl", fail, "api", "/sandbox-pg/v1/sandbox/payments");
    data_text = data ? json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (!data_text) {
        bad_request_page(req, "요청을 처리할 수 없습니다.");
        goto done;
    }
    won(amount, price);
    page_begin(req, &b, "Sandbox 결제 — Broadcart", nonce);
    sb_str(&b, "<h1 id=\"order-name\">");
    sb_html(&b, order_name);
    sb_str(&b, "</h1><p class=\"amount\" id=\"amount\">");
    sb_str(&b, price);
    sb_str(&b, "</p><p class=\"meta\">주문번호 <code id=\"order-id\">");
    sb_html(&b, order_id);
    sb_str(&b, "</code></p><p class=\"err\" id=\"err\" role=\"alert\" hidden></p>"
               "<p class=\"meta\"><label>테스트 결과 (Test outcome) <select id=\"outcome\">"
               "<option value=\"\">정상 승인 (Approve)</option>"
               "<option value=\"REJECT_CARD_COMPANY\">카드 거절 (Card rejected)</option>"
               "<option value=\"REJECT_CARD_PAYMENT\">한도초과/잔액부족 (Insufficient balance)</option>"
               "<option value=\"FAILED_INTERNAL_SYSTEM_PROCESSING\">PG 오류 (Gateway error)</option>"
               "<option value=\"" SBX_SLOW "\">느린 응답 (Slow response)</option>"
               "<option value=\"" SBX_LOST "\">승인 후 응답 유실 (Lost response)</option>"
               "</select></label></p>"
               "<div class=\"actions\"><button id=\"pay\" type=\"button\">결제하기 (Pay)</button>"
               "<button id=\"decline\" type=\"button\">거절 (Decline)</button></div>"
               "<p class=\"note\">Broadcart 샌드박스 결제창입니다. 실제 카드 결제는 일어나지 않습니다. "
               "(Sandbox payment window: no real card is charged.)</p>");
    page_send_app(req, &b, "bc-checkout", data_text, nonce, checkout_script);
done:
    free(b.s);
    free(data_text);
    json_decref(data);
}

/* GET /sandbox-pg/receipt/{paymentKey} → a small HTML receipt (Payment.receipt.url points here;
 * like Toss's receipt links it needs no auth, only the unguessable paymentKey). */
static void h_receipt(bc_req *req)
{
    sbuf b = {0};
    char nonce[25], total[40], balance[40], approved[40] = "";
    const char *title = "영수증 — Broadcart Sandbox";

    sbx_lock();
    sbx_payment *p = pay_find(bc_req_param(req, "paymentKey"));
    if (!p || p->status == ST_IN_PROGRESS) {
        page_begin(req, &b, title, nonce);
        sb_str(&b, "<h1>영수증을 찾을 수 없습니다 (Receipt not found)</h1>");
        page_send(req, 404, &b);
        goto done;
    }
    won(p->total, total);
    won(p->balance, balance);
    kst_iso(p->approved_ms, approved);
    page_begin(req, &b, title, nonce);
    sb_str(&b, "<h1>카드 영수증 (Receipt)</h1><p class=\"amount\">");
    sb_str(&b, total);
    sb_str(&b, "</p><dl><dt>주문명</dt><dd>");
    sb_html(&b, p->order_name);
    sb_str(&b, "</dd><dt>주문번호</dt><dd>");
    sb_html(&b, p->order_id);
    sb_str(&b, "</dd><dt>상태</dt><dd>");
    sb_str(&b, status_names[p->status]);
    sb_str(&b, "</dd><dt>승인일시</dt><dd>");
    sb_str(&b, approved);
    sb_str(&b, "</dd><dt>카드번호</dt><dd>");
    sb_str(&b, p->card_number);
    sb_str(&b, "</dd><dt>승인번호</dt><dd>");
    sb_str(&b, p->approve_no);
    sb_str(&b, "</dd><dt>잔액</dt><dd>");
    sb_str(&b, balance);
    sb_str(&b, "</dd></dl><p class=\"note\">Broadcart 샌드박스 영수증 (not a real card receipt)</p>");
    page_send(req, 200, &b);
done:
    sbx_unlock();
    free(b.s);
}

/* ---- billing (자동결제): card registration, billing keys, charges ---------------
 * The browser registers a card on GET /sandbox-pg/billing (the stand-in for Toss's requestBillingAuth
 * window), which calls POST /sandbox-pg/v1/sandbox/billing/authorizations and returns to
 * successUrl?customerKey=&authKey=. The merchant exchanges the authKey (single use, 10 minutes) for a
 * billing key with POST /v1/billing/authorizations/issue and charges it with POST /v1/billing/{billingKey}
 * (a Payment of type BILLING, kept in the payment table, so GET /v1/payments/orders/{orderId} finds it).
 * Failure injection: the registration's testCode (a Toss error code) makes charges number testFailFrom
 * (1-based, default 1) up to testFailFrom + testFailCount - 1 (testFailCount 0 = all from then on) of
 * that billing key fail with that code; a 4xx one leaves an ABORTED payment with its failure. The
 * TossPayments-Test-Code header works on these routes as on the others. In memory, bounded
 * (SBX_MAX_BILLING entries, oldest evicted), under S.lock. */
#define SBX_MAX_BILLING 100000
#define SBX_AUTH_TTL_MS (10 * 60 * 1000)
#define SBX_AUTH_PREFIX "sbxauth_"
#define SBX_BILL_PREFIX "sbxbill_"

typedef struct sbx_bill {
    struct sbx_bill *next, *fifo_next; /* hash chain by key; creation order (eviction) */
    int is_auth;                       /* 1: an authKey (used once); 0: a billing key */
    int used;
    char key[48];
    char customer_key[301];
    char card_number[17];
    char test_code[65];
    int fail_from, fail_count, charges;
    int64_t created_ms;
} sbx_bill;

static struct {
    sbx_bill *by_key[SBX_BUCKETS];
    sbx_bill *head, *tail;
    size_t n;
} B;

static sbx_bill *bill_find(const char *key, int is_auth)
{
    if (!key || !*key)
        return NULL;
    for (sbx_bill *b = B.by_key[bucket_of(key)]; b; b = b->next)
        if (b->is_auth == is_auth && strcmp(b->key, key) == 0)
            return b;
    return NULL;
}

static void bill_add(sbx_bill *b)
{
    size_t kb = bucket_of(b->key);
    b->next = B.by_key[kb];
    B.by_key[kb] = b;
    b->fifo_next = NULL;
    if (B.tail)
        B.tail->fifo_next = b;
    else
        B.head = b;
    B.tail = b;
    B.n++;
    while (B.n > SBX_MAX_BILLING && B.head && B.head != b) {
        sbx_bill *old = B.head, **pp;
        B.head = old->fifo_next;
        for (pp = &B.by_key[bucket_of(old->key)]; *pp && *pp != old; pp = &(*pp)->next)
            ;
        if (*pp)
            *pp = old->next;
        B.n--;
        free(old);
    }
}

/* Toss customerKey: 2..300 characters of [A-Za-z0-9-_=.,@]. */
static int customer_key_ok(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '=' || c == '.' || c == ',' || c == '@'))
            return 0;
    }
    return n >= 2 && n <= 300;
}

static json_t *billing_json(const sbx_bill *b)
{
    char when[40];
    kst_iso(b->created_ms, when);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s}}", "mId", SBX_MID, "customerKey",
                     b->customer_key, "authenticatedAt", when, "method", "카드", "billingKey", b->key, "cardCompany",
                     "현대", "cardNumber", b->card_number, "card", "issuerCode", "61", "acquirerCode", "31", "number",
                     b->card_number, "cardType", "신용", "ownerType", "개인");
}

static char *json_text_steal(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* POST /v1/billing/authorizations/issue {authKey, customerKey} → Billing. */
static int op_billing_issue(bc_req *req, json_t *body, char **out, int *store)
{
    (void)req;
    const char *auth_key, *customer_key;
    json_error_t jerr;
    if (json_unpack_ex(body, &jerr, 0, "{s:s,s:s}", "authKey", &auth_key, "customerKey", &customer_key) != 0 ||
        !*auth_key || strlen(auth_key) > 300 || !customer_key_ok(customer_key)) {
        *store = 0;
        *out = err_body("INVALID_REQUEST", "잘못된 요청입니다. authKey와 customerKey(2~300자, 영문·숫자·-_=.,@)는 "
                                           "필수입니다.");
        return 400;
    }
    sbx_bill *a = bill_find(auth_key, 1);
    if (!a || a->used || bc_now_ms() - a->created_ms > SBX_AUTH_TTL_MS) {
        *out = err_body("INVALID_BILL_KEY_REQUEST", "빌링 인증이 만료되었거나 이미 사용되었습니다. (authKey)");
        return 400;
    }
    if (strcmp(a->customer_key, customer_key) != 0) {
        *out = err_body("NOT_MATCHES_CUSTOMER_KEY", "빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.");
        return 400;
    }
    sbx_bill *b = calloc(1, sizeof *b);
    if (!b) {
        *out = NULL;
        return 500;
    }
    *b = *a;
    b->is_auth = 0;
    b->used = 0;
    b->charges = 0;
    memcpy(b->key, SBX_BILL_PREFIX, sizeof SBX_BILL_PREFIX - 1);
    bc_rand_token(b->key + sizeof SBX_BILL_PREFIX - 1, 32);
    b->created_ms = bc_now_ms();
    a->used = 1;
    bill_add(b);
    *out = json_text_steal(billing_json(b));
    return 200;
}

/* Puts a new payment into the payment table (caller holds the lock). */
static void pay_insert(sbx_payment *p)
{
    size_t kb = bucket_of(p->key), ob = bucket_of(p->order_id);
    p->key_next = S.by_key[kb];
    S.by_key[kb] = p;
    p->order_next = S.by_order[ob];
    S.by_order[ob] = p;
    dl_push_tail(&S.pay_lru, &p->lru);
    S.npay++;
    S.pay_bytes += p->bytes;
    pay_trim(p);
}

/* POST /v1/billing/{billingKey} {customerKey, amount, orderId, orderName, customerEmail?, customerName?,
 * taxFreeAmount?, taxExemptionAmount?, cardInstallmentPlan?} → Payment (type BILLING, status DONE). */
static int op_billing_charge(bc_req *req, json_t *body, char **out, int *store)
{
    const char *customer_key, *order_id, *order_name, *email = NULL, *name = NULL;
    json_int_t amount, tax_free = 0, tax_exempt = 0, plan = 0;
    json_error_t jerr;
    if (json_unpack_ex(body, &jerr, 0, "{s:s,s:I,s:s,s:s,s?s,s?s,s?I,s?I,s?I}", "customerKey", &customer_key, "amount",
                       &amount, "orderId", &order_id, "orderName", &order_name, "customerEmail", &email, "customerName",
                       &name, "taxFreeAmount", &tax_free, "taxExemptionAmount", &tax_exempt, "cardInstallmentPlan",
                       &plan) != 0 ||
        !customer_key_ok(customer_key) || amount < 1 || amount > SBX_MAX_AMOUNT || !order_id_ok(order_id) ||
        !order_name_ok(order_name) || tax_free < 0 || tax_free > amount || plan < 0 || plan > 12) {
        *store = 0;
        *out = err_body("INVALID_REQUEST", "잘못된 요청입니다. customerKey, amount(1~1,000,000,000), orderId(6~64자), "
                                           "orderName(1~100자)는 필수입니다.");
        return 400;
    }
    sbx_bill *b = bill_find(bc_req_param(req, "billingKey"), 0);
    if (!b) {
        *out = err_body("NOT_FOUND_BILLING", "존재하지 않는 빌링키 입니다.");
        return 404;
    }
    if (strcmp(b->customer_key, customer_key) != 0) {
        *out = err_body("NOT_MATCHES_CUSTOMER_KEY", "빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.");
        return 400;
    }
    sbx_payment *prev = pay_find_order(order_id);
    if (prev && SETTLED(prev)) {
        *out = err_body("DUPLICATED_ORDER_ID", "이미 승인 및 취소가 진행된 중복된 주문번호 입니다.");
        return 400;
    }
    int n = ++b->charges;
    int failing = b->test_code[0] && n >= b->fail_from && (b->fail_count == 0 || n < b->fail_from + b->fail_count);
    int st = 400;
    const char *fmsg = "테스트 코드로 발생시킨 에러입니다. (testCode)";
    if (failing) {
        for (size_t i = 0; i < sizeof test_codes / sizeof test_codes[0]; i++)
            if (strcmp(test_codes[i].code, b->test_code) == 0) {
                st = test_codes[i].status;
                fmsg = test_codes[i].message;
            }
        if (st >= 500) {
            *store = 0; /* a 5xx executes nothing: a retry is tried again */
            *out = err_body(b->test_code, fmsg);
            return st;
        }
    }
    sbx_payment *p = calloc(1, sizeof *p);
    if (p)
        p->order_name = strdup(order_name);
    if (!p || !p->order_name) {
        free(p);
        *out = NULL;
        return 500;
    }
    memcpy(p->key, SBX_KEY_PREFIX, sizeof SBX_KEY_PREFIX - 1);
    bc_rand_token(p->key + sizeof SBX_KEY_PREFIX - 1, 32);
    snprintf(p->order_id, sizeof p->order_id, "%s", order_id);
    p->total = p->balance = amount;
    p->requested_ms = bc_now_ms();
    p->billing = 1;
    p->bytes = sizeof *p + strlen(p->order_name) + 1;
    if (failing) {
        p->status = ST_ABORTED;
        snprintf(p->test_code, sizeof p->test_code, "%s", b->test_code);
        pay_insert(p);
        *out = err_body(b->test_code, fmsg);
        return st;
    }
    p->status = ST_DONE;
    p->approved_ms = p->requested_ms;
    rand_hex(p->last_tx, 32);
    memcpy(p->card_number, b->card_number, sizeof p->card_number);
    rand_digits(p->approve_no, 8);
    pay_insert(p);
    *out = payment_text(req, p);
    return 200;
}

static void h_billing_issue(bc_req *req) { gateway(req, op_billing_issue); }
static void h_billing_charge(bc_req *req) { gateway(req, op_billing_charge); }

/* POST /sandbox-pg/v1/sandbox/billing/authorizations {customerKey, testCode?, testFailFrom?, testFailCount?}
 * (no auth: the buyer's browser, standing in for card registration in Toss's window) → 201
 * {authKey, customerKey}. */
static void h_billing_auth(bc_req *req)
{
    size_t len;
    const char *text = bc_req_body(req, &len);
    json_error_t jerr;
    json_t *body = len ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    const char *customer_key, *test_code = NULL;
    json_int_t from = 1, count = 0;
    if (!json_is_object(body) ||
        json_unpack_ex(body, &jerr, 0, "{s:s,s?s,s?I,s?I}", "customerKey", &customer_key, "testCode", &test_code,
                       "testFailFrom", &from, "testFailCount", &count) != 0 ||
        !customer_key_ok(customer_key) || !test_code_ok(test_code) || from < 1 || from > 1000 || count < 0 ||
        count > 1000) {
        toss_error(req, 400, "INVALID_REQUEST",
                   "잘못된 요청입니다. customerKey(2~300자, 영문·숫자·-_=.,@)는 필수이고, testFailFrom은 1 이상, "
                   "testFailCount는 0 이상입니다.");
        json_decref(body);
        return;
    }
    sbx_bill *a = calloc(1, sizeof *a);
    if (!a) {
        toss_error(req, 500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "내부 시스템 처리 작업이 실패했습니다.");
        json_decref(body);
        return;
    }
    a->is_auth = 1;
    memcpy(a->key, SBX_AUTH_PREFIX, sizeof SBX_AUTH_PREFIX - 1);
    bc_rand_token(a->key + sizeof SBX_AUTH_PREFIX - 1, 32);
    snprintf(a->customer_key, sizeof a->customer_key, "%s", customer_key);
    snprintf(a->test_code, sizeof a->test_code, "%s", test_code && *test_code ? test_code : "");
    a->fail_from = (int)from;
    a->fail_count = (int)count;
    a->created_ms = bc_now_ms();
    char mid[3], tail[4];
    rand_digits(mid, 2);
    rand_digits(tail, 3);
    snprintf(a->card_number, sizeof a->card_number, "433012%s****%s*", mid, tail);
    sbx_lock();
    bill_add(a);
    bc_res_json(req, 201, json_pack("{s:s,s:s}", "authKey", a->key, "customerKey", a->customer_key));
    sbx_unlock();
    json_decref(body);
}

static const char billing_script[] =
    "(function(){'use strict';"
    "var d=JSON.parse(document.getElementById('bc-billing').textContent);"
    "var reg=document.getElementById('register'),dec=document.getElementById('decline'),"
    "err=document.getElementById('err'),oc=document.getElementById('outcome');"
    "function enc(v){return encodeURIComponent(String(v));}"
    "function go(base,q){location.href=base+(base.indexOf('?')>=0?'&':'?')+q;}"
    "function busy(b){reg.disabled=b;dec.disabled=b;}"
    "reg.addEventListener('click',function(){busy(true);err.hidden=true;"
    "var o=(oc&&oc.value)||'';var p=o.split(':');"
    "var b={customerKey:d.customerKey};if(p[0]){b.testCode=p[0];b.testFailFrom=Number(p[1]||1);"
    "b.testFailCount=Number(p[2]||0);}"
    "fetch(d.api,{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify(b)})"
    ".then(function(r){return r.json().then(function(x){return{ok:r.ok,b:x};});})"
    ".then(function(x){if(!x.ok||!x.b||!x.b.authKey)throw new Error((x.b&&x.b.message)||'카드 등록에 실패했습니다.');"
    "go(d.successUrl,'customerKey='+enc(d.customerKey)+'&authKey='+enc(x.b.authKey));})"
    ".catch(function(e){err.textContent=e.message||String(e);err.hidden=false;busy(false);});});"
    "dec.addEventListener('click',function(){busy(true);"
    "go(d.failUrl,'code=PAY_PROCESS_CANCELED&message='+enc('사용자에 의해 카드 등록이 취소되었습니다.'));});"
    "})();";

/* GET /sandbox-pg/billing?customerKey=&successUrl=&failUrl= → the fake card registration window
 * (Toss's requestBillingAuth). Echoed values are escaped as in the checkout page. */
static void h_billing_page(bc_req *req)
{
    const char *customer_key = bc_req_query_str(req, "customerKey");
    const char *success = bc_req_query_str(req, "successUrl");
    const char *fail = bc_req_query_str(req, "failUrl");
    sbuf b = {0};
    json_t *data = NULL;
    char *data_text = NULL;
    char nonce[25];
    if (!customer_key_ok(customer_key)) {
        bad_request_page(req, "customerKey는 2~300자의 영문, 숫자, -_=.,@ 만 사용할 수 있습니다.");
        goto done;
    }
    if (!return_url_ok(req, success) || !return_url_ok(req, fail)) {
        bad_request_page(req, "successUrl과 failUrl은 이 사이트의 경로 또는 같은 호스트의 http(s) URL이어야 합니다.");
        goto done;
    }
    data = json_pack("{s:s,s:s,s:s,s:s}", "customerKey", customer_key, "successUrl", success, "failUrl", fail, "api",
                     "/sandbox-pg/v1/sandbox/billing/authorizations");
    data_text = data ? json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (!data_text) {
        bad_request_page(req, "요청을 처리할 수 없습니다.");
        goto done;
    }
    page_begin(req, &b, "Sandbox 카드 등록 — Broadcart", nonce);
    sb_str(&b, "<h1 id=\"billing-title\">자동결제 카드 등록 (Register a card for automatic payments)</h1>"
               "<p class=\"meta\">카드 <code id=\"card-number\">4330-12**-****-***</code> · 고객키 <code "
               "id=\"customer-key\">");
    sb_html(&b, customer_key);
    sb_str(&b, "</code></p><p class=\"err\" id=\"err\" role=\"alert\" hidden></p>"
               "<p class=\"meta\"><label>테스트 결과 (Test outcome) <select id=\"outcome\">"
               "<option value=\"\">모든 결제 승인 (Approve every charge)</option>"
               "<option value=\"REJECT_CARD_COMPANY:1:0\">모든 결제 거절 (Every charge rejected)</option>"
               "<option value=\"REJECT_CARD_COMPANY:2:1\">다음 갱신 1회 거절 (Next renewal rejected once)</option>"
               "<option value=\"REJECT_CARD_PAYMENT:2:0\">갱신부터 잔액부족 (Renewals: insufficient balance)</option>"
               "</select></label></p>"
               "<div class=\"actions\"><button id=\"register\" type=\"button\">카드 등록 (Register)</button>"
               "<button id=\"decline\" type=\"button\">취소 (Cancel)</button></div>"
               "<p class=\"note\">Broadcart 샌드박스 카드 등록 창입니다. 실제 카드는 등록되지 않습니다. "
               "(Sandbox card registration: no real card is stored.)</p>");
    page_send_app(req, &b, "bc-billing", data_text, nonce, billing_script);
done:
    free(b.s);
    free(data_text);
    json_decref(data);
}

static const bc_field billing_query[] = {
    {"customerKey", BC_F_STR, 1, 2, 300, "the customerKey of POST /api/v1/subscriptions/billing-auth",
     .text = BC_TEXT_OPAQUE, .example = "\"ck_3f1c2a9e\""},
    {"successUrl", BC_F_STR, 1, 1, 2048, "where Register returns with customerKey and authKey", .text = BC_TEXT_OPAQUE,
     .example = "\"/#/subscriptions/done\""},
    {"failUrl", BC_F_STR, 1, 1, 2048, "where Cancel returns with code and message", .text = BC_TEXT_OPAQUE,
     .example = "\"/#/subscriptions/fail\""},
    {"clientKey", BC_F_STR, 0, 0, 200, "the client key (sent by the web client)", .text = BC_TEXT_OPAQUE},
    {"customerName", BC_F_STR, 0, 0, 100, "accepted for Toss compatibility; not shown", .text = BC_TEXT_OPAQUE},
    {"customerEmail", BC_F_STR, 0, 0, 254, "accepted for Toss compatibility; not shown", .text = BC_TEXT_OPAQUE},
    {NULL},
};

static const bc_schema sc_sbx_billing_auth = {
    "SandboxBillingAuth",
    "{\"type\":\"object\",\"required\":[\"authKey\",\"customerKey\"],\"properties\":{\"authKey\":{\"type\":"
    "\"string\"},\"customerKey\":{\"type\":\"string\"}}}",
    NULL};
static const bc_schema sc_toss_billing = {
    "TossBilling",
    "{\"type\":\"object\",\"description\":\"A Toss Payments Billing object (issued billing key)\",\"required\":["
    "\"mId\",\"customerKey\",\"authenticatedAt\",\"method\",\"billingKey\",\"card\"],\"properties\":{\"mId\":{"
    "\"type\":\"string\"},\"customerKey\":{\"type\":\"string\"},\"authenticatedAt\":{\"type\":\"string\"},\"method\":{"
    "\"type\":\"string\"},\"billingKey\":{\"type\":\"string\"},\"card\":{\"type\":\"object\"}},"
    "\"additionalProperties\":true}",
    NULL};

/* The checkout page's query, as the web client (and Toss-style integrations) send it. Values are
 * echoed into the page escaped, so orderName is opaque text here (the page's own checks apply). */
static const bc_field checkout_query[] = {
    {"orderId", BC_F_STR, 1, 6, 64, "the order's orderId ([A-Za-z0-9_-])", .text = BC_TEXT_OPAQUE,
     .example = "\"order_123456\""},
    {"amount", BC_F_INT, 1, 1, SBX_MAX_AMOUNT, "KRW"},
    {"orderName", BC_F_STR, 0, 0, 100, "shown in the window (default \"Broadcart 주문\")", .text = BC_TEXT_OPAQUE},
    {"successUrl", BC_F_STR, 1, 1, 2048, "where Pay returns (a path or a same-host http(s) URL)",
     .text = BC_TEXT_OPAQUE, .example = "\"/#/pay/success\""},
    {"failUrl", BC_F_STR, 1, 1, 2048, "where Decline returns (a path or a same-host http(s) URL)",
     .text = BC_TEXT_OPAQUE, .example = "\"/#/pay/fail\""},
    {"clientKey", BC_F_STR, 0, 0, 200, "the client key of GET /api/v1/payments/config (sent by the web client)",
     .text = BC_TEXT_OPAQUE},
    {"customerName", BC_F_STR, 0, 0, 100, "accepted for Toss compatibility; not shown", .text = BC_TEXT_OPAQUE},
    {"customerEmail", BC_F_STR, 0, 0, 254, "accepted for Toss compatibility; not shown", .text = BC_TEXT_OPAQUE},
    {NULL},
};

const bc_route bc_sandbox_routes[] = {
    {"GET", "/sandbox-pg/checkout", 0, BC_RT_INLINE | BC_RT_PAGE, NULL, h_checkout, "sandbox-pg",
     "Sandbox payment window (HTML)", 200, .query = checkout_query, .res_type = "text/html"},
    {"POST", "/sandbox-pg/v1/sandbox/payments", 0, BC_RT_INLINE, NULL, h_create, "sandbox-pg",
     "Buyer authenticates a payment {orderId, amount, orderName} → {paymentKey} (IN_PROGRESS)", 201,
     .response = &bc_sc_sbx_created, .location = "/sandbox-pg/v1/payments/{paymentKey}",
     .req_type = "application/json"},
    {"POST", "/sandbox-pg/v1/payments/confirm", 0, 0, NULL, h_confirm, "sandbox-pg",
     "Toss confirm {paymentKey, orderId, amount} (Basic auth, Idempotency-Key) → Payment", 200,
     .response = &bc_sc_toss_payment, .req_type = "application/json", .try_inline = try_confirm_inline},
    {"GET", "/sandbox-pg/v1/payments/orders/{orderId}", 0, BC_RT_INLINE, NULL, h_get_by_order, "sandbox-pg",
     "Toss get payment by orderId (Basic auth) → Payment", 200, .response = &bc_sc_toss_payment},
    {"GET", "/sandbox-pg/v1/payments/{paymentKey}", 0, BC_RT_INLINE, NULL, h_get, "sandbox-pg",
     "Toss get payment (Basic auth) → Payment", 200, .response = &bc_sc_toss_payment},
    {"POST", "/sandbox-pg/v1/payments/{paymentKey}/cancel", 0, BC_RT_INLINE, NULL, h_cancel, "sandbox-pg",
     "Toss cancel {cancelReason, cancelAmount?} (Basic auth, Idempotency-Key) → Payment", 200,
     .response = &bc_sc_toss_payment, .req_type = "application/json"},
    {"GET", "/sandbox-pg/billing", 0, BC_RT_INLINE | BC_RT_PAGE, NULL, h_billing_page, "sandbox-pg",
     "Sandbox card registration window for automatic payments (HTML; Toss requestBillingAuth)", 200,
     .query = billing_query, .res_type = "text/html"},
    {"POST", "/sandbox-pg/v1/sandbox/billing/authorizations", 0, BC_RT_INLINE, NULL, h_billing_auth, "sandbox-pg",
     "Buyer registers a card {customerKey, testCode?, testFailFrom?, testFailCount?} → {authKey}", 201,
     .response = &sc_sbx_billing_auth, .location = "/sandbox-pg/billing", .req_type = "application/json"},
    {"POST", "/sandbox-pg/v1/billing/authorizations/issue", 0, BC_RT_INLINE, NULL, h_billing_issue, "sandbox-pg",
     "Toss issue billing key {authKey, customerKey} (Basic auth, Idempotency-Key) → Billing", 200,
     .response = &sc_toss_billing, .req_type = "application/json"},
    {"POST", "/sandbox-pg/v1/billing/{billingKey}", 0, BC_RT_INLINE, NULL, h_billing_charge, "sandbox-pg",
     "Toss charge a billing key {customerKey, amount, orderId, orderName} (Basic auth, Idempotency-Key) → Payment", 200,
     .response = &bc_sc_toss_payment, .req_type = "application/json"},
    {"GET", "/sandbox-pg/receipt/{paymentKey}", 0, BC_RT_INLINE | BC_RT_INTERNAL | BC_RT_PAGE, NULL, h_receipt,
     "sandbox-pg", "Sandbox card receipt (HTML)", 200, .res_type = "text/html",
     .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {NULL},
};
