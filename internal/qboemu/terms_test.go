package qboemu

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNewCompanyHasDefaultTermsAndDefaultTermsPreference(t *testing.T) {
	h := newHarness(t, PlanSimpleStart)
	terms := rows(h.query("select * from Term"), "Term")
	want := []struct{ name, days string }{{"Due on receipt", "0"}, {"Net 15", "15"}, {"Net 30", "30"}, {"Net 60", "60"}}
	if len(terms) != len(want) {
		t.Fatalf("terms = %v", terms)
	}
	for i, w := range want {
		term := terms[i].(map[string]any)
		if term["Name"] != w.name || term["DueDays"] != json.Number(w.days) || term["Type"] != "STANDARD" || term["Active"] != true {
			t.Errorf("term %d = %v, want %s due in %s days", i, term, w.name, w.days)
		}
	}
	net30 := h.call(http.MethodGet, "term/3", nil).ok(t, "Term")
	if net30["Name"] != "Net 30" || net30["SyncToken"] != "0" {
		t.Fatalf("term 3: %v", net30)
	}
	prefs := h.call(http.MethodGet, "preferences", nil).ok(t, "Preferences")
	def := prefs["SalesFormsPrefs"].(map[string]any)["DefaultTerms"].(map[string]any)
	if def["value"] != "3" {
		t.Fatalf("DefaultTerms = %v, want Net 30 (3)", def)
	}
}

func TestTermCreateValidatesTypeAndFields(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	std := h.create("Term", map[string]any{"Name": " Net 45 ", "DueDays": 45, "DiscountDays": 10, "DiscountPercent": json.Number("2.5")})
	if std["Name"] != "Net 45" || std["Type"] != "STANDARD" || std["DueDays"] != json.Number("45") || std["Active"] != true {
		t.Fatalf("standard term: %v", std)
	}
	dd := h.create("Term", map[string]any{"Name": "15th next month", "DayOfMonthDue": 15, "DueNextMonthDays": 5, "DueDays": 7})
	if dd["Type"] != "DATE_DRIVEN" || dd["DayOfMonthDue"] != json.Number("15") || dd["DueNextMonthDays"] != json.Number("5") || dd["DueDays"] != nil {
		t.Fatalf("date-driven term: %v", dd)
	}
	if got := h.call(http.MethodGet, "term/"+dd["Id"].(string), nil).ok(t, "Term"); got["Name"] != "15th next month" {
		t.Fatalf("read: %v", got)
	}
	for _, c := range []struct {
		name string
		body map[string]any
		code string
	}{
		{"no name", map[string]any{"DueDays": 5}, "2020"},
		{"duplicate name", map[string]any{"Name": "net 15", "DueDays": 15}, "6240"},
		{"unknown type", map[string]any{"Name": "Odd", "Type": "WEEKLY"}, "2170"},
		{"date-driven without day", map[string]any{"Name": "Odd", "Type": "DATE_DRIVEN"}, "2020"},
		{"negative days", map[string]any{"Name": "Odd", "DueDays": -1}, "2010"},
		{"day 32", map[string]any{"Name": "Odd", "DayOfMonthDue": 32}, "2010"},
		{"percent over 100", map[string]any{"Name": "Odd", "DueDays": 1, "DiscountPercent": 101}, "2010"},
		{"name too long", map[string]any{"Name": "A name longer than thirty-one chars", "DueDays": 1}, "2010"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.call(http.MethodPost, "term", c.body).fault(t, http.StatusBadRequest, c.code)
		})
	}
	// Terms are a names list: made inactive, never deleted, hidden from queries.
	h.call(http.MethodPost, "term?operation=delete", map[string]any{"Id": std["Id"], "SyncToken": "0"}).fault(t, http.StatusBadRequest, "500")
	h.call(http.MethodPost, "term", map[string]any{"Id": std["Id"], "SyncToken": "0", "sparse": true, "Active": false}).ok(t, "Term")
	if n := len(rows(h.query("select * from Term where Name = 'Net 45'"), "Term")); n != 0 {
		t.Fatalf("inactive term listed")
	}
	if n := len(rows(h.query("select * from Term where Active = false"), "Term")); n != 1 {
		t.Fatalf("Active = false: %d", n)
	}
}

func TestInvoiceDueDateFollowsSalesTermRef(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	cust := h.create("Customer", map[string]any{"DisplayName": "Terms Client"})
	eom := h.create("Term", map[string]any{"Name": "Last day", "DayOfMonthDue": 31, "DueNextMonthDays": 10})
	gone := h.create("Term", map[string]any{"Name": "Retired", "DueDays": 9})
	h.call(http.MethodPost, "term", map[string]any{"Id": gone["Id"], "SyncToken": "0", "sparse": true, "Active": false}).ok(t, "Term")
	invoice := func(extra map[string]any) map[string]any {
		obj := map[string]any{"CustomerRef": ref(cust["Id"].(string)), "TxnDate": "2026-02-20",
			"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 10}}}
		for k, v := range extra {
			obj[k] = v
		}
		return obj
	}
	for _, c := range []struct {
		name  string
		extra map[string]any
		due   string
		term  string
	}{
		{"no term: 30 days", nil, "2026-03-22", ""},
		{"Net 15", map[string]any{"SalesTermRef": ref("2")}, "2026-03-07", "Net 15"},
		{"due on receipt", map[string]any{"SalesTermRef": ref("1")}, "2026-02-20", "Due on receipt"},
		{"explicit due date wins", map[string]any{"SalesTermRef": ref("2"), "DueDate": "2026-04-01"}, "2026-04-01", "Net 15"},
		{"date-driven, within 10 days of the 28th: next month", map[string]any{"SalesTermRef": ref(eom["Id"].(string))}, "2026-03-31", "Last day"},
		{"date-driven, early in the month", map[string]any{"SalesTermRef": ref(eom["Id"].(string)), "TxnDate": "2026-02-03"}, "2026-02-28", "Last day"},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv := h.create("Invoice", invoice(c.extra))
			if inv["DueDate"] != c.due {
				t.Errorf("DueDate = %v, want %s", inv["DueDate"], c.due)
			}
			if c.term != "" {
				if r, _ := inv["SalesTermRef"].(map[string]any); r == nil || r["name"] != c.term {
					t.Errorf("SalesTermRef = %v, want %s", inv["SalesTermRef"], c.term)
				}
			} else if inv["SalesTermRef"] != nil {
				t.Errorf("SalesTermRef = %v, want none", inv["SalesTermRef"])
			}
		})
	}
	h.call(http.MethodPost, "invoice", invoice(map[string]any{"SalesTermRef": ref("99")})).fault(t, http.StatusBadRequest, "2500")
	h.call(http.MethodPost, "invoice", invoice(map[string]any{"SalesTermRef": ref(gone["Id"].(string))})).fault(t, http.StatusBadRequest, "610")

	// Updates: a new term without a DueDate moves it; other changes keep it.
	inv := h.create("Invoice", invoice(map[string]any{"SalesTermRef": ref("2")}))
	id := inv["Id"]
	up := h.call(http.MethodPost, "invoice", map[string]any{"Id": id, "SyncToken": "0", "sparse": true, "PrivateNote": "memo only"}).ok(t, "Invoice")
	if up["DueDate"] != "2026-03-07" {
		t.Fatalf("unrelated sparse update moved DueDate to %v", up["DueDate"])
	}
	up = h.call(http.MethodPost, "invoice", map[string]any{"Id": id, "SyncToken": "1", "sparse": true, "SalesTermRef": ref("4")}).ok(t, "Invoice")
	if up["DueDate"] != "2026-04-21" {
		t.Fatalf("Net 60 from 2026-02-20: DueDate %v, want 2026-04-21", up["DueDate"])
	}
	up = h.call(http.MethodPost, "invoice", map[string]any{"Id": id, "SyncToken": "2", "sparse": true, "SalesTermRef": ref("3"), "DueDate": "2026-04-21"}).ok(t, "Invoice")
	if up["DueDate"] != "2026-04-21" || up["SalesTermRef"].(map[string]any)["name"] != "Net 30" {
		t.Fatalf("explicit DueDate with a new term: %v %v", up["DueDate"], up["SalesTermRef"])
	}
}

func TestTermDueDateDateDriven(t *testing.T) {
	term := func(day, next int64) map[string]any {
		return map[string]any{"Type": termDateDriven, "DayOfMonthDue": intNumber(day), "DueNextMonthDays": intNumber(next)}
	}
	for _, c := range []struct {
		txn       string
		day, next int64
		want      string
	}{
		{"2026-01-05", 15, 0, "2026-01-15"},
		{"2026-01-15", 15, 0, "2026-01-15"},
		{"2026-01-16", 15, 0, "2026-02-15"},
		{"2026-01-10", 15, 7, "2026-02-15"},
		{"2026-01-08", 15, 7, "2026-01-15"},
		{"2026-01-31", 31, 0, "2026-01-31"},
		{"2026-02-01", 31, 0, "2026-02-28"},
		{"2026-12-20", 10, 0, "2027-01-10"},
	} {
		txn, _ := time.Parse("2006-01-02", c.txn)
		if got := termDueDate(term(c.day, c.next), txn).Format("2006-01-02"); got != c.want {
			t.Errorf("day %d, next %d, from %s: %s, want %s", c.day, c.next, c.txn, got, c.want)
		}
	}
}

func TestStateSavedBeforeTermsGetsDefaultTerms(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := New(Options{StatePath: path, Limits: Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	realms, err := emu.SeedDemo()
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	// Remove the Term lists, as in a state file written before Terms existed.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	for _, c := range st["companies"].(map[string]any) {
		delete(c.(map[string]any)["entities"].(map[string]any), "Term")
	}
	if raw, err = json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	emu2, err := New(Options{StatePath: path, Limits: Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu2.Close()
	emu2.mu.RLock()
	n := len(emu2.companies[realms["Demo Design Co."]].Entities["Term"])
	emu2.mu.RUnlock()
	if n != len(defaultTerms) {
		t.Fatalf("restored company has %d terms, want the %d defaults", n, len(defaultTerms))
	}
}
