package qboemu

import (
	"encoding/json"
	"math/big"
	"sort"
	"strings"
)

// Sales tax on invoices (NOTES §9). The rules per kind:
//   - KindUS (no sales tax): a supplied TxnTaxDetail and GlobalTaxCalculation
//     are dropped; the invoice carries TxnTaxDetail {TotalTax: 0}; line
//     TaxCodeRefs are kept as sent.
//   - US with sales tax (AST, manual): lines carry TAX or NON (missing: the
//     item's Taxable); tax is computed on the TAX lines from the rates of the
//     transaction's code, which AST picks from the destination address and
//     the manual model takes from TxnTaxDetail.TxnTaxCodeRef (or the
//     customer's DefaultTaxCodeRef); a supplied TotalTax is honoured and
//     prorated across those rates.
//   - Global (CA, UK, AU): every sales line needs a valid TaxCodeRef (6000
//     with the locale's Detail), GlobalTaxCalculation TaxExcluded (default),
//     TaxInclusive or NotApplicable, one TaxLine per rate.

// Values of GlobalTaxCalculation.
const (
	taxExcluded      = "TaxExcluded"
	taxInclusive     = "TaxInclusive"
	taxNotApplicable = "NotApplicable"
)

// salesLine is one SalesItemLineDetail line of an invoice being prepared.
type salesLine struct {
	line, det map[string]any
	net       int64 // Amount in cents (tax-exclusive)
	hasAmount bool  // the request gave Amount (else it comes from TaxInclusiveAmt)
	gross     int64 // TaxInclusiveAmt in cents, when given with TaxInclusive
	hasGross  bool
	item      *record
	code      *record // global: the line's TaxCode
	taxable   bool    // US: TAX
}

// taxContext is what the invoice's company and request decide before the lines
// are read.
type taxContext struct {
	ki        *kindInfo
	calc      string // GlobalTaxCalculation (global kinds)
	inclusive bool
}

// invoiceTaxContext validates GlobalTaxCalculation and strips what a company
// without sales tax ignores.
func (tx *txn) invoiceTaxContext(obj map[string]any) (*taxContext, *fault) {
	ki := tx.c.kind()
	ctx := &taxContext{ki: ki}
	calc := scalarString(obj["GlobalTaxCalculation"])
	if !ki.usingSalesTax {
		delete(obj, "GlobalTaxCalculation")
		delete(obj, "TxnTaxDetail")
		return ctx, nil
	}
	switch calc {
	case "", taxExcluded, taxInclusive, taxNotApplicable:
	default:
		return nil, faultEnum("GlobalTaxCalculation", calc)
	}
	if !ki.global {
		// GlobalTaxCalculation applies to non-US companies only (NOTES §9.4).
		if calc == taxInclusive {
			return nil, faultBusiness("GlobalTaxCalculation TaxInclusive is not supported for US companies.")
		}
		delete(obj, "GlobalTaxCalculation")
		return ctx, nil
	}
	if calc == "" {
		calc = taxExcluded
	}
	obj["GlobalTaxCalculation"] = calc
	ctx.calc, ctx.inclusive = calc, calc == taxInclusive
	return ctx, nil
}

// requestTxnTaxDetail is the TxnTaxDetail the client sent: on create the
// object, on update only what the request named (a sparse update that names
// none keeps no override from the stored invoice).
func (tx *txn) requestTxnTaxDetail(obj, old map[string]any) map[string]any {
	src := obj
	if old != nil {
		src = tx.req
	}
	m, _ := src["TxnTaxDetail"].(map[string]any)
	return m
}

// applyInvoiceTax resolves the lines' tax codes, computes TxnTaxDetail and
// returns the total tax in cents. Lines whose Amount comes from
// TaxInclusiveAmt get it here.
func (tx *txn) applyInvoiceTax(ctx *taxContext, obj, old map[string]any, customer *record, lines []*salesLine) (int64, *fault) {
	ki := ctx.ki
	if !ki.usingSalesTax {
		obj["TxnTaxDetail"] = map[string]any{"TotalTax": json.Number("0")}
		return 0, nil
	}
	if ki.global {
		return tx.globalTax(ctx, obj, old, lines)
	}
	return tx.usTax(ctx, obj, old, customer, lines)
}

// --- US: AST and manual -----------------------------------------------------

func (tx *txn) usTax(ctx *taxContext, obj, old map[string]any, customer *record, lines []*salesLine) (int64, *fault) {
	var base int64
	for _, sl := range lines {
		code := ""
		if m, ok := sl.det["TaxCodeRef"].(map[string]any); ok {
			code = scalarString(m["value"])
		} else if sl.det["TaxCodeRef"] != nil {
			return 0, faultInvalidValue("Line.SalesItemLineDetail.TaxCodeRef", "expected a reference object")
		}
		if code == "" {
			code = "NON"
			if sl.item != nil {
				if taxable, _ := sl.item.Data["Taxable"].(bool); taxable {
					code = "TAX"
				}
			}
		}
		if code != "TAX" && code != "NON" {
			return 0, faultBusiness("Invalid tax code " + code + " on a line: a US company's sales lines take TaxCodeRef TAX or NON.")
		}
		sl.det["TaxCodeRef"] = map[string]any{"value": code}
		sl.taxable = code == "TAX"
		if sl.taxable {
			base += sl.net
		}
	}
	req := tx.requestTxnTaxDetail(obj, old)
	override, hasOverride, f := suppliedTotalTax(req)
	if f != nil {
		return 0, f
	}
	var code *record
	if ctx.ki.partnerTax {
		// AST: the engine picks the code from the destination; whatever
		// TxnTaxCodeRef the request named is replaced (NOTES §9.2).
		code = tx.astCode(obj, customer)
	} else {
		var f *fault
		if code, f = tx.manualCode(obj, customer); f != nil {
			return 0, f
		}
	}
	if code == nil {
		obj["TxnTaxDetail"] = map[string]any{"TotalTax": json.Number("0")}
		return 0, nil
	}
	rates := tx.codeRates(code)
	computed := make([]int64, len(rates))
	weights := make([]*big.Rat, len(rates))
	for i, r := range rates {
		computed[i] = taxOn(base, r.value)
		weights[i] = r.value
	}
	amounts := computed
	if hasOverride {
		amounts = prorate(override, weights)
	}
	var total int64
	taxLines := make([]any, 0, len(rates))
	for i, r := range rates {
		d := map[string]any{"TaxRateRef": map[string]any{"value": r.id}, "PercentBased": true,
			"TaxPercent": r.number, "NetAmountTaxable": centsNumber(base)}
		if hasOverride {
			d["OverrideDeltaAmount"] = centsNumber(amounts[i] - computed[i])
		}
		taxLines = append(taxLines, map[string]any{"Amount": centsNumber(amounts[i]), "DetailType": "TaxLineDetail", "TaxLineDetail": d})
		total += amounts[i]
	}
	detail := map[string]any{"TxnTaxCodeRef": map[string]any{"value": str(code.Data["Id"])}, "TotalTax": centsNumber(total)}
	if len(taxLines) > 0 {
		detail["TaxLine"] = taxLines
	}
	obj["TxnTaxDetail"] = detail
	return total, nil
}

// suppliedTotalTax reads an explicit TxnTaxDetail.TotalTax.
func suppliedTotalTax(req map[string]any) (int64, bool, *fault) {
	if req == nil || req["TotalTax"] == nil {
		return 0, false, nil
	}
	r, ok := decimal(req["TotalTax"])
	if !ok || r.Sign() < 0 {
		return 0, false, faultInvalidValue("TxnTaxDetail.TotalTax", "expected a decimal number, not negative")
	}
	return cents(r), true, nil
}

// astCode is the AST code of the invoice's destination: its ShipAddr, else
// the customer's ShipAddr (QBO copies it onto the invoice), else the
// company's address; nil when the company has no nexus there.
func (tx *txn) astCode(obj map[string]any, customer *record) *record {
	addr, _ := obj["ShipAddr"].(map[string]any)
	if addr == nil && customer != nil {
		addr, _ = customer.Data["ShipAddr"].(map[string]any)
	}
	if addr == nil {
		addr = tx.c.kind().addr
	}
	country := strings.ToUpper(strings.TrimSpace(str(addr["Country"])))
	if country != "" && country != "US" && country != "USA" && country != "UNITED STATES" {
		return nil
	}
	state := strings.ToUpper(strings.TrimSpace(str(addr["CountrySubDivisionCode"])))
	i, ok := tx.c.kind().seed.astStates[state]
	if !ok {
		return nil
	}
	return tx.get("TaxCode", astCodeID(i))
}

// manualCode is the code of a legacy US invoice: TxnTaxDetail.TxnTaxCodeRef,
// else the customer's DefaultTaxCodeRef, else none (no tax).
func (tx *txn) manualCode(obj map[string]any, customer *record) (*record, *fault) {
	field := "TxnTaxDetail.TxnTaxCodeRef"
	var id string
	if d, ok := obj["TxnTaxDetail"].(map[string]any); ok {
		if m, ok := d["TxnTaxCodeRef"].(map[string]any); ok {
			id = scalarString(m["value"])
		}
	}
	if id == "" && customer != nil {
		if m, ok := customer.Data["DefaultTaxCodeRef"].(map[string]any); ok {
			id, field = scalarString(m["value"]), "CustomerRef.DefaultTaxCodeRef"
		}
	}
	if id == "" {
		return nil, nil
	}
	rec := tx.get("TaxCode", id)
	if rec == nil || rec.Data["TaxGroup"] != true {
		return nil, faultInvalidRef(field, "TaxCode", id)
	}
	if active, _ := rec.Data["Active"].(bool); !active {
		return nil, faultInactiveRef(field)
	}
	return rec, nil
}

// --- Global model -----------------------------------------------------------

func (tx *txn) globalTax(ctx *taxContext, obj, old map[string]any, lines []*salesLine) (int64, *fault) {
	ki := ctx.ki
	for _, sl := range lines {
		code := ""
		if m, ok := sl.det["TaxCodeRef"].(map[string]any); ok {
			code = scalarString(m["value"])
		}
		rec := tx.get("TaxCode", code)
		if code == "" || rec == nil || rec.Data["Active"] != true {
			return 0, faultBusiness(ki.missingCode)
		}
		sl.code = rec
		sl.det["TaxCodeRef"] = map[string]any{"value": code}
	}
	// One TaxLine per rate, in the order the lines first use them.
	type rateTotal struct {
		rate *codeRate
		net  int64
	}
	var order []string
	byRate := map[string]*rateTotal{}
	uniform := ""
	for i, sl := range lines {
		id := str(sl.code.Data["Id"])
		if i == 0 {
			uniform = id
		} else if uniform != id {
			uniform = ""
		}
		rates := tx.codeRates(sl.code)
		sum := new(big.Rat)
		for _, r := range rates {
			sum.Add(sum, r.value)
		}
		if ctx.inclusive && sl.hasGross {
			// The net amount QBO keeps for a tax-inclusive price: gross ÷ (1 +
			// the code's rates), rounded half away from zero to cents; tax is then
			// computed on the net, so net + tax can miss the gross by a cent.
			div := new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).Quo(sum, bigHundred))
			sl.net = cents(new(big.Rat).Quo(big.NewRat(sl.gross, 100), div))
			sl.line["Amount"] = centsNumber(sl.net)
			sl.det["TaxInclusiveAmt"] = centsNumber(sl.gross)
		} else if ctx.inclusive {
			var tax int64
			for _, r := range rates {
				tax += taxOn(sl.net, r.value)
			}
			sl.det["TaxInclusiveAmt"] = centsNumber(sl.net + tax)
		} else {
			delete(sl.det, "TaxInclusiveAmt")
		}
		for _, r := range rates {
			rt := byRate[r.id]
			if rt == nil {
				rt = &rateTotal{rate: r}
				byRate[r.id] = rt
				order = append(order, r.id)
			}
			rt.net += sl.net
		}
	}
	if req := tx.requestTxnTaxDetail(obj, old); req != nil {
		if f := checkSuppliedTaxLines(req, byRate); f != nil {
			return 0, f
		}
	}
	detail := map[string]any{}
	if uniform != "" {
		detail["TxnTaxCodeRef"] = map[string]any{"value": uniform}
	}
	var total int64
	if ctx.calc != taxNotApplicable {
		taxLines := make([]any, 0, len(order))
		for _, id := range order {
			rt := byRate[id]
			amount := taxOn(rt.net, rt.rate.value)
			d := map[string]any{"TaxRateRef": map[string]any{"value": id}, "PercentBased": true,
				"TaxPercent": rt.rate.number, "NetAmountTaxable": centsNumber(rt.net)}
			if ctx.inclusive {
				d["TaxInclusiveAmount"] = centsNumber(rt.net + amount)
			}
			taxLines = append(taxLines, map[string]any{"Amount": centsNumber(amount), "DetailType": "TaxLineDetail", "TaxLineDetail": d})
			total += amount
		}
		if len(taxLines) > 0 {
			detail["TaxLine"] = taxLines
		}
	}
	detail["TotalTax"] = centsNumber(total)
	if ctx.calc == taxNotApplicable {
		detail["TotalTax"] = json.Number("0")
	}
	obj["TxnTaxDetail"] = detail
	return total, nil
}

// checkSuppliedTaxLines applies NOTES §9.4 to a TxnTaxDetail the client sent:
// each TaxRateRef must be a rate of the codes the lines use, listed once. The
// amounts themselves are recomputed.
func checkSuppliedTaxLines[T any](req map[string]any, used map[string]T) *fault {
	raw, _ := req["TaxLine"].([]any)
	seen := map[string]bool{}
	for _, l := range raw {
		m, _ := l.(map[string]any)
		d, _ := m["TaxLineDetail"].(map[string]any)
		ref, _ := d["TaxRateRef"].(map[string]any)
		id := scalarString(ref["value"])
		if id == "" {
			continue
		}
		if _, ok := used[id]; !ok {
			return faultBusiness("TaxRateRef " + id + " in TxnTaxDetail is not a rate of the tax codes on the lines.")
		}
		if seen[id] {
			return faultBusiness("TaxRateRef " + id + " is listed more than once in TxnTaxDetail.")
		}
		seen[id] = true
	}
	return nil
}

// --- shared -----------------------------------------------------------------

// codeRate is one rate of a TaxCode's sales list.
type codeRate struct {
	id     string
	value  *big.Rat    // percent: 8.5 means 8.5 %
	number json.Number // RateValue as stored
}

// codeRates resolves a TaxCode's SalesTaxRateList to its TaxRates.
func (tx *txn) codeRates(code *record) []*codeRate {
	list, _ := code.Data["SalesTaxRateList"].(map[string]any)
	details, _ := list["TaxRateDetail"].([]any)
	out := make([]*codeRate, 0, len(details))
	for _, d := range details {
		m, _ := d.(map[string]any)
		ref, _ := m["TaxRateRef"].(map[string]any)
		id := scalarString(ref["value"])
		rate := tx.c.Entities["TaxRate"][id]
		if rate == nil {
			continue
		}
		v, ok := decimal(rate.Data["RateValue"])
		if !ok {
			continue
		}
		out = append(out, &codeRate{id: id, value: v, number: json.Number(scalarString(rate.Data["RateValue"]))})
	}
	return out
}

// taxOn is the tax at percent on net cents, rounded half away from zero.
func taxOn(net int64, percent *big.Rat) int64 {
	x := new(big.Rat).Mul(big.NewRat(net, 100), percent)
	return cents(x.Quo(x, bigHundred))
}

// prorate splits total cents across weights in proportion, by largest
// remainder: each share is rounded down, and the cents left over go to the
// largest fractions (the first of equal ones). The shares add up to total.
func prorate(total int64, weights []*big.Rat) []int64 {
	out := make([]int64, len(weights))
	if len(weights) == 0 {
		return out
	}
	sum := new(big.Rat)
	for _, w := range weights {
		sum.Add(sum, w)
	}
	if sum.Sign() == 0 {
		out[0] = total
		return out
	}
	type frac struct {
		i   int
		rem *big.Rat
	}
	fracs := make([]frac, len(weights))
	left := total
	for i, w := range weights {
		exact := new(big.Rat).Mul(big.NewRat(total, 1), w)
		exact.Quo(exact, sum)
		q := new(big.Int).Quo(exact.Num(), exact.Denom())
		out[i] = q.Int64()
		left -= out[i]
		fracs[i] = frac{i, new(big.Rat).Sub(exact, new(big.Rat).SetInt(q))}
	}
	sort.SliceStable(fracs, func(a, b int) bool { return fracs[a].rem.Cmp(fracs[b].rem) > 0 })
	for k := 0; left > 0; k = (k + 1) % len(fracs) {
		out[fracs[k].i]++
		left--
	}
	return out
}

// customerTaxCode sets or checks Customer.DefaultTaxCodeRef: AST sets it to
// the company default code its engine picks (NOTES §9.2), replacing what the
// client sent; the other kinds with sales tax check that it names an active
// TaxCode (2500 / 610); without sales tax it is kept as sent.
func (tx *txn) customerTaxCode(obj map[string]any) *fault {
	ki := tx.c.kind()
	switch {
	case ki.partnerTax:
		obj["DefaultTaxCodeRef"] = map[string]any{"value": astCodeID(ki.seed.astHome)}
	case ki.usingSalesTax:
		m, ok := obj["DefaultTaxCodeRef"].(map[string]any)
		if obj["DefaultTaxCodeRef"] != nil && !ok {
			return faultInvalidValue("DefaultTaxCodeRef", "expected a reference object")
		}
		if m == nil {
			return nil
		}
		id := scalarString(m["value"])
		rec := tx.get("TaxCode", id)
		if rec == nil || (!ki.global && rec.Data["TaxGroup"] != true) {
			return faultInvalidRef("DefaultTaxCodeRef", "TaxCode", id)
		}
		if rec.Data["Active"] != true {
			return faultInactiveRef("DefaultTaxCodeRef")
		}
		obj["DefaultTaxCodeRef"] = map[string]any{"value": id}
	}
	return nil
}
