/* The SQL of the address book (table addresses) and of resealing this module's personal data
 * (users.phone, seller_applications.sealed, addresses.sealed) under the current data key. An
 * address's personal fields live only in addresses.sealed: bc_seal of the JSON {recipient, phone,
 * postcode, address1, address2} with the associated data "addresses.sealed:<id>". Every write of
 * a user's book runs in one transaction holding that user's row (FOR UPDATE on PostgreSQL; SQLite's
 * one write lock), so the count limit and the one default hold under concurrent requests. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../commerce/commerce.h"
#include "accounts.h"
#include "accounts_int.h"

static const char *const personal_keys[] = {"recipient", "phone", "postcode", "address1", "address2"};
#define NPERSONAL (sizeof personal_keys / sizeof *personal_keys)

/* Takes user_id's row lock for the rest of the transaction. BC_OK, BC_ENOTFOUND or an error. */
static int lock_user(bc_db *db, int64_t user_id)
{
    int64_t id = 0;
    return accounts_row_rc(bc_db_int(
        db, &id,
        bc_db_dialect_sql(db, "SELECT id FROM users WHERE id = ?", "SELECT id FROM users WHERE id = ? FOR UPDATE"), "i",
        user_id));
}

/* The personal fields of row (its "sealed" opened) as a new object (caller owns), or NULL when
 * the value does not open (*rc says why). */
static json_t *open_fields(json_t *row, int *rc)
{
    char ad[64], *plain = NULL;
    snprintf(ad, sizeof ad, "addresses.sealed:%lld", (long long)json_integer_value(json_object_get(row, "id")));
    *rc = bc_seal_open(ad, json_string_value(json_object_get(row, "sealed")), &plain);
    if (*rc != BC_OK)
        return NULL;
    json_t *f = json_loads(plain, 0, NULL);
    bc_seal_free_plain(plain);
    if (!json_is_object(f)) {
        json_decref(f);
        *rc = BC_EINVAL;
        return NULL;
    }
    return f;
}

/* Turns a stored row into the API shape: personal fields opened in, is_default a boolean, the
 * sealed column dropped. BC_OK or the bc_seal_open error (the row is left without the fields). */
static int present(json_t *row)
{
    int rc;
    json_t *f = open_fields(row, &rc);
    json_object_del(row, "sealed");
    json_object_set_new(row, "is_default", json_boolean(json_integer_value(json_object_get(row, "is_default")) != 0));
    if (!f) {
        bc_log_warn("accounts", "address %lld does not open (%d)",
                    (long long)json_integer_value(json_object_get(row, "id")), rc);
        return rc;
    }
    for (size_t i = 0; i < NPERSONAL; i++) {
        json_t *v = json_object_get(f, personal_keys[i]);
        json_object_set_new(row, personal_keys[i], json_string(json_is_string(v) ? json_string_value(v) : ""));
    }
    json_decref(f);
    return BC_OK;
}

#define ADDR_COLS "id, label, is_default, sealed, created_at, updated_at"

int addresses_store_list(bc_db *db, int64_t user_id, json_t **items)
{
    int rc =
        bc_db_rows(db, items, "SELECT " ADDR_COLS " FROM addresses WHERE user_id = ? ORDER BY is_default DESC, id DESC",
                   "i", user_id);
    if (rc < 0)
        return rc;
    size_t i;
    json_t *row;
    json_array_foreach (*items, i, row)
        present(row); /* one that does not open is listed without its fields (logged) */
    return BC_OK;
}

int addresses_store_get(bc_db *db, int64_t user_id, int64_t id, json_t **out)
{
    *out = NULL;
    int rc = accounts_row_rc(
        bc_db_row(db, out, "SELECT " ADDR_COLS " FROM addresses WHERE id = ? AND user_id = ?", "ii", id, user_id));
    if (rc == BC_OK && (rc = present(*out)) != BC_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int bc_address_get(bc_db *db, int64_t user_id, int64_t id, json_t **out)
{
    json_t *row = NULL;
    *out = NULL;
    int rc = accounts_row_rc(
        bc_db_row(db, &row, "SELECT id, sealed FROM addresses WHERE id = ? AND user_id = ?", "ii", id, user_id));
    if (rc == BC_OK) {
        json_t *f = open_fields(row, &rc);
        if (f) {
            *out = json_object();
            for (size_t i = 0; i < NPERSONAL; i++) {
                json_t *v = json_object_get(f, personal_keys[i]);
                if (json_is_string(v))
                    json_object_set(*out, personal_keys[i], v);
            }
            json_decref(f);
        } else {
            rc = rc == BC_ENOMEM ? BC_ENOMEM : BC_ERR; /* a stored value that does not open is our fault */
        }
    }
    json_decref(row);
    return rc;
}

/* Seals fields (the five personal keys; address2 "" when absent) for address id and writes it. */
static int write_sealed(bc_db *db, int64_t id, json_t *fields, int64_t now)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NPERSONAL; i++) {
        json_t *v = json_object_get(fields, personal_keys[i]);
        json_object_set_new(o, personal_keys[i], json_string(json_is_string(v) ? json_string_value(v) : ""));
    }
    char ad[64], *plain = json_dumps(o, JSON_COMPACT), *sealed = NULL;
    json_decref(o);
    int rc = BC_ENOMEM;
    snprintf(ad, sizeof ad, "addresses.sealed:%lld", (long long)id);
    if (plain && (rc = bc_seal(ad, plain, &sealed)) == BC_OK) {
        rc = bc_db_exec(db, "UPDATE addresses SET sealed = ?, updated_at = ? WHERE id = ?", "tii", sealed, now, id);
        rc = rc < 0 ? rc : BC_OK;
    }
    bc_seal_free_plain(plain);
    free(sealed);
    return rc;
}

typedef struct add_args {
    int64_t user_id;
    const char *label;
    json_t *fields;
    int make_default;
    int dedupe; /* an address with the same personal fields is not added again */
    int64_t id; /* out */
} add_args;

/* 1 when the personal fields of a and b are equal (address2 absent = ""). */
static int same_fields(json_t *a, json_t *b)
{
    for (size_t i = 0; i < NPERSONAL; i++) {
        const char *x = json_string_value(json_object_get(a, personal_keys[i]));
        const char *y = json_string_value(json_object_get(b, personal_keys[i]));
        if (strcmp(x ? x : "", y ? y : "") != 0)
            return 0;
    }
    return 1;
}

/* *id = the address of user_id (locked) equal to fields, 0 when none. */
static int find_same(bc_db *db, int64_t user_id, json_t *fields, int64_t *id)
{
    json_t *rows = NULL, *row;
    size_t i;
    *id = 0;
    int rc = bc_db_rows(db, &rows, "SELECT id, sealed FROM addresses WHERE user_id = ? ORDER BY id", "i", user_id);
    if (rc < 0)
        return rc;
    json_array_foreach (rows, i, row) {
        int orc;
        json_t *f = open_fields(row, &orc);
        int same = f && same_fields(f, fields);
        json_decref(f);
        if (same) {
            *id = json_integer_value(json_object_get(row, "id"));
            break;
        }
    }
    json_decref(rows);
    return BC_OK;
}

static int add_tx(bc_db *db, void *arg)
{
    add_args *a = arg;
    int64_t n = 0, now = bc_now_ms();
    a->id = 0;
    int rc = lock_user(db, a->user_id);
    if (rc != BC_OK)
        return rc;
    if (a->dedupe && ((rc = find_same(db, a->user_id, a->fields, &a->id)) != BC_OK || a->id > 0))
        return rc;
    if ((rc = bc_db_int(db, &n, "SELECT COUNT(*) FROM addresses WHERE user_id = ?", "i", a->user_id)) < 0)
        return rc;
    if (n >= BC_ADDRESS_BOOK_MAX)
        return BC_ECONFLICT;
    int def = a->make_default || n == 0;
    if (def && (rc = bc_db_exec(db,
                                "UPDATE addresses SET is_default = 0, updated_at = ? WHERE user_id = ? AND"
                                " is_default = 1",
                                "ii", now, a->user_id)) < 0)
        return rc;
    /* insert, then seal: the associated data names the new row's id */
    rc = bc_db_int(db, &a->id,
                   "INSERT INTO addresses (user_id, label, is_default, sealed, created_at, updated_at)"
                   " VALUES (?, ?, ?, '', ?, ?) RETURNING id",
                   "itiii", a->user_id, a->label, (int64_t)def, now, now);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    return write_sealed(db, a->id, a->fields, now);
}

int addresses_store_add(bc_db *db, int64_t user_id, const char *label, json_t *fields, int make_default, int dedupe,
                        int64_t *id)
{
    add_args a = {user_id, label, fields, make_default, dedupe, 0};
    int rc = bc_db_tx(db, add_tx, &a);
    *id = a.id;
    return rc;
}

typedef struct edit_args {
    int64_t user_id, id;
    const char *label;
    json_t *fields;
    int make_default;
    char *msg;
    size_t msglen;
} edit_args;

static int edit_tx(bc_db *db, void *arg)
{
    edit_args *a = arg;
    json_t *row = NULL, *cur = NULL;
    int64_t now = bc_now_ms();
    int rc = lock_user(db, a->user_id);
    if (rc != BC_OK)
        goto out;
    rc =
        accounts_row_rc(bc_db_row(db, &row, "SELECT id, is_default, sealed FROM addresses WHERE id = ? AND user_id = ?",
                                  "ii", a->id, a->user_id));
    if (rc != BC_OK)
        goto out;
    int is_default = json_integer_value(json_object_get(row, "is_default")) != 0;
    if (a->make_default == 0 && is_default) {
        snprintf(a->msg, a->msglen, "'is_default': this is the default address; make another one the default instead");
        rc = BC_EINVAL;
        goto out;
    }
    if (json_object_size(a->fields) > 0) {
        if (!(cur = open_fields(row, &rc))) {
            rc = rc == BC_ENOMEM ? BC_ENOMEM : BC_ERR;
            goto out;
        }
        const char *key;
        json_t *v;
        json_object_foreach (a->fields, key, v)
            json_object_set(cur, key, v);
        if (json_is_string(json_object_get(cur, "address2")) && !*json_string_value(json_object_get(cur, "address2")))
            json_object_del(cur, "address2");
        if (bc_order_check_address(cur, a->msg, a->msglen) != BC_OK) {
            rc = BC_EINVAL;
            goto out;
        }
        if ((rc = write_sealed(db, a->id, cur, now)) != BC_OK)
            goto out;
    }
    if (a->label && (rc = bc_db_exec(db, "UPDATE addresses SET label = ?, updated_at = ? WHERE id = ?", "tii", a->label,
                                     now, a->id)) < 0)
        goto out;
    if (a->make_default == 1 && !is_default &&
        ((rc =
              bc_db_exec(db, "UPDATE addresses SET is_default = 0, updated_at = ? WHERE user_id = ? AND is_default = 1",
                         "ii", now, a->user_id)) < 0 ||
         (rc = bc_db_exec(db, "UPDATE addresses SET is_default = 1, updated_at = ? WHERE id = ?", "ii", now, a->id)) <
             0))
        goto out;
    rc = BC_OK;
out:
    json_decref(row);
    json_decref(cur);
    return rc;
}

int addresses_store_edit(bc_db *db, int64_t user_id, int64_t id, const char *label, json_t *fields, int make_default,
                         char *msg, size_t msglen)
{
    edit_args a = {user_id, id, label, fields, make_default, msg, msglen};
    msg[0] = 0;
    return bc_db_tx(db, edit_tx, &a);
}

typedef struct del_args {
    int64_t user_id, id;
} del_args;

static int delete_tx(bc_db *db, void *arg)
{
    del_args *a = arg;
    int64_t def = 0;
    int rc = lock_user(db, a->user_id);
    if (rc != BC_OK)
        return rc;
    if ((rc = accounts_row_rc(bc_db_int(db, &def, "SELECT is_default FROM addresses WHERE id = ? AND user_id = ?", "ii",
                                        a->id, a->user_id))) != BC_OK)
        return rc;
    if ((rc = bc_db_exec(db, "DELETE FROM addresses WHERE id = ?", "i", a->id)) < 0)
        return rc;
    if (def && (rc = bc_db_exec(db,
                                "UPDATE addresses SET is_default = 1, updated_at = ? WHERE id ="
                                " (SELECT MAX(id) FROM addresses WHERE user_id = ?)",
                                "ii", bc_now_ms(), a->user_id)) < 0)
        return rc;
    return BC_OK;
}

int addresses_store_delete(bc_db *db, int64_t user_id, int64_t id)
{
    del_args a = {user_id, id};
    return bc_db_tx(db, delete_tx, &a);
}

/* ---- resealing ---- */

#define RESEAL_BATCH 100

/* One sealed column of this module: the batch query (id > ?, not under the key pattern ?, at most
 * RESEAL_BATCH rows by id; columns id and v), the conditional update (hash_sql: new sealed text,
 * new lookup hash, id, old text; else sealed, id, old) and how the lookup hash is made. */
typedef struct reseal_spec {
    const char *what, *ad_prefix, *select_sql, *update_sql;
    const char *hash_domain; /* NULL: no lookup hash */
    const char *hash_key;    /* the JSON key of the plain text hashed, NULL: the whole plain text */
} reseal_spec;

static const reseal_spec specs[] = {
    {"users.phone", "users.phone",
     "SELECT id, phone AS v FROM users WHERE id > ? AND phone IS NOT NULL AND phone <> '' AND phone NOT LIKE ?"
     " ORDER BY id LIMIT 100",
     "UPDATE users SET phone = ?, phone_hash = ? WHERE id = ? AND phone = ?", "users.phone", NULL},
    {"seller_applications.sealed", "seller_applications.sealed",
     "SELECT id, sealed AS v FROM seller_applications WHERE id > ? AND sealed <> '' AND sealed NOT LIKE ?"
     " ORDER BY id LIMIT 100",
     "UPDATE seller_applications SET sealed = ?, business_hash = ? WHERE id = ? AND sealed = ?",
     "seller_applications.business_number", "business_number"},
    {"addresses.sealed", "addresses.sealed",
     "SELECT id, sealed AS v FROM addresses WHERE id > ? AND sealed <> '' AND sealed NOT LIKE ? ORDER BY id LIMIT 100",
     "UPDATE addresses SET sealed = ? WHERE id = ? AND sealed = ?", NULL, NULL},
};

typedef struct reseal_args {
    const reseal_spec *s;
    const char *pattern;
    int64_t after;
    int64_t last, done, failed, rows; /* out */
} reseal_args;

/* The lookup hash of plain per spec s into out; BC_OK, BC_EINVAL (no such key in the JSON). */
static int reseal_hash(const reseal_spec *s, const char *plain, char out[BC_SEAL_LOOKUP_LEN + 1])
{
    if (!s->hash_key)
        return bc_seal_lookup(s->hash_domain, plain, out);
    json_t *o = json_loads(plain, 0, NULL);
    const char *v = json_string_value(json_object_get(o, s->hash_key));
    int rc = v ? bc_seal_lookup(s->hash_domain, v, out) : BC_EINVAL;
    json_decref(o);
    return rc;
}

static int reseal_tx(bc_db *db, void *arg)
{
    reseal_args *a = arg;
    json_t *rows = NULL, *row;
    size_t i;
    a->last = a->after;
    a->done = a->failed = a->rows = 0;
    int rc = bc_db_rows(db, &rows, a->s->select_sql, "it", a->after, a->pattern);
    if (rc < 0)
        return rc;
    rc = BC_OK;
    json_array_foreach (rows, i, row) {
        int64_t id = json_integer_value(json_object_get(row, "id"));
        const char *old = json_string_value(json_object_get(row, "v"));
        char ad[96], *plain = NULL, *sealed = NULL, hash[BC_SEAL_LOOKUP_LEN + 1];
        a->last = id;
        a->rows++;
        if (!old || bc_seal_is_current(old))
            continue;
        snprintf(ad, sizeof ad, "%s:%lld", a->s->ad_prefix, (long long)id);
        int orc = bc_seal_reseal(ad, old, &sealed, &plain);
        if (orc == BC_OK && a->s->hash_domain)
            orc = reseal_hash(a->s, plain, hash);
        bc_seal_free_plain(plain);
        if (orc == BC_ENOMEM || orc == BC_ERR) { /* out of memory, or no key loaded */
            free(sealed);
            rc = orc;
            break;
        }
        if (orc != BC_OK) {
            bc_log_warn("seal", "%s of row %lld does not open (%s): left as it is", a->s->what, (long long)id,
                        orc == BC_ENOTFOUND ? "its key is not in the ring" : "tampered or not a sealed value");
            free(sealed);
            a->failed++;
            continue;
        }
        rc = a->s->hash_domain ? bc_db_exec(db, a->s->update_sql, "ttit", sealed, hash, id, old)
                               : bc_db_exec(db, a->s->update_sql, "tit", sealed, id, old);
        free(sealed);
        if (rc < 0)
            break;
        a->done += rc;
        rc = BC_OK;
    }
    json_decref(rows);
    return rc;
}

int bc_accounts_reseal(bc_db *db, int64_t *count)
{
    char pattern[64];
    int64_t failed = 0;
    int rc = BC_OK;
    *count = 0;
    if (!bc_seal_key_id()[0])
        return BC_ERR;
    snprintf(pattern, sizeof pattern, BC_SEAL_PREFIX "%s.%%", bc_seal_key_id());
    for (size_t k = 0; rc == BC_OK && k < sizeof specs / sizeof *specs; k++) {
        reseal_args a = {.s = &specs[k], .pattern = pattern, .after = 0};
        do {
            if ((rc = bc_db_tx(db, reseal_tx, &a)) != BC_OK)
                break;
            *count += a.done;
            failed += a.failed;
            a.after = a.last;
        } while (a.rows == RESEAL_BATCH);
    }
    return rc != BC_OK ? rc : failed ? BC_EINVAL : BC_OK;
}
