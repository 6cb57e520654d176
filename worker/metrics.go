package worker

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// NewMetricsHandler exports the Temporal SDK's metrics (task latencies, poller counts,
// activity failures) to reg. Close the returned closer on shutdown to flush them.
func NewMetricsHandler(reg *prometheus.Registry) (client.MetricsHandler, io.Closer) {
	reporter := tallyprom.NewReporter(tallyprom.Options{Registerer: reg})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
		Prefix:          "temporal",
	}, time.Second)
	return sdktally.NewMetricsHandler(scope), closer
}

// ListenMetrics binds the worker's metrics listener. It is called before the worker
// connects to Temporal or polls, so a taken address fails the start before any work
// is taken on. When the address is only the default (METRICS_ADDR unset) and taken —
// another worker on the same host — a free port on the same host is taken instead;
// the caller logs the address it got.
func ListenMetrics(addr string, isDefault bool) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err == nil {
		return l, nil
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("metrics listener on %s (METRICS_ADDR): %w", addr, err)
	}
	if !isDefault {
		return nil, fmt.Errorf("METRICS_ADDR %s is already in use (another worker on this host?): set METRICS_ADDR to a free host:port, or host:0 for any free port", addr)
	}
	host, _, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return nil, fmt.Errorf("metrics listener on %s (METRICS_ADDR): %w", addr, splitErr)
	}
	l, err = net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %s is in use and no free port on %s: %w", addr, host, err)
	}
	return l, nil
}
