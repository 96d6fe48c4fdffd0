/* payments: the Toss Payments client (toss.c, libcurl, called from worker threads), the payment
 * endpoints (confirm) and the built-in sandbox gateway that speaks the Toss API (sandbox.c).
 * Prefixes: bc_toss_, bc_payments_, bc_sandbox_. */
#ifndef BC_PAYMENTS_H
#define BC_PAYMENTS_H

#include "../http/http.h"

/* Result of a gateway call: HTTP status (0 when the gateway was unreachable) and the parsed
 * JSON body (a Payment object on success, {code,message} on failure; caller owns, may be NULL). */
typedef struct bc_pg_result {
    int http_status;
    json_t *body;
} bc_pg_result;

/* Toss Payments `POST /v1/payments/confirm` {paymentKey, orderId, amount (KRW)} with Basic auth
 * (secret key + ':') and the Idempotency-Key header. Blocking: call from a worker thread.
 * Returns BC_OK when the gateway answered (any status; see res), BC_EGATEWAY when unreachable. */
int bc_toss_confirm(const char *payment_key, const char *order_id, int64_t amount, const char *idempotency_key,
                    bc_pg_result *res);
/* Toss `POST /v1/payments/{paymentKey}/cancel` {cancelReason[, cancelAmount]}; cancel_amount 0 = full. */
int bc_toss_cancel(const char *payment_key, const char *reason, int64_t cancel_amount, const char *idempotency_key,
                   bc_pg_result *res);
/* Toss `GET /v1/payments/{paymentKey}`. */
int bc_toss_get(const char *payment_key, bc_pg_result *res);

extern const bc_route bc_payments_routes[];
extern const bc_route bc_sandbox_routes[];

#endif
