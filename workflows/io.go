package workflows

import (
	"strconv"
	"strings"
)

// Inputs and outputs of the activities the workflows call. They are plain data, so
// they travel through Temporal's history and show in the UI as readable JSON.

// CheckPlanInput asks for the account's connection, and whether it can take time.
type CheckPlanInput struct {
	AccountID int64 `json:"account_id"`
	// NeedTime makes a company without time tracking a non-retryable ErrTypePlan error.
	NeedTime bool `json:"need_time"`
}

// ConnectionInfo is the account's QBO connection as a sync needs it.
type ConnectionInfo struct {
	AccountID   int64  `json:"account_id"`
	RealmID     string `json:"realm_id"`
	CompanyName string `json:"company_name"`
	Plan        string `json:"plan"`
	CanSyncTime bool   `json:"can_sync_time"`
}

// ImportInput starts an import of QBO's lists into an account.
type ImportInput struct {
	AccountID int64  `json:"account_id"`
	RealmID   string `json:"realm_id"`
	// ConnectingUserID is the user who connected QBO; they alone are linked to their
	// QBO Employee. Zero skips that step (scheduled re-imports).
	ConnectingUserID int64  `json:"connecting_user_id"`
	Reason           string `json:"reason"`
}

// ImportResult counts what an import brought in.
type ImportResult struct {
	IncomeAccounts int    `json:"income_accounts"`
	Terms          int    `json:"terms"`
	Customers      int    `json:"customers"`
	Services       int    `json:"services"`
	TaxCodes       int    `json:"tax_codes,omitempty"`
	UserLinked     bool   `json:"user_linked"`
	Message        string `json:"message"`
}

// ImportListResult is one list's import.
type ImportListResult struct {
	Imported int `json:"imported"`
	Linked   int `json:"linked"`
	Created  int `json:"created"`
}

// LinkUserInput links the connecting user to their QBO Employee.
type LinkUserInput struct {
	AccountID int64  `json:"account_id"`
	RealmID   string `json:"realm_id"`
	UserID    int64  `json:"user_id"`
}

// MarkSyncingInput marks objects as syncing under the calling workflow run.
type MarkSyncingInput struct {
	AccountID  int64   `json:"account_id"`
	ObjectType string  `json:"object_type"`
	IDs        []int64 `json:"ids"`
	Kind       string  `json:"kind"`
}

// LoadTimeCardsInput loads cards (with deleted ones) for a sync.
type LoadTimeCardsInput struct {
	AccountID int64   `json:"account_id"`
	CardIDs   []int64 `json:"card_ids"`
	// RealmID, when set, lets the answer say which cards are up to date in it.
	RealmID string `json:"realm_id,omitempty"`
	// CheckDependencies (with RealmID) makes the answer say, per card, which of its
	// employee, customer and service need nothing ensured (TimeCardRef.…InSync).
	CheckDependencies bool `json:"check_dependencies,omitempty"`
}

// TimeCardRef is what the workflow needs to know of a card to order its sync.
type TimeCardRef struct {
	CardID     int64 `json:"card_id"`
	UserID     int64 `json:"user_id"`
	CustomerID int64 `json:"customer_id"`
	ServiceID  int64 `json:"service_id"`
	// Deleted cards only need their QBO TimeActivity deleted.
	Deleted bool `json:"deleted"`
	// UpToDate cards are in QBO as they are here: they need nothing ensured or sent.
	UpToDate bool `json:"up_to_date,omitempty"`
	// EmployeeInSync, CustomerInSync and ServiceInSync (answered when asked for with
	// CheckDependencies): the object is linked in the realm, unchanged since and active,
	// so ensuring it would make no QBO call.
	EmployeeInSync bool `json:"employee_in_sync,omitempty"`
	CustomerInSync bool `json:"customer_in_sync,omitempty"`
	ServiceInSync  bool `json:"service_in_sync,omitempty"`
}

// PrepareBatchInput asks for what one group of cards of a time-card sync needs before
// its push, in one local activity: the cards marked syncing under the calling run
// (with Mark), loaded as LoadTimeCards with CheckDependencies loads them and, when none
// needs a dependency ensured, their writes as PrepareTimeActivities fixes them.
type PrepareBatchInput struct {
	AccountID int64   `json:"account_id"`
	RealmID   string  `json:"realm_id"`
	CardIDs   []int64 `json:"card_ids"`
	Mark      bool    `json:"mark,omitempty"`
	Kind      string  `json:"kind,omitempty"`
}

// PreparedBatch is a group's cards and, when Prepared, the writes of every card found.
type PreparedBatch struct {
	Cards    []TimeCardRef    `json:"cards"`
	Prepared bool             `json:"prepared,omitempty"`
	Ops      []TimeActivityOp `json:"ops,omitempty"`
}

// EnsureInput asks for a local user, customer or service to exist in QBO.
type EnsureInput struct {
	AccountID int64  `json:"account_id"`
	RealmID   string `json:"realm_id"`
	ObjectID  int64  `json:"object_id"`
}

// EnsureResult is the QBO object a local one is linked to.
type EnsureResult struct {
	QBOID   string `json:"qbo_id"`
	Created bool   `json:"created"`
	Linked  bool   `json:"linked"`
}

// PrepareInput asks for the writes that bring these cards into QBO.
type PrepareInput struct {
	AccountID int64   `json:"account_id"`
	RealmID   string  `json:"realm_id"`
	IDs       []int64 `json:"ids"`
}

// Write operations on QBO transactions.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
	OpVoid   = "void"
	OpNone   = "none"
)

// TimeActivityOp is one card's write, fixed before the first attempt so a retried
// batch is identical and QBO's requestid replay applies.
type TimeActivityOp struct {
	CardID          int64  `json:"card_id"`
	Version         int64  `json:"version"`
	Op              string `json:"op"`
	QBOID           string `json:"qbo_id,omitempty"`
	SyncToken       string `json:"sync_token,omitempty"`
	EmployeeQBOID   string `json:"employee_qbo_id,omitempty"`
	CustomerQBOID   string `json:"customer_qbo_id,omitempty"`
	ItemQBOID       string `json:"item_qbo_id,omitempty"`
	TxnDate         string `json:"txn_date,omitempty"`
	Minutes         int    `json:"minutes,omitempty"`
	Billable        bool   `json:"billable"`
	HourlyRateCents int64  `json:"hourly_rate_cents,omitempty"`
	Description     string `json:"description,omitempty"`
	// StartTime and EndTime (RFC 3339 with the account's offset on that day) and the
	// break between them, when the card has a start and an end.
	StartTime    string `json:"start_time,omitempty"`
	EndTime      string `json:"end_time,omitempty"`
	BreakMinutes int    `json:"break_minutes,omitempty"`
	// KeepBilled: QBO has billed this time (an invoice links it), and QBO owns the billed
	// state, so the write leaves BillableStatus and HourlyRate as QBO has them.
	KeepBilled bool `json:"keep_billed,omitempty"`
	// InvoiceID is the card's invoice when that invoice is in QBO: once the card's time
	// is created there, the invoice is synced again to link it.
	InvoiceID int64 `json:"invoice_id,omitempty"`
	// Faults counts earlier writes of the card QBO answered with a fault; it makes this
	// write a new request rather than one QBO would answer with its stored fault.
	Faults int `json:"faults,omitempty"`
	// Names for messages a person reads.
	EmployeeName string `json:"employee_name,omitempty"`
	CustomerName string `json:"customer_name,omitempty"`
	ServiceName  string `json:"service_name,omitempty"`
}

// Member names the op inside its batch's requestid: the same card, version and
// operation give the same member (a retry whose outcome is unknown is recognised by
// QBO), and every fault QBO answered gives a new one.
func (o TimeActivityOp) Member() string {
	m := o.Op + ":" + strconv.FormatInt(o.CardID, 10) + ":" + strconv.FormatInt(o.Version, 10)
	if o.Faults > 0 {
		m += ":f" + strconv.Itoa(o.Faults)
	}
	return m
}

// SingleRequestID is the requestid of the op sent on its own (not in a batch): fixed by
// the card, its version, the operation and the faults before, like its batch member.
func (o TimeActivityOp) SingleRequestID(realmID string) string {
	return RequestID(realmID, ObjectTimeCard, "single", o.Member())
}

// PushTimeActivitiesInput is one batch (≤ 30 ops) with its requestid.
type PushTimeActivitiesInput struct {
	AccountID int64            `json:"account_id"`
	RealmID   string           `json:"realm_id"`
	RequestID string           `json:"request_id"`
	Ops       []TimeActivityOp `json:"ops"`
	Kind      string           `json:"kind"`
	// Singles sends each op as a write of its own (requestid SingleRequestID) instead of
	// one batch call, spending only the request budget QBO's batch calls leave. It is
	// fixed with the ops, before the first attempt: a retry sends the same requests.
	Singles bool `json:"singles,omitempty"`
}

// LoadInvoiceInput loads an invoice (including a deleted one) for a sync.
type LoadInvoiceInput struct {
	AccountID int64 `json:"account_id"`
	InvoiceID int64 `json:"invoice_id"`
}

// InvoiceRef is what the workflow needs to order an invoice's sync.
type InvoiceRef struct {
	InvoiceID  int64   `json:"invoice_id"`
	CustomerID int64   `json:"customer_id"`
	ServiceIDs []int64 `json:"service_ids"`
	Number     string  `json:"number"`
	Deleted    bool    `json:"deleted"`
	Void       bool    `json:"void"`
}

// PrepareInvoiceInput asks for the write that brings the invoice into QBO.
type PrepareInvoiceInput struct {
	AccountID int64  `json:"account_id"`
	RealmID   string `json:"realm_id"`
	InvoiceID int64  `json:"invoice_id"`
}

// InvoiceLineOp is one line as QBO receives it.
type InvoiceLineOp struct {
	ItemQBOID     string `json:"item_qbo_id"`
	Description   string `json:"description"`
	QuantityMilli int64  `json:"quantity_milli"`
	RateCents     int64  `json:"rate_cents"`
	AmountCents   int64  `json:"amount_cents"`
	// Minutes is set on a line billed from time cards (amount = minutes × rate / 60).
	Minutes int64 `json:"minutes,omitempty"`
	// TaxCodeQBOID is the line's TaxCode (TaxCodeRef; "" sends none).
	TaxCodeQBOID string `json:"tax_code_qbo_id,omitempty"`
	// NetCents is the line's tax-exclusive amount of a TaxInclusive invoice (AmountCents
	// is then the price with tax, sent as TaxInclusiveAmt).
	NetCents *int64 `json:"net_cents,omitempty"`
}

// InvoiceOp is an invoice's write, fixed before the first attempt.
type InvoiceOp struct {
	InvoiceID     int64           `json:"invoice_id"`
	Version       int64           `json:"version"`
	Op            string          `json:"op"`
	QBOID         string          `json:"qbo_id,omitempty"`
	SyncToken     string          `json:"sync_token,omitempty"`
	CustomerQBOID string          `json:"customer_qbo_id,omitempty"`
	DocNumber     string          `json:"doc_number,omitempty"`
	TxnDate       string          `json:"txn_date,omitempty"`
	DueDate       string          `json:"due_date,omitempty"`    // only a due date the person set
	TermQBOID     string          `json:"term_qbo_id,omitempty"` // the QBO Term (SalesTermRef)
	Memo          string          `json:"memo,omitempty"`
	Lines         []InvoiceLineOp `json:"lines,omitempty"`
	// LinkedTimeActivities are the QBO ids of the synced cards the invoice bills.
	LinkedTimeActivities []string `json:"linked_time_activities,omitempty"`
	// NumberAuto: Hoursync chose DocNumber, so another free number may be taken when
	// QBO has it on someone else's invoice.
	NumberAuto bool `json:"number_auto,omitempty"`
	// Marker is written to the QBO invoice's PrivateNote on create: it proves a QBO
	// invoice with the same number is this one (a create whose answer was lost).
	Marker string `json:"marker,omitempty"`
	// Faults counts earlier writes QBO answered with a fault (see TimeActivityOp).
	Faults int `json:"faults,omitempty"`
	// Tax is the invoice's sales tax and currency (see InvoiceTaxOp).
	Tax *InvoiceTaxOp `json:"tax,omitempty"`
}

// InvoiceTaxOp is how the invoice's sales tax and currency go to QBO, and what Hoursync
// computed, to compare with QBO's figures after the write.
type InvoiceTaxOp struct {
	Model string `json:"model"`
	// GlobalTaxCalculation (global model only).
	Calculation string `json:"calculation,omitempty"`
	// TxnTaxCodeQBOID is TxnTaxDetail.TxnTaxCodeRef (US).
	TxnTaxCodeQBOID string `json:"txn_tax_code_qbo_id,omitempty"`
	// OverrideCents is TxnTaxDetail.TotalTax the person typed (US).
	OverrideCents *int64 `json:"override_cents,omitempty"`
	// Currency is sent as CurrencyRef only when multicurrency is on.
	Currency      string `json:"currency,omitempty"`
	MultiCurrency bool   `json:"multicurrency,omitempty"`
	// Hoursync's own figures; Known is false when QBO alone decides the tax (AST
	// without an override).
	TotalCents int64 `json:"total_cents"`
	TaxCents   int64 `json:"tax_cents"`
	Known      bool  `json:"known"`
}

// RequestID is the invoice write's requestid: the same for a retry whose outcome is
// unknown, new after each fault and whenever the time it links changed.
func (o InvoiceOp) RequestID(realmID string) string {
	parts := []string{realmID, ObjectInvoice, strconv.FormatInt(o.InvoiceID, 10), strconv.FormatInt(o.Version, 10), o.Op}
	if o.Faults > 0 {
		parts = append(parts, "f"+strconv.Itoa(o.Faults))
	}
	if len(o.LinkedTimeActivities) > 0 && o.Op == OpUpdate {
		parts = append(parts, "links:"+strings.Join(o.LinkedTimeActivities, ","))
	}
	return RequestID(parts...)
}

// PushInvoiceInput is the write with its requestid.
type PushInvoiceInput struct {
	AccountID int64     `json:"account_id"`
	RealmID   string    `json:"realm_id"`
	RequestID string    `json:"request_id"`
	Op        InvoiceOp `json:"op"`
}

// ChangedObjects lists what changed locally since it last synced to the realm.
type ChangedObjects struct {
	Customers []int64 `json:"customers"`
	Services  []int64 `json:"services"`
	TimeCards []int64 `json:"time_cards"`
	Invoices  []int64 `json:"invoices"`
}

// FeedInput hands objects to their own sync workflows (the account's TimeCardSync,
// each invoice's InvoiceSync), so a re-sync never races them.
type FeedInput struct {
	AccountID int64   `json:"account_id"`
	TimeCards []int64 `json:"time_cards"`
	Invoices  []int64 `json:"invoices"`
}

// FeedResult names the workflows that took the objects on.
type FeedResult struct {
	WorkflowIDs []string `json:"workflow_ids"`
}

// AccountInput names an account.
type AccountInput struct {
	AccountID int64 `json:"account_id"`
}
