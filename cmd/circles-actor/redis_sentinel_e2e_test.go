package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting/redisq"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/scripting/state"
)

// startSentinel runs `redis-server sentinel.conf --sentinel` watching
// master as "m" (quorum 1, down after 1 s) and returns its address.
func startSentinel(t *testing.T, master string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	host, mport, _ := strings.Cut(master, ":")
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor m %s %s 1\nsentinel down-after-milliseconds m 1000\nsentinel failover-timeout m 5000\nsentinel parallel-syncs m 1\n",
		port, dir, host, mport)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("failed to start sentinel: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	redisWait(t, 10*time.Second, "sentinel to listen", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr
}

// TestRedisSentinelFailoverKeepsAnsweredState: serve with its own workers
// on a master + replica watched by a Sentinel; 8 clients run
// read-modify-write plays; the master is SIGKILLed under load and comes
// back (Sentinel makes it the new master's replica). Plays work again
// without a restart, and every play answered before, during or after the
// failover has its write in the surviving state: with a replica present
// answers wait for it (--redis-min-replicas defaults to 1).
func TestRedisSentinelFailoverKeepsAnsweredState(t *testing.T) {
	e := newRedisEnv(t)
	master := e.redis
	host, port, _ := strings.Cut(master.Addr, ":")
	testredis.StartWith(t, testredis.Options{Args: []string{"--replicaof", host, port}})
	mc := e.client()
	defer mc.Close()
	redisWait(t, 20*time.Second, "the replica to sync", func() bool {
		info, err := mc.Do(context.Background(), mc.B().Info().Section("replication").Build()).ToString()
		return err == nil && strings.Contains(info, "connected_slaves:1") && strings.Contains(info, "state=online")
	})
	sentinel := startSentinel(t, master.Addr)
	url := "redis://" + sentinel + "?master_set=m"
	srv, addr := e.serveArgs("--redis-url", url, "--redis-replica-timeout", "500ms")
	if !strings.Contains(srv.output(), "every answer waits for one") {
		t.Fatalf("serve did not turn on waiting for a replica:\n%s", srv.output())
	}
	const clients = 8
	conns := e.dialN(addr, clients)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var answered, failedDuring atomic.Int64
	var killedAt, backAt atomic.Int64 // unix ns
	okKeys := make([]map[string]string, clients)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for cl, c := range conns {
		okKeys[cl] = map[string]string{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; !stop.Load(); seq++ {
				res, err := c.Play(ctx, redisRMWScript(cl, seq))
				if err != nil {
					failedDuring.Add(1)
					// Pace a failing client (load generation, not synchronisation).
					time.Sleep(20 * time.Millisecond)
					continue
				}
				okKeys[cl][fmt.Sprintf("c%d:%d", cl, seq)] = res.Output
				if answered.Add(1); killedAt.Load() != 0 {
					backAt.CompareAndSwap(0, time.Now().UnixNano())
				}
			}
		}()
	}
	redisWait(t, 60*time.Second, "200 plays answered", func() bool { return answered.Load() >= 200 })
	master.Stop() // SIGKILL under load
	killedAt.Store(time.Now().UnixNano())
	before := answered.Load()
	// Once Sentinel has promoted the replica, the old master returns (empty:
	// no persistence) and Sentinel makes it the new master's replica, so
	// that answers can be confirmed again.
	sc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{sentinel}, ForceSingleClient: true, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	redisWait(t, 60*time.Second, "Sentinel to promote the replica", func() bool {
		a, err := sc.Do(ctx, sc.B().Arbitrary("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m").Build()).AsStrSlice()
		return err == nil && len(a) == 2 && a[0]+":"+a[1] != master.Addr
	})
	promoted := time.Now()
	master.Start()
	var rejoined time.Time
	go func() {
		for ctx.Err() == nil && rejoined.IsZero() {
			info, err := mc.Do(ctx, mc.B().Info().Section("replication").Build()).ToString()
			if err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up") {
				rejoined = time.Now()
				t.Logf("old master is a synced replica %.1fs after the kill", rejoined.Sub(time.Unix(0, killedAt.Load())).Seconds())
				return
			}
			time.Sleep(100 * time.Millisecond) // observation only
		}
	}()
	redisWait(t, 60*time.Second, "plays answered after the failover", func() bool {
		return backAt.Load() != 0 && answered.Load() >= before+200
	})
	stop.Store(true)
	wg.Wait()

	// Read the state from whichever node is master now, through Sentinel.
	client, err := redisq.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	st := redisq.NewStateStore(client, nil)
	sess, err := st.Begin(ctx, redisCircle)
	if err != nil {
		t.Fatal(err)
	}
	tx := state.NewTx(sess, state.Limits{})
	defer tx.Abort()
	lost := 0
	total := 0
	for cl := range okKeys {
		for k, want := range okKeys[cl] {
			total++
			v, ok, err := tx.Get(k)
			if err != nil {
				t.Fatal(err)
			}
			if !ok || rhai.ToString(v) != want {
				lost++
				if lost <= 5 {
					t.Errorf("answered play %s = %s is not in the state after the failover (%v)", k, want, ok)
				}
			}
		}
	}
	nv, _, _ := tx.Get("n")
	n, _ := strconv.Atoi(rhai.ToString(nv))
	if n < total {
		t.Errorf("counter %d is below the %d answered plays", n, total)
	}
	t.Logf("%d plays answered (%d before the kill), %d failed cleanly around it, %d lost; promotion %.1fs after the master died, first answer %.1fs after it",
		total, before, failedDuring.Load(), lost, promoted.Sub(time.Unix(0, killedAt.Load())).Seconds(),
		time.Duration(backAt.Load()-killedAt.Load()).Seconds())
}
