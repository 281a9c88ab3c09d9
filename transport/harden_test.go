package transport_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/circles-actor/circles-actor/config"
)

// pipeline sends n requests built by frame on one connection as fast as
// the socket takes them, reading the answers at the same time, and returns
// the answers by id. It fails the test if the connection closes first.
func pipeline(t *testing.T, ts *testServer, n int, frame func(i int) string) map[int]map[string]any {
	t.Helper()
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, ts.wsURL(circlePK), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	sent := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := ws.Write(ctx, websocket.MessageText, []byte(frame(i))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	got := make(map[int]map[string]any, n)
	for len(got) < n {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("after %d of %d answers: %v", len(got), n, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("answer %q: %v", b, err)
		}
		id, _ := m["id"].(float64)
		got[int(id)] = m
	}
	if err := <-sent; err != nil {
		t.Fatalf("send: %v", err)
	}
	return got
}

// TestPipelinedRequestsAllAnswered: a client that pipelines a thousand
// requests on one connection, and reads, gets every answer: a full write
// queue makes the server stop reading (back-pressure), it does not drop
// the client as a slow consumer. The queue is made small so that it fills.
func TestPipelinedRequestsAllAnswered(t *testing.T) {
	ts := startServer(t, func(c *config.Config) {
		c.WriteQueue = 4
		c.MaxOperations = 20_000 // the admitted `loop {}` plays end quickly
	})
	const n = 1000
	whoami := pipeline(t, ts, n, func(i int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"whoami"}`, i)
	})
	for i := 0; i < n; i++ {
		if r, _ := whoami[i]["result"].(map[string]any); r == nil || r["circle"] != circlePK {
			t.Fatalf("whoami %d answered %v", i, whoami[i])
		}
	}
	plays := pipeline(t, ts, n, func(i int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"play","params":{"script":"loop {}"}}`, i)
	})
	admitted := 0
	for i := 0; i < n; i++ {
		switch code := errCode(plays[i]); code {
		case -32004: // ran, and hit the operation limit
			admitted++
		case -32006: // refused: too many in flight
		default:
			t.Fatalf("play %d answered %v", i, plays[i])
		}
	}
	if admitted == 0 {
		t.Fatal("no play was admitted")
	}
	t.Logf("%d plays admitted and answered, %d refused as busy", admitted, n-admitted)
}

// TestNeverReadingClientDisconnectedAfterWriteTimeout: back-pressure does
// not keep a client that never reads: once its socket buffers are full,
// the stuck write is dropped after --write-timeout.
func TestNeverReadingClientDisconnectedAfterWriteTimeout(t *testing.T) {
	ts := startServer(t, func(c *config.Config) { c.WriteQueue, c.WriteTimeout = 4, 300*time.Millisecond })
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, ts.wsURL(circlePK), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	waitMetric(t, ts, "\ncircles_ws_connections 1\n", 10*time.Second)
	frame := []byte(`{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}`)
	go func() {
		for ws.Write(ctx, websocket.MessageText, frame) == nil {
		}
	}()
	waitMetric(t, ts, "\ncircles_ws_connections 0\n", 15*time.Second)
	if _, body, _ := get(t, ts.base+"/metrics", nil); !strings.Contains(body, `circles_ws_server_closes_total{code="write_timeout"} 1`) {
		t.Errorf("not closed by the write timeout:\n%s", grepLines(body, "circles_ws_server_closes_total"))
	}
}

// TestUnansweredCloseFreesSlotWithinASecond: a peer that stops answering
// (it never reads, so it neither pongs nor replies to the close frame) is
// closed at the idle timeout, and its TCP connection, per-IP slot and
// place in circles_ws_connections go within a second of that close, not
// after coder/websocket's five-second wait for the reply.
func TestUnansweredCloseFreesSlotWithinASecond(t *testing.T) {
	ts := startServer(t, func(c *config.Config) {
		c.MaxConnsPerIP = 1
		c.IdleTimeout, c.PingInterval = 400*time.Millisecond, 100*time.Millisecond
	})
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, ts.wsURL(circlePK), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow() // never read: no pong, no close reply
	closed := waitMetric(t, ts, `circles_ws_server_closes_total{code="idle"} 1`, 10*time.Second)
	freed := waitMetric(t, ts, "\ncircles_ws_connections 0\n", 10*time.Second)
	t.Logf("slot freed %v after the idle close", freed.Sub(closed).Round(time.Millisecond))
	if d := freed.Sub(closed); d > time.Second {
		t.Errorf("slot freed %v after the close, want within 1s", d)
	}
	c, _, err := websocket.Dial(ctx, ts.wsURL(circlePK), nil)
	if err != nil {
		t.Fatalf("the IP's only slot is still taken: %v", err)
	}
	c.CloseNow()
}

// waitMetric polls /metrics until its text holds want and returns when it
// first did.
func waitMetric(t *testing.T, ts *testServer, want string, within time.Duration) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		if _, body, _ := get(t, ts.base+"/metrics", nil); strings.Contains(body, want) {
			return time.Now()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("metrics never showed %q", want)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func errCode(m map[string]any) int {
	e, _ := m["error"].(map[string]any)
	f, _ := e["code"].(float64)
	return int(f)
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
