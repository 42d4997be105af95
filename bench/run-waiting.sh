#!/usr/bin/env bash
# The waiting scenes of bench/RESULTS.md: one triggerer process holding 5,000 deferred task instances and a scheduler
# process resuming them on its workers (the triggerer's memory; how soon after its trigger's moment each task instance
# leaves deferred and its resumed method runs on a worker), with the moments spread over 60 s and over 10 s; and asset
# events starting their DAG's run (event -> run created -> task running), each on SQLite and PostgreSQL; and what
# watching the SQLite wake file costs a scheduler while the database is written.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build -c Release "$here/Updraft.Bench" -o "$out" >/dev/null
for spread in 60 10; do
  for db in sqlite postgres; do
    "$out/Updraft.Bench" triggerer "${TRIGGERS:-5000}" "$db" "$spread"
  done
done
for db in sqlite postgres; do
  "$out/Updraft.Bench" assets "$db"
done
"$out/Updraft.Bench" wake-watch 50000
