/* The h2o engine: listeners, event loops, worker pool, router dispatch, responses, static files.
 * Requests are parsed and authorised on the loop thread; handlers run on a worker thread with
 * their own database connection (unless BC_RT_INLINE), and the response is handed back to the
 * loop through an h2o_multithread queue. Every path runs the same entry handler first (request id,
 * control bytes in the path, OPTIONS, routing) and the same header filter last (request id, CORS,
 * Cache-Control, CSP, nosniff), plus gzip and the access log; HTTP/1 framing is checked where h2o
 * parses the headers. */
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
#include <dlfcn.h>
#include <ctype.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "../metrics/metrics.h"

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
    const char *db_url;
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

static void (*account_forget_fn)(int64_t user_id);

void bc_http_set_account_forget(void (*fn)(int64_t user_id)) { account_forget_fn = fn; }

void bc_http_account_forget(int64_t user_id)
{
    if (account_forget_fn)
        account_forget_fn(user_id);
}

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

void bc_http_queue_depth(int *main, int *main_cap, int *pwhash, int *pwhash_cap)
{
    pthread_mutex_lock(&mainq.lock);
    *main = (int)mainq.len;
    pthread_mutex_unlock(&mainq.lock);
    pthread_mutex_lock(&pwhashq.lock);
    *pwhash = (int)pwhashq.len;
    pthread_mutex_unlock(&pwhashq.lock);
    *main_cap = QUEUE_CAP;
    *pwhash_cap = PWHASH_QUEUE_CAP;
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
    if (bc_db_open(S.db_url, &db) != BC_OK) {
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
        bc_log_set_request_id(job->req.request_id); /* log lines carry the request id */
        if (check_caller(db, &job->req, job->route) == BC_OK)
            job->route->fn(&job->req);
        bc_log_set_request_id(NULL);
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

/* ---- HTTP framing (RFC 9112 §6.3) ----
 * h2o 2.2.5's HTTP/1 parser takes Transfer-Encoding over Content-Length and the first of several
 * Content-Length headers, and leaves neither in the header list a handler sees. So the check runs
 * where the headers are parsed: this definition of picohttpparser's phr_parse_request, which
 * libh2o-evloop calls through its PLT, interposes the library's own (ELF symbol interposition: the
 * executable's definition is found first) and calls it. A request carrying both headers, or two
 * Content-Length headers with different values, is reported as a parse error (-1): h2o answers
 * "400 Bad Request" with Connection: close and closes the connection, so no byte after it is ever
 * read as another request. */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
typedef int (*phr_parse_request_fn)(const char *, size_t, const char **, size_t *, const char **, size_t *, int *,
                                    struct phr_header *, size_t *, size_t);
static phr_parse_request_fn real_phr_parse_request;

int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len);
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len)
{
    int rc = real_phr_parse_request(buf, len, method, method_len, path, path_len, minor_version, headers, num_headers,
                                    last_len);
    if (rc <= 0)
        return rc;
    const struct phr_header *cl = NULL;
    int te = 0;
    for (size_t i = 0; i < *num_headers; i++) {
        const struct phr_header *h = &headers[i];
        if (!h->name)
            continue;
        if (h->name_len == 17 && strncasecmp(h->name, "transfer-encoding", 17) == 0) {
            te = 1;
        } else if (h->name_len == 14 && strncasecmp(h->name, "content-length", 14) == 0) {
            if (cl && (cl->value_len != h->value_len || memcmp(cl->value, h->value, h->value_len) != 0))
                return -1;
            cl = h;
        }
    }
    return te && cl ? -1 : rc;
}

/* Finds the library's phr_parse_request behind ours (see http_int.h). */
int bc_http_framing_init(void)
{
    real_phr_parse_request = (phr_parse_request_fn)dlsym(RTLD_NEXT, "phr_parse_request");
    if (!real_phr_parse_request || real_phr_parse_request == phr_parse_request) {
        bc_log_error("http", "cannot find the HTTP/1 parser of libh2o-evloop");
        return BC_ERR;
    }
    return BC_OK;
}

/* ---- per-path behaviour ---- */

/* What a path prefix serves: the API and the web client, the versioned vendor bundle, uploaded
 * media, other media (the demo's generated images) or live HLS. */
enum path_kind { PK_ROOT, PK_VENDOR, PK_UPLOADS, PK_MEDIA, PK_HLS };

/* The request-entry handler (first on every path) and the response-header filter, per path. */
struct bc_handler {
    h2o_handler_t super;
    enum path_kind kind;
};
struct bc_filter {
    h2o_filter_t super;
    enum path_kind kind;
};

/* Content-Security-Policy (CSP Level 3) of the web client, built once in bc_http_run: scripts,
 * styles and connections from this origin only, no inline script, images also from data: (the
 * favicon), media and workers also from blob: (hls.js feeds MediaSource from blobs), no plugins,
 * no framing. When the browser pays through the Toss SDK v2 it may also load
 * https://js.tosspayments.com, and connect to, frame, style from and show images from any https
 * subdomain of tosspayments.com (the SDK's API, payment window and assets). With PortOne
 * (BROADCART_PAYMENT_PROVIDER=portone) against the real gateway (BROADCART_PORTONE_API_BASE not the
 * built-in sandbox) scripts may also come from https://cdn.iamport.kr (its iamport.js v1). */
static char web_csp[1536];
static char media_origin[256]; /* bc_http_set_media_origin: " scheme://host[:port]" or "" */

void bc_http_set_media_origin(const char *origin)
{
    if (origin && *origin && strlen(origin) < sizeof media_origin - 1 && !strpbrk(origin, " ;,'\"\r\n"))
        snprintf(media_origin, sizeof media_origin, " %s", origin);
    else
        media_origin[0] = 0;
}
/* Media (uploads, demo images) is never a document that may run anything: sandboxed, no script. */
static const char media_csp[] = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
                                "frame-ancestors 'none'; sandbox";

/* BROADCART_CORS_ORIGINS, parsed once. */
#define MAX_CORS 16
static struct {
    int any, n;
    char origins[MAX_CORS][256];
} cors;

/* 1 when the SDK checkout is used: the same rule as payments (BROADCART_TOSS_CHECKOUT sdk, or auto
 * with a gateway base that is not the built-in sandbox). */
static int toss_sdk_checkout(void)
{
    if (strcmp(bc_cfg.toss_checkout, "sandbox") == 0)
        return 0;
    if (strcmp(bc_cfg.toss_checkout, "sdk") == 0)
        return 1;
    return !(bc_cfg.toss_api_base[0] == 0 || strstr(bc_cfg.toss_api_base, "/sandbox-pg") != NULL);
}

#define POSTCODE_SCRIPT "https://t1.daumcdn.net"
#define POSTCODE_FRAME "https://postcode.map.daum.net"

static void build_web_csp(void)
{
    int sdk = toss_sdk_checkout();
    const char *toss = "https://*.tosspayments.com";
    const char *po_base = bc_cfg.portone_api_base;
    int imp = strcmp(bc_cfg.payment_provider, "portone") == 0 && po_base[0] != 0 &&
              strstr(po_base, "/sandbox-portone") == NULL;
    /* accounts' address forms: the Kakao (Daum) postcode search, its loader and code from
     * t1.daumcdn.net, its search page embedded in a frame from postcode.map.daum.net */
    snprintf(web_csp, sizeof web_csp,
             "default-src 'self'; script-src 'self' " POSTCODE_SCRIPT "%s%s; style-src 'self'%s%s; "
             "img-src 'self' data:%s%s%s; media-src 'self' blob:%s; worker-src 'self' blob:; "
             "connect-src 'self'%s%s%s; frame-src " POSTCODE_FRAME "%s%s; "
             "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
             sdk ? " https://js.tosspayments.com" : "", imp ? " https://cdn.iamport.kr" : "", sdk ? " " : "",
             sdk ? toss : "", sdk ? " " : "", sdk ? toss : "", media_origin, media_origin, sdk ? " " : "",
             sdk ? toss : "", media_origin, sdk ? " " : "", sdk ? toss : "");
}

/* Parses BROADCART_CORS_ORIGINS ("*" or comma-separated http(s)://host[:port]). BC_OK/BC_EINVAL. */
static int cors_init(void)
{
    const char *s = bc_cfg.cors_origins;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, ", ");
        if (n == 0)
            break;
        if (n == 1 && *s == '*') {
            cors.any = 1;
        } else if (cors.n == MAX_CORS || n >= sizeof cors.origins[0] ||
                   !((n > 7 && strncmp(s, "http://", 7) == 0) || (n > 8 && strncmp(s, "https://", 8) == 0)) ||
                   memchr(s + 8, '/', n - 8)) {
            bc_log_error("http", "BROADCART_CORS_ORIGINS: '%.*s' is not * or an origin like https://shop.example",
                         (int)n, s);
            return BC_EINVAL;
        } else {
            memcpy(cors.origins[cors.n++], s, n);
        }
        s += n;
    }
    return BC_OK;
}

/* The request's Origin when BROADCART_CORS_ORIGINS allows it (Fetch standard, CORS protocol), else
 * a zero iovec. */
static h2o_iovec_t cors_allowed(h2o_req_t *hreq)
{
    if (!cors.any && cors.n == 0)
        return h2o_iovec_init(NULL, 0);
    ssize_t i = h2o_find_header_by_str(&hreq->headers, H2O_STRLIT("origin"), -1);
    if (i < 0)
        return h2o_iovec_init(NULL, 0);
    h2o_iovec_t o = hreq->headers.entries[i].value;
    if (cors.any)
        return o;
    for (int k = 0; k < cors.n; k++)
        if (strlen(cors.origins[k]) == o.len && memcmp(cors.origins[k], o.base, o.len) == 0)
            return o;
    return h2o_iovec_init(NULL, 0);
}

/* ---- request id ---- */
#define RID_MAX 64
static char rid_prefix[9];
static atomic_uint_fast64_t rid_seq;

/* 1 for 1..RID_MAX characters of [A-Za-z0-9._:+/=-] (what proxies put in X-Request-Id). */
static int rid_sane(h2o_iovec_t v)
{
    if (v.len == 0 || v.len > RID_MAX)
        return 0;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.base[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._:+/=-", c)))
            return 0;
    }
    return 1;
}

/* The request's id: the incoming X-Request-Id when sane, else a new one (a per-process random
 * prefix and a counter), stored as the request's x-request-id header for every later step. */
static h2o_iovec_t request_id(h2o_req_t *hreq)
{
    ssize_t i = h2o_find_header_by_str(&hreq->headers, H2O_STRLIT("x-request-id"), -1);
    if (i >= 0 && rid_sane(hreq->headers.entries[i].value))
        return hreq->headers.entries[i].value;
    char *b = h2o_mem_alloc_pool(&hreq->pool, 32);
    int n = snprintf(b, 32, "%s%012llx", rid_prefix, (unsigned long long)atomic_fetch_add(&rid_seq, 1));
    h2o_iovec_t v = h2o_iovec_init(b, (size_t)n);
    if (i >= 0)
        hreq->headers.entries[i].value = v;
    else
        h2o_add_header_by_str(&hreq->pool, &hreq->headers, H2O_STRLIT("x-request-id"), 0, NULL, v.base, v.len);
    return v;
}

/* The request id as a string, for bc_log (NULL-terminated copy in the request's pool). */
static const char *request_id_str(h2o_req_t *hreq)
{
    ssize_t i = h2o_find_header_by_str(&hreq->headers, H2O_STRLIT("x-request-id"), -1);
    if (i < 0)
        return NULL;
    return h2o_strdup(&hreq->pool, hreq->headers.entries[i].value.base, hreq->headers.entries[i].value.len).base;
}

/* ---- responses (to h2o) ---- */

static void set_if_absent(h2o_req_t *hreq, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (h2o_find_header_by_str(&hreq->res.headers, name, nlen, -1) < 0)
        h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, name, nlen, 1, NULL, value, vlen);
}

/* The response-header filter, on every path: request id, CORS, no type sniffing, referrer policy,
 * the path's Cache-Control (when the response set none) and CSP. */
static void on_setup_ostream(h2o_filter_t *self, h2o_req_t *hreq, h2o_ostream_t **slot)
{
    enum path_kind kind = ((struct bc_filter *)self)->kind;
    ssize_t rid = h2o_find_header_by_str(&hreq->headers, H2O_STRLIT("x-request-id"), -1);
    if (rid >= 0)
        h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, H2O_STRLIT("x-request-id"), 0, "X-Request-Id",
                              hreq->headers.entries[rid].value.base, hreq->headers.entries[rid].value.len);
    h2o_iovec_t origin = kind == PK_HLS ? h2o_iovec_init(NULL, 0) : cors_allowed(hreq);
    if (origin.base) {
        if (cors.any) {
            h2o_set_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, H2O_STRLIT("*"), 1);
        } else {
            h2o_set_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, origin.base,
                           origin.len, 1);
            h2o_set_header_token(&hreq->pool, &hreq->res.headers, H2O_TOKEN_VARY, H2O_STRLIT("origin"));
        }
        set_if_absent(hreq, H2O_STRLIT("access-control-expose-headers"),
                      H2O_STRLIT("ETag, Location, Retry-After, X-Request-Id"));
    }
    set_if_absent(hreq, H2O_STRLIT("x-content-type-options"), H2O_STRLIT("nosniff"));
    set_if_absent(hreq, H2O_STRLIT("referrer-policy"), H2O_STRLIT("same-origin"));
    const char *cc = "no-cache";
    switch (kind) {
    case PK_VENDOR: /* the URL carries the version (index.html: /vendor/hls.min.js?v=…) */
        cc = "public, max-age=31536000, immutable";
        break;
    case PK_HLS: /* playlists change every second; any origin may play them */
        h2o_set_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, H2O_STRLIT("*"), 0);
        break;
    default:
        break;
    }
    if (h2o_find_header(&hreq->res.headers, H2O_TOKEN_CACHE_CONTROL, -1) < 0)
        h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, cc, strlen(cc));
    if (kind == PK_UPLOADS || kind == PK_MEDIA) {
        h2o_set_header_by_str(&hreq->pool, &hreq->res.headers, H2O_STRLIT("content-security-policy"), 0, media_csp,
                              sizeof media_csp - 1, 1);
    } else if (kind == PK_ROOT) {
        ssize_t ct = h2o_find_header(&hreq->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
        if (ct >= 0 && hreq->res.headers.entries[ct].value.len >= 9 &&
            strncasecmp(hreq->res.headers.entries[ct].value.base, "text/html", 9) == 0)
            set_if_absent(hreq, H2O_STRLIT("content-security-policy"), web_csp, strlen(web_csp));
    }
    h2o_setup_next_ostream(hreq, slot);
}

/* The access log line, at info level, when h2o disposes of the request: method, path (without the
 * query, which may carry tokens), status, body bytes sent, microseconds since the request began,
 * and the request id. */
static void log_access(h2o_logger_t *self, h2o_req_t *hreq)
{
    (void)self;
    if (!bc_log_enabled(BC_LOG_INFO))
        return;
    struct timeval end, begin = hreq->timestamps.request_begin_at;
    gettimeofday(&end, NULL);
    long long us = (long long)(end.tv_sec - begin.tv_sec) * 1000000 + (end.tv_usec - begin.tv_usec);
    size_t plen = hreq->query_at != SIZE_MAX ? hreq->query_at : hreq->path.len;
    bc_log_set_request_id(request_id_str(hreq));
    bc_log_info("access", "%.*s %.*s %d %zu %lldus", (int)hreq->method.len, hreq->method.base,
                (int)(plen > 512 ? 512 : plen), hreq->path.base, hreq->res.status, hreq->bytes_sent, us);
    bc_log_set_request_id(NULL);
}

/* 1 when If-None-Match (RFC 9110 §13.1.2, weak comparison) lists etag or is "*". */
static int none_match(h2o_req_t *hreq, const char *etag)
{
    ssize_t i = h2o_find_header(&hreq->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    if (i < 0)
        return 0;
    h2o_iovec_t v = hreq->headers.entries[i].value;
    const char *e = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
    size_t elen = strlen(e);
    for (size_t p = 0; p < v.len;) {
        while (p < v.len && (v.base[p] == ' ' || v.base[p] == '\t' || v.base[p] == ','))
            p++;
        size_t q = p;
        while (q < v.len && v.base[q] != ',')
            q++;
        size_t t = q;
        while (t > p && (v.base[t - 1] == ' ' || v.base[t - 1] == '\t'))
            t--;
        const char *tag = v.base + p;
        size_t tlen = t - p;
        if (tlen == 1 && tag[0] == '*')
            return 1;
        if (tlen > 2 && tag[0] == 'W' && tag[1] == '/') {
            tag += 2;
            tlen -= 2;
        }
        if (tlen == elen && memcmp(tag, e, elen) == 0)
            return 1;
        p = q;
    }
    return 0;
}

/* A weak entity tag of body: W/"<16 hex digits of SipHash-2-4>" (fixed key: tags stay valid across
 * restarts and loops). buf >= 24 bytes. */
static const char *body_etag(const char *body, size_t len, char *buf)
{
    static const unsigned char key[crypto_shorthash_KEYBYTES] = "broadcart-etag-1";
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)body, len, key);
    static const char hex[] = "0123456789abcdef";
    char *o = buf;
    *o++ = 'W', *o++ = '/', *o++ = '"';
    for (size_t i = 0; i < sizeof h; i++)
        *o++ = hex[h[i] >> 4], *o++ = hex[h[i] & 15];
    *o++ = '"', *o = 0;
    return buf;
}

/* JSON bodies may be gzipped (h2o's compress filter asks the response's MIME attributes). */
static h2o_mime_attributes_t json_mime_attr = {.is_compressible = 1};

static int is_method(h2o_req_t *hreq, const char *m, size_t mlen)
{
    return hreq->method.len == mlen && memcmp(hreq->method.base, m, mlen) == 0;
}

static void send_response(h2o_req_t *hreq, bc_req *r)
{
    if (!r->res_set)
        bc_res_error(r, 500, "INTERNAL", "handler produced no response");
    int head = is_method(hreq, H2O_STRLIT("HEAD")), get = head || is_method(hreq, H2O_STRLIT("GET"));
    const char *etag = NULL, *cc = NULL;
    struct stat st;
    if (r->res_file && (stat(r->res_file, &st) != 0 || !S_ISREG(st.st_mode))) {
        r->res_headers = NULL; /* nothing the handler meant for the file applies to the error */
        bc_res_error(r, 404, "NOT_FOUND", "not found");
    }
    char etag_buf[24];
    for (bc_res_hdr *h = r->res_headers; h; h = h->next) {
        size_t nlen = strlen(h->name);
        char *lower = h2o_mem_alloc_pool(&hreq->pool, nlen + 1);
        for (size_t i = 0; i <= nlen; i++)
            lower[i] = (char)tolower((unsigned char)h->name[i]);
        if (strcmp(lower, "etag") == 0) {
            etag = h->value;
            continue;
        }
        if (strcmp(lower, "cache-control") == 0)
            cc = h->value;
        h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, lower, nlen, 1, h->name, h->value, strlen(h->value));
    }
    int status = r->res_status;
    if (get && status == 200) {
        if (!etag && !r->res_file && strncmp(r->res_type, "application/json", 16) == 0)
            etag = body_etag(r->res_body ? r->res_body : "", r->res_len, etag_buf);
        if (etag && none_match(hreq, etag))
            status = 304; /* RFC 9110 §15.4.5: the headers a 200 would carry, no content */
    }
    if (etag)
        h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_ETAG, NULL, etag, strlen(etag));
    if (!cc) {
        /* public reads by anonymous callers may be stored and revalidated; anything else is private */
        int shared = get && r->route && r->route->roles == 0 && !r->authed && (status == 200 || status == 304);
        cc = shared ? "no-cache" : "no-store";
        h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, cc, strlen(cc));
    }
    hreq->res.status = status;
    hreq->res.reason = bc_http_reason(status);
    /* metrics: the request by route and status, and its latency since its first byte */
    struct timeval now, begin = hreq->timestamps.request_begin_at;
    gettimeofday(&now, NULL);
    bc_metrics_http(r->metric_slot, status,
                    (int64_t)(now.tv_sec - begin.tv_sec) * 1000000 + (int64_t)(now.tv_usec - begin.tv_usec));
    if (status == 204 || status == 304) { /* RFC 9110 §15.3.5, §15.4.5: no content, so no content type */
        h2o_send_inline(hreq, "", 0);
        return;
    }
    h2o_iovec_t type = h2o_strdup(&hreq->pool, r->res_type, strlen(r->res_type));
    if (r->res_file) {
        if (head) {
            h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type.base, type.len);
            hreq->res.content_length = (size_t)st.st_size;
            h2o_send_inline(hreq, "", 0);
            return;
        }
        if (h2o_file_send(hreq, 200, "OK", r->res_file, type, 0) == 0)
            return;
        /* removed since the stat above: a plain 404 (the headers are already the file's) */
        h2o_send_error_404(hreq, "Not Found", "not found", 0);
        return;
    }
    h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type.base, type.len);
    h2o_iovec_t body = h2o_strdup(&hreq->pool, r->res_body ? r->res_body : "", r->res_len);
    hreq->res.content_length = body.len;
    if (hreq->res.content_length >= 256 && strncmp(r->res_type, "application/json", 16) == 0)
        hreq->res.mime_attr = &json_mime_attr; /* compressible (h2o's compress filter) */
    h2o_send_inline(hreq, head ? "" : body.base, head ? 0 : body.len);
}

/* Sends a JSON error for a request that reached no handler (the loop thread, before routing). */
static void send_early_error(h2o_req_t *hreq, int status, const char *code, const char *msg, const char *allow)
{
    bc_req tmp;
    bc_req_init(&tmp, hreq, NULL, NULL);
    bc_res_error(&tmp, status, code, "%s", msg);
    if (allow)
        bc_res_header(&tmp, "Allow", allow);
    send_response(hreq, &tmp);
    bc_req_cleanup(&tmp);
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

/* ---- admission gates (bc_route.gate) ----
 * Per loop (loop-thread data, no locks): up to GATE_SLOTS keys with requests on the workers or
 * waiting; a slot is free again once nothing of its key is in flight or waiting. */
#define GATE_SLOTS 64
typedef struct gate_slot {
    int64_t key; /* 0 = free */
    int inflight, nparked;
    bc_job *head, *tail;
} gate_slot;
typedef struct gate_table {
    gate_slot slots[GATE_SLOTS];
    int parked; /* over all slots */
} gate_table;

static int enqueue(bc_job *job);
static void send_response(h2o_req_t *hreq, bc_req *r);
static int inline_caller_ok(bc_req *r, const bc_route *route);

static gate_slot *gate_find(bc_http_loop *loop, int64_t key, int create)
{
    gate_table *g = loop->gates;
    gate_slot *free_slot = NULL;
    for (int i = 0; g && i < GATE_SLOTS; i++) {
        if (g->slots[i].key == key)
            return &g->slots[i];
        if (!free_slot && g->slots[i].key == 0)
            free_slot = &g->slots[i];
    }
    if (!create || !free_slot)
        return NULL;
    *free_slot = (gate_slot){.key = key};
    return free_slot;
}

/* Sends a finished (or refused) job's response, if its client is still there, and frees it. */
static void job_reply(bc_job *job)
{
    if (job->hreq) {
        *job->ref = NULL;
        bc_log_set_request_id(job->req.request_id);
        send_response(job->hreq, &job->req);
        bc_log_set_request_id(NULL);
    }
    bc_req_cleanup(&job->req);
    free(job);
}

/* Hands job (of slot's key) to the workers: BC_OK, or BC_EBUSY (queue full; nothing counted). */
static int gate_dispatch(gate_slot *s, bc_job *job)
{
    job->gate_key = s->key;
    s->inflight++;
    if (enqueue(job) == BC_OK)
        return BC_OK;
    s->inflight--;
    job->gate_key = 0;
    return BC_EBUSY;
}

/* Moves waiting jobs on: each is offered to try_inline again, else admitted while there is room. */
static void gate_pump(gate_slot *s, gate_table *g)
{
    while (s->head) {
        bc_job *job = s->head;
        if (job->hreq &&
            !(job->route->try_inline && inline_caller_ok(&job->req, job->route) && job->route->try_inline(&job->req))) {
            if (s->inflight >= BC_HTTP_GATE_INFLIGHT)
                break;
            s->head = job->parked;
            s->nparked--;
            g->parked--;
            if (gate_dispatch(s, job) == BC_OK)
                continue;
            bc_res_from_err(&job->req, BC_EBUSY);
            job_reply(job);
            continue;
        }
        s->head = job->parked; /* answered on the loop, or its client went away */
        s->nparked--;
        g->parked--;
        job_reply(job);
    }
    if (!s->head)
        s->tail = NULL;
    if (s->inflight == 0 && !s->head)
        s->key = 0;
}

/* Admits job through the gate of key (dispatched or waiting): BC_OK, or BC_EBUSY (nothing done). */
static int gate_admit(bc_http_loop *loop, bc_job *job, int64_t key)
{
    gate_table *g = loop->gates;
    gate_slot *s = gate_find(loop, key, 1);
    if (!s) /* every slot taken by other keys: no gate */
        return enqueue(job);
    if (s->inflight < BC_HTTP_GATE_INFLIGHT && !s->head) {
        int rc = gate_dispatch(s, job);
        if (rc != BC_OK && s->inflight == 0)
            s->key = 0;
        return rc;
    }
    if (g->parked >= BC_HTTP_GATE_PARKED)
        return BC_EBUSY;
    job->parked = NULL;
    if (s->tail)
        s->tail->parked = job;
    else
        s->head = job;
    s->tail = job;
    s->nparked++;
    g->parked++;
    return BC_OK;
}

static void gate_done(bc_http_loop *loop, int64_t key)
{
    gate_slot *s = gate_find(loop, key, 0);
    if (!s)
        return;
    s->inflight--;
    gate_pump(s, loop->gates);
}

static void on_jobs_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        bc_job *job = H2O_STRUCT_FROM_MEMBER(bc_job, super.link, messages->next);
        h2o_linklist_unlink(&job->super.link);
        int64_t key = job->gate_key;
        bc_http_loop *loop = job->loop;
        job_reply(job);
        if (key)
            gate_done(loop, key);
    }
}

/* ---- request entry ---- */

/* The body limit of a route, bytes (bc_route.max_body, else bc_cfg.max_body_bytes). */
static size_t route_max_body(const bc_route *route)
{
    return (size_t)(route && route->max_body ? *route->max_body : bc_cfg.max_body_bytes);
}

/* 1 when s (len bytes) holds a C0 control byte or DEL. */
static int has_ctl(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return 1;
    return 0;
}

/* 1 when the request's Content-Type is JSON: application/json or application/<x>+json (RFC 8259
 * §11, RFC 6839 §3.1), parameters ignored. */
static int json_content_type(h2o_req_t *hreq)
{
    ssize_t i = h2o_find_header(&hreq->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i < 0)
        return 0;
    h2o_iovec_t v = hreq->headers.entries[i].value;
    size_t n = 0;
    while (n < v.len && v.base[n] != ';' && v.base[n] != ' ' && v.base[n] != '\t')
        n++;
    if (n == 16 && strncasecmp(v.base, "application/json", 16) == 0)
        return 1;
    return n > 17 && strncasecmp(v.base, "application/", 12) == 0 && strncasecmp(v.base + n - 5, "+json", 5) == 0;
}

/* 1 unless the path, raw or decoded, holds a control byte (see http_int.h). */
int bc_http_path_ok(h2o_req_t *hreq)
{
    size_t plen = hreq->query_at != SIZE_MAX ? hreq->query_at : hreq->path.len;
    return !has_ctl(hreq->path_normalized.base, hreq->path_normalized.len) && !has_ctl(hreq->path.base, plen);
}

/* 1 when route has a token (bc_route.token, not empty) and r carries "Authorization: Bearer <it>".
 * Both sides are hashed (BLAKE2b-256) and the digests compared in constant time, so neither the
 * token's bytes nor its length show in the timing. */
static int token_ok(bc_req *r, const bc_route *route)
{
    const char *want = route->token, *h = bc_req_header(r, "authorization");
    if (!want || !want[0] || !h || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
    crypto_generichash(a, sizeof a, (const unsigned char *)want, strlen(want), NULL, 0);
    crypto_generichash(b, sizeof b, (const unsigned char *)h + 7, strlen(h + 7), NULL, 0);
    return sodium_memcmp(a, b, sizeof a) == 0;
}

/* The checks of a routed request before its handler, in order (see http_int.h). */
int bc_http_check_request(h2o_req_t *hreq, bc_req *r, const bc_route *route, bc_auth_fn auth)
{
    if (hreq->entity.base && hreq->entity.len > route_max_body(route)) {
        bc_res_error(r, 413, "PAYLOAD_TOO_LARGE", "request body exceeds %zu bytes", route_max_body(route));
        return BC_EINVAL;
    }
    if ((route->flags & BC_RT_LOOPBACK) && !r->peer_loopback && !token_ok(r, route)) {
        bc_res_error(r, 403, "FORBIDDEN",
                     route->token && route->token[0] ? "only reachable from loopback or with the route's token"
                                                     : "only reachable from loopback");
        return BC_EFORBIDDEN;
    }
    if (bc_req_authorize(r, route, auth) != BC_OK)
        return BC_EINVAL; /* 401/403 set */
    if (route->body && r->body_len > 0 && !json_content_type(hreq)) {
        bc_res_error(r, 415, "UNSUPPORTED_MEDIA_TYPE", "send the body as JSON with Content-Type application/json");
        return BC_EINVAL;
    }
    return bc_req_validate_body(r, route); /* query and body: 400/422 set on failure */
}

/* OPTIONS (RFC 9110 §9.3.7): 204 with Allow; a CORS preflight from an allowed origin also gets the
 * Access-Control-Allow-Methods/-Headers/-Max-Age it asks for. */
static void send_options(h2o_req_t *hreq, const char *allow)
{
    hreq->res.status = 204;
    hreq->res.reason = bc_http_reason(204);
    h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
    if (cors_allowed(hreq).base) {
        h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, H2O_STRLIT("access-control-allow-methods"), 0, NULL,
                              allow, strlen(allow));
        h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, H2O_STRLIT("access-control-allow-headers"), 0, NULL,
                              H2O_STRLIT("Authorization, Content-Type, If-None-Match, X-Request-Id"));
        h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, H2O_STRLIT("access-control-max-age"), 0, NULL,
                              H2O_STRLIT("600"));
    }
    h2o_send_inline(hreq, "", 0);
}

static const char static_allow[] = "GET, HEAD, OPTIONS";

/* 1 when route's try_inline may run on the loop for r's caller: anonymous, or (BC_RT_INLINE_AUTHED)
 * an account the cache knows as existing, not blocked and with a role the route allows (its
 * current role then replaces the token's in r). Anything the cache cannot say goes to a worker,
 * which checks the account in the database. */
static int inline_caller_ok(bc_req *r, const bc_route *route)
{
    if (!r->authed)
        return 1;
    if (!(route->flags & BC_RT_INLINE_AUTHED))
        return 0;
    bc_auth a = r->auth;
    if (bc_http_check_account(NULL, &a) != BC_OK || (route->roles && !(route->roles & a.role)))
        return 0;
    r->auth = a;
    return 1;
}

static int handle(h2o_req_t *hreq, enum path_kind kind)
{
    bc_http_loop *loop = cur_loop;
    h2o_iovec_t path = hreq->path;
    size_t plen = hreq->query_at != SIZE_MAX ? hreq->query_at : path.len;
    int is_api = (plen >= 5 && memcmp(path.base, "/api/", 5) == 0) || kind == PK_UPLOADS;
    int head = is_method(hreq, H2O_STRLIT("HEAD"));

    /* a decoded NUL or control byte in the path (e.g. X.png%00.html) names no resource of ours */
    if (!bc_http_path_ok(hreq)) {
        send_early_error(hreq, 400, "BAD_PATH", "the path holds a control character", NULL);
        return 0;
    }

    /* WebSocket endpoints */
    const char *client_key = NULL;
    if (kind == PK_ROOT && h2o_is_websocket_handshake(hreq, &client_key) == 0 && client_key != NULL)
        return bc_ws_try_upgrade(hreq, client_key, path.base, plen, S.auth);

    char allow[64];
    if (is_method(hreq, H2O_STRLIT("OPTIONS"))) {
        if (kind == PK_ROOT || kind == PK_UPLOADS) {
            if (!bc_router_allow(path.base, plen, allow, sizeof allow)) {
                if (is_api) {
                    send_early_error(hreq, 404, "NOT_FOUND", "no such endpoint", NULL);
                    return 0;
                }
                snprintf(allow, sizeof allow, "%s", static_allow);
            }
        } else {
            snprintf(allow, sizeof allow, "%s", static_allow);
        }
        send_options(hreq, allow);
        return 0;
    }
    if (kind != PK_ROOT && kind != PK_UPLOADS) {
        if (head || is_method(hreq, H2O_STRLIT("GET")))
            return -1; /* the path's file handler */
        send_early_error(hreq, 405, "METHOD_NOT_ALLOWED", "method not allowed on this path", static_allow);
        return 0;
    }

    bc_route_match m;
    int found = head ? bc_router_match("GET", 3, path.base, plen, &m)
                     : bc_router_match(hreq->method.base, hreq->method.len, path.base, plen, &m);
    if (found == BC_ROUTER_NONE) {
        if (is_api) {
            send_early_error(hreq, 404, "NOT_FOUND", "no such endpoint", NULL);
            return 0;
        }
        if (head || is_method(hreq, H2O_STRLIT("GET")))
            return -1; /* fall through to static files */
        send_early_error(hreq, 405, "METHOD_NOT_ALLOWED", "method not allowed on this path", static_allow);
        return 0;
    }

    bc_job *job = calloc(1, sizeof *job);
    if (!job)
        return -1;
    job->loop = loop;
    job->hreq = hreq;
    bc_req_init(&job->req, hreq, found == BC_ROUTER_OK ? m.route : NULL, &m);
    bc_req *r = &job->req;
    bc_log_set_request_id(r->request_id);

    if (found == BC_ROUTER_BAD_METHOD) {
        bc_router_allow(path.base, plen, allow, sizeof allow);
        bc_res_error(r, 405, "METHOD_NOT_ALLOWED", "method not allowed on this path");
        bc_res_header(r, "Allow", allow); /* RFC 9110 §15.5.6 */
    } else if (bc_http_check_request(hreq, r, m.route, S.auth) == BC_OK) {
        if (m.route->flags & BC_RT_INLINE) {
            m.route->fn(r);
        } else if (m.route->try_inline && inline_caller_ok(r, m.route) && m.route->try_inline(r)) {
            /* answered on the loop (e.g. from the catalog cache): no worker hop */
        } else {
            job->route = m.route;
            bc_job **ref = h2o_mem_alloc_shared(&hreq->pool, sizeof *ref, on_ref_dispose);
            *ref = job;
            job->ref = ref;
            int64_t key = m.route->gate ? m.route->gate(r) : 0;
            if ((key > 0 ? gate_admit(loop, job, key) : enqueue(job)) == BC_OK) {
                bc_log_set_request_id(NULL);
                return 0;
            }
            *ref = NULL;
            bc_res_from_err(r, BC_EBUSY);
        }
    }
    send_response(hreq, r);
    bc_log_set_request_id(NULL);
    job_free(job);
    return 0;
}

static int on_req(h2o_handler_t *self, h2o_req_t *hreq)
{
    request_id(hreq);
    return handle(hreq, ((struct bc_handler *)self)->kind);
}

/* Sets up one path: the entry handler first, then (for files) the file handler on dir with the
 * given MIME map, the header filter, gzip for compressible types, and the access log. */
static void setup_path(h2o_hostconf_t *host, const char *prefix, enum path_kind kind, const char *dir,
                       const char **index_files, h2o_mimemap_t *mime, int compress)
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, prefix, 0);
    struct bc_handler *h = (struct bc_handler *)h2o_create_handler(pc, sizeof *h);
    h->super.on_req = on_req;
    h->kind = kind;
    if (dir)
        h2o_file_register(pc, dir, index_files, mime, 0);
    struct bc_filter *f = (struct bc_filter *)h2o_create_filter(pc, sizeof *f);
    f->super.on_setup_ostream = on_setup_ostream;
    f->kind = kind;
    if (compress) {
        /* quality 5: hls.js 624 KB -> ~200 KB at a few ms; JSON of a page of products in well under 1 ms */
        h2o_compress_args_t args = {.min_size = 256, .gzip = {5}, .brotli = {-1}};
        h2o_compress_register(pc, &args);
    }
    h2o_logger_t *lg = h2o_create_logger(pc, sizeof *lg);
    lg->log_access = log_access;
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
    loop->gates = calloc(1, sizeof(gate_table)); /* NULL: no gates (every request straight to the queue) */
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

int bc_http_run(const char *db_url)
{
    S.db_url = db_url;
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
    S.config.server_name = h2o_iovec_init(H2O_STRLIT("")); /* no Server header (no version banner) */
    if (bc_http_framing_init() != BC_OK || cors_init() != BC_OK)
        return BC_ERR;
    build_web_csp();
    bc_rand_token(rid_prefix, 8);
    h2o_hostconf_t *host = h2o_config_register_host(&S.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);

    /* the web client and the versioned vendor bundle: types by extension from h2o's table */
    h2o_mimemap_t *mime = h2o_mimemap_create();
    h2o_mimemap_define_mimetype(mime, "mjs", "text/javascript", NULL);
    h2o_mimemap_define_mimetype(mime, "webp", "image/webp", NULL);
    /* media other than uploads (the demo's generated images): a fixed map, nothing else is ever
     * served with a type a browser would run; the responses also carry a sandboxing CSP */
    h2o_mimemap_t *media_mime = h2o_mimemap_create();
    h2o_mimemap_clear_types(media_mime);
    h2o_mimemap_set_default_type(media_mime, "application/octet-stream", NULL);
    h2o_mimemap_define_mimetype(media_mime, "svg", "image/svg+xml", NULL);
    h2o_mimemap_define_mimetype(media_mime, "png", "image/png", NULL);
    h2o_mimemap_define_mimetype(media_mime, "jpg", "image/jpeg", NULL);
    h2o_mimemap_define_mimetype(media_mime, "webp", "image/webp", NULL);
    /* replays in the local media store (/media/replays/…): VOD playlists, segments and posters */
    h2o_mimemap_t *replay_mime = h2o_mimemap_create();
    h2o_mimemap_clear_types(replay_mime);
    h2o_mimemap_set_default_type(replay_mime, "application/octet-stream", NULL);
    h2o_mimemap_define_mimetype(replay_mime, "m3u8", "application/vnd.apple.mpegurl", NULL);
    h2o_mimemap_define_mimetype(replay_mime, "ts", "video/mp2t", NULL);
    h2o_mimemap_define_mimetype(replay_mime, "m4s", "video/iso.segment", NULL);
    h2o_mimemap_define_mimetype(replay_mime, "mp4", "video/mp4", NULL);
    h2o_mimemap_define_mimetype(replay_mime, "jpg", "image/jpeg", NULL);
    h2o_mimemap_define_mimetype(replay_mime, "png", "image/png", NULL);
    h2o_mimemap_define_mimetype(replay_mime, "webp", "image/webp", NULL);
    /* live HLS output (written by nginx-rtmp): playlists and segments only */
    h2o_mimemap_t *hls_mime = h2o_mimemap_create();
    h2o_mimemap_clear_types(hls_mime);
    h2o_mimemap_set_default_type(hls_mime, "application/octet-stream", NULL);
    h2o_mimemap_define_mimetype(hls_mime, "m3u8", "application/vnd.apple.mpegurl", NULL);
    h2o_mimemap_define_mimetype(hls_mime, "ts", "video/mp2t", NULL);
    h2o_mimemap_define_mimetype(hls_mime, "m4s", "video/iso.segment", NULL);
    h2o_mimemap_define_mimetype(hls_mime, "mp4", "video/mp4", NULL);
    char vendor_dir[600];
    snprintf(vendor_dir, sizeof vendor_dir, "%s/vendor", bc_cfg.web_dir);
    /* h2o takes the first registered path that prefixes the request: longer prefixes first */
    for (int i = 0; i < S.nstatics; i++) {
        if (strcmp(S.statics[i].prefix, "/media") != 0)
            continue;
        char replay_dir[sizeof S.statics[i].dir + 16];
        snprintf(replay_dir, sizeof replay_dir, "%s/replays", S.statics[i].dir);
        setup_path(host, "/media/uploads", PK_UPLOADS, NULL, NULL, NULL, 0);
        setup_path(host, "/media/replays", PK_MEDIA, replay_dir, NULL, replay_mime, 0);
        setup_path(host, "/media", PK_MEDIA, S.statics[i].dir, NULL, media_mime, 0);
    }
    for (int i = 0; i < S.nstatics; i++)
        if (strcmp(S.statics[i].prefix, "/media") != 0)
            setup_path(host, S.statics[i].prefix, S.statics[i].no_cache ? PK_HLS : PK_MEDIA, S.statics[i].dir, NULL,
                       S.statics[i].no_cache ? hls_mime : media_mime, 0);
    setup_path(host, "/vendor", PK_VENDOR, vendor_dir, NULL, mime, 1);
    static const char *index_files[] = {"index.html", NULL};
    setup_path(host, "/", PK_ROOT, bc_cfg.web_dir, index_files, mime, 1);
    h2o_mem_release_shared(mime);
    h2o_mem_release_shared(media_mime);
    h2o_mem_release_shared(hls_mime);
    h2o_mem_release_shared(replay_mime);

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
