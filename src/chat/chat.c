/* The live room: WebSocket callbacks (event-loop threads, no database), the per-user rate limiter,
 * the worker job that stores and broadcasts a chat message, viewer-count frames and the history
 * endpoint. See chat.h for the protocol. */
#include "chat_int.h"

#include "../accounts/accounts.h"
#include "../bus/bus.h"
#include "../live/live.h"
#include "room.h"
#include "stomp.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW_MS 10000 /* rate-limit window */
#define RATE_BUCKETS 256
#define RATE_GC_THRESHOLD 4096  /* sweep idle rate entries when the table grows beyond this */
#define VIEWERS_INTERVAL_MS 500 /* at most one viewers frame per room per interval */
#define TICK_MS 100
#define DRAIN_BATCH 64 /* chat messages per drain transaction (and per Redis round trip) */

/* Per-connection state (owned by the connection; freed in on_close). */
typedef struct conn_state {
    int64_t live_id;
    int64_t user_id;                /* 0 = anonymous (read-only) */
    int role;                       /* enum bc_role at the handshake (0 anonymous) */
    uint64_t conn_id;               /* bc_ws_id */
    struct conn_state *prev, *next; /* the registry of signed-in connections (chat_close_user) */
    bc_room_viewer rv;              /* hearts rate (room.h) */
} conn_state;

/* One accepted chat message waiting to be stored and broadcast (owned by the queue, then by
 * the drain job that frees it). */
typedef struct chat_job {
    struct chat_job *next;
    int64_t live_id, user_id;
    uint64_t conn_id; /* the sender's connection (bc_hub_send_to) */
    int rate_checked; /* 1: the loop already rate-limited it (no bus); 0: the drain job does */
    int refused;      /* set by the drain job: over the cluster-wide rate limit, not stored */
    int question;     /* the viewer marked it as a question */
    mod_refusal why;  /* set by the drain job: refused by the room's rules (moderation.c), not stored */
    char *frame;      /* set by the drain job: the serialised chat frame */
    char text[];
} chat_job;

/* ---- known lives (highest id) ---- */
static atomic_llong max_live_id;
static atomic_int max_loaded;
static atomic_llong last_refresh_ms;

void bc_chat_note_live(int64_t id)
{
    long long cur = atomic_load(&max_live_id);
    while (id > cur && !atomic_compare_exchange_weak(&max_live_id, &cur, id))
        ;
}

static void load_max_job(bc_db *db, void *arg)
{
    (void)arg;
    int64_t max = 0;
    if (bc_live_max_id(db, &max) == BC_OK) {
        bc_chat_note_live(max);
        atomic_store(&max_loaded, 1);
    }
}

/* Whether a connection to live id may open: unknown until the first load, then id <= max. */
static int live_may_exist(int64_t id)
{
    if (!atomic_load(&max_loaded) || id <= atomic_load(&max_live_id))
        return 1;
    /* maybe created by another process: re-read, at most once a second */
    int64_t now = bc_now_ms();
    long long last = atomic_load(&last_refresh_ms);
    if (now - last >= 1000 && atomic_compare_exchange_strong(&last_refresh_ms, &last, now))
        bc_http_defer(load_max_job, NULL);
    return 0;
}

/* ---- rate limiter: exact sliding window of the last R send times per user ---- */
typedef struct rate_entry {
    int64_t user_id;
    int n, head;
    int pending; /* with the bus: messages queued and not yet checked by the drain job */
    struct rate_entry *next;
    int64_t ts[]; /* ring of bc_cfg.chat_rate_per_10s times (ms) */
} rate_entry;

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static rate_entry *rate_table[RATE_BUCKETS];
static int rate_entries;

static int64_t newest(const rate_entry *e, int cap) { return e->n == 0 ? 0 : e->ts[(e->head + e->n - 1) % cap]; }

/* Drops entries whose newest send is outside the window (rate_lock held). */
static void rate_gc(int64_t now, int cap)
{
    for (int b = 0; b < RATE_BUCKETS; b++) {
        for (rate_entry **pp = &rate_table[b], *e; (e = *pp);) {
            if (now - newest(e, cap) >= WINDOW_MS && e->pending == 0) {
                *pp = e->next;
                free(e);
                rate_entries--;
            } else {
                pp = &e->next;
            }
        }
    }
}

static int rate_cap(void) { return bc_cfg.chat_rate_per_10s > 0 ? bc_cfg.chat_rate_per_10s : 1; }

/* user_id's entry, created when create is set (NULL when absent or out of memory). rate_lock held. */
static rate_entry *rate_find(int64_t user_id, int64_t now, int create)
{
    int cap = rate_cap();
    size_t b = (size_t)((uint64_t)user_id * 11400714819323198485ull >> 56) % RATE_BUCKETS;
    rate_entry *e = rate_table[b];
    while (e && e->user_id != user_id)
        e = e->next;
    if (!e && create) {
        if (rate_entries >= RATE_GC_THRESHOLD)
            rate_gc(now, cap);
        e = calloc(1, sizeof *e + sizeof(int64_t) * (size_t)cap);
        if (!e)
            return NULL;
        e->user_id = user_id;
        e->next = rate_table[b];
        rate_table[b] = e;
        rate_entries++;
    }
    return e;
}

/* Records a send by user_id at now if allowed. Returns 1 when allowed, 0 when over the limit. */
static int rate_allow(int64_t user_id, int64_t now)
{
    int cap = rate_cap(), ok = 1;
    pthread_mutex_lock(&rate_lock);
    rate_entry *e = rate_find(user_id, now, 1);
    if (!e)
        goto out; /* fail open: a missing entry only loses rate accounting */
    if (e->n < cap) {
        e->ts[(e->head + e->n) % cap] = now;
        e->n++;
    } else if (now - e->ts[e->head] >= WINDOW_MS) {
        e->ts[e->head] = now; /* the oldest of the last cap sends left the window */
        e->head = (e->head + 1) % cap;
    } else {
        ok = 0;
    }
out:
    pthread_mutex_unlock(&rate_lock);
    return ok;
}

/* With the bus (loop thread): at most the rate's number of a user's messages may wait for the
 * drain job's cluster-wide check at once; more would be refused there anyway unless some of them
 * are, so a flood is refused here at once instead of filling the shared queue. Returns 1 when the
 * message may be queued (then pending_done must follow), 0 when not. */
static int pending_take(int64_t user_id)
{
    int ok = 1;
    pthread_mutex_lock(&rate_lock);
    rate_entry *e = rate_find(user_id, bc_now_ms(), 1);
    if (e && e->pending >= rate_cap())
        ok = 0;
    else if (e)
        e->pending++;
    pthread_mutex_unlock(&rate_lock);
    return ok;
}

static void pending_done(int64_t user_id)
{
    pthread_mutex_lock(&rate_lock);
    rate_entry *e = rate_find(user_id, 0, 0);
    if (e && e->pending > 0)
        e->pending--;
    pthread_mutex_unlock(&rate_lock);
}

/* Cluster-wide (BROADCART_REDIS_URL): the same exact sliding window, kept in Redis as a sorted
 * set of send times per user (score = Redis's clock in ms, so instances' clocks do not matter),
 * checked and recorded in one atomic script (Redis docs, "Scripting with Lua": a script runs
 * without any other command in between). */
static bc_bus_script rate_script = {.lua = "if redis.replicate_commands then pcall(redis.replicate_commands) end\n"
                                           "local t = redis.call('TIME')\n"
                                           "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
                                           "local w, max = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
                                           "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - w)\n"
                                           "if redis.call('ZCARD', KEYS[1]) >= max then return 0 end\n"
                                           "redis.call('ZADD', KEYS[1], now, t[1] .. '.' .. t[2] .. ':' .. ARGV[3])\n"
                                           "redis.call('PEXPIRE', KEYS[1], w)\n"
                                           "return 1\n"};

/* Worker thread: sets allowed[i] for the n (<= DRAIN_BATCH) senders user_ids[i], in order: the
 * cluster-wide check for all of them in one round trip, or the in-process one while Redis does not
 * answer. */
static void rate_allow_cluster(int n, const int64_t *user_ids, int *allowed)
{
    char keys[DRAIN_BATCH][40];
    const char *kp[DRAIN_BATCH];
    int64_t args[DRAIN_BATCH * 3], ok[DRAIN_BATCH];
    for (int i = 0; i < n; i++) {
        snprintf(keys[i], sizeof keys[i], "broadcart:chat:rate:%lld", (long long)user_ids[i]);
        kp[i] = keys[i];
        args[3 * i] = WINDOW_MS;
        args[3 * i + 1] = rate_cap();
        args[3 * i + 2] = bc_bus_unique();
    }
    int rc = bc_bus_eval_many(&rate_script, n, 1, kp, 3, args, ok, 1);
    for (int i = 0; i < n; i++)
        allowed[i] = rc == BC_OK ? ok[i] == 1 : rate_allow(user_ids[i], bc_now_ms());
}

/* ---- frames ---- */

static void publish_json(int64_t live_id, json_t *frame)
{
    char *s = json_dumps(frame, JSON_COMPACT);
    if (s)
        bc_hub_publish(live_id, s, strlen(s));
    free(s);
}

void bc_chat_publish_event(int64_t live_id, const char *type, json_t *data)
{
    json_t *f = json_pack("{s:s}", "type", type);
    if (json_is_object(data))
        json_object_update(f, data);
    json_object_set_new(f, "type", json_string(type)); /* data cannot override the type */
    if (strcmp(type, "pin") == 0 && json_is_object(json_object_get(f, "product")))
        bc_room_note(live_id, BC_ROOM_PINS, 1); /* the room's figures */
    publish_json(live_id, f);
    json_decref(f);
}

/* The chat frame shape (CONTRACT "chat frames"); caller owns the result. */
static json_t *chat_frame(int64_t id, int64_t live_id, int64_t user_id, const char *name, const char *role,
                          const char *text, int64_t sent_at, int is_seller, const char *badge, int question)
{
    char iso[32];
    bc_time_iso(sent_at, iso, sizeof iso);
    return json_pack("{s:s,s:I,s:I,s:{s:I,s:s,s:s},s:s,s:s,s:b,s:s?,s:b}", "type", "chat", "id", (json_int_t)id,
                     "live_id", (json_int_t)live_id, "user", "id", (json_int_t)user_id, "name", name, "role", role,
                     "text", text, "sent_at", iso, "is_seller", is_seller, "badge", badge, "question", question);
}

static char *error_frame(const char *code, const char *message)
{
    json_t *f = json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", message);
    char *s = f ? json_dumps(f, JSON_COMPACT) : NULL;
    json_decref(f);
    return s;
}

static void send_error(bc_ws *ws, const char *code, const char *message)
{
    char *s = error_frame(code, message);
    if (s)
        bc_ws_send(ws, s, strlen(s));
    free(s);
}

#define RATE_LIMITED_MESSAGE "too many messages; wait a few seconds"
#define BANNED_MESSAGE "you are banned from this live's chat"

/* Sends the refusal's error frame to one connection (any thread); a ban also closes it (1008). */
static void refuse_to(int64_t live_id, uint64_t conn_id, const mod_refusal *why)
{
    char *e = error_frame(why->code, why->message);
    if (e)
        bc_hub_send_to(live_id, conn_id, e, strlen(e));
    free(e);
    if (strcmp(why->code, "BANNED_FROM_LIVE") == 0)
        bc_hub_close_to(live_id, conn_id, 1008, "banned from this live");
}

/* ---- the registry of signed-in connections per live (for closing a banned user's) ---- */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static conn_state *conns[RATE_BUCKETS];

static size_t conn_bucket(int64_t live)
{
    return (size_t)((uint64_t)live * 11400714819323198485ull >> 56) % RATE_BUCKETS;
}

static void conn_add(conn_state *st)
{
    pthread_mutex_lock(&conns_lock);
    conn_state **head = &conns[conn_bucket(st->live_id)];
    st->prev = NULL;
    st->next = *head;
    if (*head)
        (*head)->prev = st;
    *head = st;
    pthread_mutex_unlock(&conns_lock);
}

static void conn_remove(conn_state *st)
{
    pthread_mutex_lock(&conns_lock);
    if (st->prev)
        st->prev->next = st->next;
    else
        conns[conn_bucket(st->live_id)] = st->next;
    if (st->next)
        st->next->prev = st->prev;
    pthread_mutex_unlock(&conns_lock);
}

static const mod_refusal banned_refusal = {"BANNED_FROM_LIVE", BANNED_MESSAGE};

void chat_close_user(int64_t live_id, int64_t user_id)
{
    pthread_mutex_lock(&conns_lock); /* the hub only queues messages here: never calls back */
    for (conn_state *c = conns[conn_bucket(live_id)]; c; c = c->next)
        if (c->live_id == live_id && c->user_id == user_id)
            refuse_to(live_id, c->conn_id, &banned_refusal);
    pthread_mutex_unlock(&conns_lock);
}

void chat_close_banned(const mod_snap *s)
{
    pthread_mutex_lock(&conns_lock);
    for (conn_state *c = conns[conn_bucket(s->live_id)]; c; c = c->next)
        if (c->live_id == s->live_id && mod_banned(s, c->user_id))
            refuse_to(s->live_id, c->conn_id, &banned_refusal);
    pthread_mutex_unlock(&conns_lock);
}

/* ---- the chat queue: one FIFO drained by at most one worker job at a time, so messages are
 * stored (ids) and broadcast in the order they were received (a user's burst stays in order),
 * in batches of up to DRAIN_BATCH per transaction. ---- */
#define MAX_PENDING 10000

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static chat_job *q_head, *q_tail;
static int q_len, q_draining;

/* Stores one message (inside the drain transaction) and sets job->frame; drops it silently when
 * the live is unknown, ENDED or MISSED (never broadcast: its room is closed) or the author unknown. The live's seller
 * and status come from the live module (seller_id, status: "" when unknown), the author's name and role from names (the
 * accounts module's map for the batch). Returns BC_EBUSY when a statement lost a conflict (the
 * batch is run again), else BC_OK (a message the database refused is logged and left out). */
static int store_one(bc_db *db, chat_job *job, int64_t seller_id, const char *status, const mod_snap *room,
                     json_t *names)
{
    json_t *frame = NULL;
    int64_t now = bc_now_ms(), id = 0;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)job->user_id);
    json_t *who = json_object_get(names, key);
    int rc = BC_OK;
    if (!who || !*status || strcmp(status, "ENDED") == 0 || strcmp(status, "MISSED") == 0 || !room)
        goto out;
    int role = bc_role_from_name(json_string_value(json_object_get(who, "role")));
    rc = mod_check_message(db, room, job->user_id, role, job->text, now, &job->why);
    if (rc != BC_OK || job->why.code)
        goto out;
    rc = bc_db_int(db, &id,
                   "INSERT INTO chat_messages (live_id, user_id, text, created_at, question) VALUES (?, ?, ?, ?, ?)"
                   " RETURNING id",
                   "iitii", job->live_id, job->user_id, job->text, now, (int64_t)job->question);
    if (rc == BC_EBUSY)
        goto out;
    if (rc != 1) {
        bc_log_warn("chat", "cannot store a message for live %lld", (long long)job->live_id);
        goto out;
    }
    frame = chat_frame(id, job->live_id, job->user_id, json_string_value(json_object_get(who, "name")),
                       json_string_value(json_object_get(who, "role")), job->text, now, seller_id == job->user_id,
                       mod_badge(room, job->user_id, role), job->question);
    job->frame = frame ? json_dumps(frame, JSON_COMPACT) : NULL;
out:
    json_decref(frame);
    return rc == BC_EBUSY ? BC_EBUSY : BC_OK;
}

/* The unit of work of one drained batch (a list of at most DRAIN_BATCH jobs), run by bc_db_tx:
 * inserts only, safe at READ COMMITTED; every job's frame is made again on each try. The authors
 * are looked up in one batch, each live once. */
static int store_batch_tx(bc_db *db, void *arg)
{
    int64_t users[DRAIN_BATCH] = {0}, lives[DRAIN_BATCH] = {0}, sellers[DRAIN_BATCH] = {0};
    char status[DRAIN_BATCH][16];
    mod_snap *rooms[DRAIN_BATCH] = {0};
    size_t nu = 0, nl = 0;
    json_t *names = NULL;
    int rc;
    for (chat_job *j = arg; j && nu < DRAIN_BATCH; j = j->next)
        if (!j->refused)
            users[nu++] = j->user_id;
    if ((rc = bc_accounts_user_names(db, users, nu, &names)) != BC_OK)
        return rc;
    for (chat_job *j = arg; j; j = j->next) {
        free(j->frame);
        j->frame = NULL;
        j->why = (mod_refusal){NULL, NULL};
        if (j->refused) /* refused by the cluster-wide rate limit: not stored */
            continue;
        size_t k = 0;
        while (k < nl && lives[k] != j->live_id)
            k++;
        if (k == nl && nl < DRAIN_BATCH) {
            lives[nl] = j->live_id;
            sellers[nl] = 0;
            rc = bc_live_state(db, j->live_id, &sellers[nl], status[nl]);
            if (rc == BC_ENOTFOUND)
                status[nl][0] = '\0';
            else if (rc != BC_OK)
                break;
            /* the room's rules as committed now: the cached snapshot when its versions are current */
            if (rc == BC_OK && (rc = mod_fresh(db, j->live_id, sellers[nl], &rooms[nl], NULL)) != BC_OK)
                break;
            rc = BC_OK;
            nl++;
        }
        if (k == nl) { /* cannot happen: a batch has at most DRAIN_BATCH jobs */
            rc = BC_ERR;
            break;
        }
        if ((rc = store_one(db, j, sellers[k], status[k], rooms[k], names)) != BC_OK)
            break;
    }
    for (size_t k = 0; k < nl; k++)
        mod_put(rooms[k]);
    json_decref(names);
    return rc;
}

/* Worker job: drains the queue batch by batch; clears q_draining when it finds it empty. */
static void drain_job(bc_db *db, void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&q_lock);
        chat_job *batch = q_head, *last = NULL;
        int n = 0;
        for (chat_job *j = q_head; j && n < DRAIN_BATCH; j = j->next, n++)
            last = j;
        if (n == 0) {
            q_draining = 0;
            pthread_mutex_unlock(&q_lock);
            return;
        }
        q_head = last->next;
        if (!q_head)
            q_tail = NULL;
        last->next = NULL;
        q_len -= n;
        pthread_mutex_unlock(&q_lock);

        int64_t senders[DRAIN_BATCH];
        int allowed[DRAIN_BATCH], m = 0;
        for (chat_job *j = batch; j; j = j->next)
            if (!j->rate_checked)
                senders[m++] = j->user_id;
        if (m > 0)
            rate_allow_cluster(m, senders, allowed);
        m = 0;
        for (chat_job *j = batch; j; j = j->next) {
            if (j->rate_checked)
                continue;
            pending_done(j->user_id);
            if (allowed[m++])
                continue;
            j->refused = 1;
            char *e = error_frame("RATE_LIMITED", RATE_LIMITED_MESSAGE);
            if (e)
                bc_hub_send_to(j->live_id, j->conn_id, e, strlen(e));
            free(e);
        }
        int ok = bc_db_tx(db, store_batch_tx, batch) == BC_OK;
        if (!ok)
            bc_log_warn("chat", "dropped %d chat message(s): the database refused the batch", n);
        for (chat_job *j = batch, *next; j; j = next) {
            next = j->next;
            if (ok && j->frame) {
                bc_hub_publish(j->live_id, j->frame, strlen(j->frame));
                bc_room_note(j->live_id, BC_ROOM_MESSAGES, 1); /* the room's figures */
            }
            if (ok && j->why.code) /* refused by the room's rules: tell the sender's connection */
                refuse_to(j->live_id, j->conn_id, &j->why);
            free(j->frame);
            free(j);
        }
    }
}

/* Schedules the drain job when messages wait and none runs (any thread). */
static void kick_drain(void)
{
    pthread_mutex_lock(&q_lock);
    int start = q_len > 0 && !q_draining;
    if (start)
        q_draining = 1;
    pthread_mutex_unlock(&q_lock);
    if (start && bc_http_defer(drain_job, NULL) != BC_OK) {
        pthread_mutex_lock(&q_lock);
        q_draining = 0; /* the ticker retries within TICK_MS */
        pthread_mutex_unlock(&q_lock);
    }
}

/* Queues job (taking ownership). BC_OK, or BC_EBUSY when too many messages wait (job freed). */
static int enqueue_chat(chat_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&q_lock);
    int full = q_len >= MAX_PENDING;
    if (!full) {
        if (q_tail)
            q_tail->next = job;
        else
            q_head = job;
        q_tail = job;
        q_len++;
    }
    pthread_mutex_unlock(&q_lock);
    if (full) {
        free(job);
        return BC_EBUSY;
    }
    kick_drain();
    return BC_OK;
}

/* ---- unique viewers per live: every identity seen in this process (exact, bounded), plus the
 * cluster-wide HyperLogLog through the bus. An identity is a signed-in user's id, or for an
 * anonymous viewer its connection (UNIQUE_ANON | bc_ws_id). ---- */
#define UNIQUE_MAX 1000000 /* identities remembered in this process over all lives (8 bytes each x 2..4) */
#define UNIQUE_ANON (1ull << 63)

typedef struct uroom {
    int64_t id;
    size_t n, cap;   /* cap: a power of two */
    uint64_t *slots; /* 0 = empty */
    struct uroom *next;
} uroom;

static pthread_mutex_t ulock = PTHREAD_MUTEX_INITIALIZER;
static uroom *urooms[RATE_BUCKETS];
static size_t utotal;
static int ufull_logged;

static size_t uhash(uint64_t x) { return (size_t)(x * 11400714819323198485ull >> 20); }

static int uinsert_slot(uint64_t *slots, size_t cap, uint64_t ident)
{
    for (size_t i = uhash(ident) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (slots[i] == ident)
            return 0;
        if (slots[i] == 0) {
            slots[i] = ident;
            return 1;
        }
    }
}

/* Records ident as a viewer of live; returns 1 when it is new here. */
static int unique_note(int64_t live, uint64_t ident)
{
    int added = 0;
    size_t b = (size_t)((uint64_t)live * 11400714819323198485ull >> 56) % RATE_BUCKETS;
    pthread_mutex_lock(&ulock);
    uroom *r = urooms[b];
    while (r && r->id != live)
        r = r->next;
    if (!r && (r = calloc(1, sizeof *r))) {
        r->id = live;
        r->next = urooms[b];
        urooms[b] = r;
    }
    if (!r)
        goto out;
    if (utotal >= UNIQUE_MAX) {
        if (!ufull_logged)
            bc_log_warn("chat", "unique-viewer table full (%d identities): new viewers are not counted here",
                        UNIQUE_MAX);
        ufull_logged = 1;
        goto out;
    }
    if (2 * (r->n + 1) > r->cap) { /* keep the load at most 1/2 */
        size_t cap = r->cap ? 2 * r->cap : 16;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            goto out;
        for (size_t i = 0; i < r->cap; i++)
            if (r->slots[i])
                uinsert_slot(slots, cap, r->slots[i]);
        free(r->slots);
        r->slots = slots;
        r->cap = cap;
    }
    added = uinsert_slot(r->slots, r->cap, ident);
    r->n += (size_t)added;
    utotal += (size_t)added;
out:
    pthread_mutex_unlock(&ulock);
    return added;
}

static int64_t unique_local(int64_t live)
{
    int64_t n = 0;
    size_t b = (size_t)((uint64_t)live * 11400714819323198485ull >> 56) % RATE_BUCKETS;
    pthread_mutex_lock(&ulock);
    for (uroom *r = urooms[b]; r; r = r->next)
        if (r->id == live)
            n = (int64_t)r->n;
    pthread_mutex_unlock(&ulock);
    return n;
}

/* Non-blocking: this process's count, or the bus's last cluster-wide count when larger. */
static int64_t unique_now(int64_t live)
{
    int64_t n = unique_local(live), c = bc_bus_configured() ? bc_bus_unique_cached(live) : -1;
    return c > n ? c : n;
}

static bc_bus_script pfcount_script = {.lua = "return redis.call('PFCOUNT', KEYS[1])"};

int64_t bc_chat_unique_viewers(int64_t live_id)
{
    int64_t n = unique_local(live_id), c = -1;
    if (bc_bus_configured()) {
        char key[BC_BUS_KEY_MAX];
        bc_bus_unique_key(live_id, key);
        const char *keys[] = {key};
        if (bc_bus_eval(&pfcount_script, 1, keys, 0, NULL, &c, 1) != BC_OK)
            c = bc_bus_unique_cached(live_id);
    }
    return c > n ? c : n;
}

/* ---- WebSocket callbacks (event-loop thread; no database) ---- */

static int ws_open(bc_ws *ws, bc_req *req)
{
    int64_t id;
    if (bc_req_param_id(req, "id", &id) != BC_OK || !live_may_exist(id))
        return 404;
    conn_state *st = calloc(1, sizeof *st);
    if (!st)
        return 503;
    const bc_auth *a = bc_req_auth(req);
    st->live_id = id;
    st->user_id = a ? a->user_id : 0;
    st->role = a ? a->role : 0;
    st->conn_id = bc_ws_id(ws);
    if (st->user_id) {
        /* a banned user is refused when this instance knows the room; otherwise the sync round
         * that loads it closes the connection (moderation.c) */
        mod_snap *room = mod_get(id);
        int banned = mod_banned(room, st->user_id) && !mod_privileged(room, st->user_id, st->role);
        mod_put(room);
        if (banned) {
            free(st);
            return 403;
        }
        conn_add(st);
    }
    uint64_t ident = st->user_id ? (uint64_t)st->user_id : UNIQUE_ANON | st->conn_id;
    if (unique_note(id, ident) && bc_bus_configured()) {
        char member[BC_BUS_MEMBER_MAX + 1];
        if (st->user_id)
            snprintf(member, sizeof member, "u:%lld", (long long)st->user_id);
        else
            snprintf(member, sizeof member, "a:%s:%llu", bc_bus_instance(), (unsigned long long)st->conn_id);
        bc_bus_unique_add(id, member);
    }
    bc_ws_set_data(ws, st);
    bc_ws_join(ws, id);
    if (bc_ws_subprotocol(ws)) /* STOMP 1.2 (stomp.h) */
        bc_stomp_attach(ws, id);
    return bc_room_on_open(ws, id, bc_req_query(req, "last_id")); /* resume, hearts total (room.h) */
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A ban this instance's snapshot knows is refused on the loop (and the connection closed), so the
 * message does not queue. Only the ban: it is the one rule whose stale copy cannot refuse a message
 * wrongly (a banned user's connections are closed, and after an unban they reconnect through the
 * handshake); every other rule is decided by the drain job against the stored state. Returns 1
 * when it refused the message. */
static int precheck_refused(const conn_state *st)
{
    mod_snap *room = mod_get(st->live_id);
    int banned = mod_banned(room, st->user_id) && !mod_privileged(room, st->user_id, st->role);
    mod_put(room);
    if (banned)
        refuse_to(st->live_id, st->conn_id, &banned_refusal);
    return banned;
}

static void ws_message(bc_ws *ws, const char *data, size_t len)
{
    conn_state *st = bc_ws_data(ws);
    json_error_t err;
    json_t *msg = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
    const char *type = NULL, *text = NULL;
    int question = 0;
    chat_job *job = NULL;
    /* the room's own message types: hearts, resume (room.h) */
    if (msg && json_is_string(json_object_get(msg, "type")) &&
        bc_room_on_message(ws, st->live_id, &st->rv, json_string_value(json_object_get(msg, "type")), msg))
        goto out;
    if (!msg ||
        json_unpack_ex(msg, &err, 0, "{s:s,s:s,s?b}", "type", &type, "text", &text, "question", &question) != 0 ||
        strcmp(type, "chat") != 0) {
        send_error(ws, "INVALID_MESSAGE", "expected {\"type\":\"chat\",\"text\":\"...\"}");
        goto out;
    }
    if (st->user_id == 0) {
        send_error(ws, "UNAUTHENTICATED", "sign in to chat");
        goto out;
    }
    /* trim ASCII whitespace; jansson guarantees valid UTF-8 without NUL */
    size_t n = strlen(text), chars = 0;
    while (n > 0 && is_space((unsigned char)text[n - 1]))
        n--;
    while (n > 0 && is_space((unsigned char)*text)) {
        text++;
        n--;
    }
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)text[i] & 0xC0) != 0x80;
    if (chars == 0) {
        send_error(ws, "EMPTY", "the message is empty");
        goto out;
    }
    if (chars > BC_CHAT_MAX_CHARS) {
        send_error(ws, "TEXT_TOO_LONG", "a message may have at most 300 characters");
        goto out;
    }
    if (bc_utf8_check(text, n, BC_TEXT_LINE, NULL, NULL) != BC_OK) {
        send_error(ws, "INVALID_CHARACTERS", "a message may not contain control or bidirectional-override characters");
        goto out;
    }
    if (precheck_refused(st))
        goto out;
    /* with the bus the limit is cluster-wide: a Redis round trip, so the drain job on a worker
     * checks it (and answers RATE_LIMITED through bc_hub_send_to); never a Redis call here */
    int cluster = bc_bus_configured();
    if (cluster ? !pending_take(st->user_id) : !rate_allow(st->user_id, bc_now_ms())) {
        send_error(ws, "RATE_LIMITED", RATE_LIMITED_MESSAGE);
        goto out;
    }
    job = malloc(sizeof *job + n + 1);
    if (!job) {
        if (cluster)
            pending_done(st->user_id);
        send_error(ws, "BUSY", "server is busy, retry shortly");
        goto out;
    }
    job->live_id = st->live_id;
    job->user_id = st->user_id;
    job->conn_id = st->conn_id;
    job->rate_checked = !cluster;
    job->refused = 0;
    job->question = question != 0;
    job->why = (mod_refusal){NULL, NULL};
    job->frame = NULL;
    memcpy(job->text, text, n);
    job->text[n] = 0;
    if (enqueue_chat(job) != BC_OK) {
        if (cluster)
            pending_done(st->user_id);
        send_error(ws, "BUSY", "server is busy, retry shortly");
    }
out:
    json_decref(msg);
}

static void ws_close(bc_ws *ws)
{
    conn_state *st = bc_ws_data(ws);
    if (st && st->user_id)
        conn_remove(st);
    free(st);
    bc_ws_set_data(ws, NULL);
}

static const char *const chat_protocols[] = {BC_STOMP_PROTOCOL, NULL};
static const bc_ws_route chat_ws = {"/api/v1/lives/{id}/chat", ws_open, ws_message, ws_close, chat_protocols};

/* ---- viewer counts: first change sent at once, later ones coalesced to one frame per
 * VIEWERS_INTERVAL_MS per room by the ticker; the count is read and published under vlock so
 * frames leave in order and the last one carries the final count. ---- */
typedef struct vroom {
    int64_t id;
    int64_t last_ms;
    int dirty;
    struct vroom *next;
} vroom;

static pthread_mutex_t vlock = PTHREAD_MUTEX_INITIALIZER;
static vroom *vrooms;

/* vlock held */
static void publish_viewers(vroom *r, int64_t now)
{
    char buf[128];
    int count = bc_hub_count(r->id);
    int len = snprintf(buf, sizeof buf, "{\"type\":\"viewers\",\"count\":%d,\"peak\":%d,\"unique\":%lld}", count,
                       bc_room_peak(r->id, count), (long long)unique_now(r->id));
    bc_hub_send_local(r->id, buf, (size_t)len); /* each instance sends its own (cluster-wide) sum */
    r->last_ms = now;
    r->dirty = 0;
}

static void on_count(int64_t room, int count)
{
    (void)count; /* re-read under the lock: counts from different loops may arrive out of order */
    if (room >= BC_HUB_PRIVATE_ROOM_BASE)
        return; /* a user's own sockets, not a live room: no viewers frames */
    int64_t now = bc_now_ms();
    pthread_mutex_lock(&vlock);
    vroom *r = vrooms;
    while (r && r->id != room)
        r = r->next;
    if (!r && (r = calloc(1, sizeof *r))) {
        r->id = room;
        r->next = vrooms;
        vrooms = r;
    }
    if (r) {
        if (now - r->last_ms >= VIEWERS_INTERVAL_MS)
            publish_viewers(r, now);
        else
            r->dirty = 1;
    }
    pthread_mutex_unlock(&vlock);
}

static void *ticker_main(void *arg)
{
    (void)arg;
    struct timespec ts = {0, TICK_MS * 1000000L};
    for (;;) {
        nanosleep(&ts, NULL);
        int64_t now = bc_now_ms();
        pthread_mutex_lock(&vlock);
        for (vroom **pp = &vrooms, *r; (r = *pp);) {
            if (r->dirty && now - r->last_ms >= VIEWERS_INTERVAL_MS)
                publish_viewers(r, now);
            if (!r->dirty && now - r->last_ms > 60000 && bc_hub_count(r->id) == 0) {
                *pp = r->next; /* idle, empty room */
                free(r);
            } else {
                pp = &r->next;
            }
        }
        pthread_mutex_unlock(&vlock);
        kick_drain();  /* in case a bc_http_defer failed on a full queue */
        mod_tick(now); /* moderation: refresh the rooms with viewers here */
    }
    return NULL;
}

void bc_chat_init(void)
{
    bc_http_register_ws(&chat_ws);
    bc_hub_on_count(on_count);
    bc_room_init(); /* sequence numbers, history, hearts, figures (room.h) */
    pthread_t t;
    if (pthread_create(&t, NULL, ticker_main, NULL) == 0)
        pthread_detach(t);
    bc_http_defer(load_max_job, NULL); /* runs when the workers start */
    bc_live_push_init();               /* the "stock" frames (live.h) */
}

/* ---- history ---- */
static void h_history(bc_req *req)
{
    int64_t id, limit = bc_req_query_int(req, "limit", 50), seller_id = 0;
    json_t *rows = NULL, *items = json_array(), *names = NULL;
    mod_snap *room = NULL;
    int64_t *uids = NULL;
    bc_db *db = bc_req_db(req);
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        goto out;
    }
    int rc = bc_live_seller(db, id, &seller_id);
    if (rc == BC_OK)
        rc = mod_fresh(db, id, seller_id, &room, NULL); /* the badges */
    if (rc != BC_OK) {
        bc_res_from_err(req, rc == BC_ENOTFOUND ? BC_ENOTFOUND : BC_ERR);
        goto out;
    }
    if (bc_db_rows(db, &rows,
                   "SELECT id, user_id, text, created_at, question FROM chat_messages WHERE live_id = ?"
                   " AND deleted_at IS NULL ORDER BY id DESC LIMIT ?",
                   "ii", id, limit) < 0) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    /* the authors' names and roles from the accounts module, one batch for the page */
    size_t n = json_array_size(rows);
    uids = n ? calloc(n, sizeof *uids) : NULL;
    if (n && !uids) {
        bc_res_from_err(req, BC_ENOMEM);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        uids[i] = json_integer_value(json_object_get(json_array_get(rows, i), "user_id"));
    if (bc_accounts_user_names(db, uids, n, &names) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    for (size_t i = n; i-- > 0;) {
        json_t *r = json_array_get(rows, i);
        int64_t uid = json_integer_value(json_object_get(r, "user_id"));
        int64_t at = json_integer_value(json_object_get(r, "created_at"));
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)uid);
        json_t *who = json_object_get(names, key);
        if (!who)
            continue; /* as the JOIN did: a message whose author is gone is not shown */
        const char *role = json_string_value(json_object_get(who, "role"));
        json_array_append_new(items, chat_frame(json_integer_value(json_object_get(r, "id")), id, uid,
                                                json_string_value(json_object_get(who, "name")), role,
                                                json_string_value(json_object_get(r, "text")), at, uid == seller_id,
                                                mod_badge(room, uid, bc_role_from_name(role)),
                                                json_integer_value(json_object_get(r, "question")) != 0));
    }
    bc_res_json(req, 200, json_pack("{s:O}", "items", items));
out:
    mod_put(room);
    free(uids);
    json_decref(names);
    json_decref(rows);
    json_decref(items);
}

static const bc_field history_query[] = {
    {"limit", BC_F_INT, 0, 1, 200, "how many of the latest messages", .def = "50"},
    {"access_token", BC_F_STR, 0, 1, 4096,
     "WebSocket upgrade only (browsers cannot set headers there): the access token; ignored here",
     .text = BC_TEXT_OPAQUE},
    {"last_id", BC_F_INT, 0, 0, INT64_MAX,
     "WebSocket upgrade only: resume after this room event (seq) — the missed events, then \"resumed\" or "
     "\"resume_gap\" (room.h); ignored here"},
    {NULL},
};

const bc_route bc_chat_routes[] = {
    {"GET", "/api/v1/lives/{id}/chat", 0, 0, NULL, h_history, "chat",
     "Recent chat messages of a live, oldest first; the same path is the WebSocket room", 200, .query = history_query,
     .response = &bc_sc_chat_history},
    {NULL},
};
