#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the replica tests and benchmarks.
#   scripts/pg_throwaway.sh start DIR [PORT]   prints the store URL on its last line
#   scripts/pg_throwaway.sh stop DIR
# Uses Debian's server binaries (/usr/lib/postgresql/<version>/bin); as root, the cluster
# runs as the `postgres` user (initdb refuses root). Trust authentication, loopback only.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?cluster folder}; port=${3:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U eventgraph -A trust --no-sync -E UTF8 >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U eventgraph -d postgres -qtAc \
      "SELECT 1 FROM pg_database WHERE datname='eventgraph'" | grep -q 1 \
      || as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U eventgraph eventgraph
    echo "postgres://eventgraph@127.0.0.1:$port/eventgraph"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
