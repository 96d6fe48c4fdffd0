#include "catalog.h"
const bc_route bc_catalog_routes[] = {{NULL}};
