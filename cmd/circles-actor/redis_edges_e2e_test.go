package main

// Sharp edges of Redis mode with the real binary (issue 14, items 3 and
// 4): no URL or flag panics a process or prints a secret; permanent faults
// stop start-up with one sentence; the tasks of a serve that died are not
// run.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// edgeSecret stands for every secret given on a command line.
const edgeSecret = "hunter2-edge-SECRET"

// runRefused runs the binary, which must exit non-zero within a bound, and
// returns what it wrote.
func runRefused(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%v did not exit within 30s:\n%s", args, out)
	}
	if err == nil {
		t.Fatalf("%v succeeded, want a refusal:\n%s", args, out)
	}
	checkRaces(t, args[0], string(out))
	return string(out)
}

// TestRedisURLAndFaultRefusals: bad URLs (one that does not parse, the
// multi-address Cluster form naming nodes that are not there), a wrong or
// missing password against a real redis-server with requirepass, and a
// lone Cluster node that serves no slots (cluster_state:fail) each make serve,
// worker and status exit with one sentence saying what is wrong: no panic,
// and the password is in no output.
func TestRedisURLAndFaultRefusals(t *testing.T) {
	if testing.Short() {
		t.Skip("real-binary test: skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "circles-actor")
	goBuild(t, bin)
	pw := testredis.StartWith(t, testredis.Options{Password: "right-pw"})
	cluster := testredis.StartWith(t, testredis.Options{Args: []string{"--cluster-enabled", "yes",
		"--cluster-config-file", filepath.Join(t.TempDir(), "nodes.conf")}})
	cases := []struct{ url, want string }{
		{"redis://:" + edgeSecret + "@127.0.0.1:notaport", `invalid port ":notaport"`},
		{"redis://:" + edgeSecret + "%zz@127.0.0.1:1", "user or password part"},
		{"redis://:" + edgeSecret + "@127.0.0.1:1?addr=127.0.0.1:2&addr=127.0.0.1:3", "no seed of the Redis Cluster answers"},
		{"redis://:" + edgeSecret + "@" + pw.Addr, "Redis rejected the password"},
		{"redis://" + pw.Addr, "Redis requires a password and the redis url gives none"},
		{"redis://:" + edgeSecret + "@" + cluster.Addr, "Redis Cluster is not ready (cluster_state:fail"},
	}
	for _, tc := range cases {
		for _, args := range [][]string{
			{"serve", "-p", "0", "-k", redisCircle, "--redis-url", tc.url},
			{"serve", "-p", "0", "-k", redisCircle, "--no-local-workers", "--redis-url", tc.url},
			{"worker", "-k", redisCircle, "--redis-url", tc.url},
			{"status", "--redis-url", tc.url},
		} {
			out := runRefused(t, bin, args...)
			name := fmt.Sprintf("%s %s", args[0], redisq.RedactURL(tc.url))
			if !strings.Contains(out, tc.want) {
				t.Errorf("%s: output does not say %q:\n%s", name, tc.want, out)
			}
			for _, bad := range []string{edgeSecret, "panic", "goroutine "} {
				if strings.Contains(out, bad) {
					t.Errorf("%s: output holds %q:\n%s", name, bad, out)
				}
			}
		}
	}
	out := runRefused(t, bin, "serve", "-k", redisCircle, "--stripe-circle-secret", edgeSecret)
	if strings.Contains(out, edgeSecret) || !strings.Contains(out, "stripe-circle-secret") {
		t.Errorf("bad --stripe-circle-secret: output names the flag without the secret? %s", out)
	}
}

// TestRedisDeadServeTasksNotRun: a serve with tasks queued (no worker
// running) is killed (SIGKILL); once its heartbeat expires a worker starts
// and drops them all without running them: nothing is pushed to the dead
// server's reply list, the hashes are gone and the worker logs each drop.
func TestRedisDeadServeTasksNotRun(t *testing.T) {
	e := newRedisEnv(t)
	srv, addr := e.serve()
	m := regexp.MustCompile(`reply_to=` + regexp.QuoteMeta(redisq.PrefixReply) + `(\S+)`).FindStringSubmatch(srv.output())
	if m == nil {
		t.Fatalf("serve did not log its reply list:\n%s", srv.output())
	}
	serverID := m[1]
	rc := e.client()
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const plays = 8
	var wg sync.WaitGroup
	for _, c := range e.dialN(addr, plays) {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.Play(ctx, "40 + 2") }() // fails when serve dies
	}
	redisWait(t, 20*time.Second, "the plays to be queued", func() bool {
		n, err := rc.Do(ctx, rc.B().Llen().Key(redisq.TasksKey(redisCircle)).Build()).AsInt64()
		return err == nil && n == plays
	})
	srv.kill()
	wg.Wait()
	redisWait(t, redisq.ServerHeartbeatTTL+10*time.Second, "the dead server's heartbeat to expire", func() bool {
		n, err := rc.Do(ctx, rc.B().Exists().Key(redisq.ServerKey(serverID)).Build()).AsInt64()
		return err == nil && n == 0
	})
	w := e.worker("worker", "-d")
	redisWait(t, 20*time.Second, "the worker to empty the queue and drop the hashes", func() bool {
		n, err := rc.Do(ctx, rc.B().Llen().Key(redisq.TasksKey(redisCircle)).Build()).AsInt64()
		keys, kerr := rc.Do(ctx, rc.B().Keys().Pattern(redisq.PrefixDetails+"*").Build()).AsStrSlice()
		return err == nil && kerr == nil && n == 0 && len(keys) == 0
	})
	if n, err := rc.Do(ctx, rc.B().Llen().Key(redisq.ReplyKey(serverID)).Build()).AsInt64(); err != nil || n != 0 {
		t.Fatalf("%d replies pushed to the dead server (%v): its tasks ran", n, err)
	}
	redisWait(t, 10*time.Second, "the worker to log the drops", func() bool {
		return strings.Count(w.output(), "dropping task whose server is gone") == plays
	})
	if strings.Contains(w.output(), "task ran") {
		t.Fatalf("worker ran a task:\n%s", w.output())
	}
}

// TestRedisPasswordChangedUnderServe: serve (with its local workers) runs
// on a Redis with requirepass; the password is changed and every client
// cut off. /readyz and plays then say "Redis rejected the password", not
// busy, and the log says it without the password; with the old password
// back, plays work again without a restart.
func TestRedisPasswordChangedUnderServe(t *testing.T) {
	if testing.Short() {
		t.Skip("real-binary test: skipped in -short mode")
	}
	r := testredis.StartWith(t, testredis.Options{Password: edgeSecret})
	e := &redisEnv{t: t, url: r.URL, redis: r, bin: filepath.Join(t.TempDir(), "circles-actor")}
	goBuild(t, e.bin)
	srv, addr := e.serveArgs("--redis-url", r.URL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := e.dialN(addr, 1)[0]
	if res, err := c.Play(ctx, "40 + 2"); err != nil || res.Output != "42" {
		t.Fatalf("play before the change: %+v, %v", res, err)
	}
	rc := e.client()
	defer rc.Close()
	setPass := func(pw string) {
		t.Helper()
		if err := rc.Do(ctx, rc.B().ConfigSet().ParameterValue().ParameterValue("requirepass", pw).Build()).Error(); err != nil {
			t.Fatal(err)
		}
		if err := rc.Do(ctx, rc.B().ClientKill().TypeNormal().SkipmeYes().Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
	setPass("another-pw")
	const want = "Redis rejected the password"
	var body string
	redisWait(t, 20*time.Second, "/readyz to name the password", func() bool {
		code, b := tryGet("http://" + addr + "/readyz")
		body = b
		return code == 503 && strings.Contains(b, want)
	})
	_, err := c.Play(ctx, "40 + 2")
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(strings.ToLower(err.Error()), "busy") {
		t.Fatalf("play with a rejected password: %v, want %q and not busy", err, want)
	}
	setPass(edgeSecret)
	redisWait(t, 20*time.Second, "plays to work again", func() bool {
		res, err := c.Play(ctx, "40 + 2")
		return err == nil && res.Output == "42"
	})
	srv.stop(t)
	if strings.Contains(srv.output(), edgeSecret) || strings.Contains(body, edgeSecret) {
		t.Fatalf("the password is in serve's output or /readyz:\n%s\n%s", srv.output(), body)
	}
}

func tryGet(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRedisWorkerLossLoggedOnce: a worker with 64 loops on a Redis that is
// not there writes "failed to take a task" once (per 10 s, with a count),
// not once per loop.
func TestRedisWorkerLossLoggedOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("real-binary test: skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "circles-actor")
	goBuild(t, bin)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close() // nothing listens there now
	w := startRProc(t, "worker", nil, bin, "worker", "-k", redisCircle, "--redis-url", "redis://"+dead, "--concurrency", "64")
	redisWait(t, 20*time.Second, "the worker to log the lost Redis", func() bool {
		return strings.Contains(w.output(), "failed to take a task")
	})
	w.stop(t)
	if n := strings.Count(w.output(), "failed to take a task"); n != 1 {
		t.Fatalf("%d \"failed to take a task\" lines from 64 loops, want 1:\n%s", n, w.output())
	}
}

// TestRedisOutageLogsOncePerInterval: while Redis is down, hundreds of
// failing plays through a real serve give one "play could not run" line
// per reason and interval (ratelog), with the count of the others, not a
// line each.
func TestRedisOutageLogsOncePerInterval(t *testing.T) {
	e := newRedisEnv(t)
	srv, addr := e.serve()
	conns := e.dialN(addr, 8)
	e.redis.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	failed := 0
	for range 50 {
		for _, c := range conns {
			if _, err := c.Play(ctx, "40 + 2"); err != nil {
				failed++
			}
		}
	}
	if failed < 300 {
		t.Fatalf("only %d of 400 plays failed with Redis down", failed)
	}
	lines := strings.Count(srv.output(), "play could not run")
	if lines < 1 || lines > 3 {
		t.Fatalf("%d plays failed and %d lines say so, want 1 to 3:\n%s", failed, lines, srv.output())
	}
	t.Logf("%d failed plays, %d log lines", failed, lines)
}
