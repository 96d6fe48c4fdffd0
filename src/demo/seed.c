#include "demo.h"
int bc_demo_seed(bc_db *db, const char *d, int64_t *l) { (void)db; (void)d; *l = 0; return BC_OK; }
