/* Stream health for the studio's control room: what nginx-rtmp's statistics say of each live's
 * ingest (nginx-rtmp ngx_rtmp_stat_module, `rtmp_stat all` on the child's control socket: XML with
 * one <stream> per published name, here the live id). The instance that runs the ingest samples
 * it every BC_LIVE_HEALTH_EVERY_MS on a worker and stores one row per live (live_ingest_health),
 * so every instance can answer GET /api/v1/lives/{id}/health. The XML is read with libxml2. */
#include "live.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STAT_MAX_BYTES (4 << 20) /* the statistics of up to thousands of streams */
#define TRACK_MAX 256            /* lives whose previous sample is kept for the bitrate */

/* The text of element name directly under parent, or NULL. */
static const xmlChar *child_text(xmlNode *parent, const char *name, xmlNode **found)
{
    for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0) {
            if (found)
                *found = n;
            return n->children && n->children->type == XML_TEXT_NODE ? n->children->content : (const xmlChar *)"";
        }
    if (found)
        *found = NULL;
    return NULL;
}

static int64_t child_int(xmlNode *parent, const char *name)
{
    const xmlChar *t = child_text(parent, name, NULL);
    return t ? strtoll((const char *)t, NULL, 10) : 0;
}

static xmlNode *child(xmlNode *parent, const char *name)
{
    xmlNode *n = NULL;
    child_text(parent, name, &n);
    return n;
}

/* Fills h from one <stream> element. */
static void read_stream(xmlNode *s, bc_live_health *h)
{
    memset(h, 0, sizeof *h);
    h->uptime_ms = child_int(s, "time");
    h->bytes_in = child_int(s, "bytes_in");
    h->video_kbps = child_int(s, "bw_video") / 1000;
    h->audio_kbps = child_int(s, "bw_audio") / 1000;
    h->bitrate_kbps = child_int(s, "bw_in") / 1000; /* nginx-rtmp's 10 s average; the sampler refines it */
    for (xmlNode *c = s->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "client") == 0 && child(c, "publishing")) {
            h->publishing = 1;
            h->dropped_frames = child_int(c, "dropped");
            h->avsync_ms = child_int(c, "avsync");
        }
    xmlNode *meta = child(s, "meta"), *v = child(meta, "video"), *a = child(meta, "audio");
    h->width = (int)child_int(v, "width");
    h->height = (int)child_int(v, "height");
    const xmlChar *fr = child_text(v, "frame_rate", NULL), *vc = child_text(v, "codec", NULL),
                  *ac = child_text(a, "codec", NULL);
    h->fps = fr ? strtod((const char *)fr, NULL) : 0;
    snprintf(h->video_codec, sizeof h->video_codec, "%s", vc ? (const char *)vc : "");
    snprintf(h->audio_codec, sizeof h->audio_codec, "%s", ac ? (const char *)ac : "");
}

int bc_live_health_parse(const char *xml, size_t len, bc_live_health_fn fn, void *arg)
{
    if (!xml || len == 0 || len > STAT_MAX_BYTES || len > (size_t)0x7fffffff)
        return BC_EINVAL;
    /* no network, no entities, no DTD: the input is a local child's output, still parsed as untrusted */
    xmlDoc *doc =
        xmlReadMemory(xml, (int)len, "stat.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    int rc = BC_EINVAL;
    if (!root || strcmp((const char *)root->name, "rtmp") != 0)
        goto out;
    rc = BC_OK;
    for (xmlNode *srv = root->children; srv; srv = srv->next) {
        if (srv->type != XML_ELEMENT_NODE || strcmp((const char *)srv->name, "server") != 0)
            continue;
        for (xmlNode *app = srv->children; app; app = app->next) {
            if (app->type != XML_ELEMENT_NODE || strcmp((const char *)app->name, "application") != 0)
                continue;
            const xmlChar *name = child_text(app, "name", NULL);
            if (!name || strcmp((const char *)name, "live") != 0)
                continue;
            xmlNode *live = child(app, "live");
            for (xmlNode *s = live ? live->children : NULL; s; s = s->next) {
                if (s->type != XML_ELEMENT_NODE || strcmp((const char *)s->name, "stream") != 0)
                    continue;
                const xmlChar *sn = child_text(s, "name", NULL);
                char *end = NULL;
                long long id = sn ? strtoll((const char *)sn, &end, 10) : 0;
                if (id <= 0 || !end || *end) /* not a live id: some other publisher name */
                    continue;
                bc_live_health h;
                read_stream(s, &h);
                fn((int64_t)id, &h, arg);
            }
        }
    }
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- the sampler (the ingest instance only) ---- */

typedef struct track {
    int64_t live_id, bytes_in, at_ms;
} track;
static track tracks[TRACK_MAX]; /* the sampler job's own (one job at a time: sample_queued) */
static atomic_int sample_queued, sampler_on;

typedef struct sample_ctx {
    bc_db *db;
    int64_t now;
    int64_t seen[TRACK_MAX];
    int nseen;
} sample_ctx;

/* The bitrate from bytes_in since this live's previous sample (kbit/s), remembering this one. */
static int64_t measured_kbps(int64_t live_id, int64_t bytes_in, int64_t now)
{
    track *free_slot = NULL, *oldest = &tracks[0];
    for (int i = 0; i < TRACK_MAX; i++) {
        track *t = &tracks[i];
        if (t->live_id == live_id) {
            int64_t kbps =
                now > t->at_ms && bytes_in >= t->bytes_in ? (bytes_in - t->bytes_in) * 8 / (now - t->at_ms) : -1;
            t->bytes_in = bytes_in;
            t->at_ms = now;
            return kbps;
        }
        if (!t->live_id && !free_slot)
            free_slot = t;
        if (t->at_ms < oldest->at_ms)
            oldest = t;
    }
    track *t = free_slot ? free_slot : oldest;
    *t = (track){live_id, bytes_in, now};
    return -1;
}

static void on_stream(int64_t live_id, const bc_live_health *h, void *arg)
{
    sample_ctx *c = arg;
    bc_live_health m = *h;
    int64_t kbps = measured_kbps(live_id, h->bytes_in, c->now);
    if (kbps >= 0)
        m.bitrate_kbps = kbps;
    if (bc_live_health_store(c->db, live_id, &m, c->now) != BC_OK)
        bc_log_warn("live", "live %lld: could not store its stream health", (long long)live_id);
    if (c->nseen < TRACK_MAX)
        c->seen[c->nseen++] = live_id;
}

static void sample_job(bc_db *db, void *arg)
{
    (void)arg;
    bc_buf xml;
    bc_buf_init(&xml, STAT_MAX_BYTES);
    if (bc_rtmp_stat(&xml) == BC_OK) {
        sample_ctx ctx = {.db = db, .now = bc_now_ms()};
        if (bc_live_health_parse(xml.data, xml.len, on_stream, &ctx) == BC_OK)
            bc_live_health_gone(db, ctx.seen, ctx.nseen, ctx.now);
    }
    bc_buf_free(&xml);
    atomic_store(&sample_queued, 0);
}

static void *sampler_main(void *arg)
{
    (void)arg;
    for (;;) {
        usleep(BC_LIVE_HEALTH_EVERY_MS * 1000);
        if (atomic_exchange(&sample_queued, 1) == 0 && bc_http_defer(sample_job, NULL) != BC_OK)
            atomic_store(&sample_queued, 0);
    }
    return NULL;
}

void bc_live_health_start(void)
{
    pthread_t t;
    if (atomic_exchange(&sampler_on, 1))
        return;
    xmlInitParser();
    if (pthread_create(&t, NULL, sampler_main, NULL) == 0)
        pthread_detach(t);
    else
        bc_log_warn("live", "no stream health sampler thread");
}

/* ---- store: live_ingest_health (one row per live; the live module's table) ---- */

int bc_live_health_store(bc_db *db, int64_t live_id, const bc_live_health *h, int64_t now_ms)
{
    int rc = bc_db_exec(db,
                        "INSERT INTO live_ingest_health (live_id, publishing, bitrate_kbps, video_kbps, audio_kbps,"
                        " fps_milli, width, height, video_codec, audio_codec, dropped_frames, avsync_ms, uptime_ms,"
                        " sampled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (live_id) DO UPDATE"
                        " SET publishing = excluded.publishing, bitrate_kbps = excluded.bitrate_kbps,"
                        " video_kbps = excluded.video_kbps, audio_kbps = excluded.audio_kbps,"
                        " fps_milli = excluded.fps_milli, width = excluded.width, height = excluded.height,"
                        " video_codec = excluded.video_codec, audio_codec = excluded.audio_codec,"
                        " dropped_frames = excluded.dropped_frames, avsync_ms = excluded.avsync_ms,"
                        " uptime_ms = excluded.uptime_ms, sampled_at = excluded.sampled_at",
                        "iiiiiiiittiiii", live_id, (int64_t)h->publishing, h->bitrate_kbps, h->video_kbps,
                        h->audio_kbps, (int64_t)(h->fps * 1000 + 0.5), (int64_t)h->width, (int64_t)h->height,
                        h->video_codec, h->audio_codec, h->dropped_frames, h->avsync_ms, h->uptime_ms, now_ms);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    return BC_OK;
}

int bc_live_health_gone(bc_db *db, const int64_t *seen, int nseen, int64_t now_ms)
{
    json_t *rows = NULL;
    int rc = bc_db_rows(db, &rows, "SELECT live_id FROM live_ingest_health WHERE publishing = 1", "");
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    rc = BC_OK;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        int64_t id = json_integer_value(json_object_get(r, "live_id"));
        int still = 0;
        for (int k = 0; k < nseen && !still; k++)
            still = seen[k] == id;
        if (!still && bc_db_exec(db,
                                 "UPDATE live_ingest_health SET publishing = 0, bitrate_kbps = 0, video_kbps = 0,"
                                 " audio_kbps = 0, sampled_at = ? WHERE live_id = ?",
                                 "ii", now_ms, id) < 0)
            rc = BC_ERR;
    }
    json_decref(rows);
    return rc;
}

int bc_live_health_get(bc_db *db, int64_t live_id, int64_t now_ms, json_t **out)
{
    json_t *row = NULL;
    *out = NULL;
    int rc = bc_db_row(db, &row,
                       "SELECT publishing, bitrate_kbps, video_kbps, audio_kbps, fps_milli, width, height, video_codec,"
                       " audio_codec, dropped_frames, avsync_ms, uptime_ms, sampled_at FROM live_ingest_health"
                       " WHERE live_id = ?",
                       "i", live_id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    int64_t at = rc == 1 ? json_integer_value(json_object_get(row, "sampled_at")) : 0;
    int fresh = rc == 1 && now_ms - at <= BC_LIVE_HEALTH_STALE_MS;
    int publishing = fresh && json_integer_value(json_object_get(row, "publishing"));
#define F(name) (publishing ? json_integer_value(json_object_get(row, name)) : 0)
    *out = json_pack("{s:I,s:b,s:I,s:I,s:I,s:f,s:I,s:I,s:s?,s:s?,s:I,s:I,s:I,s:o}", "live_id", (json_int_t)live_id,
                     "publishing", publishing, "bitrate_kbps", (json_int_t)F("bitrate_kbps"), "video_kbps",
                     (json_int_t)F("video_kbps"), "audio_kbps", (json_int_t)F("audio_kbps"), "fps",
                     F("fps_milli") / 1000.0, "width", (json_int_t)F("width"), "height", (json_int_t)F("height"),
                     "video_codec", publishing ? json_string_value(json_object_get(row, "video_codec")) : NULL,
                     "audio_codec", publishing ? json_string_value(json_object_get(row, "audio_codec")) : NULL,
                     "dropped_frames", (json_int_t)F("dropped_frames"), "avsync_ms", (json_int_t)F("avsync_ms"),
                     "uptime_ms", (json_int_t)F("uptime_ms"), "sampled_at", rc == 1 ? json_integer(at) : json_null());
#undef F
    json_decref(row);
    return *out ? BC_OK : BC_ERR;
}
