package qbo

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMoneyMarshalsTwoDecimalsAndParsesExactly(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Money
		out  string
	}{
		{"150", 15000, "150.00"},
		{"150.0", 15000, "150.00"},
		{"0.1", 10, "0.10"},
		{"0.29", 29, "0.29"},
		{"1.005", 101, "1.01"},
		{"-0.05", -5, "-0.05"},
		{`"12.34"`, 1234, "12.34"},
		{"1e2", 10000, "100.00"},
		{"92233720368547758.07", 9223372036854775807, "92233720368547758.07"},
	} {
		var m Money
		if err := json.Unmarshal([]byte(tc.in), &m); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if m != tc.want {
			t.Errorf("%s: got %d cents, want %d", tc.in, m, tc.want)
		}
		b, _ := json.Marshal(m)
		if string(b) != tc.out {
			t.Errorf("%s: marshals as %s, want %s", tc.in, b, tc.out)
		}
	}
	for _, bad := range []string{`"abc"`, "1.2.3", `""`, "1e99"} {
		var m Money
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s: parsed as %d, want error", bad, m)
		}
	}
}

func TestQuantityMarshalsTrimmed(t *testing.T) {
	for q, want := range map[Quantity]string{1500: "1.5", 2000: "2", 333: "0.333", 1: "0.001"} {
		b, _ := json.Marshal(q)
		if string(b) != want {
			t.Errorf("%d: got %s want %s", q, b, want)
		}
	}
}

func TestQueryBuilderEscapes(t *testing.T) {
	q := From[Customer]().Where("DisplayName", Eq, `O'Brien & Sons \ 100% ü`).Where("Active", In, []string{"true"}).
		OrderBy("Id", false).Page(1, 10)
	got, err := q.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT * FROM Customer WHERE DisplayName = 'O\'Brien & Sons \\ 100% ü' AND Active IN ('true') ORDERBY Id ASC STARTPOSITION 1 MAXRESULTS 10`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := From[Customer]().Where("Display Name", Eq, "x").Build(); err == nil {
		t.Error("field with a space accepted")
	}
	if _, err := From[Customer]().Where("DisplayName", Eq, "\xff").Build(); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}

func TestParseFaultBothCasingsAndXML(t *testing.T) {
	gw := `{"warnings":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired: AB0173secret","code":"3200","element":null}],"type":"AUTHENTICATION"},"time":1730024394085}`
	f := parseFault(401, []byte(gw), "tid-1", "Customer", OpRead)
	if !errors.Is(f, ErrUnauthorized) || f.Code() != "3200" {
		t.Fatalf("gateway fault: %+v", f)
	}
	if s := f.Error(); strings.Contains(s, "AB0173") {
		t.Errorf("token leaked into error: %s", s)
	}
	dup := `{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied already exists. : Id=42","code":"6240","element":""}],"type":"ValidationFault"},"time":"2017-09-29T09:17:31.892-07:00"}`
	f = parseFault(400, []byte(dup), "tid-2", "Customer", OpCreate)
	if !errors.Is(f, ErrDuplicateName) || f.ExistingID != "42" {
		t.Fatalf("duplicate: %+v", f)
	}
	x := `<?xml version="1.0"?><IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.</Detail></Error></Fault></IntuitResponse>`
	f = parseFault(429, []byte(x), "", "Customer", OpQuery)
	if !errors.Is(f, ErrThrottled) || !f.Retryable() {
		t.Fatalf("xml throttle: %+v", f)
	}
	if f := parseFault(200, []byte(`{"Customer":{}}`), "", "", ""); f != nil {
		t.Fatalf("fault in a success: %+v", f)
	}
	if f := parseFault(502, []byte(`<html>bad gateway</html>`), "", "", ""); !errors.Is(f, ErrServer) {
		t.Fatalf("502: %+v", f)
	}
}
