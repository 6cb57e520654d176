# Shared shell helpers for the Makefile's scripts. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/bin"
TEMPORAL_VERSION=v1.5.1
STATICCHECK_VERSION=v0.8.2
WORKFLOWCHECK_VERSION=v0.6.0
SEARCH_ATTRIBUTES=(--search-attribute HoursyncAccount=Keyword --search-attribute QBORealm=Keyword --search-attribute SyncKind=Keyword --search-attribute SyncFailed=Int)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: a port nothing listens on, picked at random so parallel runs rarely clash.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % 20000) + 30000 ))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}

# wait_port PORT SECONDS: wait until something listens on 127.0.0.1:PORT.
wait_port() {
  local i
  for i in $(seq 1 $(( $2 * 5 ))); do
    if ! port_free "$1"; then return 0; fi
    sleep 0.2
  done
  return 1
}

# install_tools: the pinned tools the Makefile needs, into the project's bin/.
install_tools() {
  mkdir -p "$BIN"
  if [ ! -x "$BIN/temporal" ]; then
    log "installing Temporal CLI $TEMPORAL_VERSION into bin/ (first time only, a few minutes)"
    GOBIN="$BIN" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_VERSION"
  fi
  if [ ! -x "$BIN/staticcheck" ]; then
    log "installing staticcheck $STATICCHECK_VERSION"
    GOBIN="$BIN" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
  fi
  if [ ! -x "$BIN/workflowcheck" ]; then
    log "installing workflowcheck $WORKFLOWCHECK_VERSION"
    GOBIN="$BIN" go install "go.temporal.io/sdk/contrib/tools/workflowcheck@$WORKFLOWCHECK_VERSION"
  fi
}

# install_chromium: Debian's chromium for browser tests.
install_chromium() {
  if command -v chromium >/dev/null 2>&1; then return 0; fi
  log "installing Debian chromium for browser tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
}

# install_promtool: Prometheus's promtool (Debian's prometheus package) to check the
# alert rules in deploy/.
install_promtool() {
  if command -v promtool >/dev/null 2>&1; then return 0; fi
  log "installing Debian prometheus (for promtool) to check deploy/'s alert rules"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
}

# start_temporal DBFILE PORT UIPORT [LOGFILE]: a Temporal dev server in the background;
# sets TEMPORAL_PID. Its HTTP and metrics ports are picked free; a start that fails
# (a port taken in between, say) is retried with fresh ones.
start_temporal() {
  local dbfile=$1 port=$2 uiport=$3 logfile=${4:-/dev/null}
  local ui=(--ui-port "$uiport")
  [ "$uiport" = "headless" ] && ui=(--headless)
  local attempt i
  for attempt in 1 2 3; do
    "$BIN/temporal" server start-dev --ip 127.0.0.1 --port "$port" "${ui[@]}" \
      --http-port "$(free_port)" --metrics-port "$(free_port)" \
      --db-filename "$dbfile" "${SEARCH_ATTRIBUTES[@]}" --log-level warn >"$logfile" 2>&1 &
    TEMPORAL_PID=$!
    for i in $(seq 1 150); do
      if "$BIN/temporal" operator cluster health --address "127.0.0.1:$port" >/dev/null 2>&1; then
        # Search attributes are registered at start; a re-used database may predate them.
        "$BIN/temporal" operator search-attribute create --address "127.0.0.1:$port" \
          --name HoursyncAccount --type Keyword --name QBORealm --type Keyword --name SyncKind --type Keyword --name SyncFailed --type Int >/dev/null 2>&1 || true
        return 0
      fi
      if ! kill -0 "$TEMPORAL_PID" 2>/dev/null; then break; fi
      sleep 0.2
    done
    kill "$TEMPORAL_PID" 2>/dev/null || true
    wait "$TEMPORAL_PID" 2>/dev/null || true
    echo "Temporal dev server did not start on :$port (attempt $attempt); its log ends:" >&2
    tail -n 20 "$logfile" >&2 2>/dev/null || true
  done
  return 1
}
