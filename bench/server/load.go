package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Op is a measured client operation.
type Op string

const (
	// OpPlay is one play round trip of `40 + 2`.
	OpPlay Op = "play"
	// OpAuth is one authentication: fetch_nonce, sign, authenticate.
	OpAuth Op = "auth"
)

// Do runs op once on c.
func (op Op) Do(ctx context.Context, c *Conn, k Key) error {
	if op == OpAuth {
		return c.Authenticate(ctx, k)
	}
	return c.Play(ctx)
}

// Clients are connected benchmark clients with their keys.
type Clients struct {
	conns []*Conn
	keys  []Key
}

// Connect dials n clients to url.
func Connect(ctx context.Context, url string, n int) (*Clients, error) {
	cs := &Clients{}
	for range n {
		k, err := NewKey()
		if err != nil {
			cs.Close()
			return nil, err
		}
		c, err := Dial(ctx, url)
		if err != nil {
			cs.Close()
			return nil, err
		}
		cs.conns = append(cs.conns, c)
		cs.keys = append(cs.keys, k)
	}
	return cs, nil
}

// Close closes every connection.
func (cs *Clients) Close() {
	for _, c := range cs.conns {
		_ = c.Close()
	}
}

// RunN performs n operations in total, spread over the clients, each
// client issuing one request at a time; it returns the wall time.
func (cs *Clients) RunN(ctx context.Context, op Op, n int) (time.Duration, error) {
	var next atomic.Int64
	start := time.Now()
	err := cs.each(ctx, op, func() bool { return next.Add(1) <= int64(n) }, func() {})
	return time.Since(start), err
}

// Rate is a throughput measurement.
type Rate struct {
	// PerSec is completed operations per second of wall time.
	PerSec float64
	// CPUPerOp is the process's CPU time (user + system, clients
	// included) per operation: steadier than PerSec on a machine shared
	// with other work.
	CPUPerOp time.Duration
}

// Throughput runs op on every client for warmup, then counts completed
// operations for d.
func (cs *Clients) Throughput(ctx context.Context, op Op, warmup, d time.Duration) (Rate, error) {
	var done atomic.Int64
	var stopped atomic.Bool
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- cs.each(ctx, op, func() bool { return !stopped.Load() }, func() { done.Add(1) })
	}()
	select {
	case <-time.After(warmup):
	case err := <-errc:
		return Rate{}, fmt.Errorf("failed during warm-up: %w", errors.Join(err, errors.New("clients stopped early")))
	}
	n0, t0, c0 := done.Load(), time.Now(), CPUTime()
	select {
	case <-time.After(d):
	case err := <-errc:
		return Rate{}, fmt.Errorf("failed during measurement: %w", errors.Join(err, errors.New("clients stopped early")))
	}
	n1, t1, c1 := done.Load(), time.Now(), CPUTime()
	stopped.Store(true)
	if err := <-errc; err != nil {
		return Rate{}, err
	}
	if n1 == n0 {
		return Rate{}, errors.New("failed to measure: no operation completed in the window")
	}
	return Rate{PerSec: float64(n1-n0) / t1.Sub(t0).Seconds(), CPUPerOp: (c1 - c0) / time.Duration(n1-n0)}, nil
}

// CPUTime is the process's user plus system CPU time so far, 0 if the
// platform cannot tell.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// each runs one goroutine per client calling op while more() says so,
// calling finished() after every completed operation, and returns the
// first error.
func (cs *Clients) each(ctx context.Context, op Op, more func() bool, finished func()) error {
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, c := range cs.conns {
		wg.Go(func() {
			for more() {
				if err := op.Do(ctx, c, cs.keys[i]); err != nil {
					once.Do(func() { first = fmt.Errorf("client %d %s: %w", i, op, err); cancel() })
					return
				}
				finished()
			}
		})
	}
	wg.Wait()
	return first
}
