/* A seller's followers for other modules' fan-outs (bc_accounts_followers_after): store code of
 * accounts, reading seller_follows with the followers' account status. */
#include "accounts.h"

int bc_accounts_followers_after(bc_db *db, int64_t seller_id, int64_t after_id, int max, int64_t *ids, int *n)
{
    *n = 0;
    if (max < 1 || max > BC_FOLLOWERS_BATCH_MAX)
        return BC_EINVAL;
    bc_stmt *st = bc_db_prepare(db, "SELECT f.user_id FROM seller_follows f JOIN users u ON u.id = f.user_id"
                                    " WHERE f.seller_id = ? AND f.user_id > ? AND u.blocked = 0"
                                    " AND u.deleted_at IS NULL ORDER BY f.user_id LIMIT ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, seller_id);
    bc_stmt_bind_int(st, 2, after_id);
    bc_stmt_bind_int(st, 3, max);
    int rc;
    while ((rc = bc_stmt_step(st)) == 1 && *n < max)
        ids[(*n)++] = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    return rc < 0 ? rc : BC_OK;
}
