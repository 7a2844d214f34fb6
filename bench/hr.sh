#!/usr/bin/env bash
# The benchmarks of reviewers' and HR's work, as docs/PERFORMANCE.md reports them, on a throwaway
# PostgreSQL cluster (scripts/lib/postgres.sh) on loopback:
#   1. the review queue with a million check-ins (pages of 50 through HTTP);
#   2. the monthly export, CSV and XLSX, for 10,000 employees x 30 days with two check-ins a day;
#   3. the console's pages: the review queue with a million check-ins, the month of a unit of
#      500 people, and what a page transfers (gzip) on a first visit and after.
#
#   bench/hr.sh
#   HADIR_BENCH_CHECK_INS=200000 HADIR_BENCH_EXPORT_EMPLOYEES=2000 bench/hr.sh
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
source "$ROOT/scripts/lib/postgres.sh"
trap hadir_pg_stop EXIT

CHECK_INS=${HADIR_BENCH_CHECK_INS:-1000000}
QUEUE_EMPLOYEES=${HADIR_BENCH_QUEUE_EMPLOYEES:-5000}
EXPORT_EMPLOYEES=${HADIR_BENCH_EXPORT_EMPLOYEES:-10000}
cargo build --release --locked -p hadir-api -p hadir-bench \
  --bin hadir --bin hadir-queue --bin hadir-export --bin hadir-console
TARGET=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET/release

hadir_pg_start
PG="postgres://postgres@127.0.0.1:$HADIR_PG_PORT"
echo "== review queue"
"$HADIR_PG_BINDIR/createdb" -h 127.0.0.1 -p "$HADIR_PG_PORT" -U postgres hadir_queue
"$BIN/hadir-queue" --server-bin "$BIN/hadir" --database-url "$PG/hadir_queue" \
  --check-ins "$CHECK_INS" --employees "$QUEUE_EMPLOYEES"
echo "== monthly export"
"$HADIR_PG_BINDIR/createdb" -h 127.0.0.1 -p "$HADIR_PG_PORT" -U postgres hadir_export
"$BIN/hadir-export" --server-bin "$BIN/hadir" --database-url "$PG/hadir_export" \
  --employees "$EXPORT_EMPLOYEES"
echo "== console"
"$HADIR_PG_BINDIR/createdb" -h 127.0.0.1 -p "$HADIR_PG_PORT" -U postgres hadir_console
"$BIN/hadir-console" --server-bin "$BIN/hadir" --database-url "$PG/hadir_console" \
  --check-ins "$CHECK_INS"
