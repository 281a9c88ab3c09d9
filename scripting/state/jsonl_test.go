package state

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

func TestTypedJSONRoundTripsEveryType(t *testing.T) {
	for _, v := range sampleValues() {
		j, err := MarshalValue(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnmarshalValue(j)
		if err != nil || !identical(got, v) {
			t.Errorf("%s -> %s -> %s (%s), %v", rhai.ToString(v), j, rhai.ToString(got), got.TypeName(), err)
		}
	}
}

func TestTypedJSONForms(t *testing.T) {
	for v, want := range map[*rhai.Value]string{
		ptr(rhai.Int(math.MinInt64)):              `-9223372036854775808`,
		ptr(rhai.Float(2)):                        `{"f64":2}`,
		ptr(rhai.Float(math.Copysign(0, -1))):     `{"f64":"-0"}`,
		ptr(rhai.Float(math.Inf(-1))):             `{"f64":"-inf"}`,
		ptr(rhai.Float(math.NaN())):               `{"f64":"nan:7ff8000000000001"}`,
		ptr(rhai.Char('x')):                       `{"char":"x"}`,
		ptr(rhai.NewBlob([]byte{1, 2})):           `{"blob":"AQI="}`,
		ptr(rhai.NewMap(map[string]rhai.Value{})): `{"map":{}}`,
	} {
		got, err := MarshalValue(nil, *v)
		if err != nil || string(got) != want {
			t.Errorf("%s: %s, %v; want %s", rhai.ToString(*v), got, err, want)
		}
	}
}

func ptr(v rhai.Value) *rhai.Value { return &v }

func TestTypedJSONRefusesAmbiguity(t *testing.T) {
	for _, in := range []string{
		`1.5`, `1e3`, `9223372036854775808`, `{"f64":"nan:0"}`, `{"f64":"x"}`, `{"char":"ab"}`,
		`{"char":""}`, `{"blob":"!!"}`, `{"a":1}`, `{"f64":1,"char":"x"}`, `{"map":[1]}`, `1 2`, ``,
	} {
		if v, err := UnmarshalValue([]byte(in)); err == nil {
			t.Errorf("%q read as %s (%s)", in, rhai.ToString(v), v.TypeName())
		}
	}
}

func TestExportImportRestoresExactly(t *testing.T) {
	ctx := context.Background()
	src := NewMemory()
	defer src.Close()
	vals := sampleValues()
	err := Update(ctx, src, "c", DefaultLimits(), func(tx *Tx) error {
		for i, v := range vals {
			if err := tx.Set(fmt.Sprintf("k%02d", i), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := Export(ctx, src, "c", &out)
	if err != nil || n != len(vals) {
		t.Fatalf("export: %d, %v", n, err)
	}
	dst := NewMemory()
	defer dst.Close()
	_ = Update(ctx, dst, "c", DefaultLimits(), func(tx *Tx) error { return tx.Set("stale", rhai.Int(1)) })
	if n, err := Import(ctx, dst, "c", DefaultLimits(), bytes.NewReader(out.Bytes()), true); err != nil || n != len(vals) {
		t.Fatalf("import: %d, %v", n, err)
	}
	err = View(ctx, dst, "c", func(tx *Tx) error {
		if ok, _ := tx.Contains("stale"); ok {
			return fmt.Errorf("--replace kept a key not in the import")
		}
		for i, v := range vals {
			got, ok, err := tx.Get(fmt.Sprintf("k%02d", i))
			if err != nil || !ok || !identical(got, v) {
				return fmt.Errorf("k%02d = %s, want %s (%v)", i, rhai.ToString(got), rhai.ToString(v), err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st := NewMemory()
	defer st.Close()
	for name, in := range map[string]string{
		"bad line":      "{\"key\":\"a\",\"value\":1}\n{\"key\":\"b\",\"value\":1.5}\n",
		"duplicate key": "{\"key\":\"a\",\"value\":1}\n{\"key\":\"a\",\"value\":2}\n",
		"empty key":     "{\"key\":\"a\",\"value\":1}\n{\"key\":\"\",\"value\":2}\n",
		"no value":      "{\"key\":\"a\",\"value\":1}\n{\"key\":\"b\"}\n",
		"extra member":  "{\"key\":\"a\",\"value\":1,\"x\":2}\n",
		"over a limit":  "{\"key\":\"a\",\"value\":1}\n{\"key\":\"b\",\"value\":2}\n{\"key\":\"c\",\"value\":3}\n",
	} {
		_, err := Import(ctx, st, "c", Limits{MaxKeys: 2}, strings.NewReader(in), false)
		if err == nil {
			t.Errorf("%s: imported", name)
		}
	}
	_ = View(ctx, st, "c", func(tx *Tx) error {
		if n, _ := tx.Len(); n != 0 {
			t.Errorf("a failed import left %d keys", n)
		}
		return nil
	})
}

func FuzzImportLine(f *testing.F) {
	f.Add([]byte(`{"key":"a","value":{"map":{"x":[1,{"f64":"nan:7ff8000000000001"},{"char":"é"},{"blob":"AQI="}]}}}`))
	f.Add([]byte(`{"key":"a","value":null}`))
	f.Add([]byte(`{"key":"a","value":{"f64":-0.0}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		k, v, err := ParseLine(line)
		if err != nil {
			return
		}
		// What parses marshals back to a line that parses to the same.
		j, err := MarshalValue(nil, v)
		if err != nil {
			if _, ok := err.(*UnstorableError); ok {
				t.Fatalf("a parsed value is not storable: %v", err)
			}
			return // nested too deeply for the store: refused, not a crash
		}
		b := append(appendJSONString([]byte(`{"key":`), k), `,"value":`...)
		b = append(append(b, j...), '}')
		k2, w, err := ParseLine(b)
		if err != nil || k2 != k || !identical(v, w) {
			t.Fatalf("%s -> %s: %v", line, b, err)
		}
	})
}
