#!/usr/bin/env bash
# test_replay_remote_read.sh in api_read mode: the same engine replayed over
# 241 evaluations, its raw samples read through /api/v1/query (bare range
# selectors) instead of remote read; every evaluation the generator has exact
# counts for must equal them.
MODE=api_read
. "$HERE/test_replay_remote_read.sh"
