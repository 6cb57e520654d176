package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/workflows"
)

// Connections is what the activities need of the connection store (intuit.Connections).
type Connections interface {
	Client(ctx context.Context, accountID int64, opts qbo.Options) (*qbo.Client, intuit.Connection, error)
	Refresh(ctx context.Context, accountID int64) error
	Disconnect(ctx context.Context, accountID int64) error
	UpdatePlan(ctx context.Context, accountID int64, plan qbo.Plan) error
}

// QBOCompanies opens companies through the connection store with the shared client
// options (base URL, cross-process limiter, logger).
type QBOCompanies struct {
	Connections Connections
	Options     qbo.Options
}

// Company returns the account's connected company.
func (q *QBOCompanies) Company(ctx context.Context, accountID int64) (Company, workflows.ConnectionInfo, error) {
	cl, conn, err := q.Connections.Client(ctx, accountID, q.Options)
	info := workflows.ConnectionInfo{AccountID: accountID, RealmID: conn.RealmID, CompanyName: conn.CompanyName,
		Plan: conn.Plan.Name, CanSyncTime: conn.Plan.CanSyncTime()}
	if err != nil {
		return nil, info, companyError(err)
	}
	return &qboCompany{c: cl, accountID: accountID, conns: q.Connections}, info, nil
}

// RefreshTokens refreshes the account's tokens now.
func (q *QBOCompanies) RefreshTokens(ctx context.Context, accountID int64) error {
	return companyError(q.Connections.Refresh(ctx, accountID))
}

// Disconnect revokes the grant and deletes the tokens.
func (q *QBOCompanies) Disconnect(ctx context.Context, accountID int64) error {
	err := q.Connections.Disconnect(ctx, accountID)
	if errors.Is(err, intuit.ErrNotConnected) {
		return nil // already disconnected: nothing left to do
	}
	return companyError(err)
}

// companyError translates the connection store's and the QBO client's errors into
// the activities' own.
func companyError(err error) error {
	var fault *qbo.Fault
	switch {
	case err == nil:
		return nil
	case errors.Is(err, intuit.ErrNotConnected):
		return ErrNotConnected
	case errors.Is(err, intuit.ErrNeedsReconnect), errors.Is(err, qbo.ErrUnauthorized):
		// The client already refreshed once after a 401; a second refusal, or a
		// token for another company (403), only a reconnect fixes.
		return fmt.Errorf("%w: %v", ErrNeedsReconnect, err)
	case errors.Is(err, qbo.ErrStale):
		return fmt.Errorf("%w: %v", ErrStale, err)
	case errors.Is(err, qbo.ErrNotFound) && errors.As(err, &fault):
		return &GoneError{Field: fault.Field(), Message: err.Error()}
	case errors.Is(err, qbo.ErrNotFound):
		return fmt.Errorf("%w: %v", ErrGone, err)
	case errors.Is(err, qbo.ErrPlanLacksFeature):
		return fmt.Errorf("%w: %v", ErrPlan, err)
	case errors.Is(err, qbo.ErrDuplicateName) && errors.As(err, &fault):
		return &DuplicateNameError{ExistingID: fault.ExistingID, Message: fault.Message()}
	case errors.Is(err, qbo.ErrValidation) && errors.As(err, &fault) &&
		(fault.Code() == qbo.CodeDuplicateDocNumber || fault.Code() == qbo.CodeDuplicateDocNumberOld):
		return &DuplicateDocNumberError{Message: fault.Message()}
	case errors.Is(err, qbo.ErrValidation) && errors.As(err, &fault):
		return &ValidationError{Code: fault.Code(), Field: fault.Field(), Message: fault.Message()}
	}
	return err
}

// qboCompany implements Company over the typed QBO client.
type qboCompany struct {
	c         *qbo.Client
	accountID int64
	conns     Connections
}

func ref(id string) *qbo.Ref {
	if id == "" {
		return nil
	}
	return &qbo.Ref{Value: id}
}

func boolp(b bool) *bool { return &b }

func isTrue(b *bool) bool { return b == nil || *b }

func emailOf(e *qbo.EmailAddress) string {
	if e == nil {
		return ""
	}
	return e.Address
}

func email(addr string) *qbo.EmailAddress {
	if addr == "" {
		return nil
	}
	return &qbo.EmailAddress{Address: addr}
}

func (q *qboCompany) Plan(ctx context.Context) (PlanInfo, error) {
	p, err := q.c.Plan(ctx)
	if err != nil {
		return PlanInfo{}, companyError(err)
	}
	// Keep the connection's cached plan current (settings page, badges).
	_ = q.conns.UpdatePlan(ctx, q.accountID, p)
	return PlanInfo{Name: p.Name, TimeTracking: p.CanSyncTime()}, nil
}

// each runs q over active rows, then inactive ones (QBO hides inactive names-list rows
// unless asked), handing fn pages of up to 1000.
func each[T qbo.Entity](ctx context.Context, c *qbo.Client, q qbo.Query, fn func([]T) error) error {
	for _, query := range []qbo.Query{q, q.Where("Active", qbo.Eq, false)} {
		page := make([]T, 0, qbo.MaxPageSize)
		for row, err := range qbo.All[T](ctx, c, query.OrderBy("Id", false), qbo.MaxPageSize) {
			if err != nil {
				return companyError(err)
			}
			page = append(page, row)
			if len(page) == qbo.MaxPageSize {
				if err := fn(page); err != nil {
					return err
				}
				page = page[:0]
			}
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
	}
	return nil
}

func (q *qboCompany) ListTerms(ctx context.Context) ([]QBOTerm, error) {
	var out []QBOTerm
	err := each(ctx, q.c, qbo.From[qbo.Term](), func(page []qbo.Term) error {
		for _, t := range page {
			out = append(out, QBOTerm{ID: t.ID, Name: t.Name, Type: t.Type, DueDays: t.DueDays,
				DayOfMonthDue: t.DayOfMonthDue, DueNextMonthDays: t.DueNextMonthDays, Active: isTrue(t.Active)})
		}
		return nil
	})
	return out, err
}

func (q *qboCompany) ListIncomeAccounts(ctx context.Context) ([]QBOAccount, error) {
	var out []QBOAccount
	err := each(ctx, q.c, qbo.From[qbo.Account]().Where("AccountType", qbo.Eq, qbo.AccountTypeIncome), func(page []qbo.Account) error {
		for _, a := range page {
			out = append(out, QBOAccount{ID: a.ID, Name: a.Name, AccountType: a.AccountType, Active: isTrue(a.Active)})
		}
		return nil
	})
	return out, err
}

func customerOf(c qbo.Customer) QBOCustomer {
	return QBOCustomer{ID: c.ID, SyncToken: c.SyncToken, DisplayName: c.DisplayName, GivenName: c.GivenName,
		FamilyName: c.FamilyName, Email: emailOf(c.PrimaryEmailAddr), Active: isTrue(c.Active)}
}

func (q *qboCompany) EachCustomer(ctx context.Context, fn func([]QBOCustomer) error) error {
	return each(ctx, q.c, qbo.From[qbo.Customer](), func(page []qbo.Customer) error {
		out := make([]QBOCustomer, len(page))
		for i, c := range page {
			out[i] = customerOf(c)
		}
		return fn(out)
	})
}

func itemOf(it qbo.Item) QBOItem {
	out := QBOItem{ID: it.ID, SyncToken: it.SyncToken, Name: it.Name, Type: it.Type, Description: it.Description, Active: isTrue(it.Active)}
	if it.UnitPrice != nil {
		out.UnitPriceCents = it.UnitPrice.Cents()
	}
	if it.IncomeAccountRef != nil {
		out.IncomeAccountID = it.IncomeAccountRef.Value
	}
	return out
}

func (q *qboCompany) EachServiceItem(ctx context.Context, fn func([]QBOItem) error) error {
	return each(ctx, q.c, qbo.From[qbo.Item]().Where("Type", qbo.Eq, qbo.ItemTypeService), func(page []qbo.Item) error {
		out := make([]QBOItem, len(page))
		for i, it := range page {
			out[i] = itemOf(it)
		}
		return fn(out)
	})
}

func employeeOf(e qbo.Employee) QBOEmployee {
	return QBOEmployee{ID: e.ID, SyncToken: e.SyncToken, GivenName: e.GivenName, FamilyName: e.FamilyName,
		Email: emailOf(e.PrimaryEmailAddr), Active: isTrue(e.Active)}
}

func (q *qboCompany) ListEmployees(ctx context.Context) ([]QBOEmployee, error) {
	var out []QBOEmployee
	err := each(ctx, q.c, qbo.From[qbo.Employee](), func(page []qbo.Employee) error {
		for _, e := range page {
			out = append(out, employeeOf(e))
		}
		return nil
	})
	return out, err
}

// findOne looks a names-list object up by name among active and inactive rows.
func findOne[T qbo.Entity](ctx context.Context, c *qbo.Client, field, name string) (T, bool, error) {
	var zero T
	base := qbo.From[T]().Where(field, qbo.Eq, strings.TrimSpace(name))
	for _, query := range []qbo.Query{base, base.Where("Active", qbo.Eq, false)} {
		rows, err := qbo.QueryPage[T](ctx, c, query)
		if err != nil {
			return zero, false, companyError(err)
		}
		if len(rows) > 0 {
			return rows[0], true, nil
		}
	}
	return zero, false, nil
}

func (q *qboCompany) FindCustomerByName(ctx context.Context, name string) (QBOCustomer, bool, error) {
	c, ok, err := findOne[qbo.Customer](ctx, q.c, "DisplayName", name)
	return customerOf(c), ok, err
}

func (q *qboCompany) FindItemByName(ctx context.Context, name string) (QBOItem, bool, error) {
	it, ok, err := findOne[qbo.Item](ctx, q.c, "Name", name)
	return itemOf(it), ok, err
}

func (q *qboCompany) GetCustomer(ctx context.Context, id string) (QBOCustomer, error) {
	c, err := qbo.Read[qbo.Customer](ctx, q.c, id)
	return customerOf(c), companyError(err)
}

func (q *qboCompany) GetItem(ctx context.Context, id string) (QBOItem, error) {
	it, err := qbo.Read[qbo.Item](ctx, q.c, id)
	return itemOf(it), companyError(err)
}

func (q *qboCompany) CreateEmployee(ctx context.Context, requestID string, e QBOEmployee) (QBOEmployee, error) {
	got, err := qbo.Create(ctx, q.c, requestID, qbo.Employee{GivenName: e.GivenName, FamilyName: e.FamilyName,
		DisplayName: strings.TrimSpace(e.GivenName + " " + e.FamilyName), PrimaryEmailAddr: email(e.Email)})
	return employeeOf(got), companyError(err)
}

func (q *qboCompany) CreateCustomer(ctx context.Context, requestID string, c QBOCustomer) (QBOCustomer, error) {
	got, err := qbo.Create(ctx, q.c, requestID, qbo.Customer{DisplayName: c.DisplayName, PrimaryEmailAddr: email(c.Email)})
	return customerOf(got), companyError(err)
}

func (q *qboCompany) UpdateCustomer(ctx context.Context, requestID string, c QBOCustomer) (QBOCustomer, error) {
	upd := qbo.Customer{DisplayName: c.DisplayName, PrimaryEmailAddr: email(c.Email), Active: boolp(c.Active)}
	upd.ID, upd.SyncToken = c.ID, c.SyncToken
	got, err := qbo.Update(ctx, q.c, requestID, upd)
	return customerOf(got), companyError(err)
}

func itemFrom(it QBOItem) qbo.Item {
	price := qbo.Money(it.UnitPriceCents)
	out := qbo.Item{Name: it.Name, Type: qbo.ItemTypeService, Description: it.Description, UnitPrice: &price,
		IncomeAccountRef: ref(it.IncomeAccountID), Active: boolp(it.Active)}
	out.ID, out.SyncToken = it.ID, it.SyncToken
	return out
}

func (q *qboCompany) CreateItem(ctx context.Context, requestID string, it QBOItem) (QBOItem, error) {
	got, err := qbo.Create(ctx, q.c, requestID, itemFrom(it))
	return itemOf(got), companyError(err)
}

func (q *qboCompany) UpdateItem(ctx context.Context, requestID string, it QBOItem) (QBOItem, error) {
	upd := itemFrom(it)
	upd.Type = "" // the type of an item never changes
	got, err := qbo.Update(ctx, q.c, requestID, upd)
	return itemOf(got), companyError(err)
}

func timeActivityFrom(ta QBOTimeActivity) qbo.TimeActivity {
	hours, minutes := ta.Hours, ta.Minutes
	out := qbo.TimeActivity{TxnDate: ta.TxnDate, NameOf: qbo.NameOfEmployee, EmployeeRef: ref(ta.EmployeeID),
		CustomerRef: ref(ta.CustomerID), ItemRef: ref(ta.ItemID), Hours: &hours, Minutes: &minutes, Description: ta.Description,
		BillableStatus: qbo.BillableStatusNotBillable}
	if ta.StartTime != "" && ta.EndTime != "" {
		// Hours and Minutes are sent too, agreeing with start, end and break: QBO takes
		// either, and a sparse update must not leave an older Hours behind.
		bh, bm := ta.BreakMinutes/60, ta.BreakMinutes%60
		out.StartTime, out.EndTime, out.BreakHours, out.BreakMinutes = ta.StartTime, ta.EndTime, &bh, &bm
	}
	if ta.Billable {
		rate := qbo.Money(ta.HourlyRateCents)
		out.BillableStatus, out.HourlyRate = qbo.BillableStatusBillable, &rate
	}
	if ta.Billed {
		// QBO owns the billed state: a sparse update without BillableStatus keeps it.
		out.BillableStatus = ""
	}
	out.ID, out.SyncToken = ta.ID, ta.SyncToken
	return out
}

func timeActivityOfQBO(t qbo.TimeActivity) QBOTimeActivity {
	out := QBOTimeActivity{ID: t.ID, SyncToken: t.SyncToken, TxnDate: t.TxnDate, Description: t.Description,
		Billable: t.BillableStatus != qbo.BillableStatusNotBillable, Billed: t.BillableStatus == qbo.BillableStatusBilled,
		StartTime: t.StartTime, EndTime: t.EndTime}
	if t.EmployeeRef != nil {
		out.EmployeeID = t.EmployeeRef.Value
	}
	if t.CustomerRef != nil {
		out.CustomerID = t.CustomerRef.Value
	}
	if t.ItemRef != nil {
		out.ItemID = t.ItemRef.Value
	}
	if t.Hours != nil {
		out.Hours = *t.Hours
	}
	if t.Minutes != nil {
		out.Minutes = *t.Minutes
	}
	if t.BreakHours != nil {
		out.BreakMinutes = *t.BreakHours * 60
	}
	if t.BreakMinutes != nil {
		out.BreakMinutes += *t.BreakMinutes
	}
	if t.HourlyRate != nil {
		out.HourlyRateCents = t.HourlyRate.Cents()
	}
	return out
}

func (q *qboCompany) BatchTimeActivities(ctx context.Context, requestID string, writes []TimeActivityWrite) ([]TimeActivityResult, error) {
	ops := make([]qbo.BatchOp[qbo.TimeActivity], len(writes))
	for i, w := range writes {
		ops[i] = qbo.BatchOp[qbo.TimeActivity]{BID: "b" + strconv.Itoa(i), Operation: w.Op, Entity: timeActivityFrom(w.TA)}
	}
	results, err := qbo.Batch(ctx, q.c, requestID, ops)
	if err != nil {
		return nil, companyError(err)
	}
	out := make([]TimeActivityResult, len(results))
	for i, r := range results {
		out[i] = TimeActivityResult{TA: timeActivityOfQBO(r.Entity), Err: companyError(r.Err)}
	}
	return out, nil
}

func (q *qboCompany) GetTimeActivity(ctx context.Context, id string) (QBOTimeActivity, error) {
	t, err := qbo.Read[qbo.TimeActivity](ctx, q.c, id)
	return timeActivityOfQBO(t), companyError(err)
}

func (q *qboCompany) UpdateTimeActivity(ctx context.Context, requestID string, ta QBOTimeActivity) (QBOTimeActivity, error) {
	got, err := qbo.Update(ctx, q.c, requestID, timeActivityFrom(ta))
	return timeActivityOfQBO(got), companyError(err)
}

func invoiceFrom(inv QBOInvoice) qbo.Invoice {
	out := qbo.Invoice{DocNumber: inv.DocNumber, TxnDate: inv.TxnDate, DueDate: inv.DueDate, CustomerRef: ref(inv.CustomerID),
		SalesTermRef: ref(inv.TermID)}
	if inv.Memo != "" {
		out.CustomerMemo = &qbo.MemoRef{Value: inv.Memo}
	}
	for _, l := range inv.Lines {
		num, den := l.QuantityMilli, int64(1000) // the exact quantity: minutes/60 or thousandths/1000
		if l.Minutes > 0 {
			num, den = l.Minutes, 60
		}
		qty, price := qbo.LineQtyPrice(qbo.Money(l.AmountCents), qbo.Money(l.RateCents), num, den)
		out.Line = append(out.Line, qbo.Line{Description: l.Description, Amount: qbo.Money(l.AmountCents),
			DetailType: qbo.DetailTypeSalesItem, SalesItemLineDetail: &qbo.SalesItemLineDetail{ItemRef: ref(l.ItemID), Qty: &qty, UnitPrice: &price}})
	}
	for _, id := range inv.LinkedTimeActivities {
		out.LinkedTxn = append(out.LinkedTxn, qbo.LinkedTxn{TxnID: id, TxnType: "TimeActivity"})
	}
	if len(out.LinkedTxn) > 0 {
		for _, l := range inv.OtherLinks {
			out.LinkedTxn = append(out.LinkedTxn, qbo.LinkedTxn{TxnID: l.ID, TxnType: l.Type, TxnLineID: l.LineID})
		}
	}
	out.PrivateNote = inv.PrivateNote
	out.ID, out.SyncToken = inv.ID, inv.SyncToken
	return out
}

func invoiceOf(inv qbo.Invoice) QBOInvoice {
	out := QBOInvoice{ID: inv.ID, SyncToken: inv.SyncToken, DocNumber: inv.DocNumber, TxnDate: inv.TxnDate, DueDate: inv.DueDate}
	if inv.SalesTermRef != nil {
		out.TermID = inv.SalesTermRef.Value
	}
	if inv.CustomerRef != nil {
		out.CustomerID, out.CustomerName = inv.CustomerRef.Value, inv.CustomerRef.Name
	}
	if inv.TotalAmt != nil {
		out.TotalCents = inv.TotalAmt.Cents()
	}
	out.PrivateNote = inv.PrivateNote
	for _, l := range inv.LinkedTxn {
		if l.TxnType == "TimeActivity" {
			out.LinkedTimeActivities = append(out.LinkedTimeActivities, l.TxnID)
		} else {
			out.OtherLinks = append(out.OtherLinks, QBOLinkedTxn{ID: l.TxnID, Type: l.TxnType, LineID: l.TxnLineID})
		}
	}
	for _, l := range inv.Line {
		for _, lt := range l.LinkedTxn {
			if lt.TxnType == "TimeActivity" {
				out.LinkedTimeActivities = append(out.LinkedTimeActivities, lt.TxnID)
			}
		}
	}
	for _, l := range inv.Line {
		if l.DetailType != qbo.DetailTypeSalesItem || l.SalesItemLineDetail == nil {
			continue
		}
		line := QBOInvoiceLine{Description: l.Description, AmountCents: l.Amount.Cents()}
		if d := l.SalesItemLineDetail; d != nil {
			if d.ItemRef != nil {
				line.ItemID = d.ItemRef.Value
			}
			if d.Qty != nil {
				line.QuantityMilli = d.Qty.Milli()
			}
			if d.UnitPrice != nil {
				line.RateCents = d.UnitPrice.Cents()
			}
		}
		out.Lines = append(out.Lines, line)
	}
	return out
}

func (q *qboCompany) GetInvoice(ctx context.Context, id string) (QBOInvoice, error) {
	inv, err := qbo.Read[qbo.Invoice](ctx, q.c, id)
	return invoiceOf(inv), companyError(err)
}

func (q *qboCompany) FindInvoiceByDocNumber(ctx context.Context, docNumber string) (QBOInvoice, bool, error) {
	rows, err := qbo.QueryPage[qbo.Invoice](ctx, q.c, qbo.From[qbo.Invoice]().Where("DocNumber", qbo.Eq, docNumber))
	if err != nil || len(rows) == 0 {
		return QBOInvoice{}, false, companyError(err)
	}
	return invoiceOf(rows[0]), true, nil
}

func (q *qboCompany) CreateInvoice(ctx context.Context, requestID string, inv QBOInvoice) (QBOInvoice, error) {
	got, err := qbo.Create(ctx, q.c, requestID, invoiceFrom(inv))
	return invoiceOf(got), companyError(err)
}

func (q *qboCompany) UpdateInvoice(ctx context.Context, requestID string, inv QBOInvoice) (QBOInvoice, error) {
	got, err := qbo.Update(ctx, q.c, requestID, invoiceFrom(inv))
	return invoiceOf(got), companyError(err)
}

func (q *qboCompany) DeleteInvoice(ctx context.Context, requestID, id, syncToken string) error {
	return companyError(qbo.Delete[qbo.Invoice](ctx, q.c, requestID, id, syncToken))
}

func (q *qboCompany) VoidInvoice(ctx context.Context, requestID, id, syncToken string) (QBOInvoice, error) {
	got, err := qbo.Void[qbo.Invoice](ctx, q.c, requestID, id, syncToken)
	return invoiceOf(got), companyError(err)
}
