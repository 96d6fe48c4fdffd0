/* Unit tests of the live store code for live-only offers (bc_live_offer_get / _set / _json), the
 * look-ups of the stock push (bc_live_carrying, bc_live_product_ids), the schedule rules
 * (on_publish deadlines, interruption and republish, bc_live_sweep, subscriptions, the segment
 * watcher, key rotation) and the replay timeline (bc_replay_offset, bc_replay_range), on a
 * temporary SQLite file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "db_fixture.h"
#include "../../src/live/live.h"

#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char path[64];
    bc_db *db;
    int64_t seller, other, p1, p2, live;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/bc-test-live-XXXXXX");
    if (!f || bc_test_db_open(f->path, &f->db) != 0 || bc_test_user(f->db, "s@x.test", "S", "seller", &f->seller) ||
        bc_test_user(f->db, "o@x.test", "O", "seller", &f->other) ||
        bc_test_product(f->db, f->seller, "One", "", 30000, 10, &f->p1) ||
        bc_test_product(f->db, f->seller, "Two", "", 20000, 10, &f->p2))
        return -1;
    if (bc_live_create(f->db, f->seller, "Show", bc_now_ms(), &f->p1, 1, &f->live) != BC_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    bc_test_db_remove(f->db, f->path);
    free(f);
    return 0;
}

static void set_status(fixture *f, const char *status)
{
    assert_int_equal(bc_db_exec(f->db, "UPDATE lives SET status = ? WHERE id = ?", "ti", status, f->live), 1);
}

static void offers(void **state)
{
    fixture *f = *state;
    bc_live_offer o;
    assert_int_equal(bc_live_offer_get(f->db, f->live + 1000, f->p1, &o), BC_ENOTFOUND);
    assert_int_equal(bc_live_offer_get(f->db, f->live, f->p2, &o), BC_ECONFLICT);
    assert_int_equal(bc_live_offer_get(f->db, f->live, f->p1, &o), BC_OK);
    assert_true(o.live_price == 0 && o.stock_cap == 0 && !o.replay && !o.active);

    bc_live_offer set = {1500, 7, 1, 0};
    assert_int_equal(bc_live_offer_set(f->db, f->live, f->other, f->p1, &set), BC_EFORBIDDEN);
    assert_int_equal(bc_live_offer_set(f->db, f->live, f->seller, f->p2, &set), BC_ECONFLICT);
    assert_int_equal(bc_live_offer_set(f->db, f->live + 1000, f->seller, f->p1, &set), BC_ENOTFOUND);
    assert_int_equal(bc_live_offer_get(f->db, f->live, f->p1, &o), BC_OK);
    assert_int_equal(o.live_price, 0); /* refused: nothing changed */
    assert_int_equal(bc_live_offer_set(f->db, f->live, f->seller, f->p1, &set), BC_OK);
    assert_int_equal(set.active, 0); /* SCHEDULED */
    assert_int_equal(bc_live_offer_get(f->db, f->live, f->p1, &o), BC_OK);
    assert_true(o.live_price == 1500 && o.stock_cap == 7 && o.replay == 1 && o.active == 0);

    set_status(f, "LIVE");
    assert_int_equal(bc_live_offer_get(f->db, f->live, f->p1, &o), BC_OK);
    assert_int_equal(o.active, 1);
    set_status(f, "ENDED");
    assert_int_equal(bc_live_offer_get(f->db, f->live, f->p1, &o), BC_OK);
    assert_int_equal(o.active, 1); /* replay kept */
    bc_live_offer no_replay = {1500, 7, 0, 0};
    assert_int_equal(bc_live_offer_set(f->db, f->live, f->seller, f->p1, &no_replay), BC_OK);
    assert_int_equal(no_replay.active, 0);
    assert_int_equal(bc_live_offer_get(f->db, f->live, f->p1, &o), BC_OK);
    assert_int_equal(o.active, 0);
}

static void offer_json(void **state)
{
    (void)state;
    bc_live_offer none = {0, 0, 0, 1}, some = {9900, 0, 0, 1};
    json_t *a = bc_live_offer_json(&none), *b = bc_live_offer_json(&some);
    assert_true(json_is_null(a));
    char *s = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"active\":true,\"live_price\":9900,\"replay\":false,\"stock_cap\":null}");
    free(s);
    json_decref(a);
    json_decref(b);
}

static void carrying(void **state)
{
    fixture *f = *state;
    int64_t ids[4], second = 0, both[2] = {f->p2, f->p1};
    int n = 0;
    assert_int_equal(bc_live_create(f->db, f->seller, "Second", bc_now_ms(), both, 2, &second), BC_OK);
    assert_int_equal(bc_live_carrying(f->db, f->p1, ids, 4, &n), BC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], second); /* newest first */
    assert_int_equal(ids[1], f->live);
    assert_int_equal(bc_live_carrying(f->db, f->p1, ids, 1, &n), BC_OK);
    assert_int_equal(n, 1); /* bounded */
    assert_int_equal(bc_live_carrying(f->db, f->p2, ids, 4, &n), BC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(bc_live_product_ids(f->db, second, ids, 4, &n), BC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], f->p2); /* position order */
    assert_int_equal(ids[1], f->p1);
}

/* The replay timeline: two parts with a reconnect gap between them. */
static void replay_offsets(void **state)
{
    (void)state;
    /* part 1: wall 1000..4000 (3 s), gap 4000..10000, part 2: wall 10000..12000 (2 s) */
    const bc_replay_take t[] = {{1000, 3000, 0}, {10000, 2000, 3000}};
    assert_int_equal(bc_replay_offset(t, 2, 500), 0);      /* before the start */
    assert_int_equal(bc_replay_offset(t, 2, 1000), 0);     /* the first frame */
    assert_int_equal(bc_replay_offset(t, 2, 2500), 1500);  /* in part 1 */
    assert_int_equal(bc_replay_offset(t, 2, 7000), 3000);  /* in the gap: part 2's start */
    assert_int_equal(bc_replay_offset(t, 2, 11000), 4000); /* in part 2 */
    assert_int_equal(bc_replay_offset(t, 2, 99000), 5000); /* after the end */
    assert_int_equal(bc_replay_offset(t, 0, 1234), 0);
    int64_t lo, hi;
    bc_replay_range(t, 2, 0, -1, &lo, &hi); /* everything */
    assert_true(lo == 0 && hi == INT64_MAX);
    bc_replay_range(t, 2, 1500, 4000, &lo, &hi);
    assert_int_equal(lo, 2500);
    assert_int_equal(hi, 11000);
    bc_replay_range(t, 2, 3000, 3000, &lo, &hi); /* the boundary holds the gap's moments */
    assert_int_equal(lo, 4000);
    assert_int_equal(hi, 10000);
    assert_true(bc_replay_offset(t, 2, 7000) == 3000 && lo <= 7000 && 7000 <= hi);
    bc_replay_range(t, 2, 4500, 5000, &lo, &hi); /* up to the end: open */
    assert_int_equal(lo, 11500);
    assert_true(hi == INT64_MAX);
    bc_replay_range(t, 0, 100, 200, &lo, &hi);
    assert_true(lo == 0 && hi == INT64_MAX);
}

/* The stream key of live id into key (BC_LIVE_KEY_LEN + 1 bytes). */
static void key_of(fixture *f, int64_t id, char *key)
{
    json_t *r = NULL;
    assert_int_equal(bc_db_row(f->db, &r, "SELECT stream_key FROM lives WHERE id = ?", "i", id), 1);
    snprintf(key, BC_LIVE_KEY_LEN + 1, "%s", json_string_value(json_object_get(r, "stream_key")));
    json_decref(r);
}

static void status_is(fixture *f, int64_t id, const char *want)
{
    int64_t seller = 0;
    char status[16];
    assert_int_equal(bc_live_state(f->db, id, &seller, status), BC_OK);
    assert_string_equal(status, want);
}

static void schedule_rules(void **state)
{
    fixture *f = *state;
    bc_cfg.live_grace_s = 60;
    bc_cfg.live_stall_s = 15;
    int64_t now = bc_now_ms(), late = 0, live = 0, soon = 0, buyer = 0, n = 0;
    char key[BC_LIVE_KEY_LEN + 1], old[BC_LIVE_KEY_LEN + 1];
    int resumed = 0, drop = 0;
    bc_live_sweep_result r;
    assert_int_equal(bc_test_user(f->db, "b@x.test", "B", "buyer", &buyer), 0);

    /* a live scheduled (and created) an hour ago: past its deadline, refused, then MISSED */
    assert_int_equal(bc_live_create(f->db, f->seller, "Late", now - 3600000, &f->p1, 1, &late), BC_OK);
    assert_int_equal(bc_db_exec(f->db, "UPDATE lives SET created_at = ? WHERE id = ?", "ii", now - 3600000, late), 1);
    key_of(f, late, key);
    assert_int_equal(bc_live_on_publish(f->db, late, key, "c0", NULL), BC_EFORBIDDEN);
    /* scheduled an hour ago but created now: the grace counts from the creation */
    status_is(f, f->live, "SCHEDULED");
    assert_int_equal(bc_live_sweep(f->db, now, &r), BC_OK);
    assert_int_equal(r.missed, 1);
    status_is(f, late, "MISSED");
    status_is(f, f->live, "SCHEDULED");
    assert_int_equal(bc_live_sweep(f->db, now, &r), BC_OK);
    assert_int_equal(r.missed, 0); /* once */
    assert_int_equal(bc_live_subscribe(f->db, late, buyer, 1, NULL), BC_ECONFLICT);

    /* publish, leave, come back within the grace: the same live */
    assert_int_equal(bc_live_create(f->db, f->seller, "Live", now + 3600000, &f->p1, 1, &live), BC_OK);
    key_of(f, live, key);
    assert_int_equal(bc_live_on_publish(f->db, live, key, "c1", &resumed), BC_OK);
    assert_int_equal(resumed, 0);
    assert_int_equal(bc_live_on_publish_done(f->db, live, "other"), BC_ECONFLICT);
    assert_int_equal(bc_live_on_publish_done(f->db, live, "c1"), BC_OK);
    status_is(f, live, "LIVE");
    assert_int_equal(bc_live_on_update(f->db, live, "c1"), BC_EFORBIDDEN);
    assert_int_equal(bc_live_on_publish(f->db, live, key, "c2", &resumed), BC_OK);
    assert_int_equal(resumed, 1);

    /* the segment watcher raises last_segment_at from the playlist's mtime */
    char dir[96], file[128];
    snprintf(dir, sizeof dir, "%s.hls/%lld", f->path, (long long)live);
    snprintf(file, sizeof file, "%s/index.m3u8", dir);
    char hls[96];
    snprintf(hls, sizeof hls, "%s.hls", f->path);
    assert_int_equal(bc_mkdirs(dir), BC_OK);
    FILE *pl = fopen(file, "w");
    assert_non_null(pl);
    fputs("#EXTM3U\n", pl);
    fclose(pl);
    assert_int_equal(bc_db_exec(f->db, "UPDATE lives SET last_segment_at = ? WHERE id = ?", "ii", now - 20000, live),
                     1);
    assert_int_equal(bc_live_watch_segments(f->db, hls, bc_now_ms()), 1);
    assert_int_equal(bc_live_watch_segments(f->db, hls, bc_now_ms()), 0); /* no newer segment */
    assert_int_equal(bc_live_sweep(f->db, bc_now_ms(), &r), BC_OK);
    assert_int_equal(r.stalled, 0);
    unlink(file);
    rmdir(dir);
    rmdir(hls);

    /* no new segment for longer than the stall: interrupted; then the grace passes: ENDED */
    assert_int_equal(bc_db_exec(f->db, "UPDATE lives SET last_segment_at = ? WHERE id = ?", "ii", now - 20000, live),
                     1);
    assert_int_equal(bc_live_sweep(f->db, now, &r), BC_OK);
    assert_int_equal(r.stalled, 1);
    assert_int_equal(r.ended, 0);
    assert_int_equal(bc_live_on_update(f->db, live, "c2"), BC_EFORBIDDEN);
    assert_int_equal(bc_db_exec(f->db, "UPDATE lives SET interrupted_at = ? WHERE id = ?", "ii", now - 61000, live), 1);
    assert_int_equal(bc_live_on_publish(f->db, live, key, "c3", NULL), BC_EFORBIDDEN); /* past the grace */
    assert_int_equal(bc_live_sweep(f->db, now, &r), BC_OK);
    assert_int_equal(r.ended, 1);
    status_is(f, live, "ENDED");

    /* notify me: the reminder within 10 minutes of the start, the notice when it goes live, once each */
    assert_int_equal(bc_live_create(f->db, f->seller, "Soon", now + 5 * 60000, &f->p1, 1, &soon), BC_OK);
    assert_int_equal(bc_live_subscribe(f->db, soon, buyer, 1, &n), BC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(bc_live_subscribe(f->db, soon, buyer, 1, &n), BC_OK);
    assert_int_equal(n, 1);                                                     /* idempotent */
    assert_int_equal(bc_live_subscribe(f->db, f->live, buyer, 1, NULL), BC_OK); /* starts now: reminded too */
    assert_int_equal(bc_live_subscribe(f->db, f->live, buyer, 0, &n), BC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(bc_live_sweep(f->db, now, &r), BC_OK);
    assert_int_equal(r.reminders, 1);
    assert_int_equal(bc_live_sweep(f->db, now, &r), BC_OK);
    assert_int_equal(r.reminders, 0);
    key_of(f, soon, key);
    assert_int_equal(bc_live_on_publish(f->db, soon, key, "c4", NULL), BC_OK);
    assert_int_equal(bc_live_sweep(f->db, now, &r), BC_OK);
    assert_int_equal(r.went_live, 1);
    assert_int_equal(bc_db_int(f->db, &n, "SELECT COUNT(*) FROM notices WHERE user_id = ?", "i", buyer), 1);
    assert_int_equal(n, 2);

    /* key rotation: the old key stops, the publisher must go, the new key continues */
    memcpy(old, key, sizeof old);
    assert_int_equal(bc_live_rotate_key(f->db, soon, f->other, &drop), BC_EFORBIDDEN);
    assert_int_equal(bc_live_rotate_key(f->db, soon, f->seller, &drop), BC_OK);
    assert_int_equal(drop, 1);
    key_of(f, soon, key);
    assert_string_not_equal(key, old);
    assert_int_equal(bc_live_on_update(f->db, soon, "c4"), BC_EFORBIDDEN);
    assert_int_equal(bc_live_on_publish(f->db, soon, old, "c5", NULL), BC_EFORBIDDEN);
    assert_int_equal(bc_live_on_publish(f->db, soon, key, "c5", &resumed), BC_OK);
    assert_int_equal(resumed, 1);
    assert_int_equal(bc_live_rotate_key(f->db, late, f->seller, &drop), BC_ECONFLICT);
}

/* nginx-rtmp statistics (as nginx-rtmp 1.1.4 prints them, trimmed): only streams of application
 * "live" named by a live id are reported, with the publisher's metadata; a stream without a
 * publishing client is reported as not publishing; anything but <rtmp> is refused. */
static int health_seen;
static bc_live_health health_got[4];
static int64_t health_ids[4];
static void on_health(int64_t id, const bc_live_health *h, void *arg)
{
    (void)arg;
    if (health_seen < 4) {
        health_ids[health_seen] = id;
        health_got[health_seen] = *h;
    }
    health_seen++;
}

static void health_parse(void **state)
{
    (void)state;
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<rtmp><nginx_version>1.22.1</nginx_version>"
        "<server><application><name>live</name><live>"
        "<stream><name>42</name><time>3775</time><bw_in>712000</bw_in><bytes_in>190642</bytes_in>"
        "<bw_audio>64000</bw_audio><bw_video>640000</bw_video>"
        "<client><id>1</id><dropped>3</dropped><avsync>-1</avsync><publishing/><active/></client>"
        "<client><id>2</id><dropped>9</dropped></client>"
        "<meta><video><width>320</width><height>240</height><frame_rate>29.97</frame_rate><codec>H264</codec>"
        "</video><audio><codec>AAC</codec></audio></meta><nclients>2</nclients><publishing/><active/></stream>"
        "<stream><name>obs-test</name><time>1</time></stream>"
        "<stream><name>7</name><time>10</time><bytes_in>5</bytes_in></stream>"
        "</live></application><application><name>other</name><live><stream><name>8</name></stream></live>"
        "</application></server></rtmp>";
    health_seen = 0;
    assert_int_equal(bc_live_health_parse(xml, sizeof xml - 1, on_health, NULL), BC_OK);
    assert_int_equal(health_seen, 2);
    assert_int_equal(health_ids[0], 42);
    const bc_live_health *h = &health_got[0];
    assert_int_equal(h->publishing, 1);
    assert_int_equal(h->width, 320);
    assert_int_equal(h->height, 240);
    assert_true(h->fps > 29.96 && h->fps < 29.98);
    assert_string_equal(h->video_codec, "H264");
    assert_string_equal(h->audio_codec, "AAC");
    assert_int_equal(h->bitrate_kbps, 712);
    assert_int_equal(h->video_kbps, 640);
    assert_int_equal(h->audio_kbps, 64);
    assert_int_equal(h->dropped_frames, 3); /* the publisher's, not the player's */
    assert_int_equal(h->avsync_ms, -1);
    assert_int_equal(h->uptime_ms, 3775);
    assert_int_equal(h->bytes_in, 190642);
    assert_int_equal(health_ids[1], 7);
    assert_int_equal(health_got[1].publishing, 0);
    assert_string_equal(health_got[1].video_codec, "");
    health_seen = 0;
    assert_int_equal(bc_live_health_parse("<html>no</html>", 15, on_health, NULL), BC_EINVAL);
    assert_int_equal(bc_live_health_parse("<rtmp><server>", 14, on_health, NULL), BC_EINVAL);
    assert_int_equal(bc_live_health_parse("", 0, on_health, NULL), BC_EINVAL);
    assert_int_equal(health_seen, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(offers, setup, teardown),
        cmocka_unit_test(offer_json),
        cmocka_unit_test_setup_teardown(carrying, setup, teardown),
        cmocka_unit_test(replay_offsets),
        cmocka_unit_test(health_parse),
        cmocka_unit_test_setup_teardown(schedule_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
