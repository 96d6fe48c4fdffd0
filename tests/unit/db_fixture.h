/* Shared by the C unit tests that need a database: a migrated SQLite file under /tmp, removed
 * with its WAL and shared-memory files afterwards. Header-only (each test is one program). */
#ifndef BC_TEST_DB_FIXTURE_H
#define BC_TEST_DB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/store/store.h"

/* Creates a temporary file from template (e.g. "/tmp/bc-test-x-XXXXXX", rewritten in place, at
 * most 63 bytes), opens it as a database and applies every migration. Returns 0 with *db set, or
 * -1 (as a cmocka setup does). */
static inline int bc_test_db_open(char *template_path, bc_db **db)
{
    int fd = mkstemp(template_path);
    if (fd < 0)
        return -1;
    close(fd);
    return bc_db_open(template_path, db) == BC_OK && bc_db_migrate(*db) == BC_OK ? 0 : -1;
}

/* Closes db and removes the file at path with its -wal and -shm companions. */
static inline void bc_test_db_remove(bc_db *db, const char *path)
{
    char p[80];
    bc_db_close(db);
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* Inserts a user (password hash "x", created now) with the e-mail, name and role ('buyer', 'seller'
 * or 'admin'). Returns 0 with *id set, or -1. */
static inline int bc_test_user(bc_db *db, const char *email, const char *name, const char *role, int64_t *id)
{
    return bc_db_int(db, id,
                     "INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, 'x', ?)"
                     " RETURNING id",
                     "ttti", email, name, role, bc_now_ms()) == 1
               ? 0
               : -1;
}

/* Inserts an ON_SALE product of seller (price in KRW, created and updated now). Returns 0 with *id
 * set, or -1. */
static inline int bc_test_product(bc_db *db, int64_t seller, const char *name, const char *description, int64_t price,
                                  int64_t stock, int64_t *id)
{
    int64_t now = bc_now_ms();
    return bc_db_int(db, id,
                     "INSERT INTO products (seller_id, name, description, price, stock, status, created_at,"
                     " updated_at) VALUES (?, ?, ?, ?, ?, 'ON_SALE', ?, ?) RETURNING id",
                     "ittiiii", seller, name, description, price, stock, now, now) == 1
               ? 0
               : -1;
}

#endif
