/* store: the backend-neutral front of store.h. Opens a connection by URL, dispatches each call to
 * the connection's backend (store_int.h), and holds what both backends share: the bind-by-format
 * helpers, the retrying transaction runner, the migration runner and the placeholder rewriter. */
#include "store_int.h"

#include <string.h>
#include <time.h>

#include "../metrics/metrics.h"

int bc_db_open(const char *url, bc_db **out)
{
    *out = NULL;
    if (!url || !*url)
        return BC_EINVAL;
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return bc_pg_open(url, out);
    if (strncmp(url, "sqlite:", 7) == 0)
        return bc_sqlite_open(url + 7, out);
    if (strstr(url, "://")) {
        bc_log_error("store", "unsupported database URL scheme (use sqlite:PATH or postgresql://...)");
        return BC_EINVAL;
    }
    return bc_sqlite_open(url, out); /* a bare path: an SQLite file */
}

void bc_db_close(bc_db *db)
{
    if (db)
        db->ops->close(db);
}

const char *bc_db_backend(const bc_db *db) { return db->ops->name; }
const char *bc_db_dialect_sql(const bc_db *db, const char *sqlite_sql, const char *pg_sql)
{
    return strcmp(db->ops->name, "postgresql") == 0 ? pg_sql : sqlite_sql;
}
int bc_db_begin(bc_db *db)
{
    int rc = db->ops->begin(db);
    db->in_tx = rc == BC_OK;
    return rc;
}
int bc_db_lock(bc_db *db, int space, int64_t key)
{
    if (db->ops->dialect != BC_DIALECT_PG)
        return BC_OK;
    int32_t k = (int32_t)(uint32_t)((uint64_t)key ^ ((uint64_t)key >> 32));
    int rc = bc_db_exec(db, "SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))", "ii",
                        (int64_t)space, (int64_t)k);
    return rc < 0 ? (rc == BC_EBUSY ? BC_EBUSY : BC_ERR) : BC_OK;
}
int bc_db_commit(bc_db *db)
{
    db->in_tx = 0;
    return db->ops->commit(db);
}
void bc_db_rollback(bc_db *db)
{
    db->in_tx = 0;
    db->ops->rollback(db);
}
bc_stmt *bc_db_prepare(bc_db *db, const char *sql) { return db->ops->prepare(db, sql); }
void bc_stmt_bind_int(bc_stmt *st, int idx, int64_t v) { st->db->ops->bind_int(st, idx, v); }
void bc_stmt_bind_text(bc_stmt *st, int idx, const char *v) { st->db->ops->bind_text(st, idx, v); }
void bc_stmt_bind_null(bc_stmt *st, int idx) { st->db->ops->bind_null(st, idx); }
int bc_stmt_step(bc_stmt *st) { return st->db->ops->step(st); }
int64_t bc_stmt_int(bc_stmt *st, int col) { return st->db->ops->col_int(st, col); }
const char *bc_stmt_text(bc_stmt *st, int col) { return st->db->ops->col_text(st, col); }
int bc_stmt_is_null(bc_stmt *st, int col) { return st->db->ops->is_null(st, col); }
int bc_stmt_column_count(bc_stmt *st) { return st->db->ops->col_count(st); }
const char *bc_stmt_column_name(bc_stmt *st, int col) { return st->db->ops->col_name(st, col); }
int bc_stmt_column_type(bc_stmt *st, int col) { return st->db->ops->col_type(st, col); }
json_t *bc_stmt_row_json(bc_stmt *st) { return st->db->ops->row_json(st); }
void bc_stmt_reset(bc_stmt *st) { st->db->ops->reset(st); }
int bc_db_changes(bc_db *db) { return db->ops->changes(db); }

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

/* ---- the transaction runner ---- */

static void backoff(int attempt)
{
    /* 2, 4, 8, 16 ms plus up to 3 ms of spread so that two losers do not collide again in step */
    struct timespec ts = {0, (long)((1 << attempt) + (bc_now_ms() & 3)) * 1000000L};
    nanosleep(&ts, NULL);
}

int bc_db_tx(bc_db *db, int (*fn)(bc_db *db, void *arg), void *arg)
{
    int rc = BC_ERR;
    if (db->in_tx) /* inside another unit: join it; a lost conflict makes the outer unit run again */
        return fn(db, arg);
    for (int attempt = 0; attempt < BC_DB_TX_TRIES; attempt++) {
        if (attempt) {
            backoff(attempt);
            bc_metrics_add(BC_METRIC_DB_TX_RETRIES, 1);
        }
        db->retryable = 0;
        rc = bc_db_begin(db);
        if (rc == BC_OK) {
            bc_metrics_tx_begin(); /* what the unit counts applies only if it commits */
            rc = fn(db, arg);
            if (rc == BC_OK) {
                rc = bc_db_commit(db); /* rolls back itself on failure */
                bc_metrics_tx_end(rc == BC_OK);
                if (rc == BC_OK)
                    return BC_OK;
            } else {
                bc_metrics_tx_end(0);
                bc_db_rollback(db);
            }
        }
        if (rc != BC_EBUSY && !db->retryable)
            return rc;
        bc_log_debug("store", "transaction attempt %d lost a conflict; retrying", attempt + 1);
        rc = BC_EBUSY;
    }
    return rc;
}

int bc_db_ping(bc_db *db, int timeout_ms)
{
    int64_t start = bc_now_ms(), one = 0;
    if (db->in_tx)
        return BC_ERR;
    int rc = bc_db_int(db, &one, "SELECT 1", "");
    if (rc != 1 || one != 1)
        return BC_ERR;
    return bc_now_ms() - start <= timeout_ms ? BC_OK : BC_EBUSY;
}

/* ---- placeholders ---- */

int bc_store_pg_placeholders(const char *sql, char *out, size_t outlen)
{
    size_t o = 0;
    int n = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        char buf[16];
        size_t bl;
        if (quote) {
            if (quote == '-' ? *p == '\n' : *p == quote)
                quote = 0;
            buf[0] = *p;
            bl = 1;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            buf[0] = *p;
            bl = 1;
        } else if (*p == '-' && p[1] == '-') {
            quote = '-';
            buf[0] = *p;
            bl = 1;
        } else if (*p == '?') {
            bl = (size_t)snprintf(buf, sizeof buf, "$%d", ++n);
        } else {
            buf[0] = *p;
            bl = 1;
        }
        if (o + bl >= outlen)
            return -1;
        memcpy(out + o, buf, bl);
        o += bl;
    }
    if (o >= outlen)
        return -1;
    out[o] = '\0';
    return n;
}

/* ---- migrations ---- */

int bc_db_migrate(bc_db *db)
{
    int dialect = db->ops->dialect;
    for (int v = 1; bc_migrations[v - 1].sqlite; v++) {
        int rc = bc_db_begin(db);
        if (rc != BC_OK)
            return rc;
        int64_t have = 0;
        /* inside the transaction: on PostgreSQL a second instance starting at once waits on the
         * migration lock instead of racing on CREATE TABLE */
        if (bc_db_lock(db, BC_DB_LOCK_MIGRATE, 0) != BC_OK)
            goto fail;
        if (db->ops->script(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
                                " applied_at BIGINT NOT NULL)") != BC_OK)
            goto fail;
        if (bc_db_int(db, &have, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i", (int64_t)v) < 0)
            goto fail;
        if (have == 0) {
            const bc_migration *m = &bc_migrations[v - 1];
            const char *sql = dialect == BC_DIALECT_PG && m->pg ? m->pg : m->sqlite;
            if (db->ops->script(db, sql) != BC_OK) {
                bc_log_error("store", "migration %d failed on %s", v, db->ops->name);
                goto fail;
            }
            if (bc_db_exec(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", "ii", (int64_t)v,
                           bc_now_ms()) < 0)
                goto fail;
            bc_log_info("store", "applied migration %d (%s)", v, db->ops->name);
        }
        if (bc_db_commit(db) != BC_OK)
            return BC_ERR;
    }
    return BC_OK;
fail:
    bc_db_rollback(db);
    return BC_ERR;
}
