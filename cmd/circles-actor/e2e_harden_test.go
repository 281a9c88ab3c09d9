package main

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hardScripts are plays whose every operation is big (issue 15): with the
// operation limit and the memory budget out of the way, only the script
// timeout stops them.
var hardScripts = []struct{ name, src string }{
	{"array clone loop", `let a = []; a.pad(1000000, 0); loop { let b = a; b[0] = 1; }`},
	{"map clone loop", `let m = #{}; for i in 0..1000000 { m["k" + i] = i; } loop { let b = m; b.x = 1; }`},
	{"sort loop", `let a = []; for i in 0..1000000 { a.push((i * 7919) % 1000003); } loop { let b = a; b.sort(); }`},
	{"pad loop", `loop { let s = ""; s.pad(4194304, "x"); }`},
}

// unlimitedSandbox lifts every limit but the wall clock.
var unlimitedSandbox = []string{"--max-operations", "4000000000000", "--max-run-bytes", "1099511627776"}

// TestHardScriptsFreeTheirWorker: each expensive play is answered with a
// script timeout, and the circle's one worker takes the next play right
// after: the time from the deadline to the next answer is logged (the
// figure the issue asks for) and must stay small.
func TestHardScriptsFreeTheirWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	timeout := 2 * time.Second
	slack := 300 * time.Millisecond // process, socket and a busy machine on top of the interpreter's 100 ms
	if raceBuild {
		timeout, slack = 8*time.Second, 2*time.Second
	}
	bin := buildBinary(t, t.TempDir())
	s := startServe(t, bin, append([]string{"-k", e2eCircle, "--script-timeout", timeout.String()}, unlimitedSandbox...)...)
	c := dial(t, s, e2eCircle, nil)
	for _, tt := range hardScripts {
		t.Run(tt.name, func(t *testing.T) {
			sent := time.Now()
			_, err := c.Play(e2eCtx(t), tt.src)
			answered := time.Since(sent)
			wantCode(t, err, -32005)
			if _, err := c.Play(e2eCtx(t), "1 + 1"); err != nil {
				t.Fatalf("next play: %v", err)
			}
			free := time.Since(sent) - timeout
			t.Logf("%s: timeout answered %v after the deadline, worker free %v after it", tt.name, (answered - timeout).Round(time.Millisecond), free.Round(time.Millisecond))
			if free > slack {
				t.Errorf("worker free %v after the deadline, want under %v", free, slack)
			}
		})
	}
}

// TestShutdownBoundedWhenScriptsRun: SIGTERM while a play is deep in an
// expensive loop (with a script timeout far away) stops the process within
// --shutdown-timeout plus a second, with a non-zero status: the play was
// abandoned.
func TestShutdownBoundedWhenScriptsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, t.TempDir())
	const shutdown = time.Second
	s := startServe(t, bin, append([]string{"-k", e2eCircle, "--script-timeout", "60s", "--shutdown-timeout", shutdown.String()}, unlimitedSandbox...)...)
	busy := dialRaw(t, s, e2eCircle)
	busy.send(`{"jsonrpc":"2.0","id":"long","method":"play","params":{"script":"` + strings.ReplaceAll(hardScripts[1].src, `"`, `\"`) + `"}}`)
	if m := busy.call(`{"jsonrpc":"2.0","id":"w","method":"whoami"}`); m["id"] != "w" {
		t.Fatalf("whoami while playing: %v", m)
	}
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	bound := shutdown + shutdownGrace + 500*time.Millisecond
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
	took := time.Since(start)
	t.Logf("exited %v after SIGTERM with %v", took.Round(time.Millisecond), s.err)
	if took > bound && !raceBuild {
		t.Errorf("exited %v after SIGTERM, want within %v:\n%s", took, bound, s.output())
	}
	var ee *exec.ExitError
	if !errors.As(s.err, &ee) || ee.ExitCode() == 0 {
		t.Errorf("exit %v, want a non-zero status after abandoning a play:\n%s", s.err, s.output())
	}
}
