package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"hoursync/internal/store"
)

// Bulk change of time cards: a new customer, service or billable setting for many
// selected cards at once, in one transaction. Only time QuickBooks does not have yet
// changes: a card QuickBooks has is refused by name (so is one billed on an invoice,
// being synced, or, for a member, in an approved week) and stays as it was, since a
// change to it is a re-sync the person should make on purpose, one card at a time.

// bulkUpdateInput is the change: ids, and at least one of the rest (absent: keep).
type bulkUpdateInput struct {
	IDs        []int64 `json:"ids" openapi:"required"`
	CustomerID *int64  `json:"customer_id"`
	ServiceID  *int64  `json:"service_id"`
	Billable   *bool   `json:"billable"`
}

// bulkUpdateJSON says what a bulk change did: the cards changed, the ones refused and
// why, and both in words.
type bulkUpdateJSON struct {
	Updated []timeCardJSON    `json:"updated"`
	Refused []refusedCardJSON `json:"refused"`
	Message string            `json:"message"`
}

// refusedCardJSON is a card a bulk change left as it was. Code is one of
// in_quickbooks, billed, syncing, week_approved.
type refusedCardJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// msgBulkInQuickBooks is why a card QuickBooks has is left out of a bulk change.
const msgBulkInQuickBooks = "already in QuickBooks: change it on its own (Edit), which syncs the change"

// validate checks the input without touching the database.
func (in bulkUpdateInput) validate() ([]int64, store.BulkChange, error) {
	var p problems
	ids, err := checkIDs("ids", in.IDs, "time card")
	p.add(err)
	if in.CustomerID == nil && in.ServiceID == nil && in.Billable == nil {
		p.add(invalid("customer_id", "choose a new customer, service or billable setting for the selected time"))
	}
	if in.CustomerID != nil && *in.CustomerID <= 0 {
		p.add(invalid("customer_id", "choose a customer"))
	}
	if in.ServiceID != nil && *in.ServiceID <= 0 {
		p.add(invalid("service_id", "choose a service"))
	}
	return ids, store.BulkChange{CustomerID: in.CustomerID, ServiceID: in.ServiceID, Billable: in.Billable}, p.err()
}

// BulkUpdateTimeCards changes the customer, service (and with it the rate) or billable
// setting of the selected cards QuickBooks does not have yet, in one transaction, and
// names the ones it refused. When it changed none and refused some, it answers 409.
func (a *app) BulkUpdateTimeCards(ctx context.Context, by actor, in bulkUpdateInput) (bulkUpdateJSON, error) {
	ids, change, err := in.validate()
	if err != nil {
		return bulkUpdateJSON{}, err
	}
	res, err := a.store.BulkUpdateTimeCards(ctx, by.AccountID, ids, change, editor(by))
	if err != nil {
		return bulkUpdateJSON{}, a.refusal(ctx, by, err)
	}
	out := bulkUpdateJSON{Updated: make([]timeCardJSON, 0, len(res.Updated)), Refused: make([]refusedCardJSON, 0, len(res.Refused))}
	for _, tc := range res.Updated {
		out.Updated = append(out.Updated, toTimeCardJSON(tc))
	}
	if err := a.addCardErrorCodes(ctx, by.AccountID, out.Updated); err != nil {
		return bulkUpdateJSON{}, err
	}
	refs := make([]objectRef, 0, len(res.Refused))
	for _, r := range res.Refused {
		refs = append(refs, objectRef{store.ObjectTimeCard, r.Card.ID})
	}
	names, err := a.recordNames(ctx, by.AccountID, refs)
	if err != nil {
		return bulkUpdateJSON{}, err
	}
	for _, r := range res.Refused {
		out.Refused = append(out.Refused, refusedCardJSON{ID: r.Card.ID, Name: names[objectRef{store.ObjectTimeCard, r.Card.ID}],
			Code: r.Reason, Reason: refusalWords(r)})
	}
	out.Message = bulkWords(len(out.Updated), out.Refused)
	if len(out.Updated) == 0 && len(out.Refused) > 0 {
		return out, &apiError{Status: http.StatusConflict, Code: codeConflict, Field: "ids", Message: out.Message}
	}
	return out, nil
}

// refusalWords is why a bulk change left the card as it was.
func refusalWords(r store.BulkRefusal) string {
	if r.Reason == store.RefusedInQuickBooks || r.Err == nil {
		return msgBulkInQuickBooks
	}
	var locked *store.WeekLockedError
	if errors.As(r.Err, &locked) {
		return lockWords(locked.ApprovedBy, locked.ApprovedOn)
	}
	return r.Err.Error()
}

// maxNamed is how many refused cards a message names before it counts the rest.
const maxNamed = 5

// bulkWords says what a bulk change did: "Changed 3 time entries. Left as they were:
// Dana Lee · Mon 14 Dec · Acme — Design 1:30 (already in QuickBooks: …)."
func bulkWords(changed int, refused []refusedCardJSON) string {
	var b strings.Builder
	if changed > 0 || len(refused) == 0 {
		fmt.Fprintf(&b, "Changed %s.", entries(changed))
	}
	if len(refused) == 0 {
		return b.String()
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if len(refused) == 1 {
		b.WriteString("Left as it was: ")
	} else {
		fmt.Fprintf(&b, "%d left as they were: ", len(refused))
	}
	for i, r := range refused {
		if i == maxNamed {
			fmt.Fprintf(&b, "; and %d more", len(refused)-maxNamed)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s (%s)", r.Name, r.Reason)
	}
	b.WriteString(".")
	return b.String()
}
