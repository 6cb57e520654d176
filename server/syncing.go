package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/workflows"
)

// The sync use cases: starting syncs, following them, and the sync state and history
// of objects.

// errNotConnected refuses to start a sync that could only fail: the account has no
// usable QuickBooks connection.
var errNotConnected = &apiError{Status: http.StatusConflict, Code: codeConflict, Message: workflows.MsgNotConnected}

// requireConnected refuses a sync when the account is not connected to QuickBooks, or
// when there is no sync service to start it.
func (a *app) requireConnected(ctx context.Context, accountID int64) error {
	connected, err := a.store.HasConnection(ctx, accountID)
	switch {
	case err != nil:
		return err
	case !connected:
		return errNotConnected
	case a.syncer == nil:
		return errNoSyncer
	}
	return nil
}

// cardSync is a time-card sync started for a selection, and what it left out.
type cardSync struct {
	syncs.Started
	// LeftOut counts the selected cards left out because their weeks are not approved
	// while the account syncs only approved time; Note says so ("" when none).
	LeftOut int
	Note    string
}

// What "Sync only approved time" tells a person who selected time of weeks not
// approved.
const (
	msgLeftOutUnapproved = "%s left out: %s in a week not approved yet, and “Sync only approved time” is on in Settings."
	msgNoneApproved      = "None of the selected time is in an approved week, and “Sync only approved time” is on in Settings: an admin approves the weeks first."
)

// SyncTimeCards feeds the selected cards (including deleted ones whose deletion has
// to reach QBO) to the account's time-card sync. Members may sync only their own.
// While the account syncs only approved time, cards of weeks not approved are left
// out and counted (all of them left out: refused, 409).
func (a *app) SyncTimeCards(ctx context.Context, by actor, ids []int64) (cardSync, error) {
	ids, err := checkIDs("time_card_ids", ids, "time card")
	if err != nil {
		return cardSync{}, err
	}
	cards, err := a.store.GetTimeCardsForSync(ctx, by.AccountID, ids)
	if err != nil {
		return cardSync{}, err
	}
	visible := 0
	for _, tc := range cards {
		if by.admin() || tc.UserID == by.User.ID {
			visible++
		}
	}
	if visible != len(ids) {
		return cardSync{}, notFound("time_card_ids", "time card")
	}
	var out cardSync
	if ids, out, err = a.leaveOutUnapproved(ctx, by.AccountID, ids); err != nil {
		return cardSync{}, err
	}
	if err := a.requireConnected(ctx, by.AccountID); err != nil {
		return cardSync{}, err
	}
	out.Started, err = a.syncer.SyncTimeCards(ctx, by.AccountID, ids)
	return out, err
}

// leaveOutUnapproved takes the cards of weeks not approved out of a selection when the
// account syncs only approved time, and says how many and why.
func (a *app) leaveOutUnapproved(ctx context.Context, accountID int64, ids []int64) ([]int64, cardSync, error) {
	acct, err := a.store.GetAccount(ctx, accountID)
	if err != nil || !acct.SyncOnlyApproved {
		return ids, cardSync{}, err
	}
	left, err := a.store.UnapprovedTimeCards(ctx, accountID, ids)
	if err != nil || len(left) == 0 {
		return ids, cardSync{}, err
	}
	if len(left) == len(ids) {
		return nil, cardSync{}, &apiError{Status: http.StatusConflict, Code: codeConflict, Field: "time_card_ids", Message: msgNoneApproved}
	}
	keep := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return slices.Contains(left, id) })
	verb := "they are"
	if len(left) == 1 {
		verb = "it is"
	}
	return keep, cardSync{LeftOut: len(left), Note: fmt.Sprintf(msgLeftOutUnapproved, upperFirst(entries(len(left))), verb)}, nil
}

// upperFirst begins s with a capital letter.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// SyncInvoice starts (or joins) the invoice's sync.
func (a *app) SyncInvoice(ctx context.Context, by actor, id int64) (syncs.Started, error) {
	if err := requireAdmin(by); err != nil {
		return syncs.Started{}, err
	}
	if _, err := a.store.GetInvoiceForSync(ctx, by.AccountID, id); err != nil {
		return syncs.Started{}, err
	}
	if err := a.requireConnected(ctx, by.AccountID); err != nil {
		return syncs.Started{}, err
	}
	return a.syncer.SyncInvoice(ctx, by.AccountID, id)
}

// ResyncCustomers re-imports customers, services and income accounts from QBO and
// pushes local edits of them.
func (a *app) ResyncCustomers(ctx context.Context, by actor) (syncs.Started, error) {
	if err := requireAdmin(by); err != nil {
		return syncs.Started{}, err
	}
	if err := a.requireConnected(ctx, by.AccountID); err != nil {
		return syncs.Started{}, err
	}
	return a.syncer.Resync(ctx, by.AccountID, workflows.ScopeCustomers)
}

// workflowAccount reads the account id a workflow id carries ("kind/<account>/...");
// every Hoursync workflow id names its account second.
func workflowAccount(workflowID string) (int64, bool) {
	parts := strings.Split(workflowID, "/")
	if len(parts) < 2 {
		return 0, false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	return id, err == nil
}

// Progress is a sync workflow's status and progress (of one selection when
// selectionID is set). Another account's workflow is not found; while Temporal does
// not answer within ctx's deadline, the sync is paused (errSyncPaused).
func (a *app) Progress(ctx context.Context, by actor, workflowID, selectionID string) (syncs.Status, error) {
	if owner, ok := workflowAccount(workflowID); !ok || owner != by.AccountID {
		return syncs.Status{}, notFound("workflow_id", "workflow")
	}
	if a.syncer == nil {
		return syncs.Status{}, errNoSyncer
	}
	st, err := a.syncer.Progress(ctx, workflowID, selectionID)
	switch {
	case err == nil:
		return st, nil
	case errors.Is(err, syncs.ErrUnknownWorkflow):
		return st, notFound("workflow_id", "workflow")
	case errors.Is(err, syncs.ErrUnavailable), errors.Is(ctx.Err(), context.DeadlineExceeded):
		return st, errSyncPaused
	}
	return st, err
}

type syncStateJSON struct {
	ObjectType string `json:"object_type"`
	ObjectID   int64  `json:"object_id"`
	// ObjectName names the object for people.
	ObjectName string `json:"object_name"`
	Status     string `json:"status"`
	Message    string `json:"message"`
	// SyncErrorCode is the error type of a failed sync (workflows.ErrType…), for
	// clients to branch on; Message is what to show. ErrorCode is the same, kept for
	// clients written before time cards and invoices carried it too.
	SyncErrorCode string     `json:"sync_error_code"`
	ErrorCode     string     `json:"error_code"`
	WorkflowID    string     `json:"workflow_id"`
	RunID         string     `json:"run_id"`
	WorkflowURL   string     `json:"workflow_url"`
	LastSyncedAt  *time.Time `json:"last_synced_at"`
	QBOID         string     `json:"qbo_id"`
	SyncToken     string     `json:"sync_token"`
	RealmID       string     `json:"realm_id"`
	Synced        int64      `json:"synced_version"`
}

// historyJSON is one sync attempt; WorkflowURL opens the run that made it, and
// ObjectName names the object for people.
type historyJSON struct {
	store.SyncHistoryEntry
	ObjectName  string `json:"object_name"`
	WorkflowURL string `json:"workflow_url"`
}

func (a *app) historyBody(ctx context.Context, accountID int64, entries []store.SyncHistoryEntry) ([]historyJSON, error) {
	refs := make([]objectRef, 0, len(entries))
	for _, e := range entries {
		refs = append(refs, objectRef{e.ObjectType, e.ObjectID})
	}
	names, err := a.recordNames(ctx, accountID, refs)
	if err != nil {
		return nil, err
	}
	out := make([]historyJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, historyJSON{SyncHistoryEntry: e, ObjectName: names[objectRef{e.ObjectType, e.ObjectID}],
			WorkflowURL: a.runURL(e.WorkflowID, e.RunID)})
	}
	return out, nil
}

// checkObject answers whether the object exists in the account (and, for a member's
// time card, is theirs).
func (a *app) checkObject(ctx context.Context, by actor, objectType string, id int64) error {
	var err error
	switch objectType {
	case store.ObjectUser:
		_, err = a.store.GetUser(ctx, by.AccountID, id)
	case store.ObjectCustomer:
		_, err = a.store.GetCustomer(ctx, by.AccountID, id)
	case store.ObjectService:
		_, err = a.store.GetService(ctx, by.AccountID, id)
	case store.ObjectInvoice:
		_, err = a.store.GetInvoiceForSync(ctx, by.AccountID, id)
	case store.ObjectTimeCard:
		var cards []store.TimeCard
		cards, err = a.store.GetTimeCardsForSync(ctx, by.AccountID, []int64{id})
		if err == nil && (len(cards) == 0 || (!by.admin() && cards[0].UserID != by.User.ID)) {
			err = store.ErrNotFound
		}
	default:
		return errNotFound
	}
	return err
}

// link is the object's link to the connected company's copy of it, if it has one.
func (a *app) link(ctx context.Context, accountID int64, objectType string, id int64) (store.Link, bool) {
	conn, err := a.store.GetConnectionStatus(ctx, accountID)
	if err != nil {
		return store.Link{}, false
	}
	l, err := a.store.GetLink(ctx, accountID, conn.RealmID, objectType, id)
	return l, err == nil
}

// SyncState is an object's sync state, its QBO link and a page of its history of
// attempts, each with a link to its workflow run in the Temporal UI.
func (a *app) SyncState(ctx context.Context, by actor, objectType string, id int64, p page) (syncStateBody, error) {
	if err := a.checkObject(ctx, by, objectType, id); err != nil {
		return syncStateBody{}, err
	}
	st, err := a.store.GetSyncState(ctx, by.AccountID, objectType, id)
	if err != nil {
		return syncStateBody{}, err
	}
	out := syncStateJSON{ObjectType: objectType, ObjectID: id, Status: st.Status, Message: st.Message,
		SyncErrorCode: st.ErrorCode, ErrorCode: st.ErrorCode,
		WorkflowID: st.WorkflowID, RunID: st.RunID, WorkflowURL: a.runURL(st.WorkflowID, st.RunID)}
	if st.LastSyncedAt.Valid {
		out.LastSyncedAt = &st.LastSyncedAt.Time
	}
	if l, ok := a.link(ctx, by.AccountID, objectType, id); ok {
		out.QBOID, out.SyncToken, out.RealmID, out.Synced = l.QBOID, l.SyncToken, l.RealmID, l.SyncedVersion
	}
	if out.ObjectName, err = a.recordName(ctx, by.AccountID, objectType, id); err != nil {
		return syncStateBody{}, err
	}
	hist, err := a.store.ListSyncHistory(ctx, by.AccountID, objectType, id, p.store())
	if err != nil {
		return syncStateBody{}, err
	}
	body, err := a.historyBody(ctx, by.AccountID, hist)
	if err != nil {
		return syncStateBody{}, err
	}
	return syncStateBody{State: out, History: paged(p, body)}, nil
}

// SyncActivity lists the account's recent sync attempts across all objects.
func (a *app) SyncActivity(ctx context.Context, by actor, p page) (listJSON[historyJSON], error) {
	hist, err := a.store.ListSyncHistory(ctx, by.AccountID, "", 0, p.store())
	if err != nil {
		return listJSON[historyJSON]{}, err
	}
	body, err := a.historyBody(ctx, by.AccountID, hist)
	if err != nil {
		return listJSON[historyJSON]{}, err
	}
	return paged(p, body), nil
}
