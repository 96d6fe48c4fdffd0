/* Private to src/payments: the gateway HTTP call shared by the Toss and PortOne clients. */
#ifndef BC_PAYMENTS_INT_H
#define BC_PAYMENTS_INT_H

#include "payments.h"

/* The connection of one call: base URL (empty = this process's sandbox under sandbox_prefix, e.g.
 * "/sandbox-pg"), Basic auth user with an empty password (NULL = none) and one extra header line
 * (e.g. "Authorization: Bearer …"; NULL = none). */
typedef struct pg_target {
    const char *base, *sandbox_prefix, *basic_user, *header;
} pg_target;

/* One gateway call with the timeouts, retries and circuit breaker described in toss.c. method "GET"
 * or "POST"; path already percent-encoded; body JSON text (POST) or NULL. Returns BC_OK (an HTTP
 * answer, see res), BC_EGATEWAY (none), BC_EBUSY (breaker open, res->retry_after_s), BC_EINVAL,
 * BC_ENOMEM. Caller owns res->body. Blocking: worker threads only. */
int bc_pg_http(const pg_target *t, const char *method, const char *path, const char *body, const char *idempotency_key,
               bc_pg_result *res);

/* Longest PortOne imp_uid / merchant_uid accepted, characters (bytes: ASCII only). */
#define BC_PORTONE_UID_MAX 100
/* 1 when s is a PortOne imp_uid / merchant_uid as Broadcart sends and its sandbox issues them:
 * 1..BC_PORTONE_UID_MAX characters of [A-Za-z0-9_-] (so it is safe as a URL path segment); else 0 (also NULL). */
int bc_portone_uid_ok(const char *s);

#endif
