package qboemu

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxBatchItems is QBO's limit of BatchItemRequests per batch call.
const maxBatchItems = 30

func faultBatchSize(n int) *fault {
	return newFault(400, "ValidationFault", "1000", "Invalid Request",
		"The batch request must contain 1 to 30 BatchItemRequest items; it contains "+strconv.Itoa(n), "BatchItemRequest")
}

// runBatch serves POST /batch. Items run in order, each answered with its
// own result or Fault under HTTP 200; as in QBO, objects created by earlier
// items are invisible to later ones.
func (e *Emulator) runBatch(tx *txn, call *apiCall) *result {
	fail := func(f *fault) *result { return f.render(call.asJSON, call.now) }
	in, f := decodeEntity(call.body)
	if f != nil {
		return fail(f)
	}
	items, ok := in["BatchItemRequest"].([]any)
	if !ok || len(items) == 0 || len(items) > maxBatchItems {
		return fail(faultBatchSize(len(items)))
	}
	tx.hidden = map[string]map[string]bool{}
	call.batchItems = len(items)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok && m["Query"] != nil {
			call.batchReads++
		} else {
			call.batchWrites++
		}
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		item, ok := it.(map[string]any)
		if !ok {
			return fail(faultMalformedBody("BatchItemRequest items must be objects"))
		}
		resp := map[string]any{"bId": scalarString(item["bId"])}
		key, value, f := tx.batchItem(item)
		if f != nil {
			resp["Fault"] = f.body()
		} else {
			resp[key] = deepCopy(value)
		}
		out = append(out, resp)
	}
	return render(call.asJSON, http.StatusOK, call.now, "BatchItemResponse", out)
}

func (tx *txn) batchItem(item map[string]any) (string, any, *fault) {
	if q, ok := item["Query"]; ok {
		stmt, _ := q.(string)
		parsed, f := parseQuery(stmt)
		if f != nil {
			return "", nil, f
		}
		if parsed.spec.gated && !hasTimeTracking(tx.c.Plan) {
			return "", nil, faultNotInPlan()
		}
		total, rows := parsed.run(tx)
		return "QueryResponse", parsed.response(total, rows), nil
	}
	var spec *entitySpec
	var obj map[string]any
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if s := lookupSpec(k); s != nil {
			m, ok := item[k].(map[string]any)
			if !ok {
				return "", nil, faultMalformedBody(k + " must be an object")
			}
			spec, obj = s, m
			break
		}
	}
	if spec == nil {
		return "", nil, faultMalformedBody("the batch item names no supported entity")
	}
	op := strings.ToLower(scalarString(item["operation"]))
	if op == "" {
		op = "create"
	}
	return tx.apply(spec, op, obj)
}
