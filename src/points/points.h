/* points: a points ledger per user (1 point = 1 KRW). Every change is one conditional UPDATE of
 * the user's balance row (points_balances: never below 0, so correct at READ COMMITTED on
 * PostgreSQL) plus one ledger row (points_ledger: kind, signed amount, reason, reference,
 * balance_after), in the store's retrying transaction (bc_db_tx; inside another module's open
 * transaction the call joins it). Credits (EARN, CHARGE, REFUND, a positive ADJUST) are lots: they
 * expire BROADCART_POINTS_TTL_DAYS after they were credited, and debits (SPEND, a negative ADJUST,
 * EXPIRE) use the lots that expire first (FIFO), so balance = the sum of the lots' remaining
 * points at all times. Also: the admin's rates (points_rates), daily attendance in Asia/Seoul days
 * and charging points through the payment gateway (points_charges).
 *
 * Files: points.c (pure rules: dates, kinds, the sweep and CLI), points_store.c (the only SQL),
 * points_api.c (routes), points_charge.c (the gateway flow of a charge). Prefix bc_points_.
 * Amounts are integer points, times UTC ms. */
#ifndef BC_POINTS_H
#define BC_POINTS_H

#include <stdio.h>

#include "../http/http.h"

/* Largest amount of one ledger change and of a balance, points (1e9). */
#define BC_POINTS_MAX 1000000000LL

/* ---- pure rules (points.c) ---- */

/* The Asia/Seoul (UTC+9, no daylight saving) calendar date of utc_ms as "YYYY-MM-DD" into out. */
void bc_points_kst_date(int64_t utc_ms, char out[11]);
/* The UTC ms at which the Asia/Seoul day "YYYY-MM-DD" starts, into *out. BC_OK or BC_EINVAL. */
int bc_points_kst_day_start(const char *date, int64_t *out);
/* 1 when kind is one of EARN, SPEND, EXPIRE, CHARGE, ADJUST, REFUND; else 0 (also NULL). */
int bc_points_kind_valid(const char *kind);
/* 1 when a ledger row of kind with amount is well-signed: EARN, CHARGE, REFUND > 0; SPEND, EXPIRE
 * < 0; ADJUST != 0; each within +-BC_POINTS_MAX. Else 0. */
int bc_points_amount_ok(const char *kind, int64_t amount);
/* The points earned for paid KRW at rate_bp basis points (100 = 1 %), rounded down; 0 for
 * paid <= 0 or rate_bp <= 0. */
int64_t bc_points_for_paid(int64_t paid, int64_t rate_bp);
/* The charge id of a new charge: "PT" + yyyymmdd (UTC date of now_ms) + "-" + 10 random
 * [A-Za-z0-9] (21 chars; never an order's "BC..." id) into out (>= 22 bytes). */
void bc_points_make_charge_id(char *out, size_t len, int64_t now_ms);
/* 1 when s looks like a charge id ("PT" followed by 4..62 of [A-Za-z0-9_-]), else 0. */
int bc_points_is_charge_id(const char *s);

/* ---- the ledger (points_store.c) ---- */

/* Credits amount (1..BC_POINTS_MAX) points to user_id: a lot expiring now + BC_POINTS_TTL_DAYS,
 * kind "EARN", "CHARGE", "REFUND" or "ADJUST"; reason 1..200 chars of text, ref (may be NULL) what
 * it is for ("order:BC2025...", "review:12", "charge:PT..."). idem_key (may be NULL) makes it happen
 * once: a second credit with the same key changes nothing and returns BC_ECONFLICT (the open
 * transaction stays usable). Runs in bc_db_tx (joins an open transaction). *ledger_id (may be
 * NULL) gets the new row's id. Returns BC_OK, BC_ECONFLICT (duplicate idem_key), BC_EINVAL (kind,
 * amount or reason), BC_ENOTFOUND (no such user is left to the caller: a foreign key error, BC_ERR
 * on PostgreSQL), BC_EBUSY or BC_ERR. */
int bc_points_credit(bc_db *db, int64_t user_id, const char *kind, int64_t amount, const char *reason, const char *ref,
                     const char *idem_key, int64_t *ledger_id);
/* bc_points_credit with kind "EARN": what other modules call (reviews, purchase confirmation). */
int bc_points_earn(bc_db *db, int64_t user_id, int64_t amount, const char *reason, const char *ref,
                   const char *idem_key, int64_t *ledger_id);
/* Debits amount (1..BC_POINTS_MAX) points of user_id, kind "SPEND" or "ADJUST" (stored negative),
 * from the lots expiring first: one conditional UPDATE (balance >= amount) and one ledger row, in
 * bc_db_tx (joins an open transaction, e.g. an order's). *ledger_id (may be NULL) gets the row id.
 * Returns BC_OK, BC_ECONFLICT (the balance is smaller: nothing changed), BC_EINVAL, BC_EBUSY or
 * BC_ERR. */
int bc_points_debit(bc_db *db, int64_t user_id, const char *kind, int64_t amount, const char *reason, const char *ref,
                    int64_t *ledger_id);
/* bc_points_debit with kind "SPEND". */
int bc_points_spend(bc_db *db, int64_t user_id, int64_t amount, const char *reason, const char *ref,
                    int64_t *ledger_id);
/* user_id's balance and the points of it that expire within 30 days of now_ms. BC_OK or BC_ERR
 * (0 and 0 for a user who never had points). */
int bc_points_balance(bc_db *db, int64_t user_id, int64_t now_ms, int64_t *balance, int64_t *expiring_soon);
/* One page (page >= 1, per_page 1..500) of user_id's ledger rows created in [from_ms, to_ms)
 * (UTC ms; 0 = unbounded), newest first: {items:[{id, kind, amount, reason, ref, balance_after,
 * created_at, expires_at, kst_date}], page, per_page, total}. *out owned by the caller. BC_OK or
 * BC_ERR. */
int bc_points_history(bc_db *db, int64_t user_id, int64_t from_ms, int64_t to_ms, int64_t page, int64_t per_page,
                      json_t **out);
/* Expires the remaining points of every lot whose expires_at <= now_ms: per lot one transaction
 * (the balance row locked first, the lot's remaining re-read, then an EXPIRE row with idem_key
 * "expire:<lot id>", so a lot expires once even when two instances or the CLI run at once); at
 * most 1000 lots per call. Returns the number of lots expired, or an error. */
int bc_points_expire_due(bc_db *db, int64_t now_ms);
/* `broadcart points expire`: opens the database, expires what is due now and prints the count.
 * Exit status 0, or 1 on errors. */
int bc_points_expire_main(void);
/* The sweeper's timer (app.c sweep(), lease holder only, on a worker): at most once every 10
 * seconds, expires due lots and settles charges whose confirm was cut off (points_charge.c). */
void bc_points_sweep(bc_db *db, int64_t now_ms);

/* ---- rates (points_store.c) ---- */

/* The admin's rates: purchase earn rate in basis points of the paid KRW (100 = 1 %), the points
 * of a text review, of a photo review, and of a daily attendance check. */
typedef struct bc_points_rates {
    int64_t purchase_bp;  /* 0..10000, default 100 */
    int64_t review_text;  /* 0..100000, default 100 */
    int64_t review_photo; /* 0..100000, default 300 */
    int64_t attendance;   /* 0..100000, default 10 */
    int64_t updated_at;   /* UTC ms; 0 while the defaults apply */
} bc_points_rates;
/* The current rates (the defaults until an admin set them). BC_OK or BC_ERR. */
int bc_points_rates_get(bc_db *db, bc_points_rates *out);
/* Replaces the rates (an upsert of the one row); admin_id records who. BC_OK, BC_EINVAL (out of
 * range), BC_EBUSY or BC_ERR. */
int bc_points_rates_set(bc_db *db, const bc_points_rates *r, int64_t admin_id);

/* ---- attendance (points_store.c) ---- */

/* user_id's attendance check for the Asia/Seoul day of now_ms, in one transaction: a row of
 * points_attendance (primary key (user_id, kst_date): exactly once per day under any concurrency)
 * and, when the attendance rate is > 0, an EARN of that many points (ref "attendance:<date>").
 * *points gets the points earned, *balance the balance after. Returns BC_OK, BC_ECONFLICT
 * (already checked in that day), BC_EBUSY or BC_ERR. */
int bc_points_attend(bc_db *db, int64_t user_id, int64_t now_ms, int64_t *points, int64_t *balance);
/* user_id's attendance dates ("YYYY-MM-DD", Asia/Seoul) from from_date to to_date inclusive, as an
 * array of strings (caller owns *out). BC_OK or BC_ERR. */
int bc_points_attendance_days(bc_db *db, int64_t user_id, const char *from_date, const char *to_date, json_t **out);

/* ---- charges (points_charge.c; their SQL in points_store.c) ---- */

/* Converges a charge to a Payment object fetched from the gateway (Toss-shaped, never a webhook
 * body): when payment's orderId is a charge id and it is DONE with totalAmount == the charge
 * amount, the charge becomes PAID and its points are credited (kind CHARGE, idem_key
 * "charge:<id>": exactly once however often confirm, a webhook or the sweeper see it); approved
 * money for a charge already paid with another paymentKey is cancelled at the gateway. what gets
 * one line. The payments module calls it (bc_payments_on_foreign_payment) for an orderId that is
 * no order. Returns a bc_pay_fix (payments.h), BC_ENOTFOUND when orderId is no charge, or a
 * negative BC_E* error. Blocking (it may call the gateway): workers only. */
int bc_points_charge_converge(bc_db *db, json_t *payment, char *what, size_t whatlen);

extern const bc_route bc_points_routes[];

#endif
