package e2e

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"hoursync/internal/testutil"
	"hoursync/worker"
	"hoursync/workflows"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func TestWorkerPollsItsTaskQueueAndRunsWorkflows(t *testing.T) {
	c, queue := testutil.Temporal(t)
	w, err := worker.New(c, worker.Options{TaskQueue: queue})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "ping/" + queue, TaskQueue: queue}, workflows.Ping, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := run.Get(ctx, &out); err != nil || out != "pong e2e" {
		t.Fatalf("ping = %q, %v", out, err)
	}
	desc, err := c.DescribeTaskQueue(ctx, queue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.GetPollers()) == 0 {
		t.Fatalf("no pollers on %s", queue)
	}
}
