/* The SQL of subscriptions: subscription_plans, subscription_customers, subscriptions and
 * subscription_payments. Safe at READ COMMITTED without a global lock: a claim is one conditional
 * UPDATE of the subscription row (next_payment_at, status and cancel flag as read; it also locks the
 * row), a period's payment row is unique per (subscription_id, period_start), and the outcome of a
 * claim is written only while its token still holds the row. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../notices/notices.h"
#include "subscriptions.h"
#include "subscriptions_int.h"

void sub_claim_free(sub_claim *c)
{
    if (!c)
        return;
    free(c->billing_key);
    c->billing_key = NULL;
}

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t num(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* ---- plans ---- */

int sub_store_plan_list(bc_db *db, int active_only, json_t **out)
{
    int n = bc_db_rows(db, out,
                       "SELECT id, name, price, period, period_days, active, created_at, updated_at"
                       " FROM subscription_plans WHERE active = 1 OR ? = 0 ORDER BY price, id",
                       "i", (int64_t)(active_only ? 1 : 0));
    return n < 0 ? n : BC_OK;
}

int sub_store_plan_get(bc_db *db, int64_t id, json_t **out)
{
    int rc = bc_db_row(db, out,
                       "SELECT id, name, price, period, period_days, active, created_at, updated_at"
                       " FROM subscription_plans WHERE id = ?",
                       "i", id);
    return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : rc;
}

int sub_store_plan_create(bc_db *db, int64_t admin_id, const char *name, int64_t price, const char *period,
                          int64_t period_days, int active, int64_t *id)
{
    int64_t now = bc_now_ms();
    *id = 0;
    if (!bc_subscription_period_ok(period, period_days) || price < 1 || price > BC_SUBSCRIPTION_MAX_PRICE)
        return BC_EINVAL;
    int rc = bc_db_int(db, id,
                       "INSERT INTO subscription_plans (name, price, period, period_days, active, created_by,"
                       " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "titiiiii", name, price, period, period_days > 0 ? period_days : (int64_t)0,
                       (int64_t)(active ? 1 : 0), admin_id, now, now);
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ERR;
}

typedef struct plan_upd {
    int64_t id, price, period_days;
    const char *name, *period;
    int active;
} plan_upd;

static int plan_update_tx(bc_db *db, void *arg)
{
    plan_upd *u = arg;
    json_t *p = NULL;
    int rc = sub_store_plan_get(db, u->id, &p);
    if (rc != BC_OK)
        return rc;
    const char *period = u->period ? u->period : str(p, "period");
    int64_t days = u->period_days >= 0 ? u->period_days : u->period ? 0 : num(p, "period_days");
    if (!bc_subscription_period_ok(period, days)) {
        json_decref(p);
        return BC_EINVAL;
    }
    rc = bc_db_exec(db,
                    "UPDATE subscription_plans SET name = ?, price = ?, period = ?, period_days = ?, active = ?,"
                    " updated_at = ? WHERE id = ?",
                    "titiiii", u->name ? u->name : str(p, "name"), u->price >= 0 ? u->price : num(p, "price"), period,
                    days, (int64_t)(u->active >= 0 ? u->active : num(p, "active")), bc_now_ms(), u->id);
    json_decref(p);
    return rc < 0 ? rc : BC_OK;
}

int sub_store_plan_update(bc_db *db, int64_t id, const char *name, int64_t price, const char *period,
                          int64_t period_days, int active)
{
    plan_upd u = {id, price, period_days, name, period, active};
    return bc_db_tx(db, plan_update_tx, &u);
}

/* ---- customers ---- */

int sub_store_customer_key(bc_db *db, int64_t user_id, char *out, size_t len)
{
    char fresh[40] = "ck_";
    json_t *row = NULL;
    bc_rand_token(fresh + 3, 32);
    int rc = bc_db_exec(db,
                        "INSERT INTO subscription_customers (user_id, customer_key, created_at) VALUES (?, ?, ?)"
                        " ON CONFLICT (user_id) DO NOTHING",
                        "iti", user_id, fresh, bc_now_ms());
    if (rc < 0)
        return rc;
    rc = bc_db_row(db, &row, "SELECT customer_key FROM subscription_customers WHERE user_id = ?", "i", user_id);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    snprintf(out, len, "%s", str(row, "customer_key"));
    json_decref(row);
    return BC_OK;
}

int sub_store_live_exists(bc_db *db, int64_t user_id, int64_t plan_id)
{
    int64_t n = 0;
    int rc = bc_db_int(db, &n,
                       "SELECT COUNT(*) FROM subscriptions WHERE user_id = ? AND plan_id = ?"
                       " AND status IN ('PENDING','ACTIVE','PAST_DUE')",
                       "ii", user_id, plan_id);
    return rc < 0 ? rc : n > 0;
}

/* ---- subscriptions ---- */

typedef struct create_args {
    int64_t user_id, now;
    const json_t *plan;
    const char *customer_key, *billing_key, *card_number;
    sub_claim *c;
} create_args;

static int create_tx(bc_db *db, void *arg)
{
    create_args *a = arg;
    sub_claim *c = a->c;
    char ad[80], *sealed = NULL;
    int64_t end = 0, id = 0, pid = 0;
    const char *period = str(a->plan, "period");
    int64_t days = num(a->plan, "period_days"), amount = num(a->plan, "price");
    sub_claim_free(c);
    memset(c, 0, sizeof *c);
    bc_subscription_make_prefix(c->order_prefix, sizeof c->order_prefix, a->now);
    bc_rand_token(c->token, 32);
    if (bc_subscription_period_end(period, days, a->now, 1, &end) != BC_OK ||
        bc_subscription_order_id(c->order_prefix, 1, c->order_id, sizeof c->order_id) != BC_OK)
        return BC_EINVAL;
    snprintf(ad, sizeof ad, "subscriptions.billing_key:%s", c->order_prefix);
    int rc = bc_seal(ad, a->billing_key, &sealed);
    if (rc != BC_OK)
        return rc;
    rc = bc_db_int(db, &id,
                   "INSERT INTO subscriptions (user_id, plan_id, customer_key, billing_key, card_number, order_prefix,"
                   " amount, period, period_days, status, anchor_at, period_no, current_period_start,"
                   " current_period_end, next_payment_at, renew_token, created_at, updated_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, 1, ?, ?, ?, ?, ?, ?) RETURNING id",
                   "iittttitiiiiitii", a->user_id, num(a->plan, "id"), a->customer_key, sealed, a->card_number,
                   c->order_prefix, amount, period, days, a->now, a->now, end, SUB_CLAIM_MS(a->now), c->token, a->now,
                   a->now);
    free(sealed);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR; /* BC_ECONFLICT: subscriptions_live (one live subscription per plan) */
    rc = bc_db_int(db, &pid,
                   "INSERT INTO subscription_payments (subscription_id, period_no, period_start, period_end, order_id,"
                   " amount, status, attempts, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, 'PENDING', 1, ?, ?)"
                   " RETURNING id",
                   "iiitiii", id, a->now, end, c->order_id, amount, a->now, a->now);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    c->action = SUB_CHARGE;
    c->first = 1;
    c->sub_id = id;
    c->user_id = a->user_id;
    c->payment_id = pid;
    c->amount = amount;
    c->period_no = 1;
    c->period_start = a->now;
    c->period_end = end;
    c->attempts = 1;
    snprintf(c->customer_key, sizeof c->customer_key, "%s", a->customer_key);
    snprintf(c->plan_name, sizeof c->plan_name, "%s", str(a->plan, "name"));
    c->billing_key = NULL; /* the caller has it in clear */
    return BC_OK;
}

int sub_store_create(bc_db *db, int64_t user_id, const json_t *plan, const char *customer_key, const char *billing_key,
                     const char *card_number, int64_t now_ms, sub_claim *c)
{
    memset(c, 0, sizeof *c);
    create_args a = {user_id, now_ms, plan, customer_key, billing_key, card_number, c};
    return bc_db_tx(db, create_tx, &a);
}

#define SUB_COLS                                                                                                       \
    "SELECT s.id, s.user_id, s.plan_id, p.name AS plan_name, s.amount, s.period, s.period_days, s.status,"             \
    " s.current_period_start, s.current_period_end, s.next_payment_at, s.cancel_at_period_end, s.canceled_at,"         \
    " s.ended_at, s.retry_count, s.last_failure_code, s.last_failure_message, s.card_number, s.created_at"             \
    " FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id"

int sub_store_get(bc_db *db, int64_t id, json_t **out)
{
    int rc = bc_db_row(db, out, SUB_COLS " WHERE s.id = ?", "i", id);
    return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : rc;
}

int sub_store_list_user(bc_db *db, int64_t user_id, json_t **out)
{
    int n = bc_db_rows(db, out, SUB_COLS " WHERE s.user_id = ? ORDER BY s.id DESC LIMIT 100", "i", user_id);
    return n < 0 ? n : BC_OK;
}

int sub_store_payments(bc_db *db, int64_t sub_id, json_t **out)
{
    int n = bc_db_rows(db, out,
                       "SELECT id, period_no, period_start, period_end, order_id, amount, status, attempts,"
                       " failure_code, failure_message, paid_at, created_at FROM subscription_payments"
                       " WHERE subscription_id = ? ORDER BY period_no DESC LIMIT 50",
                       "i", sub_id);
    return n < 0 ? n : BC_OK;
}

int sub_store_due(bc_db *db, int64_t now_ms, int limit, json_t **out)
{
    int n = bc_db_rows(db, out,
                       "SELECT id FROM subscriptions WHERE status IN ('PENDING','ACTIVE','PAST_DUE')"
                       " AND next_payment_at <= ? ORDER BY next_payment_at, id LIMIT ?",
                       "ii", now_ms, (int64_t)limit);
    return n < 0 ? n : BC_OK;
}

/* "2026-05-01" (Asia/Seoul date of ms). */
static void kst_day(int64_t ms, char out[16])
{
    time_t t = (time_t)(ms / 1000) + 9 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        out[0] = 0;
}

/* "12,900". */
static void won(int64_t v, char out[32])
{
    char d[24];
    int n = snprintf(d, sizeof d, "%lld", (long long)v), o = 0;
    for (int i = 0; i < n && o < 30; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = d[i];
    }
    out[o] = 0;
}

typedef struct claim_args {
    int64_t id, now;
    sub_claim *c;
} claim_args;

static int claim_tx(bc_db *db, void *arg)
{
    claim_args *a = arg;
    sub_claim *c = a->c;
    json_t *s = NULL, *pay = NULL;
    int rc;
    sub_claim_free(c);
    memset(c, 0, sizeof *c);
    rc = bc_db_row(db, &s,
                   "SELECT s.id, s.user_id, s.customer_key, s.billing_key, s.order_prefix, s.amount, s.period,"
                   " s.period_days, s.status, s.anchor_at, s.period_no, s.next_payment_at, s.cancel_at_period_end,"
                   " s.retry_count, p.name AS plan_name FROM subscriptions s JOIN subscription_plans p"
                   " ON p.id = s.plan_id WHERE s.id = ?",
                   "i", a->id);
    if (rc != 1)
        return rc < 0 ? rc : BC_ECONFLICT;
    const char *status = str(s, "status");
    json_t *next_v = json_object_get(s, "next_payment_at");
    int64_t next = json_integer_value(next_v), cancel = num(s, "cancel_at_period_end");
    if (!json_is_integer(next_v) || next > a->now ||
        (strcmp(status, "PENDING") != 0 && strcmp(status, "ACTIVE") != 0 && strcmp(status, "PAST_DUE") != 0)) {
        rc = BC_ECONFLICT;
        goto out;
    }
    c->sub_id = a->id;
    c->user_id = num(s, "user_id");
    c->amount = num(s, "amount");
    c->retry_count = num(s, "retry_count");
    snprintf(c->plan_name, sizeof c->plan_name, "%s", str(s, "plan_name"));
    if (strcmp(status, "ACTIVE") == 0 && cancel) {
        rc = bc_db_exec(db,
                        "UPDATE subscriptions SET status = 'ENDED', ended_at = ?, next_payment_at = NULL,"
                        " renew_token = NULL, updated_at = ? WHERE id = ? AND status = 'ACTIVE'"
                        " AND next_payment_at = ? AND cancel_at_period_end = 1",
                        "iiii", a->now, a->now, a->id, next);
        if (rc <= 0) {
            rc = rc < 0 ? rc : BC_ECONFLICT;
            goto out;
        }
        char text[600];
        snprintf(text, sizeof text, "'%s' 구독이 해지 예정대로 종료되었습니다. (Your subscription ended as cancelled.)",
                 c->plan_name);
        if ((rc = bc_notice_add(db, c->user_id, "subscription.ENDED", 0, NULL, text)) != BC_OK && rc != BC_ENOTFOUND)
            goto out;
        c->action = SUB_ENDED;
        rc = BC_OK;
        goto out;
    }
    bc_rand_token(c->token, 32);
    rc = bc_db_exec(db,
                    "UPDATE subscriptions SET next_payment_at = ?, renew_token = ?, updated_at = ? WHERE id = ?"
                    " AND status = ? AND next_payment_at = ? AND cancel_at_period_end = ?",
                    "itiitii", SUB_CLAIM_MS(a->now), c->token, a->now, a->id, status, next, cancel);
    if (rc <= 0) {
        rc = rc < 0 ? rc : BC_ECONFLICT; /* another claimant was first */
        goto out;
    }
    c->first = strcmp(status, "PENDING") == 0;
    c->period_no = c->first ? num(s, "period_no") : num(s, "period_no") + 1;
    const char *period = str(s, "period");
    int64_t days = num(s, "period_days"), anchor = num(s, "anchor_at");
    if ((c->period_no > 1 &&
         bc_subscription_period_end(period, days, anchor, c->period_no - 1, &c->period_start) != BC_OK) ||
        bc_subscription_period_end(period, days, anchor, c->period_no, &c->period_end) != BC_OK) {
        rc = BC_ERR;
        goto out;
    }
    if (c->period_no == 1)
        c->period_start = anchor;
    snprintf(c->order_prefix, sizeof c->order_prefix, "%s", str(s, "order_prefix"));
    snprintf(c->customer_key, sizeof c->customer_key, "%s", str(s, "customer_key"));
    if (bc_subscription_order_id(c->order_prefix, c->period_no, c->order_id, sizeof c->order_id) != BC_OK) {
        rc = BC_ERR;
        goto out;
    }
    rc = bc_db_row(db, &pay,
                   "INSERT INTO subscription_payments (subscription_id, period_no, period_start, period_end, order_id,"
                   " amount, status, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 1, ?, ?)"
                   " ON CONFLICT (subscription_id, period_start) DO UPDATE SET attempts = CASE WHEN"
                   " subscription_payments.status = 'FAILED' THEN subscription_payments.attempts + 1 ELSE"
                   " subscription_payments.attempts END, status = CASE WHEN subscription_payments.status = 'DONE'"
                   " THEN 'DONE' ELSE 'PENDING' END, updated_at = excluded.updated_at"
                   " RETURNING id, status, attempts",
                   "iiiitiii", a->id, c->period_no, c->period_start, c->period_end, c->order_id, c->amount, a->now,
                   a->now);
    if (rc != 1) {
        rc = rc < 0 ? rc : BC_ERR;
        goto out;
    }
    c->payment_id = num(pay, "id");
    c->attempts = num(pay, "attempts");
    if (strcmp(str(pay, "status"), "DONE") == 0) { /* paid before; its settle was lost: advance only */
        rc =
            bc_db_exec(db,
                       "UPDATE subscriptions SET status = 'ACTIVE', period_no = ?, current_period_start = ?,"
                       " current_period_end = ?, next_payment_at = ?, retry_count = 0, last_failure_code = NULL,"
                       " last_failure_message = NULL, renew_token = NULL, updated_at = ? WHERE id = ?"
                       " AND renew_token = ?",
                       "iiiiiit", c->period_no, c->period_start, c->period_end, c->period_end, a->now, a->id, c->token);
        if (rc <= 0) {
            rc = rc < 0 ? rc : BC_ERR;
            goto out;
        }
        c->action = SUB_ADVANCED;
        rc = BC_OK;
        goto out;
    }
    c->billing_key = strdup(str(s, "billing_key"));
    if (!c->billing_key) {
        rc = BC_ENOMEM;
        goto out;
    }
    c->action = SUB_CHARGE;
    rc = BC_OK;
out:
    json_decref(s);
    json_decref(pay);
    return rc;
}

int sub_store_claim(bc_db *db, int64_t id, int64_t now_ms, sub_claim *c)
{
    memset(c, 0, sizeof *c);
    claim_args a = {id, now_ms, c};
    int rc = bc_db_tx(db, claim_tx, &a);
    if (rc != BC_OK)
        sub_claim_free(c);
    return rc;
}

typedef struct settle_args {
    const sub_claim *c;
    const sub_outcome *o;
} settle_args;

static int settle_tx(bc_db *db, void *arg)
{
    settle_args *a = arg;
    const sub_claim *c = a->c;
    const sub_outcome *o = a->o;
    int64_t now = o->now;
    char text[900], day[16], amount[32];
    int rc;
    won(c->amount, amount);
    if (o->result == SUB_PAID) {
        rc =
            bc_db_exec(db,
                       "UPDATE subscription_payments SET status = 'DONE', payment_key = ?, paid_at = ?,"
                       " failure_code = NULL, failure_message = NULL, updated_at = ? WHERE id = ? AND status <> 'DONE'",
                       "tiii", o->payment_key, now, now, c->payment_id);
        if (rc < 0)
            return rc;
        rc = bc_db_exec(db,
                        "UPDATE subscriptions SET status = 'ACTIVE', period_no = ?, current_period_start = ?,"
                        " current_period_end = ?, next_payment_at = ?, retry_count = 0, last_failure_code = NULL,"
                        " last_failure_message = NULL, renew_token = NULL, updated_at = ? WHERE id = ?"
                        " AND renew_token = ?",
                        "iiiiiit", c->period_no, c->period_start, c->period_end, c->period_end, now, c->sub_id,
                        c->token);
        if (rc <= 0)
            return rc < 0 ? rc : BC_ECONFLICT;
        if (c->first)
            return BC_OK; /* the subscriber is on the page that asked */
        kst_day(c->period_end, day);
        snprintf(text, sizeof text,
                 "'%s' 정기결제 %s원이 완료되었습니다. 다음 결제일 %s (Renewed: %s KRW; next payment %s)", c->plan_name,
                 amount, day, amount, day);
        rc = bc_notice_add(db, c->user_id, "subscription.RENEWED", 0, NULL, text);
        return rc == BC_ENOTFOUND ? BC_OK : rc;
    }
    if (o->result == SUB_UNKNOWN) { /* the same attempt (and Idempotency-Key) is tried again at retry_at */
        rc = bc_db_exec(db,
                        "UPDATE subscriptions SET next_payment_at = ?, renew_token = NULL, updated_at = ?"
                        " WHERE id = ? AND renew_token = ?",
                        "iiit", o->retry_at, now, c->sub_id, c->token);
        return rc < 0 ? rc : rc == 0 ? BC_ECONFLICT : BC_OK;
    }
    const char *code = o->code ? o->code : "DECLINED", *msg = o->message ? o->message : "";
    rc = bc_db_exec(db,
                    "UPDATE subscription_payments SET status = 'FAILED', failure_code = ?, failure_message = ?,"
                    " updated_at = ? WHERE id = ? AND status = 'PENDING'",
                    "ttii", code, msg, now, c->payment_id);
    if (rc < 0)
        return rc;
    int64_t retries = c->retry_count + 1;
    int end = c->first || retries > bc_cfg.subscription_max_retries;
    if (end)
        rc = bc_db_exec(db,
                        "UPDATE subscriptions SET status = 'ENDED', ended_at = ?, next_payment_at = NULL,"
                        " retry_count = ?, last_failure_code = ?, last_failure_message = ?, renew_token = NULL,"
                        " updated_at = ? WHERE id = ? AND renew_token = ?",
                        "iittiit", now, c->first ? (int64_t)0 : retries, code, msg, now, c->sub_id, c->token);
    else
        rc = bc_db_exec(db,
                        "UPDATE subscriptions SET status = 'PAST_DUE', next_payment_at = ?, retry_count = ?,"
                        " last_failure_code = ?, last_failure_message = ?, renew_token = NULL, updated_at = ?"
                        " WHERE id = ? AND renew_token = ?",
                        "iittiit", now + (int64_t)bc_cfg.subscription_retry_s * 1000, retries, code, msg, now,
                        c->sub_id, c->token);
    if (rc <= 0)
        return rc < 0 ? rc : BC_ECONFLICT;
    if (c->first)
        return BC_OK;
    if (end) {
        snprintf(text, sizeof text,
                 "'%s' 정기결제 %s원이 %lld번 실패해 구독이 종료되었습니다: %s (Subscription ended after %lld declined "
                 "payments: %s)",
                 c->plan_name, amount, (long long)retries, msg[0] ? msg : code, (long long)retries, code);
        rc = bc_notice_add(db, c->user_id, "subscription.ENDED", 0, NULL, text);
    } else {
        kst_day(now + (int64_t)bc_cfg.subscription_retry_s * 1000, day);
        snprintf(text, sizeof text,
                 "'%s' 정기결제 %s원이 실패했습니다: %s. %s에 다시 결제합니다. (Renewal declined: %s; retried %s)",
                 c->plan_name, amount, msg[0] ? msg : code, day, code, day);
        rc = bc_notice_add(db, c->user_id, "subscription.PAST_DUE", 0, NULL, text);
    }
    return rc == BC_ENOTFOUND ? BC_OK : rc;
}

int sub_store_settle(bc_db *db, const sub_claim *c, const sub_outcome *o)
{
    settle_args a = {c, o};
    return bc_db_tx(db, settle_tx, &a);
}

typedef struct change_args {
    int64_t user_id, id, now;
    int resume;
    const char **why;
} change_args;

static int change_tx(bc_db *db, void *arg)
{
    change_args *a = arg;
    json_t *s = NULL;
    int rc =
        bc_db_row(db, &s, "SELECT user_id, status, cancel_at_period_end, renew_token FROM subscriptions WHERE id = ?",
                  "i", a->id);
    if (rc != 1)
        return rc < 0 ? rc : BC_ENOTFOUND;
    const char *status = str(s, "status");
    int cancel = (int)num(s, "cancel_at_period_end"), busy = str(s, "renew_token") != NULL;
    if (num(s, "user_id") != a->user_id) {
        rc = BC_ENOTFOUND;
    } else if (a->resume) {
        if (strcmp(status, "ACTIVE") != 0)
            rc = BC_ECONFLICT, *a->why = "state";
        else if (!cancel)
            rc = BC_OK;
        else if (busy)
            rc = BC_ECONFLICT, *a->why = "busy";
        else {
            rc = bc_db_exec(db,
                            "UPDATE subscriptions SET cancel_at_period_end = 0, canceled_at = NULL, updated_at = ?"
                            " WHERE id = ? AND status = 'ACTIVE' AND renew_token IS NULL",
                            "ii", a->now, a->id);
            rc = rc < 0 ? rc : rc == 0 ? (*a->why = "busy", BC_ECONFLICT) : BC_OK;
        }
    } else if (strcmp(status, "ACTIVE") == 0) {
        if (cancel)
            rc = BC_OK;
        else if (busy)
            rc = BC_ECONFLICT, *a->why = "busy";
        else {
            rc = bc_db_exec(db,
                            "UPDATE subscriptions SET cancel_at_period_end = 1, canceled_at = ?, updated_at = ?"
                            " WHERE id = ? AND status = 'ACTIVE' AND renew_token IS NULL",
                            "iii", a->now, a->now, a->id);
            rc = rc < 0 ? rc : rc == 0 ? (*a->why = "busy", BC_ECONFLICT) : BC_OK;
        }
    } else if (strcmp(status, "PAST_DUE") == 0) {
        if (busy)
            rc = BC_ECONFLICT, *a->why = "busy";
        else {
            rc = bc_db_exec(db,
                            "UPDATE subscriptions SET status = 'CANCELED', canceled_at = ?, ended_at = ?,"
                            " next_payment_at = NULL, updated_at = ? WHERE id = ? AND status = 'PAST_DUE'"
                            " AND renew_token IS NULL",
                            "iiii", a->now, a->now, a->now, a->id);
            rc = rc < 0 ? rc : rc == 0 ? (*a->why = "busy", BC_ECONFLICT) : BC_OK;
        }
    } else {
        rc = BC_ECONFLICT;
        *a->why = strcmp(status, "PENDING") == 0 ? "busy" : "state";
    }
    json_decref(s);
    return rc;
}

int sub_store_cancel(bc_db *db, int64_t user_id, int64_t id, int64_t now_ms, const char **why)
{
    *why = "";
    change_args a = {user_id, id, now_ms, 0, why};
    return bc_db_tx(db, change_tx, &a);
}

int sub_store_resume(bc_db *db, int64_t user_id, int64_t id, int64_t now_ms, const char **why)
{
    *why = "";
    change_args a = {user_id, id, now_ms, 1, why};
    return bc_db_tx(db, change_tx, &a);
}

int sub_store_billing_keys(bc_db *db, json_t **out)
{
    int n = bc_db_rows(db, out, "SELECT id, order_prefix, billing_key FROM subscriptions ORDER BY id", "");
    return n < 0 ? n : BC_OK;
}

int sub_store_set_billing_key(bc_db *db, int64_t id, const char *sealed)
{
    int rc = bc_db_exec(db, "UPDATE subscriptions SET billing_key = ? WHERE id = ?", "ti", sealed, id);
    return rc < 0 ? rc : rc == 0 ? BC_ENOTFOUND : BC_OK;
}
