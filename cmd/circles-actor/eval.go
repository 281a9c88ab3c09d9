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

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting/rhai"
)

// EvalCmd is the `eval` command: run one script locally, from -e, a file,
// or standard input ("-" or no argument), in the server's sandbox: the same
// limit flags with the same defaults (time, operations, sizes, the memory
// budget), and a cap on print output, so a script that would be stopped by
// `serve` is stopped here too.
type EvalCmd struct {
	JSON          bool          `help:"Print one JSON object (ok/type/value/stdout or ok=false with the error), as the conformance runner expects."`
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
	fmt.Fprintln(out, rhai.ToString(v))
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
			// The message as Rhai displays it (the reference CLI's form:
			// "Syntax error: ", "Runtime error: ", the position); the kind
			// stays our finer one (stable: see rhai.ErrorKind), where the
			// reference says only parse or runtime.
			ee = evalError{Kind: string(re.Kind), Message: re.RhaiMessage(), Line: re.Line, Column: re.Column}
		}
		out["ok"] = false
		out["error"] = ee
	} else {
		out["ok"] = true
		out["type"] = v.TypeName()
		out["value"] = rhai.ContractValue(v)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("failed to encode result: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
