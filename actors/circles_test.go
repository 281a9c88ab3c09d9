package actors_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/transport/jsonrpc"
)

// TestAddCircleServesAtOnce: a circle added at runtime takes sessions and
// plays as soon as AddCircle returns, is reported with source "api", and
// adding it again changes nothing.
func TestAddCircleServesAtOnce(t *testing.T) {
	t.Parallel()
	sys, fixed := startSystem(t, nil)
	_, pk := newKey(t)
	added, err := sys.AddCircle(strings.ToUpper(pk), time.Time{})
	if err != nil || !added {
		t.Fatalf("AddCircle = %v, %v; want true, nil", added, err)
	}
	if again, err := sys.AddCircle(pk, time.Time{}); err != nil || again {
		t.Fatalf("AddCircle again = %v, %v; want false, nil", again, err)
	}
	c := open(t, sys, pk)
	var p playRes
	c.call("play", map[string]string{"script": "CONTEXT_ID"}, &p)
	if p.Output != pk {
		t.Fatalf("CONTEXT_ID %q, want %q", p.Output, pk)
	}
	infos := sys.CircleInfos(context.Background())
	if len(infos) != 2 {
		t.Fatalf("CircleInfos: %d circles, want 2", len(infos))
	}
	for _, in := range infos {
		want := actors.SourceAPI
		if in.PublicKey == fixed {
			want = actors.SourceFlag
		}
		if in.Source != want {
			t.Errorf("%s: source %q, want %q", in.PublicKey[:8], in.Source, want)
		}
	}
	info, ok := sys.Circle(context.Background(), pk)
	if !ok || info.Sessions != 1 || info.StateKeys == nil || *info.StateKeys != 0 {
		t.Fatalf("Circle(%s) = %+v, %v", pk[:8], info, ok)
	}
	if _, err := sys.AddCircle("02zz", time.Time{}); err == nil {
		t.Fatal("AddCircle accepted a malformed key")
	}
}

// TestRemoveCircle: removing a circle refuses new sessions at once, answers
// its queued play -32006, lets the running one finish, closes the session
// with 4004 and leaves other circles alone; -k circles cannot be removed.
func TestRemoveCircle(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	block := func(e *rhai.Engine) error {
		return e.RegisterFn("block", func() int64 {
			started <- struct{}{}
			<-release
			return 7
		})
	}
	sys, fixed := startSystem(t, nil, actors.WithHostFunctions(block))
	if err := sys.RemoveCircle(fixed); !errors.Is(err, actors.ErrFixedCircle) {
		t.Fatalf("RemoveCircle(-k circle) = %v, want ErrFixedCircle", err)
	}
	_, pk := newKey(t)
	if _, err := sys.AddCircle(pk, time.Time{}); err != nil {
		t.Fatal(err)
	}
	c := open(t, sys, pk)
	running := c.request("play", map[string]string{"script": "block()"})
	<-started
	queued := c.request("play", map[string]string{"script": "1"})
	if err := sys.RemoveCircle(pk); err != nil {
		t.Fatalf("RemoveCircle: %v", err)
	}
	if sys.HasCircle(pk) {
		t.Fatal("removed circle still served")
	}
	if _, err := sys.OpenSession(pk, "127.0.0.1:1", nil); !errors.Is(err, actors.ErrUnknownCircle) {
		t.Fatalf("OpenSession after removal = %v, want ErrUnknownCircle", err)
	}
	r := c.next()
	if string(r.ID) != strconv.Itoa(queued) {
		t.Fatalf("first answer is for %s, want the queued play %d", r.ID, queued)
	}
	expectCode(t, r, jsonrpc.Busy)
	if code, _ := c.sink.Status(); code != 0 {
		t.Fatalf("closed with %d while a play runs", code)
	}
	close(release)
	r = c.next()
	if string(r.ID) != strconv.Itoa(running) || r.Error != nil {
		t.Fatalf("running play: %+v, want its result", r)
	}
	select {
	case <-c.sink.Done():
	case <-time.After(wait):
		t.Fatal("session not closed after its circle was removed")
	}
	if code, reason := c.sink.Status(); code != actors.CloseCircleRemoved || reason != "circle removed" {
		t.Fatalf("closed with %d %q, want 4004 \"circle removed\"", code, reason)
	}
	if err := sys.RemoveCircle(pk); !errors.Is(err, actors.ErrUnknownCircle) {
		t.Fatalf("RemoveCircle again = %v, want ErrUnknownCircle", err)
	}
	if _, err := sys.Dispatch(context.Background(), scripting.Task{CircleID: pk, Script: "1"}); !errors.Is(err, actors.ErrUnknownCircle) {
		t.Fatalf("Dispatch to a removed circle = %v", err)
	}
	other := open(t, sys, fixed)
	var p playRes
	other.call("play", map[string]string{"script": "40 + 2"}, &p)
	if p.Output != "42" {
		t.Fatalf("fixed circle after a removal: %q", p.Output)
	}
	// The key can come back at once, with a fresh supervisor.
	if added, err := sys.AddCircle(pk, time.Time{}); err != nil || !added {
		t.Fatalf("AddCircle after removal = %v, %v", added, err)
	}
	again := open(t, sys, pk)
	again.call("play", map[string]string{"script": "1"}, &p)
}

// TestCircleSetConcurrentReaders: lookups, plays and listings on one
// circle race with another circle being added and removed (run with -race).
func TestCircleSetConcurrentReaders(t *testing.T) {
	t.Parallel()
	sys, fixed := startSystem(t, func(c *config.Config) { c.MaxInFlight = 64 })
	_, other := newKey(t)
	c := open(t, sys, fixed)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = sys.HasCircle(other)
			_ = sys.Circles()
			_ = sys.CircleInfos(context.Background())
		}
	}()
	for i := range 20 {
		if _, err := sys.AddCircle(other, time.Time{}); err != nil {
			t.Fatal(err)
		}
		var p playRes
		c.call("play", map[string]string{"script": "1 + " + strconv.Itoa(i)}, &p)
		if err := sys.RemoveCircle(other); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestRemovedCircleSeriesForgotten: a removed circle's per-circle metric
// series leave /metrics once its supervisor has stopped, and a circle
// added again starts new ones.
func TestRemovedCircleSeriesForgotten(t *testing.T) {
	t.Parallel()
	sys, _ := startSystem(t, nil)
	_, pk := newKey(t)
	if _, err := sys.AddCircle(pk, time.Time{}); err != nil {
		t.Fatal(err)
	}
	fp := config.Fingerprint(pk)
	series := func() int {
		mfs, err := sys.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "circle" && l.GetValue() == fp {
						n++
					}
				}
			}
		}
		return n
	}
	c := open(t, sys, pk)
	var p playRes
	c.call("play", map[string]string{"script": `state.set("k", 1); 1`}, &p)
	if n := series(); n < 3 {
		t.Fatalf("%d series of the circle while it is served, want its sessions, queue and state commits", n)
	}
	if err := sys.RemoveCircle(pk); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.sink.Done():
	case <-time.After(wait):
		t.Fatal("session not closed after its circle was removed")
	}
	// The supervisor stops after its last session: poll, bounded, for the
	// series to go.
	deadline := time.Now().Add(wait)
	for series() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d series of a removed circle still exported", series())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := sys.AddCircle(pk, time.Time{}); err != nil {
		t.Fatal(err)
	}
	again := open(t, sys, pk)
	again.call("play", map[string]string{"script": `state.get("k")`}, &p)
	if p.Output != "1" || series() < 3 {
		t.Fatalf("circle added again: play %q, %d series", p.Output, series())
	}
}
