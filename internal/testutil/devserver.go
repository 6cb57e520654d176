package testutil

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
)

// DevServer is a Temporal dev server of the test's own, which the test may kill and
// start again (on the same port, with the same database) to play an outage. It needs
// the CLI `make test` installs (HOURSYNC_TEST_TEMPORAL_CLI).
type DevServer struct {
	t      testing.TB
	cli    string
	dbFile string
	port   int
	Addr   string
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartDevServer starts a dev server of the test's own, stopped at the test's end.
func StartDevServer(t testing.TB) *DevServer {
	t.Helper()
	cli := os.Getenv("HOURSYNC_TEST_TEMPORAL_CLI")
	if cli == "" {
		Unavailable(t, "no Temporal CLI to start a dev server of the test's own: run through `make test`, or set HOURSYNC_TEST_TEMPORAL_CLI")
	}
	port := FreePort(t)
	d := &DevServer{t: t, cli: cli, dbFile: filepath.Join(t.TempDir(), "temporal.db"), port: port, Addr: "127.0.0.1:" + strconv.Itoa(port)}
	d.Start()
	t.Cleanup(d.Kill)
	return d
}

// FreePort returns a TCP port free on 127.0.0.1 right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start starts the server (again) and waits until it answers.
func (d *DevServer) Start() {
	d.t.Helper()
	cmd := exec.Command(d.cli, "server", "start-dev", "--ip", "127.0.0.1", "--port", strconv.Itoa(d.port), "--headless",
		"--http-port", strconv.Itoa(FreePort(d.t)), "--metrics-port", strconv.Itoa(FreePort(d.t)),
		"--db-filename", d.dbFile, "--log-level", "error",
		"--search-attribute", "HoursyncAccount=Keyword", "--search-attribute", "QBORealm=Keyword",
		"--search-attribute", "SyncKind=Keyword", "--search-attribute", "SyncFailed=Int")
	if err := cmd.Start(); err != nil {
		d.t.Fatalf("start Temporal dev server: %v", err)
	}
	d.cmd, d.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { _ = cmd.Wait(); close(exited) }(d.exited)
	c, err := client.NewLazyClient(client.Options{HostPort: d.Addr})
	if err != nil {
		d.t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		cancel()
		if err == nil {
			return
		}
		select {
		case <-d.exited:
			d.t.Fatalf("Temporal dev server on %s exited at start", d.Addr)
		default:
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("Temporal dev server on %s not healthy after a minute: %v", d.Addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Kill SIGKILLs the server, as a crashed machine would stop it.
func (d *DevServer) Kill() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
	d.cmd = nil
}

// Dial connects a client to the server; it outlives restarts.
func (d *DevServer) Dial() client.Client {
	d.t.Helper()
	c, err := client.Dial(client.Options{HostPort: d.Addr})
	if err != nil {
		d.t.Fatal(fmt.Errorf("dial %s: %w", d.Addr, err))
	}
	d.t.Cleanup(c.Close)
	return c
}
