/* The PortOne (Iamport) REST API v1 client (libcurl through bc_pg_http: the same timeouts, retries and
 * circuit breaker as the Toss client; worker threads only).
 *
 * Base URL: bc_cfg.portone_api_base, or "http://127.0.0.1:{port}/sandbox-portone" (the built-in sandbox).
 * Every answer is the envelope {code, message, response}: code 0 = success (provider notes §2.1).
 * Auth: POST /users/getToken {imp_key, imp_secret} → {access_token, expired_at (UNIX s), now}; the token
 * (30 minutes) is cached process-wide and renewed a minute before it expires or after a 401, and sent
 * bare, "Authorization: <token>", as PortOne's official clients do (the docs' "Bearer <token>" works
 * at PortOne too; broadcart's own sandbox must take the bare form, since its HTTP layer reads every
 * Bearer credential as a Broadcart access token). */
#include "payments.h"
#include "payments_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;
static char token[512];
static int64_t token_expires_ms;

static pg_target target(const char *header)
{
    pg_target t = {bc_cfg.portone_api_base, "/sandbox-portone", NULL, header};
    return t;
}

/* Fills out with "Authorization: <token>", fetching a token when none is valid (force: always).
 * Returns BC_OK, or the failed call's error with *res describing it (caller frees res->body). */
static int auth_header(char *out, size_t len, int force, bc_pg_result *res)
{
    int rc = BC_OK;
    pthread_mutex_lock(&token_lock);
    if (force || !token[0] || token_expires_ms - 60000 < bc_now_ms()) {
        json_t *req =
            json_pack("{s:s,s:s}", "imp_key", bc_cfg.portone_imp_key, "imp_secret", bc_cfg.portone_imp_secret);
        char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
        pg_target t = target(NULL);
        json_decref(req);
        rc = body ? bc_pg_http(&t, "POST", "/users/getToken", body, NULL, res) : BC_ENOMEM;
        free(body);
        json_t *r = json_object_get(res->body, "response");
        const char *tok = json_string_value(json_object_get(r, "access_token"));
        json_t *exp = json_object_get(r, "expired_at");
        if (rc == BC_OK && res->http_status == 200 && tok && strlen(tok) < sizeof token && json_is_integer(exp)) {
            snprintf(token, sizeof token, "%s", tok);
            token_expires_ms = (int64_t)json_integer_value(exp) * 1000;
            json_decref(res->body);
            res->body = NULL;
        } else {
            token[0] = 0;
            if (rc == BC_OK)
                rc = BC_EFORBIDDEN; /* answered, but no token: wrong imp_key / imp_secret */
        }
    }
    if (rc == BC_OK)
        snprintf(out, len, "Authorization: %s", token);
    pthread_mutex_unlock(&token_lock);
    return rc;
}

/* An authenticated call; a 401 (token expired or revoked) renews the token once. */
static int call(const char *method, const char *path, const char *body, bc_pg_result *res)
{
    char hdr[600];
    res->http_status = 0;
    res->body = NULL;
    res->retry_after_s = 0;
    for (int tries = 0; tries < 2; tries++) {
        int rc = auth_header(hdr, sizeof hdr, tries > 0, res);
        if (rc != BC_OK)
            return rc == BC_EFORBIDDEN ? BC_OK : rc; /* the getToken answer is in res */
        pg_target t = target(hdr);
        rc = bc_pg_http(&t, method, path, body, NULL, res);
        if (rc != BC_OK || res->http_status != 401)
            return rc;
        json_decref(res->body);
        res->body = NULL;
    }
    return BC_OK;
}

int bc_portone_uid_ok(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
              s[n] == '_' || s[n] == '-'))
            return 0;
    return n > 0 && n <= BC_PORTONE_UID_MAX;
}

int bc_portone_prepare(const char *merchant_uid, int64_t amount, bc_pg_result *res)
{
    res->http_status = 0;
    res->body = NULL;
    if (!bc_portone_uid_ok(merchant_uid) || amount < 1)
        return BC_EINVAL;
    json_t *req =
        json_pack("{s:s,s:I,s:s}", "merchant_uid", merchant_uid, "amount", (json_int_t)amount, "currency", "KRW");
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    int rc = body ? call("POST", "/payments/prepare", body, res) : BC_ENOMEM;
    free(body);
    return rc;
}

int bc_portone_get(const char *imp_uid, bc_pg_result *res)
{
    char path[160];
    res->http_status = 0;
    res->body = NULL;
    if (!bc_portone_uid_ok(imp_uid))
        return BC_EINVAL;
    snprintf(path, sizeof path, "/payments/%s", imp_uid);
    return call("GET", path, NULL, res);
}

int bc_portone_cancel(const char *imp_uid, int64_t amount, const char *reason, bc_pg_result *res)
{
    res->http_status = 0;
    res->body = NULL;
    if (!bc_portone_uid_ok(imp_uid) || amount < 0 || !reason)
        return BC_EINVAL;
    json_t *req = json_pack("{s:s,s:s}", "imp_uid", imp_uid, "reason", reason);
    if (req && amount > 0)
        json_object_set_new(req, "amount", json_integer(amount));
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    int rc = body ? call("POST", "/payments/cancel", body, res) : BC_ENOMEM;
    free(body);
    return rc;
}

/* UTC ms → ISO-8601 "YYYY-MM-DDTHH:MM:SSZ". */
static void iso(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *bc_portone_normalize(const json_t *p)
{
    const char *imp = json_string_value(json_object_get(p, "imp_uid"));
    const char *muid = json_string_value(json_object_get(p, "merchant_uid"));
    const char *st = json_string_value(json_object_get(p, "status"));
    json_t *amount_v = json_object_get(p, "amount"), *cancel_v = json_object_get(p, "cancel_amount");
    if (!imp || !muid || !st || !json_is_number(amount_v))
        return NULL;
    int64_t amount = (int64_t)json_number_value(amount_v);
    int64_t canceled = json_is_number(cancel_v) ? (int64_t)json_number_value(cancel_v) : 0;
    const char *status = strcmp(st, "paid") == 0        ? (canceled > 0 ? "PARTIAL_CANCELED" : "DONE")
                         : strcmp(st, "cancelled") == 0 ? (canceled < amount ? "PARTIAL_CANCELED" : "CANCELED")
                         : strcmp(st, "failed") == 0    ? "ABORTED"
                                                        : "READY";
    char approved[32] = "", tx[160];
    json_t *paid_at = json_object_get(p, "paid_at");
    if (json_is_integer(paid_at) && json_integer_value(paid_at) > 0)
        iso((int64_t)json_integer_value(paid_at) * 1000, approved);
    json_t *hist = json_object_get(p, "cancel_history");
    snprintf(tx, sizeof tx, "%s-%zu-%lld", imp, json_is_array(hist) ? json_array_size(hist) : (size_t)0,
             (long long)canceled);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:I,s:I,s:s?,s:s,s:s}", "paymentKey", imp, "orderId", muid, "status", status,
                  "totalAmount", (json_int_t)amount, "balanceAmount", (json_int_t)(amount - canceled), "method",
                  json_string_value(json_object_get(p, "pay_method")), "lastTransactionKey", tx, "provider", "portone");
    if (o && approved[0])
        json_object_set_new(o, "approvedAt", json_string(approved));
    const char *why = json_string_value(json_object_get(p, "fail_reason"));
    if (o && strcmp(status, "ABORTED") == 0) {
        char code[65] = "PG_FAILED";
        size_t n = why ? strspn(why, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") : 0;
        if (n > 0 && n < sizeof code && why[n] == ':')
            snprintf(code, sizeof code, "%.*s", (int)n, why);
        json_object_set_new(o, "failure", json_pack("{s:s,s:s}", "code", code, "message", why ? why : ""));
    }
    return o;
}
