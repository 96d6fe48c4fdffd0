/* live: lives (scheduled broadcasts with products), stream keys, RTMP ingest through an
 * nginx-rtmp child process (config written by rtmp.c), on_publish callbacks, pinning.
 * Prefixes: bc_live_, bc_rtmp_. */
#ifndef BC_LIVE_H
#define BC_LIVE_H

#include "../http/http.h"

/* Writes {data_dir}/rtmp/nginx.conf for RTMP on bc_cfg.rtmp_port with HLS into {data_dir}/hls
 * and callbacks to 127.0.0.1:{http_port}. Returns BC_OK or BC_ERR. */
int bc_rtmp_write_config(const char *data_dir, int http_port);
/* Starts nginx with that config as a child process; BC_OK or BC_ERR. */
int bc_rtmp_start(const char *data_dir);
/* Stops the nginx child (SIGQUIT, then SIGKILL after 3 s) if running. */
void bc_rtmp_stop(void);

extern const bc_route bc_live_routes[];

#endif
