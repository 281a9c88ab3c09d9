package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Provider names: the {provider} path segment, the PROVIDER constant given
// to scripts and the handler script's file name (DIR/<provider>.rhai).
const (
	ProviderStripe = "stripe"
	ProviderIdenfy = "idenfy"
)

// errMalformedEvent: the verified body is not a JSON object (400).
var errMalformedEvent = errors.New("malformed event")

// parseEvent decodes a webhook body into the plain Go values that
// scripting.Task.Vars carries: objects become map[string]any, and numbers
// stay json.Number so that integers such as Stripe's amounts in cents reach
// the script as exact integers rather than float64. Both providers send
// one JSON object; anything else (an array, a scalar, trailing data) is
// refused.
func parseEvent(body []byte) (map[string]any, error) {
	// json.Valid refuses trailing data, which a Decoder would leave unread.
	if !json.Valid(body) {
		return nil, fmt.Errorf("%w: invalid JSON", errMalformedEvent)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil || ev == nil {
		return nil, fmt.Errorf("%w: not a JSON object", errMalformedEvent)
	}
	if depth(ev, 0) > maxEventDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", errMalformedEvent, maxEventDepth)
	}
	return ev, nil
}

// maxEventDepth bounds the nesting of an event. Real events are about ten
// levels deep; the bound keeps a hostile but validly signed body from
// failing later, in the worker's conversion to script values, where the
// error would be less clear.
const maxEventDepth = 128

// depth returns the nesting depth of a decoded JSON value, stopping early
// once it is past maxEventDepth.
func depth(v any, d int) int {
	if d > maxEventDepth {
		return d
	}
	max := d
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if n := depth(e, d+1); n > max {
				max = n
			}
		}
	case []any:
		for _, e := range x {
			if n := depth(e, d+1); n > max {
				max = n
			}
		}
	}
	return max
}

// eventType is EVENT_TYPE for a provider's event.
//
// Stripe: the event's "type" ("payment_intent.succeeded").
//
// iDenfy: KYC result callbacks carry the verdict in status.overall
// ("APPROVED", "DENIED", "SUSPECTED", "REVIEWING", "EXPIRED"); other iDenfy
// notifications (KYB, AML monitoring) put a plain string in "status" or a
// "type". The first of those that is a string wins; whether the verdict is
// final is left to the script (EVENT.final), since iDenfy sends a
// non-final auto-review result and then the final manual one.
//
// An event without any of these gets "".
func eventType(provider string, ev map[string]any) string {
	if provider == ProviderStripe {
		s, _ := ev["type"].(string)
		return s
	}
	if st, ok := ev["status"].(map[string]any); ok {
		if s, ok := st["overall"].(string); ok {
			return s
		}
	}
	if s, ok := ev["status"].(string); ok {
		return s
	}
	s, _ := ev["type"].(string)
	return s
}
