package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/circles-actor/circles-actor/config"
)

// The generator point G (private key 1) in both encodings.
const (
	gCompressed   = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	gUncompressed = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" +
		"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
	// 2G, whose y is odd.
	twoG = "03c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
)

func TestCanonicalKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, err string
	}{
		{"compressed", gCompressed, gCompressed, ""},
		{"upper case", strings.ToUpper(gCompressed), gCompressed, ""},
		{"0x prefix", "0x" + gCompressed, gCompressed, ""},
		{"0X prefix upper", "0X" + strings.ToUpper(gCompressed), gCompressed, ""},
		{"uncompressed", gUncompressed, gCompressed, ""},
		{"odd y", twoG, twoG, ""},
		{"empty", "", "", "empty key"},
		{"bare 0x", "0x", "", "empty key"},
		{"not hex", "zz" + gCompressed[2:], "", "not hex"},
		{"odd length", gCompressed[:65], "", "not hex"},
		{"short", gCompressed[:64], "", "32 bytes"},
		{"too long", gUncompressed + "00", "", "hex characters"},
		{"bad prefix", "05" + gCompressed[2:], "", "unknown key prefix"},
		{"hybrid", "06" + gUncompressed[2:], "", "unsupported uncompressed key prefix"},
		{"x not on curve", "02" + strings.Repeat("00", 31) + "05", "", "not a point on the secp256k1 curve"},
		{"x too big", "02" + strings.Repeat("ff", 32), "", "coordinate not below the field prime"},
		{"uncompressed off curve", gUncompressed[:128] + "b9", "", "not a point on the secp256k1 curve"},
		{"space", " " + gCompressed, "", "not hex"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.CanonicalKey(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("CanonicalKey(%q) error = %v, want containing %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("CanonicalKey(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	fp := config.Fingerprint(gCompressed)
	if len(fp) != 8 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Fatalf("Fingerprint = %q, want 8 lowercase hex", fp)
	}
	if got := config.Fingerprint(gUncompressed); got != fp {
		t.Errorf("uncompressed fingerprint %q != compressed %q", got, fp)
	}
	if got := config.Fingerprint(strings.ToUpper(gCompressed)); got != fp {
		t.Errorf("upper-case fingerprint %q != %q", got, fp)
	}
	if got := config.Fingerprint(twoG); got == fp {
		t.Errorf("two keys share fingerprint %q", got)
	}
	bad := config.Fingerprint("not a key")
	if len(bad) != 8 || strings.Contains(bad, "not") {
		t.Errorf("Fingerprint of a bad key = %q", bad)
	}
}

func TestDefaultValidates(t *testing.T) {
	t.Parallel()
	c := config.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if c.Addr() != "127.0.0.1:8080" {
		t.Errorf("Addr = %q", c.Addr())
	}
	// The sandbox defaults mirror rhai.DefaultLimits (checked here by value
	// because config must not import the interpreter).
	if c.MaxOperations != 50_000_000 || c.MaxCallDepth != 64 || c.MaxStringLen != 4<<20 ||
		c.MaxArrayLen != 1<<20 || c.MaxMapLen != 1<<20 || c.MaxScriptBytes != 256<<10 {
		t.Errorf("sandbox defaults drifted: %+v", c)
	}
}

func TestValidateKeys(t *testing.T) {
	t.Parallel()
	c := config.Default()
	c.PublicKeys = []string{gUncompressed, " " + strings.ToUpper(gCompressed) + " ", "", twoG, "0x" + gCompressed}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []string{gCompressed, twoG}
	if strings.Join(c.PublicKeys, ",") != strings.Join(want, ",") {
		t.Fatalf("PublicKeys = %v, want %v", c.PublicKeys, want)
	}
	if !c.HasCircle(twoG) || c.HasCircle(gUncompressed) {
		t.Error("HasCircle wrong")
	}
}

func TestValidateNamesBadKey(t *testing.T) {
	t.Parallel()
	c := config.Default()
	c.PublicKeys = []string{gCompressed, "zz" + gCompressed[2:], "0211"}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted bad keys")
	}
	msg := err.Error()
	for _, want := range []string{`invalid public key "zz79be667ef9dcbb…": key is not hex`, `invalid public key "0211"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*config.Config)
		want   string
	}{
		{"port", func(c *config.Config) { c.Port = 70000 }, "port"},
		{"negative port", func(c *config.Config) { c.Port = -1 }, "port"},
		{"tls without cert", func(c *config.Config) { c.TLS = true; c.KeyFile = "k" }, "tls"},
		{"workers", func(c *config.Config) { c.WorkersPerCircle = 0 }, "workers per circle"},
		{"too many workers", func(c *config.Config) { c.WorkersPerCircle = 5000 }, "workers per circle"},
		{"script timeout", func(c *config.Config) { c.ScriptTimeout = 0 }, "script timeout"},
		{"frame", func(c *config.Config) { c.MaxFrameBytes = 0 }, "max frame bytes"},
		{"script larger than frame", func(c *config.Config) { c.MaxFrameBytes = 1024 }, "exceeds max frame bytes"},
		{"in flight", func(c *config.Config) { c.MaxInFlight = 0 }, "max in-flight"},
		{"nonces", func(c *config.Config) { c.MaxPendingNonces = -1 }, "max pending nonces"},
		{"nonce ttl", func(c *config.Config) { c.NonceTTL = -time.Second }, "nonce TTL"},
		{"batch", func(c *config.Config) { c.MaxBatch = 0 }, "max batch"},
		{"conns", func(c *config.Config) { c.MaxConnsPerIP = 0 }, "connections per IP"},
		{"ping vs idle", func(c *config.Config) { c.PingInterval = c.IdleTimeout }, "shorter than idle timeout"},
		{"write queue", func(c *config.Config) { c.WriteQueue = 0 }, "write queue"},
		{"write timeout", func(c *config.Config) { c.WriteTimeout = 0 }, "write timeout"},
		{"auth failures", func(c *config.Config) { c.AuthFailuresPerMinute = 0 }, "auth failures"},
		{"shutdown", func(c *config.Config) { c.ShutdownTimeout = 0 }, "shutdown timeout"},
		{"operations", func(c *config.Config) { c.MaxOperations = 0 }, "max operations"},
		{"call depth", func(c *config.Config) { c.MaxCallDepth = 0 }, "max call depth"},
		{"string", func(c *config.Config) { c.MaxStringLen = 0 }, "max string length"},
		{"array", func(c *config.Config) { c.MaxArrayLen = 0 }, "max array length"},
		{"map", func(c *config.Config) { c.MaxMapLen = 0 }, "max map length"},
		{"redis scheme", func(c *config.Config) { c.RedisURL = "http://localhost" }, "redis url scheme"},
		{"redis parse", func(c *config.Config) { c.RedisURL = "redis://user:se cret@%zz" }, "redis url does not parse"},
		{"no local workers", func(c *config.Config) { c.NoLocalWorkers = true }, "needs a redis url"},
		{"retention", func(c *config.Config) { c.TaskRetention = 0 }, "task retention"},
		{"queue", func(c *config.Config) { c.QueueMaxLen = 0 }, "queue max length"},
		{"webhook body", func(c *config.Config) { c.WebhookMaxBody = 0 }, "webhook max body"},
		{"stripe tolerance", func(c *config.Config) { c.StripeTolerance = 0 }, "stripe tolerance"},
		{"idenfy window", func(c *config.Config) { c.IdenfyReplayWindow = 0 }, "idenfy replay window"},
		{"secrets for unknown circle", func(c *config.Config) {
			c.CircleWebhookSecrets = map[string]config.ProviderSecrets{twoG: {Stripe: "s"}}
		}, "not served"},
		{"secrets bad key", func(c *config.Config) {
			c.CircleWebhookSecrets = map[string]config.ProviderSecrets{"nope": {Stripe: "s"}}
		}, `invalid public key "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := config.Default()
			c.PublicKeys = []string{gCompressed}
			tc.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "se cret") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestValidateReportsAll(t *testing.T) {
	t.Parallel()
	var c config.Config // the zero value is not valid: every limit is 0
	err := c.Validate()
	if err == nil {
		t.Fatal("zero Config validated")
	}
	if n := strings.Count(err.Error(), "\n") + 1; n < 20 {
		t.Errorf("got %d problems, want all of them reported:\n%v", n, err)
	}
}

func TestWebhookSecrets(t *testing.T) {
	t.Parallel()
	c := config.Default()
	c.PublicKeys = []string{gCompressed, twoG}
	c.StripeWebhookSecret, c.IdenfyWebhookSecret = "global-s", "global-i"
	c.CircleWebhookSecrets = map[string]config.ProviderSecrets{strings.ToUpper(gUncompressed): {Stripe: "own-s"}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ got, want string }{
		{c.StripeSecret(gCompressed), "own-s"},
		{c.IdenfySecret(gCompressed), "global-i"},
		{c.StripeSecret(twoG), "global-s"},
		{c.IdenfySecret(twoG), "global-i"},
	}
	for i, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("check %d: got %q, want %q", i, ck.got, ck.want)
		}
	}
}

func TestValidateErrorIsJoined(t *testing.T) {
	t.Parallel()
	c := config.Default()
	c.Port = -1
	c.MaxBatch = 0
	err := c.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 2 {
		t.Fatalf("want two joined errors, got %v", err)
	}
}

func FuzzCanonicalKey(f *testing.F) {
	for _, s := range []string{gCompressed, gUncompressed, twoG, "0x" + gCompressed, "", "zz", "06" + gUncompressed[2:], strings.Repeat("f", 66)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := config.CanonicalKey(s)
		if err != nil {
			if c != "" {
				t.Fatalf("error with a result %q", c)
			}
			return
		}
		if len(c) != 66 || (c[:2] != "02" && c[:2] != "03") || strings.ToLower(c) != c {
			t.Fatalf("CanonicalKey(%q) = %q, not lowercase compressed hex", s, c)
		}
		again, err := config.CanonicalKey(c)
		if err != nil || again != c {
			t.Fatalf("not idempotent: %q -> %q, %v", c, again, err)
		}
		if len(config.Fingerprint(s)) != 8 {
			t.Fatal("fingerprint length")
		}
	})
}

// TestRedisURLErrorsHideThePassword: a redis url that does not parse is
// refused with what is wrong in it and without its password.
func TestRedisURLErrorsHideThePassword(t *testing.T) {
	for url, want := range map[string]string{
		"redis://:hunter2pw@127.0.0.1:notaport": `invalid port ":notaport"`,
		"redis://:hunter2pw/x@127.0.0.1:6379":   "password part is malformed",
		"redis://u:hunter2pw@[::1":              "missing ']'",
	} {
		c := config.Default()
		c.PublicKeys = []string{"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"}
		c.RedisURL = url
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2pw") {
			t.Errorf("Validate(%q) = %v, want %q without the password", url, err, want)
		}
	}
}
