package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"

	"hoursync/activities"
	"hoursync/internal/config"
	"hoursync/internal/intuit"
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
}

// openApp connects the database and builds the shared pieces over the Temporal client.
func openApp(ctx context.Context, cfg *config.Config, logger *slog.Logger, c client.Client) (*app, error) {
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
	a.Starter = syncs.New(c, cfg.TemporalTaskQueue, a.Store)
	a.Activities = &activities.Activities{
		Store:  a.Store,
		QBO:    &activities.QBOCompanies{Connections: a.Connections, Options: qbo.Options{BaseURL: cfg.QBOAPIBaseURL, Limiter: limiter, Logger: logger}},
		Syncs:  a.Starter,
		Logger: logger,
	}
	return a, nil
}

func (a *app) Close() { a.DB.Close() }
