package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// versionLanes is the change id of the time-card sync that keeps several batches in
// flight, ensures each dependency once per sync, and carries its connection across
// continue-as-new. Runs started before it go on one batch after the other.
const versionLanes = "concurrent-batches"

// Tunables of the lanes.
const (
	// BatchLanes is how many batch calls one sync keeps in flight or waiting for the
	// realm's budget. QBO runs a batch's items one after the other, so a batch of 30
	// takes about 30 requests' time (4.5 s at 150 ms a request): spending QBO's 40
	// batch calls a minute takes about 3 at once, 6 when the emulator's windows are
	// halved; the limiter keeps every lane inside QBO's limits.
	BatchLanes = 8
	// SinglesLanes push small groups as single writes beside the batches while the
	// queue is long: they spend the requests QBO's batch calls leave (500 a minute, of
	// which batch calls take at most 40), a third more writes a minute than batches
	// alone.
	SinglesLanes = 2
	// SinglesMax is the largest group sent as single writes. A group this small costs
	// less of the scarcer batch budget this way (40 calls a minute, against 460 other
	// requests), and reaches QBO sooner: QBO runs singles side by side, a batch's
	// items one after the other.
	SinglesMax = 10
	// lanesCardsPerRun bounds the history of one run (about 1 KB of history a card);
	// then it continues as new, once every lane has finished.
	lanesCardsPerRun = 3000
	// maxEnsuredCarried bounds what continue-as-new carries of the objects ensured.
	maxEnsuredCarried = 5000
)

// Lanes: each runs one group of cards at a time.
const (
	laneBatch = iota
	laneSingles
)

// dependency is an employee (a user), a customer or a service a card needs in QBO.
type dependency struct {
	kind int
	id   int64
}

// Dependency kinds, in the order a batch ensures them.
const (
	depEmployee = iota
	depCustomer
	depService
)

// runLanes syncs the queue in groups, several at once: up to BatchLanes batches of
// 30 and, while the queue is longer, SinglesLanes groups of single writes. A card is
// never in two groups at once. Every group goes through the same phases as a batch
// always did; the realm's limits pace them (the limiter in the activities).
func (s *timeCardSync) runLanes(ctx workflow.Context, signals workflow.ReceiveChannel, in TimeCardSyncInput) (TimeCardSyncResult, error) {
	s.conn = in.Connection
	s.carriedConn = in.Connection != nil
	s.ensured, s.ensuring = map[dependency]bool{}, map[dependency]workflow.Future{}
	s.loadEnsured(in.Ensured)
	s.lastFailed = -1
	done := workflow.NewChannel(ctx)
	var busy [2]int
	processed := 0
	for {
		s.drain(signals)
		stopping := processed >= lanesCardsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		for !stopping && len(s.queue) > 0 {
			lane, size := laneBatch, BatchSize
			if busy[laneBatch] >= BatchLanes {
				if busy[laneSingles] >= SinglesLanes {
					break
				}
				lane, size = laneSingles, SinglesMax
			}
			group := s.takeReady(size)
			if len(group) == 0 {
				break // every queued card is in a group still running
			}
			busy[lane]++
			processed += len(group)
			s.startGroup(ctx, done, lane, group)
		}
		if busy[laneBatch]+busy[laneSingles] == 0 {
			switch {
			case len(s.queue) > 0 && stopping:
				return TimeCardSyncResult{}, workflow.NewContinueAsNewError(ctx, TimeCardSync, TimeCardSyncInput{
					AccountID: s.accountID, Pending: s.queue, Progress: s.progress, Selections: s.carry(),
					Connection: s.conn, Ensured: s.ensuredList()})
			case len(s.queue) > 0:
				continue
			}
			s.progress.Current, s.progress.Message = "", s.summary()
			// The next selection is a new sync: what it needs is checked afresh.
			s.ensured, s.ensuredOrder = map[dependency]bool{}, nil
			if !s.waitForMore(ctx, signals) && len(s.queue) == 0 {
				return s.result(), nil
			}
			continue
		}
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(done, func(c workflow.ReceiveChannel, _ bool) {
			var lane int
			c.Receive(ctx, &lane)
			busy[lane]--
		})
		sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
			var req SyncTimeCardsRequest
			c.Receive(ctx, &req)
			s.select_(req)
		})
		sel.Select(ctx)
		if s.progress.Failed != s.lastFailed {
			s.lastFailed = s.progress.Failed
			_ = workflow.UpsertTypedSearchAttributes(ctx, AttrFailed.ValueSet(int64(s.progress.Failed)))
		}
	}
}

// takeReady takes up to n queued cards that are not in a group still running (a card
// selected again while it syncs waits for that sync to end: two at once could both
// create it), leaving the others queued in their order.
func (s *timeCardSync) takeReady(n int) []int64 {
	var group, rest []int64
	for _, id := range s.queue {
		if len(group) < n && s.inflightRuns[id] == 0 {
			group = append(group, id)
			continue
		}
		rest = append(rest, id)
	}
	s.queue = group
	taken := s.take(len(group))
	s.queue = rest
	return taken
}

// startGroup runs one group in its own coroutine, and says on done when its lane is
// free again.
func (s *timeCardSync) startGroup(ctx workflow.Context, done workflow.Channel, lane int, group []int64) {
	s.syncing += len(group)
	s.progress.Current = fmt.Sprintf("%d time cards", s.syncing)
	s.progress.Message = fmt.Sprintf("Syncing %d of %d time cards", s.progress.Done+s.syncing, s.progress.Total)
	workflow.Go(ctx, func(ctx workflow.Context) {
		s.syncGroup(ctx, group, len(group) <= SinglesMax)
		// Cards the group did not report on (an activity failed before it could) are
		// failures: no selection waits forever.
		for _, id := range group {
			s.finish(id, resultFailed)
		}
		s.syncing -= len(group)
		done.Send(ctx, lane)
	})
}

// syncGroup syncs one group of at most BatchSize cards through the phases a batch
// always went through, in as few steps as it can: once the connection is known (it is
// checked once per sync), one local activity marks the cards, loads them and, when
// their dependencies are all in QBO already, fixes their writes; otherwise only the
// dependencies not in QBO yet are ensured (each once per sync) and the writes fixed
// after. A group of at most SinglesMax cards goes as single writes.
func (s *timeCardSync) syncGroup(ctx workflow.Context, group []int64, singles bool) {
	if s.lanesVersion < 2 {
		s.syncGroupByPhase(ctx, group, singles)
		return
	}
	mark := s.conn != nil
	if !mark {
		s.startPlan(ctx)
		if !s.markSyncing(ctx, group) {
			return
		}
	}
	realm, ok := s.awaitPlan(ctx, group)
	if !ok {
		return
	}
	var batch PreparedBatch
	err := ActPrepareBatch.ExecuteLocal(localActivity(ctx), PrepareBatchInput{AccountID: s.accountID, RealmID: realm, CardIDs: group,
		Mark: mark, Kind: KindTimeCards}).Get(ctx, &batch)
	if err != nil {
		errType, msg := failureOf(err)
		s.fail(ctx, group, errType, msg)
		return
	}
	refs := s.skipMissing(group, batch.Cards)
	ops := batch.Ops
	ready := make([]int64, 0, len(refs))
	for _, r := range refs {
		ready = append(ready, r.CardID)
	}
	if !batch.Prepared {
		if ready, ok = s.ensureOnce(ctx, refs, realm); !ok {
			return
		}
		if ops, ok = s.prepareWrites(ctx, ready, realm); !ok {
			return
		}
	}
	if len(ops) == 0 {
		// Nothing to send (deleted before it ever reached QBO).
		for _, id := range ready {
			s.finish(id, resultSkipped)
		}
		return
	}
	created, ok := s.pushWrites(ctx, ready, ops, realm, singles)
	if !ok {
		return
	}
	s.relinkInvoices(ctx, ops, created)
}

// syncGroupByPhase is syncGroup as runs started before PrepareBatch go on: one
// activity per phase.
func (s *timeCardSync) syncGroupByPhase(ctx workflow.Context, group []int64, singles bool) {
	s.startPlan(ctx)
	if !s.markSyncing(ctx, group) {
		return
	}
	realm, ok := s.awaitPlan(ctx, group)
	if !ok {
		return
	}
	refs, ok := s.loadCards(ctx, group, realm, true)
	if !ok {
		return
	}
	ready, ok := s.ensureOnce(ctx, refs, realm)
	if !ok {
		return
	}
	ops, ok := s.prepareWrites(ctx, ready, realm)
	if !ok {
		return
	}
	created, ok := s.pushWrites(ctx, ready, ops, realm, singles)
	if !ok {
		return
	}
	s.relinkInvoices(ctx, ops, created)
}

// startPlan starts checking the connection and plan, once per sync, while the first
// group is marked syncing.
func (s *timeCardSync) startPlan(ctx workflow.Context) {
	if s.conn == nil && s.plan == nil {
		s.plan = ActCheckPlan.Execute(qboActivity(ctx, shortActivityTimeout), CheckPlanInput{AccountID: s.accountID, NeedTime: true})
	}
}

// awaitPlan answers the realm once the connection and plan are checked. Without a
// connection or time tracking nothing can sync: every queued card fails at once, and
// the next selection checks again.
func (s *timeCardSync) awaitPlan(ctx workflow.Context, group []int64) (realm string, ok bool) {
	if s.conn == nil {
		s.startPlan(ctx)
		f := s.plan
		var conn ConnectionInfo
		if err := f.Get(ctx, &conn); err != nil {
			errType, msg := failureOf(err)
			if s.plan == f {
				s.plan = nil
				s.failAll(ctx, group, errType, msg)
			} else {
				s.fail(ctx, group, errType, msg)
			}
			return "", false
		}
		if s.conn == nil {
			s.conn, s.plan = &conn, nil
			// The realm is known only now; operators filter on it.
			_ = workflow.UpsertTypedSearchAttributes(ctx, AttrRealm.ValueSet(conn.RealmID))
		}
	} else if s.carriedConn {
		s.carriedConn = false
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrRealm.ValueSet(s.conn.RealmID))
	}
	return s.conn.RealmID, true
}

// ensureOnce makes sure the employee, customer and service of every card exist in QBO
// as they are here, like ensureDependencies, but only those the load did not find in
// sync, and each once per sync: one a running group is ensuring is waited for, not
// ensured again.
func (s *timeCardSync) ensureOnce(ctx workflow.Context, refs []TimeCardRef, realm string) (ready []int64, ok bool) {
	type need struct {
		dep    dependency
		what   string
		future workflow.Future
		cards  []int64
	}
	var needs []*need
	index := map[dependency]*need{}
	activities := [...]Activity[EnsureInput, EnsureResult]{depEmployee: ActEnsureEmployee, depCustomer: ActEnsureCustomer, depService: ActEnsureService}
	whats := [...]string{depEmployee: "Employee", depCustomer: "Customer", depService: "Service"}
	for kind := depEmployee; kind <= depService; kind++ {
		for _, r := range refs {
			if r.Deleted || r.UpToDate {
				continue // needs nothing in QBO but its own deletion, or nothing at all
			}
			dep, inSync := dependency{kind, r.UserID}, r.EmployeeInSync
			switch kind {
			case depCustomer:
				dep, inSync = dependency{kind, r.CustomerID}, r.CustomerInSync
			case depService:
				dep, inSync = dependency{kind, r.ServiceID}, r.ServiceInSync
			}
			if inSync || s.ensured[dep] {
				continue
			}
			n := index[dep]
			if n == nil {
				f, running := s.ensuring[dep]
				if !running {
					f = activities[kind].Execute(qboActivity(ctx, shortActivityTimeout), EnsureInput{AccountID: s.accountID, RealmID: realm, ObjectID: dep.id})
					s.ensuring[dep] = f
				}
				n = &need{dep: dep, what: whats[kind], future: f}
				index[dep] = n
				needs = append(needs, n)
			}
			n.cards = append(n.cards, r.CardID)
		}
	}
	failures := newEnsureFailures()
	for _, n := range needs {
		err := n.future.Get(ctx, nil)
		if s.ensuring[n.dep] == n.future {
			// Done: a later group needing it again finds it ensured, or tries again.
			delete(s.ensuring, n.dep)
		}
		if err == nil {
			s.markEnsured(n.dep)
		}
		failures.add(err, n.what, n.cards)
	}
	return s.settleEnsures(ctx, refs, failures)
}

func (s *timeCardSync) markEnsured(dep dependency) {
	if !s.ensured[dep] {
		s.ensured[dep] = true
		s.ensuredOrder = append(s.ensuredOrder, dep)
	}
}

// loadEnsured takes on what an earlier run of the sync ensured.
func (s *timeCardSync) loadEnsured(e *EnsuredObjects) {
	if e == nil {
		return
	}
	for kind, ids := range [][]int64{depEmployee: e.Employees, depCustomer: e.Customers, depService: e.Services} {
		for _, id := range ids {
			s.markEnsured(dependency{kind, id})
		}
	}
}

// ensuredList is what continue-as-new carries of the objects ensured: the latest,
// at most maxEnsuredCarried of them (one not carried is checked again, which costs a
// database read when it is in QBO already).
func (s *timeCardSync) ensuredList() *EnsuredObjects {
	if len(s.ensuredOrder) == 0 {
		return nil
	}
	order := s.ensuredOrder[max(0, len(s.ensuredOrder)-maxEnsuredCarried):]
	var e EnsuredObjects
	for _, d := range order {
		switch d.kind {
		case depEmployee:
			e.Employees = append(e.Employees, d.id)
		case depCustomer:
			e.Customers = append(e.Customers, d.id)
		case depService:
			e.Services = append(e.Services, d.id)
		}
	}
	return &e
}
