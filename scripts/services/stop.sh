#!/usr/bin/env bash
# Stop exactly what scripts/services/start.sh started (as recorded in
# $TSIOT_SERVICES_DIR/started) and remove the private servers' temp data.
# Servers that were already running before start.sh are left alone.
set -uo pipefail

STATE="${TSIOT_SERVICES_DIR:-/tmp/tsiot-services}"
STARTED="$STATE/started"
log() { echo "[services] $*" >&2; }

[[ -f "$STARTED" ]] || { log "nothing recorded in $STATE; nothing to stop"; exit 0; }

# stop_private NAME: stop the process recorded in NAME.state and delete its data folder.
stop_private() {
  local f="$STATE/$1.state" pid port dir
  [[ -f "$f" ]] || return 0
  read -r pid port dir <"$f"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid, port $port)"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  [[ -n "${dir:-}" && "$dir" == "$STATE"/* ]] && rm -rf "$dir"
  rm -f "$f"
}

while read -r name arg; do
  case "$name" in
    influxdb | victoria-metrics | s3rver) stop_private "$name" ;;
    redis)
      log "stopping Redis on 127.0.0.1:$arg"
      redis-cli -h 127.0.0.1 -p "$arg" shutdown nosave >/dev/null 2>&1 || true
      ;;
    postgres)
      log "stopping PostgreSQL $arg"
      pg_ctlcluster --skip-systemctl-redirect "$arg" main stop || true
      ;;
  esac
done <"$STARTED"
rm -f "$STARTED"
log "stopped what start.sh started"
