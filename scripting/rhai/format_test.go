package rhai_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

func TestToString(t *testing.T) {
	m := rhai.NewMap(map[string]rhai.Value{"b": rhai.Int(2), "a": rhai.String("x\"y")})
	tests := []struct {
		v          rhai.Value
		str, debug string
	}{
		{rhai.Unit, "", "()"},
		{rhai.Bool(true), "true", "true"},
		{rhai.Int(-42), "-42", "-42"},
		{rhai.Float(1), "1.0", "1.0"},
		{rhai.Float(0), "0.0", "0.0"},
		{rhai.Float(0.1), "0.1", "0.1"},
		{rhai.Float(-2.5), "-2.5", "-2.5"},
		{rhai.Float(1e20), "1e20", "1e20"},
		{rhai.Float(1e14), "1e14", "100000000000000.0"},
		{rhai.Float(123456.0), "123456.0", "123456.0"},
		{rhai.Float(1.5e-14), "1.5e-14", "1.5e-14"},
		{rhai.Float(1e-7), "0.0000001", "1e-7"},
		{rhai.Float(math.NaN()), "NaN", "NaN"},
		{rhai.Float(math.Inf(-1)), "-inf", "-inf"},
		{rhai.Char('x'), "x", "x"},
		{rhai.Char('\''), "'", "'"}, // Rhai 1.26's to_debug of a char is the char
		{rhai.String("a\nb"), "a\nb", `"a\nb"`},
		{rhai.String("q\"b\\c\x01é'\t"), "q\"b\\c\x01é'\t", `"q\"b\\c\u{1}é'\t"`},
		{rhai.NewArray([]rhai.Value{rhai.Int(1), rhai.String("a"), rhai.Char('c'), rhai.Unit, rhai.Float(2)}),
			`[1, "a", c, (), 2.0]`, `[1, "a", c, (), 2.0]`},
		{m, `#{"a": "x\"y", "b": 2}`, `#{"a": "x\"y", "b": 2}`},
		{rhai.NewBlob([]byte{1, 2, 255, 0, 0, 0, 0, 0, 9}), "[0102ff0000000000 09]", "[0102ff0000000000 09]"},
		{rhai.NewRange(1, 5, false), "1..5", "1..5"},
		{rhai.NewRange(1, 5, true), "1..=5", "1..=5"},
		{rhai.NewFnPtr(&rhai.FnPtr{Name: "foo"}), "Fn(foo)", "Fn(foo)"},
		{rhai.Timestamp(time.Now()), "<timestamp>", "<timestamp>"},
	}
	for _, tt := range tests {
		if got := rhai.ToString(tt.v); got != tt.str {
			t.Errorf("ToString(%s) = %q, want %q", tt.v.TypeName(), got, tt.str)
		}
		if got := rhai.ToDebug(tt.v); got != tt.debug {
			t.Errorf("ToDebug(%s) = %q, want %q", tt.v.TypeName(), got, tt.debug)
		}
	}
}

func TestToStringBounded(t *testing.T) {
	big := rhai.String(strings.Repeat("x", 1<<20))
	elems := make([]rhai.Value, 5)
	for i := range elems {
		elems[i] = big
	}
	arr := rhai.NewArray(elems)
	outer := rhai.NewArray([]rhai.Value{arr, arr})
	if n := len(rhai.ToString(outer)); n > 9<<20 {
		t.Errorf("output not bounded: %d bytes", n)
	}
	nested := rhai.NewArray(nil)
	for i := 0; i < 600; i++ {
		nested = rhai.NewArray([]rhai.Value{nested})
	}
	if s := rhai.ToDebug(nested); !strings.Contains(s, "...") {
		t.Errorf("deep nesting not cut")
	}
}

// ToString is what print shows; ToDebug is what debug shows.
func ExampleToString() {
	v := rhai.NewArray([]rhai.Value{rhai.Int(1), rhai.Float(2), rhai.String("x"), rhai.Char('c'), rhai.Unit})
	fmt.Println(rhai.ToString(v))
	fmt.Println(rhai.ToString(rhai.Float(1e20)), rhai.ToString(rhai.String("x")), rhai.ToDebug(rhai.String("x")))
	// Output:
	// [1, 2.0, "x", c, ()]
	// 1e20 x "x"
}
