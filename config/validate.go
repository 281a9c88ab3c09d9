package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Upper bounds that catch typos (a missing unit, an extra zero) rather than
// express policy.
const (
	maxWorkersPerCircle = 1024
	maxFrameBytes       = 1 << 30
	maxBatch            = 100_000
	// maxStateKeyBytes bounds the state key limit: keys are held in memory
	// and in every commit, so a typo must not allow huge ones.
	maxStateKeyBytes = 32 << 10
)

// Validate checks every field and reports all problems at once (joined with
// errors.Join), so a user fixes a command line in one go. It canonicalises
// PublicKeys and the keys of CircleWebhookSecrets in place; on error the
// Config may be partly rewritten and must not be used.
func (c *Config) Validate() error {
	var v validator
	c.validateKeys(&v)
	c.validateNetwork(&v)
	c.validateLimits(&v)
	c.validateRedis(&v)
	c.validateWebhooks(&v)
	c.validateAdmin(&v)
	c.validateState(&v)
	if err := errors.Join(v.errs...); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	return nil
}

// validator collects problems.
type validator struct{ errs []error }

func (v *validator) addf(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) positive(name string, n int) {
	if n <= 0 {
		v.addf("%s must be positive, got %d", name, n)
	}
}

func (v *validator) duration(name string, d time.Duration) {
	if d <= 0 {
		v.addf("%s must be a positive duration, got %s", name, d)
	}
}

func (c *Config) validateKeys(v *validator) {
	keys, err := canonicalKeys(c.PublicKeys)
	if err != nil {
		v.errs = append(v.errs, err)
	}
	c.PublicKeys = keys
	if len(c.CircleWebhookSecrets) == 0 {
		return
	}
	secrets := make(map[string]ProviderSecrets, len(c.CircleWebhookSecrets))
	for k, s := range c.CircleWebhookSecrets {
		ck, err := CanonicalKey(k)
		if err != nil {
			v.addf("webhook secrets: invalid public key %s: %w", quoteKey(k), err)
			continue
		}
		if !c.HasCircle(ck) {
			v.addf("webhook secrets for circle %s, which is not served", Fingerprint(ck))
			continue
		}
		secrets[ck] = s
	}
	c.CircleWebhookSecrets = secrets
}

func (c *Config) validateNetwork(v *validator) {
	if c.Port < 0 || c.Port > 65535 {
		v.addf("port must be 0-65535, got %d", c.Port)
	}
	if c.TLS && (c.CertFile == "" || c.KeyFile == "") {
		v.addf("tls needs both a certificate file and a key file")
	}
	if c.MaxFrameBytes <= 0 || c.MaxFrameBytes > maxFrameBytes {
		v.addf("max frame bytes must be 1-%d, got %d", maxFrameBytes, c.MaxFrameBytes)
	}
	v.positive("max in-flight", c.MaxInFlight)
	if c.MaxBatch <= 0 || c.MaxBatch > maxBatch {
		v.addf("max batch must be 1-%d, got %d", maxBatch, c.MaxBatch)
	}
	v.positive("max connections per IP", c.MaxConnsPerIP)
	v.duration("idle timeout", c.IdleTimeout)
	v.duration("ping interval", c.PingInterval)
	if c.PingInterval > 0 && c.IdleTimeout > 0 && c.PingInterval >= c.IdleTimeout {
		v.addf("ping interval (%s) must be shorter than idle timeout (%s)", c.PingInterval, c.IdleTimeout)
	}
	v.positive("write queue", c.WriteQueue)
	v.duration("write timeout", c.WriteTimeout)
	v.duration("shutdown timeout", c.ShutdownTimeout)
	v.duration("nonce TTL", c.NonceTTL)
	v.positive("max pending nonces", c.MaxPendingNonces)
	v.positive("auth failures per minute", c.AuthFailuresPerMinute)
}

func (c *Config) validateLimits(v *validator) {
	if c.WorkersPerCircle <= 0 || c.WorkersPerCircle > maxWorkersPerCircle {
		v.addf("workers per circle must be 1-%d, got %d", maxWorkersPerCircle, c.WorkersPerCircle)
	}
	v.duration("script timeout", c.ScriptTimeout)
	v.positive("max script bytes", c.MaxScriptBytes)
	if int64(c.MaxScriptBytes) > c.MaxFrameBytes && c.MaxFrameBytes > 0 {
		v.addf("max script bytes (%d) exceeds max frame bytes (%d)", c.MaxScriptBytes, c.MaxFrameBytes)
	}
	if c.MaxOperations == 0 {
		v.addf("max operations must be positive, got 0")
	}
	v.positive("max call depth", c.MaxCallDepth)
	v.positive("max expression depth", c.MaxExprDepth)
	v.positive("max string length", c.MaxStringLen)
	v.positive("max array length", c.MaxArrayLen)
	v.positive("max map length", c.MaxMapLen)
	v.positive("max blob length", c.MaxBlobLen)
	if c.Modules != "" {
		if st, err := os.Stat(c.Modules); err != nil || !st.IsDir() {
			v.addf("modules directory %q is not a readable directory", c.Modules)
		}
	}
	if c.MaxRunBytes <= 0 {
		v.addf("max run bytes must be positive, got %d", c.MaxRunBytes)
	}
}

func (c *Config) validateRedis(v *validator) {
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		switch {
		case err != nil:
			v.addf("redis url does not parse: %s", urlProblem(c.RedisURL, err))
		case u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix":
			v.addf("redis url scheme must be redis, rediss or unix, got %q", u.Scheme)
		}
	}
	if c.RedisMinReplicas < -1 {
		v.addf("redis min replicas must be -1 (automatic), 0 or more, got %d", c.RedisMinReplicas)
	}
	if c.RedisMinReplicas != 0 && c.RedisReplicaTimeout <= 0 {
		v.addf("redis replica timeout must be positive")
	}
	if c.NoLocalWorkers && c.RedisURL == "" {
		v.addf("no local workers needs a redis url: nothing else would run scripts")
	}
	v.duration("task retention", c.TaskRetention)
	v.positive("queue max length", c.QueueMaxLen)
}

// urlProblem says what url.Parse found wrong in raw without quoting raw,
// which may hold a password: url.Error echoes the whole URL, and its inner
// error may quote a piece of a password holding an unescaped "/", so when
// the URL has a user part the problem is looked for with that part replaced.
func urlProblem(raw string, err error) string {
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			_, rerr := url.Parse(scheme + "://user:x@" + rest[at+1:])
			if rerr == nil {
				return "the user or password part is malformed (percent-encode / ? # @ : and spaces in it)"
			}
			err = rerr
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "malformed"
}

func (c *Config) validateWebhooks(v *validator) {
	if c.WebhookMaxBody <= 0 || c.WebhookMaxBody > maxFrameBytes {
		v.addf("webhook max body must be 1-%d, got %d", maxFrameBytes, c.WebhookMaxBody)
	}
	v.duration("stripe tolerance", c.StripeTolerance)
	v.duration("idenfy replay window", c.IdenfyReplayWindow)
}

func (c *Config) validateAdmin(v *validator) {
	if len(c.AdminTokens) == 0 {
		return
	}
	seen := make(map[string]bool, len(c.AdminTokens))
	var kept []string
	for i, t := range c.AdminTokens {
		t = strings.TrimSpace(t)
		switch {
		case t == "" || seen[t]:
			continue
		case len(t) < MinAdminTokenLen:
			v.addf("admin token %d is %d characters, want at least %d", i+1, len(t), MinAdminTokenLen)
			continue
		}
		seen[t] = true
		kept = append(kept, t)
	}
	c.AdminTokens = kept
}

func (c *Config) validateState(v *validator) {
	if c.StateMaxKeyBytes <= 0 || c.StateMaxKeyBytes > maxStateKeyBytes {
		v.addf("state max key bytes must be 1-%d, got %d", maxStateKeyBytes, c.StateMaxKeyBytes)
	}
	v.positive("state max value bytes", c.StateMaxValueBytes)
	if c.StateMaxKeys <= 0 {
		v.addf("state max keys must be positive, got %d", c.StateMaxKeys)
	}
	if c.StateMaxBytes <= 0 {
		v.addf("state max bytes must be positive, got %d", c.StateMaxBytes)
	}
	if len(c.InitScripts) == 0 {
		return
	}
	scripts := make(map[string]string, len(c.InitScripts))
	for k, path := range c.InitScripts {
		ck, err := CanonicalKey(k)
		switch {
		case err != nil:
			v.addf("init script: invalid public key %s: %w", quoteKey(k), err)
		case !c.HasCircle(ck):
			v.addf("init script for circle %s, which is not served", Fingerprint(ck))
		case path == "":
			v.addf("init script for circle %s: empty path", Fingerprint(ck))
		case scripts[ck] != "" && scripts[ck] != path:
			v.addf("circle %s has two init scripts: %s and %s", Fingerprint(ck), scripts[ck], path)
		default:
			scripts[ck] = path
		}
	}
	c.InitScripts = scripts
}
