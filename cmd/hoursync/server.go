package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"

	"hoursync/internal/config"
	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/server"
	"hoursync/worker"
)

// runServer runs the web app and JSON API until ctx ends, then drains requests.
func runServer(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	c, err := worker.Dial(cfg.TemporalAddress, cfg.TemporalNamespace, logger, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	a, err := openApp(ctx, cfg, logger, c, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	// Sessions and API tokens are read from memory, kept exact by notifications on one more
	// connection (store.CacheCredentials).
	stopCache, err := a.Store.CacheCredentials(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return err
	}
	defer stopCache()
	// Objects left "syncing" by a sync that is not running any more are returned to what
	// they are (a start that failed while Temporal was down, say).
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go (&syncs.Sweeper{Starter: a.Starter, Store: a.Store, Logger: logger}).Run(sweepCtx)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := server.New(server.Deps{
		Config:   cfg,
		Store:    a.Store,
		Logger:   logger,
		Registry: reg,
		Syncer:   a.Starter,
		Intuit:   &server.IntuitService{OAuth: a.OAuth, Connections: a.Connections, QBOBaseURL: cfg.QBOAPIBaseURL, Logger: logger},
		Ready: map[string]server.Pinger{"temporal": server.PingerFunc(func(ctx context.Context) error {
			_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		})},
	})
	return srv.Run(ctx, cfg.HTTPAddr)
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
