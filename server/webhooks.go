package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// qboChange is one entity change a QBO webhook reports, whichever format carried it.
type qboChange struct {
	RealmID   string
	Entity    string // QBO entity name: Customer, Item, Account, ...
	ID        string
	Operation string
}

// legacyPayload is the eventNotifications format.
type legacyPayload struct {
	EventNotifications []struct {
		RealmID         string `json:"realmId"`
		DataChangeEvent struct {
			Entities []struct {
				Name      string `json:"name"`
				ID        string `json:"id"`
				Operation string `json:"operation"`
			} `json:"entities"`
		} `json:"dataChangeEvent"`
	} `json:"eventNotifications"`
}

// cloudEvent is one event of the CloudEvents format, e.g. type "qbo.customer.updated.v1".
type cloudEvent struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Type            string `json:"type"`
	IntuitEntityID  string `json:"intuitentityid"`
	IntuitAccountID string `json:"intuitaccountid"`
}

// verifyWebhook checks intuit-signature: base64 of HMAC-SHA256 of the raw body keyed by
// the verifier token, compared in constant time.
func verifyWebhook(verifier string, body []byte, signature string) bool {
	if verifier == "" || signature == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(verifier))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// parseWebhook reads either format: a JSON array (or single object) of CloudEvents, or
// an object with eventNotifications.
func parseWebhook(body []byte) ([]qboChange, error) {
	trimmed := bytes.TrimSpace(body)
	var out []qboChange
	addEvents := func(events []cloudEvent) {
		for _, e := range events {
			parts := strings.Split(e.Type, ".")
			if len(parts) < 3 || parts[0] != "qbo" {
				continue
			}
			out = append(out, qboChange{RealmID: e.IntuitAccountID, Entity: parts[1], ID: e.IntuitEntityID, Operation: parts[2]})
		}
	}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var events []cloudEvent
		if err := json.Unmarshal(trimmed, &events); err != nil {
			return nil, err
		}
		addEvents(events)
		return out, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &probe); err != nil {
		return nil, err
	}
	if _, ok := probe["specversion"]; ok {
		var e cloudEvent
		if err := json.Unmarshal(trimmed, &e); err != nil {
			return nil, err
		}
		addEvents([]cloudEvent{e})
		return out, nil
	}
	if _, ok := probe["eventNotifications"]; !ok {
		return nil, errors.New("neither CloudEvents nor eventNotifications")
	}
	var legacy legacyPayload
	if err := json.Unmarshal(trimmed, &legacy); err != nil {
		return nil, err
	}
	for _, n := range legacy.EventNotifications {
		for _, e := range n.DataChangeEvent.Entities {
			out = append(out, qboChange{RealmID: n.RealmID, Entity: e.Name, ID: e.ID, Operation: e.Operation})
		}
	}
	return out, nil
}

// followedEntity reports whether Hoursync follows changes of the entity in QBO: the
// lists it imports, and the invoices and payments whose balance it shows.
func followedEntity(name string) bool {
	switch strings.ToLower(name) {
	case "customer", "item", "account", "employee", "invoice", "payment", "term", "taxcode":
		return true
	}
	return false
}

// qboWebhook receives QBO's change notifications. Unsigned, wrongly signed, or with no
// verifier configured, it answers 401 and changes nothing. A change to what Hoursync
// follows (lists, invoices, payments) of a connected company starts that account's pull
// of QBO's changes, or tells the running one to pull again; several realms may share
// one delivery.
func (s *Server) qboWebhook(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		s.fail(c, badRequest("the webhook body is too large or unreadable"))
		return
	}
	if !verifyWebhook(s.cfg.WebhookVerifier, body, c.GetHeader("intuit-signature")) {
		s.fail(c, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "missing or wrong intuit-signature"})
		return
	}
	changes, err := parseWebhook(body)
	if err != nil {
		s.fail(c, badRequest("the webhook body is not a QBO notification"))
		return
	}
	ctx := c.Request.Context()
	resync := map[int64]bool{}
	accounts := map[string]int64{}
	for _, ch := range changes {
		accountID, known := accounts[ch.RealmID]
		if !known {
			id, err := s.store.FindAccountByRealm(ctx, ch.RealmID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				s.fail(c, err)
				return
			}
			accountID, accounts[ch.RealmID] = id, id
		}
		if accountID != 0 && followedEntity(ch.Entity) {
			resync[accountID] = true
		}
	}
	started := 0
	for accountID := range resync {
		if s.syncer == nil {
			break
		}
		// USE_EXISTING joins a re-sync already running, so a burst of notifications
		// starts one workflow.
		// One pull of QBO's changes (CDC: one metered read) per account, however many
		// notifications; the pull runs in a workflow, so the answer goes back at once.
		if _, err := s.syncer.PullChanges(ctx, accountID); err != nil {
			s.log.WarnContext(ctx, "webhook re-sync", "request_id", requestID(c), "account_id", accountID, "err", err)
			continue
		}
		started++
	}
	c.JSON(http.StatusOK, gin.H{"received": len(changes), "resyncs": started})
}
