package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// invoiceFromCards bills n new cards on one invoice.
func (s *stack) invoiceFromCards(tn tenant, n int) (store.Invoice, []int64) {
	s.t.Helper()
	_, _, _, ids := s.newCards(tn, n)
	inv, err := s.store.CreateInvoiceFromTimeCards(context.Background(), tn.account.ID,
		store.InvoiceInput{InvoiceDate: day(24), DueDate: day(30), Memo: "Thanks!"}, ids, store.GroupPerServiceRate)
	if err != nil {
		s.t.Fatal(err)
	}
	return inv, ids
}

func (s *stack) syncInvoice(tn tenant, id int64) workflows.InvoiceSyncResult {
	s.t.Helper()
	st, err := s.starter.SyncInvoice(context.Background(), tn.account.ID, id)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var res workflows.InvoiceSyncResult
	if err := s.temporal.GetWorkflow(ctx, st.WorkflowID, st.RunID).Get(ctx, &res); err != nil {
		s.t.Fatalf("invoice sync: %v", err)
	}
	return res
}

func (s *stack) qboInvoices(realm string) []map[string]any { return live(s.entities(realm, "Invoice")) }

func TestInvoiceFromTimesSyncsOnceUpdatesInPlaceAndVoids(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	inv, _ := s.invoiceFromCards(tn, 3) // 30+31+32 = 93 minutes at $90/h
	res := s.syncInvoice(tn, inv.ID)
	if !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	invs := s.qboInvoices(tn.realm)
	if len(invs) != 1 {
		t.Fatalf("QBO invoices = %d, want 1", len(invs))
	}
	if str(invs[0]["TotalAmt"]) != "139.5" && str(invs[0]["TotalAmt"]) != "139.50" {
		t.Fatalf("TotalAmt = %v, want 139.50 (1.55 h × 90)", invs[0]["TotalAmt"])
	}
	if invs[0]["DocNumber"] != inv.Number {
		t.Fatalf("DocNumber = %v, want %s", invs[0]["DocNumber"], inv.Number)
	}

	// Edit a line and re-sync: the same invoice, updated.
	ctx := context.Background()
	lines := []store.LineInput{{ServiceID: inv.Lines[0].ServiceID, Description: "Design, revised", QuantityMilli: 2000, RateCents: 9000}}
	if _, err := s.store.UpdateInvoice(ctx, tn.account.ID, inv.ID, store.InvoiceInput{CustomerID: inv.CustomerID, InvoiceDate: day(24), Lines: lines}); err != nil {
		t.Fatal(err)
	}
	s.syncInvoice(tn, inv.ID)
	invs = s.qboInvoices(tn.realm)
	if len(invs) != 1 || (str(invs[0]["TotalAmt"]) != "180" && str(invs[0]["TotalAmt"]) != "180.00") {
		t.Fatalf("after edit: %d invoices, total %v", len(invs), invs[0]["TotalAmt"])
	}

	// Two clicks while it runs: one workflow run.
	a, err := s.starter.SyncInvoice(ctx, tn.account.ID, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.starter.SyncInvoice(ctx, tn.account.ID, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.RunID != b.RunID {
		// The first may have finished already; then the second is a fresh run, still one invoice.
		t.Logf("second click started run %s after %s finished", b.RunID, a.RunID)
	}
	_ = s.wait(b.WorkflowID)
	if n := len(s.qboInvoices(tn.realm)); n != 1 {
		t.Fatalf("invoices after double click = %d", n)
	}

	// Void: voided in QBO.
	if _, err := s.store.VoidInvoice(ctx, tn.account.ID, inv.ID); err != nil {
		t.Fatal(err)
	}
	s.syncInvoice(tn, inv.ID)
	invs = s.entities(tn.realm, "Invoice")
	if len(invs) != 1 || (str(invs[0]["TotalAmt"]) != "0" && str(invs[0]["TotalAmt"]) != "0.00") {
		t.Fatalf("after void: %v", invs)
	}
}

func TestInvoiceSyncWorksOnSimpleStart(t *testing.T) {
	s := newStack(t)
	tn := s.connect("SimpleStart")
	s.importAll(tn)
	inv, _ := s.invoiceFromCards(tn, 2)
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("invoice sync on Simple Start: %+v", res)
	}
	if n := len(s.qboInvoices(tn.realm)); n != 1 {
		t.Fatalf("invoices = %d", n)
	}
}

func TestInvoiceEditedInQBOThenLocallyIsReappliedAndHistorySaysSo(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	inv, _ := s.invoiceFromCards(tn, 1)
	s.syncInvoice(tn, inv.ID)
	ctx := context.Background()
	link, err := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectInvoice, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Someone edits the invoice in QBO (a sparse update through the API moves the SyncToken).
	s.qboSparseUpdate(tn.realm, "invoice", map[string]any{"Id": link.QBOID, "SyncToken": link.SyncToken, "PrivateNote": "edited in QBO"})
	lines := []store.LineInput{{ServiceID: inv.Lines[0].ServiceID, Description: "Local wins", QuantityMilli: 1000, RateCents: 10000}}
	if _, err := s.store.UpdateInvoice(ctx, tn.account.ID, inv.ID, store.InvoiceInput{CustomerID: inv.CustomerID, InvoiceDate: day(24), Lines: lines}); err != nil {
		t.Fatal(err)
	}
	res := s.syncInvoice(tn, inv.ID)
	if !res.Outcome.Succeeded || !strings.Contains(res.Outcome.Message, "newer copy") {
		t.Fatalf("sync after QBO edit: %+v", res)
	}
	invs := s.qboInvoices(tn.realm)
	if len(invs) != 1 || (str(invs[0]["TotalAmt"]) != "100" && str(invs[0]["TotalAmt"]) != "100.00") {
		t.Fatalf("QBO invoice after re-apply: %v", invs)
	}
	hist, _ := s.store.ListSyncHistory(ctx, tn.account.ID, store.ObjectInvoice, inv.ID, store.Page{})
	if len(hist) == 0 || !strings.Contains(hist[0].Message, "newer copy") {
		t.Fatalf("history = %+v", hist)
	}
}

// qboSparseUpdate edits an object in QBO as another app would, through the API with a
// token of its own.
func (s *stack) qboSparseUpdate(realm, entity string, body map[string]any) {
	s.t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	s.admin("POST", "/admin/companies/"+realm+"/tokens", map[string]string{"clientId": "hoursync-test"}, &tok)
	body["sparse"] = true
	s.apiCall(realm, tok.AccessToken, "POST", "/"+entity+"?operation=update", body)
}

func TestCustomersResyncPicksUpQBOCustomerAndPushesLocalRename(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.seed(tn.realm, "Customer", map[string]any{"DisplayName": "Old Name LLC"})
	s.importAll(tn)
	ctx := context.Background()
	c, err := s.store.FindCustomerByName(ctx, tn.account.ID, "Old Name LLC")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.UpdateCustomer(ctx, tn.account.ID, c.ID, store.CustomerInput{DisplayName: "New Name LLC", Active: true}); err != nil {
		t.Fatal(err)
	}
	s.seed(tn.realm, "Customer", map[string]any{"DisplayName": "Added In QBO"})
	st, err := s.starter.Resync(ctx, tn.account.ID, workflows.ScopeCustomers)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.wait(st.WorkflowID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.FindCustomerByName(ctx, tn.account.ID, "Added In QBO"); err != nil {
		t.Fatalf("QBO customer not picked up: %v", err)
	}
	names := map[string]bool{}
	for _, x := range s.entities(tn.realm, "Customer") {
		names[str(x["DisplayName"])] = true
	}
	if !names["New Name LLC"] || names["Old Name LLC"] {
		t.Fatalf("QBO customers %v: local rename not pushed", names)
	}
}

func TestDeletedInvoiceIsDeletedInQBOAndReleasesItsTimes(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	inv, ids := s.invoiceFromCards(tn, 2)
	s.syncCards(tn, ids...)
	s.syncInvoice(tn, inv.ID)
	invs := s.qboInvoices(tn.realm)
	if len(invs) != 1 {
		t.Fatalf("invoices = %d", len(invs))
	}
	// The invoice links the synced time activities it bills.
	if linked, _ := invs[0]["LinkedTxn"].([]any); len(linked) != 2 {
		t.Fatalf("LinkedTxn = %v, want the 2 time activities", invs[0]["LinkedTxn"])
	}
	ctx := context.Background()
	pending, err := s.store.DeleteInvoice(ctx, tn.account.ID, inv.ID)
	if err != nil || !pending {
		t.Fatalf("delete: pending=%v err=%v", pending, err)
	}
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded || res.Op != workflows.OpDelete {
		t.Fatalf("delete sync: %+v", res)
	}
	if n := len(s.qboInvoices(tn.realm)); n != 0 {
		t.Fatalf("invoices after delete = %d", n)
	}
	unbilled, _ := s.store.ListTimeCards(ctx, tn.account.ID, store.TimeCardFilter{Unbilled: true, IDs: ids}, store.Page{})
	if len(unbilled) != 2 {
		t.Fatalf("times released = %d, want 2", len(unbilled))
	}
}

func TestInvoicesVoidedBeforeTheirFirstSyncNeverReachQBO(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		inv, _ := s.invoiceFromCards(tn, 1)
		if _, err := s.store.VoidInvoice(ctx, tn.account.ID, inv.ID); err != nil {
			t.Fatal(err)
		}
		if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded || res.Op != workflows.OpNone {
			t.Fatalf("sync of invoice voided before its first sync: %+v", res)
		}
	}
	if n := len(s.entities(tn.realm, "Invoice")); n != 0 {
		t.Fatalf("invoices in QBO = %d", n)
	}
}
