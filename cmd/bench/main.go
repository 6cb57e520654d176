// Command bench is Hoursync's benchmark harness. Each scenario measures a candidate and
// its baseline in the same run, on the same machine, and reports their ratio — never
// an absolute time to compare across machines.
//
//	go run ./cmd/bench                 # every scenario
//	go run ./cmd/bench -scenario api   # one: emulator, sync, api
//	go run ./cmd/bench -scenario qbo   # issue 17's four ratios and the 5-card latency
//
// Scenarios:
//   - emulator: the QBO emulator serving a simple read vs a bare net/http JSON handler
//     (goal ≥ 0.25).
//   - sync: a TimeCardSync of 30 cards through Temporal (ensure, fixed batch, links,
//     states, history) vs the same 30 TimeActivity creates in one direct batch call —
//     the cost of durability.
//   - qbo (p1, p2, p4, p5, latency): syncs and imports against the emulator with QBO's
//     150 ms a request, as separate processes (Temporal, emulator, worker), each against
//     QBO's bound or a plain loop making the same QBO calls (speed.go).
//   - api: closed-loop time-card POSTs at 50 concurrent clients vs pgbench -c 50 -j 2
//     inserting a time-card-shaped row (goal ≥ 0.5); then POSTs at a fixed arrival
//     rate of half the API's measured throughput, with their p50 and p99 latency
//     (goal p99 < 20 ms).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	scenario := flag.String("scenario", "all", "emulator, sync, api, qbo (p1, p2, p4, p5 and latency), one of those, or all")
	seconds := flag.Int("seconds", 10, "duration of the api scenario's two halves")
	scale := flag.Float64("time-scale", 2, "divide the emulator's throttle windows by this in p1 and p5 (the worker's limiter follows)")
	p1Cards := flag.Int("p1-cards", 10000, "cards p1 syncs to one realm")
	p5Cards := flag.Int("p5-cards", 1500, "cards p5 syncs to each realm")
	p5Realms := flag.Int("p5-realms", 10, "realms p5 syncs to at once")
	flag.Parse()
	root, err := repoRoot()
	if err != nil {
		fatal(err)
	}
	var rows []string
	run := func(name string, fn func() (string, error)) {
		if *scenario != "all" && *scenario != name {
			return
		}
		fmt.Fprintf(os.Stderr, "==> %s\n", name)
		row, err := fn()
		if err != nil {
			fatal(fmt.Errorf("%s: %w", name, err))
		}
		rows = append(rows, row)
	}
	run("emulator", func() (string, error) { return emulator(root) })
	run("sync", func() (string, error) { return syncScenario(root) })
	run("api", func() (string, error) { return api(root, *seconds) })
	if qboSpeed := []string{"qbo", "p1", "p2", "p4", "p5", "latency"}; *scenario == "all" || slices.Contains(qboSpeed, *scenario) {
		which := *scenario
		if which == "all" {
			which = "qbo"
		}
		fmt.Fprintf(os.Stderr, "==> qbo speed: %s\n", which)
		out, err := speed(root, which, *scale, *p1Cards, *p5Realms, *p5Cards)
		if err != nil {
			fatal(fmt.Errorf("qbo speed: %w", err))
		}
		rows = append(rows, out...)
	}
	fmt.Println("| scenario | candidate | baseline | ratio |")
	fmt.Println("|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)
var benchMetric = regexp.MustCompile(`([\d.]+) (\S+)`)

// goBench runs `go test -bench` and returns each benchmark's metrics by unit ("ns/op",
// and whatever b.ReportMetric added).
func goBench(root string, env []string, pkg, pattern, benchtime string) (map[string]map[string]float64, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime, "-count", "1", pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench %s %s: %w\n%s", pattern, pkg, err, out.String())
	}
	res := map[string]map[string]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		metrics := map[string]float64{}
		for _, mm := range benchMetric.FindAllStringSubmatch(m[3], -1) {
			v, _ := strconv.ParseFloat(mm[1], 64)
			metrics[mm[2]] = v
		}
		res[m[1]] = metrics
	}
	return res, nil
}

func emulator(root string) (string, error) {
	r, err := goBench(root, nil, "./internal/qboemu/", "EmulatorRead|BareJSONHandler", "2s")
	if err != nil {
		return "", err
	}
	emu, bare := r["BenchmarkEmulatorRead"]["ns/op"], r["BenchmarkBareJSONHandler"]["ns/op"]
	if emu == 0 || bare == 0 {
		return "", fmt.Errorf("missing results: %v", r)
	}
	return fmt.Sprintf("| emulator simple read (goal ≥ 0.25) | %.0f reads/s | %.0f reads/s (bare net/http) | %.2f |",
		1e9/emu, 1e9/bare, bare/emu), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// temporalDevServer starts bin/temporal (installed by `make tools`) on a free port,
// its SQLite in a file as `make dev` runs it (every history write synced to disk) or,
// with inMemory, in memory.
func temporalDevServer(root string, inMemory bool) (addr string, server *proc, err error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "hoursync-bench-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(root, "bin", "temporal")
	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--headless",
		"--log-level", "error",
		"--search-attribute", "HoursyncAccount=Keyword", "--search-attribute", "QBORealm=Keyword", "--search-attribute", "SyncKind=Keyword", "--search-attribute", "SyncFailed=Int"}
	if !inMemory {
		args = append(args, "--db-filename", filepath.Join(dir, "temporal.db"))
	}
	p, err := startProc("temporal", exec.Command(bin, args...))
	if err != nil {
		return "", nil, fmt.Errorf("start %s (run `make tools`): %w", bin, err)
	}
	stop := func() { p.stop(); os.RemoveAll(dir) }
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for ctx.Err() == nil {
		if exec.Command(bin, "operator", "cluster", "health", "--address", addr).Run() == nil {
			return addr, &proc{name: p.name, cmd: p.cmd, done: p.done, cleanup: stop}, nil
		}
		time.Sleep(300 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("temporal dev server did not start on %s", addr)
}

func syncScenario(root string) (string, error) {
	addr, server, err := temporalDevServer(root, false)
	if err != nil {
		return "", err
	}
	defer server.stop()
	r, err := goBench(root, []string{"HOURSYNC_TEST_TEMPORAL_ADDRESS=" + addr}, "./e2e/", "Sync30CardsThroughTemporal|DirectBatch30TimeActivities", "20x")
	if err != nil {
		return "", err
	}
	wf, direct := r["BenchmarkSync30CardsThroughTemporal"]["ns/op"], r["BenchmarkDirectBatch30TimeActivities"]["ns/op"]
	if wf == 0 || direct == 0 {
		return "", fmt.Errorf("missing results: %v", r)
	}
	return fmt.Sprintf("| 30 time cards into QBO | %.0f cards/s (TimeCardSync through Temporal) | %.0f cards/s (one direct batch call) | %.3f |",
		30e9/wf, 30e9/direct, direct/wf), nil
}

var tpsLine = regexp.MustCompile(`tps = ([\d.]+)`)

func api(root string, seconds int) (string, error) {
	r, err := goBench(root, nil, "./server/", "CreateTimeCard$|CreateTimeCardWithAPIToken", fmt.Sprintf("%ds", seconds))
	if err != nil {
		return "", err
	}
	post, script := r["BenchmarkCreateTimeCard"]["ns/op"], r["BenchmarkCreateTimeCardWithAPIToken"]["ns/op"]
	if post == 0 || script == 0 {
		return "", fmt.Errorf("missing results: %v", r)
	}
	tps, err := pgbenchInsert(seconds)
	if err != nil {
		return "", err
	}
	r, err = goBench(root, nil, "./server/", "TimeCardLatencyAtHalfThroughput", "1x")
	if err != nil {
		return "", err
	}
	lat := r["BenchmarkTimeCardLatencyAtHalfThroughput"]
	if lat["p99-ms"] == 0 {
		return "", fmt.Errorf("missing latency results: %v", r)
	}
	return fmt.Sprintf("| time-card POSTs, 50 clients (goal ≥ 0.5) | %.0f req/s | %.0f tx/s (pgbench -c 50 -j 2 INSERT) | %.2f |\n"+
		"| the same from a script: one API token, 50 clients | %.0f req/s | %.0f tx/s, the same pgbench run | %.2f |\n"+
		"| time-card POST latency, 20 s open loop at half the API's throughput (goal p99 < 20 ms) | p99 %.1f ms (p50 %.1f, p99.9 %.1f, max %.1f) at %.0f req/s | %.0f req/s closed loop, same run | — |",
		1e9/post, tps, (1e9/post)/tps, 1e9/script, tps, (1e9/script)/tps, lat["p99-ms"], lat["p50-ms"], lat["p99.9-ms"], lat["max-ms"], lat["offered-req/s"], lat["closed-loop-req/s"]), nil
}

// pgbenchInsert measures PostgreSQL alone: 50 clients inserting a time-card-shaped row.
func pgbenchInsert(seconds int) (float64, error) {
	db := "hoursync_bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	psql := func(args ...string) error {
		cmd := exec.Command("psql", append([]string{"-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"}, args...)...)
		cmd.Stderr = os.Stderr
		return cmd.Run()
	}
	if err := psql("-d", "postgres", "-c", "CREATE DATABASE "+db); err != nil {
		return 0, err
	}
	defer psql("-d", "postgres", "-c", "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
	schema := `CREATE TABLE time_cards (id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL, user_id BIGINT NOT NULL,
		customer_id BIGINT NOT NULL, service_id BIGINT NOT NULL, work_date DATE NOT NULL, minutes INT NOT NULL,
		billable BOOLEAN NOT NULL, rate_cents BIGINT NOT NULL, notes TEXT NOT NULL, version BIGINT NOT NULL DEFAULT 1,
		created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now());
		CREATE INDEX ON time_cards (account_id, work_date, user_id);`
	if err := psql("-d", db, "-c", schema); err != nil {
		return 0, err
	}
	script, err := os.CreateTemp("", "insert-*.sql")
	if err != nil {
		return 0, err
	}
	defer os.Remove(script.Name())
	fmt.Fprintln(script, `INSERT INTO time_cards (account_id, user_id, customer_id, service_id, work_date, minutes, billable, rate_cents, notes) VALUES (1, 1, 1, 1, '2026-03-02', 45, true, 12000, 'benchmark');`)
	script.Close()
	cmd := exec.Command("pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-c", "50", "-j", "2", "-T", strconv.Itoa(seconds), "-f", script.Name(), db)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
