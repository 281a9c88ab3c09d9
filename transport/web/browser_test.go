package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/circles-actor/circles-actor/actors"
	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/internal/testcert"
	"github.com/circles-actor/circles-actor/transport"
)

// The demo circle (public key of private key 2) and a second one.
const (
	circlePK = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	otherPK  = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
)

// browserTimeout bounds one browser scenario; Chromium's start on a busy
// two-core machine takes a few seconds of it.
const browserTimeout = 90 * time.Second

// chromiumPath finds Debian's chromium (or another Chrome) or skips.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium; .ci/run does): the browser tests cannot run")
	return ""
}

// server is the base URL of a test server, http://127.0.0.1:port.
type server string

func (s server) base() string { return string(s) }

// startServer runs the real transport server on a free loopback port.
func startServer(t *testing.T, edit func(*config.Config)) server {
	t.Helper()
	cfg := config.Default()
	cfg.Port = 0
	cfg.PublicKeys = []string{circlePK, otherPK}
	cfg.ScriptTimeout = 5 * time.Second
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sys, err := actors.NewSystem(cfg, actors.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := transport.NewServer(sys, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return server("http://" + ln.Addr().String())
}

// browser is one headless Chromium tab that records what the page writes
// to its console as an error, and screenshots itself when the test fails.
type browser struct {
	ctx context.Context
	mu  sync.Mutex
	bad []string
}

func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := append(append(chromedp.DefaultExecAllocatorOptions[:], extra...),
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &browser{ctx: ctx}
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("cannot start %s: %v", exe, err)
	}
	msgs := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.bad = append(b.bad, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			b.screenshot(t, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
		}
		cancelCtx()
		cancelAlloc()
		<-done
	})
	return b
}

// screenshot writes the page to $CIRCLES_SCREENSHOT_DIR (default: the
// system temp dir) and says where.
func (b *browser) screenshot(t *testing.T, name string) {
	dir := os.Getenv("CIRCLES_SCREENSHOT_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	path := filepath.Join(dir, "circles-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("screenshot of the failing page: %s", path)
}

// do runs steps within browserTimeout.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, b *browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// eval awaits an async JavaScript function body in the page and decodes
// the JSON it returns into out.
func (b *browser) eval(t *testing.T, body string, out any) {
	t.Helper()
	js := "(async () => { " + body + " })().then((v) => JSON.stringify(v))"
	s := run(t, b, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err := json.Unmarshal([]byte(s), out); err != nil {
		t.Fatalf("page returned %q: %v", s, err)
	}
}

// waitFor waits (10 s at most) until the JavaScript expression cond is
// true in the page; the page's own events drive it, this only looks.
func (b *browser) waitFor(t *testing.T, cond string) {
	t.Helper()
	var ok bool
	b.eval(t, `for (let i = 0; i < 500; i++) { if (`+cond+`) return true; await new Promise((r) => setTimeout(r, 20)); } return false;`, &ok)
	if !ok {
		t.Fatalf("still not true after 10 s: %s", cond)
	}
}

func (b *browser) noConsoleErrors(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.bad {
		t.Errorf("console: %s", m)
	}
}

// openPage loads the playground and waits until it has listed the circles.
func (b *browser) openPage(t *testing.T, s server) {
	t.Helper()
	b.do(t,
		chromedp.Navigate(s.base()+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="script"]`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-ready="true"]`)),
	)
}

// typeScript replaces the editor's text by typing it, as a person would.
func (b *browser) typeScript(t *testing.T, script string) {
	t.Helper()
	b.do(t,
		chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector('[data-testid="script"]');
			e.value = ''; e.dispatchEvent(new Event('input')); e.focus(); })()`),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="script"]`), script),
	)
}

func TestPlaygroundInBrowser(t *testing.T) {
	base := startServer(t, nil)
	b := newBrowser(t)
	b.openPage(t, base)

	t.Run("lists the circles", func(t *testing.T) {
		var opts []string
		b.eval(t, `return [...document.querySelectorAll('#circle option')].map((o) => o.value);`, &opts)
		if len(opts) != 2 || opts[0] != otherPK || opts[1] != circlePK { // sorted
			t.Fatalf("circle picker %v", opts)
		}
	})

	t.Run("a typed script runs and its value shows", func(t *testing.T) {
		b.typeScript(t, "let x = 6;\nprint(\"hi\");\nx * 7")
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="output-value"]`)))
		if v := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="output-value"]`))); v != "42" {
			t.Fatalf("output %q, want 42", v)
		}
		if ty := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="output-type"]`))); ty != "i64" {
			t.Fatalf("type %q, want i64", ty)
		}
		if p := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="prints"]`))); p != "hi" {
			t.Fatalf("prints %q, want hi", p)
		}
		var n int
		b.eval(t, `return document.querySelectorAll('[data-testid="history"] li').length;`, &n)
		if n != 1 {
			t.Fatalf("%d runs in the history, want 1", n)
		}
	})

	t.Run("Tab indents and Ctrl+Enter runs", func(t *testing.T) {
		b.typeScript(t, "if true {\n")
		b.do(t,
			chromedp.KeyEvent("\t"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="script"]`), "\"in\"\n}"),
		)
		if v := run(t, b, chromedp.Value(chromedp.CSS(`[data-testid="script"]`))); v != "if true {\n  \"in\"\n}" {
			t.Fatalf("editor text after Tab %q", v)
		}
		b.do(t,
			chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="output-value"]`)),
		)
		b.waitFor(t, `document.querySelector('[data-testid="output-value"]')?.textContent === 'in'`)
		var focus string
		b.eval(t, `return document.activeElement.id;`, &focus)
		if focus != "script" {
			t.Fatalf("after Ctrl+Enter the focus is on %q, want the editor", focus)
		}
		// Esc, then Tab, leaves the editor: no keyboard trap.
		b.do(t, chromedp.KeyEvent("\x1b"), chromedp.KeyEvent("\t"))
		b.eval(t, `return document.activeElement.id;`, &focus)
		if focus == "script" {
			t.Fatal("Esc then Tab left the focus in the editor")
		}
	})

	t.Run("a syntax error shows its line", func(t *testing.T) {
		b.typeScript(t, "let x = 1;\nlet y = x +;\ny")
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="error"]`)))
		attrs := run(t, b, chromedp.Attributes(chromedp.CSS(`[data-testid="error"]`)))
		if attrs["data-kind"] != "parse" || attrs["data-line"] != "2" || attrs["data-column"] == "0" {
			t.Fatalf("error attributes %v", attrs)
		}
		text := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="error"]`)))
		if !strings.Contains(text, "line 2") || !strings.Contains(text, "let y = x +;") {
			t.Fatalf("error text %q", text)
		}
		var marked []string
		b.eval(t, `return [...document.querySelectorAll('#gutter .bad')].map((d) => d.textContent)
			.concat(document.getElementById('mark').hidden ? [] : ['mark']);`, &marked)
		if len(marked) != 2 || marked[0] != "2" || marked[1] != "mark" {
			t.Fatalf("marked lines %v, want gutter line 2 and the band", marked)
		}
	})

	t.Run("an example loads and runs on the picked circle", func(t *testing.T) {
		b.eval(t, `const c = document.getElementById('circle'); c.value = '`+circlePK+`'; c.dispatchEvent(new Event('change'));
			const e = document.getElementById('examples');
			e.value = [...e.options].find((o) => o.textContent === 'Who am I').value;
			e.dispatchEvent(new Event('change')); return true;`, new(bool))
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)))
		b.waitFor(t, `document.querySelector('[data-testid="output-value"]')?.textContent.includes('`+circlePK+`')`)
		if v := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="output-type"]`))); v != "map" {
			t.Fatalf("Who am I example: type %q", v)
		}
	})

	t.Run("every control is labelled", func(t *testing.T) {
		var unlabelled []string
		b.eval(t, `return [...document.querySelectorAll('button, input, select, textarea')]
			.filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.textContent.trim()))
			.map((e) => e.id || e.outerHTML.slice(0, 60));`, &unlabelled)
		if len(unlabelled) != 0 {
			t.Fatalf("controls without a label: %v", unlabelled)
		}
	})

	t.Run("readable on a phone screen", func(t *testing.T) {
		b.do(t, chromedp.EmulateViewport(390, 844))
		defer b.do(t, chromedp.EmulateViewport(1280, 900))
		var widths []int
		b.eval(t, `return [document.documentElement.scrollWidth, window.innerWidth];`, &widths)
		if widths[0] > widths[1] {
			t.Fatalf("the page is %dpx wide on a %dpx screen", widths[0], widths[1])
		}
	})

	t.Run("the policy keeps requests on the origin", func(t *testing.T) {
		// The browser refuses before connecting, so nothing is sent.
		var got []string
		b.eval(t, `
			const violation = new Promise((resolve) => document.addEventListener('securitypolicyviolation',
				(e) => resolve(e.effectiveDirective + ' ' + e.blockedURI), { once: true }));
			let fetched = 'allowed';
			try { await fetch('http://127.0.0.2:9/elsewhere'); } catch (e) { fetched = e.name; }
			const same = (await (await fetch('/playground/circles.json')).json()).circles.length;
			const seen = await Promise.race([violation, new Promise((r) => setTimeout(() => r('no violation event'), 10000))]);
			return [fetched, String(same), seen];`, &got)
		if len(got) != 3 || got[0] != "TypeError" || got[1] != "2" || !strings.HasPrefix(got[2], "connect-src http://127.0.0.2:9") {
			t.Fatalf("fetch to another origin: %v", got)
		}
	})

	t.Run("the module plays, matches concurrent calls and reports errors", func(t *testing.T) {
		var res struct {
			Play      map[string]any `json:"play"`
			Many      []string       `json:"many"`
			Who       map[string]any `json:"who"`
			ErrCode   int            `json:"errCode"`
			ErrLine   int            `json:"errLine"`
			NoMethod  int            `json:"noMethod"`
			Unknown   int            `json:"unknown"`
			Dropped   int            `json:"dropped"`
			Generated map[string]any `json:"generated"`
		}
		b.eval(t, `
			const m = await import('/circles-client.js');
			const url = 'ws://' + location.host + '/`+circlePK+`';
			const c = await m.CircleClient.connect(url, { timeoutMs: 20000 });
			const out = {};
			out.play = await c.play('let x = 10; x * 2');
			out.many = (await Promise.all([1, 2, 3, 4, 5].map((i) => c.play('' + i + ' * 100')))).map((r) => r.output);
			out.who = await c.whoami();
			try { await c.play('let a = ;'); } catch (e) { out.errCode = e.code; out.errLine = e.data.line; }
			try { await c.call('no_such_method'); } catch (e) { out.noMethod = e.code; }
			try { await m.CircleClient.connect('ws://' + location.host + '/`+strings.Replace(circlePK, "02", "03", 1)+`', { timeoutMs: 20000 }); } catch (e) { out.unknown = e.code; }
			const pending = c.play('let s = 0; for i in 0..200000 { s += i; } s');
			c.close();
			try { await pending; } catch (e) { out.dropped = e.code; }
			out.generated = m.generateKey();
			return out;`, &res)
		if res.Play["output"] != "20" || res.Play["type"] != "i64" {
			t.Errorf("play %v", res.Play)
		}
		if strings.Join(res.Many, ",") != "100,200,300,400,500" {
			t.Errorf("concurrent plays %v", res.Many)
		}
		if res.Who["authenticated"] != false || res.Who["circle"] != circlePK {
			t.Errorf("whoami %v", res.Who)
		}
		if res.ErrCode != -32004 || res.ErrLine != 1 || res.NoMethod != -32601 {
			t.Errorf("errors: script %d line %d, method %d", res.ErrCode, res.ErrLine, res.NoMethod)
		}
		if res.Unknown != -32099 || res.Dropped != -32099 {
			t.Errorf("unknown circle %d, dropped call %d; want -32099", res.Unknown, res.Dropped)
		}
		if pk, _ := res.Generated["publicKey"].(string); len(pk) != 66 {
			t.Errorf("generateKey %v", res.Generated)
		}
	})
	// The unknown circle's refused upgrade and the refused fetch are the
	// console errors these tests cause on purpose (Chromium logs every
	// failed WebSocket handshake and every policy violation).
	b.mu.Lock()
	kept := b.bad[:0]
	for _, m := range b.bad {
		wsRefused := strings.Contains(m, "WebSocket connection to") && strings.Contains(m, "/03c6047f")
		policy := strings.Contains(m, "127.0.0.2:9") && strings.Contains(m, "Content Security Policy")
		if !wsRefused && !policy {
			kept = append(kept, m)
		}
	}
	b.bad = kept
	b.mu.Unlock()
	b.noConsoleErrors(t)
}

func TestPlaygroundAuthInBrowser(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.EnableAuth = true })
	b := newBrowser(t)
	b.openPage(t, base)

	t.Run("the page asks for a key, then signs in with a generated one", func(t *testing.T) {
		b.typeScript(t, "CALLER_PUBLIC_KEY")
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="error"]`)))
		if text := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="error"]`))); !strings.Contains(text, "Authentication required") || !strings.Contains(text, "-32001") {
			t.Fatalf("error without a key %q", text)
		}
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="key-generate"]`)))
		pub := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="pubkey"]`)))
		if len(pub) != 66 {
			t.Fatalf("public key shown %q", pub)
		}
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="output-value"]`)))
		if v := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="output-value"]`))); v != pub {
			t.Fatalf("CALLER_PUBLIC_KEY %q, want the generated %q", v, pub)
		}
		var stored any
		b.eval(t, `return localStorage.length;`, &stored)
		if stored != float64(0) {
			t.Fatalf("the key reached local storage without being asked to: %v", stored)
		}
	})

	t.Run("local storage holds the key only when asked", func(t *testing.T) {
		pub := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="pubkey"]`)))
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="key-remember"]`)))
		b.openPage(t, base) // a reload
		if again := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="pubkey"]`))); again != pub {
			t.Fatalf("after a reload the page has key %q, want the remembered %q", again, pub)
		}
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="key-forget"]`)))
		var n float64
		b.eval(t, `return localStorage.length;`, &n)
		if n != 0 {
			t.Fatalf("Forget left %v items in local storage", n)
		}
		b.openPage(t, base)
		if none := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="pubkey"]`))); none != "none" {
			t.Fatalf("after Forget and a reload the page has key %q", none)
		}
	})

	t.Run("through the module", func(t *testing.T) {
		var res struct {
			Gate         int            `json:"gate"`
			EIP191       map[string]any `json:"eip191"`
			WhoEIP191    map[string]any `json:"whoEip191"`
			Caller       string         `json:"caller"`
			Key1         string         `json:"key1"`
			Compact      map[string]any `json:"compact"`
			WhoCompact   map[string]any `json:"whoCompact"`
			Key2         string         `json:"key2"`
			Wallet       map[string]any `json:"wallet"`
			WhoWallet    map[string]any `json:"whoWallet"`
			Key3         string         `json:"key3"`
			WalletCalls  []string       `json:"walletCalls"`
			RefusedCode  int            `json:"refusedCode"`
			RefusedMsg   string         `json:"refusedMsg"`
			AfterRefusal int            `json:"afterRefusal"`
			WrongKey     int            `json:"wrongKey"`
		}
		b.eval(t, `
			const m = await import('/circles-client.js');
			const url = 'ws://' + location.host + '/`+circlePK+`';
			const open = () => m.CircleClient.connect(url, { timeoutMs: 20000 });
			const out = {};

			const c1 = await open();
			try { await c1.play('1'); out.gate = 0; } catch (e) { out.gate = e.code; }
			const k1 = m.generateKey();
			out.key1 = k1.publicKey;
			out.eip191 = await c1.authenticate(k1.privateKey, { format: 'eip191' });
			out.whoEip191 = await c1.whoami();
			out.caller = (await c1.play('CALLER_PUBLIC_KEY')).output;
			c1.close();

			const c2 = await open();
			const k2 = m.generateKey();
			out.key2 = k2.publicKey;
			out.compact = await c2.authenticate(k2.privateKey, { format: 'compact' });
			out.whoCompact = await c2.whoami();
			c2.close();

			// A stand-in EIP-1193 wallet that holds k3 and signs as MetaMask does.
			const k3 = m.generateKey();
			out.key3 = k3.publicKey;
			const account = m.ethAddress(k3.publicKey);
			const hexToText = (h) => new TextDecoder().decode(Uint8Array.from(h.slice(2).match(/../g), (x) => parseInt(x, 16)));
			out.walletCalls = [];
			const wallet = { async request({ method, params }) {
				out.walletCalls.push(method);
				if (method === 'eth_requestAccounts') return [account.toUpperCase().replace('0X', '0x')];
				if (method === 'personal_sign') return '0x' + m.signNonce(k3.privateKey, hexToText(params[0]), 'eip191');
				throw Object.assign(new Error('unsupported'), { code: 4200 });
			} };
			const c3 = await open();
			out.wallet = await c3.authenticateWithWallet(wallet);
			out.whoWallet = await c3.whoami();
			c3.close();

			// A wallet whose user refuses to sign.
			const refusing = { async request({ method }) {
				if (method === 'eth_requestAccounts') return [account];
				throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
			} };
			const c4 = await open();
			try { await c4.authenticateWithWallet(refusing); } catch (e) { out.refusedCode = e.code; out.refusedMsg = e.message; }
			try { await c4.play('1'); } catch (e) { out.afterRefusal = e.code; }
			// A wallet that signs with another key than its account's.
			const liar = { async request({ method, params }) {
				if (method === 'eth_requestAccounts') return [account];
				return '0x' + m.signNonce(k1.privateKey, hexToText(params[0]), 'eip191');
			} };
			try { await c4.authenticateWithWallet(liar); } catch (e) { out.wrongKey = e.code; }
			c4.close();
			return out;`, &res)
		if res.Gate != -32001 {
			t.Errorf("play before authenticate: %d, want -32001", res.Gate)
		}
		for _, c := range []struct {
			name     string
			auth     map[string]any
			who      map[string]any
			key      string
			wantAuth bool
		}{
			{"eip191", res.EIP191, res.WhoEIP191, res.Key1, true},
			{"compact", res.Compact, res.WhoCompact, res.Key2, true},
			{"wallet", res.Wallet, res.WhoWallet, res.Key3, true},
		} {
			if c.auth["authenticated"] != true || c.auth["pubkey"] != c.key {
				t.Errorf("%s: authenticate %v, key %s", c.name, c.auth, c.key)
			}
			if c.who["authenticated"] != true || c.who["pubkey"] != c.key || c.who["circle"] != circlePK {
				t.Errorf("%s: whoami %v, key %s", c.name, c.who, c.key)
			}
		}
		if res.Caller != res.Key1 {
			t.Errorf("CALLER_PUBLIC_KEY %q, want %q", res.Caller, res.Key1)
		}
		if strings.Join(res.WalletCalls, ",") != "eth_requestAccounts,personal_sign,personal_sign" {
			t.Errorf("wallet calls %v", res.WalletCalls)
		}
		if res.RefusedCode != 4001 || !strings.Contains(res.RefusedMsg, "User rejected") || res.AfterRefusal != -32001 {
			t.Errorf("refused signature: code %d %q, then play %d", res.RefusedCode, res.RefusedMsg, res.AfterRefusal)
		}
		if res.WrongKey != -32002 {
			t.Errorf("wallet signing with another key: %d, want -32002", res.WrongKey)
		}
	})
	b.noConsoleErrors(t)
}

// TestPlaygroundScreenshot writes the picture the README shows when
// CIRCLES_PLAYGROUND_SCREENSHOT names a file:
//
//	CIRCLES_PLAYGROUND_SCREENSHOT=$PWD/docs/playground.png go test -run TestPlaygroundScreenshot ./transport/web/
func TestPlaygroundScreenshot(t *testing.T) {
	out := os.Getenv("CIRCLES_PLAYGROUND_SCREENSHOT")
	if out == "" {
		t.Skip("set CIRCLES_PLAYGROUND_SCREENSHOT=FILE.png to write the README's screenshot")
	}
	base := startServer(t, nil)
	b := newBrowser(t)
	b.openPage(t, base)
	b.do(t, chromedp.EmulateViewport(1200, 820))
	b.typeScript(t, "let x = 1;\nlet y = x +;\ny")
	b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="error"]`)))
	for _, s := range []string{"let x = 10;\nx * 2", "let a = [3, 1, 2];\na.sort();\na",
		"fn greet(name) {\n  print(\"hello \" + name);\n  name.len()\n}\nlet n = greet(\"circle\");\n#{ letters: n, doubled: n * 2 }"} {
		b.typeScript(t, s)
		b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="output-value"]`)))
	}
	png := run(t, b, chromedp.FullScreenshot(100))
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if narrow := os.Getenv("CIRCLES_PLAYGROUND_SCREENSHOT_NARROW"); narrow != "" {
		b.do(t, chromedp.EmulateViewport(390, 844))
		if err := os.WriteFile(narrow, run(t, b, chromedp.FullScreenshot(100)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadmePageInBrowser loads the README's ten-line page from another
// origin than the server's: it imports the module across origins,
// authenticates with a generated key against --enable-auth and plays.
func TestReadmePageInBrowser(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## In the browser")
	_, block, ok2 := strings.Cut(section, "```html\n")
	page, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no ```html block under \"## In the browser\"")
	}
	base := startServer(t, func(c *config.Config) { c.EnableAuth = true })
	page = strings.ReplaceAll(page, "127.0.0.1:8080", strings.TrimPrefix(base.base(), "http://"))
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			w.WriteHeader(http.StatusNoContent) // favicon
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, page)
	}))
	t.Cleanup(other.Close)
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(other.URL+"/"))
	b.waitFor(t, `document.body.textContent !== ''`)
	var text string
	b.eval(t, `return document.body.textContent;`, &text)
	if text != "20 (i64)" {
		t.Fatalf("the README page shows %q, want \"20 (i64)\"", text)
	}
	b.noConsoleErrors(t)
}

// walletStandIn is an EIP-1193 provider put on window.ethereum before the
// page loads: it holds a generated key and signs as MetaMask does, or
// refuses while window.walletRefuses is set.
const walletStandIn = `
window.walletCalls = [];
window.ethereum = {
  async request({ method, params }) {
    window.walletCalls.push(method);
    const m = await import(location.origin + '/circles-client.js');
    window.walletKey ??= m.generateKey();
    const k = window.walletKey;
    if (method === 'eth_requestAccounts') return [m.ethAddress(k.publicKey)];
    if (method === 'personal_sign') {
      if (window.walletRefuses) throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
      const text = new TextDecoder().decode(Uint8Array.from(params[0].slice(2).match(/../g), (x) => parseInt(x, 16)));
      return '0x' + m.signNonce(k.privateKey, text, 'eip191');
    }
    throw Object.assign(new Error('unsupported ' + method), { code: 4200 });
  },
};`

// TestPlaygroundWalletInBrowser signs in through the page's wallet button
// against --enable-auth: a refusal is reported, a signature signs in, and
// the script sees the wallet's key.
func TestPlaygroundWalletInBrowser(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.EnableAuth = true })
	b := newBrowser(t)
	run(t, b, chromedp.Action[page.AddScriptToEvaluateOnNewDocumentResult](func(ctx context.Context, tg *chromedp.Target) (page.AddScriptToEvaluateOnNewDocumentResult, error) {
		return cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: walletStandIn})
	}))
	b.openPage(t, base)

	b.eval(t, `window.walletRefuses = true; return true;`, new(bool))
	b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="key-wallet"]`)))
	b.waitFor(t, `document.getElementById('key-error').textContent.includes('User rejected')`)

	b.eval(t, `window.walletRefuses = false; return true;`, new(bool))
	b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="key-wallet"]`)))
	b.waitFor(t, `/^0[23][0-9a-f]{64}$/.test(document.querySelector('[data-testid="pubkey"]').textContent)`)
	var walletPub string
	b.eval(t, `return window.walletKey.publicKey;`, &walletPub)
	if shown := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="pubkey"]`))); shown != walletPub {
		t.Fatalf("page shows key %q, the wallet holds %q", shown, walletPub)
	}
	b.typeScript(t, "CALLER_PUBLIC_KEY")
	b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="output-value"]`)))
	if v := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="output-value"]`))); v != walletPub {
		t.Fatalf("CALLER_PUBLIC_KEY %q, want the wallet's %q", v, walletPub)
	}
	var where string
	b.eval(t, `return document.getElementById('key-where').textContent;`, &where)
	if !strings.Contains(where, "wallet holds the key") {
		t.Fatalf("the page says of the key: %q", where)
	}
	b.noConsoleErrors(t)
}

// TestPlaygroundOverTLSInBrowser runs a script through the page served
// over https, so the page's policy and socket are https and wss.
func TestPlaygroundOverTLSInBrowser(t *testing.T) {
	certFile, keyFile, _ := testcert.SelfSigned(t)
	s := startServer(t, func(c *config.Config) { c.TLS, c.CertFile, c.KeyFile = true, certFile, keyFile })
	b := newBrowser(t, chromedp.IgnoreCertErrors)
	b.openPage(t, server("https"+strings.TrimPrefix(s.base(), "http")))
	b.typeScript(t, "40 + 2")
	b.do(t, chromedp.Click(chromedp.CSS(`[data-testid="run"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="output-value"]`)))
	if v := run(t, b, chromedp.Text(chromedp.CSS(`[data-testid="output-value"]`))); v != "42" {
		t.Fatalf("output over wss %q", v)
	}
	b.noConsoleErrors(t)
}
