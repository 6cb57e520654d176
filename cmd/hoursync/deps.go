package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"hoursync/activities"
	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/meter"
	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/internal/syncs"
)

// app is what both the server and the worker run on.
type app struct {
	DB          *sqlx.DB
	Store       *store.Store
	OAuth       *intuit.OAuth
	Connections *intuit.Connections
	Starter     *syncs.Starter
	Activities  *activities.Activities
	// Meter counts every QBO request (reads are metered by Intuit); run it with Run.
	Meter *meter.Meter
}

// openApp connects the database and builds the shared pieces over the Temporal client.
// reg, when set, receives the metrics of the QBO request meter (the worker's).
func openApp(ctx context.Context, cfg *config.Config, logger *slog.Logger, c client.Client, reg prometheus.Registerer) (*app, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a := &app{DB: db, Store: store.New(db)}
	if a.OAuth, err = intuit.NewOAuth(cfg.Intuit, cfg.PublicURL+"/auth/intuit/callback", nil); err != nil {
		db.Close()
		return nil, err
	}
	if a.Connections, err = intuit.NewConnections(db, a.OAuth, cfg.TokenKeys, intuit.ConnectionsOptions{Logger: logger}); err != nil {
		db.Close()
		return nil, err
	}
	limiter, err := qbo.NewDBLimiter(db.DB, cfg.RateLimits, 0)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("QBO rate limiter: %w", err)
	}
	a.Meter = meter.New(db.DB, reg, meter.Options{Budget: cfg.QBOReadBudget, Logger: logger})
	a.Starter = syncs.New(c, cfg.TemporalTaskQueue, a.Store)
	a.Activities = &activities.Activities{
		Store: a.Store,
		QBO: &activities.QBOCompanies{Connections: a.Connections, Options: qbo.Options{BaseURL: cfg.QBOAPIBaseURL, Limiter: limiter, Logger: logger,
			Observer: a.Meter}},
		Syncs:  a.Starter,
		Logger: logger,
	}
	return a, nil
}

func (a *app) Close() { a.DB.Close() }
