/* live: lives (scheduled broadcasts with products), stream keys, RTMP ingest through an
 * nginx-rtmp child process (config written by rtmp.c), on_publish callbacks, pinning, schedules.
 * Prefixes: bc_live_, bc_rtmp_.
 *
 * Files: live.c (store code, no HTTP), live_api.c (routes, RTMP callbacks, room broadcasts),
 * live_sched.c (the schedule timers, the HLS segment watcher, "notify me", the calendar, stream
 * key rotation), rtmp.c (nginx-rtmp config, child process, control endpoint), live_push.c (the
 * "N left" stock frames).
 *
 * Life cycle of a live (status column; every change is a {"type":"status"} frame to the room):
 *   SCHEDULED --on_publish (right key)--> LIVE --seller's end / grace over--> ENDED
 *   SCHEDULED --not published by max(scheduled_at, created_at) + BROADCART_LIVE_GRACE--> MISSED
 * While LIVE, the ingest may stop: on_publish_done of the recorded publisher, a key rotation
 * dropping it, or no new HLS segment for BROADCART_LIVE_STALL seconds. The live then stays LIVE,
 * "interrupted": publisher_client NULL, interrupted_at = when (the status frame and the live JSON
 * carry it). A publish with the live's (current) key within BROADCART_LIVE_GRACE of interrupted_at
 * continues the same live (same id, same started_at, same HLS path, so the same replay); when
 * the grace passes without one, the sweep ends it (ENDED, ended_at = now).
 * ENDED and MISSED are final: a later publish with the key is refused (403), so a stream key
 * cannot be reused once the live is over. */
#ifndef BC_LIVE_H
#define BC_LIVE_H

#include "../http/http.h"
#include "../regions/regions.h"

/* Length of a stream key: random [A-Za-z0-9] from libsodium's CSPRNG (~190 bits). */
#define BC_LIVE_KEY_LEN 32
/* Most products one live may carry (creation takes 1..20; pinning may add more up to this). */
#define BC_LIVE_MAX_PRODUCTS 50

/* ---- store (live.c); every function takes the caller's connection, never blocks on HTTP ---- */

/* Loads one visible product (not deleted, not HIDDEN) in the CONTRACT product shape (through
 * bc_catalog_product_json): {id, seller_id, seller_name, category_id, category_name, name,
 * description, price, stock, status, image_url, images[], created_at, updated_at}.
 * *out is owned by the caller. BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_live_product_json(bc_db *db, int64_t product_id, json_t **out);

/* Creates a SCHEDULED live for seller_id with a fresh stream key and the products (in the given
 * order; duplicates are ignored). scheduled_at is UTC ms. Every product must exist, not be
 * deleted and belong to the seller. Returns BC_OK (*out_id set), BC_ENOTFOUND (a product does
 * not exist), BC_EFORBIDDEN (a product belongs to another seller) or BC_ERR. One transaction. */
int bc_live_create(bc_db *db, int64_t seller_id, const char *title, int64_t scheduled_at, const int64_t *product_ids,
                   size_t nproducts, int64_t *out_id);

/* Expected length of a live when none is given, in minutes (and the bounds of duration_min). */
#define BC_LIVE_DURATION_DEFAULT 60
#define BC_LIVE_DURATION_MAX 1440
/* Most sale posts (posts.h) a live may be scheduled with. */
#define BC_LIVE_SALE_POSTS_MAX 10
/* The schedule of a new live: start (UTC ms), expected length (minutes, 1..BC_LIVE_DURATION_MAX),
 * cover image (the /media/uploads/... path of an upload, checked by the caller; NULL = none),
 * region (regions.h: region.sido NULL = none) and the sale posts it is scheduled with
 * (sale_post_ids[0..nsale_posts), at most BC_LIVE_SALE_POSTS_MAX, duplicates ignored: each must be
 * the seller's and not CLOSED; their products, in post order, come before the products given
 * directly). Strings and arrays are borrowed. */
typedef struct bc_live_schedule {
    int64_t scheduled_at;
    int duration_min;
    const char *cover_url;
    bc_region region;
    const int64_t *sale_post_ids;
    size_t nsale_posts;
} bc_live_schedule;
/* bc_live_create with a whole schedule. The live's products are the posts' products followed by
 * product_ids (duplicates once), at least 1 and at most BC_LIVE_MAX_PRODUCTS. Returns as
 * bc_live_create, plus BC_EINVAL (no product at all, or more than BC_LIVE_MAX_PRODUCTS) and
 * BC_ECONFLICT (a sale post does not exist, is another seller's or is CLOSED).
 * bc_live_create is this with BC_LIVE_DURATION_DEFAULT minutes and nothing else. */
int bc_live_create_scheduled(bc_db *db, int64_t seller_id, const char *title, const bc_live_schedule *s,
                             const int64_t *product_ids, size_t nproducts, int64_t *out_id);

/* Loads one live in the CONTRACT live shape (viewer_count from the WebSocket hub), including
 * duration_min, cover_url, region (regions.h JSON: {sido, sigungu} or null), sale_posts (the
 * bc_post_brief of each post it was scheduled with, in order), interrupted_at (UTC ms or null),
 * subscribers (count of "notify me" subscriptions) and subscribed (whether viewer_id, 0 =
 * anonymous, has one). With
 * with_secret, also stream_key, rtmp_url, obs_stream_key and publish_url. *out owned by the
 * caller. BC_OK, BC_ENOTFOUND or BC_ERR. bc_live_get is bc_live_get_as for viewer 0. */
int bc_live_get(bc_db *db, int64_t id, int with_secret, json_t **out);
int bc_live_get_as(bc_db *db, int64_t id, int with_secret, int64_t viewer_id, json_t **out);

/* The seller of live id into *seller_id. BC_OK, BC_ENOTFOUND or BC_ERR. */
int bc_live_seller(bc_db *db, int64_t id, int64_t *seller_id);
/* The seller and status ("SCHEDULED", "LIVE", "ENDED" or "MISSED", into status, 16 bytes) of live id, for
 * other modules (the chat room). BC_OK, BC_ENOTFOUND or BC_ERR/BC_EBUSY. */
int bc_live_state(bc_db *db, int64_t id, int64_t *seller_id, char status[16]);
/* For the demo seeding: the first (lowest id) SCHEDULED live of seller_id in *id and its stream key
 * (key, BC_LIVE_KEY_LEN + 1 bytes). BC_OK, BC_ENOTFOUND (none) or BC_ERR/BC_EBUSY. */
int bc_live_first_scheduled(bc_db *db, int64_t seller_id, int64_t *id, char key[BC_LIVE_KEY_LEN + 1]);

/* Lists lives as a new JSON array (*out, caller owns).
 * seller_id > 0: that seller's lives, newest first, with secrets (the caller is that seller).
 * Otherwise status ("LIVE"|"SCHEDULED"|"ENDED"|"MISSED") filters; NULL means LIVE (newest start
 * first), then SCHEDULED (soonest first), then the 20 most recently ENDED. At most 100 per status.
 * viewer_id (0 = anonymous) is the caller, for "subscribed". Returns BC_OK, BC_EINVAL (unknown
 * status) or BC_ERR. */
int bc_live_list(bc_db *db, const char *status, int64_t seller_id, int64_t viewer_id, json_t **out);
/* The public list of bc_live_list (status NULL or one status, the same order and bounds, no
 * secrets) narrowed to one seller (seller_id > 0) and/or one region (region.sido; with a
 * sigungu, that 시/군/구 only). BC_OK, BC_EINVAL (unknown status) or BC_ERR. */
int bc_live_list_public(bc_db *db, const char *status, int64_t seller_id, const bc_region *region, int64_t viewer_id,
                        json_t **out);

/* For sale posts (posts.h): the number of lives scheduled with post_id into *n. BC_OK, BC_EBUSY
 * or BC_ERR. */
int bc_live_sale_post_uses(bc_db *db, int64_t post_id, int64_t *n);
/* The lives scheduled with post_id, newest first (at most 100), as a new array *out (caller
 * owns) of {id, title, status, scheduled_at, started_at, ended_at} (UTC ms or null). BC_OK,
 * BC_EBUSY or BC_ERR. */
int bc_live_sale_post_lives(bc_db *db, int64_t post_id, json_t **out);

/* Pins product_id (0 = unpin) on live_id as seller_id. The product must be one of the live's
 * products, or a product of the seller (then it is appended to the live's products).
 * *product (may be NULL) gets the pinned product JSON or NULL (caller owns).
 * Returns BC_OK, BC_ENOTFOUND (no such live), BC_EFORBIDDEN (not the live's seller),
 * BC_EINVAL (product unknown/deleted/another seller's), BC_ECONFLICT (live ENDED or MISSED), BC_ERR. */
int bc_live_pin(bc_db *db, int64_t live_id, int64_t seller_id, int64_t product_id, json_t **product);

/* Ends live_id as seller_id: status ENDED, ended_at now, unpinned, no publisher. *changed = 1
 * when it was SCHEDULED or LIVE (idempotent: an ENDED or MISSED live stays as it is). BC_OK,
 * BC_ENOTFOUND, BC_EFORBIDDEN or BC_ERR. */
int bc_live_end(bc_db *db, int64_t live_id, int64_t seller_id, int *changed);

/* nginx-rtmp on_publish: accepts when the live exists, key equals its stream key (compared in
 * constant time, sodium_memcmp) and the live is SCHEDULED within its deadline (max(scheduled_at,
 * created_at) + BROADCART_LIVE_GRACE), or LIVE with no publisher recorded and, when interrupted,
 * within BROADCART_LIVE_GRACE of interrupted_at (a republish: the same live continues). Then
 * status LIVE, started_at (first start only), publisher_client = clientid, interrupted_at NULL,
 * last_segment_at = now (the stall rule's clock starts). *resumed (may be NULL) = 1 for a
 * republish. BC_OK, BC_EFORBIDDEN (refuse the publisher) or BC_ERR. */
int bc_live_on_publish(bc_db *db, int64_t id, const char *key, const char *clientid, int *resumed);

/* nginx-rtmp on_publish_done: when the live is LIVE and clientid is the recorded publisher (a
 * refused duplicate publisher also triggers publish_done, with its own clientid), the live becomes
 * interrupted (publisher_client NULL, interrupted_at now; see the life cycle above): it ends only
 * when the grace passes without a republish. BC_OK (interrupted), BC_ECONFLICT (not the
 * publisher / not live: nothing changed) or BC_ERR. */
int bc_live_on_publish_done(bc_db *db, int64_t id, const char *clientid);

/* nginx-rtmp on_update (update_publish, every notify_update_timeout): BC_EFORBIDDEN when the
 * live is no longer LIVE or clientid is not its publisher (nginx then drops the stream: an ended
 * live, a rotated key, a stalled ingest), BC_OK otherwise (also on database errors: a hiccup must
 * not cut a stream). */
int bc_live_on_update(bc_db *db, int64_t id, const char *clientid);

/* The highest live id (0 when none) into *out. BC_OK or BC_ERR. */
int bc_live_max_id(bc_db *db, int64_t *out);

/* The seller's live-only terms for one product of one live. */
typedef struct bc_live_offer {
    int64_t live_price; /* KRW for orders carrying this live_id; 0 = the catalog price */
    int64_t stock_cap;  /* most units sold through this live; 0 = no cap beyond the stock */
    int replay;         /* 1: the terms also apply during the replay (live ENDED) */
    int active;         /* 1: the terms apply now (live LIVE, or ENDED with replay) */
} bc_live_offer;
/* Reads the offer of product_id in live_id into *out (zeroed when the seller set none; active
 * is still set from the live's status then, and zero terms change nothing). Whether the live
 * carries the product at all (one of its live_products, created with the live or added by
 * pinning) is checked in any status, ENDED included: replays sell too. One statement, inside
 * the caller's transaction when one is open (checkout reads it there).
 * Returns BC_OK (the live carries the product), BC_ENOTFOUND (no such live), BC_ECONFLICT (the
 * live does not carry the product), BC_EBUSY (retry the caller's unit of work) or BC_ERR. */
int bc_live_offer_get(bc_db *db, int64_t live_id, int64_t product_id, bc_live_offer *out);
/* Replaces the offer of product_id in live_id as seller_id with offer's live_price (KRW, 0 =
 * none), stock_cap (units, 0 = none) and replay; any live status (a replay's terms may be set
 * after the end). On BC_OK offer->active is set. One transaction.
 * Returns BC_OK, BC_ENOTFOUND (no such live), BC_EFORBIDDEN (not the live's seller),
 * BC_ECONFLICT (the live does not carry the product: nothing changed) or BC_ERR. */
int bc_live_offer_set(bc_db *db, int64_t live_id, int64_t seller_id, int64_t product_id, bc_live_offer *offer);
/* The viewer-facing JSON of an offer, {live_price, stock_cap, replay, active} with 0 terms as
 * null, or JSON null when the seller set nothing (new reference, caller owns). This is the
 * "live_offer" member of every product in the live JSON (products[], pinned_product) and of the
 * pin frame's product. */
json_t *bc_live_offer_json(const bc_live_offer *o);
/* The lives carrying product_id (any status), newest first, at most max, into ids[0..*n).
 * BC_OK, BC_EBUSY or BC_ERR. */
int bc_live_carrying(bc_db *db, int64_t product_id, int64_t *ids, int max, int *n);
/* The products of live_id (its live_products, in position order), at most max, into
 * ids[0..*n). BC_OK, BC_EBUSY or BC_ERR. */
int bc_live_product_ids(bc_db *db, int64_t live_id, int64_t *ids, int max, int *n);

/* ---- "N left" push (live_push.c) ----
 * Sends {"type":"stock","product_id","stock","status"} (chat.h) to this instance's viewers of
 * every live carrying a product whose stock or status changed, at most one frame per product per
 * BC_LIVE_PUSH_INTERVAL_MS (the first change at once, later ones coalesced: the last frame
 * carries the latest values; an unchanged (stock, status) is not sent again). Each instance
 * learns changes from the store's change feed (bc_db_on_change_add; other instances' commits
 * through it too: PostgreSQL's listener, SQLite's data_version checked every interval while
 * this instance has viewers) and reads the product on a worker (bc_http_defer), never on a loop.
 * Bounded: BC_LIVE_PUSH_MAX products tracked (beyond: the products of the rooms with viewers
 * here are re-read), lives per product BC_LIVE_PUSH_LIVES, rooms BC_LIVE_PUSH_ROOMS. */
#define BC_LIVE_PUSH_INTERVAL_MS 250
#define BC_LIVE_PUSH_MAX 4096
#define BC_LIVE_PUSH_LIVES 64
#define BC_LIVE_PUSH_ROOMS 256
/* Subscribes to the change feed and starts the push's ticker thread. Once, before serving. */
void bc_live_push_init(void);

/* ---- schedules, status timers, "notify me", calendar, key rotation (live_sched.c) ---- */

/* How long before scheduled_at a subscriber's reminder notice is written, in ms (10 minutes). */
#define BC_LIVE_REMINDER_LEAD_MS (10 * 60 * 1000)
/* Most notices of each kind (reminder, went live) the sweep writes per call. */
#define BC_LIVE_NOTICE_BATCH 200
/* Most lives each timer rule changes per call, and the segment watcher looks at. */
#define BC_LIVE_SWEEP_BATCH 100
/* Longest calendar range (GET /api/v1/lives/calendar), in ms (31 days). */
#define BC_LIVE_CALENDAR_MAX_MS ((int64_t)31 * 24 * 3600 * 1000)

/* What one bc_live_sweep call changed. */
typedef struct bc_live_sweep_result {
    int missed;    /* SCHEDULED -> MISSED */
    int stalled;   /* LIVE with a publisher but no new segment -> interrupted */
    int ended;     /* interrupted past the grace -> ENDED */
    int reminders; /* "starts in 10 minutes" notices written */
    int went_live; /* "is live now" notices written */
} bc_live_sweep_result;

/* The schedule timers, from now_ms (UTC ms), with bc_cfg.live_grace_s and live_stall_s: SCHEDULED
 * lives past their deadline become MISSED; LIVE lives with a publisher whose last_segment_at is
 * older than the stall become interrupted; interrupted lives past the grace become ENDED
 * (unpinned); then the notices (bc_notice_add, kinds "live.REMINDER" and "live.LIVE", text with the
 * live's title; mailed by the notices module when SMTP is set) of subscriptions due: a reminder
 * when a SCHEDULED live starts within BC_LIVE_REMINDER_LEAD_MS, a "live now" notice once it is
 * LIVE, each once per subscription (claimed by a conditional UPDATE in the notice's transaction).
 * Every status change is sent to the live's room as a status frame. Each rule changes at most
 * BC_LIVE_SWEEP_BATCH lives and each notice kind BC_LIVE_NOTICE_BATCH per call (the rest on the
 * next). Called once a second on a worker of the sweeper lease holder (src/app.c); safe to run
 * on several instances at once (conditional UPDATEs). *out (may be NULL) gets the counts. Returns
 * BC_OK, or the first store error (the other rules still ran). */
int bc_live_sweep(bc_db *db, int64_t now_ms, bc_live_sweep_result *out);

/* The HLS segment watcher of this instance, one pass: for the LIVE lives with a publisher (at most
 * BC_LIVE_SWEEP_BATCH), reads the modification time of hls_dir/{id}/index.m3u8 (nginx-rtmp rewrites
 * it at every new segment) and raises the live's last_segment_at to it when it is newer by a
 * step (a third of the stall, at most 5 s: at most one write per live per step). Lives whose
 * playlist is not on this host are left alone (another instance may see them). Blocks on stat():
 * worker only. Returns the number of lives updated, or a store error. */
int bc_live_watch_segments(bc_db *db, const char *hls_dir, int64_t now_ms);
/* Starts this instance's watcher thread: once a second it queues one bc_live_watch_segments pass
 * on {bc_cfg.data_dir}/hls (bc_http_defer; never more than one queued). Once, before serving. */
void bc_live_sched_start(void);

/* "Notify me": subscribes (on = 1) or unsubscribes (on = 0) user_id to live_id (idempotent).
 * A subscription is only taken for a SCHEDULED or LIVE live (on a LIVE one, the "live now"
 * notice counts as given). *subscribers (may be NULL) gets the live's subscription count after
 * the change. BC_OK, BC_ENOTFOUND (no such live), BC_ECONFLICT (on = 1 and the live is ENDED or
 * MISSED) or a store error. */
int bc_live_subscribe(bc_db *db, int64_t live_id, int64_t user_id, int on, int64_t *subscribers);

/* The calendar: SCHEDULED lives starting in [from_ms, to_ms) and LIVE lives (started in or before
 * the range) whose expected end (scheduled_at or started_at + duration_min) is after from_ms,
 * optionally of one region (NULL or region->sido NULL = all; a 시/도, or a 시/도 and 시/군/구),
 * ordered by start, at most 500, as live JSON for viewer_id (bc_live_get_as, no secrets) in a new
 * array *out (caller owns). The caller bounds the range (BC_LIVE_CALENDAR_MAX_MS). BC_OK or a
 * store error. */
int bc_live_calendar(bc_db *db, int64_t from_ms, int64_t to_ms, const bc_region *region, int64_t viewer_id,
                     json_t **out);

/* Rotates live_id's stream key as seller_id: a new random key (BC_LIVE_KEY_LEN, libsodium CSPRNG)
 * replaces the old one at once, so on_publish refuses the old key from now on. When the live is
 * LIVE with a publisher, the live becomes interrupted (that publisher, on the old key, must go:
 * *drop = 1, and the caller drops it through bc_rtmp_drop_publisher; on_update refuses it
 * anyway), so the seller republishes with the new key within the grace. One transaction.
 * BC_OK, BC_ENOTFOUND, BC_EFORBIDDEN (not the live's seller), BC_ECONFLICT (ENDED or MISSED:
 * nothing changed) or a store error. */
int bc_live_rotate_key(bc_db *db, int64_t live_id, int64_t seller_id, int *drop);

/* ---- followers' notifications (fanout_store.c) ----
 * When a seller schedules a live and when a live first goes on air, every follower of the seller
 * (accounts: bc_accounts_followers_after) gets a notice (kinds "live.FOLLOW_SCHEDULED" and
 * "live.FOLLOW_LIVE", text ending "(live N)"), once per live and event: table live_fanouts holds
 * one row per (live, event), created when the sweep first sees the live SCHEDULED or LIVE (its
 * primary key makes a republish of the stream, or two sweeps at once, add nothing), with the last
 * follower id done. The notices are written by the sweeper lease holder's worker in batches of
 * BC_LIVE_FANOUT_BATCH followers, one transaction per batch that also moves the row's cursor (a
 * conditional update: a batch is written once), at most BC_LIVE_FANOUT_PER_SWEEP batches per
 * call, so a seller with 10,000 followers is notified within a few sweeps and never holds a
 * request or an event loop. For a live on air, followers subscribed to it ("notify me") are
 * skipped: their subscription's "live now" notice tells them. Lives that existed before
 * migration 25 count as done. */
#define BC_LIVE_FANOUT_BATCH 500
#define BC_LIVE_FANOUT_PER_SWEEP 8
/* One pass: finds new SCHEDULED and LIVE lives without their row (at most BC_LIVE_SWEEP_BATCH of
 * each), then writes due batches. *sent (may be NULL) gets the notices written. Returns BC_OK or
 * the first store error (a failed batch is tried again at the next call). */
int bc_live_fanout_sweep(bc_db *db, int64_t now_ms, int *sent);

/* ---- RTMP ingest (rtmp.c) ---- */

/* Prepares the callback token the nginx-rtmp callbacks (/internal/rtmp/...) must carry as ?token=:
 * a configured BROADCART_RTMP_CALLBACK_TOKEN must be 16..127 URL-safe characters (A-Z a-z 0-9 . _ ~ -,
 * it is written into nginx's callback URLs); when unset, `serve --with-rtmp` (with_rtmp = 1)
 * generates one for its nginx child, and otherwise every callback is refused with 403. Logs which
 * case applies. Call once from serve, before the server starts. Returns BC_OK, or BC_EINVAL (logged)
 * for a malformed token. */
int bc_live_callbacks_init(int with_rtmp);

/* Writes {data_dir}/rtmp/nginx.conf (callbacks carrying bc_cfg.rtmp_callback_token, which
 * bc_live_callbacks_init has set) for RTMP on bc_cfg.rtmp_port with HLS into {data_dir}/hls
 * and callbacks to 127.0.0.1:{http_port} (nginx-rtmp notify module: on_publish,
 * on_publish_done, on_update) and the control module on the Unix socket {data_dir}/rtmp/control.sock
 * (http{} block, loopback-free). Creates {data_dir}/rtmp/{logs,tmp} and {data_dir}/hls; as root,
 * hls is chowned to nobody:nogroup (the worker user) and data_dir gets o+x so the worker can
 * reach it. All paths in the file are absolute (realpath of data_dir). Returns BC_OK or BC_ERR
 * (logged; also when no callback token is set). */
int bc_rtmp_write_config(const char *data_dir, int http_port);
/* Starts `nginx -p {data_dir}/rtmp -c {data_dir}/rtmp/nginx.conf` (bc_cfg.nginx_bin) as a child
 * that receives SIGTERM if broadcart dies (prctl PR_SET_PDEATHSIG). Checks it is still running
 * after 300 ms; otherwise logs the tail of its error log and returns BC_ERR. Lives left LIVE by
 * a previous run are not ended here (another instance's nginx may still ingest them): the stall
 * rule of bc_live_sweep finds those whose segments stopped. BC_OK or BC_ERR. Call once, before
 * bc_http_run. */
int bc_rtmp_start(const char *data_dir);
/* Drops the publisher of live_id at once through nginx-rtmp's control module
 * (GET {control}/control/drop/publisher?app=live&name={live_id}, nginx-rtmp wiki "Control module";
 * the publisher's publish_done callback follows). The control endpoint is
 * BROADCART_RTMP_CONTROL_URL (http://host:port, or unix:/path for a Unix socket), else with
 * `serve --with-rtmp` the child's {data_dir}/rtmp/control.sock. Blocks up to 2 s (libcurl): worker
 * only. BC_OK (answered; *dropped, may be NULL, = the publishers nginx dropped), BC_ENOTFOUND
 * (no control endpoint: the next on_update drops it) or BC_ERR (unreachable or refused, logged). */
int bc_rtmp_drop_publisher(int64_t live_id, int *dropped);
/* Appends nginx-rtmp's statistics XML (GET {control}/stat, `rtmp_stat all`, nginx-rtmp wiki
 * "Statistics") to xml (capped by its cap), from the same control endpoint as
 * bc_rtmp_drop_publisher. Blocks up to 1 s: worker only. BC_OK, BC_ENOTFOUND (no control
 * endpoint) or BC_ERR (unreachable, not 200, or past the cap; logged). */
int bc_rtmp_stat(bc_buf *xml);
/* Stops the nginx child (SIGTERM = fast shutdown that drops publishers, then SIGKILL after 3 s)
 * and reaps it, if running. */
void bc_rtmp_stop(void);

/* ---- stream health (health.c) ----
 * The ingest's health as nginx-rtmp's statistics report it, for the studio's control room: the
 * instances that reach a control endpoint (bc_rtmp_stat) sample it every BC_LIVE_HEALTH_EVERY_MS
 * on a worker into table live_ingest_health (one row per live), so every instance can answer
 * GET /api/v1/lives/{id}/health. A sample older than BC_LIVE_HEALTH_STALE_MS counts as "not
 * publishing". */
#define BC_LIVE_HEALTH_EVERY_MS 2000
#define BC_LIVE_HEALTH_STALE_MS 10000
typedef struct bc_live_health {
    int publishing;       /* 1: a publisher is on the live's stream */
    int64_t bitrate_kbps; /* ingest kbit/s: bytes_in over the last two samples (nginx-rtmp's bw_in until then) */
    int64_t video_kbps;   /* nginx-rtmp bw_video / bw_audio: its 10 s averages (0 in the first 10 s) */
    int64_t audio_kbps;
    double fps;             /* frame rate the publisher declared (onMetaData framerate) */
    int width, height;      /* pixels, from the metadata */
    char video_codec[16];   /* e.g. "H264" */
    char audio_codec[16];   /* e.g. "AAC" */
    int64_t dropped_frames; /* frames nginx-rtmp dropped on the publisher's connection */
    int64_t avsync_ms;      /* audio/video timestamp difference nginx-rtmp measured */
    int64_t uptime_ms;      /* how long the stream has been published */
    int64_t bytes_in;       /* bytes received on the stream so far */
} bc_live_health;
/* Called once per <stream> of application "live" whose name is a live id. */
typedef void (*bc_live_health_fn)(int64_t live_id, const bc_live_health *h, void *arg);
/* Parses nginx-rtmp statistics XML (len bytes, at most 4 MiB) with libxml2 (no network, no
 * entities) and calls fn for every stream of application "live" named by a live id (other names
 * are skipped). BC_OK, or BC_EINVAL (not statistics XML: nothing called). */
int bc_live_health_parse(const char *xml, size_t len, bc_live_health_fn fn, void *arg);
/* Stores h as live_id's latest sample, taken at now_ms (UTC ms). BC_OK, BC_EBUSY or BC_ERR. */
int bc_live_health_store(bc_db *db, int64_t live_id, const bc_live_health *h, int64_t now_ms);
/* Marks every live sampled as publishing but not among seen[0..nseen) as no longer publishing.
 * BC_OK, BC_EBUSY or BC_ERR. */
int bc_live_health_gone(bc_db *db, const int64_t *seen, int nseen, int64_t now_ms);
/* The health JSON of live_id at now_ms into *out (caller owns): {live_id, publishing,
 * bitrate_kbps, video_kbps, audio_kbps, fps, width, height, video_codec|null, audio_codec|null,
 * dropped_frames, avsync_ms, uptime_ms, sampled_at (UTC ms)|null}; the figures are 0 (codecs
 * null) unless a fresh sample says it is publishing. BC_OK, BC_EBUSY or BC_ERR. */
int bc_live_health_get(bc_db *db, int64_t live_id, int64_t now_ms, json_t **out);
/* Starts the sampler thread (once; later calls do nothing). Each tick hands one job to a worker
 * (never two at once). Serve starts it only where a control endpoint can be reached
 * (--with-rtmp or BROADCART_RTMP_CONTROL_URL); a job that finds none does nothing. */
void bc_live_health_start(void);

extern const bc_route bc_live_routes[];

/* ---- replays (replay.c; tables replays, replay_parts, live_pins) ----
 * Every broadcast is recorded by nginx-rtmp (`record all`, one FLV file per publish session under
 * {data_dir}/rec, streaming.md §5 A); each finished file arrives by the on_record_done callback
 * (/internal/rtmp/on_record_done) and is kept as a part of the live's replay (status RECORDING).
 * Once the live is ENDED and its last part is in (a part recorded after the end, or
 * BROADCART_REPLAY_SETTLE seconds after the end), a worker on an instance that holds the part files
 * remuxes them (ffmpeg concat demuxer, `-c copy`, HLS muxer with -hls_playlist_type vod: the playlist
 * has EXT-X-PLAYLIST-TYPE:VOD and EXT-X-ENDLIST, RFC 8216 §4.3.3.5, §4.3.3.4), takes a poster frame,
 * and stores playlist, segments and poster as objects replays/{live_id}/{generation}/... through the
 * media object store (media.h bc_media_put_file / bc_media_url: local files or S3). Then READY, and
 * the room gets {"type":"replay","replay":{...}}. A part that arrives later makes the replay again
 * (a new generation; the old one's objects are removed, the seller's trim cuts the new one too).
 * Replays stay until the seller deletes them.
 *
 * Trim (PUT /api/v1/lives/{id}/replay) is destructive and works by segment: the segments that
 * overlap [trim_start_ms, trim_end_ms) stay, listed by a new playlist object of the generation
 * (index-{random}.m3u8; the playlist URL changes, so caches never mix old and new), and the segments
 * wholly outside are removed from the media store (the old playlist first, so no reader finds a
 * playlist naming a missing segment). What was cut cannot be restored; a later trim cuts the replay
 * as it is then. The player still starts and stops at the exact trim points within the kept
 * segments (trim_start_ms / trim_end_ms of the replay JSON).
 *
 * The replay timeline: offsets (ms) from the first frame of the replay's video as it is now, i.e.
 * the start of the recording, or after a trim the start of the first segment it kept (cut_ms into
 * the recording). duration_ms, trim_start_ms / trim_end_ms, the chat replay's and the pin
 * timeline's offset_ms all count on it, as the player's currentTime does. A moment t (UTC ms) of the
 * broadcast maps to the offset in the part being recorded then; the gap between two parts (the
 * publisher reconnected) is not in the recording, so a moment in it maps to the next part's start.
 * In a trimmed replay the parts are clipped to what its video holds: chat outside it is left out,
 * a pin before it shows from offset 0, a pin after it is left out. */

/* One recorded part on the timeline: its wall-clock start (UTC ms), duration (ms) and the offset
 * of its first frame in the replay (ms, the sum of the durations before it). */
typedef struct bc_replay_take {
    int64_t start_ms, dur_ms, base_ms;
} bc_replay_take;
#define BC_REPLAY_MAX_TAKES 64
/* The offset (ms) in the replay of the moment at (UTC ms) on the timeline takes[0..n) (in start
 * order): before the first part 0, within part i base_i + (at - start_i), in a gap before part i
 * base_i, after the last part its end. n == 0: 0. Pure. */
int64_t bc_replay_offset(const bc_replay_take *takes, int n, int64_t at);
/* The moments (UTC ms) *from_at..*to_at that hold every moment whose bc_replay_offset lies in
 * from_ms..to_ms (to_ms < 0: up to the end; from_ms 0 includes what came before the first part,
 * an open to_ms what came after the last). n == 0: the whole time line. Pure. */
void bc_replay_range(const bc_replay_take *takes, int n, int64_t from_ms, int64_t to_ms, int64_t *from_at,
                     int64_t *to_at);
/* The timeline of live_id into takes[0..*n) (at most BC_REPLAY_MAX_TAKES): the replay's parts once
 * it was made (READY; clipped to the kept video after a trim, *clipped = 1: moments outside
 * takes[0].start_ms..the last take's end are not in the replay), else one open-ended part from the
 * live's started_at (0 parts when it never started). *deleted = 1 when the seller deleted the
 * replay. BC_OK, BC_ENOTFOUND (no such live), BC_EBUSY or BC_ERR. */
int bc_replay_timeline(bc_db *db, int64_t live_id, bc_replay_take *takes, int *n, int *deleted, int *clipped);
/* The live JSON's "replay" member: {status, playlist_url, poster_url, duration_ms, trim_start_ms,
 * trim_end_ms} (URLs from bc_media_url, null unless READY; duration and trim in ms of the video as
 * it is now, see the timeline above), or JSON null when the live was never
 * recorded. *out is a new reference (caller owns). BC_OK, BC_EBUSY or BC_ERR. */
int bc_replay_json(bc_db *db, int64_t live_id, json_t **out);
/* Records a pin (product_id > 0) or an unpin (0) of live_id now, for the replay's pin timeline;
 * called by bc_live_pin inside its transaction. BC_OK, BC_EBUSY or BC_ERR. */
int bc_replay_note_pin(bc_db *db, int64_t live_id, int64_t product_id);
/* Starts the ticker that makes due replays (every second, on a worker). Once, before serving. */
void bc_replay_init(void);

extern const bc_route bc_replay_routes[];

#endif
