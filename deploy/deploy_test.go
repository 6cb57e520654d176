// Package deploy_test checks the operators' files in deploy/: the Prometheus alert
// rules parse (promtool), and every metric the rules and the Grafana dashboard use is
// one Hoursync's server or worker really exports (read from a scrape of each).
package deploy_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hoursync/internal/config"
	"hoursync/internal/meter"
	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/internal/testutil"
	"hoursync/server"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func TestAlertRulesParse(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		testutil.Unavailable(t, "promtool not installed (scripts/lib.sh install_promtool)")
	}
	out, err := exec.Command(promtool, "check", "rules", "prometheus/alerts.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

var metricName = regexp.MustCompile(`\bhoursync_[a-z_]+\b`)

// used lists the metric names the rules and the dashboard refer to.
func used(t *testing.T) map[string][]string {
	out := map[string][]string{}
	rules, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metricName.FindAllString(string(rules), -1) {
		out[m] = append(out[m], "alerts.yml")
	}
	raw, err := os.ReadFile("grafana/hoursync.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if len(dash.Panels) == 0 {
		t.Fatal("the dashboard has no panels")
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range metricName.FindAllString(tg.Expr, -1) {
				out[m] = append(out[m], "dashboard: "+p.Title)
			}
		}
	}
	return out
}

// scrape reads a /metrics page and returns the metric families' names on it.
func scrape(t *testing.T, url string) map[string]bool {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	names := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "# TYPE ") {
			names[strings.Fields(line)[2]] = true
		}
	}
	return names
}

func TestDashboardAndRulesUseOnlyMetricsThatExist(t *testing.T) {
	db := testutil.DB(t)
	st := store.New(db)
	// The server, as `hoursync server` builds it.
	cfg, err := config.LoadFrom(func(k string) (string, bool) {
		v, ok := map[string]string{"HOURSYNC_ENV": "dev", "DATABASE_URL": testutil.DatabaseURL(t)}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	stop, err := st.CacheCredentials(context.Background(), testutil.DatabaseURL(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	srv := httptest.NewServer(server.New(server.Deps{Config: cfg, Store: st, Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()
	// The worker's registry, as `hoursync worker` builds it, after one QBO call.
	wreg := prometheus.NewRegistry()
	if err := store.New(db).RegisterMetrics(wreg); err != nil {
		t.Fatal(err)
	}
	m := meter.New(db.DB, wreg, meter.Options{Budget: 500000})
	m.ObserveQBORequest("realm", qbo.KindRead, 200)
	wsrv := httptest.NewServer(promhttp.HandlerFor(wreg, promhttp.HandlerOpts{}))
	defer wsrv.Close()

	exported := scrape(t, srv.URL+"/metrics")
	for name := range scrape(t, wsrv.URL) {
		exported[name] = true
	}
	for name, where := range used(t) {
		// A counter's samples carry _total; its family is named with it too.
		if !exported[name] {
			t.Errorf("%s (used by %s) is exported by neither the server nor the worker", name, strings.Join(where, ", "))
		}
	}
}
