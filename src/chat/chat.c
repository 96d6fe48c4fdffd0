#include "chat.h"
void bc_chat_init(void) {}
void bc_chat_publish_event(int64_t id, const char *t, json_t *d) { (void)id; (void)t; (void)d; }
const bc_route bc_chat_routes[] = {{NULL}};
