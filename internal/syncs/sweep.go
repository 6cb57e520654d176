package syncs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"hoursync/internal/store"
)

// Stranded is what the sweep needs of the store (store.Store).
type Stranded interface {
	ListSyncing(ctx context.Context, before time.Time) ([]store.Syncing, error)
	ReleaseSyncing(ctx context.Context, accountID int64, objectType string, ids []int64, workflowID string, before time.Time, message string) ([]int64, error)
	ClaimDueTimeCardDeletes(ctx context.Context, accountID int64) ([]store.DueDeletes, error)
}

// MsgStranded is the history entry of an object the sweep returned from "syncing".
const MsgStranded = "Its sync was lost (the sync service was unavailable, or the sync ended without it). It is back as it was; sync it again."

// Sweeper returns objects left "syncing" by a sync that is not running any more (one
// that was never started because Temporal was down, or one that ended without them)
// to what they are, so they are never trapped: edits and deletes work again and the
// person sees they have to sync again.
type Sweeper struct {
	Starter *Starter
	Store   Stranded
	Logger  *slog.Logger
	// Grace is how long an object may show "syncing" before the sweep looks at its
	// workflow (a start in flight is left alone). Default 2 minutes.
	Grace time.Duration
	// Every is the interval between sweeps. Default 1 minute.
	Every time.Duration
}

// Run sweeps at once and then every interval until ctx ends.
func (w *Sweeper) Run(ctx context.Context) {
	every := w.Every
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := w.Sweep(ctx); err != nil && ctx.Err() == nil {
			w.logger().Warn("sweep of stranded syncs", "err", err)
		} else if n > 0 {
			w.logger().Info("stranded objects returned from syncing", "objects", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *Sweeper) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// Sweep returns the stranded objects it finds and says how many. While Temporal
// cannot be reached it leaves everything as it is: it cannot tell a stranded object
// from one a paused sync will still take on. It also hands over deletes of time whose
// undo window ended without the server that took them doing so (it stopped).
func (w *Sweeper) Sweep(ctx context.Context) (int, error) {
	released, err := w.sweepStranded(ctx)
	if Unavailable(err) {
		// Due deletes wait for a sweep that can hand them over.
		return released, err
	}
	return released, errors.Join(err, w.SendDueDeletes(ctx))
}

// SendDueDeletes hands every deletion of time whose undo window is over, and that no
// server handed over yet, to its account's time-card sync. One that cannot be started
// stays a pending delete, which "Re-sync changed and failed" and the scheduled re-sync
// send.
func (w *Sweeper) SendDueDeletes(ctx context.Context) error {
	due, err := w.Store.ClaimDueTimeCardDeletes(ctx, 0)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range due {
		if !d.Connected {
			continue
		}
		if _, err := w.Starter.SyncTimeCards(ctx, d.AccountID, d.CardIDs); err != nil {
			errs = append(errs, fmt.Errorf("syncs: sweep: send %d deletes of account %d: %w", len(d.CardIDs), d.AccountID, err))
		}
	}
	return errors.Join(errs...)
}

func (w *Sweeper) sweepStranded(ctx context.Context) (int, error) {
	grace := w.Grace
	if grace <= 0 {
		grace = 2 * time.Minute
	}
	cutoff := time.Now().Add(-grace)
	groups, err := w.Store.ListSyncing(ctx, cutoff)
	if err != nil {
		return 0, err
	}
	released := 0
	var errs []error
	for _, g := range groups {
		before, stranded, err := w.strandedBefore(ctx, g.WorkflowID, cutoff)
		if err != nil {
			errs = append(errs, err)
			if Unavailable(err) {
				break
			}
			continue
		}
		if !stranded {
			continue
		}
		for _, objectType := range []string{store.ObjectTimeCard, store.ObjectInvoice} {
			ids, err := w.Store.ReleaseSyncing(ctx, g.AccountID, objectType, nil, g.WorkflowID, before, MsgStranded)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			released += len(ids)
		}
	}
	return released, errors.Join(errs...)
}

// strandedBefore says whether objects marked by the workflow are stranded, and marked
// before when: none while it runs; those marked before it closed once it ended; all
// of them when it never existed.
func (w *Sweeper) strandedBefore(ctx context.Context, workflowID string, cutoff time.Time) (time.Time, bool, error) {
	if workflowID == "" {
		return cutoff, true, nil
	}
	desc, err := w.Starter.client.DescribeWorkflowExecution(ctx, workflowID, "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return cutoff, true, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("syncs: sweep: describe %s: %w", workflowID, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return time.Time{}, false, nil
	}
	closed := info.GetCloseTime().AsTime()
	if closed.After(cutoff) {
		closed = cutoff
	}
	return closed, true, nil
}
