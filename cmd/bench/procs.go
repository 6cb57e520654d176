package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
	"hoursync/migrations"
)

// The QBO-speed scenarios run every part of a sync as its own process, so each one's
// CPU can be read from /proc: the Temporal dev server, the QBO emulator, the worker
// (`hoursync worker`), PostgreSQL (shared with whatever else runs on the machine) and
// the harness itself (which only sets up, starts syncs and watches).

// proc is a process the harness started.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	// cleanup, when set, is how stop ends it (and what it leaves behind).
	cleanup func()
}

func startProc(name string, cmd *exec.Cmd) (*proc, error) {
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if os.Getenv("BENCH_VERBOSE") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop ends the process: SIGTERM, then SIGKILL after 10 s.
func (p *proc) stop() {
	if p.cleanup != nil {
		c := p.cleanup
		p.cleanup = nil
		c()
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// cpuSeconds is the CPU time (user + system) a process used so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// childrenCPUSeconds is the CPU time of a process's children that ended.
func childrenCPUSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 15 {
		return 0
	}
	cu, _ := strconv.ParseFloat(f[13], 64)
	cs, _ := strconv.ParseFloat(f[14], 64)
	return (cu + cs) / 100
}

// postgresCPU is the CPU time of every PostgreSQL process on the machine, with the
// backends that ended (their time is the postmaster's children's).
func postgresCPU() float64 {
	entries, _ := os.ReadDir("/proc")
	total := 0.0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			total += cpuSeconds(pid) + childrenCPUSeconds(pid)
		}
	}
	return total
}

// machineCPU is the machine's busy and total CPU time so far (from /proc/stat).
func machineCPU() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)[1:]
	for i, v := range f {
		x, _ := strconv.ParseFloat(v, 64)
		total += x
		if i != 3 && i != 4 { // idle, iowait
			busy += x
		}
	}
	return busy / 100, total / 100
}

func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// usage samples the CPU of the processes of a scenario between start and stop.
type usage struct {
	procs      []*proc
	start      []float64
	self, pg   float64
	backends   func() []int
	pgStart    map[int]float64
	busy, tot  float64
	began      time.Time
	loadBefore string
}

// measure starts sampling procs, and PostgreSQL's backends serving the run's database
// (backends lists their pids).
func measure(backends func() []int, procs ...*proc) *usage {
	u := &usage{procs: procs, began: time.Now(), loadBefore: loadAverage(), backends: backends, pgStart: map[int]float64{}}
	for _, p := range procs {
		u.start = append(u.start, cpuSeconds(p.pid()))
	}
	for _, pid := range backends() {
		u.pgStart[pid] = cpuSeconds(pid)
	}
	u.self, u.pg = cpuSeconds(os.Getpid()), postgresCPU()
	u.busy, u.tot = machineCPU()
	return u
}

// ourBackends is the CPU the run's database backends used since measure (a backend
// that ended meanwhile is missed; the pools keep theirs open).
func (u *usage) ourBackends() float64 {
	total := 0.0
	for _, pid := range u.backends() {
		total += cpuSeconds(pid) - u.pgStart[pid]
	}
	return total
}

// report says, in cores used on average, what each process took since measure.
func (u *usage) report() string {
	secs := time.Since(u.began).Seconds()
	var parts []string
	for i, p := range u.procs {
		parts = append(parts, fmt.Sprintf("%s %.2f", p.name, (cpuSeconds(p.pid())-u.start[i])/secs))
	}
	parts = append(parts, fmt.Sprintf("postgres %.2f for this run (%.2f all databases)", u.ourBackends()/secs, (postgresCPU()-u.pg)/secs),
		fmt.Sprintf("harness %.2f", (cpuSeconds(os.Getpid())-u.self)/secs))
	busy, tot := machineCPU()
	util := 0.0
	if tot > u.tot {
		util = (busy - u.busy) / (tot - u.tot)
	}
	return fmt.Sprintf("CPU in cores: %s; machine %.0f %% busy, load %s → %s", strings.Join(parts, ", "), 100*util, u.loadBefore, loadAverage())
}

// buildBinaries builds the worker and the emulator once for every scenario.
func buildBinaries(root string) (dir string, err error) {
	dir, err = os.MkdirTemp("", "hoursync-bench-bin-")
	if err != nil {
		return "", err
	}
	for _, pkg := range []string{"./cmd/hoursync", "./cmd/qbo-emulator"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, filepath.Base(pkg)), pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build %s: %w\n%s", pkg, err, out)
		}
	}
	return dir, nil
}

// benchDatabase creates and migrates a database of its own for the run.
func benchDatabase(ctx context.Context) (dbURL string, db *sqlx.DB, drop func(), err error) {
	name := "hoursync_bench_" + testutil.RandomHex(6)
	admin, err := sqlx.Open("postgres", testutil.AdminDatabaseURL())
	if err != nil {
		return "", nil, nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, nil, fmt.Errorf("create database: %w", err)
	}
	u, _ := url.Parse(testutil.AdminDatabaseURL())
	u.Path = "/" + name
	dbURL = u.String()
	drop = func() {
		a, err := sqlx.Open("postgres", testutil.AdminDatabaseURL())
		if err == nil {
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	}
	if db, err = store.Open(ctx, dbURL); err != nil {
		drop()
		return "", nil, nil, err
	}
	if err := migrations.Up(ctx, db.DB); err != nil {
		db.Close()
		drop()
		return "", nil, nil, err
	}
	return dbURL, db, drop, nil
}

// emulatorProc is a qbo-emulator process.
type emulatorProc struct {
	*proc
	url string
}

const benchClientID, benchClientSecret = "hoursync-bench", "hoursync-bench-secret"

func startEmulator(bin string, limits bool, timeScale float64, latency time.Duration) (*emulatorProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	on := "off"
	if limits {
		on = "on"
	}
	cmd := exec.Command(filepath.Join(bin, "qbo-emulator"), "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-limits", on,
		"-time-scale", strconv.FormatFloat(timeScale, 'f', -1, 64), "-latency", latency.String(),
		"-client-id", benchClientID, "-client-secret", benchClientSecret, "-log-level", "warn")
	p, err := startProc(fmt.Sprintf("emulator(limits %s, ×%g)", on, timeScale), cmd)
	if err != nil {
		return nil, err
	}
	e := &emulatorProc{proc: p, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(e.url + "/admin/counters"); err == nil {
			resp.Body.Close()
			return e, nil
		}
	}
	p.stop()
	return nil, fmt.Errorf("emulator did not start on %s", e.url)
}

// workerEnv is the environment of a `hoursync worker` against the emulator at emuURL.
func workerEnv(dbURL, temporalAddr, queue, emuURL, rateLimits string) []string {
	return append(os.Environ(),
		"HOURSYNC_ENV=test",
		"DATABASE_URL="+dbURL,
		"TEMPORAL_ADDRESS="+temporalAddr,
		"TEMPORAL_TASK_QUEUE="+queue,
		"QBO_API_BASE_URL="+emuURL,
		"INTUIT_AUTHORIZE_URL="+emuURL+"/connect/oauth2",
		"INTUIT_TOKEN_URL="+emuURL+"/oauth2/v1/tokens/bearer",
		"INTUIT_REVOKE_URL="+emuURL+"/v2/oauth2/tokens/revoke",
		"INTUIT_USERINFO_URL="+emuURL+"/v1/openid_connect/userinfo",
		"INTUIT_JWKS_URL="+emuURL+"/op/v1/jwks",
		"INTUIT_ISSUER="+emuURL+"/op/v1",
		"INTUIT_CLIENT_ID="+benchClientID,
		"INTUIT_CLIENT_SECRET="+benchClientSecret,
		"QBO_WEBHOOK_VERIFIER=bench-verifier",
		"TOKEN_ENCRYPTION_KEYS="+benchKeyEnv,
		"QBO_RATE_LIMITS="+rateLimits,
		"LOG_LEVEL=warn",
		"METRICS_ADDR=127.0.0.1:0",
		"WORKER_CONCURRENCY="+workerConcurrency(),
	)
}

func startWorker(bin string, env []string) (*proc, error) {
	cmd := exec.Command(filepath.Join(bin, "hoursync"), "worker")
	cmd.Env = env
	return startProc("worker", cmd)
}

// workerConcurrency is the worker's WORKER_CONCURRENCY: BENCH_WORKER_CONCURRENCY, or 200.
func workerConcurrency() string {
	if v := os.Getenv("BENCH_WORKER_CONCURRENCY"); v != "" {
		return v
	}
	return "200"
}
