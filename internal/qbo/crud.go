package qbo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Operations as they appear in errors and logs.
const (
	OpCreate = "create"
	OpRead   = "read"
	OpUpdate = "update"
	OpDelete = "delete"
	OpVoid   = "void"
	OpQuery  = "query"
	OpBatch  = "batch"
)

// entityPath is the lower-case resource path QBO's SDKs use.
func entityPath(name string) string { return "/" + strings.ToLower(name) }

// decodeEntity reads {"<Entity>": {...}, "time": ...}.
func decodeEntity[T Entity](body []byte, op string) (T, error) {
	var zero T
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return zero, fmt.Errorf("qbo: %s %s: decode response: %w", op, zero.EntityName(), err)
	}
	raw, ok := env[zero.EntityName()]
	if !ok {
		for k, v := range env {
			if strings.EqualFold(k, zero.EntityName()) {
				raw, ok = v, true
			}
		}
	}
	if !ok {
		return zero, fmt.Errorf("qbo: %s %s: response has no %s", op, zero.EntityName(), zero.EntityName())
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		return zero, fmt.Errorf("qbo: %s %s: decode %s: %w", op, zero.EntityName(), zero.EntityName(), err)
	}
	return out, nil
}

// Create creates e (its Id and SyncToken must be empty) and returns QBO's copy.
// requestID makes the write idempotent: a retry with the same id returns the first
// answer and creates nothing.
func Create[T Entity](ctx context.Context, c *Client, requestID string, e T) (T, error) {
	var zero T
	if err := ValidateRequestID(requestID, false); err != nil {
		return zero, err
	}
	if id, _ := e.Key(); id != "" {
		return zero, fmt.Errorf("qbo: create %s: Id %q is set; use Update", e.EntityName(), id)
	}
	body, err := json.Marshal(e)
	if err != nil {
		return zero, fmt.Errorf("qbo: create %s: encode: %w", e.EntityName(), err)
	}
	resp, err := c.do(ctx, call{method: http.MethodPost, path: entityPath(e.EntityName()), body: body,
		entity: e.EntityName(), op: OpCreate, requestID: requestID})
	if err != nil {
		return zero, err
	}
	return decodeEntity[T](resp, OpCreate)
}

// Read returns the object with the given Id; ErrNotFound when deleted or unknown.
func Read[T Entity](ctx context.Context, c *Client, id string) (T, error) {
	var zero T
	if id == "" {
		return zero, fmt.Errorf("qbo: read %s: empty Id", zero.EntityName())
	}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: entityPath(zero.EntityName()) + "/" + url.PathEscape(id),
		entity: zero.EntityName(), op: OpRead})
	if err != nil {
		return zero, err
	}
	return decodeEntity[T](resp, OpRead)
}

// Update sparse-updates e: only the fields set in e change. e must carry the Id and
// the current SyncToken (read it by Id first: a token from a list can be stale, and
// QBO answers ErrStale).
func Update[T Entity](ctx context.Context, c *Client, requestID string, e T) (T, error) {
	var zero T
	if err := ValidateRequestID(requestID, false); err != nil {
		return zero, err
	}
	body, err := sparseBody(e)
	if err != nil {
		return zero, fmt.Errorf("qbo: update %s: %w", e.EntityName(), err)
	}
	resp, err := c.do(ctx, call{method: http.MethodPost, path: entityPath(e.EntityName()),
		query: url.Values{"operation": {"update"}}, body: body, entity: e.EntityName(), op: OpUpdate, requestID: requestID})
	if err != nil {
		return zero, err
	}
	return decodeEntity[T](resp, OpUpdate)
}

// sparseBody encodes e with "sparse": true, after checking it names Id and SyncToken.
func sparseBody(e Entity) ([]byte, error) {
	id, st := e.Key()
	if id == "" || st == "" {
		return nil, errors.New("both Id and SyncToken are required")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return append([]byte(`{"sparse":true,`), bytes.TrimPrefix(b, []byte("{"))...), nil
}

// Delete deletes a transaction (TimeActivity, Invoice). Names-list entities cannot be
// deleted in QBO: update them with Active false.
func Delete[T Entity](ctx context.Context, c *Client, requestID, id, syncToken string) error {
	_, err := idOperation[T](ctx, c, requestID, id, syncToken, OpDelete)
	return err
}

// Void voids a transaction (Invoice) and returns its voided copy.
func Void[T Entity](ctx context.Context, c *Client, requestID, id, syncToken string) (T, error) {
	return idOperation[T](ctx, c, requestID, id, syncToken, OpVoid)
}

func idOperation[T Entity](ctx context.Context, c *Client, requestID, id, syncToken, op string) (T, error) {
	var zero T
	if err := ValidateRequestID(requestID, false); err != nil {
		return zero, err
	}
	if id == "" || syncToken == "" {
		return zero, fmt.Errorf("qbo: %s %s: Id and SyncToken are required", op, zero.EntityName())
	}
	body, _ := json.Marshal(map[string]string{"Id": id, "SyncToken": syncToken})
	resp, err := c.do(ctx, call{method: http.MethodPost, path: entityPath(zero.EntityName()),
		query: url.Values{"operation": {op}}, body: body, entity: zero.EntityName(), op: op, requestID: requestID})
	if err != nil {
		return zero, err
	}
	return decodeEntity[T](resp, op)
}

// CompanyInfo reads the connected company's CompanyInfo (its Id is the realm id).
func (c *Client) CompanyInfo(ctx context.Context) (CompanyInfo, error) {
	return Read[CompanyInfo](ctx, c, c.realmID)
}

// Preferences reads the company's preferences.
func (c *Client) Preferences(ctx context.Context) (Preferences, error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/preferences", entity: "Preferences", op: OpRead})
	if err != nil {
		return Preferences{}, err
	}
	return decodeEntity[Preferences](resp, OpRead)
}
