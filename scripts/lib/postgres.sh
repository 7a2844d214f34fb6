# shellcheck shell=bash
# A throwaway PostgreSQL cluster for tests and local development, plus the two small process
# helpers that the other scripts share (schemathesis.sh needs this file sourced first anyway,
# since it creates its database in this cluster).
#
#   source scripts/lib/postgres.sh
#   hadir_pg_start      # initdb + start on a free loopback port; exports HADIR_TEST_POSTGRES_URL
#   psql "$HADIR_TEST_POSTGRES_URL" -c 'select 1'
#   hadir_pg_stop       # stop immediately and delete every file of the cluster
#
# The cluster lives in a fresh temporary directory: nothing is shared with a system cluster, and
# fsync is off because the data is thrown away. PostgreSQL refuses to run as root, so as root the
# server runs as the `postgres` OS user (created if missing); as anyone else it runs as that user.
#
# The functions report errors through their return status (never by exiting), so they behave the
# same whether or not the caller uses `set -e`.

# State of the running cluster; empty when none is running.
HADIR_PG_DIR=${HADIR_PG_DIR:-}       # temporary directory: data/, server.log, the unix socket
HADIR_PG_PORT=${HADIR_PG_PORT:-}     # loopback TCP port
HADIR_PG_BINDIR=${HADIR_PG_BINDIR:-} # where initdb, pg_ctl, createdb and psql are

# Prints a TCP port that is free on 127.0.0.1 right now (the kernel picks it).
hadir_free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Stops a process and everything in its process group (the scripts start long-running children
# with `setsid`, so the group is the child and all it spawned): TERM, up to 10 s of grace, KILL.
hadir_stop_process_group() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

# Prints the directory holding the PostgreSQL server binaries (the one with initdb), or fails.
# Debian keeps them off PATH, under /usr/lib/postgresql/<major>/bin.
hadir_pg_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null) || dir=
    if [[ -n $dir && -x $dir/initdb ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  fi
  # Newest major version first.
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rn); do
    if [[ -x $dir/initdb ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1; then
    dirname -- "$(command -v initdb)"
    return 0
  fi
  return 1
}

# Runs a PostgreSQL binary from HADIR_PG_BINDIR as the cluster's owner. From `/`, so that the
# postgres user never needs access to the caller's working directory.
_hadir_pg_run() {
  local bin=$HADIR_PG_BINDIR/$1
  shift
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$bin" "$@")
  else
    (cd / && "$bin" "$@")
  fi
}

# Initialises and starts the cluster; exports HADIR_TEST_POSTGRES_URL.
hadir_pg_start() {
  local base attempt
  if [[ -n $HADIR_PG_DIR ]]; then
    echo "postgres.sh: a cluster is already running in $HADIR_PG_DIR (port $HADIR_PG_PORT)" >&2
    return 1
  fi
  if ! HADIR_PG_BINDIR=$(hadir_pg_bindir); then
    echo "postgres.sh: no PostgreSQL server binaries (initdb) found;" \
      "install them with: apt-get install postgresql" >&2
    return 1
  fi

  base=${TMPDIR:-/tmp}
  if [[ $EUID -eq 0 ]]; then
    if ! id -u postgres >/dev/null 2>&1; then
      useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres || return 1
    fi
    # The postgres user must be able to reach the directory: root's TMPDIR may be private.
    base=/tmp
  fi
  HADIR_PG_DIR=$(mktemp -d "$base/hadir-pg.XXXXXX") || return 1
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$HADIR_PG_DIR" || return 1
  fi

  if ! _hadir_pg_run initdb -N -A trust -U postgres -E UTF8 --locale=C \
    -D "$HADIR_PG_DIR/data" >"$HADIR_PG_DIR/initdb.log" 2>&1; then
    echo "postgres.sh: initdb failed:" >&2
    cat "$HADIR_PG_DIR/initdb.log" >&2
    return 1
  fi

  # The free port can be taken between picking and binding it; try a few times in that case.
  for attempt in 1 2 3; do
    HADIR_PG_PORT=$(hadir_free_port) || return 1
    if _hadir_pg_run pg_ctl -D "$HADIR_PG_DIR/data" -l "$HADIR_PG_DIR/server.log" -w -t 60 \
      -o "-c port=$HADIR_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$HADIR_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >"$HADIR_PG_DIR/pg_ctl.log" 2>&1; then
      export HADIR_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$HADIR_PG_PORT/postgres"
      echo "postgres: running on 127.0.0.1:$HADIR_PG_PORT (data in $HADIR_PG_DIR)"
      return 0
    fi
    if ((attempt < 3)) && grep -q 'Address already in use' "$HADIR_PG_DIR/server.log" 2>/dev/null; then
      echo "postgres.sh: port $HADIR_PG_PORT was taken meanwhile; trying another" >&2
      continue
    fi
    break
  done
  echo "postgres.sh: PostgreSQL did not start; pg_ctl said:" >&2
  cat "$HADIR_PG_DIR/pg_ctl.log" >&2
  echo "postgres.sh: last lines of the server log:" >&2
  tail -n 40 "$HADIR_PG_DIR/server.log" >&2 2>/dev/null || true
  return 1
}

# Stops the cluster at once (its data is disposable) and deletes its directory. Safe to call when
# nothing runs, twice, or after a failed start.
hadir_pg_stop() {
  local pid
  [[ -n $HADIR_PG_DIR ]] || return 0
  if [[ -f $HADIR_PG_DIR/data/postmaster.pid ]]; then
    if ! _hadir_pg_run pg_ctl -D "$HADIR_PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1; then
      # pg_ctl could not stop it: kill the postmaster named in its pid file, if it still runs.
      pid=$(head -n 1 "$HADIR_PG_DIR/data/postmaster.pid" 2>/dev/null) || pid=
      if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  fi
  rm -rf -- "$HADIR_PG_DIR"
  HADIR_PG_DIR=
  HADIR_PG_PORT=
  unset HADIR_TEST_POSTGRES_URL
  return 0
}
