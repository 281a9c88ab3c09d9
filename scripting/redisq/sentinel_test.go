package redisq_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestSentinelSwitchMovesLoops: when the Sentinel names another master,
// the dispatcher's and the consumer's loops move to it although the old
// one stays up and keeps answering. rueidis moves its pooled connections
// but not the dedicated ones the loops hold; left there, the loops would
// queue, run and answer plays on a node that is no longer the master
// (after a real failover: the old master back from the dead, empty, until
// Sentinel demotes it), whose data the failover then throws away. The
// switch here is announced by no +switch-master event (SENTINEL MONITOR of
// another node), so this also checks that the client reconciles with the
// Sentinel by itself.
func TestSentinelSwitchMovesLoops(t *testing.T) {
	a, b := startRedis(t), startRedis(t)
	sentinel := testredis.StartSentinel(t, a.Addr, "m")
	sc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{sentinel}, ForceSingleClient: true, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	c, err := redisq.NewClient("redis://" + sentinel + "?master_set=m")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := newDispatcher(t, c, redisq.Options{PreserveTasks: true})
	newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{})
	play := func(id string) {
		t.Helper()
		res, err := d.Dispatch(ctxT(t, 20*time.Second), scripting.Task{ID: id, CircleID: circleA, Script: "echo " + id})
		if err != nil || !strings.HasPrefix(res.Output, id+"|") {
			t.Fatalf("play %s: %q %v", id, res.Output, err)
		}
	}
	exists := func(r *testRedis, key string) bool {
		n, err := r.Client().Do(ctxT(t, time.Second), sc.B().Exists().Key(key).Build()).AsInt64()
		return err == nil && n == 1
	}
	play("before")
	if !exists(a, redisq.DetailsKey("before")) {
		t.Fatal("the first play's task is not on the first master")
	}
	bHost, bPort, _ := strings.Cut(b.Addr, ":")
	for _, cmd := range [][]string{{"SENTINEL", "REMOVE", "m"}, {"SENTINEL", "MONITOR", "m", bHost, bPort, "1"}} {
		if err := sc.Do(ctxT(t, 5*time.Second), sc.B().Arbitrary(cmd...).Build()).Error(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	eventually(t, 30*time.Second, "the client to send to the new master", func() bool {
		_ = c.Do(ctxT(t, time.Second), c.B().Set().Key("probe").Value("1").Build()).Error()
		return exists(b, "probe")
	})
	play("after")
	if !exists(b, redisq.DetailsKey("after")) || exists(a, redisq.DetailsKey("after")) {
		t.Fatalf("the play after the switch ran on the old master (on new: %v, on old: %v)",
			exists(b, redisq.DetailsKey("after")), exists(a, redisq.DetailsKey("after")))
	}
}
