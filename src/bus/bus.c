/* The Redis bus (see bus.h). One thread owns the connections; callers only touch the bounded
 * queue (q_lock) and the remote-count table (r_lock). */
#include "bus.h"

#include "../core/core.h"
#include "../http/http.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TICK_MS 100          /* local counts are compared with the announced ones this often */
#define ANNOUNCE_MS 1000     /* every count (and a heartbeat) is re-announced this often */
#define ECHO_TIMEOUT_MS 5000 /* no echo of our own heartbeat for this long: the subscription is dead */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define IO_TIMEOUT_MS 1000 /* connect and command timeout (bus thread only) */
#define FLUSH_BATCH 256    /* events pipelined per round trip */
#define BUCKETS 256
#define MAX_ROOMS_CHANGED 256  /* rooms whose remote count expired, notified per tick */
#define MAX_EVENT_BYTES 262144 /* larger events from the channel are ignored (ours are a few KiB) */
#define MAX_REMOTES 65536      /* (instance, room) counts kept; further ones are ignored until some expire */

/* ---- URL and message framing (pure) ---- */

int bc_bus_parse_url(const char *url, bc_bus_url *out)
{
    static const char scheme[] = "redis://";
    memset(out, 0, sizeof *out);
    out->port = 6379;
    if (!url || strncmp(url, scheme, sizeof scheme - 1) != 0)
        return BC_EINVAL;
    const char *p = url + sizeof scheme - 1;
    const char *end = p + strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q; /* the last @ ends the user info */
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon)
            return BC_EINVAL; /* redis://password@host is ambiguous: require redis://:password@host */
        size_t ul = (size_t)(colon - p), pl = (size_t)(at - colon - 1);
        if (ul >= sizeof out->user || pl >= sizeof out->password || pl == 0)
            return BC_EINVAL;
        memcpy(out->user, p, ul);
        memcpy(out->password, colon + 1, pl);
        p = at + 1;
    }
    const char *hend;
    if (*p == '[') {
        hend = memchr(p, ']', (size_t)(end - p));
        if (!hend)
            return BC_EINVAL;
        p++;
    } else {
        hend = p;
        while (hend < end && *hend != ':')
            hend++;
    }
    size_t hl = (size_t)(hend - p);
    if (hl == 0 || hl >= sizeof out->host)
        return BC_EINVAL;
    memcpy(out->host, p, hl);
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)out->host[i] <= ' ' || out->host[i] == '@' || out->host[i] == '[')
            return BC_EINVAL;
    p = hend + (*hend == ']');
    if (p < end && *p == ':') {
        long port = 0;
        p++;
        if (p == end)
            return BC_EINVAL;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
                return BC_EINVAL;
        }
        if (port < 1)
            return BC_EINVAL;
        out->port = (int)port;
    } else if (p != end) {
        return BC_EINVAL;
    }
    if (*end == '/') {
        long db = 0;
        const char *q = end + 1;
        for (; *q && *q != '?' && *q != '#'; q++)
            if (*q < '0' || *q > '9' || (db = db * 10 + (*q - '0')) > 1000000)
                return BC_EINVAL;
        out->db = (int)db;
        end = q;
    }
    if (*end != 0)
        return BC_EINVAL; /* no query options understood yet */
    return BC_OK;
}

size_t bc_bus_format(char *buf, size_t cap, const char *instance, char kind, int64_t room, const char *payload,
                     size_t len)
{
    char head[64];
    int hl = snprintf(head, sizeof head, "1 %.*s %c %" PRId64 " ", BC_BUS_INSTANCE_LEN, instance, kind, room);
    size_t need = (size_t)hl + len;
    if (need <= cap) {
        memcpy(buf, head, (size_t)hl);
        if (len)
            memcpy(buf + hl, payload, len);
    }
    return need;
}

static int is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int bc_bus_parse(const char *data, size_t len, bc_bus_msg *out)
{
    size_t i = 0;
    if (len < 2 || data[0] != '1' || data[1] != ' ')
        return BC_EINVAL;
    i = 2;
    if (len < i + BC_BUS_INSTANCE_LEN + 1)
        return BC_EINVAL;
    for (size_t k = 0; k < BC_BUS_INSTANCE_LEN; k++)
        if (!is_alnum(data[i + k]))
            return BC_EINVAL;
    memcpy(out->instance, data + i, BC_BUS_INSTANCE_LEN);
    out->instance[BC_BUS_INSTANCE_LEN] = 0;
    i += BC_BUS_INSTANCE_LEN;
    if (data[i++] != ' ' || i + 2 > len)
        return BC_EINVAL;
    out->kind = data[i++];
    if (out->kind != BC_BUS_EVENT && out->kind != BC_BUS_COUNT && out->kind != BC_BUS_HEARTBEAT &&
        out->kind != BC_BUS_SEQ && out->kind != BC_BUS_CLOSE_USER)
        return BC_EINVAL;
    if (data[i++] != ' ')
        return BC_EINVAL;
    int64_t room = 0;
    size_t digits = 0;
    for (; i < len && data[i] >= '0' && data[i] <= '9'; i++, digits++) {
        if (digits >= 18)
            return BC_EINVAL; /* ids stay below 10^18 */
        room = room * 10 + (data[i] - '0');
    }
    if (digits == 0 || i >= len || data[i] != ' ')
        return BC_EINVAL;
    i++;
    out->room = room;
    out->payload = data + i;
    out->len = len - i;
    return BC_OK;
}

/* ---- state ---- */

typedef struct qitem {
    char kind;    /* BC_BUS_EVENT: data is a formatted message; BC_BUS_SEQ: data is the frame of room */
    int64_t room; /* BC_BUS_SEQ */
    size_t len;
    char data[];
} qitem;

typedef struct remote {
    char instance[BC_BUS_INSTANCE_LEN + 1];
    int64_t room;
    int count;
    int64_t seen_ms;
    struct remote *next;
} remote;

typedef struct announced {
    int64_t room;
    int count;
    unsigned gen;
    struct announced *next;
} announced;

static bc_bus_url cfg_url;
static char self_id[BC_BUS_INSTANCE_LEN + 1];
static atomic_int configured; /* bc_bus_start succeeded */
static atomic_int bus_up;
static atomic_uint_fast64_t n_published, n_dropped, n_received;

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static qitem *queue[BC_BUS_QUEUE_MAX];
static size_t q_head, q_len;
static int wake_fd[2] = {-1, -1};

static pthread_mutex_t r_lock = PTHREAD_MUTEX_INITIALIZER;
static remote *remotes[BUCKETS];
static int n_remotes;

/* bus thread only */
static redisContext *sub, *pub;
static announced *ann[BUCKETS];
static unsigned ann_gen;
static int pending_replies;

static size_t bucket(int64_t room) { return (size_t)((uint64_t)room * 11400714819323198485ull >> 56) % BUCKETS; }

void bc_bus_stats(uint64_t *published, uint64_t *dropped, uint64_t *received)
{
    *published = atomic_load(&n_published);
    *dropped = atomic_load(&n_dropped);
    *received = atomic_load(&n_received);
}

/* ---- hub hooks (any thread) ---- */

/* Queues a message of kind (BC_BUS_EVENT or BC_BUS_CLOSE_USER) for the publish connection. */
static void relay_kind(char kind, int64_t room, const char *text, size_t len)
{
    if (!atomic_load(&bus_up)) {
        atomic_fetch_add(&n_dropped, 1);
        return;
    }
    size_t need = bc_bus_format(NULL, 0, self_id, kind, room, text, len);
    qitem *it = malloc(sizeof *it + need);
    if (!it) {
        atomic_fetch_add(&n_dropped, 1);
        return;
    }
    it->len = bc_bus_format(it->data, need, self_id, kind, room, text, len);
    it->kind = BC_BUS_EVENT; /* a formatted message, published as is */
    pthread_mutex_lock(&q_lock);
    int full = q_len >= BC_BUS_QUEUE_MAX, was_empty = q_len == 0;
    if (!full) {
        queue[(q_head + q_len) % BC_BUS_QUEUE_MAX] = it;
        q_len++;
    }
    pthread_mutex_unlock(&q_lock);
    if (full) {
        free(it);
        atomic_fetch_add(&n_dropped, 1);
        return;
    }
    if (was_empty) {
        char b = 1;
        ssize_t w = write(wake_fd[1], &b, 1); /* non-blocking; a full pipe already wakes the thread */
        (void)w;
    }
}

static void relay(int64_t room, const char *text, size_t len) { relay_kind(BC_BUS_EVENT, room, text, len); }

/* bc_hub_close_user's relay: the other instances close that user's sockets too. */
static void relay_close_user(int64_t user_id, const char *reason)
{
    relay_kind(BC_BUS_CLOSE_USER, user_id, reason, strlen(reason));
}

int bc_bus_publish_seq(int64_t room, const char *text, size_t len)
{
    if (!atomic_load(&bus_up) || len < 2 || text[0] != '{' || text[1] != '"')
        return BC_EBUSY;
    qitem *it = malloc(sizeof *it + len);
    if (!it)
        return BC_EBUSY;
    it->kind = BC_BUS_SEQ;
    it->room = room;
    it->len = len;
    memcpy(it->data, text, len);
    pthread_mutex_lock(&q_lock);
    int full = q_len >= BC_BUS_QUEUE_MAX, was_empty = q_len == 0;
    if (!full) {
        queue[(q_head + q_len) % BC_BUS_QUEUE_MAX] = it;
        q_len++;
    }
    pthread_mutex_unlock(&q_lock);
    if (full) {
        free(it);
        return BC_EBUSY;
    }
    if (was_empty) {
        char b = 1;
        ssize_t w = write(wake_fd[1], &b, 1);
        (void)w;
    }
    return BC_OK;
}

static int remote_count(int64_t room)
{
    int n = 0;
    int64_t now = bc_now_ms();
    pthread_mutex_lock(&r_lock);
    for (remote *r = remotes[bucket(room)]; r; r = r->next)
        if (r->room == room && now - r->seen_ms <= BC_BUS_COUNT_TTL_MS)
            n += r->count;
    pthread_mutex_unlock(&r_lock);
    return n;
}

/* Records instance's count in room; returns 1 when the total changed. */
static int remote_set(const char *instance, int64_t room, int count, int64_t now)
{
    int changed = 0;
    pthread_mutex_lock(&r_lock);
    remote **pp = &remotes[bucket(room)], *r;
    while ((r = *pp) && (r->room != room || strcmp(r->instance, instance) != 0))
        pp = &r->next;
    if (count == 0) {
        if (r) {
            *pp = r->next;
            free(r);
            n_remotes--;
            changed = 1;
        }
    } else if (r) {
        changed = r->count != count;
        r->count = count;
        r->seen_ms = now;
    } else if (n_remotes < MAX_REMOTES && (r = calloc(1, sizeof *r))) {
        n_remotes++;
        memcpy(r->instance, instance, sizeof r->instance);
        r->room = room;
        r->count = count;
        r->seen_ms = now;
        r->next = remotes[bucket(room)];
        remotes[bucket(room)] = r;
        changed = 1;
    }
    pthread_mutex_unlock(&r_lock);
    return changed;
}

/* Forgets counts not re-announced within the TTL and notifies their rooms. */
static void remote_sweep(int64_t now)
{
    int64_t rooms[MAX_ROOMS_CHANGED];
    int n = 0;
    pthread_mutex_lock(&r_lock);
    for (int b = 0; b < BUCKETS && n < MAX_ROOMS_CHANGED; b++) {
        for (remote **pp = &remotes[b], *r; (r = *pp) && n < MAX_ROOMS_CHANGED;) {
            if (now - r->seen_ms > BC_BUS_COUNT_TTL_MS) {
                rooms[n++] = r->room;
                *pp = r->next;
                free(r);
                n_remotes--;
            } else {
                pp = &r->next;
            }
        }
    }
    pthread_mutex_unlock(&r_lock);
    for (int i = 0; i < n; i++)
        bc_hub_count_changed(rooms[i]);
}

/* ---- bus thread ---- */

static void close_conns(void)
{
    if (sub)
        redisFree(sub);
    if (pub)
        redisFree(pub);
    sub = pub = NULL;
    pending_replies = 0;
    atomic_store(&bus_up, 0);
}

static void (*seq_fn)(int64_t room, int64_t seq, const char *text, size_t len);

void bc_bus_on_seq(void (*fn)(int64_t room, int64_t seq, const char *text, size_t len)) { seq_fn = fn; }

static void drop_queue(void)
{
    for (;;) {
        pthread_mutex_lock(&q_lock);
        qitem *it = NULL;
        if (q_len > 0) {
            it = queue[q_head];
            q_head = (q_head + 1) % BC_BUS_QUEUE_MAX;
            q_len--;
        }
        pthread_mutex_unlock(&q_lock);
        if (!it)
            return;
        if (it->kind == BC_BUS_SEQ && seq_fn)
            seq_fn(it->room, 0, it->data, it->len); /* this instance's viewers still get it */
        else
            atomic_fetch_add(&n_dropped, 1);
        free(it);
    }
}

/* Connects one context to cfg_url: connect timeout connect_ms, then io_ms for every command, AUTH
 * when the URL has a password, SELECT of the URL's db when select_db (keys; pub/sub ignores the
 * db). Returns it (caller frees with redisFree), or NULL with err filled. */
static redisContext *connect_one(int connect_ms, int io_ms, int select_db, char *err, size_t errlen)
{
    struct timeval ct = {connect_ms / 1000, (connect_ms % 1000) * 1000}, io = {io_ms / 1000, (io_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(cfg_url.host, cfg_url.port, ct);
    redisReply *rep = NULL;
    if (!c || c->err) {
        snprintf(err, errlen, "%s", c ? c->errstr : "out of memory");
        goto fail;
    }
    if (redisSetTimeout(c, io) != REDIS_OK) {
        snprintf(err, errlen, "cannot set a timeout");
        goto fail;
    }
    if (cfg_url.password[0]) {
        rep = cfg_url.user[0] ? redisCommand(c, "AUTH %s %s", cfg_url.user, cfg_url.password)
                              : redisCommand(c, "AUTH %s", cfg_url.password);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "AUTH: %s", rep ? rep->str : c->errstr);
            goto fail;
        }
        freeReplyObject(rep);
        rep = NULL;
    }
    if (select_db && cfg_url.db) {
        rep = redisCommand(c, "SELECT %d", cfg_url.db);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "SELECT: %s", rep ? rep->str : c->errstr);
            goto fail;
        }
        freeReplyObject(rep);
    }
    return c;
fail:
    if (rep)
        freeReplyObject(rep);
    if (c)
        redisFree(c);
    return NULL;
}

/* The sequenced-event script (bus.h): KEYS seq, history; ARGV channel, message head, frame, history
 * length, TTL (ms). Returns the event's number. */
static const char seq_lua[] = "local seq = redis.call('INCR', KEYS[1])\n"
                              "local f = '{\"seq\":' .. seq .. ',' .. string.sub(ARGV[3], 2)\n"
                              "redis.call('RPUSH', KEYS[2], seq .. ' ' .. f)\n"
                              "redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)\n"
                              "redis.call('PEXPIRE', KEYS[1], ARGV[5])\n"
                              "redis.call('PEXPIRE', KEYS[2], ARGV[5])\n"
                              "redis.call('PUBLISH', ARGV[1], ARGV[2] .. seq .. ' ' .. f)\n"
                              "return seq\n";
static char seq_sha[41];

static void seq_keys(int64_t room, char seq_key[BC_BUS_KEY_MAX], char hist_key[BC_BUS_KEY_MAX])
{
    snprintf(seq_key, BC_BUS_KEY_MAX, "broadcart:room:%" PRId64 ":seq", room);
    snprintf(hist_key, BC_BUS_KEY_MAX, "broadcart:room:%" PRId64 ":history", room);
}

static int open_conns(char *err, size_t errlen)
{
    redisReply *rep = NULL;
    if (!(sub = connect_one(IO_TIMEOUT_MS, IO_TIMEOUT_MS, 0, err, errlen)) ||
        !(pub = connect_one(IO_TIMEOUT_MS, IO_TIMEOUT_MS, 1, err, errlen))) /* pub also runs PFADD/PFCOUNT */
        goto fail;
    rep = redisCommand(pub, "SCRIPT LOAD %s", seq_lua);
    if (!rep || rep->type != REDIS_REPLY_STRING || rep->len != 40) {
        snprintf(err, errlen, "SCRIPT LOAD: %s", rep && rep->type == REDIS_REPLY_ERROR ? rep->str : pub->errstr);
        goto fail;
    }
    memcpy(seq_sha, rep->str, 40);
    seq_sha[40] = 0;
    freeReplyObject(rep);
    rep = redisCommand(sub, "SUBSCRIBE %s", BC_BUS_CHANNEL);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "SUBSCRIBE: %s", rep && rep->type == REDIS_REPLY_ERROR ? rep->str : sub->errstr);
        goto fail;
    }
    freeReplyObject(rep);
    atomic_store(&bus_up, 1);
    return BC_OK;
fail:
    if (rep)
        freeReplyObject(rep);
    close_conns();
    return BC_ERR;
}

/* Appends one PUBLISH to the publish connection (replies collected by collect_replies). */
static void append_publish(const char *data, size_t len)
{
    if (redisAppendCommand(pub, "PUBLISH %s %b", BC_BUS_CHANNEL, data, len) == REDIS_OK)
        pending_replies++;
}

static void announce(char kind, int64_t room, int count)
{
    char payload[16], msg[96];
    int pl = kind == BC_BUS_COUNT ? snprintf(payload, sizeof payload, "%d", count) : 0;
    size_t n = bc_bus_format(msg, sizeof msg, self_id, kind, room, payload, (size_t)pl);
    append_publish(msg, n);
}

/* Sends what the queue holds (up to FLUSH_BATCH). */
static void flush_queue(void)
{
    qitem *batch[FLUSH_BATCH];
    size_t n = 0;
    pthread_mutex_lock(&q_lock);
    while (q_len > 0 && n < FLUSH_BATCH) {
        batch[n++] = queue[q_head];
        q_head = (q_head + 1) % BC_BUS_QUEUE_MAX;
        q_len--;
    }
    pthread_mutex_unlock(&q_lock);
    for (size_t i = 0; i < n; i++) {
        qitem *it = batch[i];
        if (it->kind == BC_BUS_SEQ) {
            char sk[BC_BUS_KEY_MAX], hk[BC_BUS_KEY_MAX], head[64], hl[12], ttl[24];
            seq_keys(it->room, sk, hk);
            int headlen = (int)bc_bus_format(head, sizeof head, self_id, BC_BUS_SEQ, it->room, "", 0);
            snprintf(hl, sizeof hl, "%d", BC_BUS_HISTORY);
            snprintf(ttl, sizeof ttl, "%lld", (long long)BC_BUS_UNIQUE_TTL_MS);
            if (redisAppendCommand(pub, "EVALSHA %s 2 %s %s %s %b %b %s %s", seq_sha, sk, hk, BC_BUS_CHANNEL, head,
                                   (size_t)headlen, it->data, it->len, hl, ttl) == REDIS_OK)
                pending_replies++;
        } else {
            append_publish(it->data, it->len);
        }
        free(it);
    }
    atomic_fetch_add(&n_published, n);
}

/* Waits for every pipelined reply (bounded by IO_TIMEOUT_MS each). BC_OK or BC_ERR (connection lost). */
static int collect_replies(char *err, size_t errlen)
{
    while (pending_replies > 0) {
        void *rep = NULL;
        if (redisGetReply(pub, &rep) != REDIS_OK) {
            snprintf(err, errlen, "publish: %s", pub->errstr);
            return BC_ERR;
        }
        pending_replies--;
        freeReplyObject(rep);
    }
    return BC_OK;
}

/* ---- unique viewers: PFADD from a bounded queue, PFCOUNT cached per room ---- */

typedef struct uadd {
    int64_t room;
    char member[BC_BUS_MEMBER_MAX + 1];
} uadd;

typedef struct ucount {
    int64_t room;
    int64_t count;
    struct ucount *next;
} ucount;

static uadd uq[BC_BUS_QUEUE_MAX]; /* under q_lock */
static size_t uq_head, uq_len;
static ucount *ucounts[BUCKETS]; /* under r_lock */
static int n_ucounts;
static int64_t udirty[MAX_ROOMS_CHANGED]; /* bus thread: rooms added to since the last count */
static int n_udirty;

void bc_bus_unique_key(int64_t room, char out[BC_BUS_KEY_MAX])
{
    snprintf(out, BC_BUS_KEY_MAX, "broadcart:live:%" PRId64 ":viewers", room);
}

void bc_bus_unique_add(int64_t room, const char *member)
{
    size_t ml = strlen(member);
    if (!atomic_load(&bus_up) || ml == 0 || ml > BC_BUS_MEMBER_MAX) {
        atomic_fetch_add(&n_dropped, 1);
        return;
    }
    pthread_mutex_lock(&q_lock);
    int full = uq_len >= BC_BUS_QUEUE_MAX, was_empty = uq_len == 0 && q_len == 0;
    if (!full) {
        uadd *u = &uq[(uq_head + uq_len) % BC_BUS_QUEUE_MAX];
        u->room = room;
        memcpy(u->member, member, ml + 1);
        uq_len++;
    }
    pthread_mutex_unlock(&q_lock);
    if (full) {
        atomic_fetch_add(&n_dropped, 1);
        return;
    }
    if (was_empty) {
        char b = 1;
        ssize_t w = write(wake_fd[1], &b, 1);
        (void)w;
    }
}

int64_t bc_bus_unique_cached(int64_t room)
{
    int64_t n = -1;
    pthread_mutex_lock(&r_lock);
    for (ucount *u = ucounts[bucket(room)]; u; u = u->next)
        if (u->room == room)
            n = u->count;
    pthread_mutex_unlock(&r_lock);
    return n;
}

/* Stores room's count; returns 1 when it changed. */
static int ucount_set(int64_t room, int64_t count)
{
    int changed = 0;
    pthread_mutex_lock(&r_lock);
    ucount *u = ucounts[bucket(room)];
    while (u && u->room != room)
        u = u->next;
    if (u) {
        changed = u->count != count;
        u->count = count;
    } else if (n_ucounts < MAX_REMOTES && (u = calloc(1, sizeof *u))) {
        u->room = room;
        u->count = count;
        u->next = ucounts[bucket(room)];
        ucounts[bucket(room)] = u;
        n_ucounts++;
        changed = 1;
    }
    pthread_mutex_unlock(&r_lock);
    return changed;
}

static void drop_unique(void)
{
    pthread_mutex_lock(&q_lock);
    atomic_fetch_add(&n_dropped, uq_len);
    uq_head = uq_len = 0;
    pthread_mutex_unlock(&q_lock);
    n_udirty = 0;
}

static void mark_dirty(int64_t room)
{
    for (int i = 0; i < n_udirty; i++)
        if (udirty[i] == room)
            return;
    if (n_udirty < MAX_ROOMS_CHANGED)
        udirty[n_udirty++] = room;
}

/* Appends a PFADD (and the key's 30-day expiry) per queued viewer, up to FLUSH_BATCH. */
static void flush_unique(void)
{
    uadd batch[FLUSH_BATCH];
    size_t n = 0;
    pthread_mutex_lock(&q_lock);
    while (uq_len > 0 && n < FLUSH_BATCH) {
        batch[n++] = uq[uq_head];
        uq_head = (uq_head + 1) % BC_BUS_QUEUE_MAX;
        uq_len--;
    }
    pthread_mutex_unlock(&q_lock);
    for (size_t i = 0; i < n; i++) {
        char key[BC_BUS_KEY_MAX];
        bc_bus_unique_key(batch[i].room, key);
        if (redisAppendCommand(pub, "PFADD %s %s", key, batch[i].member) == REDIS_OK)
            pending_replies++;
        if (redisAppendCommand(pub, "PEXPIRE %s %lld", key, (long long)BC_BUS_UNIQUE_TTL_MS) == REDIS_OK)
            pending_replies++;
        mark_dirty(batch[i].room);
    }
}

static void dirty_visit(int64_t room, int count, void *arg)
{
    (void)count;
    (void)arg;
    if (room < BC_HUB_PRIVATE_ROOM_BASE)
        mark_dirty(room);
}

/* Reads PFCOUNT of the rooms added to since the last time (and, with all, of every room with
 * viewers here, for the other instances' additions); a changed count notifies the room. Call with
 * no reply pending. BC_OK or BC_ERR (connection lost). */
static int refresh_unique(int all, char *err, size_t errlen)
{
    if (all)
        bc_hub_each_local_count(dirty_visit, NULL);
    int n = n_udirty, rc = BC_OK;
    n_udirty = 0;
    for (int i = 0; i < n; i++) {
        char key[BC_BUS_KEY_MAX];
        bc_bus_unique_key(udirty[i], key);
        if (redisAppendCommand(pub, "PFCOUNT %s", key) != REDIS_OK) {
            snprintf(err, errlen, "out of memory");
            return BC_ERR;
        }
    }
    for (int i = 0; i < n; i++) {
        void *v = NULL;
        if (redisGetReply(pub, &v) != REDIS_OK) {
            snprintf(err, errlen, "PFCOUNT: %s", pub->errstr);
            return BC_ERR;
        }
        redisReply *rep = v;
        if (rep->type == REDIS_REPLY_INTEGER && ucount_set(udirty[i], rep->integer))
            bc_hub_count_changed(udirty[i]);
        freeReplyObject(rep);
    }
    return rc;
}

typedef struct ann_walk {
    unsigned gen;
    int force;
} ann_walk;

/* bc_hub_each_local_count callback (hub lock held: only appends to the publish connection's buffer). */
static void ann_visit(int64_t room, int count, void *arg)
{
    ann_walk *w = arg;
    if (room >= BC_HUB_PRIVATE_ROOM_BASE)
        return; /* a user's own sockets: not a live room's viewers */
    announced **pp = &ann[bucket(room)], *a;
    while ((a = *pp) && a->room != room)
        pp = &a->next;
    if (!a) {
        if (!(a = calloc(1, sizeof *a)))
            return;
        a->room = room;
        a->count = -1;
        *pp = a;
    }
    a->gen = w->gen;
    if (w->force || a->count != count) {
        announce(BC_BUS_COUNT, room, count);
        a->count = count;
    }
}

/* Announces changed local counts (all of them with force), and 0 once for rooms left empty. */
static void announce_counts(int force)
{
    ann_walk w = {++ann_gen, force};
    bc_hub_each_local_count(ann_visit, &w);
    for (int b = 0; b < BUCKETS; b++) {
        for (announced **pp = &ann[b], *a; (a = *pp);) {
            if (a->gen != w.gen) {
                announce(BC_BUS_COUNT, a->room, 0);
                *pp = a->next;
                free(a);
            } else {
                pp = &a->next;
            }
        }
    }
}

static void forget_announced(void)
{
    for (int b = 0; b < BUCKETS; b++) {
        for (announced *a = ann[b], *next; a; a = next) {
            next = a->next;
            free(a);
        }
        ann[b] = NULL;
    }
}

/* Handles one message from the subscription; updates *echo_ms on our own heartbeat. */
static void on_message(const redisReply *rep, int64_t now, int64_t *echo_ms)
{
    bc_bus_msg m;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 || rep->element[0]->type != REDIS_REPLY_STRING ||
        strcmp(rep->element[0]->str, "message") != 0 || rep->element[2]->type != REDIS_REPLY_STRING)
        return; /* subscribe confirmations */
    if (bc_bus_parse(rep->element[2]->str, rep->element[2]->len, &m) != BC_OK) {
        bc_log_debug("bus", "ignored a malformed message on %s", BC_BUS_CHANNEL);
        return;
    }
    if (m.kind == BC_BUS_SEQ) { /* delivered from here on every instance, this one included */
        int64_t seq = 0;
        size_t i = 0;
        while (i < m.len && i < 18 && m.payload[i] >= '0' && m.payload[i] <= '9')
            seq = seq * 10 + (m.payload[i++] - '0');
        if (i == 0 || i >= m.len || m.payload[i] != ' ' || m.len - i - 1 > MAX_EVENT_BYTES)
            return;
        if (strcmp(m.instance, self_id) != 0)
            atomic_fetch_add(&n_received, 1);
        if (seq_fn)
            seq_fn(m.room, seq, m.payload + i + 1, m.len - i - 1);
        return;
    }
    if (strcmp(m.instance, self_id) == 0) {
        if (m.kind == BC_BUS_HEARTBEAT)
            *echo_ms = now;
        return; /* our own events were delivered locally when published */
    }
    if (m.kind == BC_BUS_EVENT) {
        if (m.len > MAX_EVENT_BYTES)
            return;
        atomic_fetch_add(&n_received, 1);
        bc_hub_send_local(m.room, m.payload, m.len);
    } else if (m.kind == BC_BUS_CLOSE_USER) {
        char reason[121];
        size_t n = m.len < sizeof reason - 1 ? m.len : sizeof reason - 1;
        memcpy(reason, m.payload, n);
        reason[n] = 0;
        atomic_fetch_add(&n_received, 1);
        bc_http_account_forget(m.room); /* the next request of that user reads the account again */
        bc_hub_close_user_local(m.room, 1008, reason);
    } else if (m.kind == BC_BUS_COUNT) {
        long c = 0;
        for (size_t i = 0; i < m.len && i < 10; i++) {
            if (m.payload[i] < '0' || m.payload[i] > '9')
                return;
            c = c * 10 + (m.payload[i] - '0');
        }
        if (m.len == 0 || m.len > 9)
            return;
        if (remote_set(m.instance, m.room, (int)c, now))
            bc_hub_count_changed(m.room);
    }
}

/* Reads and handles what the subscription has buffered. BC_OK or BC_ERR (connection lost). */
static int read_sub(int readable, int64_t now, int64_t *echo_ms, char *err, size_t errlen)
{
    if (readable && redisBufferRead(sub) != REDIS_OK) {
        snprintf(err, errlen, "subscription: %s", sub->errstr[0] ? sub->errstr : "closed");
        return BC_ERR;
    }
    for (;;) {
        void *rep = NULL;
        if (redisGetReplyFromReader(sub, &rep) != REDIS_OK) {
            snprintf(err, errlen, "subscription: %s", sub->errstr);
            return BC_ERR;
        }
        if (!rep)
            return BC_OK;
        on_message(rep, now, echo_ms);
        freeReplyObject(rep);
    }
}

static void wait_wake(int timeout_ms)
{
    struct pollfd p = {wake_fd[0], POLLIN, 0};
    if (poll(&p, 1, timeout_ms) > 0) {
        char b[256];
        while (read(wake_fd[0], b, sizeof b) > 0)
            ;
    }
}

static void *bus_main(void *arg)
{
    (void)arg;
    /* a write to a connection Redis closed fails with EPIPE instead of killing the process (the
     * server ignores SIGPIPE too, but this thread may write before it does) */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    int backoff = BACKOFF_MIN_MS, down_logged = 0, ever_up = 0;
    int64_t next_try = 0, down_since = 0, next_tick = 0, next_announce = 0, echo_ms = 0;
    uint64_t dropped_at_down = 0;
    char err[256];
    for (;;) {
        int64_t now = bc_now_ms();
        if (!sub) {
            drop_queue();
            drop_unique();
            remote_sweep(now);
            if (now < next_try) {
                wait_wake((int)(next_try - now < TICK_MS ? next_try - now : TICK_MS));
                continue;
            }
            if (open_conns(err, sizeof err) != BC_OK) {
                if (!down_logged) {
                    bc_log_error("bus",
                                 "redis at %s:%d unavailable (%s): room events reach this instance's viewers only "
                                 "until it answers; retrying",
                                 cfg_url.host, cfg_url.port, err);
                    down_logged = 1;
                    down_since = now;
                    dropped_at_down = atomic_load(&n_dropped);
                }
                next_try = now + backoff;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                continue;
            }
            if (down_logged)
                bc_log_warn("bus",
                            "redis at %s:%d is back after %" PRId64 " ms; %" PRIu64
                            " room event(s) were not relayed meanwhile",
                            cfg_url.host, cfg_url.port, now - down_since, atomic_load(&n_dropped) - dropped_at_down);
            else if (!ever_up)
                bc_log_info("bus", "room events relayed through redis at %s:%d (instance %s)", cfg_url.host,
                            cfg_url.port, self_id);
            ever_up = 1;
            down_logged = 0;
            backoff = BACKOFF_MIN_MS;
            forget_announced(); /* announce every count anew */
            next_tick = next_announce = now;
            echo_ms = now;
        }
        int wait = next_tick > now ? (int)(next_tick - now) : 0;
        struct pollfd p[2] = {{sub->fd, POLLIN, 0}, {wake_fd[0], POLLIN, 0}};
        int pr = poll(p, 2, wait);
        now = bc_now_ms();
        if (pr > 0 && (p[1].revents & POLLIN)) {
            char b[256];
            while (read(wake_fd[0], b, sizeof b) > 0)
                ;
        }
        int rc = read_sub(pr > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)), now, &echo_ms, err, sizeof err);
        int refresh = 0, refresh_all = 0;
        if (rc == BC_OK) {
            flush_queue();
            flush_unique();
            if (now >= next_tick) {
                int force = now >= next_announce;
                refresh = 1;
                refresh_all = force;
                announce_counts(force);
                if (force) {
                    announce(BC_BUS_HEARTBEAT, 0, 0);
                    next_announce = now + ANNOUNCE_MS;
                }
                remote_sweep(now);
                next_tick = now + TICK_MS;
            }
            rc = collect_replies(err, sizeof err);
        }
        if (rc == BC_OK && refresh)
            rc = refresh_unique(refresh_all, err, sizeof err);
        if (rc == BC_OK && now - echo_ms > ECHO_TIMEOUT_MS) {
            snprintf(err, sizeof err, "no echo of our heartbeat for %d ms", ECHO_TIMEOUT_MS);
            rc = BC_ERR;
        }
        if (rc != BC_OK) {
            bc_log_error("bus",
                         "redis connection lost (%s): room events reach this instance's viewers only until it "
                         "returns; reconnecting",
                         err);
            close_conns();
            down_logged = 1;
            down_since = now;
            dropped_at_down = atomic_load(&n_dropped);
            next_try = now + BACKOFF_MIN_MS;
        }
    }
    return NULL;
}

int bc_bus_start(const char *url)
{
    if (bc_bus_parse_url(url, &cfg_url) != BC_OK) {
        bc_log_error("bus", "BROADCART_REDIS_URL is not redis://[[user]:password@]host[:port][/db]");
        return BC_EINVAL;
    }
    bc_rand_token(self_id, BC_BUS_INSTANCE_LEN);
    if (pipe(wake_fd) != 0 || fcntl(wake_fd[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(wake_fd[1], F_SETFL, O_NONBLOCK) != 0) {
        bc_log_error("bus", "pipe: %s", strerror(errno));
        return BC_ERR;
    }
    bc_hub_set_relay(relay);
    bc_hub_set_user_relay(relay_close_user);
    bc_hub_set_remote_count(remote_count);
    atomic_store(&configured, 1);
    pthread_t t;
    if (pthread_create(&t, NULL, bus_main, NULL) != 0) {
        bc_log_error("bus", "cannot start the bus thread");
        bc_hub_set_relay(NULL);
        bc_hub_set_user_relay(NULL);
        bc_hub_set_remote_count(NULL);
        atomic_store(&configured, 0);
        return BC_ERR;
    }
    pthread_detach(t);
    return BC_OK;
}

/* ---- atomic scripts on per-thread connections (cluster-wide counters) ---- */

#define EVAL_CONNECT_MS 200 /* connect timeout of a calling thread's own connection */
#define EVAL_IO_MS 250      /* command timeout on it */
#define EVAL_RETRY_MS 1000  /* after a failure, every thread uses its fallback this long */

static atomic_llong eval_down_until;
static atomic_int eval_down; /* an outage was logged and not yet its end */
static atomic_uint_fast64_t eval_seq;
static pthread_mutex_t sha_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local redisContext *eval_conn;

int bc_bus_configured(void) { return atomic_load(&configured); }

const char *bc_bus_instance(void) { return self_id; }

static void script_sha(bc_bus_script *s)
{
    if (atomic_load_explicit(&s->ready, memory_order_acquire))
        return;
    pthread_mutex_lock(&sha_lock);
    if (!atomic_load_explicit(&s->ready, memory_order_relaxed)) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        EVP_Digest(s->lua, strlen(s->lua), md, &mdlen, EVP_sha1(), NULL);
        for (unsigned i = 0; i < mdlen && i < 20; i++)
            snprintf(s->sha + 2 * i, 3, "%02x", md[i]);
        atomic_store_explicit(&s->ready, 1, memory_order_release);
    }
    pthread_mutex_unlock(&sha_lock);
}

#define EVAL_MAX_LOADED 16 /* scripts remembered as loaded on a thread's connection */
static _Thread_local bc_bus_script *eval_loaded[EVAL_MAX_LOADED];
static _Thread_local int n_eval_loaded;

static int is_loaded(const bc_bus_script *s)
{
    for (int i = 0; i < n_eval_loaded; i++)
        if (eval_loaded[i] == s)
            return 1;
    return 0;
}

/* Appends one EVALSHA of s with keys and args to c's output buffer. BC_OK or BC_ENOMEM. */
static int append_evalsha(redisContext *c, const bc_bus_script *s, int nkeys, const char *const *keys, int nargs,
                          const int64_t *args)
{
    enum { MAX_ARGV = 3 + BC_BUS_EVAL_MAX_KEYS + BC_BUS_EVAL_MAX_ARGS };
    const char *argv[MAX_ARGV];
    size_t argl[MAX_ARGV];
    char nk[12], nums[BC_BUS_EVAL_MAX_ARGS][24];
    int n = 0;
    snprintf(nk, sizeof nk, "%d", nkeys);
    argv[n++] = "EVALSHA";
    argv[n++] = s->sha;
    argv[n++] = nk;
    for (int i = 0; i < nkeys; i++)
        argv[n++] = keys[i];
    for (int i = 0; i < nargs; i++) {
        snprintf(nums[i], sizeof nums[i], "%" PRId64, args[i]);
        argv[n++] = nums[i];
    }
    for (int i = 0; i < n; i++)
        argl[i] = strlen(argv[i]);
    return redisAppendCommandArgv(c, n, argv, argl) == REDIS_OK ? BC_OK : BC_ENOMEM;
}

/* Fills out[0..nout-1] from one script reply (integer, or array of integers; else zeros). */
static void reply_ints(const redisReply *rep, int64_t *out, int nout)
{
    for (int i = 0; i < nout; i++)
        out[i] = 0;
    if (rep->type == REDIS_REPLY_INTEGER) {
        out[0] = rep->integer;
    } else if (rep->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < rep->elements && i < (size_t)nout; i++)
            if (rep->element[i]->type == REDIS_REPLY_INTEGER)
                out[i] = rep->element[i]->integer;
    }
}

/* One pipeline on eval_conn: SCRIPT LOAD first when this connection has not loaded s yet (so no
 * EVALSHA behind it can meet NOSCRIPT), then n EVALSHA, then every reply in order. Returns BC_OK,
 * BC_EBUSY (connection failed; *replies_read tells whether any reply came) or BC_ERR (an error
 * reply). err gets the cause. */
static int eval_pipeline(bc_bus_script *s, int n, int nkeys, const char *const *keys, int nargs, const int64_t *args,
                         int64_t *out, int nout, int *replies_read, char *err, size_t errlen)
{
    int load = !is_loaded(s), rc = BC_OK, expect = 0;
    *replies_read = 0;
    if (load) {
        if (redisAppendCommand(eval_conn, "SCRIPT LOAD %s", s->lua) != REDIS_OK) {
            snprintf(err, errlen, "out of memory");
            return BC_EBUSY;
        }
        expect++;
    }
    for (int i = 0; i < n; i++) {
        if (append_evalsha(eval_conn, s, nkeys, keys + (size_t)i * (size_t)nkeys, nargs,
                           args + (size_t)i * (size_t)nargs) != BC_OK) {
            snprintf(err, errlen, "out of memory");
            return BC_EBUSY; /* the connection's buffer is unusable: caller drops it */
        }
        expect++;
    }
    for (int k = 0; k < expect; k++) {
        void *v = NULL;
        if (redisGetReply(eval_conn, &v) != REDIS_OK || !v) {
            snprintf(err, errlen, "%s", eval_conn->errstr[0] ? eval_conn->errstr : "no reply");
            return BC_EBUSY;
        }
        *replies_read = 1;
        redisReply *rep = v;
        int i = k - (load ? 1 : 0); /* -1: the SCRIPT LOAD reply */
        if (rep->type == REDIS_REPLY_ERROR) {
            if (rc == BC_OK)
                snprintf(err, errlen, "%s", rep->str);
            rc = BC_ERR; /* keep reading: every reply must be consumed */
        } else if (i < 0) {
            if (n_eval_loaded < EVAL_MAX_LOADED)
                eval_loaded[n_eval_loaded++] = s;
        } else {
            reply_ints(rep, out + (size_t)i * (size_t)nout, nout);
        }
        freeReplyObject(rep);
    }
    return rc;
}

static void eval_failed(const char *why)
{
    atomic_store(&eval_down_until, bc_now_ms() + EVAL_RETRY_MS);
    if (!atomic_exchange(&eval_down, 1))
        bc_log_error("bus",
                     "cluster-wide limits: redis at %s:%d does not answer (%s); each instance counts on its own "
                     "until it does",
                     cfg_url.host, cfg_url.port, why);
}

static void eval_drop_conn(void)
{
    if (eval_conn)
        redisFree(eval_conn);
    eval_conn = NULL;
    n_eval_loaded = 0;
}

int bc_bus_eval_many(bc_bus_script *s, int n, int nkeys, const char *const *keys, int nargs, const int64_t *args,
                     int64_t *out, int nout)
{
    char err[256];
    if (!atomic_load(&configured))
        return BC_ENOTFOUND;
    if (n < 1 || n > BC_BUS_EVAL_MAX_CALLS || nkeys < 0 || nkeys > BC_BUS_EVAL_MAX_KEYS || nargs < 0 ||
        nargs > BC_BUS_EVAL_MAX_ARGS || nout < 1)
        return BC_EINVAL;
    if (bc_now_ms() < atomic_load(&eval_down_until) && !eval_conn)
        return BC_EBUSY; /* an outage is known: do not wait for a connect timeout on every call */
    script_sha(s);
    /* a connection kept from before may have died with a Redis restart: one retry on a new one,
     * unless a reply came back (then the scripts ran, and must not run twice) */
    for (int fresh = !eval_conn;; fresh = 1) {
        if (!eval_conn && !(eval_conn = connect_one(EVAL_CONNECT_MS, EVAL_IO_MS, 1, err, sizeof err))) {
            eval_failed(err);
            return BC_EBUSY;
        }
        int got = 0, rc = eval_pipeline(s, n, nkeys, keys, nargs, args, out, nout, &got, err, sizeof err);
        if (rc == BC_ERR) { /* e.g. OOM, LOADING, a script error, a SCRIPT FLUSH: counts as an outage */
            n_eval_loaded = 0;
            eval_failed(err);
            return BC_ERR;
        }
        if (rc == BC_OK)
            break;
        eval_drop_conn();
        if (fresh || got) {
            eval_failed(err);
            return BC_EBUSY;
        }
    }
    if (atomic_exchange(&eval_down, 0))
        bc_log_warn("bus", "cluster-wide limits: redis at %s:%d answers again; limits are cluster-wide again",
                    cfg_url.host, cfg_url.port);
    return BC_OK;
}

int bc_bus_eval(bc_bus_script *s, int nkeys, const char *const *keys, int nargs, const int64_t *args, int64_t *out,
                int nout)
{
    return bc_bus_eval_many(s, 1, nkeys, keys, nargs, args, out, nout);
}

int64_t bc_bus_unique(void)
{
    static _Atomic int64_t salt;
    int64_t sl = atomic_load(&salt);
    if (sl == 0) { /* 31 random bits, fixed for the process */
        char tok[9];
        bc_rand_token(tok, 8);
        for (size_t i = 0; i < 8; i++)
            sl = (sl * 62 + (unsigned char)tok[i]) & 0x7fffffff;
        sl |= 1;
        int64_t zero = 0;
        if (!atomic_compare_exchange_strong(&salt, &zero, sl))
            sl = zero;
    }
    return (sl << 32) | (int64_t)((atomic_fetch_add(&eval_seq, 1) + 1) & 0xffffffffu);
}

int bc_bus_history(int64_t room, int64_t after, void (*fn)(int64_t seq, const char *frame, size_t len, void *arg),
                   void *arg)
{
    char err[256], sk[BC_BUS_KEY_MAX], hk[BC_BUS_KEY_MAX];
    redisReply *rep = NULL;
    if (!atomic_load(&configured))
        return BC_ENOTFOUND;
    if (bc_now_ms() < atomic_load(&eval_down_until) && !eval_conn)
        return BC_EBUSY;
    if (!eval_conn && !(eval_conn = connect_one(EVAL_CONNECT_MS, EVAL_IO_MS, 1, err, sizeof err))) {
        eval_failed(err);
        return BC_EBUSY;
    }
    seq_keys(room, sk, hk);
    rep = redisCommand(eval_conn, "LRANGE %s 0 -1", hk);
    if (!rep) {
        snprintf(err, sizeof err, "%s", eval_conn->errstr[0] ? eval_conn->errstr : "no reply");
        eval_drop_conn();
        eval_failed(err);
        return BC_EBUSY;
    }
    if (rep->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < rep->elements; i++) {
            const redisReply *e = rep->element[i];
            int64_t seq = 0;
            size_t k = 0;
            if (e->type != REDIS_REPLY_STRING)
                continue;
            while (k < e->len && k < 18 && e->str[k] >= '0' && e->str[k] <= '9')
                seq = seq * 10 + (e->str[k++] - '0');
            if (k == 0 || k >= e->len || e->str[k] != ' ' || seq <= after)
                continue;
            fn(seq, e->str + k + 1, e->len - k - 1, arg);
        }
    }
    freeReplyObject(rep);
    return BC_OK;
}
