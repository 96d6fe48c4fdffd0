/* Private to src/http: h2o types and the pieces shared by server.c, request.c, router.c, ws.c. */
#ifndef BC_HTTP_INT_H
#define BC_HTTP_INT_H

#include <h2o.h>
#include <h2o/multithread.h>
#include <h2o/websocket.h>

#include "http.h"

#define BC_MAX_PARAMS 4

typedef struct bc_http_loop {
    int index;
    int listen_fd;
    pthread_t thread;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_multithread_receiver_t done_receiver; /* finished handler jobs */
    h2o_multithread_receiver_t hub_receiver;  /* room broadcasts */
    void *rooms;                              /* ws.c: this loop's room table */
    void *gates;                              /* server.c: this loop's admission gates (bc_route.gate) */
} bc_http_loop;

typedef struct bc_route_match {
    const bc_route *route;
    int slot; /* the route's metrics slot (bc_metrics_route), set with route */
    int nparams;
    const char *names[BC_MAX_PARAMS];
    size_t name_lens[BC_MAX_PARAMS];
    const char *values[BC_MAX_PARAMS];
    size_t value_lens[BC_MAX_PARAMS];
} bc_route_match;

typedef struct bc_kv {
    const char *name, *value;
} bc_kv;

typedef struct bc_res_hdr {
    struct bc_res_hdr *next;
    const char *name, *value;
} bc_res_hdr;

struct bc_req {
    bc_arena *arena;
    const bc_route *route;
    const char *method, *path, *query, *origin;
    bc_kv params[BC_MAX_PARAMS];
    int nparams;
    bc_kv *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
    json_t *json;
    bc_auth auth;
    int authed;
    int peer_loopback;            /* set only for BC_RT_LOOPBACK routes: the client address is loopback */
    int metric_slot;              /* bc_metrics_http slot: the route's, or BC_METRICS_UNMATCHED */
    struct sockaddr_storage peer; /* TCP peer, copied at init (h2o caches it per connection) */
    socklen_t peer_len;           /* 0 when unknown */
    const char *client_ip;        /* bc_req_client_ip, computed on first use */
    bc_db *db;
    const char *request_id; /* X-Request-Id of this request (incoming when sane, else generated) */
    const char **qvals;     /* validated query values, indexed like route->query (NULL = absent) */
    /* response */
    int res_set;
    int res_status;
    const char *res_type;
    char *res_body;
    size_t res_len;
    bc_res_hdr *res_headers;
    const char *res_file; /* bc_res_file: the file to send instead of res_body (arena copy) */
};

typedef struct bc_job {
    h2o_multithread_message_t super;
    bc_http_loop *loop;
    h2o_req_t *hreq; /* NULL once the client went away */
    struct bc_job **ref;
    const bc_route *route;
    bc_req req;
    void (*deferred_fn)(bc_db *db, void *arg);
    void *deferred_arg;
    int64_t gate_key;      /* admitted through the loop's gate of this key (0: none) */
    struct bc_job *parked; /* next job waiting at the same gate */
} bc_job;

enum { BC_ROUTER_OK = 0, BC_ROUTER_NONE = 1, BC_ROUTER_BAD_METHOD = 2 };

/* router.c */
int bc_router_match(const char *method, size_t mlen, const char *path, size_t plen, bc_route_match *m);
int bc_router_match_pattern(const char *pattern, const char *path, size_t plen, bc_route_match *m);
/* Writes the methods the routes matching path accept into out as an RFC 9110 §10.2.1 Allow value
 * ("GET, HEAD, POST, OPTIONS": HEAD with GET, OPTIONS always). Returns the number of routes that
 * matched (0: out is left empty). */
int bc_router_allow(const char *path, size_t plen, char *out, size_t outlen);
/* The largest body limit over the registered routes and bc_cfg.max_body_bytes, bytes. */
size_t bc_router_max_body(void);

/* request.c */
void bc_req_init(bc_req *r, h2o_req_t *hreq, const bc_route *route, const bc_route_match *m);
void bc_req_cleanup(bc_req *r);
int bc_req_authorize(bc_req *r, const bc_route *route, bc_auth_fn auth);
/* Validates the query string (bc_req_validate_query), then the JSON body against the route's
 * fields; on failure sends the error (400/422) and returns BC_EINVAL. */
int bc_req_validate_body(bc_req *r, const bc_route *route);
/* Checks every query parameter against route->query (undocumented, repeated or malformed ones:
 * 400 INVALID_QUERY; a bad value: 422 VALIDATION_FAILED or the field's code; BC_RT_PAGE routes
 * answer 400 with an HTML page) and keeps the values for bc_req_query_str/int. BC_OK/BC_EINVAL. */
int bc_req_validate_query(bc_req *r, const bc_route *route);
/* Checks len bytes of s for valid UTF-8 and the characters text kind (enum bc_text) refuses;
 * on failure writes the reason ("is not valid UTF-8", …) into why. BC_OK or BC_EINVAL. */
int bc_http_text_check(const char *s, size_t len, int kind, char *why, size_t whylen);
/* As bc_http_validate_fields; *code (when code is not NULL) becomes the failing field's code. */
int bc_http_validate_fields_code(json_t *body, const bc_field *fields, const char **code, char *msg, size_t msglen);
/* Fills the Location header of a 201 from the route's template and the body (router.c). */
void bc_router_location(bc_req *r, int status, json_t *body);
const char *bc_http_reason(int status);
/* Parses BROADCART_TRUSTED_PROXIES (comma-separated IPv4/IPv6 addresses or CIDRs, e.g.
 * "10.0.0.0/8, ::1") into the process-wide list used by bc_req_client_ip. Call once before the
 * loops start. Returns BC_OK or BC_EINVAL (entry logged) on a malformed entry or more than 32. */
int bc_http_set_trusted_proxies(const char *list);
/* The client address of a request from TCP peer `peer` with X-Forwarded-For value xff (NULL when
 * absent), as text in out (>= 64 bytes); see bc_req_client_ip. Returns out. */
const char *bc_http_client_ip(const struct sockaddr *peer, socklen_t peer_len, const char *xff, char *out,
                              size_t outlen);
/* Validates a JSON object against fields; on failure writes a message into msg. BC_OK/BC_EINVAL. */
int bc_http_validate_fields(json_t *body, const bc_field *fields, char *msg, size_t msglen);

/* server.c */
bc_http_loop *bc_http_loops(int *n);
bc_http_loop *bc_http_current_loop(void);
/* Runs the account hook (bc_http_set_account_check) on auth; BC_OK when none is set. db NULL on
 * a loop thread. Returns the hook's code. */
int bc_http_check_account(bc_db *db, bc_auth *auth);
/* Looks up the HTTP/1 parser of libh2o-evloop behind the framing check (RFC 9112 §6.3) that
 * server.c interposes as phr_parse_request. Call once before any request is parsed. BC_OK, or
 * BC_ERR (logged) when the library's parser cannot be found. */
int bc_http_framing_init(void);
/* 0 when the request path, raw or percent-decoded (h2o's path_normalized), holds a C0 control
 * byte or DEL (e.g. "X.png%00.html"): such a path names no resource and is answered 400 BAD_PATH
 * before routing. Else 1. */
int bc_http_path_ok(h2o_req_t *hreq);
/* Runs the checks every routed request passes before its handler, in this order: body size
 * (413 PAYLOAD_TOO_LARGE), loopback-only routes (403 FORBIDDEN), authorisation with auth and the
 * route's roles (401/403), a JSON content type for a non-empty body on a route with a body schema
 * (415 UNSUPPORTED_MEDIA_TYPE), then the query parameters and body (400/422). Returns BC_OK, or
 * an error code with the error response set in r. */
int bc_http_check_request(h2o_req_t *hreq, bc_req *r, const bc_route *route, bc_auth_fn auth);

/* ws.c */
void bc_ws_loop_init(bc_http_loop *loop);
int bc_ws_try_upgrade(h2o_req_t *hreq, const char *client_key, const char *path, size_t plen, bc_auth_fn auth);

#endif
