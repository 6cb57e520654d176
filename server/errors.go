package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
)

// Error codes of the API's error body.
const (
	codeBadRequest   = "bad_request"
	codeValidation   = "validation"
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeNotFound     = "not_found"
	codeConflict     = "conflict"
	codeDuplicate    = "duplicate"
	codeCSRF         = "csrf"
	codeThrottled    = "too_many_requests"
	codeUnavailable  = "unavailable"
	codeSyncPaused   = "sync_paused"
	codeWeekLocked   = "week_locked"
	codeInternal     = "internal"
)

// apiError is an error the API answers with, as {"error":{"code","message","field"}}.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Line places an error on one line of an invoice: Line is the line's place among
	// the lines sent, from 1, and LineField its field; Field is then
	// "lines[Line-1].LineField". A form shows it on the row the line came from.
	Line      int    `json:"-"`
	LineField string `json:"-"`
	// Fields lists every field the input got wrong, this error's first, so a form
	// shows them all at once; the fields above stay those of the first.
	Fields []fieldProblem `json:"fields,omitempty"`
}

// fieldProblem is one field's error in an error body's "fields".
type fieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problems gathers the field errors of one input, so that one answer names all of
// them; an error on no field ends the gathering.
type problems struct {
	errs  []*apiError
	other error
}

// add keeps err (nil is nothing) and reports whether it was nil.
func (p *problems) add(err error) bool {
	if err == nil {
		return true
	}
	var ae *apiError
	if errors.As(err, &ae) && ae.Field != "" {
		p.errs = append(p.errs, ae)
	} else if p.other == nil {
		p.other = err
	}
	return false
}

// err is the first error gathered, listing all of them in its Fields; nil when none.
func (p *problems) err() error {
	if p.other != nil && len(p.errs) == 0 {
		return p.other
	}
	if len(p.errs) == 0 {
		return nil
	}
	out := *p.errs[0]
	out.Fields = nil
	for _, e := range p.errs {
		if len(e.Fields) > 0 {
			out.Fields = append(out.Fields, e.Fields...)
			continue
		}
		out.Fields = append(out.Fields, fieldProblem{Field: e.Field, Message: e.Message})
	}
	return &out
}

func (e *apiError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return e.Code + ": " + e.Message
}

func invalid(field, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: codeValidation, Message: fmt.Sprintf(format, args...), Field: field}
}

// onLine puts err, an error about field of the i-th line (from 0) of an invoice, on
// that line; any other error is returned as it is.
func onLine(i int, field string, err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	out := *ae
	out.Field, out.Line, out.LineField = fmt.Sprintf("lines[%d].%s", i, field), i+1, field
	return &out
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeBadRequest, Message: fmt.Sprintf(format, args...)}
}

var (
	errUnauthorized = &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "sign in first"}
	errForbidden    = &apiError{Status: http.StatusForbidden, Code: codeForbidden, Message: "only an admin of this account can do this"}
	errNotFound     = &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: "not found"}
	// errSyncNotStarted: Temporal is down; the objects were returned as they were.
	errSyncNotStarted = &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable, Message: syncs.MsgNotStarted}
	// errSyncPaused: Temporal is down while a sync runs; it resumes by itself.
	errSyncPaused = &apiError{Status: http.StatusServiceUnavailable, Code: codeSyncPaused,
		Message: "QuickBooks sync is paused: the sync service is unavailable; your cards are safe and will continue"}
	errNoSyncer = &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable, Message: "syncing with QuickBooks is not available right now"}
)

func notFound(field, what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: what + " not found", Field: field}
}

// inactiveRef refuses a customer or service that is inactive, on the request's field,
// saying where to make it active again. canPick is false where the request cannot name
// another one (an invoice's customer is fixed once it exists).
func inactiveRef(field string, ie *store.InactiveError, canPick bool) *apiError {
	what := "customer"
	if ie.ObjectType == store.ObjectService {
		what = "service"
	}
	msg := fmt.Sprintf("The %s \"%s\" is inactive in QuickBooks: make it active there", what, ie.Name)
	if !ie.InQuickBooks {
		msg = fmt.Sprintf("The %s \"%s\" is inactive: make it active on the %ss page", what, ie.Name, what)
	}
	if canPick {
		msg += ", or pick another " + what
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Code: codeValidation, Field: field, Message: msg}
}

// fail answers the request with err as the API's error body. Store errors become 404,
// 409 or 422 (an inactive customer or service is a 422 on its field); anything unexpected is logged and answers 500 without details.
func (s *Server) fail(c *gin.Context, err error) {
	ae := s.toAPIError(c, err)
	c.AbortWithStatusJSON(ae.Status, gin.H{"error": ae})
}

func (s *Server) toAPIError(c *gin.Context, err error) *apiError {
	var ae *apiError
	var dup *store.DuplicateError
	var ref *store.ReferenceError
	var conflict *store.ConflictError
	var inactive *store.InactiveError
	var locked *store.WeekLockedError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &inactive):
		return inactiveRef(inactive.Field, inactive, true)
	case errors.As(err, &locked):
		return weekLocked(locked)
	case errors.As(err, &dup):
		return &apiError{Status: http.StatusConflict, Code: codeDuplicate, Field: dup.Field,
			Message: fmt.Sprintf("another record already uses this %s", strings.ReplaceAll(dup.Field, "_", " "))}
	case errors.As(err, &ref):
		// A reference to another account's object answers exactly like a missing one.
		what := strings.TrimSuffix(ref.Field, "_id")
		return notFound(ref.Field, strings.ReplaceAll(what, "_", " "))
	case errors.As(err, &conflict):
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Message: conflict.Reason}
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, syncs.ErrUnavailable):
		return errSyncNotStarted
	case errors.Is(err, store.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Message: "the record changed; reload and try again"}
	}
	s.log.ErrorContext(c.Request.Context(), "request failed", "request_id", requestID(c), "err", err)
	return &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "something went wrong; try again"}
}

// maxBody caps request bodies; the largest legitimate one (an invoice with many lines)
// is far smaller.
const maxBody = 1 << 20

// decodeJSON reads exactly one JSON object into v, rejecting unknown fields, trailing
// data and bodies that are not JSON.
func decodeJSON(c *gin.Context, v any) error {
	ct := c.GetHeader("Content-Type")
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: codeBadRequest, Message: "send the body as application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		return badRequest("the request body is too large or unreadable")
	}
	return decodeStrict(body, v)
}

// decodeStrict decodes one JSON value from body into v, refusing unknown fields.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return badRequest("the body must hold one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("the body must hold one JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		return &apiError{Status: http.StatusBadRequest, Code: codeBadRequest, Field: field,
			Message: fmt.Sprintf("%s must be a %s", orBody(field), jsonKind(typeErr.Type.Kind().String()))}
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the body is not valid JSON")
	case errors.Is(err, io.EOF):
		return badRequest("the body is empty; send a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apiError{Status: http.StatusBadRequest, Code: codeBadRequest, Field: field, Message: fmt.Sprintf("unknown field %q", field)}
	}
	return badRequest("the body could not be read: %v", err)
}

func orBody(field string) string {
	if field == "" {
		return "the body"
	}
	return field
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "number"
	case k == "struct", k == "map":
		return "JSON object"
	case k == "slice", k == "array":
		return "list"
	case k == "bool":
		return "true or false"
	}
	return k
}
