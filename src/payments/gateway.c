/* Provider-neutral gateway calls: the callers (commerce, reconciliation) see outcomes, not a
 * provider's JSON. */
#include "payments.h"

#include <string.h>

int bc_pg_cancel(const char *payment_key, const char *reason, int64_t cancel_amount, const char *idempotency_key,
                 bc_pg_cancel_result *out)
{
    bc_pg_result res = {0};
    memset(out, 0, sizeof *out);
    out->balance_after = -1;
    int portone = strcmp(bc_pg_provider_of(payment_key), "portone") == 0;
    int rc = portone ? bc_portone_cancel(payment_key, cancel_amount, reason, &res)
                     : bc_toss_cancel(payment_key, reason, cancel_amount, idempotency_key, &res);
    if (rc == BC_EINVAL)
        goto out;
    if (portone && rc == BC_OK && res.http_status == 200) { /* envelope: code 0 = done */
        json_t *code = json_object_get(res.body, "code");
        json_t *p = json_object_get(res.body, "response");
        const char *msg = json_string_value(json_object_get(res.body, "message"));
        if (json_integer_value(code) == 0 && json_is_object(p)) {
            json_t *n = bc_portone_normalize(p);
            out->outcome = BC_PG_DONE;
            out->balance_after = n ? json_integer_value(json_object_get(n, "balanceAmount")) : -1;
            json_decref(n);
        } else if (cancel_amount == 0 && msg && strstr(msg, "취소")) { /* already fully cancelled */
            out->outcome = BC_PG_DONE;
            out->balance_after = 0;
        } else {
            out->outcome = BC_PG_REFUSED;
            snprintf(out->code, sizeof out->code, "PORTONE_%lld", (long long)json_integer_value(code));
            snprintf(out->message, sizeof out->message, "%s", msg ? msg : "");
        }
        goto out;
    }
    if (rc == BC_EBUSY) {
        out->outcome = BC_PG_UNAVAILABLE;
        out->retry_after_s = res.retry_after_s;
        rc = BC_OK;
        goto out;
    }
    const char *code = json_string_value(json_object_get(res.body, "code"));
    const char *msg = json_string_value(json_object_get(res.body, "message"));
    snprintf(out->code, sizeof out->code, "%s", code ? code : "");
    snprintf(out->message, sizeof out->message, "%s", msg ? msg : "");
    if (rc != BC_OK || res.http_status == 0 || res.http_status >= 500)
        out->outcome = BC_PG_UNKNOWN;
    else if (res.http_status >= 200 && res.http_status < 300) {
        json_t *bal = json_object_get(res.body, "balanceAmount");
        out->outcome = BC_PG_DONE;
        out->balance_after = json_is_integer(bal) ? json_integer_value(bal) : -1;
    } else if (cancel_amount == 0 && code && strcmp(code, "ALREADY_CANCELED_PAYMENT") == 0) {
        out->outcome = BC_PG_DONE;
        out->balance_after = 0;
    } else
        out->outcome = BC_PG_REFUSED;
    rc = BC_OK;
out:
    json_decref(res.body);
    return rc;
}

/* payments: PortOne behind the same calls */

const char *bc_pg_provider_of(const char *payment_key)
{
    return payment_key && strncmp(payment_key, "imp_", 4) == 0 ? "portone" : "toss";
}

int bc_pg_get(const char *payment_key, bc_pg_result *res)
{
    if (strcmp(bc_pg_provider_of(payment_key), "toss") == 0)
        return bc_toss_get(payment_key, res);
    int rc = bc_portone_get(payment_key, res);
    if (rc != BC_OK)
        return rc;
    json_t *code = json_object_get(res->body, "code");
    json_t *p = json_object_get(res->body, "response");
    if (res->http_status == 200 && json_is_integer(code) && json_integer_value(code) == 0 && json_is_object(p)) {
        json_t *n = bc_portone_normalize(p);
        json_decref(res->body);
        res->body = n;
        if (!n)
            res->http_status = 502; /* not a payment: treat as a gateway fault */
    } else if (res->http_status == 200 || res->http_status == 404) {
        res->http_status = 404; /* code != 0: "존재하지 않는 결제정보입니다" */
    }
    return BC_OK;
}
