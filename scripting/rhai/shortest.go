package rhai

import (
	"strconv"
	"strings"
)

// shortestFloat is strconv.FormatFloat(f, fmt, -1, 64) ('e' or 'f') as
// Rust writes it. Both print the shortest digits that read back as f, but
// when two such digit strings are exactly as close to f (the exact value
// ends in a 5 just past them), Go picks the even last digit and Rust the
// larger one: 9223372036854775807.0 / 8329.0 is 1107380482273355.25, which
// Rust prints ...355.3 and Go ...355.2. Ties need 16 or more digits, so the
// check costs nothing on short numbers.
func shortestFloat(f float64, fmt byte) string {
	s := strconv.FormatFloat(f, fmt, -1, 64)
	e := s
	if fmt != 'e' {
		e = strconv.FormatFloat(f, 'e', -1, 64)
	}
	mant, exp, _ := strings.Cut(e, "e")
	neg := strings.HasPrefix(mant, "-")
	digits := strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1)
	n := len(digits)
	if n < 15 {
		return s
	}
	exact := strconv.FormatFloat(f, 'e', n+25, 64)
	xd, _, _ := strings.Cut(strings.Replace(strings.TrimPrefix(exact, "-"), ".", "", 1), "e")
	if xd[:n] != digits || xd[n] != '5' || strings.TrimRight(xd[n+1:], "0") != "" {
		return s // not a tie, or Go already chose the larger digits
	}
	up := []byte(digits)
	i := n - 1
	for i >= 0 && up[i] == '9' {
		up[i] = '0'
		i--
	}
	if i < 0 {
		return s // all nines: the carry changes the exponent; keep Go's
	}
	up[i]++
	text := string(up[:1]) + "." + string(up[1:]) + "e" + exp
	if neg {
		text = "-" + text
	}
	if g, err := strconv.ParseFloat(text, 64); err != nil || g != f {
		return s
	}
	if fmt == 'e' {
		return text
	}
	// 'f': place the decimal point of the larger digits.
	x, _ := strconv.Atoi(exp)
	ds := string(up)
	var out string
	switch {
	case x < 0:
		out = "0." + strings.Repeat("0", -x-1) + ds
	case x+1 >= n:
		out = ds + strings.Repeat("0", x+1-n)
	default:
		out = ds[:x+1] + "." + ds[x+1:]
	}
	if neg {
		out = "-" + out
	}
	return out
}
