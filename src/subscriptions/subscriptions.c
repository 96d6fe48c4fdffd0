/* subscriptions: the pure rules (periods, order ids), the renewal driver shared by the subscribe
 * route, the sweeper's timer and `broadcart subscriptions renew-due`, and the resealing of billing
 * keys. No SQL here (subscriptions_store.c). */
#include "subscriptions.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../app.h"
#include "../payments/payments.h"
#include "subscriptions_int.h"

#define DAY_MS 86400000LL
/* The failure code recorded (last_failure_code, never an API error) when the stored billing key
 * cannot be sent (the gateway is not asked). */
static const char unusable_key[] = "INVALID_BILLING_KEY";
#define KST_MS (9LL * 3600 * 1000)

int bc_subscription_period_ok(const char *period, int64_t period_days)
{
    if (!period)
        return 0;
    if (strcmp(period, "MONTH") == 0 || strcmp(period, "WEEK") == 0)
        return period_days == 0;
    return strcmp(period, "DAYS") == 0 && period_days >= 1 && period_days <= BC_SUBSCRIPTION_MAX_DAYS;
}

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_days(int64_t y, int64_t m)
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

int bc_subscription_period_end(const char *period, int64_t period_days, int64_t anchor_ms, int64_t n, int64_t *out)
{
    *out = 0;
    if (n < 1 || n > 100000 || !bc_subscription_period_ok(period, period_days))
        return BC_EINVAL;
    if (strcmp(period, "WEEK") == 0) {
        *out = anchor_ms + n * 7 * DAY_MS;
        return BC_OK;
    }
    if (strcmp(period, "DAYS") == 0) {
        *out = anchor_ms + n * period_days * DAY_MS;
        return BC_OK;
    }
    int64_t local = anchor_ms + KST_MS;
    int64_t day = local >= 0 ? local / DAY_MS : (local - DAY_MS + 1) / DAY_MS, in_day = local - day * DAY_MS;
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return BC_EINVAL;
    int64_t months = (int64_t)tm.tm_year + 1900;
    months = months * 12 + tm.tm_mon + n;
    int64_t y = months / 12, m = months % 12 + 1, d = tm.tm_mday;
    if (d > month_days(y, m))
        d = month_days(y, m);
    *out = days_from_civil(y, m, d) * DAY_MS + in_day - KST_MS;
    return BC_OK;
}

void bc_subscription_make_prefix(char *out, size_t len, int64_t now_ms)
{
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    char date[16] = "19700101", rnd[9];
    if (gmtime_r(&t, &tm))
        strftime(date, sizeof date, "%Y%m%d", &tm);
    bc_rand_token(rnd, 8);
    snprintf(out, len, "SB%s-%s", date, rnd);
}

int bc_subscription_order_id(const char *prefix, int64_t n, char *out, size_t len)
{
    int w = snprintf(out, len, "%s-%lld", prefix ? prefix : "", (long long)n);
    if (!prefix || n < 1 || w < 0 || (size_t)w >= len || w > 64 || w < 6)
        return BC_EINVAL;
    return BC_OK;
}

/* ---- the charge of a claimed period ---- */

static int payment_matches(const json_t *p, const sub_claim *c)
{
    const char *st = json_string_value(json_object_get(p, "status"));
    const char *oid = json_string_value(json_object_get(p, "orderId"));
    json_t *total = json_object_get(p, "totalAmount");
    return st && strcmp(st, "DONE") == 0 && oid && strcmp(oid, c->order_id) == 0 && json_is_integer(total) &&
           json_integer_value(total) == c->amount && json_is_string(json_object_get(p, "paymentKey"));
}

int sub_run_claim(bc_db *db, sub_claim *c, const char *clear_key, char *code, size_t codelen, char *msg, size_t msglen)
{
    char ad[80], idem[160], name[160], *opened = NULL;
    bc_pg_result res = {0}, check = {0};
    sub_outcome o = {.now = bc_now_ms()};
    int rc;
    code[0] = msg[0] = 0;
    if (!clear_key) {
        snprintf(ad, sizeof ad, "subscriptions.billing_key:%s", c->order_prefix);
        if (bc_seal_open(ad, c->billing_key, &opened) != BC_OK) {
            bc_log_error("subscriptions", "subscription %lld: the billing key does not open", (long long)c->sub_id);
            o.result = SUB_UNKNOWN;
            o.retry_at = o.now + 3600 * 1000LL;
            goto settle;
        }
        clear_key = opened;
    }
    snprintf(idem, sizeof idem, "sub-%s-%lld", c->order_id, (long long)c->attempts);
    snprintf(name, sizeof name, "%.60s 정기결제 %lld회차", c->plan_name, (long long)c->period_no);
    rc = bc_toss_billing_charge(clear_key, c->customer_key, c->amount, c->order_id, name, idem, &res);
    const char *gcode = json_string_value(json_object_get(res.body, "code"));
    const char *gmsg = json_string_value(json_object_get(res.body, "message"));
    if (rc == BC_OK && res.http_status == 200 && payment_matches(res.body, c)) {
        o.result = SUB_PAID;
        o.payment_key = json_string_value(json_object_get(res.body, "paymentKey"));
    } else if (rc == BC_EBUSY) {
        o.result = SUB_UNKNOWN;
        o.retry_at = o.now + (int64_t)(res.retry_after_s > 5 ? res.retry_after_s : 5) * 1000;
    } else if (rc == BC_OK && res.http_status >= 400 && res.http_status < 500 && gcode &&
               strcmp(gcode, "DUPLICATED_ORDER_ID") != 0 && strcmp(gcode, "ALREADY_PROCESSED_PAYMENT") != 0 &&
               strcmp(gcode, "IDEMPOTENT_REQUEST_PROCESSING") != 0) {
        o.result = SUB_DECLINED; /* the gateway said no: nothing was charged */
        o.code = gcode;
        o.message = gmsg;
    } else if (rc == BC_EINVAL) {
        o.result = SUB_DECLINED;
        o.code = unusable_key;
        o.message = "the stored billing key cannot be used";
    } else {
        /* no answer, a 5xx, an answer that is not this payment, or "this orderId is paid already":
         * ask the gateway what it holds for the period's orderId */
        int grc = bc_toss_get_by_order(c->order_id, &check);
        if (grc == BC_OK && check.http_status == 200 && payment_matches(check.body, c)) {
            o.result = SUB_PAID;
            o.payment_key = json_string_value(json_object_get(check.body, "paymentKey"));
        } else {
            o.result = SUB_UNKNOWN; /* the same attempt (Idempotency-Key) again later */
            int64_t wait = bc_cfg.subscription_retry_s < 60 ? bc_cfg.subscription_retry_s : 60;
            o.retry_at = o.now + wait * 1000;
        }
    }
settle:
    if (o.code)
        snprintf(code, codelen, "%s", o.code);
    if (o.message)
        snprintf(msg, msglen, "%s", o.message);
    rc = sub_store_settle(db, c, &o);
    if (rc == BC_ECONFLICT)
        bc_log_warn("subscriptions", "subscription %lld: the claim of period %lld was lost before its outcome",
                    (long long)c->sub_id, (long long)c->period_no);
    else if (rc != BC_OK)
        bc_log_error("subscriptions", "subscription %lld: settling period %lld failed (%d)", (long long)c->sub_id,
                     (long long)c->period_no, rc);
    bc_seal_free_plain(opened);
    json_decref(res.body);
    json_decref(check.body);
    return rc == BC_OK ? o.result : rc;
}

int bc_subscription_renew_due(bc_db *db, int64_t now_ms, FILE *report)
{
    json_t *ids = NULL, *r;
    size_t i;
    int claimed = 0;
    int rc = sub_store_due(db, now_ms, 200, &ids);
    if (rc != BC_OK)
        return rc;
    json_array_foreach (ids, i, r) {
        int64_t id = json_integer_value(json_object_get(r, "id"));
        sub_claim c;
        rc = sub_store_claim(db, id, now_ms, &c);
        if (rc == BC_ECONFLICT)
            continue; /* not due any more, or another instance has it */
        if (rc != BC_OK) {
            bc_log_warn("subscriptions", "subscription %lld: claim failed (%d)", (long long)id, rc);
            continue;
        }
        claimed++;
        if (c.action == SUB_ENDED) {
            if (report)
                fprintf(report, "subscription %lld: ended (cancelled at the end of its period)\n", (long long)id);
        } else if (c.action == SUB_ADVANCED) {
            if (report)
                fprintf(report, "subscription %lld: period %lld was paid already; advanced\n", (long long)id,
                        (long long)c.period_no);
        } else {
            char code[64], msg[256];
            int res = sub_run_claim(db, &c, NULL, code, sizeof code, msg, sizeof msg);
            if (report)
                fprintf(report, "subscription %lld: period %lld (%s, attempt %lld) %s%s%s\n", (long long)id,
                        (long long)c.period_no, c.order_id, (long long)c.attempts,
                        res == SUB_PAID       ? "paid"
                        : res == SUB_DECLINED ? "declined "
                        : res == SUB_UNKNOWN  ? "outcome unknown: tried again later"
                                              : "not settled",
                        res == SUB_DECLINED ? code : "", "");
        }
        sub_claim_free(&c);
    }
    json_decref(ids);
    return claimed;
}

void bc_subscription_sweep(bc_db *db, int64_t now_ms)
{
    static atomic_llong last_run;
    static atomic_int running;
    if (now_ms - atomic_load(&last_run) < 1000)
        return;
    if (atomic_exchange(&running, 1))
        return;
    atomic_store(&last_run, now_ms);
    int n = bc_subscription_renew_due(db, now_ms, NULL);
    if (n < 0)
        bc_log_warn("subscriptions", "renewing due subscriptions failed (%d)", n);
    atomic_store(&running, 0);
}

int bc_subscription_renew_main(void)
{
    bc_db *db = NULL;
    if (bc_cfg.toss_api_base[0] == 0 && bc_cfg.http_port != 0)
        snprintf(bc_cfg.toss_api_base, sizeof bc_cfg.toss_api_base, "http://127.0.0.1:%d/sandbox-pg", bc_cfg.http_port);
    if (bc_seal_init(bc_cfg.data_dir) != BC_OK || bc_app_open_db(&db) != BC_OK ||
        bc_payments_init(bc_cfg.data_dir) != BC_OK) {
        if (db)
            bc_db_close(db);
        return 1;
    }
    int n = bc_subscription_renew_due(db, bc_now_ms(), stdout);
    bc_db_close(db);
    if (n < 0) {
        fprintf(stderr, "subscriptions renew-due: failed (%d)\n", n);
        return 1;
    }
    printf("claimed %d subscription(s)\n", n);
    return fflush(stdout) == 0 ? 0 : 1;
}

int bc_subscription_reseal(bc_db *db, int64_t *count)
{
    json_t *rows = NULL, *r;
    size_t i;
    int rc = sub_store_billing_keys(db, &rows), bad = 0;
    *count = 0;
    if (rc != BC_OK)
        return rc;
    json_array_foreach (rows, i, r) {
        const char *old = json_string_value(json_object_get(r, "billing_key"));
        char ad[80], *sealed = NULL;
        if (!old || bc_seal_is_current(old))
            continue;
        snprintf(ad, sizeof ad, "subscriptions.billing_key:%s", json_string_value(json_object_get(r, "order_prefix")));
        int orc = bc_seal_reseal(ad, old, &sealed, NULL);
        if (orc != BC_OK) {
            bc_log_error("subscriptions", "subscription %lld: the billing key does not reseal (%d)",
                         (long long)json_integer_value(json_object_get(r, "id")), orc);
            bad = 1;
            continue;
        }
        orc = sub_store_set_billing_key(db, json_integer_value(json_object_get(r, "id")), sealed);
        free(sealed);
        if (orc != BC_OK) {
            rc = orc;
            break;
        }
        (*count)++;
    }
    json_decref(rows);
    return rc != BC_OK ? rc : bad ? BC_EINVAL : BC_OK;
}
