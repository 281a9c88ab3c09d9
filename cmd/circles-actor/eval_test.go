package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// TestEvalJSONResult checks the --json contract of the conformance runner.
func TestEvalJSONResult(t *testing.T) {
	t.Parallel()
	arr := rhai.NewArray([]rhai.Value{
		rhai.Int(math.MaxInt64), rhai.Float(math.Inf(-1)), rhai.Float(math.NaN()), rhai.Char('x'), rhai.Unit,
		rhai.NewMap(map[string]rhai.Value{"k": rhai.Bool(true)}),
		// Floats stay floats; blobs are their to_string text, as the
		// reference CLI writes them.
		rhai.Float(2), rhai.Float(math.Copysign(0, -1)), rhai.Float(1e20), rhai.NewBlob([]byte{1, 255}),
	})
	var buf bytes.Buffer
	if err := writeJSONResult(&buf, arr, nil, "a\n"); err != nil {
		t.Fatal(err)
	}
	want := `{"ok":true,"stdout":"a\n","type":"array","value":[9223372036854775807,"-inf","NaN","x",null,{"k":true},2.0,-0.0,1e+20,"[01ff]"]}`
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Values JSON cannot hold are their to_string text, as the reference
	// CLI gives them: a BLOB "[2c00]", a timestamp "<timestamp>".
	buf.Reset()
	other := rhai.NewArray([]rhai.Value{rhai.NewBlob([]byte{0x2c, 0}), rhai.Timestamp(time.Unix(0, 0)), rhai.NewFnPtr(&rhai.FnPtr{Name: "f"})})
	if err := writeJSONResult(&buf, other, nil, ""); err != nil {
		t.Fatal(err)
	}
	want = `{"ok":true,"stdout":"","type":"array","value":["[2c00]","\u003ctimestamp\u003e","Fn(f)"]}`
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
	// The message in the reference CLI's form (the position in it).
	if out.OK || out.Error != (evalError{Kind: "runtime", Detail: "arithmetic", Message: "Division by zero (line 2, position 3)", Line: 2, Column: 3}) {
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

// TestEvalSandboxE2E runs the real binary on scripts that used to exhaust
// the machine (issue 15): a print flood and loops of huge copies, sorts and
// pads. Each ends with its error, and the process's peak RSS stays under
// the memory budget given with --max-run-bytes (plus the process's own
// baseline; the race detector's shadow memory multiplies it, so a race
// build only checks the errors).
func TestEvalSandboxE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, t.TempDir())
	const budget = 256 << 20  // the default
	const baseline = 64 << 20 // runtime, engine, the unmanaged slack of the Go heap
	timeout := "5s"
	if raceBuild {
		timeout = "30s"
	}
	cases := []struct{ name, src string }{
		{"print flood", `loop { print("x".pad(4000000, "x")) }`},
		{"print flood of a padded copy", `let s = "x"; loop { let t = s; t.pad(4000000, "x"); print(t) }`},
		{"array clone loop", `let a = []; a.pad(1000000, 0); loop { let b = a; b[0] = 1; }`},
		{"map clone loop", `let m = #{}; for i in 0..1000000 { m["k" + i] = i; } loop { let b = m; b.x = 1; }`},
		{"sort loop", `let a = []; for i in 0..1000000 { a.push((i * 7919) % 1000003); } loop { let b = a; b.sort(); }`},
		{"pad loop", `loop { let s = ""; s.pad(4194304, 'x'); }`},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "eval", "--json", "--timeout", timeout, "--max-run-bytes", strconv.Itoa(budget), "-e", tt.src)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			took := time.Since(start)
			checkRaces(t, "eval", stderr.String())
			if err != nil { // --json reports a script's failure in its output
				t.Fatalf("exit: %v\nstderr: %s", err, stderr.String())
			}
			var out struct {
				OK    bool      `json:"ok"`
				Error evalError `json:"error"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("output %q: %v", stdout.String(), err)
			}
			// Most end by the memory budget; the sort loop by its timeout,
			// as a million-element sort takes most of a second.
			if k := out.Error.Detail; out.OK || out.Error.Kind != "runtime" || k != string(rhai.ErrMemoryLimit) && k != string(rhai.ErrCancelled) {
				t.Fatalf("got %+v, want a memory_limit or timeout error", out)
			}
			rss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10 // Linux reports KiB
			t.Logf("%s: %s after %v, peak RSS %d MiB", tt.name, out.Error.Detail, took.Round(time.Millisecond), rss>>20)
			if !raceBuild && rss > budget+baseline {
				t.Errorf("peak RSS %d MiB, want under %d MiB", rss>>20, (budget+baseline)>>20)
			}
		})
	}
}
