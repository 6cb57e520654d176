package worker

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"

	"go.temporal.io/sdk/activity"
	sdkworker "go.temporal.io/sdk/worker"

	"hoursync/activities"
	"hoursync/workflows"
)

// registerSync registers the QBO sync workflows.
func registerSync(w sdkworker.Worker) {
	w.RegisterWorkflow(workflows.Import)
	w.RegisterWorkflow(workflows.TimeCardSync)
	w.RegisterWorkflow(workflows.InvoiceSync)
	w.RegisterWorkflow(workflows.Resync)
	w.RegisterWorkflow(workflows.TokenKeepAlive)
	w.RegisterWorkflow(workflows.Disconnect)
	w.RegisterWorkflow(workflows.PullChanges)
}

// activityRegistry is the part of a Temporal worker that takes activities.
type activityRegistry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// registerActivities registers every activity the workflows call (workflows.Act…)
// under its name, bound to the method of acts implementing it. The compiler holds each
// method to its activity's signature; a method whose name is not its activity's (one
// side renamed, or two activities of one signature swapped) is refused, and the worker
// does not start.
func registerActivities(r activityRegistry, acts *activities.Activities) error {
	return errors.Join(
		bind(r, workflows.ActImportIncomeAccounts, acts.ImportIncomeAccounts),
		bind(r, workflows.ActImportCustomers, acts.ImportCustomers),
		bind(r, workflows.ActImportServices, acts.ImportServices),
		bind(r, workflows.ActImportTerms, acts.ImportTerms),
		bind(r, workflows.ActImportTaxes, acts.ImportTaxes),
		bind(r, workflows.ActLinkConnectingUser, acts.LinkConnectingUser),
		bind(r, workflows.ActCheckPlan, acts.CheckPlan),
		bindAction(r, workflows.ActMarkSyncing, acts.MarkSyncing),
		bindAction(r, workflows.ActRecordSyncOutcome, acts.RecordSyncOutcome),
		bind(r, workflows.ActLoadTimeCards, acts.LoadTimeCards),
		bind(r, workflows.ActEnsureEmployee, acts.EnsureEmployee),
		bind(r, workflows.ActEnsureCustomer, acts.EnsureCustomer),
		bind(r, workflows.ActEnsureService, acts.EnsureService),
		bind(r, workflows.ActPrepareTimeActivity, acts.PrepareTimeActivities),
		bind(r, workflows.ActPrepareBatch, acts.PrepareBatch),
		bind(r, workflows.ActPushTimeActivities, acts.PushTimeActivities),
		bind(r, workflows.ActLoadInvoice, acts.LoadInvoice),
		bind(r, workflows.ActPrepareInvoice, acts.PrepareInvoice),
		bind(r, workflows.ActPushInvoice, acts.PushInvoice),
		bind(r, workflows.ActListChanged, acts.ListChangedObjects),
		bind(r, workflows.ActFeedSyncs, acts.FeedSyncs),
		bind(r, workflows.ActRefreshTokens, acts.RefreshTokens),
		bindAction(r, workflows.ActDisconnect, acts.DisconnectQBO),
		bindAction(r, workflows.ActPauseSchedules, acts.PauseSchedules),
		bindAction(r, workflows.ActRecordScheduledRun, acts.RecordScheduledRun),
		bind(r, workflows.ActConnection, acts.Connection),
		bind(r, workflows.ActPullChanges, acts.PullChanges),
		bindAction(r, workflows.ActMarkPulled, acts.MarkPulled),
	)
}

// bind registers fn as the activity a.
func bind[In, Out any](r activityRegistry, a workflows.Activity[In, Out], fn func(context.Context, In) (Out, error)) error {
	return register(r, a.Name(), fn)
}

// bindAction registers fn as the activity a, which has no result but its error.
func bindAction[In any](r activityRegistry, a workflows.Action[In], fn func(context.Context, In) error) error {
	return register(r, a.Name(), fn)
}

func register(r activityRegistry, name string, fn any) error {
	if method := methodName(fn); method != name {
		return fmt.Errorf("worker: activity %s is bound to method %s: an activity is implemented by the method of its own name (running histories name the activity, so rename the method back)", name, method)
	}
	r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	return nil
}

// methodName is the name of the method fn is a method value of ("CheckPlan" for
// acts.CheckPlan, whose function is hoursync/activities.(*Activities).CheckPlan-fm).
func methodName(fn any) string {
	full := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	return strings.TrimSuffix(full[strings.LastIndex(full, ".")+1:], "-fm")
}
