package qboemu

import (
	"encoding/json"
	"strings"
	"time"
)

// Company kinds: the country and sales-tax model a company is created with
// (NOTES §9.1). A company, or a state file, without a kind is KindUS: a US
// company with no sales tax set up, as every company was before kinds existed.
const (
	KindUS       = "US"        // US, sales tax not set up: UsingSalesTax false (the default)
	KindUSAST    = "US_AST"    // US, Automated Sales Tax: UsingSalesTax and PartnerTaxEnabled true
	KindUSManual = "US_MANUAL" // US, legacy (manual) sales tax: UsingSalesTax true, PartnerTaxEnabled false
	KindCA       = "CA"        // Canada, global model: GST/HST/PST
	KindUK       = "UK"        // United Kingdom, global model: VAT (CompanyInfo.Country "GB")
	KindAU       = "AU"        // Australia, global model: GST
)

// Kinds lists the company kinds in the order the consent page offers them.
var Kinds = []string{KindUS, KindUSAST, KindUSManual, KindCA, KindUK, KindAU}

// kindInfo is what a kind decides.
type kindInfo struct {
	label         string // for the consent page
	country       string // CompanyInfo.Country
	currency      string // home currency
	sandboxName   string // company name when none is given
	addr          map[string]any
	usingSalesTax bool
	partnerTax    bool // AST
	global        bool // tax code per line (NOTES §9.4)
	// missingCode is the Detail of the 6000 fault for a line without a valid
	// TaxCodeRef (global model, NOTES §9.4).
	missingCode string
	seed        taxSeed
}

var kindInfos = map[string]*kindInfo{
	KindUS: {
		label: "US, sales tax not set up", country: "US", currency: "USD", sandboxName: "Sandbox Company_US_1",
		addr: usAddr(),
	},
	KindUSAST: {
		label: "US, Automated Sales Tax", country: "US", currency: "USD", sandboxName: "Sandbox Company_US_1",
		addr: usAddr(), usingSalesTax: true, partnerTax: true, seed: astSeed,
	},
	KindUSManual: {
		label: "US, manual (legacy) sales tax", country: "US", currency: "USD", sandboxName: "Sandbox Company_US_1",
		addr: usAddr(), usingSalesTax: true, seed: usManualSeed,
	},
	KindCA: {
		label: "Canada (GST/HST/PST)", country: "CA", currency: "CAD", sandboxName: "Sandbox Company_CA_1",
		addr:          map[string]any{"Line1": "100 King Street West", "City": "Toronto", "CountrySubDivisionCode": "ON", "PostalCode": "M5X 1A9", "Country": "CA"},
		usingSalesTax: true, global: true, seed: caSeed,
		missingCode: "Make sure all your transactions have a GST/HST rate before you save.",
	},
	KindUK: {
		label: "United Kingdom (VAT)", country: "GB", currency: "GBP", sandboxName: "Sandbox Company_GB_1",
		addr:          map[string]any{"Line1": "1 Poultry", "City": "London", "PostalCode": "EC2R 8EJ", "Country": "GB"},
		usingSalesTax: true, global: true, seed: ukSeed,
		missingCode: "Make sure all your transactions have a VAT rate before you save.",
	},
	KindAU: {
		label: "Australia (GST)", country: "AU", currency: "AUD", sandboxName: "Sandbox Company_AU_1",
		addr:          map[string]any{"Line1": "1 Martin Place", "City": "Sydney", "CountrySubDivisionCode": "NSW", "PostalCode": "2000", "Country": "AU"},
		usingSalesTax: true, global: true, seed: auSeed,
		missingCode: "Make sure all your transactions have a GST rate before you save.",
	},
}

func usAddr() map[string]any {
	return map[string]any{"Line1": "2600 Marine Way", "City": "Mountain View", "CountrySubDivisionCode": "CA", "PostalCode": "94043", "Country": "US"}
}

// normalizeKind accepts a kind in any case, with "-", "_" or spaces, and a few
// aliases ("GB" for UK, "AST", "manual", "legacy").
func normalizeKind(k string) (string, bool) {
	key := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(k)))
	switch key {
	case "", "us", "usa", "usnotax", "usnosalestax":
		return KindUS, true
	case "usast", "ast", "usautomated", "usautomatedsalestax":
		return KindUSAST, true
	case "usmanual", "manual", "uslegacy", "legacy":
		return KindUSManual, true
	case "ca", "canada":
		return KindCA, true
	case "uk", "gb", "unitedkingdom":
		return KindUK, true
	case "au", "australia":
		return KindAU, true
	}
	return "", false
}

// kind is the company's kind; "" (a company saved before kinds) is KindUS.
func (c *company) kind() *kindInfo {
	if ki := kindInfos[c.Kind]; ki != nil {
		return ki
	}
	return kindInfos[KindUS]
}

// TaxKind names the company's kind for pages ("US" when none was chosen).
func (c *company) TaxKind() string {
	if kindInfos[c.Kind] != nil {
		return c.Kind
	}
	return KindUS
}

// KindLabel describes the company's kind for pages.
func (c *company) KindLabel() string { return c.kind().label }

// kindOption is one choice of the consent page's kind list.
type kindOption struct{ Value, Label string }

func kindOptions() []kindOption {
	out := make([]kindOption, 0, len(Kinds))
	for _, k := range Kinds {
		out = append(out, kindOption{k, kindInfos[k].label})
	}
	return out
}

// taxSeed is the tax setup a kind's new company starts with.
type taxSeed struct {
	agencies []seedAgency
	rates    []seedRate
	codes    []seedCode
	// astStates maps a destination state (CountrySubDivisionCode) to the index
	// of the AST code that taxes it; AST companies only.
	astStates map[string]int
	// astHome is the index of the code of the company's own address (AST).
	astHome int
}

type seedAgency struct{ name, regNumber string }

type seedRate struct {
	name, desc string
	rate       string
	agency     int // index into agencies
	special    string
}

type seedCode struct {
	name, desc string
	rates      []int // indexes into rates
}

// US, Automated Sales Tax: the agencies, rates and system-generated codes of
// the jurisdictions the company has nexus in. Rates are illustrative.
var astSeed = taxSeed{
	agencies: []seedAgency{
		{name: "California Department of Tax and Fee Administration"},
		{name: "New York State Department of Taxation and Finance"},
		{name: "Texas Comptroller of Public Accounts"},
		{name: "Washington State Department of Revenue"},
	},
	rates: []seedRate{
		{name: "California State", rate: "7.25", agency: 0},
		{name: "Santa Clara County District", rate: "2.125", agency: 0},
		{name: "New York State", rate: "4", agency: 1},
		{name: "New York City", rate: "4.5", agency: 1},
		{name: "Metropolitan Commuter Transportation District", rate: "0.375", agency: 1},
		{name: "Texas State", rate: "6.25", agency: 2},
		{name: "Austin City", rate: "1", agency: 2},
		{name: "Austin MTA Transit", rate: "1", agency: 2},
		{name: "Washington State", rate: "6.5", agency: 3},
		{name: "Seattle City", rate: "3.85", agency: 3},
	},
	codes: []seedCode{
		{name: "CA Mountain View", rates: []int{0, 1}},
		{name: "NY New York City", rates: []int{2, 3, 4}},
		{name: "TX Austin", rates: []int{5, 6, 7}},
		{name: "WA Seattle", rates: []int{8, 9}},
	},
	astStates: map[string]int{"CA": 0, "NY": 1, "TX": 2, "WA": 3},
	astHome:   0,
}

// US, legacy sales tax: single and combined codes as in Intuit's TaxCode
// reference sample (California; Tucson = AZ State tax + Tucson City).
var usManualSeed = taxSeed{
	agencies: []seedAgency{
		{name: "Arizona Department of Revenue"},
		{name: "City of Tucson"},
		{name: "California Department of Tax and Fee Administration"},
	},
	rates: []seedRate{
		{name: "AZ State tax", rate: "5.6", agency: 0},
		{name: "Tucson City", rate: "2.6", agency: 1},
		{name: "California", rate: "7.25", agency: 2},
		{name: "Santa Clara County", rate: "2.125", agency: 2},
	},
	codes: []seedCode{
		{name: "California", rates: []int{2}},
		{name: "Tucson", rates: []int{0, 1}},
		{name: "Santa Clara County", rates: []int{2, 3}},
	},
}

var caSeed = taxSeed{
	agencies: []seedAgency{
		{name: "Canada Revenue Agency", regNumber: "123456789RT0001"},
		{name: "Ministry of Finance (BC)", regNumber: "PST-1234-5678"},
	},
	rates: []seedRate{
		{name: "GST", desc: "GST", rate: "5", agency: 0},
		{name: "HST ON", desc: "HST Ontario", rate: "13", agency: 0},
		{name: "PST BC", desc: "PST British Columbia", rate: "7", agency: 1},
		{name: "Exempt", desc: "Exempt", rate: "0", agency: 0},
		{name: "Zero-rated", desc: "Zero-rated", rate: "0", agency: 0, special: "ZERO_RATE"},
	},
	codes: []seedCode{
		{name: "Exempt", desc: "Exempt", rates: []int{3}},
		{name: "Zero-rated", desc: "Zero-rated", rates: []int{4}},
		{name: "Out of Scope", desc: "Out of Scope"},
		{name: "GST", desc: "GST", rates: []int{0}},
		{name: "HST ON", desc: "HST Ontario", rates: []int{1}},
		{name: "GST/PST BC", desc: "GST/PST British Columbia", rates: []int{0, 2}},
	},
}

var ukSeed = taxSeed{
	agencies: []seedAgency{{name: "HM Revenue & Customs", regNumber: "GB123456789"}},
	rates: []seedRate{
		{name: "20.0% S", desc: "Standard", rate: "20", agency: 0},
		{name: "5.0% R", desc: "Reduced", rate: "5", agency: 0},
		{name: "0.0% Z", desc: "Zero", rate: "0", agency: 0, special: "ZERO_RATE"},
		{name: "Exempt", desc: "Exempt", rate: "0", agency: 0},
	},
	codes: []seedCode{
		{name: "20.0% S", desc: "Standard", rates: []int{0}},
		{name: "5.0% R", desc: "Reduced", rates: []int{1}},
		{name: "0.0% Z", desc: "Zero", rates: []int{2}},
		{name: "Exempt", desc: "Exempt", rates: []int{3}},
		{name: "No VAT", desc: "No VAT"},
	},
}

var auSeed = taxSeed{
	agencies: []seedAgency{{name: "Australian Taxation Office", regNumber: "12 345 678 901"}},
	rates: []seedRate{
		{name: "GST", desc: "GST 10%", rate: "10", agency: 0},
		{name: "GST free", desc: "GST free", rate: "0", agency: 0, special: "ZERO_RATE"},
		{name: "Input taxed", desc: "Input taxed", rate: "0", agency: 0},
		{name: "Export", desc: "GST free export", rate: "0", agency: 0, special: "ZERO_RATE"},
	},
	codes: []seedCode{
		{name: "GST", desc: "GST 10%", rates: []int{0}},
		{name: "GST free", desc: "GST free", rates: []int{1}},
		{name: "Input taxed", desc: "Input taxed", rates: []int{2}},
		{name: "Export", desc: "GST free export", rates: []int{3}},
		{name: "Out of scope", desc: "Out of scope"},
	},
}

// putTaxSetup seeds the company's TaxAgency, TaxRate and TaxCode lists when it
// has none (a new company, or a state saved before tax entities existed): the
// US pseudo codes TAX and NON for US kinds, then the kind's agencies, rates
// and codes.
func (c *company) putTaxSetup(now time.Time) {
	if len(c.Entities["TaxCode"]) > 0 || len(c.Entities["TaxRate"]) > 0 || len(c.Entities["TaxAgency"]) > 0 {
		return
	}
	ki := c.kind()
	if ki.country == "US" {
		// Intuit's TaxCode reference: the pseudo codes carry only these fields.
		for _, p := range []struct {
			id      string
			taxable bool
		}{{"TAX", true}, {"NON", false}} {
			c.Entities["TaxCode"][p.id] = &record{Data: map[string]any{
				"Id": p.id, "Name": p.id, "Description": p.id, "Taxable": p.taxable, "TaxGroup": false,
				"MetaData": map[string]any{"CreateTime": metaTime(now), "LastUpdatedTime": metaTime(now)},
			}, Changed: now}
		}
	}
	s := ki.seed
	config := "USER_DEFINED"
	if ki.partnerTax {
		config = "SYSTEM_GENERATED"
	}
	agencyIDs := make([]string, len(s.agencies))
	for i, a := range s.agencies {
		obj := map[string]any{"DisplayName": a.name, "TaxTrackedOnSales": true, "TaxTrackedOnPurchases": ki.global,
			"Active": true, "TaxAgencyConfig": config}
		if a.regNumber != "" {
			obj["TaxRegistrationNumber"] = a.regNumber
		}
		agencyIDs[i] = str(c.put("TaxAgency", obj, now).Data["Id"])
	}
	type rateRef struct{ id, name string }
	rates := make([]rateRef, len(s.rates))
	for i, r := range s.rates {
		desc := r.desc
		if desc == "" {
			desc = "Sales Tax"
		}
		special := r.special
		if special == "" {
			special = "NONE"
		}
		obj := map[string]any{"Name": r.name, "Description": desc, "Active": true, "RateValue": json.Number(r.rate),
			"AgencyRef": map[string]any{"value": agencyIDs[r.agency]}, "SpecialTaxType": special, "DisplayType": "ReadOnly"}
		rates[i] = rateRef{str(c.put("TaxRate", obj, now).Data["Id"]), r.name}
	}
	for _, code := range s.codes {
		details := make([]any, 0, len(code.rates))
		for _, ri := range code.rates {
			details = append(details, map[string]any{"TaxRateRef": map[string]any{"value": rates[ri].id, "name": rates[ri].name},
				"TaxTypeApplicable": "TaxOnAmount", "TaxOrder": intNumber(0)})
		}
		purchase := []any{}
		if ki.global {
			purchase = deepCopy(details).([]any)
		}
		desc := code.desc
		if desc == "" {
			desc = code.name
		}
		c.put("TaxCode", map[string]any{"Name": code.name, "Description": desc, "Active": true, "Hidden": false,
			"Taxable": true, "TaxGroup": true, "TaxCodeConfigType": config,
			"SalesTaxRateList":    map[string]any{"TaxRateDetail": details},
			"PurchaseTaxRateList": map[string]any{"TaxRateDetail": purchase}}, now)
	}
}

// astCodeID is the Id of the seeded AST code with index i (codes are put in
// order from Id 1).
func astCodeID(i int) string { return intNumber(int64(i + 1)).String() }
