package syntax_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai/syntax"
)

// conformancePath is the shared Rhai corpus, relative to this package.
const conformancePath = "../../../../shared/conformance/rhai-tests.jsonl"

type conformanceCase struct {
	ID     string `json:"id"`
	Script string `json:"script"`
	Expect struct {
		Error bool   `json:"error"`
		Kind  string `json:"kind"`
	} `json:"expect"`
}

// loadConformance reads the corpus, or returns nil when it is absent (the
// shared directory is not part of the repository).
func loadConformance(tb testing.TB) []conformanceCase {
	tb.Helper()
	f, err := os.Open(conformancePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatalf("failed to open conformance corpus: %v", err)
	}
	defer f.Close()
	var cases []conformanceCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var c conformanceCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("failed to decode conformance case: %v", err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("failed to read conformance corpus: %v", err)
	}
	return cases
}

// TestConformanceParses parses every script of the shared corpus: a script
// expected to succeed must parse; one expected to fail with a parse error
// must not. Scripts expected to fail at run time may go either way only when
// listed in runtimeParseFailures.
func TestConformanceParses(t *testing.T) {
	cases := loadConformance(t)
	if cases == nil {
		t.Skip("conformance corpus not present")
	}
	parsed, rejected := 0, 0
	for _, c := range cases {
		_, err := syntax.Parse(c.Script, nil)
		switch {
		case !c.Expect.Error && err != nil:
			t.Errorf("%s: unexpected parse error: %v\nscript: %s", c.ID, err, c.Script)
		case c.Expect.Error && c.Expect.Kind == "parse" && err == nil:
			t.Errorf("%s: expected a parse error\nscript: %s", c.ID, c.Script)
		case c.Expect.Error && c.Expect.Kind != "parse" && err != nil && !parseFailureExpected[c.ID]:
			t.Errorf("%s: expected a run-time error, got parse error: %v\nscript: %s", c.ID, err, c.Script)
		}
		if err != nil {
			var se *syntax.Error
			if !errors.As(err, &se) {
				t.Errorf("%s: error is %T, want *syntax.Error", c.ID, err)
			}
			rejected++
		} else {
			parsed++
		}
	}
	t.Logf("%d cases: %d parsed, %d rejected", len(cases), parsed, rejected)
}

// parseFailureExpected lists cases expected to fail without a stated error
// kind that Rhai rejects while parsing.
var parseFailureExpected = map[string]bool{
	"tests/chars.rs:test_chars:7":           true, // '' is not a character
	"tests/functions.rs:test_functions:12":  true, // unterminated block comment
	"tests/unit.rs:test_unit_with_spaces:0": true, // `( )` is not the unit literal
	"tests/bool_op.rs:test_bool_op3:0":      true, // a number literal as an operand of ||
	"tests/bool_op.rs:test_bool_op3:2":      true, // a number literal as an operand of &&
}
