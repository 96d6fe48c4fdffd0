/* The sandbox identity provider under /sandbox-idp/: what the demo and the tests sign in with. It
 * speaks each provider's real endpoints and answer shapes, so oauth.c talks to it over real HTTP
 * exactly as to the providers (only the base URLs differ):
 *   Kakao  GET  kakao/kauth/oauth/authorize, POST kakao/kauth/oauth/token, GET kakao/kapi/v2/user/me
 *          (Kakao Login REST API)
 *   Naver  GET  naver/nid/oauth2.0/authorize, POST naver/nid/oauth2.0/token, GET naver/openapi/v1/nid/me
 *          (Naver Login API)
 *   Google GET  google/.well-known/openid-configuration, google/o/oauth2/v2/auth, POST google/token,
 *          GET google/certs (JWKS), google/v1/userinfo (OpenID Connect Core 1.0, Discovery 1.0)
 * The authorize pages are a consent page where the tester types who they are (any e-mail: this is
 * why bc_oauth_configure refuses a real client id pointed at the sandbox) and, for Google, how the
 * ID token should be broken (wrong audience, expired, ...) to test the client's checks. Codes are
 * single use, bound to the client, redirect URI and PKCE challenge, and kept in the database
 * (idp_sandbox_codes) so that any instance of a cluster can redeem them. The RS256 key is made at
 * first use, per process: each instance's JWKS names its own key. */
#include <ctype.h>
#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "accounts.h"
#include "accounts_int.h"

#define SBX_CODE_TTL_MS (5 * 60 * 1000)
#define SBX_TOKEN_TTL_MS (3600 * 1000)
#define SBX_PAGE_MAX (64 * 1024)

/* ---- the signing key ---- */

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static char *key_pem;    /* PKCS#8 private key, PEM */
static char key_kid[24]; /* "sbx-" + 16 hex digits of SHA-256(n) */
static json_t *key_jwks; /* {"keys":[{kty, alg, use, kid, n, e}]} */
static char *alt_pem;    /* a second key: "bad signature" tokens are signed with it under key_kid */

static char *b64url(const unsigned char *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(cap);
    if (s)
        sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

/* A fresh RSA-2048 key as PEM (*pem), with its modulus and exponent base64url (*n64, *e64: may be
 * NULL when not wanted). BC_OK or BC_ERR. */
static int rsa_make(char **pem, char **n64, char **e64, char kid[24])
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    BIGNUM *n = NULL, *e = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    unsigned char nb[512], eb[16];
    int rc = BC_ERR;
    if (!key || !bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
        goto out;
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || !(*pem = strndup(data, (size_t)len)))
        goto out;
    if (n64) {
        if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
            !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e))
            goto out;
        int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, nb, (size_t)nl);
        memcpy(kid, "sbx-", 4);
        sodium_bin2hex(kid + 4, 17, h, 8);
        if (!(*n64 = b64url(nb, (size_t)nl)) || !(*e64 = b64url(eb, (size_t)el)))
            goto out;
    }
    rc = BC_OK;
out:
    BN_free(n);
    BN_free(e);
    BIO_free(bio);
    EVP_PKEY_free(key);
    return rc;
}

static void key_init(void)
{
    char *n64 = NULL, *e64 = NULL, alt_kid[24];
    if (rsa_make(&key_pem, &n64, &e64, key_kid) != BC_OK || rsa_make(&alt_pem, NULL, NULL, alt_kid) != BC_OK) {
        bc_log_error("idp-sandbox", "cannot make the sandbox's RSA key");
        free(key_pem);
        key_pem = NULL;
    } else
        key_jwks = json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "keys", "kty", "RSA", "alg", "RS256", "use", "sig",
                             "kid", key_kid, "n", n64, "e", e64);
    free(n64);
    free(e64);
}

/* ---- small helpers ---- */

/* The sandbox's own URL prefix for provider p ("http://host/sandbox-idp/google"), from the request's
 * origin, into out. */
static void self_base(bc_req *req, const char *p, char *out, size_t cap)
{
    if (strcmp(p, "google") == 0 && strstr(bc_cfg.google_issuer, "/sandbox-idp/google"))
        snprintf(out, cap, "%s", bc_cfg.google_issuer); /* the issuer the client expects, exactly */
    else
        snprintf(out, cap, "%s/sandbox-idp/%s", bc_req_origin(req), p);
}

/* Sends a provider-style error JSON {"error","error_description"} (RFC 6749 §5.2), plus Kakao's
 * error_code when given. */
static void oauth_error(bc_req *req, int status, const char *error, const char *desc, const char *kakao_code)
{
    json_t *b = json_pack("{s:s,s:s}", "error", error, "error_description", desc);
    if (kakao_code)
        json_object_set_new(b, "error_code", json_string(kakao_code));
    char *txt = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    if (!txt) {
        bc_res_from_err(req, BC_ENOMEM);
        return;
    }
    bc_res_send(req, status, "application/json", txt, strlen(txt));
    free(txt);
}

static void send_json(bc_req *req, int status, json_t *body)
{
    char *txt = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!txt) {
        bc_res_from_err(req, BC_ENOMEM);
        return;
    }
    bc_res_header(req, "Cache-Control", "no-store");
    bc_res_send(req, status, "application/json", txt, strlen(txt));
    free(txt);
}

/* scheme://host[:port] of url into out ("" when it has none). */
static void url_origin(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    out[0] = 0;
    if (!p)
        return;
    const char *end = strchr(p + 3, '/');
    size_t n = end ? (size_t)(end - url) : strlen(url);
    if (n < cap)
        snprintf(out, cap, "%.*s", (int)n, url);
}

/* A stable numeric Kakao id for an e-mail (Kakao ids are integers): 15 decimal digits of its hash. */
static long long kakao_id(const char *email)
{
    unsigned char h[8];
    crypto_generichash(h, sizeof h, (const unsigned char *)email, strlen(email), NULL, 0);
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return (long long)(v % 900000000000000ULL) + 100000000000000LL;
}

/* ---- consent page ---- */

static void page_error(bc_req *req, const char *msg)
{
    bc_buf b;
    bc_buf_init(&b, 4096);
    bc_buf_add_str(&b, "<!doctype html><html lang=\"ko\"><meta charset=\"utf-8\"><title>Sandbox sign-in</title>"
                       "<h1>Sandbox sign-in error</h1><p id=\"idp-error\">");
    bc_buf_add_html(&b, msg);
    bc_buf_add_str(&b, "</p></html>");
    bc_res_header(req, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    bc_res_send(req, 400, "text/html; charset=utf-8", b.data, b.len);
    bc_buf_free(&b);
}

static void hidden(bc_buf *b, const char *name, const char *value)
{
    bc_buf_add_str(b, "<input type=\"hidden\" name=\"");
    bc_buf_add_str(b, name);
    bc_buf_add_str(b, "\" value=\"");
    bc_buf_add_html(b, value ? value : "");
    bc_buf_add_str(b, "\">");
}

static const char page_style[] =
    "body{font-family:system-ui,sans-serif;background:#f5f6f8;margin:0;display:grid;place-items:center;"
    "min-height:100vh}form{background:#fff;border-radius:16px;padding:28px;width:min(420px,92vw);"
    "box-shadow:0 4px 24px rgba(0,0,0,.08)}.badge{display:inline-block;padding:4px 10px;border-radius:999px;"
    "background:#fff4e5;color:#b35c00;font-size:12px;font-weight:700}h1{font-size:20px}label{display:block;"
    "font-size:13px;color:#4e5968;margin:12px 0 4px}input[type=text],input[type=email],select{width:100%;"
    "box-sizing:border-box;padding:10px;border:1px solid #d1d6db;border-radius:8px;font-size:15px}.check{"
    "display:flex;gap:8px;align-items:center;margin-top:12px}.actions{display:flex;gap:8px;margin-top:20px}"
    "button{flex:1;border:0;border-radius:10px;padding:13px;font-size:16px;font-weight:700;cursor:pointer}"
    "#idp-approve{background:#191f28;color:#fff}.kakao #idp-approve{background:#FEE500;color:#191919}"
    ".naver #idp-approve{background:#03C75A;color:#fff}.google #idp-approve{background:#1a73e8;color:#fff}"
    "#idp-deny{background:#f2f4f6;color:#4e5968}.note{color:#8b95a1;font-size:12px}";

/* GET .../authorize: checks the client, redirect URI, response type and PKCE as the provider would,
 * then shows the consent page. */
static void consent_page(bc_req *req, const char *provider)
{
    const char *client_id = bc_req_query_str(req, "client_id"), *ruri = bc_req_query_str(req, "redirect_uri");
    const char *rtype = bc_req_query_str(req, "response_type"), *state = bc_req_query_str(req, "state");
    const char *cc = bc_req_query_str(req, "code_challenge"), *ccm = bc_req_query_str(req, "code_challenge_method");
    const char *want_id = NULL, *want_secret = NULL;
    char want_ruri[600], nonce[25], csp[900], origin[300], label[16];
    if (oauth_client(provider, &want_id, &want_secret, want_ruri, sizeof want_ruri) != BC_OK || !client_id ||
        strcmp(client_id, want_id) != 0) {
        page_error(req, "KOE101: unknown client_id");
        return;
    }
    if (!ruri || strcmp(ruri, want_ruri) != 0) {
        page_error(req, "KOE006: redirect_uri is not registered for this client");
        return;
    }
    if (!rtype || strcmp(rtype, "code") != 0) {
        page_error(req, "response_type must be code");
        return;
    }
    if (cc && (!ccm || strcmp(ccm, "S256") != 0 || strlen(cc) != 43)) {
        page_error(req, "code_challenge_method must be S256 with a 43-character challenge");
        return;
    }
    bc_rand_token(nonce, 24);
    url_origin(ruri, origin, sizeof origin);
    snprintf(csp, sizeof csp,
             "default-src 'none'; style-src 'nonce-%s'; form-action 'self' %s; base-uri 'none'; "
             "frame-ancestors 'none'",
             nonce, origin);
    snprintf(label, sizeof label, "%c%s", provider[0] - 32, provider + 1);
    bc_buf b;
    bc_buf_init(&b, SBX_PAGE_MAX);
    bc_buf_add_str(&b, "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                       "content=\"width=device-width,initial-scale=1\"><title>");
    bc_buf_add_str(&b, label);
    bc_buf_add_str(&b, " sandbox sign-in</title><style nonce=\"");
    bc_buf_add_str(&b, nonce);
    bc_buf_add_str(&b, "\">");
    bc_buf_add_str(&b, page_style);
    bc_buf_add_str(&b, "</style></head><body class=\"");
    bc_buf_add_str(&b, provider);
    bc_buf_add_str(&b, "\"><form method=\"post\" action=\"/sandbox-idp/consent\" id=\"idp-form\">"
                       "<span class=\"badge\">SANDBOX</span><h1>");
    bc_buf_add_str(&b, label);
    bc_buf_add_str(&b, " 로그인 · sign in</h1><p class=\"note\">Broadcart의 테스트용 로그인입니다. 아무 이메일이나 "
                       "입력할 수 있습니다. A test sign-in: any e-mail works.</p>");
    hidden(&b, "provider", provider);
    hidden(&b, "client_id", client_id);
    hidden(&b, "redirect_uri", ruri);
    hidden(&b, "state", state);
    hidden(&b, "code_challenge", cc);
    hidden(&b, "nonce", bc_req_query_str(req, "nonce"));
    hidden(&b, "scope", bc_req_query_str(req, "scope"));
    bc_buf_add_str(&b, "<label for=\"idp-email\">이메일 · E-mail</label><input type=\"email\" id=\"idp-email\" "
                       "name=\"email\" required maxlength=\"254\" value=\"demo.");
    bc_buf_add_str(&b, provider);
    bc_buf_add_str(&b, "@example.com\"><label for=\"idp-name\">이름 · Name</label><input type=\"text\" id=\"idp-name\" "
                       "name=\"name\" maxlength=\"60\" value=\"");
    bc_buf_add_str(&b, strcmp(provider, "kakao") == 0   ? "카카오 사용자"
                       : strcmp(provider, "naver") == 0 ? "네이버 사용자"
                                                        : "Google User");
    bc_buf_add_str(&b, "\"><label class=\"check\"><input type=\"checkbox\" id=\"idp-share-email\" name=\"share_email\" "
                       "value=\"1\" checked> 이메일 제공에 동의 · share my e-mail</label>"
                       "<label class=\"check\"><input type=\"checkbox\" id=\"idp-verified\" name=\"email_verified\" "
                       "value=\"1\" checked> 인증된 이메일 · the e-mail is verified</label>");
    if (strcmp(provider, "google") == 0)
        bc_buf_add_str(&b, "<label for=\"idp-id-token\">ID token (sandbox)</label><select id=\"idp-id-token\" "
                           "name=\"id_token_mode\"><option value=\"valid\">valid</option><option "
                           "value=\"wrong_audience\">wrong audience</option><option value=\"expired\">expired</option>"
                           "<option value=\"wrong_issuer\">wrong issuer</option><option value=\"wrong_nonce\">wrong "
                           "nonce</option><option value=\"bad_signature\">bad signature</option></select>");
    if (bc_buf_add_str(&b, "<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"deny\" "
                           "id=\"idp-deny\">취소 · Cancel</button><button type=\"submit\" name=\"decision\" "
                           "value=\"allow\" id=\"idp-approve\">동의하고 계속하기 · Continue</button></div></form>"
                           "</body></html>") != BC_OK) {
        bc_buf_free(&b);
        bc_res_from_err(req, BC_ENOMEM);
        return;
    }
    bc_res_header(req, "Content-Security-Policy", csp);
    bc_res_header(req, "X-Content-Type-Options", "nosniff");
    bc_res_header(req, "Referrer-Policy", "no-referrer");
    bc_res_send(req, 200, "text/html; charset=utf-8", b.data, b.len);
    bc_buf_free(&b);
}

static void h_kakao_authorize(bc_req *req) { consent_page(req, "kakao"); }
static void h_naver_authorize(bc_req *req) { consent_page(req, "naver"); }
static void h_google_authorize(bc_req *req) { consent_page(req, "google"); }

/* Appends "?"/"&" key=value (value percent-encoded as a URL query component) to b. */
static int query_add(bc_buf *b, const char *key, const char *value)
{
    int rc = bc_buf_add_str(b, strchr(b->data ? b->data : "", '?') ? "&" : "?");
    if (rc == BC_OK)
        rc = bc_buf_add_str(b, key);
    if (rc == BC_OK)
        rc = bc_buf_add(b, "=", 1);
    for (const unsigned char *p = (const unsigned char *)value; rc == BC_OK && *p; p++) {
        char e[4];
        if (isalnum(*p) || strchr("-._~", *p))
            rc = bc_buf_add(b, p, 1);
        else {
            snprintf(e, sizeof e, "%%%02X", *p);
            rc = bc_buf_add(b, e, 3);
        }
    }
    return rc;
}

/* POST /sandbox-idp/consent (the consent form): issues a code and sends the browser back to the
 * client's redirect URI with code and state (RFC 6749 §4.1.2), or error=access_denied. */
static void h_consent(bc_req *req)
{
    const char *provider = bc_req_form(req, "provider"), *client_id = bc_req_form(req, "client_id");
    const char *ruri = bc_req_form(req, "redirect_uri"), *state = bc_req_form(req, "state");
    const char *decision = bc_req_form(req, "decision"), *email = bc_req_form(req, "email");
    const char *name = bc_req_form(req, "name"), *mode = bc_req_form(req, "id_token_mode");
    const char *want_id = NULL, *want_secret = NULL;
    char want_ruri[600], code[41], hash[65], lower[256], sub[64];
    bc_buf loc;
    bc_buf_init(&loc, 4096);
    if (!provider || oauth_client(provider, &want_id, &want_secret, want_ruri, sizeof want_ruri) != BC_OK ||
        !client_id || strcmp(client_id, want_id) != 0 || !ruri || strcmp(ruri, want_ruri) != 0) {
        page_error(req, "unknown client or redirect_uri");
        goto out;
    }
    bc_buf_add_str(&loc, ruri);
    if (!decision || strcmp(decision, "allow") != 0) {
        query_add(&loc, "error", "access_denied");
        query_add(&loc, "error_description", "User denied access");
    } else {
        if (!email || bc_email_check(email) != BC_OK) {
            page_error(req, "type a valid e-mail address");
            goto out;
        }
        bc_email_normalize(email, lower, sizeof lower);
        if (strcmp(provider, "kakao") == 0)
            snprintf(sub, sizeof sub, "%lld", kakao_id(lower));
        else { /* Naver: an opaque id string; Google: a numeric-looking "sub" */
            unsigned char h[12];
            crypto_generichash(h, sizeof h, (const unsigned char *)lower, strlen(lower),
                               (const unsigned char *)provider, strlen(provider));
            sodium_bin2hex(sub, sizeof sub, h, sizeof h);
        }
        json_t *payload = json_pack(
            "{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s,s:s,s:s,s:b,s:b,s:s}", "provider", provider, "client_id", client_id,
            "redirect_uri", ruri, "code_challenge", bc_req_form(req, "code_challenge"), "nonce",
            bc_req_form(req, "nonce"), "scope", bc_req_form(req, "scope"), "sub", sub, "email", lower, "name",
            name && *name ? name : "Sandbox User", "share_email", bc_req_form(req, "share_email") != NULL,
            "email_verified", bc_req_form(req, "email_verified") != NULL, "id_token_mode", mode ? mode : "valid");
        char *txt = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
        json_decref(payload);
        bc_rand_token(code, 40);
        accounts_token_hash(code, hash);
        int rc =
            txt ? oauth_store_sbx_put(bc_req_db(req), hash, "code", txt, bc_now_ms() + SBX_CODE_TTL_MS) : BC_ENOMEM;
        free(txt);
        if (rc != BC_OK) {
            bc_res_from_err(req, rc);
            goto out;
        }
        query_add(&loc, "code", code);
    }
    if (state)
        query_add(&loc, "state", state);
    if (loc.len == 0 || loc.len >= loc.cap - 1) {
        bc_res_from_err(req, BC_ENOMEM);
        goto out;
    }
    bc_res_header(req, "Location", loc.data);
    bc_res_send(req, 302, "text/plain", "", 0);
out:
    bc_buf_free(&loc);
}

/* ---- token endpoints ---- */

/* Makes the Google ID token for payload p (OpenID Connect Core 1.0 §2), broken as its
 * id_token_mode says. *out malloc'd. BC_OK or BC_ERR. */
static int id_token_make(bc_req *req, json_t *p, char **out)
{
    const char *mode = json_string_value(json_object_get(p, "id_token_mode"));
    char iss[400];
    jwt_t *jwt = NULL;
    long now = (long)(bc_now_ms() / 1000);
    int rc = BC_ERR;
    *out = NULL;
    pthread_once(&key_once, key_init);
    if (!key_pem || jwt_new(&jwt) != 0)
        goto out;
    self_base(req, "google", iss, sizeof iss);
    if (strcmp(mode, "wrong_issuer") == 0)
        snprintf(iss, sizeof iss, "https://accounts.example.invalid");
    int bad_sig = strcmp(mode, "bad_signature") == 0;
    const char *pem = bad_sig ? alt_pem : key_pem;
    const char *nonce = json_string_value(json_object_get(p, "nonce"));
    if (jwt_add_grant(jwt, "iss", iss) || jwt_add_grant(jwt, "sub", json_string_value(json_object_get(p, "sub"))) ||
        jwt_add_grant(jwt, "aud",
                      strcmp(mode, "wrong_audience") == 0 ? "someone-else.apps.googleusercontent.com"
                                                          : json_string_value(json_object_get(p, "client_id"))) ||
        jwt_add_grant_int(jwt, "iat", strcmp(mode, "expired") == 0 ? now - 7200 : now) ||
        jwt_add_grant_int(jwt, "exp", strcmp(mode, "expired") == 0 ? now - 3600 : now + 3600) ||
        jwt_add_grant(jwt, "nonce", strcmp(mode, "wrong_nonce") == 0 ? "not-your-nonce" : (nonce ? nonce : "")) ||
        jwt_add_grant(jwt, "name", json_string_value(json_object_get(p, "name"))) ||
        jwt_add_header(jwt, "kid", key_kid) ||
        jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)pem, (int)strlen(pem)))
        goto out;
    if (json_is_true(json_object_get(p, "share_email")) &&
        (jwt_add_grant(jwt, "email", json_string_value(json_object_get(p, "email"))) ||
         jwt_add_grant_bool(jwt, "email_verified", json_is_true(json_object_get(p, "email_verified")))))
        goto out;
    *out = jwt_encode_str(jwt);
    rc = *out ? BC_OK : BC_ERR;
out:
    jwt_free(jwt);
    return rc;
}

/* The token endpoint of provider: grant_type=authorization_code with client_id, client_secret,
 * code, redirect_uri (Kakao, Google), code_verifier (when the code has a challenge). */
static void token_endpoint(bc_req *req, const char *provider)
{
    const char *grant = bc_req_form(req, "grant_type"), *client_id = bc_req_form(req, "client_id");
    const char *secret = bc_req_form(req, "client_secret"), *code = bc_req_form(req, "code");
    const char *ruri = bc_req_form(req, "redirect_uri"), *verifier = bc_req_form(req, "code_verifier");
    const char *want_id = NULL, *want_secret = NULL;
    char want_ruri[600], hash[65], at[49], at_hash[65];
    char *payload = NULL, *idt = NULL, *txt = NULL;
    json_t *p = NULL, *body = NULL;
    json_error_t err;
    int why = 0, naver = strcmp(provider, "naver") == 0;
    int kakao = strcmp(provider, "kakao") == 0;
    /* Naver answers its errors with 200 and an error body */
    int estatus = naver ? 200 : 400;
    if (!grant || strcmp(grant, "authorization_code") != 0) {
        oauth_error(req, estatus, "unsupported_grant_type", "grant_type must be authorization_code", NULL);
        goto out;
    }
    if (oauth_client(provider, &want_id, &want_secret, want_ruri, sizeof want_ruri) != BC_OK || !client_id ||
        strcmp(client_id, want_id) != 0 || (want_secret[0] && (!secret || strcmp(secret, want_secret) != 0))) {
        oauth_error(req, naver ? 200 : 401, "invalid_client", "Bad client credentials", kakao ? "KOE010" : NULL);
        goto out;
    }
    if (!code) {
        oauth_error(req, estatus, "invalid_request", "code is required", NULL);
        goto out;
    }
    accounts_token_hash(code, hash);
    int rc = oauth_store_sbx_take(bc_req_db(req), hash, "code", 1, &payload, &why);
    if (rc == BC_ENOTFOUND) {
        oauth_error(req, estatus, "invalid_grant",
                    why == 1   ? "authorization code was already used"
                    : why == 2 ? "authorization code expired"
                               : "authorization code not found",
                    kakao ? "KOE320" : NULL);
        goto out;
    }
    if (rc != BC_OK || !(p = json_loads(payload, 0, &err))) {
        bc_res_from_err(req, rc != BC_OK ? rc : BC_ERR);
        goto out;
    }
    if (strcmp(json_string_value(json_object_get(p, "provider")), provider) != 0 ||
        strcmp(json_string_value(json_object_get(p, "client_id")), client_id) != 0) {
        oauth_error(req, estatus, "invalid_grant", "the code was issued to another client", kakao ? "KOE320" : NULL);
        goto out;
    }
    if (!naver && (!ruri || strcmp(ruri, json_string_value(json_object_get(p, "redirect_uri"))) != 0)) {
        oauth_error(req, estatus, "invalid_grant", "redirect_uri mismatch", kakao ? "KOE303" : NULL);
        goto out;
    }
    const char *challenge = json_string_value(json_object_get(p, "code_challenge"));
    if (challenge && *challenge) { /* RFC 7636 §4.6 */
        char want[44];
        if (!verifier) {
            oauth_error(req, estatus, "invalid_grant", "code_verifier is required", kakao ? "KOE421" : NULL);
            goto out;
        }
        bc_oauth_pkce_challenge(verifier, want);
        if (strcmp(want, challenge) != 0) {
            oauth_error(req, estatus, "invalid_grant", "code_verifier does not match the challenge",
                        kakao ? "KOE422" : NULL);
            goto out;
        }
    }
    /* the access token the profile endpoints take */
    bc_rand_token(at, 48);
    accounts_token_hash(at, at_hash);
    json_object_del(p, "code_challenge");
    txt = json_dumps(p, JSON_COMPACT);
    if (!txt ||
        (rc = oauth_store_sbx_put(bc_req_db(req), at_hash, "token", txt, bc_now_ms() + SBX_TOKEN_TTL_MS)) != BC_OK) {
        bc_res_from_err(req, txt ? rc : BC_ENOMEM);
        goto out;
    }
    if (kakao)
        body = json_pack("{s:s,s:s,s:i,s:s,s:i,s:s}", "token_type", "bearer", "access_token", at, "expires_in", 21599,
                         "refresh_token", "sandbox-refresh-unused", "refresh_token_expires_in", 5183999, "scope",
                         "account_email profile_nickname");
    else if (naver) /* Naver's expires_in is a string */
        body = json_pack("{s:s,s:s,s:s,s:s}", "access_token", at, "refresh_token", "sandbox-refresh-unused",
                         "token_type", "bearer", "expires_in", "3600");
    else {
        if (id_token_make(req, p, &idt) != BC_OK) {
            bc_res_from_err(req, BC_ERR);
            goto out;
        }
        body = json_pack("{s:s,s:i,s:s,s:s,s:s}", "access_token", at, "expires_in", 3599, "scope",
                         "openid email profile", "token_type", "Bearer", "id_token", idt);
    }
    send_json(req, 200, body);
out:
    free(payload);
    free(idt);
    free(txt);
    json_decref(p);
}

static void h_kakao_token(bc_req *req) { token_endpoint(req, "kakao"); }
static void h_naver_token(bc_req *req) { token_endpoint(req, "naver"); }
static void h_google_token(bc_req *req) { token_endpoint(req, "google"); }

/* The payload behind the request's bearer access token for provider, or NULL (answered). */
static json_t *bearer_payload(bc_req *req, const char *provider)
{
    const char *h = bc_req_header(req, "authorization");
    char hash[65];
    char *payload = NULL;
    int why = 0;
    json_error_t err;
    json_t *p = NULL;
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        accounts_token_hash(h + 7, hash);
        if (oauth_store_sbx_take(bc_req_db(req), hash, "token", 0, &payload, &why) == BC_OK)
            p = json_loads(payload, 0, &err);
        free(payload);
    }
    if (p && strcmp(json_string_value(json_object_get(p, "provider")), provider) == 0)
        return p;
    json_decref(p);
    bc_res_header(req, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    static const char kakao_401[] = "{\"msg\":\"this access token does not exist\",\"code\":-401}";
    static const char naver_401[] = "{\"resultcode\":\"024\",\"message\":\"Authentication failed\"}";
    if (strcmp(provider, "kakao") == 0)
        bc_res_send(req, 401, "application/json", kakao_401, sizeof kakao_401 - 1);
    else if (strcmp(provider, "naver") == 0)
        bc_res_send(req, 401, "application/json", naver_401, sizeof naver_401 - 1);
    else
        oauth_error(req, 401, "invalid_token", "Invalid Credentials", NULL);
    return NULL;
}

/* GET kakao/kapi/v2/user/me (Kakao "Retrieve user information") */
static void h_kakao_me(bc_req *req)
{
    json_t *p = bearer_payload(req, "kakao");
    if (!p)
        return;
    char iso[32];
    int share = json_is_true(json_object_get(p, "share_email"));
    bc_time_iso(bc_now_ms(), iso, sizeof iso);
    json_t *acct = json_pack("{s:b,s:{s:O,s:b},s:b,s:b}", "profile_nickname_needs_agreement", 0, "profile", "nickname",
                             json_object_get(p, "name"), "is_default_nickname", 0, "has_email", 1,
                             "email_needs_agreement", !share);
    if (share) {
        json_object_set_new(acct, "is_email_valid", json_true());
        json_object_set_new(acct, "is_email_verified",
                            json_boolean(json_is_true(json_object_get(p, "email_verified"))));
        json_object_set(acct, "email", json_object_get(p, "email"));
    }
    long long id = 0;
    sscanf(json_string_value(json_object_get(p, "sub")), "%lld", &id);
    send_json(req, 200,
              json_pack("{s:I,s:s,s:{s:O},s:o}", "id", (json_int_t)id, "connected_at", iso, "properties", "nickname",
                        json_object_get(p, "name"), "kakao_account", acct));
    json_decref(p);
}

/* GET naver/openapi/v1/nid/me (Naver "회원 프로필 조회") */
static void h_naver_me(bc_req *req)
{
    json_t *p = bearer_payload(req, "naver");
    if (!p)
        return;
    json_t *r = json_pack("{s:O,s:O,s:O}", "id", json_object_get(p, "sub"), "name", json_object_get(p, "name"),
                          "nickname", json_object_get(p, "name"));
    if (json_is_true(json_object_get(p, "share_email")))
        json_object_set(r, "email", json_object_get(p, "email"));
    send_json(req, 200, json_pack("{s:s,s:s,s:o}", "resultcode", "00", "message", "success", "response", r));
    json_decref(p);
}

/* GET google/v1/userinfo (OpenID Connect Core 1.0 §5.3) */
static void h_google_userinfo(bc_req *req)
{
    json_t *p = bearer_payload(req, "google");
    if (!p)
        return;
    json_t *r = json_pack("{s:O,s:O}", "sub", json_object_get(p, "sub"), "name", json_object_get(p, "name"));
    if (json_is_true(json_object_get(p, "share_email"))) {
        json_object_set(r, "email", json_object_get(p, "email"));
        json_object_set_new(r, "email_verified", json_boolean(json_is_true(json_object_get(p, "email_verified"))));
    }
    send_json(req, 200, r);
    json_decref(p);
}

/* GET google/.well-known/openid-configuration (OpenID Connect Discovery 1.0 §4.2) */
static void h_google_discovery(bc_req *req)
{
    char base[400], a[460], t[460], j[460], u[460];
    self_base(req, "google", base, sizeof base);
    snprintf(a, sizeof a, "%s/o/oauth2/v2/auth", base);
    snprintf(t, sizeof t, "%s/token", base);
    snprintf(j, sizeof j, "%s/certs", base);
    snprintf(u, sizeof u, "%s/v1/userinfo", base);
    send_json(req, 200,
              json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s],s:[s],s:[s],s:[s],s:[s,s,s],s:[s]}", "issuer", base,
                        "authorization_endpoint", a, "token_endpoint", t, "jwks_uri", j, "userinfo_endpoint", u,
                        "response_types_supported", "code", "subject_types_supported", "public",
                        "id_token_signing_alg_values_supported", "RS256", "code_challenge_methods_supported", "S256",
                        "scopes_supported", "openid", "email", "profile", "token_endpoint_auth_methods_supported",
                        "client_secret_post"));
}

/* GET google/certs: the JWKS (RFC 7517 §5) */
static void h_google_certs(bc_req *req)
{
    pthread_once(&key_once, key_init);
    if (!key_jwks) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    send_json(req, 200, json_incref(key_jwks));
}

static const bc_field authorize_query[] = {{"client_id", BC_F_STR, 0, 1, 256, NULL, .text = BC_TEXT_OPAQUE},
                                           {"redirect_uri", BC_F_STR, 0, 1, 600, NULL, .text = BC_TEXT_OPAQUE},
                                           {"response_type", BC_F_STR, 0, 1, 20, NULL, .text = BC_TEXT_OPAQUE},
                                           {"state", BC_F_STR, 0, 1, 128, NULL, .text = BC_TEXT_OPAQUE},
                                           {"scope", BC_F_STR, 0, 1, 500, NULL, .text = BC_TEXT_OPAQUE},
                                           {"nonce", BC_F_STR, 0, 1, 128, NULL, .text = BC_TEXT_OPAQUE},
                                           {"code_challenge", BC_F_STR, 0, 1, 128, NULL, .text = BC_TEXT_OPAQUE},
                                           {"code_challenge_method", BC_F_STR, 0, 1, 10, NULL, .text = BC_TEXT_OPAQUE},
                                           {NULL}};

#define SBX (BC_RT_INTERNAL)
#define FORM "application/x-www-form-urlencoded"
const bc_route bc_idp_sandbox_routes[] = {
    {"GET", "/sandbox-idp/kakao/kauth/oauth/authorize", 0, SBX | BC_RT_INLINE | BC_RT_PAGE, NULL, h_kakao_authorize,
     "sandbox-idp", "Sandbox Kakao: consent page", 200, .query = authorize_query, .res_type = "text/html"},
    {"POST", "/sandbox-idp/kakao/kauth/oauth/token", 0, SBX, NULL, h_kakao_token, "sandbox-idp", "Sandbox Kakao: token",
     200, .req_type = FORM},
    {"GET", "/sandbox-idp/kakao/kapi/v2/user/me", 0, SBX | BC_RT_FOREIGN_AUTH, NULL, h_kakao_me, "sandbox-idp",
     "Sandbox Kakao: the user", 200},
    {"GET", "/sandbox-idp/naver/nid/oauth2.0/authorize", 0, SBX | BC_RT_INLINE | BC_RT_PAGE, NULL, h_naver_authorize,
     "sandbox-idp", "Sandbox Naver: consent page", 200, .query = authorize_query, .res_type = "text/html"},
    {"POST", "/sandbox-idp/naver/nid/oauth2.0/token", 0, SBX, NULL, h_naver_token, "sandbox-idp",
     "Sandbox Naver: token", 200, .req_type = FORM},
    {"GET", "/sandbox-idp/naver/openapi/v1/nid/me", 0, SBX | BC_RT_FOREIGN_AUTH, NULL, h_naver_me, "sandbox-idp",
     "Sandbox Naver: the user's profile", 200},
    {"GET", "/sandbox-idp/google/.well-known/openid-configuration", 0, SBX | BC_RT_INLINE, NULL, h_google_discovery,
     "sandbox-idp", "Sandbox Google: OpenID Provider configuration", 200},
    {"GET", "/sandbox-idp/google/o/oauth2/v2/auth", 0, SBX | BC_RT_INLINE | BC_RT_PAGE, NULL, h_google_authorize,
     "sandbox-idp", "Sandbox Google: consent page", 200, .query = authorize_query, .res_type = "text/html"},
    {"POST", "/sandbox-idp/google/token", 0, SBX, NULL, h_google_token, "sandbox-idp", "Sandbox Google: token", 200,
     .req_type = FORM},
    {"GET", "/sandbox-idp/google/certs", 0, SBX, NULL, h_google_certs, "sandbox-idp", "Sandbox Google: JWKS", 200},
    {"GET", "/sandbox-idp/google/v1/userinfo", 0, SBX | BC_RT_FOREIGN_AUTH, NULL, h_google_userinfo, "sandbox-idp",
     "Sandbox Google: userinfo", 200},
    {"POST", "/sandbox-idp/consent", 0, SBX | BC_RT_PAGE, NULL, h_consent, "sandbox-idp",
     "Sandbox identity provider: the consent form's answer (302 to the client's redirect URI)", 302, .req_type = FORM},
    {NULL},
};
