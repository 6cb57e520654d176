package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSeedDemoPrintsRealmsIdempotentlyAndShutsDownOnCancel(t *testing.T) {
	state := filepath.Join(t.TempDir(), "emu.json")
	runOnce := func() string {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		errc := make(chan error, 1)
		go func() {
			errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-state", state, "-seed-demo", "-limits", "off"}, out, io.Discard)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(out.String(), "\n") < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-errc; err != nil {
			t.Fatalf("run: %v", err)
		}
		return out.String()
	}
	first := runOnce()
	if !strings.Contains(first, "Demo Design Co.") || !strings.Contains(first, "Simple Start Studio") {
		t.Fatalf("output: %q", first)
	}
	if second := runOnce(); second != first {
		t.Fatalf("seeding is not idempotent:\n%s\n%s", first, second)
	}
}

func TestBadFlagsAreRejected(t *testing.T) {
	for _, args := range [][]string{
		{"-limits", "maybe"},
		{"-webhook-format", "xml"},
		{"-time-scale", "0"},
		{"-latency", "-1ms"},
		{"-latency", "soon"},
		{"-nope"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

func TestLatencyFlag(t *testing.T) {
	c, err := parseFlags([]string{"-latency", "150ms"}, io.Discard)
	if err != nil || c.latency != 150*time.Millisecond {
		t.Fatalf("-latency 150ms: %v %v", c.latency, err)
	}
	if c, _ := parseFlags(nil, io.Discard); c.latency != 0 {
		t.Fatalf("default latency: %v", c.latency)
	}
}
