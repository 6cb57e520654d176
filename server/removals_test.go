package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// syncedInQBO records that an object reached QBO at its current version, as a sync would.
func (e *testEnv) syncedInQBO(accountID int64, objectType string, id, version int64) {
	e.t.Helper()
	err := e.store.RecordSyncSuccess(context.Background(), accountID, objectType, id, store.SyncSuccess{RealmID: "realm-" + itoa64(accountID),
		QBOID: "q" + testutil.RandomHex(4), SyncToken: "0", SyncedVersion: version}, store.SyncRun{Kind: "test", WorkflowID: "test/" + itoa64(accountID), RunID: "r0"})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) called(want string) bool { return slices.Contains(e.syncer.Calls(), want) }

// calledWithin waits up to d for the syncer to be asked for want.
func (e *testEnv) calledWithin(d time.Duration, want string) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if e.called(want) {
			return true
		}
	}
	return e.called(want)
}

// TestDeletesAndVoidsOfSyncedObjectsGoToQuickBooksAtOnce: deleting a synced card (once
// its undo window is over) or invoice, or voiding a synced invoice, starts its sync
// right away (JSON API and web forms alike); what never reached QuickBooks starts
// nothing; when the start fails the delete still succeeds and "Re-sync changed and
// failed" sends it; without a connection it says so.
func TestDeletesAndVoidsOfSyncedObjectsGoToQuickBooksAtOnce(t *testing.T) {
	e := newEnv(t)
	e.server.app.undoWindow = 300 * time.Millisecond
	owner := e.signUp()
	acct := owner.me.Account.ID
	e.connect(acct, "realm-"+itoa64(acct))
	f := owner.fixtures()
	const week = "2026-03-02"
	card := owner.timeCard(f, week, 60)
	e.syncedInQBO(acct, store.ObjectTimeCard, card.ID, card.Version)
	local := owner.timeCard(f, week, 30)

	var del deletedJSON
	owner.call("DELETE", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, &del)
	if !del.Deleted || !del.PendingQuickBooksDelete || del.QuickBooks == nil || del.QuickBooks.Queued || del.QuickBooks.SendsAt == nil || del.UndoUntil == nil {
		t.Fatalf("delete of a synced card = %+v (%+v)", del, del.QuickBooks)
	}
	if !e.calledWithin(5*time.Second, fmt.Sprintf("timecards %d [%d]", acct, card.ID)) {
		t.Fatalf("deleted card not handed to the time-card sync after its undo window: %q", e.syncer.Calls())
	}
	before := len(e.syncer.Calls())
	del = deletedJSON{}
	owner.call("DELETE", "/api/v1/time-cards/"+itoa64(local.ID), nil, http.StatusOK, &del)
	time.Sleep(600 * time.Millisecond)
	if !del.Deleted || del.PendingQuickBooksDelete || del.QuickBooks != nil || len(e.syncer.Calls()) != before {
		t.Fatalf("delete of a card QuickBooks never had = %+v, calls %q", del, e.syncer.Calls())
	}

	// Invoices: a void and a delete of synced ones go at once; a void of one never
	// synced has nothing to send.
	line := []any{map[string]any{"service_id": f.Service.ID, "quantity": "1", "rate": "10"}}
	newInvoice := func() invoiceJSON {
		var inv invoiceJSON
		owner.call("POST", "/api/v1/invoices", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "lines": line}, http.StatusCreated, &inv)
		return inv
	}
	voided, deleted, draft := newInvoice(), newInvoice(), newInvoice()
	e.syncedInQBO(acct, store.ObjectInvoice, voided.ID, voided.Version)
	e.syncedInQBO(acct, store.ObjectInvoice, deleted.ID, deleted.Version)
	var inv invoiceJSON
	owner.call("POST", "/api/v1/invoices/"+itoa64(voided.ID)+"/void", nil, http.StatusOK, &inv)
	if inv.Status != "void" || inv.QuickBooks == nil || !inv.QuickBooks.Queued || !e.called(fmt.Sprintf("invoice %d %d", acct, voided.ID)) {
		t.Fatalf("void of a synced invoice = %+v (%+v), calls %q", inv, inv.QuickBooks, e.syncer.Calls())
	}
	inv = invoiceJSON{}
	owner.call("POST", "/api/v1/invoices/"+itoa64(draft.ID)+"/void", nil, http.StatusOK, &inv)
	if inv.Status != "void" || inv.QuickBooks != nil || e.called(fmt.Sprintf("invoice %d %d", acct, draft.ID)) {
		t.Fatalf("void of an invoice QuickBooks never had = %+v", inv)
	}
	del = deletedJSON{}
	owner.call("DELETE", "/api/v1/invoices/"+itoa64(deleted.ID), nil, http.StatusOK, &del)
	if !del.PendingQuickBooksDelete || del.QuickBooks == nil || !del.QuickBooks.Queued || !e.called(fmt.Sprintf("invoice %d %d", acct, deleted.ID)) {
		t.Fatalf("delete of a synced invoice = %+v (%+v)", del, del.QuickBooks)
	}

	// The web form does the same, offering to undo first.
	viaForm := owner.timeCard(f, week, 45)
	e.syncedInQBO(acct, store.ObjectTimeCard, viaForm.ID, viaForm.Version)
	status, loc, _ := owner.form("/timesheet/actions", owner.withCSRF("week", week, "card_id", itoa64(viaForm.ID), "action", "delete", "confirmed", "1"), "")
	if status != http.StatusSeeOther || !strings.Contains(loc, "undo="+itoa64(viaForm.ID)) {
		t.Fatalf("form delete of a synced card: %d %s", status, loc)
	}
	if _, page := owner.page(loc); !strings.Contains(page, "Deleted 1 time entry. It is deleted in QuickBooks in 0 seconds") {
		t.Fatal("form delete does not say when QuickBooks hears of it")
	}
	if !e.calledWithin(5*time.Second, fmt.Sprintf("timecards %d [%d]", acct, viaForm.ID)) {
		t.Fatalf("form delete of a synced card not handed to the sync: calls %q", e.syncer.Calls())
	}
	formVoid := newInvoice()
	e.syncedInQBO(acct, store.ObjectInvoice, formVoid.ID, formVoid.Version)
	status, loc, _ = owner.form("/invoices/"+itoa64(formVoid.ID)+"/void", owner.withCSRF("confirmed", "1"), "")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/invoices/"+itoa64(formVoid.ID)+"?workflow_id=invoice-sync") {
		t.Fatalf("form void of a synced invoice: %d %s", status, loc)
	}

	// Temporal down: the delete is done here, pending, and says what sends it.
	e.syncer.failStart = errors.New("temporal unavailable")
	stuck := owner.timeCard(f, week, 15)
	e.syncedInQBO(acct, store.ObjectTimeCard, stuck.ID, stuck.Version)
	del = deletedJSON{}
	owner.call("DELETE", "/api/v1/time-cards/"+itoa64(stuck.ID), nil, http.StatusOK, &del)
	if !del.Deleted || !del.PendingQuickBooksDelete || del.QuickBooks == nil || del.QuickBooks.Queued {
		t.Fatalf("delete while the sync cannot start = %+v (%+v)", del, del.QuickBooks)
	}
	if !e.calledWithin(5*time.Second, fmt.Sprintf("timecards %d [%d]", acct, stuck.ID)) {
		t.Fatalf("deleted card not handed to the sync that cannot start: %q", e.syncer.Calls())
	}
	owner.fails("GET", "/api/v1/time-cards/"+itoa64(stuck.ID), nil, http.StatusNotFound, "")
	var pending listJSON[timeCardJSON]
	owner.call("GET", "/api/v1/time-cards?week="+week+"&pending_deletes=true", nil, http.StatusOK, &pending)
	if !slices.ContainsFunc(pending.Items, func(tc timeCardJSON) bool { return tc.ID == stuck.ID && tc.Deleted }) {
		t.Fatalf("pending deletion not listed: %+v", pending.Items)
	}
	// Once Temporal is back, "Re-sync changed and failed" (nothing selected) sends it.
	e.syncer.failStart = nil
	status, loc, _ = owner.form("/timesheet/actions", owner.withCSRF("week", week, "action", "resync"), "")
	if status != http.StatusSeeOther || !strings.Contains(loc, "workflow_id=") {
		t.Fatalf("re-sync changed and failed: %d %s", status, loc)
	}
	last := e.syncer.Calls()[len(e.syncer.Calls())-1]
	if !strings.HasPrefix(last, fmt.Sprintf("timecards %d [", acct)) || !strings.Contains(last, itoa64(stuck.ID)) {
		t.Fatalf("re-sync of the week sent %q, want the pending deletion of card %d", last, stuck.ID)
	}

	// Not connected: nothing starts, and the answer says when it goes.
	other := e.signUp()
	of := other.fixtures()
	offline := other.timeCard(of, week, 20)
	e.syncedInQBO(other.me.Account.ID, store.ObjectTimeCard, offline.ID, offline.Version)
	del = deletedJSON{}
	other.call("DELETE", "/api/v1/time-cards/"+itoa64(offline.ID), nil, http.StatusOK, &del)
	if del.QuickBooks == nil || del.QuickBooks.Queued || del.QuickBooks.Message != msgPushNotConnected ||
		e.called(fmt.Sprintf("timecards %d [%d]", other.me.Account.ID, offline.ID)) {
		t.Fatalf("delete without a connection = %+v (%+v)", del, del.QuickBooks)
	}
}
