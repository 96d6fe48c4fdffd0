/* Chat moderation: the room snapshot cache (chat_int.h), banned-word folding, the store code of
 * the moderation tables (migration 19: chat_rooms, chat_sanctions, chat_sellers, chat_moderators,
 * chat_banned_words, chat_last_sent, chat_mod_log; chat_messages.deleted_*, question, answered_at)
 * and the routes under /api/v1/lives/{id}/moderation (chat.h, docs/CONTRACT.md "moderation").
 *
 * Cluster-wide: every setting lives in the database. A change bumps the room's version
 * (chat_rooms.version) or, for what belongs to the seller (moderators, banned words), the seller's
 * (chat_sellers.version). The worker that stores a message compares both versions with its cached
 * snapshot (one query per room per batch), so the rules a message meets are the committed ones on
 * every instance; and each instance re-checks the rooms it has viewers in every MOD_SYNC_MS, which
 * is how a ban made on another instance closes the banned user's connections here. */
#include "chat_int.h"

#include "../accounts/accounts.h"
#include "../commerce/commerce.h"
#include "../live/live.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MOD_BUCKETS 256
#define MOD_ROOMS_MAX 4096    /* snapshots cached per process; beyond, rooms are loaded per use */
#define MOD_IDLE_MS 60000     /* a snapshot of a room without viewers here is dropped after this */
#define MOD_SYNC_ROOMS 256    /* rooms refreshed per sync round */
#define MOD_RECENT_MS 10000   /* ... also those without viewers here whose snapshot was used this recently */
#define MOD_MAX_WORDS 200     /* banned words per seller */
#define MOD_WORD_CHARS 40     /* characters per banned word */
#define MOD_NOTICE_CHARS 200  /* characters of the pinned notice */
#define MOD_SLOW_MAX_S 3600   /* slow mode: at most one message per hour */
#define MOD_MUTE_MAX_MIN 1440 /* mutes: at most a day */

/* ---- banned-word folding ---- */

/* General categories dropped by bc_chat_fold: separators (Z*), punctuation (P*), other (C*: controls,
 * format characters such as ZWJ/ZWSP, unassigned), non-emoji symbols (Sm, Sc, Sk) and marks left
 * after composition (Mn, Me). */
static int fold_drops(utf8proc_int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
        return 1;
    default:
        return 0;
    }
}

int bc_chat_fold(const char *text, char **out)
{
    utf8proc_uint8_t *m = NULL;
    *out = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, 0, &m,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                          UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
    if (n < 0)
        return n == UTF8PROC_ERROR_NOMEM ? BC_ENOMEM : BC_EINVAL;
    utf8proc_ssize_t r = 0, w = 0;
    while (r < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate(m + r, n - r, &cp);
        if (len <= 0)
            break; /* cannot happen: utf8proc_map wrote valid UTF-8 */
        if (!fold_drops(cp)) {
            memmove(m + w, m + r, (size_t)len);
            w += len;
        }
        r += len;
    }
    m[w] = 0;
    *out = (char *)m;
    return BC_OK;
}

/* ---- snapshots ---- */

static void snap_free(mod_snap *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nwords; i++)
        free(s->words[i]);
    free(s->words);
    free(s->notice);
    free(s->bans);
    free(s->mute_users);
    free(s->mute_until);
    free(s->mods);
    free(s);
}

void mod_put(mod_snap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snap_free(s);
}

typedef struct mod_entry {
    int64_t live_id;
    mod_snap *snap;
    int64_t used_ms;
    struct mod_entry *next;
} mod_entry;

static pthread_mutex_t mlock = PTHREAD_MUTEX_INITIALIZER;
static mod_entry *mtable[MOD_BUCKETS];
static int mcount;

static size_t mbucket(int64_t id) { return (size_t)((uint64_t)id * 11400714819323198485ull >> 56) % MOD_BUCKETS; }

mod_snap *mod_get(int64_t live_id)
{
    mod_snap *s = NULL;
    pthread_mutex_lock(&mlock);
    for (mod_entry *e = mtable[mbucket(live_id)]; e; e = e->next) {
        if (e->live_id == live_id) {
            s = e->snap;
            atomic_fetch_add(&s->refs, 1);
            e->used_ms = bc_now_ms();
            break;
        }
    }
    pthread_mutex_unlock(&mlock);
    return s;
}

/* Caches s (the cache takes its own reference) unless the cached one is newer. */
static void cache_set(mod_snap *s)
{
    mod_snap *old = NULL;
    pthread_mutex_lock(&mlock);
    mod_entry **pp = &mtable[mbucket(s->live_id)], *e;
    while ((e = *pp) && e->live_id != s->live_id)
        pp = &e->next;
    if (!e && mcount < MOD_ROOMS_MAX && (e = calloc(1, sizeof *e))) {
        e->live_id = s->live_id;
        *pp = e;
        mcount++;
    }
    if (e && (!e->snap || (s->room_version >= e->snap->room_version && s->seller_version >= e->snap->seller_version))) {
        old = e->snap;
        atomic_fetch_add(&s->refs, 1);
        e->snap = s;
        e->used_ms = bc_now_ms();
    }
    pthread_mutex_unlock(&mlock);
    mod_put(old);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int has_id(const int64_t *v, size_t n, int64_t id)
{
    return n && bsearch(&id, v, n, sizeof *v, cmp_i64) != NULL;
}

int mod_privileged(const mod_snap *s, int64_t user_id, int role)
{
    return role == BC_ROLE_ADMIN || (s && (user_id == s->seller_id || has_id(s->mods, s->nmods, user_id)));
}

int mod_banned(const mod_snap *s, int64_t user_id) { return s && has_id(s->bans, s->nbans, user_id); }

int64_t mod_muted_until(const mod_snap *s, int64_t user_id, int64_t now)
{
    if (!s || !s->nmutes)
        return 0;
    int64_t *p = bsearch(&user_id, s->mute_users, s->nmutes, sizeof *p, cmp_i64);
    if (!p)
        return 0;
    int64_t until = s->mute_until[p - s->mute_users];
    return until > now ? until : 0;
}

const char *mod_badge(const mod_snap *s, int64_t user_id, int role)
{
    if (s && user_id == s->seller_id)
        return "seller";
    if (role == BC_ROLE_ADMIN || (s && has_id(s->mods, s->nmods, user_id)))
        return "moderator";
    return NULL;
}

static const char *const mode_names[] = {"everyone", "followers", "buyers"};

static int mode_from_name(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, mode_names[i]) == 0)
            return i;
    return MOD_EVERYONE;
}

/* ---- store: reads ---- */

/* The stored versions of live_id's room and of seller_id. BC_OK, BC_EBUSY or BC_ERR. */
static int read_versions(bc_db *db, int64_t live_id, int64_t seller_id, int64_t *rv, int64_t *sv)
{
    bc_stmt *st = bc_db_prepare(db, "SELECT COALESCE((SELECT version FROM chat_rooms WHERE live_id = ?), 0),"
                                    " COALESCE((SELECT version FROM chat_sellers WHERE seller_id = ?), 0)");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, live_id);
    bc_stmt_bind_int(st, 2, seller_id);
    int r = bc_stmt_step(st), rc = r == 1 ? BC_OK : r == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (r == 1) {
        *rv = bc_stmt_int(st, 0);
        *sv = bc_stmt_int(st, 1);
    }
    bc_stmt_reset(st);
    return rc;
}

/* An array of the integer column col of rows, sorted (caller frees; NULL when n is 0). */
static int64_t *column_ids(json_t *rows, const char *col, size_t *n)
{
    *n = json_array_size(rows);
    int64_t *v = *n ? calloc(*n, sizeof *v) : NULL;
    if (!v) {
        *n = 0;
        return NULL;
    }
    for (size_t i = 0; i < *n; i++)
        v[i] = json_integer_value(json_object_get(json_array_get(rows, i), col));
    qsort(v, *n, sizeof *v, cmp_i64);
    return v;
}

/* Loads the snapshot of live_id (seller seller_id) with the versions read before. */
static int snap_load(bc_db *db, int64_t live_id, int64_t seller_id, int64_t rv, int64_t sv, mod_snap **out)
{
    json_t *room = NULL, *sanctions = NULL, *mods = NULL, *words = NULL;
    int64_t now = bc_now_ms();
    int rc = BC_ERR;
    mod_snap *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return BC_ENOMEM;
    atomic_init(&s->refs, 1);
    s->live_id = live_id;
    s->seller_id = seller_id;
    s->room_version = rv;
    s->seller_version = sv;
    int r = bc_db_row(db, &room, "SELECT slow_mode_s, chat_mode, frozen, notice FROM chat_rooms WHERE live_id = ?", "i",
                      live_id);
    if (r < 0 ||
        bc_db_rows(db, &sanctions,
                   "SELECT user_id, kind, until_at FROM chat_sanctions WHERE live_id = ?"
                   " AND (until_at IS NULL OR until_at > ?) ORDER BY user_id",
                   "ii", live_id, now) < 0 ||
        bc_db_rows(db, &mods, "SELECT user_id FROM chat_moderators WHERE seller_id = ?", "i", seller_id) < 0 ||
        bc_db_rows(db, &words, "SELECT folded FROM chat_banned_words WHERE seller_id = ?", "i", seller_id) < 0) {
        rc = r == BC_EBUSY ? BC_EBUSY : BC_ERR;
        goto out;
    }
    if (room) {
        s->slow_mode_s = json_integer_value(json_object_get(room, "slow_mode_s"));
        s->chat_mode = mode_from_name(json_string_value(json_object_get(room, "chat_mode")));
        s->frozen = json_integer_value(json_object_get(room, "frozen")) != 0;
        const char *notice = json_string_value(json_object_get(room, "notice"));
        if (notice && !(s->notice = strdup(notice)))
            goto nomem;
    }
    size_t n = json_array_size(sanctions), i;
    json_t *row;
    s->bans = n ? calloc(n, sizeof *s->bans) : NULL;
    s->mute_users = n ? calloc(n, sizeof *s->mute_users) : NULL;
    s->mute_until = n ? calloc(n, sizeof *s->mute_until) : NULL;
    if (n && (!s->bans || !s->mute_users || !s->mute_until))
        goto nomem;
    json_array_foreach (sanctions, i, row) { /* ordered by user_id: both arrays come out sorted */
        int64_t uid = json_integer_value(json_object_get(row, "user_id"));
        if (strcmp(json_string_value(json_object_get(row, "kind")), "BAN") == 0) {
            s->bans[s->nbans++] = uid;
        } else {
            json_t *until = json_object_get(row, "until_at");
            s->mute_users[s->nmutes] = uid;
            s->mute_until[s->nmutes++] = json_is_integer(until) ? json_integer_value(until) : INT64_MAX;
        }
    }
    s->mods = column_ids(mods, "user_id", &s->nmods);
    if (json_array_size(mods) && !s->mods)
        goto nomem;
    n = json_array_size(words);
    s->words = n ? calloc(n, sizeof *s->words) : NULL;
    if (n && !s->words)
        goto nomem;
    json_array_foreach (words, i, row) {
        const char *w = json_string_value(json_object_get(row, "folded"));
        if (w && *w && !(s->words[s->nwords++] = strdup(w)))
            goto nomem;
    }
    *out = s;
    s = NULL;
    rc = BC_OK;
    goto out;
nomem:
    rc = BC_ENOMEM;
out:
    snap_free(s);
    json_decref(room);
    json_decref(sanctions);
    json_decref(mods);
    json_decref(words);
    return rc;
}

int mod_fresh(bc_db *db, int64_t live_id, int64_t seller_id, mod_snap **out, int *changed)
{
    mod_snap *cur = mod_get(live_id), *s = NULL;
    int64_t rv = 0, sv = 0;
    int rc;
    *out = NULL;
    if (changed)
        *changed = 0;
    if (!seller_id && cur)
        seller_id = cur->seller_id;
    if (!seller_id && (rc = bc_live_seller(db, live_id, &seller_id)) != BC_OK)
        goto out;
    if ((rc = read_versions(db, live_id, seller_id, &rv, &sv)) != BC_OK)
        goto out;
    if (cur && cur->seller_id == seller_id && cur->room_version == rv && cur->seller_version == sv) {
        *out = cur;
        cur = NULL;
        goto out;
    }
    if ((rc = snap_load(db, live_id, seller_id, rv, sv, &s)) != BC_OK)
        goto out;
    cache_set(s);
    *out = s;
    if (changed)
        *changed = 1;
out:
    mod_put(cur);
    return rc;
}

/* ---- the message check (drain job) ---- */

int mod_check_message(bc_db *db, const mod_snap *s, int64_t user_id, int role, const char *text, int64_t now,
                      mod_refusal *why)
{
    int rc = BC_OK, yes = 0;
    char *folded = NULL;
    why->code = why->message = NULL;
    if (mod_privileged(s, user_id, role))
        goto out;
    if (mod_banned(s, user_id)) {
        *why = (mod_refusal){"BANNED_FROM_LIVE", "you are banned from this live's chat"};
        goto out;
    }
    if (mod_muted_until(s, user_id, now)) {
        *why = (mod_refusal){"MUTED", "you are muted in this chat for now"};
        goto out;
    }
    if (s->frozen) {
        *why = (mod_refusal){"CHAT_FROZEN", "the chat is frozen: only the seller and moderators can write"};
        goto out;
    }
    if (s->nwords) {
        if ((rc = bc_chat_fold(text, &folded)) != BC_OK)
            goto out;
        for (size_t i = 0; i < s->nwords; i++) {
            if (strstr(folded, s->words[i])) {
                *why = (mod_refusal){"BANNED_WORD", "the message contains a word the seller does not allow"};
                goto out;
            }
        }
    }
    if (s->chat_mode == MOD_FOLLOWERS) {
        if ((rc = bc_accounts_follows(db, user_id, s->seller_id, &yes)) != BC_OK)
            goto out;
        if (!yes) {
            *why = (mod_refusal){"FOLLOWERS_ONLY", "only followers of the seller can chat now"};
            goto out;
        }
    } else if (s->chat_mode == MOD_BUYERS) {
        if ((rc = bc_commerce_bought_from(db, user_id, s->seller_id, &yes)) != BC_OK)
            goto out;
        if (!yes) {
            *why = (mod_refusal){"BUYERS_ONLY", "only buyers who paid an order from the seller can chat now"};
            goto out;
        }
    }
    if (s->slow_mode_s > 0) {
        /* one accepted message per slow_mode_s per user: the upsert changes a row only when the
         * last accepted one is old enough; a concurrent writer on another instance waits for the
         * row lock (PostgreSQL re-checks the condition on the newest row) */
        int n = bc_db_exec(db,
                           "INSERT INTO chat_last_sent (live_id, user_id, sent_at) VALUES (?, ?, ?)"
                           " ON CONFLICT (live_id, user_id) DO UPDATE SET sent_at = excluded.sent_at"
                           " WHERE chat_last_sent.sent_at <= ?",
                           "iiii", s->live_id, user_id, now, now - s->slow_mode_s * 1000);
        if (n < 0) {
            rc = n;
            goto out;
        }
        if (n == 0)
            *why = (mod_refusal){"SLOW_MODE", "slow mode: wait a little before your next message"};
    }
out:
    free(folded);
    return rc;
}

/* ---- the sync round ---- */

static atomic_int sync_running;
static int64_t last_sync_ms; /* the ticker thread only */

typedef struct room_list {
    int n;
    int64_t ids[MOD_SYNC_ROOMS];
} room_list;

static void collect_room(int64_t room, int count, void *arg)
{
    room_list *l = arg;
    if (count > 0 && room < BC_HUB_PRIVATE_ROOM_BASE && l->n < MOD_SYNC_ROOMS)
        l->ids[l->n++] = room;
}

/* Adds the rooms whose snapshot was used within MOD_RECENT_MS (e.g. a handshake it refused) and
 * that are not in l yet, so a lifted ban is noticed here even without viewers in the room. */
static void collect_recent(room_list *l, int64_t now)
{
    pthread_mutex_lock(&mlock);
    for (int b = 0; b < MOD_BUCKETS && l->n < MOD_SYNC_ROOMS; b++) {
        for (mod_entry *e = mtable[b]; e && l->n < MOD_SYNC_ROOMS; e = e->next) {
            int known = 0;
            for (int i = 0; i < l->n && !known; i++)
                known = l->ids[i] == e->live_id;
            if (!known && now - e->used_ms < MOD_RECENT_MS)
                l->ids[l->n++] = e->live_id;
        }
    }
    pthread_mutex_unlock(&mlock);
}

/* Drops the snapshots not used for MOD_IDLE_MS (rooms without viewers here). */
static void cache_sweep(int64_t now)
{
    mod_entry *dead = NULL;
    pthread_mutex_lock(&mlock);
    for (int b = 0; b < MOD_BUCKETS; b++) {
        for (mod_entry **pp = &mtable[b], *e; (e = *pp);) {
            if (now - e->used_ms > MOD_IDLE_MS && bc_hub_local_count(e->live_id) == 0) {
                *pp = e->next;
                e->next = dead;
                dead = e;
                mcount--;
            } else {
                pp = &e->next;
            }
        }
    }
    pthread_mutex_unlock(&mlock);
    for (mod_entry *e = dead, *next; e; e = next) {
        next = e->next;
        mod_put(e->snap);
        free(e);
    }
}

static void sync_job(bc_db *db, void *arg)
{
    (void)arg;
    room_list *l = calloc(1, sizeof *l);
    if (l) {
        bc_hub_each_local_count(collect_room, l);
        collect_recent(l, bc_now_ms());
        for (int i = 0; i < l->n; i++) {
            mod_snap *s = NULL;
            int changed = 0;
            if (mod_fresh(db, l->ids[i], 0, &s, &changed) == BC_OK && changed && s->nbans)
                chat_close_banned(s);
            mod_put(s);
        }
        free(l);
    }
    cache_sweep(bc_now_ms());
    atomic_store(&sync_running, 0);
}

void mod_tick(int64_t now)
{
    int idle = 0;
    if (now - last_sync_ms < MOD_SYNC_MS || !atomic_compare_exchange_strong(&sync_running, &idle, 1))
        return;
    last_sync_ms = now;
    if (bc_http_defer(sync_job, NULL) != BC_OK)
        atomic_store(&sync_running, 0);
}

/* ---- for other modules (chat.h) ---- */

int bc_chat_banned(bc_db *db, int64_t live_id, int64_t user_id)
{
    int64_t one = 0;
    int r = bc_db_int(db, &one, "SELECT 1 FROM chat_sanctions WHERE live_id = ? AND user_id = ? AND kind = 'BAN'", "ii",
                      live_id, user_id);
    return r == 1 ? BC_EFORBIDDEN : r == 0 ? BC_OK : r;
}

json_t *bc_chat_notice_json(bc_db *db, int64_t live_id)
{
    json_t *row = NULL, *v = NULL;
    if (bc_db_row(db, &row, "SELECT notice FROM chat_rooms WHERE live_id = ?", "i", live_id) == 1)
        v = json_incref(json_object_get(row, "notice"));
    json_decref(row);
    return v && json_is_string(v) ? v : (json_decref(v), json_null());
}

/* ---- store: writes (each a unit of work of bc_db_tx) ---- */

static int bump_room(bc_db *db, int64_t live_id, int64_t now)
{
    int n = bc_db_exec(db,
                       "INSERT INTO chat_rooms (live_id, version, updated_at) VALUES (?, 1, ?)"
                       " ON CONFLICT (live_id) DO UPDATE SET version = chat_rooms.version + 1,"
                       " updated_at = excluded.updated_at",
                       "ii", live_id, now);
    return n < 0 ? n : BC_OK;
}

static int bump_seller(bc_db *db, int64_t seller_id, int64_t now)
{
    int n = bc_db_exec(db,
                       "INSERT INTO chat_sellers (seller_id, version, updated_at) VALUES (?, 1, ?)"
                       " ON CONFLICT (seller_id) DO UPDATE SET version = chat_sellers.version + 1,"
                       " updated_at = excluded.updated_at",
                       "ii", seller_id, now);
    return n < 0 ? n : BC_OK;
}

/* One moderation action, as logged (chat_mod_log). */
typedef struct mod_action {
    int64_t live_id, seller_id, actor_id;
    const char *action;     /* "delete_message", "mute", ... (CONTRACT "moderation log") */
    int64_t target_user_id; /* 0 = none */
    int64_t message_id;     /* 0 = none */
    const char *detail;     /* NULL = none */
    int64_t now;
    /* the change's inputs */
    int64_t until;          /* mute: end (UTC ms) */
    json_t *settings;       /* settings: the body (borrowed) */
    const char *notice;     /* notice: NULL clears */
    char **folded, **words; /* banned words: n of each */
    size_t nwords;
    int seller_level; /* 1: bump the seller's version, else the room's */
} mod_action;

static int log_action(bc_db *db, const mod_action *a)
{
    bc_stmt *st = bc_db_prepare(db, "INSERT INTO chat_mod_log (live_id, actor_id, action, target_user_id, message_id,"
                                    " detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, a->live_id);
    bc_stmt_bind_int(st, 2, a->actor_id);
    bc_stmt_bind_text(st, 3, a->action);
    if (a->target_user_id)
        bc_stmt_bind_int(st, 4, a->target_user_id);
    else
        bc_stmt_bind_null(st, 4);
    if (a->message_id)
        bc_stmt_bind_int(st, 5, a->message_id);
    else
        bc_stmt_bind_null(st, 5);
    bc_stmt_bind_text(st, 6, a->detail);
    bc_stmt_bind_int(st, 7, a->now);
    int r = bc_stmt_step(st);
    bc_stmt_reset(st);
    return r == 0 ? BC_OK : r == BC_EBUSY ? BC_EBUSY : BC_ERR;
}

/* Sets an optional integer-or-null parameter of the settings upsert. */
static void bind_opt_int(bc_stmt *st, int idx, json_t *v)
{
    if (json_is_integer(v))
        bc_stmt_bind_int(st, idx, json_integer_value(v));
    else if (json_is_boolean(v))
        bc_stmt_bind_int(st, idx, json_is_true(v));
    else
        bc_stmt_bind_null(st, idx);
}

static int action_tx(bc_db *db, void *arg)
{
    mod_action *a = arg;
    const char *act = a->action;
    int n = 0;
    if (strcmp(act, "mute") == 0 || strcmp(act, "ban") == 0) {
        int ban = act[0] == 'b';
        bc_stmt *st =
            bc_db_prepare(db, "INSERT INTO chat_sanctions (live_id, user_id, kind, until_at, by_id, created_at)"
                              " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (live_id, user_id, kind) DO UPDATE"
                              " SET until_at = excluded.until_at, by_id = excluded.by_id,"
                              " created_at = excluded.created_at");
        if (!st)
            return BC_ERR;
        bc_stmt_bind_int(st, 1, a->live_id);
        bc_stmt_bind_int(st, 2, a->target_user_id);
        bc_stmt_bind_text(st, 3, ban ? "BAN" : "MUTE");
        if (ban)
            bc_stmt_bind_null(st, 4);
        else
            bc_stmt_bind_int(st, 4, a->until);
        bc_stmt_bind_int(st, 5, a->actor_id);
        bc_stmt_bind_int(st, 6, a->now);
        n = bc_stmt_step(st);
        bc_stmt_reset(st);
        n = n == 0 ? 1 : n == BC_EBUSY ? BC_EBUSY : BC_ERR;
    } else if (strcmp(act, "unmute") == 0 || strcmp(act, "unban") == 0) {
        n = bc_db_exec(db, "DELETE FROM chat_sanctions WHERE live_id = ? AND user_id = ? AND kind = ?", "iit",
                       a->live_id, a->target_user_id, act[2] == 'b' ? "BAN" : "MUTE");
    } else if (strcmp(act, "settings") == 0) {
        json_t *b = a->settings, *slow = json_object_get(b, "slow_mode_s"), *mode = json_object_get(b, "chat_mode"),
               *frozen = json_object_get(b, "frozen");
        bc_stmt *st =
            bc_db_prepare(db, "INSERT INTO chat_rooms (live_id, slow_mode_s, chat_mode, frozen, version, updated_at)"
                              " VALUES (?, COALESCE(?, 0), COALESCE(?, 'everyone'), COALESCE(?, 0), 1, ?)"
                              " ON CONFLICT (live_id) DO UPDATE SET slow_mode_s = COALESCE(?, chat_rooms.slow_mode_s),"
                              " chat_mode = COALESCE(?, chat_rooms.chat_mode), frozen = COALESCE(?, chat_rooms.frozen),"
                              " version = chat_rooms.version + 1, updated_at = excluded.updated_at");
        if (!st)
            return BC_ERR;
        bc_stmt_bind_int(st, 1, a->live_id);
        for (int base = 2; base <= 6; base += 4) {
            bind_opt_int(st, base, slow);
            bc_stmt_bind_text(st, base + 1, json_string_value(mode));
            bind_opt_int(st, base + 2, frozen);
            if (base == 2)
                bc_stmt_bind_int(st, 5, a->now);
        }
        n = bc_stmt_step(st);
        bc_stmt_reset(st);
        n = n == 0 ? 1 : n == BC_EBUSY ? BC_EBUSY : BC_ERR;
    } else if (strcmp(act, "notice") == 0) {
        n = bc_db_exec(db,
                       "INSERT INTO chat_rooms (live_id, notice, version, updated_at) VALUES (?, ?, 1, ?)"
                       " ON CONFLICT (live_id) DO UPDATE SET notice = excluded.notice,"
                       " version = chat_rooms.version + 1, updated_at = excluded.updated_at",
                       "iti", a->live_id, a->notice, a->now);
    } else if (strcmp(act, "banned_words") == 0) {
        n = bc_db_exec(db, "DELETE FROM chat_banned_words WHERE seller_id = ?", "i", a->seller_id);
        for (size_t i = 0; n >= 0 && i < a->nwords; i++)
            n = bc_db_exec(db,
                           "INSERT INTO chat_banned_words (seller_id, folded, word, created_at) VALUES (?, ?, ?, ?)"
                           " ON CONFLICT (seller_id, folded) DO NOTHING",
                           "itti", a->seller_id, a->folded[i], a->words[i], a->now);
    } else if (strcmp(act, "add_moderator") == 0) {
        n = bc_db_exec(db,
                       "INSERT INTO chat_moderators (seller_id, user_id, created_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (seller_id, user_id) DO NOTHING",
                       "iii", a->seller_id, a->target_user_id, a->now);
    } else if (strcmp(act, "remove_moderator") == 0) {
        n = bc_db_exec(db, "DELETE FROM chat_moderators WHERE seller_id = ? AND user_id = ?", "ii", a->seller_id,
                       a->target_user_id);
    } else if (strcmp(act, "delete_message") == 0) {
        n = bc_db_exec(db,
                       "UPDATE chat_messages SET deleted_at = ?, deleted_by = ? WHERE id = ? AND live_id = ?"
                       " AND deleted_at IS NULL",
                       "iiii", a->now, a->actor_id, a->message_id, a->live_id);
        if (n == 0)
            return BC_ECONFLICT; /* already deleted: nothing to log */
    } else if (strcmp(act, "answer_question") == 0) {
        n = bc_db_exec(db,
                       "UPDATE chat_messages SET answered_at = ? WHERE id = ? AND live_id = ? AND question = 1"
                       " AND deleted_at IS NULL AND answered_at IS NULL",
                       "iii", a->now, a->message_id, a->live_id);
        if (n == 0)
            return BC_ECONFLICT;
    } else {
        return BC_EINVAL;
    }
    if (n < 0)
        return n;
    int rc = strcmp(act, "delete_message") == 0 || strcmp(act, "answer_question") == 0 ? BC_OK
             : a->seller_level ? bump_seller(db, a->seller_id, a->now)
                               : bump_room(db, a->live_id, a->now);
    return rc != BC_OK ? rc : log_action(db, a);
}

/* ---- routes ---- */

/* A message of live_id: author and flags. BC_OK, BC_ENOTFOUND or an error. */
static int message_get(bc_db *db, int64_t live_id, int64_t id, int64_t *user_id, int *question)
{
    json_t *row = NULL;
    int r = bc_db_row(db, &row, "SELECT user_id, question FROM chat_messages WHERE id = ? AND live_id = ?", "ii", id,
                      live_id);
    if (r == 1) {
        *user_id = json_integer_value(json_object_get(row, "user_id"));
        *question = json_integer_value(json_object_get(row, "question")) != 0;
    }
    json_decref(row);
    return r == 1 ? BC_OK : r == 0 ? BC_ENOTFOUND : r;
}

/* The request's live (path {id}) and its current snapshot, when the caller may moderate it (the
 * live's seller, an admin or, unless seller_only, one of the seller's moderators). Returns 1 with
 * *snap (mod_put it), or 0 with the error response sent. */
static int authorize(bc_req *req, int seller_only, mod_snap **snap)
{
    int64_t id;
    const bc_auth *a = bc_req_auth(req);
    *snap = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return 0;
    }
    int rc = mod_fresh(bc_req_db(req), id, 0, snap, NULL);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        return 0;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return 0;
    }
    int ok = a->role == BC_ROLE_ADMIN || a->user_id == (*snap)->seller_id ||
             (!seller_only && has_id((*snap)->mods, (*snap)->nmods, a->user_id));
    if (!ok) {
        bc_res_error(req, 403, "FORBIDDEN",
                     seller_only ? "only the live's seller (or an admin) may do this"
                                 : "only the live's seller, its moderators or an admin may moderate");
        mod_put(*snap);
        *snap = NULL;
    }
    return ok;
}

/* Runs action a and refreshes this instance's snapshot. Sends the error response and returns 0 on
 * failure (BC_ECONFLICT is returned as 1 with *conflict set, when conflict is not NULL). */
static int run_action(bc_req *req, mod_action *a, int *conflict)
{
    int rc = bc_db_tx(bc_req_db(req), action_tx, a);
    if (conflict)
        *conflict = rc == BC_ECONFLICT;
    if (rc == BC_ECONFLICT && conflict)
        return 1;
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return 0;
    }
    mod_snap *s = NULL;
    if (mod_fresh(bc_req_db(req), a->live_id, a->seller_id, &s, NULL) == BC_OK && s->nbans)
        chat_close_banned(s);
    mod_put(s);
    return 1;
}

static mod_action action_for(bc_req *req, const mod_snap *s, const char *name)
{
    return (mod_action){.live_id = s->live_id,
                        .seller_id = s->seller_id,
                        .actor_id = bc_req_auth(req)->user_id,
                        .action = name,
                        .now = bc_now_ms()};
}

/* The room's settings as the API shows them ({live_id, slow_mode_s, chat_mode, frozen, notice}). */
static json_t *settings_json(const mod_snap *s)
{
    return json_pack("{s:I,s:I,s:s,s:b,s:s?}", "live_id", (json_int_t)s->live_id, "slow_mode_s",
                     (json_int_t)s->slow_mode_s, "chat_mode", mode_names[s->chat_mode], "frozen", s->frozen, "notice",
                     s->notice);
}

/* Users as [{id, name}] from sorted ids (with until when until is not NULL). */
static json_t *users_json(bc_db *db, const int64_t *ids, const int64_t *until, size_t n)
{
    json_t *names = NULL, *out = json_array();
    if (bc_accounts_user_names(db, ids, n, &names) != BC_OK)
        names = json_object();
    for (size_t i = 0; i < n; i++) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)ids[i]);
        json_t *u = json_pack("{s:I,s:O?}", "id", (json_int_t)ids[i], "name",
                              json_object_get(json_object_get(names, key), "name"));
        if (until)
            json_object_set_new(u, "until", until[i] == INT64_MAX ? json_null() : json_integer(until[i]));
        json_array_append_new(out, u);
    }
    json_decref(names);
    return out;
}

static void h_get(bc_req *req)
{
    mod_snap *s;
    json_t *words = NULL;
    if (!authorize(req, 0, &s))
        return;
    bc_db *db = bc_req_db(req);
    json_t *out = settings_json(s);
    if (bc_db_rows(db, &words, "SELECT word FROM chat_banned_words WHERE seller_id = ? ORDER BY word", "i",
                   s->seller_id) < 0) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    json_t *list = json_array(), *row;
    size_t i;
    json_array_foreach (words, i, row)
        json_array_append(list, json_object_get(row, "word"));
    json_object_set_new(out, "banned_words", list);
    json_object_set_new(out, "moderators", users_json(db, s->mods, NULL, s->nmods));
    json_object_set_new(out, "bans", users_json(db, s->bans, NULL, s->nbans));
    int64_t now = bc_now_ms();
    size_t m = 0;
    int64_t *mu = s->nmutes ? calloc(s->nmutes, sizeof *mu) : NULL,
            *mt = s->nmutes ? calloc(s->nmutes, sizeof *mt) : NULL;
    for (size_t k = 0; mu && mt && k < s->nmutes; k++)
        if (s->mute_until[k] > now) {
            mu[m] = s->mute_users[k];
            mt[m++] = s->mute_until[k];
        }
    json_object_set_new(out, "mutes", users_json(db, mu, mt, m));
    free(mu);
    free(mt);
    bc_res_json(req, 200, out);
    out = NULL;
out:
    json_decref(out);
    json_decref(words);
    mod_put(s);
}

static void publish_settings(const mod_snap *s)
{
    json_t *f = json_pack("{s:I,s:s,s:b}", "slow_mode_s", (json_int_t)s->slow_mode_s, "chat_mode",
                          mode_names[s->chat_mode], "frozen", s->frozen);
    bc_chat_publish_event(s->live_id, "chat_settings", f);
    json_decref(f);
}

static void h_settings(bc_req *req)
{
    mod_snap *s, *now_s = NULL;
    if (!authorize(req, 0, &s))
        return;
    json_t *b = bc_req_json(req);
    char detail[160];
    char *d = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(detail, sizeof detail, "%s", d ? d : "");
    free(d);
    mod_action a = action_for(req, s, "settings");
    a.settings = b;
    a.detail = detail;
    if (!run_action(req, &a, NULL))
        goto out;
    if (mod_fresh(bc_req_db(req), s->live_id, s->seller_id, &now_s, NULL) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    publish_settings(now_s);
    bc_res_json(req, 200, settings_json(now_s));
out:
    mod_put(now_s);
    mod_put(s);
}

static void h_notice(bc_req *req)
{
    mod_snap *s, *now_s = NULL;
    if (!authorize(req, 0, &s))
        return;
    json_t *text = json_object_get(bc_req_json(req), "text");
    mod_action a = action_for(req, s, "notice");
    a.notice = json_string_value(text);
    a.detail = a.notice;
    if (!run_action(req, &a, NULL))
        goto out;
    if (mod_fresh(bc_req_db(req), s->live_id, s->seller_id, &now_s, NULL) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    json_t *f = json_pack("{s:o}", "text", now_s->notice ? json_string(now_s->notice) : json_null());
    bc_chat_publish_event(s->live_id, "notice", f);
    json_decref(f);
    bc_res_json(req, 200, settings_json(now_s));
out:
    mod_put(now_s);
    mod_put(s);
}

/* A moderation action on one message of the room ({message_id}): runs it (logged) and, unless it
 * had already been done, sends the room {"type":frame,"id"}; 204. only_questions: the message must
 * be a question (else 404 like an unknown one). */
static void message_action(bc_req *req, const char *action, const char *frame, int only_questions)
{
    mod_snap *s;
    int64_t mid, author = 0;
    int question = 0, conflict = 0;
    if (!authorize(req, 0, &s))
        return;
    if (bc_req_param_id(req, "message_id", &mid) != BC_OK ||
        message_get(bc_req_db(req), s->live_id, mid, &author, &question) != BC_OK || (only_questions && !question)) {
        bc_res_error(req, 404, "NOT_FOUND",
                     only_questions ? "no such question in this live" : "no such message in this live");
        goto out;
    }
    mod_action a = action_for(req, s, action);
    a.message_id = mid;
    a.target_user_id = author;
    if (!run_action(req, &a, &conflict))
        goto out;
    if (!conflict) {
        json_t *f = json_pack("{s:I}", "id", (json_int_t)mid);
        bc_chat_publish_event(s->live_id, frame, f);
        json_decref(f);
    }
    bc_res_send(req, 204, "application/json", "", 0);
out:
    mod_put(s);
}

static void h_delete_message(bc_req *req) { message_action(req, "delete_message", "chat_deleted", 0); }

/* The body's user_id as a target of a sanction: an existing user who does not moderate the room.
 * Returns 1, or 0 with the error response sent. */
static int sanction_target(bc_req *req, const mod_snap *s, int64_t uid)
{
    int role = 0, blocked = 0;
    int rc = bc_accounts_status(bc_req_db(req), uid, &role, &blocked);
    if (rc == BC_ENOTFOUND) {
        bc_res_error(req, 404, "NOT_FOUND", "no such user");
        return 0;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return 0;
    }
    if (mod_privileged(s, uid, role)) {
        bc_res_error(req, 409, "PROTECTED_USER", "the seller, admins and moderators cannot be muted or banned");
        return 0;
    }
    return 1;
}

static void h_mute(bc_req *req)
{
    mod_snap *s;
    if (!authorize(req, 0, &s))
        return;
    json_t *b = bc_req_json(req);
    int64_t uid = json_integer_value(json_object_get(b, "user_id")),
            minutes = json_integer_value(json_object_get(b, "minutes"));
    if (!sanction_target(req, s, uid))
        goto out;
    char detail[32];
    snprintf(detail, sizeof detail, "%lld min", (long long)minutes);
    mod_action a = action_for(req, s, "mute");
    a.target_user_id = uid;
    a.until = a.now + minutes * 60000;
    a.detail = detail;
    if (!run_action(req, &a, NULL))
        goto out;
    bc_res_json(req, 200, json_pack("{s:I,s:I}", "user_id", (json_int_t)uid, "until", (json_int_t)a.until));
out:
    mod_put(s);
}

static void h_ban(bc_req *req)
{
    mod_snap *s;
    if (!authorize(req, 0, &s))
        return;
    int64_t uid = json_integer_value(json_object_get(bc_req_json(req), "user_id"));
    if (!sanction_target(req, s, uid))
        goto out;
    mod_action a = action_for(req, s, "ban");
    a.target_user_id = uid;
    if (!run_action(req, &a, NULL))
        goto out;
    chat_close_user(s->live_id, uid); /* this instance at once; the others at their next sync */
    bc_res_json(req, 200, json_pack("{s:I,s:b}", "user_id", (json_int_t)uid, "banned", 1));
out:
    mod_put(s);
}

/* DELETE .../mutes/{user_id} and .../bans/{user_id}. */
static void lift(bc_req *req, const char *action)
{
    mod_snap *s;
    int64_t uid;
    if (!authorize(req, 0, &s))
        return;
    if (bc_req_param_id(req, "user_id", &uid) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such user");
        goto out;
    }
    mod_action a = action_for(req, s, action);
    a.target_user_id = uid;
    if (run_action(req, &a, NULL))
        bc_res_send(req, 204, "application/json", "", 0);
out:
    mod_put(s);
}
static void h_unmute(bc_req *req) { lift(req, "unmute"); }
static void h_unban(bc_req *req) { lift(req, "unban"); }

static void h_words(bc_req *req)
{
    mod_snap *s;
    if (!authorize(req, 1, &s))
        return;
    json_t *list = json_object_get(bc_req_json(req), "words"), *w;
    size_t n = json_array_size(list), i;
    char **folded = n ? calloc(n, sizeof *folded) : NULL, **words = n ? calloc(n, sizeof *words) : NULL;
    if (n && (!folded || !words)) {
        bc_res_from_err(req, BC_ENOMEM);
        goto out;
    }
    json_array_foreach (list, i, w) {
        words[i] = (char *)json_string_value(w);
        if (bc_chat_fold(words[i], &folded[i]) != BC_OK || !folded[i][0]) {
            bc_res_error(req, 422, "VALIDATION_FAILED", "'words[%zu]' has no letters, digits or emoji", i);
            goto out;
        }
    }
    char detail[32];
    snprintf(detail, sizeof detail, "%zu words", n);
    mod_action a = action_for(req, s, "banned_words");
    a.seller_level = 1;
    a.folded = folded;
    a.words = words;
    a.nwords = n;
    a.detail = detail;
    if (run_action(req, &a, NULL)) {
        json_t *out = json_pack("{s:O}", "banned_words", list);
        bc_res_json(req, 200, out);
    }
out:
    for (i = 0; folded && i < n; i++)
        free(folded[i]);
    free(folded);
    free(words);
    mod_put(s);
}

static void h_add_moderator(bc_req *req)
{
    mod_snap *s, *now_s = NULL;
    if (!authorize(req, 1, &s))
        return;
    int64_t uid = json_integer_value(json_object_get(bc_req_json(req), "user_id"));
    int role = 0, blocked = 0;
    int rc = bc_accounts_status(bc_req_db(req), uid, &role, &blocked);
    if (rc != BC_OK || uid == s->seller_id) {
        if (rc == BC_ENOTFOUND || uid == s->seller_id)
            bc_res_error(req, 404, "NOT_FOUND", uid == s->seller_id ? "the seller moderates already" : "no such user");
        else
            bc_res_from_err(req, rc);
        goto out;
    }
    mod_action a = action_for(req, s, "add_moderator");
    a.seller_level = 1;
    a.target_user_id = uid;
    if (!run_action(req, &a, NULL))
        goto out;
    if (mod_fresh(bc_req_db(req), s->live_id, s->seller_id, &now_s, NULL) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    bc_res_json(req, 200,
                json_pack("{s:o}", "moderators", users_json(bc_req_db(req), now_s->mods, NULL, now_s->nmods)));
out:
    mod_put(now_s);
    mod_put(s);
}

static void h_remove_moderator(bc_req *req)
{
    mod_snap *s;
    int64_t uid;
    if (!authorize(req, 1, &s))
        return;
    if (bc_req_param_id(req, "user_id", &uid) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such user");
        goto out;
    }
    mod_action a = action_for(req, s, "remove_moderator");
    a.seller_level = 1;
    a.target_user_id = uid;
    if (run_action(req, &a, NULL))
        bc_res_send(req, 204, "application/json", "", 0);
out:
    mod_put(s);
}

static void h_log(bc_req *req)
{
    mod_snap *s;
    json_t *rows = NULL, *names = NULL, *items = json_array();
    int64_t *ids = NULL;
    if (!authorize(req, 0, &s))
        goto out;
    bc_db *db = bc_req_db(req);
    if (bc_db_rows(db, &rows,
                   "SELECT id, actor_id, action, target_user_id, message_id, detail, created_at FROM chat_mod_log"
                   " WHERE live_id = ? ORDER BY id DESC LIMIT ?",
                   "ii", s->live_id, bc_req_query_int(req, "limit", 50)) < 0) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    size_t n = json_array_size(rows), i;
    json_t *r;
    ids = calloc(2 * n + 1, sizeof *ids);
    if (!ids) {
        bc_res_from_err(req, BC_ENOMEM);
        goto out;
    }
    json_array_foreach (rows, i, r) {
        ids[2 * i] = json_integer_value(json_object_get(r, "actor_id"));
        ids[2 * i + 1] = json_integer_value(json_object_get(r, "target_user_id"));
    }
    if (bc_accounts_user_names(db, ids, 2 * n, &names) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    json_array_foreach (rows, i, r) {
        char ka[24], kt[24];
        snprintf(ka, sizeof ka, "%lld", (long long)ids[2 * i]);
        snprintf(kt, sizeof kt, "%lld", (long long)ids[2 * i + 1]);
        json_t *target = ids[2 * i + 1] ? json_pack("{s:I,s:O?}", "id", (json_int_t)ids[2 * i + 1], "name",
                                                    json_object_get(json_object_get(names, kt), "name"))
                                        : json_null();
        json_array_append_new(items,
                              json_pack("{s:O,s:O,s:{s:I,s:O?},s:o,s:O,s:O,s:O}", "id", json_object_get(r, "id"),
                                        "action", json_object_get(r, "action"), "actor", "id", (json_int_t)ids[2 * i],
                                        "name", json_object_get(json_object_get(names, ka), "name"), "target", target,
                                        "message_id", json_object_get(r, "message_id"), "detail",
                                        json_object_get(r, "detail"), "created_at", json_object_get(r, "created_at")));
    }
    bc_res_json(req, 200, json_pack("{s:O}", "items", items));
out:
    free(ids);
    json_decref(rows);
    json_decref(names);
    json_decref(items);
    mod_put(s);
}

static void h_answered(bc_req *req) { message_action(req, "answer_question", "question_answered", 1); }

/* GET /api/v1/lives/{id}/questions: public, newest first. */
static void h_questions(bc_req *req)
{
    int64_t id;
    mod_snap *s = NULL;
    json_t *rows = NULL, *names = NULL, *items = json_array();
    int64_t *uids = NULL;
    bc_db *db = bc_req_db(req);
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such live");
        goto out;
    }
    int rc = mod_fresh(db, id, 0, &s, NULL);
    if (rc != BC_OK) {
        if (rc == BC_ENOTFOUND)
            bc_res_error(req, 404, "NOT_FOUND", "no such live");
        else
            bc_res_from_err(req, rc);
        goto out;
    }
    int unanswered = (int)bc_req_query_int(req, "unanswered", 0);
    if (bc_db_rows(db, &rows,
                   "SELECT id, user_id, text, created_at, answered_at FROM chat_messages WHERE live_id = ?"
                   " AND question = 1 AND deleted_at IS NULL AND (? = 0 OR answered_at IS NULL)"
                   " ORDER BY id DESC LIMIT ?",
                   "iii", id, (int64_t)unanswered, bc_req_query_int(req, "limit", 50)) < 0) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    size_t n = json_array_size(rows), i;
    json_t *r;
    uids = calloc(n + 1, sizeof *uids);
    if (!uids) {
        bc_res_from_err(req, BC_ENOMEM);
        goto out;
    }
    json_array_foreach (rows, i, r)
        uids[i] = json_integer_value(json_object_get(r, "user_id"));
    if (bc_accounts_user_names(db, uids, n, &names) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        goto out;
    }
    json_array_foreach (rows, i, r) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)uids[i]);
        json_t *who = json_object_get(names, key);
        if (!who)
            continue;
        const char *role = json_string_value(json_object_get(who, "role"));
        const char *badge = mod_badge(s, uids[i], bc_role_from_name(role));
        json_array_append_new(items,
                              json_pack("{s:s,s:O,s:I,s:{s:I,s:O,s:O},s:O,s:O,s:b,s:s?,s:b,s:O}", "type", "chat", "id",
                                        json_object_get(r, "id"), "live_id", (json_int_t)id, "user", "id",
                                        (json_int_t)uids[i], "name", json_object_get(who, "name"), "role",
                                        json_object_get(who, "role"), "text", json_object_get(r, "text"), "sent_at",
                                        json_object_get(r, "created_at"), "is_seller", uids[i] == s->seller_id, "badge",
                                        badge, "question", 1, "answered_at", json_object_get(r, "answered_at")));
    }
    bc_res_json(req, 200, json_pack("{s:O}", "items", items));
out:
    free(uids);
    json_decref(rows);
    json_decref(names);
    json_decref(items);
    mod_put(s);
}

/* ---- route table ---- */

#define TIME_S "{\"type\":\"string\",\"format\":\"date-time\"}"
#define USER_S "{\"type\":\"object\",\"required\":[\"id\",\"name\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
#define ROOM_PROPS                                                                                                     \
    "\"live_id\":{\"type\":\"integer\"},\"slow_mode_s\":{\"type\":\"integer\",\"description\":\"0 = off\"},"           \
    "\"chat_mode\":{\"type\":\"string\",\"enum\":[\"everyone\",\"followers\",\"buyers\"]},\"frozen\":{\"type\":"       \
    "\"boolean\"},\"notice\":{\"type\":[\"string\",\"null\"]}"

static const bc_schema sc_room = {"ChatRoomSettings",
                                  "{\"type\":\"object\",\"required\":[\"live_id\",\"slow_mode_s\",\"chat_mode\","
                                  "\"frozen\",\"notice\"],\"properties\":{" ROOM_PROPS "}}",
                                  NULL};
static const bc_schema sc_moderation = {
    "ChatModeration",
    "{\"type\":\"object\",\"required\":[\"live_id\",\"slow_mode_s\",\"chat_mode\",\"frozen\",\"notice\","
    "\"banned_words\",\"moderators\",\"bans\",\"mutes\"],\"properties\":{" ROOM_PROPS
    ",\"banned_words\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"moderators\":{\"type\":\"array\","
    "\"items\":" USER_S "\"name\":{\"type\":[\"string\",\"null\"]}}}},\"bans\":{\"type\":\"array\",\"items\":" USER_S
    "\"name\":{\"type\":[\"string\",\"null\"]}}}},\"mutes\":{\"type\":\"array\",\"items\":" USER_S
    "\"name\":{\"type\":[\"string\",\"null\"]},\"until\":" TIME_S "}}}}}",
    NULL};
static const bc_schema sc_mute = {"ChatMute",
                                  "{\"type\":\"object\",\"required\":[\"user_id\",\"until\"],\"properties\":{"
                                  "\"user_id\":{\"type\":\"integer\"},\"until\":" TIME_S "}}",
                                  NULL};
static const bc_schema sc_ban = {"ChatBan",
                                 "{\"type\":\"object\",\"required\":[\"user_id\",\"banned\"],\"properties\":{"
                                 "\"user_id\":{\"type\":\"integer\"},\"banned\":{\"type\":\"boolean\"}}}",
                                 NULL};
static const bc_schema sc_words = {"ChatBannedWords",
                                   "{\"type\":\"object\",\"required\":[\"banned_words\"],\"properties\":{"
                                   "\"banned_words\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}",
                                   NULL};
static const bc_schema sc_mods = {"ChatModerators",
                                  "{\"type\":\"object\",\"required\":[\"moderators\"],\"properties\":{\"moderators\":"
                                  "{\"type\":\"array\",\"items\":" USER_S "\"name\":{\"type\":[\"string\",\"null\"]}}}"
                                  "}}}",
                                  NULL};
static const bc_schema sc_log = {
    "ChatModerationLog",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"required\":[\"id\",\"action\",\"actor\",\"target\",\"message_id\",\"detail\","
    "\"created_at\"],\"properties\":{\"id\":{\"type\":\"integer\"},\"action\":{\"type\":\"string\",\"enum\":["
    "\"delete_message\",\"mute\",\"unmute\",\"ban\",\"unban\",\"settings\",\"notice\",\"banned_words\","
    "\"add_moderator\",\"remove_moderator\",\"answer_question\"]},\"actor\":" USER_S
    "\"name\":{\"type\":[\"string\",\"null\"]}}},\"target\":{\"oneOf\":[" USER_S
    "\"name\":{\"type\":[\"string\",\"null\"]}}},{\"type\":\"null\"}]},\"message_id\":{\"type\":[\"integer\","
    "\"null\"]},\"detail\":{\"type\":[\"string\",\"null\"]},\"created_at\":" TIME_S "}}}}}",
    NULL};
static const bc_schema sc_questions = {
    "ChatQuestions",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"required\":[\"type\",\"id\",\"live_id\",\"user\",\"text\",\"sent_at\",\"is_seller\","
    "\"badge\",\"question\",\"answered_at\"],\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"chat\"]},"
    "\"id\":{\"type\":\"integer\"},\"live_id\":{\"type\":\"integer\"},\"user\":{\"type\":\"object\"},\"text\":{"
    "\"type\":\"string\"},\"sent_at\":" TIME_S ",\"is_seller\":{\"type\":\"boolean\"},\"badge\":{\"type\":["
    "\"string\",\"null\"],\"enum\":[\"seller\",\"moderator\",null]},\"question\":{\"type\":\"boolean\"},"
    "\"answered_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}}}}}}",
    NULL};

static const bc_field settings_body[] = {
    {"slow_mode_s", BC_F_INT, 0, 0, MOD_SLOW_MAX_S,
     "slow mode: at most one message per this many seconds per user "
     "(0 = off)"},
    {"chat_mode", BC_F_STR, 0, 1, 16, "who may chat: everyone, followers of the seller, or buyers with a paid order",
     .enums = (const char *const[]){"everyone", "followers", "buyers", NULL}},
    {"frozen", BC_F_BOOL, 0, 0, 0, "true: only the seller and moderators may chat"},
    {NULL},
};
static const bc_field notice_body[] = {
    {"text", BC_F_STR, 1, 1, MOD_NOTICE_CHARS, "the notice pinned at the top of the chat; null removes it",
     .nullable = 1},
    {NULL},
};
static const bc_field mute_body[] = {
    {"user_id", BC_F_INT, 1, 1, INT64_MAX, "the user to mute"},
    {"minutes", BC_F_INT, 1, 1, MOD_MUTE_MAX_MIN, "how long"},
    {NULL},
};
static const bc_field user_body[] = {{"user_id", BC_F_INT, 1, 1, INT64_MAX, "the user"}, {NULL}};
static const bc_field word_item = {"word", BC_F_STR, 1, 1, MOD_WORD_CHARS, "a banned word"};
static const bc_field words_body[] = {
    {"words", BC_F_ARR, 1, 0, MOD_MAX_WORDS,
     "the seller's whole banned-word list (replaces it; matched after NFKC, case folding and dropping spaces, "
     "punctuation and symbols)",
     .items = &word_item},
    {NULL},
};
static const bc_field log_query[] = {
    {"limit", BC_F_INT, 0, 1, 200, "how many of the latest actions", .def = "50"},
    {NULL},
};
static const bc_field questions_query[] = {
    {"limit", BC_F_INT, 0, 1, 200, "how many of the latest questions", .def = "50"},
    {"unanswered", BC_F_BOOL, 0, 0, 0, "true: only those not answered yet", .def = "false"},
    {NULL},
};

#define MOD_ROLES BC_ROLE_ANY
const bc_route bc_moderation_routes[] = {
    {"GET", "/api/v1/lives/{id}/moderation", MOD_ROLES, 0, NULL, h_get, "moderation",
     "The room's moderation state (seller, moderators, admin)", 200, .response = &sc_moderation,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"PUT", "/api/v1/lives/{id}/moderation/settings", MOD_ROLES, 0, settings_body, h_settings, "moderation",
     "Set slow mode, chat mode (everyone/followers/buyers) and freeze; absent fields are kept", 200,
     .response = &sc_room, .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"PUT", "/api/v1/lives/{id}/moderation/notice", MOD_ROLES, 0, notice_body, h_notice, "moderation",
     "Pin a notice at the top of the chat (null removes it)", 200, .response = &sc_room,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/lives/{id}/moderation/messages/{message_id}", MOD_ROLES, 0, NULL, h_delete_message,
     "moderation", "Delete a chat message: it disappears for every viewer and from the replay", 204,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"POST", "/api/v1/lives/{id}/moderation/mutes", MOD_ROLES, 0, mute_body, h_mute, "moderation",
     "Mute a user in this live's chat for some minutes", 200, .response = &sc_mute,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", "PROTECTED_USER", NULL}},
    {"DELETE", "/api/v1/lives/{id}/moderation/mutes/{user_id}", MOD_ROLES, 0, NULL, h_unmute, "moderation",
     "Lift a mute", 204, .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"POST", "/api/v1/lives/{id}/moderation/bans", MOD_ROLES, 0, user_body, h_ban, "moderation",
     "Ban a user from the room: their chat sockets are closed and orders from this live refused", 200,
     .response = &sc_ban, .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", "PROTECTED_USER", NULL}},
    {"DELETE", "/api/v1/lives/{id}/moderation/bans/{user_id}", MOD_ROLES, 0, NULL, h_unban, "moderation", "Lift a ban",
     204, .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"PUT", "/api/v1/lives/{id}/moderation/banned-words", MOD_ROLES, 0, words_body, h_words, "moderation",
     "Replace the seller's banned words (for all of the seller's lives; seller or admin)", 200, .response = &sc_words,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"POST", "/api/v1/lives/{id}/moderation/moderators", MOD_ROLES, 0, user_body, h_add_moderator, "moderation",
     "Appoint a moderator of all the seller's lives (seller or admin)", 200, .response = &sc_mods,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/lives/{id}/moderation/moderators/{user_id}", MOD_ROLES, 0, NULL, h_remove_moderator,
     "moderation", "Remove a moderator (seller or admin)", 204,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"GET", "/api/v1/lives/{id}/moderation/log", MOD_ROLES, 0, NULL, h_log, "moderation",
     "The room's moderation log, newest first", 200, .query = log_query, .response = &sc_log,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"POST", "/api/v1/lives/{id}/moderation/questions/{message_id}/answered", MOD_ROLES, 0, NULL, h_answered,
     "moderation", "Mark a viewer's question answered", 204,
     .errors = (const char *const[]){"FORBIDDEN", "NOT_FOUND", NULL}},
    {"GET", "/api/v1/lives/{id}/questions", 0, 0, NULL, h_questions, "chat",
     "Questions viewers asked in the chat (\"question\": true), newest first", 200, .query = questions_query,
     .response = &sc_questions, .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {NULL},
};
