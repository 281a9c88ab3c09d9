package testredis

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of private redis-server nodes, all masters
// without replicas, stopped at cleanup.
type Cluster struct {
	Nodes []*Server
	// URL names the first node only (a seed: clients find the others).
	URL string
	// MultiURL names every node, in rueidis's redis://a?addr=b&addr=c form.
	MultiURL string
}

// StartCluster starts n cluster-enabled nodes and joins them into one
// Cluster that serves every hash slot, or skips the test when redis-server
// (or, for n > 1, redis-cli) is not installed. Three or more nodes are
// joined by `redis-cli --cluster create`; one node takes all the slots
// itself (CLUSTER ADDSLOTSRANGE), which redis-cli refuses to do.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if n != 1 && n < 3 {
		t.Fatalf("StartCluster(%d): a Cluster has 1 or at least 3 masters here", n)
	}
	if _, err := exec.LookPath("redis-cli"); err != nil && n > 1 {
		t.Skip("redis-cli not installed (apt-get install redis-tools); skipping the Redis Cluster test")
	}
	c := &Cluster{}
	var addrs []string
	for range n {
		s := StartWith(t, Options{Args: []string{"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(t.TempDir(), "nodes.conf")}})
		c.Nodes = append(c.Nodes, s)
		addrs = append(addrs, s.Addr)
	}
	c.URL = "redis://" + addrs[0]
	c.MultiURL = c.URL
	for i, a := range addrs[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		c.MultiURL += sep + "addr=" + a
	}
	if n == 1 {
		if out, err := command(addrs[0], "CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil || out != "+OK" {
			t.Fatalf("CLUSTER ADDSLOTSRANGE: %q, %v", out, err)
		}
	} else {
		args := append([]string{"--cluster", "create"}, addrs...)
		args = append(args, "--cluster-replicas", "0", "--cluster-yes")
		if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
			t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range addrs {
		for !c.ok(a) {
			if time.Now().After(deadline) {
				t.Fatalf("Redis Cluster node %s did not reach cluster_state:ok within 30s", a)
			}
			time.Sleep(50 * time.Millisecond) // polling CLUSTER INFO, bounded by deadline
		}
	}
	return c
}

// ok reports whether the node at addr says cluster_state:ok.
func (c *Cluster) ok(addr string) bool {
	out, err := command(addr, "CLUSTER", "INFO")
	return err == nil && strings.Contains(out, "cluster_state:ok")
}

// command sends one command to addr and returns its reply: a status line,
// or the body of a bulk string.
func command(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "$") {
		return line, nil
	}
	var n int
	if _, err := fmt.Sscanf(line, "$%d", &n); err != nil || n < 0 {
		return "", fmt.Errorf("bad reply %q", line)
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", err
	}
	return string(body[:n]), nil
}
