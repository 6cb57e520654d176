package qboemu

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Plans a company can be on, as the admin API names them.
const (
	PlanSimpleStart = "SimpleStart"
	PlanEssentials  = "Essentials"
	PlanPlus        = "Plus"
	PlanAdvanced    = "Advanced"
)

// offeringSku maps a plan to the OfferingSku QBO reports in CompanyInfo.
var offeringSku = map[string]string{
	PlanSimpleStart: "QuickBooks Online Simple Start",
	PlanEssentials:  "QuickBooks Online Essentials",
	PlanPlus:        "QuickBooks Online Plus",
	PlanAdvanced:    "QuickBooks Online Advanced",
}

// normalizePlan accepts a plan name in any case and with or without spaces.
func normalizePlan(p string) (string, bool) {
	k := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(p), " ", ""))
	for plan := range offeringSku {
		if strings.ToLower(plan) == k {
			return plan, true
		}
	}
	return "", false
}

// hasTimeTracking reports whether a plan can take TimeActivity.
func hasTimeTracking(plan string) bool { return plan != PlanSimpleStart }

// AdminUser is the person who created a company; it appears as an Employee.
type AdminUser struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
	Email      string `json:"email"`
}

// record is one stored entity object, kept in QBO's JSON shape.
type record struct {
	Data    map[string]any `json:"data"`
	Deleted bool           `json:"deleted,omitempty"`
	Changed time.Time      `json:"changed"`
	// encoded caches Data as JSON for reads; touch clears it. Readers fill
	// it under the read lock, hence atomic.
	encoded atomic.Pointer[[]byte]
}

// encodedJSON returns Data as JSON, from the cache when it is fresh.
func (r *record) encodedJSON() ([]byte, error) {
	if b := r.encoded.Load(); b != nil {
		return *b, nil
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, r.Data); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	r.encoded.Store(&b)
	return b, nil
}

// replay is a stored response for a requestid.
type replay struct {
	Status int    `json:"status"`
	CType  string `json:"ctype"`
	Body   []byte `json:"body"`
}

// company is one QBO company (realm) and everything in it.
type company struct {
	RealmID       string                        `json:"realmId"`
	Name          string                        `json:"companyName"`
	Plan          string                        `json:"plan"`
	Kind          string                        `json:"kind,omitempty"` // "" = KindUS (a state saved before kinds)
	MultiCurrency bool                          `json:"multiCurrency,omitempty"`
	Admin         AdminUser                     `json:"adminUser"`
	Created       time.Time                     `json:"created"`
	Entities      map[string]map[string]*record `json:"entities"`
	NextID        map[string]int64              `json:"nextId"`
	NextDocNumber int64                         `json:"nextDocNumber"`
	Replays       map[string]replay             `json:"replays"`
	ReplayOrder   []string                      `json:"replayOrder"`
	// Mails are the invoices sent by email (POST /invoice/{id}/send), oldest first.
	Mails []SentMail `json:"mails,omitempty"`
}

// maxReplays bounds the requestid cache per company.
const maxReplays = 20000

func newRealmID() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1e12))
	if err != nil {
		return "", fmt.Errorf("qboemu: realm id: %w", err)
	}
	return fmt.Sprintf("9341%012d", n.Int64()), nil
}

// newCompany builds a fresh US company without sales tax (KindUS).
func newCompany(realmID, name, plan string, admin AdminUser, now time.Time) *company {
	return newCompanyOf(realmID, name, plan, KindUS, false, admin, now)
}

// newCompanyOf builds a company of a kind the way QBO hands out a fresh one:
// company info, preferences, an active "Services" income account, a
// "Services" item, the admin user as an Employee, the default terms and the
// kind's tax lists. Multicurrency, when on, is on from the start (the
// currencies are added by the caller).
func newCompanyOf(realmID, name, plan, kind string, multi bool, admin AdminUser, now time.Time) *company {
	if kind == KindUS {
		kind = "" // stored as before kinds existed
	}
	c := &company{
		RealmID: realmID, Name: name, Plan: plan, Kind: kind, MultiCurrency: multi, Admin: admin, Created: now,
		Entities: map[string]map[string]*record{}, NextID: map[string]int64{},
		NextDocNumber: 1001, Replays: map[string]replay{},
	}
	for _, spec := range specs {
		c.Entities[spec.name] = map[string]*record{}
	}
	c.put("CompanyInfo", c.companyInfo(now), now)
	c.put("Preferences", c.preferences(nil), now)
	c.put("Account", map[string]any{
		"Name": "Services", "AccountType": "Income", "AccountSubType": "ServiceFeeIncome",
		"Classification": "Revenue", "FullyQualifiedName": "Services", "Active": true,
		"SubAccount": false, "CurrentBalance": json.Number("0"), "CurrentBalanceWithSubAccounts": json.Number("0"),
		"CurrencyRef": c.homeCurrencyRef(),
	}, now)
	c.put("Account", map[string]any{
		"Name": "Sales of Product Income", "AccountType": "Income", "AccountSubType": "SalesOfProductIncome",
		"Classification": "Revenue", "FullyQualifiedName": "Sales of Product Income", "Active": true,
		"SubAccount": false, "CurrentBalance": json.Number("0"), "CurrentBalanceWithSubAccounts": json.Number("0"),
		"CurrencyRef": c.homeCurrencyRef(),
	}, now)
	c.put("Item", map[string]any{
		"Name": "Services", "FullyQualifiedName": "Services", "Type": "Service", "Active": true, "Taxable": false,
		"UnitPrice": json.Number("0"), "IncomeAccountRef": map[string]any{"value": "1", "name": "Services"},
		"TrackQtyOnHand": false,
	}, now)
	display := strings.TrimSpace(admin.GivenName + " " + admin.FamilyName)
	if display == "" {
		display = "Admin"
	}
	emp := map[string]any{
		"GivenName": admin.GivenName, "FamilyName": admin.FamilyName, "DisplayName": display,
		"PrintOnCheckName": display, "Active": true, "BillableTime": false,
	}
	if admin.Email != "" {
		emp["PrimaryEmailAddr"] = map[string]any{"Address": admin.Email}
	}
	c.put("Employee", emp, now)
	c.putDefaultTerms(now)
	c.putTaxSetup(now)
	return c
}

// put stores a new object with the next Id and fresh MetaData.
func (c *company) put(entity string, obj map[string]any, now time.Time) *record {
	var id string
	switch entity {
	case "CompanyInfo", "Preferences":
		id = "1"
	default:
		seq := idSequence(entity)
		c.NextID[seq]++
		id = strconv.FormatInt(c.NextID[seq], 10)
	}
	obj["Id"] = id
	obj["SyncToken"] = "0"
	obj["domain"] = "QBO"
	obj["sparse"] = false
	obj["MetaData"] = map[string]any{"CreateTime": metaTime(now), "LastUpdatedTime": metaTime(now)}
	rec := &record{Data: obj, Changed: now}
	c.Entities[entity][id] = rec
	return rec
}

// idSequence names the Id sequence an entity draws from: as in QBO, the
// people lists share one, transactions share one, items and accounts have
// their own.
func idSequence(entity string) string {
	switch entity {
	case "Customer", "Employee", "Vendor":
		return "Name"
	case "Invoice", "TimeActivity", "Payment":
		return "Txn"
	}
	return entity
}

// touch bumps SyncToken and LastUpdatedTime after a change.
func touch(rec *record, now time.Time) {
	n, _ := strconv.Atoi(str(rec.Data["SyncToken"]))
	rec.Data["SyncToken"] = strconv.Itoa(n + 1)
	md, _ := rec.Data["MetaData"].(map[string]any)
	if md == nil {
		md = map[string]any{"CreateTime": metaTime(now)}
		rec.Data["MetaData"] = md
	}
	md["LastUpdatedTime"] = metaTime(now)
	rec.Changed = now
	rec.encoded.Store(nil)
}

func (c *company) companyInfo(now time.Time) map[string]any {
	ki := c.kind()
	addr := deepCopy(ki.addr).(map[string]any)
	info := map[string]any{
		"CompanyName": c.Name, "LegalName": c.Name, "Country": ki.country, "SupportedLanguages": "en",
		"FiscalYearStartMonth": "January", "CompanyStartDate": now.In(pacific).Format("2006-01-02"),
		"CompanyAddr": addr, "LegalAddr": addr, "CustomerCommunicationAddr": addr,
	}
	if c.Admin.Email != "" {
		info["Email"] = map[string]any{"Address": c.Admin.Email}
	}
	info["NameValue"] = c.companyNameValues()
	return info
}

func (c *company) companyNameValues() []any {
	nv := func(n, v string) any { return map[string]any{"Name": n, "Value": v} }
	return []any{
		nv("NeoEnabled", "true"), nv("IndustryType", "Design, architecture and engineering"),
		nv("SubscriptionStatus", "PAID"), nv("OfferingSku", offeringSku[c.Plan]),
		nv("PayrollFeature", "false"), nv("AccountantFeature", "false"), nv("IsQbdtMigrated", "false"),
		nv("ItemCategoriesFeature", "true"),
	}
}

// preferences builds the Preferences object; plan-derived values always win
// over what a client wrote.
func (c *company) preferences(prev map[string]any) map[string]any {
	p := map[string]any{
		"AccountingInfoPrefs": map[string]any{"TrackDepartments": false, "ClassTrackingPerTxn": false, "ClassTrackingPerTxnLine": false,
			"CustomerTerminology": "Customers", "FirstMonthOfFiscalYear": "January", "UseAccountNumbers": false, "TaxYearMonth": "January"},
		"ProductAndServicesPrefs": map[string]any{"ForSales": true, "ForPurchase": true, "QuantityWithPriceAndRate": true, "QuantityOnHand": c.Plan != PlanSimpleStart},
		"SalesFormsPrefs": map[string]any{"CustomTxnNumbers": false, "AllowDiscount": true, "AllowDeposit": false, "AllowShipping": false,
			"AllowServiceDate": true, "DefaultTerms": map[string]any{"value": defaultTermsRef, "name": "Net 30"}, "ETransactionEnabledStatus": "NotApplicable"},
		"VendorAndPurchasesPrefs": map[string]any{"BillableExpenseTracking": c.Plan != PlanSimpleStart, "TrackingByCustomer": c.Plan != PlanSimpleStart},
		"TimeTrackingPrefs": map[string]any{"UseServices": true, "BillCustomers": hasTimeTracking(c.Plan), "ShowBillRateToAll": false,
			"WorkWeekStartDate": "Monday", "MarkTimeEntriesBillable": hasTimeTracking(c.Plan)},
		"TaxPrefs":      map[string]any{"UsingSalesTax": c.kind().usingSalesTax, "PartnerTaxEnabled": c.kind().partnerTax},
		"CurrencyPrefs": map[string]any{"MultiCurrencyEnabled": c.MultiCurrency, "HomeCurrency": map[string]any{"value": c.homeCurrency()}},
		"ReportPrefs":   map[string]any{"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": false},
	}
	for k, v := range prev {
		if _, ok := p[k]; ok || isSystemField(k) {
			switch k {
			case "TimeTrackingPrefs", "OtherPrefs", "TaxPrefs", "CurrencyPrefs":
				continue // derived from the plan, the kind and the admin API
			}
			p[k] = v
		}
	}
	tt := "false"
	if hasTimeTracking(c.Plan) {
		tt = "true"
	}
	p["OtherPrefs"] = map[string]any{"NameValue": []any{
		map[string]any{"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": "Thank you for your business and have a great day!"},
		map[string]any{"Name": "TimeTrackingFeatureEnabled", "Value": tt},
		map[string]any{"Name": "ProjectsEnabled", "Value": strconv.FormatBool(c.Plan == PlanPlus || c.Plan == PlanAdvanced)},
		map[string]any{"Name": "VendorAndPurchasesPrefs.UseProgressInvoicing", "Value": "false"},
	}}
	return p
}

// setPlan changes the plan and the objects that report it.
func (c *company) setPlan(plan string, now time.Time) {
	c.Plan = plan
	if rec := c.Entities["CompanyInfo"]["1"]; rec != nil {
		rec.Data["NameValue"] = c.companyNameValues()
		touch(rec, now)
	}
	c.refreshPreferences(now)
}

// refreshPreferences recomputes the derived blocks of Preferences (plan, kind,
// multicurrency) and bumps its SyncToken.
func (c *company) refreshPreferences(now time.Time) {
	if rec := c.Entities["Preferences"]["1"]; rec != nil {
		fresh := c.preferences(rec.Data)
		for k, v := range fresh {
			rec.Data[k] = v
		}
		touch(rec, now)
	}
}

func (c *company) remember(requestID string, res *result) {
	if _, ok := c.Replays[requestID]; ok {
		return
	}
	if len(c.ReplayOrder) >= maxReplays {
		delete(c.Replays, c.ReplayOrder[0])
		c.ReplayOrder = c.ReplayOrder[1:]
	}
	c.Replays[requestID] = replay{Status: res.status, CType: res.ctype, Body: res.body}
	c.ReplayOrder = append(c.ReplayOrder, requestID)
}

// str returns v when it is a string, else "".
func str(v any) string {
	s, _ := v.(string)
	return s
}
