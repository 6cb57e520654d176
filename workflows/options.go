package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// nonRetryable are the error types retrying cannot fix.
var nonRetryable = []string{ErrTypeNeedsReconnect, ErrTypePlan, ErrTypeValidation, ErrTypeDeletedInQBO,
	ErrTypeIncomeAccount, ErrTypeNotConnected, ErrTypeNotFound, ErrTypeInactiveInQBO, ErrTypeNumberTaken}

// retry backs off exponentially from a second up to maxInterval; errors a person has
// to fix are never retried. attempts 0 means until the activity's timeout.
func retry(maxInterval time.Duration, attempts int32) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        maxInterval,
		MaximumAttempts:        attempts,
		NonRetryableErrorTypes: nonRetryable,
	}
}

// qboActivity is the options of an activity that talks to QBO: retried with back-off
// (throttling and outages ride out), except for errors a person has to fix.
func qboActivity(ctx workflow.Context, timeout time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    heartbeatTimeout,
		RetryPolicy:         retry(time.Minute, 10),
	})
}

// localActivity is the options of a short activity that only touches the database. It
// runs as a local activity: in the worker that runs the workflow, without a round trip
// through the Temporal server per call, which is most of a batch's latency otherwise.
func localActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         retry(30*time.Second, 0),
	})
}

// clientActivity is the options of an activity that calls Temporal itself (feeding
// other workflows, pausing schedules).
func clientActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         retry(30*time.Second, 0),
	})
}

// failureOf turns an activity error into the type and message a person sees.
func failureOf(err error) (errType, message string) {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch appErr.Type() {
		case ErrTypeNeedsReconnect:
			return appErr.Type(), MsgReconnect
		case ErrTypePlan:
			return appErr.Type(), MsgPlan
		case ErrTypeNotConnected:
			return appErr.Type(), MsgNotConnected
		}
		return appErr.Type(), appErr.Message()
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return "Timeout", "QuickBooks Online did not answer in time; the sync gave up after several tries. Try again, or open the workflow for details."
	}
	return "Unexpected", "The sync failed after several tries: " + err.Error() + ". Open the workflow for details."
}

// stopsEverything reports whether an error ends the whole sync, not one object:
// without a working connection or the right plan no object can sync.
func stopsEverything(errType string) bool {
	return errType == ErrTypeNeedsReconnect || errType == ErrTypePlan || errType == ErrTypeNotConnected
}
