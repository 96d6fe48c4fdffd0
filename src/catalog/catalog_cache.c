/* Catalog cache: rendered product JSON and list page skeletons (ids + total) in memory, shared
 * by the worker threads and the event loops, dropped exactly when the store reports a committed
 * change (store.h "change notification"). See catalog.h for the rules. */
#include "catalog.h"

#include "../http/http.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_SLOTS 16384 /* direct-mapped by id: one product per slot (a collision replaces) */
#define ROW_STRIPES 256
#define LIST_SLOTS 2048 /* 4-way sets by key hash: a key may live in any way of its set */
#define LIST_WAYS 4
#define LIST_STRIPES 64
#define LIST_KEY_MAX 480
#define CATALOG_PAGE_MAX 100 /* the largest per_page of any route */

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
static atomic_uint_fast64_t list_gen = 1; /* bumped when a product may enter, leave or move in a list */
/* bumped at every change: a product may enter or leave a hide_sold_out list at a stock change too */
static atomic_uint_fast64_t avail_gen = 1;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int ready; /* setup done: the subscriber is registered */

static void on_change(int64_t id, int kind)
{
    atomic_fetch_add(&avail_gen, 1);
    if (id == BC_DB_CHANGED_ALL || kind != BC_DB_CHANGE_ROW)
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

/* Renders a bc_catalog_products_load object (consumed) as the API's product JSON (bc_sc_product:
 * times as ISO-8601 strings, no "deleted"). BC_OK or BC_ERR. */
static int render(json_t *p, char **json, size_t *len, int64_t *seller_id, int *visible)
{
    const char *st = json_string_value(json_object_get(p, "status"));
    *seller_id = json_integer_value(json_object_get(p, "seller_id"));
    *visible = json_integer_value(json_object_get(p, "deleted")) == 0 && st && strcmp(st, "HIDDEN") != 0;
    json_object_del(p, "deleted");
    bc_http_json_times(p, &bc_sc_product);
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

/* The first slot of key's set, and its lock. */
static size_t list_set(uint64_t h) { return (size_t)(h % (LIST_SLOTS / LIST_WAYS)) * LIST_WAYS; }
static pthread_mutex_t *list_lock(size_t set) { return &list_locks[(set / LIST_WAYS) % LIST_STRIPES]; }

/* A list page as cached: which products, in order, and the total; the rows come from the row
 * cache when the page is sent, so a change that moves no product in or out of a list nor in its
 * order (stock, ON_SALE/SOLD_OUT) leaves the skeleton valid. */
typedef struct skel {
    int64_t total;
    int n;
    int64_t ids[CATALOG_PAGE_MAX];
} skel;

/* A copy of key's skeleton (valid under list generation gen): 1, else 0. */
static int skel_get(const char *key, uint64_t gen, skel *out)
{
    uint64_t h = hash_key(key);
    size_t set = list_set(h);
    int hit = 0;
    pthread_mutex_lock(list_lock(set));
    for (size_t w = 0; w < LIST_WAYS && !hit; w++) {
        list_entry *e = &lists[set + w];
        if (e->json && e->hash == h && e->gen == gen && strcmp(e->key, key) == 0) {
            memcpy(out, e->json, e->len);
            hit = 1;
        }
    }
    pthread_mutex_unlock(list_lock(set));
    return hit;
}

/* The generation counter that q's skeletons are valid under: avail_gen for hide_sold_out lists
 * (every change may move a product in or out), else list_gen. */
static atomic_uint_fast64_t *gen_of(const bc_product_query *q) { return q->hide_sold_out ? &avail_gen : &list_gen; }

/* Keeps key's skeleton if no change was published since gen was read from counter: in the way
 * holding key, else an empty or outdated way, else the way after the one replaced last. */
static void skel_put(const char *key, atomic_uint_fast64_t *counter, uint64_t gen, const skel *sk)
{
    static _Atomic unsigned next_way;
    uint64_t h = hash_key(key);
    size_t set = list_set(h), kl = strlen(key), way = LIST_WAYS;
    size_t len = offsetof(skel, ids) + (size_t)sk->n * sizeof sk->ids[0];
    char *keep = kl < LIST_KEY_MAX ? dup_mem((const char *)sk, len) : NULL;
    pthread_mutex_lock(list_lock(set));
    if (keep && atomic_load(counter) == gen) {
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

/* The page text of sk: rows from the row cache; with db, the missing ones are loaded in one
 * statement (and kept), without db a missing row fails. A product gone since the skeleton was
 * made is left out. BC_OK, BC_ENOTFOUND (no db and a row not cached) or BC_ERR. */
static int assemble(bc_db *db, int usable, const bc_product_query *q, const skel *sk, char **json, size_t *len)
{
    int64_t miss_ids[CATALOG_PAGE_MAX];
    json_t *loaded[CATALOG_PAGE_MAX];
    char *parts[CATALOG_PAGE_MAX] = {0};
    size_t plen[CATALOG_PAGE_MAX] = {0}, size = 96;
    row_token tokens[CATALOG_PAGE_MAX];
    int nmiss = 0, miss_at[CATALOG_PAGE_MAX], rc = BC_OK;
    *json = NULL;
    for (int i = 0; i < sk->n; i++) {
        int64_t seller;
        int visible;
        if (usable && row_get(sk->ids[i], &parts[i], &plen[i], &seller, &visible))
            continue;
        if (!db) {
            rc = BC_ENOTFOUND;
            goto out;
        }
        tokens[nmiss] = row_token_of(sk->ids[i]);
        miss_at[nmiss] = i;
        miss_ids[nmiss++] = sk->ids[i];
    }
    if (nmiss && (rc = bc_catalog_products_load(db, miss_ids, nmiss, loaded)) != BC_OK)
        goto out;
    for (int k = 0; k < nmiss; k++) {
        int64_t seller;
        int visible, i = miss_at[k];
        if (!loaded[k])
            continue;
        if (rc == BC_OK && render(loaded[k], &parts[i], &plen[i], &seller, &visible) == BC_OK) {
            if (usable)
                row_put(sk->ids[i], tokens[k], parts[i], plen[i], seller, visible);
        } else if (rc == BC_OK) {
            rc = BC_ERR; /* render consumed loaded[k]; the others are released below */
        } else {
            json_decref(loaded[k]);
        }
    }
    if (rc != BC_OK)
        goto out;
    for (int i = 0; i < sk->n; i++)
        size += plen[i] + 1;
    char *w = *json = malloc(size);
    if (!w) {
        rc = BC_ERR;
        goto out;
    }
    w += sprintf(w, "{\"items\":[");
    for (int i = 0, first = 1; i < sk->n; i++) {
        if (!parts[i])
            continue;
        if (!first)
            *w++ = ',';
        first = 0;
        memcpy(w, parts[i], plen[i]);
        w += plen[i];
    }
    w += sprintf(w, "],\"page\":%lld,\"per_page\":%lld,\"total\":%lld}", (long long)q->page, (long long)q->per_page,
                 (long long)sk->total);
    *len = (size_t)(w - *json);
out:
    for (int i = 0; i < sk->n; i++)
        free(parts[i]);
    return rc;
}

/* The cache key of q in key (LIST_KEY_MAX bytes): 1, or 0 when it does not fit. */
static int list_key(const bc_product_query *q, char *key, const char *kind)
{
    int kl = snprintf(key, LIST_KEY_MAX, "%s|%lld|%lld|%d|%lld|%lld|%d|%lld|%lld|%d|%s", kind,
                      (long long)q->category_id, (long long)q->seller_id, q->sort, (long long)q->page,
                      (long long)q->per_page, q->include_hidden ? 1 : 0, (long long)q->min_price,
                      (long long)q->max_price, q->hide_sold_out ? 1 : 0, q->q ? q->q : "");
    return kl > 0 && kl < LIST_KEY_MAX;
}

/* Fills sk from the database. Without q: the page ids in index order and the total (cached per
 * filter, under the same generation); with q: the search query's page. BC_OK, BC_EINVAL or BC_ERR. */
static int fill_skel(bc_db *db, int usable, const bc_product_query *q, uint64_t gen, skel *sk)
{
    int rc;
    sk->n = 0;
    sk->total = 0;
    if (q->per_page < 1 || q->per_page > CATALOG_PAGE_MAX)
        return BC_EINVAL;
    if (q->q && q->q[0]) {
        json_t *out = NULL, *row;
        size_t i;
        if ((rc = bc_catalog_list(db, q, &out)) != BC_OK)
            return rc;
        sk->total = json_integer_value(json_object_get(out, "total"));
        json_array_foreach (json_object_get(out, "items"), i, row) {
            if (sk->n < CATALOG_PAGE_MAX)
                sk->ids[sk->n++] = json_integer_value(json_object_get(row, "id"));
        }
        json_decref(out);
        return BC_OK;
    }
    if ((rc = bc_catalog_page_ids(db, q, sk->ids, &sk->n)) != BC_OK)
        return rc;
    bc_product_query all = *q;
    char tkey[LIST_KEY_MAX];
    skel t;
    all.page = all.per_page = 0;
    all.sort = 0;
    int tk = list_key(&all, tkey, "T");
    if (usable && tk && skel_get(tkey, gen, &t)) {
        sk->total = t.total;
        return BC_OK;
    }
    if ((rc = bc_catalog_count(db, q, &sk->total)) != BC_OK)
        return rc;
    if (usable && tk) {
        t.total = sk->total;
        t.n = 0;
        skel_put(tkey, gen_of(q), gen, &t);
    }
    return BC_OK;
}

int bc_catalog_list_body(bc_db *db, const bc_product_query *q, char **json, size_t *len)
{
    char key[LIST_KEY_MAX];
    skel sk;
    *json = NULL;
    int usable = list_key(q, key, "P") && cache_usable(db);
    uint64_t gen = atomic_load(gen_of(q)); /* before the database */
    if (!usable || !skel_get(key, gen, &sk)) {
        int rc = fill_skel(db, usable, q, gen, &sk);
        if (rc != BC_OK)
            return rc;
        if (usable)
            skel_put(key, gen_of(q), gen, &sk);
    }
    return assemble(db, usable, q, &sk, json, len);
}

int bc_catalog_product_cached(int64_t id, char **json, size_t *len, int64_t *seller_id, int *visible)
{
    *json = NULL;
    return id > 0 && atomic_load(&ready) && bc_db_sync_here() == BC_OK && row_get(id, json, len, seller_id, visible);
}

int bc_catalog_list_cached(const bc_product_query *q, char **json, size_t *len)
{
    char key[LIST_KEY_MAX];
    skel sk;
    *json = NULL;
    if (!atomic_load(&ready) || !list_key(q, key, "P") || bc_db_sync_here() != BC_OK ||
        !skel_get(key, atomic_load(gen_of(q)), &sk))
        return 0;
    return assemble(NULL, 1, q, &sk, json, len) == BC_OK;
}
