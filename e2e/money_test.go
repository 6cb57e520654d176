package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"testing"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// billCards creates cards of the given minutes at rate for a new customer and service
// and bills them on one invoice.
func (s *stack) billCards(tn tenant, rateCents int64, grouping string, minutes ...int) store.Invoice {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.store.CreateUser(ctx, tn.account.ID, store.NewUser{Email: testutil.UniqueName("exact") + "@example.com", FirstName: "Ezra", LastName: "Exact " + testutil.RandomHex(2)})
	if err != nil {
		s.t.Fatal(err)
	}
	c, err := s.store.CreateCustomer(ctx, tn.account.ID, store.CustomerInput{DisplayName: "Cent Counter " + testutil.RandomHex(3), Active: true})
	if err != nil {
		s.t.Fatal(err)
	}
	sv, err := s.store.CreateService(ctx, tn.account.ID, store.ServiceInput{Name: "Consulting " + testutil.RandomHex(2), RateCents: rateCents, Active: true})
	if err != nil {
		s.t.Fatal(err)
	}
	var ids []int64
	for i, m := range minutes {
		card, err := s.store.CreateTimeCard(ctx, tn.account.ID, store.TimeCardInput{UserID: u.ID, CustomerID: c.ID, ServiceID: sv.ID,
			WorkDate: day(2 + i), Minutes: m, Billable: true, RateCents: rateCents, Notes: "work"})
		if err != nil {
			s.t.Fatal(err)
		}
		ids = append(ids, card.ID)
	}
	inv, err := s.store.CreateInvoiceFromTimeCards(ctx, tn.account.ID, store.InvoiceInput{InvoiceDate: day(24), DueDate: day(30)}, ids, grouping)
	if err != nil {
		s.t.Fatal(err)
	}
	return inv
}

// qboInvoiceExact reads the QBO copy of the invoice numbered docNumber with its numbers
// as QBO wrote them (no float64).
func (s *stack) qboInvoiceExact(realm, docNumber string) map[string]any {
	s.t.Helper()
	var raw json.RawMessage
	s.admin("GET", "/admin/companies/"+realm+"/entities/Invoice", nil, &raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var list []map[string]any
	if err := dec.Decode(&list); err != nil {
		s.t.Fatalf("invoices: %v: %s", err, raw)
	}
	for _, inv := range list {
		if inv["DocNumber"] == docNumber && inv["status"] != "Deleted" {
			return inv
		}
	}
	s.t.Fatalf("no QBO invoice %s in %s", docNumber, raw)
	return nil
}

// rat parses a QBO number exactly.
func rat(t testing.TB, v any) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(fmt.Sprint(v))
	if !ok {
		t.Fatalf("not a number: %v", v)
	}
	return r
}

// centsOf rounds half away from zero to cents, as QBO does.
func centsOf(r *big.Rat) int64 {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	neg := x.Sign() < 0
	x.Abs(x)
	x.Add(x, big.NewRat(1, 2))
	q := new(big.Int).Quo(x.Num(), x.Denom()).Int64()
	if neg {
		return -q
	}
	return q
}

// checkExactInQBO asserts that QBO's copy of inv has Hoursync's line amounts and total to
// the cent, and that each line's Qty × UnitPrice gives its Amount.
func (s *stack) checkExactInQBO(tn tenant, inv store.Invoice) {
	t := s.t
	t.Helper()
	res := s.syncInvoice(tn, inv.ID)
	if !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	q := s.qboInvoiceExact(tn.realm, inv.Number)
	if got := centsOf(rat(t, q["TotalAmt"])); got != inv.TotalCents {
		t.Fatalf("QBO TotalAmt %v, Hoursync shows %d cents", q["TotalAmt"], inv.TotalCents)
	}
	var sales []map[string]any
	for _, l := range q["Line"].([]any) {
		if l := l.(map[string]any); l["DetailType"] == "SalesItemLineDetail" {
			sales = append(sales, l)
		}
	}
	if len(sales) != len(inv.Lines) {
		t.Fatalf("QBO lines %d, Hoursync %d", len(sales), len(inv.Lines))
	}
	for i, l := range sales {
		det := l["SalesItemLineDetail"].(map[string]any)
		amount, qty, price := rat(t, l["Amount"]), rat(t, det["Qty"]), rat(t, det["UnitPrice"])
		if centsOf(amount) != inv.Lines[i].AmountCents {
			t.Errorf("line %d: QBO Amount %v, Hoursync %d cents", i+1, l["Amount"], inv.Lines[i].AmountCents)
		}
		if centsOf(new(big.Rat).Mul(qty, price)) != centsOf(amount) {
			t.Errorf("line %d: Qty %v × UnitPrice %v ≠ Amount %v", i+1, det["Qty"], det["UnitPrice"], l["Amount"])
		}
		if centsOf(price) != inv.Lines[i].RateCents {
			t.Errorf("line %d: UnitPrice %v, rate %d cents", i+1, det["UnitPrice"], inv.Lines[i].RateCents)
		}
		// QBO shows the quantity Hoursync shows, to the thousandth.
		if milli := centsOf(new(big.Rat).Mul(qty, big.NewRat(10, 1))); milli != inv.Lines[i].QuantityMilli {
			t.Errorf("line %d: Qty %v, Hoursync shows %d thousandths", i+1, det["Qty"], inv.Lines[i].QuantityMilli)
		}
	}
}

func TestInvoiceOf590MinutesAt120IsExactly1180InQBO(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)

	inv := s.billCards(tn, 12000, store.GroupPerServiceRate, 200, 200, 190) // 590 minutes at $120.00/h
	if inv.TotalCents != 118000 || len(inv.Lines) != 1 || inv.Lines[0].AmountCents != 118000 || inv.Lines[0].QuantityMilli != 9833 {
		t.Fatalf("Hoursync invoice: total %d, lines %+v; want one line of 9.833 h for $1,180.00", inv.TotalCents, inv.Lines)
	}
	s.checkExactInQBO(tn, inv)
	q := s.qboInvoiceExact(tn.realm, inv.Number)
	if q["TotalAmt"] != json.Number("1180.00") {
		t.Fatalf("QBO TotalAmt %v, want 1180.00", q["TotalAmt"])
	}
	det := q["Line"].([]any)[0].(map[string]any)["SalesItemLineDetail"].(map[string]any)
	if det["Qty"] != json.Number("9.8333") || det["UnitPrice"] != json.Number("120.00") {
		t.Fatalf("QBO line: Qty %v × UnitPrice %v, want 9.8333 × 120.00", det["Qty"], det["UnitPrice"])
	}

	// Awkward minutes and rates, one line per card.
	{
		inv := s.billCards(tn, 9999, store.GroupPerCard, 7, 13, 1, 59) // $11.67 + $21.66 + $1.67 + $98.32
		if inv.TotalCents != 1167+2166+167+9832 {
			t.Fatalf("Hoursync total %d", inv.TotalCents)
		}
		s.checkExactInQBO(tn, inv)
	}
	// An edit of the memo keeps the exact amount, in Hoursync and in QBO.
	{
		in := store.InvoiceInput{CustomerID: inv.CustomerID, Number: inv.Number, InvoiceDate: day(24), DueDate: day(30), Memo: "Thanks!"}
		for _, l := range inv.Lines {
			in.Lines = append(in.Lines, store.LineInput{ServiceID: l.ServiceID, Description: l.Description, QuantityMilli: l.QuantityMilli, RateCents: l.RateCents})
		}
		edited, err := s.store.UpdateInvoice(context.Background(), tn.account.ID, inv.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if edited.TotalCents != 118000 {
			t.Fatalf("after edit: %d cents", edited.TotalCents)
		}
		s.checkExactInQBO(tn, edited)
		if q := s.qboInvoiceExact(tn.realm, inv.Number); q["TotalAmt"] != json.Number("1180.00") {
			t.Fatalf("QBO TotalAmt after edit %v", q["TotalAmt"])
		}
	}
}
