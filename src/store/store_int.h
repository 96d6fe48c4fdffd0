/* store: the seam between the backend-neutral front (store.c) and one backend (sqlite.c, postgres.c).
 * Every backend's connection struct starts with a bc_db header and every statement struct with a
 * bc_stmt header; the front dispatches through hdr.ops. Nothing outside src/store/ includes this. */
#ifndef BC_STORE_INT_H
#define BC_STORE_INT_H

#include "store.h"

typedef struct bc_db_ops {
    const char *name; /* "sqlite" or "postgresql" */
    int dialect;      /* BC_DIALECT_* : picks the migration variant */
    void (*close)(bc_db *db);
    /* Runs a script of one or more statements without parameters. BC_OK, BC_EBUSY or BC_ERR. */
    int (*script)(bc_db *db, const char *sql);
    int (*begin)(bc_db *db);
    int (*commit)(bc_db *db);
    void (*rollback)(bc_db *db);
    bc_stmt *(*prepare)(bc_db *db, const char *sql);
    void (*bind_int)(bc_stmt *st, int idx, int64_t v);
    void (*bind_text)(bc_stmt *st, int idx, const char *v);
    void (*bind_null)(bc_stmt *st, int idx);
    int (*step)(bc_stmt *st);
    int64_t (*col_int)(bc_stmt *st, int col);
    const char *(*col_text)(bc_stmt *st, int col);
    int (*is_null)(bc_stmt *st, int col);
    int (*col_count)(bc_stmt *st);
    const char *(*col_name)(bc_stmt *st, int col);
    int (*col_type)(bc_stmt *st, int col);
    json_t *(*row_json)(bc_stmt *st);
    void (*reset)(bc_stmt *st);
    int (*changes)(bc_db *db);
} bc_db_ops;

enum { BC_DIALECT_SQLITE = 1, BC_DIALECT_PG = 2 };

struct bc_db {
    const bc_db_ops *ops;
    int retryable; /* set by the backend when a statement lost a conflict (busy, 40001, 40P01) */
    int in_tx;     /* a transaction is open (bc_db_begin succeeded; no commit or rollback since) */
};

struct bc_stmt {
    bc_db *db;
};

/* Backend constructors: target is the part of the URL after "sqlite:" (a file path) or the whole
 * libpq URI. BC_OK and *out (caller owns; bc_db_close), or BC_ERR / BC_ENOMEM. */
int bc_sqlite_open(const char *target, bc_db **out);
int bc_pg_open(const char *target, bc_db **out);

/* Rewrites the `?` placeholders of sql into PostgreSQL's `$1`, `$2`, ... (not inside '...' string
 * literals, "..." identifiers or -- comments) into out (size outlen). Returns the number of
 * placeholders, or -1 when out is too small. */
int bc_store_pg_placeholders(const char *sql, char *out, size_t outlen);

/* One migration: the SQL of each dialect (pg NULL: the same text as sqlite). */
typedef struct bc_migration {
    const char *sqlite, *pg;
} bc_migration;
extern const bc_migration bc_migrations[]; /* terminated by {NULL, NULL} */

#endif
