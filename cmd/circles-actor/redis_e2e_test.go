package main

// Fault tests of Redis mode with the real binary (issue 4, "What it must
// show"): a server that only routes (`serve --redis-url --no-local-workers`)
// and separate `worker` processes, all against a redis-server started by the
// test. testing.Short skips them; they skip with a message when
// redis-server is not installed.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/transport/client"
)

// redisCircle is 4G, a valid public key whose private half nobody needs.
const redisCircle = "02e493dbf1c10d80f3581e4904930b1404cc6c13900ee0758474fa94abe8c4cd13"

// rproc is one child process (redis-server, serve or worker) whose output
// is kept for failure messages.
type rproc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	line func(string) // called for each output line, may be nil
}

func startRProc(t testing.TB, name string, line func(string), bin string, args ...string) *rproc {
	t.Helper()
	p := &rproc{name: name, cmd: exec.Command(bin, args...), done: make(chan struct{}), line: line}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("failed to start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if p.line != nil {
				p.line(sc.Text())
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() { _ = p.cmd.Wait(); pw.Close(); close(p.done) }()
	t.Cleanup(func() {
		p.stop(t)
		checkRaces(t, p.name, p.output())
	})
	return p
}

func (p *rproc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *rproc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop sends SIGTERM and waits, bounded, then kills.
func (p *rproc) stop(t testing.TB) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.kill()
		t.Errorf("%s ignored SIGTERM:\n%s", p.name, p.output())
	}
}

// redisEnv is redis-server + the built binary for one test.
type redisEnv struct {
	t     testing.TB
	bin   string
	url   string
	redis *testredis.Server // nil on a Cluster
	// On a Cluster (redis_cluster_e2e_test.go): the key names, and the
	// URL workers get (the addr= form; serve gets the seed).
	keys redisq.Keyspace
	wurl string
}

func newRedisEnv(t testing.TB) *redisEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("Redis fault tests with the real binary: skipped in -short mode")
	}
	r := testredis.Start(t)
	e := &redisEnv{t: t, url: r.URL, redis: r}
	e.bin = filepath.Join(t.TempDir(), "circles-actor")
	goBuild(t, e.bin)
	return e
}

func (e *redisEnv) client() rueidis.Client {
	e.t.Helper()
	c, err := redisq.NewClient(e.url)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

var serveAddrRE = regexp.MustCompile(`listening.*addr=([0-9.:\[\]]+)`)

// serve starts `serve --redis-url ... --no-local-workers` and returns its
// address.
func (e *redisEnv) serve(extra ...string) (*rproc, string) {
	e.t.Helper()
	return e.serveArgs(append([]string{"--redis-url", e.url, "--no-local-workers"}, extra...)...)
}

// serveArgs starts `serve` for redisCircle on a free port with args and
// returns its address once it logs it.
func (e *redisEnv) serveArgs(args ...string) (*rproc, string) {
	e.t.Helper()
	return e.serveCircle(redisCircle, args...)
}

// serveCircle starts `serve` for circle on a free port with args and
// returns its address once it logs it.
func (e *redisEnv) serveCircle(circle string, args ...string) (*rproc, string) {
	e.t.Helper()
	addr := make(chan string, 1)
	var once sync.Once
	args = append([]string{"serve", "--host", "127.0.0.1", "-p", "0", "-k", circle}, args...)
	p := startRProc(e.t, "serve", func(line string) {
		if m := serveAddrRE.FindStringSubmatch(line); m != nil {
			once.Do(func() { addr <- m[1] })
		}
	}, e.bin, args...)
	select {
	case a := <-addr:
		return p, a
	case <-p.done:
		e.t.Fatalf("serve exited before listening:\n%s", p.output())
	case <-time.After(30 * time.Second):
		e.t.Fatalf("serve did not log its address:\n%s", p.output())
	}
	return nil, ""
}

// dialN opens n client connections to the circle on addr, closed at cleanup.
func (e *redisEnv) dialN(addr string, n int) []*client.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conns := make([]*client.Client, n)
	for i := range conns {
		c, err := client.Dial(ctx, "ws://"+addr+"/"+redisCircle, nil)
		if err != nil {
			e.t.Fatalf("dial %s: %v", addr, err)
		}
		e.t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns
}

// worker starts a `worker` process for redisCircle.
func (e *redisEnv) worker(name string, extra ...string) *rproc {
	e.t.Helper()
	return e.workerFor(name, redisCircle, extra...)
}

// workerFor starts a `worker` process for circle.
func (e *redisEnv) workerFor(name, circle string, extra ...string) *rproc {
	e.t.Helper()
	u := e.url
	if e.wurl != "" {
		u = e.wurl
	}
	args := append([]string{"worker", "-k", circle, "--redis-url", u, "--heartbeat-ttl", "1s"}, extra...)
	return startRProc(e.t, name, nil, e.bin, args...)
}

// waitWorkers polls until n live workers serve the circle.
func (e *redisEnv) waitWorkers(n int) []redisq.WorkerInfo {
	e.t.Helper()
	c := e.client()
	defer c.Close()
	var live []redisq.WorkerInfo
	redisWait(e.t, 20*time.Second, fmt.Sprintf("%d live workers", n), func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var err error
		live, err = redisq.LiveWorkers(ctx, c)
		return err == nil && len(live) == n
	})
	return live
}

func redisWait(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond) // bounded polling
	}
}

// playScript is play number n: a quick or a slower script (so that workers
// have tasks in flight when one is killed) whose answer is known.
func playScript(n int) (script, want string) {
	if n%2 == 0 {
		return fmt.Sprintf("let x = %d; x * 2", n), fmt.Sprint(2 * n)
	}
	return fmt.Sprintf("let x = %d; let s = 0; for i in 0..3000 { s += 1; } x * 2 + s", n), fmt.Sprint(2*n + 3000)
}

// TestRedisWorkerKilledMidRun: 1,000 plays from 16 clients through a
// routing-only server and two worker processes; one worker is SIGKILLed
// while it holds tasks. Every play gets exactly one correct answer.
func TestRedisWorkerKilledMidRun(t *testing.T) { testWorkerKilledMidRun(t, newRedisEnv(t), 1000) }

func testWorkerKilledMidRun(t *testing.T, e *redisEnv, plays int) {
	srv, addr := e.serve()
	w1 := e.worker("worker-1", "--concurrency", "2")
	w2 := e.worker("worker-2", "--concurrency", "2")
	live := e.waitWorkers(2)
	var w1ID string
	for _, w := range live {
		if w.PID == w1.cmd.Process.Pid {
			w1ID = w.ID
		}
	}
	if w1ID == "" {
		t.Fatalf("worker-1 (pid %d) not among live workers %+v", w1.cmd.Process.Pid, live)
	}

	const clients = 16
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	conns := make([]*client.Client, clients)
	for i := range conns {
		c, err := client.Dial(ctx, "ws://"+addr+"/"+redisCircle, nil)
		if err != nil {
			t.Fatalf("dial: %v\n%s", err, srv.output())
		}
		defer c.Close()
		conns[i] = c
	}

	var next, answered atomic.Int64
	results := make([]string, plays)
	answers := make([]int32, plays)
	errs := make(chan error, plays)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1) - 1)
				if n >= plays {
					return
				}
				script, _ := playScript(n)
				res, err := c.Play(ctx, script)
				atomic.AddInt32(&answers[n], 1)
				answered.Add(1)
				if err != nil {
					errs <- fmt.Errorf("play %d: %w", n, err)
					continue
				}
				results[n] = res.Output
			}
		}()
	}

	// Kill worker-1 mid-run, at a moment it holds tasks.
	rc := e.client()
	defer rc.Close()
	redisWait(t, 60*time.Second, "a third of the plays answered", func() bool { return answered.Load() >= int64(plays/3) })
	inFlight := int64(0)
	redisWait(t, 30*time.Second, "worker-1 to hold a task", func() bool {
		n, err := rc.Do(ctx, rc.B().Llen().Key(e.keys.Processing(redisCircle, w1ID)).Build()).AsInt64()
		if err == nil && n > 0 {
			w1.kill()
			inFlight, _ = rc.Do(ctx, rc.B().Llen().Key(e.keys.Processing(redisCircle, w1ID)).Build()).AsInt64()
			return true
		}
		return answered.Load() >= int64(plays)
	})
	killedAt := answered.Load()

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for n := range plays {
		_, want := playScript(n)
		if answers[n] != 1 {
			t.Errorf("play %d answered %d times", n, answers[n])
		}
		if results[n] != want {
			t.Errorf("play %d = %q, want %q", n, results[n], want)
		}
	}
	t.Logf("worker-1 killed after %d/%d answers holding %d task(s); all %d plays answered once and correctly", killedAt, plays, inFlight, plays)
	if inFlight > 0 {
		// Its tasks were requeued by recovery (worker-2's or the server's).
		redisWait(t, 10*time.Second, "recovery logged", func() bool {
			return strings.Contains(w2.output()+srv.output(), "requeued tasks of a dead worker")
		})
		n, err := rc.Do(ctx, rc.B().Exists().Key(e.keys.Processing(redisCircle, w1ID)).Build()).AsInt64()
		if err != nil || n != 0 {
			t.Errorf("dead worker's processing list still exists (%d, %v)", n, err)
		}
	}
	if t.Failed() {
		t.Logf("serve:\n%s\nworker-2:\n%s", srv.output(), w2.output())
	}
}

// TestRedisRestartUnderLoad: plays under load fail with -32006 while Redis
// is down and succeed again within 5 s of its return, with no restart of
// the server or the worker.
func TestRedisRestartUnderLoad(t *testing.T) {
	e := newRedisEnv(t)
	srv, addr := e.serve()
	w := e.worker("worker", "--concurrency", "2")
	e.waitWorkers(1)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	type event struct {
		at   time.Time
		code int // 0: success
		err  error
	}
	var mu sync.Mutex
	var events []event
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 8 {
		c, err := client.Dial(ctx, "ws://"+addr+"/"+redisCircle, nil)
		if err != nil {
			t.Fatalf("dial: %v\n%s", err, srv.output())
		}
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := i; ; n += 8 {
				select {
				case <-stop:
					return
				default:
				}
				script, want := playScript(2 * n)
				res, err := c.Play(ctx, script)
				ev := event{at: time.Now(), code: client.ErrorCode(err), err: err}
				if err == nil && res.Output != want {
					ev.err = fmt.Errorf("play %d = %q, want %q", n, res.Output, want)
				}
				mu.Lock()
				events = append(events, ev)
				mu.Unlock()
				if err != nil {
					time.Sleep(10 * time.Millisecond) // pace retries of a failing play while Redis is down
				}
			}
		}()
	}
	count := func(since time.Time, code int) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, ev := range events {
			ok := ev.err == nil
			if code != 0 {
				ok = ev.code == code
			}
			if !ev.at.Before(since) && ok {
				n++
			}
		}
		return n
	}
	start := time.Now()
	redisWait(t, 30*time.Second, "plays succeeding", func() bool { return count(start, 0) >= 50 })

	down := time.Now()
	e.redis.Stop()
	redisWait(t, 10*time.Second, "-32006 while redis is down for a second", func() bool {
		return count(down, -32006) >= 20 && time.Since(down) > time.Second
	})
	readyz, err := http.Get("http://" + addr + "/readyz")
	if err == nil {
		readyz.Body.Close()
		if readyz.StatusCode == http.StatusOK {
			t.Errorf("/readyz = 200 while redis is down")
		}
	}

	e.redis.Start()
	back := time.Now()
	redisWait(t, 5*time.Second, "a play to succeed within 5 s of redis returning", func() bool { return count(back, 0) > 0 })
	recovered := time.Since(back)
	redisWait(t, 10*time.Second, "steady successes", func() bool { return count(back, 0) >= 50 })
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	codes := map[int]int{}
	for _, ev := range events {
		codes[ev.code]++
		if ev.err != nil && ev.code != -32006 {
			t.Errorf("unexpected failure: %v", ev.err)
		}
		if ev.code == -32006 && ev.at.Before(down) {
			t.Errorf("-32006 before redis went down: %v", ev.err)
		}
	}
	// Every play failed the same way while Redis was down: logged once per
	// actors.PlayFailureLogInterval with a count, not once per play.
	warned := strings.Count(srv.output(), "play could not run")
	t.Logf("redis down for %s; first success %s after its return; answers by code: %v; %d \"play could not run\" lines",
		back.Sub(down).Round(time.Millisecond), recovered.Round(time.Millisecond), codes, warned)
	if warned > 4 {
		t.Errorf("%d \"play could not run\" lines for %d failed plays, want one per kind per interval", warned, codes[-32006])
	}
	// The worker's loops failed too (taking, claiming, answering, heartbeats),
	// and serve's (replies, recovery): each kind of warning at most once per
	// interval with a count, and the outage lasted under two intervals.
	for name, out := range map[string]string{"serve": srv.output(), "worker": w.output()} {
		ww := warnings(out)
		t.Logf("%s warnings by message: %v", name, ww)
		for msg, n := range ww {
			if n > 3 {
				t.Errorf("%s wrote %d %q warnings in a %s outage, want each kind once per interval", name, n, msg, back.Sub(down).Round(time.Millisecond))
			}
		}
	}
	if t.Failed() {
		t.Logf("serve:\n%s\nworker:\n%s", srv.output(), w.output())
	}
}

// warnings counts a process's text-log warning lines by message.
func warnings(log string) map[string]int {
	n := map[string]int{}
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "level=WARN") {
			continue
		}
		_, msg, ok := strings.Cut(line, " msg=")
		if !ok {
			continue
		}
		if strings.HasPrefix(msg, `"`) {
			if end := strings.Index(msg[1:], `"`); end >= 0 {
				msg = msg[1 : end+1]
			}
		} else if sp := strings.IndexByte(msg, ' '); sp >= 0 {
			msg = msg[:sp]
		}
		n[msg]++
	}
	return n
}

// redisCircle2 is 5G, the circle served by two worker processes in the
// benchmark.
const redisCircle2 = "022f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4"

// redisCircle3 is 6G, served by a `serve --redis-url` with its own local
// workers in the benchmark.
const redisCircle3 = "03fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556"

// playRound runs n plays of script spread over conns and returns how long
// they took; any failure stops the benchmark.
func playRound(b *testing.B, conns []*client.Client, n int, script, want string) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var next, failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if res, err := c.Play(ctx, script); err != nil || res.Output != want {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d plays failed", f, n)
	}
	return time.Since(start)
}

// maxBenchClients is the most clients a configuration of
// BenchmarkRedisVsEmbedded plays from at once.
const maxBenchClients = 128

// BenchmarkRedisVsEmbedded measures play throughput from the same clients,
// in the same run, against an embedded server, a routing-only
// Redis server whose circle 1 has one `worker` process and circle 2 two
// (concurrency 1 each, like the embedded default of one worker per circle),
// and a `serve --redis-url` running its own local workers (circle 3).
// Every iteration is one round of plays per configuration and workload,
// taken in turn, so that the load of a shared machine hits all
// configurations alike. "light" is `40 + 2` (transport-bound) from 16
// clients, "light128" the same from 128 (enough callers to saturate the
// Redis path, whose longer round trip leaves 16 callers waiting rather than
// the machine busy), "heavy" a 20,000-step loop, "cpu" a 300,000-step loop
// (execution-bound, where a second worker process can add a core), each
// from 16 clients. Reported: plays/s per configuration and workload, and the
// ratios redis/embedded (one worker process), local/embedded (serve's own
// workers) and 2 workers/1 worker; and, for the embedded and one-worker
// configurations, the CPU time per play of each process (serve, workers,
// redis-server, the clients in this process), which says where a Redis
// play's cost goes and holds steadier than throughput on a shared machine.
//
//	go test -run '^$' -bench RedisVsEmbedded -benchtime 5x ./cmd/circles-actor/
//
// CIRCLES_BENCH_WORKLOADS=light (a comma-separated list) runs only those
// workloads, e.g. to profile the processes under one load.
func BenchmarkRedisVsEmbedded(b *testing.B) {
	e := newRedisEnv(b)
	embServe, embAddr := e.serveArgs()
	redServe, redAddr := e.serve("-k", redisCircle2, "--max-conns-per-ip", "1024")
	localServe, localAddr := e.serveCircle(redisCircle3, "--redis-url", e.url)
	w1 := e.worker("worker-1")
	w2a := e.workerFor("worker-2a", redisCircle2)
	w2b := e.workerFor("worker-2b", redisCircle2)
	e.waitWorkers(4)
	dial := func(addr, circle string) []*client.Client {
		return dialClients(b, "ws://"+addr+"/"+circle, maxBenchClients)
	}
	configs := []struct {
		name           string
		conns          []*client.Client
		serve          *rproc
		workers        []*rproc
		redis, details bool // uses Redis; report the CPU per process
	}{
		{"embedded", dial(embAddr, redisCircle), embServe, nil, false, true},
		{"redis-local", dial(localAddr, redisCircle3), localServe, nil, true, false},
		{"redis-1-worker", dial(redAddr, redisCircle), redServe, []*rproc{w1}, true, true},
		{"redis-2-workers", dial(redAddr, redisCircle2), redServe, []*rproc{w2a, w2b}, true, false},
	}
	workloads := []struct {
		name, script, want string
		perRound, clients  int
	}{
		{"light", "40 + 2", "42", 400, 16},
		{"light128", "40 + 2", "42", 3200, maxBenchClients},
		{"heavy", "let s = 0; for i in 0..20000 { s += 1; } s", "20000", 400, 16},
		{"cpu", "let s = 0; for i in 0..300000 { s += 1; } s", "300000", 60, 16},
	}
	if only := os.Getenv("CIRCLES_BENCH_WORKLOADS"); only != "" { // e.g. "light" while profiling
		keep := workloads[:0]
		for _, w := range workloads {
			if slices.Contains(strings.Split(only, ","), w.name) {
				keep = append(keep, w)
			}
		}
		workloads = keep
	}
	took := map[string]time.Duration{}
	cpu := map[string]time.Duration{} // config/workload/part: serve, workers, redis, clients
	rc := e.client()
	defer rc.Close()
	before := redisUsage(b, rc)
	b.ResetTimer()
	for range b.N {
		for _, w := range workloads {
			for _, c := range configs {
				k := c.name + "/" + w.name
				procs := append([]*rproc{c.serve}, c.workers...)
				p0, r0, c0 := procCPU(procs), time.Duration(0), selfCPU()
				if c.redis {
					r0 = redisUsage(b, rc).cpu
				}
				took[k] += playRound(b, c.conns[:w.clients], w.perRound, w.script, w.want)
				p1, c1 := procCPU(procs), selfCPU()
				if c.redis {
					cpu[k+"/redis"] += redisUsage(b, rc).cpu - r0
				}
				cpu[k+"/serve"] += p1[0] - p0[0]
				for i := 1; i < len(procs); i++ {
					cpu[k+"/workers"] += p1[i] - p0[i]
				}
				cpu[k+"/clients"] += c1 - c0
			}
		}
	}
	b.StopTimer()
	after := redisUsage(b, rc)
	redisPlays := 0.0
	for _, w := range workloads {
		redisPlays += float64(3 * w.perRound * b.N) // three Redis configurations
	}
	b.ReportMetric(float64(after.roundTrips-before.roundTrips)/redisPlays, "redis-nonscript-cmds/play")
	b.ReportMetric(float64(after.scripts-before.scripts)/redisPlays, "redis-scripts/play")
	for _, w := range workloads {
		plays := float64(w.perRound * b.N)
		rate := func(k string) float64 { return plays / took[k].Seconds() }
		emb, r1, r2 := rate("embedded/"+w.name), rate("redis-1-worker/"+w.name), rate("redis-2-workers/"+w.name)
		b.ReportMetric(emb, w.name+"-embedded-plays/s")
		b.ReportMetric(r1, w.name+"-redis1w-plays/s")
		b.ReportMetric(r2, w.name+"-redis2w-plays/s")
		b.ReportMetric(r1/emb, w.name+"-redis/embedded")
		b.ReportMetric(rate("redis-local/"+w.name)/emb, w.name+"-local/embedded")
		b.ReportMetric(r2/r1, w.name+"-2w/1w")
		for _, c := range configs {
			if !c.details {
				continue
			}
			var total time.Duration
			for _, part := range []string{"serve", "workers", "redis", "clients"} {
				d := cpu[c.name+"/"+w.name+"/"+part]
				total += d
				if d > 0 {
					b.ReportMetric(d.Seconds()*1e6/plays, fmt.Sprintf("%s-%s-%s-cpu-us/play", w.name, c.name, part))
				}
			}
			b.ReportMetric(total.Seconds()*1e6/plays, fmt.Sprintf("%s-%s-cpu-us/play", w.name, c.name))
		}
	}
}

// procCPU is the CPU time each process has used so far (the sum of its
// threads' run time in /proc/<pid>/task/*/schedstat, in nanoseconds; 0
// where that is not available).
func procCPU(procs []*rproc) []time.Duration {
	out := make([]time.Duration, len(procs))
	for i, p := range procs {
		files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", p.cmd.Process.Pid))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			var ns int64
			if _, err := fmt.Sscan(string(data), &ns); err == nil {
				out[i] += time.Duration(ns)
			}
		}
	}
	return out
}

// selfCPU is the user and system CPU time of this process (the clients).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCounters are redis-server's totals since it started.
type redisCounters struct {
	scripts    int64         // EVAL and EVALSHA calls
	roundTrips int64         // other commands sent by clients: MULTI, EXEC, BLMOVE, BLMPOP, SCRIPT LOAD, ...
	cpu        time.Duration // user + system CPU of the server
}

// scriptOnly are the commands the protocol issues from inside its scripts or
// its MULTI/EXEC enqueue (INFO counts those calls too), not counted as sent
// (MULTI and EXEC are). DEL is among them (stepScript), so an older
// dispatcher's janitor DELs are not counted.
var scriptOnly = map[string]bool{"del": true, "hset": true, "hget": true, "hgetall": true, "hincrby": true, "lmove": true,
	"lrem": true, "lpush": true, "rpush": true, "llen": true, "pexpire": true, "exists": true, "info": true}

// redisUsage reads INFO commandstats and cpu, so that the benchmark can
// report the Redis work per play.
func redisUsage(b *testing.B, c rueidis.Client) redisCounters {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.Do(ctx, c.B().Info().Section("commandstats", "cpu").Build()).ToString()
	if err != nil {
		b.Fatalf("INFO: %v", err)
	}
	var u redisCounters
	for line := range strings.SplitSeq(info, "\n") {
		line = strings.TrimSpace(line)
		if name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls="); ok && strings.HasPrefix(line, "cmdstat_") {
			var n int64
			fmt.Sscan(strings.SplitN(rest, ",", 2)[0], &n)
			switch {
			case name == "eval" || name == "evalsha":
				u.scripts += n
			case !scriptOnly[name]:
				u.roundTrips += n
			}
		}
		for _, k := range []string{"used_cpu_user:", "used_cpu_sys:"} {
			if v, ok := strings.CutPrefix(line, k); ok {
				var f float64
				fmt.Sscan(v, &f)
				u.cpu += time.Duration(f * float64(time.Second))
			}
		}
	}
	return u
}

// TestRedisStatusAndWorkerDrain: `status` shows a circle's queue, active
// task and live worker; SIGTERM makes the worker finish its running task,
// unregister and exit 0.
func TestRedisStatusAndWorkerDrain(t *testing.T) {
	e := newRedisEnv(t)
	_, addr := e.serve()
	w := e.worker("worker")
	e.waitWorkers(1)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conns := e.dialN(addr, 3)
	slow := "let s = 0; for i in 0..10000000 { s += 1; } s"
	answers := make(chan error, 3)
	for _, c := range conns {
		go func() {
			res, err := c.Play(ctx, slow)
			if err == nil && res.Output != "10000000" {
				err = fmt.Errorf("output %q", res.Output)
			}
			answers <- err
		}()
	}
	rc := e.client()
	defer rc.Close()
	redisWait(t, 20*time.Second, "one running and two queued", func() bool {
		s, err := redisq.QueueStats(ctx, rc, []string{redisCircle})
		return err == nil && len(s) == 1 && s[0].Active >= 1 && s[0].Queued+s[0].Active == 3
	})
	out, err := exec.Command(e.bin, "status", "--redis-url", e.url, "--workers").CombinedOutput()
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[0], "CIRCLE") || !strings.HasPrefix(lines[1], redisCircle) ||
		!strings.HasSuffix(strings.TrimSpace(lines[1]), " 1") || !strings.HasPrefix(lines[3], "WORKER") {
		t.Fatalf("status output:\n%s", out)
	}
	t.Logf("status:\n%s", out)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`circles_redis_live_workers{circle="` + redisCircle + `"} 1`, "circles_redis_up 1"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("worker did not exit after SIGTERM:\n%s", w.output())
	}
	if code := w.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("worker exit code %d:\n%s", code, w.output())
	}
	live, err := redisq.LiveWorkers(ctx, rc)
	if err != nil || len(live) != 0 {
		t.Fatalf("live workers after drain: %v, %v", live, err)
	}
	// The running task was finished; the queued ones wait for the next worker.
	if err := <-answers; err != nil {
		t.Fatalf("drained worker's task: %v", err)
	}
	e.worker("worker-2")
	for range 2 {
		if err := <-answers; err != nil {
			t.Fatalf("queued task: %v", err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://127.0.0.1:6379":              "redis://127.0.0.1:6379",
		"redis://:secret@host:6379/0":         "redis://:***@host:6379/0",
		"rediss://user:p@ss@host:6380":        "rediss://user:***@host:6380",
		"unix:///run/redis.sock":              "unix:///run/redis.sock",
		"not a url":                           "not a url",
		"redis://user@host:6379?dial_timeout": "redis://user:***@host:6379?dial_timeout",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGiveBackOnShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := scripting.ExecutorFunc(func(_ context.Context, task scripting.Task) scripting.Result {
		return scripting.Result{TaskID: task.ID, Err: &scripting.ScriptError{Kind: "cancelled", Message: "stopped"}}
	})
	exec := giveBackOnShutdown(ctx, func(string) scripting.Executor { return cancelled })("c")
	if res := exec.Execute(context.Background(), scripting.Task{ID: "a"}); res.Err.Kind != "cancelled" {
		t.Fatalf("before shutdown: %+v", res.Err)
	}
	cancel()
	if res := exec.Execute(context.Background(), scripting.Task{ID: "a"}); res.Err.Kind != redisq.KindRequeue {
		t.Fatalf("after shutdown: %+v", res.Err)
	}
}

// TestRedisServeShutdownGivesTasksBack: a server with local workers that is
// stopped while its consumer runs another server's task gives the task back
// to the queue instead of failing it; a worker started later answers it.
func TestRedisServeShutdownGivesTasksBack(t *testing.T) {
	e := newRedisEnv(t)
	local, _ := e.serveArgs("--redis-url", e.url)
	e.waitWorkers(1)
	_, addr := e.serve()
	c := e.dialN(addr, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	answer := make(chan error, 1)
	go func() {
		res, err := c.Play(ctx, "let s = 0; for i in 0..20000000 { s += 1; } s")
		if err == nil && res.Output != "20000000" {
			err = fmt.Errorf("output %q", res.Output)
		}
		answer <- err
	}()
	rc := e.client()
	defer rc.Close()
	redisWait(t, 20*time.Second, "the local worker to run the task", func() bool {
		s, err := redisq.QueueStats(ctx, rc, []string{redisCircle})
		return err == nil && len(s) == 1 && s[0].Active == 1
	})
	local.stop(t)
	select {
	case err := <-answer:
		t.Fatalf("answered before any worker was left: %v", err)
	default:
	}
	if n, err := rc.Do(ctx, rc.B().Llen().Key(redisq.TasksKey(redisCircle)).Build()).AsInt64(); err != nil || n != 1 {
		t.Fatalf("queue after the server stopped = %d, %v; want the task back\n%s", n, err, local.output())
	}
	e.worker("worker")
	if err := <-answer; err != nil {
		t.Fatalf("play after the task was given back: %v", err)
	}
}

func TestWorkerConfig(t *testing.T) {
	base := func() WorkerCmd {
		return WorkerCmd{PublicKeys: []string{strings.ToUpper(redisCircle)}, RedisURL: "redis://127.0.0.1:6379",
			Concurrency: 1, HeartbeatTTL: time.Second, TaskRetention: time.Hour,
			SandboxFlags: SandboxFlags{ScriptTimeout: time.Second, MaxOperations: 1000, MaxCallDepth: 8,
				MaxExprDepth: 8, MaxStringLen: 64, MaxArrayLen: 64, MaxMapLen: 64, MaxBlobLen: 64, MaxScriptBytes: 2 << 20, MaxRunBytes: 1 << 20}}
	}
	c := base()
	cfg, err := c.config()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.PublicKeys) != 1 || cfg.PublicKeys[0] != redisCircle || cfg.MaxOperations != 1000 {
		t.Fatalf("config = %+v", cfg)
	}
	for name, mutate := range map[string]func(*WorkerCmd){
		"bad key":       func(c *WorkerCmd) { c.PublicKeys = []string{"nothex"} },
		"no key":        func(c *WorkerCmd) { c.PublicKeys = nil },
		"concurrency 0": func(c *WorkerCmd) { c.Concurrency = 0 },
		"tiny lease":    func(c *WorkerCmd) { c.HeartbeatTTL = time.Millisecond },
		"bad url":       func(c *WorkerCmd) { c.RedisURL = "http://x" },
		"no operations": func(c *WorkerCmd) { c.MaxOperations = 0 },
	} {
		c := base()
		mutate(&c)
		if _, err := c.config(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestRedisDownAtStart: serve and a worker start while Redis is down; the
// server listens, is not ready and answers play with -32006; once Redis
// comes up both recover without a restart.
func TestRedisDownAtStart(t *testing.T) {
	e := newRedisEnv(t)
	e.redis.Stop()
	srv, addr := e.serve()
	e.worker("worker")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := e.dialN(addr, 1)[0]
	if _, err := c.Play(ctx, "40 + 2"); client.ErrorCode(err) != -32006 || !strings.Contains(err.Error(), "task queue is unreachable") {
		t.Fatalf("play with redis down: %v, want -32006 saying the task queue is unreachable", err)
	}
	readyz := func() int {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := readyz(); code == http.StatusOK {
		t.Fatalf("/readyz = 200 with redis down")
	}
	e.redis.Start()
	redisWait(t, 10*time.Second, "/readyz 200", func() bool { return readyz() == http.StatusOK })
	redisWait(t, 10*time.Second, "a play to succeed", func() bool {
		res, err := c.Play(ctx, "40 + 2")
		return err == nil && res.Output == "42"
	})
	if t.Failed() {
		t.Log(srv.output())
	}
}
