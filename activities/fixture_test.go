package activities_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"hoursync/activities"
	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
	"hoursync/internal/store"
	"hoursync/internal/testutil"
	"hoursync/workflows"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// fixture is one account connected to a company of an emulator served over HTTP, with
// the real activities on a fresh database; tests call the activities directly, as the
// worker would, without Temporal.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	acts    *activities.Activities
	store   *store.Store
	conns   *intuit.Connections
	emuURL  string
	account store.Account
	owner   store.User
	realm   string
}

const (
	testClientID     = "hoursync-test"
	testClientSecret = "hoursync-test-secret"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := testutil.DB(t)
	logger := slog.New(slog.DiscardHandler)
	emu, err := qboemu.New(qboemu.Options{ClientID: testClientID, ClientSecret: testClientSecret, Limits: qboemu.Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); emu.Close() })
	oauth, err := intuit.NewOAuth(config.IntuitConfig{
		AuthorizeURL: srv.URL + "/connect/oauth2", TokenURL: srv.URL + "/oauth2/v1/tokens/bearer",
		RevokeURL: srv.URL + "/v2/oauth2/tokens/revoke", UserinfoURL: srv.URL + "/v1/openid_connect/userinfo",
		JWKSURL: srv.URL + "/op/v1/jwks", Issuer: srv.URL + "/op/v1", ClientID: testClientID, ClientSecret: testClientSecret,
	}, "http://127.0.0.1/auth/intuit/callback", nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := []config.TokenKey{{ID: "t1", Key: []byte("0123456789abcdef0123456789abcdef")}}
	conns, err := intuit.NewConnections(db, oauth, keys, intuit.ConnectionsOptions{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), store: store.New(db), conns: conns, emuURL: srv.URL}
	f.acts = &activities.Activities{Store: f.store, Logger: logger, QBO: &activities.QBOCompanies{Connections: conns,
		Options: qbo.Options{BaseURL: srv.URL, Logger: logger, BaseBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}}}

	email := testutil.UniqueName("owner") + "@example.com"
	f.account, f.owner, err = f.store.CreateAccountWithOwner(f.ctx, store.NewAccount{Name: "Firm"},
		store.NewUser{Email: email, FirstName: "Olive", LastName: "Owner"})
	if err != nil {
		t.Fatal(err)
	}
	var company struct {
		RealmID string `json:"realmId"`
	}
	f.admin("POST", "/admin/companies", map[string]any{"companyName": "Co " + testutil.RandomHex(3), "plan": "Essentials",
		"adminUser": map[string]string{"givenName": "Olive", "familyName": "Owner", "email": email}}, &company)
	f.realm = company.RealmID
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	f.admin("POST", "/admin/companies/"+f.realm+"/tokens", map[string]string{"clientId": testClientID}, &tok)
	if err := conns.Connect(f.ctx, f.account.ID, f.owner.ID, f.realm, "Emulated Co", qbo.Plan{}, &oauth2.Token{
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}); err != nil {
		t.Fatal(err)
	}
	return f
}

// admin calls the emulator's admin API and decodes the answer into out.
func (f *fixture) admin(method, path string, body, out any) {
	f.t.Helper()
	testutil.Admin(f.t, f.emuURL, method, path, body, out)
}

// seed puts an object into the company as another app or the bookkeeper would have.
func (f *fixture) seed(entity string, obj map[string]any) map[string]any {
	f.t.Helper()
	var out map[string]any
	f.admin("POST", "/admin/companies/"+f.realm+"/entities/"+entity, obj, &out)
	if inner, ok := out[entity].(map[string]any); ok {
		return inner
	}
	return out
}

// live lists the company's objects of entity that are not deleted.
func (f *fixture) live(entity string) []map[string]any {
	f.t.Helper()
	var all []map[string]any
	f.admin("GET", "/admin/companies/"+f.realm+"/entities/"+entity, nil, &all)
	var out []map[string]any
	for _, o := range all {
		if o["status"] != "Deleted" {
			out = append(out, o)
		}
	}
	return out
}

// requests is how many API requests the company has answered.
func (f *fixture) requests() int {
	f.t.Helper()
	var c struct {
		Total int `json:"requestsTotal"`
	}
	f.admin("GET", "/admin/counters?realmId="+f.realm, nil, &c)
	return c.Total
}

// client is a QBO client of the company, for the edits a bookkeeper makes there.
func (f *fixture) client() *qbo.Client {
	f.t.Helper()
	cl, _, err := f.conns.Client(f.ctx, f.account.ID, qbo.Options{BaseURL: f.emuURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.t.Fatal(err)
	}
	return cl
}

// setActive makes a customer or item active or inactive in QBO.
func setActive[T qbo.Entity](f *fixture, id string, active bool, with func(h qbo.Header, active *bool) T) {
	f.t.Helper()
	cl := f.client()
	cur, err := qbo.Read[T](f.ctx, cl, id)
	if err != nil {
		f.t.Fatal(err)
	}
	_, token := cur.Key()
	if _, err := qbo.Update(f.ctx, cl, "test-"+testutil.RandomHex(8), with(qbo.Header{ID: id, SyncToken: token}, &active)); err != nil {
		f.t.Fatal(err)
	}
}

func itemActive(h qbo.Header, active *bool) qbo.Item { return qbo.Item{Header: h, Active: active} }

func (f *fixture) connection() workflows.ConnectionRef {
	return workflows.ConnectionRef{AccountID: f.account.ID, RealmID: f.realm}
}

func (f *fixture) ensureInput(id int64) workflows.EnsureInput {
	return workflows.EnsureInput{AccountID: f.account.ID, RealmID: f.realm, ObjectID: id}
}

// importAll imports the company's lists, as connecting does.
func (f *fixture) importAll() {
	f.t.Helper()
	for _, imp := range []func(context.Context, workflows.ConnectionRef) (workflows.ImportListResult, error){
		f.acts.ImportIncomeAccounts, f.acts.ImportCustomers, f.acts.ImportServices, f.acts.ImportTerms} {
		if _, err := imp(f.ctx, f.connection()); err != nil {
			f.t.Fatal(err)
		}
	}
}

func day(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }

// cards creates a user, customer and service, and n cards of them.
func (f *fixture) cards(n int) (store.User, store.Customer, store.Service, []int64) {
	f.t.Helper()
	u, err := f.store.CreateUser(f.ctx, f.account.ID, store.NewUser{Email: testutil.UniqueName("nia") + "@example.com", FirstName: "Nia", LastName: "New"})
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := f.store.CreateCustomer(f.ctx, f.account.ID, store.CustomerInput{DisplayName: "Client " + testutil.RandomHex(3), Active: true})
	if err != nil {
		f.t.Fatal(err)
	}
	sv, err := f.store.CreateService(f.ctx, f.account.ID, store.ServiceInput{Name: "Design " + testutil.RandomHex(2), RateCents: 9000, Active: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return u, c, sv, f.cardsOf(u, c, sv, n)
}

func (f *fixture) cardsOf(u store.User, c store.Customer, sv store.Service, n int) []int64 {
	f.t.Helper()
	var ids []int64
	for i := 0; i < n; i++ {
		card, err := f.store.CreateTimeCard(f.ctx, f.account.ID, store.TimeCardInput{UserID: u.ID, CustomerID: c.ID, ServiceID: sv.ID,
			WorkDate: day(2 + i), Minutes: 30 + i, Billable: true, RateCents: 9000, Notes: "work"})
		if err != nil {
			f.t.Fatal(err)
		}
		ids = append(ids, card.ID)
	}
	return ids
}

// ensure makes the cards' employee, customer and service exist in QBO, as the
// workflow does before it prepares their writes.
func (f *fixture) ensure(u store.User, c store.Customer, sv store.Service) {
	f.t.Helper()
	for _, e := range []struct {
		fn func(context.Context, workflows.EnsureInput) (workflows.EnsureResult, error)
		id int64
	}{{f.acts.EnsureEmployee, u.ID}, {f.acts.EnsureCustomer, c.ID}, {f.acts.EnsureService, sv.ID}} {
		if _, err := e.fn(f.ctx, f.ensureInput(e.id)); err != nil {
			f.t.Fatalf("ensure %d: %v", e.id, err)
		}
	}
}

// prepare fixes the cards' writes, as the workflow does before pushing them.
func (f *fixture) prepare(ids ...int64) []workflows.TimeActivityOp {
	f.t.Helper()
	ops, err := f.acts.PrepareTimeActivities(f.ctx, workflows.PrepareInput{AccountID: f.account.ID, RealmID: f.realm, IDs: ids})
	if err != nil {
		f.t.Fatal(err)
	}
	return ops
}

// pushInput is the batch of ops with the requestid the workflow derives for it.
func (f *fixture) pushInput(ops []workflows.TimeActivityOp) workflows.PushTimeActivitiesInput {
	members := make([]string, len(ops))
	for i, op := range ops {
		members[i] = op.Member()
	}
	return workflows.PushTimeActivitiesInput{AccountID: f.account.ID, RealmID: f.realm, Ops: ops,
		RequestID: workflows.BatchRequestID(f.realm, members), Kind: workflows.KindTimeCards}
}

func (f *fixture) push(ops []workflows.TimeActivityOp) []workflows.Outcome {
	f.t.Helper()
	out, err := f.acts.PushTimeActivities(f.ctx, f.pushInput(ops))
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) link(objectType string, id int64) store.Link {
	f.t.Helper()
	l, err := f.store.GetLink(f.ctx, f.account.ID, f.realm, objectType, id)
	if err != nil {
		f.t.Fatalf("link of %s %d: %v", objectType, id, err)
	}
	return l
}

func (f *fixture) state(objectType string, id int64) store.SyncState {
	f.t.Helper()
	st, err := f.store.GetSyncState(f.ctx, f.account.ID, objectType, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}
