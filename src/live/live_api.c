#include "live.h"
const bc_route bc_live_routes[] = {{NULL}};
