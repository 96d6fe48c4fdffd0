/* store: the one storage interface. Opaque connection (bc_db) and prepared statement (bc_stmt).
 * Backend today: SQLite 3 in WAL mode (sqlite.c). SQL is written in the portable subset shared
 * with PostgreSQL: `?` placeholders (rewritten to $n by a libpq backend), RETURNING, integer
 * money and UTC-millisecond integer times.
 *
 * Threading: a bc_db is used by one thread at a time (each worker owns one). Statements are
 * prepared once per connection and cached by the address of their SQL string, so pass string
 * literals (static storage) as SQL.
 *
 * JSON helpers map a row to a jansson object by column name: INTEGER -> integer, TEXT -> string,
 * NULL -> null, and an INTEGER column whose name ends in "_at" -> ISO-8601 UTC string.
 */
#ifndef BC_STORE_H
#define BC_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "../core/core.h"

typedef struct bc_db bc_db;
typedef struct bc_stmt bc_stmt;

/* Opens (creating if needed) the database file at path, sets WAL, foreign keys and a busy
 * timeout. Returns BC_OK and *out (caller owns; bc_db_close) or BC_ERR. */
int bc_db_open(const char *path, bc_db **out);
void bc_db_close(bc_db *db);
/* Applies pending migrations (store/migrations.c) inside transactions. BC_OK or BC_ERR. */
int bc_db_migrate(bc_db *db);

/* Begins a write transaction that takes the write lock at once (SQLite BEGIN IMMEDIATE;
 * waits on the busy handler, never returns "database is locked" before the timeout). */
int bc_db_begin(bc_db *db);
int bc_db_commit(bc_db *db);
/* Rolls back; safe to call when no transaction is open. */
void bc_db_rollback(bc_db *db);

/* Returns the cached prepared statement for sql (a string literal), reset and with bindings
 * cleared, or NULL on a SQL error (logged). The statement belongs to db. */
bc_stmt *bc_db_prepare(bc_db *db, const char *sql);
/* Bind by 1-based index. Text is copied. */
void bc_stmt_bind_int(bc_stmt *st, int idx, int64_t v);
void bc_stmt_bind_text(bc_stmt *st, int idx, const char *v); /* NULL binds SQL NULL */
void bc_stmt_bind_null(bc_stmt *st, int idx);
/* Steps: returns 1 for a row, 0 when done, BC_ECONFLICT on a constraint violation, BC_EBUSY or BC_ERR. */
int bc_stmt_step(bc_stmt *st);
int64_t bc_stmt_int(bc_stmt *st, int col);
const char *bc_stmt_text(bc_stmt *st, int col); /* valid until the next step/reset; NULL for NULL */
int bc_stmt_is_null(bc_stmt *st, int col);
/* The current row as a new JSON object (caller owns). */
json_t *bc_stmt_row_json(bc_stmt *st);
/* Releases the statement's read cursor. Always call after the last step. */
void bc_stmt_reset(bc_stmt *st);
/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int bc_db_changes(bc_db *db);

/* Convenience wrappers. fmt has one letter per argument: 'i' int64_t, 't' const char* (NULL ok),
 * 'n' (no argument: binds NULL). */
/* Runs a statement that returns no rows. Returns the number of changed rows (>= 0), or an error. */
int bc_db_exec(bc_db *db, const char *sql, const char *fmt, ...);
/* Runs a query; *out is the first row as an object (caller owns) or NULL. Returns 1 (row), 0 (none) or an error. */
int bc_db_row(bc_db *db, json_t **out, const char *sql, const char *fmt, ...);
/* Runs a query; *out is an array of row objects (caller owns). Returns the row count or an error. */
int bc_db_rows(bc_db *db, json_t **out, const char *sql, const char *fmt, ...);
/* Runs a query returning one integer column; *out gets the first row's value. Returns 1, 0 or an error. */
int bc_db_int(bc_db *db, int64_t *out, const char *sql, const char *fmt, ...);

#endif
