/* broadcart: command-line entry.
 *   broadcart serve [--with-rtmp] [--demo]
 *   broadcart migrate
 *   broadcart user create --email E --password P --name N --role buyer|seller|admin
 *   broadcart user set --email E [--role buyer|seller|admin] [--blocked 0|1]
 *   broadcart seed-demo
 *   broadcart db copy --from sqlite:PATH --to postgresql://...   (moves an embedded shop to PostgreSQL)
 *   broadcart backup --to DIR     (the SQLite database, data.key and jwt.secret into a new directory)
 *   broadcart restore --from DIR  (the reverse, with the server stopped)
 *   broadcart config            (prints every setting, its default and unit, as a Markdown table)
 *   broadcart config --env      (prints every setting as an environment file: deploy/broadcart.env.example)
 *   broadcart media check       (stores, reads back and deletes a probe object in the media store)
 *   broadcart openapi           (prints the OpenAPI document)
 *   broadcart rotate-data-key   (a new data key, every sealed value resealed under it, the old dropped)
 *   broadcart points expire     (expires the points credited more than BROADCART_POINTS_TTL_DAYS ago)
 *   broadcart subscriptions renew-due (charges or ends the subscriptions due now, like the sweeper) */
#include <curl/curl.h>
#include <malloc.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "app.h"
#include "payments/payments.h"
#include "commerce/commerce.h"
#include "demo/demo.h"
#include "media/media.h"
#include "points/points.h"
#include "subscriptions/subscriptions.h"

static int usage(void)
{
    fprintf(stderr, "usage: broadcart serve [--with-rtmp] [--demo]\n"
                    "       broadcart migrate\n"
                    "       broadcart user create --email E --password P --name N --role buyer|seller|admin\n"
                    "       broadcart user set --email E [--role buyer|seller|admin] [--blocked 0|1]\n"
                    "       broadcart seed-demo\n"
                    "       broadcart reconcile [--since <ISO-8601 or UTC ms>]\n"
                    "       broadcart audit stock\n"
                    "       broadcart db copy --from sqlite:PATH --to postgresql://...\n"
                    "       broadcart backup --to DIR\n"
                    "       broadcart restore --from DIR\n"
                    "       broadcart config [--env]\n"
                    "       broadcart media check\n"
                    "       broadcart rotate-data-key\n"
                    "       broadcart points expire\n"
                    "       broadcart subscriptions renew-due\n");
    return 2;
}

static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int has(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

static int cmd_user_create(int argc, char **argv)
{
    const char *email = opt(argc, argv, "--email"), *pw = opt(argc, argv, "--password"),
               *name = opt(argc, argv, "--name"), *role = opt(argc, argv, "--role");
    if (!email || !pw || !name || !role)
        return usage();
    bc_db *db;
    if (bc_app_open_db(&db) != BC_OK)
        return 1;
    int64_t id = 0;
    int rc = bc_accounts_create_user(db, email, pw, name, role, &id);
    bc_db_close(db);
    if (rc == BC_ECONFLICT) {
        fprintf(stderr, "user create: %s already exists\n", email);
        return 1;
    }
    if (rc != BC_OK) {
        fprintf(stderr,
                "user create: invalid e-mail, weak password (8+ chars, a letter and a digit) or unknown role\n");
        return 1;
    }
    printf("%lld\n", (long long)id);
    return 0;
}

/* Changes a user's role and/or blocked flag. A running server sees it within
 * BC_ACCOUNT_CACHE_MAX_AGE_MS (its account cache); the admin API applies at once. */
static int cmd_user_set(int argc, char **argv)
{
    const char *email = opt(argc, argv, "--email"), *role = opt(argc, argv, "--role"),
               *blocked_s = opt(argc, argv, "--blocked");
    int64_t blocked = -1;
    if (!email || (!role && !blocked_s) || (blocked_s && bc_parse_i64(blocked_s, 0, 1, &blocked) != BC_OK) ||
        (role && !bc_role_from_name(role)))
        return usage();
    bc_db *db;
    if (bc_app_open_db(&db) != BC_OK)
        return 1;
    int64_t id = 0;
    int rc = bc_accounts_find_id(db, email, &id);
    if (rc == BC_OK)
        rc = bc_accounts_update(db, id, role, (int)blocked);
    bc_db_close(db);
    if (rc == BC_ENOTFOUND) {
        fprintf(stderr, "user set: no user %s\n", email);
        return 1;
    }
    if (rc != BC_OK) {
        fprintf(stderr, "user set: database error\n");
        return 1;
    }
    printf("%lld\n", (long long)id);
    return 0;
}

/* Reseals every sealed value of accounts and commerce under the current key; prints the counts.
 * BC_OK, or an error (printed) when some value did not open or the store failed. */
static int reseal_all(bc_db *db)
{
    int64_t accounts = 0, orders = 0, billing = 0;
    int rc = bc_accounts_reseal(db, &accounts), rc2 = bc_orders_reseal(db, &orders),
        rc3 = bc_subscription_reseal(db, &billing);
    printf("resealed under key %s: %lld account values (phones, seller applications, address book), %lld order "
           "addresses, %lld billing keys\n",
           bc_seal_key_id(), (long long)accounts, (long long)orders, (long long)billing);
    if (rc == BC_OK)
        rc = rc2;
    if (rc == BC_OK)
        rc = rc3;
    if (rc == BC_EINVAL)
        fprintf(stderr, "rotate-data-key: some values did not open (see the log): their key is not in the ring or "
                        "they were tampered with\n");
    else if (rc != BC_OK)
        fprintf(stderr, "rotate-data-key: database error\n");
    return rc;
}

/* broadcart rotate-data-key. With the file ring ({data_dir}/data.key): adds a new current key
 * (the old ones kept, read only), reseals everything under it, then drops the old keys; when a
 * value did not reseal the old keys stay and the command fails (run it again after fixing). With
 * BROADCART_DATA_KEY: explains how to rotate it and reseals under the current key. */
static int cmd_rotate_data_key(void)
{
    bc_db *db;
    if (bc_seal_init(bc_cfg.data_dir) != BC_OK || bc_app_open_db(&db) != BC_OK)
        return 1;
    int rc;
    if (bc_cfg.data_key[0]) {
        printf("BROADCART_DATA_KEY is set, so the key is yours to change: put the new key in BROADCART_DATA_KEY and\n"
               "the old one in BROADCART_DATA_KEY_OLD, restart, run `broadcart rotate-data-key` (with both set)\n"
               "to reseal every value under the new key, then remove BROADCART_DATA_KEY_OLD.\n"
               "Resealing under the current key now.\n");
        rc = reseal_all(db);
    } else {
        const char *old = bc_seal_key_id();
        char old_id[16];
        snprintf(old_id, sizeof old_id, "%s", old);
        rc = bc_seal_rotate_file(bc_cfg.data_dir, 0);
        if (rc == BC_ECONFLICT) { /* the ring is full of unfinished rotations: finish them, add none */
            printf("data.key holds %d keys from rotations that did not finish: resealing under the current key %s "
                   "and removing the others; run rotate-data-key again for a new key\n",
                   BC_SEAL_MAX_KEYS, old_id);
            rc = BC_OK;
        }
        if (rc != BC_OK) {
            fprintf(stderr, "rotate-data-key: cannot write %s/data.key\n", bc_cfg.data_dir);
        } else {
            if (strcmp(bc_seal_key_id(), old_id) != 0)
                printf("new data key %s (was %s) in %s/data.key\n", bc_seal_key_id(), old_id, bc_cfg.data_dir);
            rc = reseal_all(db);
            if (rc == BC_OK && (rc = bc_seal_rotate_file(bc_cfg.data_dir, 1)) == BC_OK)
                printf("older keys removed from %s/data.key\n", bc_cfg.data_dir);
            else if (rc == BC_OK)
                fprintf(stderr, "rotate-data-key: cannot write %s/data.key (the older keys stay)\n", bc_cfg.data_dir);
            else
                fprintf(stderr, "rotate-data-key: the older keys stay in %s/data.key\n", bc_cfg.data_dir);
        }
    }
    bc_db_close(db);
    return rc == BC_OK && fflush(stdout) == 0 ? 0 : 1;
}

/* broadcart backup --to DIR / restore --from DIR: the database (store.h bc_db_backup, bc_db_restore)
 * with the data directory's key files: data.key (core/seal.c: without it no sealed personal
 * value opens) and jwt.secret (accounts.c: keeps signed-in sessions valid). When a key comes from
 * the environment instead (BROADCART_DATA_KEY, BROADCART_JWT_SECRET), says it must be kept with the
 * backup. Returns the exit code. */
static int cmd_backup_restore(int restore, const char *path)
{
    char key[sizeof bc_cfg.data_dir + 16], jwt[sizeof bc_cfg.data_dir + 16];
    snprintf(key, sizeof key, "%s/data.key", bc_cfg.data_dir);
    snprintf(jwt, sizeof jwt, "%s/jwt.secret", bc_cfg.data_dir);
    const char *const files[] = {key, jwt, NULL};
    if (!path)
        return usage();
    int rc = restore ? bc_db_restore(bc_app_db_url(), path, files, stdout)
                     : bc_db_backup(bc_app_db_url(), path, files, stdout);
    if (rc == BC_OK && bc_cfg.data_key[0])
        printf("note: BROADCART_DATA_KEY is set: the sealed personal data opens only with that key (and "
               "BROADCART_DATA_KEY_OLD if set); keep it with the backup\n");
    if (rc == BC_OK && bc_cfg.jwt_secret[0])
        printf("note: BROADCART_JWT_SECRET is set: sessions stay valid only with the same value\n");
    return rc == BC_OK && fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (sodium_init() < 0 || bc_config_load(&bc_cfg) != BC_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    const char *lvl = bc_cfg.log_level;
    bc_log_set_level(strcmp(lvl, "debug") == 0   ? BC_LOG_DEBUG
                     : strcmp(lvl, "warn") == 0  ? BC_LOG_WARN
                     : strcmp(lvl, "error") == 0 ? BC_LOG_ERROR
                                                 : BC_LOG_INFO);
    bc_log_set_json(strcmp(bc_cfg.log_format, "json") == 0); /* metrics: structured logs */
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) {
        /* glibc returns the free top of each thread's heap to the kernel (madvise) as soon as it
         * passes 128 KiB: under load every worker did that and faulted the pages back in on its
         * next requests. Keep up to 64 MiB per heap; peaks still bound what is held. */
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
        return bc_app_serve(has(argc, argv, "--with-rtmp"), has(argc, argv, "--demo"));
    }
    if (strcmp(cmd, "migrate") == 0) {
        bc_db *db;
        if (bc_app_open_db(&db) != BC_OK)
            return 1;
        bc_db_close(db);
        return 0;
    }
    if (strcmp(cmd, "user") == 0 && argc > 2 && strcmp(argv[2], "create") == 0)
        return cmd_user_create(argc, argv);
    if (strcmp(cmd, "user") == 0 && argc > 2 && strcmp(argv[2], "set") == 0)
        return cmd_user_set(argc, argv);
    if (strcmp(cmd, "db") == 0 && argc > 2 && strcmp(argv[2], "copy") == 0) {
        const char *from = opt(argc, argv, "--from"), *to = opt(argc, argv, "--to");
        if (!from || !to)
            return usage();
        return bc_db_copy(from, to, stdout) == BC_OK && fflush(stdout) == 0 ? 0 : 1;
    }
    if (strcmp(cmd, "backup") == 0)
        return cmd_backup_restore(0, opt(argc, argv, "--to"));
    if (strcmp(cmd, "restore") == 0)
        return cmd_backup_restore(1, opt(argc, argv, "--from"));
    if (strcmp(cmd, "reconcile") == 0) /* payments */
        return bc_payments_reconcile_main(opt(argc, argv, "--since"));
    if (strcmp(cmd, "audit") == 0 && argc > 2 && strcmp(argv[2], "stock") == 0) {
        bc_db *db;
        if (bc_app_open_db(&db) != BC_OK)
            return 1;
        int bad = bc_stock_audit(db, stdout);
        bc_db_close(db);
        return bad == 0 && fflush(stdout) == 0 ? 0 : 1;
    }
    if (strcmp(cmd, "media") == 0 && argc > 2 && strcmp(argv[2], "check") == 0) {
        if (bc_media_init() != BC_OK)
            return 1;
        int rc = bc_media_check(stdout);
        return rc == BC_OK && fflush(stdout) == 0 ? 0 : 1;
    }
    if (strcmp(cmd, "seed-demo") == 0) {
        bc_db *db;
        int64_t live = 0;
        if (bc_app_open_db(&db) != BC_OK)
            return 1;
        int rc = bc_demo_seed(db, bc_cfg.data_dir, &live);
        bc_db_close(db);
        return rc == BC_OK ? 0 : 1;
    }
    if (strcmp(cmd, "points") == 0 && argc > 2 && strcmp(argv[2], "expire") == 0)
        return bc_points_expire_main();
    if (strcmp(cmd, "subscriptions") == 0 && argc > 2 && strcmp(argv[2], "renew-due") == 0)
        return bc_subscription_renew_main();
    if (strcmp(cmd, "rotate-data-key") == 0)
        return cmd_rotate_data_key();
    if (strcmp(cmd, "config") == 0 && has(argc, argv, "--env"))
        return bc_config_print_env(stdout) == BC_OK && fflush(stdout) == 0 ? 0 : 1;
    if (strcmp(cmd, "config") == 0) {
        printf("| setting | default | unit | meaning |\n|---|---|---|---|\n");
        for (const bc_config_doc *d = bc_config_docs(); d->env; d++) {
            printf("| `%s` | `%s` | %s", d->env, d->def[0] ? d->def : "(derived)", d->unit);
            for (const char *const *c = d->choices; c && *c; c++)
                printf("%s`%s`", c == d->choices ? ": " : ", ", *c);
            printf(" | %s |\n", d->doc);
        }
        return 0;
    }
    return usage();
}
