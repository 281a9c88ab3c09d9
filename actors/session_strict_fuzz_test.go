package actors

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/circles-actor/circles-actor/config"
)

// FuzzParamShapes: the strict shape checks of fetch_nonce and authenticate
// never refuse a key config.CanonicalKey accepts, a key they pass is
// canonicalised or refused by nonceKey (never panics), and a signature
// they pass is 64 or 65 bytes of hex.
func FuzzParamShapes(f *testing.F) {
	const g = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	for _, s := range []string{g, "0x" + strings.ToUpper(g), "04" + g[2:] + g[2:], "", "02zz", g[:64], strings.Repeat("ab", 65), "0x" + strings.Repeat("cd", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := config.CanonicalKey(s); err == nil && keyShapeProblem(s) != "" {
			t.Fatalf("a valid key %q is refused: %s", s, keyShapeProblem(s))
		}
		if keyShapeProblem(s) == "" {
			if key, e := nonceKey(s); e == nil && len(key) != 66 {
				t.Fatalf("nonceKey(%q) = %q", s, key)
			}
		}
		if sigShapeProblem(s) == "" {
			h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
			b, err := hex.DecodeString(h)
			if err != nil || (len(b) != 64 && len(b) != 65) {
				t.Fatalf("signature shape %q passed: %d bytes, %v", s, len(b), err)
			}
		}
	})
}
