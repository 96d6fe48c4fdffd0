/* room: what the live room keeps besides chat messages (chat module). Prefix: bc_room_.
 *
 * Sequence numbers and resume. Every event published to a live room (bc_hub_publish: chat, pin,
 * status, moderation frames) gets a room sequence number as its first member, {"seq":N,...}. One
 * instance numbers them itself; with the bus (BROADCART_REDIS_URL) Redis numbers them
 * (bc_bus_publish_seq), so every instance shows the same numbers in the same order. The last
 * BC_ROOM_HISTORY events of each room are kept in memory (and, with the bus, in the room's Redis
 * list, read once when an instance first needs that room's history). A client that reconnects with
 * ?last_id=N (the highest seq it saw), or sends {"type":"resume","last_id":N}, receives every
 * kept event with seq > N in order, then {"type":"resumed","last_id":N,"seq":S,"count":k} (S: the
 * room's current seq); when events after N are no longer kept (or N is ahead of the room, e.g.
 * after a restart without the bus) it gets {"type":"resume_gap","last_id":N,"seq":S} instead and
 * reloads (GET .../chat). Frames computed by each instance (viewers, hearts, stock) are state, not
 * events: they carry no seq and are not replayed. While Redis does not answer, events are delivered
 * on the instance that published them without a seq (a resume across that window may miss them).
 *
 * Hearts. {"type":"heart","count":n} (1..BC_ROOM_HEART_MAX) from any viewer, at most
 * BC_ROOM_HEARTS_PER_S hearts per connection per second (beyond: dropped, one RATE_LIMITED error
 * frame per second). Taps are summed per room and every BC_ROOM_TICK_MS, when the total moved, each
 * instance sends its viewers one {"type":"hearts","total":T,"recent":R} (R: hearts since the
 * previous hearts frame; so at most 4 frames per second per room, never one per tap). With the bus
 * the total is cluster-wide (Redis INCRBY "broadcart:live:ID:hearts", by a worker job).
 *
 * Viewers. The viewers frame carries "peak": the highest cluster-wide count seen (with the bus,
 * kept in Redis "broadcart:live:ID:peak" as the maximum every instance reports).
 *
 * Figures. Per live and UTC minute, a row of live_room_minutes: viewers (peak count in that minute),
 * unique_viewers (distinct viewers since the live began, as of that minute), messages, hearts, pins
 * (pin events with a product). Each instance adds its own counts every BROADCART_ROOM_FLUSH seconds
 * (an upsert: sums for the counts, maxima for viewers and unique), so the rows are cluster-wide.
 * GET /api/v1/lives/{id}/figures (the live's seller, admins).
 *
 * Threads: the WebSocket entry points run on the loops and never block; the ticker thread only
 * takes locks and defers jobs; Redis and the database are used from worker jobs only. */
#ifndef BC_ROOM_H
#define BC_ROOM_H

#include "../http/http.h"

#define BC_ROOM_HISTORY 500     /* events kept per room (in memory and in Redis) */
#define BC_ROOM_HEART_MAX 10    /* hearts in one heart message */
#define BC_ROOM_HEARTS_PER_S 20 /* hearts one connection may send per second */
#define BC_ROOM_TICK_MS 250     /* hearts frames at most this often per room */

/* Per-connection state the room keeps (embedded in the chat connection's state; zeroed at open). */
typedef struct bc_room_viewer {
    int64_t window_ms; /* start of the current one-second hearts window */
    int hearts;        /* hearts taken in that window */
    int warned;        /* a RATE_LIMITED frame was sent in that window */
} bc_room_viewer;

/* What bc_room_note counts. */
enum bc_room_count { BC_ROOM_MESSAGES, BC_ROOM_PINS };

/* Installs the room's publisher in the hub (sequence numbers, history) and the bus hook, starts the
 * ticker. Call once, before bc_bus_start and before serving. */
void bc_room_init(void);

/* At the WebSocket handshake of live's room (loop thread): with last_id (the query value, or NULL),
 * resumes as described above; also sends the current hearts total when there is one. Returns 0, or
 * 503 when the room's history is still being read from Redis (the client retries; the read has
 * been started). */
int bc_room_on_open(bc_ws *ws, int64_t live, const char *last_id);

/* Handles a room message of the connection (loop thread): type "heart" or "resume" (msg is the
 * parsed message, borrowed). Returns 1 when type is one of them (handled, errors answered on ws
 * with {"type":"error","code"}: INVALID_MESSAGE, RATE_LIMITED, BUSY), 0 when not a room type. */
int bc_room_on_message(bc_ws *ws, int64_t live, bc_room_viewer *v, const char *type, json_t *msg);

/* Counts n events of kind in live's current minute (any thread; never blocks). */
void bc_room_note(int64_t live, enum bc_room_count kind, int n);

/* Records count as a viewer count of live and returns live's peak so far (any thread). */
int bc_room_peak(int64_t live, int count);

/* The live's figures: {"live_id","items":[{"minute","viewers","unique","messages","hearts","pins"}],
 * "totals":{"peak","unique","messages","hearts","pins"}}, minutes oldest first (caller owns *out).
 * BC_OK or BC_ERR. Worker thread. */
int bc_room_figures(bc_db *db, int64_t live, json_t **out);

extern const bc_route bc_room_routes[];

#endif
