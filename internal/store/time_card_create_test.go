package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// TestCreateTimeCardsInOneBatch checks what a shared statement does with each card:
// good cards of two accounts are written with their own values, and every bad card
// gets the error it would get alone, naming the field, without touching the others.
func TestCreateTimeCardsInOneBatch(t *testing.T) {
	s := store.New(testutil.DB(t))
	a, b := newTenant(t, s), newTenant(t, s)
	day := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	card := func(tn tenant) store.TimeCardInput {
		return store.TimeCardInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID, ServiceID: tn.service.ID,
			WorkDate: day, Minutes: 30, Billable: true, RateCents: 9000, Notes: "plain"}
	}
	withTimes := card(a)
	withTimes.StartTime, withTimes.EndTime, withTimes.Minutes, withTimes.Notes = "09:00", "10:15", 75, "with times"
	serviceRate := card(b)
	serviceRate.RateCents, serviceRate.Billable, serviceRate.Notes = -1, false, "service rate"
	otherCustomer := card(a)
	otherCustomer.CustomerID = b.customer.ID // another account's customer
	unknownService := card(b)
	unknownService.ServiceID = a.service.ID // another account's service
	unknownUser := card(a)
	unknownUser.UserID = b.owner.ID

	accounts := []int64{a.account.ID, b.account.ID, a.account.ID, a.account.ID, b.account.ID, a.account.ID, b.account.ID}
	ins := []store.TimeCardInput{card(a), card(b), withTimes, otherCustomer, unknownService, unknownUser, serviceRate}
	cards, errs := s.CreateTimeCardsInOneBatch(accounts, ins)

	wantField := map[int]string{3: "customer_id", 4: "service_id", 5: "user_id"}
	ids := map[int64]bool{}
	for i := range ins {
		if field, bad := wantField[i]; bad {
			var ref *store.ReferenceError
			if !errors.As(errs[i], &ref) || ref.Field != field {
				t.Errorf("card %d: err = %v, want unknown %s", i, errs[i], field)
			}
			continue
		}
		if errs[i] != nil {
			t.Fatalf("card %d: %v", i, errs[i])
		}
		c := cards[i]
		if ids[c.ID] {
			t.Errorf("card %d: id %d handed out twice", i, c.ID)
		}
		ids[c.ID] = true
		got, err := s.GetTimeCard(context.Background(), accounts[i], c.ID)
		if err != nil {
			t.Fatalf("card %d not stored in its account: %v", i, err)
		}
		if got.Notes != ins[i].Notes || got.Minutes != ins[i].Minutes || got.Billable != ins[i].Billable ||
			got.CustomerID != ins[i].CustomerID || got.Date() != "2026-11-03" || c.SyncStatus != "never" {
			t.Errorf("card %d stored as %+v, from %+v", i, got, ins[i])
		}
		if got.StartTime.String != ins[i].StartTime || got.EndTime.String != ins[i].EndTime || got.StartTime.Valid != (ins[i].StartTime != "") {
			t.Errorf("card %d times %v-%v, want %q-%q", i, got.StartTime, got.EndTime, ins[i].StartTime, ins[i].EndTime)
		}
		if c.ID != got.ID || c.Notes != got.Notes || c.RateCents != got.RateCents || !c.CreatedAt.Equal(got.CreatedAt) {
			t.Errorf("card %d: returned %+v, stored %+v", i, c, got)
		}
	}
	if cards[6].RateCents != b.service.RateCents || cards[0].RateCents != 9000 {
		t.Errorf("rates %d and %d, want the service's %d and the given 9000", cards[6].RateCents, cards[0].RateCents, b.service.RateCents)
	}
	if _, err := s.GetTimeCard(context.Background(), b.account.ID, cards[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("account a's card read from account b: %v", err)
	}
}

// TestCreateTimeCardsInOneBatchRefused: when PostgreSQL refuses the shared statement
// (here a card breaking a CHECK constraint), nothing of it is written, and each card is
// tried alone: the bad one fails, the others are written once.
func TestCreateTimeCardsInOneBatchRefused(t *testing.T) {
	s := store.New(testutil.DB(t))
	a := newTenant(t, s)
	in := store.TimeCardInput{UserID: a.owner.ID, CustomerID: a.customer.ID, ServiceID: a.service.ID,
		WorkDate: time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC), Minutes: 45, RateCents: 100}
	bad := in
	bad.Minutes = 0
	ins := []store.TimeCardInput{in, bad, in}
	_, errs := s.CreateTimeCardsInOneBatch([]int64{a.account.ID, a.account.ID, a.account.ID}, ins)
	if errs[0] != nil || errs[2] != nil || errs[1] == nil {
		t.Fatalf("errors %v, want only the second card refused", errs)
	}
	cards, err := s.ListTimeCards(context.Background(), a.account.ID, store.TimeCardFilter{From: in.WorkDate, To: in.WorkDate}, store.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 {
		t.Errorf("%d cards stored on the day, want 2", len(cards))
	}
}

// TestConcurrentCreateTimeCard: many callers at once (so statements are shared) each
// get their own card, every card is stored once, and a caller whose context is
// already cancelled gets an error and writes nothing.
func TestConcurrentCreateTimeCard(t *testing.T) {
	s := store.New(testutil.DB(t))
	a := newTenant(t, s)
	day := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	const n = 300
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.CreateTimeCard(context.Background(), a.account.ID, store.TimeCardInput{UserID: a.owner.ID,
				CustomerID: a.customer.ID, ServiceID: a.service.ID, WorkDate: day, Minutes: 1 + i, RateCents: -1})
			if err != nil {
				t.Errorf("card %d: %v", i, err)
				return
			}
			if c.Minutes != 1+i {
				t.Errorf("card %d came back with another caller's minutes %d", i, c.Minutes)
			}
			ids[i] = c.ID
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.CreateTimeCard(ctx, a.account.ID, store.TimeCardInput{UserID: a.owner.ID, CustomerID: a.customer.ID,
		ServiceID: a.service.ID, WorkDate: day, Minutes: 5}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	cards, err := s.ListTimeCards(context.Background(), a.account.ID, store.TimeCardFilter{From: day, To: day}, store.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != n {
		t.Fatalf("%d cards stored, want %d", len(cards), n)
	}
	seen := map[int64]bool{}
	for _, c := range cards {
		seen[c.ID] = true
		if c.RateCents != a.service.RateCents {
			t.Errorf("card %d rate %d, want the service's", c.ID, c.RateCents)
		}
	}
	for i, id := range ids {
		if !seen[id] {
			t.Errorf("card %d: id %d not stored", i, id)
		}
	}
}

// TestQueuedCardLeavesWhenItsCallerGivesUp: a caller whose context ends while its card
// waits for a statement gets the context's error, its card leaves the queue and is
// never written; the cards queued with it are written once the slots free up.
func TestQueuedCardLeavesWhenItsCallerGivesUp(t *testing.T) {
	s := store.New(testutil.DB(t))
	a := newTenant(t, s)
	day := time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC)
	in := store.TimeCardInput{UserID: a.owner.ID, CustomerID: a.customer.ID, ServiceID: a.service.ID, WorkDate: day, Minutes: 15, RateCents: 100}
	free := s.BusyCardSlots()

	patient := make(chan error, 1)
	go func() {
		_, err := s.CreateTimeCard(context.Background(), a.account.ID, in)
		patient <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	impatient := in
	impatient.Minutes = 99
	if _, err := s.CreateTimeCard(ctx, a.account.ID, impatient); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("impatient caller: %v, want its deadline", err)
	}
	if n := s.QueuedCards(); n != 1 {
		t.Fatalf("%d cards queued, want only the patient one", n)
	}
	free()
	if err := <-patient; err != nil {
		t.Fatalf("patient caller: %v", err)
	}
	cards, err := s.ListTimeCards(context.Background(), a.account.ID, store.TimeCardFilter{From: day, To: day}, store.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 1 || cards[0].Minutes != 15 {
		t.Fatalf("cards on the day: %+v, want only the patient one", cards)
	}
}
