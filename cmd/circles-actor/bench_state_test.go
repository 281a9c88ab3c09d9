package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
	"github.com/circles-actor/circles-actor/scripting/state/pebblestore"
	"github.com/circles-actor/circles-actor/transport/client"
)

// benchClients is how many clients the state benchmarks play from.
const benchClients = 64

// benchServe runs serve in this process with a command line (after the
// circle key) and returns 64 connected clients. It stops at cleanup.
func benchServe(b *testing.B, args ...string) []*client.Client {
	b.Helper()
	conns, _ := benchServeAt(b, args...)
	return conns
}

// benchServeAt is benchServe that also returns the server's address.
func benchServeAt(b *testing.B, args ...string) ([]*client.Client, string) {
	b.Helper()
	return benchServeIn(b, context.Background(), args...)
}

// benchServeStore is benchServeAt over the state store st (which the
// server closes when it stops) instead of the one its flags name.
func benchServeStore(b *testing.B, st state.Store, args ...string) ([]*client.Client, string) {
	b.Helper()
	return benchServeIn(b, context.WithValue(context.Background(), givenStore{}, st), args...)
}

// benchServeIn is benchServeAt with serve's parent context.
func benchServeIn(b *testing.B, parent context.Context, args ...string) ([]*client.Client, string) {
	b.Helper()
	var cli CLI
	parser, err := kong.New(&cli, kong.Name("circles-actor"))
	if err != nil {
		b.Fatal(err)
	}
	full := append([]string{"serve", "-p", "0", "-k", e2eCircle, "--max-conns-per-ip", "1024"}, args...)
	if _, err := parser.Parse(full); err != nil {
		b.Fatal(err)
	}
	cfg, err := cli.Serve.config()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(parent)
	addrs, done := make(chan string, 1), make(chan error, 1)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- serve(ctx, cfg, quiet, func(a string) { addrs <- a }) }()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		b.Fatalf("serve: %v", err)
	}
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("serve: %v", err)
		}
	})
	return dialClients(b, "ws://"+addr+"/"+e2eCircle, benchClients), addr
}

// scrapeSum is the sum of all series of the metric name on the server at
// addr (0 when it has none).
func scrapeSum(b testing.TB, addr, name string) float64 {
	b.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(f) > 0 {
			v, err := strconv.ParseFloat(f[0], 64)
			if err == nil {
				sum += v
			}
		}
	}
	return sum
}

// dialClients opens n client connections to url for a benchmark, closed
// at its cleanup; any failure to connect fails it.
func dialClients(b testing.TB, url string, n int) []*client.Client {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conns := make([]*client.Client, n)
	for i := range conns {
		c, err := client.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns
}

// latencyRound runs n plays (script(i) for the i-th) over conns and
// returns how long the round took and each play's latency.
func latencyRound(b *testing.B, conns []*client.Client, n int, script func(i int64) string) (time.Duration, []time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var next, failed atomic.Int64
	lat := make([]time.Duration, n)
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				if _, err := c.Play(ctx, script(i)); err != nil {
					if failed.Add(1) == 1 {
						b.Errorf("play: %v", err)
					}
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d plays failed", f, n)
	}
	return time.Since(start), lat
}

func quantile(d []time.Duration, q float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// rmwLiteral is the read-modify-write play as the crash test sends
// it: a counter and one key per play, the key written into the source, so
// every play is a new script (compiled, not found in the program cache).
func rmwLiteral(i int64) string {
	return `let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c` + strconv.FormatInt(i%benchClients, 10) + `:` + strconv.FormatInt(i, 10) + `", n); n`
}

// rmwScript is the same play with the key made from the task's id: one
// source for every play, as a client program would send it.
func rmwScript(int64) string {
	return `let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c" + TASK_ID, n); n`
}

func lightScript(int64) string { return "40 + 2" }

// plainScript is rmwScript's work without state (a local map instead): the
// interpreter's share of the rmw play, to tell it from the state's.
func plainScript(int64) string {
	return `let s = #{}; let n = (s.get("n") ?? 0) + 1; s.set("n", n); s.set("c" + TASK_ID, n); n`
}

// BenchmarkStateRMW measures the read-modify-write play against `40 + 2`
// on the same embedded server (64 clients over WebSockets, one worker per
// circle), in memory and with --data-dir; rounds of each alternate so that
// a shared machine's load hits all alike. "rmw" sends one source (the key
// from TASK_ID), "rmwlit" the crash test's form with the key in the source
// (a compile per play). Targets: rmw/light >= 0.9 in memory, >= 0.6 on
// disk.
//
//	go test -run '^$' -bench StateRMW -benchtime 20x ./cmd/circles-actor/
func BenchmarkStateRMW(b *testing.B) {
	const perRound = 1000
	dataDir := b.TempDir()
	memConns := benchServe(b, "--state-max-keys", "100000000")
	diskConns, diskAddr := benchServeAt(b, "--data-dir", dataDir, "--state-max-keys", "100000000")
	servers := []struct {
		name  string
		conns []*client.Client
	}{{"memory", memConns}, {"disk", diskConns}}
	// The disk server's rmw rounds' commits and syncs: plays per sync.
	var diskCommits, diskSyncs float64
	sync0 := fsyncLatency(b, dataDir)
	took := map[string]time.Duration{}
	cpu := map[string]time.Duration{}
	var seq atomic.Int64
	literal := func(int64) string { return rmwLiteral(seq.Add(1)) }
	workloads := []struct {
		name   string
		script func(int64) string
	}{{"light", lightScript}, {"rmw", rmwScript}, {"rmwlit", literal}, {"plain", plainScript}}
	round := func(k string, conns []*client.Client, script func(int64) string) {
		var m0, s0 float64
		if k == "disk/rmw" {
			m0, s0 = scrapeSum(b, diskAddr, "circles_state_commits_total"), scrapeSum(b, diskAddr, "circles_state_syncs_total")
		}
		c0 := selfCPU()
		d, _ := latencyRound(b, conns, perRound, script)
		took[k] += d
		cpu[k] += selfCPU() - c0
		if k == "disk/rmw" {
			diskCommits += scrapeSum(b, diskAddr, "circles_state_commits_total") - m0
			diskSyncs += scrapeSum(b, diskAddr, "circles_state_syncs_total") - s0
		}
	}
	b.ResetTimer()
	for i := range b.N {
		for j := range servers {
			s := servers[j]
			if i%2 == 1 { // alternate the order: a round's writeback slows the next round's syncs
				s = servers[len(servers)-1-j]
			}
			for k := range workloads {
				w := workloads[k]
				if i%2 == 1 { // and the workloads': the first after a switch runs cold
					w = workloads[len(workloads)-1-k]
				}
				round(s.name+"/"+w.name, s.conns, w.script)
			}
		}
	}
	b.StopTimer()
	// What bounds the disk figure: a commit group costs one fdatasync (of
	// pebble's WAL), on this disk now:
	b.ReportMetric(float64((sync0+fsyncLatency(b, dataDir))/2)/1e3, "fdatasync-us")
	if diskSyncs > 0 {
		b.ReportMetric(diskCommits/diskSyncs, "disk-rmw-plays/sync")
	}
	plays := float64(perRound * b.N)
	for _, s := range servers {
		light := plays / took[s.name+"/light"].Seconds()
		cl := cpu[s.name+"/light"].Seconds() * 1e6 / plays
		b.ReportMetric(light, s.name+"-light-plays/s")
		b.ReportMetric(cl, s.name+"-light-cpu-us/play")
		for _, w := range workloads[1:] {
			k := s.name + "/" + w.name
			rate := plays / took[k].Seconds()
			b.ReportMetric(rate, s.name+"-"+w.name+"-plays/s")
			b.ReportMetric(rate/light, s.name+"-"+w.name+"/light")
			// CPU per play of this process (server and clients): steadier
			// than throughput on a shared machine.
			c := cpu[k].Seconds() * 1e6 / plays
			b.ReportMetric(c, s.name+"-"+w.name+"-cpu-us/play")
			b.ReportMetric(cl/c, s.name+"-"+w.name+"-cpu-light/"+w.name)
		}
	}
}

// BenchmarkStateScaling measures play latency (p50, p99, 64 clients) on a
// circle holding 1,000,000 keys against one holding 10, both on disk, in
// alternating rounds, for two plays: "rmw", the read-modify-write play of
// BenchmarkStateRMW (a counter and a new key per play), and "randkey",
// which also increments one pseudo-random existing key (in the big circle
// a different place each time). Also the store's bytes per key.
// Target: the rmw ratios within 1.3.
//
//	go test -run '^$' -bench StateScaling -benchtime 3x ./cmd/circles-actor/
func BenchmarkStateScaling(b *testing.B) {
	const perRound = 2000
	sizes := []int{10, 1_000_000}
	type setup struct {
		size  int
		conns []*client.Client
		dir   string
	}
	var setups []setup
	for _, size := range sizes {
		dir := b.TempDir()
		preload(b, dir, size)
		setups = append(setups, setup{size, benchServe(b, "--data-dir", dir, "--state-max-keys", "100000000"), dir})
	}
	workloads := []struct {
		name   string
		script func(size int) func(int64) string
	}{
		{"rmw", func(int) func(int64) string { return rmwScript }},
		{"randkey", func(size int) func(int64) string {
			return func(i int64) string {
				k := strconv.FormatInt(i*7919%int64(size), 10)
				return `let n = (state.get("n") ?? 0) + 1; state.set("n", n); state["k` + k + `"] += 1; n`
			}
		}},
	}
	lat := map[string][]time.Duration{}
	b.ResetTimer()
	for i := range b.N {
		for _, w := range workloads {
			for j := range setups {
				// Alternate the order: a round's writeback slows the next
				// round's syncs.
				s := setups[j]
				if i%2 == 1 {
					s = setups[len(setups)-1-j]
				}
				_, l := latencyRound(b, s.conns, perRound, w.script(s.size))
				k := w.name + "/" + strconv.Itoa(s.size)
				lat[k] = append(lat[k], l...)
			}
		}
	}
	b.StopTimer()
	for _, w := range workloads {
		small, big := lat[w.name+"/10"], lat[w.name+"/1000000"]
		for _, q := range []struct {
			name string
			q    float64
		}{{"p50", 0.5}, {"p99", 0.99}} {
			s, g := quantile(small, q.q), quantile(big, q.q)
			b.ReportMetric(float64(s.Microseconds()), w.name+"-"+q.name+"-10keys-us")
			b.ReportMetric(float64(g.Microseconds()), w.name+"-"+q.name+"-1Mkeys-us")
			b.ReportMetric(g.Seconds()/s.Seconds(), w.name+"-"+q.name+"-1M/10")
		}
	}
	// The store's files as they are (WAL and tables, not compacted).
	b.ReportMetric(float64(dirSize(setups[1].dir))/float64(sizes[1]), "disk-bytes/key")
}

// dirSize is the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// preload writes keys k0..k<n-1> (i64 values) into a data dir, in
// transactions of 50,000 keys, and compacts them.
func preload(b *testing.B, dir string, n int) {
	b.Helper()
	bs, err := pebblestore.Open(dir, pebblestore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st := state.NewLocal(bs)
	defer st.Close()
	lim := state.Limits{}
	for from := 0; from < n; from += 50_000 {
		err := state.Update(context.Background(), st, e2eCircle, lim, func(tx *state.Tx) error {
			for i := from; i < min(n, from+50_000); i++ {
				if err := tx.Set("k"+strconv.Itoa(i), rhai.Int(int64(i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(fmt.Errorf("preload: %w", err))
		}
	}
	// Flush and compact the bulk load, as a store that has run for a while
	// would be: else its compactions compete with the measured rounds.
	if err := bs.Settle(); err != nil {
		b.Fatal(err)
	}
}

// fsyncLatency is the median time of a 4 KiB write and fdatasync in dir.
func fsyncLatency(b *testing.B, dir string) time.Duration {
	f, err := os.CreateTemp(dir, "fsync-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	page := make([]byte, 4096)
	var d []time.Duration
	for i := range 50 {
		t0 := time.Now()
		if _, err := f.WriteAt(page, int64(i)*4096); err != nil {
			b.Fatal(err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	return quantile(d, 0.5)
}
