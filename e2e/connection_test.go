package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/workflows"
)

func TestRevokedGrantFailsTheSyncWithReconnect(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	_, _, _, ids := s.newCards(tn, 1)
	s.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "revoke"}, nil)
	// The stored access token may still be honoured until it expires; expire it too.
	s.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "expire_tokens"}, nil)
	s.syncCards(tn, ids...)
	st := s.state(tn, store.ObjectTimeCard, ids[0])
	if st.Status != store.StatusFailed || st.Message != workflows.MsgReconnect {
		t.Fatalf("card state %+v, want the reconnect message", st)
	}
	conn, err := s.conns.Get(context.Background(), tn.account.ID)
	if err != nil || conn.Status != store.ConnectionNeedsReconnect {
		t.Fatalf("connection = %+v, %v", conn, err)
	}
}

func TestDisconnectAndReconnectDuplicatesNothing(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	_, _, _, ids := s.newCards(tn, 2)
	s.syncCards(tn, ids...)
	ctx := context.Background()
	if err := s.starter.Disconnect(ctx, tn.account.ID); err != nil {
		t.Fatal(err)
	}
	s.connectRealm(tn.account.ID, tn.owner.ID, tn.realm)
	s.importAll(tn)
	s.syncCards(tn, ids...)
	if n := len(live(s.entities(tn.realm, "TimeActivity"))); n != 2 {
		t.Fatalf("TimeActivities after reconnect = %d, want 2", n)
	}
	custs, _ := s.store.ListCustomers(ctx, tn.account.ID, "", store.Page{})
	seen := map[string]int{}
	for _, x := range s.entities(tn.realm, "Customer") {
		seen[str(x["DisplayName"])]++
	}
	for name, n := range seen {
		if n > 1 {
			t.Fatalf("customer %q appears %d times in QBO", name, n)
		}
	}
	if len(custs) != len(seen) {
		t.Fatalf("local customers %d vs QBO %d", len(custs), len(seen))
	}
}

func TestSchedulesExistAfterConnectFireAndPauseOnDisconnect(t *testing.T) {
	s := newStack(t)
	s.starter.WithIntervals(syncs.Intervals{Hourly: 2 * time.Second, Daily: 2 * time.Second, KeepAlive: 2 * time.Second})
	tn := s.connect("Essentials")
	ctx := context.Background()
	if err := s.starter.EnsureSchedules(ctx, tn.account.ID, syncs.ResyncDaily); err != nil {
		t.Fatal(err)
	}
	// Idempotent: a second call updates, never duplicates.
	if err := s.starter.EnsureSchedules(ctx, tn.account.ID, syncs.ResyncHourly); err != nil {
		t.Fatal(err)
	}
	h := s.temporal.ScheduleClient().GetHandle(ctx, workflows.ScheduleID(tn.account.ID))
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := h.Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Info.RecentActions) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("scheduled re-sync never fired")
		}
		time.Sleep(500 * time.Millisecond)
	}
	before, _ := s.conns.Get(ctx, tn.account.ID)
	keep := s.temporal.ScheduleClient().GetHandle(ctx, workflows.KeepAliveScheduleID(tn.account.ID))
	for {
		d, err := keep.Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Info.RecentActions) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("keep-alive never fired")
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The keep-alive refreshed the tokens even though nothing else ran.
	deadline = time.Now().Add(20 * time.Second)
	for {
		after, _ := s.conns.Get(ctx, tn.account.ID)
		if after.LastRefreshedAt.After(before.LastRefreshedAt) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("keep-alive did not refresh: %v -> %v", before.LastRefreshedAt, after.LastRefreshedAt)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := s.starter.Disconnect(ctx, tn.account.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{workflows.ScheduleID(tn.account.ID), workflows.KeepAliveScheduleID(tn.account.ID)} {
		d, err := s.temporal.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
		if err != nil || !d.Schedule.State.Paused {
			t.Fatalf("schedule %s not paused after disconnect: %v", id, err)
		}
	}
	conn, _ := s.conns.Get(ctx, tn.account.ID)
	if conn.Status != store.ConnectionDisconnected {
		t.Fatalf("connection status %q", conn.Status)
	}
	// Deleting the account removes both schedules; a second call finds nothing to do.
	for range 2 {
		if err := s.starter.DeleteSchedules(ctx, tn.account.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{workflows.ScheduleID(tn.account.ID), workflows.KeepAliveScheduleID(tn.account.ID)} {
		var nf *serviceerror.NotFound
		if _, err := s.temporal.ScheduleClient().GetHandle(ctx, id).Describe(ctx); !errors.As(err, &nf) {
			t.Fatalf("schedule %s after DeleteSchedules: %v, want not found", id, err)
		}
	}
}

// TestRemoveAccountEndsItsRunningSyncs: deleting an account terminates the syncs of it
// still running, and only those.
func TestRemoveAccountEndsItsRunningSyncs(t *testing.T) {
	s := newStack(t)
	gone, stays := s.connect("Essentials"), s.connect("Essentials")
	ctx := context.Background()
	start := func(tn tenant) string {
		s.importAll(tn)
		_, _, _, ids := s.newCards(tn, 1)
		// QBO answers slowly, so the sync is still running when the account goes.
		s.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "latency", "ms": 20000}, nil)
		st, err := s.starter.SyncTimeCards(ctx, tn.account.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.temporal.TerminateWorkflow(context.Background(), st.WorkflowID, "", "test finished") })
		return st.WorkflowID
	}
	goneID, staysID := start(gone), start(stays)
	defer s.admin("DELETE", "/admin/faults", nil, nil)
	query := fmt.Sprintf("HoursyncAccount = '%d' AND ExecutionStatus = 'Running'", gone.account.ID)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetExecutions()) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sync never showed in visibility")
		}
	}
	if err := s.starter.RemoveAccount(ctx, gone.account.ID); err != nil {
		t.Fatal(err)
	}
	status := func(id string) enums.WorkflowExecutionStatus {
		d, err := s.temporal.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		return d.GetWorkflowExecutionInfo().GetStatus()
	}
	if got := status(goneID); got != enums.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Fatalf("deleted account's sync: %v, want terminated", got)
	}
	if got := status(staysID); got != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("another account's sync: %v, want still running", got)
	}
}
