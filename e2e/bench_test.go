package e2e

import (
	"context"
	"testing"
	"time"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
)

// The sync benchmarks compare a TimeCardSync of one batch (30 cards) through Temporal
// — ensure steps, fixed batch, links and states stored, history written — with the
// bare QBO work it wraps: the same 30 TimeActivity creates in one batch call through
// the same client. cmd/bench reports their ratio.
//
//	go test ./e2e -run '^$' -bench 'Sync30|DirectBatch30' -benchtime 20x

func benchTenant(b *testing.B) (*stack, tenant, store.User, store.Customer, store.Service) {
	s := newStack(b)
	tn := s.connect("Essentials")
	s.importAll(tn)
	u, c, sv, ids := s.newCards(tn, 1)
	s.syncCards(tn, ids...) // employee, customer and item exist from here on
	return s, tn, u, c, sv
}

func (s *stack) cardsFor(tn tenant, u store.User, c store.Customer, sv store.Service, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		card, err := s.store.CreateTimeCard(context.Background(), tn.account.ID, store.TimeCardInput{UserID: u.ID, CustomerID: c.ID,
			ServiceID: sv.ID, WorkDate: day(3), Minutes: 60, Billable: true, RateCents: 9000})
		if err != nil {
			s.t.Fatal(err)
		}
		ids[i] = card.ID
	}
	return ids
}

func BenchmarkSync30CardsThroughTemporal(b *testing.B) {
	s, tn, u, c, sv := benchTenant(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ids := s.cardsFor(tn, u, c, sv, 30)
		b.StartTimer()
		s.syncCards(tn, ids...)
	}
}

func BenchmarkDirectBatch30TimeActivities(b *testing.B) {
	s, tn, _, _, _ := benchTenant(b)
	ctx := context.Background()
	cl, _, err := s.conns.Client(ctx, tn.account.ID, qbo.Options{BaseURL: s.emuURL, Logger: s.logger})
	if err != nil {
		b.Fatal(err)
	}
	emp := s.entities(tn.realm, "Employee")[0]["Id"]
	cust := s.entities(tn.realm, "Customer")[0]["Id"]
	hours, minutes := 1, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ops := make([]qbo.BatchOp[qbo.TimeActivity], 30)
		for j := range ops {
			ops[j] = qbo.BatchOp[qbo.TimeActivity]{BID: "b" + str(j), Operation: qbo.OpCreate, Entity: qbo.TimeActivity{
				TxnDate: "2026-11-03", NameOf: qbo.NameOfEmployee, EmployeeRef: &qbo.Ref{Value: str(emp)},
				CustomerRef: &qbo.Ref{Value: str(cust)}, Hours: &hours, Minutes: &minutes, BillableStatus: qbo.BillableStatusNotBillable}}
		}
		res, err := qbo.Batch(ctx, cl, "bench-"+str(time.Now().UnixNano()), ops)
		if err != nil || len(res) != 30 || res[0].Err != nil {
			b.Fatalf("batch: %v", err)
		}
	}
}
