package main

// Per-circle state through the real binary: the crash test (SIGKILL under
// read-modify-write load, restart on the same data dir), init scripts,
// Stripe webhooks that record into state, the data dir's lock, and
// export/import.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestE2EState(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t, t.TempDir())
	t.Run("crash", func(t *testing.T) { e2eStateCrash(t, bin) })
	t.Run("webhook_init_export", func(t *testing.T) { e2eStateWebhookInitExport(t, bin) })
	t.Run("init_fails", func(t *testing.T) { e2eStateInitFails(t, bin) })
}

// runBin runs bin with args to completion (bounded) and returns its output
// and exit code.
func runBin(t *testing.T, bin string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	checkRaces(t, args[0], errb.String())
	return out.String(), errb.String(), code
}

// rmwPlay is the crash test's play of client c, sequence number seq.
func rmwPlay(c, seq int) string {
	return fmt.Sprintf(`let n = (state.get("n") ?? 0) + 1; state.set("n", n); state.set("c%d:%d", n); n`, c, seq)
}

// e2eStateCrash: 16 clients run read-modify-write plays against serve
// --data-dir; the server is SIGKILLed mid-load and restarted on the same
// dir. Every answered play's writes must be there, no run half applied,
// and the counter's values exactly 1..n.
func e2eStateCrash(t *testing.T, bin string) {
	dir := t.TempDir()
	s := startServe(t, bin, "-k", e2eCircle, "--data-dir", dir, "--workers-per-circle", "4")
	const clients = 16
	const killAfter = 1000 // answered plays before the kill
	type answer struct {
		key string
		n   int64
	}
	var (
		mu       sync.Mutex
		answered []answer
		count    atomic.Int64
		killed   = make(chan struct{})
		enough   = make(chan struct{}) // killAfter plays answered
		wg       sync.WaitGroup
	)
	for c := range clients {
		cl := dial(t, s, e2eCircle, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; ; seq++ {
				select {
				case <-killed:
					return
				default:
				}
				res, err := cl.Play(e2eCtx(t), rmwPlay(c, seq))
				if err != nil {
					return // the server died under it: the outcome is unknown
				}
				n, perr := strconv.ParseInt(res.Output, 10, 64)
				if perr != nil || res.Type != "i64" {
					t.Errorf("play answered %+v", res)
					return
				}
				mu.Lock()
				answered = append(answered, answer{fmt.Sprintf("c%d:%d", c, seq), n})
				mu.Unlock()
				if count.Add(1) == killAfter {
					close(enough)
				}
			}
		}()
	}
	// Kill once enough plays have been answered, while the clients go on.
	select {
	case <-enough:
	case <-time.After(120 * time.Second):
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
	close(killed)
	wg.Wait()
	if count.Load() < killAfter {
		t.Fatalf("only %d plays answered before the deadline:\n%s", count.Load(), s.output())
	}

	// Restart on the same dir: the state is there and the circle works on.
	s2 := startServe(t, bin, "-k", e2eCircle, "--data-dir", dir)
	cl := dial(t, s2, e2eCircle, nil)
	res, err := cl.Play(e2eCtx(t), `state.get("n")`)
	if err != nil {
		t.Fatal(err)
	}
	final, _ := strconv.ParseInt(res.Output, 10, 64)
	s2.stop(t)

	// Check everything from an export.
	out, errs, code := runBin(t, bin, "", "state", "export", "-k", e2eCircle, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	values := map[string]int64{}
	var counters []int64
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l struct {
			Key   string `json:"key"`
			Value int64  `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		values[l.Key] = l.Value
		if l.Key != "n" {
			counters = append(counters, l.Value)
		}
	}
	if values["n"] != final || final < killAfter {
		t.Fatalf("n = %d in the export, %d from a play, %d answered", values["n"], final, count.Load())
	}
	for _, a := range answered {
		if v, ok := values[a.key]; !ok || v != a.n {
			t.Errorf("answered play %s = %d is lost after the crash (found %d, %v)", a.key, a.n, v, ok)
		}
	}
	slices.Sort(counters)
	if int64(len(counters)) != final {
		t.Fatalf("%d counter keys for n = %d: a run was half applied", len(counters), final)
	}
	for i, v := range counters {
		if v != int64(i+1) {
			t.Fatalf("counter values are not exactly 1..%d: position %d holds %d", final, i, v)
		}
	}
	t.Logf("%d plays answered before SIGKILL, n = %d after restart", len(answered), final)
}

// e2eStateWebhookInitExport: an init script seeds state, a Stripe handler
// records a payment, a play reads both back; a second server on the same
// dir is refused at once; export, import into a fresh dir and export again
// give the same lines.
func e2eStateWebhookInitExport(t *testing.T, bin string) {
	dir := t.TempDir()
	scripts := t.TempDir()
	// The README's worked example.
	handler := `let p = EVENT.data.object;
state.set("payment:" + p.id, #{ amount: p.amount, currency: p.currency, event: EVENT.id });
state["paid_total"] = state.get("paid_total", 0) + p.amount;
"recorded " + p.id`
	if err := os.WriteFile(filepath.Join(scripts, "stripe.rhai"), []byte(handler), 0o600); err != nil {
		t.Fatal(err)
	}
	initFile := filepath.Join(t.TempDir(), "init.rhai")
	seed := `if !state.contains("config") { state.set("config", #{ greeting: "hello", price: 2000, ratio: 0.5, mark: 'x' }); }`
	if err := os.WriteFile(initFile, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, bin, "-k", e2eCircle+":"+initFile, "--data-dir", dir,
		"--webhook-scripts", scripts, "--stripe-webhook-secret", e2eStripeSecret)
	if !strings.Contains(s.output(), "init script ran") {
		t.Errorf("no init log line:\n%s", s.output())
	}
	body := `{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","amount":2000,"currency":"eur"}}}`
	code, resp := postWebhook(t, s.http("/webhooks/stripe/"+e2eCircle), stripeSignature(e2eStripeSecret, body, time.Now().Unix()), body)
	if code != 200 || !strings.Contains(resp, "recorded pi_1") {
		t.Fatalf("webhook: %d %s", code, resp)
	}
	cl := dial(t, s, e2eCircle, nil)
	res, err := cl.Play(e2eCtx(t), "let p = state.get(\"payment:pi_1\"); `${p.amount} ${p.currency} ${state[\"paid_total\"]} ${state.get(\"config\").greeting}`")
	if err != nil || res.Output != "2000 eur 2000 hello" {
		t.Fatalf("play after the webhook: %+v %v", res, err)
	}

	// A second process on the same data dir stops at once with a clear error.
	start := time.Now()
	_, errs, exit := runBin(t, bin, "", "serve", "-p", "0", "-k", e2eCircle, "--data-dir", dir)
	if exit == 0 || !strings.Contains(errs, "in use") {
		t.Errorf("second serve on the dir: exit %d: %s", exit, errs)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("second serve took %s to give up", d)
	}
	s.stop(t)

	exp1, errs, exit := runBin(t, bin, "", "state", "export", "-k", e2eCircle, "--data-dir", dir)
	if exit != 0 || !strings.Contains(exp1, `{"key":"config","value":{"map":{"greeting":"hello","mark":{"char":"x"},"price":2000,"ratio":{"f64":0.5}}}}`) {
		t.Fatalf("export: exit %d %s\n%s", exit, errs, exp1)
	}
	dir2 := t.TempDir()
	if _, errs, exit := runBin(t, bin, exp1, "state", "import", "-k", e2eCircle, "--data-dir", dir2, "-"); exit != 0 {
		t.Fatalf("import: exit %d %s", exit, errs)
	}
	if _, errs, exit := runBin(t, bin, `{"key":"bad","value":1.5}`+"\n", "state", "import", "-k", e2eCircle, "--data-dir", dir2); exit == 0 || !strings.Contains(errs, "line 1") {
		t.Fatalf("bad import: exit %d %s", exit, errs)
	}
	exp2, _, _ := runBin(t, bin, "", "state", "export", "-k", e2eCircle, "--data-dir", dir2)
	if exp1 != exp2 {
		t.Fatalf("export after import differs:\n%s\n%s", exp1, exp2)
	}

	// The init script ran again on restart but kept the seeded config.
	s = startServe(t, bin, "-k", e2eCircle+":"+initFile, "--data-dir", dir)
	cl = dial(t, s, e2eCircle, nil)
	if res, err := cl.Play(e2eCtx(t), `state.len()`); err != nil || res.Output != "3" {
		t.Fatalf("after restart: %+v %v", res, err)
	}
}

// e2eStateInitFails: a failing init script stops start-up with its file,
// position and error, and serves nothing.
func e2eStateInitFails(t *testing.T, bin string) {
	initFile := filepath.Join(t.TempDir(), "init.rhai")
	if err := os.WriteFile(initFile, []byte("state.set(\"a\", 1);\nthrow \"no config\";\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errs, code := runBin(t, bin, "", "serve", "-p", "0", "-k", e2eCircle+":"+initFile, "--data-dir", t.TempDir())
	if code == 0 || !strings.Contains(errs, initFile+":2:") || !strings.Contains(errs, "no config") {
		t.Fatalf("failing init script: exit %d\n%s", code, errs)
	}
	if strings.Contains(errs, "listening") {
		t.Fatalf("served despite the failed init script:\n%s", errs)
	}
}
