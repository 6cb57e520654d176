package syncs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"hoursync/workflows"
)

// Re-sync intervals an account chooses from.
const (
	ResyncOff    = "off"
	ResyncHourly = "hourly"
	ResyncDaily  = "daily"
)

// Intervals are the periods of the schedules; tests shrink them.
type Intervals struct {
	Hourly    time.Duration
	Daily     time.Duration
	KeepAlive time.Duration
}

// DefaultIntervals are the production periods. Tokens are refreshed daily: well inside
// the refresh token's ~100-day idle expiry, and often enough to survive outages.
var DefaultIntervals = Intervals{Hourly: time.Hour, Daily: 24 * time.Hour, KeepAlive: 24 * time.Hour}

// WithIntervals makes the starter's schedules use these periods.
func (s *Starter) WithIntervals(iv Intervals) *Starter {
	s.intervals = iv
	return s
}

func (s *Starter) every(interval string) time.Duration {
	iv := s.intervals
	if iv == (Intervals{}) {
		iv = DefaultIntervals
	}
	switch interval {
	case ResyncHourly:
		return iv.Hourly
	case "keepalive":
		return iv.KeepAlive
	}
	return iv.Daily
}

func (s *Starter) scheduleAction(id string, accountID int64, kind string, wf any, arg any) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:        id,
		Workflow:  wf,
		Args:      []any{arg},
		TaskQueue: s.taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrAccount.ValueSet(strconv.FormatInt(accountID, 10)),
			workflows.AttrKind.ValueSet(kind)),
		WorkflowRunTimeout: time.Hour,
	}
}

// EnsureSchedules creates or updates the account's two schedules: the re-sync at the
// chosen interval (paused when "off") and the token keep-alive, always on. Calling it
// again is safe: an existing schedule is updated, not duplicated.
func (s *Starter) EnsureSchedules(ctx context.Context, accountID int64, interval string) error {
	sc := s.client.ScheduleClient()
	resyncID := workflows.ScheduleID(accountID)
	resync := client.ScheduleOptions{
		ID:      resyncID,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: s.every(interval)}}},
		Action:  s.scheduleAction(resyncID, accountID, workflows.KindScheduledResync, workflows.Resync, workflows.ResyncInput{AccountID: accountID, Scope: workflows.ScopeChanged}),
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Paused:  interval == ResyncOff,
		Note:    fmt.Sprintf("Scheduled re-sync of account %d (%s)", accountID, interval),
	}
	if err := s.upsertSchedule(ctx, sc, resync); err != nil {
		return err
	}
	keepID := workflows.KeepAliveScheduleID(accountID)
	keep := client.ScheduleOptions{
		ID:      keepID,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: s.every("keepalive")}}},
		Action:  s.scheduleAction(keepID, accountID, workflows.KindKeepAlive, workflows.TokenKeepAlive, workflows.AccountInput{AccountID: accountID}),
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Note:    fmt.Sprintf("Keeps the QuickBooks tokens of account %d fresh", accountID),
	}
	return s.upsertSchedule(ctx, sc, keep)
}

func (s *Starter) upsertSchedule(ctx context.Context, sc client.ScheduleClient, opts client.ScheduleOptions) error {
	_, err := sc.Create(ctx, opts)
	if err == nil {
		return nil
	}
	var exists *serviceerror.AlreadyExists
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) && !errors.As(err, &exists) {
		return fmt.Errorf("syncs: create schedule %s: %w", opts.ID, err)
	}
	h := sc.GetHandle(ctx, opts.ID)
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		sched := in.Description.Schedule
		sched.Spec = &opts.Spec
		sched.Action = opts.Action
		sched.Policy.Overlap = opts.Overlap
		if sched.State == nil {
			sched.State = &client.ScheduleState{}
		}
		sched.State.Paused = opts.Paused
		sched.State.Note = opts.Note
		return &client.ScheduleUpdate{Schedule: &sched}, nil
	}})
	if err != nil {
		return fmt.Errorf("syncs: update schedule %s: %w", opts.ID, err)
	}
	return nil
}

// PauseSchedules pauses both schedules of the account (on disconnect).
func (s *Starter) PauseSchedules(ctx context.Context, accountID int64) error {
	return s.eachSchedule(ctx, accountID, func(h client.ScheduleHandle) error {
		return h.Pause(ctx, client.SchedulePauseOptions{Note: "QuickBooks disconnected"})
	})
}

// DeleteSchedules removes both schedules (when the account is deleted).
func (s *Starter) DeleteSchedules(ctx context.Context, accountID int64) error {
	return s.eachSchedule(ctx, accountID, func(h client.ScheduleHandle) error { return h.Delete(ctx) })
}

// RemoveAccount is Temporal's part of deleting an account: both schedules are deleted
// and every workflow of the account still running (found by its HoursyncAccount search
// attribute) is terminated with the reason "account deleted", so none of them goes on
// to fail against rows that are gone. Visibility lags a little behind, so a sync
// started in the last moment may be missed; it then fails on its first database step.
func (s *Starter) RemoveAccount(ctx context.Context, accountID int64) error {
	if err := s.DeleteSchedules(ctx, accountID); err != nil {
		return err
	}
	query := fmt.Sprintf("HoursyncAccount = '%d' AND ExecutionStatus = 'Running'", accountID)
	var page []byte
	for {
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: page})
		if err != nil {
			return fmt.Errorf("syncs: list the account's workflows: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			err := s.client.TerminateWorkflow(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), "account deleted")
			var nf *serviceerror.NotFound
			if err != nil && !errors.As(err, &nf) { // NotFound: it finished meanwhile
				return fmt.Errorf("syncs: terminate %s: %w", e.GetExecution().GetWorkflowId(), err)
			}
		}
		if page = resp.GetNextPageToken(); len(page) == 0 {
			return nil
		}
	}
}

func (s *Starter) eachSchedule(ctx context.Context, accountID int64, fn func(client.ScheduleHandle) error) error {
	sc := s.client.ScheduleClient()
	for _, id := range []string{workflows.ScheduleID(accountID), workflows.KeepAliveScheduleID(accountID)} {
		if err := fn(sc.GetHandle(ctx, id)); err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				continue
			}
			return fmt.Errorf("syncs: schedule %s: %w", id, err)
		}
	}
	return nil
}

// Resync starts a re-sync of a scope ("customers": re-import lists and push local
// edits of customers and services).
func (s *Starter) Resync(ctx context.Context, accountID int64, scope string) (Started, error) {
	id := workflows.ResyncID(accountID, scope)
	opts := s.options(id, accountID, "", workflows.KindResync, fmt.Sprintf("Re-sync of %s for account %d.", scope, accountID))
	run, err := s.client.ExecuteWorkflow(ctx, opts, workflows.Resync, workflows.ResyncInput{AccountID: accountID, Scope: scope})
	if err != nil {
		return Started{}, fmt.Errorf("syncs: start re-sync: %w", err)
	}
	return Started{WorkflowID: id, RunID: run.GetRunID()}, nil
}

// Disconnect starts the disconnect workflow (revoke, delete tokens, pause schedules)
// and waits for it, so the settings page shows the result.
func (s *Starter) Disconnect(ctx context.Context, accountID int64) error {
	id := workflows.DisconnectID(accountID)
	opts := s.options(id, accountID, "", workflows.KindDisconnect, fmt.Sprintf("Disconnect account %d from QuickBooks.", accountID))
	run, err := s.client.ExecuteWorkflow(ctx, opts, workflows.Disconnect, workflows.AccountInput{AccountID: accountID})
	if err != nil {
		return fmt.Errorf("syncs: start disconnect: %w", err)
	}
	if err := run.Get(ctx, nil); err != nil {
		return fmt.Errorf("syncs: disconnect: %w", err)
	}
	return nil
}
