#!/usr/bin/env bash
# The waiting scenes of bench/RESULTS.md: one triggerer process holding 5,000 deferred task instances (its memory, and
# how soon each task instance is back to scheduled after its trigger's moment), and asset events starting their DAG's
# run (event -> run created -> task running), each on SQLite and PostgreSQL.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build -c Release "$here/Updraft.Bench" -o "$out" >/dev/null
for db in sqlite postgres; do
  "$out/Updraft.Bench" triggerer "${TRIGGERS:-5000}" "$db"
done
for db in sqlite postgres; do
  "$out/Updraft.Bench" assets "$db"
done
