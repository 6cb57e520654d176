package qboemu

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzQueryParser feeds arbitrary statements to the parser and runs what
// parses against a small company: never a panic, always a query or a fault.
func FuzzQueryParser(f *testing.F) {
	for _, s := range []string{
		"select * from Customer",
		"SELECT COUNT(*) FROM customer WHERE Active IN (true, false)",
		`select * from Customer where DisplayName = 'O\'Brien & Sons' orderby DisplayName desc startposition 1 maxresults 10`,
		"select * from TimeActivity where TxnDate > '2014-09-14' and MetaData.LastUpdatedTime >= '2024-01-01T00:00:00-08:00'",
		"select * from Item where Name LIKE '%Design%' ORDER BY Id",
		"select Id, DisplayName from Customer where Balance > '0'",
		"select * from Customer where PrimaryEmailAddr = 'a@b.c' maxresults 1000 startposition 2",
		"select * from Customer where DisplayName = 'a' or DisplayName = 'b'",
		"select * from Invoice where TotalAmt <= 12.50;",
		"select * from", "'", "\\", "select * from Customer where x in (", "select count(", "\xff\xfe",
		"select * from Customer where DisplayName = 'Zoë\\'s Café 東京'",
	} {
		f.Add(s)
	}
	c := newCompany("1", "Fuzz Co", PlanPlus, AdminUser{GivenName: "F", FamilyName: "Z"}, time.Now())
	tx := &txn{c: c, now: time.Now()}
	if _, flt := tx.create(lookupSpec("Customer"), map[string]any{"DisplayName": "O'Brien & Sons", "Balance": "1"}); flt != nil {
		f.Fatal(flt)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, flt := parseQuery(s)
		if (q == nil) == (flt == nil) {
			t.Fatalf("parseQuery(%q) = %v, %v: want exactly one", s, q, flt)
		}
		if q != nil {
			total, rows := q.run(tx)
			_ = q.response(total, rows)
		}
	})
}

// FuzzEntityDecode feeds arbitrary bodies to the decoder and every entity's
// create and update: never a panic, always an object or a fault.
func FuzzEntityDecode(f *testing.F) {
	for _, s := range []string{
		`{"DisplayName":"Acme","PrimaryEmailAddr":{"Address":"a@b.c"}}`,
		`{"Name":"Design","Type":"Service","IncomeAccountRef":{"value":"1"},"UnitPrice":120.50}`,
		`{"NameOf":"Employee","EmployeeRef":{"value":"1"},"Hours":2,"Minutes":30,"BillableStatus":"Billable","HourlyRate":1e2,"CustomerRef":{"value":"2"}}`,
		`{"NameOf":"Employee","EmployeeRef":{"value":"1"},"StartTime":"09:00:00-08:00","EndTime":"17:00:00-08:00","TxnDate":"2026-01-02"}`,
		`{"CustomerRef":{"value":"2"},"Line":[{"DetailType":"SalesItemLineDetail","Amount":0.13,"SalesItemLineDetail":{"Qty":1,"UnitPrice":0.125}}]}`,
		`{"Id":"2","SyncToken":"0","sparse":true,"Notes":null}`,
		`{"Name":"Income 2","AccountType":"Income"}`,
		`{"CompanyName":"X","CompanyAddr":{}}`,
		`{"CustomerRef":{"value":"2"},"TotalAmt":"10.005","Line":[{"Amount":5,"LinkedTxn":[{"TxnId":"3","TxnType":"Invoice"}]},{"Amount":1,"LinkedTxn":[{"TxnId":3,"TxnType":"Invoice"}]}]}`,
		`{"DisplayName":"X","a b":1,"<x>":{"9":[1,{"value":"v","name":"n"}]},"xmlns":"q","Notes":"\u0000\u0001"}`,
		`[]`, `null`, `{"a":`, "{\"DisplayName\":\"\xff\"}", `{"Hours":-1}`, `{"Line":"x"}`, `{"Amount":1e999999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, flt := decodeEntity(body)
		if (obj == nil) == (flt == nil) {
			t.Fatalf("decodeEntity(%q): want exactly one of object and fault", body)
		}
		if obj == nil {
			return
		}
		now := time.Now()
		c := newCompany("1", "Fuzz Co", PlanPlus, AdminUser{GivenName: "F", FamilyName: "Z"}, now)
		tx := &txn{c: c, now: now}
		if _, flt := tx.create(lookupSpec("Customer"), map[string]any{"DisplayName": "Fuzz Customer"}); flt != nil {
			t.Fatal(flt)
		}
		for _, spec := range specs {
			for _, op := range []string{"create", "update", "delete", "void"} {
				in, _ := decodeEntity(body)
				key, value, flt := tx.apply(spec, op, in)
				if flt == nil {
					wellFormedXML(t, render(false, 200, now, key, value).body)
				}
			}
		}
	})
}

// wellFormedXML fails the test when body is not well-formed XML.
func wellFormedXML(t *testing.T, body []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("malformed XML (%v): %s", err, body)
		}
	}
}
