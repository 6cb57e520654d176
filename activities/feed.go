package activities

import (
	"context"

	"hoursync/workflows"
)

// Syncs hands objects to their own sync workflows and manages schedules; the
// implementation is syncs.Starter.
type Syncs interface {
	FeedTimeCards(ctx context.Context, accountID int64, cardIDs []int64) (string, error)
	FeedInvoice(ctx context.Context, accountID, invoiceID int64) (string, error)
	PauseSchedules(ctx context.Context, accountID int64) error
}

// FeedSyncs hands changed time cards and invoices to their own sync workflows.
func (a *Activities) FeedSyncs(ctx context.Context, in workflows.FeedInput) (workflows.FeedResult, error) {
	var res workflows.FeedResult
	if len(in.TimeCards) > 0 {
		id, err := a.Syncs.FeedTimeCards(ctx, in.AccountID, in.TimeCards)
		if err != nil {
			return res, err
		}
		res.WorkflowIDs = append(res.WorkflowIDs, id)
	}
	for _, inv := range in.Invoices {
		id, err := a.Syncs.FeedInvoice(ctx, in.AccountID, inv)
		if err != nil {
			return res, err
		}
		res.WorkflowIDs = append(res.WorkflowIDs, id)
	}
	return res, nil
}

// PauseSchedules pauses the account's re-sync and keep-alive schedules.
func (a *Activities) PauseSchedules(ctx context.Context, in workflows.AccountInput) error {
	return a.Syncs.PauseSchedules(ctx, in.AccountID)
}
