// Command circles-actor hosts many circles on one port: `serve` runs the
// server, `worker` runs Redis-fed workers only, `eval` runs one script
// locally, `keygen` makes a key pair, `play` sends a script to a server and
// `status` shows the Redis queues, `circles` manages a running server's
// circles through its admin API.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"
)

// Globals are flags shared by every command.
type Globals struct {
	Debug     bool   `short:"d" help:"Debug logging (same as -vv)." env:"CIRCLES_DEBUG"`
	Verbose   int    `short:"v" type:"counter" help:"More logging; repeat for more." env:"CIRCLES_VERBOSE"`
	LogFormat string `enum:"text,json" default:"text" help:"Log format: text or json." env:"CIRCLES_LOG_FORMAT"`
}

// CLI is the command line.
type CLI struct {
	Globals

	Serve  ServeCmd  `cmd:"" help:"Run the server (embedded workers by default; Redis with --redis-url)."`
	Worker WorkerCmd `cmd:"" help:"Run Redis-fed workers only, for other machines."`
	Eval   EvalCmd   `cmd:"" help:"Run one Rhai script locally in the server's sandbox (same limits, memory budget and timeout; print output capped)."`
	Keygen KeygenCmd `cmd:"" help:"Print a new secp256k1 key pair."`
	Play   PlayCmd   `cmd:"" help:"Send a script to a running server over WebSocket."`
	Status StatusCmd `cmd:"" help:"Show Redis queue depth, active tasks and live workers per circle."`

	Circles CirclesCmd `cmd:"" help:"List, add and remove circles of a running server (its admin API)."`
	State   StateCmd   `cmd:"" help:"Export or import a circle's state (JSON Lines)."`
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run parses args, runs the chosen command and returns the exit status.
func run(args []string) int {
	var cli CLI
	parser, err := kong.New(&cli,
		kong.Name("circles-actor"),
		kong.Description("Hosts many Rhai-scripted circles behind one WebSocket port."),
		kong.UsageOnError(),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		parser.Errorf("%s", scrubSecrets(err.Error(), args, os.Environ()))
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	if err := kctx.Run(&cli.Globals); err != nil {
		var code exitCode
		if errors.As(err, &code) { // kong wraps the errors of Run
			return int(code)
		}
		fmt.Fprintln(os.Stderr, "circles-actor:", err)
		return 1
	}
	return 0
}

// exitCode lets a command choose its exit status without printing more.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// scrubSecrets hides, in a command-line error (kong quotes the value it
// could not read), the values given to secret-bearing flags and
// environment variables: webhook secrets and the redis url.
func scrubSecrets(msg string, args, env []string) string {
	var vals []string
	add := func(v string) {
		vals = append(vals, v)
		if _, after, ok := strings.Cut(v, "="); ok { // PK=SECRET
			vals = append(vals, after)
		}
		if red := redactURL(v); red != v {
			vals = append(vals, urlSecret(v))
		}
	}
	secretName := func(name string) bool {
		name = strings.ToLower(name)
		return strings.Contains(name, "secret") || strings.Contains(name, "redis-url") || strings.Contains(name, "redis_url")
	}
	for i, a := range args {
		name, val, hasVal := strings.Cut(a, "=")
		if !strings.HasPrefix(name, "--") || !secretName(name) {
			continue
		}
		if hasVal {
			add(val)
		} else if i+1 < len(args) {
			add(args[i+1])
		}
	}
	for _, kv := range env {
		if name, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, "CIRCLES_") && secretName(name) || strings.HasSuffix(name, "_WEBHOOK_SECRET") {
			add(val)
		}
	}
	for _, v := range vals {
		if v != "" {
			msg = strings.ReplaceAll(msg, v, "***")
		}
	}
	return msg
}

// urlSecret is the password part redactURL hides.
func urlSecret(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pass, _ := strings.Cut(rest[:at], ":")
	return pass
}
