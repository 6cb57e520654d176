// Package config reads Hoursync's configuration from the environment and validates it
// at start-up, so a bad value stops the process with one line naming the variable
// instead of failing later in the middle of a sync.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env values. Built-in development secrets are accepted only in EnvDev.
const (
	EnvDev  = "dev"
	EnvTest = "test"
	EnvProd = "production"
)

// Development defaults. They are public, so they are refused outside HOURSYNC_ENV=dev.
const (
	devClientID        = "hoursync-dev"
	devClientSecret    = "hoursync-dev-secret"
	devWebhookVerifier = "hoursync-dev-webhook-verifier"
	// devTokenKeys is a well-known 32-byte key: it exercises encryption locally and nothing more.
	devTokenKeys = "dev:aG91cnN5bmMtZGV2LWtleS0zMi1ieXRlcy1sb25nISE="
)

// Config is the validated configuration shared by every Hoursync process.
type Config struct {
	Env       string
	HTTPAddr  string
	PublicURL string
	// TrustedProxies are the addresses (IPs or CIDRs) of the reverse proxies in front
	// of the server, whose X-Forwarded-For names the client; none by default.
	TrustedProxies    []string
	DatabaseURL       string
	TemporalAddress   string
	TemporalNamespace string
	TemporalTaskQueue string
	TemporalUIURL     string
	QBOAPIBaseURL     string
	Intuit            IntuitConfig
	TokenKeys         []TokenKey
	WebhookVerifier   string
	RateLimits        RateLimits
	SMTPURL           string
	MailFrom          string
	MetricsAddr       string
	// MetricsAddrDefault: METRICS_ADDR was not set, so a worker whose default port is
	// taken (a second worker on the host) takes a free one instead of failing.
	MetricsAddrDefault bool
	LogLevel           string
	// WorkerConcurrency caps concurrently running activities per worker process.
	WorkerConcurrency int
	// QBOReadBudget is the installation's monthly budget of metered QBO reads (Intuit's
	// App Partner Program pool); the meter warns at 80 %. 0 means none.
	QBOReadBudget int64
}

// IntuitConfig holds the Intuit OAuth 2.0 / OpenID Connect endpoints and app credentials.
type IntuitConfig struct {
	AuthorizeURL string
	TokenURL     string
	RevokeURL    string
	UserinfoURL  string
	JWKSURL      string
	Issuer       string
	ClientID     string
	ClientSecret string
}

// TokenKey is one AES-256 key for encrypting OAuth tokens at rest. The first key of
// the list encrypts; all of them decrypt, so keys can be rotated.
type TokenKey struct {
	ID  string
	Key []byte
}

// RateLimits is QBO's per-realm budget, shared by every worker.
type RateLimits struct {
	Requests       int
	RequestsWindow time.Duration
	InFlight       int
	Batches        int
	BatchesWindow  time.Duration
}

// Error names the variable whose value is wrong.
type Error struct {
	Var    string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Var, e.Reason) }

// Load reads the configuration from the process environment.
func Load() (*Config, error) { return LoadFrom(os.LookupEnv) }

// LoadFrom reads the configuration through lookup (os.LookupEnv in production, a map
// in tests).
func LoadFrom(lookup func(string) (string, bool)) (*Config, error) {
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	c := &Config{
		Env:               get("HOURSYNC_ENV", EnvDev),
		HTTPAddr:          get("HTTP_ADDR", "127.0.0.1:8080"),
		PublicURL:         strings.TrimRight(get("PUBLIC_URL", "http://127.0.0.1:8080"), "/"),
		DatabaseURL:       get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hoursync?sslmode=disable"),
		TemporalAddress:   get("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: get("TEMPORAL_NAMESPACE", "default"),
		TemporalTaskQueue: get("TEMPORAL_TASK_QUEUE", "hoursync"),
		TemporalUIURL:     strings.TrimRight(get("TEMPORAL_UI_URL", "http://127.0.0.1:8233"), "/"),
		QBOAPIBaseURL:     strings.TrimRight(get("QBO_API_BASE_URL", "http://127.0.0.1:8090"), "/"),
		SMTPURL:           get("SMTP_URL", ""),
		MailFrom:          get("MAIL_FROM", "Hoursync <no-reply@hoursync.local>"),
		MetricsAddr:       get("METRICS_ADDR", "127.0.0.1:9091"),
		LogLevel:          get("LOG_LEVEL", "info"),
	}
	if v, ok := lookup("METRICS_ADDR"); !ok || strings.TrimSpace(v) == "" {
		c.MetricsAddrDefault = true
	}
	switch c.Env {
	case EnvDev, EnvTest, EnvProd:
	default:
		return nil, &Error{"HOURSYNC_ENV", fmt.Sprintf("must be dev, test or production, not %q", c.Env)}
	}
	dev := c.Env == EnvDev
	secret := func(name, devValue string) (string, error) {
		v := get(name, "")
		if v != "" {
			return v, nil
		}
		if dev {
			return devValue, nil
		}
		return "", &Error{name, "must be set when HOURSYNC_ENV is not dev"}
	}

	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return nil, &Error{"HTTP_ADDR", fmt.Sprintf("must be host:port, not %q", c.HTTPAddr)}
	}
	for _, p := range strings.Split(get("TRUSTED_PROXIES", ""), ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return nil, &Error{"TRUSTED_PROXIES", fmt.Sprintf("%q is neither an IP address nor a CIDR like 10.0.0.0/8", p)}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		return nil, &Error{"METRICS_ADDR", fmt.Sprintf("must be host:port, not %q", c.MetricsAddr)}
	}
	if _, _, err := net.SplitHostPort(c.TemporalAddress); err != nil {
		return nil, &Error{"TEMPORAL_ADDRESS", fmt.Sprintf("must be host:port, not %q", c.TemporalAddress)}
	}
	for _, u := range []struct{ name, value string }{
		{"PUBLIC_URL", c.PublicURL}, {"TEMPORAL_UI_URL", c.TemporalUIURL}, {"QBO_API_BASE_URL", c.QBOAPIBaseURL},
	} {
		if err := checkHTTPURL(u.name, u.value); err != nil {
			return nil, err
		}
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return nil, err
	}

	intuitBase := c.QBOAPIBaseURL
	c.Intuit = IntuitConfig{
		AuthorizeURL: get("INTUIT_AUTHORIZE_URL", intuitBase+"/connect/oauth2"),
		TokenURL:     get("INTUIT_TOKEN_URL", intuitBase+"/oauth2/v1/tokens/bearer"),
		RevokeURL:    get("INTUIT_REVOKE_URL", intuitBase+"/v2/oauth2/tokens/revoke"),
		UserinfoURL:  get("INTUIT_USERINFO_URL", intuitBase+"/v1/openid_connect/userinfo"),
		JWKSURL:      get("INTUIT_JWKS_URL", intuitBase+"/op/v1/jwks"),
		Issuer:       get("INTUIT_ISSUER", intuitBase+"/op/v1"),
	}
	for _, u := range []struct{ name, value string }{
		{"INTUIT_AUTHORIZE_URL", c.Intuit.AuthorizeURL}, {"INTUIT_TOKEN_URL", c.Intuit.TokenURL},
		{"INTUIT_REVOKE_URL", c.Intuit.RevokeURL}, {"INTUIT_USERINFO_URL", c.Intuit.UserinfoURL},
		{"INTUIT_JWKS_URL", c.Intuit.JWKSURL}, {"INTUIT_ISSUER", c.Intuit.Issuer},
	} {
		if err := checkHTTPURL(u.name, u.value); err != nil {
			return nil, err
		}
	}
	var err error
	if c.Intuit.ClientID, err = secret("INTUIT_CLIENT_ID", devClientID); err != nil {
		return nil, err
	}
	if c.Intuit.ClientSecret, err = secret("INTUIT_CLIENT_SECRET", devClientSecret); err != nil {
		return nil, err
	}
	if c.WebhookVerifier, err = secret("QBO_WEBHOOK_VERIFIER", devWebhookVerifier); err != nil {
		return nil, err
	}
	keys, err := secret("TOKEN_ENCRYPTION_KEYS", devTokenKeys)
	if err != nil {
		return nil, err
	}
	if c.TokenKeys, err = ParseTokenKeys(keys); err != nil {
		return nil, &Error{"TOKEN_ENCRYPTION_KEYS", err.Error()}
	}
	if c.RateLimits, err = ParseRateLimits(get("QBO_RATE_LIMITS", "500/min,10,40/min")); err != nil {
		return nil, &Error{"QBO_RATE_LIMITS", err.Error()}
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			return nil, &Error{"SMTP_URL", "must look like smtp://user:pass@host:587 or smtps://host:465"}
		}
	}
	c.WorkerConcurrency, err = strconv.Atoi(get("WORKER_CONCURRENCY", "20"))
	if err != nil || c.WorkerConcurrency < 1 || c.WorkerConcurrency > 1000 {
		return nil, &Error{"WORKER_CONCURRENCY", "must be a whole number from 1 to 1000"}
	}
	c.QBOReadBudget, err = strconv.ParseInt(get("QBO_READ_BUDGET", "500000"), 10, 64)
	if err != nil || c.QBOReadBudget < 0 {
		return nil, &Error{"QBO_READ_BUDGET", "must be a whole number of reads a month (0 for none)"}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return nil, &Error{"LOG_LEVEL", "must be debug, info, warn or error"}
	}
	return c, nil
}

// Dev reports whether the process runs with development defaults allowed.
func (c *Config) Dev() bool { return c.Env == EnvDev }

func checkHTTPURL(name, value string) error {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{name, fmt.Sprintf("must be an http(s) URL, not %q", value)}
	}
	return nil
}

func checkDatabaseURL(value string) error {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return &Error{"DATABASE_URL", "must look like postgres://user@host:5432/dbname?sslmode=disable"}
	}
	return nil
}

// ParseTokenKeys parses "id:base64key,id2:base64key2"; every key must decode to 32 bytes.
func ParseTokenKeys(s string) ([]TokenKey, error) {
	var keys []TokenKey
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" || b64 == "" {
			return nil, errors.New("each key must be id:base64key")
		}
		if seen[id] {
			return nil, fmt.Errorf("key id %q appears twice", id)
		}
		seen[id] = true
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("key %q is not valid base64", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("key %q must be 32 bytes (AES-256), got %d", id, len(key))
		}
		keys = append(keys, TokenKey{ID: id, Key: key})
	}
	return keys, nil
}

// ParseRateLimits parses "500/min,10,40/min": requests per window, requests in flight,
// batch calls per window. A window is "min", "s", or any Go duration ("2s", "500ms"),
// so tests can shrink QBO's minute instead of waiting it out.
func ParseRateLimits(s string) (RateLimits, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return RateLimits{}, errors.New(`must be "requests/window,in-flight,batches/window", e.g. 500/min,10,40/min`)
	}
	var rl RateLimits
	var err error
	if rl.Requests, rl.RequestsWindow, err = parseRate(parts[0]); err != nil {
		return RateLimits{}, err
	}
	if rl.InFlight, err = strconv.Atoi(strings.TrimSpace(parts[1])); err != nil || rl.InFlight < 1 {
		return RateLimits{}, errors.New("in-flight limit must be a positive whole number")
	}
	if rl.Batches, rl.BatchesWindow, err = parseRate(parts[2]); err != nil {
		return RateLimits{}, err
	}
	return rl, nil
}

func parseRate(s string) (int, time.Duration, error) {
	n, w, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, fmt.Errorf("rate %q must be count/window", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 {
		return 0, 0, fmt.Errorf("rate %q: count must be a positive whole number", s)
	}
	var window time.Duration
	switch w {
	case "min", "m":
		window = time.Minute
	case "s", "sec":
		window = time.Second
	default:
		if window, err = time.ParseDuration(w); err != nil || window <= 0 {
			return 0, 0, fmt.Errorf("rate %q: window must be min, s or a duration like 2s", s)
		}
	}
	return count, window, nil
}

// Variables lists every environment variable Hoursync reads, for the README and the
// deployment files to be checked against.
func Variables() []string {
	return []string{
		"HOURSYNC_ENV", "HTTP_ADDR", "PUBLIC_URL", "TRUSTED_PROXIES", "DATABASE_URL",
		"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "TEMPORAL_UI_URL",
		"QBO_API_BASE_URL", "INTUIT_AUTHORIZE_URL", "INTUIT_TOKEN_URL", "INTUIT_REVOKE_URL",
		"INTUIT_USERINFO_URL", "INTUIT_JWKS_URL", "INTUIT_ISSUER", "INTUIT_CLIENT_ID", "INTUIT_CLIENT_SECRET",
		"TOKEN_ENCRYPTION_KEYS", "QBO_WEBHOOK_VERIFIER", "QBO_RATE_LIMITS", "SMTP_URL", "MAIL_FROM",
		"METRICS_ADDR", "LOG_LEVEL", "WORKER_CONCURRENCY", "QBO_READ_BUDGET",
	}
}
