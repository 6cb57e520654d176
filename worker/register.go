package worker

import (
	sdkworker "go.temporal.io/sdk/worker"

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
}
