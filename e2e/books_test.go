package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/workflows"
)

// The books rules (SPEC §3): what Hoursync writes into QBO leaves a bookkeeper's books
// right, not only exactly once. Each test drives the real sync path against the
// emulator over HTTP.

// qboCustomerWithInvoice puts an invoice of another customer into QBO, as another app
// or the bookkeeper would have, and returns it.
func (s *stack) qboCustomerWithInvoice(realm, customer, docNumber, amount string) map[string]any {
	s.t.Helper()
	c := s.seed(realm, "Customer", map[string]any{"DisplayName": customer})
	return s.seed(realm, "Invoice", map[string]any{"DocNumber": docNumber, "CustomerRef": map[string]any{"value": c["Id"]},
		"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": amount, "Description": "Sourdough, weekly",
			"SalesItemLineDetail": map[string]any{}}}})
}

func (s *stack) qboInvoice(realm, docNumber string) map[string]any {
	for _, inv := range s.qboInvoices(realm) {
		if str(inv["DocNumber"]) == docNumber {
			return inv
		}
	}
	return nil
}

func ref(v any) string {
	m, _ := v.(map[string]any)
	return str(m["value"])
}

func TestInvoiceNumberUsedByAnotherInvoiceInQBOIsNeverOverwritten(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()

	// Hoursync chose the number: the next number free in QBO is taken, here and there.
	inv, _ := s.invoiceFromCards(tn, 2)
	theirs := s.qboCustomerWithInvoice(tn.realm, "Brightside Bakery", inv.Number, "999.00")
	res := s.syncInvoice(tn, inv.ID)
	if !res.Outcome.Succeeded {
		t.Fatalf("auto-numbered invoice: %+v", res)
	}
	after := s.qboInvoice(tn.realm, inv.Number)
	if after == nil || str(after["Id"]) != str(theirs["Id"]) || ref(after["CustomerRef"]) != ref(theirs["CustomerRef"]) ||
		str(after["SyncToken"]) != str(theirs["SyncToken"]) || str(after["TotalAmt"]) != str(theirs["TotalAmt"]) {
		t.Fatalf("the other invoice %s changed: before %v, after %v", inv.Number, theirs, after)
	}
	got, err := s.store.GetInvoice(ctx, tn.account.ID, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Number == inv.Number {
		t.Fatalf("Hoursync's invoice kept the taken number %s", inv.Number)
	}
	ours := s.qboInvoice(tn.realm, got.Number)
	if ours == nil || str(ours["Id"]) == str(theirs["Id"]) {
		t.Fatalf("no QBO invoice %s of Hoursync's: %v", got.Number, s.qboInvoices(tn.realm))
	}
	if !strings.Contains(res.Outcome.Message, "number "+got.Number) || !strings.Contains(res.Outcome.Message, inv.Number) {
		t.Fatalf("message %q does not say which number was taken and which was used", res.Outcome.Message)
	}

	// The person typed the number: the sync fails naming the other invoice; QBO unchanged.
	_, _, _, ids := s.newCards(tn, 1)
	typed, err := s.store.CreateInvoiceFromTimeCards(ctx, tn.account.ID,
		store.InvoiceInput{Number: "B-77", InvoiceDate: day(24), DueDate: day(30)}, ids, store.GroupPerServiceRate)
	if err != nil {
		t.Fatal(err)
	}
	other := s.qboCustomerWithInvoice(tn.realm, "Brightside Bakery 2", "B-77", "999.00")
	before := len(s.qboInvoices(tn.realm))
	res = s.syncInvoice(tn, typed.ID)
	want := `Number B-77 is already used in QuickBooks by an invoice to Brightside Bakery 2 for $999.00; choose another number`
	if res.Outcome.Succeeded || res.Outcome.Message != want || res.Outcome.ErrorType != workflows.ErrTypeNumberTaken {
		t.Fatalf("typed number taken: %+v, want the message %q", res.Outcome, want)
	}
	if n := len(s.qboInvoices(tn.realm)); n != before {
		t.Fatalf("QBO invoices %d -> %d", before, n)
	}
	if after := s.qboInvoice(tn.realm, "B-77"); str(after["SyncToken"]) != str(other["SyncToken"]) || ref(after["CustomerRef"]) != ref(other["CustomerRef"]) {
		t.Fatalf("the other invoice B-77 changed: %v", after)
	}
	if st := s.state(tn, store.ObjectInvoice, typed.ID); st.Status != store.StatusFailed || st.Message != want {
		t.Fatalf("state %+v", st)
	}
}

func TestLostInvoiceCreateIsRecognisedByItsMarkerNotDuplicated(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	inv, _ := s.invoiceFromCards(tn, 1)
	// Every answer to a write is lost after QBO committed it, for a while: the first
	// attempts' create reached QBO, whatever happens to the answers.
	s.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "drop_after_commit", "count": 2}, nil)
	res := s.syncInvoice(tn, inv.ID)
	if !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	if n := len(s.qboInvoices(tn.realm)); n != 1 {
		t.Fatalf("QBO invoices = %d, want 1", n)
	}
}

func TestResyncOfBilledTimeKeepsItBilledAndInvoiceKeepsQBOFields(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	_, _, _, ids := s.newCards(tn, 3)
	s.syncCards(tn, ids...)
	// Two cards are edited in Hoursync, then billed before the edit reached QBO.
	for _, id := range ids[:2] {
		card, err := s.store.GetTimeCard(ctx, tn.account.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		in := store.TimeCardInput{UserID: card.UserID, CustomerID: card.CustomerID, ServiceID: card.ServiceID, WorkDate: card.WorkDate,
			Minutes: card.Minutes, Billable: true, RateCents: card.RateCents, Notes: "edited in Hoursync"}
		if _, err := s.store.UpdateTimeCard(ctx, tn.account.ID, id, in); err != nil {
			t.Fatal(err)
		}
	}
	inv, err := s.store.CreateInvoiceFromTimeCards(ctx, tn.account.ID, store.InvoiceInput{InvoiceDate: day(24), DueDate: day(30)}, ids, store.GroupPerServiceRate)
	if err != nil {
		t.Fatal(err)
	}
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("invoice: %+v", res)
	}
	billed := func() map[string]string {
		out := map[string]string{}
		for _, ta := range live(s.entities(tn.realm, "TimeActivity")) {
			out[str(ta["Id"])] = str(ta["BillableStatus"])
		}
		return out
	}
	for id, st := range billed() {
		if st != "HasBeenBilled" {
			t.Fatalf("TimeActivity %s is %s after its invoice synced", id, st)
		}
	}
	// QBO-side: the invoice is marked to be e-mailed, a time entry edited there.
	link, _ := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectInvoice, inv.ID)
	s.qboSparseUpdate(tn.realm, "invoice", map[string]any{"Id": link.QBOID, "SyncToken": link.SyncToken, "EmailStatus": "NeedToSend"})
	taLink, _ := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectTimeCard, ids[0])
	cur := s.entityByID(tn.realm, "TimeActivity", taLink.QBOID)
	s.qboSparseUpdate(tn.realm, "timeactivity", map[string]any{"Id": taLink.QBOID, "SyncToken": cur["SyncToken"], "Description": "edited in QBO"})

	// The edits reach QBO (stale SyncTokens: billing and the QBO edit moved them).
	s.syncCards(tn, ids...)
	for _, id := range ids {
		if st := s.state(tn, store.ObjectTimeCard, id); st.Status != store.StatusSynced {
			t.Fatalf("card %d: %+v", id, st)
		}
	}
	for id, st := range billed() {
		if st != "HasBeenBilled" {
			t.Fatalf("TimeActivity %s became %s: Hoursync un-billed billed time", id, st)
		}
	}
	if d := str(s.entityByID(tn.realm, "TimeActivity", taLink.QBOID)["Description"]); d != "edited in Hoursync" {
		t.Fatalf("re-applied description = %q", d)
	}
	lines := []store.LineInput{{ServiceID: inv.Lines[0].ServiceID, Description: "Design, revised", QuantityMilli: 2000, RateCents: 9000}}
	if _, err := s.store.UpdateInvoice(ctx, tn.account.ID, inv.ID, store.InvoiceInput{CustomerID: inv.CustomerID, InvoiceDate: day(24), Lines: lines}); err != nil {
		t.Fatal(err)
	}
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("invoice re-sync: %+v", res)
	}
	q := s.entityByID(tn.realm, "Invoice", link.QBOID)
	if str(q["EmailStatus"]) != "NeedToSend" {
		t.Fatalf("EmailStatus = %v: Hoursync dropped a field QBO owns", q["EmailStatus"])
	}
	if links, _ := q["LinkedTxn"].([]any); len(links) != 3 {
		t.Fatalf("invoice links %v, want its 3 time entries", q["LinkedTxn"])
	}
	for id, st := range billed() {
		if st != "HasBeenBilled" {
			t.Fatalf("TimeActivity %s became %s after the invoice re-sync", id, st)
		}
	}
}

// entityByID finds one object of the company by id.
func (s *stack) entityByID(realm, entity, id string) map[string]any {
	s.t.Helper()
	for _, o := range s.entities(realm, entity) {
		if str(o["Id"]) == id {
			return o
		}
	}
	s.t.Fatalf("%s %s not in QBO", entity, id)
	return nil
}

func TestFailedCardSyncsAfterTheFixInQBOAndLostResponsesStillMakeOne(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	item := s.seed(tn.realm, "Item", map[string]any{"Name": "Research", "Type": "Service", "IncomeAccountRef": map[string]any{"value": s.incomeAccountID(tn.realm)}})
	s.importAll(tn)
	ctx := context.Background()
	research, err := s.store.FindServiceByName(ctx, tn.account.ID, "Research")
	if err != nil {
		t.Fatal(err)
	}
	u, c, _, healthy := s.newCards(tn, 2)
	card, err := s.store.CreateTimeCard(ctx, tn.account.ID, store.TimeCardInput{UserID: u.ID, CustomerID: c.ID, ServiceID: research.ID,
		WorkDate: day(3), Minutes: 45, Billable: true, RateCents: 9000, Notes: "research"})
	if err != nil {
		t.Fatal(err)
	}
	// Made inactive in QBO after Hoursync imported it.
	s.qboSparseUpdate(tn.realm, "item", map[string]any{"Id": item["Id"], "SyncToken": item["SyncToken"], "Active": false})
	all := append(append([]int64(nil), healthy...), card.ID)
	s.syncCards(tn, all...)
	st := s.state(tn, store.ObjectTimeCard, card.ID)
	want := `The service "Research" is inactive in QuickBooks: make it active there, or pick another service`
	if st.Status != store.StatusFailed || st.Message != want {
		t.Fatalf("card on an inactive service: %+v, want %q", st, want)
	}

	// The bookkeeper makes it active again; the card, unchanged, is synced again while
	// QBO's answers to writes are lost after commit.
	cur := s.entityByID(tn.realm, "Item", str(item["Id"]))
	s.qboSparseUpdate(tn.realm, "item", map[string]any{"Id": item["Id"], "SyncToken": cur["SyncToken"], "Active": true})
	s.admin("POST", "/admin/faults", map[string]any{"realmId": tn.realm, "kind": "drop_after_commit", "count": 1}, nil)
	s.syncCards(tn, all...)
	if st := s.state(tn, store.ObjectTimeCard, card.ID); st.Status != store.StatusSynced {
		t.Fatalf("after the fix: %+v", st)
	}
	if n := len(live(s.entities(tn.realm, "TimeActivity"))); n != 3 {
		t.Fatalf("TimeActivities = %d, want exactly one per card (3)", n)
	}
}

// incomeAccountID is the Id of an income account of the company.
func (s *stack) incomeAccountID(realm string) string {
	for _, a := range s.entities(realm, "Account") {
		if str(a["AccountType"]) == "Income" {
			return str(a["Id"])
		}
	}
	s.t.Fatal("no income account in the company")
	return ""
}

func TestUnchangedSyncedCardsAreNotWrittenAgain(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	_, _, _, ids := s.newCards(tn, 5)
	s.syncCards(tn, ids...)
	tokens := func() map[string]string {
		out := map[string]string{}
		for _, ta := range live(s.entities(tn.realm, "TimeActivity")) {
			out[str(ta["Id"])] = str(ta["SyncToken"])
		}
		return out
	}
	before := tokens()
	for _, id := range ids[:2] {
		card, _ := s.store.GetTimeCard(ctx, tn.account.ID, id)
		in := store.TimeCardInput{UserID: card.UserID, CustomerID: card.CustomerID, ServiceID: card.ServiceID, WorkDate: card.WorkDate,
			Minutes: card.Minutes + 15, Billable: true, RateCents: card.RateCents, Notes: card.Notes}
		if _, err := s.store.UpdateTimeCard(ctx, tn.account.ID, id, in); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.starter.SyncTimeCards(ctx, tn.account.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	s.waitCards(tn, ids, st.WorkflowID)
	after := tokens()
	written := 0
	for id, tok := range after {
		if tok != before[id] {
			written++
		}
	}
	if written != 2 {
		t.Fatalf("%d TimeActivities written, want the 2 changed ones (before %v, after %v)", written, before, after)
	}
	for _, id := range ids[2:] {
		if st := s.state(tn, store.ObjectTimeCard, id); st.Status != store.StatusSynced || st.Message != "Already up to date in QuickBooks" {
			t.Fatalf("unchanged card %d: %+v", id, st)
		}
	}
	p := s.selectionProgress(st)
	if p.Total != 5 || p.Synced != 2 || p.Skipped != 3 || p.Failed != 0 || p.Done != 5 {
		t.Fatalf("selection progress %+v, want 5 = 2 synced + 3 up to date", p)
	}
}

// selectionProgress waits for the selection to be done and returns its progress.
func (s *stack) selectionProgress(st syncs.Started) workflows.Progress {
	s.t.Helper()
	wf, sel := st.WorkflowID, st.SelectionID
	deadline := time.Now().Add(time.Minute)
	for {
		status, err := s.starter.Progress(context.Background(), wf, sel)
		if err != nil {
			s.t.Fatal(err)
		}
		if p := status.Progress; p.Total > 0 && p.Done >= p.Total || time.Now().After(deadline) {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEachClickGetsItsOwnHonestProgress(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	_, c, _, ids := s.newCards(tn, 3)
	s.syncCards(tn, ids[0])
	// The customer is made inactive in QBO: two more cards of it fail.
	link, _ := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectCustomer, c.ID)
	cur := s.entityByID(tn.realm, "Customer", link.QBOID)
	s.qboSparseUpdate(tn.realm, "customer", map[string]any{"Id": link.QBOID, "SyncToken": cur["SyncToken"], "Active": false})
	first, err := s.starter.SyncTimeCards(ctx, tn.account.ID, ids[1:])
	if err != nil {
		t.Fatal(err)
	}
	p := s.selectionProgress(first)
	if p.Total != 2 || p.Failed != 2 || p.Synced != 0 || p.Done != 2 {
		t.Fatalf("first click: %+v, want 2 selected = 2 failed", p)
	}
	// A second click while the workflow is still open counts only its own cards.
	second, err := s.starter.SyncTimeCards(ctx, tn.account.ID, ids[:1])
	if err != nil {
		t.Fatal(err)
	}
	if second.WorkflowID != first.WorkflowID {
		t.Logf("the first run had ended; the second click started %s", second.RunID)
	}
	p = s.selectionProgress(second)
	if p.Total != 1 || p.Skipped != 1 || p.Done != 1 || p.Failed != 0 {
		t.Fatalf("second click: %+v, want 1 selected = 1 up to date", p)
	}
}

func TestInvoiceSyncedBeforeItsCardsLinksTheirTimeOnceTheyAreSynced(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	inv, ids := s.invoiceFromCards(tn, 2)
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("invoice first: %+v", res)
	}
	s.syncCards(tn, ids...)
	link, err := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectInvoice, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		tas := live(s.entities(tn.realm, "TimeActivity"))
		billed := 0
		for _, ta := range tas {
			if str(ta["BillableStatus"]) == "HasBeenBilled" {
				billed++
			}
		}
		q := s.entityByID(tn.realm, "Invoice", link.QBOID)
		links, _ := q["LinkedTxn"].([]any)
		if len(tas) == 2 && billed == 2 && len(links) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the cards synced: %d TimeActivities, %d billed, invoice links %v", len(tas), billed, links)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(s.qboInvoices(tn.realm)); n != 1 {
		t.Fatalf("QBO invoices = %d", n)
	}
}

func TestStartAndEndTimesReachQBOWithTheAccountsOffset(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	u, c, sv, _ := s.newCards(tn, 0)
	card, err := s.store.CreateTimeCard(ctx, tn.account.ID, store.TimeCardInput{UserID: u.ID, CustomerID: c.ID, ServiceID: sv.ID,
		WorkDate: day(3), Minutes: 90, StartTime: "09:00", EndTime: "10:45", Billable: true, RateCents: 9000})
	if err != nil {
		t.Fatal(err)
	}
	s.syncCards(tn, card.ID)
	acct, _ := s.store.GetAccount(ctx, tn.account.ID)
	loc, err := time.LoadLocation(acct.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	wantStart := time.Date(2026, 11, 3, 9, 0, 0, 0, loc)
	link, _ := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectTimeCard, card.ID)
	ta := s.entityByID(tn.realm, "TimeActivity", link.QBOID)
	start, err := time.Parse(time.RFC3339, str(ta["StartTime"]))
	if err != nil || !start.Equal(wantStart) {
		t.Fatalf("StartTime = %v, want %s (%s)", ta["StartTime"], wantStart.Format(time.RFC3339), acct.TimeZone)
	}
	end, err := time.Parse(time.RFC3339, str(ta["EndTime"]))
	if err != nil || !end.Equal(wantStart.Add(105*time.Minute)) {
		t.Fatalf("EndTime = %v", ta["EndTime"])
	}
	if str(ta["Hours"]) != "1" || str(ta["Minutes"]) != "30" || str(ta["BreakMinutes"]) != "15" {
		t.Fatalf("Hours/Minutes/BreakMinutes = %v/%v/%v, want 1/30/15", ta["Hours"], ta["Minutes"], ta["BreakMinutes"])
	}
}

func TestRunThatFailedCardsSaysSoToOperators(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	_, c, _, ids := s.newCards(tn, 2)
	s.syncCards(tn, ids[0])
	link, _ := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectCustomer, c.ID)
	cur := s.entityByID(tn.realm, "Customer", link.QBOID)
	s.qboSparseUpdate(tn.realm, "customer", map[string]any{"Id": link.QBOID, "SyncToken": cur["SyncToken"], "Active": false})
	st, err := s.starter.SyncTimeCards(ctx, tn.account.ID, ids[1:])
	if err != nil {
		t.Fatal(err)
	}
	s.waitCards(tn, ids[1:], st.WorkflowID)
	// The batch in which every card failed shows as such: the run carries SyncFailed.
	query := fmt.Sprintf("HoursyncAccount = '%d' AND SyncKind = '%s' AND SyncFailed > 0", tn.account.ID, workflows.KindTimeCards)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("list %q: %v", query, err)
		}
		if len(resp.Executions) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("visibility query %q found %d executions", query, len(resp.Executions))
		}
		time.Sleep(300 * time.Millisecond)
	}
	// And the run's result says how many failed.
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var res workflows.TimeCardSyncResult
	if err := s.temporal.GetWorkflow(wctx, st.WorkflowID, "").Get(wctx, &res); err != nil {
		t.Fatal(err)
	}
	// The first click (card 1 synced) went through the same run.
	if res.Failed != 1 || res.Synced != 1 || !strings.Contains(res.Message, "1 failed") {
		t.Fatalf("result %+v, want 1 synced and 1 failed", res)
	}
}
