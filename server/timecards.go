package server

import (
	"context"
	"net/http"
	"slices"

	"hoursync/internal/store"
)

// The time card use cases. Deleting cards is in removals.go (it goes to QuickBooks at
// once), syncing them in syncing.go.

// timeCardQuery narrows a list of time cards; zero values do not narrow it. Week is
// any date of a week, which starts on the account's week start.
type timeCardQuery struct {
	Week, From, To                string
	UserID, CustomerID, ServiceID int64
	// Billable narrows to billable (true) or non-billable (false) time.
	Billable *bool
	Status   string
	IDs      []int64
	Unbilled bool
	// PendingDeletes also lists deleted cards whose deletion has not reached
	// QuickBooks yet.
	PendingDeletes bool
}

// timeCardStatuses are the sync statuses a list of cards can be narrowed to.
var timeCardStatuses = []string{store.StatusNever, store.StatusSynced, store.StatusChanged, store.StatusSyncing, store.StatusFailed}

// filter validates the query into the store's filter.
func (a *app) filter(ctx context.Context, by actor, q timeCardQuery) (store.TimeCardFilter, error) {
	f := store.TimeCardFilter{UserID: q.UserID, CustomerID: q.CustomerID, ServiceID: q.ServiceID, Billable: q.Billable,
		IDs: q.IDs, Unbilled: q.Unbilled, PendingDeletes: q.PendingDeletes}
	var err error
	if q.Week != "" {
		day, err := parseDate("week", q.Week, true)
		if err != nil {
			return f, err
		}
		acct, err := a.store.GetAccount(ctx, by.AccountID)
		if err != nil {
			return f, err
		}
		f.From = weekOf(day, acct.WeekStart)
		f.To = f.From.AddDate(0, 0, 6)
	}
	if q.From != "" {
		if f.From, err = parseDate("from", q.From, true); err != nil {
			return f, err
		}
	}
	if q.To != "" {
		if f.To, err = parseDate("to", q.To, true); err != nil {
			return f, err
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return f, invalid("to", "the last date must be on or after the first")
	}
	if q.Status != "" && !slices.Contains(timeCardStatuses, q.Status) {
		return f, invalid("status", "status is one of never, synced, changed, syncing, failed")
	}
	f.Status = q.Status
	return f, nil
}

// ListTimeCards lists the cards the query selects, by date; members see only their
// own.
func (a *app) ListTimeCards(ctx context.Context, by actor, q timeCardQuery, p page) (listJSON[timeCardJSON], error) {
	f, err := a.filter(ctx, by, q)
	if err != nil {
		return listJSON[timeCardJSON]{}, err
	}
	if !by.admin() {
		if f.UserID != 0 && f.UserID != by.User.ID {
			return paged(p, []timeCardJSON{}), nil
		}
		f.UserID = by.User.ID
	}
	cards, err := a.store.ListTimeCards(ctx, by.AccountID, f, p.store())
	if err != nil {
		return listJSON[timeCardJSON]{}, err
	}
	out := make([]timeCardJSON, 0, len(cards))
	for _, tc := range cards {
		out = append(out, toTimeCardJSON(tc))
	}
	if err := a.addCardErrorCodes(ctx, by.AccountID, out); err != nil {
		return listJSON[timeCardJSON]{}, err
	}
	return paged(p, out), nil
}

// AllTimeCards lists every card the query selects, by date, however many there are:
// the timesheet shows, totals and selects a whole week, so it must not stop at one
// page of the list.
func (a *app) AllTimeCards(ctx context.Context, by actor, q timeCardQuery) ([]timeCardJSON, error) {
	var all []timeCardJSON
	for p := (page{Limit: 500}); ; {
		list, err := a.ListTimeCards(ctx, by, q, p)
		if err != nil {
			return all, err
		}
		all = append(all, list.Items...)
		if list.NextOffset == nil {
			return all, nil
		}
		p.Offset = *list.NextOffset
	}
}

// TimeCardsToResync lists the cards the query selects (of a week, a person, a
// customer) whose last sync failed or that changed since it, deleted ones whose
// deletion has not reached QuickBooks included: what "Re-sync changed and failed"
// sends.
func (a *app) TimeCardsToResync(ctx context.Context, by actor, q timeCardQuery) ([]int64, error) {
	q.PendingDeletes = true
	var ids []int64
	for _, status := range []string{store.StatusChanged, store.StatusFailed} {
		q.Status = status
		cards, err := a.AllTimeCards(ctx, by, q)
		if err != nil {
			return nil, err
		}
		for _, tc := range cards {
			ids = append(ids, tc.ID)
		}
	}
	return ids, nil
}

// GetTimeCard is one card: any of the account's for an admin, only their own for a
// member (another's is not found).
func (a *app) GetTimeCard(ctx context.Context, by actor, id int64) (timeCardJSON, error) {
	tc, err := a.ownCard(ctx, by, id)
	if err != nil {
		return timeCardJSON{}, err
	}
	return a.timeCardBody(ctx, by.AccountID, tc)
}

// errOnlyYourself refuses a member recording time for someone else.
var errOnlyYourself = &apiError{Status: http.StatusForbidden, Code: codeForbidden, Field: "user_id", Message: "you can record time only for yourself"}

// CreateTimeCard records time: for the signed-in person unless an admin names
// someone, at the service's rate unless one is given. A member's time dated in an
// approved week of theirs is refused (the store's *WeekLockedError); an admin's is
// not.
func (a *app) CreateTimeCard(ctx context.Context, by actor, in timeCardInput) (timeCardJSON, error) {
	d, err := in.validate()
	if err != nil {
		return timeCardJSON{}, err
	}
	card := d.TimeCardInput
	if !d.UserSet {
		card.UserID = by.User.ID
	}
	card.EditApproved = by.admin()
	if card.UserID != by.User.ID && !by.admin() {
		return timeCardJSON{}, errOnlyYourself
	}
	// One statement checks the references and inserts: this is the API's hot path, and
	// a new card has no sync state to read.
	tc, err := a.store.CreateTimeCard(ctx, by.AccountID, card)
	if err != nil {
		return timeCardJSON{}, err
	}
	return toTimeCardJSON(tc), nil
}

// UpdateTimeCard replaces a card. A card billed on an invoice or syncing right now is
// refused with the reason (409); a synced card becomes "changed".
func (a *app) UpdateTimeCard(ctx context.Context, by actor, id int64, in timeCardInput) (timeCardJSON, error) {
	cur, err := a.ownCard(ctx, by, id)
	if err != nil {
		return timeCardJSON{}, err
	}
	d, err := in.validate()
	if err != nil {
		return timeCardJSON{}, err
	}
	card, err := a.resolveCard(ctx, by, d, cur.UserID)
	if err != nil {
		return timeCardJSON{}, err
	}
	tc, err := a.store.UpdateTimeCard(ctx, by.AccountID, id, card)
	if err != nil {
		return timeCardJSON{}, err
	}
	return a.timeCardBody(ctx, by.AccountID, tc)
}

// resolveCard fills the defaults of a validated card: the user (defaultUser unless an
// admin names someone) and the rate (the service's). A member naming someone else is
// refused.
func (a *app) resolveCard(ctx context.Context, by actor, d timeCardDraft, defaultUser int64) (store.TimeCardInput, error) {
	in := d.TimeCardInput
	if !d.UserSet {
		in.UserID = defaultUser
	}
	if in.UserID != by.User.ID && !by.admin() {
		return in, errOnlyYourself
	}
	refs, err := a.store.CheckTimeCardRefs(ctx, by.AccountID, in.UserID, in.CustomerID, in.ServiceID)
	switch {
	case err != nil:
		return in, err
	case !refs.UserOK:
		return in, notFound("user_id", "user")
	case !refs.CustomerOK:
		return in, notFound("customer_id", "customer")
	case !refs.ServiceRate.Valid:
		return in, notFound("service_id", "service")
	}
	if in.RateCents < 0 {
		in.RateCents = refs.ServiceRate.Int64
	}
	in.EditApproved = by.admin()
	return in, nil
}

// ownCard loads a card the actor may see: any card for an admin, only their own for a
// member (another's is not found).
func (a *app) ownCard(ctx context.Context, by actor, id int64) (store.TimeCard, error) {
	tc, err := a.store.GetTimeCard(ctx, by.AccountID, id)
	if err != nil {
		return store.TimeCard{}, err
	}
	if !by.admin() && tc.UserID != by.User.ID {
		return store.TimeCard{}, errNotFound
	}
	return tc, nil
}

// timeCardBody is the card as answered, with its sync error code.
func (a *app) timeCardBody(ctx context.Context, accountID int64, tc store.TimeCard) (timeCardJSON, error) {
	out := []timeCardJSON{toTimeCardJSON(tc)}
	err := a.addCardErrorCodes(ctx, accountID, out)
	return out[0], err
}

// addCardErrorCodes fills the sync error code of the failed cards (the store's card
// carries only the status and the message).
func (a *app) addCardErrorCodes(ctx context.Context, accountID int64, cards []timeCardJSON) error {
	var failed []int64
	for _, tc := range cards {
		if tc.SyncStatus == store.StatusFailed {
			failed = append(failed, tc.ID)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	codes, err := a.store.SyncErrorCodes(ctx, accountID, store.ObjectTimeCard, failed)
	if err != nil {
		return err
	}
	for i := range cards {
		cards[i].SyncErrorCode = codes[cards[i].ID]
	}
	return nil
}
