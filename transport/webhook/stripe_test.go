package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/transport/webhook"
)

// stripeSign computes a v1 signature independently of the package, per
// Stripe's documentation: HMAC-SHA256(secret, "<t>.<payload>"), hex.
func stripeSign(secret string, t int64, payload string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.%s", t, payload)
	return hex.EncodeToString(m.Sum(nil))
}

// Stripe's documented example: the secret is used with its whsec_ prefix.
func TestStripeSignatureMatchesIndependentHMAC(t *testing.T) {
	t.Parallel()
	const secret, body = "whsec_test_secret", `{"id":"evt_1","type":"charge.succeeded"}`
	got := webhook.StripeSignature(secret, 1700000000, []byte(body))
	if want := stripeSign(secret, 1700000000, body); got != want {
		t.Fatalf("StripeSignature = %s, want %s", got, want)
	}
}

func TestParseStripeHeader(t *testing.T) {
	t.Parallel()
	sig := strings.Repeat("ab", 32)
	cases := []struct {
		name   string
		header string
		wantT  int64
		wantV1 int
		err    error
	}{
		{"one v1", "t=1700000000,v1=" + sig, 1700000000, 1, nil},
		{"several v1", "t=5,v1=" + sig + ",v1=" + sig, 5, 2, nil},
		{"v0 ignored", "t=5,v0=" + sig + ",v1=" + sig, 5, 1, nil},
		{"only v0", "t=5,v0=" + sig, 5, 0, nil},
		{"spaces", " t=5 , v1=" + sig + " ", 5, 1, nil},
		{"order free", "v1=" + sig + ",t=5", 5, 1, nil},
		{"non-hex v1 skipped", "t=5,v1=zz,v1=" + sig, 5, 1, nil},
		{"short v1 skipped", "t=5,v1=abcd", 5, 0, nil},
		{"unknown key", "t=5,foo=bar,v1=" + sig, 5, 1, nil},
		{"no t", "v1=" + sig, 0, 0, webhook.ErrMalformedHeader},
		{"bad t", "t=soon,v1=" + sig, 0, 0, webhook.ErrMalformedHeader},
		{"two t", "t=5,t=6,v1=" + sig, 0, 0, webhook.ErrMalformedHeader},
		{"no equals", "t=5,v1", 0, 0, webhook.ErrMalformedHeader},
		{"empty", "", 0, 0, webhook.ErrMalformedHeader},
		{"huge", "t=5,v1=" + strings.Repeat("a", 9000), 0, 0, webhook.ErrMalformedHeader},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := webhook.ParseStripeHeader(tc.header)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if h.Timestamp.Unix() != tc.wantT || len(h.V1) != tc.wantV1 {
				t.Fatalf("got t=%d with %d v1, want t=%d with %d", h.Timestamp.Unix(), len(h.V1), tc.wantT, tc.wantV1)
			}
		})
	}
}

func TestVerifyStripe(t *testing.T) {
	t.Parallel()
	const secret, body = "whsec_abc", `{"type":"invoice.paid"}`
	now := time.Unix(1_700_000_000, 0)
	ts := now.Unix()
	good := stripeSign(secret, ts, body)
	bad := stripeSign("whsec_other", ts, body)
	tol := 300 * time.Second
	cases := []struct {
		name   string
		header string
		body   string
		err    error
	}{
		{"valid", fmt.Sprintf("t=%d,v1=%s", ts, good), body, nil},
		{"one valid among invalid", fmt.Sprintf("t=%d,v1=%s,v1=%s,v1=%s", ts, bad, good, bad), body, nil},
		{"valid with v0", fmt.Sprintf("t=%d,v0=%s,v1=%s", ts, bad, good), body, nil},
		{"wrong secret", fmt.Sprintf("t=%d,v1=%s", ts, bad), body, webhook.ErrSignatureMismatch},
		{"tampered body", fmt.Sprintf("t=%d,v1=%s", ts, good), body + " ", webhook.ErrSignatureMismatch},
		{"signature moved to v0", fmt.Sprintf("t=%d,v0=%s", ts, good), body, webhook.ErrSignatureMismatch},
		{"timestamp changed", fmt.Sprintf("t=%d,v1=%s", ts+1, good), body, webhook.ErrSignatureMismatch},
		{"missing", "", body, webhook.ErrNoSignature},
		{"malformed", "garbage", body, webhook.ErrMalformedHeader},
		{"at tolerance", fmt.Sprintf("t=%d,v1=%s", ts-300, stripeSign(secret, ts-300, body)), body, nil},
		{"stale", fmt.Sprintf("t=%d,v1=%s", ts-301, stripeSign(secret, ts-301, body)), body, webhook.ErrStaleTimestamp},
		{"future", fmt.Sprintf("t=%d,v1=%s", ts+301, stripeSign(secret, ts+301, body)), body, webhook.ErrStaleTimestamp},
		{"slightly future", fmt.Sprintf("t=%d,v1=%s", ts+5, stripeSign(secret, ts+5, body)), body, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.VerifyStripe(tc.header, []byte(tc.body), secret, tol, now)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("VerifyStripe = %v, want %v", err, tc.err)
			}
		})
	}
}

// A zero tolerance means the 300 s default, never "accept any age".
func TestVerifyStripeZeroToleranceIsDefault(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	old := now.Unix() - 3600
	h := fmt.Sprintf("t=%d,v1=%s", old, stripeSign("s", old, "{}"))
	if err := webhook.VerifyStripe(h, []byte("{}"), "s", 0, now); !errors.Is(err, webhook.ErrStaleTimestamp) {
		t.Fatalf("VerifyStripe = %v, want ErrStaleTimestamp", err)
	}
}
