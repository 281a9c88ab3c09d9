package main

// Authentication gating (--enable-auth), the play command, and SIGTERM.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/coder/websocket"

	"github.com/circles-actor/circles-actor/transport/client"
)

func testAuthServer(t *testing.T, s *server, bin string) {
	c := dial(t, s, e2eCircle, nil)
	_, err := c.Play(e2eCtx(t), "1")
	wantCode(t, err, -32001)
	_, priv, pub := newKey(t)
	if _, err := c.Authenticate(e2eCtx(t), priv); err != nil {
		t.Fatal(err)
	}
	res, err := c.Play(e2eCtx(t), "CALLER_PUBLIC_KEY")
	if err != nil || res.Output != pub {
		t.Fatalf("authenticated play = %+v, %v; want %s", res, err, pub)
	}
	t.Run("PlayCommand", func(t *testing.T) { e2ePlayCommand(t, s, bin, priv, pub) })
}

// e2ePlayCommand runs `circles-actor play` against an --enable-auth server.
func e2ePlayCommand(t *testing.T, s *server, bin, priv, pub string) {
	run := func(stdin string, args ...string) (string, string, int) {
		cmd := exec.Command(bin, append([]string{"play", "--url", s.url(e2eCircle)}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	if out, errs, code := run("", "--key", priv, "-e", "40 + 2"); code != 0 || out != "42\n" {
		t.Errorf("play -e: %q %q exit %d", out, errs, code)
	}
	if out, errs, code := run("", "--key", priv, "-e", `print("hello"); print("world"); 7`); code != 0 || out != "hello\nworld\n7\n" {
		t.Errorf("play with print lines: %q %q exit %d", out, errs, code)
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte(priv+"\n"), 0o600)
	if out, errs, code := run("CALLER_PUBLIC_KEY", "--key-file", keyFile, "--compact", "-"); code != 0 || out != pub+"\n" {
		t.Errorf("play - with key file: %q %q exit %d", out, errs, code)
	}
	script := filepath.Join(t.TempDir(), "s.rhai")
	os.WriteFile(script, []byte("let x = 10;\nx * 2"), 0o600)
	if out, errs, code := run("", "--key", priv, script); code != 0 || out != "20\n" {
		t.Errorf("play FILE: %q %q exit %d", out, errs, code)
	}
	if out, errs, code := run("", "--key", priv, "-e", "throw \"boom\""); code != 1 || out != "" || !strings.Contains(errs, "boom") {
		t.Errorf("play script error: %q %q exit %d", out, errs, code)
	}
	if _, errs, code := run("", "-e", "1"); code != 1 || !strings.Contains(errs, "-32001") {
		t.Errorf("play without key on an auth server: %q exit %d", errs, code)
	}
}

// drainScript runs long enough (about half a second here; it needs the
// raised --max-operations) to still be in flight when SIGTERM arrives.
const drainScript = `let s = 0; for i in 0..20000000 { s += i; } s`

func testSIGTERM(t *testing.T, s *server) {
	clients := []*client.Client{dial(t, s, e2eCircle, nil), dial(t, s, e2eCircle, nil)}
	if _, err := clients[0].Play(e2eCtx(t), "1"); err != nil {
		t.Fatal(err)
	}
	// A play in flight: the whoami answer proves the session took the play
	// frame (frames are handled in order; plays run asynchronously).
	busy := dialRaw(t, s, e2eCircle)
	busy.send(`{"jsonrpc":"2.0","id":"long","method":"play","params":{"script":"` + drainScript + `"}}`)
	if m := busy.call(`{"jsonrpc":"2.0","id":"w","method":"whoami"}`); m["id"] != "w" {
		t.Fatalf("whoami while playing: %v", m)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if m := busy.decode(busy.read()); m["id"] != "long" || m["result"] == nil {
		t.Errorf("in-flight play during drain answered %v, want its result", m)
	}
	if _, _, err := busy.ws.Read(e2eCtx(t)); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("busy socket closed with %v, want 1001", err)
	}
	for i, c := range clients {
		select {
		case <-c.Done():
		case <-e2eCtx(t).Done():
			t.Fatalf("client %d still open after SIGTERM", i)
		}
		if code := websocket.CloseStatus(c.Err()); code != websocket.StatusGoingAway {
			t.Errorf("client %d closed with %d (%v), want 1001", i, code, c.Err())
		}
	}
	select {
	case <-s.done:
		if s.err != nil {
			t.Errorf("serve exited with %v, want status 0:\n%s", s.err, s.output())
		}
	case <-e2eCtx(t).Done():
		t.Fatal("serve did not exit after SIGTERM")
	}
}
