package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// pull runs the account's pull of QBO's changes (as a webhook or the schedule would)
// to its end and returns what it did.
func (s *stack) pull(tn tenant) workflows.PullResult {
	s.t.Helper()
	st, err := s.starter.PullChanges(context.Background(), tn.account.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var res workflows.PullResult
	if err := s.temporal.GetWorkflow(ctx, st.WorkflowID, st.RunID).Get(ctx, &res); err != nil {
		s.t.Fatalf("pull changes: %v", err)
	}
	return res
}

// reads is how many metered reads the emulator counted for the realm.
func (s *stack) reads(realm string) int {
	s.t.Helper()
	var counters struct {
		Metered map[string]struct {
			Reads int `json:"reads"`
		} `json:"metered"`
	}
	s.admin("GET", "/admin/counters", nil, &counters)
	return counters.Metered[realm].Reads
}

func TestInvoicePaidInQBOInTwoPartsShowsPartlyPaidThenPaid(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	inv, _ := s.invoiceFromCards(tn, 2) // 30 + 31 minutes at $90/h = $91.50
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	if first := s.pull(tn); !first.NeedsFullImport {
		t.Fatalf("the first pull had nothing to start from, so it imports: %+v", first)
	}
	link, err := s.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectInvoice, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	balance := func() int64 {
		tax, err := s.store.GetInvoiceTax(ctx, tn.account.ID, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !tax.QBOBalanceCents.Valid {
			return -1
		}
		return tax.QBOBalanceCents.Int64
	}
	// The client pays part of it in QBO.
	s.admin("POST", "/admin/companies/"+tn.realm+"/invoices/"+link.QBOID+"/pay", map[string]any{"amount": "50.00"}, nil)
	if res := s.pull(tn); res.NeedsFullImport || res.Invoices != 1 {
		t.Fatalf("pull after a payment: %+v", res)
	}
	if b := balance(); b != 4150 {
		t.Fatalf("balance after $50.00 paid = %d cents, want 4150 (partly paid)", b)
	}
	// The rest; an idle pull costs one read.
	s.admin("POST", "/admin/companies/"+tn.realm+"/invoices/"+link.QBOID+"/pay", map[string]any{}, nil)
	s.pull(tn)
	if b := balance(); b != 0 {
		t.Fatalf("balance after the rest paid = %d cents, want 0 (paid)", b)
	}
	// Nothing new: the pull costs one metered read (its CDC call), so a daily schedule
	// keeps an idle company within two reads a day.
	before := s.reads(tn.realm)
	if res := s.pull(tn); res.NeedsFullImport {
		t.Fatalf("idle pull: %+v", res)
	}
	if n := s.reads(tn.realm) - before; n > 1 {
		t.Fatalf("an idle pull made %d metered reads, want at most 1", n)
	}
}

func TestChangesOverCDCsCapFallBackToAFullImportWithNothingLost(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	s.pull(tn) // the first pull imports and sets where the next one starts
	for i := 0; i < 1001; i++ {
		s.seed(tn.realm, "Customer", map[string]any{"DisplayName": fmt.Sprintf("Bulk Client %04d", i)})
	}
	res := s.pull(tn)
	if !res.NeedsFullImport {
		t.Fatalf("1,001 changes: %+v, want a full import", res)
	}
	for _, name := range []string{"Bulk Client 0000", "Bulk Client 0500", "Bulk Client 1000"} {
		if _, err := s.store.FindCustomerByName(context.Background(), tn.account.ID, name); err != nil {
			t.Fatalf("%s not imported: %v", name, err)
		}
	}
}

func TestIdleCompanysScheduledResyncCostsAtMostTwoReads(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	ctx := context.Background()
	resync := func() {
		st, err := s.starter.Resync(ctx, tn.account.ID, workflows.ScopeChanged)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.wait(st.WorkflowID); err != nil {
			t.Fatal(err)
		}
	}
	resync() // the first has nothing to start from: it imports
	time.Sleep(time.Second)
	before := s.reads(tn.realm)
	resync()
	if n := s.reads(tn.realm) - before; n > 2 {
		t.Fatalf("an idle company's scheduled re-sync made %d metered reads, want at most 2", n)
	}
}

// TestInvoicePaidInQBOShowsPaidWithinSecondsOfTheWebhook: the emulator delivers its
// signed webhook (CloudEvents) to the real server, which starts the account's pull;
// nothing else pulls. The invoice shows partly paid, then paid, a few seconds after
// each payment is made in QBO (the pull waits pullDebounce for a burst to end).
func TestInvoicePaidInQBOShowsPaidWithinSecondsOfTheWebhook(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	api := s.api(tn)
	inv, _ := s.invoiceFromCards(tn, 2) // $91.50
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	s.pull(tn) // the first pull imports; from here on CDC tells
	link, err := s.store.GetLink(context.Background(), tn.account.ID, tn.realm, store.ObjectInvoice, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.hooks.to(api.url)
	payment := func() string {
		var got struct {
			Payment *struct {
				Status string `json:"status"`
				Words  string `json:"words"`
			} `json:"payment"`
		}
		api.call("GET", fmt.Sprintf("/api/v1/invoices/%d", inv.ID), 200, &got)
		if got.Payment == nil {
			return ""
		}
		return got.Payment.Status + ": " + got.Payment.Words
	}
	// The cards' days are past, so is the due date: open or overdue, whole.
	if p := payment(); !strings.Contains(p, "$91.50 due") || strings.Contains(p, "paid") {
		t.Fatalf("before any payment: %q", p)
	}
	for _, step := range []struct {
		amount any
		want   string
	}{{"50.00", "$50.00 paid"}, {nil, "paid: Paid"}} {
		body := map[string]any{}
		if step.amount != nil {
			body["amount"] = step.amount
		}
		start := time.Now()
		s.admin("POST", "/admin/companies/"+tn.realm+"/invoices/"+link.QBOID+"/pay", body, nil)
		for p := payment(); !strings.Contains(p, step.want); p = payment() {
			if time.Since(start) > 20*time.Second {
				t.Fatalf("20 s after the payment in QBO the invoice says %q, want %q", p, step.want)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("%q %.1f s after the payment in QBO", step.want, time.Since(start).Seconds())
	}
}
