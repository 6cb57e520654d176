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

// timerFor is a timer of the tenant's owner on its customer and service.
func timerFor(tn tenant, started time.Time) store.TimerInput {
	return store.TimerInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID, ServiceID: tn.service.ID,
		Notes: "wireframes", Billable: true, StartedAt: started}
}

// cardOf is the card a stop of tn's timer records.
func cardOf(tn tenant, day time.Time) store.TimeCardInput {
	return store.TimeCardInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID, ServiceID: tn.service.ID, WorkDate: day,
		Minutes: 61, StartTime: "09:12", EndTime: "10:13", Billable: true, RateCents: -1, Notes: "wireframes"}
}

// cardsOf counts the tenant's cards (the one newTenant made included).
func cardsOf(t *testing.T, s *store.Store, tn tenant) []store.TimeCard {
	t.Helper()
	cards, err := s.ListTimeCards(context.Background(), tn.account.ID, store.TimeCardFilter{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

// TestOneTimerPerPersonStoppedTwiceAtOnceMakesOneCard starts a timer, refuses a second
// one naming the first, hides it from another account, and stops it from two
// "devices" at the same moment: one card, with start and end, and the other stop finds
// no timer.
func TestOneTimerPerPersonStoppedTwiceAtOnceMakesOneCard(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, b := newTenant(t, s), newTenant(t, s)
	started := time.Date(2026, 3, 3, 8, 12, 40, 0, time.UTC)
	timer, err := s.StartTimer(ctx, a.account.ID, timerFor(a, started))
	if err != nil {
		t.Fatal(err)
	}
	if timer.CustomerName != a.customer.DisplayName || timer.ServiceName != "Design" || !timer.StartedAt.Equal(started) || timer.Notes != "wireframes" {
		t.Fatalf("started %+v", timer)
	}
	second := timerFor(a, started.Add(time.Hour))
	_, err = s.StartTimer(ctx, a.account.ID, second)
	var running *store.TimerRunningError
	if !errors.As(err, &running) || running.Running.ID != timer.ID || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second start: %v, want the running timer %d", err, timer.ID)
	}
	if got, err := s.GetTimer(ctx, a.account.ID, a.owner.ID); err != nil || got.ID != timer.ID {
		t.Fatalf("get timer = %+v, %v", got, err)
	}
	// Another account sees nothing, not even by the owner's id.
	if _, err := s.GetTimer(ctx, b.account.ID, a.owner.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another account's timer: %v", err)
	}
	if _, err := s.StopTimer(ctx, b.account.ID, timer.ID, cardOf(b, started)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stopped from another account: %v", err)
	}
	if err := s.DiscardTimer(ctx, b.account.ID, a.owner.ID, 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("discarded from another account: %v", err)
	}

	before := len(cardsOf(t, s, a))
	day := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	cards, errs := make([]store.TimeCard, 2), make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cards[i], errs[i] = s.StopTimer(ctx, a.account.ID, timer.ID, cardOf(a, day))
		}()
	}
	wg.Wait()
	var stopped []store.TimeCard
	for i, err := range errs {
		switch {
		case err == nil:
			stopped = append(stopped, cards[i])
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("stop %d: %v", i, err)
		}
	}
	if len(stopped) != 1 {
		t.Fatalf("two stops at once recorded %d cards, want 1 (errors %v)", len(stopped), errs)
	}
	if after := len(cardsOf(t, s, a)); after != before+1 {
		t.Fatalf("cards %d → %d, want one more", before, after)
	}
	c, err := s.GetTimeCard(ctx, a.account.ID, stopped[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Date() != "2026-03-03" || c.StartTime.String != "09:12" || c.EndTime.String != "10:13" || c.Minutes != 61 ||
		c.RateCents != a.service.RateCents || c.Notes != "wireframes" || !c.Billable {
		t.Fatalf("card %+v", c)
	}
	if _, err := s.GetTimer(ctx, a.account.ID, a.owner.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("timer after stop: %v", err)
	}
	// Stopped, the person may start again.
	if _, err := s.StartTimer(ctx, a.account.ID, second); err != nil {
		t.Fatalf("start after stop: %v", err)
	}
}

// TestTimerRefusesOtherAccountsAndInactiveReferences names the field of a customer or
// service the timer may not use, as a card would.
func TestTimerRefusesOtherAccountsAndInactiveReferences(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, b := newTenant(t, s), newTenant(t, s)
	now := time.Now()
	otherCustomer := timerFor(a, now)
	otherCustomer.CustomerID = b.customer.ID
	if _, err := s.StartTimer(ctx, a.account.ID, otherCustomer); !isReference(err, "customer_id") {
		t.Fatalf("another account's customer: %v", err)
	}
	otherService := timerFor(a, now)
	otherService.ServiceID = b.service.ID
	if _, err := s.StartTimer(ctx, a.account.ID, otherService); !isReference(err, "service_id") {
		t.Fatalf("another account's service: %v", err)
	}
	otherUser := timerFor(a, now)
	otherUser.UserID = b.owner.ID
	if _, err := s.StartTimer(ctx, a.account.ID, otherUser); !isReference(err, "user_id") {
		t.Fatalf("another account's person: %v", err)
	}
	if _, err := s.UpdateService(ctx, a.account.ID, a.service.ID, store.ServiceInput{Name: "Design", RateCents: 12000, Active: false}); err != nil {
		t.Fatal(err)
	}
	var inactive *store.InactiveError
	if _, err := s.StartTimer(ctx, a.account.ID, timerFor(a, now)); !errors.As(err, &inactive) || inactive.Field != "service_id" {
		t.Fatalf("inactive service: %v", err)
	}
	if _, err := s.GetTimer(ctx, a.account.ID, a.owner.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused start left a timer: %v", err)
	}
}

// TestSwitchTimerIsAllOrNothing switches to a new timer; when the running timer's card
// cannot be recorded (its service was made inactive meanwhile) nothing changes: the
// old timer still runs, no card, no new timer.
func TestSwitchTimerIsAllOrNothing(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a := newTenant(t, s)
	started := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	first, err := s.StartTimer(ctx, a.account.ID, timerFor(a, started))
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateService(ctx, a.account.ID, store.ServiceInput{Name: "Research", RateCents: 9000, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	next := timerFor(a, started.Add(time.Hour))
	next.ServiceID = other.ID

	// The running timer's service is inactive now: its card is refused, so the switch is.
	if _, err := s.UpdateService(ctx, a.account.ID, a.service.ID, store.ServiceInput{Name: "Design", RateCents: 12000, Active: false}); err != nil {
		t.Fatal(err)
	}
	before := len(cardsOf(t, s, a))
	var inactive *store.InactiveError
	if _, _, err := s.SwitchTimer(ctx, a.account.ID, first.ID, cardOf(a, started), next); !errors.As(err, &inactive) {
		t.Fatalf("switch with a refused card: %v", err)
	}
	if got, err := s.GetTimer(ctx, a.account.ID, a.owner.ID); err != nil || got.ID != first.ID {
		t.Fatalf("after a refused switch the timer is %+v, %v; want the first still running", got, err)
	}
	if after := len(cardsOf(t, s, a)); after != before {
		t.Fatalf("a refused switch recorded a card (%d → %d)", before, after)
	}

	if _, err := s.UpdateService(ctx, a.account.ID, a.service.ID, store.ServiceInput{Name: "Design", RateCents: 12000, Active: true}); err != nil {
		t.Fatal(err)
	}
	card, now, err := s.SwitchTimer(ctx, a.account.ID, first.ID, cardOf(a, started), next)
	if err != nil {
		t.Fatal(err)
	}
	if card.ServiceID != a.service.ID || now.ServiceID != other.ID || now.ServiceName != "Research" {
		t.Fatalf("switch recorded %+v and started %+v", card, now)
	}
	if after := len(cardsOf(t, s, a)); after != before+1 {
		t.Fatalf("cards %d → %d after the switch, want one more", before, after)
	}
	// Switching away from a timer that is gone changes nothing.
	if _, _, err := s.SwitchTimer(ctx, a.account.ID, first.ID, cardOf(a, started), next); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("switch from a stopped timer: %v", err)
	}
}

// TestDiscardTimerDeletesOnlyTheTimerShown keeps a timer started since the page that
// discards was drawn, and an account with a running timer can still be deleted.
func TestDiscardTimerDeletesOnlyTheTimerShown(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a := newTenant(t, s)
	timer, err := s.StartTimer(ctx, a.account.ID, timerFor(a, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	before := len(cardsOf(t, s, a))
	if err := s.DiscardTimer(ctx, a.account.ID, a.owner.ID, timer.ID+1000); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("discard of another timer id: %v", err)
	}
	if err := s.DiscardTimer(ctx, a.account.ID, a.owner.ID, timer.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTimer(ctx, a.account.ID, a.owner.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("timer after discard: %v", err)
	}
	if after := len(cardsOf(t, s, a)); after != before {
		t.Fatalf("a discard recorded time (%d → %d cards)", before, after)
	}
	if err := s.DiscardTimer(ctx, a.account.ID, a.owner.ID, 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("discard with none running: %v", err)
	}
	if _, err := s.StartTimer(ctx, a.account.ID, timerFor(a, time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, a.account.ID); err != nil {
		t.Fatalf("delete an account with a running timer: %v", err)
	}
}
