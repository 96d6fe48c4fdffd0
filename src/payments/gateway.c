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
    int rc = bc_toss_cancel(payment_key, reason, cancel_amount, idempotency_key, &res);
    if (rc == BC_EINVAL)
        goto out;
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
