/* The Toss Payments core API v1 client (libcurl, blocking; worker threads only).
 *
 * Base URL: bc_cfg.toss_api_base, or "http://127.0.0.1:{port}/sandbox-pg" (the built-in sandbox) when it is
 * empty. Auth: HTTP Basic with the secret key as user name and an empty password, i.e.
 * "Authorization: Basic base64(secret + ':')" (libcurl builds the header from CURLOPT_USERNAME/PASSWORD).
 * Every POST carries Content-Type: application/json and, when given, the Idempotency-Key header.
 *
 * Each thread keeps one CURL easy handle (a pthread key, cleaned up when the thread exits) and resets its
 * options before every call, so connections to the gateway are kept alive and reused. Timeouts: connect
 * min(3 s, BROADCART_PG_TIMEOUT_MS), whole transfer BROADCART_PG_TIMEOUT_MS. Responses are limited to 1 MiB
 * and parsed as JSON.
 *
 * Retries (toss_request): a call that got no answer, a 5xx or 409 IDEMPOTENT_REQUEST_PROCESSING is tried
 * again, at most 3 tries, 100 ms then 400 ms apart, and no new try once the call has taken longer than one
 * timeout. GETs are always safe to retry; a POST is retried only with an Idempotency-Key, which makes Toss
 * replay the first answer instead of executing again (docs "Idempotency", §1.7 of the provider notes).
 *
 * Circuit breaker: BROADCART_PG_BREAKER_FAILURES consecutive failed calls (after their retries) open it
 * for BROADCART_PG_BREAKER_OPEN seconds; while open every call fails at once with BC_EBUSY (not tried,
 * res->retry_after_s set). When the time is up one trial call is let through (half-open): success closes
 * the breaker, failure opens it again.
 *
 * The secret key is never logged: log lines carry only the method, the path and the result. */
#include "payments.h"
#include "payments_int.h"
#include "../metrics/metrics.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOSS_MAX_RESPONSE (1u << 20)
#define TOSS_CONNECT_TIMEOUT_MS 3000L
#define TOSS_MAX_IDEMPOTENCY_KEY 300
#define TOSS_MAX_TRIES 3

static pthread_mutex_t breaker_lock = PTHREAD_MUTEX_INITIALIZER;
static int breaker_failures;       /* consecutive failed calls */
static int64_t breaker_open_until; /* UTC ms; 0 = closed */

/* 1 when a call may go out now; else 0 with *retry_after_s set (the breaker is open). A call let
 * through after the open period (half-open) pushes the period on, so only that one goes out. */
static int breaker_allow(int *retry_after_s)
{
    int64_t now = bc_now_ms();
    int ok = 1;
    pthread_mutex_lock(&breaker_lock);
    if (breaker_open_until > now) {
        *retry_after_s = (int)((breaker_open_until - now + 999) / 1000);
        ok = 0;
    } else if (breaker_failures >= bc_cfg.pg_breaker_failures) {
        breaker_open_until = now + (int64_t)bc_cfg.pg_breaker_open_s * 1000; /* half-open trial */
    }
    pthread_mutex_unlock(&breaker_lock);
    return ok;
}

static void breaker_record(int failed)
{
    pthread_mutex_lock(&breaker_lock);
    if (!failed) {
        breaker_failures = 0;
        breaker_open_until = 0;
    } else if (++breaker_failures >= bc_cfg.pg_breaker_failures) {
        breaker_open_until = bc_now_ms() + (int64_t)bc_cfg.pg_breaker_open_s * 1000;
        if (breaker_failures == bc_cfg.pg_breaker_failures)
            bc_log_warn("toss", "circuit breaker open for %d s after %d failed gateway calls", bc_cfg.pg_breaker_open_s,
                        breaker_failures);
    }
    pthread_mutex_unlock(&breaker_lock);
}

int bc_toss_breaker_retry_after(void)
{
    int retry = 0;
    if (breaker_allow(&retry)) {
        /* breaker_allow may have started a half-open period: undo that for this probe */
        pthread_mutex_lock(&breaker_lock);
        if (breaker_failures >= bc_cfg.pg_breaker_failures)
            breaker_open_until = 0;
        pthread_mutex_unlock(&breaker_lock);
        return 0;
    }
    return retry;
}

static pthread_key_t curl_key;
static pthread_once_t curl_key_once = PTHREAD_ONCE_INIT;

static void curl_handle_free(void *h) { curl_easy_cleanup(h); }

static void curl_key_init(void)
{
    if (pthread_key_create(&curl_key, curl_handle_free) != 0)
        abort();
}

/* This thread's easy handle, created on first use and reset before each request (reset keeps the
 * connection cache, so keep-alive connections survive). NULL when libcurl cannot allocate one. */
static CURL *thread_handle(void)
{
    pthread_once(&curl_key_once, curl_key_init);
    CURL *h = pthread_getspecific(curl_key);
    if (h) {
        curl_easy_reset(h);
        return h;
    }
    h = curl_easy_init();
    if (h && pthread_setspecific(curl_key, h) != 0) {
        curl_easy_cleanup(h);
        h = NULL;
    }
    return h;
}

/* Idempotency keys go into a header: at most 300 printable ASCII characters (no CR/LF injection). */
static int idempotency_key_ok(const char *k)
{
    size_t n = 0;
    for (; k[n]; n++)
        if ((unsigned char)k[n] < 0x21 || (unsigned char)k[n] > 0x7e)
            return 0;
    return n > 0 && n <= TOSS_MAX_IDEMPOTENCY_KEY;
}

static int add_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line);
    if (!l)
        return BC_ENOMEM;
    *list = l;
    return BC_OK;
}

/* Performs one request against the gateway. path starts with "/v1/…" (already percent-encoded);
 * body is JSON text for POST or NULL for GET. Fills res (status 0 and body NULL when unreachable).
 * Returns BC_OK when an HTTP answer came back, BC_EGATEWAY when not, BC_EINVAL on a bad argument
 * (e.g. an idempotency key over 300 chars), BC_ENOMEM when out of memory. */
static int toss_call_once(const pg_target *t, const char *method, const char *path, const char *body,
                          const char *idempotency_key, bc_pg_result *res)
{
    int rc = BC_EGATEWAY;
    struct curl_slist *headers = NULL;
    bc_buf buf;
    bc_buf_init(&buf, TOSS_MAX_RESPONSE);
    char url[1024], idem[TOSS_MAX_IDEMPOTENCY_KEY + 32], noproxy[1024];
    CURL *c = NULL;
    int n;
    size_t blen;

    res->http_status = 0;
    res->body = NULL;
    if (idempotency_key && *idempotency_key && !idempotency_key_ok(idempotency_key)) {
        rc = BC_EINVAL;
        goto out;
    }
    blen = strlen(t->base);
    while (blen && t->base[blen - 1] == '/')
        blen--; /* "https://api.tosspayments.com/" works too */
    n = blen ? snprintf(url, sizeof url, "%.*s%s", (int)blen, t->base, path)
             : snprintf(url, sizeof url, "http://127.0.0.1:%d%s%s", bc_http_port(), t->sandbox_prefix, path);
    if (n < 0 || (size_t)n >= sizeof url) {
        rc = BC_EINVAL;
        goto out;
    }
    /* a proxy from the environment must never carry calls to the loopback sandbox; CURLOPT_NOPROXY
     * replaces no_proxy, so that list is kept */
    const char *env_np = getenv("no_proxy");
    if (!env_np || !*env_np)
        env_np = getenv("NO_PROXY");
    snprintf(noproxy, sizeof noproxy, "localhost,127.0.0.1,::1%s%s", env_np && *env_np ? "," : "",
             env_np && *env_np ? env_np : "");
    c = thread_handle();
    if (!c) {
        rc = BC_ENOMEM;
        goto out;
    }
    if (add_header(&headers, "Accept: application/json") != BC_OK ||
        (body && add_header(&headers, "Content-Type: application/json") != BC_OK) ||
        (body && add_header(&headers, "Expect:") != BC_OK)) { /* Expect: no 100-continue round trip */
        rc = BC_ENOMEM;
        goto out;
    }
    if (t->header && add_header(&headers, t->header) != BC_OK) {
        rc = BC_ENOMEM;
        goto out;
    }
    if (body && idempotency_key && *idempotency_key) {
        snprintf(idem, sizeof idem, "Idempotency-Key: %s", idempotency_key);
        if (add_header(&headers, idem) != BC_OK) {
            rc = BC_ENOMEM;
            goto out;
        }
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* required with timeouts in a multi-threaded process */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     bc_cfg.pg_timeout_ms < TOSS_CONNECT_TIMEOUT_MS ? (long)bc_cfg.pg_timeout_ms
                                                                    : TOSS_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)bc_cfg.pg_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (t->basic_user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, t->basic_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, "");
    }
    curl_easy_setopt(c, CURLOPT_NOPROXY, noproxy);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "broadcart/0.1 (+payments-client)");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bc_buf_curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }

    CURLcode cr = curl_easy_perform(c);
    if (cr != CURLE_OK) {
        bc_log_warn("toss", "%s %s failed: %s", method, path, curl_easy_strerror(cr));
        rc = BC_EGATEWAY;
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    bc_toss_parse_response((int)status, buf.data, buf.len, res);
    if (buf.len && !res->body)
        bc_log_warn("toss", "%s %s: HTTP %ld with a body that is not JSON", method, path, status);
    if (status >= 400) {
        const char *code = json_string_value(json_object_get(res->body, "code"));
        bc_log_info("toss", "%s %s: HTTP %ld %s", method, path, status, code ? code : "");
    }
    rc = BC_OK;
out:
    curl_slist_free_all(headers);
    bc_buf_free(&buf);
    return rc;
}

/* Whether an answer leaves the outcome unknown (worth another try with the same key). */
static int outcome_unknown(int rc, const bc_pg_result *res)
{
    if (rc == BC_EGATEWAY || res->http_status == 0 || res->http_status >= 500)
        return 1;
    const char *code = json_string_value(json_object_get(res->body, "code"));
    return res->http_status == 409 && code && strcmp(code, "IDEMPOTENT_REQUEST_PROCESSING") == 0;
}

/* toss_call_once behind the circuit breaker, with the retries described at the top of the file.
 * Returns what toss_call_once returns, or BC_EBUSY (breaker open: not tried; res->retry_after_s). */
/* A Toss call: the configured base and secret key. */
static int toss_call(const char *method, const char *path, const char *body, const char *idempotency_key,
                     bc_pg_result *res)
{
    pg_target t = {bc_cfg.toss_api_base, "/sandbox-pg", bc_cfg.toss_secret_key, NULL};
    return bc_pg_http(&t, method, path, body, idempotency_key, res);
}

int bc_pg_http(const pg_target *t, const char *method, const char *path, const char *body, const char *idempotency_key,
               bc_pg_result *res)
{
    int retry_after = 0, rc = BC_EGATEWAY;
    res->http_status = 0;
    res->body = NULL;
    res->retry_after_s = 0;
    if (!breaker_allow(&retry_after)) {
        res->retry_after_s = retry_after;
        return BC_EBUSY;
    }
    int retriable = body == NULL || (idempotency_key && *idempotency_key);
    int64_t start = bc_now_ms();
    for (int attempt = 1;; attempt++) {
        rc = toss_call_once(t, method, path, body, idempotency_key, res);
        if (rc == BC_EINVAL || rc == BC_ENOMEM || !outcome_unknown(rc, res))
            break;
        if (!retriable || attempt >= TOSS_MAX_TRIES || bc_now_ms() - start >= bc_cfg.pg_timeout_ms)
            break;
        json_decref(res->body);
        res->body = NULL;
        res->http_status = 0;
        struct timespec ts = {0, (attempt == 1 ? 100 : 400) * 1000000L};
        nanosleep(&ts, NULL);
        bc_log_info("toss", "%s %s: retrying (try %d)", method, path, attempt + 1);
    }
    if (rc != BC_EINVAL && rc != BC_ENOMEM)
        breaker_record(outcome_unknown(rc, res) && !(res->http_status == 409));
    bc_metrics_gateway(strstr(t->sandbox_prefix, "portone") ? "portone" : "toss", rc || res->http_status >= 500);
    return rc;
}

int bc_toss_parse_response(int http_status, const char *data, size_t len, bc_pg_result *res)
{
    json_error_t jerr;
    if (!res)
        return BC_EINVAL;
    res->http_status = http_status;
    res->body = data && len ? json_loadb(data, len, 0, &jerr) : NULL;
    return BC_OK;
}

void bc_toss_read_confirm(const bc_pg_result *res, const char *payment_key, int64_t amount, bc_toss_answer *out)
{
    json_t *b = res->body;
    memset(out, 0, sizeof *out);
    out->code = json_string_value(json_object_get(b, "code"));
    out->message = json_string_value(json_object_get(b, "message"));
    out->status = json_string_value(json_object_get(b, "status"));
    out->method = json_string_value(json_object_get(b, "method"));
    if (res->http_status == 0 || res->http_status >= 500) {
        out->verdict = BC_TOSS_GATEWAY_ERROR;
        return;
    }
    if (res->http_status < 200 || res->http_status >= 300) {
        out->verdict = BC_TOSS_DECLINED;
        return;
    }
    json_t *total = json_object_get(b, "totalAmount");
    const char *key = json_string_value(json_object_get(b, "paymentKey"));
    if (!out->status || strcmp(out->status, "DONE") != 0 || !json_is_integer(total) ||
        json_integer_value(total) != amount || (key && (!payment_key || strcmp(key, payment_key) != 0))) {
        out->verdict = BC_TOSS_UNEXPECTED;
        return;
    }
    const char *approved = json_string_value(json_object_get(b, "approvedAt"));
    if (!approved || bc_time_parse(approved, &out->approved_at) != BC_OK)
        out->approved_at = 0;
    out->verdict = BC_TOSS_APPROVED;
}

/* Percent-encodes s for one path segment into out (size >= 3*strlen+1). Returns BC_EINVAL when it
 * does not fit or s is empty. */
static int path_segment(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (!s || !*s)
        return BC_EINVAL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                    *p == '_' || *p == '.' || *p == '~';
        if (o + (plain ? 1 : 3) >= outlen)
            return BC_EINVAL;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = 0;
    return BC_OK;
}

/* Toss `POST /v1/payments/confirm` {paymentKey, orderId, amount}: approves a payment the buyer
 * authenticated in the payment window. 200 → Payment (status DONE for cards). */
int bc_toss_confirm(const char *payment_key, const char *order_id, int64_t amount, const char *idempotency_key,
                    bc_pg_result *res)
{
    res->http_status = 0;
    res->body = NULL;
    if (!payment_key || !order_id || amount < 1)
        return BC_EINVAL;
    json_t *req =
        json_pack("{s:s,s:s,s:I}", "paymentKey", payment_key, "orderId", order_id, "amount", (json_int_t)amount);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    int rc = body ? toss_call("POST", "/v1/payments/confirm", body, idempotency_key, res) : BC_EINVAL;
    free(body);
    json_decref(req);
    return rc;
}

/* Toss `POST /v1/payments/{paymentKey}/cancel` {cancelReason[, cancelAmount]}: cancels the whole
 * remaining balance (cancel_amount 0) or part of it. 200 → Payment with a new cancels[] entry. */
int bc_toss_cancel(const char *payment_key, const char *reason, int64_t cancel_amount, const char *idempotency_key,
                   bc_pg_result *res)
{
    char seg[700], path[800];
    json_t *req = NULL;
    char *body = NULL;
    int rc = BC_EINVAL;

    res->http_status = 0;
    res->body = NULL;
    if (!reason || !*reason || cancel_amount < 0 || path_segment(payment_key, seg, sizeof seg) != BC_OK)
        goto out;
    snprintf(path, sizeof path, "/v1/payments/%s/cancel", seg);
    req = cancel_amount > 0 ? json_pack("{s:s,s:I}", "cancelReason", reason, "cancelAmount", (json_int_t)cancel_amount)
                            : json_pack("{s:s}", "cancelReason", reason);
    body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    if (body)
        rc = toss_call("POST", path, body, idempotency_key, res);
out:
    free(body);
    json_decref(req);
    return rc;
}

/* Toss `GET /v1/payments/{paymentKey}`: the current Payment object (404 NOT_FOUND_PAYMENT when unknown). */
int bc_toss_get(const char *payment_key, bc_pg_result *res)
{
    char seg[700], path[800];
    res->http_status = 0;
    res->body = NULL;
    if (path_segment(payment_key, seg, sizeof seg) != BC_OK)
        return BC_EINVAL;
    snprintf(path, sizeof path, "/v1/payments/%s", seg);
    return toss_call("GET", path, NULL, NULL, res);
}

/* Toss `GET /v1/payments/orders/{orderId}`: the Payment of that orderId (404 NOT_FOUND_PAYMENT). */
int bc_toss_get_by_order(const char *order_id, bc_pg_result *res)
{
    char seg[200], path[300];
    res->http_status = 0;
    res->body = NULL;
    if (path_segment(order_id, seg, sizeof seg) != BC_OK)
        return BC_EINVAL;
    snprintf(path, sizeof path, "/v1/payments/orders/%s", seg);
    return toss_call("GET", path, NULL, NULL, res);
}

/* Toss `POST /v1/billing/authorizations/issue` {authKey, customerKey}: exchanges the authKey of a card
 * registration for a billing key. 200 → Billing object. */
int bc_toss_billing_issue(const char *auth_key, const char *customer_key, const char *idempotency_key,
                          bc_pg_result *res)
{
    res->http_status = 0;
    res->body = NULL;
    if (!auth_key || !*auth_key || !customer_key || !*customer_key)
        return BC_EINVAL;
    json_t *req = json_pack("{s:s,s:s}", "authKey", auth_key, "customerKey", customer_key);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    int rc = body ? toss_call("POST", "/v1/billing/authorizations/issue", body, idempotency_key, res) : BC_EINVAL;
    free(body);
    json_decref(req);
    return rc;
}

/* Toss `POST /v1/billing/{billingKey}` {customerKey, amount, orderId, orderName}: charges the billing
 * key. 200 → Payment (type BILLING, status DONE). */
int bc_toss_billing_charge(const char *billing_key, const char *customer_key, int64_t amount, const char *order_id,
                           const char *order_name, const char *idempotency_key, bc_pg_result *res)
{
    char seg[700], path[800];
    json_t *req = NULL;
    char *body = NULL;
    int rc = BC_EINVAL;
    res->http_status = 0;
    res->body = NULL;
    if (!customer_key || !order_id || !order_name || amount < 1 || path_segment(billing_key, seg, sizeof seg) != BC_OK)
        goto out;
    snprintf(path, sizeof path, "/v1/billing/%s", seg);
    req = json_pack("{s:s,s:I,s:s,s:s}", "customerKey", customer_key, "amount", (json_int_t)amount, "orderId", order_id,
                    "orderName", order_name);
    body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    if (body)
        rc = toss_call("POST", path, body, idempotency_key, res);
out:
    free(body);
    json_decref(req);
    return rc;
}
