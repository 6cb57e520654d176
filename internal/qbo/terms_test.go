package qbo_test

import (
	"testing"

	"hoursync/internal/qbo"
)

func TestTermsListReadCreateAndInvoiceDueDateFollowsSalesTermRef(t *testing.T) {
	_, _, c := newRealm(t, "SimpleStart")
	terms, err := qbo.QueryPage[qbo.Term](ctx(t), c, qbo.From[qbo.Term]())
	if err != nil {
		t.Fatal(err)
	}
	var net15 qbo.Term
	for _, term := range terms {
		if term.Name == "Net 15" {
			net15 = term
		}
	}
	if net15.ID == "" || net15.Type != qbo.TermTypeStandard || net15.DueDays == nil || *net15.DueDays != 15 {
		t.Fatalf("no standard Net 15 among %+v", terms)
	}
	got, err := qbo.Read[qbo.Term](ctx(t), c, net15.ID)
	if err != nil || got.Name != "Net 15" || got.Active == nil || !*got.Active {
		t.Fatalf("read Net 15: %+v %v", got, err)
	}
	tenth, err := qbo.Create(ctx(t), c, rid(t), qbo.Term{Name: "10th", Type: qbo.TermTypeDateDriven, DayOfMonthDue: new(10)})
	if err != nil || tenth.ID == "" || tenth.DayOfMonthDue == nil || *tenth.DayOfMonthDue != 10 {
		t.Fatalf("create date-driven term: %+v %v", tenth, err)
	}

	cust, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Terms Co"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := qbo.Create(ctx(t), c, rid(t), qbo.Invoice{CustomerRef: &qbo.Ref{Value: cust.ID}, TxnDate: "2026-05-20",
		SalesTermRef: &qbo.Ref{Value: net15.ID}, Line: []qbo.Line{{Amount: 1000, DetailType: qbo.DetailTypeSalesItem}}})
	if err != nil {
		t.Fatal(err)
	}
	if inv.DueDate != "2026-06-04" || inv.SalesTermRef == nil || inv.SalesTermRef.Value != net15.ID || inv.SalesTermRef.Name != "Net 15" {
		t.Fatalf("invoice on Net 15 from 2026-05-20: DueDate %q, SalesTermRef %+v", inv.DueDate, inv.SalesTermRef)
	}
}
