package qboemu

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// entitySpec is what differs between entities; the CRUD path is shared.
type entitySpec struct {
	name      string
	nameList  bool // soft-deleted with Active=false, hidden from queries when inactive
	deletable bool // ?operation=delete
	voidable  bool // ?operation=void
	singleton bool // CompanyInfo, Preferences: Id "1", no create
	gated     bool // needs time tracking in the plan
	// apiReadOnly entities are read and queried but not written through the
	// Accounting API (the tax lists, seeded per company kind).
	apiReadOnly bool
	// writes are fields of readOnly a client may set on this entity (a
	// Payment's TotalAmt).
	writes map[string]bool
	// notQueryable properties fault when a query filters or orders on them.
	notQueryable []string
	prepare      func(tx *txn, obj, old map[string]any) *fault
	after        func(tx *txn, rec *record)
	// guard may refuse a delete or void ("delete", "void") of rec.
	guard func(tx *txn, rec *record, operation string) *fault
	// removed runs after rec was deleted.
	removed func(tx *txn, rec *record)
}

// isReadOnly reports whether a client's value of k is ignored for this entity.
func (s *entitySpec) isReadOnly(k string) bool { return readOnly[k] && !s.writes[k] }

var specs = []*entitySpec{
	{name: "Customer", nameList: true, prepare: prepareCustomer},
	{name: "Employee", nameList: true, prepare: prepareEmployee},
	{name: "Vendor", nameList: true, prepare: prepareVendor},
	{name: "Item", nameList: true, prepare: prepareItem},
	{name: "Account", nameList: true, prepare: prepareAccount},
	{name: "Term", nameList: true, prepare: prepareTerm},
	{name: "TaxCode", nameList: true, apiReadOnly: true},
	{name: "TaxRate", nameList: true, apiReadOnly: true},
	{name: "TaxAgency", nameList: true, apiReadOnly: true},
	{name: "CompanyCurrency", nameList: true, prepare: prepareCompanyCurrency},
	{name: "TimeActivity", deletable: true, gated: true, prepare: prepareTimeActivity},
	{name: "Invoice", deletable: true, voidable: true, prepare: prepareInvoice, after: linkTimeActivities, guard: guardInvoicePayments},
	{name: "Payment", deletable: true, writes: map[string]bool{"TotalAmt": true}, notQueryable: []string{"UnappliedAmt"},
		prepare: preparePayment, after: paymentApplied, removed: paymentApplied},
	{name: "CompanyInfo", singleton: true, prepare: prepareCompanyInfo},
	{name: "Preferences", singleton: true, prepare: preparePreferences},
}

var specByLower = func() map[string]*entitySpec {
	m := make(map[string]*entitySpec, len(specs))
	for _, s := range specs {
		m[strings.ToLower(s.name)] = s
	}
	return m
}()

// lookupSpec finds an entity by name, case-insensitively.
func lookupSpec(name string) *entitySpec { return specByLower[strings.ToLower(name)] }

// readOnly are fields a client may send but the server owns.
var readOnly = map[string]bool{
	"Id": true, "SyncToken": true, "MetaData": true, "domain": true, "sparse": true, "status": true,
	"FullyQualifiedName": true, "Balance": true, "BalanceWithJobs": true, "TotalAmt": true,
	"CurrentBalance": true, "CurrentBalanceWithSubAccounts": true, "Classification": true, "HomeTotalAmt": true,
	"HomeBalance": true, "UnappliedAmt": true,
}

func isSystemField(k string) bool {
	return k == "Id" || k == "SyncToken" || k == "MetaData" || k == "domain" || k == "sparse"
}

// txn is one write (or one batch) against a company, under the write lock.
type txn struct {
	c           *company
	now         time.Time
	hidden      map[string]map[string]bool // objects created earlier in the same batch
	allowDupDoc bool
	// includeVoid is include=void on a single update: a Payment update is
	// its void (NOTES §9.8).
	includeVoid bool
	changes     []change
	// req is the body of the update being prepared: what the client named, as
	// opposed to what a sparse update kept from the stored object.
	req map[string]any
}

type change struct{ entity, id, op string }

// get returns a live object: not deleted and not hidden by the batch rule.
func (tx *txn) get(entity, id string) *record {
	rec := tx.c.Entities[entity][id]
	if rec == nil || rec.Deleted || tx.hidden[entity][id] {
		return nil
	}
	return rec
}

func (tx *txn) hide(entity, id string) {
	if tx.hidden == nil {
		return
	}
	if tx.hidden[entity] == nil {
		tx.hidden[entity] = map[string]bool{}
	}
	tx.hidden[entity][id] = true
}

// ref validates a ReferenceType field, normalises its value and fills in name.
func (tx *txn) ref(obj map[string]any, field, entity string, required bool) (*record, *fault) {
	v, ok := obj[field]
	if !ok || v == nil {
		if required {
			return nil, faultRequired(field)
		}
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, faultInvalidValue(field, "expected a reference object")
	}
	id := scalarString(m["value"])
	if id == "" {
		if required {
			return nil, faultRequired(field)
		}
		return nil, faultInvalidValue(field, "reference without value")
	}
	rec := tx.get(entity, id)
	if rec == nil {
		return nil, faultInvalidRef(field, entity, id)
	}
	if active, ok := rec.Data["Active"].(bool); ok && !active {
		return nil, faultInactiveRef(field)
	}
	m["value"] = id
	m["name"] = displayName(rec.Data)
	return rec, nil
}

func displayName(obj map[string]any) string {
	for _, k := range []string{"DisplayName", "FullyQualifiedName", "Name"} {
		if s := str(obj[k]); s != "" {
			return s
		}
	}
	return ""
}

// scalarString turns a JSON scalar into its string form.
func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

func defaultTo(obj map[string]any, k string, v any) {
	if cur, ok := obj[k]; !ok || cur == nil {
		obj[k] = v
	}
}

// keepFrom copies server-owned values of the old object (balances and such).
func keepFrom(obj, old map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := old[k]; ok {
			obj[k] = v
		}
	}
}

func checkBool(obj map[string]any, k string) *fault {
	if v, ok := obj[k]; ok && v != nil {
		if _, ok := v.(bool); !ok {
			return faultInvalidValue(k, "expected true or false")
		}
	}
	return nil
}

func checkString(obj map[string]any, k string, max int) *fault {
	if v, ok := obj[k]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return faultInvalidValue(k, "expected a string")
		}
		if len([]rune(s)) > max {
			return faultInvalidValue(k, "longer than "+strconv.Itoa(max)+" characters")
		}
	}
	return nil
}

func checkDecimal(obj map[string]any, k string) *fault {
	if v, ok := obj[k]; ok && v != nil {
		if _, ok := decimal(v); !ok {
			return faultInvalidValue(k, "expected a decimal number")
		}
	}
	return nil
}

func checkDate(obj map[string]any, k string) *fault {
	if v, ok := obj[k]; ok && v != nil {
		s, _ := v.(string)
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return faultInvalidValue(k, "expected a date YYYY-MM-DD")
		}
	}
	return nil
}

// personNameSpace are the entities sharing one DisplayName space.
var personNameSpace = []string{"Customer", "Employee", "Vendor"}

// uniqueName returns a 6240 fault when another object of the name space has
// the same name (case-insensitive, trimmed; inactive objects count too).
func (tx *txn) uniqueName(entities []string, field, name, selfEntity, selfID string) *fault {
	key := strings.ToLower(strings.TrimSpace(name))
	for _, e := range entities {
		for id, rec := range tx.c.Entities[e] {
			if rec.Deleted || (e == selfEntity && id == selfID) {
				continue
			}
			if strings.ToLower(strings.TrimSpace(str(rec.Data[field]))) == key {
				return faultDuplicateName(id)
			}
		}
	}
	return nil
}

func preparePersonCommon(tx *txn, obj map[string]any, entity string) *fault {
	for _, k := range []string{"DisplayName", "Title", "GivenName", "MiddleName", "FamilyName", "Suffix", "CompanyName", "PrintOnCheckName"} {
		if f := checkString(obj, k, 500); f != nil {
			return f
		}
	}
	if f := checkBool(obj, "Active"); f != nil {
		return f
	}
	dn := strings.TrimSpace(str(obj["DisplayName"]))
	if dn == "" {
		var parts []string
		for _, k := range []string{"Title", "GivenName", "MiddleName", "FamilyName", "Suffix"} {
			if s := strings.TrimSpace(str(obj[k])); s != "" {
				parts = append(parts, s)
			}
		}
		dn = strings.Join(parts, " ")
	}
	if dn == "" {
		return faultNoName()
	}
	if strings.Contains(dn, ":") {
		return faultInvalidValue("DisplayName", "the name may not contain a colon")
	}
	obj["DisplayName"] = dn
	if f := tx.uniqueName(personNameSpace, "DisplayName", dn, entity, str(obj["Id"])); f != nil {
		return f
	}
	defaultTo(obj, "PrintOnCheckName", dn)
	defaultTo(obj, "Active", true)
	return nil
}

func prepareCustomer(tx *txn, obj, old map[string]any) *fault {
	if f := preparePersonCommon(tx, obj, "Customer"); f != nil {
		return f
	}
	if f := checkString(obj, "Notes", 2000); f != nil {
		return f
	}
	obj["FullyQualifiedName"] = obj["DisplayName"]
	obj["Balance"], obj["BalanceWithJobs"] = json.Number("0"), json.Number("0")
	keepFrom(obj, old, "Balance", "BalanceWithJobs")
	defaultTo(obj, "Taxable", false)
	defaultTo(obj, "Job", false)
	defaultTo(obj, "BillWithParent", false)
	defaultTo(obj, "PreferredDeliveryMethod", "Print")
	defaultTo(obj, "IsProject", false)
	if f := tx.partyCurrency(obj, old, "Customer"); f != nil {
		return f
	}
	return tx.customerTaxCode(obj)
}

func prepareEmployee(tx *txn, obj, _ map[string]any) *fault {
	if f := preparePersonCommon(tx, obj, "Employee"); f != nil {
		return f
	}
	if f := checkDecimal(obj, "BillRate"); f != nil {
		return f
	}
	defaultTo(obj, "BillableTime", false)
	return nil
}

func prepareVendor(tx *txn, obj, old map[string]any) *fault {
	if f := preparePersonCommon(tx, obj, "Vendor"); f != nil {
		return f
	}
	obj["Balance"] = json.Number("0")
	keepFrom(obj, old, "Balance")
	defaultTo(obj, "Vendor1099", false)
	return tx.partyCurrency(obj, old, "Vendor")
}

func prepareItem(tx *txn, obj, _ map[string]any) *fault {
	if f := checkString(obj, "Name", 100); f != nil {
		return f
	}
	name := strings.TrimSpace(str(obj["Name"]))
	if name == "" {
		return faultRequired("Name")
	}
	if strings.Contains(name, ":") {
		return faultInvalidValue("Name", "the name may not contain a colon")
	}
	obj["Name"] = name
	if f := tx.uniqueName([]string{"Item"}, "Name", name, "Item", str(obj["Id"])); f != nil {
		return f
	}
	defaultTo(obj, "Type", "Service")
	switch t := scalarString(obj["Type"]); t {
	case "Service", "NonInventory":
	default:
		return faultEnum("Type", t)
	}
	acct, f := tx.ref(obj, "IncomeAccountRef", "Account", true)
	if f != nil {
		return f
	}
	if str(acct.Data["AccountType"]) != "Income" {
		return faultBusiness("IncomeAccountRef must refer to an account of type Income")
	}
	if _, f := tx.ref(obj, "ExpenseAccountRef", "Account", false); f != nil {
		return f
	}
	for _, k := range []string{"UnitPrice", "PurchaseCost"} {
		if f := checkDecimal(obj, k); f != nil {
			return f
		}
	}
	for _, k := range []string{"Active", "Taxable"} {
		if f := checkBool(obj, k); f != nil {
			return f
		}
	}
	if f := checkString(obj, "Description", 4000); f != nil {
		return f
	}
	obj["FullyQualifiedName"] = name
	defaultTo(obj, "UnitPrice", json.Number("0"))
	defaultTo(obj, "Active", true)
	defaultTo(obj, "Taxable", false)
	defaultTo(obj, "TrackQtyOnHand", false)
	return nil
}

// accountTypes maps the AccountTypes the emulator knows to their Classification.
var accountTypes = map[string]string{
	"Income": "Revenue", "Other Income": "Revenue", "Expense": "Expense", "Other Expense": "Expense",
	"Cost of Goods Sold": "Expense", "Bank": "Asset", "Accounts Receivable": "Asset", "Other Current Asset": "Asset",
	"Fixed Asset": "Asset", "Other Asset": "Asset", "Accounts Payable": "Liability", "Credit Card": "Liability",
	"Other Current Liability": "Liability", "Long Term Liability": "Liability", "Equity": "Equity",
}

var incomeSubTypes = map[string]bool{
	"ServiceFeeIncome": true, "SalesOfProductIncome": true, "OtherPrimaryIncome": true,
	"DiscountsRefundsGiven": true, "NonProfitIncome": true, "UnappliedCashPaymentIncome": true,
}

func prepareAccount(tx *txn, obj, old map[string]any) *fault {
	if f := checkString(obj, "Name", 100); f != nil {
		return f
	}
	name := strings.TrimSpace(str(obj["Name"]))
	if name == "" {
		return faultRequired("Name")
	}
	if strings.ContainsAny(name, `:"`) {
		return faultInvalidValue("Name", "the name may not contain a colon or double quote")
	}
	obj["Name"] = name
	if f := tx.uniqueName([]string{"Account"}, "Name", name, "Account", str(obj["Id"])); f != nil {
		return f
	}
	at := scalarString(obj["AccountType"])
	st := scalarString(obj["AccountSubType"])
	if at == "" && incomeSubTypes[st] {
		at = "Income"
	}
	if at == "" {
		return faultRequired("AccountType")
	}
	class, ok := accountTypes[at]
	if !ok {
		return faultEnum("AccountType", at)
	}
	if st == "" && at == "Income" {
		st = "ServiceFeeIncome"
	}
	obj["AccountType"] = at
	if st != "" {
		obj["AccountSubType"] = st
	}
	if f := checkBool(obj, "Active"); f != nil {
		return f
	}
	obj["Classification"] = class
	obj["FullyQualifiedName"] = name
	obj["CurrentBalance"], obj["CurrentBalanceWithSubAccounts"] = json.Number("0"), json.Number("0")
	keepFrom(obj, old, "CurrentBalance", "CurrentBalanceWithSubAccounts")
	defaultTo(obj, "Active", true)
	defaultTo(obj, "SubAccount", false)
	if code, _ := currencyCode(obj["CurrencyRef"]); code != "" {
		if f := tx.checkCurrency("CurrencyRef", code); f != nil {
			return f
		}
		obj["CurrencyRef"] = currencyRef(code)
	}
	defaultTo(obj, "CurrencyRef", tx.c.homeCurrencyRef())
	return nil
}

func (tx *txn) today() string { return tx.now.In(pacific).Format("2006-01-02") }

func prepareTimeActivity(tx *txn, obj, old map[string]any) *fault {
	switch nameOf := scalarString(obj["NameOf"]); nameOf {
	case "":
		return faultRequired("NameOf")
	case "Employee":
		if _, f := tx.ref(obj, "EmployeeRef", "Employee", true); f != nil {
			return f
		}
		delete(obj, "VendorRef")
	case "Vendor":
		if _, f := tx.ref(obj, "VendorRef", "Vendor", true); f != nil {
			return f
		}
		delete(obj, "EmployeeRef")
	default:
		return faultEnum("NameOf", nameOf)
	}
	defaultTo(obj, "TxnDate", tx.today())
	if f := checkDate(obj, "TxnDate"); f != nil {
		return f
	}
	hasHM := obj["Hours"] != nil || obj["Minutes"] != nil
	hasSE := obj["StartTime"] != nil && obj["EndTime"] != nil
	switch {
	case hasHM:
		h, f := wholeNumber(obj, "Hours", 8760)
		if f != nil {
			return f
		}
		m, f := wholeNumber(obj, "Minutes", 59)
		if f != nil {
			return f
		}
		obj["Hours"], obj["Minutes"] = intNumber(h), intNumber(m)
	case hasSE:
		start, f := activityTime(obj, "StartTime")
		if f != nil {
			return f
		}
		end, f := activityTime(obj, "EndTime")
		if f != nil {
			return f
		}
		bh, f := wholeNumber(obj, "BreakHours", 8760)
		if f != nil {
			return f
		}
		bm, f := wholeNumber(obj, "BreakMinutes", 59)
		if f != nil {
			return f
		}
		worked := end.Sub(start) - time.Duration(bh)*time.Hour - time.Duration(bm)*time.Minute
		if worked < 0 {
			return faultBusiness("EndTime must be after StartTime plus the break")
		}
		mins := int64(worked / time.Minute)
		obj["Hours"], obj["Minutes"] = intNumber(mins/60), intNumber(mins%60)
	default:
		return faultRequired("Hours")
	}
	prev := str(old["BillableStatus"])
	defaultTo(obj, "BillableStatus", "NotBillable")
	switch bs := scalarString(obj["BillableStatus"]); bs {
	case "NotBillable":
	case "Billable":
		if obj["HourlyRate"] == nil {
			return faultRequired("HourlyRate")
		}
		if obj["CustomerRef"] == nil {
			return faultRequired("CustomerRef")
		}
	case "HasBeenBilled":
		if prev != "HasBeenBilled" {
			return faultEnum("BillableStatus", bs)
		}
	default:
		return faultEnum("BillableStatus", bs)
	}
	if _, f := tx.ref(obj, "CustomerRef", "Customer", false); f != nil {
		return f
	}
	if _, f := tx.ref(obj, "ItemRef", "Item", false); f != nil {
		return f
	}
	for _, k := range []string{"HourlyRate", "CostRate"} {
		if f := checkDecimal(obj, k); f != nil {
			return f
		}
	}
	if f := checkString(obj, "Description", 4000); f != nil {
		return f
	}
	if f := checkBool(obj, "Taxable"); f != nil {
		return f
	}
	defaultTo(obj, "HourlyRate", json.Number("0"))
	defaultTo(obj, "Taxable", false)
	return nil
}

func wholeNumber(obj map[string]any, k string, max int64) (int64, *fault) {
	v, ok := obj[k]
	if !ok || v == nil {
		return 0, nil
	}
	r, ok := decimal(v)
	if !ok || !r.IsInt() || r.Sign() < 0 || r.Num().Int64() > max || !r.Num().IsInt64() {
		return 0, faultInvalidValue(k, "expected a whole number from 0 to "+strconv.FormatInt(max, 10))
	}
	return r.Num().Int64(), nil
}

// activityTime parses a StartTime/EndTime: a full date-time, or a time of day
// with offset on TxnDate (as Intuit's own example sends it).
func activityTime(obj map[string]any, k string) (time.Time, *fault) {
	s := str(obj[k])
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05Z07:00", str(obj["TxnDate"])+" "+s); err == nil {
		return t, nil
	}
	return time.Time{}, faultInvalidValue(k, "expected a date-time such as 2015-07-28T09:00:00-07:00")
}

func prepareInvoice(tx *txn, obj, old map[string]any) *fault {
	customer, f := tx.ref(obj, "CustomerRef", "Customer", true)
	if f != nil {
		return f
	}
	term, f := tx.ref(obj, "SalesTermRef", "Term", false)
	if f != nil {
		return f
	}
	taxCtx, f := tx.invoiceTaxContext(obj)
	if f != nil {
		return f
	}
	raw, ok := obj["Line"].([]any)
	if obj["Line"] != nil && !ok {
		return faultInvalidValue("Line", "expected an array")
	}
	var lines []any
	var sales []*salesLine
	n := 0
	for _, l := range raw {
		line, ok := l.(map[string]any)
		if !ok {
			return faultInvalidValue("Line", "expected an object")
		}
		dt := scalarString(line["DetailType"])
		switch dt {
		case "SubTotalLineDetail":
			continue // the server computes it
		case "SalesItemLineDetail":
			det, _ := line["SalesItemLineDetail"].(map[string]any)
			if det == nil {
				det = map[string]any{}
				line["SalesItemLineDetail"] = det
			}
			sl := &salesLine{line: line, det: det, hasAmount: line["Amount"] != nil}
			// With TaxInclusive, TaxInclusiveAmt (the gross) may stand in for Amount,
			// which is then the net QBO derives from it (tax.go).
			if taxCtx.inclusive && det["TaxInclusiveAmt"] != nil {
				gross, ok := decimal(det["TaxInclusiveAmt"])
				if !ok {
					return faultInvalidValue("Line.SalesItemLineDetail.TaxInclusiveAmt", "expected a decimal number")
				}
				sl.gross, sl.hasGross = cents(gross), true
			}
			if !sl.hasAmount && !sl.hasGross {
				return faultRequired("Line.Amount")
			}
			amount := new(big.Rat)
			if sl.hasAmount {
				if amount, ok = decimal(line["Amount"]); !ok {
					return faultInvalidValue("Line.Amount", "expected a decimal number")
				}
			}
			if sl.item, f = tx.ref(det, "ItemRef", "Item", false); f != nil {
				return f
			}
			if f := checkDate(det, "ServiceDate"); f != nil {
				return f
			}
			qty, qok := decimal(det["Qty"])
			price, pok := decimal(det["UnitPrice"])
			if (det["Qty"] != nil && !qok) || (det["UnitPrice"] != nil && !pok) {
				return faultInvalidValue("Line.SalesItemLineDetail", "Qty and UnitPrice must be decimal numbers")
			}
			// QBO keeps Qty and UnitPrice to seven places and Amount to cents: more
			// places are rounded half away from zero, and the check (6070) is on what
			// is kept (README, "Decimal limits").
			var changed bool
			if qok {
				if qty, changed = roundPlaces(qty, linePlaces); changed {
					det["Qty"] = placesNumber(qty, linePlaces)
				}
			}
			if pok {
				if price, changed = roundPlaces(price, linePlaces); changed {
					det["UnitPrice"] = placesNumber(price, linePlaces)
				}
			}
			if sl.hasAmount && qok && pok && cents(product(qty, price)) != cents(amount) {
				return faultAmount(scalarString(line["Amount"]))
			}
			if _, changed = roundPlaces(amount, 2); changed && sl.hasAmount {
				line["Amount"] = centsNumber(cents(amount))
			}
			sl.net = cents(amount)
			sales = append(sales, sl)
		case "DescriptionOnly", "DescriptionLineDetail":
			if f := checkDecimal(line, "Amount"); f != nil {
				return f
			}
		case "":
			return faultRequired("Line.DetailType")
		default:
			return faultEnum("Line.DetailType", dt)
		}
		if f := tx.checkLinks(line["LinkedTxn"]); f != nil {
			return f
		}
		n++
		line["Id"] = strconv.Itoa(n)
		line["LineNum"] = intNumber(int64(n))
		lines = append(lines, line)
	}
	if n == 0 {
		return faultRequired("Line")
	}
	if f := tx.checkLinks(obj["LinkedTxn"]); f != nil {
		return f
	}
	tax, f := tx.applyInvoiceTax(taxCtx, obj, old, customer, sales)
	if f != nil {
		return f
	}
	var subtotal int64
	for _, sl := range sales {
		subtotal += sl.net
	}
	total := subtotal + tax
	lines = append(lines, map[string]any{"Amount": centsNumber(subtotal), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": map[string]any{}})
	obj["Line"] = lines
	obj["TotalAmt"] = centsNumber(total)
	obj["Balance"] = centsNumber(total)
	if f := tx.invoiceCurrency(obj, customer, total); f != nil {
		return f
	}
	if f := tx.invoicePayments(obj, old, total); f != nil {
		return f
	}
	defaultTo(obj, "TxnDate", tx.today())
	if f := checkDate(obj, "TxnDate"); f != nil {
		return f
	}
	tx.invoiceDueDate(obj, old, term)
	if f := checkDate(obj, "DueDate"); f != nil {
		return f
	}
	if f := tx.docNumber(obj, old); f != nil {
		return f
	}
	defaultTo(obj, "EmailStatus", "NotSet")
	defaultTo(obj, "PrintStatus", "NotSet")
	defaultTo(obj, "ApplyTaxAfterDiscount", false)
	defaultTo(obj, "Deposit", json.Number("0"))
	defaultTo(obj, "CustomField", []any{})
	return nil
}

// docNumber assigns the next DocNumber when none is given and refuses a
// duplicate one unless include=allowduplicatedocnum.
func (tx *txn) docNumber(obj, old map[string]any) *fault {
	doc := scalarString(obj["DocNumber"])
	if doc == "" && old != nil {
		doc = str(old["DocNumber"])
	}
	used := map[string]string{}
	for id, rec := range tx.c.Entities["Invoice"] {
		if !rec.Deleted && id != str(obj["Id"]) {
			used[str(rec.Data["DocNumber"])] = id
		}
	}
	if doc == "" {
		for used[strconv.FormatInt(tx.c.NextDocNumber, 10)] != "" {
			tx.c.NextDocNumber++
		}
		doc = strconv.FormatInt(tx.c.NextDocNumber, 10)
		tx.c.NextDocNumber++
	} else if id := used[doc]; id != "" && !tx.allowDupDoc {
		return faultDuplicateDocNumber(doc, id)
	}
	if len(doc) > 21 {
		return faultInvalidValue("DocNumber", "longer than 21 characters")
	}
	obj["DocNumber"] = doc
	return nil
}

// checkLinks validates LinkedTxn entries that point at TimeActivities.
func (tx *txn) checkLinks(v any) *fault {
	if v == nil {
		return nil
	}
	links, ok := v.([]any)
	if !ok {
		return faultInvalidValue("LinkedTxn", "expected an array")
	}
	for _, l := range links {
		m, ok := l.(map[string]any)
		if !ok {
			return faultInvalidValue("LinkedTxn", "expected an object")
		}
		if scalarString(m["TxnType"]) != "TimeActivity" {
			continue
		}
		id := scalarString(m["TxnId"])
		if tx.get("TimeActivity", id) == nil {
			return faultInvalidRef("LinkedTxn", "TimeActivity", id)
		}
		m["TxnId"] = id
	}
	return nil
}

// linkedTimeActivities lists the TimeActivity ids an invoice links to.
func linkedTimeActivities(inv map[string]any) []string {
	var ids []string
	collect := func(v any) {
		links, _ := v.([]any)
		for _, l := range links {
			if m, ok := l.(map[string]any); ok && scalarString(m["TxnType"]) == "TimeActivity" {
				ids = append(ids, scalarString(m["TxnId"]))
			}
		}
	}
	collect(inv["LinkedTxn"])
	lines, _ := inv["Line"].([]any)
	for _, l := range lines {
		if m, ok := l.(map[string]any); ok {
			collect(m["LinkedTxn"])
		}
	}
	return ids
}

// linkTimeActivities marks the TimeActivities an invoice links to as billed.
func linkTimeActivities(tx *txn, rec *record) {
	tx.setBilled(linkedTimeActivities(rec.Data), "HasBeenBilled")
}

// setBilled moves linked TimeActivities to status (HasBeenBilled on invoicing,
// Billable again when the invoice is deleted or voided).
func (tx *txn) setBilled(ids []string, status string) {
	for _, id := range ids {
		ta := tx.c.Entities["TimeActivity"][id]
		if ta == nil || ta.Deleted || str(ta.Data["BillableStatus"]) == status {
			continue
		}
		if status == "Billable" && str(ta.Data["BillableStatus"]) != "HasBeenBilled" {
			continue
		}
		ta.Data["BillableStatus"] = status
		touch(ta, tx.now)
		tx.changes = append(tx.changes, change{"TimeActivity", id, "Update"})
	}
}

func prepareCompanyInfo(tx *txn, obj, _ map[string]any) *fault {
	name := strings.TrimSpace(str(obj["CompanyName"]))
	if name == "" {
		return faultRequired("CompanyName")
	}
	if obj["CompanyAddr"] == nil {
		return faultRequired("CompanyAddr")
	}
	tx.c.Name = name
	obj["NameValue"] = tx.c.companyNameValues()
	return nil
}

func preparePreferences(tx *txn, obj, _ map[string]any) *fault {
	fresh := tx.c.preferences(obj)
	for k := range obj {
		if _, ok := fresh[k]; !ok {
			delete(obj, k)
		}
	}
	for k, v := range fresh {
		obj[k] = v
	}
	return nil
}
