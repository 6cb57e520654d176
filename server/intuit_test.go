package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hoursync/internal/testutil"
)

// authorize starts a flow at path and returns the state Intuit would send back.
func (c *client) authorize(method, path string) string {
	c.e.t.Helper()
	status, raw, h := c.do(method, path, nil)
	loc := h.Get("Location")
	if method == "POST" && strings.HasPrefix(path, "/api/") {
		var a authorizeJSON
		c.call(method, path, nil, http.StatusOK, &a)
		loc = a.AuthorizeURL
	} else if status != http.StatusFound {
		c.e.t.Fatalf("%s %s: status %d: %s", method, path, status, raw)
	}
	u, err := url.Parse(loc)
	if err != nil || u.Query().Get("state") == "" || !strings.Contains(u.Query().Get("scope"), "com.intuit.quickbooks.accounting") {
		c.e.t.Fatalf("authorize URL %q", loc)
	}
	return u.Query().Get("state")
}

func callbackURL(state, code, realm string) string {
	q := url.Values{"state": {state}, "code": {code}}
	if realm != "" {
		q.Set("realmId", realm)
	}
	return "/auth/intuit/callback?" + q.Encode()
}

func newIdentity() IntuitIdentity {
	return IntuitIdentity{Subject: "sub-" + testutil.RandomHex(6), Email: testutil.UniqueName("intuit") + "@example.com", EmailVerified: true, GivenName: "Ines", FamilyName: "Intuit"}
}

func TestSignInWithIntuitCreatesAccountThenFindsSameUser(t *testing.T) {
	e := newEnv(t)
	id := newIdentity()
	realm := "realm-" + testutil.RandomHex(4)

	b := e.newClient()
	state := b.authorize("GET", "/auth/intuit/start")
	status, raw, h := b.do("GET", callbackURL(state, e.intuit.issue(id), realm), nil)
	if status != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("callback: %d %s", status, raw)
	}
	b.call("GET", "/api/v1/me", nil, http.StatusOK, &b.me)
	if b.me.User.Email != id.Email || b.me.User.Role != "owner" {
		t.Fatalf("me = %+v", b.me)
	}
	var conn connectionJSON
	b.call("GET", "/api/v1/connection", nil, http.StatusOK, &conn)
	if !conn.Connected || conn.RealmID != realm {
		t.Fatalf("connection = %+v", conn)
	}
	calls := strings.Join(e.syncer.Calls(), ";")
	if !strings.Contains(calls, fmt.Sprintf("import %d %s first connect", b.me.Account.ID, realm)) || !strings.Contains(calls, "schedules") {
		t.Fatalf("calls = %s", calls)
	}

	// The state is single-use.
	b.fails("GET", callbackURL(state, e.intuit.issue(id), realm), nil, http.StatusBadRequest, "state")

	// Next time, from another browser and through the App Store launch: same user.
	again := e.newClient()
	state = again.authorize("GET", "/qbo/launch")
	again.call("GET", callbackURL(state, e.intuit.issue(id), realm), nil, http.StatusSeeOther, nil)
	var me sessionJSON
	again.call("GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.User.ID != b.me.User.ID || me.Account.ID != b.me.Account.ID {
		t.Fatalf("second sign-in made another user: %+v vs %+v", me, b.me)
	}
	if !strings.Contains(strings.Join(e.syncer.Calls(), ";"), "reconnect") {
		t.Fatal("reconnect did not start an import")
	}
}

func TestIntuitCallbackRejectsBadState(t *testing.T) {
	e := newEnv(t)
	id := newIdentity()
	b := e.newClient()

	b.fails("GET", callbackURL("", e.intuit.issue(id), ""), nil, http.StatusBadRequest, "state")
	b.fails("GET", callbackURL("forged-state", e.intuit.issue(id), ""), nil, http.StatusBadRequest, "state")

	// Expired.
	state := b.authorize("GET", "/auth/intuit/start")
	if _, err := e.store.DB().Exec(`UPDATE oauth_states SET expires_at = now() - interval '1 minute' WHERE state_hash = $1`, hashToken(state)); err != nil {
		t.Fatal(err)
	}
	b.fails("GET", callbackURL(state, e.intuit.issue(id), ""), nil, http.StatusBadRequest, "state")

	// Issued to another browser.
	state = b.authorize("GET", "/auth/intuit/start")
	e.newClient().fails("GET", callbackURL(state, e.intuit.issue(id), ""), nil, http.StatusBadRequest, "state")

	// Nobody was signed in by any of this.
	b.fails("GET", "/api/v1/me", nil, http.StatusUnauthorized, "")
}

func TestIntuitSignInFindsPasswordUserByVerifiedEmail(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	id := newIdentity()
	id.Email = strings.ToUpper(owner.me.User.Email)
	b := e.newClient()
	state := b.authorize("GET", "/auth/intuit/start")
	b.call("GET", callbackURL(state, e.intuit.issue(id), ""), nil, http.StatusSeeOther, nil)
	var me sessionJSON
	b.call("GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.User.ID != owner.me.User.ID {
		t.Fatalf("signed in as %+v, want %+v", me.User, owner.me.User)
	}
	u, err := e.store.FindUserByIntuitSub(context.Background(), id.Subject)
	if err != nil || u.ID != owner.me.User.ID {
		t.Fatalf("subject not linked: %v", err)
	}

	// An unverified e-mail never takes over a login.
	id2 := newIdentity()
	id2.Email, id2.EmailVerified = owner.me.User.Email, false
	c := e.newClient()
	state = c.authorize("GET", "/auth/intuit/start")
	c.fails("GET", callbackURL(state, e.intuit.issue(id2), ""), nil, http.StatusConflict, "email")
}

func TestConnectWithQuickBooks(t *testing.T) {
	e := newEnv(t)
	first := e.signUp()
	realm := "realm-" + testutil.RandomHex(4)
	state := first.authorize("POST", "/api/v1/connection")
	status, raw, h := first.do("GET", callbackURL(state, e.intuit.issue(newIdentity()), realm), nil)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/settings") {
		t.Fatalf("connect callback: %d %s", status, raw)
	}

	// The same company cannot be connected to a second account.
	second := e.signUp()
	state = second.authorize("POST", "/auth/intuit/connect")
	e1 := second.fails("GET", callbackURL(state, e.intuit.issue(newIdentity()), realm), nil, http.StatusConflict, "realmId")
	if !strings.Contains(e1.Error.Message, "already connected to another Hoursync account") {
		t.Fatalf("message = %q", e1.Error.Message)
	}
	// A second company while one is connected: disconnect first.
	state = first.authorize("POST", "/api/v1/connection")
	e2 := first.fails("GET", callbackURL(state, e.intuit.issue(newIdentity()), "realm-other"), nil, http.StatusConflict, "realmId")
	if !strings.Contains(e2.Error.Message, "disconnect") {
		t.Fatalf("message = %q", e2.Error.Message)
	}
	// A connect state is bound to the session that started it.
	state = first.authorize("POST", "/api/v1/connection")
	first.call("POST", "/api/v1/signout", nil, http.StatusNoContent, nil)
	first.fails("GET", callbackURL(state, e.intuit.issue(newIdentity()), realm), nil, http.StatusBadRequest, "state")
	// Members cannot connect.
	member := second.member("member")
	member.fails("POST", "/api/v1/connection", nil, http.StatusForbidden, "")
}

func sign(verifier, body string) string {
	mac := hmac.New(sha256.New, []byte(verifier))
	mac.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestQBOWebhooks(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	realm := "realm-" + testutil.RandomHex(4)
	e.connect(owner.me.Account.ID, realm)
	legacy := fmt.Sprintf(`{"eventNotifications":[{"realmId":%q,"dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Update","lastUpdated":"2026-03-01T10:00:00Z"}]}}]}`, realm)
	cloud := fmt.Sprintf(`[{"specversion":"1.0","id":"e1","source":"intuit.test","type":"qbo.item.updated.v1","datacontenttype":"application/json","time":"2026-03-01T10:00:00Z","intuitentityid":"5","intuitaccountid":%q,"data":{}},
		{"specversion":"1.0","id":"e2","type":"qbo.invoice.created.v1","intuitentityid":"7","intuitaccountid":%q}]`, realm, realm)
	verifier := e.cfg.WebhookVerifier

	post := func(body, signature string) (int, webhookJSON) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/webhooks/qbo", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if signature != "" {
			req.Header.Set("intuit-signature", signature)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out webhookJSON
		_ = decodeBody(resp, &out)
		return resp.StatusCode, out
	}
	for _, tc := range []struct {
		name, body, sig string
	}{
		{"unsigned", legacy, ""},
		{"wrong key", legacy, sign("not-the-verifier", legacy)},
		{"body changed", legacy, sign(verifier, legacy+" ")},
		{"not base64", legacy, "%%%"},
	} {
		if status, _ := post(tc.body, tc.sig); status != http.StatusUnauthorized {
			t.Fatalf("%s: status %d", tc.name, status)
		}
	}
	if calls := e.syncer.Calls(); len(calls) != 0 {
		t.Fatalf("refused webhooks started %v", calls)
	}
	status, out := post(legacy, sign(verifier, legacy))
	if status != http.StatusOK || out.Received != 1 || out.Resyncs != 1 {
		t.Fatalf("legacy: %d %+v", status, out)
	}
	status, out = post(cloud, sign(verifier, cloud))
	if status != http.StatusOK || out.Received != 2 || out.Resyncs != 1 {
		t.Fatalf("cloudevents: %d %+v", status, out)
	}
	if want := fmt.Sprintf("pull changes %d", owner.me.Account.ID); !strings.Contains(strings.Join(e.syncer.Calls(), ";"), want) {
		t.Fatalf("calls %v lack %q", e.syncer.Calls(), want)
	}
	status, _ = post(`{"hello":1}`, sign(verifier, `{"hello":1}`))
	if status != http.StatusBadRequest {
		t.Fatalf("unknown payload: %d", status)
	}

	// Without a verifier configured, every webhook is refused.
	noVerifier := newEnv(t, func(d *Deps) {
		cfg := *d.Config
		cfg.WebhookVerifier = ""
		d.Config = &cfg
	})
	req, _ := http.NewRequest("POST", noVerifier.srv.URL+"/webhooks/qbo", strings.NewReader(legacy))
	req.Header.Set("intuit-signature", sign("", legacy))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no verifier: %d", resp.StatusCode)
	}
}

func TestIntuitCallbackFailureShowsAPageToBrowsers(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.srv.URL+callbackURL("forged", "code", ""), nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf strings.Builder
	_, _ = io.Copy(&buf, resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(buf.String(), "expired or was already used") || !strings.Contains(buf.String(), "Sign in with Intuit") {
		t.Fatalf("status %d: %s", resp.StatusCode, buf.String())
	}
}
