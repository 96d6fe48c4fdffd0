/* chat: the live room protocol over WebSocket (/api/v1/lives/{id}/chat): chat messages
 * (stored per live, <= 300 chars, rate-limited per user), viewer counts, pin and status events.
 * Prefix: bc_chat_.
 *
 * Frames (server -> client, JSON text, docs/CONTRACT.md "chat frames"):
 *   {"type":"chat","id","live_id","user":{"id","name","role"},"text","sent_at","is_seller","badge","question"}
 *     (badge: "seller" | "moderator" (one of the seller's moderators, or an admin) | null;
 *     question: the viewer marked the message as a question)
 *   moderation (moderation.c): {"type":"chat_deleted","id"} (the message disappears),
 *   {"type":"chat_settings","slow_mode_s","chat_mode","frozen"}, {"type":"notice","text"|null}
 *   (the notice pinned at the top; also "notice" in the live JSON), {"type":"question_answered","id"}
 *   {"type":"viewers","count","peak","unique"}  {"type":"pin","product"}  {"type":"status","status"}
 *     (count: connections now; peak: the highest count so far (room.h); unique: distinct viewers
 *     since the live's first, see bc_chat_unique_viewers)
 *   {"type":"hearts","total","recent"}, and "seq" on every published event, resume, STOMP: room.h,
 *     stomp.h
 *   {"type":"stock","product_id","stock","status"}   ("N left", live.h bc_live_push_init: to every
 *     live carrying the product as its stock/status changes, <= 4 per second per product, each
 *     instance to its own viewers; status "ON_SALE" | "SOLD_OUT" | "HIDDEN")
 *   {"type":"error","code","message"}   (only to the connection that caused it)
 * Client -> server: {"type":"chat","text":"...","question"?:bool} (and the room's "heart" and "resume",
 * room.h). Error codes: INVALID_MESSAGE,
 * UNAUTHENTICATED, EMPTY, TEXT_TOO_LONG, INVALID_CHARACTERS, RATE_LIMITED, BUSY, and the room's
 * rules (moderation.c): BANNED_FROM_LIVE (then the connection is closed with 1008; a banned user's
 * handshake is refused with 403), MUTED, CHAT_FROZEN, BANNED_WORD, FOLLOWERS_ONLY, BUYERS_ONLY,
 * SLOW_MODE. The seller, admins and the seller's moderators are exempt from every rule. The text keeps any printable
 * Unicode (Korean, emoji with ZWJ sequences and modifiers) but refuses control characters (C0,
 * DEL, C1: U+0000-001F, U+007F-009F) and the bidi embeddings/overrides/isolates U+202A-202E,
 * U+2066-2069 (INVALID_CHARACTERS; leading/trailing whitespace is trimmed first). Invalid
 * UTF-8 in a text frame closes the connection with 1007 and a binary frame with 1003 (RFC 6455
 * §8.1, §7.4.1, in the http layer). Frames over 4096 bytes are closed by the http layer with
 * 1009 (RFC 6455 §7.4.1); only that connection is affected.
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

/* ---- chat replay (chat_replay.c) ---- */
struct bc_replay_take; /* live.h: the replay's time line */
/* The messages of live_id sent between the moments from_at and to_at (UTC ms, inclusive), in the
 * order they were sent, at most limit (1..500), without deleted ones (chat_messages.deleted_at
 * set: moderation removes them from the replay too). Each is a chat frame's fields (CONTRACT "chat
 * frames": type, id, live_id, user{id,name,role}, text, sent_at, is_seller; seller_id marks
 * is_seller) plus "offset_ms", its offset in the replay (bc_replay_offset on takes[0..n)).
 * *out is a new array (caller owns); *last_at the send time (UTC ms) of the last one (0 when
 * none). BC_OK, BC_EBUSY or BC_ERR. */
int bc_chat_replay(bc_db *db, int64_t live_id, int64_t seller_id, const struct bc_replay_take *takes, int n,
                   int64_t from_at, int64_t to_at, int limit, json_t **out, int64_t *last_at);

extern const bc_route bc_chat_routes[];

/* ---- moderation (moderation.c; CONTRACT "moderation") ----
 * Per live: delete a message, mute (1..1440 minutes), ban, slow mode (one message per 1..3600 s
 * per user, exact across instances), chat mode (everyone | followers of the seller | buyers with a
 * PAID-or-later order from the seller), freeze, the pinned notice, questions answered, and a log
 * of every action. Per seller (all their lives): moderators and banned words. Stored in the
 * database (migration 19) and so cluster-wide; each instance re-reads the rooms it has viewers in
 * every 500 ms, and checks the stored versions whenever it stores a message. */

/* Folds text for banned-word matching: Unicode NFKC with case folding and default-ignorable code
 * points removed (utf8proc_map: UTF8PROC_COMPOSE | COMPAT | CASEFOLD | IGNORE; Unicode UAX #15),
 * then every separator, punctuation, control/format, non-emoji symbol (Sm, Sc, Sk) and leftover
 * combining mark dropped, so "Ｂ ａ．Ｄ" folds to "bad". A banned word matches when its folding is a
 * substring of the message's. *out (caller frees) is the folded UTF-8 text.
 * BC_OK, BC_EINVAL (invalid UTF-8) or BC_ENOMEM. */
int bc_chat_fold(const char *text, char **out);
/* Whether user_id is banned from live_id's room (for checkout: orders from that live are refused
 * with 403 BANNED_FROM_LIVE). Inside the caller's transaction when one is open.
 * BC_OK (not banned), BC_EFORBIDDEN (banned), BC_EBUSY or BC_ERR. */
int bc_chat_banned(bc_db *db, int64_t live_id, int64_t user_id);
/* The pinned notice of live_id as a new JSON string, or JSON null when none (also on a database
 * error: the notice is decoration). Caller owns the result. */
json_t *bc_chat_notice_json(bc_db *db, int64_t live_id);

extern const bc_route bc_moderation_routes[];

#endif
