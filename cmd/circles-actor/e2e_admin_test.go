package main

// End-to-end tests of the admin API and dynamic circles with the real
// binary (issue 13, "What it must show"). testing.Short skips them.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/transport/admin"
)

const e2eToken = "e2e-admin-token-0123456789"

// adminDo sends one admin request and returns its status and JSON body.
func adminDo(t *testing.T, base, method, path, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(e2eCtx(t), method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body %q is not JSON", method, path, b)
	}
	return resp.StatusCode, m
}

// runCLI runs the binary with args and returns its stdout.
func runCLI(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(e2eCtx(t), bin, args...)
	cmd.Env = append(cmd.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%v: %s", err, stderr.String())
	}
	return string(out), nil
}

func playOK(t *testing.T, s *server, pk, script, want string) {
	t.Helper()
	c := dial(t, s, pk, nil)
	res, err := c.Play(e2eCtx(t), script)
	if err != nil || res.Output != want {
		t.Fatalf("play on %.8s: %+v, %v; want %q\n%s", pk, res, err, want, s.output())
	}
	c.Close()
}

func TestE2EAdmin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t, t.TempDir())
	t.Run("off without tokens", func(t *testing.T) {
		s := startServe(t, bin, "-k", e2eCircle)
		for _, m := range []string{"GET", "PUT", "DELETE", "POST"} {
			for _, p := range []string{"/v1/circles", "/v1/circles/" + e2eCircle2, "/v1/other"} {
				if status, body := adminDo(t, "http://"+s.addr, m, p, e2eToken); status != 404 || body["error"] == nil {
					t.Errorf("%s %s without tokens: %d %v, want 404", m, p, status, body)
				}
			}
		}
	})
	t.Run("cli hints", func(t *testing.T) {
		s := startServe(t, bin, "-k", e2eCircle)
		_, err := runCLI(t, bin, nil, "circles", "list", "--server", "http://"+s.addr, "--admin-token", e2eToken)
		if err == nil || !strings.Contains(err.Error(), "is the admin API on?") {
			t.Fatalf("circles list against a server without tokens: %v", err)
		}
		if _, err := runCLI(t, bin, nil, "circles", "list", "--server", "http://"+s.addr); err == nil || !strings.Contains(err.Error(), "--admin-token") {
			t.Fatalf("circles list without a token: %v", err)
		}
	})
	t.Run("no -k needs a token", func(t *testing.T) {
		out, err := exec.Command(bin, "serve", "-p", "0").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--admin-token") {
			t.Fatalf("serve without -k or tokens: %v\n%s", err, out)
		}
	})
	t.Run("lifecycle", func(t *testing.T) { testAdminLifecycle(t, bin) })
	t.Run("throttle", func(t *testing.T) {
		s := startServe(t, bin, "-k", e2eCircle, "--admin-token", e2eToken, "--auth-failures-per-minute", "2")
		base := "http://" + s.addr
		for i, tok := range []string{"", "wrong-token-0123456789"} {
			if status, body := adminDo(t, base, "GET", "/v1/circles", tok); status != 401 || body["error"] != "Unauthorized" {
				t.Fatalf("failure %d: %d %v, want 401", i, status, body)
			}
		}
		if status, _ := adminDo(t, base, "GET", "/v1/circles", e2eToken); status != 429 {
			t.Fatalf("right token after the budget of failures: %d, want 429", status)
		}
		if !strings.Contains(s.output(), "admin authentication failed") {
			t.Fatalf("no log line for failed admin authentication:\n%s", s.output())
		}
	})
}

func testAdminLifecycle(t *testing.T, bin string) {
	dir := t.TempDir()
	tokFile := dir + "/tokens"
	if err := writeFile(tokFile, "# rotated\nold-token-0123456789abcdef\n\n"); err != nil {
		t.Fatal(err)
	}
	args := []string{"-k", e2eCircle, "--data-dir", dir + "/data", "--admin-token-file", tokFile}
	s := startServeEnv(t, bin, []string{"CIRCLES_ADMIN_TOKENS=" + e2eToken + ",second-token-0123456789"}, args...)
	base := "http://" + s.addr
	env := []string{"CIRCLES_ADMIN_TOKEN=" + e2eToken}

	// 401 for a missing and a wrong token, with the same body.
	s1, b1 := adminDo(t, base, "GET", "/v1/circles", "")
	s2, b2 := adminDo(t, base, "GET", "/v1/circles", "not-the-token-0123456789")
	if s1 != 401 || s2 != 401 || b1["message"] != b2["message"] {
		t.Fatalf("missing/wrong token: %d %v / %d %v", s1, b1, s2, b2)
	}
	// Every configured token works: the env's, and the file's.
	for _, tok := range []string{e2eToken, "second-token-0123456789", "old-token-0123456789abcdef"} {
		if status, _ := adminDo(t, base, "GET", "/v1/circles", tok); status != 200 {
			t.Fatalf("token %s: %d", admin.Fingerprint(tok), status)
		}
	}

	// Added at runtime through the CLI: connect and play at once.
	out, err := runCLI(t, bin, env, "circles", "add", strings.ToUpper(e2eCircle2), "--server", base)
	if err != nil || !strings.Contains(out, "added "+e2eCircle2) {
		t.Fatalf("circles add: %q %v", out, err)
	}
	out, err = runCLI(t, bin, env, "circles", "add", e2eCircle2, "--server", base)
	if err != nil || !strings.Contains(out, "already served") {
		t.Fatalf("circles add again: %q %v", out, err)
	}
	playOK(t, s, e2eCircle2, "CONTEXT_ID", e2eCircle2)
	out, err = runCLI(t, bin, env, "circles", "list", "--server", base)
	if err != nil || !strings.Contains(out, "PUBLIC KEY") || !strings.Contains(out, e2eCircle2+"  api") || !strings.Contains(out, e2eCircle+"  flag") {
		t.Fatalf("circles list: %v\n%s", err, out)
	}

	// 409 for the -k circle, from the API and the CLI.
	if status, body := adminDo(t, base, "DELETE", "/v1/circles/"+e2eCircle, e2eToken); status != 409 {
		t.Fatalf("DELETE -k circle: %d %v", status, body)
	}
	if _, err := runCLI(t, bin, env, "circles", "remove", e2eCircle, "--server", base); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("circles remove of a -k circle: %v", err)
	}

	// Removed: the open session is closed with 4004, the circle is 404.
	ws, _, err := websocket.Dial(e2eCtx(t), s.url(e2eCircle2), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(e2eCtx(t), websocket.MessageText, []byte(`{"jsonrpc":"2.0","id":1,"method":"whoami"}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.Read(e2eCtx(t)); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, bin, env, "circles", "remove", e2eCircle2, "--server", base); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("circles remove: %q %v", out, err)
	}
	_, _, err = ws.Read(e2eCtx(t))
	var ce websocket.CloseError
	if !errors.As(err, &ce) || int(ce.Code) != actors.CloseCircleRemoved || ce.Reason != "circle removed" {
		t.Fatalf("open session after removal: %v, want close 4004 \"circle removed\"", err)
	}
	if status, _ := adminDo(t, base, "GET", "/v1/circles/"+e2eCircle2, e2eToken); status != 404 {
		t.Fatalf("GET removed circle: %d", status)
	}
	resp, err := http.Get(s.http("/" + e2eCircle2))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("upgrade path of a removed circle: %d", resp.StatusCode)
	}
	if !strings.Contains(s.output(), "action=circle.remove") || !strings.Contains(s.output(), "token="+admin.Fingerprint(e2eToken)) {
		t.Fatalf("no audit line:\n%s", s.output())
	}

	// Restart on the same --data-dir: added circles come back.
	if status, _ := adminDo(t, base, "PUT", "/v1/circles/"+e2eUnhosted, e2eToken); status != 201 {
		t.Fatalf("PUT: %d", status)
	}
	s.stop(t)
	s = startServeEnv(t, bin, []string{"CIRCLES_ADMIN_TOKENS=" + e2eToken}, "-k", e2eCircle, "--data-dir", dir+"/data")
	base = "http://" + s.addr
	status, body := adminDo(t, base, "GET", "/v1/circles/"+e2eUnhosted, e2eToken)
	if status != 200 || body["source"] != "api" {
		t.Fatalf("after restart: %d %v", status, body)
	}
	if status, _ := adminDo(t, base, "GET", "/v1/circles/"+e2eCircle2, e2eToken); status != 404 {
		t.Fatalf("removed circle came back after restart: %d", status)
	}
	playOK(t, s, e2eUnhosted, "40 + 2", "42")
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

// startServeEnv is startServe with extra environment variables.
func startServeEnv(t *testing.T, bin string, env []string, args ...string) *server {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return startServe(t, bin, args...)
}

// TestE2EAdminUnderLoad: 64 clients play on circle A while circle B is
// added and removed a hundred times; no play on A fails.
func TestE2EAdminUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t, t.TempDir())
	s := startServe(t, bin, "-k", e2eCircle, "--admin-token", e2eToken)
	base := "http://" + s.addr
	const clients = 64
	var (
		wg       sync.WaitGroup
		stop     atomic.Bool
		plays    atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
	)
	for i := range clients {
		c := dial(t, s, e2eCircle, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				res, err := c.Play(ctx, fmt.Sprintf("%d + %d", i, n))
				cancel()
				plays.Add(1)
				if want := fmt.Sprint(i + n); err != nil || res.Output != want {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("client %d play %d: %+v %v", i, n, res, err))
				}
			}
		}()
	}
	for range 100 {
		if status, body := adminDo(t, base, "PUT", "/v1/circles/"+e2eCircle2, e2eToken); status != 201 {
			t.Fatalf("PUT: %d %v", status, body)
		}
		if status, body := adminDo(t, base, "DELETE", "/v1/circles/"+e2eCircle2, e2eToken); status != 200 {
			t.Fatalf("DELETE: %d %v", status, body)
		}
	}
	stop.Store(true)
	wg.Wait()
	if f := failures.Load(); f > 0 {
		t.Fatalf("%d of %d plays on circle A failed; first: %v", f, plays.Load(), firstErr.Load())
	}
	t.Logf("%d plays on circle A, none failed, while B was added and removed 100 times", plays.Load())
}
