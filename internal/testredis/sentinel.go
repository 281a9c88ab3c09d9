package testredis

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// StartSentinel runs `redis-server sentinel.conf --sentinel` watching the
// master at masterAddr as name (quorum 1, down after 1 s, failover timeout
// 5 s, so that a test's failover takes seconds) and returns its address.
// It is stopped at cleanup; the test skips when redis-server is absent.
func StartSentinel(t testing.TB, masterAddr, name string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install redis-server); skipping Redis integration test")
	}
	port := freePort(t)
	host, mport, _ := strings.Cut(masterAddr, ":")
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %[1]d\nbind 127.0.0.1\ndir %[2]s\nlogfile %[3]s\n"+
		"sentinel monitor %[4]s %[5]s %[6]s 1\nsentinel down-after-milliseconds %[4]s 1000\n"+
		"sentinel failover-timeout %[4]s 5000\nsentinel parallel-syncs %[4]s 1\n",
		port, dir, filepath.Join(dir, "sentinel.log"), name, host, mport)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf, "--sentinel")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("failed to start redis sentinel: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis sentinel did not come up on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a port that is not up yet
	}
}
