package workflows_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"hoursync/workflows"
)

// TestHistoriesOfEarlierVersionsStillReplay replays histories recorded by earlier
// versions of the workflows (testdata/*-v0.json: a time-card sync with ensures, an
// up-to-date card, a delete and a relinked invoice; one that continued as new after
// 600 cards; an import; an invoice sync) against the current code. A changed command
// that is not behind workflow.GetVersion fails here, before it can break a sync that
// was running when the workers were upgraded.
func TestHistoriesOfEarlierVersionsStillReplay(t *testing.T) {
	files, err := filepath.Glob("testdata/*-v*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(workflows.Import)
			r.RegisterWorkflow(workflows.TimeCardSync)
			r.RegisterWorkflow(workflows.InvoiceSync)
			r.RegisterWorkflow(workflows.Resync)
			if err := r.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
