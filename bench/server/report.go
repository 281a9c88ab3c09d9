package server

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"text/tabwriter"
	"time"
)

// Figure is one compared measurement: the bare reference and ours from the
// same run, and the ratio ours/bare.
type Figure struct {
	Name   string
	Unit   string
	Bare   float64
	Ours   float64
	Target string // e.g. ">= 0.7"; empty when there is none
}

// Ratio is ours over bare.
func (f Figure) Ratio() float64 { return f.Ours / f.Bare }

// ReportOptions configure RunReport; the zero value gives the defaults of
// issue 3 apart from ChildCommand, which must be set for the memory figures.
type ReportOptions struct {
	// Clients is the number of concurrent clients. Default 64.
	Clients int
	// Rounds of each throughput measurement; the median is reported, and
	// the servers take turns going first. Default 5.
	Rounds int
	// Warmup precedes every throughput window. Default 500ms.
	Warmup time.Duration
	// Duration is the throughput window. Default 2s.
	Duration time.Duration
	// Workers per circle on our server. Default 1 (the server's default).
	Workers int
	// Idle is the idle-memory run (Conns default 2,000).
	Idle IdleOptions
	// ChildCommand returns the command that runs ServeChild for kind with
	// maxConns; nil skips the memory figures.
	ChildCommand func(ctx context.Context, kind string, maxConns int) *exec.Cmd
	// Progress receives one line per finished measurement; nil discards.
	Progress io.Writer
}

func (o *ReportOptions) defaults() {
	if o.Clients <= 0 {
		o.Clients = 64
	}
	if o.Rounds <= 0 {
		o.Rounds = 5
	}
	if o.Warmup <= 0 {
		o.Warmup = 500 * time.Millisecond
	}
	if o.Duration <= 0 {
		o.Duration = 2 * time.Second
	}
	if o.Idle.Conns <= 0 {
		o.Idle.Conns = 2000
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// RunReport measures play and authentication throughput of both servers
// (in this process, clients included) and, with ChildCommand, the memory
// per idle authenticated connection (servers in child processes).
func RunReport(ctx context.Context, opts ReportOptions) ([]Figure, error) {
	opts.defaults()
	if err := RaiseFDLimit(); err != nil {
		return nil, err
	}
	figs, err := throughputFigures(ctx, opts)
	if err != nil || opts.ChildCommand == nil {
		return figs, err
	}
	mem := map[string]IdleResult{}
	for _, kind := range []string{"bare", "ours"} {
		cmd := opts.ChildCommand(ctx, kind, opts.Idle.Conns+opts.Idle.Warm+64)
		r, err := MeasureIdle(ctx, kind, cmd, opts.Idle)
		if err != nil {
			return figs, fmt.Errorf("failed to measure idle memory of %s: %w", kind, err)
		}
		fmt.Fprintf(opts.Progress, "idle %s: %d conns, RSS %.1f KB/conn, Go heap+stacks %.1f KB/conn, %.2f goroutines/conn\n",
			kind, r.Conns, r.RSSPerConn()/1024, r.GoMemPerConn()/1024, r.GoroutinesPerConn())
		mem[kind] = r
	}
	b, o := mem["bare"], mem["ours"]
	return append(figs,
		Figure{Name: fmt.Sprintf("RSS per idle auth conn (%d)", b.Conns), Unit: "KB", Bare: b.RSSPerConn() / 1024, Ours: o.RSSPerConn() / 1024, Target: "<= 1.2, ours < 30-50 KB"},
		Figure{Name: "Go heap+stacks per idle conn", Unit: "KB", Bare: b.GoMemPerConn() / 1024, Ours: o.GoMemPerConn() / 1024},
		Figure{Name: "  of which goroutine stacks", Unit: "KB", Bare: b.StacksPerConn() / 1024, Ours: o.StacksPerConn() / 1024},
		Figure{Name: "goroutines per idle conn", Unit: "", Bare: b.GoroutinesPerConn(), Ours: o.GoroutinesPerConn()},
	), nil
}

// throughputFigures runs both servers side by side in this process.
func throughputFigures(ctx context.Context, opts ReportOptions) ([]Figure, error) {
	bare, err := StartBare(Circle)
	if err != nil {
		return nil, err
	}
	defer func() { _ = bare.Close(context.WithoutCancel(ctx)) }()
	ours, err := StartOurs(Circle, OursOptions{WorkersPerCircle: opts.Workers, MaxConnsPerIP: opts.Clients + 64})
	if err != nil {
		return nil, err
	}
	defer func() { _ = ours.Close(context.WithoutCancel(ctx)) }()
	clients := map[string]*Clients{}
	for _, tg := range []Target{bare, ours} {
		cs, err := Connect(ctx, tg.URL(), opts.Clients)
		if err != nil {
			return nil, err
		}
		defer cs.Close()
		clients[tg.Name()] = cs
	}
	var figs []Figure
	for _, op := range []struct {
		op     Op
		name   string
		target string
	}{{OpPlay, fmt.Sprintf("play round trips/s (%d clients)", opts.Clients), ">= 0.7"}, {OpAuth, fmt.Sprintf("authentications/s (%d clients)", opts.Clients), ">= 0.9"}} {
		rates, cpu := map[string][]float64{}, map[string][]float64{}
		for round := range opts.Rounds {
			order := []string{"bare", "ours"}
			if round%2 == 1 {
				slices.Reverse(order)
			}
			for _, kind := range order {
				r, err := clients[kind].Throughput(ctx, op.op, opts.Warmup, opts.Duration)
				if err != nil {
					return figs, fmt.Errorf("failed to measure %s on %s: %w", op.op, kind, err)
				}
				fmt.Fprintf(opts.Progress, "round %d %s %s: %.0f/s, %.1f us CPU/op\n", round+1, op.op, kind, r.PerSec, us(r.CPUPerOp))
				rates[kind] = append(rates[kind], r.PerSec)
				cpu[kind] = append(cpu[kind], us(r.CPUPerOp))
			}
		}
		figs = append(figs,
			Figure{Name: op.name, Unit: "/s", Bare: medianF(rates["bare"]), Ours: medianF(rates["ours"]), Target: op.target},
			Figure{Name: "  CPU per " + string(op.op) + " (server+client)", Unit: "us", Bare: medianF(cpu["bare"]), Ours: medianF(cpu["ours"])})
	}
	return figs, nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func medianF(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// WriteFigures prints the comparison table.
func WriteFigures(w io.Writer, figs []Figure) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tbare\tours\tours/bare\ttarget")
	for _, f := range figs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\n", f.Name, num(f.Bare, f.Unit), num(f.Ours, f.Unit), f.Ratio(), f.Target)
	}
	return tw.Flush()
}

func num(v float64, unit string) string {
	switch unit {
	case "/s":
		return fmt.Sprintf("%.0f/s", v)
	case "us":
		return fmt.Sprintf("%.1f us", v)
	case "KB":
		return fmt.Sprintf("%.1f KB", v)
	}
	return fmt.Sprintf("%.2f", v)
}
