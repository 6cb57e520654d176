package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hoursync/internal/config"
	"hoursync/worker"
)

// runWorker runs the Temporal worker until ctx ends, then stops it gracefully: the
// worker finishes or hands back its running tasks before the process exits.
func runWorker(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	// Bound first: a taken address must fail the start before the worker polls.
	ln, err := worker.ListenMetrics(cfg.MetricsAddr, cfg.MetricsAddrDefault)
	if err != nil {
		return err
	}
	metricsAddr := ln.Addr().String()
	if metricsAddr != cfg.MetricsAddr {
		logger.Warn("metrics address taken (another worker on this host?); serving metrics on a free port",
			"wanted", cfg.MetricsAddr, "metrics", "http://"+metricsAddr+"/metrics")
	}
	defer ln.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, closer := worker.NewMetricsHandler(reg)
	defer closer.Close()

	c, err := worker.Dial(cfg.TemporalAddress, cfg.TemporalNamespace, logger, metrics)
	if err != nil {
		return err
	}
	defer c.Close()
	deps, err := openApp(ctx, cfg, logger, c, reg)
	if err != nil {
		return err
	}
	defer deps.Close()
	// The activities record sync outcomes (and read connection states) here: operators
	// alert on them from the worker's metrics.
	if err := deps.Store.RegisterMetrics(reg); err != nil {
		return err
	}
	meterCtx, stopMeter := context.WithCancel(context.WithoutCancel(ctx))
	meterDone := make(chan struct{})
	go func() { deps.Meter.Run(meterCtx, 5*time.Second); close(meterDone) }()
	// Stopped after the worker, so the counts of its last calls are written too.
	defer func() { stopMeter(); <-meterDone }()
	w, err := worker.New(c, worker.Options{
		TaskQueue:               cfg.TemporalTaskQueue,
		MaxConcurrentActivities: cfg.WorkerConcurrency,
		Activities:              deps.Activities,
	})
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer w.Stop()

	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second,
		Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})}
	errc := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("metrics server on %s: %w", metricsAddr, err)
		}
	}()
	logger.Info("worker started", "task_queue", cfg.TemporalTaskQueue, "temporal", cfg.TemporalAddress, "metrics", "http://"+metricsAddr+"/metrics")
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	logger.Info("worker stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
