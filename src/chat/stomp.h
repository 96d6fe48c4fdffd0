/* stomp: STOMP 1.2 over the live room's WebSocket (chat module), for clients such as stomp.js. Prefix:
 * bc_stomp_. Source: the STOMP Protocol Specification, Version 1.2 (stomp.github.io).
 *
 * A client that offers the subprotocol "v12.stomp" at the handshake of /api/v1/lives/{id}/chat
 * (RFC 6455 §4.2.2; the token, when any, still as ?access_token=) speaks STOMP on that connection;
 * without it the JSON protocol stays the default. Frames (one or more per WebSocket text message;
 * a frame may not span messages):
 *   CONNECT / STOMP  accept-version must list 1.2 -> CONNECTED version:1.2, heart-beat:sx,0 (sx: the
 *                    client's wish cy, at least BC_STOMP_MIN_BEAT_MS; 0 when cy is 0: then no
 *                    heart-beats), server, session. Client heart-beats (EOLs) are accepted, not
 *                    required. login/passcode are ignored.
 *   SUBSCRIBE        destination:/topic/lives/{id} (this connection's live), id required, ack:auto
 *                    only; one subscription per connection. Every room frame then arrives as
 *                    MESSAGE destination, message-id, subscription, content-type:application/json,
 *                    content-length, with the same JSON as the default protocol as its body.
 *   UNSUBSCRIBE      id -> no more MESSAGE frames.
 *   SEND             destination:/app/lives/{id}/chat; the body is a message of the JSON protocol
 *                    ({"type":"chat","text"}, {"type":"heart","count"}...), or plain text, sent as
 *                    {"type":"chat","text":body}. Replies such as an error frame arrive as MESSAGE.
 *   ACK / NACK       accepted, nothing to do (ack:auto).
 *   DISCONNECT       RECEIPT (when asked) and the connection closes normally (1000).
 * A receipt header on any client frame but CONNECT is answered with RECEIPT receipt-id. Anything
 * else (no CONNECT first, an unknown command or destination, a missing header, a bad escape, a
 * frame without its NUL, transactions) gets ERROR with a message header and the connection closes
 * (1002), as the specification requires. ?last_id resume is for the JSON protocol only. */
#ifndef BC_STOMP_H
#define BC_STOMP_H

#include "../http/http.h"

#define BC_STOMP_PROTOCOL "v12.stomp"
#define BC_STOMP_MIN_BEAT_MS 1000 /* shortest server heart-beat interval */
#define BC_STOMP_MAX_HEADERS 16   /* headers kept per frame (more: ERROR) */

/* Makes ws (a connection to live's room that agreed BC_STOMP_PROTOCOL) speak STOMP: sets its codec
 * and state (freed with the connection). Loop thread, at the handshake. Out of memory: the
 * connection stays JSON. */
void bc_stomp_attach(bc_ws *ws, int64_t live);

#endif
