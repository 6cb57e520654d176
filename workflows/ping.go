package workflows

import "go.temporal.io/sdk/workflow"

// Ping answers "pong": operators and readiness checks use it to prove a worker polls
// the task queue.
func Ping(ctx workflow.Context, name string) (string, error) {
	return "pong " + name, nil
}
