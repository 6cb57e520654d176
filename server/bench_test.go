package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// BenchmarkCreateTimeCard is closed-loop time-card POSTs over real HTTP on Postgres,
// 50 concurrent clients per GOMAXPROCS (b.SetParallelism): the API half of the
// comparison with pgbench in docs/BENCHMARKS.md.
//
//	go test ./server -run '^$' -bench CreateTimeCard -benchtime 20s -cpu 1
func BenchmarkCreateTimeCard(b *testing.B) {
	e := newEnv(b)
	owner := e.signUp()
	f := owner.fixtures()
	body, _ := json.Marshal(map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-02", "minutes": 45, "notes": "benchmark"})
	cookies := owner.http.Jar.Cookies(mustURL(e.srv.URL))
	transport := &http.Transport{MaxIdleConnsPerHost: 200}
	hc := &http.Client{Transport: transport}
	b.SetParallelism(50)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/time-cards", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(headerCSRF, owner.csrf)
			for _, c := range cookies {
				req.AddCookie(c)
			}
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
