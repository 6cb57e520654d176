package e2e

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// workerProcess runs `hoursync worker` as its own process against the stack, so the
// test can SIGKILL it mid-sync like a crashed machine.
type workerProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // how it exited, once exited is closed
}

func buildHoursync(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(t.TempDir(), "hoursync")
	build := exec.Command("go", "build", "-o", bin, "./cmd/hoursync")
	build.Dir = filepath.Join(filepath.Dir(file), "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build hoursync: %v\n%s", err, out)
	}
	return bin
}

func (s *stack) startWorkerProcess(bin string) *workerProcess {
	return s.startWorkerProcessWith(bin, "METRICS_ADDR=127.0.0.1:0")
}

// startWorkerProcessWith starts a worker with extra environment; "NAME=" unsets NAME.
func (s *stack) startWorkerProcessWith(bin string, extra ...string) *workerProcess {
	s.t.Helper()
	cmd := exec.Command(bin, "worker")
	env := append(os.Environ(),
		"HOURSYNC_ENV=test",
		"DATABASE_URL="+testutil.DatabaseURL(s.t),
		"TEMPORAL_TASK_QUEUE="+s.queue,
		"QBO_API_BASE_URL="+s.emuURL,
		"INTUIT_AUTHORIZE_URL="+s.emuURL+"/connect/oauth2",
		"INTUIT_TOKEN_URL="+s.emuURL+"/oauth2/v1/tokens/bearer",
		"INTUIT_REVOKE_URL="+s.emuURL+"/v2/oauth2/tokens/revoke",
		"INTUIT_USERINFO_URL="+s.emuURL+"/v1/openid_connect/userinfo",
		"INTUIT_JWKS_URL="+s.emuURL+"/op/v1/jwks",
		"INTUIT_ISSUER="+s.emuURL+"/op/v1",
		"INTUIT_CLIENT_ID=hoursync-test",
		"INTUIT_CLIENT_SECRET=hoursync-test-secret",
		"QBO_WEBHOOK_VERIFIER=test-verifier",
		"TOKEN_ENCRYPTION_KEYS=t1:"+base64.StdEncoding.EncodeToString(testKeys[0].Key),
		"QBO_RATE_LIMITS=500/2s,10,40/2s",
		"LOG_LEVEL=warn",
	)
	if !slices.ContainsFunc(extra, func(e string) bool { return strings.HasPrefix(e, "TEMPORAL_ADDRESS=") }) {
		env = append(env, "TEMPORAL_ADDRESS="+testutil.TemporalAddress(s.t))
	}
	for _, e := range extra {
		name, value, _ := strings.Cut(e, "=")
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
		if value != "" {
			env = append(env, e)
		}
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	w := &workerProcess{cmd: cmd, exited: make(chan struct{})}
	go func() { w.err = cmd.Wait(); close(w.exited) }()
	s.t.Cleanup(func() { w.kill() })
	return w
}

func (w *workerProcess) kill() {
	if w.cmd.Process != nil {
		_ = w.cmd.Process.Signal(syscall.SIGKILL)
		<-w.exited
	}
}

// running reports whether the process is still alive.
func (w *workerProcess) running() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

func (s *stack) countSynced(tn tenant, ids []int64) int {
	n := 0
	for _, id := range ids {
		if s.state(tn, store.ObjectTimeCard, id).Status == store.StatusSynced {
			n++
		}
	}
	return n
}

// TestThreeHundredCardsSurviveAKilledWorkerAndLostResponsesExactlyOnce syncs 300 cards
// while the emulator drops some responses after committing the write, SIGKILLs the
// worker process mid-run and starts a new one: afterwards QBO holds exactly 300
// TimeActivities, every card is synced, none twice.
func TestThreeHundredCardsSurviveAKilledWorkerAndLostResponsesExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	s := newStackWith(t, false)
	bin := buildHoursync(t)
	w := s.startWorkerProcess(bin)
	tn := s.connect("Essentials")
	s.importAll(tn)
	_, _, _, ids := s.newCards(tn, 300)
	s.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "drop_after_commit", "ratio": 0.3, "count": 4}, nil)
	st, err := s.starter.SyncTimeCards(context.Background(), tn.account.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	// Kill the worker once some, but not all, cards are through.
	deadline := time.Now().Add(2 * time.Minute)
	for s.countSynced(tn, ids) < 30 {
		if time.Now().After(deadline) {
			t.Fatalf("no progress before the kill (workflow %s)", st.WorkflowID)
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.kill()
	synced := s.countSynced(tn, ids)
	if synced == len(ids) {
		t.Fatalf("all cards synced before the kill; the test proves nothing")
	}
	t.Logf("killed the worker with %d of %d cards synced", synced, len(ids))
	s.startWorkerProcess(bin)
	s.waitCards(tn, ids, st.WorkflowID)
	if n := s.countSynced(tn, ids); n != len(ids) {
		t.Fatalf("synced cards = %d, want %d", n, len(ids))
	}
	tas := live(s.entities(tn.realm, "TimeActivity"))
	if len(tas) != len(ids) {
		t.Fatalf("TimeActivities in QBO = %d, want exactly %d", len(tas), len(ids))
	}
	seen := map[string]bool{}
	ctx := context.Background()
	for _, id := range ids {
		link, err := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectTimeCard, id)
		if err != nil {
			t.Fatal(err)
		}
		if seen[link.QBOID] {
			t.Fatalf("two cards linked to TimeActivity %s", link.QBOID)
		}
		seen[link.QBOID] = true
	}
	var counters map[string]any
	s.admin("GET", "/admin/counters?realmId="+tn.realm, nil, &counters)
	t.Logf("emulator counters: %v", counters)
}
