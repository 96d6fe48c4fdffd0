/* See fuzz_common.h. */
#include "fuzz_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../src/accounts/accounts.h"
#include "../src/app.h"
#include "../src/catalog/catalog.h"
#include "../src/chat/chat.h"
#include "../src/commerce/commerce.h"
#include "../src/live/live.h"
#include "../src/media/media.h"
#include "../src/payments/payments.h"

void fz_init_process(void)
{
    bc_log_set_level(BC_LOG_ERROR);
    if (bc_config_load(&bc_cfg) != BC_OK)
        abort();
}

void fz_register_routes(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    bc_app_register_routes();
}

static int fz_peer_loopback;

static socklen_t fz_get_peername(h2o_conn_t *conn, struct sockaddr *sa)
{
    (void)conn;
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(40000)};
    in.sin_addr.s_addr = htonl(fz_peer_loopback ? 0x7f000001u : 0xc0000201u);
    memcpy(sa, &in, sizeof in);
    return sizeof in;
}

static const h2o_conn_callbacks_t fz_conn_callbacks = {.get_peername = fz_get_peername};

int fz_hreq_init(fz_hreq *h, const fz_input *in)
{
    memset(h, 0, sizeof *h);
    h2o_mem_init_pool(&h->pool);
    if (in->nheaders > FZ_MAX_HEADERS)
        return -1;
    h->conn.callbacks = &fz_conn_callbacks;
    fz_peer_loopback = in->peer_loopback;
    h2o_req_t *r = &h->req;
    r->conn = &h->conn;
    r->method = h2o_iovec_init(in->method, in->method_len);
    r->path = h2o_iovec_init(in->path, in->path_len);
    r->authority = h2o_iovec_init(in->authority, in->authority_len);
    r->path_normalized = h2o_url_normalize_path(&h->pool, in->path, in->path_len, &r->query_at, &r->norm_indexes);
    for (size_t i = 0; i < in->nheaders; i++) {
        char *name = h2o_mem_alloc_pool(&h->pool, in->headers[i].name_len + 1);
        memcpy(name, in->headers[i].name, in->headers[i].name_len);
        name[in->headers[i].name_len] = 0;
        h2o_strtolower(name, in->headers[i].name_len);
        h->names[i] = h2o_iovec_init(name, in->headers[i].name_len);
        h->entries[i].name = &h->names[i];
        h->entries[i].orig_name = in->headers[i].name;
        h->entries[i].value = h2o_iovec_init(in->headers[i].value, in->headers[i].value_len);
    }
    r->headers.entries = h->entries;
    r->headers.size = in->nheaders;
    r->headers.capacity = FZ_MAX_HEADERS;
    if (in->body)
        r->entity = h2o_iovec_init(in->body, in->body_len);
    return 0;
}

void fz_hreq_dispose(fz_hreq *h) { h2o_mem_clear_pool(&h->pool); }

int fz_authenticate(const char *token, bc_auth *out)
{
    static const struct {
        const char *prefix;
        int role;
    } roles[] = {{"buyer:", BC_ROLE_BUYER}, {"seller:", BC_ROLE_SELLER}, {"admin:", BC_ROLE_ADMIN}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        size_t n = strlen(roles[i].prefix);
        int64_t id;
        if (strncmp(token, roles[i].prefix, n) == 0 && bc_parse_i64(token + n, 1, INT64_MAX, &id) == BC_OK) {
            out->user_id = id;
            out->role = roles[i].role;
            snprintf(out->name, sizeof out->name, "fuzz %s", roles[i].prefix);
            return BC_OK;
        }
    }
    return BC_EINVAL;
}

int fz_prepare_request(fz_hreq *h, bc_req *r, int *routed)
{
    h2o_req_t *hreq = &h->req;
    size_t plen = hreq->query_at != SIZE_MAX ? hreq->query_at : hreq->path.len;
    bc_route_match m;
    *routed = 0;
    if (!bc_http_path_ok(hreq))
        return 400;
    int found = bc_router_match(hreq->method.base, hreq->method.len, hreq->path.base, plen, &m);
    if (found == BC_ROUTER_NONE)
        return 404;
    bc_req_init(r, hreq, found == BC_ROUTER_OK ? m.route : NULL, &m);
    *routed = 1;
    if (found == BC_ROUTER_BAD_METHOD)
        return 405;
    if (bc_http_check_request(hreq, r, m.route, fz_authenticate) != BC_OK)
        return r->res_status;
    return 0;
}

void fz_read_request(bc_req *r, const char *extra_name)
{
    static const char *const queries[] = {"access_token", "amount",    "category_id", "failUrl",  "limit",
                                          "orderId",      "orderName", "page",        "per_page", "q",
                                          "sort",         "status",    "successUrl",  "token",    NULL};
    static const char *const headers[] = {
        "authorization", "content-type", "idempotency-key", "tosspayments-test-code", "host", "x-forwarded-for", NULL};
    volatile size_t sink = 0; /* keep the reads */
    for (int i = 0; i < r->nparams; i++) {
        int64_t id;
        const char *v = bc_req_param(r, r->params[i].name);
        sink += v ? strlen(v) : 0;
        if (bc_req_param_id(r, r->params[i].name, &id) == BC_OK)
            sink += (size_t)id;
    }
    for (int i = 0; queries[i]; i++) {
        const char *v = bc_req_query(r, queries[i]);
        sink += v ? strlen(v) : 0;
    }
    if (extra_name) {
        const char *v = bc_req_query(r, extra_name);
        sink += v ? strlen(v) : 0;
    }
    for (int i = 0; headers[i]; i++) {
        const char *v = bc_req_header(r, headers[i]);
        sink += v ? strlen(v) : 0;
    }
    size_t blen;
    sink += bc_req_body(r, &blen) ? blen : 0;
    sink += strlen(bc_req_origin(r)) + strlen(bc_req_path(r)) + strlen(bc_req_method(r));
    (void)sink;
}
