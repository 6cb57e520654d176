// Package syncs is the client side of Hoursync's workflows: the server calls it to
// start, feed and watch syncs, and to manage each account's Temporal Schedules. Every
// start sets the search attributes (account, realm, kind) and a memo an operator reads
// in the Temporal UI.
package syncs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"hoursync/workflows"
)

// Marker records, before a workflow picks them up, that objects are queued for a sync,
// so the person sees "syncing" the moment they click.
// If the start then fails, Unqueue returns them to what they were.
type Marker interface {
	MarkQueued(ctx context.Context, accountID int64, objectType string, ids []int64, workflowID string) error
	Unqueue(ctx context.Context, accountID int64, objectType string, ids []int64, message string) error
}

// Starter starts and signals sync workflows.
type Starter struct {
	client    client.Client
	taskQueue string
	marker    Marker
	intervals Intervals
	// startTimeout bounds a start (StartTimeout unless WithStartTimeout).
	startTimeout time.Duration
}

// WithStartTimeout bounds starts by d instead of StartTimeout (tests).
func (s *Starter) WithStartTimeout(d time.Duration) *Starter {
	s.startTimeout = d
	return s
}

func (s *Starter) startDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	d := s.startTimeout
	if d <= 0 {
		d = StartTimeout
	}
	return context.WithTimeout(ctx, d)
}

// New returns a Starter on the task queue; marker may be nil.
func New(c client.Client, taskQueue string, marker Marker) *Starter {
	return &Starter{client: c, taskQueue: taskQueue, marker: marker}
}

// Started identifies a workflow run a sync action started or joined.
type Started struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	// SelectionID names a time-card selection inside its workflow, whose own progress
	// Progress answers.
	SelectionID string `json:"selection_id,omitempty"`
}

func (s *Starter) options(id string, accountID int64, realmID, kind, memo string) client.StartWorkflowOptions {
	attrs := []temporal.SearchAttributeUpdate{
		workflows.AttrAccount.ValueSet(strconv.FormatInt(accountID, 10)),
		workflows.AttrKind.ValueSet(kind),
	}
	if realmID != "" {
		attrs = append(attrs, workflows.AttrRealm.ValueSet(realmID))
	}
	return client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                s.taskQueue,
		TypedSearchAttributes:    temporal.NewSearchAttributes(attrs...),
		Memo:                     map[string]any{"description": memo},
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}
}

// SyncTimeCards feeds cards into the account's one time-card sync, starting it if it is
// not running (signal-with-start), so overlapping selections never sync a card twice.
func (s *Starter) SyncTimeCards(ctx context.Context, accountID int64, cardIDs []int64) (Started, error) {
	if len(cardIDs) == 0 {
		return Started{}, errors.New("syncs: no time cards selected")
	}
	id := workflows.TimeCardSyncID(accountID)
	if s.marker != nil {
		if err := s.marker.MarkQueued(ctx, accountID, "time_card", cardIDs, id); err != nil {
			return Started{}, fmt.Errorf("syncs: mark time cards queued: %w", err)
		}
	}
	opts := s.options(id, accountID, "", workflows.KindTimeCards,
		fmt.Sprintf("Time-card sync of account %d: every selection of the account's time cards goes through this workflow.", accountID))
	selection := newSelectionID()
	sctx, cancel := s.startDeadline(ctx)
	defer cancel()
	run, err := s.client.SignalWithStartWorkflow(sctx, id, workflows.SignalSyncTimeCards,
		workflows.SyncTimeCardsRequest{CardIDs: cardIDs, SelectionID: selection}, opts, workflows.TimeCardSync, workflows.TimeCardSyncInput{AccountID: accountID})
	if err != nil {
		return Started{}, s.notStarted(ctx, accountID, "time_card", cardIDs, "time-card sync", err)
	}
	return Started{WorkflowID: id, RunID: run.GetRunID(), SelectionID: selection}, nil
}

// PullChanges asks the account's pull of QBO's changes to run (a webhook said the
// company changed): it starts one, or signals the one running so it pulls again.
func (s *Starter) PullChanges(ctx context.Context, accountID int64) (Started, error) {
	id := workflows.PullChangesID(accountID)
	opts := s.options(id, accountID, "", workflows.KindPullChanges,
		fmt.Sprintf("Pull of QuickBooks' changes (CDC) into account %d, started by a webhook.", accountID))
	sctx, cancel := s.startDeadline(ctx)
	defer cancel()
	run, err := s.client.SignalWithStartWorkflow(sctx, id, workflows.SignalQBOChanged, nil, opts, workflows.PullChanges,
		workflows.AccountInput{AccountID: accountID})
	if err != nil {
		if Unavailable(err) {
			return Started{}, fmt.Errorf("%w: pull changes: %v", ErrUnavailable, err)
		}
		return Started{}, fmt.Errorf("syncs: pull changes: %w", err)
	}
	return Started{WorkflowID: id, RunID: run.GetRunID()}, nil
}

// SyncInvoice starts an invoice's sync; a second click while it runs joins that run.
func (s *Starter) SyncInvoice(ctx context.Context, accountID, invoiceID int64) (Started, error) {
	id := workflows.InvoiceSyncID(accountID, invoiceID)
	if s.marker != nil {
		if err := s.marker.MarkQueued(ctx, accountID, "invoice", []int64{invoiceID}, id); err != nil {
			return Started{}, fmt.Errorf("syncs: mark invoice queued: %w", err)
		}
	}
	opts := s.options(id, accountID, "", workflows.KindInvoice, fmt.Sprintf("Sync of invoice %d of account %d.", invoiceID, accountID))
	sctx, cancel := s.startDeadline(ctx)
	defer cancel()
	run, err := s.client.ExecuteWorkflow(sctx, opts, workflows.InvoiceSync, workflows.InvoiceSyncInput{AccountID: accountID, InvoiceID: invoiceID})
	if err != nil {
		return Started{}, s.notStarted(ctx, accountID, "invoice", []int64{invoiceID}, "invoice sync", err)
	}
	return Started{WorkflowID: id, RunID: run.GetRunID()}, nil
}

// StartTimeout bounds how long starting a sync may take: when Temporal is down the
// person hears so in seconds, and their objects are never left marked as syncing.
const StartTimeout = 10 * time.Second

// MsgNotStarted is the history entry of objects whose sync could not be started.
const MsgNotStarted = "The sync could not be started: the sync service is unavailable. Nothing changed; sync again in a minute."

// ErrUnavailable means Temporal (the sync service) cannot be reached right now.
var ErrUnavailable = errors.New("syncs: the sync service is unavailable")

// notStarted returns queued objects to what they were after a failed start. It runs
// even when the request that asked gave up (its context is not the rollback's), and
// its own failure is reported with the start's, never dropped.
func (s *Starter) notStarted(ctx context.Context, accountID int64, objectType string, ids []int64, what string, startErr error) error {
	err := fmt.Errorf("syncs: start %s: %w", what, startErr)
	if Unavailable(startErr) || errors.Is(ctx.Err(), context.Canceled) {
		err = fmt.Errorf("%w: start %s: %v", ErrUnavailable, what, startErr)
	}
	if s.marker == nil {
		return err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), StartTimeout)
	defer cancel()
	if uerr := s.marker.Unqueue(rctx, accountID, objectType, ids, MsgNotStarted); uerr != nil {
		return errors.Join(err, fmt.Errorf("syncs: return %d %s objects from syncing (the sweep will): %w", len(ids), objectType, uerr))
	}
	return err
}

// Unavailable reports whether err means Temporal could not be reached or did not
// answer in time.
func Unavailable(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	return errors.As(err, &unavailable) || errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded)
}

// StartImport imports the company's customers, services and income accounts and links
// the connecting user (zero for none).
func (s *Starter) StartImport(ctx context.Context, accountID int64, realmID string, connectingUserID int64, reason string) (Started, error) {
	id := workflows.ImportID(accountID)
	opts := s.options(id, accountID, realmID, workflows.KindImport,
		fmt.Sprintf("Import of QuickBooks customers, services and income accounts into account %d (%s).", accountID, reason))
	run, err := s.client.ExecuteWorkflow(ctx, opts, workflows.Import,
		workflows.ImportInput{AccountID: accountID, RealmID: realmID, ConnectingUserID: connectingUserID, Reason: reason})
	if err != nil {
		return Started{}, fmt.Errorf("syncs: start import: %w", err)
	}
	return Started{WorkflowID: id, RunID: run.GetRunID()}, nil
}

// Status is a workflow's state as the UI shows it while polling.
type Status struct {
	WorkflowID string             `json:"workflow_id"`
	Running    bool               `json:"running"`
	Status     string             `json:"status"`
	Progress   workflows.Progress `json:"progress"`
}

// ErrUnknownWorkflow means no workflow has that id.
var ErrUnknownWorkflow = errors.New("syncs: unknown workflow")

// newSelectionID names a selection: unique, short, and readable in the Temporal UI.
func newSelectionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "sel-" + hex.EncodeToString(b[:])
}

// Progress answers a running (or finished) sync's progress: of the selection named,
// or ("") of the whole run.
func (s *Starter) Progress(ctx context.Context, workflowID, selectionID string) (Status, error) {
	desc, err := s.client.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return Status{}, ErrUnknownWorkflow
		}
		if Unavailable(err) {
			return Status{}, fmt.Errorf("%w: describe %s: %v", ErrUnavailable, workflowID, err)
		}
		return Status{}, fmt.Errorf("syncs: describe %s: %w", workflowID, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	st := Status{WorkflowID: workflowID, Status: info.GetStatus().String(),
		Running: info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}
	query, args := workflows.QueryProgress, []any(nil)
	if selectionID != "" {
		query, args = workflows.QuerySelectionProgress, []any{selectionID}
	}
	v, err := s.client.QueryWorkflow(ctx, workflowID, "", query, args...)
	if err == nil {
		_ = v.Get(&st.Progress)
	}
	return st, nil
}

// FeedTimeCards hands cards to the account's time-card sync (for the scheduled
// re-sync) and returns its workflow id.
func (s *Starter) FeedTimeCards(ctx context.Context, accountID int64, cardIDs []int64) (string, error) {
	st, err := s.SyncTimeCards(ctx, accountID, cardIDs)
	return st.WorkflowID, err
}

// FeedInvoice starts (or joins) an invoice's sync and returns its workflow id.
func (s *Starter) FeedInvoice(ctx context.Context, accountID, invoiceID int64) (string, error) {
	st, err := s.SyncInvoice(ctx, accountID, invoiceID)
	return st.WorkflowID, err
}
