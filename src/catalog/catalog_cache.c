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
#define LIST_SLOTS 1024 /* direct-mapped by key hash */
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

/* Loads product id (hidden and deleted included) and renders it. BC_OK, BC_ENOTFOUND or BC_ERR. */
static int load_row(bc_db *db, int64_t id, char **json, size_t *len, int64_t *seller, int *visible)
{
    json_t *p = NULL;
    int rc = bc_catalog_product_owner(db, id, seller, NULL, visible);
    if (rc == BC_OK)
        rc = bc_catalog_product_json(db, id, 1, &p);
    if (rc != BC_OK)
        return rc;
    *json = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    if (!*json)
        return BC_ERR;
    *len = strlen(*json);
    return BC_OK;
}

int bc_catalog_product_body(bc_db *db, int64_t id, char **json, size_t *len, int64_t *seller_id, int *visible)
{
    size_t slot = (size_t)id & (ROW_SLOTS - 1), stripe = slot & (ROW_STRIPES - 1);
    *json = NULL;
    if (id <= 0)
        return BC_ENOTFOUND;
    if (!cache_usable(db))
        return load_row(db, id, json, len, seller_id, visible);
    pthread_mutex_lock(&row_locks[stripe]);
    row_entry *e = &rows[slot];
    uint64_t ep = atomic_load(&epoch), gen = row_gen[stripe];
    if (e->id == id && e->epoch == ep) {
        *json = dup_mem(e->json, e->len);
        *len = e->len;
        *seller_id = e->seller_id;
        *visible = e->visible;
    }
    pthread_mutex_unlock(&row_locks[stripe]);
    if (*json)
        return BC_OK;
    /* the stripe's generation and the epoch were read before the database: a change committed
     * since then moved one of them, and the (possibly older) rendering is not kept */
    int rc = load_row(db, id, json, len, seller_id, visible);
    if (rc != BC_OK)
        return rc;
    char *keep = dup_mem(*json, *len);
    pthread_mutex_lock(&row_locks[stripe]);
    if (keep && row_gen[stripe] == gen && atomic_load(&epoch) == ep) {
        free(e->json);
        *e = (row_entry){id, ep, keep, *len, *seller_id, *visible};
        keep = NULL;
    }
    pthread_mutex_unlock(&row_locks[stripe]);
    free(keep);
    return BC_OK;
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

int bc_catalog_list_body(bc_db *db, const bc_product_query *q, char **json, size_t *len)
{
    char key[LIST_KEY_MAX];
    *json = NULL;
    int kl =
        snprintf(key, sizeof key, "%lld|%lld|%d|%lld|%lld|%d|%s", (long long)q->category_id, (long long)q->seller_id,
                 q->sort, (long long)q->page, (long long)q->per_page, q->include_hidden ? 1 : 0, q->q ? q->q : "");
    if (kl < 0 || (size_t)kl >= sizeof key || !cache_usable(db))
        return load_list(db, q, json, len);
    uint64_t h = hash_key(key);
    size_t slot = (size_t)(h % LIST_SLOTS), stripe = slot % LIST_STRIPES;
    uint64_t gen = atomic_load(&list_gen);
    list_entry *e = &lists[slot];
    pthread_mutex_lock(&list_locks[stripe]);
    if (e->json && e->hash == h && e->gen == gen && strcmp(e->key, key) == 0) {
        *json = dup_mem(e->json, e->len);
        *len = e->len;
    }
    pthread_mutex_unlock(&list_locks[stripe]);
    if (*json)
        return BC_OK;
    int rc = load_list(db, q, json, len);
    if (rc != BC_OK)
        return rc;
    char *keep = dup_mem(*json, *len);
    pthread_mutex_lock(&list_locks[stripe]);
    if (keep && atomic_load(&list_gen) == gen) {
        free(e->json);
        e->hash = h;
        e->gen = gen;
        memcpy(e->key, key, (size_t)kl + 1);
        e->json = keep;
        e->len = *len;
        keep = NULL;
    }
    pthread_mutex_unlock(&list_locks[stripe]);
    free(keep);
    return BC_OK;
}
