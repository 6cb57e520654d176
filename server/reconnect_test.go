package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestReconnectURLTakesAPersonStraightIntoReauthorizing: Intuit's Reconnect URL sends
// an admin into the connect flow, someone not signed in into Sign in with Intuit, and
// tells a member who can reconnect.
func TestReconnectURLTakesAPersonStraightIntoReauthorizing(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	for _, tc := range []struct {
		name string
		who  *client
		to   string
	}{
		{"admin", owner, "https://intuit.test/authorize?"},
		{"not signed in", e.newClient(), "https://intuit.test/authorize?"},
		{"member", owner.member("member"), "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, h := tc.who.do("GET", "/qbo/reconnect", nil)
			if status != http.StatusFound && status != http.StatusSeeOther {
				t.Fatalf("status %d", status)
			}
			if loc := h.Get("Location"); !strings.HasPrefix(loc, tc.to) {
				t.Fatalf("Location %q, want %s…", loc, tc.to)
			}
		})
	}
}
