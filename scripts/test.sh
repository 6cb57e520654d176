#!/usr/bin/env bash
# make test: static checks, then the whole suite against real PostgreSQL, one Temporal
# dev server for the run (free ports, so it never clashes with `make dev`) and Chromium.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

install_tools
if [ -n "${CI:-}" ]; then install_chromium; install_promtool; fi

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*'))
if [ -n "$unformatted" ]; then echo "gofmt needed on:"; echo "$unformatted"; exit 1; fi
log "go vet"
go vet ./...
log "staticcheck"
"$BIN/staticcheck" ./...
log "workflowcheck"
"$BIN/workflowcheck" ./workflows/...

work=$(mktemp -d)
cleanup() {
  if [ -n "${TEMPORAL_PID:-}" ]; then kill "$TEMPORAL_PID" 2>/dev/null || true; wait "$TEMPORAL_PID" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port=$(free_port)
log "starting Temporal dev server on 127.0.0.1:$port for this run"
start_temporal "$work/temporal.db" "$port" headless "$work/temporal.log"
export HOURSYNC_TEST_TEMPORAL_ADDRESS="127.0.0.1:$port"
export HOURSYNC_TEST_TEMPORAL_CLI="$BIN/temporal"
export HOURSYNC_TEST_ARTIFACTS="${HOURSYNC_TEST_ARTIFACTS:-$ROOT/test-artifacts}"

# Unit and package integration tests in parallel; end-to-end and browser packages
# (they start workers and browsers) one at a time with explicit time limits.
serial='hoursync/e2e|hoursync/server/browser'
mapfile -t all < <(go list ./...)
unit=(); e2e=()
for p in "${all[@]}"; do
  if [[ "$p" =~ ^($serial)(/|$) ]]; then e2e+=("$p"); else unit+=("$p"); fi
done
log "unit and integration tests"
go test -count=1 -timeout 10m "${unit[@]}"
if [ ${#e2e[@]} -gt 0 ]; then
  log "end-to-end and browser tests"
  go test -count=1 -p 1 -timeout 15m "${e2e[@]}"
fi
