/* Store code of the followers' notifications (live.h "followers' notifications"): table
 * live_fanouts, read with lives and live_subscriptions; followers from accounts, notices through
 * the notices module, inside each batch's transaction. */
#include "live.h"

#include <string.h>

#include "../accounts/accounts.h"
#include "../notices/notices.h"

/* Rows for lives seen SCHEDULED / LIVE for the first time (the primary key keeps one per event). */
static const char discover_scheduled[] =
    "INSERT INTO live_fanouts (live_id, event, created_at) SELECT l.id, 'SCHEDULED', ? FROM lives l"
    " WHERE l.status = 'SCHEDULED' AND NOT EXISTS (SELECT 1 FROM live_fanouts f WHERE f.live_id = l.id"
    " AND f.event = 'SCHEDULED') ORDER BY l.id LIMIT 100 ON CONFLICT DO NOTHING";
static const char discover_live[] =
    "INSERT INTO live_fanouts (live_id, event, created_at) SELECT l.id, 'LIVE', ? FROM lives l"
    " WHERE l.status = 'LIVE' AND NOT EXISTS (SELECT 1 FROM live_fanouts f WHERE f.live_id = l.id"
    " AND f.event = 'LIVE') ORDER BY l.id LIMIT 100 ON CONFLICT DO NOTHING";

static const char lock_sqlite[] = "SELECT last_user_id, done_at FROM live_fanouts WHERE live_id = ? AND event = ?";
static const char lock_pg[] =
    "SELECT last_user_id, done_at FROM live_fanouts WHERE live_id = ? AND event = ? FOR UPDATE";

typedef struct batch_args {
    int64_t live_id, now;
    const char *event;
    int written; /* out */
    int done;    /* out: the fan-out is complete */
} batch_args;

/* One batch of one fan-out, from scratch on each try (bc_db_tx). */
static int batch_tx(bc_db *db, void *arg)
{
    batch_args *a = arg;
    json_t *row = NULL, *live = NULL, *names = NULL, *subs = NULL;
    int64_t ids[BC_LIVE_FANOUT_BATCH];
    int n = 0, live_event = strcmp(a->event, "LIVE") == 0;
    a->written = 0;
    a->done = 0;
    int rc = bc_db_row(db, &row, bc_db_dialect_sql(db, lock_sqlite, lock_pg), "it", a->live_id, a->event);
    if (rc <= 0 || !json_is_null(json_object_get(row, "done_at"))) {
        a->done = 1;
        rc = rc < 0 ? rc : BC_OK;
        goto out;
    }
    int64_t last = json_integer_value(json_object_get(row, "last_user_id"));
    if ((rc = bc_db_row(db, &live, "SELECT seller_id, title, scheduled_at FROM lives WHERE id = ?", "i", a->live_id)) <=
        0) {
        rc = rc < 0 ? rc : BC_OK; /* the live is gone: nothing to tell */
        n = 0;
        goto finish;
    }
    int64_t seller = json_integer_value(json_object_get(live, "seller_id"));
    if ((rc = bc_accounts_followers_after(db, seller, last, BC_LIVE_FANOUT_BATCH, ids, &n)) != BC_OK)
        goto out;
    if (n > 0 && live_event &&
        (rc = bc_db_rows(db, &subs,
                         "SELECT user_id FROM live_subscriptions WHERE live_id = ? AND user_id > ? AND user_id <= ?",
                         "iii", a->live_id, last, ids[n - 1])) < 0)
        goto out;
    if ((rc = bc_accounts_user_names(db, &seller, 1, &names)) != BC_OK)
        goto out;
    char key[24], when[40] = "", text[BC_NOTICE_TEXT_MAX];
    snprintf(key, sizeof key, "%lld", (long long)seller);
    const char *who = json_string_value(json_object_get(json_object_get(names, key), "name"));
    const char *title = json_string_value(json_object_get(live, "title"));
    if (live_event)
        snprintf(text, sizeof text, "%.60s 님이 라이브를 시작했습니다 / %.60s is live now: '%.200s' (live %lld)",
                 who ? who : "", who ? who : "", title ? title : "", (long long)a->live_id);
    else {
        bc_time_iso(json_integer_value(json_object_get(live, "scheduled_at")), when, sizeof when);
        snprintf(text, sizeof text,
                 "%.60s 님이 라이브를 예약했습니다 / %.60s scheduled a live: '%.200s' at %s (live %lld)",
                 who ? who : "", who ? who : "", title ? title : "", when, (long long)a->live_id);
    }
    for (int i = 0; i < n; i++) {
        int skip = 0;
        size_t k;
        json_t *s;
        json_array_foreach (subs, k, s)
            if (json_integer_value(json_object_get(s, "user_id")) == ids[i])
                skip = 1;
        if (skip)
            continue;
        rc = bc_notice_add(db, ids[i], live_event ? "live.FOLLOW_LIVE" : "live.FOLLOW_SCHEDULED", 0, NULL, text);
        if (rc == BC_ENOTFOUND || rc == BC_EINVAL)
            continue; /* an account gone meanwhile */
        if (rc != BC_OK)
            goto out;
        a->written++;
    }
finish:
    a->done = n < BC_LIVE_FANOUT_BATCH;
    rc = bc_db_exec(db,
                    "UPDATE live_fanouts SET last_user_id = ?, sent = sent + ?,"
                    " done_at = CASE WHEN ? = 1 THEN ? ELSE NULL END WHERE live_id = ?"
                    " AND event = ? AND last_user_id = ? AND done_at IS NULL",
                    "iiiiiti", n > 0 ? ids[n - 1] : last, (int64_t)a->written, (int64_t)a->done, a->now, a->live_id,
                    a->event, last);
    if (rc == 0)
        rc = BC_EBUSY; /* another sweep moved the cursor first: this batch must not count */
    rc = rc < 0 ? rc : BC_OK;
out:
    json_decref(row);
    json_decref(live);
    json_decref(names);
    json_decref(subs);
    return rc;
}

int bc_live_fanout_sweep(bc_db *db, int64_t now_ms, int *sent)
{
    json_t *open = NULL;
    int total = 0, first = BC_OK, rc;
    if ((rc = bc_db_exec(db, discover_scheduled, "i", now_ms)) < 0 && first == BC_OK)
        first = rc;
    if ((rc = bc_db_exec(db, discover_live, "i", now_ms)) < 0 && first == BC_OK)
        first = rc;
    rc = bc_db_rows(
        db, &open, "SELECT live_id, event FROM live_fanouts WHERE done_at IS NULL ORDER BY created_at, live_id LIMIT ?",
        "i", (int64_t)BC_LIVE_FANOUT_PER_SWEEP);
    if (rc < 0) {
        if (first == BC_OK)
            first = rc;
        goto out;
    }
    int batches = 0;
    size_t i;
    json_t *f;
    json_array_foreach (open, i, f) {
        batch_args a = {json_integer_value(json_object_get(f, "live_id")), now_ms,
                        json_string_value(json_object_get(f, "event")), 0, 0};
        while (batches < BC_LIVE_FANOUT_PER_SWEEP) {
            batches++;
            rc = bc_db_tx(db, batch_tx, &a);
            if (rc != BC_OK) {
                if (first == BC_OK && rc != BC_EBUSY)
                    first = rc;
                break;
            }
            total += a.written;
            if (a.done)
                break;
        }
    }
out:
    json_decref(open);
    if (sent)
        *sent = total;
    return first;
}
