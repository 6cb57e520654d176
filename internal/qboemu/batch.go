package qboemu

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
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

// runCDC serves GET /cdc?entities=A,B&changedSince=... Deleted objects come
// back as {"status":"Deleted"} stubs.
func (e *Emulator) runCDC(tx *txn, call *apiCall) *result {
	fail := func(f *fault) *result { return f.render(call.asJSON, call.now) }
	names := call.params.Get("entities")
	if strings.TrimSpace(names) == "" {
		return fail(faultRequired("entities"))
	}
	sinceText := call.params.Get("changedSince")
	if sinceText == "" {
		return fail(faultRequired("changedSince"))
	}
	// An unencoded "+" in the offset arrives as a space.
	since, ok := parseWhen(strings.ReplaceAll(sinceText, " ", "+"))
	if !ok {
		return fail(faultInvalidValue("changedSince", "expected a date-time such as 2024-01-01T00:00:00-08:00"))
	}
	var blocks []any
	for _, name := range strings.Split(names, ",") {
		spec := lookupSpec(strings.TrimSpace(name))
		if spec == nil {
			return fail(faultInvalidValue("entities", "unknown entity "+strings.TrimSpace(name)))
		}
		if spec.gated && !hasTimeTracking(tx.c.Plan) {
			return fail(faultNotInPlan())
		}
		blocks = append(blocks, cdcBlock(tx, spec, since))
	}
	return render(call.asJSON, http.StatusOK, call.now, "CDCResponse", []any{map[string]any{"QueryResponse": blocks}})
}

// maxCDCObjects bounds the objects per entity in one CDC answer.
const maxCDCObjects = 1000

func cdcBlock(tx *txn, spec *entitySpec, since time.Time) map[string]any {
	var recs []*record
	for _, rec := range tx.c.Entities[spec.name] {
		if !rec.Changed.Before(since) {
			recs = append(recs, rec)
		}
	}
	if len(recs) == 0 {
		return map[string]any{}
	}
	slices.SortFunc(recs, func(a, b *record) int {
		if n := a.Changed.Compare(b.Changed); n != 0 {
			return n
		}
		return compareIDs(str(a.Data["Id"]), str(b.Data["Id"]))
	})
	if len(recs) > maxCDCObjects {
		recs = recs[:maxCDCObjects]
	}
	rows := make([]any, 0, len(recs))
	for _, rec := range recs {
		if rec.Deleted {
			rows = append(rows, map[string]any{"domain": "QBO", "status": "Deleted", "Id": rec.Data["Id"],
				"MetaData": map[string]any{"LastUpdatedTime": metaTime(rec.Changed)}})
			continue
		}
		rows = append(rows, rec.Data)
	}
	return map[string]any{spec.name: rows, "startPosition": 1, "maxResults": len(rows)}
}
