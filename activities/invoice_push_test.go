package activities_test

import (
	"strings"
	"testing"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// otherInvoice puts an invoice of another customer into QBO, as the bookkeeper or
// another app would have.
func (f *fixture) otherInvoice(customer, docNumber, amount string) map[string]any {
	f.t.Helper()
	c := f.seed("Customer", map[string]any{"DisplayName": customer})
	return f.seed("Invoice", map[string]any{"DocNumber": docNumber, "CustomerRef": map[string]any{"value": c["Id"]},
		"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": amount, "Description": "Sourdough, weekly",
			"SalesItemLineDetail": map[string]any{}}}})
}

// pushInvoice ensures the invoice's customer and services, then prepares and pushes
// it, as InvoiceSync does.
func (f *fixture) pushInvoice(inv store.Invoice) workflows.Outcome {
	f.t.Helper()
	if _, err := f.acts.EnsureCustomer(f.ctx, f.ensureInput(inv.CustomerID)); err != nil {
		f.t.Fatal(err)
	}
	for _, l := range inv.Lines {
		if _, err := f.acts.EnsureService(f.ctx, f.ensureInput(l.ServiceID)); err != nil {
			f.t.Fatal(err)
		}
	}
	op, err := f.acts.PrepareInvoice(f.ctx, workflows.PrepareInvoiceInput{AccountID: f.account.ID, RealmID: f.realm, InvoiceID: inv.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := f.acts.PushInvoice(f.ctx, workflows.PushInvoiceInput{AccountID: f.account.ID, RealmID: f.realm, Op: op,
		RequestID: op.RequestID(f.realm)})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) qboInvoiceNumbered(number string) map[string]any {
	for _, inv := range f.live("Invoice") {
		if str(inv["DocNumber"]) == number {
			return inv
		}
	}
	return nil
}

func TestPushInvoiceTakesTheNextFreeNumberWhenHoursyncChoseOneTakenInQBO(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	_, _, _, ids := f.cards(2)
	inv, err := f.store.CreateInvoiceFromTimeCards(f.ctx, f.account.ID, store.InvoiceInput{InvoiceDate: day(24), DueDate: day(30)},
		ids, store.GroupPerServiceRate)
	if err != nil {
		t.Fatal(err)
	}
	theirs := f.otherInvoice("Brightside Bakery", inv.Number, "999.00")

	out := f.pushInvoice(inv)
	got, err := f.store.GetInvoice(f.ctx, f.account.ID, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "Created in QuickBooks as number " + got.Number + ": number " + inv.Number + " is used there by another invoice"
	if !out.Succeeded || out.Message != want || got.Number == inv.Number {
		t.Fatalf("outcome %+v, number %s -> %s; want %q", out, inv.Number, got.Number, want)
	}
	if after := f.qboInvoiceNumbered(inv.Number); str(after["Id"]) != str(theirs["Id"]) || str(after["SyncToken"]) != str(theirs["SyncToken"]) {
		t.Fatalf("the other invoice changed: before %v, after %v", theirs, after)
	}
	ours := f.qboInvoiceNumbered(got.Number)
	if ours == nil || str(ours["Id"]) != f.link(store.ObjectInvoice, inv.ID).QBOID ||
		!strings.Contains(str(ours["PrivateNote"]), "Created by Hoursync (invoice hs-") {
		t.Fatalf("Hoursync's QBO invoice %v", ours)
	}
}

func TestPushInvoiceFailsNamingTheOtherInvoiceWhenATypedNumberIsTakenInQBO(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	_, _, _, ids := f.cards(1)
	inv, err := f.store.CreateInvoiceFromTimeCards(f.ctx, f.account.ID, store.InvoiceInput{Number: "B-77", InvoiceDate: day(24), DueDate: day(30)},
		ids, store.GroupPerServiceRate)
	if err != nil {
		t.Fatal(err)
	}
	other := f.otherInvoice("Brightside Bakery 2", "B-77", "1180.00")
	before := len(f.live("Invoice"))

	out := f.pushInvoice(inv)
	want := `Number B-77 is already used in QuickBooks by an invoice to Brightside Bakery 2 for $1,180.00; choose another number`
	if out.Succeeded || out.ErrorType != workflows.ErrTypeNumberTaken || out.Message != want {
		t.Fatalf("outcome %+v, want %s %q", out, workflows.ErrTypeNumberTaken, want)
	}
	if n := len(f.live("Invoice")); n != before {
		t.Fatalf("QBO invoices %d -> %d", before, n)
	}
	if after := f.qboInvoiceNumbered("B-77"); str(after["SyncToken"]) != str(other["SyncToken"]) {
		t.Fatalf("the other invoice B-77 changed: %v", after)
	}
	if st := f.state(store.ObjectInvoice, inv.ID); st.Status != store.StatusFailed || st.Message != want {
		t.Fatalf("state %+v", st)
	}
}
