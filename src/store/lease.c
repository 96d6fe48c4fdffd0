/* store: database-wide leases for work that must run on one instance at a time (see store.h,
 * "single-run leases"). Written against store.h only, through the dialect seam: PostgreSQL session
 * advisory locks; SQLite has no such thing and needs none (one machine). */
#include "store.h"

/* The advisory-lock key space of leases: pg_try_advisory_lock(BC_DB_LEASE_CLASS, key), the
 * two-int4 form (pg_locks.objsubid = 2), whose first half never equals one of bc_db_lock's small
 * BC_DB_LOCK_* spaces. */
#define BC_DB_LEASE_CLASS 1650680931

/* Already held by this session (a second pg_try_advisory_lock would stack a second hold), else
 * tried. CASE evaluates its branches in order and stops at the first true one (PostgreSQL 15 docs
 * §9.18.1), so the lock is only tried when this session does not hold it yet. */
static const char pg_lease_sql[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    " AND classid::bigint = 1650680931 AND objid::bigint = ? AND objsubid = 2 AND granted) THEN 1"
    " WHEN pg_try_advisory_lock(1650680931, CAST(? AS integer)) THEN 1 ELSE 0 END";

int bc_db_lease_try(bc_db *db, int32_t key)
{
    const char *sql = bc_db_dialect_sql(db, NULL, pg_lease_sql);
    if (key < 0)
        return BC_EINVAL;
    if (!sql)
        return 1; /* SQLite: the one machine holds every lease */
    int64_t held = 0;
    int rc = bc_db_int(db, &held, sql, "ii", (int64_t)key, (int64_t)key);
    if (rc < 0)
        return rc;
    return rc == 1 && held == 1;
}
