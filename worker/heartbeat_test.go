package worker

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"hoursync/internal/testutil"
)

// quietActivities record one heartbeat, then work for longer than their heartbeat
// timeout without another: a QBO call held up by throttling.
type quietActivities struct{}

func (*quietActivities) QuietWork(ctx context.Context, d time.Duration) (string, error) {
	activity.RecordHeartbeat(ctx, "7 of 30")
	select {
	case <-time.After(d):
		return "done", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func quietWorkflow(ctx workflow.Context, d time.Duration) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		HeartbeatTimeout:    time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, "QuietWork", d).Get(ctx, &out)
	return out, err
}

// TestActivitiesHeartbeatWhileTheirWorkerLives: an activity quiet for four times its
// heartbeat timeout still succeeds on a Hoursync worker, and the details it recorded
// itself stay visible to operators meanwhile.
func TestActivitiesHeartbeatWhileTheirWorkerLives(t *testing.T) {
	c, queue := testutil.Temporal(t)
	w, err := New(c, Options{TaskQueue: queue})
	if err != nil {
		t.Fatal(err)
	}
	w.RegisterActivity(&quietActivities{})
	w.RegisterWorkflow(quietWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: testutil.UniqueName("quiet"), TaskQueue: queue}, quietWorkflow, 4*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Halfway, the activity is running and shows its own progress, not an empty heartbeat.
	time.Sleep(2500 * time.Millisecond)
	desc, err := c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	pending := desc.GetPendingActivities()
	if len(pending) != 1 || pending[0].GetState() != enums.PENDING_ACTIVITY_STATE_STARTED {
		t.Fatalf("pending activities: %v", pending)
	}
	var details string
	if err := converter.GetDefaultDataConverter().FromPayloads(pending[0].GetHeartbeatDetails(), &details); err != nil || details != "7 of 30" {
		t.Errorf("heartbeat details %q (%v), want the activity's own %q", details, err, "7 of 30")
	}
	var out string
	if err := run.Get(ctx, &out); err != nil || out != "done" {
		t.Fatalf("quiet activity: %q, %v", out, err)
	}
}
