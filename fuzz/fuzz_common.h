/* Shared by the libFuzzer targets in fuzz/: a bc_req built exactly as server.c builds one (through
 * bc_req_init from an h2o_req_t), the production route tables, and the request checks server.c
 * runs before a handler. Nothing here opens a socket, a database or a file. */
#ifndef BC_FUZZ_COMMON_H
#define BC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "../src/http/http_int.h"

#define FZ_MAX_HEADERS 100 /* h2o's H2O_MAX_HEADERS for HTTP/1 */

typedef struct fz_header {
    const char *name, *value;
    size_t name_len, value_len;
} fz_header;

/* One request as h2o hands it to server.c's on_req. Parts point into caller memory. */
typedef struct fz_input {
    const char *method, *path, *authority, *body; /* body NULL = no entity */
    size_t method_len, path_len, authority_len, body_len;
    const fz_header *headers;
    size_t nheaders;
    int peer_loopback; /* what getpeername reports: 127.0.0.1 or 192.0.2.1 */
} fz_input;

/* The h2o request behind a bc_req (memory owned by the struct; release with fz_hreq_dispose). */
typedef struct fz_hreq {
    h2o_mem_pool_t pool;
    h2o_req_t req;
    h2o_conn_t conn;
    h2o_iovec_t names[FZ_MAX_HEADERS];
    h2o_header_t entries[FZ_MAX_HEADERS];
} fz_hreq;

/* Registers the route tables bc_app_serve registers (keep in step with src/app.c), once. */
/* Once per fuzz process: errors-only logging and the default settings (bc_config_load); aborts
 * when the settings cannot be loaded. */
void fz_init_process(void);
void fz_register_routes(void);

/* Fills h from in the way h2o 2.2 does for HTTP/1: header names lower-cased, query_at from
 * h2o_url_normalize_path. Returns 0, or -1 when h2o would refuse the request (e.g. too many
 * headers). */
int fz_hreq_init(fz_hreq *h, const fz_input *in);
void fz_hreq_dispose(fz_hreq *h);

/* An authenticator for the fuzz build (no keys, no database): "buyer:<id>", "seller:<id>" and
 * "admin:<id>" are valid tokens of that role and user id; anything else is BC_EINVAL. */
int fz_authenticate(const char *token, bc_auth *out);

/* What server.c's on_req does with a request before it would run the handler, in the same order
 * (route match, bc_req_init, body limit, loopback-only routes, authorisation, body schema).
 * Returns the HTTP status server.c would answer without the handler (404, 405, 413, 403, 401,
 * 400, 422), or 0 when the handler would run. *routed is 1 when r was initialised (release it
 * with bc_req_cleanup), 0 for 404. This is the ONE place for request checks: a check added to
 * server.c or request.c (path bytes, framing, media type, query parameters) is called here, at
 * the point where on_req calls it. */
int fz_prepare_request(fz_hreq *h, bc_req *r, int *routed);

/* Reads the request the way the handlers do: every path parameter (as text and as an id), the
 * query parameters the handlers read plus one named by the input, and the headers they read. */
void fz_read_request(bc_req *r, const char *extra_name);

#endif
