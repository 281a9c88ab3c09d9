package webhook_test

import (
	"context"
	"fmt"
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
	"github.com/circles-actor/circles-actor/scripting/rhai"
	"github.com/circles-actor/circles-actor/transport/webhook"
)

func BenchmarkVerifyStripe(b *testing.B) {
	body := []byte(stripeEvent("payment_intent.succeeded", 2000))
	now := time.Unix(1_750_000_000, 0)
	h := fmt.Sprintf("t=%d,v1=%s", now.Unix(), stripeSign("whsec_b", now.Unix(), string(body)))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := webhook.VerifyStripe(h, body, "whsec_b", time.Minute, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyIdenfy(b *testing.B) {
	body := []byte(idenfyEvent("APPROVED", "scan-b"))
	h := idenfySign("key", string(body))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := webhook.VerifyIdenfy(h, body, "key"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeStripe is one whole delivery in-process: route, read,
// verify, parse, script lookup (stat), and a trivial handler script run by
// scripting.Engine.
func BenchmarkServeStripe(b *testing.B) {
	dir := b.TempDir()
	circle, _ := testKey(1)
	if err := os.WriteFile(filepath.Join(dir, "stripe.rhai"), []byte(`EVENT_TYPE`), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	cfg.PublicKeys = []string{circle}
	cfg.StripeWebhookSecret = stripeSecret
	cfg.WebhookScripts = dir
	eng := scripting.NewEngine(rhai.DefaultLimits(), time.Second, scripting.WithEngineLogger(slog.New(slog.DiscardHandler)))
	now := time.Unix(1_750_000_000, 0)
	h, err := webhook.NewHandler(webhook.Options{
		Config: cfg,
		Logger: slog.New(slog.DiscardHandler),
		Now:    func() time.Time { return now },
		Run: func(ctx context.Context, t scripting.Task) (scripting.Result, error) {
			return eng.Execute(ctx, t), nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	body := stripeEvent("payment_intent.succeeded", 2000)
	sig := fmt.Sprintf("t=%d,v1=%s", now.Unix(), stripeSign(stripeSecret, now.Unix(), body))
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe/"+circle, strings.NewReader(body))
		req.Header.Set("Stripe-Signature", sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
