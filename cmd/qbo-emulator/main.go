// Command qbo-emulator serves an emulated QuickBooks Online: the Accounting
// API, Intuit's OAuth 2.0 server and the emulator's admin API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"hoursync/internal/qboemu"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "qbo-emulator:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	addr, state, clientID, clientSecret, limits        string
	webhookURL, webhookVerifier, webhookFormat, logLvl string
	timeScale                                          float64
	refreshGrace, latency                              time.Duration
	seedDemo                                           bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("qbo-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8090", "listen address")
	fs.StringVar(&c.state, "state", "", "persist companies and grants to this JSON `file` across restarts")
	fs.Float64Var(&c.timeScale, "time-scale", 1, "divide token lifetimes and throttle windows by `N`")
	fs.StringVar(&c.clientID, "client-id", qboemu.DefaultClientID, "client id of the registered app")
	fs.StringVar(&c.clientSecret, "client-secret", qboemu.DefaultClientSecret, "client secret of the registered app")
	fs.DurationVar(&c.refreshGrace, "refresh-grace", 0, "how long a rotated-away refresh token keeps working")
	fs.StringVar(&c.limits, "limits", "on", "QBO request limits: on|off")
	fs.DurationVar(&c.latency, "latency", 0, "fixed delay of every Accounting API request, inside the in-flight limit (a batch: per item), e.g. 150ms")
	fs.StringVar(&c.webhookURL, "webhook-url", "", "POST signed change notifications to this URL")
	fs.StringVar(&c.webhookVerifier, "webhook-verifier", "", "verifier token that signs webhook bodies")
	fs.StringVar(&c.webhookFormat, "webhook-format", "cloudevents", "webhook payload format: cloudevents|legacy")
	fs.BoolVar(&c.seedDemo, "seed-demo", false, "create the demo companies (idempotent) and print their realm ids")
	fs.StringVar(&c.logLvl, "log-level", "info", "log level: debug|info|warn|error")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("parse flags: %w", err)
	}
	if c.limits != "on" && c.limits != "off" {
		return c, fmt.Errorf("-limits must be on or off, not %q", c.limits)
	}
	if !slices.Contains([]string{"cloudevents", "legacy"}, c.webhookFormat) {
		return c, fmt.Errorf("-webhook-format must be cloudevents or legacy, not %q", c.webhookFormat)
	}
	if c.latency < 0 {
		return c, fmt.Errorf("-latency must not be negative, not %v", c.latency)
	}
	if c.timeScale <= 0 {
		return c, fmt.Errorf("-time-scale must be positive, not %v", c.timeScale)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLvl)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	emu, err := qboemu.New(qboemu.Options{
		TimeScale: c.timeScale, ClientID: c.clientID, ClientSecret: c.clientSecret,
		StatePath: c.state, RefreshGrace: c.refreshGrace, Limits: qboemu.Limits{Off: c.limits == "off"},
		WebhookURL: c.webhookURL, WebhookVerifier: c.webhookVerifier, WebhookFormat: c.webhookFormat,
		Latency: c.latency, Logger: logger,
	})
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	if c.seedDemo {
		realms, err := emu.SeedDemo()
		if err != nil {
			_ = emu.Close()
			return err
		}
		names := make([]string, 0, len(realms))
		for name := range realms {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			fmt.Fprintf(stdout, "realm %s %s\n", realms[name], name)
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("qbo-emulator listening", "addr", c.addr, "state", c.state, "limits", c.limits, "timeScale", c.timeScale, "latency", c.latency)
	if err := emu.ListenAndServe(ctx, c.addr); err != nil {
		return err
	}
	logger.Info("qbo-emulator stopped")
	return nil
}
