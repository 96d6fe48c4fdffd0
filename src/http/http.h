/* http: the only module that includes h2o. It owns the listeners, the event loops (one per core),
 * the worker pool for blocking handlers, the route table (router + auth + body validation +
 * OpenAPI), static files and the WebSocket hub. Handlers elsewhere see only bc_req.
 * Prefixes: bc_http_ (server), bc_req_/bc_res_ (request view), bc_ws_/bc_hub_ (WebSocket). */
#ifndef BC_HTTP_H
#define BC_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"
#include "../store/store.h"

typedef struct bc_req bc_req;

/* Roles, as a bit set in a route's `roles`. 0 means public. */
enum bc_role { BC_ROLE_BUYER = 1, BC_ROLE_SELLER = 2, BC_ROLE_ADMIN = 4 };
#define BC_ROLE_ANY (BC_ROLE_BUYER | BC_ROLE_SELLER | BC_ROLE_ADMIN)

/* The authenticated caller (from a verified access token). */
typedef struct bc_auth {
    int64_t user_id;
    int role; /* one enum bc_role bit */
    char name[128];
    int email_verified; /* 1 when the account's e-mail is verified (account status cache) */
} bc_auth;

/* Field types for validation and for the OpenAPI document. */
enum bc_ftype { BC_F_STR, BC_F_INT, BC_F_BOOL, BC_F_OBJ, BC_F_ARR, BC_F_ANY };

/* What a BC_F_STR field may hold (bc_field.text) is an enum bc_text (core.h); the default,
 * BC_TEXT_LINE, is for every user-visible text. */

/* One body field or query parameter. For BC_F_INT min/max bound the value; for BC_F_STR they
 * bound the length in UTF-8 characters; for BC_F_ARR the element count. min == max == 0 means
 * unbounded. The members after doc are optional (designated initializers):
 *   enums    BC_F_STR: the allowed values (NULL-terminated).
 *   fields   BC_F_OBJ: its properties (terminated by a field with name NULL), validated the same
 *            way (unknown ones refused); NULL = any object.
 *   items    BC_F_ARR: one field describing every element (its name is only used in messages).
 *   text     BC_F_STR: enum bc_text (default BC_TEXT_LINE).
 *   nullable null is a value of its own (e.g. "unpin"); otherwise null on an optional field
 *            counts as absent and on a required one is refused.
 *   def      query parameters: the default, as text (documented, and returned by the accessors).
 *   code     the error code when this field's value is refused (default VALIDATION_FAILED).
 *   example  an example value as JSON text (documentation only). */
typedef struct bc_field {
    const char *name;
    enum bc_ftype type;
    int required;
    int64_t min, max;
    const char *doc;
    const char *const *enums;
    const struct bc_field *fields;
    const struct bc_field *items;
    enum bc_text text;
    int nullable;
    const char *def;
    const char *code;
    const char *example;
} bc_field;

/* A named JSON Schema for the OpenAPI document (components/schemas/<name>): the schema as JSON
 * text, and the schemas it references with {"$ref":"#/components/schemas/<other>"}
 * (NULL-terminated, or NULL). */
typedef struct bc_schema {
    const char *name;
    const char *json;
    const struct bc_schema *const *refs;
} bc_schema;

enum bc_route_flags {
    BC_RT_INLINE = 1,         /* run on the event-loop thread (must not block: no DB, no network) */
    BC_RT_LOOPBACK = 2,       /* only callers whose address (bc_req_client_ip: the TCP peer, or behind a
                                 trusted proxy the X-Forwarded-For client) is in 127.0.0.0/8 or ::1
                                 (nginx-rtmp callbacks); with bc_route.token also a caller elsewhere
                                 presenting that bearer token */
    BC_RT_INTERNAL = 4,       /* not for API clients: listed in the OpenAPI document with x-internal: true */
    BC_RT_OPTIONAL_AUTH = 8,  /* public, but a valid token is read when given */
    BC_RT_PWHASH = 16,        /* hashes a password (Argon2id): runs on the small password-hashing pool
                                 (BROADCART_PWHASH_WORKERS threads, bounded queue; full -> 503 BUSY) so
                                 that it never delays the other routes' workers */
    BC_RT_PAGE = 32,          /* answers a browser with HTML: query validation errors are a 400 HTML page */
    BC_RT_INLINE_AUTHED = 64, /* try_inline also runs for an authenticated caller, once the account
                                 cache (bc_account_fn with db NULL) knows the account as active with a
                                 role the route allows; otherwise the request goes to a worker */
    BC_RT_FOREIGN_AUTH = 128, /* the Authorization header is the route's own (a sandbox provider's
                                 access tokens): never read as a Broadcart token; roles must be 0 */
};

typedef void (*bc_handler_fn)(bc_req *req);

/* A route: method, path pattern with {name} segments, allowed roles, flags, body schema
 * (array terminated by a field with name NULL, or NULL for no JSON body), handler, docs.
 * The members after max_body are optional (designated initializers):
 *   query     the documented query parameters (name-NULL terminated): checked before the handler
 *             runs (bad value 422 VALIDATION_FAILED, malformed or undocumented parameter 400
 *             INVALID_QUERY; BC_RT_PAGE routes answer 400 with an HTML page); NULL = none allowed.
 *   response  the success body's schema (NULL for none, e.g. 204).
 *   res_type  the success content type when not application/json (e.g. "text/html").
 *   errors    codes of bc_http_errors this route can answer beyond those its row implies (auth,
 *             body, path id, queue), NULL-terminated.
 *   location  201 only: the Location header, "{field}" filled from the response body's top-level
 *             field of that name (e.g. "/api/v1/orders/{id}"; "{url}" when the body holds a path). */
typedef struct bc_route {
    const char *method;
    const char *path;
    int roles;
    int flags;
    const bc_field *body;
    bc_handler_fn fn;
    const char *tag;
    const char *summary;
    int status; /* success status, for the OpenAPI document */
    /* Largest accepted request body in bytes, read at request time (a pointer so that a static
     * table can name a setting, e.g. &bc_cfg.max_upload_bytes); NULL = bc_cfg.max_body_bytes. */
    const int *max_body;
    const bc_field *query;
    const bc_schema *response;
    const char *res_type;
    const char *const *errors;
    const char *location;
    /* request content types (space-separated) for a route without a JSON body schema, for the
     * document only, e.g. "image/png image/jpeg" */
    const char *req_type;
    /* Optional: tried on the event-loop thread before the request goes to a worker, for callers
     * without a token only (the worker checks a token's account), and with BC_RT_INLINE_AUTHED
     * also for a token whose account the cache knows (bc_req_auth then has the account's current
     * role); must not block (no bc_db, no network): e.g. an answer from an in-memory cache or a
     * refusal from an in-memory flag. Returns 1 when it set the response, 0 (having set nothing)
     * to let a worker run fn as usual. */
    int (*try_inline)(bc_req *req);
    /* Optional, for a route whose requests contend for one thing (a flash sale's product): returns
     * the key of that thing (> 0; 0 = no gate for this request), on the loop, after try_inline
     * declined. Each event loop lets at most BC_HTTP_GATE_INFLIGHT requests of one key be on the
     * workers at a time; the others wait on the loop (bounded: 503 BUSY beyond
     * BC_HTTP_GATE_PARKED per loop), in arrival order, and as each admitted one finishes the
     * waiting ones are offered to try_inline again (e.g. a sold-out flag set meanwhile answers them
     * all at once) before the next is admitted. So a burst on one key never fills the worker queue
     * that every other request needs. Must not block. */
    int64_t (*gate)(bc_req *req);
    /* Optional, BC_RT_LOOPBACK routes only (with BC_RT_FOREIGN_AUTH, so that the header is not read
     * as a Broadcart token): a secret, e.g. a setting's buffer (bc_cfg.metrics_token), read at
     * request time; when it is not empty a caller that is not on loopback is admitted with
     * "Authorization: Bearer <secret>" (compared in constant time), others get 403 FORBIDDEN. */
    const char *token;
} bc_route;

#define BC_HTTP_GATE_INFLIGHT 16
#define BC_HTTP_GATE_PARKED 16384

/* One API error code: the code in {"error":{"code"}}, its HTTP status and what it means. */
typedef struct bc_error_code {
    const char *code;
    int status;
    const char *doc;
} bc_error_code;

/* Every error code the API answers with (terminated by a row with code NULL; src/http/errors.c).
 * Handlers keep calling bc_res_error with the literal; tests check each literal is here with the
 * same status, and the OpenAPI document and the web client's messages are made from it. */
extern const bc_error_code bc_http_errors[];
/* The row for code, or NULL. */
const bc_error_code *bc_http_error_find(const char *code);

/* The response schemas of the API's routes (src/http/schemas.c). */
extern const bc_schema bc_sc_user, bc_sc_admin_user, bc_sc_tokens, bc_sc_category, bc_sc_category_tree, bc_sc_product,
    bc_sc_product_page, bc_sc_image, bc_sc_live, bc_sc_live_list, bc_sc_chat_history, bc_sc_cart, bc_sc_address,
    bc_sc_order, bc_sc_order_page, bc_sc_pay_config, bc_sc_sbx_created, bc_sc_toss_payment, bc_sc_health, bc_sc_openapi;
/* orders: a shipment, a history row, a seller's shipping settings */
extern const bc_schema bc_sc_shipment, bc_sc_order_event, bc_sc_shipping;
/* payments */
extern const bc_schema bc_sc_pay_webhook, bc_sc_portone_envelope, bc_sc_portone_created, bc_sc_pay_prepare;
/* stock: a hold, a page of a product's stock ledger, a product's purchase limits */
extern const bc_schema bc_sc_hold, bc_sc_stock_ledger, bc_sc_product_limits;
/* replays: a live's replay */
extern const bc_schema bc_sc_replay;
extern const bc_schema bc_sc_live_health;

/* Authenticator hook: verifies a bearer token; fills *out and returns BC_OK, or BC_EINVAL. */
typedef int (*bc_auth_fn)(const char *token, bc_auth *out);

/* Account hook: checks that the caller of a verified token still has an active account and
 * replaces auth->role (and name) with the account's current values. Called on a worker with its
 * database connection before every authenticated handler, and on an event-loop thread with db NULL
 * (WebSocket handshake: cache only, must not block). Returns BC_OK, BC_ENOTFOUND (no such user:
 * 401 INVALID_TOKEN), BC_EFORBIDDEN (blocked: 403 ACCOUNT_BLOCKED), BC_EBUSY (db NULL and not
 * cached, or database busy: 503) or BC_ERR. */
typedef int (*bc_account_fn)(bc_db *db, bc_auth *auth);

/* Adds routes (array terminated by a row with method NULL; static storage) to the table.
 * Call before bc_http_run. */
void bc_http_register(const bc_route *routes);
void bc_http_set_authenticator(bc_auth_fn fn);
/* Sets the account hook (see bc_account_fn); none = tokens are trusted alone. Call before run. */
void bc_http_set_account_check(bc_account_fn fn);
/* Sets the function that drops what is known of an account's status (the account cache), called
 * through bc_http_account_forget when another instance changed the account (bus message: a block
 * or a deletion). Call before run. */
void bc_http_set_account_forget(void (*fn)(int64_t user_id));
/* Drops user_id's cached account status (no-op without a forget function); any thread. */
void bc_http_account_forget(int64_t user_id);
/* Adds a static directory served under url_prefix (e.g. "/hls", "/media"). Call before run. */
void bc_http_add_static(const char *url_prefix, const char *dir, int no_cache);
/* An origin (scheme://host[:port], at most 255 bytes) besides this server's that the web client may
 * load images and media from and connect to (hls.js fetches replay playlists and segments): the
 * media store's (bc_media_origin) when media live in S3-compatible storage. "" or NULL = none.
 * Call before run. */
void bc_http_set_media_origin(const char *origin);

/* Starts the loops and workers and serves until bc_http_stop. db_url (a bc_db_open URL) is
 * opened once per worker. Prints "listening on http://HOST:PORT" when ready. Returns BC_OK or BC_ERR. */
int bc_http_run(const char *db_url);
/* Asks the server to stop (async-signal-safe). */
void bc_http_stop(void);
/* The bound TCP port (after start). */
int bc_http_port(void);
/* Runs fn(arg) on a worker thread with a database connection (thread-safe, any thread).
 * Returns BC_OK or BC_EBUSY when the queue is full. */
int bc_http_defer(void (*fn)(bc_db *db, void *arg), void *arg);
/* The worker pools' queues (metrics): jobs waiting now and the capacity, of the general pool
 * (*main, *main_cap) and the password-hashing pool (*pwhash, *pwhash_cap). Any thread. */
void bc_http_queue_depth(int *main, int *main_cap, int *pwhash, int *pwhash_cap);
/* Builds the OpenAPI 3.1 document from the route table (caller owns). */
json_t *bc_http_openapi(void);
/* Handler of GET /api/docs: the API reference page (Redoc from /vendor/redoc.standalone.js and
 * /api-docs.js of the web root, reading /api/openapi.json), with its own Content-Security-Policy
 * (Redoc needs inline styles and a blob: worker; scripts stay 'self' only). */
void bc_http_docs(bc_req *req);

/* ---- request view (valid during the handler) ---- */
const char *bc_req_method(bc_req *req);
const char *bc_req_path(bc_req *req);
/* Path parameter {name}, or NULL. */
const char *bc_req_param(bc_req *req, const char *name);
/* Path parameter parsed as a positive id; BC_OK or BC_EINVAL. */
int bc_req_param_id(bc_req *req, const char *name, int64_t *out);
/* Query-string parameter (percent-decoded, raw: not validated), or NULL. */
const char *bc_req_query(bc_req *req, const char *name);
/* A documented query parameter of the route after validation: the value given (never empty:
 * an empty value counts as absent), else its default (bc_field.def), else NULL. */
const char *bc_req_query_str(bc_req *req, const char *name);
/* A documented BC_F_INT/BC_F_BOOL query parameter after validation (within its bounds; bool is
 * 1/0 for true/false), else its default, else fallback. */
int64_t bc_req_query_int(bc_req *req, const char *name, int64_t fallback);
/* Form field of an application/x-www-form-urlencoded body (decoded), or NULL. */
const char *bc_req_form(bc_req *req, const char *name);
/* Request header (case-insensitive name), or NULL. */
const char *bc_req_header(bc_req *req, const char *name);
/* The validated JSON body (borrowed), or NULL if the route has no body schema. */
json_t *bc_req_json(bc_req *req);
const char *bc_req_body(bc_req *req, size_t *len);
/* The caller, or NULL when anonymous. */
const bc_auth *bc_req_auth(bc_req *req);
/* This worker's database connection (NULL for BC_RT_INLINE routes). */
bc_db *bc_req_db(bc_req *req);
/* The request's arena: freed when the response is sent. */
bc_arena *bc_req_arena(bc_req *req);
/* The client's IP address as text ("203.0.113.7", "2001:db8::1"), computed once per request:
 * the TCP peer, unless the peer is one of BROADCART_TRUSTED_PROXIES, in which case the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy (the peer when the header is absent
 * or holds only trusted proxies). Owned by the request's arena; never NULL ("" when unknown). */
const char *bc_req_client_ip(bc_req *req);
/* Scheme://host[:port] the client used (from Host), e.g. "http://127.0.0.1:8080". */
const char *bc_req_origin(bc_req *req);

/* ---- responses ---- */
/* Sends body (reference stolen) as JSON with the status. */
/* Turns the UTC-millisecond integers of v found where schema s says "format": "date-time" into
 * ISO-8601 UTC strings with milliseconds (RFC 3339 §5.6, as bc_time_iso writes them), in place. It
 * follows "$ref" (to s's referenced schemas, by name), "oneOf"/"anyOf"/"allOf", "properties",
 * "additionalProperties" and "items"; any other value (a time already a string, null) is left as it
 * is. The store returns times as integers; this is where they become the API's strings.
 * bc_res_json applies it to every 2xx body of a route with a .response schema; call it for JSON
 * sent any other way (WebSocket frames). s NULL: nothing. */
void bc_http_json_times(json_t *v, const bc_schema *s);
void bc_res_json(bc_req *req, int status, json_t *body);
/* Sends {"error":{"code":code,"message":…}} with the status. */
void bc_res_error(bc_req *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sends a body (copied) with a content type. */
void bc_res_send(bc_req *req, int status, const char *content_type, const char *body, size_t len);
/* Sends the file at path (copied) with status 200 and content_type (copied) without reading it
 * into memory (h2o_file_send; HEAD gets the headers only). A missing or unreadable file becomes a
 * JSON 404 NOT_FOUND. The type is the caller's decision: never derive it from the URL. */
void bc_res_file(bc_req *req, const char *path, const char *content_type);
/* Adds a response header (both strings copied). A handler's Cache-Control or ETag replaces the
 * default (no-store; a weak ETag of the body on 200 GET JSON). */
void bc_res_header(bc_req *req, const char *name, const char *value);
/* Maps a BC_E* code to a standard error response (404 NOT_FOUND, 409 CONFLICT, 503 BUSY with
 * Retry-After: 1, 500…). */
void bc_res_from_err(bc_req *req, int err);

/* ---- WebSocket (RFC 6455 through h2o/wslay) ---- */
typedef struct bc_ws bc_ws;
/* A WebSocket endpoint. on_open runs on the loop thread at the handshake with the request view
 * (no DB): return 0 to accept, or an HTTP status (401/404…) to refuse. on_message gets each
 * complete text message (a binary frame closes the connection with 1003); on_close is called
 * once. All three run on the connection's loop. */
typedef struct bc_ws_route {
    const char *path; /* pattern with {name} segments */
    int (*on_open)(bc_ws *ws, bc_req *req);
    void (*on_message)(bc_ws *ws, const char *data, size_t len);
    void (*on_close)(bc_ws *ws);
    /* Subprotocols this route speaks besides plain JSON (NULL-terminated; NULL = none): the first
     * one the client offers in Sec-WebSocket-Protocol is agreed and echoed (RFC 6455 §4.2.2);
     * on_open reads it with bc_ws_subprotocol. */
    const char *const *subprotocols;
} bc_ws_route;

/* A per-connection protocol wrapper (e.g. STOMP 1.2 over WebSocket), on the connection's loop.
 * encode: called instead of queueing for every JSON frame bound for the connection (room frames,
 *   bc_ws_send), with the frame's sequence number (0 = none); it queues with bc_ws_queue_raw.
 * decode: called instead of on_message for every incoming text message; it hands JSON messages
 *   to the route with bc_ws_pass.
 * tick:   called about once a second (heart-beats), may be NULL.
 * close:  called once before on_close (free the codec's state), may be NULL. */
typedef struct bc_ws_codec {
    void (*encode)(bc_ws *ws, const char *json, size_t len, int64_t seq);
    void (*decode)(bc_ws *ws, const char *data, size_t len);
    void (*tick)(bc_ws *ws, uint64_t now_ms);
    void (*close)(bc_ws *ws);
} bc_ws_codec;

/* Adds a WebSocket endpoint (static storage). Call before bc_http_run. */
void bc_http_register_ws(const bc_ws_route *route);
/* Per-connection user data (owned by the caller; free it in on_close). */
void bc_ws_set_data(bc_ws *ws, void *data);
void *bc_ws_data(bc_ws *ws);
/* The connection's id: unique within this process and never reused (never 0); for bc_hub_send_to. */
uint64_t bc_ws_id(bc_ws *ws);
/* Queues a text frame to this connection (loop thread only). When the connection's queued
 * bytes would exceed bc_cfg.ws_max_queued_bytes (a peer that does not read), the frame is not
 * queued and the connection is closed with 1008 (RFC 6455 §7.4.1) instead. */
void bc_ws_send(bc_ws *ws, const char *text, size_t len);
/* The subprotocol agreed at the handshake (one of the route's strings), or NULL for plain JSON. */
const char *bc_ws_subprotocol(bc_ws *ws);
/* Sets the connection's codec (static storage; NULL = none) and its state (owned by the codec: free
 * it in codec->close). Loop thread (or on_open). */
void bc_ws_set_codec(bc_ws *ws, const bc_ws_codec *codec, void *state);
void *bc_ws_codec_state(bc_ws *ws);
/* Queues text as is (no codec) to this connection, with the bound of bc_ws_send, and lets it go out. */
void bc_ws_send_raw(bc_ws *ws, const char *text, size_t len);
/* As bc_ws_send_raw without sending yet: for a codec's encode (its caller sends). */
void bc_ws_queue_raw(bc_ws *ws, const char *text, size_t len);
/* Hands a message to the route's on_message (for a codec's decode). */
void bc_ws_pass(bc_ws *ws, const char *data, size_t len);
/* Closes the connection with code and reason (RFC 6455 §7.4.1; reason ASCII < 124 bytes): the close
 * frame is queued, frames in and out are dropped, the connection is freed within 2 s. Loop thread. */
void bc_ws_close(bc_ws *ws, uint16_t code, const char *reason);
/* Frames of seq <= seq (bc_hub_send_seq) are not sent to this connection any more (after a resume
 * sent them). Loop thread. */
void bc_ws_skip_through(bc_ws *ws, int64_t seq);
/* Joins a room (one per connection); the hub keeps per-room counts across loops. */
void bc_ws_join(bc_ws *ws, int64_t room);
/* Sends text to every connection in room on every loop; callable from any thread. The text
 * is copied once and shared by all loops. A connection that cannot take it within its queue
 * bound is closed (1008) as with bc_ws_send. With a relay set (bc_hub_set_relay: the bus, when
 * BROADCART_REDIS_URL is set) the text is also handed to it once, for the other instances. */
void bc_hub_publish(int64_t room, const char *text, size_t len);
/* As bc_hub_publish, but to this instance's connections only (never relayed): for frames each
 * instance computes itself (viewer counts) and for events received from other instances. */
void bc_hub_send_local(int64_t room, const char *text, size_t len);
/* As bc_hub_send_local for a frame with room sequence number seq (> 0): connections that resumed
 * past seq skip it (bc_ws_skip_through). Any thread. */
void bc_hub_send_seq(int64_t room, int64_t seq, const char *text, size_t len);
/* Sets, before the loops serve, the function bc_hub_publish hands live-room texts (room below
 * BC_HUB_PRIVATE_ROOM_BASE) to instead of delivering and relaying them itself (the room module:
 * sequence numbers and history); it delivers with bc_hub_send_seq / bc_hub_send_local. */
void bc_hub_set_publisher(void (*fn)(int64_t room, const char *text, size_t len));
/* Sends text to the one connection of this instance whose bc_ws_id is conn_id, if it is still in
 * room (else nothing); any thread. For replies decided off the loop (a worker refusing a chat
 * message). */
void bc_hub_send_to(int64_t room, uint64_t conn_id, const char *text, size_t len);
/* Closes the one connection of this instance whose bc_ws_id is conn_id, if it is still in room,
 * with code (RFC 6455 §7.4.1, e.g. 1008 policy violation) and reason (ASCII, cut at 120 bytes),
 * after the frames sent to it before; any thread. For a connection a worker decided to end (a
 * viewer banned from the room). */
void bc_hub_close_to(int64_t room, uint64_t conn_id, uint16_t code, const char *reason);
/* Current number of connections in room: this instance's, plus the other instances' count when a
 * remote-count source is set (bc_hub_set_remote_count). */
int bc_hub_count(int64_t room);
/* Number of connections in room on this instance only (all loops). */
int bc_hub_local_count(int64_t room);
/* Calls fn(room, count, arg) for every room with connections on this instance, under the hub's
 * count lock: fn must be quick and must not call back into the hub. */
void bc_hub_each_local_count(void (*fn)(int64_t room, int count, void *arg), void *arg);
/* Rooms at or above this id are private rooms (one user's own sockets, e.g. the notifications
 * socket), not live rooms: they have no viewer counts and are never announced. */
#define BC_HUB_PRIVATE_ROOM_BASE ((int64_t)1 << 52)
/* Called (on some loop thread, or the bus thread for a remote change) after a room's count changed. */
void bc_hub_on_count(void (*fn)(int64_t room, int count));
/* Tells the count hook that room's total changed for a reason outside this instance (the bus:
 * another instance's count changed or expired). Any thread. */
void bc_hub_count_changed(int64_t room);
/* Sets, before the loops serve, the function bc_hub_publish hands every text to (NULL = none). It
 * must copy what it keeps and return quickly (any thread). */
void bc_hub_set_relay(void (*fn)(int64_t room, const char *text, size_t len));
/* Sets, before the loops serve, the source of the other instances' count in a room (NULL = none);
 * any thread, quick, must not call back into the hub. */
void bc_hub_set_remote_count(int (*fn)(int64_t room));
/* Closes every WebSocket of user_id (opened with that user's access token: chat, events,
 * notifications) on this instance, with code (RFC 6455 §7.4.1, e.g. 1008) and reason (ASCII, cut at
 * 120 bytes), after the frames queued to them before; and hands the request to the user relay (the
 * bus: the other instances) when one is set. Any thread. For a block or an account deletion. */
void bc_hub_close_user(int64_t user_id, uint16_t code, const char *reason);
/* As bc_hub_close_user on this instance only (never relayed): for requests from other instances. */
void bc_hub_close_user_local(int64_t user_id, uint16_t code, const char *reason);
/* Sets, before the loops serve, the function bc_hub_close_user hands (user_id, reason) to for the
 * other instances (NULL = none); it must copy what it keeps and return quickly. */
void bc_hub_set_user_relay(void (*fn)(int64_t user_id, const char *reason));

#endif
