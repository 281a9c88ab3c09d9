package webhook

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseEventKeepsIntegersExact(t *testing.T) {
	t.Parallel()
	ev, err := parseEvent([]byte(`{"amount":9007199254740993,"fee":1.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := ev["amount"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("amount = %#v", ev["amount"])
	}
}

// FuzzParseEvent: the event parser never panics, and what it accepts is a
// JSON object within the nesting bound whose type it can name.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		`{"type":"invoice.paid","data":{"object":{"amount":100}}}`,
		`{"final":true,"status":{"overall":"APPROVED"}}`,
		`{"status":"ACTIVE"}`,
		`[]`, `null`, `{"a":1} x`, `{`, strings.Repeat(`{"a":`, 130) + `1` + strings.Repeat(`}`, 130),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parseEvent(body)
		if err != nil {
			return
		}
		if ev == nil || !json.Valid(body) || depth(ev, 0) > maxEventDepth {
			t.Fatalf("accepted %q", body)
		}
		_ = eventType(ProviderStripe, ev)
		_ = eventType(ProviderIdenfy, ev)
	})
}
