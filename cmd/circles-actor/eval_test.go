package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// TestEvalJSONResult checks the --json contract of the conformance runner.
func TestEvalJSONResult(t *testing.T) {
	t.Parallel()
	arr := rhai.NewArray([]rhai.Value{
		rhai.Int(math.MaxInt64), rhai.Float(math.Inf(-1)), rhai.Float(math.NaN()), rhai.Char('x'), rhai.Unit,
		rhai.NewMap(map[string]rhai.Value{"k": rhai.Bool(true)}),
	})
	var buf bytes.Buffer
	if err := writeJSONResult(&buf, arr, nil, "a\n"); err != nil {
		t.Fatal(err)
	}
	want := `{"ok":true,"stdout":"a\n","type":"array","value":[9223372036854775807,"-inf","NaN","x",null,{"k":true}]}`
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	buf.Reset()
	err := &rhai.Error{Kind: rhai.ErrArithmetic, Message: "Division by zero", Line: 2, Column: 3}
	if err := writeJSONResult(&buf, rhai.Unit, err, ""); err != nil {
		t.Fatal(err)
	}
	var out struct {
		OK    bool      `json:"ok"`
		Error evalError `json:"error"`
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.OK || out.Error != (evalError{Kind: "arithmetic", Message: "Division by zero", Line: 2, Column: 3}) {
		t.Errorf("got %+v", out)
	}
}

func TestEvalSource(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "s.rhai")
	if err := os.WriteFile(file, []byte("40 + 2"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := (&EvalCmd{File: file}).source()
	if err != nil || src != "40 + 2" {
		t.Fatalf("file: %q %v", src, err)
	}
	src, err = (&EvalCmd{Expr: "1"}).source()
	if err != nil || src != "1" {
		t.Fatalf("-e: %q %v", src, err)
	}
	if _, err := (&EvalCmd{Expr: "1", File: file}).source(); err == nil {
		t.Fatal("both -e and a file accepted")
	}
}

func TestEvalExitStatus(t *testing.T) {
	if code := run([]string{"eval", "-e", "let x = 1; x"}); code != 0 {
		t.Errorf("good script: exit %d", code)
	}
	if code := run([]string{"eval", "-e", "x + 1"}); code != 1 {
		t.Errorf("failing script: exit %d", code)
	}
	var ec exitCode
	if !errors.As(error(exitCode(1)), &ec) {
		t.Fatal("exitCode is not an error")
	}
}
