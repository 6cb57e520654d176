package qbo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CDCLookBack is how far back QBO's change data capture reaches (NOTES §8, §10).
const CDCLookBack = 30 * 24 * time.Hour

// CDCCap is the most objects one CDC answer carries (NOTES §10): an answer that
// reaches it may have left changes out, and the caller must read in full instead.
const CDCCap = 1000

// ErrCDCTooOld means changedSince is beyond QBO's 30-day look-back.
var ErrCDCTooOld = errors.New("qbo: changes asked for from further back than CDC keeps")

// Changes is one CDC answer: per entity, the changed objects as QBO sent them (a
// deleted one is a stub with status "Deleted"); decode each into its entity type.
type Changes struct {
	Objects map[string][]json.RawMessage
	// Capped: the answer holds CDCCap objects or more, so changes may be missing.
	Capped bool
}

// Count is how many objects the answer carries.
func (ch Changes) Count() int {
	n := 0
	for _, objs := range ch.Objects {
		n += len(objs)
	}
	return n
}

// ChangesSince asks QBO for the objects of entities changed since since (one
// metered read, whatever the number of entities).
func ChangesSince(ctx context.Context, c *Client, entities []string, since time.Time) (Changes, error) {
	if time.Since(since) > CDCLookBack {
		return Changes{}, ErrCDCTooOld
	}
	q := url.Values{"entities": {strings.Join(entities, ",")}, "changedSince": {since.UTC().Format(time.RFC3339)}}
	body, err := c.do(ctx, call{method: http.MethodGet, path: "/cdc", query: q, entity: "CDC", op: OpRead})
	if err != nil {
		return Changes{}, err
	}
	var resp struct {
		CDCResponse []struct {
			QueryResponse []map[string]json.RawMessage `json:"QueryResponse"`
		} `json:"CDCResponse"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return Changes{}, fmt.Errorf("qbo: decode CDC answer: %w", err)
	}
	out := Changes{Objects: map[string][]json.RawMessage{}}
	for _, r := range resp.CDCResponse {
		for _, qr := range r.QueryResponse {
			for key, raw := range qr {
				if key == "startPosition" || key == "maxResults" || key == "totalCount" {
					continue
				}
				var objs []json.RawMessage
				if err := json.Unmarshal(raw, &objs); err != nil {
					continue // not a list of objects
				}
				out.Objects[key] = append(out.Objects[key], objs...)
			}
		}
	}
	out.Capped = out.Count() >= CDCCap
	return out, nil
}
