/* GET /metrics (the Prometheus text format, loopback or BROADCART_METRICS_TOKEN) and GET /readyz
 * (the database and Redis answer). Both run on a worker: /metrics reads the lives on air from the
 * database, /readyz asks the database. */
#include "metrics.h"

#include <string.h>

#include "../bus/bus.h"
#include "../http/http.h"
#include "../live/live.h"

#define RENDER_CAP (8u << 20) /* bytes of one /metrics answer at most */
#define MAX_LIVES 100         /* bc_live_list answers at most 100 lives on air */
#define READY_DB_TIMEOUT_MS 1000

static void h_metrics(bc_req *req)
{
    bc_db *db = bc_req_db(req);
    bc_metrics_scrape s = {.backend = db ? bc_db_backend(db) : NULL};
    bc_http_queue_depth(&s.queue_main, &s.queue_main_cap, &s.queue_pwhash, &s.queue_pwhash_cap);
    /* viewers per live: only lives on air, so the live_id label stays bounded (and a scrape still
     * answers, without the viewers, when the database does not) */
    int64_t ids[MAX_LIVES];
    int viewers[MAX_LIVES];
    json_t *lives = NULL, *l;
    size_t i;
    if (db && bc_live_list(db, "LIVE", 0, 0, &lives) == BC_OK) {
        json_array_foreach (lives, i, l) {
            json_int_t id = json_integer_value(json_object_get(l, "id"));
            if (id <= 0 || s.n_lives == MAX_LIVES)
                continue;
            ids[s.n_lives] = id;
            viewers[s.n_lives++] = bc_hub_local_count(id);
        }
    }
    json_decref(lives);
    s.live_ids = ids;
    s.live_viewers = viewers;
    bc_buf out;
    bc_buf_init(&out, RENDER_CAP);
    if (bc_metrics_render(&out, &s) != BC_OK)
        bc_log_warn("metrics", "the metrics text passed %u bytes and was cut", RENDER_CAP);
    bc_res_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.data ? out.data : "", out.len);
    bc_buf_free(&out);
}

/* Redis PING through the bus's script runner (this worker's own connection, short timeouts). */
static bc_bus_script ping_script = {.lua = "redis.call('PING') return 1"};

static void h_ready(bc_req *req)
{
    int rc = bc_db_ping(bc_req_db(req), READY_DB_TIMEOUT_MS);
    const char *database = rc == BC_OK ? "ok" : rc == BC_EBUSY ? "slow" : "unreachable";
    const char *redis = "not configured";
    if (bc_cfg.redis_url[0]) {
        int64_t pong = 0;
        redis = bc_bus_eval(&ping_script, 0, NULL, 0, NULL, &pong, 1) == BC_OK && pong == 1 ? "ok" : "unreachable";
    }
    int ok = rc == BC_OK && (strcmp(redis, "ok") == 0 || strcmp(redis, "not configured") == 0);
    json_t *checks = json_pack("{s:s,s:s}", "database", database, "redis", redis);
    if (ok) {
        bc_res_json(req, 200, json_pack("{s:s,s:o}", "status", "ready", "checks", checks));
        return;
    }
    char msg[128];
    snprintf(msg, sizeof msg, "%s%s%s", rc != BC_OK ? "database: " : "", rc != BC_OK ? database : "",
             rc == BC_OK                         ? "redis: unreachable"
             : strcmp(redis, "unreachable") == 0 ? ", redis: unreachable"
                                                 : "");
    bc_res_json(req, 503,
                json_pack("{s:{s:s,s:s},s:s,s:o}", "error", "code", "NOT_READY", "message", msg, "status", "not ready",
                          "checks", checks));
}

static const bc_schema sc_ready = {
    "Readiness",
    "{\"type\":\"object\",\"required\":[\"status\",\"checks\"],\"additionalProperties\":false,\"properties\":{"
    "\"status\":{\"const\":\"ready\"},\"checks\":{\"type\":\"object\",\"required\":[\"database\",\"redis\"],"
    "\"additionalProperties\":false,\"properties\":{\"database\":{\"const\":\"ok\"},"
    "\"redis\":{\"enum\":[\"ok\",\"not configured\"]}}}}}",
    NULL};

static const char *const ready_errors[] = {"NOT_READY", NULL};

static const bc_route metrics_routes[] = {
    {"GET", "/metrics", 0, BC_RT_LOOPBACK | BC_RT_FOREIGN_AUTH, NULL, h_metrics, "ops",
     "Metrics in the Prometheus text format 0.0.4: from loopback, or with Authorization: Bearer "
     "<BROADCART_METRICS_TOKEN>",
     200, .res_type = "text/plain; version=0.0.4; charset=utf-8", .token = bc_cfg.metrics_token},
    {"GET", "/readyz", 0, 0, NULL, h_ready, "ops",
     "Readiness probe: the database answers a trivial query (and Redis a PING when BROADCART_REDIS_URL is set); "
     "503 NOT_READY names the failing check",
     200, .response = &sc_ready, .errors = ready_errors},
    {NULL},
};

void bc_metrics_register_routes(void) { bc_http_register(metrics_routes); }
