package qbo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
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
