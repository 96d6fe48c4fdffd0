#include "accounts.h"
#include "accounts_int.h"

const bc_route bc_address_routes[] = {
    {NULL},
};
