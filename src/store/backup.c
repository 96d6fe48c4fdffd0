/* store: `broadcart backup` and `broadcart restore` of the embedded (SQLite) database (store.h
 * bc_db_backup, bc_db_restore). The copy is SQLite's online backup API run inside one read
 * transaction of the source: in WAL mode a reader never blocks the writers, and the snapshot it
 * holds keeps the copy consistent however much the server writes meanwhile (without it, every
 * write by another process would restart the copy). Pages go over in steps so that a checkpoint
 * waits for one step at most. Files are written next to their final name, fsynced and renamed,
 * and the directory is fsynced, so a crash leaves either the old file or the new one. */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STEP_PAGES 256         /* pages per sqlite3_backup_step (1 MiB at 4 KiB pages) */
#define BUSY_WAIT_MS 10        /* pause after a step that found the source locked */
#define BUSY_GIVE_UP_MS 60000  /* a source locked this long fails the backup */
#define DB_NAME "broadcart.db" /* the database's name inside a backup directory */
#define SHM_DMS_BYTE (120 + 8) /* the WAL-index byte every open connection read-locks */
#define PG_DUMP_HINT "pg_dump --format=custom --file=broadcart.dump \"$BROADCART_DATABASE_URL\""
#define PG_RESTORE_HINT "pg_restore --clean --if-exists --no-owner --dbname=\"$BROADCART_DATABASE_URL\" broadcart.dump"

static int is_pg(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

/* The file of a SQLite URL ("sqlite:PATH" or a bare PATH). */
static const char *sqlite_path(const char *url) { return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url; }

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* fsyncs the file or directory at path. BC_OK or BC_ERR. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return BC_ERR;
    int rc = fsync(fd) == 0 ? BC_OK : BC_ERR;
    close(fd);
    return rc;
}

static int sync_dir_of(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    return sync_path(dirname(buf));
}

/* Creates path (mode 0600; it must not exist), owned like owner_of when this runs as root (so a
 * restore run as root leaves files the server's user can read). Returns the fd or -1. */
static int create_private(const char *path, const char *owner_of)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    struct stat st;
    if (fd >= 0 && owner_of && geteuid() == 0 && stat(owner_of, &st) == 0 && fchown(fd, st.st_uid, st.st_gid) != 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

/* Copies the file src to dst (created 0600, see create_private), fsynced. BC_OK or BC_ERR. */
static int copy_file(const char *src, const char *dst, const char *owner_of)
{
    int in = open(src, O_RDONLY | O_CLOEXEC), out = in < 0 ? -1 : create_private(dst, owner_of);
    int rc = in >= 0 && out >= 0 ? BC_OK : BC_ERR;
    char buf[65536];
    ssize_t n = 0;
    while (rc == BC_OK && (n = read(in, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; rc == BC_OK && off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w <= 0)
                rc = BC_ERR;
            else
                off += w;
        }
    if (n < 0 || (out >= 0 && fsync(out) != 0))
        rc = BC_ERR;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        rc = BC_ERR;
    if (rc != BC_OK && out >= 0)
        unlink(dst);
    return rc;
}

/* Runs one pragma (or query) returning a single text value into out (size len). SQLite code. */
static int query_text(sqlite3 *h, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    out[0] = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, len, "%s", t ? (const char *)t : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* The number of migration steps this binary knows. */
static int known_migrations(void)
{
    int n = 0;
    while (bc_migrations[n].sqlite)
        n++;
    return n;
}

/* Checks that the SQLite file at path is a Broadcart database this binary can serve: a SQLite
 * file, with schema_migrations, at most this binary's schema version, integrity_check "ok".
 * *version gets its schema version. Prints the reason of a refusal to stderr (name: the name
 * shown). BC_OK or BC_EINVAL. */
static int check_broadcart_db(sqlite3 *h, const char *name, int64_t *version)
{
    char v[256];
    int rc = query_text(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", v,
                        sizeof v);
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_NOTADB)
            fprintf(stderr, "restore: %s is not a SQLite database\n", name);
        else
            fprintf(stderr, "restore: %s cannot be read as a SQLite database (%s)\n", name, sqlite3_errstr(rc));
        return BC_EINVAL;
    }
    if (strcmp(v, "1") != 0) {
        fprintf(stderr, "restore: %s is not a Broadcart database (it has no schema_migrations table)\n", name);
        return BC_EINVAL;
    }
    if (query_text(h, "SELECT coalesce(max(version), 0) FROM schema_migrations", v, sizeof v) != SQLITE_OK) {
        fprintf(stderr, "restore: %s: cannot read schema_migrations: %s\n", name, sqlite3_errmsg(h));
        return BC_EINVAL;
    }
    *version = strtoll(v, NULL, 10);
    if (*version < 1 || *version > known_migrations()) {
        fprintf(stderr,
                "restore: %s has schema version %lld; this broadcart knows 1..%d (restore it with the broadcart "
                "that wrote it)\n",
                name, (long long)*version, known_migrations());
        return BC_EINVAL;
    }
    if (query_text(h, "PRAGMA integrity_check(1)", v, sizeof v) != SQLITE_OK || strcmp(v, "ok") != 0) {
        for (char *c = v; *c; c++)
            if (*c == '\n')
                *c = ' ';
        fprintf(stderr, "restore: %s fails SQLite's integrity check: %s\n", name, v[0] ? v : sqlite3_errmsg(h));
        return BC_EINVAL;
    }
    return BC_OK;
}

/* Whether another process has the WAL database at path open: every connection holds a read lock
 * on one byte of the -shm file (the WAL index) while it is open, and SQLite itself tests that
 * byte the same way (F_GETLK) before it resets the index. *pid gets the holder's pid. */
static int in_use(const char *path, pid_t *pid)
{
    char shm[PATH_MAX + 8];
    snprintf(shm, sizeof shm, "%s-shm", path);
    int fd = open(shm, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 0; /* no WAL index: no connection (every one of broadcart's runs in WAL mode) */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SHM_DMS_BYTE, .l_len = 1};
    int busy = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    *pid = busy ? fl.l_pid : 0;
    close(fd);
    return busy;
}

/* Replaces final with tmp (same directory) atomically; an existing final stays as
 * final.before-restore (a hard link, so final exists at every moment). BC_OK or BC_ERR. */
static int swap_in(const char *tmp, const char *final, FILE *report)
{
    char keep[PATH_MAX + 32];
    snprintf(keep, sizeof keep, "%s.before-restore", final);
    if (access(final, F_OK) == 0) {
        if ((unlink(keep) != 0 && errno != ENOENT) || link(final, keep) != 0) {
            fprintf(stderr, "restore: cannot keep %s as %s: %s\n", final, keep, strerror(errno));
            return BC_ERR;
        }
        fprintf(report, "kept the previous %s as %s\n", final, keep);
    }
    if (rename(tmp, final) != 0 || sync_dir_of(final) != BC_OK) {
        fprintf(stderr, "restore: cannot rename %s to %s: %s\n", tmp, final, strerror(errno));
        return BC_ERR;
    }
    return BC_OK;
}

static const char *base_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- backup ---- */

/* Copies the database at src into the new file dst with the online backup API. BC_OK or BC_ERR
 * (printed). *pages and *version get the copy's page count and schema version. */
static int backup_db(const char *src, const char *dst, int *pages, int64_t *version)
{
    sqlite3 *from = NULL, *to = NULL;
    sqlite3_backup *b = NULL;
    int rc = BC_ERR, waited = 0;
    char v[64];
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fprintf(stderr, "backup: cannot open %s: %s\n", src, from ? sqlite3_errmsg(from) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(from, 5000);
    /* one read transaction for the whole copy: its snapshot is what is copied */
    if (sqlite3_exec(from, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        query_text(from, "SELECT count(*) FROM sqlite_master", v, sizeof v) != SQLITE_OK) {
        fprintf(stderr, "backup: %s: %s\n", src, sqlite3_errmsg(from));
        goto out;
    }
    if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        !(b = sqlite3_backup_init(to, "main", from, "main"))) {
        fprintf(stderr, "backup: %s: %s\n", dst, to ? sqlite3_errmsg(to) : "out of memory");
        goto out;
    }
    for (;;) {
        int s = sqlite3_backup_step(b, STEP_PAGES);
        if (s == SQLITE_DONE)
            break;
        if (s == SQLITE_BUSY || s == SQLITE_LOCKED) {
            if ((waited += BUSY_WAIT_MS) > BUSY_GIVE_UP_MS) {
                fprintf(stderr, "backup: %s stayed locked for %d s\n", src, BUSY_GIVE_UP_MS / 1000);
                goto out;
            }
            sleep_ms(BUSY_WAIT_MS);
        } else if (s != SQLITE_OK) {
            fprintf(stderr, "backup: copying %s: %s\n", src, sqlite3_errstr(s));
            goto out;
        }
    }
    *pages = sqlite3_backup_pagecount(b);
    if (sqlite3_backup_finish(b) != SQLITE_OK) {
        b = NULL;
        fprintf(stderr, "backup: %s: %s\n", dst, sqlite3_errmsg(to));
        goto out;
    }
    b = NULL;
    sqlite3_exec(from, "COMMIT", NULL, NULL, NULL);
    /* the copy carries the source's WAL flag: a backup is one self-contained file */
    if (query_text(to, "PRAGMA journal_mode=DELETE", v, sizeof v) != SQLITE_OK || strcmp(v, "delete") != 0 ||
        check_broadcart_db(to, dst, version) != BC_OK) {
        fprintf(stderr, "backup: the copy %s did not check out\n", dst);
        goto out;
    }
    rc = BC_OK;
out:
    if (b)
        sqlite3_backup_finish(b);
    if (to)
        sqlite3_close(to);
    if (from)
        sqlite3_close(from);
    return rc;
}

int bc_db_backup(const char *url, const char *dir, const char *const *files, FILE *report)
{
    char tmp[PATH_MAX], final[PATH_MAX];
    struct stat st;
    int pages = 0;
    int64_t version = 0;
    if (!url || !dir || !*dir)
        return BC_EINVAL;
    if (is_pg(url)) {
        fprintf(stderr,
                "backup: the database is PostgreSQL: back it up with pg_dump, e.g.\n  %s\n"
                "(the README's \"Backups\" has the restore command)\n",
                PG_DUMP_HINT);
        return BC_EINVAL;
    }
    const char *src = sqlite_path(url);
    if (stat(src, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "backup: no database file %s\n", src);
        return BC_ENOTFOUND;
    }
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    if (bc_mkdirs(dirname(parent)) != BC_OK || mkdir(dir, 0700) != 0) {
        fprintf(stderr, "backup: cannot create %s: %s (give a new directory)\n", dir, strerror(errno));
        return errno == EEXIST ? BC_ECONFLICT : BC_ERR;
    }
    snprintf(tmp, sizeof tmp, "%s/%s.partial", dir, DB_NAME);
    snprintf(final, sizeof final, "%s/%s", dir, DB_NAME);
    int fd = create_private(tmp, NULL);
    if (fd < 0 || close(fd) != 0) {
        fprintf(stderr, "backup: cannot create %s: %s\n", tmp, strerror(errno));
        return BC_ERR;
    }
    if (backup_db(src, tmp, &pages, &version) != BC_OK || sync_path(tmp) != BC_OK || rename(tmp, final) != 0) {
        unlink(tmp);
        return BC_ERR;
    }
    fprintf(report, "%s: %d pages, schema version %lld (from %s)\n", final, pages, (long long)version, src);
    for (const char *const *f = files; f && *f; f++) {
        char dst[PATH_MAX], part[PATH_MAX + 16];
        snprintf(dst, sizeof dst, "%s/%s", dir, base_of(*f));
        snprintf(part, sizeof part, "%s.partial", dst);
        if (access(*f, F_OK) != 0) {
            fprintf(report, "%s: not present, not copied\n", *f);
            continue;
        }
        if (copy_file(*f, part, NULL) != BC_OK || rename(part, dst) != 0) {
            fprintf(stderr, "backup: cannot copy %s to %s: %s\n", *f, dst, strerror(errno));
            unlink(part);
            return BC_ERR;
        }
        fprintf(report, "%s: copied from %s\n", dst, *f);
    }
    if (sync_path(dir) != BC_OK) {
        fprintf(stderr, "backup: cannot sync %s: %s\n", dir, strerror(errno));
        return BC_ERR;
    }
    fprintf(report, "backup complete: %s\n", dir);
    return BC_OK;
}

/* ---- restore ---- */

/* Makes the database at path (which no process holds open) a single file: its WAL checkpointed
 * into it and removed. A file SQLite cannot open or checkpoint (the damaged database a restore
 * replaces) just loses its -wal and -shm. BC_OK, or BC_EBUSY when a process opened it meanwhile. */
static int settle_old(const char *path)
{
    sqlite3 *h = NULL;
    char v[64], side[PATH_MAX + 8];
    int rc = BC_OK;
    if (access(path, F_OK) != 0)
        return BC_OK;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
        int q = query_text(h, "PRAGMA journal_mode=DELETE", v, sizeof v);
        if (q == SQLITE_BUSY || q == SQLITE_LOCKED)
            rc = BC_EBUSY; /* switching out of WAL needs the only connection */
    }
    sqlite3_close(h);
    if (rc != BC_OK)
        return rc;
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return BC_OK;
}

int bc_db_restore(const char *url, const char *from, const char *const *files, FILE *report)
{
    char src[PATH_MAX], tmp[PATH_MAX], dirbuf[PATH_MAX];
    struct stat st;
    int64_t version = 0;
    pid_t pid = 0;
    if (!url || !from || !*from)
        return BC_EINVAL;
    if (is_pg(url)) {
        fprintf(stderr, "restore: the database is PostgreSQL: restore a pg_dump archive with pg_restore, e.g.\n  %s\n",
                PG_RESTORE_HINT);
        return BC_EINVAL;
    }
    const char *target = sqlite_path(url);
    if (stat(from, &st) != 0) {
        fprintf(stderr, "restore: %s: %s\n", from, strerror(errno));
        return BC_ENOTFOUND;
    }
    int from_dir = S_ISDIR(st.st_mode);
    snprintf(src, sizeof src, from_dir ? "%s/" DB_NAME : "%s", from);
    if (stat(src, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "restore: %s has no %s: not a backup directory of broadcart backup\n", from, DB_NAME);
        return BC_ENOTFOUND;
    }
    if (in_use(target, &pid)) {
        fprintf(stderr,
                "restore: %s is in use (process %ld has it open): stop the server first (systemctl stop broadcart)\n",
                target, (long)pid);
        return BC_EBUSY;
    }
    snprintf(dirbuf, sizeof dirbuf, "%s", target);
    const char *dir = dirname(dirbuf);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "restore: cannot create %s: %s\n", dir, strerror(errno));
        return BC_ERR;
    }
    /* the copy is made and checked beside the target, so the final step is one rename */
    snprintf(tmp, sizeof tmp, "%s.restore-partial", target);
    unlink(tmp);
    if (copy_file(src, tmp, dir) != BC_OK) {
        fprintf(stderr, "restore: cannot copy %s to %s: %s\n", src, tmp, strerror(errno));
        return BC_ERR;
    }
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(tmp, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK
                 ? check_broadcart_db(h, src, &version)
                 : BC_EINVAL;
    char v[64];
    if (rc == BC_OK && (query_text(h, "PRAGMA journal_mode=DELETE", v, sizeof v) != SQLITE_OK || strcmp(v, "delete"))) {
        fprintf(stderr, "restore: %s: %s\n", tmp, sqlite3_errmsg(h));
        rc = BC_ERR;
    }
    sqlite3_close(h);
    if (rc == BC_OK && sync_path(tmp) != BC_OK)
        rc = BC_ERR;
    if (rc == BC_OK && (in_use(target, &pid) || (rc = settle_old(target)) == BC_EBUSY)) {
        fprintf(stderr, "restore: %s is in use: stop the server first (systemctl stop broadcart)\n", target);
        rc = BC_EBUSY;
    }
    if (rc == BC_OK)
        rc = swap_in(tmp, target, report);
    if (rc != BC_OK) {
        unlink(tmp);
        fprintf(stderr, "restore: nothing was replaced\n");
        return rc;
    }
    fprintf(report, "%s: restored from %s (schema version %lld)\n", target, src, (long long)version);
    for (const char *const *f = files; f && *f; f++) {
        char in[PATH_MAX], part[PATH_MAX + 32];
        snprintf(in, sizeof in, "%s/%s", from, base_of(*f));
        if (!from_dir || access(in, F_OK) != 0) {
            fprintf(report, "%s: not in the backup, left as it is\n", *f);
            continue;
        }
        snprintf(part, sizeof part, "%s.restore-partial", *f);
        unlink(part);
        if (copy_file(in, part, dir) != BC_OK || swap_in(part, *f, report) != BC_OK) {
            fprintf(stderr, "restore: cannot restore %s from %s: %s\n", *f, in, strerror(errno));
            unlink(part);
            return BC_ERR;
        }
        fprintf(report, "%s: restored from %s\n", *f, in);
    }
    fprintf(report, "restore complete: start the server (it migrates the database to this version)\n");
    return BC_OK;
}
