#!/usr/bin/env bash
# The morning-peak benchmark, as docs/PERFORMANCE.md reports it:
#   1. the embedded default (SQLite + photo folder),
#   2. PostgreSQL + S3 (a throwaway cluster from scripts/lib/postgres.sh and the s3s-fs dev
#      server, both on loopback),
# each with N employees (default 2000) logging in and then checking in at concurrency 16 and 64
# (and, on the embedded default, 16 again: the first round holds each employee's first check-in
# ever, which creates their photo folders and binds their phone, the third is the steady state);
#   3. PostgreSQL + S3 again with two instances sharing the database and the bucket, the load
#      spread over both;
# and, on the embedded default, an overload round: 50 clients sending 24-megapixel photos
# back to back while an ordinary round runs at concurrency 16.
#
#   bench/run.sh                 # 2000 employees, 480x640 selfies
#   HADIR_BENCH_EMPLOYEES=500 HADIR_BENCH_LARGE_SHARE=0.1 bench/run.sh
#
# Then `cargo bench -p hadir-bench --bench pipeline` for the selfie pipeline beside a bare decode.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
source "$ROOT/scripts/lib/postgres.sh"
trap hadir_pg_stop EXIT

EMPLOYEES=${HADIR_BENCH_EMPLOYEES:-2000}
LARGE_SHARE=${HADIR_BENCH_LARGE_SHARE:-0}
cargo build --release --locked -p hadir-api -p hadir-tests -p hadir-bench \
  --bin hadir --bin hadir-s3-dev --bin hadir-peak
TARGET=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET/release

echo "== embedded default"
"$BIN/hadir-peak" --server-bin "$BIN/hadir" --employees "$EMPLOYEES" \
  --large-share "$LARGE_SHARE" --concurrency 16,64,16 --overload 50

echo "== PostgreSQL + S3"
hadir_pg_start
"$HADIR_PG_BINDIR/createdb" -h 127.0.0.1 -p "$HADIR_PG_PORT" -U postgres hadir_bench
"$BIN/hadir-peak" --server-bin "$BIN/hadir" --s3-bin "$BIN/hadir-s3-dev" \
  --database-url "postgres://postgres@127.0.0.1:$HADIR_PG_PORT/hadir_bench" \
  --employees "$EMPLOYEES" --large-share "$LARGE_SHARE" --concurrency 16,64

echo "== PostgreSQL + S3, two instances"
"$HADIR_PG_BINDIR/createdb" -h 127.0.0.1 -p "$HADIR_PG_PORT" -U postgres hadir_bench_two
"$BIN/hadir-peak" --server-bin "$BIN/hadir" --s3-bin "$BIN/hadir-s3-dev" \
  --database-url "postgres://postgres@127.0.0.1:$HADIR_PG_PORT/hadir_bench_two" \
  --employees "$EMPLOYEES" --large-share "$LARGE_SHARE" --concurrency 16,64 --instances 2
