/* The live room's sequence numbers, history and resume, hearts, peak viewers and per-minute
 * figures (see room.h). One table of rooms under rlock; frames are built under it and handed to the
 * hub (which only queues), so events leave in sequence order. */
#include "room.h"

#include "../bus/bus.h"
#include "../live/live.h"
#include "chat.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUCKETS 256
#define IDLE_EVICT_MS 600000 /* a room without viewers here and without events this long is forgotten */
#define LOAD_RETRY_MS 500    /* a failed history read is retried no sooner than this */
#define MAX_ROWS 256         /* figure rows per flush job (more: the next flush) */
#define MAX_HEART_ROOMS BC_BUS_EVAL_MAX_CALLS

typedef struct hentry {
    int64_t seq;
    size_t len;
    char text[];
} hentry;

typedef struct rroom {
    int64_t id;
    int64_t seq;   /* highest event number delivered here */
    hentry **ring; /* BC_ROOM_HISTORY slots, allocated with the first event */
    int rhead, rn;
    int loaded;  /* the history before this instance's first event is known (always without the bus) */
    int loading; /* a history read is queued */
    int64_t load_ms;
    int64_t hearts_pending; /* taps not yet added to the total */
    int64_t hearts_total, hearts_sent;
    int peak;
    int64_t minute; /* figures: the minute (UTC ms) the counts below belong to */
    int viewers_max;
    int64_t messages, hearts, pins;
    int dirty;
    int64_t active_ms;
    struct rroom *next;
} rroom;

static pthread_mutex_t rlock = PTHREAD_MUTEX_INITIALIZER;
static rroom *rooms[BUCKETS];
static atomic_int hearts_job_running, flush_job_running;

static size_t bucket(int64_t id) { return (size_t)((uint64_t)id * 11400714819323198485ull >> 56) % BUCKETS; }

/* rlock held. NULL when absent (create 0) or out of memory. */
static rroom *room_find(int64_t id, int create)
{
    rroom *r = rooms[bucket(id)];
    while (r && r->id != id)
        r = r->next;
    if (!r && create && (r = calloc(1, sizeof *r))) {
        r->id = id;
        r->loaded = !bc_bus_configured();
        r->active_ms = bc_now_ms();
        r->next = rooms[bucket(id)];
        rooms[bucket(id)] = r;
    }
    return r;
}

static void ring_clear(rroom *r)
{
    for (int i = 0; i < r->rn; i++)
        free(r->ring[(r->rhead + i) % BC_ROOM_HISTORY]);
    r->rhead = r->rn = 0;
}

static void room_free(rroom *r)
{
    ring_clear(r);
    free(r->ring);
    free(r);
}

static int64_t ring_first(const rroom *r) { return r->rn ? r->ring[r->rhead]->seq : r->seq + 1; }

/* Appends (seq, text) as the newest entry (rlock held); the oldest goes beyond BC_ROOM_HISTORY. */
static void ring_push(rroom *r, int64_t seq, const char *text, size_t len)
{
    if (!r->ring && !(r->ring = calloc(BC_ROOM_HISTORY, sizeof *r->ring)))
        return;
    hentry *e = malloc(sizeof *e + len);
    if (!e)
        return;
    e->seq = seq;
    e->len = len;
    memcpy(e->text, text, len);
    if (r->rn == BC_ROOM_HISTORY) {
        free(r->ring[r->rhead]);
        r->rhead = (r->rhead + 1) % BC_ROOM_HISTORY;
        r->rn--;
    }
    r->ring[(r->rhead + r->rn) % BC_ROOM_HISTORY] = e;
    r->rn++;
}

/* Delivers a numbered event (text already carries its seq) to this instance's viewers (rlock held). */
static void deliver(rroom *r, int64_t seq, const char *text, size_t len)
{
    if (seq <= r->seq) { /* the numbering restarted (Redis lost the room's keys): forget the old history */
        ring_clear(r);
        r->loaded = 1;
    }
    r->seq = seq;
    r->active_ms = bc_now_ms();
    ring_push(r, seq, text, len);
    bc_hub_send_seq(r->id, seq, text, len);
}

/* The hub's publisher for live rooms (any thread). */
static void publish(int64_t room, const char *text, size_t len)
{
    int numbered = len > 2 && text[0] == '{' && text[1] == '"';
    if (bc_bus_configured()) {
        if (!numbered || bc_bus_publish_seq(room, text, len) != BC_OK)
            bc_hub_send_local(room, text, len); /* Redis not connected: this instance's viewers, unnumbered */
        return;
    }
    if (!numbered) {
        bc_hub_send_local(room, text, len);
        return;
    }
    char *f = malloc(len + 32);
    if (!f)
        return;
    pthread_mutex_lock(&rlock);
    rroom *r = room_find(room, 1);
    if (r) {
        int64_t seq = r->seq + 1;
        int hl = snprintf(f, 32, "{\"seq\":%lld,", (long long)seq);
        memcpy(f + hl, text + 1, len - 1);
        deliver(r, seq, f, (size_t)hl + len - 1);
    } else {
        bc_hub_send_local(room, text, len);
    }
    pthread_mutex_unlock(&rlock);
    free(f);
}

/* The bus's delivery of numbered events (bus thread). */
static void on_seq(int64_t room, int64_t seq, const char *text, size_t len)
{
    if (seq == 0) {
        bc_hub_send_local(room, text, len);
        return;
    }
    pthread_mutex_lock(&rlock);
    rroom *r = room_find(room, 1);
    if (r)
        deliver(r, seq, text, len);
    else
        bc_hub_send_seq(room, seq, text, len);
    pthread_mutex_unlock(&rlock);
}

/* ---- history from Redis (an instance that joined late, or restarted) ---- */

typedef struct loaded_list {
    int n;
    hentry *e[BC_ROOM_HISTORY];
} loaded_list;

static void collect_entry(int64_t seq, const char *frame, size_t len, void *arg)
{
    loaded_list *l = arg;
    hentry *e = l->n < BC_ROOM_HISTORY ? malloc(sizeof *e + len) : NULL;
    if (!e)
        return;
    e->seq = seq;
    e->len = len;
    memcpy(e->text, frame, len);
    l->e[l->n++] = e;
}

/* Worker job: reads the room's Redis history and puts the entries older than what this instance
 * has in front of its ring. */
static void load_job(bc_db *db, void *arg)
{
    (void)db;
    int64_t room = (int64_t)(intptr_t)arg;
    loaded_list *l = calloc(1, sizeof *l);
    int rc = l ? bc_bus_history(room, 0, collect_entry, l) : BC_ENOMEM;
    pthread_mutex_lock(&rlock);
    rroom *r = room_find(room, 0);
    if (r) {
        r->loading = 0;
        r->load_ms = bc_now_ms();
    }
    if (r && rc == BC_OK) {
        /* rebuild: the loaded entries below what the ring holds, then the ring */
        int64_t first = r->rn ? ring_first(r) : INT64_MAX;
        hentry *merged[BC_ROOM_HISTORY];
        int m = 0, keep_from = 0, older = 0;
        for (int i = 0; i < l->n; i++)
            older += l->e[i]->seq < first;
        if (older + r->rn > BC_ROOM_HISTORY)
            keep_from = older + r->rn - BC_ROOM_HISTORY;
        for (int i = 0, k = 0; i < l->n; i++) {
            if (l->e[i]->seq < first && k++ >= keep_from) {
                merged[m++] = l->e[i];
                l->e[i] = NULL;
            }
        }
        for (int i = 0; i < r->rn && m < BC_ROOM_HISTORY; i++)
            merged[m++] = r->ring[(r->rhead + i) % BC_ROOM_HISTORY];
        if (m > 0 && (r->ring || (r->ring = calloc(BC_ROOM_HISTORY, sizeof *r->ring)))) {
            memcpy(r->ring, merged, sizeof *merged * (size_t)m);
            r->rhead = 0;
            r->rn = m;
            if (merged[m - 1]->seq > r->seq)
                r->seq = merged[m - 1]->seq;
        }
        r->loaded = 1;
    }
    pthread_mutex_unlock(&rlock);
    if (l)
        for (int i = 0; i < l->n; i++)
            free(l->e[i]);
    free(l);
}

/* Starts a history read for r unless one runs or one failed just now (rlock held). */
static void kick_load(rroom *r)
{
    int64_t now = bc_now_ms();
    if (r->loading || now - r->load_ms < LOAD_RETRY_MS)
        return;
    r->loading = 1;
    if (bc_http_defer(load_job, (void *)(intptr_t)r->id) != BC_OK)
        r->loading = 0;
}

/* ---- resume ---- */

static void send_json(bc_ws *ws, json_t *f)
{
    char *s = f ? json_dumps(f, JSON_COMPACT) : NULL;
    if (s)
        bc_ws_send(ws, s, strlen(s));
    free(s);
    json_decref(f);
}

static void send_error(bc_ws *ws, const char *code, const char *message)
{
    send_json(ws, json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", message));
}

/* Sends ws the kept events after last_id (loop thread). BC_OK, or BC_EBUSY while the history is
 * being read (nothing sent). */
static int resume(bc_ws *ws, int64_t live, int64_t last_id)
{
    hentry **copy = NULL;
    int n = 0, gap = 0;
    pthread_mutex_lock(&rlock);
    rroom *r = room_find(live, 1);
    if (!r) {
        pthread_mutex_unlock(&rlock);
        return BC_EBUSY;
    }
    if (!r->loaded) {
        kick_load(r);
        pthread_mutex_unlock(&rlock);
        return BC_EBUSY;
    }
    int64_t cur = r->seq;
    if (last_id > cur || last_id + 1 < ring_first(r)) {
        gap = 1;
    } else if (last_id < cur && (copy = malloc(sizeof *copy * (size_t)r->rn))) {
        for (int i = 0; i < r->rn; i++) {
            hentry *e = r->ring[(r->rhead + i) % BC_ROOM_HISTORY], *c;
            if (e->seq > last_id && (c = malloc(sizeof *c + e->len))) {
                memcpy(c, e, sizeof *c + e->len);
                copy[n++] = c;
            }
        }
    }
    pthread_mutex_unlock(&rlock);
    for (int i = 0; i < n; i++) {
        bc_ws_send(ws, copy[i]->text, copy[i]->len);
        free(copy[i]);
    }
    free(copy);
    bc_ws_skip_through(ws, cur); /* those still on their way to this loop are not sent twice */
    send_json(ws, json_pack("{s:s,s:I,s:I,s:i}", "type", gap ? "resume_gap" : "resumed", "last_id", (json_int_t)last_id,
                            "seq", (json_int_t)cur, "count", n));
    return BC_OK;
}

static int parse_id(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (!s || !*s)
        return BC_EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return BC_EINVAL;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return BC_OK;
}

int bc_room_on_open(bc_ws *ws, int64_t live, const char *last_id)
{
    int64_t id = 0, total = 0;
    if (last_id && *last_id) {
        if (parse_id(last_id, &id) != BC_OK)
            return 404;
        if (resume(ws, live, id) != BC_OK)
            return 503;
    }
    pthread_mutex_lock(&rlock);
    rroom *r = room_find(live, 0);
    if (r)
        total = r->hearts_total;
    pthread_mutex_unlock(&rlock);
    if (total > 0)
        send_json(ws, json_pack("{s:s,s:I,s:i}", "type", "hearts", "total", (json_int_t)total, "recent", 0));
    return 0;
}

/* ---- hearts ---- */

static void on_heart(bc_ws *ws, int64_t live, bc_room_viewer *v, json_t *msg)
{
    json_t *c = json_object_get(msg, "count");
    json_int_t n = c ? (json_is_integer(c) ? json_integer_value(c) : -1) : 1;
    if (n < 1 || n > BC_ROOM_HEART_MAX) {
        send_error(ws, "INVALID_MESSAGE", "expected {\"type\":\"heart\",\"count\":1..10}");
        return;
    }
    int64_t now = bc_now_ms();
    if (now - v->window_ms >= 1000) {
        v->window_ms = now;
        v->hearts = 0;
        v->warned = 0;
    }
    int allowed = BC_ROOM_HEARTS_PER_S - v->hearts;
    if (allowed > n)
        allowed = (int)n;
    if (allowed > 0) {
        v->hearts += allowed;
        pthread_mutex_lock(&rlock);
        rroom *r = room_find(live, 1);
        if (r) {
            r->hearts_pending += allowed;
            r->hearts += allowed;
            r->dirty = 1;
        }
        pthread_mutex_unlock(&rlock);
    }
    if (allowed < n && !v->warned) {
        v->warned = 1;
        send_error(ws, "RATE_LIMITED", "too many hearts; at most 20 per second");
    }
}

int bc_room_on_message(bc_ws *ws, int64_t live, bc_room_viewer *v, const char *type, json_t *msg)
{
    if (strcmp(type, "heart") == 0) {
        on_heart(ws, live, v, msg);
        return 1;
    }
    if (strcmp(type, "resume") == 0) {
        json_t *l = json_object_get(msg, "last_id");
        if (!json_is_integer(l) || json_integer_value(l) < 0)
            send_error(ws, "INVALID_MESSAGE", "expected {\"type\":\"resume\",\"last_id\":N}");
        else if (resume(ws, live, json_integer_value(l)) != BC_OK)
            send_error(ws, "BUSY", "the room's history is loading; resume again shortly");
        return 1;
    }
    return 0;
}

void bc_room_note(int64_t live, enum bc_room_count kind, int n)
{
    pthread_mutex_lock(&rlock);
    rroom *r = room_find(live, 1);
    if (r) {
        if (kind == BC_ROOM_MESSAGES)
            r->messages += n;
        else
            r->pins += n;
        r->dirty = 1;
    }
    pthread_mutex_unlock(&rlock);
}

int bc_room_peak(int64_t live, int count)
{
    int p = count;
    pthread_mutex_lock(&rlock);
    rroom *r = room_find(live, 1);
    if (r) {
        if (count > r->peak)
            r->peak = count;
        if (count > r->viewers_max)
            r->viewers_max = count;
        p = r->peak;
    }
    pthread_mutex_unlock(&rlock);
    return p;
}

/* ---- the ticker: hearts frames, cluster-wide totals, figure rows ---- */

typedef struct heart_item {
    int64_t room, delta;
    int count;
} heart_item;

typedef struct heart_batch {
    int n;
    heart_item it[MAX_HEART_ROOMS];
} heart_batch;

typedef struct frame_out {
    int64_t room;
    char text[96];
    int len;
} frame_out;

/* Builds r's hearts frame into f when the total moved since the last one (rlock held). */
static int hearts_frame(rroom *r, frame_out *f)
{
    if (r->hearts_total == r->hearts_sent)
        return 0;
    f->room = r->id;
    f->len = snprintf(f->text, sizeof f->text, "{\"type\":\"hearts\",\"total\":%lld,\"recent\":%lld}",
                      (long long)r->hearts_total,
                      (long long)(r->hearts_total > r->hearts_sent ? r->hearts_total - r->hearts_sent : 0));
    r->hearts_sent = r->hearts_total;
    return 1;
}

/* Redis: adds the instance's new hearts, raises the peak to the count it sees; returns {total, peak}. */
static bc_bus_script hearts_script = {.lua = "local t = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
                                             "local p = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
                                             "local c = tonumber(ARGV[2])\n"
                                             "if c > p then redis.call('SET', KEYS[2], c) p = c end\n"
                                             "redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
                                             "redis.call('PEXPIRE', KEYS[2], ARGV[3])\n"
                                             "return {t, p}\n"};

/* Worker job (with the bus): the cluster-wide hearts totals and peaks of the batch's rooms. */
static void hearts_job(bc_db *db, void *arg)
{
    (void)db;
    heart_batch *b = arg;
    char keys[MAX_HEART_ROOMS * 2][BC_BUS_KEY_MAX];
    const char *kp[MAX_HEART_ROOMS * 2];
    int64_t args[MAX_HEART_ROOMS * 3], out[MAX_HEART_ROOMS * 2];
    for (int i = 0; i < b->n; i++) {
        snprintf(keys[2 * i], BC_BUS_KEY_MAX, "broadcart:live:%lld:hearts", (long long)b->it[i].room);
        snprintf(keys[2 * i + 1], BC_BUS_KEY_MAX, "broadcart:live:%lld:peak", (long long)b->it[i].room);
        kp[2 * i] = keys[2 * i];
        kp[2 * i + 1] = keys[2 * i + 1];
        args[3 * i] = b->it[i].delta;
        args[3 * i + 1] = b->it[i].count;
        args[3 * i + 2] = BC_BUS_UNIQUE_TTL_MS;
    }
    int rc = bc_bus_eval_many(&hearts_script, b->n, 2, kp, 3, args, out, 2);
    frame_out *frames = malloc(sizeof *frames * (size_t)b->n);
    int64_t peaked[MAX_HEART_ROOMS];
    int nf = 0, np = 0;
    pthread_mutex_lock(&rlock);
    for (int i = 0; i < b->n; i++) {
        rroom *r = room_find(b->it[i].room, 1);
        if (!r)
            continue;
        if (rc != BC_OK) {
            r->hearts_total += b->it[i].delta; /* Redis does not answer: this instance's count */
        } else {
            if (out[2 * i] > r->hearts_total)
                r->hearts_total = out[2 * i];
            if (out[2 * i + 1] > r->peak) {
                r->peak = (int)out[2 * i + 1];
                peaked[np++] = r->id;
            }
        }
        if (frames && hearts_frame(r, &frames[nf]))
            nf++;
    }
    pthread_mutex_unlock(&rlock);
    for (int i = 0; i < nf; i++)
        bc_hub_send_local(frames[i].room, frames[i].text, (size_t)frames[i].len);
    for (int i = 0; i < np; i++)
        bc_hub_count_changed(peaked[i]); /* a viewers frame with the new peak */
    free(frames);
    free(b);
    atomic_store(&hearts_job_running, 0);
}

typedef struct fig_row {
    int64_t live, minute, messages, hearts, pins, unique;
    int viewers;
} fig_row;

typedef struct fig_batch {
    int n;
    fig_row rows[MAX_ROWS];
} fig_batch;

static int flush_tx(bc_db *db, void *arg)
{
    fig_batch *b = arg;
    for (int i = 0; i < b->n; i++) {
        fig_row *w = &b->rows[i];
        int rc = bc_db_exec(
            db,
            "INSERT INTO live_room_minutes (live_id, minute_at, viewers, unique_viewers, messages, hearts, pins)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (live_id, minute_at) DO UPDATE SET"
            " viewers = CASE WHEN excluded.viewers > live_room_minutes.viewers THEN excluded.viewers"
            " ELSE live_room_minutes.viewers END,"
            " unique_viewers = CASE WHEN excluded.unique_viewers > live_room_minutes.unique_viewers"
            " THEN excluded.unique_viewers ELSE live_room_minutes.unique_viewers END,"
            " messages = live_room_minutes.messages + excluded.messages,"
            " hearts = live_room_minutes.hearts + excluded.hearts, pins = live_room_minutes.pins + excluded.pins",
            "iiiiiii", w->live, w->minute, (int64_t)w->viewers, w->unique, w->messages, w->hearts, w->pins);
        if (rc < 0)
            return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    }
    return BC_OK;
}

/* Worker job: writes a batch of figure rows (dropped, logged, when the database refuses them). The
 * unique count is read first (a Redis round trip with the bus), outside the transaction. */
static void flush_job(bc_db *db, void *arg)
{
    fig_batch *b = arg;
    for (int i = 0; i < b->n; i++)
        b->rows[i].unique = bc_chat_unique_viewers(b->rows[i].live);
    if (bc_db_tx(db, flush_tx, b) != BC_OK)
        bc_log_warn("room", "could not store %d room figure row(s)", b->n);
    free(b);
    atomic_store(&flush_job_running, 0);
}

static void *ticker_main(void *arg)
{
    (void)arg;
    struct timespec ts = {0, BC_ROOM_TICK_MS * 1000000L};
    int64_t next_flush = bc_now_ms() + (int64_t)bc_cfg.room_flush_s * 1000;
    for (;;) {
        nanosleep(&ts, NULL);
        int64_t now = bc_now_ms(), minute = now / 60000 * 60000;
        int bus = bc_bus_configured(), flush_all = now >= next_flush;
        heart_batch *hb = NULL;
        fig_batch *fb = NULL;
        frame_out frames[64];
        int nf = 0;
        int can_flush = !atomic_load(&flush_job_running);
        if (bus && !atomic_load(&hearts_job_running))
            hb = calloc(1, sizeof *hb);
        if (flush_all)
            next_flush = now + (int64_t)bc_cfg.room_flush_s * 1000;
        pthread_mutex_lock(&rlock);
        for (int b = 0; b < BUCKETS; b++) {
            for (rroom **pp = &rooms[b], *r; (r = *pp);) {
                int local = bc_hub_local_count(r->id);
                if (local > 0) {
                    int c = bc_hub_count(r->id);
                    if (c > r->viewers_max)
                        r->viewers_max = c;
                    if (c > r->peak)
                        r->peak = c;
                    r->active_ms = now;
                }
                /* figures: at a minute's end, and every BROADCART_ROOM_FLUSH seconds */
                int minute_over = r->minute && r->minute != minute;
                if ((r->dirty || r->viewers_max > 0) && (minute_over || flush_all) && can_flush && !fb)
                    fb = calloc(1, sizeof *fb);
                if ((r->dirty || r->viewers_max > 0) && (minute_over || flush_all) && fb && fb->n < MAX_ROWS) {
                    fb->rows[fb->n++] = (fig_row){.live = r->id,
                                                  .minute = r->minute ? r->minute : minute,
                                                  .messages = r->messages,
                                                  .hearts = r->hearts,
                                                  .pins = r->pins,
                                                  .viewers = r->viewers_max};
                    r->messages = r->hearts = r->pins = 0;
                    r->dirty = 0;
                    r->viewers_max = local > 0 ? bc_hub_count(r->id) : 0;
                }
                if (minute_over && !r->dirty)
                    r->minute = minute;
                if (!r->minute)
                    r->minute = minute;
                /* hearts */
                if (!bus) {
                    r->hearts_total += r->hearts_pending;
                    r->hearts_pending = 0;
                    if (nf < (int)(sizeof frames / sizeof frames[0]) && hearts_frame(r, &frames[nf]))
                        nf++;
                } else if (hb && hb->n < MAX_HEART_ROOMS && (r->hearts_pending > 0 || local > 0)) {
                    hb->it[hb->n++] = (heart_item){r->id, r->hearts_pending, bc_hub_count(r->id)};
                    r->hearts_pending = 0;
                }
                if (local == 0 && !r->dirty && !r->hearts_pending && now - r->active_ms > IDLE_EVICT_MS) {
                    *pp = r->next;
                    room_free(r);
                } else {
                    pp = &r->next;
                }
            }
        }
        pthread_mutex_unlock(&rlock);
        for (int i = 0; i < nf; i++)
            bc_hub_send_local(frames[i].room, frames[i].text, (size_t)frames[i].len);
        if (hb && hb->n > 0) {
            atomic_store(&hearts_job_running, 1);
            if (bc_http_defer(hearts_job, hb) != BC_OK) {
                atomic_store(&hearts_job_running, 0);
                free(hb); /* the taps are lost: the worker queue is full */
            }
        } else {
            free(hb);
        }
        if (fb && fb->n > 0) {
            atomic_store(&flush_job_running, 1);
            if (bc_http_defer(flush_job, fb) != BC_OK) {
                atomic_store(&flush_job_running, 0);
                free(fb);
            }
        } else {
            free(fb);
        }
    }
    return NULL;
}

void bc_room_init(void)
{
    bc_hub_set_publisher(publish);
    bc_bus_on_seq(on_seq);
    pthread_t t;
    if (pthread_create(&t, NULL, ticker_main, NULL) == 0)
        pthread_detach(t);
}

/* ---- figures ---- */

int bc_room_figures(bc_db *db, int64_t live, json_t **out)
{
    json_t *rows = NULL;
    *out = NULL;
    if (bc_db_rows(db, &rows,
                   "SELECT minute_at, viewers, unique_viewers, messages, hearts, pins FROM live_room_minutes"
                   " WHERE live_id = ? ORDER BY minute_at",
                   "i", live) < 0)
        return BC_ERR;
    json_t *items = json_array();
    int64_t peak = 0, unique = 0, messages = 0, hearts = 0, pins = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        char iso[32];
        int64_t v = json_integer_value(json_object_get(r, "viewers")),
                u = json_integer_value(json_object_get(r, "unique_viewers")),
                m = json_integer_value(json_object_get(r, "messages")),
                h = json_integer_value(json_object_get(r, "hearts")),
                p = json_integer_value(json_object_get(r, "pins"));
        bc_time_iso(json_integer_value(json_object_get(r, "minute_at")), iso, sizeof iso);
        json_array_append_new(items, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "minute", iso, "viewers", (json_int_t)v,
                                               "unique", (json_int_t)u, "messages", (json_int_t)m, "hearts",
                                               (json_int_t)h, "pins", (json_int_t)p));
        peak = v > peak ? v : peak;
        unique = u > unique ? u : unique;
        messages += m;
        hearts += h;
        pins += p;
    }
    json_decref(rows);
    *out = json_pack("{s:I,s:o,s:{s:I,s:I,s:I,s:I,s:I}}", "live_id", (json_int_t)live, "items", items, "totals", "peak",
                     (json_int_t)peak, "unique", (json_int_t)unique, "messages", (json_int_t)messages, "hearts",
                     (json_int_t)hearts, "pins", (json_int_t)pins);
    return *out ? BC_OK : BC_ERR;
}

static void h_figures(bc_req *req)
{
    int64_t id, seller = 0;
    json_t *out = NULL;
    const bc_auth *a = bc_req_auth(req);
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    int rc = bc_live_seller(bc_req_db(req), id, &seller);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc == BC_ENOTFOUND ? BC_ENOTFOUND : BC_ERR);
        return;
    }
    if (a->role != BC_ROLE_ADMIN && a->user_id != seller) {
        bc_res_error(req, 403, "FORBIDDEN", "only the live's seller or an admin may read its figures");
        return;
    }
    if (bc_room_figures(bc_req_db(req), id, &out) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    bc_res_json(req, 200, out);
}

#define INT "{\"type\":\"integer\"}"
static const bc_schema room_figures_schema = {
    "RoomFigures",
    "{\"type\":\"object\",\"required\":[\"live_id\",\"items\",\"totals\"],\"properties\":{\"live_id\":" INT
    ",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"minute\",\"viewers\",\"unique\","
    "\"messages\",\"hearts\",\"pins\"],\"properties\":{\"minute\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"viewers\":" INT ",\"unique\":" INT ",\"messages\":" INT ",\"hearts\":" INT ",\"pins\":" INT
    "}}},\"totals\":{\"type\":\"object\",\"required\":[\"peak\",\"unique\",\"messages\",\"hearts\",\"pins\"],"
    "\"properties\":{\"peak\":" INT ",\"unique\":" INT ",\"messages\":" INT ",\"hearts\":" INT ",\"pins\":" INT "}}}}",
    NULL};

static const char *const figures_errors[] = {"FORBIDDEN", NULL};

const bc_route bc_room_routes[] = {
    {"GET", "/api/v1/lives/{id}/figures", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_figures, "chat",
     "Per-minute room figures of a live (viewers, unique viewers, messages, hearts, pins); the live's seller or "
     "an admin",
     200, .response = &room_figures_schema, .errors = figures_errors},
    {NULL},
};
