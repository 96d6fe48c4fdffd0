/* app: wires the modules into the http server (routes, hooks, static dirs, background jobs).
 * Prefix: bc_app_. */
#ifndef BC_APP_H
#define BC_APP_H

#include "store/store.h"

/* Resolves the web client directory (bc_config_resolve_web_dir) and the RTMP callback token
 * (bc_live_callbacks_init), creates the data directories, opens and migrates {data_dir}/broadcart.db,
 * seeds demo data when demo is set, registers every route and serves until stopped. with_rtmp
 * starts nginx-rtmp as a child. Returns a process exit code (1 when any of these fails to start). */
int bc_app_serve(int with_rtmp, int demo);
/* Registers every module's route table with the http server (bc_http_register), once; the fuzz
 * targets call it too, so they see exactly the routes the server serves. */
void bc_app_register_routes(void);
/* The database URL: BROADCART_DATABASE_URL, else "sqlite:{data_dir}/broadcart.db" (static, valid
 * until the next call). */
const char *bc_app_db_url(void);
/* Opens and migrates the database of bc_app_db_url(); caller closes. BC_OK or BC_ERR. */
int bc_app_open_db(bc_db **out);

#endif
