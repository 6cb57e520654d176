package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
)

// Sync kinds, stored in the SyncKind search attribute and in sync history.
const (
	KindImport          = "import"
	KindTimeCards       = "timecards"
	KindInvoice         = "invoice"
	KindResync          = "resync"
	KindScheduledResync = "scheduled-resync"
	KindKeepAlive       = "token-keepalive"
	KindDisconnect      = "disconnect"
)

// Search attributes an operator filters on in the Temporal UI. They are registered by
// `make dev` and the test setup (`temporal server start-dev --search-attribute`).
var (
	AttrAccount = temporal.NewSearchAttributeKeyKeyword("HoursyncAccount")
	AttrRealm   = temporal.NewSearchAttributeKeyKeyword("QBORealm")
	AttrKind    = temporal.NewSearchAttributeKeyKeyword("SyncKind")
)

// Application error types: errors retrying cannot fix. Activities return them as
// non-retryable application errors; workflows turn them into messages on objects.
const (
	ErrTypeNeedsReconnect = "NeedsReconnect"
	ErrTypePlan           = "PlanLacksTimeTracking"
	ErrTypeValidation     = "QBOValidation"
	ErrTypeDeletedInQBO   = "DeletedInQBO"
	ErrTypeInactiveInQBO  = "InactiveInQBO"
	ErrTypeNumberTaken    = "InvoiceNumberTaken"
	ErrTypeIncomeAccount  = "IncomeAccountMissing"
	ErrTypeNotConnected   = "NotConnected"
	ErrTypeNotFound       = "LocalObjectNotFound"
)

// User-facing messages for the errors a person can act on.
const (
	MsgReconnect    = "Reconnect QuickBooks: the connection to QuickBooks Online was revoked or expired."
	MsgPlan         = "Time sync needs QuickBooks Online Essentials or better. Invoices sync on every plan."
	MsgNotConnected = "Connect QuickBooks first: this account is not connected to a QuickBooks Online company."
)

// TimeCardSyncID is the id of an account's one time-card sync workflow: every
// selection is fed into it, so no card is ever synced twice at once.
func TimeCardSyncID(accountID int64) string { return fmt.Sprintf("timecard-sync/%d", accountID) }

// InvoiceSyncID is the id of an invoice's sync workflow.
func InvoiceSyncID(accountID, invoiceID int64) string {
	return fmt.Sprintf("invoice-sync/%d/%d", accountID, invoiceID)
}

// ImportID is the id of an account's import workflow.
func ImportID(accountID int64) string { return fmt.Sprintf("import/%d", accountID) }

// ResyncID is the id of a re-sync of a scope ("customers", "invoice-7", …).
func ResyncID(accountID int64, scope string) string {
	return fmt.Sprintf("resync/%d/%s", accountID, scope)
}

// ScheduleID is the id of an account's scheduled re-sync.
func ScheduleID(accountID int64) string { return fmt.Sprintf("scheduled-resync/%d", accountID) }

// KeepAliveScheduleID is the id of a connection's token keep-alive schedule.
func KeepAliveScheduleID(accountID int64) string { return fmt.Sprintf("token-keepalive/%d", accountID) }

// DisconnectID is the id of an account's disconnect workflow.
func DisconnectID(accountID int64) string { return fmt.Sprintf("disconnect/%d", accountID) }

// RequestID derives a QBO requestid (≤ 36 characters, valid for batches too) from what
// a write carries, so a retried write is recognised by QBO and never executed twice.
func RequestID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return "hs-" + hex.EncodeToString(sum[:])[:32]
}

// BatchRequestID derives a batch's requestid from its members (object id and version
// and operation of each), independent of their order.
func BatchRequestID(realmID string, members []string) string {
	sorted := append([]string(nil), members...)
	sort.Strings(sorted)
	return RequestID(append([]string{realmID, "batch"}, sorted...)...)
}

// Progress is what the `progress` query answers while a sync runs, and what the
// `selection-progress` query answers for one selection. It is honest: Total (what
// was selected) = Synced + Failed + Skipped once Done reaches Total.
type Progress struct {
	Total int `json:"total"`
	// Done = Synced + Failed + Skipped.
	Done   int `json:"done"`
	Synced int `json:"synced"`
	Failed int `json:"failed"`
	// Skipped: nothing to send (already up to date in QBO, or deleted before it reached it).
	Skipped int    `json:"skipped"`
	Current string `json:"current"`
	Pending int    `json:"pending"`
	// Message is a human summary, e.g. "Syncing 12 of 30 time cards".
	Message string `json:"message"`
	// SelectionID names the selection this progress is of ("" for the whole run).
	SelectionID string `json:"selection_id,omitempty"`
}

// QueryProgress is the name of the progress query.
const QueryProgress = "progress"

// QuerySelectionProgress is the name of the query answering one selection's progress
// (argument: its id).
const QuerySelectionProgress = "selection-progress"

// AttrFailed counts the objects a sync run could not sync, so an operator finds the
// runs that left failures with `SyncFailed > 0`.
var AttrFailed = temporal.NewSearchAttributeKeyInt64("SyncFailed")

// Types of the local objects a sync marks, records and reports on (ObjectRef.Type,
// MarkSyncingInput.ObjectType). They are the store's object types.
const (
	ObjectTimeCard = "time_card"
	ObjectInvoice  = "invoice"
	ObjectCustomer = "customer"
	ObjectService  = "service"
)

// ObjectRef names a local object.
type ObjectRef struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

// Outcome is the result of syncing one object, recorded in its state and history.
type Outcome struct {
	Object    ObjectRef `json:"object"`
	Succeeded bool      `json:"succeeded"`
	// Skipped: nothing had to be sent (already up to date in QBO); it counts as done.
	Skipped   bool   `json:"skipped,omitempty"`
	ErrorType string `json:"error_type,omitempty"`
	Message   string `json:"message,omitempty"`
}

// RecordOutcomeInput records failures the workflow decided on (plan, reconnect,
// a dependency that failed) for objects no activity wrote.
type RecordOutcomeInput struct {
	AccountID int64     `json:"account_id"`
	Kind      string    `json:"kind"`
	Outcomes  []Outcome `json:"outcomes"`
}

// ConnectionRef says which account and realm a sync runs for.
type ConnectionRef struct {
	AccountID int64  `json:"account_id"`
	RealmID   string `json:"realm_id"`
}

// activity timeouts: QBO calls time out after 120 s on Intuit's side; a batch of 30
// with retries and throttling fits comfortably in 5 minutes. The worker heartbeats
// every activity while it lives (worker.autoHeartbeat), so heartbeatTimeout is how
// long a sync waits before retrying on another worker after one dies mid-call.
const (
	shortActivityTimeout = 2 * time.Minute
	longActivityTimeout  = 10 * time.Minute
	heartbeatTimeout     = 20 * time.Second
)
