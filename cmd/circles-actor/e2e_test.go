package main

// End-to-end tests of the real binary: build it, start `serve` on port 0,
// read the address from its log, and drive it over real WebSockets with the
// Go client and with raw frames. They cover the contract DESIGN.md §4 fixes
// (the behaviours an independent client checks). testing.Short skips them.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"github.com/circles-actor/circles-actor/internal/testcert"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/circles-actor/circles-actor/transport/client"
)

const (
	// e2eCircle is G (private key 1), e2eCircle2 is 2G: valid keys whose
	// private halves nobody needs.
	e2eCircle  = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	e2eCircle2 = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	// e2eUnhosted is 3G, a valid key no test server hosts.
	e2eUnhosted = "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
)

// server is one running `circles-actor serve`.
type server struct {
	cmd  *exec.Cmd
	addr string // 127.0.0.1:port
	mu   sync.Mutex
	log  bytes.Buffer  // everything it wrote, for failure messages
	done chan struct{} // closed once the process has exited
	err  error         // cmd.Wait's result, set before done closes
}

// addrRE finds the address in serve's "listening" line, text or JSON logs.
var addrRE = regexp.MustCompile(`listening.*"?addr"?[=:]"?([0-9.:\[\]]+)`)

// buildBinary builds circles-actor into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "circles-actor")
	goBuild(t, bin)
	return bin
}

// goBuild builds circles-actor as bin, with the race detector when the
// tests run with it, so that the real binary's runs are checked for races
// too (checkRaces reads the reports).
func goBuild(t testing.TB, bin string) {
	t.Helper()
	args := []string{"build"}
	if raceBuild {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, "-o", bin, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

// checkRaces fails the test when a child process's output holds a race
// detector report.
func checkRaces(t testing.TB, name, output string) {
	t.Helper()
	if strings.Contains(output, "WARNING: DATA RACE") {
		t.Errorf("%s reported a data race:\n%s", name, output)
	}
}

// startServe runs `bin serve --host 127.0.0.1 -p 0 args...` and waits for
// its "listening addr=" line. The process is stopped at cleanup.
func startServe(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	s := &server{done: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve", "--host", "127.0.0.1", "-p", "0"}, args...)...)
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); pw.Close(); close(s.done) }()
	addr := make(chan string, 1)
	go s.scan(pr, addr)
	select {
	case s.addr = <-addr:
	case <-s.done:
		t.Fatalf("serve exited before listening (%v):\n%s", s.err, s.output())
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("serve did not log its address:\n%s", s.output())
	}
	t.Cleanup(func() {
		s.stop(t)
		checkRaces(t, "serve", s.output())
	})
	return s
}

func (s *server) scan(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	found := false
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.log.WriteString(line + "\n")
		s.mu.Unlock()
		if m := addrRE.FindStringSubmatch(line); m != nil && !found {
			found = true
			addr <- m[1]
		}
	}
	io.Copy(io.Discard, r)
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// stop sends SIGTERM and waits (bounded) for the process; it kills it if it
// hangs.
func (s *server) stop(t *testing.T) {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		t.Errorf("serve ignored SIGTERM:\n%s", s.output())
	}
}

func (s *server) url(pk string) string    { return "ws://" + s.addr + "/" + pk }
func (s *server) http(path string) string { return "http://" + s.addr + path }

func e2eCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, s *server, pk string, opts *client.Options) *client.Client {
	t.Helper()
	c, err := client.Dial(e2eCtx(t), s.url(pk), opts)
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, s.output())
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// raw is a bare WebSocket for frame-level checks.
type raw struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialRaw(t *testing.T, s *server, pk string) *raw {
	t.Helper()
	ws, _, err := websocket.Dial(e2eCtx(t), s.url(pk), nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &raw{t: t, ws: ws}
}

func (r *raw) send(frame string) {
	r.t.Helper()
	if err := r.ws.Write(e2eCtx(r.t), websocket.MessageText, []byte(frame)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) read() string {
	r.t.Helper()
	_, b, err := r.ws.Read(e2eCtx(r.t))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// call sends frame and decodes the one reply frame.
func (r *raw) call(frame string) map[string]any {
	r.t.Helper()
	r.send(frame)
	var m map[string]any
	reply := r.read()
	if err := json.Unmarshal([]byte(reply), &m); err != nil {
		r.t.Fatalf("reply %q: %v", reply, err)
	}
	return m
}

func errCode(m map[string]any) int {
	e, _ := m["error"].(map[string]any)
	f, _ := e["code"].(float64)
	return int(f)
}

func newKey(t *testing.T) (*secp256k1.PrivateKey, string, string) {
	t.Helper()
	k, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k, hex.EncodeToString(k.Serialize()), client.PublicKeyHex(k)
}

func wantCode(t *testing.T, err error, codes ...int) {
	t.Helper()
	got := client.ErrorCode(err)
	for _, c := range codes {
		if got == c {
			return
		}
	}
	t.Fatalf("error %v: code %d, want one of %v", err, got, codes)
}

func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t, t.TempDir())
	t.Run("open", func(t *testing.T) {
		s := startServe(t, bin, "-k", e2eCircle, "-k", e2eCircle2, "--script-timeout", "2s",
			"--webhook-scripts", webhookScripts(t), "--stripe-webhook-secret", e2eStripeSecret)
		testOpenServer(t, s)
	})
	t.Run("auth", func(t *testing.T) {
		s := startServe(t, bin, "-k", e2eCircle, "--enable-auth")
		testAuthServer(t, s, bin)
	})
	t.Run("limits", func(t *testing.T) {
		s := startServe(t, bin, "-k", e2eCircle, "--log-format", "json", "--nonce-ttl", "1s", "--max-in-flight", "1",
			"--script-timeout", "1s", "--ping-interval", "200ms", "--idle-timeout", "2s")
		testLimits(t, s)
	})
	t.Run("conncap", func(t *testing.T) {
		s := startServe(t, bin, "-k", e2eCircle, "--max-conns-per-ip", "3")
		e2eConnCap(t, s)
	})
	t.Run("tls", func(t *testing.T) {
		cert, key, pool := testcert.SelfSigned(t)
		s := startServe(t, bin, "-k", e2eCircle, "--tls", "--cert", cert, "--key", key)
		e2eTLS(t, s, bin, pool)
	})
	t.Run("sigterm", func(t *testing.T) {
		s := startServe(t, bin, "-k", e2eCircle, "--max-operations", "1000000000")
		testSIGTERM(t, s)
	})
}
