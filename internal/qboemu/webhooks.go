package qboemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// postNotifier POSTs signed change notifications to one webhook URL, like
// Intuit: changes are gathered for a short while and sent together, the body
// signed in intuit-signature (base64 HMAC-SHA256 with the verifier token).
type postNotifier struct {
	url, verifier, format string
	delay                 time.Duration
	log                   *slog.Logger
	client                *http.Client

	mu      sync.Mutex
	pending []changeEvent
	timer   *time.Timer
	wg      sync.WaitGroup
	closed  bool
}

type changeEvent struct {
	realmID, entity, id, operation string
	at                             time.Time
}

func newPostNotifier(url, verifier, format string, log *slog.Logger) *postNotifier {
	if format == "" {
		format = "cloudevents"
	}
	return &postNotifier{url: url, verifier: verifier, format: format, delay: 200 * time.Millisecond, log: log,
		client: &http.Client{Timeout: 10 * time.Second}}
}

func (n *postNotifier) notify(realmID, entity, id, operation string, at time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	n.pending = append(n.pending, changeEvent{realmID, entity, id, operation, at})
	if n.timer == nil {
		n.wg.Add(1)
		n.timer = time.AfterFunc(n.delay, func() {
			defer n.wg.Done()
			n.flush()
		})
	}
}

func (n *postNotifier) flush() {
	n.mu.Lock()
	events := n.pending
	n.pending, n.timer = nil, nil
	n.mu.Unlock()
	if len(events) == 0 {
		return
	}
	body, err := n.payload(events)
	if err != nil {
		n.log.Error("qboemu: webhook payload", "err", err)
		return
	}
	mac := hmac.New(sha256.New, []byte(n.verifier))
	mac.Write(body)
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
		}
		if err := n.post(body, sig); err != nil {
			n.log.Warn("qboemu: webhook delivery failed", "url", n.url, "attempt", attempt+1, "err", err)
			continue
		}
		return
	}
}

func (n *postNotifier) post(body []byte, sig string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("intuit-signature", sig)
	resp, err := n.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook post: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook post: HTTP %d", resp.StatusCode)
	}
	return nil
}

// eventVerb maps a legacy operation to its CloudEvents verb. The CloudEvents
// types list no "emailed" (NOTES §7), so a send (legacy "Emailed") is
// qbo.invoice.updated.v1 there.
var eventVerb = map[string]string{"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided", "Merge": "merged",
	"Emailed": "updated"}

// payload renders events as CloudEvents (an array) or the legacy
// eventNotifications object grouped by realm.
func (n *postNotifier) payload(events []changeEvent) ([]byte, error) {
	if n.format == "legacy" {
		type entity struct {
			Name        string `json:"name"`
			ID          string `json:"id"`
			Operation   string `json:"operation"`
			LastUpdated string `json:"lastUpdated"`
		}
		type notification struct {
			RealmID         string `json:"realmId"`
			DataChangeEvent struct {
				Entities []entity `json:"entities"`
			} `json:"dataChangeEvent"`
		}
		var out struct {
			EventNotifications []*notification `json:"eventNotifications"`
		}
		byRealm := map[string]*notification{}
		for _, ev := range events {
			nt := byRealm[ev.realmID]
			if nt == nil {
				nt = &notification{RealmID: ev.realmID}
				byRealm[ev.realmID] = nt
				out.EventNotifications = append(out.EventNotifications, nt)
			}
			nt.DataChangeEvent.Entities = append(nt.DataChangeEvent.Entities,
				entity{ev.entity, ev.id, ev.operation, ev.at.UTC().Format("2006-01-02T15:04:05.000Z")})
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("encode legacy webhook: %w", err)
		}
		return b, nil
	}
	out := make([]map[string]any, 0, len(events))
	for _, ev := range events {
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return nil, fmt.Errorf("event id: %w", err)
		}
		out = append(out, map[string]any{
			"specversion": "1.0", "id": hex.EncodeToString(id), "source": "intuit.qboemu",
			"type":            "qbo." + strings.ToLower(ev.entity) + "." + eventVerb[ev.operation] + ".v1",
			"datacontenttype": "application/json", "time": ev.at.UTC().Format(time.RFC3339Nano),
			"intuitentityid": ev.id, "intuitaccountid": ev.realmID, "data": map[string]any{},
		})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode cloudevents webhook: %w", err)
	}
	return b, nil
}

// close sends what is pending and waits for deliveries in progress.
func (n *postNotifier) close() {
	n.mu.Lock()
	n.closed = true
	t := n.timer
	n.mu.Unlock()
	if t != nil && t.Stop() {
		n.wg.Done()
		n.flush()
	}
	n.wg.Wait()
}
