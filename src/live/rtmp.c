#include "live.h"
int bc_rtmp_write_config(const char *d, int p) { (void)d; (void)p; return BC_ERR; }
int bc_rtmp_start(const char *d) { (void)d; return BC_ERR; }
void bc_rtmp_stop(void) {}
