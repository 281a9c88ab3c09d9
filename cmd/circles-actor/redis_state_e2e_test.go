package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
	"github.com/circles-actor/circles-actor/transport/client"
)

// redisRMWScript is the read-modify-write play of client cl, play seq.
func redisRMWScript(cl, seq int) string {
	return fmt.Sprintf(`let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c%d:%d", n); n`, cl, seq)
}

// TestRedisStateWorkerKilled is issue 10's Redis test: a routing-only
// server, two `worker` processes with --concurrency 4 on one circle, 16
// clients running read-modify-write plays, one worker SIGKILLed while it
// holds tasks. No lost update (the counter is the number of runs that
// committed and their values are exactly 1..n), no run applied twice (one
// key per committed run), every answered play present with its answer.
func TestRedisStateWorkerKilled(t *testing.T) { testStateWorkerKilled(t, newRedisEnv(t)) }

func testStateWorkerKilled(t *testing.T, e *redisEnv) {
	srv, addr := e.serve()
	w1 := e.worker("worker-1", "--concurrency", "4")
	e.worker("worker-2", "--concurrency", "4")
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
	const clients, each = 16, 40
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	conns := e.dialN(addr, clients)
	answers := make([][]string, clients)
	var answered atomic.Int64
	var wg sync.WaitGroup
	for cl, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range each {
				res, err := c.Play(ctx, redisRMWScript(cl, seq))
				answered.Add(1)
				if err != nil {
					t.Errorf("client %d play %d: %v", cl, seq, err)
					answers[cl] = append(answers[cl], "")
					continue
				}
				answers[cl] = append(answers[cl], res.Output)
			}
		}()
	}
	rc := e.client()
	defer rc.Close()
	redisWait(t, 60*time.Second, "a third of the plays answered", func() bool { return answered.Load() >= clients*each/3 })
	var inFlight int64
	redisWait(t, 30*time.Second, "worker-1 to hold a task", func() bool {
		n, err := rc.Do(ctx, rc.B().Llen().Key(e.keys.Processing(redisCircle, w1ID)).Build()).AsInt64()
		if err == nil && n > 0 {
			w1.kill()
			inFlight = n
			return true
		}
		return answered.Load() >= clients*each
	})
	killedAt := answered.Load()
	wg.Wait()
	if t.Failed() {
		t.Logf("serve:\n%s", srv.output())
		return
	}

	// Read the circle's state as it is in Redis.
	st := redisq.NewStateStore(rc, nil)
	sess, err := st.Begin(ctx, redisCircle)
	if err != nil {
		t.Fatal(err)
	}
	tx := state.NewTx(sess, state.Limits{})
	defer tx.Abort()
	nv, _, err := tx.Get("n")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(rhai.ToString(nv))
	keys, err := tx.Keys("c", 0)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]string{}
	var values []int
	for _, k := range keys {
		v, _, err := tx.Get(k)
		if err != nil {
			t.Fatal(err)
		}
		byKey[k] = rhai.ToString(v)
		x, _ := strconv.Atoi(byKey[k])
		values = append(values, x)
	}
	slices.Sort(values)
	if len(values) != n {
		t.Errorf("counter %d but %d committed runs' keys: a run was applied twice or lost", n, len(values))
	}
	for i, v := range values {
		if v != i+1 {
			t.Fatalf("committed values are not exactly 1..%d: position %d holds %d", n, i, v)
		}
	}
	for cl, as := range answers {
		for seq, a := range as {
			if got := byKey[fmt.Sprintf("c%d:%d", cl, seq)]; got != a {
				t.Errorf("client %d play %d answered %s, its key holds %q", cl, seq, a, got)
			}
		}
	}
	if n != clients*each {
		t.Errorf("counter %d, want %d (every play answered once)", n, clients*each)
	}
	t.Logf("worker-1 killed after %d/%d answers holding %d task(s); counter %d, %d keys, values exactly 1..n",
		killedAt, clients*each, inFlight, n, len(keys))
}

// BenchmarkRedisStateRMW compares, in Redis mode, the read-modify-write
// play (`let n = (state.get("n") ?? 0) + 1; state.set("n", n);
// state.set("c" + TASK_ID, n); n`: a read the worker's cache serves, a new
// key assumed absent and checked by the answer step, two writes committed
// with the answer) with the stateless `40 + 2`, from
// 64 clients of one circle, rounds interleaved in one run: a routing-only
// server and one `worker` process (concurrency 1), and `serve` with its
// own local workers. Reported: plays/s of each and the ratios rmw/stateless.
//
//	go test -run '^$' -bench RedisStateRMW -benchtime 5x ./cmd/circles-actor/
func BenchmarkRedisStateRMW(b *testing.B) {
	e := newRedisEnv(b)
	_, redAddr := e.serve()
	_, localAddr := e.serveCircle(redisCircle3, "--redis-url", e.url)
	e.worker("worker-1")
	e.waitWorkers(2)
	const clients, perRound = 64, 3200
	dial := func(addr, circle string) []*client.Client {
		return dialClients(b, "ws://"+addr+"/"+circle, clients)
	}
	configs := []struct {
		name  string
		conns []*client.Client
	}{{"worker", dial(redAddr, redisCircle)}, {"local", dial(localAddr, redisCircle3)}}
	rmw := `let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c" + TASK_ID, n); n`
	took := map[string]time.Duration{}
	b.ResetTimer()
	for range b.N {
		for _, c := range configs {
			took[c.name+"/stateless"] += playRound(b, c.conns, perRound, "40 + 2", "42")
			took[c.name+"/rmw"] += anyRound(b, c.conns, perRound, rmw)
		}
	}
	b.StopTimer()
	plays := float64(perRound * b.N)
	for _, c := range configs {
		sl, rw := plays/took[c.name+"/stateless"].Seconds(), plays/took[c.name+"/rmw"].Seconds()
		b.ReportMetric(sl, c.name+"-stateless-plays/s")
		b.ReportMetric(rw, c.name+"-rmw-plays/s")
		b.ReportMetric(rw/sl, c.name+"-rmw/stateless")
	}
}

// anyRound is playRound for plays whose answers differ: each must succeed.
func anyRound(b *testing.B, conns []*client.Client, n int, script string) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var next, failed atomic.Int64
	var first atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if _, err := c.Play(ctx, script); err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d plays failed: %s", f, n, strings.TrimSpace(fmt.Sprint(first.Load())))
	}
	return time.Since(start)
}

// TestRedisStateExportImport: `state export --redis-url` reads what plays
// through a Redis-mode serve wrote; `state import --redis-url` of that
// export into another Redis gives the same export back; an import into
// the live server's Redis is seen by its next play; a bad line writes
// nothing; --data-dir with --redis-url is refused.
func TestRedisStateExportImport(t *testing.T) {
	e := newRedisEnv(t)
	srv, addr := e.serveArgs("--redis-url", e.url)
	defer srv.stop(t)
	c := e.dialN(addr, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if res, err := c.Play(ctx, `state.set("greeting", "hello"); state.set("m", #{a: 1, b: [2.5, "x"]}); state.len()`); err != nil || res.Output != "2" {
		t.Fatalf("play: %+v %v", res, err)
	}
	exp1, errs, code := runBin(t, e.bin, "", "state", "export", "-k", redisCircle, "--redis-url", e.url)
	if code != 0 || !strings.Contains(exp1, `{"key":"greeting","value":"hello"}`) || strings.Count(exp1, "\n") != 2 {
		t.Fatalf("export: exit %d %s\n%s", code, errs, exp1)
	}
	other := testredis.Start(t)
	if _, errs, code := runBin(t, e.bin, exp1, "state", "import", "-k", redisCircle, "--redis-url", other.URL); code != 0 {
		t.Fatalf("import: exit %d %s", code, errs)
	}
	if _, errs, code := runBin(t, e.bin, `{"key":"bad","value":1.5}`+"\n", "state", "import", "-k", redisCircle, "--redis-url", other.URL); code == 0 || !strings.Contains(errs, "line 1") {
		t.Fatalf("bad import: exit %d %s", code, errs)
	}
	if exp2, errs, _ := runBin(t, e.bin, "", "state", "export", "-k", redisCircle, "--redis-url", other.URL); exp2 != exp1 {
		t.Fatalf("export after import differs (%s):\n%s\n%s", errs, exp1, exp2)
	}
	// Into the running server's Redis: its next play sees the new key.
	if _, errs, code := runBin(t, e.bin, `{"key":"added","value":7}`+"\n", "state", "import", "-k", redisCircle, "--redis-url", e.url); code != 0 {
		t.Fatalf("live import: exit %d %s", code, errs)
	}
	if res, err := c.Play(ctx, `state.get("added") + state.len()`); err != nil || res.Output != "10" {
		t.Fatalf("play after the live import: %+v %v", res, err)
	}
	// serve's local workers commit through Redis: the one play that wrote
	// is one commit in the metrics (reported by the answer step).
	if n := scrapeSum(t, addr, "circles_state_commits_total"); n != 1 {
		t.Errorf("circles_state_commits_total = %v after one writing play, want 1", n)
	}
	if _, errs, code := runBin(t, e.bin, "", "state", "export", "-k", redisCircle, "--redis-url", e.url, "--data-dir", t.TempDir()); code == 0 || !strings.Contains(errs, "one of --data-dir and --redis-url") {
		t.Fatalf("both stores: exit %d %s", code, errs)
	}
}

// metricsAddrRE finds the address a worker serves its metrics on.
var metricsAddrRE = regexp.MustCompile(`msg="serving metrics" addr=(\S+)`)

// TestRedisWorkerMetrics: a `worker --metrics-addr` reports the state
// commits its answer steps applied (one per writing play, none for a
// read-only one; the conflicts counter's exact counts are checked in
// redisq's TestStateTasksSerializable); a metrics address that cannot be
// bound stops start-up with its reason.
func TestRedisWorkerMetrics(t *testing.T) {
	e := newRedisEnv(t)
	_, addr := e.serve()
	found := make(chan string, 1)
	var once sync.Once
	w := startRProc(t, "worker", func(line string) {
		if m := metricsAddrRE.FindStringSubmatch(line); m != nil {
			once.Do(func() { found <- m[1] })
		}
	}, e.bin, "worker", "-k", redisCircle, "--redis-url", e.url, "--concurrency", "4", "--metrics-addr", "127.0.0.1:0")
	var maddr string
	select {
	case maddr = <-found:
	case <-w.done:
		t.Fatalf("worker exited:\n%s", w.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("worker did not log its metrics address:\n%s", w.output())
	}
	e.waitWorkers(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const clients, each = 8, 10
	var wg sync.WaitGroup
	for _, c := range e.dialN(addr, clients) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := c.Play(ctx, `let n = (state.get("n") ?? 0) + 1; state.set("n", n); n`); err != nil {
					t.Errorf("play: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	c := e.dialN(addr, 1)[0]
	if res, err := c.Play(ctx, `state.get("n")`); err != nil || res.Output != strconv.Itoa(clients*each) {
		t.Fatalf("counter: %+v %v", res, err)
	}
	// The step answers a play in Redis before the worker reads the step's
	// reply and counts the commit, so the last counts may trail the last
	// answers by a moment: scrape until they are in (or a deadline).
	var n float64
	for deadline := time.Now().Add(10 * time.Second); ; {
		if n = scrapeSum(t, maddr, "circles_state_commits_total"); n >= clients*each || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n != clients*each {
		t.Errorf("circles_state_commits_total = %v, want %d (one per writing play)", n, clients*each)
	}
	conflicts := scrapeSum(t, maddr, "circles_state_conflicts_total")
	t.Logf("%d plays on one counter from 4 loops of one process: %v conflicts re-run", clients*each, conflicts)

	_, errs, code := runBin(t, e.bin, "", "worker", "-k", redisCircle, "--redis-url", e.url, "--metrics-addr", "127.0.0.1:notaport")
	if code == 0 || !strings.Contains(errs, "--metrics-addr 127.0.0.1:notaport") {
		t.Errorf("bad --metrics-addr: exit %d, stderr:\n%s", code, errs)
	}
}
