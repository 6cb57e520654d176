package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// InvoiceSyncInput names the invoice to sync.
type InvoiceSyncInput struct {
	AccountID int64 `json:"account_id"`
	InvoiceID int64 `json:"invoice_id"`
}

// InvoiceSyncResult says what happened to the invoice in QBO.
type InvoiceSyncResult struct {
	Outcome Outcome `json:"outcome"`
	Op      string  `json:"op"`
	QBOID   string  `json:"qbo_id"`
}

// InvoiceSync brings one invoice into QBO (id invoice-sync/<account>/<invoice>; a
// second click attaches to the running sync): the customer and every line's service are
// ensured, then the Invoice is created or sparse-updated with all its lines and linked
// to the synced time activities it bills, or deleted or voided in QBO. It needs no time
// tracking, so it works on every plan.
func InvoiceSync(ctx workflow.Context, in InvoiceSyncInput) (InvoiceSyncResult, error) {
	res := InvoiceSyncResult{Outcome: Outcome{Object: ObjectRef{Type: ObjectInvoice, ID: in.InvoiceID}}}
	progress := Progress{Total: 1, Current: fmt.Sprintf("invoice %d", in.InvoiceID), Message: "Syncing the invoice"}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return progress, nil }); err != nil {
		return res, err
	}
	lctx := localActivity(ctx)
	qctx := qboActivity(ctx, shortActivityTimeout)
	fail := func(err error) (InvoiceSyncResult, error) {
		errType, msg := failureOf(err)
		res.Outcome.ErrorType, res.Outcome.Message = errType, msg
		_ = ActRecordSyncOutcome.ExecuteLocal(lctx, RecordOutcomeInput{AccountID: in.AccountID, Kind: KindInvoice,
			Outcomes: []Outcome{res.Outcome}}).Get(ctx, nil)
		progress.Done, progress.Failed, progress.Message = 1, 1, msg
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrFailed.ValueSet(1))
		return res, nil
	}

	if err := ActMarkSyncing.ExecuteLocal(lctx, MarkSyncingInput{AccountID: in.AccountID, ObjectType: ObjectInvoice,
		IDs: []int64{in.InvoiceID}, Kind: KindInvoice}).Get(ctx, nil); err != nil {
		return fail(err)
	}
	var conn ConnectionInfo
	if err := ActCheckPlan.Execute(qctx, CheckPlanInput{AccountID: in.AccountID}).Get(ctx, &conn); err != nil {
		return fail(err)
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, AttrRealm.ValueSet(conn.RealmID))
	var ref InvoiceRef
	if err := ActLoadInvoice.ExecuteLocal(lctx, LoadInvoiceInput(in)).Get(ctx, &ref); err != nil {
		return fail(err)
	}
	if !ref.Deleted && !ref.Void {
		progress.Current = "customer"
		if err := ActEnsureCustomer.Execute(qctx, EnsureInput{AccountID: in.AccountID, RealmID: conn.RealmID, ObjectID: ref.CustomerID}).Get(ctx, nil); err != nil {
			return fail(err)
		}
		futures := make([]workflow.Future, len(ref.ServiceIDs))
		for i, id := range ref.ServiceIDs {
			futures[i] = ActEnsureService.Execute(qctx, EnsureInput{AccountID: in.AccountID, RealmID: conn.RealmID, ObjectID: id})
		}
		progress.Current = "services"
		for _, f := range futures {
			if err := f.Get(ctx, nil); err != nil {
				return fail(err)
			}
		}
	}
	progress.Current = "invoice " + ref.Number
	var op InvoiceOp
	if err := ActPrepareInvoice.ExecuteLocal(lctx, PrepareInvoiceInput{AccountID: in.AccountID, RealmID: conn.RealmID, InvoiceID: in.InvoiceID}).Get(ctx, &op); err != nil {
		return fail(err)
	}
	res.Op = op.Op
	push := PushInvoiceInput{AccountID: in.AccountID, RealmID: conn.RealmID, Op: op, RequestID: op.RequestID(conn.RealmID)}
	var out Outcome
	if err := ActPushInvoice.Execute(qctx, push).Get(ctx, &out); err != nil {
		return fail(err)
	}
	res.Outcome = out
	progress.Done = 1
	if !out.Succeeded {
		progress.Failed = 1
		progress.Message = out.Message
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrFailed.ValueSet(1))
	} else {
		progress.Synced = 1
		progress.Message = "Invoice " + ref.Number + " is in QuickBooks."
	}
	progress.Current = ""
	return res, nil
}
