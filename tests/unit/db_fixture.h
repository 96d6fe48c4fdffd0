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

#endif
