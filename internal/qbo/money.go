package qbo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Money is an amount in cents. It marshals as a JSON number with two decimals
// (150.00) and parses QBO's decimal numbers digit by digit, never through float64, so
// no amount is ever off by a cent because of binary rounding.
type Money int64

// Cents returns m as a whole number of cents.
func (m Money) Cents() int64 { return int64(m) }

// String formats m as QBO writes it: "150.00", "-0.05".
func (m Money) String() string { return formatFixed(int64(m), 2) }

// MarshalJSON writes m as a JSON number with exactly two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON reads a JSON number (or a numeric string) exactly. QBO keeps some
// prices with more than two decimals; those are rounded half away from zero to cents,
// which is the only rounding ever applied.
func (m *Money) UnmarshalJSON(b []byte) error {
	v, err := parseFixed(b, 2)
	if err != nil {
		return fmt.Errorf("qbo: money: %w", err)
	}
	*m = Money(v)
	return nil
}

// ParseMoney parses a decimal string such as "150", "150.5" or "-0.05" into cents.
func ParseMoney(s string) (Money, error) {
	v, err := parseFixed([]byte(s), 2)
	if err != nil {
		return 0, fmt.Errorf("qbo: money: %w", err)
	}
	return Money(v), nil
}

// Quantity is a quantity in thousandths (1.5 hours is 1500), the precision Hoursync
// stores. It marshals as a JSON number with trailing zeros trimmed (1.5, 2).
type Quantity int64

// Milli returns q in thousandths.
func (q Quantity) Milli() int64 { return int64(q) }

// String formats q with up to three decimals, trailing zeros trimmed.
func (q Quantity) String() string {
	s := formatFixed(int64(q), 3)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// MarshalJSON writes q as a JSON number.
func (q Quantity) MarshalJSON() ([]byte, error) { return []byte(q.String()), nil }

// UnmarshalJSON reads a JSON number exactly, rounding half away from zero beyond
// thousandths.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	v, err := parseFixed(b, 3)
	if err != nil {
		return fmt.Errorf("qbo: quantity: %w", err)
	}
	*q = Quantity(v)
	return nil
}

// formatFixed formats v/10^scale with exactly scale decimals.
func formatFixed(v int64, scale int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	digits := strconv.FormatUint(u, 10)
	for len(digits) <= scale {
		digits = "0" + digits
	}
	s := digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

// parseFixed parses a JSON number (or a JSON string holding one) into an integer of
// 10^-scale units, rounding half away from zero past scale digits.
func parseFixed(b []byte, scale int) (int64, error) {
	b = bytes.TrimSpace(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		b = []byte(strings.TrimSpace(s))
	}
	s := string(b)
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	orig := s
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 40 || e < -40 {
			return 0, fmt.Errorf("invalid number %q", orig)
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" {
		return 0, fmt.Errorf("invalid number %q", orig)
	}
	digits := intPart + frac
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("invalid number %q", orig)
		}
	}
	return scaleDigits(intPart+frac, len(intPart)+exp+scale, neg, orig)
}

// scaleDigits turns the digit string with the decimal point after point digits into an
// integer, rounding half away from zero.
func scaleDigits(digits string, point int, neg bool, orig string) (int64, error) {
	var whole string
	roundUp := false
	switch {
	case point <= 0:
		whole = "0"
		roundUp = point == 0 && len(digits) > 0 && digits[0] >= '5'
	case point >= len(digits):
		whole = digits + strings.Repeat("0", point-len(digits))
	default:
		whole = digits[:point]
		roundUp = digits[point] >= '5'
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	v, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("number %q out of range", orig)
	}
	if roundUp {
		if v == math.MaxInt64 {
			return 0, fmt.Errorf("number %q out of range", orig)
		}
		v++
	}
	if neg {
		v = -v
	}
	return v, nil
}

// QtyPlaces is the most decimal places QBO keeps on a line's Qty (and UnitPrice): seven
// (internal/qboemu/README.md, "Decimal limits").
const QtyPlaces = 7

// decimal7Unit is one in units of 10^-QtyPlaces.
const decimal7Unit = 10_000_000

// Decimal7 is a decimal number with up to seven places, in units of 10^-7 (1.5 is
// 15_000_000): a line's Qty at QBO's full precision. It marshals as a JSON number with
// trailing zeros trimmed (9.8333, 2) and parses digit by digit, rounding half away from
// zero beyond seven places.
type Decimal7 int64

// Decimal7FromMilli converts thousandths (Hoursync's quantities) to a Decimal7.
func Decimal7FromMilli(milli int64) Decimal7 { return Decimal7(milli * (decimal7Unit / 1000)) }

// Milli returns d in thousandths, rounded half away from zero.
func (d Decimal7) Milli() int64 {
	const f = decimal7Unit / 1000
	if d < 0 {
		return -((-int64(d) + f/2) / f)
	}
	return (int64(d) + f/2) / f
}

// Places is the number of decimal places d needs (0 for a whole number).
func (d Decimal7) Places() int {
	v := int64(d)
	n := QtyPlaces
	for n > 0 && v%10 == 0 {
		v /= 10
		n--
	}
	return n
}

// String formats d with the places it needs: "9.8333", "2", "-0.0000001".
func (d Decimal7) String() string {
	s := formatFixed(int64(d), QtyPlaces)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// MarshalJSON writes d as a JSON number.
func (d Decimal7) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON reads a JSON number exactly, rounding half away from zero beyond seven
// places.
func (d *Decimal7) UnmarshalJSON(b []byte) error {
	v, err := parseFixed(b, QtyPlaces)
	if err != nil {
		return fmt.Errorf("qbo: quantity: %w", err)
	}
	*d = Decimal7(v)
	return nil
}

// LineQty returns the Qty to send on a sales line of amount at unitPrice whose exact
// quantity is qtyNum/qtyDen (minutes/60 for a line billed from time cards, thousandths/
// 1000 for a line typed by hand), such that QBO's check passes: Qty × UnitPrice rounded
// half away from zero to the cent is exactly amount (else fault 6070). Of the decimals
// of at most QtyPlaces places that pass and that round to the same thousandths as the
// exact quantity (so QBO shows the quantity Hoursync shows), it is the shortest, and of
// equally short ones the nearest to the exact quantity (half-way: the larger).
// 590 minutes at $120.00 for $1,180.00 gives 9.8333 (9.8333 × 120 = 1,179.996).
//
// ok is false when no such Qty exists: amount is not the exact quantity × unitPrice
// rounded to the cent, or the unit price is so high (above $100,000) that consecutive
// seven-place quantities step over the cent. LineQtyPrice has the fallback.
func LineQty(amount, unitPrice Money, qtyNum, qtyDen int64) (qty Decimal7, ok bool) {
	if qtyDen == 0 {
		return 0, false
	}
	num, den := big.NewInt(qtyNum), big.NewInt(qtyDen)
	if den.Sign() < 0 {
		num.Neg(num)
		den.Neg(den)
	}
	// Work on |q| × |p|; the signs move to the amount (rounding half away from zero is
	// symmetric).
	neg := num.Sign() < 0
	num.Abs(num)
	a := int64(amount)
	if neg != (unitPrice < 0) && unitPrice != 0 {
		a = -a
	}
	if a < 0 {
		return 0, false
	}
	p := big.NewInt(int64(unitPrice))
	p.Abs(p)
	A := big.NewInt(a)
	if p.Sign() == 0 && a != 0 {
		return 0, false
	}
	// m: the exact quantity in thousandths, rounded half up.
	m := new(big.Int).Mul(num, big.NewInt(2000))
	m.Add(m, den)
	m.Quo(m, new(big.Int).Mul(den, big.NewInt(2)))

	two, thousand2 := big.NewInt(2), big.NewInt(2000)
	twoP := new(big.Int).Mul(two, p)
	aLo := new(big.Int).Sub(new(big.Int).Mul(two, A), big.NewInt(1)) // 2A − 1
	aHi := new(big.Int).Add(new(big.Int).Mul(two, A), big.NewInt(1)) // 2A + 1
	mLo := new(big.Int).Sub(new(big.Int).Mul(two, m), big.NewInt(1)) // 2m − 1
	mHi := new(big.Int).Add(new(big.Int).Mul(two, m), big.NewInt(1)) // 2m + 1
	scale := big.NewInt(1)
	ten := big.NewInt(10)
	for places := 0; places <= QtyPlaces; places, scale = places+1, new(big.Int).Mul(scale, ten) {
		// u / 10^places passes when 2up ∈ [(2A−1)·10^places, (2A+1)·10^places) and
		// 2000u ∈ [(2m−1)·10^places, (2m+1)·10^places); lo ≤ u < hi.
		lo := ceilDiv(new(big.Int).Mul(mLo, scale), thousand2)
		hi := ceilDiv(new(big.Int).Mul(mHi, scale), thousand2)
		if p.Sign() > 0 {
			lo = maxInt(lo, ceilDiv(new(big.Int).Mul(aLo, scale), twoP))
			hi = minInt(hi, ceilDiv(new(big.Int).Mul(aHi, scale), twoP))
		}
		if lo.Sign() < 0 {
			lo.SetInt64(0)
		}
		if lo.Cmp(hi) >= 0 {
			continue
		}
		// Nearest to the exact quantity: round(num·10^places / den), clamped to [lo, hi).
		u := new(big.Int).Mul(num, scale)
		u.Mul(u, two)
		u.Add(u, den)
		u.Quo(u, new(big.Int).Mul(den, two))
		if u.Cmp(lo) < 0 {
			u.Set(lo)
		}
		if last := new(big.Int).Sub(hi, big.NewInt(1)); u.Cmp(last) > 0 {
			u = last
		}
		u.Mul(u, new(big.Int).Exp(ten, big.NewInt(int64(QtyPlaces-places)), nil))
		if !u.IsInt64() {
			return 0, false
		}
		q := Decimal7(u.Int64())
		if neg {
			q = -q
		}
		return q, QtyPasses(q, unitPrice, amount)
	}
	return 0, false
}

// LineQtyPrice is the Qty and UnitPrice to send for a sales line: LineQty with the
// line's rate when it finds one, else (an amount that is not quantity × rate, or a rate
// above $100,000) Qty 1 at UnitPrice = amount, which QBO's check always accepts.
func LineQtyPrice(amount, unitPrice Money, qtyNum, qtyDen int64) (Decimal7, Money) {
	if q, ok := LineQty(amount, unitPrice, qtyNum, qtyDen); ok {
		return q, unitPrice
	}
	return decimal7Unit, amount
}

// QtyPasses reports whether QBO accepts qty × unitPrice for amount: the product rounded
// half away from zero to the cent equals amount (fault 6070 otherwise).
func QtyPasses(qty Decimal7, unitPrice, amount Money) bool {
	x := new(big.Int).Mul(big.NewInt(int64(qty)), big.NewInt(int64(unitPrice))) // cents × 10^-7
	neg := x.Sign() < 0
	x.Abs(x)
	x.Add(x, big.NewInt(decimal7Unit/2))
	x.Quo(x, big.NewInt(decimal7Unit))
	if neg {
		x.Neg(x)
	}
	return x.IsInt64() && x.Int64() == int64(amount)
}

// ceilDiv is ⌈a / b⌉ for b > 0.
func ceilDiv(a, b *big.Int) *big.Int {
	q, r := new(big.Int).DivMod(a, b, new(big.Int)) // Euclidean: r ≥ 0, so q = ⌊a/b⌋
	if r.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

func maxInt(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

func minInt(a, b *big.Int) *big.Int {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}
