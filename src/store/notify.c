/* store: change notification for caches above the store (store.h "change notification"; the
 * backends' hooks are in notify_int.h). */
#include "notify_int.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHANNEL "broadcart_catalog"

static _Atomic(bc_db_change_fn) subscriber;

void bc_db_on_change(bc_db_change_fn fn) { atomic_store(&subscriber, fn); }

/* further subscribers beside the one above (the live stock push, the sold-out flags), added once, never removed */
#define EXTRA_SUBSCRIBERS 4
static _Atomic(bc_db_change_fn) extra[EXTRA_SUBSCRIBERS];

int bc_db_on_change_add(bc_db_change_fn fn)
{
    for (int i = 0; i < EXTRA_SUBSCRIBERS; i++) {
        bc_db_change_fn cur = NULL;
        if (atomic_compare_exchange_strong(&extra[i], &cur, fn) || cur == fn)
            return BC_OK;
    }
    return BC_EBUSY;
}

static void publish(int64_t id, int kind)
{
    bc_db_change_fn fn = atomic_load(&subscriber);
    int64_t pid = id > 0 ? id : BC_DB_CHANGED_ALL;
    kind = id > 0 ? kind : BC_DB_CHANGE_LISTING;
    if (fn)
        fn(pid, kind);
    for (int i = 0; i < EXTRA_SUBSCRIBERS && (fn = atomic_load(&extra[i])); i++)
        fn(pid, kind);
}

/* ---- SQLite ----
 * In-process: TEMP triggers (this connection only) call bc_changed(id) for the same row events
 * as migration 8's persistent clock triggers, so a transaction of this process knows both the
 * products it changed and by how much it moved catalog_clock (k). Its changes are published from
 * the commit hook (before the commit is visible: readers may still fill the cache with old rows,
 * which the second publication drops) and again from the WAL hook (after the commit, write lock
 * released), where k is added to known_n. A reader whose data_version moved compares the clock
 * with known_n: a difference is a write by another process, and everything is dropped (while one
 * of ours is in flight, inflight > 0, that request bypasses the cache instead). */

#define TRACK_IDS 32 /* products remembered per transaction; more: everything is dropped */

typedef struct sq_track {
    int64_t ids[TRACK_IDS];
    int kinds[TRACK_IDS];
    int n, all, wal;
    int64_t k; /* clock triggers fired in this transaction */
} sq_track;

static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t known_n;     /* catalog_clock.n as explained by this process (clock_lock) */
static int known_init;      /* known_n was read once (clock_lock) */
static atomic_int inflight; /* transactions of this process that moved the clock, not yet ended */
static pthread_mutex_t path_lock = PTHREAD_MUTEX_INITIALIZER;
static char *sq_path; /* the first database file opened (path_lock), for bc_db_sync_here */

static void track_clear(sq_track *t)
{
    t->n = 0;
    t->all = 0;
    t->k = 0;
}

static void track_publish(const sq_track *t)
{
    if (t->all) {
        publish(BC_DB_CHANGED_ALL, BC_DB_CHANGE_LISTING);
        return;
    }
    for (int i = 0; i < t->n; i++)
        publish(t->ids[i], t->kinds[i]);
}

/* After the commit: the clock moved by k because of us. */
static void track_finish(sq_track *t)
{
    if (t->k) {
        pthread_mutex_lock(&clock_lock);
        known_n += t->k;
        pthread_mutex_unlock(&clock_lock);
        atomic_fetch_sub(&inflight, 1);
    }
    track_clear(t);
}

/* bc_changed(id, listing): id 0 = everything; listing 0 = BC_DB_CHANGE_ROW. */
static void fn_changed(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    sq_track *t = sqlite3_user_data(ctx);
    int64_t id = argc == 2 ? sqlite3_value_int64(argv[0]) : 0;
    int kind = argc == 2 && sqlite3_value_int(argv[1]) == 0 ? BC_DB_CHANGE_ROW : BC_DB_CHANGE_LISTING;
    if (t->k++ == 0)
        atomic_fetch_add(&inflight, 1);
    int i = 0;
    while (i < t->n && t->ids[i] != id)
        i++;
    if (id <= 0 || (i == t->n && t->n == TRACK_IDS)) {
        t->all = 1;
    } else if (i == t->n) {
        t->ids[t->n] = id;
        t->kinds[t->n++] = kind;
    } else if (kind == BC_DB_CHANGE_LISTING) {
        t->kinds[i] = kind;
    }
    sqlite3_result_null(ctx);
}

static int on_commit(void *arg)
{
    sq_track *t = arg;
    track_publish(t);
    if (!t->wal) /* no WAL (an in-memory database): no hook after the commit, and no other reader */
        track_finish(t);
    return 0;
}

static int on_wal(void *arg, sqlite3 *h, const char *dbname, int pages)
{
    sq_track *t = arg;
    track_publish(t);
    track_finish(t);
    /* what SQLite's default WAL hook does (sqlite3_wal_autocheckpoint docs), but on the
     * checkpointer thread when there is one: not in a writer's critical section */
    if (pages >= 1000 && !bc_sqlite_checkpoint_soon(sqlite3_db_filename(h, dbname)))
        sqlite3_wal_checkpoint(h, dbname);
    return SQLITE_OK;
}

static void on_rollback(void *arg)
{
    sq_track *t = arg;
    if (t->k)
        atomic_fetch_sub(&inflight, 1);
    track_clear(t);
}

/* Same row events as migration 8's clock triggers (one bc_changed call per clock bump). */
static const char temp_triggers[] =
    "CREATE TEMP TRIGGER bc_track_pi AFTER INSERT ON main.products BEGIN SELECT bc_changed(NEW.id, 1); END;"
    "CREATE TEMP TRIGGER bc_track_pu AFTER UPDATE ON main.products BEGIN SELECT bc_changed(NEW.id,"
    "  OLD.deleted IS NOT NEW.deleted OR (OLD.status = 'HIDDEN') IS NOT (NEW.status = 'HIDDEN')"
    "  OR OLD.category_id IS NOT NEW.category_id OR OLD.seller_id IS NOT NEW.seller_id OR OLD.name IS NOT NEW.name"
    "  OR OLD.description IS NOT NEW.description OR OLD.price IS NOT NEW.price"
    "  OR OLD.created_at IS NOT NEW.created_at OR OLD.id IS NOT NEW.id); END;"
    "CREATE TEMP TRIGGER bc_track_pd AFTER DELETE ON main.products BEGIN SELECT bc_changed(OLD.id, 1); END;"
    "CREATE TEMP TRIGGER bc_track_ii AFTER INSERT ON main.product_images BEGIN SELECT bc_changed(NEW.product_id, 0);"
    "  END;"
    "CREATE TEMP TRIGGER bc_track_iu AFTER UPDATE ON main.product_images BEGIN SELECT bc_changed(NEW.product_id, 0);"
    "  END;"
    "CREATE TEMP TRIGGER bc_track_id AFTER DELETE ON main.product_images BEGIN SELECT bc_changed(OLD.product_id, 0);"
    "  END;"
    "CREATE TEMP TRIGGER bc_track_ci AFTER INSERT ON main.categories BEGIN SELECT bc_changed(0, 1); END;"
    "CREATE TEMP TRIGGER bc_track_cu AFTER UPDATE ON main.categories BEGIN SELECT bc_changed(0, 1); END;"
    "CREATE TEMP TRIGGER bc_track_cd AFTER DELETE ON main.categories BEGIN SELECT bc_changed(0, 1); END;"
    "CREATE TEMP TRIGGER bc_track_uu AFTER UPDATE ON main.users BEGIN SELECT bc_changed(0, 1); END;";

void bc_notify_sqlite_opened(sqlite3 *h)
{
    sq_track *t = calloc(1, sizeof *t);
    sqlite3_stmt *s = NULL;
    int tables = 0;
    if (!t)
        return;
    const char *file = sqlite3_db_filename(h, "main");
    t->wal = file && *file;
    if (t->wal) {
        pthread_mutex_lock(&path_lock);
        if (!sq_path)
            sq_path = strdup(file);
        pthread_mutex_unlock(&path_lock);
    }
    if (sqlite3_create_function_v2(h, "bc_changed", 2, SQLITE_UTF8, t, fn_changed, NULL, NULL, free) != SQLITE_OK)
        return; /* xDestroy has freed t */
    sqlite3_commit_hook(h, on_commit, t);
    sqlite3_rollback_hook(h, on_rollback, t);
    if (t->wal)
        sqlite3_wal_hook(h, on_wal, t);
    /* a connection opened before the schema exists (the first migrate) is not tracked: its
     * writes look like another process's, which drops everything (safe, only slower) */
    if (sqlite3_prepare_v2(h,
                           "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                           " AND name IN ('products', 'product_images', 'categories', 'users', 'catalog_clock')",
                           -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        tables = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (tables == 5 && sqlite3_exec(h, temp_triggers, NULL, NULL, NULL) != SQLITE_OK)
        bc_log_warn("store", "change tracking triggers: %s", sqlite3_errmsg(h));
}

/* The data_version this thread's connection saw last (each worker thread owns one connection;
 * an event loop has its own, see bc_db_sync_here). */
static _Thread_local struct {
    const void *conn;
    int64_t dv;
} seen;

/* 1 when data_version dv of conn is the one seen last: nothing was committed elsewhere. */
static int dv_unchanged(const void *conn, int64_t dv)
{
    pthread_mutex_lock(&clock_lock);
    int init = known_init;
    pthread_mutex_unlock(&clock_lock);
    return init && seen.conn == conn && seen.dv == dv;
}

/* Another connection committed: n is catalog_clock.n read after data_version dv. A clock that
 * moved by more than this process explains is a foreign write: everything is dropped. While a
 * transaction of ours is between its commit and its WAL hook (inflight > 0) the difference may be
 * ours: BC_EBUSY then (the caller answers from the database this once, dv is not recorded, the next
 * call checks again), which neither drops everything for our own commit nor misses a foreign one. */
static int clock_check(const void *conn, int64_t dv, int64_t n)
{
    int drop = 0, rc = BC_OK;
    pthread_mutex_lock(&clock_lock);
    if (!known_init) {
        drop = 1;
        known_n = n;
        known_init = 1;
    } else if (n != known_n && atomic_load(&inflight) > 0) {
        rc = BC_EBUSY;
    } else if (n != known_n) {
        drop = 1;
        known_n = n;
    }
    pthread_mutex_unlock(&clock_lock);
    if (drop)
        publish(BC_DB_CHANGED_ALL, BC_DB_CHANGE_LISTING);
    if (rc == BC_OK) {
        seen.conn = conn;
        seen.dv = dv;
    }
    return rc;
}

static int sync_sqlite(bc_db *db)
{
    int64_t dv = 0, n = 0;
    if (bc_db_int(db, &dv, "PRAGMA data_version", "") != 1)
        return BC_ERR;
    if (dv_unchanged(db, dv))
        return BC_OK;
    /* read the clock after data_version, so that a commit between the two is seen now */
    if (bc_db_int(db, &n, "SELECT n FROM catalog_clock WHERE id = 1", "") < 0)
        return BC_ERR;
    return clock_check(db, dv, n);
}

/* This thread's own read-only connection for bc_db_sync_here, without a busy handler. */
static _Thread_local struct {
    sqlite3 *h;
    sqlite3_stmt *dv, *clock;
    int failed;
} here;

/* One integer from a prepared statement: 1, or 0 when busy or failed. */
static int step_int(sqlite3_stmt *s, int64_t *out)
{
    int ok = sqlite3_step(s) == SQLITE_ROW;
    if (ok)
        *out = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return ok;
}

static int sync_sqlite_here(void)
{
    int64_t dv = 0, n = 0;
    if (!here.h && !here.failed) {
        pthread_mutex_lock(&path_lock);
        char *path = sq_path ? strdup(sq_path) : NULL;
        pthread_mutex_unlock(&path_lock);
        here.failed = !path ||
                      sqlite3_open_v2(path, &here.h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
                      sqlite3_prepare_v3(here.h, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT, &here.dv,
                                         NULL) != SQLITE_OK ||
                      sqlite3_prepare_v3(here.h, "SELECT n FROM catalog_clock WHERE id = 1", -1,
                                         SQLITE_PREPARE_PERSISTENT, &here.clock, NULL) != SQLITE_OK;
        free(path);
        if (here.failed)
            bc_log_warn("store", "no read-only connection for change checks: %s",
                        here.h ? sqlite3_errmsg(here.h) : "no database file");
    }
    if (here.failed)
        return BC_ERR;
    if (!step_int(here.dv, &dv))
        return BC_EBUSY;
    if (dv_unchanged(here.h, dv))
        return BC_OK;
    if (!step_int(here.clock, &n))
        return BC_EBUSY;
    return clock_check(here.h, dv, n);
}

/* ---- PostgreSQL ---- */

static pthread_mutex_t pg_lock = PTHREAD_MUTEX_INITIALIZER;
static char *pg_url;              /* first URL opened (pg_lock) */
static atomic_int listener_ok;    /* the listener thread is connected and listening */
static atomic_int listener_start; /* the listener thread was started */

/* "<id>" (BC_DB_CHANGE_LISTING), "r<id>" (BC_DB_CHANGE_ROW), anything else: everything. */
static void on_payload(const char *p)
{
    char *end = NULL;
    int row = p && p[0] == 'r';
    const char *digits = p ? p + row : NULL;
    long long id = digits ? strtoll(digits, &end, 10) : 0;
    if (end && end != digits && *end == '\0' && id > 0)
        publish((int64_t)id, row ? BC_DB_CHANGE_ROW : BC_DB_CHANGE_LISTING);
    else
        publish(BC_DB_CHANGED_ALL, BC_DB_CHANGE_LISTING);
}

/* The backend pids of this process's own connections (pg_lock). A notification is published once:
 * by the connection whose commit sent it (its own drain, right after the commit), and by the
 * listener thread only when it came from a session that is not one of ours (another instance,
 * the CLI, a shell); every other connection of ours skips it. Before, each of our N connections
 * and the listener published every commit again, N + 1 times, whenever they next ran a command,
 * which kept clearing caches and sold-out flags long after the change. Past OWN_PIDS connections
 * the listener publishes everything (safe, only slower). */
#define OWN_PIDS 1024
static int own_pids[OWN_PIDS], own_n, own_overflow;

static void own_add(int pid)
{
    pthread_mutex_lock(&pg_lock);
    if (own_n < OWN_PIDS)
        own_pids[own_n++] = pid;
    else
        own_overflow = 1;
    pthread_mutex_unlock(&pg_lock);
}

void bc_notify_pg_closing(PGconn *conn)
{
    int pid = PQbackendPID(conn);
    pthread_mutex_lock(&pg_lock);
    for (int i = 0; pid && i < own_n; i++)
        if (own_pids[i] == pid) {
            own_pids[i] = own_pids[--own_n];
            break;
        }
    pthread_mutex_unlock(&pg_lock);
}

static int own_has(int pid)
{
    int r = 0;
    pthread_mutex_lock(&pg_lock);
    for (int i = 0; !own_overflow && i < own_n && !r; i++)
        r = own_pids[i] == pid;
    pthread_mutex_unlock(&pg_lock);
    return r;
}

void bc_notify_pg_drain(PGconn *conn)
{
    PGnotify *n;
    int self = PQbackendPID(conn);
    while ((n = PQnotifies(conn)) != NULL) {
        if (strcmp(n->relname, CHANNEL) == 0 && n->be_pid == self)
            on_payload(n->extra);
        PQfreemem(n);
    }
}

/* The listener's drain: what other sessions than ours committed. */
static void listener_drain(PGconn *conn)
{
    PGnotify *n;
    while ((n = PQnotifies(conn)) != NULL) {
        if (strcmp(n->relname, CHANNEL) == 0 && !own_has(n->be_pid))
            on_payload(n->extra);
        PQfreemem(n);
    }
}

static int pg_listen(PGconn *conn)
{
    PGresult *r = PQexec(conn, "LISTEN " CHANNEL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

void bc_notify_pg_opened(PGconn *conn, const char *url, int reconnected)
{
    if (!pg_listen(conn))
        bc_log_warn("store", "LISTEN %s: %s", CHANNEL, PQerrorMessage(conn));
    own_add(PQbackendPID(conn));
    if (url) {
        pthread_mutex_lock(&pg_lock);
        if (!pg_url)
            pg_url = strdup(url);
        pthread_mutex_unlock(&pg_lock);
    }
    if (reconnected)
        publish(BC_DB_CHANGED_ALL, BC_DB_CHANGE_LISTING);
}

/* The listener: one connection that LISTENs and waits in poll() for notifications from every
 * instance; on a lost connection it drops everything, marks itself down (caches are bypassed) and
 * reconnects every second. */
static void *listener_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pg_lock);
    char *url = pg_url ? strdup(pg_url) : NULL;
    pthread_mutex_unlock(&pg_lock);
    if (!url)
        return NULL;
    for (int logged = 0;;) {
        PGconn *c = PQconnectdb(url);
        if (c && PQstatus(c) == CONNECTION_OK && pg_listen(c)) {
            publish(BC_DB_CHANGED_ALL, BC_DB_CHANGE_LISTING); /* whatever happened while no one listened */
            atomic_store(&listener_ok, 1);
            if (logged)
                bc_log_info("store", "catalog change listener reconnected");
            logged = 0;
            for (;;) {
                struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
                if (pfd.fd < 0 || poll(&pfd, 1, 1000) < 0 || !PQconsumeInput(c))
                    break;
                listener_drain(c);
                if (PQstatus(c) != CONNECTION_OK)
                    break;
            }
        }
        atomic_store(&listener_ok, 0);
        publish(BC_DB_CHANGED_ALL, BC_DB_CHANGE_LISTING);
        if (!logged++)
            bc_log_warn("store", "catalog change listener: %s", c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static int sync_pg(void)
{
    if (!atomic_exchange(&listener_start, 1)) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, listener_main, NULL) != 0) {
            bc_log_error("store", "cannot start the catalog change listener");
            atomic_store(&listener_start, 0);
        }
        pthread_attr_destroy(&attr);
    }
    return atomic_load(&listener_ok) ? BC_OK : BC_EBUSY;
}

int bc_db_sync(bc_db *db) { return strcmp(bc_db_backend(db), "postgresql") == 0 ? sync_pg() : sync_sqlite(db); }

int bc_db_sync_here(void)
{
    pthread_mutex_lock(&pg_lock);
    int pg = pg_url != NULL;
    pthread_mutex_unlock(&pg_lock);
    return pg ? sync_pg() : sync_sqlite_here();
}
