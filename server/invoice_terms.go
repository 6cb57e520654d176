package server

import (
	"context"
	"errors"
	"strings"
	"time"

	"hoursync/internal/store"
)

// termsRealm is the realm whose terms an invoice chooses from: the connected company's
// ("" when the account never connected, which matches no realm in particular).
func (a *app) termsRealm(ctx context.Context, accountID int64) string {
	if conn, err := a.store.GetConnectionStatus(ctx, accountID); err == nil {
		return conn.RealmID
	}
	return ""
}

// resolveInvoiceTerms checks an invoice's terms against the terms imported from QBO.
// term_id must be one of them (a term made inactive in QBO only while the invoice
// already has it); a plain-text terms value naming one is taken as that term, for
// clients written before terms were a choice. Text naming no term is refused, except
// the unchanged text of an invoice written before (cur), which stays as it is.
func (a *app) resolveInvoiceTerms(ctx context.Context, accountID int64, in *store.InvoiceInput, cur *store.Invoice) error {
	sameTerm := func(id int64) bool { return cur != nil && cur.TermID.Valid && cur.TermID.Int64 == id }
	switch {
	case in.TermID < 0:
		return invalid("term_id", "term_id is the id of one of the terms imported from QuickBooks")
	case in.TermID > 0:
		t, err := a.store.GetTerm(ctx, accountID, in.TermID)
		if errors.Is(err, store.ErrNotFound) {
			return invalid("term_id", "choose terms from the list imported from QuickBooks")
		}
		if err != nil {
			return err
		}
		if !t.Active && !sameTerm(t.ID) {
			return invalid("term_id", "the terms %q are inactive in QuickBooks; choose others", t.Name)
		}
		return nil
	case strings.TrimSpace(in.Terms) == "":
		return nil
	}
	t, err := a.store.FindTermByName(ctx, accountID, a.termsRealm(ctx, accountID), in.Terms)
	switch {
	case err == nil && (t.Active || sameTerm(t.ID)):
		in.TermID = t.ID
		return nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	case cur != nil && !cur.TermID.Valid && strings.TrimSpace(cur.Terms) == strings.TrimSpace(in.Terms):
		return nil // text terms of an invoice written before, unchanged
	case err == nil:
		return invalid("terms", "the terms %q are inactive in QuickBooks; choose others", t.Name)
	}
	return invalid("terms", "no terms named %q were imported from QuickBooks; choose terms from the list", strings.TrimSpace(in.Terms))
}

// TermChoices lists the terms an invoice can choose: the connected company's active
// ones, and the invoice's own (current) even when it was made inactive since.
func (a *app) TermChoices(ctx context.Context, by actor, current int64) ([]store.Term, error) {
	accountID := by.AccountID
	all, err := a.store.ListTerms(ctx, accountID, a.termsRealm(ctx, accountID))
	if err != nil {
		return nil, err
	}
	out := make([]store.Term, 0, len(all))
	seen := false
	for _, t := range all {
		if t.Active || t.ID == current {
			out = append(out, t)
			seen = seen || t.ID == current
		}
	}
	if current != 0 && !seen {
		// Imported from a company connected before: still shown, so saving keeps it.
		if t, err := a.store.GetTerm(ctx, accountID, current); err == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// dueHint says where the due date of an invoice comes from when the person left it
// blank: the terms before a sync, QuickBooks after one.
func dueHint(inv *invoiceJSON) string {
	switch {
	case inv == nil:
		return "Leave blank to follow the terms."
	case inv.DueDateExplicit:
		return "Set by hand; clear it to follow the terms."
	case inv.DueDate == nil:
		return "QuickBooks sets the due date when the invoice syncs."
	}
	due := *inv.DueDate
	if d, err := time.Parse(time.DateOnly, due); err == nil {
		due = d.Format("2 Jan 2006")
	}
	terms := ""
	if inv.Terms != "" {
		terms = " (" + inv.Terms + ")"
	}
	if inv.SyncStatus == store.StatusSynced {
		return "Due " + due + terms + ", as QuickBooks has it. Set a date to override it."
	}
	return "Due " + due + terms + ", from the terms; QuickBooks confirms it when the invoice syncs."
}
