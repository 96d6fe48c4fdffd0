#include "payments.h"
const bc_route bc_payments_routes[] = {{NULL}};
