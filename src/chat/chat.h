/* chat: the live room protocol over WebSocket (/api/v1/lives/{id}/chat): chat messages
 * (stored per live, <= 300 chars, rate-limited per user), viewer counts, pin and status events.
 * Prefix: bc_chat_.
 *
 * Frames (server -> client, JSON text, docs/CONTRACT.md "chat frames"):
 *   {"type":"chat","id","live_id","user":{"id","name","role"},"text","sent_at","is_seller"}
 *   {"type":"viewers","count","peak","unique"}  {"type":"pin","product"}  {"type":"status","status"}
 *     (count: connections now; peak: the highest count so far (room.h); unique: distinct viewers
 *     since the live's first, see bc_chat_unique_viewers)
 *   {"type":"hearts","total","recent"}, and "seq" on every published event, resume, STOMP: room.h,
 *     stomp.h
 *   {"type":"stock","product_id","stock","status"}   ("N left", live.h bc_live_push_init: to every
 *     live carrying the product as its stock/status changes, <= 4 per second per product, each
 *     instance to its own viewers; status "ON_SALE" | "SOLD_OUT" | "HIDDEN")
 *   {"type":"error","code","message"}   (only to the connection that caused it)
 * Client -> server: {"type":"chat","text":"..."} (and the room's "heart" and "resume", room.h). Error codes:
 * INVALID_MESSAGE, UNAUTHENTICATED, EMPTY, TEXT_TOO_LONG, INVALID_CHARACTERS, RATE_LIMITED, BUSY. The text keeps any
 * printable Unicode (Korean, emoji with ZWJ sequences and modifiers) but refuses control characters (C0, DEL, C1:
 * U+0000-001F, U+007F-009F) and the bidi embeddings/overrides/isolates U+202A-202E, U+2066-2069 (INVALID_CHARACTERS;
 * leading/trailing whitespace is trimmed first). Invalid UTF-8 in a text frame closes the connection with 1007 and a
 * binary frame with 1003 (RFC 6455 §8.1, §7.4.1, in the http layer). Frames over 4096 bytes are closed by the http
 * layer with 1009 (RFC 6455 §7.4.1); only that connection is affected.
 *
 * Threads: the WebSocket callbacks run on the event loops and never touch the database; a
 * message is validated (and, without the bus, rate-limited) there, then stored and broadcast by a
 * worker job.
 * Existence of a live at the handshake is checked against the highest live id (lives are never
 * deleted, ids only grow): loaded from the database at start, raised by bc_chat_note_live, and
 * re-read (at most once a second) when a client asks for a higher id.
 *
 * Several instances (BROADCART_REDIS_URL, src/bus): chat, pin and status frames published here
 * reach every instance's viewers; the viewers count is the sum over the instances (each instance
 * computes and sends its own viewers frames). The rate limit is cluster-wide: BROADCART_CHAT_RATE
 * messages per user per 10 s over all instances together, an exact sliding window kept in Redis
 * and checked by the worker job that stores the message (one atomic script per message, never a
 * Redis call on a loop); a refused message gets its RATE_LIMITED frame on the connection it came
 * from (bc_hub_send_to). While Redis does not answer, each instance's in-process window applies. */
#ifndef BC_CHAT_H
#define BC_CHAT_H

#include "../http/http.h"

/* Max characters (UTF-8 code points) of one chat message after trimming. */
#define BC_CHAT_MAX_CHARS 300

/* Registers the WebSocket route and the viewer-count hook, starts the viewer-count ticker and
 * queues the load of the highest live id. Call once before serving. */
void bc_chat_init(void);
/* Sends an event frame {"type":type, ...fields of data} to every viewer of live_id, on every
 * instance when the bus is configured (any thread).
 * data (an object, or NULL) is borrowed. */
void bc_chat_publish_event(int64_t live_id, const char *type, json_t *data);
/* Distinct viewers of live_id so far: each signed-in user once, each anonymous connection once.
 * Without the bus, those seen by this process (exact; up to a million identities per process,
 * then new ones are not counted). With the bus, cluster-wide: the live's Redis HyperLogLog (exact
 * for small counts, ~0.81 % standard error beyond), read with one PFCOUNT round trip (a worker
 * thread only; never a loop), or this process's count when that is larger (e.g. while Redis does
 * not answer, when the bus's last cached count is used). */
int64_t bc_chat_unique_viewers(int64_t live_id);
/* Records that live id exists, so chat connections to it are accepted (any thread). */
void bc_chat_note_live(int64_t id);

extern const bc_route bc_chat_routes[];

#endif
