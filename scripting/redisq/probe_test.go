package redisq_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/internal/testredis"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/redisq"
)

// TestPermanentErrorSaysWhat: when Redis starts refusing the password (it
// was changed under a running server), readiness and every play say so in
// one sentence instead of "busy", and no message holds the password.
func TestPermanentErrorSaysWhat(t *testing.T) {
	r := testredis.StartWith(t, "--requirepass", "rightpass42")
	d, err := redisq.Dial("redis://:wrongpass42@"+r.Addr, &redisq.Options{Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const want = "Redis rejected the password"
	if err := d.Ready(ctxT(t, 5*time.Second)); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Ready = %v, want %q", err, want)
	}
	_, err = d.Dispatch(ctxT(t, 10*time.Second), scripting.Task{CircleID: circleA, Script: "1"})
	if !errors.Is(err, scripting.ErrUnavailable) || !strings.HasPrefix(scripting.UnavailableReason(err), want) {
		t.Fatalf("Dispatch = %v (reason %q), want %q", err, scripting.UnavailableReason(err), want)
	}
	if strings.Contains(err.Error(), "wrongpass42") {
		t.Fatalf("error shows the password: %v", err)
	}
	var p *redisq.PermanentError
	if !errors.As(redisq.Probe(ctxT(t, 5*time.Second), d.Client()), &p) {
		t.Fatal("Probe does not call a refused password permanent")
	}
}
