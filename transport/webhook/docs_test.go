package webhook_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// The handler script shown in docs/webhooks.md runs as documented.
func TestDocsExampleScript(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```rhai\n")
	src, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/webhooks.md has no rhai code block")
	}
	f := newFixture(t, nil)
	f.writeScript("stripe.rhai", src)
	body := stripeEvent("payment_intent.succeeded", 2000)
	f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body).
		expect(t, http.StatusOK, "output", "recorded evt_1NG8Du2eZvKYlo2CUI79vXWy")
	body = stripeEvent("charge.refunded", 1)
	f.post("/webhooks/stripe/"+f.circle, stripeHeader(stripeSecret, f.now, body), body).
		expect(t, http.StatusOK, "output", "ignored charge.refunded")
}
