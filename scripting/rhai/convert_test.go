package rhai_test

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

func TestFromGoJSON(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`{"a": [1, 2.5, "x", null, true], "b": {"c": 9223372036854775807}}`))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		t.Fatal(err)
	}
	v, err := rhai.FromGo(x)
	if err != nil {
		t.Fatal(err)
	}
	want := `#{"a": [1, 2.5, "x", (), true], "b": #{"c": 9223372036854775807}}`
	if got := rhai.ToDebug(v); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	v, err = rhai.FromGo(map[string][]string{"k": {"a", "b"}})
	if err != nil || rhai.ToDebug(v) != `#{"k": ["a", "b"]}` {
		t.Errorf("reflect fallback: %s, %v", rhai.ToDebug(v), err)
	}
	if _, err := rhai.FromGo(map[int]string{1: "x"}); err == nil {
		t.Error("int-keyed map accepted")
	}
	if _, err := rhai.FromGo(struct{}{}); err == nil {
		t.Error("struct accepted")
	}
	if _, err := rhai.FromGo(uint64(math.MaxUint64)); err == nil {
		t.Error("uint64 overflow accepted")
	}
}

func TestToGo(t *testing.T) {
	v := rhai.NewMap(map[string]rhai.Value{
		"i": rhai.Int(-3), "f": rhai.Float(math.Inf(1)), "n": rhai.Float(math.NaN()),
		"c": rhai.Char('z'), "u": rhai.Unit, "a": rhai.NewArray([]rhai.Value{rhai.Float(1.5)}),
	})
	got := rhai.ToGo(v)
	want := map[string]any{"i": int64(-3), "f": "inf", "n": "NaN", "c": "z", "u": nil, "a": []any{1.5}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("not JSON-encodable: %v", err)
	}
}

// FromGo takes decoded JSON (with UseNumber, so integers stay i64); ToGo
// gives back data for encoding/json.
func ExampleFromGo() {
	dec := json.NewDecoder(strings.NewReader(`{"amount": 42, "rate": 0.5, "tags": ["a"]}`))
	dec.UseNumber()
	var x any
	_ = dec.Decode(&x)
	v, _ := rhai.FromGo(x)
	fmt.Println(rhai.ToDebug(v))
	out, _ := json.Marshal(rhai.ToGo(v))
	fmt.Println(string(out))
	// Output:
	// #{"amount": 42, "rate": 0.5, "tags": ["a"]}
	// {"amount":42,"rate":0.5,"tags":["a"]}
}
