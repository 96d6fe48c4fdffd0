/* SQLite 3 backend of the storage interface (store.h, seam in store_int.h). */
#include "store_int.h"
#include "notify_int.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_SLOTS 1024 /* > distinct SQL strings in the program; open addressing */

typedef struct sq_stmt {
    bc_stmt hdr;
    sqlite3_stmt *s;
} sq_stmt;

typedef struct sq_db {
    bc_db hdr;
    sqlite3 *h;
    const char *keys[CACHE_SLOTS];
    sq_stmt stmts[CACHE_SLOTS];
    int in_tx;
    pthread_mutex_t *writer; /* its file's writer lock (see writer_lock); NULL: none (in-memory) */
    int holds_writer;        /* this connection holds it */
} sq_db;

#define DB(d) ((sq_db *)(d))
#define ST(x) (((sq_stmt *)(x))->s)

static const bc_db_ops sq_ops;
static void sq_close(bc_db *d);

/* The process's writer lock. SQLite lets one connection write at a time; the connections of this
 * process (one per worker) used to find out by polling: BEGIN IMMEDIATE failed with SQLITE_BUSY and
 * the busy handler slept 1 ms, then 10 ms, before trying again, so under contention each write
 * transaction cost a few ms of sleeping while the lock was free. Now a write transaction first
 * takes this mutex (a waiter is woken the moment the holder commits or rolls back), then BEGIN
 * IMMEDIATE, which waits only for other processes (the busy handler below). The wait is bounded by
 * the same ~30 s as the busy handler: BC_EBUSY after that. Autocommit writes outside a transaction
 * do not take it; their busy waits are woken by writer_done instead of sleeping out a timeout. */
#define WRITER_WAIT_S 30
#define WRITER_FILES 8 /* database files with a writer lock; connections to more go without */
static pthread_mutex_t files_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *path;
    pthread_mutex_t mu;
} files[WRITER_FILES];
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static unsigned long wake_seq; /* bumped (wake_mu) each time a write of this process ended */

static void writer_done(void)
{
    pthread_mutex_lock(&wake_mu);
    wake_seq++;
    pthread_cond_broadcast(&wake_cond);
    pthread_mutex_unlock(&wake_mu);
}

/* The writer lock of the database file path (NULL or "" for an in-memory database: none). */
static pthread_mutex_t *writer_of(const char *path)
{
    pthread_mutex_t *mu = NULL;
    if (!path || !*path)
        return NULL;
    pthread_mutex_lock(&files_mu);
    for (int i = 0; i < WRITER_FILES && !mu; i++) {
        if (files[i].path && strcmp(files[i].path, path) == 0) {
            mu = &files[i].mu;
        } else if (!files[i].path && (files[i].path = strdup(path)) != NULL) {
            pthread_mutex_init(&files[i].mu, NULL);
            mu = &files[i].mu;
        }
    }
    pthread_mutex_unlock(&files_mu);
    return mu;
}

static int writer_lock(sq_db *db)
{
    struct timespec until;
    if (!db->writer)
        return BC_OK;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WRITER_WAIT_S;
    if (pthread_mutex_timedlock(db->writer, &until) != 0)
        return BC_EBUSY;
    db->holds_writer = 1;
    return BC_OK;
}

static void writer_unlock(sq_db *db)
{
    if (!db->holds_writer)
        return;
    db->holds_writer = 0;
    pthread_mutex_unlock(db->writer);
    writer_done();
}

/* The checkpointer (bc_sqlite_checkpoint_soon): one thread and one connection for the first
 * database file that asks; requests are a counter it drains. */
static pthread_mutex_t ckpt_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ckpt_cond = PTHREAD_COND_INITIALIZER;
static char *ckpt_path;     /* the file it serves (ckpt_mu); NULL until the first request */
static int ckpt_state;      /* 0 not started, 1 running, -1 could not start (ckpt_mu) */
static unsigned ckpt_asked; /* requests not yet served (ckpt_mu) */

static void *ckpt_main(void *arg)
{
    sqlite3 *h = arg;
    pthread_mutex_lock(&ckpt_mu);
    for (;;) {
        while (!ckpt_asked)
            pthread_cond_wait(&ckpt_cond, &ckpt_mu);
        ckpt_asked = 0;
        pthread_mutex_unlock(&ckpt_mu);
        int log = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(h, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            bc_log_warn("store", "checkpoint: %s", sqlite3_errmsg(h));
        pthread_mutex_lock(&ckpt_mu);
    }
    return NULL;
}

int bc_sqlite_checkpoint_soon(const char *path)
{
    int queued = 0;
    if (!path || !*path)
        return 0;
    pthread_mutex_lock(&ckpt_mu);
    if (ckpt_state == 0) {
        sqlite3 *h = NULL;
        pthread_t t;
        ckpt_state = -1;
        ckpt_path = strdup(path);
        if (ckpt_path && sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
            sqlite3_busy_timeout(h, 1000);
            /* a connection that has read nothing has not opened the WAL yet: a checkpoint on it
             * would find "not in WAL mode" (log and done -1) and copy nothing */
            if (sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) == SQLITE_OK &&
                pthread_create(&t, NULL, ckpt_main, h) == 0) {
                pthread_detach(t);
                ckpt_state = 1;
                h = NULL;
            }
        }
        if (h)
            sqlite3_close(h);
        if (ckpt_state < 0)
            bc_log_warn("store", "no checkpointer thread: checkpoints run in the committing thread");
    }
    if (ckpt_state == 1 && strcmp(ckpt_path, path) == 0) {
        ckpt_asked++;
        pthread_cond_signal(&ckpt_cond);
        queued = 1;
    }
    pthread_mutex_unlock(&ckpt_mu);
    return queued;
}

static int busy_handler(void *arg, int count)
{
    (void)arg;
    /* give up after ~30 s; wait until a write of this process ends, or 1 ms (another process's
     * write, which nothing here announces), whichever comes first */
    if (count > 30000)
        return 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&wake_mu);
    unsigned long seen = wake_seq;
    while (wake_seq == seen)
        if (pthread_cond_timedwait(&wake_cond, &wake_mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&wake_mu);
    return 1;
}

/* Global SQLite settings, once per process before the first connection: no memory statistics
 * (they take a process-wide mutex on every allocation, which serialised the workers). */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

int bc_sqlite_open(const char *path, bc_db **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
    sq_db *db = calloc(1, sizeof *db);
    int rc = BC_ERR;
    if (!db)
        return BC_ENOMEM;
    db->hdr.ops = &sq_ops;
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        bc_log_error("store", "open %s: %s", path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
        goto out;
    }
    sqlite3_busy_handler(db->h, busy_handler, NULL);
    db->writer = writer_of(sqlite3_db_filename(db->h, "main"));
    /* mmap_size: reads of the database file map its pages instead of a read() per page miss
     * (the WAL is read through its own index either way) */
    const char *pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA mmap_size=268435456;";
    char *err = NULL;
    if (sqlite3_exec(db->h, pragmas, NULL, NULL, &err) != SQLITE_OK) {
        bc_log_error("store", "pragmas: %s", err);
        sqlite3_free(err);
        goto out;
    }
    bc_notify_sqlite_opened(db->h); /* change notification for caches (notify.c) */
    *out = &db->hdr;
    db = NULL;
    rc = BC_OK;
out:
    if (db)
        sq_close(&db->hdr);
    return rc;
}

static void sq_close(bc_db *d)
{
    sq_db *db = DB(d);
    if (db->h && !sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    writer_unlock(db);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (db->stmts[i].s)
            sqlite3_finalize(db->stmts[i].s);
    sqlite3_close_v2(db->h);
    free(db);
}

static int sq_script(bc_db *d, const char *sql)
{
    sq_db *db = DB(d);
    char *err = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
        int code = sqlite3_errcode(db->h);
        bc_log_error("store", "%s: %s", sql, err ? err : "?");
        sqlite3_free(err);
        if (code == SQLITE_BUSY)
            d->retryable = 1;
        return code == SQLITE_BUSY ? BC_EBUSY : BC_ERR;
    }
    return BC_OK;
}

static void sq_rollback(bc_db *d);

static int sq_begin(bc_db *d)
{
    sq_db *db = DB(d);
    int rc = db->holds_writer ? BC_OK : writer_lock(db);
    if (rc != BC_OK) {
        d->retryable = 1;
        return rc;
    }
    rc = sq_script(d, "BEGIN IMMEDIATE");
    if (rc == BC_OK)
        db->in_tx = 1;
    else
        writer_unlock(db);
    return rc;
}

static int sq_commit(bc_db *d)
{
    int rc = sq_script(d, "COMMIT");
    if (rc != BC_OK)
        sq_rollback(d);
    DB(d)->in_tx = 0;
    writer_unlock(DB(d));
    return rc;
}

static void sq_rollback(bc_db *d)
{
    sq_db *db = DB(d);
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    db->in_tx = 0;
    writer_unlock(db);
}

static bc_stmt *sq_prepare(bc_db *d, const char *sql)
{
    sq_db *db = DB(d);
    size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS;
    for (size_t n = 0; n < CACHE_SLOTS; n++, h = (h + 1) % CACHE_SLOTS) {
        if (db->keys[h] == sql) {
            sqlite3_reset(db->stmts[h].s);
            sqlite3_clear_bindings(db->stmts[h].s);
            return &db->stmts[h].hdr;
        }
        if (db->keys[h] == NULL) {
            sqlite3_stmt *s;
            if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
                bc_log_error("store", "prepare: %s: %s", sqlite3_errmsg(db->h), sql);
                return NULL;
            }
            db->keys[h] = sql;
            db->stmts[h].s = s;
            db->stmts[h].hdr.db = d;
            return &db->stmts[h].hdr;
        }
    }
    bc_log_error("store", "statement cache full");
    return NULL;
}

static void sq_bind_int(bc_stmt *st, int idx, int64_t v) { sqlite3_bind_int64(ST(st), idx, v); }
static void sq_bind_text(bc_stmt *st, int idx, const char *v)
{
    if (v)
        sqlite3_bind_text(ST(st), idx, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(ST(st), idx);
}
static void sq_bind_null(bc_stmt *st, int idx) { sqlite3_bind_null(ST(st), idx); }

static int sq_step(bc_stmt *st)
{
    sqlite3 *h = DB(st->db)->h;
    int rc = sqlite3_step(ST(st));
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE) {
        if (!DB(st->db)->holds_writer && !sqlite3_stmt_readonly(ST(st)) && sqlite3_get_autocommit(h))
            writer_done(); /* an autocommit write ended: wake busy waiters */
        return 0;
    }
    int ext = sqlite3_extended_errcode(h);
    if ((ext & 0xff) == SQLITE_CONSTRAINT)
        return BC_ECONFLICT;
    bc_log_error("store", "step: %s: %s", sqlite3_errmsg(h), sqlite3_sql(ST(st)));
    if (rc == SQLITE_BUSY)
        st->db->retryable = 1;
    return rc == SQLITE_BUSY ? BC_EBUSY : BC_ERR;
}

static int64_t sq_col_int(bc_stmt *st, int col) { return sqlite3_column_int64(ST(st), col); }
static const char *sq_col_text(bc_stmt *st, int col) { return (const char *)sqlite3_column_text(ST(st), col); }
static int sq_is_null(bc_stmt *st, int col) { return sqlite3_column_type(ST(st), col) == SQLITE_NULL; }
static int sq_col_count(bc_stmt *st) { return sqlite3_column_count(ST(st)); }
static const char *sq_col_name(bc_stmt *st, int col) { return sqlite3_column_name(ST(st), col); }
static int sq_col_type(bc_stmt *st, int col)
{
    switch (sqlite3_column_type(ST(st), col)) {
    case SQLITE_NULL:
        return BC_COL_NULL;
    case SQLITE_INTEGER:
        return BC_COL_INT;
    default:
        return BC_COL_TEXT;
    }
}
static void sq_reset(bc_stmt *st) { sqlite3_reset(ST(st)); }
static int sq_changes(bc_db *d) { return sqlite3_changes(DB(d)->h); }

static json_t *sq_row_json(bc_stmt *st)
{
    sqlite3_stmt *s = ST(st);
    json_t *o = json_object();
    int n = sqlite3_column_count(s);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(s, i);
        json_t *v;
        switch (sqlite3_column_type(s, i)) {
        case SQLITE_INTEGER:
            v = json_integer(sqlite3_column_int64(s, i));
            break;
        case SQLITE_FLOAT:
            v = json_real(sqlite3_column_double(s, i));
            break;
        case SQLITE_TEXT:
            v = json_stringn((const char *)sqlite3_column_text(s, i), (size_t)sqlite3_column_bytes(s, i));
            break;
        case SQLITE_NULL:
        default:
            v = json_null();
        }
        json_object_set_new(o, name, v ? v : json_null());
    }
    return o;
}

static const bc_db_ops sq_ops = {
    .name = "sqlite",
    .dialect = BC_DIALECT_SQLITE,
    .close = sq_close,
    .script = sq_script,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .is_null = sq_is_null,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_type = sq_col_type,
    .row_json = sq_row_json,
    .reset = sq_reset,
    .changes = sq_changes,
};
