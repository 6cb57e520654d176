package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkclient "go.temporal.io/sdk/client"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/internal/testutil"
)

// TestSyncRequestedWhileTemporalIsDownStrandsNothing asks for a sync over HTTP while
// the test's own Temporal dev server is killed: the answer comes within the start
// bound and says what is true, the card is back as it was (editable, with a history
// entry), progress says the sync is paused, /readyz names Temporal; once Temporal is
// back the same card syncs, and a card stranded by a sync that is gone is swept back.
func TestSyncRequestedWhileTemporalIsDownStrandsNothing(t *testing.T) {
	ds := testutil.StartDevServer(t)
	tc := ds.Dial()
	queue := testutil.UniqueName("outage")
	var starter *syncs.Starter
	e := newEnv(t, func(d *Deps) {
		starter = syncs.New(tc, queue, d.Store).WithStartTimeout(2 * time.Second)
		d.Syncer = starter
		d.Ready = map[string]Pinger{"temporal": PingerFunc(func(ctx context.Context) error {
			_, err := tc.CheckHealth(ctx, &sdkclient.CheckHealthRequest{})
			return err
		})}
	})
	owner := e.signUp()
	f := owner.fixtures()
	card := owner.timeCard(f, "2026-03-02", 60)
	e.connect(owner.me.Account.ID, "realm-o-"+testutil.RandomHex(4))

	ds.Kill()
	began := time.Now()
	got := owner.fails("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{card.ID}}, http.StatusServiceUnavailable, "")
	if took := time.Since(began); took > 15*time.Second {
		t.Fatalf("the start took %s with Temporal down", took)
	}
	if got.Error.Message != syncs.MsgNotStarted {
		t.Fatalf("answer %+v, want %q", got.Error, syncs.MsgNotStarted)
	}
	var tj timeCardJSON
	owner.call("GET", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, &tj)
	if tj.SyncStatus != store.StatusNever {
		t.Fatalf("card status after a failed start = %q, want never", tj.SyncStatus)
	}
	hist, err := e.store.ListSyncHistory(context.Background(), owner.me.Account.ID, store.ObjectTimeCard, card.ID, store.Page{})
	if err != nil || len(hist) == 0 || hist[0].Message != syncs.MsgNotStarted {
		t.Fatalf("history %+v, %v", hist, err)
	}
	// Not trapped: the card can be edited.
	owner.call("PUT", "/api/v1/time-cards/"+itoa64(card.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID,
		"date": "2026-03-02", "minutes": 75}, http.StatusOK, nil)

	// Progress during the outage says what is true, and so does /readyz.
	wf := "timecard-sync/" + itoa64(owner.me.Account.ID)
	paused := owner.fails("GET", "/api/v1/sync/progress?workflow_id="+wf, nil, http.StatusServiceUnavailable, "")
	if paused.Error.Code != codeSyncPaused || !strings.Contains(paused.Error.Message, "QuickBooks sync is paused") {
		t.Fatalf("progress during the outage: %+v", paused.Error)
	}
	status, body, _ := owner.do("GET", "/readyz", nil)
	var ready struct {
		Checks map[string]string `json:"checks"`
	}
	_ = json.Unmarshal(body, &ready)
	if status != http.StatusServiceUnavailable || ready.Checks["temporal"] != "unavailable" {
		t.Fatalf("/readyz during the outage: %d %s", status, body)
	}

	// A client that gives up while the start hangs: the rollback is not its to cancel.
	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err = starter.SyncTimeCards(short, owner.me.Account.ID, []int64{card.ID})
	cancel()
	if err == nil {
		t.Fatal("a start with Temporal down succeeded")
	}
	owner.call("GET", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, &tj)
	if tj.SyncStatus == store.StatusSyncing {
		t.Fatal("a start whose caller gave up left the card syncing")
	}

	// Temporal is back: the card syncs (it is queued in a workflow that runs).
	ds.Start()
	var started startedJSON
	deadline := time.Now().Add(time.Minute)
	for {
		st, raw, _ := owner.do("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{card.ID}})
		if st == http.StatusAccepted {
			_ = json.Unmarshal(raw, &started)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync after Temporal came back: %d %s", st, raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), started.WorkflowID, "", "test finished") })
	owner.call("GET", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, &tj)
	if tj.SyncStatus != store.StatusSyncing {
		t.Fatalf("card status = %q, want syncing", tj.SyncStatus)
	}
	// While its workflow runs, the sweep leaves it alone; once the workflow is gone
	// (terminated, as an operator might), the sweep returns it.
	sweeper := &syncs.Sweeper{Starter: starter, Store: e.store, Grace: time.Nanosecond}
	if n, err := sweeper.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep with the workflow running: %d, %v", n, err)
	}
	if err := tc.TerminateWorkflow(context.Background(), started.WorkflowID, "", "an operator ended it"); err != nil {
		t.Fatal(err)
	}
	if n, err := sweeper.Sweep(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep after the workflow ended: %d, %v", n, err)
	}
	owner.call("GET", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, &tj)
	if tj.SyncStatus != store.StatusNever {
		t.Fatalf("swept card status = %q", tj.SyncStatus)
	}
	hist, _ = e.store.ListSyncHistory(context.Background(), owner.me.Account.ID, store.ObjectTimeCard, card.ID, store.Page{})
	if len(hist) == 0 || hist[0].Message != syncs.MsgStranded {
		t.Fatalf("history after the sweep: %+v", hist)
	}
}
