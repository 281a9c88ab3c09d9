package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/testredis"
)

// runBin runs the binary to completion (bounded) and returns its output
// and whether it failed.
func runBin(t *testing.T, bin string, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%v did not exit: %s", args, out)
	}
	return string(out), err != nil
}

// TestRedisURLSecretNeverShown: a URL that does not parse fails serve,
// worker and status with what is wrong, never with the password.
func TestRedisURLSecretNeverShown(t *testing.T) {
	e := newRedisEnv(t)
	const bad = "redis://:hunter22secret@127.0.0.1:notaport"
	for _, args := range [][]string{
		{"status", "--redis-url", bad},
		{"worker", "-k", redisCircle, "--redis-url", bad},
		{"serve", "--host", "127.0.0.1", "-p", "0", "-k", redisCircle, "--redis-url", bad},
		{"status", "--redis-url", "redis://:hunter22%zzsecret@127.0.0.1:1"},
		{"worker", "-k", redisCircle, "--redis-url", "redis://a:1?addr=b:2&addr=c:3"},
	} {
		out, failed := runBin(t, e.bin, args...)
		if !failed {
			t.Errorf("%v succeeded:\n%s", args, out)
		}
		if strings.Contains(out, "hunter22") || strings.Contains(out, "secret") {
			t.Errorf("%v shows the password:\n%s", args, out)
		}
		if strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
			t.Errorf("%v panicked:\n%s", args, out)
		}
		if !strings.Contains(out, "redis url does not parse") && !strings.Contains(out, "Cluster") {
			t.Errorf("%v does not say what is wrong:\n%s", args, out)
		}
	}
}

// TestRedisPermanentErrorsFailStartup: a wrong or missing password fails
// serve and worker at start-up with one clear sentence (not "busy"), and
// the password is not in it.
func TestRedisPermanentErrorsFailStartup(t *testing.T) {
	e := newRedisEnv(t)
	r := testredis.StartWith(t, "--requirepass", "rightpass42")
	wrong := "redis://:wrongpass42@" + r.Addr
	none := "redis://" + r.Addr
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"worker", "-k", redisCircle, "--redis-url", wrong}, "Redis rejected the password"},
		{[]string{"serve", "--host", "127.0.0.1", "-p", "0", "-k", redisCircle, "--redis-url", wrong}, "Redis rejected the password"},
		{[]string{"worker", "-k", redisCircle, "--redis-url", none}, "Redis requires a password"},
		{[]string{"serve", "--host", "127.0.0.1", "-p", "0", "-k", redisCircle, "--redis-url", none}, "Redis requires a password"},
	} {
		out, failed := runBin(t, e.bin, c.args...)
		if !failed || !strings.Contains(out, c.want) {
			t.Errorf("%v: failed=%v, want %q in:\n%s", c.args, failed, c.want, out)
		}
		if strings.Contains(out, "wrongpass42") {
			t.Errorf("%v shows the password:\n%s", c.args, out)
		}
	}
}

// TestRedisOutageLogsOncePerInterval: while Redis is down, hundreds of
// failing plays give one "play could not run" line per interval, with the
// count of the others, not a line each.
func TestRedisOutageLogsOncePerInterval(t *testing.T) {
	e := newRedisEnv(t)
	srv, addr := e.serve()
	conns := e.dialN(addr, 8)
	e.redis.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	failed := 0
	for round := 0; round < 50; round++ {
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

// startCluster starts three redis-server --cluster-enabled nodes and joins
// them as a 3-master Cluster (redis-cli --cluster create); it returns the
// nodes' addresses, or skips without redis-cli.
func startCluster(t *testing.T) []string {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not installed (apt-get install redis-tools); skipping the Redis Cluster test")
	}
	var addrs []string
	for range 3 {
		dir := t.TempDir()
		n := testredis.StartWith(t, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"))
		addrs = append(addrs, n.Addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	return addrs
}

// TestRedisClusterRefusedClearly: against a real 3-master Cluster, from one
// seed or rueidis's several-address form, serve and worker do not start as
// if all were well (nor panic): they say in one sentence that Cluster is
// not supported yet.
func TestRedisClusterRefusedClearly(t *testing.T) {
	e := newRedisEnv(t)
	addrs := startCluster(t)
	seed := "redis://" + addrs[0]
	multi := "redis://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2]
	for _, u := range []string{seed, multi} {
		for _, args := range [][]string{
			{"worker", "-k", redisCircle, "--redis-url", u},
			{"serve", "--host", "127.0.0.1", "-p", "0", "-k", redisCircle, "--redis-url", u},
		} {
			out, failed := runBin(t, e.bin, args...)
			if !failed || !strings.Contains(out, "does not support Redis Cluster yet") {
				t.Errorf("%v: failed=%v, want the Cluster sentence in:\n%s", args, failed, out)
			}
			if strings.Contains(out, "panic") {
				t.Errorf("%v panicked:\n%s", args, out)
			}
		}
	}
}
