/* Wiring: every module's routes, the static directories, the order-expiry sweeper. */
#include "app.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "accounts/accounts.h"
#include "announcements/announcements.h"
#include "audit/audit.h"
#include "bus/bus.h"
#include "catalog/catalog.h"
#include "chat/chat.h"
#include "chat/room.h"
#include "commerce/commerce.h"
#include "coupons/coupons.h"
#include "demo/demo.h"
#include "http/http.h"
#include "inquiries/inquiries.h"
#include "live/live.h"
#include "media/media.h"
#include "metrics/metrics.h"
#include "notices/notices.h"
#include "payments/payments.h"
#include "reviews/reviews.h"
#include "points/points.h"
#include "subscriptions/subscriptions.h"
#include "posts/posts.h"
#include "regions/regions.h"

static char db_url[sizeof bc_cfg.database_url + 16];

/* Whether this instance holds the sweeper lease (sweeper thread writes, /healthz reads). */
static atomic_int sweeper_held;

static void h_health(bc_req *req)
{
    bc_res_json(req, 200, json_pack("{s:s,s:b}", "status", "ok", "sweeper", atomic_load(&sweeper_held)));
}
static char *openapi_text;
static pthread_once_t openapi_once = PTHREAD_ONCE_INIT;
static void openapi_build(void)
{
    json_t *doc = bc_http_openapi();
    openapi_text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
}
/* The document is built once from the route table and served from memory afterwards. */
static void h_openapi(bc_req *req)
{
    pthread_once(&openapi_once, openapi_build);
    if (!openapi_text) {
        bc_res_from_err(req, BC_ENOMEM);
        return;
    }
    bc_res_send(req, 200, "application/json; charset=utf-8", openapi_text, strlen(openapi_text));
}

static const bc_route app_routes[] = {
    {"GET", "/healthz", 0, BC_RT_INLINE, NULL, h_health, "ops", "Liveness probe", 200, .response = &bc_sc_health},
    {"GET", "/api/openapi.json", 0, BC_RT_INLINE, NULL, h_openapi, "ops", "This OpenAPI document", 200,
     .response = &bc_sc_openapi},
    {"GET", "/api/docs", 0, BC_RT_INLINE | BC_RT_PAGE, NULL, bc_http_docs, "ops",
     "The API reference (HTML, rendered from this document)", 200, .res_type = "text/html"},
    {NULL},
};

const char *bc_app_db_url(void)
{
    if (bc_cfg.database_url[0])
        snprintf(db_url, sizeof db_url, "%s", bc_cfg.database_url);
    else
        snprintf(db_url, sizeof db_url, "sqlite:%s/broadcart.db", bc_cfg.data_dir);
    return db_url;
}

int bc_app_open_db(bc_db **out)
{
    if (bc_mkdirs(bc_cfg.data_dir) != BC_OK) {
        bc_log_error("app", "cannot create %s: %s", bc_cfg.data_dir, strerror(errno));
        return BC_ERR;
    }
    if (bc_db_open(bc_app_db_url(), out) != BC_OK)
        return BC_ERR;
    if (bc_db_migrate(*out) != BC_OK) {
        bc_db_close(*out);
        *out = NULL;
        return BC_ERR;
    }
    return BC_OK;
}

/* Expires unpaid orders and confirms delivered ones on a worker. */
static void sweep(bc_db *db, void *arg)
{
    (void)arg;
    bc_order_expire_due(db, bc_now_ms());
    /* orders: purchase confirmed BROADCART_AUTO_CONFIRM_DAYS after delivery */
    bc_order_confirm_due(db, bc_now_ms());
    bc_notice_mail_sweep(db, bc_now_ms());       /* notices: the outbox's due mails (SMTP) */
    bc_payments_sweep(db, bc_now_ms());          /* payments: the reconciliation timer */
    bc_hold_expire_due(db, bc_now_ms());         /* stock: holds past BROADCART_HOLD_TTL */
    bc_live_sweep(db, bc_now_ms(), NULL);        /* live: MISSED, stalled ingest, the grace, notify-me notices */
    bc_live_fanout_sweep(db, bc_now_ms(), NULL); /* live: followers told of a schedule and a start */
    /* accounts: once a day, the shipping addresses of deleted accounts' orders past retention */
    bc_accounts_retention_due(db, bc_now_ms());
    bc_points_sweep(db, bc_now_ms());       /* points: expiry (BROADCART_POINTS_TTL_DAYS), cut-off charges */
    bc_subscription_sweep(db, bc_now_ms()); /* subscriptions: renewals and retries that are due */
}

/* Records whether the lease is held, logging each change once. */
static void sweeper_set(int held)
{
    if (held == atomic_exchange(&sweeper_held, held))
        return;
    if (held)
        bc_log_info("sweeper", "lease acquired");
    else
        bc_log_info("sweeper", "lease lost");
}

/* The order-expiry sweeper: once a second, on the instance that holds the sweeper lease only
 * (bc_db_lease_try on a connection of its own: a PostgreSQL session advisory lock, so another
 * instance takes over within about a second of the holder's death; always held on SQLite), hands
 * one expiry sweep to a worker. A failed lease connection counts as a lost lease and is reopened
 * on the next tick (while the database refuses connections, with a backoff up to 16 s). */
static void *sweeper_main(void *arg)
{
    (void)arg;
    bc_db *lease = NULL;
    unsigned wait_s = 1; /* 1 s; after failed opens doubling to 16 s, so a database outage is not
                            logged every second */
    for (;;) {
        sleep(wait_s);
        if (!lease) {
            if (bc_db_open(db_url, &lease) != BC_OK) {
                lease = NULL;
                if (wait_s == 1)
                    bc_log_warn("sweeper", "cannot open the lease connection; retrying");
                wait_s = wait_s < 16 ? wait_s * 2 : 16;
                sweeper_set(0);
                continue;
            }
            wait_s = 1;
        }
        int rc = bc_db_lease_try(lease, BC_DB_LEASE_SWEEPER);
        if (rc < 0) {
            bc_db_close(lease);
            lease = NULL;
        }
        sweeper_set(rc == 1);
        if (rc == 1)
            bc_http_defer(sweep, NULL);
    }
    return NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    bc_http_stop();
}

/* Every module's route table, in one place (see app.h). */
void bc_app_register_routes(void)
{
    bc_http_register(app_routes);
    bc_http_register(bc_accounts_routes);
    bc_http_register(bc_recovery_routes);
    bc_http_register(bc_seller_routes); /* accounts: seller applications, shops */
    bc_http_register(bc_oauth_routes);  /* accounts: social sign-in */
    bc_http_register(bc_idp_sandbox_routes);
    bc_http_register(bc_address_routes);   /* accounts: address book */
    bc_http_register(bc_lifecycle_routes); /* accounts: block reasons, deletion */
    bc_http_register(bc_catalog_routes);
    bc_http_register(bc_wishlist_routes); /* catalog: 찜 */
    bc_http_register(bc_commerce_routes);
    bc_http_register(bc_stock_routes);
    bc_http_register(bc_sku_routes); /* product options as SKUs */
    bc_http_register(bc_stats_routes);
    bc_http_register(bc_media_routes);
    bc_http_register(bc_payments_routes);
    bc_http_register(bc_sandbox_routes);
    bc_http_register(bc_sandbox_portone_routes); /* payments */
    bc_http_register(bc_live_routes);
    bc_http_register(bc_replay_routes); /* live: replays */
    bc_http_register(bc_chat_routes);
    bc_http_register(bc_moderation_routes); /* chat moderation */
    bc_http_register(bc_room_routes);       /* chat: the live room's figures */
    bc_http_register(bc_notice_routes);
    bc_http_register(bc_inquiry_routes);  /* inquiries and product Q&A */
    bc_http_register(bc_announce_routes); /* announcements */
    bc_http_register(bc_audit_routes);    /* admin audit log */
    bc_http_register(bc_review_routes);
    bc_http_register(bc_coupon_routes);
    bc_http_register(bc_points_routes);
    bc_http_register(bc_subscription_routes);
    bc_http_register(bc_post_routes);    /* sale posts */
    bc_http_register(bc_regions_routes); /* the 17 시/도 */
    bc_metrics_register_routes();        /* metrics: GET /metrics, GET /readyz */
}

int bc_app_serve(int with_rtmp, int demo)
{
    bc_db *db = NULL;
    int64_t live_id = 0;
    int code = 1;
    if (bc_config_resolve_web_dir(&bc_cfg) != BC_OK || bc_live_callbacks_init(with_rtmp) != BC_OK)
        goto out;
    bc_log_info("app", "web client from %s", bc_cfg.web_dir);
    char origin[300];
    if (bc_media_init() != BC_OK || bc_media_origin(origin, sizeof origin) != BC_OK)
        goto out;
    bc_http_set_media_origin(origin);             /* media in S3: the web client loads them from its origin */
    if (bc_seal_init(bc_cfg.data_dir) != BC_OK || /* core: the key sealing personal data */
        bc_app_open_db(&db) != BC_OK || bc_accounts_init(bc_cfg.data_dir) != BC_OK ||
        bc_payments_init(bc_cfg.data_dir) != BC_OK) /* payments: the sandbox secret */
        goto out;
    char dir[700];
    snprintf(dir, sizeof dir, "%s/media", bc_cfg.data_dir);
    bc_mkdirs(dir);
    bc_http_add_static("/media", dir, 0);
    snprintf(dir, sizeof dir, "%s/hls", bc_cfg.data_dir);
    bc_mkdirs(dir);
    bc_http_add_static("/hls", dir, 1);
    if (demo && bc_demo_seed(db, bc_cfg.data_dir, &live_id) != BC_OK)
        goto out;
    bc_db_close(db);
    db = NULL;

    if (bc_cfg.portone_api_base[0] == 0 && bc_cfg.http_port != 0) /* payments */
        snprintf(bc_cfg.portone_api_base, sizeof bc_cfg.portone_api_base, "http://127.0.0.1:%d/sandbox-portone",
                 bc_cfg.http_port);
    if (bc_cfg.toss_api_base[0] == 0 && bc_cfg.http_port != 0)
        snprintf(bc_cfg.toss_api_base, sizeof bc_cfg.toss_api_base, "http://127.0.0.1:%d/sandbox-pg", bc_cfg.http_port);
    if (bc_cfg.public_url[0] == 0 && bc_cfg.http_port != 0)
        snprintf(bc_cfg.public_url, sizeof bc_cfg.public_url, "http://127.0.0.1:%d", bc_cfg.http_port);
    /* accounts: identity providers default to the built-in sandbox identity provider */
    struct {
        char *field;
        size_t size;
        const char *path;
    } idp[] = {{bc_cfg.kakao_auth_base, sizeof bc_cfg.kakao_auth_base, "kakao/kauth"},
               {bc_cfg.kakao_api_base, sizeof bc_cfg.kakao_api_base, "kakao/kapi"},
               {bc_cfg.naver_auth_base, sizeof bc_cfg.naver_auth_base, "naver/nid"},
               {bc_cfg.naver_api_base, sizeof bc_cfg.naver_api_base, "naver/openapi"},
               {bc_cfg.google_issuer, sizeof bc_cfg.google_issuer, "google"}};
    for (size_t i = 0; i < sizeof idp / sizeof *idp; i++)
        if (idp[i].field[0] == 0 && bc_cfg.http_port != 0)
            snprintf(idp[i].field, idp[i].size, "http://127.0.0.1:%d/sandbox-idp/%s", bc_cfg.http_port, idp[i].path);
    if (bc_oauth_configure(demo) != BC_OK)
        goto out;

    bc_http_set_authenticator(bc_token_verify);
    bc_app_register_routes();
    bc_payments_on_foreign_payment(bc_points_charge_converge); /* points: charges reach payment webhooks */
    bc_chat_init();
    bc_replay_init();                            /* live: the ticker that makes replays */
    bc_live_sched_start();                       /* live: this instance's HLS segment watcher (the stall rule) */
    if (with_rtmp || bc_cfg.rtmp_control_url[0]) /* live: stream health samples, where an rtmp control */
        bc_live_health_start();                  /* endpoint can be reached (else nothing to sample)  */
    if (bc_notice_start(db_url) != BC_OK)        /* notices: the events socket and the push poller */
        goto out;
    if (bc_cfg.redis_url[0] && bc_bus_start(bc_cfg.redis_url) != BC_OK)
        goto out;

    if (with_rtmp) {
        if (bc_cfg.http_port == 0) {
            bc_log_error("app", "--with-rtmp needs a fixed BROADCART_HTTP_PORT");
            goto out;
        }
        if (bc_rtmp_write_config(bc_cfg.data_dir, bc_cfg.http_port) != BC_OK || bc_rtmp_start(bc_cfg.data_dir) != BC_OK)
            goto out;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pthread_t sweeper;
    pthread_create(&sweeper, NULL, sweeper_main, NULL);
    pthread_detach(sweeper);
    code = bc_http_run(db_url) == BC_OK ? 0 : 1;
    bc_log_info("app", "shutting down");
out:
    if (with_rtmp)
        bc_rtmp_stop();
    bc_db_close(db);
    return code;
}
