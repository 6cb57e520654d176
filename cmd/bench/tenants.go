package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lib/pq"
	"go.temporal.io/sdk/client"
	"golang.org/x/oauth2"

	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/internal/testutil"
)

var benchKey = config.TokenKey{ID: "b1", Key: []byte("0123456789abcdef0123456789abcdef")}

var benchKeyEnv = benchKey.ID + ":" + base64.StdEncoding.EncodeToString(benchKey.Key)

// side is the harness's view of one emulator: its admin API, the connections of the
// accounts on it (the same rows the worker reads) and a starter of syncs.
type side struct {
	emu     *emulatorProc
	store   *store.Store
	conns   *intuit.Connections
	starter *syncs.Starter
}

func newSide(emu *emulatorProc, st *store.Store, tc client.Client, queue string) (*side, error) {
	icfg := config.IntuitConfig{
		AuthorizeURL: emu.url + "/connect/oauth2", TokenURL: emu.url + "/oauth2/v1/tokens/bearer",
		RevokeURL: emu.url + "/v2/oauth2/tokens/revoke", UserinfoURL: emu.url + "/v1/openid_connect/userinfo",
		JWKSURL: emu.url + "/op/v1/jwks", Issuer: emu.url + "/op/v1", ClientID: benchClientID, ClientSecret: benchClientSecret,
	}
	oauth, err := intuit.NewOAuth(icfg, "http://127.0.0.1/auth/intuit/callback", nil)
	if err != nil {
		return nil, err
	}
	conns, err := intuit.NewConnections(st.DB(), oauth, []config.TokenKey{benchKey},
		intuit.ConnectionsOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	return &side{emu: emu, store: st, conns: conns, starter: syncs.New(tc, queue, st)}, nil
}

// admin calls the emulator's admin API.
func (s *side) admin(method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.emu.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// tenant is a Hoursync account connected to its own emulated company.
type tenant struct {
	account store.Account
	owner   store.User
	realm   string
}

// newTenant creates an account whose owner connected a new company holding customers
// and services (seeded straight into the emulator, outside its limits).
func (s *side) newTenant(ctx context.Context, customers, services int) (tenant, error) {
	email := testutil.UniqueName("owner") + "@example.com"
	acct, owner, err := s.store.CreateAccountWithOwner(ctx, store.NewAccount{Name: "Bench firm"},
		store.NewUser{Email: email, FirstName: "Olive", LastName: "Owner"})
	if err != nil {
		return tenant{}, err
	}
	var co struct {
		RealmID string `json:"realmId"`
	}
	if err := s.admin("POST", "/admin/companies", map[string]any{"companyName": "Bench " + testutil.RandomHex(3), "plan": "Essentials",
		"adminUser": map[string]string{"givenName": "Olive", "familyName": "Owner", "email": email}}, &co); err != nil {
		return tenant{}, err
	}
	if err := s.seed(co.RealmID, customers, services); err != nil {
		return tenant{}, err
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	if err := s.admin("POST", "/admin/companies/"+co.RealmID+"/tokens", map[string]string{"clientId": benchClientID}, &tok); err != nil {
		return tenant{}, err
	}
	ot := &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}
	if err := s.conns.Connect(ctx, acct.ID, owner.ID, co.RealmID, "Bench Co", qbo.Plan{}, ot); err != nil {
		return tenant{}, err
	}
	return tenant{account: acct, owner: owner, realm: co.RealmID}, nil
}

// seed posts customers and service items into the company, eight at a time.
func (s *side) seed(realm string, customers, services int) error {
	var incomeID any
	if services > 0 {
		for _, a := range s.entityList(realm, "Account") {
			if a["AccountType"] == "Income" {
				incomeID = a["Id"]
				break
			}
		}
	}
	jobs := make(chan func() error)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if err := job(); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range customers {
		jobs <- func() error {
			return s.admin("POST", "/admin/companies/"+realm+"/entities/Customer",
				map[string]any{"DisplayName": fmt.Sprintf("Customer %05d", i), "PrimaryEmailAddr": map[string]string{"Address": fmt.Sprintf("c%d@example.com", i)}}, nil)
		}
	}
	for i := range services {
		jobs <- func() error {
			return s.admin("POST", "/admin/companies/"+realm+"/entities/Item", map[string]any{"Name": fmt.Sprintf("Service %04d", i),
				"Type": "Service", "UnitPrice": 90, "IncomeAccountRef": map[string]any{"value": incomeID}}, nil)
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// entityList lists every object of an entity in the company (inactive and deleted too).
func (s *side) entityList(realm, entity string) []map[string]any {
	var raw json.RawMessage
	if err := s.admin("GET", "/admin/companies/"+realm+"/entities/"+entity, nil, &raw); err != nil {
		return nil
	}
	var list []map[string]any
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var wrapped map[string][]map[string]any
	_ = json.Unmarshal(raw, &wrapped)
	for _, v := range wrapped {
		return v
	}
	return nil
}

// importAll runs the tenant's Import workflow to its end.
func (s *side) importAll(ctx context.Context, tc client.Client, tn tenant) (time.Duration, error) {
	began := time.Now()
	st, err := s.starter.StartImport(ctx, tn.account.ID, tn.realm, tn.owner.ID, "bench")
	if err != nil {
		return 0, err
	}
	ictx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := tc.GetWorkflow(ictx, st.WorkflowID, st.RunID).Get(ictx, nil); err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	return time.Since(began), nil
}

// newCards records n cards of the owner, spread over the account's customers and
// services.
func (s *side) newCards(ctx context.Context, tn tenant, n int) ([]int64, error) {
	custs, err := s.store.ListCustomers(ctx, tn.account.ID, "", store.Page{Limit: 50})
	if err != nil {
		return nil, err
	}
	svcs, err := s.store.ListServices(ctx, tn.account.ID, "", store.Page{Limit: 10})
	if err != nil {
		return nil, err
	}
	if len(custs) == 0 || len(svcs) == 0 {
		return nil, fmt.Errorf("tenant has %d customers and %d services; import first", len(custs), len(svcs))
	}
	ids := make([]int64, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				card, err := s.store.CreateTimeCard(ctx, tn.account.ID, store.TimeCardInput{UserID: tn.owner.ID,
					CustomerID: custs[i%len(custs)].ID, ServiceID: svcs[i%len(svcs)].ID,
					WorkDate: time.Date(2026, 11, 1+i%28, 0, 0, 0, 0, time.UTC), Minutes: 15 + i%240, Billable: i%3 != 0,
					RateCents: 9000, Notes: fmt.Sprintf("bench card %d", i)})
				if err != nil {
					errs <- err
					continue
				}
				ids[i] = card.ID
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return ids, nil
}

// waitSynced waits until none of the accounts' cards is syncing any more (the starter
// marks each selected card syncing before the workflow starts) and answers how many
// ended synced. It asks once every 200 ms, through the status index, so the watching
// costs the database next to nothing.
func (s *side) waitSynced(ctx context.Context, accounts []int64, within time.Duration) (synced int, err error) {
	deadline := time.Now().Add(within)
	for {
		var busy int
		if err := s.store.DB().GetContext(ctx, &busy, `SELECT count(*) FROM sync_states WHERE account_id = ANY($1)
			AND status = 'syncing'`, pq.Array(accounts)); err != nil {
			return 0, err
		}
		if busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%d cards still syncing after %v", busy, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
	err = s.store.DB().GetContext(ctx, &synced, `SELECT count(*) FROM sync_states WHERE account_id = ANY($1)
		AND object_type = 'time_card' AND status = 'synced'`, pq.Array(accounts))
	return synced, err
}

// books checks the tenant's company after a sync: how many answers were 429, how many
// cards' TimeActivities QBO holds more than once, and how many cards are not in QBO.
type books struct {
	throttled, duplicates, lost int
	batches, singles            int
}

func (s *side) check(ctx context.Context, tn tenant, ids []int64) (books, error) {
	var b books
	var counters struct {
		Requests map[string]map[string]map[string]map[string]int `json:"requests"`
	}
	if err := s.admin("GET", "/admin/counters?realmId="+tn.realm, nil, &counters); err != nil {
		return b, err
	}
	for entity, ops := range counters.Requests[tn.realm] {
		for op, statuses := range ops {
			for status, n := range statuses {
				if status == "429" {
					b.throttled += n
				}
				if status == "200" && entity == "Batch" {
					b.batches += n
				}
				if status == "200" && entity == "TimeActivity" && op == "create" {
					b.singles += n
				}
			}
		}
	}
	inQBO := map[string]int{}
	for _, ta := range s.entityList(tn.realm, "TimeActivity") {
		if st, _ := ta["status"].(string); st == "Deleted" {
			continue
		}
		inQBO[fmt.Sprint(ta["Id"])]++
	}
	links, err := s.store.LinksOf(ctx, tn.account.ID, tn.realm, store.ObjectTimeCard, ids)
	if err != nil {
		return b, err
	}
	linked := map[string]bool{}
	for _, id := range ids {
		l, ok := links[id]
		if !ok || inQBO[l.QBOID] == 0 {
			b.lost++
			continue
		}
		if linked[l.QBOID] {
			b.duplicates++ // two cards on one TimeActivity
		}
		linked[l.QBOID] = true
	}
	// TimeActivities no card links to are duplicates of a card's.
	b.duplicates += len(inQBO) - len(linked)
	return b, nil
}
