/* The request view handed to handlers, its validation, authorisation and responses. */
#include "http_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../metrics/metrics.h"

const char *bc_http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "OK";
    }
}

/* 1 when the request's client address (bc_req_client_ip) is in 127.0.0.0/8 or is ::1. */
static int client_is_loopback(bc_req *r)
{
    const char *ip = bc_req_client_ip(r);
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        return a[0] == 127;
    return inet_pton(AF_INET6, ip, a) == 1 && IN6_IS_ADDR_LOOPBACK((struct in6_addr *)a);
}

void bc_req_init(bc_req *r, h2o_req_t *hreq, const bc_route *route, const bc_route_match *m)
{
    memset(r, 0, sizeof *r);
    r->arena = bc_arena_create();
    if (!r->arena)
        abort();
    r->route = route;
    r->method = bc_arena_strndup(r->arena, hreq->method.base, hreq->method.len);
    size_t plen = hreq->query_at != SIZE_MAX ? hreq->query_at : hreq->path.len;
    r->path = bc_arena_strndup(r->arena, hreq->path.base, plen);
    r->query = hreq->query_at != SIZE_MAX
                   ? bc_arena_strndup(r->arena, hreq->path.base + plen + 1, hreq->path.len - plen - 1)
                   : "";
    r->origin = bc_arena_printf(r->arena, "http://%.*s", (int)hreq->authority.len, hreq->authority.base);
    if (m) {
        for (int i = 0; i < m->nparams; i++) {
            r->params[i].name = bc_arena_strndup(r->arena, m->names[i], m->name_lens[i]);
            r->params[i].value = bc_arena_strndup(r->arena, m->values[i], m->value_lens[i]);
        }
        r->nparams = m->nparams;
    }
    ssize_t rid = h2o_find_header_by_str(&hreq->headers, H2O_STRLIT("x-request-id"), -1);
    r->request_id = rid >= 0 ? bc_arena_strndup(r->arena, hreq->headers.entries[rid].value.base,
                                                hreq->headers.entries[rid].value.len)
                             : NULL;
    r->nheaders = hreq->headers.size;
    r->headers = bc_arena_alloc(r->arena, sizeof(bc_kv) * (r->nheaders + 1));
    for (size_t i = 0; i < hreq->headers.size; i++) {
        h2o_header_t *h = &hreq->headers.entries[i];
        r->headers[i].name = bc_arena_strndup(r->arena, h->name->base, h->name->len);
        r->headers[i].value = bc_arena_strndup(r->arena, h->value.base, h->value.len);
    }
    if (hreq->entity.base) {
        r->body = bc_arena_strndup(r->arena, hreq->entity.base, hreq->entity.len);
        r->body_len = hreq->entity.len;
    } else {
        r->body = "";
    }
    /* a copy of the peer for bc_req_client_ip, which may run on a worker after the connection is gone
     * (h2o caches the peer per socket, so this is a memcpy after a connection's first request) */
    r->peer_len = hreq->conn->callbacks->get_peername(hreq->conn, (struct sockaddr *)&r->peer);
    /* only loopback-only routes (nginx-rtmp callbacks, /metrics) look at the client's address: the
     * peer, or behind a trusted proxy the client it forwards for (a proxy on this host must not make
     * every caller loopback) */
    r->peer_loopback = route && (route->flags & BC_RT_LOOPBACK) ? client_is_loopback(r) : 0;
    r->metric_slot = route && m ? m->slot : BC_METRICS_UNMATCHED;
}

void bc_req_cleanup(bc_req *r)
{
    json_decref(r->json);
    free(r->res_body);
    bc_arena_destroy(r->arena);
    r->arena = NULL;
}

/* ---- client address (trusted proxies, X-Forwarded-For) ---- */
#define MAX_PROXIES 32

typedef struct proxy_net {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int prefix; /* bits */
} proxy_net;

static proxy_net proxies[MAX_PROXIES];
static int nproxies;

/* Parses "a.b.c.d[/n]" or "v6[/n]" into *out. BC_OK or BC_EINVAL. */
static int parse_net(const char *s, size_t len, proxy_net *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return BC_EINVAL;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = 0;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        out->prefix = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        out->prefix = 128;
    } else {
        return BC_EINVAL;
    }
    if (slash) {
        int64_t n;
        if (bc_parse_i64(slash + 1, 0, out->prefix, &n) != BC_OK)
            return BC_EINVAL;
        out->prefix = (int)n;
    }
    return BC_OK;
}

int bc_http_set_trusted_proxies(const char *list)
{
    nproxies = 0;
    for (const char *p = list ? list : ""; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        if (nproxies == MAX_PROXIES || parse_net(p, n, &proxies[nproxies]) != BC_OK) {
            bc_log_error("http", "BROADCART_TRUSTED_PROXIES: bad or too many entries at '%.*s' (max %d)", (int)n, p,
                         MAX_PROXIES);
            nproxies = 0;
            return BC_EINVAL;
        }
        nproxies++;
        p += n;
    }
    return BC_OK;
}

/* Binary form of an address (IPv4-mapped IPv6 becomes IPv4). Returns the family or 0. */
static int addr_bytes(const struct sockaddr *sa, socklen_t len, unsigned char out[16])
{
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            memcpy(out, a->s6_addr + 12, 4);
            return AF_INET;
        }
        memcpy(out, a->s6_addr, 16);
        return AF_INET6;
    }
    return 0;
}

static int is_trusted(int family, const unsigned char *a)
{
    for (int i = 0; i < nproxies; i++) {
        const proxy_net *n = &proxies[i];
        if (n->family != family)
            continue;
        int bits = n->prefix, k = 0;
        for (; bits >= 8; bits -= 8, k++)
            if (a[k] != n->addr[k])
                break;
        if (bits >= 8)
            continue;
        unsigned char mask = (unsigned char)(0xFF00u >> bits);
        if (bits == 0 || (a[k] & mask) == (n->addr[k] & mask))
            return 1;
    }
    return 0;
}

/* Parses one X-Forwarded-For entry (spaces trimmed; "[v6]:port" and "v4:port" accepted) into a
 * family and bytes. Returns the family or 0. */
static int parse_xff_entry(const char *s, size_t len, unsigned char out[16])
{
    char buf[64];
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= sizeof buf)
        return 0;
    if (len > 1 && s[0] == '[') {
        const char *end = memchr(s, ']', len);
        if (!end)
            return 0;
        len = (size_t)(end - s - 1);
        s++;
    }
    memcpy(buf, s, len);
    buf[len] = 0;
    if (inet_pton(AF_INET6, buf, out) == 1) {
        if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)out)) {
            memmove(out, out + 12, 4);
            return AF_INET;
        }
        return AF_INET6;
    }
    char *colon = strchr(buf, ':');
    if (colon)
        *colon = 0;
    return inet_pton(AF_INET, buf, out) == 1 ? AF_INET : 0;
}

const char *bc_http_client_ip(const struct sockaddr *peer, socklen_t peer_len, const char *xff, char *out,
                              size_t outlen)
{
    unsigned char a[16];
    int family = peer_len ? addr_bytes(peer, peer_len, a) : 0;
    out[0] = 0;
    if (!family)
        return out;
    if (xff && is_trusted(family, a)) {
        /* right to left: each hop appends the address it saw; the first untrusted one is the client */
        size_t end = strlen(xff);
        while (end > 0) {
            size_t start = end;
            while (start > 0 && xff[start - 1] != ',')
                start--;
            unsigned char b[16];
            int f = parse_xff_entry(xff + start, end - start, b);
            if (!f)
                break; /* garbage: stop at the last address we could trust */
            memcpy(a, b, 16);
            family = f;
            if (!is_trusted(f, b))
                break;
            end = start ? start - 1 : 0;
        }
    }
    inet_ntop(family, a, out, (socklen_t)outlen);
    return out;
}

const char *bc_req_client_ip(bc_req *r)
{
    if (!r->client_ip) {
        char buf[64];
        const char *xff = NULL; /* the last header: its right-most entry is the nearest hop */
        for (size_t i = 0; nproxies && i < r->nheaders; i++)
            if (strcasecmp(r->headers[i].name, "x-forwarded-for") == 0)
                xff = r->headers[i].value;
        bc_http_client_ip((const struct sockaddr *)&r->peer, r->peer_len, xff, buf, sizeof buf);
        r->client_ip = bc_arena_strdup(r->arena, buf);
    }
    return r->client_ip;
}

/* ---- accessors ---- */
const char *bc_req_method(bc_req *r) { return r->method; }
const char *bc_req_path(bc_req *r) { return r->path; }
json_t *bc_req_json(bc_req *r) { return r->json; }
bc_db *bc_req_db(bc_req *r) { return r->db; }
bc_arena *bc_req_arena(bc_req *r) { return r->arena; }
const char *bc_req_origin(bc_req *r) { return r->origin; }
const bc_auth *bc_req_auth(bc_req *r) { return r->authed ? &r->auth : NULL; }

const char *bc_req_body(bc_req *r, size_t *len)
{
    if (len)
        *len = r->body_len;
    return r->body;
}

const char *bc_req_param(bc_req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, name) == 0)
            return r->params[i].value;
    return NULL;
}

int bc_req_param_id(bc_req *r, const char *name, int64_t *out)
{
    return bc_parse_i64(bc_req_param(r, name), 1, INT64_MAX, out);
}

const char *bc_req_header(bc_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Finds name in an application/x-www-form-urlencoded string and returns its decoded value. */
static const char *form_lookup(bc_arena *a, const char *s, const char *name)
{
    size_t nlen = strlen(name);
    while (s && *s) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        if (len >= nlen && memcmp(s, name, nlen) == 0 && (len == nlen || s[nlen] == '=')) {
            const char *v = len == nlen ? s + len : s + nlen + 1;
            size_t vlen = (size_t)(s + len - v);
            char *out = bc_arena_alloc(a, vlen + 1), *o = out;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] == '+') {
                    *o++ = ' ';
                } else if (v[i] == '%' && i + 2 < vlen && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
                    *o++ = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
                    i += 2;
                } else {
                    *o++ = v[i];
                }
            }
            *o = 0;
            return out;
        }
        s = amp ? amp + 1 : NULL;
    }
    return NULL;
}

const char *bc_req_query(bc_req *r, const char *name) { return form_lookup(r->arena, r->query, name); }
const char *bc_req_form(bc_req *r, const char *name) { return form_lookup(r->arena, r->body, name); }

/* ---- responses ---- */
static void set_body(bc_req *r, int status, const char *type, char *body, size_t len)
{
    free(r->res_body);
    r->res_file = NULL;
    r->res_set = 1;
    r->res_status = status;
    r->res_type = type;
    r->res_body = body;
    r->res_len = len;
}

/* ---- date-time fields: schema-driven UTC ms -> ISO-8601 ---- */

/* The parsed text of every schema met so far, by name; filled under the write lock, read under
 * the read lock, never freed (a few dozen small schemas for the life of the process). */
#define TIME_SCHEMAS 64
static pthread_rwlock_t times_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct {
    const char *name;
    json_t *parsed;
} time_schemas[TIME_SCHEMAS];
static int n_time_schemas;

static json_t *schema_find(const char *name, size_t len)
{
    for (int i = 0; i < n_time_schemas; i++)
        if (strlen(time_schemas[i].name) == len && memcmp(time_schemas[i].name, name, len) == 0)
            return time_schemas[i].parsed;
    return NULL;
}

/* Parses s and what it references into the table (write lock held). */
static void schema_add(const bc_schema *s)
{
    if (!s || !s->name || schema_find(s->name, strlen(s->name)))
        return;
    if (n_time_schemas == TIME_SCHEMAS) {
        bc_log_error("http", "too many response schemas for date-time conversion");
        return;
    }
    json_error_t err;
    json_t *j = json_loads(s->json, 0, &err);
    if (!j) {
        bc_log_error("http", "response schema %s: %s", s->name, err.text);
        return;
    }
    time_schemas[n_time_schemas].name = s->name;
    time_schemas[n_time_schemas].parsed = j;
    n_time_schemas++;
    for (const bc_schema *const *ref = s->refs; ref && *ref; ref++)
        schema_add(*ref);
}

/* The replacement for v under schema sch (a new reference) or NULL when v stays; the members and
 * elements of v are converted in place. depth bounds a recursive schema ("Category"). */
static json_t *times_conv(json_t *v, json_t *sch, int depth)
{
    if (!json_is_object(sch) || !v || depth > 32)
        return NULL;
    const char *ref = json_string_value(json_object_get(sch, "$ref"));
    if (ref) {
        const char *slash = strrchr(ref, '/');
        const char *name = slash ? slash + 1 : ref;
        return times_conv(v, schema_find(name, strlen(name)), depth + 1);
    }
    const char *fmt = json_string_value(json_object_get(sch, "format"));
    if (json_is_integer(v) && fmt && strcmp(fmt, "date-time") == 0) {
        char iso[40];
        return json_string(bc_time_iso(json_integer_value(v), iso, sizeof iso));
    }
    static const char *const combos[] = {"oneOf", "anyOf", "allOf"};
    for (size_t c = 0; c < sizeof combos / sizeof *combos; c++) {
        json_t *alts = json_object_get(sch, combos[c]), *alt;
        size_t i;
        json_array_foreach (alts, i, alt) {
            json_t *r = times_conv(v, alt, depth + 1);
            if (r)
                return r; /* a scalar: the first alternative that converts it */
        }
    }
    if (json_is_object(v)) {
        json_t *props = json_object_get(sch, "properties"), *more = json_object_get(sch, "additionalProperties");
        const char *key;
        json_t *child;
        void *tmp;
        json_object_foreach_safe (v, tmp, key, child) {
            json_t *ps = json_object_get(props, key);
            json_t *r = times_conv(child, ps ? ps : more, depth + 1);
            if (r)
                json_object_set_new(v, key, r);
        }
    } else if (json_is_array(v)) {
        json_t *items = json_object_get(sch, "items"), *el;
        size_t i;
        json_array_foreach (v, i, el) {
            json_t *r = times_conv(el, items, depth + 1);
            if (r)
                json_array_set_new(v, i, r);
        }
    }
    return NULL;
}

void bc_http_json_times(json_t *v, const bc_schema *s)
{
    if (!v || !s || !s->name)
        return;
    pthread_rwlock_rdlock(&times_lock);
    json_t *root = schema_find(s->name, strlen(s->name));
    if (!root) {
        pthread_rwlock_unlock(&times_lock);
        pthread_rwlock_wrlock(&times_lock);
        schema_add(s);
        root = schema_find(s->name, strlen(s->name));
    }
    /* the table only grows: conversion under either lock reads parsed schemas that never change */
    if (root)
        times_conv(v, root, 0); /* a top-level scalar time is not a response shape */
    pthread_rwlock_unlock(&times_lock);
}

void bc_res_json(bc_req *r, int status, json_t *body)
{
    if (status >= 200 && status < 300 && body && r->route && r->route->response)
        bc_http_json_times(body, r->route->response);
    bc_router_location(r, status, body); /* Location on a 201, from the route row */
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!s) {
        s = strdup("{\"error\":{\"code\":\"INTERNAL\",\"message\":\"could not encode response\"}}");
        status = 500;
    }
    set_body(r, status, "application/json; charset=utf-8", s, strlen(s));
}

void bc_res_error(bc_req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* messages may quote client bytes (jansson's "near '…'" can cut a multi-byte character) or be
     * cut by vsnprintf, and jansson refuses to encode invalid UTF-8: the answer would be a 500 */
    bc_utf8_scrub(msg);
    bc_res_json(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

void bc_res_file(bc_req *r, const char *path, const char *content_type)
{
    set_body(r, 200, bc_arena_strdup(r->arena, content_type), NULL, 0);
    r->res_file = bc_arena_strdup(r->arena, path);
}

void bc_res_send(bc_req *r, int status, const char *content_type, const char *body, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        abort();
    memcpy(copy, body, len);
    copy[len] = 0;
    set_body(r, status, bc_arena_strdup(r->arena, content_type), copy, len);
}

void bc_res_header(bc_req *r, const char *name, const char *value)
{
    bc_res_hdr *h = bc_arena_alloc(r->arena, sizeof *h);
    h->name = bc_arena_strdup(r->arena, name);
    h->value = bc_arena_strdup(r->arena, value);
    h->next = r->res_headers;
    r->res_headers = h;
}

void bc_res_from_err(bc_req *r, int err)
{
    switch (err) {
    case BC_ENOTFOUND:
        bc_res_error(r, 404, "NOT_FOUND", "not found");
        break;
    case BC_ECONFLICT:
        bc_res_error(r, 409, "CONFLICT", "the resource changed; retry");
        break;
    case BC_EINVAL:
        bc_res_error(r, 422, "VALIDATION_FAILED", "invalid input");
        break;
    case BC_EFORBIDDEN:
        bc_res_error(r, 403, "FORBIDDEN", "you may not do this");
        break;
    case BC_EBUSY:
        bc_res_error(r, 503, "BUSY", "server is busy, retry shortly");
        bc_res_header(r, "Retry-After", "1"); /* RFC 9110 §10.2.3 */
        break;
    case BC_EGATEWAY:
        bc_res_error(r, 502, "PAYMENT_GATEWAY_ERROR", "the payment gateway could not be reached");
        break;
    default:
        bc_res_error(r, 500, "INTERNAL", "internal error");
        break;
    }
}

/* ---- authorisation ---- */
int bc_req_authorize(bc_req *r, const bc_route *route, bc_auth_fn auth)
{
    const char *h = (route->flags & BC_RT_FOREIGN_AUTH) ? NULL : bc_req_header(r, "authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        if (!auth || auth(h + 7, &r->auth) != BC_OK) {
            bc_res_error(r, 401, "INVALID_TOKEN", "the access token is invalid or expired");
            return BC_EINVAL;
        }
        r->authed = 1;
    }
    if (route->roles == 0)
        return BC_OK;
    if (!r->authed) {
        bc_res_error(r, 401, "UNAUTHENTICATED", "sign in first");
        return BC_EINVAL;
    }
    if (!(route->roles & r->auth.role)) {
        bc_res_error(r, 403, "FORBIDDEN", "your role may not call this endpoint");
        return BC_EFORBIDDEN;
    }
    return BC_OK;
}

/* ---- validation (route table: body fields and query parameters) ---- */

/* Copies s into out for an error message: printable ASCII kept, anything else as '?', at most
 * 40 characters (messages must stay valid UTF-8 whatever the client sent). */
static const char *msg_name(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s && *s && i + 1 < n && i < 40; s++)
        out[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    out[i] = 0;
    return out;
}

/* The validator's text check: bc_utf8_check with the reason as a message (see http_int.h). */
int bc_http_text_check(const char *s, size_t len, int kind, char *why, size_t whylen)
{
    uint32_t c = 0;
    size_t at = 0;
    if (bc_utf8_check(s, len, (enum bc_text)kind, &c, &at) == BC_OK)
        return BC_OK;
    if (c == UINT32_MAX)
        snprintf(why, whylen, "is not valid UTF-8");
    else
        snprintf(why, whylen,
                 "must not contain control, bidi-control or line-separator characters (U+%04X at character %zu)",
                 (unsigned)c, at);
    return BC_EINVAL;
}

/* 1 when v is one of f->enums (or f has none); else fills list with "a, b, c" and returns 0. */
static int enum_ok(const bc_field *f, const char *v, char *list, size_t n)
{
    size_t used = 0;
    if (!f->enums)
        return 1;
    for (const char *const *e = f->enums; *e; e++)
        if (strcmp(*e, v) == 0)
            return 1;
    list[0] = 0;
    for (const char *const *e = f->enums; *e && used + 1 < n; e++) {
        int w = snprintf(list + used, n - used, "%s%s", e == f->enums ? "" : ", ", *e);
        used = w < 0 || (size_t)w >= n - used ? n - 1 : used + (size_t)w;
    }
    return 0;
}

static const char *const type_names[] = {"a string", "an integer", "a boolean", "an object", "an array", "a value"};

/* Refusal: fills msg with "'<path>' <text>" and *code with the field's code. */
static int refuse(const bc_field *f, const char *path, const char **code, char *msg, size_t msglen, const char *fmt,
                  ...) __attribute__((format(printf, 6, 7)));
static int refuse(const bc_field *f, const char *path, const char **code, char *msg, size_t msglen, const char *fmt,
                  ...)
{
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(msg, msglen, "'%s' %s", path, text);
    if (code && f && f->code)
        *code = f->code;
    return BC_EINVAL;
}

static int validate_object(json_t *obj, const bc_field *fields, const char *prefix, const char **code, char *msg,
                           size_t msglen);

/* Checks one present, non-null value v against f; path names it in messages. */
static int validate_value(json_t *v, const bc_field *f, const char *path, const char **code, char *msg, size_t msglen)
{
    int ok = 1;
    switch (f->type) {
    case BC_F_STR:
        ok = json_is_string(v);
        break;
    case BC_F_INT:
        ok = json_is_integer(v);
        break;
    case BC_F_BOOL:
        ok = json_is_boolean(v);
        break;
    case BC_F_OBJ:
        ok = json_is_object(v);
        break;
    case BC_F_ARR:
        ok = json_is_array(v);
        break;
    case BC_F_ANY:
        break;
    }
    if (!ok) /* a wrong type is always VALIDATION_FAILED; f->code is for refused values */
        return refuse(NULL, path, code, msg, msglen, "must be %s", type_names[f->type]);
    if (f->type == BC_F_STR) {
        const char *s = json_string_value(v);
        char why[160];
        if (bc_http_text_check(s, json_string_length(v), f->text, why, sizeof why) != BC_OK)
            return refuse(NULL, path, code, msg, msglen, "%s", why); /* hygiene: always VALIDATION_FAILED */
        char list[160];
        if (!enum_ok(f, s, list, sizeof list))
            return refuse(f, path, code, msg, msglen, "must be one of: %s", list);
    }
    if (f->min || f->max) {
        int64_t n = f->type == BC_F_INT   ? json_integer_value(v)
                    : f->type == BC_F_STR ? (int64_t)bc_utf8_len(json_string_value(v))
                    : f->type == BC_F_ARR ? (int64_t)json_array_size(v)
                                          : 0;
        if ((f->type == BC_F_INT || f->type == BC_F_STR || f->type == BC_F_ARR) && (n < f->min || n > f->max))
            return refuse(f, path, code, msg, msglen,
                          f->type == BC_F_INT   ? "must be between %lld and %lld"
                          : f->type == BC_F_STR ? "must be %lld to %lld characters long"
                                                : "must have %lld to %lld items",
                          (long long)f->min, (long long)f->max);
    }
    if (f->type == BC_F_OBJ && f->fields) {
        char pre[128];
        snprintf(pre, sizeof pre, "%s.", path);
        return validate_object(v, f->fields, pre, code, msg, msglen);
    }
    if (f->type == BC_F_ARR && f->items) {
        size_t i;
        json_t *el;
        json_array_foreach (v, i, el) {
            char sub[128];
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (json_is_null(el) && !f->items->nullable)
                return refuse(NULL, sub, code, msg, msglen, "must be %s", type_names[f->items->type]);
            if (!json_is_null(el) && validate_value(el, f->items, sub, code, msg, msglen) != BC_OK)
                return BC_EINVAL;
        }
    }
    return BC_OK;
}

static int validate_object(json_t *obj, const bc_field *fields, const char *prefix, const char **code, char *msg,
                           size_t msglen)
{
    const char *key;
    json_t *val;
    char path[160], name[48];
    json_object_foreach (obj, key, val) {
        int known = 0;
        for (const bc_field *f = fields; f->name && !known; f++)
            known = strcmp(f->name, key) == 0;
        if (!known) {
            snprintf(msg, msglen, "unknown field '%s%s'", prefix, msg_name(key, name, sizeof name));
            return BC_EINVAL;
        }
    }
    for (const bc_field *f = fields; f->name; f++) {
        json_t *v = json_object_get(obj, f->name);
        snprintf(path, sizeof path, "%s%s", prefix, f->name);
        if (!v) {
            if (f->required)
                return refuse(NULL, path, code, msg, msglen, "is required");
            continue;
        }
        if (json_is_null(v)) {
            if (f->required && !f->nullable)
                return refuse(NULL, path, code, msg, msglen, "must be %s", type_names[f->type]);
            continue; /* an optional field given as null counts as absent */
        }
        if (validate_value(v, f, path, code, msg, msglen) != BC_OK)
            return BC_EINVAL;
    }
    return BC_OK;
}

int bc_http_validate_fields_code(json_t *body, const bc_field *fields, const char **code, char *msg, size_t msglen)
{
    if (!json_is_object(body)) {
        snprintf(msg, msglen, "body must be a JSON object");
        return BC_EINVAL;
    }
    return validate_object(body, fields, "", code, msg, msglen);
}

int bc_http_validate_fields(json_t *body, const bc_field *fields, char *msg, size_t msglen)
{
    return bc_http_validate_fields_code(body, fields, NULL, msg, msglen);
}

/* Percent-decodes s[0..len) (application/x-www-form-urlencoded: '+' is a space) into the arena.
 * NULL when a '%' is not followed by two hex digits. */
static char *query_decode(bc_arena *a, const char *s, size_t len)
{
    char *out = bc_arena_alloc(a, len + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= len)
                return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) /* %00 would cut the value short */
                return NULL;
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

/* Sends a query refusal: JSON (status, code), or a small HTML page for BC_RT_PAGE routes. */
static void query_refuse(bc_req *r, int status, const char *code, const char *msg)
{
    if (!(r->route->flags & BC_RT_PAGE)) {
        bc_res_error(r, status, code, "%s", msg);
        return;
    }
    char page[1024];
    size_t n =
        (size_t)snprintf(page, sizeof page,
                         "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bad request</title>"
                         "</head><body><h1>Bad request</h1><p>");
    for (const char *p = msg; *p && n + 8 < sizeof page - 32; p++) {
        const char *e = *p == '<'    ? "&lt;"
                        : *p == '>'  ? "&gt;"
                        : *p == '&'  ? "&amp;"
                        : *p == '"'  ? "&quot;"
                        : *p == '\'' ? "&#39;"
                                     : NULL;
        if (e) {
            memcpy(page + n, e, strlen(e));
            n += strlen(e);
        } else {
            page[n++] = *p;
        }
    }
    n += (size_t)snprintf(page + n, sizeof page - n, "</p></body></html>");
    bc_res_send(r, 400, "text/html; charset=utf-8", page, n);
}

/* Checks one query value against its field. */
static int query_value_ok(const bc_field *f, const char *v, char *msg, size_t msglen)
{
    char why[160];
    int64_t n;
    switch (f->type) {
    case BC_F_INT: {
        int64_t lo = f->min || f->max ? f->min : INT64_MIN, hi = f->min || f->max ? f->max : INT64_MAX;
        if (bc_parse_i64(v, lo, hi, &n) != BC_OK) {
            if (f->min || f->max)
                snprintf(msg, msglen, "'%s' must be an integer from %lld to %lld", f->name, (long long)lo,
                         (long long)hi);
            else
                snprintf(msg, msglen, "'%s' must be an integer", f->name);
            return BC_EINVAL;
        }
        return BC_OK;
    }
    case BC_F_BOOL:
        if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") && strcmp(v, "0")) {
            snprintf(msg, msglen, "'%s' must be true or false", f->name);
            return BC_EINVAL;
        }
        return BC_OK;
    default: {
        char list[160];
        if (bc_http_text_check(v, strlen(v), f->text, why, sizeof why) != BC_OK) {
            snprintf(msg, msglen, "'%s' %s", f->name, why);
            return BC_EINVAL;
        }
        if (!enum_ok(f, v, list, sizeof list)) {
            snprintf(msg, msglen, "'%s' must be one of: %s", f->name, list);
            return BC_EINVAL;
        }
        n = (int64_t)bc_utf8_len(v);
        if ((f->min || f->max) && (n < f->min || n > f->max)) {
            snprintf(msg, msglen, "'%s' must be %lld to %lld characters long", f->name, (long long)f->min,
                     (long long)f->max);
            return BC_EINVAL;
        }
        return BC_OK;
    }
    }
}

int bc_req_validate_query(bc_req *r, const bc_route *route)
{
    size_t nq = 0;
    for (const bc_field *f = route->query; f && f->name; f++)
        nq++;
    r->qvals = nq ? bc_arena_alloc(r->arena, nq * sizeof *r->qvals) : NULL;
    for (size_t i = 0; i < nq; i++)
        r->qvals[i] = NULL;
    char msg[256], name[48];
    for (const char *s = r->query; s && *s;) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        size_t klen = eq ? (size_t)(eq - s) : len;
        const char *k = len ? query_decode(r->arena, s, klen) : "";
        const char *v = len ? (eq ? query_decode(r->arena, eq + 1, len - klen - 1) : "") : "";
        if (len == 0)
            goto next; /* "a=1&&b=2" */
        if (!k || !v) {
            query_refuse(r, 400, "INVALID_QUERY", "malformed percent-encoding in the query string");
            return BC_EINVAL;
        }
        size_t i = 0;
        while (i < nq && strcmp(route->query[i].name, k) != 0)
            i++;
        if (i == nq) {
            snprintf(msg, sizeof msg, "unknown query parameter '%s'", msg_name(k, name, sizeof name));
            query_refuse(r, 400, "INVALID_QUERY", msg);
            return BC_EINVAL;
        }
        if (r->qvals[i]) {
            snprintf(msg, sizeof msg, "query parameter '%s' is given more than once", k);
            query_refuse(r, 400, "INVALID_QUERY", msg);
            return BC_EINVAL;
        }
        if (*v == 0)
            goto next; /* an empty value counts as absent */
        if (query_value_ok(&route->query[i], v, msg, sizeof msg) != BC_OK) {
            query_refuse(r, 422, route->query[i].code ? route->query[i].code : "VALIDATION_FAILED", msg);
            return BC_EINVAL;
        }
        r->qvals[i] = v;
    next:
        s = amp ? amp + 1 : NULL;
    }
    for (size_t i = 0; i < nq; i++) {
        if (route->query[i].required && !r->qvals[i]) {
            snprintf(msg, sizeof msg, "query parameter '%s' is required", route->query[i].name);
            query_refuse(r, 422, "VALIDATION_FAILED", msg);
            return BC_EINVAL;
        }
    }
    return BC_OK;
}

/* The index of name in the route's query fields, or -1. */
static int query_index(bc_req *r, const char *name)
{
    if (!r->route || !r->route->query)
        return -1;
    for (int i = 0; r->route->query[i].name; i++)
        if (strcmp(r->route->query[i].name, name) == 0)
            return i;
    return -1;
}

const char *bc_req_query_str(bc_req *r, const char *name)
{
    int i = query_index(r, name);
    if (i < 0)
        return NULL;
    if (r->qvals && r->qvals[i])
        return r->qvals[i];
    return r->route->query[i].def;
}

int64_t bc_req_query_int(bc_req *r, const char *name, int64_t fallback)
{
    const char *v = bc_req_query_str(r, name);
    int64_t n;
    if (!v)
        return fallback;
    if (strcmp(v, "true") == 0)
        return 1;
    if (strcmp(v, "false") == 0)
        return 0;
    return bc_parse_i64(v, INT64_MIN, INT64_MAX, &n) == BC_OK ? n : fallback;
}

int bc_req_validate_body(bc_req *r, const bc_route *route)
{
    if (bc_req_validate_query(r, route) != BC_OK)
        return BC_EINVAL;
    if (!route->body)
        return BC_OK;
    json_error_t err;
    int any_required = 0;
    for (const bc_field *f = route->body; f->name; f++)
        any_required |= f->required;
    if (r->body_len == 0 && !any_required) {
        r->json = json_object();
        return BC_OK;
    }
    /* \u0000 is let through the parser so that the text check refuses it naming the field */
    r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (!r->json) {
        /* jansson's text quotes the input near the error: keep it printable ASCII (valid UTF-8) */
        for (char *p = err.text; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                *p = '?';
        bc_res_error(r, 400, "INVALID_JSON", "malformed JSON: %s", err.text);
        return BC_EINVAL;
    }
    char msg[256];
    const char *code = "VALIDATION_FAILED";
    if (bc_http_validate_fields_code(r->json, route->body, &code, msg, sizeof msg) != BC_OK) {
        bc_res_error(r, 422, code, "%s", msg);
        return BC_EINVAL;
    }
    return BC_OK;
}
