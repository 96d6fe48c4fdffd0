#include "payments.h"
const bc_route bc_sandbox_routes[] = {{NULL}};
