package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// approvalFirm is a tenant with a member, Mia, whose week of 2026-11-02 the owner
// (Olive) approved, with a card of hers in it and one in the week after.
type approvalFirm struct {
	tenant
	member       store.User
	locked, open store.TimeCard
}

var lockedWeek = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

func newApprovalFirm(t *testing.T, s *store.Store) approvalFirm {
	t.Helper()
	ctx := context.Background()
	f := approvalFirm{tenant: newTenant(t, s)}
	var err error
	if f.member, err = s.CreateUser(ctx, f.account.ID, store.NewUser{Email: testutil.UniqueName("mia") + "@example.com", FirstName: "Mia"}); err != nil {
		t.Fatal(err)
	}
	f.locked = f.card(t, s, f.member.ID, lockedWeek.AddDate(0, 0, 2))
	f.open = f.card(t, s, f.member.ID, lockedWeek.AddDate(0, 0, 7))
	if _, err := s.ApproveWeek(ctx, f.account.ID, f.member.ID, lockedWeek, f.owner.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f approvalFirm) input(userID int64, day time.Time) store.TimeCardInput {
	return store.TimeCardInput{UserID: userID, CustomerID: f.customer.ID, ServiceID: f.service.ID, WorkDate: day, Minutes: 30, Billable: true, RateCents: 12000}
}

func (f approvalFirm) card(t *testing.T, s *store.Store, userID int64, day time.Time) store.TimeCard {
	t.Helper()
	tc, err := s.CreateTimeCard(context.Background(), f.account.ID, f.input(userID, day))
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

// wantLocked fails unless err is the refusal of Olive's approval of the locked week.
func wantLocked(t *testing.T, what string, err error) {
	t.Helper()
	var locked *store.WeekLockedError
	if !errors.As(err, &locked) || locked.ApprovedBy != "Olive" || locked.ApprovedOn == "" || !locked.WeekStart.Equal(lockedWeek) {
		t.Fatalf("%s: %v (%+v), want the approved week's refusal", what, err, locked)
	}
}

// TestApprovedWeekLocksEveryWriteOfThePersonsTime: once a week is approved, the
// database refuses to add time to it (one card, a batch, a stopped timer), change,
// move into or out of it, delete or change in bulk the person's time in it, each with
// the approval; others' weeks and the weeks around stay open, an admin's change
// passes, billing the time is no change to it, and reopening unlocks it.
func TestApprovedWeekLocksEveryWriteOfThePersonsTime(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	f := newApprovalFirm(t, s)
	acct, wed := f.account.ID, lockedWeek.AddDate(0, 0, 2)

	_, err := s.CreateTimeCard(ctx, acct, f.input(f.member.ID, wed))
	wantLocked(t, "a new card", err)
	_, errs := s.CreateTimeCardsInOneBatch([]int64{acct, acct}, []store.TimeCardInput{f.input(f.member.ID, lockedWeek.AddDate(0, 0, 6)), f.input(f.member.ID, lockedWeek.AddDate(0, 0, 7))})
	wantLocked(t, "a card of a batch", errs[0])
	if errs[1] != nil {
		t.Fatalf("the batch's card of the next week: %v", errs[1])
	}
	timer, err := s.StartTimer(ctx, acct, store.TimerInput{UserID: f.member.ID, CustomerID: f.customer.ID, ServiceID: f.service.ID, Billable: true, StartedAt: wed})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.StopTimer(ctx, acct, timer.ID, f.input(f.member.ID, wed))
	wantLocked(t, "a stopped timer", err)

	edit := f.input(f.member.ID, wed)
	edit.Minutes = 45
	_, err = s.UpdateTimeCard(ctx, acct, f.locked.ID, edit)
	wantLocked(t, "an edit", err)
	_, err = s.UpdateTimeCard(ctx, acct, f.locked.ID, f.input(f.member.ID, lockedWeek.AddDate(0, 0, 9)))
	wantLocked(t, "a move out of the week", err)
	_, err = s.UpdateTimeCard(ctx, acct, f.open.ID, f.input(f.member.ID, wed))
	wantLocked(t, "a move into the week", err)
	_, err = s.DeleteTimeCards(ctx, acct, []int64{f.open.ID, f.locked.ID}, store.CardEditor{OnlyUserID: f.member.ID}, time.Minute)
	var refusal *store.TimeCardRefusal
	if !errors.As(err, &refusal) || refusal.CardID != f.locked.ID {
		t.Fatalf("delete of the locked card does not name it: %v", err)
	}
	wantLocked(t, "a delete", err)
	if _, err := s.GetTimeCard(ctx, acct, f.open.ID); err != nil {
		t.Fatalf("the refused delete deleted the open card too: %v", err)
	}
	billable := false
	res, err := s.BulkUpdateTimeCards(ctx, acct, []int64{f.locked.ID, f.open.ID}, store.BulkChange{Billable: &billable}, store.CardEditor{OnlyUserID: f.member.ID})
	if err != nil || len(res.Updated) != 1 || res.Updated[0].ID != f.open.ID || len(res.Refused) != 1 || res.Refused[0].Reason != store.RefusedWeekApproved {
		t.Fatalf("bulk change = %+v, %v: want the open card changed and the locked one refused", res, err)
	}
	wantLocked(t, "a bulk change", res.Refused[0].Err)
	if got, _ := s.GetTimeCard(ctx, acct, f.locked.ID); got.Minutes != 30 || !got.Billable || got.Version != f.locked.Version {
		t.Fatalf("the locked card changed: %+v", got)
	}

	// The owner's own week is not locked; the person's next week neither.
	f.card(t, s, f.owner.ID, wed)
	f.card(t, s, f.member.ID, lockedWeek.AddDate(0, 0, -1))
	// An admin's change passes.
	admin := edit
	admin.EditApproved = true
	if _, err := s.UpdateTimeCard(ctx, acct, f.locked.ID, admin); err != nil {
		t.Fatalf("an admin's edit of the approved week: %v", err)
	}
	adminCard := f.input(f.member.ID, wed)
	adminCard.EditApproved = true
	if _, err := s.CreateTimeCard(ctx, acct, adminCard); err != nil {
		t.Fatalf("an admin's card in the approved week: %v", err)
	}
	// Billing the locked time is no change to it.
	if _, err := s.CreateInvoiceFromTimeCards(ctx, acct, store.InvoiceInput{CustomerID: f.customer.ID, InvoiceDate: wed}, []int64{f.locked.ID}, ""); err != nil {
		t.Fatalf("billing approved time: %v", err)
	}

	if reopened, err := s.ReopenWeek(ctx, acct, f.member.ID, lockedWeek); err != nil || !reopened {
		t.Fatalf("reopen: %v %v", reopened, err)
	}
	f.card(t, s, f.member.ID, wed)
}

// TestApprovalsAreListedAndCountedForSyncOnlyApproved: approving twice keeps the first
// approval; the lists of approvals and of unapproved cards are the account's; while
// the account syncs only approved time, the scheduled re-sync's changed cards leave out
// the ones of weeks not approved, and deletes are always listed.
func TestApprovalsAreListedAndCountedForSyncOnlyApproved(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	f := newApprovalFirm(t, s)
	acct := f.account.ID
	first, _, _ := s.GetWeekApproval(ctx, acct, f.member.ID, lockedWeek)
	again, err := s.ApproveWeek(ctx, acct, f.member.ID, lockedWeek, f.member.ID, time.Now())
	if err != nil || again.ApproverName != "Olive" || !again.ApprovedAt.Equal(first.ApprovedAt) {
		t.Fatalf("approving again = %+v, %v: want the first approval kept", again, err)
	}
	other := newApprovalFirm(t, s)
	list, err := s.ListWeekApprovals(ctx, acct, 0, lockedWeek.AddDate(0, 0, -7), lockedWeek.AddDate(0, 0, 7))
	if err != nil || len(list) != 1 || list[0].UserID != f.member.ID {
		t.Fatalf("approvals = %+v, %v", list, err)
	}
	if _, err := s.ApproveWeek(ctx, acct, other.member.ID, lockedWeek, f.owner.ID, time.Now()); !isReference(err, "user_id") {
		t.Fatalf("approving another account's person: %v", err)
	}
	left, err := s.UnapprovedTimeCards(ctx, acct, []int64{f.locked.ID, f.open.ID, other.open.ID})
	if err != nil || !slices.Equal(left, []int64{f.open.ID}) {
		t.Fatalf("unapproved = %v, %v; want only the open card of the account", left, err)
	}

	// Both cards synced, then changed.
	realm := "r-" + testutil.RandomHex(4)
	for _, tc := range []store.TimeCard{f.locked, f.open} {
		if err := s.RecordSyncSuccess(ctx, acct, store.ObjectTimeCard, tc.ID, store.SyncSuccess{RealmID: realm, QBOID: testutil.RandomHex(4), SyncToken: "0",
			SyncedVersion: tc.Version}, store.SyncRun{Kind: "test"}); err != nil {
			t.Fatal(err)
		}
		edit := f.input(f.member.ID, tc.WorkDate)
		edit.Minutes, edit.EditApproved = 50, true
		if _, err := s.UpdateTimeCard(ctx, acct, tc.ID, edit); err != nil {
			t.Fatal(err)
		}
	}
	changed := func() []int64 {
		ids, err := s.ListChangedObjects(ctx, acct, realm, store.ObjectTimeCard)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := changed(); len(got) != 2 {
		t.Fatalf("changed with every time syncing = %v", got)
	}
	set := store.AccountSettings{TimeZone: "UTC", WeekStart: 1, IncomeAccountName: "Services", ResyncInterval: "daily", SyncOnlyApproved: true}
	if a, err := s.UpdateAccountSettings(ctx, acct, set); err != nil || !a.SyncOnlyApproved {
		t.Fatalf("settings: %+v, %v", a, err)
	}
	if got := changed(); !slices.Equal(got, []int64{f.locked.ID}) {
		t.Fatalf("changed while syncing only approved time = %v, want only the approved week's card %d", got, f.locked.ID)
	}
	if n, err := s.CountUnapprovedChanges(ctx, acct); err != nil || n != 0 {
		// No connection to the realm: nothing is waiting to be sent.
		t.Fatalf("unapproved changes without a connection = %d, %v", n, err)
	}
	connect(t, s, acct, f.owner.ID, realm)
	if n, err := s.CountUnapprovedChanges(ctx, acct); err != nil || n != 1 {
		t.Fatalf("unapproved changes waiting = %d, %v; want the open week's card", n, err)
	}
	if _, err := s.DeleteTimeCards(ctx, acct, []int64{f.open.ID}, store.CardEditor{EditApproved: true}, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := s.ClaimDueTimeCardDeletes(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if got := changed(); !slices.Contains(got, f.open.ID) {
		t.Fatalf("a deletion of unapproved time is not listed: %v", got)
	}
}

// TestDeleteCanBeUndoneUntilItsWindowEndsAndThenGoesToQBOOnce: a deleted card keeps
// its version and sync state for the undo window, is listed for no sync meanwhile,
// and a restore brings it back as it was; once the window ends, one claim hands over
// the card QBO has (version bumped, changed) and removes the one it never had, a
// second claim finds nothing, and a restore comes too late.
func TestDeleteCanBeUndoneUntilItsWindowEndsAndThenGoesToQBOOnce(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	f := newApprovalFirm(t, s)
	acct := f.account.ID
	synced := f.card(t, s, f.owner.ID, lockedWeek)
	if err := s.RecordSyncSuccess(ctx, acct, store.ObjectTimeCard, synced.ID, store.SyncSuccess{RealmID: "r1", QBOID: testutil.RandomHex(4),
		SyncToken: "0", SyncedVersion: synced.Version}, store.SyncRun{Kind: "test"}); err != nil {
		t.Fatal(err)
	}
	local := f.card(t, s, f.owner.ID, lockedWeek)
	admin := store.CardEditor{EditApproved: true}

	del, err := s.DeleteTimeCards(ctx, acct, []int64{synced.ID, local.ID}, admin, time.Hour)
	if err != nil || !slices.Equal(del.InQBO, []int64{synced.ID}) || time.Until(del.UndoUntil) < 59*time.Minute {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	for _, check := range []struct {
		what string
		ids  func() ([]int64, error)
	}{
		{"changed objects", func() ([]int64, error) { return s.ListChangedObjects(ctx, acct, "r1", store.ObjectTimeCard) }},
		{"pending deletes", func() ([]int64, error) {
			cards, err := s.ListTimeCards(ctx, acct, store.TimeCardFilter{PendingDeletes: true, IDs: []int64{synced.ID, local.ID}}, store.Page{})
			ids := []int64{}
			for _, c := range cards {
				ids = append(ids, c.ID)
			}
			return ids, err
		}},
		{"cards for a sync", func() ([]int64, error) {
			cards, err := s.GetTimeCardsForSync(ctx, acct, []int64{synced.ID, local.ID})
			ids := []int64{}
			for _, c := range cards {
				ids = append(ids, c.ID)
			}
			return ids, err
		}},
	} {
		if ids, err := check.ids(); err != nil || len(ids) != 0 {
			t.Fatalf("%s inside the undo window: %v, %v", check.what, ids, err)
		}
	}
	if due, err := s.ClaimDueTimeCardDeletes(ctx, acct); err != nil || len(due) != 0 {
		t.Fatalf("claim inside the window = %+v, %v", due, err)
	}
	if _, err := s.RestoreTimeCards(ctx, acct, []int64{synced.ID}, store.CardEditor{OnlyUserID: f.member.ID}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a member restoring another's card: %v", err)
	}
	back, err := s.RestoreTimeCards(ctx, acct, []int64{synced.ID, local.ID}, admin)
	if err != nil || len(back) != 2 {
		t.Fatalf("restore = %+v, %v", back, err)
	}
	for _, c := range back {
		if c.ID == synced.ID && (c.Version != synced.Version || c.SyncStatus != store.StatusSynced || c.DeletedAt.Valid || c.UndoUntil.Valid) {
			t.Fatalf("the synced card restored = %+v, want it as it was", c)
		}
	}

	if _, err := s.DeleteTimeCards(ctx, acct, []int64{synced.ID, local.ID}, admin, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	due, err := s.ClaimDueTimeCardDeletes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(due, func(d store.DueDeletes) bool { return d.AccountID == acct })
	if i < 0 || !slices.Equal(due[i].CardIDs, []int64{synced.ID}) || due[i].Connected {
		t.Fatalf("claim after the window = %+v, want card %d of the unconnected account", due, synced.ID)
	}
	if again, err := s.ClaimDueTimeCardDeletes(ctx, acct); err != nil || len(again) != 0 {
		t.Fatalf("second claim = %+v, %v", again, err)
	}
	cards, err := s.GetTimeCardsForSync(ctx, acct, []int64{synced.ID, local.ID})
	if err != nil || len(cards) != 1 || cards[0].ID != synced.ID || cards[0].Version != synced.Version+1 || cards[0].SyncStatus != store.StatusChanged {
		t.Fatalf("after the claim = %+v, %v: want only the synced card, a pending delete at a new version", cards, err)
	}
	if ids, _ := s.ListChangedObjects(ctx, acct, "r1", store.ObjectTimeCard); !slices.Equal(ids, []int64{synced.ID}) {
		t.Fatalf("changed objects after the window = %v", ids)
	}
	_, err = s.RestoreTimeCards(ctx, acct, []int64{synced.ID}, admin)
	var refusal *store.TimeCardRefusal
	if !errors.As(err, &refusal) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("restore after the window: %v", err)
	}
	if _, err := s.RestoreTimeCards(ctx, acct, []int64{local.ID}, admin); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("restore of a removed card: %v", err)
	}
}
