#!/usr/bin/env bash
# The review-queue benchmark, as docs/PERFORMANCE.md reports it: a throwaway PostgreSQL cluster
# (scripts/lib/postgres.sh) on loopback, a million check-ins seeded into it, and the `hadir`
# server timed through HTTP on pages of 50.
#
#   bench/queue.sh                       # 1,000,000 check-ins, 5,000 employees
#   HADIR_BENCH_CHECK_INS=200000 bench/queue.sh
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
source "$ROOT/scripts/lib/postgres.sh"
trap hadir_pg_stop EXIT

CHECK_INS=${HADIR_BENCH_CHECK_INS:-1000000}
EMPLOYEES=${HADIR_BENCH_EMPLOYEES:-5000}
cargo build --release --locked -p hadir-api -p hadir-bench --bin hadir --bin hadir-queue
TARGET=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET/release

hadir_pg_start
"$HADIR_PG_BINDIR/createdb" -h 127.0.0.1 -p "$HADIR_PG_PORT" -U postgres hadir_queue
"$BIN/hadir-queue" --server-bin "$BIN/hadir" \
  --database-url "postgres://postgres@127.0.0.1:$HADIR_PG_PORT/hadir_queue" \
  --check-ins "$CHECK_INS" --employees "$EMPLOYEES"
