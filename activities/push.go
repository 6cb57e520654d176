package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/workflows"
)

// timeActivityOf is the QBO TimeActivity a card's write sends: every field Hoursync
// owns (a sparse update must not leave an older value behind), and the Id and
// SyncToken of an update or delete.
func timeActivityOf(op workflows.TimeActivityOp) qbo.TimeActivity {
	hours, minutes := op.Minutes/60, op.Minutes%60
	ta := qbo.TimeActivity{TxnDate: op.TxnDate, NameOf: qbo.NameOfEmployee, EmployeeRef: ref(op.EmployeeQBOID),
		CustomerRef: ref(op.CustomerQBOID), ItemRef: ref(op.ItemQBOID), Hours: &hours, Minutes: &minutes,
		Description: op.Description, BillableStatus: qbo.BillableStatusNotBillable}
	if op.StartTime != "" && op.EndTime != "" {
		// Hours and Minutes are sent too, agreeing with start, end and break: QBO takes
		// either, and a sparse update must not leave an older Hours behind.
		bh, bm := op.BreakMinutes/60, op.BreakMinutes%60
		ta.StartTime, ta.EndTime, ta.BreakHours, ta.BreakMinutes = op.StartTime, op.EndTime, &bh, &bm
	}
	if op.Billable {
		rate := qbo.Money(op.HourlyRateCents)
		ta.BillableStatus, ta.HourlyRate = qbo.BillableStatusBillable, &rate
	}
	if op.KeepBilled {
		// QBO owns the billed state: a sparse update without BillableStatus keeps it.
		ta.BillableStatus = ""
	}
	ta.ID, ta.SyncToken = op.QBOID, op.SyncToken
	return ta
}

// msgUpToDate is the history entry of a synced card unchanged since its last sync.
const msgUpToDate = "Already up to date in QuickBooks"

// PushTimeActivities sends one fixed batch of TimeActivity writes with the batch's
// requestid (or, with Singles, each write with its own): a retry after a lost response
// is answered by QBO's replay, never executed twice. Every card's link and state are
// stored (in one transaction) before the activity completes; a stale SyncToken is
// re-read and Hoursync's fields re-applied; one card's failure is that card's alone.
// Cards already up to date (OpNone) are not sent.
func (a *Activities) PushTimeActivities(ctx context.Context, in workflows.PushTimeActivitiesInput) ([]workflows.Outcome, error) {
	if len(in.Ops) > workflows.BatchSize {
		return nil, permanent(workflows.ErrTypeValidation, "a batch holds at most %d writes, got %d", workflows.BatchSize, len(in.Ops))
	}
	p := &pushed{in: in, run: run(ctx, in.Kind)}
	var send []workflows.TimeActivityOp
	for _, op := range in.Ops {
		if op.Op != workflows.OpNone {
			send = append(send, op)
			continue
		}
		p.succeeded(op, op.QBOID, op.SyncToken, msgUpToDate, true)
	}
	if len(send) > 0 {
		c, _, err := a.company(ctx, in.AccountID)
		if err != nil {
			return nil, err
		}
		if in.Singles {
			err = a.pushSingles(ctx, c, p, send)
		} else {
			err = a.pushBatch(ctx, c, p, send)
		}
		if err != nil {
			// What QBO did take is stored all the same (a retry finds it replayed).
			if rerr := a.Store.RecordSyncSuccesses(ctx, in.AccountID, store.ObjectTimeCard, p.successes, p.run); rerr != nil {
				a.logger(ctx).Error("storing what QBO took before the push failed", "error", rerr)
			}
			return nil, err
		}
	}
	if err := a.Store.RecordSyncSuccesses(ctx, in.AccountID, store.ObjectTimeCard, p.successes, p.run); err != nil {
		return nil, err
	}
	if len(send) > 0 {
		a.logger(ctx).Info("time activities pushed", "account_id", in.AccountID, "realm_id", in.RealmID, "writes", len(send),
			"singles", in.Singles, "request_id", in.RequestID)
	}
	return p.outcomes, nil
}

// pushed gathers a push's outcomes, and the successes to store together at its end.
type pushed struct {
	in        workflows.PushTimeActivitiesInput
	run       store.SyncRun
	mu        sync.Mutex
	outcomes  []workflows.Outcome
	successes []store.ObjectSuccess
}

func (p *pushed) succeeded(op workflows.TimeActivityOp, qboID, syncToken, msg string, skipped bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.successes = append(p.successes, store.ObjectSuccess{ID: op.CardID, SyncSuccess: store.SyncSuccess{RealmID: p.in.RealmID,
		QBOID: qboID, SyncToken: syncToken, SyncedVersion: op.Version, Deleted: op.Op == workflows.OpDelete, Message: msg}})
	p.outcomes = append(p.outcomes, workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID},
		Succeeded: true, Skipped: skipped, Message: msg})
}

func (p *pushed) failed(o workflows.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outcomes = append(p.outcomes, o)
}

// pushBatch sends the writes in one batch call.
func (a *Activities) pushBatch(ctx context.Context, c *qbo.Client, p *pushed, send []workflows.TimeActivityOp) error {
	writes := make([]qbo.BatchOp[qbo.TimeActivity], len(send))
	for i, op := range send {
		writes[i] = qbo.BatchOp[qbo.TimeActivity]{BID: "b" + strconv.Itoa(i), Operation: op.Op, Entity: timeActivityOf(op)}
	}
	results, err := qbo.Batch(ctx, c, p.in.RequestID, writes)
	if err != nil {
		return qboError(subject{what: "time cards"}, err)
	}
	if len(results) != len(send) {
		return fmt.Errorf("activities: batch answered %d results for %d writes", len(results), len(send))
	}
	for i, op := range send {
		heartbeat(ctx, i)
		res := results[i]
		if errors.Is(res.Err, qbo.ErrStale) && op.Op == workflows.OpUpdate {
			// Edited in QBO since our last sync: Hoursync owns time cards, so re-apply.
			res.Entity, res.Err = reapplyTimeActivity(ctx, c, p.in.RealmID, op)
			res.Err = reapplied(res.Err)
		}
		if err := a.settle(ctx, p, op, res.Entity, res.Err); err != nil {
			return err
		}
	}
	return nil
}

// errReapplied marks a write that went through only once QBO's newer copy was re-read.
type errReapplied struct{}

func (errReapplied) Error() string { return "reapplied" }

// reapplied turns the outcome of a re-apply into what settle reads: a success that
// says it was re-applied, or the re-apply's own failure.
func reapplied(err error) error {
	if err == nil {
		return errReapplied{}
	}
	return err
}

// settle takes one card's result: a success to store with the others, or the fault
// QBO answered, stored at once.
func (a *Activities) settle(ctx context.Context, p *pushed, op workflows.TimeActivityOp, got qbo.TimeActivity, qboErr error) error {
	msg := ""
	if errors.Is(qboErr, errReapplied{}) {
		qboErr, msg = nil, "QuickBooks had a newer copy of this time; Hoursync's values were applied on top of it."
	}
	if errors.Is(qboErr, qbo.ErrNotFound) && op.Op == workflows.OpDelete {
		qboErr = nil // already gone in QBO: the deletion is done
		got = qbo.TimeActivity{Header: qbo.Header{ID: op.QBOID, SyncToken: op.SyncToken}}
	}
	if qboErr != nil {
		outcome := workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID}}
		outcome.ErrorType, outcome.Message = cardFailure(op, qboErr)
		if err := a.recordTimeCardFault(ctx, p.in, op, qboErr, outcome, p.run); err != nil {
			return err
		}
		p.failed(outcome)
		return nil
	}
	if msg == "" {
		msg = map[string]string{workflows.OpCreate: "Created in QuickBooks", workflows.OpUpdate: "Updated in QuickBooks",
			workflows.OpDelete: "Deleted in QuickBooks"}[op.Op]
	}
	p.succeeded(op, got.ID, got.SyncToken, msg, false)
	return nil
}

// SinglesInFlight is how many single writes one push sends at once: QBO allows 10 in
// flight per realm, which the batch calls of the other lanes share.
const SinglesInFlight = 4

// pushSingles sends each write on its own, a few at once, with the requestid of its
// op (a retried activity resends the same requests, which QBO answers with its
// replays), and spends only the request budget the realm's batch calls leave. A card
// QBO refused fails alone; a call that got no answer (QBO down, throttled past the
// back-off, the connection) fails the activity, for Temporal to retry.
func (a *Activities) pushSingles(ctx context.Context, c *qbo.Client, p *pushed, send []workflows.TimeActivityOp) error {
	ctx = qbo.WithSpareBudget(ctx)
	errs := make([]error, len(send))
	slots := make(chan struct{}, SinglesInFlight)
	var wg sync.WaitGroup
	for i, op := range send {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			got, err := sendSingle(ctx, c, p.in.RealmID, op)
			if errors.Is(err, qbo.ErrStale) && op.Op == workflows.OpUpdate {
				got, err = reapplyTimeActivity(ctx, c, p.in.RealmID, op)
				err = reapplied(err)
			}
			if err != nil && !errors.Is(err, errReapplied{}) && !answered(err) {
				errs[i] = err
				return
			}
			errs[i] = a.settle(ctx, p, op, got, err)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return qboError(subject{what: "time cards"}, err)
	}
	return nil
}

// sendSingle sends one op as a write of its own.
func sendSingle(ctx context.Context, c *qbo.Client, realm string, op workflows.TimeActivityOp) (qbo.TimeActivity, error) {
	rid := op.SingleRequestID(realm)
	switch op.Op {
	case workflows.OpCreate:
		return qbo.Create(ctx, c, rid, timeActivityOf(op))
	case workflows.OpUpdate:
		return qbo.Update(ctx, c, rid, timeActivityOf(op))
	case workflows.OpDelete:
		err := qbo.Delete[qbo.TimeActivity](ctx, c, rid, op.QBOID, op.SyncToken)
		return qbo.TimeActivity{Header: qbo.Header{ID: op.QBOID, SyncToken: op.SyncToken}}, err
	}
	return qbo.TimeActivity{}, fmt.Errorf("activities: unsupported time activity operation %q", op.Op)
}

// answered reports whether QBO answered the write with a fault about the card itself
// (what a batch reports per item), rather than failing the call.
func answered(err error) bool {
	var f *qbo.Fault
	if !errors.As(err, &f) {
		return false
	}
	for _, kind := range []error{qbo.ErrStale, qbo.ErrNotFound, qbo.ErrDuplicateName, qbo.ErrValidation} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

// recordTimeCardFault records a card QBO refused. QBO answered, so the card's next
// write is a new request (a repeat of this one would get the same fault back); a
// time deleted in QBO is unlinked, so syncing the card again creates it anew.
func (a *Activities) recordTimeCardFault(ctx context.Context, in workflows.PushTimeActivitiesInput, op workflows.TimeActivityOp, qboErr error, outcome workflows.Outcome, r store.SyncRun) error {
	if errors.Is(qboErr, qbo.ErrNotFound) && referenceOf(qboErr) == "" && op.QBOID != "" {
		if err := a.Store.MarkDeletedInQBO(ctx, in.AccountID, in.RealmID, store.ObjectTimeCard, op.CardID); err != nil {
			return err
		}
	}
	return a.Store.RecordQBOFault(ctx, in.AccountID, store.ObjectTimeCard, op.CardID, outcome.ErrorType, outcome.Message, r)
}

// reapplyTimeActivity re-reads a TimeActivity edited in QBO since the last sync and
// applies Hoursync's fields on top of QBO's copy.
func reapplyTimeActivity(ctx context.Context, c *qbo.Client, realm string, op workflows.TimeActivityOp) (qbo.TimeActivity, error) {
	current, err := qbo.Read[qbo.TimeActivity](ctx, c, op.QBOID)
	if err != nil {
		return qbo.TimeActivity{}, err
	}
	// Only Hoursync's fields are re-applied: billed in QBO stays billed.
	op.KeepBilled = op.KeepBilled || current.Billed()
	op.SyncToken = current.SyncToken
	return qbo.Update(ctx, c, reqID(realm, store.ObjectTimeCard, op.CardID, op.Version, "reapply", current.SyncToken), timeActivityOf(op))
}
