#!/usr/bin/env bash
# The scheduler scenes of run-scheduler.sh on two peers, each through its public API against a throwaway
# PostgreSQL 15 server (fsync off, as the tests use): Quartz.NET 4.7.3 (AdoJobStore, thread pool 4) and Hangfire
# 1.8.25 + Hangfire.PostgreSql 1.21.1 (4 workers, QueuePollInterval PEERS_HANGFIRE_POLL_MS, default 100 ms).
# Scenes: chain (40 chained jobs), lag (100 chains x 10 chained jobs), throughput (10,000 independent jobs).
# A scene that has not finished after PEERS_TIMEOUT_SECONDS (default 300) is stopped and reported as such.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build -c Release "$here/Updraft.Bench.Peers" -o "$out" >/dev/null
status=0
for peer in quartz hangfire; do
  for scene in chain lag throughput; do
    "$out/Updraft.Bench.Peers" "$peer" "$scene" || status=1
  done
done
exit "$status"
