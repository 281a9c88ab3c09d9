package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/internal/jsonstr"
	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// EvalCmd is the `eval` command: run one script locally, from -e, a file,
// or standard input ("-" or no argument), in the server's sandbox: the same
// limit flags with the same defaults (time, operations, sizes, the memory
// budget), and a cap on print output, so a script that would be stopped by
// `serve` is stopped here too.
type EvalCmd struct {
	JSON          bool          `help:"Print one JSON object (ok/type/value/stdout or ok=false with the error: kind parse or runtime as stock Rhai's CLI says, detail our finer kind), as the conformance runner expects."`
	Expr          string        `short:"e" name:"expr" help:"Script text to run instead of a file."`
	Timeout       time.Duration `help:"Wall-clock budget for the run (overrides --script-timeout)."`
	MaxPrintBytes int           `name:"max-print-bytes" default:"65536" help:"Bytes of print() output written; later lines are dropped (counted on stderr), as the server keeps 64 KiB of prints."`
	SandboxFlags  `embed:""`
	File          string `arg:"" optional:"" help:"Script file; '-' or nothing reads standard input."`
}

// Run runs the command.
func (c *EvalCmd) Run(ctx context.Context, g *Globals) error {
	src, err := c.source()
	if err != nil {
		return err
	}
	cfg := config.Default()
	c.SandboxFlags.apply(&cfg)
	cfg.FillDefaults() // an EvalCmd built in code leaves flags at zero
	limits := actors.SandboxLimits(cfg)
	timeout := cfg.ScriptTimeout
	if c.Timeout > 0 {
		timeout = c.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout strings.Builder
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	prints := &printCap{left: c.MaxPrintBytes}
	if prints.left <= 0 {
		prints.left = 64 << 10
	}
	opts := &rhai.RunOptions{
		Limits: &limits,
		// debug() goes to stderr at once; flush prints first to keep the order.
		Debug: func(s string) { out.Flush(); fmt.Fprintln(os.Stderr, s) },
	}
	var w io.Writer = out
	if c.JSON {
		w = &stdout
	}
	if c.Modules != "" {
		if st, err := os.Stat(c.Modules); err != nil || !st.IsDir() {
			return fmt.Errorf("--modules %s is not a readable directory", c.Modules)
		}
		opts.Modules = rhai.NewFileResolver(c.Modules, nil)
	}
	opts.Print = func(s string) { prints.write(w, s) }
	v, runErr := rhai.NewEngine().Eval(ctx, src, opts)
	if prints.dropped > 0 {
		out.Flush()
		fmt.Fprintf(os.Stderr, "circles-actor eval: %d bytes of print output dropped (--max-print-bytes %d)\n", prints.dropped, c.MaxPrintBytes)
	}
	if c.JSON {
		return writeJSONResult(out, v, runErr, stdout.String())
	}
	if runErr != nil {
		out.Flush()
		fmt.Fprintln(os.Stderr, runErr)
		return exitCode(1)
	}
	if v.Kind() != rhai.KindUnit { // as rhai-run: the final value unless it is ()
		fmt.Fprintln(out, rhai.ToString(v))
	}
	return nil
}

// printCap writes print() lines while its byte budget lasts and counts the
// rest: without it, a script printing megabytes in a loop grows eval's
// output buffer until the machine runs out of memory.
type printCap struct {
	left    int
	dropped int64
}

func (p *printCap) write(w io.Writer, s string) {
	if len(s)+1 > p.left {
		p.left = 0
		p.dropped += int64(len(s)) + 1
		return
	}
	p.left -= len(s) + 1
	io.WriteString(w, s)
	io.WriteString(w, "\n")
}

// source reads the script from -e, the file argument or standard input.
func (c *EvalCmd) source() (string, error) {
	if c.Expr != "" {
		if c.File != "" {
			return "", errors.New("give either -e or a file, not both")
		}
		return c.Expr, nil
	}
	var b []byte
	var err error
	if c.File == "" || c.File == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(c.File)
	}
	if err != nil {
		return "", fmt.Errorf("failed to read script: %w", err)
	}
	return string(b), nil
}

// evalError is the error object of the --json contract. Kind is the
// reference's: "parse" for a syntax error of the script itself, "runtime"
// for every other failure (errors inside eval included), so that a
// comparison with stock Rhai's output needs no mapping; Detail is our finer
// kind (rhai.ErrorKind: "function_not_found", "too_many_operations", ...)
// where it says more.
type evalError struct {
	Kind    string `json:"kind"`
	Detail  string `json:"detail,omitempty"`
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// newEvalError is err in the contract's form.
func newEvalError(kind rhai.ErrorKind, message string, line, column int) evalError {
	e := evalError{Kind: string(rhai.ErrRuntime), Message: message, Line: line, Column: column}
	switch kind {
	case rhai.ErrParse:
		e.Kind = string(rhai.ErrParse)
	case rhai.ErrRuntime:
	default:
		e.Detail = string(kind)
	}
	return e
}

// writeJSONResult prints the one JSON object of the conformance contract.
func writeJSONResult(w io.Writer, v rhai.Value, runErr error, stdout string) error {
	out := map[string]any{"stdout": stdout}
	if runErr != nil {
		ee := newEvalError(rhai.ErrRuntime, runErr.Error(), 0, 0)
		var re *rhai.Error
		if errors.As(runErr, &re) {
			// The message as Rhai displays it (the reference CLI's form:
			// "Syntax error: ", "Runtime error: ", the position).
			ee = newEvalError(re.Kind, re.RhaiMessage(), re.Line, re.Column)
		}
		out["ok"] = false
		out["error"] = ee
	} else {
		out["ok"] = true
		out["type"] = v.TypeName()
		out["value"] = contractValue{v}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("failed to encode result: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// contractValue writes a result value as the reference CLI does: floats
// always as JSON floats ("2.0", "-0.0", "1e+20"; not finite ones as the
// strings "NaN", "inf", "-inf"), chars as one-character strings, and the
// kinds JSON has no form for (blob, range, Fn, timestamp, host values) as
// their to_string text.
type contractValue struct{ v rhai.Value }

func (c contractValue) MarshalJSON() ([]byte, error) {
	return appendContract(nil, c.v, 0)
}

func appendContract(b []byte, v rhai.Value, depth int) ([]byte, error) {
	if depth > 256 {
		return nil, errors.New("value nested too deeply")
	}
	var err error
	switch v.Kind() {
	case rhai.KindUnit:
		return append(b, "null"...), nil
	case rhai.KindBool:
		return strconv.AppendBool(b, v.AsBool()), nil
	case rhai.KindInt:
		return strconv.AppendInt(b, v.AsInt(), 10), nil
	case rhai.KindFloat:
		f := v.AsFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.AppendQuote(b, rhai.FormatFloat(f)), nil
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return append(b, s...), nil
	case rhai.KindChar:
		return jsonstr.Append(b, string(v.AsChar())), nil
	case rhai.KindString:
		return jsonstr.Append(b, v.AsStr()), nil
	case rhai.KindArray:
		b = append(b, '[')
		for i, e := range v.AsArray().Elems {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendContract(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case rhai.KindMap:
		m := v.AsMap().GoMap()
		b = append(b, '{')
		for i, k := range rhai.SortedKeys(m) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(jsonstr.Append(b, k), ':')
			if b, err = appendContract(b, m[k], depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case rhai.KindCustom:
		if s, ok := rhai.ToGo(v).(string); ok {
			return jsonstr.Append(b, s), nil
		}
	}
	return jsonstr.Append(b, rhai.ToString(v)), nil
}
