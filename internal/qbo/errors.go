package qbo

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"regexp"
	"strings"
)

// Sentinel errors: every *Fault matches exactly one kind with errors.Is (ErrForbidden
// also matches ErrUnauthorized, since reconnecting is the fix for both).
var (
	// ErrUnauthorized: QBO refused the access token (401, code 3200) even after one
	// refresh. The person has to reconnect.
	ErrUnauthorized = errors.New("qbo: unauthorized")
	// ErrForbidden: the token is valid but not for this company or app (403, codes
	// 3100 and 120); refreshing does not help.
	ErrForbidden = errors.New("qbo: forbidden")
	// ErrThrottled: QBO answered 429 / code 3001 on every attempt of the back-off.
	ErrThrottled = errors.New("qbo: throttled")
	// ErrStale: the SyncToken of an update is not the current one (5010); re-read and
	// re-apply.
	ErrStale = errors.New("qbo: stale object")
	// ErrDuplicateName: the name is taken (6240); Fault.ExistingID names the holder
	// when QBO says.
	ErrDuplicateName = errors.New("qbo: duplicate name")
	// ErrNotFound: the object is deleted, unknown or inactive (610, HTTP 404).
	ErrNotFound = errors.New("qbo: not found or inactive")
	// ErrPlanLacksFeature: the company's QuickBooks plan does not include this (5020).
	ErrPlanLacksFeature = errors.New("qbo: plan lacks feature")
	// ErrValidation: any other request QBO rejected (400): Fault.Field and
	// Fault.Message say what to fix.
	ErrValidation = errors.New("qbo: validation")
	// ErrServer: QBO failed (5xx) on every attempt; retrying later may work.
	ErrServer = errors.New("qbo: server error")
)

// Fault codes the client branches on.
const (
	CodeStale            = "5010"
	CodeDuplicateName    = "6240"
	CodeNotFound         = "610"
	CodePlanLacksFeature = "5020"
	CodeThrottled        = "3001"
	CodeAuthentication   = "3200"
	CodeAuthorization    = "3100"
	CodeAuthorization120 = "120"
	// CodeDuplicateDocNumber (and the older 6210): another transaction has the DocNumber.
	CodeDuplicateDocNumber    = "6140"
	CodeDuplicateDocNumberOld = "6210"
)

// FaultError is one entry of a QBO fault's Error list.
type FaultError struct {
	Code    string
	Message string
	Detail  string
	Element string
}

// Fault is a QBO error, decoded from either casing of the JSON fault or the XML
// throttle body. It names the entity, operation and intuit_tid of the call. Auth
// faults drop QBO's Detail, which quotes the start of the rejected token.
type Fault struct {
	// Kind is the sentinel this fault matches (ErrStale, ErrNotFound...).
	Kind       error
	StatusCode int
	// Type is QBO's fault type: ValidationFault, SystemFault, AUTHENTICATION...
	Type      string
	Errors    []FaultError
	Entity    string
	Operation string
	IntuitTID string
	// ExistingID is the Id of the object already holding the name (6240), when the
	// Detail names it.
	ExistingID string
	// BatchID is the bId of the batch item that failed, for per-item faults.
	BatchID string
}

// Code is the first error's code ("" when QBO sent none).
func (f *Fault) Code() string {
	if len(f.Errors) == 0 {
		return ""
	}
	return f.Errors[0].Code
}

// Message is QBO's message and detail for a person, without tokens.
func (f *Fault) Message() string {
	if len(f.Errors) == 0 {
		return http.StatusText(f.StatusCode)
	}
	e := f.Errors[0]
	if e.Detail != "" && e.Detail != e.Message {
		return e.Message + ": " + e.Detail
	}
	return e.Message
}

// Field is the element (field) QBO names as wrong, when it names one.
func (f *Fault) Field() string {
	for _, e := range f.Errors {
		if e.Element != "" {
			return e.Element
		}
	}
	return ""
}

// Retryable reports whether repeating the same call later can succeed: throttling and
// server errors. Everything else needs a changed request or a person.
func (f *Fault) Retryable() bool { return f.Kind == ErrThrottled || f.Kind == ErrServer }

// Error describes the fault: operation, entity, kind, code, QBO's message and the
// intuit_tid for Intuit support.
func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("qbo: ")
	if f.Operation != "" {
		b.WriteString(f.Operation)
		if f.Entity != "" {
			b.WriteString(" " + f.Entity)
		}
		b.WriteString(": ")
	}
	b.WriteString(strings.TrimPrefix(f.Kind.Error(), "qbo: "))
	if c := f.Code(); c != "" {
		b.WriteString(" (" + c + ")")
	}
	if m := f.Message(); m != "" {
		b.WriteString(": " + m)
	}
	if f.BatchID != "" {
		b.WriteString(" [bId " + f.BatchID + "]")
	}
	if f.IntuitTID != "" {
		b.WriteString(" [intuit_tid " + f.IntuitTID + "]")
	}
	return b.String()
}

// Is matches the fault's kind (and ErrUnauthorized for ErrForbidden).
func (f *Fault) Is(target error) bool {
	return target == f.Kind || (f.Kind == ErrForbidden && target == ErrUnauthorized)
}

// faultEnvelope decodes both {"Fault":{"Error":[...],"type":..}} and the gateway's
// {"fault":{"error":[...],"type":..}}: encoding/json matches keys case-insensitively.
type faultEnvelope struct {
	Fault *faultJSON `json:"Fault"`
}

type faultJSON struct {
	Error []struct {
		Message string  `json:"Message"`
		Detail  string  `json:"Detail"`
		Code    jsonStr `json:"code"`
		Element string  `json:"element"`
	} `json:"Error"`
	Type string `json:"type"`
}

// jsonStr accepts a JSON string or number (QBO sends codes as strings; be lenient).
type jsonStr string

// UnmarshalJSON accepts a string, a number or null.
func (s *jsonStr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonStr(v)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	*s = jsonStr(b)
	return nil
}

type faultXML struct {
	Fault struct {
		Type  string `xml:"type,attr"`
		Error []struct {
			Code    string `xml:"code,attr"`
			Element string `xml:"element,attr"`
			Message string `xml:"Message"`
			Detail  string `xml:"Detail"`
		} `xml:"Error"`
	} `xml:"Fault"`
}

// parseFault decodes body into a Fault for an HTTP status (0 for a batch item). It
// returns nil when status is 2xx and the body holds no fault.
func parseFault(status int, body []byte, tid, entity, op string) *Fault {
	f := &Fault{StatusCode: status, IntuitTID: tid, Entity: entity, Operation: op}
	trimmed := bytes.TrimSpace(body)
	found := false
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		var env faultEnvelope
		if json.Unmarshal(trimmed, &env) == nil && env.Fault != nil {
			found = true
			f.Type = env.Fault.Type
			for _, e := range env.Fault.Error {
				f.Errors = append(f.Errors, FaultError{Code: string(e.Code), Message: e.Message, Detail: e.Detail, Element: e.Element})
			}
		}
	case len(trimmed) > 0 && trimmed[0] == '<':
		var x faultXML
		if xml.Unmarshal(trimmed, &x) == nil && (x.Fault.Type != "" || len(x.Fault.Error) > 0) {
			found = true
			f.Type = x.Fault.Type
			for _, e := range x.Fault.Error {
				f.Errors = append(f.Errors, FaultError{Code: e.Code, Message: e.Message, Detail: e.Detail, Element: e.Element})
			}
		}
	}
	if !found && status >= 200 && status < 300 {
		return nil
	}
	f.Kind = classify(status, f)
	if f.Kind == ErrUnauthorized || f.Kind == ErrForbidden {
		// QBO's auth Detail quotes the start of the token ("Token expired: AB01..."):
		// never keep it.
		for i := range f.Errors {
			f.Errors[i].Detail = ""
		}
	}
	if f.Kind == ErrDuplicateName {
		for _, e := range f.Errors {
			if m := existingIDPattern.FindStringSubmatch(e.Detail); m != nil {
				f.ExistingID = m[1]
				break
			}
		}
	}
	return f
}

var existingIDPattern = regexp.MustCompile(`(?i)\bId\s*[=:]\s*(\d+)`)

// classify picks the fault's kind from its codes first, then its HTTP status.
func classify(status int, f *Fault) error {
	for _, e := range f.Errors {
		code := strings.TrimLeft(e.Code, "0")
		switch code {
		case CodeThrottled:
			return ErrThrottled
		case CodeAuthentication:
			return ErrUnauthorized
		case CodeAuthorization, CodeAuthorization120:
			return ErrForbidden
		case CodeStale:
			return ErrStale
		case CodeDuplicateName:
			return ErrDuplicateName
		case CodeNotFound:
			return ErrNotFound
		case CodePlanLacksFeature:
			return ErrPlanLacksFeature
		}
		if strings.Contains(e.Message, "ThrottleExceeded") {
			return ErrThrottled
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		return ErrThrottled
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status >= 500:
		return ErrServer
	case strings.EqualFold(f.Type, "AUTHENTICATION"):
		return ErrUnauthorized
	}
	return ErrValidation
}
