#!/usr/bin/env bash
# Packs the SDK a DAG project references (Updraft.Sdk with Updraft.Core, Updraft.Providers, Updraft.Execution) and the
# dotnet new templates (Updraft.Templates) into FEED (default artifacts/packages), with the product version from
# Directory.Build.props and an optional prerelease suffix: eng/pack-sdk.sh [FEED] [VERSION_SUFFIX]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
feed=${1:-$root/artifacts/packages}
suffix=${2:-}
mkdir -p "$feed"
args=(-c Release -o "$feed" --nologo -v quiet)
if [ -n "$suffix" ]; then
  args+=(--version-suffix "$suffix")
fi
for project in src/Updraft.Core src/Updraft.Providers src/Updraft.Execution src/Updraft.Sdk templates; do
  dotnet pack "$root/$project" "${args[@]}"
done
