package rhai

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestPowFloat checks `**` on floats against the values stock Rhai 1.26
// prints (Rust's powf), where Go's math.Pow differs in the last digits.
func TestPowFloat(t *testing.T) {
	tests := []struct{ x, y, want float64 }{
		{1.1, 13, 3.452271214393104},
		{1e15, 16, 1e240},
		{1.0000001, 1000000, 1.1051709126143208},
		{517.638, 1.64, 28248.98752929637},
		{-2, 7, -128},
		{-2, 8, 256},
		{1e16, 7, 1e112},
		{5.98, -0.0627, 0.8939244907614693},
		{0.5, 1074, 5e-324},
		{2, 1023, 8.98846567431158e307},
		{10, -5, 1e-5},
		{7, 0.3333, 1.9128071070563357},
		{3, 0.5, 1.7320508075688772},
		{7, 19, 1.1398895185373144e16}, // 7**19 is a tie: the even neighbour
		{-7, 19, -1.1398895185373144e16},
		{7, -19, 8.772780025937795e-17},
	}
	for _, tt := range tests {
		if got := powFloat(tt.x, tt.y); got != tt.want {
			t.Errorf("%v ** %v = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
	for _, c := range [][2]float64{{0, -1}, {-1, 0.5}, {math.Inf(1), -2}, {math.NaN(), 0}, {0, 0}} {
		if got, want := powFloat(c[0], c[1]), math.Pow(c[0], c[1]); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("%v ** %v = %v, want %v", c[0], c[1], got, want)
		}
	}
}

// TestPowIntCorrectlyRounded checks powFloat with integer exponents
// against the exact power (a big.Rat) rounded once to the nearest float.
func TestPowIntCorrectlyRounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		x := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4))
		if rng.IntN(3) == 0 {
			x = float64(rng.IntN(1000) + 2)
		}
		n := rng.IntN(2*maxExactPow+1) - maxExactPow
		got := powFloat(x, float64(n))
		if math.IsInf(got, 0) || got == 0 || math.Abs(got) < 0x1p-1020 {
			continue // out of range: math.Pow's, as before
		}
		exact := new(big.Rat).SetInt64(1)
		base := new(big.Rat).SetFloat64(x)
		for range max(n, -n) {
			exact.Mul(exact, base)
		}
		if n < 0 {
			exact.Inv(exact)
		}
		if want, _ := exact.Float64(); got != want {
			t.Errorf("%v ** %d = %v, want %v", x, n, got, want)
		}
	}
}
