//go:build chaos

package e2e

// The chaos suite (`make chaos`, not part of `make test`): each case syncs many cards
// through worker processes against the emulator while something an operator dreads
// happens, then checks that every card synced exactly once and none is stuck. Each
// case appends its figures to $HOURSYNC_CHAOS_REPORT (a Markdown table) when set.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
	"hoursync/server"
)

// chaosCards is how many cards each case syncs (HOURSYNC_CHAOS_CARDS, default 900).
func chaosCards() int {
	if n, err := strconv.Atoi(os.Getenv("HOURSYNC_CHAOS_CARDS")); err == nil && n > 0 {
		return n
	}
	return 900
}

// chaosStack is a stack on a Temporal dev server of the case's own (so it can be
// killed), with n worker processes.
type chaosStack struct {
	*stack
	ds      *testutil.DevServer
	bin     string
	workers []*workerProcess
}

func newChaosStack(t *testing.T, workers int) *chaosStack {
	ds := testutil.StartDevServer(t)
	queue := testutil.UniqueName("chaos")
	cs := &chaosStack{stack: newStackOn(t, false, ds.Dial(), queue), ds: ds, bin: buildHoursync(t)}
	for i := 0; i < workers; i++ {
		cs.workers = append(cs.workers, cs.startWorker())
	}
	return cs
}

func (cs *chaosStack) startWorker() *workerProcess {
	return cs.startWorkerProcessWith(cs.bin, "METRICS_ADDR=127.0.0.1:0", "TEMPORAL_ADDRESS="+cs.ds.Addr)
}

// chaosResult is one case's row.
type chaosResult struct {
	name        string
	cards       int
	recovery    time.Duration // from the end of the fault to the last card synced
	total       time.Duration
	duplicates  int
	lost, stuck int
	note        string
}

func report(t *testing.T, r chaosResult) {
	row := fmt.Sprintf("| %s | %d | %.1f s | %.1f s | %d | %d | %d | %s |", r.name, r.cards, r.recovery.Seconds(), r.total.Seconds(),
		r.duplicates, r.lost, r.stuck, r.note)
	t.Log(row)
	if path := os.Getenv("HOURSYNC_CHAOS_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, row)
			f.Close()
		}
	}
	if r.duplicates != 0 || r.lost != 0 || r.stuck != 0 {
		t.Fatalf("%s: %d duplicates, %d lost, %d stuck", r.name, r.duplicates, r.lost, r.stuck)
	}
}

// counts says how the cards stand: synced, still syncing, and QBO's TimeActivities.
func (s *stack) counts(tn tenant, ids []int64) (synced, syncing, inQBO int) {
	for _, id := range ids {
		switch s.state(tn, store.ObjectTimeCard, id).Status {
		case store.StatusSynced:
			synced++
		case store.StatusSyncing:
			syncing++
		}
	}
	return synced, syncing, len(live(s.entities(tn.realm, "TimeActivity")))
}

// waitSynced waits until at least n cards are synced (or the time is up).
func (s *stack) waitSynced(tn tenant, ids []int64, n int, within time.Duration) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		synced := 0
		for _, id := range ids {
			if s.state(tn, store.ObjectTimeCard, id).Status == store.StatusSynced {
				synced++
			}
		}
		if synced >= n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// settle waits until every card synced, or nothing moved for a while, and returns
// the case's figures.
func (s *stack) settle(tn tenant, ids []int64, name string, began, faultEnded time.Time) chaosResult {
	deadline := time.Now().Add(10 * time.Minute)
	last, lastMove := -1, time.Now()
	var synced, syncing, inQBO int
	for time.Now().Before(deadline) {
		synced, syncing, inQBO = s.counts(tn, ids)
		if synced == len(ids) && syncing == 0 {
			break
		}
		if synced != last {
			last, lastMove = synced, time.Now()
		}
		if time.Since(lastMove) > 3*time.Minute {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	return chaosResult{name: name, cards: len(ids), recovery: time.Since(faultEnded), total: time.Since(began),
		duplicates: max(0, inQBO-len(ids)), lost: len(ids) - synced, stuck: syncing}
}

func (cs *chaosStack) prepare(t *testing.T) (tenant, []int64) {
	tn := cs.connect("Essentials")
	cs.importAll(tn)
	_, _, _, ids := cs.newCards(tn, chaosCards())
	return tn, ids
}

func (cs *chaosStack) start(t *testing.T, tn tenant, ids []int64) {
	t.Helper()
	if _, err := cs.starter.SyncTimeCards(context.Background(), tn.account.ID, ids); err != nil {
		t.Fatal(err)
	}
}

func TestChaosTemporalKilledAndRestartedMidSync(t *testing.T) {
	cs := newChaosStack(t, 1)
	tn, ids := cs.prepare(t)
	began := time.Now()
	cs.start(t, tn, ids)
	cs.waitSynced(tn, ids, len(ids)/3, 5*time.Minute)
	cs.ds.Kill()
	time.Sleep(5 * time.Second)
	cs.ds.Start()
	report(t, cs.settle(tn, ids, "Temporal dev server SIGKILLed mid-sync, restarted 5 s later", began, time.Now()))
}

func TestChaosSyncRequestedDuringTemporalOutage(t *testing.T) {
	cs := newChaosStack(t, 1)
	tn, ids := cs.prepare(t)
	cs.ds.Kill()
	began := time.Now()
	_, err := cs.starter.SyncTimeCards(context.Background(), tn.account.ID, ids)
	if err == nil {
		t.Fatal("a sync started with Temporal down")
	}
	if _, syncing, _ := cs.counts(tn, ids); syncing != 0 {
		t.Fatalf("%d cards left syncing by a sync that never started", syncing)
	}
	cs.ds.Start()
	ended := time.Now()
	cs.start(t, tn, ids)
	r := cs.settle(tn, ids, "sync requested during a Temporal outage (refused in "+time.Since(began).Round(time.Second).String()+
		", none left syncing), requested again after it", began, ended)
	report(t, r)
}

func TestChaosPostgresRestartedMidSync(t *testing.T) {
	versions, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(versions) == 0 {
		testutil.Unavailable(t, "no local PostgreSQL cluster to restart")
	}
	cs := newChaosStack(t, 1)
	tn, ids := cs.prepare(t)
	began := time.Now()
	cs.start(t, tn, ids)
	cs.waitSynced(tn, ids, len(ids)/3, 5*time.Minute)
	out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", versions[0].Name(), "main", "restart").CombinedOutput()
	if err != nil {
		t.Fatalf("restart PostgreSQL: %v %s", err, out)
	}
	report(t, cs.settle(tn, ids, "PostgreSQL cluster restarted mid-sync", began, time.Now()))
}

func TestChaosWorkerKilledDuringQBOCallsWithLostResponses(t *testing.T) {
	cs := newChaosStack(t, 2)
	tn, ids := cs.prepare(t)
	// Slow QBO answers, so the kill lands while calls are in flight, and some answers
	// lost after QBO committed the write.
	cs.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "latency", "ms": 700, "ratio": 0.5}, nil)
	cs.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "drop_after_commit", "ratio": 0.2, "count": 10}, nil)
	began := time.Now()
	cs.start(t, tn, ids)
	cs.waitSynced(tn, ids, len(ids)/3, 5*time.Minute)
	cs.workers[0].kill()
	report(t, cs.settle(tn, ids, "two workers, one SIGKILLed during QBO calls; 10 answers lost after commit", began, time.Now()))
}

func TestChaosTokensExpireWhileTwoWorkersRun(t *testing.T) {
	cs := newChaosStack(t, 2)
	tn, ids := cs.prepare(t)
	began := time.Now()
	cs.start(t, tn, ids)
	for i := 1; i <= 3; i++ {
		cs.waitSynced(tn, ids, len(ids)*i/4, 5*time.Minute)
		cs.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "expire_tokens"}, nil)
	}
	r := cs.settle(tn, ids, "access tokens expired 3 times while two workers run", began, time.Now())
	var counters map[string]any
	cs.admin("GET", "/admin/counters", nil, &counters)
	invalid := fmt.Sprint(counters["invalidGrant"])
	r.note = "invalid_grant: " + invalid
	if invalid != "map[]" && invalid != "<nil>" && invalid != "0" && !strings.Contains(invalid, "map[]") {
		t.Errorf("invalid_grant answers: %v", counters["invalidGrant"])
	}
	report(t, r)
}

func TestChaosServerRestartedMidSync(t *testing.T) {
	cs := newChaosStack(t, 1)
	tn, ids := cs.prepare(t)
	token := apiToken(t, cs.store, tn)
	first := newAPIClient(t, apiServer(t, server.Deps{Store: cs.store, Logger: cs.logger, Syncer: cs.starter}), token)
	began := time.Now()
	var started struct {
		WorkflowID  string `json:"workflow_id"`
		SelectionID string `json:"selection_id"`
	}
	first.do("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": ids}, 202, &started)
	cs.waitSynced(tn, ids, len(ids)/3, 5*time.Minute)
	first.srv.Close()
	// A new server process: the sync went on without it, and it answers the progress.
	second := newAPIClient(t, apiServer(t, server.Deps{Store: cs.store, Logger: cs.logger, Syncer: cs.starter}), token)
	r := cs.settle(tn, ids, "server restarted mid-sync (progress asked of the new one)", began, time.Now())
	var prog struct {
		Progress struct {
			Total, Done, Synced, Failed, Skipped int
		} `json:"progress"`
	}
	second.do("GET", "/api/v1/sync/progress?workflow_id="+started.WorkflowID+"&selection_id="+started.SelectionID, nil, 200, &prog)
	if prog.Progress.Total != len(ids) || prog.Progress.Done != len(ids) {
		t.Errorf("progress from the new server: %+v", prog.Progress)
	}
	report(t, r)
}
