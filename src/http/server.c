/* The h2o engine: listeners, event loops, worker pool, router dispatch, responses, static files.
 * Requests are parsed and authorised on the loop thread; handlers run on a worker thread with
 * their own database connection (unless BC_RT_INLINE), and the response is handed back to the
 * loop through an h2o_multithread queue. */
#include "http_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_STATIC 8
#define QUEUE_CAP 4096
#define PWHASH_QUEUE_CAP 256 /* password-hashing jobs waiting; more are refused with 503 */
#define PWHASH_NICE 10       /* added to the password-hashing threads' nice value */

struct static_dir {
    char prefix[64];
    char dir[512];
    int no_cache;
};

static struct {
    h2o_globalconf_t config;
    bc_http_loop *loops;
    int nloops;
    int port;
    atomic_int stopping;
    const char *db_path;
    bc_auth_fn auth;
    struct static_dir statics[MAX_STATIC];
    int nstatics;
    pthread_t *workers; /* worker pool */
} S;

/* A bounded job queue: the general pool's and the password-hashing pool's (BC_RT_PWHASH routes). */
typedef struct job_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bc_job **jobs;
    size_t cap, head, len;
} job_queue;

static bc_job *main_jobs[QUEUE_CAP], *pwhash_jobs[PWHASH_QUEUE_CAP];
static job_queue mainq = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, main_jobs, QUEUE_CAP, 0, 0};
static job_queue pwhashq = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, pwhash_jobs, PWHASH_QUEUE_CAP, 0, 0};
static pthread_t *pwhash_workers;

static __thread bc_http_loop *cur_loop;

void bc_http_set_authenticator(bc_auth_fn fn) { S.auth = fn; }
int bc_http_port(void) { return S.port; }
void bc_http_stop(void) { atomic_store(&S.stopping, 1); }

void bc_http_add_static(const char *url_prefix, const char *dir, int no_cache)
{
    if (S.nstatics == MAX_STATIC)
        return;
    struct static_dir *d = &S.statics[S.nstatics++];
    snprintf(d->prefix, sizeof d->prefix, "%s", url_prefix);
    snprintf(d->dir, sizeof d->dir, "%s", dir);
    d->no_cache = no_cache;
}

bc_http_loop *bc_http_loops(int *n)
{
    *n = S.nloops;
    return S.loops;
}

bc_http_loop *bc_http_current_loop(void) { return cur_loop; }

/* ---- worker pool ---- */
/* Two bounded pools: the general one (BROADCART_WORKERS threads) and a small one for routes that
 * hash passwords (BC_RT_PWHASH, BROADCART_PWHASH_WORKERS threads), so that Argon2id's memory-hard
 * work cannot occupy every worker while catalog reads wait. Each thread owns a DB connection. */

static bc_account_fn account_fn;

void bc_http_set_account_check(bc_account_fn fn) { account_fn = fn; }

int bc_http_check_account(bc_db *db, bc_auth *auth) { return account_fn ? account_fn(db, auth) : BC_OK; }

static int queue_push(job_queue *q, bc_job *job)
{
    int rc = BC_OK;
    pthread_mutex_lock(&q->lock);
    if (q->len == q->cap) {
        rc = BC_EBUSY;
    } else {
        q->jobs[(q->head + q->len) % q->cap] = job;
        q->len++;
        pthread_cond_signal(&q->cond);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static bc_job *queue_pop(job_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->len == 0)
        pthread_cond_wait(&q->cond, &q->lock);
    bc_job *job = q->jobs[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    pthread_mutex_unlock(&q->lock);
    return job;
}

static int enqueue(bc_job *job)
{
    return queue_push(job->route && (job->route->flags & BC_RT_PWHASH) ? &pwhashq : &mainq, job);
}

/* The account behind the caller's token still exists and is not blocked; its current role
 * replaces the token's and is checked against the route again. Sends the refusal itself. */
static int check_caller(bc_db *db, bc_req *r, const bc_route *route)
{
    if (!r->authed)
        return BC_OK;
    int rc = bc_http_check_account(db, &r->auth);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(r, 401, "INVALID_TOKEN", "the access token's account no longer exists");
    } else if (rc == BC_EFORBIDDEN) {
        bc_res_error(r, 403, "ACCOUNT_BLOCKED", "this account is blocked");
    } else if (rc != BC_OK) {
        bc_res_from_err(r, rc);
    } else if (route->roles && !(route->roles & r->auth.role)) {
        bc_res_error(r, 403, "FORBIDDEN", "your role may not call this endpoint");
        rc = BC_EFORBIDDEN;
    }
    return rc;
}

static void *worker_main(void *arg)
{
    job_queue *q = arg;
    bc_db *db = NULL;
    /* hashing yields the CPU to request handling (Linux: nice is per thread, relative to the process's) */
    int nice_to = getpriority(PRIO_PROCESS, 0) + PWHASH_NICE;
    if (q == &pwhashq && setpriority(PRIO_PROCESS, (id_t)gettid(), nice_to > 19 ? 19 : nice_to) != 0)
        bc_log_warn("http", "cannot lower the password-hashing threads' priority: %s", strerror(errno));
    if (bc_db_open(S.db_path, &db) != BC_OK) {
        bc_log_error("http", "worker cannot open database");
        return NULL;
    }
    for (;;) {
        bc_job *job = queue_pop(q);
        if (job->deferred_fn) {
            job->deferred_fn(db, job->deferred_arg);
            free(job);
            continue;
        }
        job->req.db = db;
        if (check_caller(db, &job->req, job->route) == BC_OK)
            job->route->fn(&job->req);
        bc_db_rollback(db); /* a handler that forgot to commit leaves nothing open */
        job->req.db = NULL;
        h2o_multithread_send_message(&job->loop->done_receiver, &job->super);
    }
    return NULL;
}

int bc_http_defer(void (*fn)(bc_db *db, void *arg), void *arg)
{
    bc_job *job = calloc(1, sizeof *job);
    if (!job)
        return BC_ENOMEM;
    job->deferred_fn = fn;
    job->deferred_arg = arg;
    int rc = enqueue(job);
    if (rc != BC_OK)
        free(job);
    return rc;
}

/* Starts both pools (after the loops, which workers post to). */
static void start_workers(void)
{
    S.workers = calloc((size_t)bc_cfg.workers, sizeof *S.workers);
    for (int i = 0; i < bc_cfg.workers; i++)
        h2o_multithread_create_thread(&S.workers[i], NULL, worker_main, &mainq);
    pwhash_workers = calloc((size_t)bc_cfg.pwhash_workers, sizeof *pwhash_workers);
    for (int i = 0; i < bc_cfg.pwhash_workers; i++)
        h2o_multithread_create_thread(&pwhash_workers[i], NULL, worker_main, &pwhashq);
}

/* ---- responses (to h2o) ---- */

static void send_response(h2o_req_t *hreq, bc_req *r)
{
    if (!r->res_set)
        bc_res_error(r, 500, "INTERNAL", "handler produced no response");
    hreq->res.status = r->res_status;
    hreq->res.reason = bc_http_reason(r->res_status);
    h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, r->res_type, strlen(r->res_type));
    h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    for (bc_res_hdr *h = r->res_headers; h; h = h->next) {
        const char *name = h2o_strdup(&hreq->pool, h->name, strlen(h->name)).base;
        h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, name, strlen(name), 1, NULL, h->value, strlen(h->value));
    }
    h2o_iovec_t body = h2o_strdup(&hreq->pool, r->res_body ? r->res_body : "", r->res_len);
    hreq->res.content_length = body.len;
    h2o_send_inline(hreq, body.base, body.len);
}

static void job_free(bc_job *job)
{
    bc_req_cleanup(&job->req);
    free(job);
}

static void on_ref_dispose(void *p)
{
    bc_job **ref = p;
    if (*ref)
        (*ref)->hreq = NULL; /* the client went away: drop the response */
}

static void on_jobs_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        bc_job *job = H2O_STRUCT_FROM_MEMBER(bc_job, super.link, messages->next);
        h2o_linklist_unlink(&job->super.link);
        if (job->hreq) {
            *job->ref = NULL;
            send_response(job->hreq, &job->req);
        }
        job_free(job);
    }
}

/* ---- request entry ---- */

/* The body limit of a route, bytes (bc_route.max_body, else bc_cfg.max_body_bytes). */
static size_t route_max_body(const bc_route *route)
{
    return (size_t)(route && route->max_body ? *route->max_body : bc_cfg.max_body_bytes);
}

static int on_req(h2o_handler_t *self, h2o_req_t *hreq)
{
    (void)self;
    bc_http_loop *loop = cur_loop;
    h2o_iovec_t path = hreq->path;
    size_t plen = hreq->query_at != SIZE_MAX ? hreq->query_at : path.len;

    /* WebSocket endpoints */
    const char *client_key = NULL;
    if (h2o_is_websocket_handshake(hreq, &client_key) == 0 && client_key != NULL)
        return bc_ws_try_upgrade(hreq, client_key, path.base, plen, S.auth);

    bc_route_match m;
    int found = bc_router_match(hreq->method.base, hreq->method.len, path.base, plen, &m);
    if (found == BC_ROUTER_NONE) {
        if (plen >= 5 && memcmp(path.base, "/api/", 5) == 0) {
            bc_req tmp;
            bc_req_init(&tmp, hreq, NULL, NULL);
            bc_res_error(&tmp, 404, "NOT_FOUND", "no such endpoint");
            send_response(hreq, &tmp);
            bc_req_cleanup(&tmp);
            return 0;
        }
        return -1; /* fall through to static files */
    }

    bc_job *job = calloc(1, sizeof *job);
    if (!job)
        return -1;
    job->loop = loop;
    job->hreq = hreq;
    bc_req_init(&job->req, hreq, found == BC_ROUTER_OK ? m.route : NULL, &m);
    bc_req *r = &job->req;

    if (found == BC_ROUTER_BAD_METHOD) {
        bc_res_error(r, 405, "METHOD_NOT_ALLOWED", "method not allowed on this path");
    } else if (hreq->entity.base && hreq->entity.len > route_max_body(m.route)) {
        bc_res_error(r, 413, "PAYLOAD_TOO_LARGE", "request body exceeds %zu bytes", route_max_body(m.route));
    } else if ((m.route->flags & BC_RT_LOOPBACK) && !r->peer_loopback) {
        bc_res_error(r, 403, "FORBIDDEN", "only reachable from loopback");
    } else if (bc_req_authorize(r, m.route, S.auth) == BC_OK && bc_req_validate_body(r, m.route) == BC_OK) {
        if (m.route->flags & BC_RT_INLINE) {
            m.route->fn(r);
        } else {
            job->route = m.route;
            bc_job **ref = h2o_mem_alloc_shared(&hreq->pool, sizeof *ref, on_ref_dispose);
            *ref = job;
            job->ref = ref;
            if (enqueue(job) == BC_OK)
                return 0;
            *ref = NULL;
            bc_res_error(r, 503, "BUSY", "server is busy, retry shortly");
            bc_res_header(r, "Retry-After", "1");
        }
    }
    send_response(hreq, r);
    job_free(job);
    return 0;
}

/* ---- loops ---- */

static int open_listener(int port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, bc_cfg.http_host, &addr.sin_addr) != 1) {
        bc_log_error("http", "bad listen address %s", bc_cfg.http_host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, SOMAXCONN) != 0) {
        bc_log_error("http", "cannot listen on %s:%d: %s", bc_cfg.http_host, port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    bc_http_loop *loop = listener->data;
    h2o_socket_t *sock;
    if (err != NULL)
        return;
    if ((sock = h2o_evloop_socket_accept(listener)) == NULL)
        return;
    h2o_accept(&loop->accept_ctx, sock);
}

/* Loops that finished their per-thread h2o setup (see loop_main). */
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int nready;

static void *loop_main(void *arg)
{
    bc_http_loop *loop = arg;
    cur_loop = loop;
    /* The evloop, its multithread queue socket and their buffers must be created on this thread:
     * h2o 2.2 sockets take their input buffers from the creating thread's __thread
     * h2o_socket_buffer_prototype, whose recycle list is not locked (creating them on the main
     * thread made every loop share the main thread's list: heap-use-after-free under load). */
    h2o_context_init(&loop->ctx, h2o_evloop_create(), &S.config);
    loop->accept_ctx.ctx = &loop->ctx;
    loop->accept_ctx.hosts = S.config.hosts;
    h2o_multithread_register_receiver(loop->ctx.queue, &loop->done_receiver, on_jobs_done);
    bc_ws_loop_init(loop);
    pthread_mutex_lock(&ready_lock);
    nready++;
    pthread_cond_broadcast(&ready_cond);
    pthread_mutex_unlock(&ready_lock);
    h2o_socket_t *sock = h2o_evloop_socket_create(loop->ctx.loop, loop->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    sock->data = loop;
    h2o_socket_read_start(sock, on_accept);
    while (!atomic_load(&S.stopping))
        h2o_evloop_run(loop->ctx.loop, 200);
    return NULL;
}

int bc_http_run(const char *db_path)
{
    S.db_path = db_path;
    if (bc_http_set_trusted_proxies(bc_cfg.trusted_proxies) != BC_OK)
        return BC_ERR;
    signal(SIGPIPE, SIG_IGN);
    h2o_config_init(&S.config);
    /* h2o buffers bodies up to this size; we answer 413 as JSON above a route's own limit, so leave
     * headroom: 4x the default limit, or the largest per-route limit plus 1 MiB if that is more */
    size_t h2o_max = (size_t)bc_cfg.max_body_bytes * 4, route_max = bc_router_max_body();
    if (route_max + (1u << 20) > h2o_max)
        h2o_max = route_max + (1u << 20);
    S.config.max_request_entity_size = h2o_max;
    h2o_hostconf_t *host = h2o_config_register_host(&S.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);

    h2o_mimemap_t *mime = h2o_mimemap_create();
    h2o_mimemap_define_mimetype(mime, "m3u8", "application/vnd.apple.mpegurl", NULL);
    h2o_mimemap_define_mimetype(mime, "ts", "video/mp2t", NULL);
    h2o_mimemap_define_mimetype(mime, "mjs", "text/javascript", NULL);
    h2o_mimemap_define_mimetype(mime, "webp", "image/webp", NULL);
    for (int i = 0; i < S.nstatics; i++) {
        h2o_pathconf_t *pc = h2o_config_register_path(host, S.statics[i].prefix, 0);
        bc_http_add_static_headers(pc, S.statics[i].no_cache);
        h2o_file_register(pc, S.statics[i].dir, NULL, mime, 0);
    }
    h2o_pathconf_t *root = h2o_config_register_path(host, "/", 0);
    bc_http_add_static_headers(root, 0);
    h2o_handler_t *h = h2o_create_handler(root, sizeof *h);
    h->on_req = on_req;
    static const char *index_files[] = {"index.html", NULL};
    h2o_file_register(root, bc_cfg.web_dir, index_files, mime, 0);
    h2o_mem_release_shared(mime);

    S.nloops = bc_cfg.loops;
    S.loops = calloc((size_t)S.nloops, sizeof *S.loops);
    int port = bc_cfg.http_port;
    for (int i = 0; i < S.nloops; i++) {
        bc_http_loop *loop = &S.loops[i];
        loop->index = i;
        loop->listen_fd = open_listener(port);
        if (loop->listen_fd < 0)
            return BC_ERR;
        if (port == 0) {
            struct sockaddr_in a;
            socklen_t al = sizeof a;
            getsockname(loop->listen_fd, (struct sockaddr *)&a, &al);
            port = ntohs(a.sin_port);
        }
    }
    S.port = port;

    /* loops first (each sets up its own h2o context), then workers, which may post to loops */
    for (int i = 0; i < S.nloops; i++)
        h2o_multithread_create_thread(&S.loops[i].thread, NULL, loop_main, &S.loops[i]);
    pthread_mutex_lock(&ready_lock);
    while (nready < S.nloops)
        pthread_cond_wait(&ready_cond, &ready_lock);
    pthread_mutex_unlock(&ready_lock);
    start_workers();
    printf("listening on http://%s:%d\n", strcmp(bc_cfg.http_host, "0.0.0.0") == 0 ? "127.0.0.1" : bc_cfg.http_host,
           port);
    fflush(stdout);
    bc_log_info("http", "%d event loops, %d workers, %d password-hashing workers, port %d", S.nloops, bc_cfg.workers,
                bc_cfg.pwhash_workers, port);
    for (int i = 0; i < S.nloops; i++)
        pthread_join(S.loops[i].thread, NULL);
    return BC_OK;
}

void bc_http_add_static_headers(h2o_pathconf_t *pc, int no_cache)
{
    static h2o_iovec_t cc_name = {H2O_STRLIT("cache-control")};
    static h2o_iovec_t acao_name = {H2O_STRLIT("access-control-allow-origin")};
    static h2o_iovec_t nosniff_name = {H2O_STRLIT("x-content-type-options")};
    static h2o_iovec_t referrer_name = {H2O_STRLIT("referrer-policy")};
    /* HLS playlists change every second: players must revalidate; any origin may play them */
    static h2o_headers_command_t live_cmds[] = {
        {H2O_HEADERS_CMD_SET, &cc_name, {H2O_STRLIT("no-cache")}},
        {H2O_HEADERS_CMD_SET, &acao_name, {H2O_STRLIT("*")}},
        {H2O_HEADERS_CMD_SET, &nosniff_name, {H2O_STRLIT("nosniff")}},
        {H2O_HEADERS_CMD_NULL, NULL, {NULL, 0}},
    };
    /* browsers must not guess types (an upload is served only as the type its bytes proved) */
    static h2o_headers_command_t cmds[] = {
        {H2O_HEADERS_CMD_SET, &nosniff_name, {H2O_STRLIT("nosniff")}},
        {H2O_HEADERS_CMD_SET, &referrer_name, {H2O_STRLIT("same-origin")}},
        {H2O_HEADERS_CMD_NULL, NULL, {NULL, 0}},
    };
    h2o_headers_register(pc, no_cache ? live_cmds : cmds);
}
