/* The payments module's own tables (migration 14): payment_attempts (one row per
 * (order, paymentKey) confirm, written before the gateway call) and payment_webhooks (one row per
 * distinct webhook delivery). The only file of src/payments with SQL. */
#include "payments.h"

#include <string.h>

static int state_ok(const char *s)
{
    static const char *const states[] = {"PENDING", "APPROVED", "DECLINED", "UNKNOWN", "REFUNDED", "RESOLVED"};
    for (size_t i = 0; s && i < sizeof states / sizeof states[0]; i++)
        if (strcmp(s, states[i]) == 0)
            return 1;
    return 0;
}

int bc_payments_attempt_begin(bc_db *db, int64_t order_id, const char *provider, const char *payment_key,
                              int64_t amount, int64_t *attempt_id)
{
    json_t *row = NULL;
    int64_t now = bc_now_ms();
    if (!provider || !payment_key || !*payment_key || amount < 1 || !attempt_id)
        return BC_EINVAL;
    /* a retry of the same (order, paymentKey) reuses its row, open again unless money moved */
    int rc = bc_db_row(db, &row,
                       "INSERT INTO payment_attempts (order_id, provider, payment_key, amount, state, created_at,"
                       " updated_at) VALUES (?, ?, ?, ?, 'PENDING', ?, ?) ON CONFLICT (order_id, payment_key)"
                       " DO UPDATE SET updated_at = excluded.updated_at, state = CASE WHEN payment_attempts.state"
                       " IN ('APPROVED', 'REFUNDED') THEN payment_attempts.state ELSE 'PENDING' END RETURNING id",
                       "ittiii", order_id, provider, payment_key, amount, now, now);
    if (rc != 1) {
        rc = rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
        goto out;
    }
    *attempt_id = json_integer_value(json_object_get(row, "id"));
    rc = BC_OK;
out:
    json_decref(row);
    return rc;
}

int bc_payments_attempt_set(bc_db *db, int64_t attempt_id, const char *state, const char *code)
{
    if (!state_ok(state))
        return BC_EINVAL;
    int rc = bc_db_exec(db, "UPDATE payment_attempts SET state = ?, code = ?, updated_at = ? WHERE id = ?", "ttii",
                        state, code, bc_now_ms(), attempt_id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return rc == 0 ? BC_ENOTFOUND : BC_OK;
}

int bc_payments_attempt_settle(bc_db *db, int64_t order_id, const char *payment_key, int64_t amount, const char *state,
                               const char *code)
{
    int64_t now = bc_now_ms();
    int rc;
    if (!state_ok(state) || !payment_key || !*payment_key)
        return BC_EINVAL;
    if (amount >= 1)
        rc = bc_db_exec(
            db,
            "INSERT INTO payment_attempts (order_id, provider, payment_key, amount, state, code, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, payment_key) DO UPDATE"
            " SET state = excluded.state, code = excluded.code, updated_at = excluded.updated_at",
            "ittittii", order_id, bc_pg_provider_of(payment_key), payment_key, amount, state, code, now, now);
    else
        rc = bc_db_exec(db,
                        "UPDATE payment_attempts SET state = ?, code = ?, updated_at = ?"
                        " WHERE order_id = ? AND payment_key = ?",
                        "ttiit", state, code, now, order_id, payment_key);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return BC_OK;
}

int bc_payments_attempts_open(bc_db *db, int64_t since_ms, int64_t settled_before_ms, int limit, json_t **out)
{
    *out = NULL;
    if (limit < 1 || limit > 1000)
        return BC_EINVAL;
    int rc = bc_db_rows(db, out,
                        "SELECT id, order_id, provider, payment_key, amount, state, code, created_at, updated_at"
                        " FROM payment_attempts WHERE state IN ('PENDING', 'UNKNOWN') AND created_at >= ?"
                        " AND updated_at < ? ORDER BY id LIMIT ?",
                        "iii", since_ms, settled_before_ms, (int64_t)limit);
    return rc < 0 ? BC_ERR : BC_OK;
}

int bc_payments_webhook_first(bc_db *db, const char *dedupe_key, const char *event_type, const char *payment_key)
{
    if (!dedupe_key || !*dedupe_key || !event_type)
        return BC_EINVAL;
    int rc = bc_db_exec(db,
                        "INSERT INTO payment_webhooks (dedupe_key, event_type, payment_key, received_at)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                        "ttti", dedupe_key, event_type, payment_key, bc_now_ms());
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return rc > 0 ? 1 : 0;
}

int bc_payments_webhook_forget(bc_db *db, const char *dedupe_key)
{
    return bc_db_exec(db, "DELETE FROM payment_webhooks WHERE dedupe_key = ?", "t", dedupe_key) < 0 ? BC_ERR : BC_OK;
}
