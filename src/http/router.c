/* The route table: matching (method + path pattern with {name} segments) and the OpenAPI 3.1
 * document, both read from the same rows. */
#include "http_int.h"

#include <stdlib.h>

#include "../metrics/metrics.h"
#include <string.h>

#define MAX_ROUTES 256

static const bc_route *routes[MAX_ROUTES];
static int route_slots[MAX_ROUTES]; /* metrics: each route's series (bc_metrics_route) */
static int nroutes;

/* Checks a field tree once at registration: every code is a table code, arrays say what they hold,
 * enums are strings. Returns 0 and logs the first problem otherwise. */
static int fields_ok(const bc_route *r, const bc_field *fields)
{
    for (const bc_field *f = fields; f && f->name; f++) {
        if ((f->code && !bc_http_error_find(f->code)) || (f->enums && f->type != BC_F_STR) ||
            (f->items && f->type != BC_F_ARR) || (f->fields && f->type != BC_F_OBJ) ||
            (f->items && !fields_ok(r, (const bc_field[]){*f->items, {NULL}})) || !fields_ok(r, f->fields)) {
            bc_log_error("http", "route %s %s: bad field '%s' in the table", r->method, r->path, f->name);
            return 0;
        }
    }
    return 1;
}

void bc_http_register(const bc_route *table)
{
    for (const bc_route *r = table; r->method; r++) {
        if (nroutes == MAX_ROUTES) {
            bc_log_error("http", "route table full");
            abort();
        }
        /* a broken row is a programming error: refuse to start rather than serve a wrong contract */
        int ok = fields_ok(r, r->body) && fields_ok(r, r->query) && (!r->location || r->status == 201);
        for (const char *const *c = r->errors; ok && c && *c; c++)
            ok = bc_http_error_find(*c) != NULL;
        if (!ok) {
            bc_log_error("http", "route %s %s: inconsistent row (unknown error code, or Location without 201)",
                         r->method, r->path);
            abort();
        }
        ok = !r->token || ((r->flags & BC_RT_LOOPBACK) && (r->flags & BC_RT_FOREIGN_AUTH) && r->roles == 0);
        if (!ok) {
            bc_log_error("http", "route %s %s: a token needs BC_RT_LOOPBACK | BC_RT_FOREIGN_AUTH and no roles",
                         r->method, r->path);
            abort();
        }
        route_slots[nroutes] = bc_metrics_route(r->method, r->path);
        routes[nroutes++] = r;
    }
}

size_t bc_router_max_body(void)
{
    size_t max = (size_t)bc_cfg.max_body_bytes;
    for (int i = 0; i < nroutes; i++)
        if (routes[i]->max_body && (size_t)*routes[i]->max_body > max)
            max = (size_t)*routes[i]->max_body;
    return max;
}

int bc_router_match_pattern(const char *pattern, const char *path, size_t plen, bc_route_match *m)
{
    const char *p = pattern, *s = path, *end = path + plen;
    m->nparams = 0;
    while (*p && s < end) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close || m->nparams == BC_MAX_PARAMS)
                return 0;
            const char *seg_end = memchr(s, '/', (size_t)(end - s));
            if (!seg_end)
                seg_end = end;
            if (seg_end == s)
                return 0;
            m->names[m->nparams] = p + 1;
            m->name_lens[m->nparams] = (size_t)(close - p - 1);
            m->values[m->nparams] = s;
            m->value_lens[m->nparams] = (size_t)(seg_end - s);
            m->nparams++;
            p = close + 1;
            s = seg_end;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            return 0;
        }
    }
    return *p == 0 && s == end;
}

int bc_router_match(const char *method, size_t mlen, const char *path, size_t plen, bc_route_match *m)
{
    int path_matched = 0;
    for (int i = 0; i < nroutes; i++) {
        const bc_route *r = routes[i];
        if (!bc_router_match_pattern(r->path, path, plen, m))
            continue;
        if (strlen(r->method) == mlen && memcmp(r->method, method, mlen) == 0) {
            m->route = r;
            m->slot = route_slots[i];
            return BC_ROUTER_OK;
        }
        path_matched = 1;
    }
    return path_matched ? BC_ROUTER_BAD_METHOD : BC_ROUTER_NONE;
}

int bc_router_allow(const char *path, size_t plen, char *out, size_t outlen)
{
    static const char *const order[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
    int seen[6] = {0}, n = 0;
    bc_route_match m;
    for (int i = 0; i < nroutes; i++) {
        if (!bc_router_match_pattern(routes[i]->path, path, plen, &m))
            continue;
        n++;
        for (int k = 0; k < 6; k++)
            if (strcmp(routes[i]->method, order[k]) == 0)
                seen[k] = 1;
    }
    seen[1] |= seen[0];
    size_t o = 0;
    out[0] = 0;
    if (n == 0)
        return 0;
    for (int k = 0; k < 6; k++)
        if (seen[k] && o < outlen)
            o += (size_t)snprintf(out + o, outlen - o, "%s, ", order[k]);
    if (o < outlen)
        snprintf(out + o, outlen - o, "OPTIONS");
    return n;
}

/* ---- Location on 201 ---- */
void bc_router_location(bc_req *r, int status, json_t *body)
{
    if (status != 201 || !r->route || !r->route->location || !json_is_object(body))
        return;
    char out[512];
    size_t n = 0;
    for (const char *t = r->route->location; *t && n + 1 < sizeof out;) {
        if (*t != '{') {
            out[n++] = *t++;
            continue;
        }
        const char *close = strchr(t, '}');
        if (!close)
            return;
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(close - t - 1), t + 1);
        json_t *v = json_object_get(body, key);
        if (json_is_integer(v)) {
            n += (size_t)snprintf(out + n, sizeof out - n, "%lld", (long long)json_integer_value(v));
        } else if (json_is_string(v)) {
            /* a whole path ("{url}") is copied as is; a segment keeps only unreserved characters */
            int whole = t == r->route->location && close[1] == 0;
            for (const unsigned char *p = (const unsigned char *)json_string_value(v); *p && n + 4 < sizeof out; p++) {
                int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                            *p == '-' || *p == '_' || *p == '.' || *p == '~' || (whole && *p == '/');
                n += plain ? (size_t)snprintf(out + n, sizeof out - n, "%c", *p)
                           : (size_t)snprintf(out + n, sizeof out - n, "%%%02X", *p);
            }
        } else {
            return; /* the body lacks the field: no header rather than a wrong one */
        }
        if (n >= sizeof out)
            return;
        t = close + 1;
    }
    out[n < sizeof out ? n : sizeof out - 1] = 0;
    bc_res_header(r, "Location", out);
}

/* ---- the human docs page ---- */
void bc_http_docs(bc_req *req)
{
    static const char page[] =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Broadcart API</title><link rel=\"icon\" href=\"data:,\"></head><body>"
        "<div id=\"redoc\" data-spec=\"/api/openapi.json\"></div>"
        "<noscript>The API reference needs JavaScript; the document itself is <a "
        "href=\"/api/openapi.json\">/api/openapi.json</a>.</noscript>"
        "<script src=\"/vendor/redoc.standalone.js\"></script><script src=\"/api-docs.js\"></script>"
        "</body></html>";
    /* Redoc injects its styles at run time (style elements) and runs search in a blob: worker */
    bc_res_header(req, "Content-Security-Policy",
                  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                  "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
                  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    bc_res_send(req, 200, "text/html; charset=utf-8", page, sizeof page - 1);
}

/* ---- OpenAPI 3.1 ---- */

/* Tags of the document, in order, with their descriptions. */
static const struct {
    const char *name, *doc;
} tags[] = {
    {"auth", "Accounts and tokens: sign up, sign in, rotate and revoke refresh tokens."},
    {"admin", "The operator's console: user roles and blocking."},
    {"catalog", "Categories and products; sellers manage their own products."},
    {"media", "Product image uploads and the uploaded images themselves."},
    {"lives", "Live shows: scheduling, the stream key, pinned products, ending."},
    {"chat", "A live's chat history (the same path is the chat WebSocket)."},
    {"moderation", "Chat moderation of a live: deletes, mutes, bans, banned words, slow mode, chat mode, freeze, "
                   "the notice, moderators, questions and the moderation log."}, /* chat moderation */
    {"sellers", "Following sellers (followers-only chats)."},                    /* accounts */
    {"reviews", "Reviews of delivered order lines: photos, likes, the seller's reply, hiding, the product's "
                "summary."}, /* reviews */
    {"cart", "The buyer's cart."},
    {"orders", "Orders, cancels and the seller's fulfilment."},
    {"stock", "Holds of the buy sheet, purchase limits and the stock ledger."}, /* stock */
    {"coupons", "Seller and admin coupons: claiming, my coupons, the checkout quote, issuing to followers."},
    {"payments", "Payment configuration and the confirm step of the Toss payment flow."},
    {"points", "Points: balance, history, daily attendance, charging points through the gateway and the admin's "
               "rates and adjustments."}, /* points */
    {"subscriptions", "Subscriptions: the operator's plans, subscribing with a Toss billing key (자동결제), renewal "
                      "once per period, cancel at the end of the period."}, /* subscriptions */
    {"notifications", "Order, shipment and payment notifications (also pushed on the WebSocket /api/v1/me/events) and "
                      "the admin's mail outbox."}, /* notices */
    /* inquiries, announcements */
    {"inquiries", "1:1 inquiries to sellers and the operator, and product Q&A."},
    {"announcements", "The operator's notices (공지사항) and sellers' announcements."},
    {"ops", "Health, this document and its human-readable page."},
    {"sandbox-pg", "The built-in payment gateway sandbox (a Toss Payments look-alike for development and tests)."},
    {"sandbox-idp",
     "The built-in identity provider sandbox: Kakao, Naver and Google look-alikes for the demo and tests "
     "(accounts: social sign-in)."},
    {"internal", "Callbacks from the nginx-rtmp child (loopback only)."},
};

static json_t *field_schema(const bc_field *f, int in_query);

/* The JSON Schema of an object made of fields (properties, required, additionalProperties: false). */
static json_t *fields_schema(const bc_field *fields)
{
    json_t *props = json_object(), *required = json_array();
    for (const bc_field *f = fields; f->name; f++) {
        json_object_set_new(props, f->name, field_schema(f, 0));
        if (f->required)
            json_array_append_new(required, json_string(f->name));
    }
    json_t *s = json_pack("{s:s,s:o,s:b}", "type", "object", "properties", props, "additionalProperties", 0);
    if (json_array_size(required))
        json_object_set_new(s, "required", required);
    else
        json_decref(required);
    return s;
}

static json_t *field_schema(const bc_field *f, int in_query)
{
    static const char *types[] = {"string", "integer", "boolean", "object", "array", NULL};
    json_t *s = json_object();
    if (f->type == BC_F_OBJ && f->fields) {
        json_decref(s);
        s = fields_schema(f->fields);
    } else if (types[f->type]) {
        /* an optional body field may be given as null (it then counts as absent) */
        if (!in_query && (f->nullable || !f->required))
            json_object_set_new(s, "type", json_pack("[s,s]", types[f->type], "null"));
        else
            json_object_set_new(s, "type", json_string(types[f->type]));
    }
    if (f->min || f->max) {
        const char *lo = f->type == BC_F_INT ? "minimum" : f->type == BC_F_STR ? "minLength" : "minItems";
        const char *hi = f->type == BC_F_INT ? "maximum" : f->type == BC_F_STR ? "maxLength" : "maxItems";
        if (f->type == BC_F_INT || f->type == BC_F_STR || f->type == BC_F_ARR) {
            json_object_set_new(s, lo, json_integer(f->min));
            if (f->max != INT64_MAX) /* "no upper bound" (ids): JSON clients cannot hold 2^63-1 exactly */
                json_object_set_new(s, hi, json_integer(f->max));
        }
    }
    if (f->enums) {
        json_t *e = json_array();
        for (const char *const *v = f->enums; *v; v++)
            json_array_append_new(e, json_string(*v));
        if (!in_query && !f->required)
            json_array_append_new(e, json_null());
        json_object_set_new(s, "enum", e);
    }
    if (f->type == BC_F_ARR)
        json_object_set_new(s, "items", f->items ? field_schema(f->items, 1) : json_object());
    if (f->type == BC_F_STR && f->text != BC_TEXT_OPAQUE)
        json_object_set_new(s, "x-text", json_string(f->text == BC_TEXT_MULTI ? "multi-line" : "single-line"));
    if (f->def) {
        json_int_t n;
        char *end;
        n = strtoll(f->def, &end, 10);
        json_object_set_new(s, "default",
                            f->type == BC_F_INT && *end == 0 ? json_integer(n)
                            : f->type == BC_F_BOOL           ? json_boolean(strcmp(f->def, "true") == 0)
                                                             : json_string(f->def));
    }
    if (f->example) {
        json_t *ex = json_loads(f->example, JSON_DECODE_ANY, NULL);
        if (ex)
            json_object_set_new(s, "examples", json_pack("[o]", ex));
    }
    if (f->doc)
        json_object_set_new(s, "description", json_string(f->doc));
    return s;
}

/* Adds schema sc (and the schemas it references) to components/schemas. */
static void add_schema(json_t *schemas, const bc_schema *sc)
{
    if (!sc || json_object_get(schemas, sc->name))
        return;
    json_error_t err;
    json_t *j = json_loads(sc->json, 0, &err);
    if (!j) {
        bc_log_error("http", "schema %s: %s (line %d)", sc->name, err.text, err.line);
        abort(); /* a broken table is a build defect; the OpenAPI test catches it */
    }
    json_object_set_new(schemas, sc->name, j);
    for (const bc_schema *const *r = sc->refs; r && *r; r++)
        add_schema(schemas, *r);
}

/* The schema of path parameter name in path. */
static json_t *path_param_schema(const char *path, const char *name, size_t len)
{
    if (strstr(path, "/orders/{id}"))
        return json_pack("{s:[{s:s,s:i},{s:s,s:s}],s:s}", "oneOf", "type", "integer", "minimum", 1, "type", "string",
                         "pattern", "^[A-Za-z0-9_-]{6,64}$", "description", "the order's id or its orderId");
    if ((len == 2 && memcmp(name, "id", 2) == 0) || (len > 3 && memcmp(name + len - 3, "_id", 3) == 0))
        return json_pack("{s:s,s:i}", "type", "integer", "minimum", 1);
    return json_pack("{s:s,s:i,s:i}", "type", "string", "minLength", 1, "maxLength", 200);
}

/* Adds code to the set by status: codes[status] = [code…] (no duplicates). */
static void add_code(json_t *by_status, const char *code)
{
    const bc_error_code *e = bc_http_error_find(code);
    if (!e) {
        bc_log_error("http", "route table names unknown error code %s", code);
        return;
    }
    char st[8];
    snprintf(st, sizeof st, "%d", e->status);
    json_t *list = json_object_get(by_status, st);
    if (!list) {
        list = json_array();
        json_object_set_new(by_status, st, list);
    }
    size_t i;
    json_t *v;
    json_array_foreach (list, i, v)
        if (strcmp(json_string_value(v), code) == 0)
            return;
    json_array_append_new(list, json_string(code));
}

/* Error codes a field tree can answer beyond VALIDATION_FAILED (bc_field.code). */
static void add_field_codes(json_t *by_status, const bc_field *fields)
{
    for (const bc_field *f = fields; f && f->name; f++) {
        if (f->code)
            add_code(by_status, f->code);
        if (f->fields)
            add_field_codes(by_status, f->fields);
        if (f->items) {
            if (f->items->code)
                add_code(by_status, f->items->code);
            add_field_codes(by_status, f->items->fields);
        }
    }
}

/* The operation's error responses: the codes its row implies plus route->errors. */
static void add_error_responses(const bc_route *r, json_t *responses)
{
    int toss = strncmp(r->path, "/sandbox-pg/v1/", 15) == 0;
    if (toss) { /* the sandbox gateway answers in Toss's own error format; the router's own query check does not */
        json_object_set_new(
            responses, "400",
            json_pack(
                "{s:s,s:{s:{s:{s:[{s:s},{s:s}]}}}}", "description",
                "Toss-format error {code, message}, or `INVALID_QUERY` (Broadcart's format) for a query parameter",
                "content", "application/json", "schema", "oneOf", "$ref", "#/components/schemas/TossError", "$ref",
                "#/components/schemas/Error"));
        json_object_set_new(responses, "4XX",
                            json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", "Toss-format error {code, message}",
                                      "content", "application/json", "schema", "$ref",
                                      "#/components/schemas/TossError"));
        return;
    }
    json_t *by = json_object();
    add_code(by, "INVALID_QUERY");
    if (r->query)
        add_code(by, "VALIDATION_FAILED");
    if (r->roles) {
        add_code(by, "UNAUTHENTICATED");
        add_code(by, "FORBIDDEN");
    }
    if (r->roles || (r->flags & BC_RT_OPTIONAL_AUTH))
        add_code(by, "INVALID_TOKEN");
    if (r->flags & BC_RT_LOOPBACK)
        add_code(by, "FORBIDDEN");
    if (r->body) {
        add_code(by, "INVALID_JSON");
        add_code(by, "PAYLOAD_TOO_LARGE");
        add_code(by, "UNSUPPORTED_MEDIA_TYPE");
        add_code(by, "VALIDATION_FAILED");
        add_field_codes(by, r->body);
    }
    for (const char *const *c = r->errors; c && *c; c++)
        add_code(by, *c);
    if (strchr(r->path, '{') && !json_object_get(by, "404"))
        add_code(by, "NOT_FOUND");
    if (!(r->flags & BC_RT_INLINE))
        add_code(by, "BUSY");
    add_code(by, "INTERNAL");
    const char *st;
    json_t *codes;
    json_object_foreach (by, st, codes) {
        if ((r->flags & BC_RT_PAGE) && strcmp(st, "400") == 0 && !r->errors) {
            json_object_set_new(responses, st,
                                json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", "bad query parameters (an HTML page)",
                                          "content", "text/html", "schema", "type", "string"));
            continue;
        }
        char desc[1024];
        size_t n = 0;
        size_t i;
        json_t *c;
        json_array_foreach (codes, i, c) {
            const bc_error_code *e = bc_http_error_find(json_string_value(c));
            n += (size_t)snprintf(desc + n, n < sizeof desc ? sizeof desc - n : 0, "%s`%s`: %s", i ? "\n\n" : "",
                                  e->code, e->doc);
            if (n >= sizeof desc)
                n = sizeof desc - 1;
        }
        json_t *schema = json_pack("{s:s,s:[s],s:{s:{s:s,s:[s,s],s:{s:{s:[{s:s}],s:O},s:{s:s}}}}}", "type", "object",
                                   "required", "error", "properties", "error", "type", "object", "required", "code",
                                   "message", "properties", "code", "allOf", "$ref", "#/components/schemas/ErrorCode",
                                   "enum", codes, "message", "type", "string");
        json_t *resp =
            json_pack("{s:s,s:{s:{s:o}}}", "description", desc, "content", "application/json", "schema", schema);
        if (strcmp(st, "503") == 0)
            json_object_set_new(resp, "headers",
                                json_pack("{s:{s:s,s:{s:s}}}", "Retry-After", "description", "seconds to wait",
                                          "schema", "type", "integer"));
        json_object_set_new(responses, st, resp);
    }
    json_decref(by);
}

/* operationId from method and path: "get_api_v1_products_id". */
static json_t *operation_id(const bc_route *r)
{
    char id[160];
    size_t n = 0;
    for (const char *m = r->method; *m && n < 16; m++)
        id[n++] = (char)(*m | 0x20);
    for (const char *p = r->path; *p && n + 2 < sizeof id; p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            id[n++] = c;
        else if (c == '/' || c == '_' || c == '-' || c == '.')
            id[n++] = '_';
    }
    id[n] = 0;
    return json_string(id);
}

json_t *bc_http_openapi(void)
{
    json_t *paths = json_object(), *schemas = json_object();
    for (int i = 0; i < nroutes; i++) {
        const bc_route *r = routes[i];
        json_t *item = json_object_get(paths, r->path);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, r->path, item);
        }
        json_t *op = json_object();
        char lower[16];
        size_t k = 0;
        for (; r->method[k] && k < sizeof lower - 1; k++)
            lower[k] = (char)(r->method[k] | 0x20);
        lower[k] = 0;
        const char *summary = r->summary ? r->summary : "";
        const char *colon = strstr(summary, ": ");
        /* a long summary is split: the short part is the summary, the whole text the description */
        if (strlen(summary) > 60 && colon)
            json_object_set_new(op, "summary", json_stringn(summary, (size_t)(colon - summary)));
        else
            json_object_set_new(op, "summary", json_string(summary));
        json_object_set_new(op, "description", json_string(summary));
        json_object_set_new(op, "operationId", operation_id(r));
        if (r->flags & BC_RT_INTERNAL) /* the x-internal convention: tools leave these out of client docs */
            json_object_set_new(op, "x-internal", json_true());
        if (r->flags & BC_RT_LOOPBACK)
            json_object_set_new(op, "x-loopback-only", json_true());
        if (r->tag)
            json_object_set_new(op, "tags", json_pack("[s]", r->tag));
        json_t *params = json_array();
        for (const char *p = strchr(r->path, '{'); p; p = strchr(p + 1, '{')) {
            const char *close = strchr(p, '}');
            json_array_append_new(params, json_pack("{s:s%,s:s,s:b,s:o}", "name", p + 1, (size_t)(close - p - 1), "in",
                                                    "path", "required", 1, "schema",
                                                    path_param_schema(r->path, p + 1, (size_t)(close - p - 1))));
        }
        for (const bc_field *q = r->query; q && q->name; q++) {
            json_t *qp = json_pack("{s:s,s:s,s:b,s:o}", "name", q->name, "in", "query", "required", q->required,
                                   "schema", field_schema(q, 1));
            if (q->doc)
                json_object_set_new(qp, "description", json_string(q->doc));
            json_array_append_new(params, qp);
        }
        if (json_array_size(params))
            json_object_set_new(op, "parameters", params);
        else
            json_decref(params);
        if (r->body) {
            int any_required = 0;
            for (const bc_field *f = r->body; f->name; f++)
                any_required |= f->required;
            json_object_set_new(op, "requestBody",
                                json_pack("{s:b,s:{s:{s:o}}}", "required", any_required, "content", "application/json",
                                          "schema", fields_schema(r->body)));
        } else if (r->req_type) {
            json_t *content = json_object();
            char one[64];
            for (const char *t = r->req_type; *t;) {
                size_t len = strcspn(t, " ");
                snprintf(one, sizeof one, "%.*s", (int)len, t);
                json_object_set_new(
                    content, one,
                    strcmp(one, "application/json") == 0 ? json_pack("{s:{s:s}}", "schema", "type", "object")
                    : strncmp(one, "image/", 6) == 0
                        ? json_pack("{s:{s:s,s:s}}", "schema", "type", "string", "contentMediaType", one)
                        : json_pack("{s:{s:s}}", "schema", "type", "object"));
                t += len;
                while (*t == ' ')
                    t++;
            }
            json_object_set_new(op, "requestBody", json_pack("{s:b,s:o}", "required", 1, "content", content));
        }
        if (r->roles) {
            json_t *roles = json_array();
            if (r->roles & BC_ROLE_BUYER)
                json_array_append_new(roles, json_string("buyer"));
            if (r->roles & BC_ROLE_SELLER)
                json_array_append_new(roles, json_string("seller"));
            if (r->roles & BC_ROLE_ADMIN)
                json_array_append_new(roles, json_string("admin"));
            json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearerAuth"));
            json_object_set_new(op, "x-roles", roles);
        } else if (r->token) { /* loopback, or the route's own bearer token */
            json_object_set_new(op, "security", json_pack("[{},{s:[]}]", "metricsToken"));
        } else if (r->flags & BC_RT_OPTIONAL_AUTH) {
            json_object_set_new(op, "security", json_pack("[{},{s:[]}]", "bearerAuth"));
        } else {
            json_object_set_new(op, "security", json_array());
        }
        char status[8];
        snprintf(status, sizeof status, "%d", r->status ? r->status : 200);
        json_t *ok = json_pack("{s:s}", "description", r->status == 204 ? "done (no body)" : "success");
        if (r->response) {
            add_schema(schemas, r->response);
            char ref[128];
            snprintf(ref, sizeof ref, "#/components/schemas/%s", r->response->name);
            json_object_set_new(
                ok, "content",
                json_pack("{s:{s:{s:s}}}", r->res_type ? r->res_type : "application/json", "schema", "$ref", ref));
        } else if (r->res_type) {
            json_object_set_new(ok, "content", json_pack("{s:{s:{s:s}}}", r->res_type, "schema", "type", "string"));
        }
        if (r->location)
            json_object_set_new(ok, "headers",
                                json_pack("{s:{s:s,s:{s:s}}}", "Location", "description", "the created resource",
                                          "schema", "type", "string"));
        json_t *responses = json_pack("{s:o}", status, ok);
        add_error_responses(r, responses);
        json_object_set_new(op, "responses", responses);
        json_object_set_new(item, lower, op);
    }
    json_t *codes = json_array();
    char table[8192];
    size_t n = (size_t)snprintf(table, sizeof table, "| code | HTTP status | meaning |\n|---|---|---|\n");
    for (const bc_error_code *e = bc_http_errors; e->code; e++) {
        json_array_append_new(codes, json_string(e->code));
        n += (size_t)snprintf(table + n, n < sizeof table ? sizeof table - n : 0, "| `%s` | %d | %s |\n", e->code,
                              e->status, e->doc);
        if (n >= sizeof table)
            n = sizeof table - 1;
    }
    json_object_set_new(schemas, "ErrorCode",
                        json_pack("{s:s,s:o,s:s}", "type", "string", "enum", codes, "description", table));
    json_object_set_new(schemas, "Error",
                        json_pack("{s:s,s:[s],s:{s:{s:s,s:[s,s],s:{s:{s:s},s:{s:s}}}}}", "type", "object", "required",
                                  "error", "properties", "error", "type", "object", "required", "code", "message",
                                  "properties", "code", "$ref", "#/components/schemas/ErrorCode", "message", "type",
                                  "string"));
    json_object_set_new(schemas, "TossError",
                        json_pack("{s:s,s:[s,s],s:{s:{s:s},s:{s:s}}}", "type", "object", "required", "code", "message",
                                  "properties", "code", "type", "string", "message", "type", "string"));
    json_t *tag_list = json_array();
    for (size_t t = 0; t < sizeof tags / sizeof *tags; t++)
        json_array_append_new(tag_list, json_pack("{s:s,s:s}", "name", tags[t].name, "description", tags[t].doc));
    return json_pack(
        "{s:s,s:{s:s,s:s,s:s,s:{s:s,s:s}},s:[{s:s,s:s}],s:o,s:o,s:{s:{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s}},s:o}}",
        "openapi", "3.1.0", "info", "title", "Broadcart API", "version", "1.0.0", "description",
        "Live-commerce REST API. Errors are {\"error\":{\"code\",\"message\"}} with the codes of the ErrorCode schema. "
        "Amounts are integer KRW; times are ISO-8601 UTC or integer UTC milliseconds (fields ending in _ms). "
        "Undocumented query parameters are refused (400 INVALID_QUERY).",
        "license", "name", "Proprietary", "identifier", "LicenseRef-Broadcart", "servers", "url",
        "http://127.0.0.1:8080", "description", "a local Broadcart (BROADCART_HTTP_PORT; paths are absolute)", "tags",
        tag_list, "paths", paths, "components", "securitySchemes", "bearerAuth", "type", "http", "scheme", "bearer",
        "bearerFormat", "JWT", "metricsToken", "type", "http", "scheme", "bearer", "description",
        "BROADCART_METRICS_TOKEN, for scrapers that are not on loopback", "schemas", schemas);
}
