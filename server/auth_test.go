package server

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

func TestOperationalEndpoints(t *testing.T) {
	e := newEnv(t)
	c := e.newClient()
	c.call("GET", "/healthz", nil, http.StatusOK, nil)
	var ready readyJSON
	c.call("GET", "/readyz", nil, http.StatusOK, &ready)
	if ready.Checks["database"] != "ok" {
		t.Fatalf("readyz checks = %v", ready.Checks)
	}
	_, _, h := c.do("GET", "/api/v1/me", nil)
	if h.Get(headerRequestID) == "" {
		t.Fatal("no request id header")
	}
	body := string(c.call("GET", "/metrics", nil, http.StatusOK, nil))
	if !strings.Contains(body, `hoursync_http_requests_total{method="GET",route="/api/v1/me",status="401"}`) {
		t.Fatalf("metrics lack the request by route and status:\n%s", body)
	}
	if !strings.Contains(body, "hoursync_http_request_duration_seconds_bucket") {
		t.Fatal("metrics lack latency")
	}
	owner := e.signUp()
	f := owner.fixtures()
	owner.call("POST", "/api/v1/time-cards", map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID,
		"date": "2026-03-02", "minutes": 30}, http.StatusCreated, nil)
	body = string(c.call("GET", "/metrics", nil, http.StatusOK, nil))
	for _, want := range []string{`hoursync_credential_cache_lookups_total{result="hit"}`, "hoursync_credential_cache_listening 1",
		"hoursync_time_card_statements_total", "hoursync_time_card_statement_cards_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "hoursync_time_card_statements_total 0") || strings.Contains(body, `hoursync_credential_cache_lookups_total{result="hit"} 0`) {
		t.Errorf("hot-path counters did not move:\n%s", body)
	}
	c.fails("GET", "/no/such/page", nil, http.StatusNotFound, "")
}

func TestReadyzFailsWhenTemporalIsDown(t *testing.T) {
	e := newEnv(t, func(d *Deps) {
		d.Ready = map[string]Pinger{"temporal": PingerFunc(func(context.Context) error { return context.DeadlineExceeded })}
	})
	var ready readyJSON
	e.newClient().call("GET", "/readyz", nil, http.StatusServiceUnavailable, &ready)
	if ready.Checks["temporal"] != "unavailable" || ready.Checks["database"] != "ok" {
		t.Fatalf("checks = %v", ready.Checks)
	}
}

func TestSignUpSignInSignOut(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	if owner.me.User.Role != store.RoleOwner || owner.me.CSRFToken == "" || owner.me.Account.ID == 0 {
		t.Fatalf("signup answer = %+v", owner.me)
	}
	var me sessionJSON
	owner.call("GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.User.Email != owner.me.User.Email {
		t.Fatalf("me = %+v", me)
	}

	// Cookie flags.
	b := e.newClient()
	_, _, h := b.do("POST", "/api/v1/signin", map[string]any{"email": owner.me.User.Email, "password": testPassword})
	cookie := h.Get("Set-Cookie")
	for _, want := range []string{sessionCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Fatalf("cookie over plain HTTP is Secure: %q", cookie)
	}

	// The session id is stored only as a hash.
	value := strings.TrimPrefix(strings.SplitN(cookie, ";", 2)[0], sessionCookie+"=")
	if _, err := e.store.GetSession(context.Background(), value); err == nil {
		t.Fatal("raw cookie value found in sessions table")
	}
	if _, err := e.store.GetSession(context.Background(), hashToken(value)); err != nil {
		t.Fatalf("hashed session missing: %v", err)
	}

	// Signing in again rotates the session: the old cookie stops working.
	oldCookie := value
	var again sessionJSON
	owner.call("POST", "/api/v1/signin", map[string]any{"email": owner.me.User.Email, "password": testPassword}, http.StatusOK, &again)
	owner.csrf = again.CSRFToken
	if _, err := e.store.GetSession(context.Background(), hashToken(oldCookie)); err != nil {
		t.Fatalf("other browser's session should survive: %v", err)
	}
	owner.call("GET", "/api/v1/me", nil, http.StatusOK, nil)

	owner.call("POST", "/api/v1/signout", nil, http.StatusNoContent, nil)
	owner.fails("GET", "/api/v1/me", nil, http.StatusUnauthorized, "")

	// Bad inputs.
	n := e.newClient()
	for _, tc := range []struct {
		name  string
		body  any
		want  int
		field string
	}{
		{"missing firm", map[string]any{"first_name": "A", "email": "a@example.com", "password": testPassword}, 422, "firm_name"},
		{"bad email", map[string]any{"firm_name": "F", "first_name": "A", "email": "nope", "password": testPassword}, 422, "email"},
		{"short password", map[string]any{"firm_name": "F", "first_name": "A", "email": "a@example.com", "password": "short"}, 422, "password"},
		{"bad zone", map[string]any{"firm_name": "F", "first_name": "A", "email": "a@example.com", "password": testPassword, "time_zone": "Mars/Base"}, 422, "time_zone"},
		{"unknown field", map[string]any{"firm_name": "F", "first_name": "A", "email": "a@example.com", "password": testPassword, "admin": true}, 400, "admin"},
		{"taken email", map[string]any{"firm_name": "F", "first_name": "A", "email": strings.ToUpper(owner.me.User.Email), "password": testPassword}, 409, "email"},
		{"not json", "firm_name=x", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { n.fails("POST", "/api/v1/signup", tc.body, tc.want, tc.field) })
	}
	n.fails("POST", "/api/v1/signin", map[string]any{"email": owner.me.User.Email, "password": "wrong password"}, 401, "")
	n.fails("POST", "/api/v1/signin", map[string]any{"email": "nobody@example.com", "password": "wrong password"}, 401, "")
}

func TestSignInThrottledPerEmail(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	c := e.newClient()
	for range maxEmailFailures {
		c.fails("POST", "/api/v1/signin", map[string]any{"email": owner.me.User.Email, "password": "not the password"}, 401, "")
	}
	// Even the right password is refused while throttled.
	status, _, h := c.do("POST", "/api/v1/signin", map[string]any{"email": owner.me.User.Email, "password": testPassword})
	if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q", status, h.Get("Retry-After"))
	}
}

// TestSignInThrottledPerIP: failures from one client IP across many e-mail addresses
// block that IP, and only it. Behind a trusted proxy the IP is the one it forwards; a
// client that is not a trusted proxy cannot pick its IP with X-Forwarded-For.
func TestSignInThrottledPerIP(t *testing.T) {
	e := newEnv(t, func(d *Deps) {
		d.Config = testConfig(t, func(env map[string]string) { env["TRUSTED_PROXIES"] = "127.0.0.1/32" })
	})
	owner := e.signUp()
	signIn := func(e *testEnv, forwardedFor, email, password string) int {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/signin",
			strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", forwardedFor)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	attacker := "203.0.113.9"
	for i := range maxIPFailures {
		if got := signIn(e, attacker, fmt.Sprintf("guess-%d@example.com", i), "not the password"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i, got)
		}
	}
	if got := signIn(e, attacker, owner.me.User.Email, testPassword); got != http.StatusTooManyRequests {
		t.Fatalf("throttled IP signing in: %d, want 429", got)
	}
	if got := signIn(e, "198.51.100.7", owner.me.User.Email, testPassword); got != http.StatusOK {
		t.Fatalf("another IP signing in: %d, want 200", got)
	}

	// Without TRUSTED_PROXIES the header is not believed: naming the throttled IP in it
	// does not make a client that IP; its connection's address is what counts.
	direct := newEnv(t)
	other := direct.signUp()
	if got := signIn(direct, attacker, other.me.User.Email, testPassword); got != http.StatusOK {
		t.Fatalf("untrusted X-Forwarded-For was believed: %d", got)
	}
}

func TestStateChangingRequestsNeedCSRFToken(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	token := owner.csrf
	owner.csrf = ""
	e1 := owner.fails("POST", "/api/v1/customers", map[string]any{"display_name": "X"}, http.StatusForbidden, "")
	if e1.Error.Code != codeCSRF {
		t.Fatalf("code = %q", e1.Error.Code)
	}
	owner.csrf = "wrong"
	owner.fails("POST", "/api/v1/signout", nil, http.StatusForbidden, "")
	owner.fails("PATCH", "/api/v1/settings", map[string]any{"week_start": 0}, http.StatusForbidden, "")
	// Reads need none.
	owner.call("GET", "/api/v1/customers", nil, http.StatusOK, nil)
	owner.csrf = token
	owner.call("POST", "/api/v1/customers", map[string]any{"display_name": "X"}, http.StatusCreated, nil)
}

func TestAPITokenAuthenticatesScripts(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	var created createdTokenJSON
	owner.call("POST", "/api/v1/api-tokens", map[string]any{"name": "export script"}, http.StatusCreated, &created)
	if !strings.HasPrefix(created.Token, apiTokenPrefix) {
		t.Fatalf("token = %q", created.Token)
	}
	script := e.newClient()
	script.token = created.Token
	var me sessionJSON
	script.call("GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.User.ID != owner.me.User.ID || me.CSRFToken != "" {
		t.Fatalf("me = %+v", me)
	}
	// No CSRF token needed: a Bearer token is not an ambient credential.
	script.call("POST", "/api/v1/customers", map[string]any{"display_name": "Scripted"}, http.StatusCreated, nil)

	var list itemsJSON[store.APIToken]
	owner.call("GET", "/api/v1/api-tokens", nil, http.StatusOK, &list)
	if len(list.Items) != 1 {
		t.Fatalf("tokens = %+v", list.Items)
	}
	owner.call("DELETE", "/api/v1/api-tokens/"+itoa64(created.APIToken.ID), nil, http.StatusNoContent, nil)
	script.fails("GET", "/api/v1/me", nil, http.StatusUnauthorized, "")
	script.token = "hs_not-a-token"
	script.fails("GET", "/api/v1/me", nil, http.StatusUnauthorized, "")
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

func lastMailTo(t *testing.T, e *testEnv, to string) store.OutboxMail {
	t.Helper()
	mails, err := e.store.ListOutboxMailTo(context.Background(), to, store.Page{Limit: 1})
	if err != nil || len(mails) == 0 {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	return mails[0]
}

func TestPasswordResetThroughOutbox(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	email := owner.me.User.Email
	anon := e.newClient()
	anon.call("POST", "/api/v1/password-resets", map[string]any{"email": "nobody-" + email}, http.StatusAccepted, nil)
	anon.call("POST", "/api/v1/password-resets", map[string]any{"email": email}, http.StatusAccepted, nil)

	mail := lastMailTo(t, e, email)
	m := linkToken.FindStringSubmatch(mail.Body)
	if m == nil || !strings.Contains(mail.Body, "http://hoursync.test/reset-password?token=") {
		t.Fatalf("mail body has no reset link: %q", mail.Body)
	}
	// The owner sees the mail in the dev outbox too.
	var outbox listJSON[store.OutboxMail]
	owner.call("GET", "/api/v1/dev/outbox", nil, http.StatusOK, &outbox)
	if len(outbox.Items) == 0 || outbox.Items[0].Subject != mail.Subject {
		t.Fatalf("outbox = %+v", outbox.Items)
	}

	// A flood of requests sends at most a few links.
	for range 5 {
		anon.call("POST", "/api/v1/password-resets", map[string]any{"email": email}, http.StatusAccepted, nil)
	}
	if mails, _ := e.store.ListOutboxMailTo(context.Background(), email, store.Page{}); len(mails) != maxResetMails {
		t.Fatalf("%d reset mails sent, want %d", len(mails), maxResetMails)
	}
	anon.fails("POST", "/api/v1/password-resets/complete", map[string]any{"token": m[1], "password": "short"}, 422, "password")
	anon.fails("POST", "/api/v1/password-resets/complete", map[string]any{"token": "forged", "password": "a brand new password"}, 422, "token")
	anon.call("POST", "/api/v1/password-resets/complete", map[string]any{"token": m[1], "password": "a brand new password"}, http.StatusNoContent, nil)
	// Used once only.
	anon.fails("POST", "/api/v1/password-resets/complete", map[string]any{"token": m[1], "password": "another new password"}, 422, "token")
	// Every session ended; the old password no longer works, the new one does.
	owner.fails("GET", "/api/v1/me", nil, http.StatusUnauthorized, "")
	anon.fails("POST", "/api/v1/signin", map[string]any{"email": email, "password": testPassword}, 401, "")
	anon.call("POST", "/api/v1/signin", map[string]any{"email": email, "password": "a brand new password"}, http.StatusOK, nil)
}

func TestInvitationAcceptedThroughEmailedLink(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	email := testutil.UniqueName("invitee") + "@example.com"
	var inv store.Invitation
	owner.call("POST", "/api/v1/invitations", map[string]any{"email": email, "first_name": "Ivy", "role": "member"}, http.StatusCreated, &inv)
	owner.fails("POST", "/api/v1/invitations", map[string]any{"email": owner.me.User.Email}, 409, "email")
	owner.fails("POST", "/api/v1/invitations", map[string]any{"email": "x@example.com", "role": "owner"}, 422, "role")
	var list itemsJSON[store.Invitation]
	owner.call("GET", "/api/v1/invitations", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].Email != email {
		t.Fatalf("invitations = %+v", list.Items)
	}

	m := linkToken.FindStringSubmatch(lastMailTo(t, e, email).Body)
	if m == nil {
		t.Fatal("no invitation link")
	}
	invitee := e.newClient()
	var look invitationLookupJSON
	invitee.call("GET", "/api/v1/invitations/lookup?token="+m[1], nil, http.StatusOK, &look)
	if look.Email != email || look.AccountName != owner.me.Account.Name {
		t.Fatalf("lookup = %+v", look)
	}
	invitee.call("POST", "/api/v1/invitations/accept", map[string]any{"token": m[1], "password": testPassword, "last_name": "Invitee"}, http.StatusCreated, &invitee.me)
	invitee.csrf = invitee.me.CSRFToken
	if invitee.me.User.Role != store.RoleMember || invitee.me.Account.ID != owner.me.Account.ID || invitee.me.User.FirstName != "Ivy" {
		t.Fatalf("accepted = %+v", invitee.me)
	}
	e.newClient().fails("POST", "/api/v1/invitations/accept", map[string]any{"token": m[1], "password": testPassword}, 422, "token")

	// Roles: a member cannot do admin things, nor edit others.
	invitee.fails("POST", "/api/v1/invitations", map[string]any{"email": "y@example.com"}, 403, "")
	invitee.fails("PATCH", "/api/v1/settings", map[string]any{"week_start": 0}, 403, "")
	invitee.fails("POST", "/api/v1/customers", map[string]any{"display_name": "No"}, 403, "")
	invitee.fails("PATCH", "/api/v1/users/"+itoa64(owner.me.User.ID), map[string]any{"first_name": "Evil"}, 403, "")
	invitee.fails("PATCH", "/api/v1/users/"+itoa64(invitee.me.User.ID), map[string]any{"role": "admin"}, 403, "")
	invitee.call("PATCH", "/api/v1/users/"+itoa64(invitee.me.User.ID), map[string]any{"first_name": "Ivy-May"}, http.StatusOK, nil)
	// The admin promotes, then deactivates, which ends the member's sessions.
	var u userJSON
	owner.call("PATCH", "/api/v1/users/"+itoa64(invitee.me.User.ID), map[string]any{"role": "admin"}, http.StatusOK, &u)
	if u.Role != store.RoleAdmin {
		t.Fatalf("role = %q", u.Role)
	}
	owner.fails("PATCH", "/api/v1/users/"+itoa64(owner.me.User.ID), map[string]any{"role": "member"}, 422, "role")
	owner.call("PATCH", "/api/v1/users/"+itoa64(invitee.me.User.ID), map[string]any{"active": false}, http.StatusOK, nil)
	invitee.fails("GET", "/api/v1/me", nil, http.StatusUnauthorized, "")
}

func TestPanicAnswers500InTheAPIShape(t *testing.T) {
	e := newEnv(t)
	e.server.engine.GET("/test-panic", func(*gin.Context) { panic("boom") })
	var body apiErr
	e.newClient().call("GET", "/test-panic", nil, http.StatusInternalServerError, &body)
	if body.Error.Code != codeInternal || strings.Contains(body.Error.Message, "boom") {
		t.Fatalf("body = %+v", body)
	}
	// The server keeps serving.
	e.newClient().call("GET", "/healthz", nil, http.StatusOK, nil)
}

func TestSessionCookieIsSecureBehindHTTPS(t *testing.T) {
	e := newEnv(t, func(d *Deps) {
		cfg := *d.Config
		cfg.PublicURL = "https://hoursync.example"
		d.Config = &cfg
	})
	owner := e.signUp()
	_, _, h := e.newClient().do("POST", "/api/v1/signin", map[string]any{"email": owner.me.User.Email, "password": testPassword})
	if c := h.Get("Set-Cookie"); !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") {
		t.Fatalf("cookie %q", c)
	}
}
