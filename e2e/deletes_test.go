package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// pushed is what a delete or void answers about QuickBooks.
type pushed struct {
	Queued     bool   `json:"queued"`
	WorkflowID string `json:"workflow_id"`
	Message    string `json:"message"`
}

// eventually waits (up to two minutes) until cond holds.
func (s *stack) eventually(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("still not true after two minutes: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDeletedSyncedCardAndVoidedInvoiceReachQBOWithoutSchedule: with no re-sync
// schedule at all, voiding a synced invoice through the API reaches QBO within the
// request's sync, and deleting a synced time card reaches it once the delete's undo
// window is over: the TimeActivity is deleted and the invoice voided, each recorded as
// done, and nothing else is touched.
func TestDeletedSyncedCardAndVoidedInvoiceReachQBOWithoutSchedule(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	// No schedule would ever send these.
	if _, err := s.temporal.ScheduleClient().GetHandle(ctx, workflows.ScheduleID(tn.account.ID)).Describe(ctx); err == nil {
		t.Fatal("the account has a re-sync schedule; this test needs none")
	} else if nf := new(serviceerror.NotFound); !errors.As(err, &nf) {
		t.Fatalf("describe schedule: %v", err)
	}

	_, _, _, cards := s.newCards(tn, 2)
	s.syncCards(tn, cards...)
	inv, billed := s.invoiceFromCards(tn, 1)
	s.syncCards(tn, billed...)
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("invoice sync: %+v", res)
	}
	if n := len(live(s.entities(tn.realm, "TimeActivity"))); n != 3 {
		t.Fatalf("TimeActivities before = %d, want 3", n)
	}
	gone, err := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectTimeCard, cards[0])
	if err != nil {
		t.Fatal(err)
	}

	api := s.api(tn)
	var del struct {
		Deleted bool    `json:"deleted"`
		Pending bool    `json:"pending_quickbooks_delete"`
		QBO     *pushed `json:"quickbooks"`
	}
	api.call("DELETE", fmt.Sprintf("/api/v1/time-cards/%d", cards[0]), http.StatusOK, &del)
	// A delete can be undone for a few seconds: it is held, then sent by this server
	// (or any server's sweep) without a schedule.
	deletedAt := time.Now()
	if !del.Deleted || !del.Pending || del.QBO == nil || del.QBO.Queued {
		t.Fatalf("delete answered %+v (%+v)", del, del.QBO)
	}
	var voided struct {
		Status string  `json:"status"`
		QBO    *pushed `json:"quickbooks"`
	}
	api.call("POST", fmt.Sprintf("/api/v1/invoices/%d/void", inv.ID), http.StatusOK, &voided)
	if voided.Status != store.InvoiceVoid || voided.QBO == nil || !voided.QBO.Queued {
		t.Fatalf("void answered %+v (%+v)", voided, voided.QBO)
	}

	s.eventually("the deleted card's TimeActivity is deleted in QBO", func() bool {
		for _, ta := range live(s.entities(tn.realm, "TimeActivity")) {
			if str(ta["Id"]) == gone.QBOID {
				return false
			}
		}
		return true
	})
	if waited := time.Since(deletedAt); waited < 5*time.Second {
		t.Fatalf("the delete reached QBO %v after it was made, inside its undo window", waited)
	}
	s.eventually("the invoice is voided in QBO", func() bool {
		invs := s.entities(tn.realm, "Invoice")
		return len(invs) == 1 && (str(invs[0]["TotalAmt"]) == "0" || str(invs[0]["TotalAmt"]) == "0.00")
	})
	s.eventually("both are recorded as done", func() bool {
		return s.state(tn, store.ObjectTimeCard, cards[0]).Status == store.StatusSynced &&
			s.state(tn, store.ObjectInvoice, inv.ID).Status == store.StatusSynced
	})
	if l, err := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectTimeCard, cards[0]); err != nil || !l.QBODeleted {
		t.Fatalf("deleted card's link = %+v, %v", l, err)
	}
	if n := len(live(s.entities(tn.realm, "TimeActivity"))); n != 2 {
		t.Fatalf("TimeActivities after = %d, want the 2 others untouched", n)
	}
	// Nothing is left for a re-sync to send.
	for _, objectType := range []string{store.ObjectTimeCard, store.ObjectInvoice} {
		if ids, err := s.store.ListChangedObjects(ctx, tn.account.ID, tn.realm, objectType); err != nil || len(ids) != 0 {
			t.Fatalf("still to send (%s): %v, %v", objectType, ids, err)
		}
	}
}
