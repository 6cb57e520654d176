// Package testutil gives tests the real things they run against: a fresh PostgreSQL
// database per test package, a Temporal client on a unique task queue of the dev server
// that `make test` starts, and an in-process QBO emulator.
//
// Integration fixtures skip a test only when CI is unset; with CI=true a missing
// database, server or binary fails the test instead.
package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver

	"hoursync/internal/store"
	"hoursync/migrations"
)

// AdminDatabaseURL is the server tests create their databases on.
func AdminDatabaseURL() string {
	if v := os.Getenv("HOURSYNC_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// InCI reports whether the tests run in CI, where missing infrastructure is a failure.
func InCI() bool { return os.Getenv("CI") != "" && os.Getenv("CI") != "false" }

// Unavailable skips the test outside CI and fails it in CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("required test infrastructure missing in CI: %s", msg)
	}
	t.Skipf("skipping (set CI=true to make this a failure): %s", msg)
}

var pkgDB struct {
	once sync.Once
	name string
	url  string
	err  error
}

// Main runs a test package and drops the database DB created for it. Call it from
// TestMain: `func TestMain(m *testing.M) { testutil.Main(m) }`.
func Main(m *testing.M) {
	code := m.Run()
	if pkgDB.name != "" {
		if err := dropDatabase(pkgDB.name); err != nil {
			fmt.Fprintf(os.Stderr, "testutil: drop %s: %v\n", pkgDB.name, err)
		}
	}
	os.Exit(code)
}

// DatabaseURL returns the URL of this package's fresh, migrated database, creating it
// on first use.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	pkgDB.once.Do(func() {
		pkgDB.name = "hoursync_test_" + RandomHex(6)
		if err := createDatabase(pkgDB.name); err != nil {
			pkgDB.err = err
			pkgDB.name = ""
			return
		}
		u, _ := url.Parse(AdminDatabaseURL())
		u.Path = "/" + pkgDB.name
		pkgDB.url = store.WithOneRoundTrip(u.String())
		db, err := sqlx.Open("postgres", pkgDB.url)
		if err != nil {
			pkgDB.err = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if pkgDB.err = migrations.Up(ctx, db.DB); pkgDB.err != nil {
			return
		}
		// Workflow ids derive from account ids, and every package's database starts its
		// ids at 1 while all packages share one Temporal server: start each database's
		// accounts at a random offset so ids never collide across packages or runs.
		offset := 1_000_000 + mrand.Int64N(1_000_000_000_000)
		_, pkgDB.err = db.ExecContext(ctx, `SELECT setval('accounts_id_seq', $1)`, offset)
	})
	if pkgDB.err != nil {
		Unavailable(t, "PostgreSQL at %s: %v", AdminDatabaseURL(), pkgDB.err)
	}
	return pkgDB.url
}

// DB opens a pool on this package's fresh database; the pool closes when the test ends.
// Tests share the database, so each should create its own accounts.
func DB(t testing.TB) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", DatabaseURL(t))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	// Idle connections are kept up to the cap, as store.Open does, so bursts of
	// concurrent requests reuse connections instead of dialling new ones.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	t.Cleanup(func() { db.Close() })
	return db
}

func adminExec(query string) error {
	db, err := sqlx.Open("postgres", AdminDatabaseURL())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, query)
	return err
}

func createDatabase(name string) error {
	return adminExec("CREATE DATABASE " + name)
}

func dropDatabase(name string) error {
	return adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
}

// RandomHex returns n random bytes as hex, for unique names in tests.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// UniqueName returns prefix plus a random suffix, lower-case and safe for identifiers.
func UniqueName(prefix string) string {
	return strings.ToLower(prefix) + "-" + RandomHex(4)
}
