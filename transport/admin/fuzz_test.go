package admin_test

import (
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/config"
	"github.com/circles-actor/circles-actor/transport/admin"
)

// FuzzParseKey: a path key either parses to the canonical form
// config.CanonicalKey gives, or fails with a message of bounded length.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{fixedPK, strings.ToUpper(addPK), "0x" + addPK, "", "02zz", strings.Repeat("a", 200),
		"04" + strings.Repeat("11", 64), "%2F", "02" + strings.Repeat("ff", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		pk, err := admin.ParseKey(raw)
		if err != nil {
			if len(err.Error()) > 400 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		want, cerr := config.CanonicalKey(raw)
		if cerr != nil || pk != want || len(pk) != 66 {
			t.Fatalf("ParseKey(%q) = %q, CanonicalKey = %q, %v", raw, pk, want, cerr)
		}
		if again, err := admin.ParseKey(pk); err != nil || again != pk {
			t.Fatalf("canonical key does not parse to itself: %q %v", again, err)
		}
	})
}

// FuzzParseAddBody: any body is accepted or refused without panicking; an
// accepted non-empty body names the path's circle or none.
func FuzzParseAddBody(f *testing.F) {
	for _, s := range []string{"", "{}", `{"public_key":"` + addPK + `"}`, `{"public_key":"` + fixedPK + `"}`, "[]", "null",
		`{"public_key":null}`, `{"x":1}`, "{} {}", `{"public_key":"` + strings.ToUpper(addPK) + `"}`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := admin.ParseAddBody(body, addPK)
		if err == nil && strings.Contains(string(body), fixedPK) && !strings.Contains(strings.ToLower(string(body)), addPK) {
			t.Fatalf("accepted a body naming another circle: %q", body)
		}
	})
}

// FuzzBearerToken: a token, when found, is non-empty and has no
// surrounding blanks.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer", "Basic x", "", "Bearer  \t x \t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := admin.BearerToken(h)
		if ok != (tok != "") || tok != strings.TrimSpace(tok) {
			t.Fatalf("BearerToken(%q) = %q, %v", h, tok, ok)
		}
	})
}
