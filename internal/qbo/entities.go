package qbo

import (
	"encoding/json"
	"strings"
)

// Entity is a QBO object the generic Create, Read, Update, Delete, Void, Query and
// Batch functions work on. Each entity type answers its QBO name and the Id and
// SyncToken of the value (promoted from the embedded Header).
type Entity interface {
	// EntityName is QBO's canonical name: "Customer", "TimeActivity"...
	EntityName() string
	// Key returns the object's Id and SyncToken.
	Key() (id, syncToken string)
}

// Header holds the fields every QBO object has. Entities embed it, so Id and SyncToken
// sit at the top level of the JSON as QBO expects.
type Header struct {
	ID        string    `json:"Id,omitempty"`
	SyncToken string    `json:"SyncToken,omitempty"`
	Domain    string    `json:"domain,omitempty"`
	Status    string    `json:"status,omitempty"`
	MetaData  *MetaData `json:"MetaData,omitempty"`
}

// Key returns the object's Id and SyncToken.
func (h Header) Key() (id, syncToken string) { return h.ID, h.SyncToken }

// Deleted reports whether QBO answered with a deleted stub (delete responses, CDC).
func (h Header) Deleted() bool { return strings.EqualFold(h.Status, "Deleted") }

// MetaData carries QBO's creation and last-update times (RFC 3339 strings).
type MetaData struct {
	CreateTime      string `json:"CreateTime,omitempty"`
	LastUpdatedTime string `json:"LastUpdatedTime,omitempty"`
}

// Ref points at another QBO object: {"value":"12","name":"Services"}.
type Ref struct {
	Value string `json:"value"`
	Name  string `json:"name,omitempty"`
}

// EmailAddress is QBO's email wrapper.
type EmailAddress struct {
	Address string `json:"Address,omitempty"`
}

// PhoneNumber is QBO's phone wrapper.
type PhoneNumber struct {
	FreeFormNumber string `json:"FreeFormNumber,omitempty"`
}

// WebAddress is QBO's URL wrapper.
type WebAddress struct {
	URI string `json:"URI,omitempty"`
}

// Address is a postal address.
type Address struct {
	ID                     string `json:"Id,omitempty"`
	Line1                  string `json:"Line1,omitempty"`
	Line2                  string `json:"Line2,omitempty"`
	Line3                  string `json:"Line3,omitempty"`
	City                   string `json:"City,omitempty"`
	CountrySubDivisionCode string `json:"CountrySubDivisionCode,omitempty"`
	PostalCode             string `json:"PostalCode,omitempty"`
	Country                string `json:"Country,omitempty"`
}

// MemoRef is QBO's {"value": "..."} wrapper for customer-facing memos.
type MemoRef struct {
	Value string `json:"value"`
}

// NameValue is one entry of QBO's name/value lists; values are always strings.
type NameValue struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// lookup returns the value of name in a NameValue list ("" when absent).
func lookup(list []NameValue, name string) (string, bool) {
	for _, nv := range list {
		if strings.EqualFold(nv.Name, name) {
			return nv.Value, true
		}
	}
	return "", false
}

// Customer is a QBO customer (names-list: deactivate with Active=false, never delete).
type Customer struct {
	Header
	DisplayName        string        `json:"DisplayName,omitempty"`
	Title              string        `json:"Title,omitempty"`
	GivenName          string        `json:"GivenName,omitempty"`
	MiddleName         string        `json:"MiddleName,omitempty"`
	FamilyName         string        `json:"FamilyName,omitempty"`
	Suffix             string        `json:"Suffix,omitempty"`
	CompanyName        string        `json:"CompanyName,omitempty"`
	PrintOnCheckName   string        `json:"PrintOnCheckName,omitempty"`
	FullyQualifiedName string        `json:"FullyQualifiedName,omitempty"`
	PrimaryEmailAddr   *EmailAddress `json:"PrimaryEmailAddr,omitempty"`
	PrimaryPhone       *PhoneNumber  `json:"PrimaryPhone,omitempty"`
	WebAddr            *WebAddress   `json:"WebAddr,omitempty"`
	BillAddr           *Address      `json:"BillAddr,omitempty"`
	ShipAddr           *Address      `json:"ShipAddr,omitempty"`
	Notes              string        `json:"Notes,omitempty"`
	Active             *bool         `json:"Active,omitempty"`
	Taxable            *bool         `json:"Taxable,omitempty"`
	Job                *bool         `json:"Job,omitempty"`
	ParentRef          *Ref          `json:"ParentRef,omitempty"`
	Balance            *Money        `json:"Balance,omitempty"`
	DefaultTaxCodeRef  *Ref          `json:"DefaultTaxCodeRef,omitempty"`
	CurrencyRef        *Ref          `json:"CurrencyRef,omitempty"`
	SalesTermRef       *Ref          `json:"SalesTermRef,omitempty"`
}

// EntityName implements Entity.
func (Customer) EntityName() string { return "Customer" }

// Employee is a QBO employee; Hoursync links each user to one.
type Employee struct {
	Header
	DisplayName      string        `json:"DisplayName,omitempty"`
	Title            string        `json:"Title,omitempty"`
	GivenName        string        `json:"GivenName,omitempty"`
	MiddleName       string        `json:"MiddleName,omitempty"`
	FamilyName       string        `json:"FamilyName,omitempty"`
	Suffix           string        `json:"Suffix,omitempty"`
	PrintOnCheckName string        `json:"PrintOnCheckName,omitempty"`
	EmployeeNumber   string        `json:"EmployeeNumber,omitempty"`
	PrimaryEmailAddr *EmailAddress `json:"PrimaryEmailAddr,omitempty"`
	PrimaryPhone     *PhoneNumber  `json:"PrimaryPhone,omitempty"`
	PrimaryAddr      *Address      `json:"PrimaryAddr,omitempty"`
	Active           *bool         `json:"Active,omitempty"`
	BillableTime     *bool         `json:"BillableTime,omitempty"`
	BillRate         *Money        `json:"BillRate,omitempty"`
	HiredDate        string        `json:"HiredDate,omitempty"`
}

// EntityName implements Entity.
func (Employee) EntityName() string { return "Employee" }

// Item is a QBO product or service; Hoursync's services are Items of Type "Service"
// with an income account.
type Item struct {
	Header
	Name               string `json:"Name,omitempty"`
	Description        string `json:"Description,omitempty"`
	Type               string `json:"Type,omitempty"`
	Sku                string `json:"Sku,omitempty"`
	FullyQualifiedName string `json:"FullyQualifiedName,omitempty"`
	Active             *bool  `json:"Active,omitempty"`
	Taxable            *bool  `json:"Taxable,omitempty"`
	UnitPrice          *Money `json:"UnitPrice,omitempty"`
	IncomeAccountRef   *Ref   `json:"IncomeAccountRef,omitempty"`
	ExpenseAccountRef  *Ref   `json:"ExpenseAccountRef,omitempty"`
	SalesTaxCodeRef    *Ref   `json:"SalesTaxCodeRef,omitempty"`
}

// EntityName implements Entity.
func (Item) EntityName() string { return "Item" }

// Item types Hoursync uses.
const (
	ItemTypeService = "Service"
)

// Account is a QBO chart-of-accounts entry; Hoursync imports those of AccountType
// "Income".
type Account struct {
	Header
	Name               string `json:"Name,omitempty"`
	AccountType        string `json:"AccountType,omitempty"`
	AccountSubType     string `json:"AccountSubType,omitempty"`
	Classification     string `json:"Classification,omitempty"`
	Description        string `json:"Description,omitempty"`
	AcctNum            string `json:"AcctNum,omitempty"`
	FullyQualifiedName string `json:"FullyQualifiedName,omitempty"`
	Active             *bool  `json:"Active,omitempty"`
	SubAccount         *bool  `json:"SubAccount,omitempty"`
	ParentRef          *Ref   `json:"ParentRef,omitempty"`
	CurrentBalance     *Money `json:"CurrentBalance,omitempty"`
}

// EntityName implements Entity.
func (Account) EntityName() string { return "Account" }

// Account types Hoursync uses.
const (
	AccountTypeIncome = "Income"
)

// Term is a QBO sales term (names-list: deactivate, never delete). A STANDARD term is
// due DueDays after the transaction date; a DATE_DRIVEN one on DayOfMonthDue, in the
// next month when the transaction is within DueNextMonthDays of it.
type Term struct {
	Header
	Name               string      `json:"Name,omitempty"`
	Active             *bool       `json:"Active,omitempty"`
	Type               string      `json:"Type,omitempty"`
	DueDays            *int        `json:"DueDays,omitempty"`
	DiscountDays       *int        `json:"DiscountDays,omitempty"`
	DiscountPercent    json.Number `json:"DiscountPercent,omitempty"`
	DayOfMonthDue      *int        `json:"DayOfMonthDue,omitempty"`
	DueNextMonthDays   *int        `json:"DueNextMonthDays,omitempty"`
	DiscountDayOfMonth *int        `json:"DiscountDayOfMonth,omitempty"`
}

// EntityName implements Entity.
func (Term) EntityName() string { return "Term" }

// Term types.
const (
	TermTypeStandard   = "STANDARD"
	TermTypeDateDriven = "DATE_DRIVEN"
)

// TimeActivity is a QBO time entry. Hoursync writes Hours and Minutes (both set,
// Minutes may be 0), so they are pointers: a zero must still be sent.
type TimeActivity struct {
	Header
	TxnDate        string `json:"TxnDate,omitempty"`
	NameOf         string `json:"NameOf,omitempty"`
	EmployeeRef    *Ref   `json:"EmployeeRef,omitempty"`
	VendorRef      *Ref   `json:"VendorRef,omitempty"`
	CustomerRef    *Ref   `json:"CustomerRef,omitempty"`
	ItemRef        *Ref   `json:"ItemRef,omitempty"`
	ClassRef       *Ref   `json:"ClassRef,omitempty"`
	ProjectRef     *Ref   `json:"ProjectRef,omitempty"`
	BillableStatus string `json:"BillableStatus,omitempty"`
	Taxable        *bool  `json:"Taxable,omitempty"`
	HourlyRate     *Money `json:"HourlyRate,omitempty"`
	Hours          *int   `json:"Hours,omitempty"`
	Minutes        *int   `json:"Minutes,omitempty"`
	StartTime      string `json:"StartTime,omitempty"`
	EndTime        string `json:"EndTime,omitempty"`
	BreakHours     *int   `json:"BreakHours,omitempty"`
	BreakMinutes   *int   `json:"BreakMinutes,omitempty"`
	Description    string `json:"Description,omitempty"`
}

// EntityName implements Entity.
func (TimeActivity) EntityName() string { return "TimeActivity" }

// TimeActivity values.
const (
	NameOfEmployee            = "Employee"
	BillableStatusBillable    = "Billable"
	BillableStatusNotBillable = "NotBillable"
	BillableStatusBilled      = "HasBeenBilled"
)

// Invoice is a QBO invoice with its lines. QBO computes TotalAmt and Balance and adds
// a subtotal line on output.
type Invoice struct {
	Header
	DocNumber    string        `json:"DocNumber,omitempty"`
	TxnDate      string        `json:"TxnDate,omitempty"`
	DueDate      string        `json:"DueDate,omitempty"`
	CustomerRef  *Ref          `json:"CustomerRef,omitempty"`
	Line         []Line        `json:"Line,omitempty"`
	LinkedTxn    []LinkedTxn   `json:"LinkedTxn,omitempty"`
	PrivateNote  string        `json:"PrivateNote,omitempty"`
	CustomerMemo *MemoRef      `json:"CustomerMemo,omitempty"`
	BillEmail    *EmailAddress `json:"BillEmail,omitempty"`
	EmailStatus  string        `json:"EmailStatus,omitempty"`
	SalesTermRef *Ref          `json:"SalesTermRef,omitempty"`
	TotalAmt     *Money        `json:"TotalAmt,omitempty"`
	Balance      *Money        `json:"Balance,omitempty"`
	// Tax and currency (NOTES §9): GlobalTaxCalculation in non-US companies only;
	// CurrencyRef only when multicurrency is on.
	GlobalTaxCalculation string        `json:"GlobalTaxCalculation,omitempty"`
	TxnTaxDetail         *TxnTaxDetail `json:"TxnTaxDetail,omitempty"`
	CurrencyRef          *Ref          `json:"CurrencyRef,omitempty"`
	ExchangeRate         *Decimal7     `json:"ExchangeRate,omitempty"`
	HomeTotalAmt         *Money        `json:"HomeTotalAmt,omitempty"`
	DeliveryInfo         *DeliveryInfo `json:"DeliveryInfo,omitempty"`
}

// EntityName implements Entity.
func (Invoice) EntityName() string { return "Invoice" }

// Line is one invoice line. Amount is always sent, even when zero.
type Line struct {
	ID                  string               `json:"Id,omitempty"`
	LineNum             int                  `json:"LineNum,omitempty"`
	Description         string               `json:"Description,omitempty"`
	Amount              Money                `json:"Amount"`
	DetailType          string               `json:"DetailType"`
	SalesItemLineDetail *SalesItemLineDetail `json:"SalesItemLineDetail,omitempty"`
	SubTotalLineDetail  *SubTotalLineDetail  `json:"SubTotalLineDetail,omitempty"`
	LinkedTxn           []LinkedTxn          `json:"LinkedTxn,omitempty"`
}

// Line detail types.
const (
	DetailTypeSalesItem = "SalesItemLineDetail"
	DetailTypeSubTotal  = "SubTotalLineDetail"
)

// SalesItemLineDetail is the detail of a line selling an Item.
type SalesItemLineDetail struct {
	ItemRef     *Ref      `json:"ItemRef,omitempty"`
	Qty         *Decimal7 `json:"Qty,omitempty"`
	UnitPrice   *Money    `json:"UnitPrice,omitempty"`
	ServiceDate string    `json:"ServiceDate,omitempty"`
	TaxCodeRef  *Ref      `json:"TaxCodeRef,omitempty"`
	// TaxInclusiveAmt is the line's amount with tax (TaxInclusive invoices).
	TaxInclusiveAmt *Money `json:"TaxInclusiveAmt,omitempty"`
}

// SubTotalLineDetail is the (usually empty) detail of QBO's computed subtotal line.
type SubTotalLineDetail struct {
	ItemRef *Ref `json:"ItemRef,omitempty"`
}

// LinkedTxn links a transaction to another, e.g. an invoice to the TimeActivities it
// bills (TxnType "TimeActivity").
type LinkedTxn struct {
	TxnID     string `json:"TxnId"`
	TxnType   string `json:"TxnType"`
	TxnLineID string `json:"TxnLineId,omitempty"`
}

// CompanyInfo describes the connected company; its NameValue list carries the plan
// (OfferingSku).
type CompanyInfo struct {
	Header
	CompanyName  string        `json:"CompanyName,omitempty"`
	LegalName    string        `json:"LegalName,omitempty"`
	Country      string        `json:"Country,omitempty"`
	Email        *EmailAddress `json:"Email,omitempty"`
	CompanyAddr  *Address      `json:"CompanyAddr,omitempty"`
	FiscalYear   string        `json:"FiscalYearStartMonth,omitempty"`
	NameValue    []NameValue   `json:"NameValue,omitempty"`
	SupportedLng string        `json:"SupportedLanguages,omitempty"`
}

// EntityName implements Entity.
func (CompanyInfo) EntityName() string { return "CompanyInfo" }

// Value returns the NameValue entry called name ("" when absent).
func (c CompanyInfo) Value(name string) string {
	v, _ := lookup(c.NameValue, name)
	return v
}

// Preferences are the company's settings; Hoursync reads OtherPrefs
// (TimeTrackingFeatureEnabled) and a few sales-form flags.
type Preferences struct {
	Header
	SalesFormsPrefs   *SalesFormsPrefs   `json:"SalesFormsPrefs,omitempty"`
	TimeTrackingPrefs *TimeTrackingPrefs `json:"TimeTrackingPrefs,omitempty"`
	OtherPrefs        *OtherPrefs        `json:"OtherPrefs,omitempty"`
	TaxPrefs          *TaxPrefs          `json:"TaxPrefs,omitempty"`
	CurrencyPrefs     *CurrencyPrefs     `json:"CurrencyPrefs,omitempty"`
}

// EntityName implements Entity.
func (Preferences) EntityName() string { return "Preferences" }

// SalesFormsPrefs is the part of Preferences about invoices.
type SalesFormsPrefs struct {
	CustomTxnNumbers *bool `json:"CustomTxnNumbers,omitempty"`
	AllowServiceDate *bool `json:"AllowServiceDate,omitempty"`
}

// TimeTrackingPrefs is the part of Preferences about time entries.
type TimeTrackingPrefs struct {
	UseServices             *bool  `json:"UseServices,omitempty"`
	BillCustomers           *bool  `json:"BillCustomers,omitempty"`
	ShowBillRateToAll       *bool  `json:"ShowBillRateToAll,omitempty"`
	MarkTimeEntriesBillable *bool  `json:"MarkTimeEntriesBillable,omitempty"`
	WorkWeekStartDate       string `json:"WorkWeekStartDate,omitempty"`
}

// OtherPrefs is Preferences' free-form name/value list.
type OtherPrefs struct {
	NameValue []NameValue `json:"NameValue,omitempty"`
}

// Value returns the OtherPrefs entry called name.
func (p Preferences) Value(name string) (string, bool) {
	if p.OtherPrefs == nil {
		return "", false
	}
	return lookup(p.OtherPrefs.NameValue, name)
}
