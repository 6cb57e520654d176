package qboemu

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// decimal parses a JSON number (or a numeric string, which QBO also accepts)
// exactly, without going through float64.
func decimal(v any) (*big.Rat, bool) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return nil, false
	}
	if s == "" || len(s) > 64 {
		return nil, false
	}
	// Bound exponents: 1e999999 would be a million-digit number.
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp > 30 || exp < -30 {
			return nil, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	return r, true
}

// cents rounds r to cents, half away from zero ("half-up" as accountants
// mean it: 0.125 → 0.13, -0.125 → -0.13).
func cents(r *big.Rat) int64 {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	neg := x.Sign() < 0
	if neg {
		x.Neg(x)
	}
	x.Add(x, big.NewRat(1, 2))
	q := new(big.Int).Quo(x.Num(), x.Denom())
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}

// centsNumber renders cents as a JSON number with two decimals.
func centsNumber(c int64) json.Number {
	sign := ""
	if c < 0 {
		sign = "-"
		c = -c
	}
	return json.Number(fmt.Sprintf("%s%d.%02d", sign, c/100, c%100))
}

// intNumber renders an integer as a JSON number.
func intNumber(n int64) json.Number {
	return json.Number(strconv.FormatInt(n, 10))
}

// linePlaces is how many decimal places QBO keeps on a sales line's Qty and UnitPrice
// (README, "Decimal limits"); amounts are kept to cents.
const linePlaces = 7

// roundPlaces rounds r half away from zero to places decimals and says whether that
// changed it (r had more places).
func roundPlaces(r *big.Rat, places int) (*big.Rat, bool) {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	if x.IsInt() {
		return r, false
	}
	neg := x.Sign() < 0
	if neg {
		x.Neg(x)
	}
	x.Add(x, big.NewRat(1, 2))
	q := new(big.Int).Quo(x.Num(), x.Denom())
	if neg {
		q.Neg(q)
	}
	return new(big.Rat).SetFrac(q, scale), true
}

// placesNumber renders r, which has at most places decimals, as a JSON number with
// trailing zeros trimmed ("9.8333333", "2").
func placesNumber(r *big.Rat, places int) json.Number {
	s := r.FloatString(places)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return json.Number(s)
}

// product is a × b.
func product(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }
