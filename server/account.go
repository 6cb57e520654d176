package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"hoursync/internal/store"
)

// The account use cases: settings, deleting the account, the dev outbox.

type accountJSON struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	TimeZone          string `json:"time_zone"`
	WeekStart         int    `json:"week_start"`
	IncomeAccountName string `json:"income_account_name"`
	ResyncInterval    string `json:"resync_interval"`
	// SyncOnlyApproved leaves time of weeks not approved out of every time sync.
	SyncOnlyApproved bool      `json:"sync_only_approved"`
	CreatedAt        time.Time `json:"created_at"`
}

func toAccountJSON(a store.Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, TimeZone: a.TimeZone, WeekStart: a.WeekStart,
		IncomeAccountName: a.IncomeAccountName, ResyncInterval: a.ResyncInterval, SyncOnlyApproved: a.SyncOnlyApproved, CreatedAt: a.CreatedAt}
}

// resyncIntervals are the choices of the scheduled re-sync.
var resyncIntervals = []string{"off", "hourly", "daily"}

// Settings are the account's settings.
func (a *app) Settings(ctx context.Context, by actor) (accountJSON, error) {
	acct, err := a.store.GetAccount(ctx, by.AccountID)
	return toAccountJSON(acct), err
}

// settingsInput is the settings to change (nil: keep).
type settingsInput struct {
	TimeZone          *string `json:"time_zone"`
	WeekStart         *int    `json:"week_start"`
	IncomeAccountName *string `json:"income_account_name"`
	ResyncInterval    *string `json:"resync_interval"`
	SyncOnlyApproved  *bool   `json:"sync_only_approved"`
}

// UpdateSettings changes the settings the input sets. Once income accounts were
// imported, the income account must be one of them; a new re-sync interval
// reschedules the connected account's re-sync.
func (a *app) UpdateSettings(ctx context.Context, by actor, in settingsInput) (accountJSON, error) {
	if err := requireAdmin(by); err != nil {
		return accountJSON{}, err
	}
	acct, err := a.store.GetAccount(ctx, by.AccountID)
	if err != nil {
		return accountJSON{}, err
	}
	set := store.AccountSettings{TimeZone: acct.TimeZone, WeekStart: acct.WeekStart,
		IncomeAccountName: acct.IncomeAccountName, ResyncInterval: acct.ResyncInterval, SyncOnlyApproved: acct.SyncOnlyApproved}
	if in.SyncOnlyApproved != nil {
		set.SyncOnlyApproved = *in.SyncOnlyApproved
	}
	var p problems
	if in.TimeZone != nil && p.add(checkTimeZone("time_zone", *in.TimeZone)) {
		set.TimeZone = *in.TimeZone
	}
	if in.WeekStart != nil {
		if *in.WeekStart < 0 || *in.WeekStart > 6 {
			p.add(invalid("week_start", "choose a day from 0 (Sunday) to 6 (Saturday)"))
		}
		set.WeekStart = *in.WeekStart
	}
	if in.IncomeAccountName != nil {
		name, err := a.incomeAccountName(ctx, by.AccountID, *in.IncomeAccountName)
		if p.add(err) {
			set.IncomeAccountName = name
		}
	}
	if in.ResyncInterval != nil {
		if !slices.Contains(resyncIntervals, *in.ResyncInterval) {
			p.add(invalid("resync_interval", "choose off, hourly or daily"))
		}
		set.ResyncInterval = *in.ResyncInterval
	}
	if err := p.err(); err != nil {
		return accountJSON{}, err
	}
	updated, err := a.store.UpdateAccountSettings(ctx, by.AccountID, set)
	if err != nil {
		return accountJSON{}, err
	}
	if updated.ResyncInterval != acct.ResyncInterval && a.syncer != nil {
		if connected, err := a.store.HasConnection(ctx, by.AccountID); err == nil && connected {
			if err := a.syncer.EnsureSchedules(ctx, by.AccountID, updated.ResyncInterval); err != nil {
				a.log.WarnContext(ctx, "update re-sync schedule", "request_id", requestIDOf(ctx), "account_id", by.AccountID, "err", err)
			}
		}
	}
	return toAccountJSON(updated), nil
}

// incomeAccountName checks an income account name: once income accounts were
// imported, it must be one of them, and is spelled as QuickBooks spells it.
func (a *app) incomeAccountName(ctx context.Context, accountID int64, name string) (string, error) {
	name = strings.TrimSpace(name)
	if err := checkText("income_account_name", name, 1, 100, "an income account name"); err != nil {
		return "", err
	}
	imported, err := a.store.ListIncomeAccounts(ctx, accountID, "")
	if err != nil || len(imported) == 0 {
		return name, err
	}
	for _, ia := range imported {
		if strings.EqualFold(ia.Name, name) {
			return ia.Name, nil
		}
	}
	return "", invalid("income_account_name", "choose one of the income accounts imported from QuickBooks")
}

type deleteAccountInput struct {
	// Confirm is the firm's name, typed by the owner.
	Confirm string `json:"confirm" openapi:"required"`
}

// DeleteAccount deletes the firm's account with everything in it. Only the owner may,
// confirming with the firm's name. QuickBooks is disconnected first (the grant revoked
// at Intuit), then the account's schedules and running syncs are removed from Temporal,
// and nothing is deleted unless that worked; what was synced stays in QuickBooks.
func (a *app) DeleteAccount(ctx context.Context, by actor, in deleteAccountInput) error {
	if by.User.Role != store.RoleOwner {
		return &apiError{Status: http.StatusForbidden, Code: codeForbidden, Message: "only the account's owner can delete it"}
	}
	acct, err := a.store.GetAccount(ctx, by.AccountID)
	if err != nil {
		return err
	}
	if strings.TrimSpace(in.Confirm) != acct.Name {
		return invalid("confirm", "type the firm's name, %s, to confirm", acct.Name)
	}
	if a.syncer == nil {
		return errNoSyncer
	}
	connected, err := a.store.HasConnection(ctx, by.AccountID)
	if err != nil {
		return err
	}
	if connected {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := a.syncer.Disconnect(dctx, by.AccountID)
		cancel()
		if err != nil {
			a.log.WarnContext(ctx, "delete account: disconnect", "request_id", requestIDOf(ctx), "account_id", by.AccountID, "err", err)
			return &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
				Message: "disconnecting from QuickBooks did not finish, so nothing was deleted; try again in a minute"}
		}
	}
	if err := a.syncer.RemoveAccount(ctx, by.AccountID); err != nil {
		return err
	}
	if err := a.store.DeleteAccount(ctx, by.AccountID); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "account deleted", "request_id", requestIDOf(ctx), "account_id", by.AccountID, "user_id", by.User.ID)
	return nil
}

// Outbox lists the account's mail; there is an outbox only when no SMTP server is set.
func (a *app) Outbox(ctx context.Context, by actor, p page) (listJSON[store.OutboxMail], error) {
	if a.cfg.SMTPURL != "" {
		return listJSON[store.OutboxMail]{}, errNotFound
	}
	mails, err := a.store.ListOutboxMail(ctx, by.AccountID, p.store())
	if err != nil {
		return listJSON[store.OutboxMail]{}, err
	}
	return paged(p, mails), nil
}

// OutboxTo lists the mail to one address, for a person signed out in development
// only, so they can follow a reset link.
func (a *app) OutboxTo(ctx context.Context, to string, p page) (listJSON[store.OutboxMail], error) {
	if a.cfg.SMTPURL != "" || !a.cfg.Dev() {
		return listJSON[store.OutboxMail]{}, errNotFound
	}
	mails, err := a.store.ListOutboxMailTo(ctx, to, p.store())
	if err != nil {
		return listJSON[store.OutboxMail]{}, err
	}
	return paged(p, mails), nil
}
