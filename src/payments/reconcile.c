/* Converging orders to the gateway's truth (webhooks, the reconcile command and its timer) and the
 * per-data-dir sandbox secret. No SQL here: attempts go through payments_store.c, orders through
 * commerce.h. */
#include "payments.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../app.h"
#include "../commerce/commerce.h"

#define SECRET_PREFIX "test_sk_"
#define SECRET_RANDOM 40

/* Reads {data_dir}/{file} into dst (size len), or generates prefix + 40 random chars into it. */
static int secret_file(const char *data_dir, const char *file, const char *prefix, char *dst, size_t len);

int bc_payments_init(const char *data_dir)
{
    if (!bc_cfg.portone_imp_secret[0] && secret_file(data_dir, "portone.secret", "", bc_cfg.portone_imp_secret,
                                                     sizeof bc_cfg.portone_imp_secret) != BC_OK)
        return BC_ERR;
    if (bc_cfg.toss_secret_key[0])
        return BC_OK;
    return secret_file(data_dir, "toss.secret", SECRET_PREFIX, bc_cfg.toss_secret_key, sizeof bc_cfg.toss_secret_key);
}

static int secret_file(const char *data_dir, const char *file, const char *prefix, char *dst, size_t len)
{
    char path[600], buf[256];
    FILE *f = NULL;
    int rc = BC_ERR, fd = -1;
    snprintf(path, sizeof path, "%s/%s", data_dir, file);
    f = fopen(path, "r");
    if (f) {
        if (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\r\n")] = 0;
            snprintf(dst, len, "%s", buf);
        }
        if (strlen(dst) >= 24)
            rc = BC_OK;
        else
            bc_log_error("payments", "%s is too short (need >= 24 chars)", path);
        goto out;
    }
    char secret[sizeof SECRET_PREFIX + SECRET_RANDOM];
    size_t plen = strlen(prefix);
    memcpy(secret, prefix, plen);
    bc_rand_token(secret + plen, SECRET_RANDOM);
    size_t n = strlen(secret);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno == EEXIST) /* another process wrote it meanwhile: read theirs */
        return secret_file(data_dir, file, prefix, dst, len);
    if (fd < 0 || write(fd, secret, n) != (ssize_t)n) {
        bc_log_error("payments", "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    snprintf(dst, len, "%s", secret);
    bc_log_info("payments", "generated a sandbox secret in %s", path);
    rc = BC_OK;
out:
    if (fd >= 0)
        close(fd);
    if (f)
        fclose(f);
    return rc;
}

/* "refund-{orderId}-{16 hex of BLAKE2b(paymentKey)}": one Idempotency-Key per refunded payment. */
static void refund_key(const char *order_id, const char *payment_key, char *out, size_t len)
{
    unsigned char d[8];
    char hex[17];
    crypto_generichash(d, sizeof d, (const unsigned char *)payment_key, strlen(payment_key), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    snprintf(out, len, "refund-%s-%s", order_id, hex);
}

/* Cancels payment_key in full at the gateway. BC_PAY_REFUNDED, BC_PAY_UNREACHED or BC_PAY_REPORTED. */
static int refund_all(const char *order_id, const char *payment_key, const char *reason, char *what, size_t wl)
{
    char idem[128];
    bc_pg_cancel_result cr;
    refund_key(order_id, payment_key, idem, sizeof idem);
    if (bc_pg_cancel(payment_key, reason, 0, idem, &cr) != BC_OK) {
        snprintf(what, wl, "refund of %s refused locally (bad arguments)", payment_key);
        return BC_PAY_REPORTED;
    }
    if (cr.outcome == BC_PG_DONE) {
        snprintf(what, wl, "refunded (%s)", reason);
        return BC_PAY_REFUNDED;
    }
    if (cr.outcome == BC_PG_REFUSED) {
        snprintf(what, wl, "refund refused by the gateway: %s %s", cr.code, cr.message);
        bc_log_error("payments", "order %s: refund of an orphan payment refused: %s", order_id, cr.code);
        return BC_PAY_REPORTED;
    }
    snprintf(what, wl, "refund not done: gateway %s", cr.outcome == BC_PG_UNAVAILABLE ? "unavailable" : "unreachable");
    return BC_PAY_UNREACHED;
}

/* Sets the attempt of (order, key) to state, creating it when the order never had one (a payment
 * learnt from a webhook only). Errors are logged, not returned: the order is what matters. */
static void attempt_final(bc_db *db, int64_t order_row, const char *key, int64_t amount, const char *state,
                          const char *code)
{
    if (bc_payments_attempt_settle(db, order_row, key, amount, state, code) != BC_OK)
        bc_log_warn("payments", "order row %lld: could not record attempt state %s", (long long)order_row, state);
}

typedef struct take_args {
    int64_t order_row, amount, total, approved_at;
    const char *key, *method, *raw;
} take_args;

/* The unit of work that takes an approved payment: the order becomes PAID (bc_order_mark_paid joins
 * this transaction) and the attempt APPROVED in the same commit, so a confirm costs one write
 * transaction after the gateway's answer, not two. */
static int take_tx(bc_db *db, void *arg)
{
    take_args *a = arg;
    int rc = bc_order_mark_paid(db, a->order_row, a->key, a->amount, a->method, a->approved_at, a->raw);
    if (rc != BC_OK)
        return rc;
    return bc_payments_attempt_settle(db, a->order_row, a->key, a->total, "APPROVED", NULL);
}

static bc_payments_foreign_fn foreign_fn; /* points: charges */

void bc_payments_on_foreign_payment(bc_payments_foreign_fn fn) { foreign_fn = fn; }

int bc_payments_converge(bc_db *db, json_t *payment, char *what, size_t wl)
{
    const char *key = json_string_value(json_object_get(payment, "paymentKey"));
    const char *order_id = json_string_value(json_object_get(payment, "orderId"));
    const char *status = json_string_value(json_object_get(payment, "status"));
    json_t *total_v = json_object_get(payment, "totalAmount"), *bal_v = json_object_get(payment, "balanceAmount");
    int64_t total = json_is_integer(total_v) ? json_integer_value(total_v) : -1;
    int64_t balance = json_is_integer(bal_v) ? json_integer_value(bal_v) : -1;
    bc_order_head h;
    int fix = BC_PAY_IN_STEP;
    snprintf(what, wl, "in step");
    if (!key || !order_id || !status) {
        snprintf(what, wl, "not a payment object");
        return BC_EINVAL;
    }
    int rc = bc_order_id_valid(order_id) ? bc_order_head_by_order_id(db, order_id, &h) : BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND && foreign_fn) { /* not an order: maybe a points charge */
        int fix = foreign_fn(db, payment, what, wl);
        if (fix != BC_ENOTFOUND)
            return fix;
    }
    if (rc == BC_ENOTFOUND) {
        snprintf(what, wl, "payment %s names unknown order %s", key, order_id);
        return BC_PAY_REPORTED;
    }
    if (rc != BC_OK)
        return rc;
    int paid_with_this = strcmp(h.payment_key, key) == 0 && h.payment_key[0];
    if (strcmp(status, "DONE") == 0) {
        if (paid_with_this) {
            attempt_final(db, h.id, key, total, "APPROVED", NULL);
            return BC_PAY_IN_STEP;
        }
        if (bc_order_can_pay(h.status) && total == h.amount) {
            char *raw = json_dumps(payment, JSON_COMPACT);
            const char *method = json_string_value(json_object_get(payment, "method"));
            const char *approved = json_string_value(json_object_get(payment, "approvedAt"));
            int64_t at = 0;
            if (!approved || bc_time_parse(approved, &at) != BC_OK)
                at = 0;
            take_args ta = {h.id, h.amount, total, at, key, method, raw};
            rc = bc_db_tx(db, take_tx, &ta);
            free(raw);
            if (rc == BC_OK) {
                snprintf(what, wl, "marked PAID (approved at the gateway)");
                return BC_PAY_MARKED_PAID;
            }
            if (rc != BC_ECONFLICT)
                return rc;
            if (bc_order_head_get(db, h.id, &h) != BC_OK)
                return BC_ERR;
            if (strcmp(h.status, "PAID") == 0 && strcmp(h.payment_key, key) == 0) {
                attempt_final(db, h.id, key, total, "APPROVED", NULL);
                return BC_PAY_IN_STEP;
            }
        }
        /* approved money the order cannot take: expired / canceled / failed meanwhile, another
         * paymentKey already paid it, or a different amount */
        const char *reason = total != h.amount                  ? "결제 금액 불일치 (amount mismatch)"
                             : strcmp(h.status, "EXPIRED") == 0 ? "주문 만료 (order expired)"
                             : strcmp(h.status, "PENDING_PAYMENT") == 0
                                 ? "주문 상태 변경 (order changed)"
                                 : "중복 결제 또는 주문 상태 변경 (order changed)";
        fix = refund_all(h.order_id, key, reason, what, wl);
        if (fix == BC_PAY_REFUNDED)
            attempt_final(db, h.id, key, total, "REFUNDED", h.status);
        else
            attempt_final(db, h.id, key, total, "UNKNOWN", "REFUND_PENDING");
        return fix;
    }
    if ((strcmp(status, "CANCELED") == 0 || strcmp(status, "PARTIAL_CANCELED") == 0) && paid_with_this) {
        if (strcmp(h.status, "PAID") == 0 && balance == 0) {
            rc = bc_order_cancel(db, h.id, "PAID");
            if (rc == BC_OK) {
                snprintf(what, wl, "order CANCELED (fully cancelled at the gateway)");
                return BC_PAY_CANCELED;
            }
            if (rc != BC_ECONFLICT)
                return rc;
        }
        if (strcmp(h.status, "CANCELED") == 0 || strcmp(h.status, "REFUNDED") == 0)
            return BC_PAY_IN_STEP;
        snprintf(what, wl, "cancelled at the gateway (balance %lld) while the order is %s: left to a person",
                 (long long)balance, h.status);
        bc_log_warn("payments", "order %s: %s", h.order_id, what);
        return BC_PAY_REPORTED;
    }
    if (strcmp(status, "CANCELED") == 0 || strcmp(status, "PARTIAL_CANCELED") == 0) {
        attempt_final(db, h.id, key, 0, "REFUNDED", status);
        return BC_PAY_IN_STEP;
    }
    /* ABORTED, EXPIRED: nothing was charged. READY, IN_PROGRESS, WAITING_FOR_DEPOSIT: not yet — a
     * confirm may still be on its way at the gateway, so the attempt stays open */
    if (strcmp(status, "ABORTED") == 0 || strcmp(status, "EXPIRED") == 0)
        attempt_final(db, h.id, key, 0, "RESOLVED", status);
    snprintf(what, wl, "not charged (gateway status %s)", status);
    return BC_PAY_NOT_CHARGED;
}

const char *bc_payments_fix_name(int fix)
{
    static const char *const names[] = {"in-step",     "marked-paid", "refunded", "canceled",
                                        "not-charged", "reported",    "unreached"};
    return fix >= 0 && fix < (int)(sizeof names / sizeof *names) ? names[fix] : "?";
}

int bc_payments_reconcile(bc_db *db, int64_t since_ms, int64_t idle_ms, FILE *report, int *unresolved)
{
    json_t *rows = NULL;
    int looked = 0, open = 0;
    int64_t now = bc_now_ms();
    if (unresolved)
        *unresolved = 0;
    if (bc_payments_attempts_open(db, since_ms, now - idle_ms, 200, &rows) != BC_OK)
        return BC_ERR;
    size_t i;
    json_t *a;
    json_array_foreach (rows, i, a) {
        const char *key = json_string_value(json_object_get(a, "payment_key"));
        int64_t order_row = json_integer_value(json_object_get(a, "order_id"));
        int64_t aid = json_integer_value(json_object_get(a, "id"));
        bc_order_head h = {0};
        char what[256] = "";
        int fix;
        bc_pg_result res = {0};
        looked++;
        if (bc_order_head_get(db, order_row, &h) != BC_OK) {
            snprintf(what, sizeof what, "order row %lld not found", (long long)order_row);
            fix = BC_PAY_REPORTED;
        } else {
            int rc = bc_pg_get(key, &res);
            const char *oid = json_string_value(json_object_get(res.body, "orderId"));
            if (rc == BC_OK && res.http_status == 404) {
                bc_payments_attempt_set(db, aid, "RESOLVED", "NOT_FOUND_PAYMENT");
                snprintf(what, sizeof what, "not charged (unknown to the gateway)");
                fix = BC_PAY_NOT_CHARGED;
            } else if (rc != BC_OK || res.http_status != 200) {
                snprintf(what, sizeof what, "gateway %s (HTTP %d)", rc == BC_EBUSY ? "unavailable" : "unreachable",
                         res.http_status);
                bc_payments_attempt_set(db, aid, "UNKNOWN", NULL);
                fix = BC_PAY_UNREACHED;
            } else if (!oid || strcmp(oid, h.order_id) != 0) {
                snprintf(what, sizeof what, "payment %s belongs to order %s, not this one", key, oid ? oid : "?");
                bc_payments_attempt_set(db, aid, "RESOLVED", "OTHER_ORDER");
                fix = BC_PAY_REPORTED;
            } else {
                fix = bc_payments_converge(db, res.body, what, sizeof what);
                if (fix < 0) {
                    snprintf(what, sizeof what, "database error %d", fix);
                    fix = BC_PAY_UNREACHED;
                }
                /* still IN_PROGRESS after Toss's 10-minute confirm window: it will never be charged */
                int64_t created = json_integer_value(json_object_get(a, "created_at"));
                const char *st = json_string_value(json_object_get(res.body, "status"));
                if (fix == BC_PAY_NOT_CHARGED && st && strcmp(st, "IN_PROGRESS") == 0 &&
                    now - created > (int64_t)10 * 60 * 1000)
                    bc_payments_attempt_set(db, aid, "RESOLVED", "CONFIRM_WINDOW_PASSED");
            }
        }
        if (fix == BC_PAY_UNREACHED)
            open++;
        if (report)
            fprintf(report, "order %s attempt %lld: %s: %s\n", h.order_id[0] ? h.order_id : "?", (long long)aid,
                    bc_payments_fix_name(fix), what);
        if (fix != BC_PAY_IN_STEP && fix != BC_PAY_NOT_CHARGED)
            bc_log_info("payments", "reconcile: order %s: %s", h.order_id, what);
        json_decref(res.body);
    }
    json_decref(rows);
    if (unresolved)
        *unresolved = open;
    return looked;
}

int bc_payments_reconcile_main(const char *since)
{
    int64_t since_ms = bc_now_ms() - (int64_t)30 * 24 * 3600 * 1000;
    bc_db *db = NULL;
    int code = 1, open = 0;
    if (since) {
        if (bc_time_parse(since, &since_ms) != BC_OK && bc_parse_i64(since, 0, INT64_MAX, &since_ms) != BC_OK) {
            fprintf(stderr, "reconcile: --since takes an ISO-8601 time or UTC milliseconds\n");
            return 2;
        }
    }
    if (bc_cfg.toss_api_base[0] == 0 && bc_cfg.http_port != 0)
        snprintf(bc_cfg.toss_api_base, sizeof bc_cfg.toss_api_base, "http://127.0.0.1:%d/sandbox-pg", bc_cfg.http_port);
    if (bc_cfg.portone_api_base[0] == 0 && bc_cfg.http_port != 0)
        snprintf(bc_cfg.portone_api_base, sizeof bc_cfg.portone_api_base, "http://127.0.0.1:%d/sandbox-portone",
                 bc_cfg.http_port);
    if (bc_app_open_db(&db) != BC_OK || bc_payments_init(bc_cfg.data_dir) != BC_OK)
        goto out;
    int n = bc_payments_reconcile(db, since_ms, 0, stdout, &open);
    if (n < 0)
        goto out;
    printf("reconciled %d attempt(s); %d left open\n", n, open);
    code = open == 0 ? 0 : 1;
out:
    if (db)
        bc_db_close(db);
    fflush(stdout);
    return code;
}

void bc_payments_sweep(bc_db *db, int64_t now_ms)
{
    static atomic_llong last_run;
    static atomic_int running;
    if (bc_cfg.reconcile_interval_s <= 0 || now_ms - atomic_load(&last_run) < bc_cfg.reconcile_interval_s * 1000LL)
        return;
    if (atomic_exchange(&running, 1))
        return;
    atomic_store(&last_run, now_ms);
    int open = 0;
    bc_payments_reconcile(db, now_ms - (int64_t)7 * 24 * 3600 * 1000, 2 * (int64_t)bc_cfg.pg_timeout_ms, NULL, &open);
    atomic_store(&running, 0);
}
