package activities

import (
	"context"
	"errors"
	"fmt"

	"hoursync/workflows"
)

// Company is one connected QBO company as the activities use it. It is declared here,
// where it is used; the implementation over package qbo is qboCompany.
type Company interface {
	Plan(ctx context.Context) (PlanInfo, error)
	ListIncomeAccounts(ctx context.Context) ([]QBOAccount, error)
	// ListTerms lists every sales term, active and inactive.
	ListTerms(ctx context.Context) ([]QBOTerm, error)
	// EachCustomer and EachServiceItem page through every active and inactive row.
	EachCustomer(ctx context.Context, fn func([]QBOCustomer) error) error
	EachServiceItem(ctx context.Context, fn func([]QBOItem) error) error
	ListEmployees(ctx context.Context) ([]QBOEmployee, error)
	FindCustomerByName(ctx context.Context, name string) (QBOCustomer, bool, error)
	FindItemByName(ctx context.Context, name string) (QBOItem, bool, error)
	GetCustomer(ctx context.Context, id string) (QBOCustomer, error)
	GetItem(ctx context.Context, id string) (QBOItem, error)
	CreateEmployee(ctx context.Context, requestID string, e QBOEmployee) (QBOEmployee, error)
	CreateCustomer(ctx context.Context, requestID string, c QBOCustomer) (QBOCustomer, error)
	// UpdateCustomer is a sparse update of the fields Hoursync owns (name, email).
	UpdateCustomer(ctx context.Context, requestID string, c QBOCustomer) (QBOCustomer, error)
	CreateItem(ctx context.Context, requestID string, it QBOItem) (QBOItem, error)
	UpdateItem(ctx context.Context, requestID string, it QBOItem) (QBOItem, error)
	// BatchTimeActivities sends ≤ 30 writes in one batch request; results come back in
	// the order of writes, each with its own error.
	BatchTimeActivities(ctx context.Context, requestID string, writes []TimeActivityWrite) ([]TimeActivityResult, error)
	GetTimeActivity(ctx context.Context, id string) (QBOTimeActivity, error)
	UpdateTimeActivity(ctx context.Context, requestID string, ta QBOTimeActivity) (QBOTimeActivity, error)
	GetInvoice(ctx context.Context, id string) (QBOInvoice, error)
	FindInvoiceByDocNumber(ctx context.Context, docNumber string) (QBOInvoice, bool, error)
	CreateInvoice(ctx context.Context, requestID string, inv QBOInvoice) (QBOInvoice, error)
	UpdateInvoice(ctx context.Context, requestID string, inv QBOInvoice) (QBOInvoice, error)
	DeleteInvoice(ctx context.Context, requestID, id, syncToken string) error
	VoidInvoice(ctx context.Context, requestID, id, syncToken string) (QBOInvoice, error)
}

// CompanyClients opens the company of an account's connection. It fails with
// ErrNotConnected or ErrNeedsReconnect when there is none to use.
type CompanyClients interface {
	Company(ctx context.Context, accountID int64) (Company, workflows.ConnectionInfo, error)
	// RefreshTokens refreshes the connection's tokens now (keep-alive).
	RefreshTokens(ctx context.Context, accountID int64) error
	// Disconnect revokes the grant at Intuit and deletes the tokens; links stay.
	Disconnect(ctx context.Context, accountID int64) error
}

// PlanInfo is what the company's subscription allows.
type PlanInfo struct {
	Name         string
	TimeTracking bool
}

// QBOAccount is a QBO Account (the activities import Income ones).
type QBOAccount struct {
	ID, Name, AccountType string
	Active                bool
}

// QBOTerm is a QBO sales term (Term): STANDARD with DueDays, or DATE_DRIVEN with
// DayOfMonthDue and DueNextMonthDays; nil where QBO gives none.
type QBOTerm struct {
	ID, Name, Type                           string
	DueDays, DayOfMonthDue, DueNextMonthDays *int
	Active                                   bool
}

// QBOCustomer is the part of a QBO Customer Hoursync reads and writes.
type QBOCustomer struct {
	ID, SyncToken, DisplayName, GivenName, FamilyName, Email string
	Active                                                   bool
}

// QBOItem is the part of a QBO Item Hoursync reads and writes.
type QBOItem struct {
	ID, SyncToken, Name, Type, Description, IncomeAccountID string
	UnitPriceCents                                          int64
	Active                                                  bool
}

// QBOEmployee is the part of a QBO Employee Hoursync reads and writes.
type QBOEmployee struct {
	ID, SyncToken, GivenName, FamilyName, Email string
	Active                                      bool
}

// QBOTimeActivity is a QBO TimeActivity as Hoursync writes it.
type QBOTimeActivity struct {
	ID, SyncToken                           string
	EmployeeID, CustomerID, ItemID, TxnDate string
	Hours, Minutes                          int
	Billable                                bool
	HourlyRateCents                         int64
	Description                             string
	StartTime, EndTime                      string
	BreakMinutes                            int
	// Billed: QBO has this time billed (HasBeenBilled). On a write it means: leave the
	// billed state as QBO has it (QBO owns it); BillableStatus is not sent.
	Billed bool
}

// TimeActivityWrite is one batch operation: create, update (sparse) or delete.
type TimeActivityWrite struct {
	Op string
	TA QBOTimeActivity
}

// TimeActivityResult is one batch item's result.
type TimeActivityResult struct {
	TA  QBOTimeActivity
	Err error
}

// QBOInvoiceLine is a SalesItemLineDetail line.
type QBOInvoiceLine struct {
	ItemID        string
	Description   string
	QuantityMilli int64
	RateCents     int64
	AmountCents   int64
	Minutes       int64 // billed from time cards: the exact quantity is Minutes/60
}

// QBOInvoice is a QBO Invoice as Hoursync writes it.
type QBOInvoice struct {
	ID, SyncToken, CustomerID, DocNumber, TxnDate, DueDate, Memo string
	Lines                                                        []QBOInvoiceLine
	LinkedTimeActivities                                         []string
	TotalCents                                                   int64
	// TermID is the QBO Term (SalesTermRef) of the invoice; "" for none.
	TermID string
	// PrivateNote carries Hoursync's marker on invoices it created (sent on create only).
	PrivateNote string
	// CustomerName and OtherLinks are read back: the customer's name as QBO shows it,
	// and the invoice's links to transactions other than time (payments…), which QBO
	// owns and an update that changes the linked time must send back unchanged.
	CustomerName string
	OtherLinks   []QBOLinkedTxn
}

// QBOLinkedTxn is one LinkedTxn entry of a transaction.
type QBOLinkedTxn struct {
	ID, Type, LineID string
}

// Errors a Company returns, in the activities' own terms.
var (
	ErrNotConnected   = errors.New("not connected to QuickBooks")
	ErrNeedsReconnect = errors.New("QuickBooks connection needs reconnecting")
	ErrStale          = errors.New("QBO object changed since it was read (stale SyncToken)")
	ErrGone           = errors.New("QBO object deleted or inactive")
	ErrPlan           = errors.New("QBO plan lacks the feature")
)

// GoneError is QBO's 610 "Object Not Found": the object written was deleted in QBO,
// or (Field set) the reference in Field points to an inactive customer, item or
// employee.
type GoneError struct {
	Field, Message string
}

func (e *GoneError) Error() string { return e.Message }

// Is makes a GoneError match ErrGone.
func (e *GoneError) Is(target error) bool { return target == ErrGone }

// DuplicateDocNumberError is QBO's 6140: another invoice already has the number.
type DuplicateDocNumberError struct{ Message string }

func (e *DuplicateDocNumberError) Error() string { return e.Message }

// DuplicateNameError is QBO's 6240: the name is taken (possibly by another kind of
// entity sharing the name space).
type DuplicateNameError struct {
	ExistingID string
	Message    string
}

func (e *DuplicateNameError) Error() string { return e.Message }

// ValidationError is QBO refusing a write for a reason a person must fix.
type ValidationError struct {
	Code, Field, Message string
}

func (e *ValidationError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (field %s)", e.Message, e.Field)
	}
	return e.Message
}

// asTemporal converts a Company error into the application error the workflow
// branches on; what is not a person's to fix is returned as is, for Temporal to retry.
func asTemporal(what string, err error) error {
	var dup *DuplicateNameError
	var val *ValidationError
	switch {
	case err == nil:
		return nil
	case appError(err) != nil:
		// Already decided (e.g. a missing income account); wrapping it would hide its
		// type from Temporal and make it retryable.
		return err
	case errors.Is(err, ErrNotConnected):
		return permanent(workflows.ErrTypeNotConnected, "%s", workflows.MsgNotConnected)
	case errors.Is(err, ErrNeedsReconnect):
		return permanent(workflows.ErrTypeNeedsReconnect, "%s", workflows.MsgReconnect)
	case errors.Is(err, ErrPlan):
		return permanent(workflows.ErrTypePlan, "%s", workflows.MsgPlan)
	case errors.Is(err, ErrGone):
		return permanent(workflows.ErrTypeDeletedInQBO, "%s was deleted or made inactive in QuickBooks; reactivate it there, then sync again", what)
	case errors.As(err, &dup):
		return permanent(workflows.ErrTypeValidation, "%s: QuickBooks says the name is already used (%s)", what, dup.Message)
	case errors.As(err, &val):
		return permanent(workflows.ErrTypeValidation, "%s: QuickBooks refused it: %s", what, val.Error())
	}
	return fmt.Errorf("%s: %w", what, err)
}
