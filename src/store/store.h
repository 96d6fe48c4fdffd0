/* store: the one storage interface. Opaque connection (bc_db) and prepared statement (bc_stmt).
 * Two backends behind it, chosen by the URL given to bc_db_open: SQLite 3 in WAL mode (sqlite.c)
 * and PostgreSQL through libpq (postgres.c); nothing above src/store/ knows which one runs. SQL
 * is written once in the subset both accept: `?` placeholders (rewritten to $1.. for libpq once
 * per statement), RETURNING, ON CONFLICT, integer money and UTC-millisecond integer times (BIGINT
 * on PostgreSQL). Parameters bound with bc_stmt_bind_int are int8 on PostgreSQL, text is text.
 *
 * Threading: a bc_db is used by one thread at a time (each worker owns one). Statements are
 * prepared once per connection and cached by the address of their SQL string, so pass string
 * literals (static storage) as SQL.
 *
 * Typed results: the store returns integers, text and NULL (and a real for a float, which no table
 * stores). The JSON helpers map a row to a jansson object by column name: INTEGER -> integer, TEXT -> string, NULL ->
 * null (on PostgreSQL: int2/int4/int8, integral numeric (SUM) and boolean (as 0/1) -> integer, float -> real,
 * everything else -> string). Times stay UTC-millisecond integers: turning them into ISO-8601
 * strings is the API layer's job (bc_http_json_times, driven by the response schemas).
 */
#ifndef BC_STORE_H
#define BC_STORE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/core.h"

typedef struct bc_db bc_db;
typedef struct bc_stmt bc_stmt;

/* Opens one connection to the database named by url (BROADCART_DATABASE_URL):
 *  - "sqlite:PATH" (or a bare PATH): the SQLite file, created if needed, with WAL, foreign keys
 *    and a busy timeout;
 *  - "postgresql://user:pass@host:port/db?sslmode=..." (or "postgres://"): a libpq connection
 *    (libpq connection URI, PostgreSQL 15 docs §34.1.1), session time zone UTC.
 * Returns BC_OK and *out (caller owns; bc_db_close), BC_EINVAL for an unknown scheme, BC_ENOMEM or
 * BC_ERR (cannot open or connect; logged without the password). */
int bc_db_open(const char *url, bc_db **out);
void bc_db_close(bc_db *db);
/* "sqlite" or "postgresql" (static): for log lines only, never for choosing SQL. */
const char *bc_db_backend(const bc_db *db);
/* The one seam for SQL that cannot be written portably (today: text search, which is an FTS5
 * virtual table on SQLite and pg_trgm indexes on PostgreSQL, both created by migration 7):
 * returns sqlite_sql on SQLite and pg_sql on PostgreSQL (either static, not copied; NULL when the
 * caller passed NULL, meaning "this backend has no variant: take the portable path"). Callers keep
 * both texts side by side in their module's store code, as migrations.c does for DDL. */
const char *bc_db_dialect_sql(const bc_db *db, const char *sqlite_sql, const char *pg_sql);
/* Applies pending migrations (store/migrations.c, the variant of each step for this backend),
 * one transaction per step, recorded in schema_migrations. BC_OK or BC_ERR. */
int bc_db_migrate(bc_db *db);

/* Begins a write transaction. SQLite: BEGIN IMMEDIATE (takes the database's one write lock at once;
 * waits on the busy handler, never returns "database is locked" before the timeout). PostgreSQL:
 * BEGIN at READ COMMITTED, no global lock: writers run in parallel, so every unit of work must be
 * safe at READ COMMITTED on its own (conditional UPDATEs, SELECT ... FOR UPDATE through
 * bc_db_dialect_sql, unique constraints, or bc_db_lock for what has no row to lock). */
int bc_db_begin(bc_db *db);
/* Commits; rolls back and returns an error when the commit fails or (PostgreSQL) when a statement
 * of the transaction failed and aborted it. BC_OK, BC_EBUSY (lost a conflict) or BC_ERR. */
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
/* The columns of the current row (after a step returned 1): their count, names (valid while the
 * statement lives) and the type of this row's value: BC_COL_NULL, BC_COL_INT (SQLite INTEGER;
 * PostgreSQL int2/int4/int8 and boolean as 0/1) or BC_COL_TEXT (anything else, read with
 * bc_stmt_text). No "_at" conversion: the raw stored values. */
enum { BC_COL_NULL = 0, BC_COL_INT = 1, BC_COL_TEXT = 2 };
int bc_stmt_column_count(bc_stmt *st);
const char *bc_stmt_column_name(bc_stmt *st, int col);
int bc_stmt_column_type(bc_stmt *st, int col);
/* The current row as a new JSON object (caller owns): integers, strings and nulls as above. */
json_t *bc_stmt_row_json(bc_stmt *st);
/* Releases the statement's read cursor. Always call after the last step. */
void bc_stmt_reset(bc_stmt *st);
/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int bc_db_changes(bc_db *db);

/* Lock spaces of bc_db_lock, one per kind of thing locked (a registry so that two modules never
 * share a space by accident). */
enum {
    BC_DB_LOCK_MIGRATE = 1, /* key 0: schema migrations (two instances starting at once) */
    BC_DB_LOCK_SEED = 2,    /* key 0: demo seeding */
    BC_DB_LOCK_CART = 3,    /* key: buyer id, the cart's line-count check */
    BC_DB_LOCK_BUYER = 4,   /* key: buyer id, the count of unpaid orders + holds (commerce/stock.c) */
    BC_DB_LOCK_ACCOUNT = 5, /* key: user id, the account's ways to sign in (accounts/oauth_store.c) */
};
/* Takes the lock (space, key) until the end of the open transaction, waiting for a holder in
 * another transaction to finish: for a unit of work that reads then writes and has no row to lock
 * with FOR UPDATE (a count, an insert that must happen once). PostgreSQL: the two-int4 form of
 * pg_advisory_xact_lock (PostgreSQL 15 docs §9.27.10; key folded to 32 bits, so two keys may
 * share a lock, which only serialises them); SQLite: nothing to do, BEGIN IMMEDIATE already holds
 * the one write lock. Call only inside a transaction. BC_OK, BC_EBUSY (deadlock, retryable) or BC_ERR. */
int bc_db_lock(bc_db *db, int space, int64_t key);

/* How many times bc_db_tx runs a unit of work that loses a conflict. */
#define BC_DB_TX_TRIES 5
/* Runs fn(db, arg) inside one transaction and commits when it returns BC_OK; any other return
 * rolls back. A unit that lost a conflict (SQLite busy; PostgreSQL serialization failure 40001 or
 * deadlock 40P01, PostgreSQL 15 docs Appendix A) is rolled back and run again, at most
 * BC_DB_TX_TRIES times with a 2..16 ms backoff, so fn must start from scratch on each call (reset
 * its outputs first). Called while a transaction is open (a unit of work calling another module's
 * function that runs its own unit), fn joins that transaction: it runs once, commits or rolls back
 * with the outer unit, and its lost conflict is the outer unit's to retry.
 * Returns BC_OK, fn's error, or BC_EBUSY when every try lost. */
int bc_db_tx(bc_db *db, int (*fn)(bc_db *db, void *arg), void *arg);

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
/* Readiness (metrics: GET /readyz): runs a trivial query (SELECT 1) outside any transaction (a
 * lost PostgreSQL connection is reconnected first, as for every statement). BC_OK when it answered
 * within timeout_ms, BC_EBUSY when it answered later, BC_ERR when it failed (or a transaction is
 * open on db). */
int bc_db_ping(bc_db *db, int timeout_ms);

/* Copies a whole shop from the SQLite database from_url ("sqlite:PATH") into the empty PostgreSQL
 * database to_url ("postgresql://..."): migrates both to the current schema, refuses a target
 * whose tables already hold rows, copies every table's rows in dependency order with their ids,
 * then moves each identity past the copied max(id); all of it in one transaction on the target
 * (on any error nothing is left there). The source is read in one snapshot (a read transaction).
 * A source table the copy does not know (not in its ordered list; SQLite virtual tables and their
 * shadow tables excepted, being indexes rebuilt from the rows) is refused before anything is written.
 * Prints one line per table ("TABLE ROWS") and a total to report; errors go to stderr, one line
 * each with its cause.
 * Returns BC_OK, BC_EINVAL (a URL of the wrong kind), BC_ECONFLICT (the target holds rows),
 * BC_ENOTFOUND (a source table unknown to the copy) or BC_ERR (no source file; cannot open,
 * migrate, read or write). */
int bc_db_copy(const char *from_url, const char *to_url, FILE *report);

/* ---- backup and restore of the embedded database (src/store/backup.c) ----
 * A backup is a directory: broadcart.db (a consistent copy, one self-contained SQLite file) and
 * copies of the data directory's key files the database needs (the caller names them), each mode
 * 0600. PostgreSQL is backed up with its own tools (pg_dump / pg_restore): both functions refuse
 * a postgresql:// URL with a message saying so. */
/* Copies the SQLite database of url ("sqlite:PATH" or PATH) into the new directory dir (created
 * 0700, its missing parents 0755; it must not exist) with SQLite's online backup API, while
 * servers keep writing (WAL: the copy is one read snapshot and blocks no writer), in steps of 256
 * pages; the copy is checked (schema_migrations, integrity_check) before it gets its final name.
 * Then copies each of the NULL-terminated paths in files (may be NULL; a missing one is reported
 * and skipped) into dir under its base name. Every file is written under a temporary name,
 * fsynced and renamed. Progress lines go to report, errors to stderr (one line each with its
 * cause). Returns BC_OK, BC_EINVAL (a PostgreSQL URL), BC_ENOTFOUND (no database file),
 * BC_ECONFLICT (dir exists) or BC_ERR (cannot read, write or check). */
int bc_db_backup(const char *url, const char *dir, const char *const *files, FILE *report);
/* Replaces the SQLite database of url with the one in from: a directory written by bc_db_backup
 * (its broadcart.db, and each of files found there under its base name is restored to its path)
 * or a SQLite database file (then files are left as they are). The new database is copied beside
 * the target, checked (a SQLite file with schema_migrations, a schema version this binary knows,
 * integrity_check "ok"), fsynced and renamed over the target, so a refused or failed restore
 * replaces nothing. Refuses while any process has the target open (the server must be stopped):
 * every SQLite connection in WAL mode holds a lock on the target's -shm file, which is tested.
 * A replaced file is kept as PATH.before-restore. Run as root, the new files get the owner of the
 * target's directory. Progress lines go to report, errors to stderr.
 * Returns BC_OK, BC_EINVAL (a PostgreSQL URL; not a Broadcart database, damaged, or from a newer
 * schema), BC_ENOTFOUND (from does not exist or holds no broadcart.db), BC_EBUSY (in use) or
 * BC_ERR (cannot read or write). */
int bc_db_restore(const char *url, const char *from, const char *const *files, FILE *report);

/* ---- single-run leases (timers that must run on one instance at a time) ----
 * A lease is a database-wide mutual exclusion tied to one connection's session, so it follows the
 * database the guarded work writes: whoever holds it may run the work; it is gone as soon as the
 * holder's session ends (process killed, connection dropped), and another instance's next
 * bc_db_lease_try gets it. */
#define BC_DB_LEASE_SWEEPER 1 /* the order-expiry sweeper (src/app.c) */
/* Takes the lease number key (>= 0) for db's session, or confirms that this session still holds
 * it. Call it periodically on a connection dedicated to the lease (never one that runs other
 * work: a reconnect after an error drops the session's lease). PostgreSQL: a session-level
 * advisory lock, pg_try_advisory_lock(1650680931, key) (PostgreSQL 15 docs §9.27.10), taken
 * once and never stacked. SQLite: always held (one machine; no lease needed).
 * Returns 1 (held by this session), 0 (held by another session), BC_EINVAL (negative key) or a
 * store error (BC_ERR: the connection failed; the lease must be considered lost). */
int bc_db_lease_try(bc_db *db, int32_t key);

/* ---- change notification (src/store/notify.c) ----
 * Lets a cache above the store (the catalog's) drop exactly what a committed transaction changed,
 * whoever wrote it. Migration 8 adds triggers on products and product_images (insert, update,
 * delete; an image change is a BC_DB_CHANGE_ROW of its product), categories (insert, update,
 * delete) and users (update): SQLite's bump catalog_clock.n in the writer's
 * transaction (any process: the CLI, the sqlite3 shell); PostgreSQL's send
 * pg_notify('broadcart_catalog', '<product id>', 'r<product id>' for BC_DB_CHANGE_ROW, or '*'),
 * which PostgreSQL delivers at commit
 * (PostgreSQL 15 docs, NOTIFY). In this process a change is published to the subscriber after
 * the commit, before the writing call returns: on SQLite from per-connection TEMP triggers and
 * the commit/WAL hooks, on PostgreSQL from the writing connection's own LISTEN (a session
 * receives its own notifications at commit). Other processes' changes: SQLite, on the next
 * bc_db_sync (PRAGMA data_version, then catalog_clock); PostgreSQL, when the listener thread (one
 * connection per process, started by the first bc_db_sync, never on an event loop) receives them,
 * i.e. at the other instance's commit plus the delivery time of the notification. */
/* The product id given to the subscriber for "anything may have changed" (a category, a seller's
 * name, a write this process cannot attribute, a lost listener connection). */
#define BC_DB_CHANGED_ALL 0
/* What changed of a product: BC_DB_CHANGE_ROW when an UPDATE changed none of the columns a list
 * filters or orders by (deleted, HIDDEN or not, category_id, seller_id, name, description,
 * price, created_at; e.g. a stock change, ON_SALE <-> SOLD_OUT, images), else
 * BC_DB_CHANGE_LISTING (also every INSERT and DELETE). */
enum { BC_DB_CHANGE_ROW = 1, BC_DB_CHANGE_LISTING = 2 };
/* Called with a product id (> 0) and its BC_DB_CHANGE_*, or with BC_DB_CHANGED_ALL (kind
 * BC_DB_CHANGE_LISTING), after a change was committed, on the committing thread or the listener
 * thread: must be thread-safe, quick, and must not use a bc_db. */
typedef void (*bc_db_change_fn)(int64_t product_id, int kind);
/* Sets the one process-wide subscriber (NULL: none). */
void bc_db_on_change(bc_db_change_fn fn);
/* Adds a further subscriber, called after the one above with the same arguments (for other
 * modules than the catalog cache, e.g. the live stock push); for the process's lifetime (adding
 * the same fn twice adds it once). BC_OK, or BC_EBUSY when 4 are set already. */
int bc_db_on_change_add(bc_db_change_fn fn);
/* Catches up with changes committed outside this process before a cache answers from memory.
 * SQLite: one PRAGMA data_version on db (a few microseconds); when it moved, reads catalog_clock
 * and publishes BC_DB_CHANGED_ALL if the clock moved by more than this process's own commits
 * (BC_EBUSY instead while a commit of this process is between its commit and WAL hooks).
 * PostgreSQL: starts the listener thread at the first call; then nothing to do per call.
 * Returns BC_OK when a cache may answer, BC_EBUSY when it must not (PostgreSQL: the listener is
 * not connected, so other instances' changes could be missed) or BC_ERR (a query failed). */
int bc_db_sync(bc_db *db);
/* bc_db_sync for a thread that owns no connection (an event loop), for the database this process
 * opened first: SQLite through a read-only connection of this thread's own (opened at the first
 * call) without a busy handler, so it never waits: BC_EBUSY when the file is busy (rare: a WAL
 * recovery or restart); PostgreSQL as bc_db_sync. BC_OK, BC_EBUSY or BC_ERR (no database opened
 * yet, cannot open). */
int bc_db_sync_here(void);

#endif
