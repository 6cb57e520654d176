package qboemu

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Change data capture (NOTES §8, §10): GET /cdc?entities=A,B&changedSince=…
// answers every object of those entities changed at or after changedSince —
// whole objects, deleted ones as {"domain","status":"Deleted","Id","MetaData":
// {"LastUpdatedTime"}} stubs — one QueryResponse block per entity in the order
// asked, {} for an entity without changes.

const (
	// maxCDCObjects bounds the objects of one CDC answer, all entities together
	// (NOTES §10: "at most 1,000 objects per response").
	maxCDCObjects = 1000
	// cdcLookBack is how far back changedSince may go (NOTES §10).
	cdcLookBack = 30 * 24 * time.Hour
)

// faultCDCTooOld is QBO's answer to a changedSince beyond the look-back, with
// the Detail a QuickBooksSharp user quoted (issue #19, 2024); the code and
// Message are those of QBO's other "Operation … is not supported" faults.
func faultCDCTooOld(since string) *fault {
	return newFault(400, "ValidationFault", "500", "Unsupported Operation",
		"Operation cdc with changedSince date "+since+" which is older than fixed days is not supported.", "changedSince")
}

// runCDC serves GET /cdc.
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
	sinceText = strings.ReplaceAll(sinceText, " ", "+")
	since, ok := parseWhen(sinceText)
	if !ok {
		return fail(faultInvalidValue("changedSince", "expected a date-time such as 2024-01-01T00:00:00-08:00"))
	}
	if since.Before(call.now.Add(-cdcLookBack)) {
		return fail(faultCDCTooOld(sinceText))
	}
	var specs []*entitySpec
	for _, name := range strings.Split(names, ",") {
		spec := lookupSpec(strings.TrimSpace(name))
		if spec == nil {
			return fail(faultInvalidValue("entities", "unknown entity "+strings.TrimSpace(name)))
		}
		if spec.gated && !hasTimeTracking(tx.c.Plan) {
			return fail(faultNotInPlan())
		}
		specs = append(specs, spec)
	}
	left := maxCDCObjects
	blocks := make([]any, 0, len(specs))
	for _, spec := range specs {
		block, n := cdcBlock(tx, spec, since, left)
		left -= n
		blocks = append(blocks, block)
	}
	return render(call.asJSON, http.StatusOK, call.now, "CDCResponse", []any{map[string]any{"QueryResponse": blocks}})
}

// cdcBlock is one entity's block: its changes since, oldest first, at most
// limit of them.
func cdcBlock(tx *txn, spec *entitySpec, since time.Time, limit int) (map[string]any, int) {
	var recs []*record
	for _, rec := range tx.c.Entities[spec.name] {
		if !rec.Changed.Before(since) {
			recs = append(recs, rec)
		}
	}
	slices.SortFunc(recs, func(a, b *record) int {
		if n := a.Changed.Compare(b.Changed); n != 0 {
			return n
		}
		return compareIDs(str(a.Data["Id"]), str(b.Data["Id"]))
	})
	if len(recs) > limit {
		recs = recs[:max(limit, 0)]
	}
	if len(recs) == 0 {
		return map[string]any{}, 0
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
	return map[string]any{spec.name: rows, "startPosition": 1, "maxResults": len(rows)}, len(rows)
}
