package qboemu

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestInvoiceLineDecimalLimits: QBO keeps a sales line's Qty and UnitPrice to seven
// places and its Amount to cents, rounding half away from zero beyond them, and checks
// Amount = Qty × UnitPrice (6070) on what it keeps.
func TestInvoiceLineDecimalLimits(t *testing.T) {
	h := newHarness(t, PlanPlus)
	cust := h.create("Customer", map[string]any{"DisplayName": "Decimals"})
	line := func(amount, qty, price string) map[string]any {
		det := map[string]any{"ItemRef": ref("1")}
		if qty != "" {
			det["Qty"] = json.Number(qty)
		}
		if price != "" {
			det["UnitPrice"] = json.Number(price)
		}
		return map[string]any{"DetailType": "SalesItemLineDetail", "Amount": json.Number(amount), "SalesItemLineDetail": det}
	}
	invoice := func(lines ...any) map[string]any {
		return map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": lines}
	}
	kept := func(inv map[string]any, i int) (amount, qty, price any) {
		l := inv["Line"].([]any)[i].(map[string]any)
		det := l["SalesItemLineDetail"].(map[string]any)
		return l["Amount"], det["Qty"], det["UnitPrice"]
	}

	t.Run("590 minutes at $120: 9.8333 × 120 is 1180.00, kept as sent", func(t *testing.T) {
		inv := h.create("Invoice", invoice(line("1180.00", "9.8333", "120.00")))
		if a, q, p := kept(inv, 0); a != json.Number("1180.00") || q != json.Number("9.8333") || p != json.Number("120.00") {
			t.Fatalf("line kept as %v × %v = %v", q, p, a)
		}
		if inv["TotalAmt"] != json.Number("1180.00") {
			t.Fatalf("TotalAmt %v", inv["TotalAmt"])
		}
	})
	t.Run("9.833 × 120 is 1179.96, not 1180.00", func(t *testing.T) {
		h.call(http.MethodPost, "invoice", invoice(line("1180.00", "9.833", "120.00"))).fault(t, 400, "6070")
		h.create("Invoice", invoice(line("1179.96", "9.833", "120.00")))
	})
	t.Run("seven places are kept exactly", func(t *testing.T) {
		inv := h.create("Invoice", invoice(line("11.67", "0.1166667", "99.99"), line("11.12", "1", "11.1234567")))
		if _, q, _ := kept(inv, 0); q != json.Number("0.1166667") {
			t.Fatalf("Qty kept as %v", q)
		}
		if _, _, p := kept(inv, 1); p != json.Number("11.1234567") {
			t.Fatalf("UnitPrice kept as %v", p)
		}
	})
	t.Run("an eighth place is rounded half away from zero", func(t *testing.T) {
		inv := h.create("Invoice", invoice(line("1180.00", "9.83333333333", "120"), line("63.58", "1", "63.58285715"),
			line("-1.00", "-0.99999995", "1")))
		if _, q, _ := kept(inv, 0); q != json.Number("9.8333333") {
			t.Fatalf("Qty kept as %v, want 9.8333333", q)
		}
		if _, _, p := kept(inv, 1); p != json.Number("63.5828572") {
			t.Fatalf("UnitPrice kept as %v, want 63.5828572", p)
		}
		if _, q, _ := kept(inv, 2); q != json.Number("-1") {
			t.Fatalf("Qty kept as %v, want -1", q)
		}
	})
	t.Run("the check is on the kept Qty, not on the places beyond", func(t *testing.T) {
		// 1.00000004 × 150000 = 150000.006 → 150000.01, but QBO keeps Qty 1: 150000.00.
		h.call(http.MethodPost, "invoice", invoice(line("150000.01", "1.00000004", "150000"))).fault(t, 400, "6070")
		inv := h.create("Invoice", invoice(line("150000.00", "1.00000004", "150000")))
		if _, q, _ := kept(inv, 0); q != json.Number("1") {
			t.Fatalf("Qty kept as %v, want 1", q)
		}
		// 0.00000005 rounds up to 0.0000001: × 100000 = 0.01.
		h.create("Invoice", invoice(line("0.01", "0.00000005", "100000")))
		h.call(http.MethodPost, "invoice", invoice(line("0.00", "0.00000005", "100000"))).fault(t, 400, "6070")
	})
	t.Run("Amount is kept to cents", func(t *testing.T) {
		inv := h.create("Invoice", invoice(line("0.125", "", ""), line("2.5", "", "")))
		if a, _, _ := kept(inv, 0); a != json.Number("0.13") {
			t.Fatalf("Amount kept as %v, want 0.13", a)
		}
		if a, _, _ := kept(inv, 1); a != json.Number("2.5") {
			t.Fatalf("Amount kept as %v, want 2.5 as sent", a)
		}
		if inv["TotalAmt"] != json.Number("2.63") {
			t.Fatalf("TotalAmt %v, want 2.63", inv["TotalAmt"])
		}
	})
	t.Run("what is kept is what a read returns", func(t *testing.T) {
		inv := h.create("Invoice", invoice(line("1180.00", "9.83333333333", "120")))
		got := h.call(http.MethodGet, "invoice/"+inv["Id"].(string), nil).ok(t, "Invoice")
		if _, q, _ := kept(got, 0); q != json.Number("9.8333333") {
			t.Fatalf("read Qty %v", q)
		}
	})
}
