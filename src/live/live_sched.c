/* Schedules and status (live.h "schedules, status timers ..."): the sweep's timer rules (MISSED,
 * stalled ingest, the grace after an interruption), the "notify me" subscriptions and their
 * notices, the calendar, stream key rotation and this instance's HLS segment watcher. Store code
 * for the live module's own tables (lives, live_subscriptions); notices go through the notices
 * module (bc_notice_add), room frames through the chat module. */
#include "live.h"

#include "../chat/chat.h"
#include "../notices/notices.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Sends {"type":"status","status","interrupted"} to the room of live id (every instance). */
static void status_frame(int64_t id, const char *status, int interrupted)
{
    json_t *d = json_pack("{s:s,s:b}", "status", status, "interrupted", interrupted);
    bc_chat_publish_event(id, "status", d);
    json_decref(d);
}

/* Keeps the first error of a sweep. */
static void keep_err(int *first, int rc)
{
    if (rc < 0 && *first == BC_OK)
        *first = rc;
}

/* SCHEDULED lives past max(scheduled_at, created_at) + grace become MISSED. Returns the count or an
 * error. */
static int sweep_missed(bc_db *db, int64_t now, int64_t grace_ms)
{
    json_t *rows = NULL;
    int n = 0, rc = bc_db_rows(db, &rows,
                               "SELECT id FROM lives WHERE status = 'SCHEDULED' AND scheduled_at < ? AND created_at < ?"
                               " ORDER BY scheduled_at LIMIT 100",
                               "ii", now - grace_ms, now - grace_ms);
    if (rc < 0)
        goto out;
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        int64_t id = json_integer_value(json_object_get(row, "id"));
        rc = bc_db_exec(db,
                        "UPDATE lives SET status = 'MISSED' WHERE id = ? AND status = 'SCHEDULED'"
                        " AND scheduled_at < ? AND created_at < ?",
                        "iii", id, now - grace_ms, now - grace_ms);
        if (rc < 0)
            goto out;
        if (rc == 1) {
            n++;
            bc_log_info("live", "live %lld missed its start (never published within the grace)", (long long)id);
            status_frame(id, "MISSED", 0);
        }
    }
    rc = n;
out:
    json_decref(rows);
    return rc;
}

/* LIVE lives with a publisher whose newest segment is older than the stall become interrupted. */
static int sweep_stalled(bc_db *db, int64_t now, int64_t stall_ms)
{
    json_t *rows = NULL;
    int n = 0, rc = bc_db_rows(db, &rows,
                               "SELECT id, publisher_client FROM lives WHERE status = 'LIVE'"
                               " AND publisher_client IS NOT NULL AND COALESCE(last_segment_at, started_at, 0) < ?"
                               " ORDER BY id LIMIT 100",
                               "i", now - stall_ms);
    if (rc < 0)
        goto out;
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        int64_t id = json_integer_value(json_object_get(row, "id"));
        rc = bc_db_exec(db,
                        "UPDATE lives SET publisher_client = NULL, interrupted_at = ? WHERE id = ? AND status = 'LIVE'"
                        " AND publisher_client = ? AND COALESCE(last_segment_at, started_at, 0) < ?",
                        "iiti", now, id, json_string_value(json_object_get(row, "publisher_client")), now - stall_ms);
        if (rc < 0)
            goto out;
        if (rc == 1) {
            n++;
            bc_log_info("live", "live %lld: no new HLS segment for %d s, the ingest counts as interrupted",
                        (long long)id, bc_cfg.live_stall_s);
            status_frame(id, "LIVE", 1);
        }
    }
    rc = n;
out:
    json_decref(rows);
    return rc;
}

/* Interrupted lives not republished within the grace become ENDED (unpinned). */
static int sweep_ended(bc_db *db, int64_t now, int64_t grace_ms)
{
    json_t *rows = NULL;
    int n = 0,
        rc = bc_db_rows(db, &rows,
                        "SELECT id, COALESCE(pinned_product_id, 0) AS pinned FROM lives WHERE status = 'LIVE'"
                        " AND publisher_client IS NULL AND COALESCE(interrupted_at, 0) < ? ORDER BY id LIMIT 100",
                        "i", now - grace_ms);
    if (rc < 0)
        goto out;
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        int64_t id = json_integer_value(json_object_get(row, "id"));
        rc = bc_db_exec(
            db,
            "UPDATE lives SET status = 'ENDED', ended_at = ?, pinned_product_id = NULL, interrupted_at = NULL"
            " WHERE id = ? AND status = 'LIVE' AND publisher_client IS NULL"
            " AND COALESCE(interrupted_at, 0) < ?",
            "iii", now, id, now - grace_ms);
        if (rc < 0)
            goto out;
        if (rc == 1) {
            n++;
            bc_log_info("live", "live %lld ended: not republished within %d s of the interruption", (long long)id,
                        bc_cfg.live_grace_s);
            if (json_integer_value(json_object_get(row, "pinned")) > 0) {
                json_t *d = json_pack("{s:n}", "product");
                bc_chat_publish_event(id, "pin", d);
                json_decref(d);
            }
            status_frame(id, "ENDED", 0);
        }
    }
    rc = n;
out:
    json_decref(rows);
    return rc;
}

typedef struct notice_args {
    int64_t now;
    int reminder; /* 1: "starts soon" to SCHEDULED lives' subscribers; 0: "live now" to LIVE ones */
    int written;  /* out */
} notice_args;

/* One batch of due notices of one kind, run by bc_db_tx (from scratch on each try): each
 * subscription is claimed by a conditional UPDATE, then its notice is written in the same
 * transaction, so a notice is written once even with two sweeps at once. */
static int notices_tx(bc_db *db, void *arg)
{
    notice_args *a = arg;
    json_t *rows = NULL;
    int rc;
    a->written = 0;
    if (a->reminder)
        rc = bc_db_rows(db, &rows,
                        "SELECT s.live_id, s.user_id, l.title, l.scheduled_at FROM lives l"
                        " JOIN live_subscriptions s ON s.live_id = l.id AND s.reminded_at IS NULL"
                        " WHERE l.status = 'SCHEDULED' AND l.scheduled_at <= ? ORDER BY l.scheduled_at, s.user_id"
                        " LIMIT 200",
                        "i", a->now + BC_LIVE_REMINDER_LEAD_MS);
    else
        rc =
            bc_db_rows(db, &rows,
                       "SELECT s.live_id, s.user_id, l.title, l.scheduled_at FROM lives l"
                       " JOIN live_subscriptions s ON s.live_id = l.id AND s.live_noticed_at IS NULL"
                       " WHERE l.status = 'LIVE' AND l.publisher_client IS NOT NULL ORDER BY l.id, s.user_id LIMIT 200",
                       "");
    if (rc < 0)
        goto out;
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        int64_t live_id = json_integer_value(json_object_get(row, "live_id"));
        int64_t user_id = json_integer_value(json_object_get(row, "user_id"));
        const char *title = json_string_value(json_object_get(row, "title"));
        if (a->reminder)
            rc = bc_db_exec(db,
                            "UPDATE live_subscriptions SET reminded_at = ? WHERE live_id = ? AND user_id = ?"
                            " AND reminded_at IS NULL",
                            "iii", a->now, live_id, user_id);
        else
            rc = bc_db_exec(db,
                            "UPDATE live_subscriptions SET live_noticed_at = ? WHERE live_id = ? AND user_id = ?"
                            " AND live_noticed_at IS NULL",
                            "iii", a->now, live_id, user_id);
        if (rc < 0)
            goto out;
        if (rc == 0)
            continue;
        char text[BC_NOTICE_TEXT_MAX];
        if (a->reminder) {
            int64_t mins = (json_integer_value(json_object_get(row, "scheduled_at")) - a->now + 59999) / 60000;
            if (mins > 0)
                snprintf(text, sizeof text, "'%.300s' starts in %lld min (live %lld)", title ? title : "",
                         (long long)mins, (long long)live_id);
            else
                snprintf(text, sizeof text, "'%.300s' starts now (live %lld)", title ? title : "", (long long)live_id);
        } else {
            snprintf(text, sizeof text, "'%.300s' is live now (live %lld)", title ? title : "", (long long)live_id);
        }
        rc = bc_notice_add(db, user_id, a->reminder ? "live.REMINDER" : "live.LIVE", 0, NULL, text);
        if (rc == BC_ENOTFOUND || rc == BC_EINVAL)
            continue; /* a user gone, or nothing to say: the claim stays, nothing is written */
        if (rc != BC_OK)
            goto out;
        a->written++;
    }
    rc = BC_OK;
out:
    json_decref(rows);
    return rc;
}

int bc_live_sweep(bc_db *db, int64_t now_ms, bc_live_sweep_result *out)
{
    bc_live_sweep_result r = {0};
    int64_t grace_ms = (int64_t)bc_cfg.live_grace_s * 1000, stall_ms = (int64_t)bc_cfg.live_stall_s * 1000;
    int first = BC_OK, rc;
    if ((rc = sweep_missed(db, now_ms, grace_ms)) >= 0)
        r.missed = rc;
    keep_err(&first, rc);
    if ((rc = sweep_stalled(db, now_ms, stall_ms)) >= 0)
        r.stalled = rc;
    keep_err(&first, rc);
    if ((rc = sweep_ended(db, now_ms, grace_ms)) >= 0)
        r.ended = rc;
    keep_err(&first, rc);
    notice_args na = {now_ms, 1, 0};
    if ((rc = bc_db_tx(db, notices_tx, &na)) == BC_OK)
        r.reminders = na.written;
    keep_err(&first, rc);
    na = (notice_args){now_ms, 0, 0};
    if ((rc = bc_db_tx(db, notices_tx, &na)) == BC_OK)
        r.went_live = na.written;
    keep_err(&first, rc);
    if (out)
        *out = r;
    return first;
}

int bc_live_watch_segments(bc_db *db, const char *hls_dir, int64_t now_ms)
{
    json_t *rows = NULL;
    int64_t step = (int64_t)bc_cfg.live_stall_s * 1000 / 3;
    if (step > 5000)
        step = 5000;
    int n = 0, rc = bc_db_rows(db, &rows,
                               "SELECT id, COALESCE(last_segment_at, 0) AS seen FROM lives"
                               " WHERE status = 'LIVE' AND publisher_client IS NOT NULL ORDER BY id LIMIT 100",
                               "");
    if (rc < 0)
        goto out;
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        int64_t id = json_integer_value(json_object_get(row, "id"));
        int64_t seen = json_integer_value(json_object_get(row, "seen"));
        char path[1200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%lld/index.m3u8", hls_dir, (long long)id);
        if (stat(path, &st) != 0)
            continue; /* not on this host (or no segment yet) */
        int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        if (mtime > now_ms)
            mtime = now_ms; /* a clock ahead of ours must not keep a stalled live alive */
        if (mtime < seen + step)
            continue;
        rc = bc_db_exec(db,
                        "UPDATE lives SET last_segment_at = ? WHERE id = ? AND status = 'LIVE'"
                        " AND COALESCE(last_segment_at, 0) < ?",
                        "iii", mtime, id, mtime);
        if (rc < 0)
            goto out;
        n += rc;
    }
    rc = n;
out:
    json_decref(rows);
    return rc;
}

static atomic_int watch_queued;

static void watch_job(bc_db *db, void *arg)
{
    (void)arg;
    char dir[sizeof bc_cfg.data_dir + 8];
    snprintf(dir, sizeof dir, "%s/hls", bc_cfg.data_dir);
    if (bc_live_watch_segments(db, dir, bc_now_ms()) < 0)
        bc_log_warn("live", "segment watcher: cannot read or update the LIVE lives");
    atomic_store(&watch_queued, 0);
}

static void *watch_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = {1, 0};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        if (atomic_exchange(&watch_queued, 1) == 0 && bc_http_defer(watch_job, NULL) != BC_OK)
            atomic_store(&watch_queued, 0); /* the queue is full: try again next second */
    }
    return NULL;
}

void bc_live_sched_start(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, watch_main, NULL) == 0)
        pthread_detach(t);
    else
        bc_log_error("live", "cannot start the HLS segment watcher");
}

typedef struct sub_args {
    int64_t live_id, user_id;
    int on;
    int64_t subscribers; /* out */
} sub_args;

/* The unit of work of bc_live_subscribe, run by bc_db_tx (from scratch on each try). */
static int subscribe_tx(bc_db *db, void *arg)
{
    sub_args *a = arg;
    int64_t seller = 0;
    char status[16];
    a->subscribers = 0;
    int rc = bc_live_state(db, a->live_id, &seller, status);
    if (rc != BC_OK)
        return rc;
    if (a->on) {
        int live = strcmp(status, "LIVE") == 0;
        if (!live && strcmp(status, "SCHEDULED") != 0)
            return BC_ECONFLICT;
        int64_t now = bc_now_ms();
        /* on a LIVE live the "live now" notice counts as given: the subscriber is watching */
        rc = bc_db_exec(db,
                        "INSERT INTO live_subscriptions (live_id, user_id, created_at, live_noticed_at)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        live ? "iiii" : "iiin", a->live_id, a->user_id, now, now);
    } else {
        rc = bc_db_exec(db, "DELETE FROM live_subscriptions WHERE live_id = ? AND user_id = ?", "ii", a->live_id,
                        a->user_id);
    }
    if (rc < 0)
        return rc;
    rc = bc_db_int(db, &a->subscribers, "SELECT COUNT(*) FROM live_subscriptions WHERE live_id = ?", "i", a->live_id);
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ERR;
}

int bc_live_subscribe(bc_db *db, int64_t live_id, int64_t user_id, int on, int64_t *subscribers)
{
    sub_args a = {live_id, user_id, on, 0};
    int rc = bc_db_tx(db, subscribe_tx, &a);
    if (rc == BC_OK && subscribers)
        *subscribers = a.subscribers;
    return rc;
}

int bc_live_calendar(bc_db *db, int64_t from_ms, int64_t to_ms, const bc_region *region, int64_t viewer_id,
                     json_t **out)
{
    const char *sido = region && region->sido ? region->sido : "", *sg = region && region->sido ? region->sigungu : "";
    json_t *rows = NULL, *items = json_array();
    *out = NULL;
    /* SCHEDULED: starting in the range; LIVE: started at or before the range's end and expected to
     * run into it (the start plus the expected length) */
#define CAL_WHERE                                                                                                      \
    "SELECT id, COALESCE(started_at, scheduled_at) AS at FROM lives"                                                   \
    " WHERE ((status = 'SCHEDULED' AND scheduled_at >= ? AND scheduled_at < ?)"                                        \
    " OR (status = 'LIVE' AND COALESCE(started_at, scheduled_at) < ?"                                                  \
    " AND COALESCE(started_at, scheduled_at) + duration_min * 60000 > ?))"
    int rc = bc_db_rows(db, &rows,
                        CAL_WHERE " AND (? = '' OR region_sido = ?) AND (? = '' OR region_sigungu = ?)"
                                  " ORDER BY at, id LIMIT 500",
                        "iiiitttt", from_ms, to_ms, to_ms, from_ms, sido, sido, sg, sg);
#undef CAL_WHERE
    if (rc < 0)
        goto out;
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        json_t *l = NULL;
        rc = bc_live_get_as(db, json_integer_value(json_object_get(row, "id")), 0, viewer_id, &l);
        if (rc == BC_ENOTFOUND)
            continue;
        if (rc != BC_OK)
            goto out;
        json_array_append_new(items, l);
    }
    *out = items;
    items = NULL;
    rc = BC_OK;
out:
    json_decref(rows);
    json_decref(items);
    return rc;
}

typedef struct rotate_args {
    int64_t live_id, seller_id;
    const char *key;
    int drop; /* out */
} rotate_args;

/* The unit of work of bc_live_rotate_key, run by bc_db_tx: the live's row is locked while its
 * status and publisher are read, then the key (and the interruption) written. */
static int rotate_tx(bc_db *db, void *arg)
{
    rotate_args *a = arg;
    json_t *l = NULL;
    a->drop = 0;
    int rc =
        bc_db_row(db, &l,
                  bc_db_dialect_sql(db, "SELECT seller_id, status, publisher_client FROM lives WHERE id = ?",
                                    "SELECT seller_id, status, publisher_client FROM lives WHERE id = ? FOR UPDATE"),
                  "i", a->live_id);
    if (rc != 1) {
        rc = rc == 0 ? BC_ENOTFOUND : rc;
        goto out;
    }
    if (json_integer_value(json_object_get(l, "seller_id")) != a->seller_id) {
        rc = BC_EFORBIDDEN;
        goto out;
    }
    const char *status = json_string_value(json_object_get(l, "status"));
    if (strcmp(status, "SCHEDULED") != 0 && strcmp(status, "LIVE") != 0) {
        rc = BC_ECONFLICT;
        goto out;
    }
    int publishing = strcmp(status, "LIVE") == 0 && json_is_string(json_object_get(l, "publisher_client"));
    if (publishing)
        rc = bc_db_exec(db, "UPDATE lives SET stream_key = ?, publisher_client = NULL, interrupted_at = ? WHERE id = ?",
                        "tii", a->key, bc_now_ms(), a->live_id);
    else
        rc = bc_db_exec(db, "UPDATE lives SET stream_key = ? WHERE id = ?", "ti", a->key, a->live_id);
    if (rc < 0)
        goto out;
    a->drop = publishing;
    rc = BC_OK;
out:
    json_decref(l);
    return rc;
}

int bc_live_rotate_key(bc_db *db, int64_t live_id, int64_t seller_id, int *drop)
{
    char key[BC_LIVE_KEY_LEN + 1];
    bc_rand_token(key, BC_LIVE_KEY_LEN);
    rotate_args a = {live_id, seller_id, key, 0};
    int rc = bc_db_tx(db, rotate_tx, &a);
    *drop = rc == BC_OK ? a.drop : 0;
    sodium_memzero(key, sizeof key);
    return rc;
}
