#!/usr/bin/env bash
# make dev: everything Hoursync needs locally, on a fresh machine, in one command.
# Starts the Temporal dev server (UI on :8233), the QBO emulator with demo companies,
# migrates the database, runs worker and server, prints the URLs, stops all on Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

STATE="$ROOT/.state"
mkdir -p "$STATE"
export HOURSYNC_ENV="${HOURSYNC_ENV:-dev}"
HTTP_ADDR="${HTTP_ADDR:-127.0.0.1:8080}"
TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
QBO_ADDR="${QBO_ADDR:-127.0.0.1:8090}"
UI_PORT="${TEMPORAL_UI_PORT:-8233}"
export HTTP_ADDR TEMPORAL_ADDRESS

install_tools
log "building hoursync and qbo-emulator"
go build -o "$BIN/hoursync" ./cmd/hoursync
go build -o "$BIN/qbo-emulator" ./cmd/qbo-emulator

pids=()
stop_all() {
  trap - INT TERM EXIT
  log "stopping"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

for port in "${HTTP_ADDR##*:}" "${QBO_ADDR##*:}"; do
  if ! port_free "$port"; then echo "port $port is already in use: is another 'make dev' running?" >&2; exit 1; fi
done

tport="${TEMPORAL_ADDRESS##*:}"
if port_free "$tport"; then
  log "starting Temporal dev server on $TEMPORAL_ADDRESS (UI :$UI_PORT)"
  start_temporal "$STATE/temporal.db" "$tport" "$UI_PORT" "$STATE/temporal.log"
  pids+=("$TEMPORAL_PID")
else
  log "Temporal already answers on $TEMPORAL_ADDRESS; using it"
fi

log "starting QBO emulator on $QBO_ADDR"
verifier="${QBO_WEBHOOK_VERIFIER:-hoursync-dev-webhook-verifier}"
"$BIN/qbo-emulator" -addr "$QBO_ADDR" -state "$STATE/qbo-emulator.json" -seed-demo \
  -webhook-url "http://$HTTP_ADDR/webhooks/qbo" -webhook-verifier "$verifier" >"$STATE/qbo-emulator.log" 2>&1 &
pids+=("$!")
wait_port "${QBO_ADDR##*:}" 30 || { echo "QBO emulator did not start; see .state/qbo-emulator.log" >&2; exit 1; }

log "migrating and starting worker + server"
"$BIN/hoursync" dev 2>&1 | tee "$STATE/hoursync.log" &
pids+=("$!")
wait_port "${HTTP_ADDR##*:}" 60 || { echo "server did not start; see .state/hoursync.log" >&2; exit 1; }

cat <<MSG

  Hoursync        http://$HTTP_ADDR        (demo login: dana@demo-design.example / hoursync-demo)
  Temporal UI     http://127.0.0.1:$UI_PORT
  QBO emulator    http://$QBO_ADDR/admin/companies
  Worker metrics  http://${METRICS_ADDR:-127.0.0.1:9091}/metrics

  Ctrl-C stops everything. State lives in .state/ (make clean removes it).

MSG
wait -n "${pids[@]}" || true
