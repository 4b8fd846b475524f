#!/usr/bin/env bash
# test_daemon_remote_read.sh in api_read mode: the live daemon, its state file
# and its reloads, with raw samples read through /api/v1/query.
MODE=api_read
. "$HERE/test_daemon_remote_read.sh"
