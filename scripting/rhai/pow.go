package rhai

import (
	"math"
	"math/big"
	"sync"
)

// powFloat is Rhai's f64 `**` (also f64 ** i64), which is Rust's powf: the
// C library's pow, within about half an ulp. Go's math.Pow is not (1.0000001
// ** 1e6 is off in the 11th digit), so results would print differently.
// Exact cases stay on the fast path, small integer exponents are computed
// exactly (powInt), the rest as exp(y·ln x) in 160-bit arithmetic; either
// way the result is rounded once, so it is the correctly rounded power.
// glibc's pow is not always that: on random operands about 1 in 1,000
// results differ from it in the last bit.
func powFloat(x, y float64) float64 {
	switch {
	case y == 2:
		return x * x
	case y == 1:
		return x
	case y == -1:
		return 1 / x
	case y == 0.5 && x > 0 && !math.IsInf(x, 0):
		return math.Sqrt(x)
	}
	r := math.Pow(x, y)
	if math.IsNaN(r) || math.IsInf(r, 0) || r == 0 || x == 0 || math.IsInf(x, 0) || math.IsInf(y, 0) ||
		x == 1 || y == 0 || math.Abs(r) < 0x1p-1020 {
		return r // special values, and results near the ends of the range
	}
	if n := int(y); float64(n) == y && n >= -maxExactPow && n <= maxExactPow {
		return powInt(x, n)
	}
	neg := x < 0 // here y is an integer, else r would be NaN
	if neg {
		x = -x
	}
	const prec = 160
	t := lnBig(new(big.Float).SetPrec(prec).SetFloat64(x))
	t.Mul(t, new(big.Float).SetPrec(prec).SetFloat64(y))
	z, _ := expBig(t).Float64()
	if neg && math.Mod(y, 2) != 0 {
		z = -z
	}
	return z
}

// maxExactPow bounds the integer exponents powInt computes exactly. Only
// such small exponents can land a result on a tie between two floats (a
// power of an odd mantissa m >= 3 has more than 54 bits beyond |y| = 34),
// where the rounded exp(y·ln x) may fall on the wrong side.
const maxExactPow = 64

// powInt is x**n for 2 <= |n| <= maxExactPow: x**|n| exactly (its
// mantissa has at most 53·|n| bits), then rounded once, as a correctly
// rounded pow rounds; for n < 0 its reciprocal to 160 bits, rounded again
// (a reciprocal of a power is never a tie unless it is exact).
func powInt(x float64, n int) float64 {
	k := n
	if k < 0 {
		k = -k
	}
	prec := uint(53*k + 64)
	base := new(big.Float).SetPrec(prec).SetFloat64(x)
	acc := new(big.Float).SetPrec(prec).SetInt64(1)
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			acc.Mul(acc, base)
		}
		if k > 1 {
			base.Mul(base, base)
		}
	}
	if n < 0 {
		acc = new(big.Float).SetPrec(160).Quo(big.NewFloat(1).SetPrec(160), acc)
	}
	z, _ := acc.Float64()
	return z
}

var (
	ln2Once sync.Once
	ln2Big  *big.Float
)

// ln2 is ln(2) to 160 bits: 2·atanh(1/3).
func ln2() *big.Float {
	ln2Once.Do(func() {
		third := new(big.Float).SetPrec(200).Quo(big.NewFloat(1).SetPrec(200), big.NewFloat(3).SetPrec(200))
		ln2Big = atanh2(third)
	})
	return ln2Big
}

// atanh2 returns 2·atanh(s) = ln((1+s)/(1-s)) by its series, for |s| < 1/2.
func atanh2(s *big.Float) *big.Float {
	prec := s.Prec()
	s2 := new(big.Float).SetPrec(prec).Mul(s, s)
	sum := new(big.Float).SetPrec(prec).Set(s)
	pow := new(big.Float).SetPrec(prec).Set(s)
	term := new(big.Float).SetPrec(prec)
	for k := int64(3); k < 400; k += 2 {
		pow.Mul(pow, s2)
		term.Quo(pow, new(big.Float).SetPrec(prec).SetInt64(k))
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -int(prec) {
			break
		}
		sum.Add(sum, term)
	}
	return sum.Mul(sum, big.NewFloat(2))
}

// lnBig is ln(x) for x > 0: x = m·2^e with m near 1, ln x = e·ln2 + ln m.
func lnBig(x *big.Float) *big.Float {
	prec := x.Prec()
	m := new(big.Float).SetPrec(prec)
	e := x.MantExp(m) // x = m·2^e, m in [0.5, 1)
	if m.Cmp(big.NewFloat(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		e--
	}
	one := big.NewFloat(1).SetPrec(prec)
	num := new(big.Float).SetPrec(prec).Sub(m, one)
	den := new(big.Float).SetPrec(prec).Add(m, one)
	r := atanh2(num.Quo(num, den))
	l := new(big.Float).SetPrec(prec).SetInt64(int64(e))
	l.Mul(l, ln2())
	return r.Add(r, l)
}

// expBig is e^t: t = k·ln2 + r, e^r by its Taylor series after halving r
// eight times, squared back.
func expBig(t *big.Float) *big.Float {
	prec := t.Prec()
	q := new(big.Float).SetPrec(prec).Quo(t, ln2())
	kf, _ := q.Float64()
	k := math.Round(kf)
	r := new(big.Float).SetPrec(prec).Mul(new(big.Float).SetPrec(prec).SetFloat64(k), ln2())
	r.Sub(t, r)
	r.SetMantExp(r, -8)
	sum := big.NewFloat(1).SetPrec(prec)
	term := big.NewFloat(1).SetPrec(prec)
	for n := int64(1); n < 60; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(n))
		if term.Sign() == 0 || term.MantExp(nil) < -int(prec)-2 {
			break
		}
		sum.Add(sum, term)
	}
	for i := 0; i < 8; i++ {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(k))
}
