/* Catalog cache: rendered product JSON and rendered list pages (with their total) in memory,
 * shared by the worker threads, dropped exactly when the store reports a committed change
 * (store.h "change notification"). See catalog.h for the rules. */
#include "catalog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ROW_SLOTS 16384 /* direct-mapped by id: one product per slot (a collision replaces) */
#define ROW_STRIPES 256
#define LIST_SLOTS 2048 /* 4-way sets by key hash: a key may live in any way of its set */
#define LIST_WAYS 4
#define LIST_STRIPES 64
#define LIST_KEY_MAX 480

typedef struct row_entry {
    int64_t id; /* 0 = empty */
    uint64_t epoch;
    char *json;
    size_t len;
    int64_t seller_id;
    int visible;
} row_entry;

typedef struct list_entry {
    uint64_t hash, gen;
    char key[LIST_KEY_MAX];
    char *json;
    size_t len;
} list_entry;

static row_entry rows[ROW_SLOTS];
static pthread_mutex_t row_locks[ROW_STRIPES];
static uint64_t row_gen[ROW_STRIPES]; /* bumped (under its lock) when a product of the stripe changes */
static list_entry lists[LIST_SLOTS];
static pthread_mutex_t list_locks[LIST_STRIPES];
static atomic_uint_fast64_t epoch = 1;    /* bumped when everything is dropped */
static atomic_uint_fast64_t list_gen = 1; /* bumped on any change: every list may show it */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int ready; /* setup done: the subscriber is registered */

static void on_change(int64_t id)
{
    atomic_fetch_add(&list_gen, 1);
    if (id == BC_DB_CHANGED_ALL) {
        atomic_fetch_add(&epoch, 1);
        return;
    }
    size_t slot = (size_t)id & (ROW_SLOTS - 1), stripe = slot & (ROW_STRIPES - 1);
    pthread_mutex_lock(&row_locks[stripe]);
    row_gen[stripe]++;
    if (rows[slot].id == id) {
        free(rows[slot].json);
        rows[slot].json = NULL;
        rows[slot].id = 0;
    }
    pthread_mutex_unlock(&row_locks[stripe]);
}

static void setup(void)
{
    for (int i = 0; i < ROW_STRIPES; i++)
        pthread_mutex_init(&row_locks[i], NULL);
    for (int i = 0; i < LIST_STRIPES; i++)
        pthread_mutex_init(&list_locks[i], NULL);
    bc_db_on_change(on_change);
    atomic_store(&ready, 1);
}

/* 1 when the cache may answer for db now (after catching up with other writers). */
static int cache_usable(bc_db *db)
{
    pthread_once(&once, setup);
    return bc_db_sync(db) == BC_OK;
}

static char *dup_mem(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = 0;
    }
    return d;
}

/* What a fill read before going to the database: a change published since moves one of them. */
typedef struct row_token {
    uint64_t ep, gen;
} row_token;

static size_t row_slot(int64_t id) { return (size_t)id & (ROW_SLOTS - 1); }

static row_token row_token_of(int64_t id)
{
    size_t stripe = row_slot(id) & (ROW_STRIPES - 1);
    pthread_mutex_lock(&row_locks[stripe]);
    row_token t = {atomic_load(&epoch), row_gen[stripe]};
    pthread_mutex_unlock(&row_locks[stripe]);
    return t;
}

/* A copy of product id's rendering when cached: 1, else 0. */
static int row_get(int64_t id, char **json, size_t *len, int64_t *seller_id, int *visible)
{
    size_t slot = row_slot(id), stripe = slot & (ROW_STRIPES - 1);
    int hit = 0;
    pthread_mutex_lock(&row_locks[stripe]);
    row_entry *e = &rows[slot];
    if (e->id == id && e->epoch == atomic_load(&epoch) && (*json = dup_mem(e->json, e->len)) != NULL) {
        *len = e->len;
        *seller_id = e->seller_id;
        *visible = e->visible;
        hit = 1;
    }
    pthread_mutex_unlock(&row_locks[stripe]);
    return hit;
}

/* Keeps a rendering read after t was taken, unless a change was published since. */
static void row_put(int64_t id, row_token t, const char *json, size_t len, int64_t seller_id, int visible)
{
    size_t slot = row_slot(id), stripe = slot & (ROW_STRIPES - 1);
    char *keep = dup_mem(json, len);
    pthread_mutex_lock(&row_locks[stripe]);
    if (keep && row_gen[stripe] == t.gen && atomic_load(&epoch) == t.ep) {
        free(rows[slot].json);
        rows[slot] = (row_entry){id, t.ep, keep, len, seller_id, visible};
        keep = NULL;
    }
    pthread_mutex_unlock(&row_locks[stripe]);
    free(keep);
}

/* Renders a bc_catalog_products_load object (consumed). BC_OK or BC_ERR. */
static int render(json_t *p, char **json, size_t *len, int64_t *seller_id, int *visible)
{
    const char *st = json_string_value(json_object_get(p, "status"));
    *seller_id = json_integer_value(json_object_get(p, "seller_id"));
    *visible = json_integer_value(json_object_get(p, "deleted")) == 0 && st && strcmp(st, "HIDDEN") != 0;
    json_object_del(p, "deleted");
    *json = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    if (!*json)
        return BC_ERR;
    *len = strlen(*json);
    return BC_OK;
}

int bc_catalog_product_body(bc_db *db, int64_t id, char **json, size_t *len, int64_t *seller_id, int *visible)
{
    json_t *p = NULL;
    *json = NULL;
    if (id <= 0)
        return BC_ENOTFOUND;
    int usable = cache_usable(db);
    if (usable && row_get(id, json, len, seller_id, visible))
        return BC_OK;
    row_token t = row_token_of(id); /* before the database */
    if (bc_catalog_products_load(db, &id, 1, &p) != BC_OK)
        return BC_ERR;
    if (!p)
        return BC_ENOTFOUND;
    int rc = render(p, json, len, seller_id, visible);
    if (rc == BC_OK && usable)
        row_put(id, t, *json, *len, *seller_id, *visible);
    return rc;
}

/* FNV-1a, 64 bits. */
static uint64_t hash_key(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int load_list(bc_db *db, const bc_product_query *q, char **json, size_t *len)
{
    json_t *out = NULL;
    int rc = bc_catalog_list(db, q, &out);
    if (rc != BC_OK)
        return rc;
    *json = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    if (!*json)
        return BC_ERR;
    *len = strlen(*json);
    return BC_OK;
}

/* The first slot of key's set, and its lock. */
static size_t list_set(uint64_t h) { return (size_t)(h % (LIST_SLOTS / LIST_WAYS)) * LIST_WAYS; }
static pthread_mutex_t *list_lock(size_t set) { return &list_locks[(set / LIST_WAYS) % LIST_STRIPES]; }

/* A copy of the cached text for key (valid under list generation gen): 1, else 0. */
static int list_get(const char *key, uint64_t gen, char **json, size_t *len)
{
    uint64_t h = hash_key(key);
    size_t set = list_set(h);
    int hit = 0;
    pthread_mutex_lock(list_lock(set));
    for (size_t w = 0; w < LIST_WAYS && !hit; w++) {
        list_entry *e = &lists[set + w];
        if (e->json && e->hash == h && e->gen == gen && strcmp(e->key, key) == 0 &&
            (*json = dup_mem(e->json, e->len)) != NULL) {
            *len = e->len;
            hit = 1;
        }
    }
    pthread_mutex_unlock(list_lock(set));
    return hit;
}

/* Keeps text for key if no change was published since gen was read: in the way holding key, else
 * an empty or outdated way, else the way after the one replaced last. */
static void list_put(const char *key, uint64_t gen, const char *json, size_t len)
{
    static _Atomic unsigned next_way;
    uint64_t h = hash_key(key);
    size_t set = list_set(h), kl = strlen(key), way = LIST_WAYS;
    char *keep = kl < LIST_KEY_MAX ? dup_mem(json, len) : NULL;
    pthread_mutex_lock(list_lock(set));
    if (keep && atomic_load(&list_gen) == gen) {
        for (size_t w = 0; w < LIST_WAYS && way == LIST_WAYS; w++)
            if (lists[set + w].json && lists[set + w].hash == h && strcmp(lists[set + w].key, key) == 0)
                way = w;
        for (size_t w = 0; w < LIST_WAYS && way == LIST_WAYS; w++)
            if (!lists[set + w].json || lists[set + w].gen != gen)
                way = w;
        if (way == LIST_WAYS)
            way = atomic_fetch_add(&next_way, 1) % LIST_WAYS;
        list_entry *e = &lists[set + way];
        free(e->json);
        e->hash = h;
        e->gen = gen;
        memcpy(e->key, key, kl + 1);
        e->json = keep;
        e->len = len;
        keep = NULL;
    }
    pthread_mutex_unlock(list_lock(set));
    free(keep);
}

/* A page without search text: ids of the page (index order), the total (cached per filter),
 * the rows from the row cache (the missing ones in one statement), joined as text. */
static int build_page(bc_db *db, const bc_product_query *q, uint64_t gen, int usable, char **json, size_t *len)
{
    int64_t ids[100], miss_ids[100], total = 0;
    json_t *loaded[100];
    char *parts[100] = {0}, tkey[96];
    size_t plen[100] = {0}, size = 96;
    row_token tokens[100];
    int n = 0, nmiss = 0, miss_at[100], rc;
    *json = NULL;
    if ((rc = bc_catalog_page_ids(db, q, ids, &n)) != BC_OK)
        return rc;
    snprintf(tkey, sizeof tkey, "T|%lld|%lld|%d", (long long)q->category_id, (long long)q->seller_id,
             q->include_hidden ? 1 : 0);
    char *tj = NULL;
    size_t tl = 0;
    if (usable && list_get(tkey, gen, &tj, &tl)) {
        total = strtoll(tj, NULL, 10);
        free(tj);
    } else if ((rc = bc_catalog_count(db, q, &total)) != BC_OK) {
        return rc;
    } else if (usable) {
        char t[24];
        int l = snprintf(t, sizeof t, "%lld", (long long)total);
        list_put(tkey, gen, t, (size_t)l);
    }
    for (int i = 0; i < n; i++) {
        int64_t seller;
        int visible;
        if (usable && row_get(ids[i], &parts[i], &plen[i], &seller, &visible))
            continue;
        tokens[nmiss] = row_token_of(ids[i]);
        miss_at[nmiss] = i;
        miss_ids[nmiss++] = ids[i];
    }
    rc = nmiss ? bc_catalog_products_load(db, miss_ids, nmiss, loaded) : BC_OK;
    for (int k = 0; rc == BC_OK && k < nmiss; k++) {
        int64_t seller;
        int visible, i = miss_at[k];
        if (!loaded[k])
            continue; /* gone since the ids were read: left out */
        if (render(loaded[k], &parts[i], &plen[i], &seller, &visible) != BC_OK) {
            rc = BC_ERR;
            for (int j = k + 1; j < nmiss; j++)
                json_decref(loaded[j]);
            break;
        }
        if (usable)
            row_put(ids[i], tokens[k], parts[i], plen[i], seller, visible);
    }
    for (int i = 0; i < n; i++)
        size += plen[i] + 1;
    char *out = rc == BC_OK ? malloc(size) : NULL, *w = out;
    if (out) {
        w += sprintf(w, "{\"items\":[");
        int first = 1;
        for (int i = 0; i < n; i++) {
            if (!parts[i])
                continue;
            if (!first)
                *w++ = ',';
            first = 0;
            memcpy(w, parts[i], plen[i]);
            w += plen[i];
        }
        w += sprintf(w, "],\"page\":%lld,\"per_page\":%lld,\"total\":%lld}", (long long)q->page, (long long)q->per_page,
                     (long long)total);
        *json = out;
        *len = (size_t)(w - out);
    } else if (rc == BC_OK) {
        rc = BC_ERR;
    }
    for (int i = 0; i < n; i++)
        free(parts[i]);
    return rc;
}

/* The cache key of q in key (LIST_KEY_MAX bytes): 1, or 0 when it does not fit. */
static int list_key(const bc_product_query *q, char *key)
{
    int kl =
        snprintf(key, LIST_KEY_MAX, "%lld|%lld|%d|%lld|%lld|%d|%s", (long long)q->category_id, (long long)q->seller_id,
                 q->sort, (long long)q->page, (long long)q->per_page, q->include_hidden ? 1 : 0, q->q ? q->q : "");
    return kl > 0 && kl < LIST_KEY_MAX;
}

int bc_catalog_list_body(bc_db *db, const bc_product_query *q, char **json, size_t *len)
{
    char key[LIST_KEY_MAX];
    int plain = !q->q || !q->q[0];
    *json = NULL;
    int usable = list_key(q, key) && cache_usable(db);
    uint64_t gen = atomic_load(&list_gen); /* before the database */
    if (usable && list_get(key, gen, json, len))
        return BC_OK;
    int rc = plain && q->per_page <= 100 ? build_page(db, q, gen, usable, json, len) : load_list(db, q, json, len);
    if (rc == BC_OK && usable)
        list_put(key, gen, *json, *len);
    return rc;
}

int bc_catalog_product_cached(int64_t id, char **json, size_t *len, int64_t *seller_id, int *visible)
{
    *json = NULL;
    return id > 0 && atomic_load(&ready) && bc_db_sync_here() == BC_OK && row_get(id, json, len, seller_id, visible);
}

int bc_catalog_list_cached(const bc_product_query *q, char **json, size_t *len)
{
    char key[LIST_KEY_MAX];
    *json = NULL;
    if (!atomic_load(&ready) || !list_key(q, key) || bc_db_sync_here() != BC_OK)
        return 0;
    return list_get(key, atomic_load(&list_gen), json, len);
}
