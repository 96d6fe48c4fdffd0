#include "commerce.h"
int bc_stock_reserve(bc_db *db, int64_t p, int64_t q, int64_t o, const char *r) { (void)db;(void)p;(void)q;(void)o;(void)r; return BC_ERR; }
int bc_stock_release(bc_db *db, int64_t p, int64_t q, int64_t o, const char *r) { (void)db;(void)p;(void)q;(void)o;(void)r; return BC_ERR; }
