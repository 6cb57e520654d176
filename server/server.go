// Package server is Hoursync's HTTP server: the Gin router with the JSON API under
// /api/v1 and the server-rendered web UI, every sign-in path (password, Sign in with
// Intuit, App Store launch, Connect with QuickBooks), server-side sessions with CSRF
// protection, personal API tokens, QBO webhooks and the operational endpoints. The
// account of every request comes from its session or token, never from the request
// itself.
//
// Both transports call the same use cases (app, app.go): a JSON handler (api_*.go)
// decodes its body into a use case's input, a form handler (web_*.go, one file per
// page) parses its form into the same input, and each calls the same method, which
// validates, checks the actor's role and reads or writes the store.
package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"hoursync/internal/config"
	"hoursync/internal/store"
	"hoursync/internal/syncs"
)

// Syncer starts and watches the sync workflows; *syncs.Starter implements it.
type Syncer interface {
	SyncTimeCards(ctx context.Context, accountID int64, cardIDs []int64) (syncs.Started, error)
	SyncInvoice(ctx context.Context, accountID, invoiceID int64) (syncs.Started, error)
	StartImport(ctx context.Context, accountID int64, realmID string, connectingUserID int64, reason string) (syncs.Started, error)
	Resync(ctx context.Context, accountID int64, scope string) (syncs.Started, error)
	Disconnect(ctx context.Context, accountID int64) error
	Progress(ctx context.Context, workflowID, selectionID string) (syncs.Status, error)
	PullChanges(ctx context.Context, accountID int64) (syncs.Started, error)
	EnsureSchedules(ctx context.Context, accountID int64, interval string) error
	RemoveAccount(ctx context.Context, accountID int64) error
}

// Pinger is a dependency /readyz checks (the database, Temporal).
type Pinger interface {
	Ping(ctx context.Context) error
}

// PingerFunc adapts a function to Pinger.
type PingerFunc func(ctx context.Context) error

// Ping calls f.
func (f PingerFunc) Ping(ctx context.Context) error { return f(ctx) }

// Mailer sends e-mail: over SMTP in production, into the dev outbox otherwise.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// Mail is one message. AccountID (zero for none) files it in the account's outbox.
type Mail struct {
	AccountID int64
	To        string
	Subject   string
	Body      string
}

// Deps is everything the server runs on. Config and Store are required; the rest
// have working defaults or disable what needs them.
type Deps struct {
	Config *config.Config
	Store  *store.Store
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// Syncer starts workflows; without it sync actions answer 503.
	Syncer Syncer
	// Intuit runs the OAuth / OpenID Connect side of the Intuit flows; without it they
	// answer 503.
	Intuit Intuit
	// Mailer defaults to SMTP when Config.SMTPURL is set, else the dev outbox.
	Mailer Mailer
	// Ready lists what /readyz checks, by name; the store is always checked as "database".
	Ready map[string]Pinger
	// BcryptCost defaults to bcrypt.DefaultCost; tests lower it.
	BcryptCost int
	// Now defaults to time.Now.
	Now func() time.Time
}

// Server is the HTTP server. Create it with New.
type Server struct {
	cfg       *config.Config
	store     *store.Store
	log       *slog.Logger
	reg       *prometheus.Registry
	syncer    Syncer
	intuit    Intuit
	mailer    Mailer
	ready     map[string]Pinger
	cost      int
	now       func() time.Time
	metrics   *httpMetrics
	engine    *gin.Engine
	templates map[string]*template.Template
	// app is the use cases both the JSON API and the web forms call.
	app *app
}

// New builds the server and its routes.
func New(d Deps) *Server {
	s := &Server{
		cfg: d.Config, store: d.Store, log: d.Logger, reg: d.Registry, syncer: d.Syncer, intuit: d.Intuit,
		mailer: d.Mailer, ready: map[string]Pinger{}, cost: d.BcryptCost, now: d.Now,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	if s.cost == 0 {
		s.cost = bcrypt.DefaultCost
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.mailer == nil {
		if s.cfg.SMTPURL != "" {
			s.mailer = &SMTPMailer{URL: s.cfg.SMTPURL, From: s.cfg.MailFrom, Outbox: s.store}
		} else {
			s.mailer = OutboxMailer{Store: s.store}
		}
	}
	s.ready["database"] = s.store
	for name, p := range d.Ready {
		s.ready[name] = p
	}
	s.app = &app{cfg: s.cfg, store: s.store, log: s.log, syncer: s.syncer, intuit: s.intuit, mailer: s.mailer, cost: s.cost, now: s.now}
	s.metrics = newHTTPMetrics(s.reg)
	if err := s.store.RegisterMetrics(s.reg); err != nil {
		s.log.Warn("store metrics not registered", "err", err)
	}
	s.templates = parseTemplates()
	s.engine = s.routes()
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Run serves on addr until ctx ends, then shuts down gracefully: in-flight requests get
// up to 20 seconds to finish.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on an existing listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("http server listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("server: serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: serve: %w", err)
	}
	s.log.Info("http server stopped")
	return nil
}
