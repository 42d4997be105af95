#!/usr/bin/env bash
# REST API latency and throughput: an API server over 1,000 DAGs and 10,000 task instances (Updraft.Bench api),
# loaded by wrk (Debian's package) with concurrent clients: a page of 100 DAGs and a page of 100 task instances.
# Usage: run-api.sh [sqlite|postgres] [connections] [seconds]
set -euo pipefail
dialect=${1:-sqlite}
connections=${2:-16}
seconds=${3:-15}
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
work=$(mktemp -d)
exec 3> >(cat >/dev/null)
cleanup() { [ -n "${pid:-}" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$work"; }
trap cleanup EXIT
dotnet build -c Release "$here/Updraft.Bench" -o "$work/bin" >/dev/null
mkfifo "$work/stdin"
"$work/bin/Updraft.Bench" api "$dialect" "$work/server" < "$work/stdin" &
pid=$!
exec 4> "$work/stdin"
for _ in $(seq 1 600); do [ -f "$work/server" ] && break; kill -0 "$pid" 2>/dev/null || { echo "the API server did not start"; exit 1; }; sleep 0.5; done
url=$(sed -n 1p "$work/server")
token=$(sed -n 2p "$work/server")
for path in "api/v2/dags?limit=100" "api/v2/dags/~/dagRuns/~/taskInstances?limit=100" "api/v2/dags?limit=100&tags=team_3"; do
  # Warm up (JIT, connection pool), then measure.
  wrk -t2 -c"$connections" -d3s -H "Authorization: Bearer $token" "$url$path" >/dev/null
  echo "== $dialect: GET /$path, $connections connections, ${seconds}s =="
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$url$path" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|requests in"
done
exec 4>&-
