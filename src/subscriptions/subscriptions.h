/* subscriptions: the operator's subscription plans (a price in KRW per period: a calendar month, a
 * week or period_days days) that a user subscribes to with a Toss billing key (자동결제), renewed
 * automatically on the server's timer.
 *
 * Exactly once per period: a period is charged only by whoever claims the subscription first (a
 * conditional UPDATE of its next_payment_at, status and cancel flag that also sets a claim token),
 * its payment row is unique per (subscription, period_start), its Toss orderId is fixed per period
 * ("<order_prefix>-<period no>") and each charge attempt carries the Idempotency-Key
 * "sub-<orderId>-<attempt>" (a retry after no answer reuses it; a new attempt after a decline gets
 * the next one). The outcome is written only by the claim's holder (conditional on the token).
 * So two instances, the CLI and a retried sweep never charge one period twice.
 *
 * Lifecycle: PENDING (first charge in flight) → ACTIVE; a declined first charge → ENDED. A declined
 * renewal → PAST_DUE (the user is notified; retried every BROADCART_SUBSCRIPTION_RETRY_S seconds);
 * a retry that succeeds → ACTIVE with the period advanced; after BROADCART_SUBSCRIPTION_MAX_RETRIES
 * declined retries → ENDED (notified). Cancel: an ACTIVE subscription stays ACTIVE until the end of
 * its period (cancel_at_period_end), then ENDED without a further charge (resume undoes it before
 * then); a PAST_DUE one is CANCELED at once. The billing key is stored sealed (bc_seal, AD
 * "subscriptions.billing_key:<order_prefix>").
 *
 * Files: subscriptions.c (pure rules, the renewal driver, the sweep and the CLI),
 * subscriptions_store.c (the only SQL), subscriptions_api.c (routes). Prefix bc_subscription_.
 * Amounts integer KRW, times UTC ms. */
#ifndef BC_SUBSCRIPTIONS_H
#define BC_SUBSCRIPTIONS_H

#include <stdio.h>

#include "../http/http.h"

#define BC_SUBSCRIPTION_MAX_PRICE 10000000LL /* KRW per period */
#define BC_SUBSCRIPTION_MAX_DAYS 366         /* longest period_days */

/* ---- pure rules (subscriptions.c) ---- */

/* 1 when (period, period_days) is a valid plan period: "MONTH" or "WEEK" with period_days 0, or
 * "DAYS" with period_days 1..BC_SUBSCRIPTION_MAX_DAYS; else 0. */
int bc_subscription_period_ok(const char *period, int64_t period_days);
/* The end (UTC ms) of period n (n >= 1) of a subscription started at anchor_ms: anchor + n periods.
 * MONTH adds n calendar months in Asia/Seoul (UTC+9) keeping the time of day, the day clamped to
 * the month's last day (Jan 31 → Feb 28/29 → Mar 31: always from the anchor, so no drift); WEEK
 * adds 7n days, DAYS n × period_days days. Period n starts at the end of period n - 1 (period 1 at
 * the anchor). BC_OK, or BC_EINVAL (bad period or n < 1). */
int bc_subscription_period_end(const char *period, int64_t period_days, int64_t anchor_ms, int64_t n, int64_t *out);
/* A new subscription's order prefix: "SB" + yyyymmdd (UTC date of now_ms) + "-" + 8 random
 * [A-Za-z0-9] (19 characters) into out (>= 20 bytes). */
void bc_subscription_make_prefix(char *out, size_t len, int64_t now_ms);
/* The Toss orderId of period n: "<prefix>-<n>" into out. BC_OK, or BC_EINVAL when it does not fit
 * (or is longer than Toss's 64 characters). */
int bc_subscription_order_id(const char *prefix, int64_t n, char *out, size_t len);

/* ---- renewal (subscriptions.c; blocking: gateway calls, so workers or the CLI only) ---- */

/* Charges or ends every subscription due at now_ms (status PENDING / ACTIVE / PAST_DUE and
 * next_payment_at <= now_ms), at most 200 per call: each is claimed first (another claimant's
 * subscription is skipped), then charged through bc_toss_billing_charge, then settled as described
 * at the top. report (may be NULL) gets one line per subscription looked at. Returns the number of
 * subscriptions claimed, or a store error. */
int bc_subscription_renew_due(bc_db *db, int64_t now_ms, FILE *report);
/* The sweeper's timer (app.c sweep(), lease holder only, on a worker): bc_subscription_renew_due
 * at most once a second, never two at once in this process. */
void bc_subscription_sweep(bc_db *db, int64_t now_ms);
/* `broadcart subscriptions renew-due`: opens the database (the gateway at BROADCART_TOSS_API_BASE,
 * or this host's sandbox on BROADCART_HTTP_PORT), renews what is due now and prints a line per
 * subscription and a count. Safe to run while servers run (the claims). Exit status 0, or 1 on
 * errors. */
int bc_subscription_renew_main(void);
/* Reseals every stored billing key under the current data key (broadcart rotate-data-key);
 * *count gets how many were resealed. BC_OK, BC_EINVAL (a value did not open: logged) or a store
 * error. */
int bc_subscription_reseal(bc_db *db, int64_t *count);

/* Plans (GET /api/v1/subscription-plans, admin CRUD under /api/v1/admin/subscription-plans),
 * billing auth, subscribe, my subscriptions, cancel and resume. */
extern const bc_route bc_subscription_routes[];

#endif
