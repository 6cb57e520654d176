package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"
)

// SignalQBOChanged tells an account's PullChanges that QBO reported changes (a webhook).
const SignalQBOChanged = "qbo-changed"

// KindPullChanges is the SyncKind of PullChanges runs.
const KindPullChanges = "pull-changes"

// PullResult is what a pull of QBO's changes did.
type PullResult struct {
	Customers int `json:"customers"`
	Services  int `json:"services"`
	Invoices  int `json:"invoices"`
	// NeedsFullImport: CDC cannot tell everything (no recent pull, over its cap, or
	// lists read whole changed): an import follows.
	NeedsFullImport bool `json:"needs_full_import"`
	// Watermark is where the next pull starts once this one (or its import) is done.
	Watermark time.Time `json:"watermark"`
	Message   string    `json:"message"`
}

// MarkPulledInput records that everything up to Watermark is in Hoursync.
type MarkPulledInput struct {
	AccountID int64     `json:"account_id"`
	RealmID   string    `json:"realm_id"`
	Watermark time.Time `json:"watermark"`
}

// PullChangesID is the id of an account's pull of QBO's changes: one at a time.
func PullChangesID(accountID int64) string { return fmt.Sprintf("pull-changes/%d", accountID) }

// pullDebounce gathers a burst of webhook notifications into one pull.
const pullDebounce = 5 * time.Second

// PullChanges brings what changed in QBO into Hoursync through CDC (one metered read),
// or a full import when CDC cannot tell everything. Webhooks signal it
// (signal-with-start, so a burst of notifications makes one run): it waits a few
// seconds for the burst to end, pulls, and pulls again if more notifications came
// meanwhile.
func PullChanges(ctx workflow.Context, in AccountInput) (PullResult, error) {
	var res PullResult
	progress := Progress{Message: "Bringing in changes from QuickBooks", Current: "changes"}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return progress, nil }); err != nil {
		return res, err
	}
	signals := workflow.GetSignalChannel(ctx, SignalQBOChanged)
	drain := func() bool {
		got := false
		for signals.ReceiveAsync(nil) {
			got = true
		}
		return got
	}
	for round := 0; ; round++ {
		if err := workflow.Sleep(ctx, pullDebounce); err != nil {
			return res, err
		}
		drain()
		var conn ConnectionInfo
		if err := ActConnection.ExecuteLocal(localActivity(ctx), in).Get(ctx, &conn); err != nil {
			errType, msg := failureOf(err)
			if errType == ErrTypeNotConnected || errType == ErrTypeNeedsReconnect {
				res.Message = msg
				return res, nil
			}
			return res, err
		}
		ref := ConnectionRef{AccountID: in.AccountID, RealmID: conn.RealmID}
		if err := ActPullChanges.Execute(qboActivity(ctx, longActivityTimeout), ref).Get(ctx, &res); err != nil {
			return res, err
		}
		if res.NeedsFullImport {
			progress.Current = "import"
			child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID: fmt.Sprintf("%s/import-%d", workflow.GetInfo(ctx).WorkflowExecution.ID, round),
			})
			var imp ImportResult
			if err := workflow.ExecuteChildWorkflow(child, Import, ImportInput{AccountID: in.AccountID, RealmID: conn.RealmID,
				Reason: "changes in QuickBooks"}).Get(ctx, &imp); err != nil {
				return res, err
			}
			if err := ActMarkPulled.ExecuteLocal(localActivity(ctx), MarkPulledInput{AccountID: in.AccountID, RealmID: conn.RealmID,
				Watermark: res.Watermark}).Get(ctx, nil); err != nil {
				return res, err
			}
			res.Message += " " + imp.Message
		}
		progress.Current, progress.Message = "", res.Message
		if !drain() || round >= 20 {
			return res, nil
		}
	}
}
