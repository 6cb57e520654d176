package qbo_test

import (
	"testing"

	"hoursync/internal/qbo"
)

// incomeAccount returns the fresh company's "Services" income account.
func incomeAccount(t *testing.T, c *qbo.Client) qbo.Account {
	t.Helper()
	rows, err := qbo.QueryPage[qbo.Account](ctx(t), c, qbo.From[qbo.Account]().Where("AccountType", qbo.Eq, qbo.AccountTypeIncome))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("fresh company has no income account")
	}
	return rows[0]
}

func TestCustomerCreateReadSparseUpdateDeactivate(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	cust, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "O'Brien & Sons", GivenName: "Pat",
		PrimaryEmailAddr: &qbo.EmailAddress{Address: "pat@obrien.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if cust.ID == "" || cust.SyncToken != "0" || cust.DisplayName != "O'Brien & Sons" {
		t.Fatalf("created %+v", cust)
	}
	got, err := qbo.Read[qbo.Customer](ctx(t), c, cust.ID)
	if err != nil || got.PrimaryEmailAddr == nil || got.PrimaryEmailAddr.Address != "pat@obrien.example" {
		t.Fatalf("read %+v, %v", got, err)
	}
	upd, err := qbo.Update(ctx(t), c, rid(t), qbo.Customer{Header: qbo.Header{ID: got.ID, SyncToken: got.SyncToken}, Notes: "VIP"})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Notes != "VIP" || upd.GivenName != "Pat" || upd.SyncToken != "1" {
		t.Fatalf("sparse update lost fields or kept the token: %+v", upd)
	}
	off, err := qbo.Update(ctx(t), c, rid(t), qbo.Customer{Header: qbo.Header{ID: upd.ID, SyncToken: upd.SyncToken}, Active: new(false)})
	if err != nil || off.Active == nil || *off.Active {
		t.Fatalf("deactivate: %+v %v", off, err)
	}
	rows, err := qbo.QueryPage[qbo.Customer](ctx(t), c, qbo.From[qbo.Customer]().Where("DisplayName", qbo.Eq, "O'Brien & Sons"))
	if err != nil || len(rows) != 0 {
		t.Fatalf("inactive customer visible by default: %v %v", rows, err)
	}
	rows, err = qbo.QueryPage[qbo.Customer](ctx(t), c, qbo.From[qbo.Customer]().Where("DisplayName", qbo.Eq, "O'Brien & Sons").Where("Active", qbo.Eq, false))
	if err != nil || len(rows) != 1 {
		t.Fatalf("inactive customer not found by Active = false: %v %v", rows, err)
	}
}

func TestEmployeeItemAccountOperations(t *testing.T) {
	_, _, c := newRealm(t, "Plus")
	emps, err := qbo.QueryPage[qbo.Employee](ctx(t), c, qbo.From[qbo.Employee]())
	if err != nil || len(emps) != 1 || emps[0].GivenName != "Ada" {
		t.Fatalf("admin employee: %+v %v", emps, err)
	}
	emp, err := qbo.Create(ctx(t), c, rid(t), qbo.Employee{GivenName: "Bo", FamilyName: "Worker"})
	if err != nil {
		t.Fatal(err)
	}
	emp, err = qbo.Update(ctx(t), c, rid(t), qbo.Employee{Header: qbo.Header{ID: emp.ID, SyncToken: emp.SyncToken}, BillableTime: new(true)})
	if err != nil || emp.BillableTime == nil || !*emp.BillableTime {
		t.Fatalf("employee update: %+v %v", emp, err)
	}

	acct, err := qbo.Create(ctx(t), c, rid(t), qbo.Account{Name: "Consulting Income", AccountType: qbo.AccountTypeIncome})
	if err != nil {
		t.Fatal(err)
	}
	acct, err = qbo.Read[qbo.Account](ctx(t), c, acct.ID)
	if err != nil || acct.Name != "Consulting Income" {
		t.Fatalf("read account: %+v %v", acct, err)
	}
	acct, err = qbo.Update(ctx(t), c, rid(t), qbo.Account{Header: qbo.Header{ID: acct.ID, SyncToken: acct.SyncToken}, Description: "hours"})
	if err != nil || acct.Description != "hours" {
		t.Fatalf("update account: %+v %v", acct, err)
	}

	price := qbo.Money(12550)
	item, err := qbo.Create(ctx(t), c, rid(t), qbo.Item{Name: "Design ü", Type: qbo.ItemTypeService, UnitPrice: &price,
		IncomeAccountRef: &qbo.Ref{Value: acct.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if item.UnitPrice == nil || *item.UnitPrice != price || item.IncomeAccountRef.Name != "Consulting Income" {
		t.Fatalf("item: %+v", item)
	}
	item, err = qbo.Update(ctx(t), c, rid(t), qbo.Item{Header: qbo.Header{ID: item.ID, SyncToken: item.SyncToken}, UnitPrice: new(qbo.Money(9999))})
	if err != nil || *item.UnitPrice != 9999 {
		t.Fatalf("item update: %+v %v", item, err)
	}
	services, err := qbo.QueryPage[qbo.Item](ctx(t), c, qbo.From[qbo.Item]().Where("Type", qbo.Eq, qbo.ItemTypeService).Where("Name", qbo.Eq, "Design ü"))
	if err != nil || len(services) != 1 || services[0].ID != item.ID {
		t.Fatalf("service items: %+v %v", services, err)
	}
}

func TestTimeActivityAndInvoiceLifecycle(t *testing.T) {
	e, realm, c := newRealm(t, "Essentials")
	income := incomeAccount(t, c)
	cust, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Zoë Ltd"})
	if err != nil {
		t.Fatal(err)
	}
	item, err := qbo.Create(ctx(t), c, rid(t), qbo.Item{Name: "Hours", Type: qbo.ItemTypeService, IncomeAccountRef: &qbo.Ref{Value: income.ID}})
	if err != nil {
		t.Fatal(err)
	}
	emps, err := qbo.QueryPage[qbo.Employee](ctx(t), c, qbo.From[qbo.Employee]())
	if err != nil || len(emps) == 0 {
		t.Fatal(err)
	}
	rate := qbo.Money(15000)
	ta, err := qbo.Create(ctx(t), c, rid(t), qbo.TimeActivity{TxnDate: "2026-11-02", NameOf: qbo.NameOfEmployee,
		EmployeeRef: &qbo.Ref{Value: emps[0].ID}, CustomerRef: &qbo.Ref{Value: cust.ID}, ItemRef: &qbo.Ref{Value: item.ID},
		BillableStatus: qbo.BillableStatusBillable, HourlyRate: &rate, Hours: new(1), Minutes: new(30), Description: "kick-off"})
	if err != nil {
		t.Fatal(err)
	}
	if *ta.Hours != 1 || *ta.Minutes != 30 || *ta.HourlyRate != rate {
		t.Fatalf("time activity: %+v", ta)
	}
	ta, err = qbo.Update(ctx(t), c, rid(t), qbo.TimeActivity{Header: qbo.Header{ID: ta.ID, SyncToken: ta.SyncToken},
		Hours: new(2), Minutes: new(0)})
	if err != nil || *ta.Hours != 2 || ta.Minutes == nil || *ta.Minutes != 0 || ta.Description != "kick-off" {
		t.Fatalf("time activity update: %+v %v", ta, err)
	}

	qty := qbo.Decimal7FromMilli(2000)
	inv, err := qbo.Create(ctx(t), c, rid(t), qbo.Invoice{CustomerRef: &qbo.Ref{Value: cust.ID}, TxnDate: "2026-11-03",
		Line: []qbo.Line{{Amount: 30000, DetailType: qbo.DetailTypeSalesItem, Description: "2 h",
			SalesItemLineDetail: &qbo.SalesItemLineDetail{ItemRef: &qbo.Ref{Value: item.ID}, Qty: &qty, UnitPrice: &rate}}},
		LinkedTxn: []qbo.LinkedTxn{{TxnID: ta.ID, TxnType: "TimeActivity"}}})
	if err != nil {
		t.Fatal(err)
	}
	if inv.TotalAmt == nil || *inv.TotalAmt != 30000 || inv.DocNumber == "" {
		t.Fatalf("invoice: %+v", inv)
	}
	billed, err := qbo.Read[qbo.TimeActivity](ctx(t), c, ta.ID)
	if err != nil || billed.BillableStatus != qbo.BillableStatusBilled {
		t.Fatalf("linked time activity not billed: %+v %v", billed, err)
	}
	inv, err = qbo.Update(ctx(t), c, rid(t), qbo.Invoice{Header: qbo.Header{ID: inv.ID, SyncToken: inv.SyncToken},
		Line: []qbo.Line{{Amount: 45000, DetailType: qbo.DetailTypeSalesItem,
			SalesItemLineDetail: &qbo.SalesItemLineDetail{ItemRef: &qbo.Ref{Value: item.ID}, Qty: new(qbo.Decimal7FromMilli(3000)), UnitPrice: &rate}}}})
	if err != nil || *inv.TotalAmt != 45000 {
		t.Fatalf("invoice update: %+v %v", inv, err)
	}
	voided, err := qbo.Void[qbo.Invoice](ctx(t), c, rid(t), inv.ID, inv.SyncToken)
	if err != nil || (voided.TotalAmt != nil && *voided.TotalAmt != 0) {
		t.Fatalf("void: %+v %v", voided, err)
	}
	if err := qbo.Delete[qbo.Invoice](ctx(t), c, rid(t), voided.ID, voided.SyncToken); err != nil {
		t.Fatal(err)
	}
	if _, err := qbo.Read[qbo.Invoice](ctx(t), c, inv.ID); !isNotFound(err) {
		t.Fatalf("read deleted invoice: %v", err)
	}
	ta, _ = qbo.Read[qbo.TimeActivity](ctx(t), c, ta.ID)
	if err := qbo.Delete[qbo.TimeActivity](ctx(t), c, rid(t), ta.ID, ta.SyncToken); err != nil {
		t.Fatal(err)
	}
	list := e.entities(realm, "TimeActivity")
	if len(list) != 1 || list[0]["status"] != "Deleted" {
		t.Fatalf("time activity not deleted: %v", list)
	}
}

func TestPlanReadsOfferingSkuAndTimeTracking(t *testing.T) {
	e := startEmulator(t, emuOpts())
	for plan, want := range map[string]bool{"SimpleStart": false, "Essentials": true, "Plus": true, "Advanced": true} {
		realm := e.company(plan+" Co", plan)
		c, _ := e.client(realm, nil)
		info, p, err := c.Company(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if info.CompanyName != plan+" Co" {
			t.Errorf("company info %+v", info)
		}
		if p.CanSyncTime() != want || p.Name == "" {
			t.Errorf("%s: plan %+v, CanSyncTime %v want %v", plan, p, p.CanSyncTime(), want)
		}
	}
}
