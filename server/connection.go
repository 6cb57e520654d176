package server

import (
	"context"
	"errors"
	"time"

	"hoursync/internal/store"
)

// The use cases of the account's QuickBooks connection. Connecting is a browser flow
// through Intuit (intuit.go).

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
