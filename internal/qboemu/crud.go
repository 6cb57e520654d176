package qboemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"
)

// decodeEntity parses a request body into a JSON object, keeping numbers
// exact (json.Number) so money never passes through float64.
func decodeEntity(body []byte) (map[string]any, *fault) {
	if !utf8.Valid(body) {
		return nil, faultUnsupportedOperation("Operation Could not parse the request: the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, faultMalformedBody(err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, faultMalformedBody("unexpected data after the JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, faultMalformedBody("expected a JSON object")
	}
	return obj, nil
}

// writable copies the fields a client may set on an entity.
func writable(spec *entitySpec, in map[string]any) map[string]any {
	obj := make(map[string]any, len(in))
	for k, v := range in {
		if !spec.isReadOnly(k) && v != nil {
			obj[k] = v
		}
	}
	return obj
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, vv := range t {
			m[k] = deepCopy(vv)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, vv := range t {
			s[i] = deepCopy(vv)
		}
		return s
	}
	return v
}

func (tx *txn) create(spec *entitySpec, in map[string]any) (*record, *fault) {
	if spec.singleton {
		return nil, faultUnsupportedOperation("Operation Create is not supported for " + spec.name)
	}
	if spec.apiReadOnly {
		return nil, faultUnsupportedOperation("Operation Create is not supported for " + spec.name + " by this emulator; the tax lists are seeded per company kind")
	}
	obj := writable(spec, in)
	if f := spec.prepare(tx, obj, nil); f != nil {
		return nil, f
	}
	rec := tx.c.put(spec.name, obj, tx.now)
	id := str(obj["Id"])
	tx.hide(spec.name, id)
	if spec.after != nil {
		spec.after(tx, rec)
	}
	tx.changes = append(tx.changes, change{spec.name, id, "Create"})
	return rec, nil
}

// target finds the object an update, delete or void names and checks its
// SyncToken.
func (tx *txn) target(spec *entitySpec, in map[string]any) (*record, *fault) {
	id := scalarString(in["Id"])
	if spec.singleton {
		id = "1"
	}
	if id == "" {
		return nil, faultRequired("Id")
	}
	rec := tx.get(spec.name, id)
	if rec == nil {
		return nil, faultDeleted(spec.name, id)
	}
	st, ok := in["SyncToken"]
	if !ok || st == nil {
		return nil, faultRequired("SyncToken")
	}
	if scalarString(st) != str(rec.Data["SyncToken"]) {
		return nil, faultStale()
	}
	return rec, nil
}

// update applies a full update (omitted writable fields are cleared) or a
// sparse one ("sparse": true: only the fields sent change).
func (tx *txn) update(spec *entitySpec, in map[string]any) (*record, *fault) {
	if spec.apiReadOnly {
		return nil, faultUnsupportedOperation("Operation Update is not supported for " + spec.name + " by this emulator; the tax lists are seeded per company kind")
	}
	rec, f := tx.target(spec, in)
	if f != nil {
		return nil, f
	}
	var obj map[string]any
	if sparse, _ := in["sparse"].(bool); sparse {
		obj = deepCopy(rec.Data).(map[string]any)
		for k, v := range in {
			switch {
			case spec.isReadOnly(k):
			case v == nil:
				delete(obj, k)
			default:
				obj[k] = v
			}
		}
	} else {
		obj = writable(spec, in)
		for _, k := range []string{"Id", "SyncToken", "MetaData", "domain"} {
			obj[k] = rec.Data[k]
		}
	}
	obj["sparse"] = false
	tx.req = in
	if f := spec.prepare(tx, obj, rec.Data); f != nil {
		return nil, f
	}
	rec.Data = obj
	touch(rec, tx.now)
	if spec.after != nil {
		spec.after(tx, rec)
	}
	tx.changes = append(tx.changes, change{spec.name, str(obj["Id"]), "Update"})
	return rec, nil
}

// remove deletes a transaction; names-list objects are made inactive instead.
func (tx *txn) remove(spec *entitySpec, in map[string]any) (map[string]any, *fault) {
	if !spec.deletable {
		return nil, faultUnsupportedOperation("Operation Delete is not supported for " + spec.name + "; make it inactive with \"Active\": false")
	}
	rec, f := tx.target(spec, in)
	if f != nil {
		return nil, f
	}
	if spec.guard != nil {
		if f := spec.guard(tx, rec, "delete"); f != nil {
			return nil, f
		}
	}
	rec.Deleted = true
	rec.Changed = tx.now
	id := str(rec.Data["Id"])
	if spec.name == "Invoice" {
		tx.setBilled(linkedTimeActivities(rec.Data), "Billable")
	}
	if spec.removed != nil {
		spec.removed(tx, rec)
	}
	tx.changes = append(tx.changes, change{spec.name, id, "Delete"})
	return map[string]any{"status": "Deleted", "domain": "QBO", "Id": id}, nil
}

// void zeroes an invoice's amounts and keeps it, as QBO does.
func (tx *txn) void(spec *entitySpec, in map[string]any) (*record, *fault) {
	if !spec.voidable {
		return nil, faultUnsupportedOperation("Operation Void is not supported for " + spec.name)
	}
	rec, f := tx.target(spec, in)
	if f != nil {
		return nil, f
	}
	if spec.guard != nil {
		if f := spec.guard(tx, rec, "void"); f != nil {
			return nil, f
		}
	}
	lines, _ := rec.Data["Line"].([]any)
	for _, l := range lines {
		if m, ok := l.(map[string]any); ok {
			m["Amount"] = json.Number("0")
		}
	}
	rec.Data["TotalAmt"] = json.Number("0")
	rec.Data["Balance"] = json.Number("0")
	for _, k := range []string{"HomeTotalAmt", "HomeBalance"} {
		if _, ok := rec.Data[k]; ok {
			rec.Data[k] = json.Number("0")
		}
	}
	if d, ok := rec.Data["TxnTaxDetail"].(map[string]any); ok {
		d["TotalTax"] = json.Number("0")
		taxLines, _ := d["TaxLine"].([]any)
		for _, l := range taxLines {
			if m, ok := l.(map[string]any); ok {
				m["Amount"] = json.Number("0")
			}
		}
	}
	note := str(rec.Data["PrivateNote"])
	if note == "" {
		rec.Data["PrivateNote"] = "Voided"
	} else {
		rec.Data["PrivateNote"] = "Voided - " + note
	}
	touch(rec, tx.now)
	tx.setBilled(linkedTimeActivities(rec.Data), "Billable")
	tx.changes = append(tx.changes, change{spec.name, str(rec.Data["Id"]), "Void"})
	return rec, nil
}
