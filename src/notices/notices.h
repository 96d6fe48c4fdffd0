/* notices: notifications to buyers and sellers about their orders, shipments and payments:
 * stored in-app, pushed to the user's open browser (/api/v1/me/events) and e-mailed over SMTP
 * when configured. Prefix bc_notice_.
 *
 * Delivery, after the caller's transaction commits:
 *  - push: every instance runs one poller thread (its own connection, never an event loop) that
 *    reads the notices committed since its last look (a primary-key range scan every
 *    BC_NOTICE_POLL_MS; ids skipped by a transaction still open are looked at again for
 *    BC_NOTICE_GAP_MS, so a late commit on PostgreSQL is not missed) and sends a frame to the
 *    user's sockets on this instance. Every instance reads the same table, so a notice written by
 *    one instance reaches a socket open on another, with or without Redis.
 *  - mail: one outbox row per notice (to the user's account e-mail). With BROADCART_SMTP_URL set it
 *    is PENDING and sent by bc_notice_mail_sweep (the lease holder's sweep, on a worker) through
 *    libcurl's SMTP client (RFC 5321; STARTTLS, RFC 3207, whenever the server offers it), at most
 *    BC_NOTICE_MAIL_TRIES attempts with a doubling backoff, then FAILED; without it the row is
 *    KEPT: the demo's outbox, readable by an admin (GET /api/v1/admin/outbox).
 *
 * WebSocket /api/v1/me/events?access_token=...: signed-in users only (401 without a valid token);
 * the server sends (JSON text, docs/CONTRACT.md "event frames"):
 *   {"type":"notice","notice":{Notice},"unread_count":N}
 * and ignores what the client sends. The connection joins hub room BC_NOTICE_ROOM(user id).
 */
#ifndef BC_NOTICES_H
#define BC_NOTICES_H

#include "../http/http.h"

/* Hub room of a user's event sockets: far above any live id (the chat rooms), so the two never meet. */
#define BC_NOTICE_ROOM_BASE BC_HUB_PRIVATE_ROOM_BASE
#define BC_NOTICE_ROOM(user_id) (BC_NOTICE_ROOM_BASE + (int64_t)(user_id))
#define BC_NOTICE_POLL_MS 200          /* how often each instance looks for new notices to push */
#define BC_NOTICE_GAP_MS 5000          /* how long a skipped id is looked for again */
#define BC_NOTICE_MAIL_TRIES 5         /* SMTP attempts per mail before it is FAILED */
#define BC_NOTICE_MAIL_BACKOFF_MS 2000 /* wait after the first failed attempt; doubles after each */
#define BC_NOTICE_KIND_MAX 64          /* characters of a kind */
#define BC_NOTICE_TEXT_MAX 500         /* characters of a text */

/* Records a notification for user_id inside the caller's open transaction (so a rolled-back
 * state change leaves none): kind is a dotted tag ("order.PAID", "shipment.SHIPPING",
 * "payment.REFUNDED", …; 1..64 characters), order_row_id the order it is about (0 = none),
 * order_id its Toss orderId (NULL = none), text a one-line summary for the user (1..500
 * characters, copied). Also queues its mail in the outbox (to the account's e-mail). Delivery
 * (push, mail) happens after commit. Returns BC_OK, BC_EINVAL (bad argument: nothing written),
 * BC_ENOTFOUND (no such user) or a store error (BC_EBUSY, BC_ERR) for the caller's unit to
 * handle (retry or roll back). */
int bc_notice_add(bc_db *db, int64_t user_id, const char *kind, int64_t order_row_id, const char *order_id,
                  const char *text);

/* Mail-only variant for account mails (verification and reset links): records an in-app notice
 * with the harmless summary `text` (never the link) and queues a mail with `subject` and `body`
 * (the body holds the secret link). After the mail is SENT or FAILED its body is replaced by a
 * placeholder, so the link does not stay readable in the outbox (GET /api/v1/admin/outbox); a KEPT
 * mail (no BROADCART_SMTP_URL: the demo) keeps it. Same transaction rules and returns as
 * bc_notice_add; kind must start with "account.". */
int bc_notice_add_mail(bc_db *db, int64_t user_id, const char *kind, const char *text, const char *subject,
                       const char *body);

/* One page of user_id's notifications, newest first: *out (caller owns) is {items: [{id, kind,
 * order_row_id (null when none), order_id (null), text, read (boolean), read_at (UTC ms or null),
 * created_at (UTC ms)}], page, per_page, total, unread_count}. unread_only keeps the unread ones.
 * BC_OK or a store error. */
int bc_notice_list(bc_db *db, int64_t user_id, int64_t page, int64_t per_page, int unread_only, json_t **out);
/* Marks notification id of user_id read (once: read_at keeps the first time) and sets *out (caller
 * owns) to the notification as in bc_notice_list plus unread_count. BC_OK, BC_ENOTFOUND (no such
 * notification of this user) or a store error. */
int bc_notice_mark_read(bc_db *db, int64_t user_id, int64_t id, json_t **out);
/* Marks every unread notification of user_id read; *updated gets how many changed. BC_OK or a
 * store error. */
int bc_notice_mark_all_read(bc_db *db, int64_t user_id, int64_t *updated);
/* One page of the mail outbox, newest first, optionally only one status ("PENDING", "SENT",
 * "FAILED", "KEPT"; NULL = all): *out (caller owns) {items: [{id, notice_id, user_id, to, subject,
 * body, status, attempts, last_error, next_at, created_at, sent_at}], page, per_page, total}
 * (times UTC ms, null when unset). BC_OK or a store error. */
int bc_notice_outbox(bc_db *db, int64_t page, int64_t per_page, const char *status, json_t **out);

/* Sends the due PENDING mails (at most 20 per call) when BROADCART_SMTP_URL is set: each is claimed
 * first (a conditional UPDATE, so two callers never send one mail), then sent with bounded
 * timeouts (connect 5 s, whole transfer 20 s), then marked SENT, or retried later (attempts <
 * BC_NOTICE_MAIL_TRIES) or FAILED, keeping the error text. Blocks on the network: call it on a
 * worker of the instance holding the sweeper lease (src/app.c sweep()), never on a loop. A call
 * while another is running returns at once. Returns the number of mails sent, or a store error. */
int bc_notice_mail_sweep(bc_db *db, int64_t now_ms);

/* The message (RFC 5322 header + a base64 text/plain UTF-8 body, RFC 2045 §6.8; a non-ASCII
 * subject as an RFC 2047 encoded-word) for one mail, in a malloc'd string (caller frees), or
 * NULL when out of memory. msg_id_seed makes the Message-ID unique; date_ms is the Date header's
 * time (UTC ms). */
char *bc_notice_mail_message(const char *from, const char *to, const char *subject, const char *body,
                             int64_t msg_id_seed, int64_t date_ms);

/* Registers the /api/v1/me/events WebSocket and starts this instance's push poller on db_url (a
 * bc_db_open URL; the poller opens its own connection and reopens it after an error). Call once
 * before bc_http_run. BC_OK or BC_ERR (cannot start the thread). */
int bc_notice_start(const char *db_url);

extern const bc_route bc_notice_routes[];

#endif
