#!/usr/bin/env bash
# make chaos: outages an operator dreads, mid-sync, each case ending with every card
# synced exactly once and none stuck. Every case starts its own Temporal dev server
# (so it can kill it) and worker processes; one case restarts the local PostgreSQL
# cluster, so nothing else should be using it meanwhile. Figures go to
# test-artifacts/chaos.md (docs/RELIABILITY.md keeps a run's).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
install_tools
mkdir -p test-artifacts
report="$ROOT/test-artifacts/chaos.md"
{
  echo "| case | cards | recovery | total | duplicates | lost | stuck | note |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$report"
export HOURSYNC_TEST_TEMPORAL_CLI="$BIN/temporal" HOURSYNC_CHAOS_REPORT="$report"
set +e
CI=true go test -tags chaos -run "${CHAOS_RUN:-TestChaos}" -count=1 -p 1 -timeout 90m -v ./e2e/ >test-artifacts/chaos.log 2>&1
status=$?
set -e
grep -E '^(=== RUN|--- |\s+chaos_test.go|PASS|FAIL|ok)' test-artifacts/chaos.log || true
cat "$report"
exit $status
