/* The S3 backend of the object store (media.h): objects in a bucket of S3-compatible storage,
 * written and deleted with path-style requests ({endpoint}/{bucket}/{key}) that libcurl signs with
 * AWS Signature Version 4 (CURLOPT_AWS_SIGV4 "aws:amz:{region}:s3"). Amazon S3 API Reference:
 * PutObject, DeleteObject; "Authenticating Requests (AWS Signature Version 4)": every request
 * carries x-amz-content-sha256, the hex SHA-256 of its payload (also part of the canonical request).
 * Blocking (libcurl easy interface): workers and commands only, never an event loop. */
#include "media.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/core.h"

#define S3_CONNECT_TIMEOUT_MS 5000L
#define S3_TIMEOUT_MS 60000L  /* one object: a replay segment or an upload of at most 64 MiB */
#define S3_ATTEMPTS 2         /* a 5xx (e.g. 503 SlowDown) or a transport error is tried once more */
#define S3_RETRY_DELAY_MS 200 /* before the second attempt */
#define S3_ERROR_BODY_MAX 2048

/* 1 when s is non-empty and every character is in set. */
static int only(const char *s, const char *set) { return *s && strspn(s, set) == strlen(s); }

/* 1 when url is http(s)://host[:port] with nothing after but an optional "/" (stripped in place),
 * or also a path when path_ok. */
static int base_url_ok(char *url, int path_ok)
{
    const char *host = strncmp(url, "https://", 8) == 0 ? url + 8 : strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
    if (!host || !*host || *host == '/' || strpbrk(url, "?#@ \t\r\n"))
        return 0;
    const char *slash = strchr(host, '/');
    if (slash && !path_ok && slash[1])
        return 0;
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        url[--n] = 0;
    return 1;
}

int bc_media_s3_enabled(void) { return bc_cfg.s3_endpoint[0] != 0; }

int bc_media_s3_check_config(void)
{
    bc_config *c = &bc_cfg;
    if (!c->s3_endpoint[0]) {
        if (c->s3_bucket[0] || c->s3_access_key[0] || c->s3_secret_key[0] || c->s3_public_url[0]) {
            fprintf(stderr, "config: BROADCART_S3_BUCKET/_ACCESS_KEY/_SECRET_KEY/_PUBLIC_URL need "
                            "BROADCART_S3_ENDPOINT (unset them to keep media under the data dir)\n");
            return BC_EINVAL;
        }
        return BC_OK;
    }
    if (!base_url_ok(c->s3_endpoint, 0)) {
        fprintf(stderr, "config: BROADCART_S3_ENDPOINT must be http(s)://host[:port] (got %s)\n", c->s3_endpoint);
        return BC_EINVAL;
    }
    /* bucket naming rules (S3 User Guide, "Bucket naming rules"): 3..63 of a-z 0-9 . -, starting and
     * ending with a letter or digit */
    size_t bn = strlen(c->s3_bucket);
    if (bn < 3 || bn > 63 || !only(c->s3_bucket, "abcdefghijklmnopqrstuvwxyz0123456789.-") ||
        strchr(".-", c->s3_bucket[0]) || strchr(".-", c->s3_bucket[bn - 1])) {
        fprintf(stderr, "config: BROADCART_S3_BUCKET must be a bucket name (3..63 of a-z 0-9 . -)\n");
        return BC_EINVAL;
    }
    if (!c->s3_access_key[0] || !c->s3_secret_key[0] || strchr(c->s3_access_key, ':')) {
        fprintf(stderr, "config: BROADCART_S3_ENDPOINT needs BROADCART_S3_ACCESS_KEY (no ':') and "
                        "BROADCART_S3_SECRET_KEY\n");
        return BC_EINVAL;
    }
    if (!only(c->s3_region, "abcdefghijklmnopqrstuvwxyz0123456789-")) {
        fprintf(stderr, "config: BROADCART_S3_REGION must be a region name such as us-east-1\n");
        return BC_EINVAL;
    }
    if (c->s3_public_url[0] && !base_url_ok(c->s3_public_url, 1)) {
        fprintf(stderr, "config: BROADCART_S3_PUBLIC_URL must be an http(s):// URL\n");
        return BC_EINVAL;
    }
    return BC_OK;
}

int bc_media_s3_url(const char *key, char *out, size_t n)
{
    int w = bc_cfg.s3_public_url[0] ? snprintf(out, n, "%s/%s", bc_cfg.s3_public_url, key)
                                    : snprintf(out, n, "%s/%s/%s", bc_cfg.s3_endpoint, bc_cfg.s3_bucket, key);
    return w < 0 || (size_t)w >= n ? BC_ERR : BC_OK;
}

int bc_media_s3_origin(char *out, size_t n)
{
    char base[sizeof bc_cfg.s3_public_url + sizeof bc_cfg.s3_endpoint];
    snprintf(base, sizeof base, "%s", bc_cfg.s3_public_url[0] ? bc_cfg.s3_public_url : bc_cfg.s3_endpoint);
    char *host = strstr(base, "://");
    if (!host)
        return BC_ERR;
    host[3 + strcspn(host + 3, "/")] = 0;
    int w = snprintf(out, n, "%s", base);
    return w < 0 || (size_t)w >= n ? BC_ERR : BC_OK;
}

/* The response body, kept up to S3_ERROR_BODY_MAX bytes (only error bodies are of interest). */
struct sink {
    char buf[S3_ERROR_BODY_MAX + 1];
    size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t k = size * n, room = S3_ERROR_BODY_MAX - s->len;
    memcpy(s->buf + s->len, p, k < room ? k : room);
    s->len += k < room ? k : room;
    s->buf[s->len] = 0;
    return k;
}

/* A GetObject answer: the error body as above, and the object's bytes into a buffer grown up to
 * max bytes (more aborts the transfer: over = 1). */
struct reply {
    struct sink err;
    char *buf;
    size_t len, cap, max;
    int over;
};

static size_t on_reply(char *p, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    size_t k = size * n;
    on_body(p, size, n, &r->err);
    if (r->max == 0)
        return k;
    if (k > r->max - r->len) {
        r->over = 1;
        return 0; /* CURLE_WRITE_ERROR: the object is larger than the caller takes */
    }
    if (r->len + k + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + k + 1)
            cap *= 2;
        if (!(r->buf = realloc(r->buf, cap)))
            abort(); /* the out-of-memory policy */
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, k);
    r->len += k;
    r->buf[r->len] = 0;
    return k;
}

/* The text of the first <tag>…</tag> in an S3 XML error body (e.g. Code, Message), or "-". */
static const char *xml_text(const char *xml, const char *tag, char *out, size_t n)
{
    char open[32];
    snprintf(open, sizeof open, "<%s>", tag);
    const char *a = strstr(xml, open), *b;
    if (!a || !(b = strchr(a += strlen(open), '<')) || n == 0)
        return "-";
    snprintf(out, n, "%.*s", (int)(b - a), a);
    return out;
}

/* One signed request: method on {endpoint}/{bucket}/{key} with the payload (len bytes; NULL for
 * none) and its content type; with rep (max > 0) the answer's body is kept there (GetObject).
 * BC_OK on 2xx, BC_ENOTFOUND on 404, BC_ENOMEM when the body passed rep->max, BC_EGATEWAY when
 * the store refused (other status, logged with S3's error Code and Message) or could not be reached. */
static int s3_request(const char *method, const char *key, const void *data, size_t len, const char *content_type,
                      struct reply *rep)
{
    char url[1024], sigv4[96], hash_hdr[96], ct_hdr[160], code[64], msg[256];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    struct curl_slist *hdrs = NULL;
    struct reply none = {.max = 0}, *body = rep ? rep : &none;
    int rc = BC_EGATEWAY;
    CURL *c = NULL;
    if (snprintf(url, sizeof url, "%s/%s/%s", bc_cfg.s3_endpoint, bc_cfg.s3_bucket, key) >= (int)sizeof url)
        return BC_EINVAL;
    /* x-amz-content-sha256: the payload's SHA-256 in lowercase hex (SigV4, "Signature Calculations for
     * the Authorization Header: Transferring Payload in a Single Chunk") */
    if (!EVP_Digest(data ? data : "", data ? len : 0, md, &mdlen, EVP_sha256(), NULL))
        return BC_ERR;
    int w = snprintf(hash_hdr, sizeof hash_hdr, "x-amz-content-sha256: ");
    for (unsigned int i = 0; i < mdlen; i++)
        w += snprintf(hash_hdr + w, sizeof hash_hdr - (size_t)w, "%02x", md[i]);
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", bc_cfg.s3_region);
    hdrs = curl_slist_append(hdrs, hash_hdr);
    if (content_type) {
        snprintf(ct_hdr, sizeof ct_hdr, "Content-Type: %s", content_type);
        hdrs = curl_slist_append(hdrs, ct_hdr);
    }
    if (!hdrs)
        abort(); /* the out-of-memory policy */
    for (int attempt = 1; attempt <= S3_ATTEMPTS; attempt++) {
        if (!(c = curl_easy_init()))
            abort();
        body->err.len = 0;
        body->err.buf[0] = 0;
        body->len = 0;
        body->over = 0;
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (data) { /* the payload as POSTFIELDS: the SigV4 code hashes exactly these bytes */
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
        curl_easy_setopt(c, CURLOPT_USERNAME, bc_cfg.s3_access_key);
        curl_easy_setopt(c, CURLOPT_PASSWORD, bc_cfg.s3_secret_key);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_reply);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, S3_CONNECT_TIMEOUT_MS);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, S3_TIMEOUT_MS);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        CURLcode cc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        c = NULL;
        if (body->over) {
            bc_log_error("media", "S3 %s %s: the object is larger than %zu bytes", method, key, body->max);
            rc = BC_ENOMEM;
            break;
        }
        if (cc == CURLE_OK && status >= 200 && status < 300) {
            rc = BC_OK;
            break;
        }
        if (cc == CURLE_OK && status == 404) {
            rc = BC_ENOTFOUND;
            break;
        }
        if (cc != CURLE_OK)
            bc_log_error("media", "S3 %s %s: %s (attempt %d)", method, key, curl_easy_strerror(cc), attempt);
        else
            bc_log_error("media", "S3 %s %s: HTTP %ld %s: %s (attempt %d)", method, key, status,
                         xml_text(body->err.buf, "Code", code, sizeof code),
                         xml_text(body->err.buf, "Message", msg, sizeof msg), attempt);
        if (cc == CURLE_OK && status < 500)
            break; /* refused (403 SignatureDoesNotMatch, 400 …): trying again changes nothing */
        if (attempt < S3_ATTEMPTS) {
            struct timespec ts = {0, S3_RETRY_DELAY_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    curl_slist_free_all(hdrs);
    return rc;
}

int bc_media_s3_put(const char *key, const void *data, size_t len, const char *content_type)
{
    /* a zero-length object still sends a (zero-length) payload: PUT needs one */
    int rc = s3_request("PUT", key, data ? data : "", len, content_type, NULL);
    return rc == BC_ENOTFOUND ? BC_EGATEWAY : rc; /* 404 on PUT: NoSuchBucket */
}

int bc_media_s3_delete(const char *key)
{
    int rc = s3_request("DELETE", key, NULL, 0, NULL, NULL);
    return rc == BC_ENOTFOUND ? BC_OK : rc; /* S3 answers 204 for a missing key; others may say 404 */
}

int bc_media_s3_get(const char *key, size_t max, char **data, size_t *len)
{
    struct reply rep = {.max = max ? max : 1};
    *data = NULL;
    *len = 0;
    int rc = s3_request("GET", key, NULL, 0, NULL, &rep); /* 404 NoSuchKey: BC_ENOTFOUND */
    if (rc == BC_OK) {
        if (!rep.buf && !(rep.buf = calloc(1, 1)))
            abort(); /* an empty object: an empty string */
        *data = rep.buf;
        *len = rep.len;
        rep.buf = NULL;
    }
    free(rep.buf);
    return rc;
}

int bc_media_s3_fetch(const char *url, char *buf, size_t cap, size_t *len, long *status)
{
    struct sink *s = calloc(1, sizeof *s);
    CURL *c = curl_easy_init();
    if (!s || !c)
        abort();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, S3_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, S3_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    *len = s->len < cap ? s->len : cap;
    memcpy(buf, s->buf, *len);
    free(s);
    if (cc != CURLE_OK)
        bc_log_error("media", "GET %s: %s", url, curl_easy_strerror(cc));
    return cc == CURLE_OK ? BC_OK : BC_EGATEWAY;
}
