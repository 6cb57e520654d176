package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

func termDays(n int) *int { return &n }

func isoDate(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestTermsUpsertListGetAreAccountScoped(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, b := newTenant(t, s), newTenant(t, s)
	net15, err := s.UpsertTerm(ctx, a.account.ID, "r1", store.TermInput{QBOID: "2", Name: "Net 15", Type: store.TermStandard, DueDays: termDays(15), Active: true})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.UpsertTerm(ctx, a.account.ID, "r1", store.TermInput{QBOID: "2", Name: "Net 15 days", Type: store.TermStandard, DueDays: termDays(15), Active: false})
	if err != nil || again.ID != net15.ID || again.Name != "Net 15 days" || again.Active {
		t.Fatalf("re-import: %+v %v", again, err)
	}
	if _, err := s.UpsertTerm(ctx, a.account.ID, "r2", store.TermInput{QBOID: "2", Name: "Other realm", Type: store.TermStandard, DueDays: termDays(1), Active: true}); err != nil {
		t.Fatal(err)
	}
	if list, err := s.ListTerms(ctx, a.account.ID, "r1"); err != nil || len(list) != 1 || list[0].ID != net15.ID {
		t.Fatalf("ListTerms(r1) = %+v, %v", list, err)
	}
	if list, err := s.ListTerms(ctx, a.account.ID, ""); err != nil || len(list) != 2 {
		t.Fatalf("ListTerms(all) = %+v, %v", list, err)
	}
	if list, err := s.ListTerms(ctx, b.account.ID, ""); err != nil || len(list) != 0 {
		t.Fatalf("another account lists %+v, %v", list, err)
	}
	if _, err := s.GetTerm(ctx, b.account.ID, net15.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetTerm of another account's term: %v", err)
	}
	if got, err := s.FindTermByName(ctx, a.account.ID, "r1", "  net 15 DAYS "); err != nil || got.ID != net15.ID {
		t.Fatalf("FindTermByName: %+v %v", got, err)
	}
	if _, err := s.FindTermByName(ctx, b.account.ID, "", "Net 15 days"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FindTermByName in another account: %v", err)
	}
	// An invoice cannot name another account's term.
	_, err = s.CreateInvoice(ctx, b.account.ID, store.InvoiceInput{CustomerID: b.customer.ID, InvoiceDate: isoDate("2026-05-01"),
		TermID: net15.ID, Lines: []store.LineInput{{ServiceID: b.service.ID, QuantityMilli: 1000, RateCents: 100}}})
	if !isReference(err, "term_id") {
		t.Fatalf("invoice with another account's term: %v", err)
	}
}

func TestInvoiceDueDateFollowsTermUnlessSetAndTakesQBOsAfterSync(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	tn := newTenant(t, s)
	id := tn.account.ID
	net15, err := s.UpsertTerm(ctx, id, "r1", store.TermInput{QBOID: "2", Name: "Net 15", Type: store.TermStandard, DueDays: termDays(15), Active: true})
	if err != nil {
		t.Fatal(err)
	}
	net30, err := s.UpsertTerm(ctx, id, "r1", store.TermInput{QBOID: "3", Name: "Net 30", Type: store.TermStandard, DueDays: termDays(30), Active: true})
	if err != nil {
		t.Fatal(err)
	}
	lines := []store.LineInput{{ServiceID: tn.service.ID, QuantityMilli: 1000, RateCents: 100}}
	inv, err := s.CreateInvoice(ctx, id, store.InvoiceInput{CustomerID: tn.customer.ID, InvoiceDate: isoDate("2026-05-20"), TermID: net15.ID, Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	if !inv.TermID.Valid || inv.TermID.Int64 != net15.ID || inv.Terms != "Net 15" || inv.DueDateExplicit ||
		!inv.DueDate.Valid || inv.DueDate.Time.Format(time.DateOnly) != "2026-06-04" {
		t.Fatalf("invoice on Net 15: term %v %q, due %v explicit %v", inv.TermID, inv.Terms, inv.DueDate, inv.DueDateExplicit)
	}
	// A due date the person sets wins over the term.
	inv, err = s.UpdateInvoice(ctx, id, inv.ID, store.InvoiceInput{CustomerID: tn.customer.ID, InvoiceDate: isoDate("2026-05-20"),
		TermID: net30.ID, DueDate: isoDate("2026-07-01"), Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Terms != "Net 30" || !inv.DueDateExplicit || inv.DueDate.Time.Format(time.DateOnly) != "2026-07-01" {
		t.Fatalf("explicit due date: %q %v %v", inv.Terms, inv.DueDate, inv.DueDateExplicit)
	}
	// Back to following the term.
	inv, err = s.UpdateInvoice(ctx, id, inv.ID, store.InvoiceInput{CustomerID: tn.customer.ID, InvoiceDate: isoDate("2026-05-20"), TermID: net30.ID, Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	if inv.DueDateExplicit || inv.DueDate.Time.Format(time.DateOnly) != "2026-06-19" {
		t.Fatalf("Net 30 from 2026-05-20: %v explicit %v", inv.DueDate, inv.DueDateExplicit)
	}

	// After a sync QBO's values are stored, without making the invoice look edited.
	if err := s.RecordQBOInvoiceTerms(ctx, id, inv.ID, "r1", inv.Version, "2", "2026-06-05"); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetInvoice(ctx, id, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != inv.Version || got.TermID.Int64 != net15.ID || got.Terms != "Net 15" || got.DueDate.Time.Format(time.DateOnly) != "2026-06-05" {
		t.Fatalf("after recording QBO's terms: version %d→%d, term %v %q, due %v", inv.Version, got.Version, got.TermID, got.Terms, got.DueDate)
	}
	// A term QBO has but Hoursync has not imported leaves the term alone.
	if err := s.RecordQBOInvoiceTerms(ctx, id, inv.ID, "r1", inv.Version, "77", "2026-06-06"); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetInvoice(ctx, id, inv.ID); got.TermID.Int64 != net15.ID || got.DueDate.Time.Format(time.DateOnly) != "2026-06-06" {
		t.Fatalf("unknown QBO term: %v %v", got.TermID, got.DueDate)
	}
	// A stale sync (the invoice was edited since) writes nothing.
	if err := s.RecordQBOInvoiceTerms(ctx, id, inv.ID, "r1", inv.Version-1, "", "2026-01-01"); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetInvoice(ctx, id, inv.ID); got.DueDate.Time.Format(time.DateOnly) != "2026-06-06" || !got.TermID.Valid {
		t.Fatalf("stale record overwrote: %v %v", got.DueDate, got.TermID)
	}
	// QBO without a term: none here either.
	if err := s.RecordQBOInvoiceTerms(ctx, id, inv.ID, "r1", inv.Version, "", "2026-06-19"); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetInvoice(ctx, id, inv.ID); got.TermID.Valid || got.Terms != "" {
		t.Fatalf("QBO has no term: %v %q", got.TermID, got.Terms)
	}

	// Text terms of an invoice written before terms were a choice stay readable.
	old, err := s.CreateInvoice(ctx, id, store.InvoiceInput{CustomerID: tn.customer.ID, InvoiceDate: isoDate("2026-05-20"), Terms: "2% 10 Net 30", Lines: lines})
	if err != nil || old.Terms != "2% 10 Net 30" || old.TermID.Valid || old.DueDate.Valid {
		t.Fatalf("text terms: %+v %v", old, err)
	}
}

func TestTermDueDate(t *testing.T) {
	std := store.Term{Type: store.TermStandard, DueDays: termDays(15)}
	eom := store.Term{Type: store.TermDateDriven, DayOfMonthDue: termDays(31), DueNextMonthDays: termDays(10)}
	tenth := store.Term{Type: store.TermDateDriven, DayOfMonthDue: termDays(10)}
	for _, c := range []struct {
		name string
		term store.Term
		from string
		want string
	}{
		{"standard", std, "2026-02-20", "2026-03-07"},
		{"standard without days", store.Term{Type: store.TermStandard}, "2026-02-20", "2026-02-20"},
		{"end of a short month, within 10 days: next month", eom, "2026-02-20", "2026-03-31"},
		{"end of month, early", eom, "2026-02-03", "2026-02-28"},
		{"tenth, on the day", tenth, "2026-04-10", "2026-04-10"},
		{"tenth, passed: next month", tenth, "2026-12-11", "2027-01-10"},
	} {
		if got := c.term.DueDate(isoDate(c.from)).Format(time.DateOnly); got != c.want {
			t.Errorf("%s from %s: %s, want %s", c.name, c.from, got, c.want)
		}
	}
}
