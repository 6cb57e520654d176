package qbo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// BatchOp is one write of a batch call: OpCreate, OpUpdate (sparse; Entity carries Id
// and SyncToken) or OpDelete (only Id and SyncToken of Entity are sent).
type BatchOp[T Entity] struct {
	// BID identifies the item in the answer: unique in the batch, at most 10 characters.
	BID       string
	Operation string
	Entity    T
}

// BatchResult is the answer to one BatchOp: the entity QBO returned, or Err (a *Fault
// with BatchID set) when that item failed. One failed item never fails the others.
type BatchResult[T Entity] struct {
	BID    string
	Entity T
	Err    error
}

// Batch sends up to 30 writes of one entity type in one call (QBO runs them in order,
// and later items do not see objects created by earlier ones). requestID (at most 36
// characters) makes the whole call idempotent: a retry must resend the identical ops.
// Results come back in the order of ops. The error is non-nil only when the call as a
// whole failed.
func Batch[T Entity](ctx context.Context, c *Client, requestID string, ops []BatchOp[T]) ([]BatchResult[T], error) {
	var zero T
	name := zero.EntityName()
	if err := ValidateRequestID(requestID, true); err != nil {
		return nil, err
	}
	if len(ops) == 0 || len(ops) > MaxBatchItems {
		return nil, fmt.Errorf("qbo: batch %s: %d items; QBO takes 1 to %d", name, len(ops), MaxBatchItems)
	}
	type item map[string]any
	items := make([]item, 0, len(ops))
	seen := make(map[string]bool, len(ops))
	for _, op := range ops {
		if op.BID == "" || len(op.BID) > MaxBatchIDLen || seen[op.BID] {
			return nil, fmt.Errorf("qbo: batch %s: bId %q must be unique and 1 to %d characters", name, op.BID, MaxBatchIDLen)
		}
		seen[op.BID] = true
		var payload any
		switch op.Operation {
		case OpCreate:
			payload = op.Entity
		case OpUpdate:
			b, err := sparseBody(op.Entity)
			if err != nil {
				return nil, fmt.Errorf("qbo: batch %s: bId %s: %w", name, op.BID, err)
			}
			payload = json.RawMessage(b)
		case OpDelete:
			id, st := op.Entity.Key()
			if id == "" || st == "" {
				return nil, fmt.Errorf("qbo: batch %s: bId %s: delete needs Id and SyncToken", name, op.BID)
			}
			payload = map[string]string{"Id": id, "SyncToken": st}
		default:
			return nil, fmt.Errorf("qbo: batch %s: bId %s: unsupported operation %q", name, op.BID, op.Operation)
		}
		items = append(items, item{"bId": op.BID, "operation": op.Operation, name: payload})
	}
	body, err := json.Marshal(map[string]any{"BatchItemRequest": items})
	if err != nil {
		return nil, fmt.Errorf("qbo: batch %s: encode: %w", name, err)
	}
	resp, tid, err := c.doTID(ctx, call{method: http.MethodPost, path: "/batch", body: body, entity: name, op: OpBatch,
		requestID: requestID, batch: true})
	if err != nil {
		return nil, err
	}
	var env struct {
		BatchItemResponse []map[string]json.RawMessage `json:"BatchItemResponse"`
	}
	if err := json.Unmarshal(resp, &env); err != nil {
		return nil, fmt.Errorf("qbo: batch %s: decode response: %w", name, err)
	}
	byID := make(map[string]map[string]json.RawMessage, len(env.BatchItemResponse))
	for _, r := range env.BatchItemResponse {
		var bid string
		for k, v := range r {
			if strings.EqualFold(k, "bId") {
				_ = json.Unmarshal(v, &bid)
			}
		}
		byID[bid] = r
	}
	out := make([]BatchResult[T], len(ops))
	for i, op := range ops {
		out[i].BID = op.BID
		r, ok := byID[op.BID]
		if !ok {
			out[i].Err = fmt.Errorf("qbo: batch %s: no answer for bId %s", name, op.BID)
			continue
		}
		out[i].Entity, out[i].Err = decodeBatchItem[T](r, op, tid)
	}
	return out, nil
}

func decodeBatchItem[T Entity](r map[string]json.RawMessage, op BatchOp[T], tid string) (T, error) {
	var zero T
	name := zero.EntityName()
	for k, v := range r {
		if strings.EqualFold(k, "Fault") {
			// Re-wrap so parseFault sees {"Fault": ...}; a batch item has no HTTP status.
			wrapped, _ := json.Marshal(map[string]json.RawMessage{"Fault": v})
			f := parseFault(http.StatusBadRequest, wrapped, tid, name, op.Operation)
			f.StatusCode = 0
			f.BatchID = op.BID
			return zero, f
		}
	}
	for k, v := range r {
		if strings.EqualFold(k, name) {
			var e T
			if err := json.Unmarshal(v, &e); err != nil {
				return zero, fmt.Errorf("qbo: batch %s: bId %s: decode: %w", name, op.BID, err)
			}
			return e, nil
		}
	}
	return zero, fmt.Errorf("qbo: batch %s: bId %s: answer has neither %s nor Fault", name, op.BID, name)
}
