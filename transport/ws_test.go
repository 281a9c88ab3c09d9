package transport

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/circles-actor/circles-actor/config"
)

// chanReceiver collects the frames the read pump hands over.
type chanReceiver chan []byte

func (r chanReceiver) Receive(frame []byte) { r <- frame }

// pumpHarness serves one upgraded socket with the real pumps and hands the
// server side's wsConn to the test.
type pumpHarness struct {
	url    string
	conns  chan *wsConn
	frames chanReceiver
}

func newPumpHarness(t *testing.T, cfg pumpConfig) *pumpHarness {
	t.Helper()
	m, err := newConnMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	cfg.metrics = m
	h := &pumpHarness{conns: make(chan *wsConn, 1), frames: make(chanReceiver, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := newWSConn(&cfg)
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OnPongReceived: c.onPong})
		if err != nil {
			return
		}
		c.ws = ws
		ws.SetReadLimit(cfg.readLimit)
		h.conns <- c
		go c.writePump()
		stop := make(chan struct{})
		go tickEvery(c, cfg.pingInterval, stop) // the Server's shared ticker, for one conn
		c.readPump(h.frames)
		close(stop)
		<-c.done
	}))
	t.Cleanup(srv.Close)
	h.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return h
}

func tickEvery(c *wsConn, d time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.tick()
		case <-stop:
			return
		}
	}
}

func testPumpConfig() pumpConfig {
	return pumpConfig{readLimit: 1024, pingInterval: time.Hour, idleTimeout: 2 * time.Hour, writeTimeout: 5 * time.Second,
		writeQueue: 4, queueBytes: 1 << 20, hardFrames: 8, hardBytes: 4 << 20, closeWait: closeReplyWait}
}

func (h *pumpHarness) dial(t *testing.T, opts *websocket.DialOptions) (*websocket.Conn, *wsConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, h.url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws, <-h.conns
}

func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// readClose reads until the socket ends and returns the close status.
func readClose(ctx context.Context, ws *websocket.Conn) websocket.StatusCode {
	for {
		if _, _, err := ws.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// TestSendPastHardBoundReturnsFalse: past the soft bound Send still
// queues (the read pump pauses instead); only the hard bound refuses.
func TestSendPastHardBoundReturnsFalse(t *testing.T) {
	cfg := testPumpConfig()
	c := newWSConn(&cfg) // no write pump: nothing drains the queue
	for i := 0; i < cfg.hardFrames; i++ {
		if !c.Send([]byte("x")) {
			t.Fatalf("Send %d refused below the hard bound", i)
		}
	}
	if !c.out.full(cfg.writeQueue, cfg.queueBytes) {
		t.Fatal("queue past its soft bound does not say it is full")
	}
	if c.Send([]byte("x")) {
		t.Fatal("Send accepted a frame over the hard bound")
	}
	c.Close(1008, "slow consumer")
	c.Close(1000, "second close is ignored")
	if c.closeCode != 1008 || !c.Send([]byte("late")) {
		t.Fatal("Close must keep the first code and drop later frames silently")
	}
}

func TestFramesRoundTripAndFlushBeforeClose(t *testing.T) {
	h := newPumpHarness(t, testPumpConfig())
	ws, c := h.dial(t, nil)
	ctx := deadline(t)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if got := string(<-h.frames); got != `{"a":1}` {
		t.Fatalf("session got %q", got)
	}
	for _, f := range []string{"one", "two", "three"} {
		if !c.Send([]byte(f)) {
			t.Fatal("Send refused")
		}
	}
	c.Close(1001, "server shutting down")
	for _, want := range []string{"one", "two", "three"} {
		_, got, err := ws.Read(ctx)
		if err != nil || string(got) != want {
			t.Fatalf("read %q, %v; want %q", got, err, want)
		}
	}
	if code := readClose(ctx, ws); code != websocket.StatusGoingAway {
		t.Fatalf("close status %d, want 1001", code)
	}
}

func TestBinaryFrameCloses1003(t *testing.T) {
	h := newPumpHarness(t, testPumpConfig())
	ws, _ := h.dial(t, nil)
	ctx := deadline(t)
	if err := ws.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if code := readClose(ctx, ws); code != websocket.StatusUnsupportedData {
		t.Fatalf("close status %d, want 1003", code)
	}
}

func TestOversizedFrameCloses1009(t *testing.T) {
	h := newPumpHarness(t, testPumpConfig())
	ws, _ := h.dial(t, nil)
	ctx := deadline(t)
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = 'a'
	}
	// The write may fail once the server closes; the status is what counts.
	_ = ws.Write(ctx, websocket.MessageText, big)
	if code := readClose(ctx, ws); code != websocket.StatusMessageTooBig {
		t.Fatalf("close status %d, want 1009", code)
	}
}

func TestSilentPeerClosedAfterIdleTimeout(t *testing.T) {
	cfg := testPumpConfig()
	cfg.pingInterval, cfg.idleTimeout = 10*time.Millisecond, 80*time.Millisecond
	h := newPumpHarness(t, cfg)
	// A peer that never answers pings: only the idle timeout can end it.
	ws, _ := h.dial(t, &websocket.DialOptions{OnPingReceived: func(context.Context, []byte) bool { return false }})
	if code := readClose(deadline(t), ws); code != websocket.StatusGoingAway {
		t.Fatalf("close status %d, want 1001 idle timeout", code)
	}
}

func TestPongsKeepQuietPeerAlive(t *testing.T) {
	t.Parallel() // mostly waiting; runs after the sequential tests (and their leak check)
	cfg := testPumpConfig()
	cfg.pingInterval, cfg.idleTimeout = 10*time.Millisecond, 700*time.Millisecond
	h := newPumpHarness(t, cfg)
	var pings atomic.Int32
	enough := make(chan struct{})
	ws, c := h.dial(t, &websocket.DialOptions{OnPingReceived: func(context.Context, []byte) bool {
		if pings.Add(1) == 150 { // 150 pings take about two idle timeouts
			close(enough)
		}
		return true
	}})
	ctx := deadline(t)
	got := make(chan error, 1)
	go func() { _, _, err := ws.Read(ctx); got <- err }()
	select {
	case <-enough:
	case err := <-got:
		t.Fatalf("connection ended while answering pings: %v", err)
	}
	if !c.Send([]byte("still here")) {
		t.Fatal("Send refused")
	}
	if err := <-got; err != nil {
		t.Fatalf("read after keep-alive: %v", err)
	}
}

func TestOutQueueOrderBoundAndRelease(t *testing.T) {
	var q outQueue
	for i := 0; i < 3; i++ {
		if !q.push([]byte{byte(i)}, 3, 100) {
			t.Fatalf("push %d refused", i)
		}
	}
	if q.push([]byte{9}, 3, 100) {
		t.Fatal("push over the frame bound accepted")
	}
	if !q.full(3, 100) || q.full(4, 100) || !q.full(4, 3) {
		t.Fatal("full misjudges the soft bounds")
	}
	room := q.roomSignal()
	for i := 0; i < 3; i++ {
		f, ok := q.pop(3, 100)
		if !ok || f[0] != byte(i) {
			t.Fatalf("pop %d = %v, %v", i, f, ok)
		}
	}
	select {
	case <-room:
	default:
		t.Fatal("a pop under the soft bound did not signal room")
	}
	if _, ok := q.pop(3, 100); ok || q.frames != nil || q.bytes != 0 {
		t.Fatal("empty queue must release its storage")
	}
	if !q.push(make([]byte, 500), 3, 100) {
		t.Fatal("a frame larger than the byte bound must go into an empty queue")
	}
	if q.push([]byte{1}, 3, 100) {
		t.Fatal("push over the byte bound accepted")
	}
}

func TestCheckDropsStuckWrite(t *testing.T) {
	h := newPumpHarness(t, testPumpConfig())
	ws, c := h.dial(t, nil)
	c.writing.Store(time.Now().Add(-time.Minute).UnixNano()) // as if a write hung for a minute
	c.check(time.Now().UnixNano())
	_, _, err := ws.Read(deadline(t))
	if err == nil || websocket.CloseStatus(err) != -1 {
		t.Fatalf("read after a stuck write: %v, want the socket dropped without a close frame", err)
	}
}

func TestCheckPokesQuietConnection(t *testing.T) {
	cfg := testPumpConfig()
	c := newWSConn(&cfg)
	c.check(time.Now().UnixNano())
	if c.tickDue.Load() {
		t.Fatal("a connection just heard from was poked")
	}
	c.check(time.Now().Add(cfg.pingInterval).UnixNano())
	if !c.tickDue.Load() || len(c.wake) != 1 {
		t.Fatal("a connection quiet for a ping interval was not poked")
	}
}

// panicSession panics on the first frame, as a session bug would.
type panicSession struct{ closed atomic.Int32 }

func (p *panicSession) Receive([]byte) { panic("session bug") }
func (p *panicSession) Closed()        { p.closed.Add(1) }

func TestPanickingSessionClosesOnlyItsConnection(t *testing.T) {
	m, err := newConnMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	cfg := testPumpConfig()
	cfg.metrics = m
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: m, pump: &cfg, cfg: withDefaults(config.Config{}),
		conns: make(map[*wsConn]struct{}), perIP: make(map[string]int), stopTicker: make(chan struct{})}
	defer close(s.stopTicker)
	sess := &panicSession{}
	conns := make(chan *wsConn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := s.admit("ip")
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.ws = ws
		conns <- c
		s.runConn(c, sess, "pk", r.RemoteAddr, "ip")
	}))
	defer srv.Close()
	ctx := deadline(t)
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if code := readClose(ctx, ws); code != websocket.StatusInternalError {
		t.Fatalf("close status %d, want 1011", code)
	}
	select {
	case <-(<-conns).ended:
	case <-ctx.Done():
		t.Fatal("connection not finished after the panic")
	}
	if sess.closed.Load() == 0 {
		t.Error("session not told the connection ended")
	}
	s.mu.Lock()
	left := len(s.conns)
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("%d connections still registered", left)
	}
}
