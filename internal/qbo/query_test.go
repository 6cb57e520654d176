package qbo_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
)

// seedCustomers creates n customers through batch calls of 30.
func seedCustomers(t *testing.T, c *qbo.Client, prefix string, n int) {
	t.Helper()
	for start := 0; start < n; start += qbo.MaxBatchItems {
		var ops []qbo.BatchOp[qbo.Customer]
		for i := start; i < min(n, start+qbo.MaxBatchItems); i++ {
			ops = append(ops, qbo.BatchOp[qbo.Customer]{BID: fmt.Sprintf("c%d", i), Operation: qbo.OpCreate,
				Entity: qbo.Customer{DisplayName: fmt.Sprintf("%s %05d", prefix, i)}})
		}
		res, err := qbo.Batch(ctx(t), c, rid(t), ops)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
}

func TestAllIteratesEveryPage(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	const n = 1234
	seedCustomers(t, c, "Pager", n)
	for _, size := range []int{0, 500, 1234, 100} {
		seen := map[string]bool{}
		for cust, err := range qbo.All[qbo.Customer](ctx(t), c, qbo.From[qbo.Customer]().OrderBy("Id", false), size) {
			if err != nil {
				t.Fatal(err)
			}
			if seen[cust.ID] {
				t.Fatalf("page size %d: %s twice", size, cust.ID)
			}
			seen[cust.ID] = true
		}
		if len(seen) != n {
			t.Fatalf("page size %d: %d customers, want %d", size, len(seen), n)
		}
	}
	total, err := qbo.Count(ctx(t), c, qbo.From[qbo.Customer]().Where("DisplayName", qbo.Like, "Pager%"))
	if err != nil || total != n {
		t.Fatalf("count %d, %v", total, err)
	}
	none, err := qbo.QueryPage[qbo.Customer](ctx(t), c, qbo.From[qbo.Customer]().Where("DisplayName", qbo.Eq, "nobody"))
	if err != nil || len(none) != 0 {
		t.Fatalf("empty result: %v %v", none, err)
	}
	// Stopping early stops paging.
	got := 0
	for range qbo.All[qbo.Customer](ctx(t), c, qbo.From[qbo.Customer](), 10) {
		if got++; got == 15 {
			break
		}
	}
}

func TestBatchReportsPerItemFaults(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	taken, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Taken"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := qbo.Batch(ctx(t), c, rid(t), []qbo.BatchOp[qbo.Customer]{
		{BID: "new", Operation: qbo.OpCreate, Entity: qbo.Customer{DisplayName: "Fresh"}},
		{BID: "dup", Operation: qbo.OpCreate, Entity: qbo.Customer{DisplayName: "Taken"}},
		{BID: "upd", Operation: qbo.OpUpdate, Entity: qbo.Customer{Header: other.Header, Notes: "batched"}},
		{BID: "stale", Operation: qbo.OpUpdate, Entity: qbo.Customer{Header: qbo.Header{ID: taken.ID, SyncToken: "7"}, Notes: "x"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].BID != "new" || res[0].Err != nil || res[0].Entity.ID == "" {
		t.Errorf("create item: %+v", res[0])
	}
	var f *qbo.Fault
	if !errors.Is(res[1].Err, qbo.ErrDuplicateName) || !errors.As(res[1].Err, &f) || f.BatchID != "dup" || f.ExistingID != taken.ID || f.IntuitTID == "" {
		t.Errorf("duplicate item: %+v", res[1])
	}
	if res[2].Err != nil || res[2].Entity.Notes != "batched" || res[2].Entity.SyncToken != "1" {
		t.Errorf("update item: %+v", res[2])
	}
	if !errors.Is(res[3].Err, qbo.ErrStale) {
		t.Errorf("stale item: %+v", res[3])
	}

	for name, ops := range map[string][]qbo.BatchOp[qbo.Customer]{
		"empty":   nil,
		"31":      make([]qbo.BatchOp[qbo.Customer], 31),
		"dup bId": {{BID: "a", Operation: qbo.OpCreate}, {BID: "a", Operation: qbo.OpCreate}},
		"long":    {{BID: "elevenchars", Operation: qbo.OpCreate}},
	} {
		if _, err := qbo.Batch(ctx(t), c, rid(t), ops); err == nil {
			t.Errorf("%s batch accepted", name)
		}
	}
}

func TestBatchDeletesTimeActivities(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	emps, err := qbo.QueryPage[qbo.Employee](ctx(t), c, qbo.From[qbo.Employee]())
	if err != nil {
		t.Fatal(err)
	}
	var ops []qbo.BatchOp[qbo.TimeActivity]
	for i := range 3 {
		ops = append(ops, qbo.BatchOp[qbo.TimeActivity]{BID: fmt.Sprint("t", i), Operation: qbo.OpCreate, Entity: qbo.TimeActivity{
			NameOf: qbo.NameOfEmployee, EmployeeRef: &qbo.Ref{Value: emps[0].ID}, TxnDate: "2026-11-0" + fmt.Sprint(i+1),
			Hours: new(i + 1), Minutes: new(0)}})
	}
	res, err := qbo.Batch(ctx(t), c, rid(t), ops)
	if err != nil {
		t.Fatal(err)
	}
	var del []qbo.BatchOp[qbo.TimeActivity]
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		del = append(del, qbo.BatchOp[qbo.TimeActivity]{BID: r.BID, Operation: qbo.OpDelete, Entity: r.Entity})
	}
	del = append(del, qbo.BatchOp[qbo.TimeActivity]{BID: "ghost", Operation: qbo.OpDelete,
		Entity: qbo.TimeActivity{Header: qbo.Header{ID: "999999", SyncToken: "0"}}})
	res, err = qbo.Batch(ctx(t), c, rid(t), del)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res[:3] {
		if r.Err != nil || !r.Entity.Deleted() {
			t.Errorf("delete %s: %+v", r.BID, r)
		}
	}
	if !errors.Is(res[3].Err, qbo.ErrNotFound) {
		t.Errorf("delete of unknown id: %+v", res[3])
	}
	left, err := qbo.QueryPage[qbo.TimeActivity](ctx(t), c, qbo.From[qbo.TimeActivity]())
	if err != nil || len(left) != 0 {
		t.Fatalf("time activities left: %v %v", left, err)
	}
}

// queryRoundTrip creates a customer named name and finds it again by an escaped
// equality query. Names QBO refuses are fine; a parser fault is not.
func queryRoundTrip(t *testing.T, e *emulator, c *qbo.Client, name string) {
	t.Helper()
	q := qbo.From[qbo.Customer]().Where("DisplayName", qbo.Eq, name).Where("Active", qbo.In, []string{"true", "false"})
	if _, err := q.Build(); err != nil {
		if !utf8.ValidString(name) {
			return
		}
		t.Fatalf("build %q: %v", name, err)
	}
	created, cerr := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: name})
	if _, err := qbo.QueryPage[qbo.Customer](ctx(t), c, q); err != nil {
		t.Fatalf("query for %q (%s): %v", name, q, err)
	}
	if cerr != nil {
		if !errors.Is(cerr, qbo.ErrValidation) && !errors.Is(cerr, qbo.ErrDuplicateName) {
			t.Fatalf("create %q: %v", name, cerr)
		}
		return
	}
	// QBO stores names trimmed: look the customer up by the name it stored.
	q = qbo.From[qbo.Customer]().Where("DisplayName", qbo.Eq, created.DisplayName)
	rows, err := qbo.QueryPage[qbo.Customer](ctx(t), c, q)
	if err != nil {
		t.Fatalf("query for %q (%s): %v", created.DisplayName, q, err)
	}
	for _, r := range rows {
		if r.ID == created.ID {
			if r.DisplayName != created.DisplayName {
				t.Fatalf("name %q came back as %q", created.DisplayName, r.DisplayName)
			}
			return
		}
	}
	t.Fatalf("customer %q (stored as %q) not found by %s: %v", name, created.DisplayName, q, rows)
}

var escapingSeeds = []string{
	"O'Brien & Sons", "Zoë 東京 🚀", "100% sure", `back\slash`, `\'`, `'`, `\`, `trailing\`, `a'b\'c''`,
	"it's 50%_off", "  padded  ", "select * from Customer", "' OR 1=1 --", "tab\there", "ÆØÅ æøå", `"quoted"`,
}

func TestQueryEscapingRoundTrips(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	realm := e.company("Escapes", "Essentials")
	c, _ := e.client(realm, nil)
	for _, s := range escapingSeeds {
		queryRoundTrip(t, e, c, s)
	}
	// % is literal with =, a wildcard only with LIKE.
	rows, err := qbo.QueryPage[qbo.Customer](ctx(t), c, qbo.From[qbo.Customer]().Where("DisplayName", qbo.Eq, "100%"))
	if err != nil || len(rows) != 0 {
		t.Fatalf("%% matched as a wildcard with =: %v %v", rows, err)
	}
	rows, err = qbo.QueryPage[qbo.Customer](ctx(t), c, qbo.From[qbo.Customer]().Where("DisplayName", qbo.Like, "100%"))
	if err != nil || len(rows) != 1 {
		t.Fatalf("LIKE '100%%': %v %v", rows, err)
	}
}

// FuzzQueryEscaping checks that any string survives the builder and the emulator's
// query parser. `go test` runs the seeds only; `go test -fuzz FuzzQueryEscaping`
// explores.
func FuzzQueryEscaping(f *testing.F) {
	for _, s := range escapingSeeds {
		f.Add(s)
	}
	e := startEmulator(f, qboemu.Options{})
	realm := e.company("Fuzz", "Plus")
	c, ts := e.client(realm, nil)
	if _, err := ts.Token(); err != nil { // fetched here: the fuzz target may not call f's helpers
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if len(name) > 200 || strings.ContainsRune(name, 0) {
			t.Skip()
		}
		queryRoundTrip(t, e, c, name)
	})
}
