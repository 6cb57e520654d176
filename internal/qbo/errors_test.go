package qbo_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"hoursync/internal/qbo"
)

func asFault(t *testing.T, err error) *qbo.Fault {
	t.Helper()
	var f *qbo.Fault
	if !errors.As(err, &f) {
		t.Fatalf("want *qbo.Fault, got %T %v", err, err)
	}
	return f
}

func TestStaleSyncTokenIsErrStale(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	cust, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Stale Co"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qbo.Update(ctx(t), c, rid(t), qbo.Customer{Header: cust.Header, Notes: "one"}); err != nil {
		t.Fatal(err)
	}
	_, err = qbo.Update(ctx(t), c, rid(t), qbo.Customer{Header: cust.Header, Notes: "two"})
	if !errors.Is(err, qbo.ErrStale) {
		t.Fatalf("want ErrStale, got %v", err)
	}
	f := asFault(t, err)
	if f.Entity != "Customer" || f.Operation != qbo.OpUpdate || f.IntuitTID == "" || f.Code() != "5010" || f.Retryable() {
		t.Fatalf("fault %+v", f)
	}
}

func TestDuplicateNameCarriesExistingID(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	first, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Twin"})
	if err != nil {
		t.Fatal(err)
	}
	// Customers and Employees share one name space in QBO.
	_, err = qbo.Create(ctx(t), c, rid(t), qbo.Employee{DisplayName: "Twin", GivenName: "T"})
	if !errors.Is(err, qbo.ErrDuplicateName) {
		t.Fatalf("want ErrDuplicateName, got %v", err)
	}
	if f := asFault(t, err); f.ExistingID != first.ID {
		t.Fatalf("ExistingID %q, want %q (%s)", f.ExistingID, first.ID, f.Message())
	}
}

func TestUnknownIDIsErrNotFound(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	_, err := qbo.Read[qbo.Customer](ctx(t), c, "987654")
	if !errors.Is(err, qbo.ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	if f := asFault(t, err); f.Operation != qbo.OpRead || f.Entity != "Customer" {
		t.Fatalf("fault %+v", f)
	}
}

func TestInactiveReferenceIsErrNotFound(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	cust, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Gone Inc"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qbo.Update(ctx(t), c, rid(t), qbo.Customer{Header: cust.Header, Active: new(false)}); err != nil {
		t.Fatal(err)
	}
	items, err := qbo.QueryPage[qbo.Item](ctx(t), c, qbo.From[qbo.Item]())
	if err != nil || len(items) == 0 {
		t.Fatal(err)
	}
	_, err = qbo.Create(ctx(t), c, rid(t), qbo.Invoice{CustomerRef: &qbo.Ref{Value: cust.ID}, Line: []qbo.Line{{
		Amount: 100, DetailType: qbo.DetailTypeSalesItem, SalesItemLineDetail: &qbo.SalesItemLineDetail{ItemRef: &qbo.Ref{Value: items[0].ID}}}}})
	if !errors.Is(err, qbo.ErrNotFound) {
		t.Fatalf("invoice for an inactive customer: want ErrNotFound, got %v", err)
	}
}

func TestTimeActivityOnSimpleStartIsErrPlanLacksFeature(t *testing.T) {
	_, _, c := newRealm(t, "SimpleStart")
	emps, err := qbo.QueryPage[qbo.Employee](ctx(t), c, qbo.From[qbo.Employee]())
	if err != nil || len(emps) == 0 {
		t.Fatal(err)
	}
	_, err = qbo.Create(ctx(t), c, rid(t), qbo.TimeActivity{NameOf: qbo.NameOfEmployee, EmployeeRef: &qbo.Ref{Value: emps[0].ID},
		Hours: new(1), Minutes: new(0), TxnDate: "2026-11-02"})
	if !errors.Is(err, qbo.ErrPlanLacksFeature) {
		t.Fatalf("want ErrPlanLacksFeature, got %v", err)
	}
}

func TestMissingRequiredFieldIsValidationWithField(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	_, err := qbo.Create(ctx(t), c, rid(t), qbo.Item{Name: "No account", Type: qbo.ItemTypeService})
	if !errors.Is(err, qbo.ErrValidation) {
		t.Fatalf("want ErrValidation, got %v", err)
	}
	f := asFault(t, err)
	if f.Message() == "" || f.StatusCode != 400 {
		t.Fatalf("fault %+v", f)
	}
	if !strings.Contains(f.Field()+f.Message(), "IncomeAccountRef") {
		t.Errorf("fault does not name the field: field %q message %q", f.Field(), f.Message())
	}
}

func TestServerErrorsAreRetriedThenErrServer(t *testing.T) {
	e, realm, c := newRealm(t, "Essentials")
	e.fault(map[string]any{"realmId": realm, "kind": "error", "status": 503, "count": 2})
	if _, err := c.CompanyInfo(ctx(t)); err != nil {
		t.Fatalf("two 503s not ridden out: %v", err)
	}
	e.fault(map[string]any{"realmId": realm, "kind": "error", "status": 500})
	defer e.clearFaults()
	_, err := c.CompanyInfo(ctx(t))
	if !errors.Is(err, qbo.ErrServer) || !asFault(t, err).Retryable() {
		t.Fatalf("want retryable ErrServer, got %v", err)
	}
}

func TestThrottleBurstIsRiddenOutAndPersistentThrottleIsErrThrottled(t *testing.T) {
	e, realm, c := newRealm(t, "Essentials")
	e.fault(map[string]any{"realmId": realm, "kind": "throttle", "count": 4})
	if _, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Patient"}); err != nil {
		t.Fatalf("429 burst not ridden out: %v", err)
	}
	e.fault(map[string]any{"realmId": realm, "kind": "throttle"})
	defer e.clearFaults()
	_, err := c.CompanyInfo(ctx(t))
	if !errors.Is(err, qbo.ErrThrottled) {
		t.Fatalf("want ErrThrottled, got %v", err)
	}
}

// TestEveryThrottleFormIsThrottling: QBO's throttle has come as 429 JSON, as XML even
// when JSON was asked for, and (before 2016) as 403. Each is ridden out as a throttle,
// and none is taken for a refused authorization, which would ask the person to
// reconnect.
func TestEveryThrottleFormIsThrottling(t *testing.T) {
	for _, form := range []map[string]any{
		{"format": "xml"},
		{"status": 403},
		{"status": 403, "format": "xml"},
	} {
		e, realm, c := newRealm(t, "Essentials")
		burst := map[string]any{"realmId": realm, "kind": "throttle", "count": 3}
		for k, v := range form {
			burst[k] = v
		}
		if _, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Patient"}); err != nil {
			t.Fatalf("%v: before the burst: %v", form, err)
		}
		e.fault(burst)
		if _, err := qbo.Create(ctx(t), c, rid(t), qbo.Customer{DisplayName: "Patient too"}); err != nil {
			t.Fatalf("%v: burst not ridden out: %v", form, err)
		}
		delete(burst, "count")
		e.fault(burst)
		_, err := c.CompanyInfo(ctx(t))
		e.clearFaults()
		if !errors.Is(err, qbo.ErrThrottled) || errors.Is(err, qbo.ErrForbidden) {
			t.Fatalf("%v: want ErrThrottled, got %v", form, err)
		}
	}
}

func TestExpiredAccessTokenIsRefreshedOnceAndRetried(t *testing.T) {
	e, realm, _ := newRealm(t, "Essentials")
	c, ts := e.client(realm, nil)
	if _, err := c.CompanyInfo(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.fault(map[string]any{"realmId": realm, "kind": "expire_tokens"})
	if _, err := c.CompanyInfo(ctx(t)); err != nil {
		t.Fatalf("401 not answered by a refresh: %v", err)
	}
	if ts.count() != 1 {
		t.Fatalf("%d refreshes, want 1", ts.count())
	}
}

// badTokens always hands out a token QBO does not know.
type badTokens struct{ refreshes int }

func (b *badTokens) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "secret-access-token-0123456789", TokenType: "Bearer"}, nil
}

func (b *badTokens) RefreshToken(_ ctxT, _ *oauth2.Token) (*oauth2.Token, error) {
	b.refreshes++
	return b.Token()
}

func TestRefusedTokenIsErrUnauthorizedAfterOneRefreshAndNeverLeaks(t *testing.T) {
	e, realm, _ := newRealm(t, "Essentials")
	var logs bytes.Buffer
	ts := &badTokens{}
	c, _ := e.client(realm, func(o *qbo.Options) {
		o.TokenSource = ts
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, err := qbo.Read[qbo.Customer](ctx(t), c, "1")
	if !errors.Is(err, qbo.ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}
	if ts.refreshes != 1 {
		t.Fatalf("%d refreshes, want exactly 1", ts.refreshes)
	}
	f := asFault(t, err)
	if f.IntuitTID == "" || f.Code() != "3200" {
		t.Fatalf("fault %+v", f)
	}
	for _, s := range []string{err.Error(), logs.String(), f.Message()} {
		if strings.Contains(s, "secret-access") || strings.Contains(s, "0123456789") {
			t.Fatalf("token leaked: %s", s)
		}
	}
	if !strings.Contains(logs.String(), "intuit_tid="+f.IntuitTID) {
		t.Fatalf("intuit_tid not logged: %s", logs.String())
	}
}

func TestTokenOfAnotherCompanyIsErrForbidden(t *testing.T) {
	e := startEmulator(t, emuOpts())
	a := e.company("A", "Essentials")
	b := e.company("B", "Essentials")
	ts := &adminTokens{e: e, realm: a}
	c, _ := e.client(b, func(o *qbo.Options) { o.TokenSource = ts })
	_, err := c.CompanyInfo(ctx(t))
	if !errors.Is(err, qbo.ErrForbidden) || !errors.Is(err, qbo.ErrUnauthorized) {
		t.Fatalf("want ErrForbidden (and ErrUnauthorized), got %v", err)
	}
	if ts.count() != 0 {
		t.Fatal("refreshed for a 403; refreshing cannot fix a wrong company")
	}
}

func TestRequestIDIsValidated(t *testing.T) {
	_, _, c := newRealm(t, "Essentials")
	for _, id := range []string{"", strings.Repeat("x", 51), "has space", "ünï"} {
		if _, err := qbo.Create(ctx(t), c, id, qbo.Customer{DisplayName: "X"}); err == nil {
			t.Errorf("request id %q accepted", id)
		}
	}
	if err := qbo.ValidateRequestID(strings.Repeat("x", 37), true); err == nil {
		t.Error("37-character batch request id accepted")
	}
	if err := qbo.ValidateRequestID(strings.Repeat("x", 50), false); err != nil {
		t.Errorf("50-character request id refused: %v", err)
	}
}

func TestRequestIDReplayAfterDroppedResponse(t *testing.T) {
	e, realm, _ := newRealm(t, "Essentials")
	// Without retries the caller sees the lost response, then retries itself.
	c, _ := e.client(realm, func(o *qbo.Options) { o.MaxAttempts = 1 })
	id := rid(t)
	e.fault(map[string]any{"realmId": realm, "kind": "drop_after_commit", "count": 1})
	if _, err := qbo.Create(ctx(t), c, id, qbo.Customer{DisplayName: "Once Only"}); err == nil {
		t.Fatal("dropped response reported success")
	}
	got, err := qbo.Create(ctx(t), c, id, qbo.Customer{DisplayName: "Once Only"})
	if err != nil {
		t.Fatalf("retry with the same request id: %v", err)
	}
	// With retries the client resends the same request id by itself.
	c2, _ := e.client(realm, nil)
	e.fault(map[string]any{"realmId": realm, "kind": "drop_after_commit", "count": 1})
	got2, err := qbo.Create(ctx(t), c2, rid(t), qbo.Customer{DisplayName: "Twice Asked"})
	if err != nil {
		t.Fatalf("client did not ride out the dropped response: %v", err)
	}
	all := e.entities(realm, "Customer")
	names := map[string]int{}
	for _, cu := range all {
		names[cu["DisplayName"].(string)]++
	}
	if names["Once Only"] != 1 || names["Twice Asked"] != 1 || got.ID == "" || got2.ID == "" {
		t.Fatalf("customers after replays: %v", names)
	}
	cnt := e.counters(realm)
	if n, _ := cnt["replayedRequestIds"].(float64); n < 2 {
		t.Fatalf("replayedRequestIds = %v, want 2", cnt["replayedRequestIds"])
	}
	if n, _ := cnt["droppedResponses"].(float64); n != 2 {
		t.Fatalf("droppedResponses = %v, want 2", cnt["droppedResponses"])
	}
}
