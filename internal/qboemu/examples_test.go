package qboemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// example is one request/response pair in testdata/examples. Expected
// bodies are subsets: every key given must match, "*" matches any value.
type example struct {
	Description string `json:"description"`
	Request     struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
		RawBody string            `json:"rawBody"`
	} `json:"request"`
	Response struct {
		Status          int               `json:"status"`
		Headers         map[string]string `json:"headers"`
		Body            any               `json:"body"`
		RawBodyContains []string          `json:"rawBodyContains"`
	} `json:"response"`
}

// TestExamplePairs replays testdata/examples in order against one fresh
// company and checks each documented answer.
func TestExamplePairs(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	files, err := filepath.Glob("testdata/examples/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ex example
		if err := json.Unmarshal(data, &ex); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var body io.Reader
		switch {
		case ex.Request.RawBody != "":
			body = strings.NewReader(ex.Request.RawBody)
		case len(ex.Request.Body) > 0:
			body = bytes.NewReader(ex.Request.Body)
		}
		req, err := http.NewRequest(ex.Request.Method, h.srv.URL+strings.ReplaceAll(ex.Request.Path, "{realm}", h.realm), body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		for k, v := range ex.Request.Headers {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		name := filepath.Base(file)
		if resp.StatusCode != ex.Response.Status {
			t.Errorf("%s: status %d, want %d: %s", name, resp.StatusCode, ex.Response.Status, raw)
			continue
		}
		for k, want := range ex.Response.Headers {
			if got := resp.Header.Get(k); got == "" || (want != "*" && got != want) {
				t.Errorf("%s: header %s = %q, want %q", name, k, got, want)
			}
		}
		for _, s := range ex.Response.RawBodyContains {
			if !bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s: body lacks %s:\n%s", name, s, raw)
			}
		}
		if ex.Response.Body != nil {
			var got any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Errorf("%s: %v: %s", name, err, raw)
				continue
			}
			if err := matchSubset("", ex.Response.Body, got); err != nil {
				t.Errorf("%s: %v\n%s", name, err, raw)
			}
		}
	}
}

func matchSubset(path string, want, got any) error {
	if want == "*" {
		if got == nil || got == "" {
			return fmt.Errorf("%s: want a value, got %v", path, got)
		}
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", path, got)
		}
		if len(w) == 0 && len(g) != 0 {
			return fmt.Errorf("%s: want {}, got %v", path, g)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s: missing", path, k)
			}
			if err := matchSubset(path+"."+k, wv, gv); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %d items, got %v", path, len(w), got)
		}
		for i := range w {
			if err := matchSubset(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("%s: want %v, got %v", path, want, got)
	}
	return nil
}
