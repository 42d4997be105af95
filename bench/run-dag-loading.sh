#!/usr/bin/env bash
# Compile-and-load time for N generated DAG files: cold (empty compile cache) and warm (cache filled by the
# cold run), each in a fresh process, as `updraft dags list` or a restarted dag-processor would see it.
set -euo pipefail
n=${1:-1000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build -c Release "$here/Updraft.Bench" -o "$work/bin" >/dev/null
bench="$work/bin/Updraft.Bench"
"$bench" generate "$work/dags" "$n"
echo "== $n DAG files, cold (empty cache), new process =="
/usr/bin/time -f "process wall %e s, max RSS %M KB" "$bench" load "$work/dags" "$work/cache"
echo "== $n DAG files, warm (cache filled), new process =="
/usr/bin/time -f "process wall %e s, max RSS %M KB" "$bench" load "$work/dags" "$work/cache"
