package rhai

import (
	"math"
	"math/big"
	"testing"
)

// TestLibmCorrectlyRounded checks the double-double functions against
// 200-bit references (pow.go's expBig and lnBig, and series of our own)
// over a sweep of arguments: each result must be the double nearest the
// exact value.
func TestLibmCorrectlyRounded(t *testing.T) {
	const prec = 200
	bf := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	near := func(name string, x, got float64, want *big.Float) {
		t.Helper()
		w, _ := want.Float64()
		if got != w {
			t.Errorf("%s(%v) = %v, the nearest double is %v", name, x, got, w)
		}
	}
	for i := 0; i < 400; i++ {
		x := -30 + float64(i)*0.1503
		near("exp", x, rhaiExp(x), expBig(bf(x)))
		if y := math.Abs(x) + 0.001; true {
			near("ln", y, rhaiLn(y), lnBig(bf(y)))
		}
	}
	// sin and cos by their Taylor series in big.Float, for |x| < 4.
	sinCos := func(x float64) (*big.Float, *big.Float) {
		s, c := bf(0), bf(0)
		term := bf(1)
		for n := 0; n < 120; n++ {
			if n%2 == 0 {
				if n%4 == 0 {
					c.Add(c, term)
				} else {
					c.Sub(c, term)
				}
			} else if n%4 == 1 {
				s.Add(s, term)
			} else {
				s.Sub(s, term)
			}
			term.Mul(term, bf(x))
			term.Quo(term, bf(float64(n+1)))
		}
		return s, c
	}
	for i := 0; i < 400; i++ {
		x := -3.9 + float64(i)*0.01951
		s, c := sinCos(x)
		near("sin", x, rhaiSin(x), s)
		near("cos", x, rhaiCos(x), c)
		near("tan", x, rhaiTan(x), new(big.Float).SetPrec(prec).Quo(s, c))
	}
	for _, x := range []float64{0, 1, math.Inf(1), math.NaN(), -1} {
		if a, b := rhaiExp(x), math.Exp(x); a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
			t.Errorf("exp(%v) = %v, want %v", x, a, b)
		}
		if a, b := rhaiLn(x), math.Log(x); a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
			t.Errorf("ln(%v) = %v, want %v", x, a, b)
		}
	}
	if math.Signbit(rhaiSin(math.Copysign(0, -1))) == false {
		t.Error("sin(-0) lost its sign")
	}
}

// TestLibmFdlibmForms spot-checks the fdlibm-formula functions and the
// inverse functions on values the reference Rhai printed.
func TestLibmFdlibmForms(t *testing.T) {
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"tan(1)", rhaiTan(1), 1.5574077246549023},
		{"acos(0.5)", rhaiAcos(0.5), 1.0471975511965979},
		{"cos(PI/2)", rhaiCos(math.Pi / 2), 6.123233995736766e-17},
		{"hypot(0.1, 0.7)", rhaiHypot(0.1, 0.7), 0.7071067811865475},
		{"sin(1e10)", rhaiSin(1e10), -0.4875060250875107},
		{"tan(pi/2)", rhaiTan(1.5707963267948966), 1.633123935319537e16},
		{"log(1e-310)", rhaiLog10(1e-310), -310},
		{"atan(-3, -0.5)", rhaiAtan2(-3, -0.5), -1.7359450042095235},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
