/* The SQL of points: points_balances, points_ledger, points_rates, points_attendance and
 * points_charges. Safe at READ COMMITTED without a global lock: a credit claims its idem_key with
 * INSERT ... ON CONFLICT DO NOTHING before it touches the balance, a debit is a conditional UPDATE
 * of the balance row (balance >= amount), which also locks that row, and every change of a user's
 * lots happens while that row is locked. */
#include <stdlib.h>
#include <string.h>

#include "points.h"
#include "points_int.h"

#define DAY_MS 86400000LL

/* One ledger change. */
typedef struct change_args {
    int64_t user_id, amount; /* amount > 0 */
    const char *kind, *reason, *ref, *idem_key;
    int64_t ledger_id, balance; /* out */
} change_args;

static int reason_ok(const char *reason)
{
    if (!reason || !*reason)
        return 0;
    size_t n = bc_utf8_len(reason);
    return n >= 1 && n <= 200 && bc_utf8_check(reason, strlen(reason), BC_TEXT_LINE, NULL, NULL) == BC_OK;
}

/* The credit unit (inside the open transaction): claim the idem key with the lot row, add to the
 * balance, write balance_after. */
static int credit_in_tx(bc_db *db, change_args *a)
{
    int64_t now = bc_now_ms(), id = 0, bal = 0;
    int64_t expires = now + (int64_t)(bc_cfg.points_ttl_days > 0 ? bc_cfg.points_ttl_days : 365) * DAY_MS;
    a->ledger_id = a->balance = 0;
    int rc =
        bc_db_int(db, &id,
                  "INSERT INTO points_ledger (user_id, kind, amount, reason, ref, balance_after, created_at,"
                  " expires_at, remaining, idem_key) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)"
                  " ON CONFLICT (idem_key) DO NOTHING RETURNING id",
                  "itittiiit", a->user_id, a->kind, a->amount, a->reason, a->ref, now, expires, a->amount, a->idem_key);
    if (rc == 0)
        return BC_ECONFLICT; /* this idem_key was credited before */
    if (rc < 0)
        return rc == BC_ECONFLICT ? BC_ENOTFOUND : rc; /* a foreign key: no such user */
    rc = bc_db_int(db, &bal,
                   "INSERT INTO points_balances (user_id, balance, updated_at) VALUES (?, ?, ?)"
                   " ON CONFLICT (user_id) DO UPDATE SET balance = points_balances.balance + excluded.balance,"
                   " updated_at = excluded.updated_at RETURNING balance",
                   "iii", a->user_id, a->amount, now);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    if ((rc = bc_db_exec(db, "UPDATE points_ledger SET balance_after = ? WHERE id = ?", "ii", bal, id)) < 0)
        return rc;
    a->ledger_id = id;
    a->balance = bal;
    return BC_OK;
}

static int credit_tx(bc_db *db, void *arg) { return credit_in_tx(db, arg); }

int bc_points_credit(bc_db *db, int64_t user_id, const char *kind, int64_t amount, const char *reason, const char *ref,
                     const char *idem_key, int64_t *ledger_id)
{
    if (ledger_id)
        *ledger_id = 0;
    if (!kind || (strcmp(kind, "EARN") != 0 && strcmp(kind, "CHARGE") != 0 && strcmp(kind, "REFUND") != 0 &&
                  strcmp(kind, "ADJUST") != 0))
        return BC_EINVAL;
    if (user_id <= 0 || !bc_points_amount_ok(kind, amount) || amount <= 0 || !reason_ok(reason))
        return BC_EINVAL;
    change_args a = {
        .user_id = user_id, .amount = amount, .kind = kind, .reason = reason, .ref = ref, .idem_key = idem_key};
    int rc = bc_db_tx(db, credit_tx, &a);
    if (rc == BC_OK && ledger_id)
        *ledger_id = a.ledger_id;
    return rc;
}

int bc_points_earn(bc_db *db, int64_t user_id, int64_t amount, const char *reason, const char *ref,
                   const char *idem_key, int64_t *ledger_id)
{
    return bc_points_credit(db, user_id, "EARN", amount, reason, ref, idem_key, ledger_id);
}

/* Takes amount points from user_id's lots, those expiring first first (the balance row is locked
 * by the caller's UPDATE). BC_OK, or BC_ERR when the lots hold less than the balance said. */
static int consume_lots(bc_db *db, int64_t user_id, int64_t amount)
{
    int64_t left = amount;
    while (left > 0) {
        json_t *rows = NULL, *r;
        size_t i;
        int n = bc_db_rows(db, &rows,
                           "SELECT id, remaining FROM points_ledger WHERE user_id = ? AND remaining > 0"
                           " ORDER BY expires_at, id LIMIT 50",
                           "i", user_id);
        if (n < 0)
            return n;
        if (n == 0) {
            json_decref(rows);
            bc_log_error("points", "user %lld: the lots hold %lld points less than the balance", (long long)user_id,
                         (long long)left);
            return BC_ERR;
        }
        json_array_foreach (rows, i, r) {
            int64_t id = json_integer_value(json_object_get(r, "id"));
            int64_t rem = json_integer_value(json_object_get(r, "remaining"));
            int64_t take = rem < left ? rem : left;
            int rc =
                bc_db_exec(db, "UPDATE points_ledger SET remaining = remaining - ? WHERE id = ? AND remaining >= ?",
                           "iii", take, id, take);
            if (rc != 1) {
                json_decref(rows);
                return rc < 0 ? rc : BC_ERR;
            }
            left -= take;
            if (left == 0)
                break;
        }
        json_decref(rows);
    }
    return BC_OK;
}

/* The debit unit: the conditional UPDATE, the lots, the ledger row. */
static int debit_tx(bc_db *db, void *arg)
{
    change_args *a = arg;
    int64_t now = bc_now_ms(), bal = 0, id = 0;
    a->ledger_id = a->balance = 0;
    int rc = bc_db_int(db, &bal,
                       "UPDATE points_balances SET balance = balance - ?, updated_at = ?"
                       " WHERE user_id = ? AND balance >= ? RETURNING balance",
                       "iiii", a->amount, now, a->user_id, a->amount);
    if (rc == 0)
        return BC_ECONFLICT; /* not enough points (or none ever) */
    if (rc < 0)
        return rc;
    if ((rc = consume_lots(db, a->user_id, a->amount)) != BC_OK)
        return rc;
    rc = bc_db_int(db, &id,
                   "INSERT INTO points_ledger (user_id, kind, amount, reason, ref, balance_after, created_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   "itittii", a->user_id, a->kind, -a->amount, a->reason, a->ref, bal, now);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    a->ledger_id = id;
    a->balance = bal;
    return BC_OK;
}

int bc_points_debit(bc_db *db, int64_t user_id, const char *kind, int64_t amount, const char *reason, const char *ref,
                    int64_t *ledger_id)
{
    if (ledger_id)
        *ledger_id = 0;
    if (!kind || (strcmp(kind, "SPEND") != 0 && strcmp(kind, "ADJUST") != 0))
        return BC_EINVAL;
    if (user_id <= 0 || amount <= 0 || amount > BC_POINTS_MAX || !reason_ok(reason))
        return BC_EINVAL;
    change_args a = {.user_id = user_id, .amount = amount, .kind = kind, .reason = reason, .ref = ref};
    int rc = bc_db_tx(db, debit_tx, &a);
    if (rc == BC_OK && ledger_id)
        *ledger_id = a.ledger_id;
    return rc;
}

int bc_points_spend(bc_db *db, int64_t user_id, int64_t amount, const char *reason, const char *ref, int64_t *ledger_id)
{
    return bc_points_debit(db, user_id, "SPEND", amount, reason, ref, ledger_id);
}

int bc_points_balance(bc_db *db, int64_t user_id, int64_t now_ms, int64_t *balance, int64_t *expiring_soon)
{
    *balance = *expiring_soon = 0;
    int rc = bc_db_int(db, balance, "SELECT balance FROM points_balances WHERE user_id = ?", "i", user_id);
    if (rc < 0)
        return BC_ERR;
    rc = bc_db_int(db, expiring_soon,
                   "SELECT COALESCE(SUM(remaining), 0) FROM points_ledger WHERE user_id = ? AND remaining > 0"
                   " AND expires_at <= ?",
                   "ii", user_id, now_ms + 30 * DAY_MS);
    return rc < 0 ? BC_ERR : BC_OK;
}

int bc_points_history(bc_db *db, int64_t user_id, int64_t from_ms, int64_t to_ms, int64_t page, int64_t per_page,
                      json_t **out)
{
    json_t *rows = NULL;
    int64_t total = 0;
    *out = NULL;
    if (to_ms <= 0)
        to_ms = INT64_MAX;
    if (bc_db_int(db, &total,
                  "SELECT COUNT(*) FROM points_ledger WHERE user_id = ? AND created_at >= ? AND created_at < ?", "iii",
                  user_id, from_ms, to_ms) < 0 ||
        bc_db_rows(db, &rows,
                   "SELECT id, kind, amount, reason, ref, balance_after, created_at, expires_at FROM points_ledger"
                   " WHERE user_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at DESC, id DESC"
                   " LIMIT ? OFFSET ?",
                   "iiiii", user_id, from_ms, to_ms, per_page, (page - 1) * per_page) < 0) {
        json_decref(rows);
        return BC_ERR;
    }
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        char d[11];
        bc_points_kst_date(json_integer_value(json_object_get(r, "created_at")), d);
        json_object_set_new(r, "kst_date", json_string(d));
    }
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", rows, "page", (json_int_t)page, "per_page", (json_int_t)per_page,
                     "total", (json_int_t)total);
    return *out ? BC_OK : BC_ERR;
}

/* ---- expiry ---- */

typedef struct expire_args {
    int64_t lot_id, user_id, now_ms;
    int expired; /* out */
} expire_args;

/* One lot's expiry: the balance row locked first (so the lot's remaining read next is the
 * newest), then the debit, the lot emptied and the EXPIRE row. */
static int expire_tx(bc_db *db, void *arg)
{
    expire_args *a = arg;
    json_t *lot = NULL;
    int64_t bal = 0, id = 0;
    a->expired = 0;
    int rc = bc_db_exec(db, "UPDATE points_balances SET updated_at = updated_at WHERE user_id = ?", "i", a->user_id);
    if (rc < 0)
        return rc;
    rc = bc_db_row(db, &lot, "SELECT remaining, expires_at, reason FROM points_ledger WHERE id = ?", "i", a->lot_id);
    if (rc <= 0)
        return rc;
    int64_t rem = json_integer_value(json_object_get(lot, "remaining"));
    int64_t exp = json_integer_value(json_object_get(lot, "expires_at"));
    json_decref(lot);
    if (rem <= 0 || exp > a->now_ms)
        return BC_OK; /* spent or expired meanwhile */
    rc = bc_db_int(db, &bal,
                   "UPDATE points_balances SET balance = balance - ?, updated_at = ?"
                   " WHERE user_id = ? AND balance >= ? RETURNING balance",
                   "iiii", rem, a->now_ms, a->user_id, rem);
    if (rc != 1) {
        bc_log_error("points", "user %lld: the balance is below lot %lld's %lld points", (long long)a->user_id,
                     (long long)a->lot_id, (long long)rem);
        return rc < 0 ? rc : BC_ERR;
    }
    if ((rc = bc_db_exec(db, "UPDATE points_ledger SET remaining = 0 WHERE id = ? AND remaining = ?", "ii", a->lot_id,
                         rem)) != 1)
        return rc < 0 ? rc : BC_ECONFLICT;
    char ref[40], idem[48];
    snprintf(ref, sizeof ref, "lot:%lld", (long long)a->lot_id);
    snprintf(idem, sizeof idem, "expire:%lld", (long long)a->lot_id);
    rc = bc_db_int(db, &id,
                   "INSERT INTO points_ledger (user_id, kind, amount, reason, ref, balance_after, created_at, idem_key)"
                   " VALUES (?, 'EXPIRE', ?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING RETURNING id",
                   "iittiit", a->user_id, -rem, "유효기간 만료 / expired", ref, bal, a->now_ms, idem);
    if (rc != 1)
        return rc < 0 ? rc : BC_ECONFLICT;
    a->expired = 1;
    return BC_OK;
}

int bc_points_expire_due(bc_db *db, int64_t now_ms)
{
    int done = 0;
    for (int batch = 0; batch < 5; batch++) {
        json_t *rows = NULL, *r;
        size_t i;
        int n = bc_db_rows(db, &rows,
                           "SELECT id, user_id FROM points_ledger WHERE remaining > 0 AND expires_at <= ?"
                           " ORDER BY expires_at, id LIMIT 200",
                           "i", now_ms);
        if (n < 0)
            return n;
        int moved = 0;
        json_array_foreach (rows, i, r) {
            expire_args a = {json_integer_value(json_object_get(r, "id")),
                             json_integer_value(json_object_get(r, "user_id")), now_ms, 0};
            int rc = bc_db_tx(db, expire_tx, &a);
            if (rc != BC_OK && rc != BC_ECONFLICT) {
                bc_log_warn("points", "expiring lot %lld failed (%d)", (long long)a.lot_id, rc);
                continue;
            }
            done += a.expired;
            moved++;
        }
        json_decref(rows);
        if (n < 200 || moved == 0)
            break;
    }
    return done;
}

/* ---- rates ---- */

int bc_points_rates_get(bc_db *db, bc_points_rates *out)
{
    json_t *r = NULL;
    *out = (bc_points_rates){.purchase_bp = 100, .review_text = 100, .review_photo = 300, .attendance = 10};
    int rc = bc_db_row(db, &r,
                       "SELECT purchase_bp, review_text, review_photo, attendance, updated_at FROM points_rates"
                       " WHERE id = 1",
                       "");
    if (rc < 0)
        return BC_ERR;
    if (rc == 1) {
        out->purchase_bp = json_integer_value(json_object_get(r, "purchase_bp"));
        out->review_text = json_integer_value(json_object_get(r, "review_text"));
        out->review_photo = json_integer_value(json_object_get(r, "review_photo"));
        out->attendance = json_integer_value(json_object_get(r, "attendance"));
        out->updated_at = json_integer_value(json_object_get(r, "updated_at"));
    }
    json_decref(r);
    return BC_OK;
}

int bc_points_rates_set(bc_db *db, const bc_points_rates *r, int64_t admin_id)
{
    if (r->purchase_bp < 0 || r->purchase_bp > 10000 || r->review_text < 0 || r->review_text > 100000 ||
        r->review_photo < 0 || r->review_photo > 100000 || r->attendance < 0 || r->attendance > 100000)
        return BC_EINVAL;
    int rc =
        bc_db_exec(db,
                   "INSERT INTO points_rates (id, purchase_bp, review_text, review_photo, attendance, updated_by,"
                   " updated_at) VALUES (1, ?, ?, ?, ?, NULLIF(?, 0), ?) ON CONFLICT (id) DO UPDATE SET"
                   " purchase_bp = excluded.purchase_bp, review_text = excluded.review_text,"
                   " review_photo = excluded.review_photo, attendance = excluded.attendance,"
                   " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                   "iiiiii", r->purchase_bp, r->review_text, r->review_photo, r->attendance, admin_id, bc_now_ms());
    return rc < 0 ? rc : BC_OK;
}

/* ---- attendance ---- */

typedef struct attend_args {
    int64_t user_id, now_ms;
    int64_t points, balance; /* out */
} attend_args;

static int attend_tx(bc_db *db, void *arg)
{
    attend_args *a = arg;
    bc_points_rates rates;
    char date[11], ref[40], idem[80];
    int64_t one = 0, soon = 0;
    a->points = a->balance = 0;
    bc_points_kst_date(a->now_ms, date);
    if (bc_points_rates_get(db, &rates) != BC_OK)
        return BC_ERR;
    int rc = bc_db_int(db, &one,
                       "INSERT INTO points_attendance (user_id, kst_date, points, created_at) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (user_id, kst_date) DO NOTHING RETURNING 1",
                       "itii", a->user_id, date, rates.attendance, a->now_ms);
    if (rc == 0)
        return BC_ECONFLICT; /* already checked in today */
    if (rc < 0)
        return rc;
    if (rates.attendance > 0) {
        snprintf(ref, sizeof ref, "attendance:%s", date);
        snprintf(idem, sizeof idem, "attendance:%lld:%s", (long long)a->user_id, date);
        change_args c = {.user_id = a->user_id,
                         .amount = rates.attendance,
                         .kind = "EARN",
                         .reason = "출석 체크 / daily check-in",
                         .ref = ref,
                         .idem_key = idem};
        if ((rc = credit_in_tx(db, &c)) != BC_OK)
            return rc;
        if ((rc = bc_db_exec(db, "UPDATE points_attendance SET ledger_id = ? WHERE user_id = ? AND kst_date = ?", "iit",
                             c.ledger_id, a->user_id, date)) < 0)
            return rc;
        a->points = rates.attendance;
        a->balance = c.balance;
        return BC_OK;
    }
    return bc_points_balance(db, a->user_id, a->now_ms, &a->balance, &soon);
}

int bc_points_attend(bc_db *db, int64_t user_id, int64_t now_ms, int64_t *points, int64_t *balance)
{
    attend_args a = {user_id, now_ms, 0, 0};
    int rc = bc_db_tx(db, attend_tx, &a);
    *points = rc == BC_OK ? a.points : 0;
    *balance = rc == BC_OK ? a.balance : 0;
    return rc;
}

int bc_points_attendance_days(bc_db *db, int64_t user_id, const char *from_date, const char *to_date, json_t **out)
{
    json_t *rows = NULL, *r;
    size_t i;
    *out = NULL;
    if (bc_db_rows(db, &rows,
                   "SELECT kst_date FROM points_attendance WHERE user_id = ? AND kst_date >= ? AND kst_date <= ?"
                   " ORDER BY kst_date",
                   "itt", user_id, from_date, to_date) < 0)
        return BC_ERR;
    *out = json_array();
    json_array_foreach (rows, i, r)
        json_array_append(*out, json_object_get(r, "kst_date"));
    json_decref(rows);
    return BC_OK;
}

/* ---- charges ---- */

static const char charge_cols[] =
    "SELECT id, charge_id, user_id, amount, status, payment_key, method, created_at, paid_at FROM points_charges"
    " WHERE charge_id = ?";

typedef struct charge_new_args {
    int64_t user_id, amount;
    char charge_id[32];
} charge_new_args;

static int charge_new_tx(bc_db *db, void *arg)
{
    charge_new_args *a = arg;
    int64_t now = bc_now_ms(), id = 0;
    bc_points_make_charge_id(a->charge_id, sizeof a->charge_id, now);
    int rc = bc_db_int(db, &id,
                       "INSERT INTO points_charges (charge_id, user_id, amount, status, created_at, updated_at)"
                       " VALUES (?, ?, ?, 'PENDING', ?, ?) RETURNING id",
                       "tiiii", a->charge_id, a->user_id, a->amount, now, now);
    if (rc == BC_ECONFLICT)
        return BC_EBUSY; /* a charge id collided: bc_db_tx runs it again with a new one */
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ERR;
}

int points_store_charge_create(bc_db *db, int64_t user_id, int64_t amount, json_t **out)
{
    charge_new_args a = {.user_id = user_id, .amount = amount};
    *out = NULL;
    int rc = bc_db_tx(db, charge_new_tx, &a);
    if (rc != BC_OK)
        return rc;
    return points_store_charge_get(db, a.charge_id, out);
}

int points_store_charge_get(bc_db *db, const char *charge_id, json_t **out)
{
    int rc = bc_db_row(db, out, charge_cols, "t", charge_id);
    return rc < 0 ? BC_ERR : rc == 0 ? BC_ENOTFOUND : BC_OK;
}

int points_store_charge_begin(bc_db *db, int64_t id, const char *payment_key, int64_t now_ms)
{
    int rc = bc_db_exec(db,
                        "UPDATE points_charges SET payment_key = ?, confirm_at = ?, updated_at = ?"
                        " WHERE id = ? AND status = 'PENDING'",
                        "tiii", payment_key, now_ms, now_ms, id);
    return rc < 0 ? rc : rc == 0 ? BC_ECONFLICT : BC_OK;
}

typedef struct charge_paid_args {
    int64_t id;
    const char *payment_key, *method;
    int64_t ledger_id; /* out */
} charge_paid_args;

static int charge_paid_tx(bc_db *db, void *arg)
{
    charge_paid_args *a = arg;
    json_t *c = NULL;
    int64_t now = bc_now_ms();
    char ref[48], idem[48];
    a->ledger_id = 0;
    int rc = bc_db_exec(db,
                        "UPDATE points_charges SET status = 'PAID', payment_key = ?, method = ?, paid_at = ?,"
                        " updated_at = ? WHERE id = ? AND status = 'PENDING'",
                        "ttiii", a->payment_key, a->method, now, now, a->id);
    if (rc <= 0)
        return rc < 0 ? rc : BC_ECONFLICT;
    if ((rc = bc_db_row(db, &c, "SELECT charge_id, user_id, amount FROM points_charges WHERE id = ?", "i", a->id)) != 1)
        return rc < 0 ? rc : BC_ERR;
    snprintf(ref, sizeof ref, "charge:%s", json_string_value(json_object_get(c, "charge_id")));
    snprintf(idem, sizeof idem, "charge:%lld", (long long)a->id);
    change_args ca = {.user_id = json_integer_value(json_object_get(c, "user_id")),
                      .amount = json_integer_value(json_object_get(c, "amount")),
                      .kind = "CHARGE",
                      .reason = "포인트 충전 / points charged",
                      .ref = ref,
                      .idem_key = idem};
    json_decref(c);
    if ((rc = credit_in_tx(db, &ca)) != BC_OK)
        return rc == BC_ECONFLICT ? BC_ERR : rc; /* PENDING yet credited: never */
    a->ledger_id = ca.ledger_id;
    rc = bc_db_exec(db, "UPDATE points_charges SET ledger_id = ? WHERE id = ?", "ii", ca.ledger_id, a->id);
    return rc < 0 ? rc : BC_OK;
}

int points_store_charge_paid(bc_db *db, int64_t id, const char *payment_key, const char *method, int64_t *ledger_id)
{
    charge_paid_args a = {id, payment_key, method, 0};
    int rc = bc_db_tx(db, charge_paid_tx, &a);
    if (ledger_id)
        *ledger_id = rc == BC_OK ? a.ledger_id : 0;
    return rc;
}

int points_store_charges_stale(bc_db *db, int64_t since_ms, int64_t before_ms, json_t **out)
{
    int rc = bc_db_rows(db, out,
                        "SELECT id, charge_id, payment_key FROM points_charges WHERE status = 'PENDING'"
                        " AND confirm_at IS NOT NULL AND confirm_at < ? AND created_at > ? ORDER BY id LIMIT 50",
                        "ii", before_ms, since_ms);
    return rc < 0 ? BC_ERR : BC_OK;
}

int points_store_charge_list(bc_db *db, int64_t user_id, json_t **out)
{
    int rc = bc_db_rows(db, out,
                        "SELECT id, charge_id, user_id, amount, status, payment_key, method, created_at, paid_at"
                        " FROM points_charges WHERE user_id = ? ORDER BY id DESC LIMIT 20",
                        "i", user_id);
    return rc < 0 ? BC_ERR : BC_OK;
}

int points_store_charge_unbegin(bc_db *db, int64_t id)
{
    int rc = bc_db_exec(db, "UPDATE points_charges SET confirm_at = NULL WHERE id = ? AND status = 'PENDING'", "i", id);
    return rc < 0 ? BC_ERR : BC_OK;
}
