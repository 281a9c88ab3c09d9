package rhai_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// conformancePath is Rhai's own test cases, shared by the project outside
// the repository (see ../shared/conformance/README.md).
const conformancePath = "../../../shared/conformance/rhai-tests.jsonl"

type conformanceCase struct {
	ID     string         `json:"id"`
	Script string         `json:"script"`
	Expect map[string]any `json:"expect"`
}

func loadConformance(tb testing.TB) []conformanceCase {
	tb.Helper()
	cases, err := readConformance()
	if err != nil {
		tb.Skipf("conformance cases not available: %v", err)
	}
	return cases
}

// readConformance parses the shared case file.
func readConformance() ([]conformanceCase, error) {
	data, err := os.ReadFile(conformancePath)
	if err != nil {
		return nil, err
	}
	var cases []conformanceCase
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c conformanceCase
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("failed to parse case line: %w", err)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// TestConformance runs Rhai's own cases in-process and fails below 95%.
func TestConformance(t *testing.T) {
	cases := loadConformance(t)
	e := rhai.NewEngine()
	passed := 0
	for _, c := range cases {
		if reason := runCase(e, c); reason != "" {
			t.Logf("FAIL %s: %s", c.ID, reason)
			continue
		}
		passed++
	}
	rate := float64(passed) / float64(len(cases))
	t.Logf("conformance: %d/%d passed (%.1f%%)", passed, len(cases), 100*rate)
	if rate < 0.95 {
		t.Errorf("conformance pass rate %.1f%% is below 95%%", 100*rate)
	}
}

// runCase returns "" when the case passes, else the reason.
func runCase(e *rhai.Engine, c conformanceCase) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out strings.Builder
	v, err := e.Eval(ctx, c.Script, &rhai.RunOptions{Print: func(s string) { out.WriteString(s + "\n") }})
	if c.Expect["error"] == true {
		if err == nil {
			return fmt.Sprintf("expected an error, got %s", rhai.ToDebug(v))
		}
		return ""
	}
	if err != nil {
		return "unexpected error: " + err.Error()
	}
	if want, ok := c.Expect["stdout"].(string); ok && want != out.String() {
		return fmt.Sprintf("stdout: want %q, got %q", want, out.String())
	}
	ty, ok := c.Expect["type"].(string)
	if !ok {
		return ""
	}
	if ty != v.TypeName() {
		return fmt.Sprintf("type: want %s, got %s (%s)", ty, v.TypeName(), rhai.ToDebug(v))
	}
	want, ok := c.Expect["value"]
	if !ok {
		return ""
	}
	elem, _ := c.Expect["elem"].(string)
	return matchValue(ty, want, encodeValue(v), elem)
}

// encodeValue turns a result into the JSON shape of `eval --json`, decoded
// back with json.Number so integers compare exactly.
func encodeValue(v rhai.Value) any {
	b, err := json.Marshal(rhai.ToGo(v))
	if err != nil {
		return err.Error()
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return err.Error()
	}
	return out
}

// matchValue mirrors run.py's value_matches.
func matchValue(ty string, want, got any, elem string) string {
	switch ty {
	case "i64":
		w, g := fmt.Sprint(want), fmt.Sprint(got)
		if _, ok := got.(json.Number); !ok || w != g || strings.ContainsAny(g, ".eE") {
			return fmt.Sprintf("want %v, got %v", want, got)
		}
		return ""
	case "f64":
		ws, wIsStr := want.(string)
		gs, gIsStr := got.(string)
		if wIsStr || gIsStr {
			if ws != gs || !wIsStr || !gIsStr {
				return fmt.Sprintf("want %v, got %v", want, got)
			}
			return ""
		}
		wf, err1 := strconv.ParseFloat(fmt.Sprint(want), 64)
		gf, err2 := strconv.ParseFloat(fmt.Sprint(got), 64)
		if err1 != nil || err2 != nil || !isClose(wf, gf) {
			return fmt.Sprintf("want %v, got %v", want, got)
		}
		return ""
	case "array":
		wa, ok1 := want.([]any)
		ga, ok2 := got.([]any)
		if !ok1 || !ok2 || len(wa) != len(ga) {
			return fmt.Sprintf("want %v, got %v", want, got)
		}
		for i := range wa {
			if elem == "" {
				if !reflect.DeepEqual(wa[i], ga[i]) {
					return fmt.Sprintf("element %d: want %v, got %v", i, wa[i], ga[i])
				}
				continue
			}
			if r := matchValue(elem, wa[i], ga[i], ""); r != "" {
				return fmt.Sprintf("element %d: %s", i, r)
			}
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("want %v, got %v", want, got)
	}
	return ""
}

func isClose(a, b float64) bool {
	return math.Abs(a-b) <= math.Max(1e-9*math.Max(math.Abs(a), math.Abs(b)), 1e-12)
}
