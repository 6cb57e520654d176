package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkTimerStartStop is one start and one stop of the timer through the JSON API
// (two requests; the stop records a card), over real HTTP on Postgres, one at a time:
// docs/BENCHMARKS.md.
//
//	go test ./server -run '^$' -bench 'TimerStartStop' -benchtime 300x
func BenchmarkTimerStartStop(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	f := owner.fixtures()
	body := map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "notes": "bench"}
	b.ResetTimer()
	for range b.N {
		if status, raw, _ := owner.do("POST", "/api/v1/timer", body); status != http.StatusCreated {
			b.Fatalf("start: %d %s", status, raw)
		}
		if status, raw, _ := owner.do("POST", "/api/v1/timer/stop", nil); status != http.StatusCreated {
			b.Fatalf("stop: %d %s", status, raw)
		}
	}
}

// BenchmarkPageHeaderTimer is what the header's "timer running" link costs a page: the
// customers page with no timer and with one running (the lookup is one indexed query
// on every signed-in page either way), and the lookup alone.
//
//	go test ./server -run '^$' -bench 'PageHeaderTimer' -benchtime 500x
func BenchmarkPageHeaderTimer(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	f := owner.fixtures()
	get := func(b *testing.B, running bool) {
		resp, err := owner.http.Get(e.srv.URL + "/customers")
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Contains(string(raw), `id="timer-on"`) != running {
			b.Fatalf("customers: status %d, timer shown %v, want %v", resp.StatusCode, !running, running)
		}
	}
	b.Run("no timer", func(b *testing.B) {
		for range b.N {
			get(b, false)
		}
	})
	owner.call("POST", "/api/v1/timer", map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID}, http.StatusCreated, nil)
	b.Run("timer running", func(b *testing.B) {
		for range b.N {
			get(b, true)
		}
	})
	// The lookup itself, as every signed-in page makes it.
	b.Run("lookup alone", func(b *testing.B) {
		ctx := b.Context()
		for range b.N {
			if _, err := e.store.GetTimer(ctx, owner.me.Account.ID, owner.me.User.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
