package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// fail records the same failure on every card of ids.
func (s *timeCardSync) fail(ctx workflow.Context, ids []int64, errType, message string) {
	if len(ids) == 0 {
		return
	}
	outcomes := make([]Outcome, 0, len(ids))
	for _, id := range ids {
		outcomes = append(outcomes, Outcome{Object: ObjectRef{Type: ObjectTimeCard, ID: id}, ErrorType: errType, Message: message})
	}
	err := ActRecordSyncOutcome.ExecuteLocal(localActivity(ctx), RecordOutcomeInput{AccountID: s.accountID, Kind: KindTimeCards, Outcomes: outcomes}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("recording failed outcomes", "error", err)
	}
	for _, id := range ids {
		s.finish(id, resultFailed)
	}
}

// failAll ends every queued card with the same message: without a connection or the
// right plan nothing can sync, and saying so at once beats trying each card.
func (s *timeCardSync) failAll(ctx workflow.Context, batch []int64, errType, message string) {
	rest := s.take(len(s.queue))
	s.queued = map[int64]bool{}
	s.fail(ctx, append(append([]int64(nil), batch...), rest...), errType, message)
	s.progress.Message = message
}

// syncBatch syncs one batch of at most BatchSize cards, phase by phase. Each phase
// records the failures it meets and reports whether the batch goes on; the phases
// issue their commands in this order on every replay.
func (s *timeCardSync) syncBatch(ctx workflow.Context, batch []int64) {
	s.progress.Current = fmt.Sprintf("%d time cards", len(batch))
	s.progress.Message = fmt.Sprintf("Syncing %d of %d time cards", s.progress.Done+len(batch), s.progress.Total)
	if !s.markSyncing(ctx, batch) {
		return
	}
	realm, ok := s.checkPlan(ctx, batch)
	if !ok {
		return
	}
	refs, ok := s.loadCards(ctx, batch, realm, false)
	if !ok {
		return
	}
	ready, ok := s.ensureDependencies(ctx, refs, realm)
	if !ok {
		return
	}
	ops, ok := s.prepareWrites(ctx, ready, realm)
	if !ok {
		return
	}
	created, ok := s.pushWrites(ctx, ready, ops, realm, false)
	if !ok {
		return
	}
	if workflow.GetVersion(ctx, "relink-invoices", workflow.DefaultVersion, 1) == 1 {
		s.relinkInvoices(ctx, ops, created)
	}
}

// markSyncing shows the batch's cards as syncing under this run.
func (s *timeCardSync) markSyncing(ctx workflow.Context, batch []int64) bool {
	err := ActMarkSyncing.ExecuteLocal(localActivity(ctx), MarkSyncingInput{AccountID: s.accountID,
		ObjectType: ObjectTimeCard, IDs: batch, Kind: KindTimeCards}).Get(ctx, nil)
	if err != nil {
		errType, msg := failureOf(err)
		s.fail(ctx, batch, errType, msg)
		return false
	}
	return true
}

// checkPlan reads the connection and the company's plan once per run, before anything
// is written, and answers the realm synced to. Without a connection or time tracking
// nothing can sync: every queued card fails at once.
func (s *timeCardSync) checkPlan(ctx workflow.Context, batch []int64) (realm string, ok bool) {
	if s.conn == nil {
		var conn ConnectionInfo
		err := ActCheckPlan.Execute(qboActivity(ctx, shortActivityTimeout), CheckPlanInput{AccountID: s.accountID, NeedTime: true}).Get(ctx, &conn)
		if err != nil {
			errType, msg := failureOf(err)
			s.failAll(ctx, batch, errType, msg)
			return "", false
		}
		s.conn = &conn
		// The realm is known only now; operators filter on it.
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrRealm.ValueSet(conn.RealmID))
	}
	return s.conn.RealmID, true
}

// loadCards reads what ordering the batch needs of each card (with check, which of
// its dependencies are in QBO already); a card deleted before it ever reached QBO is
// skipped.
func (s *timeCardSync) loadCards(ctx workflow.Context, batch []int64, realm string, check bool) ([]TimeCardRef, bool) {
	var refs []TimeCardRef
	err := ActLoadTimeCards.ExecuteLocal(localActivity(ctx), LoadTimeCardsInput{AccountID: s.accountID, CardIDs: batch, RealmID: realm,
		CheckDependencies: check}).Get(ctx, &refs)
	if err != nil {
		errType, msg := failureOf(err)
		s.fail(ctx, batch, errType, msg)
		return nil, false
	}
	return s.skipMissing(batch, refs), true
}

// skipMissing counts the cards of the batch the load did not find as skipped: deleted
// before they ever reached QBO, they need nothing.
func (s *timeCardSync) skipMissing(batch []int64, refs []TimeCardRef) []TimeCardRef {
	found := map[int64]bool{}
	for _, r := range refs {
		found[r.CardID] = true
	}
	for _, id := range batch {
		if !found[id] {
			s.finish(id, resultSkipped)
		}
	}
	return refs
}

// ensureDependencies makes sure the employee, customer and service of every card exist
// in QBO, once per distinct object, all in parallel, and answers the cards whose
// dependencies all did. A card needing one that failed fails with its message; a
// failure no object can get past (reconnect, plan) fails every queued card.
func (s *timeCardSync) ensureDependencies(ctx workflow.Context, refs []TimeCardRef, realm string) (ready []int64, ok bool) {
	qctx := qboActivity(ctx, shortActivityTimeout)
	type pending struct {
		future workflow.Future
		what   string
		cards  []int64
	}
	var ensures []pending
	ensure := func(activity Activity[EnsureInput, EnsureResult], what string, d *dependents) {
		for _, id := range d.order {
			ensures = append(ensures, pending{what: what, cards: d.cards[id],
				future: activity.Execute(qctx, EnsureInput{AccountID: s.accountID, RealmID: realm, ObjectID: id})})
		}
	}
	users, customers, services := newDependents(), newDependents(), newDependents()
	for _, r := range refs {
		if r.Deleted || r.UpToDate {
			continue // needs nothing in QBO but its own deletion, or nothing at all
		}
		users.add(r.UserID, r.CardID)
		customers.add(r.CustomerID, r.CardID)
		services.add(r.ServiceID, r.CardID)
	}
	ensure(ActEnsureEmployee, "Employee", users)
	ensure(ActEnsureCustomer, "Customer", customers)
	ensure(ActEnsureService, "Service", services)
	failures := newEnsureFailures()
	for _, e := range ensures {
		failures.add(e.future.Get(ctx, nil), e.what, e.cards)
	}
	return s.settleEnsures(ctx, refs, failures)
}

// ensureFailures gathers, per card, the first failure of a dependency it needs, and
// the failure (if any) that stops the whole sync (the connection is gone, say).
type ensureFailures struct {
	msg, errType   map[int64]string
	stop, stopType string
}

func newEnsureFailures() *ensureFailures {
	return &ensureFailures{msg: map[int64]string{}, errType: map[int64]string{}}
}

// add records how ensuring what, which cards need, ended (nil: it is in QBO).
func (f *ensureFailures) add(err error, what string, cards []int64) {
	if err == nil {
		return
	}
	errType, msg := failureOf(err)
	if stopsEverything(errType) {
		f.stop, f.stopType = msg, errType
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		// A timeout or an unexpected error does not say what it was about.
		msg = fmt.Sprintf("%s: %s", what, msg)
	}
	for _, card := range cards {
		if _, already := f.msg[card]; !already {
			f.msg[card], f.errType[card] = msg, errType
		}
	}
}

// settleEnsures fails the cards whose dependencies could not be ensured (every card,
// when one failure stops everything) and answers the others, ready to write.
func (s *timeCardSync) settleEnsures(ctx workflow.Context, refs []TimeCardRef, f *ensureFailures) (ready []int64, ok bool) {
	if f.stop != "" {
		ids := make([]int64, 0, len(refs))
		for _, r := range refs {
			ids = append(ids, r.CardID)
		}
		s.failAll(ctx, ids, f.stopType, f.stop)
		return nil, false
	}
	for _, r := range refs {
		if msg, bad := f.msg[r.CardID]; bad {
			s.fail(ctx, []int64{r.CardID}, f.errType[r.CardID], msg)
			continue
		}
		ready = append(ready, r.CardID)
	}
	return ready, len(ready) > 0
}

// prepareWrites fixes the writes of the ready cards before the first push attempt:
// retries resend exactly these.
func (s *timeCardSync) prepareWrites(ctx workflow.Context, ready []int64, realm string) ([]TimeActivityOp, bool) {
	var ops []TimeActivityOp
	err := ActPrepareTimeActivity.ExecuteLocal(localActivity(ctx), PrepareInput{AccountID: s.accountID, RealmID: realm, IDs: ready}).Get(ctx, &ops)
	if err != nil {
		errType, msg := failureOf(err)
		s.fail(ctx, ready, errType, msg)
		return nil, false
	}
	return ops, true
}

// pushWrites sends the batch's writes with a requestid derived from its members (or,
// with singles, each with its own), counts each card's outcome, and answers the cards
// now in QBO by this push.
func (s *timeCardSync) pushWrites(ctx workflow.Context, ready []int64, ops []TimeActivityOp, realm string, singles bool) (synced map[int64]bool, ok bool) {
	members := make([]string, len(ops))
	for i, op := range ops {
		members[i] = op.Member()
	}
	push := PushTimeActivitiesInput{AccountID: s.accountID, RealmID: realm, RequestID: BatchRequestID(realm, members), Ops: ops,
		Kind: KindTimeCards, Singles: singles}
	var outcomes []Outcome
	if err := ActPushTimeActivities.Execute(qboActivity(ctx, longActivityTimeout), push).Get(ctx, &outcomes); err != nil {
		errType, msg := failureOf(err)
		if stopsEverything(errType) {
			s.failAll(ctx, ready, errType, msg)
			return nil, false
		}
		s.fail(ctx, ready, errType, msg)
		return nil, false
	}
	synced = map[int64]bool{}
	for _, o := range outcomes {
		switch {
		case !o.Succeeded:
			s.finish(o.Object.ID, resultFailed)
		case o.Skipped:
			s.finish(o.Object.ID, resultSkipped)
		default:
			s.finish(o.Object.ID, resultSynced)
			synced[o.Object.ID] = true
		}
	}
	// Ops the activity had nothing to do for (never in QBO, now deleted) are skipped.
	for _, id := range ready {
		s.finish(id, resultSkipped)
	}
	return synced, true
}

// relinkInvoices syncs again the QBO invoices of cards just created in QBO, so each
// links its time (QBO bills it) whichever of the two was synced first.
func (s *timeCardSync) relinkInvoices(ctx workflow.Context, ops []TimeActivityOp, synced map[int64]bool) {
	var invoices []int64
	seen := map[int64]bool{}
	for _, op := range ops {
		if op.Op == OpCreate && op.InvoiceID != 0 && synced[op.CardID] && !seen[op.InvoiceID] {
			seen[op.InvoiceID] = true
			invoices = append(invoices, op.InvoiceID)
		}
	}
	if len(invoices) == 0 {
		return
	}
	err := ActFeedSyncs.Execute(clientActivity(ctx), FeedInput{AccountID: s.accountID, Invoices: invoices}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("syncing the invoices of new time again", "invoices", invoices, "error", err)
	}
}

// dependents maps a user, customer or service to the cards that need it, keeping the
// order objects were first seen in so the workflow replays identically.
type dependents struct {
	order []int64
	cards map[int64][]int64
}

func newDependents() *dependents { return &dependents{cards: map[int64][]int64{}} }

func (d *dependents) add(object, card int64) {
	if _, seen := d.cards[object]; !seen {
		d.order = append(d.order, object)
	}
	d.cards[object] = append(d.cards[object], card)
}
