package server

import (
	"context"
	"net/http"
	"testing"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/internal/testutil"
)

// TestSyncActionsStartWorkflowsOnTemporal runs the sync endpoints against the Temporal
// dev server through the real starter: the answer names a workflow Temporal knows, and
// the cards show "syncing" at once.
func TestSyncActionsStartWorkflowsOnTemporal(t *testing.T) {
	tc, queue := testutil.Temporal(t)
	var starter *syncs.Starter
	e := newEnv(t, func(d *Deps) {
		starter = syncs.New(tc, queue, d.Store)
		d.Syncer = starter
	})
	owner := e.signUp()
	f := owner.fixtures()
	card := owner.timeCard(f, "2026-03-02", 60)
	e.connect(owner.me.Account.ID, "realm-t-"+testutil.RandomHex(4))

	var started startedJSON
	owner.call("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{card.ID}}, http.StatusAccepted, &started)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), started.WorkflowID, "", "test finished") })
	if started.RunID == "" {
		t.Fatalf("started = %+v", started)
	}
	desc, err := tc.DescribeWorkflowExecution(context.Background(), started.WorkflowID, "")
	if err != nil || desc.GetWorkflowExecutionInfo().GetTaskQueue() != queue {
		t.Fatalf("workflow not on Temporal: %v", err)
	}
	var got timeCardJSON
	owner.call("GET", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, &got)
	if got.SyncStatus != store.StatusSyncing {
		t.Fatalf("card status = %q", got.SyncStatus)
	}
	// A card that is syncing cannot be changed silently.
	owner.fails("PUT", "/api/v1/time-cards/"+itoa64(card.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-02", "minutes": 5}, http.StatusConflict, "")
	var prog progressJSON
	owner.call("GET", "/api/v1/sync/progress?workflow_id="+started.WorkflowID, nil, http.StatusOK, &prog)
	if !prog.Running {
		t.Fatalf("progress = %+v", prog)
	}
}
