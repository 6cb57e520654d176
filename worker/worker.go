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
}

// New returns a worker polling opts.TaskQueue with every workflow and activity registered.
func New(c client.Client, opts Options) (sdkworker.Worker, error) {
	if opts.TaskQueue == "" {
		return nil, fmt.Errorf("worker: task queue is required")
	}
	if opts.MaxConcurrentActivities <= 0 {
		opts.MaxConcurrentActivities = 20
	}
	w := sdkworker.New(c, opts.TaskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize:     opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: 50,
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
