#!/usr/bin/env bash
# The scheduler scenarios of bench/RESULTS.md: task lag (100 DAGs x 10 chained tasks) on SQLite, PostgreSQL and MariaDB,
# 40 chained tasks end to end, and throughput for 1,000 DAGs x 10 parallel tasks with one and two schedulers on
# PostgreSQL, one task mapped to 10,000 instances on SQLite and PostgreSQL, and sensors in poke and reschedule
# mode beside 200 tasks (2 slots: one per sensor). Worker slots per scheduler: $SLOTS (default 4, the best on a
# 2-core machine).
set -euo pipefail
slots=${SLOTS:-4}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build -c Release "$here/Updraft.Bench" -o "$out" >/dev/null
for args in "chain sqlite 1" "chain postgres 1" "chain mariadb 1" "lag sqlite 1" "lag postgres 1" "lag mariadb 1" \
  "throughput postgres 1" "throughput postgres 2" "throughput mariadb 1" "throughput mariadb 2" "mapped sqlite 1" "mapped postgres 1" "mapped mariadb 1"; do
  # shellcheck disable=SC2086
  "$out/Updraft.Bench" scheduler $args "$slots"
done
for args in "sensors-poke sqlite 1" "sensors-reschedule sqlite 1" "sensors-poke postgres 1" "sensors-reschedule postgres 1"; do
  # shellcheck disable=SC2086
  "$out/Updraft.Bench" scheduler $args 2
done
