/* Private to src/accounts: the store functions behind the public ones in accounts.h. */
#ifndef BC_ACCOUNTS_INT_H
#define BC_ACCOUNTS_INT_H

#include "accounts.h"

/* Inserts a user (email lowercased, hash encoded). BC_OK (*id set), BC_ECONFLICT (e-mail taken) or BC_ERR. */
int accounts_store_insert(bc_db *db, const char *email, const char *name, const char *role, const char *hash,
                          int64_t *id);
/* Applies role (NULL = keep) and blocked (-1 = keep) in one transaction, revoking the refresh tokens
 * when blocking; *new_role / *new_blocked get the resulting state. BC_OK, BC_ENOTFOUND or an error. */
int accounts_store_update(bc_db *db, int64_t id, const char *role, int blocked, int *new_role, int *new_blocked);

#endif
