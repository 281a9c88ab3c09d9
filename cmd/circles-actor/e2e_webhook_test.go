package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const e2eStripeSecret = "whsec_e2e_test"

// webhookScripts writes a shared Stripe handler into a new directory.
func webhookScripts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := `PROVIDER + " " + EVENT_TYPE + " " + EVENT.data.object.amount + " " + CIRCLE_PUBLIC_KEY`
	if err := os.WriteFile(filepath.Join(dir, "stripe.rhai"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func postWebhook(t *testing.T, url, sigHeader, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(e2eCtx(t), http.MethodPost, url, strings.NewReader(body))
	if sigHeader != "" {
		req.Header.Set("Stripe-Signature", sigHeader)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func stripeSignature(secret, body string, ts int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10) + "." + body))
	return "t=" + strconv.FormatInt(ts, 10) + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// e2eWebhooks checks the webhook handler is mounted: a signed Stripe event
// runs the handler script in the circle, a bad signature is refused, and
// unserved circles and methods other than POST get their own answers.
func e2eWebhooks(t *testing.T, s *server) {
	body := `{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"amount":2000}}}`
	url := s.http("/webhooks/stripe/" + strings.ToUpper(e2eCircle))
	code, resp := postWebhook(t, url, stripeSignature(e2eStripeSecret, body, time.Now().Unix()), body)
	if code != 200 || !strings.Contains(resp, "stripe payment_intent.succeeded 2000 "+e2eCircle) {
		t.Errorf("signed event: %d %s", code, resp)
	}
	if code, resp := postWebhook(t, url, stripeSignature("whsec_wrong", body, time.Now().Unix()), body); code != 401 {
		t.Errorf("wrong secret: %d %s, want 401", code, resp)
	}
	if code, resp := postWebhook(t, s.http("/webhooks/stripe/"+e2eUnhosted), stripeSignature(e2eStripeSecret, body, time.Now().Unix()), body); code != 404 {
		t.Errorf("unserved circle: %d %s, want 404", code, resp)
	}
	if code, _ := httpGet(t, url); code != http.StatusMethodNotAllowed {
		t.Errorf("GET on a webhook: %d, want 405", code)
	}
}
