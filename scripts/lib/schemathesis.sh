# shellcheck shell=bash
# API conformance: schemathesis (PyPI) drives the real `hadir` server, on PostgreSQL and the S3 dev
# server, with requests generated from openapi.yaml, and fails on any 5xx and on any response that
# the spec does not describe (status code, content type, headers, body schema).
#
#   source scripts/lib/postgres.sh        # needed first: the cluster and the process helpers
#   source scripts/lib/schemathesis.sh
#   hadir_pg_start
#   hadir_conformance_run "$PWD" "$PWD/target"   # after `cargo build --workspace --all-targets`
#   hadir_pg_stop
#
# A `schemathesis.toml` at the repository root, if there is one, is read by schemathesis itself:
# that is the place to tune a check for one operation, with a comment saying why.

# Pinned so that a new release cannot turn CI red on its own; schemathesis 4's CLI differs from 3's.
HADIR_SCHEMATHESIS_VERSION=4.32.5
# Fixed so that a failure found by CI can be reproduced locally; another seed explores other inputs.
HADIR_SCHEMATHESIS_SEED=${HADIR_SCHEMATHESIS_SEED:-20251125}
# Test cases per operation and phase: enough to find the usual 5xx and drift, a few minutes in all.
HADIR_SCHEMATHESIS_MAX_EXAMPLES=50
# Hard ceiling for the schemathesis run itself, so that a hanging server cannot eat CI's budget.
HADIR_SCHEMATHESIS_TIMEOUT_S=900

# State of a conformance run; empty when nothing runs.
HADIR_CONF_DIR=${HADIR_CONF_DIR:-}         # temporary directory: logs, the S3 server's files
HADIR_CONF_S3_PID=${HADIR_CONF_S3_PID:-}   # the S3 dev server
HADIR_CONF_SERVER_PID=${HADIR_CONF_SERVER_PID:-} # hadir serve
HADIR_CONF_ST_PID=${HADIR_CONF_ST_PID:-}   # schemathesis

# Makes sure VENV holds the pinned schemathesis; (re)creates it otherwise.
hadir_schemathesis_install() {
  local venv=$1 have
  have=$("$venv/bin/schemathesis" --version 2>/dev/null) || have=
  if [[ $have == "schemathesis, version $HADIR_SCHEMATHESIS_VERSION" ]]; then
    echo "schemathesis $HADIR_SCHEMATHESIS_VERSION: already in $venv"
    return 0
  fi
  echo "schemathesis $HADIR_SCHEMATHESIS_VERSION: installing into $venv"
  rm -rf -- "$venv"
  python3 -m venv "$venv" || return 1
  PIP_NO_INPUT=1 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$HADIR_SCHEMATHESIS_VERSION" || return 1
  "$venv/bin/schemathesis" --version || return 1
}

# Waits until something accepts TCP connections on 127.0.0.1:PORT, while PID is alive.
# Usage: _hadir_wait_for_port PORT PID SECONDS NAME LOGFILE
_hadir_wait_for_port() {
  local port=$1 pid=$2 seconds=$3 name=$4 log=$5 i
  for ((i = 0; i < seconds * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "schemathesis.sh: $name exited before it listened; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "schemathesis.sh: $name did not listen on port $port within ${seconds}s; its log:" >&2
  cat "$log" >&2
  return 1
}

# Waits until GET URL answers 200, while PID is alive.
# Usage: _hadir_wait_for_ready URL PID SECONDS LOGFILE
_hadir_wait_for_ready() {
  local url=$1 pid=$2 seconds=$3 log=$4 status i
  for ((i = 0; i < seconds * 4; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "schemathesis.sh: the hadir server exited during start-up; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) || true
    [[ $status == 200 ]] && return 0
    sleep 0.25
  done
  echo "schemathesis.sh: $url did not answer 200 within ${seconds}s (last: ${status:-none}); server log:" >&2
  cat "$log" >&2
  return 1
}

# Prints N random letters and digits.
_hadir_random() {
  python3 -c 'import secrets, string, sys
alphabet = string.ascii_letters + string.digits
print("".join(secrets.choice(alphabet) for _ in range(int(sys.argv[1]))))' "$1"
}

# The whole conformance run: database, S3 dev server, hadir server, login, schemathesis. Whether
# it passes or fails, it stops the processes it started before it returns.
# Usage: hadir_conformance_run REPO_ROOT CARGO_TARGET_DIR
hadir_conformance_run() {
  local status=0
  _hadir_conformance_run "$@" || status=$?
  hadir_conformance_stop
  if ((status == 0)); then
    echo "schemathesis: conformance ok"
  fi
  return "$status"
}

_hadir_conformance_run() {
  local root=$1 target=$2
  local venv=$target/schemathesis-venv spec=$root/openapi.yaml
  local server_bin=$target/debug/hadir s3_bin=$target/debug/hadir-s3-dev
  local report_dir=$target/schemathesis-report  # kept after the run, for CI and for reading
  local s3_port server_port base access_key secret_key password body response token status name
  local -a clean_env=()

  if [[ -z ${HADIR_PG_PORT:-} ]]; then
    echo "schemathesis.sh: no PostgreSQL cluster runs; call hadir_pg_start first" >&2
    return 1
  fi
  if [[ -n $HADIR_CONF_DIR ]]; then
    echo "schemathesis.sh: a conformance run is already going on in $HADIR_CONF_DIR" >&2
    return 1
  fi
  local f
  for f in "$spec" "$server_bin" "$s3_bin"; do
    if [[ ! -e $f ]]; then
      echo "schemathesis.sh: $f is missing (the spec, or a binary that cargo build makes)" >&2
      return 1
    fi
  done

  hadir_schemathesis_install "$venv" || return 1

  # A fresh database, so that the run sees exactly what the server's first start creates.
  PGOPTIONS='-c client_min_messages=warning' "$HADIR_PG_BINDIR/dropdb" --if-exists \
    -h 127.0.0.1 -p "$HADIR_PG_PORT" -U postgres hadir_conformance || return 1
  "$HADIR_PG_BINDIR/createdb" -h 127.0.0.1 -p "$HADIR_PG_PORT" -U postgres hadir_conformance ||
    return 1

  HADIR_CONF_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hadir-conformance.XXXXXX") || return 1
  mkdir -p "$HADIR_CONF_DIR/s3" "$HADIR_CONF_DIR/cwd" || return 1
  access_key=$(_hadir_random 20) || return 1
  secret_key=$(_hadir_random 40) || return 1
  password=$(_hadir_random 24) || return 1

  # Each long-running child gets its own process group (setsid), so that stopping it also stops
  # anything it spawned.
  s3_port=$(hadir_free_port) || return 1
  setsid "$s3_bin" --port "$s3_port" --root "$HADIR_CONF_DIR/s3" \
    --access-key "$access_key" --secret-key "$secret_key" --bucket hadir \
    >"$HADIR_CONF_DIR/s3.log" 2>&1 &
  HADIR_CONF_S3_PID=$!
  _hadir_wait_for_port "$s3_port" "$HADIR_CONF_S3_PID" 30 "the S3 dev server" \
    "$HADIR_CONF_DIR/s3.log" || return 1
  echo "S3 dev server: listening on 127.0.0.1:$s3_port"

  # The server sees only the settings below: any HADIR* variable of the caller's (a developer's
  # HADIR_DATABASE_URL, say) is removed, and it runs in an empty directory so that no hadir.toml
  # is read and no ./data is written into the work tree.
  for name in $(compgen -e -X '!HADIR*'); do
    clean_env+=(-u "$name")
  done
  server_port=$(hadir_free_port) || return 1
  base=http://127.0.0.1:$server_port
  setsid env -C "$HADIR_CONF_DIR/cwd" "${clean_env[@]}" \
    HADIR__DATABASE__URL="postgres://postgres@127.0.0.1:$HADIR_PG_PORT/hadir_conformance" \
    HADIR__SERVER__PORT="$server_port" \
    HADIR__PHOTOS__BACKEND=s3 \
    HADIR__PHOTOS__S3_ENDPOINT="http://127.0.0.1:$s3_port" \
    HADIR__PHOTOS__S3_REGION=us-east-1 \
    HADIR__PHOTOS__S3_BUCKET=hadir \
    HADIR__PHOTOS__S3_PATH_STYLE=true \
    HADIR__PHOTOS__S3_ACCESS_KEY="$access_key" \
    HADIR__PHOTOS__S3_SECRET_KEY="$secret_key" \
    HADIR_ADMIN_PASSWORD="$password" \
    "$server_bin" serve >"$HADIR_CONF_DIR/server.log" 2>&1 &
  HADIR_CONF_SERVER_PID=$!
  _hadir_wait_for_ready "$base/readyz" "$HADIR_CONF_SERVER_PID" 60 "$HADIR_CONF_DIR/server.log" ||
    return 1
  echo "hadir: ready on $base"

  body=$(python3 -c 'import json, sys; print(json.dumps({"username": "admin", "password": sys.argv[1]}))' \
    "$password") || return 1
  if ! response=$(curl -sS --fail-with-body --max-time 60 -H 'Content-Type: application/json' \
    --data "$body" "$base/api/v1/auth/login"); then
    echo "schemathesis.sh: login as admin failed: $response" >&2
    tail -n 40 "$HADIR_CONF_DIR/server.log" >&2
    return 1
  fi
  if ! token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' \
    <<<"$response"); then
    echo "schemathesis.sh: the login answer has no access_token: $response" >&2
    return 1
  fi

  # The run's account is an admin linked to an employee with an office, so that the check-in
  # routes (which need an employee) are exercised too, not only refused with 403.
  if ! token=$(_hadir_conformance_employee "$base" "$token" "$password"); then
    echo "schemathesis.sh: could not set up the conformance employee" >&2
    return 1
  fi

  # All checks, positive and negative data, every phase. The logout operation (POST, the only
  # method on its path) is left out: it would revoke the token that every other request carries.
  mkdir -p "$report_dir" || return 1
  echo "schemathesis $HADIR_SCHEMATHESIS_VERSION: seed $HADIR_SCHEMATHESIS_SEED," \
    "$HADIR_SCHEMATHESIS_MAX_EXAMPLES examples per operation, reports in $report_dir"
  (cd "$root" && exec setsid timeout --kill-after=10 "$HADIR_SCHEMATHESIS_TIMEOUT_S" \
    "$venv/bin/schemathesis" run "$spec" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks all \
    --exclude-path-regex '/auth/logout$' \
    --max-examples "$HADIR_SCHEMATHESIS_MAX_EXAMPLES" \
    --seed "$HADIR_SCHEMATHESIS_SEED" \
    --workers 2 \
    --request-timeout 30 \
    --report junit --report-junit-path "$report_dir/junit.xml") &
  HADIR_CONF_ST_PID=$!
  status=0
  wait "$HADIR_CONF_ST_PID" || status=$?
  HADIR_CONF_ST_PID=
  if ((status != 0)); then
    if ((status == 124)); then
      echo "schemathesis.sh: schemathesis ran out of its ${HADIR_SCHEMATHESIS_TIMEOUT_S}s" >&2
    fi
    echo "schemathesis.sh: conformance failed (exit $status); last lines of the server log:" >&2
    tail -n 60 "$HADIR_CONF_DIR/server.log" >&2
    return 1
  fi

  # A run whose token was revoked half-way would pass on 401s alone: make sure it still works
  # (GET /api/v1/users needs the admin token the run used).
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
    -H "Authorization: Bearer $token" "$base/api/v1/users") || true
  if [[ $status != 200 ]]; then
    echo "schemathesis.sh: the run's access token stopped working during the run (GET /api/v1/users" \
      "answers $status, not 200): some operation revoked it, so the later results prove nothing" >&2
    return 1
  fi
}

# Creates a unit, an office and an employee whose login is an admin, logs in as it and prints
# its access token. Usage: _hadir_conformance_employee BASE ADMIN_TOKEN PASSWORD
_hadir_conformance_employee() {
  local base=$1 admin=$2 password=$3 unit office body response
  _hadir_conf_post() {
    curl -sS --fail-with-body --max-time 60 -H "Authorization: Bearer $admin" \
      -H 'Content-Type: application/json' --data "$2" "$base$1"
  }
  _hadir_conf_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
  unit=$(_hadir_conf_post /api/v1/units '{"name": "Conformance"}' | _hadir_conf_id) || return 1
  office=$(_hadir_conf_post /api/v1/offices "{\"name\": \"Conformance office\", \"unit_id\": \"$unit\",
    \"latitude\": -6.872183, \"longitude\": 107.542038, \"radius_m\": 100,
    \"timezone\": \"Asia/Jakarta\"}" | _hadir_conf_id) || return 1
  body=$(python3 -c 'import json, sys
print(json.dumps({"nip": "198503122010011002", "name": "Conformance", "unit_id": sys.argv[1],
    "position": "Tester", "echelon": "staff", "office_id": sys.argv[2],
    "username": "conformance", "password": sys.argv[3], "role": "admin"}))' \
    "$unit" "$office" "$password") || return 1
  _hadir_conf_post /api/v1/employees "$body" >/dev/null || return 1
  body=$(python3 -c 'import json, sys; print(json.dumps({"username": "conformance", "password": sys.argv[1]}))' \
    "$password") || return 1
  response=$(curl -sS --fail-with-body --max-time 60 -H 'Content-Type: application/json' \
    --data "$body" "$base/api/v1/auth/login") || return 1
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' <<<"$response"
}

# Stops whatever the conformance run started and deletes its files. Safe to call at any time.
hadir_conformance_stop() {
  hadir_stop_process_group "$HADIR_CONF_ST_PID"
  hadir_stop_process_group "$HADIR_CONF_SERVER_PID"
  hadir_stop_process_group "$HADIR_CONF_S3_PID"
  HADIR_CONF_ST_PID=
  HADIR_CONF_SERVER_PID=
  HADIR_CONF_S3_PID=
  if [[ -n $HADIR_CONF_DIR ]]; then
    rm -rf -- "$HADIR_CONF_DIR"
    HADIR_CONF_DIR=
  fi
  return 0
}
