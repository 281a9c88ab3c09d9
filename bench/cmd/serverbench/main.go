// Command serverbench compares our server with the bare reference server
// (issue 3, "Benchmarks") in one run and prints both figures and their
// ratio: play round trips per second and authentications per second with
// 64 concurrent clients over loopback (servers and clients in this
// process), and memory per idle authenticated connection (2,000
// connections; each server runs in a child process, a re-execution of this
// binary, so the clients' memory is not counted).
//
//	go run ./cmd/serverbench
//	go run ./cmd/serverbench -duration 5s -rounds 5 -conns 2000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"time"

	"github.com/circles-actor/circles-actor/bench/server"
)

func main() {
	var opts server.ReportOptions
	flag.IntVar(&opts.Clients, "clients", 64, "concurrent clients for the throughput figures")
	flag.IntVar(&opts.Rounds, "rounds", 5, "rounds per throughput figure (median reported)")
	flag.DurationVar(&opts.Warmup, "warmup", 500*time.Millisecond, "warm-up before each throughput window")
	flag.DurationVar(&opts.Duration, "duration", 2*time.Second, "throughput window")
	flag.IntVar(&opts.Workers, "workers", 1, "workers per circle on our server")
	flag.IntVar(&opts.Idle.Conns, "conns", 2000, "idle authenticated connections for the memory figures (0 skips them)")
	child := flag.String("child", "", "internal: run as the server child process of the memory figures (bare or ours)")
	maxConns := flag.Int("max-conns", 0, "internal: connections per IP the child allows")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *child != "" {
		if err := server.ServeChild(ctx, *child, *maxConns, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "serverbench child:", err)
			os.Exit(1)
		}
		return
	}
	if opts.Idle.Conns > 0 {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, "serverbench:", err)
			os.Exit(1)
		}
		opts.ChildCommand = func(ctx context.Context, kind string, maxConns int) *exec.Cmd {
			cmd := exec.CommandContext(ctx, exe, "-child", kind, "-max-conns", strconv.Itoa(maxConns))
			cmd.Stderr = os.Stderr
			return cmd
		}
	}
	opts.Progress = os.Stderr
	fmt.Printf("server benchmark: bare reference vs ours, same run; %d clients, %d rounds x %s (median), %d idle conns; %s GOMAXPROCS=%d\n",
		opts.Clients, opts.Rounds, opts.Duration, opts.Idle.Conns, runtime.Version(), runtime.GOMAXPROCS(0))
	figs, err := server.RunReport(ctx, opts)
	if len(figs) > 0 {
		_ = server.WriteFigures(os.Stdout, figs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serverbench:", err)
		os.Exit(1)
	}
}
