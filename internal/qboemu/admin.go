package qboemu

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// routeAdmin mounts the admin API. It bypasses auth and limits: it is for
// tests, scripts and demos, never part of QBO.
func (e *Emulator) routeAdmin(mux *http.ServeMux) {
	h := func(f func(*http.Request) *result) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { f(r).write(w) }
	}
	mux.HandleFunc("POST /admin/companies", h(e.adminCreateCompany))
	mux.HandleFunc("GET /admin/companies", h(e.adminListCompanies))
	mux.HandleFunc("PATCH /admin/companies/{realmId}", h(e.adminPatchCompany))
	mux.HandleFunc("POST /admin/companies/{realmId}/tokens", h(e.adminIssueTokens))
	mux.HandleFunc("POST /admin/companies/{realmId}/hard-expiry", h(e.adminHardExpiry))
	mux.HandleFunc("GET /admin/companies/{realmId}/entities/{entity}", h(e.adminListEntities))
	mux.HandleFunc("POST /admin/companies/{realmId}/entities/{entity}", h(e.adminSeedEntity))
	mux.HandleFunc("POST /admin/companies/{realmId}/invoices/{id}/pay", h(e.adminPayInvoice))
	mux.HandleFunc("GET /admin/companies/{realmId}/mails", h(e.adminListMails))
	mux.HandleFunc("GET /admin/counters", h(e.adminCounters))
	mux.HandleFunc("POST /admin/reset", h(e.adminReset))
	mux.HandleFunc("POST /admin/faults", h(e.adminAddFault))
	mux.HandleFunc("DELETE /admin/faults", h(e.adminClearFaults))
}

// decodeAdmin reads an optional JSON body into v.
func decodeAdmin(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, DefaultMaxBodyBytes))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}

// CompanyView is a company as the admin API lists it.
type CompanyView struct {
	RealmID       string    `json:"realmId"`
	CompanyName   string    `json:"companyName"`
	Plan          string    `json:"plan"`
	Kind          string    `json:"kind"`
	Country       string    `json:"country"`
	HomeCurrency  string    `json:"homeCurrency"`
	MultiCurrency bool      `json:"multiCurrency"`
	Currencies    []string  `json:"currencies"`
	AdminUser     AdminUser `json:"adminUser"`
	CreatedAt     time.Time `json:"createdAt"`
}

func (c *company) view() CompanyView {
	return CompanyView{RealmID: c.RealmID, CompanyName: c.Name, Plan: c.Plan, Kind: c.TaxKind(), Country: c.kind().country,
		HomeCurrency: c.homeCurrency(), MultiCurrency: c.MultiCurrency, Currencies: c.currencyCodes(),
		AdminUser: c.Admin, CreatedAt: c.Created}
}

// currencyCodes lists the active CompanyCurrency codes, sorted.
func (c *company) currencyCodes() []string {
	out := []string{}
	for _, rec := range c.Entities["CompanyCurrency"] {
		if !rec.Deleted && rec.Data["Active"] == true {
			out = append(out, str(rec.Data["Code"]))
		}
	}
	slices.Sort(out)
	return out
}

// errUnknownPlan is returned for a plan the emulator does not know.
var errUnknownPlan = errors.New("qboemu: unknown plan (want SimpleStart, Essentials, Plus or Advanced)")

// errUnknownKind is returned for a company kind the emulator does not know.
var errUnknownKind = errors.New("qboemu: unknown kind (want US, US_AST, US_MANUAL, CA, UK or AU)")

// errNoMultiCurrency is returned when multicurrency is asked of a plan without it.
var errNoMultiCurrency = errors.New("qboemu: multicurrency is not available with QuickBooks Simple Start")

// companySetup is what a new company is created with.
type companySetup struct {
	Name, Plan, Kind string
	MultiCurrency    bool
	Currencies       []string // ISO codes added as CompanyCurrency (needs MultiCurrency)
	Admin            AdminUser
}

// createCompany creates a fresh US company without sales tax.
func (e *Emulator) createCompany(name, plan string, admin AdminUser) (string, error) {
	return e.createCompanyWith(companySetup{Name: name, Plan: plan, Admin: admin})
}

// checkCurrencies validates the currency codes of a setup.
func checkCurrencies(codes []string, multi bool) error {
	for _, code := range codes {
		if _, ok := currencyNames[strings.ToUpper(strings.TrimSpace(code))]; !ok {
			return fmt.Errorf("qboemu: unknown currency code %q", code)
		}
	}
	if len(codes) > 0 && !multi {
		return errors.New("qboemu: currencies need multiCurrency")
	}
	return nil
}

// createCompanyWith creates a fresh company and returns its realm id.
func (e *Emulator) createCompanyWith(s companySetup) (string, error) {
	name, plan, admin := s.Name, s.Plan, s.Admin
	if plan == "" {
		plan = PlanEssentials
	}
	p, ok := normalizePlan(plan)
	if !ok {
		return "", fmt.Errorf("%w: %q", errUnknownPlan, plan)
	}
	kind, ok := normalizeKind(s.Kind)
	if !ok {
		return "", fmt.Errorf("%w: %q", errUnknownKind, s.Kind)
	}
	if s.MultiCurrency && p == PlanSimpleStart {
		return "", errNoMultiCurrency
	}
	if err := checkCurrencies(s.Currencies, s.MultiCurrency); err != nil {
		return "", err
	}
	if strings.TrimSpace(name) == "" {
		name = kindInfos[kind].sandboxName
	}
	if admin.GivenName == "" && admin.FamilyName == "" {
		admin.GivenName, admin.FamilyName = "Admin", "User"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var realm string
	for {
		id, err := newRealmID()
		if err != nil {
			return "", err
		}
		if e.companies[id] == nil {
			realm = id
			break
		}
	}
	now := e.now()
	c := newCompanyOf(realm, strings.TrimSpace(name), p, kind, s.MultiCurrency, admin, now)
	if _, f := c.putCompanyCurrencies(s.Currencies, &txn{c: c, now: now}); f != nil {
		return "", f
	}
	e.companies[realm] = c
	e.markDirty()
	e.log.Info("qboemu: company created", "realmId", realm, "name", name, "plan", p, "kind", kind, "multiCurrency", s.MultiCurrency)
	return realm, nil
}

// listCompanies returns every company, oldest first.
func (e *Emulator) listCompanies() []CompanyView {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]CompanyView, 0, len(e.companies))
	for _, c := range e.companies {
		out = append(out, c.view())
	}
	slices.SortFunc(out, func(a, b CompanyView) int {
		if n := a.CreatedAt.Compare(b.CreatedAt); n != 0 {
			return n
		}
		return strings.Compare(a.RealmID, b.RealmID)
	})
	return out
}

// adminOf returns the admin user of a company.
func (e *Emulator) adminOf(realmID string) (AdminUser, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c := e.companies[realmID]
	if c == nil {
		return AdminUser{}, false
	}
	return c.Admin, true
}

func (e *Emulator) adminCreateCompany(r *http.Request) *result {
	var req struct {
		CompanyName   string    `json:"companyName"`
		Plan          string    `json:"plan"`
		Kind          string    `json:"kind"`
		MultiCurrency bool      `json:"multiCurrency"`
		Currencies    []string  `json:"currencies"`
		AdminUser     AdminUser `json:"adminUser"`
	}
	if err := decodeAdmin(r, &req); err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	realm, err := e.createCompanyWith(companySetup{Name: req.CompanyName, Plan: req.Plan, Kind: req.Kind,
		MultiCurrency: req.MultiCurrency, Currencies: req.Currencies, Admin: req.AdminUser})
	if err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	return adminJSON(http.StatusCreated, map[string]string{"realmId": realm})
}

func (e *Emulator) adminListCompanies(*http.Request) *result {
	return adminJSON(http.StatusOK, e.listCompanies())
}

func (e *Emulator) adminPatchCompany(r *http.Request) *result {
	var req struct {
		Plan          string   `json:"plan"`
		CompanyName   string   `json:"companyName"`
		Kind          string   `json:"kind"`
		MultiCurrency *bool    `json:"multiCurrency"`
		Currencies    []string `json:"currencies"`
	}
	if err := decodeAdmin(r, &req); err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	realm := r.PathValue("realmId")
	var plan string
	if req.Plan != "" {
		p, ok := normalizePlan(req.Plan)
		if !ok {
			return adminError(http.StatusBadRequest, "%v: %q", errUnknownPlan, req.Plan)
		}
		plan = p
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.companies[realm]
	if c == nil {
		return adminError(http.StatusNotFound, "no company %s", realm)
	}
	if req.Kind != "" {
		if k, ok := normalizeKind(req.Kind); !ok || k != c.TaxKind() {
			return adminError(http.StatusBadRequest, "qboemu: the kind (%s) is chosen when the company is created and cannot change", c.TaxKind())
		}
	}
	multi := c.MultiCurrency
	if req.MultiCurrency != nil {
		if !*req.MultiCurrency && c.MultiCurrency {
			return adminError(http.StatusBadRequest, "qboemu: multicurrency cannot be turned off once it is on")
		}
		multi = *req.MultiCurrency
	}
	if multi && (plan == PlanSimpleStart || (plan == "" && c.Plan == PlanSimpleStart)) {
		return adminError(http.StatusBadRequest, "%v", errNoMultiCurrency)
	}
	if err := checkCurrencies(req.Currencies, multi); err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	var changed []change
	if multi && !c.MultiCurrency {
		c.MultiCurrency = true
		c.refreshPreferences(now)
		changed = append(changed, change{"Preferences", "1", "Update"})
	}
	if len(req.Currencies) > 0 {
		added, f := c.putCompanyCurrencies(req.Currencies, &txn{c: c, now: now})
		if f != nil {
			return adminError(http.StatusBadRequest, "%v", f)
		}
		changed = append(changed, added...)
	}
	if plan != "" && plan != c.Plan {
		c.setPlan(plan, now)
		changed = append(changed, change{"Preferences", "1", "Update"}, change{"CompanyInfo", "1", "Update"})
	}
	if name := strings.TrimSpace(req.CompanyName); name != "" && name != c.Name {
		c.Name = name
		if rec := c.Entities["CompanyInfo"]["1"]; rec != nil {
			rec.Data["CompanyName"] = name
			touch(rec, now)
		}
		changed = append(changed, change{"CompanyInfo", "1", "Update"})
	}
	e.markDirty()
	for _, ch := range changed {
		e.hooks.notify(realm, ch.entity, ch.id, ch.op, now)
	}
	return adminJSON(http.StatusOK, c.view())
}

// adminHardExpiry moves the hard expiry (Intuit's five-year maximum) of every grant of
// the company: {"in": "720h"} from now, or {"at": RFC 3339}.
func (e *Emulator) adminHardExpiry(r *http.Request) *result {
	var req struct {
		In string    `json:"in"`
		At time.Time `json:"at"`
	}
	if err := decodeAdmin(r, &req); err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	realm := r.PathValue("realmId")
	if _, ok := e.adminOf(realm); !ok {
		return adminError(http.StatusNotFound, "no company %s", realm)
	}
	at := req.At
	if req.In != "" {
		d, err := time.ParseDuration(req.In)
		if err != nil {
			return adminError(http.StatusBadRequest, "in: %v", err)
		}
		at = e.now().Add(d)
	}
	if at.IsZero() {
		return adminError(http.StatusBadRequest, `give "in" (a duration) or "at" (RFC 3339)`)
	}
	n := e.auth.setHardExpiry(realm, at)
	e.markDirty()
	return adminJSON(http.StatusOK, map[string]any{"grants": n, "hardExpires": at.UTC().Format(time.RFC3339)})
}

func (e *Emulator) adminIssueTokens(r *http.Request) *result {
	var req struct {
		ClientID string `json:"clientId"`
		Scope    string `json:"scope"`
	}
	if err := decodeAdmin(r, &req); err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	realm := r.PathValue("realmId")
	if _, ok := e.adminOf(realm); !ok {
		return adminError(http.StatusNotFound, "no company %s", realm)
	}
	if req.ClientID == "" {
		req.ClientID = e.opts.ClientID
	}
	if req.Scope == "" {
		req.Scope = "com.intuit.quickbooks.accounting"
	}
	tok, err := e.auth.issue(realm, req.ClientID, req.Scope)
	if err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	e.markDirty()
	return adminJSON(http.StatusOK, tok)
}

func (e *Emulator) adminListEntities(r *http.Request) *result {
	spec := lookupSpec(r.PathValue("entity"))
	if spec == nil {
		return adminError(http.StatusNotFound, "unknown entity %q", r.PathValue("entity"))
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	c := e.companies[r.PathValue("realmId")]
	if c == nil {
		return adminError(http.StatusNotFound, "no company %s", r.PathValue("realmId"))
	}
	recs := make([]*record, 0, len(c.Entities[spec.name]))
	for _, rec := range c.Entities[spec.name] {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b *record) int { return compareIDs(str(a.Data["Id"]), str(b.Data["Id"])) })
	out := make([]any, 0, len(recs))
	for _, rec := range recs {
		if rec.Deleted {
			obj := deepCopy(rec.Data).(map[string]any)
			obj["status"] = "Deleted"
			out = append(out, obj)
			continue
		}
		out = append(out, rec.Data)
	}
	return adminJSON(http.StatusOK, out)
}

// adminSeedEntity creates an object through the normal validation but
// without auth, limits or plan gating.
func (e *Emulator) adminSeedEntity(r *http.Request) *result {
	now := e.now()
	spec := lookupSpec(r.PathValue("entity"))
	if spec == nil {
		return adminError(http.StatusNotFound, "unknown entity %q", r.PathValue("entity"))
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, DefaultMaxBodyBytes))
	if err != nil {
		return adminError(http.StatusBadRequest, "read body: %v", err)
	}
	in, f := decodeEntity(body)
	if f != nil {
		return f.render(true, now)
	}
	realm := r.PathValue("realmId")
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.companies[realm]
	if c == nil {
		return adminError(http.StatusNotFound, "no company %s", realm)
	}
	tx := &txn{c: c, now: now, allowDupDoc: true}
	rec, f := tx.create(spec, in)
	if f != nil {
		return f.render(true, now)
	}
	e.markDirty()
	for _, ch := range tx.changes {
		e.hooks.notify(realm, ch.entity, ch.id, ch.op, now)
	}
	return adminJSON(http.StatusCreated, rec.Data)
}

func (e *Emulator) adminCounters(r *http.Request) *result {
	out := e.stats.snapshot(r.URL.Query().Get("realmId"))
	for k, v := range e.auth.counters() {
		out[k] = v
	}
	for k, v := range e.limits.counters() {
		out[k] = v
	}
	out["faultsInjected"] = e.faults.injectedCount()
	return adminJSON(http.StatusOK, out)
}

func (e *Emulator) adminReset(r *http.Request) *result {
	var req struct {
		RealmID string `json:"realmId"`
	}
	if err := decodeAdmin(r, &req); err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	if err := e.Reset(req.RealmID); err != nil {
		return adminError(http.StatusNotFound, "%v", err)
	}
	return adminJSON(http.StatusOK, map[string]string{"reset": cmp.Or(req.RealmID, "all")})
}

// Reset brings one company back to its fresh state (same realm id, name,
// plan and admin), or with realmID "" removes every company, grant, counter
// and injected fault.
func (e *Emulator) Reset(realmID string) error {
	now := e.now()
	e.mu.Lock()
	if realmID == "" {
		e.companies = map[string]*company{}
	} else {
		c := e.companies[realmID]
		if c == nil {
			e.mu.Unlock()
			return fmt.Errorf("qboemu: reset: no company %s", realmID)
		}
		fresh := newCompanyOf(c.RealmID, c.Name, c.Plan, c.TaxKind(), c.MultiCurrency, c.Admin, now)
		if _, f := fresh.putCompanyCurrencies(c.currencyCodes(), &txn{c: fresh, now: now}); f != nil {
			e.mu.Unlock()
			return fmt.Errorf("qboemu: reset: %w", f)
		}
		e.companies[realmID] = fresh
	}
	e.mu.Unlock()
	e.auth.reset(realmID)
	e.stats.reset(realmID)
	e.faults.clear(realmID)
	e.markDirty()
	return nil
}

// SeedDemo creates the demo companies unless they exist: "Demo Design Co."
// (Essentials, a few customers and services) and "Simple Start Studio"
// (Simple Start). It returns the realm ids by company name.
func (e *Emulator) SeedDemo() (map[string]string, error) {
	out := map[string]string{}
	for _, c := range e.listCompanies() {
		out[c.CompanyName] = c.RealmID
	}
	const demo, simple = "Demo Design Co.", "Simple Start Studio"
	if out[demo] == "" {
		realm, err := e.createCompany(demo, PlanEssentials, AdminUser{GivenName: "Dana", FamilyName: "Designer", Email: "dana@demo-design.example"})
		if err != nil {
			return nil, fmt.Errorf("qboemu: seed demo: %w", err)
		}
		out[demo] = realm
		seed := []struct {
			entity string
			obj    map[string]any
		}{
			{"Customer", map[string]any{"DisplayName": "Acme Corporation", "CompanyName": "Acme Corporation", "PrimaryEmailAddr": map[string]any{"Address": "ap@acme.example"}}},
			{"Customer", map[string]any{"DisplayName": "O'Brien & Sons", "CompanyName": "O'Brien & Sons"}},
			{"Customer", map[string]any{"DisplayName": "Zoë's Café", "GivenName": "Zoë"}},
			{"Item", map[string]any{"Name": "Design", "Type": "Service", "UnitPrice": json.Number("120.00"), "IncomeAccountRef": map[string]any{"value": "1"}}},
			{"Item", map[string]any{"Name": "Consulting", "Type": "Service", "UnitPrice": json.Number("150.00"), "IncomeAccountRef": map[string]any{"value": "1"}}},
			{"Item", map[string]any{"Name": "Workshop", "Type": "Service", "UnitPrice": json.Number("95.50"), "IncomeAccountRef": map[string]any{"value": "1"}}},
		}
		e.mu.Lock()
		tx := &txn{c: e.companies[realm], now: e.now()}
		for _, s := range seed {
			if _, f := tx.create(lookupSpec(s.entity), s.obj); f != nil {
				e.mu.Unlock()
				return nil, fmt.Errorf("qboemu: seed demo %s: %w", s.entity, f)
			}
		}
		e.mu.Unlock()
	}
	if out[simple] == "" {
		realm, err := e.createCompany(simple, PlanSimpleStart, AdminUser{GivenName: "Sam", FamilyName: "Starter", Email: "sam@simple-start.example"})
		if err != nil {
			return nil, fmt.Errorf("qboemu: seed demo: %w", err)
		}
		out[simple] = realm
	}
	e.markDirty()
	return map[string]string{demo: out[demo], simple: out[simple]}, nil
}
