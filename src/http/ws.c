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
 * Serialise once (room frames): bc_hub_publish/bc_hub_send_* build the complete WebSocket frame
 * (RFC 6455 §5.2: FIN+text opcode, unmasked server length header, payload) once per message; each
 * loop takes one reference and every connection of the room queues a pointer to it (no copy per
 * viewer). ws.c owns every write on an upgraded socket: wslay's own frames (pongs, close, frames
 * sent with bc_ws_send) reach the socket through our send callback (wslay_event_config_set_callbacks),
 * which appends them to a small per-connection buffer, and one h2o_socket_write (writev) sends that
 * buffer plus every shared frame queued behind it. So a burst of N room messages costs one write per
 * viewer, not 2N (h2o 2.2's own send callback writes the frame header and payload separately).
 * Frames are written whole and in queue order; a connection still sending its 101 response takes
 * room frames into wslay's queue (copied) until the upgrade completes.
 *
 * Sequenced frames (bc_hub_send_seq, seq > 0): a connection that resumed up to seq S
 * (bc_ws_skip_through) does not get frames with seq <= S again.
 *
 * Subprotocols (RFC 6455 §1.9, §4.2.2): a route lists the ones it speaks (bc_ws_route.subprotocols);
 * the first of the client's Sec-WebSocket-Protocol values that the route lists is agreed and echoed
 * in the 101. A connection may carry a codec (bc_ws_set_codec) that wraps every outgoing JSON frame
 * (room frames included, built per connection then) and unwraps every incoming message (STOMP).
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

#include "../metrics/metrics.h"

#define ROOM_BUCKETS 256
#define MAX_WS_ROUTES 8
#define MAX_RECV_BYTES 4096 /* larger frames close the connection with 1009 (RFC 6455 §7.4.1) */
#define FRAME_OVERHEAD 64   /* bytes counted per queued frame on top of its payload (wslay's record + malloc) */
#define PING_WINDOW_MS 10000
#define CLOSE_GRACE_MS 2000 /* a connection closed for its ping rate gets this long to take the close frame */
#define WS_TICK_MS 1000     /* codec tick interval (STOMP heart-beats) */
#define WRITE_IOV_MAX 64    /* buffers per write: the wslay bytes plus up to 63 shared frames */

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
    int64_t user_id;          /* the signed-in user who opened it (0 = anonymous): bc_hub_close_user */
    struct bc_ws *prev, *next;
    int writing;   /* our h2o_socket_write is in flight */
    int gathering; /* ws_flush is collecting wslay's frames: the send callback only appends */
    char *ctl;     /* bytes from wslay (our send callback) not yet handed to the socket */
    size_t ctl_len, ctl_cap;
    char *ctl_out; /* the wslay bytes of the write in flight (freed when it completes) */
    size_t ctl_out_len;
    struct hub_msg **sq; /* shared room frames waiting (ring of sq_cap; sq_inline while small) */
    struct hub_msg *sq_inline[4];
    uint32_t sq_head, sq_len, sq_cap, inflight; /* inflight: shared frames at the head being written */
    size_t sq_bytes;                            /* bytes of the queued shared frames */
    int64_t skip_seq;                           /* sequenced frames <= this are not sent again */
    const char *subprotocol;                    /* agreed subprotocol (a route's string) or NULL */
    const bc_ws_codec *codec;
    void *codec_state;
    h2o_timeout_entry_t beat;   /* codec->tick, every WS_TICK_MS */
    h2o_timeout_entry_t closer; /* bc_ws_close: closes after the frames queued before it are out */
    uint16_t close_code;
    char close_reason[124];
    struct early *early; /* frames queued by on_open, before the connection exists */
    size_t early_bytes;
};

/* A frame queued during on_open (copied), handed to wslay right after the upgrade starts. */
typedef struct early {
    struct early *next;
    size_t len;
    char text[];
} early;

/* What ws.c keeps per loop (bc_http_loop.rooms). */
typedef struct ws_loop {
    struct room *rooms[ROOM_BUCKETS];
    h2o_timeout_t grace; /* CLOSE_GRACE_MS */
    h2o_timeout_t tick;  /* WS_TICK_MS, codec ticks */
    h2o_timeout_t flush; /* bc_cfg.ws_flush_ms, coalesced room flushes */
} ws_loop;

typedef struct room {
    int64_t id;
    bc_ws *head;
    struct room *next;
    bc_http_loop *loop;
    uint64_t last_flush_ms;  /* loop time of the last flush (bc_cfg.ws_flush_ms) */
    h2o_timeout_entry_t due; /* armed: a flush is due within bc_cfg.ws_flush_ms */
} room;

/* One room message, framed once: data = WebSocket header (hdr bytes) + payload (len bytes). */
typedef struct shared_text {
    atomic_int refs; /* one per loop's hub_msg */
    size_t len;      /* payload bytes */
    size_t hdr;      /* header bytes before the payload */
    int64_t seq;     /* 0 = not sequenced */
    char data[];
} shared_text;

/* One loop's reference to a shared message; connections of that loop count in refs (loop-local). */
typedef struct hub_msg {
    h2o_multithread_message_t super;
    int64_t room;
    uint64_t to;         /* 0: every connection in room; else only the one with this id */
    uint16_t close_code; /* bc_hub_close_to: close `to` with this code, text = the reason */
    int64_t user;        /* bc_hub_close_user: close every connection of this user (room unused) */
    shared_text *text;
    int refs; /* the loop's processing reference plus one per connection queue holding it */
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
static void (*publisher_fn)(int64_t room, const char *text, size_t len);
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
static void (*user_relay_fn)(int64_t user_id, const char *reason);
void bc_hub_set_user_relay(void (*fn)(int64_t user_id, const char *reason)) { user_relay_fn = fn; }
void bc_hub_set_publisher(void (*fn)(int64_t room, const char *text, size_t len)) { publisher_fn = fn; }
const char *bc_ws_subprotocol(bc_ws *ws) { return ws->subprotocol; }
void bc_ws_skip_through(bc_ws *ws, int64_t seq)
{
    if (seq > ws->skip_seq)
        ws->skip_seq = seq;
}
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

static void on_room_due(h2o_timeout_entry_t *entry);

static room *room_get(bc_http_loop *loop, int64_t id, int create)
{
    room **table = ((ws_loop *)loop->rooms)->rooms, **pp = &table[bucket(id)], *r;
    while ((r = *pp) && r->id != id)
        pp = &r->next;
    if (!r && create && (r = calloc(1, sizeof *r))) {
        r->id = id;
        r->loop = loop;
        r->due.cb = on_room_due;
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
        if (h2o_timeout_is_linked(&r->due))
            h2o_timeout_unlink(&r->due);
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

static void hub_msg_release(hub_msg *m)
{
    if (--m->refs > 0)
        return;
    if (atomic_fetch_sub(&m->text->refs, 1) == 1)
        free(m->text);
    free(m);
}

/* Drops every shared frame still queued (inflight ones too: the socket is going away). */
static void sq_clear(bc_ws *ws)
{
    for (uint32_t i = 0; i < ws->sq_len; i++)
        hub_msg_release(ws->sq[(ws->sq_head + i) % ws->sq_cap]);
    ws->sq_head = ws->sq_len = ws->inflight = 0;
    ws->sq_bytes = 0;
    if (ws->sq != ws->sq_inline)
        free(ws->sq);
    ws->sq = ws->sq_inline;
    ws->sq_cap = sizeof ws->sq_inline / sizeof ws->sq_inline[0];
}

/* Frees ws and its connection (leaves the room, runs on_close). Never call it from inside wslay. */
static void ws_free(bc_ws *ws)
{
    if (h2o_timeout_is_linked(&ws->kill))
        h2o_timeout_unlink(&ws->kill);
    if (h2o_timeout_is_linked(&ws->beat))
        h2o_timeout_unlink(&ws->beat);
    if (h2o_timeout_is_linked(&ws->closer))
        h2o_timeout_unlink(&ws->closer);
    if (ws->joined)
        leave_room(ws);
    if (ws->codec && ws->codec->close)
        ws->codec->close(ws);
    if (ws->route->on_close)
        ws->route->on_close(ws);
    h2o_websocket_close(ws->conn); /* closes the socket: a write in flight is abandoned */
    bc_metrics_add(BC_METRIC_WS_OPEN, -1);
    sq_clear(ws);
    free(ws->ctl);
    free(ws->ctl_out);
    free(ws);
}

static void on_kill(h2o_timeout_entry_t *entry) { ws_free(H2O_STRUCT_FROM_MEMBER(bc_ws, kill, entry)); }

/* Bytes queued for ws: payloads plus FRAME_OVERHEAD per frame (so empty pings count too), in
 * wslay's queue, our wslay buffers and the shared frames. */
static size_t queued_bytes(const bc_ws *ws)
{
    wslay_event_context_ptr c = ws->conn->ws_ctx;
    return wslay_event_get_queued_msg_length(c) + wslay_event_get_queued_msg_count(c) * FRAME_OVERHEAD + ws->ctl_len +
           ws->ctl_out_len + ws->sq_bytes + ws->sq_len * FRAME_OVERHEAD;
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

static void proceed(bc_ws *ws);

static void on_closer(h2o_timeout_entry_t *entry)
{
    bc_ws *ws = H2O_STRUCT_FROM_MEMBER(bc_ws, closer, entry);
    fail_conn(ws, ws->close_code, ws->close_reason, CLOSE_GRACE_MS);
    proceed(ws);
}

void bc_ws_close(bc_ws *ws, uint16_t code, const char *reason)
{
    /* wslay sends a queued close before queued data frames: queue it on the next loop turn, once
     * the frames queued so far went to our buffer */
    if (!ws->conn || !ws->conn->sock || ws->closing || h2o_timeout_is_linked(&ws->closer))
        return;
    ws->close_code = code;
    snprintf(ws->close_reason, sizeof ws->close_reason, "%s", reason);
    h2o_timeout_link(ws->loop->ctx.loop, &ws->loop->ctx.zero_timeout, &ws->closer);
}

/* Closes ws when its queue is over the bound; returns 1 if so. */
static int check_queue(bc_ws *ws)
{
    if (ws->closing || queued_bytes(ws) <= (size_t)bc_cfg.ws_max_queued_bytes)
        return ws->closing;
    fail_conn(ws, WSLAY_CODE_POLICY_VIOLATION, "send queue over limit", 0);
    return 1;
}

/* Queues text as a frame in wslay (copied), within the bound. */
static void queue_raw(bc_ws *ws, const char *text, size_t len)
{
    if (!ws->conn && !ws->closing) { /* inside on_open: kept until the upgrade starts */
        early *e = ws->early_bytes + len + FRAME_OVERHEAD <= (size_t)bc_cfg.ws_max_queued_bytes
                       ? malloc(sizeof *e + len)
                       : NULL;
        if (!e)
            return;
        e->len = len;
        memcpy(e->text, text, len);
        early **pp = &ws->early;
        while (*pp)
            pp = &(*pp)->next;
        e->next = NULL;
        *pp = e;
        ws->early_bytes += len + FRAME_OVERHEAD;
        return;
    }
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
    if (wslay_event_queue_msg(ws->conn->ws_ctx, &m) == 0)
        bc_metrics_add(BC_METRIC_WS_SENT, 1);
}

/* A JSON frame for ws: through its codec when it has one. */
static void queue_text(bc_ws *ws, const char *text, size_t len, int64_t seq)
{
    if (ws->codec && ws->codec->encode)
        ws->codec->encode(ws, text, len, seq);
    else
        queue_raw(ws, text, len);
}

static void on_written(h2o_socket_t *sock, const char *err);

/* Hands the wslay bytes and the shared frames queued behind them to the socket in one write.
 * Requires an upgraded socket with no write in flight; no wslay call (safe inside its send callback). */
static void start_write(bc_ws *ws)
{
    h2o_iovec_t iov[WRITE_IOV_MAX];
    size_t n = 0;
    if (ws->ctl_len) {
        ws->ctl_out = ws->ctl;
        ws->ctl_out_len = ws->ctl_len;
        ws->ctl = NULL;
        ws->ctl_len = ws->ctl_cap = 0;
        iov[n++] = h2o_iovec_init(ws->ctl_out, ws->ctl_out_len);
    }
    uint32_t k = 0;
    while (k < ws->sq_len && n < WRITE_IOV_MAX) {
        shared_text *t = ws->sq[(ws->sq_head + k) % ws->sq_cap]->text;
        iov[n++] = h2o_iovec_init(t->data, t->hdr + t->len);
        k++;
    }
    if (n == 0)
        return;
    ws->inflight = k;
    ws->writing = 1;
    h2o_socket_write(ws->conn->sock, iov, n, on_written);
}

/* wslay's send callback (replaces h2o's): keeps the bytes and writes them when the socket is free. */
static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
    (void)flags;
    bc_ws *ws = ((h2o_websocket_conn_t *)user)->data;
    if (ws->ctl_len + len > ws->ctl_cap) {
        size_t cap = ws->ctl_cap ? ws->ctl_cap : 256;
        while (cap < ws->ctl_len + len)
            cap *= 2;
        char *p = realloc(ws->ctl, cap);
        if (!p) {
            wslay_event_set_error(ctx, WSLAY_ERR_NOMEM);
            return -1;
        }
        ws->ctl = p;
        ws->ctl_cap = cap;
    }
    memcpy(ws->ctl + ws->ctl_len, data, len);
    ws->ctl_len += len;
    if (!ws->writing && !ws->gathering)
        start_write(ws);
    return (ssize_t)len;
}

/* Sends what is queued (wslay's frames first, then the shared ones) when no write is in flight.
 * Returns 1 when a write is in flight afterwards. Not from inside wslay. */
static int ws_flush(bc_ws *ws)
{
    if (!ws->conn || !ws->conn->sock)
        return 0;
    if (!ws->writing) {
        ws->gathering = 1;
        if (wslay_event_want_write(ws->conn->ws_ctx))
            wslay_event_send(ws->conn->ws_ctx); /* only fills ws->ctl; an error shows up as a closed socket */
        ws->gathering = 0;
        start_write(ws);
    }
    return ws->writing;
}

static void on_written(h2o_socket_t *sock, const char *err)
{
    h2o_websocket_conn_t *conn = sock->data;
    bc_ws *ws = conn->data;
    ws->writing = 0;
    free(ws->ctl_out);
    ws->ctl_out = NULL;
    ws->ctl_out_len = 0;
    for (uint32_t i = 0; i < ws->inflight; i++) {
        hub_msg *m = ws->sq[ws->sq_head];
        ws->sq_bytes -= m->text->hdr + m->text->len;
        ws->sq_head = (ws->sq_head + 1) % ws->sq_cap;
        ws->sq_len--;
        hub_msg_release(m);
    }
    ws->inflight = 0;
    if (ws->sq_len == 0 && ws->sq != ws->sq_inline) { /* an idle viewer keeps no queue */
        free(ws->sq);
        ws->sq = ws->sq_inline;
        ws->sq_cap = sizeof ws->sq_inline / sizeof ws->sq_inline[0];
        ws->sq_head = 0;
    }
    if (err) {
        conn->cb(conn, NULL); /* as h2o does on a failed write: frees ws */
        return;
    }
    if (ws_flush(ws))
        return;
    h2o_websocket_proceed(conn); /* reading, or the end after both close frames (may free ws) */
}

/* Queues a shared frame on an upgraded connection (loop thread), within the bound. */
static void sq_push(bc_ws *ws, hub_msg *m)
{
    size_t bytes = m->text->hdr + m->text->len;
    if (ws->closing)
        return;
    /* wslay's own queue (a cache miss per viewer) is only looked at beyond half the bound */
    size_t own = ws->ctl_len + ws->ctl_out_len + ws->sq_bytes + ws->sq_len * FRAME_OVERHEAD + bytes + FRAME_OVERHEAD;
    if (own > (size_t)bc_cfg.ws_max_queued_bytes / 2 &&
        queued_bytes(ws) + bytes + FRAME_OVERHEAD > (size_t)bc_cfg.ws_max_queued_bytes) {
        fail_conn(ws, WSLAY_CODE_POLICY_VIOLATION, "send queue over limit", 0);
        return;
    }
    if (ws->sq_len == ws->sq_cap) {
        uint32_t cap = ws->sq_cap * 2;
        hub_msg **q = malloc(sizeof *q * cap);
        if (!q)
            return;
        for (uint32_t i = 0; i < ws->sq_len; i++)
            q[i] = ws->sq[(ws->sq_head + i) % ws->sq_cap];
        if (ws->sq != ws->sq_inline)
            free(ws->sq);
        ws->sq = q;
        ws->sq_cap = cap;
        ws->sq_head = 0;
    }
    ws->sq[(ws->sq_head + ws->sq_len) % ws->sq_cap] = m;
    ws->sq_len++;
    ws->sq_bytes += bytes;
    m->refs++;
    bc_metrics_add(BC_METRIC_WS_SENT, 1);
}

/* Lets h2o send what is queued, unless the upgrade is still in flight (h2o proceeds itself then). */
static void proceed(bc_ws *ws)
{
    if (ws->conn && ws->conn->sock && !ws_flush(ws))
        h2o_websocket_proceed(ws->conn);
}

void bc_ws_send(bc_ws *ws, const char *text, size_t len)
{
    queue_text(ws, text, len, 0);
    /* From on_message we are already inside h2o_websocket_proceed -> wslay_event_recv: proceeding
     * again would re-enter wslay (and could close and free the connection under the caller); the
     * outer proceed loop sends the queued frame. */
    if (!ws->in_message)
        proceed(ws);
}

void bc_ws_queue_raw(bc_ws *ws, const char *text, size_t len) { queue_raw(ws, text, len); }

void bc_ws_send_raw(bc_ws *ws, const char *text, size_t len)
{
    queue_raw(ws, text, len);
    if (!ws->in_message)
        proceed(ws);
}

void bc_ws_pass(bc_ws *ws, const char *data, size_t len)
{
    if (ws->route->on_message && !ws->closing)
        ws->route->on_message(ws, data, len);
}

static void on_beat(h2o_timeout_entry_t *entry)
{
    bc_ws *ws = H2O_STRUCT_FROM_MEMBER(bc_ws, beat, entry);
    if (ws->closing || !ws->codec || !ws->codec->tick)
        return;
    h2o_timeout_link(ws->loop->ctx.loop, &((ws_loop *)ws->loop->rooms)->tick, &ws->beat);
    ws->codec->tick(ws, h2o_now(ws->loop->ctx.loop));
}

void *bc_ws_codec_state(bc_ws *ws) { return ws->codec_state; }

void bc_ws_set_codec(bc_ws *ws, const bc_ws_codec *codec, void *state)
{
    ws->codec = codec;
    ws->codec_state = state;
    if (h2o_timeout_is_linked(&ws->beat))
        h2o_timeout_unlink(&ws->beat);
    if (codec && codec->tick)
        h2o_timeout_link(ws->loop->ctx.loop, &((ws_loop *)ws->loop->rooms)->tick, &ws->beat);
}

void bc_hub_publish(int64_t id, const char *text, size_t len)
{
    if (publisher_fn && id < BC_HUB_PRIVATE_ROOM_BASE) {
        publisher_fn(id, text, len);
        return;
    }
    bc_hub_send_local(id, text, len);
    if (relay_fn)
        relay_fn(id, text, len);
}

static void hub_send(int64_t id, uint64_t to, int64_t seq, const char *text, size_t len, uint16_t close_code,
                     int64_t user);

void bc_hub_send_local(int64_t id, const char *text, size_t len) { hub_send(id, 0, 0, text, len, 0, 0); }

void bc_hub_send_seq(int64_t id, int64_t seq, const char *text, size_t len) { hub_send(id, 0, seq, text, len, 0, 0); }

void bc_hub_send_to(int64_t id, uint64_t conn_id, const char *text, size_t len)
{
    if (conn_id)
        hub_send(id, conn_id, 0, text, len, 0, 0);
}

void bc_hub_close_to(int64_t id, uint64_t conn_id, uint16_t code, const char *reason)
{
    size_t len = strlen(reason);
    if (conn_id && code)
        hub_send(id, conn_id, 0, reason, len < 120 ? len : 120, code, 0);
}

void bc_hub_close_user_local(int64_t user_id, uint16_t code, const char *reason)
{
    size_t len = strlen(reason);
    if (user_id > 0 && code)
        hub_send(0, 0, 0, reason, len < 120 ? len : 120, code, user_id);
}

void bc_hub_close_user(int64_t user_id, uint16_t code, const char *reason)
{
    bc_hub_close_user_local(user_id, code, reason);
    if (user_id > 0 && user_relay_fn)
        user_relay_fn(user_id, reason);
}

/* The RFC 6455 §5.2 header of an unmasked, final text frame of len payload bytes; returns its size. */
static size_t frame_header(uint8_t *h, size_t len)
{
    h[0] = 0x80 | WSLAY_TEXT_FRAME;
    if (len < 126) {
        h[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        h[1] = 126;
        h[2] = (uint8_t)(len >> 8);
        h[3] = (uint8_t)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

static void hub_send(int64_t id, uint64_t to, int64_t seq, const char *text, size_t len, uint16_t close_code,
                     int64_t user)
{
    int n;
    bc_http_loop *loops = bc_http_loops(&n);
    if (n == 0)
        return;
    uint8_t hdr[10];
    size_t hl = frame_header(hdr, len);
    shared_text *t = malloc(sizeof *t + hl + len + 1);
    if (!t)
        return;
    atomic_init(&t->refs, n);
    t->len = len;
    t->hdr = hl;
    t->seq = seq;
    memcpy(t->data, hdr, hl);
    memcpy(t->data + hl, text, len);
    t->data[hl + len] = 0; /* a close reason (bc_hub_close_to) is read as a string */
    for (int i = 0; i < n; i++) {
        hub_msg *m = calloc(1, sizeof *m);
        if (!m) {
            if (atomic_fetch_sub(&t->refs, 1) == 1)
                free(t);
            continue;
        }
        m->room = id;
        m->to = to;
        m->close_code = close_code;
        m->user = user;
        m->text = t;
        h2o_multithread_send_message(&loops[i].hub_receiver, &m->super);
    }
}

static void on_hub_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    bc_http_loop *loop = H2O_STRUCT_FROM_MEMBER(bc_http_loop, hub_receiver, receiver);
    /* queue every message of the batch to everyone first, then flush once per room touched: a
     * burst goes out in one write per viewer, and a flush that closes a connection cannot disturb
     * the iteration */
    int64_t touched[16];
    int ntouched = 0, overflow = 0;
    uint64_t now = h2o_now(loop->ctx.loop);
    ws_loop *wl = loop->rooms;
    while (!h2o_linklist_is_empty(messages)) {
        hub_msg *m = H2O_STRUCT_FROM_MEMBER(hub_msg, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        m->refs = 1;
        shared_text *t = m->text;
        if (m->user) { /* bc_hub_close_user: every connection of that user, in any room of this loop */
            for (int b = 0; b < ROOM_BUCKETS; b++)
                for (room *ur = wl->rooms[b]; ur; ur = ur->next)
                    for (bc_ws *ws = ur->head, *next; ws; ws = next) {
                        next = ws->next;
                        if (ws->user_id == m->user)
                            bc_ws_close(ws, m->close_code, t->data + t->hdr);
                    }
            hub_msg_release(m);
            continue;
        }
        room *r = room_get(loop, m->room, 0);
        for (bc_ws *ws = r ? r->head : NULL, *next; ws; ws = next) {
            next = ws->next;
            if (m->to && ws->id != m->to)
                continue;
            if (m->close_code) { /* bc_hub_close_to: close that connection, the text is the reason;
                                    after what was queued to it before (bc_ws_close) */
                bc_ws_close(ws, m->close_code, t->data + t->hdr);
                continue;
            }
            if (t->seq && t->seq <= ws->skip_seq)
                continue;
            if (ws->codec || !ws->conn->sock)
                queue_text(ws, t->data + t->hdr, t->len, t->seq);
            else
                sq_push(ws, m);
        }
        if (r && bc_cfg.ws_flush_ms > 0 &&
            (h2o_timeout_is_linked(&r->due) || now - r->last_flush_ms < (uint64_t)bc_cfg.ws_flush_ms)) {
            /* flushed less than ws_flush_ms ago: coalesce with what follows (one write per viewer) */
            if (!h2o_timeout_is_linked(&r->due))
                h2o_timeout_link(loop->ctx.loop, &wl->flush, &r->due);
        } else if (r) {
            int k = 0;
            while (k < ntouched && touched[k] != m->room)
                k++;
            if (k == ntouched && ntouched < (int)(sizeof touched / sizeof touched[0]))
                touched[ntouched++] = m->room;
            else if (k == ntouched)
                overflow = 1;
        }
        hub_msg_release(m);
    }
    for (int i = 0; i < ntouched; i++) {
        room *r = room_get(loop, touched[i], 0);
        if (r)
            r->last_flush_ms = now;
        for (bc_ws *ws = r ? r->head : NULL, *next; ws; ws = next) {
            next = ws->next;
            proceed(ws);
        }
    }
    if (overflow) { /* more rooms than tracked in one batch: flush every room of this loop */
        for (int b = 0; b < ROOM_BUCKETS; b++)
            for (room *r = wl->rooms[b], *rn; r; r = rn) {
                rn = r->next;
                for (bc_ws *ws = r->head, *next; ws; ws = next) {
                    next = ws->next;
                    proceed(ws);
                }
            }
    }
}

/* A coalesced flush is due: sends what the room's connections have queued. */
static void on_room_due(h2o_timeout_entry_t *entry)
{
    room *r = H2O_STRUCT_FROM_MEMBER(room, due, entry);
    bc_http_loop *loop = r->loop;
    int64_t id = r->id;
    r->last_flush_ms = h2o_now(loop->ctx.loop);
    for (bc_ws *ws = r->head, *next; ws; ws = next) {
        next = ws->next;
        proceed(ws); /* may free ws, and the room with its last connection */
        if (!next && !room_get(loop, id, 0))
            break;
    }
}

void bc_ws_loop_init(bc_http_loop *loop)
{
    ws_loop *wl = calloc(1, sizeof *wl);
    if (!wl)
        abort(); /* at start, before any request */
    h2o_timeout_init(loop->ctx.loop, &wl->grace, CLOSE_GRACE_MS);
    h2o_timeout_init(loop->ctx.loop, &wl->tick, WS_TICK_MS);
    h2o_timeout_init(loop->ctx.loop, &wl->flush, (uint64_t)(bc_cfg.ws_flush_ms > 0 ? bc_cfg.ws_flush_ms : 1));
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
    if (arg->opcode == WSLAY_TEXT_FRAME)
        bc_metrics_add(BC_METRIC_WS_RECEIVED, 1);
    if (arg->opcode == WSLAY_TEXT_FRAME && ws->route->on_message && !h2o_timeout_is_linked(&ws->closer)) {
        ws->in_message = 1;
        if (ws->codec && ws->codec->decode)
            ws->codec->decode(ws, (const char *)arg->msg, arg->msg_length);
        else
            ws->route->on_message(ws, (const char *)arg->msg, arg->msg_length);
        ws->in_message = 0;
    }
}

/* The first subprotocol the client offers (Sec-WebSocket-Protocol, comma-separated tokens, in
 * preference order: RFC 6455 §4.1, §11.3.4) that route speaks, or NULL. */
static const char *pick_subprotocol(h2o_req_t *hreq, const bc_ws_route *route)
{
    if (!route->subprotocols)
        return NULL;
    for (ssize_t i = -1; (i = h2o_find_header_by_str(&hreq->headers, H2O_STRLIT("sec-websocket-protocol"), i)) != -1;) {
        const char *p = hreq->headers.entries[i].value.base, *end = p + hreq->headers.entries[i].value.len;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
                p++;
            const char *tok = p;
            while (p < end && *p != ',' && *p != ' ' && *p != '\t')
                p++;
            size_t tl = (size_t)(p - tok);
            for (const char *const *sp = route->subprotocols; tl && *sp; sp++)
                if (strlen(*sp) == tl && memcmp(*sp, tok, tl) == 0)
                    return *sp;
        }
    }
    return NULL;
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
    if (!ws)
        return -1;
    ws->loop = bc_http_current_loop();
    ws->id = atomic_fetch_add(&ws_ids, 1) + 1;
    ws->user_id = r.authed ? r.auth.user_id : 0;
    ws->route = route;
    ws->kill.cb = on_kill;
    ws->beat.cb = on_beat;
    ws->closer.cb = on_closer;
    ws->sq = ws->sq_inline;
    ws->sq_cap = sizeof ws->sq_inline / sizeof ws->sq_inline[0];
    ws->subprotocol = pick_subprotocol(hreq, route);
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
        if (ws->codec && ws->codec->close)
            ws->codec->close(ws);
        if (route->on_close)
            route->on_close(ws);
        for (early *e = ws->early, *next; e; e = next) {
            next = e->next;
            free(e);
        }
        free(ws);
        bc_req_cleanup(&r);
        return 0;
    }
    bc_req_cleanup(&r);
    if (ws->subprotocol)
        h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, H2O_STRLIT("sec-websocket-protocol"), 0, NULL,
                              ws->subprotocol, strlen(ws->subprotocol));
    ws->conn = h2o_upgrade_to_websocket(hreq, client_key, ws, on_ws_message);
    bc_metrics_add(BC_METRIC_WS_OPEN, 1); /* ws_free takes it back */
    bc_metrics_add(BC_METRIC_WS_OPENED, 1);
    wslay_event_config_set_max_recv_msg_length(ws->conn->ws_ctx, MAX_RECV_BYTES);
    /* every write goes through ws.c (see the top): h2o's callbacks but our send */
    struct wslay_event_callbacks cbs = ws->conn->ws_callbacks;
    cbs.send_callback = ws_send_cb;
    wslay_event_config_set_callbacks(ws->conn->ws_ctx, &cbs);
    for (early *e = ws->early, *next; e; e = next) {
        next = e->next;
        queue_raw(ws, e->text, e->len);
        free(e);
    }
    ws->early = NULL;
    if (ws->joined)
        enter_room(ws);
    return 0;
}
