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

// TestLibmLargeArguments checks sin, cos and tan beyond 2^50, where the
// argument is reduced with a 1400-bit π/2, against correctly rounded values
// computed with mpmath at 400 bits (the first is the double nearest a
// multiple of π/2 that is known to need the most bits).
func TestLibmLargeArguments(t *testing.T) {
	for _, c := range [][4]float64{
		{5.319372648326541e+255, 1.0, -4.687165924254628e-19, -2.133485385753704e+18},
		{1e+300, -0.8178819121159085, -0.5753861119575491, 1.4214488238747245},
		{1e+22, -0.8522008497671888, 0.523214785395139, -1.6287782256068988},
		{1.7976931348623157e+308, 0.004961954789184062, -0.9999876894265599, -0.004962015874444895},
		{1125899906842624.0, 0.49639651520894085, 0.8680959046605506, 0.5718222059843094},
		{-1.498797955988901e+18, 0.9479961701242114, 0.31828173279317684, 2.9784812398901646},
		{5.209885130549615e+108, 0.6311325724919906, 0.7756749808648222, 0.8136559616610591},
		{1.079994992749368e+28, -0.8593877806493158, -0.5113244004256431, 1.6807095063993296},
		{-7.868853472447152e+30, 0.32300330616359607, 0.9463978361172357, 0.3412975958279598},
		{1.1081248690861783e+244, -0.9307327521443052, -0.3657000739484304, 2.5450712713707393},
		{2.0597177353847948e+228, -0.7321917483841354, -0.6810985564499333, 1.075015857030315},
		{3.3157853510084967e+243, -0.9987799224260296, 0.049382856930864326, -20.225235729563295},
		{5.355571285911068e+178, -0.38705717329846956, -0.922055716645257, 0.4197763392289473},
		{4.520904117365455e+158, 0.9855590831313734, -0.16933190383754176, -5.820279940140081},
		{2.3153225563814468e+92, -0.43189496716669257, 0.9019239088393664, -0.478859649837283},
		{1.31643595301907e+293, -0.8674897950778915, -0.4974549783002658, 1.743855892330162},
	} {
		x := c[0]
		for i, f := range []struct {
			name string
			fn   func(float64) float64
		}{{"sin", rhaiSin}, {"cos", rhaiCos}, {"tan", rhaiTan}} {
			if got := f.fn(x); got != c[i+1] {
				t.Errorf("%s(%v) = %v, want %v", f.name, x, got, c[i+1])
			}
		}
	}
	for _, x := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		if !math.IsNaN(rhaiSin(x)) || !math.IsNaN(rhaiCos(x)) || !math.IsNaN(rhaiTan(x)) {
			t.Errorf("sin, cos or tan of %v is not NaN", x)
		}
	}
}
