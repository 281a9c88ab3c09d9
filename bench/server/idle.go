package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// The idle-memory measurement runs the server in a child process so that
// the clients' memory never lands in the measured RSS. The parent (the
// client side) and the child talk over the child's stdin and stdout, one
// line per message:
//
//	child:  url <ws-url>
//	parent: measure
//	child:  mem <rss bytes> <go heap+stack bytes> <stack bytes> <goroutines>
//
// and the child shuts down when its stdin closes.

// MemSample is the server process's memory at one point.
type MemSample struct {
	// RSS is the resident set size from /proc/self/statm.
	RSS uint64
	// GoMem is the Go runtime's view: heap spans and goroutine stacks in
	// use (HeapInuse + StackInuse), steadier than RSS.
	GoMem uint64
	// Stacks is the part of GoMem that is goroutine stacks (StackInuse).
	Stacks uint64
	// Goroutines is runtime.NumGoroutine.
	Goroutines int
}

// String is the sample's line in the child protocol:
// "mem <rss> <gomem> <stacks> <goroutines>".
func (m MemSample) String() string {
	return "mem " + strconv.FormatUint(m.RSS, 10) + " " + strconv.FormatUint(m.GoMem, 10) + " " +
		strconv.FormatUint(m.Stacks, 10) + " " + strconv.Itoa(m.Goroutines)
}

// ParseMem reads a sample line written by MemSample.String.
func ParseMem(line string) (MemSample, error) {
	f := strings.Fields(line)
	if len(f) != 5 || f[0] != "mem" {
		return MemSample{}, fmt.Errorf("failed to parse sample %q: want mem <rss> <gomem> <stacks> <goroutines>", line)
	}
	var m MemSample
	var g uint64
	var err error
	m.RSS, err = strconv.ParseUint(f[1], 10, 64)
	if err == nil {
		m.GoMem, err = strconv.ParseUint(f[2], 10, 64)
	}
	if err == nil {
		m.Stacks, err = strconv.ParseUint(f[3], 10, 64)
	}
	if err == nil {
		g, err = strconv.ParseUint(f[4], 10, 31)
	}
	if err != nil {
		return MemSample{}, fmt.Errorf("failed to parse sample %q: %w", line, err)
	}
	m.Goroutines = int(g)
	return m, nil
}

// idleGCs is how many collections run before a sample. Each one may halve
// the stack of a goroutine using under a quarter of it, so a few of them
// give the steady state of connections that have been idle for a while
// (the read goroutine that verified a signature had a deep stack once).
const idleGCs = 4

// sampleMem collects garbage, returns freed pages to the OS (so RSS counts
// live memory, not what an earlier phase left behind) and samples.
func sampleMem() (MemSample, error) {
	for range idleGCs {
		runtime.GC()
	}
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return MemSample{}, fmt.Errorf("failed to read RSS: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return MemSample{}, fmt.Errorf("failed to read RSS: statm %q", b)
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return MemSample{}, fmt.Errorf("failed to read RSS: %w", err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return MemSample{
		RSS:        pages * uint64(os.Getpagesize()),
		GoMem:      ms.HeapInuse + ms.StackInuse,
		Stacks:     ms.StackInuse,
		Goroutines: runtime.NumGoroutine(),
	}, nil
}

// RaiseFDLimit lifts the soft RLIMIT_NOFILE to the hard limit: thousands
// of sockets need thousands of descriptors on each side.
func RaiseFDLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("failed to read file descriptor limit: %w", err)
	}
	if lim.Cur >= lim.Max {
		return nil
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("failed to raise file descriptor limit: %w", err)
	}
	return nil
}

// ServeChild is the child side: it starts the server of kind (allowing
// maxConns connections from one IP), prints its URL, answers every
// "measure" with a sample, and closes the server when in ends.
func ServeChild(ctx context.Context, kind string, maxConns int, in io.Reader, out io.Writer) error {
	if err := RaiseFDLimit(); err != nil {
		return err
	}
	tg, err := Start(kind, Circle, OursOptions{MaxConnsPerIP: maxConns})
	if err != nil {
		return err
	}
	defer func() { _ = tg.Close(ctx) }()
	if _, err := fmt.Fprintf(out, "url %s\n", tg.URL()); err != nil {
		return fmt.Errorf("failed to announce server: %w", err)
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if sc.Text() != "measure" {
			return fmt.Errorf("failed to serve child: unknown command %q", sc.Text())
		}
		m, err := sampleMem()
		if err != nil {
			return err
		}
		if _, err := io.WriteString(out, m.String()+"\n"); err != nil {
			return fmt.Errorf("failed to report memory: %w", err)
		}
	}
	return sc.Err()
}

// IdleResult is one server's idle-connection cost.
type IdleResult struct {
	Kind          string
	Conns         int
	Before, After MemSample
}

// RSSPerConn is the RSS growth per idle connection, in bytes.
func (r IdleResult) RSSPerConn() float64 { return perConn(r.After.RSS, r.Before.RSS, r.Conns) }

// GoMemPerConn is the Go heap+stack growth per idle connection, in bytes.
func (r IdleResult) GoMemPerConn() float64 { return perConn(r.After.GoMem, r.Before.GoMem, r.Conns) }

// StacksPerConn is the goroutine-stack growth per idle connection, in bytes.
func (r IdleResult) StacksPerConn() float64 { return perConn(r.After.Stacks, r.Before.Stacks, r.Conns) }

// GoroutinesPerConn is the goroutine growth per idle connection.
func (r IdleResult) GoroutinesPerConn() float64 {
	return float64(r.After.Goroutines-r.Before.Goroutines) / float64(r.Conns)
}

func perConn(after, before uint64, n int) float64 {
	return (float64(after) - float64(before)) / float64(n)
}

// IdleOptions configure MeasureIdle; the zero value gives the defaults.
type IdleOptions struct {
	// Conns is the number of idle authenticated connections. Default 2,000.
	Conns int
	// Warm connections are opened and authenticated before the baseline,
	// so one-time costs (lazy initialisation, pools) are not counted.
	// Default 16.
	Warm int
	// Dialers is how many connections are set up at once. Default 16.
	Dialers int
}

// MeasureIdle starts cmd (which must run ServeChild), opens and
// authenticates the connections from this process, and returns the
// server's growth. cmd's Stdin and Stdout must be unset.
func MeasureIdle(ctx context.Context, kind string, cmd *exec.Cmd, opts IdleOptions) (res IdleResult, err error) {
	if opts.Conns <= 0 {
		opts.Conns = 2000
	}
	if opts.Warm <= 0 {
		opts.Warm = 16
	}
	if opts.Dialers <= 0 {
		opts.Dialers = 16
	}
	if err := RaiseFDLimit(); err != nil {
		return res, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return res, fmt.Errorf("failed to start server process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, fmt.Errorf("failed to start server process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("failed to start server process: %w", err)
	}
	defer func() {
		_ = stdin.Close()
		if werr := cmd.Wait(); werr != nil && err == nil {
			err = fmt.Errorf("failed to stop server process: %w", werr)
		}
	}()
	lines := bufio.NewScanner(stdout)
	next := func(prefix string) ([]string, error) {
		if !lines.Scan() {
			return nil, fmt.Errorf("failed to read from server process: %w", errors.Join(lines.Err(), io.ErrUnexpectedEOF))
		}
		f := strings.Fields(lines.Text())
		if len(f) == 0 || f[0] != prefix {
			return nil, fmt.Errorf("failed to read from server process: got %q, want %s", lines.Text(), prefix)
		}
		return f[1:], nil
	}
	measure := func() (MemSample, error) {
		if _, err := io.WriteString(stdin, "measure\n"); err != nil {
			return MemSample{}, fmt.Errorf("failed to ask for a sample: %w", err)
		}
		if !lines.Scan() {
			return MemSample{}, fmt.Errorf("failed to read sample: %w", errors.Join(lines.Err(), io.ErrUnexpectedEOF))
		}
		return ParseMem(lines.Text())
	}
	f, err := next("url")
	if err != nil || len(f) != 1 {
		return res, errors.Join(err, errors.New("failed to read server URL"))
	}
	url := f[0]

	res = IdleResult{Kind: kind, Conns: opts.Conns}
	var conns []*Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	warm, err := openIdle(ctx, url, opts.Warm, opts.Dialers)
	conns = append(conns, warm...)
	if err != nil {
		return res, err
	}
	if res.Before, err = measure(); err != nil {
		return res, err
	}
	idle, err := openIdle(ctx, url, opts.Conns, opts.Dialers)
	conns = append(conns, idle...)
	if err != nil {
		return res, err
	}
	if res.After, err = measure(); err != nil {
		return res, err
	}
	return res, nil
}

// openIdle opens n authenticated connections, dialers at a time, and
// leaves them idle with a background reader answering pings.
func openIdle(ctx context.Context, url string, n, dialers int) ([]*Conn, error) {
	out := make([]*Conn, n)
	errs := make([]error, dialers)
	var wg sync.WaitGroup
	for d := range dialers {
		wg.Go(func() {
			for i := d; i < n; i += dialers {
				k, err := NewKey()
				if err != nil {
					errs[d] = err
					return
				}
				c, err := Dial(ctx, url)
				if err != nil {
					errs[d] = err
					return
				}
				out[i] = c
				if err := c.Authenticate(ctx, k); err != nil {
					errs[d] = fmt.Errorf("connection %d: %w", i, err)
					return
				}
				c.KeepAlive(ctx)
			}
		})
	}
	wg.Wait()
	conns := make([]*Conn, 0, n)
	for _, c := range out {
		if c != nil {
			conns = append(conns, c)
		}
	}
	return conns, errors.Join(errs...)
}
