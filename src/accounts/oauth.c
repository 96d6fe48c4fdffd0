/* Social sign-in with Kakao, Naver and Google: the OAuth 2.0 authorization-code flow (RFC 6749
 * §4.1) with `state` bound to the browser by a cookie (RFC 6749 §10.12), PKCE S256 (RFC 7636) for
 * Kakao and Google, and for Google OpenID Connect (Core 1.0 §3.1): discovery, the ID token's RS256
 * signature checked against the provider's JWKS, iss, aud, exp and nonce.
 *
 * Provider calls (token exchange, profile, discovery, JWKS) run on the worker that serves the
 * request, through libcurl with BROADCART_OAUTH_TIMEOUT_MS per call. The same code talks to the
 * real providers and to the sandbox identity provider (idp_sandbox.c) that the demo points the base
 * URLs at. Routes here; SQL in oauth_store.c. */
#include <ctype.h>
#include <curl/curl.h>
#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "accounts.h"
#include "accounts_int.h"

#define OAUTH_STATE_TTL_MS (10 * 60 * 1000) /* start -> callback */
#define OAUTH_TICKET_TTL_MS (2 * 60 * 1000) /* callback -> exchange (one page load) */
#define OAUTH_LINK_TTL_MS (10 * 60 * 1000)  /* callback -> password confirmation */
#define OAUTH_MAX_RESPONSE (256 * 1024)     /* a provider's answer (JWKS, profile) */
#define OAUTH_META_TTL_MS (3600 * 1000)     /* discovery document and JWKS kept this long */
#define OAUTH_JWKS_REFRESH_MS (60 * 1000)   /* an unknown kid refetches the JWKS at most this often */
#define OAUTH_ID_TOKEN_SKEW_S 60            /* clock skew allowed on exp and iat */
#define OAUTH_COOKIE "bc_oauth"

typedef struct provider {
    const char *name, *label;
    const char *client_id, *client_secret, *redirect_uri, *auth_base, *api_base;
    int pkce, oidc;
    const char *scope;
} provider;

static provider providers[3];
static pthread_once_t providers_once = PTHREAD_ONCE_INIT;

static void providers_init(void)
{
    providers[0] = (provider){"kakao",
                              "Kakao",
                              bc_cfg.kakao_client_id,
                              bc_cfg.kakao_client_secret,
                              bc_cfg.kakao_redirect_uri,
                              bc_cfg.kakao_auth_base,
                              bc_cfg.kakao_api_base,
                              1,
                              0,
                              "profile_nickname account_email"};
    providers[1] = (provider){"naver",
                              "Naver",
                              bc_cfg.naver_client_id,
                              bc_cfg.naver_client_secret,
                              bc_cfg.naver_redirect_uri,
                              bc_cfg.naver_auth_base,
                              bc_cfg.naver_api_base,
                              0,
                              0,
                              NULL};
    providers[2] = (provider){"google",
                              "Google",
                              bc_cfg.google_client_id,
                              bc_cfg.google_client_secret,
                              bc_cfg.google_redirect_uri,
                              bc_cfg.google_issuer,
                              bc_cfg.google_issuer,
                              1,
                              1,
                              "openid email profile"};
}

/* The configured provider called name, or NULL (unknown, or without a client id: hidden). */
static const provider *provider_get(const char *name)
{
    pthread_once(&providers_once, providers_init);
    for (size_t i = 0; name && i < sizeof providers / sizeof *providers; i++)
        if (strcmp(providers[i].name, name) == 0)
            return providers[i].client_id[0] ? &providers[i] : NULL;
    return NULL;
}

/* The redirect URI registered at the provider: the setting, else {public_url}/api/v1/auth/oauth/{p}/callback. */
static void redirect_uri(const provider *p, char *out, size_t cap)
{
    if (p->redirect_uri[0])
        snprintf(out, cap, "%s", p->redirect_uri);
    else
        snprintf(out, cap, "%s/api/v1/auth/oauth/%s/callback", bc_cfg.public_url, p->name);
}

int oauth_client(const char *name, const char **client_id, const char **client_secret, char *redirect, size_t cap)
{
    const provider *p = provider_get(name);
    if (!p)
        return BC_ENOTFOUND;
    *client_id = p->client_id;
    *client_secret = p->client_secret;
    redirect_uri(p, redirect, cap);
    return BC_OK;
}

/* ---- HTTP calls to a provider ---- */

/* Appends "&key=value" (the first without '&'), value percent-encoded, to an
 * application/x-www-form-urlencoded body. BC_OK or BC_ENOMEM. */
static int form_add(bc_buf *b, const char *key, const char *value)
{
    char *esc = curl_easy_escape(NULL, value ? value : "", 0);
    int rc = esc ? BC_OK : BC_ENOMEM;
    if (rc == BC_OK && b->len)
        rc = bc_buf_add(b, "&", 1);
    if (rc == BC_OK)
        rc = bc_buf_add(b, key, strlen(key));
    if (rc == BC_OK)
        rc = bc_buf_add(b, "=", 1);
    if (rc == BC_OK)
        rc = bc_buf_add(b, esc, strlen(esc));
    curl_free(esc);
    return rc;
}

/* One call: GET url (form NULL) or POST the form body, with a bearer token when given. *status is
 * the HTTP status and *body its JSON (caller owns). BC_OK when a JSON answer came back (any
 * status), BC_EGATEWAY when the provider could not be reached or did not answer JSON, BC_ENOMEM. */
static int provider_call(const char *url, const char *form, const char *bearer, long *status, json_t **body)
{
    int rc = BC_EGATEWAY;
    struct curl_slist *headers = NULL, *l;
    bc_buf buf;
    char auth[2100], noproxy[1024];
    CURL *c = curl_easy_init();
    bc_buf_init(&buf, OAUTH_MAX_RESPONSE);
    *status = 0;
    *body = NULL;
    if (!c) {
        rc = BC_ENOMEM;
        goto out;
    }
    if (!(l = curl_slist_append(headers, "Accept: application/json")))
        goto nomem;
    headers = l;
    if (bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
        if (!(l = curl_slist_append(headers, auth)))
            goto nomem;
        headers = l;
    }
    /* a proxy from the environment never carries calls to the loopback sandbox */
    const char *env_np = getenv("no_proxy");
    snprintf(noproxy, sizeof noproxy, "localhost,127.0.0.1,::1%s%s", env_np && *env_np ? "," : "",
             env_np && *env_np ? env_np : "");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)bc_cfg.oauth_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOPROXY, noproxy);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bc_buf_curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
    if (form)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form); /* application/x-www-form-urlencoded */
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        bc_log_warn("oauth", "call to %s failed: %s", url, curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    json_error_t err;
    *body = buf.len ? json_loadb(buf.data, buf.len, 0, &err) : NULL;
    if (!*body) {
        bc_log_warn("oauth", "%s answered %ld without JSON", url, *status);
        goto out;
    }
    rc = BC_OK;
    goto out;
nomem:
    rc = BC_ENOMEM;
out:
    curl_slist_free_all(headers);
    if (c)
        curl_easy_cleanup(c);
    bc_buf_free(&buf);
    return rc;
}

/* ---- Google: discovery and JWKS, cached ---- */

static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *meta_doc, *meta_jwks; /* under meta_lock */
static int64_t meta_at, jwks_at;

/* The OpenID Provider configuration of issuer (OpenID Connect Discovery 1.0 §4), fetched or from
 * the cache: *out is a new reference (caller decrefs). BC_OK, BC_EGATEWAY or BC_ENOMEM. */
static int discovery(const char *issuer, json_t **out)
{
    int64_t now = bc_now_ms();
    long status = 0;
    json_t *doc = NULL;
    char url[600];
    pthread_mutex_lock(&meta_lock);
    if (meta_doc && now - meta_at < OAUTH_META_TTL_MS) {
        *out = json_incref(meta_doc);
        pthread_mutex_unlock(&meta_lock);
        return BC_OK;
    }
    pthread_mutex_unlock(&meta_lock);
    snprintf(url, sizeof url, "%s/.well-known/openid-configuration", issuer);
    int rc = provider_call(url, NULL, NULL, &status, &doc);
    if (rc == BC_OK && (status != 200 || !json_is_string(json_object_get(doc, "authorization_endpoint")) ||
                        !json_is_string(json_object_get(doc, "token_endpoint")) ||
                        !json_is_string(json_object_get(doc, "jwks_uri")))) {
        bc_log_warn("oauth", "discovery document of %s is unusable (HTTP %ld)", issuer, status);
        rc = BC_EGATEWAY;
    }
    if (rc != BC_OK) {
        json_decref(doc);
        return rc;
    }
    pthread_mutex_lock(&meta_lock);
    json_decref(meta_doc);
    meta_doc = json_incref(doc);
    meta_at = now;
    pthread_mutex_unlock(&meta_lock);
    *out = doc;
    return BC_OK;
}

/* The JWK with kid from the provider's JWKS (RFC 7517 §5), refetched when it is stale or, at most
 * once a minute, when kid is unknown (key rotation). *out a new reference. BC_OK, BC_ENOTFOUND,
 * BC_EGATEWAY or BC_ENOMEM. */
static int jwk_find(const char *jwks_uri, const char *kid, json_t **out)
{
    int64_t now = bc_now_ms();
    *out = NULL;
    for (int pass = 0; pass < 2; pass++) {
        pthread_mutex_lock(&meta_lock);
        int fresh = meta_jwks && now - jwks_at < OAUTH_META_TTL_MS;
        size_t i;
        json_t *k;
        if (fresh)
            json_array_foreach (json_object_get(meta_jwks, "keys"), i, k) {
                if (json_is_string(json_object_get(k, "kid")) &&
                    strcmp(json_string_value(json_object_get(k, "kid")), kid) == 0) {
                    *out = json_incref(k);
                    break;
                }
            }
        int may_fetch = !fresh || now - jwks_at >= OAUTH_JWKS_REFRESH_MS;
        pthread_mutex_unlock(&meta_lock);
        if (*out)
            return BC_OK;
        if (pass || !may_fetch)
            return BC_ENOTFOUND;
        long status = 0;
        json_t *doc = NULL;
        int rc = provider_call(jwks_uri, NULL, NULL, &status, &doc);
        if (rc == BC_OK && (status != 200 || !json_is_array(json_object_get(doc, "keys"))))
            rc = BC_EGATEWAY;
        if (rc != BC_OK) {
            json_decref(doc);
            return rc;
        }
        pthread_mutex_lock(&meta_lock);
        json_decref(meta_jwks);
        meta_jwks = doc;
        jwks_at = now;
        pthread_mutex_unlock(&meta_lock);
    }
    return BC_ENOTFOUND;
}

/* Decodes base64url (RFC 4648 §5, no padding) s into a malloc'd buffer (*out, *len; NUL-terminated).
 * BC_OK, BC_EINVAL or BC_ENOMEM. */
static int b64url_decode(const char *s, size_t n, unsigned char **out, size_t *len)
{
    *out = malloc(n + 1);
    if (!*out)
        return BC_ENOMEM;
    if (sodium_base642bin(*out, n, s, n, NULL, len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        free(*out);
        *out = NULL;
        return BC_EINVAL;
    }
    (*out)[*len] = 0;
    return BC_OK;
}

/* The PEM SubjectPublicKeyInfo of the RSA JWK k (n, e: base64url big-endian integers, RFC 7518
 * §6.3.1) into *pem (malloc'd, caller frees). BC_OK, BC_EINVAL or BC_ENOMEM. */
static int jwk_rsa_pem(json_t *k, char **pem)
{
    const char *n64 = json_string_value(json_object_get(k, "n")), *e64 = json_string_value(json_object_get(k, "e"));
    unsigned char *n = NULL, *e = NULL;
    size_t nl = 0, el = 0;
    BIGNUM *bn = NULL, *be = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    BIO *bio = NULL;
    int rc = BC_EINVAL;
    *pem = NULL;
    if (!json_is_string(json_object_get(k, "kty")) || strcmp(json_string_value(json_object_get(k, "kty")), "RSA") ||
        !n64 || !e64 || b64url_decode(n64, strlen(n64), &n, &nl) != BC_OK ||
        b64url_decode(e64, strlen(e64), &e, &el) != BC_OK || nl < 256 || el == 0 || el > 8)
        goto out; /* RSA keys under 2048 bits are refused */
    bn = BN_bin2bn(n, (int)nl, NULL);
    be = BN_bin2bn(e, (int)el, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (!bn || !be || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) || !(params = OSSL_PARAM_BLD_to_param(bld)) ||
        !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0 || !(bio = BIO_new(BIO_s_mem())) ||
        !PEM_write_bio_PUBKEY(bio, key))
        goto out;
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || !(*pem = strndup(data, (size_t)len))) {
        rc = BC_ENOMEM;
        goto out;
    }
    rc = BC_OK;
out:
    free(n);
    free(e);
    BN_free(bn);
    BN_free(be);
    OSSL_PARAM_BLD_free(bld);
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    BIO_free(bio);
    return rc;
}

/* Whether claim "aud" of jwt names client_id (a string, or an array holding it: OpenID Connect
 * Core 1.0 §3.1.3.7 step 3). */
static int aud_ok(jwt_t *jwt, const char *client_id)
{
    char *aud = jwt_get_grants_json(jwt, "aud");
    json_error_t err;
    json_t *v = aud ? json_loads(aud, JSON_DECODE_ANY, &err) : NULL;
    int ok = 0;
    if (json_is_string(v))
        ok = strcmp(json_string_value(v), client_id) == 0;
    else if (json_is_array(v) && json_array_size(v) == 1) /* several audiences would need azp: refused */
        ok = json_is_string(json_array_get(v, 0)) && strcmp(json_string_value(json_array_get(v, 0)), client_id) == 0;
    json_decref(v);
    free(aud);
    return ok;
}

/* Verifies Google's ID token (OpenID Connect Core 1.0 §3.1.3.7): RS256 only, signed by a key of
 * the JWKS, iss = the discovery issuer, aud = our client id, exp in the future, iat not in the
 * future, nonce = ours; fills p from sub, email, email_verified and name. BC_OK, BC_EINVAL (the
 * token fails a check: *why says which), BC_EGATEWAY (JWKS unreachable) or BC_ENOMEM. */
static int id_token_verify(const char *idt, const provider *pv, json_t *doc, const char *nonce, oauth_profile *p,
                           const char **why)
{
    const char *dot = idt ? strchr(idt, '.') : NULL;
    unsigned char *hdr_txt = NULL;
    size_t hl = 0;
    json_t *hdr = NULL, *jwk = NULL;
    jwt_t *jwt = NULL;
    char *pem = NULL;
    json_error_t err;
    int rc = BC_EINVAL;
    *why = "malformed ID token";
    if (!dot || b64url_decode(idt, (size_t)(dot - idt), &hdr_txt, &hl) != BC_OK ||
        !(hdr = json_loads((const char *)hdr_txt, 0, &err)))
        goto out;
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    if (!alg || strcmp(alg, "RS256") != 0 || !kid) { /* no "none", no HS256 with the public key as secret */
        *why = "ID token is not RS256 with a key id";
        goto out;
    }
    rc = jwk_find(json_string_value(json_object_get(doc, "jwks_uri")), kid, &jwk);
    if (rc == BC_ENOTFOUND) {
        *why = "ID token signed by an unknown key";
        rc = BC_EINVAL;
    }
    if (rc != BC_OK || (rc = jwk_rsa_pem(jwk, &pem)) != BC_OK) {
        if (rc == BC_EINVAL)
            *why = "the provider's key is not a usable RSA key";
        goto out;
    }
    rc = BC_EINVAL;
    if (jwt_decode(&jwt, idt, (const unsigned char *)pem, (int)strlen(pem)) != 0 || !jwt ||
        jwt_get_alg(jwt) != JWT_ALG_RS256) {
        *why = "ID token signature does not verify";
        goto out;
    }
    const char *iss = jwt_get_grant(jwt, "iss"), *want_iss = json_string_value(json_object_get(doc, "issuer"));
    if (!iss || !want_iss || strcmp(iss, want_iss) != 0) {
        *why = "ID token issuer is wrong";
        goto out;
    }
    if (!aud_ok(jwt, pv->client_id)) {
        *why = "ID token audience is not this client";
        goto out;
    }
    long now = (long)(bc_now_ms() / 1000), exp = jwt_get_grant_int(jwt, "exp"), iat = jwt_get_grant_int(jwt, "iat");
    if (exp <= 0 || exp + OAUTH_ID_TOKEN_SKEW_S < now) {
        *why = "ID token expired";
        goto out;
    }
    if (iat > now + OAUTH_ID_TOKEN_SKEW_S) {
        *why = "ID token issued in the future";
        goto out;
    }
    const char *tn = jwt_get_grant(jwt, "nonce"), *sub = jwt_get_grant(jwt, "sub");
    if (!tn || strcmp(tn, nonce) != 0) {
        *why = "ID token nonce does not match";
        goto out;
    }
    if (!sub || !*sub || strlen(sub) >= sizeof p->subject) {
        *why = "ID token has no subject";
        goto out;
    }
    snprintf(p->subject, sizeof p->subject, "%s", sub);
    const char *email = jwt_get_grant(jwt, "email"), *name = jwt_get_grant(jwt, "name");
    bc_email_normalize(email ? email : "", p->email, sizeof p->email);
    snprintf(p->name, sizeof p->name, "%s", name ? name : "");
    /* email_verified is a JSON boolean (Google) or, from some issuers, the string "true" */
    char *ev = jwt_get_grants_json(jwt, "email_verified");
    p->email_verified = ev && (strcmp(ev, "true") == 0 || strcmp(ev, "\"true\"") == 0);
    free(ev);
    rc = BC_OK;
out:
    free(hdr_txt);
    json_decref(hdr);
    json_decref(jwk);
    jwt_free(jwt);
    free(pem);
    return rc;
}

/* ---- the flow ---- */

/* The endpoints of provider pv: authorize, token and (Kakao, Naver) profile URLs. Google's come
 * from discovery (*doc set, caller decrefs). BC_OK, BC_EGATEWAY or BC_ENOMEM. */
static int endpoints(const provider *pv, char *authz, char *token, char *profile, size_t cap, json_t **doc)
{
    *doc = NULL;
    if (strcmp(pv->name, "kakao") == 0) {
        snprintf(authz, cap, "%s/oauth/authorize", pv->auth_base);
        snprintf(token, cap, "%s/oauth/token", pv->auth_base);
        snprintf(profile, cap, "%s/v2/user/me", pv->api_base);
    } else if (strcmp(pv->name, "naver") == 0) {
        snprintf(authz, cap, "%s/oauth2.0/authorize", pv->auth_base);
        snprintf(token, cap, "%s/oauth2.0/token", pv->auth_base);
        snprintf(profile, cap, "%s/v1/nid/me", pv->api_base);
    } else {
        int rc = discovery(pv->auth_base, doc);
        if (rc != BC_OK)
            return rc;
        snprintf(authz, cap, "%s", json_string_value(json_object_get(*doc, "authorization_endpoint")));
        snprintf(token, cap, "%s", json_string_value(json_object_get(*doc, "token_endpoint")));
        snprintf(profile, cap, "%s", "");
    }
    return BC_OK;
}

/* Appends key=value (value percent-encoded) to the query of the URL u. BC_OK or BC_ENOMEM. */
static int url_query_add(CURLU *u, const char *key, const char *value)
{
    char *pair = NULL;
    if (asprintf(&pair, "%s=%s", key, value) < 0)
        return BC_ENOMEM;
    CURLUcode uc = curl_url_set(u, CURLUPART_QUERY, pair, CURLU_APPENDQUERY | CURLU_URLENCODE);
    free(pair);
    return uc == CURLUE_OK ? BC_OK : BC_ENOMEM;
}

/* The PKCE S256 challenge of verifier: base64url(SHA-256(verifier)) (RFC 7636 §4.2) into out (44 bytes). */
void bc_oauth_pkce_challenge(const char *verifier, char out[44])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(out, 44, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Begins a flow with pv: stores a state (linking to link_user_id when > 0), and makes the
 * provider's authorization URL (*url malloc'd) and the value of the browser-binding cookie
 * (cookie, the state itself). BC_OK, BC_EGATEWAY (discovery) or an error. */
static int flow_begin(bc_db *db, const provider *pv, int remember, const char *next, int64_t link_user_id, char **url,
                      char cookie[33])
{
    char authz[600], token[600], profile[600], ruri[600], th[65], challenge[44];
    oauth_state s = {.remember = remember, .link_user_id = link_user_id};
    json_t *doc = NULL;
    CURLU *u = NULL;
    *url = NULL;
    int rc = endpoints(pv, authz, token, profile, sizeof authz, &doc);
    if (rc != BC_OK)
        goto out;
    bc_rand_token(cookie, 32);
    if (pv->pkce)
        bc_rand_token(s.verifier, 64);
    bc_rand_token(s.nonce, 32);
    snprintf(s.next, sizeof s.next, "%s", next ? next : "");
    accounts_token_hash(cookie, th);
    if ((rc = oauth_store_state_put(db, th, pv->name, &s, bc_now_ms() + OAUTH_STATE_TTL_MS)) != BC_OK)
        goto out;
    redirect_uri(pv, ruri, sizeof ruri);
    rc = BC_ENOMEM;
    if (!(u = curl_url()) || curl_url_set(u, CURLUPART_URL, authz, 0) != CURLUE_OK) {
        rc = BC_EGATEWAY;
        bc_log_warn("oauth", "%s: authorization endpoint %s is not a URL", pv->name, authz);
        goto out;
    }
    if (url_query_add(u, "response_type", "code") != BC_OK || url_query_add(u, "client_id", pv->client_id) != BC_OK ||
        url_query_add(u, "redirect_uri", ruri) != BC_OK || url_query_add(u, "state", cookie) != BC_OK ||
        (pv->scope && url_query_add(u, "scope", pv->scope) != BC_OK) ||
        (pv->oidc && url_query_add(u, "nonce", s.nonce) != BC_OK))
        goto out;
    if (pv->pkce) {
        bc_oauth_pkce_challenge(s.verifier, challenge);
        if (url_query_add(u, "code_challenge", challenge) != BC_OK ||
            url_query_add(u, "code_challenge_method", "S256") != BC_OK)
            goto out;
    }
    char *full = NULL;
    if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK)
        goto out;
    *url = strdup(full);
    curl_free(full);
    rc = *url ? BC_OK : BC_ENOMEM;
out:
    curl_url_cleanup(u);
    json_decref(doc);
    return rc;
}

/* Exchanges code for the provider's answer and reads the user's profile into p. On failure *code
 * is the API error code to show (OAUTH_CODE_REJECTED, OAUTH_PROVIDER_ERROR, OAUTH_ID_TOKEN_INVALID).
 * Returns BC_OK or the error. */
static int flow_profile(const provider *pv, const char *code, const char *state, const oauth_state *s, oauth_profile *p,
                        const char **ecode)
{
    char authz[600], token[600], profile[600], ruri[600];
    json_t *doc = NULL, *tok = NULL, *me = NULL;
    bc_buf form;
    long status = 0;
    bc_buf_init(&form, 16384);
    memset(p, 0, sizeof *p);
    snprintf(p->provider, sizeof p->provider, "%s", pv->name);
    *ecode = "OAUTH_PROVIDER_ERROR";
    int rc = endpoints(pv, authz, token, profile, sizeof authz, &doc);
    if (rc != BC_OK)
        goto out;
    redirect_uri(pv, ruri, sizeof ruri);
    rc = BC_ENOMEM;
    if (form_add(&form, "grant_type", "authorization_code") != BC_OK ||
        form_add(&form, "client_id", pv->client_id) != BC_OK ||
        (pv->client_secret[0] && form_add(&form, "client_secret", pv->client_secret) != BC_OK) ||
        form_add(&form, "code", code) != BC_OK || form_add(&form, "redirect_uri", ruri) != BC_OK ||
        (!pv->pkce && form_add(&form, "state", state) != BC_OK) || /* Naver asks for the state back */
        (pv->pkce && form_add(&form, "code_verifier", s->verifier) != BC_OK))
        goto out;
    if ((rc = provider_call(token, form.data, NULL, &status, &tok)) != BC_OK)
        goto out;
    const char *access = json_string_value(json_object_get(tok, "access_token"));
    if (status != 200 || !access) { /* invalid_grant: a used, expired or foreign code (RFC 6749 §5.2) */
        bc_log_info("oauth", "%s refused the code: HTTP %ld %s", pv->name, status,
                    json_string_value(json_object_get(tok, "error")) ? json_string_value(json_object_get(tok, "error"))
                                                                     : "");
        *ecode = "OAUTH_CODE_REJECTED";
        rc = BC_EGATEWAY;
        goto out;
    }
    if (pv->oidc) {
        const char *why = NULL;
        rc = id_token_verify(json_string_value(json_object_get(tok, "id_token")), pv, doc, s->nonce, p, &why);
        if (rc == BC_EINVAL) {
            bc_log_warn("oauth", "%s: %s", pv->name, why);
            *ecode = "OAUTH_ID_TOKEN_INVALID";
        }
        goto out;
    }
    if ((rc = provider_call(profile, NULL, access, &status, &me)) != BC_OK)
        goto out;
    rc = BC_EGATEWAY;
    if (status != 200)
        goto out;
    if (strcmp(pv->name, "kakao") == 0) { /* GET /v2/user/me: {id, kakao_account: {email, is_email_verified, ...}} */
        json_t *id = json_object_get(me, "id"), *acct = json_object_get(me, "kakao_account");
        if (!json_is_integer(id))
            goto out;
        snprintf(p->subject, sizeof p->subject, "%lld", (long long)json_integer_value(id));
        const char *email = json_string_value(json_object_get(acct, "email"));
        bc_email_normalize(email ? email : "", p->email, sizeof p->email);
        p->email_verified = json_is_true(json_object_get(acct, "is_email_verified")) &&
                            json_is_true(json_object_get(acct, "is_email_valid"));
        const char *nick = json_string_value(json_object_get(json_object_get(acct, "profile"), "nickname"));
        if (!nick)
            nick = json_string_value(json_object_get(json_object_get(me, "properties"), "nickname"));
        snprintf(p->name, sizeof p->name, "%s", nick ? nick : "");
    } else { /* Naver GET /v1/nid/me: {resultcode "00", response: {id, email, name, nickname}} */
        json_t *r = json_object_get(me, "response");
        const char *id = json_string_value(json_object_get(r, "id"));
        const char *rcode = json_string_value(json_object_get(me, "resultcode"));
        if (!id || !*id || strlen(id) >= sizeof p->subject || !rcode || strcmp(rcode, "00") != 0)
            goto out;
        snprintf(p->subject, sizeof p->subject, "%s", id);
        const char *email = json_string_value(json_object_get(r, "email"));
        bc_email_normalize(email ? email : "", p->email, sizeof p->email);
        /* Naver does not say whether a contact address was verified; its own mailbox it vouches for */
        size_t el = strlen(p->email);
        p->email_verified = el > 10 && strcmp(p->email + el - 10, "@naver.com") == 0;
        const char *name = json_string_value(json_object_get(r, "name"));
        if (!name)
            name = json_string_value(json_object_get(r, "nickname"));
        snprintf(p->name, sizeof p->name, "%s", name ? name : "");
    }
    if (p->email[0] && bc_email_check(p->email) != BC_OK)
        p->email[0] = 0;
    rc = BC_OK;
out:
    bc_buf_free(&form);
    json_decref(doc);
    json_decref(tok);
    json_decref(me);
    return rc;
}

/* ---- cookies and redirects ---- */

static void set_state_cookie(bc_req *req, const char *value, int max_age)
{
    char c[200];
    snprintf(c, sizeof c, OAUTH_COOKIE "=%s; Path=/api/v1/auth/oauth; Max-Age=%d; HttpOnly; SameSite=Lax%s", value,
             max_age, strncmp(bc_cfg.public_url, "https:", 6) == 0 ? "; Secure" : "");
    bc_res_header(req, "Set-Cookie", c);
}

/* The value of cookie name in the request's Cookie header (RFC 6265 §5.4) into out, or "". */
static void cookie_get(bc_req *req, const char *name, char *out, size_t cap)
{
    const char *h = bc_req_header(req, "cookie");
    size_t nl = strlen(name);
    out[0] = 0;
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        const char *end = strchr(h, ';');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        if (len > nl && strncmp(h, name, nl) == 0 && h[nl] == '=') {
            snprintf(out, cap, "%.*s", (int)(len - nl - 1), h + nl + 1);
            return;
        }
        h = end;
    }
}

/* 302 to the web client's route (a "#/..." fragment of BROADCART_PUBLIC_URL). */
static void redirect_web(bc_req *req, const char *fragment)
{
    char *loc = NULL;
    if (asprintf(&loc, "%s/%s", bc_cfg.public_url, fragment) < 0) {
        bc_res_from_err(req, BC_ENOMEM);
        return;
    }
    bc_res_header(req, "Location", loc);
    bc_res_header(req, "Referrer-Policy", "no-referrer"); /* the callback's code stays out of referrers */
    bc_res_send(req, 302, "text/plain", "", 0);
    free(loc);
}

static void redirect_error(bc_req *req, int linking, const char *code)
{
    char frag[160];
    snprintf(frag, sizeof frag, "#/%s?oauth_error=%s", linking ? "me" : "login", code);
    redirect_web(req, frag);
}

/* A "next" path the web client may return to: "/..." of safe characters, not "//" (no other site). */
static int next_ok(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/')
        return 0;
    for (const char *p = next; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("/-_.?=&%", *p)))
            return 0;
    return strlen(next) < 200;
}

/* GET /api/v1/auth/oauth/{provider}/start?remember=&next= */
static void h_start(bc_req *req)
{
    const provider *pv = provider_get(bc_req_param(req, "provider"));
    char cookie[33];
    char *url = NULL;
    if (!pv) {
        bc_res_error(req, 404, "OAUTH_PROVIDER_UNAVAILABLE", "this sign-in provider is not set up");
        return;
    }
    const char *next = bc_req_query_str(req, "next");
    int rc = flow_begin(bc_req_db(req), pv, (int)bc_req_query_int(req, "remember", 1), next_ok(next) ? next : NULL, 0,
                        &url, cookie);
    if (rc != BC_OK) {
        if (rc == BC_EGATEWAY)
            bc_res_error(req, 502, "OAUTH_PROVIDER_ERROR", "the sign-in provider cannot be reached");
        else
            bc_res_from_err(req, rc);
        return;
    }
    set_state_cookie(req, cookie, OAUTH_STATE_TTL_MS / 1000);
    bc_res_header(req, "Location", url);
    bc_res_send(req, 302, "text/plain", "", 0);
    free(url);
}

/* GET /api/v1/auth/oauth/{provider}/callback?code=&state= (or ?error=&state=): where the provider
 * sends the browser back. Answers with a redirect into the web client. */
static void h_callback(bc_req *req)
{
    const provider *pv = provider_get(bc_req_param(req, "provider"));
    const char *state = bc_req_query_str(req, "state"), *code = bc_req_query_str(req, "code");
    char cookie[80], th[65], frag[512];
    oauth_state s;
    oauth_profile p;
    int expired = 0, outcome = 0, rc;
    int64_t uid = 0;
    const char *ecode = NULL;
    if (!pv) {
        bc_res_error(req, 404, "OAUTH_PROVIDER_UNAVAILABLE", "this sign-in provider is not set up");
        return;
    }
    set_state_cookie(req, "", 0); /* one flow per cookie, whatever happens */
    cookie_get(req, OAUTH_COOKIE, cookie, sizeof cookie);
    if (!state || !cookie[0] || strcmp(cookie, state) != 0) { /* not the browser that started (login CSRF) */
        redirect_error(req, 0, "OAUTH_STATE_INVALID");
        return;
    }
    accounts_token_hash(state, th);
    rc = oauth_store_state_take(bc_req_db(req), th, pv->name, &s, &expired);
    if (rc != BC_OK) {
        if (rc == BC_ENOTFOUND)
            redirect_error(req, 0, expired ? "OAUTH_STATE_EXPIRED" : "OAUTH_STATE_INVALID");
        else
            bc_res_from_err(req, rc);
        return;
    }
    int linking = s.link_user_id > 0;
    if (!code) { /* ?error=access_denied: the user said no at the provider (RFC 6749 §4.1.2.1) */
        redirect_error(req, linking, "OAUTH_DENIED");
        return;
    }
    if ((rc = flow_profile(pv, code, state, &s, &p, &ecode)) != BC_OK) {
        if (rc == BC_ENOMEM || rc == BC_ERR)
            bc_res_from_err(req, rc);
        else
            redirect_error(req, linking, ecode);
        return;
    }
    if (linking) { /* from my page: attach this identity to the signed-in account */
        rc = oauth_store_link(bc_req_db(req), s.link_user_id, &p, NULL, &outcome);
        if (rc != BC_OK)
            bc_res_from_err(req, rc);
        else if (outcome == OAUTH_LINKED) {
            snprintf(frag, sizeof frag, "#/me?linked=%s", pv->name);
            redirect_web(req, frag);
        } else
            redirect_error(req, 1, outcome == OAUTH_IDENTITY_TAKEN ? "IDENTITY_TAKEN" : "PROVIDER_ALREADY_LINKED");
        return;
    }
    if (!p.email[0]) { /* an account needs an e-mail: the user withheld it at the provider */
        redirect_error(req, 0, "OAUTH_EMAIL_REQUIRED");
        return;
    }
    if ((rc = oauth_store_resolve(bc_req_db(req), &p, &uid, &outcome)) != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    char token[49], hash[65];
    bc_rand_token(token, 48);
    accounts_token_hash(token, hash);
    switch (outcome) {
    case OAUTH_CREATED:
        if (!p.email_verified) { /* the provider does not vouch for it: we ask, as for a sign-up */
            int limited = 0;
            if ((rc = recovery_store_issue(bc_req_db(req), uid, 0, &limited)) != BC_OK)
                break;
        }
        /* fall through */
    case OAUTH_SIGNED_IN:
        if ((rc = oauth_store_ticket_put(bc_req_db(req), hash, uid, s.remember, bc_now_ms() + OAUTH_TICKET_TTL_MS)) !=
            BC_OK)
            break;
        bc_accounts_cache_invalidate(uid);
        snprintf(frag, sizeof frag, "#/oauth/done?ticket=%s%s", token, s.remember ? "" : "&remember=0");
        if (s.next[0]) {
            char *esc = curl_easy_escape(NULL, s.next, 0);
            if (!esc) {
                rc = BC_ENOMEM;
                break;
            }
            snprintf(frag, sizeof frag, "#/oauth/done?ticket=%s%s&next=%s", token, s.remember ? "" : "&remember=0",
                     esc);
            curl_free(esc);
        }
        redirect_web(req, frag);
        return;
    case OAUTH_NEEDS_LINK: {
        if ((rc = oauth_store_link_put(bc_req_db(req), hash, uid, &p, s.remember, bc_now_ms() + OAUTH_LINK_TTL_MS)) !=
            BC_OK)
            break;
        char masked[300];
        bc_email_mask(p.email, masked, sizeof masked);
        char *esc = curl_easy_escape(NULL, masked, 0);
        if (!esc) {
            rc = BC_ENOMEM;
            break;
        }
        snprintf(frag, sizeof frag, "#/oauth/link?link=%s&provider=%s&email=%s", token, pv->name, esc);
        curl_free(esc);
        redirect_web(req, frag);
        return;
    }
    case OAUTH_SOCIAL_ACCOUNT_EXISTS:
        redirect_error(req, 0, "OAUTH_ACCOUNT_EXISTS");
        return;
    default: /* OAUTH_BLOCKED */
        redirect_error(req, 0, "ACCOUNT_BLOCKED");
        return;
    }
    bc_res_from_err(req, rc);
}

/* Sends the tokens of user uid (after a ticket or a link): refused when the account is blocked. */
static void send_user_tokens(bc_req *req, int64_t uid, int remember)
{
    json_t *u = NULL;
    int rc = bc_accounts_user_get(bc_req_db(req), uid, 1, &u);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    if (json_is_true(json_object_get(u, "blocked"))) {
        bc_res_error(req, 403, "ACCOUNT_BLOCKED", "this account is blocked");
        json_decref(u);
        return;
    }
    json_object_del(u, "blocked");
    accounts_send_tokens(req, u, NULL, 200, remember);
    json_decref(u);
}

/* POST /api/v1/auth/oauth/exchange {ticket} */
static void h_exchange(bc_req *req)
{
    const char *ticket = json_string_value(json_object_get(bc_req_json(req), "ticket"));
    char th[65];
    int64_t uid = 0;
    int remember = 0;
    accounts_token_hash(ticket, th);
    int rc = oauth_store_ticket_take(bc_req_db(req), th, &uid, &remember);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 400, "OAUTH_TICKET_INVALID", "the sign-in ticket is unknown, used or expired; sign in again");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    send_user_tokens(req, uid, remember);
}

/* POST /api/v1/auth/oauth/link {link, password}: the owner of the e-mail's account confirms with
 * the password, and the provider's identity is linked to it. */
static void h_link(bc_req *req)
{
    json_t *body = bc_req_json(req);
    const char *link = json_string_value(json_object_get(body, "link"));
    const char *password = json_string_value(json_object_get(body, "password"));
    char lh[65], hash[128] = "", email[256] = "";
    oauth_profile p;
    bc_login_ticket t;
    int64_t uid = 0, retry_s = 0;
    int remember = 0, why = 0, outcome = 0;
    accounts_token_hash(link, lh);
    int rc = oauth_store_link_get(bc_req_db(req), lh, &uid, &p, &remember);
    if (rc == BC_OK)
        rc = recovery_store_password_get(bc_req_db(req), uid, hash, email);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 400, "OAUTH_LINK_INVALID", "the link request is unknown, used or expired; sign in again");
        goto out;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    if (bc_login_begin(email, bc_req_client_ip(req), bc_now_ms(), &t, &retry_s, &why) != BC_OK) {
        accounts_send_retry(req, 429, "TOO_MANY_ATTEMPTS", "too many wrong passwords", retry_s);
        goto out;
    }
    int ok = hash[0] && bc_password_verify(hash, password) == BC_OK;
    bc_login_finish(&t, ok);
    if (!ok) {
        bc_res_error(req, 403, "WRONG_PASSWORD", "the password is wrong");
        goto out;
    }
    if ((rc = oauth_store_link(bc_req_db(req), uid, &p, lh, &outcome)) != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    if (outcome == OAUTH_LINK_USED) {
        bc_res_error(req, 400, "OAUTH_LINK_INVALID", "the link request was already used");
        goto out;
    }
    if (outcome != OAUTH_LINKED) {
        bc_res_error(req, 409, outcome == OAUTH_IDENTITY_TAKEN ? "IDENTITY_TAKEN" : "PROVIDER_ALREADY_LINKED",
                     outcome == OAUTH_IDENTITY_TAKEN ? "this sign-in is linked to another account"
                                                     : "the account already has a sign-in of this provider");
        goto out;
    }
    send_user_tokens(req, uid, remember);
out:
    sodium_memzero(hash, sizeof hash);
}

/* GET /api/v1/auth/providers: the providers set up on this server (the login page's buttons). */
static void h_providers(bc_req *req)
{
    json_t *items = json_array();
    pthread_once(&providers_once, providers_init);
    for (size_t i = 0; i < sizeof providers / sizeof *providers; i++)
        if (providers[i].client_id[0])
            json_array_append_new(items, json_pack("{s:s,s:s,s:s++}", "provider", providers[i].name, "name",
                                                   providers[i].label, "start_url", "/api/v1/auth/oauth/",
                                                   providers[i].name, "/start"));
    bc_res_header(req, "Cache-Control", "public, max-age=60");
    bc_res_json(req, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/me/identities */
static void h_identities(bc_req *req)
{
    json_t *items = NULL;
    int has_password = 0;
    int rc = oauth_store_identities(bc_req_db(req), bc_req_auth(req)->user_id, &items, &has_password);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:o,s:b}", "items", items, "has_password", has_password));
}

/* POST /api/v1/me/identities/{provider}/start: the provider's authorization URL to link it. */
static void h_identity_start(bc_req *req)
{
    const provider *pv = provider_get(bc_req_param(req, "provider"));
    char cookie[33];
    char *url = NULL;
    if (!pv) {
        bc_res_error(req, 404, "OAUTH_PROVIDER_UNAVAILABLE", "this sign-in provider is not set up");
        return;
    }
    int rc = flow_begin(bc_req_db(req), pv, 1, NULL, bc_req_auth(req)->user_id, &url, cookie);
    if (rc != BC_OK) {
        if (rc == BC_EGATEWAY)
            bc_res_error(req, 502, "OAUTH_PROVIDER_ERROR", "the sign-in provider cannot be reached");
        else
            bc_res_from_err(req, rc);
        return;
    }
    set_state_cookie(req, cookie, OAUTH_STATE_TTL_MS / 1000);
    bc_res_json(req, 200, json_pack("{s:s}", "url", url));
    free(url);
}

/* DELETE /api/v1/me/identities/{provider} */
static void h_identity_delete(bc_req *req)
{
    const char *name = bc_req_param(req, "provider");
    int rc = oauth_store_identity_remove(bc_req_db(req), bc_req_auth(req)->user_id, name);
    if (rc == BC_ECONFLICT)
        bc_res_error(req, 409, "LAST_SIGN_IN_METHOD",
                     "this is the account's only way to sign in: set a password or link another first");
    else if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "NOT_FOUND", "no such linked sign-in");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_send(req, 204, "application/json", "", 0);
}

int bc_oauth_configure(int demo)
{
    static const struct {
        char *id;
        char *secret;
        const char *base, *name, *setting;
    } rows[] = {
        {bc_cfg.kakao_client_id, bc_cfg.kakao_client_secret, bc_cfg.kakao_auth_base, "kakao", "BROADCART_KAKAO"},
        {bc_cfg.naver_client_id, bc_cfg.naver_client_secret, bc_cfg.naver_auth_base, "naver", "BROADCART_NAVER"},
        {bc_cfg.google_client_id, bc_cfg.google_client_secret, bc_cfg.google_issuer, "google", "BROADCART_GOOGLE"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int sandbox = strstr(rows[i].base, "/sandbox-idp/") != NULL;
        if (demo && sandbox && !rows[i].id[0]) {
            snprintf(rows[i].id, 128, "sandbox-%s", rows[i].name);
            snprintf(rows[i].secret, 128, "sandbox-secret-%s", rows[i].name);
        }
        if (rows[i].id[0] && sandbox && strncmp(rows[i].id, "sandbox-", 8) != 0) {
            bc_log_error("oauth",
                         "%s_CLIENT_ID is a real client id but the provider's base URL is the built-in sandbox "
                         "identity provider; set the provider's base URL settings too (see README)",
                         rows[i].setting);
            return BC_EINVAL;
        }
    }
    return BC_OK;
}

static const bc_field start_query[] = {
    {"remember", BC_F_BOOL, 0, 0, 0, "keep me signed in (14-day refresh token) or a session one", .def = "true"},
    {"next", BC_F_STR, 0, 1, 200, "web client path to return to after signing in", .text = BC_TEXT_OPAQUE},
    {NULL}};
static const bc_field callback_query[] = {
    {"code", BC_F_STR, 0, 1, 2048, "the authorization code (RFC 6749 §4.1.2)", .text = BC_TEXT_OPAQUE},
    {"state", BC_F_STR, 0, 1, 128, NULL, .text = BC_TEXT_OPAQUE},
    {"error", BC_F_STR, 0, 1, 200, "the provider's refusal (access_denied)", .text = BC_TEXT_OPAQUE},
    {"error_description", BC_F_STR, 0, 1, 1000, NULL, .text = BC_TEXT_OPAQUE},
    {"error_code", BC_F_STR, 0, 1, 100, "Kakao's detail code", .text = BC_TEXT_OPAQUE},
    {"scope", BC_F_STR, 0, 1, 1000, "the granted scopes (Google)", .text = BC_TEXT_OPAQUE},
    {"authuser", BC_F_STR, 0, 1, 100, "Google's account index", .text = BC_TEXT_OPAQUE},
    {"prompt", BC_F_STR, 0, 1, 100, "Google's prompt", .text = BC_TEXT_OPAQUE},
    {"hd", BC_F_STR, 0, 1, 255, "Google's hosted domain", .text = BC_TEXT_OPAQUE},
    {"iss", BC_F_STR, 0, 1, 255, "the issuer (RFC 9207)", .text = BC_TEXT_OPAQUE},
    {NULL}};
static const bc_field exchange_body[] = {
    {"ticket", BC_F_STR, 1, 1, 128, "the ticket of #/oauth/done", .text = BC_TEXT_OPAQUE}, {NULL}};
static const bc_field link_body[] = {
    {"link", BC_F_STR, 1, 1, 128, "the link of #/oauth/link", .text = BC_TEXT_OPAQUE},
    {"password", BC_F_STR, 1, 1, 128, "the account's password", .text = BC_TEXT_OPAQUE},
    {NULL}};

static const bc_schema sc_providers = {
    "SignInProviders",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\",\"required\":[\"provider\",\"name\",\"start_url\"],\"properties\":{\"provider\":{\"type\":\"string\","
    "\"enum\":[\"kakao\",\"naver\",\"google\"]},\"name\":{\"type\":\"string\"},\"start_url\":{\"type\":\"string\"}}}}}"
    "}",
    NULL};
static const bc_schema sc_identities = {
    "LinkedSignIns",
    "{\"type\":\"object\",\"required\":[\"items\",\"has_password\"],\"properties\":{\"has_password\":{\"type\":"
    "\"boolean\"},\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"provider\","
    "\"created_at\"],\"properties\":{\"provider\":{\"type\":\"string\",\"enum\":[\"kakao\",\"naver\",\"google\"]},"
    "\"email\":{\"type\":[\"string\",\"null\"]},\"name\":{\"type\":[\"string\",\"null\"]},\"created_at\":{\"type\":"
    "\"string\",\"format\":\"date-time\"},\"last_login_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}}}"
    "}"
    "}}",
    NULL};
static const bc_schema sc_auth_url = {
    "AuthorizationUrl",
    "{\"type\":\"object\",\"required\":[\"url\"],\"properties\":{\"url\":{\"type\":\"string\",\"description\":\"open "
    "it in the browser (the response also sets the state cookie)\"}}}",
    NULL};

const bc_route bc_oauth_routes[] = {
    {"GET", "/api/v1/auth/providers", 0, BC_RT_INLINE, NULL, h_providers, "auth",
     "The social sign-in providers set up on this server", 200, .response = &sc_providers},
    {"GET", "/api/v1/auth/oauth/{provider}/start", 0, BC_RT_PAGE, NULL, h_start, "auth",
     "Start signing in with kakao, naver or google: 302 to the provider (sets the state cookie)", 302,
     .query = start_query, .errors = (const char *const[]){"OAUTH_PROVIDER_UNAVAILABLE", "OAUTH_PROVIDER_ERROR", NULL}},
    {"GET", "/api/v1/auth/oauth/{provider}/callback", 0, BC_RT_PAGE, NULL, h_callback, "auth",
     "The provider's redirect: 302 into the web client (#/oauth/done?ticket=, #/oauth/link?link=, or "
     "#/login?oauth_error=CODE)",
     302, .query = callback_query, .errors = (const char *const[]){"OAUTH_PROVIDER_UNAVAILABLE", NULL}},
    {"POST", "/api/v1/auth/oauth/exchange", 0, 0, exchange_body, h_exchange, "auth",
     "Exchange the one-time ticket of a social sign-in for tokens", 200, .response = &bc_sc_tokens,
     .errors = (const char *const[]){"OAUTH_TICKET_INVALID", "ACCOUNT_BLOCKED", NULL}},
    {"POST", "/api/v1/auth/oauth/link", 0, BC_RT_PWHASH, link_body, h_link, "auth",
     "Link a social sign-in to the existing account of its e-mail, confirmed with that account's password", 200,
     .response = &bc_sc_tokens,
     .errors = (const char *const[]){"OAUTH_LINK_INVALID", "WRONG_PASSWORD", "TOO_MANY_ATTEMPTS", "IDENTITY_TAKEN",
                                     "PROVIDER_ALREADY_LINKED", "ACCOUNT_BLOCKED", NULL}},
    {"GET", "/api/v1/me/identities", BC_ROLE_ANY, 0, NULL, h_identities, "auth",
     "The social sign-ins linked to my account", 200, .response = &sc_identities},
    {"POST", "/api/v1/me/identities/{provider}/start", BC_ROLE_ANY, 0, NULL, h_identity_start, "auth",
     "Start linking a provider to my account: the URL to open (sets the state cookie)", 200, .response = &sc_auth_url,
     .errors = (const char *const[]){"OAUTH_PROVIDER_UNAVAILABLE", "OAUTH_PROVIDER_ERROR", NULL}},
    {"DELETE", "/api/v1/me/identities/{provider}", BC_ROLE_ANY, 0, NULL, h_identity_delete, "auth",
     "Unlink a provider (refused for the account's last way to sign in)", 204,
     .errors = (const char *const[]){"LAST_SIGN_IN_METHOD", NULL}},
    {NULL},
};
