package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/internal/testutil"
	"hoursync/workflows"
)

// The QBO-speed scenarios (issue 17): a sync against the emulator with QBO's latency,
// each against its bound or a plain loop making the same QBO calls, measured in the
// same run.
//
//	p1       10,000 cards to one realm with QBO's limits (windows shortened by
//	         -time-scale) vs the mixed bound 40 × 30 + 460 = 1,660 writes a minute
//	p2       1,000 cards with limits off vs a plain loop making the same QBO calls
//	         with the same concurrency
//	p4       importing 10,000 customers and 1,000 services vs a plain loop paging the
//	         same queries
//	p5       10 realms at once vs 10 × one realm alone
//	latency  a 5-card sync: from the click until QBO has the 5 TimeActivities

// qboLatency is what every request of the emulator takes (a batch: per item).
const qboLatency = 150 * time.Millisecond

// mixedBoundPerMinute is QBO's bound on object writes a minute per realm: 40 batch
// calls of 30, and the other 460 of the 500 requests as single writes.
const mixedBoundPerMinute = 40*30 + 460

// speedRun is what every QBO-speed scenario shares: binaries, database, Temporal.
type speedRun struct {
	bin      string
	dbURL    string
	store    *store.Store
	temporal *proc
	addr     string
	tc       client.Client
	scale    float64
}

func newSpeedRun(ctx context.Context, root string, scale float64) (*speedRun, func(), error) {
	bin, err := buildBinaries(root)
	if err != nil {
		return nil, nil, err
	}
	dbURL, db, drop, err := benchDatabase(ctx)
	if err != nil {
		os.RemoveAll(bin)
		return nil, nil, err
	}
	// Temporal's dev server keeps its SQLite in memory here: in a file, syncing every
	// history write to disk, it was what ten syncs at once waited on (activities took
	// 200 ms on average to start, against 50 ms in memory), and no production cluster
	// stores histories that way. BENCH_TEMPORAL_FILE=1 measures with the file.
	addr, temporal, err := temporalDevServer(root, os.Getenv("BENCH_TEMPORAL_FILE") == "")
	if err != nil {
		db.Close()
		drop()
		os.RemoveAll(bin)
		return nil, nil, err
	}
	tc, err := client.Dial(client.Options{HostPort: addr, Logger: quietLogger{}})
	if err != nil {
		temporal.stop()
		db.Close()
		drop()
		os.RemoveAll(bin)
		return nil, nil, err
	}
	r := &speedRun{bin: bin, dbURL: dbURL, store: store.New(db), temporal: temporal, addr: addr, tc: tc, scale: scale}
	return r, func() { tc.Close(); temporal.stop(); db.Close(); drop(); os.RemoveAll(bin) }, nil
}

// backends lists the PostgreSQL backends serving the run's database.
func (r *speedRun) backends() []int {
	var pids []int
	_ = r.store.DB().Select(&pids, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	return pids
}

// stack is one scenario's emulator and worker, on a task queue of its own.
type stack struct {
	*side
	worker *proc
}

func (r *speedRun) stack(name string, limits bool, scale float64, rateLimits string) (*stack, func(), error) {
	emu, err := startEmulator(r.bin, limits, scale, qboLatency)
	if err != nil {
		return nil, nil, err
	}
	queue := "bench-" + name + "-" + testutil.RandomHex(3)
	w, err := startWorker(r.bin, workerEnv(r.dbURL, r.addr, queue, emu.url, rateLimits))
	if err != nil {
		emu.stop()
		return nil, nil, err
	}
	s, err := newSide(emu, r.store, r.tc, queue)
	if err != nil {
		w.stop()
		emu.stop()
		return nil, nil, err
	}
	return &stack{side: s, worker: w}, func() { w.stop(); emu.stop() }, nil
}

// window is the emulator's throttle window at the run's time scale.
func (r *speedRun) window(scale float64) time.Duration {
	return time.Duration(float64(time.Minute) / scale)
}

// limitsAt is QBO_RATE_LIMITS for the worker at a time scale.
func limitsAt(w time.Duration) string { return fmt.Sprintf("500/%s,10,40/%s", w, w) }

// noLimits is QBO_RATE_LIMITS that never holds a request back.
const noLimits = "1000000/1m,100000,1000000/1m"

// readyTenants sets up n tenants (customers and services in QBO, imported, so every
// card's dependencies are linked) with cards each.
func (st *stack) readyTenants(ctx context.Context, tc client.Client, n, customers, services, cards int) ([]tenant, [][]int64, error) {
	tns, ids := make([]tenant, n), make([][]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tns[i], errs[i] = st.newTenant(ctx, customers, services); errs[i] != nil {
				return
			}
			if _, errs[i] = st.importAll(ctx, tc, tns[i]); errs[i] != nil {
				return
			}
			ids[i], errs[i] = st.newCards(ctx, tns[i], cards)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return tns, ids, nil
}

// syncAll starts every tenant's sync at once and waits for all of them.
func (st *stack) syncAll(ctx context.Context, tns []tenant, ids [][]int64, within time.Duration) (time.Duration, error) {
	began := time.Now()
	errs := make([]error, len(tns))
	var wg sync.WaitGroup
	accounts, total := make([]int64, len(tns)), 0
	for i, tn := range tns {
		accounts[i], total = tn.account.ID, total+len(ids[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.starter.SyncTimeCards(ctx, tn.account.ID, ids[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	synced, err := st.waitSynced(ctx, accounts, within)
	if err == nil && synced != total {
		err = fmt.Errorf("%d of %d cards synced", synced, total)
	}
	if err != nil {
		return 0, err
	}
	// Until the last card was stored (not until the watcher next looked).
	var last time.Time
	if err := st.store.DB().GetContext(ctx, &last, `SELECT max(last_synced_at) FROM sync_states WHERE account_id = ANY($1)
		AND object_type = 'time_card'`, pq.Array(accounts)); err != nil {
		return 0, err
	}
	return last.Sub(began), nil
}

func accountsOf(tns []tenant) []int64 {
	out := make([]int64, len(tns))
	for i, tn := range tns {
		out[i] = tn.account.ID
	}
	return out
}

// steadyRate is the tenant's cards synced a minute over the whole throttle windows
// after the first (whose budget was full at the start), from each card's last sync.
func (st *stack) steadyRate(ctx context.Context, tn tenant, began time.Time, window time.Duration) (perMinute float64, windows int, err error) {
	var at []time.Time
	if err := st.store.DB().SelectContext(ctx, &at, `SELECT last_synced_at FROM sync_states WHERE account_id = $1
		AND object_type = 'time_card' AND status = 'synced' ORDER BY last_synced_at`, tn.account.ID); err != nil {
		return 0, 0, err
	}
	if len(at) == 0 {
		return 0, 0, nil
	}
	from := began.Add(window)
	windows = int(at[len(at)-1].Sub(from) / window)
	if windows < 1 {
		return float64(len(at)) / at[len(at)-1].Sub(began).Minutes(), 0, nil
	}
	to := from.Add(time.Duration(windows) * window)
	n := 0
	for _, t := range at {
		if t.After(from) && !t.After(to) {
			n++
		}
	}
	return float64(n) / to.Sub(from).Minutes(), windows, nil
}

func (r *speedRun) p1(ctx context.Context, cards int) ([]string, error) {
	w := r.window(r.scale)
	st, stop, err := r.stack("p1", true, r.scale, limitsAt(w))
	if err != nil {
		return nil, err
	}
	defer stop()
	tns, ids, err := st.readyTenants(ctx, r.tc, 1, 50, 10, cards)
	if err != nil {
		return nil, err
	}
	u := measure(r.backends, st.worker, st.emu.proc, r.temporal)
	began := time.Now()
	elapsed, err := st.syncAll(ctx, tns, ids, 30*time.Minute)
	if err != nil {
		return nil, err
	}
	cpu := u.report()
	b, err := st.check(ctx, tns[0], ids[0])
	if err != nil {
		return nil, err
	}
	steady, windows, err := st.steadyRate(ctx, tns[0], began, w)
	if err != nil {
		return nil, err
	}
	bound := mixedBoundPerMinute * r.scale
	whole := float64(cards) / elapsed.Minutes()
	return []string{fmt.Sprintf("| P1: %d cards to one realm, limits on, time scale %g (goal ≥ 0.9) | %.0f writes/min over %d whole windows after the first (%.0f/min over the whole %.1f s; %d batch calls, %d single writes) | %.0f/min (40 × 30 + 460, × %g) | **%.2f** |",
		cards, r.scale, steady, windows, whole, elapsed.Seconds(), b.batches, b.singles, bound, r.scale, steady/bound),
		fmt.Sprintf("|  ↳ P1 books | %d × 429, %d duplicates, %d lost | all 0 | %s |", b.throttled, b.duplicates, b.lost, cpu)}, nil
}

func (r *speedRun) p2(ctx context.Context, cards int) ([]string, error) {
	st, stop, err := r.stack("p2", false, 1, noLimits)
	if err != nil {
		return nil, err
	}
	defer stop()
	tns, ids, err := st.readyTenants(ctx, r.tc, 2, 50, 10, cards)
	if err != nil {
		return nil, err
	}
	lanes, err := st.plainLoop(ctx, tns[1], cards)
	if err != nil {
		return nil, err
	}
	u := measure(r.backends, st.worker, st.emu.proc, r.temporal)
	elapsed, err := st.syncAll(ctx, tns[:1], ids[:1], 10*time.Minute)
	if err != nil {
		return nil, err
	}
	cpu := u.report()
	b, err := st.check(ctx, tns[0], ids[0])
	if err != nil {
		return nil, err
	}
	return []string{fmt.Sprintf("| P2: %d cards, limits off (goal ≥ 0.75) | %.1f s through Temporal (%d batch calls, %d single writes; %d × 429, %d duplicates, %d lost) | %.1f s plain loop, the same calls in the same lanes | **%.2f** |",
		cards, elapsed.Seconds(), b.batches, b.singles, b.throttled, b.duplicates, b.lost, lanes.Seconds(), lanes.Seconds()/elapsed.Seconds()),
		fmt.Sprintf("|  ↳ P2 CPU | %s | | |", cpu)}, nil
}

func (r *speedRun) p4(ctx context.Context, customers, services int) ([]string, error) {
	st, stop, err := r.stack("p4", false, 1, noLimits)
	if err != nil {
		return nil, err
	}
	defer stop()
	tn, err := st.newTenant(ctx, customers, services)
	if err != nil {
		return nil, err
	}
	want := struct{ Customers, Services int }{len(st.entityList(tn.realm, "Customer")), 0}
	for _, it := range st.entityList(tn.realm, "Item") {
		if it["Type"] == "Service" {
			want.Services++
		}
	}
	loop, queries, err := st.plainPaging(ctx, tn)
	if err != nil {
		return nil, err
	}
	u := measure(r.backends, st.worker, st.emu.proc, r.temporal)
	elapsed, err := st.importAll(ctx, r.tc, tn)
	if err != nil {
		return nil, err
	}
	cpu := u.report()
	var got struct{ Customers, Services int }
	if err := st.store.DB().GetContext(ctx, &got, `SELECT (SELECT count(*) FROM customers WHERE account_id = $1) AS customers,
		(SELECT count(*) FROM services WHERE account_id = $1) AS services`, tn.account.ID); err != nil {
		return nil, err
	}
	if got != want {
		return nil, fmt.Errorf("imported %d customers and %d services, QBO has %d and %d", got.Customers, got.Services, want.Customers, want.Services)
	}
	return []string{fmt.Sprintf("| P4: import %d customers + %d services (goal ≥ 0.8) | %.2f s (Import workflow, every row stored) | %.2f s plain loop paging the same %d queries one after another | **%.2f** |",
		customers, services, elapsed.Seconds(), loop.Seconds(), queries, loop.Seconds()/elapsed.Seconds()),
		fmt.Sprintf("|  ↳ P4 CPU | %s | | |", cpu)}, nil
}

func (r *speedRun) p5(ctx context.Context, realms, cards int) ([]string, error) {
	w := r.window(r.scale)
	st, stop, err := r.stack("p5", true, r.scale, limitsAt(w))
	if err != nil {
		return nil, err
	}
	defer stop()
	tns, ids, err := st.readyTenants(ctx, r.tc, realms+1, 50, 10, cards)
	if err != nil {
		return nil, err
	}
	u1 := measure(r.backends, st.worker, st.emu.proc, r.temporal)
	one, err := st.syncAll(ctx, tns[:1], ids[:1], 30*time.Minute)
	if err != nil {
		return nil, err
	}
	cpu1 := u1.report()
	u := measure(r.backends, st.worker, st.emu.proc, r.temporal)
	clicked := time.Now()
	all, err := st.syncAll(ctx, tns[1:], ids[1:], 30*time.Minute)
	if err != nil {
		return nil, err
	}
	cpu := u.report()
	// How long after the clicks each realm's first card reached QBO (the one alone:
	// firstOne), to tell a slower sync from a later start.
	var first []float64
	if err := st.store.DB().SelectContext(ctx, &first, `SELECT extract(epoch FROM min(last_synced_at) - $2)::float8
		FROM sync_states WHERE account_id = ANY($1) AND object_type = 'time_card' GROUP BY account_id ORDER BY 1`,
		pq.Array(accountsOf(tns[1:])), clicked); err != nil {
		return nil, err
	}
	var bad books
	for i, tn := range tns {
		b, err := st.check(ctx, tn, ids[i])
		if err != nil {
			return nil, err
		}
		bad.throttled, bad.duplicates, bad.lost = bad.throttled+b.throttled, bad.duplicates+b.duplicates, bad.lost+b.lost
	}
	var per []float64
	if err := st.store.DB().SelectContext(ctx, &per, `SELECT extract(epoch FROM max(last_synced_at) - min(last_synced_at))::float8
		FROM sync_states WHERE account_id = ANY($1) AND object_type = 'time_card' GROUP BY account_id ORDER BY 1`, pq.Array(accountsOf(tns[1:]))); err != nil {
		return nil, err
	}
	oneWaits, err := historyWaits(ctx, r.tc, workflows.TimeCardSyncID(tns[0].account.ID))
	if err != nil {
		return nil, err
	}
	manyWaits, err := historyWaits(ctx, r.tc, workflows.TimeCardSyncID(tns[len(tns)-1].account.ID))
	if err != nil {
		return nil, err
	}
	rate1 := float64(cards) / one.Seconds()
	rateN := float64(realms*cards) / all.Seconds()
	return []string{fmt.Sprintf("| P5: %d realms at once, %d cards each, limits on, time scale %g (goal ≥ 0.9) | %.0f cards/s (%.1f s, each realm's first to last card %.1f–%.1f s, its first card %.1f–%.1f s after the clicks; %d × 429, %d duplicates, %d lost) | %d × %.0f cards/s (one realm alone, %.1f s) | **%.2f** |",
		realms, cards, r.scale, rateN, all.Seconds(), per[0], per[len(per)-1], first[0], first[len(first)-1], bad.throttled, bad.duplicates, bad.lost, realms, rate1, one.Seconds(), rateN/(float64(realms)*rate1)),
		fmt.Sprintf("|  ↳ P5 CPU, %d realms | %s | one realm: %s | |", realms, cpu, cpu1),
		fmt.Sprintf("|  ↳ P5 waits, one of the %d realms | %s | alone: %s | |", realms, manyWaits, oneWaits)}, nil
}

// latency measures a 5-card sync from the click to QBO, with QBO's limits at their
// real windows: for a sync the click starts, and for a click while it still runs.
func (r *speedRun) latency(ctx context.Context, runs int) ([]string, error) {
	st, stop, err := r.stack("latency", true, 1, limitsAt(time.Minute))
	if err != nil {
		return nil, err
	}
	defer stop()
	tns, _, err := st.readyTenants(ctx, r.tc, runs, 5, 2, 0)
	if err != nil {
		return nil, err
	}
	var cold, warm []time.Duration
	for _, tn := range tns {
		for _, into := range []*[]time.Duration{&cold, &warm} {
			ids, err := st.newCards(ctx, tn, 5)
			if err != nil {
				return nil, err
			}
			before := len(st.entityList(tn.realm, "TimeActivity"))
			began := time.Now()
			if _, err := st.starter.SyncTimeCards(ctx, tn.account.ID, ids); err != nil {
				return nil, err
			}
			for len(st.entityList(tn.realm, "TimeActivity")) < before+5 {
				if time.Since(began) > time.Minute {
					return nil, fmt.Errorf("5 cards not in QBO after a minute")
				}
				time.Sleep(5 * time.Millisecond)
			}
			*into = append(*into, time.Since(began))
			if _, err := st.waitSynced(ctx, []int64{tn.account.ID}, time.Minute); err != nil {
				return nil, err
			}
		}
	}
	return []string{fmt.Sprintf("| 5-card sync, click → 5 TimeActivities in QBO (goal ~1 s) | median %s, max %s (a new sync: plan check, then 5 single writes) | median %s, max %s (clicked while the sync is still open) | %d runs each |",
		median(cold), slices.Max(cold).Round(time.Millisecond), median(warm), slices.Max(warm).Round(time.Millisecond), runs)}, nil
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2].Round(time.Millisecond)
}

// speed runs the QBO-speed scenarios named in which ("qbo" for all of them).
func speed(root, which string, scale float64, p1Cards, p5Realms, p5Cards int) ([]string, error) {
	ctx := context.Background()
	r, done, err := newSpeedRun(ctx, root, scale)
	if err != nil {
		return nil, err
	}
	defer done()
	var rows []string
	for _, sc := range []struct {
		name string
		run  func() ([]string, error)
	}{
		{"latency", func() ([]string, error) { return r.latency(ctx, 5) }},
		{"p2", func() ([]string, error) { return r.p2(ctx, 1000) }},
		{"p4", func() ([]string, error) { return r.p4(ctx, 10000, 1000) }},
		{"p5", func() ([]string, error) { return r.p5(ctx, p5Realms, p5Cards) }},
		{"p1", func() ([]string, error) { return r.p1(ctx, p1Cards) }},
	} {
		if which != "qbo" && which != sc.name {
			continue
		}
		fmt.Fprintf(os.Stderr, "==> %s (load %s)\n", sc.name, loadAverage())
		out, err := sc.run()
		if err != nil {
			return rows, fmt.Errorf("%s: %w", sc.name, err)
		}
		fmt.Fprintln(os.Stderr, strings.Join(out, "\n"))
		rows = append(rows, out...)
	}
	return rows, nil
}

// The QBO client the plain loops use: no limiter, no database.
func (st *stack) plainClient(ctx context.Context, tn tenant) (*qbo.Client, error) {
	c, _, err := st.conns.Client(ctx, tn.account.ID, qbo.Options{BaseURL: st.emu.url, Logger: slog.New(slog.DiscardHandler)})
	return c, err
}

// waits is where a sync's time went, read from its histories (every run of the
// workflow): activity tasks' schedule-to-start, workflow tasks' schedule-to-start,
// and how long workflow tasks ran (local activities run inside them).
type waits struct {
	activities, tasks, taskRun []time.Duration
}

func (w waits) String() string {
	stat := func(d []time.Duration) string {
		if len(d) == 0 {
			return "none"
		}
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		var sum time.Duration
		for _, x := range s {
			sum += x
		}
		return fmt.Sprintf("mean %s, p99 %s (%d)", (sum / time.Duration(len(s))).Round(time.Millisecond),
			s[len(s)*99/100].Round(time.Millisecond), len(s))
	}
	return fmt.Sprintf("activity schedule-to-start %s; workflow task schedule-to-start %s, run %s",
		stat(w.activities), stat(w.tasks), stat(w.taskRun))
}

// historyWaits reads the workflow's histories, following continue-as-new.
func historyWaits(ctx context.Context, tc client.Client, workflowID string) (waits, error) {
	var w waits
	resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = %q", workflowID)})
	if err != nil {
		return w, err
	}
	for _, ex := range resp.GetExecutions() {
		scheduled := map[int64]time.Time{}
		started := map[int64]time.Time{}
		iter := tc.GetWorkflowHistory(ctx, workflowID, ex.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				return w, err
			}
			at := ev.GetEventTime().AsTime()
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
				scheduled[ev.GetEventId()] = at
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
				w.activities = append(w.activities, at.Sub(scheduled[ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId()]))
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
				w.tasks = append(w.tasks, at.Sub(scheduled[ev.GetWorkflowTaskStartedEventAttributes().GetScheduledEventId()]))
				started[ev.GetEventId()] = at
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				w.taskRun = append(w.taskRun, at.Sub(started[ev.GetWorkflowTaskCompletedEventAttributes().GetStartedEventId()]))
			}
		}
	}
	return w, nil
}
