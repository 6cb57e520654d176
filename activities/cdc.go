package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/workflows"
)

// cdcEntities are the lists and transactions whose changes in QBO Hoursync follows.
// Terms, tax codes and accounts are few and rarely change: a change to one re-reads
// that list whole.
var cdcEntities = []string{"Customer", "Item", "Invoice", "Payment", "Term", "TaxCode", "Account"}

// cdcOverlap is how far before the last pull's start the next one asks from: QBO's
// LastUpdatedTime is the server's clock, so the pulls overlap a little (the upserts
// are idempotent) rather than miss a change made while one ran.
const cdcOverlap = time.Minute

// PullChanges brings what changed in QBO since the last pull (one CDC call: one
// metered read) into Hoursync: customers and services as an import would, and the
// balance, totals and tax of the invoices Hoursync synced (payments made in QBO); a
// change to terms, tax codes or accounts re-reads that list. It asks for a full
// import instead when there was no pull yet, the last one is older than CDC's 30
// days, or the answer reached CDC's cap (changes may be missing from it).
func (a *Activities) PullChanges(ctx context.Context, in workflows.ConnectionRef) (workflows.PullResult, error) {
	started := time.Now()
	res := workflows.PullResult{Watermark: started.Add(-cdcOverlap)}
	since, ok, err := a.Store.CDCWatermark(ctx, in.AccountID, in.RealmID)
	if err != nil {
		return res, err
	}
	if !ok || time.Since(since) > qbo.CDCLookBack-time.Hour {
		res.NeedsFullImport, res.Message = true, "No recent pull of QuickBooks' changes: importing everything."
		return res, nil
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return res, err
	}
	changes, err := qbo.ChangesSince(ctx, c, cdcEntities, since)
	if err != nil {
		return res, qboError(subject{what: "QuickBooks changes"}, err)
	}
	if changes.Capped {
		res.NeedsFullImport = true
		res.Message = fmt.Sprintf("QuickBooks reported %d changes, as many as one answer holds: importing everything.", changes.Count())
		return res, nil
	}
	for entity, reimport := range map[string]func(context.Context, workflows.ConnectionRef) (workflows.ImportListResult, error){
		"Term": a.ImportTerms, "TaxCode": a.ImportTaxes, "Account": a.ImportIncomeAccounts} {
		if changedAfter(changes.Objects[entity], since.Add(cdcOverlap)) {
			if _, err := reimport(ctx, in); err != nil {
				return res, err
			}
		}
	}
	if res.Customers, err = a.pullCustomers(ctx, in, changes.Objects["Customer"]); err != nil {
		return res, err
	}
	if res.Services, err = a.pullServices(ctx, in, changes.Objects["Item"]); err != nil {
		return res, err
	}
	if res.Invoices, err = a.pullInvoices(ctx, in, changes.Objects["Invoice"]); err != nil {
		return res, err
	}
	if err := a.Store.SetCDCWatermark(ctx, in.AccountID, in.RealmID, res.Watermark); err != nil {
		return res, err
	}
	res.Message = fmt.Sprintf("Brought in QuickBooks' changes: %d customers, %d services, %d invoices.", res.Customers, res.Services, res.Invoices)
	return res, nil
}

// MarkPulled records that a full import brought everything up to the watermark.
func (a *Activities) MarkPulled(ctx context.Context, in workflows.MarkPulledInput) error {
	return a.Store.SetCDCWatermark(ctx, in.AccountID, in.RealmID, in.Watermark)
}

// changedAfter reports whether any of the objects changed after t (the last pull's
// start): the overlap brings back what that pull already saw, which must not cost a
// list's re-read every time.
func changedAfter(raw []json.RawMessage, t time.Time) bool {
	for _, r := range raw {
		var h qbo.Header
		if json.Unmarshal(r, &h) != nil || h.MetaData == nil {
			return true
		}
		at, err := time.Parse(time.RFC3339, h.MetaData.LastUpdatedTime)
		if err != nil || at.After(t) {
			return true
		}
	}
	return false
}

func decodeChanged[T any](raw []json.RawMessage) ([]T, error) {
	out := make([]T, 0, len(raw))
	for _, r := range raw {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			return nil, fmt.Errorf("activities: decode a changed object: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

func (a *Activities) pullCustomers(ctx context.Context, in workflows.ConnectionRef, raw []json.RawMessage) (int, error) {
	customers, err := decodeChanged[qbo.Customer](raw)
	if err != nil || len(customers) == 0 {
		return 0, err
	}
	page := make([]store.ImportedCustomer, 0, len(customers))
	for _, qc := range customers {
		if qc.Deleted() {
			continue // names-list objects are made inactive, not deleted; a merge is
		}
		page = append(page, store.ImportedCustomer{QBOID: qc.ID, SyncToken: qc.SyncToken, CustomerInput: customerInput(qc)})
	}
	_, err = a.Store.ImportCustomers(ctx, in.AccountID, in.RealmID, page)
	return len(page), err
}

func (a *Activities) pullServices(ctx context.Context, in workflows.ConnectionRef, raw []json.RawMessage) (int, error) {
	items, err := decodeChanged[qbo.Item](raw)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	page := make([]store.ImportedService, 0, len(items))
	for _, it := range items {
		if it.Deleted() || it.Type != qbo.ItemTypeService {
			continue
		}
		page = append(page, store.ImportedService{QBOID: it.ID, SyncToken: it.SyncToken, ServiceInput: serviceInput(it)})
	}
	_, err = a.Store.ImportServices(ctx, in.AccountID, in.RealmID, page)
	return len(page), err
}

// pullInvoices stores QBO's figures of the synced invoices that changed there
// (payments applied, tax recomputed); one deleted in QBO is unlinked.
func (a *Activities) pullInvoices(ctx context.Context, in workflows.ConnectionRef, raw []json.RawMessage) (int, error) {
	invoices, err := decodeChanged[qbo.Invoice](raw)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, inv := range invoices {
		id, linked, err := a.Store.ObjectIDByQBOID(ctx, in.AccountID, in.RealmID, store.ObjectInvoice, inv.ID)
		if err != nil {
			return n, err
		}
		if !linked {
			continue // someone else's invoice
		}
		if inv.Deleted() {
			if err := a.Store.MarkDeletedInQBO(ctx, in.AccountID, in.RealmID, store.ObjectInvoice, id); err != nil {
				return n, err
			}
			n++
			continue
		}
		if err := a.Store.RecordQBOInvoiceTotals(ctx, in.AccountID, id, qboTotalsOf(inv)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// qboTotalsOf is what Hoursync keeps of QBO's figures of an invoice (after a sync and
// from a CDC pull): totals, balance, tax, currency, and how QBO last e-mailed it.
func qboTotalsOf(inv qbo.Invoice) store.QBOInvoiceTotals {
	t := store.QBOInvoiceTotals{TotalCents: inv.TotalCents(), EmailStatus: inv.EmailStatus}
	t.BalanceCents = t.TotalCents // QBO leaves Balance out of an invoice nothing was paid on
	if inv.Balance != nil {
		t.BalanceCents = inv.Balance.Cents()
	}
	if d := inv.TxnTaxDetail; d != nil {
		if d.TotalTax != nil {
			t.TaxCents = d.TotalTax.Cents()
		}
		if len(d.TaxLine) > 0 {
			t.TaxLines, _ = json.Marshal(d.TaxLine)
		}
	}
	if inv.HomeTotalAmt != nil {
		home := inv.HomeTotalAmt.Cents()
		t.HomeTotalCents = &home
	}
	if inv.ExchangeRate != nil {
		t.ExchangeRate = inv.ExchangeRate.String()
	}
	if inv.BillEmail != nil {
		t.BillEmail = inv.BillEmail.Address
	}
	if inv.DeliveryInfo != nil {
		t.DeliveryType, t.DeliveryTime = inv.DeliveryInfo.DeliveryType, inv.DeliveryInfo.DeliveryTime
	}
	return t
}

// Connection answers the account's connection without asking QBO anything (no
// metered read): the company, and its plan as last read.
func (a *Activities) Connection(ctx context.Context, in workflows.AccountInput) (workflows.ConnectionInfo, error) {
	_, info, err := a.company(ctx, in.AccountID)
	return info, err
}
