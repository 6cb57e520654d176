package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"
)

// Re-sync scopes.
const (
	ScopeCustomers = "customers"
	ScopeChanged   = "changed"
)

// ResyncInput asks for a re-sync of a scope of an account.
type ResyncInput struct {
	AccountID int64  `json:"account_id"`
	Scope     string `json:"scope"`
}

// ResyncResult says what the re-sync did.
type ResyncResult struct {
	Import          ImportResult `json:"import"`
	PushedCustomers int          `json:"pushed_customers"`
	PushedServices  int          `json:"pushed_services"`
	Fed             FeedResult   `json:"fed"`
	Failed          int          `json:"failed"`
	Message         string       `json:"message"`
}

// ScheduledRunInput records how a scheduled job of an account ended.
type ScheduledRunInput struct {
	AccountID int64  `json:"account_id"`
	Kind      string `json:"kind"`
	OK        bool   `json:"ok"`
	Message   string `json:"message"`
}

// recordScheduledRun stores how a scheduled job ended, so a failure shows on Settings
// and in the metrics, not only in the workflow's result. Its own failure is only logged.
func recordScheduledRun(ctx workflow.Context, accountID int64, kind string, err error, message string) {
	in := ScheduledRunInput{AccountID: accountID, Kind: kind, OK: err == nil, Message: message}
	if err != nil {
		_, in.Message = failureOf(err)
	}
	if rerr := ActRecordScheduledRun.ExecuteLocal(localActivity(ctx), in).Get(ctx, nil); rerr != nil {
		workflow.GetLogger(ctx).Error("recording the scheduled run", "kind", kind, "error", rerr)
	}
}

// Resync re-imports the company's lists (customers, services, income accounts) and
// pushes local edits of customers and services back to QBO. With scope "changed" (the
// scheduled re-sync) it also hands every time card and invoice changed since its last
// sync to their own sync workflows, and records how it ended on the account.
func Resync(ctx workflow.Context, in ResyncInput) (ResyncResult, error) {
	res, err := resync(ctx, in)
	if in.Scope == ScopeChanged && workflow.GetVersion(ctx, "record-scheduled-run", workflow.DefaultVersion, 1) == 1 {
		recordScheduledRun(ctx, in.AccountID, KindScheduledResync, err, res.Message)
	}
	return res, err
}

func resync(ctx workflow.Context, in ResyncInput) (ResyncResult, error) {
	var res ResyncResult
	progress := Progress{Message: "Re-syncing with QuickBooks", Current: "connection"}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return progress, nil }); err != nil {
		return res, err
	}
	lctx := localActivity(ctx)
	qctx := qboActivity(ctx, shortActivityTimeout)
	// The scheduled re-sync follows QBO's changes by CDC (one metered read) instead of
	// importing every list, and takes the connection as stored (no read): an idle
	// company costs one read a day.
	byCDC := in.Scope == ScopeChanged && workflow.GetVersion(ctx, "resync-cdc", workflow.DefaultVersion, 1) == 1
	var conn ConnectionInfo
	var connErr error
	if byCDC {
		connErr = ActConnection.ExecuteLocal(lctx, AccountInput{AccountID: in.AccountID}).Get(ctx, &conn)
	} else {
		connErr = ActCheckPlan.Execute(qctx, CheckPlanInput{AccountID: in.AccountID}).Get(ctx, &conn)
	}
	if err := connErr; err != nil {
		errType, msg := failureOf(err)
		progress.Message = msg
		if errType == ErrTypeNotConnected {
			// A schedule of a disconnected account has nothing to do.
			res.Message = msg
			return res, nil
		}
		return res, err
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, AttrRealm.ValueSet(conn.RealmID))

	progress.Current = "import"
	child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: fmt.Sprintf("%s/import", workflow.GetInfo(ctx).WorkflowExecution.ID),
	})
	importAll := true
	var pulled PullResult
	if byCDC {
		ref := ConnectionRef{AccountID: in.AccountID, RealmID: conn.RealmID}
		if err := ActPullChanges.Execute(qboActivity(ctx, longActivityTimeout), ref).Get(ctx, &pulled); err != nil {
			return res, err
		}
		importAll = pulled.NeedsFullImport
		res.Import.Message = pulled.Message
	}
	if importAll {
		if err := workflow.ExecuteChildWorkflow(child, Import, ImportInput{AccountID: in.AccountID, RealmID: conn.RealmID,
			Reason: "re-sync " + in.Scope}).Get(ctx, &res.Import); err != nil {
			return res, err
		}
		if byCDC {
			if err := ActMarkPulled.ExecuteLocal(lctx, MarkPulledInput{AccountID: in.AccountID, RealmID: conn.RealmID,
				Watermark: pulled.Watermark}).Get(ctx, nil); err != nil {
				return res, err
			}
		}
	}

	progress.Current = "local changes"
	var changed ChangedObjects
	if err := ActListChanged.ExecuteLocal(lctx, ConnectionRef{AccountID: in.AccountID, RealmID: conn.RealmID}).Get(ctx, &changed); err != nil {
		return res, err
	}
	push := func(activity Activity[EnsureInput, EnsureResult], objectType string, ids []int64) int {
		pushed := 0
		for _, id := range ids {
			err := activity.Execute(qctx, EnsureInput{AccountID: in.AccountID, RealmID: conn.RealmID, ObjectID: id}).Get(ctx, nil)
			if err != nil {
				errType, msg := failureOf(err)
				res.Failed++
				_ = ActRecordSyncOutcome.ExecuteLocal(lctx, RecordOutcomeInput{AccountID: in.AccountID, Kind: KindResync,
					Outcomes: []Outcome{{Object: ObjectRef{Type: objectType, ID: id}, ErrorType: errType, Message: msg}}}).Get(ctx, nil)
				continue
			}
			pushed++
		}
		return pushed
	}
	res.PushedCustomers = push(ActEnsureCustomer, ObjectCustomer, changed.Customers)
	res.PushedServices = push(ActEnsureService, ObjectService, changed.Services)
	if in.Scope == ScopeChanged && (len(changed.TimeCards) > 0 || len(changed.Invoices) > 0) {
		progress.Current = "time cards and invoices"
		if err := ActFeedSyncs.Execute(clientActivity(ctx), FeedInput{AccountID: in.AccountID,
			TimeCards: changed.TimeCards, Invoices: changed.Invoices}).Get(ctx, &res.Fed); err != nil {
			return res, err
		}
	}
	res.Message = fmt.Sprintf("%s Pushed %d customer and %d service changes to QuickBooks.", res.Import.Message, res.PushedCustomers, res.PushedServices)
	if n := len(res.Fed.WorkflowIDs); n > 0 {
		res.Message += fmt.Sprintf(" Handed changed time cards and invoices to %d syncs.", n)
	}
	progress.Current, progress.Message = "", res.Message
	return res, nil
}

// TokenKeepAlive refreshes a connection's tokens. A Schedule runs it daily for every
// connection, even with re-sync off, so the refresh token never reaches its ~100-day
// idle expiry.
func TokenKeepAlive(ctx workflow.Context, in AccountInput) (string, error) {
	var msg string
	err := ActRefreshTokens.Execute(qboActivity(ctx, shortActivityTimeout), in).Get(ctx, &msg)
	var errType, m string
	if err != nil {
		errType, m = failureOf(err)
	}
	// A keep-alive that cannot refresh is the first sign of a connection about to die:
	// it is recorded where a person and an operator look (a disconnected account's
	// keep-alive has nothing to say).
	if errType != ErrTypeNotConnected && workflow.GetVersion(ctx, "record-scheduled-run", workflow.DefaultVersion, 1) == 1 {
		recordScheduledRun(ctx, in.AccountID, KindKeepAlive, err, msg)
	}
	if err != nil {
		if errType == ErrTypeNotConnected || errType == ErrTypeNeedsReconnect {
			return m, nil
		}
		return "", err
	}
	return msg, nil
}

// Disconnect revokes the grant at Intuit, deletes the tokens and pauses the account's
// schedules. Links stay, so reconnecting the same company never duplicates anything.
func Disconnect(ctx workflow.Context, in AccountInput) error {
	qctx := qboActivity(ctx, shortActivityTimeout)
	if err := ActDisconnect.Execute(qctx, in).Get(ctx, nil); err != nil {
		return err
	}
	return ActPauseSchedules.Execute(clientActivity(ctx), in).Get(ctx, nil)
}
