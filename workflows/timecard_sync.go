package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"
)

// SignalSyncTimeCards feeds a selection of cards into an account's TimeCardSync.
const SignalSyncTimeCards = "sync-time-cards"

// SyncTimeCardsRequest is a selection of cards to sync.
type SyncTimeCardsRequest struct {
	CardIDs []int64 `json:"card_ids"`
	// SelectionID names the selection, so its own progress can be asked for; the
	// starter makes it unique.
	SelectionID string `json:"selection_id,omitempty"`
}

// TimeCardSyncInput starts (or continues) an account's time-card sync.
type TimeCardSyncInput struct {
	AccountID int64 `json:"account_id"`
	// Pending carries cards not yet synced across continue-as-new.
	Pending  []int64  `json:"pending,omitempty"`
	Progress Progress `json:"progress"`
	// Selections carries each selection's progress, with the cards it still waits for.
	Selections []Selection `json:"selections,omitempty"`
	// Connection carries the connection and plan checked by an earlier run of the sync,
	// so a long sync checks them once, not after every continue-as-new.
	Connection *ConnectionInfo `json:"connection,omitempty"`
	// Ensured carries the employees, customers and services the sync made sure of in
	// QBO, so none is ensured twice.
	Ensured *EnsuredObjects `json:"ensured,omitempty"`
}

// EnsuredObjects lists the users (as QBO Employees), customers and services a sync
// made sure exist in QBO as they are here.
type EnsuredObjects struct {
	Employees []int64 `json:"employees,omitempty"`
	Customers []int64 `json:"customers,omitempty"`
	Services  []int64 `json:"services,omitempty"`
}

// Selection is one selection's progress, with the cards it still waits for.
type Selection struct {
	Progress Progress `json:"progress"`
	Waiting  []int64  `json:"waiting,omitempty"`
}

// TimeCardSyncResult is what a run did, for operators: a run that failed cards does
// not look like a clean success.
type TimeCardSyncResult struct {
	Synced  int    `json:"synced"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
	Message string `json:"message"`
}

// Tunables of the time-card sync.
const (
	// BatchSize is QBO's recommended maximum of operations in one batch request.
	BatchSize = 30
	// idleWait is how long the workflow waits for more selections before it ends.
	idleWait = 30 * time.Second
	// cardsPerRun bounds the history of one run; then it continues as new.
	cardsPerRun = 600
	// keptSelections is how many finished selections still answer their progress.
	keptSelections = 50
)

// Card results, as counted in progress.
const (
	resultSynced = iota
	resultFailed
	resultSkipped
)

// TimeCardSync syncs an account's time cards to QBO TimeActivities. There is one per
// account (id timecard-sync/<account>), fed by signal-with-start, so overlapping
// selections queue behind each other and no card is ever synced twice at once.
//
// Per batch of at most 30 cards: the plan is checked before anything is written (once
// per sync); the Employee, Customer and Service each card needs are ensured (found by
// name and linked, or created) unless they are in QBO already, each once per sync;
// then the batch's writes are fixed and pushed through QBO's batch endpoint with a
// requestid derived from its members (a group of at most SinglesMax cards: each write
// on its own, with its own), so a retry after a lost response is answered by QBO's
// replay instead of creating duplicates. Several batches are in flight at once
// (runLanes), paced by the realm's limits in the activities; a card is never in two at
// once. One failing card never blocks the others. Cards already up to date are not
// written; the invoices of cards created in QBO are synced again, so they link the new
// time. Runs started before versionLanes go on one batch at a time (runOneByOne).
func TimeCardSync(ctx workflow.Context, in TimeCardSyncInput) (TimeCardSyncResult, error) {
	s := &timeCardSync{accountID: in.AccountID, progress: in.Progress, queued: map[int64]bool{},
		waiting: map[int64][]*Selection{}, inflight: map[int64][]*Selection{}, inflightRuns: map[int64]int{},
		bySelection: map[string]*Selection{}}
	if len(in.Selections) == 0 && len(in.Pending) > 0 {
		// Started with cards and no selections (a run from before selections): they are
		// one selection, counted in the run unless the run carried its count already.
		carried := s.progress.Total
		s.select_(SyncTimeCardsRequest{CardIDs: in.Pending})
		if carried > 0 {
			s.progress.Total = carried
		}
	}
	// Cards carried over were counted when they were selected.
	for _, id := range in.Pending {
		if !s.queued[id] {
			s.queued[id] = true
			s.queue = append(s.queue, id)
		}
	}
	for i := range in.Selections {
		sel := in.Selections[i]
		s.addSelection(&sel)
		for _, id := range sel.Waiting {
			s.waiting[id] = append(s.waiting[id], &sel)
		}
		sel.Waiting = nil
	}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) {
		p := s.progress
		p.Pending = len(s.queue)
		return p, nil
	}); err != nil {
		return TimeCardSyncResult{}, err
	}
	if err := workflow.SetQueryHandler(ctx, QuerySelectionProgress, func(id string) (Progress, error) {
		sel, ok := s.bySelection[id]
		if !ok {
			return Progress{}, fmt.Errorf("no selection %q in this sync", id)
		}
		return sel.Progress, nil
	}); err != nil {
		return TimeCardSyncResult{}, err
	}
	signals := workflow.GetSignalChannel(ctx, SignalSyncTimeCards)
	// 1: lanes, each group phase by phase; 2: a group's mark, load and prepare in one
	// local activity (PrepareBatch).
	if s.lanesVersion = workflow.GetVersion(ctx, versionLanes, workflow.DefaultVersion, 2); s.lanesVersion >= 1 {
		return s.runLanes(ctx, signals, in)
	}
	return s.runOneByOne(ctx, signals)
}

// drain takes on every selection that has arrived.
func (s *timeCardSync) drain(signals workflow.ReceiveChannel) {
	for {
		var req SyncTimeCardsRequest
		if !signals.ReceiveAsync(&req) {
			return
		}
		s.select_(req)
	}
}

// waitForMore waits a little for more selections, and reports whether one came (when
// none did, it takes on any that arrived meanwhile).
func (s *timeCardSync) waitForMore(ctx workflow.Context, signals workflow.ReceiveChannel) bool {
	got := false
	timerCtx, cancel := workflow.WithCancel(ctx)
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
		var req SyncTimeCardsRequest
		c.Receive(ctx, &req)
		s.select_(req)
		got = true
	})
	sel.AddFuture(workflow.NewTimer(timerCtx, idleWait), func(workflow.Future) {})
	sel.Select(ctx)
	cancel()
	if !got {
		s.drain(signals)
	}
	return got
}

// result ends the run: what it synced, failed and skipped.
func (s *timeCardSync) result() TimeCardSyncResult {
	s.progress.Current = ""
	s.progress.Message = s.summary()
	return TimeCardSyncResult{Synced: s.progress.Synced, Failed: s.progress.Failed,
		Skipped: s.progress.Skipped, Message: s.progress.Message}
}

// runOneByOne is the sync as runs started before versionLanes go on: one batch after
// the other, the plan checked in every run.
func (s *timeCardSync) runOneByOne(ctx workflow.Context, signals workflow.ReceiveChannel) (TimeCardSyncResult, error) {
	processed := 0
	for {
		s.drain(signals)
		if len(s.queue) == 0 {
			// Wait a little for more selections; end when none come.
			if !s.waitForMore(ctx, signals) && len(s.queue) == 0 {
				return s.result(), nil
			}
			continue
		}
		if processed >= cardsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			s.drain(signals)
			return TimeCardSyncResult{}, workflow.NewContinueAsNewError(ctx, TimeCardSync,
				TimeCardSyncInput{AccountID: s.accountID, Pending: s.queue, Progress: s.progress, Selections: s.carry()})
		}
		batch := s.take(BatchSize)
		s.syncBatch(ctx, batch)
		processed += len(batch)
		// Cards the batch did not report on (an activity failed before it could) are
		// failures: no selection waits forever.
		for _, id := range batch {
			s.finish(id, resultFailed)
		}
		_ = workflow.UpsertTypedSearchAttributes(ctx, AttrFailed.ValueSet(int64(s.progress.Failed)))
		if len(s.queue) == 0 {
			// Between batches the query answers what is done, not the last batch.
			s.progress.Current = ""
			s.progress.Message = s.summary()
		}
	}
}

type timeCardSync struct {
	accountID int64
	queue     []int64
	queued    map[int64]bool
	progress  Progress
	conn      *ConnectionInfo
	// selections in the order they came; bySelection finds one by id. waiting maps a
	// queued card to the selections waiting for it, inflight a card being synced.
	selections  []*Selection
	bySelection map[string]*Selection
	waiting     map[int64][]*Selection
	inflight    map[int64][]*Selection
	// inflightRuns counts the syncs of a card under way (two when it was taken again).
	inflightRuns map[int64]int

	// Of the lanes (runLanes): the connection check under way; whether the connection
	// was carried from an earlier run (its realm not yet set as a search attribute in
	// this one); the dependencies ensured (in order) and being ensured; the failures
	// last shown in SyncFailed; how many cards the running groups hold.
	plan         workflow.Future
	carriedConn  bool
	ensured      map[dependency]bool
	ensuredOrder []dependency
	ensuring     map[dependency]workflow.Future
	lastFailed   int
	syncing      int
	lanesVersion workflow.Version
}

func (s *timeCardSync) addSelection(sel *Selection) {
	s.selections = append(s.selections, sel)
	if sel.Progress.SelectionID != "" {
		s.bySelection[sel.Progress.SelectionID] = sel
	}
}

// select_ takes a selection on: each of its cards is queued (once) and counted in the
// selection and the run.
func (s *timeCardSync) select_(req SyncTimeCardsRequest) {
	sel := &Selection{Progress: Progress{SelectionID: req.SelectionID}}
	seen := map[int64]bool{}
	for _, id := range req.CardIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		sel.Progress.Total++
		s.waiting[id] = append(s.waiting[id], sel)
		if !s.queued[id] {
			// The run counts each sync of a card once, however many selections want it.
			s.queued[id] = true
			s.queue = append(s.queue, id)
			s.progress.Total++
		}
	}
	sel.Progress.Message = fmt.Sprintf("Waiting to sync %d time cards", sel.Progress.Total)
	if sel.Progress.Total == 0 {
		sel.Progress.Message = "Nothing to sync"
	}
	s.addSelection(sel)
	s.trimSelections()
}

// trimSelections forgets the oldest finished selections beyond keptSelections.
func (s *timeCardSync) trimSelections() {
	finished := 0
	for _, sel := range s.selections {
		if sel.Progress.Done >= sel.Progress.Total {
			finished++
		}
	}
	kept := s.selections[:0]
	for _, sel := range s.selections {
		if finished > keptSelections && sel.Progress.Done >= sel.Progress.Total {
			finished--
			delete(s.bySelection, sel.Progress.SelectionID)
			continue
		}
		kept = append(kept, sel)
	}
	s.selections = kept
}

// carry is the selections as continue-as-new takes them: each with the queued cards it
// still waits for, in queue order.
func (s *timeCardSync) carry() []Selection {
	index := map[*Selection]int{}
	out := make([]Selection, len(s.selections))
	for i, sel := range s.selections {
		index[sel] = i
		out[i] = Selection{Progress: sel.Progress}
	}
	for _, id := range s.queue {
		for _, sel := range s.waiting[id] {
			if i, ok := index[sel]; ok {
				out[i].Waiting = append(out[i].Waiting, id)
			}
		}
	}
	return out
}

func (s *timeCardSync) take(n int) []int64 {
	if n > len(s.queue) {
		n = len(s.queue)
	}
	batch := append([]int64(nil), s.queue[:n]...)
	s.queue = s.queue[n:]
	for _, id := range batch {
		// A card selected again while it syncs is queued again: its edit must reach QBO.
		delete(s.queued, id)
		s.inflight[id] = append(s.inflight[id], s.waiting[id]...)
		s.inflightRuns[id]++
		delete(s.waiting, id)
	}
	return batch
}

// finish counts a card's result in the run and in every selection that waited for it.
func (s *timeCardSync) finish(id int64, result int) {
	count := func(p *Progress) {
		p.Done++
		switch result {
		case resultSynced:
			p.Synced++
		case resultFailed:
			p.Failed++
		default:
			p.Skipped++
		}
	}
	if s.inflightRuns[id] == 0 {
		return // already counted
	}
	count(&s.progress)
	for _, sel := range s.inflight[id] {
		count(&sel.Progress)
		sel.Progress.Message = selectionSummary(sel.Progress)
	}
	delete(s.inflight, id)
	if s.inflightRuns[id]--; s.inflightRuns[id] == 0 {
		delete(s.inflightRuns, id)
	}
}

func selectionSummary(p Progress) string {
	if p.Done < p.Total {
		return fmt.Sprintf("Syncing %d of %d time cards", p.Done, p.Total)
	}
	return summaryOf(p)
}

func summaryOf(p Progress) string {
	if p.Failed == 0 && p.Skipped == 0 {
		return fmt.Sprintf("Synced %d time cards with QuickBooks.", p.Synced)
	}
	msg := fmt.Sprintf("Synced %d time cards", p.Synced)
	if p.Skipped > 0 {
		msg += fmt.Sprintf("; %d already up to date", p.Skipped)
	}
	if p.Failed > 0 {
		msg += fmt.Sprintf("; %d failed", p.Failed)
	}
	return msg + "."
}

func (s *timeCardSync) summary() string { return summaryOf(s.progress) }
