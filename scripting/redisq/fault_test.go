package redisq_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

func checkURL(t *testing.T, url string) error {
	t.Helper()
	c, err := redisq.NewClient(url)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	return redisq.Check(ctxT(t, 10*time.Second), c)
}

// TestCheckNamesPermanentFaults: against a real redis-server with
// requirepass, a wrong and a missing password are faults with one sentence
// (no password in it); the right one passes; a server that is down is not
// a fault (start-up tolerates it); a Cluster node that serves no slots
// (cluster_state:fail) is one.
func TestCheckNamesPermanentFaults(t *testing.T) {
	srv := testredis.StartWith(t, testredis.Options{Password: "right-pw-7Zq"})
	if err := checkURL(t, srv.URL); err != nil {
		t.Fatalf("Check with the right password: %v", err)
	}
	for url, want := range map[string]string{
		"redis://:wrong-pw-7Zq@" + srv.Addr: "Redis rejected the password",
		"redis://" + srv.Addr:               "Redis requires a password",
	} {
		err := checkURL(t, url)
		fe := redisq.Fault(err)
		if fe == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%s) = %v, want a fault saying %q", redisq.RedactURL(url), err, want)
			continue
		}
		if strings.Contains(err.Error(), "pw-7Zq") {
			t.Errorf("fault holds a password: %v", err)
		}
		if !errors.Is(err, scripting.ErrQueueUnreachable) {
			t.Errorf("fault %v is not ErrQueueUnreachable", err)
		}
		if scripting.UnavailableReason(err) != fe.Reason() {
			t.Errorf("UnavailableReason = %q, want %q", scripting.UnavailableReason(err), fe.Reason())
		}
	}
	srv.Stop()
	if err := checkURL(t, srv.URL); err == nil || redisq.Fault(err) != nil {
		t.Errorf("Check with redis down = %v, want a plain (not permanent) error", err)
	}

	cluster := testredis.StartWith(t, testredis.Options{Args: []string{"--cluster-enabled", "yes",
		"--cluster-config-file", t.TempDir() + "/nodes.conf"}})
	if err := checkURL(t, cluster.URL); redisq.Fault(err) == nil || !strings.Contains(err.Error(), "Redis Cluster is not ready (cluster_state:fail") {
		t.Errorf("Check on a lone cluster node = %v, want a fault saying the Cluster is not ready", err)
	}
}

// TestPasswordChangedWhileRunning: the password is changed while a
// dispatcher and a worker run (CONFIG SET requirepass, then every client is
// disconnected, as a restart with a new config would): Ready and every
// play say "Redis rejected the password", not busy; once the password is
// back, plays work again without a restart.
func TestPasswordChangedWhileRunning(t *testing.T) {
	srv := testredis.StartWith(t, testredis.Options{Password: "first-pw"})
	c, err := redisq.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := newDispatcher(t, c, redisq.Options{CommandTimeout: 2 * time.Second})
	newConsumer(t, c, newFakeExec(), redisq.ConsumerOptions{})
	ctx := ctxT(t, time.Minute)
	if _, err := d.Dispatch(ctx, scripting.Task{CircleID: circleA, Script: "echo a"}); err != nil {
		t.Fatalf("play before the change: %v", err)
	}

	admin, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{srv.Addr}, Password: "first-pw", DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	setPass := func(pw string) {
		t.Helper()
		for _, cmd := range []rueidis.Completed{
			admin.B().ConfigSet().ParameterValue().ParameterValue("requirepass", pw).Build(),
			admin.B().ClientKill().TypeNormal().SkipmeYes().Build(),
		} {
			if err := admin.Do(ctx, cmd).Error(); err != nil {
				t.Fatalf("admin: %v", err)
			}
		}
	}
	setPass("second-pw")
	const want = "Redis rejected the password"
	eventually(t, 20*time.Second, "Ready to name the password", func() bool {
		err := d.Ready(ctx)
		return err != nil && strings.Contains(err.Error(), want)
	})
	for range 5 {
		_, err := d.Dispatch(ctx, scripting.Task{CircleID: circleA, Script: "echo b"})
		if got := scripting.UnavailableReason(err); !strings.Contains(got, want) {
			t.Fatalf("play with a rejected password: %v (reason %q), want %q", err, got, want)
		}
		if strings.Contains(err.Error(), "pw") {
			t.Fatalf("play error holds a password: %v", err)
		}
	}
	setPass("first-pw")
	eventually(t, 20*time.Second, "plays to work again", func() bool {
		res, err := d.Dispatch(ctx, scripting.Task{CircleID: circleA, Script: "echo c", Timeout: 5 * time.Second})
		if err != nil {
			t.Log(err)
		}
		return err == nil && strings.HasPrefix(res.Output, "c|")
	})

}
