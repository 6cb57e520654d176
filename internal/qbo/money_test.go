package qbo

import (
	"encoding/json"
	"math/big"
	"math/rand"
	"testing"
)

func TestDecimal7MarshalsTrimmedAndParsesSevenPlaces(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Decimal7
		out  string
	}{
		{"9.8333", 98_333_000, "9.8333"},
		{"2", 20_000_000, "2"},
		{"1.5000", 15_000_000, "1.5"},
		{"0.0000001", 1, "0.0000001"},
		{"0.00000005", 1, "0.0000001"}, // half away from zero past seven places
		{"0.00000004", 0, "0"},
		{"-0.00000005", -1, "-0.0000001"},
		{"9.83333333333", 98_333_333, "9.8333333"},
		{`"3.25"`, 32_500_000, "3.25"},
	} {
		var d Decimal7
		if err := json.Unmarshal([]byte(tc.in), &d); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if d != tc.want {
			t.Errorf("%s: got %d, want %d", tc.in, d, tc.want)
		}
		if b, _ := json.Marshal(d); string(b) != tc.out {
			t.Errorf("%s: marshals as %s, want %s", tc.in, b, tc.out)
		}
	}
	for _, tc := range []struct {
		d             Decimal7
		milli, places int64
	}{{98_333_000, 9833, 4}, {98_335_000, 9834, 4}, {-98_335_000, -9834, 4}, {20_000_000, 2000, 0}, {1, 0, 7}, {Decimal7FromMilli(1500), 1500, 1}} {
		if tc.d.Milli() != tc.milli || int64(tc.d.Places()) != tc.places {
			t.Errorf("%s: milli %d places %d, want %d %d", tc.d, tc.d.Milli(), tc.d.Places(), tc.milli, tc.places)
		}
	}
}

func TestLineQty(t *testing.T) {
	for _, tc := range []struct {
		name               string
		amount, price      Money
		num, den           int64
		want               string
		ok                 bool
		wantPrice, wantQty string // LineQtyPrice when it differs from (want, price)
	}{
		{"590 minutes at $120 for $1,180.00", 118000, 12000, 590, 60, "9.8333", true, "", ""},
		{"7 minutes at $99.99 for $11.67", 1167, 9999, 7, 60, "0.1167", true, "", ""},
		{"20 minutes at $90 for $30.00", 3000, 9000, 20, 60, "0.3333", true, "", ""},
		{"whole hours stay whole", 24000, 12000, 120, 60, "2", true, "", ""},
		{"90 minutes", 18000, 12000, 90, 60, "1.5", true, "", ""},
		{"typed by hand: 1.500 × $120", 18000, 12000, 1500, 1000, "1.5", true, "", ""},
		{"typed by hand: 0.333 × $90", 2997, 9000, 333, 1000, "0.333", true, "", ""},
		{"a cheap rate keeps Hoursync's thousandths, not a coarser number", 10, 1, 590, 60, "9.833", true, "", ""},
		{"rate 0", 0, 0, 590, 60, "9.833", true, "", ""},
		{"rate 0 but an amount", 100, 0, 60, 60, "", false, "1.00", "1"},
		{"zero quantity", 0, 12000, 0, 60, "0", true, "", ""},
		{"one minute at $1,000,000/h: seven places step over the cent", 1666667, 100_000_000, 1, 60, "", false, "16666.67", "1"},
		{"one minute at $99,999.99/h", 166667, 9_999_999, 1, 60, "0.0166667", true, "", ""},
		{"the amount of 9.833 h × $120 still passes at 9.833", 117996, 12000, 590, 60, "9.833", true, "", ""},
		{"amount that is not quantity × rate", 117000, 12000, 590, 60, "", false, "1170.00", "1"},
		{"negative quantity (a credit)", -118000, 12000, -590, 60, "-9.8333", true, "", ""},
		{"negative denominator", -118000, 12000, 590, -60, "-9.8333", true, "", ""},
		{"zero denominator", 0, 12000, 1, 0, "", false, "0.00", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, ok := LineQty(tc.amount, tc.price, tc.num, tc.den)
			if ok != tc.ok || (ok && q.String() != tc.want) {
				t.Fatalf("LineQty(%s, %s, %d/%d) = %s, %v; want %s, %v", tc.amount, tc.price, tc.num, tc.den, q, ok, tc.want, tc.ok)
			}
			if ok && !QtyPasses(q, tc.price, tc.amount) {
				t.Fatalf("%s × %s does not round to %s", q, tc.price, tc.amount)
			}
			gq, gp := LineQtyPrice(tc.amount, tc.price, tc.num, tc.den)
			wq, wp := tc.want, tc.price.String()
			if !tc.ok {
				wq, wp = tc.wantQty, tc.wantPrice
			}
			if gq.String() != wq || gp.String() != wp || !QtyPasses(gq, gp, tc.amount) {
				t.Fatalf("LineQtyPrice = %s × %s, want %s × %s", gq, gp, wq, wp)
			}
		})
	}
}

// bruteQty is LineQty's definition searched by enumeration: every decimal of up to
// maxPlaces places that rounds to the exact quantity's thousandths, checked with exact
// rationals.
func bruteQty(amount, price Money, num, den int64, maxPlaces int) (string, bool) {
	exact := big.NewRat(num, den)
	milli := roundRat(new(big.Rat).Mul(exact, big.NewRat(1000, 1)))
	for places := 0; places <= maxPlaces; places++ {
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
		// Every u with u/10^places within half a thousandth of milli/1000.
		center := new(big.Rat).Mul(big.NewRat(milli, 1000), new(big.Rat).SetInt(scale))
		half := new(big.Rat).Mul(big.NewRat(1, 2000), new(big.Rat).SetInt(scale))
		lo := floorRat(new(big.Rat).Sub(center, half)) - 1
		hi := floorRat(new(big.Rat).Add(center, half)) + 1
		var best *big.Rat
		var bestDist *big.Rat
		for u := lo; u <= hi; u++ {
			c := new(big.Rat).SetFrac(big.NewInt(u), scale)
			if c.Sign() < 0 || roundRat(new(big.Rat).Mul(c, big.NewRat(1000, 1))) != milli {
				continue
			}
			if roundRat(new(big.Rat).Mul(c, big.NewRat(int64(price), 1))) != int64(amount) {
				continue
			}
			d := new(big.Rat).Abs(new(big.Rat).Sub(c, exact))
			if best == nil || d.Cmp(bestDist) < 0 || (d.Cmp(bestDist) == 0 && c.Cmp(best) > 0) {
				best, bestDist = c, d
			}
		}
		if best != nil {
			var q Decimal7
			if err := json.Unmarshal([]byte(best.FloatString(QtyPlaces)), &q); err != nil {
				panic(err)
			}
			return q.String(), true
		}
	}
	return "", false
}

// roundRat rounds a non-negative r half up to an integer.
func roundRat(r *big.Rat) int64 {
	return floorRat(new(big.Rat).Add(r, big.NewRat(1, 2)))
}

func floorRat(r *big.Rat) int64 {
	q, _ := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	return q.Int64()
}

// TestLineQtyPassesQBOsCheckForEveryMinuteAndRate is the property: for every duration of
// a day's card (and many long lines) at many rates, the amount billed (minutes × rate
// rounded once) goes out with a Qty that QBO accepts, has at most seven places, shows
// Hoursync's quantity, and is the shortest and nearest such number (against bruteQty).
func TestLineQtyPassesQBOsCheckForEveryMinuteAndRate(t *testing.T) {
	rates := []Money{1, 7, 29, 50, 99, 100, 999, 1234, 2500, 4999, 7500, 9000, 9999, 12000, 12345, 15075, 33333,
		99999, 100000, 123457, 999999, 1_000_000, 3_333_333, 9_999_999, 10_000_000}
	rng := rand.New(rand.NewSource(8))
	for i := 0; i < 40; i++ {
		rates = append(rates, Money(1+rng.Int63n(10_000_000)))
	}
	minutes := make([]int64, 0, 1700)
	for m := int64(1); m <= 1440; m++ {
		minutes = append(minutes, m)
	}
	for i := 0; i < 200; i++ {
		minutes = append(minutes, 1441+rng.Int63n(200_000)) // a per-service line summing many cards
	}
	checked, brute := 0, 0
	for _, p := range rates {
		for _, m := range minutes {
			amount := Money((m*int64(p) + 30) / 60) // store.MinutesAmount
			q, ok := LineQty(amount, p, m, 60)
			if !ok {
				t.Fatalf("%d min at %s (%s): no Qty", m, p, amount)
			}
			if !QtyPasses(q, p, amount) || q.Places() > QtyPlaces {
				t.Fatalf("%d min at %s: Qty %s × %s does not round to %s", m, p, q, p, amount)
			}
			if want := (m*1000 + 30) / 60; q.Milli() != want { // store.MinutesToQuantityMilli
				t.Fatalf("%d min at %s: Qty %s shows as %d thousandths, want %d", m, p, q, q.Milli(), want)
			}
			checked++
			// The shortest/nearest claim, by enumeration up to five places (and all
			// seven for a sample).
			maxPlaces := 5
			if rng.Intn(1000) == 0 {
				maxPlaces = 7
			} else if m%7 != 0 && m > 120 {
				continue
			}
			brute++
			b, bok := bruteQty(amount, p, m, 60, maxPlaces)
			if q.Places() <= maxPlaces {
				if !bok || b != q.String() {
					t.Fatalf("%d min at %s for %s: LineQty %s, enumeration %q", m, p, amount, q, b)
				}
			} else if bok {
				t.Fatalf("%d min at %s for %s: LineQty %s, but %s is shorter", m, p, amount, q, b)
			}
		}
	}
	t.Logf("%d lines checked, %d against enumeration", checked, brute)
}

// TestLineQtyHandTypedLinesAndHugeRates: a line typed by hand (thousandths × rate) goes
// out as its own quantity or a shorter one; above $100,000 an hour, when no seven-place
// Qty exists, enumeration agrees and LineQtyPrice falls back to 1 × amount.
func TestLineQtyHandTypedLinesAndHugeRates(t *testing.T) {
	rng := rand.New(rand.NewSource(6070))
	for i := 0; i < 20000; i++ {
		milli := 1 + rng.Int63n(1_000_000)
		p := Money(rng.Int63n(10_000_001))
		amount := Money((milli*int64(p) + 500) / 1000) // store.LineAmount
		q, ok := LineQty(amount, p, milli, 1000)
		if !ok || !QtyPasses(q, p, amount) || q.Milli() != milli || q.Places() > 3 {
			t.Fatalf("%d thousandths at %s for %s: %s, %v", milli, p, amount, q, ok)
		}
	}
	fallbacks := 0
	const huge = 100
	for i := 0; i < huge; i++ {
		m := 1 + rng.Int63n(1440)
		p := Money(10_000_001 + rng.Int63n(90_000_000))
		amount := Money((m*int64(p) + 30) / 60)
		q, ok := LineQty(amount, p, m, 60)
		gq, gp := LineQtyPrice(amount, p, m, 60)
		if !QtyPasses(gq, gp, amount) {
			t.Fatalf("%d min at %s: LineQtyPrice %s × %s does not round to %s", m, p, gq, gp, amount)
		}
		if ok {
			if !QtyPasses(q, p, amount) || gq != q || gp != p {
				t.Fatalf("%d min at %s: %s, %v / %s × %s", m, p, q, ok, gq, gp)
			}
			continue
		}
		fallbacks++
		if b, bok := bruteQty(amount, p, m, 60, QtyPlaces); bok {
			t.Fatalf("%d min at %s for %s: LineQty found none, enumeration %s", m, p, amount, b)
		}
		if gq.String() != "1" || gp != amount {
			t.Fatalf("fallback %s × %s, want 1 × %s", gq, gp, amount)
		}
	}
	if fallbacks == 0 {
		t.Fatal("no rate above $100,000 needed the fallback; the sample proves nothing about it")
	}
	t.Logf("%d of %d huge-rate lines fell back to 1 × amount", fallbacks, huge)
}
