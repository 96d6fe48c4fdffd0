/* fuzz_ws_chat: WebSocket frames from a client → wslay (wslay_event_recv with memory-backed
 * read/write callbacks, driven the way h2o_websocket_proceed drives it) → ws.c's message
 * callback (on_ws_message, as h2o calls it) → the chat room's handlers (chat.c: open, message,
 * close), whose answers (error frames) go back through bc_ws_send and wslay_event_send.
 *
 * ws.c and chat.c are compiled into this file (their callbacks are static), so the library's
 * copies are not linked. Input: one control byte, then the client's bytes (masked frames):
 *   bit 0     the client reads its answers (else every write blocks, as for a client that never
 *             reads: answers and pongs stay queued in wslay)
 *   bit 1     signed in as a buyer (else anonymous, read-only)
 *   bits 2-7  the client's bytes arrive in reads of at most 1 + 4 * value bytes
 * Nothing is stored: accepted chat messages reach the queue for the database worker, which is
 * emptied after every input, as are the rate-limit entries, so each input starts alike. */
#include "../src/http/ws.c"

#include "../src/chat/chat.c"

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the connection h2o would hold, plus the memory "socket" */
typedef struct fz_conn {
    h2o_websocket_conn_t conn;
    const uint8_t *in;
    size_t in_len, in_pos, chunk;
    int client_reads;
    size_t sent;
} fz_conn;

static fz_conn *fz_of(void *user) { return H2O_STRUCT_FROM_MEMBER(fz_conn, conn, (h2o_websocket_conn_t *)user); }

/* h2o's recv_callback: what the socket has buffered, else WOULDBLOCK */
static ssize_t fz_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    (void)flags;
    fz_conn *c = fz_of(user);
    size_t left = c->in_len - c->in_pos;
    if (left == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (len > left)
        len = left;
    if (len > c->chunk)
        len = c->chunk;
    memcpy(buf, c->in + c->in_pos, len);
    c->in_pos += len;
    return (ssize_t)len;
}

/* h2o's send_callback: accepted while the peer reads, else WOULDBLOCK (a write still pending) */
static ssize_t fz_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
    (void)flags;
    (void)data;
    fz_conn *c = fz_of(user);
    if (!c->client_reads) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    c->sent += len;
    return (ssize_t)len;
}

/* h2o's on_msg_callback */
static void fz_on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void)ctx;
    h2o_websocket_conn_t *conn = user;
    conn->cb(conn, arg);
}

/* Empties the chat queue and the rate table (no worker runs in the fuzzer). */
static void fz_chat_reset(void)
{
    pthread_mutex_lock(&q_lock);
    for (chat_job *j = q_head, *next; j; j = next) {
        next = j->next;
        free(j->frame);
        free(j);
    }
    q_head = q_tail = NULL;
    q_len = 0;
    pthread_mutex_unlock(&q_lock);
    pthread_mutex_lock(&rate_lock);
    for (int b = 0; b < RATE_BUCKETS; b++) {
        for (rate_entry *e = rate_table[b], *next; e; e = next) {
            next = e->next;
            free(e);
        }
        rate_table[b] = NULL;
    }
    rate_entries = 0;
    pthread_mutex_unlock(&rate_lock);
}

static h2o_globalconf_t fz_config;
static bc_http_loop fz_loop; /* one event loop, set up as loop_main in server.c sets it up */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init_process();
    h2o_config_init(&fz_config);
    h2o_config_register_host(&fz_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_context_init(&fz_loop.ctx, h2o_evloop_create(), &fz_config);
    bc_ws_loop_init(&fz_loop);
    bc_http_register_ws(&chat_ws);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char path[] = "/api/v1/lives/1/chat?access_token=buyer:7";
    const int signed_in = data[0] & 2;
    fz_conn *c = calloc(1, sizeof *c);
    bc_ws *ws = NULL;
    if (!c)
        return 0;
    c->in = data + 1;
    c->in_len = size - 1;
    c->chunk = 1 + 4 * (size_t)(data[0] >> 2);
    c->client_reads = data[0] & 1;

    /* the handshake part of bc_ws_try_upgrade */
    size_t plen = strchr(path, '?') - path;
    bc_route_match m;
    if (!bc_router_match_pattern(ws_routes[0]->path, path, plen, &m))
        abort();
    fz_input in = {.method = "GET",
                   .method_len = 3,
                   .path = path,
                   .path_len = signed_in ? sizeof path - 1 : plen,
                   .authority = "127.0.0.1",
                   .authority_len = 9};
    fz_hreq h;
    bc_req r;
    if (fz_hreq_init(&h, &in) != 0)
        abort();
    bc_req_init(&r, &h.req, NULL, &m);
    const char *token = bc_req_query(&r, "access_token");
    if (token && *token) {
        if (fz_authenticate(token, &r.auth) != BC_OK)
            abort();
        r.authed = 1;
    }
    ws = calloc(1, sizeof *ws);
    if (!ws)
        abort();
    ws->loop = &fz_loop;
    ws->route = ws_routes[0];
    int status = ws->route->on_open(ws, &r);
    bc_req_cleanup(&r);
    fz_hreq_dispose(&h);
    if (status != 0) {
        if (ws->route->on_close)
            ws->route->on_close(ws);
        free(ws);
        free(c);
        return 0;
    }

    /* h2o_upgrade_to_websocket */
    static const struct wslay_event_callbacks callbacks = {fz_recv, fz_send, NULL, NULL, NULL, NULL, fz_on_msg};
    c->conn.data = ws;
    c->conn.cb = on_ws_message;
    if (wslay_event_context_server_init(&c->conn.ws_ctx, &callbacks, &c->conn) != 0)
        abort();
    ws->conn = &c->conn;
    wslay_event_config_set_max_recv_msg_length(ws->conn->ws_ctx, MAX_RECV_BYTES);
    if (ws->joined)
        enter_room(ws);

    /* h2o_websocket_proceed until no progress (bounded: every round consumes input or output) */
    wslay_event_context_ptr ctx = c->conn.ws_ctx;
    for (int rounds = 0; rounds < 100000; rounds++) {
        int handled = 0;
        if (c->client_reads && wslay_event_want_write(ctx)) {
            if (wslay_event_send(ctx) != 0)
                break;
            handled = 1;
        }
        if (c->in_pos < c->in_len && wslay_event_want_read(ctx)) {
            if (wslay_event_recv(ctx) != 0)
                break;
            handled = 1;
        }
        if (!handled)
            break;
    }

    /* h2o's close path: on_ws_message(conn, NULL) leaves the room, runs on_close and calls
     * h2o_websocket_close, which frees the wslay context and the connection (c: conn is its
     * first member) and closes no socket (sock is NULL, as before the 101 is sent) */
    on_ws_message(&c->conn, NULL);
    fz_chat_reset();
    return 0;
}
