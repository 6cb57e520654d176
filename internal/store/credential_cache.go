package store

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Every signed-in request starts by finding its credential (a session cookie or an API
// token) and its user. CacheCredentials keeps what it found in memory, so most requests
// skip that round trip, and stays exact:
//
//   - Triggers announce every change to a session, an API token or a user on the
//     channel hoursync_auth once it commits (migrations 00005 and 00006); each process
//     LISTENs and drops the entries concerned, so signing out, a revoked token, a
//     password reset, a role change or a removed member takes effect in every process
//     within the notification's delay (well under a millisecond on one host).
//   - Changes made through this Store drop their entries at once, before the call
//     returns, so a process sees its own writes immediately.
//   - While the listening connection is down nothing is served from memory, and when
//     it comes back everything is dropped: notifications sent meanwhile are lost.
//   - A lookup that started before an invalidation never stores what it read (a
//     generation counter), so an old read cannot outlive the change it raced with.
//   - Entries live at most credentialCacheTTL, and sessions still expire on time.
//
// Entries are keyed like the notifications: "s:<session id>" and "t:<token hash>".
const (
	authChannel          = "hoursync_auth"
	credentialCacheTTL   = time.Minute
	credentialCacheLimit = 100_000
	listenerPing         = 30 * time.Second
	// listenerAppName names the listening connection in pg_stat_activity.
	listenerAppName = "hoursync credential cache"
)

type credentialCache struct {
	mu      sync.RWMutex
	on      bool // CacheCredentials was called
	live    bool // the listener is connected and listening
	gen     uint64
	entries map[string]cachedCredential
}

// cachedCredential is a session or a token, with its user.
type cachedCredential struct {
	sess   Session
	token  APIToken
	user   User
	loaded time.Time
}

func sessionKey(idHash string) string  { return "s:" + idHash }
func tokenKey(tokenHash string) string { return "t:" + tokenHash }

// CacheCredentials starts caching GetSessionUser and UseAPIToken, invalidated by
// notifications on a dedicated connection to databaseURL. It returns once the listener
// listens; stop closes it. Without it, every lookup reads the database.
func (s *Store) CacheCredentials(ctx context.Context, databaseURL string, log *slog.Logger) (stop func(), err error) {
	c := &s.credentials
	c.mu.Lock()
	on := c.on
	c.on = true // claimed at once, so two starts cannot both pass
	c.mu.Unlock()
	if on {
		return nil, fmt.Errorf("store: credentials are cached already")
	}
	release := func() {
		c.mu.Lock()
		c.on = false
		c.mu.Unlock()
	}
	l := pq.NewListener(withURLDefault(databaseURL, "application_name", listenerAppName), 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventReconnected:
			log.Info("credential cache: listener reconnected; cache emptied")
			c.reset(true)
		case pq.ListenerEventDisconnected:
			log.Warn("credential cache: listener disconnected; reading credentials from the database until it is back", "err", err)
			c.reset(false)
		case pq.ListenerEventConnectionAttemptFailed:
			log.Warn("credential cache: listener cannot connect", "err", err)
		}
	})
	listened := make(chan error, 1)
	go func() { listened <- l.Listen(authChannel) }()
	select {
	case err := <-listened:
		if err != nil {
			l.Close()
			release()
			return nil, fmt.Errorf("store: listen for credential changes: %w", err)
		}
	case <-ctx.Done():
		l.Close()
		release()
		return nil, fmt.Errorf("store: listen for credential changes: %w", ctx.Err())
	}
	c.reset(true)

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ping := time.NewTicker(listenerPing)
		defer ping.Stop()
		for {
			select {
			case <-done:
				return
			case n := <-l.Notify:
				if n == nil { // after a reconnect, which ListenerEventReconnected handled
					c.purge()
					continue
				}
				c.forget(n.Extra)
			case <-ping.C:
				// A ping on a dead connection fails it, so the listener notices and
				// reconnects (and the events above stop the cache meanwhile).
				go func() { _ = l.Ping() }()
			}
		}
	}()
	return func() {
		c.mu.Lock()
		c.on, c.live, c.entries = false, false, nil
		c.gen++
		c.mu.Unlock()
		close(done)
		wg.Wait()
		l.Close()
	}, nil
}

// reset empties the cache and says whether it may serve entries.
func (c *credentialCache) reset(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live && c.on
	c.entries = map[string]cachedCredential{}
	c.gen++
}

// purge empties the cache.
func (c *credentialCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]cachedCredential{}
	c.gen++
}

// forget drops what a notification names: "s:<session id>", "t:<token hash>" or
// "u:<user id>".
func (c *credentialCache) forget(what string) {
	kind, key, _ := strings.Cut(what, ":")
	switch kind {
	case "s", "t":
		c.forgetKey(what)
	case "u":
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			c.purge()
			return
		}
		c.forgetUser(id)
	default:
		c.purge()
	}
}

func (c *credentialCache) forgetKey(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, key)
}

func (c *credentialCache) forgetUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.user.ID == userID {
			delete(c.entries, k)
		}
	}
}

// get returns a fresh entry, or the generation to pass to put after reading the
// database.
func (c *credentialCache) get(key string, now time.Time) (cachedCredential, uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.live {
		return cachedCredential{}, c.gen, false
	}
	e, ok := c.entries[key]
	if !ok || now.Sub(e.loaded) > credentialCacheTTL || (e.sess.ID != "" && !now.Before(e.sess.ExpiresAt)) {
		return cachedCredential{}, c.gen, false
	}
	return e, c.gen, true
}

// put stores what was read, unless anything was invalidated since get.
func (c *credentialCache) put(key string, gen uint64, e cachedCredential) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.gen != gen {
		return
	}
	if len(c.entries) >= credentialCacheLimit {
		c.entries = map[string]cachedCredential{}
	}
	c.entries[key] = e
}
