/* Private to src/points: the store functions of charges shared by points_api.c and points_charge.c. */
#ifndef BC_POINTS_INT_H
#define BC_POINTS_INT_H

#include "points.h"

/* Creates a PENDING charge of amount points (= KRW) for user_id with a new charge id; *out is the
 * charge as points_charge_json shapes it (caller owns). BC_OK, BC_EBUSY or BC_ERR. */
int points_store_charge_create(bc_db *db, int64_t user_id, int64_t amount, json_t **out);
/* The charge with charge id charge_id as {id, charge_id, user_id, amount, status, payment_key,
 * method, created_at, paid_at} (caller owns *out). BC_OK, BC_ENOTFOUND or BC_ERR. */
int points_store_charge_get(bc_db *db, const char *charge_id, json_t **out);
/* Records that a confirm of the PENDING charge id with payment_key is about to call the gateway
 * (payment_key, confirm_at = now), so the sweeper can settle it if this process dies. BC_OK,
 * BC_ECONFLICT (no longer PENDING) or BC_ERR. */
int points_store_charge_begin(bc_db *db, int64_t id, const char *payment_key, int64_t now_ms);
/* In one transaction: PENDING -> PAID (payment_key, method, paid_at) by a conditional UPDATE and
 * the credit of its points (kind CHARGE, idem_key "charge:<id>"). BC_OK, BC_ECONFLICT (not PENDING:
 * nothing changed), BC_EBUSY or BC_ERR. */
int points_store_charge_paid(bc_db *db, int64_t id, const char *payment_key, const char *method, int64_t *ledger_id);
/* PENDING charges with a confirm started before before_ms and created after since_ms, oldest
 * first, at most 50: [{id, charge_id, payment_key}] (caller owns *out). BC_OK or BC_ERR. */
int points_store_charges_stale(bc_db *db, int64_t since_ms, int64_t before_ms, json_t **out);
/* user_id's 20 newest charges (caller owns *out). BC_OK or BC_ERR. */
int points_store_charge_list(bc_db *db, int64_t user_id, json_t **out);

/* Forgets the started confirm of the PENDING charge id (the gateway holds no approval for it), so
 * the sweeper stops asking. BC_OK or BC_ERR. */
int points_store_charge_unbegin(bc_db *db, int64_t id);

/* points_charge.c: the API shape of a charge row (adds order_id = charge_id and order_name for the
 * payment window; drops user_id). Steals row; returns a new reference or NULL. */
json_t *points_charge_json(json_t *row);
/* Handlers of POST /api/v1/me/points/charges/confirm and .../{charge}/prepare (points_charge.c). */
void points_h_charge_confirm(bc_req *req);
void points_h_charge_prepare(bc_req *req);
/* The sweeper's part: settles charges whose confirm started more than twice the gateway timeout
 * ago and never finished (the process died), by asking the gateway for their payment. */
void points_charge_settle_stale(bc_db *db, int64_t now_ms);

#endif
