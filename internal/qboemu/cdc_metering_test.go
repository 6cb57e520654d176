package qboemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// cdcBlocks runs a CDC request and returns its QueryResponse blocks.
func (h *harness) cdcBlocks(entities string, since time.Time) []map[string]any {
	h.t.Helper()
	r := h.call(http.MethodGet, "cdc?entities="+entities+"&changedSince="+url.QueryEscape(since.Format(time.RFC3339Nano)), nil)
	if r.status != 200 {
		h.t.Fatalf("cdc: %d %s", r.status, r.raw)
	}
	if _, ok := r.body["time"].(string); !ok || len(r.body) != 2 {
		h.t.Fatalf("cdc envelope: %s", r.raw)
	}
	resp := r.body["CDCResponse"].([]any)
	if len(resp) != 1 {
		h.t.Fatalf("CDCResponse: %s", r.raw)
	}
	var out []map[string]any
	for _, b := range resp[0].(map[string]any)["QueryResponse"].([]any) {
		out = append(out, b.(map[string]any))
	}
	return out
}

func TestCDCShapeForTheSyncEntities(t *testing.T) {
	h := newHarness(t, PlanPlus)
	since := h.emu.now()
	cust := h.create("Customer", map[string]any{"DisplayName": "CDC Shape"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 10}}})
	p := h.create("Payment", payment(cust["Id"].(string), "4", payLine("4", inv["Id"].(string))))
	gone := h.create("Payment", payment(cust["Id"].(string), "1"))
	h.call(http.MethodPost, "payment?operation=delete", map[string]any{"Id": gone["Id"], "SyncToken": "0"}).ok(t, "Payment")
	term := h.create("Term", map[string]any{"Name": "Net 45", "DueDays": 45})

	blocks := h.cdcBlocks("Customer,Item,Invoice,Payment,Term,TaxCode,Account", since)
	if len(blocks) != 7 {
		t.Fatalf("blocks: %v", blocks)
	}
	wantIDs := func(b map[string]any, entity string, ids ...string) []any {
		t.Helper()
		objs, _ := b[entity].([]any)
		var got []string
		for _, o := range objs {
			got = append(got, o.(map[string]any)["Id"].(string))
		}
		if !slices.Equal(got, ids) || b["startPosition"] != json.Number("1") || b["maxResults"] != json.Number(fmt.Sprint(len(ids))) || len(b) != 3 {
			t.Fatalf("%s block: %v, want ids %v", entity, b, ids)
		}
		return objs
	}
	wantIDs(blocks[0], "Customer", cust["Id"].(string))
	if len(blocks[1]) != 0 || len(blocks[5]) != 0 || len(blocks[6]) != 0 {
		t.Fatalf("unchanged entities should be {}: %v %v %v", blocks[1], blocks[5], blocks[6])
	}
	invs := wantIDs(blocks[2], "Invoice", inv["Id"].(string))
	if invs[0].(map[string]any)["Balance"] != json.Number("6.00") {
		t.Fatalf("invoice in cdc: %v", invs[0])
	}
	pays := wantIDs(blocks[3], "Payment", p["Id"].(string), gone["Id"].(string))
	stub := pays[1].(map[string]any)
	if len(stub) != 4 || stub["domain"] != "QBO" || stub["status"] != "Deleted" || len(stub["MetaData"].(map[string]any)) != 1 ||
		stub["MetaData"].(map[string]any)["LastUpdatedTime"] == nil {
		t.Fatalf("deleted stub: %v", stub)
	}
	if pays[0].(map[string]any)["UnappliedAmt"] != json.Number("0.00") {
		t.Fatalf("full payment object: %v", pays[0])
	}
	wantIDs(blocks[4], "Term", term["Id"].(string))

	// Nothing since now: every block {}.
	for _, b := range h.cdcBlocks("Customer,Invoice,Payment", h.emu.now().Add(time.Second)) {
		if len(b) != 0 {
			t.Fatalf("future changedSince: %v", b)
		}
	}
}

func TestCDCLooksBackAtMost30Days(t *testing.T) {
	h := newHarness(t, PlanPlus)
	h.cdcBlocks("Customer", h.emu.now().Add(-29*24*time.Hour))
	old := h.emu.now().Add(-31 * 24 * time.Hour).In(pacific).Format("2006-01-02T15:04:05-07:00")
	r := h.call(http.MethodGet, "cdc?entities=Customer&changedSince="+url.QueryEscape(old), nil)
	e := r.fault(t, 400, "500")
	want := map[string]any{"Message": "Unsupported Operation", "code": "500", "element": "changedSince",
		"Detail": "Operation cdc with changedSince date " + old + " which is older than fixed days is not supported."}
	if !reflect.DeepEqual(e, want) || r.body["Fault"].(map[string]any)["type"] != "ValidationFault" {
		t.Fatalf("30-day fault: %s", r.raw)
	}
	// An unencoded + arrives as a space and is read as +.
	plus := h.emu.now().Add(-time.Hour).In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05+02:00")
	if r := h.call(http.MethodGet, "cdc?entities=Customer&changedSince="+plus, nil); r.status != 200 {
		t.Fatalf("unencoded +: %s", r.raw)
	}
}

func TestCDCAnswersAtMost1000ObjectsPerResponse(t *testing.T) {
	h := newHarness(t, PlanPlus)
	since := h.emu.now()
	h.emu.mu.Lock()
	tx := &txn{c: h.emu.companies[h.realm], now: h.emu.now()}
	for i := range 1005 {
		if _, f := tx.create(lookupSpec("Customer"), map[string]any{"DisplayName": fmt.Sprintf("Bulk %04d", i)}); f != nil {
			t.Fatal(f)
		}
	}
	for i := range 3 {
		if _, f := tx.create(lookupSpec("Item"), map[string]any{"Name": fmt.Sprintf("Bulk item %d", i), "IncomeAccountRef": ref("1")}); f != nil {
			t.Fatal(f)
		}
	}
	h.emu.mu.Unlock()

	count := func(b map[string]any, entity string) int {
		objs, _ := b[entity].([]any)
		if len(objs) > 0 && b["maxResults"] != json.Number(fmt.Sprint(len(objs))) {
			t.Fatalf("maxResults %v for %d objects", b["maxResults"], len(objs))
		}
		return len(objs)
	}
	b := h.cdcBlocks("Customer,Item", since)
	if count(b[0], "Customer") != 1000 || len(b[1]) != 0 {
		t.Fatalf("customers %d, items block %v", count(b[0], "Customer"), b[1])
	}
	// Oldest changes first: the first 1000 customers created.
	if last := b[0]["Customer"].([]any)[999].(map[string]any)["DisplayName"]; last != "Bulk 0999" {
		t.Fatalf("1000th object: %v", last)
	}
	b = h.cdcBlocks("Item,Customer", since)
	if count(b[0], "Item") != 3 || count(b[1], "Customer") != 997 {
		t.Fatalf("items %d, customers %d", count(b[0], "Item"), count(b[1], "Customer"))
	}
}

// meterOf reads the metering counters of a realm.
func (h *harness) meterOf(realm string) (reads, writes, batches int, all map[string]any) {
	h.t.Helper()
	h.admin(http.MethodGet, "/admin/counters?realmId="+realm, nil, 200, &all)
	n := func(k string) int { f, _ := all[k].(float64); return int(f) }
	return n("reads"), n("writes"), n("batches"), all
}

func TestCountersMeterReadsAndWritesPerRealm(t *testing.T) {
	h := newHarness(t, PlanPlus)
	otherRealm, otherToken := h.newCompany("Other Co", PlanPlus)
	// Writes: two creates.
	cust := h.create("Customer", map[string]any{"DisplayName": "Metered"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)),
		"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 5}}})
	// Reads: GET (a fault is still a call), query GET and POST, CDC, PDF, a report.
	h.read("customer", cust["Id"].(string))
	h.call(http.MethodGet, "customer/999999", nil)
	h.query("select * from Customer")
	h.call(http.MethodPost, "query", "select * from Item", "Content-Type", "application/text")
	h.cdcBlocks("Customer", h.emu.now().Add(-time.Hour))
	h.call(http.MethodGet, "invoice/"+inv["Id"].(string)+"/pdf", nil, "Accept", "application/pdf")
	h.call(http.MethodGet, "reports/ProfitAndLoss", nil)
	// A batch: 1 read and 2 writes inside.
	h.call(http.MethodPost, "batch", map[string]any{"BatchItemRequest": []any{
		map[string]any{"bId": "1", "Query": "select * from Customer"},
		map[string]any{"bId": "2", "Customer": map[string]any{"DisplayName": "Batch Metered"}},
		map[string]any{"bId": "3", "operation": "update", "Customer": map[string]any{"Id": cust["Id"], "SyncToken": "0", "sparse": true, "Notes": "x"}},
	}})
	// A 401 never reaches the meter; the other realm's read is its own.
	h.callAs("not-a-valid-token-at-all", http.MethodGet, "customer/1", nil)
	h.callAs(otherToken, http.MethodGet, "/v3/company/"+otherRealm+"/companyinfo/"+otherRealm, nil)

	reads, writes, batches, all := h.meterOf(h.realm)
	if reads != 8 || writes != 4 || batches != 1 {
		t.Fatalf("reads %d writes %d batches %d: %v %v", reads, writes, batches, all["metered"], all["requests"])
	}
	m := all["metered"].(map[string]any)[h.realm].(map[string]any)
	if m["batchReads"] != float64(1) || m["batchWrites"] != float64(2) || len(all["metered"].(map[string]any)) != 1 {
		t.Fatalf("metered: %v", all["metered"])
	}
	for _, k := range []string{"requests", "requestsTotal", "replayedRequestIds", "droppedResponses", "faultsInjected", "mailsSent"} {
		if _, ok := all[k]; !ok {
			t.Errorf("counters lack %s: %v", k, all)
		}
	}
	if reads, _, _, _ := h.meterOf(otherRealm); reads != 1 {
		t.Fatalf("other realm reads: %d", reads)
	}
	var everything map[string]any
	h.admin(http.MethodGet, "/admin/counters", nil, 200, &everything)
	if everything["reads"] != float64(9) || len(everything["metered"].(map[string]any)) != 2 {
		t.Fatalf("all realms: reads %v metered %v", everything["reads"], everything["metered"])
	}
	h.admin(http.MethodPost, "/admin/reset", map[string]any{"realmId": h.realm}, 200, nil)
	if reads, writes, _, _ := h.meterOf(h.realm); reads != 0 || writes != 0 {
		t.Fatalf("after reset: %d %d", reads, writes)
	}
}

func TestLatencyIsServedInsideTheInFlightLimit(t *testing.T) {
	const lat = 150 * time.Millisecond
	h := newHarnessWith(t, PlanPlus, Options{Latency: lat, Limits: Limits{InFlight: 2, PerMinute: 1000}})
	began := time.Now()
	var wg sync.WaitGroup
	statuses := make(chan int, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- h.call(http.MethodGet, "companyinfo/"+h.realm, nil).status
		}()
	}
	time.Sleep(lat / 3)
	// Both slots are taken for the latency: a third request is throttled.
	h.call(http.MethodGet, "companyinfo/"+h.realm, nil).fault(t, http.StatusTooManyRequests, "3001")
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Fatalf("held request: %d", s)
		}
	}
	if d := time.Since(began); d < lat {
		t.Fatalf("two requests in flight took %v, want at least %v", d, lat)
	}
	// A batch pays the latency once per item (items run one after the other).
	began = time.Now()
	h.call(http.MethodPost, "batch", map[string]any{"BatchItemRequest": []any{
		map[string]any{"bId": "1", "Query": "select * from Item"},
		map[string]any{"bId": "2", "Query": "select * from Item"},
		map[string]any{"bId": "3", "Query": "select * from Item"},
	}})
	if d := time.Since(began); d < 3*lat {
		t.Fatalf("batch of 3 took %v, want at least %v", d, 3*lat)
	}
	// The admin API has no latency.
	began = time.Now()
	h.admin(http.MethodGet, "/admin/counters", nil, 200, nil)
	if d := time.Since(began); d >= lat {
		t.Fatalf("admin call took %v", d)
	}
}

func TestAdminPayInvoiceGoesThroughTheNormalPath(t *testing.T) {
	for _, format := range []string{"cloudevents", "legacy"} {
		t.Run(format, func(t *testing.T) {
			var mu sync.Mutex
			var bodies []string
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mac := hmac.New(sha256.New, []byte("v"))
				mac.Write(b)
				if r.Header.Get("intuit-signature") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
					t.Errorf("bad signature")
				}
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
			}))
			defer hook.Close()
			h := newHarnessWith(t, PlanPlus, Options{Limits: Limits{Off: true}, WebhookURL: hook.URL, WebhookVerifier: "v", WebhookFormat: format})
			cust := h.create("Customer", map[string]any{"DisplayName": "Admin Payer"})
			inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "BillEmail": map[string]any{"Address": "x@y.example"},
				"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": json.Number("50.00")}}})
			invID := inv["Id"].(string)
			since := h.emu.now()
			var out struct {
				Payment struct {
					TotalAmt json.Number
					TxnDate  string
				}
				Invoice struct{ Balance json.Number }
			}
			h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/invoices/"+invID+"/pay", map[string]any{"amount": "12.34", "date": "2026-12-01"}, 201, &out)
			if out.Payment.TotalAmt != "12.34" || out.Payment.TxnDate != "2026-12-01" || out.Invoice.Balance != "37.66" {
				t.Fatalf("pay: %+v", out)
			}
			// No amount: the open balance.
			h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/invoices/"+invID+"/pay", map[string]any{}, 201, &out)
			if out.Payment.TotalAmt != "37.66" || out.Invoice.Balance != "0.00" {
				t.Fatalf("pay the rest: %+v", out)
			}
			// Nothing left: an amount is a QBO fault, none is the admin API's 400.
			var f map[string]any
			h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/invoices/"+invID+"/pay", map[string]any{"amount": 1}, 400, &f)
			if fmt.Sprint(f["Fault"]) == "" || !strings.Contains(fmt.Sprint(f), "6000") {
				t.Fatalf("over-apply: %v", f)
			}
			h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/invoices/"+invID+"/pay", nil, 400, nil)
			h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/invoices/999999/pay", nil, 404, nil)
			h.admin(http.MethodPost, "/admin/companies/nope/invoices/1/pay", nil, 404, nil)
			h.call(http.MethodPost, "invoice/"+invID+"/send", []byte{}, "Content-Type", "application/octet-stream").ok(t, "Invoice")

			b := h.cdcBlocks("Invoice,Payment", since)
			if len(b[0]["Invoice"].([]any)) != 1 || len(b[1]["Payment"].([]any)) != 2 {
				t.Fatalf("cdc: %v", b)
			}
			wants := map[string][]string{
				"cloudevents": {`"type":"qbo.payment.created.v1"`, `"type":"qbo.invoice.updated.v1"`, `"intuitentityid":"` + invID + `"`},
				"legacy":      {`"name":"Payment","id":"`, `"name":"Invoice","id":"` + invID + `","operation":"Update"`, `"operation":"Emailed"`},
			}[format]
			deadline := time.Now().Add(5 * time.Second)
			for {
				mu.Lock()
				all := strings.Join(bodies, "\n")
				mu.Unlock()
				missing := ""
				for _, w := range wants {
					if !strings.Contains(all, w) {
						missing = w
					}
				}
				if missing == "" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("webhooks lack %s:\n%s", missing, all)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestAppPagesListInvoicesAndReceivePayments(t *testing.T) {
	h := newHarness(t, PlanPlus)
	cust := h.create("Customer", map[string]any{"DisplayName": "Page Payer"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)),
		"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": json.Number("80.00"), "Description": "Design <work>"}}})
	invID := inv["Id"].(string)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if s, page := get("/app"); s != 200 || !strings.Contains(page, `/app/invoices?realmId=`+h.realm) || !strings.Contains(page, "Harness Co") {
		t.Fatalf("companies page %d:\n%s", s, page)
	}
	s, page := get("/app/invoices?realmId=" + h.realm)
	for _, want := range []string{"Page Payer", "80.00", `action="/app/invoices/pay"`, `name="txnId" value="` + invID + `"`, `name="amount" value="80.00"`, "Receive payment"} {
		if s != 200 || !strings.Contains(page, want) {
			t.Fatalf("invoices page (%d) lacks %q:\n%s", s, want, page)
		}
	}
	pay := func(amount string) string {
		t.Helper()
		resp, err := noRedirect.PostForm(h.srv.URL+"/app/invoices/pay", url.Values{"realmId": {h.realm}, "txnId": {invID}, "amount": {amount}, "date": {"2026-11-30"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("pay: %d", resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	loc := pay("30.00")
	if !strings.Contains(loc, "paid=") {
		t.Fatalf("redirect: %s", loc)
	}
	if got := h.read("invoice", invID); got["Balance"] != json.Number("50.00") || len(paymentLinks(got)) != 1 {
		t.Fatalf("invoice after paying in the app: %v", got)
	}
	loc = pay("60.00")
	_, page = get(loc)
	if !strings.Contains(loc, "error=") || !strings.Contains(page, "is more than its open balance of 50.00") {
		t.Fatalf("over-apply in the app: %s\n%s", loc, page)
	}
	pay("50.00")
	_, page = get("/app/invoices?realmId=" + h.realm)
	if !strings.Contains(page, "Paid") || !strings.Contains(page, invID+" (30.00)") || !strings.Contains(page, "No invoice has been sent.") {
		t.Fatalf("page after payment:\n%s", page)
	}
	h.call(http.MethodPost, "invoice/"+invID+"/send?sendTo=page@payer.example", []byte{}, "Content-Type", "application/octet-stream").ok(t, "Invoice")
	if _, page = get("/app/invoices?realmId=" + h.realm); !strings.Contains(page, "page@payer.example") {
		t.Fatalf("mail not listed:\n%s", page)
	}
	resp, err := http.Get(h.srv.URL + "/app/invoice/pdf?realmId=" + h.realm + "&txnId=" + invID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("app pdf: %s", resp.Header.Get("Content-Type"))
	}
	checkPDF(t, b)
	if s, page := get("/app/invoice?txnId=" + invID); s != 200 || !strings.Contains(page, "All invoices of this company") {
		t.Fatalf("invoice page links:\n%s", page)
	}
	if s, _ := get("/app/invoices?realmId=nope"); s != 404 {
		t.Fatalf("unknown company: %d", s)
	}
}
