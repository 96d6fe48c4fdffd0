/* The "N left" push (live.h): product changes from the store's change feed mark products dirty
 * (any thread, no database); a worker job reads each due product's stock and status and sends
 * one {"type":"stock",...} frame to this instance's viewers of every live carrying it; a ticker
 * thread starts the job when a coalesced product falls due and, while this instance has viewers,
 * once per interval to catch up with other processes' commits (bc_db_sync). */
#include "live.h"

#include "../catalog/catalog.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TICK_MS 50
#define PROBE 8          /* slots tried per product (linear probing within a window) */
#define BATCH 64         /* products read per pass of the job */
#define IDLE_MS 60000    /* a product unchanged this long may be forgotten when the table fills */
#define ROOMS_KNOWN 1024 /* rooms remembered between jobs (to baseline the products of new ones) */

typedef struct entry {
    int64_t id;      /* 0 = empty */
    int dirty;       /* a change is waiting to be read */
    int known;       /* stock/status hold the values last sent (or recorded as the baseline) */
    int64_t last_ms; /* when the last frame for it was sent (0 = never) */
    int64_t stock;
    char status[16];
} entry;

static pthread_mutex_t lk = PTHREAD_MUTEX_INITIALIZER;
static entry table[BC_LIVE_PUSH_MAX]; /* lk */
static int used, ndirty;              /* lk */
static int all_flag;                  /* lk: re-read the products of every room with viewers here */
static int running;                   /* lk: a job is queued or running */
static int64_t last_sync_ms;          /* lk */
static int64_t known_rooms[ROOMS_KNOWN];
static int nknown; /* the job's own (one job at a time) */

static size_t slot_of(int64_t id) { return (size_t)((uint64_t)id * 11400714819323198485ull >> 40) % BC_LIVE_PUSH_MAX; }

/* The entry of id, created when create is set; NULL when absent or no slot is free. lk held. */
static entry *find(int64_t id, int create, int64_t now)
{
    size_t s = slot_of(id);
    entry *free_e = NULL;
    for (int i = 0; i < PROBE; i++) {
        entry *e = &table[(s + (size_t)i) % BC_LIVE_PUSH_MAX];
        if (e->id == id)
            return e;
        if (!free_e && e->id == 0)
            free_e = e;
    }
    if (!create)
        return NULL;
    if (!free_e && used > BC_LIVE_PUSH_MAX / 2) { /* forget an idle product of this window */
        for (int i = 0; i < PROBE && !free_e; i++) {
            entry *e = &table[(s + (size_t)i) % BC_LIVE_PUSH_MAX];
            if (!e->dirty && now - e->last_ms > IDLE_MS) {
                e->id = 0;
                used--;
                free_e = e;
            }
        }
    }
    if (!free_e)
        return NULL;
    memset(free_e, 0, sizeof *free_e);
    free_e->id = id;
    used++;
    return free_e;
}

/* Marks id dirty (lk held). 1 when it may be read at once (not within an interval of its last
 * frame). Without a slot, everything is re-read instead. */
static int mark(int64_t id, int64_t now)
{
    entry *e = find(id, 1, now);
    if (!e) {
        all_flag = 1;
        return 1;
    }
    if (e->dirty != 1) {
        ndirty += e->dirty == 0;
        e->dirty = 1; /* a change of its own (a pending re-read becomes one) */
    }
    return now - e->last_ms >= BC_LIVE_PUSH_INTERVAL_MS;
}

static void job(bc_db *db, void *arg);

/* Queues the job unless one is queued or running (any thread). */
static void kick(void)
{
    pthread_mutex_lock(&lk);
    int start = !running;
    running = 1;
    pthread_mutex_unlock(&lk);
    if (start && bc_http_defer(job, NULL) != BC_OK) {
        pthread_mutex_lock(&lk);
        running = 0; /* the ticker retries */
        pthread_mutex_unlock(&lk);
    }
}

/* The change-feed subscriber: committing or listener thread; quick, no database. */
static void on_change(int64_t id, int kind)
{
    (void)kind;
    int64_t now = bc_now_ms();
    pthread_mutex_lock(&lk);
    int due = id == BC_DB_CHANGED_ALL ? (all_flag = 1) : mark(id, now);
    pthread_mutex_unlock(&lk);
    if (due)
        kick();
}

typedef struct rooms {
    int64_t ids[BC_LIVE_PUSH_ROOMS];
    int n;
} rooms;

static void collect_room(int64_t room, int count, void *arg)
{
    rooms *r = arg;
    if (count > 0 && r->n < BC_LIVE_PUSH_ROOMS)
        r->ids[r->n++] = room;
}

/* Reads product id (dirty: a change of its own) and, when its (stock, status) differs from what
 * was last sent, sends the frame to this instance's rooms of the lives carrying it. An entry not
 * known yet is only recorded when the change was not its own (everything re-read: a baseline).
 * Returns BC_OK, or BC_EBUSY/BC_ERR (the product stays dirty). */
static int push_one(bc_db *db, int64_t id, int own)
{
    bc_catalog_sale sale;
    int rc = bc_catalog_product_sale(db, id, &sale);
    if (rc == BC_ENOTFOUND)
        return BC_OK;
    if (rc != BC_OK)
        return rc;
    const char *status = sale.deleted ? "HIDDEN" : sale.status;
    int64_t now = bc_now_ms();
    pthread_mutex_lock(&lk);
    entry *e = find(id, 1, now);
    int send = e && (e->known ? e->stock != sale.stock || strcmp(e->status, status) != 0 : own);
    if (e && !e->known && !send) { /* baseline */
        e->known = 1;
        e->stock = sale.stock;
        snprintf(e->status, sizeof e->status, "%s", status);
    }
    pthread_mutex_unlock(&lk);
    if (!send)
        return BC_OK;
    int64_t lives[BC_LIVE_PUSH_LIVES];
    int n = 0;
    if ((rc = bc_live_carrying(db, id, lives, BC_LIVE_PUSH_LIVES, &n)) != BC_OK)
        return rc;
    char frame[160];
    int len = snprintf(frame, sizeof frame, "{\"type\":\"stock\",\"product_id\":%lld,\"stock\":%lld,\"status\":\"%s\"}",
                       (long long)id, (long long)sale.stock, status);
    for (int i = 0; i < n; i++)
        if (bc_hub_local_count(lives[i]) > 0)
            bc_hub_send_local(lives[i], frame, (size_t)len);
    pthread_mutex_lock(&lk);
    if ((e = find(id, 1, now))) {
        e->known = 1;
        e->stock = sale.stock;
        snprintf(e->status, sizeof e->status, "%s", status);
        e->last_ms = now;
    }
    pthread_mutex_unlock(&lk);
    return BC_OK;
}

static int room_known(int64_t room)
{
    for (int i = 0; i < nknown; i++)
        if (known_rooms[i] == room)
            return 1;
    return 0;
}

/* Marks the products of rooms dirty as a re-read (all: every room; else only rooms new since the
 * last job, whose products get a baseline). */
static void mark_rooms(bc_db *db, const rooms *r, int all)
{
    int64_t ids[BC_LIVE_MAX_PRODUCTS], now = bc_now_ms();
    for (int i = 0; i < r->n; i++) {
        if (!all && room_known(r->ids[i]))
            continue;
        int n = 0;
        if (bc_live_product_ids(db, r->ids[i], ids, BC_LIVE_MAX_PRODUCTS, &n) != BC_OK)
            continue;
        pthread_mutex_lock(&lk);
        for (int j = 0; j < n; j++) {
            entry *e = find(ids[j], 1, now);
            if (e && !e->dirty && (all || !e->known)) {
                e->dirty = 2; /* a re-read, not a change of its own */
                ndirty++;
            }
        }
        pthread_mutex_unlock(&lk);
    }
    nknown = 0;
    for (int i = 0; i < r->n && i < ROOMS_KNOWN; i++)
        known_rooms[nknown++] = r->ids[i];
}

static void job(bc_db *db, void *arg)
{
    (void)arg;
    rooms r = {.n = 0};
    bc_hub_each_local_count(collect_room, &r);
    pthread_mutex_lock(&lk);
    last_sync_ms = bc_now_ms();
    pthread_mutex_unlock(&lk);
    if (r.n > 0)
        bc_db_sync(db); /* other processes' commits: publishes what this process has not seen */
    pthread_mutex_lock(&lk);
    int all = all_flag;
    all_flag = 0;
    pthread_mutex_unlock(&lk);
    mark_rooms(db, &r, all);
    for (;;) {
        int64_t ids[BATCH];
        int own[BATCH], n = 0;
        int64_t now = bc_now_ms();
        pthread_mutex_lock(&lk);
        for (size_t i = 0; i < BC_LIVE_PUSH_MAX && ndirty > 0 && n < BATCH; i++) {
            entry *e = &table[i];
            if (e->id && e->dirty && now - e->last_ms >= BC_LIVE_PUSH_INTERVAL_MS) {
                ids[n] = e->id;
                own[n++] = e->dirty == 1;
                e->dirty = 0;
                ndirty--;
            }
        }
        pthread_mutex_unlock(&lk);
        for (int i = 0; i < n; i++) {
            if (push_one(db, ids[i], own[i]) != BC_OK) {
                pthread_mutex_lock(&lk);
                entry *e = find(ids[i], 1, now);
                if (e && !e->dirty) {
                    e->dirty = own[i] ? 1 : 2;
                    ndirty++;
                }
                pthread_mutex_unlock(&lk);
            }
        }
        if (n < BATCH)
            break;
    }
    pthread_mutex_lock(&lk);
    running = 0;
    pthread_mutex_unlock(&lk);
}

/* Starts the job when a dirty product is due or, with viewers here, an interval after the last
 * sync. */
static void *ticker_main(void *arg)
{
    (void)arg;
    struct timespec ts = {0, TICK_MS * 1000000L};
    for (;;) {
        nanosleep(&ts, NULL);
        rooms r = {.n = 0};
        bc_hub_each_local_count(collect_room, &r);
        int64_t now = bc_now_ms();
        int go = 0;
        pthread_mutex_lock(&lk);
        go = all_flag || (r.n > 0 && now - last_sync_ms >= BC_LIVE_PUSH_INTERVAL_MS);
        for (size_t i = 0; i < BC_LIVE_PUSH_MAX && ndirty > 0 && !go; i++)
            go = table[i].id && table[i].dirty && now - table[i].last_ms >= BC_LIVE_PUSH_INTERVAL_MS;
        pthread_mutex_unlock(&lk);
        if (go)
            kick();
    }
    return NULL;
}

void bc_live_push_init(void)
{
    if (bc_db_on_change_add(on_change) != BC_OK) {
        bc_log_error("live", "stock push disabled: no change-feed subscriber slot left");
        return;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, ticker_main, NULL) == 0)
        pthread_detach(t);
}
