package activities

import (
	"context"

	"hoursync/workflows"
)

// RecordScheduledRun stores how a scheduled job of the account ended (Settings shows
// it; hoursync_scheduled_runs_total counts it).
func (a *Activities) RecordScheduledRun(ctx context.Context, in workflows.ScheduledRunInput) error {
	return a.Store.RecordScheduledRun(ctx, in.AccountID, in.Kind, in.OK, in.Message)
}
