#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time: new inputs go to a scratch
# directory (removed afterwards), seeds are read from the vectors.
# usage: run.sh HARNESS SECONDS [SEED_DIR...]
# An hour per harness:  FUZZ_SECONDS=3600 meson test -C build-fuzz --suite fuzz -t 0
set -euo pipefail
harness=$1; seconds=${FUZZ_SECONDS:-$2}; shift 2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
seeds=()
for d in "$@"; do [ -d "$d" ] && seeds+=("$d"); done
exec "$harness" -max_total_time="$seconds" -timeout=5 -error_exitcode=1 -timeout_exitcode=1 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="${FUZZ_ARTIFACTS:-$scratch}/" "$scratch" "${seeds[@]}"
