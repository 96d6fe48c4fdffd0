#include "accounts.h"
#include "accounts_int.h"

const bc_route bc_lifecycle_routes[] = {
    {NULL},
};
