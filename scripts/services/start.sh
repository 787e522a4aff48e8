#!/usr/bin/env bash
# Start every server the storage tests and the ingest benchmark talk to, all on
# 127.0.0.1, and write their URLs to an env file that test/helpers/servers.ts
# reads (or that a caller can `source`).
#
#   PostgreSQL 15 and Redis 7: system services; started only when not answering.
#   InfluxDB 1.x, VictoriaMetrics, s3rver: private instances on free loopback
#   ports with their data in a temp folder.
#
# Idempotent: running it again reuses what is already up. Missing Debian
# packages are installed (apt-get). scripts/services/stop.sh stops exactly what
# this script started, as recorded in $TSIOT_SERVICES_DIR/started.
#
# Environment:
#   TSIOT_SERVICES_DIR  state folder (pids, logs, data)      default /tmp/tsiot-services
#   TSIOT_SERVICES_ENV  env file written with the URLs        default $TSIOT_SERVICES_DIR/services.env
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${TSIOT_SERVICES_DIR:-/tmp/tsiot-services}"
ENV_FILE="${TSIOT_SERVICES_ENV:-$STATE/services.env}"
STARTED="$STATE/started"
mkdir -p "$STATE"
touch "$STARTED"

log() { echo "[services] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The first port from $1 upwards that nothing listens on.
free_port() {
  local p="$1"
  while port_open "$p"; do p=$((p + 1)); done
  echo "$p"
}

# wait_for NAME SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
wait_for() {
  local name="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then die "$name did not answer within ${secs}s"; fi
    sleep 0.1
  done
  log "$name is up"
}

record() { grep -qxF "$1" "$STARTED" || echo "$1" >>"$STARTED"; }

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

APT_UPDATED=0
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  if ((APT_UPDATED == 0)); then apt-get update -qq; APT_UPDATED=1; fi
  # policy-rc.d on these machines keeps packages from starting their own daemons;
  # the env var makes sure of it elsewhere too.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_packages postgresql redis-server redis-tools influxdb victoria-metrics curl

# ---------------------------------------------------------------- PostgreSQL
PG_PORT=5432
pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }
if ! pg_ready; then
  ver="$(ls /etc/postgresql | sort -V | tail -1)"
  [[ -n "$ver" ]] || die "no PostgreSQL cluster under /etc/postgresql"
  log "starting PostgreSQL $ver"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  record "postgres $ver"
  wait_for PostgreSQL 30 pg_ready
fi
# The tests connect as postgres over TCP to a database named test.
if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
  hba="$(su postgres -c "psql -Atqc 'show hba_file'")"
  log "allowing trust auth for 127.0.0.1 in $hba (test machine)"
  sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  su postgres -c "psql -Atqc 'select pg_reload_conf()'" >/dev/null
fi
if [[ "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc "select 1 from pg_database where datname = 'test'")" != 1 ]]; then
  log "creating database test"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc 'create database test' >/dev/null
fi

# --------------------------------------------------------------------- Redis
REDIS_PORT=6379
redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }
if ! redis_ready; then
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
  record "redis $REDIS_PORT"
  wait_for Redis 15 redis_ready
fi

# ---------------------------------------------------- private server helpers
# read_state NAME -> "pid port" of a previous run of this script, if still alive.
# A dead one (killed with its session) leaves a state file and data folder: remove them.
read_state() {
  local f="$STATE/$1.state"
  [[ -f "$f" ]] || return 1
  local pid port dir
  read -r pid port dir <"$f"
  if ! pid_alive "$pid"; then
    [[ -n "${dir:-}" && "$dir" == "$STATE"/* ]] && rm -rf "$dir"
    rm -f "$f"
    return 1
  fi
  echo "$pid $port"
}

# ------------------------------------------------------------------ InfluxDB
influx_ping() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$1/ping"; }
if st="$(read_state influxdb)" && influx_ping "${st#* }"; then
  INFLUX_PORT="${st#* }"
  log "InfluxDB already running on 127.0.0.1:$INFLUX_PORT"
else
  INFLUX_PORT="$(free_port 18086)"
  INFLUX_RPC_PORT="$(free_port $((INFLUX_PORT + 1)))"
  dir="$(mktemp -d "$STATE/influxdb.XXXXXX")"
  cat >"$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$INFLUX_RPC_PORT"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$INFLUX_PORT"
  log-enabled = false
  max-body-size = 0
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
CONF
  log "starting InfluxDB on 127.0.0.1:$INFLUX_PORT (data in $dir)"
  nohup influxd -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
  echo "$! $INFLUX_PORT $dir" >"$STATE/influxdb.state"
  record "influxdb"
  wait_for InfluxDB 30 influx_ping "$INFLUX_PORT"
fi

# ----------------------------------------------------------- VictoriaMetrics
vm_health() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$1/health"; }
if st="$(read_state victoria-metrics)" && vm_health "${st#* }"; then
  VM_PORT="${st#* }"
  log "VictoriaMetrics already running on 127.0.0.1:$VM_PORT"
else
  VM_PORT="$(free_port 18428)"
  dir="$(mktemp -d "$STATE/victoria-metrics.XXXXXX")"
  log "starting VictoriaMetrics on 127.0.0.1:$VM_PORT (data in $dir)"
  # A long retention so test data with old timestamps is kept; no dedup so
  # every written sample reads back.
  nohup victoria-metrics -httpListenAddr="127.0.0.1:$VM_PORT" -storageDataPath="$dir/data" \
    -retentionPeriod=100y -loggerLevel=ERROR -search.latencyOffset=0s \
    >"$dir/victoria-metrics.log" 2>&1 &
  echo "$! $VM_PORT $dir" >"$STATE/victoria-metrics.state"
  record "victoria-metrics"
  wait_for VictoriaMetrics 30 vm_health "$VM_PORT"
fi

# -------------------------------------------------------------------- s3rver
S3_BUCKET=tsiot-test
s3_up() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; }
if st="$(read_state s3rver)" && s3_up "${st#* }"; then
  S3_PORT="${st#* }"
  log "s3rver already running on 127.0.0.1:$S3_PORT"
else
  S3_PORT="$(free_port 14568)"
  dir="$(mktemp -d "$STATE/s3rver.XXXXXX")"
  [[ -f "$ROOT/node_modules/s3rver/bin/s3rver.js" ]] || die "s3rver is not installed: run npm ci in $ROOT"
  log "starting s3rver on 127.0.0.1:$S3_PORT (data in $dir)"
  mkdir -p "$dir/data"
  nohup node "$ROOT/node_modules/s3rver/bin/s3rver.js" --directory "$dir/data" --address 127.0.0.1 \
    --port "$S3_PORT" --silent --no-vhost-buckets --configure-bucket "$S3_BUCKET" \
    >"$dir/s3rver.log" 2>&1 &
  echo "$! $S3_PORT $dir" >"$STATE/s3rver.state"
  record "s3rver"
  wait_for s3rver 30 s3_up "$S3_PORT"
fi

# ------------------------------------------------------------------ env file
mkdir -p "$(dirname "$ENV_FILE")"
cat >"$ENV_FILE" <<ENV
TSIOT_TEST_PG_URL=postgres://postgres@127.0.0.1:$PG_PORT/test
TSIOT_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
TSIOT_TEST_INFLUX_URL=influxdb://127.0.0.1:$INFLUX_PORT/tsiot_test
TSIOT_TEST_VM_URL=influxdb2://127.0.0.1:$VM_PORT/tsiot_test?org=tsiot&reader=victoriametrics
TSIOT_TEST_S3_URL=s3://S3RVER:S3RVER@$S3_BUCKET/tsiot?endpoint=http%3A%2F%2F127.0.0.1%3A$S3_PORT&region=us-east-1
ENV
log "URLs written to $ENV_FILE"
