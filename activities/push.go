package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"

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
// requestid: a retry after a lost response is answered by QBO's replay, never executed
// twice. Each card's link and state are stored before the activity completes; a stale
// SyncToken is re-read and Hoursync's fields re-applied; one card's failure is that
// card's alone. Cards already up to date (OpNone) are not sent.
func (a *Activities) PushTimeActivities(ctx context.Context, in workflows.PushTimeActivitiesInput) ([]workflows.Outcome, error) {
	if len(in.Ops) > workflows.BatchSize {
		return nil, permanent(workflows.ErrTypeValidation, "a batch holds at most %d writes, got %d", workflows.BatchSize, len(in.Ops))
	}
	r := run(ctx, in.Kind)
	outcomes := make([]workflows.Outcome, 0, len(in.Ops))
	var send []workflows.TimeActivityOp
	for _, op := range in.Ops {
		if op.Op != workflows.OpNone {
			send = append(send, op)
			continue
		}
		if err := a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectTimeCard, op.CardID, store.SyncSuccess{
			RealmID: in.RealmID, QBOID: op.QBOID, SyncToken: op.SyncToken, SyncedVersion: op.Version, Message: msgUpToDate}, r); err != nil {
			return nil, err
		}
		outcomes = append(outcomes, workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID},
			Succeeded: true, Skipped: true, Message: msgUpToDate})
	}
	if len(send) == 0 {
		return outcomes, nil // QBO rejects empty batches; there is nothing to send.
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	writes := make([]qbo.BatchOp[qbo.TimeActivity], len(send))
	for i, op := range send {
		writes[i] = qbo.BatchOp[qbo.TimeActivity]{BID: "b" + strconv.Itoa(i), Operation: op.Op, Entity: timeActivityOf(op)}
	}
	results, err := qbo.Batch(ctx, c, in.RequestID, writes)
	if err != nil {
		return nil, qboError(subject{what: "time cards"}, err)
	}
	if len(results) != len(send) {
		return nil, fmt.Errorf("activities: batch answered %d results for %d writes", len(results), len(send))
	}
	for i, op := range send {
		heartbeat(ctx, i)
		res := results[i]
		msg := ""
		if errors.Is(res.Err, qbo.ErrStale) && op.Op == workflows.OpUpdate {
			// Edited in QBO since our last sync: Hoursync owns time cards, so re-apply.
			res.Entity, res.Err = reapplyTimeActivity(ctx, c, in.RealmID, op)
			msg = "QuickBooks had a newer copy of this time; Hoursync's values were applied on top of it."
		}
		if errors.Is(res.Err, qbo.ErrNotFound) && op.Op == workflows.OpDelete {
			res.Err = nil // already gone in QBO: the deletion is done
			res.Entity = qbo.TimeActivity{Header: qbo.Header{ID: op.QBOID, SyncToken: op.SyncToken}}
		}
		outcome := workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectTimeCard, ID: op.CardID}}
		if res.Err != nil {
			outcome.ErrorType, outcome.Message = cardFailure(op, res.Err)
			if err := a.recordTimeCardFault(ctx, in, op, res.Err, outcome, r); err != nil {
				return nil, err
			}
			outcomes = append(outcomes, outcome)
			continue
		}
		if msg == "" {
			msg = map[string]string{workflows.OpCreate: "Created in QuickBooks", workflows.OpUpdate: "Updated in QuickBooks",
				workflows.OpDelete: "Deleted in QuickBooks"}[op.Op]
		}
		if err := a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectTimeCard, op.CardID, store.SyncSuccess{
			RealmID: in.RealmID, QBOID: res.Entity.ID, SyncToken: res.Entity.SyncToken, SyncedVersion: op.Version,
			Deleted: op.Op == workflows.OpDelete, Message: msg}, r); err != nil {
			return nil, err
		}
		outcome.Succeeded, outcome.Message = true, msg
		outcomes = append(outcomes, outcome)
	}
	a.logger(ctx).Info("time activities pushed", "account_id", in.AccountID, "realm_id", in.RealmID, "writes", len(send), "request_id", in.RequestID)
	return outcomes, nil
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
