/* chat: the live room protocol over WebSocket (/api/v1/lives/{id}/chat): chat messages
 * (stored per live, <= 300 chars, rate-limited per user), viewer counts, pin and status events.
 * Prefix: bc_chat_. */
#ifndef BC_CHAT_H
#define BC_CHAT_H

#include "../http/http.h"

/* Registers the WebSocket route and the viewer-count hook. Call before serving. */
void bc_chat_init(void);
/* Sends an event frame {"type":type, ...fields of data} to every viewer of live_id (any thread).
 * data is borrowed. */
void bc_chat_publish_event(int64_t live_id, const char *type, json_t *data);

extern const bc_route bc_chat_routes[];

#endif
