package main

import (
	"context"
	"log/slog"

	"hoursync/internal/config"
	"hoursync/internal/store"
)

// runServer runs the web app and JSON API until ctx ends.
func runServer(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	<-ctx.Done()
	return nil
}

// runDev migrates, seeds the demo login and runs server and worker in one process.
func runDev(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	if err := runMigrate(ctx, cfg, logger); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	_, _, err = seedDemo(ctx, store.New(db), logger)
	db.Close()
	if err != nil {
		return err
	}
	// One process for both: when either stops, the other is stopped too.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- runWorker(ctx, cfg, logger) }()
	go func() { errc <- runServer(ctx, cfg, logger) }()
	err = <-errc
	cancel()
	if err2 := <-errc; err == nil {
		err = err2
	}
	return err
}
