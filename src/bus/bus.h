/* bus: the room across instances. With BROADCART_REDIS_URL set, every room event published on
 * this instance (bc_hub_publish) is relayed once to a Redis pub/sub channel, and every event another
 * instance relays is delivered to this instance's viewers (bc_hub_send_local: one shared copy per
 * instance, fanned out by the loops). Viewer counts are exchanged the same way: each instance
 * announces its own count per room on change and once a second, and bc_hub_count adds the counts
 * other instances announced within the last BC_BUS_COUNT_TTL_MS.
 *
 * Delivery: an instance delivers its own events locally at once (as without Redis) and tags what it
 * relays with its random instance id; its own echo from Redis is skipped. So local chat keeps
 * working while Redis is down, and nothing arrives twice. Pub/sub is at-most-once: events published
 * while an instance is disconnected are not delivered to it later.
 *
 * Threads: one bus thread owns both Redis connections (hiredis 0.14, blocking, with timeouts): a
 * SUBSCRIBE connection read when poll() says it is readable, and a publish connection. Callers on
 * the loops or workers only append to a bounded queue (BC_BUS_QUEUE_MAX events; beyond it, and while
 * Redis is unreachable, events are dropped and counted) and never wait for Redis.
 *
 * Redis down: one error is logged, events are delivered on this instance only, remote counts expire,
 * and the thread reconnects with backoff (100 ms doubling to 2 s), resubscribes, and logs once more
 * when the connection is back (with the number of events not relayed meanwhile).
 *
 * Prefix: bc_bus_. */
#ifndef BC_BUS_H
#define BC_BUS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define BC_BUS_QUEUE_MAX 4096    /* events waiting for the publish connection */
#define BC_BUS_COUNT_TTL_MS 3500 /* another instance's count is forgotten this long after its last announce */
#define BC_BUS_INSTANCE_LEN 16   /* characters of an instance id ([a-zA-Z0-9]) */
#define BC_BUS_CHANNEL "broadcart:room"

/* A parsed BROADCART_REDIS_URL: redis://[[user]:password@]host[:port][/db]. */
typedef struct bc_bus_url {
    char host[256];
    int port;           /* default 6379 */
    char user[128];     /* "" = none (AUTH password only) */
    char password[256]; /* "" = no AUTH */
    int db; /* SELECT index, default 0: the database of the limit and unique-viewer keys (pub/sub ignores it) */
} bc_bus_url;

/* Parses url into out. Accepts the scheme redis:// only (no TLS, no unix sockets yet); host is a
 * name, IPv4 or [IPv6]; port 1..65535; db 0..1000000; user and password are taken verbatim (no
 * percent-decoding). Returns BC_OK, or BC_EINVAL (out unspecified) for anything else. */
int bc_bus_parse_url(const char *url, bc_bus_url *out);

/* Event kinds on the channel. */
enum {
    BC_BUS_EVENT = 'e',      /* payload: the room frame text, delivered as is */
    BC_BUS_COUNT = 'c',      /* payload: the sender's current viewer count in room, decimal */
    BC_BUS_HEARTBEAT = 'h',  /* room 0, empty payload: the sender is alive (and its subscription works) */
    BC_BUS_SEQ = 's',        /* payload: "<seq> <frame>", a room event numbered by Redis (bc_bus_publish_seq) */
    BC_BUS_CLOSE_USER = 'u', /* room: a user id; payload: the close reason (bc_hub_close_user): close their sockets */
};

/* One message on the channel: "1 <instance> <kind> <room> <payload>" (payload: the rest, any bytes). */
typedef struct bc_bus_msg {
    char instance[BC_BUS_INSTANCE_LEN + 1];
    char kind;
    int64_t room;        /* >= 0 */
    const char *payload; /* points into the parsed buffer; not NUL-terminated */
    size_t len;
} bc_bus_msg;

/* Writes a message into buf (cap bytes, no NUL added). Returns the message length, which is larger
 * than cap when buf was too small (nothing useful written then). instance must be BC_BUS_INSTANCE_LEN
 * characters of [a-zA-Z0-9]. */
size_t bc_bus_format(char *buf, size_t cap, const char *instance, char kind, int64_t room, const char *payload,
                     size_t len);
/* Parses a message of len bytes. Returns BC_OK, or BC_EINVAL for another version, a malformed
 * header or an unknown kind. out->payload points into data. */
int bc_bus_parse(const char *data, size_t len, bc_bus_msg *out);

/* Starts the bus for url (BROADCART_REDIS_URL): parses it, picks this instance's id, hooks into the
 * hub (relay and remote counts) and starts the bus thread, which connects in the background (the
 * server starts even when Redis is down). Call once, before the loops serve. Returns BC_OK,
 * BC_EINVAL for a malformed URL (logged), or BC_ERR when the thread cannot start. */
int bc_bus_start(const char *url);

/* Counters since start (any thread): events relayed, events dropped (queue full or Redis down),
 * events received from other instances. */
void bc_bus_stats(uint64_t *published, uint64_t *dropped, uint64_t *received);

/* ---- sequenced room events (resume after a reconnect) ----
 * bc_bus_publish_seq hands a live-room frame (a JSON object text) to the bus thread, which runs one
 * atomic script per event on the publish connection: INCR the room's sequence
 * ("broadcart:room:ID:seq"), splice "seq":N in as the frame's first member, append "N <frame>" to
 * the room's history list ("broadcart:room:ID:history", trimmed to BC_BUS_HISTORY entries, both
 * keys kept BC_BUS_UNIQUE_TTL_MS) and PUBLISH it as a BC_BUS_SEQ message. Every instance, this one
 * included, delivers it from the subscription, so all viewers see one order and one numbering.
 * Events still queued when the connection is lost are handed back with seq 0 (delivered on this
 * instance without a number); one whose script ran but whose echo was lost with the connection is
 * not delivered here. */
#define BC_BUS_HISTORY 500
/* Queues text (len bytes, starting with '{"'); BC_OK, or BC_EBUSY when Redis is not connected or
 * the queue is full (the caller delivers it locally, unnumbered). Any thread; never waits. */
int bc_bus_publish_seq(int64_t room, const char *text, size_t len);
/* Sets, before bc_bus_start, the function sequenced events are delivered to (the bus thread calls it;
 * text borrowed for the call). seq 0: an event that could not be sequenced (see above). */
void bc_bus_on_seq(void (*fn)(int64_t room, int64_t seq, const char *text, size_t len));
/* Reads the room's history list on the calling thread's own connection (as bc_bus_eval: a worker
 * only) and calls fn(seq, frame, len, arg) for every entry with seq > after,
 * oldest first. Returns BC_OK, BC_ENOTFOUND (bus not configured) or BC_EBUSY (Redis unreachable). */
int bc_bus_history(int64_t room, int64_t after, void (*fn)(int64_t seq, const char *frame, size_t len, void *arg),
                   void *arg);

/* ---- cluster-wide counters: atomic Lua scripts ----
 * Modules keep the scripts of their own counters (the chat rate limiter, the login throttles) and
 * run them here. Each calling thread (a worker: never an event loop) has its own connection,
 * opened on first use with a 200 ms connect and 250 ms command timeout. While Redis does not
 * answer, calls return at once for a second after each failure, so callers fall back to their
 * in-process counters without waiting; the outage is logged once (ERROR, component "bus") and its
 * end once (WARN). A script runs by EVALSHA, pipelined behind a SCRIPT LOAD the first time a
 * connection runs it (Redis docs, "Scripting with Lua"). */
#define BC_BUS_EVAL_MAX_KEYS 8
#define BC_BUS_EVAL_MAX_ARGS 8
#define BC_BUS_EVAL_MAX_CALLS 256 /* calls of bc_bus_eval_many per round trip */

/* A script (static storage): lua is its text; the rest is filled on first use. */
typedef struct bc_bus_script {
    const char *lua;
    char sha[41];
    atomic_int ready;
} bc_bus_script;

/* Whether the bus runs (BROADCART_REDIS_URL set and bc_bus_start succeeded); any thread. */
int bc_bus_configured(void);
/* This instance's random id (BC_BUS_INSTANCE_LEN characters of [a-zA-Z0-9]; "" before
 * bc_bus_start): for members and keys that must differ between instances. */
const char *bc_bus_instance(void);
/* A positive number for script arguments that must differ between calls: a per-process random
 * 31-bit salt above a 32-bit counter, so unique within a process (up to 2^32 calls) and across
 * instances with high probability (any thread). */
int64_t bc_bus_unique(void);
/* Runs script with nkeys keys (NUL-terminated strings) and nargs integer arguments, atomically in
 * Redis, on the calling thread's connection (blocking for at most the timeouts above: call it on
 * a worker, never on a loop). The reply's integers go to out[0..nout-1] (an integer reply fills
 * out[0]; an array fills one element each; anything else reads as 0). Returns BC_OK,
 * BC_ENOTFOUND (the bus is not configured), BC_EBUSY (Redis unreachable or timed out: use the
 * in-process fallback), BC_EINVAL (too many keys or arguments, nout < 1) or BC_ERR (Redis
 * answered with an error, e.g. OOM or a script error: treated as an outage, logged once, the
 * fallback applies for the next second too). */
int bc_bus_eval(bc_bus_script *script, int nkeys, const char *const *keys, int nargs, const int64_t *args, int64_t *out,
                int nout);
/* As bc_bus_eval for n (1..BC_BUS_EVAL_MAX_CALLS) calls of the same script in one round trip
 * (pipelined; each call is still atomic on its own, and they run in order): call i takes keys
 * [i*nkeys, (i+1)*nkeys) and args [i*nargs, (i+1)*nargs), and its reply goes to
 * out[i*nout .. i*nout+nout-1]. Same returns; on any error out is unspecified and the caller
 * falls back for all n. */
int bc_bus_eval_many(bc_bus_script *script, int n, int nkeys, const char *const *keys, int nargs, const int64_t *args,
                     int64_t *out, int nout);

/* ---- unique viewers per live (Redis HyperLogLog) ----
 * One HyperLogLog per live, "broadcart:live:ID:viewers", kept BC_BUS_UNIQUE_TTL_MS after its last
 * addition. PFCOUNT is exact for small sets and within about 0.81 % (standard error) beyond (Redis
 * docs, PFCOUNT), in at most 12 KiB per live. Additions go through the bus thread's bounded queue
 * (dropped while Redis is unreachable, like room events); the bus thread re-counts a live within
 * 100 ms of an addition here, and every second for lives with viewers here, and calls
 * bc_hub_count_changed when the count moved (so a viewers frame follows). */
#define BC_BUS_MEMBER_MAX 63 /* bytes of a viewer's member string */
#define BC_BUS_KEY_MAX 64
#define BC_BUS_UNIQUE_TTL_MS (30LL * 24 * 3600 * 1000)
/* Writes the HyperLogLog key of live room into out. */
void bc_bus_unique_key(int64_t room, char out[BC_BUS_KEY_MAX]);
/* Queues the viewer member (1..BC_BUS_MEMBER_MAX bytes, e.g. "u:42") of room for PFADD (any thread;
 * never waits; dropped and counted when the queue is full or Redis is down). */
void bc_bus_unique_add(int64_t room, const char *member);
/* The last PFCOUNT of room read by the bus thread, or -1 when it has not read one (any thread). */
int64_t bc_bus_unique_cached(int64_t room);

#endif
