// Command interpratio times interpreter workloads on our Rhai interpreter
// and on gopher-lua in one process, N runs each, and prints the median
// times, the ratio ours/gopher-lua per workload and their geometric mean:
// the public five of issue 2 (-set public, the default) and the ordinary
// seven of issue 11 (-set ordinary; target: each at most 0.6, geomean at
// most 0.4).
//
//	go run ./cmd/interpratio -runs 5 -set all
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"

	"github.com/circles-actor/circles-actor/bench/interp"
)

func main() {
	runs := flag.Int("runs", 5, "runs per interpreter and workload; the median is reported")
	only := flag.String("workloads", "", "comma-separated workloads to run (default: those of -set)")
	set := flag.String("set", "public", "workload set: public (fib,loop,sieve,strings,map), ordinary (mandel,closures,methods,objects,qsort,sortcmp,parse) or all")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *runs, *set, *only); err != nil {
		fmt.Fprintln(os.Stderr, "interpratio:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, runs int, set, only string) error {
	ws, ok := interp.Sets[set]
	if !ok {
		return fmt.Errorf("unknown workload set %q (public, ordinary or all)", set)
	}
	if only != "" {
		ws = nil
		for _, name := range strings.Split(only, ",") {
			w, ok := interp.Lookup(strings.TrimSpace(name))
			if !ok {
				return fmt.Errorf("unknown workload %q", name)
			}
			ws = append(ws, w)
		}
	}
	fmt.Printf("interpreter speed: ours (scripting/rhai) vs gopher-lua, %d runs each, median; %s %s/%s, GOMAXPROCS=%d\n",
		runs, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
	var ts []interp.Timing
	for _, w := range ws {
		t, err := interp.Measure(ctx, w, interp.MeasureOptions{Runs: runs})
		if err != nil {
			return err
		}
		ts = append(ts, t)
	}
	return interp.WriteTable(os.Stdout, ts)
}
