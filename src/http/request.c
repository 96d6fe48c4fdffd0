/* The request view handed to handlers, its validation, authorisation and responses. */
#include "http_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static int peer_is_loopback(h2o_req_t *hreq)
{
    struct sockaddr_storage ss;
    socklen_t len = hreq->conn->callbacks->get_peername(hreq->conn, (struct sockaddr *)&ss);
    if (len == 0)
        return 0;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return 0;
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
    /* only loopback-only routes (nginx-rtmp callbacks) look at the peer */
    r->peer_loopback = route && (route->flags & BC_RT_LOOPBACK) ? peer_is_loopback(hreq) : 0;
}

void bc_req_cleanup(bc_req *r)
{
    json_decref(r->json);
    free(r->res_body);
    bc_arena_destroy(r->arena);
    r->arena = NULL;
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
    r->res_set = 1;
    r->res_status = status;
    r->res_type = type;
    r->res_body = body;
    r->res_len = len;
}

void bc_res_json(bc_req *r, int status, json_t *body)
{
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!s) {
        s = strdup("{\"error\":{\"code\":\"INTERNAL\",\"message\":\"could not encode response\"}}");
        status = 500;
    }
    set_body(r, status, "application/json; charset=utf-8", s, strlen(s));
}

/* Replaces, in place, each byte that does not belong to a well-formed UTF-8 sequence (RFC 3629
 * §4: no overlong forms, surrogates or code points above U+10FFFF) with '?'. Error messages may
 * quote client bytes (e.g. jansson's "near '…'" cuts a multi-byte character) or be cut by
 * vsnprintf, and jansson refuses to encode invalid UTF-8: the answer would become a 500. */
static void utf8_scrub(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        size_t n = p[0] < 0x80                    ? 1
                   : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
                   : (p[0] & 0xF0) == 0xE0        ? 3
                   : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
                                                  : 0,
               i = 1;
        while (i < n && (p[i] & 0xC0) == 0x80) /* stops at the NUL too */
            i++;
        if (n == 0 || i < n || (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0))) ||
            (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

void bc_res_error(bc_req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_scrub(msg);
    bc_res_json(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
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
    const char *h = bc_req_header(r, "authorization");
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

int bc_http_validate_fields(json_t *body, const bc_field *fields, char *msg, size_t msglen)
{
    json_error_t err;
    if (!json_is_object(body)) {
        snprintf(msg, msglen, "body must be a JSON object");
        return BC_EINVAL;
    }
    const char *key;
    json_t *val;
    json_object_foreach (body, key, val) {
        int known = 0;
        for (const bc_field *f = fields; f->name; f++)
            if (strcmp(f->name, key) == 0)
                known = 1;
        if (!known) {
            snprintf(msg, msglen, "unknown field '%s'", key);
            return BC_EINVAL;
        }
    }
    for (const bc_field *f = fields; f->name; f++) {
        static const char *req_fmt[] = {"{s:s}", "{s:I}", "{s:b}", "{s:o}", "{s:o}", "{s:o}"};
        static const char *opt_fmt[] = {"{s?:s}", "{s?:I}", "{s?:b}", "{s?:o}", "{s?:o}", "{s?:o}"};
        static const char *type_names[] = {"a string", "an integer", "a boolean", "an object", "an array", "a value"};
        const char *fmt = f->required ? req_fmt[f->type] : opt_fmt[f->type];
        if (!f->required && json_is_null(json_object_get(body, f->name)))
            continue; /* an optional field given as null counts as absent */
        if (json_unpack_ex(body, &err, JSON_VALIDATE_ONLY, fmt, f->name) != 0) {
            if (!json_object_get(body, f->name))
                snprintf(msg, msglen, "'%s' is required", f->name);
            else
                snprintf(msg, msglen, "'%s' must be %s", f->name, type_names[f->type]);
            return BC_EINVAL;
        }
        json_t *v = json_object_get(body, f->name);
        if (!v || json_is_null(v)) {
            if (v && f->required) {
                snprintf(msg, msglen, "'%s' must be %s", f->name, type_names[f->type]);
                return BC_EINVAL;
            }
            continue;
        }
        if (f->type == BC_F_OBJ && !json_is_object(v)) {
            snprintf(msg, msglen, "'%s' must be an object", f->name);
            return BC_EINVAL;
        }
        if (f->type == BC_F_ARR && !json_is_array(v)) {
            snprintf(msg, msglen, "'%s' must be an array", f->name);
            return BC_EINVAL;
        }
        if (f->min == 0 && f->max == 0)
            continue;
        int64_t n = f->type == BC_F_INT   ? json_integer_value(v)
                    : f->type == BC_F_STR ? (int64_t)bc_utf8_len(json_string_value(v))
                    : f->type == BC_F_ARR ? (int64_t)json_array_size(v)
                                          : 0;
        if (f->type == BC_F_INT || f->type == BC_F_STR || f->type == BC_F_ARR) {
            if (n < f->min || n > f->max) {
                snprintf(msg, msglen,
                         f->type == BC_F_INT   ? "'%s' must be between %lld and %lld"
                         : f->type == BC_F_STR ? "'%s' must be %lld to %lld characters long"
                                               : "'%s' must have %lld to %lld items",
                         f->name, (long long)f->min, (long long)f->max);
                return BC_EINVAL;
            }
        }
    }
    return BC_OK;
}

int bc_req_validate_body(bc_req *r, const bc_route *route)
{
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
    r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!r->json) {
        bc_res_error(r, 400, "INVALID_JSON", "malformed JSON: %s", err.text);
        return BC_EINVAL;
    }
    char msg[256];
    if (bc_http_validate_fields(r->json, route->body, msg, sizeof msg) != BC_OK) {
        bc_res_error(r, 422, "VALIDATION_FAILED", "%s", msg);
        return BC_EINVAL;
    }
    return BC_OK;
}
