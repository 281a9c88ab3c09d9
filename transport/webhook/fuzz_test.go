package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/transport/webhook"
)

// FuzzParseStripeHeader: the Stripe-Signature parser never panics, and a
// header it accepts always has a timestamp and only 32-byte v1 values.
// VerifyStripe over the same input never panics either.
func FuzzParseStripeHeader(f *testing.F) {
	sig := strings.Repeat("0f", 32)
	for _, s := range []string{
		"t=1700000000,v1=" + sig,
		"t=1,v1=" + sig + ",v1=" + sig + ",v0=" + sig,
		"t=-5,v1=",
		"t=99999999999999999999,v1=" + sig,
		"v1=" + sig,
		"t=,v1",
		",,,",
		"t=1=2,v1=" + sig,
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		p, err := webhook.ParseStripeHeader(h)
		if err == nil {
			for _, v := range p.V1 {
				if len(v) != 32 {
					t.Fatalf("v1 of %d bytes accepted from %q", len(v), h)
				}
			}
		}
		_ = webhook.VerifyStripe(h, []byte(h), "whsec_fuzz", time.Minute, time.Unix(1700000000, 0))
	})
}

// FuzzIdenfySignature: the Idenfy-Signature parser never panics, accepts
// only 64 hex characters (after trimming spaces), and verification over
// the same input never panics.
func FuzzIdenfySignature(f *testing.F) {
	for _, s := range []string{
		strings.Repeat("ab", 32),
		strings.Repeat("AB", 32),
		" " + strings.Repeat("01", 32) + "\t",
		strings.Repeat("zz", 32),
		"sha256=" + strings.Repeat("ab", 32),
		"",
	} {
		f.Add(s, []byte(`{"final":true}`))
	}
	f.Fuzz(func(t *testing.T, h string, body []byte) {
		if _, err := webhook.ParseIdenfySignature(h); err == nil && len(strings.TrimSpace(h)) != 64 {
			t.Fatalf("accepted %q", h)
		}
		_, _ = webhook.VerifyIdenfy(h, body, "key")
	})
}
