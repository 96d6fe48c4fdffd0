#include "commerce.h"
const bc_route bc_commerce_routes[] = {{NULL}};
