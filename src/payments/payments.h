/* payments: the Toss Payments client (toss.c, libcurl, called from worker threads), the payment
 * endpoints (confirm) and the built-in sandbox gateway that speaks the Toss API (sandbox.c).
 * Prefixes: bc_toss_, bc_payments_, bc_sandbox_. */
#ifndef BC_PAYMENTS_H
#define BC_PAYMENTS_H

#include "../http/http.h"

/* Result of a gateway call: HTTP status (0 when the gateway was unreachable) and the parsed
 * JSON body (a Payment object on success, {code,message} on failure; caller owns, may be NULL
 * even with a status, e.g. a proxy's HTML error page). Release with json_decref(res.body). */
typedef struct bc_pg_result {
    int http_status;
    json_t *body;
} bc_pg_result;

/* ---- Toss Payments client (toss.c) ----
 * Base URL: bc_cfg.toss_api_base, or "http://127.0.0.1:{bc_http_port()}/sandbox-pg" when empty.
 * Auth: HTTP Basic, user bc_cfg.toss_secret_key, empty password ("base64(secret + ':')").
 * POSTs send Content-Type: application/json and, when idempotency_key is non-NULL and non-empty,
 * `Idempotency-Key: <key>` (1..300 printable ASCII chars, else BC_EINVAL). Toss matches the key with
 * the secret key, URL and method and replays the first response; use one key per logical operation
 * (e.g. derived from the order) so a retry after a timeout cannot approve or refund twice.
 * Timeouts: connect 3 s, total 15 s. Each thread reuses one CURL handle (keep-alive).
 * All three block: call them from worker threads (bc_http_defer / non-INLINE routes), never from
 * the event loop. They always initialise *res (status 0, body NULL) first.
 * Returns: BC_OK when the gateway answered with any HTTP status (check res->http_status: 200 =
 * success, 4xx/5xx = Toss error {code,message}); BC_EGATEWAY when it could not be reached or timed
 * out (outcome unknown: check later with bc_toss_get); BC_EINVAL on bad arguments; BC_ENOMEM. */

/* Toss `POST /v1/payments/confirm` {paymentKey, orderId, amount (KRW)}: approves the payment the
 * buyer authenticated. 200 → Payment with status "DONE". Notable errors: 400 ALREADY_PROCESSED_PAYMENT
 * (already approved: treat as "outcome unknown", confirm with bc_toss_get), 400 INVALID_REQUEST
 * (also used by the sandbox when orderId/amount differ from the payment window's), 401
 * UNAUTHORIZED_KEY, 403 REJECT_CARD_COMPANY…, 404 NOT_FOUND_PAYMENT / NOT_FOUND_PAYMENT_SESSION. */
int bc_toss_confirm(const char *payment_key, const char *order_id, int64_t amount, const char *idempotency_key,
                    bc_pg_result *res);
/* Toss `POST /v1/payments/{paymentKey}/cancel` {cancelReason[, cancelAmount]}; cancel_amount 0 = the
 * whole remaining balance, > 0 = partial. 200 → Payment with a cancels[] entry appended,
 * balanceAmount reduced, status "CANCELED" or "PARTIAL_CANCELED" (do not rely on which one after a
 * series of partial cancels reaching 0; read balanceAmount). Errors: 403 NOT_CANCELABLE_AMOUNT,
 * 403 NOT_CANCELABLE_PAYMENT, 400 ALREADY_CANCELED_PAYMENT, 404 NOT_FOUND_PAYMENT. */
int bc_toss_cancel(const char *payment_key, const char *reason, int64_t cancel_amount, const char *idempotency_key,
                   bc_pg_result *res);
/* Toss `GET /v1/payments/{paymentKey}` (the key is percent-encoded into the path): the current
 * Payment object, or 404 NOT_FOUND_PAYMENT. */
int bc_toss_get(const char *payment_key, bc_pg_result *res);

/* Parses a gateway answer: its HTTP status and body (len bytes, need not be NUL-terminated) into
 * *res: res->body is the parsed JSON value (any JSON type), or NULL when the body is empty or not
 * JSON (a proxy's HTML error page, a truncated answer). Pure (no I/O); toss_call uses it. Caller
 * owns res->body. Returns BC_OK, or BC_EINVAL when res is NULL. */
int bc_toss_parse_response(int http_status, const char *data, size_t len, bc_pg_result *res);

/* What a confirm answer means for an order (payments_api.c acts on it). */
enum bc_toss_verdict {
    BC_TOSS_APPROVED = 0,  /* 2xx Payment: status "DONE", integer totalAmount == amount, paymentKey equal or absent */
    BC_TOSS_DECLINED,      /* any other status below 500 (Toss {code, message}: card refused, bad request…) */
    BC_TOSS_GATEWAY_ERROR, /* status 0 (unreachable) or 5xx: outcome unknown */
    BC_TOSS_UNEXPECTED,    /* 2xx that is not the approved payment asked for */
};
typedef struct bc_toss_answer {
    enum bc_toss_verdict verdict;
    const char *code, *message; /* Toss error code and message (borrowed from res->body), or NULL */
    const char *status;         /* Payment.status (borrowed), or NULL */
    const char *method;         /* Payment.method (borrowed), or NULL */
    int64_t approved_at;        /* Payment.approvedAt (ISO 8601) as UTC ms; 0 when absent or malformed */
} bc_toss_answer;
/* Reads the answer to bc_toss_confirm(payment_key, …, amount KRW) into *out (strings borrowed from
 * res->body: valid while it is). Pure; accepts any res->body (NULL, non-objects, wrong types). */
void bc_toss_read_confirm(const bc_pg_result *res, const char *payment_key, int64_t amount, bc_toss_answer *out);

/* ---- provider-neutral gateway calls (gateway.c) ----
 * Dispatch to the configured provider (Toss today). Blocking: worker threads only. */

enum bc_pg_outcome {
    BC_PG_DONE = 0,    /* the gateway did it (or had already done it: a replayed retry) */
    BC_PG_REFUSED,     /* the gateway answered no (code/message say why); nothing changed there */
    BC_PG_UNKNOWN,     /* unreachable, timed out or 5xx: the outcome is unknown; check later */
    BC_PG_UNAVAILABLE, /* not tried: the gateway is known to be down (retry_after_s says when to retry) */
};
typedef struct bc_pg_cancel_result {
    enum bc_pg_outcome outcome;
    int64_t balance_after; /* KRW still cancelable after this cancel; -1 when unknown */
    int retry_after_s;     /* with BC_PG_UNAVAILABLE */
    char code[64];         /* gateway error code ("" when none) */
    char message[256];     /* gateway error message ("" when none) */
} bc_pg_cancel_result;
/* Cancels cancel_amount KRW of payment payment_key (0 = the whole remaining balance), reason
 * <= 200 chars, idempotency_key one per logical refund (a retry with it never refunds twice).
 * Toss: POST /v1/payments/{paymentKey}/cancel {cancelReason, cancelAmount}; ALREADY_CANCELED_PAYMENT
 * counts as done for a full cancel. Fills *out. Returns BC_OK (see out->outcome) or BC_EINVAL. */
int bc_pg_cancel(const char *payment_key, const char *reason, int64_t cancel_amount, const char *idempotency_key,
                 bc_pg_cancel_result *out);

/* Broadcart's payment endpoints under /api/v1/payments (payments_api.c). */
extern const bc_route bc_payments_routes[];
/* The sandbox gateway under /sandbox-pg/ (sandbox.c; see docs/CONTRACT.md "Payments"): the fake
 * payment window GET /sandbox-pg/checkout, POST /sandbox-pg/v1/sandbox/payments (buyer, no auth) and
 * the Toss API (confirm, GET by paymentKey or orders/{orderId}, cancel) with Basic auth (the secret
 * must start with "test_sk_" and equal bc_cfg.toss_secret_key), Idempotency-Key and
 * TossPayments-Test-Code. All BC_RT_INLINE, in-memory only (bounded, lost on restart), errors in
 * Toss format {code,message}. */
extern const bc_route bc_sandbox_routes[];

#endif
