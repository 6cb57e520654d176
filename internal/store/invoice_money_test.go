package store_test

import (
	"context"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

func TestMinutesAmountRoundsHalfUpOnce(t *testing.T) {
	for _, tc := range []struct{ minutes, rate, want int64 }{
		{590, 12000, 118000}, // 9.8333… h × $120 = $1,180.00 (not 9.833 × 120 = 1,179.96)
		{7, 9999, 1167},      // 1,166.55 cents → $11.67
		{20, 9000, 3000},     // not 0.333 × 90 = 29.97
		{1, 100, 2},          // 1.67 cents
		{3, 10, 1},           // 0.5 cent rounds up
		{1, 29, 0},           // 0.48 cent rounds down
		{1, 30, 1},           // exactly 0.5 cent
		{1440, 100_000_000, 2_400_000_000},
	} {
		if got := store.MinutesAmount(tc.minutes, tc.rate); got != tc.want {
			t.Errorf("MinutesAmount(%d, %d) = %d, want %d", tc.minutes, tc.rate, got, tc.want)
		}
	}
}

func TestInvoiceFromTimeCardsBillsMinutesTimesRateToTheCent(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	tn := newTenant(t, s)
	id := tn.account.ID
	cards := func(rate int64, minutes ...int) []int64 {
		t.Helper()
		var ids []int64
		for i, m := range minutes {
			c, err := s.CreateTimeCard(ctx, id, store.TimeCardInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID,
				ServiceID: tn.service.ID, WorkDate: time.Date(2026, 11, 3+i, 0, 0, 0, 0, time.UTC), Minutes: m, Billable: true, RateCents: rate})
			if err != nil {
				t.Fatalf("create card: %v", err)
			}
			ids = append(ids, c.ID)
		}
		return ids
	}
	header := store.InvoiceInput{InvoiceDate: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name                 string
		rate                 int64
		minutes              []int
		grouping             string
		wantQty, wantAmounts []int64
		wantTotal            int64
	}{
		{"590 minutes at $120 is $1,180.00", 12000, []int{200, 200, 190}, store.GroupPerServiceRate, []int64{9833}, []int64{118000}, 118000},
		{"7 minutes at $99.99 is $11.67", 9999, []int{7}, store.GroupPerServiceRate, []int64{117}, []int64{1167}, 1167},
		{"three 20-minute cards at $90 are $90.00", 9000, []int{20, 20, 20}, store.GroupPerServiceRate, []int64{1000}, []int64{9000}, 9000},
		{"per card: each line rounds once", 9000, []int{20, 20, 20}, store.GroupPerCard, []int64{333, 333, 333}, []int64{3000, 3000, 3000}, 9000},
		{"per card: 7 and 13 minutes at $99.99", 9999, []int{7, 13}, store.GroupPerCard, []int64{117, 217}, []int64{1167, 2166}, 3333},
		{"half a cent rounds up", 10, []int{3}, store.GroupPerServiceRate, []int64{50}, []int64{1}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := cards(tc.rate, tc.minutes...)
			inv, err := s.CreateInvoiceFromTimeCards(ctx, id, header, ids, tc.grouping)
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Lines) != len(tc.wantAmounts) {
				t.Fatalf("lines = %d, want %d: %+v", len(inv.Lines), len(tc.wantAmounts), inv.Lines)
			}
			var total int64
			for i, l := range inv.Lines {
				if l.AmountCents != tc.wantAmounts[i] || l.QuantityMilli != tc.wantQty[i] || l.RateCents != tc.rate {
					t.Errorf("line %d: qty %d rate %d amount %d, want qty %d amount %d", i+1, l.QuantityMilli, l.RateCents,
						l.AmountCents, tc.wantQty[i], tc.wantAmounts[i])
				}
				if l.Minutes <= 0 || store.MinutesToQuantityMilli(l.Minutes) != l.QuantityMilli {
					t.Errorf("line %d: minutes %d for quantity %d", i+1, l.Minutes, l.QuantityMilli)
				}
				if tc.grouping == store.GroupPerCard && l.Minutes != int64(tc.minutes[i]) {
					t.Errorf("line %d: minutes %d, want %d", i+1, l.Minutes, tc.minutes[i])
				}
				total += l.AmountCents
			}
			if tc.grouping == store.GroupPerServiceRate {
				sum := 0
				for _, m := range tc.minutes {
					sum += m
				}
				if inv.Lines[0].Minutes != int64(sum) {
					t.Errorf("minutes = %d, want %d", inv.Lines[0].Minutes, sum)
				}
			}
			if total != tc.wantTotal || inv.TotalCents != tc.wantTotal {
				t.Errorf("total %d (invoice %d), want %d", total, inv.TotalCents, tc.wantTotal)
			}
		})
	}

	t.Run("editing other fields keeps the exact amount; a retyped quantity is typed by hand", func(t *testing.T) {
		inv, err := s.CreateInvoiceFromTimeCards(ctx, id, header, cards(12000, 590), store.GroupPerServiceRate)
		if err != nil {
			t.Fatal(err)
		}
		l := inv.Lines[0]
		edit := store.InvoiceInput{CustomerID: inv.CustomerID, Number: inv.Number, InvoiceDate: header.InvoiceDate, Memo: "Thanks!",
			Lines: []store.LineInput{
				{ServiceID: l.ServiceID, Description: "Design, November", QuantityMilli: l.QuantityMilli, RateCents: l.RateCents},
				{ServiceID: l.ServiceID, Description: "Typed", QuantityMilli: l.QuantityMilli, RateCents: l.RateCents},
			}}
		got, err := s.UpdateInvoice(ctx, id, inv.ID, edit)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := got.Lines[0], got.Lines[1]; a.AmountCents != 118000 || a.Minutes != 590 || b.AmountCents != 117996 || b.Minutes != 0 {
			t.Fatalf("after edit: %+v", got.Lines)
		}
		edit.Lines = []store.LineInput{{ServiceID: l.ServiceID, QuantityMilli: 10000, RateCents: l.RateCents}}
		if got, err = s.UpdateInvoice(ctx, id, inv.ID, edit); err != nil {
			t.Fatal(err)
		}
		if a := got.Lines[0]; a.AmountCents != 120000 || a.Minutes != 0 || a.QuantityMilli != 10000 {
			t.Fatalf("retyped quantity: %+v", a)
		}
	})
}

func TestInvoicePerServiceAndRateCanSayTheDaysAndNotesItBills(t *testing.T) {
	s := store.New(testutil.DB(t))
	tn := newTenant(t, s)
	ctx := context.Background()
	var ids []int64
	for _, c := range []struct {
		day   int
		notes string
	}{{2, "wireframes"}, {3, "review"}, {9, "wireframes"}} {
		card, err := s.CreateTimeCard(ctx, tn.account.ID, store.TimeCardInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID,
			ServiceID: tn.service.ID, WorkDate: time.Date(2026, 3, c.day, 0, 0, 0, 0, time.UTC), Minutes: 60, Billable: true, RateCents: 9000, Notes: c.notes})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, card.ID)
	}
	inv, err := s.CreateInvoiceFromTimeCards(ctx, tn.account.ID, store.InvoiceInput{InvoiceDate: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)},
		ids, store.GroupPerServiceRateDetailed)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Lines) != 1 || inv.Lines[0].Description != tn.service.Name+" — 2, 3, 9 Mar: wireframes; review" || inv.Lines[0].AmountCents != 27000 {
		t.Fatalf("lines %+v", inv.Lines)
	}
}
