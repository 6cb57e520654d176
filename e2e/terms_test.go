package e2e

import (
	"context"
	"testing"
	"time"

	"hoursync/internal/store"
)

// termNamed returns the account's term of that name imported from the realm.
func (s *stack) termNamed(tn tenant, name string) store.Term {
	s.t.Helper()
	terms, err := s.store.ListTerms(context.Background(), tn.account.ID, tn.realm)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, t := range terms {
		if t.Name == name {
			return t
		}
	}
	s.t.Fatalf("no term %q among %+v", name, terms)
	return store.Term{}
}

// invoiceOnTerm bills one new card on an invoice dated day(24) with the term and no
// due date.
func (s *stack) invoiceOnTerm(tn tenant, term store.Term) store.Invoice {
	s.t.Helper()
	_, _, _, ids := s.newCards(tn, 1)
	inv, err := s.store.CreateInvoiceFromTimeCards(context.Background(), tn.account.ID,
		store.InvoiceInput{InvoiceDate: day(24), TermID: term.ID}, ids, store.GroupPerServiceRate)
	if err != nil {
		s.t.Fatal(err)
	}
	return inv
}

func (s *stack) qboInvoiceNumbered(realm, number string) map[string]any {
	s.t.Helper()
	for _, inv := range s.qboInvoices(realm) {
		if inv["DocNumber"] == number {
			return inv
		}
	}
	s.t.Fatalf("no QBO invoice %s", number)
	return nil
}

func dueDateOf(inv store.Invoice) string {
	if !inv.DueDate.Valid {
		return ""
	}
	return inv.DueDate.Time.Format(time.DateOnly)
}

func TestInvoiceTermsReachQBOAndDueDateFollowsThem(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	ctx := context.Background()
	// A term of the company's own, changed in QBO after the import below: Hoursync's
	// estimate before the sync then differs from what QBO computes, and QBO's wins.
	s.seed(tn.realm, "Term", map[string]any{"Name": "Net 10", "DueDays": 10})

	res := s.importAll(tn)
	if res.Terms != 5 {
		t.Fatalf("imported %d terms, want QBO's 4 defaults and Net 10", res.Terms)
	}
	net15 := s.termNamed(tn, "Net 15")
	if net15.Type != store.TermStandard || net15.DueDays == nil || *net15.DueDays != 15 || !net15.Active {
		t.Fatalf("Net 15 imported as %+v", net15)
	}

	// Net 15, no due date: Hoursync shows date + 15 at once, QBO gets the term and
	// computes the same, and Hoursync then shows QBO's.
	inv := s.invoiceOnTerm(tn, net15)
	want := day(24).AddDate(0, 0, 15).Format(time.DateOnly)
	if got := dueDateOf(inv); got != want || inv.Terms != "Net 15" || inv.DueDateExplicit {
		t.Fatalf("before sync: due %q terms %q explicit %v, want %s Net 15", got, inv.Terms, inv.DueDateExplicit, want)
	}
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	q := s.qboInvoiceNumbered(tn.realm, inv.Number)
	ref, _ := q["SalesTermRef"].(map[string]any)
	if ref == nil || str(ref["value"]) != net15.QBOID || ref["name"] != "Net 15" {
		t.Fatalf("QBO SalesTermRef = %v, want Net 15 (%s)", q["SalesTermRef"], net15.QBOID)
	}
	if q["DueDate"] != want {
		t.Fatalf("QBO DueDate = %v, want %s", q["DueDate"], want)
	}
	after, err := s.store.GetInvoice(ctx, tn.account.ID, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dueDateOf(after) != want || after.Terms != "Net 15" || after.Version != inv.Version {
		t.Fatalf("after sync Hoursync shows due %q terms %q (version %d→%d), want %s Net 15", dueDateOf(after), after.Terms, inv.Version, after.Version, want)
	}
	if st := s.state(tn, store.ObjectInvoice, inv.ID); st.Status != store.StatusSynced {
		t.Fatalf("state after recording QBO's due date = %s, want synced", st.Status)
	}

	// Net 10 now gives 12 days in QBO: Hoursync's estimate says 10, QBO's 12 is shown.
	net10 := s.termNamed(tn, "Net 10")
	q10 := s.entities(tn.realm, "Term")
	for _, term := range q10 {
		if term["Name"] == "Net 10" {
			s.qboSparseUpdate(tn.realm, "term", map[string]any{"Id": term["Id"], "SyncToken": term["SyncToken"], "DueDays": 12})
		}
	}
	inv10 := s.invoiceOnTerm(tn, net10)
	if got := dueDateOf(inv10); got != day(24).AddDate(0, 0, 10).Format(time.DateOnly) {
		t.Fatalf("estimate on Net 10 = %s", got)
	}
	s.syncInvoice(tn, inv10.ID)
	want12 := day(24).AddDate(0, 0, 12).Format(time.DateOnly)
	if q := s.qboInvoiceNumbered(tn.realm, inv10.Number); q["DueDate"] != want12 {
		t.Fatalf("QBO DueDate on Net 10 (12 days in QBO) = %v, want %s", q["DueDate"], want12)
	}
	if after, _ := s.store.GetInvoice(ctx, tn.account.ID, inv10.ID); dueDateOf(after) != want12 {
		t.Fatalf("Hoursync shows %s, QBO has %s", dueDateOf(after), want12)
	}

	// A due date set by hand is sent as it is and kept, whatever the term.
	_, _, _, ids := s.newCards(tn, 1)
	own, err := s.store.CreateInvoiceFromTimeCards(ctx, tn.account.ID,
		store.InvoiceInput{InvoiceDate: day(24), DueDate: day(28), TermID: net15.ID}, ids, store.GroupPerServiceRate)
	if err != nil {
		t.Fatal(err)
	}
	s.syncInvoice(tn, own.ID)
	if q := s.qboInvoiceNumbered(tn.realm, own.Number); q["DueDate"] != day(28).Format(time.DateOnly) {
		t.Fatalf("QBO DueDate of a date set by hand = %v", q["DueDate"])
	}
}
