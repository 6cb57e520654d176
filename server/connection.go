package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
)

// The use cases of the account's QuickBooks connection. Connecting starts as a browser
// flow through Intuit (intuit.go), which ends in ConnectRealm.

type connectionJSON struct {
	Connected     bool       `json:"connected"`
	Status        string     `json:"status"`
	StatusMessage string     `json:"status_message"`
	RealmID       string     `json:"realm_id"`
	CompanyName   string     `json:"company_name"`
	Plan          string     `json:"plan"`
	CanSyncTime   bool       `json:"can_sync_time"`
	ConnectedAt   *time.Time `json:"connected_at"`
}

// Connection is the account's QuickBooks connection: company, plan, status, since
// when ("disconnected" for an account that never connected).
func (a *app) Connection(ctx context.Context, by actor) (connectionJSON, error) {
	conn, err := a.store.GetConnectionStatus(ctx, by.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return connectionJSON{Status: string(store.ConnectionDisconnected)}, nil
	}
	if err != nil {
		return connectionJSON{}, err
	}
	out := connectionJSON{Connected: conn.Status == store.ConnectionConnected, Status: string(conn.Status), StatusMessage: conn.StatusMessage,
		RealmID: conn.RealmID, CompanyName: conn.CompanyName, Plan: conn.Plan, CanSyncTime: conn.CanSyncTime}
	if conn.Status != store.ConnectionDisconnected {
		out.ConnectedAt = &conn.ConnectedAt
	}
	return out, nil
}

// Connected reports whether the account has a QuickBooks connection that is not
// disconnected (false when that cannot be read).
func (a *app) Connected(ctx context.Context, by actor) bool {
	connected, err := a.store.HasConnection(ctx, by.AccountID)
	return err == nil && connected
}

// Disconnect revokes the grant at Intuit, deletes the tokens and pauses the schedules
// (the disconnect workflow); links stay, so reconnecting never duplicates. When Intuit
// is slow the person does not wait: pending says the workflow finishes on its own,
// and the connection's status shows when it has.
func (a *app) Disconnect(ctx context.Context, by actor) (pending bool, err error) {
	if err := requireAdmin(by); err != nil {
		return false, err
	}
	if err := a.requireConnected(ctx, by.AccountID); err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := a.syncer.Disconnect(ctx, by.AccountID); err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return true, nil
		}
		return false, err
	}
	return false, nil
}

// ConnectRealm stores the company an admin authorized at Intuit as the account's
// connection, and starts the schedules and the import (its workflow is returned; none
// without a sync service, or when it could not start, which is logged). A company
// connected to another Hoursync account is refused, and so is a second company while
// one is connected.
func (a *app) ConnectRealm(ctx context.Context, by actor, realm string, tok *oauth2.Token) (syncs.Started, error) {
	if err := requireAdmin(by); err != nil {
		return syncs.Started{}, err
	}
	u := by.User
	taken := &apiError{Status: http.StatusConflict, Code: codeConflict, Field: "realmId",
		Message: "this QuickBooks company is already connected to another Hoursync account; disconnect it there first"}
	current, err := a.store.GetConnectionStatus(ctx, u.AccountID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return syncs.Started{}, err
	case current.Status != store.ConnectionDisconnected && current.RealmID != realm:
		name := current.CompanyName
		if name == "" {
			name = "another QuickBooks company"
		}
		return syncs.Started{}, &apiError{Status: http.StatusConflict, Code: codeConflict, Field: "realmId",
			Message: fmt.Sprintf("this account is connected to %s; disconnect it in settings before connecting another company", name)}
	}
	owner, err := a.store.FindAccountByRealm(ctx, realm)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return syncs.Started{}, err
	case owner != u.AccountID:
		return syncs.Started{}, taken
	}
	reconnect := err == nil
	if err := a.intuit.Connect(ctx, u.AccountID, u.ID, realm, tok); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return syncs.Started{}, taken
		}
		return syncs.Started{}, fmt.Errorf("server: connect realm: %w", err)
	}
	if a.syncer == nil {
		return syncs.Started{}, nil
	}
	acct, err := a.store.GetAccount(ctx, u.AccountID)
	if err != nil {
		return syncs.Started{}, err
	}
	if err := a.syncer.EnsureSchedules(ctx, u.AccountID, acct.ResyncInterval); err != nil {
		a.log.WarnContext(ctx, "ensure schedules after connect", "request_id", requestIDOf(ctx), "account_id", u.AccountID, "err", err)
	}
	reason := "first connect"
	if reconnect {
		reason = "reconnect"
	}
	st, err := a.syncer.StartImport(ctx, u.AccountID, realm, u.ID, reason)
	if err != nil {
		a.log.WarnContext(ctx, "start import after connect", "request_id", requestIDOf(ctx), "account_id", u.AccountID, "err", err)
		return syncs.Started{}, nil
	}
	return st, nil
}
