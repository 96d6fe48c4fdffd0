/* PostgreSQL backend of the storage interface (store.h, seam in store_int.h), through libpq.
 *
 * One blocking connection per bc_db (each worker thread owns one). A statement is rewritten from
 * `?` to `$n` once, and prepared on the server (PQprepare, a generated name) at its first execution
 * on this connection, with the parameter types of that first binding: int8 for integers, unknown
 * (inferred by the server from the SQL) for text and NULL; when the server cannot infer one
 * (42P18, e.g. `? IS NULL`), the non-integer parameters are declared text and it is prepared
 * again. Parameters and results travel in text format. A lost connection is reset on the next
 * error and its statements are prepared again on the new one. */
#include "store_int.h"
#include "notify_int.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 1024 /* > distinct SQL strings in the program; open addressing */
#define MAX_PARAMS 1000  /* above any IN (?, ...) list the modules build */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

typedef struct pg_stmt {
    bc_stmt hdr;
    const char *sql; /* the caller's text: the cache key */
    char *pg_sql;    /* with $n placeholders */
    char name[16];   /* server-side name, empty until prepared on this connection */
    int nparams;
    unsigned char *bound_int; /* nparams flags: bound with bc_stmt_bind_int */
    char **vals;              /* nparams texts (owned), NULL for SQL NULL */
    PGresult *res;
    int row; /* rows already returned by step */
} pg_stmt;

typedef struct pg_db {
    bc_db hdr;
    PGconn *conn;
    const char *keys[CACHE_SLOTS];
    pg_stmt *stmts[CACHE_SLOTS];
    unsigned next_name;
    int changes;
} pg_db;

#define DB(d) ((pg_db *)(d))
#define ST(x) ((pg_stmt *)(x))

static const bc_db_ops pg_ops;

static void quiet_notices(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* "relation already exists, skipping" and the like */
}

static void pg_close(bc_db *d)
{
    pg_db *db = DB(d);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        pg_stmt *st = db->stmts[i];
        if (!st)
            continue;
        PQclear(st->res);
        for (int k = 0; k < st->nparams; k++)
            free(st->vals[k]);
        free(st->vals);
        free(st->bound_int);
        free(st->pg_sql);
        free(st);
    }
    if (db->conn)
        bc_notify_pg_closing(db->conn);
    PQfinish(db->conn);
    free(db);
}

int bc_pg_open(const char *url, bc_db **out)
{
    pg_db *db = calloc(1, sizeof *db);
    if (!db)
        return BC_ENOMEM;
    db->hdr.ops = &pg_ops;
    db->conn = PQconnectdb(url);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password */
        bc_log_error("store", "cannot connect to PostgreSQL: %s",
                     db->conn ? PQerrorMessage(db->conn) : "out of memory");
        pg_close(&db->hdr);
        return BC_ERR;
    }
    PQsetNoticeProcessor(db->conn, quiet_notices, NULL);
    PGresult *r = PQexec(db->conn, "SET TIME ZONE 'UTC'");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        bc_log_error("store", "PostgreSQL session setup: %s", PQerrorMessage(db->conn));
        pg_close(&db->hdr);
        return BC_ERR;
    }
    bc_notify_pg_opened(db->conn, url, 0); /* change notification for caches (notify.c) */
    *out = &db->hdr;
    return BC_OK;
}

/* After a lost connection: reconnects and forgets what was prepared on the old one. */
static void pg_recover(pg_db *db)
{
    if (PQstatus(db->conn) == CONNECTION_OK)
        return;
    bc_log_warn("store", "PostgreSQL connection lost; reconnecting");
    bc_notify_pg_closing(db->conn);
    PQreset(db->conn);
    bc_notify_pg_opened(db->conn, NULL, 1); /* notifications may have been missed (notify.c) */
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (db->stmts[i])
            db->stmts[i]->name[0] = '\0';
}

/* Maps a failed result to a store error: class 23 (integrity constraint) -> BC_ECONFLICT without a
 * log line; 40001/40P01 -> BC_EBUSY (retryable); anything else is logged -> BC_ERR. */
static int pg_error(pg_db *db, PGresult *r, const char *sql)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && strncmp(state, "23", 2) == 0)
        return BC_ECONFLICT;
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
        db->hdr.retryable = 1;
        return BC_EBUSY;
    }
    bc_log_error("store", "%s: %s: %s", state ? state : "-", r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn),
                 sql);
    pg_recover(db);
    return BC_ERR;
}

static int pg_script(bc_db *d, const char *sql)
{
    pg_db *db = DB(d);
    PGresult *r = PQexec(db->conn, sql);
    bc_notify_pg_drain(db->conn); /* e.g. this COMMIT's own notifications (notify.c) */
    ExecStatusType s = PQresultStatus(r);
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? BC_OK : pg_error(db, r, sql);
    PQclear(r);
    return rc;
}

static int pg_begin(bc_db *d)
{
    /* no global lock: each unit of work is safe at READ COMMITTED on its own (store.h) */
    return pg_script(d, "BEGIN ISOLATION LEVEL READ COMMITTED");
}

static void pg_rollback(bc_db *d)
{
    pg_db *db = DB(d);
    if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(db->conn, "ROLLBACK");
        PQclear(r);
    }
}

static int pg_commit(bc_db *d)
{
    pg_db *db = DB(d);
    if (PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
        /* a statement failed and aborted the transaction: COMMIT would silently roll back */
        pg_rollback(d);
        return d->retryable ? BC_EBUSY : BC_ERR;
    }
    int rc = pg_script(d, "COMMIT");
    if (rc != BC_OK)
        pg_rollback(d);
    return rc;
}

static void clear_binds(pg_stmt *st)
{
    for (int k = 0; k < st->nparams; k++) {
        free(st->vals[k]);
        st->vals[k] = NULL;
        st->bound_int[k] = 0;
    }
}

static void pg_reset(bc_stmt *s)
{
    pg_stmt *st = ST(s);
    PQclear(st->res);
    st->res = NULL;
    st->row = 0;
}

static bc_stmt *pg_prepare(bc_db *d, const char *sql)
{
    pg_db *db = DB(d);
    size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS;
    for (size_t n = 0; n < CACHE_SLOTS; n++, h = (h + 1) % CACHE_SLOTS) {
        if (db->keys[h] == sql) {
            pg_reset(&db->stmts[h]->hdr);
            clear_binds(db->stmts[h]);
            return &db->stmts[h]->hdr;
        }
        if (db->keys[h] == NULL) {
            pg_stmt *st = calloc(1, sizeof *st);
            size_t len = strlen(sql) * 4 + 16; /* "?" -> "$NN" */
            char *text = st ? malloc(len) : NULL;
            int np = text ? bc_store_pg_placeholders(sql, text, len) : -1;
            char **vals = np > 0 ? calloc((size_t)np, sizeof *vals) : NULL;
            unsigned char *ints = np > 0 ? calloc((size_t)np, 1) : NULL;
            if (np < 0 || np > MAX_PARAMS || (np > 0 && (!vals || !ints))) {
                bc_log_error("store", "prepare: cannot rewrite placeholders: %s", sql);
                free(vals);
                free(ints);
                free(text);
                free(st);
                return NULL;
            }
            st->vals = vals;
            st->bound_int = ints;
            st->hdr.db = d;
            st->sql = sql;
            st->pg_sql = text;
            st->nparams = np;
            clear_binds(st);
            db->keys[h] = sql;
            db->stmts[h] = st;
            return &st->hdr;
        }
    }
    bc_log_error("store", "statement cache full");
    return NULL;
}

static void set_param(pg_stmt *st, int idx, char *v, int is_int)
{
    if (idx < 1 || idx > st->nparams) {
        free(v);
        bc_log_error("store", "bind index %d out of range: %s", idx, st->sql);
        return;
    }
    free(st->vals[idx - 1]);
    st->vals[idx - 1] = v;
    st->bound_int[idx - 1] = (unsigned char)is_int;
}

static void pg_bind_int(bc_stmt *s, int idx, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    set_param(ST(s), idx, strdup(buf), 1);
}

static void pg_bind_text(bc_stmt *s, int idx, const char *v) { set_param(ST(s), idx, v ? strdup(v) : NULL, 0); }
static void pg_bind_null(bc_stmt *s, int idx) { set_param(ST(s), idx, NULL, 0); }

/* Prepares st on the server with the types of its current binding. BC_OK or an error. */
static int server_prepare(pg_db *db, pg_stmt *st)
{
    Oid types[MAX_PARAMS];
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < st->nparams; k++)
            types[k] = st->bound_int[k] ? OID_INT8 : pass ? OID_TEXT : 0;
        char name[16];
        snprintf(name, sizeof name, "bc%u", ++db->next_name);
        PGresult *r = PQprepare(db->conn, name, st->pg_sql, st->nparams, types);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            memcpy(st->name, name, sizeof name);
            return BC_OK;
        }
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        int retry = pass == 0 && state && strcmp(state, "42P18") == 0; /* indeterminate datatype */
        if (!retry) {
            int rc = pg_error(db, r, st->sql);
            PQclear(r);
            return rc;
        }
        PQclear(r);
    }
    return BC_ERR;
}

static int pg_step(bc_stmt *s)
{
    pg_stmt *st = ST(s);
    pg_db *db = DB(s->db);
    if (!st->res) {
        if (!st->name[0]) {
            int rc = server_prepare(db, st);
            if (rc != BC_OK)
                return rc;
        }
        st->res = PQexecPrepared(db->conn, st->name, st->nparams, (const char *const *)st->vals, NULL, NULL, 0);
        bc_notify_pg_drain(db->conn); /* an autocommit statement's own notifications (notify.c) */
        ExecStatusType es = PQresultStatus(st->res);
        if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
            int rc = pg_error(db, st->res, st->sql);
            PQclear(st->res);
            st->res = NULL;
            return rc;
        }
        if (strncmp(PQcmdStatus(st->res), "SELECT", 6) != 0)
            db->changes = atoi(PQcmdTuples(st->res));
        st->row = 0;
    }
    if (st->row < PQntuples(st->res)) {
        st->row++;
        return 1;
    }
    return 0;
}

static int64_t pg_col_int(bc_stmt *s, int col)
{
    pg_stmt *st = ST(s);
    if (!st->res || st->row < 1 || PQgetisnull(st->res, st->row - 1, col))
        return 0;
    const char *v = PQgetvalue(st->res, st->row - 1, col);
    if (PQftype(st->res, col) == OID_BOOL)
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static const char *pg_col_text(bc_stmt *s, int col)
{
    pg_stmt *st = ST(s);
    if (!st->res || st->row < 1 || PQgetisnull(st->res, st->row - 1, col))
        return NULL;
    return PQgetvalue(st->res, st->row - 1, col);
}

static int pg_is_null(bc_stmt *s, int col)
{
    pg_stmt *st = ST(s);
    return !st->res || st->row < 1 || PQgetisnull(st->res, st->row - 1, col);
}

static int pg_col_count(bc_stmt *s) { return ST(s)->res ? PQnfields(ST(s)->res) : 0; }
static const char *pg_col_name(bc_stmt *s, int col) { return ST(s)->res ? PQfname(ST(s)->res, col) : NULL; }
static int pg_col_type(bc_stmt *s, int col)
{
    pg_stmt *st = ST(s);
    if (pg_is_null(s, col))
        return BC_COL_NULL;
    switch (PQftype(st->res, col)) {
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_BOOL:
        return BC_COL_INT;
    default:
        return BC_COL_TEXT;
    }
}

static int pg_changes(bc_db *d) { return DB(d)->changes; }

static json_t *pg_row_json(bc_stmt *s)
{
    pg_stmt *st = ST(s);
    json_t *o = json_object();
    int n = PQnfields(st->res), r = st->row - 1;
    for (int i = 0; i < n; i++) {
        const char *name = PQfname(st->res, i);
        const char *v = PQgetvalue(st->res, r, i);
        json_t *j;
        if (PQgetisnull(st->res, r, i)) {
            j = json_null();
        } else {
            switch (PQftype(st->res, i)) {
            case OID_INT2:
            case OID_INT4:
            case OID_INT8:
                j = json_integer(strtoll(v, NULL, 10));
                break;
            case OID_BOOL:
                j = json_integer(v[0] == 't');
                break;
            case OID_NUMERIC:
                j = strchr(v, '.') ? json_real(strtod(v, NULL)) : json_integer(strtoll(v, NULL, 10));
                break;
            case OID_FLOAT4:
            case OID_FLOAT8:
                j = json_real(strtod(v, NULL));
                break;
            default:
                j = json_stringn(v, (size_t)PQgetlength(st->res, r, i));
            }
        }
        json_object_set_new(o, name, j ? j : json_null());
    }
    return o;
}

static const bc_db_ops pg_ops = {
    .name = "postgresql",
    .dialect = BC_DIALECT_PG,
    .close = pg_close,
    .script = pg_script,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .is_null = pg_is_null,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_type = pg_col_type,
    .row_json = pg_row_json,
    .reset = pg_reset,
    .changes = pg_changes,
};
