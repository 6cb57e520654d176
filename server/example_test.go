package server_test

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/server"
)

// ExampleNew shows how cmd/hoursync wires the server: the store, the Temporal starter
// (which also shows objects "syncing" the moment a sync is asked for), Intuit OAuth
// and the connection store, and readiness checks.
func ExampleNew() {
	ctx := context.Background()
	cfg, err := config.Load()
	if err != nil {
		return
	}
	logger := slog.Default()
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return
	}
	st := store.New(db)
	tc, err := client.Dial(client.Options{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace})
	if err != nil {
		return
	}
	oauth, err := intuit.NewOAuth(cfg.Intuit, cfg.PublicURL+"/auth/intuit/callback", nil)
	if err != nil {
		return
	}
	conns, err := intuit.NewConnections(db, oauth, cfg.TokenKeys, intuit.ConnectionsOptions{Logger: logger})
	if err != nil {
		return
	}
	srv := server.New(server.Deps{
		Config:   cfg,
		Store:    st,
		Logger:   logger,
		Registry: prometheus.NewRegistry(),
		Syncer:   syncs.New(tc, cfg.TemporalTaskQueue, st),
		Intuit:   &server.IntuitService{OAuth: oauth, Connections: conns, QBOBaseURL: cfg.QBOAPIBaseURL, Logger: logger},
		Ready: map[string]server.Pinger{"temporal": server.PingerFunc(func(ctx context.Context) error {
			_, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		})},
	})
	_ = srv.Run(ctx, cfg.HTTPAddr)
}
