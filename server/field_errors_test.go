package server

import (
	"encoding/json"
	"net/http"
	"testing"
)

// The error body names the first wrong field as before and lists every one in
// "fields", so a client (and a form) can show them all at once.
func TestValidationErrorListsEveryWrongField(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	status, body, _ := owner.do("POST", "/api/v1/time-cards", map[string]any{"date": "2026-13-01", "minutes": 0})
	var got struct {
		Error struct {
			Code, Field string
			Fields      []fieldProblem
		}
	}
	if err := json.Unmarshal(body, &got); err != nil || status != http.StatusUnprocessableEntity {
		t.Fatalf("%d %s", status, body)
	}
	want := []string{"customer_id", "service_id", "date", "minutes"}
	if got.Error.Code != codeValidation || got.Error.Field != want[0] || len(got.Error.Fields) != len(want) {
		t.Fatalf("error = %+v, want fields %v", got.Error, want)
	}
	for i, f := range got.Error.Fields {
		if f.Field != want[i] || f.Message == "" {
			t.Errorf("fields[%d] = %+v, want %s with a message", i, f, want[i])
		}
	}
}
