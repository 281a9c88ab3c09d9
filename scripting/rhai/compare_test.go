package rhai_test

import (
	"math"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b rhai.Value
		want bool
	}{
		{rhai.Int(1), rhai.Float(1), true},
		{rhai.Float(1.5), rhai.Int(1), false},
		{rhai.Char('a'), rhai.String("a"), true},
		{rhai.String("ab"), rhai.Char('a'), false},
		{rhai.Unit, rhai.Unit, true},
		{rhai.Int(1), rhai.String("1"), false},
		{rhai.Bool(true), rhai.Int(1), false},
		{ints(1, 2, 3), ints(1, 2, 3), true},
		{ints(1, 2, 3), ints(1, 2), false},
		{rhai.NewMap(map[string]rhai.Value{"a": ints(1)}), rhai.NewMap(map[string]rhai.Value{"a": ints(1)}), true},
		{rhai.NewMap(map[string]rhai.Value{"a": ints(1)}), rhai.NewMap(map[string]rhai.Value{"b": ints(1)}), false},
		{rhai.NewBlob([]byte{1}), rhai.NewBlob([]byte{1}), true},
		{rhai.Float(math.NaN()), rhai.Float(math.NaN()), false},
	}
	for i, tt := range tests {
		if got := rhai.Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("%d: Equal(%s, %s) = %v", i, rhai.ToDebug(tt.a), rhai.ToDebug(tt.b), got)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b rhai.Value
		want int
		ok   bool
	}{
		{rhai.Int(1), rhai.Int(2), -1, true},
		{rhai.Int(2), rhai.Float(1.5), 1, true},
		{rhai.String("abc"), rhai.String("abd"), -1, true},
		{rhai.Char('b'), rhai.String("a"), 1, true},
		{rhai.Bool(false), rhai.Bool(true), -1, true},
		{rhai.Int(1), rhai.String("a"), 0, false},
		{ints(1), ints(1), 0, false},
		{rhai.Float(math.NaN()), rhai.Float(1), 0, false},
	}
	for i, tt := range tests {
		got, ok := rhai.Compare(tt.a, tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%d: Compare(%s, %s) = %d, %v", i, rhai.ToDebug(tt.a), rhai.ToDebug(tt.b), got, ok)
		}
	}
}

func TestFloatEpsilon(t *testing.T) {
	tests := []struct {
		a, b float64
		want int
	}{
		{0, 1e-16, 0},
		{0, 1e-15, -1},
		{1e-19, 1e-18, -1},
		{0.1 + 0.2, 0.3, 0},
		{1e-20, 0.000000000000000000010000000000000001, 0},
		{1e-20, 0.00000000000000000001000000000000001, -1},
		{math.Inf(1), math.Inf(1), 0},
		{math.Inf(1), 1e300, 1},
	}
	for _, tt := range tests {
		got, ok := rhai.Compare(rhai.Float(tt.a), rhai.Float(tt.b))
		if !ok || got != tt.want {
			t.Errorf("Compare(%g, %g) = %d, %v; want %d", tt.a, tt.b, got, ok, tt.want)
		}
		if eq := rhai.Equal(rhai.Float(tt.a), rhai.Float(tt.b)); eq != (tt.want == 0) {
			t.Errorf("Equal(%g, %g) = %v", tt.a, tt.b, eq)
		}
	}
}
