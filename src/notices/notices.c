/* Notifications store code. */
#include "notices.h"

int bc_notice_add(bc_db *db, int64_t user_id, const char *kind, int64_t order_row_id, const char *order_id,
                  const char *text)
{
    (void)db;
    (void)user_id;
    (void)kind;
    (void)order_row_id;
    (void)order_id;
    (void)text;
    return BC_OK;
}
