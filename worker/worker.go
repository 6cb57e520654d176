// Package worker wires Hoursync's Temporal worker: it connects to Temporal, registers
// every workflow and activity on the task queue, and exports the SDK's metrics.
package worker

import (
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"hoursync/activities"
	"hoursync/workflows"
)

// Options configures a worker.
type Options struct {
	TaskQueue string
	// MaxConcurrentActivities caps activities running at once in this process; QBO's
	// per-realm limits are enforced separately, across all workers.
	MaxConcurrentActivities int
	// Activities implements the activities the workflows call; nil registers workflows
	// only.
	Activities *activities.Activities
	// Pollers is how many long polls the worker keeps open for workflow tasks and for
	// activity tasks each (default DefaultPollers).
	Pollers int
}

// DefaultPollers is the pollers a worker keeps open per kind of task. Temporal spreads
// a task queue over partitions (4 by default, on the dev server and on clusters alike);
// a partition no poller is waiting on hands its tasks on only after a delay (about 2 s
// was measured per stalled activity), so a worker polls every partition at once, with
// room to spare: workflow-task pollers split between the sticky queue and the shared
// one, and ten syncs at once schedule dozens of tasks a second (with 8 pollers their
// activities waited 68 ms on average to start, with 16 34 ms; docs/BENCHMARKS.md).
const DefaultPollers = 16

// New returns a worker polling opts.TaskQueue with every workflow and activity registered.
func New(c client.Client, opts Options) (sdkworker.Worker, error) {
	if opts.TaskQueue == "" {
		return nil, fmt.Errorf("worker: task queue is required")
	}
	if opts.MaxConcurrentActivities <= 0 {
		opts.MaxConcurrentActivities = 20
	}
	if opts.Pollers <= 0 {
		opts.Pollers = DefaultPollers
	}
	w := sdkworker.New(c, opts.TaskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize:     opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: 50,
		MaxConcurrentWorkflowTaskPollers:       opts.Pollers,
		MaxConcurrentActivityTaskPollers:       opts.Pollers,
		Interceptors:                           []interceptor.WorkerInterceptor{&autoHeartbeat{}},
	})
	w.RegisterWorkflow(workflows.Ping)
	registerSync(w)
	if opts.Activities != nil {
		if err := registerActivities(w, opts.Activities); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Dial connects a Temporal client that logs through logger.
func Dial(address, namespace string, logger *slog.Logger, metrics client.MetricsHandler) (client.Client, error) {
	opts := client.Options{HostPort: address, Namespace: namespace, Logger: log.NewStructuredLogger(logger)}
	if metrics != nil {
		opts.MetricsHandler = metrics
	}
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("worker: connect to Temporal at %s: %w", address, err)
	}
	return c, nil
}
