#!/usr/bin/env bash
# The web UI's data routes at size (Updraft.Bench ui): the grid of a 1,000-task DAG with 25 runs, and the DAG list's
# page with 1,001 DAGs, through a real API server on loopback, list cache off. Usage: run-ui.sh [sqlite|postgres]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build -c Release "$here/Updraft.Bench" -o "$work/bin" >/dev/null
for dialect in "${@:-sqlite postgres}"; do
  for d in $dialect; do "$work/bin/Updraft.Bench" ui "$d"; done
done
