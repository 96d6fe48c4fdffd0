/* store: the hooks by which the backends feed the change notification seam (notify.c, declared
 * at the end of store.h). Nothing outside src/store/ includes this. */
#ifndef BC_NOTIFY_INT_H
#define BC_NOTIFY_INT_H

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"

/* SQLite: called once per connection right after it opened. Registers the connection's in-process
 * change tracking: the SQL function bc_changed(id) fired by TEMP triggers on products, categories
 * and users (created here when those tables exist), a commit hook and a WAL hook (which takes over
 * the automatic checkpoint of 1000 pages) that publish the changes of a committed transaction,
 * and a rollback hook that forgets them. */
void bc_notify_sqlite_opened(sqlite3 *h);
/* SQLite: asks for a PASSIVE checkpoint of the database file path (the WAL hook's 1000 pages)
 * by the process's checkpointer thread, on that thread's own connection, so that no committing
 * thread copies pages while the file's writer lock is held (sqlite.c). A request while one is
 * running is merged into the next run. Only the first file asked for gets the thread; for any
 * other one, and when the thread cannot start, returns 0 and the caller checkpoints inline.
 * Returns 1 when the request was queued. Any thread. */
int bc_sqlite_checkpoint_soon(const char *path);

/* PostgreSQL: called once per connection right after it opened, and again after a reset
 * (reconnected = 1: what arrived meanwhile is unknown, so every cached entry is dropped). Runs
 * LISTEN broadcart_catalog on it and remembers url (the first one seen; NULL keeps it) for the
 * listener thread. */
void bc_notify_pg_opened(PGconn *conn, const char *url, int reconnected);
/* PostgreSQL: called after every command on conn. Hands each notification libpq has absorbed
 * that conn's own commits sent (delivered at commit, before the command returns) to the
 * subscriber; other sessions' are the listener thread's to publish. */
void bc_notify_pg_drain(PGconn *conn);
/* PostgreSQL: called before conn is closed or reset: its backend pid is no longer one of ours (the
 * listener publishes what that pid sends from now on, e.g. another session that reuses it). */
void bc_notify_pg_closing(PGconn *conn);

#endif
