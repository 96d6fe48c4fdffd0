/* A seller's followers page by page, for the coupons module's "issue to followers" (declared in
 * src/coupons/coupons.h). Store code of accounts (seller_follows, users). */
#include "../coupons/coupons.h"
#include "accounts.h"

int bc_accounts_follower_ids(bc_db *db, int64_t seller_id, int64_t after_id, size_t limit, int64_t *ids, size_t *n)
{
    *n = 0;
    if (limit < 1 || limit > 1000)
        return BC_EINVAL;
    /* blocked and deleted accounts get nothing */
    bc_stmt *st =
        bc_db_prepare(db, "SELECT f.user_id FROM seller_follows f JOIN users u ON u.id = f.user_id"
                          " WHERE f.seller_id = ? AND f.user_id > ? AND u.blocked = 0 AND u.deleted_at IS NULL"
                          " ORDER BY f.user_id LIMIT ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, seller_id);
    bc_stmt_bind_int(st, 2, after_id);
    bc_stmt_bind_int(st, 3, (int64_t)limit);
    int rc;
    while ((rc = bc_stmt_step(st)) == 1 && *n < limit)
        ids[(*n)++] = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    return rc < 0 ? rc : BC_OK;
}
