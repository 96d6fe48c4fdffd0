/* demo: loads demo data (seller, buyer, admin, ~50 products with images, one live with three
 * products) into an empty database. Prefix: bc_demo_. */
#ifndef BC_DEMO_H
#define BC_DEMO_H

#include "../store/store.h"

/* Seeds demo data when the database has no users; writes images under {data_dir}/media.
 * *live_id gets the demo live's id (0 if already seeded and unknown). BC_OK or BC_ERR. */
int bc_demo_seed(bc_db *db, const char *data_dir, int64_t *live_id);

#endif
