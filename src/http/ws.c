/* WebSocket endpoints (RFC 6455 via h2o + wslay) and the room hub. Each loop keeps its own room
 * table; bc_hub_publish serialises nothing itself: it shares one copy of the text with every loop
 * through h2o_multithread messages, and each loop writes it to its local connections.
 *
 * Bounded queues: wslay queues every outgoing frame (our text frames, and the pong it answers
 * each ping with, RFC 6455 §5.5.2) until the socket takes it, so a peer that stops reading
 * makes the queue grow. After every received frame and every frame we queue, the connection's
 * queued bytes (payload plus a per-frame overhead, all frame kinds) are checked against
 * bc_cfg.ws_max_queued_bytes; beyond it the connection is closed with 1008 (policy violation,
 * RFC 6455 §7.4.1) and its memory freed. A viewer that falls that far behind the room is closed
 * the same way instead of silently missing frames (the client reconnects and reloads the state).
 * Pings beyond bc_cfg.ws_ping_rate_per_10s per connection close it with 1008 as well. Every
 * route speaks JSON text: a binary frame closes the connection with 1003 (unsupported data).
 *
 * Closing from inside wslay (on_ws_message runs inside wslay_event_recv, inside
 * h2o_websocket_proceed) cannot free the connection: fail_conn queues the close frame, arms a
 * timer on the loop (zero for a peer that does not read, which also stops reading; else a short
 * grace) and ignores further frames; the connection is freed either by h2o's own close path
 * (close frames sent and received) or by that timer, whichever comes first. */
#include "http_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#define ROOM_BUCKETS 256
#define MAX_WS_ROUTES 8
#define MAX_RECV_BYTES 4096 /* larger frames close the connection with 1009 (RFC 6455 §7.4.1) */
#define FRAME_OVERHEAD 64   /* bytes counted per queued frame on top of its payload (wslay's record + malloc) */
#define PING_WINDOW_MS 10000
#define CLOSE_GRACE_MS 2000 /* a connection closed for its ping rate gets this long to take the close frame */

struct bc_ws {
    h2o_websocket_conn_t *conn;
    bc_http_loop *loop;
    const bc_ws_route *route;
    void *data;
    int64_t room;
    int joined;
    int in_message; /* inside route->on_message, i.e. inside wslay_event_recv in h2o_websocket_proceed */
    int closing;    /* fail_conn ran: no more frames in or out, kill is linked */
    int pings;      /* pings received in the window starting at ping_window_ms */
    uint64_t ping_window_ms;
    h2o_timeout_entry_t kill; /* frees the connection (zero timeout or the loop's grace timeout) */
    uint64_t id;              /* process-unique, never 0 (bc_ws_id) */
    struct bc_ws *prev, *next;
};

/* What ws.c keeps per loop (bc_http_loop.rooms). */
typedef struct ws_loop {
    struct room *rooms[ROOM_BUCKETS];
    h2o_timeout_t grace; /* CLOSE_GRACE_MS */
} ws_loop;

typedef struct room {
    int64_t id;
    bc_ws *head;
    struct room *next;
} room;

typedef struct shared_text {
    atomic_int refs;
    size_t len;
    char data[];
} shared_text;

typedef struct hub_msg {
    h2o_multithread_message_t super;
    int64_t room;
    uint64_t to;         /* 0: every connection in room; else only the one with this id */
    uint16_t close_code; /* bc_hub_close_to: close `to` with this code, text = the reason */
    shared_text *text;
} hub_msg;

typedef struct count_entry {
    int64_t room;
    int count;
    struct count_entry *next;
} count_entry;

static const bc_ws_route *ws_routes[MAX_WS_ROUTES];
static int nws_routes;
static void (*count_cb)(int64_t room, int count);
static void (*relay_fn)(int64_t room, const char *text, size_t len);
static int (*remote_count_fn)(int64_t room);
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static count_entry *counts[ROOM_BUCKETS];

void bc_http_register_ws(const bc_ws_route *route)
{
    if (nws_routes < MAX_WS_ROUTES)
        ws_routes[nws_routes++] = route;
}

void bc_hub_on_count(void (*fn)(int64_t room, int count)) { count_cb = fn; }
void bc_hub_set_relay(void (*fn)(int64_t room, const char *text, size_t len)) { relay_fn = fn; }
void bc_hub_set_remote_count(int (*fn)(int64_t room)) { remote_count_fn = fn; }
void bc_ws_set_data(bc_ws *ws, void *data) { ws->data = data; }
void *bc_ws_data(bc_ws *ws) { return ws->data; }
uint64_t bc_ws_id(bc_ws *ws) { return ws->id; }
static atomic_uint_fast64_t ws_ids;

static size_t bucket(int64_t id) { return (size_t)((uint64_t)id * 11400714819323198485ull >> 56) % ROOM_BUCKETS; }

static int count_add(int64_t id, int delta)
{
    pthread_mutex_lock(&count_lock);
    count_entry **pp = &counts[bucket(id)], *e;
    while ((e = *pp) && e->room != id)
        pp = &e->next;
    if (!e) {
        e = calloc(1, sizeof *e);
        e->room = id;
        *pp = e;
    }
    e->count += delta;
    int n = e->count;
    if (n <= 0) {
        *pp = e->next;
        free(e);
        n = 0;
    }
    pthread_mutex_unlock(&count_lock);
    return n;
}

int bc_hub_local_count(int64_t id)
{
    int n = 0;
    pthread_mutex_lock(&count_lock);
    for (count_entry *e = counts[bucket(id)]; e; e = e->next)
        if (e->room == id)
            n = e->count;
    pthread_mutex_unlock(&count_lock);
    return n;
}

int bc_hub_count(int64_t id)
{
    int n = bc_hub_local_count(id);
    if (remote_count_fn)
        n += remote_count_fn(id);
    return n;
}

void bc_hub_each_local_count(void (*fn)(int64_t room, int count, void *arg), void *arg)
{
    pthread_mutex_lock(&count_lock);
    for (int b = 0; b < ROOM_BUCKETS; b++)
        for (count_entry *e = counts[b]; e; e = e->next)
            fn(e->room, e->count, arg);
    pthread_mutex_unlock(&count_lock);
}

void bc_hub_count_changed(int64_t id)
{
    if (count_cb)
        count_cb(id, bc_hub_count(id));
}

static room *room_get(bc_http_loop *loop, int64_t id, int create)
{
    room **table = ((ws_loop *)loop->rooms)->rooms, **pp = &table[bucket(id)], *r;
    while ((r = *pp) && r->id != id)
        pp = &r->next;
    if (!r && create) {
        r = calloc(1, sizeof *r);
        r->id = id;
        *pp = r;
    }
    return r;
}

static void room_remove_if_empty(bc_http_loop *loop, int64_t id)
{
    room **table = ((ws_loop *)loop->rooms)->rooms, **pp = &table[bucket(id)], *r;
    while ((r = *pp) && r->id != id)
        pp = &r->next;
    if (r && !r->head) {
        *pp = r->next;
        free(r);
    }
}

void bc_ws_join(bc_ws *ws, int64_t id)
{
    ws->room = id;
    ws->joined = 1;
}

static void enter_room(bc_ws *ws)
{
    room *r = room_get(ws->loop, ws->room, 1);
    ws->next = r->head;
    if (r->head)
        r->head->prev = ws;
    r->head = ws;
    int n = count_add(ws->room, 1);
    if (count_cb)
        count_cb(ws->room, n);
}

static void leave_room(bc_ws *ws)
{
    room *r = room_get(ws->loop, ws->room, 0);
    if (!r)
        return;
    if (ws->prev)
        ws->prev->next = ws->next;
    else
        r->head = ws->next;
    if (ws->next)
        ws->next->prev = ws->prev;
    room_remove_if_empty(ws->loop, ws->room);
    int n = count_add(ws->room, -1);
    if (count_cb)
        count_cb(ws->room, n);
}

/* Frees ws and its connection (leaves the room, runs on_close). Never call it from inside wslay. */
static void ws_free(bc_ws *ws)
{
    if (h2o_timeout_is_linked(&ws->kill))
        h2o_timeout_unlink(&ws->kill);
    if (ws->joined)
        leave_room(ws);
    if (ws->route->on_close)
        ws->route->on_close(ws);
    h2o_websocket_close(ws->conn);
    free(ws);
}

static void on_kill(h2o_timeout_entry_t *entry) { ws_free(H2O_STRUCT_FROM_MEMBER(bc_ws, kill, entry)); }

/* Bytes queued for ws: payloads plus FRAME_OVERHEAD per frame (so empty pings count too). */
static size_t queued_bytes(const bc_ws *ws)
{
    wslay_event_context_ptr c = ws->conn->ws_ctx;
    return wslay_event_get_queued_msg_length(c) + wslay_event_get_queued_msg_count(c) * FRAME_OVERHEAD;
}

/* Fails the connection with code (RFC 6455 §7.4.1) and reason (ASCII, < 124 bytes): queues the
 * close frame and arms ws->kill, after grace_ms (0 or CLOSE_GRACE_MS); with 0 it also stops
 * reading (the peer is not reading either, the close frame cannot reach it). Safe inside wslay
 * callbacks. Only for an upgraded connection (conn->sock set). */
static void fail_conn(bc_ws *ws, uint16_t code, const char *reason, int grace_ms)
{
    if (ws->closing)
        return;
    ws->closing = 1;
    wslay_event_context_ptr c = ws->conn->ws_ctx;
    wslay_event_queue_close(c, code, (const uint8_t *)reason, strlen(reason));
    /* With a grace period, keep reading (frames are dropped, pings get no pong after the close)
     * so that the peer's close reply ends the connection cleanly: closing a socket with unread
     * input resets it, and the reset can destroy the close frame before the peer reads it. */
    if (grace_ms == 0)
        wslay_event_shutdown_read(c);
    bc_log_info("ws", "closing a connection (%u): %s", (unsigned)code, reason);
    h2o_context_t *ctx = &ws->loop->ctx;
    h2o_timeout_link(ctx->loop, grace_ms ? &((ws_loop *)ws->loop->rooms)->grace : &ctx->zero_timeout, &ws->kill);
}

/* Closes ws when its queue is over the bound; returns 1 if so. */
static int check_queue(bc_ws *ws)
{
    if (ws->closing || queued_bytes(ws) <= (size_t)bc_cfg.ws_max_queued_bytes)
        return ws->closing;
    fail_conn(ws, WSLAY_CODE_POLICY_VIOLATION, "send queue over limit", 0);
    return 1;
}

static void queue_text(bc_ws *ws, const char *text, size_t len)
{
    if (!ws->conn || ws->closing)
        return;
    if (!ws->conn->sock) {
        /* still sending the 101: frames wait in wslay; cannot be closed yet, so refuse beyond the bound */
        if (queued_bytes(ws) + len + FRAME_OVERHEAD > (size_t)bc_cfg.ws_max_queued_bytes)
            return;
    } else if (queued_bytes(ws) + len + FRAME_OVERHEAD > (size_t)bc_cfg.ws_max_queued_bytes) {
        fail_conn(ws, WSLAY_CODE_POLICY_VIOLATION, "send queue over limit", 0);
        return;
    }
    struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)text, len};
    wslay_event_queue_msg(ws->conn->ws_ctx, &m);
}

/* Lets h2o send what is queued, unless the upgrade is still in flight (h2o proceeds itself then). */
static void proceed(bc_ws *ws)
{
    if (ws->conn && ws->conn->sock)
        h2o_websocket_proceed(ws->conn);
}

void bc_ws_send(bc_ws *ws, const char *text, size_t len)
{
    queue_text(ws, text, len);
    /* From on_message we are already inside h2o_websocket_proceed -> wslay_event_recv: proceeding
     * again would re-enter wslay (and could close and free the connection under the caller); the
     * outer proceed loop sends the queued frame. */
    if (!ws->in_message)
        proceed(ws);
}

void bc_hub_publish(int64_t id, const char *text, size_t len)
{
    bc_hub_send_local(id, text, len);
    if (relay_fn)
        relay_fn(id, text, len);
}

static void hub_send(int64_t id, uint64_t to, const char *text, size_t len, uint16_t close_code);

void bc_hub_send_local(int64_t id, const char *text, size_t len) { hub_send(id, 0, text, len, 0); }

void bc_hub_send_to(int64_t id, uint64_t conn_id, const char *text, size_t len)
{
    if (conn_id)
        hub_send(id, conn_id, text, len, 0);
}

void bc_hub_close_to(int64_t id, uint64_t conn_id, uint16_t code, const char *reason)
{
    size_t len = strlen(reason);
    if (conn_id && code)
        hub_send(id, conn_id, reason, len < 120 ? len : 120, code);
}

static void hub_send(int64_t id, uint64_t to, const char *text, size_t len, uint16_t close_code)
{
    int n;
    bc_http_loop *loops = bc_http_loops(&n);
    if (n == 0)
        return;
    shared_text *t = malloc(sizeof *t + len + 1);
    if (!t)
        return;
    atomic_init(&t->refs, n);
    t->len = len;
    memcpy(t->data, text, len);
    t->data[len] = 0; /* a close reason is read as a string */
    for (int i = 0; i < n; i++) {
        hub_msg *m = calloc(1, sizeof *m);
        m->room = id;
        m->to = to;
        m->close_code = close_code;
        m->text = t;
        h2o_multithread_send_message(&loops[i].hub_receiver, &m->super);
    }
}

static void on_hub_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    bc_http_loop *loop = H2O_STRUCT_FROM_MEMBER(bc_http_loop, hub_receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        hub_msg *m = H2O_STRUCT_FROM_MEMBER(hub_msg, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        room *r = room_get(loop, m->room, 0);
        /* queue to everyone first, then flush: a flush that closes a connection cannot
         * disturb the iteration */
        for (bc_ws *ws = r ? r->head : NULL; ws; ws = ws->next) {
            if (m->to && ws->id != m->to)
                continue;
            if (!m->close_code)
                queue_text(ws, m->text->data, m->text->len);
            else if (ws->conn && ws->conn->sock)
                fail_conn(ws, m->close_code, m->text->data, CLOSE_GRACE_MS);
        }
        r = room_get(loop, m->room, 0);
        for (bc_ws *ws = r ? r->head : NULL, *next; ws; ws = next) {
            next = ws->next;
            proceed(ws);
        }
        if (atomic_fetch_sub(&m->text->refs, 1) == 1)
            free(m->text);
        free(m);
    }
}

void bc_ws_loop_init(bc_http_loop *loop)
{
    ws_loop *wl = calloc(1, sizeof *wl);
    if (!wl)
        abort(); /* at start, before any request */
    h2o_timeout_init(loop->ctx.loop, &wl->grace, CLOSE_GRACE_MS);
    loop->rooms = wl;
    h2o_multithread_register_receiver(loop->ctx.queue, &loop->hub_receiver, on_hub_messages);
}

static void on_ws_message(h2o_websocket_conn_t *conn, const struct wslay_event_on_msg_recv_arg *arg)
{
    bc_ws *ws = conn->data;
    if (arg == NULL) {
        ws_free(ws);
        return;
    }
    /* wslay has already queued the pong of a ping, or the reply to a close */
    if (check_queue(ws))
        return;
    if (arg->opcode == WSLAY_PING && bc_cfg.ws_ping_rate_per_10s > 0) {
        uint64_t now = h2o_now(ws->loop->ctx.loop);
        if (now - ws->ping_window_ms >= PING_WINDOW_MS) {
            ws->ping_window_ms = now;
            ws->pings = 0;
        }
        if (++ws->pings > bc_cfg.ws_ping_rate_per_10s) {
            fail_conn(ws, WSLAY_CODE_POLICY_VIOLATION, "too many pings", CLOSE_GRACE_MS);
            return;
        }
    }
    if (arg->opcode == WSLAY_BINARY_FRAME) {
        /* every route speaks JSON text; invalid UTF-8 in a text frame is failed by wslay (1007) */
        fail_conn(ws, WSLAY_CODE_UNSUPPORTED_DATA, "text frames only", CLOSE_GRACE_MS);
        return;
    }
    if (arg->opcode == WSLAY_TEXT_FRAME && ws->route->on_message) {
        ws->in_message = 1;
        ws->route->on_message(ws, (const char *)arg->msg, arg->msg_length);
        ws->in_message = 0;
    }
}

int bc_ws_try_upgrade(h2o_req_t *hreq, const char *client_key, const char *path, size_t plen, bc_auth_fn auth)
{
    bc_route_match m;
    const bc_ws_route *route = NULL;
    for (int i = 0; i < nws_routes && !route; i++)
        if (bc_router_match_pattern(ws_routes[i]->path, path, plen, &m))
            route = ws_routes[i];
    if (!route)
        return -1;
    bc_req r;
    bc_req_init(&r, hreq, NULL, &m);
    const char *token = bc_req_query(&r, "access_token");
    int status = 0;
    if (token && *token) {
        /* signature on this thread; the account from the cache only (no DB here): a blocked user is
         * refused, a deleted one or one not cached yet (loaded in the background) must retry */
        int arc = !auth || auth(token, &r.auth) != BC_OK ? BC_EINVAL : bc_http_check_account(NULL, &r.auth);
        if (arc == BC_OK)
            r.authed = 1;
        else
            status = arc == BC_EFORBIDDEN ? 403 : arc == BC_EBUSY ? 503 : 401;
    }
    bc_ws *ws = calloc(1, sizeof *ws);
    ws->loop = bc_http_current_loop();
    ws->id = atomic_fetch_add(&ws_ids, 1) + 1;
    ws->route = route;
    ws->kill.cb = on_kill;
    if (status == 0)
        status = route->on_open(ws, &r);
    if (status != 0) {
        const char *msg =
            status == 401   ? "{\"error\":{\"code\":\"INVALID_TOKEN\",\"message\":\"invalid access token\"}}"
            : status == 403 ? "{\"error\":{\"code\":\"ACCOUNT_BLOCKED\",\"message\":\"this account is blocked\"}}"
            : status == 503 ? "{\"error\":{\"code\":\"BUSY\",\"message\":\"checking the account; retry shortly\"}}"
                            : "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no such room\"}}";
        if (status == 503)
            h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
        hreq->res.status = status;
        hreq->res.reason = bc_http_reason(status);
        h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
        h2o_send_inline(hreq, msg, strlen(msg));
        if (route->on_close)
            route->on_close(ws);
        free(ws);
        bc_req_cleanup(&r);
        return 0;
    }
    bc_req_cleanup(&r);
    ws->conn = h2o_upgrade_to_websocket(hreq, client_key, ws, on_ws_message);
    wslay_event_config_set_max_recv_msg_length(ws->conn->ws_ctx, MAX_RECV_BYTES);
    if (ws->joined)
        enter_room(ws);
    return 0;
}
