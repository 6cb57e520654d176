package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"
)

// SignalSyncTimeCards feeds a selection of cards into an account's TimeCardSync.
const SignalSyncTimeCards = "sync-time-cards"

// SyncTimeCardsRequest is a selection of cards to sync.
type SyncTimeCardsRequest struct {
	CardIDs []int64 `json:"card_ids"`
}

// TimeCardSyncInput starts (or continues) an account's time-card sync.
type TimeCardSyncInput struct {
	AccountID int64 `json:"account_id"`
	// Pending carries cards not yet synced across continue-as-new.
	Pending  []int64  `json:"pending,omitempty"`
	Progress Progress `json:"progress"`
}

// Tunables of the time-card sync.
const (
	// BatchSize is QBO's recommended maximum of operations in one batch request.
	BatchSize = 30
	// idleWait is how long the workflow waits for more selections before it ends.
	idleWait = 30 * time.Second
	// cardsPerRun bounds the history of one run; then it continues as new.
	cardsPerRun = 600
)

// TimeCardSync syncs an account's time cards to QBO TimeActivities. There is one per
// account (id timecard-sync/<account>), fed by signal-with-start, so overlapping
// selections queue behind each other and no card is ever synced twice at once.
//
// Per batch of at most 30 cards: the plan is checked before anything is written; the
// Employee, Customer and Service each card needs are ensured (found by name and
// linked, or created); then the batch's writes are fixed and pushed through QBO's batch
// endpoint with a requestid derived from its members, so a retry after a lost response
// is answered by QBO's replay instead of creating duplicates. One failing card never
// blocks the others.
func TimeCardSync(ctx workflow.Context, in TimeCardSyncInput) error {
	s := &timeCardSync{accountID: in.AccountID, progress: in.Progress, queued: map[int64]bool{}}
	s.enqueue(in.Pending...)
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) {
		p := s.progress
		p.Pending = len(s.queue)
		return p, nil
	}); err != nil {
		return err
	}
	signals := workflow.GetSignalChannel(ctx, SignalSyncTimeCards)
	drain := func() {
		for {
			var req SyncTimeCardsRequest
			if !signals.ReceiveAsync(&req) {
				return
			}
			s.enqueue(req.CardIDs...)
		}
	}
	processed := 0
	for {
		drain()
		if len(s.queue) == 0 {
			// Wait a little for more selections; end when none come.
			got := false
			timerCtx, cancel := workflow.WithCancel(ctx)
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
				var req SyncTimeCardsRequest
				c.Receive(ctx, &req)
				s.enqueue(req.CardIDs...)
				got = true
			})
			sel.AddFuture(workflow.NewTimer(timerCtx, idleWait), func(workflow.Future) {})
			sel.Select(ctx)
			cancel()
			if !got {
				drain()
				if len(s.queue) == 0 {
					s.progress.Current = ""
					s.progress.Message = s.summary()
					return nil
				}
			}
			continue
		}
		if processed >= cardsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			drain()
			return workflow.NewContinueAsNewError(ctx, TimeCardSync,
				TimeCardSyncInput{AccountID: s.accountID, Pending: s.queue, Progress: s.progress})
		}
		batch := s.take(BatchSize)
		s.syncBatch(ctx, batch)
		processed += len(batch)
		if len(s.queue) == 0 {
			// Between batches the query answers what is done, not the last batch.
			s.progress.Current = ""
			s.progress.Message = s.summary()
		}
	}
}

type timeCardSync struct {
	accountID int64
	queue     []int64
	queued    map[int64]bool
	progress  Progress
	conn      *ConnectionInfo
}

func (s *timeCardSync) enqueue(ids ...int64) {
	for _, id := range ids {
		if !s.queued[id] {
			s.queued[id] = true
			s.queue = append(s.queue, id)
			s.progress.Total++
		}
	}
}

func (s *timeCardSync) take(n int) []int64 {
	if n > len(s.queue) {
		n = len(s.queue)
	}
	batch := append([]int64(nil), s.queue[:n]...)
	s.queue = s.queue[n:]
	for _, id := range batch {
		// A card selected again while it syncs is queued again: its edit must reach QBO.
		delete(s.queued, id)
	}
	return batch
}

func (s *timeCardSync) summary() string {
	ok := s.progress.Done - s.progress.Failed
	if s.progress.Failed == 0 {
		return fmt.Sprintf("Synced %d time cards with QuickBooks.", ok)
	}
	return fmt.Sprintf("Synced %d time cards; %d failed.", ok, s.progress.Failed)
}

// fail records the same failure on every card of ids.
func (s *timeCardSync) fail(ctx workflow.Context, ids []int64, errType, message string) {
	if len(ids) == 0 {
		return
	}
	outcomes := make([]Outcome, 0, len(ids))
	for _, id := range ids {
		outcomes = append(outcomes, Outcome{Object: ObjectRef{Type: "time_card", ID: id}, ErrorType: errType, Message: message})
	}
	err := workflow.ExecuteLocalActivity(localActivity(ctx), ActRecordSyncOutcome,
		RecordOutcomeInput{AccountID: s.accountID, Kind: KindTimeCards, Outcomes: outcomes}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("recording failed outcomes", "error", err)
	}
	s.progress.Done += len(ids)
	s.progress.Failed += len(ids)
}

// failAll ends every queued card with the same message: without a connection or the
// right plan nothing can sync, and saying so at once beats trying each card.
func (s *timeCardSync) failAll(ctx workflow.Context, batch []int64, errType, message string) {
	rest := append(append([]int64(nil), batch...), s.queue...)
	s.queue = nil
	s.queued = map[int64]bool{}
	s.fail(ctx, rest, errType, message)
	s.progress.Message = message
}

func (s *timeCardSync) syncBatch(ctx workflow.Context, batch []int64) {
	lctx := localActivity(ctx)
	qctx := qboActivity(ctx, shortActivityTimeout)
	s.progress.Current = fmt.Sprintf("%d time cards", len(batch))
	s.progress.Message = fmt.Sprintf("Syncing %d of %d time cards", s.progress.Done+len(batch), s.progress.Total)

	if err := workflow.ExecuteLocalActivity(lctx, ActMarkSyncing, MarkSyncingInput{AccountID: s.accountID,
		ObjectType: "time_card", IDs: batch, Kind: KindTimeCards}).Get(ctx, nil); err != nil {
		errType, msg := failureOf(err)
		s.fail(ctx, batch, errType, msg)
		return
	}
	if s.conn == nil {
		var conn ConnectionInfo
		err := workflow.ExecuteActivity(qctx, ActCheckPlan, CheckPlanInput{AccountID: s.accountID, NeedTime: true}).Get(ctx, &conn)
		if err != nil {
			errType, msg := failureOf(err)
			s.failAll(ctx, batch, errType, msg)
			return
		}
		s.conn = &conn
		// The realm is known only now; operators filter on it.
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrRealm.ValueSet(conn.RealmID))
	}
	realm := s.conn.RealmID

	var refs []TimeCardRef
	if err := workflow.ExecuteLocalActivity(lctx, ActLoadTimeCards, LoadTimeCardsInput{AccountID: s.accountID, CardIDs: batch}).Get(ctx, &refs); err != nil {
		errType, msg := failureOf(err)
		s.fail(ctx, batch, errType, msg)
		return
	}
	found := map[int64]bool{}
	for _, r := range refs {
		found[r.CardID] = true
	}
	for _, id := range batch {
		if !found[id] {
			// Deleted before it ever reached QBO: nothing to do.
			s.progress.Done++
		}
	}

	// Ensure what the cards refer to, once per distinct object, all in parallel.
	type pending struct {
		future workflow.Future
		what   string
		cards  []int64
	}
	var ensures []pending
	ensure := func(activity, what string, d *dependents) {
		for _, id := range d.order {
			ensures = append(ensures, pending{what: what, cards: d.cards[id],
				future: workflow.ExecuteActivity(qctx, activity, EnsureInput{AccountID: s.accountID, RealmID: realm, ObjectID: id})})
		}
	}
	users, customers, services := newDependents(), newDependents(), newDependents()
	for _, r := range refs {
		if r.Deleted {
			continue
		}
		users.add(r.UserID, r.CardID)
		customers.add(r.CustomerID, r.CardID)
		services.add(r.ServiceID, r.CardID)
	}
	ensure(ActEnsureEmployee, "Employee", users)
	ensure(ActEnsureCustomer, "Customer", customers)
	ensure(ActEnsureService, "Service", services)
	failedDeps := map[int64]string{} // card -> message
	var stop, stopType string
	for _, e := range ensures {
		err := e.future.Get(ctx, nil)
		if err == nil {
			continue
		}
		errType, msg := failureOf(err)
		if stopsEverything(errType) {
			stop, stopType = msg, errType
		}
		for _, card := range e.cards {
			if _, already := failedDeps[card]; !already {
				failedDeps[card] = fmt.Sprintf("%s: %s", e.what, msg)
			}
		}
	}
	if stop != "" {
		ids := make([]int64, 0, len(refs))
		for _, r := range refs {
			ids = append(ids, r.CardID)
		}
		s.failAll(ctx, ids, stopType, stop)
		return
	}
	var ready []int64
	for _, r := range refs {
		if msg, bad := failedDeps[r.CardID]; bad {
			s.fail(ctx, []int64{r.CardID}, ErrTypeValidation, msg)
			continue
		}
		ready = append(ready, r.CardID)
	}
	if len(ready) == 0 {
		return
	}

	// Fix the batch's writes before the first attempt: retries resend exactly this.
	var ops []TimeActivityOp
	if err := workflow.ExecuteLocalActivity(lctx, ActPrepareTimeActivity, PrepareInput{AccountID: s.accountID, RealmID: realm, IDs: ready}).Get(ctx, &ops); err != nil {
		errType, msg := failureOf(err)
		s.fail(ctx, ready, errType, msg)
		return
	}
	members := make([]string, len(ops))
	for i, op := range ops {
		members[i] = op.Member()
	}
	push := PushTimeActivitiesInput{AccountID: s.accountID, RealmID: realm, RequestID: BatchRequestID(realm, members), Ops: ops, Kind: KindTimeCards}
	var outcomes []Outcome
	err := workflow.ExecuteActivity(qboActivity(ctx, longActivityTimeout), ActPushTimeActivities, push).Get(ctx, &outcomes)
	if err != nil {
		errType, msg := failureOf(err)
		if stopsEverything(errType) {
			s.failAll(ctx, ready, errType, msg)
			return
		}
		s.fail(ctx, ready, errType, msg)
		return
	}
	// Ops the activity had nothing to do for (already in QBO as they are) count as done.
	s.progress.Done += len(ready) - len(outcomes)
	for _, o := range outcomes {
		s.progress.Done++
		if !o.Succeeded {
			s.progress.Failed++
		}
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
