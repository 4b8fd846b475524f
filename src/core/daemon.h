/*
 * daemon: the long-running sidecar. The main thread is the poller: at each
 * multiple of the interval it hands every SLO to a pool of workers (two
 * evaluations of one SLO never overlap), publishes the results in snapshots
 * as they come, writes checkpoints, and handles signals and reload requests
 * that arrive through a self-pipe. libmicrohttpd threads serve the
 * snapshots.
 * Depends on util, config, configfiles, webconfig, shard, backend, engine,
 * pool, snapshot, statefile, history, histfile, histfill, webhook, http, log.
 */
#ifndef SLO_DAEMON_H
#define SLO_DAEMON_H

#include "shard.h"

struct daemon_opts {
    const char *config_path;
    const char *listen_addr;
    const char *web_config_path; /* --web.config.file; NULL: plain HTTP, no auth */
    const struct shard *shard;   /* --shard (may be auto/N); NULL: global.shard */
};

/* Runs until SIGTERM or SIGINT. Returns the process exit code. */
int daemon_run(const struct daemon_opts *opts);

#endif
