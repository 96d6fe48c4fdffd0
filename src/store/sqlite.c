/* SQLite 3 backend of the storage interface (store.h). */
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 1024 /* > distinct SQL strings in the program; open addressing */

struct bc_stmt {
    sqlite3_stmt *s;
    bc_db *db;
};

struct bc_db {
    sqlite3 *h;
    const char *keys[CACHE_SLOTS];
    bc_stmt stmts[CACHE_SLOTS];
    int in_tx;
};

static int busy_handler(void *arg, int count)
{
    (void)arg;
    /* back off 1..10 ms, give up after ~30 s */
    if (count > 3000)
        return 0;
    sqlite3_sleep(count < 10 ? 1 : 10);
    return 1;
}

/* Global SQLite settings, once per process before the first connection: no memory statistics
 * (they take a process-wide mutex on every allocation, which serialised the workers). */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

int bc_db_open(const char *path, bc_db **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
    bc_db *db = calloc(1, sizeof *db);
    int rc = BC_ERR;
    if (!db)
        return BC_ENOMEM;
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        bc_log_error("store", "open %s: %s", path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
        goto out;
    }
    sqlite3_busy_handler(db->h, busy_handler, NULL);
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
    char *err = NULL;
    if (sqlite3_exec(db->h, pragmas, NULL, NULL, &err) != SQLITE_OK) {
        bc_log_error("store", "pragmas: %s", err);
        sqlite3_free(err);
        goto out;
    }
    *out = db;
    db = NULL;
    rc = BC_OK;
out:
    if (db)
        bc_db_close(db);
    return rc;
}

void bc_db_close(bc_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (db->stmts[i].s)
            sqlite3_finalize(db->stmts[i].s);
    sqlite3_close_v2(db->h);
    free(db);
}

static int simple(bc_db *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
        int code = sqlite3_errcode(db->h);
        bc_log_error("store", "%s: %s", sql, err ? err : "?");
        sqlite3_free(err);
        return code == SQLITE_BUSY ? BC_EBUSY : BC_ERR;
    }
    return BC_OK;
}

int bc_db_begin(bc_db *db)
{
    int rc = simple(db, "BEGIN IMMEDIATE");
    if (rc == BC_OK)
        db->in_tx = 1;
    return rc;
}

int bc_db_commit(bc_db *db)
{
    int rc = simple(db, "COMMIT");
    if (rc != BC_OK)
        bc_db_rollback(db);
    db->in_tx = 0;
    return rc;
}

void bc_db_rollback(bc_db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    db->in_tx = 0;
}

bc_stmt *bc_db_prepare(bc_db *db, const char *sql)
{
    size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS;
    for (size_t n = 0; n < CACHE_SLOTS; n++, h = (h + 1) % CACHE_SLOTS) {
        if (db->keys[h] == sql) {
            sqlite3_reset(db->stmts[h].s);
            sqlite3_clear_bindings(db->stmts[h].s);
            return &db->stmts[h];
        }
        if (db->keys[h] == NULL) {
            sqlite3_stmt *s;
            if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
                bc_log_error("store", "prepare: %s: %s", sqlite3_errmsg(db->h), sql);
                return NULL;
            }
            db->keys[h] = sql;
            db->stmts[h].s = s;
            db->stmts[h].db = db;
            return &db->stmts[h];
        }
    }
    bc_log_error("store", "statement cache full");
    return NULL;
}

void bc_stmt_bind_int(bc_stmt *st, int idx, int64_t v) { sqlite3_bind_int64(st->s, idx, v); }
void bc_stmt_bind_text(bc_stmt *st, int idx, const char *v)
{
    if (v)
        sqlite3_bind_text(st->s, idx, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st->s, idx);
}
void bc_stmt_bind_null(bc_stmt *st, int idx) { sqlite3_bind_null(st->s, idx); }

int bc_stmt_step(bc_stmt *st)
{
    int rc = sqlite3_step(st->s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    int ext = sqlite3_extended_errcode(st->db->h);
    if ((ext & 0xff) == SQLITE_CONSTRAINT)
        return BC_ECONFLICT;
    bc_log_error("store", "step: %s: %s", sqlite3_errmsg(st->db->h), sqlite3_sql(st->s));
    return rc == SQLITE_BUSY ? BC_EBUSY : BC_ERR;
}

int64_t bc_stmt_int(bc_stmt *st, int col) { return sqlite3_column_int64(st->s, col); }
const char *bc_stmt_text(bc_stmt *st, int col) { return (const char *)sqlite3_column_text(st->s, col); }
int bc_stmt_is_null(bc_stmt *st, int col) { return sqlite3_column_type(st->s, col) == SQLITE_NULL; }
void bc_stmt_reset(bc_stmt *st) { sqlite3_reset(st->s); }
int bc_db_changes(bc_db *db) { return sqlite3_changes(db->h); }

json_t *bc_stmt_row_json(bc_stmt *st)
{
    json_t *o = json_object();
    int n = sqlite3_column_count(st->s);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(st->s, i);
        json_t *v;
        switch (sqlite3_column_type(st->s, i)) {
        case SQLITE_INTEGER: {
            size_t len = strlen(name);
            int64_t x = sqlite3_column_int64(st->s, i);
            if (len > 3 && strcmp(name + len - 3, "_at") == 0) {
                char buf[40];
                v = json_string(bc_time_iso(x, buf, sizeof buf));
            } else {
                v = json_integer(x);
            }
            break;
        }
        case SQLITE_FLOAT:
            v = json_real(sqlite3_column_double(st->s, i));
            break;
        case SQLITE_TEXT:
            v = json_stringn((const char *)sqlite3_column_text(st->s, i), (size_t)sqlite3_column_bytes(st->s, i));
            break;
        case SQLITE_NULL:
        default:
            v = json_null();
        }
        json_object_set_new(o, name, v ? v : json_null());
    }
    return o;
}

static bc_stmt *prep_bind(bc_db *db, const char *sql, const char *fmt, va_list ap)
{
    bc_stmt *st = bc_db_prepare(db, sql);
    if (!st)
        return NULL;
    int idx = 1;
    for (const char *f = fmt; f && *f; f++, idx++) {
        switch (*f) {
        case 'i':
            bc_stmt_bind_int(st, idx, va_arg(ap, int64_t));
            break;
        case 't':
            bc_stmt_bind_text(st, idx, va_arg(ap, const char *));
            break;
        case 'n':
            bc_stmt_bind_null(st, idx);
            break;
        default:
            bc_log_error("store", "bad bind format '%c'", *f);
            return NULL;
        }
    }
    return st;
}

int bc_db_exec(bc_db *db, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bc_stmt *st = prep_bind(db, sql, fmt, ap);
    va_end(ap);
    if (!st)
        return BC_ERR;
    int rc;
    while ((rc = bc_stmt_step(st)) == 1)
        ;
    bc_stmt_reset(st);
    return rc < 0 ? rc : bc_db_changes(db);
}

int bc_db_row(bc_db *db, json_t **out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bc_stmt *st = prep_bind(db, sql, fmt, ap);
    va_end(ap);
    *out = NULL;
    if (!st)
        return BC_ERR;
    int rc = bc_stmt_step(st);
    if (rc == 1)
        *out = bc_stmt_row_json(st);
    bc_stmt_reset(st);
    return rc;
}

int bc_db_rows(bc_db *db, json_t **out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bc_stmt *st = prep_bind(db, sql, fmt, ap);
    va_end(ap);
    *out = NULL;
    if (!st)
        return BC_ERR;
    json_t *arr = json_array();
    int rc, n = 0;
    while ((rc = bc_stmt_step(st)) == 1) {
        json_array_append_new(arr, bc_stmt_row_json(st));
        n++;
    }
    bc_stmt_reset(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return n;
}

int bc_db_int(bc_db *db, int64_t *out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bc_stmt *st = prep_bind(db, sql, fmt, ap);
    va_end(ap);
    if (!st)
        return BC_ERR;
    int rc = bc_stmt_step(st);
    if (rc == 1)
        *out = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    return rc;
}

/* ---- migrations ---- */
extern const char *const bc_migrations[];

int bc_db_migrate(bc_db *db)
{
    int rc = BC_ERR;
    if (simple(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT "
                   "NULL)") != BC_OK)
        return BC_ERR;
    for (int v = 1; bc_migrations[v - 1]; v++) {
        if (bc_db_begin(db) != BC_OK)
            return BC_ERR;
        int64_t have = 0;
        if (bc_db_int(db, &have, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i", (int64_t)v) < 0)
            goto fail;
        if (have == 0) {
            char *err = NULL;
            if (sqlite3_exec(db->h, bc_migrations[v - 1], NULL, NULL, &err) != SQLITE_OK) {
                bc_log_error("store", "migration %d: %s", v, err ? err : "?");
                sqlite3_free(err);
                goto fail;
            }
            if (bc_db_exec(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", "ii", (int64_t)v,
                           bc_now_ms()) < 0)
                goto fail;
            bc_log_info("store", "applied migration %d", v);
        }
        if (bc_db_commit(db) != BC_OK)
            return BC_ERR;
    }
    return BC_OK;
fail:
    bc_db_rollback(db);
    return rc;
}
