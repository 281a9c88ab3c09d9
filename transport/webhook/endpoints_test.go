package webhook_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/scripting"
	"github.com/circles-actor/circles-actor/transport/webhook"
)

func TestStripeEventRunsHandlerScript(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	body := stripeEvent("payment_intent.succeeded", 2000)
	r := f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body)
	want := "stripe|payment_intent.succeeded|2000|" + f.circle + "||task-1"
	r.expect(t, http.StatusOK, "output", want)
	if r.body["status"] != "ok" {
		t.Fatalf("status field = %v, want ok", r.body["status"])
	}
	task := f.lastTask()
	if task.CircleID != f.circle || task.CallerID != "" || task.ID != "task-1" {
		t.Fatalf("task ids = %q %q %q", task.CircleID, task.CallerID, task.ID)
	}
	if task.Timeout != 5*time.Second || !task.CreatedAt.Equal(f.now) {
		t.Fatalf("task timeout %v created %v", task.Timeout, task.CreatedAt)
	}
	if task.Vars["PROVIDER"] != "stripe" || task.Vars["EVENT_TYPE"] != "payment_intent.succeeded" {
		t.Fatalf("task vars = %v", task.Vars)
	}
	ev, ok := task.Vars["EVENT"].(map[string]any)
	if !ok || ev["id"] != "evt_1NG8Du2eZvKYlo2CUI79vXWy" {
		t.Fatalf("EVENT = %#v", task.Vars["EVENT"])
	}
}

// Stripe sends one v1 per active secret while a secret is rolled; any one
// matching is enough, whatever its position, and v0 values are ignored.
func TestStripeSeveralSignatures(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	body := stripeEvent("invoice.paid", 1)
	wrong := "v1=" + stripeSign("whsec_old", f.now.Unix(), body)
	h := stripeHeader(stripeSecret, f.now, body, wrong, "v0="+strings.Repeat("00", 32), wrong)
	f.post("/webhooks/stripe/"+f.circle, h, body).expect(t, http.StatusOK, "status", "ok")
}

func TestStripeRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	body := stripeEvent("charge.refunded", 500)
	path := "/webhooks/stripe/" + f.circle
	sig := func(secret string, at time.Time, b string) string { return stripeSign(secret, at.Unix(), b) }
	cases := []struct {
		name   string
		header http.Header
		body   string
		status int
	}{
		{"stale timestamp", stripeHeader(stripeSecret, f.now.Add(-301*time.Second), body), body, 401},
		{"future timestamp", stripeHeader(stripeSecret, f.now.Add(301*time.Second), body), body, 401},
		{"tampered body", stripeHeader(stripeSecret, f.now, body), strings.Replace(body, "500", "50000", 1), 401},
		{"wrong secret", stripeHeader("whsec_wrong", f.now, body), body, 401},
		{"missing header", nil, body, 401},
		{"only v0", http.Header{"Stripe-Signature": {fmt.Sprintf("t=%d,v0=%s", f.now.Unix(), sig(stripeSecret, f.now, body))}}, body, 401},
		{"timestamp swapped", http.Header{"Stripe-Signature": {fmt.Sprintf("t=%d,v1=%s", f.now.Unix(), sig(stripeSecret, f.now.Add(-time.Hour), body))}}, body, 401},
		{"malformed header", http.Header{"Stripe-Signature": {"v1=deadbeef"}}, body, 400},
		{"malformed timestamp", http.Header{"Stripe-Signature": {"t=yesterday,v1=" + sig(stripeSecret, f.now, body)}}, body, 400},
		{"idenfy header on stripe", idenfyHeader(stripeSecret, body), body, 401},
	}
	for _, tc := range cases {
		r := f.post(path, tc.header, tc.body)
		if r.status != tc.status {
			t.Errorf("%s: status = %d, want %d (%s)", tc.name, r.status, tc.status, r.raw)
		}
		if tc.status == 401 && r.raw != "{\"error\":\"invalid signature\"}\n" {
			t.Errorf("%s: body = %q, want the uniform 401 body", tc.name, r.raw)
		}
	}
	if n := f.taskCount(); n != 0 {
		t.Fatalf("%d tasks dispatched for refused events", n)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "circle="+config.Fingerprint(f.circle)) {
		t.Fatalf("refusal log has no circle fingerprint:\n%s", logs)
	}
	for _, secretish := range []string{f.circle, stripeSecret, sig(stripeSecret, f.now, body)} {
		if strings.Contains(logs, secretish) {
			t.Fatalf("log contains %q:\n%s", secretish, logs)
		}
	}
}

func TestIdenfyEventRunsHandlerScript(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	body := idenfyEvent("APPROVED", "scan-1")
	r := f.post("/webhooks/idenfy/"+f.circle, idenfyHeader(idenfySecret, body), body)
	r.expect(t, http.StatusOK, "output", "idenfy|APPROVED|scan-1|true")
	if got := f.lastTask().Vars["EVENT_TYPE"]; got != "APPROVED" {
		t.Fatalf("EVENT_TYPE = %v", got)
	}
}

func TestIdenfyRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	body := idenfyEvent("DENIED", "scan-2")
	path := "/webhooks/idenfy/" + f.circle
	cases := []struct {
		name   string
		header http.Header
		body   string
		status int
	}{
		{"tampered body", idenfyHeader(idenfySecret, body), strings.Replace(body, "DENIED", "APPROVED", 1), 401},
		{"wrong secret", idenfyHeader("not-the-key", body), body, 401},
		{"missing header", nil, body, 401},
		{"stripe header on idenfy", stripeHeader(idenfySecret, f.now, body), body, 401},
		{"malformed header", http.Header{"Idenfy-Signature": {"not hex"}}, body, 400},
	}
	for _, tc := range cases {
		r := f.post(path, tc.header, tc.body)
		if r.status != tc.status {
			t.Errorf("%s: status = %d, want %d (%s)", tc.name, r.status, tc.status, r.raw)
		}
		if tc.status == 401 && r.body["error"] != "invalid signature" {
			t.Errorf("%s: body = %s", tc.name, r.raw)
		}
	}
	if n := f.taskCount(); n != 0 {
		t.Fatalf("%d tasks dispatched for refused events", n)
	}
}

// iDenfy signs no timestamp: an exact replay within the window is refused
// with the uniform 401, a different event is not.
func TestIdenfyReplayRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	path := "/webhooks/idenfy/" + f.circle
	body := idenfyEvent("APPROVED", "scan-3")
	f.post(path, idenfyHeader(idenfySecret, body), body).expect(t, http.StatusOK, "status", "ok")
	f.post(path, idenfyHeader(idenfySecret, body), body).expect(t, http.StatusUnauthorized, "error", "invalid signature")
	other := idenfyEvent("APPROVED", "scan-4")
	f.post(path, idenfyHeader(idenfySecret, other), other).expect(t, http.StatusOK, "status", "ok")
	if n := f.taskCount(); n != 2 {
		t.Fatalf("%d tasks, want 2", n)
	}
	if !strings.Contains(f.logs.String(), "replayed signature") {
		t.Fatalf("replay not logged:\n%s", f.logs.String())
	}
}

// A delivery that failed (503 here) is not remembered, so iDenfy's retry of
// the identical request runs.
func TestIdenfyRetryAfterFailureAccepted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.runErr = fmt.Errorf("queue down: %w", scripting.ErrUnavailable)
	path := "/webhooks/idenfy/" + f.circle
	body := idenfyEvent("SUSPECTED", "scan-5")
	f.post(path, idenfyHeader(idenfySecret, body), body).expect(t, http.StatusServiceUnavailable, "status", "error")
	f.mu.Lock()
	f.runErr = nil
	f.mu.Unlock()
	f.post(path, idenfyHeader(idenfySecret, body), body).expect(t, http.StatusOK, "output", "idenfy|SUSPECTED|scan-5|true")
}

// A duplicate arriving while the first copy still runs is refused too.
func TestIdenfyConcurrentDuplicateRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.release = make(chan struct{})
	path := "/webhooks/idenfy/" + f.circle
	body := idenfyEvent("APPROVED", "scan-6")
	first := make(chan response, 1)
	go func() { first <- f.post(path, idenfyHeader(idenfySecret, body), body) }()
	deadline := time.Now().Add(5 * time.Second)
	for f.taskCount() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("first delivery never reached Run")
		}
		time.Sleep(time.Millisecond)
	}
	f.post(path, idenfyHeader(idenfySecret, body), body).expect(t, http.StatusUnauthorized, "error", "invalid signature")
	close(f.release)
	(<-first).expect(t, http.StatusOK, "status", "ok")
}

func TestUnknownCircle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	body := stripeEvent("invoice.paid", 1)
	h := stripeHeader(stripeSecret, f.now, body)
	for _, pk := range []string{f.other, "02" + strings.Repeat("zz", 32), "abc", strings.Repeat("a", 5000)} {
		r := f.post("/webhooks/stripe/"+pk, h, body)
		r.expect(t, http.StatusNotFound, "error", "Circle not found")
		if msg, _ := r.body["message"].(string); len(msg) > 300 {
			t.Fatalf("404 message echoes %d bytes", len(msg))
		}
	}
	if n := f.taskCount(); n != 0 {
		t.Fatalf("%d tasks dispatched", n)
	}
}

// Any spelling of a served key reaches the circle, canonicalised.
func TestCircleKeyCanonicalised(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	_, upperUncompressed := testKey(1)
	body := stripeEvent("invoice.paid", 7)
	f.post("/webhooks/stripe/"+upperUncompressed, stripeHeader(stripeSecret, f.now, body), body).expect(t, http.StatusOK, "status", "ok")
	if got := f.lastTask().CircleID; got != f.circle {
		t.Fatalf("CircleID = %q, want %q", got, f.circle)
	}
}

// Without a server-wide secret a provider is off, except for circles with
// their own secret; unknown providers and paths are plain 404s.
func TestUnconfiguredProvider(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) { c.IdenfyWebhookSecret = "" })
	body := idenfyEvent("APPROVED", "scan-7")
	// Signed with the empty key: must never be accepted.
	f.post("/webhooks/idenfy/"+f.circle, idenfyHeader("", body), body).expect(t, http.StatusNotFound, "error", "not found")
	f.post("/webhooks/idenfy/"+f.special, idenfyHeader("idenfy-special", body), body).expect(t, http.StatusOK, "status", "ok")
	for _, p := range []string{"/webhooks/paypal/" + f.circle, "/webhooks/stripe", "/webhooks/stripe/" + f.circle + "/x", "/webhooks/"} {
		f.post(p, nil, "{}").expect(t, http.StatusNotFound, "", "")
	}
}

// A circle's own secret replaces the server-wide one, and its own script
// replaces the shared one; a circle without an override uses the shared.
func TestPerCircleOverrides(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	body := stripeEvent("checkout.session.completed", 3)
	path := "/webhooks/stripe/" + f.special
	f.post(path, stripeHeader(stripeSecret, f.now, body), body).expect(t, http.StatusUnauthorized, "error", "invalid signature")
	f.post(path, stripeHeader("whsec_special", f.now, body), body).
		expect(t, http.StatusOK, "output", "override|checkout.session.completed")
	f.post("/webhooks/stripe/"+f.circle, stripeHeader("whsec_special", f.now, body), body).
		expect(t, http.StatusUnauthorized, "error", "invalid signature")
	ib := idenfyEvent("APPROVED", "scan-8")
	f.post("/webhooks/idenfy/"+f.special, idenfyHeader("idenfy-special", ib), ib).
		expect(t, http.StatusOK, "output", "idenfy|APPROVED|scan-8|true")
}

func TestOversizedBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	big := `{"type":"x","pad":"` + strings.Repeat("a", 5<<10) + `"}`
	h := stripeHeader(stripeSecret, f.now, big)
	f.post("/webhooks/stripe/"+f.circle, h, big).expect(t, http.StatusRequestEntityTooLarge, "error", "body too large")

	// Without a Content-Length (chunked), the cap still holds.
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/webhooks/stripe/"+f.circle, io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	f.do(req).expect(t, http.StatusRequestEntityTooLarge, "error", "body too large")

	// Exactly at the cap is fine.
	head := `{"type":"x","data":{"object":{"amount":1}},"pad":"`
	exact := head + strings.Repeat("a", (4<<10)-len(head)-2) + `"}`
	if len(exact) != 4<<10 {
		t.Fatalf("exact body is %d bytes", len(exact))
	}
	f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, exact), exact).expect(t, http.StatusOK, "status", "ok")
}

// readBody never reads more than the cap plus one byte.
func TestBodyReadBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	src := &countingReader{r: strings.NewReader(strings.Repeat("a", 1<<20))}
	h := handlerFor(t, f)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe/"+f.circle, src)
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d", rec.Code)
	}
	if src.n > 4<<10+1 {
		t.Fatalf("read %d bytes, cap is %d", src.n, 4<<10)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// handlerFor builds a second handler with the fixture's configuration, for
// tests that call ServeHTTP directly.
func handlerFor(t *testing.T, f *fixture) http.Handler {
	t.Helper()
	cfg := config.Default()
	cfg.PublicKeys = []string{f.circle}
	cfg.StripeWebhookSecret = stripeSecret
	cfg.WebhookScripts = f.dir
	cfg.WebhookMaxBody = 4 << 10
	h, err := webhook.NewHandler(webhook.Options{Run: f.run, Config: cfg, Now: func() time.Time { return f.now },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestMalformedEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	deep := strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)
	for _, body := range []string{`not json`, `[1,2]`, `"str"`, `null`, `{"a":1} {"b":2}`, `{"a":1`, deep} {
		r := f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body)
		r.expect(t, http.StatusBadRequest, "", "")
	}
	if n := f.taskCount(); n != 0 {
		t.Fatalf("%d tasks dispatched", n)
	}
}

func TestScriptErrorIs500(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.writeScript("stripe.rhai", `if EVENT_TYPE == "charge.failed" { throw "cannot handle " + EVENT_TYPE; } 1`)
	body := stripeEvent("charge.failed", 9)
	r := f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body)
	r.expect(t, http.StatusInternalServerError, "status", "error")
	if msg, _ := r.body["error"].(string); !strings.Contains(msg, "cannot handle charge.failed") {
		t.Fatalf("error = %q", msg)
	}
}

func TestDispatcherUnavailableIs503(t *testing.T) {
	t.Parallel()
	for _, err := range []error{scripting.ErrUnavailable, fmt.Errorf("wait: %w", scripting.ErrTimeout)} {
		f := newFixture(t, nil)
		f.runErr = err
		body := stripeEvent("invoice.paid", 1)
		f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body).
			expect(t, http.StatusServiceUnavailable, "status", "error")
	}
}

// During an outage every event is refused the same way: logged once per
// interval with a count, not once per event.
func TestUnavailableLoggedOncePerInterval(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.runErr = fmt.Errorf("queue down: %w", scripting.ErrQueueUnreachable)
	for i := range 50 {
		body := stripeEvent("invoice.paid", i+1)
		f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body).
			expect(t, http.StatusServiceUnavailable, "status", "error")
	}
	if n := strings.Count(f.logs.String(), "webhook not run"); n != 1 {
		t.Fatalf("%d \"webhook not run\" lines for 50 refused events within the interval, want 1:\n%s", n, f.logs.String())
	}
}

// A configured provider without a handler script answers 501 (after the
// signature check), so the provider keeps retrying until one is added.
func TestNoHandlerScriptIs501(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if err := os.Remove(filepath.Join(f.dir, "stripe.rhai")); err != nil {
		t.Fatal(err)
	}
	body := stripeEvent("invoice.paid", 1)
	f.post("/webhooks/stripe/"+f.circle, stripeHeader("whsec_wrong", f.now, body), body).expect(t, http.StatusUnauthorized, "", "")
	f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body).expect(t, http.StatusNotImplemented, "", "")
	// The special circle still has its own.
	f.post("/webhooks/stripe/"+f.special, stripeHeader("whsec_special", f.now, body), body).expect(t, http.StatusOK, "status", "ok")

	g := newFixture(t, func(c *config.Config) { c.WebhookScripts = "" })
	g.post("/webhooks/stripe/"+g.circle, stripeHeader(stripeSecret, g.now, body), body).expect(t, http.StatusNotImplemented, "", "")
}

// An edited script is picked up on the next event without a restart.
func TestScriptReloadedWhenChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	body := idenfyEvent("APPROVED", "scan-9")
	f.post("/webhooks/idenfy/"+f.circle, idenfyHeader(idenfySecret, body), body).expect(t, http.StatusOK, "output", "idenfy|APPROVED|scan-9|true")
	f.writeScript("idenfy.rhai", `"v2:" + EVENT.clientId`)
	p := filepath.Join(f.dir, "idenfy.rhai")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	b2 := idenfyEvent("APPROVED", "scan-10")
	f.post("/webhooks/idenfy/"+f.circle, idenfyHeader(idenfySecret, b2), b2).expect(t, http.StatusOK, "output", "v2:client-7")
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	rec := httptest.NewRecorder()
	handlerFor(t, f).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhooks/stripe/"+f.circle, nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
		t.Fatalf("GET: %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestEventTypeFallbacks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.writeScript("idenfy.rhai", `EVENT_TYPE`)
	f.writeScript("stripe.rhai", `"[" + EVENT_TYPE + "]"`)
	for body, want := range map[string]string{
		`{"status":"ACTIVE","type":"KYB"}`:          "ACTIVE",
		`{"type":"AML_MONITORING"}`:                 "AML_MONITORING",
		`{"status":{"overall":null},"final":false}`: "",
	} {
		f.post("/webhooks/idenfy/"+f.circle, idenfyHeader(idenfySecret, body), body).expect(t, http.StatusOK, "output", want)
	}
	sb := `{"id":"evt_x"}`
	f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, sb), sb).expect(t, http.StatusOK, "output", "[]")
}

func TestNewHandlerNeedsRun(t *testing.T) {
	t.Parallel()
	if _, err := webhook.NewHandler(webhook.Options{}); err == nil {
		t.Fatal("NewHandler without Run succeeded")
	}
}

// A script that runs past the task's timeout is a script error (500), not
// an unavailable worker.
func TestScriptTimeoutIs500(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *config.Config) { c.ScriptTimeout = 100 * time.Millisecond })
	f.writeScript("stripe.rhai", `let n = 0; loop { n += 1; }`)
	body := stripeEvent("invoice.paid", 1)
	f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body).
		expect(t, http.StatusInternalServerError, "status", "error")
}

// A Config that skipped Validate (zero sizes, keys in other spellings)
// still works: defaults are filled in and keys canonicalised.
func TestUnvalidatedConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	compressed, upper := testKey(5)
	cfg := config.Config{
		PublicKeys:           []string{" " + upper + " ", ""},
		CircleWebhookSecrets: map[string]config.ProviderSecrets{upper: {Idenfy: "own"}},
		WebhookScripts:       f.dir,
	}
	h, err := webhook.NewHandler(webhook.Options{Run: f.run, Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := idenfyEvent("APPROVED", "scan-u")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/idenfy/"+compressed, strings.NewReader(body))
	req.Header = idenfyHeader("own", body)
	f.do(req).expect(t, http.StatusOK, "output", "idenfy|APPROVED|scan-u|true")

	cfg.PublicKeys = []string{"not-a-key"}
	if _, err := webhook.NewHandler(webhook.Options{Run: f.run, Config: cfg}); err == nil {
		t.Fatal("NewHandler accepted an invalid circle key")
	}
}
