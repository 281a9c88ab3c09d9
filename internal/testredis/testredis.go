// Package testredis runs a private redis-server on a free loopback port for
// integration tests: no persistence, its own directory, stopped at cleanup.
// Tests that need Redis skip with a clear message when the binary is absent
// (.ci/run installs it, so CI never skips).
package testredis

import (
	"fmt"
	"net"
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
	args []string // extra redis-server arguments (StartWith)
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

// Start starts a server, or skips the test when redis-server is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t)
}

// StartWith is Start with extra redis-server arguments, e.g.
// "--requirepass", "pw" (the server then answers PING with NOAUTH, which
// counts as up).
func StartWith(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install redis-server); skipping Redis integration test")
	}
	s := &Server{t: t, bin: bin, args: args, port: freePort(t), dir: t.TempDir()}
	s.Addr = fmt.Sprintf("127.0.0.1:%d", s.port)
	s.URL = "redis://" + s.Addr
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its port and waits until it answers PING.
func (s *Server) Start() {
	s.t.Helper()
	args := append([]string{"--port", fmt.Sprint(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", filepath.Join(s.dir, "redis.log")}, s.args...)
	s.cmd = exec.Command(s.bin, args...)
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
	_, _ = c.Write([]byte("PING\r\n"))
	buf := make([]byte, 7)
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	n, _ := c.Read(buf)
	return string(buf[:n]) == "+PONG\r\n" || string(buf[:n]) == "-NOAUTH"
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
