package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/log"

	"hoursync/activities"
	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/workflows"
)

// plainLoop makes the QBO calls a sync of n cards makes (the plan's two reads, then
// the TimeActivity creates), straight through the client: no workflow, no database,
// sent as the sync's lanes send them (workflows.BatchLanes loops of batch calls of 30,
// workflows.SinglesLanes loops of groups of single writes, activities.SinglesInFlight
// at a time).
func (st *stack) plainLoop(ctx context.Context, tn tenant, n int) (time.Duration, error) {
	c, err := st.plainClient(ctx, tn)
	if err != nil {
		return 0, err
	}
	writes, err := st.plainWrites(ctx, tn, n)
	if err != nil {
		return 0, err
	}
	began := time.Now()
	var wg sync.WaitGroup
	var planErr error
	wg.Add(1)
	go func() { defer wg.Done(); _, planErr = c.Preferences(ctx) }()
	if _, err := c.CompanyInfo(ctx); err != nil {
		return 0, err
	}
	wg.Wait()
	if planErr != nil {
		return 0, planErr
	}
	var mu sync.Mutex
	next := 0
	take := func(size int) []qbo.TimeActivity {
		mu.Lock()
		defer mu.Unlock()
		k := min(size, len(writes)-next)
		group := writes[next : next+k]
		next += k
		return group
	}
	errs := make(chan error, 64)
	run := func(size int) {
		defer wg.Done()
		for {
			group := take(size)
			if len(group) == 0 {
				return
			}
			var err error
			if len(group) <= workflows.SinglesMax {
				err = plainSingles(ctx, c, group)
			} else {
				err = plainBatch(ctx, c, group)
			}
			if err != nil {
				errs <- err
				return
			}
		}
	}
	for range workflows.BatchLanes {
		wg.Add(1)
		go run(workflows.BatchSize)
	}
	for range workflows.SinglesLanes {
		wg.Add(1)
		go run(workflows.SinglesMax)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return time.Since(began), nil
}

func plainBatch(ctx context.Context, c *qbo.Client, group []qbo.TimeActivity) error {
	ops := make([]qbo.BatchOp[qbo.TimeActivity], len(group))
	for i, ta := range group {
		ops[i] = qbo.BatchOp[qbo.TimeActivity]{BID: "b" + strconv.Itoa(i), Operation: qbo.OpCreate, Entity: ta}
	}
	res, err := qbo.Batch(ctx, c, workflows.RequestID("plain", strconv.FormatInt(time.Now().UnixNano(), 10)), ops)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

func plainSingles(ctx context.Context, c *qbo.Client, group []qbo.TimeActivity) error {
	slots := make(chan struct{}, activities.SinglesInFlight)
	errs := make([]error, len(group))
	var wg sync.WaitGroup
	for i, ta := range group {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			_, errs[i] = qbo.Create(ctx, c, workflows.RequestID("plain", strconv.Itoa(i), strconv.FormatInt(time.Now().UnixNano(), 10)), ta)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// plainWrites is n TimeActivities of the tenant's owner, customers and services, as a
// sync would send them.
func (st *stack) plainWrites(ctx context.Context, tn tenant, n int) ([]qbo.TimeActivity, error) {
	emp, err := st.store.GetLink(ctx, tn.account.ID, tn.realm, store.ObjectUser, tn.owner.ID)
	if err != nil {
		return nil, fmt.Errorf("owner's employee: %w", err)
	}
	var custs, items []string
	for _, l := range []struct {
		objectType string
		into       *[]string
	}{{store.ObjectCustomer, &custs}, {store.ObjectService, &items}} {
		if err := st.store.DB().SelectContext(ctx, l.into, `SELECT qbo_id FROM qbo_links WHERE account_id = $1 AND realm_id = $2
			AND object_type = $3 ORDER BY object_id`, tn.account.ID, tn.realm, l.objectType); err != nil {
			return nil, err
		}
	}
	out := make([]qbo.TimeActivity, n)
	for i := range out {
		hours, minutes := (15+i%240)/60, (15+i%240)%60
		rate := qbo.Money(9000)
		out[i] = qbo.TimeActivity{TxnDate: fmt.Sprintf("2026-11-%02d", 1+i%28), NameOf: qbo.NameOfEmployee,
			EmployeeRef: &qbo.Ref{Value: emp.QBOID}, CustomerRef: &qbo.Ref{Value: custs[i%len(custs)]}, ItemRef: &qbo.Ref{Value: items[i%len(items)]},
			Hours: &hours, Minutes: &minutes, Description: fmt.Sprintf("plain card %d", i), BillableStatus: qbo.BillableStatusBillable, HourlyRate: &rate}
	}
	return out, nil
}

// plainPaging reads what an import reads, one query after the other, page by page
// (1,000 rows), active rows then inactive ones, and keeps nothing: income accounts,
// customers, service items, terms, employees.
func (st *stack) plainPaging(ctx context.Context, tn tenant) (time.Duration, int, error) {
	c, err := st.plainClient(ctx, tn)
	if err != nil {
		return 0, 0, err
	}
	queries := 0
	began := time.Now()
	err = firstErr(
		pageAll[qbo.Account](ctx, c, qbo.From[qbo.Account]().Where("AccountType", qbo.Eq, qbo.AccountTypeIncome), &queries),
		pageAll[qbo.Customer](ctx, c, qbo.From[qbo.Customer](), &queries),
		pageAll[qbo.Item](ctx, c, qbo.From[qbo.Item]().Where("Type", qbo.Eq, qbo.ItemTypeService), &queries),
		pageAll[qbo.Term](ctx, c, qbo.From[qbo.Term](), &queries),
		pageAll[qbo.Employee](ctx, c, qbo.From[qbo.Employee](), &queries),
	)
	return time.Since(began), queries, err
}

func firstErr(fns ...func() error) error {
	for _, fn := range fns {
		if err := fn(); err != nil {
			return err
		}
	}
	return nil
}

func pageAll[T qbo.Entity](ctx context.Context, c *qbo.Client, q qbo.Query, queries *int) func() error {
	return func() error {
		for _, query := range []qbo.Query{q, q.Where("Active", qbo.Eq, false)} {
			query = query.OrderBy("Id", false)
			for start := 1; ; start += qbo.MaxPageSize {
				rows, err := qbo.QueryPage[T](ctx, c, query.Page(start, qbo.MaxPageSize))
				*queries++
				if err != nil {
					return err
				}
				if len(rows) < qbo.MaxPageSize {
					break
				}
			}
		}
		return nil
	}
}

// quietLogger drops the Temporal client's logs.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any)            {}
func (quietLogger) Info(string, ...any)             {}
func (quietLogger) Warn(string, ...any)             {}
func (quietLogger) Error(string, ...any)            {}
func (l quietLogger) With(...any) log.Logger        { return l }
func (l quietLogger) WithCallerSkip(int) log.Logger { return l }
