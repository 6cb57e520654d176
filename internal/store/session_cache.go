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

// Every signed-in request starts by finding its session and user. CacheSessions keeps
// what it found in memory, so most requests skip that round trip, and stays exact:
//
//   - A trigger announces every change to a session or a user on the channel
//     hoursync_auth once it commits (migration 00005); each process LISTENs and drops
//     the entries concerned, so signing out, a password reset, a role change or a
//     removed member takes effect in every process within the notification's delay
//     (well under a millisecond on one host).
//   - Changes made through this Store drop their entries at once, before the call
//     returns, so a process sees its own writes immediately.
//   - While the listening connection is down nothing is served from memory, and when
//     it comes back everything is dropped: notifications sent meanwhile are lost.
//   - A lookup that started before an invalidation never stores what it read (a
//     generation counter), so an old read cannot outlive the change it raced with.
//   - Entries live at most sessionCacheTTL, and sessions still expire on time.
const (
	authChannel       = "hoursync_auth"
	sessionCacheTTL   = time.Minute
	sessionCacheLimit = 100_000
	listenerPing      = 30 * time.Second
	// listenerAppName names the listening connection in pg_stat_activity.
	listenerAppName = "hoursync session cache"
)

type sessionCache struct {
	mu      sync.RWMutex
	on      bool // CacheSessions was called
	live    bool // the listener is connected and listening
	gen     uint64
	entries map[string]cachedSession
}

type cachedSession struct {
	sess   Session
	user   User
	loaded time.Time
}

// CacheSessions starts caching GetSessionUser, invalidated by notifications on a
// dedicated connection to databaseURL. It returns once the listener listens; stop
// closes it. Without it, every GetSessionUser reads the database.
func (s *Store) CacheSessions(ctx context.Context, databaseURL string, log *slog.Logger) (stop func(), err error) {
	c := &s.sessions
	c.mu.RLock()
	on := c.on
	c.mu.RUnlock()
	if on {
		return nil, fmt.Errorf("store: sessions are cached already")
	}
	l := pq.NewListener(withURLDefault(databaseURL, "application_name", listenerAppName), 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventReconnected:
			log.Info("session cache: listener reconnected; cache emptied")
			c.reset(true)
		case pq.ListenerEventDisconnected:
			log.Warn("session cache: listener disconnected; reading sessions from the database until it is back", "err", err)
			c.reset(false)
		case pq.ListenerEventConnectionAttemptFailed:
			log.Warn("session cache: listener cannot connect", "err", err)
		}
	})
	listened := make(chan error, 1)
	go func() { listened <- l.Listen(authChannel) }()
	select {
	case err := <-listened:
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("store: listen for session changes: %w", err)
		}
	case <-ctx.Done():
		l.Close()
		return nil, fmt.Errorf("store: listen for session changes: %w", ctx.Err())
	}
	c.mu.Lock()
	c.on = true
	c.mu.Unlock()
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
func (c *sessionCache) reset(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live && c.on
	c.entries = map[string]cachedSession{}
	c.gen++
}

// purge empties the cache.
func (c *sessionCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]cachedSession{}
	c.gen++
}

// forget drops what a notification names: "s:<session id>" or "u:<user id>".
func (c *sessionCache) forget(what string) {
	kind, key, _ := strings.Cut(what, ":")
	switch kind {
	case "s":
		c.forgetSession(key)
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

func (c *sessionCache) forgetSession(idHash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, idHash)
}

func (c *sessionCache) forgetUser(userID int64) {
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
func (c *sessionCache) get(idHash string, now time.Time) (cachedSession, uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.live {
		return cachedSession{}, c.gen, false
	}
	e, ok := c.entries[idHash]
	if !ok || now.Sub(e.loaded) > sessionCacheTTL || !now.Before(e.sess.ExpiresAt) {
		return cachedSession{}, c.gen, false
	}
	return e, c.gen, true
}

// put stores what was read, unless anything was invalidated since get.
func (c *sessionCache) put(idHash string, gen uint64, e cachedSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.gen != gen {
		return
	}
	if len(c.entries) >= sessionCacheLimit {
		c.entries = map[string]cachedSession{}
	}
	c.entries[idHash] = e
}
