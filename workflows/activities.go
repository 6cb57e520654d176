package workflows

import (
	"context"
	"reflect"

	"go.temporal.io/sdk/workflow"
)

// Activity is an activity the workflows call, typed by its input and result. The
// worker registers the method implementing it (in package activities, which the
// workflows do not import) under Name, through a function the compiler holds to
// func(context.Context, In) (Out, error); so a changed signature breaks the build, and a
// renamed method stops the worker at start, instead of failing a running sync.
type Activity[In, Out any] struct{ name string }

// Name is the activity's type name, as running histories record it.
func (a Activity[In, Out]) Name() string { return a.name }

// Execute schedules the activity with ctx's activity options.
func (a Activity[In, Out]) Execute(ctx workflow.Context, in In) workflow.Future {
	return workflow.ExecuteActivity(ctx, a.name, in)
}

// ExecuteLocal runs the activity as a local activity, in the workflow's own worker.
func (a Activity[In, Out]) ExecuteLocal(ctx workflow.Context, in In) workflow.Future {
	return workflow.ExecuteLocalActivity(ctx, a.name, in)
}

// Signature is the type of the function implementing the activity.
func (a Activity[In, Out]) Signature() reflect.Type {
	return reflect.TypeFor[func(context.Context, In) (Out, error)]()
}

// Action is an activity whose only result is its error.
type Action[In any] struct{ name string }

// Name is the activity's type name, as running histories record it.
func (a Action[In]) Name() string { return a.name }

// Execute schedules the activity with ctx's activity options.
func (a Action[In]) Execute(ctx workflow.Context, in In) workflow.Future {
	return workflow.ExecuteActivity(ctx, a.name, in)
}

// ExecuteLocal runs the activity as a local activity, in the workflow's own worker.
func (a Action[In]) ExecuteLocal(ctx workflow.Context, in In) workflow.Future {
	return workflow.ExecuteLocalActivity(ctx, a.name, in)
}

// Signature is the type of the function implementing the activity.
func (a Action[In]) Signature() reflect.Type {
	return reflect.TypeFor[func(context.Context, In) error]()
}

// ActivityType is what registering an activity needs to know of it.
type ActivityType interface {
	Name() string
	Signature() reflect.Type
}

// The activities the workflows call. Each name is the method of activities.Activities
// implementing it, and must stay as it is: running histories refer to it.
var (
	ActImportIncomeAccounts = Activity[ConnectionRef, ImportListResult]{"ImportIncomeAccounts"}
	ActImportCustomers      = Activity[ConnectionRef, ImportListResult]{"ImportCustomers"}
	ActImportServices       = Activity[ConnectionRef, ImportListResult]{"ImportServices"}
	ActImportTerms          = Activity[ConnectionRef, ImportListResult]{"ImportTerms"}
	ActImportTaxes          = Activity[ConnectionRef, ImportListResult]{"ImportTaxes"}
	ActLinkConnectingUser   = Activity[LinkUserInput, bool]{"LinkConnectingUser"}
	ActCheckPlan            = Activity[CheckPlanInput, ConnectionInfo]{"CheckPlan"}
	ActMarkSyncing          = Action[MarkSyncingInput]{"MarkSyncing"}
	ActRecordSyncOutcome    = Action[RecordOutcomeInput]{"RecordSyncOutcome"}
	ActLoadTimeCards        = Activity[LoadTimeCardsInput, []TimeCardRef]{"LoadTimeCards"}
	ActEnsureEmployee       = Activity[EnsureInput, EnsureResult]{"EnsureEmployee"}
	ActEnsureCustomer       = Activity[EnsureInput, EnsureResult]{"EnsureCustomer"}
	ActEnsureService        = Activity[EnsureInput, EnsureResult]{"EnsureService"}
	ActPrepareTimeActivity  = Activity[PrepareInput, []TimeActivityOp]{"PrepareTimeActivities"}
	ActPrepareBatch         = Activity[PrepareBatchInput, PreparedBatch]{"PrepareBatch"}
	ActPushTimeActivities   = Activity[PushTimeActivitiesInput, []Outcome]{"PushTimeActivities"}
	ActLoadInvoice          = Activity[LoadInvoiceInput, InvoiceRef]{"LoadInvoice"}
	ActPrepareInvoice       = Activity[PrepareInvoiceInput, InvoiceOp]{"PrepareInvoice"}
	ActPushInvoice          = Activity[PushInvoiceInput, Outcome]{"PushInvoice"}
	ActListChanged          = Activity[ConnectionRef, ChangedObjects]{"ListChangedObjects"}
	ActFeedSyncs            = Activity[FeedInput, FeedResult]{"FeedSyncs"}
	ActRefreshTokens        = Activity[AccountInput, string]{"RefreshTokens"}
	ActDisconnect           = Action[AccountInput]{"DisconnectQBO"}
	ActPauseSchedules       = Action[AccountInput]{"PauseSchedules"}
	ActRecordScheduledRun   = Action[ScheduledRunInput]{"RecordScheduledRun"}
	ActConnection           = Activity[AccountInput, ConnectionInfo]{"Connection"}
	ActPullChanges          = Activity[ConnectionRef, PullResult]{"PullChanges"}
	ActMarkPulled           = Action[MarkPulledInput]{"MarkPulled"}
)

// AllActivities is every activity above: the worker registers each, and its test
// checks that none is missing.
func AllActivities() []ActivityType {
	return []ActivityType{ActImportIncomeAccounts, ActImportCustomers, ActImportServices, ActImportTerms, ActImportTaxes,
		ActLinkConnectingUser, ActCheckPlan, ActMarkSyncing, ActRecordSyncOutcome, ActLoadTimeCards,
		ActEnsureEmployee, ActEnsureCustomer, ActEnsureService, ActPrepareTimeActivity, ActPrepareBatch, ActPushTimeActivities,
		ActLoadInvoice, ActPrepareInvoice, ActPushInvoice, ActListChanged, ActFeedSyncs, ActRefreshTokens,
		ActDisconnect, ActPauseSchedules, ActRecordScheduledRun, ActConnection, ActPullChanges, ActMarkPulled}
}
