package server

import (
	"testing"

	"hoursync/internal/store"
)

// FuzzDecodeTimeCard feeds arbitrary bodies to the time-card decoder: it never panics,
// and whatever it accepts is a card the database accepts (1 minute to 24 hours, a
// non-negative rate, a real date).
func FuzzDecodeTimeCard(f *testing.F) {
	for _, seed := range []string{
		`{"customer_id":1,"service_id":2,"date":"2026-03-04","minutes":90}`,
		`{"customer_id":1,"service_id":2,"date":"2026-03-04","start_time":"09:00","end_time":"17:30","rate":"125.50","billable":false}`,
		`{"customer_id":1,"service_id":2,"date":"2026-03-04","minutes":1441}`,
		`{"customer_id":1,"service_id":2,"date":"2026-03-04","minutes":60,"rate":-1}`,
		`{"customer_id":1,"service_id":2,"date":"2026-03-04","minutes":60,"rate":"1e9"}`,
		`{"customer_id":1,"service_id":2,"date":"2026-03-04","minutes":60,"extra":1}`,
		`{"customer_id":1,"service_id":2,"date":"2026-03-04","minutes":60} {}`,
		`[]`, `null`, `{"rate":"99999999999999999999.99"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := decodeTimeCard(body)
		if err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("decoder error %T is not an API error: %v", err, err)
			}
			return
		}
		if d.Minutes < 1 || d.Minutes > 1440 {
			t.Fatalf("accepted %d minutes", d.Minutes)
		}
		if d.RateCents < -1 || d.RateCents > maxRateCents {
			t.Fatalf("accepted rate %d", d.RateCents)
		}
		if d.CustomerID <= 0 || d.ServiceID <= 0 || d.WorkDate.IsZero() {
			t.Fatalf("accepted %+v", d)
		}
	})
}

// FuzzDecodeInvoice does the same for invoices: accepted lines have a positive
// quantity, a non-negative rate and an amount that cannot overflow.
func FuzzDecodeInvoice(f *testing.F) {
	for _, seed := range []string{
		`{"customer_id":1,"date":"2026-03-31","lines":[{"service_id":2,"quantity":"1.5","rate":"99.99"}]}`,
		`{"customer_id":1,"date":"2026-03-31","due_date":"2026-04-30","number":"A-1","lines":[{"service_id":2,"quantity":2,"rate":10,"description":"x"}]}`,
		`{"customer_id":1,"date":"2026-03-31","lines":[]}`,
		`{"customer_id":1,"date":"2026-03-31","lines":[{"service_id":2,"quantity":"0.0001","rate":"1"}]}`,
		`{"customer_id":1,"date":"2026-03-31","lines":[{"service_id":2,"quantity":"1","rate":"1.001"}]}`,
		`{"customer_id":1,"date":"2026-03-31","lines":[{"service_id":2,"quantity":"999999999999","rate":"999999999999"}]}`,
		`{"lines":[{"quantity":{}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeInvoice(body)
		if err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("decoder error %T is not an API error: %v", err, err)
			}
			return
		}
		if len(in.Lines) == 0 || len(in.Lines) > maxLines {
			t.Fatalf("accepted %d lines", len(in.Lines))
		}
		for _, l := range in.Lines {
			if l.QuantityMilli <= 0 || l.QuantityMilli > maxQuantityMilli || l.RateCents < 0 || l.RateCents > maxRateCents {
				t.Fatalf("accepted line %+v", l)
			}
			if amount := store.LineAmount(l.QuantityMilli, l.RateCents); amount < 0 {
				t.Fatalf("amount overflowed: %+v", l)
			}
		}
	})
}
