package server

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// access says who may call an operation.
type access int

const (
	public access = iota
	signedIn
	adminOnly
	signature // QBO webhook: intuit-signature
)

// param is a query parameter of an operation.
type param struct {
	Name, Type, Description string
}

// operation describes one route for the OpenAPI document. Request and Response are
// zero values of the Go types the handler reads and writes; their schemas come from
// the JSON tags.
type operation struct {
	Method, Path, Summary, Tag string
	Access                     access
	Query                      []param
	Request                    any
	Status                     int
	Response                   any
	// Redirect marks browser flows answering 302/303.
	Redirect bool
}

type deletedJSON struct {
	Deleted                 bool `json:"deleted"`
	PendingQuickBooksDelete bool `json:"pending_quickbooks_delete"`
	// QuickBooks says whether the pending deletion went to QuickBooks at once.
	QuickBooks *pushJSON `json:"quickbooks,omitempty"`
	// IDs are the time cards deleted; until UndoUntil, POST /api/v1/time-cards/restore
	// brings them back (and QuickBooks hears of nothing).
	IDs       []int64    `json:"ids,omitempty"`
	UndoUntil *time.Time `json:"undo_until,omitempty"`
}

type messageJSON struct {
	Message string `json:"message"`
}

type createdTokenJSON struct {
	Token    string         `json:"token"`
	APIToken store.APIToken `json:"api_token"`
}

type itemsJSON[T any] struct {
	Items []T `json:"items"`
}

type invitationLookupJSON struct {
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Role        string `json:"role"`
	AccountName string `json:"account_name"`
}

type progressJSON struct {
	WorkflowID  string             `json:"workflow_id"`
	Running     bool               `json:"running"`
	Status      string             `json:"status"`
	Progress    workflows.Progress `json:"progress"`
	WorkflowURL string             `json:"workflow_url"`
}

type syncStateBody struct {
	State   syncStateJSON         `json:"state"`
	History listJSON[historyJSON] `json:"history"`
}

type webhookJSON struct {
	Received int `json:"received"`
	Resyncs  int `json:"resyncs"`
}

type readyJSON struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

type authorizeJSON struct {
	AuthorizeURL string `json:"authorize_url"`
}

var pageParams = []param{
	{"limit", "integer", "page size, 1 to 200 (default 50)"},
	{"offset", "integer", "rows to skip"},
}

func withPage(ps ...param) []param { return append(ps, pageParams...) }

// reportParams are the filters of a report (the page's, the CSV's and the API's).
var reportParams = []param{
	{"from", "string", "first date, YYYY-MM-DD in the account's time zone (default: the first of this month, or of to's month)"},
	{"to", "string", "last date, inclusive (default: the end of from's month); less than 5 years after from"},
	{"customer_id", "integer", "customer"}, {"service_id", "integer", "service"},
	{"user_id", "integer", "person (admins; a member only themselves)"},
	{"billable", "string", "all|billable|non_billable (default all)"},
	{"sync", "string", "all|synced|not_synced: QuickBooks state (default all)"},
	{"group_by", "string", "customer|service|person|date|week (default customer)"},
}

// operations lists every route. Keep it next to routes(): the test compares them.
func operations() []operation {
	return []operation{
		{Method: "GET", Path: "/healthz", Summary: "Liveness", Tag: "operations", Status: 200, Response: messageJSON{}},
		{Method: "GET", Path: "/readyz", Summary: "Readiness: database and Temporal reachable", Tag: "operations", Status: 200, Response: readyJSON{}},
		{Method: "GET", Path: "/metrics", Summary: "Prometheus metrics (text format)", Tag: "operations", Status: 200},
		{Method: "POST", Path: "/webhooks/qbo", Summary: "QBO change notifications (CloudEvents or legacy eventNotifications), HMAC-verified", Tag: "quickbooks", Access: signature, Status: 200, Response: webhookJSON{}},

		{Method: "GET", Path: "/auth/intuit/start", Summary: "Sign in with Intuit: redirect to Intuit's consent page", Tag: "auth", Redirect: true},
		{Method: "GET", Path: "/qbo/reconnect", Summary: "Reconnect URL (Intuit's app settings): an admin goes into the connect flow, someone signed out into Sign in with Intuit", Tag: "auth", Redirect: true},
		{Method: "GET", Path: "/qbo/launch", Summary: "Launch from the QuickBooks App Store or from inside QBO", Tag: "auth", Redirect: true},
		{Method: "GET", Path: "/auth/intuit/callback", Summary: "The single callback of every Intuit flow", Tag: "auth", Redirect: true,
			Query: []param{{"state", "string", "the state Hoursync issued"}, {"code", "string", "authorization code"}, {"realmId", "string", "the QBO company"}, {"error", "string", "Intuit's refusal"}}},
		{Method: "POST", Path: "/auth/intuit/connect", Summary: "Connect with QuickBooks (browser form)", Tag: "quickbooks", Access: adminOnly, Redirect: true},

		{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This document", Tag: "operations", Status: 200},
		{Method: "POST", Path: "/api/v1/signup", Summary: "Create a firm and its owner, and sign in", Tag: "auth", Request: signUpInput{}, Status: 201, Response: sessionJSON{}},
		{Method: "POST", Path: "/api/v1/signin", Summary: "Sign in with e-mail and password", Tag: "auth", Request: signInInput{}, Status: 200, Response: sessionJSON{}},
		{Method: "POST", Path: "/api/v1/signout", Summary: "Sign out this browser", Tag: "auth", Access: signedIn, Status: 204},
		{Method: "GET", Path: "/api/v1/me", Summary: "The signed-in user, account and CSRF token", Tag: "auth", Access: signedIn, Status: 200, Response: sessionJSON{}},
		{Method: "POST", Path: "/api/v1/password-resets", Summary: "E-mail a password reset link", Tag: "auth", Request: resetInput{}, Status: 202, Response: messageJSON{}},
		{Method: "POST", Path: "/api/v1/password-resets/complete", Summary: "Set a new password through a reset link", Tag: "auth", Request: completeResetInput{}, Status: 204},
		{Method: "GET", Path: "/api/v1/invitations/lookup", Summary: "Who an invitation link invites", Tag: "users", Query: []param{{"token", "string", "the link's token"}}, Status: 200, Response: invitationLookupJSON{}},
		{Method: "POST", Path: "/api/v1/invitations/accept", Summary: "Accept an invitation, choosing a password", Tag: "users", Request: acceptInvitationInput{}, Status: 201, Response: sessionJSON{}},

		{Method: "GET", Path: "/api/v1/api-tokens", Summary: "Your personal API tokens", Tag: "auth", Access: signedIn, Status: 200, Response: itemsJSON[store.APIToken]{}},
		{Method: "POST", Path: "/api/v1/api-tokens", Summary: "Create a personal API token (shown once)", Tag: "auth", Access: signedIn, Request: apiTokenInput{}, Status: 201, Response: createdTokenJSON{}},
		{Method: "DELETE", Path: "/api/v1/api-tokens/{id}", Summary: "Revoke a personal API token", Tag: "auth", Access: signedIn, Status: 204},
		{Method: "GET", Path: "/api/v1/dev/outbox", Summary: "Mail sent by this account (development, without SMTP)", Tag: "operations", Access: signedIn, Query: withPage(), Status: 200, Response: listJSON[store.OutboxMail]{}},

		{Method: "GET", Path: "/api/v1/settings", Summary: "Account settings", Tag: "settings", Access: signedIn, Status: 200, Response: accountJSON{}},
		{Method: "PATCH", Path: "/api/v1/settings", Summary: "Change account settings", Tag: "settings", Access: adminOnly, Request: settingsInput{}, Status: 200, Response: accountJSON{}},
		{Method: "DELETE", Path: "/api/v1/account", Summary: "Delete the account and all its data (owner only; confirm with the firm's name); disconnects QuickBooks first, whose data stays", Tag: "settings", Access: adminOnly, Request: deleteAccountInput{}, Status: 204},
		{Method: "GET", Path: "/api/v1/users", Summary: "Users of the account", Tag: "users", Access: signedIn, Status: 200, Response: itemsJSON[userJSON]{}},
		{Method: "GET", Path: "/api/v1/users/{id}", Summary: "One user", Tag: "users", Access: signedIn, Status: 200, Response: userJSON{}},
		{Method: "PATCH", Path: "/api/v1/users/{id}", Summary: "Edit a user (yourself, or anyone as an admin)", Tag: "users", Access: signedIn, Request: userUpdateInput{}, Status: 200, Response: userJSON{}},
		{Method: "GET", Path: "/api/v1/invitations", Summary: "Pending invitations", Tag: "users", Access: adminOnly, Status: 200, Response: itemsJSON[store.Invitation]{}},
		{Method: "POST", Path: "/api/v1/invitations", Summary: "Invite someone by e-mail", Tag: "users", Access: adminOnly, Request: invitationInput{}, Status: 201, Response: store.Invitation{}},
		{Method: "DELETE", Path: "/api/v1/invitations/{id}", Summary: "Withdraw an invitation", Tag: "users", Access: adminOnly, Status: 204},

		{Method: "GET", Path: "/api/v1/customers", Summary: "Customers by name", Tag: "customers", Access: signedIn, Query: withPage(param{"q", "string", "part of the name"}), Status: 200, Response: listJSON[store.Customer]{}},
		{Method: "POST", Path: "/api/v1/customers", Summary: "Add a customer", Tag: "customers", Access: adminOnly, Request: customerInput{}, Status: 201, Response: store.Customer{}},
		{Method: "GET", Path: "/api/v1/customers/{id}", Summary: "One customer", Tag: "customers", Access: signedIn, Status: 200, Response: store.Customer{}},
		{Method: "PATCH", Path: "/api/v1/customers/{id}", Summary: "Edit a customer", Tag: "customers", Access: adminOnly, Request: customerInput{}, Status: 200, Response: store.Customer{}},
		{Method: "POST", Path: "/api/v1/customers/resync", Summary: "Re-sync customers, services and income accounts from QuickBooks", Tag: "sync", Access: adminOnly, Status: 202, Response: startedJSON{}},
		{Method: "GET", Path: "/api/v1/services", Summary: "Services by name", Tag: "services", Access: signedIn, Query: withPage(param{"q", "string", "part of the name"}), Status: 200, Response: listJSON[serviceJSON]{}},
		{Method: "POST", Path: "/api/v1/services", Summary: "Add a service", Tag: "services", Access: adminOnly, Request: serviceInput{}, Status: 201, Response: serviceJSON{}},
		{Method: "GET", Path: "/api/v1/services/{id}", Summary: "One service", Tag: "services", Access: signedIn, Status: 200, Response: serviceJSON{}},
		{Method: "PATCH", Path: "/api/v1/services/{id}", Summary: "Edit a service", Tag: "services", Access: adminOnly, Request: serviceInput{}, Status: 200, Response: serviceJSON{}},
		{Method: "GET", Path: "/api/v1/income-accounts", Summary: "Income accounts imported from QuickBooks", Tag: "settings", Access: signedIn, Status: 200, Response: itemsJSON[store.IncomeAccount]{}},
		{Method: "GET", Path: "/api/v1/tax-codes", Summary: "Sales tax codes (with their rates) imported from QuickBooks", Tag: "settings", Access: signedIn, Status: 200, Response: itemsJSON[store.TaxCode]{}},

		{Method: "GET", Path: "/api/v1/time-cards", Summary: "Time cards (members see their own)", Tag: "time", Access: signedIn,
			Query: withPage(param{"week", "string", "any date of the week (YYYY-MM-DD)"}, param{"from", "string", "first date"}, param{"to", "string", "last date"},
				param{"user_id", "integer", "person"}, param{"customer_id", "integer", "customer"}, param{"service_id", "integer", "service"},
				param{"billable", "boolean", "only billable (true) or only non-billable (false) time"},
				param{"status", "string", "never|synced|changed|syncing|failed"}, param{"unbilled", "boolean", "only cards on no invoice"},
				param{"ids", "string", "comma-separated ids (a selection)"}, param{"pending_deletes", "boolean", "also deleted cards whose deletion has not reached QuickBooks yet"}),
			Status: 200, Response: listJSON[timeCardJSON]{}},
		{Method: "POST", Path: "/api/v1/time-cards", Summary: "Record time (1 minute to 24 hours)", Tag: "time", Access: signedIn, Request: timeCardInput{}, Status: 201, Response: timeCardJSON{}},
		{Method: "GET", Path: "/api/v1/time-cards/{id}", Summary: "One time card", Tag: "time", Access: signedIn, Status: 200, Response: timeCardJSON{}},
		{Method: "PUT", Path: "/api/v1/time-cards/{id}", Summary: "Replace a time card (refused while billed or syncing)", Tag: "time", Access: signedIn, Request: timeCardInput{}, Status: 200, Response: timeCardJSON{}},
		{Method: "DELETE", Path: "/api/v1/time-cards/{id}", Summary: "Delete a time card; until undo_until it can be restored, and a synced one is deleted in QBO when that window ends (about 10 seconds). 409 week_locked on date for a member's time in an approved week", Tag: "time", Access: signedIn, Status: 200, Response: deletedJSON{}},
		{Method: "POST", Path: "/api/v1/time-cards/sync", Summary: "Sync selected time cards with QuickBooks; with sync_only_approved on, cards of weeks not approved are left out (left_out, message), all of them: 409", Tag: "sync", Access: signedIn, Request: syncTimeCardsInput{}, Status: 202, Response: timeCardSyncJSON{}},
		{Method: "POST", Path: "/api/v1/time-cards/bulk-update", Summary: "Change the customer, service (and its rate) or billable setting of selected time cards in one transaction: only time not in QuickBooks yet changes; the others are refused by name (refused), nothing changed: 409", Tag: "time", Access: signedIn, Request: bulkUpdateInput{}, Status: 200, Response: bulkUpdateJSON{}},
		{Method: "POST", Path: "/api/v1/time-cards/restore", Summary: "Undo a delete of time cards within its window (all or none); QuickBooks hears of nothing", Tag: "time", Access: signedIn, Request: restoreInput{}, Status: 200, Response: itemsJSON[timeCardJSON]{}},
		{Method: "GET", Path: "/api/v1/week-approvals", Summary: "Approved weeks by week and person (members: their own)", Tag: "time", Access: signedIn,
			Query: []param{{"from", "string", "first week start (default a year before to)"}, {"to", "string", "last week start (default a week from today)"}, {"user_id", "integer", "person"}}, Status: 200, Response: itemsJSON[weekApprovalJSON]{}},
		{Method: "POST", Path: "/api/v1/week-approvals", Summary: "Approve a person's week (any date of it): locked for them until reopened; admins may still edit it", Tag: "time", Access: adminOnly, Request: weekApprovalInput{}, Status: 201, Response: weekApprovalJSON{}},
		{Method: "DELETE", Path: "/api/v1/week-approvals", Summary: "Reopen (un-approve) a person's week", Tag: "time", Access: adminOnly, Request: weekApprovalInput{}, Status: 204},
		{Method: "GET", Path: "/api/v1/timer", Summary: "Your running timer (204 when none runs); an admin may name a person", Tag: "time", Access: signedIn,
			Query: []param{{"user_id", "integer", "person (admins; a member only themselves)"}}, Status: 200, Response: timerJSON{}},
		{Method: "POST", Path: "/api/v1/timer", Summary: "Start your timer now; while one runs 409 timer_running naming it, unless switch: true stops it (recording its card) and starts this one in one transaction", Tag: "time", Access: signedIn,
			Request: timerStartInput{}, Status: 201, Response: timerStartedJSON{}},
		{Method: "POST", Path: "/api/v1/timer/stop", Summary: "Stop the timer, recording a card on the day it started (account time zone) with its start and end, minutes rounded (at least 1); the body is optional. Past midnight or after 12 hours: 409 timer_needs_confirmation with the facts, until confirm: true or an ended_at (RFC 3339, YYYY-MM-DDTHH:MM or HH:MM in the account's zone)", Tag: "time", Access: signedIn,
			Query: []param{{"user_id", "integer", "person (admins; a member only themselves)"}}, Request: timerStopInput{}, Status: 201, Response: timeCardJSON{}},
		{Method: "DELETE", Path: "/api/v1/timer", Summary: "Discard the running timer without recording time", Tag: "time", Access: signedIn,
			Query: []param{{"user_id", "integer", "person (admins; a member only themselves)"}}, Status: 204},

		{Method: "GET", Path: "/api/v1/invoices", Summary: "Invoices, newest first", Tag: "invoices", Access: adminOnly,
			Query: withPage(param{"customer_id", "integer", "customer"}, param{"status", "string", "draft|open|void"}), Status: 200, Response: listJSON[invoiceJSON]{}},
		{Method: "POST", Path: "/api/v1/invoices", Summary: "Create an invoice by hand", Tag: "invoices", Access: adminOnly, Request: invoiceInput{}, Status: 201, Response: invoiceJSON{}},
		{Method: "POST", Path: "/api/v1/invoices/from-time-cards", Summary: "Bill selected unbilled time cards", Tag: "invoices", Access: adminOnly, Request: invoiceFromCardsInput{}, Status: 201, Response: invoiceJSON{}},
		{Method: "GET", Path: "/api/v1/invoices/{id}", Summary: "One invoice with lines", Tag: "invoices", Access: adminOnly, Status: 200, Response: invoiceJSON{}},
		{Method: "PUT", Path: "/api/v1/invoices/{id}", Summary: "Replace an invoice's header and lines", Tag: "invoices", Access: adminOnly, Request: invoiceInput{}, Status: 200, Response: invoiceJSON{}},
		{Method: "DELETE", Path: "/api/v1/invoices/{id}", Summary: "Delete an invoice, releasing its time cards (a synced one is deleted in QBO at once)", Tag: "invoices", Access: adminOnly, Status: 200, Response: deletedJSON{}},
		{Method: "POST", Path: "/api/v1/invoices/{id}/void", Summary: "Void an invoice, releasing its time cards (a synced one is voided in QBO at once)", Tag: "invoices", Access: adminOnly, Status: 200, Response: invoiceJSON{}},
		{Method: "POST", Path: "/api/v1/invoices/{id}/sync", Summary: "Sync an invoice with QuickBooks", Tag: "sync", Access: adminOnly, Status: 202, Response: startedJSON{}},
		{Method: "GET", Path: "/api/v1/invoices/{id}/pdf", Summary: "QuickBooks' PDF of a synced invoice (application/pdf)", Tag: "invoices", Access: adminOnly, Status: 200},
		{Method: "POST", Path: "/api/v1/invoices/{id}/send", Summary: "Have QuickBooks e-mail a synced invoice to send_to, or its billing e-mail", Tag: "invoices", Access: adminOnly, Request: sendInvoiceInput{}, Status: 200, Response: sentJSON{}},

		{Method: "GET", Path: "/api/v1/connection", Summary: "QuickBooks connection: company, plan, connected since", Tag: "quickbooks", Access: signedIn, Status: 200, Response: connectionJSON{}},
		{Method: "POST", Path: "/api/v1/connection", Summary: "Connect with QuickBooks: the authorize URL to open", Tag: "quickbooks", Access: adminOnly, Status: 200, Response: authorizeJSON{}},
		{Method: "DELETE", Path: "/api/v1/connection", Summary: "Disconnect from QuickBooks", Tag: "quickbooks", Access: adminOnly, Status: 204},

		{Method: "GET", Path: "/api/v1/sync/activity", Summary: "Recent sync attempts with links to the Temporal UI", Tag: "sync", Access: signedIn, Query: withPage(), Status: 200, Response: listJSON[historyJSON]{}},
		{Method: "GET", Path: "/api/v1/sync/progress", Summary: "Status and progress of a sync workflow", Tag: "sync", Access: signedIn, Query: []param{{"workflow_id", "string", "from a sync action"}}, Status: 200, Response: progressJSON{}},
		{Method: "GET", Path: "/api/v1/sync/states/{type}/{id}", Summary: "Sync state and history of one object", Tag: "sync", Access: signedIn, Query: withPage(), Status: 200, Response: syncStateBody{}},

		{Method: "GET", Path: "/api/v1/reports", Summary: "Time of a date range summed in total, by customer, service, person, date or week, and per week: hours, billable and non-billable, billable amount (each card's minutes × rate rounded half up once) in the account's currency, unbilled work in progress, synced or not. Members get their own time. 400 naming the field for a bad date, to before from, a range of 5 years or more, or an unknown choice", Tag: "reports", Access: signedIn,
			Query: reportParams, Status: 200, Response: reportJSON{}},
	}
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPIDocument builds the OpenAPI 3.0 document from operations().
func openAPIDocument(publicURL string) map[string]any {
	paths := map[string]any{}
	for _, op := range operations() {
		item, _ := paths[op.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.Path] = item
		}
		o := map[string]any{
			"summary":     op.Summary,
			"tags":        []string{op.Tag},
			"operationId": strings.ToLower(op.Method) + operationName(op.Path),
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
			typ := "integer"
			if m[1] == "type" {
				typ = "string"
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": typ}})
		}
		for _, q := range op.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": map[string]any{"type": q.Type}})
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.Request != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(op.Request))}}}
		}
		responses := map[string]any{
			"default": map[string]any{"description": "error", "content": map[string]any{
				"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
		}
		switch {
		case op.Redirect:
			responses["302"] = map[string]any{"description": "redirect (to Intuit, or back into the app)"}
		case op.Response != nil:
			responses[itoa(op.Status)] = map[string]any{"description": "success", "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(op.Response))}}}
		default:
			responses[itoa(op.Status)] = map[string]any{"description": "success"}
		}
		o["responses"] = responses
		switch op.Access {
		case public:
			o["security"] = []any{}
		case signature:
			o["security"] = []any{}
			o["parameters"] = append(params, map[string]any{"name": "intuit-signature", "in": "header", "required": true,
				"description": "base64 HMAC-SHA256 of the body keyed by the webhook verifier token", "schema": map[string]any{"type": "string"}})
		case adminOnly:
			o["description"] = "Admins and owners only."
		}
		item[strings.ToLower(op.Method)] = o
	}
	errorSchema := map[string]any{"type": "object", "properties": map[string]any{
		"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
			"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
			"field": map[string]any{"type": "string", "description": "the field of the first error"},
			"fields": map[string]any{"type": "array", "description": "every field the request got wrong, the first error's first, each with its message; absent when the error is about no field",
				"items": map[string]any{"type": "object", "required": []string{"field", "message"}, "properties": map[string]any{
					"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}},
		}},
	}}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Hoursync API", "version": "1",
			"description": "Time tracking and invoicing synced with QuickBooks Online. Browser requests use the hoursync_session cookie and send the session's CSRF token in X-CSRF-Token on every state-changing request; scripts use a personal API token as a Bearer token. Money is a decimal string with two decimals, quantities up to three."},
		"servers": []any{map[string]any{"url": publicURL}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": map[string]any{"Error": errorSchema},
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
				"token":   map[string]any{"type": "http", "scheme": "bearer"},
			},
		},
		"security": []any{map[string]any{"session": []string{}}, map[string]any{"token": []string{}}},
	}
}

func itoa(n int) string {
	if n == 0 {
		n = http.StatusOK
	}
	return strconv.Itoa(n)
}

func operationName(path string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == '{' || r == '}' || r == '_' }) {
		if part == "api" || part == "v1" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	decimalType = reflect.TypeFor[decimal]()
)

// schemaOf derives a JSON schema from a Go type's JSON encoding.
func schemaOf(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == decimalType:
		return map[string]any{"type": "string", "pattern": `^\d+(\.\d+)?$`, "description": "decimal; a JSON number is accepted too"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := schemaOf(t.Elem())
		s["nullable"] = true
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		addFields(t, props, &required)
		out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			out["required"] = required
		}
		return out
	}
	return map[string]any{}
}

// addFields adds t's JSON fields to props; fields tagged openapi:"required" are
// listed in required.
func addFields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		// encoding/json promotes the fields of an embedded struct even when its type
		// is unexported (reportGroupJSON's figures, invoiceJSON's tax).
		if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type)
		if f.Tag.Get("openapi") == "required" {
			*required = append(*required, name)
		}
	}
}

func (s *Server) openAPI(c *gin.Context) { c.JSON(http.StatusOK, openAPIDocument(s.cfg.PublicURL)) }
