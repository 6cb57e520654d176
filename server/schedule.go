package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/workflows"
)

// The account's scheduled jobs as Settings explains them: what the re-sync does and
// when it runs next, how each job last ended, and when Intuit ends the connection.

// scheduleJSON is the account's re-sync schedule and its jobs' last runs.
type scheduleJSON struct {
	Interval string `json:"interval"`
	// NextRunAt is when the re-sync runs next, as the interval and its last run say
	// (nil when it is off or the account is not connected).
	NextRunAt *time.Time           `json:"next_run_at"`
	Runs      []store.ScheduledRun `json:"runs"`
	// HardExpiresAt is when Intuit ends the connection whatever, when that is within
	// 30 days (nil otherwise): reconnecting before then keeps it.
	HardExpiresAt *time.Time `json:"hard_expires_at"`
}

// resyncEvery is how often each re-sync interval runs.
var resyncEvery = map[string]time.Duration{"hourly": time.Hour, "daily": 24 * time.Hour}

// Schedule is the account's re-sync schedule, when it runs next, the last run of
// each scheduled job, and a hard end of the connection that is near.
func (a *app) Schedule(ctx context.Context, by actor) (scheduleJSON, error) {
	acct, err := a.store.GetAccount(ctx, by.AccountID)
	if err != nil {
		return scheduleJSON{}, err
	}
	out := scheduleJSON{Interval: acct.ResyncInterval}
	if out.Runs, err = a.store.ListScheduledRuns(ctx, by.AccountID); err != nil {
		return scheduleJSON{}, err
	}
	conn, err := a.store.GetConnection(ctx, by.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return scheduleJSON{}, err
	}
	now := a.now()
	if conn.RefreshHardExpiresAt.Valid && conn.RefreshHardExpiresAt.Time.Before(now.AddDate(0, 0, 30)) {
		out.HardExpiresAt = &conn.RefreshHardExpiresAt.Time
	}
	every, on := resyncEvery[acct.ResyncInterval]
	if !on || conn.Status == store.ConnectionDisconnected {
		return out, nil
	}
	// The schedule runs every interval from when it was set up; the last run is the
	// best clock of it Hoursync keeps.
	last := conn.ConnectedAt
	for _, r := range out.Runs {
		if r.Kind == workflows.KindScheduledResync && r.RanAt.After(last) {
			last = r.RanAt
		}
	}
	next := last.Add(every)
	for next.Before(now) {
		next = next.Add(every)
	}
	out.NextRunAt = &next
	return out, nil
}

// ResyncNow starts the re-sync the schedule runs, now: it imports the lists, pushes
// edits of customers and services, and syncs time and invoices that changed.
func (a *app) ResyncNow(ctx context.Context, by actor) (syncs.Started, error) {
	if err := requireAdmin(by); err != nil {
		return syncs.Started{}, err
	}
	if err := a.requireConnected(ctx, by.AccountID); err != nil {
		return syncs.Started{}, err
	}
	if a.syncer == nil {
		return syncs.Started{}, errNoSyncer
	}
	return a.syncer.Resync(ctx, by.AccountID, workflows.ScopeChanged)
}

// scheduleWords says what the re-sync interval does, for Settings.
func scheduleWords(interval string) string {
	every := map[string]string{"hourly": "Every hour", "daily": "Every day"}[interval]
	if every == "" {
		return "Off: nothing syncs on a schedule. Use “Sync now”, or the buttons on each page."
	}
	return fmt.Sprintf("%s Hoursync imports customers, services and income accounts changed in QuickBooks, sends your edits of customers and services, and syncs time and invoices that changed or failed.", every)
}
