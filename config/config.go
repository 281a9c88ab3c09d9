package config

import (
	"net"
	"strconv"
	"time"
)

// Sandbox defaults. They duplicate rhai.DefaultLimits() in
// scripting/rhai/native.go on purpose: config must not import the
// interpreter. Change both together.
const (
	DefaultMaxOperations  uint64 = 50_000_000
	DefaultMaxCallDepth          = 64
	DefaultMaxExprDepth          = 128
	DefaultMaxStringLen          = 4 << 20
	DefaultMaxArrayLen           = 1 << 20
	DefaultMaxMapLen             = 1 << 20
	DefaultMaxBlobLen            = 4 << 20
	DefaultMaxScriptBytes        = 256 << 10
	DefaultMaxRunBytes    int64  = 256 << 20
)

// State limit defaults. They duplicate state.DefaultLimits() in
// scripting/state/store.go on purpose: config must not import the store.
// Change both together.
const (
	DefaultStateMaxKeyBytes   = 1 << 10
	DefaultStateMaxValueBytes = 1 << 20
	DefaultStateMaxKeys       = 1_000_000
	DefaultStateMaxBytes      = 256 << 20
)

// Config is the whole configuration of a server or worker process. Get one
// from Default, change what you need, then call Validate before use. Every
// field documents its default (the value Default sets). A Config is a plain
// value: it is safe to copy and to read from many goroutines once validated,
// as long as nobody writes to it.
type Config struct {
	// Network.

	// Host is the interface to listen on. Default "127.0.0.1"; "" or
	// "0.0.0.0" listens on all interfaces.
	Host string
	// Port is the TCP port. Default 8080; 0 picks a free port (tests).
	Port int
	// PublicKeys are the circles served, as secp256k1 public keys in hex.
	// Validate rewrites them to lowercase compressed hex, drops blanks and
	// folds duplicates. Default none (the CLI refuses to serve without one).
	PublicKeys []string
	// TLS serves https/wss directly with CertFile and KeyFile. Default false.
	TLS bool
	// CertFile is the PEM certificate chain used when TLS is set.
	CertFile string
	// KeyFile is the PEM private key used when TLS is set.
	KeyFile string

	// Authentication.

	// EnableAuth makes play require an authenticated session. Default false.
	EnableAuth bool
	// NonceTTL is how long an issued nonce can be used. Default 5m.
	NonceTTL time.Duration
	// MaxPendingNonces bounds the unused nonces per session; issuing one
	// more evicts the oldest. Default 4.
	MaxPendingNonces int
	// AuthFailuresPerMinute is how many failed authentications one client
	// IP may make per minute for one key before that key gets -32007 from
	// it; an IP with recent failures also gets a bounded rate of signature
	// checks for keys that have not succeeded from it (see actors'
	// authThrottle). Default 30.
	AuthFailuresPerMinute int

	// Execution.

	// WorkersPerCircle is the number of worker actors per circle. Default 1,
	// so a circle's scripts run one at a time, in order.
	WorkersPerCircle int
	// ScriptTimeout is the wall-clock limit of one script. Default 30s.
	ScriptTimeout time.Duration
	// MaxScriptBytes is the largest script accepted by play. Default 256 KiB.
	MaxScriptBytes int
	// MaxOperations bounds the operations of one script run. Default 50,000,000.
	MaxOperations uint64
	// MaxCallDepth bounds nested function calls. Default 64.
	MaxCallDepth int
	// MaxExprDepth bounds parser nesting. Default 128.
	MaxExprDepth int
	// MaxStringLen bounds the bytes of one string value. Default 4 MiB.
	MaxStringLen int
	// MaxArrayLen bounds the elements of one array. Default 1,048,576.
	MaxArrayLen int
	// MaxMapLen bounds the properties of one object map. Default 1,048,576.
	MaxMapLen int
	// MaxBlobLen bounds the bytes of one blob. Default 4 MiB.
	MaxBlobLen int
	// Modules is the directory scripts import modules from:
	// `import "name"` in a circle's script loads Modules/<pk>/name.rhai,
	// else Modules/name.rhai. Default "": only host modules.
	Modules string
	// MaxRunBytes bounds the bytes of values one script run creates,
	// counted as they are made (garbage included); a run over it ends with
	// kind memory_limit. Default 256 MiB.
	MaxRunBytes int64

	// Connections and JSON-RPC.

	// MaxFrameBytes is the WebSocket read limit; a larger frame closes the
	// socket with status 1009. Default 1 MiB.
	MaxFrameBytes int64
	// MaxInFlight bounds unanswered requests per session; more get -32006.
	// Default 16.
	MaxInFlight int
	// MaxBatch bounds the requests of one JSON-RPC batch. Default 100.
	MaxBatch int
	// MaxConnsPerIP bounds concurrent WebSocket connections per client IP.
	// Default 256.
	MaxConnsPerIP int
	// IdleTimeout closes a connection that sent nothing (not even a pong)
	// for this long. Default 60s.
	IdleTimeout time.Duration
	// PingInterval is how often the server pings; it must be shorter than
	// IdleTimeout. Default 20s.
	PingInterval time.Duration
	// WriteQueue bounds the outbound frames queued per connection; when it
	// is full the connection's requests are not read until there is room
	// (back-pressure), and only a client that stops reading for
	// WriteTimeout is disconnected. Default 64.
	WriteQueue int
	// WriteTimeout bounds one frame write. Default 10s.
	WriteTimeout time.Duration
	// ShutdownTimeout bounds the graceful drain on SIGINT/SIGTERM. Default 15s.
	ShutdownTimeout time.Duration

	// Redis mode.

	// RedisURL switches task dispatch to Redis (redis://, rediss:// or
	// unix://). Default "": the in-process dispatcher.
	RedisURL string
	// NoLocalWorkers makes serve run no workers of its own in Redis mode;
	// separate `worker` processes do the work. Default false.
	NoLocalWorkers bool
	// PreserveTasks keeps finished task hashes for TaskRetention instead of
	// deleting them once answered. Default false.
	PreserveTasks bool
	// TaskRetention is how long preserved task hashes live. Default 24h.
	TaskRetention time.Duration
	// RedisMinReplicas is how many Redis replicas must have a task's
	// answer (and its state commit) before the caller gets it; -1 (the
	// default): 1 when the master has replicas at start-up, else 0.
	RedisMinReplicas int
	// RedisReplicaTimeout bounds that wait; past it the play fails.
	// Default 1s.
	RedisReplicaTimeout time.Duration
	// QueueMaxLen bounds the pending tasks per circle queue; more get
	// -32006. Default 10,000.
	QueueMaxLen int

	// State.

	// DataDir is the directory of the server's durable data: circles' state
	// in DataDir/state/ and the circles added at runtime in
	// DataDir/circles.json. Default "": state is kept in memory only and
	// nothing survives the process.
	DataDir string
	// InitScripts maps a circle (public key; canonicalised by Validate, each
	// must be served) to a Rhai file run in that circle at start-up, before
	// it accepts connections (the `-k PK:init.rhai` form). Default none.
	InitScripts map[string]string
	// StateMaxKeyBytes bounds the bytes of one state key. Default 1 KiB.
	StateMaxKeyBytes int
	// StateMaxValueBytes bounds the encoded bytes of one state value.
	// Default 1 MiB.
	StateMaxValueBytes int
	// StateMaxKeys bounds the keys of one circle's state. Default 1,000,000.
	StateMaxKeys int64
	// StateMaxBytes bounds the bytes of all keys and values of one circle.
	// Default 256 MiB.
	StateMaxBytes int64

	// Webhooks.

	// StripeWebhookSecret verifies Stripe-Signature for every circle that
	// has no override. Default "": Stripe webhooks are refused.
	StripeWebhookSecret string
	// IdenfyWebhookSecret verifies iDenfy signatures for every circle that
	// has no override. Default "": iDenfy webhooks are refused.
	IdenfyWebhookSecret string
	// CircleWebhookSecrets are per-circle overrides, keyed by circle public
	// key (canonicalised by Validate; each must be a served circle).
	CircleWebhookSecrets map[string]ProviderSecrets
	// WebhookScripts is the directory of handler scripts. Default "".
	WebhookScripts string
	// WebhookMaxBody bounds a webhook request body; larger gets 413.
	// Default 1 MiB.
	WebhookMaxBody int64
	// StripeTolerance is the accepted age of a Stripe signature timestamp.
	// Default 300s.
	StripeTolerance time.Duration
	// IdenfyReplayWindow is how long a seen iDenfy event is remembered to
	// refuse replays. Default 10m.
	IdenfyReplayWindow time.Duration

	// Browser.

	// NoPlayground turns off the playground page (GET /) and its circle
	// list; the client module (/circles-client.js) is still served.
	// Default false.
	NoPlayground bool

	// Operators.

	// AdminTokens are the bearer tokens the admin API (/v1) accepts; several
	// at once so they can be rotated. Validate trims them, drops blanks and
	// duplicates, and refuses ones shorter than MinAdminTokenLen. Default
	// none: the API is off and every /v1 path is 404.
	AdminTokens []string
}

// MinAdminTokenLen is the shortest admin token Validate accepts: shorter
// ones are guessable despite the throttle.
const MinAdminTokenLen = 16

// ProviderSecrets are one circle's webhook secrets; an empty field falls
// back to the server-wide secret.
type ProviderSecrets struct {
	Stripe string
	Idenfy string
}

// Default returns the configuration of a plain `circles-actor serve`.
func Default() Config {
	return Config{
		Host:                  "127.0.0.1",
		Port:                  8080,
		NonceTTL:              5 * time.Minute,
		MaxPendingNonces:      4,
		AuthFailuresPerMinute: 30,
		WorkersPerCircle:      1,
		ScriptTimeout:         30 * time.Second,
		MaxScriptBytes:        DefaultMaxScriptBytes,
		MaxOperations:         DefaultMaxOperations,
		MaxCallDepth:          DefaultMaxCallDepth,
		MaxExprDepth:          DefaultMaxExprDepth,
		MaxStringLen:          DefaultMaxStringLen,
		MaxArrayLen:           DefaultMaxArrayLen,
		MaxMapLen:             DefaultMaxMapLen,
		MaxBlobLen:            DefaultMaxBlobLen,
		MaxRunBytes:           DefaultMaxRunBytes,
		MaxFrameBytes:         1 << 20,
		MaxInFlight:           16,
		MaxBatch:              100,
		MaxConnsPerIP:         256,
		IdleTimeout:           60 * time.Second,
		PingInterval:          20 * time.Second,
		WriteQueue:            64,
		WriteTimeout:          10 * time.Second,
		ShutdownTimeout:       15 * time.Second,
		TaskRetention:         24 * time.Hour,
		RedisMinReplicas:      -1,
		RedisReplicaTimeout:   time.Second,
		QueueMaxLen:           10_000,
		WebhookMaxBody:        1 << 20,
		StripeTolerance:       300 * time.Second,
		IdenfyReplayWindow:    10 * time.Minute,
		StateMaxKeyBytes:      DefaultStateMaxKeyBytes,
		StateMaxValueBytes:    DefaultStateMaxValueBytes,
		StateMaxKeys:          DefaultStateMaxKeys,
		StateMaxBytes:         DefaultStateMaxBytes,
	}
}

// Addr is the listen address, host:port.
func (c *Config) Addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// StripeSecret is the Stripe webhook secret for a circle (canonical key):
// its override if set, else the server-wide secret.
func (c *Config) StripeSecret(circle string) string {
	if s := c.CircleWebhookSecrets[circle].Stripe; s != "" {
		return s
	}
	return c.StripeWebhookSecret
}

// IdenfySecret is the iDenfy webhook secret for a circle (canonical key):
// its override if set, else the server-wide secret.
func (c *Config) IdenfySecret(circle string) string {
	if s := c.CircleWebhookSecrets[circle].Idenfy; s != "" {
		return s
	}
	return c.IdenfyWebhookSecret
}

// HasCircle reports whether a canonical key is one of the served circles.
func (c *Config) HasCircle(pk string) bool {
	for _, k := range c.PublicKeys {
		if k == pk {
			return true
		}
	}
	return false
}
