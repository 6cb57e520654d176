package config_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"hoursync/internal/config"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestDefaultsServeLocalDevelopment(t *testing.T) {
	c, err := config.LoadFrom(lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.QBOAPIBaseURL != "http://127.0.0.1:8090" || c.TemporalTaskQueue != "hoursync" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Intuit.TokenURL != "http://127.0.0.1:8090/oauth2/v1/tokens/bearer" || c.Intuit.ClientID != "hoursync-dev" {
		t.Fatalf("intuit defaults: %+v", c.Intuit)
	}
	if len(c.TokenKeys) != 1 || len(c.TokenKeys[0].Key) != 32 {
		t.Fatalf("dev token key: %+v", c.TokenKeys)
	}
	want := config.RateLimits{Requests: 500, RequestsWindow: time.Minute, InFlight: 10, Batches: 40, BatchesWindow: time.Minute}
	if c.RateLimits != want {
		t.Fatalf("rate limits %+v", c.RateLimits)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	prod := map[string]string{"HOURSYNC_ENV": "production", "INTUIT_CLIENT_ID": "id", "INTUIT_CLIENT_SECRET": "s",
		"QBO_WEBHOOK_VERIFIER": "v", "TOKEN_ENCRYPTION_KEYS": "k1:aG91cnN5bmMtZGV2LWtleS0zMi1ieXRlcy1sb25nISE="}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		if v == "<unset>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"malformed database url", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"database url without name", map[string]string{"DATABASE_URL": "postgres://localhost:5432"}, "DATABASE_URL"},
		{"short key", map[string]string{"TOKEN_ENCRYPTION_KEYS": "k1:c2hvcnQ="}, "TOKEN_ENCRYPTION_KEYS"},
		{"key without id", map[string]string{"TOKEN_ENCRYPTION_KEYS": "aG91cnN5bmM="}, "TOKEN_ENCRYPTION_KEYS"},
		{"missing secret outside dev", with(prod, "INTUIT_CLIENT_SECRET", "<unset>"), "INTUIT_CLIENT_SECRET"},
		{"missing key outside dev", with(prod, "TOKEN_ENCRYPTION_KEYS", "<unset>"), "TOKEN_ENCRYPTION_KEYS"},
		{"missing verifier outside dev", with(prod, "QBO_WEBHOOK_VERIFIER", "<unset>"), "QBO_WEBHOOK_VERIFIER"},
		{"unknown env", map[string]string{"HOURSYNC_ENV": "staging"}, "HOURSYNC_ENV"},
		{"bad addr", map[string]string{"HTTP_ADDR": "8080"}, "HTTP_ADDR"},
		{"bad proxy", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"}, "TRUSTED_PROXIES"},
		{"bad url", map[string]string{"QBO_API_BASE_URL": "ftp://x"}, "QBO_API_BASE_URL"},
		{"bad limits", map[string]string{"QBO_RATE_LIMITS": "500/min"}, "QBO_RATE_LIMITS"},
		{"bad smtp", map[string]string{"SMTP_URL": "mail.example.com"}, "SMTP_URL"},
		{"bad concurrency", map[string]string{"WORKER_CONCURRENCY": "0"}, "WORKER_CONCURRENCY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.LoadFrom(lookup(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line naming %s", err, tc.want)
			}
		})
	}
	if _, err := config.LoadFrom(lookup(prod)); err != nil {
		t.Fatalf("complete production config refused: %v", err)
	}
}

func TestShrunkRateWindowsParse(t *testing.T) {
	rl, err := config.ParseRateLimits("50/2s,3,4/500ms")
	if err != nil || rl.Requests != 50 || rl.RequestsWindow != 2*time.Second || rl.InFlight != 3 || rl.BatchesWindow != 500*time.Millisecond {
		t.Fatalf("got %+v, %v", rl, err)
	}
}

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestBadConfigurationExitsWithOneLine runs the real binary with a broken variable.
func TestBadConfigurationExitsWithOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "hoursync")
	build := exec.Command("go", "build", "-o", bin, "./cmd/hoursync")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "migrate")
	cmd.Env = append(os.Environ(), "DATABASE_URL=not a url")
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() == 0 {
		t.Fatalf("want non-zero exit, got %v", err)
	}
	text := strings.TrimSpace(string(out))
	if strings.Count(text, "\n") != 0 || !strings.Contains(text, "DATABASE_URL") || strings.Contains(text, "panic") {
		t.Fatalf("want one line naming DATABASE_URL, got:\n%s", text)
	}
}

type compose struct {
	Services map[string]struct {
		Ports       []string       `yaml:"ports"`
		Environment map[string]any `yaml:"environment"`
		Command     []string       `yaml:"command"`
	} `yaml:"services"`
}

// TestComposeMatchesConfig checks docker-compose.yml without a Docker engine: the
// services exist, expose their ports, and only set variables the config package reads.
func TestComposeMatchesConfig(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.UnmarshalWithOptions(raw, &c, yaml.AllowDuplicateMapKey()); err != nil {
		t.Fatalf("parse compose: %v", err)
	}
	known := map[string]bool{}
	for _, v := range config.Variables() {
		known[v] = true
	}
	wantPorts := map[string]string{"postgres": "", "temporal": "7233:7233", "temporal-ui": "8233:8080",
		"server": "8080:8080", "qbo-emulator": "8090:8090",
		// Two workers run: each publishes its 9091 on a free host port, never a fixed one.
		"worker": "9091"}
	for name, port := range wantPorts {
		svc, ok := c.Services[name]
		if !ok {
			t.Errorf("service %s missing", name)
			continue
		}
		if port != "" && (len(svc.Ports) == 0 || svc.Ports[0] != port) {
			t.Errorf("service %s ports %v, want %s", name, svc.Ports, port)
		}
	}
	for _, name := range []string{"server", "worker", "migrate"} {
		env := c.Services[name].Environment
		if len(env) == 0 {
			t.Errorf("service %s has no environment", name)
		}
		for k := range env {
			if k != "<<" && !known[k] {
				t.Errorf("service %s sets %s, which the config package does not read", name, k)
			}
		}
		for _, must := range []string{"DATABASE_URL", "TEMPORAL_ADDRESS", "TOKEN_ENCRYPTION_KEYS", "INTUIT_CLIENT_SECRET"} {
			if _, ok := env[must]; !ok {
				t.Errorf("service %s lacks %s", name, must)
			}
		}
	}
	if c.Services["server"].Command[0] != "server" || c.Services["worker"].Command[0] != "worker" {
		t.Errorf("server/worker commands wrong")
	}
}

func TestReadmeDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Variables() {
		if !strings.Contains(string(readme), "`"+v+"`") {
			t.Errorf("README.md does not document %s", v)
		}
	}
}
