// Command hoursync runs Hoursync's processes: `server` (the web app and JSON API),
// `worker` (the Temporal worker running every QBO sync), `migrate` (the database
// schema) and `dev` (all of it in one process for local development, with a demo login).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"hoursync/internal/config"
)

const usage = `usage: hoursync <command>

commands:
  server    run the web app and JSON API
  worker    run the Temporal worker that performs QBO syncs
  migrate   create the database if missing and apply migrations
  dev       migrate, seed a demo login, and run server and worker in one process

Configuration comes from environment variables; see README.md.`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	cfg, err := config.Load()
	if err != nil {
		// One readable line naming the variable, never a panic.
		fmt.Fprintf(os.Stderr, "hoursync: %v\n", err)
		os.Exit(2)
	}
	logger := newLogger(cfg)
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch os.Args[1] {
	case "server":
		err = runServer(ctx, cfg, logger)
	case "worker":
		err = runWorker(ctx, cfg, logger)
	case "migrate":
		err = runMigrate(ctx, cfg, logger)
	case "dev":
		err = runDev(ctx, cfg, logger)
	case "-h", "--help", "help":
		fmt.Println(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "hoursync: unknown command %q\n\n%s\n", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "hoursync %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func newLogger(cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Dev() {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}
