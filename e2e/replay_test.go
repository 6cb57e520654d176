package e2e

import (
	"context"
	"log/slog"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"hoursync/workflows"
)

// TestSyncHistoriesReplayDeterministically replays the real histories of a time-card
// sync and an invoice sync against the current workflow code: a non-deterministic
// change (reordered commands, map iteration, a new activity without GetVersion) fails
// here before it can break running syncs.
func TestSyncHistoriesReplayDeterministically(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	inv, ids := s.invoiceFromCards(tn, 3)
	s.syncCards(tn, ids...)
	s.syncInvoice(tn, inv.ID)
	replayer := sdkworker.NewWorkflowReplayer()
	replayer.RegisterWorkflow(workflows.Import)
	replayer.RegisterWorkflow(workflows.TimeCardSync)
	replayer.RegisterWorkflow(workflows.InvoiceSync)
	ctx := context.Background()
	for _, id := range []string{workflows.ImportID(tn.account.ID), workflows.TimeCardSyncID(tn.account.ID), workflows.InvoiceSyncID(tn.account.ID, inv.ID)} {
		iter := s.temporal.GetWorkflowHistory(ctx, id, "", false, 0)
		history, err := collectHistory(iter)
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		if err := replayer.ReplayWorkflowHistory(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), history); err != nil {
			t.Fatalf("replay of %s: %v", id, err)
		}
	}
}

func collectHistory(iter client.HistoryEventIterator) (*historypb.History, error) {
	h := &historypb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, ev)
	}
	return h, nil
}
