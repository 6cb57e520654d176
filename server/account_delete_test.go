package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"hoursync/internal/store"
)

// TestOwnerDeletesTheAccount: only the owner, confirming with the firm's name, deletes
// the account; QuickBooks is disconnected and the schedules removed first; afterwards
// nothing of the account is left, nobody of it can sign in, and other accounts are
// untouched.
func TestOwnerDeletesTheAccount(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	id := owner.me.Account.ID
	f := owner.fixtures()
	card := owner.timeCard(f, "2026-03-02", 60)
	owner.call("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{card.ID}, "date": "2026-03-31", "due_date": "2026-04-30"}, http.StatusCreated, nil)
	var token createdTokenJSON
	owner.call("POST", "/api/v1/api-tokens", map[string]any{"name": "script"}, http.StatusCreated, &token)
	script := e.newClient()
	script.token = token.Token
	admin, member := owner.member(store.RoleAdmin), owner.member(store.RoleMember)
	e.connect(id, "realm-del-"+fmt.Sprint(id))

	other := e.signUp()
	of := other.fixtures()
	otherCard := other.timeCard(of, "2026-03-02", 30)

	name := owner.me.Account.Name
	admin.fails("DELETE", "/api/v1/account", map[string]any{"confirm": name}, http.StatusForbidden, "")
	member.fails("DELETE", "/api/v1/account", map[string]any{"confirm": name}, http.StatusForbidden, "")
	owner.fails("DELETE", "/api/v1/account", map[string]any{"confirm": "Some other firm"}, http.StatusUnprocessableEntity, "confirm")
	owner.fails("DELETE", "/api/v1/account", map[string]any{}, http.StatusUnprocessableEntity, "confirm")
	other.fails("DELETE", "/api/v1/account", map[string]any{"confirm": name}, http.StatusUnprocessableEntity, "confirm")
	if slices.ContainsFunc(e.syncer.Calls(), func(c string) bool { return c == fmt.Sprintf("disconnect %d", id) }) {
		t.Fatal("a refused deletion disconnected QuickBooks")
	}
	owner.call("GET", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, nil)

	owner.call("DELETE", "/api/v1/account", map[string]any{"confirm": name}, http.StatusNoContent, nil)
	calls := e.syncer.Calls()
	disc := slices.Index(calls, fmt.Sprintf("disconnect %d", id))
	removed := slices.Index(calls, fmt.Sprintf("remove account %d", id))
	if disc < 0 || removed < disc {
		t.Fatalf("syncer calls %v: want disconnect, then remove account (schedules, running syncs)", calls)
	}

	for who, c := range map[string]*client{"owner": owner, "admin": admin, "member": member, "script": script} {
		c.fails("GET", "/api/v1/me", nil, http.StatusUnauthorized, "")
		_ = who
	}
	e.newClient().fails("POST", "/api/v1/signin", map[string]any{"email": owner.me.User.Email, "password": testPassword}, http.StatusUnauthorized, "")
	if _, err := e.store.GetAccount(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("account still there: %v", err)
	}
	for _, table := range []string{"users", "sessions", "api_tokens", "customers", "services", "time_cards", "invoices", "qbo_connections"} {
		var n int
		if err := e.store.DB().GetContext(context.Background(), &n, `SELECT count(*) FROM `+table+` WHERE account_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows of the deleted account left in %s", n, table)
		}
	}
	other.call("GET", "/api/v1/time-cards/"+itoa64(otherCard.ID), nil, http.StatusOK, nil)

	// An account that never connected QuickBooks is deleted without disconnecting.
	lone := e.signUp()
	lone.call("DELETE", "/api/v1/account", map[string]any{"confirm": lone.me.Account.Name}, http.StatusNoContent, nil)
	if slices.Contains(e.syncer.Calls(), fmt.Sprintf("disconnect %d", lone.me.Account.ID)) {
		t.Error("disconnected an account that was never connected")
	}
}
