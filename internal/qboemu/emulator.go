// Package qboemu emulates QuickBooks Online on the wire: the Accounting API
// under /v3/company/{realmId}/, Intuit's OAuth 2.0 server, QBO's throttles,
// signed webhooks, and an admin API for tests, scripts and demos. It imports
// nothing of the product, so the product's QBO client and this emulator,
// written independently, catch each other's misreadings of QBO.
package qboemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Default credentials of the app registered with the emulator.
const (
	DefaultClientID     = "hoursync-dev"
	DefaultClientSecret = "hoursync-dev-secret"
	// DefaultMaxBodyBytes caps request bodies; larger ones get a fault.
	DefaultMaxBodyBytes = 10 << 20
)

// pacific is the time zone QBO stamps its responses in.
var pacific = func() *time.Location {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		return time.FixedZone("PST", -8*60*60)
	}
	return loc
}()

// Limits are QBO's per realm+app request limits. The zero value means QBO's
// numbers (500 a minute, 10 in flight, 40 batch calls a minute).
type Limits struct {
	Off            bool
	PerMinute      int
	InFlight       int
	BatchPerMinute int
}

// Options configure an Emulator. The zero value is usable.
type Options struct {
	// BaseURL is the emulator's public URL (issuer of ID tokens, discovery
	// document); empty means derived from each request's Host.
	BaseURL string
	// TimeScale divides every lifetime and window (token expiry, throttle
	// windows): 60 makes an hour pass in a minute. Default 1.
	TimeScale float64
	// ClientID and ClientSecret identify the registered app.
	ClientID, ClientSecret string
	// StatePath, when set, persists companies and grants to this JSON file:
	// loaded by New, saved shortly after each change and on Close.
	StatePath string
	// SaveInterval is how often pending changes are saved (default 1s).
	SaveInterval time.Duration
	// RefreshGrace is how long a rotated-away refresh token keeps working.
	RefreshGrace time.Duration
	// Limits are the throttles; Limits.Off disables them.
	Limits Limits
	// WebhookURL receives change notifications signed with WebhookVerifier,
	// in WebhookFormat ("cloudevents", the default, or "legacy").
	WebhookURL, WebhookVerifier, WebhookFormat string
	// MaxBodyBytes caps request bodies (default 10 MiB).
	MaxBodyBytes int64
	// Latency delays every Accounting API request that passes the throttle,
	// inside the in-flight accounting (a batch: once per item, as QBO runs
	// the items one after the other). For benchmarks; default 0.
	Latency time.Duration
	// Logger receives the emulator's logs (default: discarded).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Emulator is an emulated QBO: Accounting API, OAuth server and admin API.
type Emulator struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	handler http.Handler
	auth    authority
	limits  limiter
	hooks   notifier
	faults  *faultSet
	stats   *counters

	mu        sync.RWMutex
	companies map[string]*company

	dirty     atomic.Bool
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	saveMu    sync.Mutex
}

// New builds an emulator and, with StatePath, loads its saved state.
func New(opts Options) (*Emulator, error) {
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.SaveInterval <= 0 {
		opts.SaveInterval = time.Second
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	e := &Emulator{
		opts: opts, log: opts.Logger, now: opts.Now,
		companies: map[string]*company{},
		faults:    &faultSet{},
		stats:     newCounters(),
		stop:      make(chan struct{}), done: make(chan struct{}),
	}
	var err error
	if e.auth, err = newAuthority(opts, e); err != nil {
		return nil, err
	}
	e.limits = newLimiter(opts)
	e.hooks = newNotifier(opts)
	if err := e.load(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	e.auth.register(mux)
	e.routeAdmin(mux)
	mux.HandleFunc("GET /app/invoice", e.serveAppInvoice)
	mux.HandleFunc("GET /app/invoice/pdf", e.serveAppInvoicePDF)
	mux.HandleFunc("GET /app", e.serveAppCompanies)
	mux.HandleFunc("GET /app/invoices", e.serveAppInvoices)
	mux.HandleFunc("POST /app/invoices/pay", e.serveAppPay)
	mux.HandleFunc("/v3/company/", e.serveAPI)
	e.handler = e.recoverer(e.stamp(mux))
	go e.saveLoop()
	return e, nil
}

// Handler serves the whole emulator: /v3 Accounting API, OAuth, admin.
func (e *Emulator) Handler() http.Handler { return e.handler }

// Close stops background work, flushes notifications and saves the state.
func (e *Emulator) Close() error {
	var err error
	e.closeOnce.Do(func() {
		close(e.stop)
		<-e.done
		e.hooks.close()
		err = e.save()
	})
	return err
}

// stamp adds the intuit_tid header every QBO response carries.
func (e *Emulator) stamp(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("intuit_tid", newTID())
		next.ServeHTTP(w, r)
	})
}

func newTID() string {
	return fmt.Sprintf("1-%08x-%016x%08x", rand.Uint32(), rand.Uint64(), rand.Uint32())
}

// recoverer turns a panic into a QBO SystemFault instead of a dropped
// connection, and logs it.
func (e *Emulator) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				e.log.Error("qboemu: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
				renderInternal(wantsJSON(r), e.now(), fmt.Errorf("%v", v)).write(w)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// stateFile is the JSON saved at StatePath.
type stateFile struct {
	Version   int                 `json:"version"`
	Companies map[string]*company `json:"companies"`
	Auth      json.RawMessage     `json:"auth,omitempty"`
}

func (e *Emulator) markDirty() {
	if e.opts.StatePath != "" {
		e.dirty.Store(true)
	}
}

func (e *Emulator) saveLoop() {
	defer close(e.done)
	if e.opts.StatePath == "" {
		<-e.stop
		return
	}
	t := time.NewTicker(e.opts.SaveInterval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			if e.dirty.Swap(false) {
				if err := e.save(); err != nil {
					e.log.Error("qboemu: save state", "path", e.opts.StatePath, "err", err)
				}
			}
		}
	}
}

// save writes the state atomically (temp file + rename).
func (e *Emulator) save() error {
	if e.opts.StatePath == "" {
		return nil
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	authState, err := e.auth.snapshot()
	if err != nil {
		return err
	}
	e.mu.RLock()
	var buf bytes.Buffer
	err = json.NewEncoder(&buf).Encode(stateFile{Version: 1, Companies: e.companies, Auth: authState})
	e.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("qboemu: encode state: %w", err)
	}
	dir := filepath.Dir(e.opts.StatePath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("qboemu: state dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".qboemu-state-*")
	if err != nil {
		return fmt.Errorf("qboemu: save state: %w", err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("qboemu: save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("qboemu: save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), e.opts.StatePath); err != nil {
		return fmt.Errorf("qboemu: save state: %w", err)
	}
	return nil
}

// load reads the state file when there is one.
func (e *Emulator) load() error {
	if e.opts.StatePath == "" {
		return nil
	}
	data, err := os.ReadFile(e.opts.StatePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("qboemu: load state: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var st stateFile
	if err := dec.Decode(&st); err != nil {
		return fmt.Errorf("qboemu: load state %s: %w", e.opts.StatePath, err)
	}
	for id, c := range st.Companies {
		for _, spec := range specs {
			if c.Entities[spec.name] == nil {
				c.Entities[spec.name] = map[string]*record{}
			}
		}
		if c.NextID == nil {
			c.NextID = map[string]int64{}
		}
		if c.Replays == nil {
			c.Replays = map[string]replay{}
		}
		c.putDefaultTerms(c.Created) // a state saved before the emulator had Terms
		c.putTaxSetup(c.Created)     // or before it had the tax lists (its kind is KindUS)
		e.companies[id] = c
	}
	if len(st.Auth) > 0 {
		if err := e.auth.restore(st.Auth); err != nil {
			return err
		}
	}
	e.log.Info("qboemu: state loaded", "path", e.opts.StatePath, "companies", len(e.companies))
	return nil
}

// ListenAndServe serves the emulator on addr until ctx is done, then shuts
// down gracefully and closes the emulator.
func (e *Emulator) ListenAndServe(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		_ = e.Close()
		return fmt.Errorf("qboemu: listen on %s: %w", addr, err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if cerr := e.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("qboemu: shutdown: %w", err)
	}
	return nil
}
