/* payments: the Toss Payments client (toss.c, libcurl, called from worker threads), the payment
 * endpoints (confirm) and the built-in sandbox gateway that speaks the Toss API (sandbox.c).
 * Prefixes: bc_toss_, bc_payments_, bc_sandbox_. */
#ifndef BC_PAYMENTS_H
#define BC_PAYMENTS_H

#include <stdio.h>

#include "../http/http.h"

/* Result of a gateway call: HTTP status (0 when the gateway was unreachable) and the parsed
 * JSON body (a Payment object on success, {code,message} on failure; caller owns, may be NULL
 * even with a status, e.g. a proxy's HTML error page). Release with json_decref(res.body). */
typedef struct bc_pg_result {
    int http_status;
    json_t *body;
    int retry_after_s; /* with BC_EBUSY: seconds until the circuit breaker lets a call through */
} bc_pg_result;

/* ---- Toss Payments client (toss.c) ----
 * Base URL: bc_cfg.toss_api_base, or "http://127.0.0.1:{bc_http_port()}/sandbox-pg" when empty.
 * Auth: HTTP Basic, user bc_cfg.toss_secret_key, empty password ("base64(secret + ':')").
 * POSTs send Content-Type: application/json and, when idempotency_key is non-NULL and non-empty,
 * `Idempotency-Key: <key>` (1..300 printable ASCII chars, else BC_EINVAL). Toss matches the key with
 * the secret key, URL and method and replays the first response; use one key per logical operation
 * (e.g. derived from the order) so a retry after a timeout cannot approve or refund twice.
 * Timeouts: connect min(3 s, BROADCART_PG_TIMEOUT_MS), total BROADCART_PG_TIMEOUT_MS. Each thread
 * reuses one CURL handle (keep-alive). Calls with no answer, a 5xx or 409 IDEMPOTENT_REQUEST_PROCESSING
 * are retried (at most 3 tries within about one timeout; POSTs only with an Idempotency-Key, so a
 * retry never executes twice). A circuit breaker (BROADCART_PG_BREAKER_FAILURES consecutive failed
 * calls) refuses calls for BROADCART_PG_BREAKER_OPEN seconds: they return BC_EBUSY untried.
 * All three block: call them from worker threads (bc_http_defer / non-INLINE routes), never from
 * the event loop. They always initialise *res (status 0, body NULL) first.
 * Returns: BC_OK when the gateway answered with any HTTP status (check res->http_status: 200 =
 * success, 4xx/5xx = Toss error {code,message}); BC_EGATEWAY when it could not be reached or timed
 * out (outcome unknown: check later with bc_toss_get); BC_EBUSY when the circuit breaker is open (not
 * tried; res->retry_after_s says when to try again); BC_EINVAL on bad arguments; BC_ENOMEM. */

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
/* Toss `GET /v1/payments/orders/{orderId}` (the orderId percent-encoded): the Payment of that orderId,
 * or 404 NOT_FOUND_PAYMENT. */
int bc_toss_get_by_order(const char *order_id, bc_pg_result *res);
/* Toss automatic payments (자동결제), provider notes §1.10. The browser registers a card (Toss's
 * requestBillingAuth, or the sandbox's GET /sandbox-pg/billing) and returns to successUrl with
 * customerKey and authKey. */
/* Toss `POST /v1/billing/authorizations/issue` {authKey, customerKey}: 200 → Billing object {mId,
 * customerKey, authenticatedAt, method, billingKey, card{issuerCode, acquirerCode, number, cardType,
 * ownerType}}. Errors: 400 INVALID_BILL_KEY_REQUEST (authKey unknown, used or expired),
 * 400 NOT_MATCHES_CUSTOMER_KEY, 401 UNAUTHORIZED_KEY. The billing key is a secret: store it sealed. */
int bc_toss_billing_issue(const char *auth_key, const char *customer_key, const char *idempotency_key,
                          bc_pg_result *res);
/* Toss `POST /v1/billing/{billingKey}` {customerKey, amount (KRW >= 1), orderId (6..64 of
 * [A-Za-z0-9_-]), orderName}: charges the billing key at once. 200 → Payment with type "BILLING",
 * status "DONE". Errors: 404 NOT_FOUND_BILLING, 400 NOT_MATCHES_CUSTOMER_KEY, 400 DUPLICATED_ORDER_ID
 * (this orderId is already approved: fetch it with bc_toss_get_by_order), 403 REJECT_CARD_COMPANY /
 * REJECT_CARD_PAYMENT (declined). Use one Idempotency-Key per charge attempt. */
int bc_toss_billing_charge(const char *billing_key, const char *customer_key, int64_t amount, const char *order_id,
                           const char *order_name, const char *idempotency_key, bc_pg_result *res);
/* The card registration page the web client opens for a billing auth: "/sandbox-pg/billing" while the
 * sandbox serves payments (BROADCART_TOSS_CHECKOUT sandbox, or the sandbox's API base), else NULL
 * (load the Toss SDK and call payment({customerKey}).requestBillingAuth). Static string. */
const char *bc_toss_billing_page(void);
/* 0 when the circuit breaker lets gateway calls through, else the seconds until it does (for a
 * Retry-After header, RFC 9110 §10.2.3). Non-blocking. */
int bc_toss_breaker_retry_after(void);

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
 * counts as done for a full cancel. PortOne (an imp_uid, "imp_…"): POST /payments/cancel {imp_uid,
 * reason, amount}; an "already cancelled" answer counts as done for a full cancel; PortOne has no
 * Idempotency-Key (the claim before the call is the caller's guard). Fills *out. Returns BC_OK (see
 * out->outcome) or BC_EINVAL. */
int bc_pg_cancel(const char *payment_key, const char *reason, int64_t cancel_amount, const char *idempotency_key,
                 bc_pg_cancel_result *out);

/* ---- payments: setup, attempts, webhooks, reconciliation ---- */

/* Sets the sandbox secret key when BROADCART_TOSS_SECRET_KEY is unset: reads {data_dir}/toss.secret,
 * or generates "test_sk_" + 40 random [A-Za-z0-9] into it (mode 0600) on first start, like the JWT
 * secret; so the public default key of older releases cannot call the sandbox's API (cancel a paid
 * order behind the shop's back). Returns BC_OK or BC_ERR (logged). */
int bc_payments_init(const char *data_dir);

/* payments_store.c: payment_attempts. A confirm is recorded before the gateway call (state PENDING;
 * order_id is orders.id, amount KRW), then set to APPROVED (the order was marked PAID), DECLINED
 * (the gateway said no), UNKNOWN (no answer: reconciliation asks the gateway later), REFUNDED (approved
 * but the order could not take it: cancelled at the gateway) or RESOLVED (checked: nothing was charged).
 * begin: BC_OK with *attempt_id (the same row for a retry of one (order, paymentKey)), BC_EINVAL,
 * BC_EBUSY or BC_ERR. set: BC_OK, BC_ENOTFOUND, BC_EINVAL (unknown state) or BC_ERR. */
int bc_payments_attempt_begin(bc_db *db, int64_t order_id, const char *provider, const char *payment_key,
                              int64_t amount, int64_t *attempt_id);
int bc_payments_attempt_set(bc_db *db, int64_t attempt_id, const char *state, const char *code);
/* Sets the attempt of (order_id, payment_key) to state (and code, NULL = none) in one statement:
 * an upsert that creates the row when the order never had one (a payment learnt from a webhook
 * only; amount >= 1 KRW, provider from the key) or, with amount < 1, only updates an existing row.
 * Joins the caller's transaction when one is open (the mark-PAID unit writes it with the order).
 * BC_OK (also when amount < 1 and no row exists), BC_EINVAL (unknown state, no key), BC_EBUSY or
 * BC_ERR. */
int bc_payments_attempt_settle(bc_db *db, int64_t order_id, const char *payment_key, int64_t amount, const char *state,
                               const char *code);
/* Attempts still PENDING or UNKNOWN, created at or after since_ms and last touched before
 * settled_before_ms (UTC ms; so a confirm in flight is left alone), oldest first, at most limit
 * (1..1000), as an array of the objects above (caller owns *out). BC_OK, BC_EINVAL or BC_ERR. */
int bc_payments_attempts_open(bc_db *db, int64_t since_ms, int64_t settled_before_ms, int limit, json_t **out);
/* Records a webhook delivery by dedupe_key: 1 the first time, 0 for a duplicate, or BC_EINVAL /
 * BC_EBUSY / BC_ERR. forget removes the record again (its processing failed: let the retry in). */
int bc_payments_webhook_first(bc_db *db, const char *dedupe_key, const char *event_type, const char *payment_key);
int bc_payments_webhook_forget(bc_db *db, const char *dedupe_key);

/* reconcile.c: what converging one payment did. */
enum bc_pay_fix {
    BC_PAY_IN_STEP = 0, /* the order already agrees with the gateway */
    BC_PAY_MARKED_PAID, /* approved at the gateway, order was PENDING_PAYMENT: now PAID */
    BC_PAY_REFUNDED,    /* approved at the gateway but the order cannot take it: cancelled there */
    BC_PAY_CANCELED,    /* fully cancelled at the gateway while the order was PAID: order CANCELED */
    BC_PAY_NOT_CHARGED, /* the gateway holds no approval (not found, in progress, aborted, expired) */
    BC_PAY_REPORTED,    /* disagrees in a way left to a person (logged and printed) */
    BC_PAY_UNREACHED,   /* the gateway could not be asked (unreachable, breaker open): try later */
};
/* A converger for payments whose orderId is no order (points charges, "PT..."): called by
 * bc_payments_converge with the fetched Payment; returns a bc_pay_fix, BC_ENOTFOUND when the orderId
 * is not its own either, or a negative BC_E* error. */
typedef int (*bc_payments_foreign_fn)(bc_db *db, json_t *payment, char *what, size_t whatlen);
/* Sets the one foreign converger (NULL: none; the webhooks then report such payments). Call before
 * serving. */
void bc_payments_on_foreign_payment(bc_payments_foreign_fn fn);
/* The name of a fix ("in-step", "marked-paid", "refunded", "canceled", "not-charged", "reported",
 * "unreached"), as the reconcile report and the webhook answers print it; "?" for anything else. Static. */
const char *bc_payments_fix_name(int fix);
/* Converges the order of a Payment object fetched from the gateway (never a webhook body) to it:
 * DONE with totalAmount == the order amount and the order PENDING_PAYMENT → bc_order_mark_paid;
 * DONE while the order is EXPIRED / CANCELED / PAYMENT_FAILED, paid with another paymentKey, or the
 * amount differs → full cancel at the gateway (bc_pg_cancel, Idempotency-Key "refund-{orderId}-{hash}");
 * CANCELED (balance 0) while the order is PAID with this paymentKey → bc_order_cancel. The matching
 * attempt row (created when missing) gets the final state. what (>= 160 bytes) gets one line of text.
 * Blocking (gateway calls): worker threads or the CLI. Returns the fix, or a negative BC_E* error. */
int bc_payments_converge(bc_db *db, json_t *payment, char *what, size_t whatlen);
/* Settles every open attempt created at or after since_ms (UTC ms) and idle for more than idle_ms
 * (the timer passes twice BROADCART_PG_TIMEOUT_MS, so a confirm still on its way is left to finish;
 * the command passes 0: converging is safe against a confirm in flight, whose conditional update then
 * finds the order settled): re-fetches its payment from the gateway and converges it. Writes one line
 * per attempt looked at to report (may be NULL). *unresolved (may be NULL) = attempts left open.
 * Returns the number of attempts looked at, or BC_ERR. */
int bc_payments_reconcile(bc_db *db, int64_t since_ms, int64_t idle_ms, FILE *report, int *unresolved);
/* `broadcart reconcile [--since <ISO-8601 or UTC ms>]` (default: the last 30 days): opens the
 * database, reconciles, prints a line per attempt and a summary. Exit status 0 when nothing is left
 * open, 1 otherwise (gateway unreachable) or on errors, 2 on a bad --since. */
int bc_payments_reconcile_main(const char *since);
/* The sweeper's timer (app.c sweep(), lease holder only, on a worker): reconciles the last 7 days
 * every BROADCART_RECONCILE_INTERVAL seconds (0 = never); never two at once. */
void bc_payments_sweep(bc_db *db, int64_t now_ms);

/* ---- PortOne (Iamport) REST API v1 client (portone.c) ----
 * Base bc_cfg.portone_api_base (default the built-in sandbox /sandbox-portone), token from
 * POST /users/getToken {imp_key, imp_secret} cached until a minute before expired_at. Answers are the
 * envelope {code (0 = success), message, response}; res->body is the whole envelope. Same return
 * values, timeouts, retries and breaker as the Toss calls; blocking (workers only).
 * prepare: POST /payments/prepare {merchant_uid, amount KRW} (the amount the payment must have).
 * get:     GET /payments/{imp_uid}.
 * cancel:  POST /payments/cancel {imp_uid, reason[, amount]}; amount 0 = the whole remaining balance. */
int bc_portone_prepare(const char *merchant_uid, int64_t amount, bc_pg_result *res);
int bc_portone_get(const char *imp_uid, bc_pg_result *res);
int bc_portone_cancel(const char *imp_uid, int64_t amount, const char *reason, bc_pg_result *res);
/* A PortOne Payment (the envelope's response) as a Toss-shaped object for bc_payments_converge:
 * paymentKey = imp_uid, orderId = merchant_uid, status paid → DONE (PARTIAL_CANCELED with
 * cancel_amount > 0), cancelled → CANCELED / PARTIAL_CANCELED, failed → ABORTED (failure {code,
 * message} from fail_reason "CODE: text"), else READY; totalAmount, balanceAmount = amount -
 * cancel_amount, method, approvedAt, lastTransactionKey, provider "portone". New reference, or NULL
 * when p is not a payment. */
json_t *bc_portone_normalize(const json_t *p);

/* Which provider issued payment_key: "portone" for imp_uid ("imp_…"), else "toss". */
const char *bc_pg_provider_of(const char *payment_key);
/* The current Payment of payment_key at its provider, Toss-shaped (bc_portone_normalize for PortOne),
 * in res->body; http_status 200, 404 (unknown) or the gateway's. Returns like bc_toss_get. */
int bc_pg_get(const char *payment_key, bc_pg_result *res);

/* Broadcart's payment endpoints under /api/v1/payments (payments_api.c). */
extern const bc_route bc_payments_routes[];
/* The sandbox gateway under /sandbox-pg/ (sandbox.c; see docs/CONTRACT.md "Payments"): the fake
 * payment window GET /sandbox-pg/checkout, POST /sandbox-pg/v1/sandbox/payments (buyer, no auth) and
 * the Toss API (confirm, GET by paymentKey or orders/{orderId}, cancel) with Basic auth (the secret
 * must start with "test_sk_" and equal bc_cfg.toss_secret_key), Idempotency-Key and
 * TossPayments-Test-Code. All BC_RT_INLINE, in-memory only (bounded, lost on restart), errors in
 * Toss format {code,message}. */
extern const bc_route bc_sandbox_routes[];
/* The PortOne v1 sandbox under /sandbox-portone/ (sandbox_portone.c): getToken, prepare, GET payment,
 * cancel in the envelope {code, message, response}, the buyer's pay call and iamport.js (window.IMP). */
extern const bc_route bc_sandbox_portone_routes[];

#endif
