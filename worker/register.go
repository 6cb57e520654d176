package worker

import sdkworker "go.temporal.io/sdk/worker"

// registerSync registers the QBO sync workflows.
func registerSync(w sdkworker.Worker) {}
