/* Replays (live.h "replays"): the recorded parts nginx-rtmp reports, the worker that turns them
 * into an HLS VOD replay in the media object store, the replay timeline (offsets), the pin
 * timeline, and the routes: chat replay, pins, trim, delete, and the on_record_done callback.
 *
 * Sources of behaviour: nginx-rtmp v1.2.2 `record` / `on_record_done` (the callback's form body
 * carries name, path, clientid; streaming.md §3, §5 A: a refused duplicate publisher leaves a
 * 0-byte file); ffmpeg's concat demuxer and HLS muxer (-hls_playlist_type vod writes
 * EXT-X-PLAYLIST-TYPE:VOD and EXT-X-ENDLIST, RFC 8216 §4.3.3.5 and §4.3.3.4); ffprobe's
 * format=duration (seconds). */
#include "live.h"

#include "../chat/chat.h"
#include "../media/media.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define TICK_MS 1000
#define CLAIM_STALE_MS (15 * 60 * 1000)   /* a PROCESSING claim older than this is taken over */
#define GIVE_UP_MS (60 * 60 * 1000)       /* RECORDING an hour after the end: no instance has the files */
#define REMUX_TIMEOUT_MS (10 * 60 * 1000) /* -c copy of hours of video takes seconds */
#define PROBE_TIMEOUT_MS 30000
#define DUE_MAX 8
#define SEGMENT_S "4" /* replay segment length, seconds (cut at keyframes) */
#define SEGMENTS_MAX 100000
#define PLAYLIST_MAX ((size_t)8 << 20) /* a stored VOD playlist read back for a trim (SEGMENTS_MAX lines) */
#define PINS_MAX 1000
#define TOOL_OUT_MAX 2048
#define OPEN_END_MS ((int64_t)1 << 50) /* an open-ended part's duration */

/* ---- the timeline (pure) ---- */

int64_t bc_replay_offset(const bc_replay_take *takes, int n, int64_t at)
{
    for (int i = 0; i < n; i++) {
        if (at < takes[i].start_ms)
            return takes[i].base_ms; /* before the first part, or in the gap before part i */
        if (at < takes[i].start_ms + takes[i].dur_ms)
            return takes[i].base_ms + (at - takes[i].start_ms);
    }
    return n > 0 ? takes[n - 1].base_ms + takes[n - 1].dur_ms : 0;
}

void bc_replay_range(const bc_replay_take *takes, int n, int64_t from_ms, int64_t to_ms, int64_t *from_at,
                     int64_t *to_at)
{
    *from_at = 0;
    *to_at = INT64_MAX;
    if (n <= 0)
        return;
    if (from_ms > 0) { /* the first part whose end is at or past from_ms */
        int i = 0;
        while (i < n - 1 && takes[i].base_ms + takes[i].dur_ms < from_ms)
            i++;
        int64_t into = from_ms - takes[i].base_ms;
        *from_at = takes[i].start_ms + (into < 0 ? 0 : into > takes[i].dur_ms ? takes[i].dur_ms : into);
    }
    if (to_ms >= 0 &&
        to_ms < takes[n - 1].base_ms + takes[n - 1].dur_ms) { /* the last part starting at or before to_ms */
        int i = n - 1;
        while (i > 0 && takes[i].base_ms > to_ms)
            i--;
        int64_t into = to_ms - takes[i].base_ms;
        *to_at = takes[i].start_ms + (into < 0 ? 0 : into);
    }
}

/* ---- store ---- */

int bc_replay_note_pin(bc_db *db, int64_t live_id, int64_t product_id)
{
    int rc = product_id > 0 ? bc_db_exec(db, "INSERT INTO live_pins (live_id, product_id, at) VALUES (?, ?, ?)", "iii",
                                         live_id, product_id, bc_now_ms())
                            : bc_db_exec(db, "INSERT INTO live_pins (live_id, product_id, at) VALUES (?, NULL, ?)",
                                         "ii", live_id, bc_now_ms());
    return rc >= 0 ? BC_OK : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
}

/* The object key of file name (e.g. "index.m3u8") of generation gen of live_id's replay. */
static void object_key(char *out, size_t n, int64_t live_id, int64_t gen, const char *name)
{
    snprintf(out, n, "replays/%lld/%lld/%s", (long long)live_id, (long long)gen, name);
}

static json_t *object_url(int64_t live_id, int64_t gen, const char *name)
{
    char key[BC_MEDIA_KEY_MAX + 1], url[1024];
    object_key(key, sizeof key, live_id, gen, name);
    return bc_media_url(key, url, sizeof url) == BC_OK ? json_string(url) : json_null();
}

static json_t *int_or_null(json_t *row, const char *name)
{
    json_t *v = json_object_get(row, name);
    return json_is_integer(v) ? json_integer(json_integer_value(v)) : json_null();
}

int bc_replay_json(bc_db *db, int64_t live_id, json_t **out)
{
    json_t *r = NULL;
    *out = NULL;
    int rc = bc_db_row(db, &r,
                       "SELECT status, generation, playlist, poster, duration_ms, cut_ms, trim_start_ms, trim_end_ms"
                       " FROM replays WHERE live_id = ?",
                       "i", live_id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (rc == 0) {
        *out = json_null();
        return BC_OK;
    }
    const char *status = json_string_value(json_object_get(r, "status"));
    int ready = strcmp(status, "READY") == 0;
    int64_t gen = json_integer_value(json_object_get(r, "generation"));
    int64_t cut = json_integer_value(json_object_get(r, "cut_ms"));
    int64_t start = json_integer_value(json_object_get(r, "trim_start_ms")) - cut;
    json_t *end = json_object_get(r, "trim_end_ms");
    int poster = json_integer_value(json_object_get(r, "poster")) != 0;
    /* the trim on the video's timeline (its first frame = 0), as the player and the offsets count */
    *out = json_pack("{s:s,s:o,s:o,s:o,s:I,s:o}", "status", status, "playlist_url",
                     ready ? object_url(live_id, gen, json_string_value(json_object_get(r, "playlist"))) : json_null(),
                     "poster_url", ready && poster ? object_url(live_id, gen, "poster.jpg") : json_null(),
                     "duration_ms", int_or_null(r, "duration_ms"), "trim_start_ms", (json_int_t)(start > 0 ? start : 0),
                     "trim_end_ms", json_is_integer(end) ? json_integer(json_integer_value(end) - cut) : json_null());
    json_decref(r);
    return *out ? BC_OK : BC_ERR;
}

int bc_replay_timeline(bc_db *db, int64_t live_id, bc_replay_take *takes, int *n, int *deleted, int *clipped)
{
    json_t *l = NULL, *rows = NULL;
    *n = 0;
    *deleted = 0;
    *clipped = 0;
    int rc = bc_db_row(db, &l,
                       "SELECT l.started_at, r.status, r.playlist, r.cut_ms, r.duration_ms FROM lives l"
                       " LEFT JOIN replays r ON r.live_id = l.id WHERE l.id = ?",
                       "i", live_id);
    if (rc != 1) {
        rc = rc == 0 ? BC_ENOTFOUND : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
        goto out;
    }
    const char *status = json_string_value(json_object_get(l, "status"));
    *deleted = status && strcmp(status, "DELETED") == 0;
    if (status && strcmp(status, "READY") == 0) {
        rc = bc_db_rows(db, &rows,
                        "SELECT started_at, duration_ms FROM replay_parts WHERE live_id = ? AND duration_ms IS NOT NULL"
                        " ORDER BY started_at, id LIMIT 64",
                        "i", live_id);
        if (rc < 0) {
            rc = rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
            goto out;
        }
        /* a trimmed replay holds [cut, cut + duration) of the recording: the parts are clipped to it
         * and its first frame is offset 0 */
        const char *playlist = json_string_value(json_object_get(l, "playlist"));
        *clipped = playlist && strcmp(playlist, "index.m3u8") != 0;
        int64_t w0 = *clipped ? json_integer_value(json_object_get(l, "cut_ms")) : 0;
        int64_t w1 = *clipped ? w0 + json_integer_value(json_object_get(l, "duration_ms")) : INT64_MAX;
        size_t i;
        json_t *p;
        int64_t base = 0;
        json_array_foreach (rows, i, p) {
            if (*n >= BC_REPLAY_MAX_TAKES)
                break;
            int64_t start = json_integer_value(json_object_get(p, "started_at"));
            int64_t dur = json_integer_value(json_object_get(p, "duration_ms"));
            int64_t a = base > w0 ? base : w0, b = base + dur < w1 ? base + dur : w1;
            if (a < b || (!*clipped && dur == 0)) {
                takes[*n] = (bc_replay_take){start + (a - base), b - a, a - w0};
                (*n)++;
            }
            base += dur;
        }
    }
    if (*n == 0 && !*clipped && json_is_integer(json_object_get(l, "started_at"))) {
        /* not made yet (or made from nothing): the broadcast so far, from its start */
        takes[0] = (bc_replay_take){json_integer_value(json_object_get(l, "started_at")), OPEN_END_MS, 0};
        *n = 1;
    }
    rc = BC_OK;
out:
    json_decref(l);
    json_decref(rows);
    return rc;
}

typedef struct part_args {
    int64_t live_id, now;
    const char *path;
    int added; /* out: 1 when the live exists and the part is recorded */
} part_args;

/* The unit of work of recording one finished part: the part row, and the replay back to RECORDING
 * (a part after the replay was made makes it again) unless the seller deleted it. */
static int part_add_tx(bc_db *db, void *arg)
{
    part_args *a = arg;
    int64_t one = 0;
    a->added = 0;
    int rc = bc_db_int(db, &one, "SELECT 1 FROM lives WHERE id = ?", "i", a->live_id);
    if (rc <= 0)
        return rc == 0 ? BC_OK : rc;
    rc = bc_db_exec(db, "INSERT INTO replay_parts (live_id, path, ended_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    "iti", a->live_id, a->path, a->now);
    if (rc < 0)
        return rc;
    rc = bc_db_exec(db,
                    "INSERT INTO replays (live_id, status, last_part_at, created_at, updated_at)"
                    " VALUES (?, 'RECORDING', ?, ?, ?) ON CONFLICT (live_id) DO UPDATE SET"
                    " status = CASE WHEN replays.status = 'DELETED' THEN 'DELETED' ELSE 'RECORDING' END,"
                    " last_part_at = excluded.last_part_at, updated_at = excluded.updated_at",
                    "iiii", a->live_id, a->now, a->now, a->now);
    if (rc < 0)
        return rc;
    a->added = 1;
    return BC_OK;
}

/* ---- running ffmpeg / ffprobe (worker threads only: they block until the tool exits) ---- */

/* Runs argv (argv[0] an absolute path) with stdin from /dev/null and stdout + stderr into out
 * (at most n - 1 bytes kept, NUL-terminated; the rest is read and dropped), killing it after
 * timeout_ms. Returns the exit status (0..255), or -1 when it could not start, was killed or timed
 * out (logged). */
static int run_tool(char *const argv[], char *out, size_t n, int timeout_ms)
{
    int fds[2] = {-1, -1}, status = 0, rc = -1;
    size_t len = 0;
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    out[0] = 0;
    if (pipe2(fds, O_CLOEXEC) != 0)
        goto out;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&fa, 3); /* no listener or database socket in the tool */
#endif
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if ((errno = posix_spawn(&pid, argv[0], &fa, &at, argv, environ)) != 0) {
        bc_log_error("replay", "cannot run %s: %s", argv[0], strerror(errno));
        pid = -1;
        goto out;
    }
    close(fds[1]);
    fds[1] = -1;
    int64_t deadline = bc_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - bc_now_ms();
        if (left <= 0) {
            bc_log_error("replay", "%s did not finish within %d ms; killed", argv[0], timeout_ms);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            pid = -1;
            goto out;
        }
        struct pollfd p = {fds[0], POLLIN, 0};
        int k = poll(&p, 1, left > 1000 ? 1000 : (int)left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            continue;
        char buf[512];
        ssize_t got = read(fds[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break; /* EOF: the tool closed its output (it is exiting) */
        size_t take = (size_t)got < n - 1 - len ? (size_t)got : n - 1 - len;
        memcpy(out + len, buf, take);
        len += take;
        out[len] = 0;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
out:
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return rc;
}

/* The duration of the recording at path in ms (ffprobe format=duration), or -1. */
static int64_t probe_ms(const char *path)
{
    char out[TOOL_OUT_MAX];
    char *const argv[] = {bc_cfg.ffprobe_bin,
                          "-v",
                          "error",
                          "-show_entries",
                          "format=duration",
                          "-of",
                          "default=noprint_wrappers=1:nokey=1",
                          (char *)path,
                          NULL};
    if (run_tool(argv, out, sizeof out, PROBE_TIMEOUT_MS) != 0)
        return -1;
    char *end = NULL;
    double s = strtod(out, &end);
    if (end == out || !(s > 0) || s > 30 * 24 * 3600.0)
        return -1;
    return (int64_t)(s * 1000.0 + 0.5);
}

/* 1 for a path made only of [A-Za-z0-9._/-] (it goes into an ffconcat file between quotes). */
static int plain_path(const char *p)
{
    for (; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '/' || *p == '-'))
            return 0;
    return 1;
}

/* Removes the work directory dir and the files in it (it has no subdirectories). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[PATH_MAX + 300];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

/* Removes the objects of generation gen (segments seg00000.ts.., poster, its playlist object
 * `playlist`, NULL or "index.m3u8" for the one the muxer wrote). */
static void delete_generation(int64_t live_id, int64_t gen, int64_t segments, const char *playlist)
{
    char key[BC_MEDIA_KEY_MAX + 1], name[32];
    if (gen <= 0)
        return;
    if (playlist && strcmp(playlist, "index.m3u8") != 0) { /* first: no reader finds a broken list */
        object_key(key, sizeof key, live_id, gen, playlist);
        bc_media_delete(key);
    }
    object_key(key, sizeof key, live_id, gen, "index.m3u8");
    bc_media_delete(key);
    object_key(key, sizeof key, live_id, gen, "poster.jpg");
    bc_media_delete(key);
    for (int64_t i = 0; i < segments; i++) { /* a trim removed some already: removing them is BC_OK */
        snprintf(name, sizeof name, "seg%05lld.ts", (long long)i);
        object_key(key, sizeof key, live_id, gen, name);
        bc_media_delete(key);
    }
}

/* Reads the VOD playlist at path: its segment count (named seg00000.ts, seg00001.ts, ... in
 * order, as the muxer wrote them) and total duration (sum of EXTINF, ms). BC_OK, or BC_EINVAL
 * when it is not a complete VOD playlist of such segments. */
static int read_playlist(const char *path, int64_t *segments, int64_t *duration_ms)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int endlist = 0, vod = 0;
    double total = 0;
    *segments = 0;
    if (!f)
        return BC_EINVAL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, "#EXTINF:", 8) == 0) {
            total += strtod(line + 8, NULL);
        } else if (strcmp(line, "#EXT-X-ENDLIST") == 0) {
            endlist = 1;
        } else if (strcmp(line, "#EXT-X-PLAYLIST-TYPE:VOD") == 0) {
            vod = 1;
        } else if (line[0] && line[0] != '#') {
            char want[32];
            snprintf(want, sizeof want, "seg%05lld.ts", (long long)*segments);
            if (strcmp(line, want) != 0 || *segments >= SEGMENTS_MAX) {
                fclose(f);
                return BC_EINVAL;
            }
            (*segments)++;
        }
    }
    fclose(f);
    *duration_ms = (int64_t)(total * 1000.0 + 0.5);
    return endlist && vod && *segments > 0 ? BC_OK : BC_EINVAL;
}

/* One part of a replay being made. */
typedef struct part {
    int64_t id, ended_at, dur_ms;
    char path[PATH_MAX];
} part;

/* Publishes the replay's current JSON to the live's room ({"type":"replay","replay":...}). */
static void publish_replay(bc_db *db, int64_t live_id)
{
    json_t *r = NULL;
    if (bc_replay_json(db, live_id, &r) != BC_OK)
        return;
    json_t *d = json_pack("{s:o}", "replay", r);
    bc_chat_publish_event(live_id, "replay", d);
    json_decref(d);
}

/* Marks the claimed replay FAILED (when still ours). */
static void fail_claim(bc_db *db, int64_t live_id, int64_t claim)
{
    bc_db_exec(db,
               "UPDATE replays SET status = 'FAILED', claimed_at = NULL, updated_at = ? WHERE live_id = ?"
               " AND status = 'PROCESSING' AND claimed_at = ?",
               "iii", bc_now_ms(), live_id, claim);
    publish_replay(db, live_id);
}

typedef struct finish_args {
    int64_t live_id, claim, gen, segments, duration_ms, now;
    int poster;
    const part *parts;
    int nparts;
    int won; /* out */
} finish_args;

/* The unit of work that makes a processed replay READY, when the claim is still ours (a part that
 * arrived meanwhile set it back to RECORDING; a delete set it DELETED), with the parts' times. */
static int finish_tx(bc_db *db, void *arg)
{
    finish_args *a = arg;
    a->won = 0;
    int rc = bc_db_exec(
        db,
        "UPDATE replays SET status = 'READY', generation = ?, segments = ?, poster = ?, duration_ms = ?,"
        " playlist = 'index.m3u8', cut_ms = 0, ready_at = ?, updated_at = ?, claimed_at = NULL"
        " WHERE live_id = ? AND status = 'PROCESSING' AND claimed_at = ?",
        "iiiiiiii", a->gen, a->segments, (int64_t)a->poster, a->duration_ms, a->now, a->now, a->live_id, a->claim);
    if (rc <= 0)
        return rc;
    for (int i = 0; i < a->nparts; i++) {
        rc = bc_db_exec(db, "UPDATE replay_parts SET started_at = ?, duration_ms = ? WHERE id = ?", "iii",
                        a->parts[i].ended_at - a->parts[i].dur_ms, a->parts[i].dur_ms, a->parts[i].id);
        if (rc < 0)
            return rc;
    }
    a->won = 1;
    return BC_OK;
}

/* ---- trim: a VOD playlist of the segments the seller keeps ---- */

/* One media segment of a stored playlist: its lines text[from..uri] (the tags before the URI, then
 * the URI line), its start on the playlist's timeline and its EXTINF duration (ms). */
typedef struct seg {
    size_t from, uri, uri_len;
    int64_t start_ms, dur_ms;
} seg;

/* Splits the VOD playlist text (NUL-terminated) into its header (text[0..*header): the lines before
 * the first EXTINF, DISCONTINUITY or URI) and its segments (a new array *segs of *n, caller frees;
 * a segment's lines run from the end of the previous URI line, or of the header, to its own URI).
 * BC_OK, or BC_EINVAL when it is not a complete VOD playlist of plain segment names (RFC 8216
 * §4.3.2.1 EXTINF, §4.3.3.4 ENDLIST, §4.3.3.5 PLAYLIST-TYPE). */
static int parse_playlist(const char *text, size_t *header, seg **segs, int64_t *n)
{
    size_t pos = 0, block = 0;
    int64_t at = 0, dur = -1, cap = 0;
    int vod = 0, endlist = 0, in_header = 1;
    *segs = NULL;
    *n = 0;
    *header = 0;
    while (text[pos]) {
        size_t len = strcspn(text + pos, "\n"), end = len;
        if (end > 0 && text[pos + end - 1] == '\r')
            end--;
        const char *line = text + pos;
        int uri = end > 0 && line[0] != '#';
        int extinf = end >= 8 && strncmp(line, "#EXTINF:", 8) == 0;
        if (in_header && (uri || extinf || (end >= 20 && strncmp(line, "#EXT-X-DISCONTINUITY", 20) == 0))) {
            in_header = 0;
            *header = block = pos;
        }
        if (extinf) {
            double sec = strtod(line + 8, NULL);
            if (!(sec >= 0) || sec > 3600)
                goto bad;
            dur = (int64_t)(sec * 1000.0 + 0.5);
        } else if (end == 14 && strncmp(line, "#EXT-X-ENDLIST", 14) == 0) {
            endlist = 1;
        } else if (end == 24 && strncmp(line, "#EXT-X-PLAYLIST-TYPE:VOD", 24) == 0) {
            vod = 1;
        } else if (uri) { /* a plain name next to the playlist, as the muxer wrote it */
            if (dur < 0 || end > 64 || *n >= SEGMENTS_MAX || line[0] == '.')
                goto bad;
            for (size_t k = 0; k < end; k++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", line[k]))
                    goto bad;
            if (*n == cap) {
                cap = cap ? cap * 2 : 64;
                if (!(*segs = realloc(*segs, (size_t)cap * sizeof **segs)))
                    abort(); /* the out-of-memory policy */
            }
            (*segs)[(*n)++] = (seg){block, pos, end, at, dur};
            at += dur;
            dur = -1;
            block = pos + len + (text[pos + len] == '\n');
        }
        pos += len + (text[pos + len] == '\n');
    }
    if (vod && endlist && *n > 0)
        return BC_OK;
bad:
    free(*segs);
    *segs = NULL;
    *n = 0;
    return BC_EINVAL;
}

typedef struct cut_args {
    int64_t live_id, gen, cut_ms, duration_ms, trim_start, trim_end; /* trim: recording timeline; end -1: none */
    const char *old_playlist, *new_playlist;
    int won; /* out */
} cut_args;

/* The unit of work that switches the replay to the trimmed playlist (and trim), when it is still
 * the READY generation and playlist it was cut from (a concurrent trim, remake or delete wins). */
static int cut_tx(bc_db *db, void *arg)
{
    cut_args *a = arg;
    const char *sql = "UPDATE replays SET playlist = ?, cut_ms = ?, duration_ms = ?, trim_start_ms = ?,"
                      " trim_end_ms = ?, updated_at = ? WHERE live_id = ? AND status = 'READY'"
                      " AND generation = ? AND playlist = ?";
    a->won = 0;
    int rc = a->trim_end >= 0 ? bc_db_exec(db, sql, "tiiiiiiit", a->new_playlist, a->cut_ms, a->duration_ms,
                                           a->trim_start, a->trim_end, bc_now_ms(), a->live_id, a->gen, a->old_playlist)
                              : bc_db_exec(db, sql, "tiiiniiit", a->new_playlist, a->cut_ms, a->duration_ms,
                                           a->trim_start, bc_now_ms(), a->live_id, a->gen, a->old_playlist);
    if (rc < 0)
        return rc;
    a->won = rc == 1;
    return BC_OK;
}

/* Trims the READY replay of live_id to [start, end) ms of its video as it is now (end -1: to its
 * end), segment by segment: the segments that overlap the range are kept in a new playlist object
 * index-{random}.m3u8 of the same generation (the old one is never rewritten: caches never mix), the
 * replay switches to it (cut_ms, duration_ms, the trim on the recording's timeline), then the old
 * playlist and the segments wholly outside are removed from the media store, in that order, so a
 * playlist never names a missing segment. Nothing is cut when every segment overlaps (only the
 * trim is set). *outcome: 0 done, 1 not READY, 2 range outside the video, 3 no replay or deleted.
 * BC_OK (see outcome), BC_ECONFLICT (the replay changed meanwhile: nothing done), BC_EGATEWAY (the
 * S3 store refused), BC_EBUSY or BC_ERR. Blocking: a worker only. */
static int cut_replay(bc_db *db, int64_t live_id, int64_t start, int64_t end, int *outcome)
{
    json_t *r = NULL;
    char *text = NULL, *out = NULL, key[BC_MEDIA_KEY_MAX + 1], name[40], rnd[13];
    size_t len = 0, header = 0, olen = 0;
    seg *segs = NULL;
    int64_t n = 0, first = -1, last = -1;
    *outcome = 3;
    int rc =
        bc_db_row(db, &r, "SELECT status, generation, playlist, duration_ms, cut_ms FROM replays WHERE live_id = ?",
                  "i", live_id);
    if (rc <= 0)
        goto out;
    const char *status = json_string_value(json_object_get(r, "status"));
    const char *playlist = json_string_value(json_object_get(r, "playlist"));
    int64_t gen = json_integer_value(json_object_get(r, "generation"));
    int64_t dur = json_integer_value(json_object_get(r, "duration_ms"));
    int64_t cut = json_integer_value(json_object_get(r, "cut_ms"));
    rc = BC_OK;
    if (strcmp(status, "DELETED") == 0)
        goto out;
    *outcome = 1;
    if (strcmp(status, "READY") != 0)
        goto out;
    *outcome = 2;
    if (start >= (end >= 0 ? end : dur) || end > dur)
        goto out;
    object_key(key, sizeof key, live_id, gen, playlist);
    if ((rc = bc_media_get(key, PLAYLIST_MAX, &text, &len)) != BC_OK) {
        bc_log_error("replay", "live %lld: cannot read the playlist %s (%d)", (long long)live_id, key, rc);
        rc = rc == BC_ENOTFOUND ? BC_ECONFLICT : rc == BC_EGATEWAY ? BC_EGATEWAY : BC_ERR;
        goto out;
    }
    if (parse_playlist(text, &header, &segs, &n) != BC_OK) {
        bc_log_error("replay", "live %lld: %s is not a VOD playlist of segments", (long long)live_id, key);
        rc = BC_ERR;
        goto out;
    }
    for (int64_t i = 0; i < n; i++)
        if (segs[i].start_ms < (end >= 0 ? end : INT64_MAX) && segs[i].start_ms + segs[i].dur_ms > start) {
            first = first < 0 ? i : first;
            last = i;
        }
    if (first < 0) /* only past the EXTINF sum (duration_ms rounds it): the last segment */
        first = last = n - 1;
    cut_args a = {live_id,  gen, cut + segs[first].start_ms, 0, cut + start, end >= 0 ? cut + end : -1, playlist,
                  playlist, 0};
    for (int64_t i = first; i <= last; i++)
        a.duration_ms += segs[i].dur_ms;
    if (first > 0 || last < n - 1) { /* the kept segments, between the header and ENDLIST */
        size_t body = segs[last].uri + segs[last].uri_len - segs[first].from;
        if (!(out = malloc(header + body + 32)))
            abort(); /* the out-of-memory policy */
        memcpy(out, text, header);
        memcpy(out + header, text + segs[first].from, body);
        olen = header + body;
        olen += (size_t)snprintf(out + olen, 32, "\n#EXT-X-ENDLIST\n");
        bc_rand_token(rnd, 12);
        snprintf(name, sizeof name, "index-%s.m3u8", rnd);
        object_key(key, sizeof key, live_id, gen, name);
        if ((rc = bc_media_put(key, out, olen, "application/vnd.apple.mpegurl")) != BC_OK) {
            rc = rc == BC_EGATEWAY ? BC_EGATEWAY : BC_ERR;
            goto out;
        }
        a.new_playlist = name;
    } else {
        a.cut_ms = cut; /* nothing cut: the same playlist and timeline */
        a.duration_ms = dur;
    }
    if ((rc = bc_db_tx(db, cut_tx, &a)) != BC_OK || !a.won) {
        if (a.new_playlist != playlist)
            bc_media_delete(key);
        rc = rc != BC_OK ? rc : BC_ECONFLICT;
        goto out;
    }
    *outcome = 0;
    if (a.new_playlist == playlist)
        goto out;
    object_key(key, sizeof key, live_id, gen, playlist); /* first: no reader finds a broken list */
    bc_media_delete(key);
    for (int64_t i = 0; i < n; i++)
        if (i < first || i > last) {
            char file[72];
            snprintf(file, sizeof file, "%.*s", (int)segs[i].uri_len, text + segs[i].uri);
            object_key(key, sizeof key, live_id, gen, file);
            bc_media_delete(key);
        }
    bc_log_info("replay", "live %lld: trimmed to segments %lld..%lld of %lld (%lld ms from %lld ms), %s",
                (long long)live_id, (long long)first, (long long)last, (long long)n, (long long)a.duration_ms,
                (long long)a.cut_ms, name);
out:
    free(segs);
    free(text);
    free(out);
    json_decref(r);
    return rc < 0 ? rc : BC_OK;
}

/* Makes the replay of live_id from its parts when this instance holds their files and wins the
 * claim: remux, poster, objects, READY. Worker thread; blocks while ffmpeg runs. */
static void process_replay(bc_db *db, int64_t live_id)
{
    json_t *rows = NULL, *old = NULL;
    part *parts = NULL;
    int nparts = 0, local = 0, poster = 0;
    char work[PATH_MAX], list[PATH_MAX + 32], playlist[PATH_MAX + 32], poster_path[PATH_MAX + 32],
        seg_pattern[PATH_MAX + 32], out[TOOL_OUT_MAX];
    int64_t gen = 0, segments = 0, duration_ms = 0, claim = 0;
    work[0] = 0;
    if (bc_db_rows(db, &rows, "SELECT id, path, ended_at FROM replay_parts WHERE live_id = ? ORDER BY ended_at, id",
                   "i", live_id) < 0)
        goto out;
    size_t i;
    json_t *r;
    parts = calloc(json_array_size(rows) + 1, sizeof *parts);
    if (!parts)
        abort(); /* the out-of-memory policy */
    json_array_foreach (rows, i, r) {
        const char *p = json_string_value(json_object_get(r, "path"));
        struct stat st;
        if (p && stat(p, &st) == 0)
            local++;
        if (!p || nparts >= BC_REPLAY_MAX_TAKES || strlen(p) >= PATH_MAX || !plain_path(p) || stat(p, &st) != 0 ||
            st.st_size == 0)
            continue; /* a refused duplicate publisher leaves an empty file */
        parts[nparts].id = json_integer_value(json_object_get(r, "id"));
        parts[nparts].ended_at = json_integer_value(json_object_get(r, "ended_at"));
        snprintf(parts[nparts].path, sizeof parts[nparts].path, "%s", p);
        nparts++;
    }
    if (local == 0)
        goto out; /* the recordings are on another instance (it makes the replay) */
    claim = bc_now_ms();
    if (bc_db_exec(db,
                   "UPDATE replays SET status = 'PROCESSING', claimed_at = ?, updated_at = ? WHERE live_id = ?"
                   " AND (status = 'RECORDING' OR (status = 'PROCESSING' AND claimed_at < ?))",
                   "iiii", claim, claim, live_id, claim - CLAIM_STALE_MS) != 1)
        goto out;
    publish_replay(db, live_id);
    if (bc_db_row(db, &old,
                  "SELECT generation, segments, playlist, cut_ms, trim_start_ms, trim_end_ms FROM replays"
                  " WHERE live_id = ?",
                  "i", live_id) != 1)
        goto fail;
    gen = json_integer_value(json_object_get(old, "generation")) + 1;
    int usable = 0;
    for (int k = 0; k < nparts; k++)
        if ((parts[k].dur_ms = probe_ms(parts[k].path)) > 0)
            usable++;
    if (usable == 0) {
        bc_log_warn("replay", "live %lld: no playable recording", (long long)live_id);
        goto fail;
    }
    snprintf(work, sizeof work, "%s/replay-work", bc_cfg.data_dir);
    bc_mkdirs(work);
    snprintf(work, sizeof work, "%s/replay-work/%lld-XXXXXX", bc_cfg.data_dir, (long long)live_id);
    if (!mkdtemp(work)) {
        bc_log_error("replay", "cannot create a work directory under %s: %s", bc_cfg.data_dir, strerror(errno));
        work[0] = 0;
        goto fail;
    }
    snprintf(list, sizeof list, "%s/parts.ffconcat", work);
    snprintf(playlist, sizeof playlist, "%s/index.m3u8", work);
    snprintf(poster_path, sizeof poster_path, "%s/poster.jpg", work);
    snprintf(seg_pattern, sizeof seg_pattern, "%s/seg%%05d.ts", work);
    FILE *f = fopen(list, "w");
    if (!f)
        goto fail;
    fprintf(f, "ffconcat version 1.0\n");
    const char *first = NULL;
    for (int k = 0; k < nparts; k++)
        if (parts[k].dur_ms > 0) {
            fprintf(f, "file '%s'\n", parts[k].path);
            first = first ? first : parts[k].path;
        }
    if (fclose(f) != 0)
        goto fail;
    char *const remux[] = {bc_cfg.ffmpeg_bin,
                           "-hide_banner",
                           "-loglevel",
                           "error",
                           "-nostdin",
                           "-y",
                           "-f",
                           "concat",
                           "-safe",
                           "0",
                           "-i",
                           list,
                           "-c",
                           "copy",
                           "-f",
                           "hls",
                           "-hls_time",
                           SEGMENT_S,
                           "-hls_playlist_type",
                           "vod",
                           "-hls_segment_filename",
                           seg_pattern,
                           playlist,
                           NULL};
    if (run_tool(remux, out, sizeof out, REMUX_TIMEOUT_MS) != 0) {
        bc_log_error("replay", "live %lld: ffmpeg remux failed: %s", (long long)live_id, out);
        goto fail;
    }
    if (read_playlist(playlist, &segments, &duration_ms) != BC_OK) {
        bc_log_error("replay", "live %lld: ffmpeg wrote no complete VOD playlist", (long long)live_id);
        goto fail;
    }
    /* the poster: a frame a second in (or the first one of a very short stream), 640 wide */
    char *const shot[] = {bc_cfg.ffmpeg_bin,
                          "-hide_banner",
                          "-loglevel",
                          "error",
                          "-nostdin",
                          "-y",
                          "-ss",
                          parts[0].dur_ms > 2000 ? "1" : "0",
                          "-i",
                          (char *)first,
                          "-frames:v",
                          "1",
                          "-vf",
                          "scale=640:-2",
                          "-q:v",
                          "4",
                          poster_path,
                          NULL};
    poster = run_tool(shot, out, sizeof out, PROBE_TIMEOUT_MS) == 0 && access(poster_path, R_OK) == 0;
    if (!poster)
        bc_log_warn("replay", "live %lld: no poster frame (%s)", (long long)live_id, out);
    /* the objects: segments, then the poster, then the playlist that names them */
    char key[BC_MEDIA_KEY_MAX + 1], file[PATH_MAX + 32], name[32];
    for (int64_t s = 0; s < segments; s++) {
        snprintf(name, sizeof name, "seg%05lld.ts", (long long)s);
        snprintf(file, sizeof file, "%s/%s", work, name);
        object_key(key, sizeof key, live_id, gen, name);
        if (bc_media_put_file(key, file, "video/mp2t") != BC_OK)
            goto fail_objects;
    }
    object_key(key, sizeof key, live_id, gen, "poster.jpg");
    if (poster && bc_media_put_file(key, poster_path, "image/jpeg") != BC_OK)
        poster = 0;
    object_key(key, sizeof key, live_id, gen, "index.m3u8");
    if (bc_media_put_file(key, playlist, "application/vnd.apple.mpegurl") != BC_OK)
        goto fail_objects;
    finish_args fa = {live_id, claim, gen, segments, duration_ms, bc_now_ms(), poster, parts, nparts, 0};
    if (bc_db_tx(db, finish_tx, &fa) != BC_OK || !fa.won) {
        /* a newer part or a delete came meanwhile: this generation is not the replay */
        delete_generation(live_id, gen, segments, NULL);
        goto out;
    }
    delete_generation(live_id, json_integer_value(json_object_get(old, "generation")),
                      json_integer_value(json_object_get(old, "segments")),
                      json_string_value(json_object_get(old, "playlist")));
    /* the seller's trim (kept on the recording's timeline) cuts the new generation too */
    json_t *te = json_object_get(old, "trim_end_ms");
    int64_t ts = json_integer_value(json_object_get(old, "trim_start_ms"));
    if (ts > 0 || json_is_integer(te)) {
        int outcome = 0;
        int trc = cut_replay(db, live_id, ts, json_is_integer(te) ? json_integer_value(te) : -1, &outcome);
        if (trc != BC_OK || outcome != 0)
            bc_log_warn("replay", "live %lld: the trim %lld..%lld ms was not applied to generation %lld (%d/%d)",
                        (long long)live_id, (long long)ts,
                        (long long)(json_is_integer(te) ? json_integer_value(te) : -1), (long long)gen, trc, outcome);
    }
    bc_log_info("replay", "live %lld: replay ready (%lld ms, %lld segments, generation %lld)", (long long)live_id,
                (long long)duration_ms, (long long)segments, (long long)gen);
    publish_replay(db, live_id);
    goto out;
fail_objects:
    delete_generation(live_id, gen, segments, NULL);
fail:
    fail_claim(db, live_id, claim);
out:
    if (work[0])
        remove_dir(work);
    free(parts);
    json_decref(rows);
    json_decref(old);
}

/* ---- the ticker: due replays, once a second ---- */
static atomic_int ticking;

/* Worker job: gives up (once a minute) on replays whose files never came, then makes the due ones,
 * one by one. */
static void tick_job(bc_db *db, void *arg)
{
    (void)arg;
    static unsigned ticks; /* one tick job at a time (ticking) */
    json_t *due = NULL;
    int64_t now = bc_now_ms();
    if (ticks++ % 60 == 0) /* a write: once a minute, not every tick */
        bc_db_exec(db,
                   "UPDATE replays SET status = 'FAILED', updated_at = ? WHERE status = 'RECORDING' AND live_id IN"
                   " (SELECT id FROM lives WHERE status = 'ENDED' AND ended_at < ?)",
                   "ii", now, now - GIVE_UP_MS);
    /* due: ended, and the last part came after the end or the end has settled; or a stale claim */
    if (bc_db_rows(db, &due,
                   "SELECT r.live_id FROM replays r JOIN lives l ON l.id = r.live_id WHERE l.status = 'ENDED'"
                   " AND ((r.status = 'RECORDING' AND (r.last_part_at >= l.ended_at OR l.ended_at <= ?))"
                   " OR (r.status = 'PROCESSING' AND r.claimed_at < ?)) ORDER BY r.live_id LIMIT 8",
                   "ii", now - (int64_t)bc_cfg.replay_settle_s * 1000, now - CLAIM_STALE_MS) >= 0) {
        size_t i;
        json_t *r;
        json_array_foreach (due, i, r)
            process_replay(db, json_integer_value(json_object_get(r, "live_id")));
    }
    json_decref(due);
    atomic_store(&ticking, 0);
}

static void *ticker_main(void *arg)
{
    (void)arg;
    struct timespec ts = {TICK_MS / 1000, (long)(TICK_MS % 1000) * 1000000L};
    for (;;) {
        nanosleep(&ts, NULL);
        if (atomic_exchange(&ticking, 1) == 0 && bc_http_defer(tick_job, NULL) != BC_OK)
            atomic_store(&ticking, 0); /* queue full: the next tick retries */
    }
    return NULL;
}

void bc_replay_init(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, ticker_main, NULL) == 0)
        pthread_detach(t);
}

/* ---- routes ---- */

/* The live's seller or an admin may change its replay. Answers 404/403 itself; returns 1 when allowed. */
static int check_owner(bc_req *req, int64_t *id)
{
    int64_t seller = 0;
    if (bc_req_param_id(req, "id", id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return 0;
    }
    int rc = bc_live_seller(bc_req_db(req), *id, &seller);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return 0;
    }
    const bc_auth *a = bc_req_auth(req);
    if (a->role != BC_ROLE_ADMIN && a->user_id != seller) {
        bc_res_error(req, 403, "FORBIDDEN", "only the live's seller may change its replay");
        return 0;
    }
    return 1;
}

static void h_chat_replay(bc_req *req)
{
    int64_t id, seller = 0, from_at, to_at, last_at = 0;
    int64_t from_ms = bc_req_query_int(req, "from_ms", 0), to_ms = bc_req_query_int(req, "to_ms", -1);
    int limit = (int)bc_req_query_int(req, "limit", 200), n = 0, deleted = 0, clipped = 0;
    bc_replay_take takes[BC_REPLAY_MAX_TAKES];
    json_t *items = NULL;
    bc_db *db = bc_req_db(req);
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return;
    }
    if (to_ms >= 0 && to_ms < from_ms) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'to_ms' must not be before 'from_ms'");
        return;
    }
    int rc = bc_live_seller(db, id, &seller);
    if (rc == BC_OK)
        rc = bc_replay_timeline(db, id, takes, &n, &deleted, &clipped);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    if (deleted) {
        bc_res_error(req, 404, "REPLAY_NOT_FOUND", "the seller deleted this live's replay");
        return;
    }
    if (n == 0) { /* never on air: nothing to replay yet */
        bc_res_json(req, 200, json_pack("{s:[],s:n}", "items", "next_from_ms"));
        return;
    }
    bc_replay_range(takes, n, from_ms, to_ms, &from_at, &to_at);
    if (clipped) { /* a trimmed replay: only what its video holds */
        int64_t lo = takes[0].start_ms, hi = takes[n - 1].start_ms + takes[n - 1].dur_ms;
        from_at = from_at > lo ? from_at : lo;
        to_at = to_at < hi ? to_at : hi;
        if (from_at > to_at) {
            bc_res_json(req, 200, json_pack("{s:[],s:n}", "items", "next_from_ms"));
            return;
        }
    }
    if ((rc = bc_chat_replay(db, id, seller, takes, n, from_at, to_at, limit, &items, &last_at)) != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    /* a full page: the next one starts at the last message's offset (the client drops repeats by id) */
    json_t *next = json_array_size(items) >= (size_t)limit || (last_at && json_array_size(items) == 0)
                       ? json_integer(bc_replay_offset(takes, n, last_at))
                       : json_null();
    bc_res_json(req, 200, json_pack("{s:o,s:o}", "items", items, "next_from_ms", next));
}

static void h_pins(bc_req *req)
{
    int64_t id;
    int n = 0, deleted = 0, clipped = 0, rc;
    bc_replay_take takes[BC_REPLAY_MAX_TAKES];
    json_t *rows = NULL, *items = json_array(), *products = json_object();
    bc_db *db = bc_req_db(req);
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        goto out;
    }
    if ((rc = bc_replay_timeline(db, id, takes, &n, &deleted, &clipped)) != BC_OK) {
        bc_res_from_err(req, rc);
        goto out;
    }
    if (bc_db_rows(db, &rows, "SELECT product_id, at FROM live_pins WHERE live_id = ? ORDER BY at, id LIMIT 1000", "i",
                   id) < 0) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        json_t *pid = json_object_get(r, "product_id"), *product = NULL;
        int64_t at = json_integer_value(json_object_get(r, "at"));
        if (clipped && (n == 0 || at > takes[n - 1].start_ms + takes[n - 1].dur_ms))
            continue; /* after a trimmed replay's end (one before its start shows from offset 0) */
        if (json_is_integer(pid)) {
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)json_integer_value(pid));
            product = json_object_get(products, key);
            if (!product) { /* each product once, in the live's shape (with its live-only terms) */
                bc_live_offer offer;
                rc = bc_live_product_json(db, json_integer_value(pid), &product);
                if (rc == BC_OK && bc_live_offer_get(db, id, json_integer_value(pid), &offer) == BC_OK)
                    json_object_set_new(product, "live_offer", bc_live_offer_json(&offer));
                else if (rc == BC_OK)
                    json_object_set_new(product, "live_offer", json_null());
                else if (rc != BC_ENOTFOUND) {
                    bc_res_from_err(req, rc);
                    goto out;
                }
                json_object_set_new(products, key, product ? product : json_null());
            }
        }
        json_array_append_new(items, json_pack("{s:I,s:I,s:O,s:O}", "offset_ms",
                                               (json_int_t)bc_replay_offset(takes, n, at), "pinned_at", (json_int_t)at,
                                               "product_id", pid, "product", product ? product : json_null()));
    }
    bc_res_json(req, 200, json_pack("{s:O}", "items", items));
out:
    json_decref(rows);
    json_decref(items);
    json_decref(products);
}

static void h_trim(bc_req *req)
{
    int64_t id;
    int outcome = 0;
    json_t *body = bc_req_json(req), *end = json_object_get(body, "trim_end_ms"), *r = NULL;
    if (!check_owner(req, &id))
        return;
    int rc = cut_replay(bc_req_db(req), id, json_integer_value(json_object_get(body, "trim_start_ms")),
                        json_is_integer(end) ? json_integer_value(end) : -1, &outcome);
    if (rc == BC_EGATEWAY) {
        bc_res_error(req, 502, "MEDIA_STORE_FAILED",
                     "the media store refused the replay's objects or could not be reached");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    if (outcome == 3) {
        bc_res_error(req, 404, "REPLAY_NOT_FOUND", "this live has no replay");
        return;
    }
    if (outcome == 1) {
        bc_res_error(req, 409, "REPLAY_NOT_READY", "the replay is not ready yet");
        return;
    }
    if (outcome == 2) {
        bc_res_error(req, 422, "INVALID_TRIM",
                     "trim_start_ms must be before trim_end_ms, and trim_end_ms within the replay's duration_ms");
        return;
    }
    publish_replay(bc_req_db(req), id);
    if ((rc = bc_replay_json(bc_req_db(req), id, &r)) != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, r);
}

typedef struct delete_args {
    int64_t live_id, gen, segments;
    char playlist[64];
    int found; /* out */
} delete_args;

static int delete_tx(bc_db *db, void *arg)
{
    delete_args *a = arg;
    json_t *r = NULL;
    a->found = 0;
    int rc =
        bc_db_row(db, &r,
                  bc_db_dialect_sql(db, "SELECT status, generation, segments, playlist FROM replays WHERE live_id = ?",
                                    "SELECT status, generation, segments, playlist FROM replays WHERE live_id = ?"
                                    " FOR UPDATE"),
                  "i", a->live_id);
    if (rc <= 0)
        return rc;
    if (strcmp(json_string_value(json_object_get(r, "status")), "DELETED") != 0) {
        a->gen = json_integer_value(json_object_get(r, "generation"));
        a->segments = json_integer_value(json_object_get(r, "segments"));
        snprintf(a->playlist, sizeof a->playlist, "%s", json_string_value(json_object_get(r, "playlist")));
        rc =
            bc_db_exec(db, "UPDATE replays SET status = 'DELETED', claimed_at = NULL, updated_at = ? WHERE live_id = ?",
                       "ii", bc_now_ms(), a->live_id);
        a->found = rc == 1;
    }
    json_decref(r);
    return rc < 0 ? rc : BC_OK;
}

static void h_delete(bc_req *req)
{
    int64_t id;
    json_t *rows = NULL;
    bc_db *db = bc_req_db(req);
    if (!check_owner(req, &id))
        return;
    delete_args a = {id, 0, 0, "", 0};
    int rc = bc_db_tx(db, delete_tx, &a);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    if (!a.found) {
        bc_res_error(req, 404, "REPLAY_NOT_FOUND", "this live has no replay");
        return;
    }
    delete_generation(id, a.gen, a.segments, a.playlist);
    /* the recordings on this instance too (an instance that made nothing has none) */
    if (bc_db_rows(db, &rows, "SELECT path FROM replay_parts WHERE live_id = ?", "i", id) >= 0) {
        size_t i;
        json_t *r;
        json_array_foreach (rows, i, r)
            unlink(json_string_value(json_object_get(r, "path")));
    }
    json_decref(rows);
    publish_replay(db, id);
    bc_res_send(req, 204, "application/json", "", 0);
}

/* nginx-rtmp callbacks carry the callback token as ?token= (live_api.c checks the other callbacks
 * the same way: constant-time comparison, nothing accepted when no token is set). */
static int callback_allowed(bc_req *req)
{
    const char *want = bc_cfg.rtmp_callback_token, *got = bc_req_query(req, "token");
    size_t n = strlen(want);
    return n > 0 && got && strlen(got) == n && sodium_memcmp(got, want, n) == 0;
}

/* POST /internal/rtmp/on_record_done: one publish session's recording is closed. Only files in
 * {data_dir}/rec named *.flv are taken (the path is resolved first: no link leads out). */
static void h_on_record_done(bc_req *req)
{
    int64_t id = 0;
    char rec[PATH_MAX + 8], dir[PATH_MAX], real[PATH_MAX];
    const char *path = bc_req_form(req, "path");
    if (!callback_allowed(req)) {
        bc_log_warn("replay", "rtmp callback refused: missing or wrong callback token");
        bc_res_error(req, 403, "FORBIDDEN", "refused");
        return;
    }
    snprintf(rec, sizeof rec, "%s/rec", bc_cfg.data_dir);
    size_t plen = path ? strlen(path) : 0;
    if (bc_parse_i64(bc_req_form(req, "name"), 1, INT64_MAX, &id) != BC_OK || plen < 5 ||
        strcmp(path + plen - 4, ".flv") != 0 || !realpath(rec, dir) || !realpath(path, real) ||
        strncmp(real, dir, strlen(dir)) != 0 || real[strlen(dir)] != '/' || !plain_path(real)) {
        bc_log_warn("replay", "on_record_done ignored: not a recording of ours (%s)", path ? path : "no path");
        bc_res_send(req, 200, "text/plain", "", 0);
        return;
    }
    struct stat st;
    if (stat(real, &st) != 0 || st.st_size == 0) {
        unlink(real); /* a refused duplicate publisher's empty file */
        bc_res_send(req, 200, "text/plain", "", 0);
        return;
    }
    part_args a = {id, bc_now_ms(), real, 0};
    int rc = bc_db_tx(bc_req_db(req), part_add_tx, &a);
    if (rc != BC_OK)
        bc_log_error("replay", "live %lld: cannot record the part %s", (long long)id, real);
    else if (a.added)
        bc_log_info("replay", "live %lld: recorded %s (%lld bytes)", (long long)id, real, (long long)st.st_size);
    bc_res_send(req, rc == BC_OK ? 200 : 500, "text/plain", "", 0);
}

static const bc_field chat_replay_query[] = {
    {"from_ms", BC_F_INT, 0, 0, (int64_t)1 << 40, "offset in the replay (ms) of the first message", .def = "0"},
    {"to_ms", BC_F_INT, 0, 0, (int64_t)1 << 40, "offset in the replay (ms) of the last message (default: the end)"},
    {"limit", BC_F_INT, 0, 1, 500, "most messages", .def = "200"},
    {NULL},
};

static const bc_field trim_body[] = {
    {"trim_start_ms", BC_F_INT, 1, 0, (int64_t)1 << 40,
     "where the replay starts, ms of its video as it is now (before any trim: from the recording's start)"},
    {"trim_end_ms", BC_F_INT, 0, 1, (int64_t)1 << 40,
     "where it ends, ms of its video as it is now (null or absent: at the end)", .nullable = 1},
    {NULL},
};

#define RTMP_Q(n, d)                                                                                                   \
    {                                                                                                                  \
        n, BC_F_STR, 0, 0, 2048, d, .text = BC_TEXT_OPAQUE                                                             \
    }
static const bc_field record_query[] = {
    RTMP_Q("token", "the callback token (BROADCART_RTMP_CALLBACK_TOKEN or the generated one)"),
    RTMP_Q("app", "RTMP application"),
    RTMP_Q("name", "stream name: the live id"),
    RTMP_Q("clientid", "nginx connection id"),
    RTMP_Q("call", "record_done"),
    RTMP_Q("recorder", "recorder name (empty: the default)"),
    RTMP_Q("path", "the recording's absolute path"),
    RTMP_Q("key", "stream key from the publish URL"),
    {NULL},
};

static const bc_schema sc_chat_replay = {
    "ChatReplay",
    "{\"type\":\"object\",\"required\":[\"items\",\"next_from_ms\"],\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":{\"type\":\"object\",\"required\":[\"type\",\"id\",\"live_id\",\"user\",\"text\",\"sent_at\","
    "\"is_seller\",\"badge\",\"question\",\"offset_ms\"],\"properties\":{\"type\":{\"type\":\"string\",\"enum\":["
    "\"chat\"]},"
    "\"id\":{\"type\":\"integer\"},\"live_id\":{\"type\":\"integer\"},\"user\":{\"type\":\"object\",\"required\":["
    "\"id\",\"name\",\"role\"],\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},"
    "\"role\":{\"type\":\"string\"}}},\"text\":{\"type\":\"string\"},\"sent_at\":{\"type\":\"string\","
    "\"format\":\"date-time\"},\"is_seller\":{\"type\":\"boolean\"},\"badge\":{\"type\":[\"string\","
    "\"null\"],\"enum\":[\"seller\",\"moderator\",null]},\"question\":{\"type\":\"boolean\"},\"offset_ms\":{\"type\":"
    "\"integer\","
    "\"description\":\"ms from the first frame of the replay's video (the player's "
    "time)\"}}}},\"next_from_ms\":{\"type\":["
    "\"integer\",\"null\"],\"description\":\"a full page: from_ms of the next one (repeats dropped by id); null: "
    "no more in the range\"}}}",
    NULL};

static const bc_schema sc_pins = {
    "PinTimeline",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"required\":[\"offset_ms\",\"pinned_at\",\"product_id\",\"product\"],\"properties\":{"
    "\"offset_ms\":{\"type\":\"integer\",\"description\":\"ms from the first frame of the replay's "
    "video\"},\"pinned_at\":{"
    "\"type\":\"string\",\"format\":\"date-time\"},\"product_id\":{\"type\":[\"integer\",\"null\"],"
    "\"description\":\"null: unpinned\"},\"product\":{\"oneOf\":[{\"$ref\":\"#/components/schemas/Product\"},{"
    "\"type\":\"null\"}]}}}}}}",
    (const bc_schema *const[]){&bc_sc_product, NULL}};

const bc_route bc_replay_routes[] = {
    {"GET", "/api/v1/lives/{id}/chat/replay", 0, BC_RT_OPTIONAL_AUTH, NULL, h_chat_replay, "lives",
     "The chat of a live by its offset in the replay (deleted messages left out), oldest first", 200,
     .query = chat_replay_query, .response = &sc_chat_replay,
     .errors = (const char *const[]){"REPLAY_NOT_FOUND", NULL}},
    {"GET", "/api/v1/lives/{id}/pins", 0, BC_RT_OPTIONAL_AUTH, NULL, h_pins, "lives",
     "Every pin and unpin of a live with its offset in the replay (the replay's product timeline)", 200,
     .response = &sc_pins},
    {"PUT", "/api/v1/lives/{id}/replay", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, trim_body, h_trim, "lives",
     "Trim the replay's start and end, destructively: the segments wholly outside the range are deleted (a "
     "new playlist URL lists the rest; what was cut cannot be restored), offsets then count from the first "
     "kept segment",
     200, .response = &bc_sc_replay,
     .errors = (const char *const[]){"REPLAY_NOT_FOUND", "REPLAY_NOT_READY", "INVALID_TRIM", "CONFLICT",
                                     "MEDIA_STORE_FAILED", NULL}},
    {"DELETE", "/api/v1/lives/{id}/replay", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_delete, "lives",
     "Delete the replay: its video, poster and recordings are removed", 204,
     .errors = (const char *const[]){"REPLAY_NOT_FOUND", NULL}},
    {"POST", "/internal/rtmp/on_record_done", 0, BC_RT_LOOPBACK | BC_RT_INTERNAL, NULL, h_on_record_done, "internal",
     "nginx-rtmp on_record_done", 200, .query = record_query, .res_type = "text/plain",
     .req_type = "application/x-www-form-urlencoded"},
    {NULL},
};
