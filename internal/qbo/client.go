package qbo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"
)

// MinorVersion is the QBO API minor version every call pins: the oldest one Intuit
// still serves after retiring 1–74, so responses keep one known shape.
const MinorVersion = "75"

// Request id limits QBO enforces on the requestid query parameter.
const (
	MaxRequestIDLen      = 50
	MaxBatchRequestIDLen = 36
	MaxBatchItems        = 30
	MaxBatchIDLen        = 10
)

// maxBody caps how much of a response is read (QBO pages of 1000 rows fit easily).
const maxBody = 64 << 20

// Limiter spends the realm's shared request budget. Acquire blocks until one more
// request (a batch call when batch is true) may start, and returns the function that
// ends it. DBLimiter is the implementation shared by every worker process.
type Limiter interface {
	Acquire(ctx context.Context, realmID string, batch bool) (release func(), err error)
}

// TokenRefresher is implemented by token sources that can replace an access token
// QBO refused (401). rejected is the refused token, so a source shared by several
// callers refreshes once and hands the others the token already replaced.
type TokenRefresher interface {
	RefreshToken(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error)
}

// AuthFailureReporter is implemented by token sources that record a grant QBO
// refuses for good — a 401 even after a refresh, or a 403 (a token of another company
// or an app no longer authorized) — so the connection shows it needs reconnecting.
type AuthFailureReporter interface {
	ReportAuthFailure(ctx context.Context, rejected *oauth2.Token, f *Fault)
}

// Options configures a Client. BaseURL, RealmID and TokenSource are required.
type Options struct {
	// BaseURL is QBO's API root: https://quickbooks.api.intuit.com or the emulator.
	BaseURL string
	// RealmID is the company every call of this client addresses.
	RealmID string
	// TokenSource supplies access tokens; if it also implements TokenRefresher it is
	// asked for a fresh token after a 401.
	TokenSource oauth2.TokenSource
	// HTTPClient sends the requests (default: a client with a 60 s timeout).
	HTTPClient *http.Client
	// Limiter shares the realm's budget between processes (nil: no client-side limit).
	Limiter Limiter
	// Logger receives one line per call with its intuit_tid (default slog.Default()).
	Logger *slog.Logger
	// CallTimeout bounds each HTTP attempt (default 60 s; QBO itself gives up at 120 s).
	CallTimeout time.Duration
	// MaxAttempts bounds the attempts of one call when QBO throttles, fails with 5xx
	// or the connection drops (default 6).
	MaxAttempts int
	// BaseBackoff is the first back-off after a 429 or 5xx, doubled per attempt with
	// full jitter (default 1 s; tests shrink it).
	BaseBackoff time.Duration
	// MaxBackoff caps one back-off (default 60 s, what Intuit advises after a 429).
	MaxBackoff time.Duration
	// Observer is told of every HTTP attempt (the read meter); nil for none.
	Observer Observer
}

// Observer is told of every request sent to QBO: Intuit meters reads ("CorePlus":
// GET, query, CDC, reports) and throttles per realm, so both are watched.
type Observer interface {
	// ObserveQBORequest reports one attempt: its kind (KindRead, KindWrite, KindBatch)
	// and HTTP status (0 when no answer came).
	ObserveQBORequest(realmID, kind string, status int)
}

// Request kinds, as Intuit meters them.
const (
	KindRead  = "read"
	KindWrite = "write"
	KindBatch = "batch"
)

// Client calls the QBO Accounting API for one company. It is safe for concurrent use.
type Client struct {
	base        string
	realmID     string
	ts          oauth2.TokenSource
	http        *http.Client
	limiter     Limiter
	log         *slog.Logger
	callTimeout time.Duration
	maxAttempts int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	observer    Observer
}

// New returns a Client for opts.RealmID at opts.BaseURL.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" || opts.RealmID == "" || opts.TokenSource == nil {
		return nil, errors.New("qbo: new client: BaseURL, RealmID and TokenSource are required")
	}
	if _, err := url.Parse(opts.BaseURL); err != nil {
		return nil, fmt.Errorf("qbo: new client: base URL: %w", err)
	}
	c := &Client{
		base:        strings.TrimRight(opts.BaseURL, "/"),
		realmID:     opts.RealmID,
		ts:          opts.TokenSource,
		http:        opts.HTTPClient,
		limiter:     opts.Limiter,
		log:         opts.Logger,
		callTimeout: opts.CallTimeout,
		maxAttempts: opts.MaxAttempts,
		baseBackoff: opts.BaseBackoff,
		maxBackoff:  opts.MaxBackoff,
		observer:    opts.Observer,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 60 * time.Second}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.callTimeout <= 0 {
		c.callTimeout = 60 * time.Second
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = 6
	}
	if c.baseBackoff <= 0 {
		c.baseBackoff = time.Second
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = 60 * time.Second
	}
	return c, nil
}

// RealmID is the company this client addresses.
func (c *Client) RealmID() string { return c.realmID }

// call is one logical API call; do may send it several times.
type call struct {
	method      string
	path        string // below /v3/company/{realm}
	query       url.Values
	body        []byte
	contentType string
	entity      string
	op          string
	requestID   string
	batch       bool
	// accept overrides the Accept header (the PDF of an invoice); JSON otherwise.
	accept string
}

// kind is how Intuit meters the call: a batch (whatever it holds), a read (GET, and
// queries however sent), or a write.
func (cl call) kind() string {
	switch {
	case cl.batch:
		return KindBatch
	case cl.method == http.MethodGet || cl.op == OpQuery:
		return KindRead
	}
	return KindWrite
}

// idempotent reports whether resending the call cannot make a second change: reads,
// and writes carrying a requestid (QBO replays the first answer).
func (cl call) idempotent() bool { return cl.method == http.MethodGet || cl.requestID != "" }

// do sends cl, refreshing the token once after a 401 and backing off on 429, 5xx and
// dropped connections, and returns the body of the 2xx answer.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	body, _, err := c.doTID(ctx, cl)
	return body, err
}

// doTID is do that also returns the answer's intuit_tid.
func (c *Client) doTID(ctx context.Context, cl call) ([]byte, string, error) {
	q := url.Values{}
	for k, v := range cl.query {
		q[k] = v
	}
	q.Set("minorversion", MinorVersion)
	if cl.requestID != "" {
		q.Set("requestid", cl.requestID)
	}
	u := c.base + "/v3/company/" + url.PathEscape(c.realmID) + cl.path + "?" + q.Encode()

	refreshed := false
	var lastErr error
	for attempt := 1; ; attempt++ {
		tok, err := c.ts.Token()
		if err != nil {
			return nil, "", fmt.Errorf("qbo: %s %s: token: %w", cl.op, cl.entity, err)
		}
		status, body, tid, err := c.send(ctx, cl, u, tok, attempt)
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", fmt.Errorf("qbo: %s %s: %w", cl.op, cl.entity, ctx.Err())
			}
			lastErr = fmt.Errorf("qbo: %s %s: %w", cl.op, cl.entity, err)
			if !cl.idempotent() || attempt >= c.maxAttempts {
				return nil, "", lastErr
			}
			if err := c.backoff(ctx, attempt); err != nil {
				return nil, "", lastErr
			}
			continue
		}
		f := parseFault(status, body, tid, cl.entity, cl.op)
		if f == nil {
			return body, tid, nil
		}
		switch {
		case f.Kind == ErrUnauthorized && status == http.StatusUnauthorized && !refreshed:
			refreshed = true
			if r, ok := c.ts.(TokenRefresher); ok {
				if _, err := r.RefreshToken(ctx, tok); err != nil {
					return nil, "", fmt.Errorf("qbo: %s %s: refresh after 401: %w", cl.op, cl.entity, err)
				}
			}
			continue
		case f.Retryable() && (f.Kind == ErrThrottled || cl.idempotent()) && attempt < c.maxAttempts:
			if err := c.backoff(ctx, attempt); err != nil {
				return nil, tid, f
			}
			continue
		case f.Kind == ErrUnauthorized || f.Kind == ErrForbidden:
			if r, ok := c.ts.(AuthFailureReporter); ok {
				r.ReportAuthFailure(ctx, tok, f)
			}
		}
		return nil, tid, f
	}
}

// send makes one HTTP attempt inside the realm's budget.
func (c *Client) send(ctx context.Context, cl call, u string, tok *oauth2.Token, attempt int) (int, []byte, string, error) {
	if c.limiter != nil {
		release, err := c.limiter.Acquire(ctx, c.realmID, cl.batch)
		if err != nil {
			return 0, nil, "", err
		}
		defer release()
	}
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return 0, nil, "", err
	}
	accept := cl.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if cl.body != nil {
		ct := cl.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	tok.SetAuthHeader(req)
	start := time.Now()
	resp, err := c.http.Do(req)
	if c.observer != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		c.observer.ObserveQBORequest(c.realmID, cl.kind(), status)
	}
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "qbo call failed",
			slog.String("realm_id", c.realmID), slog.String("op", cl.op), slog.String("entity", cl.entity),
			slog.Int("attempt", attempt), slog.String("request_id", cl.requestID), slog.String("error", redactURLError(err)))
		return 0, nil, "", errors.New(redactURLError(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	tid := resp.Header.Get("intuit_tid")
	// One line per call, at info: the intuit_tid is what Intuit support asks for.
	c.log.LogAttrs(ctx, slog.LevelInfo, "qbo call",
		slog.String("realm_id", c.realmID), slog.String("op", cl.op), slog.String("entity", cl.entity),
		slog.Int("status", resp.StatusCode), slog.String("intuit_tid", tid), slog.Int("attempt", attempt),
		slog.String("request_id", cl.requestID), slog.Duration("elapsed", time.Since(start)))
	if err != nil {
		return 0, nil, tid, fmt.Errorf("read response: %w", err)
	}
	return resp.StatusCode, b, tid, nil
}

// redactURLError describes a transport error without the URL's query (which carries
// the query text) — it never held a token, but keep the line short and safe.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

// backoff sleeps the attempt's full-jitter exponential delay, or returns ctx's error.
func (c *Client) backoff(ctx context.Context, attempt int) error {
	d := c.baseBackoff << min(attempt-1, 20)
	if d > c.maxBackoff || d <= 0 {
		d = c.maxBackoff
	}
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ValidateRequestID checks a requestid for a single write (batch false) or a batch
// call: non-empty, at most 50 (36 for a batch) printable ASCII characters.
func ValidateRequestID(id string, batch bool) error {
	limit := MaxRequestIDLen
	if batch {
		limit = MaxBatchRequestIDLen
	}
	if id == "" {
		return errors.New("qbo: request id is required for every write")
	}
	if len(id) > limit {
		return fmt.Errorf("qbo: request id %q is longer than %d characters", id, limit)
	}
	for _, r := range id {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' {
			return fmt.Errorf("qbo: request id %q must be printable ASCII without spaces", id)
		}
	}
	return nil
}
