package rhai

import (
	"math"
	"math/big"
	"sync"
)

// powFloat is Rhai's f64 `**`, which is Rust's powf: the C library's pow,
// correctly rounded in practice. Go's math.Pow is not (1.0000001 ** 1e6 is
// off in the 11th digit), so results would print differently. Exact cases
// stay on the fast path; the rest are computed as exp(y·ln x) in 160-bit
// arithmetic and rounded once.
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
