package qboemu

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeClientDir returns a directory holding node_modules/node-quickbooks at
// the version pinned in testdata/nodeclient, installing it with `npm ci`
// into the user cache on first use. No Go QBO client is served by the Go
// module proxy here, so the public client is node-quickbooks, the most used
// QBO client on npm.
func nodeClientDir(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed: skipping the public-client check")
	}
	src, err := filepath.Abs("testdata/nodeclient")
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("QBOEMU_NODECLIENT_DIR"); dir != "" {
		return dir
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	lock, err := os.ReadFile(filepath.Join(src, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "hoursync-qboemu-nodeclient")
	if cached, err := os.ReadFile(filepath.Join(dir, "package-lock.json")); err == nil && string(cached) == string(lock) {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "node-quickbooks", "index.js")); err == nil {
			return dir
		}
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm not installed: cannot install node-quickbooks")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"package.json", "package-lock.json"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("npm ci node-quickbooks failed (registry unreachable?): %v\n%s", err, out)
	}
	return dir
}

// TestPublicQBOClientLibraryWorksUnchanged runs node-quickbooks 2.0.50
// against the emulator: create, read, sparse update, its own query syntax
// (lower-case keywords, \' escapes, startposition/maxresults appended,
// count), batch, delete, CDC, a payment (applied, voided, deleted), the
// invoice PDF and send, and a fault, then refreshes its token and
// revokes the grant, with only the client's endpoint URLs pointed at the
// emulator.
func TestPublicQBOClientLibraryWorksUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := nodeClientDir(t)
	h := newHarness(t, PlanEssentials)
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/tokens", map[string]any{}, http.StatusOK, &tok)
	script, err := filepath.Abs("testdata/nodeclient/check.js")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+filepath.Join(dir, "node_modules"),
		"QBO_BASE="+h.srv.URL, "QBO_REALM="+h.realm, "QBO_TOKEN="+tok.AccessToken, "QBO_REFRESH="+tok.RefreshToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node-quickbooks against the emulator: %v\n%s", err, out)
	}
	var res struct {
		OK   bool     `json:"ok"`
		Done []string `json:"done"`
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || !res.OK {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("node-quickbooks did: %v", res.Done)
}
