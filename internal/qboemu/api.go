package qboemu

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiCall is one parsed Accounting API request.
type apiCall struct {
	realm     string
	segs      []string // path after the realm, as sent
	method    string
	params    url.Values
	body      []byte
	asJSON    bool
	now       time.Time
	entity    string // for counters
	operation string // for counters
	write     bool
	wantPDF   bool // GET /invoice/{id}/pdf with Accept: application/pdf
	// batchItems, batchReads and batchWrites describe a batch call once it ran
	// (metering and Latency).
	batchItems, batchReads, batchWrites int
}

// serveAPI handles /v3/company/{realmId}/...: gateway auth, limits, fault
// injection, requestid replay, then the operation itself.
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	call := &apiCall{method: r.Method, params: r.URL.Query(), asJSON: wantsJSON(r), now: e.now()}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v3/company/"), "/"), "/")
	call.realm, call.segs = parts[0], parts[1:]
	call.classify()
	if call.operation == "pdf" && acceptsPDF(r) {
		// Faults of a PDF request are JSON, as Intuit's SDKs read them (NOTES §9.9).
		call.wantPDF, call.asJSON = true, true
	}
	res, drop := e.handleAPI(r, call)
	e.stats.request(call.realm, call.entity, call.operation, res.status)
	if res.status != http.StatusUnauthorized {
		e.stats.meter(call)
	}
	e.log.Debug("qboemu: request", "method", r.Method, "path", r.URL.Path, "realmId", call.realm,
		"entity", call.entity, "operation", call.operation, "status", res.status, "dropped", drop,
		"intuit_tid", w.Header().Get("intuit_tid"))
	if drop {
		e.stats.dropped(call.realm)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	res.write(w)
}

// classify names the operation for counters and locking before anything runs.
func (c *apiCall) classify() {
	first := ""
	if len(c.segs) > 0 {
		first = strings.ToLower(c.segs[0])
	}
	switch {
	case first == "query":
		c.entity, c.operation = "Query", "query"
	case first == "batch":
		c.entity, c.operation, c.write = "Batch", "batch", true
	case first == "cdc":
		c.entity, c.operation = "CDC", "cdc"
	case first == "reports":
		c.entity, c.operation = "Report", "report"
	default:
		if spec := lookupSpec(first); spec != nil {
			c.entity = spec.name
		} else {
			c.entity = first
		}
		sub := ""
		if len(c.segs) > 2 {
			sub = strings.ToLower(c.segs[2])
		}
		switch {
		case c.method == http.MethodGet && sub == "pdf":
			c.operation = "pdf"
		case c.method == http.MethodPost && sub == "send":
			c.operation, c.write = "send", true
		case c.method == http.MethodGet:
			c.operation = "read"
		case c.method == http.MethodPost:
			c.write = true
			switch op := strings.ToLower(c.params.Get("operation")); op {
			case "delete", "void", "update":
				c.operation = op
			default:
				c.operation = "create" // refined to update once the body is read
			}
		default:
			c.operation = strings.ToLower(c.method)
		}
	}
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	t := strings.TrimSpace(h[7:])
	return t, t != ""
}

func (e *Emulator) handleAPI(r *http.Request, call *apiCall) (res *result, drop bool) {
	now := call.now
	tok, ok := bearerToken(r)
	if !ok {
		return unauthorized(now, "Authorization header missing or not a Bearer token"), false
	}
	if len(tok) < 16 || len(tok) > 4096 {
		return unauthorized(now, "Malformed bearer token: too short or too long"), false
	}
	g, err := e.auth.authenticate(tok)
	if err != nil {
		detail := "Token invalid: " + tokenPrefix(tok)
		if errors.Is(err, errTokenExpired) {
			detail = "Token expired: " + tokenPrefix(tok)
		}
		return unauthorized(now, detail), false
	}
	if g.realmID != call.realm {
		return faultWrongRealm().render(call.asJSON, now), false
	}
	release, ok := e.limits.acquire(call.realm, g.clientID, call.operation == "batch")
	if !ok {
		return faultThrottle().render(call.asJSON, now), false
	}
	defer release()
	// Latency is served inside the in-flight accounting, so that with 10
	// requests in flight a client sees what QBO's concurrency limit gives.
	sleepFor(r, e.opts.Latency)
	inj := e.faults.take(call.realm, call.write)
	if inj.latency > 0 {
		select {
		case <-time.After(inj.latency):
		case <-r.Context().Done():
		}
	}
	if inj.fault != nil {
		return inj.fault.render(call.asJSON && !inj.faultXML, now), false
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, e.opts.MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return faultTooLarge(e.opts.MaxBodyBytes).render(call.asJSON, now), false
			}
			return faultMalformedBody("could not read the request body").render(call.asJSON, now), false
		}
		call.body = body
	}
	rid := call.params.Get("requestid")
	if len(rid) > 50 {
		return faultRequestID("requestid must be at most 50 characters").render(call.asJSON, now), false
	}
	res, changes := e.execute(call, rid)
	if call.batchItems > 1 {
		// QBO runs a batch's items one after the other (NOTES §1b): each costs
		// the latency of a request.
		sleepFor(r, time.Duration(call.batchItems-1)*e.opts.Latency)
	}
	if len(changes) > 0 {
		e.markDirty()
		for _, ch := range changes {
			e.hooks.notify(call.realm, ch.entity, ch.id, ch.op, now)
			if ch.op == "Emailed" {
				e.stats.mailed(call.realm)
			}
		}
	}
	return res, inj.dropAfterCommit && call.write
}

// sleepFor waits d, or until the client goes away.
func sleepFor(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// acceptsPDF reports whether the request's Accept names application/pdf.
func acceptsPDF(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(v), "application/pdf") {
			return true
		}
	}
	return false
}

// hasInclude reports whether the include parameter (a comma-separated list)
// names option.
func hasInclude(params url.Values, option string) bool {
	for _, v := range params["include"] {
		for _, o := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(o), option) {
				return true
			}
		}
	}
	return false
}

func tokenPrefix(tok string) string {
	if len(tok) > 8 {
		return tok[:8] + "..."
	}
	return tok
}

// execute runs the call under the company lock: the write lock for writes
// and for any call with a requestid (so a repeat waits for the original and
// replays it), the read lock otherwise.
func (e *Emulator) execute(call *apiCall, rid string) (*result, []change) {
	if call.write || rid != "" {
		e.mu.Lock()
		defer e.mu.Unlock()
	} else {
		e.mu.RLock()
		defer e.mu.RUnlock()
	}
	c := e.companies[call.realm]
	if c == nil {
		return faultWrongRealm().render(call.asJSON, call.now), nil
	}
	if rid != "" {
		if rp, ok := c.Replays[rid]; ok {
			e.stats.replayed(call.realm)
			return &result{status: rp.Status, ctype: rp.CType, body: rp.Body}, nil
		}
	}
	tx := &txn{c: c, now: call.now, allowDupDoc: strings.Contains(strings.ToLower(call.params.Get("include")), "allowduplicatedocnum")}
	res := e.dispatch(tx, call)
	if rid != "" && res.status < 500 {
		c.remember(rid, res)
		e.markDirty()
	}
	return res, tx.changes
}

// dispatch routes by path and method to the operation.
func (e *Emulator) dispatch(tx *txn, call *apiCall) *result {
	now, asJSON := call.now, call.asJSON
	fail := func(f *fault) *result { return f.render(asJSON, now) }
	if len(call.segs) == 0 || call.segs[0] == "" {
		return fail(faultUnknownResource(strings.Join(call.segs, "/")))
	}
	switch call.operation {
	case "query":
		return e.runQuery(tx, call)
	case "batch":
		if call.method != http.MethodPost {
			return fail(faultUnsupportedOperation("batch requires POST"))
		}
		return e.runBatch(tx, call)
	case "cdc":
		return e.runCDC(tx, call)
	}
	spec := lookupSpec(call.segs[0])
	if spec == nil {
		return fail(faultUnknownResource("/v3/company/" + call.realm + "/" + strings.Join(call.segs, "/")))
	}
	if spec.gated && !hasTimeTracking(tx.c.Plan) {
		return fail(faultNotInPlan())
	}
	switch call.method {
	case http.MethodGet:
		id := ""
		if len(call.segs) > 1 {
			id = call.segs[1]
		}
		if spec.singleton {
			id = "1"
		}
		if call.operation == "pdf" && len(call.segs) == 3 && spec.name == "Invoice" && id != "" {
			return e.invoicePDFResult(tx, call, id)
		}
		if len(call.segs) > 2 || id == "" {
			return fail(faultUnknownResource("/v3/company/" + call.realm + "/" + strings.Join(call.segs, "/")))
		}
		rec := tx.get(spec.name, id)
		if rec == nil {
			return fail(faultDeleted(spec.name, id))
		}
		return render(asJSON, http.StatusOK, now, spec.name, rec)
	case http.MethodPost:
		if call.operation == "send" && len(call.segs) == 3 && spec.name == "Invoice" && call.segs[1] != "" {
			rec, f := tx.sendInvoice(call.segs[1], call.params.Get("sendTo"))
			if f != nil {
				return fail(f)
			}
			return render(asJSON, http.StatusOK, now, spec.name, rec)
		}
		if len(call.segs) > 1 {
			return fail(faultUnknownResource("/v3/company/" + call.realm + "/" + strings.Join(call.segs, "/")))
		}
		in, f := decodeEntity(call.body)
		if f != nil {
			return fail(f)
		}
		if call.operation == "create" && in["Id"] != nil {
			call.operation = "update"
		}
		if call.operation == "update" && spec.name == "Payment" && hasInclude(call.params, "void") {
			tx.includeVoid = true
			call.operation = "void"
			defer func() { tx.includeVoid = false }()
			key, value, f := tx.apply(spec, "update", in)
			if f != nil {
				return fail(f)
			}
			return render(asJSON, http.StatusOK, now, key, value)
		}
		key, value, f := tx.apply(spec, call.operation, in)
		if f != nil {
			return fail(f)
		}
		return render(asJSON, http.StatusOK, now, key, value)
	}
	return fail(faultUnsupportedOperation("Method " + call.method + " is not supported"))
}

// apply runs one write operation; shared by single requests and batch items.
func (tx *txn) apply(spec *entitySpec, operation string, in map[string]any) (string, any, *fault) {
	if spec.gated && !hasTimeTracking(tx.c.Plan) {
		return "", nil, faultNotInPlan()
	}
	var rec *record
	var f *fault
	switch operation {
	case "create":
		rec, f = tx.create(spec, in)
	case "update":
		if tx.includeVoid && spec.name == "Payment" {
			rec, f = tx.voidPayment(spec, in)
		} else {
			rec, f = tx.update(spec, in)
		}
	case "delete":
		var gone map[string]any
		if gone, f = tx.remove(spec, in); f == nil {
			return spec.name, gone, nil
		}
	case "void":
		rec, f = tx.void(spec, in)
	default:
		f = faultUnsupportedOperation("Operation " + operation + " is not supported")
	}
	if f != nil {
		return "", nil, f
	}
	return spec.name, rec.Data, nil
}

// runQuery serves GET /query?query= and POST /query (application/text).
func (e *Emulator) runQuery(tx *txn, call *apiCall) *result {
	stmt := call.params.Get("query")
	if call.method == http.MethodPost && len(call.body) > 0 {
		stmt = string(call.body)
	}
	q, f := parseQuery(stmt)
	if f != nil {
		return f.render(call.asJSON, call.now)
	}
	call.entity = q.entityName
	if q.spec.gated && !hasTimeTracking(tx.c.Plan) {
		return faultNotInPlan().render(call.asJSON, call.now)
	}
	total, rows := q.run(tx)
	return render(call.asJSON, http.StatusOK, call.now, "QueryResponse", q.response(total, rows))
}
