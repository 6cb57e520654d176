package qboemu_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestAppInvoicePageShowsTheInvoiceAQuickBooksUserWouldSee(t *testing.T) {
	e := newOAuthEnv(t)
	realm := e.company(t, "Essentials")
	cust := e.post(t, "/admin/companies/"+realm+"/entities/Customer", `{"DisplayName":"Zoë's Café"}`)
	raw, _ := io.ReadAll(cust.Body)
	cust.Body.Close()
	custID := regexp.MustCompile(`"Id":"(\d+)"`).FindStringSubmatch(string(raw))
	if custID == nil {
		t.Fatalf("seed customer: %s", raw)
	}
	inv := e.post(t, "/admin/companies/"+realm+"/entities/Invoice", `{"CustomerRef":{"value":"`+custID[1]+`"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":150,"Description":"Design <work>","SalesItemLineDetail":{"ItemRef":{"value":"1"},"Qty":1.5,"UnitPrice":100}}]}`)
	body, _ := io.ReadAll(inv.Body)
	inv.Body.Close()
	if inv.StatusCode >= 300 {
		t.Fatalf("seed invoice: %d %s", inv.StatusCode, body)
	}
	invID := regexp.MustCompile(`"Id":"(\d+)"`).FindStringSubmatch(string(body))
	resp, err := http.Get(e.srv.URL + "/app/invoice?txnId=" + invID[1])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"OAuth Co", "Design &lt;work&gt;", "150"} {
		if resp.StatusCode != 200 || !strings.Contains(string(page), want) {
			t.Fatalf("page (%d) lacks %q:\n%s", resp.StatusCode, want, page)
		}
	}
	if strings.Contains(string(page), "no value") || strings.Contains(string(page), "&lt;nil&gt;") {
		t.Fatalf("page shows missing values:\n%s", page)
	}
	missing, _ := http.Get(e.srv.URL + "/app/invoice?txnId=99999")
	missing.Body.Close()
	if missing.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown invoice: %d", missing.StatusCode)
	}
}
