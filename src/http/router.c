/* The route table: matching (method + path pattern with {name} segments) and the OpenAPI 3.1
 * document, both read from the same rows. */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 256

static const bc_route *routes[MAX_ROUTES];
static int nroutes;

void bc_http_register(const bc_route *table)
{
    for (const bc_route *r = table; r->method; r++) {
        if (nroutes == MAX_ROUTES) {
            bc_log_error("http", "route table full");
            abort();
        }
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

/* ---- OpenAPI 3.1 ---- */
static json_t *field_schema(const bc_field *f)
{
    static const char *types[] = {"string", "integer", "boolean", "object", "array", NULL};
    json_t *s = json_object();
    if (types[f->type])
        json_object_set_new(s, "type", json_string(types[f->type]));
    if (f->min || f->max) {
        const char *lo = f->type == BC_F_INT ? "minimum" : f->type == BC_F_STR ? "minLength" : "minItems";
        const char *hi = f->type == BC_F_INT ? "maximum" : f->type == BC_F_STR ? "maxLength" : "maxItems";
        json_object_set_new(s, lo, json_integer(f->min));
        json_object_set_new(s, hi, json_integer(f->max));
    }
    if (f->doc)
        json_object_set_new(s, "description", json_string(f->doc));
    return s;
}

json_t *bc_http_openapi(void)
{
    json_t *paths = json_object();
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
        json_object_set_new(op, "summary", json_string(r->summary ? r->summary : ""));
        json_object_set_new(op, "operationId", json_sprintf("%s %s", r->method, r->path));
        if (r->flags & BC_RT_INTERNAL) /* the x-internal convention: tools leave these out of client docs */
            json_object_set_new(op, "x-internal", json_true());
        if (r->flags & BC_RT_LOOPBACK)
            json_object_set_new(op, "x-loopback-only", json_true());
        if (r->tag)
            json_object_set_new(op, "tags", json_pack("[s]", r->tag));
        json_t *params = json_array();
        for (const char *p = strchr(r->path, '{'); p; p = strchr(p + 1, '{')) {
            const char *close = strchr(p, '}');
            json_array_append_new(params, json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name", p + 1, (size_t)(close - p - 1),
                                                    "in", "path", "required", 1, "schema", "type", "string"));
        }
        if (json_array_size(params))
            json_object_set_new(op, "parameters", params);
        else
            json_decref(params);
        if (r->body) {
            json_t *props = json_object(), *required = json_array();
            for (const bc_field *f = r->body; f->name; f++) {
                json_object_set_new(props, f->name, field_schema(f));
                if (f->required)
                    json_array_append_new(required, json_string(f->name));
            }
            json_object_set_new(op, "requestBody",
                                json_pack("{s:b,s:{s:{s:{s:s,s:o,s:o,s:b}}}}", "required", 1, "content",
                                          "application/json", "schema", "type", "object", "properties", props,
                                          "required", required, "additionalProperties", 0));
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
        }
        char status[8];
        snprintf(status, sizeof status, "%d", r->status ? r->status : 200);
        json_object_set_new(op, "responses",
                            json_pack("{s:{s:s},s:{s:s,s:{s:{s:{s:s}}}}}", status, "description", "success", "default",
                                      "description", "error", "content", "application/json", "schema", "$ref",
                                      "#/components/schemas/Error"));
        json_object_set_new(item, lower, op);
    }
    return json_pack("{s:s,s:{s:s,s:s,s:s},s:o,s:{s:{s:{s:s,s:s,s:s}},s:{s:{s:s,s:{s:{s:s,s:{s:{s:s},s:{s:s}}}}}}}}",
                     "openapi", "3.1.0", "info", "title", "Broadcart API", "version", "1.0.0", "description",
                     "Live-commerce REST API. Errors are {\"error\":{\"code\",\"message\"}}. Amounts are integer KRW.",
                     "paths", paths, "components", "securitySchemes", "bearerAuth", "type", "http", "scheme", "bearer",
                     "bearerFormat", "JWT", "schemas", "Error", "type", "object", "properties", "error", "type",
                     "object", "properties", "code", "type", "string", "message", "type", "string");
}
