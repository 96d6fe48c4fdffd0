/* Private to src/subscriptions: the store functions and the claim that subscriptions.c and
 * subscriptions_api.c share. No other module includes this. */
#ifndef BC_SUBSCRIPTIONS_INT_H
#define BC_SUBSCRIPTIONS_INT_H

#include "subscriptions.h"

enum sub_action {
    SUB_CHARGE = 1, /* charge payment order_id (attempt `attempts`) and settle */
    SUB_ENDED,      /* the subscription reached the end of a cancelled period: ENDED, nothing charged */
    SUB_ADVANCED,   /* the period was paid already (a settle was lost): advanced without a charge */
};

/* A claimed subscription period (filled by sub_store_claim / sub_store_create). */
typedef struct sub_claim {
    int action;
    int first; /* 1: the first period of a PENDING subscription */
    int64_t sub_id, user_id, payment_id, amount, period_no, period_start, period_end, attempts, retry_count;
    char token[33];
    char order_id[80], order_prefix[40];
    char customer_key[301];
    char plan_name[404];
    char *billing_key; /* sealed (malloc'd; sub_claim_free) */
} sub_claim;
void sub_claim_free(sub_claim *c);

/* The outcome of a charge attempt. */
enum sub_result { SUB_PAID = 1, SUB_DECLINED, SUB_UNKNOWN };
typedef struct sub_outcome {
    int result;
    const char *payment_key;    /* SUB_PAID */
    const char *code, *message; /* SUB_DECLINED: the gateway's error */
    int64_t now, retry_at;      /* retry_at: SUB_UNKNOWN, when to try again */
} sub_outcome;

/* Claim lifetime: longer than any gateway call (toss.c: at most about two timeouts). */
#define SUB_CLAIM_MS(now) ((now) + 4LL * bc_cfg.pg_timeout_ms + 10000)

/* Charges claim c (action SUB_CHARGE) with its billing key (clear_key, or NULL: opened from
 * c->billing_key) and settles it (sub_store_settle). code/msg get the gateway's error of a decline.
 * Blocking (a gateway call). Returns SUB_PAID, SUB_DECLINED, SUB_UNKNOWN, or a store error of the
 * settle (BC_ECONFLICT: the claim was lost; the holder of the new claim settles it). */
int sub_run_claim(bc_db *db, sub_claim *c, const char *clear_key, char *code, size_t codelen, char *msg, size_t msglen);

int sub_store_plan_list(bc_db *db, int active_only, json_t **out);
int sub_store_plan_get(bc_db *db, int64_t id, json_t **out); /* BC_OK, BC_ENOTFOUND, BC_ERR */
int sub_store_plan_create(bc_db *db, int64_t admin_id, const char *name, int64_t price, const char *period,
                          int64_t period_days, int active, int64_t *id);
/* Changes the given fields (NULL / -1 = keep). BC_OK, BC_ENOTFOUND, BC_EINVAL (the period with the
 * days is not valid) or a store error. */
int sub_store_plan_update(bc_db *db, int64_t id, const char *name, int64_t price, const char *period,
                          int64_t period_days, int active);
/* user_id's Toss customerKey ("ck_" + 32 random), created on first use. out >= 64 bytes. */
int sub_store_customer_key(bc_db *db, int64_t user_id, char *out, size_t len);
/* 1 when user_id has a PENDING / ACTIVE / PAST_DUE subscription to plan_id, 0 if not, or an error. */
int sub_store_live_exists(bc_db *db, int64_t user_id, int64_t plan_id);

/* A new subscription: the PENDING row (period 1 from now_ms) and its first payment row, claimed
 * (c->action SUB_CHARGE, c->first). billing_key is sealed under order_prefix's AD here. BC_OK,
 * BC_ECONFLICT (a live subscription to the plan exists), or a store error. */
int sub_store_create(bc_db *db, int64_t user_id, const json_t *plan, const char *customer_key, const char *billing_key,
                     const char *card_number, int64_t now_ms, sub_claim *c);
/* One subscription (without its billing key) as the API shows it, or a page of a user's: {id,
 * plan_id, plan_name, amount, period, period_days, status, current_period_start, current_period_end,
 * next_payment_at, cancel_at_period_end, canceled_at, ended_at, retry_count, last_failure_code,
 * last_failure_message, card_number, created_at, user_id}. BC_OK, BC_ENOTFOUND or BC_ERR. */
int sub_store_get(bc_db *db, int64_t id, json_t **out);
int sub_store_list_user(bc_db *db, int64_t user_id, json_t **out);
/* The payment rows of a subscription, newest period first. */
int sub_store_payments(bc_db *db, int64_t sub_id, json_t **out);
/* Ids of the subscriptions due at now_ms, oldest due first, at most limit. */
int sub_store_due(bc_db *db, int64_t now_ms, int limit, json_t **out);
/* Claims subscription id when it is due at now_ms: BC_OK with *c filled (any action), BC_ECONFLICT
 * when it is not due or another claimant got it, or a store error. */
int sub_store_claim(bc_db *db, int64_t id, int64_t now_ms, sub_claim *c);
/* Writes the outcome of claim c (only while c's token still holds the subscription): payment row,
 * subscription state and, for a renewal, the user's notice. BC_OK, BC_ECONFLICT (the claim was
 * lost), or a store error. */
int sub_store_settle(bc_db *db, const sub_claim *c, const sub_outcome *o);
/* Cancel (ACTIVE: at period end; PAST_DUE: at once, CANCELED) and resume (undo a pending cancel)
 * user_id's subscription id. BC_OK, BC_ENOTFOUND, BC_ECONFLICT (*why "state" not in a state that
 * allows it, "busy" a payment of it is in progress) or a store error. */
int sub_store_cancel(bc_db *db, int64_t user_id, int64_t id, int64_t now_ms, const char **why);
int sub_store_resume(bc_db *db, int64_t user_id, int64_t id, int64_t now_ms, const char **why);
/* Every subscription's (id, order_prefix, billing_key), for resealing; and the write of one. */
int sub_store_billing_keys(bc_db *db, json_t **out);
int sub_store_set_billing_key(bc_db *db, int64_t id, const char *sealed);

#endif
