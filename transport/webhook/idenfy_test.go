package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/transport/webhook"
)

// idenfySign computes Idenfy-Signature independently of the package, per
// iDenfy's callback-signing documentation: hex HMAC-SHA256(key, raw body).
func idenfySign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func TestIdenfySignatureMatchesIndependentHMAC(t *testing.T) {
	t.Parallel()
	body := `{"final":true,"status":{"overall":"APPROVED"}}`
	if got, want := webhook.IdenfySignature("key", []byte(body)), idenfySign("key", body); got != want {
		t.Fatalf("IdenfySignature = %s, want %s", got, want)
	}
}

func TestVerifyIdenfy(t *testing.T) {
	t.Parallel()
	const secret, body = "signing-key", `{"scanRef":"abc","status":{"overall":"DENIED"}}`
	good := idenfySign(secret, body)
	cases := []struct {
		name   string
		header string
		body   string
		err    error
	}{
		{"valid", good, body, nil},
		{"upper case hex", strings.ToUpper(good), body, nil},
		{"surrounding spaces", " " + good + " ", body, nil},
		{"wrong secret", idenfySign("other", body), body, webhook.ErrSignatureMismatch},
		{"tampered body", good, strings.Replace(body, "DENIED", "APPROVED", 1), webhook.ErrSignatureMismatch},
		{"missing", "", body, webhook.ErrNoSignature},
		{"not hex", strings.Repeat("zz", 32), body, webhook.ErrMalformedHeader},
		{"short", good[:62], body, webhook.ErrMalformedHeader},
		{"long", good + "00", body, webhook.ErrMalformedHeader},
		{"sha256= prefix", "sha256=" + good, body, webhook.ErrMalformedHeader},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := webhook.VerifyIdenfy(tc.header, []byte(tc.body), secret)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("VerifyIdenfy = %v, want %v", err, tc.err)
			}
		})
	}
}
