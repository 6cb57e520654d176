package qboemu

import (
	"encoding/json"
	"math/big"
	"strings"
	"time"
)

// Term types, as QBO spells them.
const (
	termStandard    = "STANDARD"
	termDateDriven  = "DATE_DRIVEN"
	maxTermNameLen  = 31
	maxTermDays     = 999
	maxDayOfMonth   = 31
	invoiceDueDays  = 30 // an invoice without SalesTermRef is due 30 days after TxnDate
	defaultTermsRef = "3"
)

// defaultTerms are the sales terms a new company starts with, in Id order; the
// company's Preferences.SalesFormsPrefs.DefaultTerms names Net 30 (defaultTermsRef).
var defaultTerms = []struct {
	name string
	days int64
}{{"Due on receipt", 0}, {"Net 15", 15}, {"Net 30", 30}, {"Net 60", 60}}

// putDefaultTerms adds the default terms to a company that has none.
func (c *company) putDefaultTerms(now time.Time) {
	if len(c.Entities["Term"]) > 0 {
		return
	}
	for _, t := range defaultTerms {
		c.put("Term", map[string]any{"Name": t.name, "Active": true, "Type": termStandard,
			"DueDays": intNumber(t.days), "DiscountDays": intNumber(0), "DiscountPercent": json.Number("0")}, now)
	}
}

// prepareTerm validates a Term. Type follows the fields when it is not given
// (DayOfMonthDue → DATE_DRIVEN, else STANDARD); the fields of the other type are
// dropped.
func prepareTerm(tx *txn, obj, _ map[string]any) *fault {
	if f := checkString(obj, "Name", maxTermNameLen); f != nil {
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
	if f := tx.uniqueName([]string{"Term"}, "Name", name, "Term", str(obj["Id"])); f != nil {
		return f
	}
	if f := checkBool(obj, "Active"); f != nil {
		return f
	}
	typ := scalarString(obj["Type"])
	if typ == "" {
		typ = termStandard
		if obj["DayOfMonthDue"] != nil {
			typ = termDateDriven
		}
	}
	switch typ {
	case termStandard:
		due, f := wholeNumber(obj, "DueDays", maxTermDays)
		if f != nil {
			return f
		}
		disc, f := wholeNumber(obj, "DiscountDays", maxTermDays)
		if f != nil {
			return f
		}
		obj["DueDays"], obj["DiscountDays"] = intNumber(due), intNumber(disc)
		if f := checkPercent(obj, "DiscountPercent"); f != nil {
			return f
		}
		defaultTo(obj, "DiscountPercent", json.Number("0"))
		for _, k := range []string{"DayOfMonthDue", "DueNextMonthDays", "DiscountDayOfMonth"} {
			delete(obj, k)
		}
	case termDateDriven:
		if obj["DayOfMonthDue"] == nil {
			return faultRequired("DayOfMonthDue")
		}
		day, f := wholeNumber(obj, "DayOfMonthDue", maxDayOfMonth)
		if f != nil {
			return f
		}
		if day == 0 {
			return faultInvalidValue("DayOfMonthDue", "expected a day of the month from 1 to 31")
		}
		next, f := wholeNumber(obj, "DueNextMonthDays", maxDayOfMonth)
		if f != nil {
			return f
		}
		obj["DayOfMonthDue"], obj["DueNextMonthDays"] = intNumber(day), intNumber(next)
		if obj["DiscountDayOfMonth"] != nil {
			dd, f := wholeNumber(obj, "DiscountDayOfMonth", maxDayOfMonth)
			if f != nil {
				return f
			}
			obj["DiscountDayOfMonth"] = intNumber(dd)
		}
		if f := checkPercent(obj, "DiscountPercent"); f != nil {
			return f
		}
		for _, k := range []string{"DueDays", "DiscountDays"} {
			delete(obj, k)
		}
	default:
		return faultEnum("Type", typ)
	}
	obj["Type"] = typ
	defaultTo(obj, "Active", true)
	return nil
}

var bigHundred = big.NewRat(100, 1)

func checkPercent(obj map[string]any, k string) *fault {
	v, ok := obj[k]
	if !ok || v == nil {
		return nil
	}
	r, ok := decimal(v)
	if !ok || r.Sign() < 0 || r.Cmp(bigHundred) > 0 {
		return faultInvalidValue(k, "expected a percentage from 0 to 100")
	}
	return nil
}

// termDueDate is the due date a term gives an invoice dated txn. STANDARD: txn +
// DueDays. DATE_DRIVEN: DayOfMonthDue of txn's month (the month's last day when it
// is shorter), moved to the next month when that is fewer than DueNextMonthDays
// days after txn, or before it.
func termDueDate(term map[string]any, txn time.Time) time.Time {
	if str(term["Type"]) != termDateDriven {
		days, _ := decimal(term["DueDays"])
		if days == nil || !days.IsInt() {
			return txn
		}
		return txn.AddDate(0, 0, int(days.Num().Int64()))
	}
	day, next := int64(1), int64(0)
	if r, ok := decimal(term["DayOfMonthDue"]); ok && r.IsInt() {
		day = r.Num().Int64()
	}
	if r, ok := decimal(term["DueNextMonthDays"]); ok && r.IsInt() {
		next = r.Num().Int64()
	}
	due := dayOfMonth(txn.Year(), txn.Month(), int(day))
	if int64(due.Sub(txn)/(24*time.Hour)) < next || due.Before(txn) {
		due = dayOfMonth(txn.Year(), txn.Month()+1, int(day))
	}
	return due
}

// dayOfMonth is day of the month, or the month's last day when it has fewer days.
func dayOfMonth(year int, month time.Month, day int) time.Time {
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return first.AddDate(0, 0, day-1)
}

// invoiceDueDate fills an invoice's DueDate when the request did not give one: from
// its SalesTermRef, or TxnDate + 30 days without one. On an update the stored
// DueDate stays unless the request changed TxnDate or SalesTermRef without naming a
// DueDate.
func (tx *txn) invoiceDueDate(obj, old map[string]any, term *record) {
	_, sent := tx.req["DueDate"]
	if obj["DueDate"] != nil && (sent || old == nil || !dueBasisChanged(obj, old)) {
		return
	}
	txnDate, err := time.Parse("2006-01-02", str(obj["TxnDate"]))
	if err != nil {
		return // checkDate reports it
	}
	due := txnDate.AddDate(0, 0, invoiceDueDays)
	if term != nil {
		due = termDueDate(term.Data, txnDate)
	}
	obj["DueDate"] = due.Format("2006-01-02")
}

func dueBasisChanged(obj, old map[string]any) bool {
	refValue := func(v any) string {
		m, _ := v.(map[string]any)
		return scalarString(m["value"])
	}
	return str(obj["TxnDate"]) != str(old["TxnDate"]) || refValue(obj["SalesTermRef"]) != refValue(old["SalesTermRef"])
}
