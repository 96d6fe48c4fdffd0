#include "catalog.h"
int bc_catalog_product_json(bc_db *db, int64_t id, int include_hidden, json_t **out)
{
    (void)db; (void)id; (void)include_hidden; *out = NULL;
    return BC_ENOTFOUND;
}
