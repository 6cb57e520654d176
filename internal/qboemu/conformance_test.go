package qboemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestNewCompanyHasServicesIncomeAccountAndAdminEmployee(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	accts := rows(h.query("select * from Account where AccountType = 'Income' and Name = 'Services'"), "Account")
	if len(accts) != 1 || accts[0].(map[string]any)["Active"] != true {
		t.Fatalf("want one active Services income account, got %v", accts)
	}
	emps := rows(h.query("select * from Employee"), "Employee")
	if len(emps) != 1 || emps[0].(map[string]any)["DisplayName"] != "Ada Admin" {
		t.Fatalf("want the admin as the only employee, got %v", emps)
	}
	info := h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
	if info["CompanyName"] != "Harness Co" || !hasNameValue(info["NameValue"], "OfferingSku", "QuickBooks Online Essentials") {
		t.Fatalf("company info: %v", info)
	}
	prefs := h.call(http.MethodGet, "preferences", nil).ok(t, "Preferences")
	other := prefs["OtherPrefs"].(map[string]any)
	if !hasNameValue(other["NameValue"], "TimeTrackingFeatureEnabled", "true") {
		t.Fatalf("preferences: %v", other)
	}
}

func hasNameValue(v any, name, value string) bool {
	list, _ := v.([]any)
	for _, nv := range list {
		m := nv.(map[string]any)
		if m["Name"] == name && m["Value"] == value {
			return true
		}
	}
	return false
}

func TestCreateReadWrapsEntityAndAssignsIdSyncTokenMetaData(t *testing.T) {
	h := newHarness(t, PlanPlus)
	r := h.call(http.MethodPost, "customer?minorversion=75", map[string]any{"DisplayName": "Acme", "PrimaryEmailAddr": map[string]any{"Address": "a@acme.example"}})
	c := r.ok(t, "Customer")
	if _, ok := r.body["time"].(string); !ok {
		t.Fatalf("no time: %s", r.raw)
	}
	if r.header.Get("intuit_tid") == "" {
		t.Fatal("no intuit_tid header")
	}
	if c["Id"] == "" || c["SyncToken"] != "0" || c["domain"] != "QBO" || c["Active"] != true {
		t.Fatalf("created: %v", c)
	}
	md := c["MetaData"].(map[string]any)
	if md["CreateTime"] == "" || md["LastUpdatedTime"] == "" {
		t.Fatalf("metadata: %v", md)
	}
	got := h.call(http.MethodGet, "customer/"+c["Id"].(string), nil).ok(t, "Customer")
	if got["DisplayName"] != "Acme" || got["FullyQualifiedName"] != "Acme" {
		t.Fatalf("read: %v", got)
	}
	// Entity names are case-insensitive in the path.
	h.call(http.MethodGet, "Customer/"+c["Id"].(string), nil).ok(t, "Customer")
}

func TestSparseUpdateKeepsOmittedFieldsAndFullUpdateClearsThem(t *testing.T) {
	h := newHarness(t, PlanPlus)
	c := h.create("Customer", map[string]any{"DisplayName": "Sparse Co", "Notes": "keep me", "CompanyName": "Sparse Inc"})
	h.call(http.MethodGet, "customer/"+c["Id"].(string), nil).ok(t, "Customer") // warm the read cache
	up := h.call(http.MethodPost, "customer", map[string]any{"Id": c["Id"], "SyncToken": "0", "sparse": true, "Notes": "changed"}).ok(t, "Customer")
	if up["SyncToken"] != "1" || up["Notes"] != "changed" || up["CompanyName"] != "Sparse Inc" || up["DisplayName"] != "Sparse Co" {
		t.Fatalf("sparse update: %v", up)
	}
	if got := h.call(http.MethodGet, "customer/"+c["Id"].(string), nil).ok(t, "Customer"); got["Notes"] != "changed" || got["SyncToken"] != "1" {
		t.Fatalf("read after sparse update: %v", got)
	}
	full := h.call(http.MethodPost, "customer?operation=update", map[string]any{"Id": c["Id"], "SyncToken": "1", "DisplayName": "Sparse Co"}).ok(t, "Customer")
	if full["SyncToken"] != "2" {
		t.Fatalf("full update synctoken: %v", full)
	}
	if _, ok := full["Notes"]; ok {
		t.Fatalf("full update kept Notes: %v", full)
	}
	if _, ok := full["CompanyName"]; ok {
		t.Fatalf("full update kept CompanyName: %v", full)
	}
}

func TestFaults(t *testing.T) {
	h := newHarness(t, PlanPlus)
	cust := h.create("Customer", map[string]any{"DisplayName": "Taken Name"})
	item := h.create("Item", map[string]any{"Name": "Design", "Type": "Service", "IncomeAccountRef": ref("1")})
	inactiveAcct := h.create("Account", map[string]any{"Name": "Old Income", "AccountType": "Income"})
	h.call(http.MethodPost, "account", map[string]any{"Id": inactiveAcct["Id"], "SyncToken": "0", "sparse": true, "Active": false}).ok(t, "Account")
	h.create("Invoice", map[string]any{"DocNumber": "INV-1", "CustomerRef": ref(cust["Id"].(string)),
		"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 10, "SalesItemLineDetail": map[string]any{"ItemRef": ref(item["Id"].(string))}}}})

	cases := []struct {
		name, path string
		body       any
		status     int
		code       string
		detail     string
	}{
		{"duplicate name across customer and vendor", "vendor", map[string]any{"DisplayName": "taken name"}, 400, "6240", "Id=" + cust["Id"].(string)},
		{"duplicate item name", "item", map[string]any{"Name": "DESIGN", "IncomeAccountRef": ref("1")}, 400, "6240", "Id=" + item["Id"].(string)},
		{"stale sync token", "customer", map[string]any{"Id": cust["Id"], "SyncToken": "7", "sparse": true, "Notes": "x"}, 400, "5010", ""},
		{"update of unknown id", "customer", map[string]any{"Id": "9999", "SyncToken": "0", "sparse": true}, 400, "610", ""},
		{"inactive reference", "item", map[string]any{"Name": "X", "IncomeAccountRef": ref(inactiveAcct["Id"].(string))}, 400, "610", ""},
		{"required IncomeAccountRef", "item", map[string]any{"Name": "No Account", "Type": "Service"}, 400, "2020", "IncomeAccountRef"},
		{"required CustomerRef", "invoice", map[string]any{"Line": []any{}}, 400, "2020", "CustomerRef"},
		{"invalid reference", "invoice", map[string]any{"CustomerRef": ref("4242"), "Line": []any{}}, 400, "2500", "4242"},
		{"amount half-up", "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{map[string]any{
			"DetailType": "SalesItemLineDetail", "Amount": json.Number("0.12"),
			"SalesItemLineDetail": map[string]any{"Qty": json.Number("1"), "UnitPrice": json.Number("0.125")}}}}, 400, "6070", ""},
		{"duplicate DocNumber", "invoice", map[string]any{"DocNumber": "INV-1", "CustomerRef": ref(cust["Id"].(string)),
			"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 5}}}, 400, "6140", "INV-1"},
		{"unknown entity", "frobnicator", map[string]any{}, 400, "10000", ""},
		{"malformed JSON", "customer", `{"DisplayName": `, 400, "2010", ""},
		{"JSON array instead of object", "customer", `[1,2]`, 400, "2010", ""},
		{"invalid UTF-8", "customer", []byte("{\"DisplayName\": \"\xff\xfe\"}"), 400, "500", ""},
		{"no name", "customer", map[string]any{"Notes": "nameless"}, 400, "6080", ""},
		{"delete of a names-list object", "customer?operation=delete", map[string]any{"Id": cust["Id"], "SyncToken": "0"}, 400, "500", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := h.call(http.MethodPost, tc.path, tc.body).fault(t, tc.status, tc.code)
			if tc.detail != "" && !strings.Contains(fmt.Sprint(e["Detail"], e["element"]), tc.detail) {
				t.Fatalf("detail %q lacks %q", e["Detail"], tc.detail)
			}
		})
	}
}

func TestAmountRoundsHalfUpToCents(t *testing.T) {
	h := newHarness(t, PlanPlus)
	cust := h.create("Customer", map[string]any{"DisplayName": "Rounding"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{
		map[string]any{"DetailType": "SalesItemLineDetail", "Amount": json.Number("0.13"),
			"SalesItemLineDetail": map[string]any{"Qty": json.Number("1"), "UnitPrice": json.Number("0.125")}},
		map[string]any{"DetailType": "SalesItemLineDetail", "Amount": json.Number("0.30"),
			"SalesItemLineDetail": map[string]any{"Qty": json.Number("3"), "UnitPrice": json.Number("0.1")}},
	}})
	if inv["TotalAmt"] != json.Number("0.43") {
		t.Fatalf("TotalAmt %v, want 0.43 exactly", inv["TotalAmt"])
	}
	lines := inv["Line"].([]any)
	sub := lines[len(lines)-1].(map[string]any)
	if sub["DetailType"] != "SubTotalLineDetail" || sub["Amount"] != json.Number("0.43") {
		t.Fatalf("subtotal line: %v", sub)
	}
	if inv["DocNumber"] == "" || inv["Balance"] != json.Number("0.43") {
		t.Fatalf("invoice: %v", inv)
	}
}

func TestAuthenticationFaults(t *testing.T) {
	h := newHarness(t, PlanPlus)
	otherRealm, otherToken := h.newCompany("Other Co", PlanPlus)
	_ = otherRealm
	for _, tc := range []struct{ name, token string }{{"missing", ""}, {"unknown", "not-a-real-token-at-all-0123456789"}} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.callAs(tc.token, http.MethodGet, "customer/1", nil)
			if r.status != http.StatusUnauthorized {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			if r.header.Get("WWW-Authenticate") != `Bearer realm="Intuit", error="invalid_token"` || r.header.Get("intuit_tid") == "" {
				t.Fatalf("headers: %v", r.header)
			}
			f := r.body["fault"].(map[string]any)
			e := f["error"].([]any)[0].(map[string]any)
			if e["code"] != "3200" || f["type"] != "AUTHENTICATION" {
				t.Fatalf("body: %s", r.raw)
			}
			if _, ok := r.body["time"].(json.Number); !ok {
				t.Fatalf("401 time should be epoch millis: %s", r.raw)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		h.emu.auth.expire(h.realm)
		r := h.call(http.MethodGet, "customer/1", nil)
		if r.status != http.StatusUnauthorized || !strings.Contains(string(r.raw), "Token expired") {
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
	})
	t.Run("token of another realm", func(t *testing.T) {
		h.callAs(otherToken, http.MethodGet, "companyinfo/"+h.realm, nil).fault(t, http.StatusForbidden, "3100")
	})
}

func TestXMLUnlessJSONAccepted(t *testing.T) {
	h := newHarness(t, PlanPlus)
	r := h.call(http.MethodGet, "companyinfo/"+h.realm, nil, "Accept", "")
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "xml") {
		t.Fatalf("status %d type %q", r.status, r.header.Get("Content-Type"))
	}
	body := string(r.raw)
	if !strings.Contains(body, "<IntuitResponse xmlns=\"http://schema.intuit.com/finance/v3\"") || !strings.Contains(body, "<CompanyName>Harness Co</CompanyName>") {
		t.Fatalf("xml: %s", body)
	}
	h.create("Customer", map[string]any{"DisplayName": "Tom & <Jerry>"})
	q := h.call(http.MethodGet, "query?query="+url.QueryEscape("select * from Customer"), nil, "Accept", "application/xml")
	wellFormedXML(t, q.raw)
	if !strings.Contains(string(q.raw), `<QueryResponse maxResults="1" startPosition="1"><Customer domain="QBO" sparse="false">`) ||
		!strings.Contains(string(q.raw), "<DisplayName>Tom &amp; &lt;Jerry&gt;</DisplayName>") {
		t.Fatalf("xml query: %s", q.raw)
	}
	b := h.call(http.MethodPost, "batch", map[string]any{"BatchItemRequest": []any{
		map[string]any{"bId": "1", "Query": "select * from Item"},
		map[string]any{"bId": "2", "operation": "create", "Customer": map[string]any{}},
	}}, "Accept", "text/xml")
	wellFormedXML(t, b.raw)
	if !strings.Contains(string(b.raw), `<BatchItemResponse bId="2"><Fault type="ValidationFault"><Error code="6080" element="">`) {
		t.Fatalf("xml batch: %s", b.raw)
	}
	f := h.call(http.MethodGet, "customer/999", nil, "Accept", "application/xml")
	if f.status != 400 || !strings.Contains(string(f.raw), `<Error code="610"`) {
		t.Fatalf("xml fault: %s", f.raw)
	}
}

func TestRequestIDReplaysOriginalResponseWithoutExecuting(t *testing.T) {
	h := newHarness(t, PlanPlus)
	first := h.call(http.MethodPost, "customer?requestid=abc-123", map[string]any{"DisplayName": "Once"})
	first.ok(t, "Customer")
	again := h.call(http.MethodPost, "customer?requestid=abc-123", map[string]any{"DisplayName": "Once"})
	if again.status != first.status || string(again.raw) != string(first.raw) {
		t.Fatalf("replay differs:\n%s\n%s", first.raw, again.raw)
	}
	if n := len(rows(h.query("select * from Customer where DisplayName = 'Once'"), "Customer")); n != 1 {
		t.Fatalf("%d customers, want 1", n)
	}
	var counters map[string]any
	h.admin(http.MethodGet, "/admin/counters?realmId="+h.realm, nil, 200, &counters)
	if counters["replayedRequestIds"] != float64(1) {
		t.Fatalf("counters: %v", counters)
	}
	h.call(http.MethodPost, "customer?requestid="+strings.Repeat("x", 51), map[string]any{"DisplayName": "Long"}).fault(t, 400, "2010")
}

func TestQueryPaginationOver2500Customers(t *testing.T) {
	h := newHarness(t, PlanPlus)
	h.emu.mu.Lock()
	tx := &txn{c: h.emu.companies[h.realm], now: h.emu.now()}
	for i := range 2500 {
		if _, f := tx.create(lookupSpec("Customer"), map[string]any{"DisplayName": fmt.Sprintf("Customer %04d", i)}); f != nil {
			t.Fatal(f)
		}
	}
	h.emu.mu.Unlock()
	count := h.query("SELECT COUNT(*) FROM Customer")
	if count["totalCount"] != json.Number("2500") {
		t.Fatalf("count: %v", count)
	}
	seen := map[string]bool{}
	for start := 1; ; start += 1000 {
		qr := h.query(fmt.Sprintf("select * from customer startposition %d maxresults 1000", start))
		page := rows(qr, "Customer")
		if len(page) == 0 {
			if len(qr) != 0 {
				t.Fatalf("empty page should be {}: %v", qr)
			}
			break
		}
		if qr["startPosition"] != json.Number(fmt.Sprint(start)) || qr["maxResults"] != json.Number(fmt.Sprint(len(page))) {
			t.Fatalf("page header: start %v max %v", qr["startPosition"], qr["maxResults"])
		}
		for _, c := range page {
			seen[c.(map[string]any)["Id"].(string)] = true
		}
		if len(page) < 1000 {
			break
		}
	}
	if len(seen) != 2500 {
		t.Fatalf("saw %d customers, want 2500", len(seen))
	}
	def := h.query("select * from Customer")
	if def["maxResults"] != json.Number("100") {
		t.Fatalf("default page size: %v", def["maxResults"])
	}
}

func TestQueryEscapingAndUnicode(t *testing.T) {
	h := newHarness(t, PlanPlus)
	h.create("Customer", map[string]any{"DisplayName": "O'Brien & Sons"})
	h.create("Customer", map[string]any{"DisplayName": "Zoë's Café 東京"})
	for _, stmt := range []string{
		`select * from Customer where DisplayName = 'O\'Brien & Sons'`,
		`SELECT * FROM customer WHERE displayname LIKE '%brien &%'`,
		`select * from Customer where DisplayName IN ('nobody', 'O\'Brien & Sons')`,
	} {
		got := rows(h.query(stmt), "Customer")
		if len(got) != 1 || got[0].(map[string]any)["DisplayName"] != "O'Brien & Sons" {
			t.Fatalf("%s: %v", stmt, got)
		}
	}
	got := rows(h.query(`select * from Customer where DisplayName = 'Zoë\'s Café 東京'`), "Customer")
	if len(got) != 1 {
		t.Fatalf("unicode: %v", got)
	}
	// POST application/text form.
	r := h.call(http.MethodPost, "query", `select * from Customer where DisplayName = 'O\'Brien & Sons'`, "Content-Type", "application/text")
	if len(rows(r.ok(t, "QueryResponse"), "Customer")) != 1 {
		t.Fatalf("POST query: %s", r.raw)
	}
}

func TestQueryParserFault(t *testing.T) {
	h := newHarness(t, PlanPlus)
	for _, stmt := range []string{
		"select * from Customer where DisplayName = 'a' or DisplayName = 'b'",
		"select from Customer",
		"select * from Customer where DisplayName = 'unterminated",
		"delete from Customer",
	} {
		e := h.call(http.MethodGet, "query?query="+url.QueryEscape(stmt), nil).fault(t, 400, "4000")
		if !strings.HasPrefix(e["Detail"].(string), "QueryParserError: Encountered") {
			t.Fatalf("%s: %v", stmt, e)
		}
	}
}

func TestInactiveNamesHiddenUnlessAsked(t *testing.T) {
	h := newHarness(t, PlanPlus)
	c := h.create("Customer", map[string]any{"DisplayName": "Gone Inc"})
	h.call(http.MethodPost, "customer", map[string]any{"Id": c["Id"], "SyncToken": "0", "sparse": true, "Active": false}).ok(t, "Customer")
	if n := len(rows(h.query("select * from Customer where DisplayName = 'Gone Inc'"), "Customer")); n != 0 {
		t.Fatalf("inactive customer listed")
	}
	if n := len(rows(h.query("select * from Customer where Active = false"), "Customer")); n != 1 {
		t.Fatalf("Active = false: %d", n)
	}
	if n := len(rows(h.query("select * from Customer where Active IN (true, false) and DisplayName = 'Gone Inc'"), "Customer")); n != 1 {
		t.Fatalf("Active IN: %d", n)
	}
	// Still readable by id.
	h.call(http.MethodGet, "customer/"+c["Id"].(string), nil).ok(t, "Customer")
}

func TestPlanGatingRefusesEveryTimeActivityRequestOnSimpleStart(t *testing.T) {
	h := newHarness(t, PlanSimpleStart)
	prefs := h.call(http.MethodGet, "preferences", nil).ok(t, "Preferences")
	if !hasNameValue(prefs["OtherPrefs"].(map[string]any)["NameValue"], "TimeTrackingFeatureEnabled", "false") {
		t.Fatalf("prefs: %v", prefs["OtherPrefs"])
	}
	h.call(http.MethodPost, "timeactivity", map[string]any{"NameOf": "Employee", "EmployeeRef": ref("1"), "Hours": 1}).fault(t, 400, "5020")
	h.call(http.MethodGet, "timeactivity/1", nil).fault(t, 400, "5020")
	h.call(http.MethodGet, "query?query="+url.QueryEscape("select * from TimeActivity"), nil).fault(t, 400, "5020")
	h.call(http.MethodPost, "timeactivity?operation=delete", map[string]any{"Id": "1", "SyncToken": "0"}).fault(t, 400, "5020")
	// Upgrading the plan lifts the gate.
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"plan": "Essentials"}, 200, nil)
	h.create("TimeActivity", map[string]any{"NameOf": "Employee", "EmployeeRef": ref("1"), "Hours": 1})
}

func TestTimeActivityRulesAndInvoiceLinkMarksBilled(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	cust := h.create("Customer", map[string]any{"DisplayName": "Billable Client"})
	h.call(http.MethodPost, "timeactivity", map[string]any{"EmployeeRef": ref("1"), "Hours": 1}).fault(t, 400, "2020")
	h.call(http.MethodPost, "timeactivity", map[string]any{"NameOf": "Employee", "EmployeeRef": ref("1")}).fault(t, 400, "2020")
	h.call(http.MethodPost, "timeactivity", map[string]any{"NameOf": "Employee", "EmployeeRef": ref("1"), "Hours": 2,
		"BillableStatus": "Billable", "CustomerRef": ref(cust["Id"].(string))}).fault(t, 400, "2020")
	h.call(http.MethodPost, "timeactivity", map[string]any{"NameOf": "Employee", "EmployeeRef": ref("1"), "Hours": 2,
		"BillableStatus": "HasBeenBilled"}).fault(t, 400, "2170")
	ta := h.create("TimeActivity", map[string]any{"NameOf": "Employee", "EmployeeRef": ref("1"), "Hours": 2, "Minutes": 30,
		"BillableStatus": "Billable", "HourlyRate": json.Number("150.00"), "CustomerRef": ref(cust["Id"].(string)), "TxnDate": "2026-11-02"})
	if ta["EmployeeRef"].(map[string]any)["name"] != "Ada Admin" || ta["CustomerRef"].(map[string]any)["name"] != "Billable Client" {
		t.Fatalf("reference names not filled: %v", ta)
	}
	se := h.create("TimeActivity", map[string]any{"NameOf": "Employee", "EmployeeRef": ref("1"), "TxnDate": "2026-11-03",
		"StartTime": "2026-11-03T09:00:00-08:00", "EndTime": "2026-11-03T12:45:00-08:00", "BreakMinutes": 15})
	if se["Hours"] != json.Number("3") || se["Minutes"] != json.Number("30") {
		t.Fatalf("start/end: %v", se)
	}
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{map[string]any{
		"DetailType": "SalesItemLineDetail", "Amount": json.Number("375.00"),
		"SalesItemLineDetail": map[string]any{"Qty": json.Number("2.5"), "UnitPrice": json.Number("150")},
		"LinkedTxn":           []any{map[string]any{"TxnId": ta["Id"], "TxnType": "TimeActivity"}},
	}}})
	got := h.call(http.MethodGet, "timeactivity/"+ta["Id"].(string), nil).ok(t, "TimeActivity")
	if got["BillableStatus"] != "HasBeenBilled" || got["SyncToken"] != "1" {
		t.Fatalf("time activity after invoicing: %v", got)
	}
	// Deleting the invoice makes the time billable again.
	del := h.call(http.MethodPost, "invoice?operation=delete", map[string]any{"Id": inv["Id"], "SyncToken": "0"}).ok(t, "Invoice")
	if del["status"] != "Deleted" {
		t.Fatalf("delete: %v", del)
	}
	h.call(http.MethodGet, "invoice/"+inv["Id"].(string), nil).fault(t, 400, "610")
	if got := h.call(http.MethodGet, "timeactivity/"+ta["Id"].(string), nil).ok(t, "TimeActivity"); got["BillableStatus"] != "Billable" {
		t.Fatalf("after invoice delete: %v", got)
	}
	gone := h.call(http.MethodPost, "timeactivity?operation=delete", map[string]any{"Id": se["Id"], "SyncToken": "0"}).ok(t, "TimeActivity")
	if gone["status"] != "Deleted" || gone["Id"] != se["Id"] {
		t.Fatalf("delete time activity: %v", gone)
	}
}

func TestInvoiceVoidZeroesAmounts(t *testing.T) {
	h := newHarness(t, PlanPlus)
	cust := h.create("Customer", map[string]any{"DisplayName": "Void Co"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 99}}})
	v := h.call(http.MethodPost, "invoice?operation=void", map[string]any{"Id": inv["Id"], "SyncToken": "0"}).ok(t, "Invoice")
	if v["TotalAmt"] != json.Number("0") || v["SyncToken"] != "1" || !strings.HasPrefix(v["PrivateNote"].(string), "Voided") {
		t.Fatalf("void: %v", v)
	}
	if n := len(rows(h.query("select * from Invoice"), "Invoice")); n != 1 {
		t.Fatalf("voided invoice should still be listed, got %d", n)
	}
}

func TestBatchMixedSuccessAndLaterItemsDoNotSeeEarlierCreates(t *testing.T) {
	h := newHarness(t, PlanPlus)
	existing := h.create("Customer", map[string]any{"DisplayName": "Batch Existing"})
	r := h.call(http.MethodPost, "batch", map[string]any{"BatchItemRequest": []any{
		map[string]any{"bId": "b1", "operation": "create", "Customer": map[string]any{"DisplayName": "Batch New"}},
		map[string]any{"bId": "b2", "operation": "update", "Customer": map[string]any{"Id": existing["Id"], "SyncToken": "9", "sparse": true, "Notes": "x"}},
		map[string]any{"bId": "b3", "Query": "select * from Customer where DisplayName = 'Batch New'"},
		map[string]any{"bId": "b4", "operation": "create", "Invoice": map[string]any{"CustomerRef": ref(fmt.Sprint(nextNameID(existing))), "Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 1}}}},
		map[string]any{"bId": "b5", "operation": "update", "Customer": map[string]any{"Id": existing["Id"], "SyncToken": "0", "sparse": true, "Notes": "ok"}},
	}})
	if r.status != 200 {
		t.Fatalf("batch: %d %s", r.status, r.raw)
	}
	items := r.body["BatchItemResponse"].([]any)
	if len(items) != 5 {
		t.Fatalf("items: %s", r.raw)
	}
	get := func(i int) map[string]any { return items[i].(map[string]any) }
	if get(0)["bId"] != "b1" || get(0)["Customer"] == nil {
		t.Fatalf("b1: %v", get(0))
	}
	newID := get(0)["Customer"].(map[string]any)["Id"]
	if f := get(1)["Fault"].(map[string]any); f["Error"].([]any)[0].(map[string]any)["code"] != "5010" {
		t.Fatalf("b2: %v", get(1))
	}
	if qr := get(2)["QueryResponse"].(map[string]any); len(qr) != 0 {
		t.Fatalf("b3 saw the customer created in the same batch: %v", qr)
	}
	if newID != fmt.Sprint(nextNameID(existing)) {
		t.Fatalf("new customer id %v, want %d (b4 depends on it)", newID, nextNameID(existing))
	}
	if get(3)["Fault"] == nil {
		t.Fatalf("b4 referenced a customer created earlier in the batch and succeeded: %v", get(3))
	}
	if get(4)["Customer"].(map[string]any)["Notes"] != "ok" {
		t.Fatalf("b5: %v", get(4))
	}
	// After the batch the new customer is visible.
	if n := len(rows(h.query("select * from Customer where DisplayName = 'Batch New'"), "Customer")); n != 1 {
		t.Fatalf("after batch: %d", n)
	}
	h.call(http.MethodPost, "batch", map[string]any{"BatchItemRequest": []any{}}).fault(t, 400, "1000")
	var many []any
	for i := range 31 {
		many = append(many, map[string]any{"bId": fmt.Sprint(i), "Query": "select * from Item"})
	}
	h.call(http.MethodPost, "batch", map[string]any{"BatchItemRequest": many}).fault(t, 400, "1000")
}

func TestCDCReportsChangesAndDeletions(t *testing.T) {
	h := newHarness(t, PlanPlus)
	since := h.emu.now().Add(-1).Format("2006-01-02T15:04:05.999999999Z07:00")
	cust := h.create("Customer", map[string]any{"DisplayName": "CDC Co"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 1}}})
	h.call(http.MethodPost, "invoice?operation=delete", map[string]any{"Id": inv["Id"], "SyncToken": "0"}).ok(t, "Invoice")
	r := h.call(http.MethodGet, "cdc?entities=Customer,Invoice,Item&changedSince="+url.QueryEscape(since), nil)
	if r.status != 200 {
		t.Fatalf("cdc: %s", r.raw)
	}
	blocks := r.body["CDCResponse"].([]any)[0].(map[string]any)["QueryResponse"].([]any)
	custs := blocks[0].(map[string]any)["Customer"].([]any)
	if len(custs) != 1 || custs[0].(map[string]any)["DisplayName"] != "CDC Co" {
		t.Fatalf("customers: %v", custs)
	}
	invs := blocks[1].(map[string]any)["Invoice"].([]any)
	if len(invs) != 1 || invs[0].(map[string]any)["status"] != "Deleted" {
		t.Fatalf("invoices: %v", invs)
	}
	if len(blocks[2].(map[string]any)) != 0 {
		t.Fatalf("items should be empty: %v", blocks[2])
	}
}

// nextNameID is the Id the next customer will get after obj.
func nextNameID(obj map[string]any) int {
	var n int
	fmt.Sscan(obj["Id"].(string), &n)
	return n + 1
}
