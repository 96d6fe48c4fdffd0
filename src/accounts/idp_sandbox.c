#include "accounts.h"
#include "accounts_int.h"

const bc_route bc_idp_sandbox_routes[] = {
    {NULL},
};
