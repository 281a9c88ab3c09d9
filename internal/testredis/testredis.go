// Package testredis runs a private redis-server on a free loopback port for
// integration tests: no persistence, its own directory, stopped at cleanup.
// Tests that need Redis skip with a clear message when the binary is absent
// (.ci/run installs it, so CI never skips).
package testredis

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Server is one redis-server process. Start and Stop may be called again to
// restart it on the same port (fault tests take Redis away under load).
type Server struct {
	Addr string // 127.0.0.1:port
	URL  string // redis://127.0.0.1:port

	t    testing.TB
	bin  string
	port int
	dir  string
	opts Options
	cmd  *exec.Cmd
}

// Options change how the server runs.
type Options struct {
	// Password is required of clients (--requirepass); URL carries it.
	Password string
	// Args are more redis-server arguments, e.g. "--cluster-enabled", "yes".
	Args []string
}

// Start starts a server, or skips the test when redis-server is not installed.
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith is Start with options.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install redis-server); skipping Redis integration test")
	}
	s := &Server{t: t, bin: bin, port: freePort(t), dir: t.TempDir(), opts: o}
	s.Addr = fmt.Sprintf("127.0.0.1:%d", s.port)
	s.URL = "redis://" + s.Addr
	if o.Password != "" {
		s.URL = "redis://:" + url.QueryEscape(o.Password) + "@" + s.Addr
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its port and waits until it answers PING.
func (s *Server) Start() {
	s.t.Helper()
	args := []string{"--port", fmt.Sprint(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", filepath.Join(s.dir, "redis.log")}
	if s.opts.Password != "" {
		args = append(args, "--requirepass", s.opts.Password)
	}
	s.cmd = exec.Command(s.bin, append(args, s.opts.Args...)...)
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("failed to start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !s.answers() {
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server did not come up on %s", s.Addr)
		}
		time.Sleep(20 * time.Millisecond) // polling the server's readiness, bounded by deadline
	}
}

// answers reports whether the server replies +PONG to an inline PING.
func (s *Server) answers() bool {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(c)
	if s.opts.Password != "" {
		_, _ = fmt.Fprintf(c, "*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n", len(s.opts.Password), s.opts.Password)
		if line, _ := r.ReadString('\n'); line != "+OK\r\n" {
			return false
		}
	}
	_, _ = c.Write([]byte("PING\r\n"))
	line, _ := r.ReadString('\n')
	return line == "+PONG\r\n"
}

// Pause stops the server without closing its connections (SIGSTOP): a
// hung Redis, whose clients see timeouts rather than refused connections.
func (s *Server) Pause() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// Stop kills the server (SIGKILL: the abrupt loss fault tests want) and
// waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// PID is the process id of the running server (0 when stopped), for CPU
// accounting in benchmarks.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
