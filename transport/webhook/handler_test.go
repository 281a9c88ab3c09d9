package webhook_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/transport/webhook"
)

const (
	stripeSecret = "whsec_server"
	idenfySecret = "idenfy-server-key"
)

// testKey returns a deterministic circle key: compressed hex, and the same
// key uncompressed in upper case (a second spelling).
func testKey(seed byte) (compressed, uncompressedUpper string) {
	var b [32]byte
	b[31] = seed
	pk := secp256k1.PrivKeyFromBytes(b[:]).PubKey()
	return hex.EncodeToString(pk.SerializeCompressed()),
		strings.ToUpper(hex.EncodeToString(pk.SerializeUncompressed()))
}

// fixture is a webhook handler on an httptest server whose Run executes the
// handler script with scripting.Engine (the worker's executor over the Rhai
// interpreter) and records every task it received.
type fixture struct {
	t       *testing.T
	srv     *httptest.Server
	dir     string
	circle  string // served, server-wide secrets
	special string // served, with its own secrets and scripts
	other   string // a valid key that is not served
	now     time.Time
	logs    *syncBuffer

	mu      sync.Mutex
	tasks   []scripting.Task
	runErr  error         // when set, Run returns it without running
	release chan struct{} // when set, Run waits for it
	engine  *scripting.Engine
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// defaultScripts are the handler scripts every fixture starts with. The
// shared ones echo what they received; the special circle's stripe.rhai
// overrides the shared one.
func defaultScripts(special string) map[string]string {
	return map[string]string{
		"stripe.rhai":                         `PROVIDER + "|" + EVENT_TYPE + "|" + EVENT.data.object.amount + "|" + CONTEXT_ID + "|" + CALLER_ID + "|" + TASK_ID`,
		"idenfy.rhai":                         `PROVIDER + "|" + EVENT_TYPE + "|" + EVENT.scanRef + "|" + EVENT.final`,
		filepath.Join(special, "stripe.rhai"): `"override|" + EVENT_TYPE`,
	}
}

func newFixture(t *testing.T, edit func(*config.Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), now: time.Unix(1_750_000_000, 0), logs: &syncBuffer{}}
	f.engine = scripting.NewEngine(rhai.DefaultLimits(), time.Second,
		scripting.WithEngineLogger(slog.New(slog.DiscardHandler)))
	f.circle, _ = testKey(1)
	f.special, _ = testKey(2)
	f.other, _ = testKey(3)
	for name, src := range defaultScripts(f.special) {
		f.writeScript(name, src)
	}
	cfg := config.Default()
	cfg.PublicKeys = []string{f.circle, f.special}
	cfg.StripeWebhookSecret = stripeSecret
	cfg.IdenfyWebhookSecret = idenfySecret
	cfg.CircleWebhookSecrets = map[string]config.ProviderSecrets{
		f.special: {Stripe: "whsec_special", Idenfy: "idenfy-special"},
	}
	cfg.WebhookScripts = f.dir
	cfg.WebhookMaxBody = 4 << 10
	cfg.ScriptTimeout = 5 * time.Second
	if edit != nil {
		edit(&cfg)
	}
	h, err := webhook.NewHandler(webhook.Options{
		Run:       f.run,
		Config:    cfg,
		Logger:    slog.New(slog.NewTextHandler(f.logs, nil)),
		Now:       func() time.Time { return f.now },
		NewTaskID: func() string { return "task-1" },
	})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/", h)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) writeScript(name, src string) {
	f.t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// run is Options.Run: what a worker does with a task, executing it with
// the real sandboxed scripting.Engine (so the script sees the constants a
// worker gives it), after recording it.
func (f *fixture) run(ctx context.Context, t scripting.Task) (scripting.Result, error) {
	f.mu.Lock()
	f.tasks = append(f.tasks, t)
	runErr, release := f.runErr, f.release
	f.mu.Unlock()
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			return scripting.Result{}, ctx.Err()
		}
	}
	if runErr != nil {
		return scripting.Result{}, runErr
	}
	return f.engine.Execute(ctx, t), nil
}

func (f *fixture) lastTask() scripting.Task {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.tasks) == 0 {
		f.t.Fatal("no task was dispatched")
	}
	return f.tasks[len(f.tasks)-1]
}

func (f *fixture) taskCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tasks)
}

type response struct {
	status int
	body   map[string]any
	raw    string
}

func (f *fixture) post(path string, header http.Header, body string) response {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	return f.do(req)
}

func (f *fixture) do(req *http.Request) response {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		f.t.Fatalf("POST %s: %v", req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, raw: string(raw)}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Fatalf("Content-Type = %q, want application/json (body %s)", ct, raw)
	}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		f.t.Fatalf("response %d is not a JSON object: %s", resp.StatusCode, raw)
	}
	return r
}

func (r response) expect(t *testing.T, status int, field, want string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (body %s)", r.status, status, r.raw)
	}
	if field == "" {
		return
	}
	if got, _ := r.body[field].(string); got != want {
		t.Fatalf("%s = %q, want %q (body %s)", field, got, want, r.raw)
	}
}

// stripeEvent is a realistic Stripe event body.
func stripeEvent(typ string, amount int) string {
	return fmt.Sprintf(`{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","api_version":"2024-06-20",`+
		`"created":1750000000,"type":%q,"livemode":false,"pending_webhooks":1,`+
		`"data":{"object":{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","amount":%d,"currency":"usd"}}}`,
		typ, amount)
}

// idenfyEvent is a realistic iDenfy KYC result callback body.
func idenfyEvent(overall, scanRef string) string {
	return fmt.Sprintf(`{"final":true,"platform":"PC","status":{"overall":%q,"suspicionReasons":[],`+
		`"fraudTags":[],"mismatchTags":[],"autoDocument":"DOC_VALIDATED","autoFace":"FACE_MATCH"},`+
		`"data":{"docFirstName":"JOHN","docLastName":"DOE"},"fileUrls":{},"scanRef":%q,"clientId":"client-7"}`,
		overall, scanRef)
}

func stripeHeader(secret string, t time.Time, body string, extra ...string) http.Header {
	v := fmt.Sprintf("t=%d", t.Unix())
	for _, e := range extra {
		v += "," + e
	}
	v += ",v1=" + stripeSign(secret, t.Unix(), body)
	return http.Header{"Stripe-Signature": {v}}
}

func idenfyHeader(secret, body string) http.Header {
	return http.Header{"Idenfy-Signature": {idenfySign(secret, body)}}
}
