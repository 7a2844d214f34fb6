#!/usr/bin/env bash
# Hadir's one test command, the README's and CI's (.ci/run calls nothing else). In order:
#   system packages   libpq-dev, PostgreSQL's server binaries, curl, python3-venv, Chromium and
#                     chromium-driver (browser journeys) if missing
#   postgres          a throwaway cluster on a random loopback port (scripts/lib/postgres.sh)
#   fmt               cargo fmt --check
#   dependency rule   hadir-domain must not depend on diesel, actix-web, rust-s3, image, tokio
#   build             one build of everything, linted by clippy as it compiles (warnings fail)
#   tests             every test on SQLite + photo folder, then the integration tests again on
#                     PostgreSQL + S3
#   conformance       schemathesis against the running server (scripts/lib/schemathesis.sh)
# It stops everything it started and deletes its temporary files however it ends: success,
# failure, Ctrl-C or SIGTERM. There are deliberately no switches to skip a step.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START_TIME=$(date +%s)

# No incremental compilation unless asked for: a clean clone (CI) gains nothing from it, and its
# cache took 1.4 GB of the 4.8 GB the build left behind, on machines whose disk can be small (a
# CI run once failed for want of space). Set CARGO_INCREMENTAL=1 to keep it while iterating.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# shellcheck source=scripts/lib/postgres.sh
source "$ROOT/scripts/lib/postgres.sh"
# shellcheck source=scripts/lib/schemathesis.sh
source "$ROOT/scripts/lib/schemathesis.sh"

STEP="start-up"    # the step now running, named in the failure message
STEP_START=$START_TIME
STEP_TIMES=()      # "name  1m02s" for each finished step
FOREGROUND_PID=    # process group of the command `run` waits for

# Prints the seconds since $1 as 7m05s.
duration_since() {
  local s=$(($(date +%s) - $1))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# Starts a step: closes the previous one's timing and prints a banner.
step() {
  finish_step
  STEP=$1
  STEP_START=$(date +%s)
  printf '\n==> %s\n' "$STEP"
}

finish_step() {
  if [[ $STEP != start-up ]]; then
    STEP_TIMES+=("$(printf '%-50s %s' "$STEP" "$(duration_since "$STEP_START")")")
  fi
}

die() {
  echo "test.sh: $*" >&2
  exit 1
}

# Runs a long command in its own process group and waits for it. Bash runs a trap only after the
# foreground command has ended; waiting on a background child instead lets Ctrl-C and SIGTERM reach
# the trap at once, and the group lets cleanup stop the command with everything it spawned
# (cargo's rustc and test processes).
run() {
  local status=0
  setsid "$@" &
  FOREGROUND_PID=$!
  wait "$FOREGROUND_PID" || status=$?
  FOREGROUND_PID=
  return "$status"
}

cleanup() {
  local status=$?
  set +e
  trap '' INT TERM  # a second Ctrl-C must not cut the clean-up short
  hadir_stop_process_group "$FOREGROUND_PID"
  hadir_conformance_stop
  hadir_pg_stop
  if ((status == 0)); then
    finish_step
    printf '\n'
    printf '  %s\n' "${STEP_TIMES[@]}"
    if [[ -d $ROOT/target/browser-screenshots ]]; then
      echo "browser journeys' screenshots: $ROOT/target/browser-screenshots/"
      ls "$ROOT/target/browser-screenshots" | sed 's/^/  /'
    fi
    echo "test.sh: all green in $(duration_since "$START_TIME")"
  else
    echo >&2
    echo "test.sh: FAILED in step \"$STEP\" (exit $status) after $(duration_since "$START_TIME")" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Installs the Debian packages the run needs and the machine lacks, with one `apt-get update`
# and only when something is missing.
ensure_system_packages() {
  local -a missing=() sudo=()
  command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)  # the diesel build needs libpq
  hadir_pg_bindir >/dev/null 2>&1 || missing+=(postgresql)       # initdb, pg_ctl, postgres
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # The browser journeys (console, phone app): Debian's Chromium and its WebDriver.
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  [[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
  fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
  if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
  elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)                                      # for schemathesis
  fi
  if ((${#missing[@]} == 0)); then
    echo "system packages: ok"
    return 0
  fi
  echo "system packages: installing ${missing[*]}"
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${missing[*]}"
    sudo=(sudo -n)
  fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The clippy driver of the toolchain in use.
clippy_driver() {
  local driver
  driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver) ||
    die "clippy-driver not found: install the clippy component (rustup component add clippy)"
  printf '%s\n' "$driver"
}

check_toolchain() {
  command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH"
  cargo fmt --version >/dev/null 2>&1 ||
    die "\`cargo fmt\` does not work: install the rustfmt component (rustup component add rustfmt)"
  cargo clippy --version >/dev/null 2>&1 ||
    die "\`cargo clippy\` does not work: install the clippy component (rustup component add clippy)"
  echo "$(cargo --version); $(cargo fmt --version); $(cargo clippy --version)"
}

# DESIGN.md: the domain crate stays free of I/O frameworks. Normal edges only: dev-dependencies
# may use anything.
check_dependency_rule() {
  local tree offending crate
  tree=$(cargo tree -p hadir-domain -e normal --prefix none --locked)
  offending=$(grep -E '^(diesel|actix-web|rust-s3|image|tokio) ' <<<"$tree" || true)
  if [[ -n $offending ]]; then
    echo "dependency rule broken: hadir-domain depends on" >&2
    printf '  %s\n' "$offending" >&2
    awk '{print $1}' <<<"$offending" | sort -u | while read -r crate; do
      echo "how $crate gets in:" >&2
      cargo tree -p hadir-domain -e normal --locked -i "$crate" >&2 || true
    done
    exit 1
  fi
  # Inside hadir-api, the application layer (api/src/app) knows neither actix nor HTML: the
  # JSON routes and the console call it, never the other way round.
  offending=$(grep -rnE '\b(actix_web|actix_multipart|askama|HttpResponse|HttpRequest)\b|crate::(routes|console|error)\b' \
    api/src/app || true)
  if [[ -n $offending ]]; then
    echo "dependency rule broken: the application layer (api/src/app) names an interface:" >&2
    printf '  %s\n' "$offending" >&2
    exit 1
  fi
  echo "dependency rule: ok"
}

# Where cargo puts its output (honours CARGO_TARGET_DIR and .cargo/config); does not compile.
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

main() {
  step "system packages and toolchain"
  ensure_system_packages
  check_toolchain

  step "postgres"
  hadir_pg_start

  step "cargo fmt"
  run cargo fmt --all -- --check

  step "dependency rule"
  check_dependency_rule

  # One build of everything (tests included), linted by clippy as it compiles: clippy-driver
  # wraps rustc for the workspace's own crates, which is all `cargo clippy` does, so the
  # dependencies are compiled once for the build and the tests instead of a second time in
  # check mode. Warnings are errors. The variables stay set for the test runs below, so that
  # they find everything built and compile nothing again.
  step "cargo build, linted by clippy"
  RUSTC_WORKSPACE_WRAPPER=$(clippy_driver)
  CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
  run cargo build --workspace --all-targets --locked

  # HADIR_TEST_POSTGRES_URL stays exported for both runs: some tests need PostgreSQL in each.
  step "all tests (unit + integration) on sqlite + folder"
  run env HADIR_TEST_DB=sqlite HADIR_TEST_PHOTOS=folder \
    cargo test --workspace --locked --no-fail-fast

  # `--workspace --test api` selects the integration tests with the same features as the
  # build above (`-p hadir-tests` alone would resolve features anew and rebuild hadir-api).
  step "integration tests on postgres + s3"
  run env HADIR_TEST_DB=postgres HADIR_TEST_PHOTOS=s3 \
    cargo test --workspace --test api --locked --no-fail-fast

  step "api conformance (schemathesis) on postgres + s3"
  local target
  target=$(cargo_target_dir)
  hadir_conformance_run "$ROOT" "$target"
}

main "$@"
