package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	headerRequestID = "X-Request-ID"
	ctxRequestID    = "hoursync.request_id"
)

// httpMetrics are the request counters and latencies by route and status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hoursync_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hoursync_http_request_duration_seconds",
			Help:    "HTTP request latency, by method, route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// validRequestID accepts a caller's request id only when it is short and plain, so it
// can be logged safely.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// requestIDKey carries the request id in the request's context, for the use cases,
// which log with it but see no *gin.Context.
type requestIDKey struct{}

// requestIDOf is the id of the request ctx belongs to ("" outside a request).
func requestIDOf(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// observe gives each request an id, then logs it and records its metrics once it is
// answered. The route label is the pattern ("/api/v1/time-cards/:id"), never the
// raw path, so ids do not explode the metric's cardinality.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader(headerRequestID)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Set(ctxRequestID, id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
	c.Header(headerRequestID, id)

	c.Next()

	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	code := strconv.Itoa(status)
	s.metrics.requests.WithLabelValues(c.Request.Method, route, code).Inc()
	s.metrics.latency.WithLabelValues(c.Request.Method, route, code).Observe(elapsed.Seconds())

	if route == "/healthz" || route == "/readyz" || route == "/metrics" {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", id), slog.String("method", c.Request.Method), slog.String("route", route),
		slog.Int("status", status), slog.Duration("duration", elapsed), slog.String("ip", c.ClientIP()),
	}
	if a, ok := authOf(c); ok {
		attrs = append(attrs, slog.Int64("account_id", a.AccountID), slog.Int64("user_id", a.User.ID))
	}
	if wf := c.GetString(ctxWorkflowID); wf != "" {
		attrs = append(attrs, slog.String("workflow_id", wf))
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
}

// recovered answers a panicking handler with a 500 in the API's error shape and logs
// the panic with the request id.
func (s *Server) recovered(c *gin.Context, v any) {
	s.log.ErrorContext(c.Request.Context(), "panic serving request", "request_id", requestID(c),
		"route", c.FullPath(), "panic", fmt.Sprint(v))
	c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": &apiError{Code: codeInternal, Message: "something went wrong; try again"}})
}

// securityHeaders sets headers every answer carries.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.Next()
}
