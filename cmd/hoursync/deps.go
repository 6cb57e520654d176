package main

import (
	"context"
	"log/slog"

	"github.com/jmoiron/sqlx"

	"hoursync/internal/config"
	"hoursync/internal/store"
)

// workerDeps is what the worker's activities run on.
type workerDeps struct {
	DB         *sqlx.DB
	Store      *store.Store
	Activities any
}

func openWorkerDeps(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*workerDeps, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	return &workerDeps{DB: db, Store: store.New(db)}, nil
}

func (d *workerDeps) Close() { d.DB.Close() }
