package main

import (
	"context"
	"fmt"
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

// TestRedisSentinelFailoverKeepsAnsweredState: serve with its own workers
// on a master + two replicas watched by a Sentinel; 8 clients run
// read-modify-write plays; the master is SIGKILLed under load and comes
// back (Sentinel makes it the new master's replica). Plays work again
// without a restart, and every play answered before, during or after the
// failover has its write in the surviving state: with replicas present
// answers wait for one (--redis-min-replicas defaults to 1). The second
// replica is what lets plays resume right after the promotion: the new
// master has a replica to confirm on at once (with only one, plays fail
// until the old master is back as a replica). Logged: the time from the
// master's death to the promotion and to the first successful play, and
// the failures around it by message.
func TestRedisSentinelFailoverKeepsAnsweredState(t *testing.T) {
	const replicas = 2
	e := newRedisEnv(t)
	master := e.redis
	host, port, _ := strings.Cut(master.Addr, ":")
	for range replicas {
		testredis.StartWith(t, testredis.Options{Args: []string{"--replicaof", host, port}})
	}
	mc := e.client()
	defer mc.Close()
	redisWait(t, 20*time.Second, "the replicas to sync", func() bool {
		info, err := mc.Do(context.Background(), mc.B().Info().Section("replication").Build()).ToString()
		return err == nil && strings.Contains(info, fmt.Sprintf("connected_slaves:%d", replicas)) &&
			strings.Count(info, "state=online") == replicas
	})
	sentinel := testredis.StartSentinel(t, master.Addr, "m")
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
	fails := &failLog{}
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
					fails.add(killedAt.Load(), err)
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
	var rejoinedAt atomic.Int64 // unix ns: the old master is a synced replica
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { // observation only: when Sentinel has made the old master a replica
		defer close(watched)
		for watchCtx.Err() == nil {
			info, err := mc.Do(watchCtx, mc.B().Info().Section("replication").Build()).ToString()
			if err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up") {
				rejoinedAt.Store(time.Now().UnixNano())
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	redisWait(t, 60*time.Second, "plays answered after the failover", func() bool {
		return backAt.Load() != 0 && answered.Load() >= before+200
	})
	stopWatch()
	<-watched
	if at := rejoinedAt.Load(); at != 0 {
		t.Logf("old master is a synced replica %.1fs after the kill", time.Duration(at-killedAt.Load()).Seconds())
	}
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
	fails.report(t)
	back := time.Unix(0, backAt.Load())
	t.Logf("time from master death to first successful play: %.1fs (promotion after %.1fs)",
		back.Sub(time.Unix(0, killedAt.Load())).Seconds(), promoted.Sub(time.Unix(0, killedAt.Load())).Seconds())
	// A generous bound on what this process controls (the promotion's own
	// time is Sentinel's): measured about 0.1 s; before the loops followed
	// the switch, callers whose task went to the old master waited out
	// their 30 s timeout.
	if gap := back.Sub(promoted); gap > 15*time.Second {
		t.Errorf("first successful play %.1fs after the promotion, want within 15s", gap.Seconds())
	}
	t.Logf("%d plays answered (%d before the kill), %d failed cleanly around it, %d lost; promotion %.1fs after the master died, first answer %.1fs after it",
		total, before, failedDuring.Load(), lost, promoted.Sub(time.Unix(0, killedAt.Load())).Seconds(),
		time.Duration(backAt.Load()-killedAt.Load()).Seconds())
}

// failLog groups the failures of the Sentinel test's plays by message,
// with when each was first and last seen after the master's death.
type failLog struct {
	mu sync.Mutex
	by map[string]*failSeen
}

type failSeen struct {
	n           int
	first, last time.Duration
}

func (f *failLog) add(killedAt int64, err error) {
	if killedAt == 0 {
		return
	}
	at := time.Duration(time.Now().UnixNano() - killedAt)
	msg := err.Error()
	if len(msg) > 160 {
		msg = msg[:160]
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.by == nil {
		f.by = map[string]*failSeen{}
	}
	s := f.by[msg]
	if s == nil {
		s = &failSeen{first: at}
		f.by[msg] = s
	}
	s.n++
	s.last = at
}

func (f *failLog) report(t *testing.T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for msg, s := range f.by {
		t.Logf("failed %d× from %.1fs to %.1fs after the kill: %s", s.n, s.first.Seconds(), s.last.Seconds(), msg)
	}
}
