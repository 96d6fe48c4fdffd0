/* fuzz_body_schema: a JSON request body against the body schema of every registered route.
 * Input: one selector byte, then the body. The body is parsed once (as bc_req_validate_body
 * parses it: JSON_REJECT_DUPLICATES) and checked with bc_http_validate_fields against every
 * route's schema; then the route picked by the selector gets the whole request path
 * (bc_req_validate_body, which also handles the empty body and answers 400/422). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY_ROUTES 256
static const bc_route *body_routes[MAX_BODY_ROUTES];
static size_t nbody_routes;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init_process();
    fz_register_routes();
    /* the routes with a body schema, found through the router like a client would reach them */
    json_t *doc = bc_http_openapi();
    json_t *paths = json_object_get(doc, "paths"), *item;
    const char *path;
    json_object_foreach (paths, path, item) {
        const char *method;
        json_t *op;
        json_object_foreach (item, method, op) {
            char upper[16], concrete[256];
            size_t k = 0, o = 0;
            for (; method[k] && k < sizeof upper - 1; k++)
                upper[k] = (char)(method[k] & ~0x20);
            upper[k] = 0;
            for (const char *p = path; *p && o < sizeof concrete - 2; p++) { /* {id} -> 1 */
                if (*p == '{') {
                    concrete[o++] = '1';
                    p = strchr(p, '}');
                    if (!p)
                        break;
                } else {
                    concrete[o++] = *p;
                }
            }
            concrete[o] = 0;
            bc_route_match m;
            if (bc_router_match(upper, k, concrete, o, &m) == BC_ROUTER_OK && m.route->body &&
                nbody_routes < MAX_BODY_ROUTES)
                body_routes[nbody_routes++] = m.route;
        }
    }
    json_decref(doc);
    if (nbody_routes == 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const bc_route *route = body_routes[data[0] % nbody_routes];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    char msg[256];

    json_error_t err;
    json_t *json = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (json) {
        for (size_t i = 0; i < nbody_routes; i++)
            bc_http_validate_fields(json, body_routes[i]->body, msg, sizeof msg);
        json_decref(json);
    }

    /* the selected route, as server.c runs it */
    fz_input in = {.method = route->method,
                   .method_len = strlen(route->method),
                   .path = "/",
                   .path_len = 1,
                   .authority = "127.0.0.1",
                   .authority_len = 9,
                   .body = body,
                   .body_len = len};
    fz_hreq h;
    bc_req r;
    if (fz_hreq_init(&h, &in) == 0) {
        bc_req_init(&r, &h.req, route, NULL);
        if (bc_req_validate_body(&r, route) != BC_OK && (r.res_status != 400 && r.res_status != 422))
            abort(); /* a schema failure is always 400 (not JSON) or 422 (not the schema) */
        bc_req_cleanup(&r);
    }
    fz_hreq_dispose(&h);
    return 0;
}
