package activities_test

import (
	"fmt"
	"testing"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/workflows"
)

func TestObjectTypesOfWorkflowsAreTheStores(t *testing.T) {
	for _, c := range [][2]string{{workflows.ObjectTimeCard, store.ObjectTimeCard}, {workflows.ObjectInvoice, store.ObjectInvoice},
		{workflows.ObjectCustomer, store.ObjectCustomer}, {workflows.ObjectService, store.ObjectService}} {
		if c[0] != c[1] {
			t.Errorf("workflows says %q, the store %q", c[0], c[1])
		}
	}
}

func str(v any) string { return fmt.Sprint(v) }

func TestPushTimeActivitiesCreatesThenUpdatesTheSameTimeActivity(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	u, c, sv, ids := f.cards(2)
	f.ensure(u, c, sv)

	ops := f.prepare(ids...)
	for _, op := range ops {
		if op.Op != workflows.OpCreate {
			t.Fatalf("op %+v, want a create", op)
		}
	}
	for _, o := range f.push(ops) {
		if !o.Succeeded || o.Message != "Created in QuickBooks" || o.Object.Type != workflows.ObjectTimeCard {
			t.Fatalf("outcome %+v", o)
		}
	}
	tas := f.live("TimeActivity")
	if len(tas) != 2 {
		t.Fatalf("TimeActivities = %d, want 2", len(tas))
	}
	first := f.link(store.ObjectTimeCard, ids[0])
	ta := f.entity(tas, first.QBOID)
	if str(ta["Hours"]) != "0" || str(ta["Minutes"]) != "30" || str(ta["BillableStatus"]) != qbo.BillableStatusBillable ||
		str(ta["HourlyRate"]) != "90" || str(ta["Description"]) != "work" || str(ta["TxnDate"]) != "2026-11-02" {
		t.Fatalf("TimeActivity %v", ta)
	}

	card, _ := f.store.GetTimeCard(f.ctx, f.account.ID, ids[0])
	if _, err := f.store.UpdateTimeCard(f.ctx, f.account.ID, ids[0], store.TimeCardInput{UserID: u.ID, CustomerID: c.ID,
		ServiceID: sv.ID, WorkDate: card.WorkDate, Minutes: 75, Billable: true, RateCents: 9000, Notes: "more work"}); err != nil {
		t.Fatal(err)
	}
	ops = f.prepare(ids[0])
	if len(ops) != 1 || ops[0].Op != workflows.OpUpdate || ops[0].QBOID != first.QBOID {
		t.Fatalf("ops %+v, want an update of %s", ops, first.QBOID)
	}
	if out := f.push(ops); len(out) != 1 || !out[0].Succeeded || out[0].Message != "Updated in QuickBooks" {
		t.Fatalf("outcomes %+v", out)
	}
	tas = f.live("TimeActivity")
	ta = f.entity(tas, first.QBOID)
	if len(tas) != 2 || str(ta["Hours"]) != "1" || str(ta["Minutes"]) != "15" || str(ta["Description"]) != "more work" {
		t.Fatalf("after the update: %d TimeActivities, %v", len(tas), ta)
	}
	if l := f.link(store.ObjectTimeCard, ids[0]); l.SyncToken != str(ta["SyncToken"]) || l.SyncedVersion != card.Version+1 {
		t.Fatalf("link %+v, want QBO's SyncToken %v and version %d", l, ta["SyncToken"], card.Version+1)
	}
}

func (f *fixture) entity(objs []map[string]any, id string) map[string]any {
	f.t.Helper()
	for _, o := range objs {
		if str(o["Id"]) == id {
			return o
		}
	}
	f.t.Fatalf("no object %s in %v", id, objs)
	return nil
}

func TestPushTimeActivitiesUpdateOfTimeBilledInQBOKeepsItBilled(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	u, c, sv, ids := f.cards(1)
	f.ensure(u, c, sv)
	f.push(f.prepare(ids...))
	taID := f.link(store.ObjectTimeCard, ids[0]).QBOID

	// The bookkeeper bills the time on an invoice made in QBO; then the card is edited.
	f.seed("Invoice", map[string]any{"CustomerRef": map[string]any{"value": f.link(store.ObjectCustomer, c.ID).QBOID},
		"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": "45.00",
			"SalesItemLineDetail": map[string]any{"ItemRef": map[string]any{"value": f.link(store.ObjectService, sv.ID).QBOID}}}},
		"LinkedTxn": []any{map[string]any{"TxnId": taID, "TxnType": "TimeActivity"}}})
	if st := str(f.entity(f.live("TimeActivity"), taID)["BillableStatus"]); st != qbo.BillableStatusBilled {
		t.Fatalf("BillableStatus after QBO's invoice = %s", st)
	}
	card, _ := f.store.GetTimeCard(f.ctx, f.account.ID, ids[0])
	if _, err := f.store.UpdateTimeCard(f.ctx, f.account.ID, ids[0], store.TimeCardInput{UserID: u.ID, CustomerID: c.ID,
		ServiceID: sv.ID, WorkDate: card.WorkDate, Minutes: card.Minutes, Billable: true, RateCents: 9000, Notes: "edited in Hoursync"}); err != nil {
		t.Fatal(err)
	}

	out := f.push(f.prepare(ids...))
	want := "QuickBooks had a newer copy of this time; Hoursync's values were applied on top of it."
	if len(out) != 1 || !out[0].Succeeded || out[0].Message != want {
		t.Fatalf("outcomes %+v, want %q", out, want)
	}
	ta := f.entity(f.live("TimeActivity"), taID)
	if str(ta["BillableStatus"]) != qbo.BillableStatusBilled || str(ta["Description"]) != "edited in Hoursync" {
		t.Fatalf("TimeActivity %v: billed time must stay billed and take Hoursync's edit", ta)
	}
}

func TestPushTimeActivitiesFaultMakesTheNextWriteANewRequest(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	u, c, sv, ids := f.cards(1)
	f.ensure(u, c, sv)
	// Made inactive in QBO after Hoursync linked it: only QBO's answer tells.
	itemID := f.link(store.ObjectService, sv.ID).QBOID
	setActive(f, itemID, false, itemActive)

	first := f.prepare(ids...)
	out := f.push(first)
	want := fmt.Sprintf(`The service %q is inactive in QuickBooks: make it active there, or pick another service`, sv.Name)
	if len(out) != 1 || out[0].Succeeded || out[0].ErrorType != workflows.ErrTypeInactiveInQBO || out[0].Message != want {
		t.Fatalf("outcomes %+v, want %s %q", out, workflows.ErrTypeInactiveInQBO, want)
	}
	if st := f.state(store.ObjectTimeCard, ids[0]); st.Status != store.StatusFailed || st.Message != want {
		t.Fatalf("state %+v", st)
	}

	// Fixed in QBO: the same card, unchanged, goes out as a new request (QBO answers a
	// repeated requestid with its stored fault).
	setActive(f, itemID, true, itemActive)
	again := f.prepare(ids...)
	if again[0].Faults != 1 || again[0].Version != first[0].Version {
		t.Fatalf("op after the fault %+v, want the same version with one fault", again[0])
	}
	if f.pushInput(again).RequestID == f.pushInput(first).RequestID {
		t.Fatal("the write after a fault reuses the faulted requestid")
	}
	if out := f.push(again); len(out) != 1 || !out[0].Succeeded {
		t.Fatalf("after the fix: %+v", out)
	}
	if n := len(f.live("TimeActivity")); n != 1 {
		t.Fatalf("TimeActivities = %d, want 1", n)
	}
}

func TestPushTimeActivitiesSendsNothingForCardsUpToDate(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	u, c, sv, ids := f.cards(2)
	f.ensure(u, c, sv)
	f.push(f.prepare(ids...))
	tokens := map[string]any{}
	for _, ta := range f.live("TimeActivity") {
		tokens[str(ta["Id"])] = ta["SyncToken"]
	}

	ops := f.prepare(ids...)
	for _, op := range ops {
		if op.Op != workflows.OpNone {
			t.Fatalf("op %+v of an unchanged synced card, want %s", op, workflows.OpNone)
		}
	}
	before := f.requests()
	out := f.push(ops)
	if n := f.requests() - before; n != 0 {
		t.Fatalf("%d requests to QBO for cards already up to date", n)
	}
	for _, o := range out {
		if !o.Succeeded || !o.Skipped || o.Message != "Already up to date in QuickBooks" {
			t.Fatalf("outcome %+v", o)
		}
	}
	for _, id := range ids {
		if st := f.state(store.ObjectTimeCard, id); st.Status != store.StatusSynced || st.Message != "Already up to date in QuickBooks" {
			t.Fatalf("card %d: %+v", id, st)
		}
	}
	for _, ta := range f.live("TimeActivity") {
		if ta["SyncToken"] != tokens[str(ta["Id"])] {
			t.Fatalf("TimeActivity %v was written", ta)
		}
	}
}

func TestPushTimeActivitiesUpdateOfTimeOnASyncedInvoiceKeepsItBilled(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	u, c, sv, ids := f.cards(1)
	f.ensure(u, c, sv)
	f.push(f.prepare(ids...))
	taID := f.link(store.ObjectTimeCard, ids[0]).QBOID
	// Edited, then billed on an invoice synced before the edit reached QBO.
	card, _ := f.store.GetTimeCard(f.ctx, f.account.ID, ids[0])
	if _, err := f.store.UpdateTimeCard(f.ctx, f.account.ID, ids[0], store.TimeCardInput{UserID: u.ID, CustomerID: c.ID,
		ServiceID: sv.ID, WorkDate: card.WorkDate, Minutes: card.Minutes, Billable: true, RateCents: 9000, Notes: "edited in Hoursync"}); err != nil {
		t.Fatal(err)
	}
	inv, err := f.store.CreateInvoiceFromTimeCards(f.ctx, f.account.ID, store.InvoiceInput{InvoiceDate: day(24), DueDate: day(30)},
		ids, store.GroupPerServiceRate)
	if err != nil {
		t.Fatal(err)
	}
	if out := f.pushInvoice(inv); !out.Succeeded {
		t.Fatalf("invoice: %+v", out)
	}

	ops := f.prepare(ids...)
	if len(ops) != 1 || ops[0].Op != workflows.OpUpdate || !ops[0].KeepBilled || ops[0].InvoiceID != inv.ID {
		t.Fatalf("ops %+v, want an update keeping the billed state", ops)
	}
	if out := f.push(ops); len(out) != 1 || !out[0].Succeeded {
		t.Fatalf("outcomes %+v", out)
	}
	ta := f.entity(f.live("TimeActivity"), taID)
	if str(ta["BillableStatus"]) != qbo.BillableStatusBilled || str(ta["Description"]) != "edited in Hoursync" {
		t.Fatalf("TimeActivity %v: billed time must stay billed and take Hoursync's edit", ta)
	}
}
