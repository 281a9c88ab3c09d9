package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// EvalCmd is the `eval` command: run one script locally with the default
// sandbox, from -e, a file, or standard input ("-" or no argument).
type EvalCmd struct {
	JSON    bool          `help:"Print one JSON object (ok/type/value/stdout or ok=false with the error), as the conformance runner expects."`
	Expr    string        `short:"e" name:"expr" help:"Script text to run instead of a file."`
	Timeout time.Duration `default:"10s" help:"Wall-clock budget for the run."`
	Modules string        `name:"modules" placeholder:"DIR" type:"path" help:"Resolve import \"name\" to DIR/name.rhai."`
	File    string        `arg:"" optional:"" help:"Script file; '-' or nothing reads standard input."`
}

// Run runs the command.
func (c *EvalCmd) Run(ctx context.Context, g *Globals) error {
	src, err := c.source()
	if err != nil {
		return err
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	var stdout strings.Builder
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	opts := &rhai.RunOptions{
		// debug() goes to stderr at once; flush prints first to keep the order.
		Debug: func(s string) { out.Flush(); fmt.Fprintln(os.Stderr, s) },
	}
	if c.JSON {
		opts.Print = func(s string) { stdout.WriteString(s); stdout.WriteByte('\n') }
	} else {
		opts.Print = func(s string) { out.WriteString(s); out.WriteByte('\n') }
	}
	if c.Modules != "" {
		if st, err := os.Stat(c.Modules); err != nil || !st.IsDir() {
			return fmt.Errorf("--modules %s is not a readable directory", c.Modules)
		}
		opts.Modules = rhai.NewFileResolver(c.Modules, nil)
	}
	v, runErr := rhai.NewEngine().Eval(ctx, src, opts)
	if c.JSON {
		return writeJSONResult(out, v, runErr, stdout.String())
	}
	if runErr != nil {
		out.Flush()
		fmt.Fprintln(os.Stderr, runErr)
		return exitCode(1)
	}
	fmt.Fprintln(out, rhai.ToString(v))
	return nil
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

// evalError is the error object of the --json contract.
type evalError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

// writeJSONResult prints the one JSON object of the conformance contract.
func writeJSONResult(w io.Writer, v rhai.Value, runErr error, stdout string) error {
	out := map[string]any{"stdout": stdout}
	if runErr != nil {
		ee := evalError{Kind: string(rhai.ErrRuntime), Message: runErr.Error()}
		var re *rhai.Error
		if errors.As(runErr, &re) {
			ee = evalError{Kind: string(re.Kind), Message: re.Message, Line: re.Line, Column: re.Column}
		}
		out["ok"] = false
		out["error"] = ee
	} else {
		out["ok"] = true
		out["type"] = v.TypeName()
		out["value"] = rhai.ToGo(v)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("failed to encode result: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
