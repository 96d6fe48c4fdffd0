/* The PortOne (Iamport) v1 sandbox served by broadcart under /sandbox-portone/: the
 * REST API portone.c calls, with the envelope {code, message, response} (provider notes §2.1), and
 * the browser side that stands in for IMP.request_pay:
 *   POST /sandbox-portone/users/getToken {imp_key, imp_secret}        → {access_token, expired_at, now}
 *   POST /sandbox-portone/payments/prepare {merchant_uid, amount}     Authorization: <token>
 *   GET  /sandbox-portone/payments/{imp_uid}                          Bearer token
 *   POST /sandbox-portone/payments/cancel {imp_uid|merchant_uid, amount?, reason}  Bearer token
 *   POST /sandbox-portone/v1/sandbox/payments {merchant_uid, amount, name, testCode?}  the buyer (no auth):
 *        paid at once, or failed (testCode = a card error code; an amount other than the prepared one)
 *   GET  /sandbox-portone/iamport.js                                  window.IMP {init, request_pay}
 * imp_key/imp_secret must equal bc_cfg.portone_imp_key / portone_imp_secret (the secret is generated per
 * data dir). The token lives 30 minutes; getToken answers the same token while it is valid.
 * All BC_RT_INLINE, in memory under one mutex (bounded rings of SBX_PO_MAX payments and prepares, the
 * oldest overwritten; lost on restart). */
#include "payments.h"
#include "payments_int.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SBX_PO_MAX 20000
#define SBX_PO_TOKEN_MS (30 * 60 * 1000)

typedef struct po_payment {
    char imp_uid[32], merchant_uid[BC_PORTONE_UID_MAX + 1], name[128], fail_reason[200], pg_tid[24];
    int64_t amount, cancel_amount, paid_at, failed_at, cancelled_at, started_at;
    char status[12]; /* ready paid cancelled failed */
    int ncancels;
} po_payment;

typedef struct po_prepare {
    char merchant_uid[BC_PORTONE_UID_MAX + 1];
    int64_t amount;
} po_prepare;

static struct {
    pthread_mutex_t lock;
    po_payment *pay; /* ring */
    size_t npay, pay_next;
    po_prepare *prep;
    size_t nprep, prep_next;
    char token[41];
    int64_t token_expires;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int po_alloc(void)
{
    if (!P.pay)
        P.pay = calloc(SBX_PO_MAX, sizeof *P.pay);
    if (!P.prep)
        P.prep = calloc(SBX_PO_MAX, sizeof *P.prep);
    return P.pay && P.prep;
}

/* newest first */
static po_payment *find_pay(const char *imp_uid, const char *merchant_uid)
{
    for (size_t i = 0; i < P.npay; i++) {
        po_payment *p = &P.pay[(P.pay_next + SBX_PO_MAX - 1 - i) % SBX_PO_MAX];
        if ((imp_uid && strcmp(p->imp_uid, imp_uid) == 0) ||
            (!imp_uid && merchant_uid && strcmp(p->merchant_uid, merchant_uid) == 0))
            return p;
    }
    return NULL;
}

static po_prepare *find_prep(const char *merchant_uid)
{
    for (size_t i = 0; i < P.nprep; i++) {
        po_prepare *p = &P.prep[(P.prep_next + SBX_PO_MAX - 1 - i) % SBX_PO_MAX];
        if (strcmp(p->merchant_uid, merchant_uid) == 0)
            return p;
    }
    return NULL;
}

static void envelope(bc_req *req, int status, int code, const char *message, json_t *response)
{
    bc_res_json(
        req, status,
        json_pack("{s:i,s:s?,s:o}", "code", code, "message", message, "response", response ? response : json_null()));
}

static json_t *pay_json(const po_payment *p)
{
    json_t *hist = json_array();
    if (p->ncancels)
        json_array_append_new(hist, json_pack("{s:s,s:I,s:I,s:s}", "pg_tid", p->pg_tid, "amount",
                                              (json_int_t)p->cancel_amount, "cancelled_at", (json_int_t)p->cancelled_at,
                                              "reason", "cancel"));
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:I,s:I,s:I,s:I,s:s?,s:o,s:b}", "imp_uid",
                     p->imp_uid, "merchant_uid", p->merchant_uid, "pay_method", "card", "channel", "pc", "pg_provider",
                     "sandbox", "pg_tid", p->pg_tid, "name", p->name, "amount", (json_int_t)p->amount, "cancel_amount",
                     (json_int_t)p->cancel_amount, "currency", "KRW", "status", p->status, "started_at",
                     (json_int_t)p->started_at, "paid_at", (json_int_t)p->paid_at, "failed_at",
                     (json_int_t)p->failed_at, "cancelled_at", (json_int_t)p->cancelled_at, "fail_reason",
                     p->fail_reason[0] ? p->fail_reason : NULL, "cancel_history", hist, "sandbox", 1);
}

/* The token of the current getToken answer, bare ("Authorization: <token>", as PortOne's official
 * clients send it; a "Bearer …" credential is taken by the HTTP layer for a Broadcart token). Sends
 * 401 and returns 0 when not. */
static int authed(bc_req *req)
{
    const char *h = bc_req_header(req, "authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        h += 7;
    int ok = 0;
    pthread_mutex_lock(&P.lock);
    ok = h && P.token[0] && P.token_expires > bc_now_ms() && strlen(h) == strlen(P.token) &&
         sodium_memcmp(h, P.token, strlen(P.token)) == 0;
    pthread_mutex_unlock(&P.lock);
    if (!ok)
        envelope(req, 401, -1, "Unauthorized", NULL);
    return ok;
}

static json_t *body_json(bc_req *req)
{
    size_t len;
    const char *text = bc_req_body(req, &len);
    json_error_t jerr;
    json_t *b = len ? json_loadb(text, len, 0, &jerr) : NULL;
    if (!json_is_object(b)) {
        json_decref(b);
        return NULL;
    }
    return b;
}

static void h_token(bc_req *req)
{
    json_t *b = body_json(req);
    const char *k = json_string_value(json_object_get(b, "imp_key"));
    const char *sec = json_string_value(json_object_get(b, "imp_secret"));
    if (!k)
        k = bc_req_form(req, "imp_key");
    if (!sec)
        sec = bc_req_form(req, "imp_secret");
    size_t kl = strlen(bc_cfg.portone_imp_key), sl = strlen(bc_cfg.portone_imp_secret);
    if (!k || !sec || sl == 0 || strlen(k) != kl || strlen(sec) != sl ||
        sodium_memcmp(k, bc_cfg.portone_imp_key, kl) != 0 || sodium_memcmp(sec, bc_cfg.portone_imp_secret, sl) != 0) {
        envelope(req, 401, -1, "imp_key, imp_secret 인증에 실패했습니다.", NULL);
        goto out;
    }
    int64_t now = bc_now_ms();
    pthread_mutex_lock(&P.lock);
    if (!P.token[0] || P.token_expires <= now) {
        bc_rand_token(P.token, 40);
        P.token_expires = now + SBX_PO_TOKEN_MS;
    } else if (P.token_expires - now < 60000) {
        P.token_expires += 5 * 60 * 1000;
    }
    json_t *r = json_pack("{s:s,s:I,s:I}", "access_token", P.token, "expired_at", (json_int_t)(P.token_expires / 1000),
                          "now", (json_int_t)(now / 1000));
    pthread_mutex_unlock(&P.lock);
    envelope(req, 200, 0, NULL, r);
out:
    json_decref(b);
}

static void h_prepare(bc_req *req)
{
    json_t *b = NULL;
    if (!authed(req))
        return;
    b = body_json(req);
    const char *muid = json_string_value(json_object_get(b, "merchant_uid"));
    json_t *amt = json_object_get(b, "amount");
    if (!bc_portone_uid_ok(muid) || !json_is_integer(amt) || json_integer_value(amt) < 1) {
        envelope(req, 200, 1, "merchant_uid와 amount(1 이상의 정수)는 필수입니다.", NULL);
        goto out;
    }
    pthread_mutex_lock(&P.lock);
    if (!po_alloc()) {
        pthread_mutex_unlock(&P.lock);
        envelope(req, 500, -1, "out of memory", NULL);
        goto out;
    }
    po_prepare *p = find_prep(muid);
    if (!p) {
        p = &P.prep[P.prep_next];
        P.prep_next = (P.prep_next + 1) % SBX_PO_MAX;
        if (P.nprep < SBX_PO_MAX)
            P.nprep++;
        snprintf(p->merchant_uid, sizeof p->merchant_uid, "%s", muid);
    }
    p->amount = json_integer_value(amt);
    json_t *r = json_pack("{s:s,s:I,s:s}", "merchant_uid", muid, "amount", (json_int_t)p->amount, "currency", "KRW");
    pthread_mutex_unlock(&P.lock);
    envelope(req, 200, 0, NULL, r);
out:
    json_decref(b);
}

static void h_get(bc_req *req)
{
    if (!authed(req))
        return;
    const char *imp = bc_req_param(req, "imp_uid");
    pthread_mutex_lock(&P.lock);
    const po_payment *p = find_pay(imp, NULL);
    json_t *r = p ? pay_json(p) : NULL;
    pthread_mutex_unlock(&P.lock);
    if (!r)
        envelope(req, 404, -1, "존재하지 않는 결제정보입니다.", NULL);
    else
        envelope(req, 200, 0, NULL, r);
}

static void h_cancel(bc_req *req)
{
    json_t *b = NULL;
    if (!authed(req))
        return;
    b = body_json(req);
    const char *imp = json_string_value(json_object_get(b, "imp_uid"));
    const char *muid = json_string_value(json_object_get(b, "merchant_uid"));
    json_t *amt = json_object_get(b, "amount");
    int64_t amount = json_is_integer(amt) ? json_integer_value(amt) : 0;
    if ((!imp && !muid) || amount < 0) {
        envelope(req, 200, 1, "imp_uid 또는 merchant_uid가 필요합니다.", NULL);
        goto out;
    }
    pthread_mutex_lock(&P.lock);
    po_payment *p = find_pay(imp, imp ? NULL : muid);
    const char *fail = NULL;
    if (!p)
        fail = "존재하지 않는 결제정보입니다.";
    else if (strcmp(p->status, "cancelled") == 0)
        fail = "이미 전액취소된 주문입니다.";
    else if (strcmp(p->status, "paid") != 0)
        fail = "결제완료 상태가 아니어서 취소할 수 없습니다.";
    else if (amount > p->amount - p->cancel_amount)
        fail = "취소 가능한 금액을 초과했습니다.";
    json_t *r = NULL;
    if (!fail) {
        p->cancel_amount += amount ? amount : p->amount - p->cancel_amount;
        p->ncancels++;
        p->cancelled_at = bc_now_ms() / 1000;
        if (p->cancel_amount == p->amount)
            snprintf(p->status, sizeof p->status, "cancelled");
        r = pay_json(p);
    }
    pthread_mutex_unlock(&P.lock);
    if (fail)
        envelope(req, 200, 1, fail, NULL);
    else
        envelope(req, 200, 0, NULL, r);
out:
    json_decref(b);
}

/* The buyer's payment: paid at once unless testCode or the prepared amount says otherwise. */
static void h_pay(bc_req *req)
{
    json_t *b = body_json(req);
    const char *muid = json_string_value(json_object_get(b, "merchant_uid"));
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *tc = json_string_value(json_object_get(b, "testCode"));
    json_t *amt = json_object_get(b, "amount");
    if (!bc_portone_uid_ok(muid) || !json_is_integer(amt) || json_integer_value(amt) < 1 ||
        json_integer_value(amt) > 1000000000 || (tc && strlen(tc) > 64)) {
        envelope(req, 400, 1, "merchant_uid, amount(1~1,000,000,000)는 필수입니다.", NULL);
        goto out;
    }
    pthread_mutex_lock(&P.lock);
    if (!po_alloc()) {
        pthread_mutex_unlock(&P.lock);
        envelope(req, 500, -1, "out of memory", NULL);
        goto out;
    }
    const po_payment *prev = find_pay(NULL, muid);
    if (prev && strcmp(prev->status, "failed") != 0) {
        pthread_mutex_unlock(&P.lock);
        envelope(req, 400, 1, "이미 결제된 주문번호입니다. (merchant_uid already paid)", NULL);
        goto out;
    }
    po_payment *p = &P.pay[P.pay_next];
    P.pay_next = (P.pay_next + 1) % SBX_PO_MAX;
    if (P.npay < SBX_PO_MAX)
        P.npay++;
    memset(p, 0, sizeof *p);
    memcpy(p->imp_uid, "imp_", 4);
    bc_rand_token(p->imp_uid + 4, 20);
    bc_rand_token(p->pg_tid, 20);
    snprintf(p->merchant_uid, sizeof p->merchant_uid, "%s", muid);
    snprintf(p->name, sizeof p->name, "%s", name ? name : "");
    p->amount = json_integer_value(amt);
    p->started_at = bc_now_ms() / 1000;
    const po_prepare *pre = find_prep(muid);
    if (pre && pre->amount != p->amount) {
        snprintf(p->status, sizeof p->status, "failed");
        snprintf(p->fail_reason, sizeof p->fail_reason, "AMOUNT_NOT_PREPARED: 사전 등록된 금액(%lld)과 다릅니다.",
                 (long long)pre->amount);
        p->failed_at = p->started_at;
    } else if (tc && *tc) {
        snprintf(p->status, sizeof p->status, "failed");
        snprintf(p->fail_reason, sizeof p->fail_reason, "%s: 결제에 실패했습니다. (sandbox test code)", tc);
        p->failed_at = p->started_at;
    } else {
        snprintf(p->status, sizeof p->status, "paid");
        p->paid_at = p->started_at;
    }
    json_t *r = json_pack("{s:s,s:s,s:s,s:s?}", "imp_uid", p->imp_uid, "merchant_uid", p->merchant_uid, "status",
                          p->status, "fail_reason", p->fail_reason[0] ? p->fail_reason : NULL);
    pthread_mutex_unlock(&P.lock);
    bc_res_json(req, 201, r);
out:
    json_decref(b);
}

static const char imp_js[] =
    "/* Broadcart sandbox stand-in for PortOne's iamport.js v1 (IMP.init, IMP.request_pay). */\n"
    "(function(){'use strict';var code=null;\n"
    "window.IMP={init:function(c){code=c;},request_pay:function(p,cb){\n"
    "var tc=(window.BC_SANDBOX_TEST_CODE||'');\n"
    "fetch('/sandbox-portone/v1/sandbox/payments',{method:'POST',headers:{'Content-Type':'application/json'},"
    "body:JSON.stringify({merchant_uid:p.merchant_uid,amount:p.amount,name:p.name,testCode:tc||undefined})})"
    ".then(function(r){return r.json();}).then(function(b){var x=(b&&b.imp_uid)?b:{};\n"
    "var res={success:x.status==='paid',imp_uid:x.imp_uid||null,merchant_uid:p.merchant_uid,paid_amount:p.amount,"
    "status:x.status||'failed'};\n"
    "if(!res.success){res.error_code=(x.fail_reason||b.message||'F400').split(':')[0];"
    "res.error_msg=x.fail_reason||b.message||'결제에 실패했습니다.';}\n"
    "if(typeof cb==='function')cb(res);else if(p.m_redirect_url){var q='imp_uid='+encodeURIComponent(res.imp_uid||'')+"
    "'&merchant_uid='+encodeURIComponent(p.merchant_uid)+(res.success?'':'&error_code='+encodeURIComponent(res.error_"
    "code)"
    "+'&error_msg='+encodeURIComponent(res.error_msg));location.href=p.m_redirect_url+(p.m_redirect_url.indexOf('?')>="
    "0?'&':'?')+q;}"
    "}).catch(function(e){if(typeof cb==='function')cb({success:false,error_code:'NETWORK',error_msg:String(e),"
    "merchant_uid:p.merchant_uid});});}};})();\n";

static void h_js(bc_req *req)
{
    bc_res_header(req, "Cache-Control", "no-cache");
    bc_res_send(req, 200, "text/javascript; charset=utf-8", imp_js, sizeof imp_js - 1);
}

const bc_route bc_sandbox_portone_routes[] = {
    {"POST", "/sandbox-portone/users/getToken", 0, BC_RT_INLINE, NULL, h_token, "sandbox-pg",
     "PortOne v1 getToken {imp_key, imp_secret} → {code, message, response:{access_token, expired_at, now}}", 200,
     .response = &bc_sc_portone_envelope, .req_type = "application/json application/x-www-form-urlencoded"},
    {"POST", "/sandbox-portone/payments/prepare", 0, BC_RT_INLINE, NULL, h_prepare, "sandbox-pg",
     "PortOne v1 prepare {merchant_uid, amount} (Authorization: token)", 200, .response = &bc_sc_portone_envelope,
     .req_type = "application/json"},
    {"POST", "/sandbox-portone/payments/cancel", 0, BC_RT_INLINE, NULL, h_cancel, "sandbox-pg",
     "PortOne v1 cancel {imp_uid|merchant_uid, amount?, reason} (Authorization: token)", 200,
     .response = &bc_sc_portone_envelope, .req_type = "application/json"},
    {"GET", "/sandbox-portone/payments/{imp_uid}", 0, BC_RT_INLINE, NULL, h_get, "sandbox-pg",
     "PortOne v1 payment by imp_uid (Authorization: token)", 200, .response = &bc_sc_portone_envelope},
    {"POST", "/sandbox-portone/v1/sandbox/payments", 0, BC_RT_INLINE, NULL, h_pay, "sandbox-pg",
     "The buyer pays {merchant_uid, amount, name, testCode?} (stands in for IMP.request_pay)", 201,
     .response = &bc_sc_portone_created, .location = "/sandbox-portone/payments/{imp_uid}",
     .req_type = "application/json"},
    {"GET", "/sandbox-portone/iamport.js", 0, BC_RT_INLINE, NULL, h_js, "sandbox-pg",
     "window.IMP for the sandbox (init, request_pay)", 200, .res_type = "text/javascript"},
    {NULL},
};
